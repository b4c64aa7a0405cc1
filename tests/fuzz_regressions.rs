//! Replays, with stable `cargo test`, every input under `fuzz/regressions/<target>/` (inputs
//! that once crashed a fuzz target, kept when the bug was fixed) and `fuzz/seeds/<target>/`
//! (the fuzzers' starting corpus) through the same entry points the fuzz targets call
//! (`deskew::fuzzing`). A panic there is a bug the fuzzer found again.

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for dir in ["regressions", "seeds"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else { continue };
        files.extend(entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
    }
    files.sort();
    files
}

/// Runs `f` on each input of `target`, naming every input that panics.
fn replay(target: &str, f: fn(&[u8])) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no inputs for {target}");
    let failed: Vec<String> = files
        .iter()
        .filter(|p| {
            let data = std::fs::read(p).unwrap();
            std::panic::catch_unwind(|| f(&data)).is_err()
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{target}: these inputs panic:\n{}", failed.join("\n"));
}

#[test]
fn parse_lines_inputs_keep_every_line() {
    replay("parse_lines", deskew::fuzzing::parse_lines);
}

#[test]
fn timestamp_inputs_do_not_panic_and_read_back() {
    replay("timestamps", deskew::fuzzing::timestamps);
}

#[test]
fn history_inputs_do_not_panic() {
    replay("history", deskew::fuzzing::history);
}

#[test]
fn ntp_packet_inputs_do_not_panic() {
    replay("ntp_packet", deskew::fuzzing::ntp_packet);
}
