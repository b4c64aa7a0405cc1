//! Lines into records, the one grouping core for files and stdin: a line with a timestamp
//! starts a record, the lines after it without one (stack traces, multi-line messages)
//! belong to it. Lines before the first timestamp of a source, and dating headers, become
//! records without a time of their own.
//!
//! Push-style, as ripgrep drives one searcher from a slice and from a reader: the driver
//! hands over each line that starts a record (`push`), and says where the data it has ends
//! (`close`); records come out as soon as they are known to be complete. A file's windows
//! push the hits of each window and close at the end of the file; stdin pushes line by line
//! and also closes when the input pauses, so that a record need not wait for the next one.

use crate::format::Hit;
use crate::record::{Record, NO_TIME};
use crate::time::resolve::{Resolver, Unresolved};
use crate::time::{Nanos, Stamp, ZoneText};

use super::assumed::Tally;
use super::scan::LineHit;

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

/// Why a record's timestamp gave no instant (1-based line), for the driver to report.
pub enum Problem {
    Unresolved(u64, Unresolved),
}

/// The record started by the last hit: its end is known only when the next hit comes or
/// the data ends.
struct Open {
    rec: Record,
    /// End of the hit's own line.
    line_end: usize,
    /// 0-based line of the hit.
    line: u64,
    /// Its format keeps the untimed lines after it apart (each a record of its own).
    single: bool,
}

/// The grouping state of one source. It owns the source's resolver: times are resolved in
/// line order, as year rollovers and DST passes need.
pub struct Grouper<'t> {
    resolver: Resolver,
    traits: &'t [Traits],
    default_host: u32,
    /// Where the lines before the first hit start (and their 0-based line), until a hit
    /// comes; each becomes a record of its own.
    preamble: Option<(usize, u64)>,
    open: Option<Open>,
    problems: Vec<Problem>,
    /// Per host of this source: how its stamps were read (zone, year), for the run's
    /// summary. Sparse (a source names few of the run's hosts, and a run may have 200k
    /// sources of a host each), with the last one used first at hand.
    tallies: Tallies,
}

