//! Entry points for the fuzz targets (`fuzz/`) and their regression tests
//! (`tests/fuzz_regressions.rs`): arbitrary bytes in, the library paths that `run` and
//! `skew::load` take, and a panic when an invariant breaks. Not part of the interface: built
//! only with the `fuzzing` feature.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::format::Registry;
use crate::input::{Data, SourceSpec};
use crate::output::{self, Names, OutputFormat, SourceView};
use crate::pipeline::{Context, Corrector, Settings, Source, SourceParser};
use crate::time::resolve::{Resolver, YearRule};
use crate::time::scan::{self, Layout};
use crate::time::zone::Tz;
use crate::time::{rfc3339, Stamp};

fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(|| Registry::load(&[] as &[PathBuf]).expect("the built-in formats load"))
}

fn berlin() -> Tz {
    "Europe/Berlin".parse().expect("a known zone")
}

/// The lines of `data` as JSON output shows them (split at `\n`, one CR line end dropped,
/// invalid UTF-8 lossy).
fn lossy_lines(data: &[u8]) -> Vec<String> {
    let mut v: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v.into_iter()
        .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l)).into_owned())
        .collect()
}

/// One source through format detection, record grouping, time resolution, ordering and both
/// output formats, as `merge` and `normalize` run it. The first byte picks the options (year
/// given or inferred, zone, window size); the rest is the file. Panics unless every line
/// comes out exactly once, in valid JSON.
pub fn parse_lines(input: &[u8]) {
    let Some((&knobs, data)) = input.split_first() else { return };
    let opts = Settings {
        tz: if knobs & 1 == 0 { Tz::Fixed(0) } else { berlin() },
        year: (knobs & 2 == 0).then_some(2026),
        boot_time: vec![(None, 1_795_183_200_000_000_000)],
        bad_utf8_fate: output::bad_utf8_fate(OutputFormat::Jsonl),
        ..Settings::default()
    };
    let reg = registry();
    let cx = Context::new(&opts, reg, Corrector::load(&[], &[])).expect("a context");
    let spec = SourceSpec {
        path: PathBuf::from("fuzz.log"),
        display: "fuzz.log".to_string(),
        host: "fuzz".to_string(),
        is_stdin: false,
        named: true,
    };
    let src = Source::new(spec, Data::Owned(data.to_vec()), None);
    // Small windows (with a year given: windowed reading of year-less stamps plans years in
    // a pass of its own, which `pipeline::year_plans` does and this does not) exercise the carry across them.
    let window = match knobs >> 2 {
        w if w < 32 || opts.year.is_none() => usize::MAX,
        w => usize::from(w),
    };
    let mut parser = SourceParser::new(&cx, &src, window, false, None);
    let mut recs = Vec::new();
    while let Some(mut w) = parser.next_window() {
        recs.append(&mut w);
    }
    parser.finish(false);
    // Input order: lines contiguous from 1, records' texts back to back.
    let mut next_line = 1;
    for r in &recs {
        assert_eq!(r.line, next_line, "records' lines not contiguous");
        assert!(r.start <= r.end && r.end <= data.len(), "record out of the data");
        next_line += 1 + memchr::memchr_iter(b'\n', &data[r.start..r.end]).count() as u64;
    }
    let mut merged = recs.clone();
    crate::merge::order_source(&mut merged);
    assert!(merged.windows(2).all(|w| w[0].key <= w[1].key), "a source's order is not sorted");
    let hosts = cx.hosts.lock().unwrap().names().to_vec();
    let formats: Vec<String> = (0..reg.formats.len() as u16).map(|i| reg.name(i).into()).collect();
    let names = Names { hosts: &hosts, formats: &formats };
    let view = SourceView { data, display_json: "fuzz.log" };
    let (mut json, mut text) = (Vec::new(), Vec::new());
    let ns = output::Precision::Ns;
    let jsonl = output::Style::new(OutputFormat::Jsonl, ns, None, false, &formats);
    let plain = output::Style::new(OutputFormat::Text, ns, None, false, &formats);
    for r in &merged {
        output::write_record(&mut json, &jsonl, r, &view, &names, 0);
        output::write_record(&mut text, &plain, r, &view, &names, 0);
    }
    let mut got: Vec<(u64, Vec<String>)> = std::str::from_utf8(&json)
        .expect("JSON output is UTF-8")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("each output line is JSON");
            let msg = v["msg"].as_str().expect("msg is a string");
            (v["line"].as_u64().expect("line"), msg.split('\n').map(String::from).collect())
        })
        .collect();
    got.sort_by_key(|(l, _)| *l);
    let lines: Vec<String> = got.into_iter().flat_map(|(_, m)| m).collect();
    assert_eq!(lines, lossy_lines(data), "JSON output does not hold every line once");
    let text_lines = text.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(text_lines, lossy_lines(data).len(), "text output has a line per input line");
}

