//! User-defined timestamp layouts: a strftime-like subset, plus the names `epoch`, `boot` and
//! `mjd`. Compiled once by [`Layout::new`], then matched without allocation.

use super::civil::month_day_from_ordinal;
use super::digits::{abbrev, frac_digits, num, num_var, run};
use super::names::month3;
use super::scan::{century, epoch, finish, relative};
use super::zone::parse_offset;
use super::{Civil, Stamp, ZoneText, NANOS_PER_SEC};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item {
    Lit(u8),
    /// One or more spaces (or TABs).
    Space,
    Year4,
    Year2,
    Month,
    MonthName,
    Day,
    /// `%e`: a day of month, space-padded.
    DaySpace,
    Hour24,
    Hour12,
    Minute,
    Second,
    Frac,
    AmPm,
    Weekday,
    Offset,
    ZoneName,
    EpochSecs,
    Ordinal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Items(Vec<Item>),
    /// An epoch number, unit by magnitude, optional fraction.
    Epoch,
    /// Seconds since boot -> `Stamp::Relative`.
    Boot,
    /// NTP statistics: Modified Julian Day, space, seconds past UTC midnight.
    Mjd,
}

/// A compiled user layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    kind: Kind,
}

const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
/// French month names as glibc's `fr_FR` locale writes them for `%B` and `%b` (journalctl and
/// syslog on a French system: `août 19 11:08:37 host prog[4961]: ...`, lnav's
/// test/logfile_syslog_fr.0): the abbreviations end in a dot, which is read with them.
const MONTH_NAMES_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTH_ABBR_FR: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];

/// A French month name at `i`, full or abbreviated: (month 1-12, end).
pub fn month_fr(s: &[u8], i: usize) -> Option<(u8, usize)> {
    let rest = s.get(i..)?;
    // The first two bytes of every name: most words are refused on them.
    let (a, b) = (rest.first()? | 0x20, *rest.get(1)?);
    let b = if b.is_ascii_alphabetic() { b | 0x20 } else { b };
    if !matches!(
        (a, b),
        (b'j', b'a' | b'u')
            | (b'm', b'a')
            | (b'a', b'v' | b'o')
            | (b's', b'e')
            | (b'o', b'c')
            | (b'n', b'o')
            | (b'f' | b'd', 0xc3)
    ) {
        return None;
    }
    let word = |n: &[u8]| {
        rest.len() >= n.len()
            && rest[..n.len()].eq_ignore_ascii_case(n)
            && !rest.get(n.len()).is_some_and(|b| b.is_ascii_alphanumeric() || *b >= 0x80)
    };
    (0..12).find(|&k| word(MONTH_NAMES_FR[k].as_bytes()) || word(MONTH_ABBR_FR[k].as_bytes())).map(
        |k| {
            let n = if word(MONTH_NAMES_FR[k].as_bytes()) {
                MONTH_NAMES_FR[k]
            } else {
                MONTH_ABBR_FR[k]
            };
            (k as u8 + 1, i + n.len())
        },
    )
}

const DAY_NAMES: [&str; 7] =
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// Why a layout was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("empty layout")]
    Empty,
    #[error("a lone % at the end")]
    LonePercent,
    #[error("unknown directive %{0}")]
    UnknownDirective(char),
}

impl Layout {
    /// Compile `%Y %y %m %d %e %H %I %M %S %f %p %b %B %a %A %z %Z %s %j %T %F %D %R %%`,
    /// literal text and spaces (a space matches one or more), or one of `epoch`, `boot`, `mjd`.
    pub fn new(spec: &str) -> Result<Layout, LayoutError> {
        let kind = match spec {
            "epoch" => Kind::Epoch,
            "boot" => Kind::Boot,
            "mjd" => Kind::Mjd,
            "" => return Err(LayoutError::Empty),
            _ => Kind::Items(compile(spec)?),
        };
        Ok(Layout { kind })
    }

    /// Match the layout at the start of `s`: the stamp and how many bytes it spans.
    pub fn parse(&self, s: &[u8]) -> Option<(Stamp, usize)> {
        match &self.kind {
            Kind::Epoch => epoch(s, 1),
            Kind::Boot => {
                if let Some(r) = relative(s, 0) {
                    return Some(r);
                }
                let n = run(s, 0);
                let secs: i64 = std::str::from_utf8(&s[..n]).ok()?.parse().ok()?;
                Some((Stamp::Relative(secs.checked_mul(NANOS_PER_SEC)?), n))
            }
            Kind::Mjd => mjd(s),
            Kind::Items(items) => parse_items(items, s),
        }
    }
}

