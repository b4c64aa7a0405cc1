//! Reading timestamp text into a [`Stamp`]: a hand-written byte parser for the common layouts.
//! (Hand-written because it runs once per line on gigabytes: no regex, no allocation.)
//!
//! [`leading`] dispatches on the first byte and the length of the first run of digits, so a
//! line that cannot start a timestamp is refused after a byte or two.

use super::civil::{to_nanos, valid_date, valid_time};
use super::digits::{
    abbrev, boundary, frac, frac_digits, hms, is, le8, num, num_var, run, shape8, value8, zone,
};
use super::names::{month3, weekday3};
use super::{Civil, Nanos, Stamp, ZoneText, NANOS_PER_SEC};

pub use super::layout::Layout;

/// Parse a timestamp that starts at `s[0]`. Returns the stamp and how many bytes of `s` it
/// spans, so that `&s[..len]` is the timestamp text exactly as written.
pub fn leading(s: &[u8]) -> Option<(Stamp, usize)> {
    match *s.first()? {
        b'0'..=b'9' => numeric(s),
        b'A'..=b'Z' => named(s),
        b'[' => {
            let (rel, n) = relative(s, 1)?;
            (s.get(n) == Some(&b']')).then_some((rel, n + 1))
        }
        // `  316.559919]`: a dmesg clock whose `[` the caller already stepped over.
        b' ' => {
            let (rel, n) = relative(s, 0)?;
            (s.get(n) == Some(&b']')).then_some((rel, n))
        }
        _ => None,
    }
}

/// A civil stamp without a zone, read from a field that ends at `line[end]`, completed by a
/// zone written right after the field and a space: an abbreviation (`2026-01-01 00:00:00 CET`)
/// or an offset (`2023-04-23 22:07:05.311 -05:00` of .NET's Serilog, `[2022-06-29 14:06:40
/// +1000]` of cPanel): a format's timestamp group rarely includes it, and read without it the
/// stamp would be taken as local time. The same reader as the built-in layouts (` PDT`,
/// ` +0200` after a time). Returns the stamp and the end of the zone; `None` when no zone
/// follows.
pub fn zone_after(stamp: &Stamp, line: &[u8], end: usize) -> Option<(Stamp, usize)> {
    let Stamp::Civil(c) = stamp else { return None };
    if c.zone != ZoneText::None || line.get(end) != Some(&b' ') {
        return None;
    }
    let (zone, e) = zone(line, end, true)?;
    if zone == ZoneText::None {
        return None;
    }
    Some((finish(Civil { zone, ..*c })?, e))
}

/// Whether `s` starts with a year outside 1678..=2261 (the years i64 nanoseconds hold) in
/// the shape of a dated stamp: four digits and `-` or `/` (`9999-12-31T23:59:59Z`,
/// `0001/01/01`), or eight digits and `T` (`99991231T000000Z`). Bytes only, no parse: the
/// cheap first test of a line that got no time, before the costlier one (the same line read
/// again with the year 2000, see `Matcher::far_year`). Lines that got a time never come here.
pub fn far_year(s: &[u8]) -> bool {
    let digits =
        |r: std::ops::Range<usize>| s.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if !digits(0..4) {
        return false;
    }
    let shaped = match s.get(4) {
        Some(b'-' | b'/') => true,
        Some(b'0'..=b'9') => digits(4..8) && s.get(8) == Some(&b'T'),
        _ => false,
    };
    let y = s[..4].iter().fold(0u32, |v, &b| v * 10 + u32::from(b - b'0'));
    shaped && !(1678..=2261).contains(&y)
}

/// Parse the whole of `s` (a captured field) as a timestamp. Leading/trailing ASCII spaces
/// are allowed; anything else left over means `None`.
pub fn exact(s: &[u8]) -> Option<Stamp> {
    let s = s.trim_ascii();
    match leading(s)? {
        (_, n) if n != s.len() => None,
        // Rebuilt, not moved: the move copied the stamp as two overlapping 16-byte loads that
        // had to wait for the narrower stores that had just written it (epoch ms 15 -> 9.5 ns).
        (Stamp::Instant(t), _) => Some(Stamp::Instant(t)),
        (stamp, _) => Some(stamp),
    }
}

// ---- small readers -------------------------------------------------------------------------

/// Two-digit years: 69-99 are 19xx, 00-68 are 20xx.
pub(super) fn century(yy: u32) -> i32 {
    if yy >= 69 {
        1900 + yy as i32
    } else {
        2000 + yy as i32
    }
}

