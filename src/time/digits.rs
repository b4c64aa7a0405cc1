//! The byte-level pieces every timestamp parser here is built of: digits and digit runs (eight
//! at a time in a u64 where the layout is fixed), fractions, `HH:MM:SS`, zone suffixes.

use super::zone::{lookup_abbrev, parse_offset};
use super::ZoneText;

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

pub(super) const LANES: u64 = 0x0101_0101_0101_0101;

/// The eight bytes at `i` as a little-endian word: byte `i` is the low lane.
#[inline]
pub(super) fn le8(s: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(*s.get(i..)?.first_chunk()?))
}

/// The eight bytes at `i <= s.len()`, with zeros (no digit) for those past the end of `s`.
#[inline]
pub(super) fn le8_padded(s: &[u8], i: usize) -> u64 {
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
pub(super) fn digits8(w: u64) -> usize {
    let x = w ^ (0x30 * LANES);
    // A lane is a digit when it is 0..=9 now: high nibble clear, and no carry into it at + 6.
    // A carry out of a non-digit lane may spoil the lanes above it, never the ones below.
    let bad = (x | x.wrapping_add(6 * LANES)) & (0xF0 * LANES);
    bad.trailing_zeros() as usize / 8
}

/// True when the lanes in `digits` (0xFF each) are ASCII digits and the other lanes equal `seps`.
#[inline]
pub(super) fn shape8(w: u64, digits: u64, seps: u64) -> bool {
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
pub(super) fn value8(w: u64) -> u64 {
    let w = (w & (0x0F * LANES)).wrapping_mul(10 * 256 + 1) >> 8;
    let w = (w & 0x00FF_00FF_00FF_00FF).wrapping_mul(100 * 65536 + 1) >> 16;
    (w & 0x0000_FFFF_0000_FFFF).wrapping_mul(10000 * (1 << 32) + 1) >> 32
}

/// `HH:MM:SS` at `i` (no range check): the shape nearly every time of day is written in.
#[inline]
pub(super) fn hhmmss(s: &[u8], i: usize) -> Option<(u8, u8, u8)> {
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
pub(super) fn is(s: &[u8], i: usize, b: u8) -> bool {
    s.get(i) == Some(&b)
}

/// Not a letter or digit at `i` (or the end): a word ends there.
#[inline]
pub(super) fn boundary(s: &[u8], i: usize) -> bool {
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
pub(super) fn frac(s: &[u8], i: usize) -> (u32, usize) {
    if matches!(s.get(i), Some(b'.' | b',')) {
        if let Some(f) = frac_digits(s, i + 1) {
            return f;
        }
    }
    (0, i)
}

/// `H:MM[:SS][.frac]` at `i` with an hour of `min_h..=2` digits: (h, m, s, nanos, end).
#[inline]
pub(super) fn hms(
    s: &[u8],
    i: usize,
    min_h: usize,
    need_secs: bool,
) -> Option<(u8, u8, u8, u32, usize)> {
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
pub(super) fn zone(s: &[u8], i: usize, spaced: bool) -> Option<(ZoneText, usize)> {
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
