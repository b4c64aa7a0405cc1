//! Finding a format regex's `ts`, `host` and `level` groups without a capture engine.
//!
//! `Regex::captures_read` runs a DFA to find the match and then a bounded backtracker over the
//! whole match to place the groups. For a long line (an access log line is ~200 bytes, most of
//! it quoted strings after the timestamp) the backtracker costs several times the DFA.
//!
//! When every group a format reads is an item of the regex's top-level concatenation
//! (`^A (?P<ts>G) B`), the regex is cut there into pieces `A`, `G`, `B` that are matched one
//! after the other, each anchored where the previous one ended, with DFA searches only (or a
//! byte comparison for a literal piece). This gives exactly the groups `captures_read` gives:
//! leftmost-first semantics prefers paths in lexicographic order of their choices, and the
//! choices of `A` come before those of `G` and `B`; so when the preferred match of `A` can be
//! continued by `G` and then `B`, that continuation, piece by piece preferred, is the preferred
//! match of the whole. When a piece fails the caller falls back to the whole regex, which then
//! either tries the paths the pieces did not, or fails too.
//!
//! Patterns the cutter does not understand with certainty (top-level alternation, inline flags
//! at the top level, set operations in classes, groups under a quantifier) are not cut.

use regex::bytes::Regex;

/// How one piece is matched at a position.
enum Piece {
    /// Plain bytes.
    Literal(Vec<u8>),
    /// `\b` alone (a common last piece), tested by hand: with Unicode off it is an ASCII word
    /// boundary.
    WordBoundary,
    /// `^(?:piece)` run on the rest of the line: exact, as the piece has no assertion that
    /// looks at the bytes before where it starts.
    Anchored(Regex),
    /// A piece with an assertion that looks back (`\b`, `^`): `at_start` is `^(?:piece)` for
    /// position 0; `after` is `^(?s-u:.)(?:piece)`, run from the byte before the position,
    /// which it consumes, so the assertions see what they would see in the whole line.
    LooksBack { at_start: Regex, after: Regex },
}

impl Piece {
    /// End of the preferred match of the piece starting at `pos`, if there is one.
    fn end_at(&self, line: &[u8], pos: usize) -> Option<usize> {
        match self {
            Piece::Literal(lit) => line[pos..].starts_with(lit).then_some(pos + lit.len()),
            Piece::WordBoundary => {
                let word =
                    |i: usize| line.get(i).is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_');
                (pos.checked_sub(1).is_some_and(word) != word(pos)).then_some(pos)
            }
            Piece::Anchored(re) => re.find(&line[pos..]).map(|m| pos + m.end()),
            Piece::LooksBack { at_start, .. } if pos == 0 => at_start.find(line).map(|m| m.end()),
            Piece::LooksBack { after, .. } => {
                after.find(&line[pos - 1..]).map(|m| pos - 1 + m.end())
            }
        }
    }

    /// Whether the piece matches at `pos` (cheaper than `end_at`: the search may stop at the
    /// first match state).
    fn matches_at(&self, line: &[u8], pos: usize) -> bool {
        match self {
            Piece::Literal(_) | Piece::WordBoundary => self.end_at(line, pos).is_some(),
            Piece::Anchored(re) => re.is_match(&line[pos..]),
            Piece::LooksBack { at_start, .. } if pos == 0 => at_start.is_match(line),
            Piece::LooksBack { after, .. } => after.is_match(&line[pos - 1..]),
        }
    }
}

/// A regex cut into pieces around its groups.
pub struct Split {
    /// Each piece, and the group (index into `Spans`) it is, if it is one.
    pieces: Vec<(Piece, Option<usize>)>,
}

/// Group spans found by `Split::find`: `ts`, `host`, `level`.
pub type Spans = [Option<(usize, usize)>; 3];

/// What the pieces say about a line.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// The regex matches, with these groups.
    Groups(Spans),
    /// The regex does not match: its first piece matches nowhere at the start.
    NoMatch,
    /// A later piece failed after the preferred match of those before it: run the whole regex.
    Undecided,
}

