//! Messages for the user on stderr, one line each, and the exit status they imply.
//!
//! Three weights: an *error* (a bad file, line or history row: the run goes on, its exit
//! status is 1), a *warning* (something was assumed or named nothing: the output may not be
//! what was meant; fatal with `--strict`), a *note* (what a rule decided, a summary).
//! `--quiet` keeps errors only. Repeated messages of one [`Kind`] are capped: the first
//! [`SHOWN`], then one line at the end of the run with the count of the rest (`--verbose`
//! shows them all). This is the one sink every command's messages go through.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

static FAILED: AtomicBool = AtomicBool::new(false);
static QUIET: AtomicBool = AtomicBool::new(false);
static STRICT: AtomicBool = AtomicBool::new(false);
/// Messages of a capped kind shown before the rest are only counted.
pub const SHOWN: usize = 5;
static LIMIT: AtomicUsize = AtomicUsize::new(SHOWN);
/// Warnings given (shown or not).
static WARNINGS: AtomicU64 = AtomicU64::new(0);

/// Kinds of message that come in numbers (one per line of a file, one per file of a
/// directory): each is capped on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A path or file that cannot be read.
    Input,
    /// A malformed row or file of an offset history.
    History,
    /// A timestamp that gave no instant.
    Time,
    /// Invalid UTF-8 in a source.
    Utf8,
    /// An option or a history that names no host of the input.
    Unmatched,
    /// A host taken from a file's directory, a zone abbreviation read by a rule.
    Assumed,
    /// A source in which no line has a timestamp deskew reads.
    Untimed,
}

const KINDS: [Kind; 7] = [
    Kind::Input,
    Kind::History,
    Kind::Time,
    Kind::Utf8,
    Kind::Unmatched,
    Kind::Assumed,
    Kind::Untimed,
];

impl Kind {
    /// The rest of them, as the end-of-run count names them.
    fn plural(self) -> &'static str {
        match self {
            Kind::Input => "unreadable inputs",
            Kind::History => "problems in offset histories",
            Kind::Time => "timestamps that gave no instant",
            Kind::Utf8 => "sources with invalid UTF-8",
            Kind::Unmatched => "names that match no host",
            Kind::Assumed => "assumptions",
            Kind::Untimed => "sources with no timestamp",
        }
    }
}

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: AtomicU64 = AtomicU64::new(0);
/// Per kind: messages given so far.
static COUNTS: [AtomicU64; KINDS.len()] = [ZERO; KINDS.len()];

/// How this run speaks: `--quiet` (errors only), `--strict` (warnings are errors),
/// `--verbose` (nothing capped).
pub fn configure(quiet: bool, strict: bool, verbose: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
    STRICT.store(strict, Ordering::Relaxed);
    LIMIT.store(if verbose { usize::MAX } else { SHOWN }, Ordering::Relaxed);
}

pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

pub fn strict() -> bool {
    STRICT.load(Ordering::Relaxed)
}

fn say(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "deskew: {}", one_line(msg));
}

/// Whether the message of `kind` just counted is one of those shown.
fn counted(kind: Kind) -> bool {
    let i = KINDS.iter().position(|k| *k == kind).unwrap_or(0);
    let n = COUNTS[i].fetch_add(1, Ordering::Relaxed);
    (n as usize) < LIMIT.load(Ordering::Relaxed)
}

/// Report a problem with the input (a bad file, line or history row): the run goes on, but
/// its exit status will be non-zero.
pub fn error(msg: impl std::fmt::Display) {
    FAILED.store(true, Ordering::Relaxed);
    say(&msg.to_string());
}

/// [`error`], one of many of its kind: shown among the first few, else counted.
pub fn error_of(kind: Kind, msg: impl std::fmt::Display) {
    FAILED.store(true, Ordering::Relaxed);
    if counted(kind) {
        say(&msg.to_string());
    }
}

/// Something was assumed, or an option named nothing: the output may not be what was
/// meant. Shown unless `--quiet`; with `--strict` it is an error (shown, exit status 1).
pub fn warn(kind: Kind, msg: impl std::fmt::Display) {
    WARNINGS.fetch_add(1, Ordering::Relaxed);
    let strict = strict();
    if strict {
        FAILED.store(true, Ordering::Relaxed);
    }
    if (strict || !quiet()) && counted(kind) {
        say(&msg.to_string());
    }
}

/// A warning already said (a line of the host summary): counted for `--strict` only.
pub fn warned() {
    WARNINGS.fetch_add(1, Ordering::Relaxed);
    if strict() {
        FAILED.store(true, Ordering::Relaxed);
    }
}

/// A remark that does not make the run fail (a summary, an ambiguity resolved by a rule).
/// Not shown with `--quiet`.
pub fn note(msg: impl std::fmt::Display) {
    if !quiet() {
        say(&msg.to_string());
    }
}

/// End of the run: the count of each kind's messages not shown, and with `--strict` how
/// many warnings made the run fail.
pub fn finish() {
    let limit = LIMIT.load(Ordering::Relaxed);
    for (i, k) in KINDS.iter().enumerate() {
        let n = COUNTS[i].swap(0, Ordering::Relaxed) as usize;
        if n > limit {
            say(&format!("... and {} more {} (--verbose shows all)", n - limit, k.plural()));
        }
    }
    let w = WARNINGS.swap(0, Ordering::Relaxed);
    if strict() && w > 0 {
        say(&format!("--strict: {w} warning(s) above; exit status 1"));
    }
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
