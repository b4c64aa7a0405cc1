//! The output engine: records in the order the merge (or a source read in order) gives them,
//! formatted a chunk at a time by workers in parallel while a writer thread writes the chunks
//! before, in order, with the records' text read from their files in a few large reads
//! rather than through page faults.

use std::borrow::Cow;
use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use crate::input;
use crate::pipeline::Source;
use crate::record::{Ordered, Record, TimeWindow};

use super::long;
use super::{write_record, Names, SourceView, Style};

/// Mapped bytes the output may bring into memory before they are dropped again.
const RELEASE_EVERY: usize = 32 << 20;
/// How much a read of one mapped page brings in: the kernel maps the cached pages around it
/// too ("fault-around", 64 KiB by default).
const FAULT_AROUND: usize = 64 << 10;

/// What the output needs to know of a run: the format, which records to keep, and the names
/// records refer to by index.
pub struct Job<'a> {
    pub style: &'a Style,
    /// Records handed to the output so far in the run: the next one's sequence number.
    pub written: &'a std::sync::atomic::AtomicU64,
    pub window: TimeWindow,
    pub hosts: &'a [String],
    pub formats: &'a [String],
    /// Per source: its path as found, escaped as a JSON string body.
    pub display_json: &'a [Cow<'a, str>],
}

/// Each source's path as found, escaped as a JSON string body (made once per run). A path
/// that needs no escaping (nearly all) is borrowed, not copied: a copy per source was 150
/// bytes a file held to the end of the run (200k files: 30 MB).
pub fn display_json(sources: &[Source]) -> Vec<Cow<'_, str>> {
    let mut b = Vec::new();
    sources
        .iter()
        .map(|s| {
            b.clear();
            super::json_escape(&mut b, s.spec.display.as_bytes());
            if b == s.spec.display.as_bytes() {
                Cow::Borrowed(s.spec.display.as_str())
            } else {
                Cow::Owned(String::from_utf8(b.clone()).unwrap_or_default())
            }
        })
        .collect()
}

/// Read a record's text from its mapped file into `text` (not through the mapping); false
/// for a source that is not mapped, a long record, or a failed read.
fn read_text(data: &input::Data, r: &Record, text: &mut Vec<u8>) -> bool {
    let input::Data::Mapped(m) = data else { return false };
    let len = r.text_len();
    if len > FAULT_AROUND {
        return false;
    }
    text.resize(len, 0);
    m.read_at(text, r.start).is_ok()
}

/// What a chunk of the output is: formatted bytes, or a record too long to format whole
/// (source, record, sequence number), which the writer writes in pieces (`output::long`).
enum Out {
    Bytes(Vec<u8>),
    Long(usize, Record, u64),
}

/// Write a long record of `src` to `out` a block at a time, read from its file (never through
/// the mapping: its pages would count against the process's memory). A read that fails (the
/// file was cut under it) ends the record there, and the cut is reported.
fn write_long(
    out: &mut (dyn Write + Send),
    style: &Style,
    rec: &Record,
    src: &Source,
    view: &SourceView,
    names: &Names,
    seq: u64,
) -> std::io::Result<()> {
    let read = |at: usize, dst: &mut [u8]| -> bool {
        let ok = match &src.data {
            input::Data::Mapped(m) => m.read_at(dst, at).is_ok(),
            input::Data::Owned(v) => {
                dst.copy_from_slice(&v[at..at + dst.len()]);
                true
            }
        };
        if !ok {
            let len = src.data.shrunk().unwrap_or(at);
            src.report_shrink(len, 0);
        }
        ok
    };
    let mut head = vec![0u8; long::LONG.min(rec.text_len())];
    if !read(rec.start, &mut head) {
        return Ok(());
    }
    if style.format == super::OutputFormat::Parquet {
        // Rows of a piece each (`parquet::pieces`).
        let severity = style.severity(rec, &head);
        if !style.keeps(severity) {
            return Ok(());
        }
        drop(head);
        let about = super::parquet::About::of(rec, names, view.display_json, severity);
        let start = rec.start;
        let read = |at: usize, dst: &mut [u8]| read(start + at, dst);
        return super::parquet::write_pieces(out, rec, rec.text_len(), long::LONG, &about, read);
    }
    let Some(plan) = long::plan(style, rec, &head, view.display_json, names, seq) else {
        return Ok(());
    };
    drop(head);
    let start = rec.start;
    let mut read = |at: usize, dst: &mut [u8]| read(start + at, dst);
    long::write_pieces(out, &plan, rec.text_len(), long::LONG, &mut read)
}

