//! The merge: one order over the records of all sources, by corrected time; equal times keep
//! input order (sources in command-line order, then line).
//!
//! Each source's records are put in order first: a sorted source (the common case) is left
//! as it is; lines out of order within a file are moved to their place by a stable sort (not
//! clamped to their neighbour's time). The sources are then merged by a k-way heap merge,
//! which yields records in batches (`runs::RunMerge`, over sorted runs that may be spilled to
//! temporary files: `spill`).

pub mod follow;
pub mod runs;
pub mod spill;

use crate::record::Record;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::NO_TIME;
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
