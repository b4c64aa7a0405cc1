//! The commands: read sources, parse them into records, correct, order and write.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{bail, Context as _, Result};
use rayon::prelude::*;

use crate::correct::Corrector;
use crate::diag;
use crate::format::Registry;
use crate::input;
use crate::output::{self, Names, OutputFormat, SourceView};
use crate::records::{Record, NO_TIME};
use crate::time::zone::Tz;
use crate::time::{rfc3339, Civil, Nanos};
use crate::window::{gather_year_plan, Source, SourceParser};

/// An error in what was asked (an option's value, a format definition): exit status 2.
#[derive(Debug)]
pub struct Usage(pub anyhow::Error);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for Usage {}

/// Options of `merge` and `normalize` (SPEC "Options of merge and normalize").
pub struct Options {
    pub paths: Vec<String>,
    pub output_format: OutputFormat,
    pub output: Option<PathBuf>,
    pub tz: Tz,
    pub host_tz: Vec<(String, Tz)>,
    pub year: Option<i32>,
    pub offsets: Vec<String>,
    pub skew: Vec<String>,
    pub input_format: Option<String>,
    pub host: Option<String>,
    pub formats: Vec<PathBuf>,
    pub since: Option<Nanos>,
    pub until: Option<Nanos>,
    /// Boot times for boot-relative stamps: per host, or (None) for every host.
    pub boot_time: Vec<(Option<String>, Nanos)>,
    pub progress: bool,
    pub quiet: bool,
}

/// Host names, interned: records refer to them by index.
#[derive(Default)]
pub struct Hosts {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Hosts {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// Everything a run shares across sources.
pub struct Context<'a> {
    pub opts: &'a Options,
    pub reg: &'a Registry,
    pub forced: Option<u16>,
    pub hosts: Mutex<Hosts>,
    pub corrector: Corrector,
    /// Per format: what grouping and resolution need to know of it.
    pub traits: Vec<crate::records::Traits>,
    pub progress: Option<indicatif::ProgressBar>,
}

impl<'a> Context<'a> {
    pub fn new(opts: &'a Options, reg: &'a Registry) -> Result<Context<'a>> {
        let corrector = Corrector::load(&opts.offsets, &opts.skew)?;
        Self::with_corrector(opts, reg, corrector)
    }

    /// `new` with the corrector already loaded (see `load`).
    pub fn with_corrector(
        opts: &'a Options,
        reg: &'a Registry,
        corrector: Corrector,
    ) -> Result<Context<'a>> {
        let forced = match &opts.input_format {
            Some(n) => Some(reg.by_name(n).with_context(|| {
                format!("--input-format {n}: no such format; `deskew formats` lists them")
            })?),
            None => None,
        };
        let traits = reg
            .formats
            .iter()
            .map(|f| crate::records::Traits { multiline: f.def.multiline, utc: f.def.utc })
            .collect();
        let hosts = Mutex::new(Hosts::default());
        Ok(Context { opts, reg, forced, hosts, corrector, traits, progress: None })
    }

    /// The boot time for a host's boot-relative stamps: its own, else the one for all.
    pub fn boot_time_for(&self, host: &str) -> Option<Nanos> {
        let own = self
            .opts
            .boot_time
            .iter()
            .find(|(h, _)| h.as_deref().is_some_and(|h| crate::skew::host_matches(host, h)));
        own.or_else(|| self.opts.boot_time.iter().find(|(h, _)| h.is_none())).map(|(_, t)| *t)
    }

    pub fn tz_for(&self, host: &str) -> Tz {
        for (h, tz) in &self.opts.host_tz {
            if crate::skew::host_matches(host, h) {
                return tz.clone();
            }
        }
        self.opts.tz.clone()
    }
}

/// The formats and the offset models, read side by side (each takes a few milliseconds
/// before any source can be parsed).
fn load(opts: &Options) -> Result<(Registry, Corrector)> {
    let (reg, corrector) = rayon::join(
        || Registry::load(&opts.formats),
        || Corrector::load(&opts.offsets, &opts.skew),
    );
    Ok((reg.map_err(|e| Usage(e.into()))?, corrector.map_err(Usage)?))
}

fn json_string(s: &str) -> String {
    let mut b = Vec::new();
    output::json_escape(&mut b, s.as_bytes());
    String::from_utf8(b).unwrap_or_default()
}

