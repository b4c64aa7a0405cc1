//! RFC 5424 syslog messages:
//!
//! `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - [timeQuality ...][deskew@32473 ...] MSG`
//!
//! - PRI: facility `user` (1) and the syslog severity of the record's level (notice when
//!   unknown, as `logger` sends; fatal is sent as critical, not emergency, which syslog
//!   daemons broadcast to every terminal);
//! - TIMESTAMP: the corrected time, its fraction cut to at most 6 digits (RFC 5424's limit;
//!   `--precision` s or ms cuts further); `-` for a record of no time;
//! - HOSTNAME: the record's host; APP-NAME and PROCID from the `tag[pid]:` of syslog-family
//!   formats (`rfc3164`, `journald_short_iso`, `rfc5424`, `haproxy`), else `-`;
//! - `timeQuality`: `tzKnown="1"` (deskew resolved the zone), `isSynced="1"` when a clock
//!   correction from the host's offsets was applied;
//! - `deskew@32473` (32473 is the enterprise number RFC 5612 sets aside for examples and
//!   private use): `raw_ts` (the stamp as written), `offset` (seconds of correction), `file`,
//!   `line`;
//! - MSG: the record's text. In lines (a file, stdout) its line breaks become `#012`, as
//!   rsyslog writes control characters; framed for a socket (RFC 6587 octet counting,
//!   `LEN SP MESSAGE`) they stay.

use super::severity::Severity;
use super::{level_text, raw_ts_text, stamp, Precision, SourceView, Style};
use crate::record::{Record, NO_TIME};

/// Syslog severity (0..7) of an OpenTelemetry severity.
pub fn syslog_severity(s: Option<Severity>) -> u8 {
    match s.map(Severity::number) {
        None => 5,
        Some(1..=8) => 7,
        Some(9) => 6,
        Some(10..=12) => 5,
        Some(13..=16) => 4,
        Some(17) => 3,
        Some(18..=24) => 2,
        Some(_) => 5,
    }
}

/// Facility `user`.
const FACILITY: u8 = 1;

fn push_token(buf: &mut Vec<u8>, s: &[u8], max: usize) {
    let s = &s[..s.len().min(max)];
    if s.is_empty() || s == b"-" {
        buf.push(b'-');
        return;
    }
    // PRINTUSASCII only: anything else would end the field or break the header.
    buf.extend(s.iter().map(|&c| if (33..=126).contains(&c) { c } else { b'_' }));
}

/// An SD-PARAM value: `"`, `\` and `]` escaped; invalid UTF-8 as U+FFFD.
fn push_param(buf: &mut Vec<u8>, s: &[u8]) {
    let s = String::from_utf8_lossy(s);
    for c in s.bytes() {
        if matches!(c, b'"' | b'\\' | b']') {
            buf.push(b'\\');
        }
        buf.push(c);
    }
}

