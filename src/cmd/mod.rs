//! The command line: the only code that knows flags. Each command's arguments become checked
//! settings in one place (`args`), then the command runs the library's stages.
//! Exit status: 0 done; 1 something went wrong on the way (every other input still went
//! through); 2 a usage error (nothing was done).

mod args;
mod detect;
mod follow;
mod formats;
mod merge;
mod normalize;
mod offsets;
mod pager;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

pub use args::MergeArgs;
pub use offsets::OffsetsArgs;
pub use sync::SyncArgs;

#[derive(Parser)]
#[command(
    name = "deskew",
    version = env!("DESKEW_VERSION"),
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
    Offsets(OffsetsArgs),
    /// Shell completions on stdout, e.g. deskew completions bash > /etc/bash_completion.d/deskew
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff) on stdout, e.g. deskew man > /usr/local/share/man/man1/deskew.1
    Man {
        /// Write deskew.1 and a page per command (deskew-merge.1, ...) into DIR instead
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// How a command ended.
pub enum Failure {
    /// What was asked cannot be done (an option's value, a format definition): exit 2.
    Usage(anyhow::Error),
    /// Something went wrong while running: exit 1.
    Run(anyhow::Error),
    /// A monitoring check (`--check`) ended in this Nagios state, already printed: its exit
    /// status (1 WARNING, 2 CRITICAL, 3 UNKNOWN).
    Status(u8),
}

impl Failure {
    /// A check that cannot run: the plugin line says UNKNOWN, the exit status is 3.
    fn unknown(why: String) -> Failure {
        println!("NTP UNKNOWN: {}", why.replace(['|', '\n'], " "));
        Failure::Status(3)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Run(e)
    }
}

/// Run the command line of this process.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        // a Nagios plugin's usage error is UNKNOWN (3), not CRITICAL (2)
        Err(e) if e.use_stderr() && std::env::args().any(|a| a == "--check") => {
            let msg = e.to_string();
            println!("NTP UNKNOWN: {}", msg.lines().next().unwrap_or("usage error"));
            eprint!("{msg}");
            return ExitCode::from(3);
        }
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Merge(a) => merge::run(a),
        Command::Normalize(a) | Command::Detect(a) if a.correlating() => Err(Failure::Usage(
            anyhow::anyhow!(
                "--correlate works with merge and offsets (the ids must all be seen before any record is corrected)"
            ),
        )),
        Command::Normalize(a) => normalize::run(a),
        Command::Detect(a) => detect::run(a),
        Command::Formats { formats } => formats::run(&formats),
        Command::Sync(a) => sync::run(a),
        Command::Offsets(a) => offsets::run(a),
        Command::Completions { shell } => completions(shell),
        Command::Man { dir } => man(dir),
    };
    crate::diag::finish();
    match result {
        // The reader went away (`deskew formats | head -1`): nothing more to write, nothing
        // wrong, as with any Unix filter.
        Err(Failure::Run(e)) if closed_pipe(&e) => {
            if crate::diag::failed() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(Failure::Usage(e)) => {
            eprintln!("deskew: {}", crate::diag::one_line(&format!("{e:#}")));
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("deskew: {}", crate::diag::one_line(&format!("{e:#}")));
            ExitCode::from(1)
        }
        Err(Failure::Status(s)) => ExitCode::from(s),
        Ok(()) if crate::diag::failed() => ExitCode::from(1),
        Ok(()) => ExitCode::SUCCESS,
    }
}

/// `deskew completions SHELL`: generated from the clap definitions.
fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    use std::io::Write;
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "deskew", &mut buf);
    std::io::stdout().write_all(&buf).map_err(|e| Failure::Run(e.into()))
}

/// `deskew man [--dir DIR]`: the manual page(s), generated from the clap definitions.
fn man(dir: Option<PathBuf>) -> Result<(), Failure> {
    use anyhow::Context as _;
    use std::io::Write;
    match dir {
        Some(d) => {
            std::fs::create_dir_all(&d)
                .and_then(|_| clap_mangen::generate_to(Cli::command(), &d))
                .with_context(|| format!("--dir {}: cannot write the pages", d.display()))?;
        }
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut buf).context("cannot render")?;
            std::io::stdout().write_all(&buf).context("cannot write the output")?;
        }
    }
    Ok(())
}

