//! Per-host offset model: `offset(t)` for any host clock reading `t`.
//!
//! Building ([`Model::build`]), from samples in file order:
//! 1. **Steps.** The history's own marks split it (a sample with `step`, a change of boot).
//!    Then, in file order, a sample whose offset differs from the last accepted one by more
//!    than drift can explain ([`tolerance`]: 2 ms + 500 ppm, the NTP frequency tolerance, of
//!    the time between them + half the two delays) is a step if the next samples (up to 3)
//!    agree more with it than with the old level, else an outlier and dropped.
//! 2. **Outliers.** Inside a segment, ordered by host time, a sample farther from the median
//!    of its 10 nearest neighbours than 5 scaled MADs (at least 1 ms, plus half its delay) is
//!    dropped.
//! 3. **Combining sources.** Samples within [`CLUSTER`] of each other (several servers asked
//!    at once) become one knot: their mean time and offset weighted by 1/(delay + 50 us)^2,
//!    so the lowest-delay samples weigh most.
//! 4. **Lookup.** Linear interpolation between knots of one segment, never across a step. At a
//!    segment's edges the nearest knot's value is held; before the first and after the last
//!    sample this is reported as `outside`.
//!
//! Which segment a reading belongs to: a step at true time T moved the clock by `-D` (D = the
//! offset after - before). Readings of the earlier segment can reach up to `b0 + D`, those of
//! the later start from `a1 - D` (a1: last knot before, b0: first after). For a forward step
//! (D < 0) the gap between is split at its midpoint. For a backward step (D > 0) the two
//! ranges overlap: a reading there occurred twice. The [`Cursor`], fed in file order, stays in
//! the earlier segment until the readings fall back by more than D/2 (the stream passed the
//! step) or pass the earlier segment's range; a fresh lookup takes the earlier segment.

use super::history::Sample;
use crate::time::Nanos;

/// Samples closer than this (host time) are combined into one knot.
pub const CLUSTER: Nanos = 2_000_000_000;
const MS: Nanos = 1_000_000;

/// A point of the offset curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Knot {
    pub t: Nanos,
    pub off: Nanos,
}

/// A detected clock step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// Host time of the first knot after the step.
    pub host_time: Nanos,
    /// Offset before (last knot of the earlier segment) and after.
    pub before: Nanos,
    pub after: Nanos,
    /// The history marked it (boot change, `time - mono_ns` jump); else found from the offsets.
    pub marked: bool,
}

#[derive(Clone, Debug)]
struct Segment {
    knots: Vec<Knot>,
    /// Range of host readings that may belong here (see the module docs).
    lo: Nanos,
    hi: Nanos,
    /// The step to the next segment set the clock back by this much (0 when forward).
    back: Nanos,
}

/// Result of a lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lookup {
    /// Offset to add to the host reading.
    pub offset: Nanos,
    /// The reading lies before the first or after the last sample: the value is held.
    pub outside: bool,
}

/// A host's offset model.
#[derive(Clone, Debug)]
pub struct Model {
    segs: Vec<Segment>,
    steps: Vec<Step>,
    samples: Vec<Sample>,
    rejected: usize,
    constant: bool,
}

/// Largest offset change between two samples that drift and noise can explain.
pub fn tolerance(a: &Sample, b: &Sample) -> Nanos {
    let dt = b.host_time.saturating_sub(a.host_time).saturating_abs();
    let delays = a.delay.unwrap_or(0).saturating_add(b.delay.unwrap_or(0));
    (2 * MS).saturating_add(dt / 2000).saturating_add(delays / 2)
}

fn consistent(a: &Sample, b: &Sample) -> bool {
    a.offset.saturating_sub(b.offset).saturating_abs() <= tolerance(a, b)
}

impl Model {
    /// A constant offset everywhere (`--skew HOST=+2.5s`).
    pub fn constant(offset: Nanos) -> Model {
        Model {
            segs: vec![Segment {
                knots: vec![Knot { t: 0, off: offset }],
                lo: Nanos::MIN,
                hi: Nanos::MAX,
                back: 0,
            }],
            steps: Vec::new(),
            samples: Vec::new(),
            rejected: 0,
            constant: true,
        }
    }

