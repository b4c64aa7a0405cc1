//! Timestamps of a fixed width, so that byte order is time order: every written RFC 3339
//! stamp has the same number of fraction digits (`--precision`), and a time is cut (never
//! rounded: a rounded stamp could pass the next record's) to that many.

use crate::time::{rfc3339, Nanos, NANOS_PER_SEC};

/// Fraction digits of written timestamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Precision {
    /// Whole seconds: `2026-11-23T18:41:37Z`.
    S,
    /// Milliseconds: `.123`.
    Ms,
    /// Microseconds: `.123456`: every digit of nearly all log formats, and what RFC 5424,
    /// DuckDB's and PostgreSQL's TIMESTAMP and Python's datetime hold.
    #[default]
    Us,
    /// Nanoseconds: `.123456789`, every digit deskew has.
    Ns,
}

impl Precision {
    pub fn digits(self) -> usize {
        match self {
            Precision::S => 0,
            Precision::Ms => 3,
            Precision::Us => 6,
            Precision::Ns => 9,
        }
    }

    /// Nanoseconds in one unit of the last digit.
    pub fn unit(self) -> i64 {
        10i64.pow(9 - self.digits() as u32)
    }

    /// `t` cut to this precision (towards the past, also before 1970).
    #[inline]
    pub fn cut(self, t: Nanos) -> Nanos {
        // A constant divisor each: the remainder is then a multiply, not a division (about
        // 40 cycles, twice a record in JSONL).
        match self {
            Precision::S => t - t.rem_euclid(1_000_000_000),
            Precision::Ms => t - t.rem_euclid(1_000_000),
            Precision::Us => t - t.rem_euclid(1_000),
            Precision::Ns => t,
        }
    }

    /// The width of a written stamp.
    pub fn width(self) -> usize {
        match self.digits() {
            0 => 20,
            d => 21 + d,
        }
    }
}

/// Append `t` cut to `p` as RFC 3339 UTC with exactly `p.digits()` fraction digits.
pub fn write(buf: &mut Vec<u8>, t: Nanos, p: Precision) {
    let (secs, nanos) = split(p.cut(t));
    put(buf, rfc3339::seconds(secs), frac(nanos), p);
}

/// For JSONL: `t` cut to `p` as [`write`] writes it, then `between`, then as [`write_ns`]
/// writes it. The digits of the fraction are made once for both; a time from 2001 to 2286
/// (19 digits of nanoseconds) is written whole, with no division of the full number.
pub fn write_and_ns(buf: &mut Vec<u8>, t: Nanos, p: Precision, between: &[u8]) {
    let t = p.cut(t);
    let (secs, nanos) = split(t);
    let f = frac(nanos);
    put(buf, rfc3339::seconds(secs), f, p);
    buf.extend_from_slice(between);
    if !(1_000_000_000..10_000_000_000).contains(&secs) {
        write_ns(buf, t, p);
        return;
    }
    let (hi, lo) = ((secs / 100_000_000) as u8, (secs % 100_000_000) as u32);
    buf.extend_from_slice(&[b'0' + hi / 10, b'0' + hi % 10]);
    buf.extend_from_slice(&super::eight_digits(lo).to_le_bytes());
    buf.extend_from_slice(&f.0.to_le_bytes());
    buf.push(f.1);
}

/// The nine digits of `nanos` (below 10^9): a word of the first eight, and the last.
#[inline(always)]
fn frac(nanos: u32) -> (u64, u8) {
    (super::eight_digits(nanos / 10), b'0' + (nanos % 10) as u8)
}

