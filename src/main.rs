//! The deskew command line: parses arguments and calls the library.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use deskew::output::OutputFormat;
use deskew::run::{self, split_host_arg, Options};
use deskew::time::{rfc3339, zone::Tz};

#[derive(Parser)]
#[command(
    name = "deskew",
    version,
    about = "The logs of many hosts as one timeline you can trust: \
every timestamp to RFC 3339 UTC, each host's clock error corrected from its NTP offset history."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// One time-ordered timeline of every record in PATHs (files, directories, - for stdin)
    Merge(MergeArgs),
    /// The same records and fields in input order, streaming (for pipes and tail -f)
    Normalize(MergeArgs),
    /// Per file: the detected format, the share of lines that parse, first and last time
    Detect(MergeArgs),
    /// The built-in and user formats, with an example line each
    Formats {
        /// Extra format definitions (TOML files, same schema as the built-in formats/)
        #[arg(long = "formats", value_name = "DIR")]
        formats: Vec<PathBuf>,
    },
    /// Measure this host's clock offset against NTP servers (never sets the clock)
    Sync(SyncArgs),
    /// The per-host offset models built from history files: samples, steps, drift, coverage
    Offsets {
        /// History files or directories; HOST=PATH binds a file to a host
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
        /// Also draw the offsets over time as an SVG picture
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
}

