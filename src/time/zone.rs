//! Zones: IANA zones via chrono-tz, fixed offsets, and zone abbreviations.

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Offset, TimeZone};
use chrono_tz::OffsetName;

/// The zone that applies to timestamps whose text carries none.
#[derive(Clone, Debug, PartialEq)]
pub enum Tz {
    /// A fixed offset in seconds east of UTC (`UTC` is `Fixed(0)`).
    Fixed(i32),
    Named(chrono_tz::Tz),
}

/// Why a zone name was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    #[error("bad UTC offset {0:?}: expected +HH:MM, +HHMM or +HH")]
    BadOffset(String),
    #[error("unknown time zone {0:?}: expected UTC, +HH:MM or an IANA name like Europe/Berlin")]
    Unknown(String),
}

impl FromStr for Tz {
    type Err = ZoneError;
    /// `UTC`, `Z`, `GMT`, `+HH:MM`, `-HHMM`, `+HH`, or an IANA name (`Europe/Berlin`).
    fn from_str(s: &str) -> Result<Self, ZoneError> {
        let s = s.trim();
        let s = s.strip_prefix(':').unwrap_or(s); // POSIX `TZ=:Europe/Berlin`
        if [
            "UTC",
            "Z",
            "GMT",
            "UT",
            "Etc/UTC",
            "Etc/GMT",
            "Etc/UCT",
            "Etc/Universal",
            "Etc/Zulu",
            "Universal",
            "Zulu",
        ]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(s))
        {
            return Ok(Tz::Fixed(0));
        }
        if s.starts_with(['+', '-']) {
            return match parse_offset(s.as_bytes()) {
                Some((off, n)) if n == s.len() => Ok(Tz::Fixed(off)),
                _ => Err(ZoneError::BadOffset(s.to_string())),
            };
        }
        s.parse::<chrono_tz::Tz>()
            .ok()
            .or_else(|| {
                chrono_tz::TZ_VARIANTS.iter().copied().find(|z| z.name().eq_ignore_ascii_case(s))
            })
            .map(Tz::Named)
            .ok_or_else(|| ZoneError::Unknown(s.to_string()))
    }
}

/// `+HH:MM`, `+HHMM` or `+HH` at the start of `s` (the sign is required): (seconds east, length).
pub fn parse_offset(s: &[u8]) -> Option<(i32, usize)> {
    let sign = match s.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let d = |i: usize| s.get(i).filter(|b| b.is_ascii_digit()).map(|b| i32::from(b - b'0'));
    let h = d(1)? * 10 + d(2)?;
    let (m, n) = match (s.get(3), d(3), d(4)) {
        (Some(b':'), _, _) if d(4).is_some() => (d(4)? * 10 + d(5)?, 6),
        // Hours alone before a colon that ends the stamp (log4j `%d{...SSSX}: msg`).
        (Some(b':'), _, _) => (0, 3),
        (_, Some(a), Some(b)) => (a * 10 + b, 5),
        (_, Some(_), None) => return None,
        _ => (0, 3),
    };
    if h > 23 || m > 59 || s.get(n).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((sign * (h * 3600 + m * 60), n))
}

/// One meaning of a zone abbreviation: its offset and the zone names (prefixes) where it is used.
pub struct Meaning {
    pub offset: i32,
    pub regions: &'static [&'static str],
}

/// A zone abbreviation; `meanings[0]` is the most common one.
pub struct Abbrev {
    pub name: &'static str,
    pub meanings: &'static [Meaning],
}

const fn m(offset: i32, regions: &'static [&'static str]) -> Meaning {
    Meaning { offset, regions }
}

