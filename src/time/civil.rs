//! Proleptic Gregorian calendar arithmetic on integers.

use super::{Nanos, NANOS_PER_SEC};

/// Days since 1970-01-01 of a civil date (month 1..=12, day 1..=31).
/// Neri and Schneider's form of `days_from_civil`: it runs once per parsed line, and on
/// unsigned numbers each division by a constant is a multiply and a shift, with no sign fix-ups.
pub fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    // Whole 400-year cycles (each the same number of days) added, so that any `i32` year is
    // positive; taken off again, as days, at the end.
    const CYCLES: u64 = 5_368_710;
    const SHIFTED_EPOCH: i64 = 784_353_144_339; // the value of the sum below on 1970-01-01
    let jan_feb = month <= 2;
    // March first: the leap day ends the year.
    let y = (i64::from(year) + 400 * CYCLES as i64) as u64 - u64::from(jan_feb);
    let m = u64::from(month) + if jan_feb { 12 } else { 0 }; // [3, 14]
    let c = y / 100;
    let days = 1461 * y / 4 - c + c / 4 + (979 * m - 2919) / 32 + u64::from(day);
    days as i64 - SHIFTED_EPOCH
}

/// (year, month, day) of a count of days since 1970-01-01.
/// Howard Hinnant's `civil_from_days`.
pub fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m as u8, d as u8)
}

pub fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in `month` (1..=12) of `year`; 0 for a month out of range.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A real date. Without a year, Feb 29 is allowed (some year has it).
pub fn valid_date(year: Option<i32>, month: u8, day: u8) -> bool {
    let max = match year {
        Some(y) => days_in_month(y, month),
        None => days_in_month(2000, month),
    };
    day >= 1 && day <= max
}

/// A real time of day; second 60 is a leap second.
pub fn valid_time(hour: u8, minute: u8, second: u8, nanos: u32) -> bool {
    hour < 24 && minute < 60 && second <= 60 && nanos < 1_000_000_000
}

/// Seconds since the epoch of a civil date-time read as UTC (no validation; `second` may be 60).
pub fn to_secs(year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> i64 {
    days_from_civil(year, month, day) * 86_400
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second)
}

/// Nanoseconds since the epoch of a civil date-time read as UTC; `None` outside the `i64` range
/// (about 1677..2262).
pub fn to_nanos(
    year: i32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    nanos: u32,
) -> Option<Nanos> {
    let secs = i128::from(to_secs(year, month, day, hour, minute, second));
    Nanos::try_from(secs * i128::from(NANOS_PER_SEC) + i128::from(nanos)).ok()
}

/// Day of year (1..=366) to (month, day).
pub fn month_day_from_ordinal(year: i32, ordinal: u16) -> Option<(u8, u8)> {
    let mut left = ordinal;
    if left == 0 {
        return None;
    }
    for m in 1..=12u8 {
        let n = u16::from(days_in_month(year, m));
        if left <= n {
            return Some((m, left as u8));
        }
        left -= n;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn epoch_is_day_zero() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(days_from_civil(0, 1, 1), -719_528);
    }

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        assert!(is_leap(2024) && is_leap(2000) && !is_leap(1900) && !is_leap(2023));
        assert!(valid_date(Some(2024), 2, 29));
        assert!(!valid_date(Some(2023), 2, 29));
        assert!(!valid_date(Some(2024), 2, 30));
        assert!(valid_date(None, 2, 29));
        assert!(!valid_date(None, 13, 1));
        assert!(!valid_date(None, 4, 31));
        assert!(!valid_date(None, 1, 0));
    }

    #[test]
    fn ordinal_days_map_to_month_and_day() {
        assert_eq!(month_day_from_ordinal(2024, 60), Some((2, 29)));
        assert_eq!(month_day_from_ordinal(2023, 60), Some((3, 1)));
        assert_eq!(month_day_from_ordinal(2024, 366), Some((12, 31)));
        assert_eq!(month_day_from_ordinal(2023, 366), None);
    }

    #[test]
    fn to_nanos_refuses_instants_beyond_i64() {
        assert_eq!(to_nanos(1970, 1, 1, 0, 0, 1, 5), Some(1_000_000_005));
        assert_eq!(to_nanos(9999, 12, 31, 23, 59, 59, 0), None);
    }

    proptest! {
        #[test]
        fn civil_days_round_trip(days in -1_000_000i64..3_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert!(valid_date(Some(y), m, d));
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }

        #[test]
        fn days_from_civil_is_hinnants_for_any_year(
            y in prop_oneof![any::<i32>(), -3000i32..12_000], m in 1u8..=12, d in 0u8..=255,
        ) {
            // Howard Hinnant's form, on signed numbers.
            let yy = i64::from(y) - i64::from(m <= 2);
            let era = yy.div_euclid(400);
            let yoe = yy - era * 400;
            let mp = if m > 2 { i64::from(m) - 3 } else { i64::from(m) + 9 };
            let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            prop_assert_eq!(days_from_civil(y, m, d), era * 146_097 + doe - 719_468);
        }

        #[test]
        fn days_civil_round_trip(y in -2000i32..10000, m in 1u8..=12, d in 1u8..=31) {
            prop_assume!(valid_date(Some(y), m, d));
            prop_assert_eq!(civil_from_days(days_from_civil(y, m, d)), (y, m, d));
        }
    }
}
