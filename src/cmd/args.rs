//! Flags into settings: every option of `merge`, `normalize` and `detect` is checked
//! here, once, and what the library gets is settings, not flags (ripgrep's `HiArgs` style).

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::{Args, ValueEnum};

use crate::output::{self, OutputFormat};
use crate::pipeline::{Settings, WINDOW};
use crate::record::TimeWindow;
use crate::time::{rfc3339, zone::Tz, Nanos};

#[derive(Clone, Copy, ValueEnum)]
enum OutFmt {
    Text,
    Jsonl,
    /// Elastic Common Schema JSON lines
    Ecs,
    /// OpenTelemetry OTLP/JSON, one ExportLogsServiceRequest a line
    Otlp,
    /// RFC 5424 syslog
    Rfc5424,
    /// Parquet (zstd): one file with -o FILE or to stdout; Hive partitions dt=/hour= with -o DIR/
    Parquet,
}

/// `--color` and `--paging`.
#[derive(Clone, Copy, ValueEnum)]
enum When {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum Prec {
    S,
    Ms,
    Us,
    Ns,
}

#[derive(Args)]
pub struct MergeArgs {
    /// Files, directories (searched recursively) or - for stdin; none: stdin
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    /// Read more PATHs from FILE (- for stdin), one a line
    #[arg(long, value_name = "FILE")]
    files_from: Option<String>,
    /// With --files-from: the paths are separated by NUL bytes (find -print0)
    #[arg(short = '0', long = "null", requires = "files_from")]
    null: bool,
    /// Output format [default: text; rfc5424 for -o tcp:// and udp://]
    #[arg(long, value_enum)]
    output_format: Option<OutFmt>,
    /// Write to FILE instead of stdout, or send to a receiver: tcp://HOST:PORT (RFC 5424 with
    /// RFC 6587 octet counting, other formats as lines), udp://HOST:PORT (RFC 5424)
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Fraction digits of every written timestamp, fixed so that text order is time order
    /// (ECS's @timestamp always has 9, RFC 5424 at most 6). Default ns: every digit a source
    /// wrote, and every nanosecond a correction added, is kept
    #[arg(long, value_enum, default_value = "ns")]
    precision: Prec,
    /// Keep records at or above this severity: trace, debug, info, warn, error, fatal (or a
    /// level name such as WARNING, CRITICAL, notice); records of no known level are left out
    #[arg(long, value_name = "LEVEL")]
    level: Option<String>,
    /// Zone of timestamps that carry none: IANA name, UTC, or +HH:MM [default: $TZ, else UTC]
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
    /// Zone for one host's timestamps, repeatable
    #[arg(long, value_name = "HOST=ZONE")]
    host_tz: Vec<String>,
    /// Year of the first timestamp that carries none (later ones roll over Dec -> Jan)
    #[arg(long, value_name = "YYYY")]
    year: Option<i32>,
    /// Offset history file or directory, repeatable; HOST=PATH binds a file to a host
    #[arg(long, value_name = "PATH")]
    offsets: Vec<String>,
    /// A constant clock correction for a host without history, e.g. web01=+2.5s
    #[arg(long, value_name = "HOST=OFFSET")]
    skew: Vec<String>,
    /// Skip detection: parse every input with this format
    #[arg(long, value_name = "NAME")]
    input_format: Option<String>,
    /// Host of records whose format captures none, on stdin and in files named directly
    /// (never files found under a directory PATH: their host is their directory)
    #[arg(long, value_name = "HOST")]
    host: Option<String>,
    /// Extra format definitions (TOML files, same schema as the built-in formats/)
    #[arg(long = "formats", value_name = "DIR")]
    formats: Vec<PathBuf>,
    /// Keep records whose corrected time is at or after TIME: RFC 3339, a date (2026-11-20),
    /// a local time in --tz (2026-11-20 14:00; 14:00 is today), or relative (-15m, 2h ago,
    /// yesterday, now)
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    since: Option<String>,
    /// Keep records whose corrected time is before TIME (the forms of --since)
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    until: Option<String>,
    /// Place boot-relative timestamps (dmesg) after this boot time (RFC 3339); HOST=TIME for
    /// one host's, repeatable
    #[arg(long, value_name = "[HOST=]TIME")]
    boot_time: Vec<String>,
    /// Worker threads [default: all cores]
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// No progress bar (it is shown only when stderr is a terminal anyway)
    #[arg(long)]
    no_progress: bool,
    /// On stderr, errors only: no per-host summary of what was assumed and corrected, no
    /// warnings or notes (with --strict, the warnings that fail the run are still said)
    #[arg(short, long)]
    quiet: bool,
    // Why after, not before: whether a run was doubtful is known only once every source has
    // been read (hosts, their zones and years come from the input; a merge could not write
    // a line before reading all of it anyway), and nothing is lost (house rule): a complete
    // output with a failing status is what a script can act on (`set -e` stops; the file is
    // there to inspect), while refusing up front could check only the options. Exit 1, not
    // 2: the command line was right, the input is what is in doubt (as for input errors).
    /// Exit 1, after writing the whole output, when anything was assumed or did nothing:
    /// zone-less times read in $TZ or UTC (no --tz/--host-tz), a year inferred (no --year),
    /// a host taken from a file's directory, a zone abbreviation read by a rule, a source with
    /// no timestamp at all, a host left uncorrected when --offsets/--skew/--correlate was
    /// given, a --skew/--host-tz/--boot-time/--offsets or history naming no host of the input
    /// (input errors exit 1 anyway)
    #[arg(long)]
    strict: bool,
    /// Every message, none capped (repeated ones are otherwise cut after the first few),
    /// and every host in the summary
    #[arg(short, long)]
    verbose: bool,
    /// Infer the offsets of hosts without history from request ids logged on both sides of
    /// their calls: KEY names the id (a JSON or logfmt key, or KEY=VALUE / KEY: VALUE in text)
    #[arg(long, value_name = "KEY")]
    correlate: Option<String>,
    /// Like --correlate, the id being the one capture group of REGEX, e.g. 'req=(\S+)'
    #[arg(long, value_name = "REGEX", conflicts_with = "correlate")]
    correlate_regex: Option<String>,
    /// With --correlate: the host whose clock is taken as true (when none has a history)
    #[arg(long, value_name = "HOST")]
    reference: Option<String>,
    /// Bytes of a source parsed at a time (tests: tiny windows exercise what crosses them)
    #[arg(long, hide = true, value_name = "BYTES")]
    window_bytes: Option<usize>,
    /// Bytes of parsed records `merge` holds before it spills them to temporary files
    #[arg(long, hide = true, value_name = "BYTES")]
    budget_bytes: Option<usize>,
    /// Bytes of a compressed or piped source held in memory before it goes to a file
    #[arg(long, hide = true, value_name = "BYTES")]
    spool_bytes: Option<usize>,
    /// Follow the files as they grow (merge): one live timeline, until SIGINT or SIGTERM
    #[arg(short = 'f', long)]
    follow: bool,
    /// With --follow: first the last N lines of each file (like tail -n)
    #[arg(long, value_name = "N", default_value_t = 0, requires = "follow")]
    tail: usize,
    /// With --follow: the longest a record waits for the other files to pass its time
    #[arg(long, value_name = "DURATION", default_value = "2s", requires = "follow")]
    lateness: String,
    /// With --follow: a file silent this long stops holding the others back
    #[arg(long, value_name = "DURATION", default_value = "1s", requires = "follow")]
    idle: String,
    /// With --follow: poll the files every second instead of using inotify (network filesystems)
    #[arg(long, requires = "follow")]
    poll: bool,
    /// Colour text output: levels, hosts, times [auto: when stdout is a terminal and NO_COLOR
    /// is unset; CLICOLOR_FORCE=1 forces it]
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    color: When,
    /// Page the output through $DESKEW_PAGER, else $PAGER, else less -RFX [auto: when stdout
    /// is a terminal, except with --follow or a stdin stream to normalize]
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    paging: When,
    /// Do not page the output (--paging never)
    #[arg(long)]
    no_pager: bool,
}

/// `--follow` and how it orders records still arriving.
#[derive(Clone, Debug)]
pub struct Follow {
    pub tail: usize,
    pub lateness: std::time::Duration,
    pub idle: std::time::Duration,
    pub poll: bool,
}

/// Bytes of parsed records `merge` holds in memory; past that they spill to temporary files.
const BUDGET: usize = 64 << 20;

/// A run of `merge`, `normalize` or `detect`, checked.
pub struct Run {
    pub paths: Vec<String>,
    pub settings: Settings,
    pub format: OutputFormat,
    /// A file, or `tcp://HOST:PORT` / `udp://HOST:PORT` (output::sink).
    pub output: Option<PathBuf>,
    /// Fraction digits of written timestamps.
    pub precision: output::Precision,
    /// `--level`: records below this severity are left out.
    pub min_level: Option<output::severity::Severity>,
    pub offsets: Vec<String>,
    /// `--skew`: per host, nanoseconds to add.
    pub skews: Vec<(String, Nanos)>,
    pub formats: Vec<PathBuf>,
    pub quiet: bool,
    /// `--verbose`: every message and every host line.
    pub verbose: bool,
    pub budget: usize,
    pub follow: Option<Follow>,
    /// `--color`.
    pub color: output::view::ColorChoice,
    /// `--paging` (`--no-pager`).
    pub paging: super::pager::Paging,
}

impl MergeArgs {
    /// `--correlate` or `--correlate-regex` was given.
    pub fn correlating(&self) -> bool {
        self.correlate.is_some() || self.correlate_regex.is_some()
    }

