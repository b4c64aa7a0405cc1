//! Reading lines: each line of a window of bytes offered to the source's formats, in
//! parallel chunks; what comes out is the lines that start a record (or state a date), with
//! where they lie. Every other line is known by the bytes between two of these.

use memchr::memchr_iter;
use rayon::prelude::*;

use crate::format::detect::Matcher;
use crate::format::Hit;
use crate::record::LONG_TEXT;
use crate::time::{Civil, Stamp};

/// A line that is a record start or a header, as found by the parallel pass.
#[derive(Clone, Copy, Debug)]
pub struct LineHit {
    pub line: u64,
    pub start: usize,
    pub end: usize,
    pub hit: Hit,
}

/// Lines of a source stamped outside the years deskew reads (`Matcher::far_year`): they
/// got no time, and are kept with the record before them. Told once per source: the first
/// (1-based) and how many.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FarYears {
    pub first: u64,
    pub count: u64,
}

impl FarYears {
    /// One more such line, 1-based `line`.
    #[cold]
    pub fn add(&mut self, line: u64) {
        self.merge(FarYears { first: line, count: 1 }, 0);
    }

    /// Those of `other` too (its lines counted from `base`, 0-based, on).
    pub fn merge(&mut self, other: FarYears, base: u64) {
        if other.count > 0 {
            let first = other.first + base;
            if self.count == 0 || first < self.first {
                self.first = first;
            }
            self.count += other.count;
        }
    }

    /// The one message of a source (`display`) that has such lines.
    pub fn message(&self, display: &str) -> Option<String> {
        let (n, s) = (self.count, if self.count == 1 { "" } else { "s" });
        (n > 0).then(|| {
            format!(
                "{display}:{}: a timestamp outside the years 1678 to 2261 (the times deskew reads); its line is kept as a line without a time ({n} line{s} like it in this source)",
                self.first
            )
        })
    }
}

/// Find the hits of every line of `data[range]` on this thread, counting lines from
/// `first_line` (0-based), appended to `hits`; returns the number of lines. Lines that got
/// no time because their stamp's year is out of range are counted in `far`.
pub fn scan_here(
    data: &[u8],
    range: std::ops::Range<usize>,
    first_line: u64,
    matcher: &Matcher,
    hits: &mut Vec<LineHit>,
    far: &mut FarYears,
) -> u64 {
    let mut s = matcher.scratch();
    let mut n = first_line;
    let mut pos = range.start;
    let chunk = &data[range.clone()];
    // Formats read a private copy of each line: bytes of a memory-mapped file can change
    // under the reader (the file is cut and its pages read back as zeros), and a regex engine
    // must not see a line change halfway through a match.
    let mut copy = Vec::with_capacity(1024);
    let mut visit = |a: usize, b: usize, n: u64, hits: &mut Vec<LineHit>| {
        let mut e = b;
        if e - a > LONG_TEXT {
            // A line this long is matched on its start: a timestamp is near the start of a
            // line, and copying (or matching) a gigabyte line whole would hold it in memory.
            e = a + LONG_TEXT;
        } else if e > a && data[e - 1] == b'\r' {
            e -= 1;
        }
        copy.clear();
        copy.extend_from_slice(&data[a..e]);
        if let Some(hit) = matcher.line(&copy, &mut s) {
            // The record keeps the line's CR line end: output drops one CR at each line's
            // end (as for streamed lines), so a CR of the content before it survives.
            hits.push(LineHit { line: n, start: a, end: b, hit });
        } else if matcher.far_year(&copy, &mut s) {
            far.add(n + 1);
        }
    };
    for nl in memchr_iter(b'\n', chunk) {
        let end = range.start + nl;
        visit(pos, end, n, hits);
        n += 1;
        pos = end + 1;
    }
    if pos < range.end {
        visit(pos, range.end, n, hits);
        n += 1;
    }
    n - first_line
}

/// Hits of all lines of `data`, in order, with 0-based line numbers, parsed in parallel
/// chunks; and the number of lines.
pub fn scan(data: &[u8], matcher: &Matcher) -> (u64, Vec<LineHit>) {
    scan_from(data, 0..data.len(), 0, matcher)
}

/// Hits of the lines of `data[range]` (which starts at a line start), numbered from
/// `first_line` (0-based), parsed in parallel chunks; and the number of lines.
pub fn scan_from(
    data: &[u8],
    range: std::ops::Range<usize>,
    first_line: u64,
    matcher: &Matcher,
) -> (u64, Vec<LineHit>) {
    let mut hits = Vec::new();
    let n = scan_into(data, range, first_line, matcher, &mut hits, &mut FarYears::default());
    (n, hits)
}

