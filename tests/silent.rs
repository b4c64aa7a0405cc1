//! Never silent (issue 18): what a run assumed is said once per host, options and histories
//! that name no host are warned of with the closest names, repeated messages are capped,
//! an empty input fails, impossible option values are usage errors, and `--strict` turns
//! every warning into exit status 1 after the whole output. The real binary on testdata/demo.

use std::path::Path;
use std::process::{Command, Output};

use crate::util::{bin, run_stdin, testdata};

fn demo(p: &str) -> String {
    testdata("demo").join(p).display().to_string()
}

fn run(args: &[&str]) -> Output {
    cmd(args).output().expect("run deskew")
}

fn cmd(args: &[&str]) -> Command {
    let mut c = bin();
    c.args(args).arg("--no-progress").env_remove("TZ");
    c
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn jsonl(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// The line of the host summary for `host`.
fn host_line<'a>(err: &'a str, host: &str) -> &'a str {
    let p = format!("deskew: {host} ");
    err.lines().find(|l| l.starts_with(&p)).unwrap_or_else(|| panic!("no line for {host}: {err}"))
}

/// README's first command, as README writes it (after `cargo run --release --`), with its
/// paths made absolute.
fn readme_first_command() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let start = readme.find("cargo run --release -- merge").expect("README's first command");
    let mut cmd = String::new();
    for line in readme[start..].lines() {
        let (l, more) = match line.trim_end().strip_suffix('\\') {
            Some(l) => (l, true),
            None => (line, false),
        };
        cmd += l;
        cmd.push(' ');
        if !more {
            break;
        }
    }
    let args: Vec<String> = cmd
        .split_whitespace()
        .skip(4)
        .map(|a| match a.strip_prefix("testdata/") {
            Some(rest) => testdata(rest).display().to_string(),
            None => a.to_string(),
        })
        .collect();
    assert_eq!(args[0], "merge", "{cmd}");
    args
}

#[test]
fn readme_first_command_gives_the_same_output_whatever_tz_is() {
    let args = readme_first_command();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let base = run(&args);
    assert_eq!(base.status.code(), Some(0), "{}", stderr(&base));
    assert!(!base.stdout.is_empty());
    for tz in ["Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "UTC", "CET-1CEST"] {
        let o = cmd(&args).env("TZ", tz).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "TZ={tz}: {}", stderr(&o));
        assert!(o.stdout == base.stdout, "TZ={tz} changes README's first command's output");
    }
    // worker01 writes UTC without saying so: the command names the zone, and the summary
    // says which zone each host's zone-less times were read in, and why.
    let err = stderr(&base);
    assert!(host_line(&err, "worker01").contains("zone UTC (--tz)"), "{err}");
    assert!(host_line(&err, "lb01").contains("America/New_York (--host-tz)"), "{err}");
    assert!(host_line(&err, "lb01").contains("year 2026 (--year)"), "{err}");
    assert!(host_line(&err, "db01").contains("PST in the stamps"), "{err}");
    assert!(host_line(&err, "web01").contains("no history: not corrected"), "{err}");
    let w = host_line(&err, "worker01");
    assert!(w.contains("worker01.jsonl (16 samples") && w.contains("18 records corrected"), "{w}");
    assert!(w.contains("all within the history"), "{w}");
}

