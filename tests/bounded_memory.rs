//! `merge` in bounded memory: records past the budget spill to temporary files and a source
//! out of order becomes several sorted runs; the output must not change by a byte.
//! The hidden options `--budget-bytes` (bytes of records held) and `--window-bytes` (bytes
//! parsed at a time) force the spilling and windowing paths on small inputs.

use crate::util::{bin, testdata};
use std::io::Write;

use std::process::Output;

/// Run with `args` and then each `(option, value)` of `opts`.
fn run(args: &[&str], opts: &[(&str, &str)]) -> Output {
    let out = bin().args(args).args(opts.iter().flat_map(|(k, v)| [*k, *v])).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
fn spilled_merge_equals_in_memory_merge() {
    let demo = testdata("demo");
    let cli = testdata("cli");
    let (offsets, logs) = (demo.join("offsets"), demo.join("logs"));
    let (unordered, cli_logs) = (cli.join("unordered.log"), cli.join("logs"));
    let args = [
        "merge",
        "--output-format",
        "jsonl",
        "--no-progress",
        "--offsets",
        offsets.to_str().unwrap(),
        logs.to_str().unwrap(),
        unordered.to_str().unwrap(),
        cli_logs.to_str().unwrap(),
    ];
    let held = run(&args, &[]);
    for w in ["1", "300", "100000"] {
        let spilled = run(&args, &[("--budget-bytes", "0"), ("--window-bytes", w)]);
        assert!(spilled.stdout == held.stdout, "window {w}: output differs");
        assert_eq!(spilled.stderr, held.stderr, "window {w}");
    }
    // One thread: the windows are scanned in chunks by the pool, not by a worker alone.
    let one: Vec<&str> =
        args[..1].iter().chain(&["--threads", "1"]).chain(&args[1..]).copied().collect();
    let single = run(&one, &[("--window-bytes", "300")]);
    assert!(single.stdout == held.stdout, "--threads 1: output differs");
}

/// A source in random order, read in small windows, is many runs; half of them spilled.
/// Every line comes out once, in time order, equal times in source-then-line order.
#[test]
fn shuffled_source_merges_in_order_through_runs_and_spill() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    let mut fa = std::fs::File::create(&a).unwrap();
    let mut x: u64 = 12345;
    let n = 20_000u64;
    for i in 0..n {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let s = (x >> 33) % 5000; // many equal times: the tie rule is tested too
        writeln!(
            fa,
            "2026-11-20T10:{:02}:{:02}.{:03}Z a app: line {i}",
            s / 60 % 60,
            s % 60,
            s % 7
        )
        .unwrap();
        if i % 10 == 0 {
            writeln!(fa, "  continuation of line {i}").unwrap();
        }
    }
    let mut fb = std::fs::File::create(&b).unwrap();
    for i in 0..n / 4 {
        let s = i * 5000 / (n / 4);
        writeln!(
            fb,
            "2026-11-20T10:{:02}:{:02}.{:03}Z b app: line {i}",
            s / 60 % 60,
            s % 60,
            s % 7
        )
        .unwrap();
    }
    drop((fa, fb));
    let args = [
        "merge",
        "--no-progress",
        "--output-format",
        "jsonl",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ];
    let whole = run(&args, &[]);
    let budget = (n as usize * 80 / 2).to_string();
    let runs = run(&args, &[("--window-bytes", "20000"), ("--budget-bytes", &budget)]);
    assert!(runs.stdout == whole.stdout, "spilled runs change the output");
    let text = String::from_utf8(runs.stdout).unwrap();
    let mut last: Option<(String, String, u64)> = None;
    let mut count = 0;
    for l in text.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let k = (
            fixed_width(v["ts"].as_str().unwrap()),
            v["source"].as_str().unwrap().to_string(),
            v["line"].as_u64().unwrap(),
        );
        if let Some(p) = &last {
            assert!(p < &k, "{p:?} then {k:?}");
        }
        last = Some(k);
        count += 1;
    }
    assert_eq!(count, n + n / 4);
}

/// An RFC 3339 UTC time with nine fraction digits, so that text order is time order.
fn fixed_width(ts: &str) -> String {
    let t = ts.strip_suffix('Z').unwrap();
    let (secs, frac) = t.split_once('.').unwrap_or((t, ""));
    format!("{secs}.{frac:0<9}")
}
