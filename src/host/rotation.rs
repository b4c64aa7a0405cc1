//! File-name rules: rotation suffixes (for reading a rotated set oldest first) and the host
//! a file's name implies.
//!
//! A rotated name is `BASE` plus an optional rotation suffix plus an optional compression
//! suffix (`.gz`, `.zst`, and, for naming only, `.bz2`, `.xz`):
//! - numbered: `BASE.N` (`syslog.1`, `syslog.2.gz`); a higher number is older;
//! - dated: `BASE-DATE`, `BASE.DATE` or `BASE_DATE` where DATE starts with a 4-digit year
//!   and holds 8 to 14 digits, optionally split by `-` or `_` (`syslog-20261120`,
//!   `app.log.2026-11-20`); an earlier date is older;
//! - either of them before a final alphabetic extension (`app.1.log`, `app-20261120.log`),
//!   whose base is then `app.log`;
//! - no suffix: the live file, newest of its set.

use std::cmp::Ordering;

/// Compression suffixes stripped before looking for a rotation suffix.
const COMPRESSION_SUFFIXES: [&[u8]; 4] = [b".gz", b".zst", b".bz2", b".xz"];

/// Where a name stands in its rotated set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Rotation {
    /// `BASE.N`: higher is older.
    Numbered(u64),
    /// `BASE-DATE`: the date's digits; lower is older.
    Dated(Vec<u8>),
    /// The live file.
    Live,
}

/// A file name split into its rotation base and its place in the set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RotName {
    pub base: Vec<u8>,
    pub rotation: Rotation,
}

impl RotName {
    pub fn parse(name: &[u8]) -> RotName {
        let name = strip_compression(name);
        if let Some((base, rotation)) = split_rotation(name) {
            return RotName { base: base.to_vec(), rotation };
        }
        // `app.1.log`, `app-20261120.log`: a rotation suffix before an alphabetic extension.
        if let Some(dot) = memchr::memrchr(b'.', name) {
            let (stem, ext) = (&name[..dot], &name[dot..]);
            let alphabetic = ext.len() > 1 && ext[1..].iter().all(u8::is_ascii_alphabetic);
            if alphabetic {
                if let Some((base, rotation)) = split_rotation(stem) {
                    let mut joined = base.to_vec();
                    joined.extend_from_slice(ext);
                    return RotName { base: joined, rotation };
                }
            }
        }
        RotName { base: name.to_vec(), rotation: Rotation::Live }
    }

    /// Order within one directory: by base, then oldest first (numbered from the highest
    /// number, then dated from the earliest date, then the live file).
    pub fn cmp_read_order(&self, other: &RotName) -> Ordering {
        self.base
            .cmp(&other.base)
            .then_with(|| rank(&self.rotation).cmp(&rank(&other.rotation)))
            .then_with(|| match (&self.rotation, &other.rotation) {
                (Rotation::Numbered(a), Rotation::Numbered(b)) => b.cmp(a),
                (Rotation::Dated(a), Rotation::Dated(b)) => a.len().cmp(&b.len()).then(a.cmp(b)),
                _ => Ordering::Equal,
            })
    }
}

fn rank(r: &Rotation) -> u8 {
    match r {
        Rotation::Numbered(_) => 0,
        Rotation::Dated(_) => 1,
        Rotation::Live => 2,
    }
}

fn strip_compression(name: &[u8]) -> &[u8] {
    for suffix in COMPRESSION_SUFFIXES {
        if name.len() > suffix.len() && name.ends_with(suffix) {
            return &name[..name.len() - suffix.len()];
        }
    }
    name
}

/// `BASE.N` or `BASE<sep>DATE` at the end of `name`, with a non-empty base.
fn split_rotation(name: &[u8]) -> Option<(&[u8], Rotation)> {
    // Dated first: `.20261120` is a date, not rotation number twenty million.
    for (i, &b) in name.iter().enumerate().skip(1) {
        if matches!(b, b'-' | b'.' | b'_') {
            if let Some(digits) = date_digits(&name[i + 1..]) {
                return Some((&name[..i], Rotation::Dated(digits)));
            }
        }
    }
    let dot = memchr::memrchr(b'.', name)?;
    let num = &name[dot + 1..];
    if dot > 0 && (1..=6).contains(&num.len()) && num.iter().all(u8::is_ascii_digit) {
        let n = std::str::from_utf8(num).ok()?.parse().ok()?;
        return Some((&name[..dot], Rotation::Numbered(n)));
    }
    None
}

