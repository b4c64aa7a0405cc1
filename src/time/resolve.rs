//! Completing a [`Stamp`] with context: zone, year, header dates, DST, order of the stream.

use super::civil::{civil_from_days, days_from_civil, to_secs, valid_date};
use super::zone::{abbrev_offset, Local, Tz, ZoneCache, ABBREVIATIONS};
use super::{Civil, Nanos, Stamp, ZoneText, NANOS_PER_SEC};

/// Where the year of a timestamp without one comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YearRule {
    /// `--year`: the first year-less timestamp has this year.
    Fixed(i32),
    /// Inferred so that the newest record is not after this instant (file mtime, or now).
    NotAfter(Nanos),
}

/// Why a stamp gave no instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unresolved {
    /// Time since boot, and no boot time is known.
    Relative(Nanos),
    /// A time of day with no date, and no header stated one.
    NoDate,
    /// The parts name no real instant (Feb 29 of an inferred common year, out of range).
    Invalid,
    /// The timestamp field could not be read at all (`Stamp::Unreadable`).
    Unreadable,
}

/// One per source (a file or stdin), fed the stamps in file order.
pub struct Resolver {
    zone: ZoneCache,
    rule: YearRule,
    boot: Option<Nanos>,
    /// Date stated by the last header line.
    header: Option<(i32, u8, u8)>,
    /// Time-only stamps since that header: days past its date (a time of day that goes back
    /// by more than 12 h has crossed midnight), and the previous time of day in seconds.
    header_days: i64,
    prev_time_of_day: Option<i64>,
    /// Year of the first year-less record, from `plan_years`.
    planned: Option<i32>,
    /// Year and month of the previous year-less record (`None` before the first).
    cur_year: Option<i32>,
    prev_month: u8,
    /// The previous resolved instant (for the DST overlap choice).
    last: Option<Nanos>,
    ambiguity: Option<&'static str>,
    /// Offsets of the zone abbreviations met so far.
    abbrevs: Vec<(u16, i32)>,
    /// The first year given to a stamp without one, and whether a header stated it (else
    /// the rule did): what the run says it assumed.
    first_year: Option<(i32, bool)>,
}

impl Resolver {
    pub fn new(tz: Tz, year: YearRule) -> Self {
        Resolver {
            zone: ZoneCache::new(tz),
            rule: year,
            boot: None,
            header: None,
            header_days: 0,
            prev_time_of_day: None,
            planned: None,
            cur_year: None,
            prev_month: 0,
            last: None,
            ambiguity: None,
            abbrevs: Vec::new(),
            first_year: None,
        }
    }

    pub fn set_boot_time(&mut self, boot: Option<Nanos>) {
        self.boot = boot;
    }

