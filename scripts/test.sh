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
# testdata/correlate/gen.py makes the --correlate corpus (tests/correlate.rs)
command -v python3 >/dev/null || need+=(python3)
command -v cargo >/dev/null || { echo "test.sh: cargo not found; install Rust from https://rustup.rs" >&2; exit 1; }
if ((${#need[@]})); then
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
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
  [[ -n $guard ]] && $sudo rm -f /usr/sbin/policy-rc.d
fi

cargo build --release --locked
cargo test --release --locked --features fuzzing
