//! Appending measurements to the history `merge --offsets` reads (SPEC: "The history
//! `deskew sync --record DIR` writes"): one JSON object a line, each line whole.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::time::rfc3339;

/// One line of the history.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Host clock reading at the midpoint of the exchange, Unix nanoseconds.
    pub time: i64,
    pub host: String,
    pub server: String,
    /// theta = true - host, nanoseconds.
    pub offset: i64,
    pub delay: i64,
    pub stratum: u8,
    pub leap: u8,
    pub root_delay: i64,
    pub root_dispersion: i64,
    pub ref_id: String,
    pub boot_id: Option<String>,
    /// CLOCK_MONOTONIC at the midpoint, nanoseconds.
    pub mono_ns: Option<i64>,
    /// False when selection rejected it (a falseticker, or no majority): readers skip it.
    pub selected: bool,
}

fn secs(ns: i64) -> serde_json::Value {
    // nanosecond resolution, written as a plain decimal that every JSON reader takes
    serde_json::Value::from(ns as f64 / 1e9)
}

impl Entry {
    /// The entry as one JSON line, newline included.
    pub fn to_line(&self) -> String {
        let mut m = serde_json::Map::new();
        let mut time = Vec::with_capacity(32);
        rfc3339::write(&mut time, self.time);
        m.insert("time".into(), String::from_utf8_lossy(&time).into_owned().into());
        m.insert("host".into(), self.host.clone().into());
        m.insert("server".into(), self.server.clone().into());
        m.insert("offset".into(), secs(self.offset));
        m.insert("delay".into(), secs(self.delay));
        m.insert("stratum".into(), self.stratum.into());
        m.insert("leap".into(), self.leap.into());
        m.insert("root_delay".into(), secs(self.root_delay));
        m.insert("root_dispersion".into(), secs(self.root_dispersion));
        m.insert("ref_id".into(), self.ref_id.clone().into());
        if let Some(b) = &self.boot_id {
            m.insert("boot_id".into(), b.clone().into());
        }
        if let Some(n) = self.mono_ns {
            m.insert("mono_ns".into(), n.into());
        }
        if !self.selected {
            m.insert("selected".into(), false.into());
        }
        let mut s = serde_json::Value::Object(m).to_string();
        s.push('\n');
        s
    }
}

/// Why a `--host` cannot name a history file.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error(
        "empty: name the host whose clock is measured, or leave --host out for this machine's"
    )]
    Empty,
    #[error("longer than 253 bytes (a DNS name's limit)")]
    TooLong,
    #[error("starts with '.' or '-': the history file would be hidden or read as an option")]
    BadStart,
    #[error("{0:?} is not a host name character (letters, digits, '.', '-', '_')")]
    BadChar(char),
}

/// A host name usable as the history's file name (`DIR/<host>.jsonl`), which `merge --offsets`
/// binds back to the host: DNS names (RFC 1123 letters, digits, '-', '.') and '_', which some
/// sites use. Anything else (an empty name, a '/', a control character, a leading '.') would
/// make a hidden, misplaced or unbindable file.
pub fn check_host(host: &str) -> Result<(), HostError> {
    if host.is_empty() {
        return Err(HostError::Empty);
    }
    if host.len() > 253 {
        return Err(HostError::TooLong);
    }
    if host.starts_with(['.', '-']) {
        return Err(HostError::BadStart);
    }
    match host.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))) {
        Some(c) => Err(HostError::BadChar(c)),
        None => Ok(()),
    }
}

/// The history file of `host` in `dir`.
pub fn path_for(dir: &Path, host: &str) -> PathBuf {
    // a host name never holds a path separator, but a user's --host might
    let safe: String = host.chars().map(|c| if c == '/' || c == '\0' { '_' } else { c }).collect();
    dir.join(format!("{safe}.jsonl"))
}

/// Creates the history directory and its parents, if missing, readable by every user
/// (0755 before the umask): operators read the histories they collect, and a history holds
/// nothing secret.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new().recursive(true).mode(0o755).create(dir)
}

/// Appends `lines` (each ending in a newline) to `path` so that no reader ever sees a torn
/// line from this writer: under an exclusive advisory lock (two `sync` runs cannot
/// interleave), written with one `write_all` to an O_APPEND file, flushed to disk with fsync.
/// If the file does not end in a newline (a line torn by a crash of an older writer), a
/// newline goes first, so that our lines stay whole and only the torn one is skipped on
/// reading. If the write fails half way (disk full), the file is cut back to where it was.
pub fn append(path: &Path, lines: &str) -> std::io::Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let created = !path.exists();
    let mut f = OpenOptions::new().create(true).append(true).read(true).open(path)?;
    f.lock()?;
    let res = append_locked(&mut f, lines);
    let _ = f.unlock();
    res?;
    if created {
        // the new name must survive a crash too
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
    }
    Ok(())
}

