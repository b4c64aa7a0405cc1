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

mod columns;
mod frame;
mod pieces;

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use parquet::file::writer::SerializedFileWriter;

pub use self::columns::SCHEMA;
use self::columns::{new_writer, Columns, Interned};
pub use self::frame::encode;
use self::frame::{decode, F_KEY};
pub use self::pieces::{write_pieces, About};

/// `-o DIR`: the most partition files open at once, and the most bytes buffered over all.
const MAX_OPEN: usize = 16;
const DIR_BUDGET: usize = 128 << 20;
/// The partition of records with no time at all (Hive's name for a null partition value).
const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

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
        // The pieces of a long record after its first are the same record.
        if !matches!(r.part, Some(p) if p > 0) {
            self.seq += 1;
        }
        let seq = self.seq.saturating_sub(1);
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
    use crate::output::severity::Severity;
    use crate::record::{Record, NO_TIME};
    use parquet::schema::parser::parse_message_type;

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
        let warn = Severity::new(13);
        encode(
            &mut buf,
            &rec(5_000_001_234, true, 7, text),
            text,
            "a\\\"b",
            "web01",
            Some("f"),
            warn,
        );
        encode(&mut buf, &rec(NO_TIME, false, 8, b"z"), b"z", "s", "h", None, None);
        let r = decode(&buf[4..]).unwrap();
        assert_eq!((r.key, r.line, r.offset), (5_000_001_234, 7, -2_500_000_000));
        assert_eq!(r.severity.map(|s| (s.name(), s.number())), Some(("warn", 13)));
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
            Severity::new(13),
        );
        encode(&mut buf, &rec(NO_TIME, false, 2, b"x"), b"x", "s", "h", None, None);
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