/// Bytes of a source parsed at a time: a source up to this size is one window.
const WINDOW: usize = 8 << 20;
/// Bytes of parsed records `merge` holds in memory; past that they spill to temporary files.
const BUDGET: usize = 64 << 20;
/// Mapped bytes the output may bring into memory before they are dropped again.
const RELEASE_EVERY: usize = 32 << 20;
/// How much a read of one mapped page brings in: the kernel maps the cached pages around it
/// too ("fault-around", 64 KiB by default).
const FAULT_AROUND: usize = 64 << 10;

/// A size in bytes from the environment (for tests: tiny windows, a tiny budget).
fn env_bytes(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// The window size: `DESKEW_WINDOW` (bytes) if set, else `WINDOW`.
fn window_size() -> usize {
    env_bytes("DESKEW_WINDOW").unwrap_or(WINDOW).max(1)
}

/// Find and open every source, in parallel, in command-line order.
fn open_all(cx: &mut Context) -> Vec<Source> {
    let mut errors = Vec::new();
    let specs = input::discover(&cx.opts.paths, &mut errors);
    for e in errors {
        diag::error(e);
    }
    let opened: Vec<Option<Source>> = specs
        .into_par_iter()
        .map(|spec| match input::open(&spec) {
            Ok(o) => {
                for w in &o.warnings {
                    diag::error(w);
                }
                let display_json = json_string(&spec.display);
                Some(Source::new(spec, o.data, o.mtime, display_json))
            }
            Err(e) => {
                diag::error(e);
                None
            }
        })
        .collect();
    let sources: Vec<Source> = opened.into_iter().flatten().collect();
    let total: u64 = sources.iter().map(|s| s.data.len() as u64).sum();
    if cx.opts.progress && std::io::stderr().is_terminal() && total > 64 << 20 {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        cx.progress = Some(b);
    }
    sources
}

/// Windowed reading: the compressed year-less stamps of each source that needs them (one
/// that is longer than a window and whose stamps lack a year).
fn year_plans(cx: &Context, sources: &[Source], window: usize) -> Vec<Option<Vec<Civil>>> {
    sources
        .par_iter()
        .map(|src| {
            if src.data.len() <= window || cx.opts.year.is_some() {
                return None;
            }
            let p = SourceParser::new(cx, src, window, false, None);
            p.needs_year_plan().then(|| gather_year_plan(cx, src, window))
        })
        .collect()
}

/// The buffer in front of the output: `write_ordered` hands it formatted chunks of about half
/// a megabyte, which a smaller buffer passes straight through to the file instead of copying.
const OUT_BUFFER: usize = 64 << 10;

fn open_output(opts: &Options) -> Result<Box<dyn Write + Send>> {
    Ok(match &opts.output {
        Some(p) => Box::new(
            std::fs::File::create(p)
                .with_context(|| format!("{}: cannot create the output file", p.display()))?,
        ),
        None => Box::new(std::io::stdout()),
    })
}

/// Whether `--since`/`--until` keep the record (a window drops records without a time).
pub fn in_window(opts: &Options, r: &Record) -> bool {
    if opts.since.is_none() && opts.until.is_none() {
        return true;
    }
    if r.key == NO_TIME {
        return false;
    }
    opts.since.is_none_or(|s| r.key >= s) && opts.until.is_none_or(|u| r.key < u)
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
    opts: &Options,
    arena: &mut Vec<u8>,
) -> Vec<Option<Span>> {
    let usable = |(s, r): &(usize, Record)| {
        r.end <= limits[*s]
            && r.end > r.start
            && r.end - r.start <= SPAN_MAX
            && matches!(sources[*s].data, input::Data::Mapped(_))
            && in_window(opts, r)
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

/// Records in output order, with their sources, taken a batch at a time.
pub trait Ordered: Send {
    /// Append the next records to `batch` until it holds `max` records or `max_text` bytes of
    /// their text, or none are left (nothing appended: the end).
    fn fill(&mut self, batch: &mut Vec<(usize, Record)>, max: usize, max_text: usize);
}

/// The records of one source, already in order (`normalize`).
struct InOrder {
    source: usize,
    records: std::vec::IntoIter<Record>,
}

impl Ordered for InOrder {
    fn fill(&mut self, batch: &mut Vec<(usize, Record)>, max: usize, max_text: usize) {
        let mut text = 0;
        while batch.len() < max && text < max_text {
            let Some(r) = self.records.next() else { return };
            text += r.text_len();
            batch.push((self.source, r));
        }
    }
}

/// Write records in the order `order` gives them: batches are formatted in parallel while
/// a writer thread writes the batch before, so formatting and output overlap.
fn write_ordered(
    cx: &Context,
    sources: &[Source],
    mut order: impl Ordered,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    let hosts = cx.hosts.lock().unwrap().names().to_vec();
    let formats: Vec<String> = cx.reg.formats.iter().map(|f| f.name().to_string()).collect();
    let names = Names { hosts: &hosts, formats: &formats };
    let views: Vec<SourceView> = sources
        .iter()
        .map(|p| SourceView { data: &p.data, display_json: &p.display_json })
        .collect();
    let fmt = cx.opts.output_format;
    let full: Vec<usize> = sources.iter().map(|s| s.data.len()).collect();
    // An estimate of the mapped bytes brought in since the last release: each record that
    // lies away from the one before it in its source counts a fault-around's worth. A source
    // read in order adds little per record; one read out of order adds much, and is released
    // every few hundred records, so memory stays bounded either way.
    let brought = std::sync::atomic::AtomicUsize::new(0);
    let account = |n: usize| {
        use std::sync::atomic::Ordering::Relaxed;
        if brought.fetch_add(n, Relaxed) + n >= RELEASE_EVERY {
            brought.store(0, Relaxed);
            for src in sources {
                crate::window::release(&src.data, 0..src.data.len());
            }
        }
    };
    // A batch is formatted in chunks in parallel, and all of its output is handed to the
    // writer at once: both are bounded in records and in bytes of text, so that long records
    // do not make them large.
    const BATCH: usize = 1 << 15;
    const BATCH_TEXT: usize = 8 << 20;
    const CHUNK: usize = 4096;
    const CHUNK_TEXT: usize = 1 << 20;
    let spare: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    // Buffers `read_spans` reads into, kept at their size (not cleared: no zeroing again).
    let arenas: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(2);
        // Written buffers come back to be filled again: fresh ones would each be new pages
        // for the kernel to fault in and zero.
        let spare = &spare;
        let writer = scope.spawn(move || -> std::io::Result<()> {
            for bufs in rx {
                for mut b in bufs {
                    out.write_all(&b)?;
                    b.clear();
                    spare.lock().unwrap().push(b);
                }
            }
            out.flush()
        });
        // The merge runs in a thread of its own, a batch ahead of the formatting; batches
        // go back to it to be refilled.
        let (batch_tx, batch_rx) = std::sync::mpsc::sync_channel::<Vec<(usize, Record)>>(1);
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
        for batch in batch_rx {
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
            let format_batch = |limits: &[usize]| -> Vec<Vec<u8>> {
                cuts.par_windows(2)
                    .map(|w| &batch[w[0]..w[1]])
                    .map(|c| {
                        // Room for the text and what is written around it (time, host, JSON
                        // keys): one allocation rather than doublings that copy and fault.
                        let need =
                            c.iter().map(|(_, r)| r.text_len()).sum::<usize>() + c.len() * 96;
                        let mut buf = spare.lock().unwrap().pop().unwrap_or_default();
                        buf.reserve(need);
                        // Per source: the region (of FAULT_AROUND bytes) of its last record,
                        // and the last region read through the mapping.
                        let mut last = vec![usize::MAX; sources.len()];
                        let mut mapped = vec![usize::MAX; sources.len()];
                        let mut text = Vec::new();
                        let mut fresh = 0;
                        let mut arena = arenas.lock().unwrap().pop().unwrap_or_default();
                        let spans = read_spans(sources, c, limits, cx.opts, &mut arena);
                        for (i, (s, r)) in c.iter().enumerate() {
                            if i % 256 == 255 {
                                account(std::mem::take(&mut fresh));
                            }
                            if r.end > limits[*s] || !in_window(cx.opts, r) {
                                continue;
                            }
                            if let Some(sp) = spans[i] {
                                let start = r.start - sp.lo + sp.at;
                                let rebased =
                                    Record { start, end: start + (r.end - r.start), ..*r };
                                let view = SourceView { data: &arena, ..views[*s] };
                                output::write_record(&mut buf, fmt, &rebased, &view, &names);
                                continue;
                            }
                            let (region, len) =
                                (r.start / FAULT_AROUND, r.end - r.start.min(r.end));
                            // A record away from its source's last one is read from the file
                            // (a source out of order is read so throughout); the records near
                            // it after it, through the mapping.
                            if last[*s] != region {
                                last[*s] = region;
                                if read_text(&sources[*s].data, r, &mut text) {
                                    let rebased = Record { start: 0, end: len, ..*r };
                                    let view = SourceView { data: &text, ..views[*s] };
                                    output::write_record(&mut buf, fmt, &rebased, &view, &names);
                                    continue;
                                }
                            }
                            if mapped[*s] != region {
                                mapped[*s] = region;
                                fresh += FAULT_AROUND + len;
                            }
                            output::write_record(&mut buf, fmt, r, &views[*s], &names);
                        }
                        account(fresh);
                        arenas.lock().unwrap().push(arena);
                        buf
                    })
                    .collect()
            };
            let mut bufs = format_batch(&full);
            // A mapped file cut while it was being written out reads as zeros past its new
            // end: look after formatting (so a cut during it is seen too) and redo the batch
            // without the records past the cut.
            let limits: Vec<usize> =
                sources.iter().map(|s| s.data.shrunk().unwrap_or(s.data.len())).collect();
            if limits != full {
                bufs = format_batch(&limits);
                for (i, src) in sources.iter().enumerate() {
                    let lost = batch.iter().filter(|(s, r)| *s == i && r.end > limits[i]).count();
                    if lost > 0 {
                        src.report_shrink(limits[i], lost);
                    }
                }
            }
            if tx.send(bufs).is_err() {
                break; // the writer stopped on an error: it is reported below
            }
            let _ = free_tx.send(batch);
        }
        drop(tx);
        match writer.join().expect("the writer thread does not panic") {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(e).context("cannot write the output"),
            Ok(()) => Ok(()),
        }
    })
}

/// `deskew merge`: one timeline of all sources, ordered by corrected time.
pub fn merge(opts: &Options) -> Result<()> {
    let (reg, corrector) = load(opts)?;
    let mut cx = Context::with_corrector(opts, &reg, corrector).map_err(Usage)?;
    let sources = open_all(&mut cx);
    let window = window_size();
    let budget = env_bytes("DESKEW_BUDGET").unwrap_or(BUDGET);
    let mut out = std::io::BufWriter::with_capacity(OUT_BUFFER, open_output(opts)?);
    let plans = year_plans(&cx, &sources, window);
    // Workers share the registry: formats run as direct parsers (format/direct.rs), so the
    // regexes, whose caches a lock shares between threads, are seldom run.
    let regs: Vec<&Registry> = match crate::runs::RunMerge::workers(&sources) {
        (n, true) => vec![&reg; n],
        (_, false) => Vec::new(),
    };
    let merge = crate::runs::RunMerge::new(&cx, &sources, window, &plans, budget, &regs);
    if let Some(b) = &cx.progress {
        b.finish_and_clear();
    }
    write_ordered(&cx, &sources, merge, &mut out)?;
    if !opts.quiet {
        cx.corrector.summarize();
    }
    Ok(())
}

/// A parser that reads one source in order, a window at a time (with the year-less stamps
/// of a source longer than a window planned in a pass of their own).
fn reader<'a>(cx: &'a Context<'a>, src: &'a Source) -> SourceParser<'a> {
    let window = window_size();
    let plan = year_plans(cx, std::slice::from_ref(src), window).pop().flatten();
    SourceParser::new(cx, src, window, true, plan.as_deref())
}