    /// A model from knots already fitted (inferred from the logs, `skew::infer`): no
    /// samples, no steps; interpolated between the knots, held beyond them.
    pub fn inferred(mut knots: Vec<Knot>) -> Model {
        knots.sort_by_key(|k| k.t);
        Model {
            segs: vec![Segment { knots, lo: Nanos::MIN, hi: Nanos::MAX, back: 0 }],
            steps: Vec::new(),
            samples: Vec::new(),
            rejected: 0,
            constant: false,
        }
    }

    /// Builds the model from samples in file order (see the module docs).
    pub fn build(samples: &[Sample]) -> Model {
        let mut rejected = 0;
        // 1. split at marks and at confirmed jumps; drop unconfirmed jumps
        let mut parts: Vec<(bool, Vec<Sample>)> = Vec::new();
        for (i, s) in samples.iter().enumerate() {
            let marked = i > 0
                && (s.step
                    || matches!((samples[i - 1].boot, s.boot), (Some(a), Some(b)) if a != b));
            if marked || parts.is_empty() {
                parts.push((marked, vec![*s]));
                continue;
            }
            let last = *parts.last().and_then(|p| p.1.last()).unwrap_or(s);
            if consistent(&last, s) {
                if let Some(p) = parts.last_mut() {
                    p.1.push(*s);
                }
                continue;
            }
            let next: Vec<&Sample> = samples[i + 1..]
                .iter()
                .take_while(|n| !n.step && n.boot == s.boot)
                .take(3)
                .collect();
            let new = next.iter().filter(|n| consistent(s, n)).count();
            let old = next.iter().filter(|n| consistent(&last, n)).count();
            if new > old {
                parts.push((false, vec![*s]));
            } else {
                rejected += 1;
            }
        }
        // 2. + 3. per segment: sort, MAD filter, cluster into knots
        let mut kept = Vec::new();
        let mut segs: Vec<(bool, Vec<Knot>)> = Vec::new();
        for (marked, mut part) in parts {
            part.sort_by_key(|s| s.host_time);
            let keep = mad_filter(&part);
            let before = kept.len();
            kept.extend(part.iter().zip(&keep).filter(|(_, &k)| k).map(|(s, _)| *s));
            rejected += part.len() - (kept.len() - before);
            let knots = cluster(&kept[before..]);
            if knots.is_empty() {
                continue;
            }
            match segs.last_mut() {
                // an unmarked part that does not jump after all (its outliers gone): merge
                Some((_, prev)) if !marked && knots_consistent(prev, &knots) => {
                    prev.extend(knots);
                    prev.sort_by_key(|k| k.t);
                }
                _ => segs.push((marked, knots)),
            }
        }
        let mut steps = Vec::new();
        let mut out: Vec<Segment> = segs
            .iter()
            .map(|(_, k)| Segment { knots: k.clone(), lo: Nanos::MIN, hi: Nanos::MAX, back: 0 })
            .collect();
        for i in 1..out.len() {
            let a = *out[i - 1].knots.last().unwrap_or(&Knot { t: 0, off: 0 });
            let b = out[i].knots[0];
            let d = b.off.saturating_sub(a.off);
            steps.push(Step { host_time: b.t, before: a.off, after: b.off, marked: segs[i].0 });
            if d > 0 {
                out[i - 1].hi = a.t.max(b.t.saturating_add(d));
                out[i].lo = b.t.min(a.t.saturating_sub(d));
                out[i - 1].back = d;
            } else {
                let mid = ((a.t as i128 + b.t as i128) / 2) as Nanos;
                out[i - 1].hi = a.t.max(mid);
                out[i].lo = b.t.min(mid);
            }
        }
        Model { segs: out, steps, samples: kept, rejected, constant: false }
    }

