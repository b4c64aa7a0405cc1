//! Records too long to format whole (past [`LONG`] bytes of text: a log in a layout deskew does
//! not read, grouped under the one timed line before it; a gigabyte line of zeros) are written
//! in pieces: the record's head through the usual writer, then its text a block at a time, then
//! the end of the record. Memory then stays bounded by the block, whatever the record's length.
//!
//! Text and JSONL write a record's text last, before a fixed end (`\n`, `"}\n`), so a record
//! written in pieces is byte for byte the record written whole. ECS, OTLP, RFC 5424 and Parquet
//! put fields after the text (or its length before it): their records are formatted whole.

use super::{json_escape, write_record, Names, OutputFormat, SourceView, Style};
use crate::record::Record;

/// Bytes of text past which a record is written in pieces (see the module docs).
pub const LONG: usize = crate::record::LONG_TEXT;

/// Whether records of `fmt` can be written in pieces.
pub fn streams(fmt: OutputFormat) -> bool {
    matches!(fmt, OutputFormat::Text | OutputFormat::Jsonl)
}

/// What a format writes after a record's text.
fn suffix(fmt: OutputFormat) -> &'static [u8] {
    match fmt {
        OutputFormat::Jsonl => b"\"}\n",
        _ => b"\n",
    }
}

/// A record being written in pieces: [`LongWriter::begin`] with its first bytes,
/// [`LongWriter::feed`] with the rest in any pieces, [`LongWriter::end`].
pub struct LongWriter {
    json: bool,
    /// Bytes held back from the last piece: a CR (a line end if a `\n` follows) or the
    /// start of a UTF-8 sequence that the next piece completes.
    carry: Vec<u8>,
    fmt: OutputFormat,
}

impl LongWriter {
    /// Write the head of `rec` (time, host, fields, and `head`, the first bytes of its text)
    /// into `buf`, without the record's end. `None`: the record is not written (`--level`),
    /// nor are its other pieces. `rec`'s spans (`raw_ts`, `level`) are relative to `head`.
    pub fn begin(
        buf: &mut Vec<u8>,
        style: &Style,
        rec: &Record,
        head: &[u8],
        display_json: &str,
        names: &Names,
        seq: u64,
    ) -> Option<LongWriter> {
        let json = style.format == OutputFormat::Jsonl;
        let cut = head.len() - held_back(head, json);
        let r = Record { start: 0, end: cut, one_line: false, ..*rec };
        let view = SourceView { data: &head[..cut], display_json };
        let before = buf.len();
        write_record(buf, style, &r, &view, names, seq);
        let end = suffix(style.format);
        if buf.len() == before || !buf.ends_with(end) {
            buf.truncate(before);
            return None;
        }
        buf.truncate(buf.len() - end.len());
        Some(LongWriter { json, carry: head[cut..].to_vec(), fmt: style.format })
    }

    /// The next bytes of the record's text.
    pub fn feed(&mut self, buf: &mut Vec<u8>, piece: &[u8]) {
        if piece.is_empty() {
            return;
        }
        let joined;
        let all: &[u8] = if self.carry.is_empty() {
            piece
        } else {
            let mut j = std::mem::take(&mut self.carry);
            j.extend_from_slice(piece);
            joined = j;
            &joined
        };
        let cut = all.len() - held_back(all, self.json);
        self.write(buf, &all[..cut]);
        self.carry = all[cut..].to_vec();
    }

    /// The record's text is all given: write what is held back and the record's end.
    pub fn end(self, buf: &mut Vec<u8>) {
        let last = self.carry.strip_suffix(b"\r").unwrap_or(&self.carry);
        self.segment(buf, last);
        buf.extend_from_slice(suffix(self.fmt));
    }

    /// Text that ends neither in a CR nor inside a UTF-8 sequence: its line breaks as the
    /// writer puts them (a CR before a `\n` is part of the line end).
    fn write(&self, buf: &mut Vec<u8>, mut text: &[u8]) {
        while let Some(i) = memchr::memchr(b'\n', text) {
            let l = &text[..i];
            self.segment(buf, l.strip_suffix(b"\r").unwrap_or(l));
            buf.extend_from_slice(if self.json { b"\\n" } else { b"\n" });
            text = &text[i + 1..];
        }
        self.segment(buf, text);
    }

    fn segment(&self, buf: &mut Vec<u8>, s: &[u8]) {
        if self.json {
            json_escape(buf, s);
        } else {
            buf.extend_from_slice(s);
        }
    }
}

/// How many bytes at the end of `b` must wait for the next piece: a final CR, or (for JSON,
/// which escapes characters, not bytes) a UTF-8 sequence cut short.
fn held_back(b: &[u8], json: bool) -> usize {
    if b.last() == Some(&b'\r') {
        return 1;
    }
    if !json {
        return 0;
    }
    // The start of the last character: at most 3 continuation bytes back.
    for back in 1..=b.len().min(4) {
        let c = b[b.len() - back];
        if c & 0xC0 == 0x80 {
            continue;
        }
        let need = match c {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if need > back { back } else { 0 };
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Precision, Style};

    fn style(fmt: OutputFormat) -> Style {
        Style::new(fmt, Precision::Us, None, false, &["iso".to_string()])
    }

    fn rec(len: usize) -> Record {
        Record {
            key: 1_700_000_000_000_000_000,
            offset: 0,
            start: 0,
            end: len,
            line: 7,
            raw_ts: (0, 0),
            level: (0, 0),
            host: 0,
            format: 0,
            one_line: false,
            timed: true,
        }
    }

    /// Writing `text` in pieces cut at every `step` bytes gives what writing it whole gives.
    fn same_as_whole(fmt: OutputFormat, text: &[u8], head: usize, step: usize) {
        let st = style(fmt);
        let hosts = ["h".to_string()];
        let formats = ["iso".to_string()];
        let names = Names { hosts: &hosts, formats: &formats };
        let r = rec(text.len());
        let mut whole = Vec::new();
        write_record(&mut whole, &st, &r, &SourceView { data: text, display_json: "f" }, &names, 3);
        let mut pieces = Vec::new();
        let head = head.min(text.len());
        let mut w = LongWriter::begin(&mut pieces, &st, &r, &text[..head], "f", &names, 3).unwrap();
        for p in text[head..].chunks(step.max(1)) {
            w.feed(&mut pieces, p);
        }
        w.end(&mut pieces);
        assert_eq!(
            String::from_utf8_lossy(&pieces),
            String::from_utf8_lossy(&whole),
            "head {head} step {step}"
        );
    }

    #[test]
    fn a_record_in_pieces_is_the_record_written_whole() {
        let text = "2026-01-01T00:00:00Z h a\r\nü line two\r\n\r\nthree € 𝄞 \"q\"\\\t\r".as_bytes();
        for fmt in [OutputFormat::Text, OutputFormat::Jsonl] {
            for head in 0..text.len() {
                for step in [1, 2, 3, 5, 64] {
                    same_as_whole(fmt, text, head, step);
                }
            }
        }
    }

    #[test]
    fn held_back_keeps_crs_and_cut_characters() {
        assert_eq!(held_back(b"ab\r", false), 1);
        assert_eq!(held_back(b"ab", true), 0);
        assert_eq!(held_back("aü".as_bytes(), true), 0);
        assert_eq!(held_back(&"aü".as_bytes()[..2], true), 1);
        assert_eq!(held_back(&"a𝄞".as_bytes()[..4], true), 3);
        assert_eq!(held_back(&"a𝄞".as_bytes()[..4], false), 0);
    }
}
