//! The I/O edge: history files and directories to one [`Model`] per host.
//!
//! Every file under a directory (recursively, hidden ones skipped) is read, `.gz` and `.zst`
//! decompressed, and kept if its content is a history (other files in a directory are
//! ignored; a file named directly that is no history is a warning). Histories bind to hosts
//! ([`crate::host::history`]). Per host, chrony `measurements.log`/`statistics.log` are converted with
//! the host's `tracking.log` ([`History::apply_chrony_updates`]); then the model is built from
//! the best kind available, in this order: deskew history, chrony tracking, chrony
//! measurements, chrony statistics, ntpd loopstats, ntpd peerstats (the daemon's combined
//! estimate of its clock before its raw per-server samples). Several files of that kind
//! (rotated logs) are concatenated, ordered by their first sample.

use super::history::{parse, History, Kind};
use super::model::Model;
use crate::host::{bind, matches as host_matches};
use crate::time::Nanos;
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

/// All histories of one host, and its model.
#[derive(Clone, Debug)]
pub struct HostHistory {
    pub host: String,
    /// (path, kind, samples) of each file read for this host.
    pub files: Vec<(PathBuf, Kind, usize)>,
    /// The kind the model was built from (`None` for a constant `--skew`).
    pub used: Option<Kind>,
    pub model: Model,
    /// A doubt about the model the user should hear of (printed, not an error).
    pub caveat: Option<String>,
}

/// A host and the histories bound to it, with their paths.
pub type HostFiles = (String, Vec<(PathBuf, History)>);

/// One model per host.
#[derive(Clone, Debug, Default)]
pub struct ModelSet {
    hosts: Vec<HostHistory>,
}

impl ModelSet {
    /// A constant correction (`--skew HOST=+2.5s`); replaces a model of the same name.
    pub fn add_constant(&mut self, host: &str, offset: Nanos) {
        self.insert(HostHistory {
            host: host.to_string(),
            files: Vec::new(),
            used: None,
            model: Model::constant(offset),
            caveat: None,
        });
    }

    pub fn insert(&mut self, h: HostHistory) {
        self.hosts.retain(|x| !x.host.eq_ignore_ascii_case(&h.host));
        self.hosts.push(h);
    }

    /// The model for a record's host: an exact (case-insensitive) name first, else a short
    /// name / FQDN match.
    pub fn model_for(&self, host: &str) -> Option<&Model> {
        self.find(host).map(|(_, m)| m)
    }

    /// Like [`ModelSet::model_for`], with the name the model is known by (for statistics).
    pub fn find(&self, host: &str) -> Option<(&str, &Model)> {
        self.hosts
            .iter()
            .find(|h| h.host.eq_ignore_ascii_case(host))
            .or_else(|| self.hosts.iter().find(|h| host_matches(host, &h.host)))
            .map(|h| (h.host.as_str(), &h.model))
    }

    /// Host names with a model, in the order they were added.
    pub fn hosts(&self) -> Vec<&str> {
        self.hosts.iter().map(|h| h.host.as_str()).collect()
    }

    pub fn details(&self) -> &[HostHistory] {
        &self.hosts
    }

    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }
}

/// Why a `HOST=OFFSET` cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SkewError {
    #[error("expected HOST=OFFSET, e.g. web01=+2.5s, not {0:?}")]
    NotHostOffset(String),
    #[error("empty host")]
    EmptyHost,
    #[error("bad offset {0:?} (use e.g. +2.5s, -300ms, 7us)")]
    BadOffset(String),
    #[error("offset {0:?} has no unit (write e.g. {0}s, {0}ms, {0}us or {0}ns)")]
    NoUnit(String),
    #[error("offset out of range")]
    OutOfRange,
}

/// Parses `HOST=OFFSET` for `--skew`: OFFSET is a signed number with an optional unit `s`,
/// `ms`, `us` (or `µs`), `ns`: `web01=+2.5s`, `db=-300ms`. A bare number is refused: `2.5`
/// could be seconds or milliseconds, and guessing wrong shifts a host silently.
pub fn parse_skew(spec: &str) -> Result<(String, Nanos), SkewError> {
    let (host, val) =
        spec.rsplit_once('=').ok_or_else(|| SkewError::NotHostOffset(spec.to_string()))?;
    let host = host.trim();
    if host.is_empty() {
        return Err(SkewError::EmptyHost);
    }
    let v = val.trim();
    let (num, scale) = [("ns", 1.0), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9)]
        .iter()
        .find_map(|(u, f)| v.strip_suffix(u).map(|n| (n, *f)))
        .ok_or_else(|| SkewError::NoUnit(v.to_string()))?;
    let x: f64 = num
        .trim()
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite())
        .ok_or_else(|| SkewError::BadOffset(v.to_string()))?;
    let ns = x * scale;
    if ns.abs() > 3.2e18 {
        return Err(SkewError::OutOfRange);
    }
    Ok((host.to_string(), ns.round() as Nanos))
}

