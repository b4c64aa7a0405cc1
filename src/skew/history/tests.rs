use super::chrony::chrony_time;
use super::ntpd::mjd_time;
use super::*;

const MS: Nanos = 1_000_000;

#[test]
fn detects_and_parses_jsonl_with_steps() {
    let text = concat!(
        r#"{"time":"2026-11-23T18:41:37.5Z","host":"web01","server":"a:123","offset":0.25,"delay":0.001,"boot_id":"b1","mono_ns":1000000000}"#,
        "\n",
        r#"{"time":"2026-11-23T18:41:47.5Z","host":"web01","server":"b:123","offset":0.25,"boot_id":"b1","mono_ns":11000000000,"x":1}"#,
        "\n{\"time\":\"2026-11-23T18:4\n",
        r#"{"time":"2026-11-23T18:41:59.5Z","host":"web01","server":"a:123","offset":-1.75,"boot_id":"b1","mono_ns":21000000000}"#,
        "\n",
        r#"{"time":"2026-11-23T18:00:00Z","host":"web01","server":"a:123","offset":-1.75,"boot_id":"b2","mono_ns":5}"#,
        "\n",
    );
    let h = parse(text);
    assert_eq!(h.kind(), Kind::DeskewJsonl);
    assert_eq!(h.host.as_deref(), Some("web01"));
    assert_eq!(h.samples.len(), 4);
    assert_eq!(h.warnings.len(), 1);
    assert_eq!(h.warnings[0].0, 3);
    assert_eq!(h.samples[0].offset, 250 * MS);
    assert_eq!(h.samples[0].delay, Some(MS));
    let steps: Vec<bool> = h.samples.iter().map(|s| s.step).collect();
    assert_eq!(steps, [false, false, true, true]);
    assert_eq!(h.sources, ["a:123", "b:123"]);
}

proptest::proptest! {
    #[test]
    fn no_panic_on_any_text(lines in proptest::collection::vec(
        "(\\{.{0,40}|[0-9 .e:+-]{0,60}|2026-11-23 18:48:5[0-9] [0-9a-zA-Z .:?+-]{0,80}|6136[0-9] [0-9.]{1,8} [0-9A-Z.()]{0,10} [0-9a-f.e+-]{0,40})",
        0..12,
    )) {
        let text = lines.join("\n");
        let h = parse(&text);
        let mut m = parse("   Date (UTC) Time     IP Address   L St 123 567 ABCD  LP RP Score    Offset  Peer del.\n");
        m.samples = h.samples.clone();
        m.apply_chrony_updates(&h);
    }
}

#[test]
fn ntpd_time_base() {
    // MJD 61367 = 2026-11-23
    assert_eq!(mjd_time("61367", "0"), chrony_time("2026-11-23", "00:00:00"));
    assert!(mjd_time("61367", "-1").is_none());
}

#[test]
fn detect_without_banner() {
    let t = "2026-11-23 18:48:58 127.0.0.1       11     13.348    650.025 -1.509e-08 N  1  2.705e-06  2.500e+00  4.583e-05  3.467e-04  3.031e+00\n";
    assert_eq!(detect(t), Kind::ChronyTracking);
    let h = parse(t);
    assert_eq!(h.samples[0].offset, 2_500_000_015);
    assert_eq!(detect("hello world\n"), Kind::Unknown);
    assert_eq!(detect("61367 67890.596 0.25 0.0 0.00000006 0.0 3\n"), Kind::NtpLoopstats);
}

fn sample_dir(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/ntp").join(name)
}

fn read(dir: &str, f: &str) -> Option<History> {
    let p = sample_dir(dir).join(f);
    std::fs::read_to_string(p).ok().map(|t| parse(&t))
}

/// Every synchronised sample of every reader on the real logs of a `-x` client of a
/// server 2.5 s ahead comes out at theta = +2.5 s.
#[test]
fn real_chrony_logs_give_theta() {
    for (dir, want) in [
        ("client-of-server-2.5s-ahead", 2500 * MS),
        ("client-of-true-server", 0),
        ("relay-serving-0.3s-ahead", 300 * MS),
    ] {
        let Some(tr) = read(dir, "tracking.log") else { panic!("testdata/ntp/{dir} missing") };
        assert_eq!(tr.kind(), Kind::ChronyTracking);
        assert!(tr.samples.len() > 300, "{dir}");
        for s in &tr.samples {
            assert!((s.offset - want).abs() < MS, "{dir} tracking {s:?}");
        }
        for f in ["measurements.log", "statistics.log"] {
            let Some(mut h) = read(dir, f) else { continue };
            assert!(h.cooked && h.samples.len() > 300, "{dir} {f}");
            h.apply_chrony_updates(&tr);
            for s in &h.samples {
                assert!((s.offset - want).abs() < MS, "{dir} {f} {s:?}");
            }
        }
    }
}

#[test]
fn real_ntpsec_logs() {
    for f in ["loopstats", "peerstats"] {
        let h = read("ntpsec-shm-0.25s-ahead", f).expect("testdata");
        assert_eq!(h.samples.len(), 6, "{f}");
        assert!(h.warnings.is_empty());
        for s in &h.samples {
            assert_eq!(s.offset, 250 * MS);
        }
    }
    let h = read("ntpsec-shm-0.25s-ahead", "peerstats").unwrap();
    assert_eq!(h.kind(), Kind::NtpPeerstats);
    assert_eq!(h.sources, ["SHM(0)"]);
}

#[test]
fn many_malformed_rows_are_listed_a_few_then_counted() {
    let mut text = String::from(
        r#"{"time":"2026-11-23T18:41:37.5Z","host":"web01","server":"a:123","offset":0.25}"#,
    );
    text.push('\n');
    for _ in 0..10_000 {
        text.push_str("{\"time\":\"bad\",\"offset\":1}\n");
    }
    let h = parse(&text);
    assert_eq!(h.samples.len(), 1);
    assert_eq!(h.warnings.len(), MAX_WARNINGS);
    assert_eq!(h.warnings[0].0, 2);
    assert_eq!(h.more_warnings, 10_000 - MAX_WARNINGS);
}
