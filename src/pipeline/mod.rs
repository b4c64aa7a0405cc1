//! From bytes to corrected records: sources opened (`input`), each line offered to the
//! formats (`scan`), lines grouped into records with their times resolved (`group`, the one
//! core for files and stdin), each record's time corrected by its host's offset model
//! (`correct`). `source` drives this a window of bytes at a time for a file; `stdin` line by
//! line for a stream. What the stages share is in `context`.

pub mod assumed;
pub mod context;
pub mod correct;
pub mod correlate;
pub mod group;
pub mod live;
pub mod scan;
pub mod source;
pub mod stdin;
pub mod summary;

use std::io::IsTerminal;

use rayon::prelude::*;

pub use context::{Context, ContextError, Settings};
pub use correct::Corrector;
pub use source::{gather_year_plan, Source, SourceParser};

use crate::diag;
use crate::input;
use crate::time::Civil;

/// Bytes of a source parsed at a time: a source up to this size is one window.
pub const WINDOW: usize = 8 << 20;

/// Find and open every source named by `paths`, in parallel, in command-line order; what
/// cannot be opened is reported and left out.
pub fn open_all(cx: &mut Context, paths: &[String]) -> Vec<Source> {
    let mut errors = Vec::new();
    let specs = input::discover(paths, &mut errors);
    for e in errors {
        diag::error_of(diag::Kind::Input, e);
    }
    let mut specs = specs;
    for spec in specs.iter_mut() {
        spec.host = cx.source_host(spec, true);
    }
    let opened: Vec<Option<Source>> = specs
        .into_par_iter()
        .map(|spec| match input::open(&spec) {
            Ok(o) => {
                for w in &o.warnings {
                    diag::error(w);
                }
                Some(Source::new(spec, o.data, o.mtime))
            }
            Err(e) => {
                diag::error_of(diag::Kind::Input, e);
                None
            }
        })
        .collect();
    // Collected in place (`filter_map` reuses the buffer: `Option<Source>` is no larger),
    // to the exact number of sources: a `Vec` grown by doubling held up to a third more
    // (200k files: 10 MB) to the end of the run.
    // (`flatten` here was measured not to be collected in place.)
    #[allow(clippy::filter_map_identity)]
    let mut sources: Vec<Source> = opened.into_iter().filter_map(|s| s).collect();
    sources.shrink_to_fit();
    let total: u64 = sources.iter().map(|s| s.data.len() as u64).sum();
    if cx.settings.progress && std::io::stderr().is_terminal() && total > 64 << 20 {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        cx.progress = Some(b);
    }
    sources
}

/// Windowed reading: the compressed year-less stamps of each source that needs them (one
/// that is longer than a window and whose stamps lack a year).
pub fn year_plans(cx: &Context, sources: &[Source]) -> Vec<Option<Vec<Civil>>> {
    let window = cx.settings.window_bytes;
    sources
        .par_iter()
        .map(|src| {
            if src.data.len() <= window || cx.settings.year.is_some() {
                return None;
            }
            let p = SourceParser::new(cx, src, window, false, None);
            p.needs_year_plan().then(|| gather_year_plan(cx, src, window))
        })
        .collect()
}

/// A parser that reads one source in order, a window at a time (with the year-less stamps
/// of a source longer than a window planned in a pass of their own).
pub fn reader<'a>(cx: &'a Context<'a>, src: &'a Source) -> SourceParser<'a> {
    let plan = year_plans(cx, std::slice::from_ref(src)).pop().flatten();
    SourceParser::new(cx, src, cx.settings.window_bytes, true, plan.as_deref())
}
