//! The terminal view of text output: the host column padded to the widest host (and a record
//! without a time padded to the time's width), and, when colour is on, the time dimmed, each
//! host in a colour of its own (a hash of its name, so a host keeps its colour from run to
//! run) and the level in its severity's colour, as lnav and hl do. Files and pipes get the
//! plain text of SPEC ("Text output"); nothing here runs for them.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use super::severity::Severity;
use super::stamp::{self, Precision};
use crate::record::Record;

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    /// When stdout is a terminal, unless `NO_COLOR` is set (or `TERM=dumb`); also when
    /// `CLICOLOR_FORCE` is set.
    Auto,
    Always,
    Never,
}

/// What the environment says about colour (read by the caller, so the rule is pure).
#[derive(Clone, Debug, Default)]
pub struct ColorEnv {
    pub no_color: Option<String>,
    pub clicolor_force: Option<String>,
    pub term: Option<String>,
}

impl ColorEnv {
    pub fn from_env() -> ColorEnv {
        let var = |k| std::env::var(k).ok();
        ColorEnv {
            no_color: var("NO_COLOR"),
            clicolor_force: var("CLICOLOR_FORCE"),
            term: var("TERM"),
        }
    }
}

/// Whether output is coloured. no-color.org: `NO_COLOR` set and not empty turns colour off;
/// bixense.com/clicolors: `CLICOLOR_FORCE` set and not `0` turns it on even into a pipe.
/// An explicit `--color always|never` overrides both.
pub fn use_color(choice: ColorChoice, terminal: bool, env: &ColorEnv) -> bool {
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set(&env.no_color) => false,
        ColorChoice::Auto
            if set(&env.clicolor_force) && env.clicolor_force.as_deref() != Some("0") =>
        {
            true
        }
        ColorChoice::Auto => terminal && env.term.as_deref() != Some("dumb"),
    }
}

/// Host names longer than this are not padded to (one long name would push every line right).
const MAX_HOST: usize = 24;

const RESET: &[u8] = b"\x1b[0m";
const TIME: &[u8] = b"\x1b[2m";

/// Host colours: 256-colour indices that read on dark and light backgrounds and are none of
/// the level colours (red, yellow, green).
const PALETTE: [u8; 12] = [39, 208, 141, 43, 214, 170, 75, 149, 204, 117, 180, 111];

/// The colour of a severity's range.
fn level_color(s: Severity) -> &'static [u8] {
    match s.floor().number() {
        1 => b"\x1b[2m",      // trace: dim
        5 => b"\x1b[34m",     // debug: blue
        9 => b"\x1b[32m",     // info: green
        13 => b"\x1b[33m",    // warn: yellow
        17 => b"\x1b[1;31m",  // error: bold red
        _ => b"\x1b[1;7;31m", // fatal: bold red, reversed
    }
}

/// A host's colour escape (`ESC[38;5;Nm`): FNV-1a of the name into the palette.
pub fn host_color(host: &str) -> [u8; 11] {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in host.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let n = PALETTE[(h % PALETTE.len() as u64) as usize];
    let mut e = *b"\x1b[38;5;000m";
    e[7] = b'0' + n / 100;
    e[8] = b'0' + n / 10 % 10;
    e[9] = b'0' + n % 10;
    e
}

/// The terminal view of one run.
#[derive(Debug)]
pub struct View {
    pub color: bool,
    /// Width of the host column: the widest host name seen so far (capped).
    host_width: AtomicUsize,
    time_width: usize,
}

impl View {
    pub fn new(color: bool, precision: Precision) -> View {
        let mut b = Vec::new();
        stamp::write(&mut b, 0, precision);
        View { color, host_width: AtomicUsize::new(0), time_width: b.len() }
    }

    /// Widen the host column to fit `hosts` (the run's hosts known so far).
    pub fn widen(&self, hosts: &[String]) {
        let w = hosts.iter().map(|h| h.chars().count().min(MAX_HOST)).max().unwrap_or(0);
        self.host_width.fetch_max(w, Relaxed);
    }

