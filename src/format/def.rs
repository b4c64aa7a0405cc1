//! The schema of a format definition (`formats/*.toml`, and user files given with `--formats`).

use serde::Deserialize;

/// How a format finds the timestamp in a line.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `regex` with named groups: `ts` (required), `host`, `level` (optional).
    #[default]
    Regex,
    /// A JSON object per line; the timestamp is the value of the first of `timestamp_keys`
    /// present at the top level.
    Json,
    /// `key=value` pairs (logfmt, logrus text); the timestamp as for `json`.
    Logfmt,
}

/// One format definition. Unknown keys are an error, so a typo does not pass silently.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatDef {
    /// Short identifier, `[a-z0-9_-]+`; what `--input-format` and the `format` key use.
    pub name: String,
    /// One line for `deskew formats`.
    pub title: String,
    /// When several formats match a line, the one with the higher priority wins; generic
    /// formats use low values so that specific ones take precedence.
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub kind: Kind,
    /// `kind = "regex"`: a regex over the line (bytes, ASCII classes) with a named group `ts`
    /// around the timestamp text, and optionally `host` and `level`. Anchor it with `^`.
    pub regex: Option<String>,
    /// How to read the `ts` text. Absent: the built-in scanner recognizes the layout itself.
    /// Otherwise a strftime-like layout (`%d/%b/%Y:%H:%M:%S %z`), or one of the names
    /// `epoch` (seconds/ms/us/ns by magnitude, optional fraction), `boot` (seconds since
    /// boot, as dmesg writes), `mjd` (NTP statistics: Modified Julian Day and seconds).
    pub layout: Option<String>,
    /// `json`/`logfmt`: keys that may hold the timestamp, in order of preference.
    #[serde(default)]
    pub timestamp_keys: Vec<String>,
    /// `json`/`logfmt`: keys that may hold the host name.
    #[serde(default)]
    pub host_keys: Vec<String>,
    /// `json`/`logfmt`: keys that may hold the level.
    #[serde(default)]
    pub level_keys: Vec<String>,
    /// `json`/`logfmt`: keys that must all be present for a line to be of this format.
    #[serde(default)]
    pub require_keys: Vec<String>,
    /// A regex for header lines that state the date for the lines after them (W3C
    /// `#Date: 2000-10-09 ...`, glog `Log file created at: 2026/11/23 ...`), with named groups
    /// `year`, `month`, `day`. Header lines are not records of their own.
    pub header: Option<String>,
    /// The format writes UTC by definition (AWS load balancers, CloudFront, W3C/IIS, chrony
    /// logs): its zone-less timestamps are UTC whatever `--tz` or `--host-tz` say.
    #[serde(default)]
    pub utc: bool,
    /// Whether lines without a timestamp belong to the record above (stack traces). Default true.
    #[serde(default = "default_true")]
    pub multiline: bool,
    /// Example lines; the test suite parses each with this format.
    #[serde(default)]
    pub samples: Vec<Sample>,
}

/// An example line and what deskew must make of it with `--tz UTC --year 2024`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    pub line: String,
    /// The expected instant, RFC 3339 UTC; absent when the line has no wall-clock time.
    pub ts: Option<String>,
    /// The expected host, when the format captures one.
    pub host: Option<String>,
}

fn default_true() -> bool {
    true
}