/// The most bytes of one history file (after decompression) read: about 490,000 samples
/// of the JSON lines `sync` writes (~275 bytes each), nearly a year at one a minute.
pub const HISTORY_MAX: u64 = 128 << 20;

fn read_text(path: &Path) -> std::io::Result<String> {
    let f = std::fs::File::open(path)?;
    let name = path.to_string_lossy();
    let r: Box<dyn Read> = if name.ends_with(".gz") {
        Box::new(flate2::read::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    };
    if name.ends_with(".zst") {
        return Err(std::io::Error::other("zstd histories are not supported; decompress first"));
    }
    // Read whole, so bounded: past HISTORY_MAX it is no history (`/dev/zero`, a runaway file).
    let mut buf = Vec::new();
    r.take(HISTORY_MAX + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > HISTORY_MAX {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB (about 490,000 samples): not read; keep a shorter stretch of history (e.g. the last year)",
            HISTORY_MAX >> 20
        )));
    }
    Ok(String::from_utf8(buf)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, warn: &mut Vec<String>) {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => return warn.push(format!("{}: {e}", dir.display())),
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
            continue;
        }
        if p.is_dir() {
            walk(&p, out, warn);
        } else {
            out.push(p);
        }
    }
}

/// Reads every history in `specs` (each `PATH` or `HOST=PATH`, a file or a directory) and
/// groups them per host. Warnings are one line each, naming `path:line`.
pub fn load_hosts(specs: &[String]) -> (Vec<HostFiles>, Vec<String>) {
    /// A file to read (with the host its spec names, and whether it was named itself), or a
    /// warning, in the order the specs give them.
    enum Item<'s> {
        File(Option<&'s str>, bool, PathBuf),
        Warn(String),
    }
    let mut items = Vec::new();
    for spec in specs {
        let (explicit, path) = match spec.split_once('=') {
            Some((h, p)) if !h.is_empty() && !Path::new(spec).exists() => (Some(h), Path::new(p)),
            _ => (None, Path::new(spec.as_str())),
        };
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                items.push(Item::Warn(format!("{}: {e}", path.display())));
                continue;
            }
        };
        if meta.is_dir() {
            let (mut v, mut w) = (Vec::new(), Vec::new());
            walk(path, &mut v, &mut w);
            items.extend(w.into_iter().map(Item::Warn));
            items.extend(v.into_iter().map(|f| Item::File(explicit, false, f)));
        } else {
            items.push(Item::File(explicit, true, path.to_path_buf()));
        }
    }
    // Files are read and parsed side by side (a host's history is a few thousand lines; there
    // may be hundreds of hosts), then grouped in order.
    let read: Vec<Option<std::io::Result<History>>> = items
        .par_iter()
        .map(|it| match it {
            Item::File(_, _, f) => Some(read_text(f).map(|t| parse(&t))),
            Item::Warn(_) => None,
        })
        .collect();
    let mut warn = Vec::new();
    let mut groups: Vec<HostFiles> = Vec::new();
    for (it, h) in items.into_iter().zip(read) {
        let (explicit, named, f, h) = match (it, h) {
            (Item::Warn(w), _) => {
                warn.push(w);
                continue;
            }
            (Item::File(..), None) => continue,
            (Item::File(explicit, named, f), Some(h)) => (explicit, named, f, h),
        };
        let h = match h {
            Ok(h) => h,
            Err(e) => {
                warn.push(format!("{}: {e}", f.display()));
                continue;
            }
        };
        if h.kind() == Kind::Unknown {
            if named {
                warn.push(format!("{}: not an offset history (deskew JSONL, chrony tracking/measurements/statistics log, ntpd loopstats/peerstats)", f.display()));
            }
            continue;
        }
        if !named && h.samples.is_empty() && !h.warnings.is_empty() {
            // Found in a directory, not one line of it a sample: a log that looks like a
            // history (JSON lines), not a torn history; one line, not one per line.
            warn.push(format!(
                "{}: no offset sample in it ({} lines not read as one); skipped",
                f.display(),
                h.warnings.len()
            ));
            continue;
        }
        for (line, msg) in &h.warnings {
            warn.push(format!("{}:{line}: {msg}", f.display()));
        }
        if h.more_warnings > 0 {
            warn.push(format!(
                "{}: {} more lines skipped (the first {} are listed above)",
                f.display(),
                h.more_warnings,
                h.warnings.len()
            ));
        }
        let Some(host) = bind(explicit, h.host.as_deref(), &f) else {
            warn.push(format!("{}: cannot tell the host; use --offsets HOST=PATH", f.display()));
            continue;
        };
        match groups.iter_mut().find(|g| g.0.eq_ignore_ascii_case(&host)) {
            Some(g) => g.1.push((f, h)),
            None => groups.push((host, vec![(f, h)])),
        }
    }
    (groups, warn)
}

