//! Records too long to format whole (past [`LONG`] bytes of text: a log in a layout deskew does
//! not read, grouped under the one timed line before it; a gigabyte line of zeros) are written
//! in pieces: a [`Plan`] of the bytes around the text (made from the record's first [`LONG`]
//! bytes, where its stamp and level lie), and the text read from its file a block at a time,
//! once per place it goes. Memory then stays bounded by the block, whatever the record's
//! length, and the output is byte for byte the record formatted whole (tests below).
//!
//! Text, JSONL and OTLP write the text once; ECS twice (`message` and `event.original`: the
//! file is read twice); RFC 5424 once, and when framed by octet counting (`-o tcp://`) its
//! length goes first, so the text is read once more before, to count it. Parquet holds a
//! value whole in one page: such a record becomes several rows (`output::parquet::pieces`).

use std::io::{self, Write};

use super::{ecs, otlp, rfc5424};
use super::{json_escape, write_record, Names, OutputFormat, SourceView, Style};
use crate::record::Record;

/// Bytes of text past which a record is written in pieces (see the module docs).
pub const LONG: usize = crate::record::LONG_TEXT;

/// Whether records of `style` can be written in pieces as they come, in one pass over their
/// text ([`LongWriter`], for stdin): not ECS (the text twice), nor framed RFC 5424 (its
/// length first), nor Parquet.
pub fn streams_once(style: &Style) -> bool {
    match style.format {
        OutputFormat::Text | OutputFormat::Jsonl | OutputFormat::Otlp => true,
        OutputFormat::Rfc5424 => !style.framed,
        OutputFormat::Ecs | OutputFormat::Parquet => false,
    }
}

/// How a format writes a record's text: JSON-escaped or as it is, and what a line break
/// becomes (a CR before a line break, and at the end, is part of the line end and dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// As it is, line breaks as `\n` (text; framed RFC 5424).
    Raw,
    /// A JSON string's body, line breaks as `\n` escaped.
    Json,
    /// As it is, line breaks as `#012` (RFC 5424 in lines).
    Syslog,
}

impl Encoding {
    fn line_break(self) -> &'static [u8] {
        match self {
            Encoding::Raw => b"\n",
            Encoding::Json => b"\\n",
            Encoding::Syslog => b"#012",
        }
    }
}

/// A piece of a record written in pieces.
#[derive(Debug, PartialEq, Eq)]
pub enum Part {
    /// Bytes as they are.
    Bytes(Vec<u8>),
    /// The record's text from byte `from` on, encoded.
    Text { from: usize },
}

/// How a long record is written: its parts in order, the text's encoding, and whether the
/// whole goes after its length (RFC 6587 octet counting: `LEN SP MESSAGE`).
#[derive(Debug)]
pub struct Plan {
    pub parts: Vec<Part>,
    pub enc: Encoding,
    pub framed: bool,
}

/// What a format writes after a record's text (text and JSONL).
fn suffix(fmt: OutputFormat) -> &'static [u8] {
    match fmt {
        OutputFormat::Jsonl => b"\"}\n",
        _ => b"\n",
    }
}