/// The timestamp readers on arbitrary text: the built-in scanner, an exact field, and a user
/// layout (the text before the first NUL is the layout, the rest the line); each stamp
/// found is resolved in two zones with and without a year, and written as RFC 3339.
pub fn timestamps(input: &[u8]) {
    let (spec, text) = match memchr::memchr(0, input) {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (&b""[..], input),
    };
    let mut stamps: Vec<Stamp> = Vec::new();
    for s in [input, text] {
        if let Some((st, n)) = scan::leading(s) {
            assert!(n <= s.len(), "a stamp longer than its text");
            stamps.push(st);
        }
        stamps.extend(scan::exact(s));
    }
    if let Ok(layout) = Layout::new(&String::from_utf8_lossy(spec)) {
        if let Some((st, n)) = layout.parse(text) {
            assert!(n <= text.len(), "a layout stamp longer than its text");
            stamps.push(st);
        }
    }
    for tz in [Tz::Fixed(0), Tz::Fixed(-12 * 3600 - 1800), berlin()] {
        for rule in [YearRule::Fixed(2026), YearRule::NotAfter(1_795_183_200_000_000_000)] {
            let mut r = Resolver::new(tz.clone(), rule);
            r.set_boot_time(Some(1_795_183_200_000_000_000));
            for st in &stamps {
                if let Ok(t) = r.resolve(st) {
                    let mut b = Vec::new();
                    rfc3339::write(&mut b, t);
                    let back = std::str::from_utf8(&b).expect("RFC 3339 text is ASCII");
                    assert_eq!(rfc3339::parse(back), Some(t), "{back} does not read back");
                }
            }
        }
    }
}

/// The history readers and the offset model on arbitrary text: up to two files (split at
/// the first `\0\0`) of one host, as `skew::load` combines them, then lookups, the report
/// and the SVG chart.
pub fn history(input: &[u8]) {
    let parts: Vec<&[u8]> = match memchr::memmem::find(input, b"\0\0") {
        Some(i) => vec![&input[..i], &input[i + 2..]],
        None => vec![input],
    };
    let mut hs = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let text = String::from_utf8_lossy(p);
        let _ = crate::skew::history::detect(&text);
        let _ = crate::skew::history::secs(&text);
        let h = crate::skew::parse(&text);
        for (line, msg) in &h.warnings {
            assert!(*line >= 1, "warning line numbers are 1-based");
            assert!(!msg.contains('\n'), "a warning is one line");
        }
        hs.push((PathBuf::from(format!("h{i}.log")), h));
    }
    let host = crate::skew::load::build_host("fuzz".to_string(), hs);
    let m = &host.model;
    let mut probes = vec![i64::MIN, -1, 0, 1, i64::MAX];
    for s in m.samples() {
        probes.extend([s.host_time.saturating_sub(1), s.host_time, s.host_time.saturating_add(1)]);
    }
    // A lookup interpolates between knots or holds one: never outside their offsets. (A
    // cursor may pick another segment than a fresh lookup where the clock was stepped back:
    // the stream's order tells which pass a reading belongs to.)
    let offs: Vec<i64> = m.segments().flatten().map(|k| k.off).collect();
    let range = offs.iter().min().zip(offs.iter().max()).map_or((0, 0), |(a, b)| (*a, *b));
    let mut cursor = m.cursor();
    for &t in &probes {
        for l in [m.lookup(t), cursor.lookup(t)] {
            assert!(range.0 <= l.offset && l.offset <= range.1, "{l:?} at {t} outside {range:?}");
        }
    }
    let _ = (m.coverage(), m.drift_ppm(), m.steps().len(), m.rejected(), m.segments().count());
    let mut out = String::new();
    crate::skew::report::describe(&host, &mut out);
    let _ = crate::skew::report::svg(std::slice::from_ref(&host));
}

/// The NTP packet decoder on arbitrary bytes, as a reply off the network: decoding never
/// panics, a decoded header encodes back to the same fields, and the exchange checks and
/// the measurement run on it. The client's clock readings T1 and T4 come from the bytes
/// after the header, as a real clock gives them (1970 to 2116, T4 up to a minute after T1);
/// the request's cookie is the reply's origin (so that the checks after it run) or taken
/// from those bytes.
pub fn ntp_packet(input: &[u8]) {
    use crate::sync::protocol::exchange::measure;
    use crate::sync::protocol::packet::{Packet, Timestamp};
    let p = match Packet::decode(input) {
        Ok(p) => p,
        Err(e) => {
            assert!(
                input.len() < crate::sync::protocol::packet::HEADER_LEN,
                "{e} on a full header"
            );
            return;
        }
    };
    assert_eq!(Packet::decode(&p.encode()), Ok(p), "encode does not undo decode");
    let _ = (p.kiss_code(), p.ref_id_text());
    let tail = &input[crate::sync::protocol::packet::HEADER_LEN..];
    let word = |i: usize| {
        let mut b = [0u8; 8];
        let part = tail.get(i..).unwrap_or(&[]);
        let n = part.len().min(8);
        b[..n].copy_from_slice(&part[..n]);
        u64::from_be_bytes(b)
    };
    let t1 = (word(0) % (1 << 62)) as i64;
    let t4 = t1 + (word(8) % 60_000_000_000) as i64;
    let cookie = if word(16) & 1 == 0 { p.origin } else { Timestamp(word(16)) };
    match measure(&p, cookie, t1, t4) {
        Ok(m) => {
            assert!(m.delay >= 0, "negative delay {}", m.delay);
            assert!(t1 <= m.time && m.time <= t4, "midpoint outside the exchange");
        }
        Err(r) => assert!(!r.to_string().contains('\n'), "a reject is one line"),
    }
    for near in [t1, t4, 0, i64::MAX, i64::MIN] {
        let _ = (p.receive.to_unix_nanos(near), p.transmit.to_unix_nanos(near));
    }
}
