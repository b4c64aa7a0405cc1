//! Messages for the user on stderr, one line each, and the exit status they imply.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static FAILED: AtomicBool = AtomicBool::new(false);

/// Report a problem with the input (a bad file, line or history row): the run goes on, but
/// its exit status will be non-zero.
pub fn error(msg: impl std::fmt::Display) {
    FAILED.store(true, Ordering::Relaxed);
    let _ = writeln!(std::io::stderr().lock(), "deskew: {}", one_line(&msg.to_string()));
}

/// A remark that does not make the run fail (a summary, an ambiguity resolved by a rule).
pub fn note(msg: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr().lock(), "deskew: {}", one_line(&msg.to_string()));
}

/// A path as messages show it: its control characters escaped (`\n`, `\t`, `\x1b`), so that
/// a file name holding a newline or a terminal escape cannot break a message into lines or
/// forge one. Bytes that are not UTF-8 show as U+FFFD.
pub fn path(p: impl AsRef<std::path::Path>) -> String {
    escape(&p.as_ref().to_string_lossy())
}

/// `s` with its control characters escaped.
pub fn escape(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{{{:02x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A message as one line: whatever part of it came from a name or a line of input, its
/// control characters are escaped (messages are one line each; a newline inside one would
/// let input forge the next).
pub fn one_line(msg: &str) -> std::borrow::Cow<'_, str> {
    if msg.chars().any(char::is_control) {
        escape(msg).into()
    } else {
        msg.into()
    }
}

pub fn failed() -> bool {
    FAILED.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_names_are_escaped() {
        assert_eq!(path("a\nb\tc\x1b[31m"), "a\\nb\\tc\\x{1b}[31m");
        assert_eq!(path("plain/é.log"), "plain/é.log");
        assert_eq!(one_line("x: line\nforged"), "x: line\\nforged");
    }
}
