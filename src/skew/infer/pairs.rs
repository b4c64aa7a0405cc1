//! Requests into bounds: each id logged on two hosts, its spans nested, bounds the offset
//! between the two clocks from both sides (an NTP exchange in disguise).
//!
//! On each host an id's span runs from the first to the last record that names it. The
//! caller's span holds the callee's in true time (it starts before it sends the request and
//! finishes after the reply), and a span's length does not depend on the clock's offset, so
//! the longer span is the caller's. With the caller's span `[x1, x4]` (its clock) and the
//! callee's `[y2, y3]`, the offset `δ` to add to the callee's readings to get the caller's
//! satisfies `x1 ≤ y2 + δ(y2)` and `y3 + δ(y3) ≤ x4`: `δ(y2) ≥ x1 - y2`, `δ(y3) ≤ x4 - y3`.
//! An id logged only once on either host (a one-way message: a job enqueued on one host and
//! picked up on another nests nothing) and spans of equal length tell nothing: skipped.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::fit::{Bound, Bounds, Fit};
use crate::time::Nanos;

/// An id's span on one host: its first and last record's time (the host's clock, or the
/// corrected time for a host already corrected by a history).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub host: u32,
    pub first: Nanos,
    pub last: Nanos,
}

/// What the requests say of the pair `(x, y)` (`x < y`): `δ(t) = a + b·(t - t0)`, to add to
/// `y`'s reading `t` to get `x`'s.
#[derive(Clone, Debug)]
pub struct PairFit {
    pub x: u32,
    pub y: u32,
    pub t0: Nanos,
    /// `None`: the bounds contradict (or lie on one side only).
    pub fit: Option<Fit>,
    /// Requests seen on both hosts with spans of different lengths.
    pub links: usize,
    /// Of them, those `x` called (its span the longer).
    pub x_called: usize,
    /// `y` readings the links span.
    pub range: (Nanos, Nanos),
}

impl PairFit {
    /// `δ` at `y`'s reading `t`.
    pub fn at(&self, t: Nanos) -> Option<f64> {
        self.fit.map(|f| f.a + f.b * (t - self.t0) as f64)
    }
}

/// One pair's bounds as read (absolute readings, ns), before the fit.
#[derive(Default)]
struct Acc {
    /// (y's reading, bound on δ there)
    lower: Vec<(Nanos, Nanos)>,
    upper: Vec<(Nanos, Nanos)>,
    links: usize,
    x_called: usize,
    range: (Nanos, Nanos),
}

impl Acc {
    fn merge(&mut self, mut o: Acc) {
        if o.links == 0 {
            return;
        }
        self.range = if self.links == 0 {
            o.range
        } else {
            (self.range.0.min(o.range.0), self.range.1.max(o.range.1))
        };
        self.links += o.links;
        self.x_called += o.x_called;
        self.lower.append(&mut o.lower);
        self.upper.append(&mut o.upper);
    }

    fn fit(self, (x, y): (u32, u32)) -> PairFit {
        // Relative to the first reading: what the fit reports does not depend on the order
        // the ids came in.
        let t0 = self.range.0;
        let rel = |v: &[(Nanos, Nanos)]| -> Vec<Bound> {
            v.iter().map(|&(t, b)| Bound { t: (t - t0) as f64, v: b as f64 }).collect()
        };
        let bounds = Bounds { lower: rel(&self.lower), upper: rel(&self.upper) };
        let (links, x_called, range) = (self.links, self.x_called, self.range);
        PairFit { x, y, t0, fit: bounds.fit(), links, x_called, range }
    }
}

/// The bounds of every pair of hosts, as ids come (see [`fit_pairs`]); several can be
/// filled apart (one per thread) and merged.
#[derive(Default)]
pub struct PairBounds {
    accs: Vec<((u32, u32), Acc)>,
    /// Pair -> index in `accs` (a cheap hash: the keys are two small integers).
    index: HashMap<(u32, u32), usize, BuildHasherDefault<PairHasher>>,
    last: usize,
}

/// Hashes a pair of host indexes: one multiply per word (SipHash is made for keys an
/// attacker picks; these are ours).
#[derive(Default)]
struct PairHasher(u64);

