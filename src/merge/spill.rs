//! Records spilled to a temporary file, so that the records of an input larger than the
//! memory budget need not all be held at once. A record is written as fixed-size
//! little-endian fields (its text stays in the source; only offsets are stored) and read back
//! in blocks of `BLOCK` records.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use crate::record::Record;

/// Bytes of one spilled record.
pub const SIZE: usize = 63;
/// Records read back at a time by a cursor.
pub const BLOCK: usize = 2048;

/// An unnamed temporary file that records are appended to (by one writer) and read back from
/// at any offset (by any number of readers).
#[derive(Debug)]
pub struct SpillFile {
    file: File,
    len: u64,
}

/// Where a spilled block of records lies in its file.
#[derive(Clone, Copy, Debug)]
pub struct Extent {
    pub offset: u64,
    pub count: usize,
}

impl SpillFile {
    /// A new file in the system's temporary directory (`TMPDIR`), already unlinked: it goes
    /// away with the process, however that ends.
    pub fn new() -> io::Result<SpillFile> {
        Ok(SpillFile { file: tempfile::tempfile()?, len: 0 })
    }

    /// Append `records`; returns where they lie.
    pub fn append(&mut self, records: &[Record]) -> io::Result<Extent> {
        let mut buf = Vec::with_capacity(records.len().min(BLOCK * 8) * SIZE);
        let offset = self.len;
        for chunk in records.chunks(BLOCK * 8) {
            buf.clear();
            for r in chunk {
                encode(&mut buf, r);
            }
            self.file.write_all_at(&buf, self.len)?;
            self.len += buf.len() as u64;
        }
        Ok(Extent { offset, count: records.len() })
    }

    /// Read records `first..first + n` of `extent` (fewer at its end) into `out` (cleared first).
    pub fn read(
        &self,
        extent: Extent,
        first: usize,
        n: usize,
        out: &mut Vec<Record>,
    ) -> io::Result<()> {
        out.clear();
        let n = n.min(extent.count.saturating_sub(first));
        let mut buf = vec![0u8; n * SIZE];
        self.file.read_exact_at(&mut buf, extent.offset + (first * SIZE) as u64)?;
        out.extend(buf.chunks_exact(SIZE).map(decode));
        Ok(())
    }
}

fn encode(buf: &mut Vec<u8>, r: &Record) {
    for v in [r.key, r.offset] {
        buf.extend_from_slice(&v.to_le_bytes());
    }
    for v in [r.start as u64, r.end as u64, r.line] {
        buf.extend_from_slice(&v.to_le_bytes());
    }
    for v in [r.raw_ts.0, r.raw_ts.1, r.level.0, r.level.1, r.host] {
        buf.extend_from_slice(&v.to_le_bytes());
    }
    buf.extend_from_slice(&r.format.to_le_bytes());
    buf.push(u8::from(r.one_line) | u8::from(r.timed) << 1);
}

fn decode(b: &[u8]) -> Record {
    let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
    Record {
        key: u64_at(0) as i64,
        offset: u64_at(8) as i64,
        start: u64_at(16) as usize,
        end: u64_at(24) as usize,
        line: u64_at(32),
        raw_ts: (u32_at(40), u32_at(44)),
        level: (u32_at(48), u32_at(52)),
        host: u32_at(56),
        format: u16::from_le_bytes([b[60], b[61]]),
        one_line: b[62] & 1 != 0,
        timed: b[62] & 2 != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(i: u64) -> Record {
        Record {
            key: i64::MIN + i as i64,
            offset: -3,
            start: i as usize * 100,
            end: i as usize * 100 + 42,
            line: i + 1,
            raw_ts: (1, 20),
            level: (21, u32::MAX),
            host: i as u32,
            format: u16::MAX - 1,
            one_line: i.is_multiple_of(2),
            timed: i.is_multiple_of(3),
        }
    }

    #[test]
    fn records_come_back_as_written() {
        let mut f = SpillFile::new().unwrap();
        let a: Vec<Record> = (0..5000).map(rec).collect();
        let b: Vec<Record> = (5000..5003).map(rec).collect();
        let ea = f.append(&a).unwrap();
        let eb = f.append(&b).unwrap();
        let mut out = Vec::new();
        f.read(ea, 4990, 100, &mut out).unwrap();
        assert_eq!(out.len(), 10);
        f.read(eb, 0, BLOCK, &mut out).unwrap();
        assert_eq!(out.len(), 3);
        let same = |x: &Record, y: &Record| format!("{x:?}") == format!("{y:?}");
        assert!(same(&out[2], &b[2]));
        f.read(ea, 17, 1, &mut out).unwrap();
        assert!(same(&out[0], &a[17]));
    }
}
