//! Combined places: a date, a time of day and maybe a zone, each in a JSON/logfmt member of
//! its own (FortiGate's `date=2021-09-30 time=23:59:58 ... tz="+0900"`). The finder learns
//! the three keys and the date's layout together, and reads them as one stamp.

use std::sync::LazyLock;

use super::structured;
use crate::time::civil::{to_nanos, valid_date};
use crate::time::scan::{self, Layout};
use crate::time::zone::{lookup_abbrev, parse_offset};
use crate::time::{Civil, Stamp, ZoneText};

/// Date-only layouts a date member may hold, each with a public sample.
pub const DATES: &[(&str, &str)] = &[
    // FortiOS log reference: `date=2021-09-30 time=23:59:58`.
    ("%Y-%m-%d", "2021-09-30"),
    // Windows DHCP server audit log (`ID,Date,Time,...`): `12/31/19`.
    ("%m/%d/%y", "12/31/19"),
    ("%m/%d/%Y", "12/31/2019"),
    ("%Y/%m/%d", "2019/12/31"),
    ("%d.%m.%Y", "31.12.2019"),
];

static DATE_TABLE: LazyLock<Vec<Layout>> = LazyLock::new(|| {
    DATES.iter().map(|(spec, _)| Layout::new(spec).expect("a built-in layout")).collect()
});

/// Keys of a combined place: where the date, the time and the zone are.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Split {
    pub date: Vec<u8>,
    /// Index into [`DATES`].
    pub layout: u8,
    pub time: Vec<u8>,
    pub zone: Option<Vec<u8>>,
    pub json: bool,
}

/// A date member's value: (year, month, day) by layout `i`.
fn date(v: &[u8], i: usize) -> Option<(i32, u8, u8)> {
    match DATE_TABLE[i].parse(v)? {
        (Stamp::Civil(c), n) if n == v.len() && c.hour == 0 && c.minute == 0 => {
            let y = c.year?;
            ((1970..=2100).contains(&y) && valid_date(Some(y), c.month, c.day))
                .then_some((y, c.month, c.day))
        }
        _ => None,
    }
}

/// A time-of-day member's value (`23:59:58`, `23:59:58.123`).
fn time(v: &[u8]) -> Option<Civil> {
    match scan::leading(v)? {
        (Stamp::Civil(c), n) if n == v.len() && c.month == 0 => Some(c),
        _ => None,
    }
}

/// A zone member's value: `+0900`, `-07:00`, `Z`, `UTC`, `GMT`, an abbreviation.
fn zone(v: &[u8]) -> Option<ZoneText> {
    if let Some((off, n)) = parse_offset(v) {
        return (n == v.len()).then_some(ZoneText::Offset(off));
    }
    match v {
        b"Z" | b"UTC" | b"GMT" => Some(ZoneText::Offset(0)),
        _ => lookup_abbrev(v).map(ZoneText::Abbrev),
    }
}

/// Combine the parts into a stamp: an instant when the zone is an offset.
fn combine(d: (i32, u8, u8), t: Civil, z: ZoneText) -> Option<Stamp> {
    let c = Civil { year: Some(d.0), month: d.1, day: d.2, zone: z, ..t };
    match z {
        ZoneText::Offset(off) => {
            let ns = to_nanos(d.0, d.1, d.2, t.hour, t.minute, t.second, t.nanos)?;
            Some(Stamp::Instant(ns - i64::from(off) * 1_000_000_000))
        }
        ZoneText::None if t.zone != ZoneText::None => {
            Some(Stamp::Civil(Civil { zone: t.zone, ..c }))
        }
        _ => Some(Stamp::Civil(c)),
    }
}

type Member = (Vec<u8>, usize, usize);

/// The top-level members of a line (JSON after its first `{`, else logfmt), in order.
fn members(line: &[u8], json: Option<usize>, out: &mut Vec<Member>) -> bool {
    out.clear();
    if let Some(j) = json {
        let ok = structured::json_members(&line[j..], |k, v| {
            out.push((k.to_vec(), j + v.start, j + v.end));
            true
        });
        if ok {
            return true;
        }
        out.clear();
    }
    structured::logfmt_pairs(line, |k, v| {
        out.push((k.to_vec(), v.start, v.end));
        true
    });
    false
}

/// Every combined candidate of a line: (split, start of the leftmost part).
pub fn candidates(line: &[u8], json: Option<usize>, out: &mut Vec<(Split, usize)>) {
    out.clear();
    let mut m = Vec::new();
    let json = members(line, json, &mut m);
    let val = |&(_, a, b): &Member| &line[a..b];
    let zone_key = m.iter().find(|x| zone(val(x)).is_some()).map(|x| x.0.clone());
    for d in &m {
        for i in 0..DATES.len() {
            if date(val(d), i).is_none() {
                continue;
            }
            for t in m.iter().filter(|t| time(val(t)).is_some()) {
                let split = Split {
                    date: d.0.clone(),
                    layout: i as u8,
                    time: t.0.clone(),
                    zone: zone_key.clone(),
                    json,
                };
                out.push((split, d.1.min(t.1)));
            }
        }
    }
}

impl Split {
    /// The stamp this place gives on `line`: (stamp, start, end).
    pub fn read(&self, line: &[u8], json: Option<usize>) -> Option<(Stamp, usize, usize)> {
        let (mut d, mut t, mut z) = (None, None, None);
        let mut visit = |k: &[u8], a: usize, b: usize| {
            if k == self.date.as_slice() {
                d = Some((a, b));
            } else if k == self.time.as_slice() {
                t = Some((a, b));
            } else if self.zone.as_deref() == Some(k) {
                z = Some((a, b));
            }
            !(d.is_some() && t.is_some() && (z.is_some() || self.zone.is_none()))
        };
        if self.json {
            let j = json?;
            structured::json_members(&line[j..], |k, v| visit(k, j + v.start, j + v.end));
        } else {
            structured::logfmt_pairs(line, |k, v| visit(k, v.start, v.end));
        }
        let ((da, db), (ta, tb)) = (d?, t?);
        let day = date(&line[da..db], self.layout as usize)?;
        let tod = time(&line[ta..tb])?;
        let zt = z.and_then(|(a, b)| zone(&line[a..b])).unwrap_or(ZoneText::None);
        let (s, e) = (da.min(ta), db.max(tb));
        Some((combine(day, tod, zt)?, s, e))
    }
}
