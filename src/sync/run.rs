//! `deskew sync` as one call: rounds of measurements until told to stop, each shown and
//! appended to the history `merge --offsets` reads.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::client::{self, Settings};
use super::history;
use super::monitor::{self, State, Thresholds};
use super::protocol::poll::{self, RoundResult, Schedule};
use super::protocol::selection::Status;
use super::report;
use crate::diag;

pub struct SyncOptions {
    pub servers: Vec<String>,
    pub settings: Settings,
    pub record: Option<PathBuf>,
    /// The host name written in the history (default: this machine's).
    pub host: Option<String>,
    /// Seconds between rounds; None: one round.
    pub interval: Option<f64>,
    /// Stop after this many rounds (with an interval).
    pub count: Option<u64>,
    pub json: bool,
    /// `--check`: print one Nagios plugin line instead of the table (one round).
    pub check: Option<Thresholds>,
    /// `--prometheus FILE`: a node_exporter textfile, rewritten after every round.
    pub prometheus: Option<PathBuf>,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finished {
    /// An offset was chosen: in the one round, or in some round with --interval.
    pub offset_chosen: bool,
    /// With --check: the plugin state (its exit status).
    pub check: Option<State>,
}

/// Why `deskew sync` could not go on.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("--record {0}: {1}")]
    Record(PathBuf, std::io::Error),
    #[error("--record {0}: not a directory")]
    NotADirectory(PathBuf),
    #[error("{0}: cannot append the measurement: {1}")]
    Append(PathBuf, std::io::Error),
    #[error("installing a signal handler: {0}")]
    Signal(std::io::Error),
    #[error("--prometheus {0}: {1}")]
    Prometheus(PathBuf, std::io::Error),
    #[error("writing the report: {0}")]
    Output(#[from] std::io::Error),
}

/// This machine's host name, as the history file is named.
pub fn hostname() -> String {
    let from_proc = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    let name = from_proc
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| rustix::system::uname().nodename().to_string_lossy().into_owned());
    if name.is_empty() {
        "localhost".into()
    } else {
        name
    }
}

fn boot_id() -> Option<String> {
    let s = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// A number in [0.9, 1.1): spreads the rounds of many hosts so they do not ask at once.
fn jitter_factor() -> f64 {
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    0.9 + 0.2 * (u16::from_ne_bytes(b) as f64 / 65536.0)
}

/// Runs `deskew sync`.
pub fn run(o: &SyncOptions, out: &mut dyn Write) -> Result<Finished, SyncError> {
    let host = o.host.clone().unwrap_or_else(hostname);
    let boot = boot_id();
    let file = o.record.as_ref().map(|d| history::path_for(d, &host));
    if let Some(d) = &o.record {
        history::create_dir(d).map_err(|e| SyncError::Record(d.clone(), e))?;
        let meta = std::fs::metadata(d).map_err(|e| SyncError::Record(d.clone(), e))?;
        if !meta.is_dir() {
            return Err(SyncError::NotADirectory(d.clone()));
        }
    }

    let stop = Arc::new(AtomicBool::new(false));
    if o.interval.is_some() {
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(sig, Arc::clone(&stop)).map_err(SyncError::Signal)?;
        }
    }
    let stopped = || stop.load(Ordering::Relaxed);

    let mut sched: Vec<Schedule> =
        o.servers.iter().map(|_| Schedule::new(client::mono())).collect();
    let mut any_ok = false;
    let mut rounds = 0u64;
    loop {
        let now = client::mono();
        let due: Vec<usize> = (0..o.servers.len()).filter(|&i| sched[i].due(now)).collect();
        let names: Vec<String> = due.iter().map(|&i| o.servers[i].clone()).collect();
        let r = client::round(&names, &o.settings, &stopped);
        rounds += 1;
        let ok = r.combined.is_some();
        any_ok |= ok;

        let mut check = None;
        if let Some(th) = o.check {
            let c = monitor::check_round(&r, th);
            writeln!(out, "{c}")?;
            check = Some(c.state);
        } else if o.json {
            writeln!(out, "{}", report::json_round(&r, &host))?;
        } else {
            report::print_text(out, &r, rounds == 1)?;
        }
        out.flush()?;
        for (x, v) in r.outcomes.iter().zip(&r.verdict) {
            if let (Some((Status::Implausible, _)), Some((b, _))) = (v, x.best) {
                diag::note(format!(
                    "sync: {}: offset {:+.3} s is beyond --max-offset {} s: not selected (the server's clock or this host's is far off; pass a larger --max-offset if this host's is)",
                    x.name,
                    b.m.offset as f64 / 1e9,
                    o.settings.max_offset as f64 / 1e9
                ));
            }
        }
        for x in r.outcomes.iter().filter(|x| !x.usable()) {
            let why =
                x.failure.as_ref().map(|f| f.to_string()).unwrap_or_else(|| "no reply".into());
            diag::note(format!("sync: {}: {why}", x.name));
        }
        if let Some(path) = &file {
            let lines = report::entries(&r, &host, &boot);
            history::append(path, &lines).map_err(|e| SyncError::Append(path.clone(), e))?;
        }
        if let Some(p) = &o.prometheus {
            let text = monitor::prometheus_round(&r, &host, client::now());
            monitor::write_textfile(p, &text).map_err(|e| SyncError::Prometheus(p.clone(), e))?;
        }

        let Some(interval) = o.interval.filter(|_| check.is_none()) else {
            return Ok(Finished { offset_chosen: ok, check });
        };
        if o.count.is_some_and(|c| rounds >= c) || stopped() {
            break;
        }
        // reschedule each server asked: back off on errors and on RATE, stop on DENY/RSTR
        let base = (interval * 1e9) as i64;
        for (k, &i) in due.iter().enumerate() {
            let x = &r.outcomes[k];
            let result = match x.kiss() {
                Some(kiss) => RoundResult::Kissed(kiss),
                None if x.usable() => RoundResult::Usable,
                None => RoundResult::Failed,
            };
            if sched[i].after_round(result, base, jitter_factor(), client::mono()) {
                let kiss = x.kiss().expect("only a kiss stops a server");
                diag::note(format!("sync: {}: not asking again ({kiss})", x.name));
            }
        }
        let Some(next) = poll::next_due(&sched) else {
            diag::note("sync: every server refused service");
            break;
        };
        client::sleep_until(next, &stopped);
        if stopped() {
            break;
        }
    }
    Ok(Finished { offset_chosen: any_ok, check: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_name_is_never_empty() {
        assert!(!hostname().is_empty());
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..100 {
            let f = jitter_factor();
            assert!((0.9..1.1).contains(&f));
        }
    }
}
