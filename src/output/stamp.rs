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
    let start = buf.len();
    rfc3339::write(buf, p.cut(t));
    // `rfc3339::write` drops trailing zeros: put them back (before the `Z`).
    let digits = p.digits();
    if digits == 0 {
        return;
    }
    let have = buf.len() - start - 20; // 0, or '.' and the digits written
    let have_digits = have.saturating_sub(1);
    if have_digits < digits {
        buf.pop(); // Z
        if have == 0 {
            buf.push(b'.');
        }
        buf.extend(std::iter::repeat_n(b'0', digits - have_digits));
        buf.push(b'Z');
    }
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
    }
}
