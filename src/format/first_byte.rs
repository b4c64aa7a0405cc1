//! The bytes a line must start with for a format regex to match it: most lines of other
//! formats, and stack traces, are refused on their first byte without running the regex
//! (detection tries every format on a thousand lines of every source).

use super::split::{skip_class, skip_escape, skip_group, skip_quantifier};

/// A set of bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ByteSet([u64; 4]);

impl ByteSet {
    pub fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] >> (b & 63) & 1 == 1
    }

    fn add(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }

    pub fn insert(&mut self, b: u8) {
        self.add(b);
    }

    pub fn intersect(self, o: ByteSet) -> ByteSet {
        ByteSet(std::array::from_fn(|i| self.0[i] & o.0[i]))
    }

    pub fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }

    fn add_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.add(b);
        }
    }

    pub fn union(self, o: ByteSet) -> ByteSet {
        ByteSet(std::array::from_fn(|i| self.0[i] | o.0[i]))
    }

    fn complement(self) -> ByteSet {
        ByteSet(self.0.map(|w| !w))
    }

    pub fn of(f: impl Fn(u8) -> bool) -> ByteSet {
        let mut s = ByteSet::default();
        for b in 0..=255u8 {
            if f(b) {
                s.add(b);
            }
        }
        s
    }
}

/// The bytes a match of `src` (a regex that starts with `^`) can start with, so that a line
/// starting with any other byte (or an empty line) is refused without running the regex.
/// `None` when the pattern can match the empty string or the analysis is not sure: it only
/// reads literals, escapes, simple classes and groups, and gives up on anything else.
pub fn first_bytes(src: &str) -> Option<ByteSet> {
    let rest = src.strip_prefix('^')?;
    match seq_first(rest)? {
        (set, false) => Some(set),
        (_, true) => None,
    }
}

/// First bytes of a pattern (alternation allowed) and whether it can match empty.
fn seq_first(src: &str) -> Option<(ByteSet, bool)> {
    let b = src.as_bytes();
    let mut total = ByteSet::default();
    let mut any_nullable = false;
    // Each branch of a top-level alternation.
    let mut branch = ByteSet::default();
    let mut open = true; // the branch so far can match empty: keep adding
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'|' {
            total = total.union(branch);
            any_nullable |= open;
            branch = ByteSet::default();
            open = true;
            i += 1;
            continue;
        }
        if !open {
            // The branch's first bytes are known; only look for the next `|`.
            i = skip_quantifier(b, end_of_atom(b, i)?)?.0;
            continue;
        }
        let ((set, nullable), atom_end) = atom_first(src, i)?;
        let (end, _) = skip_quantifier(b, atom_end)?;
        // `?`, `*`, `{0,n}` let the atom be skipped (`{05}` too: erring is harmless).
        let q = &b[atom_end..end];
        let zero = matches!(q.first(), Some(b'*' | b'?')) || q.starts_with(b"{0");
        branch = branch.union(set);
        open = nullable || zero;
        i = end;
    }
    total = total.union(branch);
    any_nullable |= open;
    Some((total, any_nullable))
}

/// Index where the atom at `i` ends (before any quantifier).
fn end_of_atom(b: &[u8], i: usize) -> Option<usize> {
    match b[i] {
        b'(' => skip_group(b, i),
        b'[' => skip_class(b, i),
        b'\\' => skip_escape(b, i),
        c if c.is_ascii() => Some(i + 1),
        // A character of several bytes.
        _ => Some(i + b[i..].iter().skip(1).take_while(|&&c| c & 0xc0 == 0x80).count() + 1),
    }
}

