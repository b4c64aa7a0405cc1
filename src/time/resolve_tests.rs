//! Tests of `resolve`: zones, DST, years, headers, boot time.

use super::*;
use crate::time::{rfc3339, scan};

fn st(text: &str) -> Stamp {
    scan::leading(text.as_bytes()).unwrap_or_else(|| panic!("{text:?}")).0
}

fn civil(text: &str) -> Civil {
    match st(text) {
        Stamp::Civil(c) => c,
        s => panic!("{s:?}"),
    }
}

fn at(s: &str) -> Nanos {
    rfc3339::parse(s).unwrap()
}

fn show(r: Result<Nanos, Unresolved>) -> String {
    match r {
        Ok(t) => {
            let mut b = Vec::new();
            rfc3339::write(&mut b, t);
            String::from_utf8(b).unwrap()
        }
        Err(e) => format!("{e:?}"),
    }
}

fn resolver(tz: &str, rule: YearRule) -> Resolver {
    Resolver::new(tz.parse().unwrap(), rule)
}

fn run(r: &mut Resolver, lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| show(r.resolve(&st(l)))).collect()
}

#[test]
fn yearless_fixed_year_rolls_over_at_december_to_january() {
    let mut r = resolver("UTC", YearRule::Fixed(2024));
    let got = run(
        &mut r,
        &["12/28-12:55:38.765402 [**]", "01/02-11:30:23.358639 [**]", "02/04-23:41:31.115933 [**]"],
    );
    assert_eq!(
        got,
        [
            "2024-12-28T12:55:38.765402Z",
            "2025-01-02T11:30:23.358639Z",
            "2025-02-04T23:41:31.115933Z"
        ]
    );
}

#[test]
fn same_month_going_back_in_days_does_not_roll_over() {
    let mut r = resolver("UTC", YearRule::Fixed(2024));
    let got = run(&mut r, &["Jun 14 15:16:01 a", "Jun 10 00:00:00 b", "Jul 01 00:00:00 c"]);
    assert_eq!(got, ["2024-06-14T15:16:01Z", "2024-06-10T00:00:00Z", "2024-07-01T00:00:00Z"]);
}

#[test]
fn planned_years_keep_the_newest_record_not_after_the_limit() {
    // Dec 2024 .. Feb 2025 with the file written in March 2025.
    let mut r = resolver("UTC", YearRule::NotAfter(at("2025-03-01T00:00:00Z")));
    let lines = ["Dec 28 12:00:00 a", "Jan 02 12:00:00 b", "Feb 04 12:00:00 c"];
    let civils: Vec<Civil> = lines.iter().map(|l| civil(l)).collect();
    r.plan_years(civils.iter());
    assert_eq!(
        run(&mut r, &lines),
        ["2024-12-28T12:00:00Z", "2025-01-02T12:00:00Z", "2025-02-04T12:00:00Z"]
    );
}

#[test]
fn planned_years_count_the_newest_record_not_the_last() {
    let mut r = resolver("UTC", YearRule::NotAfter(at("2024-06-15T00:00:00Z")));
    let lines = ["Jun 14 00:00:00 a", "Jun 01 00:00:00 b"];
    let civils: Vec<Civil> = lines.iter().map(|l| civil(l)).collect();
    r.plan_years(civils.iter());
    assert_eq!(run(&mut r, &lines), ["2024-06-14T00:00:00Z", "2024-06-01T00:00:00Z"]);
}

#[test]
fn streaming_year_puts_the_first_record_not_after_now() {
    let mut r = resolver("UTC", YearRule::NotAfter(at("2025-03-01T00:00:00Z")));
    assert_eq!(
        run(&mut r, &["Dec 28 12:00:00 a", "Jan 02 12:00:00 b"]),
        ["2024-12-28T12:00:00Z", "2025-01-02T12:00:00Z"]
    );
    let mut r = resolver("UTC", YearRule::NotAfter(at("2025-03-01T00:00:00Z")));
    assert_eq!(run(&mut r, &["Feb 28 23:59:59 a"]), ["2025-02-28T23:59:59Z"]);
}

#[test]
fn feb_29_in_an_inferred_common_year_is_invalid_or_skips_back() {
    let mut r = resolver("UTC", YearRule::Fixed(2023));
    assert_eq!(r.resolve(&st("Feb 29 00:00:00 x")), Err(Unresolved::Invalid));
    let mut r = resolver("UTC", YearRule::NotAfter(at("2025-03-01T00:00:00Z")));
    assert_eq!(show(r.resolve(&st("Feb 29 00:00:00 x"))), "2024-02-29T00:00:00Z");
}

#[test]
fn header_date_supplies_date_to_time_only_stamps() {
    let mut r = resolver("UTC", YearRule::Fixed(2024));
    assert_eq!(r.resolve(&st("16:44:49 1.1.1.1")), Err(Unresolved::NoDate));
    r.header_date(2000, 10, 9);
    assert_eq!(run(&mut r, &["16:44:49 1.1.1.1"]), ["2000-10-09T16:44:49Z"]);
    r.header_date(2000, 10, 10);
    assert_eq!(run(&mut r, &["00:01:02.5 1.1.1.1"]), ["2000-10-10T00:01:02.5Z"]);
}

#[test]
fn time_only_stamps_cross_midnight_after_their_header() {
    let mut r = resolver("UTC", YearRule::Fixed(2024));
    r.header_date(2026, 12, 31);
    assert_eq!(
        run(&mut r, &["23:59:58 a", "23:59:59 a", "00:00:01 a", "00:00:00 a", "12:00:00 a"]),
        [
            "2026-12-31T23:59:58Z",
            "2026-12-31T23:59:59Z",
            "2027-01-01T00:00:01Z",
            // A small step back is disorder, not another midnight.
            "2027-01-01T00:00:00Z",
            "2027-01-01T12:00:00Z",
        ]
    );
    // A new header starts over from its own date.
    r.header_date(2027, 1, 2);
    assert_eq!(run(&mut r, &["01:00:00 a"]), ["2027-01-02T01:00:00Z"]);
}

