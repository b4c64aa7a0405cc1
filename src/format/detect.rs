//! Choosing, per source, which formats to try on its lines, and trying them.
//!
//! A source is sampled once: every format is tried on its first lines, and those that parse
//! any of them become the source's candidates, most specific (priority) first. Each line is
//! then tried against the candidates in that order, and finally against the generic scanner,
//! so a file that mixes layouts (AWS ALB + Classic ELB lines) still parses line by line.

use regex::bytes::CaptureLocations;

use super::finder::Finder;
use super::{generic, Hit, Kind, Members, Registry};
use crate::time::Stamp;

/// Lines and bytes looked at to detect a source's formats.
const SAMPLE_LINES: usize = 1000;
const SAMPLE_BYTES: usize = 512 << 10;
/// Matches after which a format is no longer tried on the sample: it is a candidate, and its
/// count only breaks ties with formats of equal priority, where this many is plenty. (Trying
/// the formats a source is written in on a thousand lines cost as much as parsing 15% of
/// a source again.)
const ENOUGH: usize = 128;

/// The formats to try on the lines of one source.
pub struct Matcher<'r> {
    reg: &'r Registry,
    /// Candidate format indices, in the order they are tried.
    order: Vec<u16>,
    /// Indices of candidates that have a header rule.
    headers: Vec<u16>,
    generic: bool,
    /// What the definition-free finder learned from the sample (see `finder`): tried on each
    /// line no definition reads, in place of the generic scanner.
    finder: Option<Finder>,
    /// Try the format that matched the previous line first (streaming, where there was no
    /// sample to rank candidates by).
    sticky: bool,
}

/// A record hit whose time field could not be read.
fn unreadable(h: &Hit) -> bool {
    matches!(h, Hit::Stamp { stamp: Stamp::Unreadable, .. })
}

/// Per-thread scratch space for a `Matcher`.
pub struct Scratch {
    locs: Vec<Option<CaptureLocations>>,
    last: Option<u16>,
}

