//! Monitoring in the conventions operators already run: a Nagios/Icinga plugin line (one status
//! line with performance data; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) and a Prometheus
//! node_exporter textfile. Pure: a round or a set of histories in, text out; the one I/O
//! function, [`write_textfile`], writes a temporary file and renames it over the old one so
//! node_exporter never reads half a file.
//!
//! What is UNKNOWN and what is CRITICAL:
//! - `sync --check`: no offset (no server answered usably, or no majority agreed) is
//!   CRITICAL, as `check_ntp_time` says when it gets no answer: time may be wrong right now.
//! - `offsets --check`: a history that cannot be read, or holds no usable sample, is UNKNOWN
//!   (nothing is known of that clock); one whose last sample is older than `--max-age` is
//!   CRITICAL (recording has stopped, so a drifting clock would go unseen).

use std::fmt::{self, Write as _};
use std::path::Path;

use super::client::Round;
use crate::skew::load::HostHistory;

/// A Nagios plugin state; the value is the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }

    /// The worse of two, as monitoring-plugins' `max_state` ranks them: CRITICAL, WARNING,
    /// UNKNOWN, OK.
    pub fn worst(self, other: State) -> State {
        let rank = |s: State| match s {
            State::Ok => 0,
            State::Unknown => 1,
            State::Warning => 2,
            State::Critical => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// `-w SECS -c SECS`: an absolute offset above `warn` is a WARNING, above `crit` CRITICAL
/// (`check_ntp_time`'s meaning of its thresholds), in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    pub warn: i64,
    pub crit: i64,
}

/// A `-w`, `-c` or `--max-age` value that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("{0} {1}: a number of seconds, 0 or more")]
    Seconds(&'static str, String),
    #[error("--max-age {0}: a duration such as 90s, 30m, 2h or 1d (a bare number is seconds)")]
    Age(String),
}

fn seconds(opt: &'static str, v: f64) -> Result<i64, LimitError> {
    if v.is_finite() && (0.0..=1e9).contains(&v) {
        Ok((v * 1e9).round() as i64)
    } else {
        Err(LimitError::Seconds(opt, v.to_string()))
    }
}

/// `--max-age`: `90`, `90s`, `30m`, `2h`, `1d`, in nanoseconds.
pub fn parse_age(s: &str) -> Result<i64, LimitError> {
    let t = s.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let scale = match unit {
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return Err(LimitError::Age(s.to_string())),
    };
    let v: f64 = num.trim().parse().map_err(|_| LimitError::Age(s.to_string()))?;
    seconds("--max-age", v * scale).map_err(|_| LimitError::Age(s.to_string()))
}

impl Thresholds {
    /// From `-w SECS -c SECS`.
    pub fn from_secs(warn: f64, crit: f64) -> Result<Thresholds, LimitError> {
        Ok(Thresholds { warn: seconds("-w", warn)?, crit: seconds("-c", crit)? })
    }

    pub fn state(&self, offset: i64) -> State {
        let a = offset.unsigned_abs();
        if a > self.crit.unsigned_abs() {
            State::Critical
        } else if a > self.warn.unsigned_abs() {
            State::Warning
        } else {
            State::Ok
        }
    }
}

/// One item of performance data: `'label'=value[unit];[warn];[crit];[min];[max]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Perf {
    pub label: String,
    pub value: f64,
    pub unit: &'static str,
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Perf {
    fn new(label: impl Into<String>, value: f64, unit: &'static str) -> Perf {
        Perf { label: label.into(), value, unit, warn: None, crit: None, min: None, max: None }
    }
}

impl fmt::Display for Perf {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let opt = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
        // quotes only when the label needs them (a space or '=' in a host name)
        if self.label.contains([' ', '=', '\'']) {
            write!(f, "'{}'", self.label.replace('\'', "_"))?;
        } else {
            f.write_str(&self.label)?;
        }
        write!(
            f,
            "={:.6}{};{};{};{};{}",
            self.value,
            self.unit,
            opt(self.warn),
            opt(self.crit),
            opt(self.min),
            opt(self.max)
        )
    }
}