impl Hasher for PairHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(x as u64);
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(29) ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl PairBounds {
    fn acc(&mut self, key: (u32, u32)) -> &mut Acc {
        if self.accs.get(self.last).is_none_or(|a| a.0 != key) {
            let accs = &mut self.accs;
            self.last = *self.index.entry(key).or_insert_with(|| {
                accs.push((key, Acc::default()));
                accs.len() - 1
            });
        }
        &mut self.accs[self.last].1
    }

    /// One id's spans (one per host; hosts in any order).
    pub fn add_id(&mut self, spans: &[Span]) {
        for (i, p) in spans.iter().enumerate() {
            for q in &spans[i + 1..] {
                if p.host == q.host {
                    continue;
                }
                let (x, y) = if p.host < q.host { (p, q) } else { (q, p) };
                let (dx, dy) = (x.last - x.first, y.last - y.first);
                // An id logged once on a host may be a one-way message (a job enqueued here,
                // picked up there), which nests nothing; equal spans say nothing of who called.
                if dx == 0 || dy == 0 || dx == dy {
                    continue;
                }
                let a = self.acc((x.host, y.host));
                if dx > dy {
                    // x called y
                    a.x_called += 1;
                    a.lower.push((y.first, x.first - y.first));
                    a.upper.push((y.last, x.last - y.last));
                } else {
                    // y called x: x's span lies inside y's
                    a.upper.push((y.first, x.first - y.first));
                    a.lower.push((y.last, x.last - y.last));
                }
                a.range = if a.links == 0 {
                    (y.first, y.last)
                } else {
                    (a.range.0.min(y.first), a.range.1.max(y.last))
                };
                a.links += 1;
            }
        }
    }

    /// Adds another's bounds.
    pub fn merge(&mut self, o: PairBounds) {
        for (key, acc) in o.accs {
            self.acc(key).merge(acc);
        }
    }

    /// Every pair's line, fitted (pairs in parallel), by host pair.
    pub fn fit(self) -> Vec<PairFit> {
        use rayon::prelude::*;
        let mut out: Vec<PairFit> = self.accs.into_par_iter().map(|(key, a)| a.fit(key)).collect();
        out.sort_by_key(|p| (p.x, p.y));
        out
    }
}

/// Bounds of every pair of hosts that share ids, fitted. `ids`: per id, its spans (one per
/// host; hosts in any order).
pub fn fit_pairs<'a>(ids: impl Iterator<Item = &'a [Span]>) -> Vec<PairFit> {
    let mut b = PairBounds::default();
    for spans in ids {
        b.add_id(spans);
    }
    b.fit()
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = 1_000_000_000;

    /// x calls y every second; y's clock reads true - off.
    fn calls(x: u32, y: u32, off: Nanos, n: i64) -> Vec<Vec<Span>> {
        (0..n)
            .map(|k| {
                let t1 = 1_000 * S + k * S;
                vec![
                    Span { host: x, first: t1, last: t1 + 5_000_000 },
                    Span { host: y, first: t1 + 1_000_000 - off, last: t1 + 4_000_000 - off },
                ]
            })
            .collect()
    }

    #[test]
    fn the_longer_span_is_the_caller_whichever_host_sorts_first() {
        for (x, y, sign) in [(0, 1, 1.0), (1, 0, -1.0)] {
            let ids = calls(x, y, 2 * S, 50);
            let p = fit_pairs(ids.iter().map(Vec::as_slice));
            assert_eq!(p.len(), 1);
            assert_eq!(p[0].links, 50);
            let f = p[0].fit.unwrap();
            // δ adds to host 1's reading to get host 0's
            assert!((f.a - sign * 2e9).abs() < 1.1e6, "{f:?}");
            assert!(f.width <= 2.0e6 + 1.0, "{f:?}");
        }
    }

    #[test]
    fn ids_logged_once_on_a_host_are_skipped() {
        let ids = [
            vec![Span { host: 0, first: 5, last: 5 }, Span { host: 1, first: 9, last: 9 }],
            // enqueued on 0, picked up and retried on 1: one-way, not a call
            vec![Span { host: 0, first: 5, last: 5 }, Span { host: 1, first: 7, last: 90 }],
        ];
        assert!(fit_pairs(ids.iter().map(Vec::as_slice)).is_empty());
    }
}
