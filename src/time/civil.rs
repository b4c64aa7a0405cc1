//! Proleptic Gregorian calendar arithmetic on integers.

/// Days since 1970-01-01 of a civil date (month 1..=12, day 1..=31).
pub fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let _ = (year, month, day);
    unimplemented!()
}

/// (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let _ = days;
    unimplemented!()
}
