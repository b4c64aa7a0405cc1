//! The merge of any amount of input in bounded memory.
//!
//! Each source is parsed once, a window of bytes at a time, by one worker per thread, largest
//! source first (with sources enough, a worker scans its windows alone, with regexes of its
//! own; else a window's lines are scanned in parallel chunks). A window's records, in order,
//! extend the source's current run when they start no earlier than it ends (a sorted or
//! nearly sorted source is one run, however long), else start a new run (a source badly out
//! of order becomes several sorted runs). Records stay in memory up to a budget; past it a
//! window's records go to a spill file, and are read back a block at a time (smaller blocks
//! when there are many runs, so the read buffers too stay within a bound).
//! Then a k-way heap merge over all runs yields the records in order. The mapped text a
//! window was parsed from is dropped from memory right after (the output reads it again, see
//! `output::write_ordered`), so memory is bounded by the budget, the windows in flight and the
//! merge's read blocks, whatever the size of the input or its disorder.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::diag;
use crate::format::Registry;
use crate::pipeline::scan::LineHit;
use crate::pipeline::{Context, Source, SourceParser};
use crate::record::{Ordered, Record};
use crate::time::{Civil, Nanos};

use super::spill::{self, Extent, SpillFile};

/// Bytes of read buffers the merge gives the runs that lie on disk, all together.
const READ_BUDGET: usize = 16 << 20;

/// Where parsed records go: memory while the budget lasts (bytes of records held across all
/// sources, and the most allowed), then the spill file all sources share.
struct Budget {
    held: AtomicUsize,
    limit: usize,
    spill: Mutex<Option<SpillFile>>,
    /// The spill file could not be made or written: the merge stops (holding the records in
    /// memory instead would grow without bound, with a full TMPDIR the likeliest cause).
    failed: Mutex<Option<SpillError>>,
    /// The records of small sources (see `pool`), with their source; `None` when they must
    /// keep runs of their own (`--correlate` corrects a run's records as its blocks load).
    small: Option<Mutex<Vec<(usize, Record)>>>,
}

/// The records past the memory budget could not be written to a temporary file.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: cannot spill parsed records to a temporary file in {dir} ({error}); the merge holds at most {budget:.1} MiB of records in memory: free space there or set TMPDIR to a directory with room")]
pub struct SpillError {
    source_name: String,
    dir: String,
    error: std::io::Error,
    budget: f64,
}

impl Budget {
    fn new(limit: usize) -> Budget {
        Budget {
            held: AtomicUsize::new(0),
            limit,
            spill: Mutex::new(None),
            failed: Mutex::new(None),
            small: None,
        }
    }

    /// Whether spilling failed (the merge stops).
    fn broken(&self) -> bool {
        self.failed.lock().unwrap().is_some()
    }

    /// Take `n` bytes if they fit under the limit.
    fn take(&self, n: usize) -> bool {
        self.held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |h| {
                (h.saturating_add(n) <= self.limit).then_some(h + n)
            })
            .is_ok()
    }
}

/// Records of a run, in order: in memory, or in the spill file.
enum Segment {
    Mem(Vec<Record>),
    Disk(Extent),
}

/// A sorted sequence of one source's records.
struct Run {
    source: usize,
    segments: VecDeque<Segment>,
    /// The key of its last record.
    last: Nanos,
}

/// What parsing a source left: its runs, and its parser (for its report, in source order).
struct Parsed {
    runs: Vec<Run>,
    report: crate::pipeline::source::Report,
    /// Boxed: a slot per source holds a `Parsed` until the merge starts, and a collector
    /// (`--correlate` only) is 128 bytes.
    links: Option<Box<crate::skew::infer::Collector>>,
}

