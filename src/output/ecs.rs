//! Elastic Common Schema JSON lines, one a record, that Elasticsearch, OpenSearch, Filebeat
//! and Vector take as they are (`contrib/elasticsearch/` holds the index template):
//!
//! - `@timestamp`: the corrected time with all nine fraction digits (for `date_nanos`);
//! - `message` and `event.original`: the record's text (continuation lines joined with `\n`);
//! - `host.name`, `log.level` (as written), `log.file.path`;
//! - `event.sequence`: the record's position in the output (merge order, from 0);
//! - `deskew.*`: what ECS has no field for: `raw_ts` (the stamp as written), `offset` (seconds
//!   of correction applied), `line` (the record's first line in its file: ECS's `log.offset`
//!   is a byte offset, which deskew does not keep), `format`, `severity`,
//!   `severity_number` (OpenTelemetry's), and `untimed` for a line without a timestamp
//!   (it carries the time of the record before it).

use super::severity::Severity;
use super::{json_escape, json_field, json_lines, level_text, push_seconds, push_u64, raw_ts_text};
use super::{stamp, Names, Precision, SourceView};
use crate::record::{Record, NO_TIME};

/// The ECS version the fields follow.
pub const ECS_VERSION: &str = "8.11.0";

/// What goes between `message`'s text and `event.original`'s.
pub const BETWEEN: &[u8] = b"\",\"event\":{\"original\":\"";

#[allow(clippy::too_many_arguments)]
pub fn write(
    buf: &mut Vec<u8>,
    rec: &Record,
    text: &[u8],
    host: &str,
    src: &SourceView,
    names: &Names,
    severity: Option<Severity>,
    seq: u64,
) {
    open(buf, rec);
    let start = buf.len();
    json_lines(buf, rec, text);
    let end = buf.len();
    buf.extend_from_slice(BETWEEN);
    // The same escaped text again: copied, not escaped twice.
    buf.extend_from_within(start..end);
    close(buf, rec, text, host, src, names, severity, seq);
}

/// What goes before the text and after its second copy, for a record written in pieces
/// (`output::long`); `text` is its first bytes (its stamp and level lie there).
#[allow(clippy::too_many_arguments)]
pub fn around(
    rec: &Record,
    text: &[u8],
    host: &str,
    src: &SourceView,
    names: &Names,
    severity: Option<Severity>,
    seq: u64,
) -> (Vec<u8>, Vec<u8>) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    open(&mut a, rec);
    close(&mut b, rec, text, host, src, names, severity, seq);
    (a, b)
}

/// Up to `message`'s text.
fn open(buf: &mut Vec<u8>, rec: &Record) {
    buf.push(b'{');
    if rec.key != NO_TIME {
        buf.extend_from_slice(b"\"@timestamp\":\"");
        stamp::write(buf, rec.key, Precision::Ns);
        buf.extend_from_slice(b"\",");
    }
    buf.extend_from_slice(b"\"message\":\"");
}

/// From the end of `event.original`'s text.
#[allow(clippy::too_many_arguments)]
fn close(
    buf: &mut Vec<u8>,
    rec: &Record,
    text: &[u8],
    host: &str,
    src: &SourceView,
    names: &Names,
    severity: Option<Severity>,
    seq: u64,
) {
    buf.extend_from_slice(b"\",\"sequence\":");
    push_u64(buf, seq);
    buf.extend_from_slice(b"},\"host\":{\"name\":\"");
    json_escape(buf, host.as_bytes());
    buf.extend_from_slice(b"\"},\"log\":{");
    if let Some(l) = level_text(rec, text) {
        buf.extend_from_slice(b"\"level\":\"");
        json_escape(buf, l);
        buf.extend_from_slice(b"\",");
    }
    buf.extend_from_slice(b"\"file\":{\"path\":\"");
    buf.extend_from_slice(src.display_json.as_bytes());
    buf.extend_from_slice(b"\"}},\"deskew\":{\"line\":");
    push_u64(buf, rec.line);
    if let Some(f) = names.formats.get(rec.format as usize) {
        json_field(buf, b",\"format\":\"", f.as_bytes());
    }
    if let Some(r) = raw_ts_text(rec, text) {
        json_field(buf, b",\"raw_ts\":\"", r);
    }
    buf.extend_from_slice(b",\"offset\":");
    push_seconds(buf, rec.offset);
    if let Some(s) = severity {
        buf.extend_from_slice(b",\"severity\":\"");
        buf.extend_from_slice(s.name().as_bytes());
        buf.extend_from_slice(b"\",\"severity_number\":");
        push_u64(buf, u64::from(s.number()));
    }
    if !rec.has_time() {
        buf.extend_from_slice(b",\"untimed\":true");
    }
    buf.extend_from_slice(b"},\"ecs\":{\"version\":\"");
    buf.extend_from_slice(ECS_VERSION.as_bytes());
    buf.extend_from_slice(b"\"}}\n");
}
