//! The definition-free timestamp finder: learn, from a source's first lines, where its lines
//! keep their timestamp and in which layout, then read each line at that place only.
//!
//! Like Elasticsearch's `TimestampFormatFinder` and Splunk's timestamp recognition: every
//! token boundary in the first few hundred bytes of each sample line is tried against the
//! built-in scanner (`time::scan`) and a table of further layouts ([`LAYOUTS`], data); each
//! hit votes for its place (the n-th run of a delimiter, with the text before it when that is
//! the same on every line, or a JSON/logfmt key) and its kind (full date-time, epoch of a
//! given width, date without year, time of day). The place and layout that explain the most
//! sample lines win; ties go to the leftmost. The hot path then parses at the learned place
//! only: a time elsewhere in a line (message text, a stack trace) never starts a record.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::{structured, Hit};
use split::Split;

mod extra;
mod layouts;
mod place;
mod split;
use crate::time::scan::{self, Layout};
use crate::time::{Civil, Stamp};
use place::{delim, field_place, field_start, json_start, token_start};

pub use layouts::LAYOUTS;

static TABLE: LazyLock<Vec<Layout>> = LazyLock::new(|| {
    LAYOUTS.iter().map(|(spec, _)| Layout::new(spec).expect("a built-in layout")).collect()
});

/// Sample lines read by definitions that the finder learns from when there are definitions:
/// it only has to agree with them on the place, and learning costs per line.
pub const AFTER_DEFS_LINES: usize = 64;
/// Lines and bytes looked at when learning (a stream buffers this much before its first
/// record), and bytes of a line.
pub const SAMPLE_LINES: usize = 300;
pub const SAMPLE_BYTES: usize = 256 << 10;
const LINE_BYTES: usize = 400;

/// Where the timestamp is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Place {
    /// Right after the `nth` run of `delim` (0: at the line start), past `skip` openers; with
    /// `anchor`, the text before it must be exactly that.
    Field { delim: u8, nth: u16, skip: u8, anchor: Option<Vec<u8>> },
    /// The value of a top-level member of a JSON object (which may follow a prefix), or of a
    /// logfmt pair.
    Key { key: Vec<u8>, json: bool },
    /// Date, time and zone in members of their own (see `split`).
    Split(Split),
}

/// Which reader reads it: the scanner, or a layout of [`LAYOUTS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum How {
    Scan,
    /// `@` + TAI64N (see `extra`).
    Tai64n,
    Table(u16),
}

/// What kind of time a stamp is: a place must hold one kind on every line it explains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Full,
    /// An epoch number of this many integer digits (10 s, 13 ms, 16 us, 19 ns).
    Epoch(u8),
    NoYear,
    TimeOnly,
}

/// A place, its reader, and the kind of time it holds.
type Key = (Place, How, Class);

/// Places tried per line, at most (a file that mixes layouts).
const MAX_PLACES: usize = 4;

/// One learned place.
#[derive(Clone, Debug)]
pub struct Learned {
    pub place: Place,
    pub how: How,
    pub class: Class,
    /// Sample lines it explains (of those no earlier place explains).
    pub explained: usize,
    /// The stamp's text on the first sample line it explains.
    pub example: String,
    /// Its stamps are followed by a Windows zone name (`India Standard Time`).
    pub wzone: bool,
}

/// What was learned for one source: places in the order they are tried.
#[derive(Clone, Debug)]
pub struct Finder {
    pub places: Vec<Learned>,
    /// Sample lines (non-empty) looked at.
    pub sampled: usize,
}

/// Most lines first; then leftmost; then a key, then an anchored field (stricter); then the
/// kind and the reader, in their order.
fn rank(k: &Key, v: &(usize, usize)) -> impl Ord {
    let (place, how, class) = k;
    let (n, sum) = *v;
    (
        std::cmp::Reverse(n),
        // Date, time and an explicit zone in members of their own say the most (FortiAnalyzer
        // puts its own `timestamp=` epoch, the local time read as UTC, before them).
        !matches!(place, Place::Split(s) if s.zone.is_some()),
        sum / n.max(1),
        // A date member alone reads as midnight: with its time member it is the stamp.
        !matches!(place, Place::Split(_)),
        !matches!(place, Place::Key { .. }),
        !matches!(place, Place::Field { anchor: Some(_), .. }),
        *class,
        *how,
    )
}

