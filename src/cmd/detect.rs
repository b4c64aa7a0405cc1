//! `deskew detect`: per file, the format, the share of lines that parse, first and last time.

use std::collections::HashMap;
use std::io::Write;

use anyhow::Context as _;

use super::{args::MergeArgs, checked, context, load, output, Failure};
use crate::output::OutputFormat;
use crate::pipeline::{open_all, reader};
use crate::time::{rfc3339, Nanos};

pub fn run(args: MergeArgs) -> Result<(), Failure> {
    let run = checked(args.check())?;
    if run.format == OutputFormat::Parquet {
        return Err(Failure::Usage(anyhow::anyhow!(
            "detect: --output-format parquet is for merge and normalize; use text or jsonl"
        )));
    }
    if run.follow.is_some() {
        return Err(Failure::Usage(anyhow::anyhow!("--follow is an option of merge")));
    }
    let (reg, corrector) = load(&run)?;
    let mut cx = context(&run, &reg, corrector)?;
    let sources = open_all(&mut cx, &run.paths);
    super::some_sources(&run, &sources)?;
    let out = &mut output(&run, false)?;
    let w = sources.iter().map(|s| s.spec.display.len()).max().unwrap_or(6).clamp(6, 100);
    let write = |out: &mut dyn Write, s: std::fmt::Arguments| -> Result<(), Failure> {
        Ok(out
            .write_fmt(s)
            .and_then(|_| out.write_all(b"\n"))
            .context("cannot write the output")?)
    };
    if run.format == OutputFormat::Text {
        write(
            out,
            format_args!(
                "{:<w$} {:<18} {:>7} {:>9}  first .. last",
                "source", "format", "lines", "parsed"
            ),
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
        // What the definition-free finder learns from the file on its own (what
        // `--input-format generic` would use).
        let learned = crate::format::finder::Finder::learn(&src.data);
        let finder = learned.as_ref().map_or("no timestamp found".into(), |f| f.describe());
        let ts = |t: Option<Nanos>| {
            t.map_or("-".to_string(), |t| {
                let mut b = Vec::new();
                rfc3339::write(&mut b, t);
                String::from_utf8(b).unwrap_or_default()
            })
        };
        match run.format {
            OutputFormat::Text => write(
                out,
                format_args!(
                    "{:<w$} {:<18} {:>7} {:>8.1}%  {} .. {}",
                    src.spec.display,
                    fmt,
                    lines,
                    share * 100.0,
                    ts(first),
                    ts(last)
                ),
            )
            .and_then(|()| write(out, format_args!("{:<w$}   finder: {finder}", "")))?,
            _ => write(
                out,
                format_args!(
                    "{}",
                    serde_json::json!({"source": src.spec.display, "format": fmt, "lines": lines,
                        "share": share, "first": first.map(|_| ts(first)), "last": last.map(|_| ts(last)),
                        "records": n_records, "finder": finder,
                        "finder_share": learned.as_ref().map(|f| f.share())})
                ),
            )?,
        }
    }
    Ok(out.flush().context("cannot write the output")?)
}
