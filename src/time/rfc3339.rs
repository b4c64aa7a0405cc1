//! RFC 3339 text for instants: written for every output record, parsed for --since/--until.

use std::cell::Cell;

use super::civil::civil_from_days;
use super::{scan, Nanos, Stamp, NANOS_PER_SEC};

/// Append `t` as `YYYY-MM-DDTHH:MM:SS[.f]Z`, the fraction with as many digits as the instant
/// needs (trailing zeros dropped), at most 9.
pub fn write(buf: &mut Vec<u8>, t: Nanos) {
    let secs = t.div_euclid(NANOS_PER_SEC);
    let nanos = t.rem_euclid(NANOS_PER_SEC) as u32;
    // Pieces of a known size go straight into `buf`, digits written in place: no `memcpy`
    // call of a run-time length, and no bytes stored to a scratch array and loaded again as
    // wider words (a stall: stores of single bytes do not forward to a wider load).
    seconds(secs).push(buf);
    if nanos != 0 {
        // Nine digits in three groups, then the trailing zeros dropped: whole groups first
        // (most stamps are whole ms or us), then at most two more (`nanos != 0`).
        let start = buf.len();
        buf.extend_from_slice(b".000000000");
        let f = &mut buf[start + 1..start + 10];
        let (hi, mid, lo) = (nanos / 1_000_000, nanos / 1000 % 1000, nanos % 1000);
        put3(&mut f[0..3], hi);
        put3(&mut f[3..6], mid);
        put3(&mut f[6..9], lo);
        let mut len = match (mid, lo) {
            (0, 0) => 4,
            (_, 0) => 7,
            _ => 10,
        };
        while buf[start + len - 1] == b'0' {
            len -= 1;
        }
        buf.truncate(start + len);
    }
    buf.push(b'Z');
}

/// `YYYY-MM-DDTHH:MM:SS` of a second, as words: its bytes 0..8, 8..16 and 16..19.
#[derive(Clone, Copy)]
pub(crate) struct Second(u64, u64, u32);

impl Second {
    /// Append the 19 bytes. From words in registers: bytes of an array copied out as wider
    /// words stall when they were just stored one at a time (no store-to-load forwarding).
    #[inline(always)]
    pub(crate) fn push(self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.0.to_le_bytes());
        buf.extend_from_slice(&self.1.to_le_bytes());
        buf.extend_from_slice(&self.2.to_le_bytes()[..3]);
    }
}

/// `YYYY-MM-DDTHH:MM:SS` of a second. Records come nearly in time order, so consecutive
/// calls mostly ask for the same second, or at least the same day: the last answer is kept
/// per thread, which spares the calendar arithmetic of `civil_from_days` on almost every
/// record, and the clock digits on most.
pub(crate) fn seconds(secs: i64) -> Second {
    thread_local! {
        static LAST: Cell<(i64, [u8; 19], Second)> =
            const { Cell::new((i64::MIN, [0; 19], Second(0, 0, 0))) };
    }
    LAST.with(|last| {
        let (s, text, words) = last.get();
        if s == secs {
            return words;
        }
        let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400) as u32);
        let mut out = text;
        if s == i64::MIN || s.div_euclid(86_400) != days {
            let (y, m, d) = civil_from_days(days);
            // i64 nanoseconds span the years 1677..=2262: always four digits.
            let y = y.clamp(0, 9999) as u32;
            out[..10].copy_from_slice(b"0000-00-00");
            put2(&mut out[0..2], y / 100);
            put2(&mut out[2..4], y % 100);
            put2(&mut out[5..7], u32::from(m));
            put2(&mut out[8..10], u32::from(d));
        }
        out[10..19].copy_from_slice(b"T00:00:00");
        put2(&mut out[11..13], sod / 3600);
        put2(&mut out[14..16], sod / 60 % 60);
        put2(&mut out[17..19], sod % 60);
        let word = |r: std::ops::Range<usize>| {
            let mut w = [0u8; 8];
            w[..r.len()].copy_from_slice(&out[r]);
            u64::from_le_bytes(w)
        };
        let words = Second(word(0..8), word(8..16), word(16..19) as u32);
        last.set((secs, out, words));
        words
    })
}