/// Where a record of an output chunk was read to: the file's bytes from `lo` (through the
/// record's end) are in the arena from `at`.
#[derive(Clone, Copy)]
struct Span {
    lo: usize,
    at: usize,
}

/// Bytes between two records of a source that a read takes in rather than start another.
const SPAN_GAP: usize = 4096;
/// The most one read takes.
const SPAN_MAX: usize = 4 << 20;
/// The most a chunk reads into its arena; its other records are read through the mapping
/// (a chunk of long records would otherwise hold all their text at once).
const CHUNK_TEXT: usize = 16 << 20;

/// Read the text of `chunk`'s records from their mapped files into `arena`: each source's
/// records sorted by offset and cut into clusters of records close together (one cluster for
/// a source read in order, one per run for a source out of order), one `pread` per cluster.
/// Reading through the mapping instead costs a page fault per 64 KiB, the pages' release
/// again later, and a cache miss on nearly every record (the sources interleave in too many
/// streams for the hardware prefetcher); a read is a sequential copy.
/// Per record, where it was read to; `None` for one read through the mapping (not mapped, out
/// of the window, empty, too long, past `CHUNK_TEXT`, or the read came short: the file was cut, and the caller
/// sees that through the mapping). The arena's bytes past what this chunk uses are left as
/// they were (no zeroing of a reused buffer).
fn read_spans(
    sources: &[Source],
    chunk: &[(usize, Record)],
    limits: &[usize],
    window: &TimeWindow,
    arena: &mut Vec<u8>,
) -> Vec<Option<Span>> {
    let usable = |(s, r): &(usize, Record)| {
        r.text_len() <= long::LONG
            && r.end <= limits[*s]
            && r.end > r.start
            && r.end - r.start <= SPAN_MAX
            && matches!(sources[*s].data, input::Data::Mapped(_))
            && window.keeps(r)
    };
    // The usable records grouped by source (a counting sort: linear), each group in chunk
    // order, which is file order for a source read in order.
    let mut first = vec![0u32; sources.len() + 1];
    for x in chunk.iter().filter(|x| usable(x)) {
        first[x.0 + 1] += 1;
    }
    for k in 1..first.len() {
        first[k] += first[k - 1];
    }
    let mut order = vec![0u32; first[sources.len()] as usize];
    let mut fill = first.clone();
    for (i, x) in chunk.iter().enumerate() {
        if usable(x) {
            order[fill[x.0] as usize] = i as u32;
            fill[x.0] += 1;
        }
    }
    let start = |i: &u32| chunk[*i as usize].1.start;
    let mut out = vec![None; chunk.len()];
    let mut used = 0;
    for s in 0..sources.len() {
        let input::Data::Mapped(m) = &sources[s].data else { continue };
        let group = &mut order[first[s] as usize..first[s + 1] as usize];
        if !group.is_sorted_by_key(start) {
            group.sort_unstable_by_key(start);
        }
        let mut k = 0;
        while k < group.len() {
            let lo = start(&group[k]);
            let mut hi = chunk[group[k] as usize].1.end;
            let mut j = k + 1;
            while let Some(r) = group.get(j).map(|&i| &chunk[i as usize].1) {
                if r.start > hi + SPAN_GAP || r.end.max(hi) - lo > SPAN_MAX {
                    break;
                }
                hi = hi.max(r.end);
                j += 1;
            }
            let at = used;
            if at + (hi - lo) > CHUNK_TEXT {
                break;
            }
            if arena.len() < at + (hi - lo) {
                arena.resize(at + (hi - lo), 0);
            }
            if m.read_at(&mut arena[at..at + (hi - lo)], lo).is_ok() {
                for &i in &group[k..j] {
                    out[i as usize] = Some(Span { lo, at });
                }
                used += hi - lo;
            }
            k = j;
        }
    }
    out
}

