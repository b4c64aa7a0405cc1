//! The input layer: which sources to read, in which order, and their bytes.
//!
//! - [`discover`] turns command-line PATHs into [`SourceSpec`]s (stdin, files, directories
//!   searched recursively, rotated sets oldest first) with the host each path implies.
//! - [`open`] yields a source's bytes as [`Data`]: plain files memory-mapped (guarded against
//!   truncation while mapped, see [`Data::shrunk`]); gzip and zstd (told by magic bytes, not
//!   by name) decompressed, and pipes and stdin read, a block at a time into a spool: memory
//!   when small, else an unlinked temporary file, mapped (`spool`), so memory stays bounded;
//!   what precedes a truncated or corrupt stream is kept.
//! - [`stdin_lines`] streams stdin (decompressing it too) for `normalize`.
//! - [`split_chunks`] cuts data at line ends for parallel parsing.

mod decompress;
mod discover;
pub mod follow;
// The one place with `unsafe` (the crate root denies it): mapping a file is unsafe by
// nature (memmap2's `map`), and surviving its truncation needs a SIGBUS handler (sigaction,
// mmap over the faulting page). See the module's docs.
#[allow(unsafe_code)]
mod mapped;
mod spool;

pub use spool::set_per_source as set_spool_per_source;

use std::fs::File;
use std::io::{self, BufRead, Read, Seek};
use std::ops::{Deref, Range};
use std::os::unix::fs::FileTypeExt;
use std::path::PathBuf;
use std::time::SystemTime;

pub use decompress::{auto_decompress, Compression};
pub use discover::discover;
pub use mapped::Mapped;
use spool::Spool;

/// One input source, in the order it must be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceSpec {
    /// Empty for stdin.
    pub path: PathBuf,
    /// The path as found (joined from the command-line PATH); `-` for stdin.
    pub display: String,
    /// The host the path implies (SPEC "A record's host is"): under a directory PATH, the
    /// first directory below it, or PATH's own name for a file directly in it; a file named
    /// directly, its stem without compression and rotation suffixes (`web01.log.2.gz` ->
    /// `web01`); stdin, `-`.
    pub host: String,
    pub is_stdin: bool,
    /// A file named on the command line itself, not found in a directory PATH: its host is
    /// only a guess from its name (`--host` and a history of its directory's name beat it).
    pub named: bool,
}

impl SourceSpec {
    pub fn stdin() -> SourceSpec {
        SourceSpec {
            path: PathBuf::new(),
            display: "-".to_string(),
            host: "-".to_string(),
            is_stdin: true,
            named: false,
        }
    }
}

/// A source that could not be read at all. Display: `path: cause; what to do`.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {}; {}", cause(.source), hint(.source))]
    Open { path: String, source: io::Error },
    #[error("{path}: read failed: {}; {}", cause(.source), hint(.source))]
    Read { path: String, source: io::Error },
    #[error("{path}: {message}")]
    Unsupported { path: String, message: String },
}

/// An io::Error's text without the trailing ` (os error N)`.
pub(crate) fn cause(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text,
    }
}

fn hint(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::NotFound => "check the path",
        io::ErrorKind::PermissionDenied => {
            "check its permissions (or run as a user who may read it)"
        }
        _ if e.raw_os_error() == Some(libc::EISDIR) => {
            "name it as a PATH on the command line to read the files in it"
        }
        _ => "the file is skipped; the other inputs are still read",
    }
}

/// A source's bytes, after decompression.
#[derive(Debug)]
pub enum Data {
    /// A plain file, memory-mapped.
    Mapped(Mapped),
    /// Small decompressed data or a small pipe or stdin (larger ones are a mapped temporary
    /// file), a file that could not be mapped, or empty.
    Owned(Vec<u8>),
}

impl Data {
    /// Drop the pages of `range` of a mapped source from memory (see `Mapped::release`);
    /// other data stays as it is.
    pub fn release(&self, range: Range<usize>) {
        if let Data::Mapped(m) = self {
            m.release(range);
        }
    }

    /// For a mapped file that shrank (was truncated) since it was mapped: where its valid data
    /// ends now. The bytes past it read as zeros; stop there and warn. `None` otherwise.
    pub fn shrunk(&self) -> Option<usize> {
        match self {
            Data::Mapped(m) => m.shrunk(),
            Data::Owned(_) => None,
        }
    }
}

