//! Bounded whatever comes (issue 21): inputs never destroyed by the output, impossible
//! option values refused, files cut while read reported, closed pipes quiet, names with
//! control characters kept to one line, and many small files in memory and time that do not
//! grow with their number. Large inputs are streamed; peak RSS is read from /proc. And the
//! output engine's batches, formatted on several threads, come out whole and in order.

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
    let rest: Vec<String> = out.lines().map(Result::unwrap).collect();
    let n = 1 + rest.len();
    let o = child.wait_with_output().unwrap();
    assert!(n < lines, "{cmd}: the whole file came out though it was cut");
    // Bytes past the cut read as zeros through the mapping: none may come out.
    assert!(!rest.iter().any(|l| l.contains('\0')), "{cmd}: zeros of the cut came out");
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

/// `files` one-line files in 100 host directories: `merge` and `normalize` each give every
/// line, within `bound` KiB of peak RSS.
fn one_line_files_in_bounded_memory(files: usize, bound: i64) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    for h in 0..100 {
        let d = root.join(format!("web{h:03}"));
        std::fs::create_dir_all(&d).unwrap();
        for i in 0..files / 100 {
            std::fs::write(
                d.join(format!("app.{i}.log")),
                format!("2026-01-01T00:00:{:02}Z web{h:03} line {i}\n", i % 60),
            )
            .unwrap();
        }
    }
    for cmd in ["merge", "normalize"] {
        let (n, peak, err) = lines_and_peak(&[cmd, "-q", "--no-progress"], &root);
        assert_eq!(n, files, "{cmd}: {err}");
        eprintln!("{cmd}: {files} one-line files, peak RSS {peak} KiB");
        assert!(peak <= bound, "{cmd}: peak RSS {peak} KiB for {files} files");
    }
}

#[test]
fn twenty_thousand_one_line_files_merge_and_normalize_in_bounded_memory() {
    // About 3 KiB a file at most, fixed costs included (it was 5.4 KiB; about 30 MiB for
    // merge here): the per-file state stays small.
    one_line_files_in_bounded_memory(20_000, 64 << 10);
}

