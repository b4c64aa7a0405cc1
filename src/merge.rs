//! The merge: one order over the records of all sources, by corrected time; equal times keep
//! input order (sources in command-line order, then line).
//!
//! Each source's records are put in order first: a sorted source (the common case) is left
//! as it is; lines out of order within a file are moved to their place by a stable sort (not
//! clamped to their neighbour's time). The sources are then merged by a k-way heap merge,
//! which yields records one at a time. `merge` reads its input through `runs::RunMerge`, the
//! same merge over runs that may be spilled; `Merge` here is the in-memory form.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::records::Record;

/// Put one source's records in merge order; returns whether they already were.
pub fn order_source(records: &mut [Record]) -> bool {
    let Some(first) = records.windows(2).position(|w| w[0].key > w[1].key) else {
        return true;
    };
    // A source out of order is nearly always a few records late (a writer's buffer flushed
    // out of turn): each is moved back to its place in the sorted part before it, in place.
    // The stable sort would allocate a buffer as large as half the source (fresh pages for
    // every source) and move every record. Past a budget of moved records (a source far out
    // of order), the sort takes over.
    let mut budget = records.len() / 8 + 64;
    for i in first + 1..records.len() {
        let key = records[i].key;
        if records[i - 1].key <= key {
            continue;
        }
        // After every record with an equal key: equal keys keep line order.
        let to = records[..i].partition_point(|r| r.key <= key);
        if i - to > budget {
            records.sort_by_key(|r| r.key);
            return false;
        }
        budget -= i - to;
        records[to..=i].rotate_right(1);
    }
    false
}

/// k-way merge over per-source record lists, each already in order; yields
/// `(source index, record index)`.
pub struct Merge<'a> {
    sources: &'a [Vec<Record>],
    heap: BinaryHeap<Reverse<(i64, usize, usize)>>,
}

impl<'a> Merge<'a> {
    pub fn new(sources: &'a [Vec<Record>]) -> Self {
        let heap = sources
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_empty())
            .map(|(s, r)| Reverse((r[0].key, s, 0)))
            .collect();
        Merge { sources, heap }
    }
}

impl Iterator for Merge<'_> {
    type Item = (usize, usize);
    fn next(&mut self) -> Option<(usize, usize)> {
        let mut top = self.heap.peek_mut()?;
        let Reverse((_, s, i)) = *top;
        // The source's next record replaces the top and sinks once: half the work of a pop
        // and a push (the same step as `runs::RunMerge`).
        match self.sources[s].get(i + 1) {
            Some(n) => *top = Reverse((n.key, s, i + 1)),
            None => {
                std::collections::binary_heap::PeekMut::pop(top);
            }
        }
        Some((s, i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::NO_TIME;
    use proptest::prelude::*;

    fn rec(key: i64, line: u64) -> Record {
        Record {
            key,
            offset: 0,
            start: 0,
            end: 0,
            line,
            raw_ts: (0, 0),
            level: (0, 0),
            host: 0,
            format: 0,
            one_line: false,
            timed: key != NO_TIME,
        }
    }

    proptest! {
        /// Output is sorted by time, keeps every record exactly once, and equal times keep
        /// input order (source, then line) — for random interleavings and out-of-order input.
        #[test]
        fn merge_is_sorted_stable_and_lossless(
            srcs in prop::collection::vec(prop::collection::vec(-50i64..50, 0..40), 0..6)
        ) {
            let mut sources: Vec<Vec<Record>> = srcs
                .iter()
                .map(|keys| keys.iter().enumerate().map(|(i, &k)| rec(k, i as u64 + 1)).collect())
                .collect();
            for s in &mut sources {
                order_source(s);
            }
            let out: Vec<(usize, usize)> = Merge::new(&sources).collect();
            let total: usize = srcs.iter().map(|s| s.len()).sum();
            prop_assert_eq!(out.len(), total);
            let mut seen = std::collections::HashSet::new();
            for w in out.windows(2) {
                let (a, b) = (&sources[w[0].0][w[0].1], &sources[w[1].0][w[1].1]);
                prop_assert!(a.key < b.key || (a.key == b.key && (w[0].0, a.line) < (w[1].0, b.line)));
            }
            for &(s, i) in &out {
                prop_assert!(seen.insert((s, sources[s][i].line)));
            }
        }
    }

    #[test]
    fn out_of_order_line_moves_to_its_place() {
        let mut s = vec![rec(10, 1), rec(30, 2), rec(20, 3), rec(40, 4)];
        assert!(!order_source(&mut s));
        assert_eq!(s.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 3, 2, 4]);
    }

    proptest! {
        /// Any disorder, a little or a lot, ends as the stable sort would order it.
        #[test]
        fn order_source_is_the_stable_sort(
            keys in prop::collection::vec(0i64..30, 0..300),
            late in prop::collection::vec((0usize..300, 0usize..300), 0..8),
        ) {
            // Mostly sorted input with a few records moved, or random input.
            let mut k = keys.clone();
            if !late.is_empty() {
                k.sort();
                for &(a, b) in &late {
                    if a < k.len() && b < k.len() {
                        k.swap(a, b);
                    }
                }
            }
            let mut s: Vec<Record> =
                k.iter().enumerate().map(|(i, &k)| rec(k, i as u64 + 1)).collect();
            let mut want = s.clone();
            want.sort_by_key(|r| r.key);
            order_source(&mut s);
            let lines = |v: &[Record]| v.iter().map(|r| r.line).collect::<Vec<_>>();
            prop_assert_eq!(lines(&s), lines(&want));
        }
    }

    #[test]
    fn untimed_records_sort_first_when_a_source_has_no_time() {
        let mut s = vec![rec(NO_TIME, 1), rec(NO_TIME, 2)];
        assert!(order_source(&mut s));
    }
}