    pub fn cursor(&self) -> Cursor<'_> {
        Cursor { m: self, seg: 0, k: 0, peak: 0, started: false }
    }

    /// Lookup without history (a fresh cursor).
    pub fn lookup(&self, t: Nanos) -> Lookup {
        self.cursor().lookup(t)
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Samples kept (outliers removed), per segment in host time order.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// Samples dropped as outliers.
    pub fn rejected(&self) -> usize {
        self.rejected
    }

    pub fn is_constant(&self) -> bool {
        self.constant
    }

    /// Knots of each segment (step-free pieces of the curve).
    pub fn segments(&self) -> impl Iterator<Item = &[Knot]> {
        self.segs.iter().map(|s| s.knots.as_slice())
    }

    /// First and last sample's host time.
    pub fn coverage(&self) -> Option<(Nanos, Nanos)> {
        if self.constant {
            return None;
        }
        let ks = self.segs.iter().flat_map(|s| s.knots.iter().map(|k| k.t));
        let lo = ks.clone().min()?;
        Some((lo, ks.max()?))
    }

    /// Rate error of the host clock in ppm, positive when it gains (runs fast): least squares
    /// over the longest step-free segment. `None` with fewer than 2 knots there.
    pub fn drift_ppm(&self) -> Option<f64> {
        let seg = self
            .segs
            .iter()
            .filter(|s| s.knots.len() >= 2)
            .max_by_key(|s| s.knots[s.knots.len() - 1].t as i128 - s.knots[0].t as i128)?;
        let k = &seg.knots;
        let n = k.len() as f64;
        let (t0, o0) = (k[0].t, k[0].off);
        let xs = k.iter().map(|p| p.t as f64 - t0 as f64);
        let ys = k.iter().map(|p| p.off as f64 - o0 as f64);
        let mx = xs.clone().sum::<f64>() / n;
        let my = ys.clone().sum::<f64>() / n;
        let sxy: f64 = xs.clone().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
        let sxx: f64 = xs.map(|x| (x - mx) * (x - mx)).sum();
        (sxx > 0.0).then(|| -sxy / sxx * 1e6)
    }
}

fn knots_consistent(a: &[Knot], b: &[Knot]) -> bool {
    let (x, y) = (a[a.len() - 1], b[0]);
    x.off.saturating_sub(y.off).saturating_abs()
        <= 2 * MS + y.t.saturating_sub(x.t).saturating_abs() / 2000
}

fn median(v: &mut [Nanos]) -> Nanos {
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        ((v[n / 2 - 1] as i128 + v[n / 2] as i128) / 2) as Nanos
    }
}

/// Median/MAD filter over the 10 nearest samples (by index in host time order).
fn mad_filter(s: &[Sample]) -> Vec<bool> {
    const HALF: usize = 5;
    (0..s.len())
        .map(|j| {
            let lo = j.saturating_sub(HALF);
            let hi = (j + HALF + 1).min(s.len());
            let mut w: Vec<Nanos> = (lo..hi).filter(|&i| i != j).map(|i| s[i].offset).collect();
            if w.len() < 4 {
                return true;
            }
            let med = median(&mut w);
            let mut dev: Vec<Nanos> =
                w.iter().map(|o| o.saturating_sub(med).saturating_abs()).collect();
            let mad = median(&mut dev);
            let thr =
                (mad.saturating_mul(74) / 10).max(MS).saturating_add(s[j].delay.unwrap_or(0) / 2);
            s[j].offset.saturating_sub(med).saturating_abs() <= thr
        })
        .collect()
}

/// Groups samples (host time order) within [`CLUSTER`] of a group's first into one knot.
fn cluster(s: &[Sample]) -> Vec<Knot> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let start = s[i].host_time;
        let mut j = i;
        let (mut w_sum, mut t_sum, mut o_sum) = (0f64, 0f64, 0f64);
        while j < s.len() && s[j].host_time.saturating_sub(start) <= CLUSTER {
            let d = s[j].delay.unwrap_or(0).max(0) as f64 + 50_000.0;
            let w = 1.0 / (d * d);
            w_sum += w;
            t_sum += w * (s[j].host_time as f64 - start as f64);
            o_sum += w * (s[j].offset as f64 - s[i].offset as f64);
            j += 1;
        }
        out.push(Knot {
            t: start.saturating_add((t_sum / w_sum).round() as Nanos),
            off: s[i].offset.saturating_add((o_sum / w_sum).round() as Nanos),
        });
        i = j;
    }
    out
}

/// Lookups for records arriving nearly in order (one cursor per source).
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    m: &'a Model,
    seg: usize,
    k: usize,
    /// Highest reading seen since entering the current segment.
    peak: Nanos,
    started: bool,
}

