//! Writing records: text lines for people, JSON lines for machines (SPEC "JSONL output");
//! `ordered` is the engine that writes a run's records in order.

pub mod ecs;
// SIMD intrinsics are `unsafe` to call: the JSON escape scans sixteen bytes at a time with
// them (no safe crate does this scan; `memchr` finds given bytes, not byte classes).
#[allow(unsafe_code)]
mod escape;
pub mod long;
pub mod ordered;
pub mod otlp;
pub mod parquet;
pub mod rfc5424;
pub mod severity;
pub mod sink;
pub mod stamp;
pub mod view;

use std::io::Write;
use std::path::Path;

use crate::record::Record;
use severity::{Levels, Severity};
pub use stamp::Precision;

pub use escape::json_escape;
pub use ordered::{display_json, write_ordered, Job};

/// The buffer in front of the output: `write_ordered` hands it formatted chunks of about half
/// a megabyte, which a smaller buffer passes straight through to the file instead of copying.
pub const OUT_BUFFER: usize = 64 << 10;

/// Where output goes: a file, stdout or a socket (`Plain`), or a Parquet writer, which must
/// be finished.
pub trait Sink: Write + Send {
    /// Write what is buffered; for Parquet, the footers.
    fn finish(&mut self) -> std::io::Result<()> {
        self.flush()
    }
}

/// An output that is done when flushed.
pub struct Plain(pub Box<dyn Write + Send>);

impl Write for Plain {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.write(b)
    }
    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.0.write_all(b)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Sink for Plain {}
impl Sink for parquet::Sink {
    fn finish(&mut self) -> std::io::Result<()> {
        parquet::Sink::finish(self)
    }
}

/// The output: a file created (or truncated) at `path`, `tcp://HOST:PORT` or
/// `udp://HOST:PORT` (see `sink`), else stdout.
pub fn open(path: Option<&Path>) -> Result<Box<dyn Write + Send>, sink::SinkError> {
    sink::open(&sink::Target::parse(path))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Jsonl,
    /// Elastic Common Schema JSON lines (`ecs.rs`).
    Ecs,
    /// OTLP/JSON `ExportLogsServiceRequest` lines (`otlp.rs`).
    Otlp,
    /// RFC 5424 syslog messages (`rfc5424.rs`).
    Rfc5424,
    /// Parquet: records go to the writer as frames (`parquet::encode`), not text.
    Parquet,
}

/// How records are written: the format and what every writer of a run shares.
pub struct Style {
    pub format: OutputFormat,
    pub precision: Precision,
    /// Records below this severity, and those of no known severity, are not written.
    pub min_level: Option<Severity>,
    /// RFC 5424 framed by octet counting (RFC 6587), for a stream socket, instead of lines.
    pub framed: bool,
    /// The severity table bound to the run's formats.
    pub levels: Levels<'static>,
    /// When the run started (OTLP's `observedTimeUnixNano`).
    pub observed: crate::time::Nanos,
    /// Text for a terminal: aligned columns, colour (`view`); `None` for files and pipes.
    pub view: Option<view::View>,
}

impl Style {
    pub fn new(
        format: OutputFormat,
        precision: Precision,
        min_level: Option<Severity>,
        framed: bool,
        formats: &[String],
    ) -> Style {
        let observed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64);
        let levels = severity::table().for_formats(formats);
        Style { format, precision, min_level, framed, levels, observed, view: None }
    }

    /// A record's severity, from its level as written.
    pub fn severity(&self, rec: &Record, text: &[u8]) -> Option<Severity> {
        level_text(rec, text).and_then(|l| self.levels.get(rec.format, l))
    }

    /// Whether a record of `severity` is written (`--level`: at or above it; a record of
    /// unknown level is not).
    pub fn keeps(&self, severity: Option<Severity>) -> bool {
        self.min_level.is_none_or(|min| severity.is_some_and(|s| s >= min))
    }
}

/// The level text of a record, as written.
pub fn level_text<'t>(rec: &Record, text: &'t [u8]) -> Option<&'t [u8]> {
    let (a, b) = (rec.level.0 as usize, rec.level.1 as usize);
    (b > a && b <= text.len()).then(|| &text[a..b])
}

/// The raw timestamp text of a record.
pub fn raw_ts_text<'t>(rec: &Record, text: &'t [u8]) -> Option<&'t [u8]> {
    let (a, b) = (rec.raw_ts.0 as usize, rec.raw_ts.1 as usize);
    (b > a).then(|| &text[a.min(text.len())..b.min(text.len())])
}

/// What a writer needs to know about the source a record came from.
pub struct SourceView<'a> {
    pub data: &'a [u8],
    /// The path as found, already escaped as a JSON string body.
    pub display_json: &'a str,
}

