//! Which host a history belongs to (SPEC "Clock offsets"): by `--offsets HOST=PATH`, by the
//! history's own `host` key, by its file name (`web01.jsonl`), or by the directory it lies in
//! (`offsets/web01/tracking.log`), in that order of precedence.

use std::path::Path;

#[cfg(test)]
use super::matches as host_matches;
use super::rotation::{RotName, Rotation};

/// File names that daemons use whatever the host: the host is then the directory's name.
fn generic_stem(stem: &str) -> bool {
    let base = stem.split('.').next().unwrap_or(stem).to_ascii_lowercase();
    matches!(
        base.as_str(),
        "tracking"
            | "measurements"
            | "measure"
            | "statistics"
            | "refclocks"
            | "loopstats"
            | "peerstats"
            | "rawstats"
            | "clockstats"
            | "log"
            | "offsets"
            | "history"
            | "chrony"
            | "ntp"
            | "stats"
    )
}

/// The host a history file names by its path: its file stem (`web01.jsonl`, `web01.jsonl.gz`),
/// unless that is a daemon's generic name (`tracking.log`, `loopstats.20261123`), in which case
/// the nearest directory above whose name is not generic itself (`offsets/web01/log/...`).
pub fn host_from_path(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let mut stem = name;
    for ext in [".gz", ".zst"] {
        stem = stem.strip_suffix(ext).unwrap_or(stem);
    }
    stem = strip_rotation(stem);
    for ext in [".jsonl", ".json", ".log", ".txt"] {
        stem = stem.strip_suffix(ext).unwrap_or(stem);
    }
    if !stem.is_empty() && !generic_stem(stem) && !stem.starts_with('.') {
        return Some(stem.to_string());
    }
    let abs = std::path::absolute(path).ok()?;
    abs.parent()?
        .components()
        .rev()
        .filter_map(|c| c.as_os_str().to_str())
        .find(|c| !c.is_empty() && !generic_stem(c) && *c != "/")
        .map(str::to_string)
}

/// `web01.jsonl.1` and `web01.jsonl-20261123` (logrotate's numbered and dated copies) are
/// `web01.jsonl`: the rotation grammar of `rotation`, taken only after a known extension, so
/// `10.0.0.1` keeps its `.1`.
fn strip_rotation(stem: &str) -> &str {
    let r = RotName::parse(stem.as_bytes());
    if r.rotation == Rotation::Live {
        return stem;
    }
    match std::str::from_utf8(&r.base) {
        // Only a suffix at the end (`app.1.log` rotates to base `app.log`, not a prefix).
        Ok(base)
            if stem.starts_with(base)
                && [".jsonl", ".json", ".log", ".txt"].iter().any(|e| base.ends_with(e)) =>
        {
            &stem[..base.len()]
        }
        _ => stem,
    }
}

/// The host a history binds to: explicit `HOST=PATH` first, then the history's `host` key,
/// then its path.
pub fn bind(explicit: Option<&str>, history_host: Option<&str>, path: &Path) -> Option<String> {
    explicit.or(history_host).map(str::to_string).or_else(|| host_from_path(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching() {
        assert!(host_matches("web01", "WEB01"));
        assert!(host_matches("web01", "web01.example.com"));
        assert!(host_matches("Web01.example.com", "web01"));
        assert!(host_matches("web01.example.com.", "web01.example.com"));
        assert!(!host_matches("web01.a.com", "web01.b.com"));
        assert!(!host_matches("web0", "web01.example.com"));
        assert!(!host_matches("web01", "web02"));
        assert!(!host_matches("", ""));
    }

    #[test]
    fn from_path() {
        let h = |p: &str| host_from_path(Path::new(p));
        assert_eq!(h("offsets/web01.jsonl").as_deref(), Some("web01"));
        assert_eq!(h("web01.example.com.jsonl").as_deref(), Some("web01.example.com"));
        assert_eq!(h("offsets/web01/tracking.log").as_deref(), Some("web01"));
        assert_eq!(h("offsets/db1/log/tracking.log").as_deref(), Some("db1"));
        assert_eq!(h("/x/db2/loopstats.20261123").as_deref(), Some("db2"));
        assert_eq!(h("/x/db2/measurements.log.1.gz").as_deref(), Some("db2"));
        assert_eq!(h("offsets/web01.jsonl.1").as_deref(), Some("web01"));
        assert_eq!(h("offsets/web01.jsonl.2.gz").as_deref(), Some("web01"));
        assert_eq!(h("offsets/web01.jsonl-20261123").as_deref(), Some("web01"));
        assert_eq!(h("offsets/10.0.0.1.jsonl").as_deref(), Some("10.0.0.1"));
        assert_eq!(h("offsets/10.0.0.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(bind(Some("a"), Some("b"), Path::new("c.jsonl")).as_deref(), Some("a"));
        assert_eq!(bind(None, Some("b"), Path::new("c.jsonl")).as_deref(), Some("b"));
    }
}
