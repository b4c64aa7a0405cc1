//! What a run assumed, per host: the zone its zone-less stamps were read in and why, the
//! year given to stamps without one and by which rule. Counted per source while its lines
//! are grouped (`Tally`, a few additions per record), gathered per host for the run
//! (`Assumed`), and said once at the end, on the host's line of the summary (`summary`).

use crate::time::resolve::YearRule;
use crate::time::zone::{Tz, ABBREVIATIONS};
use crate::time::{Stamp, ZoneText};

/// Why a source's zone-less stamps were read in the zone they were.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneWhy {
    /// `--host-tz HOST=ZONE` for this host (the HOST as given).
    HostTz(String),
    /// `--tz ZONE`.
    Flag,
    /// The `TZ` environment variable (no `--tz`).
    Env,
    /// Neither: UTC.
    Default,
}

impl ZoneWhy {
    /// Whether the zone was chosen by nobody on the command line (the `TZ` of whatever
    /// shell ran deskew, or UTC): the same command gives other times elsewhere.
    pub fn assumed(&self) -> bool {
        matches!(self, ZoneWhy::Env | ZoneWhy::Default)
    }

    fn text(&self, zone: &Tz, host: &str) -> String {
        let z = zone_name(zone);
        match self {
            ZoneWhy::HostTz(h) if crate::host::matches(host, h) => format!("{z} (--host-tz)"),
            // A file of several hosts is read in the zone of the host it is named for.
            ZoneWhy::HostTz(h) => format!("{z} (--host-tz {h})"),
            ZoneWhy::Flag => format!("{z} (--tz)"),
            ZoneWhy::Env => format!("{z} ($TZ)"),
            ZoneWhy::Default => format!("{z} (no --tz, no $TZ)"),
        }
    }
}

/// A zone as the user would write it.
pub fn zone_name(tz: &Tz) -> String {
    match tz {
        Tz::Fixed(0) => "UTC".into(),
        Tz::Fixed(s) => {
            let (sign, a) = if *s < 0 { ('-', -s) } else { ('+', *s) };
            format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
        }
        Tz::Named(z) => z.name().to_string(),
    }
}

/// How one host's stamps in one source were read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Stamps that carry their instant (an offset, `Z`, an epoch number).
    pub own: u64,
    /// Zone-less stamps of a format that writes UTC.
    pub format_utc: u64,
    /// Stamps with a zone abbreviation, and the first one met.
    pub abbrev: u64,
    pub abbrev_idx: u16,
    /// Zone-less stamps, read in the source's zone.
    pub zoneless: u64,
    /// Stamps without a year (or without a date).
    pub yearless: u64,
}

impl Tally {
    /// Count `stamp` (as written, before the format's UTC rule), of a format that writes UTC
    /// when `utc`.
    #[inline]
    pub fn add(&mut self, stamp: &Stamp, utc: bool) {
        let Stamp::Civil(c) = stamp else {
            if matches!(stamp, Stamp::Instant(_)) {
                self.own += 1;
            }
            return;
        };
        if c.year.is_none() {
            self.yearless += 1;
        }
        match c.zone {
            ZoneText::Offset(_) => self.own += 1,
            ZoneText::Abbrev(i) => {
                if self.abbrev == 0 {
                    self.abbrev_idx = i;
                }
                self.abbrev += 1;
            }
            ZoneText::None if utc => self.format_utc += 1,
            ZoneText::None => self.zoneless += 1,
        }
    }
}

/// How a source was read: its zone and why, its year rule, and the first year its
/// resolver gave a stamp without one (and whether a header stated it).
pub struct Reading<'a> {
    pub zone: &'a Tz,
    pub why: &'a ZoneWhy,
    pub rule: YearRule,
    pub stdin: bool,
    pub first_year: Option<(i32, bool)>,
}

/// What was assumed for one host over the whole run.
#[derive(Clone, Debug, Default)]
pub struct HostAssumed {
    pub own: u64,
    pub format_utc: u64,
    pub abbrevs: Vec<&'static str>,
    pub zoneless: u64,
    /// The zones zone-less stamps were read in, as said (`UTC (--tz)`).
    pub zones: Vec<String>,
    /// Zone-less stamps were read in a zone no option named.
    pub zone_assumed: bool,
    pub yearless: u64,
    /// The years given, as said (`2026 (--year)`).
    pub years: Vec<String>,
    /// A year was inferred (no `--year`).
    pub year_assumed: bool,
}

impl HostAssumed {
    fn push_unique(v: &mut Vec<String>, s: String) {
        if !v.contains(&s) {
            v.push(s);
        }
    }