impl Cursor<'_> {
    /// First segment whose range holds `t` (ranges cover the whole line).
    fn fresh(&self, t: Nanos) -> usize {
        let segs = &self.m.segs;
        segs.iter().position(|s| s.lo <= t && t <= s.hi).unwrap_or(segs.len().saturating_sub(1))
    }

    pub fn lookup(&mut self, t: Nanos) -> Lookup {
        let m = self.m;
        if m.segs.is_empty() {
            return Lookup { offset: 0, outside: true };
        }
        if !self.started {
            self.started = true;
            self.seg = self.fresh(t);
            self.peak = t;
        }
        loop {
            let s = &m.segs[self.seg];
            let next = m.segs.get(self.seg + 1);
            if t > s.hi && next.is_some() {
                self.seg += 1;
                self.peak = t;
                continue;
            }
            if t < s.lo {
                self.seg = self.fresh(t);
                self.peak = t;
                break;
            }
            if let Some(n) = next {
                if s.back > 0 && t >= n.lo && self.peak.saturating_sub(t) > s.back / 2 {
                    self.seg += 1;
                    self.peak = t;
                    continue;
                }
            }
            break;
        }
        self.peak = self.peak.max(t);
        let last_seg = self.seg + 1 == m.segs.len();
        let knots = &m.segs[self.seg].knots;
        self.k = find_knot(knots, self.k, t);
        let a = knots[self.k];
        if t < a.t {
            return Lookup { offset: a.off, outside: self.seg == 0 && !m.constant };
        }
        match knots.get(self.k + 1) {
            None => Lookup { offset: a.off, outside: last_seg && t > a.t && !m.constant },
            Some(b) => Lookup { offset: interpolate(a, *b, t), outside: false },
        }
    }
}

/// The offset at `t` on the line from `a` to `b` (`a.t <= t < b.t`), rounded toward zero.
///
/// The exact value is `a.off + (b.off - a.off) * (t - a.t) / (b.t - a.t)` in 128 bits; a
/// 128-bit division is a library call, once per record. Real offsets are milliseconds and
/// knots minutes apart, so the terms nearly always fit in 64 bits, where the truncating
/// division gives the same quotient; only when they do not is the 128-bit form used.
fn interpolate(a: Knot, b: Knot, t: Nanos) -> Nanos {
    let narrow = || {
        let num = b.off.checked_sub(a.off)?.checked_mul(t.checked_sub(a.t)?)?;
        a.off.checked_add(num / b.t.checked_sub(a.t)?)
    };
    narrow().unwrap_or_else(|| {
        let f = (b.off as i128 - a.off as i128) * (t as i128 - a.t as i128)
            / (b.t as i128 - a.t as i128);
        (a.off as i128 + f) as Nanos
    })
}

/// Index k of the last knot with `knots[k].t <= t` (0 when none), starting near `hint`.
fn find_knot(knots: &[Knot], hint: usize, t: Nanos) -> usize {
    let ok = |k: usize| knots[k].t <= t && knots.get(k + 1).is_none_or(|n| t < n.t);
    let mut k = hint.min(knots.len() - 1);
    for _ in 0..8 {
        if ok(k) {
            return k;
        }
        if knots[k].t <= t {
            k += 1;
        } else if k == 0 {
            return 0;
        } else {
            k -= 1;
        }
    }
    knots.partition_point(|n| n.t <= t).saturating_sub(1)
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;

#[cfg(test)]
mod interpolate_tests {
    use super::*;
    use proptest::prelude::*;

    fn wide(a: Knot, b: Knot, t: Nanos) -> Nanos {
        let f = (b.off as i128 - a.off as i128) * (t as i128 - a.t as i128)
            / (b.t as i128 - a.t as i128);
        (a.off as i128 + f) as Nanos
    }

    proptest! {
        /// The 64-bit path gives the 128-bit quotient, also where the terms overflow 64 bits.
        #[test]
        fn interpolate_matches_128_bit_math(
            at in any::<i64>(), bt in any::<i64>(), q in any::<u64>(),
            ao in any::<i64>(), bo in any::<i64>(), small in any::<bool>(),
        ) {
            let (ao, bo) = if small { (ao % 10_000_000_000, bo % 10_000_000_000) } else { (ao, bo) };
            let (lo, hi) = (at.min(bt), at.max(bt));
            prop_assume!(lo < hi);
            let span = (hi as i128 - lo as i128) as u128;
            let t = (lo as i128 + (q as u128 % span) as i128) as i64;
            let (a, b) = (Knot { t: lo, off: ao }, Knot { t: hi, off: bo });
            prop_assert_eq!(interpolate(a, b, t), wide(a, b, t));
        }
    }
}
