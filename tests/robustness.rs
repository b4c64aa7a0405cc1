//! Robustness of the binary, end to end, on bad and odd input (SPEC "Records", "Errors"):
//! every readable line comes out exactly once; a bad file, line or history row gets a
//! one-line message on stderr naming the path (and line), the rest still goes through and
//! the exit status is 1; usage errors exit 2; never a panic, never death by a signal.
//!
//! Inputs are made here (seeded, so every run sees the same bytes) in a temporary directory.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_deskew"));
    c.env_remove("TZ");
    c
}

/// Runs `cmd` with stdin `input` (none: /dev/null), killing it after `limit`.
fn run_cmd(mut cmd: Command, input: Option<Vec<u8>>, limit: Duration) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().expect("spawn deskew");
    let writer = input.map(|data| {
        let mut sin = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = sin.write_all(&data);
        })
    });
    let pid = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = done.clone();
    let watchdog = std::thread::spawn(move || {
        let start = Instant::now();
        while !flag.load(std::sync::atomic::Ordering::SeqCst) {
            if start.elapsed() > limit {
                // SAFETY: signalling the child this test started, by its pid.
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    });
    let out = child.wait_with_output().expect("wait for deskew");
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let timed_out = watchdog.join().unwrap();
    assert!(!timed_out, "deskew did not finish within {limit:?}: {}", stderr(&out));
    if let Some(w) = writer {
        w.join().unwrap();
    }
    out
}

fn run(args: &[&str]) -> Output {
    let mut c = bin();
    c.args(args);
    run_cmd(c, None, Duration::from_secs(120))
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut c = bin();
    c.args(args);
    run_cmd(c, Some(input.to_vec()), Duration::from_secs(120))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The process ended by itself: no signal (SIGBUS, SIGSEGV, SIGABRT), no panic.
fn assert_no_crash(out: &Output) {
    assert_eq!(out.status.signal(), None, "killed by a signal: {}", stderr(out));
    assert!(!stderr(out).contains("panicked"), "panic: {}", stderr(out));
    assert_ne!(out.status.code(), Some(101), "panic exit: {}", stderr(out));
}

/// Exit 1, no crash, and every stderr line is one `deskew: ...` message.
fn assert_input_error(out: &Output) {
    assert_no_crash(out);
    assert_eq!(out.status.code(), Some(1), "want exit 1: {}", stderr(out));
    for l in stderr(out).lines() {
        assert!(l.starts_with("deskew: "), "stderr line is not a deskew message: {l:?}");
    }
}

fn assert_usage_error(out: &Output) {
    assert_no_crash(out);
    assert_eq!(out.status.code(), Some(2), "want exit 2 (usage): {}", stderr(out));
    assert!(!stderr(out).trim().is_empty(), "no message");
    assert!(out.stdout.is_empty(), "a usage error writes no records");
}

/// Parses JSONL output; every line must be a JSON object.
fn jsonl(out: &Output) -> Vec<Value> {
    let text = std::str::from_utf8(&out.stdout).expect("JSONL output must be valid UTF-8");
    text.lines()
        .map(|l| {
            let v: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:.200}: {e}"));
            assert!(v.is_object());
            v
        })
        .collect()
}

/// The lines of `data` as deskew shows them: split at `\n`, a final `\r` of each dropped
/// (it is the line end), invalid UTF-8 as U+FFFD.
fn expected_lines(data: &[u8]) -> Vec<String> {
    let mut v: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v.into_iter()
        .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l)).into_owned())
        .collect()
}

/// The records of `source`, ordered by line, split back into lines; checks line numbers are
/// contiguous from 1.
fn lines_of(recs: &[Value], source: &str) -> Vec<String> {
    let mut mine: Vec<&Value> = recs.iter().filter(|r| r["source"] == source).collect();
    mine.sort_by_key(|r| r["line"].as_u64().unwrap());
    let mut next = 1;
    let mut out = Vec::new();
    for r in mine {
        assert_eq!(r["line"].as_u64().unwrap(), next, "{source}: line numbers not contiguous");
        let parts: Vec<String> = r["msg"].as_str().unwrap().split('\n').map(String::from).collect();
        next += parts.len() as u64;
        out.extend(parts);
    }
    out
}

/// A small deterministic PRNG (xorshift64*), so junk is the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() >> 56) as u8).collect()
    }
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, data).unwrap();
    p.to_str().unwrap().to_string()
}

/// `n` ISO lines, one second apart from 2026-11-20T14:00:00Z, each a little different.
fn iso_lines(n: usize) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..n {
        let t = 1_795_183_200 + i as i64;
        let d = chrono::DateTime::from_timestamp(t, 0).unwrap();
        s.push_str(&format!(
            "{} web01 app: line {i} payload {}\n",
            d.format("%Y-%m-%dT%H:%M:%SZ"),
            i * 7919 % 1000
        ));
    }
    s.into_bytes()
}

const JL: [&str; 4] = ["--output-format", "jsonl", "--no-progress", "-q"];

fn merge_jsonl(extra: &[&str]) -> Output {
    let mut a = vec!["merge"];
    a.extend(JL);
    a.extend(extra);
    run(&a)
}

// ---------------------------------------------------------------------------------------
// Junk, NUL, invalid UTF-8

#[test]
fn random_binary_junk_comes_out_line_for_line_with_an_error_naming_the_file() {
    let dir = tmp();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut data = b"x".to_vec(); // no compression magic by accident
    data.extend(rng.bytes(256 * 1024));
    let p = write(dir.path(), "junk.bin", &data);
    let ok = write(dir.path(), "ok.log", &iso_lines(5));
    let out = merge_jsonl(&[&p, &ok]);
    assert_input_error(&out);
    assert!(stderr(&out).contains(&format!("{p}:1:")), "{}", stderr(&out));
    let recs = jsonl(&out);
    assert_eq!(lines_of(&recs, &p), expected_lines(&data));
    assert_eq!(lines_of(&recs, &ok), expected_lines(&iso_lines(5)));
    // detect and normalize survive it too.
    assert_no_crash(&run(&["detect", "--no-progress", &p]));
    let n = run_stdin(&["normalize", "--output-format", "jsonl"], &data);
    assert_input_error(&n);
    assert_eq!(lines_of(&jsonl(&n), "-"), expected_lines(&data));
}

