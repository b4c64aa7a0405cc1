//! A record as a small binary frame (formatted in parallel by the output engine) and back:
//! the Parquet writer thread decodes frames into columns.

use std::io;

use crate::output::severity::Severity;
use crate::record::{Record, NO_TIME};

pub(super) const F_TIMED: u8 = 1;
pub(super) const F_KEY: u8 = 2;
pub(super) const F_FORMAT: u8 = 4;
pub(super) const F_RAW_TS: u8 = 8;
pub(super) const F_LEVEL: u8 = 16;

pub(super) fn push_str(buf: &mut Vec<u8>, s: &[u8]) {
    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
    buf.extend_from_slice(s);
}

/// Append `s` as valid UTF-8 (invalid bytes become U+FFFD).
pub(super) fn push_lossy(buf: &mut Vec<u8>, s: &[u8]) {
    match std::str::from_utf8(s) {
        Ok(_) => buf.extend_from_slice(s),
        Err(_) => buf.extend_from_slice(String::from_utf8_lossy(s).as_bytes()),
    }
}

/// Append one record's frame. `text` is the record's text, `source` its path as a JSON
/// string body (decoded once per source by the sink).
pub fn encode(
    buf: &mut Vec<u8>,
    rec: &Record,
    text: &[u8],
    source_json: &str,
    host: &str,
    format: Option<&str>,
    severity: Option<Severity>,
) {
    let (raw_ts, level) = (span(text, rec.raw_ts), span(text, rec.level));
    let names = Names { source_json, host, format, raw_ts, level };
    encode_row(buf, rec, text, &names, severity, None);
}

/// The bytes of `text` a record's span gives, if any.
pub(super) fn span(text: &[u8], s: (u32, u32)) -> Option<&[u8]> {
    let (a, b) = (s.0 as usize, s.1 as usize);
    (b > a && b <= text.len()).then(|| &text[a..b])
}

/// What a row says besides its message: the same for every piece of a long record.
pub(super) struct Names<'a> {
    pub(super) source_json: &'a str,
    pub(super) host: &'a str,
    pub(super) format: Option<&'a str>,
    pub(super) raw_ts: Option<&'a [u8]>,
    pub(super) level: Option<&'a [u8]>,
}

/// Append one row's frame, its message `text` (the record's, or one piece of it: `part`).
pub(super) fn encode_row(
    buf: &mut Vec<u8>,
    rec: &Record,
    text: &[u8],
    names: &Names,
    severity: Option<Severity>,
    part: Option<u32>,
) {
    let Names { source_json, host, format, raw_ts, level } = *names;
    let at = buf.len();
    buf.extend_from_slice(&[0; 4]);
    let mut flags = 0;
    for (on, f) in [
        (rec.has_time(), F_TIMED),
        (rec.key != NO_TIME, F_KEY),
        (format.is_some(), F_FORMAT),
        (raw_ts.is_some(), F_RAW_TS),
        (level.is_some(), F_LEVEL),
    ] {
        if on {
            flags |= f;
        }
    }
    buf.push(flags);
    // OpenTelemetry's severity number (1..=24), 0 for none.
    buf.push(severity.map_or(0, Severity::number));
    buf.extend_from_slice(&part.unwrap_or(u32::MAX).to_le_bytes());
    buf.extend_from_slice(&rec.key.to_le_bytes());
    buf.extend_from_slice(&rec.offset.to_le_bytes());
    buf.extend_from_slice(&rec.line.to_le_bytes());
    push_str(buf, host.as_bytes());
    push_str(buf, source_json.as_bytes());
    push_str(buf, format.unwrap_or("").as_bytes());
    for s in [raw_ts, level] {
        let at = buf.len();
        buf.extend_from_slice(&[0; 4]);
        push_lossy(buf, s.unwrap_or_default());
        let n = (buf.len() - at - 4) as u32;
        buf[at..at + 4].copy_from_slice(&n.to_le_bytes());
    }
    // The message: the record's lines joined by \n, a CR before a line break dropped (as
    // in the JSON output).
    let m = buf.len();
    buf.extend_from_slice(&[0; 4]);
    let mut rest = text;
    loop {
        let i = if rec.one_line { None } else { memchr::memchr(b'\n', rest) };
        let Some(i) = i else { break };
        let l = &rest[..i];
        push_lossy(buf, l.strip_suffix(b"\r").unwrap_or(l));
        buf.push(b'\n');
        rest = &rest[i + 1..];
    }
    push_lossy(buf, rest.strip_suffix(b"\r").unwrap_or(rest));
    let n = (buf.len() - m - 4) as u32;
    buf[m..m + 4].copy_from_slice(&n.to_le_bytes());
    let n = (buf.len() - at - 4) as u32;
    buf[at..at + 4].copy_from_slice(&n.to_le_bytes());
}

/// One decoded frame, borrowing from the bytes it was decoded from.
pub(super) struct Row<'a> {
    pub(super) flags: u8,
    pub(super) severity: Option<Severity>,
    /// Which piece of a long record this row holds (see `parquet::long`); `None`: all of it.
    pub(super) part: Option<u32>,
    pub(super) key: i64,
    pub(super) offset: i64,
    pub(super) line: u64,
    pub(super) host: &'a [u8],
    pub(super) source_json: &'a [u8],
    pub(super) format: &'a [u8],
    pub(super) raw_ts: &'a [u8],
    pub(super) level: &'a [u8],
    pub(super) msg: &'a [u8],
}

pub(super) fn decode(mut b: &[u8]) -> io::Result<Row<'_>> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "bad Parquet row frame");
    let mut fixed = |n: usize| -> io::Result<&[u8]> {
        let (a, rest) = b.split_at_checked(n).ok_or_else(bad)?;
        b = rest;
        Ok(a)
    };
    let flags = fixed(1)?[0];
    let severity = Severity::new(fixed(1)?[0]);
    let part = u32::from_le_bytes(fixed(4)?.try_into().unwrap_or_default());
    let part = (part != u32::MAX).then_some(part);
    let i64_at = |s: &[u8]| i64::from_le_bytes(s.try_into().unwrap_or_default());
    let key = i64_at(fixed(8)?);
    let offset = i64_at(fixed(8)?);
    let line = i64_at(fixed(8)?) as u64;
    let mut strs = [&b""[..]; 6];
    for s in &mut strs {
        let n = u32::from_le_bytes(fixed(4)?.try_into().unwrap_or_default()) as usize;
        *s = fixed(n)?;
    }
    let [host, source_json, format, raw_ts, level, msg] = strs;
    Ok(Row {
        flags,
        severity,
        part,
        key,
        offset,
        line,
        host,
        source_json,
        format,
        raw_ts,
        level,
        msg,
    })
}
