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
