//! Tests of `scan`: every built-in layout, with real lines from the corpus.

use super::*;
use crate::time::rfc3339;
use proptest::prelude::*;

/// The instant of an Instant stamp, or of a Civil read as UTC (year 2024 when absent).
fn utc(st: Stamp) -> String {
    let t = match st {
        Stamp::Instant(t) => t,
        Stamp::Civil(c) => {
            let off = match c.zone {
                ZoneText::Offset(o) => o,
                ZoneText::None => 0,
                ZoneText::Abbrev(_) => panic!("abbreviation in {c:?}"),
            };
            to_nanos(c.year.unwrap_or(2024), c.month, c.day, c.hour, c.minute, c.second, c.nanos)
                .unwrap()
                - i64::from(off) * NANOS_PER_SEC
        }
        Stamp::Relative(_) => panic!("relative"),
        Stamp::Unreadable => panic!("unreadable"),
    };
    let mut b = Vec::new();
    rfc3339::write(&mut b, t);
    String::from_utf8(b).unwrap()
}

/// `leading` on `line`: (instant as RFC 3339, the raw timestamp text).
fn lead(line: &str) -> (String, &str) {
    let (st, n) = leading(line.as_bytes()).unwrap_or_else(|| panic!("no timestamp in {line:?}"));
    (utc(st), &line[..n])
}

fn civil_of(line: &str) -> Civil {
    match leading(line.as_bytes()) {
        Some((Stamp::Civil(c), _)) => c,
        other => panic!("{line:?}: {other:?}"),
    }
}

#[test]
fn iso_8601_with_t_and_nanoseconds() {
    assert_eq!(
        lead("2024-04-25T05:32:35.584725130Z  * Serving Flask app 'app.py'"),
        ("2024-04-25T05:32:35.58472513Z".into(), "2024-04-25T05:32:35.584725130Z")
    );
    assert_eq!(lead("2016-01-07T16:49:10.0").0, "2016-01-07T16:49:10Z");
    assert_eq!(lead("2021-01-26T23:45:57.678222Z").0, "2021-01-26T23:45:57.678222Z");
}

#[test]
fn iso_8601_numeric_offsets() {
    assert_eq!(
        lead("2022-08-27T17:22:01.694554+03:00 space01.global-acme.entp CR"),
        ("2022-08-27T14:22:01.694554Z".into(), "2022-08-27T17:22:01.694554+03:00")
    );
    assert_eq!(lead("2021-03-06T04:07:38.251122+00:00 hostname").0, "2021-03-06T04:07:38.251122Z");
    assert_eq!(lead("2024-01-01T00:00:00-0700 x").0, "2024-01-01T07:00:00Z");
    assert_eq!(lead("2024-01-01T00:00:00+05 x").0, "2023-12-31T19:00:00Z");
    // Hours alone, then the colon that ends the stamp (log4j `%d{yyyy-MM-dd HH:mm:ss.SSSX}:`,
    // in log-viewer's format detector tests).
    assert_eq!(
        lead("2020-01-01 18:11:00.000+06: mmm"),
        ("2020-01-01T12:11:00Z".into(), "2020-01-01 18:11:00.000+06")
    );
    assert_eq!(
        lead("2024-01-01 00:00:00 +0000 x"),
        ("2024-01-01T00:00:00Z".into(), "2024-01-01 00:00:00 +0000")
    );
    assert_eq!(
        lead("2024-01-01 00:00:00 UTC x"),
        ("2024-01-01T00:00:00Z".into(), "2024-01-01 00:00:00 UTC")
    );
}

#[test]
fn an_offset_out_of_range_is_no_timestamp_not_local_time() {
    for bad in ["2026-11-20T14:00:00+99:99 x", "2026-11-20T14:00:00-2400 x", "20261120T140000+25"] {
        assert!(leading(bad.as_bytes()).is_none(), "{bad}");
    }
    // A sign not followed by two digits is not an offset at all: the stamp ends before it.
    assert_eq!(lead("2026-11-20T14:00:00-worker-3 x").1, "2026-11-20T14:00:00");
}

