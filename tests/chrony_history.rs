//! The history readers on logs written by a real chronyd, whose clock error is known.
//!
//! `tests/chrony/run.sh` starts, on 127.0.0.1 only, a chronyd server whose clock runs 2.5 s
//! ahead (libfaketime) and a measuring chronyd client of it, both with `-x` (never control
//! the system clock) and without cap_sys_time; it stops both by the PIDs of their pid files.
//! The client's clock is the system clock, so the true offset (RFC 5905 theta, true - host)
//! is +2.5 s throughout, and every reader must say so.
//!
//! Needs root (or passwordless sudo) and, on Debian: `apt-get install -y chrony faketime libcap2-bin`. Without them
//! the test fails, saying what to install.

use deskew::skew::{self, Kind};
use std::path::Path;

use crate::util as common;

const MS: i64 = 1_000_000;
const THETA: i64 = 2_500 * MS;
/// faketime's shift is exact; chronyd over loopback measures it within ~20 us.
const TOL: i64 = 3 * MS;

fn check(name: &str, h: &skew::History, min: usize) {
    assert!(h.samples.len() >= min, "{name}: only {} samples", h.samples.len());
    assert!(h.warnings.is_empty(), "{name}: {:?}", h.warnings);
    for s in &h.samples {
        // a single measurement can be off by up to half its round trip (RFC 5905), which a
        // loaded machine stretches; rows without a delay must be within TOL
        let tol = TOL + s.delay.unwrap_or(0) / 2;
        assert!(
            (s.offset - THETA).abs() <= tol,
            "{name}: offset {} ns at host time {}, want +2.5 s",
            s.offset,
            s.host_time
        );
    }
}

#[test]
fn real_chronyd_client_of_a_server_2_5s_ahead() {
    common::need_chrony_tools();
    let mut cmd = common::root_shell();

    let dir = tempfile::tempdir().expect("tempdir");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/chrony/run.sh");
    let out = cmd
        .arg(&script)
        .arg(dir.path())
        .arg(common::free_udp_port().to_string())
        .args(["90", "25"])
        .output()
        .expect("run tests/chrony/run.sh");
    common::assert_ran(&script, &out);

    let log = dir.path().join("client/log");
    let read = |f: &str| skew::parse(&std::fs::read_to_string(log.join(f)).expect(f));

    let tracking = read("tracking.log");
    assert_eq!(tracking.kind(), Kind::ChronyTracking);
    check("tracking.log", &tracking, 20);

    for (f, kind) in
        [("measurements.log", Kind::ChronyMeasurements), ("statistics.log", Kind::ChronyStatistics)]
    {
        let mut h = read(f);
        assert_eq!(h.kind(), kind, "{f}");
        h.apply_chrony_updates(&tracking);
        check(f, &h, 20);
    }

    // the whole directory, bound to a host, through the loader and the model
    let (set, warn) = skew::load(&[format!("client={}", log.display())]);
    assert!(warn.is_empty(), "{warn:?}");
    let m = set.model_for("client.example.org").expect("model bound to client");
    assert!(m.steps().is_empty(), "{:?}", m.steps());
    let (a, b) = m.coverage().expect("coverage");
    let mut c = m.cursor();
    for i in 0..=100 {
        let t = a + (b - a) / 100 * i;
        let l = c.lookup(t);
        assert!(!l.outside);
        assert!((l.offset - THETA).abs() <= TOL, "model at {t}: {}", l.offset);
    }
    let l = c.lookup(b + 3_600_000 * MS);
    assert!(l.outside && (l.offset - THETA).abs() <= TOL);
}