    /// Add one source's tally for this host (`host`: its name).
    pub fn add(&mut self, t: &Tally, r: &Reading, host: &str) {
        self.own += t.own;
        self.format_utc += t.format_utc;
        if t.abbrev > 0 {
            let name = ABBREVIATIONS.get(usize::from(t.abbrev_idx)).map_or("?", |a| a.name);
            if !self.abbrevs.contains(&name) {
                self.abbrevs.push(name);
            }
        }
        if t.zoneless > 0 {
            self.zoneless += t.zoneless;
            Self::push_unique(&mut self.zones, r.why.text(r.zone, host));
            self.zone_assumed |= r.why.assumed();
        }
        if t.yearless > 0 {
            self.yearless += t.yearless;
            let (year, why) = match (r.rule, r.first_year) {
                (_, Some((y, true))) => (y, "header"),
                (YearRule::Fixed(y), _) => (y, "--year"),
                (YearRule::NotAfter(_), Some((y, false))) if r.stdin => (y, "not after now"),
                (YearRule::NotAfter(_), Some((y, false))) => (y, "not after the file's mtime"),
                // No year given: every such stamp failed to resolve (reported already).
                (YearRule::NotAfter(_), None) => return,
            };
            self.year_assumed |= why.starts_with("not after");
            Self::push_unique(&mut self.years, format!("{year} ({why})"));
        }
    }

    /// Whether any stamp of the host was counted.
    pub fn seen(&self) -> bool {
        self.own + self.format_utc + self.abbrevs.len() as u64 + self.zoneless + self.yearless > 0
    }

    /// The zone column: how the host's stamps got their zone.
    pub fn zone_text(&self) -> String {
        let mut parts = self.zones.clone();
        if self.format_utc > 0 {
            parts.push("UTC (the format's)".into());
        }
        if !self.abbrevs.is_empty() {
            parts.push(format!("{} in the stamps", self.abbrevs.join("/")));
        }
        if self.own > 0 {
            parts.push("offset in the stamps".into());
        }
        if parts.is_empty() {
            return "zone -".into();
        }
        format!("zone {}", parts.join(", "))
    }

    /// The year column, empty when every stamp had its year.
    pub fn year_text(&self) -> String {
        if self.years.is_empty() {
            String::new()
        } else {
            format!("year {}", self.years.join(", "))
        }
    }
}

/// Per host id of the run: what was assumed.
#[derive(Default)]
pub struct Assumed {
    pub hosts: Vec<HostAssumed>,
}

impl Assumed {
    /// Add a source's tallies (by host id); `name_of` gives a host's name.
    pub fn add(
        &mut self,
        tallies: &[(u32, Tally)],
        r: &Reading,
        name_of: impl Fn(usize) -> String,
    ) {
        for (h, t) in tallies {
            let h = *h as usize;
            if self.hosts.len() <= h {
                self.hosts.resize_with(h + 1, Default::default);
            }
            self.hosts[h].add(t, r, &name_of(h));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Civil;

    fn civil(year: Option<i32>, zone: ZoneText) -> Stamp {
        Stamp::Civil(Civil {
            year,
            month: 11,
            day: 20,
            hour: 14,
            minute: 0,
            second: 0,
            nanos: 0,
            zone,
        })
    }

    #[test]
    fn a_host_says_its_zone_and_year_and_why() {
        let mut t = Tally::default();
        t.add(&civil(None, ZoneText::None), false);
        t.add(&civil(Some(2026), ZoneText::Offset(3600)), false);
        let tz: Tz = "America/New_York".parse().unwrap();
        let why = ZoneWhy::HostTz("lb01".into());
        let r = Reading {
            zone: &tz,
            why: &why,
            rule: YearRule::Fixed(2026),
            stdin: false,
            first_year: Some((2026, false)),
        };
        let mut a = Assumed::default();
        a.add(&[(1, t)], &r, |_| "lb01".into());
        let h = &a.hosts[1];
        assert_eq!(h.zone_text(), "zone America/New_York (--host-tz), offset in the stamps");
        assert_eq!(h.year_text(), "year 2026 (--year)");
        assert!(!h.zone_assumed && !h.year_assumed);
        assert!(!a.hosts[0].seen());
    }

    #[test]
    fn a_zone_from_the_environment_or_nowhere_is_an_assumption() {
        let mut t = Tally::default();
        t.add(&civil(None, ZoneText::None), false);
        let tz = Tz::Fixed(0);
        for (why, text) in
            [(ZoneWhy::Env, "UTC ($TZ)"), (ZoneWhy::Default, "UTC (no --tz, no $TZ)")]
        {
            let r = Reading {
                zone: &tz,
                why: &why,
                rule: YearRule::NotAfter(0),
                stdin: false,
                first_year: Some((2025, false)),
            };
            let mut h = HostAssumed::default();
            h.add(&t, &r, "w");
            assert_eq!(h.zone_text(), format!("zone {text}"));
            assert_eq!(h.year_text(), "year 2025 (not after the file's mtime)");
            assert!(h.zone_assumed && h.year_assumed);
        }
        let mut u = Tally::default();
        u.add(&civil(Some(2026), ZoneText::None), true);
        u.add(&Stamp::Instant(5), false);
        assert_eq!((u.format_utc, u.own, u.zoneless, u.yearless), (1, 1, 0, 0));
        assert_eq!(zone_name(&Tz::Fixed(-5 * 3600 - 1800)), "-05:30");
    }
}