const H: i32 = 3600;
const NA: &[&str] =
    &["America/", "US/", "Canada/", "Mexico/", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT"];

macro_rules! one {
    ($name:literal, $off:expr) => {
        Abbrev { name: $name, meanings: &[m($off, &[])] }
    };
}

/// Zone abbreviations seen in logs. Index into this table is `ZoneText::Abbrev`.
pub static ABBREVIATIONS: &[Abbrev] = &[
    one!("UTC", 0),
    one!("GMT", 0),
    one!("Z", 0),
    one!("UT", 0),
    one!("EST", -5 * H),
    one!("EDT", -4 * H),
    Abbrev {
        name: "CST",
        meanings: &[
            m(-6 * H, NA),
            m(8 * H, &["Asia/", "PRC", "ROC"]),
            m(-5 * H, &["America/Havana", "Cuba"]),
        ],
    },
    Abbrev { name: "CDT", meanings: &[m(-5 * H, NA), m(-4 * H, &["America/Havana", "Cuba"])] },
    one!("MST", -7 * H),
    one!("MDT", -6 * H),
    Abbrev { name: "PST", meanings: &[m(-8 * H, NA), m(8 * H, &["Asia/Manila", "Asia/"])] },
    one!("PDT", -7 * H),
    one!("AKST", -9 * H),
    one!("AKDT", -8 * H),
    one!("HST", -10 * H),
    one!("HDT", -9 * H),
    Abbrev {
        name: "AST",
        meanings: &[m(-4 * H, &["America/", "Atlantic/Bermuda", "Canada/"]), m(3 * H, &["Asia/"])],
    },
    one!("ADT", -3 * H),
    one!("NST", -(3 * H + 1800)),
    one!("NDT", -(2 * H + 1800)),
    one!("WET", 0),
    one!("WEST", H),
    one!("CET", H),
    one!("CEST", 2 * H),
    one!("MET", H),
    one!("MEST", 2 * H),
    one!("EET", 2 * H),
    one!("EEST", 3 * H),
    one!("MSK", 3 * H),
    Abbrev {
        name: "BST",
        meanings: &[m(H, &["Europe/", "GB"]), m(6 * H, &["Asia/Dhaka", "Asia/Dacca", "Asia/"])],
    },
    Abbrev {
        name: "IST",
        meanings: &[
            m(5 * H + 1800, &["Asia/Kolkata", "Asia/Calcutta", "Asia/", "Indian/"]),
            m(2 * H, &["Asia/Jerusalem", "Asia/Tel_Aviv", "Israel"]),
            m(H, &["Europe/Dublin", "Eire"]),
        ],
    },
    one!("IDT", 3 * H),
    one!("JST", 9 * H),
    one!("KST", 9 * H),
    one!("HKT", 8 * H),
    one!("SGT", 8 * H),
    one!("MYT", 8 * H),
    one!("PHT", 8 * H),
    one!("WIB", 7 * H),
    one!("ICT", 7 * H),
    one!("PKT", 5 * H),
    one!("NPT", 5 * H + 2700),
    Abbrev {
        name: "GST",
        meanings: &[m(4 * H, &["Asia/"]), m(-2 * H, &["Atlantic/South_Georgia"])],
    },
    Abbrev { name: "SST", meanings: &[m(-11 * H, &["Pacific/"]), m(8 * H, &["Asia/"])] },
    one!("AEST", 10 * H),
    one!("AEDT", 11 * H),
    one!("ACST", 9 * H + 1800),
    one!("ACDT", 10 * H + 1800),
    one!("AWST", 8 * H),
    one!("NZST", 12 * H),
    one!("NZDT", 13 * H),
    one!("SAST", 2 * H),
    one!("CAT", 2 * H),
    one!("EAT", 3 * H),
    one!("WAT", H),
    one!("BRT", -3 * H),
    one!("ART", -3 * H),
];

/// The index in [`ABBREVIATIONS`] of an abbreviation (exact, upper case).
pub fn lookup_abbrev(s: &[u8]) -> Option<u16> {
    if s.is_empty() || s.len() > 4 {
        return None;
    }
    ABBREVIATIONS.iter().position(|a| a.name.as_bytes() == s).map(|i| i as u16)
}

/// The offset an abbreviation stands for where `tz` is the configured zone, and whether the
/// region left it ambiguous (then the most common meaning is used). `year` is a hint for when
/// to look at the zone's own abbreviations.
pub fn abbrev_offset(idx: u16, tz: &Tz, year: i32) -> (i32, bool) {
    let a = &ABBREVIATIONS[usize::from(idx)];
    let first = a.meanings[0].offset;
    if a.meanings.len() == 1 {
        return (first, false);
    }
    match tz {
        Tz::Fixed(off) => match a.meanings.iter().find(|m| m.offset == *off) {
            Some(m) => (m.offset, false),
            None => (first, true),
        },
        Tz::Named(z) => {
            // The zone itself uses the abbreviation: its offset then.
            for y in [year, 2024, 2010, 2000, 1990] {
                for month in [1, 7] {
                    let Some(t) =
                        DateTime::from_timestamp(super::civil::to_secs(y, month, 15, 12, 0, 0), 0)
                    else {
                        continue;
                    };
                    let o = z.offset_from_utc_datetime(&t.naive_utc());
                    if o.abbreviation() == Some(a.name) {
                        return (o.fix().local_minus_utc(), false);
                    }
                }
            }
            // Else by region: the meaning whose region prefix matches the zone name best.
            let name = z.name();
            let best = a
                .meanings
                .iter()
                .filter_map(|m| {
                    let len =
                        m.regions.iter().filter(|r| name.starts_with(*r)).map(|r| r.len()).max()?;
                    Some((len, m.offset))
                })
                .max_by_key(|&(len, _)| len);
            match best {
                Some((_, off)) => (off, false),
                None => (first, true),
            }
        }
    }
}

/// How a local time (a wall-clock reading) maps to UTC in a zone: the offset(s) in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Local {
    Single(i32),
    /// The repeated hour after clocks go back: `earlier` gives the first pass (the earlier
    /// instant), `later` the second.
    Ambiguous {
        earlier: i32,
        later: i32,
    },
    /// The skipped hour when clocks go forward: the offsets before and after the gap.
    Gap {
        before: i32,
        after: i32,
    },
}

