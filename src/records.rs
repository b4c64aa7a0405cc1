//! Lines into records: a line with a timestamp starts a record, the lines after it without one
//! (stack traces, multi-line messages) belong to it. Lines before the first timestamp of a
//! source, and dating headers, become records without a time of their own.

use memchr::memchr_iter;
use rayon::prelude::*;

use crate::format::detect::Matcher;
use crate::format::{Hit, Span};
use crate::time::resolve::{Resolver, Unresolved};
use crate::time::{Civil, Nanos, Stamp, ZoneText};

/// What grouping and resolution need to know of each format.
#[derive(Clone, Copy, Debug)]
pub struct Traits {
    /// Untimed lines belong to the record above (else each is a record of its own).
    pub multiline: bool,
    /// Zone-less timestamps are UTC, whatever the source's zone.
    pub utc: bool,
}

impl Traits {
    /// The stamp as this format means it: a zone-less civil time of a UTC format is UTC.
    pub fn stamp(&self, stamp: Stamp) -> Stamp {
        match stamp {
            Stamp::Civil(mut c) if self.utc && c.zone == ZoneText::None => {
                c.zone = ZoneText::Offset(0);
                Stamp::Civil(c)
            }
            s => s,
        }
    }
}

/// `ts` of a record that has no wall-clock time.
pub const NO_TIME: Nanos = i64::MIN;

/// One record of a source. Byte offsets index the source's data.
#[derive(Clone, Copy, Debug)]
pub struct Record {
    /// The time the merge orders by: the corrected time of a record that has one (`timed`),
    /// else the time of the record before it in its source (the first timed record's, at
    /// the start). A record's time is not kept apart from its key: records are many, and the
    /// merge moves them around, so each is kept to 64 bytes.
    pub key: Nanos,
    /// Nanoseconds added by clock correction.
    pub offset: i64,
    pub start: usize,
    /// End of the record's text, without its final `\n` (the CR of a CRLF end is kept:
    /// output drops one CR at each line's end).
    pub end: usize,
    /// 1-based line number of the record's first line.
    pub line: u64,
    /// The timestamp text, relative to `start` ((0, 0): none).
    pub raw_ts: Span,
    pub level: Span,
    /// Index into the run's host table.
    pub host: u32,
    pub format: u16,
    /// The text is one line (no `\n` in it): the output copies it without looking for line
    /// breaks. False when not known.
    pub one_line: bool,
    /// The record has a time of its own: `key`.
    pub timed: bool,
}

// Kept to a cache line (see `key`).
const _: () = assert!(std::mem::size_of::<Record>() == 64);

impl Record {
    pub fn has_time(&self) -> bool {
        self.timed
    }

