//! The commands: read sources, parse them into records, correct, order and write.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{bail, Context as _, Result};
use rayon::prelude::*;

use crate::correct::Corrector;
use crate::diag;
use crate::format::detect::Matcher;
use crate::format::Registry;
use crate::input::{self, SourceSpec};
use crate::output::{self, Names, OutputFormat, SourceView};
use crate::records::{self, Record, NO_TIME};
use crate::time::resolve::{Resolver, Unresolved, YearRule};
use crate::time::zone::Tz;
use crate::time::{rfc3339, Nanos};

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
    pub boot_time: Option<Nanos>,
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

/// One source after parsing.
pub struct Parsed {
    pub spec: SourceSpec,
    pub data: input::Data,
    pub records: Vec<Record>,
    pub lines: u64,
    pub display_json: String,
}

/// Everything a run shares across sources.
pub struct Context<'a> {
    pub opts: &'a Options,
    pub reg: &'a Registry,
    pub forced: Option<u16>,
    pub hosts: Mutex<Hosts>,
    pub corrector: Corrector,
    /// Per format: whether untimed lines belong to the record above.
    pub multiline: Vec<bool>,
}

impl<'a> Context<'a> {
    pub fn new(opts: &'a Options, reg: &'a Registry) -> Result<Context<'a>> {
        let forced = match &opts.input_format {
            Some(n) => Some(reg.by_name(n).with_context(|| {
                format!("--input-format {n}: no such format; `deskew formats` lists them")
            })?),
            None => None,
        };
        let corrector = Corrector::load(&opts.offsets, &opts.skew)?;
        let multiline = reg.formats.iter().map(|f| f.def.multiline).collect();
        let hosts = Mutex::new(Hosts::default());
        Ok(Context { opts, reg, forced, hosts, corrector, multiline })
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

fn json_string(s: &str) -> String {
    let mut b = Vec::new();
    output::json_escape(&mut b, s.as_bytes());
    String::from_utf8(b).unwrap_or_default()
}

/// Parse one opened source into records: detect, scan in parallel, group, resolve, correct.
fn parse_source(cx: &Context, spec: SourceSpec, opened: input::Opened) -> Parsed {
    let data = opened.data;
    for w in &opened.warnings {
        diag::error(w);
    }
    let bytes: &[u8] = &data;
    let matcher = Matcher::detect(cx.reg, bytes, cx.forced);
    let (lines, hits) = records::scan(bytes, &matcher);
    if let Some(line) = records::first_bad_utf8(bytes) {
        diag::error(format!(
            "{}:{line}: invalid UTF-8 (kept; shown as U+FFFD in JSON output)",
            spec.display
        ));
    }
    let default_name = cx.opts.host.clone().unwrap_or_else(|| spec.host.clone());
    // The zone: that of the source's host, else of the first host its lines name.
    let first_captured = hits.iter().find_map(|h| match h.hit {
        crate::format::Hit::Stamp { host: Some((a, b)), .. } => Some(
            String::from_utf8_lossy(&bytes[h.start + a as usize..h.start + b as usize])
                .into_owned(),
        ),
        _ => None,
    });
    let mut tz = cx.tz_for(&default_name);
    if tz == cx.opts.tz {
        if let Some(h) = &first_captured {
            tz = cx.tz_for(h);
        }
    }
    let year = match (cx.opts.year, spec.is_stdin) {
        (Some(y), _) => YearRule::Fixed(y),
        (None, false) => YearRule::NotAfter(opened.mtime.map_or_else(now, system_nanos)),
        (None, true) => YearRule::NotAfter(now()),
    };
    let mut resolver = Resolver::new(tz, year);
    resolver.set_boot_time(cx.opts.boot_time);
    let (mut recs, problems) = {
        let mut hosts = cx.hosts.lock().unwrap();
        let default_host = hosts.intern(&default_name);
        let mut last: Option<(Vec<u8>, u32)> = None;
        records::build(bytes, &hits, &mut resolver, &cx.multiline, default_host, |name| {
            if let Some((n, i)) = &last {
                if n == name {
                    return *i;
                }
            }
            let i = hosts.intern(&String::from_utf8_lossy(name));
            last = Some((name.to_vec(), i));
            i
        })
    };
    report_problems(&spec.display, &problems);
    if let Some(abbr) = resolver.ambiguity() {
        diag::note(format!(
            "{}: zone abbreviation {abbr} is ambiguous; read by its most common meaning (pass --tz with the region to settle it)",
            spec.display
        ));
    }
    if let Some(len) = data.shrunk() {
        let before = recs.len();
        recs.retain(|r| r.end <= len);
        diag::error(format!(
            "{}: the file shrank to {len} bytes while it was read; {} records after that point dropped",
            spec.display,
            before - recs.len()
        ));
    }
    let host_names = cx.hosts.lock().unwrap().names().to_vec();
    cx.corrector.apply(&mut recs, &host_names);
    records::fill_keys(&mut recs);
    let display_json = json_string(&spec.display);
    Parsed { spec, data, records: recs, lines, display_json }
}

fn report_problems(display: &str, problems: &[records::Problem]) {
    const SHOWN: usize = 3;
    for p in problems.iter().take(SHOWN) {
        let records::Problem::Unresolved(line, why) = p;
        let what = match why {
            Unresolved::NoDate => {
                "a time of day with no date (no header states one); kept without a time"
            }
            Unresolved::Invalid => "a timestamp that names no real instant; kept without a time",
            Unresolved::Relative(_) => "a time since boot; pass --boot-time to place it",
        };
        diag::error(format!("{display}:{line}: {what}"));
    }
    if problems.len() > SHOWN {
        diag::error(format!("{display}: {} more lines like these", problems.len() - SHOWN));
    }
}

fn now() -> Nanos {
    system_nanos(std::time::SystemTime::now())
}

fn system_nanos(t: std::time::SystemTime) -> Nanos {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as Nanos,
        Err(e) => -(e.duration().as_nanos() as Nanos),
    }
}

