//! `normalize` on stdin: line by line, in bounded memory, writing each record as soon as the
//! next record starts (a record may still gain continuation lines until then), and flushing
//! whenever the input has nothing more buffered, so `tail -f | deskew normalize` is live.

use std::io::{BufRead, Write};

use anyhow::{Context as _, Result};

use crate::diag;
use crate::format::detect::Matcher;
use crate::format::Hit;
use crate::output::{self, Names, SourceView};
use crate::records::{Record, NO_TIME};
use crate::run::Context;
use crate::time::resolve::{Resolver, YearRule};

/// A record being gathered: its text (lines joined with \n) and its parsed fields.
struct Pending {
    text: Vec<u8>,
    rec: Record,
}

pub fn normalize_stdin(cx: &Context, out: &mut dyn Write) -> Result<()> {
    // An outer buffer whose emptiness tells when the input has nothing more at hand.
    let mut input = std::io::BufReader::with_capacity(1 << 16, crate::input::stdin_lines());
    let matcher = Matcher::all(cx.reg, cx.forced);
    let mut scratch = matcher.scratch();
    let year = cx.opts.year.map_or(YearRule::NotAfter(crate::window::now()), YearRule::Fixed);
    let host_name = cx.opts.host.clone().unwrap_or_else(|| "-".into());
    let mut resolver = Resolver::new(cx.tz_for(&host_name), year);
    resolver.set_boot_time(cx.boot_time_for(&host_name));
    let formats: Vec<String> = cx.reg.formats.iter().map(|f| f.name().to_string()).collect();
    let default_host = cx.hosts.lock().unwrap().intern(&host_name);

    let mut line = Vec::with_capacity(4096);
    let mut pending: Option<Pending> = None;
    let mut buf = Vec::with_capacity(1 << 16);
    let mut n = 0u64;
    let mut bad_utf8_reported = false;
    let mut ended = false;
    let mut session = cx.corrector.session();
    let mut emit = |p: Pending, buf: &mut Vec<u8>| {
        let mut rec = p.rec;
        let hosts = cx.hosts.lock().unwrap();
        session.correct(&mut rec, |h| hosts.names().get(h).cloned());
        rec.start = 0;
        rec.end = p.text.len();
        let view = SourceView { data: &p.text, display_json: "-" };
        if crate::run::in_window(cx.opts, &rec) {
            output::write_record(
                buf,
                cx.opts.output_format,
                &rec,
                &view,
                &Names { hosts: hosts.names(), formats: &formats },
            );
        }
    };
    loop {
        line.clear();
        if ended {
            break;
        }
        let got = match input.read_until(b'\n', &mut line) {
            Ok(n) => n,
            Err(e) => {
                // A truncated compressed stream: keep the partial line read so far, then stop.
                diag::error(format!("-:{}: {e}", n + 1));
                ended = true;
                line.len()
            }
        };
        if got == 0 {
            break;
        }
        n += 1;
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if !bad_utf8_reported && std::str::from_utf8(&line).is_err() {
            bad_utf8_reported = true;
            let fate = crate::output::bad_utf8_fate(cx.opts.output_format);
            diag::error(format!("-:{n}: invalid UTF-8 ({fate})"));
        }
        let trimmed = line.strip_suffix(b"\r").unwrap_or(&line);
        let hit = matcher.line(trimmed, &mut scratch);
        // A line starts a record when it has a timestamp, when nothing is open yet, or when
        // the open record's format keeps untimed lines apart (multiline = false).
        let single = pending
            .as_ref()
            .is_some_and(|p| cx.traits.get(p.rec.format as usize).is_some_and(|t| !t.multiline));
        let starts = hit.is_some() || pending.is_none() || single;
        if starts {
            if let Some(p) = pending.take() {
                emit(p, &mut buf);
            }
            let mut rec = Record {
                key: NO_TIME,
                offset: 0,
                start: 0,
                end: 0,
                line: n,
                raw_ts: (0, 0),
                level: (0, 0),
                host: default_host,
                format: u16::MAX,
                one_line: false,
                timed: false,
            };
            match hit {
                Some(Hit::Header { year, month, day }) => resolver.header_date(year, month, day),
                Some(Hit::Stamp { stamp, format, ts, host, level }) => {
                    let stamp = cx.traits.get(format as usize).map_or(stamp, |t| t.stamp(stamp));
                    if let Ok(t) = resolver.resolve(&stamp) {
                        rec.key = t;
                        rec.timed = true;
                    }
                    rec.format = format;
                    rec.raw_ts = ts;
                    rec.level = level.unwrap_or((0, 0));
                    if let Some((a, b)) = host {
                        let name =
                            String::from_utf8_lossy(&trimmed[a as usize..b as usize]).into_owned();
                        rec.host = cx.hosts.lock().unwrap().intern(&name);
                    }
                }
                None => {}
            }
            pending = Some(Pending { text: line.clone(), rec });
            // Lines before the first timestamp are records of their own: nothing can follow.
            if hit.is_none() {
                if let Some(p) = pending.take() {
                    emit(p, &mut buf);
                }
            }
        } else if let Some(p) = pending.as_mut() {
            p.text.push(b'\n');
            p.text.extend_from_slice(&line);
        }
        if (input.buffer().is_empty() || buf.len() > 1 << 16) && write_out(out, &mut buf)? {
            return Ok(());
        }
    }
    if let Some(p) = pending.take() {
        emit(p, &mut buf);
    }
    session.finish();
    write_out(out, &mut buf)?;
    Ok(())
}

/// Write and flush; true when the reader went away (broken pipe), which ends the run quietly.
fn write_out(out: &mut dyn Write, buf: &mut Vec<u8>) -> Result<bool> {
    let r = out.write_all(buf).and_then(|_| out.flush());
    buf.clear();
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(true),
        Err(e) => Err(e).context("cannot write the output"),
        Ok(()) => Ok(false),
    }
}
