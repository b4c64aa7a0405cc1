//! Compression told by magic bytes (never by name): gzip and zstd are decompressed (a block
//! at a time, into a [`Spool`]), xz and bzip2 are recognised only to say so.

use std::io::{self, BufRead, BufReader, Cursor, Read};

use super::spool::{pump, Spool};

const GZIP: &[u8] = &[0x1f, 0x8b];
const ZSTD: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const XZ: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0x00];
const BZIP2: &[u8] = b"BZh";

/// What the first bytes of an input say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    /// Recognised but not supported.
    Xz,
    /// Recognised but not supported.
    Bzip2,
}

impl Compression {
    /// Tells the compression from the start of the data.
    pub fn detect(head: &[u8]) -> Compression {
        if head.starts_with(GZIP) {
            Compression::Gzip
        } else if head.starts_with(ZSTD) {
            Compression::Zstd
        } else if head.starts_with(XZ) {
            Compression::Xz
        } else if head.len() >= 10
            && head.starts_with(BZIP2)
            && (b'1'..=b'9').contains(&head[3])
            && &head[4..10] == b"\x31\x41\x59\x26\x53\x59"
        {
            Compression::Bzip2
        } else {
            Compression::None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
            Compression::Bzip2 => "bzip2",
        }
    }

    /// The longest magic, in bytes: enough of a head to tell.
    pub const MAGIC_LEN: usize = 10;
}

/// Decompresses a whole gzip (any number of members, zero padding after them) or zstd (any
/// number of frames) stream into `out`, a block at a time. `Ok(Some(warning))` (without the
/// path) when the stream ended early or went bad: what decoded before is kept and the
/// warning says how much. `Err`: `out` failed, not the stream.
pub fn decode<R: Read>(kind: Compression, input: R, out: &mut Spool) -> io::Result<Option<String>> {
    let mut input = Peek::new(input);
    let failure = match kind {
        Compression::Gzip => gunzip(&mut input, out)?,
        Compression::Zstd => unzstd(&mut input, out)?,
        _ => pump(&mut input, out)?.map(Failure::Io),
    };
    Ok(failure.map(|f| describe(kind, &f, out.bytes(), out.lines())))
}

/// [`decode`] of a whole input into memory.
#[cfg(test)]
pub fn decompress(kind: Compression, input: &[u8]) -> (Vec<u8>, Option<String>) {
    let mut out = Spool::in_memory();
    let warning = decode(kind, input, &mut out).unwrap();
    (out.finish().unwrap().to_vec(), warning)
}

/// Why a stream stopped early.
enum Failure {
    Io(io::Error),
    TrailingGarbage,
}

fn gunzip<R: Read>(input: &mut Peek<R>, out: &mut Spool) -> io::Result<Option<Failure>> {
    loop {
        let mut member = flate2::bufread::GzDecoder::new(&mut *input);
        if let Some(e) = pump(&mut member, out)? {
            return Ok(Some(Failure::Io(e)));
        }
        let next = match input.peek(GZIP.len()) {
            Ok(next) => next,
            Err(e) => return Ok(Some(Failure::Io(e))),
        };
        if next.is_empty() {
            return Ok(None);
        }
        if next[0] == 0 {
            // Zero padding (tape blocks, preallocation) as gzip(1) accepts it, to the end.
            return Ok(skip_zeros(input));
        }
        if !next.starts_with(GZIP) {
            return Ok(Some(Failure::TrailingGarbage));
        }
    }
}

/// Consume zeros to the end of `input`; anything else is trailing garbage.
fn skip_zeros<R: Read>(input: &mut Peek<R>) -> Option<Failure> {
    loop {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) => return Some(Failure::Io(e)),
        };
        if buf.is_empty() {
            return None;
        }
        if buf.iter().any(|&b| b != 0) {
            return Some(Failure::TrailingGarbage);
        }
        let n = buf.len();
        input.consume(n);
    }
}

fn unzstd<R: Read>(input: &mut Peek<R>, out: &mut Spool) -> io::Result<Option<Failure>> {
    let mut decoder = match zstd::stream::read::Decoder::with_buffer(input) {
        Ok(d) => d,
        Err(e) => return Ok(Some(Failure::Io(e))),
    };
    Ok(pump(&mut decoder, out)?.map(Failure::Io))
}

/// A buffered reader that can look a few bytes ahead (between gzip members).
struct Peek<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
}

impl<R: Read> Peek<R> {
    fn new(inner: R) -> Peek<R> {
        Peek { inner, buf: vec![0; 256 << 10].into_boxed_slice(), pos: 0, end: 0 }
    }

