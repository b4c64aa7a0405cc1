//! The end of a run on stderr: a line per host saying what was assumed and what was
//! corrected (its zone and why, the year given to stamps without one, the history that
//! corrected it and how much of its records that history covers, or "no history: not
//! corrected"), aligned in columns; before it, a warning for each history, `--skew`,
//! `--host-tz`, `--boot-time HOST=` or `--offsets HOST=` that names no host of the input, with
//! the closest names.

use std::collections::HashSet;

use crate::diag::{self, Kind};
use crate::host;
use crate::skew::stats::fmt_offset;
use crate::skew::{HostHistory, HostStats};
use crate::time::Nanos;

use super::assumed::HostAssumed;
use super::context::Context;
use super::correct::Corrector;

/// One host's line: its columns, and whether it says something was assumed or left
/// uncorrected (a warning: fatal with `--strict`).
#[derive(Debug, PartialEq)]
pub struct HostLine {
    pub host: String,
    pub zone: String,
    pub year: String,
    pub clock: String,
    pub doubtful: bool,
}

/// At most this many host lines unless `--verbose` (then a count of the rest).
const HOST_LINES: usize = 4 * diag::SHOWN;

/// A time of the summary: RFC 3339 to the second, the date left out when it is `day`'s.
fn utc(t: Nanos, day: Option<&str>) -> String {
    let s = chrono::DateTime::from_timestamp(t.div_euclid(1_000_000_000), 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| t.to_string());
    match day {
        Some(d) if s.starts_with(d) && s.len() > 11 => s[11..].to_string(),
        _ => s,
    }
}

/// The correction column for a host with a history or `--skew`.
fn corrected(h: &HostHistory, s: Option<&HostStats>) -> String {
    let m = &h.model;
    let mut out = if h.files.is_empty() {
        format!("--skew {}", fmt_offset(m.lookup(0).offset))
    } else {
        let mut what = diag::path(&h.files[0].0);
        if h.files.len() > 1 {
            what += &format!(" and {} more", h.files.len() - 1);
        }
        let steps = match m.steps().len() {
            0 => String::new(),
            1 => ", 1 step".into(),
            n => format!(", {n} steps"),
        };
        let span = m.coverage().map_or(String::new(), |(a, b)| {
            let first = utc(a, None);
            format!(", {first}..{}", utc(b, Some(&first[..10])))
        });
        format!("history {what} ({} samples{steps}{span})", m.samples().len())
    };
    let s = s.cloned().unwrap_or_default();
    out += &format!(": {} records corrected", s.records);
    if let Some(mean) = s.mean() {
        out += &format!(
            ", max |{}|, mean {}",
            fmt_offset(s.max_abs).trim_start_matches('+'),
            fmt_offset(mean)
        );
    }
    if !h.files.is_empty() && s.records > 0 {
        out += &match s.outside {
            0 => ", all within the history".to_string(),
            n => format!(", {n} outside the history (nearest value held)"),
        };
    }
    out
}

/// The host lines of the run, by host name. `inferred`: hosts `--correlate` corrected
/// (they have lines of their own after these); `asked`: whether correction was asked for
/// (`--offsets`, `--skew`, `--correlate`), so that a host left uncorrected is a warning.
pub fn host_lines(
    cx: &Context,
    corrector: &Corrector,
    inferred: &[String],
    asked: bool,
) -> Vec<HostLine> {
    let names = cx.hosts.lock().unwrap().names().to_vec();
    let assumed = cx.assumed.lock().unwrap();
    let none = HostAssumed::default();
    let mut lines = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let a = assumed.hosts.get(i).unwrap_or(&none);
        let stats = corrector.stats_of(name);
        if !a.seen() && stats.is_none() {
            continue;
        }
        let (clock, uncorrected) = if inferred.iter().any(|h| h == name) {
            ("inferred by --correlate (below)".to_string(), false)
        } else if let Some(h) = corrector.history_of(name) {
            (corrected(h, stats.as_ref()), false)
        } else {
            ("no history: not corrected".to_string(), true)
        };
        lines.push(HostLine {
            host: name.clone(),
            zone: a.zone_text(),
            year: a.year_text(),
            clock,
            doubtful: a.zone_assumed || a.year_assumed || (asked && uncorrected),
        });
    }
    lines.sort_by(|a, b| a.host.cmp(&b.host));
    lines
}

/// The lines as text, in aligned columns (the year column only when a host has one).
pub fn format(lines: &[HostLine]) -> Vec<String> {
    let w = |f: fn(&HostLine) -> &str| lines.iter().map(|l| f(l).chars().count()).max();
    let hw = w(|l| &l.host).unwrap_or(0);
    let zw = w(|l| &l.zone).unwrap_or(0);
    let yw = w(|l| &l.year).unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            let mut s = format!("{:hw$}  {:zw$}  ", l.host, l.zone);
            if yw > 0 {
                s += &format!("{:yw$}  ", l.year);
            }
            s += &l.clock;
            s
        })
        .collect()
}

