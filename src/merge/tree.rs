//! The k-way merge's tournament tree of losers: each inner node keeps the loser of the match
//! played there, the root the overall winner. Replacing the winner's head replays only its
//! path to the root, one compare a level, against a binary heap's two (a sift down compares
//! the children, then the smaller child with the head). Each compare is of two integers,
//! without branches: records of many hosts interleave at random, so which side wins is a coin
//! toss a branch predictor cannot learn.

use crate::time::Nanos;

/// A leaf's head: the key (its sign flipped, so that unsigned order is time order), then
/// source and line (equal keys come out by source, then line); all ones when its run is done.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Head {
    key: u64,
    tie: u128,
}

const DONE: Head = Head { key: u64::MAX, tie: u128::MAX };

impl Head {
    fn of(head: Option<(Nanos, usize, u64)>) -> Head {
        match head {
            Some((key, source, line)) => Head {
                key: (key as u64) ^ (1 << 63),
                tie: ((source as u128) << 64) | u128::from(line),
            },
            None => DONE,
        }
    }

    #[inline(always)]
    fn less(self, other: Head) -> bool {
        // `&` and `|`, not `&&` and `||`: no branch.
        (self.key < other.key) | ((self.key == other.key) & (self.tie < other.tie))
    }
}

pub struct LoserTree {
    heads: Vec<Head>,
    /// `nodes[0]`: the winner's leaf; `nodes[p]` (1 <= p < k): the loser at inner node `p`,
    /// whose children are `2p` and `2p + 1`; leaf `i` sits at `k + i`.
    nodes: Vec<u32>,
}

impl LoserTree {
    /// A tree over leaves with these heads (`None`: nothing to merge from that leaf).
    pub fn new(heads: impl IntoIterator<Item = Option<(Nanos, usize, u64)>>) -> LoserTree {
        let heads: Vec<Head> = heads.into_iter().map(Head::of).collect();
        let k = heads.len();
        let mut nodes = vec![0u32; k.max(1)];
        // The winner below each position, bottom up.
        let mut won = vec![0u32; 2 * k];
        for (i, w) in won[k..].iter_mut().enumerate() {
            *w = i as u32;
        }
        for p in (1..k).rev() {
            let (a, b) = (won[2 * p], won[2 * p + 1]);
            let (w, l) = if heads[b as usize].less(heads[a as usize]) { (b, a) } else { (a, b) };
            won[p] = w;
            nodes[p] = l;
        }
        if k > 1 {
            nodes[0] = won[1];
        }
        LoserTree { heads, nodes }
    }

    /// The leaf whose head is least; `None` when every leaf is done.
    #[inline]
    pub fn top(&self) -> Option<usize> {
        let w = *self.nodes.first()? as usize;
        (self.heads.get(w)? != &DONE).then_some(w)
    }

    /// Give leaf `leaf` (the winner, from `top`) its next head, and find the new winner.
    #[inline]
    pub fn replace(&mut self, leaf: usize, head: Option<(Nanos, usize, u64)>) {
        let k = self.heads.len();
        self.heads[leaf] = Head::of(head);
        let mut winner = leaf as u32;
        let mut p = (k + leaf) / 2;
        while p > 0 {
            let loser = self.nodes[p];
            let swap = self.heads[loser as usize].less(self.heads[winner as usize]);
            // Both picks are selects, not branches.
            self.nodes[p] = if swap { winner } else { loser };
            winner = if swap { loser } else { winner };
            p /= 2;
        }
        self.nodes[0] = winner;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Sorted runs merged by the tree come out as one sort of all of them would give
        /// them: by key, then source, then line.
        #[test]
        fn the_tree_merges_runs_in_key_source_line_order(
            runs in proptest::collection::vec(
                proptest::collection::vec((-5i64..5, 0u64..1000), 0..20), 0..12),
        ) {
            // Run r is source r; its lines are made unique and increasing, its keys sorted.
            let runs: Vec<Vec<(Nanos, usize, u64)>> = runs
                .into_iter()
                .enumerate()
                .map(|(s, mut v)| {
                    v.sort();
                    v.iter().enumerate().map(|(i, &(k, _))| (k * 1_000_000_000, s, i as u64)).collect()
                })
                .collect();
            let mut want: Vec<_> = runs.iter().flatten().copied().collect();
            want.sort();
            let mut next = vec![0usize; runs.len()];
            let mut tree = LoserTree::new(runs.iter().map(|r| r.first().copied()));
            let mut got = Vec::new();
            while let Some(leaf) = tree.top() {
                got.push(runs[leaf][next[leaf]]);
                next[leaf] += 1;
                tree.replace(leaf, runs[leaf].get(next[leaf]).copied());
            }
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn an_empty_tree_and_a_tree_of_done_leaves_have_no_top() {
        assert_eq!(LoserTree::new([]).top(), None);
        assert_eq!(LoserTree::new([None, None, None]).top(), None);
        let mut one = LoserTree::new([Some((i64::MIN, 0, 0))]);
        assert_eq!(one.top(), Some(0));
        one.replace(0, None);
        assert_eq!(one.top(), None);
    }

    #[test]
    fn keys_before_1970_come_before_later_ones() {
        let t = LoserTree::new([Some((5, 0, 1)), Some((-5, 1, 1)), Some((i64::MAX, 2, 1))]);
        assert_eq!(t.top(), Some(1));
    }
}