    /// Pre-pass for files: sees every year-less Civil of the file in order before resolving
    /// starts, so that with `NotAfter` the base year makes the newest record (after Dec->Jan
    /// rollovers) not later than the limit. Does nothing with `YearRule::Fixed`.
    pub fn plan_years<'a>(&mut self, civils: impl IntoIterator<Item = &'a Civil>) {
        let YearRule::NotAfter(limit) = self.rule else {
            return;
        };
        let mut rolls = 0;
        let mut prev = 0;
        let mut newest: Option<(i32, Civil)> = None;
        for c in civils {
            if c.year.is_some() || c.month == 0 {
                continue;
            }
            if c.month < prev {
                rolls += 1;
            }
            prev = c.month;
            let key = |r: i32, c: &Civil| (r, c.month, c.day, c.hour, c.minute, c.second, c.nanos);
            let newer = match &newest {
                Some((r, n)) => key(rolls, c) > key(*r, n),
                None => true,
            };
            if newer {
                newest = Some((rolls, *c));
            }
        }
        if let Some((r, c)) = newest {
            self.planned = Some(self.year_not_after(&c, limit) - r);
        }
    }

    /// A header line stated a date (W3C `#Date:`, glog `Log file created at:`): it supplies the
    /// date to later time-only stamps and the year to later year-less stamps.
    pub fn header_date(&mut self, year: i32, month: u8, day: u8) {
        self.header = Some((year, month, day));
        self.first_year.get_or_insert((year, true));
        self.header_days = 0;
        self.prev_time_of_day = None;
        self.cur_year = Some(year);
        self.prev_month = month;
    }

    pub fn resolve(&mut self, stamp: &Stamp) -> Result<Nanos, Unresolved> {
        let t = match *stamp {
            Stamp::Instant(t) => t,
            Stamp::Relative(r) => match self.boot {
                Some(b) => b.checked_add(r).ok_or(Unresolved::Invalid)?,
                None => return Err(Unresolved::Relative(r)),
            },
            Stamp::Civil(ref c) => self.civil(c)?,
            Stamp::Unreadable => return Err(Unresolved::Unreadable),
        };
        self.last = Some(t);
        Ok(t)
    }

    /// The first year given to a stamp that had none, and whether a header stated it.
    pub fn first_year(&self) -> Option<(i32, bool)> {
        self.first_year
    }

    /// The first ambiguous zone abbreviation met (e.g. "CST"), so the caller can warn once.
    pub fn ambiguity(&self) -> Option<&'static str> {
        self.ambiguity
    }

    fn civil(&mut self, c: &Civil) -> Result<Nanos, Unresolved> {
        let (y, m, d) = if c.month == 0 {
            self.time_only_date(c)?
        } else if let Some(y) = c.year {
            (y, c.month, c.day)
        } else {
            (self.year_less(c), c.month, c.day)
        };
        if !valid_date(Some(y), m, d) {
            return Err(Unresolved::Invalid);
        }
        // Second 60 (a leap second) counts on to :59 + 1 s.
        let local = to_secs(y, m, d, c.hour, c.minute, c.second);
        let utc = match c.zone {
            ZoneText::Offset(off) => local - i64::from(off),
            ZoneText::Abbrev(i) => local - i64::from(self.abbrev(i, y)),
            ZoneText::None => match self.zone.local_offset(local) {
                Local::Single(off) => local - i64::from(off),
                Local::Ambiguous { earlier, later } => {
                    let first = nanos(local - i64::from(earlier), c.nanos)?;
                    let second = nanos(local - i64::from(later), c.nanos)?;
                    // The second pass only when the stream shows it: the first would go back
                    // before the previous record while the second would not.
                    return Ok(match self.last {
                        Some(p) if first < p && second >= p => second,
                        _ => first,
                    });
                }
                // In the skipped hour: shift forward by the gap.
                Local::Gap { before, .. } => local - i64::from(before),
            },
        };
        nanos(utc, c.nanos)
    }

    /// The date of a time-only stamp: the header's, plus a day each time the time of day goes
    /// back by more than 12 hours (a log that runs past midnight before the next header).
    fn time_only_date(&mut self, c: &Civil) -> Result<(i32, u8, u8), Unresolved> {
        let (y, m, d) = self.header.ok_or(Unresolved::NoDate)?;
        let tod = i64::from(c.hour) * 3600 + i64::from(c.minute) * 60 + i64::from(c.second);
        if self.prev_time_of_day.is_some_and(|p| tod + 12 * 3600 < p) {
            self.header_days += 1;
        }
        self.prev_time_of_day = Some(tod);
        if self.header_days == 0 {
            return Ok((y, m, d));
        }
        if !valid_date(Some(y), m, d) {
            return Err(Unresolved::Invalid);
        }
        Ok(civil_from_days(days_from_civil(y, m, d) + self.header_days))
    }

    /// The year of a year-less stamp: the first from the rule (or a header), then rolling over
    /// whenever the month goes back.
    fn year_less(&mut self, c: &Civil) -> i32 {
        let y = match self.cur_year {
            Some(y) if c.month < self.prev_month => y + 1,
            Some(y) => y,
            None => match self.rule {
                YearRule::Fixed(y) => y,
                YearRule::NotAfter(limit) => match self.planned {
                    Some(y) => y,
                    None => self.year_not_after(c, limit),
                },
            },
        };
        self.cur_year = Some(y);
        self.first_year.get_or_insert((y, false));
        self.prev_month = c.month;
        y
    }

    /// The latest year in which the year-less `c` is not after `limit`.
    fn year_not_after(&mut self, c: &Civil, limit: Nanos) -> i32 {
        let (ly, _, _) = civil_from_days(limit.div_euclid(NANOS_PER_SEC).div_euclid(86_400));
        for y in (ly - 8..=ly + 1).rev() {
            if !valid_date(Some(y), c.month, c.day) {
                continue;
            }
            let local = to_secs(y, c.month, c.day, c.hour, c.minute, c.second);
            let off = match c.zone {
                ZoneText::Offset(off) => off,
                ZoneText::Abbrev(i) => self.abbrev(i, y),
                ZoneText::None => self.zone.utc_offset(local),
            };
            if nanos(local - i64::from(off), c.nanos).is_ok_and(|t| t <= limit) {
                return y;
            }
        }
        ly
    }

    fn abbrev(&mut self, idx: u16, year: i32) -> i32 {
        if let Some(&(_, off)) = self.abbrevs.iter().find(|(i, _)| *i == idx) {
            return off;
        }
        let (off, ambiguous) = abbrev_offset(idx, self.zone.tz(), year);
        if ambiguous && self.ambiguity.is_none() {
            self.ambiguity = Some(ABBREVIATIONS[usize::from(idx)].name);
        }
        self.abbrevs.push((idx, off));
        off
    }
}

fn nanos(secs: i64, frac: u32) -> Result<Nanos, Unresolved> {
    secs.checked_mul(NANOS_PER_SEC)
        .and_then(|t| t.checked_add(i64::from(frac)))
        .ok_or(Unresolved::Invalid)
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
