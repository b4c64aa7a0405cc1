//! Parquet output (`--output-format parquet`): the records as typed columns, for engines
//! (Spark, Trino, Athena, DuckDB, ClickHouse) to read without settings.
//!
//! The ordered output engine formats records in parallel into byte buffers, and one writer
//! thread writes them out. For Parquet, formatting is `encode`: a record becomes a small
//! binary frame (the text already as valid UTF-8, its lines joined by `\n`); the writer is a
//! `Sink` that decodes frames into column buffers and writes a row group when they are full.
//! Frames may arrive split across writes (a `BufWriter` sits in front): the tail of a
//! partial frame is carried to the next write.
//!
//! `-o FILE` (or stdout): one file. `-o DIR` (an existing directory, or a path ending in
//! `/`): Hive partitions `dt=YYYY-MM-DD/hour=HH/part-NNNNN.parquet` by the record's merge
//! key, with at most `MAX_OPEN` files open and at most `DIR_BUDGET` bytes buffered across
//! them (the largest buffer is written as a row group past it).

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;

use crate::record::{Record, NO_TIME};

/// The columns, in order. `time` is the corrected time in microseconds (Spark 4 reads no
/// nanosecond timestamps), `ts_ns` the same in nanoseconds; both null for a record without a
/// time of its own. `key_ns` is what `deskew merge` ordered by (a record without a time
/// takes the time of the record before it in its source; null before a source's first
/// timed record). `seq` is the record's position in this run's output (0-based).
pub const SCHEMA: &str = "message deskew {
  OPTIONAL INT64 time (TIMESTAMP(MICROS,true));
  OPTIONAL INT64 ts_ns;
  OPTIONAL INT64 key_ns;
  REQUIRED INT64 seq;
  REQUIRED BYTE_ARRAY host (STRING);
  REQUIRED BYTE_ARRAY source (STRING);
  REQUIRED INT64 line;
  OPTIONAL BYTE_ARRAY format (STRING);
  OPTIONAL BYTE_ARRAY raw_ts (STRING);
  REQUIRED INT64 offset_ns;
  OPTIONAL BYTE_ARRAY level (STRING);
  REQUIRED BYTE_ARRAY msg (STRING);
}";

/// A row group is written at this many rows or bytes of text, whichever comes first:
/// large enough for scans (a few MiB per column after zstd), small enough to buffer.
const ROW_GROUP_ROWS: usize = 1 << 20;
const ROW_GROUP_BYTES: usize = 64 << 20;
/// `-o DIR`: the most partition files open at once, and the most bytes buffered over all.
const MAX_OPEN: usize = 16;
const DIR_BUDGET: usize = 128 << 20;
/// The partition of records with no time at all (Hive's name for a null partition value).
const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

const F_TIMED: u8 = 1;
const F_KEY: u8 = 2;
const F_FORMAT: u8 = 4;
const F_RAW_TS: u8 = 8;
const F_LEVEL: u8 = 16;

fn push_str(buf: &mut Vec<u8>, s: &[u8]) {
    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
    buf.extend_from_slice(s);
}

/// Append `s` as valid UTF-8 (invalid bytes become U+FFFD).
fn push_lossy(buf: &mut Vec<u8>, s: &[u8]) {
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
) {
    let at = buf.len();
    buf.extend_from_slice(&[0; 4]);
    let span = |s: (u32, u32)| {
        let (a, b) = (s.0 as usize, s.1 as usize);
        (b > a && b <= text.len()).then(|| &text[a..b])
    };
    let (raw_ts, level) = (span(rec.raw_ts), span(rec.level));
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
struct Row<'a> {
    flags: u8,
    key: i64,
    offset: i64,
    line: u64,
    host: &'a [u8],
    source_json: &'a [u8],
    format: &'a [u8],
    raw_ts: &'a [u8],
    level: &'a [u8],
    msg: &'a [u8],
}

fn decode(mut b: &[u8]) -> io::Result<Row<'_>> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "bad Parquet row frame");
    let mut fixed = |n: usize| -> io::Result<&[u8]> {
        let (a, rest) = b.split_at_checked(n).ok_or_else(bad)?;
        b = rest;
        Ok(a)
    };
    let flags = fixed(1)?[0];
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
    Ok(Row { flags, key, offset, line, host, source_json, format, raw_ts, level, msg })
}