/// Names a record refers to by index.
pub struct Names<'a> {
    pub hosts: &'a [String],
    pub formats: &'a [String],
}

/// What becomes of a line that is not valid UTF-8, for the warning about it: text output
/// writes its bytes as they are; JSON strings cannot hold them.
pub fn bad_utf8_fate(fmt: OutputFormat) -> &'static str {
    match fmt {
        OutputFormat::Text | OutputFormat::Rfc5424 => "kept byte for byte",
        OutputFormat::Jsonl | OutputFormat::Ecs | OutputFormat::Otlp => {
            "kept; shown as U+FFFD in the JSON output"
        }
        OutputFormat::Parquet => "kept; shown as U+FFFD in the Parquet output",
    }
}

/// Where the next line break of a record's text is (none in a record known to be one line).
pub fn next_break(rec: &Record, rest: &[u8]) -> Option<usize> {
    if rec.one_line {
        None
    } else {
        memchr::memchr(b'\n', rest)
    }
}

/// The record's lines as the inside of a JSON string: joined with `\n`, a CR before a line
/// break taken as part of the line ending (every JSON output writes the text so).
pub(crate) fn json_lines(buf: &mut Vec<u8>, rec: &Record, text: &[u8]) {
    let mut rest = text;
    while let Some(i) = next_break(rec, rest) {
        let l = &rest[..i];
        json_escape(buf, l.strip_suffix(b"\r").unwrap_or(l));
        buf.extend_from_slice(b"\\n");
        rest = &rest[i + 1..];
    }
    json_escape(buf, rest.strip_suffix(b"\r").unwrap_or(rest));
}

/// `key` (the JSON text up to the opening quote of the value), `value` escaped, the closing
/// quote.
pub(crate) fn json_field(buf: &mut Vec<u8>, key: &[u8], value: &[u8]) {
    buf.extend_from_slice(key);
    json_escape(buf, value);
    buf.push(b'"');
}

/// Append one record; `seq` is its position in the output order (merge: the merge's).
/// A record below `--level` is left out.
pub fn write_record(
    buf: &mut Vec<u8>,
    style: &Style,
    rec: &Record,
    src: &SourceView,
    names: &Names,
    seq: u64,
) {
    let text = &src.data[rec.start..rec.end.max(rec.start)];
    let host = names.hosts.get(rec.host as usize).map_or("-", |s| s.as_str());
    let severity = style.severity(rec, text);
    if !style.keeps(severity) {
        return;
    }
    let prec = style.precision;
    match style.format {
        OutputFormat::Parquet => {
            let format = names.formats.get(rec.format as usize).map(|s| s.as_str());
            parquet::encode(buf, rec, text, src.display_json, host, format, severity);
        }
        OutputFormat::Ecs => ecs::write(buf, rec, text, host, src, names, severity, seq),
        OutputFormat::Otlp => otlp::write(buf, style, rec, text, host, src, severity),
        OutputFormat::Rfc5424 => {
            let f = names.formats.get(rec.format as usize).map_or("", |s| s.as_str());
            rfc5424::write(buf, style, rec, text, host, f, src, severity)
        }
        OutputFormat::Text => {
            if let Some(v) = &style.view {
                v.write(buf, rec, text, host, severity, prec);
                return;
            }
            if rec.has_time() {
                stamp::write(buf, rec.key, prec);
            } else {
                buf.push(b'-');
            }
            buf.push(b' ');
            buf.extend_from_slice(host.as_bytes());
            buf.push(b' ');
            push_text_lines(buf, rec, text);
        }
        OutputFormat::Jsonl => {
            buf.extend_from_slice(b"{\"ts\":");
            if rec.has_time() {
                buf.push(b'"');
                stamp::write_and_ns(buf, rec.key, prec, b"\",\"ts_ns\":");
            } else {
                buf.extend_from_slice(b"null,\"ts_ns\":null");
            }
            buf.extend_from_slice(b",\"host\":\"");
            json_escape(buf, host.as_bytes());
            buf.extend_from_slice(b"\",\"source\":\"");
            buf.extend_from_slice(src.display_json.as_bytes());
            buf.extend_from_slice(b"\",\"line\":");
            push_u64(buf, rec.line);
            buf.extend_from_slice(b",\"format\":");
            match names.formats.get(rec.format as usize) {
                Some(f) => {
                    buf.push(b'"');
                    buf.extend_from_slice(f.as_bytes());
                    buf.push(b'"');
                }
                None => buf.extend_from_slice(b"null"),
            }
            buf.extend_from_slice(b",\"raw_ts\":");
            let (a, b) = (rec.raw_ts.0 as usize, rec.raw_ts.1 as usize);
            if b > a {
                buf.push(b'"');
                json_escape(buf, &text[a.min(text.len())..b.min(text.len())]);
                buf.push(b'"');
            } else {
                buf.extend_from_slice(b"null");
            }
            buf.extend_from_slice(b",\"offset\":");
            push_seconds(buf, rec.offset);
            if let Some(l) = level_text(rec, text) {
                json_field(buf, b",\"level\":\"", l);
            }
            if let Some(s) = severity {
                buf.extend_from_slice(b",\"severity\":\"");
                buf.extend_from_slice(s.name().as_bytes());
                buf.extend_from_slice(b"\",\"severity_number\":");
                push_u64(buf, u64::from(s.number()));
            }
            buf.extend_from_slice(b",\"msg\":\"");
            json_lines(buf, rec, text);
            buf.extend_from_slice(b"\"}\n");
        }
    }
}

