//! Offset history readers, chosen by content (never by file name).
//!
//! Every reader yields [`Sample`]s in the convention of this module's parent:
//! `offset = true time - host clock reading` (RFC 5905 theta), `host_time` the host clock
//! reading the offset belongs to, both in nanoseconds. Samples keep the file's order.
//!
//! chrony logs need one more step. chronyd measures against its own *cooked* clock (system
//! clock + the correction it still has to apply), and stamps its log lines with cooked time.
//! `tracking.log` carries that correction (`Rem. corr.`) on every line, so its reader gives the
//! host clock's actual error directly. `measurements.log` and `statistics.log` do not: their
//! [`History`] is marked `cooked`, and [`History::apply_chrony_updates`] converts them with the
//! correction series of a `tracking.log` of the same host (the loader does this). Without one,
//! they are used as they are, which is exact only while chronyd has no correction pending.

use crate::time::Nanos;

mod chrony;
mod jsonl;
mod ntpd;
use chrono::{DateTime, NaiveDateTime};

/// What a history file is, told from its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    DeskewJsonl,
    ChronyTracking,
    ChronyMeasurements,
    ChronyStatistics,
    NtpLoopstats,
    NtpPeerstats,
    Unknown,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::DeskewJsonl => "deskew history",
            Kind::ChronyTracking => "chrony tracking.log",
            Kind::ChronyMeasurements => "chrony measurements.log",
            Kind::ChronyStatistics => "chrony statistics.log",
            Kind::NtpLoopstats => "ntpd loopstats",
            Kind::NtpPeerstats => "ntpd peerstats",
            Kind::Unknown => "unknown",
        }
    }
}

/// One offset measurement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Host clock reading the offset belongs to (ns since the epoch, as the host clock said).
    pub host_time: Nanos,
    /// true time - host clock reading (RFC 5905 theta), ns.
    pub offset: Nanos,
    /// Round-trip delay of the measurement, when the log has it.
    pub delay: Option<Nanos>,
    /// Server or source, interned in [`History::sources`].
    pub source: u32,
    /// The log marks a clock step between the previous sample (in file order) and this one.
    pub step: bool,
    /// Boot, interned in [`History::boots`].
    pub boot: Option<u32>,
    /// CLOCK_MONOTONIC at the measurement, ns.
    pub mono: Option<i64>,
}

/// One chronyd clock update from `tracking.log`: at cooked time `cooked`, chronyd's correction
/// (cooked - system clock) was `before`; the update made it `after`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChronyUpdate {
    pub cooked: Nanos,
    pub before: Nanos,
    pub after: Nanos,
}

/// A parsed history file.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub kind: Option<Kind>,
    /// The `host` key of a deskew history.
    pub host: Option<String>,
    pub samples: Vec<Sample>,
    /// (1-based line number, message) for the first [`MAX_WARNINGS`] lines skipped.
    pub warnings: Vec<(usize, String)>,
    /// Lines skipped past the first [`MAX_WARNINGS`]: counted, not listed (a history of a
    /// million bad rows is one problem, not a million messages).
    pub more_warnings: usize,
    pub sources: Vec<String>,
    pub boots: Vec<String>,
    /// Offsets and times are relative to chronyd's cooked clock (see the module docs).
    pub cooked: bool,
    /// chrony `tracking.log` only: the correction series.
    pub updates: Vec<ChronyUpdate>,
}

impl History {
    pub fn kind(&self) -> Kind {
        self.kind.unwrap_or(Kind::Unknown)
    }

    /// Notes a skipped line: listed while few, counted after.
    fn warn(&mut self, line: usize, msg: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push((line, msg));
        } else {
            self.more_warnings += 1;
        }
    }

    fn intern_source(&mut self, s: &str) -> u32 {
        intern(&mut self.sources, s)
    }

    /// Converts cooked samples (chrony measurements/statistics) to host clock terms with the
    /// correction series of the same host's `tracking.log`. Log times have one-second
    /// resolution, so a sample stamped in the second of an update may lie on either side of
    /// it: of the corrections possible then, take the one whose result agrees best with
    /// tracking.log's own estimate of the clock error.
    pub fn apply_chrony_updates(&mut self, tracking: &History) {
        let ups = &tracking.updates;
        if !self.cooked || ups.is_empty() {
            return;
        }
        let truth = &tracking.samples;
        for s in &mut self.samples {
            let t = s.host_time;
            let mut cands: Vec<Nanos> = vec![corr_at(ups, t)];
            let i = ups.partition_point(|u| u.cooked < t - SEC);
            for u in ups[i..].iter().take_while(|u| u.cooked <= t + SEC) {
                cands.push(u.before);
                cands.push(u.after);
            }
            let c = match nearest_offset(truth, t) {
                Some(reference) => *cands
                    .iter()
                    .min_by_key(|&&c| (s.offset + c - reference).unsigned_abs())
                    .unwrap_or(&cands[0]),
                None => cands[0],
            };
            s.host_time = t - c;
            s.offset += c;
        }
        self.cooked = false;
    }
}

