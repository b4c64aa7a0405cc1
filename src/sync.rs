//! `deskew sync`: measure this host's clock offset against NTP servers, show it, and append
//! it to the history `merge --offsets` reads. Rounds, output and signals live here; the
//! protocol is in `ntp`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::diag;
use crate::ntp::client::{self, Outcome, Settings};
use crate::ntp::exchange::Kiss;
use crate::ntp::history::{self, Entry};
use crate::ntp::packet::ref_id_text;
use crate::ntp::select::{self, Candidate};
use crate::time::rfc3339;

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
}

/// Per server, across rounds: when it may be asked again and how far it is backed off.
struct Schedule {
    /// Multiplier of the interval after errors and RATE kisses (1, 2, 4 .. 64).
    backoff: u32,
    next: Instant,
    /// DENY or RSTR: never asked again.
    stopped: bool,
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

/// The outcomes of one round, with the selection over them.
struct Round {
    time: i64,
    outcomes: Vec<Outcome>,
    /// Per outcome: a truechimer (usable and not outvoted).
    keep: Vec<bool>,
    /// Per outcome: (root distance) of usable ones.
    distance: Vec<Option<i64>>,
    combined: Option<i64>,
}

impl Round {
    /// The status of a server that answered usably: outvoted or not.
    fn status(&self, i: usize) -> &'static str {
        if self.keep[i] {
            "ok"
        } else {
            "falseticker"
        }
    }
}

fn round(servers: &[String], s: &Settings, stop: &(dyn Fn() -> bool + Sync)) -> Round {
    let outcomes: Vec<Outcome> = std::thread::scope(|sc| {
        let handles: Vec<_> =
            servers.iter().map(|name| sc.spawn(move || client::query(name, s, stop))).collect();
        handles.into_iter().map(|h| h.join().expect("a server thread panicked")).collect()
    });
    let mut idx = vec![];
    let mut cands = vec![];
    let mut distance = vec![None; outcomes.len()];
    for (i, o) in outcomes.iter().enumerate() {
        if let Some((b, jitter)) = o.best {
            let r = &b.m.reply;
            let d = select::root_distance(b.m.delay, r.root_delay, r.root_dispersion, jitter);
            distance[i] = Some(d);
            idx.push(i);
            cands.push(Candidate { offset: b.m.offset, distance: d });
        }
    }
    let sel = select::select(&cands);
    let mut keep = vec![false; outcomes.len()];
    for (k, &i) in idx.iter().enumerate() {
        keep[i] = sel.truechimer[k];
    }
    let combined = select::combine(&cands, &sel.truechimer);
    Round { time: client::now(), outcomes, keep, distance, combined }
}

fn secs(ns: i64) -> f64 {
    ns as f64 / 1e9
}

fn signed(ns: i64) -> String {
    format!("{:+.6}", secs(ns))
}

fn describe(offset: i64) -> String {
    let a = offset.unsigned_abs();
    let amount = if a >= 1_000_000_000 {
        format!("{:.3} s", a as f64 / 1e9)
    } else if a >= 1_000_000 {
        format!("{:.3} ms", a as f64 / 1e6)
    } else {
        format!("{:.1} us", a as f64 / 1e3)
    };
    // theta = true - host: positive means the host clock is behind
    let way = if offset >= 0 { "slow" } else { "fast" };
    format!("this clock is {amount} {way} (offset {} s = true - host)", signed(offset))
}