/// Instants from 2000 to 2040: an epoch outside is a count, an id or a size.
const EPOCH_MIN: i64 = 946_684_800_000_000_000;
const EPOCH_MAX: i64 = 2_208_988_800_000_000_000;

fn class_of(st: &Stamp, text: &[u8]) -> Option<Class> {
    match *st {
        Stamp::Instant(ns) if text.first().is_some_and(u8::is_ascii_digit) && is_epoch(text) => {
            let n = text.iter().take_while(|b| b.is_ascii_digit()).count();
            (matches!(n, 10 | 13 | 16 | 19) && (EPOCH_MIN..EPOCH_MAX).contains(&ns))
                .then_some(Class::Epoch(n as u8))
        }
        // A full date-time with its zone: years from 1970 to 2100 only.
        Stamp::Instant(ns) => (0..4_102_444_800_000_000_000).contains(&ns).then_some(Class::Full),
        Stamp::Civil(Civil { month: 0, .. }) => Some(Class::TimeOnly),
        Stamp::Civil(Civil { year: None, .. }) => Some(Class::NoYear),
        Stamp::Civil(Civil { year: Some(y), .. }) => {
            (1970..=2100).contains(&y).then_some(Class::Full)
        }
        Stamp::Relative(_) | Stamp::Unreadable => None,
    }
}

fn is_epoch(text: &[u8]) -> bool {
    text.iter().all(|b| b.is_ascii_digit() || *b == b'.')
}

/// A stamp read by `how` at `p`, ending at a word boundary: (stamp, class, end).
fn read_at(line: &[u8], p: usize, how: How) -> Option<(Stamp, Class, usize)> {
    let s = line.get(p..)?;
    if !s.first().is_some_and(u8::is_ascii_alphanumeric) && how != How::Tai64n {
        return None;
    }
    let (st, n) = match how {
        How::Scan => scan::leading(s)?,
        How::Tai64n => extra::tai64n(s)?,
        How::Table(i) => TABLE[i as usize].parse(s)?,
    };
    if s.get(n).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
        return None;
    }
    let class = class_of(&st, &s[..n])?;
    Some((st, class, p + n))
}

/// A stamp that is the whole of a member's value.
fn read_value(v: &[u8]) -> Option<(Stamp, Class, How)> {
    for how in hows() {
        if let Some((st, class, end)) = read_at(v, 0, how) {
            if end == v.len() {
                return Some((st, class, how));
            }
        }
    }
    None
}

fn hows() -> impl Iterator<Item = How> {
    std::iter::once(How::Scan).chain((0..LAYOUTS.len() as u16).map(How::Table))
}

/// Every candidate of one line: (place, how, class, start).
fn candidates(line: &[u8], out: &mut Vec<(Place, How, Class, usize)>) {
    out.clear();
    let mut dated: Vec<(usize, usize)> = Vec::new();
    let lim = line.len().min(LINE_BYTES);
    for p in 0..lim {
        if (line[p] == b'@' || line[p..].starts_with(b"4000000")) && (p == 0 || delim(line[p - 1]))
        {
            if let (Some(place), Some((_, class, _))) =
                (field_place(line, p), read_at(line, p, How::Tai64n))
            {
                out.push((place, How::Tai64n, class, p));
            }
            continue;
        }
        // No layout starts with a lowercase letter but a French month name (glibc's `fr_FR`
        // `%b`): most words are passed over on it.
        if !token_start(line, p)
            || line[p].is_ascii_lowercase() && crate::time::layout::month_fr(line, p).is_none()
        {
            continue;
        }
        let Some(place) = field_place(line, p) else { continue };
        // The readers that read the longest stamp here: a layout that stops before a fraction
        // (`%m/%d/%y %H:%M:%S` on `01/25/22 16:08:02.393003`) would lose it.
        let from = out.len();
        let mut longest = 0;
        for how in hows() {
            if let Some((_, class, end)) = read_at(line, p, how) {
                if end > longest {
                    out.truncate(from);
                    longest = end;
                }
                if end == longest {
                    out.push((place.clone(), how, class, p));
                }
            }
        }
        if longest > 0 && out[from].2 != Class::TimeOnly {
            dated.push((p, longest));
        }
    }
    // A time of day inside a dated stamp read at an earlier start (`2021-11-09  5:13:11`) is
    // no place of its own: it would explain the lines of every date layout at once.
    out.retain(|c| c.2 != Class::TimeOnly || !dated.iter().any(|&(a, e)| a < c.3 && c.3 < e));
    split_candidates(line, out);
    let mut keyed = |k: &[u8], v: structured::Value, base: usize, json: bool| {
        if let Some((_, class, how)) = read_value(&line[base + v.start..base + v.end]) {
            out.push((Place::Key { key: k.to_vec(), json }, how, class, base + v.start));
        }
        true
    };
    let json = json_start(line)
        .is_some_and(|j| structured::json_members(&line[j..], |k, v| keyed(k, v, j, true)));
    if !json {
        structured::logfmt_pairs(line, |k, v| keyed(k, v, 0, false));
    }
    // A line whose date is in a member of its own is no time-of-day line: its time member
    // alone must not outvote the date, time and zone together where some lines lack the zone
    // (which makes them a place of their own).
    if out.iter().any(|c| matches!(c.0, Place::Split(_))) {
        out.retain(|c| c.2 != Class::TimeOnly);
    }
}

