//! Where the bytes of a source that cannot be mapped as it stands go: a decompressed file, a
//! pipe, stdin. They are taken a block at a time; a small source stays in memory, a larger one
//! is written to an unlinked temporary file (in `TMPDIR`) that is then memory-mapped like a
//! plain file, so the rest of the pipeline can drop its pages once read and memory stays
//! bounded whatever the size of the input.
//!
//! Held in memory: up to [`MEM_PER_SOURCE`] a source (`set_per_source` overrides it:
//! 0 sends every such source to a file) and [`MEM_TOTAL`] over all sources of the process.
//! When the temporary file cannot be created or written (`TMPDIR` missing, unwritable or
//! full), the source fails with a message naming TMPDIR (exit status 1): holding it in memory
//! instead would make memory grow with the input (`/dev/zero` as a path).

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Data, Mapped};

/// Bytes of one source held in memory before it goes to a temporary file. Small: a larger
/// buffer, freed when the data moves to the file, raises glibc's mmap threshold to its size,
/// and later allocations then stay in the heap (16 MiB here cost 36 MiB more peak RSS on a
/// 200 MB gzip than 1 MiB did).
pub const MEM_PER_SOURCE: usize = 1 << 20;
/// Bytes held in memory over all sources: many small compressed files must not add up.
pub const MEM_TOTAL: usize = 32 << 20;
/// Bytes written to the temporary file at a time.
const BLOCK: usize = 1 << 20;
/// First in-memory buffer (most logs are small).
const FIRST: usize = 64 << 10;

/// Bytes of [`MEM_TOTAL`] taken by sources held in memory. Never given back: a source's data
/// lives until the end of the run.
static HELD: AtomicUsize = AtomicUsize::new(0);
/// Bytes of one source held in memory in this process: [`MEM_PER_SOURCE`] unless set.
static PER_SOURCE: AtomicUsize = AtomicUsize::new(MEM_PER_SOURCE);

/// Hold at most `bytes` of a source in memory before it goes to a temporary file (0: every
/// such source to a file). For tests of the file path; a run sets it once, before opening.
pub fn set_per_source(bytes: usize) {
    PER_SOURCE.store(bytes, Ordering::Relaxed);
}

fn reserve(n: usize) -> bool {
    HELD.fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
        held.checked_add(n).filter(|&t| t <= MEM_TOTAL)
    })
    .is_ok()
}

fn unreserve(n: usize) {
    HELD.fetch_sub(n, Ordering::AcqRel);
}

/// A source's bytes as they arrive: [`Spool::space`] to read into, [`Spool::commit`] what
/// was read, [`Spool::finish`] for the [`Data`].
pub struct Spool {
    /// In memory: the data so far in `buf[..len]`. With a file: the block not yet written.
    /// Always initialized up to `buf.len()` (reads go straight into it).
    buf: Vec<u8>,
    len: usize,
    file: Option<File>,
    /// Bytes written to `file`.
    on_disk: u64,
    /// Largest `buf` while in memory: past it, go to a file.
    mem_cap: usize,
    /// Bytes of [`HELD`] this spool reserved.
    reserved: usize,
    /// Whether [`MEM_TOTAL`] applies (not once the file failed and memory is all there is).
    budgeted: bool,
    newlines: u64,
    last: u8,
}

impl Spool {
    /// A spool for a source, within the process's memory limits.
    pub fn new() -> Spool {
        Spool::with_cap(PER_SOURCE.load(Ordering::Relaxed), true)
    }

    /// A spool that never writes a file (tests).
    #[cfg(test)]
    pub fn in_memory() -> Spool {
        Spool::with_cap(usize::MAX, false)
    }

    fn with_cap(mem_cap: usize, budgeted: bool) -> Spool {
        Spool {
            buf: Vec::new(),
            len: 0,
            file: None,
            on_disk: 0,
            mem_cap,
            reserved: 0,
            budgeted,
            newlines: 0,
            last: b'\n',
        }
    }