/// The outcome of a check: its state and the one line a plugin prints.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub state: State,
    pub text: String,
    pub perf: Vec<Perf>,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        // the service name check_ntp_time uses, so that dashboards and parsers take either
        write!(f, "NTP {}: {}", self.state.name(), self.text.replace(['|', '\n'], " "))?;
        let perf: Vec<String> = self.perf.iter().map(|p| p.to_string()).collect();
        write!(f, "|{}", perf.join(" "))
    }
}

fn secs(ns: i64) -> f64 {
    ns as f64 / 1e9
}

/// `deskew sync --check`: the combined offset of a round against the thresholds.
pub fn check_round(r: &Round, th: Thresholds) -> Check {
    let servers = r.outcomes.len();
    let mut perf = vec![];
    let (state, text) = match r.combined {
        Some(off) => {
            let mut p = Perf::new("offset", secs(off), "s");
            (p.warn, p.crit) = (Some(secs(th.warn)), Some(secs(th.crit)));
            perf.push(p);
            let text =
                format!("Offset {:.9} secs from {} of {servers} servers", secs(off), r.selected());
            (th.state(off), text)
        }
        None => (State::Critical, format!("Offset unknown: {}", super::report::no_offset(r))),
    };
    let n = servers as f64;
    let mut count = |label: &str, v: usize| {
        let mut p = Perf::new(label, v as f64, "");
        (p.min, p.max) = (Some(0.0), Some(n));
        perf.push(p);
    };
    count("servers_usable", r.usable());
    count("servers_selected", r.selected());
    Check { state, text, perf }
}

/// What `offsets --check` and `offsets --prometheus` need of a host's history.
#[derive(Clone, Debug, PartialEq)]
pub struct HostState {
    pub host: String,
    /// The last usable sample: host clock time and offset, ns.
    pub last: Option<(i64, i64)>,
    pub samples: usize,
    pub steps: usize,
    pub drift_ppm: Option<f64>,
}

impl HostState {
    pub fn of(h: &HostHistory) -> HostState {
        let s = h.model.samples();
        HostState {
            host: h.host.clone(),
            last: s.iter().max_by_key(|s| s.host_time).map(|s| (s.host_time, s.offset)),
            samples: s.len(),
            steps: h.model.steps().len(),
            drift_ppm: h.model.drift_ppm(),
        }
    }
}

/// `deskew offsets --check`: every host's last offset against the thresholds and its age
/// against `max_age` (ns), at time `now`. `problems` are the histories that could not be read.
pub fn check_histories(
    hosts: &[HostState],
    problems: &[String],
    th: Thresholds,
    max_age: Option<i64>,
    now: i64,
) -> Check {
    let mut state = State::Ok;
    let mut bad: Vec<String> = vec![];
    let mut perf = vec![];
    for p in problems {
        state = state.worst(State::Unknown);
        bad.push(p.clone());
    }
    if hosts.is_empty() && problems.is_empty() {
        state = State::Unknown;
        bad.push("no offset history found".into());
    }
    for h in hosts {
        let Some((t, off)) = h.last else {
            state = state.worst(State::Unknown);
            bad.push(format!("{}: no usable sample", h.host));
            continue;
        };
        let age = now.saturating_sub(t);
        let s = th.state(off);
        if s != State::Ok {
            bad.push(format!("{}: offset {:+.6} s", h.host, secs(off)));
        }
        state = state.worst(s);
        if let Some(m) = max_age.filter(|&m| age > m) {
            state = state.worst(State::Critical);
            bad.push(format!(
                "{}: last sample {:.0} s old (--max-age {:.0} s): is recording running?",
                h.host,
                secs(age),
                secs(m)
            ));
        }
        let mut p = Perf::new(format!("{}_offset", h.host), secs(off), "s");
        (p.warn, p.crit) = (Some(secs(th.warn)), Some(secs(th.crit)));
        perf.push(p);
        let mut p = Perf::new(format!("{}_age", h.host), secs(age).max(0.0), "s");
        p.crit = max_age.map(secs);
        p.min = Some(0.0);
        perf.push(p);
    }
    let worst = hosts
        .iter()
        .filter_map(|h| h.last.map(|(_, o)| (o, &h.host)))
        .max_by_key(|(o, _)| o.unsigned_abs());
    let mut text = match worst {
        Some((o, host)) => {
            format!("Offset {:.9} secs (largest of {} hosts, {host})", secs(o), hosts.len())
        }
        None => "Offset unknown".into(),
    };
    if !bad.is_empty() {
        text.push_str(": ");
        text.push_str(&bad.join("; "));
    }
    Check { state, text, perf }
}