/// The combined candidates of a line (date, time, zone members).
fn split_candidates(line: &[u8], out: &mut Vec<(Place, How, Class, usize)>) {
    let mut s = Vec::new();
    split::candidates(line, json_start(line), &mut s);
    out.extend(s.into_iter().map(|(sp, p)| (Place::Split(sp), How::Scan, Class::Full, p)));
}

/// The lines of a sample: at most `SAMPLE_LINES` non-empty ones, without a BOM or `\r`.
fn sample_lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data[..data.len().min(SAMPLE_BYTES)]
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .map(|l| l.strip_prefix(b"\xef\xbb\xbf").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .take(SAMPLE_LINES)
}

impl Finder {
    /// Learn from the start of a source; `None` when no line holds a timestamp.
    pub fn learn(data: &[u8]) -> Option<Finder> {
        Self::learn_where(data, SAMPLE_LINES, |_| true)
    }

    /// Learn from the sample lines `keep` accepts only (those the source's definitions read,
    /// so that the finder agrees with them on where the time is, and a line they leave to
    /// their multi-line rules does not start a record by the finder's say).
    /// At most `max_lines` kept lines are looked at.
    pub fn learn_where(
        data: &[u8],
        max_lines: usize,
        mut keep: impl FnMut(&[u8]) -> bool,
    ) -> Option<Finder> {
        // Per line, its distinct candidates (place, how, class) with their start.
        let mut lines: Vec<Vec<(Key, usize)>> = Vec::new();
        let mut cands = Vec::new();
        for line in sample_lines(data).filter(|l| keep(l)).take(max_lines) {
            candidates(line, &mut cands);
            // Anchored field places also vote without their anchor (lines may differ in it).
            let n = cands.len();
            for i in 0..n {
                if let (Place::Field { delim, nth, skip, anchor: Some(_) }, how, class, p) =
                    &cands[i]
                {
                    let c = (
                        Place::Field { delim: *delim, nth: *nth, skip: *skip, anchor: None },
                        *how,
                        *class,
                        *p,
                    );
                    cands.push(c);
                }
            }
            let mut seen: Vec<(Key, usize)> = Vec::new();
            for (place, how, class, p) in cands.drain(..) {
                let key = (place, how, class);
                if !seen.iter().any(|(k, _)| *k == key) {
                    seen.push((key, p));
                }
            }
            lines.push(seen);
        }
        let sampled = lines.len();
        let mut places: Vec<Learned> = Vec::new();
        let mut left: Vec<bool> = vec![true; sampled];
        // Greedy: the place that explains the most lines, then, for the lines it leaves, the
        // next (a file that mixes layouts), while one explains at least two lines.
        while places.len() < MAX_PLACES {
            let mut votes: HashMap<&Key, (usize, usize)> = HashMap::new();
            for (l, c) in lines.iter().enumerate() {
                if !left[l] {
                    continue;
                }
                for (k, p) in c {
                    let v = votes.entry(k).or_default();
                    v.0 += 1;
                    v.1 += p;
                }
            }
            let first = places.is_empty();
            let best = votes
                .iter()
                .filter(|((place, _, class), (n, _))| {
                    if first {
                        // An epoch or a bare time of day counts only when it holds on several
                        // lines.
                        return !matches!(class, Class::Epoch(_) | Class::TimeOnly)
                            || *n >= 2
                            || sampled == 1;
                    }
                    // Further places: date-times (with or without a year: BSD syslog lines
                    // among RFC 5424 ones) near the start of the line only (CLF after host,
                    // ident and user is the fourth field).
                    *n >= 2
                        && matches!(class, Class::Full | Class::NoYear)
                        && match place {
                            Place::Field { nth, .. } => *nth <= 3,
                            Place::Key { .. } | Place::Split(_) => true,
                        }
                })
                .min_by_key(|(k, v)| rank(k, v));
            let Some((&(place, how, class), &(n, _))) = best else { break };
            let key = (place.clone(), *how, *class);
            for (l, c) in lines.iter().enumerate() {
                if c.iter().any(|(k, _)| *k == key) {
                    left[l] = false;
                }
            }
            let mut l = Learned {
                place: key.0,
                how: key.1,
                class: key.2,
                explained: n,
                example: String::new(),
                wzone: false,
            };
            // Windows zone names after the stamps of most lines it explains: read them.
            let (mut named, mut read) = (0, 0);
            for line in sample_lines(data) {
                if let Some((Stamp::Civil(c), _, e)) = l.read(line) {
                    read += 1;
                    named += usize::from(
                        c.zone == crate::time::ZoneText::None
                            && extra::windows_zone(&line[e..]).is_some(),
                    );
                }
            }
            l.wzone = named * 2 > read;
            if let Some((line, (_, a, b))) =
                sample_lines(data).find_map(|line| Some((line, l.read(line)?)))
            {
                l.example = String::from_utf8_lossy(&line[a..b]).into_owned();
            }
            places.push(l);
        }
        if places.is_empty() {
            return None;
        }
        Some(Finder { places, sampled })
    }

