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
    /// (1-based line number, message) for lines skipped.
    pub warnings: Vec<(usize, String)>,
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
        if f.len() >= 2 && chrony_time(f[0], f[1]).is_some() {
            // no banner in sight (rotated file): tell by the columns
            match f.len() {
                14 => return Kind::ChronyTracking,
                18..=20 => return Kind::ChronyMeasurements,
                12 | 13 => return Kind::ChronyStatistics,
                _ => continue,
            }
        }
        if f.len() >= 5 && mjd_time(f[0], f[1]).is_some() {
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
        Kind::DeskewJsonl => parse_jsonl(text, &mut h),
        Kind::ChronyTracking => parse_tracking(text, &mut h),
        Kind::ChronyMeasurements => parse_measurements(text, &mut h),
        Kind::ChronyStatistics => parse_statistics(text, &mut h),
        Kind::NtpLoopstats | Kind::NtpPeerstats => parse_ntpd(text, kind, &mut h),
        Kind::Unknown => h.warnings.push((1, "not an offset history".into())),
    }
    h
}

/// deskew's own history (SPEC "The history deskew sync --record DIR writes"): `time` is the
/// host clock reading at the midpoint of the exchange (RFC 3339), `offset` and `delay` in
/// seconds per RFC 5905 (offset = true - host: taken as is). Steps: within one `boot_id`, a
/// change of `time - mono_ns` beyond what the clock rate could do (500 ppm, the NTP frequency
/// tolerance, plus 1 ms) marks a step; so does a change of `boot_id`.
fn parse_jsonl(text: &str, h: &mut History) {
    let mut prev: Option<(Option<u32>, Option<i64>, Nanos)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        // The typed reader below does not build a document; any line it refuses goes through
        // `serde_json::Value`, which gives the same fields or the warning the line deserves.
        let slow: serde_json::Value;
        let f = match serde_json::from_str::<JsonlLine>(l) {
            Ok(line) => line.0,
            Err(_) => {
                slow = match serde_json::from_str(l) {
                    Ok(v @ serde_json::Value::Object(_)) => v,
                    Ok(_) => {
                        h.warnings.push((n, "not a JSON object".into()));
                        continue;
                    }
                    Err(e) => {
                        h.warnings.push((n, format!("malformed history line: {e}")));
                        continue;
                    }
                };
                JsonlFields::of(&slow)
            }
        };
        let time = f.time.and_then(|s| DateTime::parse_from_rfc3339(s).ok());
        let Some(time) = time.and_then(|t| t.timestamp_nanos_opt()) else {
            h.warnings.push((n, "missing or bad \"time\"".into()));
            continue;
        };
        let Some(offset) = f.offset.and_then(secs_f64) else {
            h.warnings.push((n, "missing or bad \"offset\"".into()));
            continue;
        };
        if f.selected == Some(false) {
            continue; // selection rejected it: not a measurement of this clock to trust
        }
        let delay = f.delay.and_then(secs_f64);
        if h.host.is_none() {
            h.host = f.host.map(str::to_string);
        }
        let source = h.intern_source(f.server.unwrap_or(""));
        let boot = f.boot_id.map(|b| intern(&mut h.boots, b));
        let mono = f.mono;
        let step = match prev {
            None => false,
            Some((pb, pm, pt)) => {
                if pb.is_some() && boot.is_some() && pb != boot {
                    true
                } else if let (Some(pm), Some(m)) = (pm, mono) {
                    let (t, m, pt, pm) = (time as i128, m as i128, pt as i128, pm as i128);
                    let jump = (t - m) - (pt - pm);
                    jump.abs() > 1_000_000 + (m - pm).abs() / 2000
                } else {
                    false
                }
            }
        };
        prev = Some((boot, mono, time));
        h.samples.push(Sample { host_time: time, offset, delay, source, step, boot, mono });
    }
}

