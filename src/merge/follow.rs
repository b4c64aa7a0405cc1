//! Ordering records that are still arriving, as stream processors do (Flink's watermarks):
//! a held record is released once every live source has passed its time (the watermark), or
//! once it has waited `lateness`; a source silent for longer than `idle` stops holding the
//! others back. A record older than what was already released is never dropped: it goes out
//! at once, marked late.
//!
//! Pure: the caller says what time it is (`now`, in nanoseconds of any monotonic clock) and
//! gets records back; it sleeps until `deadline`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::record::NO_TIME;
use crate::time::Nanos;

/// How long to hold records, and when a source stops counting.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// The longest a record is held waiting for the other sources.
    pub lateness: Nanos,
    /// A source that has given nothing for this long no longer holds the others back.
    pub idle: Nanos,
    /// At most this many records held: past it the oldest go out (memory stays bounded
    /// however fast the sources write).
    pub max_held: usize,
}

/// A released item.
#[derive(Debug, PartialEq, Eq)]
pub struct Out<T> {
    pub item: T,
    /// Its time is before that of a record already released.
    pub late: bool,
}

struct Held<T> {
    key: Nanos,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Held<T> {
    fn eq(&self, o: &Self) -> bool {
        (self.key, self.seq) == (o.key, o.seq)
    }
}
impl<T> Eq for Held<T> {}
impl<T> PartialOrd for Held<T> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Held<T> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.key, self.seq).cmp(&(o.key, o.seq))
    }
}

#[derive(Clone, Copy, Default)]
struct SourceState {
    /// The greatest time this source has given (`NO_TIME`: none yet).
    max_key: Nanos,
    /// When it last gave a record (`None`: never).
    last_seen: Option<Nanos>,
}

/// The reorder buffer.
pub struct Reorder<T> {
    policy: Policy,
    sources: Vec<SourceState>,
    heap: BinaryHeap<Reverse<Held<T>>>,
    /// (arrival, key) of held records in arrival order, for the lateness deadline.
    arrivals: VecDeque<(Nanos, Nanos)>,
    seq: u64,
    /// Time of the last record released (`NO_TIME`: none).
    written: Nanos,
    late: u64,
}

impl<T> Reorder<T> {
    pub fn new(policy: Policy) -> Reorder<T> {
        Reorder {
            policy,
            sources: Vec::new(),
            heap: BinaryHeap::new(),
            arrivals: VecDeque::new(),
            seq: 0,
            written: NO_TIME,
            late: 0,
        }
    }

    /// Records released late so far.
    pub fn late_count(&self) -> u64 {
        self.late
    }

    pub fn held(&self) -> usize {
        self.heap.len()
    }

    /// `source` is followed from `now` on: until it gives a time or goes idle, it holds every
    /// record back (it may be about to write one older than the others').
    pub fn register(&mut self, source: usize, now: Nanos) {
        self.slot(source).last_seen = Some(now);
    }

    fn slot(&mut self, source: usize) -> &mut SourceState {
        if self.sources.len() <= source {
            self.sources.resize(source + 1, SourceState { max_key: NO_TIME, last_seen: None });
        }
        &mut self.sources[source]
    }

    /// A record of `source` with time `key` arrived at `now`. A record already too late
    /// (older than what was released) comes straight back out in `out`, marked late; a
    /// record without a time (`NO_TIME`: nothing before it in its source had one) goes out
    /// at once too, as there is nothing to order it by.
    pub fn push(&mut self, source: usize, key: Nanos, item: T, now: Nanos, out: &mut Vec<Out<T>>) {
        if key == NO_TIME {
            out.push(Out { item, late: false });
            return;
        }
        let s = self.slot(source);
        s.last_seen = Some(now);
        s.max_key = s.max_key.max(key);
        if self.written != NO_TIME && key < self.written {
            self.late += 1;
            out.push(Out { item, late: true });
            return;
        }
        self.seq += 1;
        self.heap.push(Reverse(Held { key, seq: self.seq, item }));
        self.arrivals.push_back((now, key));
    }

