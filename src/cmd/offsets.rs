//! `deskew offsets`: the per-host offset models built from history files. With `--check` it
//! is a Nagios plugin (exit status = state; usage errors UNKNOWN); `--prometheus` writes a
//! node_exporter textfile.

use std::path::{Path, PathBuf};

use std::io::Write;

use clap::{Args, Parser};

use super::sync::thresholds;
use super::{args::MergeArgs, checked, context, load, Failure};
use crate::merge::runs::RunMerge;
use crate::pipeline::{open_all, year_plans};
use crate::skew::report;
use crate::sync::monitor::{parse_age, watch_histories, OffsetsWatch};

#[derive(Args)]
pub struct OffsetsArgs {
    /// History files or directories; HOST=PATH binds a file to a host
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    /// Also draw the offsets over time as an SVG picture
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Nagios/Icinga plugin: each host's newest offset against -w/-c and its age against
    /// --max-age; exit 0 OK, 1 WARNING, 2 CRITICAL (also: stale), 3 UNKNOWN (also: a missing
    /// history, usage errors)
    #[arg(long, requires_all = ["warning", "critical"], conflicts_with = "svg")]
    check: bool,
    /// With --check: WARNING when an offset's absolute value exceeds SECS
    #[arg(short = 'w', long, value_name = "SECS", requires = "check")]
    warning: Option<f64>,
    /// With --check: CRITICAL when an offset's absolute value exceeds SECS
    #[arg(short = 'c', long, value_name = "SECS", requires = "check")]
    critical: Option<f64>,
    /// With --check: CRITICAL when a host's newest sample is older (90s, 30m, 2h, 1d)
    #[arg(long, value_name = "DURATION", requires = "check")]
    max_age: Option<String>,
    /// Write a node_exporter textfile (a temporary file renamed over FILE)
    #[arg(long, value_name = "FILE")]
    prometheus: Option<PathBuf>,
    /// PATHs are logs: show the offsets inferred from this request id key (see merge)
    #[arg(long, value_name = "KEY", conflicts_with_all = ["svg", "check", "prometheus"])]
    correlate: Option<String>,
    /// Like --correlate, the id being the regex's one capture group
    #[arg(long, value_name = "REGEX", conflicts_with_all = ["svg", "correlate", "check", "prometheus"])]
    correlate_regex: Option<String>,
    /// With --correlate: the host whose clock is taken as true
    #[arg(long, value_name = "HOST")]
    reference: Option<String>,
    /// With --correlate: offset histories of some of the hosts (they anchor the others)
    #[arg(long, value_name = "PATH")]
    offsets: Vec<String>,
    /// With --correlate: a constant correction for a host, e.g. web01=+2.5s
    #[arg(long, value_name = "HOST=OFFSET")]
    skew: Vec<String>,
    /// With --correlate: zone of timestamps that carry none
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
}

impl OffsetsArgs {
    fn watch(&self) -> anyhow::Result<OffsetsWatch> {
        Ok(OffsetsWatch {
            check: thresholds(self.check, self.warning, self.critical)?,
            max_age: self.max_age.as_deref().map(parse_age).transpose()?,
            prometheus: self.prometheus.clone(),
        })
    }
}

pub fn run(a: OffsetsArgs) -> Result<(), Failure> {
    if a.correlate.is_some() || a.correlate_regex.is_some() {
        let o = Correlate {
            correlate: a.correlate,
            correlate_regex: a.correlate_regex,
            reference: a.reference,
            offsets: a.offsets,
            skew: a.skew,
            tz: a.tz,
        };
        return correlate(o, a.paths);
    }
    let w = match a.watch() {
        Ok(w) => w,
        Err(e) if a.check => return Err(Failure::unknown(format!("{e:#}"))),
        Err(e) => return checked(Err(e)),
    };
    let mut out = std::io::stdout().lock();
    if a.check {
        return match watch_histories(&a.paths, &w, &mut out) {
            Ok(Some(s)) if s as u8 == 0 => Ok(()),
            Ok(s) => Err(Failure::Status(s.map_or(3, |s| s as u8))),
            Err(e) => Err(Failure::unknown(e.to_string())),
        };
    }
    report(&a.paths, a.svg.as_deref(), &mut out)?;
    if w.prometheus.is_some() {
        watch_histories(&a.paths, &w, &mut out).map_err(|e| Failure::Run(e.into()))?;
    }
    Ok(())
}

/// Loads the histories, prints each host, writes the SVG when asked. Warnings go to stderr;
/// an error is returned when any input had a problem (after printing everything readable),
/// so the exit status is non-zero.
fn report(specs: &[String], svg_path: Option<&Path>, out: &mut dyn Write) -> anyhow::Result<()> {
    let (set, warn) = crate::skew::load::load(specs);
    for w in &warn {
        crate::diag::error_of(crate::diag::Kind::History, w);
    }
    out.write_all(report::text(set.details()).as_bytes())?;
    if let Some(p) = svg_path {
        std::fs::write(p, report::svg(set.details()))
            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
    }
    if !warn.is_empty() {
        anyhow::bail!("{} problem(s) reading offset histories", warn.len());
    }
    Ok(())
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
    let mut merge = RunMerge::new(&cx, &sources, window, &plans, run.budget, &regs)
        .map_err(|e| Failure::Run(e.into()))?;
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