/// Parse source `s` whole, window by window, into runs.
#[allow(clippy::too_many_arguments)]
fn parse_source<'a>(
    cx: &'a Context<'a>,
    reg: Option<&'a Registry>,
    s: usize,
    src: &'a Source,
    window: usize,
    plan: Option<&[Civil]>,
    budget: &Budget,
    buffer: &mut Vec<LineHit>,
) -> Parsed {
    let mut parser = match reg {
        Some(reg) => SourceParser::with_registry(cx, reg, false, src, window, true, plan),
        None => SourceParser::new(cx, src, window, true, plan),
    };
    parser.give_buffer(std::mem::take(buffer));
    let mut runs: Vec<Run> = Vec::new();
    let mut done = 0u64;
    while let Some(mut recs) = parser.next_window() {
        if budget.broken() {
            break;
        }
        if let (Some(b), Some(r)) = (&cx.progress, recs.last()) {
            b.inc((r.end as u64).saturating_sub(done));
            done = r.end as u64;
        }
        if recs.is_empty() {
            continue;
        }
        crate::merge::order_source(&mut recs);
        // A small source's records are held to the end of the merge: no slack past them (a
        // one-record Vec grown by push holds four; 200k one-line files).
        if recs.len() < STAGE {
            recs.shrink_to_fit();
        }
        let (min, max) = (recs[0].key, recs[recs.len() - 1].key);
        let bytes = recs.capacity() * std::mem::size_of::<Record>();
        let segment = store(recs, bytes, budget, src);
        // Equal keys keep line order across windows too: a later window's lines come after.
        match runs.last_mut() {
            Some(run) if min >= run.last => {
                run.segments.push_back(segment);
                run.last = max;
            }
            _ => runs.push(Run { source: s, segments: VecDeque::from([segment]), last: max }),
        }
    }
    *buffer = parser.take_buffer();
    pool(&mut runs, budget);
    let links = parser.take_links().map(Box::new);
    // Held until the merge starts: no slack (a Vec grown by one push holds four runs).
    runs.shrink_to_fit();
    Parsed { runs, report: parser.finish_quietly(true), links }
}

/// A source parsed into one run of at most `STAGE` records held in memory (a small file,
/// read in one window) gives its records to the pool all such sources share, rather than
/// keeping a run, a cursor and a heap slot of its own for them: about 400 bytes a source
/// for a 64-byte record (200k one-line files: 80 MB). The pool, sorted by (key, source,
/// line), yields the records in the order the heap would have: a source's (key, line) pairs
/// are its records' own, and its records come in its run's order (a stable sort).
fn pool(runs: &mut Vec<Run>, budget: &Budget) {
    let Some(small) = &budget.small else { return };
    let [Run { source, segments, .. }] = runs.as_mut_slice() else { return };
    let Some(Segment::Mem(recs)) = segments.front() else { return };
    if segments.len() != 1 || recs.len() > STAGE {
        return;
    }
    // The pool holds a source index beside each record: 8 bytes more than the run did.
    let extra = recs.len() * std::mem::size_of::<usize>();
    if !budget.take(extra) {
        return;
    }
    let source = *source;
    small.lock().unwrap().extend(recs.iter().map(|r| (source, *r)));
    runs.clear();
}

/// Keep a window's records in memory if the budget allows, else append them to the spill
/// file. When that fails, the records are dropped and the budget marked broken: the merge
/// ends with the error (nothing of a partial timeline is written).
fn store(recs: Vec<Record>, bytes: usize, budget: &Budget, src: &Source) -> Segment {
    if budget.take(bytes) {
        return Segment::Mem(recs);
    }
    let mut spill = budget.spill.lock().unwrap();
    let appended = match spill.as_mut() {
        Some(f) => f.append(&recs),
        None => SpillFile::new().and_then(|mut f| {
            let e = f.append(&recs);
            *spill = Some(f);
            e
        }),
    };
    match appended {
        Ok(extent) => Segment::Disk(extent),
        Err(error) => {
            let mut failed = budget.failed.lock().unwrap();
            failed.get_or_insert_with(|| SpillError {
                source_name: src.spec.display.clone(),
                dir: diag::path(std::env::temp_dir()),
                error,
                budget: budget.limit as f64 / f64::from(1 << 20),
            });
            Segment::Mem(Vec::new())
        }
    }
}

/// A run being merged: the block of records read from it, the position in that block, and
/// the next few records copied out of it (`stage`).
struct Cursor {
    run: Run,
    block: Vec<Record>,
    at: usize,
    /// Records already read from the run's first segment, when it is on disk.
    read: usize,
    /// The records the merge takes next, `stage[next..]`. The merge visits dozens of runs in
    /// turn, one record from each: read where they lie, nearly every record would be a
    /// cache miss (too many streams for the hardware prefetcher); copied out `STAGE` at a
    /// time, a run's records are read sequentially, and the merge works in cache.
    stage: Vec<Record>,
    next: usize,
}

/// Records copied out of a run's block at a time (see `Cursor::stage`).
const STAGE: usize = 64;

/// The head of a cursor in the merge heap: (key, source, line, cursor); equal keys come out
/// by source, then line.
type Head = (Nanos, usize, u64, usize);

pub struct RunMerge<'a> {
    sources: &'a [Source],
    spill: Option<SpillFile>,
    /// Records read from disk at a time, per run.
    block: usize,
    cursors: Vec<Cursor>,
    /// The records of small sources, sorted (see `pool`), and the next one: the heap's
    /// cursor `cursors.len()`.
    small: Vec<(usize, Record)>,
    next_small: usize,
    heap: BinaryHeap<Reverse<Head>>,
    /// Models inferred by `--correlate`, applied to each block as it loads.
    late: Option<std::sync::Arc<crate::skew::infer::Late>>,
    /// What `--correlate` found (taken by the command for its report).
    pub correlation: Option<crate::pipeline::correlate::Correlation>,
}

