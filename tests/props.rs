//! Property tests of the record rules (README "Records, hosts and time", SPEC "Records"), run
//! through the real binary on random logs: several files, each in one of several formats (ISO
//! 8601 lines with `Z` or an offset, BSD syslog, JSON lines), with random continuation lines,
//! blank lines, CRLF line ends, untimed lines before the first timestamp and out-of-order,
//! often equal, timestamps.
//!
//! Checked on `deskew merge --output-format jsonl`:
//! - every input line comes out exactly once: grouped by source and ordered by `line`, the
//!   records' `msg` texts split on `\n` rebuild each file, and the `line` numbers are contiguous;
//! - every generated timestamped line starts a record whose `ts` is the instant it names;
//! - the output is sorted by `ts` (records with a null `ts` excepted);
//! - the order is exactly that of (key, source in command-line order, line), where a record's
//!   key is its own time, or for one without a time that of the record before it in its source
//!   (the first timed record's, for lines before it): equal times keep input order.
//!
//! On `deskew normalize`: the same records, in input order (source, then line); and stdin
//! streamed through `normalize` gives the same records as the file.
//!
//! Randomness is seeded (`RngSeed::Fixed`), so a run is reproducible; each case spawns the
//! binary, so case counts stay modest.

use crate::util::bin;
use std::path::Path;
use std::process::Output;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use serde_json::Value;

/// 2026-11-20T14:00:00Z: all generated times lie in the minute after it, so ties are common
/// and syslog stamps never cross a month.
const BASE: i64 = 1_795_183_200;

/// `cases` per property, unless `DESKEW_PROP_CASES` says otherwise (for a longer hunt).
fn config(cases: u32, seed: u64) -> Config {
    let cases =
        std::env::var("DESKEW_PROP_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(cases);
    let seed = std::env::var("DESKEW_PROP_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(seed);
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fmt {
    Iso,
    IsoOffset,
    Syslog,
    Json,
}

/// One generated line: its text (without line end) and, for a timestamped line, the instant
/// in nanoseconds it names.
#[derive(Clone, Debug)]
struct Line {
    text: String,
    ts: Option<i64>,
}

#[derive(Clone, Debug)]
struct File {
    /// Shown in a failing case.
    #[allow(dead_code)]
    fmt: Fmt,
    lines: Vec<Line>,
    crlf: bool,
    final_newline: bool,
}

impl File {
    fn bytes(&self) -> Vec<u8> {
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let mut s = self.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(eol);
        // Without a final line end, a last empty line would not be a line at all.
        let last_empty = self.lines.last().is_some_and(|l| l.text.is_empty());
        if (self.final_newline || last_empty) && !self.lines.is_empty() {
            s.push_str(eol);
        }
        s.into_bytes()
    }
}

/// Text of a timestamped line in format `fmt` at `BASE + secs` seconds plus `millis`.
fn stamp_line(fmt: Fmt, secs: i64, millis: u32, word: &str, n: usize) -> Line {
    let t = BASE + secs;
    let ns = t * 1_000_000_000 + i64::from(millis) * 1_000_000;
    let utc: DateTime<Utc> = Utc.timestamp_opt(t, millis * 1_000_000).unwrap();
    let text = match fmt {
        Fmt::Iso => format!("{}Z INFO {word} event {n}", utc.format("%Y-%m-%dT%H:%M:%S%.3f")),
        Fmt::IsoOffset => {
            let z = FixedOffset::east_opt(2 * 3600).unwrap();
            format!(
                "{} WARN {word} event {n}",
                utc.with_timezone(&z).format("%Y-%m-%dT%H:%M:%S%.3f%:z")
            )
        }
        // Whole seconds: syslog carries no fraction.
        Fmt::Syslog => {
            return Line {
                text: format!(
                    "{} web0{} app[{}]: {word} event {n}",
                    utc.format("%b %e %H:%M:%S"),
                    n % 3,
                    100 + n
                ),
                ts: Some(t * 1_000_000_000),
            }
        }
        Fmt::Json => format!(
            r#"{{"time":"{}Z","level":"info","msg":"{word} event {n}"}}"#,
            utc.format("%Y-%m-%dT%H:%M:%S%.3f")
        ),
    };
    Line { text, ts: Some(ns) }
}

/// Lines that carry no timestamp in any layout (no digits at the start, no month names).
fn untimed_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("    at com.example.Foo.bar(Foo.java:42)".to_string()),
        Just("Caused by: java.lang.IllegalStateException: boom".to_string()),
        Just("\tindented with a tab".to_string()),
        Just("--- separator ---".to_string()),
        Just("  \u{fc}nicode continuation \u{2603}".to_string()),
        "  [a-z ]{0,24}".prop_map(|s| s),
    ]
}

fn file_strategy() -> impl Strategy<Value = File> {
    let fmt = prop_oneof![Just(Fmt::Iso), Just(Fmt::IsoOffset), Just(Fmt::Syslog), Just(Fmt::Json)];
    (
        fmt,
        prop::collection::vec(untimed_text(), 0..3),
        prop::collection::vec(
            (0i64..40, 0u32..3, "[a-z]{1,8}", prop::collection::vec(untimed_text(), 0..3)),
            0..25,
        ),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(fmt, preamble, body, crlf, final_newline)| {
            let mut lines: Vec<Line> =
                preamble.into_iter().map(|text| Line { text, ts: None }).collect();
            for (n, (secs, millis, word, cont)) in body.into_iter().enumerate() {
                // Millis from a small set, so that equal instants happen.
                let millis = [0, 250, 999][millis as usize];
                let millis = if fmt == Fmt::Syslog { 0 } else { millis };
                lines.push(stamp_line(fmt, secs, millis, &word, n));
                lines.extend(cont.into_iter().map(|text| Line { text, ts: None }));
            }
            File { fmt, lines, crlf, final_newline }
        })
}

fn files_strategy() -> impl Strategy<Value = Vec<File>> {
    prop::collection::vec(file_strategy(), 1..5)
}

const COMMON: [&str; 8] =
    ["--output-format", "jsonl", "--tz", "UTC", "--year", "2026", "--no-progress", "-q"];

fn write_files(dir: &Path, files: &[File]) -> Vec<String> {
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let p = dir.join(format!("src{i}.log"));
            std::fs::write(&p, f.bytes()).unwrap();
            p.to_str().unwrap().to_string()
        })
        .collect()
}

