//! `--correlate`: offsets inferred from request ids, end to end on the corpus that
//! testdata/correlate/gen.py makes (hosts seconds off and drifting, one with a history).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::bin;

/// The generated corpus in a fresh directory. Fails (never skips) without python3.
fn corpus(args: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let gen = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/correlate/gen.py");
    let st =
        Command::new("python3").arg(gen).arg("--out").arg(dir.path()).args(args).status().expect(
            "python3 is needed to generate the correlate corpus (scripts/test.sh installs it)",
        );
    assert!(st.success(), "gen.py failed");
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let mut c = bin();
    c.current_dir(dir).args(args);
    if args[0] != "offsets" {
        c.arg("--no-progress");
    }
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// (file name, line) -> true time in ns.
fn truth(dir: &Path) -> HashMap<(String, u64), i64> {
    std::fs::read_to_string(dir.join("truth.tsv"))
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            ((f[0].to_string(), f[1].parse().unwrap()), f[2].parse().unwrap())
        })
        .collect()
}

struct Score {
    records: usize,
    within_1ms: usize,
    sorted: bool,
    /// Per file, records more than 1 ms off.
    off: HashMap<String, usize>,
}

fn score(dir: &Path, out: &[u8]) -> Score {
    let truth = truth(dir);
    let mut s = Score { records: 0, within_1ms: 0, sorted: true, off: HashMap::new() };
    let mut prev = i64::MIN;
    let mut seen = std::collections::HashSet::new();
    for l in String::from_utf8_lossy(out).lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let file = PathBuf::from(v["source"].as_str().unwrap());
        let file = file.file_name().unwrap().to_string_lossy().into_owned();
        let line = v["line"].as_u64().unwrap();
        let t = deskew::time::rfc3339::parse(v["ts"].as_str().unwrap()).unwrap();
        let want = truth[&(file.clone(), line)];
        assert!(seen.insert((file.clone(), line)), "{file}:{line} came out twice");
        s.records += 1;
        if (t - want).abs() <= 1_000_000 {
            s.within_1ms += 1;
        } else {
            *s.off.entry(file).or_default() += 1;
        }
        s.sorted &= t >= prev;
        prev = t;
    }
    assert_eq!(s.records, truth.len(), "every line comes out exactly once");
    s
}

