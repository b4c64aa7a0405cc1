#!/usr/bin/env bash
# Output formats against each other, in the same run: N rounds, each running every binary
# in text, JSONL and ECS to /dev/null, alternating, so that the machine's drift touches all
# alike. Prints per binary and format the min and median wall time, and the median of each
# round's JSONL/text and ECS/text ratio.
#
#   python3 scripts/bench/gen_corpus.py --out /tmp/bench-corpus --hosts 8 --mb 200
#   scripts/bench/formats.sh /tmp/bench-corpus 9 target/release/deskew [OTHER-BUILD ...]
#
# Before each run it waits (at most 60 s) for a second in which the machine is 85% idle.
set -euo pipefail
corpus=$1 rounds=$2
shift 2
[ $# -ge 1 ] || { echo "usage: $0 CORPUS ROUNDS DESKEW [DESKEW ...]" >&2; exit 2; }
args=$(cat "$corpus/deskew.args")
log=$(mktemp)
trap 'rm -f "$log"' EXIT

idle() {
    for _ in $(seq 60); do
        read -r _ u n s i _ < /proc/stat
        sleep 1
        read -r _ u2 n2 s2 i2 _ < /proc/stat
        local all=$(( (u2 + n2 + s2 + i2) - (u + n + s + i) ))
        [ $(( (i2 - i) * 100 )) -ge $(( all * 85 )) ] && return 0
    done
}

for r in $(seq "$rounds"); do
    for f in text jsonl ecs; do
        for b in "$@"; do
            idle
            t0=$(date +%s%N)
            # shellcheck disable=SC2086 # the args file holds several options
            "$b" merge -q --no-progress --output-format "$f" $args "$corpus"/*01 > /dev/null
            t1=$(date +%s%N)
            echo "$b $f $r $(( (t1 - t0) / 1000000 ))" >> "$log"
        done
    done
done

python3 - "$log" <<'EOF'
import collections, statistics, sys
wall = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    b, f, r, ms = line.split()
    wall[(b, f)][int(r)] = int(ms)
for b in dict.fromkeys(k[0] for k in wall):
    for f in ("text", "jsonl", "ecs"):
        w = list(wall[(b, f)].values())
        line = f"{b} {f:5}: wall min {min(w)} ms, median {statistics.median(w)} ms"
        if f != "text":
            t = wall[(b, "text")]
            ratios = [wall[(b, f)][r] / t[r] for r in t]
            line += f"; {f}/text per round: median {statistics.median(ratios):.3f}"
        print(line)
EOF