/// Check the parts and make the stamp: an instant when the date is full and the zone an offset.
pub(super) fn finish(c: Civil) -> Option<Stamp> {
    if c.month != 0 && !valid_date(c.year, c.month, c.day) {
        return None;
    }
    finish_dated(c)
}

/// [`finish`] for a civil time whose date is already known to be valid (or absent).
#[inline]
fn finish_dated(c: Civil) -> Option<Stamp> {
    if !valid_time(c.hour, c.minute, c.second, c.nanos) {
        return None;
    }
    if let (Some(y), ZoneText::Offset(off)) = (c.year, c.zone) {
        if c.month != 0 {
            let t = to_nanos(y, c.month, c.day, c.hour, c.minute, c.second, c.nanos)?;
            return t.checked_sub(i64::from(off) * NANOS_PER_SEC).map(Stamp::Instant);
        }
    }
    Some(Stamp::Civil(c))
}

struct Ymd(Option<i32>, u8, u8);

/// Assemble a stamp from a date, a time read by [`hms`] and a zone; `(stamp, end)`.
/// An empty date (`Ymd(None, 0, 0)`) makes a time-only stamp; any other must be a real date.
#[inline]
fn stamp(date: Ymd, t: (u8, u8, u8, u32), zone: ZoneText, end: usize) -> Option<(Stamp, usize)> {
    let Ymd(year, month, day) = date;
    if (year.is_some() || month != 0 || day != 0) && !valid_date(year, month, day) {
        return None;
    }
    let (hour, minute, second, nanos) = t;
    let c = Civil { year, month, day, hour, minute, second, nanos, zone };
    // The date was checked just above (a month is never set without it).
    Some((finish_dated(c)?, end))
}

// ---- layouts that start with a digit ---------------------------------------------------------

fn numeric(s: &[u8]) -> Option<(Stamp, usize)> {
    let n = run(s, 0);
    match (n, s.get(n).copied()) {
        (4, Some(b'-')) => iso(s),
        (4, Some(b'/')) => ymd_slash(s),
        (4, Some(b' ')) => mmdd_time(s),
        (8, Some(b'T')) => iso_basic(s),
        (6, Some(b' ')) => yymmdd(s),
        (1 | 2, Some(b'/')) => slash_first(s, n),
        (1 | 2, Some(b'-')) => dash_first(s, n),
        (1 | 2, Some(b':')) => {
            let (h, m, sec, f, end) = hms(s, 0, 1, true)?;
            stamp(Ymd(None, 0, 0), (h, m, sec, f), ZoneText::None, end)
        }
        (1 | 2, Some(b' ')) => day_month_name(s, 0),
        (9..=19, _) => epoch_digits(s, n),
        (_, Some(b'.')) => {
            let (rel, end) = relative(s, 0)?;
            is(s, end, b']').then_some((rel, end))
        }
        _ => None,
    }
}

/// `YYYY-MM-DD` + `T`/`t`/one or two spaces/TAB + `HH:MM[:SS][.f]` + zone.
fn iso(s: &[u8]) -> Option<(Stamp, usize)> {
    // The date has one width: check `YYYY-MM-` as one word, then the day's two digits.
    let b = s.first_chunk::<11>()?;
    let w = le8(b, 0)?;
    if !(shape8(w, 0x00FF_FF00_FFFF_FFFF, 0x2D00_002D_0000_0000)
        && b[8].is_ascii_digit()
        && b[9].is_ascii_digit())
    {
        return None;
    }
    let v = w.to_le_bytes().map(|c| c & 0x0F);
    let y = i32::from(v[0]) * 1000 + i32::from(v[1]) * 100 + i32::from(v[2] * 10 + v[3]);
    let mo = v[5] * 10 + v[6];
    let d = (b[8] & 0x0F) * 10 + (b[9] & 0x0F);
    let i = match b[10] {
        b'T' | b't' | b'\t' => 11,
        b' ' if is(s, 11, b' ') => 12,
        b' ' => 11,
        _ => return None,
    };
    let (h, m, sec, f, end) = hms(s, i, 2, false)?;
    let (z, end) = zone(s, end, true)?;
    stamp(Ymd(Some(y), mo, d), (h, m, sec, f), z, end)
}

/// `YYYYMMDDTHHMMSS[.f][zone]`.
fn iso_basic(s: &[u8]) -> Option<(Stamp, usize)> {
    let (y, mo, d) = (num(s, 0, 4)? as i32, num(s, 4, 2)? as u8, num(s, 6, 2)? as u8);
    if run(s, 9) != 6 {
        return None;
    }
    let (h, m, sec) = (num(s, 9, 2)? as u8, num(s, 11, 2)? as u8, num(s, 13, 2)? as u8);
    let (f, end) = frac(s, 15);
    let (z, end) = zone(s, end, false)?;
    stamp(Ymd(Some(y), mo, d), (h, m, sec, f), z, end)
}