/// The plan for `rec`, whose text begins with `head` (its first [`LONG`] bytes or more:
/// `rec`'s spans, `raw_ts` and `level`, are relative to it and lie in it). `None`: the
/// record is not written (`--level`), or it cannot be written in pieces (Parquet).
pub fn plan(
    style: &Style,
    rec: &Record,
    head: &[u8],
    display_json: &str,
    names: &Names,
    seq: u64,
) -> Option<Plan> {
    let fmt = style.format;
    if matches!(fmt, OutputFormat::Text | OutputFormat::Jsonl) {
        // The record written whole with the head as its text, less its end: what is written
        // before the text, and the head's encoded bytes (all but a CR or a cut character at
        // its end, which the rest of the text decides).
        let json = fmt == OutputFormat::Jsonl;
        let mut cut = head.len() - held_back(head, json);
        // A CR left at the end would be taken for the text's end and dropped: the text
        // from the first of a run of CRs goes with the rest.
        while cut > 0 && head[cut - 1] == b'\r' {
            cut -= 1;
        }
        let r = Record { start: 0, end: cut, one_line: false, ..*rec };
        let view = SourceView { data: &head[..cut], display_json };
        let mut b = Vec::new();
        write_record(&mut b, style, &r, &view, names, seq);
        let end = suffix(fmt);
        if !b.ends_with(end) {
            return None;
        }
        b.truncate(b.len() - end.len());
        let enc = if json { Encoding::Json } else { Encoding::Raw };
        let parts = vec![Part::Bytes(b), Part::Text { from: cut }, Part::Bytes(end.to_vec())];
        return Some(Plan { parts, enc, framed: false });
    }
    let host = names.hosts.get(rec.host as usize).map_or("-", |s| s.as_str());
    let severity = style.severity(rec, head);
    if !style.keeps(severity) {
        return None;
    }
    let src = SourceView { data: head, display_json };
    let text = Part::Text { from: 0 };
    let (parts, enc) = match fmt {
        OutputFormat::Ecs => {
            let (open, close) = ecs::around(rec, head, host, &src, names, severity, seq);
            let between = Part::Bytes(ecs::BETWEEN.to_vec());
            (
                vec![Part::Bytes(open), text, between, Part::Text { from: 0 }, Part::Bytes(close)],
                Encoding::Json,
            )
        }
        OutputFormat::Otlp => {
            let (open, close) = otlp::around(style, rec, head, host, &src, severity);
            (vec![Part::Bytes(open), text, Part::Bytes(close)], Encoding::Json)
        }
        OutputFormat::Rfc5424 => {
            let f = names.formats.get(rec.format as usize).map_or("", |s| s.as_str());
            let mut open = Vec::new();
            rfc5424::header(&mut open, style, rec, head, host, f, &src, severity);
            let close = if style.framed { Vec::new() } else { b"\n".to_vec() };
            let enc = if style.framed { Encoding::Raw } else { Encoding::Syslog };
            (vec![Part::Bytes(open), text, Part::Bytes(close)], enc)
        }
        _ => return None,
    };
    Some(Plan { parts, enc, framed: fmt == OutputFormat::Rfc5424 && style.framed })
}

/// Where a record written in pieces goes: `out`, or nowhere (counting its length), at most
/// `room` bytes of it (a framed record whose text changed between the passes keeps its
/// counted length).
struct Emit<'a> {
    out: Option<&'a mut dyn Write>,
    count: u64,
    room: u64,
}

impl Emit<'_> {
    fn emit(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        let n = (buf.len() as u64).min(self.room) as usize;
        if let Some(o) = &mut self.out {
            o.write_all(&buf[..n])?;
        }
        self.count += n as u64;
        self.room -= n as u64;
        buf.clear();
        Ok(())
    }
}

/// Write a record of `len` bytes of text by `plan`, its text read `step` bytes at a time:
/// `read(at, block)` fills `block` with the text from byte `at` (`block` is no longer than
/// what is left); false when the read fails, which ends the text there (the caller reports
/// it).
pub fn write_pieces(
    out: &mut dyn Write,
    plan: &Plan,
    len: usize,
    step: usize,
    read: &mut dyn FnMut(usize, &mut [u8]) -> bool,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(step + 4096);
    let mut block = Vec::new();
    let mut run = |e: &mut Emit| -> io::Result<()> {
        for p in &plan.parts {
            match p {
                Part::Bytes(b) => buf.extend_from_slice(b),
                Part::Text { from } => {
                    let mut w = TextWriter::new(plan.enc);
                    let mut at = *from;
                    while at < len {
                        block.resize(step.min(len - at), 0);
                        if !read(at, &mut block) {
                            break;
                        }
                        w.feed(&mut buf, &block);
                        at += block.len();
                        if buf.len() >= step {
                            e.emit(&mut buf)?;
                        }
                    }
                    w.end(&mut buf);
                }
            }
        }
        e.emit(&mut buf)
    };
    let mut room = u64::MAX;
    if plan.framed {
        let mut count = Emit { out: None, count: 0, room };
        run(&mut count)?;
        room = count.count;
        let mut head = Vec::new();
        super::push_u64(&mut head, room);
        head.push(b' ');
        out.write_all(&head)?;
    }
    let mut e = Emit { out: Some(out), count: 0, room };
    run(&mut e)?;
    if plan.framed && e.count < room {
        // The text came short on the second read (the file was cut): the frame keeps the
        // length it announced.
        let mut pad = Vec::new();
        while e.count < room {
            pad.resize((room - e.count).min(64 << 10) as usize, b' ');
            e.emit(&mut pad)?;
        }
    }
    Ok(())
}

/// A record being written in pieces as its text comes, in one pass (stdin; see
/// [`streams_once`]): [`LongWriter::begin`] with its first bytes, [`LongWriter::feed`] with
/// the rest in any pieces, [`LongWriter::end`].
pub struct LongWriter {
    text: TextWriter,
    /// What is written after the text.
    after: Vec<u8>,
}

