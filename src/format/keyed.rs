//! JSON and logfmt formats: the members of a line, scanned once and shared by every format
//! tried on it, and what one format finds among them (time, host, level, required keys).

use super::def::{FormatDef, Kind};
use super::{structured, Format, Hit, Span};
use crate::time::Stamp;

/// What one key of a json/logfmt format stands for.
pub(super) struct KeyRole {
    pub(super) key: Vec<u8>,
    /// Its index in `timestamp_keys` (the lowest, if listed twice): lower is preferred.
    ts: Option<usize>,
    host: bool,
    level: bool,
    /// Its index in `require_keys` (the lowest), capped at 63: the bit it sets.
    require: Option<usize>,
}

impl KeyRole {
    /// The distinct keys of a definition's lists, with their roles.
    pub(super) fn table(def: &FormatDef) -> Vec<KeyRole> {
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
pub(super) fn len_bit(n: usize) -> u64 {
    1 << n.min(63)
}

/// The `key_firsts` bit of a key.
pub(super) fn first_bit(k: &[u8]) -> u64 {
    1 << (k.first().unwrap_or(&0) & 63)
}

/// A member of a json/logfmt line: the key's byte range and where its value lies.
pub(super) type Member = ((usize, usize), structured::Value);

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

    pub(super) fn get(&mut self, line: &[u8], kind: Kind) -> (bool, &[Member]) {
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
pub(super) fn span_in(line: &[u8], k: &[u8]) -> (usize, usize) {
    let start = k.as_ptr() as usize - line.as_ptr() as usize;
    debug_assert!(start + k.len() <= line.len());
    (start, start + k.len())
}

/// What a json/logfmt format has found among the members of a line so far.
pub(super) struct Keyed<'f> {
    f: &'f Format,
    /// Best (lowest index) timestamp key seen so far, and the other fields.
    ts: Option<(usize, structured::Value)>,
    host: Option<Span>,
    level: Option<Span>,
    required: u64,
}

impl<'f> Keyed<'f> {
    pub(super) fn new(f: &'f Format) -> Keyed<'f> {
        Keyed { f, ts: None, host: None, level: None, required: 0 }
    }

    /// Take one member into account; always true (go on: a later key may be a better one).
    pub(super) fn visit(&mut self, k: &[u8], v: structured::Value) -> bool {
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
    pub(super) fn finish(self, idx: u16, line: &[u8], ok: bool) -> Option<Hit> {
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