impl<'r> Matcher<'r> {
    /// Detect from the start of a source's bytes. `forced` skips detection (`--input-format`).
    pub fn detect(reg: &'r Registry, data: &[u8], forced: Option<u16>) -> Matcher<'r> {
        if forced == Some(reg.generic_idx()) {
            // The finder alone, no definitions.
            let mut m = Self::with_order(reg, vec![], true, false);
            m.finder = Finder::learn(data);
            return m;
        }
        if let Some(f) = forced {
            return Self::with_order(reg, vec![f], false, false);
        }
        let n = reg.formats.len() - 1; // the generic fallback is not a candidate
        let mut counts = vec![0usize; n];
        let mut weak = vec![0usize; n];
        let mut scratch: Vec<_> = reg.formats.iter().map(|f| f.scratch()).collect();
        // json/logfmt formats share one scan of each line.
        let mut members = Members::default();
        let sample = &data[..data.len().min(SAMPLE_BYTES)];
        for line in sample.split(|&b| b == b'\n').take(SAMPLE_LINES) {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            members.reset();
            let matching = reg.matching(line);
            for (i, f) in reg.formats[..n].iter().enumerate() {
                if counts[i] >= ENOUGH {
                    continue;
                }
                let hit = match f.def.kind {
                    // A format whose regex does not match does not parse the line: it is not
                    // tried (though its header rule is).
                    Kind::Regex if matching.as_ref().is_some_and(|m| !m.may_parse(i)) => None,
                    Kind::Regex => f.parse(i as u16, line, &mut scratch[i]),
                    _ => f.parse_members(i as u16, line, &mut members),
                };
                // A line whose time field this format cannot read makes it a candidate, but
                // ranks it below those that read theirs.
                match hit {
                    Some(h) if unreadable(&h) => weak[i] += 1,
                    Some(_) => counts[i] += 1,
                    None if f.header(line).is_some() => counts[i] += 1,
                    None => {}
                }
            }
        }
        let mut order: Vec<u16> =
            (0..n as u16).filter(|&i| counts[i as usize] + weak[i as usize] > 0).collect();
        order.sort_by_key(|&i| {
            (
                counts[i as usize] == 0,
                std::cmp::Reverse(reg.formats[i as usize].def.priority),
                std::cmp::Reverse(counts[i as usize]),
                std::cmp::Reverse(weak[i as usize]),
                i,
            )
        });
        // The finder, for lines no definition reads: where definitions read the sample, it
        // learns from the lines they read, so that it finds the time where they do. Where they
        // read no time on any sample line (MongoDB's `{"t":{"$date":...}}` is JSON, but its
        // time is no member a JSON definition names), it learns from the whole sample.
        // Where most lines are none the definitions read and half of those keep a stamp at one
        // place of their own (a file that mixes a layout no definition knows with some lines
        // that one does), that place is tried too; lines left to multi-line rules (stack
        // traces, apt's `End-Date:`) are no such half.
        let finder = if order.is_empty() || counts.iter().all(|&c| c == 0) {
            Finder::learn(data)
        } else {
            let mut scratch: Vec<_> = reg.formats.iter().map(|f| f.scratch()).collect();
            let mut reads = |line: &[u8]| {
                order.iter().any(|&i| {
                    let f = &reg.formats[i as usize];
                    matches!(f.parse(i, line, &mut scratch[i as usize]), Some(h) if !unreadable(&h))
                })
            };
            // The lines read and not read, as the learning walks the sample.
            let (mut read, mut unread) = (0usize, 0usize);
            let mut learned = Finder::learn_where(data, super::finder::AFTER_DEFS_LINES, |l| {
                let r = reads(l);
                *if r { &mut read } else { &mut unread } += 1;
                r
            });
            // Only where the lines walked so far are mostly unread is the rest worth a look.
            if unread > read {
                (read, unread) = (0, 0);
                let others = Finder::learn_where(data, super::finder::SAMPLE_LINES, |l| {
                    let r = reads(l);
                    *if r { &mut read } else { &mut unread } += 1;
                    !r
                });
                if let (Some(l), Some(o)) = (learned.as_mut(), others) {
                    if unread > read {
                        l.add_places(o, unread);
                    }
                }
            }
            learned
        };
        let mut m = Self::with_order(reg, order, true, false);
        m.finder = finder;
        m
    }

    /// Every format, by priority; for streams, where no sample is at hand.
    pub fn all(reg: &'r Registry, forced: Option<u16>) -> Matcher<'r> {
        if forced == Some(reg.generic_idx()) {
            return Self::with_order(reg, vec![], true, false);
        }
        if let Some(f) = forced {
            return Self::with_order(reg, vec![f], false, false);
        }
        let n = reg.formats.len() - 1;
        let mut order: Vec<u16> = (0..n as u16).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(reg.formats[i as usize].def.priority), i));
        Self::with_order(reg, order, true, true)
    }

    /// For a stream (`Matcher::all`): what the finder learns from its first lines, as
    /// `detect` learns it from a file's, so that a pipe of a layout no definition knows gets
    /// the times the same file does.
    pub fn learn(&mut self, sample: &[u8], forced: Option<u16>) {
        if self.generic {
            self.finder = Self::detect(self.reg, sample, forced).finder;
        }
    }

