//! One growing file's lines into records, for follow mode: the same grouping core as files
//! and stdin (`group`), fed whatever bytes the file gained. As on stdin, a record is handed
//! on when the next one starts or when the file pauses (`pause`), and its text is held only
//! until then, so memory is bounded by the record being gathered.

use crate::diag;
use crate::format::detect::{Matcher, Scratch};
use crate::record::{Record, NO_TIME};
use crate::time::clock::now;
use crate::time::resolve::{Resolver, YearRule};

use super::context::Context;
use super::correct::Corrector;
use super::group::{self, fill_keys, Grouper};
use super::scan::LineHit;

/// A complete, corrected record with its own text (`rec.start..rec.end` index `text`).
pub struct LiveRecord {
    /// The index of the file it came from.
    pub source: usize,
    pub rec: Record,
    pub text: Box<[u8]>,
    /// Corrected with its host's newest offset sample held forward.
    pub provisional: bool,
}

/// The grouping state of one followed file.
pub struct LiveSource<'a> {
    grouper: Grouper<'a>,
    scratch: Scratch,
    /// The text of the open record (its lines, each with its `\n`).
    text: Vec<u8>,
    /// The end of the data given so far lacks its line break: the start of a line.
    partial: Vec<u8>,
    /// Lines so far (the next line's 0-based number).
    n: u64,
    last_key: i64,
    bad_utf8_reported: bool,
    pending: Vec<Record>,
    source: usize,
    display: String,
    /// The zone of zone-less stamps and why, and the year rule (for the run's summary).
    zone: (crate::time::zone::Tz, super::assumed::ZoneWhy),
    year: YearRule,
}

