//! `deskew offsets`: the per-host offset models built from history files. With `--check` it
//! is a Nagios plugin (exit status = state; usage errors UNKNOWN); `--prometheus` writes a
//! node_exporter textfile.

use std::path::PathBuf;

use clap::Args;

use super::sync::thresholds;
use super::{checked, Failure};
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
    crate::skew::report::run(&a.paths, a.svg.as_deref(), &mut out)?;
    if w.prometheus.is_some() {
        watch_histories(&a.paths, &w, &mut out).map_err(|e| Failure::Run(e.into()))?;
    }
    Ok(())
}
