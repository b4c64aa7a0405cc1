#!/usr/bin/env bash
# correlate_cost.sh - what `merge --correlate KEY` adds to `merge` on one corpus.
#
#   python3 scripts/bench/gen_corpus.py --out /tmp/bench-ids --hosts 8 --mb 200 --ids 0.1 --no-iso
#   DESKEW=target/release/deskew bash scripts/bench/correlate_cost.sh /tmp/bench-ids [RUNS]
#
# Runs merge without and with --correlate req_id alternately (RUNS each, default 5), output to
# a file under $TMPDIR, and prints each run's wall time and peak RSS and the medians. The
# corpus's own options (deskew.args: zones, year, offset histories) are used unless
# ARGS= overrides them (ARGS="--year 2026" merges without the histories: every host inferred).
set -euo pipefail
dir=${1:?corpus directory}
runs=${2:-5}
bin=${DESKEW:-target/release/deskew}
key=${KEY:-req_id}
args=${ARGS-$(cat "$dir/deskew.args")}
out=${TMPDIR:-/tmp}/correlate_cost.$$
mapfile -t hosts < <(python3 -c 'import json,sys; [print(sys.argv[1]+"/"+h["dir"]) for h in json.load(open(sys.argv[1]+"/manifest.json"))["hosts"]]' "$dir")
declare -a base corr bcpu ccpu
for ((i = 0; i < runs; i++)); do
  for mode in base corr; do
    extra=()
    [[ $mode == corr ]] && extra=(--correlate "$key")
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e %U %S %M" -o "$out.time" "$bin" merge --no-progress $args "${extra[@]}" "${hosts[@]}" >"$out.out" 2>"$out.err"
    read -r secs user sys rss <"$out.time"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')
    printf '%s run %d: %6.2f s wall  %6.2f s cpu  %7d KiB\n' "$mode" "$i" "$secs" "$cpu" "$rss"
    if [[ $mode == base ]]; then base+=("$secs"); bcpu+=("$cpu"); else corr+=("$secs"); ccpu+=("$cpu"); fi
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mb=$(median "${base[@]}")
mc=$(median "${corr[@]}")
awk -v b="$mb" -v c="$mc" 'BEGIN {printf "median wall: merge %.2f s, merge --correlate %.2f s: %+.0f %%\n", b, c, (c/b-1)*100}'
awk -v b="$(median "${bcpu[@]}")" -v c="$(median "${ccpu[@]}")" 'BEGIN {printf "median cpu:  merge %.2f s, merge --correlate %.2f s: %+.0f %%\n", b, c, (c/b-1)*100}'
echo "--correlate's report (last run):"
grep -v 'samples;' "$out.err" || true
rm -f "$out.out" "$out.err" "$out.time"