/// `YYYY/M/D HH:MM:SS[.f]` (Go log, nginx error, rsyncd).
fn ymd_slash(s: &[u8]) -> Option<(Stamp, usize)> {
    let y = num(s, 0, 4)? as i32;
    let (mo, i) = num_var(s, 5, 1, 2)?;
    if !is(s, i, b'/') {
        return None;
    }
    let (d, i) = num_var(s, i + 1, 1, 2)?;
    if !matches!(s.get(i), Some(b' ' | b'T')) {
        return None;
    }
    let (h, m, sec, f, end) = hms(s, i + 1, 2, false)?;
    let (z, end) = zone(s, end, true)?;
    stamp(Ymd(Some(y), mo as u8, d as u8), (h, m, sec, f), z, end)
}

/// `MMDD HH:MM:SS.ffffff` (glog/absl after the level letter; no year).
fn mmdd_time(s: &[u8]) -> Option<(Stamp, usize)> {
    let (mo, d) = (num(s, 0, 2)? as u8, num(s, 2, 2)? as u8);
    let (h, m, sec, f, end) = hms(s, 5, 2, true)?;
    stamp(Ymd(None, mo, d), (h, m, sec, f), ZoneText::None, end)
}

/// `yyMMdd HHmmss` (HDFS) or `yyMMdd H:MM:SS` / `yyMMdd  H:MM:SS` (MySQL 5).
fn yymmdd(s: &[u8]) -> Option<(Stamp, usize)> {
    let y = century(num(s, 0, 2)?);
    let (mo, d) = (num(s, 2, 2)? as u8, num(s, 4, 2)? as u8);
    let date = Ymd(Some(y), mo, d);
    if run(s, 7) == 6 {
        let t = (num(s, 7, 2)? as u8, num(s, 9, 2)? as u8, num(s, 11, 2)? as u8, 0);
        return stamp(date, t, ZoneText::None, 13);
    }
    let i = if is(s, 7, b' ') { 8 } else { 7 };
    let (h, m, sec, f, end) = hms(s, i, 1, true)?;
    stamp(date, (h, m, sec, f), ZoneText::None, end)
}

/// Layouts that start with 1-2 digits and a `/`: CLF `DD/Mon/YYYY:HH:MM:SS zone`, US
/// `M/D/YYYY h:mm:ss [AM|PM]`, Spark `yy/MM/dd HH:mm:ss`, snort `MM/DD-HH:MM:SS.f`.
fn slash_first(s: &[u8], n: usize) -> Option<(Stamp, usize)> {
    let a = num(s, 0, n)?;
    let i = n + 1;
    if s.get(i)?.is_ascii_alphabetic() {
        let mo = month3(s, i)?;
        if !is(s, i + 3, b'/') || !is(s, i + 8, b':') {
            return None;
        }
        let y = num(s, i + 4, 4)? as i32;
        let (h, m, sec, f, end) = hms(s, i + 9, 2, true)?;
        let (z, end) = zone(s, end, true)?;
        return stamp(Ymd(Some(y), mo, a as u8), (h, m, sec, f), z, end);
    }
    let (b, j) = num_var(s, i, 1, 2)?;
    match s.get(j)? {
        b'/' => match run(s, j + 1) {
            4 => us_date(s, a, b, j + 1),
            2 if n == 2 && j == 5 && is(s, 8, b' ') => {
                let d = num(s, 6, 2)? as u8;
                let (h, m, sec, f, end) = hms(s, 9, 2, true)?;
                stamp(Ymd(Some(century(a)), b as u8, d), (h, m, sec, f), ZoneText::None, end)
            }
            _ => None,
        },
        b'-' if n == 2 && j == 5 => {
            let (h, m, sec, f, end) = hms(s, 6, 2, true)?;
            stamp(Ymd(None, a as u8, b as u8), (h, m, sec, f), ZoneText::None, end)
        }
        _ => None,
    }
}