/// The members of a deskew history line that [`parse_jsonl`] reads, as `serde_json::Value`
/// would give them (`v["time"].as_str()`, `v["offset"].as_f64()`, ...).
#[derive(Default)]
struct JsonlFields<'a> {
    time: Option<&'a str>,
    host: Option<&'a str>,
    server: Option<&'a str>,
    boot_id: Option<&'a str>,
    offset: Option<f64>,
    delay: Option<f64>,
    mono: Option<i64>,
    /// `"selected": false`: a measurement `deskew sync`'s selection rejected.
    selected: Option<bool>,
}

impl<'a> JsonlFields<'a> {
    fn of(v: &'a serde_json::Value) -> JsonlFields<'a> {
        JsonlFields {
            time: v["time"].as_str(),
            host: v["host"].as_str(),
            server: v["server"].as_str(),
            boot_id: v["boot_id"].as_str(),
            offset: v["offset"].as_f64(),
            delay: v["delay"].as_f64(),
            mono: mono_of(&v["mono_ns"]),
            selected: v["selected"].as_bool(),
        }
    }
}

fn mono_of(v: &serde_json::Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
}

/// A history line read without building a `serde_json::Value` map (the history of a day is
/// thousands of lines, read before any log). It reads exactly what [`JsonlFields::of`] reads
/// or fails, and then the caller takes the `Value` path: string members must be borrowable
/// (no escapes) and strings or null, a known key may appear only once (a `Value` keeps the
/// last), and every other member is still parsed as a `Value` (so what `Value` refuses, a
/// number out of range or a bad escape, is refused here too).
struct JsonlLine<'a>(JsonlFields<'a>);

impl<'de> serde::Deserialize<'de> for JsonlLine<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = JsonlLine<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a history object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                use serde_json::Value;
                let mut f = JsonlFields::default();
                let mut seen = 0u8;
                while let Some(key) = m.next_key::<&'de str>()? {
                    const KEYS: [&str; 8] = [
                        "time", "host", "server", "boot_id", "offset", "delay", "mono_ns",
                        "selected",
                    ];
                    let Some(i) = KEYS.iter().position(|k| *k == key) else {
                        m.next_value::<Value>()?;
                        continue;
                    };
                    if seen & (1 << i) != 0 {
                        return Err(serde::de::Error::custom("duplicate key"));
                    }
                    seen |= 1 << i;
                    match i {
                        0 => f.time = m.next_value()?,
                        1 => f.host = m.next_value()?,
                        2 => f.server = m.next_value()?,
                        3 => f.boot_id = m.next_value()?,
                        4 => f.offset = m.next_value::<Value>()?.as_f64(),
                        5 => f.delay = m.next_value::<Value>()?.as_f64(),
                        6 => f.mono = mono_of(&m.next_value::<Value>()?),
                        _ => f.selected = m.next_value::<Value>()?.as_bool(),
                    }
                }
                Ok(JsonlLine(f))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// chrony log time: `YYYY-MM-DD HH:MM:SS[.frac]`, UTC (chrony.conf(5), `log`: "Note that the
/// date-time pair is expressed in UTC, not the local time zone").
fn chrony_time(date: &str, time: &str) -> Option<Nanos> {
    if date.len() != 10 || date.as_bytes()[4] != b'-' {
        return None;
    }
    let s = format!("{date} {time}");
    let t = NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S%.f").ok()?;
    t.and_utc().timestamp_nanos_opt()
}

fn chrony_rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines().enumerate().filter_map(move |(i, l)| {
        let f: Vec<&str> = l.split_whitespace().collect();
        let banner = f.is_empty() || l.starts_with("====") || f[0] == "Date";
        // Every other line is a row: one too short or garbled is reported by the reader, not
        // taken for a banner.
        (!banner).then_some((i + 1, f))
    })
}