const SEC: Nanos = 1_000_000_000;

/// Skipped lines of one history listed one by one; the rest are a count.
pub const MAX_WARNINGS: usize = 5;

/// Correction in effect at cooked time `t`: after the last update, moving linearly towards the
/// `before` of the next (chronyd slews the rest, or with `-x` accrues the frequency error).
fn corr_at(ups: &[ChronyUpdate], t: Nanos) -> Nanos {
    let i = ups.partition_point(|u| u.cooked <= t);
    if i == 0 {
        return ups[0].before;
    }
    let a = ups[i - 1];
    match ups.get(i) {
        Some(b) if b.cooked > a.cooked => {
            let f = (t - a.cooked) as f64 / (b.cooked - a.cooked) as f64;
            a.after + ((b.before - a.after) as f64 * f) as Nanos
        }
        _ => a.after,
    }
}

fn nearest_offset(samples: &[Sample], t: Nanos) -> Option<Nanos> {
    // tracking samples are in file (= time) order
    let i = samples.partition_point(|s| s.host_time < t);
    let mut best: Option<&Sample> = None;
    for s in [i.checked_sub(1), Some(i)].into_iter().flatten().filter_map(|j| samples.get(j)) {
        if best.is_none_or(|b| (s.host_time - t).abs() < (b.host_time - t).abs()) {
            best = Some(s);
        }
    }
    best.map(|s| s.offset)
}

fn intern(table: &mut Vec<String>, s: &str) -> u32 {
    match table.iter().position(|x| x == s) {
        Some(i) => i as u32,
        None => {
            table.push(s.to_string());
            (table.len() - 1) as u32
        }
    }
}

/// Seconds (float text) to nanoseconds; `None` unless finite and within ±100 years.
pub fn secs(text: &str) -> Option<Nanos> {
    let v: f64 = text.parse().ok()?;
    secs_f64(v)
}

fn secs_f64(v: f64) -> Option<Nanos> {
    (v.is_finite() && v.abs() < 3.2e9).then(|| (v * 1e9).round() as Nanos)
}

/// Tells the kind of a history from its first meaningful lines.
pub fn detect(text: &str) -> Kind {
    for line in text.lines().take(50) {
        let l = line.trim();
        if l.is_empty() || l.starts_with("====") {
            continue;
        }
        if l.starts_with('{') {
            return Kind::DeskewJsonl;
        }
        if l.contains("Rem. corr.") {
            return Kind::ChronyTracking;
        }
        if l.contains("Peer del.") {
            return Kind::ChronyMeasurements;
        }
        if l.contains("Est offset") {
            return Kind::ChronyStatistics;
        }
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() >= 2 && chrony::chrony_time(f[0], f[1]).is_some() {
            // no banner in sight (rotated file): tell by the columns
            match f.len() {
                14 => return Kind::ChronyTracking,
                18..=20 => return Kind::ChronyMeasurements,
                12 | 13 => return Kind::ChronyStatistics,
                _ => continue,
            }
        }
        if f.len() >= 5 && ntpd::mjd_time(f[0], f[1]).is_some() {
            if f[2].parse::<f64>().is_ok() && f.len() <= 8 {
                return Kind::NtpLoopstats;
            }
            if f.len() >= 7 && u32::from_str_radix(f[3], 16).is_ok() {
                return Kind::NtpPeerstats;
            }
        }
        return Kind::Unknown;
    }
    Kind::Unknown
}

/// Parses a history, telling its kind from its content.
pub fn parse(text: &str) -> History {
    let kind = detect(text);
    let mut h = History { kind: Some(kind), ..History::default() };
    match kind {
        Kind::DeskewJsonl => jsonl::parse(text, &mut h),
        Kind::ChronyTracking => chrony::parse_tracking(text, &mut h),
        Kind::ChronyMeasurements => chrony::parse_measurements(text, &mut h),
        Kind::ChronyStatistics => chrony::parse_statistics(text, &mut h),
        Kind::NtpLoopstats | Kind::NtpPeerstats => ntpd::parse(text, kind, &mut h),
        Kind::Unknown => h.warnings.push((1, "not an offset history".into())),
    }
    h
}

#[cfg(test)]
mod tests;