/// Near a transition (within this many seconds) the cache is not trusted. Larger than any
/// offset change (Samoa skipped a whole day in 2011).
const MARGIN: i64 = 26 * 3600;
/// How far (in days) an interval of constant offset is explored around a looked-up instant.
const EXPLORE_DAYS: i64 = 40;

/// Offsets of one zone, with the interval of constant offset around the last lookup cached:
/// consecutive records in the same interval cost a compare instead of a tz database search.
#[derive(Clone, Debug)]
pub struct ZoneCache {
    tz: Tz,
    /// [lo, hi) in UTC seconds where the offset is `off`; empty when lo >= hi.
    lo: i64,
    hi: i64,
    off: i32,
}

impl ZoneCache {
    pub fn new(tz: Tz) -> Self {
        ZoneCache { tz, lo: 0, hi: 0, off: 0 }
    }

    pub fn tz(&self) -> &Tz {
        &self.tz
    }

    /// The offset in force at `utc` (seconds since the epoch).
    pub fn utc_offset(&mut self, utc: i64) -> i32 {
        let z = match self.tz {
            Tz::Fixed(off) => return off,
            Tz::Named(z) => z,
        };
        if !(self.lo <= utc && utc < self.hi) {
            self.explore(z, utc);
        }
        self.off
    }