/// Say the host lines: all of them (the first few unless `verbose`), or with `--quiet`
/// only those that are warnings under `--strict`. Each doubtful line counts as a warning.
pub fn say(lines: &[HostLine], verbose: bool) {
    let text = format(lines);
    let show = |l: &HostLine| !diag::quiet() || (diag::strict() && l.doubtful);
    let limit = if verbose { usize::MAX } else { HOST_LINES };
    let mut shown = 0;
    let mut hidden = 0;
    for (l, t) in lines.iter().zip(&text) {
        if l.doubtful {
            diag::warned();
        }
        if !show(l) {
            continue;
        }
        if shown < limit {
            eprintln!("deskew: {}", diag::one_line(t.trim_end()));
            shown += 1;
        } else {
            hidden += 1;
        }
    }
    if hidden > 0 {
        eprintln!("deskew: ... and {hidden} more hosts (--verbose lists all)");
    }
}

/// Warn of each `--host-tz`, `--skew`, `--boot-time HOST=`, `--offsets HOST=PATH` and history
/// that names no host of the input (they would silently do nothing), with the input's
/// closest names.
/// `offsets`: the `--offsets` arguments.
pub fn unmatched(cx: &Context, offsets: &[String]) {
    let names = cx.hosts.lock().unwrap().names().to_vec();
    // Hosts that have records (a source's own name is interned even when every line
    // names another host).
    let seen: Vec<String> = {
        let assumed = cx.assumed.lock().unwrap();
        names
            .iter()
            .enumerate()
            .filter(|(i, n)| {
                assumed.hosts.get(*i).is_some_and(HostAssumed::seen)
                    || cx.corrector.stats_of(n).is_some()
            })
            .map(|(_, n)| n.clone())
            .collect()
    };
    // (A host without a timestamp has nothing a zone, a skew or a history could act on.)
    let known = &seen;
    let missing = |h: &str| !known.iter().any(|k| host::matches(k, h));
    let hint = |h: &str| {
        let c = host::closest(h, known);
        if !c.is_empty() {
            format!("closest: {}", c.join(", "))
        } else if known.is_empty() {
            "the input has no records".into()
        } else {
            let mut k: Vec<&str> = known.iter().map(String::as_str).collect();
            k.sort_unstable();
            let more = k.len().saturating_sub(5);
            k.truncate(5);
            let tail = if more > 0 { format!(", ... {} in all", more + 5) } else { String::new() };
            format!("the input's hosts: {}{tail}", k.join(", "))
        }
    };
    let mut said = HashSet::new();
    for (h, _) in &cx.settings.host_tz {
        if missing(h) && said.insert(("--host-tz", h.to_ascii_lowercase())) {
            diag::warn(
                Kind::Unmatched,
                format!("--host-tz {h}=...: no host {h} in the input ({}); not used", hint(h)),
            );
        }
    }
    for (h, _) in &cx.settings.boot_time {
        let Some(h) = h else { continue };
        if missing(h) && said.insert(("--boot-time", h.to_ascii_lowercase())) {
            diag::warn(
                Kind::Unmatched,
                format!("--boot-time {h}=...: no host {h} in the input ({}); not used", hint(h)),
            );
        }
    }
    // `HOST=PATH` arguments, as `skew::load` reads them (a path that exists whole is a path).
    let explicit: Vec<(&str, &str)> = offsets
        .iter()
        .filter(|o| !std::path::Path::new(o.as_str()).exists())
        .filter_map(|o| o.split_once('=').filter(|(h, _)| !h.is_empty()))
        .collect();
    for h in cx.corrector.histories() {
        if !missing(&h.host) {
            continue;
        }
        let what = if h.files.is_empty() {
            format!("--skew {}=...", h.host)
        } else if let Some((eh, p)) =
            explicit.iter().find(|(eh, _)| eh.eq_ignore_ascii_case(&h.host))
        {
            format!("--offsets {eh}={p}")
        } else {
            let more = match h.files.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            format!("offset history {}{more}", diag::path(&h.files[0].0))
        };
        diag::warn(
            Kind::Unmatched,
            format!("{what}: no host {} in the input ({}); not used", h.host, hint(&h.host)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(host: &str, zone: &str, year: &str, clock: &str) -> HostLine {
        HostLine {
            host: host.into(),
            zone: zone.into(),
            year: year.into(),
            clock: clock.into(),
            doubtful: false,
        }
    }

    #[test]
    fn host_lines_are_aligned_in_columns_and_the_year_column_only_when_needed() {
        let lines = [
            line("lb01", "zone America/New_York (--host-tz)", "year 2026 (--year)", "no history"),
            line("worker01", "zone UTC (--tz)", "", "history w.jsonl"),
        ];
        assert_eq!(
            format(&lines),
            [
                "lb01      zone America/New_York (--host-tz)  year 2026 (--year)  no history",
                "worker01  zone UTC (--tz)                                        history w.jsonl",
            ]
        );
        let no_year = [line("a", "zone UTC (--tz)", "", "x"), line("bb", "zone -", "", "y")];
        assert_eq!(format(&no_year), ["a   zone UTC (--tz)  x", "bb  zone -           y"]);
    }

    #[test]
    fn summary_times_leave_out_a_repeated_date() {
        let t = 1_795_183_200_000_000_000; // 2026-11-20T14:00:00Z
        assert_eq!(utc(t, None), "2026-11-20T14:00:00Z");
        assert_eq!(utc(t, Some("2026-11-20")), "14:00:00Z");
        assert_eq!(utc(t, Some("2026-11-21")), "2026-11-20T14:00:00Z");
    }
}
