#!/bin/bash
# Runs a real chronyd pair on loopback and leaves the client's logs in DIR/client/log.
#   run.sh DIR PORT [MAX_SECONDS] [MIN_LINES]
# Server: chronyd under libfaketime, its clock 2.5 s AHEAD of the system clock, serving NTP on
# 127.0.0.1:PORT. Client: chronyd polling it 4 times a second, logging tracking, measurements
# and statistics. Both run with -x (never control the system clock), without cap_sys_time,
# with no command port, and are stopped by the PIDs read from their pid files.
# Needs (Debian): apt-get install -y chrony faketime libcap2-bin
set -eu
DIR=$1
PORT=$2
MAX=${3:-30}
MIN=${4:-25}

. "$(dirname "$0")/lib.sh"

mkdir -p "$DIR/server/log" "$DIR/client/log"
chmod 700 "$DIR" "$DIR/server" "$DIR/client"

cat > "$DIR/server/chrony.conf" <<CONF
port $PORT
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 10
cmdport 0
pidfile $DIR/server/chronyd.pid
driftfile $DIR/server/drift
logdir $DIR/server/log
CONF

cat > "$DIR/client/chrony.conf" <<CONF
server 127.0.0.1 port $PORT iburst minpoll -2 maxpoll -2
port 0
cmdport 0
pidfile $DIR/client/chronyd.pid
logdir $DIR/client/log
log tracking measurements statistics
CONF

finish() {
    stop_all
    # readable by the user who asked (the test may run this under sudo)
    chmod -R a+rX "$DIR/client" 2>/dev/null || true
}
trap finish EXIT

# -x everywhere: chronyd never controls the system clock; cap_sys_time dropped as well.
DONT_FAKE_MONOTONIC=1 "$CAPSH" --drop=cap_sys_time -- -c \
    "exec '$FAKETIME' -f '+2.5s' '$CHRONYD' -x -u root -f '$DIR/server/chrony.conf' -l '$DIR/server/chronyd.log'"
started "$DIR/server/chronyd.pid"

"$CAPSH" --drop=cap_sys_time -- -c \
    "exec '$CHRONYD' -x -u root -f '$DIR/client/chrony.conf' -l '$DIR/client/chronyd.log'"
started "$DIR/client/chronyd.pid"

rows() { [ -f "$1" ] && grep -c '^[0-9]' "$1" || echo 0; }
end=$((SECONDS + MAX))
while [ $SECONDS -lt $end ]; do
    t=$(rows "$DIR/client/log/tracking.log")
    m=$(rows "$DIR/client/log/measurements.log")
    s=$(rows "$DIR/client/log/statistics.log")
    if [ "$t" -ge "$MIN" ] && [ "$m" -ge "$MIN" ] && [ "$s" -ge "$MIN" ]; then
        exit 0
    fi
    sleep 0.5
done
echo "timed out after ${MAX}s: tracking=$t measurements=$m statistics=$s rows" >&2
cat "$DIR/client/chronyd.log" >&2 || true
exit 5