    /// The time every live source has passed (`None`: no source is live; `NO_TIME`: a
    /// live source has given no time yet).
    fn watermark(&self, now: Nanos) -> Option<Nanos> {
        self.sources
            .iter()
            .filter(|s| s.last_seen.is_some_and(|t| now - t < self.policy.idle))
            .map(|s| s.max_key)
            .min()
    }

    /// Release, in time order, what may go out at `now`.
    pub fn release(&mut self, now: Nanos, out: &mut Vec<Out<T>>) {
        // Records held past `lateness` go out, and with them every held record before them
        // (else those would come out late). Entries older than what was written are of
        // records already released.
        let mut forced = NO_TIME;
        while let Some(&(at, key)) = self.arrivals.front() {
            if key >= self.written && now - at < self.policy.lateness {
                break;
            }
            forced = forced.max(key);
            self.arrivals.pop_front();
        }
        let limit = match self.watermark(now) {
            Some(w) => w.max(forced),
            // No live source holds anything back: everything held goes.
            None => Nanos::MAX,
        };
        self.drain(limit, out);
        while self.heap.len() > self.policy.max_held {
            let limit = self.heap.peek().expect("not empty").0.key;
            self.drain(limit, out);
        }
    }

    /// Everything held, in time order (the end of the run).
    pub fn flush(&mut self, out: &mut Vec<Out<T>>) {
        self.arrivals.clear();
        self.drain(Nanos::MAX, out);
    }

    fn drain(&mut self, limit: Nanos, out: &mut Vec<Out<T>>) {
        while self.heap.peek().is_some_and(|h| h.0.key <= limit) {
            let Reverse(h) = self.heap.pop().expect("peeked");
            self.written = self.written.max(h.key);
            out.push(Out { item: h.item, late: false });
        }
        if self.heap.is_empty() {
            self.arrivals.clear();
        }
    }

