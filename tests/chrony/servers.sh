#!/bin/bash
# Measures three real NTP servers on loopback with `deskew sync` and with `chronyd -Q`.
#   servers.sh DIR DESKEW PORT_TRUE PORT_AHEAD PORT_BEHIND PORT_TRUE2
# - true:   chronyd serving the system clock (local stratum 10) on 127.0.0.1:PORT_TRUE
# - true2:  another one like it on 127.0.0.1:PORT_TRUE2
# - ahead:  chronyd under libfaketime, its clock 2.5 s AHEAD, on 127.0.0.1:PORT_AHEAD
# - behind: chronyd relaying the true server with `offset -0.3` (serves time 0.3 s BEHIND)
#           on 127.0.0.1:PORT_BEHIND
# Every chronyd runs with -x (never controls the system clock), without cap_sys_time, with no
# command port, and is stopped by the PID read from its pid file. Results go to
# DIR/out/<server>.json (deskew sync --json) and DIR/out/<server>.chronyd (chronyd -Q); then
# the servers together: DIR/out/split.json (true, ahead, behind: no majority) and
# DIR/out/outvoted.json (true, true2, ahead), each with its exit status in .rc and its history
# in DIR/out/<name>/.
# Needs (Debian): apt-get install -y chrony faketime libcap2-bin
set -eu
DIR=$1
DESKEW=$2
PT=$3
PA=$4
PB=$5
PT2=$6

. "$(dirname "$0")/lib.sh"

mkdir -p "$DIR/out"
chmod 700 "$DIR"

conf() { # name port [extra line]
    mkdir -p "$DIR/$1/log"
    chmod 700 "$DIR/$1"
    cat > "$DIR/$1/chrony.conf" <<CONF
port $2
bindaddress 127.0.0.1
allow 127.0.0.1
cmdport 0
pidfile $DIR/$1/chronyd.pid
driftfile $DIR/$1/drift
logdir $DIR/$1/log
${3:-}
CONF
}
conf true "$PT" "local stratum 10"
conf true2 "$PT2" "local stratum 10"
conf ahead "$PA" "local stratum 10"
conf behind "$PB" "server 127.0.0.1 port $PT iburst minpoll -2 maxpoll -2 offset -0.3"

finish() {
    stop_all
    chmod -R a+rX "$DIR/out" 2>/dev/null || true
}
trap finish EXIT

run() { # name [env...]: chronyd -x, cap_sys_time dropped
    "$CAPSH" --drop=cap_sys_time -- -c \
        "exec $2 '$CHRONYD' -x -u root -f '$DIR/$1/chrony.conf' -l '$DIR/$1/chronyd.log'"
    started "$DIR/$1/chronyd.pid"
}
run true ""
run true2 ""
run ahead "env DONT_FAKE_MONOTONIC=1 '$FAKETIME' -f '+2.5s'"
run behind ""

sync() { # name port
    "$DESKEW" sync --json --burst 4 --burst-spacing 0.2 --timeout 1 "127.0.0.1:$2" > "$DIR/out/$1.json"
}
# the relay serves leap 3 (unsynchronized) until it has measured the true server
ok=
for _ in $(seq 60); do
    if sync behind "$PB" 2>/dev/null; then ok=1; break; fi
    sleep 0.5
done
[ -n "$ok" ] || { echo "the relay never synchronized" >&2; cat "$DIR/behind/chronyd.log" >&2; exit 5; }
# let it settle on its shifted time (it slews only from its first measurements)
sleep 4

for s in "true $PT" "ahead $PA" "behind $PB"; do
    set -- $s
    sync "$1" "$2"
    "$CAPSH" --drop=cap_sys_time -- -c \
        "exec '$CHRONYD' -Q -t 10 'server 127.0.0.1 port $2 iburst maxsamples 4'" \
        > "$DIR/out/$1.chronyd" 2>&1 || true
done

together() { # name servers...
    local name=$1
    shift
    local rc=0
    "$DESKEW" sync --json --burst 4 --burst-spacing 0.2 --timeout 1 --host "$name" \
        --record "$DIR/out/$name" "$@" > "$DIR/out/$name.json" || rc=$?
    echo "$rc" > "$DIR/out/$name.rc"
}
together split "127.0.0.1:$PT" "127.0.0.1:$PA" "127.0.0.1:$PB"
together outvoted "127.0.0.1:$PT" "127.0.0.1:$PT2" "127.0.0.1:$PA"

# `deskew sync --check` beside monitoring-plugins' check_ntp_time, and --prometheus, on each
# server alone: DIR/out/<server>.check, .check.rc, .prom, .ntp_time, .ntp_time.rc
CHECK_NTP_TIME=/usr/lib/nagios/plugins/check_ntp_time
for s in "true $PT" "ahead $PA" "behind $PB"; do
    set -- $s
    rc=0
    "$DESKEW" sync --check -w 0.1 -c 1 --burst 4 --burst-spacing 0.2 --timeout 1 \
        --prometheus "$DIR/out/$1.prom" "127.0.0.1:$2" > "$DIR/out/$1.check" || rc=$?
    echo "$rc" > "$DIR/out/$1.check.rc"
    if [ -x "$CHECK_NTP_TIME" ]; then
        rc=0
        "$CHECK_NTP_TIME" -H 127.0.0.1 -p "$2" -w 0.1 -c 1 > "$DIR/out/$1.ntp_time" || rc=$?
        echo "$rc" > "$DIR/out/$1.ntp_time.rc"
    fi
done

# docs/time-sync.md, run as written: each `$ ` command line of its sh blocks, with the
# server and paths moved here. Results: DIR/guide/out/<n>.cmd, .out, .err, .rc
G=$DIR/guide
mkdir -p "$G/out" "$G/textfile" "$G/incident/logs/$(cat /proc/sys/kernel/hostname)"
printf '%s %s app[1]: the incident\n' "$(date -u '+%b %e %H:%M:%S')" "$(cat /proc/sys/kernel/hostname)" \
    > "$G/incident/logs/$(cat /proc/sys/kernel/hostname)/syslog"
n=0
awk '/^```sh$/ {on=1; next} /^```$/ {on=0} on && /^\$ / {print substr($0, 3)}' \
    "$(dirname "$0")/../../docs/time-sync.md" |
while IFS= read -r line; do
    n=$((n + 1))
    cmd=${line//ntp1.lan/127.0.0.1:$PT}
    cmd=${cmd//--interval 64/--interval 0.5 --count 2}
    cmd=${cmd//\/var\/lib\/prometheus\/node-exporter/$G/textfile}
    cmd=${cmd//\/var\/lib\/deskew/$G/var/lib/deskew}
    cmd=${cmd//incident\//$G/incident/}
    cmd=${cmd/#deskew /\"$DESKEW\" }
    echo "$cmd" > "$G/out/$n.cmd"
    rc=0
    (cd "$G" && eval "$cmd") > "$G/out/$n.out" 2> "$G/out/$n.err" || rc=$?
    echo "$rc" > "$G/out/$n.rc"
done