fn run(cmd: &str, paths: &[String]) -> Output {
    bin().arg(cmd).args(COMMON).args(paths).output().expect("run deskew")
}

fn run_stdin(cmd: &str, input: Vec<u8>) -> Output {
    let args: Vec<&str> = std::iter::once(cmd).chain(COMMON).collect();
    crate::util::run_stdin(&args, &input)
}

#[derive(Clone, Debug, PartialEq)]
struct Rec {
    ts: Option<i64>,
    source: String,
    line: u64,
    msg: String,
}

fn nanos(ts: &str) -> i64 {
    DateTime::parse_from_rfc3339(ts)
        .unwrap_or_else(|e| panic!("ts {ts:?} is not RFC 3339: {e}"))
        .timestamp_nanos_opt()
        .unwrap()
}

fn records(out: &Output) -> Vec<Rec> {
    String::from_utf8(out.stdout.clone())
        .expect("JSONL output is UTF-8")
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}"));
            Rec {
                ts: v["ts"].as_str().map(nanos),
                source: v["source"].as_str().expect("source").to_string(),
                line: v["line"].as_u64().expect("line"),
                msg: v["msg"].as_str().expect("msg").to_string(),
            }
        })
        .collect()
}

/// Each file rebuilt from the records of its source; checks `line` numbers are contiguous.
fn check_lossless(recs: &[Rec], paths: &[String], files: &[File]) -> Result<(), TestCaseError> {
    for (p, f) in paths.iter().zip(files) {
        let mut mine: Vec<&Rec> = recs.iter().filter(|r| &r.source == p).collect();
        mine.sort_by_key(|r| r.line);
        let mut next = 1u64;
        let mut got: Vec<String> = Vec::new();
        for r in &mine {
            prop_assert_eq!(r.line, next, "{}: records' lines not contiguous", p);
            let parts: Vec<&str> = r.msg.split('\n').collect();
            next += parts.len() as u64;
            got.extend(parts.into_iter().map(String::from));
        }
        let want: Vec<String> = f.lines.iter().map(|l| l.text.clone()).collect();
        prop_assert_eq!(got, want, "{}: lines lost, duplicated or changed", p);
    }
    let known: std::collections::HashSet<&String> = paths.iter().collect();
    for r in recs {
        prop_assert!(known.contains(&r.source), "record of unknown source {:?}", r.source);
    }
    Ok(())
}

