//! The one grouping core, driven from a file and from stdin: for the same bytes, `normalize`
//! gives the same records, the same warnings (the path aside) and the same exit status; and on
//! a pipe that stays open, a record comes out without waiting for the next one. A layout no
//! definition knows is learned from a pipe's first lines as from a file's.

use std::io::{BufRead, BufReader, Write};
use std::process::{Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use serde_json::Value;

use crate::util::bin;

const OPTS: [&str; 9] =
    ["normalize", "--output-format", "jsonl", "--tz", "UTC", "--year", "2026", "--host", "h"];

/// Lines of the kinds grouping tells apart: timestamps of several formats (one that only the
/// finder reads), a timestamp that names no real instant, one of a year out of range, a time
/// of day with no date, untimed continuation lines, blank lines, invalid UTF-8.
fn any_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (0u32..60).prop_map(|s| format!("2026-11-20T14:00:{s:02}Z info request done").into_bytes()),
        (0u32..60)
            .prop_map(|s| format!("Nov 20 14:00:{s:02} web01 sshd[1]: accepted").into_bytes()),
        (0u32..60)
            .prop_map(|s| format!(r#"{{"ts":"2026-11-20T14:00:{s:02}Z","msg":"x"}}"#).into_bytes()),
        // A layout no definition knows: the finder's (learned from the first lines).
        (0u32..60)
            .prop_map(|s| format!("WARN  [pool-2] 2026-11-20 14:00:{s:02},333 pool").into_bytes()),
        Just(b"2026-02-30T10:00:00Z impossible day".to_vec()),
        // A year i64 nanoseconds do not hold: no time, and one warning per source.
        Just(b"9999-12-31T23:59:59Z far future".to_vec()),
        Just(b"    at com.example.Main.run(Main.java:42)".to_vec()),
        "[a-z ]{0,12}".prop_map(String::into_bytes),
        Just(Vec::new()),
        Just(b"caf\xe9 latin-1".to_vec()),
    ]
}

fn any_file() -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec((any_line(), any::<bool>()), 0..25), any::<bool>())
        .prop_map(|(lines, final_newline)| crate::util::join_lines(lines, final_newline))
}

fn piped(input: Vec<u8>) -> Output {
    let args: Vec<&str> = OPTS.iter().copied().chain(["-"]).collect();
    crate::util::run_stdin(&args, &input)
}

/// The records without `source` (a path, or `-` for stdin).
fn records(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).expect("a JSON line");
            v.as_object_mut().unwrap().remove("source");
            v
        })
        .collect()
}

proptest! {
    #![proptest_config(Config {
        cases: 48,
        rng_seed: RngSeed::Fixed(0xdec0_de14),
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    })]

    #[test]
    fn stdin_and_a_file_give_the_same_records_warnings_and_exit_status(data in any_file()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.log");
        std::fs::write(&path, &data).unwrap();
        let p = path.to_str().unwrap();
        let file = bin().args(OPTS).arg(p).output().unwrap();
        let stdin = piped(data);
        prop_assert_eq!(records(&stdin), records(&file));
        let warnings = String::from_utf8_lossy(&file.stderr).replace(p, "-");
        prop_assert_eq!(String::from_utf8_lossy(&stdin.stderr), warnings);
        prop_assert_eq!(stdin.status.code(), file.status.code());
    }
}

/// `tail -f app.log | deskew normalize`: the last record comes out while the pipe is still
/// open (the input's pause ends it), not only when the next record or the end arrives.
#[test]
fn a_record_on_a_pipe_that_stays_open_comes_out_without_waiting_for_the_next() {
    let mut c = bin()
        .args(["normalize", "--tz", "UTC", "-q", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut sin = c.stdin.take().unwrap();
    sin.write_all(b"2026-11-20T14:00:00Z web01 first\n  continued\n").unwrap();
    sin.flush().unwrap();
    let stdout = c.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        for l in lines.by_ref().take(2) {
            let _ = tx.send(l.unwrap());
        }
    });
    // Generous bounds: this checks that the record comes out at all while the writer is
    // silent, not how fast.
    let first = rx.recv_timeout(Duration::from_secs(20));
    let second = rx.recv_timeout(Duration::from_secs(20));
    drop(sin);
    let _ = c.wait();
    let first = first.expect("the record, while the pipe is open");
    assert!(first.starts_with("2026-11-20T14:00:00"), "{first}");
    assert!(first.ends_with(" - 2026-11-20T14:00:00Z web01 first"), "{first}");
    assert_eq!(second.as_deref(), Ok("  continued"));
}

/// `cat app.log | deskew normalize` (a stream) and `deskew merge -` (stdin read whole) find the
/// times of a layout no definition knows, its stamp after a level and a thread, as the same
/// file named by its path does: same records, same times.
#[test]
fn a_pipe_of_a_layout_no_definition_knows_gets_the_times_its_file_gets() {
    let data = b"WARN  [pool-2] 2020-02-11 08:01:02,333 pool exhausted\n\
INFO  [main] 2020-02-11 08:01:03,100 retrying at 2020-02-11 09:00:00,000\n\
    at com.example.Pool.get(Pool.java:42)\n\
DEBUG [pool-3] 2020-02-11 08:01:04,000 done\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.log");
    std::fs::write(&path, data).unwrap();
    let p = path.to_str().unwrap();
    let file = bin().args(OPTS).arg(p).output().unwrap();
    let want = records(&file);
    let times: Vec<&str> = want.iter().map(|r| r["ts"].as_str().unwrap()).collect();
    assert_eq!(
        times,
        [
            "2020-02-11T08:01:02.333000000Z",
            "2020-02-11T08:01:03.100000000Z",
            "2020-02-11T08:01:04.000000000Z"
        ],
        "{}",
        String::from_utf8_lossy(&file.stderr)
    );
    for cmd in ["normalize", "merge"] {
        let args: Vec<&str> =
            [cmd].into_iter().chain(OPTS[1..].iter().copied()).chain(["-"]).collect();
        let got = crate::util::run_stdin(&args, data);
        assert_eq!(records(&got), want, "{cmd}: {}", String::from_utf8_lossy(&got.stderr));
    }
}
