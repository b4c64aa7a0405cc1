//! Memory-mapped files that survive being truncated while mapped.
//!
//! Reading a page of a shared file mapping that lies past the file's current end raises
//! SIGBUS, which by default kills the process. A log file is truncated under a reader all
//! the time (`logrotate copytruncate`, `> app.log`), so deskew installs, once per process, a
//! SIGBUS handler that:
//! - handles only kernel-raised faults whose address falls inside a mapping registered here
//!   (a fixed-size lock-free table of address ranges): it maps an anonymous zero page over
//!   the faulting page (`mmap(MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS)`, async-signal-safe on
//!   Linux in practice) and records the lowest faulting offset, so the read goes on with
//!   zeros;
//! - for any other SIGBUS, restores the default action and re-raises it.
//!
//! The reader then asks [`Mapped::shrunk`] where the valid data ends, stops there, and warns.
//! When the table is full or the handler cannot be installed, a file is read into memory
//! instead of mapped.
//!
//! A mapping keeps its file open (to see its current length), so the table uses at most half
//! of the process's file-descriptor limit: thousands of small files named at once must not
//! exhaust the descriptors and make later opens fail.

use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Once;

use memmap2::{Mmap, MmapOptions};

/// How many mappings can be guarded at once; past that, files are read into memory.
const SLOTS: usize = 1024;
/// What a read through a file mapping may bring in around the bytes read: the kernel maps
/// the cached pages around a faulting one (`fault_around_bytes`, 64 KiB by default), and a
/// page cache of large folios maps a whole folio, up to a page table's reach (2 MiB with 4
/// KiB pages), aligned to its size (measured: dropping only the 64 KiB around each read
/// left most of a 200 MiB spool resident). A read through the mapping drops the blocks of
/// that size it touched.
fn fault_around() -> usize {
    let page = PAGE_SIZE.load(Ordering::Relaxed).max(4096);
    // A page table holds a page of 8-byte entries.
    page.saturating_mul(page / 8)
}

struct Slot {
    claimed: AtomicBool,
    /// Start address of the mapping; 0 while the slot is free or being filled.
    start: AtomicUsize,
    /// One past the last byte of the mapping (rounded up to a page).
    end: AtomicUsize,
    /// Lowest offset (from `start`) of a page that faulted; `usize::MAX` if none.
    first_fault: AtomicUsize,
}

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
    claimed: AtomicBool::new(false),
    start: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
    first_fault: AtomicUsize::new(usize::MAX),
};

static TABLE: [Slot; SLOTS] = [FREE; SLOTS];
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();
static BUDGET: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
/// Descriptors kept by private mappings (see [`Mapped::private`]).
static PRIVATE_FDS: AtomicUsize = AtomicUsize::new(0);

/// How many slots may be used: at most half the soft limit on open files (the other half is
/// for files being opened or read, histories, output), and at most [`SLOTS`].
fn budget() -> usize {
    *BUDGET.get_or_init(|| {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes into the struct passed; no other effect.
        let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0;
        if !ok || lim.rlim_cur == libc::RLIM_INFINITY {
            return SLOTS;
        }
        usize::try_from(lim.rlim_cur / 2).unwrap_or(SLOTS).min(SLOTS)
    })
}

/// Installs the SIGBUS handler once per process; false if that failed.
fn install() -> bool {
    INSTALL.call_once(|| {
        // SAFETY: sysconf and sigaction are called with valid arguments; the handler only
        // touches atomics and async-signal-safe calls.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE);
            PAGE_SIZE.store(if page > 0 { page as usize } else { 4096 }, Ordering::SeqCst);
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            let ok = libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut()) == 0;
            INSTALLED.store(ok, Ordering::SeqCst);
        }
    });
    INSTALLED.load(Ordering::SeqCst)
}

extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo_t; only async-signal-safe calls follow.
    unsafe {
        // si_code > 0: raised by the kernel for a fault (not kill/raise, where si_addr is
        // not an address).
        if !info.is_null() && (*info).si_code > 0 {
            let addr = (*info).si_addr() as usize;
            let page = PAGE_SIZE.load(Ordering::Relaxed);
            for slot in TABLE.iter() {
                let start = slot.start.load(Ordering::Acquire);
                if start == 0 || addr < start || addr >= slot.end.load(Ordering::Acquire) {
                    continue;
                }
                let page_addr = addr & !(page - 1);
                let zero = libc::mmap(
                    page_addr as *mut libc::c_void,
                    page,
                    libc::PROT_READ,
                    libc::MAP_FIXED | libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                );
                if zero != libc::MAP_FAILED {
                    slot.first_fault.fetch_min(page_addr - start, Ordering::AcqRel);
                    return;
                }
                break;
            }
        }
        // Not ours: die as if no handler were installed.
        let mut dfl: libc::sigaction = std::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&mut dfl.sa_mask);
        libc::sigaction(sig, &dfl, std::ptr::null_mut());
        libc::raise(sig);
    }
}

/// A read-only shared mapping of a whole file, guarded against truncation; or, for a file
/// no one else can reach, not guarded ([`Mapped::private`]).
pub struct Mapped {
    map: Mmap,
    /// The file, for `read_at` and `shrunk`; `None` for a private one past the few that
    /// keep a descriptor (the mapping keeps the unlinked file alive): thousands of them must
    /// not hold as many descriptors.
    file: Option<File>,
    /// Its slot in the guard table; `None` for a private one.
    slot: Option<usize>,
}

impl Mapped {
    /// Maps `file` (of `len` bytes, `len > 0`). `Ok(None)`: it cannot be guarded now (the
    /// handler is missing or the table is full); read the file instead.
    pub fn new(file: File, len: u64) -> io::Result<Option<Mapped>> {
        if !install() {
            return Ok(None);
        }
        let Ok(len) = usize::try_from(len) else {
            return Ok(None);
        };
        let Some(slot) = TABLE[..budget()].iter().position(|s| {
            s.claimed.compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed).is_ok()
        }) else {
            return Ok(None);
        };
        // SAFETY: the file may change under the mapping; a read past its new end is caught by
        // the SIGBUS handler above, and changed contents are only bytes, never UB we rely on.
        let map = match unsafe { MmapOptions::new().len(len).map(&file) } {
            Ok(map) => map,
            Err(e) => {
                TABLE[slot].claimed.store(false, Ordering::Release);
                return Err(e);
            }
        };
        let _ = map.advise(memmap2::Advice::Sequential);
        let page = PAGE_SIZE.load(Ordering::Relaxed);
        let start = map.as_ptr() as usize;
        let s = &TABLE[slot];
        s.first_fault.store(usize::MAX, Ordering::Release);
        s.end.store(start + len.div_ceil(page) * page, Ordering::Release);
        s.start.store(start, Ordering::Release);
        Ok(Some(Mapped { map, file: Some(file), slot: Some(slot) }))
    }

    /// Maps `file` (of `len` bytes, `len > 0`), an unlinked temporary file of this process's
    /// own, which no one else can truncate: it needs no guard slot. It keeps a descriptor of
    /// its own while few do (a quarter of the guard slots' budget), for `read_at` to `pread`;
    /// past that it keeps none and `read_at` reads through the mapping, so any number of them
    /// can be had. (Reading through the mapping and dropping what that brought in made a
    /// merge of gzipped logs, all of which are such copies, 20 to 60% slower.)
    pub fn private(file: &File, len: u64) -> io::Result<Mapped> {
        let keep = PRIVATE_FDS.fetch_add(1, Ordering::AcqRel) < budget() / 4;
        let kept = if keep { file.try_clone().ok() } else { None };
        if kept.is_none() {
            PRIVATE_FDS.fetch_sub(1, Ordering::AcqRel);
        }
        Self::private_with(file, len, kept)
    }

    /// [`Mapped::private`], keeping `kept` (a descriptor of the file, counted in
    /// `PRIVATE_FDS`) or none.
    fn private_with(file: &File, len: u64, kept: Option<File>) -> io::Result<Mapped> {
        let len = usize::try_from(len).map_err(|_| io::ErrorKind::InvalidInput)?;
        // For the page size `release` needs (the handler is not needed here).
        install();
        // SAFETY: nothing else has the file (unlinked, its descriptors this process's), so
        // it cannot change under the mapping.
        let map = unsafe { MmapOptions::new().len(len).map(file)? };
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(Mapped { map, file: kept, slot: None })
    }

    /// Drop the pages of `range` (byte offsets) from this process's resident set: a reader
    /// done with them says so, and memory stays bounded however large the file. The pages
    /// stay in the page cache; a later read maps them back (same bytes, a minor fault).
    /// Only whole pages inside the range are dropped.
    pub fn release(&self, range: std::ops::Range<usize>) {
        let page = PAGE_SIZE.load(Ordering::Relaxed).max(1);
        let start = range.start.div_ceil(page) * page;
        let end = if range.end >= self.map.len() {
            self.map.len().div_ceil(page) * page
        } else {
            range.end / page * page
        };
        if start >= end {
            return;
        }
        // SAFETY: madvise only changes residency. MADV_DONTNEED on a read-only shared file
        // mapping (or on the anonymous zero pages the SIGBUS handler put there) never loses
        // data: the next read of the range faults the same bytes back in (zeros for the
        // zero pages). The range lies inside this mapping, page-aligned, and a concurrent
        // reader of it just takes a fault. (memmap2 makes DONTNEED unsafe because on a
        // private writable mapping it would discard changes; this one has none.)
        unsafe {
            libc::madvise(
                self.map.as_ptr().add(start) as *mut libc::c_void,
                end - start,
                libc::MADV_DONTNEED,
            );
        }
    }

    /// Copy the file's bytes at `offset` into `buf` by reading the file, not the mapping: a
    /// reader that jumps about the file reads a few bytes without mapping (and later
    /// dropping) the 64 KiB the kernel maps around each page it faults in. Fails on a short
    /// read (the file was cut). A private mapping has no descriptor: it is copied from the
    /// mapping, and the pages that brought in (see [`fault_around`]) are dropped again at
    /// once, so that such reads leave nothing resident, as a `pread` would not.
    pub fn read_at(&self, buf: &mut [u8], offset: usize) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        if let Some(file) = &self.file {
            return file.read_exact_at(buf, offset as u64);
        }
        let end = offset.checked_add(buf.len()).filter(|&e| e <= self.map.len());
        let Some(end) = end else {
            return Err(io::ErrorKind::UnexpectedEof.into());
        };
        buf.copy_from_slice(&self.map[offset..end]);
        let around = fault_around();
        let lo = offset / around * around;
        let hi = end.div_ceil(around).saturating_mul(around);
        self.release(lo..hi.max(lo));
        Ok(())
    }

    /// Where the valid data now ends, if before the end of the mapping: the file was
    /// truncated (its current length), or a page faulted (its offset), whichever is lower.
    /// Bytes from there on read as zeros (or as whatever was later written in their place).
    pub fn shrunk(&self) -> Option<usize> {
        let len = self.map.len();
        let slot = self.slot?;
        let fault = TABLE[slot].first_fault.load(Ordering::Acquire);
        let now = match self.file.as_ref().map(File::metadata) {
            Some(Ok(m)) => usize::try_from(m.len()).unwrap_or(usize::MAX),
            _ => usize::MAX,
        };
        let end = fault.min(now);
        (end < len).then_some(end)
    }
}

