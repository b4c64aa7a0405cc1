//! Choosing what to believe across servers, as pure code, the way RFC 5905 (section 11.2) and
//! chrony (`sources.c`) do it:
//! 1. each server's correctness interval: its offset plus or minus its root distance (half
//!    the round trip to the primary reference, plus every dispersion and the jitter);
//! 2. Marzullo's intersection: the stretch of time that the most intervals share; unless more
//!    than half of the servers share it there is no majority, and no time is chosen at all;
//! 3. the servers whose interval holds that stretch (or lies inside it) are truechimers, the
//!    others falsetickers;
//! 4. the truechimer of least root distance is the system peer; truechimers whose distance is
//!    within [`COMBINE_LIMIT`] times its distance are combined, weighted by the inverse of
//!    their distance (chrony's `combinelimit`); farther ones are left out as distant.

/// RFC 5905 MINDISP: the least a root distance can be, so that servers measured over a fast
/// path are not called falsetickers for differing by a few microseconds.
const MIN_DISPERSION: i64 = 10_000_000;
/// RFC 5905 PHI: the frequency tolerance assumed of a clock, 15 ppm.
const PHI_PPM: i64 = 15;
/// This client's clock precision, as chrony measures it on Linux (about 2^-20 s... 2^-25 s):
/// the larger is assumed.
const CLIENT_PRECISION_NS: i64 = 954;
/// chrony's default `combinelimit`.
pub const COMBINE_LIMIT: i64 = 3;

/// The dispersion of one measurement (RFC 5905 section 8, epsilon): both clocks' precision
/// and how far the client's clock may have wandered during the round trip.
pub fn dispersion(server_precision: i8, delay: i64) -> i64 {
    let p = server_precision.clamp(-40, 10) as i32;
    let server =
        if p >= 0 { 1_000_000_000i64 << p } else { (1_000_000_000f64 * 2f64.powi(p)) as i64 };
    server + CLIENT_PRECISION_NS + delay.max(0) / 1_000_000 * PHI_PPM
}

/// The root distance of a server (RFC 5905 section 11.2.1, lambda): half the round trip to
/// the primary reference plus all dispersion and the jitter, the error bound of its offset.
pub fn root_distance(
    delay: i64,
    root_delay: i64,
    root_dispersion: i64,
    dispersion: i64,
    jitter: i64,
) -> i64 {
    (root_delay.saturating_add(delay)).max(MIN_DISPERSION) / 2
        + root_dispersion.saturating_add(dispersion).saturating_add(jitter)
}

/// A server's measurement as selection sees it: offset and root distance, nanoseconds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Candidate {
    pub offset: i64,
    pub distance: i64,
}

/// What selection made of a server.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    /// The system peer: the truechimer of least root distance. Its offset is combined.
    SystemPeer,
    /// A truechimer whose offset is combined with the system peer's.
    Combined,
    /// A truechimer too far (in root distance) from the system peer to be combined.
    Distant,
    /// Its interval misses the one the majority agrees on.
    Falseticker,
    /// No majority agrees on any time: nobody was chosen.
    NoMajority,
    /// Its offset disagrees with this host's clock by more than the plausible bound
    /// (`--max-offset`): left out before selection, so that it cannot vote either.
    Implausible,
}

impl Status {
    /// Whether the measurement counts: it is part of the combined offset.
    pub fn selected(self) -> bool {
        matches!(self, Status::SystemPeer | Status::Combined)
    }

    /// Whether selection kept it (it may still be too far to be combined): what the
    /// history's `selected` says.
    pub fn truechimer(self) -> bool {
        matches!(self, Status::SystemPeer | Status::Combined | Status::Distant)
    }

    /// The status `deskew sync` shows.
    pub fn name(self) -> &'static str {
        match self {
            Status::SystemPeer | Status::Combined => "ok",
            Status::Distant => "distant",
            Status::Falseticker => "falseticker",
            Status::NoMajority => "no majority",
            Status::Implausible => "implausible",
        }
    }
}

/// The outcome of selection.
#[derive(Clone, PartialEq, Debug)]
pub struct Selection {
    /// Per candidate.
    pub status: Vec<Status>,
    /// The intersection the majority agrees on.
    pub interval: Option<(i64, i64)>,
    /// How many servers' intervals share the best intersection.
    pub agree: usize,
    /// The combined offset, when there is a majority.
    pub offset: Option<i64>,
}