/// The rest of US `M/D/YYYY`: spaces or TABs, `h:mm:ss[.f]`, optional ` AM`/` PM`.
fn us_date(s: &[u8], mo: u32, d: u32, i: usize) -> Option<(Stamp, usize)> {
    let y = num(s, i, 4)? as i32;
    let mut j = i + 4;
    let start = j;
    while matches!(s.get(j), Some(b' ' | b'\t')) {
        j += 1;
    }
    if j == start {
        return None;
    }
    let (mut h, m, sec, f, mut end) = hms(s, j, 1, true)?;
    if matches!(s.get(end), Some(b' ' | b'\t')) && boundary(s, end + 3) {
        let pm = match s.get(end + 1..end + 3).map(|t| [t[0] | 0x20, t[1] | 0x20]) {
            Some([b'a', b'm']) => Some(false),
            Some([b'p', b'm']) => Some(true),
            _ => None,
        };
        if let Some(pm) = pm {
            if !(1..=12).contains(&h) {
                return None;
            }
            h = h % 12 + if pm { 12 } else { 0 };
            end += 3;
        }
    }
    stamp(Ymd(Some(y), mo as u8, d as u8), (h, m, sec, f), ZoneText::None, end)
}

/// Android logcat `MM-DD HH:MM:SS.mmm` (no year), or `DD-Mon-YYYY HH:MM:SS[.f]`.
fn dash_first(s: &[u8], n: usize) -> Option<(Stamp, usize)> {
    let a = num(s, 0, n)? as u8;
    let i = n + 1;
    if let Some(mo) = month3(s, i) {
        if !is(s, i + 3, b'-') || !matches!(s.get(i + 8), Some(b' ' | b':')) {
            return None;
        }
        let y = num(s, i + 4, 4)? as i32;
        let (h, m, sec, f, end) = hms(s, i + 9, 2, true)?;
        let (z, end) = zone(s, end, true)?;
        return stamp(Ymd(Some(y), mo, a), (h, m, sec, f), z, end);
    }
    if n != 2 || run(s, 3) != 2 || !is(s, 5, b' ') {
        return None;
    }
    let d = num(s, 3, 2)? as u8;
    let (h, m, sec, f, end) = hms(s, 6, 2, true)?;
    stamp(Ymd(None, a, d), (h, m, sec, f), ZoneText::None, end)
}

/// `DD Mon YYYY HH:MM:SS[.f][ zone]` (Redis, RFC 2822 without weekday) or `DD Mon HH:MM:SS`.
fn day_month_name(s: &[u8], at: usize) -> Option<(Stamp, usize)> {
    let (d, i) = num_var(s, at, 1, 2)?;
    if !is(s, i, b' ') || !is(s, i + 4, b' ') {
        return None;
    }
    let mo = month3(s, i + 1)?;
    let mut j = i + 5;
    let mut year = None;
    if run(s, j) == 4 && is(s, j + 4, b' ') {
        year = Some(num(s, j, 4)? as i32);
        j += 5;
    }
    let (h, m, sec, f, end) = hms(s, j, 2, true)?;
    let (z, end) = zone(s, end, true)?;
    stamp(Ymd(year, mo, d as u8), (h, m, sec, f), z, end)
}

// ---- layouts that start with a name ----------------------------------------------------------

fn named(s: &[u8]) -> Option<(Stamp, usize)> {
    if weekday3(s, 0) {
        return match s.get(3)? {
            b' ' => month_first(s, 4),
            b',' if is(s, 4, b' ') => day_month_name(s, 5),
            _ => None,
        };
    }
    month_first(s, 0)
}

/// `Mon DD HH:MM:SS[.f]` (syslog; `Jun  4`), then optionally ` YYYY` or ` ZONE YYYY`
/// (ctime, date(1)); or `Mon DD YYYY HH:MM:SS`.
fn month_first(s: &[u8], at: usize) -> Option<(Stamp, usize)> {
    let mo = month3(s, at)?;
    if !is(s, at + 3, b' ') {
        return None;
    }
    let i = at + 4;
    let (d, i) = if is(s, i, b' ') { num_var(s, i + 1, 1, 1)? } else { num_var(s, i, 1, 2)? };
    if !is(s, i, b' ') {
        return None;
    }
    let mut j = i + 1;
    let mut year = None;
    if run(s, j) == 4 && is(s, j + 4, b' ') {
        year = Some(num(s, j, 4)? as i32);
        j += 5;
    }
    let (h, m, sec, f, mut end) = hms(s, j, 2, true)?;
    let mut z = ZoneText::None;
    if year.is_none() && is(s, end, b' ') {
        // ` YYYY` or ` ZONE YYYY` after the time.
        let mut k = end + 1;
        let mut zz = ZoneText::None;
        if let Some((zt, e)) = abbrev(s, k).filter(|&(_, e)| is(s, e, b' ')) {
            zz = zt;
            k = e + 1;
        }
        if run(s, k) == 4 && matches!(s.get(k + 4), None | Some(b' ' | b'\t' | b']' | b'\r')) {
            let y = num(s, k, 4)? as i32;
            if (1900..2200).contains(&y) {
                year = Some(y);
                z = zz;
                end = k + 4;
            }
        }
    } else if year.is_some() {
        (z, end) = zone(s, end, true)?;
    }
    stamp(Ymd(year, mo, d as u8), (h, m, sec, f), z, end)
}