#[test]
fn iso_space_separated_with_zone_abbreviation() {
    let line = "2025-08-13 01:45:01.123 PDT [12345] LOG:  starting PostgreSQL 15.4";
    let (st, n) = leading(line.as_bytes()).unwrap();
    assert_eq!(&line[..n], "2025-08-13 01:45:01.123 PDT");
    let Stamp::Civil(c) = st else { panic!() };
    assert_eq!(c.zone, ZoneText::Abbrev(crate::time::zone::lookup_abbrev(b"PDT").unwrap()));
    assert_eq!((c.year, c.month, c.day, c.hour, c.nanos), (Some(2025), 8, 13, 1, 123_000_000));
}

#[test]
fn iso_two_spaces_tab_and_lowercase_t() {
    assert_eq!(lead("2019-07-10  16:38:08\n").0, "2019-07-10T16:38:08Z");
    assert_eq!(lead("2019-12-04\t21:02:31\tLAX1").0, "2019-12-04T21:02:31Z");
    assert_eq!(lead("2019-12-04t21:02:31z").0, "2019-12-04T21:02:31Z");
    assert_eq!(lead("2024-01-02 03:04 rest"), ("2024-01-02T03:04:00Z".into(), "2024-01-02 03:04"));
}

#[test]
fn iso_basic_format() {
    assert_eq!(lead("20240102T030405Z rest"), ("2024-01-02T03:04:05Z".into(), "20240102T030405Z"));
    assert_eq!(lead("20240102T030405.5+0100").0, "2024-01-02T02:04:05.5Z");
}

#[test]
fn log4j_comma_before_milliseconds() {
    let line = "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created";
    assert_eq!(lead(line), ("2015-10-18T18:01:47.978Z".into(), "2015-10-18 18:01:47,978"));
}

#[test]
fn comma_followed_by_space_is_not_a_fraction() {
    let line =
        "2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack v6.1.7601.23505";
    assert_eq!(lead(line), ("2016-09-28T04:30:30Z".into(), "2016-09-28 04:30:30"));
    assert_eq!(lead("2016-09-28 04:30:30,x").1, "2016-09-28 04:30:30");
    assert_eq!(lead("2016-09-28 04:30:30.").1, "2016-09-28 04:30:30");
}

#[test]
fn slashed_year_first_go_log_and_rsyncd() {
    assert_eq!(
        lead("2011/02/22 21:50:30 [8203] rsyncd version 2.6.9 starting"),
        ("2011-02-22T21:50:30Z".into(), "2011/02/22 21:50:30")
    );
    assert_eq!(lead("2016/9/7 01:02:03.5 x").0, "2016-09-07T01:02:03.5Z");
}

#[test]
fn spark_two_digit_year() {
    let line = "17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered";
    assert_eq!(lead(line), ("2017-06-09T20:10:40Z".into(), "17/06/09 20:10:40"));
    assert_eq!(lead("69/01/01 00:00:00 x").0, "1969-01-01T00:00:00Z");
}

#[test]
fn hdfs_compact_and_mysql5_dates() {
    assert_eq!(
        lead("081109 203615 148 INFO dfs.DataNode$PacketResponder"),
        ("2008-11-09T20:36:15Z".into(), "081109 203615")
    );
    assert_eq!(
        lead("131111  9:49:49 [Note] Plugin"),
        ("2013-11-11T09:49:49Z".into(), "131111  9:49:49")
    );
    assert_eq!(lead("131111 19:49:49 [Note]").0, "2013-11-11T19:49:49Z");
}

#[test]
fn syslog_without_year_and_space_padded_day() {
    let c = civil_of("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure;");
    assert_eq!((c.year, c.month, c.day, c.hour, c.minute, c.second), (None, 6, 14, 15, 16, 1));
    let c = civil_of("Jun  4 01:02:03.25 host x");
    assert_eq!((c.month, c.day, c.nanos), (6, 4, 250_000_000));
    assert_eq!(lead("Aug 16 00:10:45 Tims-Air syslogd[314]:").1, "Aug 16 00:10:45");
}