#[test]
fn two_hundred_thousand_one_line_files_merge_and_normalize_under_the_ceiling() {
    // The issue's case: under the 256 MiB ceiling (about 140 MB for merge, 95 MB for
    // normalize; it was 270 MB).
    one_line_files_in_bounded_memory(200_000, 256 << 10);
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

/// What a run whose output was counted as it came gave.
struct Counted {
    lines: usize,
    bytes: u64,
    head: Vec<u8>,
    /// The last line (at most 4 KiB of it).
    last: Vec<u8>,
    peak: i64,
    stderr: String,
    code: Option<i32>,
}

type Feed = Box<dyn FnOnce(&mut dyn Write) + Send>;

/// Runs deskew in `dir` with `feed` writing its stdin (from a thread: a generator, nothing
/// on disk), its output counted as it comes (never held), its peak RSS watched.
fn counted(args: &[&str], dir: &Path, feed: Option<Feed>) -> Counted {
    use std::io::Read;
    let mut child = bin()
        .args(args)
        .current_dir(dir)
        .stdin(if feed.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let peak = crate::util::watch_peak_rss(child.id());
    let writer = feed.map(|f| {
        let mut sin = child.stdin.take().unwrap();
        std::thread::spawn(move || f(&mut sin))
    });
    let mut err = child.stderr.take().unwrap();
    let errs = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut out = child.stdout.take().unwrap();
    let (mut lines, mut bytes, mut head, mut last) = (0, 0u64, Vec::new(), Vec::new());
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = out.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        let b = &buf[..n];
        if head.len() < 256 {
            head.extend_from_slice(&b[..n.min(256 - head.len())]);
        }
        // The last line: what follows the last line break but one.
        let body = b.strip_suffix(b"\n").unwrap_or(b);
        match body.iter().rposition(|&c| c == b'\n') {
            Some(i) => last = body[i + 1..].to_vec(),
            None if lines > 0 && !last.is_empty() && last.ends_with(b"\n") => last = body.to_vec(),
            None => last.extend_from_slice(body),
        }
        if b.ends_with(b"\n") {
            last.push(b'\n');
        }
        if last.len() > 4096 {
            last.drain(..last.len() - 4096);
        }
        lines += b.iter().filter(|&&c| c == b'\n').count();
        bytes += n as u64;
    }
    if let Some(w) = writer {
        w.join().unwrap();
    }
    let status = child.wait().unwrap();
    let last = last.strip_suffix(b"\n").map(<[u8]>::to_vec).unwrap_or(last);
    Counted {
        lines,
        bytes,
        head,
        last,
        peak: peak.join().unwrap(),
        stderr: errs.join().unwrap(),
        code: status.code(),
    }
}

/// Memory a run may take for records and lines of hundreds of megabytes: the pieces they go
/// through in, not their size (held whole, each would take more than its own size).
const LONG_RUN_PEAK: i64 = 96 << 10;

/// One timed line, then 200 MiB of untimed lines (a log in a layout deskew does not read:
/// one record), then a timed line; streamed on stdin from a generator.
fn one_long_record() -> Feed {
    Box::new(|w: &mut dyn Write| {
        let line = [b'x'; 1023];
        let _ = w.write_all(b"2026-01-01T00:00:00Z h first\n");
        for _ in 0..200 << 10 {
            if w.write_all(&line).and_then(|_| w.write_all(b"\n")).is_err() {
                return;
            }
        }
        let _ = w.write_all(b"2026-01-01T00:00:01Z h last\n");
    })
}

#[test]
fn a_200_mib_record_on_stdin_streams_through_normalize_and_merge_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in ["normalize", "merge"] {
        let c = counted(&[cmd, "-q", "--no-progress", "-"], dir.path(), Some(one_long_record()));
        assert_eq!(c.code, Some(0), "{cmd}: {}", c.stderr);
        // Every line out once: the record's first line with its time, its 200k lines as they
        // were, the last record.
        assert_eq!(c.lines, 2 + (200 << 10), "{cmd}");
        assert!(c.head.starts_with(b"2026-01-01T00:00:00"), "{cmd}");
        assert!(c.last.ends_with(b" h last") && c.last.starts_with(b"2026-01-01T00:00:01"));
        eprintln!("{cmd}: a 200 MiB record on stdin, peak RSS {} KiB", c.peak);
        assert!(c.peak <= LONG_RUN_PEAK, "{cmd}: peak RSS {} KiB", c.peak);
    }
}

#[test]
fn a_200_mib_record_on_stdin_streams_through_ecs_otlp_and_rfc5424_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    for fmt in ["ecs", "otlp", "rfc5424"] {
        for cmd in ["normalize", "merge"] {
            let args = [cmd, "-q", "--no-progress", "--output-format", fmt, "-"];
            let c = counted(&args, dir.path(), Some(one_long_record()));
            assert_eq!(c.code, Some(0), "{cmd} {fmt}: {}", c.stderr);
            // One line a record, the long one's 200k lines inside it; ECS has its text
            // twice (message and event.original).
            assert_eq!(c.lines, 2, "{cmd} {fmt}");
            let copies = if fmt == "ecs" { 2 } else { 1 };
            assert!(c.bytes > copies * (200 << 20), "{cmd} {fmt}: {} bytes", c.bytes);
            assert!(c.last.windows(4).any(|w| w == b"last"), "{cmd} {fmt}");
            eprintln!("{cmd} {fmt}: a 200 MiB record on stdin, peak RSS {} KiB", c.peak);
            assert!(c.peak <= LONG_RUN_PEAK, "{cmd} {fmt}: peak RSS {} KiB", c.peak);
        }
    }
}

#[test]
fn a_sparse_file_of_one_512_mib_line_and_two_more_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sparse.log");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(512 << 20).unwrap();
    drop(f);
    let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(b"\n2026-01-01T00:00:00Z h a\n2026-01-01T00:00:01Z h b\n").unwrap();
    drop(f);
    for cmd in ["merge", "normalize"] {
        let c = counted(&[cmd, "-q", "--no-progress", "sparse.log"], dir.path(), None);
        assert_eq!(c.code, Some(0), "{cmd}: {}", c.stderr);
        assert_eq!(c.lines, 3, "{cmd}");
        // The zeros come out whole ("- sparse " before them, a line break after).
        assert!(c.bytes > 512 << 20, "{cmd}: {} bytes", c.bytes);
        assert!(c.last.ends_with(b" h b"), "{cmd}");
        eprintln!("{cmd}: a 512 MiB line, peak RSS {} KiB", c.peak);
        assert!(c.peak <= LONG_RUN_PEAK, "{cmd}: peak RSS {} KiB", c.peak);
    }
}