    /// Check every option; an error here is a usage error.
    pub fn check(self) -> Result<Run> {
        use crate::skew::infer::Key;
        crate::diag::configure(self.quiet, self.strict, self.verbose);
        let correlate = match (&self.correlate, &self.correlate_regex) {
            (Some(k), _) => Some(Key::name(k).with_context(|| format!("--correlate {k:?}"))?),
            (None, Some(r)) => {
                Some(Key::regex(r).with_context(|| format!("--correlate-regex {r:?}"))?)
            }
            (None, None) => None,
        };
        use crate::pipeline::assumed::ZoneWhy;
        let (tz, tz_why): (Tz, ZoneWhy) = match self.tz {
            Some(t) => (t.parse().map_err(|e| anyhow::anyhow!("--tz {t}: {e}"))?, ZoneWhy::Flag),
            // $TZ may hold a POSIX rule deskew cannot read (`CET-1CEST,M3.5.0`): that is no
            // reason to refuse to run, so say so and use UTC.
            None => match std::env::var("TZ").ok().filter(|s| !s.is_empty()) {
                Some(t) => match t.trim_start_matches(':').parse() {
                    Ok(z) => (z, ZoneWhy::Env),
                    Err(e) => {
                        crate::diag::warn(
                            crate::diag::Kind::Assumed,
                            format!("TZ={t}: {e}; using UTC (pass --tz to choose)"),
                        );
                        (Tz::Fixed(0), ZoneWhy::Default)
                    }
                },
                None => (Tz::Fixed(0), ZoneWhy::Default),
            },
        };
        let mut host_tz = Vec::new();
        for s in &self.host_tz {
            let (h, z) = split_host_arg(s).context("--host-tz")?;
            let z: Tz = z.parse().map_err(|e| anyhow::anyhow!("--host-tz {s}: {e}"))?;
            host_tz.push((h, z));
        }
        if let Some(y) = self.year {
            // Two-digit years (`--year 26`) are a typo for 2026 far more often than year 26,
            // and years past 9999 have no RFC 3339 form.
            if !(100..=9999).contains(&y) {
                bail!("--year {y}: expected a four-digit year, e.g. --year 2026");
            }
        }
        let mut skews = Vec::new();
        for s in &self.skew {
            skews.push(crate::skew::parse_skew(s).map_err(|e| anyhow::anyhow!("--skew {s}: {e}"))?);
        }
        if let Some(n) = self.threads {
            let n = threads(n)?;
            rayon::ThreadPoolBuilder::new().num_threads(n).build_global().ok();
        }
        if let Some(out) = &self.output {
            output_is_no_input(out, &self.paths, &self.offsets)?;
        }
        if let Some(n) = self.spool_bytes {
            crate::input::set_spool_per_source(n);
        }
        let follow = if self.follow {
            anyhow::ensure!(
                !self.paths.is_empty() && self.paths.iter().all(|p| p != "-"),
                "--follow follows files and directories: name them (for a pipe, use normalize)"
            );
            Some(Follow {
                tail: self.tail,
                lateness: parse_duration("--lateness", &self.lateness)?,
                idle: parse_duration("--idle", &self.idle)?,
                poll: self.poll,
            })
        } else {
            None
        };
        let mut paths = self.paths;
        if let Some(list) = &self.files_from {
            let listed = files_from(list, self.null)?;
            anyhow::ensure!(!listed.is_empty(), "--files-from {list}: no paths in it");
            anyhow::ensure!(
                list != "-" || !paths.iter().any(|p| p == "-"),
                "--files-from -: stdin holds the list, so it cannot also be an input"
            );
            paths.extend(listed);
        }
        if paths.is_empty() {
            use std::io::IsTerminal;
            if std::io::stdin().is_terminal() {
                bail!(
                    "no PATH given and stdin is a terminal: name files or directories, or pipe logs in"
                );
            }
            paths.push("-".into());
        }
        let target = output::sink::Target::parse(self.output.as_deref());
        let format = match self.output_format {
            None if target.is_network() => OutputFormat::Rfc5424,
            None | Some(OutFmt::Text) => OutputFormat::Text,
            Some(OutFmt::Jsonl) => OutputFormat::Jsonl,
            Some(OutFmt::Ecs) => OutputFormat::Ecs,
            Some(OutFmt::Otlp) => OutputFormat::Otlp,
            Some(OutFmt::Rfc5424) => OutputFormat::Rfc5424,
            Some(OutFmt::Parquet) => OutputFormat::Parquet,
        };
        if let output::sink::Target::Udp(_) = target {
            anyhow::ensure!(
                format == OutputFormat::Rfc5424,
                "-o udp://: sends RFC 5424 only (one message a datagram); use tcp:// for lines"
            );
        }
        let min_level = self
            .level
            .as_deref()
            .map(output::severity::parse_level)
            .transpose()
            .context("--level")?;
        let precision = match self.precision {
            Prec::S => output::Precision::S,
            Prec::Ms => output::Precision::Ms,
            Prec::Us => output::Precision::Us,
            Prec::Ns => output::Precision::Ns,
        };
        let now = crate::time::clock::now();
        let window = TimeWindow {
            since: parse_when("--since", &self.since, now, &tz)?,
            until: parse_when("--until", &self.until, now, &tz)?,
        };
        if let (Some(a), Some(b)) = (window.since, window.until) {
            if a > b {
                bail!(
                    "--since {} is after --until {}: no record could be kept",
                    self.since.as_deref().unwrap_or_default(),
                    self.until.as_deref().unwrap_or_default()
                );
            }
        }
        let settings = Settings {
            tz,
            tz_why,
            host_tz,
            year: self.year,
            host: self.host,
            boot_time: boot_times(&self.boot_time)?,
            input_format: self.input_format,
            window,
            bad_utf8_fate: output::bad_utf8_fate(format),
            window_bytes: self.window_bytes.unwrap_or(WINDOW).max(1),
            progress: !self.no_progress,
            correlate,
            reference: self.reference,
        };
        Ok(Run {
            paths,
            settings,
            format,
            // `-o -` is stdout, as `-` is stdin among the PATHs (not a file named `-`).
            output: self.output.filter(|p| p.as_os_str() != "-"),
            precision,
            min_level,
            offsets: self.offsets,
            skews,
            formats: self.formats,
            quiet: self.quiet,
            verbose: self.verbose,
            budget: self.budget_bytes.unwrap_or(BUDGET),
            follow,
            color: match self.color {
                When::Auto => output::view::ColorChoice::Auto,
                When::Always => output::view::ColorChoice::Always,
                When::Never => output::view::ColorChoice::Never,
            },
            paging: match (self.no_pager, self.paging) {
                (true, _) | (_, When::Never) => super::pager::Paging::Never,
                (_, When::Auto) => super::pager::Paging::Auto,
                (_, When::Always) => super::pager::Paging::Always,
            },
        })
    }
}

/// The paths listed in `--files-from` (a file, or - for stdin): one a line (a final CR
/// dropped), or NUL-separated. Empty entries are skipped; a path that is not UTF-8 is an
/// error naming its entry.
fn files_from(list: &str, null: bool) -> Result<Vec<String>> {
    use std::io::Read;
    let mut data = Vec::new();
    if list == "-" {
        std::io::stdin().lock().read_to_end(&mut data)
    } else {
        std::fs::File::open(list).and_then(|mut f| f.read_to_end(&mut data))
    }
    .with_context(|| format!("--files-from {list}: cannot read"))?;
    let sep = if null { b'\0' } else { b'\n' };
    let mut paths = Vec::new();
    for (i, p) in data.split(|&b| b == sep).enumerate() {
        let p = if null { p } else { p.strip_suffix(b"\r").unwrap_or(p) };
        if p.is_empty() {
            continue;
        }
        let p = std::str::from_utf8(p).map_err(|_| {
            anyhow::anyhow!("--files-from {list}: entry {}: the path is not UTF-8", i + 1)
        })?;
        paths.push(p.to_string());
    }
    Ok(paths)
}

/// A duration: a number with a unit (`ms`, `s`, `m`, `h`; seconds without one), e.g.
/// `2s`, `500ms`, `1.5`.
fn parse_duration(opt: &str, s: &str) -> Result<std::time::Duration> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let scale = match unit.trim() {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => bail!("{opt} {s:?}: expected a duration such as 2s, 500ms or 1m"),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| anyhow::anyhow!("{opt} {s:?}: expected a duration such as 2s, 500ms or 1m"))?;
    duration(opt, v * scale, 0.0)
}