#[test]
fn merge_correlate_puts_records_within_a_millisecond_of_true_time() {
    let dir = corpus(&[]);
    let o = run(
        dir.path(),
        &[
            "merge",
            "--correlate",
            "req_id",
            "--offsets",
            "offsets",
            "logs",
            "--output-format",
            "jsonl",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = score(dir.path(), &o.stdout);
    assert!(s.sorted, "output sorted by corrected time");
    assert!(
        s.within_1ms as f64 >= 0.99 * s.records as f64,
        "{} of {} within 1 ms; off per file: {:?}",
        s.within_1ms,
        s.records,
        s.off
    );
    let e = stderr(&o);
    for host in ["web01", "app01", "db01", "cache01"] {
        assert!(e.contains(&format!("correlate: {host}: offset")), "{e}");
        assert!(e.contains(&format!("deskew: {host}: inferred from")), "{e}");
    }
    assert!(e.contains("anchored to lb01"), "{e}");
    assert!(e.contains("cron01: shares no request id with another host: not corrected"), "{e}");
}

#[test]
fn without_correlate_the_hosts_are_seconds_off() {
    // The same corpus merged with the history alone: the check above is not vacuous.
    let dir = corpus(&["--requests", "500"]);
    let o = run(dir.path(), &["merge", "--offsets", "offsets", "logs", "--output-format", "jsonl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = score(dir.path(), &o.stdout);
    assert!((s.within_1ms as f64) < 0.5 * s.records as f64);
}

#[test]
fn a_regex_key_and_a_chosen_reference_work_without_any_history() {
    let dir = corpus(&["--requests", "1500"]);
    let o = run(
        dir.path(),
        &[
            "merge",
            "--correlate-regex",
            r#"req_id"?[:=] ?"?(r-[0-9a-f-]+)"#,
            "--reference",
            "lb01",
            "logs",
            "--output-format",
            "jsonl",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = score(dir.path(), &o.stdout);
    // lb01's own clock is 3 ms off and drifts 6 ppm: every host is placed on lb01's clock,
    // so compare the others' order with lb01 instead: sorted, and no line lost.
    assert!(s.sorted);
    let e = stderr(&o);
    assert!(e.contains("web01: offset +2.34"), "{e}");
    assert!(e.contains("anchored to lb01"), "{e}");
}

#[test]
fn with_nothing_known_the_best_linked_host_is_the_reference_and_said_so() {
    let dir = corpus(&["--requests", "300"]);
    let o = run(dir.path(), &["offsets", "--correlate", "req_id", "logs"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("no host has a known offset"), "{out}");
    assert!(out.contains("pass --reference HOST"), "{out}");
    // web01 and app01 link to the most hosts
    assert!(out.lines().filter(|l| l.contains(": offset ")).count() >= 4, "{out}");
}

#[test]
fn offsets_correlate_shows_each_host_without_merging() {
    let dir = corpus(&["--requests", "800"]);
    let o = run(dir.path(), &["offsets", "--correlate", "req_id", "--offsets", "offsets", "logs"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for (host, want) in
        [("web01", "+2.34"), ("app01", "-1.71"), ("db01", "+81"), ("cache01", "-4.0")]
    {
        let l = out.lines().find(|l| l.starts_with(&format!("{host}: offset"))).unwrap_or("");
        assert!(l.contains(want) && l.contains("ppm") && l.contains("requests"), "{out}");
    }
    assert!(!out.contains("ts="), "no records are written");
}

#[test]
fn bad_correlate_options_are_usage_errors() {
    let dir = corpus(&["--requests", "10"]);
    for args in [
        &["merge", "--correlate-regex", "req=\\S+", "logs"][..],
        &["merge", "--correlate-regex", "(a)(b)", "logs"],
        &["merge", "--correlate", "", "logs"],
        &["normalize", "--correlate", "req_id", "logs"],
    ] {
        let o = run(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("deskew: "), "{}", stderr(&o));
    }
    let o = run(dir.path(), &["merge", "--correlate", "nope", "logs"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--correlate nope: no record names an id"), "{}", stderr(&o));
    let o = run(dir.path(), &["merge", "--correlate", "req_id", "--reference", "zz", "logs"]);
    assert!(stderr(&o).contains("--reference zz: no records of that host"), "{}", stderr(&o));
}

#[test]
fn a_history_keeps_its_host_and_one_the_logs_contradict_is_reported() {
    let dir = corpus(&["--requests", "800"]);
    // web01 gets a history that says its clock is right: it is 2.35 s off.
    let lb = std::fs::read_to_string(dir.path().join("offsets/lb01.jsonl")).unwrap();
    let wrong: String = lb
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["host"] = "web01".into();
            v["offset"] = 0.0.into();
            format!("{v}\n")
        })
        .collect();
    std::fs::write(dir.path().join("offsets/web01.jsonl"), wrong).unwrap();
    let o = run(dir.path(), &["offsets", "--correlate", "req_id", "--offsets", "offsets", "logs"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    // (hosts are numbered in the order the parse workers meet them: either order)
    assert!(
        out.contains("the offset histories of lb01 and web01 contradict the logs")
            || out.contains("the offset histories of web01 and lb01 contradict the logs"),
        "{out}"
    );
    assert!(out.contains("web01: anchor: its offset history"), "web01 keeps its history: {out}");
    assert!(!out.contains("web01: offset"), "{out}");
    // The pair's own line says what the logs put between them.
    // (lb01 calls web01; the clock is named from the caller's side or read both ways)
    let pair = out
        .lines()
        .find(|l| {
            l.starts_with("lb01 -> web01")
                || l.starts_with("web01 <-> lb01")
                || l.starts_with("lb01 <-> web01")
        })
        .unwrap_or("");
    assert!(pair.contains("800 requests") && pair.contains("clock is 2.34"), "{out}");
}

#[test]
fn the_report_has_a_line_per_pair_and_says_who_calls_whom() {
    let dir = corpus(&["--requests", "600"]);
    let o = run(dir.path(), &["offsets", "--correlate", "req_id", "--offsets", "offsets", "logs"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    // A few callees log their end late (the corpus's async loggers): a pair may read both ways.
    for (x, y) in [("lb01", "web01"), ("web01", "app01"), ("app01", "db01"), ("app01", "cache01")] {
        let pair = format!("{x} -> {y}");
        let l = out
            .lines()
            .find(|l| {
                l.starts_with(&pair)
                    || l.starts_with(&format!("{y} <-> {x}"))
                    || l.starts_with(&format!("{x} <-> {y}"))
            })
            .unwrap_or("");
        assert!(l.contains("requests") && l.contains("ppm against it"), "{pair}: {out}");
    }
    assert!(out.contains("lb01: anchor: its offset history (or --skew) kept"), "{out}");
    assert!(out.contains("cron01: shares no request id with another host: not corrected"), "{out}");
}
