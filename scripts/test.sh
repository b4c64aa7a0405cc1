#!/usr/bin/env bash
# Install what the tests need (Debian) and run them all.
#
# The history tests start a real chronyd on 127.0.0.1 (always with -x and cap_sys_time
# dropped: it never touches this machine's clock), so they need chrony, faketime and capsh.
# The monitoring tests compare `deskew sync --check` with check_ntp_time (Debian
# monitoring-plugins-basic) and check metrics and alert rules with promtool (Debian prometheus).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chronyd >/dev/null || need+=(chrony)
command -v faketime >/dev/null || need+=(faketime)
command -v capsh >/dev/null || need+=(libcap2-bin)
[[ -x /usr/lib/nagios/plugins/check_ntp_time ]] || need+=(monitoring-plugins-basic)
command -v promtool >/dev/null || need+=(prometheus)
# The aggregator tests (tests/aggregators.rs) send RFC 5424 to a real rsyslogd and a real
# syslog-ng they start. Debian's syslog-ng-core conflicts with rsyslog (each is the system's
# log daemon), so it is unpacked under ~/.cache, not installed; the libraries it needs are.
[[ -x /usr/sbin/rsyslogd ]] || need+=(rsyslog)
sng="$HOME/.cache/deskew-test/syslog-ng"
for lib in libcap2 libglib2.0-0 libivykis0 libjson-c5 libnet1 libpcre3 libssl3 libsystemd0 libwrap0; do
  dpkg -s "$lib" >/dev/null 2>&1 || need+=("$lib")
done
# testdata/correlate/gen.py makes the --correlate corpus (tests/correlate.rs)
command -v python3 >/dev/null || need+=(python3)
# The terminal-view tests (tests/view.rs): a pseudo-terminal (script), the offsets chart
# rendered to PNG, the man page rendered by man.
command -v script >/dev/null || need+=(bsdutils)
command -v rsvg-convert >/dev/null || need+=(librsvg2-bin)
command -v man >/dev/null || need+=(man-db)
# The Spark test (tests/spark.rs): a JRE for Spark 4 (Java 17+), Python with venv for pyspark
# and duckdb, and the zone database the corpus generator reads.
java_ok() { command -v java >/dev/null && [[ $(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1) -ge 17 ]]; }
python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
[[ -e /usr/share/zoneinfo/Europe/Berlin ]] || need+=(tzdata)
java_ok || need+=(JRE)
command -v cargo >/dev/null || { echo "test.sh: cargo not found; install Rust from https://rustup.rs" >&2; exit 1; }
sng_get=
[[ -x $sng/usr/sbin/syslog-ng ]] || sng_get=1
if ((${#need[@]})) || [[ -n $sng_get ]]; then
  sudo=
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  # Keep apt from starting the services it installs (invoke-rc.d and deb-systemd-invoke obey
  # policy-rc.d, with or without systemd): a system chronyd would discipline the real clock,
  # and a system prometheus would listen on port 9090.
  guard=
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    guard=1
  fi
  $sudo apt-get update -qq
  if [[ " ${need[*]} " == *" JRE "* ]]; then
    # Whichever of these the distribution has (Debian 12: default-jre-headless is 17).
    jre=
    for p in default-jre-headless openjdk-21-jre-headless openjdk-17-jre-headless; do
      if apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then jre=$p; break; fi
    done
    [[ -n $jre ]] || { echo "test.sh: no Java 17+ runtime package found for Spark" >&2; exit 1; }
    need=("${need[@]/JRE/$jre}")
  fi
  if ((${#need[@]})); then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
  fi
  [[ -n $guard ]] && $sudo rm -f /usr/sbin/policy-rc.d
fi
if [[ -n $sng_get ]]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq syslog-ng-core)
  mkdir -p "$sng"
  dpkg -x "$tmp"/syslog-ng-core_*.deb "$sng"
  rm -rf "$tmp"
fi

# PyPI packages into a venv kept across runs (pinned: pip does nothing when they are there).
venv="${DESKEW_TEST_VENV:-$HOME/.cache/deskew-test/venv}"
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r scripts/test-requirements.txt

cargo build --release --locked
cargo test --release --locked --features fuzzing
