//! Where a timestamp may start in a line, and where a learned field place starts: the
//! byte rules the finder learns and reads by.

use super::{Place, LINE_BYTES};

/// Bytes that may open a bracketed or quoted timestamp.
pub(super) fn opener(b: u8) -> bool {
    matches!(b, b'[' | b'(' | b'"' | b'<' | b'\'' | b'{')
}

/// glog's level letters, glued to its stamp (`I0517 15:04:22.619642`).
pub(super) fn level_letter(b: u8) -> bool {
    matches!(b, b'I' | b'W' | b'E' | b'F')
}

/// bash's `HISTTIMEFORMAT` history: `#1500000000` before each command, the time of the
/// command line after it; tcsh's `savehist` writes `#+1162490366`. The bytes before the
/// epoch (0: not such a line).
pub(super) fn hash_epoch(line: &[u8]) -> usize {
    let n = if line.starts_with(b"#+") { 2 } else { 1 };
    let ok = line.first() == Some(&b'#') && line.get(n).is_some_and(u8::is_ascii_digit);
    if ok {
        n
    } else {
        0
    }
}

/// Bytes that separate fields. `]` too: bracketed fields glued together put a stamp right
/// after one (`[WARN][2020-01-01 18:11:00,000]`).
pub(super) fn delim(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b',' | b'|' | b';' | b':' | b'=' | b']')
}

/// Where a token may start: not inside a word, nor inside a number (`10.1.2.3`, `1.2.3`).
pub(super) fn token_start(line: &[u8], p: usize) -> bool {
    if !line[p].is_ascii_alphanumeric() {
        return false;
    }
    let Some(&prev) = p.checked_sub(1).and_then(|i| line.get(i)) else {
        return true;
    };
    // glog/klog glue a one-letter level to the stamp: `E0517 15:04:22.619632`.
    if p == 1 && (level_letter(prev) || prev == b'#') && line[p].is_ascii_digit() {
        return true;
    }
    if prev.is_ascii_alphanumeric() || prev == b'_' || prev >= 0x80 {
        return false;
    }
    // (Not `,`: CSV puts a date after a numeric column, `11,03/23/26,18:31:38`.)
    let digit_before = p >= 2 && line[p - 2].is_ascii_digit();
    !(digit_before && matches!(prev, b'.' | b':' | b'-' | b'/' | b'+'))
}

/// The runs of `d` in `line[..k]`.
pub(super) fn runs(line: &[u8], k: usize, d: u8) -> usize {
    (0..k).filter(|&j| line[j] == d && (j == 0 || line[j - 1] != d)).count()
}

/// The field place of a stamp at `p`, if it starts a field.
pub(super) fn field_place(line: &[u8], p: usize) -> Option<Place> {
    let mut k = p;
    let mut skip = 0u8;
    while k > 0 && opener(line[k - 1]) && skip < 2 {
        k -= 1;
        skip += 1;
    }
    if k == 0 || (p == 1 && level_letter(line[0])) || (p > 0 && hash_epoch(line) == p) {
        return Some(Place::Field { delim: b' ', nth: 0, skip: p as u8, anchor: None });
    }
    let d = line[k - 1];
    if !delim(d) {
        return None;
    }
    let nth = u16::try_from(runs(line, k, d)).ok()?;
    // The text before, kept as an anchor when short (dropped by `learn` if lines differ in
    // it). A label such as `# Time: ` or `Start-Date: `, not data: no digits (an address, a pid).
    let anchor = (k <= 32 && !line[..k].iter().any(u8::is_ascii_digit)).then(|| line[..k].to_vec());
    Some(Place::Field { delim: d, nth, skip, anchor })
}

/// The start of the place in `line`, for a field place.
pub(super) fn field_start(line: &[u8], d: u8, nth: u16, skip: u8) -> Option<usize> {
    let mut i = 0;
    if nth > 0 {
        let mut seen = 0u16;
        let lim = line.len().min(4 * LINE_BYTES);
        let mut j = 0;
        loop {
            j += memchr::memchr(d, &line[j..lim])?;
            if j == 0 || line[j - 1] != d {
                seen += 1;
            }
            j += 1;
            if seen == nth {
                while line.get(j) == Some(&d) {
                    j += 1;
                }
                break;
            }
        }
        i = j;
    }
    for _ in 0..skip {
        let b = *line.get(i)?;
        let glued = nth == 0 && ((i == 0 && level_letter(b)) || i < hash_epoch(line));
        if !(opener(b) || glued) {
            return None;
        }
        i += 1;
    }
    Some(i)
}

/// The first `{` of a line (within its first bytes), where a JSON object may start.
pub(super) fn json_start(line: &[u8]) -> Option<usize> {
    memchr::memchr(b'{', &line[..line.len().min(LINE_BYTES)])
}
