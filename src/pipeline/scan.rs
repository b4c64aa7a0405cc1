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

/// Find the hits of every line of `data[range]` on this thread, counting lines from
/// `first_line` (0-based), appended to `hits`; returns the number of lines.
pub fn scan_here(
    data: &[u8],
    range: std::ops::Range<usize>,
    first_line: u64,
    matcher: &Matcher,
    hits: &mut Vec<LineHit>,
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
    let n = scan_into(data, range, first_line, matcher, &mut hits);
    (n, hits)
}

/// `scan_from`, the hits appended to `hits` (a buffer a reader keeps from window to window).
pub fn scan_into(
    data: &[u8],
    range: std::ops::Range<usize>,
    first_line: u64,
    matcher: &Matcher,
    hits: &mut Vec<LineHit>,
) -> u64 {
    let base = range.start;
    let chunks = crate::input::split_chunks(&data[range], 1 << 20);
    let parts: Vec<(u64, Vec<LineHit>)> = chunks
        .into_par_iter()
        .map(|r| {
            let mut h = Vec::new();
            (scan_here(data, r.start + base..r.end + base, 0, matcher, &mut h), h)
        })
        .collect();
    let mut total = first_line;
    hits.reserve(parts.iter().map(|p| p.1.len()).sum());
    for (n, mut h) in parts {
        for x in &mut h {
            x.line += total;
        }
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
