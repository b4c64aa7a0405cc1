//! The real binary, end to end, on files in testdata/cli and on inputs made here.

use crate::util::{bin, run_stdin};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

fn testdata(p: &str) -> PathBuf {
    crate::util::testdata("cli").join(p)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).arg("--no-progress").output().expect("run deskew")
}

fn jsonl(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// All `msg` lines of the records, sorted by (source, line): must rebuild the inputs.
fn lines_of(recs: &[serde_json::Value]) -> Vec<String> {
    let mut r: Vec<_> = recs
        .iter()
        .map(|v| {
            (
                v["source"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap(),
                v["msg"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    r.sort();
    r.into_iter()
        .flat_map(|(_, _, m)| m.split('\n').map(String::from).collect::<Vec<_>>())
        .collect()
}

#[test]
fn merge_orders_records_of_all_hosts_by_time_and_keeps_every_line() {
    let out = run(&["merge", "--output-format", "jsonl", testdata("logs").to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let recs = jsonl(&out);
    let ts: Vec<&str> = recs.iter().map(|r| r["ts"].as_str().unwrap()).collect();
    let mut sorted = ts.clone();
    sorted.sort();
    assert_eq!(ts, sorted);
    assert_eq!(recs.len(), 3 + 4);
    // Host by directory: logs/web01/access.log under logs is web01.
    let hosts: std::collections::BTreeSet<_> =
        recs.iter().map(|r| r["host"].as_str().unwrap()).collect();
    assert_eq!(hosts.into_iter().collect::<Vec<_>>(), ["db01", "web01"]);
    let cont = recs.iter().find(|r| r["line"] == 3 && r["host"] == "db01").unwrap();
    assert!(cont["msg"]
        .as_str()
        .unwrap()
        .ends_with("\n\tProcess 312 waits for ShareLock on transaction 9911."));
    assert_eq!(lines_of(&recs).len(), 3 + 5);
}

#[test]
fn jsonl_record_has_every_spec_key() {
    let out = run(&[
        "merge",
        "--output-format",
        "jsonl",
        testdata("logs/web01/access.log").to_str().unwrap(),
    ]);
    let r = &jsonl(&out)[0];
    assert_eq!(r["ts"], "2026-11-20T14:02:03.000000000Z");
    assert_eq!(r["host"], "access");
    assert!(r["source"].as_str().unwrap().ends_with("testdata/cli/logs/web01/access.log"));
    assert_eq!(r["line"], 1);
    assert_eq!(r["raw_ts"], "20/Nov/2026:14:02:03 +0000");
    assert_eq!(r["offset"], 0);
    assert!(r["format"].is_string());
    assert!(r["msg"].as_str().unwrap().starts_with("10.0.0.5 - - [20/Nov/2026:14:02:03 +0000]"));
}

#[test]
fn out_of_order_lines_move_to_their_place_with_their_continuations() {
    let out =
        run(&["merge", "--output-format", "jsonl", testdata("unordered.log").to_str().unwrap()]);
    let recs = jsonl(&out);
    let lines: Vec<u64> = recs.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    // The header (no time) travels with the record that followed it in the file (line 2).
    assert_eq!(lines, [3, 5, 1, 2]);
    assert_eq!(recs[0]["msg"], "2026-11-20T14:00:01Z a first\n  a continuation of first");
    assert!(recs[2]["ts"].is_null());
}

#[test]
fn normalize_keeps_input_order() {
    let out = run(&[
        "normalize",
        "--output-format",
        "jsonl",
        testdata("unordered.log").to_str().unwrap(),
    ]);
    let lines: Vec<u64> = jsonl(&out).iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [1, 2, 3, 5]);
}

#[test]
fn text_output_is_time_host_and_line_then_continuations() {
    let out = run(&["merge", "--host", "box", testdata("unordered.log").to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "2026-11-20T14:00:01.000000000Z box 2026-11-20T14:00:01Z a first\n  a continuation of first\n"
        ),
        "{text}"
    );
}

#[test]
fn stdin_streams_through_normalize() {
    let input = b"2026-11-20T14:00:01.5+01:00 one\n  more\n2026-11-20T14:00:02Z two\n";
    let out = run_stdin(&["normalize", "--output-format", "jsonl"], input);
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["ts"], "2026-11-20T13:00:01.500000000Z");
    assert_eq!(recs[0]["source"], "-");
    assert_eq!(recs[0]["msg"], "2026-11-20T14:00:01.5+01:00 one\n  more");
}

#[test]
fn gzip_and_zstd_are_read_by_magic_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let text = b"2026-11-20T14:00:01Z gz line\n";
    let gz = dir.path().join("a.log.1");
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    e.write_all(text).unwrap();
    e.finish().unwrap();
    let zs = dir.path().join("b.log");
    std::fs::write(&zs, zstd::encode_all(&b"2026-11-20T14:00:00Z zstd line\n"[..], 3).unwrap())
        .unwrap();
    let out = run(&["merge", "--output-format", "jsonl", dir.path().to_str().unwrap()]);
    let msgs: Vec<_> = jsonl(&out).iter().map(|r| r["msg"].as_str().unwrap().to_string()).collect();
    assert_eq!(msgs, ["2026-11-20T14:00:00Z zstd line", "2026-11-20T14:00:01Z gz line"]);
}

#[test]
fn truncated_gzip_keeps_what_was_read_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = Vec::new();
    for i in 0..5000 {
        writeln!(text, "2026-11-20T14:00:00.{i:04}Z line {i} with some padding to make it longer")
            .unwrap();
    }
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&text).unwrap();
    let gz = e.finish().unwrap();
    let p = dir.path().join("cut.log.gz");
    std::fs::write(&p, &gz[..gz.len() / 2]).unwrap();
    let out = run(&["normalize", "--output-format", "jsonl", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cut.log.gz") && err.lines().count() >= 1, "{err}");
    let recs = jsonl(&out);
    assert!(recs.len() > 100 && recs.len() < 5000, "{}", recs.len());
}

#[test]
fn a_json_line_whose_time_no_layout_reads_is_a_record_without_a_time_and_reported() {
    let f = testdata("bad_json_time.jsonl");
    let out = run(&["merge", "--output-format", "jsonl", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("bad_json_time.jsonl:2: a timestamp field that no layout reads"),
        "{}",
        stderr(&out)
    );
    let recs = jsonl(&out);
    // Its own record (not folded into the one before), in place, with its time text kept.
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[1]["line"], 2);
    assert!(recs[1]["ts"].is_null());
    assert_eq!(recs[1]["raw_ts"], "soon");
    assert_eq!(recs[0]["ts"], "2026-11-20T10:00:00.000000000Z");
    assert_eq!(recs[2]["ts"], "2026-11-20T10:00:02.000000000Z");
}

#[test]
fn invalid_utf8_is_reported_with_file_and_line_and_still_emitted() {
    let out =
        run(&["normalize", "--output-format", "jsonl", testdata("bad_utf8.log").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad_utf8.log:1: invalid UTF-8 (kept; shown as U+FFFD"));
    // Text output writes the bytes as they are, and the warning says so.
    let text = run(&["normalize", testdata("bad_utf8.log").to_str().unwrap()]);
    assert_eq!(text.status.code(), Some(1));
    assert!(stderr(&text).contains("bad_utf8.log:1: invalid UTF-8 (kept byte for byte)"));
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["msg"], "Nov 20 14:00:01 host1 app: latin1 caf\u{fffd}");
}

#[test]
fn missing_file_is_an_error_but_other_inputs_still_go_through() {
    let out = run(&["merge", "/nonexistent/x.log", testdata("unordered.log").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/nonexistent/x.log"));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 5);
}

#[test]
fn bad_option_is_a_usage_error() {
    let out = run(&["merge", "--tz", "Mars/Olympus", testdata("unordered.log").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Mars/Olympus"));
}

#[test]
fn since_and_until_keep_a_half_open_window_of_corrected_time() {
    let out = run(&[
        "merge",
        "--output-format",
        "jsonl",
        "--since",
        "2026-11-20T14:02:05Z",
        "--until",
        "2026-11-20T14:02:08Z",
        testdata("logs").to_str().unwrap(),
    ]);
    let ts: Vec<_> = jsonl(&out).iter().map(|r| r["ts"].as_str().unwrap().to_string()).collect();
    assert_eq!(
        ts,
        [
            "2026-11-20T14:02:05.000000000Z",
            "2026-11-20T14:02:06.250000000Z",
            "2026-11-20T14:02:06.250000000Z"
        ]
    );
}

#[test]
fn constant_skew_corrects_one_host_and_reports_the_offset() {
    let out = run(&[
        "merge",
        "--output-format",
        "jsonl",
        "--skew",
        "web01=-1.5s",
        testdata("logs").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let recs = jsonl(&out);
    let web = recs.iter().find(|r| r["host"] == "web01").unwrap();
    assert_eq!(web["ts"], "2026-11-20T14:02:01.500000000Z");
    assert_eq!(web["offset"], -1.5);
    let db = recs.iter().find(|r| r["host"] == "db01").unwrap();
    assert_eq!(db["offset"], 0);
}

#[test]
fn a_50_mb_line_goes_through_whole() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    f.write_all(b"2026-11-20T14:00:00Z ").unwrap();
    f.write_all(&vec![b'x'; 50 << 20]).unwrap();
    f.write_all(b"\n2026-11-20T14:00:01Z after\n").unwrap();
    drop(f);
    let out = run(&["merge", p.to_str().unwrap()]);
    assert!(out.status.success());
    let lines: Vec<&[u8]> = out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with(b"2026-11-20T14:00:00.000000000Z big 2026-11-20T14:00:00Z xxx"));
    assert_eq!(lines[0].iter().filter(|&&b| b == b'x').count(), 50 << 20);
    assert_eq!(lines[1], b"2026-11-20T14:00:01.000000000Z big 2026-11-20T14:00:01Z after");
}

#[test]
fn binary_junk_never_crashes_and_every_line_comes_out_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("junk.bin");
    let mut x: u64 = 0x9E3779B97F4A7C15;
    let junk: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    std::fs::write(&p, &junk).unwrap();
    let out = run(&["normalize", "--output-format", "jsonl", p.to_str().unwrap()]);
    assert!(out.status.code().is_some(), "killed by a signal");
    let recs = jsonl(&out);
    let want = String::from_utf8_lossy(&junk).split('\n').count();
    let got: usize = recs.iter().map(|r| r["msg"].as_str().unwrap().split('\n').count()).sum();
    assert_eq!(got, want);
}

#[test]
fn rotated_files_are_read_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("syslog"), "Nov 20 14:00:03 h a: third\n").unwrap();
    std::fs::write(dir.path().join("syslog.1"), "Nov 20 14:00:02 h a: second\n").unwrap();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b"Nov 20 14:00:01 h a: first\n").unwrap();
    std::fs::write(dir.path().join("syslog.2.gz"), e.finish().unwrap()).unwrap();
    let out = run(&["normalize", "--year", "2026", dir.path().to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    let words: Vec<_> = text.lines().map(|l| l.rsplit(' ').next().unwrap()).collect();
    assert_eq!(words, ["first", "second", "third"]);
}

#[test]
fn year_less_times_roll_over_from_december_to_january() {
    let out = run_stdin(
        &["normalize", "--output-format", "jsonl", "--year", "2025"],
        b"Dec 31 23:59:59 h a: old year\nJan  1 00:00:01 h a: new year\n",
    );
    let ts: Vec<_> = jsonl(&out).iter().map(|r| r["ts"].as_str().unwrap().to_string()).collect();
    assert_eq!(ts, ["2025-12-31T23:59:59.000000000Z", "2026-01-01T00:00:01.000000000Z"]);
}

#[test]
fn host_tz_applies_a_zone_to_one_host_only() {
    let out = run(&[
        "merge",
        "--output-format",
        "jsonl",
        "--host-tz",
        "db01=America/New_York",
        testdata("logs").to_str().unwrap(),
    ]);
    // db01's postgres stamps say UTC explicitly, so the zone changes nothing there.
    let recs = jsonl(&out);
    assert!(recs.iter().any(|r| r["ts"] == "2026-11-20T14:02:04.100000000Z"));
    let out = run_stdin(
        &[
            "normalize",
            "--output-format",
            "jsonl",
            "--host",
            "db01",
            "--host-tz",
            "db01=America/New_York",
        ],
        b"2026-07-01 12:00:00 summer local time\n",
    );
    assert_eq!(jsonl(&out)[0]["ts"], "2026-07-01T16:00:00.000000000Z");
}

#[test]
fn formats_lists_every_builtin_format_with_an_example() {
    let out = run_formats();
    let text = String::from_utf8(out.stdout).unwrap();
    for name in ["rfc3164", "rfc5424", "json", "logfmt", "generic"] {
        assert!(text.lines().any(|l| l.starts_with(name)), "{name} missing from:\n{text}");
    }
}

fn run_formats() -> Output {
    bin().arg("formats").output().unwrap()
}

#[test]
fn detect_names_the_format_and_share_of_each_file() {
    let out = run(&["detect", testdata("logs").to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    let pg = text.lines().find(|l| l.contains("postgresql.log")).unwrap();
    assert!(pg.contains("100.0%"), "{pg}");
    assert!(pg.contains("2026-11-20T14:02:04.1Z .. 2026-11-20T14:02:08Z"), "{pg}");
}

/// Inputs too large to hold are merged a window at a time (`--window-bytes` forces tiny
/// windows here): the output must be byte for byte that of the whole-file merge, out-of-order
/// lines, continuations, year-less stamps and clock correction included.
#[test]
fn windowed_merge_equals_whole_merge() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo");
    let (offsets, logs) = (demo.join("offsets"), demo.join("logs"));
    let (unordered, cli_logs) = (testdata("unordered.log"), testdata("logs"));
    let args = [
        "merge",
        "--output-format",
        "jsonl",
        "--no-progress",
        "--offsets",
        offsets.to_str().unwrap(),
        "--host-tz",
        "lb01=America/New_York",
        logs.to_str().unwrap(),
        unordered.to_str().unwrap(),
        cli_logs.to_str().unwrap(),
    ];
    let whole = bin().args(args).output().unwrap();
    assert!(whole.status.success(), "{}", stderr(&whole));
    for w in ["1", "200", "4096"] {
        let windowed = bin().args(args).args(["--window-bytes", w]).output().unwrap();
        assert!(windowed.status.success());
        assert_eq!(
            String::from_utf8_lossy(&windowed.stdout),
            String::from_utf8_lossy(&whole.stdout),
            "window {w}"
        );
        assert_eq!(stderr(&windowed), stderr(&whole), "window {w}");
    }
}

/// A chrony tracking.log bound to a host with HOST=PATH corrects that host's records by the
/// clock error chronyd measured (this client's server was 2.5 s ahead, so +2.5 s), and the
/// summary on stderr says so.
#[test]
fn offsets_from_a_chrony_log_bound_with_host_equals_path() {
    let tracking = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/ntp/client-of-server-2.5s-ahead/tracking.log");
    let out = run_stdin(
        &[
            "normalize",
            "--output-format",
            "jsonl",
            "--host",
            "client",
            "--offsets",
            &format!("client={}", tracking.display()),
        ],
        b"2026-11-23T18:50:00Z inside the history\n2026-11-23T20:00:00Z after it\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let recs = jsonl(&out);
    for r in &recs {
        let off = r["offset"].as_f64().unwrap();
        assert!((off - 2.5).abs() < 0.001, "{r}");
    }
    assert!(recs[0]["ts"].as_str().unwrap().starts_with("2026-11-23T18:50:02.49999"));
    let err = stderr(&out);
    assert!(
        err.contains("client") && err.contains("2 records corrected") && err.contains("1 outside"),
        "{err}"
    );
}

/// `deskew offsets` describes each host's model and draws it; `--svg` writes a picture.
#[test]
fn offsets_command_reports_samples_drift_and_writes_svg() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("o.svg");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo/offsets");
    let out = bin()
        .args(["offsets", demo.to_str().unwrap(), "--svg", svg.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("worker01") && text.contains("16 used") && text.contains("ppm"),
        "{text}"
    );
    assert!(
        std::fs::read_to_string(&svg).unwrap().starts_with("<svg")
            || std::fs::read_to_string(&svg).unwrap().contains("<svg")
    );
}

/// dmesg's boot-relative stamps are records without a wall-clock time, until a boot time
/// places them.
#[test]
fn boot_relative_stamps_need_a_boot_time() {
    let input = b"[    0.000000] Linux version 6.1.0\n[   12.500000] eth0: link up\n";
    let out = run_stdin(&["normalize", "--output-format", "jsonl"], input);
    assert!(jsonl(&out).iter().all(|r| r["ts"].is_null()));
    let out = run_stdin(
        &["normalize", "--output-format", "jsonl", "--boot-time", "2026-11-20T14:00:00Z"],
        input,
    );
    let ts: Vec<_> = jsonl(&out).iter().map(|r| r["ts"].as_str().unwrap().to_string()).collect();
    assert_eq!(ts, ["2026-11-20T14:00:00.000000000Z", "2026-11-20T14:00:12.500000000Z"]);
    // HOST=TIME gives one host its own boot time, before the one for every host.
    let out = run_stdin(
        &[
            "normalize",
            "--output-format",
            "jsonl",
            "--host",
            "db01",
            "--boot-time",
            "2026-11-20T14:00:00Z",
            "--boot-time",
            "db01=2026-11-20T15:00:00Z",
        ],
        input,
    );
    assert_eq!(jsonl(&out)[1]["ts"], "2026-11-20T15:00:12.500000000Z");
}

/// Formats that write UTC by definition (here CloudFront, whose date and time carry no
/// zone) keep it whatever --tz says; other zone-less formats follow --tz.
#[test]
fn utc_formats_ignore_tz() {
    let line = b"2019-12-04\t21:02:31\tLAX1-C1\t102\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\n";
    let out =
        run_stdin(&["normalize", "--output-format", "jsonl", "--tz", "America/New_York"], line);
    let r = &jsonl(&out)[0];
    assert_eq!(r["format"], "cloudfront");
    assert_eq!(r["ts"], "2019-12-04T21:02:31.000000000Z");
    let out = run_stdin(
        &["normalize", "--output-format", "jsonl", "--tz", "America/New_York"],
        b"2019-12-04 21:02:31 a zone-less iso line\n",
    );
    assert_eq!(jsonl(&out)[0]["ts"], "2019-12-05T02:02:31.000000000Z");
}