/// Prometheus label value escaping (text exposition format).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Writes the metric families in order, each with its HELP and TYPE once.
struct Families {
    out: String,
    last: &'static str,
}

impl Families {
    fn new() -> Families {
        Families { out: String::new(), last: "" }
    }

    fn gauge(&mut self, name: &'static str, help: &str, labels: &[(&str, &str)], v: f64) {
        if self.last != name {
            let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} gauge");
            self.last = name;
        }
        let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", label(v))).collect();
        let _ = writeln!(self.out, "{name}{{{}}} {v}", l.join(","));
    }
}

/// The textfile of a `deskew sync` round for `host`, measured at Unix time `now` (ns).
pub fn prometheus_round(r: &Round, host: &str, now: i64) -> String {
    let mut f = Families::new();
    let h = [("host", host)];
    let names: Vec<String> = r
        .outcomes
        .iter()
        .map(|o| o.addr.map(|a| a.to_string()).unwrap_or_else(|| o.name.clone()))
        .collect();
    for (i, o) in r.outcomes.iter().enumerate() {
        if let Some((b, _)) = o.best {
            f.gauge(
                "deskew_clock_offset_seconds",
                "This host's clock offset measured against the server (true - host; positive: the clock is slow).",
                &[("host", host), ("server", &names[i])],
                secs(b.m.offset),
            );
        }
    }
    for (i, v) in r.verdict.iter().enumerate() {
        if let Some((_, d)) = v {
            f.gauge(
                "deskew_server_root_distance_seconds",
                "The server's root distance: the error bound of its offset.",
                &[("host", host), ("server", &names[i])],
                secs(*d),
            );
        }
    }
    for (i, o) in r.outcomes.iter().enumerate() {
        f.gauge(
            "deskew_server_reachable",
            "1 when the server gave a usable answer in the last round.",
            &[("host", host), ("server", &names[i])],
            if o.usable() { 1.0 } else { 0.0 },
        );
    }
    for (i, v) in r.verdict.iter().enumerate() {
        let sel = v.is_some_and(|(s, _)| s.selected());
        f.gauge(
            "deskew_server_selected",
            "1 when the server's offset went into the combined offset.",
            &[("host", host), ("server", &names[i])],
            if sel { 1.0 } else { 0.0 },
        );
    }
    if let Some(c) = r.combined {
        f.gauge(
            "deskew_clock_combined_offset_seconds",
            "The offset the majority of servers agrees on (absent when there is no majority).",
            &h,
            secs(c),
        );
    }
    f.gauge("deskew_servers", "Servers asked in the last round.", &h, r.outcomes.len() as f64);
    f.gauge(
        "deskew_servers_selected",
        "Servers whose offsets were combined in the last round (0: no majority).",
        &h,
        r.selected() as f64,
    );
    let last = r.outcomes.iter().filter_map(|o| o.best.map(|(b, _)| b.m.time)).max();
    if let Some(t) = last {
        f.gauge(
            "deskew_last_sample_timestamp_seconds",
            "Unix time of the newest usable measurement.",
            &h,
            secs(t),
        );
        f.gauge(
            "deskew_last_sample_age_seconds",
            "Age of the newest usable measurement when this file was written.",
            &h,
            secs(now.saturating_sub(t)).max(0.0),
        );
    }
    f.out
}

