//! Choosing what to believe, as pure code: the best sample of a burst (NTP's clock filter
//! keeps the one of least delay, as it has the least room for path asymmetry), and across
//! servers the falsetickers (RFC 5905 section 11.2.1, Marzullo's intersection).

/// RFC 5905 MINDISP: the least a root distance can be, so that servers measured over a fast
/// path are not called falsetickers for differing by a few microseconds.
const MIN_DISPERSION: i64 = 10_000_000;

/// Index of the sample with the least delay (the first of equals), and the jitter of the
/// burst: the RMS of the other samples' offsets from it (RFC 5905 section 10). `samples` are
/// (offset, delay) pairs in nanoseconds.
pub fn best_of_burst(samples: &[(i64, i64)]) -> Option<(usize, i64)> {
    let (best, &(off, _)) = samples.iter().enumerate().min_by_key(|(_, &(_, d))| d)?;
    let n = samples.len() - 1;
    let jitter = if n == 0 {
        0
    } else {
        let ss: f64 = samples
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != best)
            .map(|(_, &(o, _))| ((o - off) as f64).powi(2))
            .sum();
        (ss / n as f64).sqrt().round() as i64
    };
    Some((best, jitter))
}

/// The root distance of a server (RFC 5905 section 11.2.1, lambda): half the round trip to
/// the primary reference plus all dispersion, the error bound of its offset.
pub fn root_distance(delay: i64, root_delay: i64, root_dispersion: i64, jitter: i64) -> i64 {
    (root_delay.saturating_add(delay)).max(MIN_DISPERSION) / 2 + root_dispersion + jitter
}

/// A server's measurement as selection sees it: offset and root distance, nanoseconds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Candidate {
    pub offset: i64,
    pub distance: i64,
}

/// The outcome of selection.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Selection {
    /// Per candidate: true for a truechimer.
    pub truechimer: Vec<bool>,
    /// The intersection interval the majority agrees on, when selection ran.
    pub interval: Option<(i64, i64)>,
}

/// Fewer servers than this cannot outvote one that is wrong, so all are kept.
pub const MIN_FOR_SELECTION: usize = 3;

/// Marzullo's algorithm as RFC 5905 runs it: the smallest interval that the correctness
/// intervals [offset - distance, offset + distance] of all but `f` servers share, for the least
/// `f` that gives one, with `f` below half the servers. Servers whose interval misses it are
/// falsetickers. With fewer than three servers, or no majority, nobody can be outvoted:
/// all are kept and `interval` is None.
pub fn select(c: &[Candidate]) -> Selection {
    let n = c.len();
    let all = Selection { truechimer: vec![true; n], interval: None };
    if n < MIN_FOR_SELECTION {
        return all;
    }
    // endpoints: lower ends sort before upper ends at the same value, so touching intervals
    // count as overlapping
    let mut ends: Vec<(i64, i32)> = Vec::with_capacity(2 * n);
    for x in c {
        ends.push((x.offset.saturating_sub(x.distance), -1));
        ends.push((x.offset.saturating_add(x.distance), 1));
    }
    ends.sort_unstable();
    for f in 0..n.div_ceil(2) {
        let need = (n - f) as i32;
        let mut count = 0;
        let mut low = None;
        for &(v, t) in &ends {
            count -= t;
            if count >= need {
                low = Some(v);
                break;
            }
        }
        count = 0;
        let mut high = None;
        for &(v, t) in ends.iter().rev() {
            count += t;
            if count >= need {
                high = Some(v);
                break;
            }
        }
        if let (Some(lo), Some(hi)) = (low, high) {
            if lo <= hi {
                let truechimer = c
                    .iter()
                    .map(|x| {
                        x.offset.saturating_sub(x.distance) <= hi
                            && x.offset.saturating_add(x.distance) >= lo
                    })
                    .collect();
                return Selection { truechimer, interval: Some((lo, hi)) };
            }
        }
    }
    all
}

/// The combined offset of the truechimers, each weighted by the inverse of its root distance
/// (RFC 5905 section 11.2.3).
pub fn combine(c: &[Candidate], keep: &[bool]) -> Option<i64> {
    let (mut w, mut sum) = (0f64, 0f64);
    for (x, _) in c.iter().zip(keep).filter(|(_, &k)| k) {
        let wi = 1.0 / x.distance.max(1) as f64;
        w += wi;
        sum += wi * x.offset as f64;
    }
    (w > 0.0).then(|| (sum / w).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MS: i64 = 1_000_000;

    fn cand(offset_ms: i64, dist_ms: i64) -> Candidate {
        Candidate { offset: offset_ms * MS, distance: dist_ms * MS }
    }

    #[test]
    fn burst_keeps_the_least_delay_and_measures_jitter() {
        assert_eq!(best_of_burst(&[]), None);
        assert_eq!(best_of_burst(&[(5, 9)]), Some((0, 0)));
        let (i, j) = best_of_burst(&[(100, 30), (10, 5), (13, 8), (7, 5)]).unwrap();
        assert_eq!(i, 1);
        // others differ by 90, 3, -3: rms = sqrt((8100 + 9 + 9) / 3) = 52.0
        assert_eq!(j, 52);
    }

    #[test]
    fn one_server_far_off_is_a_falseticker_among_three() {
        let c = [cand(0, 10), cand(1, 10), cand(2_500, 10)];
        let s = select(&c);
        assert_eq!(s.truechimer, vec![true, true, false]);
        let (lo, hi) = s.interval.unwrap();
        assert!(lo <= 0 && hi >= MS && hi - lo <= 20 * MS);
        assert_eq!(combine(&c, &s.truechimer), Some(MS / 2));
    }

    #[test]
    fn two_servers_cannot_outvote_each_other() {
        let c = [cand(0, 1), cand(2_500, 1)];
        assert_eq!(select(&c), Selection { truechimer: vec![true, true], interval: None });
    }

    #[test]
    fn no_majority_keeps_everyone() {
        let c = [cand(0, 1), cand(100, 1), cand(200, 1)];
        let s = select(&c);
        assert_eq!(s.interval, None);
        assert_eq!(s.truechimer, vec![true; 3]);
    }

    #[test]
    fn five_servers_outvote_two() {
        let c = [cand(0, 5), cand(2, 5), cand(-1, 5), cand(300, 5), cand(-900, 5)];
        assert_eq!(select(&c).truechimer, vec![true, true, true, false, false]);
    }

    #[test]
    fn root_distance_has_a_floor() {
        assert_eq!(root_distance(50_000, 0, 0, 0), MIN_DISPERSION / 2);
        assert_eq!(root_distance(20 * MS, 10 * MS, 3 * MS, MS), 15 * MS + 4 * MS);
    }

    proptest! {
        #[test]
        fn a_majority_of_agreeing_servers_always_survives(good in proptest::collection::vec(-5i64..5, 3..7), bad in proptest::collection::vec(prop_oneof![-10_000i64..-100, 100i64..10_000], 0..3)) {
            prop_assume!(bad.len() < good.len());
            let c: Vec<Candidate> = good.iter().chain(&bad).map(|&o| cand(o, 10)).collect();
            let s = select(&c);
            prop_assert!(s.truechimer[..good.len()].iter().all(|&t| t));
            prop_assert!(s.truechimer[good.len()..].iter().all(|&t| !t));
            let o = combine(&c, &s.truechimer).unwrap();
            prop_assert!((-5 * MS..=5 * MS).contains(&o));
        }
    }
}