fn compile(spec: &str) -> Result<Vec<Item>, LayoutError> {
    use Item::*;
    let b = spec.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let c = *b.get(i + 1).ok_or(LayoutError::LonePercent)?;
                let add: &[Item] = match c {
                    b'Y' => &[Year4],
                    b'y' => &[Year2],
                    b'm' => &[Month],
                    b'd' => &[Day],
                    b'e' => &[DaySpace],
                    b'H' => &[Hour24],
                    b'I' => &[Hour12],
                    b'M' => &[Minute],
                    b'S' => &[Second],
                    b'f' => &[Frac],
                    b'p' => &[AmPm],
                    b'b' | b'B' | b'h' => &[MonthName],
                    b'a' | b'A' => &[Weekday],
                    b'z' => &[Offset],
                    b'Z' => &[ZoneName],
                    b's' => &[EpochSecs],
                    b'j' => &[Ordinal],
                    b'T' => &[Hour24, Lit(b':'), Minute, Lit(b':'), Second],
                    b'R' => &[Hour24, Lit(b':'), Minute],
                    b'F' => &[Year4, Lit(b'-'), Month, Lit(b'-'), Day],
                    b'D' => &[Month, Lit(b'/'), Day, Lit(b'/'), Year2],
                    b'%' => &[Lit(b'%')],
                    _ => return Err(LayoutError::UnknownDirective(char::from(c))),
                };
                out.extend_from_slice(add);
                i += 2;
            }
            b' ' => {
                if out.last() != Some(&Space) {
                    out.push(Space);
                }
                i += 1;
            }
            c => {
                out.push(Lit(c));
                i += 1;
            }
        }
    }
    Ok(out)
}

/// A name from `names` (full, or its first three letters), any case, at `i`: (index, end).
fn name_at(s: &[u8], i: usize, names: &[&str]) -> Option<(usize, usize)> {
    let rest = s.get(i..)?;
    for (k, n) in names.iter().enumerate() {
        let n = n.as_bytes();
        if rest.len() >= n.len() && rest[..n.len()].eq_ignore_ascii_case(n) {
            return Some((k, i + n.len()));
        }
    }
    for (k, n) in names.iter().enumerate() {
        if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(&n.as_bytes()[..3]) {
            return Some((k, i + 3));
        }
    }
    None
}

