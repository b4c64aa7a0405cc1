//! Formats: definitions as data (`formats/*.toml`, embedded at build time, plus `--formats DIR`),
//! compiled once, then used to find the timestamp, host and level of each line.

pub mod def;
pub mod detect;
mod direct;
pub mod finder;
mod first_byte;
mod generic;
mod keyed;
mod registry;
mod split;
pub mod structured;

use regex::bytes::{CaptureLocations, Regex, RegexBuilder};

use crate::time::scan::{self, Layout};
use crate::time::Stamp;
pub use def::{FormatDef, Kind};
pub use generic::generic;
pub use keyed::Members;
use keyed::{first_bit, len_bit, KeyRole, Keyed};
pub use registry::{Matching, Registry};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_formats.rs"));
}

/// The name of the code-level fallback that finds any leading timestamp.
pub const GENERIC: &str = "generic";

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{path}: {msg}")]
    Def { path: String, msg: String },
    #[error("{0}: cannot read format directory: {1}")]
    Dir(String, std::io::Error),
}

/// A byte range inside a line.
pub type Span = (u32, u32);

/// What a format found in one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    /// A record starts here.
    Stamp { stamp: Stamp, format: u16, ts: Span, host: Option<Span>, level: Option<Span> },
    /// A header that dates the lines after it; not a record.
    Header { year: i32, month: u8, day: u8 },
}

/// A compiled format.
pub struct Format {
    pub def: FormatDef,
    regex: Option<Regex>,
    ts_group: usize,
    host_group: Option<usize>,
    level_group: Option<usize>,
    /// The regex cut around its groups, when it can be (see `split`): the fast way to them.
    split: Option<split::Split>,
    /// The regex as a direct parser, when it can be (see `direct`): the fastest way.
    direct: Option<direct::Direct>,
    /// The bytes a line this regex matches can start with, when known: most lines of other
    /// formats (and stack traces) are refused on their first byte.
    first_bytes: Option<first_byte::ByteSet>,
    layout: Option<Layout>,
    header: Option<(Regex, [usize; 3])>,
    /// The bytes a header line can start with, when known (the header is tried on every line
    /// that is no record of the format).
    header_first: Option<first_byte::ByteSet>,
    /// Every distinct key of `timestamp_keys`, `host_keys`, `level_keys`, `require_keys`,
    /// once, with what it is: one pass over this per member instead of one per list.
    keys: Vec<KeyRole>,
    /// `require_keys.len()`.
    required: usize,
    /// Bit `n` set when one of the keys above is `n` bytes long (bit 63: 63 or more): most
    /// members of a JSON line are none of them, and are passed over on their length alone.
    key_lens: u64,
    /// Bit `c % 64` set for the first byte `c` of each of the keys (bit 0 for an empty key
    /// too): with `key_lens`, passes over most other members without a look at the keys.
    key_firsts: u64,
}

fn build_regex(src: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(src).unicode(false).size_limit(1 << 22).build()
}

/// Why a definition does not compile (the path is added by the registry).
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("format name {0:?} must be [a-z0-9_-]+")]
    Name(String),
    #[error("kind \"regex\" needs a `regex`")]
    NoRegex,
    #[error("kind json/logfmt needs `timestamp_keys`")]
    NoKeys,
    #[error("{0}: {1}")]
    Regex(&'static str, regex::Error),
    #[error("the {0}regex has no named group `{1}`")]
    NoGroup(&'static str, &'static str),
    #[error("layout {0:?}: {1}")]
    Layout(String, crate::time::layout::LayoutError),
}

