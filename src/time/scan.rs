//! Reading timestamp text into a [`Stamp`]: a hand-written byte parser for the common layouts.
//! (Hand-written because it runs once per line on gigabytes: no regex, no allocation.)
//!
//! [`leading`] dispatches on the first byte and the length of the first run of digits, so a
//! line that cannot start a timestamp is refused after a byte or two.

use super::civil::{to_nanos, valid_date, valid_time};
use super::zone::{lookup_abbrev, parse_offset};
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

#[inline]
pub(super) fn digit(s: &[u8], i: usize) -> Option<u32> {
    match s.get(i) {
        Some(b) if b.is_ascii_digit() => Some(u32::from(b - b'0')),
        _ => None,
    }
}

/// Exactly `n` digits at `i`.
#[inline]
pub(super) fn num(s: &[u8], i: usize, n: usize) -> Option<u32> {
    let mut v = 0;
    for k in i..i + n {
        v = v * 10 + digit(s, k)?;
    }
    Some(v)
}

/// The length of the run of digits at `i`.
#[inline]
pub(super) fn run(s: &[u8], i: usize) -> usize {
    let t = s.get(i..).unwrap_or_default();
    let mut n = 0;
    // Eight bytes a step: an epoch number or a fraction is a run of 6 to 19 digits.
    while let Some(w) = le8(t, n) {
        let k = digits8(w);
        n += k;
        if k < 8 {
            return n;
        }
    }
    n + t[n..].iter().take_while(|b| b.is_ascii_digit()).count()
}

// ---- eight bytes at a time (SWAR) ------------------------------------------------------------

const LANES: u64 = 0x0101_0101_0101_0101;

/// The eight bytes at `i` as a little-endian word: byte `i` is the low lane.
#[inline]
fn le8(s: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(*s.get(i..)?.first_chunk()?))
}

/// The eight bytes at `i <= s.len()`, with zeros (no digit) for those past the end of `s`.
#[inline]
fn le8_padded(s: &[u8], i: usize) -> u64 {
    let t = &s[i..];
    if let Some(w) = le8(t, 0) {
        return w;
    }
    match s.len().checked_sub(8) {
        // The last eight bytes of `s`, moved down so that byte `i` is the low lane.
        Some(last) => {
            le8(s, last).map_or(0, |w| w.checked_shr(8 * (8 - t.len()) as u32).unwrap_or(0))
        }
        None => {
            let mut b = [0; 8];
            b[..t.len()].copy_from_slice(t);
            u64::from_le_bytes(b)
        }
    }
}

/// How many of the word's bytes, from the low lane, are ASCII digits (0..=8).
#[inline]
fn digits8(w: u64) -> usize {
    let x = w ^ (0x30 * LANES);
    // A lane is a digit when it is 0..=9 now: high nibble clear, and no carry into it at + 6.
    // A carry out of a non-digit lane may spoil the lanes above it, never the ones below.
    let bad = (x | x.wrapping_add(6 * LANES)) & (0xF0 * LANES);
    bad.trailing_zeros() as usize / 8
}

/// True when the lanes in `digits` (0xFF each) are ASCII digits and the other lanes equal `seps`.
#[inline]
fn shape8(w: u64, digits: u64, seps: u64) -> bool {
    let hi = digits & (0xF0 * LANES);
    let d30 = digits & (0x30 * LANES);
    let seps_off = (w & !digits) ^ seps;
    let not30 = (w & hi) ^ d30;
    // A digit lane at 0x3A..=0x3F reaches 0x40 at + 6; a lane not at 0x3_ failed above.
    let over = (w.wrapping_add(digits & (6 * LANES)) & hi) ^ d30;
    seps_off | not30 | over == 0
}

/// The value of eight ASCII digits, the first in the low lane (lanes of 0x00 count as 0).
#[inline]
fn value8(w: u64) -> u64 {
    let w = (w & (0x0F * LANES)).wrapping_mul(10 * 256 + 1) >> 8;
    let w = (w & 0x00FF_00FF_00FF_00FF).wrapping_mul(100 * 65536 + 1) >> 16;
    (w & 0x0000_FFFF_0000_FFFF).wrapping_mul(10000 * (1 << 32) + 1) >> 32
}

