//! `deskew offsets PATH... [--svg FILE]`: per host, what the model holds, and a chart.

use super::load::HostHistory;
use super::model::Knot;
use super::stats::fmt_offset;
use crate::time::Nanos;
use std::fmt::Write as _;

const COLS: usize = 72;
const ROWS: usize = 12;

fn utc(t: Nanos) -> String {
    chrono::DateTime::from_timestamp(
        t.div_euclid(1_000_000_000),
        t.rem_euclid(1_000_000_000) as u32,
    )
    .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    .unwrap_or_else(|| t.to_string())
}

fn span(ns: Nanos) -> String {
    let s = ns / 1_000_000_000;
    match s {
        s if s >= 86400 => format!("{}d{}h", s / 86400, s % 86400 / 3600),
        s if s >= 3600 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

/// Unit for axis labels over a range of offsets: (divisor, suffix, decimals).
fn unit(lo: Nanos, hi: Nanos) -> (f64, &'static str, usize) {
    let m = lo.unsigned_abs().max(hi.unsigned_abs()) as f64;
    let r = (hi - lo).unsigned_abs() as f64;
    if m >= 1e9 {
        (1e9, "s", if r < 1e6 { 6 } else { 3 })
    } else if m >= 1e6 {
        (1e6, "ms", if r < 1e4 { 3 } else { 1 })
    } else {
        (1e3, "us", 1)
    }
}

struct Frame {
    t0: Nanos,
    t1: Nanos,
    y0: Nanos,
    y1: Nanos,
}

impl Frame {
    fn new(h: &HostHistory) -> Option<Frame> {
        let (t0, t1) = h.model.coverage()?;
        let offs: Vec<Nanos> = h.model.segments().flat_map(|k| k.iter().map(|k| k.off)).collect();
        let (mut y0, mut y1) = (*offs.iter().min()?, *offs.iter().max()?);
        if y1 - y0 < 1000 {
            y0 -= 500;
            y1 += 500;
        }
        let pad = (y1 - y0) / 20;
        Some(Frame { t0, t1: t1.max(t0 + 1), y0: y0 - pad, y1: y1 + pad })
    }
    /// Position in [0, 1] x [0, 1] (y up).
    fn pos(&self, k: Knot) -> (f64, f64) {
        (
            (k.t as f64 - self.t0 as f64) / (self.t1 as f64 - self.t0 as f64),
            (k.off as f64 - self.y0 as f64) / (self.y1 as f64 - self.y0 as f64),
        )
    }
}

/// A braille chart (2x4 dots a character), with offset labels left and times below.
fn chart(h: &HostHistory, out: &mut String) {
    let Some(f) = Frame::new(h) else { return };
    let (w, ht) = (COLS * 2, ROWS * 4);
    let mut dots = vec![vec![false; w]; ht];
    let mut set = |x: f64, y: f64| {
        let cx = ((x * (w - 1) as f64).round() as usize).min(w - 1);
        let cy = ((1.0 - y) * (ht - 1) as f64).round().clamp(0.0, (ht - 1) as f64) as usize;
        dots[cy][cx] = true;
    };
    for seg in h.model.segments() {
        if seg.len() == 1 {
            let (x, y) = f.pos(seg[0]);
            set(x, y);
        }
        for p in seg.windows(2) {
            let (a, b) = (f.pos(p[0]), f.pos(p[1]));
            let d = ((b.0 - a.0) * w as f64).abs().max(((b.1 - a.1) * ht as f64).abs());
            let n = (d * 2.0).ceil().clamp(1.0, 4096.0) as usize;
            for i in 0..=n {
                let s = i as f64 / n as f64;
                set(a.0 + (b.0 - a.0) * s, a.1 + (b.1 - a.1) * s);
            }
        }
    }
    let (div, suf, dec) = unit(f.y0, f.y1);
    let label = |v: Nanos| format!("{:>+.*} {suf}", dec, v as f64 / div);
    let lw = [f.y0, f.y1].iter().map(|&v| label(v).len()).max().unwrap_or(8);
    for row in 0..ROWS {
        let l = match row {
            0 => label(f.y1),
            r if r == ROWS - 1 => label(f.y0),
            r if r == ROWS / 2 => label(f.y0 + (f.y1 - f.y0) / 2),
            _ => String::new(),
        };
        let _ = write!(out, "  {l:>lw$} ┤");
        for col in 0..COLS {
            const BITS: [[u32; 2]; 4] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]];
            let mut code = 0u32;
            for (dy, bits) in BITS.iter().enumerate() {
                for (dx, bit) in bits.iter().enumerate() {
                    if dots[row * 4 + dy][col * 2 + dx] {
                        code |= bit;
                    }
                }
            }
            out.push(if code == 0 { ' ' } else { char::from_u32(0x2800 + code).unwrap_or('?') });
        }
        out.push('\n');
    }
    let _ = writeln!(out, "  {:lw$} └{}", "", "─".repeat(COLS));
    let (a, b) = (utc(f.t0), utc(f.t1));
    let gap = (COLS + 1).saturating_sub(a.len() + b.len()).max(1);
    let _ = writeln!(out, "  {:lw$}  {a}{}{b}", "", " ".repeat(gap));
}