    /// The offset(s) that map the local time `local` (seconds, as if it were UTC) to UTC.
    pub fn local_offset(&mut self, local: i64) -> Local {
        let z = match self.tz {
            Tz::Fixed(off) => return Local::Single(off),
            Tz::Named(z) => z,
        };
        let u = local - i64::from(self.off);
        if self.lo + MARGIN <= u && u < self.hi - MARGIN {
            return Local::Single(self.off);
        }
        let Some(naive) = naive(local) else {
            return Local::Single(self.off);
        };
        let r = match z.offset_from_local_datetime(&naive) {
            chrono::LocalResult::Single(o) => Local::Single(o.fix().local_minus_utc()),
            chrono::LocalResult::Ambiguous(a, b) => {
                let (a, b) = (a.fix().local_minus_utc(), b.fix().local_minus_utc());
                Local::Ambiguous { earlier: a.max(b), later: a.min(b) }
            }
            chrono::LocalResult::None => Local::Gap {
                before: offset_at(z, local - MARGIN),
                after: offset_at(z, local + MARGIN),
            },
        };
        if let Local::Single(o) = r {
            let u = local - i64::from(o);
            if !(self.lo <= u && u < self.hi) {
                self.explore(z, u);
            }
        }
        r
    }

    /// Cache the interval of constant offset around `utc`.
    fn explore(&mut self, z: chrono_tz::Tz, utc: i64) {
        const DAY: i64 = 86_400;
        let off = offset_at(z, utc);
        // Daily probes each way, then a binary search for the edge of the interval.
        self.lo = edge(z, off, utc, -DAY).unwrap_or(utc - EXPLORE_DAYS * DAY);
        self.hi = edge(z, off, utc, DAY).unwrap_or(utc + EXPLORE_DAYS * DAY + 1);
        self.off = off;
    }
}

fn naive(secs: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp(secs, 0).map(|t| t.naive_utc())
}

fn offset_at(z: chrono_tz::Tz, utc: i64) -> i32 {
    match naive(utc) {
        Some(n) => z.offset_from_utc_datetime(&n).fix().local_minus_utc(),
        None => 0,
    }
}