/// One row group's worth of columns. Strings of few values (host, source, format) are
/// shared `ByteArray`s; the others go into one text buffer, cut into slices at the write.
#[derive(Default)]
struct Columns {
    rows: usize,
    time: Vec<i64>,
    ts: Vec<i64>,
    timed_def: Vec<i16>,
    key: Vec<i64>,
    key_def: Vec<i16>,
    seq: Vec<i64>,
    host: Vec<ByteArray>,
    source: Vec<ByteArray>,
    line: Vec<i64>,
    format: Vec<ByteArray>,
    format_def: Vec<i16>,
    offset: Vec<i64>,
    /// Text of raw_ts, level and msg; `ends` holds three ends per row.
    text: Vec<u8>,
    ends: Vec<usize>,
    raw_ts_def: Vec<i16>,
    level_def: Vec<i16>,
}

/// Host, source and format names, each turned into a `ByteArray` once.
#[derive(Default)]
struct Interned(HashMap<Vec<u8>, ByteArray>);

impl Interned {
    fn get(&mut self, s: &[u8], json: bool) -> ByteArray {
        if let Some(b) = self.0.get(s) {
            return b.clone();
        }
        let v = if json {
            let quoted = format!("\"{}\"", String::from_utf8_lossy(s));
            serde_json::from_str::<String>(&quoted).unwrap_or(quoted).into_bytes()
        } else {
            s.to_vec()
        };
        let b = ByteArray::from(v);
        self.0.insert(s.to_vec(), b.clone());
        b
    }
}

impl Columns {
    fn push(&mut self, r: &Row, seq: u64, names: &mut Interned) {
        self.rows += 1;
        if r.flags & F_TIMED != 0 {
            self.time.push(r.key.div_euclid(1000));
            self.ts.push(r.key);
            self.timed_def.push(1);
        } else {
            self.timed_def.push(0);
        }
        if r.flags & F_KEY != 0 {
            self.key.push(r.key);
            self.key_def.push(1);
        } else {
            self.key_def.push(0);
        }
        self.seq.push(seq as i64);
        self.host.push(names.get(r.host, false));
        self.source.push(names.get(r.source_json, true));
        self.line.push(r.line as i64);
        if r.flags & F_FORMAT != 0 {
            self.format.push(names.get(r.format, false));
            self.format_def.push(1);
        } else {
            self.format_def.push(0);
        }
        self.offset.push(r.offset);
        self.raw_ts_def.push((r.flags & F_RAW_TS != 0) as i16);
        self.level_def.push((r.flags & F_LEVEL != 0) as i16);
        for s in [r.raw_ts, r.level, r.msg] {
            self.text.extend_from_slice(s);
            self.ends.push(self.text.len());
        }
    }

    fn bytes(&self) -> usize {
        self.text.len() + self.rows * 64
    }

    fn full(&self) -> bool {
        self.rows >= ROW_GROUP_ROWS || self.bytes() >= ROW_GROUP_BYTES
    }

