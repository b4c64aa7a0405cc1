//! Formats: definitions as data (`formats/*.toml`, embedded at build time, plus `--formats DIR`),
//! compiled once, then used to find the timestamp, host and level of each line.

mod backtrack;
pub mod def;
pub mod detect;
mod direct;
pub mod finder;
mod first_byte;
mod split;
pub mod structured;

use std::path::Path;

use rayon::prelude::*;
use regex::bytes::{CaptureLocations, Regex, RegexBuilder};

use crate::time::scan::{self, Layout};
use crate::time::Stamp;
pub use def::{FormatDef, Kind};

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

/// What one key of a json/logfmt format stands for.
struct KeyRole {
    key: Vec<u8>,
    /// Its index in `timestamp_keys` (the lowest, if listed twice): lower is preferred.
    ts: Option<usize>,
    host: bool,
    level: bool,
    /// Its index in `require_keys` (the lowest), capped at 63: the bit it sets.
    require: Option<usize>,
}

impl KeyRole {
    /// The distinct keys of a definition's lists, with their roles.
    fn table(def: &FormatDef) -> Vec<KeyRole> {
        let lists = [&def.timestamp_keys, &def.host_keys, &def.level_keys, &def.require_keys];
        let mut out: Vec<KeyRole> = Vec::new();
        for k in lists.iter().flat_map(|l| l.iter()) {
            if out.iter().any(|r| r.key == k.as_bytes()) {
                continue;
            }
            let pos = |l: &[String]| l.iter().position(|x| x == k);
            out.push(KeyRole {
                key: k.as_bytes().to_vec(),
                ts: pos(&def.timestamp_keys),
                host: pos(&def.host_keys).is_some(),
                level: pos(&def.level_keys).is_some(),
                require: pos(&def.require_keys).map(|i| i.min(63)),
            });
        }
        out
    }
}

/// The `key_lens` bit of a key of length `n`.
fn len_bit(n: usize) -> u64 {
    1 << n.min(63)
}

/// The `key_firsts` bit of a key.
fn first_bit(k: &[u8]) -> u64 {
    1 << (k.first().unwrap_or(&0) & 63)
}

fn build_regex(src: &str) -> Result<Regex, String> {
    RegexBuilder::new(src).unicode(false).size_limit(1 << 22).build().map_err(|e| e.to_string())
}