/// Every generated timestamped line starts a record with that instant.
fn check_times(recs: &[Rec], paths: &[String], files: &[File]) -> Result<(), TestCaseError> {
    for (p, f) in paths.iter().zip(files) {
        for (i, l) in f.lines.iter().enumerate() {
            let Some(want) = l.ts else { continue };
            let r = recs.iter().find(|r| &r.source == p && r.line == i as u64 + 1);
            prop_assert!(r.is_some(), "{}:{} ({:?}) starts no record", p, i + 1, l.text);
            prop_assert_eq!(r.unwrap().ts, Some(want), "{}:{} {:?}", p, i + 1, l.text);
        }
    }
    Ok(())
}

/// The merge key of each record of the output (README: a record without a time travels with
/// the record before it; lines before the first timestamp with the first timed record).
/// `None` for a source without any time (where those go is not fixed).
fn keys(recs: &[Rec], paths: &[String]) -> Vec<Option<i64>> {
    let mut key_of = std::collections::HashMap::new();
    for p in paths {
        let mut mine: Vec<&Rec> = recs.iter().filter(|r| &r.source == p).collect();
        mine.sort_by_key(|r| r.line);
        let mut prev = mine.iter().find_map(|r| r.ts);
        for r in mine {
            if r.ts.is_some() {
                prev = r.ts;
            }
            key_of.insert((p.clone(), r.line), prev);
        }
    }
    recs.iter().map(|r| key_of[&(r.source.clone(), r.line)]).collect()
}

fn source_index(paths: &[String], s: &str) -> usize {
    paths.iter().position(|p| p == s).unwrap()
}

proptest! {
    #![proptest_config(config(32, 0xdec0_de01))]

    /// merge: lossless, right instants, sorted by ts, ties in input order.
    #[test]
    fn merge_is_sorted_lossless_and_stable(files in files_strategy()) {
        let dir = tempfile::tempdir().unwrap();
        let paths = write_files(dir.path(), &files);
        let out = run("merge", &paths);
        let err = String::from_utf8_lossy(&out.stderr);
        prop_assert!(out.status.success(), "exit {:?}: {}", out.status, err);
        let recs = records(&out);
        check_lossless(&recs, &paths, &files)?;
        check_times(&recs, &paths, &files)?;
        // Sorted by ts, null ts excepted.
        let ts: Vec<i64> = recs.iter().filter_map(|r| r.ts).collect();
        prop_assert!(ts.windows(2).all(|w| w[0] <= w[1]), "merge output not sorted by ts");
        // Exactly the order of (key, source, line).
        let k = keys(&recs, &paths);
        let seq: Vec<(i64, usize, u64)> = recs
            .iter()
            .zip(&k)
            .filter_map(|(r, k)| k.map(|k| (k, source_index(&paths, &r.source), r.line)))
            .collect();
        for w in seq.windows(2) {
            prop_assert!(w[0] < w[1], "order breaks at {:?} then {:?}", w[0], w[1]);
        }
    }

    /// normalize: the same records as merge, in input order (source, then line).
    #[test]
    fn normalize_keeps_input_order_and_every_line(files in files_strategy()) {
        let dir = tempfile::tempdir().unwrap();
        let paths = write_files(dir.path(), &files);
        let out = run("normalize", &paths);
        prop_assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let recs = records(&out);
        check_lossless(&recs, &paths, &files)?;
        check_times(&recs, &paths, &files)?;
        let order: Vec<(usize, u64)> =
            recs.iter().map(|r| (source_index(&paths, &r.source), r.line)).collect();
        for w in order.windows(2) {
            prop_assert!(w[0] < w[1], "normalize reorders: {:?} then {:?}", w[0], w[1]);
        }
        let merged = records(&run("merge", &paths));
        let key = |r: &Rec| (source_index(&paths, &r.source), r.line);
        let mut a = recs.clone();
        let mut b = merged;
        a.sort_by_key(key);
        b.sort_by_key(key);
        prop_assert_eq!(a, b, "merge and normalize give different records");
    }
}