impl LongWriter {
    /// Write what goes before the text of `rec` and `head`, the first bytes of its text, into
    /// `buf`. `None`: the record is not written (`--level`), nor are its other pieces; or its
    /// format cannot be written in one pass (see [`streams_once`]). `rec`'s spans (`raw_ts`,
    /// `level`) are relative to `head`.
    pub fn begin(
        buf: &mut Vec<u8>,
        style: &Style,
        rec: &Record,
        head: &[u8],
        display_json: &str,
        names: &Names,
        seq: u64,
    ) -> Option<LongWriter> {
        let plan = plan(style, rec, head, display_json, names, seq)?;
        let [Part::Bytes(before), Part::Text { from }, Part::Bytes(after)] = &plan.parts[..] else {
            return None;
        };
        if plan.framed {
            return None;
        }
        buf.extend_from_slice(before);
        let mut text = TextWriter::new(plan.enc);
        text.feed(buf, &head[*from..]);
        Some(LongWriter { text, after: after.clone() })
    }

    /// The next bytes of the record's text.
    pub fn feed(&mut self, buf: &mut Vec<u8>, piece: &[u8]) {
        self.text.feed(buf, piece);
    }

    /// The record's text is all given: write what is held back and the record's end.
    pub fn end(self, buf: &mut Vec<u8>) {
        self.text.end(buf);
        buf.extend_from_slice(&self.after);
    }
}

/// A record's text encoded as it comes, in any pieces.
struct TextWriter {
    enc: Encoding,
    /// Bytes held back from the last piece: a CR (a line end if a `\n` follows) or the
    /// start of a UTF-8 sequence that the next piece completes.
    carry: Vec<u8>,
}

impl TextWriter {
    fn new(enc: Encoding) -> TextWriter {
        TextWriter { enc, carry: Vec::new() }
    }

    fn feed(&mut self, buf: &mut Vec<u8>, piece: &[u8]) {
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
        let cut = all.len() - held_back(all, self.enc == Encoding::Json);
        self.write(buf, &all[..cut]);
        self.carry = all[cut..].to_vec();
    }

    /// The text is all given: write what is held back (a final CR is dropped).
    fn end(self, buf: &mut Vec<u8>) {
        let last = self.carry.strip_suffix(b"\r").unwrap_or(&self.carry);
        self.segment(buf, last);
    }

    /// Text that ends neither in a CR nor inside a UTF-8 sequence: its line breaks as the
    /// format puts them (a CR before a `\n` is part of the line end).
    fn write(&self, buf: &mut Vec<u8>, mut text: &[u8]) {
        while let Some(i) = memchr::memchr(b'\n', text) {
            let l = &text[..i];
            self.segment(buf, l.strip_suffix(b"\r").unwrap_or(l));
            buf.extend_from_slice(self.enc.line_break());
            text = &text[i + 1..];
        }
        self.segment(buf, text);
    }