    /// When `release` may next have something to do without new input (after `now`): the
    /// oldest held record's lateness deadline, or the moment a live source goes idle.
    pub fn deadline(&self, now: Nanos) -> Option<Nanos> {
        if self.heap.is_empty() {
            return None;
        }
        let lateness = self.arrivals.front().map(|&(at, _)| at + self.policy.lateness);
        let idle = self
            .sources
            .iter()
            .filter_map(|s| s.last_seen.map(|t| t + self.policy.idle))
            .filter(|&t| t > now)
            .min();
        match (lateness, idle) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = 1_000_000_000;

    fn policy() -> Policy {
        Policy { lateness: 2 * S, idle: 5 * S, max_held: 1000 }
    }

    fn keys(out: &[Out<&'static str>]) -> Vec<(&'static str, bool)> {
        out.iter().map(|o| (o.item, o.late)).collect()
    }

    #[test]
    fn a_record_waits_until_every_live_source_has_passed_its_time() {
        let mut r = Reorder::new(policy());
        let mut out = Vec::new();
        r.push(0, 10 * S, "a10", 0, &mut out);
        r.push(1, 5 * S, "b5", 0, &mut out);
        r.release(0, &mut out);
        // The watermark is 5 s (source 1): only b5 goes.
        assert_eq!(keys(&out), [("b5", false)]);
        out.clear();
        r.push(1, 12 * S, "b12", S / 2, &mut out);
        r.release(S / 2, &mut out);
        assert_eq!(keys(&out), [("a10", false)]);
        assert_eq!(r.held(), 1);
    }

    #[test]
    fn a_record_held_for_lateness_goes_out_with_everything_before_it() {
        let mut r = Reorder::new(policy());
        let mut out = Vec::new();
        r.push(1, S, "b1", 0, &mut out);
        r.push(0, 3 * S, "a3", 0, &mut out);
        r.push(0, 2 * S, "a2", S, &mut out);
        r.push(0, 9 * S, "a9", S, &mut out);
        r.release(S, &mut out);
        assert_eq!(keys(&out), [("b1", false)]);
        out.clear();
        assert_eq!(r.deadline(S), Some(2 * S));
        r.release(2 * S - 1, &mut out);
        assert!(out.is_empty());
        // a3 (arrived at 0) has waited 2 s: it goes, and a2 before it; a9 stays.
        r.release(2 * S, &mut out);
        assert_eq!(keys(&out), [("a2", false), ("a3", false)]);
        out.clear();
        r.release(3 * S, &mut out);
        assert_eq!(keys(&out), [("a9", false)]);
    }

    #[test]
    fn a_silent_source_stops_holding_the_others_back_after_idle() {
        let p = Policy { lateness: 10 * S, idle: S, max_held: 1000 };
        let mut r = Reorder::new(p);
        let mut out = Vec::new();
        r.push(0, S, "quiet1", 0, &mut out);
        r.push(1, 5 * S, "b5", 0, &mut out);
        r.release(0, &mut out);
        assert_eq!(keys(&out), [("quiet1", false)]);
        out.clear();
        r.push(1, 6 * S, "b6", S / 2, &mut out);
        r.release(S / 2, &mut out);
        assert!(out.is_empty(), "source 0 is live and at 1 s");
        r.release(S, &mut out);
        // Source 0 silent for 1 s: only source 1 counts, and it is at 6 s.
        assert_eq!(keys(&out), [("b5", false), ("b6", false)]);
    }

    #[test]
    fn a_record_older_than_what_was_written_comes_out_at_once_marked_late() {
        let mut r = Reorder::new(policy());
        let mut out = Vec::new();
        r.push(0, 10 * S, "a10", 0, &mut out);
        r.release(0, &mut out);
        assert_eq!(keys(&out), [("a10", false)]);
        out.clear();
        r.push(1, 4 * S, "b4", S, &mut out);
        assert_eq!(keys(&out), [("b4", true)]);
        r.push(1, 10 * S, "b10", S, &mut out);
        assert_eq!(r.late_count(), 1);
        assert_eq!(r.held(), 1, "an equal time is not late");
    }

    #[test]
    fn a_source_that_has_given_nothing_yet_holds_the_others_until_it_goes_idle() {
        let p = Policy { lateness: 10 * S, idle: S, max_held: 1000 };
        let mut r = Reorder::new(p);
        let mut out = Vec::new();
        r.register(0, 0);
        r.register(1, 0);
        r.push(0, 5 * S, "a5", 0, &mut out);
        r.release(S / 2, &mut out);
        assert!(out.is_empty());
        assert_eq!(r.deadline(S / 2), Some(S));
        r.push(1, 3 * S, "b3", S / 2, &mut out);
        r.release(S / 2, &mut out);
        assert_eq!(keys(&out), [("b3", false)]);
        out.clear();
        r.release(3 * S / 2, &mut out);
        // Both sources have been silent for 1 s: nothing holds a5 back.
        assert_eq!(keys(&out), [("a5", false)]);
    }

    #[test]
    fn records_without_a_time_pass_straight_through() {
        let mut r = Reorder::new(policy());
        let mut out = Vec::new();
        r.push(0, NO_TIME, "untimed", 0, &mut out);
        assert_eq!(keys(&out), [("untimed", false)]);
        assert_eq!(r.held(), 0);
    }

    #[test]
    fn no_more_than_max_held_records_are_held() {
        let p = Policy { lateness: 100 * S, idle: 100 * S, max_held: 3 };
        let mut r = Reorder::new(p);
        let mut out = Vec::new();
        r.push(1, 0, "b0", 0, &mut out);
        for (i, k) in ["a1", "a2", "a3", "a4", "a5"].into_iter().enumerate() {
            r.push(0, (i as i64 + 1) * S, k, 0, &mut out);
        }
        r.release(0, &mut out);
        assert_eq!(keys(&out), [("b0", false), ("a1", false), ("a2", false)]);
        assert_eq!(r.held(), 3);
    }

    #[test]
    fn flush_releases_everything_in_time_order() {
        let mut r = Reorder::new(policy());
        let mut out = Vec::new();
        r.push(0, 3 * S, "a3", 0, &mut out);
        r.push(1, 2 * S, "b2", 0, &mut out);
        r.push(2, S, "c1", 0, &mut out);
        r.push(2, 7 * S, "c7", 0, &mut out);
        r.flush(&mut out);
        let got: Vec<_> = out.iter().map(|o| o.item).collect();
        assert_eq!(got, ["c1", "b2", "a3", "c7"]);
        assert_eq!(r.deadline(0), None);
    }
}