#[test]
fn ctime_and_date_layouts_with_weekday() {
    assert_eq!(
        lead("Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok"),
        ("2005-12-04T04:47:44Z".into(), "Sun Dec 04 04:47:44 2005")
    );
    assert_eq!(
        lead("Sun Nov 23 18:41:37 UTC 2026 x"),
        ("2026-11-23T18:41:37Z".into(), "Sun Nov 23 18:41:37 UTC 2026")
    );
    assert_eq!(lead("Dec 04 04:47:44 2005 x").1, "Dec 04 04:47:44 2005");
    assert_eq!(
        lead("Dec 04 2005 04:47:44 x"),
        ("2005-12-04T04:47:44Z".into(), "Dec 04 2005 04:47:44")
    );
    assert_eq!(
        lead("Sun, 06 Nov 1994 08:49:37 GMT"),
        ("1994-11-06T08:49:37Z".into(), "Sun, 06 Nov 1994 08:49:37 GMT")
    );
    // A host name that starts with four digits is not a year.
    assert_eq!(lead("Nov 23 18:41:37 2024-web1 x").1, "Nov 23 18:41:37");
    // A zone word not followed by a year is left to the message.
    assert_eq!(lead("Nov 23 18:41:37 UTC host").1, "Nov 23 18:41:37");
}

#[test]
fn common_log_format_with_half_hour_offset() {
    let line = "22/Jan/2019:03:56:14 +0330] \"GET /image/60844/productModel/200x200 HTTP/1.1\" 200";
    assert_eq!(lead(line), ("2019-01-22T00:26:14Z".into(), "22/Jan/2019:03:56:14 +0330"));
    assert_eq!(lead("25/Feb/2019:16:19:48.143] prod").0, "2019-02-25T16:19:48.143Z");
}

#[test]
fn day_month_name_year_layouts() {
    assert_eq!(
        lead("25 Apr 2024 05:32:35.018 * Ready"),
        ("2024-04-25T05:32:35.018Z".into(), "25 Apr 2024 05:32:35.018")
    );
    assert_eq!(lead("13-Nov-2024 10:00:00.123 INFO").0, "2024-11-13T10:00:00.123Z");
    let c = civil_of("25 Apr 05:32:40 - 0 clients");
    assert_eq!((c.year, c.month, c.day), (None, 4, 25));
}

#[test]
fn yearless_logcat_glog_and_snort() {
    let c = civil_of("03-17 16:13:38.811  1702  2395 D WindowManager:");
    assert_eq!((c.year, c.month, c.day, c.nanos), (None, 3, 17, 811_000_000));
    let c = civil_of("1123 18:41:37.123456 12345 main.cc:42] msg");
    assert_eq!((c.year, c.month, c.day, c.nanos), (None, 11, 23, 123_456_000));
    let line = "12/28-12:55:38.765402 [**] [1:366:11] \"PROTOCOL-ICMP PING Unix\"";
    let (st, n) = leading(line.as_bytes()).unwrap();
    assert_eq!(&line[..n], "12/28-12:55:38.765402");
    let Stamp::Civil(c) = st else { panic!() };
    assert_eq!((c.year, c.month, c.day, c.hour, c.nanos), (None, 12, 28, 12, 765_402_000));
}