    /// Add the places `other` learned from `lines` other sample lines, each that explains half
    /// of them and at least two, after this one's (up to `MAX_PLACES`).
    pub fn add_places(&mut self, other: Finder, lines: usize) {
        for l in other.places {
            if self.places.len() >= MAX_PLACES || l.explained < 2 || l.explained * 2 < lines {
                break;
            }
            if !self.places.iter().any(|p| p.place == l.place && p.how == l.how) {
                self.places.push(l);
            }
        }
    }

    /// The record hit of `line` at the learned place, or a header date for a time-only place.
    pub fn hit(&self, idx: u16, line: &[u8]) -> Option<Hit> {
        let bom = if line.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 };
        let line = &line[bom..];
        if let Some(h) = self.header(line) {
            return Some(h);
        }
        for l in &self.places {
            if let Some((stamp, s, e)) = l.read(line) {
                return Some(Hit::Stamp {
                    stamp,
                    format: idx,
                    ts: ((s + bom) as u32, (e + bom) as u32),
                    host: None,
                    level: None,
                });
            }
        }
        None
    }
}

impl Learned {
    /// The stamp at this place of `line`: (stamp, start, end).
    fn read(&self, line: &[u8]) -> Option<(Stamp, usize, usize)> {
        let found = match &self.place {
            Place::Field { delim, nth, skip, anchor } => {
                let p = field_start(line, *delim, *nth, *skip)?;
                if let Some(a) = anchor {
                    if line.get(..a.len()) != Some(a.as_slice()) || a.len() + *skip as usize != p {
                        return None;
                    }
                }
                read_at(line, p, self.how).map(|(st, c, e)| (st, c, p, e))
            }
            Place::Key { key, json } => {
                let mut got = None;
                let mut visit = |k: &[u8], v: structured::Value, base: usize| {
                    if k == key.as_slice() {
                        got = Some((base + v.start, base + v.end));
                        return false;
                    }
                    true
                };
                if *json {
                    let j = json_start(line)?;
                    structured::json_members(&line[j..], |k, v| visit(k, v, j));
                } else {
                    structured::logfmt_pairs(line, |k, v| visit(k, v, 0));
                }
                let (a, b) = got?;
                read_at(&line[..b], a, self.how)
                    .filter(|&(_, _, e)| e == b)
                    .map(|(st, c, e)| (st, c, a, e))
            }
            Place::Split(sp) => sp
                .read(line, json_start(line))
                .and_then(|(st, s, e)| Some((st, class_of(&st, b"-")?, s, e))),
        };
        match found {
            Some((Stamp::Civil(c), class, s, e)) if class == self.class && self.wzone => {
                match extra::windows_zone(&line[e..]) {
                    Some((tz, daylight, n)) => Some((extra::in_zone(&c, tz, daylight)?, s, e + n)),
                    None => Some((Stamp::Civil(c), s, e)),
                }
            }
            Some((stamp, class, s, e)) if class == self.class => Some((stamp, s, e)),
            _ => None,
        }
    }
}