#[derive(Args)]
struct SyncArgs {
    /// NTP servers: HOST, HOST:PORT or [IPv6]:PORT (port 123 by default)
    #[arg(required = true, value_name = "SERVER")]
    servers: Vec<String>,
    /// Append each measurement to DIR/<host>.jsonl, the history `merge --offsets` reads
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Host name to record (default: this machine's)
    #[arg(long)]
    host: Option<String>,
    /// Keep measuring every SECS seconds (with +-10% jitter) until SIGINT or SIGTERM
    #[arg(long, value_name = "SECS")]
    interval: Option<f64>,
    /// With --interval: stop after N rounds
    #[arg(long, value_name = "N", requires = "interval")]
    count: Option<u64>,
    /// Requests per server in a round; the one of least delay is kept
    #[arg(long, default_value_t = 4, value_name = "N")]
    burst: u32,
    /// Seconds between the requests of a burst
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    burst_spacing: f64,
    /// Seconds to wait for each reply
    #[arg(long, default_value_t = 1.0, value_name = "SECS")]
    timeout: f64,
    /// Extra requests for ones that got no usable reply
    #[arg(long, default_value_t = 2, value_name = "N")]
    retries: u32,
    /// IPv4 addresses only
    #[arg(short = '4', conflicts_with = "ipv6")]
    ipv4: bool,
    /// IPv6 addresses only
    #[arg(short = '6')]
    ipv6: bool,
    /// One JSON object per round instead of the table
    #[arg(long)]
    json: bool,
}

fn duration(opt: &str, secs: f64, min: f64) -> Result<std::time::Duration> {
    anyhow::ensure!(
        secs.is_finite() && secs >= min && secs <= 86_400.0,
        "{opt} {secs}: must be from {min} to 86400 seconds"
    );
    Ok(std::time::Duration::from_secs_f64(secs))
}

fn sync_options(a: SyncArgs) -> Result<deskew::sync::SyncOptions> {
    use deskew::ntp::client::{parse_server, Settings};
    for s in &a.servers {
        parse_server(s).map_err(anyhow::Error::msg)?;
    }
    anyhow::ensure!((1..=64).contains(&a.burst), "--burst {}: must be from 1 to 64", a.burst);
    if let Some(i) = a.interval {
        duration("--interval", i, 0.01)?;
    }
    Ok(deskew::sync::SyncOptions {
        servers: a.servers,
        settings: Settings {
            burst: a.burst,
            spacing: duration("--burst-spacing", a.burst_spacing, 0.0)?,
            timeout: duration("--timeout", a.timeout, 0.001)?,
            retries: a.retries.min(64),
            family: if a.ipv4 {
                Some(true)
            } else if a.ipv6 {
                Some(false)
            } else {
                None
            },
        },
        record: a.record,
        host: a.host,
        interval: a.interval,
        count: a.count,
        json: a.json,
    })
}

#[derive(Clone, Copy, ValueEnum)]
enum OutFmt {
    Text,
    Jsonl,
}

#[derive(Args)]
struct MergeArgs {
    /// Files, directories (searched recursively) or - for stdin; none: stdin
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    output_format: OutFmt,
    /// Write to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
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
    /// Host of records whose format captures none (stdin, lone files)
    #[arg(long, value_name = "HOST")]
    host: Option<String>,
    /// Extra format definitions (TOML files, same schema as the built-in formats/)
    #[arg(long = "formats", value_name = "DIR")]
    formats: Vec<PathBuf>,
    /// Keep records whose corrected time is at or after TIME (RFC 3339)
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Keep records whose corrected time is before TIME (RFC 3339)
    #[arg(long, value_name = "TIME")]
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
    /// No per-host correction summary on stderr
    #[arg(short, long)]
    quiet: bool,
}

fn parse_time(opt: &str, s: &Option<String>) -> Result<Option<i64>> {
    s.as_deref()
        .map(|t| {
            rfc3339::parse(t).with_context(|| {
                format!("{opt} {t:?}: expected RFC 3339, e.g. 2026-11-23T18:41:37Z")
            })
        })
        .transpose()
}

/// `--boot-time TIME` (every host) or `HOST=TIME`.
fn boot_times(args: &[String]) -> Result<Vec<(Option<String>, i64)>> {
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

fn options(a: MergeArgs) -> Result<Options> {
    let tz: Tz = match a.tz {
        Some(t) => t.parse().map_err(|e| anyhow::anyhow!("--tz {t}: {e}"))?,
        // $TZ may hold a POSIX rule deskew cannot read (`CET-1CEST,M3.5.0`): that is no
        // reason to refuse to run, so say so and use UTC.
        None => match std::env::var("TZ").ok().filter(|s| !s.is_empty()) {
            Some(t) => t.trim_start_matches(':').parse().unwrap_or_else(|e| {
                eprintln!("deskew: TZ={t}: {e}; using UTC (pass --tz to choose)");
                Tz::Fixed(0)
            }),
            None => Tz::Fixed(0),
        },
    };
    let mut host_tz = Vec::new();
    for s in &a.host_tz {
        let (h, z) = split_host_arg(s).context("--host-tz")?;
        let z: Tz = z.parse().map_err(|e| anyhow::anyhow!("--host-tz {s}: {e}"))?;
        host_tz.push((h, z));
    }
    if let Some(n) = a.threads {
        rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global().ok();
    }
    let mut paths = a.paths;
    if paths.is_empty() {
        use std::io::IsTerminal;
        if std::io::stdin().is_terminal() {
            anyhow::bail!(
                "no PATH given and stdin is a terminal: name files or directories, or pipe logs in"
            );
        }
        paths.push("-".into());
    }
    Ok(Options {
        paths,
        output_format: match a.output_format {
            OutFmt::Text => OutputFormat::Text,
            OutFmt::Jsonl => OutputFormat::Jsonl,
        },
        output: a.output,
        tz,
        host_tz,
        year: a.year,
        offsets: a.offsets,
        skew: a.skew,
        input_format: a.input_format,
        host: a.host,
        formats: a.formats,
        since: parse_time("--since", &a.since)?,
        until: parse_time("--until", &a.until)?,
        boot_time: boot_times(&a.boot_time)?,
        progress: !a.no_progress,
        quiet: a.quiet,
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Bad options are usage errors (exit 2); a failure while running is exit 1.
    let usage = |e: anyhow::Error| {
        eprintln!("deskew: {e:#}");
        ExitCode::from(2)
    };
    let result = match cli.command {
        Command::Merge(a) => match options(a) {
            Ok(o) => run::merge(&o),
            Err(e) => return usage(e),
        },
        Command::Normalize(a) => match options(a) {
            Ok(o) => run::normalize(&o),
            Err(e) => return usage(e),
        },
        Command::Detect(a) => match options(a) {
            Ok(o) => run::detect(&o, &mut std::io::stdout().lock()),
            Err(e) => return usage(e),
        },
        Command::Formats { formats } => run::formats(&formats, &mut std::io::stdout().lock()),
        Command::Sync(a) => match sync_options(a) {
            Ok(o) => match deskew::sync::run(&o, &mut std::io::stdout().lock()) {
                Ok(true) => Ok(()),
                Ok(false) => {
                    eprintln!("deskew: sync: no server gave a usable answer");
                    return ExitCode::from(1);
                }
                Err(e) => Err(e),
            },
            Err(e) => return usage(e),
        },
        Command::Offsets { paths, svg } => {
            deskew::skew::report::run(&paths, svg.as_deref(), &mut std::io::stdout().lock())
        }
    };
    match result {
        Err(e) if e.downcast_ref::<run::Usage>().is_some() => usage(e),
        Err(e) => {
            eprintln!("deskew: {e:#}");
            ExitCode::from(1)
        }
        Ok(()) if deskew::diag::failed() => ExitCode::from(1),
        Ok(()) => ExitCode::SUCCESS,
    }
}
