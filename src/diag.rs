//! Messages for the user on stderr, one line each, and the exit status they imply.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static FAILED: AtomicBool = AtomicBool::new(false);

/// Report a problem with the input (a bad file, line or history row): the run goes on, but
/// its exit status will be non-zero.
pub fn error(msg: impl std::fmt::Display) {
    FAILED.store(true, Ordering::Relaxed);
    let _ = writeln!(std::io::stderr().lock(), "deskew: {msg}");
}

/// A remark that does not make the run fail (a summary, an ambiguity resolved by a rule).
pub fn note(msg: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr().lock(), "deskew: {msg}");
}

pub fn failed() -> bool {
    FAILED.load(Ordering::Relaxed)
}
