//! The code-level fallback format: a timestamp at the very start of a line.

use super::Hit;
use crate::time::scan;
use crate::time::Stamp;

/// The code-level fallback: a timestamp at the start of the line, after an optional UTF-8 BOM,
/// ANSI escape sequences, or an opening bracket (then closed right after the timestamp).
pub fn generic(idx: u16, line: &[u8]) -> Option<Hit> {
    let mut i = 0;
    if line.starts_with(b"\xef\xbb\xbf") {
        i = 3;
    }
    while line.get(i) == Some(&0x1b) && line.get(i + 1) == Some(&b'[') {
        let mut j = i + 2;
        while j < line.len() && !(0x40..=0x7e).contains(&line[j]) {
            j += 1;
        }
        i = j + 1;
    }
    let first = *line.get(i)?;
    if first == b'[' {
        let (stamp, n) = scan::leading(&line[i + 1..])?;
        if line.get(i + 1 + n) != Some(&b']') && !matches!(stamp, Stamp::Relative(_)) {
            return None;
        }
        let s = i + 1;
        return Some(Hit::Stamp {
            stamp,
            format: idx,
            ts: (s as u32, (s + n) as u32),
            host: None,
            level: None,
        });
    }
    if !(first.is_ascii_alphanumeric()) {
        return None;
    }
    let (stamp, n) = scan::leading(&line[i..])?;
    // A timestamp must end at a word boundary: `2024-01-01T00:00:00Zfoo` is not one.
    if line.get(i + n).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some(Hit::Stamp { stamp, format: idx, ts: (i as u32, (i + n) as u32), host: None, level: None })
}
