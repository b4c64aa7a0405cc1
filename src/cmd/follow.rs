//! `deskew merge --follow`: files followed as they grow (`input::follow`), their lines grouped
//! into records (`pipeline::live`), corrected with offset histories read again as they grow,
//! ordered as they arrive (`merge::follow`), written a batch at a time. The loop sleeps on
//! the watcher's channel until something changes, a record is due, or a second passes.

use std::io::{self, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::args::{Follow, Run};
use super::{output, Failure};
use crate::diag;
use crate::format::detect::Matcher;
use crate::input::follow::{Change, Follower, Wake};
use crate::merge::follow::{Out, Policy, Reorder};
use crate::output::{self as out, json_escape, Names, SourceView};
use crate::pipeline::live::{LiveRecord, LiveSource};
use crate::pipeline::{stdin::QUIET, Context, Corrector};
use crate::time::Nanos;

/// How often, at least, the files are looked at and the histories checked for growth.
const TICK: Duration = Duration::from_secs(1);

/// Records held at most (the oldest go out past it): memory stays bounded.
const MAX_HELD: usize = 100_000;

struct Src<'a> {
    live: LiveSource<'a>,
    display_json: String,
    /// When it last gained bytes.
    fed: Instant,
}

impl<'a> Src<'a> {
    fn new(
        cx: &'a Context<'a>,
        matcher: &Matcher,
        i: usize,
        spec: &crate::input::SourceSpec,
        now: Instant,
    ) -> Src<'a> {
        let mut display_json = Vec::new();
        json_escape(&mut display_json, spec.display.as_bytes());
        Src {
            live: LiveSource::new(cx, matcher, i, &cx.source_host(spec, true), &spec.display),
            display_json: String::from_utf8_lossy(&display_json).into_owned(),
            fed: now,
        }
    }
}