#[test]
fn nul_bytes_are_kept_and_escaped_in_json() {
    let dir = tmp();
    let data = b"2026-11-20T14:00:00Z a\x00b\n\x00\x00\n\x00 2026-11-20T14:00:01Z\n2026-11-20T14:00:02Z c\n";
    let p = write(dir.path(), "nul.log", data);
    let out = merge_jsonl(&[&p]);
    assert_no_crash(&out);
    let recs = jsonl(&out);
    assert_eq!(lines_of(&recs, &p), expected_lines(data));
    assert!(String::from_utf8_lossy(&out.stdout).contains("a\\u0000b"));
}

fn check_bad_utf8(name: &str, data: &[u8], bad_line: u64, extra: &[&str]) {
    let dir = tmp();
    let p = write(dir.path(), name, data);
    let mut args = extra.to_vec();
    args.push(&p);
    let out = merge_jsonl(&args);
    assert_input_error(&out);
    let err = stderr(&out);
    assert!(err.contains(&format!("{p}:{bad_line}:")), "error must name file:line: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    let recs = jsonl(&out);
    assert_eq!(lines_of(&recs, &p), expected_lines(data));
    assert!(recs.iter().all(|r| r["ts"].is_string()), "every line still parses: {recs:?}");
    let bad = recs.iter().find(|r| r["line"] == bad_line).unwrap();
    assert!(bad["msg"].as_str().unwrap().contains('\u{fffd}'), "{bad}");
    // Streamed through stdin: the same, named `-:line`.
    let s = run_stdin(&["normalize", "--output-format", "jsonl", "-q", "--year", "2026"], data);
    assert_input_error(&s);
    assert!(stderr(&s).contains(&format!("-:{bad_line}:")), "{}", stderr(&s));
    assert_eq!(lines_of(&jsonl(&s), "-"), expected_lines(data));
}

#[test]
fn invalid_utf8_in_json_lines_is_reported_with_file_and_line_and_emitted_as_fffd() {
    let data = b"{\"time\":\"2026-11-20T14:00:00Z\",\"msg\":\"ok\"}\n\
{\"time\":\"2026-11-20T14:00:01Z\",\"msg\":\"ok\"}\n\
{\"time\":\"2026-11-20T14:00:02Z\",\"msg\":\"bad \xff\xfe \xc3\"}\n\
{\"time\":\"2026-11-20T14:00:03Z\",\"msg\":\"after\"}\n";
    check_bad_utf8("bad.json", data, 3, &[]);
}

#[test]
fn invalid_utf8_in_syslog_lines_is_reported_with_file_and_line_and_emitted_as_fffd() {
    let data = b"Nov 20 14:00:00 web01 app[1]: ok\n\
Nov 20 14:00:01 web01 app[1]: bad \xc3\x28 \xed\xa0\x80 end\n\
Nov 20 14:00:02 web01 app[1]: after\n";
    check_bad_utf8("syslog", data, 2, &["--year", "2026"]);
}

// ---------------------------------------------------------------------------------------
// Odd shapes of files

#[test]
fn a_50_mb_line_goes_through_whole_with_its_neighbours() {
    let dir = tmp();
    let mut data = b"2026-11-20T14:00:00Z first\n2026-11-20T14:00:01Z ".to_vec();
    data.extend(std::iter::repeat_n(b'x', 50 << 20));
    data.extend_from_slice(b"\n2026-11-20T14:00:02Z last\n");
    let p = write(dir.path(), "huge.log", &data);
    let out = merge_jsonl(&[&p]);
    assert_no_crash(&out);
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[1]["msg"].as_str().unwrap().len(), 21 + (50 << 20));
    assert_eq!(recs[2]["msg"], "2026-11-20T14:00:02Z last");
    let s = run_stdin(&["normalize", "--output-format", "jsonl"], &data);
    assert_no_crash(&s);
    let recs = jsonl(&s);
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[1]["msg"].as_str().unwrap().len(), 21 + (50 << 20));
}