    /// Bytes taken so far.
    pub fn bytes(&self) -> u64 {
        self.on_disk + self.len as u64
    }

    /// Lines taken so far, counting a last one without its newline.
    pub fn lines(&self) -> u64 {
        self.newlines + u64::from(self.last != b'\n')
    }

    /// Room to read into (never empty). Fails only when a temporary file that could not be
    /// written cannot be read back either.
    pub fn space(&mut self) -> io::Result<&mut [u8]> {
        if self.len == self.buf.len() {
            self.make_room()?;
        }
        debug_assert!(self.len < self.buf.len());
        Ok(&mut self.buf[self.len..])
    }

    /// The first `n` bytes of the last [`Spool::space`] now hold data.
    pub fn commit(&mut self, n: usize) {
        let new = &self.buf[self.len..self.len + n];
        if let Some(&b) = new.last() {
            self.newlines += memchr::memchr_iter(b'\n', new).count() as u64;
            self.last = b;
        }
        self.len += n;
    }

    fn make_room(&mut self) -> io::Result<()> {
        if self.file.is_some() {
            return self.write_block();
        }
        let cap = self.buf.len();
        if cap < self.mem_cap {
            let new_cap = (cap * 2).max(FIRST).min(self.mem_cap);
            if !self.budgeted || reserve(new_cap - cap) {
                self.reserved += if self.budgeted { new_cap - cap } else { 0 };
                self.buf.resize(new_cap, 0);
                return Ok(());
            }
        }
        self.move_to_file().map_err(|e| self.no_room(&e))
    }

    /// Move what is held to a new temporary file; from now on write blocks there.
    fn move_to_file(&mut self) -> io::Result<()> {
        let file = tempfile::tempfile()?;
        file.write_all_at(&self.buf[..self.len], 0)?;
        self.on_disk = self.len as u64;
        self.file = Some(file);
        if self.buf.len() != BLOCK {
            self.buf = vec![0; BLOCK];
        }
        self.len = 0;
        unreserve(std::mem::take(&mut self.reserved));
        Ok(())
    }

    /// Write the pending block; if that fails, read the file back and hold everything in
    /// memory from now on.
    fn write_block(&mut self) -> io::Result<()> {
        let Some(file) = &self.file else { return Ok(()) };
        match file.write_all_at(&self.buf[..self.len], self.on_disk) {
            Ok(()) => {
                self.on_disk += self.len as u64;
                self.len = 0;
                Ok(())
            }
            Err(e) => {
                self.file = None;
                Err(self.no_room(&e))
            }
        }
    }

    /// The file's bytes (all that was written whole), then the pending block, in memory.
    fn back_to_memory(&mut self) -> io::Result<()> {
        let Some(file) = self.file.take() else { return Ok(()) };
        let on_disk = usize::try_from(self.on_disk).map_err(io::Error::other)?;
        let mut all = vec![0; on_disk + self.len + BLOCK];
        file.read_exact_at(&mut all[..on_disk], 0)?;
        all[on_disk..on_disk + self.len].copy_from_slice(&self.buf[..self.len]);
        self.len += on_disk;
        self.on_disk = 0;
        self.buf = all;
        Ok(())
    }

    /// No file then: the source cannot be held within the memory budget, so it fails
    /// (reported by the caller, exit status 1) rather than growing memory without bound.
    fn no_room(&self, e: &io::Error) -> io::Error {
        io::Error::other(format!(
            "cannot write a temporary file in {} ({}): a compressed or piped source larger than {} KiB is spooled there, not held in memory; set TMPDIR to a writable directory with room",
            crate::diag::path(std::env::temp_dir()),
            super::cause(e),
            self.mem_cap >> 10
        ))
    }