#[test]
fn a_gzipped_256_mib_line_of_zeros_in_bounded_memory_from_a_file_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("zeros.log.gz");
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    e.write_all(b"2026-01-01T00:00:00Z h zeros follow ").unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        e.write_all(&zeros).unwrap();
    }
    e.write_all(b"\n2026-01-01T00:00:01Z h after\n").unwrap();
    e.finish().unwrap();
    let bytes = std::fs::read(&gz).unwrap();
    let runs: [(&str, bool); 3] = [("merge", false), ("normalize", false), ("normalize", true)];
    for (cmd, stdin) in runs {
        let feed: Option<Feed> = stdin.then(|| {
            let b = bytes.clone();
            Box::new(move |w: &mut dyn Write| {
                let _ = w.write_all(&b);
            }) as Feed
        });
        let path = if stdin { "-" } else { "zeros.log.gz" };
        let c = counted(&[cmd, "-q", "--no-progress", path], dir.path(), feed);
        assert_eq!(c.code, Some(0), "{cmd} {path}: {}", c.stderr);
        assert_eq!(c.lines, 2, "{cmd} {path}");
        assert!(c.bytes > 256 << 20, "{cmd} {path}");
        assert!(c.head.starts_with(b"2026-01-01T00:00:00"), "{cmd} {path}");
        assert!(c.last.ends_with(b" h after"), "{cmd} {path}");
        eprintln!("{cmd} {path}: a gzipped 256 MiB line, peak RSS {} KiB", c.peak);
        assert!(c.peak <= LONG_RUN_PEAK, "{cmd} {path}: peak RSS {} KiB", c.peak);
    }
}

#[test]
fn a_spill_that_cannot_be_written_ends_the_merge_with_a_message_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Out of order, so that the records are held (and, past the tiny budget, spilled).
    let mut f = std::io::BufWriter::new(std::fs::File::create(d.join("a.log")).unwrap());
    for i in 0..20_000u32 {
        let s = i.wrapping_mul(7919) % 86_400;
        writeln!(f, "2026-01-01T{:02}:{:02}:{:02}Z a line {i}", s / 3600, s / 60 % 60, s % 60)
            .unwrap();
    }
    drop(f);
    // A TMPDIR that is not there fails like a full one: no temporary file can take them.
    let o = bin()
        .args(["merge", "-q", "--budget-bytes", "65536", "a.log"])
        .env("TMPDIR", d.join("missing"))
        .current_dir(d)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot spill") && err.contains("missing"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // No partial timeline: a merge missing records would look whole.
    assert!(o.stdout.is_empty());
    // An earlier timeline named by -o is left as it was, not emptied before the failure.
    std::fs::write(d.join("out.txt"), "an earlier timeline\n").unwrap();
    let o = bin()
        .args(["merge", "-q", "--budget-bytes", "65536", "-o", "out.txt", "a.log"])
        .env("TMPDIR", d.join("missing"))
        .current_dir(d)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(d.join("out.txt")).unwrap(), "an earlier timeline\n");
    // A run that succeeds replaces it whole, and one with no record leaves it empty.
    let o = bin().args(["merge", "-q", "-o", "out.txt", "a.log"]).current_dir(d).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(d.join("out.txt")).unwrap();
    assert_eq!(text.lines().count(), 20_000);
    assert!(!text.contains("earlier"));
}