/// Find, open and parse every source, in parallel.
fn parse_all(cx: &Context) -> Vec<Parsed> {
    let mut errors = Vec::new();
    let specs = input::discover(&cx.opts.paths, &mut errors);
    for e in errors {
        diag::error(e);
    }
    let total: u64 =
        specs.iter().filter_map(|s| std::fs::metadata(&s.path).ok()).map(|m| m.len()).sum();
    let bar =
        (cx.opts.progress && std::io::stderr().is_terminal() && total > 64 << 20).then(|| {
            let b = indicatif::ProgressBar::new(total);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
    let parsed: Vec<Option<Parsed>> = specs
        .into_par_iter()
        .map(|spec| {
            let size = std::fs::metadata(&spec.path).map(|m| m.len()).unwrap_or(0);
            let opened = input::open(&spec).map_err(|e| e.to_string());
            let out = match opened {
                Ok(o) => Some(parse_source(cx, spec, o)),
                Err(e) => {
                    diag::error(e);
                    None
                }
            };
            if let Some(b) = &bar {
                b.inc(size);
            }
            out
        })
        .collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    parsed.into_iter().flatten().collect()
}

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

/// Write records given as (source, record) pairs, formatting batches in parallel.
fn write_ordered(
    cx: &Context,
    parsed: &[Parsed],
    order: impl Iterator<Item = (usize, usize)>,
    out: &mut dyn Write,
) -> Result<()> {
    let hosts = cx.hosts.lock().unwrap().names().to_vec();
    let formats: Vec<String> = cx.reg.formats.iter().map(|f| f.name().to_string()).collect();
    let names = Names { hosts: &hosts, formats: &formats };
    let views: Vec<SourceView> = parsed
        .iter()
        .map(|p| SourceView { data: &p.data, display_json: &p.display_json })
        .collect();
    let fmt = cx.opts.output_format;
    const BATCH: usize = 1 << 16;
    let mut batch = Vec::with_capacity(BATCH);
    let mut order = order.peekable();
    while order.peek().is_some() {
        batch.clear();
        batch.extend(order.by_ref().take(BATCH));
        let bufs: Vec<Vec<u8>> = batch
            .par_chunks(4096)
            .map(|c| {
                let mut buf = Vec::with_capacity(c.len() * 160);
                for &(s, i) in c {
                    let r = &parsed[s].records[i];
                    if in_window(cx.opts, r) {
                        output::write_record(&mut buf, fmt, r, &views[s], &names);
                    }
                }
                buf
            })
            .collect();
        for b in bufs {
            if let Err(e) = out.write_all(&b) {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    return Ok(());
                }
                return Err(e).context("cannot write the output");
            }
        }
    }
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write the output")
        }
        _ => Ok(()),
    }
}