proptest! {
    #![proptest_config(config(32, 0xdec0_de02))]

    /// One file streamed through stdin (`normalize`, the line-by-line path) gives the same
    /// records as the file named on the command line, and `merge -` the same as the file.
    #[test]
    fn stdin_gives_the_same_records_as_the_file(file in file_strategy()) {
        let dir = tempfile::tempdir().unwrap();
        let paths = write_files(dir.path(), std::slice::from_ref(&file));
        let strip = |mut v: Vec<Rec>| {
            for r in &mut v {
                r.source = String::new();
            }
            v
        };
        let from_file = strip(records(&run("normalize", &paths)));
        let streamed = run_stdin("normalize", file.bytes());
        prop_assert!(streamed.status.success(), "{}", String::from_utf8_lossy(&streamed.stderr));
        let streamed_recs = records(&streamed);
        check_lossless(&streamed_recs, &["-".to_string()], std::slice::from_ref(&file))?;
        prop_assert_eq!(&strip(streamed_recs), &from_file, "normalize: stdin differs from the file");
        let merged_stdin = strip(records(&run_stdin("merge", file.bytes())));
        let merged_file = strip(records(&run("merge", &paths)));
        prop_assert_eq!(merged_stdin, merged_file, "merge: stdin differs from the file");
    }

    /// Files that mix the formats line by line (detection sees one layout first, others
    /// later): still every line exactly once, and merge output sorted by ts.
    #[test]
    fn mixed_format_files_lose_no_line(
        parts in prop::collection::vec(
            prop::collection::vec((0usize..4, 0i64..40, prop::collection::vec(untimed_text(), 0..2)), 0..20),
            1..4,
        ),
        crlf in any::<bool>(),
    ) {
        let fmts = [Fmt::Iso, Fmt::IsoOffset, Fmt::Syslog, Fmt::Json];
        let files: Vec<File> = parts
            .into_iter()
            .map(|body| {
                let mut lines = Vec::new();
                for (n, (f, secs, cont)) in body.into_iter().enumerate() {
                    lines.push(stamp_line(fmts[f], secs, 0, "mixed", n));
                    lines.extend(cont.into_iter().map(|text| Line { text, ts: None }));
                }
                File { fmt: Fmt::Iso, lines, crlf, final_newline: true }
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let paths = write_files(dir.path(), &files);
        let out = run("merge", &paths);
        let recs = records(&out);
        check_lossless(&recs, &paths, &files)?;
        let ts: Vec<i64> = recs.iter().filter_map(|r| r.ts).collect();
        prop_assert!(ts.windows(2).all(|w| w[0] <= w[1]), "merge output not sorted by ts");
    }
}

/// A line of any bytes but `\n`: junk (invalid UTF-8, NUL, lone CR), a good stamp of any
/// format, a stamp that names no instant, or a plain continuation.
fn any_line() -> impl Strategy<Value = Vec<u8>> {
    let fmt = prop_oneof![Just(Fmt::Iso), Just(Fmt::IsoOffset), Just(Fmt::Syslog), Just(Fmt::Json)];
    prop_oneof![
        prop::collection::vec(any::<u8>().prop_filter("no line end", |b| *b != b'\n'), 0..60),
        (fmt, 0i64..40, 0u32..3)
            .prop_map(|(f, s, ms)| stamp_line(f, s, ms, "any", 0).text.into_bytes()),
        prop_oneof![
            Just("2026-02-30T10:00:00Z feb 30"),
            Just("2026-11-20T25:61:61Z"),
            Just("2026-11-20T14:00:00+99:99 x"),
            Just("Feb 29 10:00:00 web01 a: leap"),
            Just("99999999999999999999999 big"),
            Just("{\"time\":1e300}"),
            Just("{\"time\":\"2026-11-20T14:00:0"),
        ]
        .prop_map(|s| s.as_bytes().to_vec()),
        untimed_text().prop_map(String::into_bytes),
        // A good stamp with junk right after it.
        (
            0i64..40,
            prop::collection::vec(any::<u8>().prop_filter("no line end", |b| *b != b'\n'), 0..20)
        )
            .prop_map(|(s, junk)| [
                stamp_line(Fmt::Iso, s, 0, "j", 0).text.into_bytes(),
                junk
            ]
            .concat()),
    ]
}

/// Raw bytes of a file: lines joined by `\n` or `\r\n`, the last maybe without an end.
fn any_file() -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec((any_line(), any::<bool>()), 0..30), any::<bool>())
        .prop_map(|(lines, final_newline)| crate::util::join_lines(lines, final_newline))
}