const PREFERENCE: [Kind; 6] = [
    Kind::DeskewJsonl,
    Kind::ChronyTracking,
    Kind::ChronyMeasurements,
    Kind::ChronyStatistics,
    Kind::NtpLoopstats,
    Kind::NtpPeerstats,
];

/// Builds one host's model from its histories (module docs).
pub fn build_host(host: String, mut hs: Vec<(PathBuf, History)>) -> HostHistory {
    // all tracking.log files of the host (rotated ones too), in time order
    let mut tracks: Vec<&History> =
        hs.iter().map(|(_, h)| h).filter(|h| h.kind() == Kind::ChronyTracking).collect();
    tracks.sort_by_key(|h| h.updates.first().map(|u| u.cooked));
    let mut all_tracking = History::default();
    for t in tracks {
        all_tracking.updates.extend(&t.updates);
        all_tracking.samples.extend(&t.samples);
    }
    for (_, h) in hs.iter_mut() {
        h.apply_chrony_updates(&all_tracking);
    }
    let files = hs.iter().map(|(p, h)| (p.clone(), h.kind(), h.samples.len())).collect();
    let used = PREFERENCE
        .iter()
        .copied()
        .find(|k| hs.iter().any(|(_, h)| h.kind() == *k && !h.samples.is_empty()));
    let mut chosen: Vec<&History> =
        hs.iter().map(|(_, h)| h).filter(|h| Some(h.kind()) == used).collect();
    chosen.sort_by_key(|h| h.samples.first().map(|s| s.host_time));
    let samples: Vec<_> = chosen.iter().flat_map(|h| h.samples.iter().copied()).collect();
    // chronyd logs measurements against a clock it may be correcting; without the host's
    // tracking.log the correction in progress is unknown (right only on a `-x` host)
    let caveat = (matches!(used, Some(Kind::ChronyMeasurements | Kind::ChronyStatistics))
        && all_tracking.updates.is_empty())
    .then(|| {
        format!(
            "{host}: offsets from chrony {} without its tracking.log: right only if chronyd did not steer this clock (-x); add tracking.log from the same log directory",
            used.map(|k| k.name()).unwrap_or_default()
        )
    });
    HostHistory { host, files, used, model: Model::build(&samples), caveat }
}

