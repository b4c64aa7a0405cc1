use super::*;
use crate::sync::client::Outcome;
use crate::sync::protocol::exchange::Measurement;
use crate::sync::protocol::packet::Packet;
use crate::sync::protocol::poll::Sample;
use crate::sync::protocol::selection::Status;

const MS: i64 = 1_000_000;
const S: i64 = 1_000_000_000;
const T0: i64 = 1_795_000_000 * S;

fn outcome(name: &str, offset: Option<i64>) -> Outcome {
    let best = offset.map(|offset| {
        let m = Measurement { time: T0, offset, delay: MS, reply: Packet::default() };
        (Sample { m, mono: 5 }, 0)
    });
    Outcome {
        name: name.into(),
        addr: None,
        samples: best.iter().map(|b| b.0).collect(),
        best,
        failure: None,
        sent: 1,
    }
}

fn round(servers: &[(Option<i64>, Option<Status>)], combined: Option<i64>) -> Round {
    Round {
        time: T0,
        outcomes: servers.iter().enumerate().map(|(i, s)| outcome(&format!("s{i}"), s.0)).collect(),
        verdict: servers.iter().map(|s| s.1.map(|st| (st, 5 * MS))).collect(),
        combined,
        agree: servers.iter().filter(|s| s.1.is_some_and(|s| s.selected())).count(),
    }
}

const TH: Thresholds = Thresholds { warn: 100 * MS, crit: 500 * MS };

#[test]
fn thresholds_compare_the_absolute_offset_like_check_ntp_time() {
    assert_eq!(TH.state(0), State::Ok);
    assert_eq!(TH.state(100 * MS), State::Ok);
    assert_eq!(TH.state(-100 * MS - 1), State::Warning);
    assert_eq!(TH.state(500 * MS + 1), State::Critical);
    assert_eq!(TH.state(i64::MIN), State::Critical);
}

#[test]
fn worst_state_ranks_critical_warning_unknown_ok() {
    use State::*;
    assert_eq!(Ok.worst(Unknown), Unknown);
    assert_eq!(Unknown.worst(Warning), Warning);
    assert_eq!(Critical.worst(Unknown), Critical);
    assert_eq!([Ok as u8, Warning as u8, Critical as u8, Unknown as u8], [0, 1, 2, 3]);
}

#[test]
fn a_round_reads_as_one_plugin_line_with_perfdata() {
    let r = round(&[(Some(2 * MS), Some(Status::SystemPeer)), (None, None)], Some(2 * MS));
    let c = check_round(&r, TH);
    assert_eq!(c.state, State::Ok);
    assert_eq!(
        c.to_string(),
        "NTP OK: Offset 0.002000000 secs from 1 of 2 servers|offset=0.002000s;0.100000;0.500000;; \
         servers_usable=1.000000;;;0.000000;2.000000 servers_selected=1.000000;;;0.000000;2.000000"
    );
    let r = round(&[(Some(-700 * MS), Some(Status::SystemPeer))], Some(-700 * MS));
    assert_eq!(check_round(&r, TH).state, State::Critical);
    let r = round(&[(Some(200 * MS), Some(Status::SystemPeer))], Some(200 * MS));
    assert_eq!(check_round(&r, TH).state, State::Warning);
}

#[test]
fn no_majority_or_no_answer_is_critical() {
    let r = round(
        &[(Some(0), Some(Status::NoMajority)), (Some(2500 * MS), Some(Status::NoMajority))],
        None,
    );
    let c = check_round(&r, TH);
    assert_eq!(c.state, State::Critical);
    let line = c.to_string();
    assert!(line.starts_with("NTP CRITICAL: Offset unknown: no majority"), "{line}");
    assert_eq!(line.lines().count(), 1);
    let c = check_round(&round(&[(None, None)], None), TH);
    assert!(c.to_string().contains("no server gave a usable answer"));
}

fn host(name: &str, last: Option<(i64, i64)>) -> HostState {
    HostState { host: name.into(), last, samples: 3, steps: 1, drift_ppm: Some(12.5) }
}

#[test]
fn histories_are_checked_for_offset_and_age() {
    let now = T0 + 60 * S;
    let ok = [host("a", Some((T0, 3 * MS))), host("b", Some((T0, -20 * MS)))];
    let c = check_histories(&ok, &[], TH, Some(3600 * S), now);
    assert_eq!(c.state, State::Ok, "{c}");
    assert!(c.to_string().contains("Offset -0.020000000 secs (largest of 2 hosts, b)"), "{c}");
    assert!(c.to_string().contains("a_age=60.000000s;;3600.000000;0.000000;"), "{c}");
    // stale: CRITICAL, whatever the offset
    let c = check_histories(&ok, &[], TH, Some(30 * S), now);
    assert_eq!(c.state, State::Critical);
    assert!(c.text.contains("is recording running?"), "{c}");
    // a host over the warning threshold
    let warn = [host("a", Some((T0, 300 * MS)))];
    assert_eq!(check_histories(&warn, &[], TH, None, now).state, State::Warning);
}