    /// The next `n` bytes (fewer only at the end of the input), not consumed.
    fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.end - self.pos < n {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
            while self.end < n {
                match self.inner.read(&mut self.buf[self.end..]) {
                    Ok(0) => break,
                    Ok(k) => self.end += k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(&self.buf[self.pos..self.end.min(self.pos + n)])
    }
}

impl<R: Read> Read for Peek<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Peek<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.end {
            match self.inner.read(&mut self.buf) {
                Ok(k) => {
                    (self.pos, self.end) = (0, k);
                    if k == 0 {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(&self.buf[self.pos..self.end])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.end);
    }
}

/// Lines in `data`, counting a last line without its newline.
#[cfg(test)]
fn line_count(data: &[u8]) -> usize {
    let newlines = memchr::memchr_iter(b'\n', data).count();
    newlines + usize::from(!data.is_empty() && !data.ends_with(b"\n"))
}

fn describe(kind: Compression, failure: &Failure, bytes: u64, lines: u64) -> String {
    let name = kind.name();
    match failure {
        Failure::TrailingGarbage => format!(
            "trailing garbage after {name} stream ignored (kept {bytes} bytes, {lines} lines)"
        ),
        Failure::Io(e) if kind == Compression::None => {
            format!(
                "read failed after {bytes} bytes ({lines} lines): {}; the rest is lost",
                super::cause(e)
            )
        }
        Failure::Io(e) if is_truncation(e) => {
            format!("truncated {name} stream after {bytes} bytes ({lines} lines); the rest is lost")
        }
        Failure::Io(e) => format!(
            "corrupt {name} stream after {bytes} bytes ({lines} lines): {e}; the rest is lost"
        ),
    }
}

fn is_truncation(e: &io::Error) -> bool {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        return true;
    }
    let text = e.to_string();
    // zstd reports a frame cut short as an error of kind Other.
    text.contains("incomplete frame") || text.contains("Truncated") || text.contains("truncated")
}

/// A streaming decoder that turns its errors into the same one-line warning text
/// ("truncated gzip stream after N bytes (M lines); the rest is lost").
struct Counted<R> {
    inner: R,
    kind: Compression,
    bytes: usize,
    lines: usize,
    last: u8,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.bytes += n;
                self.lines += memchr::memchr_iter(b'\n', &buf[..n]).count();
                if n > 0 {
                    self.last = buf[n - 1];
                }
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                let lines = self.lines + usize::from(self.bytes > 0 && self.last != b'\n');
                let (name, bytes) = (self.kind.name(), self.bytes);
                let msg = if is_truncation(&e) {
                    format!("truncated {name} stream after {bytes} bytes ({lines} lines); the rest is lost")
                } else {
                    format!("corrupt {name} stream after {bytes} bytes ({lines} lines): {e}; the rest is lost")
                };
                Err(io::Error::new(e.kind(), msg))
            }
        }
    }
}

/// Reads up to `want` bytes of head (fewer only at end of input), reading no further than
/// needed to rule a magic out, so a slow stream (`tail -f | deskew normalize`) is not held.
pub(super) fn peek_head<R: Read>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(Compression::MAGIC_LEN);
    let mut byte = [0u8; 1];
    while head.len() < Compression::MAGIC_LEN && could_be_magic(&head) {
        match r.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => head.push(byte[0]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(head)
}

/// Whether `head` is a prefix of some magic (or a complete one: then stop reading).
fn could_be_magic(head: &[u8]) -> bool {
    if head.is_empty() {
        return true;
    }
    let prefix_of = |m: &[u8]| m.len() > head.len() && m.starts_with(head);
    let bzip2 = {
        let full = b"BZh9\x31\x41\x59\x26\x53\x59";
        head.len() < full.len()
            && head.iter().zip(full).enumerate().all(|(i, (h, f))| {
                if i == 3 {
                    h.is_ascii_digit()
                } else {
                    h == f
                }
            })
    };
    prefix_of(GZIP) || prefix_of(ZSTD) || prefix_of(XZ) || bzip2
}

/// Wraps a byte stream in a decoder when its first bytes are a gzip or zstd magic; passes
/// it through unchanged otherwise. xz and bzip2 are an error of kind `Unsupported`.
pub fn auto_decompress<R: Read + Send + 'static>(
    mut raw: R,
    capacity: usize,
) -> io::Result<Box<dyn BufRead + Send>> {
    let head = peek_head(&mut raw)?;
    let kind = Compression::detect(&head);
    let joined = Cursor::new(head).chain(raw);
    Ok(match kind {
        Compression::None => Box::new(BufReader::with_capacity(capacity, joined)),
        Compression::Gzip => {
            let decoder =
                flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, joined));
            Box::new(BufReader::with_capacity(capacity, counted(kind, decoder)))
        }
        Compression::Zstd => {
            let decoder = zstd::stream::read::Decoder::new(joined)?;
            Box::new(BufReader::with_capacity(capacity, counted(kind, decoder)))
        }
        Compression::Xz | Compression::Bzip2 => {
            return Err(io::Error::new(io::ErrorKind::Unsupported, unsupported_message(kind)))
        }
    })
}

