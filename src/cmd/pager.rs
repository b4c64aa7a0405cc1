//! The pager, as git and hl do it: output to a terminal goes through `$DESKEW_PAGER`, else
//! `$PAGER`, else `less -RFX` (colour kept, quit at once if it fits one screen, the text left
//! on the screen). The pager starts at the first byte written, so a run that writes nothing,
//! or fails before writing, shows no pager; quitting it early ends deskew quietly (the
//! writes see a closed pipe, which `cmd::main` takes as the reader having gone).

use std::io::{self, Write};
use std::process::{Child, ChildStdin, Command, Stdio};

/// `--paging`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paging {
    /// When stdout is a terminal (never for `--follow` or a live stdin stream).
    Auto,
    Always,
    Never,
}

/// The pager to run: `None` for none. A variable set to empty or `cat` asks for no pager
/// (git's rule); `DESKEW_PAGER` comes before `PAGER`.
pub fn choose(deskew_pager: Option<&str>, pager: Option<&str>) -> Option<Command> {
    let chosen = deskew_pager.or(pager);
    match chosen.map(str::trim) {
        Some("" | "cat") => None,
        Some(p) => {
            let mut c = Command::new("sh");
            c.arg("-c").arg(p);
            // less without LESS set: keep colour, quit if one screen, no screen clearing.
            if std::env::var_os("LESS").is_none() {
                c.env("LESS", "FRX");
            }
            Some(c)
        }
        None => {
            let mut c = Command::new("less");
            c.arg("-RFX");
            Some(c)
        }
    }
}

/// Output through a pager started at the first write. If it cannot be started (no `less`
/// on this machine), output goes to stdout instead.
pub struct Pager {
    command: Option<Command>,
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    fallback: bool,
}

impl Pager {
    pub fn new(command: Command) -> Pager {
        Pager { command: Some(command), child: None, stdin: None, fallback: false }
    }

    fn start(&mut self) {
        let Some(mut c) = self.command.take() else { return };
        match c.stdin(Stdio::piped()).spawn() {
            Ok(mut child) => {
                self.stdin = child.stdin.take();
                self.child = Some(child);
            }
            Err(_) => self.fallback = true,
        }
    }

    /// Close the pager's input and wait for the user to quit it.
    pub fn wait(&mut self) {
        drop(self.stdin.take());
        if let Some(mut c) = self.child.take() {
            let _ = c.wait();
        }
    }
}

impl Write for Pager {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.start();
        match &mut self.stdin {
            Some(s) => s.write(b),
            None if self.fallback => io::stdout().write(b),
            None => Err(io::ErrorKind::BrokenPipe.into()),
        }
    }
    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        self.start();
        match &mut self.stdin {
            Some(s) => s.write_all(b),
            None if self.fallback => io::stdout().write_all(b),
            None => Err(io::ErrorKind::BrokenPipe.into()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.stdin {
            Some(s) => s.flush(),
            None if self.fallback => io::stdout().flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Pager {
    fn drop(&mut self) {
        self.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::choose;

    fn shown(c: Option<std::process::Command>) -> Option<String> {
        c.map(|c| {
            let mut v = vec![c.get_program().to_string_lossy().into_owned()];
            v.extend(c.get_args().map(|a| a.to_string_lossy().into_owned()));
            v.join(" ")
        })
    }

    #[test]
    fn the_pager_is_deskew_pager_then_pager_then_less() {
        assert_eq!(shown(choose(None, None)).as_deref(), Some("less -RFX"));
        assert_eq!(shown(choose(None, Some("most"))).as_deref(), Some("sh -c most"));
        assert_eq!(shown(choose(Some("less -S"), Some("most"))).as_deref(), Some("sh -c less -S"));
        assert_eq!(shown(choose(Some(""), Some("most"))), None);
        assert_eq!(shown(choose(None, Some("cat"))), None);
        assert_eq!(shown(choose(Some("cat"), None)), None);
    }
}