/// `deskew normalize`: the same records in input order. Stdin streams line by line; files
/// are read a window at a time.
pub fn normalize(opts: &Options) -> Result<()> {
    let (reg, corrector) = load(opts)?;
    let mut cx = Context::with_corrector(opts, &reg, corrector).map_err(Usage)?;
    if opts.paths.iter().all(|p| p == "-") {
        let mut out = open_output(opts)?;
        crate::stream::normalize_stdin(&cx, &mut out)?;
    } else {
        let sources = open_all(&mut cx);
        let mut out = std::io::BufWriter::with_capacity(OUT_BUFFER, open_output(opts)?);
        for (i, src) in sources.iter().enumerate() {
            let mut p = reader(&cx, src);
            let mut done = 0;
            while let Some(recs) = p.next_window() {
                if let (Some(b), Some(r)) = (&cx.progress, recs.last()) {
                    b.inc((r.end as u64).saturating_sub(done));
                    done = r.end as u64;
                }
                let order = InOrder { source: i, records: recs.into_iter() };
                write_ordered(&cx, &sources, order, &mut out)?;
            }
            p.finish(true);
        }
        if let Some(b) = &cx.progress {
            b.finish_and_clear();
        }
    }
    if !opts.quiet {
        cx.corrector.summarize();
    }
    Ok(())
}

