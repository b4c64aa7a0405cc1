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

/// 0x80 in each byte of `x` equal to `c`, 0 in the others (exactly: no carry between bytes).
fn bytes_eq(x: u64, c: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let y = x ^ (u64::from(c) * 0x0101_0101_0101_0101);
    !(((y & LOW7) + LOW7) | y | LOW7)
}

/// Bit `n`: `b[n]` is a quote. Eight bytes at a time in a u64: portable, and branch-free.
fn quote_bits(b: &[u8; 64]) -> u64 {
    b.chunks_exact(8).enumerate().fold(0, |m, (k, w)| {
        let z = bytes_eq(u64::from_le_bytes(w.try_into().unwrap()), b'"');
        // The multiply gathers the eight 0x80 bits into the top byte.
        m | ((z >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k)
    })
}

/// Finds the quotes of a line a 64-byte block at a time. Hand-written rather than memchr: a
/// JSON line is mostly short strings, and a memchr call per string costs more in set-up and
/// in branches on where the string ends than testing a whole block once and then taking each
/// quote's position from a bit mask. Its lookups are inlined (`inline(always)`): there are a
/// few per member, and the walk keeps the block's mask in registers then.
struct Quotes<'a> {
    s: &'a [u8],
    /// Start of the block `mask` covers, and its end (0 before the first block is read).
    base: usize,
    end: usize,
    /// Bit `n`: `s[base + n]` is a quote.
    mask: u64,
}

impl<'a> Quotes<'a> {
    fn new(s: &'a [u8]) -> Self {
        Quotes { s, base: 0, end: 0, mask: 0 }
    }

    /// The quote bits of the block starting at `base` (past the line: no quote).
    fn load(&mut self, base: usize) {
        let s = self.s;
        self.mask = if let Some(b) = s[base..].first_chunk() {
            quote_bits(b)
        } else if let Some(from) = s.len().checked_sub(64) {
            // The last 64 bytes instead of a copy of the tail.
            quote_bits(s[from..].first_chunk().unwrap()) >> (base - from)
        } else {
            let mut b = [0u8; 64];
            b[..s.len() - base].copy_from_slice(&s[base..]);
            quote_bits(&b)
        };
        self.base = base;
        self.end = base + 64;
    }

    /// The first quote at or after `i` (never before the last one asked for).
    #[inline(always)]
    fn next(&mut self, i: usize) -> Option<usize> {
        if i >= self.end {
            if i >= self.s.len() {
                return None;
            }
            self.load(i & !63);
        }
        let mut m = self.mask & (u64::MAX << (i - self.base));
        while m == 0 {
            if self.end >= self.s.len() {
                return None;
            }
            self.load(self.end);
            m = self.mask;
        }
        Some(self.base + m.trailing_zeros() as usize)
    }

    /// Index just past the closing quote of a string whose opening quote is at `i - 1`, as
    /// [`end_of_string`] finds it: a quote ends the string unless an odd run of backslashes
    /// comes before it (the run cannot reach back past the opening quote).
    #[inline(always)]
    fn end_of_string(&mut self, mut i: usize) -> Option<usize> {
        loop {
            let j = self.next(i)?;
            if self.s[j - 1] != b'\\' {
                return Some(j + 1);
            }
            let run = self.s[..j].iter().rev().take_while(|&&c| c == b'\\').count();
            if run % 2 == 0 {
                return Some(j + 1);
            }
            i = j + 1;
        }
    }