impl Format {
    pub fn compile(def: FormatDef) -> Result<Format, CompileError> {
        if def.name.is_empty()
            || !def
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            return Err(CompileError::Name(def.name.clone()));
        }
        let (mut regex, mut ts_group, mut host_group, mut level_group) = (None, 0, None, None);
        let (mut split, mut first_bytes, mut direct) = (None, None, None);
        match def.kind {
            Kind::Regex => {
                let src = def.regex.as_deref().ok_or(CompileError::NoRegex)?;
                let re = build_regex(src).map_err(|e| CompileError::Regex("regex", e))?;
                let idx = |name: &str| re.capture_names().position(|n| n == Some(name));
                ts_group = idx("ts").ok_or(CompileError::NoGroup("", "ts"))?;
                host_group = idx("host");
                level_group = idx("level");
                let names = [Some("ts"), host_group.map(|_| "host"), level_group.map(|_| "level")];
                split = split::Split::new(src, names);
                direct = direct::Direct::new(src, names);
                first_bytes = first_byte::first_bytes(src);
                regex = Some(re);
            }
            Kind::Json | Kind::Logfmt => {
                if def.timestamp_keys.is_empty() {
                    return Err(CompileError::NoKeys);
                }
            }
        }
        let layout = match &def.layout {
            Some(l) => Some(Layout::new(l).map_err(|e| CompileError::Layout(l.clone(), e))?),
            None => None,
        };
        let header = match &def.header {
            Some(h) => {
                let re = build_regex(h).map_err(|e| CompileError::Regex("header", e))?;
                let idx = |name: &'static str| {
                    re.capture_names()
                        .position(|n| n == Some(name))
                        .ok_or(CompileError::NoGroup("header ", name))
                };
                let groups = [idx("year")?, idx("month")?, idx("day")?];
                Some((re, groups))
            }
            None => None,
        };
        let header_first = def.header.as_deref().and_then(first_byte::first_bytes);
        let key_lens = [&def.timestamp_keys, &def.host_keys, &def.level_keys, &def.require_keys]
            .iter()
            .flat_map(|v| v.iter())
            .fold(0, |m, k| m | len_bit(k.len()));
        let keys = KeyRole::table(&def);
        Ok(Format {
            key_lens,
            key_firsts: keys.iter().fold(0, |m, r| m | first_bit(&r.key)),
            keys,
            required: def.require_keys.len(),
            def,
            regex,
            ts_group,
            host_group,
            level_group,
            split,
            direct,
            first_bytes,
            layout,
            header,
            header_first,
        })
    }

    pub fn name(&self) -> &str {
        &self.def.name
    }

    fn read_ts(&self, text: &[u8]) -> Option<Stamp> {
        match &self.layout {
            Some(l) => {
                let t = trim(text);
                match l.parse(t) {
                    Some((st, n)) if n == t.len() => Some(st),
                    _ => None,
                }
            }
            None => scan::exact(text),
        }
    }

    /// Scratch space for `parse`, one per thread.
    pub fn scratch(&self) -> Option<CaptureLocations> {
        self.regex.as_ref().map(|r| r.capture_locations())
    }

    /// The header date of `line`, when the format has a header rule and the line matches it.
    pub fn header(&self, line: &[u8]) -> Option<Hit> {
        let (re, [y, m, d]) = self.header.as_ref()?;
        if self.header_first.as_ref().is_some_and(|s| !line.first().is_some_and(|&b| s.contains(b)))
        {
            return None;
        }
        let c = re.captures(line)?;
        let num = |i: usize| -> Option<i64> {
            let t = c.get(i)?.as_bytes();
            std::str::from_utf8(t).ok()?.parse().ok()
        };
        let (year, month, day) = (num(*y)?, num(*m)?, num(*d)?);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        Some(Hit::Header { year: year as i32, month: month as u8, day: day as u8 })
    }

    /// The record hit of `line` for this format, if the line is one of its records.
    pub fn parse(&self, idx: u16, line: &[u8], locs: &mut Option<CaptureLocations>) -> Option<Hit> {
        match self.def.kind {
            Kind::Regex => {
                if let Some(set) = &self.first_bytes {
                    if !line.first().is_some_and(|&b| set.contains(b)) {
                        return None;
                    }
                }
                let found = match (&self.direct, &self.split) {
                    (Some(d), _) => d.find(line),
                    (None, Some(sp)) => sp.find(line),
                    (None, None) => split::Found::Undecided,
                };
                let [ts, host, level] = match found {
                    split::Found::Groups(spans) => spans,
                    split::Found::NoMatch => return None,
                    split::Found::Undecided => {
                        let re = self.regex.as_ref()?;
                        let locs = locs.as_mut()?;
                        re.captures_read(locs, line)?;
                        let get = |g: Option<usize>| g.and_then(|g| locs.get(g));
                        [get(Some(self.ts_group)), get(self.host_group), get(self.level_group)]
                    }
                };
                let (s, mut e) = ts?;
                let mut stamp = self.read_ts(&line[s..e])?;
                // A zone abbreviation after the timestamp group (`... 00:00:00 CET`) is the
                // stamp's zone, unless the format took that word as the host or level.
                let taken = |g: Option<(usize, usize)>| g.is_some_and(|(a, _)| a == e + 1);
                if !taken(host) && !taken(level) {
                    if let Some((st, end)) = scan::zone_after(&stamp, line, e) {
                        (stamp, e) = (st, end);
                    }
                }
                let span = |g: Option<(usize, usize)>| {
                    g.filter(|(a, b)| b > a).map(|(a, b)| (a as u32, b as u32))
                };
                Some(Hit::Stamp {
                    stamp,
                    format: idx,
                    ts: (s as u32, e as u32),
                    host: span(host),
                    level: span(level),
                })
            }
            Kind::Json | Kind::Logfmt => self.parse_keyed(idx, line),
        }
    }

    fn parse_keyed(&self, idx: u16, line: &[u8]) -> Option<Hit> {
        let mut acc = Keyed::new(self);
        let ok = match self.def.kind {
            Kind::Json => structured::json_members(line, |k, v| acc.visit(k, v)),
            _ => structured::logfmt_pairs(line, |k, v| acc.visit(k, v)) > 0,
        };
        acc.finish(idx, line, ok)
    }

    /// `parse` for a json/logfmt format from the members of `line` already scanned (see
    /// [`Members`]): detection tries every such format on each sample line, and they would
    /// each scan it again. Same result as `parse`.
    pub fn parse_members(&self, idx: u16, line: &[u8], m: &mut Members) -> Option<Hit> {
        if self.def.kind == Kind::Regex {
            return None;
        }
        let (ok, members) = m.get(line, self.def.kind);
        let mut acc = Keyed::new(self);
        for &(k, v) in members {
            acc.visit(&line[k.0..k.1], v);
        }
        acc.finish(idx, line, ok)
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let a = s.iter().position(|&b| b != b' ').unwrap_or(s.len());
    let b = s.iter().rposition(|&b| b != b' ').map_or(a, |i| i + 1);
    &s[a..b]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::resolve::{Resolver, YearRule};
    use crate::time::rfc3339;

    /// Every sample line of every built-in format parses with that format, to the instant and
    /// host the definition states (with `--tz UTC --year 2024`).
    #[test]
    fn every_builtin_sample_parses_to_its_stated_time_and_host() {
        let reg = Registry::load(&[] as &[&str]).unwrap();
        let mut failures = Vec::new();
        for (i, f) in reg.formats.iter().enumerate() {
            assert!(!f.def.samples.is_empty(), "{} has no samples", f.name());
            for s in &f.def.samples {
                let line = s.line.as_bytes();
                let mut locs = f.scratch();
                let hit = if f.name() == GENERIC {
                    generic(i as u16, line)
                } else {
                    f.parse(i as u16, line, &mut locs)
                };
                let Some(Hit::Stamp { stamp, host, .. }) = hit else {
                    failures.push(format!("{}: no match: {}", f.name(), s.line));
                    continue;
                };
                let mut r = Resolver::new("UTC".parse().unwrap(), YearRule::Fixed(2024));
                let got = r.resolve(&stamp).ok().map(|t| {
                    let mut b = Vec::new();
                    rfc3339::write(&mut b, t);
                    String::from_utf8(b).unwrap()
                });
                let want = s.ts.as_deref().and_then(rfc3339::parse);
                if got.as_deref().and_then(rfc3339::parse) != want {
                    failures.push(format!(
                        "{}: {:?} want {:?} got {:?}",
                        f.name(),
                        s.line,
                        s.ts,
                        got
                    ));
                }
                let got_host = host.map(|(a, b)| {
                    String::from_utf8_lossy(&line[a as usize..b as usize]).into_owned()
                });
                if s.host.is_some() && got_host != s.host {
                    failures.push(format!(
                        "{}: {:?} host want {:?} got {:?}",
                        f.name(),
                        s.line,
                        s.host,
                        got_host
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// The fast paths of `parse` (the first-byte filter, the regex cut into pieces) give what
    /// the whole regex gives, on every sample line of every format and every line of the
    /// test data, run through every regex format.
    #[test]
    fn fast_paths_agree_with_the_whole_regex() {
        let reg = Registry::load(&[] as &[&str]).unwrap();
        let mut lines: Vec<Vec<u8>> = reg
            .formats
            .iter()
            .flat_map(|f| f.def.samples.iter().map(|s| s.line.as_bytes().to_vec()))
            .collect();
        let mut dirs =
            vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata"))];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if let Ok(data) = std::fs::read(&p) {
                    lines.extend(data.split(|&b| b == b'\n').take(2000).map(|l| l.to_vec()));
                }
            }
        }
        let (mut cut, mut filtered) = (0, 0);
        for (i, f) in reg.formats.iter().enumerate() {
            let Some(re) = &f.regex else { continue };
            cut += usize::from(f.split.is_some());
            filtered += usize::from(f.first_bytes.is_some());
            let slow = Format {
                split: None,
                direct: None,
                first_bytes: None,
                ..Format::compile(f.def.clone()).unwrap()
            };
            let mut locs = f.scratch();
            for l in &lines {
                let l = l.strip_suffix(b"\r").unwrap_or(l);
                let want = slow.parse(i as u16, l, &mut locs);
                assert_eq!(
                    f.parse(i as u16, l, &mut locs),
                    want,
                    "{}: {:?}",
                    f.name(),
                    String::from_utf8_lossy(l)
                );
                if re.is_match(l) {
                    let set = f.first_bytes.unwrap_or(first_byte::ByteSet::of(|_| true));
                    assert!(set.contains(l[0]), "{}: {:?}", f.name(), String::from_utf8_lossy(l));
                }
            }
        }
        // Most built-in formats take the fast paths.
        assert!(cut > 30 && filtered > 30, "cut {cut}, filtered {filtered}");
    }

    #[test]
    fn a_user_format_replaces_a_builtin_of_the_same_name_and_bad_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "name = \"mine\"\ntitle = \"t\"\nregex = '^T=(?P<ts>\\d+) '\nlayout = \"epoch\"\n",
        )
        .unwrap();
        let reg = Registry::load(&[dir.path()]).unwrap();
        let i = reg.by_name("mine").unwrap();
        let f = &reg.formats[i as usize];
        assert!(f.parse(i, b"T=1700000000 hello", &mut f.scratch()).is_some());
        std::fs::write(
            dir.path().join("bad.toml"),
            "name = \"bad\"\ntitle = \"t\"\nregex = '^(?P<x>.)'\n",
        )
        .unwrap();
        let err = Registry::load(&[dir.path()]).err().unwrap().to_string();
        assert!(err.contains("bad.toml") && err.contains("`ts`"), "{err}");
    }

    #[test]
    fn generic_finds_a_leading_timestamp_after_escapes_and_in_brackets() {
        let h = generic(0, b"\x1b[2K2024-04-25T05:32:35.584725130Z x").unwrap();
        assert!(matches!(h, Hit::Stamp { ts: (4, 34), .. }));
        assert!(generic(0, b"[2024-04-25 05:32:35] x").is_some());
        assert!(generic(0, b"hello 2024-04-25").is_none());
    }
}