#[test]
fn us_dates_twelve_and_twenty_four_hour() {
    let line = "9/27/2013\t2:42:26 PM\tBlocked by Access Protection rule";
    assert_eq!(lead(line), ("2013-09-27T14:42:26Z".into(), "9/27/2013\t2:42:26 PM"));
    assert_eq!(lead("9/27/2013 12:00:01 AM x").0, "2013-09-27T00:00:01Z");
    assert_eq!(lead("9/27/2013 12:00:01 PM x").0, "2013-09-27T12:00:01Z");
    assert_eq!(
        lead("12/31/2013 23:59:59 x"),
        ("2013-12-31T23:59:59Z".into(), "12/31/2013 23:59:59")
    );
    assert_eq!(leading(b"9/27/2013 13:00:00 PM"), None);
    assert_eq!(lead("9/27/2013 1:00:00 PMX").1, "9/27/2013 1:00:00");
}

#[test]
fn epoch_numbers_by_magnitude() {
    assert_eq!(
        lead("1428634687123 Hello, World!"),
        ("2015-04-10T02:58:07.123Z".into(), "1428634687123")
    );
    assert_eq!(lead("1117838570 2005.06.03 R02-M1-N0").0, "2005-06-03T22:42:50Z");
    assert_eq!(lead("1320279554.496300\tCg9xqq3JAcZusspA86").0, "2011-11-03T00:19:14.4963Z");
    assert_eq!(lead("1534860261221373").0, "2018-08-21T14:04:21.221373Z");
    assert_eq!(lead("1534860261221373123").0, "2018-08-21T14:04:21.221373123Z");
    assert_eq!(lead("100000000").0, "1973-03-03T09:46:40Z");
}

#[test]
fn epoch_fraction_scales_with_the_unit_exactly() {
    assert_eq!(exact(b"1761019822.3152757").map(utc).unwrap(), "2025-10-21T04:10:22.3152757Z");
    assert_eq!(exact(b"1490386367764.0").map(utc).unwrap(), "2017-03-24T20:12:47.764Z");
    assert_eq!(exact(b"1490386367764.5"), Some(Stamp::Instant(1_490_386_367_764_500_000)));
    assert_eq!(exact(b"1700000000.1234567891"), Some(Stamp::Instant(1_700_000_000_123_456_789)));
}

#[test]
fn short_numbers_are_not_epochs() {
    assert_eq!(leading(b"200 OK"), None);
    assert_eq!(leading(b"2024 was a year"), None);
    assert_eq!(leading(b"12345678 x"), None);
    assert_eq!(leading(b"99999999999999999999"), None);
    assert_eq!(leading(b"9999999999999999999"), None); // past i64 nanoseconds
}

#[test]
fn time_only_w3c_and_logback() {
    let c = civil_of("16:44:49 1.1.1.1 [2]USER anonymous 331");
    assert_eq!((c.year, c.month, c.day, c.hour, c.minute, c.second), (None, 0, 0, 16, 44, 49));
    assert_eq!(civil_of("16:44:49.123 [main] INFO").nanos, 123_000_000);
    assert_eq!(leading(b"16:44 x"), None);
}

#[test]
fn dmesg_boot_relative() {
    assert_eq!(
        leading(b"[  316.559919] usb 1-1: new"),
        Some((Stamp::Relative(316_559_919_000), 14))
    );
    assert_eq!(leading(b"  316.559919] usb"), Some((Stamp::Relative(316_559_919_000), 12)));
    assert_eq!(leading(b"0.000000] Linux"), Some((Stamp::Relative(0), 8)));
    assert_eq!(leading(b"316.559919 usb"), None);
    assert_eq!(leading(b"[ 316.5] x"), Some((Stamp::Relative(316_500_000_000), 8)));
}

#[test]
fn invalid_values_are_rejected() {
    for s in [
        "2024-13-01T00:00:00Z",
        "2024-02-30 00:00:00",
        "2023-02-29 00:00:00",
        "2024-01-01 25:00:00",
        "2024-01-01 23:60:00",
        "2024-01-01 23:59:61",
        "Feb 30 00:00:00",
        "13/01/2024 00:00:00",
        "00-17 16:13:38.811",
        "24:00:00",
    ] {
        assert_eq!(leading(s.as_bytes()), None, "{s}");
    }
}

