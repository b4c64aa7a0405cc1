//! Stdin as a stream: line by line, in memory bounded by the record being gathered, through
//! the same grouping core as files (`group`), so the same bytes give the same records and
//! warnings. A record is handed on as soon as it is known to be complete: the next record
//! starts, the input ends, or the input stays quiet for `QUIET` (so `tail -f | deskew
//! normalize` shows each record promptly, not when the next one arrives).
//!
//! Before the first record, the first lines are held (at most the finder's sample, and for
//! at most `QUIET` after the first arrives) for the definition-free finder to learn from, as
//! it does from a file's start; they are then read like the rest.

use std::collections::VecDeque;
use std::io::{self, BufRead};
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use crate::diag;
use crate::format::detect::Matcher;
use crate::format::finder::{SAMPLE_BYTES, SAMPLE_LINES};
use crate::record::{Record, LONG_TEXT, NO_TIME};
use crate::time::clock::now;
use crate::time::resolve::{Resolver, YearRule};

use super::context::Context;
use super::group::{self, fill_keys, Grouper};
use super::scan::{FarYears, LineHit};

/// How long the input may pause before the record it left open is handed on. A writer puts a
/// multi-line record (a stack trace) out at once, well within this; a person watching
/// `tail -f` sees each record within it.
pub const QUIET: Duration = Duration::from_millis(200);

/// What the stream hands its consumer.
pub enum Event<'a> {
    /// Complete records, in input order; their offsets index `text`.
    Records(&'a [Record], &'a [u8]),
    /// Complete records, the last of which is the head of a record too long to hold
    /// (`LONG_TEXT`): its text so far is `text[start..end]`, the rest comes in `More`, then
    /// `End`.
    Head(&'a [Record], &'a [u8]),
    /// More text of the record begun by `Head`, as it stands in the input (line breaks in it).
    More(&'a [u8]),
    /// The record begun by `Head` is complete.
    End,
    /// Nothing more is at hand for now: write out what is buffered.
    Idle,
}

/// What the reader thread sends: lines (the last line of the input may lack its `\n`), or
/// the error that ended the input. A line longer than `LONG_TEXT` comes in pieces of about
/// that size: a chunk that does not end in `\n` ends inside a line that the next goes on with.
enum Msg {
    Lines(Vec<u8>),
    Failed(io::Error),
}

/// Bytes of a long record's text handed on at a time.
const MORE: usize = 1 << 16;

