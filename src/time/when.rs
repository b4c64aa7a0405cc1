//! `--since` / `--until` values as people type them: RFC 3339, a date (`2026-11-20`), a
//! local time in the run's zone (`2026-11-20 14:00`, `14:00` = today), a relative time
//! (`-15m`, `2h ago`, `90s`, `1h30m`, `+5m`), and `now`, `today`, `yesterday`, `tomorrow`
//! (midnight in the zone, or with a time: `yesterday 14:00`). Pure: `now` and the zone are
//! given, so the rules are tested without a clock.

use super::civil::{civil_from_days, to_secs, valid_date, valid_time};
use super::zone::{Local, Tz, ZoneCache};
use super::{rfc3339, Nanos, NANOS_PER_SEC};

/// Why a time was not taken. The message names every form that is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhenError {
    #[error(
        "expected RFC 3339 (2026-11-20T14:00:00Z), a date (2026-11-20), a local time in --tz \
         (2026-11-20 14:00, 14:00 = today), a relative time (-15m, 2h ago, 1h30m, +5m), or \
         now, today, yesterday"
    )]
    Unrecognized,
    #[error("{0}: no such date or time of day")]
    Invalid(String),
    #[error("outside the years 1678 to 2261, the times deskew reads (a log line stamped outside them is kept without a time)")]
    OutOfRange,
}

const FORMS: WhenError = WhenError::Unrecognized;

/// The instant `s` names, `now` being the present and `tz` the zone of local times.
pub fn parse(s: &str, now: Nanos, tz: &Tz) -> Result<Nanos, WhenError> {
    let t = s.trim();
    if let Some(i) = rfc3339::parse(t) {
        return Ok(i);
    }
    if rfc3339_out_of_range(t) {
        return Err(WhenError::OutOfRange);
    }
    let lower = t.to_ascii_lowercase();
    let mut words = lower.split_ascii_whitespace();
    let first = words.next().ok_or(FORMS)?;
    let rest: Vec<&str> = words.collect();
    let day_word = match first {
        "now" if rest.is_empty() => return Ok(now),
        "today" => Some(0),
        "yesterday" => Some(-1),
        "tomorrow" => Some(1),
        _ => None,
    };
    if let Some(delta) = day_word {
        let (y, m, d) = today(now, tz, delta);
        let clock = match rest.as_slice() {
            [] => (0, 0, 0, 0),
            [c] => clock(c).ok_or(FORMS)??,
            _ => return Err(FORMS),
        };
        return local(tz, (y, m, d), clock);
    }
    if let Some(r) = relative(&lower) {
        let d = r?;
        return now.checked_add(d).ok_or(WhenError::OutOfRange);
    }
    // A date, alone or with a time of day (a space or T between).
    if let Some(date) = date(first.split('t').next().unwrap_or(first)) {
        let date = date?;
        let time_text = match (first.split_once('t'), rest.as_slice()) {
            (None, []) => None,
            (None, [c]) => Some(*c),
            (Some((_, c)), []) => Some(c),
            _ => return Err(FORMS),
        };
        let clock = match time_text {
            None => (0, 0, 0, 0),
            Some(c) => clock(c).ok_or(FORMS)??,
        };
        return local(tz, date, clock);
    }
    if rest.is_empty() {
        if let Some(c) = clock(first) {
            return local(tz, today(now, tz, 0), c?);
        }
    }
    Err(FORMS)
}

/// Whether `s` is RFC 3339 but for its year, outside what i64 nanoseconds hold (say
/// `9999-12-31T23:59:59Z`): the same text in year 2000 (a leap year, so Feb 29 passes) reads.
fn rfc3339_out_of_range(s: &str) -> bool {
    let Some(y) = s.get(..4).and_then(|y| y.parse::<i32>().ok()) else { return false };
    !(1678..=2261).contains(&y) && rfc3339::parse(&format!("2000{}", &s[4..])).is_some()
}

/// The civil date `delta` days from today in `tz`.
fn today(now: Nanos, tz: &Tz, delta: i64) -> (i32, u8, u8) {
    let secs = now.div_euclid(NANOS_PER_SEC);
    let off = ZoneCache::new(tz.clone()).utc_offset(secs);
    civil_from_days((secs + i64::from(off)).div_euclid(86_400) + delta)
}