fn print_text(out: &mut dyn Write, r: &Round, header: bool) -> std::io::Result<()> {
    if header {
        writeln!(
            out,
            "{:<28} {:>7} {:>13} {:>10} {:>10} {:<16} {:>4}  status",
            "server", "stratum", "offset (s)", "delay (s)", "jitter (s)", "ref id", "leap",
        )?;
    }
    for (i, o) in r.outcomes.iter().enumerate() {
        let name = match o.addr {
            Some(a) if a.to_string() != o.name => format!("{} ({})", o.name, a.ip()),
            _ => o.name.clone(),
        };
        match o.best {
            Some((b, jitter)) => {
                let p = &b.m.reply;
                let status = r.status(i);
                writeln!(
                    out,
                    "{:<28} {:>7} {:>13} {:>10.6} {:>10.6} {:<16} {:>4}  {status} ({}/{})",
                    name,
                    p.stratum,
                    signed(b.m.offset),
                    secs(b.m.delay),
                    secs(jitter),
                    ref_id_text(p.stratum, p.ref_id),
                    p.leap,
                    o.samples.len(),
                    o.sent
                )?;
            }
            None => {
                let why = o.failure.as_ref().map(|f| f.to_string()).unwrap_or_default();
                writeln!(
                    out,
                    "{:<28} {:>7} {:>13} {:>10} {:>10} {:<16} {:>4}  error: {why}",
                    name, "-", "-", "-", "-", "-", "-"
                )?;
            }
        }
    }
    match r.combined {
        Some(c) => {
            let n = r.keep.iter().filter(|&&k| k).count();
            let mut when = Vec::new();
            rfc3339::write(&mut when, r.time);
            writeln!(
                out,
                "{}: {} from {n} of {} servers",
                String::from_utf8_lossy(&when),
                describe(c),
                r.outcomes.len()
            )
        }
        None => writeln!(out, "no server gave a usable answer"),
    }
}

fn json_round(r: &Round, host: &str) -> String {
    use serde_json::{json, Value};
    let servers: Vec<Value> = r
        .outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let mut v = json!({
                "server": o.name,
                "address": o.addr.map(|a| a.to_string()),
                "requests": o.sent,
                "replies": o.samples.len(),
            });
            if let Some((b, jitter)) = o.best {
                let p = &b.m.reply;
                let mut t = Vec::new();
                rfc3339::write(&mut t, b.m.time);
                let extra = json!({
                    "status": r.status(i),
                    "time": String::from_utf8_lossy(&t),
                    "offset": secs(b.m.offset),
                    "delay": secs(b.m.delay),
                    "jitter": secs(jitter),
                    "root_distance": r.distance[i].map(secs),
                    "stratum": p.stratum,
                    "leap": p.leap,
                    "root_delay": secs(p.root_delay),
                    "root_dispersion": secs(p.root_dispersion),
                    "ref_id": ref_id_text(p.stratum, p.ref_id),
                });
                v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            } else {
                v["status"] = "error".into();
                v["error"] = o.failure.as_ref().map(|f| f.to_string()).unwrap_or_default().into();
            }
            v
        })
        .collect();
    let mut t = Vec::new();
    rfc3339::write(&mut t, r.time);
    json!({
        "time": String::from_utf8_lossy(&t),
        "host": host,
        "offset": r.combined.map(secs),
        "servers": servers,
    })
    .to_string()
}

fn entries(r: &Round, host: &str, boot: &Option<String>) -> String {
    let mut lines = String::new();
    for (i, o) in r.outcomes.iter().enumerate() {
        let (Some((b, _)), true) = (o.best, r.keep[i]) else { continue };
        let p = &b.m.reply;
        let e = Entry {
            time: b.m.time,
            host: host.to_string(),
            server: o.addr.map(|a| a.to_string()).unwrap_or_else(|| o.name.clone()),
            offset: b.m.offset,
            delay: b.m.delay,
            stratum: p.stratum,
            leap: p.leap,
            root_delay: p.root_delay,
            root_dispersion: p.root_dispersion,
            ref_id: ref_id_text(p.stratum, p.ref_id),
            boot_id: boot.clone(),
            mono_ns: Some(b.mono),
        };
        lines.push_str(&e.to_line());
    }
    lines
}

/// A number in [0.9, 1.1): spreads the rounds of many hosts so they do not ask at once.
fn jitter_factor() -> f64 {
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    0.9 + 0.2 * (u16::from_ne_bytes(b) as f64 / 65536.0)
}

