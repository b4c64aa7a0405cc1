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
    /// `y` readings the links span.
    pub range: (Nanos, Nanos),
}

impl PairFit {
    /// `δ` at `y`'s reading `t`.
    pub fn at(&self, t: Nanos) -> Option<f64> {
        self.fit.map(|f| f.a + f.b * (t - self.t0) as f64)
    }
}

#[derive(Default)]
struct Acc {
    t0: Option<Nanos>,
    bounds: Bounds,
    links: usize,
    range: (Nanos, Nanos),
}

/// Bounds of every pair of hosts that share ids, fitted. `ids`: per id, its spans (one per
/// host; hosts in any order).
pub fn fit_pairs<'a>(ids: impl Iterator<Item = &'a [Span]>) -> Vec<PairFit> {
    // Hosts are few: the pairs' accumulators by index, found without hashing.
    let mut index: HashMap<(u32, u32), usize> = HashMap::new();
    let mut accs: Vec<((u32, u32), Acc)> = Vec::new();
    let mut last: ((u32, u32), usize) = ((u32::MAX, u32::MAX), 0);
    for spans in ids {
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
                let key = (x.host, y.host);
                if last.0 != key {
                    let k = *index.entry(key).or_insert_with(|| {
                        accs.push((key, Acc::default()));
                        accs.len() - 1
                    });
                    last = (key, k);
                }
                let a = &mut accs[last.1].1;
                let t0 = *a.t0.get_or_insert(y.first);
                let rel = |t: Nanos| (t - t0) as f64;
                if dx > dy {
                    // x called y
                    a.bounds.lower.push(Bound { t: rel(y.first), v: (x.first - y.first) as f64 });
                    a.bounds.upper.push(Bound { t: rel(y.last), v: (x.last - y.last) as f64 });
                } else {
                    // y called x: x's span lies inside y's
                    a.bounds.upper.push(Bound { t: rel(y.first), v: (x.first - y.first) as f64 });
                    a.bounds.lower.push(Bound { t: rel(y.last), v: (x.last - y.last) as f64 });
                }
                if a.links == 0 {
                    a.range = (y.first, y.last);
                }
                a.range = (a.range.0.min(y.first), a.range.1.max(y.last));
                a.links += 1;
            }
        }
    }
    use rayon::prelude::*;
    let mut out: Vec<PairFit> = accs
        .into_par_iter()
        .map(|((x, y), a)| PairFit {
            x,
            y,
            t0: a.t0.unwrap_or(0),
            fit: a.bounds.fit(),
            links: a.links,
            range: a.range,
        })
        .collect();
    out.sort_by_key(|p| (p.x, p.y));
    out
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
