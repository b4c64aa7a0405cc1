//! Time rules: timestamp text -> integer-nanosecond UTC instant, and back to RFC 3339.
//!
//! Everything here is pure: bytes and numbers in, values out. Inside deskew a time is an
//! `i64` count of nanoseconds since the Unix epoch, UTC (`Nanos`); text exists only at the
//! edges (`scan` reads it, `rfc3339` writes it).
//!
//! The path of a timestamp:
//! 1. `scan` reads the text into a [`Stamp`]: what the text says, nothing more (a civil
//!    date-time with the parts it had, an epoch instant, or a time since boot).
//! 2. `resolve` completes it with context (the source's zone, the year, a header date, the
//!    previous record for DST overlap and year rollover) and yields `Nanos`.
//! 3. `rfc3339` writes an instant as RFC 3339 UTC text.

pub mod civil;
pub mod clock;
mod digits;
pub mod layout;
mod names;
pub mod resolve;
pub mod rfc3339;
pub mod scan;
pub mod when;
pub mod zone;

#[cfg(test)]
mod corpus_tests;

/// Nanoseconds since 1970-01-01T00:00:00Z.
pub type Nanos = i64;

pub const NANOS_PER_SEC: i64 = 1_000_000_000;

/// The zone a timestamp's text carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneText {
    /// No zone in the text: local time of the source's zone applies.
    None,
    /// An explicit UTC offset in seconds east of UTC (`Z` is `Offset(0)`).
    Offset(i32),
    /// A zone abbreviation (`PDT`, `CEST`, `CST`); index into `zone::ABBREVIATIONS`.
    Abbrev(u16),
}

/// A civil (calendar) date-time as written, with the parts the text lacked left open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// `None` when the text has no year (`Jun 14 15:16:01`, `03-17 16:13:38.811`).
    pub year: Option<i32>,
    /// 1..=12, or 0 when the text has no date at all (time-only, W3C `time` field).
    pub month: u8,
    /// 1..=31, or 0 when the text has no date.
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    /// 0..=60 (60 is a leap second, kept as written and mapped to :59 + 1 s).
    pub second: u8,
    pub nanos: u32,
    pub zone: ZoneText,
}

/// What a timestamp's text says, before context is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stamp {
    Civil(Civil),
    /// An absolute instant: an epoch number, or a civil time whose text fixed everything.
    Instant(Nanos),
    /// Time since boot (dmesg `[  316.559919]`): not wall-clock time.
    Relative(Nanos),
    /// A timestamp field whose text no layout reads (a JSON `"time":"soon"`): the line is a
    /// record of its format, without a time.
    Unreadable,
}