/// Whether `e` is a write to a pipe whose reader has gone.
fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The formats and the offset models, read side by side (each takes a few milliseconds
/// before any source can be parsed). A bad format definition is a usage error.
fn load(run: &args::Run) -> Result<(crate::format::Registry, crate::pipeline::Corrector), Failure> {
    let (reg, corrector) = rayon::join(
        || crate::format::Registry::load(&run.formats),
        || crate::pipeline::Corrector::load(&run.offsets, &run.skews),
    );
    Ok((reg.map_err(|e| Failure::Usage(e.into()))?, corrector))
}

/// The run's context: the settings, formats and models every stage shares.
fn context<'a>(
    run: &'a args::Run,
    reg: &'a crate::format::Registry,
    corrector: crate::pipeline::Corrector,
) -> Result<crate::pipeline::Context<'a>, Failure> {
    crate::pipeline::Context::new(&run.settings, reg, corrector).map_err(|e| {
        let n = run.settings.input_format.as_deref().unwrap_or_default();
        Failure::Usage(anyhow::anyhow!("--input-format {n}: {e}"))
    })
}

/// Check a command's arguments: a failure is a usage error.
fn checked<T>(r: anyhow::Result<T>) -> Result<T, Failure> {
    r.map_err(Failure::Usage)
}

/// The output file, stdout or socket, buffered.
/// Parquet: one file, or Hive partitions under a directory (`ordered`: records come in time
/// order, as from `merge`).
fn output(
    run: &args::Run,
    ordered: bool,
) -> Result<std::io::BufWriter<Box<dyn crate::output::Sink>>, Failure> {
    use crate::output::{parquet, OutputFormat, Plain, Sink, OUT_BUFFER};
    use anyhow::Context as _;
    if run.format != OutputFormat::Parquet {
        if let Some(c) = pager(run, ordered) {
            let sink: Box<dyn Sink> = Box::new(pager::Pager::new(c));
            return Ok(std::io::BufWriter::with_capacity(OUT_BUFFER, sink));
        }
    }
    let sink: Box<dyn Sink> = match (run.format, run.output.as_deref()) {
        (OutputFormat::Parquet, Some(p)) if parquet::is_dir_target(p) => {
            Box::new(parquet::Sink::dir(p, ordered).with_context(|| p.display().to_string())?)
        }
        (OutputFormat::Parquet, p) => {
            if p.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                return Err(Failure::Usage(anyhow::anyhow!(
                    "--output-format parquet: stdout is a terminal; name a file or directory with -o"
                )));
            }
            let out = crate::output::open(p).map_err(anyhow::Error::from)?;
            Box::new(parquet::Sink::single(out).context("cannot write the output")?)
        }
        (_, p) => Box::new(Plain(crate::output::open(p).map_err(anyhow::Error::from)?)),
    };
    Ok(std::io::BufWriter::with_capacity(OUT_BUFFER, sink))
}

/// Output through the pager: finished when the user quits it.
impl crate::output::Sink for pager::Pager {
    fn finish(&mut self) -> std::io::Result<()> {
        let r = std::io::Write::flush(self);
        self.wait();
        r
    }
}

/// Whether stdout is the output (no `-o`).
fn to_stdout(run: &args::Run) -> bool {
    run.output.is_none()
}

/// The pager this run's output goes through, if any: `--paging always`, or a terminal on
/// stdout; never for `--follow` nor for a stdin stream to `normalize` (`ordered` false), where
/// each record must show as it comes.
fn pager(run: &args::Run, ordered: bool) -> Option<std::process::Command> {
    use pager::Paging;
    let stream = run.follow.is_some() || (!ordered && run.paths.iter().all(|p| p == "-"));
    let on = match run.paging {
        Paging::Never => false,
        Paging::Always => true,
        Paging::Auto => std::io::IsTerminal::is_terminal(&std::io::stdout()),
    };
    if !on || stream || !to_stdout(run) {
        return None;
    }
    let var = |k| std::env::var(k).ok();
    pager::choose(var("DESKEW_PAGER").as_deref(), var("PAGER").as_deref())
}