/// APP-NAME and PROCID from the `HOST tag[pid]:` after the stamp of a syslog-family line.
pub fn app_procid<'t>(format: &str, text: &'t [u8], ts_end: usize) -> (&'t [u8], &'t [u8]) {
    const NONE: (&[u8], &[u8]) = (b"", b"");
    if !matches!(format, "rfc3164" | "journald_short_iso" | "rfc5424" | "haproxy") {
        return NONE;
    }
    // Only the first `LONG` bytes are looked at, as for a record written in pieces.
    let end = text.len().min(super::long::LONG);
    let line = &text[ts_end.min(end)..end];
    let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
    let mut words = line.split(|&c| c == b' ').filter(|w| !w.is_empty());
    let _host = words.next();
    let Some(tag) = words.next() else { return NONE };
    if format == "rfc5424" {
        return (tag, words.next().unwrap_or_default());
    }
    let Some(tag) = tag.strip_suffix(b":") else { return NONE };
    match memchr::memchr(b'[', tag) {
        Some(i) if tag.ends_with(b"]") => (&tag[..i], &tag[i + 1..tag.len() - 1]),
        _ => (tag, b""),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn write(
    buf: &mut Vec<u8>,
    style: &Style,
    rec: &Record,
    text: &[u8],
    host: &str,
    format: &str,
    src: &SourceView,
    severity: Option<Severity>,
) {
    let start = buf.len();
    header(buf, style, rec, text, host, format, src, severity);
    // The record's lines, CR line ends dropped.
    let mut rest = text;
    loop {
        let (l, more) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        buf.extend_from_slice(l.strip_suffix(b"\r").unwrap_or(l));
        match more {
            Some(r) => {
                buf.extend_from_slice(if style.framed { b"\n" } else { b"#012" });
                rest = r;
            }
            None => break,
        }
    }
    if style.framed {
        let mut head = Vec::with_capacity(8);
        super::push_u64(&mut head, (buf.len() - start) as u64);
        head.push(b' ');
        buf.splice(start..start, head);
    } else {
        buf.push(b'\n');
    }
}

/// The message up to its text (`MSG`); `text` is the record's text or its first bytes (its
/// stamp, level and syslog tag lie there).
#[allow(clippy::too_many_arguments)]
pub fn header(
    buf: &mut Vec<u8>,
    style: &Style,
    rec: &Record,
    text: &[u8],
    host: &str,
    format: &str,
    src: &SourceView,
    severity: Option<Severity>,
) {
    buf.push(b'<');
    super::push_u64(buf, u64::from(FACILITY * 8 + syslog_severity(severity)));
    buf.extend_from_slice(b">1 ");
    if rec.key != NO_TIME {
        stamp::write(buf, rec.key, style.precision.min(Precision::Us));
    } else {
        buf.push(b'-');
    }
    buf.push(b' ');
    push_token(buf, host.as_bytes(), 255);
    let (app, pid) = app_procid(format, text, rec.raw_ts.1 as usize);
    buf.push(b' ');
    push_token(buf, app, 48);
    buf.push(b' ');
    push_token(buf, pid, 128);
    buf.extend_from_slice(b" - [timeQuality tzKnown=\"1\" isSynced=\"");
    buf.push(if rec.offset != 0 { b'1' } else { b'0' });
    buf.extend_from_slice(b"\"][deskew@32473");
    if let Some(r) = raw_ts_text(rec, text) {
        buf.extend_from_slice(b" raw_ts=\"");
        push_param(buf, r);
        buf.push(b'"');
    }
    buf.extend_from_slice(b" offset=\"");
    super::push_seconds(buf, rec.offset);
    buf.extend_from_slice(b"\" file=\"");
    push_param(buf, src.display_json.as_bytes());
    buf.extend_from_slice(b"\" line=\"");
    super::push_u64(buf, rec.line);
    buf.push(b'"');
    if let Some(l) = level_text(rec, text) {
        buf.extend_from_slice(b" level=\"");
        push_param(buf, l);
        buf.push(b'"');
    }
    buf.extend_from_slice(b"] ");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_and_procid_come_from_the_syslog_tag() {
        let l = b"Nov 23 18:41:37 web01 sshd[4121]: Accepted publickey";
        assert_eq!(app_procid("rfc3164", l, 15), (&b"sshd"[..], &b"4121"[..]));
        let l = b"Nov 23 18:41:37 web01 kernel: eth0 up";
        assert_eq!(app_procid("rfc3164", l, 15), (&b"kernel"[..], &b""[..]));
        let l = b"<34>1 2003-10-11T22:14:15.003Z mymachine su 77 ID47 - hi";
        assert_eq!(app_procid("rfc5424", l, 30), (&b"su"[..], &b"77"[..]));
        assert_eq!(app_procid("nginx_error", l, 30), (&b""[..], &b""[..]));
    }

    #[test]
    fn header_tokens_are_printable_ascii_and_params_escaped() {
        let mut b = Vec::new();
        push_token(&mut b, "wéb 01".as_bytes(), 255);
        assert_eq!(b, b"w__b_01");
        b.clear();
        push_token(&mut b, b"", 48);
        assert_eq!(b, b"-");
        b.clear();
        push_param(&mut b, br#"a"b\c]d"#);
        assert_eq!(b, br#"a\"b\\c\]d"#);
    }

    #[test]
    fn severities_map_to_syslog() {
        let s = |n| syslog_severity(Severity::new(n));
        assert_eq!((s(1), s(9), s(10), s(13), s(17), s(21)), (7, 6, 5, 4, 3, 2));
        assert_eq!(syslog_severity(None), 5);
    }
}