/// Loads all histories named by `specs` into one model per host (see the module docs).
pub fn load(specs: &[String]) -> (ModelSet, Vec<String>) {
    let (groups, warn) = load_hosts(specs);
    let mut set = ModelSet::default();
    let built: Vec<HostHistory> =
        groups.into_par_iter().map(|(host, hs)| build_host(host, hs)).collect();
    for h in built {
        set.insert(h);
    }
    (set, warn)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Nanos = 1_000_000;

    #[test]
    fn skew_specs() {
        assert_eq!(parse_skew("web01=+2.5s"), Ok(("web01".into(), 2_500 * MS)));
        assert_eq!(parse_skew("db=-300ms"), Ok(("db".into(), -300 * MS)));
        assert_eq!(parse_skew("x=1.25"), Err(SkewError::NoUnit("1.25".into())));
        assert_eq!(parse_skew("x=7us"), Ok(("x".into(), 7_000)));
        assert_eq!(parse_skew("x=-12ns"), Ok(("x".into(), -12)));
        assert!(parse_skew("x").is_err());
        assert!(parse_skew("=1s").is_err());
        assert!(parse_skew("x=abc").is_err());
        assert!(parse_skew("x=1e300").is_err());
    }

    #[test]
    fn loads_sample_directories() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/ntp");
        let d = root.join("client-of-server-2.5s-ahead");
        let (set, warn) = load(&[format!("web01={}", d.display())]);
        assert!(warn.is_empty(), "{warn:?}");
        let m = set.model_for("WEB01.example.com").expect("bound");
        assert!((m.lookup(0).offset - 2_500 * MS).abs() < MS);
        assert_eq!(set.details()[0].used, Some(Kind::ChronyTracking));
        // by directory name, all sample dirs at once
        let (set, _) = load(&[root.display().to_string()]);
        let m = set.model_for("ntpsec-shm-0.25s-ahead").expect("ntpsec");
        assert_eq!(m.lookup(0).offset, 250 * MS);
        let m = set.model_for("relay-serving-0.3s-ahead").expect("relay");
        assert!((m.lookup(i64::MAX / 2).offset - 300 * MS).abs() < MS);
        let (_, warn) = load(&["/nonexistent/x".to_string()]);
        assert_eq!(warn.len(), 1);
    }

    /// A deskew history with a backward step (clock set back 5 s) marked by `time - mono_ns`,
    /// bound by its `host` key; records fed in file order land on the right side.
    #[test]
    fn jsonl_backward_step_end_to_end() {
        const S: Nanos = 1_000_000_000;
        let t0 = 1_800_000_000 * S;
        let mut text = String::new();
        for i in 0..20i64 {
            let mono = i * 10 * S;
            // true time = t0 + mono; host clock 0.5 s behind, then set back 5 s after i = 9
            let off = if i < 10 { S / 2 } else { S / 2 + 5 * S };
            let host = t0 + mono - off;
            let time = chrono::DateTime::from_timestamp(host / S, (host % S) as u32).unwrap();
            text += &format!(
                "{{\"time\":\"{}\",\"host\":\"db01.example.com\",\"server\":\"s\",\"offset\":{},\"delay\":0.0001,\"boot_id\":\"b\",\"mono_ns\":{mono}}}\n",
                time.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
                off as f64 / 1e9
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("whatever.jsonl");
        std::fs::write(&p, text).unwrap();
        let (set, warn) = load(&[dir.path().display().to_string()]);
        assert!(warn.is_empty(), "{warn:?}");
        let m = set.model_for("DB01").expect("bound by host key");
        assert_eq!(m.steps().len(), 1);
        assert!(m.steps()[0].marked);
        // records every second of true time, in file order; each must come out at true time
        let mut c = m.cursor();
        for k in 0..190 {
            let truth = t0 + k * S;
            let host = truth - if k < 95 { S / 2 } else { S / 2 + 5 * S };
            let l = c.lookup(host);
            assert_eq!(host + l.offset, truth, "record {k}");
        }
    }

    #[test]
    fn chrony_measurements_without_tracking_carry_a_caveat() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/ntp/client-of-true-server");
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(src.join("measurements.log"), dir.path().join("measurements.log")).unwrap();
        let (set, _) = load(&[format!("c={}", dir.path().display())]);
        let c = set.details()[0].caveat.as_deref().expect("a caveat");
        assert!(c.contains("without its tracking.log"), "{c}");
        std::fs::copy(src.join("tracking.log"), dir.path().join("tracking.log")).unwrap();
        let (set, _) = load(&[format!("c={}", dir.path().display())]);
        assert_eq!(set.details()[0].caveat, None);
    }

    #[test]
    fn constants_and_jsonl_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("web02.jsonl");
        std::fs::write(&p, "{\"time\":\"2026-01-01T00:00:00Z\",\"offset\":0.5}\n{torn\n").unwrap();
        let (mut set, warn) = load(&[p.display().to_string()]);
        assert_eq!(warn.len(), 1);
        assert!(
            warn[0]
                .ends_with(":2: malformed history line: key must be a string at line 1 column 2")
                || warn[0].contains(":2: "),
            "{warn:?}"
        );
        assert_eq!(set.model_for("web02").unwrap().lookup(0).offset, 500 * MS);
        set.add_constant("web02", 7);
        assert_eq!(set.model_for("web02").unwrap().lookup(0).offset, 7);
        assert_eq!(set.hosts(), ["web02"]);
    }
}