/// What formatting a chunk needs, shared by the threads that format.
struct Formatter<'a> {
    job: &'a Job<'a>,
    sources: &'a [Source],
    names: Names<'a>,
    /// Written buffers, back to be filled again: fresh ones would each be new pages for the
    /// kernel to fault in and zero. The last one back is taken first: it is still in cache.
    spare: Mutex<Vec<Vec<u8>>>,
    /// Buffers `read_spans` reads into, kept at their size (not cleared: no zeroing again).
    arenas: Mutex<Vec<Vec<u8>>>,
    /// An estimate of the mapped bytes brought in since the last release: each record that
    /// lies away from the one before it in its source counts a fault-around's worth. A source
    /// read in order adds little per record; one read out of order adds much, and is released
    /// every few hundred records, so memory stays bounded either way.
    brought: std::sync::atomic::AtomicUsize,
}

impl Formatter<'_> {
    fn view(&self, s: usize) -> SourceView<'_> {
        // Made per record, not kept per source: a table of them was 16 bytes a source.
        SourceView { data: &self.sources[s].data, display_json: &self.job.display_json[s] }
    }

    fn account(&self, n: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        if self.brought.fetch_add(n, Relaxed) + n >= RELEASE_EVERY {
            self.brought.store(0, Relaxed);
            for src in self.sources {
                src.data.release(0..src.data.len());
            }
        }
    }

    /// Format a chunk whose first record has sequence number `first`, reading each source
    /// only up to `limits[s]`. Also returns the sources some record of which was read
    /// through the mapping (not by a read that came back whole): only those can hold bytes
    /// of a file cut meanwhile.
    fn chunk(&self, c: &[(usize, Record)], first: u64, limits: &[usize]) -> (Vec<Out>, Vec<usize>) {
        let (job, style, sources, names) = (self.job, self.job.style, self.sources, &self.names);
        // Room for the text and what is written around it (time, host, JSON keys): one
        // allocation rather than doublings that copy and fault. Long records are not
        // formatted here (see `Out::Long`).
        let need = c.iter().map(|(_, r)| r.text_len()).filter(|&n| n <= long::LONG).sum::<usize>()
            + c.len() * 96;
        let mut outs = Vec::new();
        let mut buf = self.spare.lock().unwrap().pop().unwrap_or_default();
        buf.reserve(need);
        // Per source: the region (of FAULT_AROUND bytes) of its last record, and the last
        // region read through the mapping.
        let mut last = vec![usize::MAX; sources.len()];
        let mut mapped = vec![usize::MAX; sources.len()];
        let mut touched = Vec::new();
        let mut text = Vec::new();
        let mut fresh = 0;
        let mut arena = self.arenas.lock().unwrap().pop().unwrap_or_default();
        let spans = read_spans(sources, c, limits, &job.window, &mut arena);
        for (i, (s, r)) in c.iter().enumerate() {
            let seq = first + i as u64;
            if i % 256 == 255 {
                self.account(std::mem::take(&mut fresh));
            }
            if r.end > limits[*s] || !job.window.keeps(r) {
                continue;
            }
            if r.text_len() > long::LONG {
                if !buf.is_empty() {
                    outs.push(Out::Bytes(std::mem::take(&mut buf)));
                }
                outs.push(Out::Long(*s, *r, seq));
                continue;
            }
            if let Some(sp) = spans[i] {
                let start = r.start - sp.lo + sp.at;
                let rebased = Record { start, end: start + (r.end - r.start), ..*r };
                let view = SourceView { data: &arena, ..self.view(*s) };
                write_record(&mut buf, style, &rebased, &view, names, seq);
                continue;
            }
            let (region, len) = (r.start / FAULT_AROUND, r.end - r.start.min(r.end));
            // A record away from its source's last one is read from the file (a source out
            // of order is read so throughout); the records near it after it, through the
            // mapping.
            if last[*s] != region {
                last[*s] = region;
                if read_text(&sources[*s].data, r, &mut text) {
                    let rebased = Record { start: 0, end: len, ..*r };
                    let view = SourceView { data: &text, ..self.view(*s) };
                    write_record(&mut buf, style, &rebased, &view, names, seq);
                    continue;
                }
            }
            if mapped[*s] != region {
                if mapped[*s] == usize::MAX {
                    touched.push(*s);
                }
                mapped[*s] = region;
                fresh += FAULT_AROUND + len;
            }
            write_record(&mut buf, style, r, &self.view(*s), names, seq);
        }
        self.account(fresh);
        self.arenas.lock().unwrap().push(arena);
        if !buf.is_empty() || outs.is_empty() {
            outs.push(Out::Bytes(buf));
        }
        (outs, touched)
    }

    /// Format a chunk, and again without the records past a cut if a file it read through
    /// the mapping was cut meanwhile: a mapped file cut while it is read reads as zeros past
    /// its new end. The check comes after formatting, so a cut during it is seen too. Only
    /// the sources read through the mapping are asked (an `fstat` each): a read that came
    /// back whole holds the file's bytes, and asking every source of every chunk would cost
    /// their number times the chunks'.
    fn checked(&self, c: &[(usize, Record)], first: u64, full: &[usize]) -> Vec<Out> {
        let (outs, touched) = self.chunk(c, first, full);
        let cut: Vec<(usize, usize)> =
            touched.into_iter().filter_map(|s| Some((s, self.sources[s].data.shrunk()?))).collect();
        if cut.is_empty() {
            return outs;
        }
        self.give_back(outs);
        let mut limits = full.to_vec();
        for &(s, len) in &cut {
            limits[s] = len;
        }
        let (outs, _) = self.chunk(c, first, &limits);
        for (s, len) in cut {
            let lost = c.iter().filter(|(i, r)| *i == s && r.end > len).count();
            self.sources[s].report_shrink(len, lost);
        }
        outs
    }

    fn give_back(&self, outs: Vec<Out>) {
        let mut spare = self.spare.lock().unwrap();
        for o in outs {
            if let Out::Bytes(mut b) = o {
                b.clear();
                spare.push(b);
            }
        }
    }
}