impl Split {
    /// Cut `src` around the named groups in `names` (`ts`, `host`, `level`, in that order;
    /// `None` for a group the format does not read). `None` when the pattern cannot be cut with certainty.
    pub fn new(src: &str, names: [Option<&str>; 3]) -> Option<Split> {
        // Unicode word boundaries look further back than one byte; keep it simple.
        if src.contains("(?")
            && src.split("(?").skip(1).any(|g| {
                g.bytes().take_while(|c| c.is_ascii_alphabetic() || *c == b'-').any(|c| c == b'u')
            })
        {
            return None;
        }
        let items = top_level_items(src)?;
        // The match must start at the start of the line, so the first piece runs there.
        if src.as_bytes().first() != Some(&b'^') {
            return None;
        }
        let mut pieces = Vec::new();
        let mut gap_start = 0;
        let mut found = [false; 3];
        for it in &items {
            match it {
                Item::BareFlags | Item::Alternation => return None,
                Item::Group { name: Some(n), whole, inner, quantified } => {
                    let Some(slot) = names.iter().position(|x| *x == Some(n.as_str())) else {
                        continue;
                    };
                    if *quantified {
                        return None;
                    }
                    // A lone `^` before the first piece holds at the start of the line.
                    let lone_caret = gap_start == 0 && &src[..whole.0] == "^";
                    if whole.0 > gap_start && !lone_caret {
                        pieces.push((piece(&src[gap_start..whole.0], pieces.is_empty())?, None));
                    }
                    pieces.push((piece(&src[inner.0..inner.1], pieces.is_empty())?, Some(slot)));
                    found[slot] = true;
                    gap_start = whole.1;
                }
                _ => {}
            }
        }
        // Every group the format reads must be at the top level.
        if (0..3).any(|i| names[i].is_some() && !found[i]) {
            return None;
        }
        if gap_start < src.len() {
            pieces.push((piece(&src[gap_start..], pieces.is_empty())?, None));
        }
        Some(Split { pieces })
    }

    /// The spans of the groups, when the pieces match one after the other from the start of
    /// `line`.
    pub fn find(&self, line: &[u8]) -> Found {
        let mut spans: Spans = [None; 3];
        let mut pos = 0;
        let last = self.pieces.len() - 1;
        for (i, (p, group)) in self.pieces.iter().enumerate() {
            let end = if i == last && group.is_none() {
                // Where the last piece ends does not matter, only that it matches.
                p.matches_at(line, pos).then_some(pos)
            } else {
                p.end_at(line, pos)
            };
            let Some(end) = end else {
                // Every match of the regex starts with a match of the first piece at 0.
                return if i == 0 { Found::NoMatch } else { Found::Undecided };
            };
            if let Some(g) = group {
                spans[*g] = Some((pos, end));
            }
            pos = end;
        }
        Found::Groups(spans)
    }
}

/// Compile one piece in the cheapest exact way. `first`: it runs at the start of the line,
/// where the rest of the line is the whole line.
fn piece(src: &str, first: bool) -> Option<Piece> {
    if let Some(lit) = literal(src) {
        return Some(Piece::Literal(lit));
    }
    if src == "\\b" {
        return Some(Piece::WordBoundary);
    }
    let at_start = super::build_regex(&format!("^(?:{src})")).ok()?;
    if first || !looks_back(src) {
        return Some(Piece::Anchored(at_start));
    }
    let after = super::build_regex(&format!("^(?s-u:.)(?:{src})")).ok()?;
    Some(Piece::LooksBack { at_start, after })
}

/// Whether `src` has an assertion that looks at the byte before where it is tested (`^`,
/// `\A`, word boundaries), so that it must not run on a slice that starts mid-line. Errs
/// towards yes. (ASCII word boundaries look one byte back; a pattern that turns Unicode on
/// anywhere is not cut at all, see `Split::new`.)
fn looks_back(src: &str) -> bool {
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'^' => return true,
            b'\\' => {
                if matches!(b.get(i + 1), Some(b'A' | b'b' | b'B' | b'<' | b'>')) {
                    return true;
                }
                let Some(end) = skip_escape(b, i) else { return true };
                i = end;
            }
            b'[' => {
                let Some(end) = skip_class(b, i) else { return true };
                i = end;
            }
            _ => i += 1,
        }
    }
    false
}

/// The bytes a piece matches when it is a plain literal (letters, digits, spaces, escaped or
/// harmless punctuation), else `None`.
fn literal(src: &str) -> Option<Vec<u8>> {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\\' {
            let &n = b.get(i + 1)?;
            // `\<` and `\>` are word boundaries, not characters.
            if n.is_ascii_punctuation() && n != b'<' && n != b'>' {
                out.push(n);
            } else if n == b't' {
                out.push(b'\t');
            } else {
                return None;
            }
            i += 2;
            continue;
        }
        let plain = c.is_ascii_alphanumeric()
            || matches!(c, b' ' | b'-' | b'/' | b':' | b',' | b'=' | b'@' | b'<' | b'>')
            || matches!(c, b'!' | b'%' | b'\'' | b'"' | b';' | b'_' | b'&' | b'~' | b'`');
        if !plain {
            return None;
        }
        // A quantifier after this character would make it not a literal.
        if matches!(b.get(i + 1), Some(b'*' | b'+' | b'?' | b'{')) {
            return None;
        }
        out.push(c);
        i += 1;
    }
    Some(out)
}