    /// Index just past a JSON value other than a string starting at `i` (not validated
    /// beyond its extent).
    #[inline(always)]
    fn end_of_other(&mut self, i: usize) -> Option<usize> {
        let s = self.s;
        match *s.get(i)? {
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut j = i;
                while j < s.len() {
                    match s[j] {
                        b'"' => {
                            j = self.end_of_string(j + 1)?;
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
}

/// Walks the top-level members of a JSON object line, calling `f(key, value)` for each (the
/// key raw, without quotes, escapes untouched); `f` returns false to stop early. Returns false
/// when the line is not a JSON object (it may still have called `f` for a valid prefix).
pub fn json_members(s: &[u8], mut f: impl FnMut(&[u8], Value) -> bool) -> bool {
    let mut q = Quotes::new(s);
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
        let Some(kend) = q.end_of_string(i + 1) else {
            return false;
        };
        let key = &s[i + 1..kend - 1];
        // The common shape, `"key":` and `,"key"` without blanks, is tested first.
        i = if s.get(kend) == Some(&b':') { kend } else { skip_ws(s, kend) };
        if s.get(i) != Some(&b':') {
            return false;
        }
        i = skip_ws(s, i + 1);
        // Strings first: most values are.
        let (v, vend) = if s.get(i) == Some(&b'"') {
            let Some(e) = q.end_of_string(i + 1) else {
                return false;
            };
            (Value { start: i + 1, end: e - 1, quoted: true }, e)
        } else {
            let Some(e) = q.end_of_other(i) else {
                return false;
            };
            (Value { start: i, end: e, quoted: false }, e)
        };
        if !f(key, v) {
            return true;
        }
        i = skip_ws(s, vend);
        match s.get(i) {
            Some(b',') if s.get(i + 1) == Some(&b'"') => i += 1,
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

    // The scanner as it was before the quote masks, kept as the reference they are checked
    // against.
    /// Index just past a JSON value starting at `i` (not validated beyond its extent).
    fn old_end_of_value(s: &[u8], i: usize) -> Option<usize> {
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
    fn old_json_members(s: &[u8], mut f: impl FnMut(&[u8], Value) -> bool) -> bool {
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
            let Some(vend) = old_end_of_value(s, i) else {
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

    type Walk = fn(&[u8], &mut dyn FnMut(&[u8], Value) -> bool) -> bool;
    type Walked = (bool, Vec<((usize, usize), Value)>);

    /// The verdict of `walk` on `s` and the members it reports (key range, value), the
    /// callback stopping it after `stop` of them.
    fn walk_with(walk: Walk, s: &[u8], stop: usize) -> Walked {
        let mut out = Vec::new();
        let ok = walk(s, &mut |k, v| {
            let start = k.as_ptr() as usize - s.as_ptr() as usize;
            out.push(((start, start + k.len()), v));
            out.len() < stop
        });
        (ok, out)
    }

    /// Pieces of JSON-ish lines: structure, strings with escapes, bare values, blanks, long
    /// strings across the 64-byte blocks, non-ASCII bytes and garbage.
    const PIECES: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b":",
        b",",
        b"\"",
        b"\\",
        b"\\\"",
        b"\\\\",
        b" ",
        b"\t",
        b"\r",
        b"\n",
        b"\"ts\"",
        b"\"level\":",
        b"\"msg\":\"",
        b"\"a\\\"b\"",
        b"\"\"",
        b"123",
        b"-1.5e3",
        b"true",
        b"false",
        b"null",
        b"x",
        b"\xc3\xa9",
        b"\xff",
        b"\"\\\\\"",
        b"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
        b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    ];

    /// A line of members in the common shape (`"key":value,` with now and then a blank or an
    /// escape), then maybe cut short or followed by garbage.
    fn object_line() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let value = prop_oneof![
            "[a-z0-9 \\\\\"é]{0,90}".prop_map(|v| format!("\"{v}\"")),
            "[ab\\\\\"]{0,20}".prop_map(|v| format!("\"{v}\"")),
            "-?[0-9]{1,15}(\\.[0-9]{1,4})?",
            Just("true".to_string()),
            Just("null".to_string()),
            Just(r#"{"a":[1,"}"],"b":{}}"#.to_string()),
        ];
        let member = ("[a-z_]{0,10}", "[ \t]{0,1}", value)
            .prop_map(|(k, w, v)| format!("\"{k}\"{w}:{w}{v}"));
        (
            proptest::collection::vec(member, 0..16),
            0..400usize,
            proptest::collection::vec(0..PIECES.len(), 0..3),
        )
            .prop_map(|(ms, cut, junk)| {
                let mut s = format!("{{{}}}", ms.join(",")).into_bytes();
                if cut < s.len() && cut % 3 == 0 {
                    s.truncate(cut);
                }
                for p in junk {
                    s.extend_from_slice(PIECES[p]);
                }
                s
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The quote masks find the members the byte-by-byte scan found, up to the same early
        /// stop, on lines of JSON-ish pieces, on lines of the common shape, and on random bytes.
        #[test]
        fn json_members_as_the_old_scan(
            pieces in proptest::collection::vec(0..PIECES.len(), 0..60),
            line in object_line(),
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            stop in 1..20usize,
        ) {
            let mut s = b"{".to_vec();
            for p in pieces {
                s.extend_from_slice(PIECES[p]);
            }
            for s in [&s, &line, &bytes] {
                let new = walk_with(|s, f| json_members(s, f), s, stop);
                let old = walk_with(|s, f| old_json_members(s, f), s, stop);
                proptest::prop_assert_eq!(new, old, "{:?}", String::from_utf8_lossy(s));
            }
        }
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