#[test]
fn years_outside_1678_to_2261_are_lines_without_a_time_and_not_times_for_since() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("y.log"),
        "2026-01-01T00:00:00Z h a\n9999-12-31T23:59:59Z h b\n0001-01-01T00:00:00Z h c\n",
    )
    .unwrap();
    // The stamps i64 nanoseconds cannot hold do not start records: their lines stay, with
    // the record before them (as every line without a time).
    let o = run(&["merge", "-q", "y.log", "--output-format", "jsonl"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains(r"h a\n9999-12-31T23:59:59Z h b\n0001-01-01T00:00:00Z h c"), "{out}");
    // And --since/--until outside them are usage errors saying why.
    for (opt, t) in [("--since", "9999-12-31T23:59:59Z"), ("--until", "0001-01-01T00:00:00Z")] {
        let o = run(&["merge", "y.log", opt, t], d);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("outside the years 1678 to 2261"), "{}", stderr(&o));
    }
}

#[test]
fn lines_stamped_outside_1678_to_2261_are_told_once_per_source_and_kept_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut lines = vec![
        "2026-01-01T00:00:00Z h a".to_string(),
        "9999-12-31T23:59:59Z h b".into(),
        "  at x".into(),
        "0001-01-01T00:00:00Z h c".into(),
    ];
    lines.extend((0..2000).map(|i| format!("9999-01-01T00:00:00Z h n{i}")));
    lines.push("2026-01-01T00:00:01Z h z".into());
    let text = lines.join("\n") + "\n";
    std::fs::write(d.join("y.log"), &text).unwrap();
    let told = |o: &Output, name: &str| {
        let e = stderr(o);
        let said: Vec<&str> = e.lines().filter(|l| l.contains("outside the years")).collect();
        assert_eq!(said.len(), 1, "{e}");
        assert!(said[0].starts_with(&format!("deskew: {name}:2: ")), "{e}");
        assert!(said[0].contains("(2002 lines like it in this source)"), "{e}");
        let out = String::from_utf8_lossy(&o.stdout);
        for l in &lines {
            assert_eq!(out.matches(&format!("{l}\n")).count(), 1, "{l} in {out}");
        }
        assert_eq!(out.lines().count(), lines.len());
        // A warning: the exit status stays 0, and --strict makes it 1.
        assert_eq!(o.status.code(), Some(0), "{e}");
    };
    for cmd in ["merge", "normalize"] {
        // Whole, and in windows of 100 bytes (the count and first line carried across them).
        for w in ["8388608", "100"] {
            told(&run(&[cmd, "y.log", "--window-bytes", w], d), "y.log");
        }
        told(&crate::util::run_stdin(&[cmd, "-"], text.as_bytes()), "-");
        let o = run(&[cmd, "--strict", "y.log"], d);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    }
}

#[test]
fn dash_as_the_output_is_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_lines(&d.join("a.log"), "a", 3);
    let o = run(&["merge", "-q", "a.log", "-o", "-"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 3);
    assert!(!d.join("-").exists());
}

#[test]
fn files_past_the_mapping_guard_slots_are_copied_to_tmpdir_not_read_into_memory() {
    // `ulimit -n 32` leaves 16 guard slots: 8 of these 24 files of 12 MiB get none.
    let dir = tempfile::tempdir().unwrap();
    let line = "x".repeat(4000);
    for f in 0..24 {
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(dir.path().join(format!("h{f:02}.log"))).unwrap(),
        );
        for i in 0..3072 {
            writeln!(w, "2026-01-01T00:{:02}:{:02}Z h{f} {line}", i / 60 % 60, i % 60).unwrap();
        }
    }
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for cmd in ["merge", "normalize"] {
        let mut child = under_32_files(cmd, &files)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let peak = crate::util::watch_peak_rss(child.id());
        let mut lines = 0;
        let mut last = Vec::new();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        while out.read_until(b'\n', &mut last).unwrap() > 0 {
            lines += 1;
            last.clear();
        }
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{cmd}: {}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(lines, 24 * 3072, "{cmd}: every line once");
        let peak = peak.join().unwrap();
        eprintln!("{cmd}: 24 files of 12 MiB with 16 guard slots, peak RSS {peak} KiB");
        assert!(peak <= 112 << 10, "{cmd}: peak RSS {peak} KiB");
    }
}