#[test]
fn missing_or_empty_histories_are_unknown() {
    let now = T0;
    let c = check_histories(&[], &[], TH, None, now);
    assert_eq!(c.state, State::Unknown);
    assert!(c.to_string().contains("no offset history found"));
    let c = check_histories(&[], &["/x: No such file or directory".into()], TH, None, now);
    assert_eq!(c.state, State::Unknown);
    let c = check_histories(&[host("a", None)], &[], TH, None, now);
    assert_eq!(c.state, State::Unknown);
    // unknown does not hide a critical offset
    let c =
        check_histories(&[host("a", None), host("b", Some((T0, 900 * MS)))], &[], TH, None, now);
    assert_eq!(c.state, State::Critical);
}

#[test]
fn perf_labels_with_spaces_are_quoted() {
    let p = Perf::new("my host_offset", 1.0, "s");
    assert_eq!(p.to_string(), "'my host_offset'=1.000000s;;;;");
}

#[test]
fn the_textfile_has_each_family_once_and_every_server() {
    let r = round(
        &[
            (Some(2 * MS), Some(Status::SystemPeer)),
            (Some(900 * MS), Some(Status::Falseticker)),
            (None, None),
        ],
        Some(2 * MS),
    );
    let t = prometheus_round(&r, "web\"01", T0 + 5 * S);
    for fam in [
        "deskew_clock_offset_seconds",
        "deskew_server_reachable",
        "deskew_server_selected",
        "deskew_servers_selected",
        "deskew_last_sample_age_seconds",
    ] {
        assert_eq!(t.matches(&format!("# TYPE {fam} gauge\n")).count(), 1, "{fam}\n{t}");
    }
    assert!(
        t.contains("deskew_clock_offset_seconds{host=\"web\\\"01\",server=\"s0\"} 0.002\n"),
        "{t}"
    );
    assert!(t.contains("deskew_server_selected{host=\"web\\\"01\",server=\"s1\"} 0\n"), "{t}");
    assert!(t.contains("deskew_server_reachable{host=\"web\\\"01\",server=\"s2\"} 0\n"), "{t}");
    assert!(t.contains("deskew_last_sample_age_seconds{host=\"web\\\"01\"} 5\n"), "{t}");
    // no majority: no combined offset at all, rather than a made-up one
    let r = round(&[(Some(0), Some(Status::NoMajority))], None);
    assert!(!prometheus_round(&r, "h", T0).contains("deskew_clock_combined_offset_seconds"));
}

#[test]
fn the_histories_textfile_has_drift_steps_and_age() {
    let t = prometheus_histories(&[host("a", Some((T0, MS))), host("b", None)], T0 + 2 * S);
    assert!(t.contains("deskew_clock_drift_ppm{host=\"a\"} 12.5\n"), "{t}");
    assert!(t.contains("deskew_clock_steps{host=\"b\"} 1\n"), "{t}");
    assert!(t.contains("deskew_last_sample_age_seconds{host=\"a\"} 2\n"), "{t}");
    assert!(!t.contains("deskew_last_sample_age_seconds{host=\"b\"}"), "{t}");
}

#[test]
fn the_textfile_is_replaced_whole() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("deskew.prom");
    write_textfile(&p, "a 1\n").unwrap();
    write_textfile(&p, "a 2\n").unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "a 2\n");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    assert!(write_textfile(&dir.path().join("no/such/dir.prom"), "x").is_err());
}

#[test]
fn limits_are_seconds_and_ages_take_units() {
    assert_eq!(Thresholds::from_secs(0.1, 0.5), Ok(TH));
    assert!(Thresholds::from_secs(-1.0, 0.5).is_err());
    assert!(Thresholds::from_secs(0.1, f64::NAN).is_err());
    assert_eq!(parse_age("90"), Ok(90 * S));
    assert_eq!(parse_age("30m"), Ok(1800 * S));
    assert_eq!(parse_age("2h"), Ok(7200 * S));
    assert_eq!(parse_age("1.5d"), Ok(129_600 * S));
    for bad in ["", "h", "5x", "-3m", "1e30d"] {
        assert!(parse_age(bad).is_err(), "{bad}");
    }
}