/// `deskew merge`: one timeline of all sources, ordered by corrected time.
pub fn merge(opts: &Options) -> Result<()> {
    let reg = Registry::load(&opts.formats)?;
    let cx = Context::new(opts, &reg)?;
    let mut parsed = parse_all(&cx);
    parsed.par_iter_mut().for_each(|p| {
        crate::merge::order_source(&mut p.records);
    });
    let lists: Vec<Vec<Record>> =
        parsed.iter_mut().map(|p| std::mem::take(&mut p.records)).collect();
    let order: Vec<(usize, usize)> = crate::merge::Merge::new(&lists).collect();
    for (p, l) in parsed.iter_mut().zip(lists) {
        p.records = l;
    }
    let mut out = std::io::BufWriter::with_capacity(1 << 20, open_output(opts)?);
    write_ordered(&cx, &parsed, order.into_iter(), &mut out)?;
    if !opts.quiet {
        cx.corrector.summarize();
    }
    Ok(())
}

/// `deskew normalize`: the same records in input order. Stdin streams line by line.
pub fn normalize(opts: &Options) -> Result<()> {
    let reg = Registry::load(&opts.formats)?;
    let cx = Context::new(opts, &reg)?;
    let stdin_only = opts.paths.iter().all(|p| p == "-");
    if stdin_only {
        let mut out = open_output(opts)?;
        crate::stream::normalize_stdin(&cx, &mut out)?;
    } else {
        let parsed = parse_all(&cx);
        let order =
            parsed.iter().enumerate().flat_map(|(s, p)| (0..p.records.len()).map(move |i| (s, i)));
        let mut out = std::io::BufWriter::with_capacity(1 << 20, open_output(opts)?);
        write_ordered(&cx, &parsed, order, &mut out)?;
    }
    if !opts.quiet {
        cx.corrector.summarize();
    }
    Ok(())
}

/// `deskew detect`: per file, the format, the share of lines that parse, first and last time.
pub fn detect(opts: &Options, out: &mut dyn Write) -> Result<()> {
    let reg = Registry::load(&opts.formats)?;
    let cx = Context::new(opts, &reg)?;
    let parsed = parse_all(&cx);
    if opts.output_format == OutputFormat::Text {
        writeln!(
            out,
            "{:<40} {:<18} {:>7} {:>9}  first .. last",
            "source", "format", "lines", "parsed"
        )?;
    }
    for p in &parsed {
        let mut counts: HashMap<u16, u64> = HashMap::new();
        let mut timed_lines = 0u64;
        let (mut first, mut last) = (None, None);
        for r in &p.records {
            if r.has_time() {
                *counts.entry(r.format).or_default() += 1;
                timed_lines +=
                    1 + p.data[r.start..r.end].iter().filter(|&&b| b == b'\n').count() as u64;
                first = Some(first.map_or(r.ts, |f: Nanos| f.min(r.ts)));
                last = Some(last.map_or(r.ts, |l: Nanos| l.max(r.ts)));
            }
        }
        let fmt = counts
            .iter()
            .max_by_key(|(i, n)| (**n, std::cmp::Reverse(**i)))
            .map_or("-", |(i, _)| reg.name(*i));
        let share = if p.lines == 0 { 0.0 } else { timed_lines as f64 / p.lines as f64 };
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
                "{:<40} {:<18} {:>7} {:>8.1}%  {} .. {}",
                p.spec.display,
                fmt,
                p.lines,
                share * 100.0,
                ts(first),
                ts(last)
            )?,
            OutputFormat::Jsonl => writeln!(
                out,
                "{}",
                serde_json::json!({"source": p.spec.display, "format": fmt, "lines": p.lines,
                    "share": share, "first": first.map(|_| ts(first)), "last": last.map(|_| ts(last)),
                    "records": p.records.len()})
            )?,
        }
    }
    Ok(())
}

/// `deskew formats`: every format with its title and an example line.
pub fn formats(dirs: &[PathBuf], out: &mut dyn Write) -> Result<()> {
    let reg = Registry::load(dirs)?;
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