/// One item of a regex's top-level concatenation.
#[derive(Debug, PartialEq, Eq)]
enum Item {
    /// A group: its name, the byte range of the whole group `(...)` and of its inside, and
    /// whether a quantifier follows it.
    Group { name: Option<String>, whole: (usize, usize), inner: (usize, usize), quantified: bool },
    /// `(?i)` and the like: it changes the meaning of the items after it.
    BareFlags,
    /// A top-level `|`.
    Alternation,
    /// Anything else (a literal, a class, an escape, an assertion), with its quantifier.
    Other,
}

/// The top-level items of `src`, or `None` when the pattern has a construct the cutter does
/// not parse with certainty.
fn top_level_items(src: &str) -> Option<Vec<Item>> {
    let b = src.as_bytes();
    let mut items = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let (item, end) = match b[i] {
            b'|' => (Item::Alternation, i + 1),
            b'(' => {
                let close = skip_group(b, i)?;
                let head = &src[i + 1..close - 1];
                if head.starts_with('?')
                    && !head.starts_with("?:")
                    && !head.starts_with("?P<")
                    && !head.starts_with("?<")
                {
                    // `(?flags)` or `(?flags:...)`; only the scoped form is harmless.
                    let flags =
                        head[1..].bytes().take_while(|c| c.is_ascii_alphabetic() || *c == b'-');
                    match head.as_bytes().get(1 + flags.count()) {
                        Some(b':') => (Item::Other, close),
                        _ => (Item::BareFlags, close),
                    }
                } else if let Some(rest) =
                    head.strip_prefix("?P<").or_else(|| head.strip_prefix("?<"))
                {
                    let gt = rest.find('>')?;
                    let name = rest[..gt].to_string();
                    let inner_start = i + 1 + (head.len() - rest.len()) + gt + 1;
                    let (end, quantified) = skip_quantifier(b, close)?;
                    items.push(Item::Group {
                        name: Some(name),
                        whole: (i, close),
                        inner: (inner_start, close - 1),
                        quantified,
                    });
                    i = end;
                    continue;
                } else {
                    (Item::Other, close)
                }
            }
            b'[' => (Item::Other, skip_class(b, i)?),
            b'\\' => (Item::Other, skip_escape(b, i)?),
            b')' | b'*' | b'+' | b'?' | b'{' => return None,
            _ => (Item::Other, i + src[i..].chars().next()?.len_utf8()),
        };
        let (end, _) = skip_quantifier(b, end)?;
        items.push(item);
        i = end;
    }
    Some(items)
}

/// Index after the quantifier at `i` (if any, with a lazy `?`), and whether there was one.
pub(super) fn skip_quantifier(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let end = match b.get(i) {
        Some(b'*' | b'+' | b'?') => i + 1,
        Some(b'{') => {
            let close = i + b[i..].iter().position(|&c| c == b'}')?;
            let body = &b[i + 1..close];
            let ok = !body.is_empty()
                && body[0].is_ascii_digit()
                && body.iter().all(|&c| c.is_ascii_digit() || c == b',')
                && body.iter().filter(|&&c| c == b',').count() <= 1;
            if !ok {
                return None;
            }
            close + 1
        }
        _ => return Some((i, false)),
    };
    let end = if b.get(end) == Some(&b'?') { end + 1 } else { end };
    // Two quantifiers in a row (`a**`) is not something to guess about.
    if matches!(b.get(end), Some(b'*' | b'+' | b'?' | b'{')) {
        return None;
    }
    Some((end, true))
}

/// Index after the escape at `i` (`b[i] == b'\\'`).
pub(super) fn skip_escape(b: &[u8], i: usize) -> Option<usize> {
    let &c = b.get(i + 1)?;
    if matches!(c, b'p' | b'P' | b'x' | b'u' | b'U' | b'b') && b.get(i + 2) == Some(&b'{') {
        return Some(i + 2 + b[i + 2..].iter().position(|&c| c == b'}')? + 1);
    }
    let hex = match c {
        b'x' => 2,
        b'u' => 4,
        b'U' => 8,
        b'p' | b'P' => 1,
        _ => 0,
    };
    let end = i + 2 + hex;
    (end <= b.len()).then_some(end)
}

