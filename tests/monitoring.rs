//! The monitoring conventions deskew follows, checked by the tools operators run:
//! `promtool` (Debian `prometheus`) for the textfile metrics and the alert rules in
//! `contrib/prometheus/`, and `check_ntp_time` (Debian `monitoring-plugins-basic`), beside
//! which `deskew sync --check` is compared in `sync_chronyd`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util as common;

pub const CHECK_NTP_TIME: &str = "/usr/lib/nagios/plugins/check_ntp_time";

/// promtool, or a failure saying what to install.
pub fn promtool() -> PathBuf {
    let found = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    found.expect("promtool not installed: run `apt-get install -y prometheus` (Debian/Ubuntu; scripts/test.sh does)")
}

pub fn need_check_ntp_time() {
    assert!(
        Path::new(CHECK_NTP_TIME).is_file(),
        "{CHECK_NTP_TIME} not installed: run `apt-get install -y monitoring-plugins-basic` (Debian/Ubuntu; scripts/test.sh does)"
    );
}

/// `promtool check metrics` on a textfile: passes, or fails the test with what it said.
pub fn assert_valid_metrics(text: &str) {
    let mut c = Command::new(promtool())
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    use std::io::Write;
    c.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = c.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn contrib() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/prometheus")
}

#[test]
fn alert_rules_pass_promtool_check_rules() {
    let out = Command::new(promtool())
        .args(["check", "rules"])
        .arg(contrib().join("deskew.rules.yml"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("SUCCESS: 7 rules found"), "{said}");
}

#[test]
fn alert_rules_fire_as_their_unit_tests_say() {
    let out = Command::new(promtool())
        .args(["test", "rules", "deskew.rules.test.yml"])
        .current_dir(contrib())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("SUCCESS"), "{said}");
}

#[test]
fn offsets_textfile_passes_promtool_and_check_states_follow_the_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    let prom = dir.path().join("offsets.prom");
    let h = common::testdata("ntp/refclock-2.5s-ahead-drift-100ppm");
    let h = h.to_str().unwrap();
    let out = common::bin()
        .args(["offsets", "--prometheus", prom.to_str().unwrap(), h])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&prom).unwrap();
    assert!(text.contains("deskew_clock_drift_ppm{host="), "{text}");
    assert_valid_metrics(&text);

    // the history's newest offset is 3 s; its newest sample is from 2026-11-23
    let check = |args: &[&str]| {
        let out = common::bin().args(["offsets", "--check"]).args(args).output().unwrap();
        let line = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(line.lines().count(), 1, "{line}");
        (out.status.code().unwrap(), line)
    };
    let (rc, line) = check(&["-w", "4", "-c", "5", h]);
    assert_eq!(rc, 0, "{line}");
    assert!(line.starts_with("NTP OK: Offset 3.0"), "{line}");
    assert!(
        line.contains("|refclock-2.5s-ahead-drift-100ppm_offset=3.000000s;4.000000;5.000000;;"),
        "{line}"
    );
    assert_eq!(check(&["-w", "1", "-c", "5", h]).0, 1);
    assert_eq!(check(&["-w", "1", "-c", "2", h]).0, 2);
    let (rc, line) = check(&["-w", "4", "-c", "5", "--max-age", "1d", h]);
    assert_eq!(rc, 2, "stale history: {line}");
    assert!(line.contains("is recording running?"), "{line}");
    // UNKNOWN: a missing history, an empty one, usage errors
    let missing = dir.path().join("nope.jsonl");
    let (rc, line) = check(&["-w", "1", "-c", "2", missing.to_str().unwrap()]);
    assert_eq!(rc, 3, "{line}");
    assert!(line.starts_with("NTP UNKNOWN:") && line.contains("nope.jsonl"), "{line}");
    let empty = dir.path().join("h.jsonl");
    std::fs::write(&empty, "").unwrap();
    assert_eq!(check(&["-w", "1", "-c", "2", empty.to_str().unwrap()]).0, 3);
    for bad in [
        &["-w", "1", h][..],
        &["-w", "x", "-c", "2", h],
        &["-w", "-1", "-c", "2", h],
        &["-w", "1", "-c", "2", "--max-age", "soon", h],
    ] {
        let (rc, line) = check(bad);
        assert_eq!(rc, 3, "{bad:?}: {line}");
        assert!(line.starts_with("NTP UNKNOWN:"), "{line}");
    }
}

#[test]
fn sync_check_usage_errors_are_unknown_and_without_check_stay_usage_errors() {
    for bad in [
        &["sync", "--check", "-w", "1", "h"][..],
        &["sync", "--check", "-w", "1", "-c", "2", "h:0"],
    ] {
        let out = common::bin().args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{bad:?}");
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("NTP UNKNOWN:"));
    }
    let out = common::bin().args(["sync", "-w", "1", "h"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // nothing answers: CRITICAL, as check_ntp_time says without an answer
    let port = common::free_udp_port().to_string();
    let out = common::bin()
        .args(["sync", "--check", "-w", "1", "-c", "2", "--burst", "1", "--retries", "0"])
        .args(["--timeout", "0.2", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(
        line.starts_with("NTP CRITICAL: Offset unknown: no server gave a usable answer"),
        "{line}"
    );
}