impl Deref for Data {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Data::Mapped(m) => m,
            Data::Owned(v) => v,
        }
    }
}

/// An opened source.
#[derive(Debug)]
pub struct Opened {
    pub data: Data,
    /// The file's modification time (`None` for stdin and pipes).
    pub mtime: Option<SystemTime>,
    /// Complete one-line warnings, `path: what happened` (a truncated compressed stream).
    pub warnings: Vec<String>,
}

/// Opens a source whole: a plain file mapped; a compressed one (by magic bytes) decompressed,
/// and a pipe or stdin read, a block at a time into a [`Spool`] (memory when small, else a
/// mapped temporary file).
pub fn open(spec: &SourceSpec) -> Result<Opened, InputError> {
    if spec.is_stdin {
        return open_stdin();
    }
    let path = &spec.display;
    let open_err = |source| InputError::Open { path: path.clone(), source };
    let file = File::open(&spec.path).map_err(open_err)?;
    let meta = file.metadata().map_err(open_err)?;
    if meta.is_dir() {
        return Err(open_err(io::Error::from_raw_os_error(libc::EISDIR)));
    }
    let mtime = meta.modified().ok();
    let regular = meta.is_file() && !meta.file_type().is_char_device();
    if regular && meta.len() > 0 {
        open_regular(path, file, meta.len(), mtime)
    } else if regular {
        Ok(Opened { data: Data::Owned(Vec::new()), mtime, warnings: Vec::new() })
    } else if meta.file_type().is_char_device() || meta.file_type().is_block_device() {
        // A device has no end of its own (`/dev/zero`, `/dev/urandom`): read at most
        // DEVICE_MAX bytes of it, and refuse it past that rather than fill the disk.
        let mut capped = (&file).take(DEVICE_MAX + 1);
        let opened = open_stream(path, &mut capped, mtime)?;
        if capped.limit() == 0 {
            return Err(InputError::Read {
                path: path.clone(),
                source: io::Error::other(format!(
                    "a device that gives more than {} MiB is not a log (a device is read to its end before the merge)",
                    DEVICE_MAX >> 20
                )),
            });
        }
        Ok(opened)
    } else {
        open_stream(path, file, mtime)
    }
}

/// The most bytes read from a device named as a path (a FIFO or stdin has no such cap: a
/// pipe from `zcat` may carry any size).
pub const DEVICE_MAX: u64 = 256 << 20;

/// A non-empty regular file read from its start: mapped when plain, else decompressed.
fn open_regular(
    path: &str,
    file: File,
    len: u64,
    mtime: Option<SystemTime>,
) -> Result<Opened, InputError> {
    let read_err = |source| InputError::Read { path: path.to_string(), source };
    let mut head = [0u8; Compression::MAGIC_LEN];
    let n = read_head(&file, &mut head).map_err(read_err)?;
    let kind = Compression::detect(&head[..n]);
    if kind != Compression::None {
        return decompress_stream(path, kind, file, mtime);
    }
    let data = match file.try_clone().and_then(|f| Mapped::new(f, len)) {
        Ok(Some(m)) => Data::Mapped(m),
        // The mapping cannot be guarded now (more files at once than guard slots), or mmap
        // failed. A small file is read; a larger one is copied as a pipe is (to an unlinked
        // file in TMPDIR, mapped), not read whole into memory however large.
        _ if len <= SMALL => {
            let mut buf = Vec::with_capacity(len as usize);
            (&file).read_to_end(&mut buf).map_err(read_err)?;
            if (buf.len() as u64) < len {
                return Ok(Opened {
                    warnings: vec![cut_warning(path, len, buf.len())],
                    data: Data::Owned(buf),
                    mtime,
                });
            }
            Data::Owned(buf)
        }
        _ => {
            let mut opened = decompress_stream(path, Compression::None, &file, mtime)?;
            let got = opened.data.len();
            // Cut while it was read: say so, as a mapped file cut under its reader is.
            if (got as u64) < len && opened.warnings.is_empty() {
                opened.warnings.push(cut_warning(path, len, got));
            }
            return Ok(opened);
        }
    };
    Ok(Opened { data, mtime, warnings: Vec::new() })
}

/// A file past the guard slots no larger than this is read into memory (see
/// [`open_regular`]).
const SMALL: u64 = 1 << 20;

