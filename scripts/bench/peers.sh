#!/usr/bin/env bash
# peers.sh - time the existing ways to merge many log files into one timeline,
# on one corpus made by gen_corpus.py, and print a table.
#
#   bash peers.sh CORPUS_DIR
#
# Environment (all optional):
#   RUNS=5          timed runs per tool; fewer when its budget would be overrun
#   BUDGET=180      seconds per tool, all its runs together.  A run still going
#                   at the end of the budget is killed (whole process group):
#                   a tool whose first run is killed is reported as TIMEOUT.
#   OUT=/tmp/peers-out  scratch dir: each tool's last output, lnav HOME, hl
#                   cache, stderr logs, results.tsv, check.jsonl
#   TOOLS=          comma list of tool ids to run (default: all; ids below)
#   HL=hl           pamburus/hl binary (its rows are skipped if not found)
#   DESKEW=         deskew binary (its rows are skipped if not set or not found)
#   CHECK=1         judge the outputs with check_merge.py (needs CORPUS/iso/)
#
# Tools (ids): cat_null cat_x2 cat_file wc_l  - I/O ceiling on the raw logs
#              sort_m sort_full                - GNU sort on iso/ (pre-normalized,
#                                                per-file sorted: pure merge, no parsing;
#                                                -m gets --batch-size >= #files, as the
#                                                default 16 spills to temp files)
#              lnav_dump lnav_raw              - lnav -n: view dump / raw SQL export
#              py py_json                      - py_baseline.py (all / JSON files only)
#              deskew deskew_null             - deskew merge with the corpus's offsets and
#                                                zones (deskew.args), to a file / to /dev/null
#              sort_m_json hl_cold hl_warm     - JSON files only: sort -m yardstick,
#                                                hl --sort with a fresh / a reused index
# Wall time: monotonic clock around each run (a few ms of bash start-up
# included); peak RSS: GNU time's %M (largest single process of the run; ~4 MiB
# floor), or without /usr/bin/time the kernel's ru_maxrss via wait4 (floor =
# this script's Python, ~16 MiB).  Page cache is warmed first: hot-cache case.
# Needs: bash, python3 >= 3.9, coreutils, GNU time (apt: time); lnav, hl optional.
set -euo pipefail

CORPUS=${1:?usage: peers.sh CORPUS_DIR}
CORPUS=$(cd "$CORPUS" && pwd)
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CORPUS BENCH
export RUNS=${RUNS:-5} BUDGET=${BUDGET:-180} OUT=${OUT:-/tmp/peers-out}
export TOOLS=${TOOLS:-} HL=${HL:-hl} CHECK=${CHECK:-1} DESKEW=${DESKEW:-}
[ -f "$CORPUS/manifest.json" ] || { echo "no manifest.json in $CORPUS" >&2; exit 2; }
mkdir -p "$OUT"

exec python3 - <<'PY'
import json, os, shlex, shutil, signal, statistics, subprocess, sys, threading, time

corpus, bench, out = os.environ["CORPUS"], os.environ["BENCH"], os.environ["OUT"]
runs_wanted, budget = int(os.environ["RUNS"]), float(os.environ["BUDGET"])
only_tools = [t for t in os.environ["TOOLS"].split(",") if t]
man = json.load(open(os.path.join(corpus, "manifest.json")))
raw = [os.path.join(corpus, h["dir"], f["name"]) for h in man["hosts"] for f in h["files"]]
jsn = [p for p in raw if p.endswith(".jsonl")]
iso_dir = os.path.join(corpus, "iso")
iso = sorted(os.path.join(iso_dir, n) for n in os.listdir(iso_dir)) if os.path.isdir(iso_dir) else []
iso_json = [p for p in iso if p.endswith(".jsonl.tsv")]
hl = shutil.which(os.environ["HL"])
gnu_time = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None  # Debian: apt-get install time
rss_file = os.path.join(out, ".rss")
lnav = shutil.which("lnav")
deskew = shutil.which(os.environ["DESKEW"]) if os.environ["DESKEW"] else None
deskew_args = open(os.path.join(corpus, "deskew.args")).read().strip() if os.path.exists(
    os.path.join(corpus, "deskew.args")) else ""
