//! One pair of clocks: the offset between them as a line inside the bounds the requests give.
//!
//! Every request seen on both hosts gives a lower bound `δ(t) ≥ v` (at the callee's start)
//! and an upper bound `δ(t) ≤ v` (at its end) on `δ`, the offset to add to one host's reading
//! to get the other's. With drift the offset is a line `δ(t) = a + b·(t - t0)`; the lines
//! that satisfy every bound form a convex set of `(a, b)`, as in Trace Compass's convex-hull
//! synchronisation (Duda et al. 1987; Jabbarifar et al. 2013: the lines between the upper
//! hull of the lower bounds and the lower hull of the upper ones). We take the slope at which
//! the band of feasible offsets is widest (the middle of the near-widest slopes, which keeps a
//! short exchange from picking an extreme one) and the middle of that band; the band's width
//! is the accuracy the requests allow.
//!
//! The band's width at slope `b`, `min_j(U_j - b·t_j) - max_i(L_i - b·t_i)`, is concave in
//! `b` (a minimum of lines minus a maximum of lines), so a ternary search finds its top; only
//! the hulls' points (tens, of thousands of bounds) take part in it. A request whose logging
//! breaks the nesting (a callee's end written after the caller's) makes the band empty:
//! bounds that contradict three others of their neighbourhood go first ([`prefilter`]), then
//! the two that bind, pass by pass, up to [`MAX_DROP_SHARE`] of the bounds; past that the
//! pair is contradictory.

/// Slopes searched: clocks off by more than this are broken, not drifting (1000 ppm).
pub const MAX_SLOPE: f64 = 1e-3;
/// At most this share of the bounds (and at least 2) may be dropped as violators.
pub const MAX_DROP_SHARE: f64 = 0.02;
const ITER: usize = 100;

/// A bound on the offset at a reading `t` (ns, relative to the fit's `t0`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    pub t: f64,
    pub v: f64,
}

/// The fitted line and what it rests on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    /// Offset at `t = 0` (the middle of the band), ns.
    pub a: f64,
    /// Slope, ns per ns.
    pub b: f64,
    /// Width of the band at slope `b`, ns (the offset lies within ±width/2 of `a` there).
    pub width: f64,
    /// Bounds dropped as violators.
    pub dropped: usize,
}

/// Bounds of one pair: `δ(t) ≥ lower.v`, `δ(t) ≤ upper.v`.
#[derive(Clone, Debug, Default)]
pub struct Bounds {
    pub lower: Vec<Bound>,
    pub upper: Vec<Bound>,
}

impl Bounds {
    /// `max_i(L_i - b·t_i)` and its index.
    fn floor(&self, b: f64) -> (f64, usize) {
        let mut best = (f64::NEG_INFINITY, 0);
        for (i, x) in self.lower.iter().enumerate() {
            let v = x.v - b * x.t;
            if v > best.0 {
                best = (v, i);
            }
        }
        best
    }

    /// `min_j(U_j - b·t_j)` and its index.
    fn ceil(&self, b: f64) -> (f64, usize) {
        let mut best = (f64::INFINITY, 0);
        for (j, x) in self.upper.iter().enumerate() {
            let v = x.v - b * x.t;
            if v < best.0 {
                best = (v, j);
            }
        }
        best
    }

    fn width(&self, b: f64) -> f64 {
        self.ceil(b).0 - self.floor(b).0
    }

    /// The slope in `[lo, hi]` where `f` (concave) is highest.
    fn top(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
        for _ in 0..ITER {
            let m1 = lo + (hi - lo) / 3.0;
            let m2 = hi - (hi - lo) / 3.0;
            if f(m1) < f(m2) {
                lo = m1;
            } else {
                hi = m2;
            }
        }
        (lo + hi) / 2.0
    }

    /// Where in `[inside, outside]` `ok` stops holding (it holds at `inside`).
    fn edge(ok: impl Fn(f64) -> bool, mut inside: f64, mut outside: f64) -> f64 {
        for _ in 0..ITER {
            let m = (inside + outside) / 2.0;
            if ok(m) {
                inside = m;
            } else {
                outside = m;
            }
        }
        inside
    }

