//! Offsets from the logs themselves (`--correlate KEY`): hosts that log the same request ids
//! at the start and end of their part of a request bound each other's clock offsets, as an
//! NTP exchange does (the caller's start and end are t1 and t4, the callee's t2 and t3).
//!
//! - [`extract`]: the id of a record (a key in JSON, logfmt or text, or a regex's group).
//! - [`Collector`]: per source, each id's first and last time per host (cheap: a substring
//!   search over each window, a hash per id record).
//! - [`pairs`]: ids into bounds on each pair of hosts' offset, and the line between them.
//! - [`fit`]: the line inside the bounds (convex-hull style), robust to a few violators.
//! - [`graph`]: pairs into one line per host, by the tightest chain from a known host.
//! - [`Late`]: the inferred models, applied to records after parsing (the ids are only all
//!   known then).

pub mod apply;
pub mod extract;
pub mod fit;
pub mod graph;
pub mod pairs;

use std::collections::HashMap;

pub use extract::{Key, KeyError};
pub use graph::{Disagreement, Line, Outcome};
pub use pairs::{PairFit, Span};

use super::model::{Knot, Model};
use super::stats::{fmt_offset, HostStats};
use crate::record::{Record, NO_TIME};
use crate::time::Nanos;

/// An id's 64-bit hash (FNV-1a, then mixed): the same in every source's collector. Ids
/// stand for themselves by it (two of a million ids collide with odds of 1 in 10^7).
fn id_hash(id: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in id {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// A 64-bit finaliser (splitmix64): spreads FNV's low bits over the word.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Per source: each (id, host)'s first and last time, and each host's range of times.
#[derive(Default, Debug)]
pub struct Collector {
    /// Per record that names an id: (id hash, host, time). A sort at the end makes the
    /// spans: cheaper than a map updated per record (a cache miss each, and its growth).
    seen: Vec<(u64, u32, Nanos)>,
    ranges: HashMap<u32, (Nanos, Nanos)>,
    /// Records that named an id.
    pub hits: u64,
    /// The hosts of each absorbed source that held several.
    pub mixed: Vec<Vec<u32>>,
}

impl Collector {
    /// Records of one window (file order, times as corrected so far), `data` their source's
    /// bytes.
    pub fn scan(&mut self, key: &Key, data: &[u8], recs: &[Record]) {
        let mut last_host = (u32::MAX, (0, 0));
        for r in recs.iter().filter(|r| r.has_time() && r.key != NO_TIME) {
            if last_host.0 != r.host {
                if last_host.0 != u32::MAX {
                    self.range(last_host.0, last_host.1);
                }
                last_host = (r.host, (r.key, r.key));
            }
            last_host.1 = (last_host.1 .0.min(r.key), last_host.1 .1.max(r.key));
        }
        if last_host.0 != u32::MAX {
            self.range(last_host.0, last_host.1);
        }
        let (Some(first), Some(last)) = (recs.first(), recs.last()) else { return };
        match key {
            Key::Name(_) => {
                // One substring search over the window; each hit is mapped to its record.
                let (lo, hi) = (first.start, last.end.min(data.len()));
                if lo >= hi {
                    return;
                }
                let mut k = 0;
                let mut done_rec = usize::MAX;
                key.each(&data[lo..hi], |at, id| {
                    let pos = lo + at;
                    while k + 1 < recs.len() && recs[k + 1].start <= pos {
                        k += 1;
                    }
                    let r = &recs[k];
                    if k == done_rec || pos >= r.end || !r.has_time() || r.key == NO_TIME {
                        return;
                    }
                    done_rec = k;
                    self.add(id, r);
                });
            }
            Key::Regex(_) => {
                for r in recs.iter().filter(|r| r.has_time() && r.key != NO_TIME) {
                    if let Some(id) = data.get(r.start..r.end).and_then(|t| key.first(t)) {
                        self.add(id, r);
                    }
                }
            }
        }
    }

    fn range(&mut self, host: u32, (lo, hi): (Nanos, Nanos)) {
        let e = self.ranges.entry(host).or_insert((lo, hi));
        *e = (e.0.min(lo), e.1.max(hi));
    }

    fn add(&mut self, id: &[u8], r: &Record) {
        self.hits += 1;
        self.seen.push((id_hash(id), r.host, r.key));
    }

    /// Adds another source's.
    pub fn absorb(&mut self, o: Collector) {
        self.hits += o.hits;
        if o.ranges.len() > 1 {
            let mut hosts: Vec<u32> = o.ranges.keys().copied().collect();
            hosts.sort_unstable();
            self.mixed.push(hosts);
        }
        self.mixed.extend(o.mixed);
        if self.seen.is_empty() {
            self.seen = o.seen;
        } else {
            self.seen.extend(o.seen);
        }
        for (h, r) in o.ranges {
            self.range(h, r);
        }
    }

    /// Per id seen on two hosts or more, its spans (one flat vector, cut per id: no
    /// allocation per id).
    pub fn ids(&self) -> Ids {
        use rayon::prelude::*;
        let mut seen = self.seen.clone();
        seen.par_sort_unstable();
        let mut all: Vec<(u64, Span)> =
            seen.iter().map(|&(id, host, t)| (id, Span { host, first: t, last: t })).collect();
        // Per id and host (from one source or several: rotated files of a host), one span.
        all.dedup_by(|b, a| {
            let same = a.0 == b.0 && a.1.host == b.1.host;
            if same {
                a.1.first = a.1.first.min(b.1.first);
                a.1.last = a.1.last.max(b.1.last);
            }
            same
        });
        let mut out = Ids { spans: Vec::new(), cuts: vec![0] };
        for g in all.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() >= 2) {
            out.spans.extend(g.iter().map(|x| x.1));
            out.cuts.push(out.spans.len());
        }
        out
    }

    pub fn range_of(&self, host: u32) -> Option<(Nanos, Nanos)> {
        self.ranges.get(&host).copied()
    }
}

/// Spans per id, flat.
pub struct Ids {
    spans: Vec<Span>,
    cuts: Vec<usize>,
}

impl Ids {
    pub fn iter(&self) -> impl Iterator<Item = &[Span]> {
        self.cuts.windows(2).map(|w| &self.spans[w[0]..w[1]])
    }
    pub fn len(&self) -> usize {
        self.cuts.len() - 1
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The inference over all hosts `0..names.len()`.
#[derive(Debug)]
pub struct Inference {
    pub names: Vec<String>,
    pub outcomes: Vec<Outcome>,
    pub disagreements: Vec<Disagreement>,
    pub pairs: Vec<PairFit>,
    /// The host chosen as reference when none was known or named.
    pub chosen_reference: Option<u32>,
    pub ids: usize,
}

/// Infer. `known[h]`: host h's records are already in true time (history, `--skew`);
/// `reference`: the host whose clock is taken as true.
pub fn infer(c: &Collector, names: &[String], known: &[bool], reference: Option<u32>) -> Inference {
    let n = names.len();
    let ids = c.ids();
    let pairs = pairs::fit_pairs(ids.iter());
    let mut anchors: Vec<bool> = (0..n).map(|h| known.get(h).copied().unwrap_or(false)).collect();
    let mut chosen = None;
    if let Some(r) = reference.filter(|&r| (r as usize) < n) {
        anchors[r as usize] = true;
    } else if !anchors.iter().any(|&a| a) {
        // None known: the host with the most links is the reference.
        let mut links = vec![0usize; n];
        for p in pairs.iter().filter(|p| p.fit.is_some()) {
            links[p.x as usize] += p.links;
            links[p.y as usize] += p.links;
        }
        // Ties: the first host (in the order hosts were met).
        let best = links
            .iter()
            .enumerate()
            .filter(|x| *x.1 > 0)
            .max_by_key(|x| (*x.1, std::cmp::Reverse(x.0)));
        if let Some((h, _)) = best {
            anchors[h] = true;
            chosen = Some(h as u32);
        }
    }
    let ranges: Vec<Option<(Nanos, Nanos)>> = (0..n as u32).map(|h| c.range_of(h)).collect();
    let (outcomes, disagreements) = graph::solve(n, &anchors, &ranges, &pairs);
    Inference {
        names: names.to_vec(),
        outcomes,
        disagreements,
        pairs,
        chosen_reference: chosen,
        ids: ids.len(),
    }
}

impl Inference {
    /// Per host, the model to correct it by (only inferred hosts have one).
    pub fn models(&self, ranges: impl Fn(u32) -> Option<(Nanos, Nanos)>) -> Vec<Option<Model>> {
        self.outcomes
            .iter()
            .enumerate()
            .map(|(h, o)| {
                let Outcome::Inferred { line, .. } = o else { return None };
                let (lo, hi) = ranges(h as u32)?;
                let knot = |t: Nanos| Knot { t, off: line.at(t).round() as Nanos };
                let mut knots = vec![knot(lo)];
                if hi > lo {
                    knots.push(knot(hi));
                }
                Some(Model::inferred(knots))
            })
            .collect()
    }

    /// One line per host that took part (and what was assumed), for stderr or `offsets`.
    pub fn report(&self) -> Vec<String> {
        let mut out = Vec::new();
        let name = |h: u32| self.names.get(h as usize).map_or("?", String::as_str);
        if let Some(r) = self.chosen_reference {
            out.push(format!(
                "correlate: no host has a known offset: the others are corrected to {}'s clock (pass --reference HOST to choose)",
                name(r)
            ));
        }
        for (h, o) in self.outcomes.iter().enumerate() {
            let host = name(h as u32);
            let links: usize = self
                .pairs
                .iter()
                .filter(|p| p.x as usize == h || p.y as usize == h)
                .map(|p| p.links)
                .sum();
            match o {
                Outcome::Anchor => {}
                Outcome::Inferred { line, via, anchor, links, width, dropped } => {
                    let mid = line.at(line.t0);
                    let mut s = format!(
                        "correlate: {host}: offset {} ± {} (drift {:+.1} ppm) from {links} requests with {}",
                        fmt_offset(mid.round() as Nanos),
                        fmt_offset((width / 2.0).round() as Nanos).trim_start_matches('+'),
                        line.drift_ppm(),
                        name(*via),
                    );
                    if via != anchor {
                        s.push_str(&format!(", anchored to {}", name(*anchor)));
                    }
                    if *dropped > 0 {
                        s.push_str(&format!("; {dropped} bounds broke the nesting and were ignored"));
                    }
                    out.push(s);
                }
                Outcome::NoLinks if links == 0 => {}
                Outcome::NoLinks => out.push(format!(
                    "correlate: {host}: links only to hosts not corrected either: not corrected"
                )),
                Outcome::Contradictory => out.push(format!(
                    "correlate: {host}: the requests' bounds contradict (no offset fits): not corrected"
                )),
            }
        }
        for d in &self.disagreements {
            out.push(format!(
                "correlate: the offset histories of {} and {} contradict the logs: {} requests put {} {} from {} (± {})",
                name(d.x),
                name(d.y),
                d.links,
                name(d.y),
                fmt_offset(d.offset.round() as Nanos),
                name(d.x),
                fmt_offset((d.width / 2.0).round() as Nanos).trim_start_matches('+'),
            ));
        }
        out
    }

    /// Hosts with records but no id shared with another host (stderr: not corrected).
    pub fn unlinked<'a>(&'a self, c: &'a Collector) -> impl Iterator<Item = &'a str> + 'a {
        self.outcomes.iter().enumerate().filter_map(move |(h, o)| {
            let linked = self.pairs.iter().any(|p| p.x as usize == h || p.y as usize == h);
            (*o == Outcome::NoLinks && !linked && c.range_of(h as u32).is_some())
                .then(|| self.names[h].as_str())
        })
    }
}

/// The inferred models, applied to records after parsing (by host index).
pub struct Late {
    models: Vec<Option<Model>>,
    stats: std::sync::Mutex<HashMap<u32, HostStats>>,
}

impl Late {
    pub fn new(models: Vec<Option<Model>>) -> Option<Late> {
        models.iter().any(Option::is_some).then(|| Late { models, stats: Default::default() })
    }

    /// Corrects a run's block of records (all timed or keyed after a timed one); keeps the
    /// block sorted by key.
    pub fn apply(&self, block: &mut [Record]) {
        let mut local: HashMap<u32, HostStats> = HashMap::new();
        for r in block.iter_mut() {
            let Some(Some(m)) = self.models.get(r.host as usize) else { continue };
            if r.key == NO_TIME {
                continue;
            }
            let look = m.lookup(r.key);
            r.key += look.offset;
            r.offset += look.offset;
            if r.has_time() {
                local
                    .entry(r.host)
                    .or_insert_with(|| HostStats::for_model(m))
                    .add(look.offset, false);
            }
        }
        if !block.is_sorted_by_key(|r| r.key) {
            // A source with records of several hosts: only some moved.
            block.sort_by_key(|r| r.key);
        }
        let mut all = self.stats.lock().unwrap();
        for (h, s) in local {
            all.entry(h).or_default().merge(&s);
        }
    }

    /// Per corrected host index, what correction did.
    pub fn stats(&self) -> Vec<(u32, HostStats)> {
        let mut v: Vec<_> =
            self.stats.lock().unwrap().iter().map(|(h, s)| (*h, s.clone())).collect();
        v.sort_by_key(|x| x.0);
        v
    }
}

#[cfg(test)]
mod tests;
