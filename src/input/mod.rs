//! The input layer: which sources to read, in which order, and their bytes.
//!
//! - [`discover`] turns command-line PATHs into [`SourceSpec`]s (stdin, files, directories
//!   searched recursively, rotated sets oldest first) with the host each path implies.
//! - [`open`] yields a source's bytes as [`Data`]: plain files memory-mapped (guarded against
//!   truncation while mapped, see [`Data::shrunk`]), gzip and zstd (told by magic bytes, not
//!   by name) decompressed into memory, keeping what precedes a truncated or corrupt stream.
//! - [`stdin_lines`] streams stdin (decompressing it too) for `normalize`.
//! - [`split_chunks`] cuts data at line ends for parallel parsing.

mod decompress;
mod discover;
// The one place with `unsafe` (the crate root denies it): mapping a file is unsafe by
// nature (memmap2's `map`), and surviving its truncation needs a SIGBUS handler (sigaction,
// mmap over the faulting page). See the module's docs.
#[allow(unsafe_code)]
mod mapped;
mod names;

use std::fs::File;
use std::io::{self, BufRead, Read, Seek};
use std::ops::{Deref, Range};
use std::os::unix::fs::FileTypeExt;
use std::path::PathBuf;
use std::time::SystemTime;

pub use decompress::{auto_decompress, Compression};
pub use discover::discover;
pub use mapped::Mapped;

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
}

impl SourceSpec {
    pub fn stdin() -> SourceSpec {
        SourceSpec {
            path: PathBuf::new(),
            display: "-".to_string(),
            host: "-".to_string(),
            is_stdin: true,
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
    /// Decompressed, read from a pipe or stdin, or empty.
    Owned(Vec<u8>),
}

impl Data {
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

/// Reads a source whole: a plain file mapped, a compressed one (by magic bytes)
/// decompressed into memory, a pipe or stdin read to its end.
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
    let raw = if regular && meta.len() > 0 {
        match Mapped::new(file, meta.len()) {
            Ok(Some(m)) => Data::Mapped(m),
            // The mapping cannot be guarded now, or mmap failed: read it instead.
            _ => Data::Owned(read_file(&spec.path, path)?),
        }
    } else if regular {
        Data::Owned(Vec::new())
    } else {
        let mut buf = Vec::new();
        let mut file = file;
        file.read_to_end(&mut buf)
            .map_err(|source| InputError::Read { path: path.clone(), source })?;
        Data::Owned(buf)
    };
    finish(path, raw, mtime)
}

fn read_file(fs_path: &std::path::Path, path: &str) -> Result<Vec<u8>, InputError> {
    std::fs::read(fs_path).map_err(|source| InputError::Read { path: path.to_string(), source })
}

/// Decompresses `raw` if its magic says so; collects warnings.
fn finish(path: &str, raw: Data, mtime: Option<SystemTime>) -> Result<Opened, InputError> {
    let mut warnings = Vec::new();
    let head = &raw[..raw.len().min(Compression::MAGIC_LEN)];
    let kind = Compression::detect(head);
    let data = match kind {
        Compression::None => raw,
        Compression::Xz | Compression::Bzip2 => {
            return Err(InputError::Unsupported {
                path: path.to_string(),
                message: decompress::unsupported_message(kind),
            })
        }
        Compression::Gzip | Compression::Zstd => {
            let (input, shrunk) = match raw.shrunk() {
                Some(end) => (&raw[..end], true),
                None => (&raw[..], false),
            };
            let (out, warning) = decompress::decompress(kind, input);
            if let Some(w) = warning {
                warnings.push(format!("{path}: {w}"));
            }
            if shrunk || raw.shrunk().is_some() {
                warnings.push(format!("{path}: the file shrank while it was read"));
            }
            Data::Owned(out)
        }
    };
    Ok(Opened { data, mtime, warnings })
}

/// stdin whole, as [`open`] reads a file: mapped when it is a regular file read from its
/// start (`deskew merge < big.log`), else read to its end; decompressed by magic bytes.
fn open_stdin() -> Result<Opened, InputError> {
    let err = |source| InputError::Read { path: "-".to_string(), source };
    if let Some(mapped) = map_stdin() {
        return finish("-", Data::Mapped(mapped), None);
    }
    let mut buf = Vec::new();
    io::stdin().lock().read_to_end(&mut buf).map_err(err)?;
    finish("-", Data::Owned(buf), None)
}

/// stdin mapped, when it is a non-empty regular file positioned at its start.
fn map_stdin() -> Option<Mapped> {
    use std::os::fd::AsFd;
    let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
    let mut file = File::from(fd);
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() == 0 {
        return None;
    }
    // The duplicate shares stdin's file offset: a file already partly read (`(read x;
    // deskew merge) < f`) is not mapped from its start.
    if file.stream_position().ok()? != 0 {
        return None;
    }
    Mapped::new(file, meta.len()).ok().flatten()
}

/// stdin whole (for `merge`), decompressed by magic bytes. Same as [`open`] of
/// [`SourceSpec::stdin`], except that a warning (truncated compressed stream) is dropped:
/// prefer `open` where warnings are reported.
pub fn read_all_stdin() -> io::Result<Data> {
    match open_stdin() {
        Ok(opened) => Ok(opened.data),
        Err(InputError::Read { source, .. } | InputError::Open { source, .. }) => Err(source),
        Err(InputError::Unsupported { message, .. }) => {
            Err(io::Error::new(io::ErrorKind::Unsupported, message))
        }
    }
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
