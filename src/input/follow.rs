//! Following files as they grow, as `tail -F` does: each named file from its end (or its
//! last `tail` lines), directories watched for new files (read from their start), rotation
//! (the name now names another file: what the old one gained is read to its end, then the
//! new one from its start), truncation (copytruncate: read again from the start) and
//! deletion (the name is watched until it comes back).
//!
//! The `notify` crate wakes the caller when something changes (inotify; its polling watcher
//! where inotify is not available, as on network filesystems); the caller then `poll`s,
//! which looks at every followed name and reads what each file gained. Looking is cheap (a
//! `stat` per file), so the caller also polls every second: a change the watcher missed is
//! seen then.

use std::collections::{HashSet, VecDeque};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

use super::{discover, SourceSpec};

/// What wakes a follower's driver.
#[derive(Debug)]
pub enum Wake {
    /// A file or directory changed; `names`: a file was created, renamed or removed (the
    /// directories are worth listing again).
    Changed { names: bool },
    /// SIGINT or SIGTERM.
    Stop,
}

/// What `poll` found for a followed file (by its index, in the order files were first seen).
pub enum Change<'a> {
    /// A file is followed from now on (its index is new).
    Added(&'a SourceSpec),
    /// The file gained these bytes.
    Data(&'a [u8]),
    /// What follows comes from the start of a file again (truncated or replaced); the
    /// message says which, for stderr.
    Restarted(String),
}

/// Bytes read from a file at a time.
const CHUNK: usize = 1 << 16;

/// How many replaced files' identities are remembered, so that a rotated file that shows up
/// under a new name in a watched directory is not read again as new.
const RETIRED: usize = 4096;

/// The polling watcher's interval, where inotify is not available.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

struct Followed {
    spec: SourceSpec,
    /// The file being read, with its identity (device, inode) and the position read to.
    open: Option<(File, (u64, u64), u64)>,
    /// The name is gone (deleted or renamed away); said once.
    gone: bool,
}

pub struct Follower {
    files: Vec<Followed>,
    /// Directory PATHs, listed again for new files.
    dirs: Vec<String>,
    /// Identities of files read to their end and let go (rotated away), newest last.
    retired: VecDeque<(u64, u64)>,
    /// Paths under a watched directory that name a file already read under another name.
    ignored: HashSet<PathBuf>,
    /// Kept alive: dropping it stops the watching.
    _watcher: Box<dyn Watcher + Send>,
    /// The watcher is the polling one (inotify could not be used).
    pub polling: bool,
    buf: Vec<u8>,
}

/// Compressed files are finished rotations: there is nothing to follow in them.
fn compressed(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    matches!(ext, "gz" | "zst" | "bz2" | "xz" | "lz4" | "zip")
}

fn identity(m: &std::fs::Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

/// Where the last `n` lines of `file` (of `len` bytes) start.
fn tail_start(file: &mut File, len: u64, n: usize) -> io::Result<u64> {
    if n == 0 || len == 0 {
        return Ok(len);
    }
    let mut buf = vec![0u8; CHUNK];
    let mut end = len;
    // A final line without its line break counts as a line.
    let mut seen = 0usize;
    let mut first = true;
    while end > 0 {
        let start = end.saturating_sub(CHUNK as u64);
        let part = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(part)?;
        let mut upto = part.len();
        if first {
            first = false;
            // The line break that ends the file ends its last line: it starts no line.
            if part.last() == Some(&b'\n') {
                upto -= 1;
            }
        }
        for i in memchr::memrchr_iter(b'\n', &part[..upto]) {
            seen += 1;
            if seen == n {
                return Ok(start + i as u64 + 1);
            }
        }
        end = start;
    }
    Ok(0)
}

impl Follower {
    /// Follow `paths` (files and directories), each file from its last `tail` lines, with
    /// changes reported on `wake`. Problems with a path are appended to `errors`.
    pub fn start(
        paths: &[String],
        tail: usize,
        wake: Sender<Wake>,
        force_poll: bool,
        errors: &mut Vec<String>,
    ) -> Follower {
        let tx = wake.clone();
        let handler = move |ev: notify::Result<notify::Event>| {
            let names = match &ev {
                Ok(e) => {
                    matches!(e.kind, EventKind::Create(_) | EventKind::Remove(_))
                        || matches!(e.kind, EventKind::Modify(notify::event::ModifyKind::Name(_)))
                }
                Err(_) => true,
            };
            let _ = tx.send(Wake::Changed { names });
        };
        let mut polling = force_poll;
        let mut watcher: Box<dyn Watcher + Send> = match force_poll {
            false => {
                match notify::RecommendedWatcher::new(handler.clone(), notify::Config::default()) {
                    Ok(w) => Box::new(w),
                    Err(e) => {
                        errors.push(format!("cannot watch files ({e}); polling them every second"));
                        polling = true;
                        Box::new(poll_watcher(handler.clone()))
                    }
                }
            }
            true => Box::new(poll_watcher(handler.clone())),
        };
        let mut dirs = Vec::new();
        let mut watched: HashSet<PathBuf> = HashSet::new();
        for p in paths {
            let path = Path::new(p);
            let (target, mode) = if path.is_dir() {
                dirs.push(p.clone());
                (path.to_path_buf(), RecursiveMode::Recursive)
            } else {
                // The directory, so that a file renamed away and created again is seen.
                let parent = path.parent().filter(|d| !d.as_os_str().is_empty());
                (parent.unwrap_or(Path::new(".")).to_path_buf(), RecursiveMode::NonRecursive)
            };
            if !watched.insert(target.clone()) {
                continue;
            }
            if let Err(e) = watcher.watch(&target, mode) {
                if !polling {
                    // inotify may be out of watches, or the filesystem may not support it:
                    // the polling watcher works everywhere.
                    errors.push(format!(
                        "{}: cannot watch ({e}); polling every second instead",
                        target.display()
                    ));
                    polling = true;
                    watcher = Box::new(poll_watcher(handler.clone()));
                    for t in watched.iter() {
                        let m = if Path::new(t).is_dir() && dirs.iter().any(|d| Path::new(d) == t) {
                            RecursiveMode::Recursive
                        } else {
                            RecursiveMode::NonRecursive
                        };
                        let _ = watcher.watch(t, m);
                    }
                } else {
                    errors.push(format!("{}: cannot watch: {e}", target.display()));
                }
            }
        }
        let mut f = Follower {
            files: Vec::new(),
            dirs,
            retired: VecDeque::new(),
            ignored: HashSet::new(),
            _watcher: watcher,
            polling,
            buf: vec![0; CHUNK],
        };
        for spec in discover(paths, errors) {
            if spec.is_stdin || compressed(&spec.path) {
                continue;
            }
            f.add(spec, Some(tail), errors);
        }
        f
    }

    /// Files followed so far (indices run up to this).
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// The file at index `i` (`i < len()`).
    pub fn spec(&self, i: usize) -> &SourceSpec {
        &self.files[i].spec
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Follow `spec` from its last `tail` lines (`None`: from its start, a new file).
    fn add(&mut self, spec: SourceSpec, tail: Option<usize>, errors: &mut Vec<String>) {
        let open = match File::open(&spec.path).and_then(|mut f| {
            let m = f.metadata()?;
            let pos = match tail {
                Some(n) => tail_start(&mut f, m.len(), n)?,
                None => 0,
            };
            Ok((f, identity(&m), pos))
        }) {
            Ok(o) => Some(o),
            Err(e) => {
                errors.push(format!("{}: {e}", spec.display));
                None
            }
        };
        self.files.push(Followed { spec, open, gone: false });
    }

    /// Whether a file of this identity is followed or was read and let go.
    fn known(&self, id: (u64, u64)) -> bool {
        self.retired.contains(&id)
            || self.files.iter().any(|f| f.open.as_ref().is_some_and(|o| o.1 == id))
    }

    /// Look at every followed name (and, with `names`, list the watched directories for new
    /// files), reporting each change to `on` as (file index, change).
    pub fn poll(&mut self, names: bool, on: &mut dyn FnMut(usize, Change)) {
        if names && !self.dirs.is_empty() {
            let mut errors = Vec::new();
            for spec in discover(&self.dirs, &mut errors) {
                if compressed(&spec.path)
                    || self.ignored.contains(&spec.path)
                    || self.files.iter().any(|f| f.spec.path == spec.path)
                {
                    continue;
                }
                match std::fs::metadata(&spec.path) {
                    Ok(m) if self.known(identity(&m)) => {
                        self.ignored.insert(spec.path);
                    }
                    Ok(_) => {
                        let mut errs = Vec::new();
                        self.add(spec, None, &mut errs);
                        for e in errs {
                            crate::diag::error(e);
                        }
                        let i = self.files.len() - 1;
                        on(i, Change::Added(&self.files[i].spec));
                    }
                    Err(_) => {}
                }
            }
            // A directory that went away is said to be gone by the walk; it is watched again
            // if it comes back (the watcher drops it), which is enough for a follow run.
        }
        for i in 0..self.files.len() {
            self.poll_file(i, on);
        }
    }

    fn poll_file(&mut self, i: usize, on: &mut dyn FnMut(usize, Change)) {
        let f = &mut self.files[i];
        // What the open file gained, first: a rotated file's last lines come before the new
        // file's first. The name is looked at after that, and a truncation on the open file
        // itself: a file that grows between a look and a read is not taken as truncated.
        let mut truncated = false;
        if let Some((file, _, pos)) = &mut f.open {
            if let Err(e) = read_new(file, pos, &mut self.buf, &mut |d| on(i, Change::Data(d))) {
                crate::diag::error(format!("{}: {e}", f.spec.display));
            }
            truncated = file.metadata().is_ok_and(|m| m.len() < *pos);
        }
        let now = std::fs::metadata(&f.spec.path);
        match now {
            Err(_) => {
                if !f.gone {
                    f.gone = true;
                    crate::diag::note(format!(
                        "{}: has gone away; following it again if it comes back",
                        f.spec.display
                    ));
                }
            }
            Ok(m) => {
                let id = identity(&m);
                let same = f.open.as_ref().is_some_and(|o| o.1 == id);
                if same && truncated {
                    // Truncated in place (copytruncate, or `> file`): read it from the start.
                    let o = f.open.as_mut().expect("same file");
                    o.2 = 0;
                    on(
                        i,
                        Change::Restarted(format!(
                            "{}: truncated; read from its start",
                            f.spec.display
                        )),
                    );
                } else if !same && m.is_file() {
                    let old = f.open.take();
                    let was = old.is_some();
                    if let Some((_, oid, _)) = old {
                        self.retired.push_back(oid);
                        if self.retired.len() > RETIRED {
                            self.retired.pop_front();
                        }
                    }
                    match File::open(&f.spec.path) {
                        Ok(file) => {
                            let why = if was { "replaced (rotated)" } else { "appeared" };
                            f.open = Some((file, id, 0));
                            f.gone = false;
                            on(
                                i,
                                Change::Restarted(format!(
                                    "{}: {why}; following the new file",
                                    f.spec.display
                                )),
                            );
                        }
                        Err(e) => crate::diag::error(format!("{}: {e}", f.spec.display)),
                    }
                } else {
                    return;
                }
                if let Some((file, _, pos)) = &mut f.open {
                    if let Err(e) =
                        read_new(file, pos, &mut self.buf, &mut |d| on(i, Change::Data(d)))
                    {
                        crate::diag::error(format!("{}: {e}", f.spec.display));
                    }
                }
            }
        }
    }
}

fn poll_watcher<F>(handler: F) -> notify::PollWatcher
where
    F: notify::EventHandler,
{
    notify::PollWatcher::new(handler, notify::Config::default().with_poll_interval(POLL_INTERVAL))
        .expect("the polling watcher needs no system resources")
}

/// Read `file` from `pos` to its end, a chunk at a time.
fn read_new(
    file: &mut File,
    pos: &mut u64,
    buf: &mut [u8],
    on: &mut dyn FnMut(&[u8]),
) -> io::Result<()> {
    file.seek(SeekFrom::Start(*pos))?;
    loop {
        let n = match file.read(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        *pos += n as u64;
        on(&buf[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn start_of_last(text: &[u8], n: usize) -> usize {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(text).unwrap();
        tail_start(&mut f, text.len() as u64, n).unwrap() as usize
    }

    #[test]
    fn tail_start_finds_the_last_n_lines_as_tail_does() {
        assert_eq!(start_of_last(b"a\nb\nc\n", 1), 4);
        assert_eq!(start_of_last(b"a\nb\nc\n", 2), 2);
        assert_eq!(start_of_last(b"a\nb\nc\n", 3), 0);
        assert_eq!(start_of_last(b"a\nb\nc\n", 9), 0);
        assert_eq!(start_of_last(b"a\nb\nc", 1), 4, "a last line without its break");
        assert_eq!(start_of_last(b"a\nb\nc\n", 0), 6);
        assert_eq!(start_of_last(b"", 3), 0);
    }

    #[test]
    fn tail_start_crosses_chunks() {
        let line = vec![b'x'; 1000];
        let mut text = Vec::new();
        for _ in 0..200 {
            text.extend_from_slice(&line);
            text.push(b'\n');
        }
        assert_eq!(start_of_last(&text, 150), 50 * 1001);
    }

    #[test]
    fn compressed_rotations_are_not_followed() {
        assert!(compressed(Path::new("/var/log/syslog.2.gz")));
        assert!(!compressed(Path::new("/var/log/syslog.1")));
    }
}