/// The warning for a file cut (from `len` to `got` bytes) while it was read.
fn cut_warning(path: &str, len: u64, got: usize) -> String {
    format!(
        "{}: the file was cut from {len} to {got} bytes while it was read; what lay past byte {got} is lost",
        crate::diag::escape(path),
    )
}

/// Up to `head.len()` bytes from the start of `file` (fewer only if it is shorter).
fn read_head(file: &File, head: &mut [u8]) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let mut n = 0;
    while n < head.len() {
        match file.read_at(&mut head[n..], n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// A pipe, a device or stdin: its first bytes tell whether to decompress it.
fn open_stream(
    path: &str,
    mut raw: impl Read,
    mtime: Option<SystemTime>,
) -> Result<Opened, InputError> {
    let head = decompress::peek_head(&mut raw)
        .map_err(|source| InputError::Read { path: path.to_string(), source })?;
    let kind = Compression::detect(&head);
    decompress_stream(path, kind, io::Cursor::new(head).chain(raw), mtime)
}

/// `input` (from its start) decompressed as `kind` says, or copied when plain, into a spool.
/// A stream that breaks off keeps what came before, with a warning.
fn decompress_stream(
    path: &str,
    kind: Compression,
    input: impl Read,
    mtime: Option<SystemTime>,
) -> Result<Opened, InputError> {
    let read_err = |source| InputError::Read { path: path.to_string(), source };
    if matches!(kind, Compression::Xz | Compression::Bzip2) {
        return Err(InputError::Unsupported {
            path: path.to_string(),
            message: decompress::unsupported_message(kind),
        });
    }
    let mut spool = Spool::new();
    let warning = decompress::decode(kind, input, &mut spool).map_err(read_err)?;
    let warnings = warning.map(|w| format!("{path}: {w}")).into_iter().collect();
    let data = spool.finish().map_err(read_err)?;
    Ok(Opened { data, mtime, warnings })
}

/// stdin whole, as [`open`] reads a file: a regular file read from its start (`deskew merge
/// < big.log`) as such (mapped, or decompressed), else streamed into a spool.
fn open_stdin() -> Result<Opened, InputError> {
    if let Some((file, len)) = stdin_file() {
        return open_regular("-", file, len, None);
    }
    open_stream("-", io::stdin().lock(), None)
}

/// stdin as a file, with its length, when it is a non-empty regular file positioned at its
/// start.
fn stdin_file() -> Option<(File, u64)> {
    use std::os::fd::AsFd;
    let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
    let mut file = File::from(fd);
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() == 0 {
        return None;
    }
    // The duplicate shares stdin's file offset: a file already partly read (`(read x;
    // deskew merge) < f`) is not read from its start.
    if file.stream_position().ok()? != 0 {
        return None;
    }
    Some((file, meta.len()))
}

/// Buffer size of the streaming readers.
const STREAM_BUFFER: usize = 1 << 20;

/// stdin as a stream of lines (for `normalize`, pipes, `tail -f`), with gzip or zstd
/// decompressed when its first bytes are a magic. Reading starts at once (the magic peek
/// reads no further than needed). A truncated compressed stream ends in an `io::Error` whose
/// text is `truncated gzip stream after N bytes (M lines); the rest is lost`; xz or bzip2
/// input is an error of kind `Unsupported` on the first read.
pub fn stdin_lines() -> impl BufRead + Send {
    let stdin = io::stdin();
    match auto_decompress(stdin, STREAM_BUFFER) {
        Ok(reader) => reader,
        Err(e) => Box::new(io::BufReader::new(FailingReader(Some(e)))),
    }
}

/// A reader whose first read fails with the stored error, then ends.
struct FailingReader(Option<io::Error>);

impl Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// Ranges covering `data` exactly, in order, each ending just after a `\n` (the last one
/// possibly at the end of the data instead), each at least `target` bytes except the last:
/// pieces for parallel parsing. Empty data gives no range.
pub fn split_chunks(data: &[u8], target: usize) -> Vec<Range<usize>> {
    let target = target.max(1);
    let mut out = Vec::with_capacity(data.len() / target + 1);
    let mut start = 0;
    while start < data.len() {
        let want = start.saturating_add(target);
        let end = if want >= data.len() {
            data.len()
        } else {
            match memchr::memchr(b'\n', &data[want - 1..]) {
                Some(i) => want + i,
                None => data.len(),
            }
        };
        out.push(start..end);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests;