/// Read stdin to its end, handing records to `sink` (which returns true to stop: the reader
/// of the output went away). Problems are reported on stderr as for files.
pub fn run(
    cx: &Context,
    quiet: Duration,
    sink: &mut dyn FnMut(Event) -> io::Result<bool>,
) -> io::Result<()> {
    let (tx, rx) = mpsc::sync_channel::<Msg>(4);
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    // Detached, not scoped: a read of stdin cannot be interrupted, and a run that stops early
    // (its output closed) must not wait for the next line to arrive.
    std::thread::spawn(move || read_lines(crate::input::stdin_lines(), tx, free_rx));

    let mut matcher = Matcher::all(cx.reg, cx.forced);
    // What arrived while the finder's sample was gathered, read first.
    let mut next = sample(&rx, quiet);
    let mut sample: Vec<u8> = Vec::new();
    for m in &next {
        if let Msg::Lines(c) = m {
            sample.extend_from_slice(c);
        }
    }
    matcher.learn(&sample, cx.forced);
    drop(sample);
    let mut scratch = matcher.scratch();
    let host_name = cx.settings.host.clone().unwrap_or_else(|| "-".into());
    let year = cx.settings.year.map_or(YearRule::NotAfter(now()), YearRule::Fixed);
    let (zone, zone_why) = cx.zone_for(&host_name);
    let mut resolver = Resolver::new(zone.clone(), year);
    resolver.set_boot_time(cx.boot_time_for(&host_name));
    let default_host = cx.hosts.lock().unwrap().intern(&host_name);
    let mut grouper = Grouper::new(resolver, &cx.traits, default_host);
    let mut session = cx.corrector.session();
    let host_of = |name: &[u8]| cx.hosts.lock().unwrap().intern(&String::from_utf8_lossy(name));

    // The text of the open record (its lines, each with its `\n`), or nothing. Past
    // LONG_TEXT, the record is streamed (`Event::Head`) and its text no longer held.
    let mut text: Vec<u8> = Vec::with_capacity(1 << 12);
    let mut recs: Vec<Record> = Vec::new();
    let mut n = 0u64;
    let mut last_key = NO_TIME;
    let mut bad_utf8_reported = false;
    let mut far = FarYears::default();
    // The chunk to come starts inside the last line of the one before.
    let mut cont = false;
    // A record is being streamed: `Some(true)` when it ends at the end of its line (a line of
    // its own, or of a single-line format), `Some(false)` when the lines after it join it.
    let mut streaming: Option<bool> = None;
    // Its text not yet handed on.
    let mut tail: Vec<u8> = Vec::new();

    // Correct the complete records and hand them on (the last as a head when `head`);
    // true: stop.
    let mut emit = |recs: &mut Vec<Record>,
                    text: &[u8],
                    last_key: &mut i64,
                    head: bool,
                    sink: &mut dyn FnMut(Event) -> io::Result<bool>|
     -> io::Result<bool> {
        if recs.is_empty() {
            return Ok(false);
        }
        for r in recs.iter_mut() {
            session.correct(r, |h| cx.hosts.lock().unwrap().names().get(h).cloned());
        }
        *last_key = fill_keys(recs, *last_key);
        let stop = sink(if head { Event::Head(recs, text) } else { Event::Records(recs, text) })?;
        recs.clear();
        Ok(stop)
    };
    // Hand on the streamed record's text held, and end it if `end`; true: stop.
    let flush = |tail: &mut Vec<u8>,
                 streaming: &mut Option<bool>,
                 end: bool,
                 sink: &mut dyn FnMut(Event) -> io::Result<bool>|
     -> io::Result<bool> {
        if !tail.is_empty() {
            let stop = sink(Event::More(tail))?;
            tail.clear();
            if stop {
                return Ok(true);
            }
        }
        if end && streaming.take().is_some() {
            return sink(Event::End);
        }
        Ok(false)
    };

    // Too much text held: what is complete goes on, and the record that goes on is streamed
    // from here. `$complete`: the text ends at a line end.
    macro_rules! overflow {
        ($complete:expr) => {
            if streaming.is_none() && text.len() >= LONG_TEXT {
                let groups = grouper.groups();
                grouper.close(&text, text.len(), &mut recs);
                let head = groups || !$complete;
                if emit(&mut recs, &text, &mut last_key, head, sink)? {
                    return Ok(());
                }
                text.clear();
                if head {
                    streaming = Some(!groups);
                } else {
                    grouper.restart(0, n);
                }
            }
        };
    }

    'read: loop {
        let msg = match next.pop_front() {
            Some(m) => m,
            None if grouper.is_open() || streaming.is_some() => match rx.recv_timeout(quiet) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => {
                    // The input paused: what is open is complete as far as anyone can tell
                    // (a line cut off in the middle goes on when the input does).
                    if streaming.is_some() {
                        if flush(&mut tail, &mut streaming, !cont, sink)? {
                            return Ok(());
                        }
                        if streaming.is_none() {
                            grouper.restart(0, n);
                        }
                        if sink(Event::Idle)? {
                            return Ok(());
                        }
                        continue;
                    }
                    grouper.close(&text, text.len(), &mut recs);
                    if emit(&mut recs, &text, &mut last_key, false, sink)? || sink(Event::Idle)? {
                        return Ok(());
                    }
                    text.clear();
                    grouper.restart(0, n);
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            },
            None => match rx.recv() {
                Ok(m) => m,
                Err(_) => break,
            },
        };
        let chunk = match msg {
            Msg::Lines(c) => c,
            Msg::Failed(e) => {
                // A truncated compressed stream: what came before it still goes through.
                diag::error(format!("-:{}: {e}", n + 1));
                break;
            }
        };
        let mut rest: &[u8] = &chunk;
        if cont {
            // The rest of a line begun in a chunk before (a long line: being streamed).
            let (piece, ended) = match memchr::memchr(b'\n', rest) {
                Some(i) => (&rest[..i], Some(i + 1)),
                None => (rest, None),
            };
            let held = if streaming.is_some() { &mut tail } else { &mut text };
            held.extend_from_slice(piece);
            if let Some(k) = ended {
                rest = &rest[k..];
                cont = false;
                match streaming {
                    None => text.push(b'\n'),
                    Some(true) => {
                        if flush(&mut tail, &mut streaming, true, sink)? {
                            return Ok(());
                        }
                        grouper.restart(0, n);
                    }
                    Some(false) => {}
                }
            } else {
                rest = &[];
                overflow!(false);
            }
            if tail.len() >= MORE && flush(&mut tail, &mut streaming, false, sink)? {
                return Ok(());
            }
        }
        for raw in rest.split_inclusive(|&b| b == b'\n') {
            n += 1;
            let complete = raw.ends_with(b"\n");
            let line = raw.strip_suffix(b"\n").unwrap_or(raw);
            if !bad_utf8_reported {
                // A line cut in pieces may end inside a character: only a bad one counts.
                if let Err(e) = std::str::from_utf8(line) {
                    if complete || e.error_len().is_some() {
                        bad_utf8_reported = true;
                        let fate = cx.settings.bad_utf8_fate;
                        diag::error(format!("-:{n}: invalid UTF-8 ({fate})"));
                    }
                }
            }
            let trimmed = if complete { line.strip_suffix(b"\r").unwrap_or(line) } else { line };
            // A long line is matched on its start, as in a file (`scan`).
            let trimmed = &trimmed[..trimmed.len().min(LONG_TEXT)];
            let hit = matcher.line(trimmed, &mut scratch);
            if hit.is_none() && matcher.far_year(trimmed, &mut scratch) {
                far.add(n);
            }
            match hit {
                Some(hit) => {
                    if flush(&mut tail, &mut streaming, true, sink)? {
                        return Ok(());
                    }
                    // Closes what was open before it (at the end of the text held).
                    grouper.close(&text, text.len(), &mut recs);
                    if emit(&mut recs, &text, &mut last_key, false, sink)? {
                        return Ok(());
                    }
                    text.clear();
                    text.extend_from_slice(line);
                    if complete {
                        text.push(b'\n');
                    }
                    let h = LineHit { line: n - 1, start: 0, end: line.len(), hit };
                    grouper.push(&text, &h, host_of, &mut recs);
                }
                None if streaming.is_some() => {
                    // A line of the record being streamed (one that ends at its line's end
                    // has ended before the next line).
                    tail.push(b'\n');
                    tail.extend_from_slice(line);
                }
                None if grouper.is_open() => {
                    text.extend_from_slice(line);
                    if complete {
                        text.push(b'\n');
                    }
                }
                None => {
                    // No record is open: the line is a record of its own.
                    text.extend_from_slice(line);
                    if complete {
                        text.push(b'\n');
                        grouper.close(&text, text.len(), &mut recs);
                        if emit(&mut recs, &text, &mut last_key, false, sink)? {
                            return Ok(());
                        }
                        text.clear();
                        grouper.restart(0, n);
                    }
                }
            }
            if !complete {
                cont = true;
            }
            overflow!(complete);
            if tail.len() >= MORE && flush(&mut tail, &mut streaming, false, sink)? {
                return Ok(());
            }
        }
        let _ = free_tx.send(chunk);
        if !next.is_empty() {
            continue;
        }
        match rx.try_recv() {
            Ok(m) => next.push_back(m),
            Err(TryRecvError::Empty) => {
                if flush(&mut tail, &mut streaming, false, sink)? || sink(Event::Idle)? {
                    return Ok(());
                }
            }
            Err(TryRecvError::Disconnected) => break 'read,
        }
    }
    if flush(&mut tail, &mut streaming, true, sink)? {
        return Ok(());
    }
    grouper.close(&text, text.len(), &mut recs);
    if emit(&mut recs, &text, &mut last_key, false, sink)? {
        return Ok(());
    }
    session.finish();
    let reading = super::assumed::Reading {
        zone: &zone,
        why: &zone_why,
        rule: year,
        stdin: true,
        first_year: grouper.resolver().first_year(),
    };
    cx.add_reading(grouper.tallies(), &reading);
    // Before the rest, in the order a file's parser says them.
    if let Some(m) = far.message("-") {
        diag::warn(diag::Kind::Time, m);
    }
    if n > 0 && grouper.tallies().is_empty() {
        diag::warn(
            diag::Kind::Untimed,
            format!("-: no line has a timestamp deskew reads: its {n} lines are kept without a time (--input-format or --formats DIR if it is a log)"),
        );
    }
    group::report_problems("-", &grouper.take_problems());
    if let Some(abbr) = grouper.resolver().ambiguity() {
        diag::warn(diag::Kind::Assumed, format!(
            "-: zone abbreviation {abbr} is ambiguous; read by its most common meaning (pass --host-tz HOST=REGION, e.g. America/Los_Angeles, to settle it)"
        ));
    }
    sink(Event::Idle)?;
    Ok(())
}