    /// Write the buffered rows as one row group, and empty the buffers.
    fn write<W: Write + Send>(&mut self, w: &mut SerializedFileWriter<W>) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let text = Bytes::from(std::mem::take(&mut self.text));
        let mut strs: [Vec<ByteArray>; 3] = Default::default();
        let mut start = 0;
        for (i, &end) in self.ends.iter().enumerate() {
            let k = i % 3;
            let def = match k {
                0 => self.raw_ts_def[i / 3],
                1 => self.level_def[i / 3],
                _ => 1,
            };
            if def == 1 {
                strs[k].push(ByteArray::from(text.slice(start..end)));
            }
            start = end;
        }
        let [raw_ts, level, msg] = strs;
        let mut rg = w.next_row_group().map_err(io::Error::other)?;
        let mut i = 0;
        while let Some(mut col) = rg.next_column().map_err(io::Error::other)? {
            let r = match i {
                0 => col.typed::<Int64Type>().write_batch(&self.time, Some(&self.timed_def), None),
                1 => col.typed::<Int64Type>().write_batch(&self.ts, Some(&self.timed_def), None),
                2 => col.typed::<Int64Type>().write_batch(&self.key, Some(&self.key_def), None),
                3 => col.typed::<Int64Type>().write_batch(&self.seq, None, None),
                4 => col.typed::<ByteArrayType>().write_batch(&self.host, None, None),
                5 => col.typed::<ByteArrayType>().write_batch(&self.source, None, None),
                6 => col.typed::<Int64Type>().write_batch(&self.line, None, None),
                7 => col.typed::<ByteArrayType>().write_batch(
                    &self.format,
                    Some(&self.format_def),
                    None,
                ),
                8 => {
                    col.typed::<ByteArrayType>().write_batch(&raw_ts, Some(&self.raw_ts_def), None)
                }
                9 => col.typed::<Int64Type>().write_batch(&self.offset, None, None),
                10 => col.typed::<ByteArrayType>().write_batch(&level, Some(&self.level_def), None),
                _ => col.typed::<ByteArrayType>().write_batch(&msg, None, None),
            };
            r.map_err(io::Error::other)?;
            col.close().map_err(io::Error::other)?;
            i += 1;
        }
        rg.close().map_err(io::Error::other)?;
        *self = Columns { text: Vec::with_capacity(text.len()), ..Default::default() };
        Ok(())
    }
}

fn properties() -> Arc<WriterProperties> {
    let mut p = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_created_by(format!("deskew {}", env!("CARGO_PKG_VERSION")));
    // Free text: a dictionary would only be built to be dropped, and min/max statistics of
    // messages help no query.
    for c in ["msg", "raw_ts"] {
        p = p.set_column_dictionary_enabled(ColumnPath::from(c), false);
    }
    p = p.set_column_statistics_enabled(ColumnPath::from("msg"), EnabledStatistics::None);
    Arc::new(p.build())
}

fn new_writer<W: Write + Send>(w: W) -> io::Result<SerializedFileWriter<W>> {
    let schema = Arc::new(parse_message_type(SCHEMA).map_err(io::Error::other)?);
    SerializedFileWriter::new(w, schema, properties()).map_err(io::Error::other)
}

/// A partition's open file and its buffered rows.
struct Part {
    dir: PathBuf,
    writer: Option<SerializedFileWriter<BufWriter<File>>>,
    cols: Columns,
    /// Files this partition has had (a partition closed to keep files bounded gets another).
    files: u32,
    used: u64,
}

impl Part {
    fn close(&mut self) -> io::Result<()> {
        if self.cols.rows > 0 {
            write_part(self)?;
        }
        if let Some(w) = self.writer.take() {
            w.close().map_err(io::Error::other)?;
        }
        Ok(())
    }
}

enum Target {
    One {
        writer: Option<SerializedFileWriter<Box<dyn Write + Send>>>,
        cols: Box<Columns>,
    },
    Dir {
        root: PathBuf,
        parts: HashMap<i64, Part>,
        tick: u64,
        /// The hour of the last record, and whether records come in time order (`merge`).
        hour: i64,
        ordered: bool,
        buffered: usize,
    },
}

/// The writer: decodes frames, buffers columns, writes row groups.
pub struct Sink {
    target: Target,
    carry: Vec<u8>,
    names: Interned,
    seq: u64,
}

/// Whether `-o PATH` means a directory of partitions: an existing directory, or a path
/// written with a trailing `/`.
pub fn is_dir_target(p: &Path) -> bool {
    p.is_dir() || p.as_os_str().as_encoded_bytes().ends_with(b"/")
}

impl Sink {
    /// One Parquet file written to `w` (a file or stdout).
    pub fn single(w: Box<dyn Write + Send>) -> io::Result<Sink> {
        let writer = Some(new_writer(w)?);
        Ok(Sink::new(Target::One { writer, cols: Box::default() }))
    }