/// Flush the output and finish it (Parquet's footers).
fn finish(out: std::io::BufWriter<Box<dyn crate::output::Sink>>) -> Result<(), Failure> {
    use anyhow::Context as _;
    let mut sink =
        out.into_inner().map_err(|e| e.into_error()).context("cannot write the output")?;
    sink.finish().context("cannot write the output")?;
    Ok(())
}

/// How this run writes records.
fn style(run: &args::Run, formats: &[String]) -> crate::output::Style {
    use crate::output::{view, OutputFormat};
    let framed = crate::output::sink::Target::parse(run.output.as_deref()).is_network();
    let mut style =
        crate::output::Style::new(run.format, run.precision, run.min_level, framed, formats);
    // The terminal view: text to a terminal (aligned, coloured unless NO_COLOR), or coloured
    // text wherever --color always or CLICOLOR_FORCE sends it.
    if run.format == OutputFormat::Text {
        let terminal = to_stdout(run) && std::io::IsTerminal::is_terminal(&std::io::stdout());
        let color = view::use_color(run.color, terminal, &view::ColorEnv::from_env());
        if terminal || color {
            style.view = Some(view::View::new(color, run.precision));
        }
    }
    style
}

/// Write `order` with `style`: the names records refer to by index are taken now, once the
/// sources they come from are parsed; `written` counts the records of the whole run.
#[allow(clippy::too_many_arguments)]
fn write(
    run: &args::Run,
    cx: &crate::pipeline::Context,
    sources: &[crate::pipeline::Source],
    shown: &[std::borrow::Cow<str>],
    style: &crate::output::Style,
    written: &std::sync::atomic::AtomicU64,
    order: impl crate::record::Ordered,
    out: &mut (dyn std::io::Write + Send),
) -> Result<(), Failure> {
    use anyhow::Context as _;
    let hosts = cx.hosts.lock().unwrap().names().to_vec();
    let job = crate::output::Job {
        style,
        written,
        window: run.settings.window,
        hosts: &hosts,
        formats: &format_names(cx),
        display_json: shown,
    };
    crate::output::write_ordered(&job, sources, order, out).context("cannot write the output")?;
    Ok(())
}

/// No source to read (empty directories, only unreadable files): a run failure (exit 1),
/// said before any output is created, rather than an empty timeline that looks like a quiet
/// success. (Not a usage error: the command line was right, the input is not there.)
fn some_sources(run: &args::Run, sources: &[crate::pipeline::Source]) -> Result<(), Failure> {
    if !sources.is_empty() {
        return Ok(());
    }
    if crate::diag::failed() {
        // Why each input could not be read is said already.
        return Err(Failure::Status(1));
    }
    let named: Vec<String> = run.paths.iter().map(crate::diag::path).collect();
    Err(Failure::Run(anyhow::anyhow!("no log file to read in {}: nothing to do", named.join(" "))))
}

/// The end of a run of `merge` or `normalize`: a warning for each option or history that
/// names no host of the input, then a line per host of what was assumed and corrected.
/// `inferred`: the hosts `--correlate` corrected.
/// `corrector`: the one that corrected the records (follow mode reloads the histories).
fn summarize(
    run: &args::Run,
    cx: &crate::pipeline::Context,
    corrector: &crate::pipeline::Corrector,
    inferred: &[String],
) {
    use crate::pipeline::summary;
    summary::unmatched(cx, &run.offsets);
    let asked = !corrector.is_empty() || run.settings.correlate.is_some();
    summary::say(&summary::host_lines(cx, corrector, inferred, asked), run.verbose);
}

/// The names of the run's formats, by index.
fn format_names(cx: &crate::pipeline::Context) -> Vec<String> {
    cx.reg.formats.iter().map(|f| f.name().to_string()).collect()
}