/// The first messages of the input, for the finder to learn from: until they hold its sample
/// (`SAMPLE_LINES` lines or `SAMPLE_BYTES`), the input ends or fails, or `quiet` has passed
/// since the first arrived (a slow stream, `tail -f`, learns from what it has then rather
/// than hold its records back).
fn sample(rx: &mpsc::Receiver<Msg>, quiet: Duration) -> VecDeque<Msg> {
    let mut got = VecDeque::new();
    let (mut bytes, mut lines) = (0usize, 0usize);
    let mut until: Option<Instant> = None;
    while bytes < SAMPLE_BYTES && lines < SAMPLE_LINES {
        let m = match until {
            None => rx.recv().ok(),
            Some(t) => rx.recv_timeout(t.saturating_duration_since(Instant::now())).ok(),
        };
        match m {
            Some(Msg::Lines(c)) => {
                bytes += c.len();
                lines += memchr::memchr_iter(b'\n', &c).count();
                until.get_or_insert_with(|| Instant::now() + quiet);
                got.push_back(Msg::Lines(c));
            }
            Some(failed) => {
                got.push_back(failed);
                break;
            }
            None => break,
        }
    }
    got
}

/// The reader thread: whole lines in chunks, a chunk sent whenever the input has nothing more
/// at hand (so a live line goes on at once) or the chunk is large; a line longer than
/// `LONG_TEXT` in pieces of that size (marked: the chunk ends inside a line).
fn read_lines(input: impl BufRead, tx: mpsc::SyncSender<Msg>, free: mpsc::Receiver<Vec<u8>>) {
    let mut input = io::BufReader::with_capacity(1 << 16, input);
    // Bytes of the line being read that are not yet sent.
    let mut line = 0usize;
    loop {
        let mut chunk = free.try_recv().unwrap_or_else(|_| Vec::with_capacity(1 << 16));
        chunk.clear();
        let failed = loop {
            let buf = match input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Some(Some(e)),
            };
            if buf.is_empty() {
                break None;
            }
            match memchr::memchr(b'\n', buf) {
                Some(i) => {
                    chunk.extend_from_slice(&buf[..=i]);
                    input.consume(i + 1);
                    line = 0;
                    if input.buffer().is_empty() || chunk.len() >= 1 << 16 {
                        break Some(None);
                    }
                }
                None => {
                    let k = buf.len();
                    chunk.extend_from_slice(buf);
                    input.consume(k);
                    line += k;
                    if line >= LONG_TEXT {
                        line = 0;
                        break Some(None);
                    }
                }
            }
        };
        let sent = chunk.is_empty() || tx.send(Msg::Lines(chunk)).is_ok();
        match failed {
            Some(None) if sent => {}
            Some(Some(e)) => {
                let _ = tx.send(Msg::Failed(e));
                return;
            }
            _ => return,
        }
    }
}