#[test]
fn a_file_without_a_final_newline_keeps_its_last_line() {
    let dir = tmp();
    let data = b"2026-11-20T14:00:00Z a\n  cont\n2026-11-20T14:00:01Z last without newline";
    let p = write(dir.path(), "nonl.log", data);
    for cmd in ["merge", "normalize"] {
        let out = run(&[cmd, "--output-format", "jsonl", &p]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(lines_of(&jsonl(&out), &p), expected_lines(data));
    }
    let s = run_stdin(&["normalize", "--output-format", "jsonl"], data);
    assert_eq!(lines_of(&jsonl(&s), "-"), expected_lines(data));
    // Text output ends the last record with a newline all the same.
    let t = run(&["merge", &p]);
    assert!(t.stdout.ends_with(b"last without newline\n"));
}

#[test]
fn an_empty_file_gives_no_records_and_no_error() {
    let dir = tmp();
    let p = write(dir.path(), "empty.log", b"");
    let ok = write(dir.path(), "ok.log", &iso_lines(3));
    let out = merge_jsonl(&[&p, &ok]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(jsonl(&out).len(), 3);
    let s = run_stdin(&["normalize", "--output-format", "jsonl"], b"");
    assert_eq!(s.status.code(), Some(0));
    assert!(s.stdout.is_empty());
    assert_no_crash(&run(&["detect", &p]));
}

#[test]
fn a_file_of_only_blank_lines_gives_one_empty_record_per_line() {
    let dir = tmp();
    let data = b"\n\n\n\n";
    let p = write(dir.path(), "blank.log", data);
    let out = merge_jsonl(&[&p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let recs = jsonl(&out);
    assert_eq!(lines_of(&recs, &p), vec![""; 4]);
    assert!(recs.iter().all(|r| r["ts"].is_null()));
    let s = run_stdin(&["normalize", "--output-format", "jsonl"], data);
    assert_eq!(lines_of(&jsonl(&s), "-"), vec![""; 4]);
}

#[test]
fn a_file_of_only_carriage_returns_keeps_its_lines() {
    let dir = tmp();
    // A lone CR (no LF after it) and CRs inside a line.
    for (name, data, want) in [
        ("cr.log", &b"\r"[..], 1usize),
        ("crs.log", b"\r\r\r", 1),
        ("mid.log", b"2026-11-20T14:00:00Z a\rb\r\n\r\n", 2),
    ] {
        let p = write(dir.path(), name, data);
        let out = merge_jsonl(&[&p]);
        assert_no_crash(&out);
        let recs = jsonl(&out);
        let lines = lines_of(&recs, &p);
        assert_eq!(lines.len(), want, "{name}: {lines:?}");
        if name == "mid.log" {
            assert_eq!(lines[0], "2026-11-20T14:00:00Z a\rb", "a CR inside a line is content");
        }
    }
}

#[test]
fn crlf_files_lose_only_their_line_ends() {
    let dir = tmp();
    let data = b"header line\r\n2026-11-20T14:00:00Z a\r\n    at X.y(X.java:1)\r\n\r\n2026-11-20T14:00:01Z b\r\n";
    let p = write(dir.path(), "crlf.log", data);
    let out = merge_jsonl(&[&p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let recs = jsonl(&out);
    assert_eq!(lines_of(&recs, &p), expected_lines(data));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("\\r"), "CR kept as content");
    let text = run(&["merge", "--no-progress", &p]);
    assert!(!text.stdout.contains(&b'\r'), "text output keeps a CR line end");
    let s = run_stdin(&["normalize", "--output-format", "jsonl"], data);
    assert_eq!(lines_of(&jsonl(&s), "-"), expected_lines(data));
}

// ---------------------------------------------------------------------------------------
// Compressed input

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Records of a truncated stream: a prefix of the original lines, the last maybe cut short.
fn check_prefix(recs: &[Value], source: &str, original: &[u8], at_least: usize) {
    let got = lines_of(recs, source);
    let want = expected_lines(original);
    assert!(got.len() >= at_least, "only {} lines kept of a stream cut in half", got.len());
    assert!(got.len() <= want.len());
    let n = got.len();
    assert_eq!(got[..n - 1], want[..n - 1], "kept lines differ from the original");
    assert!(want[n - 1].starts_with(&got[n - 1]), "last kept line is no prefix of the original");
}

#[test]
fn a_truncated_gzip_keeps_what_precedes_the_cut_and_says_so() {
    let dir = tmp();
    let data = iso_lines(50_000);
    let z = gzip(&data);
    let p = write(dir.path(), "app.log.gz", &z[..z.len() / 2]);
    let ok = write(dir.path(), "ok.log", &iso_lines(3));
    let out = merge_jsonl(&[&p, &ok]);
    assert_input_error(&out);
    let err = stderr(&out);
    assert!(err.contains(&p) && err.contains("truncated"), "{err}");
    let recs = jsonl(&out);
    check_prefix(&recs, &p, &data, 20_000);
    assert_eq!(lines_of(&recs, &ok).len(), 3);
    // The same through stdin, streamed and whole.
    for cmd in ["normalize", "merge"] {
        let s = run_stdin(&[cmd, "--output-format", "jsonl", "-q"], &z[..z.len() / 2]);
        assert_input_error(&s);
        assert!(stderr(&s).contains("-:") || stderr(&s).contains("-: "), "{}", stderr(&s));
        check_prefix(&jsonl(&s), "-", &data, 20_000);
    }
}

#[test]
fn a_truncated_zstd_keeps_what_precedes_the_cut_and_says_so() {
    let dir = tmp();
    let data = iso_lines(50_000);
    let z = zstd::encode_all(&data[..], 3).unwrap();
    let p = write(dir.path(), "app.log.zst", &z[..z.len() / 2]);
    let out = merge_jsonl(&[&p]);
    assert_input_error(&out);
    let err = stderr(&out);
    assert!(err.contains(&p) && err.contains("truncated"), "{err}");
    check_prefix(&jsonl(&out), &p, &data, 10_000);
    let s = run_stdin(&["normalize", "--output-format", "jsonl", "-q"], &z[..z.len() / 2]);
    assert_input_error(&s);
    check_prefix(&jsonl(&s), "-", &data, 10_000);
}

#[test]
fn a_tiny_truncated_gzip_or_zstd_is_an_error_not_a_crash() {
    let dir = tmp();
    let data = iso_lines(10);
    let g = gzip(&data);
    let z = zstd::encode_all(&data[..], 3).unwrap();
    for (name, bytes) in [
        ("a.gz", &g[..2]),
        ("b.gz", &g[..12]),
        ("c.gz", &g[..g.len() - 4]),
        ("a.zst", &z[..4]),
        ("b.zst", &z[..z.len() - 1]),
    ] {
        let p = write(dir.path(), name, bytes);
        let out = merge_jsonl(&[&p]);
        assert_no_crash(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(&p), "{name}: {}", stderr(&out));
        let recs = jsonl(&out);
        let got = lines_of(&recs, &p);
        let want = expected_lines(&data);
        assert!(got.len() <= want.len());
    }
}

#[test]
fn a_gzip_with_trailing_garbage_keeps_every_line_and_warns() {
    let dir = tmp();
    let data = iso_lines(2000);
    let mut z = gzip(&data);
    z.extend_from_slice(b"GARBAGE\x00\x01 trailing bytes");
    let p = write(dir.path(), "g.log.gz", &z);
    let out = merge_jsonl(&[&p]);
    assert_input_error(&out);
    assert!(stderr(&out).contains(&p), "{}", stderr(&out));
    assert_eq!(lines_of(&jsonl(&out), &p), expected_lines(&data));
}

#[test]
fn concatenated_gzip_members_are_all_read() {
    let dir = tmp();
    let a = iso_lines(100);
    let mut z = gzip(&a);
    z.extend(gzip(&a));
    let p = write(dir.path(), "two.gz", &z);
    let out = merge_jsonl(&[&p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(jsonl(&out).len(), 200);
}

// ---------------------------------------------------------------------------------------
// Paths that are not plain readable files

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn an_unreadable_file_in_a_directory_is_named_and_the_rest_goes_through() {
    let dir = tmp();
    let logs = dir.path().join("logs");
    let ok = write(&logs, "web01/app.log", &iso_lines(4));
    let bad = logs.join("web01/secret.log");
    if is_root() {
        // chmod 000 does not stop root: a dangling symlink is unreadable for everyone.
        std::os::unix::fs::symlink(dir.path().join("gone.log"), &bad).unwrap();
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(&bad, iso_lines(2)).unwrap();
        std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let out = merge_jsonl(&[logs.to_str().unwrap()]);
    assert_input_error(&out);
    assert!(stderr(&out).contains(bad.to_str().unwrap()), "{}", stderr(&out));
    let recs = jsonl(&out);
    assert_eq!(lines_of(&recs, &ok), expected_lines(&iso_lines(4)));
    assert_eq!(recs.len(), 4);
}

#[test]
fn a_missing_path_is_named_and_the_rest_goes_through() {
    let dir = tmp();
    let ok = write(dir.path(), "ok.log", &iso_lines(4));
    let missing = dir.path().join("nope.log");
    let out = merge_jsonl(&[missing.to_str().unwrap(), &ok]);
    assert_input_error(&out);
    assert!(stderr(&out).contains(missing.to_str().unwrap()), "{}", stderr(&out));
    assert_eq!(jsonl(&out).len(), 4);
}

#[test]
fn a_fifo_given_as_a_path_is_read_to_its_end() {
    let dir = tmp();
    let fifo = dir.path().join("pipe.log");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let data = iso_lines(3000);
    let writer = {
        let (fifo, data) = (fifo.clone(), data.clone());
        std::thread::spawn(move || {
            // Blocks until deskew opens the FIFO for reading.
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            for chunk in data.chunks(4096) {
                f.write_all(chunk).unwrap();
                std::thread::sleep(Duration::from_micros(200));
            }
        })
    };
    let p = fifo.to_str().unwrap();
    let out = merge_jsonl(&[p]);
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lines_of(&jsonl(&out), p), expected_lines(&data));
}

#[test]
fn stdin_as_dash_is_a_source_beside_files() {
    let dir = tmp();
    let file = write(dir.path(), "web02.log", b"2026-11-20T14:00:01Z from file\n");
    let data = b"2026-11-20T14:00:00Z from stdin\n2026-11-20T14:00:02Z again stdin\n";
    let out = run_stdin(&["merge", "--output-format", "jsonl", "-", &file], data);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let recs = jsonl(&out);
    let src: Vec<&str> = recs.iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert_eq!(src, ["-", file.as_str(), "-"]);
    assert_eq!(lines_of(&recs, "-"), expected_lines(data));
    // Without PATH and with stdin not a terminal: stdin.
    let out = run_stdin(&["merge", "--output-format", "jsonl"], data);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lines_of(&jsonl(&out), "-"), expected_lines(data));
}

/// What went wrong in one run of [`shrink_runs`].
#[derive(Debug, Clone, PartialEq)]
enum Shrink {
    /// Killed by a signal, or panicked.
    Crash(String),
    /// Exit status other than 0, or 1 with a message naming the file.
    Status(String),
    /// A record that is not a line of the file (zeros read from a page that went away).
    Garbage(String),
    /// Fewer records than the lines the file still holds.
    Lost(String),
}

/// A 200 MB file cut to `KEEP` whole lines while `merge` / `normalize` reads it, at moments
/// spread over a whole run (calibrated by one uncut run): scanning, ordering, writing. Output
/// goes to a file (`-o`), read back line by line. Run once per test process.
fn shrink_runs() -> &'static [Shrink] {
    static RUNS: std::sync::OnceLock<Vec<Shrink>> = std::sync::OnceLock::new();
    RUNS.get_or_init(|| {
        let mut found = Vec::new();
        for cmd in ["merge", "normalize"] {
            found.extend(shrink_while_read(cmd));
        }
        found
    })
}

fn shrink_while_read(cmd: &str) -> Vec<Shrink> {
    use std::io::BufRead;
    const KEEP: usize = 50;
    const LINE: &[u8] =
        b"2026-11-20T14:00:00Z web01 app: filler text for the shrinking file test 0123456789\n";
    let dir = tmp();
    let big = LINE.repeat((200 << 20) / LINE.len());
    let path = dir.path().join("shrink.log");
    let p = path.to_str().unwrap().to_string();
    let out_path = dir.path().join("out.jsonl");
    let command = || {
        let mut c = bin();
        c.args([cmd, "--output-format", "jsonl", "--no-progress", "-q", "-o"]);
        c.arg(&out_path).arg(&p);
        c
    };
    std::fs::write(&path, &big).unwrap();
    let start = Instant::now();
    let whole = run_cmd(command(), None, Duration::from_secs(300));
    let full = start.elapsed();
    assert_eq!(whole.status.code(), Some(0), "uncut run: {}", stderr(&whole));
    let mut found = Vec::new();
    for tenth in [0u32, 1, 2, 3, 4, 5, 6, 7, 8, 9] {
        let delay = full * tenth / 10;
        std::fs::write(&path, &big).unwrap();
        let truncator = {
            let path = path.clone();
            std::thread::spawn(move || {
                std::thread::sleep(delay);
                let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                f.set_len((KEEP * LINE.len()) as u64).unwrap();
            })
        };
        let out = run_cmd(command(), None, Duration::from_secs(300));
        truncator.join().unwrap();
        let err = stderr(&out);
        let at = format!("{cmd}, cut after {delay:?} of {full:?}: {:?}", out.status);
        if out.status.signal().is_some() || err.contains("panicked") {
            let why: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).take(2).collect();
            found.push(Shrink::Crash(format!("{at}: {}", why.join(" "))));
            continue;
        }
        match out.status.code() {
            Some(0) => {}
            Some(1) if err.contains(&p) => {}
            _ => found
                .push(Shrink::Status(format!("{at}: want exit 0, or 1 naming the file: {err}"))),
        }
        let mut n = 0;
        for l in std::io::BufReader::new(std::fs::File::open(&out_path).unwrap()).lines() {
            let l = l.expect("output is UTF-8");
            let v: Value = match serde_json::from_str(&l) {
                Ok(v) => v,
                Err(e) => {
                    found.push(Shrink::Garbage(format!("{at}: not JSON: {e}: {l:.200}")));
                    break;
                }
            };
            if v["msg"].as_str().unwrap().as_bytes() != &LINE[..LINE.len() - 1] {
                found.push(Shrink::Garbage(format!(
                    "{at}: line {} came out as {:.60} (stderr: {:?})",
                    v["line"],
                    v["msg"],
                    err.trim()
                )));
                break;
            }
            n += 1;
        }
        if n < KEEP {
            found.push(Shrink::Lost(format!(
                "{at}: {n} records, the file still holds {KEEP} lines"
            )));
        }
    }
    found
}

fn shrink_report(pick: fn(&Shrink) -> bool) -> String {
    shrink_runs()
        .iter()
        .filter(|s| pick(s))
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The file cut at ten moments of a run: deskew always ends by itself (no SIGBUS, no
/// panic), with exit 0, or 1 and a message naming the file, and keeps the lines still there.
#[test]
fn a_file_that_shrinks_while_read_never_crashes_and_is_named() {
    let bad =
        shrink_report(|s| matches!(s, Shrink::Crash(_) | Shrink::Status(_) | Shrink::Lost(_)));
    assert!(bad.is_empty(), "{bad}");
}

/// Cut while the output is written: the records past the cut must not come out as the zeros
/// the SIGBUS handler maps in (they are gone: drop them and say so, exit 1).
#[test]
fn a_file_that_shrinks_while_output_is_written_emits_no_zeros() {
    let bad = shrink_report(|s| matches!(s, Shrink::Garbage(_)));
    assert!(bad.is_empty(), "{bad}");
}

// ---------------------------------------------------------------------------------------
// Options: usage errors

#[test]
fn bad_since_and_until_are_usage_errors() {
    let dir = tmp();
    let ok = write(dir.path(), "ok.log", &iso_lines(3));
    for (opt, v) in [
        // `yesterday` and a bare date are times since `view` (tests/view.rs); these are not.
        ("--since", "yesterdy"),
        ("--since", ""),
        ("--since", "2026-13-01T00:00:00Z"),
        ("--since", "2026-11-20T25:00:00Z"),
        ("--until", "2026-11-32"),
        ("--until", "99999-01-01T00:00:00Z"),
        ("--until", "2026-11-20T14:00:00+25:00"),
        ("--until", "\u{fffd}"),
    ] {
        let out = run(&["merge", opt, v, &ok]);
        assert_usage_error(&out);
        assert!(stderr(&out).contains(opt), "{opt} {v:?}: {}", stderr(&out));
    }
}

const BAD_SKEWS: [&str; 9] = [
    "web01=fast",
    "web01",
    "=+2s",
    "web01=",
    "web01=+2.5x",
    "web01=NaNs",
    "web01=infs",
    "web01=+99999999999999999999s",
    "web01=--1s",
];

#[test]
fn bad_skew_values_are_rejected_with_a_message_naming_them() {
    let dir = tmp();
    let ok = write(dir.path(), "web01.log", &iso_lines(3));
    for v in BAD_SKEWS {
        let out = run(&["merge", "--skew", v, &ok]);
        assert_no_crash(&out);
        assert_ne!(out.status.code(), Some(0), "--skew {v:?} accepted");
        assert!(stderr(&out).contains("--skew"), "--skew {v:?}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
        assert!(out.stdout.is_empty(), "--skew {v:?}: records written despite a bad option");
    }
}

#[test]
fn bad_skew_values_are_usage_errors_exit_2() {
    let dir = tmp();
    let ok = write(dir.path(), "web01.log", &iso_lines(3));
    for v in BAD_SKEWS {
        assert_usage_error(&run(&["merge", "--skew", v, &ok]));
        assert_usage_error(&run(&["normalize", "--skew", v, &ok]));
    }
}

#[test]
fn an_unknown_input_format_is_rejected_naming_it() {
    let dir = tmp();
    let ok = write(dir.path(), "ok.log", &iso_lines(3));
    let out = run(&["merge", "--input-format", "nosuch", &ok]);
    assert_no_crash(&out);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("nosuch"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn an_unknown_input_format_is_a_usage_error_exit_2() {
    let dir = tmp();
    let ok = write(dir.path(), "ok.log", &iso_lines(3));
    for cmd in ["merge", "normalize", "detect"] {
        assert_usage_error(&run(&[cmd, "--input-format", "nosuch", &ok]));
    }
}

// ---------------------------------------------------------------------------------------
// Offset histories

/// A log of host web01 (by file name) at 2026-11-20T14:00:00Z and :01Z.
fn web01_log(dir: &Path) -> String {
    write(dir, "web01.log", b"2026-11-20T14:00:00Z hello\n2026-11-20T14:00:01Z world\n")
}

const SAMPLE_A: &str = r#"{"time":"2026-11-20T13:58:00Z","host":"web01","server":"s:123","offset":2.5,"delay":0.0004}"#;
const SAMPLE_B: &str = r#"{"time":"2026-11-20T14:02:00Z","host":"web01","server":"s:123","offset":2.5,"delay":0.0004}"#;

#[test]
fn a_torn_history_line_is_skipped_with_a_warning_naming_path_and_line() {
    let dir = tmp();
    let log = web01_log(dir.path());
    let h = write(
        dir.path(),
        "hist/web01.jsonl",
        format!("{SAMPLE_A}\n{{\"time\":\"2026-11-20T14:00:00Z\",\"host\":\"web01\",\"off\n{SAMPLE_B}\n{{\"time\":").as_bytes(),
    );
    let out = merge_jsonl(&["--offsets", &h, &log]);
    assert_input_error(&out);
    let err = stderr(&out);
    assert!(err.contains(&format!("{h}:2:")), "{err}");
    assert!(err.contains(&format!("{h}:4:")), "a torn last line is reported too: {err}");
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 2);
    // The good samples still correct the host.
    assert!(recs.iter().all(|r| r["offset"] == 2.5), "{recs:?}");
}

#[test]
fn garbage_or_empty_history_files_are_named_and_records_still_come_out() {
    let dir = tmp();
    let log = web01_log(dir.path());
    let mut rng = Rng(99);
    for (name, data) in [
        ("garbage.jsonl", rng.bytes(5000)),
        ("empty.jsonl", Vec::new()),
        ("blank.jsonl", b"\n\n\n".to_vec()),
        ("text.jsonl", b"hello world\nnot a history\n".to_vec()),
        ("deep.jsonl", [vec![b'['; 100_000], b"\n".to_vec()].concat()),
    ] {
        let h = write(dir.path(), name, &data);
        let out = merge_jsonl(&["--offsets", &format!("web01={h}"), &log]);
        assert_input_error(&out);
        assert!(stderr(&out).contains(&h), "{name}: {}", stderr(&out));
        let recs = jsonl(&out);
        assert_eq!(recs.len(), 2, "{name}");
        assert!(recs.iter().all(|r| r["offset"] == 0), "{name}: {recs:?}");
    }
}

fn tracking_log() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/ntp/client-of-server-2.5s-ahead/tracking.log"),
    )
    .unwrap()
}

#[test]
fn a_chrony_tracking_log_with_corrupted_rows_warns_per_row_and_still_corrects() {
    let dir = tmp();
    let log =
        write(dir.path(), "web01.log", b"2026-11-23T18:50:00Z hello\n2026-11-23T18:50:01Z world\n");
    let mut rows: Vec<String> = tracking_log().lines().map(String::from).collect();
    // Line 8: a number that is not one; line 10: torn mid-row; the last line: torn.
    rows[7] = "2026-11-23 18:49:00 127.0.0.1       11      0.000 1000000.000 NOTANUMBER N  1  3.320e-06 -0.000e+00  4.365e-05  2.096e+00  1.500e+00".into();
    rows[9] = "2026-11-23 18:49:10 127.0.0.1       11      0.0".into();
    rows.push("2026-11-23 18:56:40 127.0.0.1  ".into());
    let n = rows.len();
    let h = write(dir.path(), "offsets/web01/tracking.log", (rows.join("\n") + "\n").as_bytes());
    let out = merge_jsonl(&["--offsets", dir.path().join("offsets").to_str().unwrap(), &log]);
    assert_input_error(&out);
    let err = stderr(&out);
    for line in [8, 10, n] {
        assert!(err.contains(&format!("{h}:{line}:")), "row {line} not reported: {err}");
    }
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 2);
    for r in &recs {
        let off = r["offset"].as_f64().unwrap();
        assert!((off - 2.5).abs() < 0.001, "still corrected by the good rows: {r}");
    }
    // `deskew offsets` on it: the same warnings, a model, exit 1.
    let o = run(&["offsets", &h]);
    assert_input_error(&o);
    assert!(stderr(&o).contains(&format!("{h}:8:")), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("web01"));
}

#[test]
fn a_chrony_row_with_a_garbled_time_is_reported() {
    let dir = tmp();
    let log = web01_log(dir.path());
    let mut rows: Vec<String> = tracking_log().lines().map(String::from).collect();
    rows[6] = "2026-11-23 18:4X:0 127.0.0.1  11  garbage row here".into();
    let h = write(dir.path(), "tracking.log", (rows.join("\n") + "\n").as_bytes());
    let out = merge_jsonl(&["--offsets", &format!("web01={h}"), &log]);
    assert_input_error(&out);
    assert!(stderr(&out).contains(&format!("{h}:7:")), "{}", stderr(&out));
}

#[test]
fn offsets_at_a_missing_path_is_named_and_records_still_come_out() {
    let dir = tmp();
    let log = web01_log(dir.path());
    let missing = dir.path().join("no/such/offsets");
    let m = missing.to_str().unwrap();
    for cmd in ["merge", "normalize"] {
        let out = run(&[cmd, "--output-format", "jsonl", "--offsets", m, &log]);
        assert_no_crash(&out);
        assert_ne!(out.status.code(), Some(0));
        assert!(stderr(&out).contains(m), "{}", stderr(&out));
        if out.status.code() == Some(1) {
            assert_eq!(jsonl(&out).len(), 2, "{cmd}: records still come out");
        }
    }
}

#[test]
fn the_offsets_command_on_garbage_names_each_file_and_exits_1() {
    let dir = tmp();
    let mut rng = Rng(7);
    let g = write(dir.path(), "g.bin", &rng.bytes(100_000));
    let e = write(dir.path(), "e.jsonl", b"");
    let t = write(dir.path(), "t.jsonl", b"{\"time\":\"2026-11-20T1");
    let missing = dir.path().join("missing.jsonl");
    let out = run(&["offsets", &g, &e, &t, missing.to_str().unwrap()]);
    assert_input_error(&out);
    let err = stderr(&out);
    for p in [&g, &e, &t] {
        assert!(err.contains(p.as_str()), "{p} not named: {err}");
    }
    assert!(err.contains(missing.to_str().unwrap()), "{err}");
    let svg = dir.path().join("o.svg");
    let out = run(&["offsets", &g, "--svg", svg.to_str().unwrap()]);
    assert_no_crash(&out);
}

// ---------------------------------------------------------------------------------------
// Pathological lines

#[test]
fn deeply_nested_json_lines_do_not_crash_and_later_lines_still_parse() {
    let dir = tmp();
    let open = "[".repeat(100_000);
    let close = "]".repeat(100_000);
    let data = format!(
        "{{\"time\":\"2026-11-20T14:00:00Z\",\"a\":{open}\n\
{{\"a\":{open}{close},\"time\":\"2026-11-20T14:00:01Z\"}}\n\
{open}\n\
{{\"time\":\"2026-11-20T14:00:02Z\",\"msg\":\"after\"}}\n"
    );
    let p = write(dir.path(), "deep.json", data.as_bytes());
    let out = merge_jsonl(&[&p]);
    assert_no_crash(&out);
    let recs = jsonl(&out);
    assert_eq!(lines_of(&recs, &p), expected_lines(data.as_bytes()));
    let last = recs.iter().find(|r| r["line"] == 4).expect("line 4 is a record");
    assert_eq!(last["ts"], "2026-11-20T14:00:02.000000000Z");
    let s = run_stdin(&["normalize", "--output-format", "jsonl"], data.as_bytes());
    assert_no_crash(&s);
    assert_eq!(lines_of(&jsonl(&s), "-"), expected_lines(data.as_bytes()));
    assert_no_crash(&run(&["detect", &p]));
    assert_no_crash(&run(&["merge", "--input-format", "json", &p]));
}

#[test]
fn a_line_of_a_million_spaces_is_kept() {
    let dir = tmp();
    let spaces = " ".repeat(1_000_000);
    let data = format!("2026-11-20T14:00:00Z a\n{spaces}\n2026-11-20T14:00:01Z b\n{spaces}x\n{spaces}2026-11-20T14:00:02Z c\n");
    let p = write(dir.path(), "spaces.log", data.as_bytes());
    let out = merge_jsonl(&[&p]);
    assert_no_crash(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lines_of(&jsonl(&out), &p), expected_lines(data.as_bytes()));
    let s = run_stdin(&["normalize", "--output-format", "jsonl"], data.as_bytes());
    assert_eq!(lines_of(&jsonl(&s), "-"), expected_lines(data.as_bytes()));
}

/// 100k syslog lines, one second apart, from Dec 31 10:00:00 into Jan 1, no year.
fn syslog_across_new_year() -> Vec<u8> {
    let mut s = String::with_capacity(100_000 * 40);
    let start =
        chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap().and_hms_opt(10, 0, 0).unwrap();
    for i in 0..100_000 {
        let t = start + chrono::Duration::seconds(i);
        s.push_str(&format!("{} web0{} app[7]: line {i}\n", t.format("%b %e %H:%M:%S"), i % 3));
    }
    s.into_bytes()
}

fn check_new_year(recs: &[Value]) {
    assert_eq!(recs.len(), 100_000);
    let start = chrono::DateTime::parse_from_rfc3339("2025-12-31T10:00:00Z").unwrap();
    for (i, r) in recs.iter().enumerate() {
        let want = (start + chrono::Duration::seconds(i as i64))
            .format("%Y-%m-%dT%H:%M:%S.000000000Z")
            .to_string();
        assert_eq!(r["ts"], want.as_str(), "line {}", i + 1);
        assert_eq!(r["line"], i as u64 + 1);
    }
}

#[test]
fn a_100k_line_syslog_without_year_rolls_over_from_december_to_january() {
    let dir = tmp();
    let data = syslog_across_new_year();
    let p = write(dir.path(), "syslog", &data);
    let out = merge_jsonl(&["--year", "2025", "--tz", "UTC", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    check_new_year(&jsonl(&out));
    // Without --year: inferred from the file's modification time (March 2026).
    let f = std::fs::File::options().write(true).open(&p).unwrap();
    let march = std::time::UNIX_EPOCH + Duration::from_secs(1_772_323_200); // 2026-03-01
    f.set_modified(march).unwrap();
    drop(f);
    let out = merge_jsonl(&["--tz", "UTC", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    check_new_year(&jsonl(&out));
    // Streamed: the same with --year.
    let s = run_stdin(
        &["normalize", "--output-format", "jsonl", "--year", "2025", "--tz", "UTC"],
        &data,
    );
    assert_eq!(s.status.code(), Some(0), "{}", stderr(&s));
    check_new_year(&jsonl(&s));
}

// ---------------------------------------------------------------------------------------
// Output side

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let dir = tmp();
    let p = write(dir.path(), "many.log", &iso_lines(200_000));
    let mut c = bin();
    c.args(["merge", "--no-progress", &p]).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    {
        let mut so = child.stdout.take().unwrap();
        let mut buf = [0u8; 100];
        std::io::Read::read_exact(&mut so, &mut buf).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_no_crash(&out);
}

#[test]
fn an_unwritable_output_file_is_an_error_naming_it() {
    let dir = tmp();
    let p = write(dir.path(), "ok.log", &iso_lines(3));
    let target = dir.path().join("no/such/dir/out.jsonl");
    let out = run(&["merge", "-o", target.to_str().unwrap(), &p]);
    assert_no_crash(&out);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains(target.to_str().unwrap()), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------
// Issue 6: text output bytes, absurd dates, symlink loops, many files, a growing file

/// Text output writes each line's bytes as they stood: invalid UTF-8 and NUL are not replaced
/// (only JSON shows U+FFFD), for a mapped file, `normalize` of a file and streamed stdin.
#[test]
fn invalid_utf8_and_nul_come_out_byte_exact_in_text_output() {
    let dir = tmp();
    let line2: &[u8] = b"Nov 20 14:00:01 web01 app[1]: bad \xc3\x28 \xed\xa0\x80 \xff end\x00nul";
    let cont: &[u8] = b"  continuation \xfe\xc3 with \x00 bytes";
    let data = [
        &b"Nov 20 14:00:00 web01 app[1]: ok\n"[..],
        line2,
        b"\n",
        cont,
        b"\nNov 20 14:00:02 web01 app[1]: after\n",
    ]
    .concat();
    let p = write(dir.path(), "syslog", &data);
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    let outs = [
        ("merge", run(&["merge", "--no-progress", "--year", "2026", &p])),
        ("normalize", run(&["normalize", "--year", "2026", &p])),
        ("stdin", run_stdin(&["normalize", "--year", "2026"], &data)),
    ];
    for (what, out) in outs {
        assert_input_error(&out);
        assert!(stderr(&out).contains(":2:"), "{what}: the bad line is named: {}", stderr(&out));
        // `<ts> <host> <first line>`, then the continuation line as it was.
        let mut want = b"2026-11-20T14:00:01.000000000Z web01 ".to_vec();
        want.extend_from_slice(line2);
        want.push(b'\n');
        want.extend_from_slice(cont);
        want.push(b'\n');
        assert!(contains(&out.stdout, &want), "{what}: {:?}", String::from_utf8_lossy(&out.stdout));
        assert_eq!(out.stdout.split(|&b| b == b'\n').count(), 5, "{what}: 4 lines and the end");
    }
}

/// Stamps that name no instant, or one out of range, are never read as a time: each such line
/// is still emitted exactly once (a continuation of the record before it, or a record without
/// a time, with a message naming path and line), and the good stamps around them still parse.
#[test]
fn absurd_dates_are_kept_as_lines_and_never_taken_for_times() {
    let dir = tmp();
    let absurd = [
        "0000-01-01T00:00:00Z year zero",
        "9999-12-31T23:59:59Z year 9999",
        "2026-02-30T10:00:00Z february 30",
        "2026-11-20T25:61:61Z hour 25 minute 61",
        "2026-11-20T14:00:00+99:99 offset +99:99",
        "99999999999999999999999 epoch that overflows",
        "-9223372036854775809 epoch below i64",
        "2025-02-29T10:00:00Z leap day in a common year",
        "{\"time\":99999999999999999999999,\"msg\":\"json epoch overflow\"}",
        "{\"time\":1e300,\"msg\":\"json float epoch\"}",
        "{\"time\":\"0000-00-00T00:00:00Z\"}",
    ];
    let mut text = String::from("2026-11-20T14:00:00Z first good line\n");
    for a in absurd {
        text.push_str(a);
        text.push('\n');
    }
    text.push_str("2026-11-20T14:00:01Z last good line\n");
    let p = write(dir.path(), "absurd.log", text.as_bytes());
    let check = |out: &Output, source: &str| {
        assert_no_crash(out);
        let code = out.status.code();
        assert!(code == Some(0) || code == Some(1), "{}", stderr(out));
        for l in stderr(out).lines() {
            assert!(l.starts_with(&format!("deskew: {source}:")), "unnamed message: {l}");
        }
        let recs = jsonl(out);
        assert_eq!(lines_of(&recs, source), expected_lines(text.as_bytes()));
        for r in &recs {
            let msg = r["msg"].as_str().unwrap();
            let first = msg.split('\n').next().unwrap();
            if absurd.contains(&first) {
                // Not even `+99:99` read as local time without its offset.
                assert!(r["ts"].is_null(), "absurd stamp read as a time: {r}");
            }
            // A record without a time is fine (a JSON line whose time no layout reads is one).
            if let Some(ts) = r["ts"].as_str() {
                assert!(ts.starts_with("2026-11-20T14:00:0"), "a time out of nowhere: {r}");
            }
        }
        let good: Vec<&Value> = recs.iter().filter(|r| r["ts"].is_string()).collect();
        assert!(good.iter().any(|r| r["ts"] == "2026-11-20T14:00:00.000000000Z"));
        assert!(good.iter().any(|r| r["ts"] == "2026-11-20T14:00:01.000000000Z"));
    };
    // -q: the messages about the input (errors) only, not the summary of hosts.
    check(&merge_jsonl(&["--tz", "UTC", &p]), &p);
    check(&run(&["normalize", "-q", "--output-format", "jsonl", "--tz", "UTC", &p]), &p);
    let s =
        run_stdin(&["normalize", "-q", "--output-format", "jsonl", "--tz", "UTC"], text.as_bytes());
    check(&s, "-");
}

/// A syslog stamp without a year on Feb 29, in a year that has none: kept without a time,
/// named by path and line, exit 1.
#[test]
fn a_yearless_leap_day_in_a_common_year_is_kept_and_named() {
    let dir = tmp();
    let data = b"Feb 28 10:00:00 web01 a: before\nFeb 29 10:00:00 web01 a: no such day\nMar  1 10:00:00 web01 a: after\n";
    let p = write(dir.path(), "syslog", data);
    let out = merge_jsonl(&["--year", "2025", "--tz", "UTC", &p]);
    assert_input_error(&out);
    assert!(stderr(&out).contains(&format!("{p}:2:")), "{}", stderr(&out));
    let recs = jsonl(&out);
    assert_eq!(lines_of(&recs, &p), expected_lines(data));
    let ts: Vec<&Value> = recs.iter().map(|r| &r["ts"]).collect();
    assert!(ts.contains(&&Value::from("2025-02-28T10:00:00.000000000Z")), "{ts:?}");
    assert!(ts.contains(&&Value::from("2025-03-01T10:00:00.000000000Z")), "{ts:?}");
    assert!(!ts.iter().any(|t| t.as_str().is_some_and(|t| t.starts_with("2025-02-29"))));
}

/// A directory symlink pointing back at an ancestor: the walk ends, each file is read once
/// (not once per way round the loop); a link that points at itself is named.
#[test]
fn a_directory_symlink_loop_ends_and_reads_each_file_once() {
    let dir = tmp();
    let logs = dir.path().join("logs");
    let a = write(&logs, "web01/app.log", &iso_lines(3));
    let b = write(&logs, "web01/sub/deeper.log", &iso_lines(2));
    std::os::unix::fs::symlink(&logs, logs.join("web01/sub/back-to-top")).unwrap();
    std::os::unix::fs::symlink("..", logs.join("web01/up")).unwrap();
    let out = merge_jsonl(&[logs.to_str().unwrap()]);
    assert_no_crash(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 5, "each file once: {recs:?}");
    assert_eq!(lines_of(&recs, &a), expected_lines(&iso_lines(3)));
    assert_eq!(lines_of(&recs, &b), expected_lines(&iso_lines(2)));
    // Named directly, the loop link itself is a directory PATH; still finite.
    let looped = logs.join("web01/up");
    let out = merge_jsonl(&[looped.to_str().unwrap()]);
    assert_no_crash(&out);
    assert_eq!(jsonl(&out).len(), 5, "{}", stderr(&out));
    // A link to itself cannot be read: named, exit 1, the rest still read.
    let selfish = logs.join("web01/self.log");
    std::os::unix::fs::symlink(&selfish, &selfish).unwrap();
    let out = merge_jsonl(&[logs.to_str().unwrap()]);
    assert_input_error(&out);
    assert!(stderr(&out).contains(selfish.to_str().unwrap()), "{}", stderr(&out));
    assert_eq!(jsonl(&out).len(), 5);
}

/// 3000 files named at once, under a limit of 128 open files: mappings must not hold a
/// descriptor each until the end (they did: every file past the limit was lost).
#[test]
fn thousands_of_small_files_under_a_low_fd_limit_all_come_out() {
    let dir = tmp();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let n = 3000;
    for i in 0..n {
        let t = chrono::DateTime::from_timestamp(1_795_183_200 + i as i64, 0).unwrap();
        let line = format!("{} file {i}\n", t.format("%Y-%m-%dT%H:%M:%SZ"));
        std::fs::write(logs.join(format!("f{i:04}.log")), line).unwrap();
    }
    // One compressed file among them, decompressed through its own descriptor.
    std::fs::write(logs.join("z.log.gz"), gzip(b"2026-11-20T13:00:00Z gz\n")).unwrap();
    for cmd in ["merge", "normalize"] {
        let mut c = Command::new("sh");
        c.env_remove("TZ").args([
            "-c",
            "ulimit -n 128 && exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_deskew"),
            cmd,
            "--output-format",
            "jsonl",
            "--no-progress",
            logs.to_str().unwrap(),
        ]);
        let out = run_cmd(c, None, Duration::from_secs(120));
        assert_no_crash(&out);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{cmd}: {} error lines, first: {:.200}",
            err.lines().count(),
            err
        );
        let recs = jsonl(&out);
        assert_eq!(recs.len(), n + 1, "{cmd}");
        let sources: std::collections::HashSet<&str> =
            recs.iter().map(|r| r["source"].as_str().unwrap()).collect();
        assert_eq!(sources.len(), n + 1, "{cmd}: each file once");
    }
}

/// A file appended to while it is read: no crash, exit 0, and what comes out is the file's
/// lines from line 1 on, each whole (lines written after the file was opened may be left out;
/// one being written at that moment may come out cut short).
#[test]
fn a_file_that_grows_while_read_never_crashes_and_keeps_its_lines() {
    let dir = tmp();
    let p = write(dir.path(), "grow.log", &iso_lines(200_000));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let appender = {
        let (p, stop) = (p.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                // Half a line, then the rest: a reader may catch it torn.
                f.write_all(format!("2026-11-20T15:00:00Z grown line {i} ").as_bytes()).unwrap();
                f.write_all(b"with its end\n").unwrap();
                i += 1;
                if i & 63 == 0 {
                    std::thread::sleep(Duration::from_micros(100));
                }
            }
        })
    };
    let outs: Vec<(&str, Output)> = ["merge", "normalize"]
        .into_iter()
        .map(|cmd| (cmd, run(&[cmd, "--output-format", "jsonl", "--no-progress", &p])))
        .collect();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    appender.join().unwrap();
    let whole = std::fs::read(&p).unwrap();
    let want = expected_lines(&whole);
    for (cmd, out) in outs {
        assert_no_crash(&out);
        assert_eq!(out.status.code(), Some(0), "{cmd}: {}", stderr(&out));
        let got = lines_of(&jsonl(&out), &p);
        assert!(got.len() >= 200_000, "{cmd}: only {} lines", got.len());
        let n = got.len();
        assert_eq!(got[..n - 1], want[..n - 1], "{cmd}: lines differ from the file");
        assert!(want[n - 1].starts_with(&got[n - 1]), "{cmd}: last line is no prefix");
    }
}
