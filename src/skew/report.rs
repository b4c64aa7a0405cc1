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

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// One panel per host: the offset curve, each step-free segment its own polyline.
pub fn svg(hosts: &[HostHistory]) -> String {
    let (pw, ph, ml, mt) = (720.0, 200.0, 90.0, 30.0);
    let panel = ph + mt + 40.0;
    let height = panel * hosts.len().max(1) as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"monospace\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        pw + ml + 30.0
    );
    for (i, h) in hosts.iter().enumerate() {
        let top = i as f64 * panel + mt;
        let _ = writeln!(
            s,
            "<text x=\"{ml}\" y=\"{}\" font-weight=\"bold\">{} — offset = true - host clock</text>",
            top - 10.0,
            esc(&h.host)
        );
        let Some(f) = Frame::new(h) else {
            let _ = writeln!(
                s,
                "<text x=\"{ml}\" y=\"{}\">constant {}</text>",
                top + 20.0,
                esc(&fmt_offset(h.model.lookup(0).offset))
            );
            continue;
        };
        let _ = writeln!(s, "<rect x=\"{ml}\" y=\"{top}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#888\"/>");
        let (div, suf, dec) = unit(f.y0, f.y1);
        for j in 0..=4 {
            let v = f.y0 + (f.y1 - f.y0) / 4 * j;
            let y = top + ph - ph * j as f64 / 4.0;
            let _ = writeln!(s, "<line x1=\"{ml}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#eee\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{:+.*} {suf}</text>", ml + pw, ml - 4.0, y + 4.0, dec, v as f64 / div);
        }
        let _ = writeln!(s, "<text x=\"{ml}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", top + ph + 16.0, utc(f.t0), ml + pw, top + ph + 16.0, utc(f.t1));
        for seg in h.model.segments() {
            let pts: Vec<String> = seg
                .iter()
                .map(|&k| {
                    let (x, y) = f.pos(k);
                    format!("{:.1},{:.1}", ml + x * pw, top + ph - y * ph)
                })
                .collect();
            let _ = writeln!(
                s,
                "<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"1.5\" points=\"{}\"/>",
                pts.join(" ")
            );
        }
        for st in h.model.steps() {
            let x = ml + f.pos(Knot { t: st.host_time, off: 0 }).0 * pw;
            let _ = writeln!(s, "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{top}\" y2=\"{}\" stroke=\"#c33\" stroke-dasharray=\"4 3\"/>", top + ph);
        }
    }
    s.push_str("</svg>\n");
    s
}

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