    /// The line (see the module docs), or `None` when no bounds on one side, or when no line
    /// fits even after dropping the allowed violators (the bounds contradict).
    pub fn fit(&self) -> Option<Fit> {
        if self.lower.is_empty() || self.upper.is_empty() {
            return None;
        }
        let n = self.lower.len() + self.upper.len();
        let allowed = ((n as f64 * MAX_DROP_SHARE) as usize).max(2);
        let by_t = |a: &Bound, b: &Bound| a.t.total_cmp(&b.t).then(a.v.total_cmp(&b.v));
        let mut lower = self.lower.clone();
        let mut upper = self.upper.clone();
        lower.sort_unstable_by(by_t);
        upper.sort_unstable_by(by_t);
        let mut dropped = 0;
        let mut filtered = false;
        // Only the hulls bind: the upper hull of the lower bounds, the lower hull of the upper.
        let mut work = Bounds { lower: hull(&lower, true), upper: hull(&upper, false) };
        loop {
            let b = Self::top(|b| work.width(b), -MAX_SLOPE, MAX_SLOPE);
            let w = work.width(b);
            if w >= 0.0 {
                // The middle of the slopes whose band is nearly as wide (within 1%, 100 ns).
                let near = |s: f64| work.width(s) >= w - (w * 0.01).max(100.0);
                let lo = Self::edge(near, b, -MAX_SLOPE);
                let hi = Self::edge(near, b, MAX_SLOPE);
                let b = (lo + hi) / 2.0;
                let (f, c) = (work.floor(b).0, work.ceil(b).0);
                return Some(Fit { a: (f + c) / 2.0, b, width: c - f, dropped });
            }
            if !filtered {
                // Violators: first those that plainly contradict their neighbours.
                filtered = true;
                dropped = prefilter(&mut lower, &mut upper);
                if dropped > allowed || lower.is_empty() || upper.is_empty() {
                    return None;
                }
                work = Bounds { lower: hull(&lower, true), upper: hull(&upper, false) };
                continue;
            }
            if dropped + 2 > allowed || lower.len() < 2 || upper.len() < 2 {
                return None;
            }
            // Drop the two bounds that bind (one of them broke the rule), rebuild the hulls.
            let (_, i) = work.floor(b);
            let (_, j) = work.ceil(b);
            rehull(&mut lower, &mut work.lower, i, true);
            rehull(&mut upper, &mut work.upper, j, false);
            dropped += 2;
        }
    }

    /// The range of offsets at `t` over every line that satisfies all bounds (no violators
    /// dropped), or `None` when none does. The true offset lies in it whenever the requests
    /// kept the nesting rule.
    pub fn range_at(&self, t: f64) -> Option<(f64, f64)> {
        if self.lower.is_empty() || self.upper.is_empty() {
            return None;
        }
        let b = Self::top(|b| self.width(b), -MAX_SLOPE, MAX_SLOPE);
        if self.width(b) < 0.0 {
            return None;
        }
        let feasible = |s: f64| self.width(s) >= 0.0;
        let (b0, b1) = (Self::edge(feasible, b, -MAX_SLOPE), Self::edge(feasible, b, MAX_SLOPE));
        // Lowest offset at t: min over slopes of max_i(L_i + s·(t - t_i)) (convex in s).
        let low = |s: f64| self.floor(s).0 + s * t;
        let high = |s: f64| self.ceil(s).0 + s * t;
        let s_lo = Self::top(|s| -low(s), b0, b1);
        let s_hi = Self::top(high, b0, b1);
        Some((low(s_lo), high(s_hi)))
    }
}

/// The upper (`upper`) or lower convex hull of points sorted by `t` (monotone chain): the
/// points that can be the highest (lowest) of all for some slope.
fn hull(pts: &[Bound], upper: bool) -> Vec<Bound> {
    let mut h: Vec<Bound> = Vec::new();
    for &p in pts {
        while h.len() >= 2 {
            let (o, a) = (h[h.len() - 2], h[h.len() - 1]);
            let cross = (a.t - o.t) * (p.v - o.v) - (a.v - o.v) * (p.t - o.t);
            if (upper && cross >= 0.0) || (!upper && cross <= 0.0) {
                h.pop();
            } else {
                break;
            }
        }
        h.push(p);
    }
    h
}

/// Drops vertex `k` of `h` (the hull of `pts`, sorted by t then v) from both: only the points
/// between its neighbours can join the hull, so only they are walked again.
fn rehull(pts: &mut Vec<Bound>, h: &mut Vec<Bound>, k: usize, upper: bool) {
    let key = |a: &Bound, b: &Bound| a.t.total_cmp(&b.t).then(a.v.total_cmp(&b.v));
    let pos = |pts: &[Bound], x: &Bound| pts.binary_search_by(|p| key(p, x)).ok();
    let gone = h[k];
    if let Some(at) = pos(pts, &gone) {
        pts.remove(at);
    }
    let lo = if k > 0 { pos(pts, &h[k - 1]).unwrap_or(0) } else { 0 };
    let hi = match h.get(k + 1) {
        Some(r) => pos(pts, r).map_or(pts.len(), |i| i + 1),
        None => pts.len(),
    };
    let mid = hull(&pts[lo..hi.max(lo)], upper);
    // mid runs from the left neighbour to the right one (ends of a range are on its hull).
    let (a, b) = (k.saturating_sub(1), (k + 2).min(h.len()));
    let a = if k > 0 { a } else { 0 };
    h.splice(a..b, mid);
}

