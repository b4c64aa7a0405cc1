//! Pairs into hosts: one offset line per host, reached from a host of known offset by the
//! tightest chain of pairs (Dijkstra over the bands' widths, as Trace Compass's
//! synchronisation graph composes transforms along a spanning tree).
//!
//! An anchor's records are in true time already (its history or `--skew` corrected them; the
//! `--reference` host's clock is true by decree), so a pair's line from an anchor to another
//! host is that host's offset; along a chain the lines compose. All are lines, so the result
//! is one too: it is evaluated at the ends of the host's readings.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::pairs::PairFit;
use crate::time::Nanos;

/// An offset line in a host's clock: `offset(t) = a + b·(t - t0)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Line {
    pub t0: Nanos,
    pub a: f64,
    pub b: f64,
}

impl Line {
    pub const ZERO: Line = Line { t0: 0, a: 0.0, b: 0.0 };

    pub fn at(&self, t: Nanos) -> f64 {
        self.a + self.b * t.wrapping_sub(self.t0) as f64
    }

    /// Drift in ppm, positive when the clock gains (its offset falls).
    pub fn drift_ppm(&self) -> f64 {
        -self.b * 1e6
    }
}

/// What became of a host.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Its offset is known (history, `--skew`) or decreed (`--reference`).
    Anchor,
    Inferred {
        line: Line,
        /// The host it was reached from, and the anchor at the chain's start.
        via: u32,
        anchor: u32,
        /// Links of the pair it was reached by.
        links: usize,
        /// Sum of the bands' widths along the chain, ns: the offset lies within ±width/2.
        width: f64,
        /// Bounds dropped as violators on the pair it was reached by.
        dropped: usize,
    },
    /// It shares ids with no host (or only with hosts not reached either).
    NoLinks,
    /// It shares ids, but every pair's bounds contradict.
    Contradictory,
}

/// Two anchors whose corrected times the requests between them do not allow.
#[derive(Clone, Debug, PartialEq)]
pub struct Disagreement {
    pub x: u32,
    pub y: u32,
    /// The offset the logs put between them (add to y's corrected time to get x's), ns.
    pub offset: f64,
    pub width: f64,
    pub links: usize,
}

/// The models of all hosts `0..n`. `anchors[h]`: h's offset is known. `ranges[h]`: the
/// readings of h's records (where its line is evaluated).
pub fn solve(
    n: usize,
    anchors: &[bool],
    ranges: &[Option<(Nanos, Nanos)>],
    pairs: &[PairFit],
) -> (Vec<Outcome>, Vec<Disagreement>) {
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, p) in pairs.iter().enumerate() {
        if (p.x as usize) < n && (p.y as usize) < n {
            adj[p.x as usize].push(k);
            adj[p.y as usize].push(k);
        }
    }
    let mut out: Vec<Outcome> = (0..n)
        .map(|h| {
            if anchors.get(h).copied().unwrap_or(false) {
                Outcome::Anchor
            } else if adj[h].is_empty() {
                Outcome::NoLinks
            } else if adj[h].iter().all(|&k| pairs[k].fit.is_none()) {
                Outcome::Contradictory
            } else {
                Outcome::NoLinks
            }
        })
        .collect();
    let mut lines: Vec<Option<Line>> = vec![None; n];
    let mut dist = vec![f64::INFINITY; n];
    let mut origin = vec![u32::MAX; n];
    let mut heap = BinaryHeap::new();
    for h in 0..n {
        if out[h] == Outcome::Anchor {
            dist[h] = 0.0;
            lines[h] = Some(Line::ZERO);
            origin[h] = h as u32;
            heap.push(Reverse((0u64, h)));
        }
    }
    let mut done = vec![false; n];
    while let Some(Reverse((_, u))) = heap.pop() {
        if std::mem::replace(&mut done[u], true) {
            continue;
        }
        let Some(lu) = lines[u] else { continue };
        for &k in &adj[u] {
            let p = &pairs[k];
            let Some(f) = p.fit else { continue };
            let v = if p.x as usize == u { p.y as usize } else { p.x as usize };
            let d = dist[u] + f.width.max(0.0);
            if done[v] || d >= dist[v] || anchors.get(v).copied().unwrap_or(false) {
                continue;
            }
            let Some((lo, hi)) = ranges[v] else { continue };
            // v's offset at its reading t: the pair's δ to u's reading, then u's offset there.
            let off = |t: Nanos| -> f64 {
                let delta = if p.y as usize == v {
                    p.at(t).unwrap_or(0.0)
                } else {
                    // v is x: δ maps y (= u) readings to x's; invert: t_u + δ(t_u) = t.
                    let rel = ((t - p.t0) as f64 - f.a) / (1.0 + f.b);
                    let tu = p.t0 + rel.round() as Nanos;
                    (tu - t) as f64
                };
                delta + lu.at(t + delta.round() as Nanos)
            };
            let hi = hi.max(lo + 1);
            let (o0, o1) = (off(lo), off(hi));
            let line = Line { t0: lo, a: o0, b: (o1 - o0) / (hi - lo) as f64 };
            dist[v] = d;
            lines[v] = Some(line);
            origin[v] = origin[u];
            out[v] = Outcome::Inferred {
                line,
                via: u as u32,
                anchor: origin[u],
                links: p.links,
                width: d,
                dropped: f.dropped,
            };
            heap.push(Reverse((d.round() as u64, v)));
        }
    }
    let mut disagree = Vec::new();
    for p in pairs {
        let (x, y) = (p.x as usize, p.y as usize);
        if !(anchors.get(x).copied().unwrap_or(false) && anchors.get(y).copied().unwrap_or(false)) {
            continue;
        }
        let Some(f) = p.fit else { continue };
        // Both are in true time: the logs should put them 0 apart, within the band.
        let worst = [p.range.0, p.range.1]
            .iter()
            .filter_map(|&t| p.at(t))
            .max_by(|a, b| a.abs().total_cmp(&b.abs()))
            .unwrap_or(0.0);
        if worst.abs() > f.width / 2.0 {
            disagree.push(Disagreement {
                x: p.x,
                y: p.y,
                offset: worst,
                width: f.width,
                links: p.links,
            });
        }
    }
    (out, disagree)
}

