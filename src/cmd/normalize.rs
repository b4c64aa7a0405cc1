//! `deskew normalize`: the same records as `merge`, in input order. Files are read a window
//! at a time; stdin streams line by line, each record written as soon as it is complete.

use std::io::{self, Write};

use anyhow::Context as _;

use super::finish;
use super::{args::MergeArgs, checked, context, format_names, load, output, style, Failure};
use crate::output::long::LongWriter;
use crate::output::{self as out, display_json, write_ordered, Job, Names, SourceView};
use crate::pipeline::{open_all, reader, stdin};
use crate::record::{Listed, Record};

pub fn run(args: MergeArgs) -> Result<(), Failure> {
    let run = checked(args.check())?;
    if run.follow.is_some() {
        return Err(Failure::Usage(anyhow::anyhow!("--follow is an option of merge")));
    }
    let (reg, corrector) = load(&run)?;
    let mut cx = context(&run, &reg, corrector)?;
    if run.paths.iter().all(|p| p == "-") {
        let mut w = output(&run, false)?;
        let formats = format_names(&cx);
        let mut buf = Vec::with_capacity(1 << 16);
        let style = style(&run, &formats);
        let mut seq = 0u64;
        let mut pending: Option<Spooled> = None;
        // A record too long to hold (stdin::Event::Head) being written in pieces; `Some(None)`:
        // one that is not written (outside --since/--until, below --level).
        let mut long: Option<Option<LongWriter>> = None;
        let streams = out::long::streams_once(&style);
        // Written out whenever the input has nothing more at hand, so a pipe stays live.
        let mut sink = |e: stdin::Event| -> io::Result<bool> {
            match e {
                stdin::Event::Records(recs, text) | stdin::Event::Head(recs, text) => {
                    let head = matches!(e, stdin::Event::Head(..));
                    let hosts = cx.hosts.lock().unwrap();
                    let names = Names { hosts: hosts.names(), formats: &formats };
                    if let Some(v) = &style.view {
                        v.widen(names.hosts);
                    }
                    let view = SourceView { data: text, display_json: "-" };
                    let (whole, last) = match recs.split_last() {
                        Some((last, whole)) if head => (whole, Some(last)),
                        _ => (recs, None),
                    };
                    for r in whole.iter().filter(|r| run.settings.window.keeps(r)) {
                        out::write_record(&mut buf, &style, r, &view, &names, seq);
                        seq += 1;
                    }
                    if let Some(r) = last {
                        let keep = run.settings.window.keeps(r);
                        long = Some(if !keep {
                            None
                        } else if streams {
                            seq += 1;
                            let t = &text[r.start..r.end];
                            LongWriter::begin(&mut buf, &style, r, t, "-", &names, seq - 1)
                        } else {
                            // A format that cannot be written in one pass: the rest of the
                            // text goes to a temporary file, and the record is written from
                            // there once complete.
                            pending = Some(Spooled::new(*r, &text[r.start..r.end], seq)?);
                            seq += 1;
                            None
                        });
                    }
                    if buf.len() <= 1 << 16 {
                        return Ok(false);
                    }
                }
                stdin::Event::More(piece) => {
                    if let Some(p) = &mut pending {
                        p.file.write_all(piece).map_err(spool_error)?;
                        p.len += piece.len();
                    } else if let Some(Some(w)) = &mut long {
                        w.feed(&mut buf, piece);
                    }
                    if buf.len() <= 1 << 16 {
                        return Ok(false);
                    }
                }
                stdin::Event::End => {
                    if let Some(Some(w)) = long.take() {
                        w.end(&mut buf);
                    }
                    if let Some(p) = pending.take() {
                        let hosts = cx.hosts.lock().unwrap();
                        let names = Names { hosts: hosts.names(), formats: &formats };
                        w.write_all(&buf)?;
                        buf.clear();
                        match p.write(&mut w, &style, &names) {
                            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(true),
                            r => r?,
                        }
                    }
                }
                stdin::Event::Idle => {}
            }
            let r = w.write_all(&buf).and_then(|_| w.flush());
            buf.clear();
            match r {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(true),
                r => r.map(|_| false),
            }
        };
        stdin::run(&cx, stdin::QUIET, &mut sink).map_err(sink_failure)?;
        finish(w)?;
    } else {
        let sources = open_all(&mut cx, &run.paths);
        super::some_sources(&run, &sources)?;
        let shown = display_json(&sources);
        let mut w = output(&run, false)?;
        let formats = format_names(&cx);
        let style = style(&run, &formats);
        let written = Default::default();
        // Each window is written with its own source alone in view, so that the work per
        // window does not grow with the number of sources (200k one-line files); small
        // sources are parsed whole and written a group at a time (a window's worth, at most
        // GROUP sources), so that each does not cost a round of the output engine.
        const GROUP: usize = 4096;
        let window = run.settings.window_bytes;
        let mut i = 0;
        while i < sources.len() {
            let mut j = i;
            let mut bytes = 0;
            while j < sources.len()
                && j - i < GROUP
                && sources[j].data.len() <= window
                && bytes + sources[j].data.len() <= window
            {
                bytes += sources[j].data.len();
                j += 1;
            }
            let write = |recs: Vec<(usize, Record)>,
                         range: std::ops::Range<usize>,
                         w: &mut (dyn io::Write + Send)|
             -> Result<(), Failure> {
                // The host table stays locked while the records are written: nothing parses
                // meanwhile, and copying its names each time would be quadratic too.
                let hosts = cx.hosts.lock().unwrap();
                let job = Job {
                    style: &style,
                    written: &written,
                    window: run.settings.window,
                    hosts: hosts.names(),
                    formats: &formats,
                    display_json: &shown[range.clone()],
                };
                write_ordered(&job, &sources[range], Listed(recs.into_iter()), w)
                    .context("cannot write the output")?;
                Ok(())
            };
            if j > i {
                let mut all = Vec::new();
                for (k, src) in sources[i..j].iter().enumerate() {
                    let mut p = reader(&cx, src);
                    while let Some(recs) = p.next_window() {
                        all.extend(recs.into_iter().map(|r| (k, r)));
                    }
                    p.finish(true);
                }
                if let Some(b) = &cx.progress {
                    b.inc(bytes as u64);
                }
                write(all, i..j, &mut w)?;
                i = j;
                continue;
            }
            let src = &sources[i];
            let mut p = reader(&cx, src);
            let mut done = 0;
            while let Some(recs) = p.next_window() {
                if let (Some(b), Some(r)) = (&cx.progress, recs.last()) {
                    b.inc((r.end as u64).saturating_sub(done));
                    done = r.end as u64;
                }
                write(recs.into_iter().map(|r| (0, r)).collect(), i..i + 1, &mut w)?;
            }
            p.finish(true);
            i += 1;
        }
        finish(w)?;
        if let Some(b) = &cx.progress {
            b.finish_and_clear();
        }
    }
    super::summarize(&run, &cx, &cx.corrector, &[]);
    Ok(())
}