impl<'t> Grouper<'t> {
    /// `traits[f]`: what format `f` means for grouping; records whose line names no host
    /// get `default_host`.
    pub fn new(resolver: Resolver, traits: &'t [Traits], default_host: u32) -> Grouper<'t> {
        Grouper {
            resolver,
            traits,
            default_host,
            preamble: Some((0, 0)),
            open: None,
            problems: Vec::new(),
            tallies: Tallies::default(),
        }
    }

    pub fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    /// Per host id: how its stamps were read so far.
    pub fn tallies(&self) -> &[(u32, Tally)] {
        &self.tallies.list
    }

    pub fn resolver_mut(&mut self) -> &mut Resolver {
        &mut self.resolver
    }

    /// Whether a record is open (lines without a timestamp would join it).
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// Whether a record is open that the lines after it without a timestamp join (a
    /// multi-line format's, a header's).
    pub fn groups(&self) -> bool {
        self.open.as_ref().is_some_and(|o| !o.single)
    }

    /// The timestamps that could not be resolved so far.
    pub fn take_problems(&mut self) -> Vec<Problem> {
        std::mem::take(&mut self.problems)
    }

    /// After `close`: the lines from `at` (0-based line `line`) on start afresh, each a record
    /// of its own until the next hit (stdin, once a pause closed what was open).
    pub fn restart(&mut self, at: usize, line: u64) {
        if self.open.is_none() {
            self.preamble = Some((at, line));
        }
    }

    /// A line that starts a record (or states a date). It closes the record open before it,
    /// which ends at the line break before `h.start`. `host_of` maps a captured host name to
    /// its index. Complete records are appended to `out`.
    pub fn push(
        &mut self,
        data: &[u8],
        h: &LineHit,
        mut host_of: impl FnMut(&[u8]) -> u32,
        out: &mut Vec<Record>,
    ) {
        // A hit starts a line, so the byte before it is the line break that ends the record
        // before: it is not looked at (the data was scanned a window ago, and reading it again
        // costs a cache miss per record; and a mapped file cut since reads as zeros there).
        let before = h.start.saturating_sub(1);
        if let Some((p, line)) = self.preamble.take() {
            each_line(data, out, p, h.start, line, self.default_host);
        }
        if let Some(o) = self.open.take() {
            self.finish(data, o, before, out);
        }
        let rec = match h.hit {
            Hit::Header { year, month, day } => {
                self.resolver.header_date(year, month, day);
                Record::untimed(h.start, h.end, h.line + 1, self.default_host, true)
            }
            Hit::Stamp { stamp, format, ts, host, level } => {
                let host = match host {
                    Some((a, b)) => host_of(&data[h.start + a as usize..h.start + b as usize]),
                    None => self.default_host,
                };
                let tr = self.traits.get(format as usize).copied();
                self.tallies.of(host).add(&stamp, tr.is_some_and(|t| t.utc));
                let stamp = tr.map_or(stamp, |t| t.stamp(stamp));
                let t = match self.resolver.resolve(&stamp) {
                    Ok(t) => t,
                    Err(e) => {
                        if !matches!(e, Unresolved::Relative(_)) {
                            self.problems.push(Problem::Unresolved(h.line + 1, e));
                        }
                        NO_TIME
                    }
                };
                Record {
                    key: t,
                    offset: 0,
                    start: h.start,
                    end: h.end,
                    line: h.line + 1,
                    raw_ts: ts,
                    level: level.unwrap_or((0, 0)),
                    host,
                    format,
                    one_line: true,
                    timed: t != NO_TIME,
                }
            }
        };
        let single = matches!(h.hit, Hit::Stamp { format, .. }
            if self.traits.get(format as usize).is_some_and(|t| !t.multiline));
        self.open = Some(Open { rec, line_end: h.end, line: h.line, single });
    }

    /// Every line that starts before `upto` (a line start; 0-based line `line`) has been
    /// pushed. The lines before it that are records of their own (before the first hit,
    /// after a record of a single-line format) become records now rather than at the next
    /// hit, so that a source read a window at a time is never looked at again before `upto`
    /// (however far away its next hit lies).
    pub fn advance(&mut self, data: &[u8], upto: usize, line: u64, out: &mut Vec<Record>) {
        if let Some(o) = &self.open {
            if o.single && o.rec.format != u16::MAX && o.line_end < upto {
                let o = self.open.take().expect("checked above");
                out.push(o.rec);
                self.preamble = Some((o.line_end + 1, o.line + 1));
            }
        }
        if let Some((p, l)) = self.preamble {
            if p < upto {
                each_line(data, out, p, upto, l, self.default_host);
                self.preamble = Some((upto, line));
            }
        }
    }

    /// The line that starts at `start` (0-based line `line`), pushed (if a hit) when only its
    /// start was known, ends at `end` (its `\n`, or the end of the data): a line too long to
    /// be read whole (see `record::LONG_TEXT`). Call `advance` up to `start` first.
    pub fn long_line(&mut self, start: usize, end: usize, line: u64, out: &mut Vec<Record>) {
        if let Some((p, _)) = self.preamble {
            if p == start {
                out.push(Record::untimed(start, end, line + 1, self.default_host, true));
                self.preamble = Some((end + 1, line + 1));
            }
            return;
        }
        if let Some(o) = &mut self.open {
            if o.rec.start == start {
                o.line_end = end;
                o.rec.end = end;
            }
        }
    }

    /// The data ends at `region_end` (the end of the source, or of what stdin has given so
    /// far): the open record, or the lines before the first hit, end there.
    pub fn close(&mut self, data: &[u8], region_end: usize, out: &mut Vec<Record>) {
        if let Some((p, line)) = self.preamble.take() {
            each_line(data, out, p, region_end, line, self.default_host);
        }
        if let Some(o) = self.open.take() {
            let end = if region_end > o.rec.start
                && region_end <= data.len()
                && data[region_end - 1] == b'\n'
            {
                region_end - 1
            } else {
                region_end
            };
            self.finish(data, o, end, out);
        }
    }

    /// The open record ends at `end` (the byte before the next record's line, or the end).
    fn finish(&self, data: &[u8], o: Open, end: usize, out: &mut Vec<Record>) {
        let end = end.max(o.line_end);
        let mut rec = o.rec;
        let header = rec.format == u16::MAX;
        if header || !o.single {
            rec.end = end;
            rec.one_line = end <= o.line_end;
        }
        out.push(rec);
        if !header && o.single && end > o.line_end {
            each_line(data, out, o.line_end + 1, end, o.line + 1, self.default_host);
        }
    }
}

/// A source's tallies by host id: a list in order of first appearance, an index into it, and
/// the last one used (a source's records mostly name one host after another).
#[derive(Default)]
struct Tallies {
    list: Vec<(u32, Tally)>,
    index: std::collections::HashMap<u32, usize>,
    last: usize,
}

impl Tallies {
    #[inline]
    fn of(&mut self, host: u32) -> &mut Tally {
        if self.list.get(self.last).is_none_or(|t| t.0 != host) {
            self.last = *self.index.entry(host).or_insert_with(|| {
                self.list.push((host, Tally::default()));
                self.list.len() - 1
            });
        }
        &mut self.list[self.last].1
    }
}

/// Each line of `data[pos..limit]` as a record of its own, without a time; `line` is the
/// 0-based line at `pos`.
fn each_line(
    data: &[u8],
    out: &mut Vec<Record>,
    mut pos: usize,
    limit: usize,
    mut line: u64,
    host: u32,
) {
    while pos < limit {
        let end = memchr::memchr(b'\n', &data[pos..limit]).map_or(limit, |i| pos + i);
        out.push(Record::untimed(pos, end, line + 1, host, true));
        line += 1;
        pos = end + 1;
    }
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

/// Say, on stderr, which timestamps gave no instant: the first few, then a count.
pub fn report_problems(display: &str, problems: &[Problem]) {
    for m in problem_messages(display, problems) {
        crate::diag::error_of(crate::diag::Kind::Time, m);
    }
}

/// The messages `report_problems` writes.
pub fn problem_messages(display: &str, problems: &[Problem]) -> Vec<String> {
    const SHOWN: usize = 3;
    let mut out = Vec::new();
    for p in problems.iter().take(SHOWN) {
        let Problem::Unresolved(line, why) = p;
        let what = match why {
            Unresolved::NoDate => {
                "a time of day with no date (no header states one); kept without a time"
            }
            Unresolved::Invalid => "a timestamp that names no real instant; kept without a time",
            Unresolved::Unreadable => {
                "a timestamp field that no layout reads; kept as a record without a time"
            }
            Unresolved::Relative(_) => "a time since boot; pass --boot-time to place it",
        };
        out.push(format!("{display}:{line}: {what}"));
    }
    if problems.len() > SHOWN {
        out.push(format!("{display}: {} more lines like these", problems.len() - SHOWN));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::detect::Matcher;
    use crate::format::Registry;
    use crate::time::resolve::YearRule;
    use crate::time::zone::Tz;

    fn traits(reg: &Registry) -> Vec<Traits> {
        reg.formats.iter().map(|f| Traits { multiline: f.def.multiline, utc: f.def.utc }).collect()
    }

    /// Group `data` pushing hits in slices cut at `cuts` (closing only at the end), and
    /// return (start, end, line, timed) of each record.
    fn group(data: &[u8], cuts: &[usize]) -> Vec<(usize, usize, u64, bool)> {
        let reg = Registry::load(&[] as &[std::path::PathBuf]).unwrap();
        let tr = traits(&reg);
        let m = Matcher::detect(&reg, data, None);
        let (_, hits) = super::super::scan::scan(data, &m);
        let mut g = Grouper::new(Resolver::new(Tz::Fixed(0), YearRule::Fixed(2026)), &tr, 0);
        let mut out = Vec::new();
        let mut k = 0;
        for &c in cuts {
            while k < hits.len() && hits[k].start < c {
                g.push(data, &hits[k], |_| 1, &mut out);
                k += 1;
            }
        }
        for h in &hits[k..] {
            g.push(data, h, |_| 1, &mut out);
        }
        g.close(data, data.len(), &mut out);
        out.iter().map(|r| (r.start, r.end, r.line, r.timed)).collect()
    }

    #[test]
    fn lines_without_a_timestamp_join_the_record_above_and_preamble_lines_stand_alone() {
        let data = b"header\n2026-01-01T00:00:00Z a\n  at x\n  at y\n2026-01-01T00:00:01Z b\n";
        let got = group(data, &[]);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], (0, 6, 1, false));
        assert_eq!((got[1].2, got[1].3), (2, true));
        assert_eq!(&data[got[1].0..got[1].1], b"2026-01-01T00:00:00Z a\n  at x\n  at y");
        assert_eq!(&data[got[2].0..got[2].1], b"2026-01-01T00:00:01Z b");
    }

    #[test]
    fn pushing_in_pieces_gives_the_same_records_as_at_once() {
        let data = b"x\ny\n2026-01-01T00:00:00Z a\nc\n2026-01-01T00:00:01Z b\nd\ne";
        let whole = group(data, &[]);
        for cut in 0..data.len() {
            assert_eq!(group(data, &[cut]), whole, "cut at {cut}");
        }
    }
}