impl<'a> RunMerge<'a> {
    /// How many sources are parsed side by side, and whether each worker should scan its
    /// windows alone (`regs` for `new`): when there are sources enough to keep every worker
    /// busy; else each window is scanned in parallel chunks.
    pub fn workers(sources: &[Source]) -> (usize, bool) {
        let workers = rayon::current_num_threads().clamp(1, sources.len().max(1));
        (workers, workers > 1 && sources.len() >= 2 * workers)
    }

    /// Parse every source (each a window of `window` bytes at a time, `plans` giving the
    /// year-less stamps of those that need them) with at most `budget` bytes of records held
    /// in memory; the merge then yields them in order. `regs`: the registry each worker scans
    /// alone with (see `workers`), or none: windows are scanned in parallel chunks.
    pub fn new(
        cx: &'a Context<'a>,
        sources: &'a [Source],
        window: usize,
        plans: &[Option<Vec<Civil>>],
        budget: usize,
        regs: &'a [&'a Registry],
    ) -> Result<RunMerge<'a>, SpillError> {
        let mut budget = Budget::new(budget);
        if cx.settings.correlate.is_none() {
            budget.small = Some(Mutex::new(Vec::new()));
        }
        let next = AtomicUsize::new(0);
        let parsed: Vec<Mutex<Option<Parsed>>> = sources.iter().map(|_| Mutex::new(None)).collect();
        // Largest first, so that no worker is left with a large source at the end.
        let mut order: Vec<usize> = (0..sources.len()).collect();
        order.sort_by_key(|&s| std::cmp::Reverse(sources[s].data.len()));
        // One worker per thread, each parsing a source at a time: so at most that many
        // windows are in flight (rayon's work stealing could start any number).
        let (workers, _) = Self::workers(sources);
        std::thread::scope(|scope| {
            for w in 0..workers {
                let (next, order, parsed, budget) = (&next, &order, &parsed, &budget);
                scope.spawn(move || {
                    // One hits buffer for all the sources this worker parses.
                    let mut buffer = Vec::new();
                    while let Some(&s) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                        if budget.broken() {
                            break;
                        }
                        let (src, plan) = (&sources[s], plans[s].as_deref());
                        let p = parse_source(
                            cx,
                            regs.get(w).copied(),
                            s,
                            src,
                            window,
                            plan,
                            budget,
                            &mut buffer,
                        );
                        *parsed[s].lock().unwrap() = Some(p);
                    }
                });
            }
        });
        if let Some(e) = budget.failed.into_inner().unwrap() {
            return Err(e);
        }
        let mut cursors = Vec::with_capacity(sources.len());
        let mut links = crate::skew::infer::Collector::default();
        // Problems are reported per source in command-line order, as a sequential read would.
        for mut p in parsed.into_iter().filter_map(|m| m.into_inner().unwrap()) {
            if let Some(l) = p.links.take() {
                links.absorb(*l);
            }
            p.report.say();
            for run in p.runs {
                cursors.push(Cursor {
                    run,
                    block: Vec::new(),
                    at: 0,
                    read: 0,
                    // Grown to STAGE records by the first refill that needs them: a run of
                    // a one-line source (200k of them) stays small.
                    stage: Vec::new(),
                    next: 0,
                });
            }
        }
        let on_disk = cursors
            .iter()
            .filter(|c| c.run.segments.iter().any(|s| matches!(s, Segment::Disk(_))))
            .count();
        let block = (READ_BUDGET / spill::SIZE / on_disk.max(1)).clamp(64, spill::BLOCK);
        let spill = budget.spill.into_inner().unwrap();
        // `--correlate`: the ids are all known now; inferred models apply as blocks load.
        let correlation = cx
            .settings
            .correlate
            .as_ref()
            .map(|_| crate::pipeline::correlate::correlate(cx, &links));
        let late = correlation.as_ref().and_then(|c| c.late.clone());
        let mut small = budget.small.map(|m| m.into_inner().unwrap()).unwrap_or_default();
        small.sort_by_key(|(s, r)| (r.key, *s, r.line));
        small.shrink_to_fit();
        // A head per run at most: sized once, not grown by doubling (a third more, 200k runs).
        let heap = BinaryHeap::with_capacity(cursors.len() + 1);
        let mut m = RunMerge {
            sources,
            spill,
            block,
            cursors,
            small,
            next_small: 0,
            heap,
            late,
            correlation,
        };
        if let Some((s, r)) = m.small.first() {
            m.heap.push(Reverse((r.key, *s, r.line, m.cursors.len())));
        }
        for c in 0..m.cursors.len() {
            if m.refill(c) {
                let cur = &m.cursors[c];
                let r = &cur.stage[0];
                m.heap.push(Reverse((r.key, cur.run.source, r.line, c)));
            }
        }
        Ok(m)
    }

    /// Copy cursor `c`'s next records into its stage (loading its next block when this one
    /// is done); false when its run is done.
    fn refill(&mut self, c: usize) -> bool {
        if self.cursors[c].at >= self.cursors[c].block.len() && !self.load_block(c) {
            return false;
        }
        let cur = &mut self.cursors[c];
        if cur.at == 0 && cur.block.len() <= STAGE {
            // A block no larger than a stage is the stage: moved, not copied (a one-record
            // run, 200k one-line files, would hold its record twice). The next refill loads
            // the next block.
            cur.stage = std::mem::take(&mut cur.block);
            cur.next = 0;
            return true;
        }
        let end = (cur.at + STAGE).min(cur.block.len());
        cur.stage.clear();
        // Only as large as what is staged: a one-record run's stage stays one record.
        cur.stage.reserve_exact(end - cur.at);
        cur.stage.extend_from_slice(&cur.block[cur.at..end]);
        cur.at = end;
        cur.next = 0;
        true
    }

    /// Load cursor `c`'s next block; false when its run is done.
    fn load_block(&mut self, c: usize) -> bool {
        let cur = &mut self.cursors[c];
        cur.at = 0;
        loop {
            match cur.run.segments.front_mut() {
                None => {
                    cur.block = Vec::new();
                    cur.stage = Vec::new();
                    return false;
                }
                Some(Segment::Mem(v)) => {
                    cur.block = std::mem::take(v);
                    cur.run.segments.pop_front();
                    if cur.run.segments.is_empty() {
                        // Its buffer is freed, not held to the end of the merge.
                        cur.run.segments = VecDeque::new();
                    }
                    if !cur.block.is_empty() {
                        if let Some(late) = &self.late {
                            late.apply(&mut cur.block);
                        }
                        return true;
                    }
                }
                Some(Segment::Disk(extent)) => {
                    let extent = *extent;
                    let s = cur.run.source;
                    let Some(file) = self.spill.as_ref() else {
                        cur.run.segments.pop_front();
                        continue;
                    };
                    if let Err(e) = file.read(extent, cur.read, self.block, &mut cur.block) {
                        diag::error(format!(
                            "{}: records spilled to a temporary file could not be read back ({e}); {} records lost",
                            self.sources[s].spec.display,
                            extent.count - cur.read
                        ));
                        cur.block.clear();
                    }
                    cur.read += cur.block.len();
                    if cur.read >= extent.count || cur.block.is_empty() {
                        cur.run.segments.pop_front();
                        cur.read = 0;
                    }
                    if !cur.block.is_empty() {
                        if let Some(late) = &self.late {
                            late.apply(&mut cur.block);
                        }
                        return true;
                    }
                }
            }
        }
    }
}