impl std::ops::Deref for Mapped {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        let Some(slot) = self.slot else {
            if self.file.is_some() {
                PRIVATE_FDS.fetch_sub(1, Ordering::AcqRel);
            }
            return;
        };
        let s = &TABLE[slot];
        s.start.store(0, Ordering::Release);
        s.end.store(0, Ordering::Release);
        s.first_fault.store(usize::MAX, Ordering::Release);
        s.claimed.store(false, Ordering::Release);
    }
}

impl std::fmt::Debug for Mapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapped").field("len", &self.map.len()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::Command;

    /// Runs the ignored test `name` of this module in a child process, so that a SIGBUS
    /// kills only the child; returns its exit status (success only if the test ran).
    fn run_child(name: &str) -> std::process::ExitStatus {
        let module = module_path!();
        let module = module.split_once("::").map_or(module, |(_, rest)| rest);
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", &format!("{module}::{name}"), "--ignored", "--test-threads=1"])
            .env("DESKEW_SIGBUS_CHILD", "1")
            .output()
            .map(|o| {
                let out = String::from_utf8_lossy(&o.stdout);
                if o.status.success() {
                    assert!(out.contains("1 passed"), "the child ran no test: {out}");
                } else {
                    eprintln!("{out}");
                    eprintln!("{}", String::from_utf8_lossy(&o.stderr));
                }
                o.status
            })
            .unwrap()
    }

    #[test]
    fn survives_truncation_while_mapped() {
        assert!(run_child("child_truncate").success());
    }

    #[test]
    fn released_pages_read_back_the_same() {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        tmp.write_all(&data).unwrap();
        tmp.flush().unwrap();
        let file = File::open(tmp.path()).unwrap();
        let Some(mapped) = Mapped::new(file, data.len() as u64).unwrap() else { return };
        assert_eq!(&mapped[..], &data[..]);
        for range in [0..1, 5000..70_000, 0..data.len(), 299_999..400_000] {
            mapped.release(range);
            assert_eq!(&mapped[..], &data[..]);
        }
    }

    #[test]
    fn a_private_mapping_takes_no_slot_and_reads_and_releases_like_a_guarded_one() {
        let mut file = tempfile::tempfile().unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        file.write_all(&data).unwrap();
        // Past the descriptors private mappings may keep: read through the mapping.
        let mapped = Mapped::private_with(&file, data.len() as u64, None).unwrap();
        let kept = Mapped::private(&file, data.len() as u64).unwrap();
        drop(file);
        assert!(mapped.slot.is_none() && mapped.file.is_none(), "no slot, no descriptor");
        assert!(kept.slot.is_none() && kept.file.is_some(), "no slot, a descriptor of its own");
        let mut buf = [0u8; 100];
        kept.read_at(&mut buf, 2000).unwrap();
        assert_eq!(&buf[..], &data[2000..2100]);
        assert!(PAGE_SIZE.load(Ordering::Relaxed) > 1, "release needs the page size");
        for range in [5000..70_000, 0..data.len()] {
            mapped.release(range);
            assert_eq!(&mapped[..], &data[..]);
        }
        mapped.read_at(&mut buf, 1000).unwrap();
        assert_eq!(&buf[..], &data[1000..1100]);
        mapped.read_at(&mut buf, data.len() - 100).unwrap();
        assert_eq!(&buf[..], &data[data.len() - 100..]);
        assert!(mapped.read_at(&mut buf, data.len() - 99).is_err(), "past the end");
        assert!(mapped.read_at(&mut buf, usize::MAX - 10).is_err(), "no overflow");
        assert_eq!(&mapped[..], &data[..]);
        assert_eq!(mapped.shrunk(), None);
    }

    #[test]
    fn foreign_sigbus_still_kills() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(run_child("child_foreign_sigbus").signal(), Some(libc::SIGBUS));
    }

    #[test]
    #[ignore = "run by survives_truncation_while_mapped in a child process"]
    fn child_truncate() {
        if std::env::var_os("DESKEW_SIGBUS_CHILD").is_none() {
            return;
        }
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        let line = b"2026-11-20T10:00:00Z host app: a line of text\n";
        let mut len = 0;
        while len < 64 * 1024 {
            tmp.write_all(line).unwrap();
            len += line.len();
        }
        tmp.flush().unwrap();
        let file = File::open(tmp.path()).unwrap();
        let mapped = Mapped::new(file, len as u64).unwrap().unwrap();
        assert_eq!(mapped.shrunk(), None);
        assert_eq!(&mapped[..line.len()], line);
        let new_len = 5000;
        tmp.as_file().set_len(new_len as u64).unwrap();
        let mut sum = 0u64;
        let mut zeros = 0usize;
        for &b in mapped.iter() {
            sum += u64::from(b);
            zeros += usize::from(b == 0);
        }
        assert!(sum > 0);
        assert_eq!(zeros, len - new_len);
        assert!(mapped[new_len..].iter().all(|&b| b == 0));
        assert_eq!(mapped.shrunk(), Some(new_len));
        // The file grows back: the faulted pages still hold zeros, so the first fault bounds
        // the valid data.
        tmp.as_file().set_len(len as u64).unwrap();
        let page = PAGE_SIZE.load(Ordering::Relaxed);
        assert_eq!(mapped.shrunk(), Some(new_len.div_ceil(page) * page));
        drop(mapped);
        assert!(TABLE.iter().all(|s| !s.claimed.load(Ordering::Acquire)));
    }

    #[test]
    #[ignore = "run by foreign_sigbus_still_kills in a child process"]
    fn child_foreign_sigbus() {
        if std::env::var_os("DESKEW_SIGBUS_CHILD").is_none() {
            return;
        }
        assert!(install());
        // SAFETY: raising a signal; the default action must end this process.
        unsafe {
            libc::raise(libc::SIGBUS);
        }
        // Not reached when SIGBUS kills as it should.
        std::process::exit(0);
    }
}