fn parse_items(items: &[Item], s: &[u8]) -> Option<(Stamp, usize)> {
    let mut c = Civil {
        year: None,
        month: 0,
        day: 0,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        zone: ZoneText::None,
    };
    let (mut pm, mut h12, mut epoch_secs, mut ordinal) = (None, None, None, None);
    let mut i = 0;
    for item in items {
        match *item {
            Item::Lit(b) => {
                if s.get(i) != Some(&b) {
                    return None;
                }
                i += 1;
            }
            Item::Space => {
                let start = i;
                while matches!(s.get(i), Some(b' ' | b'\t')) {
                    i += 1;
                }
                if i == start {
                    return None;
                }
            }
            Item::Year4 => {
                c.year = Some(num(s, i, 4)? as i32);
                i += 4;
            }
            Item::Year2 => {
                c.year = Some(century(num(s, i, 2)?));
                i += 2;
            }
            Item::Month | Item::Day | Item::Hour24 | Item::Hour12 | Item::Minute | Item::Second => {
                let (v, e) = num_var(s, i, 1, 2).or_else(|| Some((num(s, i, 2)?, i + 2)))?;
                let v = v as u8;
                match *item {
                    Item::Month => c.month = v,
                    Item::Day => c.day = v,
                    Item::Hour24 => c.hour = v,
                    Item::Hour12 => h12 = Some(v),
                    Item::Minute => c.minute = v,
                    _ => c.second = v,
                }
                i = e;
            }
            Item::DaySpace => {
                if s.get(i) == Some(&b' ') {
                    i += 1;
                }
                let (v, e) = num_var(s, i, 1, 2)?;
                c.day = v as u8;
                i = e;
            }
            Item::Frac => (c.nanos, i) = frac_digits(s, i)?,
            Item::AmPm => {
                let t = s.get(i..i + 2)?;
                pm = Some(match [t[0] | 0x20, t[1] | 0x20] {
                    [b'a', b'm'] => false,
                    [b'p', b'm'] => true,
                    _ => return None,
                });
                i += 2;
            }
            Item::MonthName => {
                let (k, e) = month_fr(s, i)
                    .map(|(m, e)| (usize::from(m - 1), e))
                    .or_else(|| name_at(s, i, &MONTH_NAMES))
                    .or_else(|| Some((usize::from(month3(s, i)? - 1), i + 3)))?;
                c.month = k as u8 + 1;
                i = e;
            }
            Item::Weekday => i = name_at(s, i, &DAY_NAMES)?.1,
            Item::Offset => {
                if matches!(s.get(i), Some(b'Z' | b'z')) {
                    c.zone = ZoneText::Offset(0);
                    i += 1;
                } else {
                    let (off, n) = parse_offset(s.get(i..)?)?;
                    c.zone = ZoneText::Offset(off);
                    i += n;
                }
            }
            Item::ZoneName => (c.zone, i) = abbrev(s, i)?,
            Item::EpochSecs => {
                let n = run(s, i);
                if n == 0 || n > 12 {
                    return None;
                }
                epoch_secs = Some(std::str::from_utf8(&s[i..i + n]).ok()?.parse::<i64>().ok()?);
                i += n;
            }
            Item::Ordinal => {
                let (v, e) = num_var(s, i, 1, 3)?;
                ordinal = Some(v as u16);
                i = e;
            }
        }
    }
    if let Some(secs) = epoch_secs {
        let t = secs.checked_mul(NANOS_PER_SEC)?.checked_add(i64::from(c.nanos))?;
        return Some((Stamp::Instant(t), i));
    }
    if let Some(h) = h12 {
        if !(1..=12).contains(&h) {
            return None;
        }
        c.hour = h % 12 + if pm == Some(true) { 12 } else { 0 };
    } else if pm.is_some() && c.hour > 12 {
        return None;
    } else if pm == Some(true) && c.hour < 12 {
        c.hour += 12;
    }
    if let Some(o) = ordinal {
        (c.month, c.day) = month_day_from_ordinal(c.year?, o)?;
    }
    match (c.year.is_some(), c.month != 0, c.day != 0) {
        (_, false, false) if c.year.is_some() => (c.month, c.day) = (1, 1),
        (_, true, false) => c.day = 1,
        (_, false, true) => return None,
        _ => {}
    }
    Some((finish(c)?, i))
}