fn put3(dst: &mut [u8], v: u32) {
    dst[0] = b'0' + (v / 100) as u8;
    put2(&mut dst[1..3], v % 100);
}

fn put2(dst: &mut [u8], v: u32) {
    dst[0] = b'0' + (v / 10) as u8;
    dst[1] = b'0' + (v % 10) as u8;
}

/// Parse RFC 3339 text (any offset) to an instant: `YYYY-MM-DD`, `T` (or `t`, a space),
/// `HH:MM:SS[.frac]`, then `Z` or `+HH:MM`. Text without an offset is refused.
pub fn parse(s: &str) -> Option<Nanos> {
    let b = s.trim().as_bytes();
    if b.len() < 20 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    match scan::exact(b)? {
        Stamp::Instant(t) => Some(t),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(t: Nanos) -> String {
        let mut b = Vec::new();
        write(&mut b, t);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn writes_whole_seconds_without_fraction() {
        assert_eq!(w(0), "1970-01-01T00:00:00Z");
        assert_eq!(w(1_700_000_000 * NANOS_PER_SEC), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn drops_trailing_zeros_of_the_fraction() {
        assert_eq!(w(1_500_000_000), "1970-01-01T00:00:01.5Z");
        assert_eq!(w(1_000_000_001), "1970-01-01T00:00:01.000000001Z");
        assert_eq!(w(1_490_386_367_764_000_000), "2017-03-24T20:12:47.764Z");
    }

    #[test]
    fn writes_negative_instants() {
        assert_eq!(w(-1), "1969-12-31T23:59:59.999999999Z");
        assert_eq!(w(-NANOS_PER_SEC), "1969-12-31T23:59:59Z");
        assert_eq!(w(i64::MIN), "1677-09-21T00:12:43.145224192Z");
        assert_eq!(w(i64::MAX), "2262-04-11T23:47:16.854775807Z");
    }

    #[test]
    fn appends_to_the_buffer() {
        let mut b = b"x ".to_vec();
        write(&mut b, 0);
        assert_eq!(b, b"x 1970-01-01T00:00:00Z");
    }

    #[test]
    fn parses_any_offset() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse("1969-12-31T19:00:00.5-05:00"), Some(500_000_000));
        assert_eq!(parse("2026-11-23t18:41:37z"), parse("2026-11-23T18:41:37Z"));
        assert_eq!(parse(" 2026-11-23 18:41:37Z "), parse("2026-11-23T18:41:37Z"));
    }

    #[test]
    fn parse_refuses_text_without_offset_or_garbage() {
        assert_eq!(parse("2026-11-23T18:41:37"), None);
        assert_eq!(parse("1700000000"), None);
        assert_eq!(parse("2026-11-23T18:41:37Zx"), None);
        assert_eq!(parse("2026-13-23T18:41:37Z"), None);
        assert_eq!(parse(""), None);
    }

    proptest! {
        #[test]
        fn parse_of_write_is_identity(t in any::<i64>()) {
            let mut b = Vec::new();
            write(&mut b, t);
            prop_assert_eq!(parse(std::str::from_utf8(&b).unwrap()), Some(t));
        }

        /// Instants written one after another (as the output writes them: the same second,
        /// the next, across midnight, backwards) read as chrono writes each alone.
        #[test]
        fn a_sequence_is_written_as_each_alone(start in any::<i64>(), steps in prop::collection::vec(-100_000_000_000i64..100_000_000_000, 1..40)) {
            let mut t = start;
            for d in steps {
                t = t.saturating_add(d);
                let mut b = Vec::new();
                write(&mut b, t);
                let want = chrono::DateTime::from_timestamp_nanos(t)
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
                let want = match want.split_once('.') {
                    // chrono writes 3, 6 or 9 digits; this writer drops all trailing zeros.
                    Some((whole, frac)) => {
                        let frac = frac.trim_end_matches('Z').trim_end_matches('0');
                        if frac.is_empty() { format!("{whole}Z") } else { format!("{whole}.{frac}Z") }
                    }
                    None => want,
                };
                prop_assert_eq!(String::from_utf8(b).unwrap(), want);
            }
        }
    }
}