    fn with_order(reg: &'r Registry, order: Vec<u16>, generic: bool, sticky: bool) -> Matcher<'r> {
        let headers = order
            .iter()
            .copied()
            .filter(|&i| reg.formats[i as usize].def.header.is_some())
            .collect();
        Matcher { reg, order, headers, generic, finder: None, sticky }
    }

    pub fn scratch(&self) -> Scratch {
        Scratch { locs: self.reg.formats.iter().map(|f| f.scratch()).collect(), last: None }
    }

    /// What the finder learned, if anything (for `deskew detect`).
    pub fn finder(&self) -> Option<&Finder> {
        self.finder.as_ref()
    }

    /// The candidates, in order (for `deskew detect`).
    pub fn candidates(&self) -> &[u16] {
        &self.order
    }

    /// What the line is: a record start, a dating header, or neither (None: a continuation).
    pub fn line(&self, line: &[u8], s: &mut Scratch) -> Option<Hit> {
        if line.is_empty() {
            return None;
        }
        // A record whose time field no layout reads: kept in case no format reads it.
        let mut untimed = None;
        if self.sticky {
            if let Some(i) = s.last {
                match self.reg.formats[i as usize].parse(i, line, &mut s.locs[i as usize]) {
                    Some(h) if !unreadable(&h) => return Some(self.dated(h, line)),
                    h => untimed = untimed.or(h),
                }
            }
        }
        for &i in &self.order {
            if self.sticky && s.last == Some(i) {
                continue;
            }
            match self.reg.formats[i as usize].parse(i, line, &mut s.locs[i as usize]) {
                Some(h) if !unreadable(&h) => {
                    s.last = Some(i);
                    return Some(self.dated(h, line));
                }
                h => untimed = untimed.or(h),
            }
        }
        for &i in &self.headers {
            if let Some(h) = self.reg.formats[i as usize].header(line) {
                return Some(h);
            }
        }
        if self.generic {
            let h = match &self.finder {
                Some(f) => f.hit(self.reg.generic_idx(), line),
                None => generic(self.reg.generic_idx(), line),
            };
            if h.is_some() {
                return h;
            }
        }
        untimed
    }
}

impl Matcher<'_> {
    /// Whether `line`, which got no time (`line` gave no record start), starts with a stamp
    /// that the built-in layouts or one of the source's formats read but for its year, outside 1678..=2261 (say
    /// `9999-12-31T23:59:59Z`): the line with the year 2000 in its place (a leap year, so
    /// Feb 29 passes) starts a record. Asked only of lines that got no time, and a line not
    /// shaped so (`time::scan::far_year`) costs a few byte compares: no extra work per timed
    /// line.
    pub fn far_year(&self, line: &[u8], s: &mut Scratch) -> bool {
        if !crate::time::scan::far_year(line) {
            return false;
        }
        self.far_year_read(line, s)
    }

    #[cold]
    #[inline(never)]
    fn far_year_read(&self, line: &[u8], s: &mut Scratch) -> bool {
        let mut copy = line.to_vec();
        copy[..4].copy_from_slice(b"2000");
        // The built-in layouts first: a source whose only stamps of a layout are out of range
        // has no format for them among its candidates (detection found none on the sample).
        if crate::time::scan::leading(&copy).is_some() {
            return true;
        }
        let last = s.last;
        let hit = self.line(&copy, s);
        s.last = last;
        matches!(hit, Some(Hit::Stamp { stamp, .. }) if !matches!(stamp, Stamp::Unreadable))
    }

