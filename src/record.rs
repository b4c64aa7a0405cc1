//! The record: what every stage after parsing passes along. A record is a line that carries a
//! timestamp plus the lines after it that carry none; its text stays in its source and is
//! named by byte offsets, so that a record is 64 bytes however long its text.

use crate::format::Span;
use crate::time::Nanos;

/// Bytes of text past which a record is not held whole: its lines are matched on their first
/// `LONG_TEXT` bytes, its text is written out in pieces (`output::long`), and stdin streams it
/// through. Memory then stays bounded whatever the length of a record or a line.
pub const LONG_TEXT: usize = 1 << 20;

/// `key` of a record that has no wall-clock time.
pub const NO_TIME: Nanos = i64::MIN;

/// One record of a source. Byte offsets index the source's data.
#[derive(Clone, Copy, Debug)]
pub struct Record {
    /// The time the merge orders by: the corrected time of a record that has one (`timed`),
    /// else the time of the record before it in its source (the first timed record's, at
    /// the start). A record's time is not kept apart from its key: records are many, and the
    /// merge moves them around, so each is kept to 64 bytes.
    pub key: Nanos,
    /// Nanoseconds added by clock correction.
    pub offset: i64,
    pub start: usize,
    /// End of the record's text, without its final `\n` (the CR of a CRLF end is kept:
    /// output drops one CR at each line's end).
    pub end: usize,
    /// 1-based line number of the record's first line.
    pub line: u64,
    /// The timestamp text, relative to `start` ((0, 0): none).
    pub raw_ts: Span,
    pub level: Span,
    /// Index into the run's host table.
    pub host: u32,
    pub format: u16,
    /// The text is one line (no `\n` in it): the output copies it without looking for line
    /// breaks. False when not known.
    pub one_line: bool,
    /// The record has a time of its own: `key`.
    pub timed: bool,
}

// Kept to a cache line (see `key`).
const _: () = assert!(std::mem::size_of::<Record>() == 64);

impl Record {
    /// A record without a time of its own (a line before a source's first timestamp, a
    /// dating header, a line after a record of a single-line format).
    pub fn untimed(start: usize, end: usize, line: u64, host: u32, one_line: bool) -> Record {
        Record {
            key: NO_TIME,
            offset: 0,
            start,
            end,
            line,
            raw_ts: (0, 0),
            level: (0, 0),
            host,
            format: u16::MAX,
            one_line,
            timed: false,
        }
    }

    pub fn has_time(&self) -> bool {
        self.timed
    }

    /// Bytes of the record's text.
    pub fn text_len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
}

/// `--since` / `--until`: the records whose corrected time lies in [since, until).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeWindow {
    pub since: Option<Nanos>,
    pub until: Option<Nanos>,
}

impl TimeWindow {
    /// Whether the window keeps the record (a bounded window drops records without a time).
    pub fn keeps(&self, r: &Record) -> bool {
        if self.since.is_none() && self.until.is_none() {
            return true;
        }
        if r.key == NO_TIME {
            return false;
        }
        self.since.is_none_or(|s| r.key >= s) && self.until.is_none_or(|u| r.key < u)
    }
}

/// Records in output order, with the index of their source, taken a batch at a time: what
/// the merge (or a source read in order) hands the output.
pub trait Ordered: Send {
    /// Append the next records to `batch` until it holds `max` records or `max_text` bytes of
    /// their text, or none are left (nothing appended: the end).
    fn fill(&mut self, batch: &mut Vec<(usize, Record)>, max: usize, max_text: usize);
}

/// The records of one source, already in order (`normalize`).
pub struct InOrder {
    pub source: usize,
    pub records: std::vec::IntoIter<Record>,
}

impl Ordered for InOrder {
    fn fill(&mut self, batch: &mut Vec<(usize, Record)>, max: usize, max_text: usize) {
        let mut text = 0;
        while batch.len() < max && text < max_text {
            let Some(r) = self.records.next() else { return };
            text += r.text_len();
            batch.push((self.source, r));
        }
    }
}

/// Records of several sources with their source's index, already in order (`normalize` of
/// many small files, written together).
pub struct Listed(pub std::vec::IntoIter<(usize, Record)>);

impl Ordered for Listed {
    fn fill(&mut self, batch: &mut Vec<(usize, Record)>, max: usize, max_text: usize) {
        let mut text = 0;
        while batch.len() < max && text < max_text {
            let Some(x) = self.0.next() else { return };
            text += x.1.text_len();
            batch.push(x);
        }
    }
}
