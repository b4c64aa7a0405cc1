//! Finding keys in JSON and logfmt lines without building a document.
//!
//! A full JSON parse (serde_json) per line would allocate a map for every record only to read
//! two or three keys; these scanners walk the top level of the line once and report where each
//! member's value lies, so the hot path stays allocation-free.

use memchr::memchr2;

/// Where a member's value lies in the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Value {
    /// Byte range of the value's text: for a string, the part inside the quotes.
    pub start: usize,
    pub end: usize,
    pub quoted: bool,
}

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// Index just past the closing quote of a string whose opening quote is at `i - 1`.
fn end_of_string(s: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let j = i + memchr2(b'"', b'\\', &s[i..])?;
        if s[j] == b'\\' {
            i = j + 2;
            if i > s.len() {
                return None;
            }
        } else {
            return Some(j + 1);
        }
    }
}

/// Index just past a JSON value starting at `i` (not validated beyond its extent).
fn end_of_value(s: &[u8], i: usize) -> Option<usize> {
    match *s.get(i)? {
        b'"' => end_of_string(s, i + 1),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < s.len() {
                match s[j] {
                    b'"' => {
                        j = end_of_string(s, j + 1)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < s.len() && !matches!(s[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\r') {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// Walks the top-level members of a JSON object line, calling `f(key, value)` for each (the
/// key raw, without quotes, escapes untouched); `f` returns false to stop early. Returns false
/// when the line is not a JSON object (it may still have called `f` for a valid prefix).
pub fn json_members(s: &[u8], mut f: impl FnMut(&[u8], Value) -> bool) -> bool {
    let mut i = skip_ws(s, 0);
    if s.get(i) != Some(&b'{') {
        return false;
    }
    i = skip_ws(s, i + 1);
    if s.get(i) == Some(&b'}') {
        return true;
    }
    loop {
        if s.get(i) != Some(&b'"') {
            return false;
        }
        let Some(kend) = end_of_string(s, i + 1) else {
            return false;
        };
        let key = &s[i + 1..kend - 1];
        i = skip_ws(s, kend);
        if s.get(i) != Some(&b':') {
            return false;
        }
        i = skip_ws(s, i + 1);
        let Some(vend) = end_of_value(s, i) else {
            return false;
        };
        let v = if s[i] == b'"' {
            Value { start: i + 1, end: vend - 1, quoted: true }
        } else {
            Value { start: i, end: vend, quoted: false }
        };
        if !f(key, v) {
            return true;
        }
        i = skip_ws(s, vend);
        match s.get(i) {
            Some(b',') => i = skip_ws(s, i + 1),
            Some(b'}') => return true,
            _ => return false,
        }
    }
}

/// Walks the `key=value` pairs of a logfmt line (values bare or double-quoted with `\"`
/// escapes), calling `f(key, value)`; `f` returns false to stop. Returns the number of pairs
/// seen; words without `=` are skipped (logrus text lines may carry them).
pub fn logfmt_pairs(s: &[u8], mut f: impl FnMut(&[u8], Value) -> bool) -> usize {
    // Without an `=` there is no pair: most lines of other formats (tried on every sample
    // line at detection) end here instead of being walked word by word.
    if memchr::memchr(b'=', s).is_none() {
        return 0;
    }
    let from = |i: usize, found: Option<usize>| found.map_or(s.len(), |j| i + j);
    let mut n = 0;
    let mut i = 0;
    while i < s.len() {
        while i < s.len() && s[i] == b' ' {
            i += 1;
        }
        let k0 = i;
        i = from(i, memchr::memchr3(b'=', b' ', b'"', &s[i..]));
        if i >= s.len() || s[i] != b'=' || i == k0 {
            // A bare word (or a stray quote): skip to the next space.
            i = from(i, memchr::memchr(b' ', &s[i..]));
            continue;
        }
        let key = &s[k0..i];
        i += 1;
        let v = if s.get(i) == Some(&b'"') {
            let Some(e) = end_of_string(s, i + 1) else {
                return n;
            };
            let v = Value { start: i + 1, end: e - 1, quoted: true };
            i = e;
            v
        } else {
            let v0 = i;
            i = from(i, memchr::memchr2(b' ', b'\r', &s[i..]));
            Value { start: v0, end: i, quoted: false }
        };
        n += 1;
        if !f(key, v) {
            return n;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(s: &str) -> (bool, Vec<(String, String)>) {
        let mut out = vec![];
        let ok = json_members(s.as_bytes(), |k, v| {
            out.push((String::from_utf8_lossy(k).into(), s[v.start..v.end].to_string()));
            true
        });
        (ok, out)
    }

    #[test]
    fn json_members_reports_top_level_values_only() {
        let (ok, m) = members(
            r#"{"a":{"time":"x"},"time":"2023-03-24T14:26:16.243Z","n":[1,{"b":2}],"ts":1.5}"#,
        );
        assert!(ok);
        assert_eq!(m[1], ("time".into(), "2023-03-24T14:26:16.243Z".into()));
        assert_eq!(m[3], ("ts".into(), "1.5".into()));
        assert_eq!(m.len(), 4);
    }

    #[test]
    fn json_members_handles_spaces_and_escaped_quotes() {
        let (ok, m) =
            members(r#"{ "log" : "say \"hi\"\n" , "__REALTIME_TIMESTAMP" : "1534860261221373" }"#);
        assert!(ok);
        assert_eq!(m[1].1, "1534860261221373");
    }

    #[test]
    fn json_members_rejects_non_objects_and_truncated_lines() {
        assert!(!members("not json").0);
        assert!(!members(r#"{"a":"unterminated"#).0);
        assert!(!members(r#"["a"]"#).0);
    }

    #[test]
    fn logfmt_pairs_reads_quoted_and_bare_values() {
        let s = r#"time="2021-09-15T21:17:10.220731Z" level=error msg="pod \"x\" gone" bare"#;
        let mut got = vec![];
        let n = logfmt_pairs(s.as_bytes(), |k, v| {
            got.push((String::from_utf8_lossy(k).into_owned(), s[v.start..v.end].to_string()));
            true
        });
        assert_eq!(n, 3);
        assert_eq!(got[0].1, "2021-09-15T21:17:10.220731Z");
        assert_eq!(got[1].1, "error");
        assert_eq!(got[2].1, r#"pod \"x\" gone"#);
    }

    /// The pairs as a byte-by-byte walk finds them: the reference `logfmt_pairs` is checked
    /// against.
    fn logfmt_by_bytes(s: &[u8]) -> Vec<(Vec<u8>, Value)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < s.len() {
            while i < s.len() && s[i] == b' ' {
                i += 1;
            }
            let k0 = i;
            while i < s.len() && !matches!(s[i], b'=' | b' ' | b'"') {
                i += 1;
            }
            if i >= s.len() || s[i] != b'=' || i == k0 {
                while i < s.len() && s[i] != b' ' {
                    i += 1;
                }
                continue;
            }
            let key = s[k0..i].to_vec();
            i += 1;
            let v = if s.get(i) == Some(&b'"') {
                let Some(e) = end_of_string(s, i + 1) else {
                    return out;
                };
                let v = Value { start: i + 1, end: e - 1, quoted: true };
                i = e;
                v
            } else {
                let v0 = i;
                while i < s.len() && s[i] != b' ' && s[i] != b'\r' {
                    i += 1;
                }
                Value { start: v0, end: i, quoted: false }
            };
            out.push((key, v));
        }
        out
    }

    proptest::proptest! {
        /// Lines made of the bytes logfmt cares about: the memchr scan finds the same pairs.
        #[test]
        fn logfmt_pairs_as_the_byte_walk(
            s in proptest::collection::vec(proptest::sample::select(b"ab= \"\\\r\x01".to_vec()), 0..60)
        ) {
            let mut got = Vec::new();
            let n = logfmt_pairs(&s, |k, v| { got.push((k.to_vec(), v)); true });
            let want = logfmt_by_bytes(&s);
            proptest::prop_assert_eq!(n, want.len());
            let key = |v: &[(Vec<u8>, Value)]| v.iter().map(|(k, v)| (k.clone(), v.start, v.end, v.quoted)).collect::<Vec<_>>();
            proptest::prop_assert_eq!(key(&got), key(&want));
        }

        #[test]
        fn scanners_never_panic(s in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            json_members(&s, |_, v| { assert!(v.start <= v.end && v.end <= s.len()); true });
            logfmt_pairs(&s, |_, v| { assert!(v.start <= v.end && v.end <= s.len()); true });
        }
    }
}
