//! OpenTelemetry logs as OTLP/JSON: one `ExportLogsServiceRequest` a line, the form the
//! Collector's `file` exporter writes and its `otlpjsonfile` receiver reads.
//!
//! Each line holds one record, under a resource whose `host.name` is the record's host:
//! lines stay in output order and are written as records arrive (streaming `normalize`
//! too), at the cost of repeating the resource per record. Per the OTLP/JSON encoding,
//! 64-bit integers are decimal strings and enums are numbers.
//!
//! A record: `timeUnixNano` (corrected; absent for a line without a timestamp),
//! `observedTimeUnixNano` (when the run started), `severityNumber` (OpenTelemetry's, absent
//! when the level is unknown), `severityText` (the level as written), `body` (the record's
//! text), attributes `log.file.path`, `deskew.line`, `deskew.raw_ts`,
//! `deskew.offset` (seconds of correction applied).

use super::severity::Severity;
use super::{json_escape, json_field, json_lines, level_text, push_seconds, push_u64, raw_ts_text};
use super::{SourceView, Style};
use crate::record::Record;

fn push_i64(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    push_u64(buf, v.unsigned_abs());
}

fn string_attr(buf: &mut Vec<u8>, key: &str, escaped_value: impl FnOnce(&mut Vec<u8>)) {
    buf.extend_from_slice(b"{\"key\":\"");
    buf.extend_from_slice(key.as_bytes());
    buf.extend_from_slice(b"\",\"value\":{\"stringValue\":\"");
    escaped_value(buf);
    buf.extend_from_slice(b"\"}}");
}

pub fn write(
    buf: &mut Vec<u8>,
    style: &Style,
    rec: &Record,
    text: &[u8],
    host: &str,
    src: &SourceView,
    severity: Option<Severity>,
) {
    open(buf, style, rec, text, host, severity);
    json_lines(buf, rec, text);
    close(buf, rec, text, src);
}

/// What goes before and after the text, for a record written in pieces (`output::long`);
/// `text` is its first bytes (its stamp and level lie there).
pub fn around(
    style: &Style,
    rec: &Record,
    text: &[u8],
    host: &str,
    src: &SourceView,
    severity: Option<Severity>,
) -> (Vec<u8>, Vec<u8>) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    open(&mut a, style, rec, text, host, severity);
    close(&mut b, rec, text, src);
    (a, b)
}

/// Up to the body's text.
fn open(
    buf: &mut Vec<u8>,
    style: &Style,
    rec: &Record,
    text: &[u8],
    host: &str,
    severity: Option<Severity>,
) {
    buf.extend_from_slice(b"{\"resourceLogs\":[{\"resource\":{\"attributes\":[");
    string_attr(buf, "host.name", |b| json_escape(b, host.as_bytes()));
    buf.extend_from_slice(b"]},\"scopeLogs\":[{\"scope\":{\"name\":\"deskew\",\"version\":\"");
    buf.extend_from_slice(env!("CARGO_PKG_VERSION").as_bytes());
    buf.extend_from_slice(b"\"},\"logRecords\":[{");
    if rec.has_time() {
        buf.extend_from_slice(b"\"timeUnixNano\":\"");
        push_i64(buf, rec.key);
        buf.extend_from_slice(b"\",");
    }
    buf.extend_from_slice(b"\"observedTimeUnixNano\":\"");
    push_i64(buf, style.observed);
    buf.push(b'"');
    if let Some(s) = severity {
        buf.extend_from_slice(b",\"severityNumber\":");
        push_u64(buf, u64::from(s.number()));
    }
    if let Some(l) = level_text(rec, text) {
        json_field(buf, b",\"severityText\":\"", l);
    }
    buf.extend_from_slice(b",\"body\":{\"stringValue\":\"");
}

/// From the end of the body's text.
fn close(buf: &mut Vec<u8>, rec: &Record, text: &[u8], src: &SourceView) {
    buf.extend_from_slice(b"\"},\"attributes\":[");
    string_attr(buf, "log.file.path", |b| b.extend_from_slice(src.display_json.as_bytes()));
    buf.extend_from_slice(b",{\"key\":\"deskew.line\",\"value\":{\"intValue\":\"");
    push_u64(buf, rec.line);
    buf.extend_from_slice(b"\"}}");
    if let Some(r) = raw_ts_text(rec, text) {
        buf.push(b',');
        string_attr(buf, "deskew.raw_ts", |b| json_escape(b, r));
    }
    buf.extend_from_slice(b",{\"key\":\"deskew.offset\",\"value\":{\"doubleValue\":");
    push_seconds(buf, rec.offset);
    buf.extend_from_slice(b"}}]}]}]}]}\n");
}