#[test]
fn leap_second_is_kept_as_written() {
    assert_eq!(lead("2016-12-31T23:59:60Z").0, "2017-01-01T00:00:00Z");
    assert_eq!(civil_of("2016-12-31 23:59:60.5").second, 60);
}

#[test]
fn lines_that_cannot_start_a_timestamp_fail_fast() {
    for s in [
        "",
        "-",
        "INFO x",
        "#Date: 2000-10-09",
        "\tat java",
        "nova-api.log 2017-05-16",
        "Jun14 00:00:00",
        "x2024-01-01",
    ] {
        assert_eq!(leading(s.as_bytes()), None, "{s}");
    }
}

#[test]
fn exact_needs_the_whole_field() {
    assert!(exact(b"  2024-01-01T00:00:00Z ").is_some());
    assert!(exact(b"2024-01-01T00:00:00Z x").is_none());
    assert!(exact(b"2016-09-28 04:30:30,").is_none());
    assert!(exact(b"").is_none());
    assert_eq!(
        exact(b"2020-01-11T16:55:20.356586Z").map(utc).unwrap(),
        "2020-01-11T16:55:20.356586Z"
    );
}

/// ISO 8601 text of a date, a time, `digits` digits of the fraction `f` and an offset in minutes.
fn iso_text(
    (y, mo, d): (i32, u8, u8),
    (h, mi, s): (u8, u8, u8),
    f: u32,
    digits: usize,
    off_min: i32,
) -> String {
    let mut t = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if digits > 0 {
        let full = format!("{f:09}");
        t.push('.');
        t.push_str(&full[..digits]);
    }
    if off_min == 0 {
        t.push('Z');
    } else {
        let a = off_min.abs();
        t.push_str(&format!("{}{:02}:{:02}", if off_min < 0 { '-' } else { '+' }, a / 60, a % 60));
    }
    t
}

proptest! {
    // Each case takes microseconds, and most draws are near misses: many cases, so that every
    // layout also reads successfully a few hundred times.
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn fast_paths_read_as_the_parser_before_them(
        layout in 0usize..14,
        nums in prop::array::uniform8(any::<u32>()),
        wide in prop::array::uniform8(0usize..8),
        pick in prop::array::uniform6(0usize..64),
        frac_len in 0usize..13,
        cut in 0usize..80,
    ) {
        let text = layout_text(layout, nums, wide, pick, frac_len, cut);
        let s = text.as_bytes();
        prop_assert_eq!(leading(s), before::leading(s), "{:?}", text);
        prop_assert_eq!(exact(s), before::exact(s), "{:?}", text);
    }

    #[test]
    fn word_at_a_time_helpers_read_as_before(
        s in proptest::collection::vec(prop_oneof![4 => 48u8..58, 1 => any::<u8>()], 0..40),
        i in 0usize..42,
        min_digits in 0usize..12,
    ) {
        prop_assert_eq!(run(&s, i), before::run(&s, i));
        prop_assert_eq!(frac_digits(&s, i), before::frac_digits(&s, i));
        prop_assert_eq!(month3(&s, i), before::month3(&s, i));
        prop_assert_eq!(epoch(&s, min_digits), before::epoch(&s, min_digits));
        prop_assert_eq!(leading(&s), before::leading(&s));
    }
}

