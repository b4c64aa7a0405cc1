//! Stamps the scanner and the layout table do not read: TAI64N labels, and the long zone
//! names Windows writes after a time (`India Standard Time`).

use chrono::{NaiveDate, TimeZone};

use crate::time::{Civil, Stamp, ZoneText, NANOS_PER_SEC};

/// `@` + 24 hex digits: TAI64N, as daemontools' `multilog t`, runit's `svlogd -t` and s6-log
/// write it. Read as 2^62 + 10 + Unix seconds, then nanoseconds: libtai's `tai_now` (used
/// by daemontools and runit) writes that on a system clock kept in UTC, and their
/// `tai64nlocal` reads it back so. (True TAI, as skalibs/s6 writes with its leap-second
/// table, is 27 s later since 2017; the label does not say which was meant.)
///
/// The label alone, without its `@` (a collector that dropped it, a `cut` of the line), only
/// where it is clearly one: 24 hex digits that start `4000000` (years 1970 to 2106) and end
/// at a word boundary.
pub fn tai64n(s: &[u8]) -> Option<(Stamp, usize)> {
    let at = usize::from(s.first() == Some(&b'@'));
    if s.len() < 24 + at {
        return None;
    }
    let hex = std::str::from_utf8(&s[at..24 + at]).ok()?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    if at == 0
        && (!hex.starts_with("4000000")
            || s.get(24).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_'))
    {
        return None;
    }
    let secs = u64::from_str_radix(&hex[..16], 16).ok()?;
    let nanos = u32::from_str_radix(&hex[16..], 16).ok()?;
    let unix = i64::try_from(secs.checked_sub((1 << 62) + 10)?).ok()?;
    if nanos >= 1_000_000_000 {
        return None;
    }
    Some((Stamp::Instant(unix.checked_mul(NANOS_PER_SEC)? + i64::from(nanos)), 24 + at))
}

/// Windows time zone names (the registry key, and the standard name Windows shows where it
/// differs) -> IANA, from CLDR's `common/supplemental/windowsZones.xml` (territory `001`,
/// the zone's main region). A daylight name (`Pacific Daylight Time`) is the standard name
/// with `Standard` replaced by `Daylight`.
pub const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Coordinated Universal Time", "Etc/UTC"),
    ("UTC", "Etc/UTC"),
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time", "America/Denver"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time", "America/Chicago"),
    ("Canada Central Standard Time", "America/Regina"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Eastern Standard Time", "America/New_York"),
    ("US Eastern Standard Time", "America/Indiana/Indianapolis"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Argentina Standard Time", "America/Argentina/Buenos_Aires"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Nepal Standard Time", "Asia/Kathmandu"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
];

/// A Windows zone name at the start of `s` after one space: (IANA zone, daylight, length).
pub fn windows_zone(s: &[u8]) -> Option<(chrono_tz::Tz, bool, usize)> {
    let s = s.strip_prefix(b" ")?;
    if !s.first().is_some_and(u8::is_ascii_uppercase) {
        return None;
    }
    for (name, iana) in WINDOWS_ZONES {
        let n = name.as_bytes();
        let daylight = n.ends_with(b"Standard Time") && {
            let stem = &n[..n.len() - b"Standard Time".len()];
            s.starts_with(stem) && s[stem.len()..].starts_with(b"Daylight Time")
        };
        if s.starts_with(n) || daylight {
            if s.get(n.len()).is_some_and(u8::is_ascii_alphanumeric) {
                continue;
            }
            let tz = iana.parse().ok()?;
            return Some((tz, daylight, 1 + n.len()));
        }
    }
    None
}

/// A zoneless civil time with a year, read in `tz` (the daylight reading where the hour
/// repeats and the name says daylight).
pub fn in_zone(c: &Civil, tz: chrono_tz::Tz, daylight: bool) -> Option<Stamp> {
    if c.zone != ZoneText::None || c.month == 0 {
        return None;
    }
    let naive = NaiveDate::from_ymd_opt(c.year?, u32::from(c.month), u32::from(c.day))?
        .and_hms_nano_opt(
            u32::from(c.hour),
            u32::from(c.minute),
            u32::from(c.second.min(59)),
            c.nanos,
        )?;
    let t = match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t,
        chrono::LocalResult::Ambiguous(a, b) => {
            if daylight {
                a.min(b)
            } else {
                a.max(b)
            }
        }
        chrono::LocalResult::None => return None,
    };
    Some(Stamp::Instant(t.timestamp_nanos_opt()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_windows_zone_maps_to_a_known_iana_zone() {
        for (name, iana) in WINDOWS_ZONES {
            assert!(iana.parse::<chrono_tz::Tz>().is_ok(), "{name} -> {iana}");
            let s = format!(" {name}");
            assert_eq!(windows_zone(s.as_bytes()).map(|z| z.2), Some(s.len()), "{name}");
        }
    }

    #[test]
    fn a_tai64n_label_reads_as_libtai_does() {
        // cr.yp.to/daemontools/tai64nlocal.html: `@4000000037c219bf2ef02e94 mark`, printed
        // there as 1999-08-23 21:03:43.787492500 US/Pacific on a leap-second (`right/`)
        // clock; libtai on a UTC clock wrote it at 04:04:05.7874925 UTC (22 s apart).
        let (st, n) = tai64n(b"@4000000037c219bf2ef02e94 mark").unwrap();
        assert_eq!(n, 25);
        assert_eq!(st, Stamp::Instant(935_467_445_787_492_500));
        // The same label without its `@`; hex runs that are no label are refused.
        let (st, n) = tai64n(b"4000000037c219bf2ef02e94 mark").unwrap();
        assert_eq!((st, n), (Stamp::Instant(935_467_445_787_492_500), 24));
        assert!(tai64n(b"5000000037c219bf2ef02e94 mark").is_none());
        assert!(tai64n(b"4000000037c219bf2ef02e94ff mark").is_none());
        assert!(tai64n(b"40000000433225833b6e1a8c").is_some());
    }
}