pub fn unsupported_message(kind: Compression) -> String {
    let tool = if kind == Compression::Xz { "xz" } else { "bzip2" };
    format!("{tool}-compressed input is not supported; decompress it first ({tool} -dc FILE | deskew ... -)")
}

fn counted<R: Read>(kind: Compression, inner: R) -> Counted<R> {
    Counted { inner, kind, bytes: 0, lines: 0, last: b'\n' }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn text(lines: usize) -> Vec<u8> {
        (0..lines)
            .map(|i| format!("2026-11-20T10:00:{:02}Z web01 line {i} {}\n", i % 60, i * 7919))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn detects_by_magic() {
        assert_eq!(Compression::detect(&gzip(b"x")), Compression::Gzip);
        let z = zstd::encode_all(&b"x"[..], 3).unwrap();
        assert_eq!(Compression::detect(&z), Compression::Zstd);
        assert_eq!(Compression::detect(b"Jun 14 15:16:01"), Compression::None);
        assert_eq!(Compression::detect(b"(a)"), Compression::None);
        assert_eq!(Compression::detect(b""), Compression::None);
    }

    #[test]
    fn gzip_multi_member_and_padding() {
        let mut input = gzip(b"one\n");
        input.extend(gzip(b"two\n"));
        assert_eq!(decompress(Compression::Gzip, &input), (b"one\ntwo\n".to_vec(), None));
        input.extend([0u8; 512]);
        assert_eq!(decompress(Compression::Gzip, &input), (b"one\ntwo\n".to_vec(), None));
        input.extend(b"junk");
        let (out, warning) = decompress(Compression::Gzip, &input);
        assert_eq!(out, b"one\ntwo\n");
        assert!(warning.unwrap().contains("trailing garbage"));
    }

    #[test]
    fn gzip_truncated_keeps_prefix() {
        let data = text(20_000);
        let full = gzip(&data);
        let (out, warning) = decompress(Compression::Gzip, &full[..full.len() / 2]);
        assert!(!out.is_empty() && out.len() < data.len());
        assert_eq!(out[..], data[..out.len()]);
        let w = warning.unwrap();
        let lines = line_count(&out);
        assert_eq!(
            w,
            format!(
                "truncated gzip stream after {} bytes ({lines} lines); the rest is lost",
                out.len()
            )
        );
        // Cut inside the trailer: everything is there, the stream is still truncated.
        let (out, warning) = decompress(Compression::Gzip, &full[..full.len() - 3]);
        assert_eq!(out, data);
        assert!(warning.unwrap().starts_with("truncated gzip"));
    }

    #[test]
    fn zstd_frames_and_truncation() {
        let data = text(20_000);
        let mut input = zstd::encode_all(&data[..], 3).unwrap();
        input.extend(zstd::encode_all(&b"tail\n"[..], 3).unwrap());
        let (out, warning) = decompress(Compression::Zstd, &input);
        assert_eq!(warning, None);
        assert_eq!(out.len(), data.len() + 5);
        let full = zstd::encode_all(&data[..], 3).unwrap();
        let (out, warning) = decompress(Compression::Zstd, &full[..full.len() / 2]);
        assert!(out.len() < data.len());
        assert_eq!(out[..], data[..out.len()]);
        assert!(warning.unwrap().starts_with("truncated zstd stream after"));
    }

    #[test]
    fn stream_auto_decompress() {
        let data = text(1000);
        for input in [data.clone(), gzip(&data), zstd::encode_all(&data[..], 1).unwrap()] {
            let mut r = auto_decompress(Cursor::new(input), 1 << 16).unwrap();
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            assert_eq!(out, data);
        }
        for short in [&b""[..], b"\x1f", b"(", b"a\n"] {
            let mut r = auto_decompress(Cursor::new(short.to_vec()), 16).unwrap();
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            assert_eq!(out, short);
        }
        let full = gzip(&data);
        let mut r = auto_decompress(Cursor::new(full[..full.len() / 2].to_vec()), 1 << 16).unwrap();
        let mut out = Vec::new();
        let e = r.read_to_end(&mut out).unwrap_err();
        assert!(e.to_string().starts_with("truncated gzip stream after"), "{e}");
        assert_eq!(out[..], data[..out.len()]);
    }
}