proptest! {
    #[test]
    fn leading_never_panics_and_stays_in_bounds(s in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Some((_, n)) = leading(&s) {
            prop_assert!(n <= s.len());
        }
        let _ = exact(&s);
    }

    #[test]
    fn leading_never_panics_on_timestamp_like_text(s in "[0-9 :./,TZ+\\-A-Za-z\\[\\]]{0,40}") {
        if let Some((_, n)) = leading(s.as_bytes()) {
            prop_assert!(n <= s.len());
        }
    }

    #[test]
    fn iso_text_from_random_fields_reads_back(
        y in 1700i32..2260, mo in 1u8..=12, d in 1u8..=31, h in 0u8..24, mi in 0u8..60, s in 0u8..60,
        f in 0u32..1_000_000_000, digits in 0usize..=9, off in -14 * 60i32..=14 * 60,
    ) {
        prop_assume!(crate::time::civil::valid_date(Some(y), mo, d));
        let text = iso_text((y, mo, d), (h, mi, s), f, digits, off);
        let kept = if digits == 0 { 0 } else { f / 10u32.pow(9 - digits as u32) * 10u32.pow(9 - digits as u32) };
        let want = to_nanos(y, mo, d, h, mi, s, kept).unwrap() - i64::from(off) * 60 * NANOS_PER_SEC;
        prop_assert_eq!(leading(text.as_bytes()), Some((Stamp::Instant(want), text.len())));
        prop_assert_eq!(exact(text.as_bytes()), Some(Stamp::Instant(want)));
    }
}

