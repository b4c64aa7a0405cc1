# Shared by the chronyd test scripts (sourced): the tools, and starting and stopping daemons.
# Sets CHRONYD, FAKETIME, CAPSH (exit 3 when one is missing); PIDS holds what `started` saw.

CHRONYD=$(PATH="$PATH:/usr/sbin:/sbin" command -v chronyd || true)
FAKETIME=$(command -v faketime || true)
CAPSH=$(PATH="$PATH:/usr/sbin:/sbin" command -v capsh || true)
if [ -z "$CHRONYD" ] || [ -z "$FAKETIME" ] || [ -z "$CAPSH" ]; then
    echo "missing chronyd, faketime or capsh: apt-get install -y chrony faketime libcap2-bin" >&2
    exit 3
fi

PIDS=()

# Stop every daemon `started` saw, by its PID, and wait up to 5 s for each to go.
stop_all() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
    done
}

# Wait for a pid file (chronyd forks) and remember the PID it holds (chronyd deletes the file
# when it exits, so it is read now).
started() {
    for _ in $(seq 100); do
        if [ -s "$1" ]; then
            PIDS+=("$(cat "$1")")
            return 0
        fi
        sleep 0.1
    done
    echo "chronyd did not start: no $1" >&2
    cat "$(dirname "$1")/chronyd.log" >&2 || true
    exit 4
}
