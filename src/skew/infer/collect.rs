//! Collecting the ids: per source, each id's first and last time per host, gathered while
//! the parse workers read the source's windows; then all sources' spans grouped by id and
//! turned into each pair of hosts' bounds.
//!
//! No id is kept as text: its bytes hash to 96 bits (a 64-bit id and a 32-bit check of a
//! different hash), so two ids merge only if both collide (for a million ids, odds of about
//! 1 in 10^16). Each source seals its own spans on its worker thread (a sort of that source's
//! ids); the spans of all sources are then cut into buckets by the id's top bits, one pass,
//! and each bucket is grouped and turned into bounds on its own thread: no global sort.

use std::collections::HashMap;

use super::extract::Key;
use super::pairs::{PairBounds, PairFit, Span};
use crate::record::{Record, NO_TIME};
use crate::time::Nanos;

/// An id's hashes: FNV-1a (finalised by splitmix64) for the id, and a multiplicative hash of
/// another form for the check, both in one pass over the bytes.
pub(super) fn id_hash(id: &[u8]) -> (u64, u32) {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut g: u64 = id.len() as u64;
    for &b in id {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        g = g.wrapping_add(b as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    (mix(h), (mix(g) >> 32) as u32)
}

/// A 64-bit finaliser (splitmix64): spreads the low bits over the word.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A record that names an id (24 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Seen {
    id: u64,
    check: u32,
    host: u32,
    t: Nanos,
}

/// An id's span on one host (40 bytes).
#[derive(Clone, Copy, Debug)]
struct IdSpan {
    id: u64,
    check: u32,
    span: Span,
}

/// Per source (then merged): the records that name an id, each host's range of times.
#[derive(Default, Debug)]
pub struct Collector {
    /// Per record that names an id, until `seal`: a sort at the end makes the spans
    /// (cheaper than a map updated per record: a cache miss each, and its growth).
    seen: Vec<Seen>,
    /// Per (id, host), sorted by id: what `seal` made of `seen`, per absorbed source.
    sealed: Vec<Vec<IdSpan>>,
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
                    self.add(id, r.host, r.key);
                });
            }
            Key::Regex(_) => {
                for r in recs.iter().filter(|r| r.has_time() && r.key != NO_TIME) {
                    if let Some(id) = data.get(r.start..r.end).and_then(|t| key.first(t)) {
                        self.add(id, r.host, r.key);
                    }
                }
            }
        }
    }

    pub(super) fn range(&mut self, host: u32, (lo, hi): (Nanos, Nanos)) {
        let e = self.ranges.entry(host).or_insert((lo, hi));
        *e = (e.0.min(lo), e.1.max(hi));
    }

    /// A record of `host` at `t` names `id`.
    pub(super) fn add(&mut self, id: &[u8], host: u32, t: Nanos) {
        let (id, check) = id_hash(id);
        self.push(id, check, host, t);
    }

    pub(super) fn push(&mut self, id: u64, check: u32, host: u32, t: Nanos) {
        self.hits += 1;
        self.seen.push(Seen { id, check, host, t });
    }

    /// Each (id, host)'s span, from the records seen so far (on the worker that parsed the
    /// source: the sort runs beside the other sources' parsing, not after it).
    pub fn seal(&mut self) {
        if self.seen.is_empty() {
            return;
        }
        let mut seen = std::mem::take(&mut self.seen);
        seen.sort_unstable();
        let mut out: Vec<IdSpan> = Vec::with_capacity(seen.len() / 2 + 1);
        for s in seen {
            match out.last_mut() {
                Some(p) if p.id == s.id && p.check == s.check && p.span.host == s.host => {
                    // sorted by t within (id, host)
                    p.span.last = s.t;
                }
                _ => out.push(IdSpan {
                    id: s.id,
                    check: s.check,
                    span: Span { host: s.host, first: s.t, last: s.t },
                }),
            }
        }
        self.sealed.push(out);
    }

    /// Adds another source's.
    pub fn absorb(&mut self, mut o: Collector) {
        o.seal();
        self.hits += o.hits;
        if o.ranges.len() > 1 {
            let mut hosts: Vec<u32> = o.ranges.keys().copied().collect();
            hosts.sort_unstable();
            self.mixed.push(hosts);
        }
        self.mixed.extend(o.mixed);
        self.sealed.append(&mut o.sealed);
        for (h, r) in o.ranges {
            self.range(h, r);
        }
    }

    pub fn range_of(&self, host: u32) -> Option<(Nanos, Nanos)> {
        self.ranges.get(&host).copied()
    }

    /// Every pair of hosts' bounds, fitted, and the number of ids seen on two hosts or more.
    pub fn pair_fits(&self) -> (Vec<PairFit>, usize) {
        use rayon::prelude::*;
        let mut sealed: Vec<&[IdSpan]> = self.sealed.iter().map(Vec::as_slice).collect();
        let mut own = Vec::new();
        if !self.seen.is_empty() {
            // Not sealed (a collector filled directly): seal a copy.
            let mut c = Collector { seen: self.seen.clone(), ..Default::default() };
            c.seal();
            own = c.sealed;
            sealed.extend(own.iter().map(Vec::as_slice));
        }
        let total: usize = sealed.iter().map(|s| s.len()).sum();
        // Buckets by the id's top bits: the ids are hashes, so the buckets come out even.
        let bits = (usize::BITS - (total / 4096).max(1).leading_zeros()).clamp(1, 12);
        let nb = 1usize << bits;
        let bucket = |id: u64| (id >> (64 - bits)) as usize;
        let mut counts = vec![0usize; nb + 1];
        for s in &sealed {
            for x in s.iter() {
                counts[bucket(x.id) + 1] += 1;
            }
        }
        for b in 0..nb {
            counts[b + 1] += counts[b];
        }
        let starts = counts.clone();
        let blank = IdSpan { id: 0, check: 0, span: Span { host: 0, first: 0, last: 0 } };
        let mut flat: Vec<IdSpan> = vec![blank; total];
        for s in &sealed {
            for x in s.iter() {
                let b = bucket(x.id);
                flat[counts[b]] = *x;
                counts[b] += 1;
            }
        }
        drop(own);
        let mut parts: Vec<&mut [IdSpan]> = Vec::with_capacity(nb);
        let mut rest: &mut [IdSpan] = &mut flat;
        for b in 0..nb {
            let (head, tail) = rest.split_at_mut(starts[b + 1] - starts[b]);
            parts.push(head);
            rest = tail;
        }
        let (bounds, ids) = parts
            .into_par_iter()
            .map(|part| {
                part.sort_unstable_by_key(|x| (x.id, x.check, x.span.host));
                let mut pb = PairBounds::default();
                let mut ids = 0usize;
                let mut spans: Vec<Span> = Vec::new();
                for g in part.chunk_by(|a, b| a.id == b.id && a.check == b.check) {
                    spans.clear();
                    for x in g {
                        // The same id and host from several sources (rotated files): one span.
                        match spans.last_mut() {
                            Some(p) if p.host == x.span.host => {
                                p.first = p.first.min(x.span.first);
                                p.last = p.last.max(x.span.last);
                            }
                            _ => spans.push(x.span),
                        }
                    }
                    if spans.len() >= 2 {
                        ids += 1;
                        pb.add_id(&spans);
                    }
                }
                (pb, ids)
            })
            .reduce(
                || (PairBounds::default(), 0),
                |(mut a, n), (b, m)| {
                    a.merge(b);
                    (a, n + m)
                },
            );
        (bounds.fit(), ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_hash_apart_and_their_check_differs_in_form() {
        let (a, ca) = id_hash(b"r-0001");
        let (b, cb) = id_hash(b"r-0002");
        assert_ne!(a, b);
        assert_ne!(ca, cb);
        assert_eq!(id_hash(b"r-0001"), (a, ca));
    }

    #[test]
    fn spans_join_across_sources_and_pairs_form_per_id() {
        // id 1: host 0 calls host 1; host 0's span is split over two sources (rotation).
        let mut all = Collector::default();
        let mut s1 = Collector::default();
        s1.add(b"r-1", 0, 100);
        s1.add(b"r-1", 1, 120);
        s1.add(b"r-1", 1, 150);
        let mut s2 = Collector::default();
        s2.add(b"r-1", 0, 200);
        // seen on one host only
        s2.add(b"r-2", 0, 300);
        s2.add(b"r-2", 0, 400);
        all.absorb(s1);
        all.absorb(s2);
        assert_eq!(all.hits, 6);
        let (pairs, ids) = all.pair_fits();
        assert_eq!(ids, 1);
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].x, pairs[0].y, pairs[0].links), (0, 1, 1));
        // δ (add to host 1's reading) lies in [100 - 120, 200 - 150] = [-20, 50]
        let f = pairs[0].fit.unwrap();
        assert!((f.a - 15.0).abs() < 1.0 && (f.width - 70.0).abs() < 1.0, "{f:?}");
    }
}
