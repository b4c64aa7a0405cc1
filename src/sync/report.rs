//! What a round of `deskew sync` shows: the table, the JSON object, the history lines.

use std::io::Write;

use super::client::Round;
use super::history::Entry;
use super::protocol::packet::ref_id_text;
use crate::time::rfc3339;

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

pub fn print_text(out: &mut dyn Write, r: &Round, header: bool) -> std::io::Result<()> {
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
                let status = r.verdict[i].map(|(s, _)| s.name()).unwrap_or("error");
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
            let n = r.selected();
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
        None => writeln!(out, "{}", no_offset(r)),
    }
}

/// Why a round chose no offset, in one line.
pub fn no_offset(r: &Round) -> String {
    match r.usable() {
        0 => "no server gave a usable answer".into(),
        n => format!(
            "no majority: at most {} of the {n} servers that answered agree on the time \
             (their offsets plus or minus root distance do not overlap); no offset chosen",
            r.agree
        ),
    }
}

pub fn json_round(r: &Round, host: &str) -> String {
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
                    "status": r.verdict[i].map(|(s, _)| s.name()),
                    "selected": r.verdict[i].is_some_and(|(s, _)| s.truechimer()),
                    "time": String::from_utf8_lossy(&t),
                    "offset": secs(b.m.offset),
                    "delay": secs(b.m.delay),
                    "jitter": secs(jitter),
                    "root_distance": r.verdict[i].map(|(_, d)| secs(d)),
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
        "agree": r.agree,
        "selected": r.selected(),
        "servers": servers,
    })
    .to_string()
}

/// The history lines of a round: every usable measurement, those selection rejected marked
/// `"selected": false`.
pub fn entries(r: &Round, host: &str, boot: &Option<String>) -> String {
    let mut lines = String::new();
    for (i, o) in r.outcomes.iter().enumerate() {
        let (Some((b, _)), Some((status, _))) = (o.best, r.verdict[i]) else { continue };
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
            selected: status.truechimer(),
        };
        lines.push_str(&e.to_line());
    }
    lines
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
}