/// First bytes of the atom at `i` and whether it can match empty, with where it ends.
fn atom_first(src: &str, i: usize) -> Option<((ByteSet, bool), usize)> {
    let b = src.as_bytes();
    let c = b[i];
    let one = |c: u8| {
        let mut s = ByteSet::default();
        s.add(c);
        s
    };
    Some(match c {
        b'(' => {
            let end = skip_group(b, i)?;
            let head = &src[i + 1..end - 1];
            let inner = if let Some(r) = head.strip_prefix("?:") {
                r
            } else if let Some(r) = head.strip_prefix("?P<").or_else(|| head.strip_prefix("?<")) {
                &r[r.find('>')? + 1..]
            } else if head.starts_with('?') {
                return None; // flags: case-insensitivity and the like
            } else {
                head
            };
            (seq_first(inner)?, end)
        }
        b'[' => {
            let end = skip_class(b, i)?;
            ((class_set(&b[i + 1..end - 1])?, false), end)
        }
        b'\\' => {
            let end = skip_escape(b, i)?;
            ((escape_set(&b[i + 1..end])?, false), end)
        }
        b'.' | b'^' | b'$' | b'*' | b'+' | b'?' | b'{' | b')' | b'|' => return None,
        c if c.is_ascii() => ((one(c), false), i + 1),
        _ => return None,
    })
}

/// The bytes an escape (without its backslash) matches, when it is one byte from a known set.
fn escape_set(e: &[u8]) -> Option<ByteSet> {
    let space = |c: u8| matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    Some(match e {
        b"d" => ByteSet::of(|c| c.is_ascii_digit()),
        b"D" => ByteSet::of(|c| c.is_ascii_digit()).complement(),
        b"s" => ByteSet::of(space),
        b"S" => ByteSet::of(space).complement(),
        b"w" => ByteSet::of(word),
        b"W" => ByteSet::of(word).complement(),
        b"t" => ByteSet::of(|c| c == b'\t'),
        [c] if c.is_ascii_punctuation() && *c != b'<' && *c != b'>' => ByteSet::of(|x| x == *c),
        _ => return None,
    })
}

/// The bytes a class body (between `[` and `]`) matches: single ASCII characters, ranges and
/// the escapes of `escape_set`; anything else gives up.
fn class_set(body: &[u8]) -> Option<ByteSet> {
    let (negated, body) = match body.strip_prefix(b"^") {
        Some(r) => (true, r),
        None => (false, body),
    };
    let mut set = ByteSet::default();
    let mut i = 0;
    // One class member at `i`: a single byte, or a set from an escape.
    let member = |i: usize| -> Option<(Result<u8, ByteSet>, usize)> {
        match body[i] {
            b'\\' => {
                let end = skip_escape(body, i)?;
                let s = escape_set(&body[i + 1..end])?;
                let single = (0..=255u8).filter(|&c| s.contains(c)).collect::<Vec<_>>();
                Some((if single.len() == 1 { Ok(single[0]) } else { Err(s) }, end))
            }
            b'[' => None,
            c if c.is_ascii() => Some((Ok(c), i + 1)),
            _ => None,
        }
    };
    while i < body.len() {
        let (m, end) = member(i)?;
        match m {
            Ok(lo) if body.get(end) == Some(&b'-') && end + 1 < body.len() => {
                let (hi, end2) = member(end + 1)?;
                let hi = hi.ok()?;
                if hi < lo {
                    return None;
                }
                set.add_range(lo, hi);
                i = end2;
            }
            Ok(c) => {
                set.add(c);
                i = end;
            }
            Err(s) => {
                set = set.union(s);
                i = end;
            }
        }
    }
    Some(if negated { set.complement() } else { set })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(src: &str) -> Option<String> {
        first_bytes(src).map(|s| (0..=255u8).filter(|&b| s.contains(b)).map(char::from).collect())
    }

    #[test]
    fn reads_literals_classes_and_optional_groups() {
        assert_eq!(
            chars(r"^(?:<\d{1,3}>)?(?P<ts>[A-Z][a-z]{2}) x").as_deref(),
            Some("<ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        );
        assert_eq!(chars(r"^(?:-|[A-Z_]+) ").as_deref(), Some("-ABCDEFGHIJKLMNOPQRSTUVWXYZ_"));
        assert_eq!(chars(r"^\[?\d").as_deref(), Some("0123456789["));
    }

    #[test]
    fn gives_up_when_unsure_or_when_the_match_can_be_empty() {
        for src in [r"^a?", r"^(?i)a", r"^(?i:a)", r"^\x41", r"^.", r"^[[:alpha:]]", r"a"] {
            assert_eq!(first_bytes(src), None, "{src}");
        }
    }
}
