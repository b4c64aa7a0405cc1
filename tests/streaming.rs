//! Compressed files and piped stdin in bounded memory: they are decompressed (or copied) a
//! block at a time into a temporary file that is then mapped like a plain file, so peak RSS
//! does not grow with their size. Also: a truncated gzip keeps what decoded before the cut,
//! zstd, and a TMPDIR that cannot be written (the source fails with a message, exit 1). `--spool-bytes 0`
//! sends even small inputs through the temporary file. And long records: the output holds a
//! bounded amount of their text at a time, not a fixed number of them.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::Stdio;

/// Decompressed size of the large inputs.
const BIG: usize = 200 << 20;
/// Peak RSS allowed for merging one of them: well under its size (a plain file of that size
/// takes about 110 MiB; holding it whole took over 300).
const RSS_BOUND_KIB: i64 = 150 << 10;

/// Input line `i` (0-based), in time order.
fn line(i: u64) -> String {
    let s = i / 100;
    format!(
        "2026-11-20T{:02}:{:02}:{:02}.{:02}0Z web01 app[{}]: request {i} handled in {} ms status=200 path=/api/v1/items/{}\n",
        s / 3600 % 24,
        s / 60 % 60,
        s % 60,
        i % 100,
        i % 977,
        i % 1000,
        i % 5000
    )
}

/// Writes lines from 0 on until at least `bytes` are written; returns how many.
fn write_lines(out: &mut (impl Write + ?Sized), bytes: usize) -> std::io::Result<u64> {
    let (mut n, mut written) = (0u64, 0usize);
    let mut block = String::with_capacity(1 << 20);
    while written < bytes {
        block.clear();
        while block.len() < (1 << 20) - 200 && written + block.len() < bytes {
            block.push_str(&line(n));
            n += 1;
        }
        out.write_all(block.as_bytes())?;
        written += block.len();
    }
    Ok(n)
}

fn lines_text(n: u64) -> Vec<u8> {
    let mut v = Vec::new();
    for i in 0..n {
        v.extend_from_slice(line(i).as_bytes());
    }
    v
}

/// Writes a child's stdin.
type Feed = Box<dyn FnOnce(&mut dyn Write) + Send>;

struct Ran {
    code: Option<i32>,
    /// Lines written to stdout.
    lines: u64,
    /// Leading output lines that are `<ts> <host> ` and input line `k`, for k = 0, 1, ...
    matched: u64,
    stderr: String,
    max_rss_kib: i64,
}

/// Runs deskew, feeding stdin from `feed` if given (in a thread), checking its text output
/// against the input lines as it comes, and measures its peak RSS (`wait4`). Each pair of
/// `env` is an option and its value when its name starts with `--`, else a variable.
#[allow(clippy::zombie_processes)] // reaped by wait4, which also gives its peak RSS
fn run(args: &[&str], env: &[(&str, &str)], feed: Option<Feed>) -> Ran {
    let (opts, vars): (Vec<_>, Vec<_>) = env.iter().partition(|(k, _)| k.starts_with("--"));
    let mut child = crate::util::bin()
        .args(args)
        .args(opts.iter().flat_map(|(k, v)| [*k, *v]))
        .envs(vars.iter().copied())
        .stdin(if feed.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let feeder = feed.map(|f| {
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || f(&mut stdin))
    });
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        stderr_pipe.read_to_string(&mut s).unwrap();
        s
    });
    let hwm = crate::util::watch_peak_rss(child.id());
    let mut out = BufReader::with_capacity(1 << 20, child.stdout.take().unwrap());
    let (mut lines, mut matched, mut buf) = (0u64, 0u64, Vec::new());
    loop {
        buf.clear();
        if out.read_until(b'\n', &mut buf).unwrap() == 0 {
            break;
        }
        if matched == lines && buf.ends_with(line(lines).as_bytes()) {
            matched += 1;
        }
        lines += 1;
    }
    drop(out);
    if let Some(f) = feeder {
        f.join().unwrap();
    }
    let (mut status, mut usage) = (0, zeroed_rusage());
    let pid = child.id() as libc::pid_t;
    // SAFETY: wait4 on our own child, with valid pointers to a status and a rusage; it reaps
    // the child, which `child` (never waited on) does not do again.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let _ = usage.ru_maxrss;
    let max_rss_kib = hwm.join().unwrap();
    Ran { code, lines, matched, stderr: stderr.join().unwrap(), max_rss_kib }
}

fn zeroed_rusage() -> libc::rusage {
    // SAFETY: rusage is plain integers and timevals, for which all zeros is valid.
    unsafe { std::mem::zeroed() }
}

fn gzip_file(path: &Path, bytes: usize) -> u64 {
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let n = write_lines(&mut gz, bytes).unwrap();
    gz.finish().unwrap().flush().unwrap();
    n
}

fn merge_args(path: &str) -> Vec<&str> {
    vec!["merge", "--no-progress", "-q", path]
}

#[test]
fn large_gzip_merges_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("web01.log.gz");
    let n = gzip_file(&gz, BIG);
    let ran = run(&merge_args(gz.to_str().unwrap()), &[], None);
    assert_whole_and_bounded(&ran, n, "of gzip input");
}