/// Runs `deskew sync`. Ok(true) when some server gave a usable answer (in every round for a
/// single round; in at least one with --interval).
pub fn run(o: &SyncOptions, out: &mut dyn Write) -> Result<bool> {
    let host = o.host.clone().unwrap_or_else(hostname);
    let boot = boot_id();
    let file = o.record.as_ref().map(|d| history::path_for(d, &host));
    if let Some(d) = &o.record {
        let meta = std::fs::metadata(d).with_context(|| format!("--record {}", d.display()))?;
        anyhow::ensure!(meta.is_dir(), "--record {}: not a directory", d.display());
    }

    let stop = Arc::new(AtomicBool::new(false));
    if o.interval.is_some() {
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(sig, Arc::clone(&stop))
                .context("installing a signal handler")?;
        }
    }
    let stopped = || stop.load(Ordering::Relaxed);

    let mut sched: Vec<Schedule> = o
        .servers
        .iter()
        .map(|_| Schedule { backoff: 1, next: Instant::now(), stopped: false })
        .collect();
    let mut any_ok = false;
    let mut rounds = 0u64;
    loop {
        let now = Instant::now();
        let due: Vec<usize> =
            (0..o.servers.len()).filter(|&i| !sched[i].stopped && sched[i].next <= now).collect();
        let names: Vec<String> = due.iter().map(|&i| o.servers[i].clone()).collect();
        let r = round(&names, &o.settings, &stopped);
        rounds += 1;
        let ok = r.combined.is_some();
        any_ok |= ok;

        if o.json {
            writeln!(out, "{}", json_round(&r, &host))?;
        } else {
            print_text(out, &r, rounds == 1)?;
        }
        out.flush()?;
        for x in r.outcomes.iter().filter(|x| !x.usable()) {
            let why =
                x.failure.as_ref().map(|f| f.to_string()).unwrap_or_else(|| "no reply".into());
            diag::note(format!("sync: {}: {why}", x.name));
        }
        if let Some(path) = &file {
            let lines = entries(&r, &host, &boot);
            history::append(path, &lines)
                .with_context(|| format!("{}: cannot append the measurement", path.display()))?;
        }

        let Some(interval) = o.interval else {
            return Ok(ok);
        };
        if o.count.is_some_and(|c| rounds >= c) || stopped() {
            break;
        }
        // reschedule each server asked: back off on errors and on RATE, stop on DENY/RSTR
        let base = Duration::from_secs_f64(interval);
        for (k, &i) in due.iter().enumerate() {
            let x = &r.outcomes[k];
            let s = &mut sched[i];
            match x.kiss() {
                Some(kiss) if kiss.stops() => {
                    s.stopped = true;
                    diag::note(format!("sync: {}: not asking again ({kiss})", x.name));
                }
                Some(Kiss::Rate) => s.backoff = (s.backoff * 2).min(64),
                _ if !x.usable() => s.backoff = (s.backoff * 2).min(64),
                _ => s.backoff = 1,
            }
            s.next = Instant::now() + base.mul_f64(s.backoff as f64 * jitter_factor());
        }
        if sched.iter().all(|s| s.stopped) {
            diag::note("sync: every server refused service");
            break;
        }
        let next = sched.iter().filter(|s| !s.stopped).map(|s| s.next).min().unwrap();
        while !stopped() && Instant::now() < next {
            std::thread::sleep(
                next.saturating_duration_since(Instant::now()).min(Duration::from_millis(100)),
            );
        }
        if stopped() {
            break;
        }
    }
    Ok(any_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_read_as_slow_or_fast() {
        assert_eq!(
            describe(2_500_000_000),
            "this clock is 2.500 s slow (offset +2.500000 s = true - host)"
        );
        assert_eq!(
            describe(-300_000_000),
            "this clock is 300.000 ms fast (offset -0.300000 s = true - host)"
        );
        assert_eq!(
            describe(12_345),
            "this clock is 12.3 us slow (offset +0.000012 s = true - host)"
        );
    }

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