/// The parser as it was before its word-at-a-time fast paths (commit 52fbcc2, minus what only
/// `layout` used): the oracle that `fast_paths_read_as_the_parser_before_them` checks against.
mod before {
    use crate::time::civil::{to_nanos, valid_date, valid_time};
    use crate::time::zone::{lookup_abbrev, parse_offset};
    use crate::time::{Civil, Nanos, Stamp, ZoneText, NANOS_PER_SEC};

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
            (stamp, n) if n == s.len() => Some(stamp),
            _ => None,
        }
    }

    // ---- small readers -------------------------------------------------------------------------

    #[inline]
    fn digit(s: &[u8], i: usize) -> Option<u32> {
        match s.get(i) {
            Some(b) if b.is_ascii_digit() => Some(u32::from(b - b'0')),
            _ => None,
        }
    }

    /// Exactly `n` digits at `i`.
    #[inline]
    fn num(s: &[u8], i: usize, n: usize) -> Option<u32> {
        let mut v = 0;
        for k in i..i + n {
            v = v * 10 + digit(s, k)?;
        }
        Some(v)
    }

    /// The length of the run of digits at `i`.
    #[inline]
    pub fn run(s: &[u8], i: usize) -> usize {
        s.get(i..).map_or(0, |t| t.iter().take_while(|b| b.is_ascii_digit()).count())
    }

    /// `min..=max` digits at `i` (greedy, no more digits may follow): (value, end).
    #[inline]
    fn num_var(s: &[u8], i: usize, min: usize, max: usize) -> Option<(u32, usize)> {
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
    pub fn frac_digits(s: &[u8], i: usize) -> Option<(u32, usize)> {
        let n = run(s, i);
        if n == 0 {
            return None;
        }
        let kept = n.min(9);
        // A table, not `10u32.pow`: the exponent is not a constant and `pow` loops.
        const SCALE: [u32; 10] =
            [1_000_000_000, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1000, 100, 10, 1];
        let v = num(s, i, kept)? * SCALE[kept];
        Some((v, i + n))
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
    fn hms(s: &[u8], i: usize, min_h: usize, need_secs: bool) -> Option<(u8, u8, u8, u32, usize)> {
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
    fn abbrev(s: &[u8], i: usize) -> Option<(ZoneText, usize)> {
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
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    const WEEKDAYS: [&[u8; 3]; 7] = [b"mon", b"tue", b"wed", b"thu", b"fri", b"sat", b"sun"];

    fn lower3(s: &[u8], i: usize) -> Option<[u8; 3]> {
        let t = s.get(i..i + 3)?;
        Some([t[0] | 0x20, t[1] | 0x20, t[2] | 0x20])
    }

    /// A three-letter month name at `i` (any case): 1..=12.
    pub fn month3(s: &[u8], i: usize) -> Option<u8> {
        let w = lower3(s, i)?;
        MONTHS.iter().position(|m| **m == w).map(|k| k as u8 + 1)
    }

    fn weekday3(s: &[u8], i: usize) -> bool {
        lower3(s, i).is_some_and(|w| WEEKDAYS.iter().any(|d| **d == w))
    }

    /// Two-digit years: 69-99 are 19xx, 00-68 are 20xx.
    fn century(yy: u32) -> i32 {
        if yy >= 69 {
            1900 + yy as i32
        } else {
            2000 + yy as i32
        }
    }

    /// Check the time and make the stamp (the date is already checked).
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
    fn stamp(
        date: Ymd,
        t: (u8, u8, u8, u32),
        zone: ZoneText,
        end: usize,
    ) -> Option<(Stamp, usize)> {
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
            (9..=19, _) => epoch(s, 9),
            (_, Some(b'.')) => {
                let (rel, end) = relative(s, 0)?;
                is(s, end, b']').then_some((rel, end))
            }
            _ => None,
        }
    }

    /// `YYYY-MM-DD` + `T`/`t`/one or two spaces/TAB + `HH:MM[:SS][.f]` + zone.
    fn iso(s: &[u8]) -> Option<(Stamp, usize)> {
        let y = num(s, 0, 4)? as i32;
        let mo = num(s, 5, 2)? as u8;
        if !is(s, 7, b'-') {
            return None;
        }
        let d = num(s, 8, 2)? as u8;
        let i = match s.get(10)? {
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
    pub fn epoch(s: &[u8], min_digits: usize) -> Option<(Stamp, usize)> {
        let n = run(s, 0);
        if n < min_digits || n > 19 || n == 0 {
            return None;
        }
        let mut int: u64 = 0;
        for &b in &s[..n] {
            int = int * 10 + u64::from(b - b'0');
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
    fn relative(s: &[u8], i: usize) -> Option<(Stamp, usize)> {
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
}

/// Digits for a field: `value` cut to `width` digits, zero-padded (any value, valid or not).
fn digits(value: u32, width: usize) -> String {
    let v = u64::from(value) % 10u64.pow(width as u32);
    format!("{v:0width$}")
}

/// Text in the shape of a common layout, from random parts: fields of random digits and
/// widths (nominal, one less or one more), separators that are usually right, a fraction of
/// 0 to 12 digits, a zone, a tail; cut short at `cut` when that is inside the text.
fn layout_text(
    layout: usize,
    nums: [u32; 8],
    wide: [usize; 8],
    pick: [usize; 6],
    frac_len: usize,
    cut: usize,
) -> String {
    const SEPS: [&str; 8] = ["T", " ", "t", "\t", "  ", "x", ":", "-"];
    const COLONS: [&str; 6] = [":", ":", ":", ":", ".", " "];
    const FRACS: [&str; 4] = [".", ",", ".", ":"];
    const ZONES: [&str; 20] = [
        "", "Z", "z", "+05:00", "-05:00", "-0500", "+05", " +0500", " -05:00", " UTC", " PDT",
        " XYZ", "+99:99", "-2400", "+5", "Zx", " +05", "-worker", "+05:0", " CEST",
    ];
    const TAILS: [&str; 10] =
        ["", "", " x", "x", "0", " INFO x", "] x", " 2024", " UTC 2026", "\n"];
    const MONTHS: [&str; 8] = ["Nov", "nov", "NOV", "Feb", "Xyz", "Sep", "Mai", "dec"];
    const WEEKDAYS: [&str; 4] = ["Sun", "thu", "Xyz", "Mon"];
    // Field `k` (year, month, day, hour, minute, second) at a nominal width, mostly near the
    // valid range; one time in eight a digit shorter or longer, or any value.
    const NEAR: [u32; 8] = [10_000, 14, 33, 26, 62, 62, u32::MAX, u32::MAX];
    let f = |k: usize, w: usize| match wide[k] % 8 {
        0 => digits(nums[k], w - 1),
        1 => digits(nums[k], w + 1),
        2 => digits(nums[k], w),
        _ => digits(nums[k] % NEAR[k], w),
    };
    let colon = COLONS[pick[1] % COLONS.len()];
    let hms = format!("{}{colon}{}{colon}{}", f(3, 2), f(4, 2), f(5, 2));
    let frac = match frac_len {
        0 => String::new(),
        n => format!(
            "{}{}",
            FRACS[pick[2] % 4],
            digits(nums[6], n.min(9)) + &"7".repeat(n.saturating_sub(9))
        ),
    };
    let zone = ZONES[pick[3] % ZONES.len()];
    let tail = TAILS[pick[4] % TAILS.len()];
    let mon = MONTHS[pick[5] % MONTHS.len()];
    let sep = SEPS[pick[0] % SEPS.len()];
    let text = match layout {
        0 => format!("{}-{}-{}{sep}{hms}{frac}{zone}{tail}", f(0, 4), f(1, 2), f(2, 2)),
        1 => format!("{}/{mon}/{}:{hms}{frac}{zone}{tail}", f(2, 2), f(0, 4)),
        2 => format!("{mon} {} {hms}{frac}{tail}", f(2, 2)),
        3 => format!("{mon}  {} {hms}{frac}{tail}", f(2, 1)),
        4 => format!("{} {mon} {} {hms}{frac}{tail}", WEEKDAYS[pick[0] % 4], f(2, 2)),
        5 => format!("{}{}{frac}{tail}", f(0, 9), f(6, 4)),
        6 => format!("{}{frac}{tail}", digits(nums[7], 1 + nums[6] as usize % 20)),
        7 => format!("{}/{}/{}{sep}{hms}{frac}{zone}{tail}", f(0, 4), f(1, 2), f(2, 2)),
        8 => format!("{} {mon} {} {hms}{frac}{zone}{tail}", f(2, 2), f(0, 4)),
        9 => format!(
            "{}{}{}T{}{}{}{frac}{zone}{tail}",
            f(0, 4),
            f(1, 2),
            f(2, 2),
            f(3, 2),
            f(4, 2),
            f(5, 2)
        ),
        10 => format!("{}/{}/{} {hms}{frac} PM{tail}", f(1, 2), f(2, 2), f(0, 4)),
        11 => format!("{}-{} {hms}{frac}{tail}", f(1, 2), f(2, 2)),
        12 => format!("{hms}{frac}{tail}"),
        _ => format!("[ {}{frac}]{tail}", f(0, 5)),
    };
    match text.get(..cut) {
        Some(t) if cut.is_multiple_of(2) => t.to_string(),
        _ => text,
    }
}

#[test]
fn a_zone_after_a_field_completes_a_civil_stamp() {
    // The field a definition captured, then a space and the zone (crowdsecurity/hub test logs:
    // .NET Serilog in Bitwarden and Ombi, cPanel's login log).
    for (line, field, want) in [
        ("2023-04-23 22:07:05.311 -05:00 [WRN] Failed login", 23, "2023-04-24T03:07:05.311Z"),
        ("2022-02-11 14:07:54.110 +02:00 [Warning] Failed", 23, "2022-02-11T12:07:54.11Z"),
        ("[2022-06-29 14:06:40 +1000] info [cpaneld] 1.2.3.4", 20, "2022-06-29T04:06:40Z"),
        ("2026-01-01 00:00:00 UTC worker", 19, "2026-01-01T00:00:00Z"),
    ] {
        let s = line.as_bytes();
        let start = usize::from(s[0] == b'[');
        let st = exact(&s[start..field]).unwrap();
        let (st, end) = zone_after(&st, s, field).expect(line);
        assert_eq!(utc(st), want, "{line}");
        assert!(matches!(s.get(end), Some(b' ' | b']')), "{line}");
    }
    // No zone there: a number, a short signed number, a word that is no zone.
    for line in
        ["2026-01-01 00:00:00 42 x", "2026-01-01 00:00:00 -1 x", "2026-01-01 00:00:00 Worker"]
    {
        let st = exact(&line.as_bytes()[..19]).unwrap();
        assert!(zone_after(&st, line.as_bytes(), 19).is_none(), "{line}");
    }
}