fn append_locked(f: &mut File, lines: &str) -> std::io::Result<()> {
    let len = f.metadata()?.len();
    let mut buf = String::with_capacity(lines.len() + 1);
    if len > 0 {
        let mut last = [0u8; 1];
        f.seek(SeekFrom::Start(len - 1))?;
        f.read_exact(&mut last)?;
        if last[0] != b'\n' {
            buf.push('\n');
        }
    }
    buf.push_str(lines);
    if let Err(e) = f.write_all(buf.as_bytes()).and_then(|_| f.sync_data()) {
        // leave no torn line behind (only a regular file can be cut back)
        if f.metadata().is_ok_and(|m| m.is_file()) {
            let _ = f.set_len(len);
            let _ = f.sync_data();
        }
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_that_are_no_safe_file_name_are_refused() {
        for ok in ["web01", "web01.example.com", "db_2", "10.0.0.1"] {
            assert_eq!(check_host(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_host(""), Err(HostError::Empty));
        assert_eq!(check_host(".hidden"), Err(HostError::BadStart));
        assert_eq!(check_host("-x"), Err(HostError::BadStart));
        assert_eq!(check_host("a/b"), Err(HostError::BadChar('/')));
        assert_eq!(check_host("a\nb"), Err(HostError::BadChar('\n')));
        assert_eq!(check_host(&"a".repeat(254)), Err(HostError::TooLong));
    }

    fn entry() -> Entry {
        Entry {
            time: 1_795_459_297_123_456_789,
            host: "web01".into(),
            server: "10.0.0.1:123".into(),
            offset: 1_234_000,
            delay: 456_000,
            stratum: 2,
            leap: 0,
            root_delay: 12_300_000,
            root_dispersion: 34_500_000,
            ref_id: "GPS".into(),
            boot_id: Some("b5f7".into()),
            mono_ns: Some(123_456_789_012),
            selected: true,
        }
    }

    #[test]
    fn line_has_every_spec_key_and_reads_back() {
        let l = entry().to_line();
        assert!(l.ends_with('\n') && l.matches('\n').count() == 1);
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        assert_eq!(v["time"], "2026-11-23T18:41:37.123456789Z");
        assert_eq!(v["offset"], 0.001234);
        assert_eq!(v["delay"], 0.000456);
        assert_eq!(v["mono_ns"], 123_456_789_012i64);
        for k in [
            "host",
            "server",
            "stratum",
            "leap",
            "root_delay",
            "root_dispersion",
            "ref_id",
            "boot_id",
        ] {
            assert!(!v[k].is_null(), "{k}");
        }
        // and deskew's own reader takes it, sign and all
        let h = crate::skew::parse(&l);
        assert!(h.warnings.is_empty(), "{:?}", h.warnings);
        assert_eq!(h.samples.len(), 1);
        assert_eq!(h.samples[0].offset, 1_234_000);
        assert_eq!(h.samples[0].host_time, 1_795_459_297_123_456_789);
    }

    #[test]
    fn a_rejected_measurement_is_marked_and_readers_skip_it() {
        let l = Entry { selected: false, ..entry() }.to_line();
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        assert_eq!(v["selected"], false);
        assert!(!entry().to_line().contains("selected"));
        let h = crate::skew::parse(&format!("{l}{}", entry().to_line()));
        assert!(h.warnings.is_empty(), "{:?}", h.warnings);
        assert_eq!(h.samples.len(), 1);
    }

    #[test]
    fn append_after_a_torn_line_starts_a_new_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = path_for(dir.path(), "web01");
        std::fs::write(&p, "{\"time\":\"2026-11-23T18:4").unwrap();
        append(&p, &entry().to_line()).unwrap();
        append(&p, &entry().to_line()).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        let h = crate::skew::parse(&text);
        assert_eq!(h.samples.len(), 2);
        assert_eq!(h.warnings.len(), 1, "the torn line alone is skipped: {:?}", h.warnings);
        assert_eq!(h.warnings[0].0, 1);
    }

    #[test]
    fn full_disk_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("full.jsonl");
        std::os::unix::fs::symlink("/dev/full", &p).unwrap();
        let e = append(&p, &entry().to_line()).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(28), "{e}"); // ENOSPC
    }

    #[test]
    fn the_directory_and_its_parents_are_made_readable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("a/b/deskew");
        create_dir(&d).unwrap();
        create_dir(&d).unwrap(); // again: nothing to do
        for p in [d.as_path(), d.parent().unwrap()] {
            let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o555, 0o555, "{}: {mode:o}", p.display());
        }
        let file = dir.path().join("f");
        std::fs::write(&file, "").unwrap();
        assert!(create_dir(&file.join("x")).is_err());
    }

    #[test]
    fn host_names_cannot_escape_the_directory() {
        assert_eq!(path_for(Path::new("/h"), "../etc/x"), Path::new("/h/.._etc_x.jsonl"));
    }
}
