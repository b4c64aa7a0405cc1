//! A record too long to hold whole (past `output::long::LONG` bytes of text: a log in a
//! layout deskew does not read, grouped under the one timed line before it) in Parquet: a
//! value lives whole in its page, so such a record is written as several rows, each with at
//! most a piece of its text and `part` 0, 1, ... (every other column the same). The text is
//! read from its file a piece at a time: memory stays bounded by the piece and the row group.

use std::io::{self, Write};

use super::frame::{encode_row, span, Names};
use crate::output::severity::Severity;
use crate::record::Record;

/// What a long record's rows say besides their text.
pub struct About<'a> {
    pub source_json: &'a str,
    pub host: &'a str,
    pub format: Option<&'a str>,
    pub severity: Option<Severity>,
}

impl<'a> About<'a> {
    /// What `rec` says, by the run's names.
    pub fn of(
        rec: &Record,
        names: &'a crate::output::Names,
        source_json: &'a str,
        severity: Option<Severity>,
    ) -> About<'a> {
        About {
            source_json,
            host: names.hosts.get(rec.host as usize).map_or("-", |s| s.as_str()),
            format: names.formats.get(rec.format as usize).map(|s| s.as_str()),
            severity,
        }
    }
}

/// Write `rec`, its text `len` bytes read by `read(at, dst)` (false: the read failed, the
/// file was cut; the rest is not written), as rows of at most `piece` bytes of text each.
pub fn write_pieces(
    out: &mut dyn Write,
    rec: &Record,
    len: usize,
    piece: usize,
    about: &About,
    mut read: impl FnMut(usize, &mut [u8]) -> bool,
) -> io::Result<()> {
    let piece = piece.max(4);
    let mut buf = vec![0u8; piece.min(len)];
    let mut frame = Vec::new();
    // The stamp and level lie in the first piece (the record's spans start there).
    let (mut raw_ts, mut level) = (None, None);
    let r = Record { one_line: false, ..*rec };
    let (mut from, mut part) = (0, 0u32);
    while from < len {
        let take = piece.min(len - from);
        let text = &mut buf[..take];
        if !read(from, text) {
            return Ok(());
        }
        if part == 0 {
            raw_ts = span(text, rec.raw_ts).map(<[u8]>::to_vec);
            level = span(text, rec.level).map(<[u8]>::to_vec);
        }
        let cut = if from + take < len { cut_at(text) } else { take };
        let names = Names {
            source_json: about.source_json,
            host: about.host,
            format: about.format,
            raw_ts: raw_ts.as_deref(),
            level: level.as_deref(),
        };
        frame.clear();
        encode_row(&mut frame, &r, &text[..cut], &names, about.severity, Some(part));
        out.write_all(&frame)?;
        from += cut;
        part = part.saturating_add(1);
    }
    Ok(())
}

/// Where a piece that is not its record's last ends: before a UTF-8 character cut in two
/// (each row's text is a valid string), and before a run of CRs at its end (a CR before a
/// line break is dropped, and the next piece decides whether one follows); all of the
/// piece if that would leave nothing.
fn cut_at(p: &[u8]) -> usize {
    let mut cut = p.len();
    for back in 1..=p.len().min(3) {
        let c = p[p.len() - back];
        if c & 0xc0 == 0x80 {
            continue; // a continuation byte: look further back for its lead
        }
        let need = match c {
            0xf0.. => 4,
            0xe0.. => 3,
            0xc0.. => 2,
            _ => 1,
        };
        if need > back {
            cut = p.len() - back;
        }
        break;
    }
    while cut > 0 && p[cut - 1] == b'\r' {
        cut -= 1;
    }
    if cut == 0 {
        p.len()
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_end_before_a_cut_character_and_before_trailing_crs() {
        assert_eq!(cut_at(b"abc"), 3);
        assert_eq!(cut_at("abé".as_bytes()), 4, "a whole character stays");
        assert_eq!(cut_at(&"abé".as_bytes()[..3]), 2, "a cut one goes to the next piece");
        assert_eq!(cut_at(&"ab€".as_bytes()[..4]), 2);
        assert_eq!(cut_at(b"ab\r\r"), 2);
        assert_eq!(cut_at(b"\r\r"), 2, "nothing left: all of it");
    }
}
