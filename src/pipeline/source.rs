//! Parsing a source a window at a time: detect once, then scan, group, resolve and correct
//! the lines of each window of bytes, carrying the state a record or a rule needs across
//! windows (the record still open at the window's end, the resolver, the correction cursors,
//! the key of the last record). With a window as large as the source it is the whole-file
//! parse; with small windows it lets the merge hold only a few windows of records at a time.

use crate::diag;
use crate::format::detect::Matcher;
use crate::format::Hit;
use crate::input::Data;
use crate::record::{Record, LONG_TEXT, NO_TIME};
use crate::time::clock::{now, system_nanos};
use crate::time::resolve::{Resolver, YearRule};
use crate::time::Nanos;

use super::assumed::{Reading, ZoneWhy};
use super::context::Context;
use super::correct::Session;
use super::group::{self, fill_keys, Grouper, Problem};
use super::scan::{self, LineHit};

/// Everything about a source that does not change while it is read.
pub struct Source {
    pub spec: crate::input::SourceSpec,
    pub data: Data,
    pub mtime: Option<std::time::SystemTime>,
    /// Lines in the source (known after a full read).
    pub lines: u64,
    /// Whether the file was found cut short while it was read (said once).
    shrink_reported: std::sync::atomic::AtomicBool,
}

impl Source {
    pub fn new(
        spec: crate::input::SourceSpec,
        data: Data,
        mtime: Option<std::time::SystemTime>,
    ) -> Source {
        Source { spec, data, mtime, lines: 0, shrink_reported: Default::default() }
    }

    /// Say, once per source, that the file was cut to `len` bytes while it was read: what
    /// lay past that point is lost, and `lost` records already read from there were dropped.
    /// The run's exit status becomes 1.
    pub fn report_shrink(&self, len: usize, lost: usize) {
        if !self.shrink_reported.swap(true, std::sync::atomic::Ordering::Relaxed) {
            let dropped = match lost {
                0 => String::new(),
                n => format!(" ({n} records already read from there dropped)"),
            };
            diag::error(format!(
                "{}: the file was cut from {} to {len} bytes while it was read; what lay past byte {len} is lost{dropped}",
                self.spec.display,
                self.data.len()
            ));
        }
    }
}

pub struct SourceParser<'a> {
    cx: &'a Context<'a>,
    src: &'a Source,
    matcher: Matcher<'a>,
    parallel: bool,
    grouper: Grouper<'a>,
    session: Session<'a>,
    window: usize,
    /// Next byte to scan and the number of lines before it.
    pos: usize,
    line: u64,
    /// The hits of the window being parsed: one buffer from window to window (freed at the
    /// end), not a new one each time.
    hits: Vec<LineHit>,
    last_key: Nanos,
    /// Records before the source's first timed one, held back until it comes (or the source
    /// ends), so that they take its key and stay beside it in the merge.
    held: Vec<Record>,
    /// Whether this pass reports problems (a second pass over the same source stays quiet).
    report: bool,
    problems: Vec<Problem>,
    bad_utf8: Option<u64>,
    /// Lines stamped outside the years deskew reads (told once, at the end).
    far: scan::FarYears,
    shrunk_to: Option<usize>,
    /// A line too long to take whole (longer than `LONG_TEXT`) that a window ended in: its
    /// start and 0-based line number. The next window goes on from its end.
    long_line: Option<(usize, u64)>,
    done: bool,
    /// Whether the caller gave the year plan (else a window that covers the whole source
    /// plans from its own stamps).
    planned: bool,
    /// `--correlate`: the ids seen so far, per host.
    links: Option<crate::skew::infer::Collector>,
    /// The zone of the source's zone-less stamps and why, and its year rule (for the
    /// summary of what was assumed).
    zone: (crate::time::zone::Tz, ZoneWhy),
    year_rule: YearRule,
}

