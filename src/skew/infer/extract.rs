//! Finding a record's correlation id: `KEY` as a JSON or logfmt key, or a `KEY=VALUE` /
//! `KEY: VALUE` token in text, found with memchr's substring search over a whole window at
//! once (no per-line regex); or the first capture group of the user's `--correlate-regex`.

use memchr::memmem;
use regex::bytes::Regex;

/// Values longer than this are not ids.
const MAX_ID: usize = 128;

/// What names the id.
#[derive(Clone, Debug)]
pub enum Key {
    Name(Box<memmem::Finder<'static>>),
    Regex(Box<Regex>),
}

/// A `--correlate-regex` without exactly one capture group.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the key is empty")]
    Empty,
    #[error("{0}")]
    Regex(#[from] regex::Error),
    #[error("the regex has {0} capture groups; it needs exactly one (the id)")]
    Groups(usize),
}

impl Key {
    pub fn name(name: &str) -> Result<Key, KeyError> {
        if name.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Key::Name(Box::new(memmem::Finder::new(name.as_bytes()).into_owned())))
    }

    pub fn regex(re: &str) -> Result<Key, KeyError> {
        let r = Regex::new(re)?;
        match r.captures_len() - 1 {
            1 => Ok(Key::Regex(Box::new(r))),
            n => Err(KeyError::Groups(n)),
        }
    }

    /// The option as given (for messages).
    pub fn text(&self) -> String {
        match self {
            Key::Name(f) => format!("--correlate {}", String::from_utf8_lossy(f.needle())),
            Key::Regex(r) => format!("--correlate-regex {}", r.as_str()),
        }
    }

    /// Every id in `text`, with the offset where its key was found.
    pub fn each<'t>(&'t self, text: &'t [u8], mut f: impl FnMut(usize, &'t [u8])) {
        match self {
            Key::Name(finder) => {
                for at in finder.find_iter(text) {
                    if let Some(v) = value_after(text, at, finder.needle().len()) {
                        f(at, v);
                    }
                }
            }
            Key::Regex(r) => {
                for c in r.captures_iter(text) {
                    if let (Some(m0), Some(m)) = (c.get(0), c.get(1)) {
                        if !m.as_bytes().is_empty() && m.len() <= MAX_ID {
                            f(m0.start(), m.as_bytes());
                        }
                    }
                }
            }
        }
    }

    /// The first id in one record's text.
    pub fn first<'t>(&'t self, text: &'t [u8]) -> Option<&'t [u8]> {
        let mut out = None;
        self.each(text, |_, v| {
            out = out.or(Some(v));
        });
        out
    }
}

fn ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The value of the key found at `at` (`len` bytes): the key stands alone (not the end of
/// a longer name, nor the start of one), then an optional closing quote, `=` or `:`, blanks,
/// and a quoted or bare value.
fn value_after(text: &[u8], at: usize, len: usize) -> Option<&[u8]> {
    if at > 0 && ident(text[at - 1]) {
        return None;
    }
    let mut i = at + len;
    let quoted_key = at > 0 && text[at - 1] == b'"';
    if quoted_key {
        if text.get(i) != Some(&b'"') {
            return None;
        }
        i += 1;
    }
    while text.get(i) == Some(&b' ') {
        i += 1;
    }
    match text.get(i) {
        Some(b'=') | Some(b':') => i += 1,
        _ => return None,
    }
    while text.get(i) == Some(&b' ') {
        i += 1;
    }
    let rest = &text[i.min(text.len())..];
    let v = if let Some(q) = rest.strip_prefix(b"\"") {
        &q[..memchr::memchr(b'"', q)?]
    } else {
        let end = rest
            .iter()
            .position(|&b| {
                b.is_ascii_whitespace() || matches!(b, b',' | b'}' | b';' | b']' | b')' | b'"')
            })
            .unwrap_or(rest.len());
        &rest[..end]
    };
    (!v.is_empty() && v.len() <= MAX_ID && !v.contains(&b'\n')).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(key: &str, line: &str) -> Option<String> {
        Key::name(key)
            .unwrap()
            .first(line.as_bytes())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    #[test]
    fn finds_the_id_in_json_logfmt_and_text() {
        let want = Some("r-1f3a".to_string());
        assert_eq!(id("req_id", r#"{"ts":"x","req_id":"r-1f3a","msg":"start"}"#), want);
        assert_eq!(id("req_id", r#"{"ts":"x", "req_id" : "r-1f3a"}"#), want);
        assert_eq!(id("req_id", "ts=x level=info req_id=r-1f3a msg=start"), want);
        assert_eq!(id("req_id", "2026-11-22 10:00:00 INFO start req_id: r-1f3a, user=7"), want);
        assert_eq!(id("req_id", "... [req_id=r-1f3a] done"), want);
        assert_eq!(id("req_id", r#"req_id="r-1f3a" x=1"#), want);
    }

    #[test]
    fn longer_names_and_bare_words_are_not_the_key() {
        assert_eq!(id("req_id", "parent_req_id=abc"), None);
        assert_eq!(id("req_id", "req_id_old=abc"), None);
        assert_eq!(id("req_id", "no req_id here"), None);
        assert_eq!(id("req_id", r#"{"req_idx":"a"}"#), None);
        assert_eq!(id("req_id", "req_id="), None);
        assert_eq!(id("req_id", "x parent_req_id=a req_id=b"), Some("b".into()));
    }

    #[test]
    fn a_regex_needs_one_group() {
        assert!(matches!(Key::regex(r"req=\S+"), Err(KeyError::Groups(0))));
        assert!(matches!(Key::regex(r"(a)(b)"), Err(KeyError::Groups(2))));
        assert!(matches!(Key::regex(r"(unclosed"), Err(KeyError::Regex(_))));
        let k = Key::regex(r"req=(\S+)").unwrap();
        assert_eq!(k.first(b"x req=abc y"), Some(&b"abc"[..]));
    }

    proptest! {
        /// Any text: no panic, and whatever is found is a non-empty bounded value.
        #[test]
        fn never_panics_and_values_are_bounded(text in ".{0,200}", key in "[a-z_]{1,8}") {
            let k = Key::name(&key).unwrap();
            k.each(text.as_bytes(), |_, v| assert!(!v.is_empty() && v.len() <= MAX_ID));
        }
    }
}