host_dirs = [os.path.join(corpus, h["dir"]) for h in man["hosts"]]


def size(paths):
    return sum(os.path.getsize(p) for p in paths)


def lines(paths):
    n = 0
    for p in paths:
        with open(p, "rb") as f:
            while True:
                b = f.read(1 << 22)
                if not b:
                    break
                n += b.count(b"\n")
    return n


q = lambda ps: " ".join(shlex.quote(p) for p in ps)
lnav_home = os.path.join(out, "lnav-home")
# lnav writes its own sample formats and configs (formats/default, configs/default) into the
# directory given with -I: give it a copy outside the checkout.
lnav_fmt = os.path.join(out, "lnav-formats")
shutil.rmtree(lnav_fmt, ignore_errors=True)
shutil.copytree(os.path.join(bench, "lnav"), lnav_fmt)
half = (len(raw) + 1) // 2
O = lambda tid: shlex.quote(os.path.join(out, tid + ".out"))
# id, label, inputs, command, check spec (None: not judged), needs, setup
T = [
    ("cat_null", "cat > /dev/null", raw, "cat %s > /dev/null" % q(raw), None, None, None),
    ("cat_x2", "2x cat > /dev/null (xargs -P2)", raw,
     "printf '%%s\\n' %s | xargs -P2 -n %d cat > /dev/null" % (q(raw), half), None, None, None),
    ("cat_file", "cat > file", raw, "cat %s > %s" % (q(raw), O("cat_file")), None, None, None),
    ("wc_l", "wc -l", raw, "wc -l %s > %s" % (q(raw), O("wc_l")), None, None, None),
    ("sort_m", "LC_ALL=C sort -m (iso/)", iso,
     "LC_ALL=C sort -m --batch-size=%d -s -t \"$(printf '\\t')\" -k1,1 %s > %s" % (
         max(16, len(iso)), q(iso), O("sort_m")), None, "iso", None),
    ("sort_full", "LC_ALL=C sort full (iso/)", iso,
     "LC_ALL=C sort -s -t \"$(printf '\\t')\" -k1,1 %s > %s" % (q(iso), O("sort_full")), None, "iso", None),
    ("lnav_dump", "lnav -n (view dump)", raw,
     "HOME=%s lnav -n -I %s %s > %s" % (shlex.quote(lnav_home), shlex.quote(lnav_fmt), q(raw), O("lnav_dump")),
     "", "lnav", None),
    ("lnav_raw", "lnav -n -q SQL log_raw_text", raw,
     "HOME=%s lnav -n -q -I %s -c ';SELECT log_raw_text FROM all_logs' -c %s %s" % (
         shlex.quote(lnav_home), shlex.quote(lnav_fmt),
         shlex.quote(":write-raw-to --view=db " + os.path.join(out, "lnav_raw.out")), q(raw)),
     "", "lnav", None),
    ("py", "py_baseline.py", raw,
     "python3 %s %s -o %s" % (shlex.quote(os.path.join(bench, "py_baseline.py")), shlex.quote(corpus), O("py")),
     ",prefixed", None, None),
    ("py_json", "py_baseline.py --only .jsonl", jsn,
     "python3 %s %s --only .jsonl -o %s" % (shlex.quote(os.path.join(bench, "py_baseline.py")),
                                            shlex.quote(corpus), O("py_json")),
     ",prefixed,only=.jsonl", None, None),
    ("deskew", "deskew merge (offsets, to file)", raw,
     "%s merge --no-progress %s -o %s %s" % (shlex.quote(deskew or "deskew"), deskew_args, O("deskew"), q(host_dirs)),
     ",deskew", "deskew", None),
    ("deskew_null", "deskew merge (offsets, /dev/null)", raw,
     "%s merge --no-progress %s %s > /dev/null" % (shlex.quote(deskew or "deskew"), deskew_args, q(host_dirs)),
     None, "deskew", None),
    ("sort_m_json", "LC_ALL=C sort -m (iso/ JSON)", iso_json,
     "LC_ALL=C sort -m --batch-size=%d -s -t \"$(printf '\\t')\" -k1,1 %s > %s" % (
         max(16, len(iso_json)), q(iso_json), O("sort_m_json")), None, "iso", None),
    ("hl_cold", "hl -s --raw (fresh index)", jsn,
     "d=$(mktemp -d); XDG_CACHE_HOME=$d %s -s -P --raw -o %s %s; rc=$?; rm -rf \"$d\"; exit $rc" % (
         shlex.quote(hl or "hl"), O("hl_cold"), q(jsn)), ",only=.jsonl", "hl", None),
    ("hl_warm", "hl -s --raw (reused index)", jsn,
     "XDG_CACHE_HOME=%s %s -s -P --raw -o %s %s" % (shlex.quote(os.path.join(out, "hl-cache")),
                                                   shlex.quote(hl or "hl"), O("hl_warm"), q(jsn)),
     ",only=.jsonl", "hl", "warm"),
]