impl<'a> SourceParser<'a> {
    /// `year_plan`: the compressed year-less stamps of the whole source, when the caller
    /// gathered them in a pass of its own (windowed reading); `None` to gather them from the
    /// window itself (a single window covering the source).
    pub fn new(
        cx: &'a Context<'a>,
        src: &'a Source,
        window: usize,
        report: bool,
        year_plan: Option<&[crate::time::Civil]>,
    ) -> SourceParser<'a> {
        SourceParser::with_registry(cx, cx.reg, true, src, window, report, year_plan)
    }

    /// `new`, matching lines with `reg` (a copy of `cx.reg`: a thread that scans with its own
    /// copy owns its regexes' caches instead of sharing them through a lock), and scanning a
    /// window in parallel chunks only when `parallel`.
    pub fn with_registry(
        cx: &'a Context<'a>,
        reg: &'a crate::format::Registry,
        parallel: bool,
        src: &'a Source,
        window: usize,
        report: bool,
        year_plan: Option<&[crate::time::Civil]>,
    ) -> SourceParser<'a> {
        let bytes: &[u8] = &src.data;
        let matcher = Matcher::detect(reg, bytes, cx.forced);
        let default_name = cx.source_host(&src.spec, false);
        // The zone: that of the source's host, else of the first host its lines name.
        let (mut tz, mut zone_why) = cx.zone_for(&default_name);
        if !matches!(zone_why, ZoneWhy::HostTz(_)) {
            if let Some(h) = first_captured_host(&matcher, bytes) {
                (tz, zone_why) = cx.zone_for(&h);
            }
        }
        let year = match (cx.settings.year, src.spec.is_stdin) {
            (Some(y), _) => YearRule::Fixed(y),
            (None, false) => YearRule::NotAfter(src.mtime.map_or_else(now, system_nanos)),
            (None, true) => YearRule::NotAfter(now()),
        };
        let mut resolver = Resolver::new(tz.clone(), year);
        resolver.set_boot_time(cx.boot_time_for(&default_name));
        if let Some(plan) = year_plan {
            if !plan.is_empty() {
                resolver.plan_years(plan.iter());
            }
        }
        let default_host = cx.hosts.lock().unwrap().intern(&default_name);
        SourceParser {
            cx,
            src,
            matcher,
            parallel,
            grouper: Grouper::new(resolver, &cx.traits, default_host),
            session: cx.corrector.session(),
            window: window.max(1),
            pos: 0,
            line: 0,
            hits: Vec::new(),
            last_key: NO_TIME,
            held: Vec::new(),
            report,
            problems: Vec::new(),
            bad_utf8: None,
            far: Default::default(),
            shrunk_to: None,
            long_line: None,
            done: false,
            planned: year_plan.is_some(),
            links: cx.settings.correlate.as_ref().map(|_| Default::default()),
            zone: (tz, zone_why),
            year_rule: year,
        }
    }

    /// Whether the source's stamps lack a year, so that windowed reading must plan years in
    /// a pass of its own.
    pub fn needs_year_plan(&self) -> bool {
        self.cx.settings.year.is_none() && {
            let (_, hits) =
                scan::scan_from(&self.src.data, 0..sample_end(&self.src.data), 0, &self.matcher);
            let mut plan = Vec::new();
            scan::year_plan(&hits, &mut plan);
            !plan.is_empty()
        }
    }

    /// The next window's records, in file order; `None` after the last.
    pub fn next_window(&mut self) -> Option<Vec<Record>> {
        if self.done {
            return None;
        }
        let data: &[u8] = &self.src.data;
        let limit = self.shrunk_to.unwrap_or(data.len());
        let mut recs = Vec::new();
        if let Some((start, line)) = self.long_line {
            // The rest of a long line: its end is looked for a window at a time, and the
            // pages looked at are dropped at once (a 10 GB line costs no more than a window).
            let stop = limit.min(self.pos.saturating_add(self.window.max(1 << 20)));
            let found = memchr::memchr(b'\n', &data[self.pos..stop]).map(|i| self.pos + i);
            self.src.data.release(self.pos..found.unwrap_or(stop));
            if found.is_none() && stop < limit {
                self.pos = stop;
                if let Some(len) = self.src.data.shrunk() {
                    self.shrunk_to = Some(len);
                }
                return Some(recs);
            }
            let end = found.unwrap_or(limit);
            self.grouper.long_line(start, end, line, &mut recs);
            self.long_line = None;
            self.pos = found.map_or(limit, |i| i + 1);
        }
        // A window ends at a line end, unless the line that crosses its end runs on for more
        // than LONG_TEXT bytes: then it ends inside that line (`long_line`).
        let mut cut = None;
        let end = if limit - self.pos.min(limit) <= self.window {
            limit
        } else {
            let at = self.pos + self.window;
            let look = limit.min(at.saturating_add(LONG_TEXT));
            match memchr::memchr(b'\n', &data[at..look]) {
                Some(i) => at + i + 1,
                None if look == limit => limit,
                None => {
                    let start = memchr::memrchr(b'\n', &data[self.pos..at])
                        .map_or(self.pos, |i| self.pos + i + 1);
                    cut = Some(start);
                    look
                }
            }
        };
        let mut all = std::mem::take(&mut self.hits);
        all.clear();
        let range = self.pos..end;
        let n = if self.parallel {
            scan::scan_into(data, range, self.line, &self.matcher, &mut all, &mut self.far)
        } else {
            scan::scan_here(data, range, self.line, &self.matcher, &mut all, &mut self.far)
        };
        if self.report && self.bad_utf8.is_none() {
            if let Some(l) = scan::first_bad_utf8(&data[self.pos..end]) {
                self.bad_utf8 = Some(self.line + l);
            }
        }
        let first = self.pos == 0;
        let scanned = self.pos..end;
        self.pos = end;
        self.line += n;
        let last = end >= limit;
        if self.cx.settings.year.is_none() && !self.planned && first && last {
            let mut plan = Vec::new();
            scan::year_plan(&all, &mut plan);
            if !plan.is_empty() {
                self.grouper.resolver_mut().plan_years(plan.iter());
            }
        }
        // Each hit closes the record before it; the last stays open for the next window,
        // unless this one is the last. The run's host table is shared by the parse workers:
        // it is locked only for a name not seen just before (most sources name one host).
        recs.reserve(all.len() + 1);
        {
            let hosts = &self.cx.hosts;
            let mut memo: Option<(Vec<u8>, u32)> = None;
            let mut host_of = |name: &[u8]| {
                if let Some((n, i)) = &memo {
                    if n == name {
                        return *i;
                    }
                }
                let i = hosts.lock().unwrap().intern(&String::from_utf8_lossy(name));
                memo = Some((name.to_vec(), i));
                i
            };
            for h in &all {
                self.grouper.push(data, h, &mut host_of, &mut recs);
            }
            if last {
                self.grouper.close(data, limit, &mut recs);
            } else {
                // The lines before the window's end (or before the long line it ends in)
                // that are records of their own become records now.
                let (upto, line) = match cut {
                    Some(start) => (start, self.line - 1),
                    None => (end, self.line),
                };
                self.grouper.advance(data, upto, line, &mut recs);
                if let Some(start) = cut {
                    self.long_line = Some((start, self.line - 1));
                }
            }
        }
        let problems = self.grouper.take_problems();
        // Kept after the last window too: a caller parsing source after source hands the
        // buffer on (see `take_buffer`), and fresh pages for every source cost page faults.
        self.hits = all;
        if self.report {
            self.problems.extend(problems);
        }
        let hosts = &self.cx.hosts;
        for r in recs.iter_mut() {
            self.session.correct(r, |h| hosts.lock().unwrap().names().get(h).cloned());
        }
        if let Some(len) = self.src.data.shrunk() {
            // Lines past the new end were read as zeros: drop them, and stop there.
            let before = recs.len();
            recs.retain(|r| r.end <= len);
            // Reported even when no record read so far lay past the cut: the bytes between
            // the cut and the old end were never read (a cut ahead of the window).
            self.src.report_shrink(len, before - recs.len());
            self.shrunk_to = Some(len);
            if self.pos >= len {
                self.done = true;
            }
        }
        if last {
            self.done = true;
        }
        // `--correlate`: the ids of this window's timed records, while its pages are in memory.
        if let (Some(links), Some(key)) = (&mut self.links, &self.cx.settings.correlate) {
            links.scan(key, data, &recs);
        }
        // Done with these pages until the output reads them again: out of memory with them.
        self.src.data.release(scanned);
        if self.last_key == NO_TIME && !self.done && !recs.iter().any(|r| r.has_time()) {
            self.held.append(&mut recs);
        } else if !self.held.is_empty() {
            self.held.append(&mut recs);
            recs = std::mem::take(&mut self.held);
        }
        self.last_key = fill_keys(&mut recs, self.last_key);
        Some(recs)
    }

    /// The ids this parser saw (`--correlate`), sealed into spans here, on the thread that
    /// parsed the source.
    pub fn take_links(&mut self) -> Option<crate::skew::infer::Collector> {
        let mut l = self.links.take()?;
        l.seal();
        Some(l)
    }

    /// Take the hits buffer (empty, its capacity kept), for the parser of the next source
    /// (`give_buffer`).
    pub fn take_buffer(&mut self) -> Vec<LineHit> {
        let mut b = std::mem::take(&mut self.hits);
        b.clear();
        b
    }

    /// Parse with `buf`'s capacity (from `take_buffer`) instead of a buffer of its own.
    pub fn give_buffer(&mut self, buf: Vec<LineHit>) {
        if buf.capacity() > self.hits.capacity() {
            self.hits = buf;
        }
    }

    /// Report what went wrong and, when `keep_stats`, add the correction statistics to the
    /// run's summary. Returns the number of lines read.
    pub fn finish(self, keep_stats: bool) -> u64 {
        let lines = self.line;
        self.finish_quietly(keep_stats).say();
        lines
    }

    /// `finish`, with what would be reported kept to be said later (`Report::say`): a
    /// parser is large, and a merge of many sources reports them in command-line order once
    /// all are parsed, without keeping every parser until then.
    pub fn finish_quietly(self, keep_stats: bool) -> Report {
        let mut said = Vec::new();
        if self.report {
            let display = &self.src.spec.display;
            if let Some(line) = self.bad_utf8 {
                let fate = self.cx.settings.bad_utf8_fate;
                said.push(Said::Error(
                    diag::Kind::Utf8,
                    format!("{display}:{line}: invalid UTF-8 ({fate})"),
                ));
            }
            if let Some(m) = self.far.message(display) {
                said.push(Said::Warn(diag::Kind::Time, m));
            }
            let problems = group::problem_messages(display, &self.problems);
            said.extend(problems.into_iter().map(|m| Said::Error(diag::Kind::Time, m)));
            if let Some(abbr) = self.grouper.resolver().ambiguity() {
                said.push(Said::Warn(diag::Kind::Assumed, format!(
                    "{display}: zone abbreviation {abbr} is ambiguous; read by its most common meaning (pass --host-tz HOST=REGION, e.g. America/Los_Angeles, to settle it)"
                )));
            }
        }
        if keep_stats {
            if self.report && self.line > 0 && self.grouper.tallies().is_empty() {
                said.push(Said::Warn(
                    diag::Kind::Untimed,
                    format!(
                        "{}: no line has a timestamp deskew reads: its {} lines are kept without a time (--input-format or --formats DIR if it is a log)",
                        self.src.spec.display, self.line
                    ),
                ));
            }
            self.session.finish();
            let resolver = self.grouper.resolver();
            self.cx.add_reading(
                self.grouper.tallies(),
                &Reading {
                    zone: &self.zone.0,
                    why: &self.zone.1,
                    rule: self.year_rule,
                    stdin: self.src.spec.is_stdin,
                    first_year: resolver.first_year(),
                },
            );
        }
        Report(said)
    }
}