    /// Bytes of the record's text.
    pub fn text_len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
}

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
        if e > a && data[e - 1] == b'\r' {
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

/// Why a record's timestamp gave no instant, for the caller to report.
pub enum Problem {
    Unresolved(u64, Unresolved),
}

/// Group lines into records and resolve their timestamps, in file order.
/// Each hit's record runs to the next hit, the last one's to `region_end`. With
/// `preamble = Some(p)`, the lines from `p` to the first hit (or `region_end`) come first,
/// each a record of its own. `host_of` maps a captured host span of a line to a host index;
/// `default_host` is used otherwise. `traits[f]` says whether format `f` takes the untimed
/// lines after a record into it (where not, each is a record of its own) and whether its
/// zone-less stamps are UTC. Year-less stamps
/// need `Resolver::plan_years` to have been told about them first (see `year_plan`).
/// Returns the records and the lines whose timestamps could not be resolved.
#[allow(clippy::too_many_arguments)]
pub fn build(
    data: &[u8],
    hits: &[LineHit],
    region_end: usize,
    preamble: Option<(usize, u64)>,
    resolver: &mut Resolver,
    traits: &[Traits],
    default_host: u32,
    mut host_of: impl FnMut(&[u8]) -> u32,
) -> (Vec<Record>, Vec<Problem>) {
    let mut records = Vec::with_capacity(hits.len() + 1);
    let mut problems = Vec::new();
    let untimed = |start: usize, end: usize, line: u64, host: u32, one_line: bool| Record {
        key: NO_TIME,
        offset: 0,
        start,
        end,
        line,
        raw_ts: (0, 0),
        level: (0, 0),
        host,
        format: u16::MAX,
        one_line,
        timed: false,
    };
    // Each line of data[pos..limit] as a record of its own, without a time.
    let each_line = |records: &mut Vec<Record>, mut pos: usize, limit: usize, mut line: u64| {
        while pos < limit {
            let end = memchr::memchr(b'\n', &data[pos..limit]).map_or(limit, |i| pos + i);
            records.push(untimed(pos, end, line + 1, default_host, true));
            line += 1;
            pos = end + 1;
        }
    };
    // Lines before the first hit: each a record of its own.
    if let Some((p, line)) = preamble {
        each_line(&mut records, p, hits.first().map_or(region_end, |h| h.start), line);
    }
    for (k, h) in hits.iter().enumerate() {
        // The record runs to the line break before the next hit (or the end of the data).
        // A hit starts a line, so the byte before the next one is that break: it is not
        // looked at (the data was scanned a window ago, and reading it again costs a cache
        // miss per record; and a mapped file cut since reads as zeros there).
        let end = match hits.get(k + 1) {
            Some(n) => n.start - 1,
            None if region_end > h.start
                && region_end <= data.len()
                && data[region_end - 1] == b'\n' =>
            {
                region_end - 1
            }
            None => region_end,
        };
        let end = end.max(h.end);
        match h.hit {
            Hit::Header { year, month, day } => {
                resolver.header_date(year, month, day);
                records.push(untimed(h.start, end, h.line + 1, default_host, end <= h.end));
            }
            Hit::Stamp { stamp, format, ts, host, level } => {
                let host = match host {
                    Some((a, b)) => host_of(&data[h.start + a as usize..h.start + b as usize]),
                    None => default_host,
                };
                let tr = traits.get(format as usize).copied();
                let stamp = tr.map_or(stamp, |t| t.stamp(stamp));
                let t = match resolver.resolve(&stamp) {
                    Ok(t) => t,
                    Err(e) => {
                        if !matches!(e, Unresolved::Relative(_)) {
                            problems.push(Problem::Unresolved(h.line + 1, e));
                        }
                        NO_TIME
                    }
                };
                let single = !tr.is_none_or(|t| t.multiline);
                records.push(Record {
                    key: t,
                    offset: 0,
                    start: h.start,
                    end: if single { h.end } else { end },
                    line: h.line + 1,
                    raw_ts: ts,
                    level: level.unwrap_or((0, 0)),
                    host,
                    format,
                    one_line: single || end <= h.end,
                    timed: t != NO_TIME,
                });
                if single && end > h.end {
                    let next = h.end + 1;
                    each_line(&mut records, next, end, h.line + 1);
                }
            }
        }
    }
    (records, problems)
}

/// Give records without a time the key of the record before them (`prev`: the last key of
/// the batch before; at the start of a source, the first timed record's key), so the merge
/// keeps them beside their neighbours. Returns the last key, for the next batch.
pub fn fill_keys(records: &mut [Record], prev: Nanos) -> Nanos {
    let mut prev = if prev == NO_TIME {
        records.iter().find(|r| r.has_time()).map_or(NO_TIME, |r| r.key)
    } else {
        prev
    };
    for r in records.iter_mut() {
        if r.has_time() {
            prev = r.key;
        } else {
            r.key = prev;
        }
    }
    prev
}

/// 1-based line number of the first line that is not valid UTF-8, if any.
pub fn first_bad_utf8(data: &[u8]) -> Option<u64> {
    match std::str::from_utf8(data) {
        Ok(_) => None,
        Err(e) => Some(memchr::memchr_iter(b'\n', &data[..e.valid_up_to()]).count() as u64 + 1),
    }
}