/// Bounds of one window (by count) that contradict at least this many others nearby.
const WINDOW: usize = 128;
const WITNESSES: usize = 3;

/// Drops the bounds that plainly break the rule, once the exact fit found that some do (it
/// drops one pair per pass, each pass a pass over all bounds): with the rough slope of a least-squares line
/// taken out, a lower bound above the third-lowest upper bound of its window (or an upper
/// below the third-highest lower) contradicts three others. Returns how many were dropped.
fn prefilter(lower: &mut Vec<Bound>, upper: &mut Vec<Bound>) -> usize {
    fn slope(p: &[Bound]) -> Option<f64> {
        let n = p.len() as f64;
        let mt = p.iter().map(|x| x.t).sum::<f64>() / n;
        let mv = p.iter().map(|x| x.v).sum::<f64>() / n;
        let sxx: f64 = p.iter().map(|x| (x.t - mt) * (x.t - mt)).sum();
        let sxy: f64 = p.iter().map(|x| (x.t - mt) * (x.v - mv)).sum();
        (sxx > 0.0).then(|| sxy / sxx)
    }
    let b = match (slope(lower), slope(upper)) {
        (Some(x), Some(y)) => ((x + y) / 2.0).clamp(-MAX_SLOPE, MAX_SLOPE),
        _ => 0.0,
    };
    // Both sorted by t: walk them in windows of about WINDOW bounds of time.
    let mut bad_l = vec![false; lower.len()];
    let mut bad_u = vec![false; upper.len()];
    let (mut i, mut j) = (0, 0);
    while i < lower.len() || j < upper.len() {
        // the window ends at the time of the WINDOW/2-th next bound of either kind
        let (mut i2, mut j2) = (i, j);
        for _ in 0..WINDOW {
            let lt = lower.get(i2).map_or(f64::INFINITY, |x| x.t);
            let ut = upper.get(j2).map_or(f64::INFINITY, |x| x.t);
            if lt == f64::INFINITY && ut == f64::INFINITY {
                break;
            }
            if lt <= ut {
                i2 += 1;
            } else {
                j2 += 1;
            }
        }
        let mut ls: Vec<f64> = lower[i..i2].iter().map(|x| x.v - b * x.t).collect();
        let mut us: Vec<f64> = upper[j..j2].iter().map(|x| x.v - b * x.t).collect();
        if ls.len() > WITNESSES && us.len() > WITNESSES {
            ls.sort_unstable_by(|a, b| b.total_cmp(a));
            us.sort_unstable_by(|a, b| a.total_cmp(b));
            let (l3, u3) = (ls[WITNESSES - 1], us[WITNESSES - 1]);
            for (k, x) in lower[i..i2].iter().enumerate() {
                bad_l[i + k] = x.v - b * x.t > u3;
            }
            for (k, x) in upper[j..j2].iter().enumerate() {
                bad_u[j + k] = x.v - b * x.t < l3;
            }
        }
        (i, j) = (i2, j2);
    }
    let n = bad_l.iter().chain(&bad_u).filter(|&&x| x).count();
    let mut k = 0;
    lower.retain(|_| (!bad_l[k], k += 1).0);
    k = 0;
    upper.retain(|_| (!bad_u[k], k += 1).0);
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Requests of a caller X to a callee Y: Y's reading is true time - θ(t). Returns the
    /// bounds on δ (add to Y's reading to get X's, X being true time).
    fn exchanges(n: usize, a: f64, b: f64, delay: impl Fn(usize) -> (f64, f64, f64)) -> Bounds {
        let mut out = Bounds::default();
        for k in 0..n {
            let t1 = k as f64 * 1e9 - (n as f64) * 0.5e9; // true = X time
            let (d_out, work, d_back) = delay(k);
            let t2 = t1 + d_out;
            let t3 = t2 + work;
            let t4 = t3 + d_back;
            // Y's readings: y = true - θ(y) with θ(y) = a + b·y  => y = (true - a)/(1 + b)
            let y = |tr: f64| (tr - a) / (1.0 + b);
            let (y2, y3) = (y(t2), y(t3));
            out.lower.push(Bound { t: y2, v: t1 - y2 });
            out.upper.push(Bound { t: y3, v: t4 - y3 });
        }
        out
    }

    #[test]
    fn recovers_offset_and_drift_from_symmetric_delays() {
        let bs = exchanges(2000, 2.5e9, 40e-6, |k| {
            (100_000.0 + (k % 7) as f64 * 1000.0, 3e6, 100_000.0)
        });
        let f = bs.fit().unwrap();
        assert!((f.a - 2.5e9).abs() < 20_000.0, "{f:?}");
        assert!((f.b - 40e-6).abs() < 1e-6, "{f:?}");
        assert!(f.width > 0.0 && f.width < 300_000.0, "{f:?}");
    }

    #[test]
    fn asymmetric_delays_stay_within_the_band() {
        // 1 ms out, 50 us back: the middle is off by about half the difference, never more
        // than the band's half-width.
        let bs = exchanges(1000, -1.2e9, -25e-6, |_| (1e6, 2e6, 50_000.0));
        let f = bs.fit().unwrap();
        assert!((f.a + 1.2e9).abs() <= f.width / 2.0 + 1.0, "{f:?}");
    }

    #[test]
    fn a_few_violators_are_dropped_not_believed() {
        let mut bs = exchanges(1000, 3e9, 10e-6, |_| (200_000.0, 1e6, 200_000.0));
        // Three requests whose callee logged its end long after the caller finished.
        for k in [10, 500, 900] {
            bs.upper[k].v -= 50e6;
        }
        let f = bs.fit().unwrap();
        assert!(f.dropped >= 3 && f.dropped <= 10, "{f:?}");
        assert!((f.a - 3e9).abs() < 200_000.0, "{f:?}");
    }

    #[test]
    fn bounds_that_contradict_fit_nothing() {
        let mut bs = exchanges(100, 0.0, 0.0, |_| (1e5, 1e6, 1e5));
        // Half the requests say the offset is 1 s higher: no line, and too many to drop.
        for k in 0..50 {
            bs.lower[k].v += 1e9;
            bs.upper[k].v += 1e9;
        }
        assert!(bs.fit().is_none());
    }

    #[test]
    fn one_sided_bounds_fit_nothing() {
        let bs = Bounds { lower: vec![Bound { t: 0.0, v: 1.0 }], upper: vec![] };
        assert!(bs.fit().is_none());
    }

    proptest! {
        /// Dropping a hull vertex and re-walking only between its neighbours gives the hull
        /// of the points left.
        #[test]
        fn rehull_matches_a_hull_built_afresh(
            mut pts in proptest::collection::vec((0i32..1000, -1000i32..1000), 3..60),
            upper in any::<bool>(), pick in any::<prop::sample::Index>(),
        ) {
            pts.sort_unstable();
            pts.dedup();
            let mut pts: Vec<Bound> =
                pts.iter().map(|&(t, v)| Bound { t: t as f64, v: v as f64 }).collect();
            let mut h = hull(&pts, upper);
            let k = pick.index(h.len());
            rehull(&mut pts, &mut h, k, upper);
            let fresh = hull(&pts, upper);
            // the same extreme values for any slope
            for b in [-3.0, -0.5, 0.0, 0.25, 2.0] {
                let ext = |x: &[Bound]| {
                    let it = x.iter().map(|p| p.v - b * p.t);
                    if upper { it.fold(f64::NEG_INFINITY, f64::max) } else { it.fold(f64::INFINITY, f64::min) }
                };
                prop_assert_eq!(ext(&h), ext(&fresh));
            }
        }

        /// The true offset lies within the reported range, wherever in the exchanges it is
        /// asked, whatever the offset, drift and delays.
        #[test]
        fn true_offset_lies_within_the_reported_bounds(
            a in -5e9f64..5e9, ppm in -80f64..80.0, n in 2usize..200,
            seed in any::<u64>(), at in 0f64..1.0,
        ) {
            let b = ppm * 1e-6;
            let mut x = seed | 1;
            let mut rnd = move || { x ^= x << 13; x ^= x >> 7; x ^= x << 17; (x % 1_000_000) as f64 };
            let delays: Vec<(f64, f64, f64)> =
                (0..n).map(|_| (rnd() * 5.0, rnd() * 10.0, rnd() * 5.0)).collect();
            let bs = exchanges(n, a, b, |k| delays[k]);
            let t = bs.lower[0].t + at * (bs.lower[n - 1].t - bs.lower[0].t);
            let (lo, hi) = bs.range_at(t).unwrap();
            let truth = a + b * t;
            // float slack: 1 us on values of up to 5e9 ns
            prop_assert!(lo <= truth + 1e3 && truth <= hi + 1e3, "{lo} {truth} {hi}");
            let f = bs.fit().unwrap();
            let mid = f.a + f.b * t;
            prop_assert!(mid >= lo - 1e3 && mid <= hi + 1e3);
        }
    }
}