impl Finder {
    /// For a time-of-day place: a comment line (`#Date: 2000-10-09 16:44:49`) that dates the
    /// lines after it.
    fn header(&self, line: &[u8]) -> Option<Hit> {
        if self.places[0].class != Class::TimeOnly || line.first() != Some(&b'#') {
            return None;
        }
        let lim = line.len().min(LINE_BYTES);
        (0..lim).filter(|&p| token_start(line, p)).find_map(|p| {
            match read_at(line, p, How::Scan)? {
                (Stamp::Civil(c), Class::Full, _) => {
                    Some(Hit::Header { year: c.year?, month: c.month, day: c.day })
                }
                _ => None,
            }
        })
    }

    /// What was learned, in words (for `deskew detect`): one clause per place.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .places
            .iter()
            .map(|l| {
                format!(
                    "{} ({}/{} sample lines, {:.0}%)",
                    l.describe(),
                    l.explained,
                    self.sampled,
                    100.0 * l.explained as f64 / self.sampled.max(1) as f64
                )
            })
            .collect();
        parts.join("; then ")
    }

    /// Share of the sample lines that some place explains.
    pub fn share(&self) -> f64 {
        self.places.iter().map(|l| l.explained).sum::<usize>() as f64 / self.sampled.max(1) as f64
    }
}

impl Learned {
    fn describe(&self) -> String {
        let layout = match self.how {
            How::Scan => "common layout".to_string(),
            How::Tai64n => "TAI64N".to_string(),
            How::Table(i) => format!("layout `{}`", LAYOUTS[i as usize].0),
        };
        let kind = match self.class {
            Class::Full => "date-time",
            Class::Epoch(10) => "epoch seconds",
            Class::Epoch(13) => "epoch ms",
            Class::Epoch(16) => "epoch us",
            Class::Epoch(_) => "epoch ns",
            Class::NoYear => "date-time without year",
            Class::TimeOnly => "time of day (date from a # header)",
        };
        let place = match &self.place {
            Place::Field { nth: 0, skip, .. } => {
                format!("at line start{}", if *skip > 0 { " (bracketed)" } else { "" })
            }
            Place::Field { delim, nth, anchor: Some(a), .. } => format!(
                "after {:?} (field {} split by {:?})",
                String::from_utf8_lossy(a),
                nth,
                char::from(*delim)
            ),
            Place::Field { delim, nth, .. } => {
                format!("field {} split by {:?}", nth, char::from(*delim))
            }
            Place::Key { key, json: true } => {
                format!("JSON key {:?}", String::from_utf8_lossy(key))
            }
            Place::Key { key, json: false } => {
                format!("logfmt key {:?}", String::from_utf8_lossy(key))
            }
            Place::Split(sp) => {
                let k = |k: &[u8]| format!("{:?}", String::from_utf8_lossy(k));
                format!(
                    "{} keys {} (date, `{}`) + {}{}",
                    if sp.json { "JSON" } else { "logfmt" },
                    k(&sp.date),
                    split::DATES[sp.layout as usize].0,
                    k(&sp.time),
                    sp.zone.as_deref().map_or(String::new(), |z| format!(" + {} (zone)", k(z)))
                )
            }
        };
        let zone = if self.wzone { ", Windows zone name after it" } else { "" };
        format!("{kind} `{}`, {layout}{zone}, {place}", self.example)
    }
}

#[cfg(test)]
mod tests;