#[test]
fn header_date_supplies_the_year_to_yearless_stamps() {
    let mut r = resolver("UTC", YearRule::Fixed(2024));
    r.header_date(2019, 12, 31);
    let got =
        run(&mut r, &["1231 23:59:59.000001 1 a.cc:1] x", "0101 00:00:01.000007 1 a.cc:1] y"]);
    assert_eq!(got, ["2019-12-31T23:59:59.000001Z", "2020-01-01T00:00:01.000007Z"]);
}

#[test]
fn relative_needs_boot_time() {
    let mut r = resolver("UTC", YearRule::Fixed(2024));
    let rel = st("[  316.559919] usb");
    assert_eq!(r.resolve(&rel), Err(Unresolved::Relative(316_559_919_000)));
    r.set_boot_time(Some(at("2026-11-23T18:00:00Z")));
    assert_eq!(show(r.resolve(&rel)), "2026-11-23T18:05:16.559919Z");
}

#[test]
fn zoneless_time_is_local_in_the_resolver_zone() {
    let mut r = resolver("Europe/Berlin", YearRule::Fixed(2024));
    assert_eq!(
        run(&mut r, &["2024-01-10 12:00:00", "2024-07-10 12:00:00"]),
        ["2024-01-10T11:00:00Z", "2024-07-10T10:00:00Z"]
    );
    let mut r = resolver("+05:30", YearRule::Fixed(2024));
    assert_eq!(run(&mut r, &["2024-01-10 12:00:00"]), ["2024-01-10T06:30:00Z"]);
    // An explicit offset wins over the zone.
    assert_eq!(run(&mut r, &["2024-01-10T12:00:00Z"]), ["2024-01-10T12:00:00Z"]);
}

#[test]
fn dst_overlap_takes_the_first_occurrence() {
    let mut r = resolver("Europe/Berlin", YearRule::Fixed(2024));
    assert_eq!(run(&mut r, &["2024-10-27 02:30:00"]), ["2024-10-27T00:30:00Z"]);
}

#[test]
fn dst_overlap_second_pass_when_stream_goes_back() {
    let mut r = resolver("America/New_York", YearRule::Fixed(2024));
    let got = run(
        &mut r,
        &[
            "2024-11-03 01:10:00",
            "2024-11-03 01:50:00",
            "2024-11-03 01:05:00",
            "2024-11-03 01:20:00",
            "2024-11-03 02:00:00",
        ],
    );
    assert_eq!(
        got,
        [
            "2024-11-03T05:10:00Z",
            "2024-11-03T05:50:00Z",
            "2024-11-03T06:05:00Z",
            "2024-11-03T06:20:00Z",
            "2024-11-03T07:00:00Z"
        ]
    );
}

#[test]
fn dst_gap_shifts_forward_by_the_gap() {
    let mut r = resolver("America/New_York", YearRule::Fixed(2024));
    // 02:30 does not exist on 2024-03-10; read with EST it is 07:30Z = 03:30 EDT.
    assert_eq!(
        run(&mut r, &["2024-03-10 02:30:00", "2024-03-10 03:30:00"]),
        ["2024-03-10T07:30:00Z", "2024-03-10T07:30:00Z"]
    );
}

#[test]
fn yearless_syslog_in_a_zone_with_dst() {
    let mut r = resolver("America/Chicago", YearRule::Fixed(2024));
    assert_eq!(
        run(&mut r, &["Jun 14 15:16:01 a", "Dec 14 15:16:01 b"]),
        ["2024-06-14T20:16:01Z", "2024-12-14T21:16:01Z"]
    );
}

#[test]
fn zone_abbreviations_resolve_and_ambiguity_is_reported_once() {
    let mut r = resolver("UTC", YearRule::Fixed(2024));
    assert_eq!(run(&mut r, &["2025-08-13 01:45:01.123 PDT [1]"]), ["2025-08-13T08:45:01.123Z"]);
    assert_eq!(r.ambiguity(), None);
    assert_eq!(
        run(&mut r, &["2024-01-01 12:00:00 CST x", "2024-01-01 12:00:00 IST x"]),
        ["2024-01-01T18:00:00Z", "2024-01-01T06:30:00Z"]
    );
    assert_eq!(r.ambiguity(), Some("CST"));
}

#[test]
fn ambiguous_abbreviation_settled_by_the_configured_region() {
    let mut r = resolver("Asia/Shanghai", YearRule::Fixed(2024));
    assert_eq!(run(&mut r, &["2024-01-01 12:00:00 CST x"]), ["2024-01-01T04:00:00Z"]);
    assert_eq!(r.ambiguity(), None);
    let mut r = resolver("America/Chicago", YearRule::Fixed(2024));
    assert_eq!(run(&mut r, &["2024-01-01 12:00:00 CST x"]), ["2024-01-01T18:00:00Z"]);
    assert_eq!(r.ambiguity(), None);
}

#[test]
fn leap_second_maps_to_59_plus_one_second() {
    let mut r = resolver("UTC", YearRule::Fixed(2024));
    assert_eq!(run(&mut r, &["2016-12-31 23:59:60.5 x"]), ["2017-01-01T00:00:00.5Z"]);
}

#[test]
fn instants_pass_through() {
    let mut r = resolver("Asia/Tokyo", YearRule::Fixed(2024));
    assert_eq!(run(&mut r, &["1428634687123 Hello"]), ["2015-04-10T02:58:07.123Z"]);
}