/// The lines of `data` as the JSON output shows them: split at `\n`, one final `\r` dropped
/// (the line end), invalid UTF-8 as U+FFFD.
fn lossy_lines(data: &[u8]) -> Vec<String> {
    raw_lines(data).into_iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect()
}

fn raw_lines(data: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v.into_iter().map(|l| l.strip_suffix(b"\r").unwrap_or(l)).collect()
}

/// Each source's records, by line, split back into lines; line numbers contiguous from 1.
fn rebuilt(recs: &[Rec], source: &str) -> Result<Vec<String>, TestCaseError> {
    let mut mine: Vec<&Rec> = recs.iter().filter(|r| r.source == source).collect();
    mine.sort_by_key(|r| r.line);
    let mut next = 1u64;
    let mut got = Vec::new();
    for r in mine {
        prop_assert_eq!(r.line, next, "{}: records' lines not contiguous", source);
        let parts: Vec<&str> = r.msg.split('\n').collect();
        next += parts.len() as u64;
        got.extend(parts.into_iter().map(String::from));
    }
    Ok(got)
}

/// Ended by itself with 0 or 1, every stderr line a `deskew:` message.
fn check_ended_well(out: &Output) -> Result<(), TestCaseError> {
    let err = String::from_utf8_lossy(&out.stderr);
    prop_assert!(matches!(out.status.code(), Some(0 | 1)), "{:?}: {}", out.status, err);
    for l in err.lines() {
        prop_assert!(l.starts_with("deskew: "), "stderr: {}", l);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(48, 0xdec0_de03))]

    /// Any bytes, in any mix of formats, through merge and normalize, from files and stdin:
    /// every input line comes out exactly once (JSON, shown lossily), and `normalize` text
    /// output ends each output line with the input line's very bytes.
    #[test]
    fn any_bytes_come_out_line_for_line(files in prop::collection::vec(any_file(), 1..4)) {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<String> = files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let p = dir.path().join(format!("raw{i}.log"));
                std::fs::write(&p, f).unwrap();
                p.to_str().unwrap().to_string()
            })
            .collect();
        for cmd in ["merge", "normalize"] {
            let out = run(cmd, &paths);
            check_ended_well(&out)?;
            let recs = records(&out);
            for (p, f) in paths.iter().zip(&files) {
                prop_assert_eq!(rebuilt(&recs, p)?, lossy_lines(f), "{}: {}", cmd, p);
            }
            prop_assert_eq!(
                recs.len(),
                recs.iter().map(|r| (&r.source, r.line)).collect::<std::collections::HashSet<_>>().len(),
                "{}: a record twice", cmd
            );
        }
        let s = run_stdin("normalize", files[0].clone());
        check_ended_well(&s)?;
        prop_assert_eq!(rebuilt(&records(&s), "-")?, lossy_lines(&files[0]), "stdin");
        // Text: one output line per input line, ending with its bytes.
        let text = bin()
            .args(["normalize", "--tz", "UTC", "--year", "2026", "-q", &paths[0]])
            .output()
            .unwrap();
        check_ended_well(&text)?;
        let want = raw_lines(&files[0]);
        // Output lines end in `\n` alone: a CR left at the end is the input's content.
        let mut got: Vec<&[u8]> = text.stdout.split(|&b| b == b'\n').collect();
        prop_assert_eq!(got.pop(), Some(&b""[..]), "text output ends with a line end");
        prop_assert_eq!(got.len(), want.len(), "text: line count");
        for (g, w) in got.iter().zip(&want) {
            prop_assert!(g.ends_with(w), "text line {:?} does not end with {:?}",
                String::from_utf8_lossy(g), String::from_utf8_lossy(w));
        }
    }
}