/// Index after the class starting at `i` (`b[i] == b'['`). Nested classes and set operations
/// are refused.
pub(super) fn skip_class(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if b.get(j) == Some(&b'^') {
        j += 1;
    }
    if b.get(j) == Some(&b']') {
        j += 1;
    }
    while j < b.len() {
        match b[j] {
            b'\\' => j = skip_escape(b, j)?,
            b'[' => {
                // Only `[:name:]`.
                if b.get(j + 1) != Some(&b':') {
                    return None;
                }
                let close = j + b[j..].windows(2).position(|w| w == b":]")?;
                j = close + 2;
            }
            b']' => return Some(j + 1),
            b'&' | b'-' | b'~' if b.get(j + 1) == Some(&b[j]) => return None,
            _ => j += 1,
        }
    }
    None
}

/// Index after the group starting at `i` (`b[i] == b'('`).
pub(super) fn skip_group(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j = skip_escape(b, j)?,
            b'[' => j = skip_class(b, j)?,
            b'(' => j = skip_group(b, j)?,
            b')' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TS_ONLY: [Option<&str>; 3] = [Some("ts"), None, None];

    fn spans(re: &str, names: [Option<&str>; 3], line: &str) -> Option<Spans> {
        // As `Format::parse` does: the whole regex when the pieces cannot decide.
        match Split::new(re, names).expect("cut").find(line.as_bytes()) {
            Found::Groups(g) => Some(g),
            Found::NoMatch => None,
            Found::Undecided => captures(re, names, line),
        }
    }

    /// What the whole regex says, for comparison.
    fn captures(re: &str, names: [Option<&str>; 3], line: &str) -> Option<Spans> {
        let re = super::super::build_regex(re).unwrap();
        let c = re.captures(line.as_bytes())?;
        let mut out: Spans = [None; 3];
        for (i, n) in names.iter().enumerate() {
            out[i] = n.and_then(|n| c.name(n)).map(|m| (m.start(), m.end()));
        }
        Some(out)
    }

    #[test]
    fn cuts_around_top_level_groups_and_finds_what_captures_finds() {
        let re = r#"^\S+ \S+ (?:\S+|"[^"]*") \[(?P<ts>\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d(?:\.\d{1,9})? [+-]\d{4})\] "(?:[^"\\]|\\.)*" (?:\d{3}|-)"#;
        let line = r#"10.0.0.5 - "a b" [20/Nov/2026:14:02:03 +0000] "GET / HTTP/1.1" 200 512"#;
        assert_eq!(spans(re, TS_ONLY, line), captures(re, TS_ONLY, line));
        assert!(spans(re, TS_ONLY, line).unwrap()[0].is_some());
        let names = [Some("ts"), None, Some("level")];
        let re = r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) +(?:\[[^\]]*\] +)?(?P<level>INFO|WARN|WARNING)\b";
        for line in ["2026-11-22 01:00:08,361 WARNING x", "2026-11-22 01:00:08,361 [m] WARN x"] {
            assert_eq!(spans(re, names, line), captures(re, names, line));
        }
        // `\b` after the level: `WARNINGS` is no level, and the pieces must say so.
        assert_eq!(spans(re, names, "2026-11-22 01:00:08,361 WARNINGS x"), None);
    }

    #[test]
    fn a_piece_whose_preferred_match_cannot_be_continued_is_undecided() {
        // The preferred `ts` is `12`, after which ` x` fails; the whole regex backs off to `1`.
        let re = r"^(?P<ts>\d\d|\d)2 x";
        assert_eq!(Split::new(re, TS_ONLY).unwrap().find(b"12 x"), Found::Undecided);
        assert_eq!(captures(re, TS_ONLY, "12 x").unwrap()[0], Some((0, 1)));
    }

    #[test]
    fn refuses_what_it_cannot_cut_with_certainty() {
        for re in [
            r"^(?P<ts>\d+) x|^y (?P<ts2>\d+)",
            r"^(?i)(?P<ts>\d+) x",
            r"^(?:a(?P<ts>\d+))? x",
            r"^(?P<ts>\d+)? x",
            r"^[a[b]](?P<ts>\d+)",
            r"(?P<ts>\d+)",
        ] {
            assert!(Split::new(re, TS_ONLY).is_none(), "{re}");
        }
        // A named group the format reads but that is nested is refused too.
        assert!(Split::new(r"^(?P<ts>\d+) (?:(?P<host>\S+) )?", [Some("ts"), Some("host"), None])
            .is_none());
    }

    #[test]
    fn tokenizes_escapes_classes_and_quantifiers() {
        let items = top_level_items(r"^\x{41}[\]a-z[:alpha:]]{2,3}?(?:a)*\p{L}(?P<ts>.)+").unwrap();
        assert_eq!(items.len(), 6);
        assert!(matches!(items[5], Item::Group { quantified: true, .. }));
        assert_eq!(literal(r"\] \[x-y"), Some(b"] [x-y".to_vec()));
        assert_eq!(literal(r"a+"), None);
        assert_eq!(literal(r"\d"), None);
    }
}