/// One thing a parser has to say about its source.
enum Said {
    Error(diag::Kind, String),
    Warn(diag::Kind, String),
}

/// What a parser has to say about its source (`finish_quietly`), in the order it arose.
pub struct Report(Vec<Said>);

impl Report {
    pub fn say(self) {
        for s in self.0 {
            match s {
                Said::Error(kind, m) => diag::error_of(kind, m),
                Said::Warn(kind, m) => diag::warn(kind, m),
            }
        }
    }
}

/// The end of the detection-sized sample at the start of `data`, at a line boundary.
fn sample_end(data: &[u8]) -> usize {
    let at = data.len().min(512 << 10);
    if at == data.len() {
        return at;
    }
    memchr::memrchr(b'\n', &data[..at]).map_or(at, |i| i + 1)
}

/// The first host named by a line near the start of the source.
fn first_captured_host(matcher: &Matcher, data: &[u8]) -> Option<String> {
    let mut s = matcher.scratch();
    data[..sample_end(data)].split(|&b| b == b'\n').find_map(|line| {
        match matcher.line(line, &mut s) {
            Some(Hit::Stamp { host: Some((a, b)), .. }) => {
                Some(String::from_utf8_lossy(&line[a as usize..b as usize]).into_owned())
            }
            _ => None,
        }
    })
}

/// For windowed reading: the year-less stamps of the whole source, compressed (a pass that
/// only scans, without resolving).
pub fn gather_year_plan(cx: &Context, src: &Source, window: usize) -> Vec<crate::time::Civil> {
    let matcher = Matcher::detect(cx.reg, &src.data, cx.forced);
    let data: &[u8] = &src.data;
    let mut plan = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let at = (pos + window).min(data.len());
        let look = data.len().min(at.saturating_add(LONG_TEXT));
        let end = memchr::memchr(b'\n', &data[at..look]).map_or(look, |i| at + i + 1);
        let (_, hits) = scan::scan_from(data, pos..end, 0, &matcher);
        scan::year_plan(&hits, &mut plan);
        src.data.release(pos..end);
        pos = end;
        // Inside a long line: on past its end, a window at a time (see `next_window`).
        while pos < data.len() && data[pos - 1] != b'\n' {
            let stop = data.len().min(pos.saturating_add(window.max(1 << 20)));
            let found = memchr::memchr(b'\n', &data[pos..stop]);
            src.data.release(pos..stop);
            pos = found.map_or(stop, |i| pos + i + 1);
        }
    }
    plan
}