def run_once(cmd, timeout, errlog):
    fa = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
          (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
          (os.POSIX_SPAWN_OPEN, 2, errlog, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)]
    argv = ["bash", "-c", cmd]
    if gnu_time:  # a small measuring parent: the RSS floor is GNU time's, not this Python's
        open(rss_file, "w").close()
        argv = [gnu_time, "-q", "-f", "%M", "-o", rss_file] + argv
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0] if gnu_time else "/bin/bash", argv, os.environ, file_actions=fa, setsid=True)
    killed = []

    def kill():
        killed.append(True)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    timer = threading.Timer(max(timeout, 0.1), kill)
    timer.start()
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    timer.cancel()
    try:
        os.killpg(pid, signal.SIGKILL)  # leftovers of the run's own group, if any
    except ProcessLookupError:
        pass
    rss = ru.ru_maxrss
    if gnu_time:
        try:
            rss = int(open(rss_file).read().split()[-1])
        except (ValueError, IndexError):
            pass
    return {"wall": wall, "rss_kb": rss, "cpu": ru.ru_utime + ru.ru_stime,
            "rc": os.waitstatus_to_exitcode(status), "timeout": bool(killed)}


# warm the page cache (all tools then run on hot cache)
for p in raw + iso:
    with open(p, "rb") as f:
        while f.read(1 << 22):
            pass

print("corpus %s: %d hosts, %d files, %.1f MiB, %d lines (%d JSON files, %.1f MiB)" % (
    corpus, len(man["hosts"]), len(raw), size(raw) / 2**20, man["total_lines"], len(jsn), size(jsn) / 2**20))
print("machine: %d cores, %.1f GiB; %s; lnav %s; hl %s" % (
    os.cpu_count(), os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
    "python " + sys.version.split()[0],
    subprocess.run(["lnav", "-V"], capture_output=True, text=True).stdout.split()[-1] if lnav else "absent",
    subprocess.run([hl, "--version"], capture_output=True, text=True).stdout.split()[-1] if hl else "absent"))
print("runs<=%d per tool, budget %ds per tool, hot page cache\n" % (runs_wanted, budget), flush=True)

results, checks = [], []
hdr = "%-32s %8s %9s %4s  %-26s %9s %9s %8s" % ("tool", "in MiB", "in lines", "runs", "wall s: median (min-max)",
                                                 "MiB/s", "Mlines/s", "RSS MiB")
