//! Bounded whatever comes (issue 21): inputs never destroyed by the output, impossible
//! option values refused, files cut while read reported, closed pipes quiet, names with
//! control characters kept to one line, and many small files in memory and time that do not
//! grow with their number. Large inputs are streamed; peak RSS is read from /proc.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Output, Stdio};

use crate::util::bin;

fn run(args: &[&str], dir: &Path) -> Output {
    bin().args(args).current_dir(dir).stdin(Stdio::null()).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write_lines(path: &Path, host: &str, n: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        let (m, s) = (i / 60 % 60, i % 60);
        writeln!(f, "2026-01-01T00:{m:02}:{s:02}Z {host} line {i} of a log that is long enough")
            .unwrap();
    }
    f.flush().unwrap();
}

#[test]
fn output_that_is_an_input_file_is_refused_before_it_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_lines(&d.join("a.log"), "a", 3);
    write_lines(&d.join("b.log"), "b", 3);
    let before = std::fs::read(d.join("b.log")).unwrap();
    let o = run(&["merge", "-q", "a.log", "b.log", "-o", "b.log"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("-o b.log: that is the input b.log"), "{}", stderr(&o));
    assert_eq!(std::fs::read(d.join("b.log")).unwrap(), before, "b.log was changed");
    // The same file under another name (a hard link, a ./ path) is the same input.
    std::fs::hard_link(d.join("b.log"), d.join("link.log")).unwrap();
    let o = run(&["normalize", "-q", "a.log", "./b.log", "-o", "link.log"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read(d.join("b.log")).unwrap(), before, "b.log was changed");
    // An offset history is an input too.
    std::fs::write(d.join("a.jsonl"), "").unwrap();
    let o = run(&["merge", "-q", "a.log", "--offsets", "a=a.jsonl", "-o", "a.jsonl"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // An output elsewhere is fine.
    let o = run(&["merge", "-q", "a.log", "b.log", "-o", "out.log"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(d.join("out.log")).unwrap().lines().count(), 6);
}

#[test]
fn output_inside_an_input_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("logs/web01")).unwrap();
    write_lines(&d.join("logs/web01/app.log"), "web01", 3);
    for cmd in ["normalize", "merge", "detect"] {
        for out in ["logs/out.log", "logs/web01/../new.log", "logs/web01/x.log"] {
            let o = run(&[cmd, "-q", "logs", "-o", out], d);
            assert_eq!(o.status.code(), Some(2), "{cmd} -o {out}: {}", stderr(&o));
            assert!(stderr(&o).contains("inside the input directory logs"), "{}", stderr(&o));
            assert!(!d.join(out).exists(), "{cmd} created {out}");
        }
    }
    let o = run(&["normalize", "-q", "logs", "-o", "out.log"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn threads_far_past_the_cores_are_capped_with_a_note_and_zero_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_lines(&d.join("a.log"), "a", 10);
    // Not -q: that keeps errors only (issue 18), and this is a note.
    let o = run(&["merge", "--threads", "20000", "a.log"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("--threads 20000: using"), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 10);
    let o = run(&["merge", "-q", "--threads", "0", "a.log"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let o = run(&["merge", "-q", "--threads", "-3", "a.log"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// Runs `deskew args` on `file` (a log of `lines` lines), reads one line of its output, cuts
/// the file to half while deskew is still reading it (its output is not drained, so it
/// cannot be far ahead), then drains it. Returns (lines out, stderr, exit code).
fn cut_while_read(cmd: &str, extra: &[&str]) -> (usize, String, Option<i32>) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("web01.log");
    let lines = 400_000;
    write_lines(&file, "web01", lines);
    let len = std::fs::metadata(&file).unwrap().len();
    let mut child = bin()
        .args([cmd, "-q", "--no-progress"])
        .args(extra)
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.contains("line 0 "), "{first}");
    std::fs::OpenOptions::new().write(true).open(&file).unwrap().set_len(len / 2).unwrap();
    let n = 1 + out.lines().count();
    let o = child.wait_with_output().unwrap();
    assert!(n < lines, "{cmd}: the whole file came out though it was cut");
    (n, stderr(&o), o.status.code())
}

#[test]
fn a_file_cut_while_normalize_reads_it_is_reported_with_exit_1() {
    let (_, err, code) = cut_while_read("normalize", &["--window-bytes", "65536"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("web01.log: the file was cut from"), "{err}");
    assert!(err.contains("is lost"), "{err}");
}

#[test]
fn a_file_cut_while_merge_reads_it_is_reported_with_exit_1() {
    let (_, err, code) = cut_while_read("merge", &["--window-bytes", "65536"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("web01.log: the file was cut from"), "{err}");
}

/// Runs deskew with its stdout a pipe whose reader is already gone.
fn into_closed_pipe(args: &[&str], dir: &Path) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = bin()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_pipe_ends_every_command_quietly_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_lines(&d.join("a.log"), "a", 1000);
    std::fs::write(d.join("a.jsonl"), "").unwrap();
    for args in [
        &["formats"][..],
        &["detect", "a.log"],
        &["detect", "--output-format", "jsonl", "a.log"],
        &["merge", "-q", "a.log"],
        &["normalize", "-q", "a.log"],
    ] {
        let o = into_closed_pipe(args, d);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

#[test]
fn detect_writes_to_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_lines(&d.join("a.log"), "a", 5);
    let o = run(&["detect", "a.log", "-o", "report.txt"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "{}", String::from_utf8_lossy(&o.stdout));
    let report = std::fs::read_to_string(d.join("report.txt")).unwrap();
    assert!(report.contains("a.log") && report.contains("100.0%"), "{report}");
}

#[test]
fn file_names_with_control_characters_stay_on_one_line_in_messages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let name = "x\ndeskew: forged\x1b[31m.log";
    std::fs::write(d.join(name), b"2026-01-01T00:00:00Z h a\n\xff\xfe bad utf-8\n").unwrap();
    let o = run(&["merge", "-q", name, "missing\nfile"], d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(!err.contains('\x1b'), "{err:?}");
    for line in err.lines() {
        assert!(line.starts_with("deskew: "), "a forged line: {line:?} in {err:?}");
    }
    assert!(err.contains("missing\\nfile"), "{err:?}");
    assert!(err.contains("x\\ndeskew: forged\\x{1b}[31m.log"), "{err:?}");
    let o = run(&["merge", "-q", name, "-o", "dir\nout/x"], d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{:?}", stderr(&o));
}

/// Runs deskew on `dir`, counting its output lines; returns (lines, peak RSS KiB, stderr).
fn lines_and_peak(args: &[&str], dir: &Path) -> (usize, i64, String) {
    let mut child = bin()
        .args(args)
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let peak = crate::util::watch_peak_rss(child.id());
    let n = BufReader::new(child.stdout.take().unwrap()).lines().count();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    (n, peak.join().unwrap(), stderr(&o))
}

#[test]
fn twenty_thousand_one_line_files_merge_and_normalize_in_bounded_memory() {
    const FILES: usize = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    for h in 0..100 {
        let d = root.join(format!("web{h:03}"));
        std::fs::create_dir_all(&d).unwrap();
        for i in 0..FILES / 100 {
            std::fs::write(
                d.join(format!("app.{i}.log")),
                format!("2026-01-01T00:00:{:02}Z web{h:03} line {i}\n", i % 60),
            )
            .unwrap();
        }
    }
    for cmd in ["merge", "normalize"] {
        let (n, peak, err) = lines_and_peak(&[cmd, "-q", "--no-progress"], &root);
        assert_eq!(n, FILES, "{cmd}: {err}");
        eprintln!("{cmd}: {FILES} one-line files, peak RSS {peak} KiB");
        assert!(peak <= 256 << 10, "{cmd}: peak RSS {peak} KiB for {FILES} files");
    }
}

/// Runs deskew, watching its peak RSS; returns (output, peak KiB).
fn run_watched(args: &[&str], dir: &Path) -> (Output, i64) {
    let child = bin()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let peak = crate::util::watch_peak_rss(child.id());
    let o = child.wait_with_output().unwrap();
    (o, peak.join().unwrap())
}

#[test]
fn dev_zero_as_a_path_ends_in_a_clear_error_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_lines(&d.join("a.log"), "a", 3);
    let (o, peak) = run_watched(&["merge", "-q", "a.log", "/dev/zero"], d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("/dev/zero: read failed: a device that gives more than"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).lines().count(),
        3,
        "the other input still comes out"
    );
    assert!(peak <= 256 << 10, "peak RSS {peak} KiB");
}

#[test]
fn dev_zero_as_a_history_ends_in_a_clear_error_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_lines(&d.join("a.log"), "a", 3);
    let (o, peak) = run_watched(&["merge", "-q", "a.log", "--offsets", "a=/dev/zero"], d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("/dev/zero: larger than 128 MiB"), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 3);
    assert!(peak <= 256 << 10, "peak RSS {peak} KiB");
}