pub fn run<'a>(run: &Run, follow: &Follow, cx: &'a Context<'a>) -> Result<(), Failure> {
    let (tx, rx) = mpsc::channel::<Wake>();
    {
        let tx = tx.clone();
        let mut signals = signal_hook::iterator::Signals::new([
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGTERM,
        ])
        .context("cannot catch SIGINT and SIGTERM")?;
        std::thread::spawn(move || {
            if signals.forever().next().is_some() {
                let _ = tx.send(Wake::Stop);
            }
        });
    }
    let mut errors = Vec::new();
    let mut follower = Follower::start(&run.paths, follow.tail, tx, follow.poll, &mut errors);
    for e in errors {
        diag::error(e);
    }
    let mut w = output(run, false)?;
    let matcher = Matcher::all(cx.reg, cx.forced);
    let formats = super::format_names(cx);
    let style = super::style(run, &formats);
    let mut seq = 0u64;
    let start = Instant::now();
    let since = |t: Instant| t.duration_since(start).as_nanos() as Nanos;
    let mut reorder: Reorder<LiveRecord> = Reorder::new(Policy {
        lateness: follow.lateness.as_nanos() as Nanos,
        idle: follow.idle.as_nanos() as Nanos,
        max_held: MAX_HELD,
    });
    let now = Instant::now();
    let mut srcs: Vec<Src> =
        (0..follower.len()).map(|i| Src::new(cx, &matcher, i, follower.spec(i), now)).collect();
    for i in 0..srcs.len() {
        reorder.register(i, 0);
    }
    let mut fresh: Option<Corrector> = None;
    let mut histories = Histories::new(&run.offsets);
    let mut recs: Vec<LiveRecord> = Vec::new();
    let mut outs: Vec<Out<LiveRecord>> = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    let mut names_due = true;
    let mut last_tick = Instant::now();
    let mut stop = false;
    loop {
        let now = Instant::now();
        if histories.grew() {
            fresh = Some(Corrector::load_with(&run.offsets, &run.skews, false));
        }
        let corrector = fresh.as_ref().unwrap_or(&cx.corrector);
        let mut changed = vec![false; srcs.len()];
        follower.poll(names_due || stop, &mut |i, ch| {
            if let Change::Added(spec) = ch {
                srcs.push(Src::new(cx, &matcher, i, spec, now));
                reorder.register(i, since(now));
                changed.push(false);
                return;
            }
            let s = &mut srcs[i];
            match ch {
                Change::Added(_) => {}
                Change::Data(d) => {
                    s.live.feed(cx, &matcher, corrector, d, &mut recs);
                    s.fed = now;
                    changed[i] = true;
                }
                Change::Restarted(msg) => {
                    s.live.pause(cx, &matcher, corrector, false, &mut recs);
                    s.live.restart();
                    diag::note(msg);
                }
            }
        });
        names_due = false;
        // A file quiet for QUIET: the record it left open is complete as far as anyone can
        // tell. At the end, everything read goes.
        for (i, s) in srcs.iter_mut().enumerate() {
            if s.live.is_open()
                && (stop || (!changed.get(i).copied().unwrap_or(false) && now - s.fed >= QUIET))
            {
                s.live.pause(cx, &matcher, corrector, !stop, &mut recs);
            }
        }
        let t = since(now);
        for r in recs.drain(..) {
            reorder.push(r.source, r.rec.key, r, t, &mut outs);
        }
        if stop {
            reorder.flush(&mut outs);
        } else {
            reorder.release(t, &mut outs);
        }
        if !outs.is_empty() {
            let hosts = cx.hosts.lock().unwrap();
            let names = Names { hosts: hosts.names(), formats: &formats };
            if let Some(v) = &style.view {
                v.widen(names.hosts);
            }
            for o in outs.drain(..) {
                if !run.settings.window.keeps(&o.item.rec) {
                    continue;
                }
                let shown = &srcs[o.item.source].display_json;
                let view = SourceView { data: &o.item.text, display_json: shown };
                let before = buf.len();
                out::write_record(&mut buf, &style, &o.item.rec, &view, &names, seq);
                if buf.len() > before {
                    // Not left out by --level.
                    out::write_marks(&mut buf, run.format, o.late, o.item.provisional);
                    seq += 1;
                }
            }
        }
        if !buf.is_empty() {
            let r = w.write_all(&buf).and_then(|_| w.flush());
            buf.clear();
            match r {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => break,
                r => r.context("cannot write the output")?,
            }
        }
        if stop {
            break;
        }
        // Sleep until something changes, a held record is due, an open record's file has
        // been quiet for QUIET, or the next tick.
        let now = Instant::now();
        let mut wait = TICK.saturating_sub(now - last_tick);
        if let Some(d) = reorder.deadline(since(now)) {
            wait = wait.min(Duration::from_nanos((d - since(now)).max(0) as u64));
        }
        for s in srcs.iter().filter(|s| s.live.is_open()) {
            wait = wait.min((s.fed + QUIET).saturating_duration_since(now));
        }
        match rx.recv_timeout(wait) {
            Ok(Wake::Stop) => stop = true,
            Ok(Wake::Changed { names }) => names_due |= names,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => stop = true,
        }
        // Everything else that is waiting, at once: one look serves them all.
        while let Ok(m) = rx.try_recv() {
            match m {
                Wake::Stop => stop = true,
                Wake::Changed { names } => names_due |= names,
            }
        }
        if last_tick.elapsed() >= TICK {
            last_tick = Instant::now();
            names_due = true;
        }
    }
    for s in &mut srcs {
        s.live.finish(cx);
    }
    if reorder.late_count() > 0 {
        diag::note(format!(
            "{} records came later than records of later time already written; written at once, marked late",
            reorder.late_count()
        ));
    }
    super::summarize(run, cx, fresh.as_ref().unwrap_or(&cx.corrector), &[]);
    super::finish(w)
}

/// The offset histories' sizes and times, to see when `deskew sync --interval` added to them.
struct Histories {
    paths: Vec<std::path::PathBuf>,
    seen: Vec<(u64, Option<std::time::SystemTime>)>,
}

impl Histories {
    fn new(specs: &[String]) -> Histories {
        // HOST=PATH binds a file to a host: the path is after the '='.
        let paths = specs
            .iter()
            .map(|s| match s.split_once('=') {
                Some((_, p)) if !std::path::Path::new(s).exists() => p.into(),
                _ => s.into(),
            })
            .collect();
        let mut h = Histories { paths, seen: Vec::new() };
        h.seen = h.look();
        h
    }

    /// Size and modification time of every history file (those in a directory too).
    fn look(&self) -> Vec<(u64, Option<std::time::SystemTime>)> {
        let mut out = Vec::new();
        for p in &self.paths {
            let entries: Vec<std::path::PathBuf> = if p.is_dir() {
                std::fs::read_dir(p)
                    .map(|d| d.flatten().map(|e| e.path()).collect())
                    .unwrap_or_default()
            } else {
                vec![p.clone()]
            };
            for e in entries {
                if let Ok(m) = std::fs::metadata(&e) {
                    out.push((m.len(), m.modified().ok()));
                }
            }
        }
        out
    }

    /// Whether any history changed since the last look.
    fn grew(&mut self) -> bool {
        if self.paths.is_empty() {
            return false;
        }
        let now = self.look();
        let grew = now != self.seen;
        self.seen = now;
        grew
    }
}