/// `normalize -` with ECS (or framed RFC 5424) output keeps a record past 1 MiB in TMPDIR:
/// when TMPDIR cannot take it, the message names TMPDIR, not the output (exit status 1).
#[test]
fn a_long_record_on_stdin_that_tmpdir_cannot_keep_names_tmpdir_not_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let mut child = bin()
        .args(["normalize", "-q", "--no-progress", "--output-format", "ecs", "-"])
        .env("TMPDIR", &missing)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        // One timed line, then 2 MiB of untimed ones: a record past 1 MiB. The run may stop
        // before all of it is read; a broken pipe here is fine.
        let _ = input.write_all(b"2026-01-01T00:00:00Z h first\n");
        let line = [b'x'; 1023];
        for _ in 0..2 << 10 {
            if input.write_all(&line).and_then(|_| input.write_all(b"\n")).is_err() {
                return;
            }
        }
        let _ = input.write_all(b"2026-01-01T00:00:01Z h last\n");
    });
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("TMPDIR") && err.contains("missing"), "{err}");
    assert!(!err.contains("cannot write the output"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// A file past the guard slots larger than 1 MiB is copied to TMPDIR and mapped; the copy
/// keeps no descriptor, so more such files than the open-file limit are all read.
#[test]
fn more_files_copied_to_tmpdir_than_the_open_file_limit_are_all_read() {
    // `ulimit -n 32`: 16 guard slots; 48 files of 1.2 MiB, so 32 copies at least, each of
    // which held a descriptor (with those of the process, past 32).
    const FILES: usize = 48;
    const LINES: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let pad = "x".repeat(4000);
    let mut files = Vec::new();
    for f in 0..FILES {
        let path = dir.path().join(format!("h{f:02}.log"));
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for i in 0..LINES {
            writeln!(w, "2026-01-01T00:{:02}:{:02}Z h{f} n{i} {pad}", i / 60 % 60, i % 60).unwrap();
        }
        files.push(path.to_string_lossy().into_owned());
    }
    for cmd in ["merge", "normalize"] {
        let o = under_32_files(cmd, &files)
            .env("TMPDIR", tmp.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{cmd}: {}", stderr(&o));
        let mut seen = std::collections::HashSet::new();
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            // `TIME HOST` then the line as it was: `... h{f} n{i} {pad}`.
            assert!(line.ends_with(&pad), "{cmd}: a line cut short");
            let words: Vec<&str> = line.split(' ').collect();
            let id = words[words.len().saturating_sub(3)..words.len() - 1].join(" ");
            assert!(seen.insert(id), "{cmd}: a line twice: {}", &line[..60]);
        }
        assert_eq!(seen.len(), FILES * LINES, "{cmd}: every line once");
    }
}

/// `deskew CMD -q --no-progress FILES` with the open-file limit at 32 (16 guard slots).
fn under_32_files(cmd: &str, files: &[String]) -> std::process::Command {
    let mut c = std::process::Command::new("sh");
    c.arg("-c")
        .arg("ulimit -n 32 && exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_deskew"))
        .args([cmd, "-q", "--no-progress"])
        .args(files);
    c
}

/// The output engine formats chunks of a batch on several threads and writes each as soon as
/// it and those before it are done: many batches (three files of 40,000 lines, each out of
/// order every hour of lines) must come out whole, in time order, numbered in sequence, and
/// byte for byte as one thread writes them.
#[test]
fn many_batches_come_out_in_order_and_the_same_on_one_thread_or_four() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for h in ["a", "b", "c"] {
        write_lines(&d.join(format!("{h}.log")), h, 40_000);
    }
    let out = |threads: &str| {
        let args = ["merge", "-q", "--output-format", "ecs", "--threads", threads];
        let o = run(&[&args[..], &["a.log", "b.log", "c.log"]].concat(), d);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        o.stdout
    };
    let one = out("1");
    assert!(one == out("4"), "four threads wrote other bytes than one");
    let text = String::from_utf8(one).unwrap();
    let mut last = "";
    for (i, l) in text.lines().enumerate() {
        let stamp = &l[l.find("\"@timestamp\":\"").unwrap() + 14..][..30];
        assert!(stamp >= last, "record {i} at {stamp} after {last}");
        last = stamp;
        assert!(l.contains(&format!("\"sequence\":{i}}}")), "record {i}: {l}");
    }
    assert_eq!(text.lines().count(), 120_000);
}