/// The textfile of `deskew offsets`: per host, what its history says, at Unix time `now`.
pub fn prometheus_histories(hosts: &[HostState], now: i64) -> String {
    let mut f = Families::new();
    type Get = fn(&HostState, i64) -> Option<f64>;
    let families: [(&'static str, &str, Get); 6] = [
        (
            "deskew_history_offset_seconds",
            "The newest offset in the host's history (true - host; positive: the clock is slow).",
            |h, _| h.last.map(|(_, o)| secs(o)),
        ),
        (
            "deskew_clock_drift_ppm",
            "The host clock's rate error from its history, parts per million (positive: it gains, runs fast).",
            |h, _| h.drift_ppm,
        ),
        (
            "deskew_clock_steps",
            "Clock steps found in the host's history.",
            |h, _| Some(h.steps as f64),
        ),
        (
            "deskew_history_samples",
            "Usable samples in the host's history.",
            |h, _| Some(h.samples as f64),
        ),
        (
            "deskew_last_sample_timestamp_seconds",
            "Unix time (host clock) of the newest sample in the host's history.",
            |h, _| h.last.map(|(t, _)| secs(t)),
        ),
        (
            "deskew_last_sample_age_seconds",
            "Age of the newest sample in the host's history when this file was written.",
            |h, now| h.last.map(|(t, _)| secs(now.saturating_sub(t)).max(0.0)),
        ),
    ];
    for (name, help, get) in families {
        for h in hosts {
            if let Some(v) = get(h, now) {
                f.gauge(name, help, &[("host", &h.host)], v);
            }
        }
    }
    f.out
}

/// Writes a textfile for node_exporter's textfile collector: to a temporary file beside it,
/// then renamed over it, so a scrape sees the old file or the new one, never half of one.
/// The temporary name ends in `.tmp`, which the collector skips (it reads `*.prom`).
pub fn write_textfile(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut tmp_name = name.to_os_string();
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let res = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_data()?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

/// What `deskew offsets --check/--prometheus` asks for.
#[derive(Clone, Debug, Default)]
pub struct OffsetsWatch {
    /// `--check -w -c`: print one plugin line instead of the report.
    pub check: Option<Thresholds>,
    /// `--max-age`: older newest samples are CRITICAL, ns.
    pub max_age: Option<i64>,
    pub prometheus: Option<std::path::PathBuf>,
}

/// `deskew offsets` with `--check` or `--prometheus`: loads the histories, writes the textfile,
/// prints the plugin line. Returns the plugin state with --check.
pub fn watch_histories(
    specs: &[String],
    w: &OffsetsWatch,
    out: &mut dyn std::io::Write,
) -> std::io::Result<Option<State>> {
    let (set, _) = crate::skew::load::load(specs);
    // a torn line after a crash is warned about by `deskew offsets`, but does not make the
    // clock's state unknown; a history that is not there does
    let problems: Vec<String> = specs
        .iter()
        .filter_map(|spec| {
            let path = match spec.split_once('=') {
                Some((h, p)) if !h.is_empty() && !Path::new(spec).exists() => p,
                _ => spec,
            };
            std::fs::metadata(path).err().map(|e| format!("{path}: {e}"))
        })
        .collect();
    let hosts: Vec<HostState> = set.details().iter().map(HostState::of).collect();
    let now = super::client::now();
    if let Some(p) = &w.prometheus {
        write_textfile(p, &prometheus_histories(&hosts, now)).map_err(|e| {
            std::io::Error::new(e.kind(), format!("--prometheus {}: {e}", p.display()))
        })?;
    }
    let Some(th) = w.check else {
        return Ok(None);
    };
    let c = check_histories(&hosts, &problems, th, w.max_age, now);
    writeln!(out, "{c}")?;
    Ok(Some(c.state))
}

#[cfg(test)]
mod tests;