impl Ordered for RunMerge<'_> {
    /// Records go from the runs' stages straight into the batch, not one at a time through an
    /// iterator's return value on the stack (a copy fewer per record; the merge thread is
    /// about 5% lighter).
    fn fill(&mut self, batch: &mut Vec<(usize, Record)>, max: usize, max_text: usize) {
        let mut text = 0;
        while batch.len() < max && text < max_text {
            let Some(mut top) = self.heap.peek_mut() else { return };
            let Reverse((_, s, _, c)) = *top;
            if c == self.cursors.len() {
                let r = self.small[self.next_small].1;
                text += r.text_len();
                batch.push((s, r));
                self.next_small += 1;
                match self.small.get(self.next_small) {
                    Some((s, n)) => *top = Reverse((n.key, *s, n.line, c)),
                    None => {
                        std::collections::binary_heap::PeekMut::pop(top);
                    }
                }
                continue;
            }
            let cur = &mut self.cursors[c];
            let r = &cur.stage[cur.next];
            text += r.text_len();
            batch.push((s, *r));
            cur.next += 1;
            let more = cur.next < cur.stage.len() || {
                // The borrow of the heap's top ends here only to refill; sift it afterwards.
                drop(top);
                let more = self.refill(c);
                top = self.heap.peek_mut().expect("the cursor is still in the heap");
                more
            };
            if more {
                let cur = &self.cursors[c];
                let n = &cur.stage[cur.next];
                // Replacing the top and sifting it down once costs half a pop and a push.
                *top = Reverse((n.key, s, n.line, c));
            } else {
                std::collections::binary_heap::PeekMut::pop(top);
            }
        }
    }
}