// ---- numbers ---------------------------------------------------------------------------------

/// An epoch number at the start of `s` with at least `min_digits` integer digits, its unit
/// told by magnitude: up to 11 digits seconds, 14 ms, 17 us, else ns. A fraction scales with
/// the unit and stays exact (digits below a nanosecond are dropped).
pub(super) fn epoch(s: &[u8], min_digits: usize) -> Option<(Stamp, usize)> {
    let n = run(s, 0);
    if n < min_digits {
        return None;
    }
    epoch_digits(s, n)
}

/// [`epoch`] with the length `n` of the leading run of digits already known.
fn epoch_digits(s: &[u8], n: usize) -> Option<(Stamp, usize)> {
    if n > 19 || n == 0 {
        return None;
    }
    // Eight digits a step (a digit at a time is a chain of 13 multiplies for epoch ms): the
    // `n % 8` leading ones first, shifted up so that the lanes below them read as zeros.
    let mut int: u64 = 0;
    let mut i = n % 8;
    if i > 0 {
        int = match le8(s, 0) {
            Some(w) => value8(w << (8 * (8 - i))),
            None => s[..i].iter().fold(0, |v, &b| v * 10 + u64::from(b - b'0')),
        };
    }
    while i < n {
        int = int * 100_000_000 + value8(le8(s, i)?);
        i += 8;
    }
    let (scale, prec): (u64, usize) = match n {
        0..=11 => (1_000_000_000, 9),
        12..=14 => (1_000_000, 6),
        15..=17 => (1_000, 3),
        _ => (1, 0),
    };
    let mut end = n;
    let mut fr: u64 = 0;
    if is(s, n, b'.') {
        let k = run(s, n + 1);
        if k > 0 {
            let kept = k.min(prec);
            for &b in &s[n + 1..n + 1 + kept] {
                fr = fr * 10 + u64::from(b - b'0');
            }
            fr *= 10u64.pow((prec - kept) as u32);
            end = n + 1 + k;
        }
    }
    let t = int.checked_mul(scale)?.checked_add(fr)?;
    Some((Stamp::Instant(Nanos::try_from(t).ok()?), end))
}

/// Seconds since boot at `i` (spaces allowed before): `316.559919` -> Relative; (stamp, end).
pub(super) fn relative(s: &[u8], i: usize) -> Option<(Stamp, usize)> {
    let mut i = i;
    while is(s, i, b' ') {
        i += 1;
    }
    let n = run(s, i);
    if n == 0 || n > 10 || !is(s, i + n, b'.') {
        return None;
    }
    let secs = s[i..i + n].iter().fold(0i64, |v, &b| v * 10 + i64::from(b - b'0'));
    let (f, end) = frac_digits(s, i + n + 1)?;
    Some((Stamp::Relative(secs * NANOS_PER_SEC + i64::from(f)), end))
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;

#[cfg(test)]
mod far_year_tests {
    use super::{far_year, leading};

    #[test]
    fn a_dated_stamp_of_a_year_past_i64_nanoseconds_is_far_and_gets_no_time() {
        for s in [
            "9999-12-31T23:59:59Z h b",
            "0001-01-01T00:00:00Z h c",
            "1677-12-31 x",
            "2262/01/01 x",
            "99991231T000000Z x",
        ] {
            assert!(far_year(s.as_bytes()), "{s}");
        }
        // The scanner refuses those with a zone (no instant): they are the lines to tell of.
        assert_eq!(leading(b"9999-12-31T23:59:59Z h b"), None);
        assert_eq!(leading(b"0001-01-01T00:00:00Z h c"), None);
    }

    #[test]
    fn years_deskew_reads_and_other_shapes_are_not_far() {
        for s in [
            "1678-01-01T00:00:00Z",
            "2261-12-31 x",
            "2026-01-01",
            "9999",
            "9999 x",
            "99999-01-01",
            "12345678 x",
            "99991231 x",
            "999-01-01",
            "",
            "at 9999-01-01",
        ] {
            assert!(!far_year(s.as_bytes()), "{s}");
        }
    }
}