/// `HH:MM:SS` at `i` (no range check): the shape nearly every time of day is written in.
#[inline]
fn hhmmss(s: &[u8], i: usize) -> Option<(u8, u8, u8)> {
    let w = le8(s, i)?;
    if !shape8(w, 0xFFFF_00FF_FF00_FFFF, 0x0000_3A00_003A_0000) {
        return None;
    }
    let b = w.to_le_bytes().map(|c| c & 0x0F);
    Some((b[0] * 10 + b[1], b[3] * 10 + b[4], b[6] * 10 + b[7]))
}

/// `min..=max` digits at `i` (greedy, no more digits may follow): (value, end).
#[inline]
pub(super) fn num_var(s: &[u8], i: usize, min: usize, max: usize) -> Option<(u32, usize)> {
    let n = run(s, i);
    if n < min || n > max {
        return None;
    }
    Some((num(s, i, n)?, i + n))
}

#[inline]
fn is(s: &[u8], i: usize, b: u8) -> bool {
    s.get(i) == Some(&b)
}

/// Not a letter or digit at `i` (or the end): a word ends there.
#[inline]
fn boundary(s: &[u8], i: usize) -> bool {
    !s.get(i).is_some_and(u8::is_ascii_alphanumeric)
}

/// Digits of a fraction at `i` (the separator already passed): (nanoseconds, end). Digits
/// beyond the ninth are consumed and dropped.
#[inline]
pub(super) fn frac_digits(s: &[u8], i: usize) -> Option<(u32, usize)> {
    // A table, not `10u32.pow`: the exponent is not a constant and `pow` loops.
    const SCALE: [u32; 10] =
        [1_000_000_000, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1000, 100, 10, 1];
    // Up to eight digits in one word: most fractions are 3, 6 or 9 digits.
    let w = le8_padded(s, i.min(s.len()));
    let n = digits8(w);
    match n {
        0 => None,
        // Shifted up, so that the lanes below the digits read as leading zeros.
        1..=7 => Some((value8(w << (8 * (8 - n))) as u32 * SCALE[n], i + n)),
        _ => {
            let n = 8 + run(s, i + 8);
            let mut v = value8(w) as u32;
            if n > 8 {
                v = v * 10 + u32::from(s[i + 8] - b'0');
            }
            Some((v * SCALE[n.min(9)], i + n))
        }
    }
}

/// An optional fraction at `i`: `.` or `,` followed by a digit (`, Info` is not a fraction).
#[inline]
fn frac(s: &[u8], i: usize) -> (u32, usize) {
    if matches!(s.get(i), Some(b'.' | b',')) {
        if let Some(f) = frac_digits(s, i + 1) {
            return f;
        }
    }
    (0, i)
}

/// `H:MM[:SS][.frac]` at `i` with an hour of `min_h..=2` digits: (h, m, s, nanos, end).
#[inline]
fn hms(s: &[u8], i: usize, min_h: usize, need_secs: bool) -> Option<(u8, u8, u8, u32, usize)> {
    if let Some((h, m, sec)) = hhmmss(s, i) {
        let (nanos, j) = frac(s, i + 8);
        return Some((h, m, sec, nanos, j));
    }
    let (h, i) = num_var(s, i, min_h, 2)?;
    if !is(s, i, b':') {
        return None;
    }
    let m = num(s, i + 1, 2)?;
    let mut j = i + 3;
    let mut sec = 0;
    if is(s, j, b':') && digit(s, j + 1).is_some() {
        sec = num(s, j + 1, 2)?;
        j += 3;
    } else if need_secs {
        return None;
    }
    let (nanos, j) = if j == i + 6 { frac(s, j) } else { (0, j) };
    Some((h as u8, m as u8, sec as u8, nanos, j))
}