/// The most worker threads deskew starts, per core: past a few per core threads only add
/// stacks and switching (the work is CPU- and memory-bound), and thousands of them exhaust
/// memory maps ("failed to set up alternative stack guard page").
const THREADS_PER_CORE: usize = 4;
/// The most worker threads on any machine.
const MAX_THREADS: usize = 256;

/// `--threads N`: at least 1; more than the cap is lowered to it, with a note.
fn threads(n: usize) -> Result<usize> {
    anyhow::ensure!(n >= 1, "--threads 0: must be at least 1");
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let cap = (cores * THREADS_PER_CORE).clamp(THREADS_PER_CORE, MAX_THREADS);
    if n > cap {
        crate::diag::note(format!(
            "--threads {n}: using {cap} ({THREADS_PER_CORE} per core, {cores} cores, at most {MAX_THREADS})"
        ));
    }
    Ok(n.min(cap))
}

/// Refuse an output file that is one of the inputs (the same file, through any name or
/// link) or lies inside an input directory (a second run would read its own output): the
/// output is created, truncating it, before the inputs are read. Checked before anything is
/// opened for writing. `-` and devices (`/dev/null`, a terminal) are not files to protect.
fn output_is_no_input(out: &std::path::Path, paths: &[String], offsets: &[String]) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    if out.as_os_str() == "-" {
        return Ok(());
    }
    let shown = crate::diag::path(out);
    let meta = std::fs::metadata(out).ok();
    if meta.as_ref().is_some_and(|m| !m.is_file() && !m.is_dir()) {
        return Ok(());
    }
    // Where the output will be: its directory resolved (links, `..`), plus its name.
    let resolved = match (out.parent(), out.file_name()) {
        (Some(d), Some(name)) => {
            let d = if d.as_os_str().is_empty() { std::path::Path::new(".") } else { d };
            std::fs::canonicalize(d).ok().map(|d| d.join(name))
        }
        _ => std::fs::canonicalize(out).ok(),
    };
    // An offsets argument may be HOST=PATH.
    let inputs = paths.iter().map(|p| (p.as_str(), "input")).chain(offsets.iter().flat_map(|o| {
        let bound = o.split_once('=').map(|(_, p)| (p, "offset history"));
        std::iter::once((o.as_str(), "offset history")).chain(bound)
    }));
    for (p, what) in inputs {
        if p == "-" {
            continue;
        }
        let Ok(m) = std::fs::metadata(p) else { continue };
        if let Some(o) = &meta {
            if o.dev() == m.dev() && o.ino() == m.ino() {
                bail!(
                    "-o {shown}: that is the {what} {}: writing it would destroy it before it is read; write elsewhere",
                    crate::diag::path(p)
                );
            }
        }
        if m.is_dir() {
            let inside = std::fs::canonicalize(p)
                .ok()
                .zip(resolved.as_ref())
                .is_some_and(|(d, o)| o.starts_with(d));
            if inside {
                bail!(
                    "-o {shown}: that is inside the {what} directory {}: the output would be read as an input (by this run or the next); write elsewhere",
                    crate::diag::path(p)
                );
            }
        }
    }
    Ok(())
}