    /// The data taken: in memory, or the temporary file mapped.
    pub fn finish(mut self) -> io::Result<Data> {
        if self.file.is_some() && self.len > 0 {
            self.write_block()?;
        }
        let Some(file) = self.file.take() else {
            let mut buf = std::mem::take(&mut self.buf);
            buf.truncate(self.len);
            buf.shrink_to_fit();
            return Ok(Data::Owned(buf));
        };
        if self.on_disk == 0 {
            return Ok(Data::Owned(Vec::new()));
        }
        // The file is unlinked and ours alone: mapped with no guard slot, so that spooled
        // sources do not take the slots plain files need.
        // Its descriptor is closed when `file` goes (the mapping keeps the file).
        match Mapped::private(&file, self.on_disk) {
            Ok(m) => Ok(Data::Mapped(m)),
            // No mapping to be had (mmap failed): read it back into memory.
            _ => {
                self.file = Some(file);
                self.len = 0;
                self.back_to_memory()?;
                let mut buf = std::mem::take(&mut self.buf);
                buf.truncate(self.len);
                Ok(Data::Owned(buf))
            }
        }
    }
}

/// Read `r` to its end into `out`. `Ok(Some(e))`: reading failed with `e` (what came
/// before is kept); `Err`: `out` failed.
pub fn pump(r: &mut impl Read, out: &mut Spool) -> io::Result<Option<io::Error>> {
    loop {
        let space = out.space()?;
        match r.read(space) {
            Ok(0) => return Ok(None),
            Ok(n) => out.commit(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Ok(Some(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(spool: &mut Spool, data: &[u8], step: usize) {
        for piece in data.chunks(step) {
            let mut piece = piece;
            while !piece.is_empty() {
                let space = spool.space().unwrap();
                let n = space.len().min(piece.len());
                space[..n].copy_from_slice(&piece[..n]);
                spool.commit(n);
                piece = &piece[n..];
            }
        }
    }

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| if i % 37 == 36 { b'\n' } else { b'a' + (i % 26) as u8 }).collect()
    }

    #[test]
    fn small_stays_in_memory_large_goes_to_a_mapped_file() {
        let small = data(100_000);
        let mut s = Spool::with_cap(1 << 20, false);
        fill(&mut s, &small, 4096);
        assert_eq!(s.bytes(), small.len() as u64);
        let d = s.finish().unwrap();
        assert!(matches!(d, Data::Owned(_)));
        assert_eq!(&d[..], &small[..]);

        let large = data(3 * BLOCK + 12345);
        let mut s = Spool::with_cap(200_000, false);
        fill(&mut s, &large, 70_000);
        let newlines = large.iter().filter(|&&b| b == b'\n').count() as u64;
        assert_eq!(s.lines(), newlines + u64::from(!large.ends_with(b"\n")));
        let d = s.finish().unwrap();
        assert!(matches!(d, Data::Mapped(_) | Data::Owned(_)));
        assert_eq!(&d[..], &large[..]);
        assert_eq!(d.shrunk(), None);
    }

    #[test]
    fn nothing_taken_is_empty() {
        for cap in [0, 1 << 20] {
            let d = Spool::with_cap(cap, false).finish().unwrap();
            assert!(d.is_empty());
        }
    }

    #[test]
    fn failed_write_fails_instead_of_growing_memory() {
        let all = data(2 * BLOCK + 999);
        let mut s = Spool::with_cap(0, false);
        fill(&mut s, &all[..BLOCK + 5], 1000);
        assert!(s.file.is_some());
        // A write that fails as a full disk would: the file is read-only from now on.
        let path = format!("/proc/self/fd/{}", {
            use std::os::fd::AsRawFd;
            s.file.as_ref().unwrap().as_raw_fd()
        });
        s.file = Some(File::open(path).unwrap());
        let mut failed = None;
        for c in all[BLOCK + 5..].chunks(1000) {
            match s.space() {
                Ok(room) => {
                    let n = c.len().min(room.len());
                    room[..n].copy_from_slice(&c[..n]);
                    s.commit(n);
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let e = failed.expect("the failed write is an error");
        assert!(e.to_string().contains("cannot write a temporary file"), "{e}");
    }
}