/// Walking from `utc` (where zone `z` has offset `off`) in steps of `step` seconds (+-1 day)
/// for up to `EXPLORE_DAYS` steps: the edge of the interval of `off`, as the first second
/// after it (forward) or its first second (backward); `None` if no change was seen.
fn edge(z: chrono_tz::Tz, off: i32, utc: i64, step: i64) -> Option<i64> {
    let k = (1..=EXPLORE_DAYS).find(|k| offset_at(z, utc + k * step) != off)?;
    // `inside` has the offset, `outside` not; they close in on each other.
    let (mut inside, mut outside) = (utc + (k - 1) * step, utc + k * step);
    while (outside - inside).abs() > 1 {
        let mid = inside + (outside - inside) / 2;
        if offset_at(z, mid) == off {
            inside = mid;
        } else {
            outside = mid;
        }
    }
    Some(if step > 0 { outside } else { inside })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(s: &str) -> Tz {
        s.parse().unwrap()
    }

    fn idx(s: &str) -> u16 {
        lookup_abbrev(s.as_bytes()).unwrap()
    }

    #[test]
    fn parses_utc_offsets_and_iana_names() {
        assert_eq!("UTC".parse(), Ok(Tz::Fixed(0)));
        assert_eq!("Z".parse(), Ok(Tz::Fixed(0)));
        assert_eq!("GMT".parse(), Ok(Tz::Fixed(0)));
        assert_eq!("+05:30".parse(), Ok(Tz::Fixed(19_800)));
        assert_eq!("-0700".parse(), Ok(Tz::Fixed(-25_200)));
        assert_eq!("+08".parse(), Ok(Tz::Fixed(28_800)));
        assert_eq!("Europe/Berlin".parse(), Ok(Tz::Named(chrono_tz::Europe::Berlin)));
        assert_eq!("europe/berlin".parse(), Ok(Tz::Named(chrono_tz::Europe::Berlin)));
        assert!("Mars/Olympus".parse::<Tz>().is_err());
        assert!("+25:00".parse::<Tz>().is_err());
        assert!("+05:3".parse::<Tz>().is_err());
    }

    #[test]
    fn abbreviation_lookup_is_exact() {
        assert_eq!(ABBREVIATIONS[usize::from(idx("PDT"))].name, "PDT");
        assert_eq!(lookup_abbrev(b"pdt"), None);
        assert_eq!(lookup_abbrev(b"INFO"), None);
        assert_eq!(lookup_abbrev(b""), None);
    }

    #[test]
    fn unambiguous_abbreviations_have_fixed_offsets() {
        let utc = Tz::Fixed(0);
        assert_eq!(abbrev_offset(idx("PDT"), &utc, 2025), (-7 * H, false));
        assert_eq!(abbrev_offset(idx("CEST"), &utc, 2025), (2 * H, false));
        assert_eq!(abbrev_offset(idx("UTC"), &utc, 2025), (0, false));
        assert_eq!(abbrev_offset(idx("NPT"), &utc, 2025), (5 * H + 2700, false));
    }

    #[test]
    fn ambiguous_cst_follows_the_configured_region() {
        let cst = idx("CST");
        assert_eq!(abbrev_offset(cst, &named("Asia/Shanghai"), 2024), (8 * H, false));
        assert_eq!(abbrev_offset(cst, &named("America/Chicago"), 2024), (-6 * H, false));
        assert_eq!(abbrev_offset(cst, &named("America/Havana"), 2024), (-5 * H, false));
        // By continent when the zone itself never says CST.
        assert_eq!(abbrev_offset(cst, &named("Asia/Tokyo"), 2024), (8 * H, false));
        assert_eq!(abbrev_offset(cst, &named("America/New_York"), 2024), (-6 * H, false));
        // A fixed offset that matches a meaning.
        assert_eq!(abbrev_offset(cst, &Tz::Fixed(8 * H), 2024), (8 * H, false));
    }

    #[test]
    fn ambiguous_abbreviation_unsettled_by_region_is_flagged() {
        assert_eq!(abbrev_offset(idx("CST"), &Tz::Fixed(0), 2024), (-6 * H, true));
        assert_eq!(abbrev_offset(idx("IST"), &named("Europe/Berlin"), 2024), (5 * H + 1800, true));
        assert_eq!(abbrev_offset(idx("IST"), &named("Europe/Dublin"), 2024), (H, false));
        assert_eq!(abbrev_offset(idx("IST"), &named("Asia/Jerusalem"), 2024), (2 * H, false));
        assert_eq!(abbrev_offset(idx("BST"), &named("Europe/London"), 2024), (H, false));
        assert_eq!(abbrev_offset(idx("BST"), &named("Asia/Dhaka"), 2024), (6 * H, false));
    }

    #[test]
    fn local_offsets_in_berlin_single_overlap_and_gap() {
        let mut c = ZoneCache::new(named("Europe/Berlin"));
        let local = |y, mo, d, h, mi| crate::time::civil::to_secs(y, mo, d, h, mi, 0);
        assert_eq!(c.local_offset(local(2024, 1, 10, 12, 0)), Local::Single(H));
        assert_eq!(c.local_offset(local(2024, 7, 10, 12, 0)), Local::Single(2 * H));
        assert_eq!(
            c.local_offset(local(2024, 10, 27, 2, 30)),
            Local::Ambiguous { earlier: 2 * H, later: H }
        );
        assert_eq!(
            c.local_offset(local(2024, 3, 31, 2, 30)),
            Local::Gap { before: H, after: 2 * H }
        );
        assert_eq!(c.local_offset(local(2024, 3, 31, 3, 0)), Local::Single(2 * H));
        assert_eq!(c.local_offset(local(2024, 3, 31, 1, 59)), Local::Single(H));
    }

    #[test]
    fn cached_interval_agrees_with_the_tz_database() {
        let z = chrono_tz::America::New_York;
        let mut c = ZoneCache::new(Tz::Named(z));
        let start = crate::time::civil::to_secs(2023, 1, 1, 0, 0, 0);
        let mut t = start;
        while t < start + 800 * 86_400 {
            assert_eq!(c.utc_offset(t), offset_at(z, t), "at {t}");
            t += 3 * 3600 + 17;
        }
    }
}