fn parse_time(opt: &str, s: &Option<String>) -> Result<Option<Nanos>> {
    s.as_deref()
        .map(|t| {
            rfc3339::parse(t).with_context(|| {
                format!("{opt} {t:?}: expected RFC 3339, e.g. 2026-11-23T18:41:37Z")
            })
        })
        .transpose()
}

/// `--since` / `--until`: RFC 3339, a date, a local time in `tz`, or relative to `now`.
fn parse_when(opt: &str, s: &Option<String>, now: Nanos, tz: &Tz) -> Result<Option<Nanos>> {
    s.as_deref()
        .map(|t| {
            crate::time::when::parse(t, now, tz).map_err(|e| anyhow::anyhow!("{opt} {t:?}: {e}"))
        })
        .transpose()
}

/// `--boot-time TIME` (every host) or `HOST=TIME`.
fn boot_times(args: &[String]) -> Result<Vec<(Option<String>, Nanos)>> {
    args.iter()
        .map(|s| {
            // An RFC 3339 time has no '=': whatever stands before one is a host.
            let (host, t) = match s.split_once('=') {
                Some((h, t)) => (Some(h.to_string()), t.to_string()),
                None => (None, s.clone()),
            };
            let t = parse_time("--boot-time", &Some(t))?.unwrap_or_default();
            Ok((host, t))
        })
        .collect()
}

/// Parse `HOST=VALUE`.
pub fn split_host_arg(s: &str) -> Result<(String, String)> {
    match s.split_once('=') {
        Some((h, v)) if !h.is_empty() && !v.is_empty() => Ok((h.to_string(), v.to_string())),
        _ => bail!("{s:?}: expected HOST=VALUE"),
    }
}

fn duration(opt: &str, secs: f64, min: f64) -> Result<std::time::Duration> {
    anyhow::ensure!(
        secs.is_finite() && secs >= min && secs <= 86_400.0,
        "{opt} {secs}: must be from {min} to 86400 seconds"
    );
    Ok(std::time::Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_read_with_or_without_a_unit() {
        assert_eq!(parse_duration("x", "2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("x", "500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("x", "1.5").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("x", "1m").unwrap(), Duration::from_secs(60));
        assert!(parse_duration("x", "fast").is_err());
        assert!(parse_duration("x", "-1s").is_err());
        assert!(parse_duration("x", "2 weeks").is_err());
    }
}