/// A record's lines as text: continuation lines as they were, line ends normalized to \n.
/// Most records are one line: memchr finds that out at SIMD speed, and the text goes in one
/// copy.
#[inline]
pub fn push_text_lines(buf: &mut Vec<u8>, rec: &Record, text: &[u8]) {
    let mut rest = text;
    while let Some(i) = next_break(rec, rest) {
        let l = &rest[..i];
        buf.extend_from_slice(l.strip_suffix(b"\r").unwrap_or(l));
        buf.push(b'\n');
        rest = &rest[i + 1..];
    }
    buf.extend_from_slice(rest.strip_suffix(b"\r").unwrap_or(rest));
    buf.push(b'\n');
}

/// Follow mode's marks on the record `write_record` just appended: JSONL gains `"late":true`
/// (written after records of later time) and `"provisional":true` (corrected with its host's
/// newest offset sample held forward). Other formats have no place for them.
pub fn write_marks(buf: &mut Vec<u8>, fmt: OutputFormat, late: bool, provisional: bool) {
    if !(late || provisional) || fmt != OutputFormat::Jsonl || !buf.ends_with(b"}\n") {
        return;
    }
    buf.truncate(buf.len() - 2);
    if late {
        buf.extend_from_slice(b",\"late\":true");
    }
    if provisional {
        buf.extend_from_slice(b",\"provisional\":true");
    }
    buf.extend_from_slice(b"}\n");
}

/// How many decimal digits `n` has.
#[inline]
fn digit_count(n: u64) -> usize {
    const POW10: [u64; 20] = {
        let mut t = [1u64; 20];
        let mut i = 1;
        while i < 20 {
            t[i] = t[i - 1] * 10;
            i += 1;
        }
        t
    };
    // log10 from log2 (1233/4096 is about log10(2)), corrected by one compare.
    let guess = ((64 - (n | 1).leading_zeros() as usize) * 1233) >> 12;
    (guess + usize::from(guess < 20 && n >= POW10[guess])).max(1)
}

/// `n` (below 10^8) as eight ASCII digits, the first in the lowest byte: each step splits
/// every lane of the word in two at once (4+4 digits, then 2+2, then 1+1), dividing by
/// multiplying with a rounded-up reciprocal that is exact in this range (SWAR; no table, no
/// stores of single bytes).
#[inline(always)]
pub(crate) fn eight_digits(n: u32) -> u64 {
    let n = u64::from(n);
    // Two 32-bit lanes: the first four digits, the last four.
    let x = (n / 10_000) | ((n % 10_000) << 32);
    // v / 100 = v * 10486 >> 20 for v < 10^4; four 16-bit lanes of two digits.
    let hi = ((x * 10_486) >> 20) & 0x0000_007f_0000_007f;
    let y = hi | ((x - hi * 100) << 16);
    // w / 10 = w * 103 >> 10 for w < 100; eight byte lanes of one digit.
    let tens = ((y * 103) >> 10) & 0x000f_000f_000f_000f;
    let z = tens | ((y - tens * 10) << 8);
    z + 0x3030_3030_3030_3030
}

/// Append `n` in decimal. Eight digits at a time as one word (`eight_digits`), with no loop
/// and no copy of a run-time length (a `memcpy` call, several a record): a number under
/// 10^8 (a line, a sequence number) is one word with its leading zeros shifted out, written
/// whole and cut; a larger one (a `ts_ns`) is its high part so, then whole words.
#[inline]
pub fn push_u64(buf: &mut Vec<u8>, n: u64) {
    const E8: u64 = 100_000_000;
    if n < E8 {
        push_short(buf, n as u32);
        return;
    }
    let (q, r) = (n / E8, (n % E8) as u32);
    if q < E8 {
        push_short(buf, q as u32);
    } else {
        // u64::MAX / 10^16 is 1844: the rest is short.
        push_short(buf, (q / E8) as u32);
        buf.extend_from_slice(&eight_digits((q % E8) as u32).to_le_bytes());
    }
    buf.extend_from_slice(&eight_digits(r).to_le_bytes());
}