/// A stamp from its second's text and its fraction's digits, cut to `p`. The fraction goes
/// in as two words made in registers, then is cut to its width: bytes put together in an
/// array on the stack and copied out as wider words would stall each copy (a store does not
/// forward to a wider load), and writing the fraction with its trailing zeros dropped, then
/// put back, cost a loop and a `memcpy`.
#[inline(always)]
fn put(buf: &mut Vec<u8>, second: rfc3339::Second, (word, last): (u64, u8), p: Precision) {
    buf.reserve(19 + 16 + 1);
    second.push(buf);
    let start = buf.len();
    buf.extend_from_slice(&(u64::from(b'.') | (word << 8)).to_le_bytes());
    buf.extend_from_slice(&((word >> 56) | (u64::from(last) << 8)).to_le_bytes());
    // The point and the digits `p` keeps (none of either for whole seconds), then the `Z`.
    let keep = match p.digits() {
        0 => 0,
        d => 1 + d,
    };
    buf.truncate(start + keep);
    buf.push(b'Z');
}

/// Append `t` cut to `p` as integer nanoseconds since the epoch.
pub fn write_ns(buf: &mut Vec<u8>, t: Nanos, p: Precision) {
    let t = p.cut(t);
    if t < 0 {
        buf.push(b'-');
    }
    super::push_u64(buf, t.unsigned_abs());
}

/// Seconds and nanoseconds of `t` (for writers that split them).
pub fn split(t: Nanos) -> (i64, u32) {
    (t.div_euclid(NANOS_PER_SEC), t.rem_euclid(NANOS_PER_SEC) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(t: Nanos, p: Precision) -> String {
        let mut b = Vec::new();
        write(&mut b, t, p);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn every_precision_writes_a_fixed_width() {
        let t = 1_795_459_297_100_000_000; // 2026-11-23T18:41:37.1Z
        assert_eq!(s(t, Precision::S), "2026-11-23T18:41:37Z");
        assert_eq!(s(t, Precision::Ms), "2026-11-23T18:41:37.100Z");
        assert_eq!(s(t, Precision::Us), "2026-11-23T18:41:37.100000Z");
        assert_eq!(s(t, Precision::Ns), "2026-11-23T18:41:37.100000000Z");
        let whole = 1_795_459_297_000_000_000;
        assert_eq!(s(whole, Precision::Us), "2026-11-23T18:41:37.000000Z");
        assert_eq!(s(whole + 999_999_999, Precision::Ms), "2026-11-23T18:41:37.999Z");
    }

    #[test]
    fn times_before_1970_are_cut_towards_the_past() {
        assert_eq!(s(-1, Precision::Ms), "1969-12-31T23:59:59.999Z");
        assert_eq!(Precision::S.cut(-1), -NANOS_PER_SEC);
    }

    proptest! {
        #[test]
        fn text_order_is_time_order(a in -4_000_000_000_000_000_000i64..4_000_000_000_000_000_000,
                                    b in -4_000_000_000_000_000_000i64..4_000_000_000_000_000_000,
                                    p in 0usize..4) {
            let p = [Precision::S, Precision::Ms, Precision::Us, Precision::Ns][p];
            let (x, y) = (s(a, p), s(b, p));
            prop_assert_eq!(x.len(), p.width());
            prop_assert_eq!(y.len(), p.width());
            prop_assert_eq!(x.cmp(&y), p.cut(a).cmp(&p.cut(b)));
            prop_assert_eq!(crate::time::rfc3339::parse(&x).unwrap(), p.cut(a));
        }

        #[test]
        fn the_stamp_and_nanoseconds_together_equal_each_alone(
            t in prop_oneof![proptest::num::i64::ANY,
                             900_000_000_000_000_000i64..i64::MAX],
            p in 0usize..4,
        ) {
            let p = [Precision::S, Precision::Ms, Precision::Us, Precision::Ns][p];
            let mut both = b"x".to_vec();
            write_and_ns(&mut both, t, p, b"|");
            let mut each = b"x".to_vec();
            write(&mut each, t, p);
            each.push(b'|');
            write_ns(&mut each, t, p);
            prop_assert_eq!(String::from_utf8(both).unwrap(), String::from_utf8(each).unwrap());
        }
    }
}