print(hdr)
print("-" * len(hdr), flush=True)
lines_cache = {}
for tid, label, inputs, cmd, chk, needs, setup in T:
    if only_tools and tid not in only_tools:
        continue
    if (needs == "lnav" and not lnav or needs == "hl" and not hl or needs == "iso" and not inputs
            or needs == "deskew" and not deskew):
        print("%-32s skipped (%s not available)" % (label, needs), flush=True)
        continue
    key = tuple(inputs)
    if key not in lines_cache:
        lines_cache[key] = (size(inputs), lines(inputs))
    nbytes, nlines = lines_cache[key]
    errlog = os.path.join(out, tid + ".stderr")
    open(errlog, "w").close()
    spent = 0.0
    if setup == "warm":  # build hl's index once, untimed but inside the budget
        shutil.rmtree(os.path.join(out, "hl-cache"), ignore_errors=True)
        r = run_once(cmd, budget, errlog)
        spent += r["wall"]
    rs, status = [], "ok"
    for i in range(runs_wanted):
        left = budget - spent
        if rs and rs[-1]["wall"] > left:
            break
        if left <= 0:
            break
        r = run_once(cmd, left, errlog)
        spent += r["wall"]
        if r["timeout"]:
            if not rs:
                status = "TIMEOUT"
            break
        if r["rc"] != 0:
            status = "FAIL rc=%d" % r["rc"]
            break
        rs.append(r)
    if status != "ok" or not rs:
        print("%-32s %8.1f %9d %4d  %s (see %s)" % (label, nbytes / 2**20, nlines, len(rs),
                                                  status if status != "TIMEOUT" else "TIMEOUT (> %ds)" % budget, errlog), flush=True)
        results.append({"id": tid, "label": label, "status": status})
        continue
    w = [x["wall"] for x in rs]
    med = statistics.median(w)
    rss = statistics.median(x["rss_kb"] for x in rs) / 1024
    res = {"id": tid, "label": label, "status": status, "runs": len(rs), "in_bytes": nbytes, "in_lines": nlines,
           "wall_median": med, "wall_min": min(w), "wall_max": max(w), "cpu_median": statistics.median(x["cpu"] for x in rs),
           "rss_mib": rss, "mib_s": nbytes / 2**20 / med, "mlines_s": nlines / 1e6 / med}
    results.append(res)
    fmtw = lambda x: ("%.3f" % x) if x < 10 else ("%.1f" % x)
    print("%-32s %8.1f %9d %4d  %-26s %9.1f %9.2f %8.1f" % (
        label, nbytes / 2**20, nlines, len(rs), "%s (%s-%s)" % (fmtw(med), fmtw(min(w)), fmtw(max(w))),
        res["mib_s"], res["mlines_s"], rss), flush=True)
    if chk is not None:
        checks.append((tid, label, os.path.join(out, tid + ".out") + chk))

with open(os.path.join(out, "results.tsv"), "w") as f:
    cols = ["id", "label", "status", "runs", "in_bytes", "in_lines", "wall_median", "wall_min", "wall_max",
            "cpu_median", "rss_mib", "mib_s", "mlines_s"]
    f.write("\t".join(cols) + "\n")
    for r in results:
        f.write("\t".join(str(r.get(c, "")) for c in cols) + "\n")

if os.environ["CHECK"] == "1" and checks and iso:
    print("\norder check against the ground truth (check_merge.py; back = records out of order by > 2 ms)")
    hdr = "%-32s %17s %17s %11s %-24s %-24s" % ("tool", "lines out/exp", "records matched", "unrecog.",
                                               "vs corrected: back (max s)", "vs uncorrected: back (max s)")
    print(hdr)
    print("-" * len(hdr), flush=True)
    p = subprocess.run(["python3", os.path.join(bench, "check_merge.py"), corpus, "--json"] + [c[2] for c in checks],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print("check_merge.py failed:\n" + p.stderr)
    with open(os.path.join(out, "check.jsonl"), "w") as f:
        f.write(p.stdout)
    for (tid, label, _), line in zip(checks, p.stdout.splitlines()):
        c = json.loads(line)
        print("%-32s %17s %17s %11d %-24s %-24s" % (
            label, "%d/%d" % (c["out_lines"], c["expected_lines"]),
            "%d/%d" % (c["matched_records"], c["expected_records"]), c["unrecognised_lines"],
            "%d (%.3f)" % (c["corrected_back"], c["corrected_max_back_s"]),
            "%d (%.3f)" % (c["parsed_back"], c["parsed_max_back_s"])), flush=True)
print("\nresults: %s/results.tsv" % out)
PY