    fn segment(&self, buf: &mut Vec<u8>, s: &[u8]) {
        if self.enc == Encoding::Json {
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
    use proptest::prelude::*;

    /// The first line of the texts below: stamp 0..20, syslog tag, level 33..37.
    const FIRST: &str = "2026-01-01T00:00:00Z h sshd[42]: INFO hello";

    fn formats() -> [String; 2] {
        ["iso".to_string(), "rfc3164".to_string()]
    }

    fn styles() -> Vec<Style> {
        let f = |fmt, framed| Style::new(fmt, Precision::Us, None, framed, &formats());
        use OutputFormat::*;
        vec![
            f(Text, false),
            f(Jsonl, false),
            f(Ecs, false),
            f(Otlp, false),
            f(Rfc5424, false),
            f(Rfc5424, true),
        ]
    }

    fn rec(len: usize, format: u16) -> Record {
        Record {
            key: 1_700_000_000_000_000_000,
            offset: 2_500_000_000,
            start: 0,
            end: len,
            line: 7,
            raw_ts: (0, 20),
            level: (33, 37),
            host: 0,
            format,
            one_line: false,
            timed: true,
        }
    }

    /// Writing `text` in pieces (its plan made from its first `head` bytes, read `step` bytes
    /// at a time; and, for formats written in one pass, fed `step` bytes at a time) gives
    /// what writing it whole gives.
    fn same_as_whole(st: &Style, text: &[u8], format: u16, head: usize, step: usize) {
        let hosts = ["h".to_string()];
        let formats = formats();
        let names = Names { hosts: &hosts, formats: &formats };
        let r = rec(text.len(), format);
        let view = SourceView { data: text, display_json: "f\\\"" };
        let mut whole = Vec::new();
        write_record(&mut whole, st, &r, &view, &names, 3);
        let head = head.min(text.len());
        let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let what = format!("{:?} framed {} head {head} step {step}", st.format, st.framed);
        let mut pieces = Vec::new();
        if let Some(p) = plan(st, &r, &text[..head], "f\\\"", &names, 3) {
            let mut read = |at: usize, b: &mut [u8]| {
                b.copy_from_slice(&text[at..at + b.len()]);
                true
            };
            write_pieces(&mut pieces, &p, text.len(), step.max(1), &mut read).unwrap();
        }
        assert_eq!(show(&pieces), show(&whole), "{what}");
        if !streams_once(st) {
            return;
        }
        let mut once = Vec::new();
        if let Some(mut w) = LongWriter::begin(&mut once, st, &r, &text[..head], "f\\\"", &names, 3)
        {
            for p in text[head..].chunks(step.max(1)) {
                w.feed(&mut once, p);
            }
            w.end(&mut once);
        }
        assert_eq!(show(&once), show(&whole), "one pass: {what}");
    }

    #[test]
    fn a_record_in_pieces_is_the_record_written_whole() {
        let text = format!("{FIRST}\r\nü line two\r\n\r\nthree € 𝄞 \"q\"\\\t\r");
        let text = text.as_bytes();
        for st in styles() {
            for format in [0, 1] {
                // The plan needs the stamp, the level and (for the syslog tag) the first line.
                let min = if format == 0 { 37 } else { FIRST.len() };
                for head in min..text.len() {
                    for step in [1, 2, 3, 5, 64] {
                        same_as_whole(&st, text, format, head, step);
                    }
                }
            }
        }
    }

    #[test]
    fn a_record_below_the_level_is_not_written_in_pieces_either() {
        let warn = crate::output::severity::Severity::new(13);
        for fmt in [OutputFormat::Text, OutputFormat::Ecs, OutputFormat::Otlp] {
            let st = Style::new(fmt, Precision::Us, warn, false, &formats());
            same_as_whole(&st, format!("{FIRST}\nmore").as_bytes(), 1, 40, 3);
        }
    }

    #[test]
    fn a_framed_record_cut_between_its_passes_keeps_its_announced_length() {
        let st = Style::new(OutputFormat::Rfc5424, Precision::Us, None, true, &[]);
        let text = format!("{FIRST}\n{}", "x".repeat(100));
        let hosts = ["h".to_string()];
        let names = Names { hosts: &hosts, formats: &[] };
        let r = rec(text.len(), 0);
        let p = plan(&st, &r, text.as_bytes(), "f", &names, 0).unwrap();
        let mut reads = 0;
        let mut read = |at: usize, b: &mut [u8]| {
            reads += 1;
            b.copy_from_slice(&text.as_bytes()[at..at + b.len()]);
            reads < 5 || at < 30
        };
        let mut out = Vec::new();
        write_pieces(&mut out, &p, text.len(), 16, &mut read).unwrap();
        let sp = out.iter().position(|&c| c == b' ').unwrap();
        let len: usize = std::str::from_utf8(&out[..sp]).unwrap().parse().unwrap();
        assert_eq!(out.len() - sp - 1, len, "{}", String::from_utf8_lossy(&out));
    }

    proptest! {
        #[test]
        fn random_texts_in_random_pieces_are_the_text_written_whole(
            tail in prop::collection::vec(prop::sample::select(vec![
                &b"a"[..], b"\r", b"\n", b"\r\n", "ü".as_bytes(), "𝄞".as_bytes(), b"\"", b"\\",
                b"\t", b"\x01", b"\xff", b"\xe2\x82", b" ",
            ]), 0..120),
            head in 0usize..200,
            step in 1usize..40,
            format in 0u16..2,
            which in 0usize..6,
        ) {
            let mut text = FIRST.as_bytes().to_vec();
            text.extend(tail.concat());
            let line_end = memchr::memchr(b'\n', &text).unwrap_or(text.len());
            let min = if format == 0 { 37 } else { line_end };
            let head = min + head % (text.len() - min + 1);
            same_as_whole(&styles()[which], &text, format, head, step);
        }
    }

    #[test]
    fn a_run_of_crs_at_the_end_of_the_head_keeps_all_but_the_line_end() {
        let text = format!("{FIRST}\r\r\nnext \r\r\r\u{e9}\r\n");
        for head in FIRST.len()..text.len() {
            for (i, st) in styles().iter().enumerate() {
                for step in [1, 2, 5] {
                    same_as_whole(st, text.as_bytes(), (i % 2) as u16, head, step);
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