/// chrony `tracking.log`, chrony.conf(5) `log tracking` columns used:
/// 1-2 date and time (UTC); 3 "The IP address of the server or peer to which the local system
/// is synchronised"; 7 "The estimated local offset at the epoch, which is normally corrected
/// by slewing the local clock (in seconds, positive indicates the clock is fast of UTC)";
/// 8 leap status ("? means the clock is not currently synchronised"); 11 "The remaining
/// offset correction from the previous update (in seconds, positive means the system clock is
/// slow of UTC)".
///
/// Why theta = `Rem. corr.` - `Offset`, and host time = logged time - `Rem. corr.`:
/// chronyd measures and logs in its cooked time, system clock + correction still pending.
/// `Offset` (col 7) is cooked - true; `Rem. corr.` (col 11) is cooked - system clock at that
/// moment, before this update adds its own offset. So true - system = Rem. corr. - Offset.
/// On a disciplined host `Rem. corr.` is the part of past updates not yet slewed; under `-x`
/// chronyd never touches the clock, so every update accrues there for good and col 7 falls to
/// ~0 after the first update while the clock stays wrong: the sample logs (client of a server
/// 2.5 s ahead) show Offset -2.5 then ~0 with Rem. corr. 2.5 ever after, i.e. theta +2.5 s
/// throughout, as it truly was. Lines with leap status `?` (not synchronised) are skipped.
fn parse_tracking(text: &str, h: &mut History) {
    for (n, f) in chrony_rows(text) {
        let parsed = (|| {
            let cooked = chrony_time(f.first()?, f.get(1)?)?;
            let off = secs(f.get(6)?)?;
            let rem = secs(f.get(10)?)?;
            Some((cooked, off, rem, *f.get(7)?))
        })();
        let Some((cooked, off, rem, leap)) = parsed else {
            h.warnings.push((n, "malformed tracking.log row".into()));
            continue;
        };
        h.updates.push(ChronyUpdate { cooked, before: rem, after: rem - off });
        if leap == "?" {
            continue;
        }
        let source = h.intern_source(f[2]);
        h.samples.push(Sample {
            host_time: cooked - rem,
            offset: rem - off,
            delay: None,
            source,
            step: false,
            boot: None,
            mono: None,
        });
    }
}

/// chrony `measurements.log` (or `measure.log` of `rawmeasurements`), chrony.conf(5):
/// 3 "IP address of server or peer from which measurement comes"; 12 "The estimated local
/// clock error (theta in RFC 5905). Positive indicates that the local clock is slow of the
/// remote source"; 13 "The peer delay (delta in RFC 5905)". Theta as is, but relative to the
/// cooked clock and stamped in cooked time: the history is marked `cooked` (module docs).
/// Only rows that passed RFC 5905 tests 1-3 and 5-7 (cols 6-7 all 1) are kept, as chronyd
/// itself does for `measurements` ("only valid measurements ... those which pass RFC 5905
/// tests 1 through 7"), so `rawmeasurements` files read the same.
fn parse_measurements(text: &str, h: &mut History) {
    h.cooked = true;
    for (n, f) in chrony_rows(text) {
        let parsed = (|| {
            let t = chrony_time(f.first()?, f.get(1)?)?;
            let off = secs(f.get(11)?)?;
            let delay = secs(f.get(12)?)?;
            let ok = f[5..7].iter().all(|c| c.bytes().all(|b| b == b'1'));
            Some((t, off, delay, ok))
        })();
        let Some((t, off, delay, ok)) = parsed else {
            h.warnings.push((n, "malformed measurements.log row".into()));
            continue;
        };
        if !ok {
            continue;
        }
        let source = h.intern_source(f[2]);
        h.samples.push(Sample {
            host_time: t,
            offset: off,
            delay: Some(delay),
            source,
            step: false,
            boot: None,
            mono: None,
        });
    }
}

/// chrony `statistics.log`, chrony.conf(5): 3 "IP address of server or peer from which
/// measurement comes"; 5 "The estimated offset of the source (in seconds, positive means the
/// local clock is estimated to be fast, in this case)": theta = -col 5, relative to the cooked
/// clock (the history is marked `cooked`).
fn parse_statistics(text: &str, h: &mut History) {
    h.cooked = true;
    for (n, f) in chrony_rows(text) {
        let parsed = (|| Some((chrony_time(f.first()?, f.get(1)?)?, secs(f.get(4)?)?)))();
        let Some((t, est)) = parsed else {
            h.warnings.push((n, "malformed statistics.log row".into()));
            continue;
        };
        let source = h.intern_source(f[2]);
        h.samples.push(Sample {
            host_time: t,
            offset: -est,
            delay: None,
            source,
            step: false,
            boot: None,
            mono: None,
        });
    }
}