impl Format {
    pub fn compile(def: FormatDef) -> Result<Format, String> {
        if def.name.is_empty()
            || !def
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            return Err(format!("format name {:?} must be [a-z0-9_-]+", def.name));
        }
        let (mut regex, mut ts_group, mut host_group, mut level_group) = (None, 0, None, None);
        let (mut split, mut first_bytes, mut direct) = (None, None, None);
        match def.kind {
            Kind::Regex => {
                let src = def.regex.as_deref().ok_or("kind \"regex\" needs a `regex`")?;
                let re = build_regex(src).map_err(|e| format!("regex: {e}"))?;
                let idx = |name: &str| re.capture_names().position(|n| n == Some(name));
                ts_group = idx("ts").ok_or("the regex has no named group `ts`")?;
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
                    return Err("kind json/logfmt needs `timestamp_keys`".into());
                }
            }
        }
        let layout = match &def.layout {
            Some(l) => Some(Layout::new(l).map_err(|e| format!("layout {l:?}: {e}"))?),
            None => None,
        };
        let header = match &def.header {
            Some(h) => {
                let re = build_regex(h).map_err(|e| format!("header: {e}"))?;
                let idx = |name: &str| {
                    re.capture_names()
                        .position(|n| n == Some(name))
                        .ok_or_else(|| format!("the header regex has no named group `{name}`"))
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
                let (s, e) = ts?;
                let stamp = self.read_ts(&line[s..e])?;
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

/// A member of a json/logfmt line: the key's byte range and where its value lies.
type Member = ((usize, usize), structured::Value);

/// The members of one line as the json and logfmt scanners report them, each scan done on
/// first use and kept until [`Members::reset`] (the buffers are reused from line to line).
#[derive(Default)]
pub struct Members {
    /// Per scanner (json, logfmt): done for this line, its verdict, the members.
    scans: [(bool, bool, Vec<Member>); 2],
}

impl Members {
    /// Forget the previous line.
    pub fn reset(&mut self) {
        for s in &mut self.scans {
            s.0 = false;
        }
    }

    fn get(&mut self, line: &[u8], kind: Kind) -> (bool, &[Member]) {
        let (done, ok, members) = &mut self.scans[usize::from(kind != Kind::Json)];
        if !*done {
            members.clear();
            let mut add = |k: &[u8], v| {
                members.push((span_in(line, k), v));
                true
            };
            *ok = match kind {
                Kind::Json => structured::json_members(line, &mut add),
                _ => structured::logfmt_pairs(line, &mut add) > 0,
            };
            *done = true;
        }
        (*ok, members)
    }
}

/// Where `k`, a subslice of `line` (the scanners hand out keys as such), lies in it.
fn span_in(line: &[u8], k: &[u8]) -> (usize, usize) {
    let start = k.as_ptr() as usize - line.as_ptr() as usize;
    debug_assert!(start + k.len() <= line.len());
    (start, start + k.len())
}

/// What a json/logfmt format has found among the members of a line so far.
struct Keyed<'f> {
    f: &'f Format,
    /// Best (lowest index) timestamp key seen so far, and the other fields.
    ts: Option<(usize, structured::Value)>,
    host: Option<Span>,
    level: Option<Span>,
    required: u64,
}

impl<'f> Keyed<'f> {
    fn new(f: &'f Format) -> Keyed<'f> {
        Keyed { f, ts: None, host: None, level: None, required: 0 }
    }

    /// Take one member into account; always true (go on: a later key may be a better one).
    fn visit(&mut self, k: &[u8], v: structured::Value) -> bool {
        let f = self.f;
        if f.key_lens & len_bit(k.len()) == 0 || f.key_firsts & first_bit(k) == 0 {
            return true;
        }
        // Length first, then the first byte: most members are no key of the format. Byte by
        // byte rather than `==`, which calls memcmp: keys are a few bytes long.
        let Some(r) = f.keys.iter().find(|r| {
            r.key.len() == k.len()
                && r.key.first() == k.first()
                && r.key.iter().zip(k).all(|(a, b)| a == b)
        }) else {
            return true;
        };
        if let Some(i) = r.ts {
            if self.ts.is_none_or(|(j, _)| i < j) {
                self.ts = Some((i, v));
            }
        }
        if self.host.is_none() && r.host {
            self.host = Some((v.start as u32, v.end as u32));
        }
        if self.level.is_none() && r.level {
            self.level = Some((v.start as u32, v.end as u32));
        }
        if let Some(i) = r.require {
            self.required |= 1 << i;
        }
        true
    }

    /// The hit, once every member was visited; `ok`: the scanner accepted the line.
    fn finish(self, idx: u16, line: &[u8], ok: bool) -> Option<Hit> {
        let f = self.f;
        if !ok {
            return None;
        }
        let n = f.required.min(64);
        let all = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
        if self.required != all {
            return None;
        }
        let (_, v) = self.ts?;
        // The line is a record of this format even when its time field cannot be read: it
        // stays a record of its own (and is reported), rather than a continuation of the one
        // before. `Matcher::line` prefers any format that reads the time.
        let stamp = f.read_ts(&line[v.start..v.end]).unwrap_or(Stamp::Unreadable);
        Some(Hit::Stamp {
            stamp,
            format: idx,
            ts: (v.start as u32, v.end as u32),
            host: self.host.filter(|(a, b)| b > a),
            level: self.level.filter(|(a, b)| b > a),
        })
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let a = s.iter().position(|&b| b != b' ').unwrap_or(s.len());
    let b = s.iter().rposition(|&b| b != b' ').map_or(a, |i| i + 1);
    &s[a..b]
}

/// The code-level fallback: a timestamp at the start of the line, after an optional UTF-8 BOM,
/// ANSI escape sequences, or an opening bracket (then closed right after the timestamp).
pub fn generic(idx: u16, line: &[u8]) -> Option<Hit> {
    let mut i = 0;
    if line.starts_with(b"\xef\xbb\xbf") {
        i = 3;
    }
    while line.get(i) == Some(&0x1b) && line.get(i + 1) == Some(&b'[') {
        let mut j = i + 2;
        while j < line.len() && !(0x40..=0x7e).contains(&line[j]) {
            j += 1;
        }
        i = j + 1;
    }
    let first = *line.get(i)?;
    if first == b'[' {
        let (stamp, n) = scan::leading(&line[i + 1..])?;
        if line.get(i + 1 + n) != Some(&b']') && !matches!(stamp, Stamp::Relative(_)) {
            return None;
        }
        let s = i + 1;
        return Some(Hit::Stamp {
            stamp,
            format: idx,
            ts: (s as u32, (s + n) as u32),
            host: None,
            level: None,
        });
    }
    if !(first.is_ascii_alphanumeric()) {
        return None;
    }
    let (stamp, n) = scan::leading(&line[i..])?;
    // A timestamp must end at a word boundary: `2024-01-01T00:00:00Zfoo` is not one.
    if line.get(i + n).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some(Hit::Stamp { stamp, format: idx, ts: (i as u32, (i + n) as u32), host: None, level: None })
}

/// The regex formats whose regex matches a line (`Registry::matching`).
pub struct Matching<'r> {
    hits: regex::bytes::SetMatches,
    in_set: &'r [Option<usize>],
}

impl Matching<'_> {
    /// Whether format `i` can parse the line: false only for a regex format whose regex does
    /// not match it.
    pub fn may_parse(&self, i: usize) -> bool {
        self.in_set.get(i).copied().flatten().is_none_or(|k| self.hits.matched(k))
    }
}

/// All formats: built-in, then user ones; the last one is the `generic` fallback.
pub struct Registry {
    pub formats: Vec<Format>,
    /// Every regex format's regex in one set, and per format its index in it (see `matching`).
    set: Option<regex::bytes::RegexSet>,
    in_set: Vec<Option<usize>>,
}

impl Registry {
    /// The same registry without its regex set: every format is tried on every line.
    #[cfg(test)]
    pub fn without_set(mut self) -> Registry {
        self.set = None;
        self
    }

    /// Which regex formats' regexes match `line` (`None`: not known; try them all).
    pub fn matching(&self, line: &[u8]) -> Option<Matching<'_>> {
        let set = self.set.as_ref()?;
        Some(Matching { hits: set.matches(line), in_set: &self.in_set })
    }

    /// The built-in formats plus those in `user_dirs` (a user format replaces a built-in one of
    /// the same name).
    pub fn load(user_dirs: &[impl AsRef<Path>]) -> Result<Registry, FormatError> {
        let mut defs: Vec<(String, String)> = builtin::BUILTIN
            .iter()
            .map(|(n, t)| (format!("formats/{n} (built in)"), t.to_string()))
            .collect();
        for dir in user_dirs {
            let dir = dir.as_ref();
            let rd = std::fs::read_dir(dir)
                .map_err(|e| FormatError::Dir(dir.display().to_string(), e))?;
            let mut files: Vec<_> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            for p in files {
                let text = std::fs::read_to_string(&p).map_err(|e| FormatError::Def {
                    path: p.display().to_string(),
                    msg: e.to_string(),
                })?;
                defs.push((p.display().to_string(), text));
            }
        }
        // Compiled side by side (regexes, direct parsers: a few milliseconds in all, before
        // any source can be read); the first error in definition order is the one reported.
        let compiled: Vec<Result<(String, Format), FormatError>> = defs
            .into_par_iter()
            .map(|(path, text)| {
                let def: FormatDef = toml::from_str(&text).map_err(|e| FormatError::Def {
                    path: path.clone(),
                    msg: e.to_string().replace('\n', " "),
                })?;
                let f = Format::compile(def)
                    .map_err(|msg| FormatError::Def { path: path.clone(), msg })?;
                Ok((path, f))
            })
            .collect();
        let mut formats: Vec<Format> = Vec::new();
        for c in compiled {
            let (path, f) = c?;
            if f.name() == GENERIC {
                return Err(FormatError::Def {
                    path,
                    msg: "the name `generic` is reserved".into(),
                });
            }
            match formats.iter_mut().find(|g| g.name() == f.name()) {
                Some(slot) => *slot = f,
                None => formats.push(f),
            }
        }
        formats.push(Format {
            def: FormatDef {
                name: GENERIC.into(),
                title: "any line that starts with a timestamp in a common layout".into(),
                priority: -100,
                kind: Kind::Regex,
                regex: None,
                layout: None,
                timestamp_keys: vec![],
                host_keys: vec![],
                level_keys: vec![],
                require_keys: vec![],
                header: None,
                utc: false,
                multiline: true,
                samples: vec![def::Sample {
                    line: "2026-11-23 18:41:37.123 anything after a leading timestamp".into(),
                    ts: Some("2026-11-23T18:41:37.123Z".into()),
                    host: None,
                }],
            },
            regex: None,
            ts_group: 0,
            host_group: None,
            level_group: None,
            split: None,
            direct: None,
            first_bytes: None,
            layout: None,
            header: None,
            header_first: None,
            keys: vec![],
            required: 0,
            key_lens: 0,
            key_firsts: 0,
        });
        // Detection tries every format on a thousand lines of each source; one pass of a set
        // over a line tells which regexes match at all, at a fraction of the cost of trying
        // them one by one. Without it (too large a set), every format is tried.
        let mut in_set = vec![None; formats.len()];
        let mut pats = Vec::new();
        for (i, f) in formats.iter().enumerate() {
            if let (Kind::Regex, Some(src)) = (f.def.kind, f.def.regex.as_deref()) {
                in_set[i] = Some(pats.len());
                pats.push(src);
            }
        }
        let set = regex::bytes::RegexSetBuilder::new(&pats)
            .unicode(false)
            .size_limit(1 << 26)
            .dfa_size_limit(8 << 20)
            .build()
            .ok();
        Ok(Registry { formats, set, in_set })
    }

    pub fn generic_idx(&self) -> u16 {
        (self.formats.len() - 1) as u16
    }

    pub fn by_name(&self, name: &str) -> Option<u16> {
        self.formats.iter().position(|f| f.name() == name).map(|i| i as u16)
    }

    pub fn name(&self, idx: u16) -> &str {
        self.formats[idx as usize].name()
    }
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