    /// Append one record as a text line for the terminal.
    pub fn write(
        &self,
        buf: &mut Vec<u8>,
        rec: &Record,
        text: &[u8],
        host: &str,
        severity: Option<Severity>,
        prec: Precision,
    ) {
        if self.color {
            buf.extend_from_slice(TIME);
        }
        if rec.has_time() {
            stamp::write(buf, rec.key, prec);
        } else {
            buf.push(b'-');
            buf.extend(std::iter::repeat_n(b' ', self.time_width.saturating_sub(1)));
        }
        if self.color {
            buf.extend_from_slice(RESET);
        }
        buf.push(b' ');
        if self.color {
            buf.extend_from_slice(&host_color(host));
            buf.extend_from_slice(host.as_bytes());
            buf.extend_from_slice(RESET);
        } else {
            buf.extend_from_slice(host.as_bytes());
        }
        let pad = self.host_width.load(Relaxed).saturating_sub(host.chars().count());
        buf.extend(std::iter::repeat_n(b' ', pad + 1));
        let body = buf.len();
        super::push_text_lines(buf, rec, text);
        // The level, in place: it lies in the record's first line, which is copied unchanged.
        if let (true, Some(s)) = (self.color, severity) {
            let (a, b) = (rec.level.0 as usize, rec.level.1 as usize);
            let first = memchr::memchr(b'\n', &buf[body..]).map_or(buf.len(), |i| body + i);
            if a < b && body + b <= first {
                buf.splice(body + b..body + b, RESET.iter().copied());
                buf.splice(body + a..body + a, level_color(s).iter().copied());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(no: Option<&str>, force: Option<&str>, term: Option<&str>) -> ColorEnv {
        let s = |v: Option<&str>| v.map(String::from);
        ColorEnv { no_color: s(no), clicolor_force: s(force), term: s(term) }
    }

    #[test]
    fn colour_follows_the_terminal_no_color_and_clicolor_force() {
        use ColorChoice::*;
        let none = env(None, None, Some("xterm"));
        assert!(use_color(Auto, true, &none));
        assert!(!use_color(Auto, false, &none));
        assert!(!use_color(Auto, true, &env(Some("1"), None, None)));
        // An empty NO_COLOR is as if unset (no-color.org).
        assert!(use_color(Auto, true, &env(Some(""), None, None)));
        assert!(use_color(Auto, false, &env(None, Some("1"), None)));
        assert!(!use_color(Auto, false, &env(None, Some("0"), None)));
        assert!(!use_color(Auto, true, &env(None, None, Some("dumb"))));
        assert!(use_color(Always, false, &env(Some("1"), None, None)));
        assert!(!use_color(Never, true, &env(None, Some("1"), None)));
    }

    #[test]
    fn a_host_keeps_its_colour_and_hosts_get_several() {
        assert_eq!(host_color("web01"), host_color("web01"));
        let hosts = ["api01", "auth01", "batch01", "cache01", "db01", "mq01", "web01", "worker01"];
        let distinct: std::collections::HashSet<_> = hosts.iter().map(|h| host_color(h)).collect();
        assert!(distinct.len() >= 4, "{distinct:?}");
        for h in hosts {
            let e = host_color(h);
            assert!(e.starts_with(b"\x1b[38;5;") && e.ends_with(b"m"));
        }
    }

    fn strip_ansi(b: &[u8]) -> String {
        let s = String::from_utf8_lossy(b);
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn columns_align_and_colour_only_adds_escapes() {
        let text = b"ERROR disk full\n  at sda1";
        let no_time = Record { level: (0, 5), ..Record::untimed(0, text.len(), 1, 0, false) };
        let rec = Record { key: 1_795_188_600_000_000_000, timed: true, ..no_time };
        let sev = Severity::new(17);
        for color in [false, true] {
            let v = View::new(color, Precision::Ms);
            v.widen(&["db01".into(), "worker01".into()]);
            let mut b = Vec::new();
            v.write(&mut b, &rec, text, "db01", sev, Precision::Ms);
            v.write(&mut b, &no_time, text, "worker01", sev, Precision::Ms);
            let plain = strip_ansi(&b);
            assert_eq!(
                plain,
                "2026-11-20T15:30:00.000Z db01     ERROR disk full\n  at sda1\n\
                 -                        worker01 ERROR disk full\n  at sda1\n"
            );
            assert_eq!(color, b.contains(&0x1b));
            if color {
                let s = String::from_utf8_lossy(&b).into_owned();
                assert!(s.contains("\x1b[1;31mERROR\x1b[0m disk full"), "{s:?}");
                assert!(s.contains("\x1b[2m2026-11-20T15:30:00.000Z\x1b[0m"), "{s:?}");
            }
        }
    }
}