#[test]
fn without_tz_zone_less_times_are_read_in_env_tz_or_utc_and_the_summary_says_which() {
    let logs = demo("logs/worker01");
    let o = run(&["merge", "--year", "2026", &logs]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(host_line(&stderr(&o), "worker01").contains("zone UTC (no --tz, no $TZ)"));
    let berlin = cmd(&["merge", "--year", "2026", &logs]).env("TZ", "Europe/Berlin").output();
    let berlin = berlin.unwrap();
    let err = stderr(&berlin);
    assert!(host_line(&err, "worker01").contains("zone Europe/Berlin ($TZ)"), "{err}");
    assert_ne!(berlin.stdout, o.stdout, "$TZ is the default zone (SPEC)");
    // A year inferred from the file's time is said too.
    let o = run(&["merge", "--tz", "UTC", &demo("logs/lb01")]);
    let err = stderr(&o);
    assert!(host_line(&err, "lb01").contains("(not after the file's mtime)"), "{err}");
}

#[test]
fn options_and_histories_that_name_no_host_are_warned_of_with_the_closest_names() {
    let logs = demo("logs");
    let o = run(&[
        "merge",
        "--tz",
        "UTC",
        "--year",
        "2026",
        "--skew",
        "web1=+1s",
        "--host-tz",
        "lb1=America/New_York",
        "--boot-time",
        "db1=2026-11-20T00:00:00Z",
        "--offsets",
        &format!("worker={}", demo("offsets/worker01.jsonl")),
        "--offsets",
        &demo("offsets"),
        &logs,
    ]);
    assert_eq!(o.status.code(), Some(0), "warnings alone do not fail a run: {}", stderr(&o));
    let err = stderr(&o);
    let warned = |what: &str, closest: &str| {
        let l = err.lines().find(|l| l.contains(what)).unwrap_or_else(|| panic!("{what}: {err}"));
        assert!(l.contains("in the input") && l.contains(closest), "{l}");
    };
    warned("--skew web1=", "closest: web01");
    warned("--host-tz lb1=", "closest: lb01");
    warned("--offsets worker=", "closest: worker01");
    warned("--boot-time db1=", "closest: db01");
    // Every line is one deskew message.
    assert!(err.lines().all(|l| l.starts_with("deskew: ")), "{err}");

    // A history whose host has no records.
    let o = run(&["merge", "--tz", "UTC", "--offsets", &demo("offsets"), &demo("logs/app01")]);
    let err = stderr(&o);
    let l = err.lines().find(|l| l.contains("worker01.jsonl: no host worker01")).expect(&err);
    assert!(l.contains("not used"), "{l}");
    // Quiet: nothing but errors.
    let q = run(&["merge", "-q", "--skew", "web1=+1s", &demo("logs/app01")]);
    assert_eq!((q.status.code(), stderr(&q)), (Some(0), String::new()));
}

#[test]
fn a_lone_file_takes_its_directory_host_when_that_has_a_history_and_says_so() {
    let log = demo("logs/worker01/worker.log");
    let o = run(&[
        "merge",
        "--tz",
        "UTC",
        "--output-format",
        "jsonl",
        "--offsets",
        &demo("offsets"),
        &log,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let recs = jsonl(&o);
    assert!(recs.iter().all(|r| r["host"] == "worker01"), "{recs:?}");
    let pickup = recs.iter().find(|r| r["msg"].as_str().unwrap().contains("picked up job j-77f1"));
    let off = pickup.expect("the pickup")["offset"].as_f64().unwrap();
    assert!((off - 2.49).abs() < 0.02, "worker01's history corrects it: {off}");
    let err = stderr(&o);
    assert!(err.contains("worker.log: host worker01 (its directory's name"), "{err}");
    // Without a history of that name, the file's stem, as before.
    let o = run(&["merge", "--tz", "UTC", "--output-format", "jsonl", &log]);
    assert!(jsonl(&o).iter().all(|r| r["host"] == "worker"));
}

#[test]
fn host_names_stdin_and_lone_files_never_files_found_in_a_directory() {
    let w = std::fs::read(demo("logs/worker01/worker.log")).unwrap();
    let o = run_stdin(
        &[
            "merge",
            "--no-progress",
            "--tz",
            "UTC",
            "--output-format",
            "jsonl",
            "--offsets",
            &demo("offsets"),
            "--host",
            "worker01",
            "-",
            &demo("logs/app01"),
        ],
        &w,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let recs = jsonl(&o);
    for r in &recs {
        let want = if r["source"] == "-" { "worker01" } else { "app01" };
        assert_eq!(r["host"], want, "{r}");
    }
    assert!(recs.iter().any(|r| r["host"] == "app01"));
    let app = recs.iter().find(|r| r["host"] == "app01").unwrap();
    assert!(app["offset"].as_f64().unwrap().abs() < 0.001, "app01 keeps app01's correction");
    let o =
        run(&["merge", "--output-format", "jsonl", "--host", "lone", &demo("logs/app01/app.log")]);
    assert!(jsonl(&o).iter().all(|r| r["host"] == "app01" || r["host"] == "lone"));
}

#[test]
fn repeated_messages_are_capped_with_a_count_of_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..12 {
        let p = dir.path().join(format!("h{i:02}.jsonl"));
        std::fs::write(p, "{\"time\":\"2026-11-20T14:00:00Z\",\"offset\":0.5}\n{torn\n").unwrap();
    }
    let d = dir.path().display().to_string();
    let o = run(&["merge", "-q", "--offsets", &d, &demo("logs/app01")]);
    assert_eq!(o.status.code(), Some(1), "history problems are errors: {}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().filter(|l| l.contains(":2: malformed")).count(), 5, "{err}");
    assert!(
        err.contains("... and 7 more problems in offset histories (--verbose shows all)"),
        "{err}"
    );
    let v = run(&["merge", "-q", "--verbose", "--offsets", &d, &demo("logs/app01")]);
    assert_eq!(stderr(&v).lines().filter(|l| l.contains(":2: malformed")).count(), 12);
    // A log directory given as histories: one line per file at most, then capped.
    let o = run(&["merge", "-q", "--offsets", &demo("logs"), &demo("logs")]);
    let err = stderr(&o);
    assert!(err.lines().count() <= 6, "{err}");
    assert!(err.contains("no offset sample in it"), "{err}");
}

#[test]
fn an_empty_directory_or_one_with_nothing_readable_fails_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let dangling = dir.path().join("dangling");
    std::fs::create_dir(&dangling).unwrap();
    std::os::unix::fs::symlink("/nonexistent/x.log", dangling.join("x.log")).unwrap();
    let out = dir.path().join("out.log");
    for cmd in ["merge", "normalize"] {
        for d in [&empty, &dangling] {
            let o = run(&[cmd, &d.display().to_string(), "-o", &out.display().to_string()]);
            assert_eq!(o.status.code(), Some(1), "{cmd} {}: {}", d.display(), stderr(&o));
            // Said once: why the one file cannot be read, or that there is none.
            let want = if d == &empty { "no log file to read in" } else { "x.log" };
            assert!(stderr(&o).contains(want), "{}", stderr(&o));
            assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
            assert!(!out.exists(), "no output file is created");
        }
    }
}

#[test]
fn impossible_option_values_are_usage_errors() {
    let logs = demo("logs/app01");
    for (args, says) in [
        (&["--year", "26"][..], "--year 26"),
        (&["--year", "10000"], "--year 10000"),
        (&["--skew", "web01=2.5"], "has no unit"),
        (&["--since", "2026-11-21T00:00:00Z", "--until", "2026-11-20T00:00:00Z"], "is after"),
    ] {
        let mut a = vec!["merge"];
        a.extend_from_slice(args);
        a.push(&logs);
        let o = run(&a);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn strict_fails_a_run_that_assumed_anything_after_writing_all_of_it() {
    let readme = readme_first_command();
    let mut args: Vec<&str> = readme.iter().map(String::as_str).collect();
    let plain = run(&args);
    args.push("--strict");
    // The demo's db01, lb01 and web01 have no history while correction was asked for.
    let o = run(&args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(o.stdout, plain.stdout, "--strict writes the whole output all the same");
    let err = stderr(&o);
    assert!(err.lines().last().unwrap().contains("--strict: 3 warning(s)"), "{err}");
    // Saying that their clocks are right settles it.
    let mut trusted = args.clone();
    trusted.extend(["--skew", "db01=0s", "--skew", "lb01=0s", "--skew", "web01=0s"]);
    let o = run(&trusted);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // An assumed zone (no --tz) fails it, and with --quiet only that is said.
    let o = run(&["merge", "-q", "--strict", "--year", "2026", &demo("logs/worker01")]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("worker01") && err.contains("no --tz, no $TZ"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    // A name that matches no host fails it too.
    let o = run(&["merge", "--strict", "--tz", "UTC", "--host-tz", "x=UTC", &demo("logs/app01")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = run(&["merge", "--strict", "--tz", "UTC", &demo("logs/app01")]);
    assert_eq!(o.status.code(), Some(0), "nothing assumed: {}", stderr(&o));
}

#[test]
fn a_source_without_any_timestamp_is_warned_of_and_fails_strict() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.txt");
    std::fs::write(&p, "hello\nworld\n").unwrap();
    let p = p.display().to_string();
    let app = demo("logs/app01");
    let o = run(&["merge", "--tz", "UTC", &p, &app]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("notes.txt: no line has a timestamp deskew reads: its 2 lines"), "{err}");
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 24, "nothing is lost");
    let o = run(&["merge", "--strict", "--tz", "UTC", &p, &app]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let s = run_stdin(&["normalize", "--tz", "UTC"], b"just text\n");
    assert!(stderr(&s).contains("-: no line has a timestamp"), "{}", stderr(&s));
}