/// `59000 3600.123`: Modified Julian Day, a space, seconds past UTC midnight.
fn mjd(s: &[u8]) -> Option<(Stamp, usize)> {
    let (day, i) = num_var(s, 0, 1, 7)?;
    if s.get(i) != Some(&b' ') {
        return None;
    }
    let (secs, mut e) = num_var(s, i + 1, 1, 5)?;
    if secs > 86_400 {
        return None;
    }
    let mut nanos = 0;
    if s.get(e) == Some(&b'.') {
        if let Some((f, e2)) = frac_digits(s, e + 1) {
            (nanos, e) = (f, e2);
        }
    }
    // MJD 40587 is 1970-01-01.
    let t =
        ((i64::from(day) - 40_587) * 86_400 + i64::from(secs)) * NANOS_PER_SEC + i64::from(nanos);
    Some((Stamp::Instant(t), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::rfc3339;

    fn at(layout: &str, text: &str) -> Option<String> {
        let l = Layout::new(layout).unwrap();
        let (st, n) = l.parse(text.as_bytes())?;
        assert_eq!(n, text.len(), "{layout:?} on {text:?} stopped early");
        Some(match st {
            Stamp::Instant(t) => {
                let mut b = Vec::new();
                rfc3339::write(&mut b, t);
                String::from_utf8(b).unwrap()
            }
            other => format!("{other:?}"),
        })
    }

    fn civil(y: Option<i32>, mo: u8, d: u8, h: u8, mi: u8, s: u8, n: u32) -> String {
        let c = Civil {
            year: y,
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
            nanos: n,
            zone: ZoneText::None,
        };
        format!("{:?}", Stamp::Civil(c))
    }

    #[test]
    fn clf_layout_with_offset_is_an_instant() {
        assert_eq!(
            at("%d/%b/%Y:%H:%M:%S %z", "22/Jan/2019:03:56:14 +0330").unwrap(),
            "2019-01-22T00:26:14Z"
        );
    }

    #[test]
    fn redis_layouts_without_year() {
        assert_eq!(at("%d %b %H:%M:%S", "25 Apr 05:32:35"), Some(civil(None, 4, 25, 5, 32, 35, 0)));
        assert_eq!(
            at("%d %b %H:%M:%S.%f", "14 Nov 07:01:22.119"),
            Some(civil(None, 11, 14, 7, 1, 22, 119_000_000))
        );
    }

    #[test]
    fn a_space_in_the_layout_matches_several() {
        assert_eq!(at("%F %T", "2024-01-02   03:04:05"), Some(civil(Some(2024), 1, 2, 3, 4, 5, 0)));
        assert_eq!(at("%b %e %T", "Jun  4 01:02:03"), Some(civil(None, 6, 4, 1, 2, 3, 0)));
    }

    #[test]
    fn twelve_hour_clock_and_names() {
        assert_eq!(
            at("%A, %B %d %Y %I:%M:%S %p", "Friday, September 27 2013 12:42:26 AM"),
            Some(civil(Some(2013), 9, 27, 0, 42, 26, 0))
        );
        assert_eq!(
            at("%m/%d/%Y %I:%M %p", "9/27/2013 12:05 pm"),
            Some(civil(Some(2013), 9, 27, 12, 5, 0, 0))
        );
        assert_eq!(at("%I:%M %p", "13:05 PM"), None);
    }

    #[test]
    fn zone_names_and_offsets() {
        assert_eq!(
            at("%Y-%m-%d %H:%M:%S %Z", "2024-01-02 03:04:05 UTC").unwrap(),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(
            at("%Y-%m-%dT%H:%M:%S%z", "2024-01-02T03:04:05-07:00").unwrap(),
            "2024-01-02T10:04:05Z"
        );
        assert_eq!(
            at("%Y-%m-%dT%H:%M:%S%z", "2024-01-02T03:04:05Z").unwrap(),
            "2024-01-02T03:04:05Z"
        );
        assert!(at("%Y %H:%M %Z", "2024 03:04 PDT").unwrap().contains("Abbrev"));
    }

    #[test]
    fn epoch_seconds_ordinal_days_and_percent() {
        assert_eq!(at("%s.%f", "1700000000.25").unwrap(), "2023-11-14T22:13:20.25Z");
        assert_eq!(at("%Y.%j %T", "2024.060 00:00:00"), Some(civil(Some(2024), 2, 29, 0, 0, 0, 0)));
        assert_eq!(at("%H%%%M", "10%30"), Some(civil(None, 0, 0, 10, 30, 0, 0)));
    }

    #[test]
    fn named_layouts_epoch_boot_mjd() {
        assert_eq!(at("epoch", "1428634687123").unwrap(), "2015-04-10T02:58:07.123Z");
        assert_eq!(at("epoch", "1761019822.3152757").unwrap(), "2025-10-21T04:10:22.3152757Z");
        assert_eq!(at("epoch", "1364481363.243").unwrap(), "2013-03-28T14:36:03.243Z");
        assert_eq!(
            at("boot", "316.559919"),
            Some(format!("{:?}", Stamp::Relative(316_559_919_000)))
        );
        assert_eq!(at("boot", "0.000000"), Some(format!("{:?}", Stamp::Relative(0))));
        assert_eq!(at("mjd", "59000 3600.123").unwrap(), "2020-05-31T01:00:00.123Z");
        assert_eq!(at("mjd", "61000 86399.999").unwrap(), "2025-11-21T23:59:59.999Z");
    }

    proptest::proptest! {
        #[test]
        fn layouts_never_panic(spec in "[%YymdeHIMSfpbBaAzZsjTF: /.,-]{1,12}", text in "[0-9A-Za-z :/.,+-]{0,30}") {
            if let Ok(l) = Layout::new(&spec) {
                if let Some((_, n)) = l.parse(text.as_bytes()) {
                    proptest::prop_assert!(n <= text.len());
                }
            }
        }
    }

    #[test]
    fn layout_rejects_invalid_values_and_directives() {
        assert_eq!(at("%Y-%m-%d %H:%M:%S", "2023-02-29 00:00:00"), None);
        assert_eq!(at("%Y-%m-%d %H:%M:%S", "2024-13-01 00:00:00"), None);
        assert_eq!(at("%Y-%m-%d %H:%M:%S", "2024-12-01 25:00:00"), None);
        assert!(Layout::new("%Q").is_err());
        assert!(Layout::new("%Y%").is_err());
        assert!(Layout::new("").is_err());
    }
}