    /// A definition's hit whose time field holds only a time of day (logfmt's `time=23:59:58`
    /// in a FortiGate line, whose date and zone are in `date=` and `tz=`) takes its stamp from
    /// the finder when the finder reads a date on the line; its host and level stay the
    /// definition's. A time of day that a header dates (W3C) is left to the header: the
    /// finder reads no date there either.
    fn dated(&self, h: Hit, line: &[u8]) -> Hit {
        let (Hit::Stamp { stamp, format, host, level, .. }, Some(f)) = (&h, &self.finder) else {
            return h;
        };
        if !matches!(stamp, Stamp::Civil(c) if c.month == 0) {
            return h;
        }
        match f.hit(self.reg.generic_idx(), line) {
            Some(Hit::Stamp { stamp, ts, .. }) if !matches!(stamp, Stamp::Civil(c) if c.month == 0) => {
                Hit::Stamp { stamp, format: *format, ts, host: *host, level: *level }
            }
            _ => h,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_stamped_outside_the_years_read_is_far_when_its_year_2000_twin_has_a_time() {
        let data =
            b"2026-01-01T00:00:00Z h a\n9999-12-31T23:59:59Z h b\n0001-01-01T00:00:00Z h c\n";
        let reg = Registry::load(&[] as &[&str]).unwrap();
        let m = Matcher::detect(&reg, data, None);
        let mut s = m.scratch();
        for line in [&b"9999-12-31T23:59:59Z h b"[..], b"0001-01-01T00:00:00Z h c"] {
            assert!(m.line(line, &mut s).is_none());
            assert!(m.far_year(line, &mut s), "{}", String::from_utf8_lossy(line));
        }
        // Where detection found no format for such lines (their only stamps are far), the
        // built-in layouts still read them.
        let syslog = b"9999-12-31T23:59:59Z far\nNov 20 14:00:00 web01 sshd[1]: accepted\n";
        let m2 = Matcher::detect(&reg, syslog, None);
        assert!(m2.far_year(b"9999-12-31T23:59:59Z far", &mut m2.scratch()));
        // A year's shape without a stamp after it, or a date that is not one, is not.
        for line in
            [&b"9999-99-99T23:59:59Z x"[..], b"0001-01 oops", b"  at x", b"2026-01-01T00:00:00Z h"]
        {
            assert!(!m.far_year(line, &mut s), "{}", String::from_utf8_lossy(line));
        }
    }

    /// MongoDB 4.4+ lines are JSON whose time is `{"t":{"$date":"..."}}`, no member a JSON
    /// definition names: the definitions read no time on the sample, so the finder learns
    /// from all of it and the lines get their times (as with `--input-format generic`).
    #[test]
    fn where_definitions_read_no_time_in_the_sample_the_finder_learns_from_all_of_it() {
        // lnav's test/logfile_mongodb.0.
        let data = br#"{"t":{"$date":"2026-03-10T20:58:09.401+00:00"},"s":"I",  "c":"NETWORK",  "id":22943,   "ctx":"listener","msg":"Connection accepted"}
{"t":{"$date":"2026-03-10T20:58:10.004+00:00"},"s":"W",  "c":"STORAGE",  "id":22220,   "ctx":"initandlisten","msg":"Detected unclean shutdown"}"#;
        let reg = Registry::load(&[] as &[&str]).unwrap();
        let m = Matcher::detect(&reg, data, None);
        let mut s = m.scratch();
        let want = [1_773_176_289_401_000_000, 1_773_176_290_004_000_000];
        for (line, want) in data.split(|&b| b == b'\n').zip(want) {
            match m.line(line, &mut s) {
                Some(Hit::Stamp { stamp: Stamp::Instant(ns), .. }) => assert_eq!(ns, want),
                h => panic!("{h:?}"),
            }
        }
    }

    /// FortiGate lines with definitions tried first: logfmt reads `time=` as a time of day
    /// only, so the record takes the date, time and zone the finder reads in `date=`, `time=`
    /// and `tz=`, and keeps logfmt's level (as `--input-format generic` gives the time).
    #[test]
    fn a_definitions_time_of_day_takes_the_date_the_finder_reads_on_the_line() {
        // A Fortinet sample quoted in a public SIEM rule doc, and a FortiAnalyzer-forwarded
        // line from a public pipeline example (see the finder's tests).
        let lines = [
            &br#"date=2022-09-26 time=10:57:08 devname="fortigate" devid="FGT60EABCDEF012" eventtime=1664215028981468505 tz="-0700" logid="0100041001" type="event" subtype="system" level="critical" vd="root" logdesc="FortiGate update failed" status="update" msg="Fortigate scheduled update failed""#[..],
            br#"logver=700120523 timestamp=1694183556 devname="HA-Cluster" devid="FG200E4Q1790000" vd="root" date=2023-09-08 time=14:32:36 eventtime=1694176357211540851 tz="+0200" logid="0317013312" type="utm" subtype="webfilter" eventtype="ftgd_allow" level="notice" policyid=2"#,
        ];
        let data = lines.join(&b'\n');
        let reg = Registry::load(&[] as &[&str]).unwrap();
        let m = Matcher::detect(&reg, &data, None);
        let mut s = m.scratch();
        let want = [1_664_215_028_000_000_000, 1_694_176_356_000_000_000];
        for (line, want) in lines.iter().zip(want) {
            match m.line(line, &mut s) {
                Some(Hit::Stamp { stamp: Stamp::Instant(ns), format, level, .. }) => {
                    assert_eq!(ns, want);
                    assert_eq!(reg.formats[format as usize].def.name, "logfmt");
                    assert!(level.is_some());
                }
                h => panic!("{h:?}"),
            }
        }
    }

    /// Nginx Proxy Manager's own access lines (`[24/Jan/2022:16:51:02 +0000] - 404 ...`), which
    /// no definition reads, are most of a file whose few other lines (combined, nginx error)
    /// definitions read: the finder learns their place from them too (crowdsecurity/hub's
    /// .tests/nginx-proxy-manager-logs, shortened).
    #[test]
    fn a_layout_no_definition_reads_on_most_lines_gets_its_own_place() {
        let lines = [
            &br#"[24/Jan/2022:16:51:02 +0000] - 404 404 - GET http openresty.local "/sdfdsf" [Client 1.2.3.4] [Length 192] [Gzip 3.10] [Sent-to openresty] "Mozilla/5.0 (X11; Linux x86_64)" "-""#[..],
            br#"1.2.3.4 - - [24/Jan/2022:16:22:14 +0000] "GET /d93rfgxd.axd HTTP/1.1" 404 552 "-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)""#,
            br#"[24/Jan/2022:13:40:19 +0000] 444 - GET https 4.3.2.1 "/.env" [Client 207.32.219.89] [Length 0] [Gzip -] "Mozilla/5.0 (Linux; U; Android 4.4.2; en-US)""#,
            br#"[24/Jan/2022:16:50:41 +0000] - 304 304 - GET http openresty.local "/" [Client 1.2.3.4] [Length 0] [Gzip -] [Sent-to openresty] "Mozilla/5.0 (X11; Linux x86_64)" "-""#,
            br#"2022/01/24 16:33:06 [error] 334#334: *338 user "toto": password mismatch, client: 1.2.3.4, server: openresty.local, request: "GET / HTTP/1.1", host: "openresty.local""#,
        ];
        let data = lines.join(&b'\n');
        let reg = Registry::load(&[] as &[&str]).unwrap();
        let m = Matcher::detect(&reg, &data, None);
        let mut s = m.scratch();
        let want = [1_643_043_062, 1_643_041_334, 1_643_031_619, 1_643_043_041, 1_643_041_986];
        for (line, want) in lines.iter().zip(want) {
            match m.line(line, &mut s) {
                Some(Hit::Stamp { stamp: Stamp::Instant(ns), .. }) => {
                    assert_eq!(ns, want * 1_000_000_000);
                }
                Some(Hit::Stamp { stamp: Stamp::Civil(c), .. }) => {
                    assert_eq!((c.hour, c.minute, c.second), (16, 33, 6));
                }
                h => panic!("{h:?}"),
            }
        }
    }

    /// Detection that skips the formats whose regex the set says does not match picks the
    /// same candidates, in the same order, as trying every format on every sample line: on
    /// every test file, and on each file's lines shuffled among the others'.
    #[test]
    fn the_regex_set_does_not_change_what_is_detected() {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    files(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let mut paths = Vec::new();
        files(&root, &mut paths);
        let with = Registry::load(&[] as &[&str]).unwrap();
        let without = Registry::load(&[] as &[&str]).unwrap().without_set();
        let mut mixed = Vec::new();
        let mut n = 0;
        for p in &paths {
            let data = std::fs::read(p).unwrap();
            let a = Matcher::detect(&with, &data, None);
            let b = Matcher::detect(&without, &data, None);
            assert_eq!(a.candidates(), b.candidates(), "{}", p.display());
            n += usize::from(!a.candidates().is_empty());
            mixed.extend(data.split(|&b| b == b'\n').take(20).flat_map(|l| [l, b"\n"].concat()));
        }
        assert!(n > 40, "only {n} files have candidates");
        let a = Matcher::detect(&with, &mixed, None);
        let b = Matcher::detect(&without, &mixed, None);
        assert_eq!(a.candidates(), b.candidates());
        assert!(a.candidates().len() > 20);
    }
}
