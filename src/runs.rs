//! The merge for inputs too large to hold as records: each source is read in windows, and
//! each window's records, sorted, form a run. A first pass notes the smallest time of every
//! run; the second merges the runs, parsing a run only when the merge reaches its smallest
//! time. A sorted source thus has one or two runs in memory at a time, whatever its size.
//! A run must be parsed after the runs before it in its source (the resolver and the clock
//! model read a source in order), so a source whose late lines go far back in time keeps
//! the runs between in memory until they are merged: memory then grows with its disorder.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use crate::records::Record;
use crate::run::Context;
use crate::time::{Civil, Nanos};
use crate::window::{Source, SourceParser};

/// The head of an active run: (key, source, line, run, index in run); ordered so that equal
/// times come out by source, then line.
type Head = (Nanos, usize, u64, usize, usize);

pub struct RunMerge<'a> {
    /// Second-pass parsers, one per source (taken when the source is finished).
    parsers: Vec<Option<SourceParser<'a>>>,
    /// Next window index each source's parser will produce.
    next_window: Vec<usize>,
    /// Windows not yet parsed, by (smallest key, source, window), largest first so the next
    /// is popped from the end.
    pending: Vec<(Nanos, usize, usize)>,
    /// Parsed runs; a run is dropped when the merge has taken all of it.
    runs: Vec<Option<Vec<Record>>>,
    heap: BinaryHeap<Reverse<Head>>,
}

impl<'a> RunMerge<'a> {
    pub fn new(
        cx: &'a Context<'a>,
        sources: &'a [Source],
        window: usize,
        plans: &[Option<Vec<Civil>>],
    ) -> RunMerge<'a> {
        // First pass: the smallest key of every window (reports problems; no stats).
        let mins: Vec<Vec<Option<Nanos>>> = sources
            .par_iter()
            .zip(plans.par_iter())
            .map(|(src, plan)| {
                let mut p = SourceParser::new(cx, src, window, true, plan.as_deref());
                let mut mins = Vec::new();
                let mut pos = 0u64;
                while let Some(recs) = p.next_window() {
                    mins.push(recs.iter().map(|r| r.key).min());
                    if let (Some(b), Some(r)) = (&cx.progress, recs.last()) {
                        b.inc((r.end as u64).saturating_sub(pos));
                        pos = r.end as u64;
                    }
                }
                p.finish(false);
                mins
            })
            .collect();
        let mut pending: Vec<(Nanos, usize, usize)> = mins
            .iter()
            .enumerate()
            .flat_map(|(s, m)| m.iter().enumerate().filter_map(move |(w, k)| k.map(|k| (k, s, w))))
            .collect();
        pending.sort_unstable_by(|a, b| b.cmp(a));
        let parsers = sources
            .iter()
            .zip(plans)
            .map(|(src, plan)| Some(SourceParser::new(cx, src, window, false, plan.as_deref())))
            .collect();
        RunMerge {
            parsers,
            next_window: vec![0; sources.len()],
            pending,
            runs: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Parse source `s` up to and including window `w`, each window a new run.
    fn activate(&mut self, s: usize, w: usize) {
        while self.next_window[s] <= w {
            let Some(p) = self.parsers[s].as_mut() else { return };
            let Some(mut recs) = p.next_window() else {
                // The source ended early (it shrank since the first pass).
                self.next_window[s] = usize::MAX;
                return;
            };
            self.next_window[s] += 1;
            if recs.is_empty() {
                continue;
            }
            crate::merge::order_source(&mut recs);
            let run = self.runs.len();
            self.heap.push(Reverse((recs[0].key, s, recs[0].line, run, 0)));
            self.runs.push(Some(recs));
        }
    }

    fn finish_parsers(&mut self) {
        for p in self.parsers.iter_mut().filter_map(Option::take) {
            p.finish(true);
        }
    }
}

impl Iterator for RunMerge<'_> {
    type Item = (usize, Record);

    fn next(&mut self) -> Option<(usize, Record)> {
        // Bring in every run that could hold the next record (ties included, so that equal
        // times still come out in source-then-line order).
        while let Some(&(min, s, w)) = self.pending.last() {
            let top = self.heap.peek().map(|Reverse(h)| h.0);
            if top.is_some_and(|t| min > t) {
                break;
            }
            self.pending.pop();
            if w >= self.next_window[s] {
                self.activate(s, w);
            }
        }
        let Some(Reverse((_, s, _, run, i))) = self.heap.pop() else {
            self.finish_parsers();
            return None;
        };
        let recs = self.runs[run].as_ref().expect("an active run");
        let r = recs[i];
        if let Some(n) = recs.get(i + 1) {
            self.heap.push(Reverse((n.key, s, n.line, run, i + 1)));
        } else {
            self.runs[run] = None;
        }
        Some((s, r))
    }
}