/// Append `n` (below 10^8) in decimal, without leading zeros.
#[inline(always)]
fn push_short(buf: &mut Vec<u8>, n: u32) {
    let len = digit_count(u64::from(n));
    // The first digit is in the lowest byte: shifting right drops the leading zeros.
    let word = eight_digits(n) >> (8 * (8 - len));
    let start = buf.len();
    buf.extend_from_slice(&word.to_le_bytes());
    buf.truncate(start + len);
}

/// Nanoseconds as decimal seconds, exactly (no float rounding): 2500000000 -> `2.5`.
pub fn push_seconds(buf: &mut Vec<u8>, ns: i64) {
    if ns < 0 {
        buf.push(b'-');
    }
    let a = ns.unsigned_abs();
    let secs = a / 1_000_000_000;
    if secs < 10 {
        // Nearly every correction is under ten seconds: one digit, no `push_u64`.
        buf.push(b'0' + secs as u8);
    } else {
        push_u64(buf, secs);
    }
    let frac = (a % 1_000_000_000) as u32;
    if frac != 0 {
        // The nine digits as a word of eight and a last one; the trailing zeros dropped by
        // counting the word's high bytes that are '0' (no loop over bytes).
        let (word, last) = (eight_digits(frac / 10), (frac % 10) as u8);
        let len = if last != 0 {
            9
        } else {
            // `frac / 10` is not zero here, so some byte of the word is not '0'.
            8 - ((word ^ 0x3030_3030_3030_3030).leading_zeros() / 8) as usize
        };
        // Made in registers and appended as two words, then cut: bytes put in an array and
        // copied out as wider words would stall (a store does not forward to a wider load),
        // and a copy of a run-time length is a `memcpy` call.
        let start = buf.len();
        buf.extend_from_slice(&(u64::from(b'.') | (word << 8)).to_le_bytes());
        buf.extend_from_slice(
            &(((word >> 56) as u16) | (u16::from(b'0' + last) << 8)).to_le_bytes(),
        );
        buf.truncate(start + 1 + len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_exact_decimals() {
        let f = |ns| {
            let mut b = vec![];
            push_seconds(&mut b, ns);
            String::from_utf8(b).unwrap()
        };
        assert_eq!(f(0), "0");
        assert_eq!(f(2_500_000_000), "2.5");
        assert_eq!(f(-1_234), "-0.000001234");
        assert_eq!(f(-3_000_000_000), "-3");
        assert_eq!(f(i64::MIN), "-9223372036.854775808");
        assert_eq!(f(i64::MAX), "9223372036.854775807");
        assert_eq!(f(1_000_000_000), "1");
        assert_eq!(f(10_000_000_001), "10.000000001");
    }

    proptest::proptest! {
        #[test]
        fn numbers_are_written_as_to_string_writes_them(n in proptest::num::u64::ANY, k in 0u32..64) {
            // Every magnitude, not only the large ones `ANY` mostly gives.
            let n = n >> k;
            let mut b = b"x".to_vec();
            push_u64(&mut b, n);
            proptest::prop_assert_eq!(String::from_utf8(b).unwrap(), format!("x{n}"));
        }

        #[test]
        fn seconds_are_written_as_the_decimal_of_the_nanoseconds(ns in proptest::num::i64::ANY) {
            let mut b = vec![];
            push_seconds(&mut b, ns);
            let a = i128::from(ns).abs();
            let frac = format!("{:09}", a % 1_000_000_000);
            let frac = frac.trim_end_matches('0');
            let sign = if ns < 0 { "-" } else { "" };
            let want = format!("{sign}{}{}{frac}", a / 1_000_000_000, if frac.is_empty() { "" } else { "." });
            proptest::prop_assert_eq!(String::from_utf8(b).unwrap(), want);
        }
    }

    #[test]
    fn eight_digits_are_exact_at_every_boundary() {
        let mut n = 0u32;
        while n < 100_000_000 {
            assert_eq!(eight_digits(n).to_le_bytes(), *format!("{n:08}").as_bytes(), "{n}");
            // Every value near a multiple of 100 or 10^4 (where the reciprocals could
            // be off), and a stride through the rest.
            n += if n % 100 >= 98 || n % 10_000 < 2 { 1 } else { 97 };
        }
    }

    #[test]
    fn numbers_are_written_as_itoa_writes_them() {
        let mut b = vec![];
        for n in (0..20)
            .flat_map(|p| {
                let t = 10u64.pow(p);
                [t - 1, t, t + 1, t.wrapping_mul(7) / 3]
            })
            .chain([0, 9, 10, 99, 100, u64::MAX, u64::MAX - 1])
        {
            b.clear();
            push_u64(&mut b, n);
            assert_eq!(String::from_utf8(b.clone()).unwrap(), n.to_string());
        }
    }
}