/// A batch of records in order, shared by the tasks that format its chunks; it goes back to
/// the merge to be refilled when the last of them is done.
struct Lease {
    batch: Vec<(usize, Record)>,
    back: std::sync::mpsc::Sender<Vec<(usize, Record)>>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let _ = self.back.send(std::mem::take(&mut self.batch));
    }
}

/// A chunk to format: records `range` of a batch, the first with sequence number `first`;
/// its output goes to `done`.
struct Task {
    lease: Arc<Lease>,
    range: std::ops::Range<usize>,
    first: u64,
    done: SyncSender<Vec<Out>>,
}

/// Write records in the order `order` gives them. Three stages run side by side: the merge
/// fills a batch; workers format its chunks, one a task, and go on to the next batch's
/// without waiting for the slowest chunk of this one; the writer writes each chunk as soon
/// as it and those before it are done, so its buffer comes back to be filled again while
/// still in cache.
pub fn write_ordered(
    job: &Job,
    sources: &[Source],
    mut order: impl Ordered,
    out: &mut (dyn Write + Send),
) -> std::io::Result<()> {
    let style = job.style;
    if let Some(v) = &style.view {
        v.widen(job.hosts);
    }
    let full: Vec<usize> = sources.iter().map(|s| s.data.len()).collect();
    // A batch is cut into chunks formatted in parallel: both are bounded in records and in
    // bytes of text, so that long records do not make them large.
    const BATCH: usize = 1 << 15;
    const BATCH_TEXT: usize = 8 << 20;
    const CHUNK: usize = 4096;
    const CHUNK_TEXT: usize = 1 << 20;
    let fmt = Formatter {
        job,
        sources,
        names: Names { hosts: job.hosts, formats: job.formats },
        spare: Mutex::new(Vec::new()),
        arenas: Mutex::new(Vec::new()),
        brought: std::sync::atomic::AtomicUsize::new(0),
    };
    std::thread::scope(|scope| {
        // A batch's chunks, each a receiver of its output, in order. The writer is at most
        // two batches behind: that bounds the batches in flight, and so the memory.
        let (tx, rx) = sync_channel::<Vec<Receiver<Vec<Out>>>>(2);
        let fmt = &fmt;
        let writer = scope.spawn(move || -> std::io::Result<()> {
            for chunk in rx.into_iter().flatten() {
                // No output: the formatting stopped (it panicked, and says so).
                let Ok(outs) = chunk.recv() else { break };
                for o in outs {
                    match o {
                        Out::Bytes(mut b) => {
                            out.write_all(&b)?;
                            b.clear();
                            fmt.spare.lock().unwrap().push(b);
                        }
                        Out::Long(s, r, seq) => {
                            write_long(out, style, &r, &sources[s], &fmt.view(s), &fmt.names, seq)?
                        }
                    }
                }
            }
            out.flush()
        });
        // The workers: as many as `--threads` allows. Each holds the queue's receiver, so
        // that were they all gone (a panic), a send fails instead of waiting for ever.
        let (task_tx, task_rx) = sync_channel::<Task>(64);
        let task_rx = Arc::new(Mutex::new(task_rx));
        let workers: Vec<_> = (0..rayon::current_num_threads().max(1))
            .map(|_| {
                let (task_rx, full) = (Arc::clone(&task_rx), &full);
                scope.spawn(move || loop {
                    let task = task_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok(t) = task else { break };
                    let outs = fmt.checked(&t.lease.batch[t.range], t.first, full);
                    // A writer that stopped takes nothing more.
                    let _ = t.done.send(outs);
                })
            })
            .collect();
        drop(task_rx);
        // The merge runs in a thread of its own, ahead of the formatting; batches go back to
        // it to be refilled.
        let (batch_tx, batch_rx) = sync_channel::<Vec<(usize, Record)>>(1);
        let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<(usize, Record)>>();
        scope.spawn(move || {
            // The first batch is a small one: the formatting waits for it with nothing to do.
            let mut max = CHUNK;
            loop {
                let mut batch = free_rx.try_recv().unwrap_or_else(|_| Vec::with_capacity(BATCH));
                batch.clear();
                order.fill(&mut batch, max, BATCH_TEXT);
                if batch.is_empty() {
                    break;
                }
                max = BATCH;
                if batch_tx.send(batch).is_err() {
                    break; // the output stopped
                }
            }
        });
        'batches: for batch in batch_rx {
            // Chunks of at most `CHUNK` records and about `CHUNK_TEXT` bytes of text.
            let mut cuts = vec![0];
            let mut text = 0;
            for (i, (_, r)) in batch.iter().enumerate() {
                if i - cuts[cuts.len() - 1] == CHUNK || text >= CHUNK_TEXT {
                    cuts.push(i);
                    text = 0;
                }
                text += r.text_len();
            }
            cuts.push(batch.len());
            let base =
                job.written.fetch_add(batch.len() as u64, std::sync::atomic::Ordering::Relaxed);
            let (done, pending): (Vec<_>, Vec<_>) =
                cuts.windows(2).map(|_| sync_channel::<Vec<Out>>(1)).unzip();
            if tx.send(pending).is_err() {
                break; // the writer stopped on an error: it is reported below
            }
            let lease = Arc::new(Lease { batch, back: free_tx.clone() });
            for (w, done) in cuts.windows(2).zip(done) {
                let range = w[0]..w[1];
                let first = base + w[0] as u64;
                if task_tx.send(Task { lease: Arc::clone(&lease), range, first, done }).is_err() {
                    break 'batches; // the workers are gone (a panic, raised below)
                }
            }
        }
        drop((tx, task_tx));
        for w in workers {
            if let Err(p) = w.join() {
                std::panic::resume_unwind(p);
            }
        }
        match writer.join().expect("the writer thread does not panic") {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            r => r,
        }
    })
}
