//! The Parquet schema and one row group's worth of column buffers.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use bytes::Bytes;
use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;

use super::frame::{Row, F_FORMAT, F_KEY, F_LEVEL, F_RAW_TS, F_TIMED};

/// The columns, in order. `time` is the corrected time in microseconds (Spark 4 reads no
/// nanosecond timestamps), `ts_ns` the same in nanoseconds; both null for a record without a
/// time of its own. `key_ns` is what `deskew merge` ordered by (a record without a time
/// takes the time of the record before it in its source; null before a source's first
/// timed record). `seq` is the record's position in this run's output (0-based).
/// `severity` and `severity_number` are the level in OpenTelemetry's vocabulary (as in JSONL),
/// null when the level is unknown. `part` is null for a record held in one row; a record
/// of more than 1 MiB of text is written as rows of at most 1 MiB of it each (a Parquet value
/// lives whole in its page, and memory is bounded), `part` 0, 1, ... in order, every other
/// column the same: `string_agg(msg, '' ORDER BY part) ... GROUP BY seq` joins them.
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
  OPTIONAL BYTE_ARRAY severity (STRING);
  OPTIONAL INT32 severity_number;
  REQUIRED BYTE_ARRAY msg (STRING);
  OPTIONAL INT32 part;
}";

/// A row group is written at this many rows or bytes of text, whichever comes first:
/// large enough for scans (a few MiB per column after zstd), small enough to buffer.
pub(super) const ROW_GROUP_ROWS: usize = 1 << 20;
pub(super) const ROW_GROUP_BYTES: usize = 64 << 20;

/// One row group's worth of columns. Strings of few values (host, source, format) are
/// shared `ByteArray`s; the others go into one text buffer, cut into slices at the write.
#[derive(Default)]
pub(super) struct Columns {
    pub(super) rows: usize,
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
    severity: Vec<ByteArray>,
    severity_number: Vec<i32>,
    severity_def: Vec<i16>,
    part: Vec<i32>,
    part_def: Vec<i16>,
}

/// Host, source and format names, each turned into a `ByteArray` once.
#[derive(Default)]
pub(super) struct Interned(HashMap<Vec<u8>, ByteArray>);

impl Interned {
    pub(super) fn get(&mut self, s: &[u8], json: bool) -> ByteArray {
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
    pub(super) fn push(&mut self, r: &Row, seq: u64, names: &mut Interned) {
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
        if let Some(sev) = r.severity {
            self.severity.push(names.get(sev.name().as_bytes(), false));
            self.severity_number.push(i32::from(sev.number()));
            self.severity_def.push(1);
        } else {
            self.severity_def.push(0);
        }
        if let Some(p) = r.part {
            self.part.push(p as i32);
            self.part_def.push(1);
        } else {
            self.part_def.push(0);
        }
        for s in [r.raw_ts, r.level, r.msg] {
            self.text.extend_from_slice(s);
            self.ends.push(self.text.len());
        }
    }

    pub(super) fn bytes(&self) -> usize {
        self.text.len() + self.rows * 64
    }

    pub(super) fn full(&self) -> bool {
        self.rows >= ROW_GROUP_ROWS || self.bytes() >= ROW_GROUP_BYTES
    }

    /// Write the buffered rows as one row group, and empty the buffers.
    pub(super) fn write<W: Write + Send>(
        &mut self,
        w: &mut SerializedFileWriter<W>,
    ) -> io::Result<()> {
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
                11 => col.typed::<ByteArrayType>().write_batch(
                    &self.severity,
                    Some(&self.severity_def),
                    None,
                ),
                12 => col.typed::<Int32Type>().write_batch(
                    &self.severity_number,
                    Some(&self.severity_def),
                    None,
                ),
                13 => col.typed::<ByteArrayType>().write_batch(&msg, None, None),
                _ => col.typed::<Int32Type>().write_batch(&self.part, Some(&self.part_def), None),
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

pub(super) fn properties() -> Arc<WriterProperties> {
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

pub(super) fn new_writer<W: Write + Send>(w: W) -> io::Result<SerializedFileWriter<W>> {
    let schema = Arc::new(parse_message_type(SCHEMA).map_err(io::Error::other)?);
    SerializedFileWriter::new(w, schema, properties()).map_err(io::Error::other)
}
