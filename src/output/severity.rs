//! Levels as written (`LOG`, `ERROR`, `warning`, `E`, `<3>`, `50`) in one vocabulary:
//! OpenTelemetry's severity (trace, debug, info, warn, error, fatal, and its number 1..=24).
//! The mapping is data, `formats/severity/severity.toml`, embedded at build time.

use std::collections::HashMap;
use std::sync::OnceLock;

/// An OpenTelemetry SeverityNumber, 1..=24 (0, "unspecified", is never made).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Severity(u8);

const NAMES: [&str; 6] = ["trace", "debug", "info", "warn", "error", "fatal"];
const UPPER: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

impl Severity {
    pub fn new(number: u8) -> Option<Severity> {
        (1..=24).contains(&number).then_some(Severity(number))
    }
    /// OpenTelemetry's severity number.
    pub fn number(self) -> u8 {
        self.0
    }
    /// The range's name: `trace`, `debug`, `info`, `warn`, `error`, `fatal`.
    pub fn name(self) -> &'static str {
        NAMES[usize::from((self.0 - 1) / 4)]
    }
    /// OpenTelemetry's short name: `ERROR`, `INFO2`, ...
    pub fn short_name(self) -> String {
        let base = UPPER[usize::from((self.0 - 1) / 4)];
        match (self.0 - 1) % 4 {
            0 => base.to_string(),
            k => format!("{base}{}", k + 1),
        }
    }
    /// The start of the range it lies in (`ERROR3` -> `ERROR`).
    pub fn floor(self) -> Severity {
        Severity((self.0 - 1) / 4 * 4 + 1)
    }
    /// The severity of an OpenTelemetry short name (`ERROR`, `INFO2`), case-insensitively.
    pub fn from_short_name(s: &str) -> Option<Severity> {
        let t = s.trim();
        let (base, k) = match t.as_bytes().last() {
            Some(d @ b'2'..=b'4') => (&t[..t.len() - 1], d - b'1'),
            _ => (t, 0),
        };
        let i = UPPER.iter().position(|u| u.eq_ignore_ascii_case(base))?;
        Severity::new(i as u8 * 4 + 1 + k)
    }
}

/// Why the severity table or a `--level` value could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SeverityError {
    #[error("severity table: {0}")]
    Table(String),
    #[error(
        "{0:?}: not a level; use trace, debug, info, warn, error or fatal (or a level name \
         such as WARNING, CRITICAL, notice, or an OpenTelemetry number 1-24)"
    )]
    Level(String),
}

type Map = HashMap<Box<[u8]>, Severity>;

/// The mapping from levels as written to severities.
#[derive(Debug, Default)]
pub struct Table {
    names: Map,
    syslog: [Option<Severity>; 8],
    formats: HashMap<String, Map>,
}

const BUILTIN: &str = include_str!("../../formats/severity/severity.toml");

/// The built-in table, read once.
pub fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| Table::parse(BUILTIN).expect("the built-in severity table is valid"))
}

fn read_map(v: &toml::Value, what: &str) -> Result<Map, SeverityError> {
    let t = v.as_table().ok_or_else(|| SeverityError::Table(format!("[{what}] is no table")))?;
    let mut m = Map::new();
    for (k, v) in t {
        let s = v.as_str().and_then(Severity::from_short_name).ok_or_else(|| {
            SeverityError::Table(format!("[{what}] {k}: {v} is no OpenTelemetry short name"))
        })?;
        m.insert(k.to_ascii_lowercase().into_bytes().into(), s);
    }
    Ok(m)
}

impl Table {
    pub fn parse(text: &str) -> Result<Table, SeverityError> {
        let v: toml::Table = text.parse().map_err(|e| SeverityError::Table(format!("{e}")))?;
        let mut t = Table::default();
        if let Some(n) = v.get("names") {
            t.names = read_map(n, "names")?;
        }
        if let Some(s) = v.get("syslog") {
            for (k, sev) in read_map(s, "syslog")? {
                let i = std::str::from_utf8(&k).ok().and_then(|k| k.parse::<usize>().ok());
                match i {
                    Some(i) if i < 8 => t.syslog[i] = Some(sev),
                    _ => return Err(SeverityError::Table("[syslog] keys are 0..7".into())),
                }
            }
        }
        if let Some(f) = v.get("formats").and_then(|f| f.as_table()) {
            for (name, m) in f {
                t.formats.insert(name.clone(), read_map(m, &format!("formats.{name}"))?);
            }
        }
        Ok(t)
    }

    /// The table's entries for each of `formats` (by a record's format index), looked up
    /// once per run rather than by name for every record.
    pub fn for_formats<'a>(&'a self, formats: &[String]) -> Levels<'a> {
        Levels { table: self, per_format: formats.iter().map(|f| self.formats.get(f)).collect() }
    }
}

/// The table bound to a run's formats.
pub struct Levels<'a> {
    table: &'a Table,
    per_format: Vec<Option<&'a Map>>,
}