/// Selects over `c` (see the module's steps). No candidates: no offset.
pub fn select(c: &[Candidate]) -> Selection {
    let n = c.len();
    let (interval, agree) = intersection(c);
    let none = |s| Selection { status: vec![s; n], interval: None, agree, offset: None };
    let Some((lo, hi)) = interval else {
        return none(Status::NoMajority);
    };
    if agree * 2 <= n {
        return none(Status::NoMajority);
    }
    let mut status: Vec<Status> = c
        .iter()
        .map(|x| {
            let (a, b) = (x.offset.saturating_sub(x.distance), x.offset.saturating_add(x.distance));
            if (a <= lo && b >= hi) || (a >= lo && b <= hi) {
                Status::Combined
            } else {
                Status::Falseticker
            }
        })
        .collect();
    let peer = (0..n)
        .filter(|&i| status[i] == Status::Combined)
        .min_by_key(|&i| c[i].distance)
        .expect("the majority's intersection holds some interval");
    status[peer] = Status::SystemPeer;
    let limit = c[peer].distance.saturating_mul(COMBINE_LIMIT);
    for (s, x) in status.iter_mut().zip(c) {
        if *s == Status::Combined && x.distance > limit {
            *s = Status::Distant;
        }
    }
    let offset = combine(c, &status);
    Selection { status, interval: Some((lo, hi)), agree, offset }
}

/// Marzullo's sweep as chrony runs it: the first stretch where the most correctness intervals
/// overlap (touching ends count as overlapping), and how many do.
fn intersection(c: &[Candidate]) -> (Option<(i64, i64)>, usize) {
    // lower ends sort before upper ends at the same value
    let mut ends: Vec<(i64, bool)> = Vec::with_capacity(2 * c.len());
    for x in c {
        ends.push((x.offset.saturating_sub(x.distance), false));
        ends.push((x.offset.saturating_add(x.distance), true));
    }
    ends.sort_unstable();
    let (mut depth, mut best) = (0usize, 0usize);
    let (mut lo, mut hi) = (0i64, None);
    for (v, upper) in ends {
        if !upper {
            depth += 1;
            if depth > best {
                (best, lo, hi) = (depth, v, None);
            }
        } else {
            if depth == best && hi.is_none() {
                hi = Some(v);
            }
            depth -= 1;
        }
    }
    (hi.map(|h| (lo, h)), best)
}