    /// Hive partitions under `root`, which must be empty or absent: files are never
    /// overwritten, and a partition left from another run would be read as this one's.
    /// `ordered`: records come in time order (`merge`), so a partition is finished as soon
    /// as a later hour begins, and memory holds one partition's row group.
    pub fn dir(root: &Path, ordered: bool) -> io::Result<Sink> {
        std::fs::create_dir_all(root)?;
        if std::fs::read_dir(root)?.next().is_some() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{}: not empty; Parquet partitions go into an empty directory",
                    root.display()
                ),
            ));
        }
        Ok(Sink::new(Target::Dir {
            root: root.to_path_buf(),
            parts: HashMap::new(),
            tick: 0,
            hour: i64::MIN,
            ordered,
            buffered: 0,
        }))
    }

    fn new(target: Target) -> Sink {
        Sink { target, carry: Vec::new(), names: Interned::default(), seq: 0 }
    }

    fn row(&mut self, frame: &[u8]) -> io::Result<()> {
        let r = decode(frame)?;
        let seq = self.seq;
        self.seq += 1;
        match &mut self.target {
            Target::One { writer, cols } => {
                cols.push(&r, seq, &mut self.names);
                if cols.full() {
                    cols.write(writer.as_mut().expect("open until finish"))?;
                }
            }
            Target::Dir { root, parts, tick, hour, ordered, buffered } => {
                let h = if r.flags & F_KEY != 0 {
                    r.key.div_euclid(3_600_000_000_000)
                } else {
                    i64::MIN
                };
                *tick += 1;
                if *ordered && h > *hour {
                    let done: Vec<i64> = parts.keys().copied().filter(|&k| k < h).collect();
                    for k in done {
                        let mut p = parts.remove(&k).expect("present");
                        *buffered -= p.cols.bytes();
                        p.close()?;
                    }
                }
                if !parts.contains_key(&h) {
                    if parts.len() >= MAX_OPEN {
                        // The partition used longest ago is finished; it gets a new file
                        // if records for it come again.
                        let (&old, _) = parts.iter().min_by_key(|(_, p)| p.used).expect("full");
                        let mut p = parts.remove(&old).expect("present");
                        *buffered -= p.cols.bytes();
                        p.close()?;
                    }
                    parts.insert(
                        h,
                        Part {
                            dir: root.join(partition(h)),
                            writer: None,
                            cols: Columns::default(),
                            files: 0,
                            used: 0,
                        },
                    );
                }
                *hour = h;
                let p = parts.get_mut(&h).expect("inserted");
                p.used = *tick;
                let before = p.cols.bytes();
                p.cols.push(&r, seq, &mut self.names);
                *buffered += p.cols.bytes() - before;
                if p.cols.full() {
                    *buffered -= p.cols.bytes();
                    write_part(p)?;
                }
                if *buffered > DIR_BUDGET {
                    let p = parts.values_mut().max_by_key(|p| p.cols.bytes()).expect("some");
                    *buffered -= p.cols.bytes();
                    write_part(p)?;
                }
            }
        }
        Ok(())
    }

    /// Write what is buffered and close every file (the footer makes a Parquet file).
    pub fn finish(&mut self) -> io::Result<()> {
        if !self.carry.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a Parquet row frame was cut short",
            ));
        }
        match &mut self.target {
            Target::One { writer, cols } => {
                if let Some(mut w) = writer.take() {
                    cols.write(&mut w)?;
                    w.close().map_err(io::Error::other)?;
                }
            }
            Target::Dir { parts, .. } => {
                let mut all: Vec<_> = parts.drain().collect();
                all.sort_by_key(|(h, _)| *h);
                for (_, mut p) in all {
                    p.close()?;
                }
            }
        }
        Ok(())
    }
}

/// Write a partition's buffered rows as a row group of its file (opened on first use).
fn write_part(p: &mut Part) -> io::Result<()> {
    if p.writer.is_none() {
        std::fs::create_dir_all(&p.dir)?;
        let path = p.dir.join(format!("part-{:05}.parquet", p.files));
        let f = File::options().write(true).create_new(true).open(&path).map_err(|e| {
            io::Error::new(e.kind(), format!("{}: cannot create: {e}", path.display()))
        })?;
        p.files += 1;
        p.writer = Some(new_writer(BufWriter::with_capacity(1 << 20, f))?);
    }
    p.cols.write(p.writer.as_mut().expect("opened"))
}

/// `dt=YYYY-MM-DD/hour=HH` of an hour since the epoch (`i64::MIN`: no time).
fn partition(hour: i64) -> String {
    if hour == i64::MIN {
        return format!("dt={NULL_PARTITION}/hour={NULL_PARTITION}");
    }
    match chrono::DateTime::from_timestamp(hour * 3600, 0) {
        Some(t) => t.format("dt=%Y-%m-%d/hour=%H").to_string(),
        None => format!("dt={NULL_PARTITION}/hour={NULL_PARTITION}"),
    }
}

