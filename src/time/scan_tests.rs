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
