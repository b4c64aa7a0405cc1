//! `merge --follow` on files growing while it runs: a fast file, a slow one, one rotated
//! halfway (renamed, a new one created), one that goes silent. The test appends records whose
//! times it knows for about 10 s, then stops deskew with SIGTERM and checks what came out.
//!
//! The one bound on time is the behaviour check, kept wide: each record comes out
//! within `lateness` + 1 s of being appended (deskew holds a record at most `lateness`, plus
//! 200 ms for the file to pause if the record is a file's last line; the rest is margin).
//! Everything else waits on events with a bound only against a hang.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::util::bin;

const LATENESS: Duration = Duration::from_secs(2);

fn append(path: &Path, line: &str) {
    let mut f = OpenOptions::new().create(true).append(true).open(path).unwrap();
    f.write_all(line.as_bytes()).unwrap();
    f.write_all(b"\n").unwrap();
}

fn stamp() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A line of the output, with the moment it arrived.
struct Got {
    at: Instant,
    ts: chrono::DateTime<chrono::FixedOffset>,
    msg: String,
    late: bool,
}

/// Kills the child if the test fails before it ends it.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn follow_merges_growing_rotating_and_silent_files_in_time_order_promptly_and_exits_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let names = ["fast", "slow", "rot", "silent"];
    let path = |n: &str| logs.join(format!("{n}.log"));
    // One line of history each: `--tail 1` shows it, which says deskew is following.
    for n in names {
        append(&path(n), &format!("{} {n} history", stamp()));
    }
    let child = bin()
        .args(["merge", "--follow", "--tail", "1", "--output-format", "jsonl", "--idle", "1s"])
        .args(["--lateness", "2s"])
        .arg(&logs)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Guard(child);
    let pid = child.0.id() as i32;
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<Got>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let at = Instant::now();
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            let ts = chrono::DateTime::parse_from_rfc3339(v["ts"].as_str().unwrap()).unwrap();
            let msg = v["msg"].as_str().unwrap().to_string();
            let late = v.get("late").and_then(|l| l.as_bool()).unwrap_or(false);
            if tx.send(Got { at, ts, msg, late }).is_err() {
                return;
            }
        }
    });
    let mut got: Vec<Got> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while got.len() < names.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(g) => got.push(g),
            Err(_) => panic!("the history lines did not come out within 30 s: {}", got.len()),
        }
    }

    // ~10 s of appends: fast every 50 ms, rot every 200 ms (rotated at 5 s), slow every
    // 700 ms, silent for the first 2 s only.
    let mut appended: HashMap<String, Instant> = HashMap::new();
    let begin = Instant::now();
    let mut tick = 0u64;
    let mut rotated = false;
    while begin.elapsed() < Duration::from_secs(10) {
        let el = begin.elapsed();
        let write = |appended: &mut HashMap<String, Instant>, n: &str, k: u64| {
            let id = format!("{n} {k}");
            append(&path(n), &format!("{} {id}", stamp()));
            appended.insert(id, Instant::now());
        };
        write(&mut appended, "fast", tick);
        if tick.is_multiple_of(4) {
            write(&mut appended, "rot", tick);
        }
        if tick.is_multiple_of(14) {
            write(&mut appended, "slow", tick);
        }
        if el < Duration::from_secs(2) && tick.is_multiple_of(5) {
            write(&mut appended, "silent", tick);
        }
        if !rotated && el >= Duration::from_secs(5) {
            rotated = true;
            // As logrotate does: rename; the writer still writes to the old file until it
            // reopens the name, which creates the new file.
            fs::rename(path("rot"), logs.join("rot.log.1")).unwrap();
            append(&logs.join("rot.log.1"), &format!("{} rot old-after-rename", stamp()));
            appended.insert("rot old-after-rename".into(), Instant::now());
            append(&path("rot"), &format!("{} rot first-of-new-file", stamp()));
            appended.insert("rot first-of-new-file".into(), Instant::now());
        }
        while let Ok(g) = rx.try_recv() {
            got.push(g);
        }
        std::thread::sleep(Duration::from_millis(50));
        tick += 1;
    }
    // Wait for every appended record to come out (bounded), then stop deskew.
    let wait_until = Instant::now() + LATENESS + Duration::from_secs(10);
    let expected = appended.len() + names.len();
    while got.len() < expected && Instant::now() < wait_until {
        if let Ok(g) = rx.recv_timeout(Duration::from_millis(200)) {
            got.push(g);
        }
    }
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let stop = Instant::now();
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(stop.elapsed() < Duration::from_secs(10), "deskew did not exit on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    reader.join().unwrap();
    while let Ok(g) = rx.try_recv() {
        got.push(g);
    }
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.0.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "exit {status:?}; stderr:\n{err}");

    // Every appended line exactly once (and the history lines).
    let mut seen: HashMap<String, usize> = HashMap::new();
    for g in &got {
        let id = g.msg.split_once(' ').unwrap().1.to_string();
        *seen.entry(id).or_default() += 1;
    }
    for n in names {
        assert_eq!(seen.get(&format!("{n} history")), Some(&1), "{n} history; stderr:\n{err}");
    }
    let mut wrong: Vec<(&String, Option<&usize>)> =
        appended.keys().map(|id| (id, seen.get(id))).filter(|(_, n)| *n != Some(&1)).collect();
    wrong.sort();
    assert!(wrong.is_empty(), "lines not out exactly once (times out): {wrong:?}; stderr:\n{err}");
    assert_eq!(got.len(), expected, "lines out that were never appended; stderr:\n{err}");

    // In time order, except records marked late.
    let mut last = None;
    for g in got.iter().filter(|g| !g.late) {
        if let Some(l) = last {
            assert!(g.ts >= l, "{} came after a record of {l}", g.msg);
        }
        last = Some(g.ts);
    }
    // Each record out within lateness + 1 s of being appended.
    for g in &got {
        let id = g.msg.split_once(' ').unwrap().1;
        if let Some(&at) = appended.get(id) {
            let took = g.at.saturating_duration_since(at);
            assert!(took <= LATENESS + Duration::from_secs(1), "{id} took {took:?} to come out");
        }
    }
    assert!(err.contains("rot.log: replaced"), "the rotation is said on stderr:\n{err}");
}