/// The offsets of the selected, each weighted by the inverse of its root distance (chrony's
/// `combine_sources`, RFC 5905 section 11.2.3).
fn combine(c: &[Candidate], status: &[Status]) -> Option<i64> {
    let (mut w, mut sum) = (0f64, 0f64);
    for (x, _) in c.iter().zip(status).filter(|(_, s)| s.selected()) {
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
    use Status::*;

    const MS: i64 = 1_000_000;

    fn cand(offset_ms: i64, dist_ms: i64) -> Candidate {
        Candidate { offset: offset_ms * MS, distance: dist_ms * MS }
    }

    #[test]
    fn one_server_far_off_is_a_falseticker_among_three() {
        let c = [cand(0, 10), cand(1, 10), cand(2_500, 10)];
        let s = select(&c);
        assert_eq!(s.status, vec![SystemPeer, Combined, Falseticker]);
        assert_eq!(s.interval, Some((-9 * MS, 10 * MS)));
        assert_eq!(s.agree, 2);
        assert_eq!(s.offset, Some(MS / 2));
    }

    #[test]
    fn three_servers_that_all_disagree_give_no_time() {
        // the servers of issue 19: true time, 2.5 s ahead, 0.3 s behind
        let s = select(&[cand(0, 5), cand(2_500, 5), cand(-300, 5)]);
        assert_eq!(s.status, vec![NoMajority; 3]);
        assert_eq!((s.offset, s.agree), (None, 1));
    }

    #[test]
    fn two_servers_must_agree() {
        let s = select(&[cand(0, 5), cand(300, 5)]);
        assert_eq!((s.status, s.offset), (vec![NoMajority; 2], None));
        let s = select(&[cand(0, 5), cand(4, 5)]);
        assert_eq!(s.status, vec![SystemPeer, Combined]);
        assert_eq!(s.offset, Some(2 * MS));
    }

    #[test]
    fn one_server_is_its_own_majority() {
        let s = select(&[cand(-300, 5)]);
        assert_eq!((s.status, s.offset), (vec![SystemPeer], Some(-300 * MS)));
        assert_eq!(select(&[]).offset, None);
    }

    #[test]
    fn half_is_not_a_majority() {
        let s = select(&[cand(0, 5), cand(1, 5), cand(500, 5), cand(501, 5)]);
        assert_eq!((s.offset, s.agree), (None, 2));
        assert_eq!(s.status, vec![NoMajority; 4]);
    }

    #[test]
    fn five_servers_outvote_two() {
        let c = [cand(0, 5), cand(2, 5), cand(-1, 5), cand(300, 5), cand(-900, 5)];
        let s = select(&c);
        assert_eq!(s.status, vec![SystemPeer, Combined, Combined, Falseticker, Falseticker]);
    }

    #[test]
    fn a_narrow_interval_inside_wide_ones_leads_them() {
        // all three hold [2, 4]; the narrow one leads, the wide ones are more than three
        // times as far and are not combined
        let s = select(&[cand(0, 10), cand(0, 10), cand(3, 1)]);
        assert_eq!(s.interval, Some((2 * MS, 4 * MS)));
        assert_eq!(s.status, vec![Distant, Distant, SystemPeer]);
        assert_eq!(s.offset, Some(3 * MS));
    }

    #[test]
    fn the_nearest_server_leads_and_far_ones_are_not_combined() {
        // distances 2, 5 and 40 ms: 40 > 3 x 2, so the third is distant
        let c = [cand(1, 2), cand(2, 5), cand(10, 40)];
        let s = select(&c);
        assert_eq!(s.status, vec![SystemPeer, Combined, Distant]);
        // weights 1/2 and 1/5: (1/2 + 2/5) / (1/2 + 1/5) = 9/7 ms
        assert_eq!(s.offset, Some((9.0 / 7.0 * MS as f64).round() as i64));
    }

    #[test]
    fn root_distance_counts_the_path_to_the_reference_and_every_dispersion() {
        assert_eq!(root_distance(50_000, 0, 0, 0, 0), MIN_DISPERSION / 2);
        assert_eq!(root_distance(20 * MS, 10 * MS, 3 * MS, 7, MS), 15 * MS + 4 * MS + 7);
        // a server of precision 2^-20 over a 1 s round trip: 954 + 954 + 15 us
        assert_eq!(dispersion(-20, 1_000_000_000), 953 + CLIENT_PRECISION_NS + 15_000);
        assert!(dispersion(i8::MIN, 0) > 0 && dispersion(i8::MAX, i64::MAX) > 0);
    }

    proptest! {
        #[test]
        fn a_majority_of_agreeing_servers_always_survives(good in proptest::collection::vec(-5i64..5, 3..7), bad in proptest::collection::vec(prop_oneof![-10_000i64..-100, 100i64..10_000], 0..3)) {
            prop_assume!(bad.len() < good.len());
            let c: Vec<Candidate> = good.iter().chain(&bad).map(|&o| cand(o, 10)).collect();
            let s = select(&c);
            prop_assert!(s.status[..good.len()].iter().all(|s| s.selected()));
            prop_assert!(s.status[good.len()..].iter().all(|&s| s == Falseticker));
            let o = s.offset.unwrap();
            prop_assert!((-5 * MS..=5 * MS).contains(&o));
        }

        #[test]
        fn an_offset_is_chosen_only_with_a_majority(offs in proptest::collection::vec(-1000i64..1000, 0..8), dist in 1i64..300) {
            let c: Vec<Candidate> = offs.iter().map(|&o| cand(o, dist)).collect();
            let s = select(&c);
            let chosen = s.status.iter().filter(|s| s.selected()).count();
            match s.offset {
                Some(o) => {
                    prop_assert!(s.agree * 2 > c.len() && chosen >= 1);
                    let (lo, hi) = s.interval.unwrap();
                    prop_assert!(lo - dist * MS <= o && o <= hi + dist * MS);
                }
                None => prop_assert!(chosen == 0),
            }
        }
    }
}