/// A record from stdin too long to hold, in a format written in two passes over its text
/// (ECS, framed RFC 5424): its first bytes in memory, the rest in an unlinked file in
/// `TMPDIR` as it comes.
struct Spooled {
    rec: Record,
    head: Vec<u8>,
    file: std::fs::File,
    /// Bytes in `file`.
    len: usize,
    seq: u64,
}

/// TMPDIR could not take (or give back) the text of a long record from stdin. Carried
/// inside an `io::Error` through the sink, and told apart from a failed write after: the
/// output is not what failed, and the message must not send the user looking at it.
#[derive(Debug, thiserror::Error)]
#[error("cannot keep a long record from stdin in TMPDIR ({dir}): {cause}; set TMPDIR to a directory with room")]
struct SpoolError {
    dir: String,
    cause: String,
}

fn spool_error(e: io::Error) -> io::Error {
    let dir = crate::diag::path(std::env::temp_dir());
    io::Error::new(e.kind(), SpoolError { dir, cause: crate::input::cause(&e) })
}

/// A failure of the stdin sink: TMPDIR's own message, else a failed write of the output.
fn sink_failure(e: io::Error) -> anyhow::Error {
    if e.get_ref().is_some_and(|inner| inner.is::<SpoolError>()) {
        return e.into();
    }
    anyhow::Error::from(e).context("cannot write the output")
}

impl Spooled {
    fn new(rec: Record, head: &[u8], seq: u64) -> io::Result<Spooled> {
        let file = tempfile::tempfile().map_err(spool_error)?;
        Ok(Spooled { rec, head: head.to_vec(), file, len: 0, seq })
    }

    /// Write the record by its plan, the text read back a block at a time.
    fn write(mut self, w: &mut dyn Write, style: &out::Style, names: &Names) -> io::Result<()> {
        use std::os::unix::fs::FileExt as _;
        self.file.flush()?;
        let parquet = style.format == out::OutputFormat::Parquet;
        let plan = out::long::plan(style, &self.rec, &self.head, "-", names, self.seq);
        if plan.is_none() && !parquet {
            return Ok(());
        }
        let (head, file) = (&self.head, &self.file);
        let mut failed = None;
        let mut read = |at: usize, b: &mut [u8]| {
            // A block may straddle the head and the file.
            let n = head.len().saturating_sub(at).min(b.len());
            b[..n].copy_from_slice(&head[at.min(head.len())..][..n]);
            let off = (at + n - head.len()) as u64;
            match file.read_exact_at(&mut b[n..], off) {
                Ok(()) => true,
                Err(e) => {
                    failed = Some(spool_error(e));
                    false
                }
            }
        };
        let len = self.head.len() + self.len;
        match plan {
            Some(plan) => out::long::write_pieces(w, &plan, len, out::long::LONG, &mut read)?,
            // Parquet: rows of a piece each.
            None => {
                let severity = style.severity(&self.rec, &self.head);
                if !style.keeps(severity) {
                    return Ok(());
                }
                let about = out::parquet::About::of(&self.rec, names, "-", severity);
                out::parquet::write_pieces(w, &self.rec, len, out::long::LONG, &about, &mut read)?
            }
        }
        failed.map_or(Ok(()), Err)
    }
}