impl Write for Sink {
    fn write(&mut self, mut buf: &[u8]) -> io::Result<usize> {
        let n = buf.len();
        if !self.carry.is_empty() {
            // Complete the frame carried over, then go on from the new bytes.
            if self.carry.len() < 4 {
                let k = (4 - self.carry.len()).min(buf.len());
                self.carry.extend_from_slice(&buf[..k]);
                buf = &buf[k..];
                if self.carry.len() < 4 {
                    return Ok(n);
                }
            }
            let len = u32::from_le_bytes(self.carry[..4].try_into().expect("4")) as usize;
            let k = (4 + len - self.carry.len()).min(buf.len());
            self.carry.extend_from_slice(&buf[..k]);
            buf = &buf[k..];
            if self.carry.len() < 4 + len {
                return Ok(n);
            }
            let frame = std::mem::take(&mut self.carry);
            self.row(&frame[4..])?;
        }
        while buf.len() >= 4 {
            let len = u32::from_le_bytes(buf[..4].try_into().expect("4")) as usize;
            if buf.len() < 4 + len {
                break;
            }
            self.row(&buf[4..4 + len])?;
            buf = &buf[4 + len..];
        }
        self.carry.extend_from_slice(buf);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        // Rows are written by row group; `finish` writes the rest.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(key: i64, timed: bool, line: u64, text: &[u8]) -> Record {
        Record {
            key,
            offset: -2_500_000_000,
            start: 0,
            end: text.len(),
            line,
            raw_ts: (0, 3),
            level: (4, 8),
            host: 0,
            format: 0,
            one_line: false,
            timed,
        }
    }

    #[test]
    fn frames_decode_to_their_fields_whatever_the_write_sizes() {
        let mut buf = Vec::new();
        let text = b"abc WARN x\r\n\tat y\xff";
        encode(&mut buf, &rec(5_000_001_234, true, 7, text), text, "a\\\"b", "web01", Some("f"));
        encode(&mut buf, &rec(NO_TIME, false, 8, b"z"), b"z", "s", "h", None);
        let r = decode(&buf[4..]).unwrap();
        assert_eq!((r.key, r.line, r.offset), (5_000_001_234, 7, -2_500_000_000));
        assert_eq!(r.msg, "abc WARN x\n\tat y\u{fffd}".as_bytes());
        assert_eq!(
            (r.raw_ts, r.level, r.host, r.format),
            (&b"abc"[..], &b"WARN"[..], &b"web01"[..], &b"f"[..])
        );
        // Every way of cutting the stream into two writes gives the same rows.
        for cut in 0..buf.len() {
            let dir = tempfile::tempdir().unwrap();
            let mut s = Sink::dir(&dir.path().join("out"), false).unwrap();
            s.write_all(&buf[..cut]).unwrap();
            s.write_all(&buf[cut..]).unwrap();
            assert_eq!(s.seq, 2, "cut at {cut}");
            s.finish().unwrap();
        }
    }

    #[test]
    fn dir_output_is_partitioned_by_day_and_hour() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("out");
        let mut s = Sink::dir(&root, true).unwrap();
        let mut buf = Vec::new();
        // 2026-11-23T18:41:37Z, and a record before any time.
        encode(
            &mut buf,
            &rec(1_795_459_297_000_000_000, true, 1, b"abc WARN"),
            b"abc WARN",
            "s",
            "h",
            None,
        );
        encode(&mut buf, &rec(NO_TIME, false, 2, b"x"), b"x", "s", "h", None);
        s.write_all(&buf).unwrap();
        s.finish().unwrap();
        assert!(root.join("dt=2026-11-23/hour=18/part-00000.parquet").is_file());
        assert!(root
            .join(format!("dt={NULL_PARTITION}/hour={NULL_PARTITION}/part-00000.parquet"))
            .is_file());
        assert!(Sink::dir(&root, true).is_err(), "a directory with partitions is not written into");
    }

    #[test]
    fn schema_parses() {
        parse_message_type(SCHEMA).unwrap();
    }
}