impl Levels<'_> {
    /// The severity of a level as written by format `format`, if it is known.
    pub fn get(&self, format: u16, level: &[u8]) -> Option<Severity> {
        let own = self.per_format.get(usize::from(format)).copied().flatten();
        lookup(self.table, own, level)
    }
}

fn lookup(t: &Table, own: Option<&Map>, level: &[u8]) -> Option<Severity> {
    let level = level.trim_ascii();
    // `<N>`: a syslog PRI.
    if let [b'<', digits @ .., b'>'] = level {
        let n: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
        return if n < 192 { t.syslog[n % 8] } else { None };
    }
    let mut buf = [0u8; 24];
    let key = buf.get_mut(..level.len())?;
    key.copy_from_slice(level);
    key.make_ascii_lowercase();
    let key = &*key;
    if let Some(s) = own.and_then(|m| m.get(key)).or_else(|| t.names.get(key)) {
        return Some(*s);
    }
    // Go slog: `INFO+2`, `ERROR-4`.
    let cut = key.iter().position(|&c| c == b'+' || c == b'-').filter(|&i| i > 0)?;
    let base = t.names.get(&key[..cut])?;
    let off: i32 = std::str::from_utf8(&key[cut..]).ok()?.parse().ok()?;
    Severity::new((i32::from(base.0) + off).clamp(1, 24) as u8)
}

/// The severity a `--level` value names: a name of the table (any format's own names too),
/// an OpenTelemetry short name, or a severity number 1..=24. A name means the start of its
/// range: `--level error` keeps ERROR, ERROR2.. and FATAL.
pub fn parse_level(s: &str) -> Result<Severity, SeverityError> {
    let t = table();
    let found = s
        .trim()
        .parse::<u8>()
        .ok()
        .and_then(Severity::new)
        .or_else(|| Severity::from_short_name(s))
        .or_else(|| lookup(t, None, s.as_bytes()).map(Severity::floor));
    found.ok_or_else(|| SeverityError::Level(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sev(format: &str, level: &str) -> Option<String> {
        let names = vec![format.to_string()];
        table().for_formats(&names).get(0, level.as_bytes()).map(|s| s.short_name())
    }

    #[test]
    fn builtin_table_reads() {
        assert!(!table().names.is_empty());
        assert!(table().syslog.iter().all(Option::is_some));
    }

    #[test]
    fn levels_of_every_family_map_to_one_vocabulary() {
        for (f, l, want) in [
            ("python_logging", "CRITICAL", "FATAL"),
            ("python_logging", "WARNING", "WARN"),
            ("postgresql", "LOG", "INFO"),
            ("postgresql", "ERROR", "ERROR"),
            ("postgresql", "PANIC", "FATAL2"),
            ("postgresql", "DEBUG5", "DEBUG"),
            ("log4j", "SEVERE", "ERROR"),
            ("logback", "TRACE", "TRACE"),
            ("x", "FINEST", "TRACE"),
            ("logrus_json", "warning", "WARN"),
            ("zap", "dpanic", "FATAL"),
            ("x", "INFO+2", "INFO3"),
            ("x", "ERROR-4", "WARN"),
            ("windows_cbs", "Info", "INFO"),
            ("x", "Information", "INFO"),
            ("x", "Verbose", "DEBUG2"),
            ("nginx_error", "crit", "ERROR2"),
            ("apache_error", "trace8", "TRACE"),
            ("glog", "E", "ERROR"),
            ("android_logcat", "W", "WARN"),
            ("redis", "#", "WARN"),
            ("bunyan", "50", "ERROR"),
            ("journald_json", "3", "ERROR"),
            ("dmesg_boot", "<3>", "ERROR"),
            ("rfc5424", "<165>", "INFO2"),
            ("mysql_error", "Note", "INFO"),
        ] {
            assert_eq!(sev(f, l).as_deref(), Some(want), "{f} {l}");
        }
    }

    #[test]
    fn unknown_or_ambiguous_levels_have_no_severity() {
        assert_eq!(sev("x", "E"), None); // one letter means something only in glog, logcat
        assert_eq!(sev("x", "3"), None); // a bare number only where the format says what
        assert_eq!(sev("x", "<999>"), None);
        assert_eq!(sev("x", "a-very-long-level-name-that-is-no-level"), None);
        assert_eq!(sev("x", ""), None);
    }

    #[test]
    fn level_option_takes_names_short_names_and_numbers() {
        assert_eq!(parse_level("error").unwrap().number(), 17);
        assert_eq!(parse_level("WARNING").unwrap().number(), 13);
        assert_eq!(parse_level("crit").unwrap().number(), 17);
        assert_eq!(parse_level("INFO2").unwrap().number(), 10);
        assert_eq!(parse_level("21").unwrap().name(), "fatal");
        assert!(parse_level("loud").is_err());
        assert!(parse_level("0").is_err());
    }

    #[test]
    fn short_names_round_trip() {
        for n in 1..=24 {
            let s = Severity::new(n).unwrap();
            assert_eq!(Severity::from_short_name(&s.short_name()), Some(s));
        }
    }
}
