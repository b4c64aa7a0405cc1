//! `deskew offsets`: the per-host offset models built from history files, or (`--correlate`)
//! inferred from the request ids in logs.

use std::io::Write;
use std::path::Path;

use clap::Parser;

use super::{args::MergeArgs, checked, context, load, Failure};
use crate::merge::runs::RunMerge;
use crate::pipeline::{open_all, year_plans};

pub fn run(paths: &[String], svg: Option<&Path>) -> Result<(), Failure> {
    Ok(crate::skew::report::run(paths, svg, &mut std::io::stdout().lock())?)
}

/// The options of `offsets --correlate`.
pub struct Correlate {
    pub correlate: Option<String>,
    pub correlate_regex: Option<String>,
    pub reference: Option<String>,
    pub offsets: Vec<String>,
    pub skew: Vec<String>,
    pub tz: Option<String>,
}

/// `merge`'s own arguments, to check these options the way merge does.
#[derive(Parser)]
struct AsMerge {
    #[command(flatten)]
    args: MergeArgs,
}

/// `deskew offsets --correlate KEY LOGS...`: parse the logs, infer, show the inferred models
/// (nothing is merged).
pub fn correlate(o: Correlate, paths: Vec<String>) -> Result<(), Failure> {
    let mut argv: Vec<String> = vec!["deskew".into(), "--no-progress".into()];
    let mut opt = |name: &str, v: Option<String>| {
        if let Some(v) = v {
            argv.push(format!("--{name}={v}"));
        }
    };
    opt("correlate", o.correlate);
    opt("correlate-regex", o.correlate_regex);
    opt("reference", o.reference);
    opt("tz", o.tz);
    argv.extend(o.offsets.into_iter().map(|p| format!("--offsets={p}")));
    argv.extend(o.skew.into_iter().map(|s| format!("--skew={s}")));
    argv.push("--".into());
    argv.extend(paths);
    let args = AsMerge::try_parse_from(argv).map_err(|e| Failure::Usage(e.into()))?.args;
    let run = checked(args.check())?;
    let (reg, corrector) = load(&run)?;
    let mut cx = context(&run, &reg, corrector)?;
    let sources = open_all(&mut cx, &run.paths);
    let plans = year_plans(&cx, &sources);
    let regs: Vec<&crate::format::Registry> = match RunMerge::workers(&sources) {
        (n, true) => vec![&reg; n],
        (_, false) => Vec::new(),
    };
    let window = run.settings.window_bytes;
    let mut merge = RunMerge::new(&cx, &sources, window, &plans, run.budget, &regs);
    let Some(c) = merge.correlation.take() else { return Ok(()) };
    for e in &c.errors {
        crate::diag::error(e);
    }
    let mut out = std::io::stdout().lock();
    let mut show = || -> std::io::Result<()> {
        for l in &c.report {
            writeln!(out, "{}", l.strip_prefix("correlate: ").unwrap_or(l))?;
        }
        if c.inferred.is_empty() {
            writeln!(out, "no host's offset could be inferred")?;
        }
        Ok(())
    };
    show().map_err(|e| Failure::Run(e.into()))
}