/// 100 KB records, 2,000 of them: the output formats and hands on a bounded number of bytes
/// at a time (batches of 32,768 records of this size held 600 MiB).
#[test]
fn long_records_merge_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let body = "x".repeat(100_000);
    for i in 0..2000 {
        writeln!(f, "2026-11-20T10:{:02}:{:02}Z web01 app: {i} {body}", i / 60 % 60, i % 60)
            .unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let ran = run(&merge_args(path.to_str().unwrap()), &[], None);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(ran.lines, 2000);
    eprintln!("peak RSS {} MiB", ran.max_rss_kib >> 10);
    assert!(ran.max_rss_kib < RSS_BOUND_KIB, "peak RSS {} MiB", ran.max_rss_kib >> 10);
}

/// Every one of the `n` lines came out, in order, with nothing said, within the RSS bound.
fn assert_whole_and_bounded(ran: &Ran, n: u64, what: &str) {
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(ran.stderr, "");
    assert_eq!((ran.lines, ran.matched), (n, n));
    eprintln!("peak RSS {} MiB", ran.max_rss_kib >> 10);
    assert!(
        ran.max_rss_kib < RSS_BOUND_KIB,
        "peak RSS {} MiB for {} MiB {what}",
        ran.max_rss_kib >> 10,
        BIG >> 20
    );
}

#[test]
fn large_stdin_pipe_merges_in_bounded_memory() {
    let (tx, rx) = std::sync::mpsc::channel();
    let feed: Feed = Box::new(move |w| {
        tx.send(write_lines(w, BIG).unwrap()).unwrap();
    });
    let ran = run(&merge_args("-"), &[], Some(feed));
    let n = rx.recv().unwrap();
    assert_whole_and_bounded(&ran, n, "piped to stdin");
}

/// The lines of a gzip cut short come out up to the cut (the last one as far as it goes),
/// with one line on stderr naming the file and what was kept; through memory and through
/// the temporary file alike.
#[test]
fn truncated_gzip_keeps_its_lines_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.gz");
    let n = gzip_file(&full, 3 << 20);
    let bytes = std::fs::read(&full).unwrap();
    let cut = dir.path().join("web01.log.gz");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let cut_s = cut.to_str().unwrap();
    for spool in ["0", "100000000"] {
        let ran = run(&merge_args(cut_s), &[("--spool-bytes", spool)], None);
        assert_eq!(ran.code, Some(1), "{}", ran.stderr);
        let msg = ran.stderr.trim_end();
        assert!(!msg.contains('\n'), "one line: {msg}");
        let prefix = format!("deskew: {cut_s}: truncated gzip stream after ");
        assert!(msg.starts_with(&prefix) && msg.ends_with(" lines); the rest is lost"), "{msg}");
        let kept: u64 = msg.rsplit_once('(').unwrap().1.split(' ').next().unwrap().parse().unwrap();
        assert!(kept > n / 3 && kept < n, "{kept} of {n}");
        assert_eq!(ran.lines, kept, "--spool-bytes {spool}");
        // All but the last, which may be cut inside, are whole and in order.
        assert!(ran.matched >= kept - 1, "{} of {kept}", ran.matched);
    }
}

/// zstd, gzip on stdin, and plain stdin, through the temporary file or memory: the same
/// output as the plain file.
#[test]
fn zstd_and_stdin_give_the_plain_output() {
    let dir = tempfile::tempdir().unwrap();
    let text = lines_text(30_000);
    let plain = dir.path().join("web01.log");
    std::fs::write(&plain, &text).unwrap();
    let zst = dir.path().join("web01.log.zst");
    let mut frames = zstd::encode_all(&text[..text.len() / 3], 3).unwrap();
    frames.extend(zstd::encode_all(&text[text.len() / 3..], 1).unwrap());
    std::fs::write(&zst, frames).unwrap();
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&text).unwrap();
        e.finish().unwrap()
    };
    let expected = run(&merge_args(plain.to_str().unwrap()), &[], None);
    assert_eq!((expected.code, expected.lines, expected.matched), (Some(0), 30_000, 30_000));
    for spool in ["0", "100000000"] {
        let env = [("--spool-bytes", spool)];
        let ran = run(&merge_args(zst.to_str().unwrap()), &env, None);
        assert_eq!((ran.code, ran.lines, ran.matched), (Some(0), 30_000, 30_000), "{}", ran.stderr);
        for input in [gz.clone(), text.clone()] {
            let feed: Feed = Box::new(move |w| w.write_all(&input).unwrap());
            let ran = run(&merge_args("-"), &env, Some(feed));
            assert_eq!(
                (ran.code, ran.lines, ran.matched),
                (Some(0), 30_000, 30_000),
                "{}",
                ran.stderr
            );
        }
    }
}

/// TMPDIR missing: the source fails with one line that says to set TMPDIR, exit status 1
/// (holding it in memory instead would let memory grow with the input, issue 21).
#[test]
fn unusable_tmpdir_fails_the_source_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("web01.log.gz");
    gzip_file(&gz, 4 << 20);
    let missing = dir.path().join("no-such-dir");
    let env = [("TMPDIR", missing.to_str().unwrap()), ("--spool-bytes", "0")];
    let ran = run(&merge_args(gz.to_str().unwrap()), &env, None);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    let msg = ran.stderr.trim_end();
    assert!(!msg.contains('\n'), "one line: {msg}");
    assert!(msg.contains("web01.log.gz"), "{msg}");
    assert!(msg.contains("cannot write a temporary file") && msg.contains("set TMPDIR"), "{msg}");
    // Piped stdin too.
    let feed: Feed = Box::new(|w| {
        let _ = write_lines(w, 4 << 20);
    });
    let ran = run(&merge_args("-"), &env, Some(feed));
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(ran.stderr.contains("set TMPDIR"), "{}", ran.stderr);
}