#[cfg(test)]
mod tests {
    use super::super::fit::Fit;
    use super::*;

    const S: Nanos = 1_000_000_000;

    fn pair(x: u32, y: u32, a: f64, b: f64, width: f64) -> PairFit {
        PairFit {
            x,
            y,
            t0: 1000 * S,
            fit: Some(Fit { a, b, width, dropped: 0 }),
            links: 100,
            x_called: 100,
            range: (1000 * S, 2000 * S),
        }
    }

    #[test]
    fn offsets_compose_along_the_tightest_chain() {
        // 0 is the anchor. 1 = 0's reading - 2 s  (δ adds +2 s to 1's reading)
        // 2 is reached from 1 (tight) or directly from 0 (loose, and wrong by 5 ms).
        let pairs = vec![
            pair(0, 1, 2e9, 0.0, 1e5),
            pair(1, 2, -0.5e9, 0.0, 1e5),
            pair(0, 2, 1.505e9, 0.0, 1e7),
        ];
        let ranges = vec![Some((1000 * S, 2000 * S)); 3];
        let (out, dis) = solve(3, &[true, false, false], &ranges, &pairs);
        assert!(dis.is_empty());
        let Outcome::Inferred { line, via, anchor, width, .. } = &out[2] else { panic!() };
        assert_eq!((*via, *anchor), (1, 0));
        assert!((line.at(1500 * S) - 1.5e9).abs() < 1.0, "{line:?}");
        assert!((width - 2e5).abs() < 1.0);
    }

    #[test]
    fn a_reversed_pair_inverts_its_line_with_drift() {
        // anchor is host 1; host 0 is reached through the inverse of δ(0 <- 1).
        let b = 50e-6;
        let pairs = vec![pair(0, 1, 2e9, b, 1e5)];
        let ranges = vec![Some((1000 * S, 2000 * S)); 2];
        let (out, _) = solve(2, &[false, true], &ranges, &pairs);
        let Outcome::Inferred { line, .. } = &out[0] else { panic!() };
        // Check: a reading t1 of host 1 maps to t0 = t1 + δ(t1) on host 0; host 0's offset
        // there must take it back to t1.
        let t1 = 1300 * S;
        let d = 2e9 + b * (t1 - 1000 * S) as f64;
        let t0 = t1 + d as Nanos;
        assert!((line.at(t0) + d).abs() < 2.0, "{}", line.at(t0) + d);
    }

    #[test]
    fn hosts_without_links_or_with_contradictions_are_reported() {
        let mut bad = pair(0, 2, 0.0, 0.0, 1.0);
        bad.fit = None;
        let ranges = vec![Some((0, 10)); 3];
        let (out, _) = solve(3, &[true, false, false], &ranges, &[bad]);
        assert_eq!(out[1], Outcome::NoLinks);
        assert_eq!(out[2], Outcome::Contradictory);
    }

    #[test]
    fn anchors_the_logs_put_apart_are_reported() {
        let pairs = vec![pair(0, 1, 30e6, 0.0, 1e6), pair(0, 2, 0.2e6, 0.0, 1e6)];
        let ranges = vec![Some((1000 * S, 2000 * S)); 3];
        let (_, dis) = solve(3, &[true, true, true], &ranges, &pairs);
        assert_eq!(dis.len(), 1);
        assert_eq!((dis[0].x, dis[0].y), (0, 1));
    }
}