/// `deskew detect`: per file, the format, the share of lines that parse, first and last time.
pub fn detect(opts: &Options, out: &mut dyn Write) -> Result<()> {
    let (reg, corrector) = load(opts)?;
    let mut cx = Context::with_corrector(opts, &reg, corrector).map_err(Usage)?;
    let sources = open_all(&mut cx);
    let w = sources.iter().map(|s| s.spec.display.len()).max().unwrap_or(6).clamp(6, 100);
    if opts.output_format == OutputFormat::Text {
        writeln!(
            out,
            "{:<w$} {:<18} {:>7} {:>9}  first .. last",
            "source", "format", "lines", "parsed"
        )?;
    }
    for src in &sources {
        let mut counts: HashMap<u16, u64> = HashMap::new();
        let mut timed_lines = 0u64;
        let mut n_records = 0usize;
        let (mut first, mut last) = (None, None);
        let mut p = reader(&cx, src);
        while let Some(recs) = p.next_window() {
            n_records += recs.len();
            for r in recs.iter().filter(|r| r.has_time()) {
                *counts.entry(r.format).or_default() += 1;
                timed_lines +=
                    1 + memchr::memchr_iter(b'\n', &src.data[r.start..r.end]).count() as u64;
                first = Some(first.map_or(r.key, |f: Nanos| f.min(r.key)));
                last = Some(last.map_or(r.key, |l: Nanos| l.max(r.key)));
            }
        }
        let lines = p.finish(false);
        let fmt = counts
            .iter()
            .max_by_key(|(i, n)| (**n, std::cmp::Reverse(**i)))
            .map_or("-", |(i, _)| reg.name(*i));
        let share = if lines == 0 { 0.0 } else { timed_lines as f64 / lines as f64 };
        // What the definition-free finder learned from the same sample the parser used.
        let learned = crate::format::finder::Finder::learn(&src.data);
        let finder = learned.as_ref().map_or("no timestamp found".into(), |f| f.describe());
        let ts = |t: Option<Nanos>| {
            t.map_or("-".to_string(), |t| {
                let mut b = Vec::new();
                rfc3339::write(&mut b, t);
                String::from_utf8(b).unwrap_or_default()
            })
        };
        match opts.output_format {
            OutputFormat::Text => writeln!(
                out,
                "{:<w$} {:<18} {:>7} {:>8.1}%  {} .. {}",
                src.spec.display,
                fmt,
                lines,
                share * 100.0,
                ts(first),
                ts(last)
            )
            .and_then(|()| writeln!(out, "{:<w$}   finder: {finder}", ""))?,
            OutputFormat::Jsonl => writeln!(
                out,
                "{}",
                serde_json::json!({"source": src.spec.display, "format": fmt, "lines": lines,
                    "share": share, "first": first.map(|_| ts(first)), "last": last.map(|_| ts(last)),
                    "records": n_records, "finder": finder,
                    "finder_share": learned.as_ref().map(|f| f.share())})
            )?,
        }
    }
    Ok(())
}

/// `deskew formats`: every format with its title and an example line.
pub fn formats(dirs: &[PathBuf], out: &mut dyn Write) -> Result<()> {
    let reg = Registry::load(dirs).map_err(|e| Usage(e.into()))?;
    for f in &reg.formats {
        writeln!(out, "{:<20} {}", f.name(), f.def.title)?;
        if let Some(s) = f.def.samples.first() {
            writeln!(out, "{:<20} e.g. {}", "", s.line.trim_end())?;
        }
    }
    Ok(())
}

/// Parse `HOST=VALUE`.
pub fn split_host_arg(s: &str) -> Result<(String, String)> {
    match s.split_once('=') {
        Some((h, v)) if !h.is_empty() && !v.is_empty() => Ok((h.to_string(), v.to_string())),
        _ => bail!("{s:?}: expected HOST=VALUE"),
    }
}