/// The digits of a date suffix (`20261120`, `2026-11-20`, `2026-11-20_14`), if `s` is one.
fn date_digits(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() < 8 || !(s.starts_with(b"19") || s.starts_with(b"20")) {
        return None;
    }
    if !s[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if !s.iter().all(|b| b.is_ascii_digit() || *b == b'-' || *b == b'_') {
        return None;
    }
    let digits: Vec<u8> = s.iter().copied().filter(u8::is_ascii_digit).collect();
    (8..=14).contains(&digits.len()).then_some(digits)
}

/// The host a file named directly implies: its name without compression suffix, rotation
/// suffix and extension (`web01.log.2.gz` -> `web01`, `app-20261120.log` -> `app`).
pub(crate) fn host_from_file_name(name: &str) -> String {
    let parsed = RotName::parse(name.as_bytes());
    // The base is a prefix of `name` or `name`'s stem plus its extension: valid UTF-8 either
    // way, since only ASCII bytes were cut.
    let base = String::from_utf8_lossy(&parsed.base).into_owned();
    let stem = match base.rfind('.') {
        Some(dot) if dot > 0 => &base[..dot],
        _ => &base[..],
    };
    if stem.is_empty() {
        name.to_string()
    } else {
        stem.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<&str> = names.to_vec();
        v.sort_by(|a, b| {
            RotName::parse(a.as_bytes())
                .cmp_read_order(&RotName::parse(b.as_bytes()))
                .then_with(|| a.cmp(b))
        });
        v.into_iter().map(String::from).collect()
    }

    #[test]
    fn numbered_oldest_first() {
        assert_eq!(
            sorted(&["syslog", "syslog.1", "syslog.2.gz", "syslog.3.gz", "syslog.10.gz"]),
            ["syslog.10.gz", "syslog.3.gz", "syslog.2.gz", "syslog.1", "syslog"]
        );
    }

    #[test]
    fn dated_before_live() {
        assert_eq!(
            sorted(&["syslog", "syslog-20261121.gz", "syslog-20261120"]),
            ["syslog-20261120", "syslog-20261121.gz", "syslog"]
        );
        assert_eq!(
            sorted(&["app.log", "app.log.2026-11-21", "app.log.2026-11-20"]),
            ["app.log.2026-11-20", "app.log.2026-11-21", "app.log"]
        );
        assert_eq!(
            sorted(&["app.log", "app-20261121.log", "app.1.log"]),
            ["app.1.log", "app-20261121.log", "app.log"]
        );
    }

    #[test]
    fn sets_stay_together() {
        assert_eq!(
            sorted(&["auth.log", "syslog.1", "auth.log.1", "syslog", "kern.log"]),
            ["auth.log.1", "auth.log", "kern.log", "syslog.1", "syslog"]
        );
    }

    #[test]
    fn not_rotations() {
        assert_eq!(RotName::parse(b"syslog").rotation, Rotation::Live);
        assert_eq!(RotName::parse(b"web-01.log").rotation, Rotation::Live);
        assert_eq!(RotName::parse(b"Xorg.0.log").base, b"Xorg.log");
        assert_eq!(RotName::parse(b".1").rotation, Rotation::Live);
        assert_eq!(RotName::parse(b"v1.2.3").base, b"v1.2");
    }

    #[test]
    fn host_stems() {
        assert_eq!(host_from_file_name("web01.log.2.gz"), "web01");
        assert_eq!(host_from_file_name("web01.log"), "web01");
        assert_eq!(host_from_file_name("app.log"), "app");
        assert_eq!(host_from_file_name("web01"), "web01");
        assert_eq!(host_from_file_name("syslog.1"), "syslog");
        assert_eq!(host_from_file_name("syslog-20261120.zst"), "syslog");
        assert_eq!(host_from_file_name("app-20261120.log"), "app");
        assert_eq!(host_from_file_name("web01.example.com.log"), "web01.example.com");
        assert_eq!(host_from_file_name(".hidden"), ".hidden");
    }
}