impl<'a> LiveSource<'a> {
    /// A file whose records name no host get `host`; `display` names it in messages.
    pub fn new(
        cx: &'a Context<'a>,
        matcher: &Matcher,
        source: usize,
        host: &str,
        display: &str,
    ) -> LiveSource<'a> {
        // `host` is the source's (`Context::source_host`: `--host` already applied).
        let name = host.to_string();
        let year = cx.settings.year.map_or(YearRule::NotAfter(now()), YearRule::Fixed);
        let zone = cx.zone_for(&name);
        let mut resolver = Resolver::new(zone.0.clone(), year);
        resolver.set_boot_time(cx.boot_time_for(&name));
        let default_host = cx.hosts.lock().unwrap().intern(&name);
        LiveSource {
            grouper: Grouper::new(resolver, &cx.traits, default_host),
            scratch: matcher.scratch(),
            text: Vec::with_capacity(256),
            partial: Vec::new(),
            n: 0,
            last_key: NO_TIME,
            bad_utf8_reported: false,
            pending: Vec::new(),
            source,
            display: display.to_string(),
            zone,
            year,
        }
    }

    /// Whether a record is open or a line is incomplete (a pause would hand something on).
    pub fn is_open(&self) -> bool {
        self.grouper.is_open() || !self.partial.is_empty()
    }

    /// The file gained `bytes`: complete records go to `out`. An incomplete last line is
    /// kept until its line break comes (or `pause` with `whole_lines` false).
    pub fn feed(
        &mut self,
        cx: &Context,
        matcher: &Matcher,
        corrector: &Corrector,
        bytes: &[u8],
        out: &mut Vec<LiveRecord>,
    ) {
        let mut rest = bytes;
        if !self.partial.is_empty() {
            match memchr::memchr(b'\n', rest) {
                Some(i) => {
                    let mut line = std::mem::take(&mut self.partial);
                    line.extend_from_slice(&rest[..i]);
                    self.line(cx, matcher, corrector, &line, out);
                    rest = &rest[i + 1..];
                }
                None => {
                    self.partial.extend_from_slice(rest);
                    return;
                }
            }
        }
        while let Some(i) = memchr::memchr(b'\n', rest) {
            self.line(cx, matcher, corrector, &rest[..i], out);
            rest = &rest[i + 1..];
        }
        self.partial.extend_from_slice(rest);
    }

    fn line(
        &mut self,
        cx: &Context,
        matcher: &Matcher,
        corrector: &Corrector,
        line: &[u8],
        out: &mut Vec<LiveRecord>,
    ) {
        self.n += 1;
        let n = self.n;
        if !self.bad_utf8_reported && std::str::from_utf8(line).is_err() {
            self.bad_utf8_reported = true;
            let fate = cx.settings.bad_utf8_fate;
            diag::error(format!("{}:{n}: invalid UTF-8 ({fate})", self.display));
        }
        let trimmed = line.strip_suffix(b"\r").unwrap_or(line);
        let host_of = |name: &[u8]| cx.hosts.lock().unwrap().intern(&String::from_utf8_lossy(name));
        match matcher.line(trimmed, &mut self.scratch) {
            Some(hit) => {
                self.grouper.close(&self.text, self.text.len(), &mut self.pending);
                self.emit(cx, corrector, out);
                self.text.extend_from_slice(line);
                self.text.push(b'\n');
                let h = LineHit { line: n - 1, start: 0, end: line.len(), hit };
                self.grouper.push(&self.text, &h, host_of, &mut self.pending);
            }
            None if self.grouper.is_open() => {
                self.text.extend_from_slice(line);
                self.text.push(b'\n');
            }
            None => {
                // No record is open: the line is a record of its own.
                self.text.extend_from_slice(line);
                self.text.push(b'\n');
                self.grouper.close(&self.text, self.text.len(), &mut self.pending);
                self.emit(cx, corrector, out);
                self.grouper.restart(0, n);
            }
        }
    }

    /// The file paused: the open record is complete as far as anyone can tell. With
    /// `whole_lines` false (the file was rotated or the run ends) an incomplete last line
    /// goes too.
    pub fn pause(
        &mut self,
        cx: &Context,
        matcher: &Matcher,
        corrector: &Corrector,
        whole_lines: bool,
        out: &mut Vec<LiveRecord>,
    ) {
        if !whole_lines && !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line(cx, matcher, corrector, &line, out);
        }
        self.grouper.close(&self.text, self.text.len(), &mut self.pending);
        self.emit(cx, corrector, out);
        self.grouper.restart(0, self.n);
    }

    /// The file was truncated or replaced: its lines count from 1 again.
    pub fn restart(&mut self) {
        self.n = 0;
        self.grouper.restart(0, 0);
    }

    /// Say which timestamps gave no instant, and add what was assumed to the run's summary
    /// (at the end of the run).
    pub fn finish(&mut self, cx: &Context) {
        group::report_problems(&self.display, &self.grouper.take_problems());
        let reading = super::assumed::Reading {
            zone: &self.zone.0,
            why: &self.zone.1,
            rule: self.year,
            stdin: false,
            first_year: self.grouper.resolver().first_year(),
        };
        cx.add_reading(self.grouper.tallies(), &reading);
    }

    /// Correct the complete records, give each its own text, and hand them on.
    fn emit(&mut self, cx: &Context, corrector: &Corrector, out: &mut Vec<LiveRecord>) {
        if self.pending.is_empty() {
            self.text.clear();
            return;
        }
        let mut session = corrector.session();
        let mut provisional = Vec::with_capacity(self.pending.len());
        for r in self.pending.iter_mut() {
            provisional
                .push(session.correct(r, |h| cx.hosts.lock().unwrap().names().get(h).cloned()));
        }
        session.finish();
        self.last_key = fill_keys(&mut self.pending, self.last_key);
        for (mut rec, provisional) in self.pending.drain(..).zip(provisional) {
            let text: Box<[u8]> = self.text[rec.start..rec.end.max(rec.start)].into();
            rec.end -= rec.start;
            rec.start = 0;
            out.push(LiveRecord { source: self.source, rec, text, provisional });
        }
        self.text.clear();
    }
}
