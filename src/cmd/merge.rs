//! `deskew merge`: one timeline of all sources, ordered by corrected time.

use super::finish;
use super::{args::MergeArgs, checked, context, format_names, load, output, style, write, Failure};
use crate::format::Registry;
use crate::merge::runs::RunMerge;
use crate::output::display_json;
use crate::pipeline::{open_all, year_plans};

pub fn run(args: MergeArgs) -> Result<(), Failure> {
    let run = checked(args.check())?;
    let (reg, corrector) = load(&run)?;
    let mut cx = context(&run, &reg, corrector)?;
    if let Some(f) = &run.follow {
        return super::follow::run(&run, f, &cx);
    }
    let sources = open_all(&mut cx, &run.paths);
    super::some_sources(&run, &sources)?;
    let mut out = output(&run, true)?;
    let plans = year_plans(&cx, &sources);
    // Workers share the registry: formats run as direct parsers (format/direct.rs), so the
    // regexes, whose caches a lock shares between threads, are seldom run.
    let regs: Vec<&Registry> = match RunMerge::workers(&sources) {
        (n, true) => vec![&reg; n],
        (_, false) => Vec::new(),
    };
    let window = run.settings.window_bytes;
    let merge = RunMerge::new(&cx, &sources, window, &plans, run.budget, &regs);
    // Parsed: the year plans (a slot per source) are not needed by the output.
    drop(plans);
    if let Some(b) = &cx.progress {
        b.finish_and_clear();
    }
    let mut merge = merge.map_err(|e| Failure::Run(e.into()))?;
    // `--correlate`: what was inferred, before the records (which it corrects) go out.
    let correlation = merge.correlation.take();
    if let Some(c) = &correlation {
        c.errors.iter().for_each(crate::diag::error);
        c.report.iter().for_each(crate::diag::note);
    }
    let style = style(&run, &format_names(&cx));
    let written = Default::default();
    write(&run, &cx, &sources, &display_json(&sources), &style, &written, merge, &mut out)?;
    finish(out)?;
    let inferred: Vec<String> =
        correlation.iter().flat_map(|c| c.inferred.iter().map(|i| i.1.clone())).collect();
    super::summarize(&run, &cx, &cx.corrector, &inferred);
    if let Some(c) = &correlation {
        if !crate::diag::quiet() {
            c.summary().iter().for_each(|l| eprintln!("{l}"));
        }
    }
    Ok(())
}