/// `scan_from`, the hits appended to `hits` (a buffer a reader keeps from window to window),
/// the lines stamped out of range counted in `far`.
pub fn scan_into(
    data: &[u8],
    range: std::ops::Range<usize>,
    first_line: u64,
    matcher: &Matcher,
    hits: &mut Vec<LineHit>,
    far: &mut FarYears,
) -> u64 {
    let base = range.start;
    let chunks = crate::input::split_chunks(&data[range], 1 << 20);
    let parts: Vec<(u64, Vec<LineHit>, FarYears)> = chunks
        .into_par_iter()
        .map(|r| {
            let (mut h, mut f) = (Vec::new(), FarYears::default());
            (scan_here(data, r.start + base..r.end + base, 0, matcher, &mut h, &mut f), h, f)
        })
        .collect();
    let mut total = first_line;
    hits.reserve(parts.iter().map(|p| p.1.len()).sum());
    for (n, mut h, f) in parts {
        for x in &mut h {
            x.line += total;
        }
        far.merge(f, total);
        total += n;
        hits.extend(h);
    }
    total - first_line
}

/// The year-less civil stamps among `hits`, one per run of equal months (the newest of the
/// run): all that `Resolver::plan_years` needs to count rollovers and find the newest record,
/// in memory that does not grow with the file.
pub fn year_plan(hits: &[LineHit], plan: &mut Vec<Civil>) {
    for h in hits {
        if let Hit::Stamp { stamp: Stamp::Civil(c), .. } = &h.hit {
            if c.year.is_some() || c.month == 0 {
                continue;
            }
            match plan.last_mut() {
                Some(last) if last.month == c.month => {
                    let k = |c: &Civil| (c.day, c.hour, c.minute, c.second, c.nanos);
                    if k(c) > k(last) {
                        *last = *c;
                    }
                }
                _ => plan.push(*c),
            }
        }
    }
}

/// 1-based line number of the first line that is not valid UTF-8, if any.
pub fn first_bad_utf8(data: &[u8]) -> Option<u64> {
    match std::str::from_utf8(data) {
        Ok(_) => None,
        Err(e) => Some(memchr::memchr_iter(b'\n', &data[..e.valid_up_to()]).count() as u64 + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Registry;

    #[test]
    fn far_lines_are_counted_with_the_first_in_every_chunk_and_window() {
        let mut data = b"2026-01-01T00:00:00Z h a\n  at x\n".to_vec();
        for i in 0..40_000 {
            let y = if i % 2 == 0 { "9999" } else { "0001" };
            data.extend_from_slice(format!("{y}-01-01T00:00:00Z h n{i}\n").as_bytes());
        }
        data.extend_from_slice(b"2026-01-01T00:00:01Z h z\n");
        let reg = Registry::load(&[] as &[&str]).unwrap();
        let m = Matcher::detect(&reg, &data, None);
        // In parallel chunks (the data spans two of 1 MiB), from line 10 on.
        let (mut hits, mut far) = (Vec::new(), FarYears::default());
        let n = scan_into(&data, 0..data.len(), 10, &m, &mut hits, &mut far);
        assert_eq!((n, hits.len()), (40_003, 2));
        assert_eq!(far, FarYears { first: 13, count: 40_000 });
        // On one thread, in two windows: the same.
        let cut = data.len() / 2;
        let cut = memchr::memrchr(b'\n', &data[..cut]).unwrap() + 1;
        let mut far2 = FarYears::default();
        let a = scan_here(&data, 0..cut, 0, &m, &mut hits, &mut far2);
        scan_here(&data, cut..data.len(), a, &m, &mut hits, &mut far2);
        assert_eq!(far2, FarYears { first: 3, count: 40_000 });
        let msg = far2.message("y.log").unwrap();
        assert!(msg.starts_with("y.log:3: a timestamp outside the years 1678 to 2261"), "{msg}");
        assert!(msg.ends_with("(40000 lines like it in this source)"), "{msg}");
        assert_eq!(FarYears::default().message("y.log"), None);
        assert!(FarYears { first: 7, count: 1 }
            .message("-")
            .unwrap()
            .ends_with("(1 line like it in this source)"));
    }
}