/// ntpd time: Modified Julian Day and seconds past UTC midnight (MJD 40587 = 1970-01-01).
fn mjd_time(day: &str, sec: &str) -> Option<Nanos> {
    let d: i64 = day.parse().ok()?;
    if !(40587..=140000).contains(&d) {
        return None;
    }
    let s: f64 = sec.parse().ok()?;
    if !(0.0..=86401.0).contains(&s) {
        return None;
    }
    Some((d - 40587) * 86400 * SEC + (s * 1e9).round() as Nanos)
}

/// ntpd/ntpsec monitoring options (ntp_mon(5), "statistics"):
/// `loopstats`: "The first two fields show the date (Modified Julian Day) and time (seconds
/// and fraction past UTC midnight). The next five fields show time offset (seconds),
/// frequency offset (parts per million - PPM), RMS jitter (seconds), Allan deviation (PPM) and
/// clock discipline time constant." `peerstats`: MJD, seconds, "the peer address in
/// dotted-quad notation and status, respectively ... The final three fields show the offset,
/// delay and RMS jitter, all in seconds" (ntpsec inserts dispersion before jitter). ntpd's
/// offset is theta (positive: the local clock is behind; checked against a source 0.25 s
/// ahead), measured against the system clock itself, which is also what stamps the line.
fn parse_ntpd(text: &str, kind: Kind, h: &mut History) {
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() || f[0].starts_with('#') {
            continue;
        }
        let parsed = (|| {
            let t = mjd_time(f[0], f.get(1)?)?;
            if kind == Kind::NtpLoopstats {
                Some((t, secs(f.get(2)?)?, None, "loop"))
            } else {
                let delay = secs(f.get(5)?)?;
                Some((t, secs(f.get(4)?)?, Some(delay), *f.get(2)?))
            }
        })();
        let Some((t, off, delay, src)) = parsed else {
            h.warnings.push((n, format!("malformed {} row", kind.name())));
            continue;
        };
        let source = h.intern_source(src);
        h.samples.push(Sample {
            host_time: t,
            offset: off,
            delay,
            source,
            step: false,
            boot: None,
            mono: None,
        });
    }
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;

#[cfg(test)]
mod jsonl_fast_path_tests {
    use super::*;

    /// The typed reader gives what `Value` gives, or refuses the line.
    #[test]
    fn typed_reader_agrees_with_value_or_refuses() {
        let lines = [
            r#"{"time": "2026-11-22T05:55:15.98Z", "host": "a", "server": "s:123", "offset": -3.9, "delay": 4e-4, "stratum": 2}"#,
            r#"{"time":"t","offset":1,"delay":null,"boot_id":"b","mono_ns":18446744073709551615}"#,
            r#"{"time":"t","offset":"1","mono_ns":-5,"x":{"y":[1,2,{"z":null}]}}"#,
            r#"{"time":"t","time":"u","offset":1}"#,
            r#"{"time":"t\u0041","offset":1}"#,
            r#"{"time":"t","offset":1,"x":1e400}"#,
            r#"{"time":"t","offset":1,"x":"\ud800"}"#,
            r#"{"host":5,"offset":1}"#,
            r#"{}"#,
            r#"[1]"#,
            r#"{"time":"t"} x"#,
        ];
        for l in lines {
            let value = serde_json::from_str::<serde_json::Value>(l).ok().filter(|v| v.is_object());
            match serde_json::from_str::<JsonlLine>(l) {
                Ok(JsonlLine(f)) => {
                    let v = value.expect(l);
                    let g = JsonlFields::of(&v);
                    assert_eq!(
                        (f.time, f.host, f.server, f.boot_id, f.offset, f.delay, f.mono),
                        (g.time, g.host, g.server, g.boot_id, g.offset, g.delay, g.mono),
                        "{l}"
                    );
                }
                Err(_) => assert!(
                    matches!(l, r#"{"time":"t","time":"u","offset":1}"#)
                        || matches!(l, r#"{"time":"t\u0041","offset":1}"#)
                        || value.is_none()
                        || l.contains("\"host\":5"),
                    "{l}"
                ),
            }
        }
    }
}