/// A zone after a time at `i`: `Z`, `+HH:MM`, `+HHMM`, `+HH`; with `spaced`, also a space and
/// then `+HHMM`/`+HH:MM` or an abbreviation (` UTC`, ` PDT`). `None` when a sign and two
/// digits right after the time are no valid offset (`+99:99`): the text meant an offset, and
/// reading the stamp as local time without it would be silently wrong.
#[inline]
fn zone(s: &[u8], i: usize, spaced: bool) -> Option<(ZoneText, usize)> {
    Some(match s.get(i) {
        Some(b'Z' | b'z') if boundary(s, i + 1) => (ZoneText::Offset(0), i + 1),
        Some(b'+' | b'-') => match parse_offset(&s[i..]) {
            Some((off, n)) => (ZoneText::Offset(off), i + n),
            None if digit(s, i + 1).is_some() && digit(s, i + 2).is_some() => return None,
            None => (ZoneText::None, i),
        },
        Some(b' ') if spaced => match s.get(i + 1) {
            Some(b'+' | b'-') => match parse_offset(&s[i + 1..]) {
                Some((off, n)) if n >= 5 => (ZoneText::Offset(off), i + 1 + n),
                _ => (ZoneText::None, i),
            },
            Some(b'A'..=b'Z') => match abbrev(s, i + 1) {
                Some((z, j)) => (z, j),
                None => (ZoneText::None, i),
            },
            _ => (ZoneText::None, i),
        },
        _ => (ZoneText::None, i),
    })
}

/// A zone abbreviation word at `i`: (zone, end).
pub(super) fn abbrev(s: &[u8], i: usize) -> Option<(ZoneText, usize)> {
    let n = s.get(i..)?.iter().take(5).take_while(|b| b.is_ascii_uppercase()).count();
    if n == 0 || !boundary(s, i + n) {
        return None;
    }
    let idx = lookup_abbrev(&s[i..i + n])?;
    // UTC, GMT, Z, UT: say so as an offset, so that the instant is fixed right away.
    let z = if idx < 4 { ZoneText::Offset(0) } else { ZoneText::Abbrev(idx) };
    Some((z, i + n))
}

const MONTHS: [&[u8; 3]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];
const WEEKDAYS: [&[u8; 3]; 7] = [b"mon", b"tue", b"wed", b"thu", b"fri", b"sat", b"sun"];

fn lower3(s: &[u8], i: usize) -> Option<[u8; 3]> {
    let t = s.get(i..i + 3)?;
    Some([t[0] | 0x20, t[1] | 0x20, t[2] | 0x20])
}

/// Name lookup by a perfect hash: a multiply, a shift and one compare instead of a scan of
/// the list. `mul` is one that gives every name its own slot (checked when the table is built).
struct Names<const SLOTS: usize> {
    mul: u32,
    /// (name as `key`, 1-based index into the list); key 0 marks an empty slot.
    slots: [(u32, u8); SLOTS],
}

const fn key(w: [u8; 3]) -> u32 {
    w[0] as u32 | (w[1] as u32) << 8 | (w[2] as u32) << 16
}

impl<const SLOTS: usize> Names<SLOTS> {
    const fn slot(mul: u32, k: u32) -> usize {
        (k.wrapping_mul(mul) >> (32 - SLOTS.trailing_zeros())) as usize
    }

    const fn new(names: &[&[u8; 3]], mul: u32) -> Self {
        let mut slots = [(0, 0); SLOTS];
        let mut i = 0;
        while i < names.len() {
            let k = key(*names[i]);
            let at = Self::slot(mul, k);
            assert!(slots[at].1 == 0, "two names in one slot: choose another `mul`");
            slots[at] = (k, i as u8 + 1);
            i += 1;
        }
        Names { mul, slots }
    }

    /// The 1-based index of a lowercase name (no key of [`lower3`] is 0, an empty slot's).
    #[inline]
    fn find(&self, w: [u8; 3]) -> Option<u8> {
        let k = key(w);
        let (name, idx) = self.slots[Self::slot(self.mul, k)];
        (name == k).then_some(idx)
    }
}

static MONTH_NAMES: Names<16> = Names::new(&MONTHS, 26_596);
static WEEKDAY_NAMES: Names<8> = Names::new(&WEEKDAYS, 2522);

/// A three-letter month name at `i` (any case): 1..=12.
pub(super) fn month3(s: &[u8], i: usize) -> Option<u8> {
    MONTH_NAMES.find(lower3(s, i)?)
}

fn weekday3(s: &[u8], i: usize) -> bool {
    lower3(s, i).is_some_and(|w| WEEKDAY_NAMES.find(w).is_some())
}

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
