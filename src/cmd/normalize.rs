//! `deskew normalize`: the same records as `merge`, in input order. Files are read a window
//! at a time; stdin streams line by line, each record written as soon as it is complete.

use std::io::{self, Write};

use anyhow::Context as _;

use super::finish;
use super::{args::MergeArgs, checked, context, format_names, load, output, style, Failure};
use crate::output::{self as out, display_json, write_ordered, Job, Names, SourceView};
use crate::pipeline::{open_all, reader, stdin};
use crate::record::InOrder;

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
        // Written out whenever the input has nothing more at hand, so a pipe stays live.
        let mut sink = |e: stdin::Event| -> io::Result<bool> {
            match e {
                stdin::Event::Records(recs, text) => {
                    let hosts = cx.hosts.lock().unwrap();
                    let names = Names { hosts: hosts.names(), formats: &formats };
                    if let Some(v) = &style.view {
                        v.widen(names.hosts);
                    }
                    let view = SourceView { data: text, display_json: "-" };
                    for r in recs.iter().filter(|r| run.settings.window.keeps(r)) {
                        out::write_record(&mut buf, &style, r, &view, &names, seq);
                        seq += 1;
                    }
                    if buf.len() <= 1 << 16 {
                        return Ok(false);
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
        stdin::run(&cx, stdin::QUIET, &mut sink).context("cannot write the output")?;
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
        // window does not grow with the number of sources (200k one-line files).
        for (i, src) in sources.iter().enumerate() {
            let mut p = reader(&cx, src);
            let mut done = 0;
            while let Some(recs) = p.next_window() {
                if let (Some(b), Some(r)) = (&cx.progress, recs.last()) {
                    b.inc((r.end as u64).saturating_sub(done));
                    done = r.end as u64;
                }
                // The host table stays locked while the window is written: nothing parses
                // meanwhile, and copying its names each window would be quadratic too.
                let hosts = cx.hosts.lock().unwrap();
                let job = Job {
                    style: &style,
                    written: &written,
                    window: run.settings.window,
                    hosts: hosts.names(),
                    formats: &formats,
                    display_json: &shown[i..=i],
                };
                let order = InOrder { source: 0, records: recs.into_iter() };
                write_ordered(&job, &sources[i..=i], order, &mut w)
                    .context("cannot write the output")?;
            }
            p.finish(true);
        }
        finish(w)?;
        if let Some(b) = &cx.progress {
            b.finish_and_clear();
        }
    }
    super::summarize(&run, &cx, &cx.corrector, &[]);
    Ok(())
}
