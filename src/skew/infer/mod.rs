//! Offsets from the logs themselves (`--correlate KEY`): hosts that log the same request ids
//! at the start and end of their part of a request bound each other's clock offsets, as an
//! NTP exchange does (the caller's start and end are t1 and t4, the callee's t2 and t3).
//!
//! - [`extract`]: the id of a record (a key in JSON, logfmt or text, or a regex's group).
//! - [`collect`]: per source, each id's first and last time per host (a substring search
//!   over each window while the parse worker has it, a hash per id record, a sort per
//!   source on its worker); then all sources' spans grouped by id in buckets, in parallel.
//! - [`pairs`]: ids into bounds on each pair of hosts' offset, and the line between them.
//! - [`fit`]: the line inside the bounds (convex-hull style), robust to a few violators.
//! - [`graph`]: pairs into one line per host, by the tightest chain from a known host.
//! - [`Late`]: the inferred models, applied to records after parsing (the ids are only all
//!   known then).
//!
//! Pure: the glue to the run's settings and host names is `pipeline::correlate`.

pub mod collect;
pub mod extract;
pub mod fit;
pub mod graph;
pub mod pairs;

use std::collections::HashMap;

pub use collect::Collector;
pub use extract::{Key, KeyError};
pub use graph::{Disagreement, Line, Outcome};
pub use pairs::{PairFit, Span};

use super::model::{Knot, Model};
use super::stats::{fmt_offset, HostStats};
use crate::record::{Record, NO_TIME};
use crate::time::Nanos;

/// The inference over all hosts `0..names.len()`.
#[derive(Debug)]
pub struct Inference {
    pub names: Vec<String>,
    pub outcomes: Vec<Outcome>,
    pub disagreements: Vec<Disagreement>,
    pub pairs: Vec<PairFit>,
    /// The host chosen as reference when none was known or named.
    pub chosen_reference: Option<u32>,
    /// Hosts whose offsets were known (history, `--skew`).
    pub known: Vec<bool>,
    pub ids: usize,
}

/// Infer. `known[h]`: host h's records are already in true time (history, `--skew`);
/// `reference`: the host whose clock is taken as true.
pub fn infer(c: &Collector, names: &[String], known: &[bool], reference: Option<u32>) -> Inference {
    let n = names.len();
    let (pairs, ids) = c.pair_fits();
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
        known: (0..n).map(|h| known.get(h).copied().unwrap_or(false)).collect(),
        ids,
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

    /// One line per host that took part (and what was assumed), then one per pair of hosts
    /// that share requests, for stderr or `offsets`.
    pub fn report(&self) -> Vec<String> {
        let mut out = Vec::new();
        let name = |h: u32| self.names.get(h as usize).map_or("?", String::as_str);
        let half =
            |w: f64| fmt_offset((w / 2.0).round() as Nanos).trim_start_matches('+').to_string();
        if let Some(r) = self.chosen_reference {
            out.push(format!(
                "correlate: no host has a known offset: the others are corrected to {}'s clock (pass --reference HOST to choose)",
                name(r)
            ));
        }
        for (h, o) in self.outcomes.iter().enumerate() {
            let host = name(h as u32);
            let total: usize = self
                .pairs
                .iter()
                .filter(|p| p.x as usize == h || p.y as usize == h)
                .map(|p| p.links)
                .sum();
            match o {
                Outcome::Anchor if total == 0 => {}
                Outcome::Anchor => {
                    let why = if self.known.get(h).copied().unwrap_or(false) {
                        "its offset history (or --skew) kept"
                    } else if self.chosen_reference == Some(h as u32) {
                        "the reference (the best-linked host)"
                    } else {
                        "the reference (--reference)"
                    };
                    out.push(format!("correlate: {host}: anchor: {why}; {total} links"));
                }
                Outcome::Inferred { line, via, anchor, links, width, dropped } => {
                    let mid = line.at(line.t0);
                    let mut s = format!(
                        "correlate: {host}: offset {} ± {} (drift {:+.1} ppm) from {links} requests with {}, anchored to {}",
                        fmt_offset(mid.round() as Nanos),
                        half(*width),
                        line.drift_ppm(),
                        name(*via),
                        name(*anchor),
                    );
                    if total > *links {
                        s.push_str(&format!("; {total} links in all"));
                    }
                    if *dropped > 0 {
                        s.push_str(&format!("; {dropped} bounds broke the nesting and were ignored"));
                    }
                    out.push(s);
                }
                Outcome::NoLinks if total == 0 => {}
                Outcome::NoLinks => out.push(format!(
                    "correlate: {host}: {total} links, only to hosts not corrected either: not corrected"
                )),
                Outcome::Contradictory => out.push(format!(
                    "correlate: {host}: {total} links, but the requests' bounds contradict (no offset fits): not corrected"
                )),
            }
        }
        for p in &self.pairs {
            let (x, y) = (name(p.x), name(p.y));
            let who = if p.x_called == p.links {
                format!("{x} -> {y}")
            } else if p.x_called == 0 {
                format!("{y} -> {x}")
            } else {
                format!("{x} <-> {y}")
            };
            let mut s = format!("correlate: {who}: {} requests: ", p.links);
            match (p.fit, p.at((p.range.0 + p.range.1) / 2)) {
                (Some(f), Some(d)) => {
                    let (how, d) = if d >= 0.0 { ("behind", d) } else { ("ahead of", -d) };
                    s.push_str(&format!(
                        "{y}'s clock is {} ± {} {how} {x}'s ({y} drifts {:+.1} ppm against it)",
                        fmt_offset(d.round() as Nanos).trim_start_matches('+'),
                        half(f.width),
                        -f.b * 1e6,
                    ));
                }
                _ => s.push_str("the bounds contradict (no line fits them): not used"),
            }
            out.push(s);
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
                half(d.width),
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