/// The text for one host.
pub fn describe(h: &HostHistory, out: &mut String) {
    let m = &h.model;
    let used = h.used.map(|k| k.name()).unwrap_or("constant --skew");
    let _ = writeln!(out, "{}  ({used})", h.host);
    if let Some(c) = &h.caveat {
        let _ = writeln!(out, "  caveat   {c}");
    }
    for (p, k, n) in &h.files {
        let _ = writeln!(out, "  file     {} ({}, {n} samples)", p.display(), k.name());
    }
    let _ = writeln!(
        out,
        "  samples  {} used, {} rejected as outliers",
        m.samples().len(),
        m.rejected()
    );
    match m.coverage() {
        Some((a, b)) => {
            let _ = writeln!(out, "  covered  {} .. {} ({})", utc(a), utc(b), span(b - a));
            let first = m.lookup(a).offset;
            let last = m.lookup(b).offset;
            let _ = writeln!(
                out,
                "  offset   {} .. {} (first .. last; true - host clock)",
                fmt_offset(first),
                fmt_offset(last)
            );
        }
        None => {
            let _ = writeln!(out, "  offset   {} everywhere", fmt_offset(m.lookup(0).offset));
        }
    }
    match m.drift_ppm() {
        Some(d) => {
            let how = match d {
                d if d.abs() < 0.0005 => "keeps",
                d if d > 0.0 => "gains",
                _ => "loses",
            };
            let d = if d.abs() < 0.0005 { 0.0 } else { d };
            let _ = writeln!(out, "  drift    {d:+.3} ppm (host clock {how} time)");
        }
        None => {
            let _ = writeln!(out, "  drift    n/a");
        }
    }
    if m.steps().is_empty() {
        let _ = writeln!(out, "  steps    none");
    }
    for s in m.steps() {
        let why = if s.marked { "marked in the history" } else { "from the offsets" };
        let _ = writeln!(
            out,
            "  step     at {}: {} -> {} (clock moved {}; {why})",
            utc(s.host_time),
            fmt_offset(s.before),
            fmt_offset(s.after),
            fmt_offset(s.before - s.after)
        );
    }
    chart(h, out);
}

pub use super::svg::svg;

/// The text `deskew offsets` prints: every host's history described, or a line saying there
/// is none.
pub fn text(hosts: &[HostHistory]) -> String {
    let mut text = String::new();
    for (i, h) in hosts.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        describe(h, &mut text);
    }
    if hosts.is_empty() {
        text.push_str("no offset history found\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skew::load::load;

    #[test]
    fn report_of_samples() {
        let d = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/ntp/refclock-2.5s-ahead-drift-100ppm");
        let (set, warn) = load(&[format!("lab={}", d.display())]);
        assert!(warn.is_empty(), "{warn:?}");
        let text = text(set.details());
        assert!(text.starts_with("lab  (chrony tracking.log)"), "{text}");
        assert!(text.contains("step     at 2026-11-23T18:55:"), "{text}");
        assert!(text.contains("ppm"));
        assert!(text.lines().filter(|l| l.contains('┤')).count() == ROWS);
        let svg = svg(set.details());
        assert!(svg.starts_with("<svg") && svg.contains("<polyline"));
    }
}
