//! `deskew sync`: measure this host's clock offset against NTP servers; never sets the clock.
//! With `--check` it is a Nagios plugin: its exit status is the plugin state, and a usage
//! error is UNKNOWN (3).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::{checked, Failure};
use crate::sync::monitor::Thresholds;

#[derive(Args)]
pub struct SyncArgs {
    /// NTP servers: HOST, HOST:PORT or [IPv6]:PORT (port 123 by default)
    #[arg(required = true, value_name = "SERVER")]
    servers: Vec<String>,
    /// Append each measurement to DIR/<host>.jsonl, the history `merge --offsets` reads
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Host name to record (default: this machine's)
    #[arg(long)]
    host: Option<String>,
    /// Keep measuring every SECS seconds (with +-10% jitter) until SIGINT or SIGTERM
    #[arg(long, value_name = "SECS")]
    interval: Option<f64>,
    /// With --interval: stop after N rounds
    #[arg(long, value_name = "N", requires = "interval")]
    count: Option<u64>,
    /// Requests per server in a round; the one of least delay is kept
    #[arg(long, default_value_t = 4, value_name = "N")]
    burst: u32,
    /// Seconds between the requests of a burst
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    burst_spacing: f64,
    /// Seconds to wait for each reply
    #[arg(long, default_value_t = 1.0, value_name = "SECS")]
    timeout: f64,
    /// Extra requests for ones that got no usable reply
    #[arg(long, default_value_t = 2, value_name = "N")]
    retries: u32,
    /// Believe no server whose offset from this host's clock exceeds SECS (default one day):
    /// its measurement is shown and recorded as not selected, with a warning
    #[arg(long, value_name = "SECS")]
    max_offset: Option<f64>,
    /// IPv4 addresses only
    #[arg(short = '4', conflicts_with = "ipv6")]
    ipv4: bool,
    /// IPv6 addresses only
    #[arg(short = '6')]
    ipv6: bool,
    /// One JSON object per round instead of the table
    #[arg(long)]
    json: bool,
    /// Nagios/Icinga plugin: one round, one status line with perfdata; exit 0 OK, 1 WARNING,
    /// 2 CRITICAL (also: no offset chosen), 3 UNKNOWN (also: usage errors)
    #[arg(long, requires_all = ["warning", "critical"], conflicts_with_all = ["interval", "json"])]
    check: bool,
    /// With --check: WARNING when the offset's absolute value exceeds SECS
    #[arg(short = 'w', long, value_name = "SECS", requires = "check")]
    warning: Option<f64>,
    /// With --check: CRITICAL when the offset's absolute value exceeds SECS
    #[arg(short = 'c', long, value_name = "SECS", requires = "check")]
    critical: Option<f64>,
    /// Write a node_exporter textfile (a temporary file renamed over FILE) after each round
    #[arg(long, value_name = "FILE")]
    prometheus: Option<PathBuf>,
}

impl SyncArgs {
    /// Check every option; an error here is a usage error.
    pub fn check(self) -> Result<crate::sync::SyncOptions> {
        use crate::sync::client::{parse_server, Settings};
        for s in &self.servers {
            parse_server(s).map_err(anyhow::Error::msg)?;
        }
        anyhow::ensure!(
            (1..=64).contains(&self.burst),
            "--burst {}: must be from 1 to 64",
            self.burst
        );
        if let Some(i) = self.interval {
            duration("--interval", i, 0.01)?;
        }
        if let Some(c) = self.count {
            anyhow::ensure!(c >= 1, "--count 0: must be at least 1 (one round)");
        }
        anyhow::ensure!(
            self.retries <= MAX_RETRIES,
            "--retries {}: must be from 0 to {MAX_RETRIES}",
            self.retries
        );
        if let Some(h) = &self.host {
            crate::sync::history::check_host(h)
                .map_err(|e| anyhow::anyhow!("--host {h:?}: {e}"))?;
        }
        for (opt, p) in [("--record", &self.record), ("--prometheus", &self.prometheus)] {
            if p.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
                anyhow::bail!("{opt} '': expected a path");
            }
        }
        Ok(crate::sync::SyncOptions {
            servers: self.servers,
            settings: Settings {
                burst: self.burst,
                spacing: duration("--burst-spacing", self.burst_spacing, 0.0)?,
                timeout: duration("--timeout", self.timeout, 0.001)?,
                retries: self.retries,
                max_offset: match self.max_offset {
                    None => crate::sync::client::DEFAULT_MAX_OFFSET,
                    Some(m) => {
                        // 1 ms up to 300 years (past the year 2262 the offset has no i64 form).
                        anyhow::ensure!(
                            m.is_finite() && (0.001..=MAX_OFFSET_SECS).contains(&m),
                            "--max-offset {m}: must be from 0.001 to {MAX_OFFSET_SECS} seconds"
                        );
                        (m * 1e9) as i64
                    }
                },
                family: if self.ipv4 {
                    Some(true)
                } else if self.ipv6 {
                    Some(false)
                } else {
                    None
                },
            },
            record: self.record,
            host: self.host,
            interval: self.interval,
            count: self.count,
            json: self.json,
            check: thresholds(self.check, self.warning, self.critical)?,
            prometheus: self.prometheus,
        })
    }
}

/// The most extra requests per server in a round: past that a dead server only delays the
/// round (each retry waits `--timeout`).
const MAX_RETRIES: u32 = 64;

/// The largest `--max-offset`: 9e9 s (about 285 years), what nanoseconds in an i64 hold.
const MAX_OFFSET_SECS: f64 = 9e9;

fn duration(opt: &str, secs: f64, min: f64) -> Result<std::time::Duration> {
    anyhow::ensure!(
        secs.is_finite() && secs >= min && secs <= 86_400.0,
        "{opt} {secs}: must be from {min} to 86400 seconds"
    );
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// `--check -w SECS -c SECS` as thresholds (None without --check).
pub(super) fn thresholds(
    check: bool,
    w: Option<f64>,
    c: Option<f64>,
) -> Result<Option<Thresholds>> {
    Ok(match (check, w, c) {
        (true, Some(w), Some(c)) => Some(Thresholds::from_secs(w, c)?),
        _ => None,
    })
}

pub fn run(args: SyncArgs) -> Result<(), Failure> {
    let check = args.check;
    let opts = match args.check() {
        Ok(o) => o,
        Err(e) if check => return Err(Failure::unknown(format!("{e:#}"))),
        Err(e) => return checked(Err(e)),
    };
    match crate::sync::run(&opts, &mut std::io::stdout().lock()) {
        Ok(f) => match f.check {
            Some(s) if s as u8 == 0 => Ok(()),
            Some(s) => Err(Failure::Status(s as u8)),
            None if f.offset_chosen => Ok(()),
            None => Err(Failure::Run(anyhow::anyhow!(
                "sync: no offset chosen (see each server's status)"
            ))),
        },
        Err(e) if check => Err(Failure::unknown(e.to_string())),
        Err(e) => Err(Failure::Run(e.into())),
    }
}