/// A local date and time in `tz` as an instant: in a repeated hour the first pass, in a
/// skipped hour shifted forward by the gap (the rules of timestamps without a zone).
fn local(
    tz: &Tz,
    (y, mo, d): (i32, u8, u8),
    (h, mi, s, ns): (u8, u8, u8, u32),
) -> Result<Nanos, WhenError> {
    if !(1678..=2261).contains(&y) {
        return Err(WhenError::OutOfRange);
    }
    let wall = to_secs(y, mo, d, h, mi, s);
    let off = match ZoneCache::new(tz.clone()).local_offset(wall) {
        Local::Single(o) => o,
        Local::Ambiguous { earlier, .. } => earlier,
        Local::Gap { before, .. } => before,
    };
    (wall - i64::from(off))
        .checked_mul(NANOS_PER_SEC)
        .and_then(|n| n.checked_add(i64::from(ns)))
        .ok_or(WhenError::OutOfRange)
}

/// `YYYY-MM-DD`: `None` when the text does not have that shape.
fn date(s: &str) -> Option<Result<(i32, u8, u8), WhenError>> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = s[..4].parse().ok()?;
    let m: u8 = s[5..7].parse().ok()?;
    let d: u8 = s[8..].parse().ok()?;
    if !valid_date(Some(y), m, d) {
        return Some(Err(WhenError::Invalid(s.to_string())));
    }
    Some(Ok((y, m, d)))
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`: `None` when the text does not have that shape.
#[allow(clippy::type_complexity)]
fn clock(s: &str) -> Option<Result<(u8, u8, u8, u32), WhenError>> {
    let (hms, frac) = s.split_once('.').map_or((s, None), |(a, f)| (a, Some(f)));
    let parts: Vec<&str> = hms.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 2 || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let num = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse::<u8>().ok());
    let (h, m, sec) = (num(0)?, num(1)?, num(2)?);
    let ns = match frac {
        None => 0,
        Some(f)
            if parts.len() == 3
                && !f.is_empty()
                && f.len() <= 9
                && f.bytes().all(|c| c.is_ascii_digit()) =>
        {
            f.parse::<u32>().ok()? * 10u32.pow(9 - f.len() as u32)
        }
        Some(_) => return None,
    };
    if !valid_time(h, m, sec.min(59), ns) {
        return Some(Err(WhenError::Invalid(s.to_string())));
    }
    Some(Ok((h, m, sec.min(59), ns)))
}

/// A relative time as a signed offset from now: `-15m`, `15m`, `15m ago`, `15 minutes ago`,
/// `1h30m` (all in the past), `+15m`, `in 15m` (the future). `None` when the text is not one.
fn relative(s: &str) -> Option<Result<Nanos, WhenError>> {
    let mut t = s.trim();
    let mut sign = -1;
    if let Some(r) = t.strip_suffix("ago") {
        t = r.trim_end();
    } else if let Some(r) = t.strip_prefix('-') {
        t = r.trim_start();
    } else if let Some(r) = t.strip_prefix('+').or_else(|| t.strip_prefix("in ")) {
        t = r.trim_start();
        sign = 1;
    }
    if t.is_empty() || !t.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let mut total: f64 = 0.0;
    let mut rest = t;
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let v: f64 = rest[..n].parse().ok()?;
        rest = rest[n..].trim_start();
        let u = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let scale = unit(&rest[..u])?;
        rest = rest[u..].trim_start();
        total += v * scale;
    }
    let ns = total * 1e9;
    if !ns.is_finite() || ns.abs() > 9.0e18 {
        return Some(Err(WhenError::OutOfRange));
    }
    Some(Ok(sign * ns.round() as i64))
}

/// Seconds in a unit of a relative time.
fn unit(u: &str) -> Option<f64> {
    Some(match u {
        "ms" | "msec" | "msecs" => 0.001,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        "w" | "week" | "weeks" => 7.0 * 86_400.0,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-20T15:30:00Z, a Friday.
    const NOW: Nanos = 1_795_188_600 * NANOS_PER_SEC;
    const MIN: Nanos = 60 * NANOS_PER_SEC;
    const HOUR: Nanos = 60 * MIN;

    fn utc(s: &str) -> Result<Nanos, WhenError> {
        parse(s, NOW, &Tz::Fixed(0))
    }
    fn at(s: &str) -> Nanos {
        rfc3339::parse(s).unwrap()
    }

    #[test]
    fn the_fixed_now_is_the_expected_instant() {
        assert_eq!(NOW, at("2026-11-20T15:30:00Z"));
    }

    #[test]
    fn rfc3339_is_taken_as_written() {
        assert_eq!(utc("2026-11-23T18:41:37.5+01:00"), Ok(at("2026-11-23T17:41:37.5Z")));
    }

    #[test]
    fn relative_times_count_back_from_now() {
        for (s, d) in [
            ("-15m", -15 * MIN),
            ("15m", -15 * MIN),
            ("2h ago", -2 * HOUR),
            ("2 hours ago", -2 * HOUR),
            ("1h30m", -90 * MIN),
            ("-1d", -24 * HOUR),
            ("1 week ago", -7 * 24 * HOUR),
            ("90s", -90 * NANOS_PER_SEC),
            ("500ms ago", -500_000_000),
            ("+5m", 5 * MIN),
            ("in 2 hours", 2 * HOUR),
            ("1.5h ago", -90 * MIN),
        ] {
            assert_eq!(utc(s), Ok(NOW + d), "{s}");
        }
        assert_eq!(utc("now"), Ok(NOW));
        assert_eq!(utc(" NOW "), Ok(NOW));
    }

    #[test]
    fn day_words_are_midnight_in_the_zone() {
        assert_eq!(utc("today"), Ok(at("2026-11-20T00:00:00Z")));
        assert_eq!(utc("yesterday"), Ok(at("2026-11-19T00:00:00Z")));
        assert_eq!(utc("tomorrow"), Ok(at("2026-11-21T00:00:00Z")));
        assert_eq!(utc("yesterday 14:00"), Ok(at("2026-11-19T14:00:00Z")));
        // In Tokyo (+09:00) it is already 00:30 on the 21st.
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        assert_eq!(parse("today", NOW, &tokyo), Ok(at("2026-11-20T15:00:00Z")));
        assert_eq!(parse("14:00", NOW, &tokyo), Ok(at("2026-11-21T05:00:00Z")));
    }

    #[test]
    fn dates_and_local_times_are_read_in_the_zone() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(utc("2026-11-20"), Ok(at("2026-11-20T00:00:00Z")));
        assert_eq!(parse("2026-11-20", NOW, &berlin), Ok(at("2026-11-19T23:00:00Z")));
        assert_eq!(parse("2026-11-20 14:00", NOW, &berlin), Ok(at("2026-11-20T13:00:00Z")));
        assert_eq!(parse("2026-07-20T14:00:30", NOW, &berlin), Ok(at("2026-07-20T12:00:30Z")));
        assert_eq!(parse("14:00", NOW, &berlin), Ok(at("2026-11-20T13:00:00Z")));
        assert_eq!(utc("14:00:05.25"), Ok(at("2026-11-20T14:00:05.25Z")));
        assert_eq!(
            parse("2026-11-20 14:00", NOW, &Tz::Fixed(-5 * 3600)),
            Ok(at("2026-11-20T19:00:00Z"))
        );
    }

    #[test]
    fn dst_gaps_shift_forward_and_overlaps_take_the_first_pass() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // 2026-03-29 02:30 does not exist in Berlin: 03:30 CEST = 01:30Z.
        assert_eq!(parse("2026-03-29 02:30", NOW, &berlin), Ok(at("2026-03-29T01:30:00Z")));
        // 2026-10-25 02:30 happens twice: the first (CEST) = 00:30Z.
        assert_eq!(parse("2026-10-25 02:30", NOW, &berlin), Ok(at("2026-10-25T00:30:00Z")));
    }

    #[test]
    fn nonsense_is_refused_with_the_forms_named() {
        for s in [
            "",
            "soon",
            "2026-11-20 14",
            "15 parsecs ago",
            "2026-11-20 14:00 extra",
            "1:2:3:4",
            "-",
            "ago",
            "14h00",
        ] {
            assert_eq!(utc(s), Err(WhenError::Unrecognized), "{s:?}");
        }
        assert!(WhenError::Unrecognized.to_string().contains("2h ago"));
        assert!(matches!(utc("2026-02-30"), Err(WhenError::Invalid(_))));
        assert!(matches!(utc("25:00"), Err(WhenError::Invalid(_))));
        assert_eq!(utc("9999999999h ago"), Err(WhenError::OutOfRange));
        assert_eq!(utc("1500-01-01"), Err(WhenError::OutOfRange));
        assert_eq!(utc("9999-12-31T23:59:59Z"), Err(WhenError::OutOfRange));
        assert_eq!(utc("0001-01-01T00:00:00+01:00"), Err(WhenError::OutOfRange));
        // Not a date in any year: that is said, not the range.
        assert!(matches!(utc("9999-13-31T23:59:59Z"), Err(WhenError::Invalid(_))));
    }
}
