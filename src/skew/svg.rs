//! `deskew offsets --svg`: a panel per host with readable axes at any range. Offset ticks are
//! Heckbert's "nice numbers" (1, 2 or 5 times a power of ten: Graphics Gems, 1990), written
//! in one unit per axis with as many decimals as the step needs, so labels never repeat;
//! time ticks are whole seconds, minutes, hours or days in UTC, with the date under the first
//! tick and wherever it changes. The model is drawn as lines (one per step-free segment),
//! the samples it was built from as dots, each step as a labelled dashed line, and zero as a
//! darker line.

use std::fmt::Write as _;

use super::load::HostHistory;
use super::stats::fmt_offset;
use crate::time::Nanos;

/// Tick values covering a range: `values` from the first tick at or below its low end to
/// the first at or above its high end, `step` apart.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks {
    pub values: Vec<f64>,
    pub step: f64,
}

/// Heckbert's nice number near `x` (> 0): 1, 2, 5 or 10 times a power of ten, the nearest
/// (`round`) or the least not below `x`.
pub fn nice(x: f64, round: bool) -> f64 {
    let e = x.log10().floor();
    let p = 10f64.powf(e);
    let f = x / p;
    let n = if round {
        match f {
            f if f < 1.5 => 1.0,
            f if f < 3.0 => 2.0,
            f if f < 7.0 => 5.0,
            _ => 10.0,
        }
    } else {
        match f {
            f if f <= 1.0 => 1.0,
            f if f <= 2.0 => 2.0,
            f if f <= 5.0 => 5.0,
            _ => 10.0,
        }
    };
    n * p
}

/// Heckbert's loose labelling of [lo, hi] with about `n` ticks.
pub fn ticks(lo: f64, hi: f64, n: usize) -> Ticks {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 0.5, hi + 0.5) };
    let range = nice(hi - lo, false);
    let step = nice(range / (n.max(2) - 1) as f64, true);
    let first = (lo / step).floor();
    let last = (hi / step).ceil();
    let values = (0..=(last - first) as i64).map(|i| (first + i as f64) * step).collect();
    Ticks { values, step }
}

/// The unit of an offset axis (divisor in ns, suffix) and the decimals its step needs.
pub fn offset_unit(t: &Ticks) -> (f64, &'static str, usize) {
    let m = t.values.iter().fold(0f64, |m, v| m.max(v.abs()));
    let (div, suffix) = match m {
        m if m >= 1e9 => (1e9, "s"),
        m if m >= 1e6 => (1e6, "ms"),
        m if m >= 1e3 => (1e3, "us"),
        _ => (1.0, "ns"),
    };
    let dec = (-((t.step / div).log10() + 1e-9).floor()).max(0.0) as usize;
    (div, suffix, dec)
}

/// The label of offset tick `v` (ns).
pub fn offset_label(v: f64, (div, suffix, dec): (f64, &str, usize)) -> String {
    let x = v / div;
    if x.abs() < 0.5 * 10f64.powi(-(dec as i32)) {
        return format!("0 {suffix}");
    }
    format!("{x:+.dec$} {suffix}")
}

/// Steps of a time axis, in seconds: what a clock face shows.
const TIME_STEPS: [f64; 28] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0,
    120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0,
    172800.0,
];

/// Time ticks (ns) within [t0, t1], at most about `n` intervals, at multiples of the step
/// (UTC midnight for steps of hours); and the step in seconds.
pub fn time_ticks(t0: Nanos, t1: Nanos, n: usize) -> (Vec<Nanos>, f64) {
    let span = (t1 - t0).max(1) as f64 / 1e9;
    let want = span / n.max(1) as f64;
    let step = TIME_STEPS
        .iter()
        .copied()
        .find(|&s| s >= want)
        .unwrap_or_else(|| nice(want / 86400.0, false).max(1.0) * 86400.0);
    let ns = (step * 1e9).round() as i64;
    let mut t = t0.div_euclid(ns) * ns;
    if t < t0 {
        t += ns;
    }
    let mut out = Vec::new();
    while t <= t1 && out.len() < 100 {
        out.push(t);
        t += ns;
    }
    (out, step)
}

/// A time tick's label: the clock time to the step's precision, and the date.
pub fn time_label(t: Nanos, step: f64) -> (String, String) {
    let d = chrono::DateTime::from_timestamp(
        t.div_euclid(1_000_000_000),
        t.rem_euclid(1_000_000_000) as u32,
    )
    .unwrap_or_default();
    let clock = match step {
        s if s >= 86400.0 => String::new(),
        s if s >= 60.0 => d.format("%H:%M").to_string(),
        s if s >= 1.0 => d.format("%H:%M:%S").to_string(),
        _ => d.format("%H:%M:%S%.3f").to_string(),
    };
    (clock, d.format("%Y-%m-%d").to_string())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

const PW: f64 = 720.0;
const PH: f64 = 200.0;
const ML: f64 = 100.0;
const MT: f64 = 44.0;
const PANEL: f64 = PH + MT + 56.0;

/// One panel per host: the offset model, its samples and steps, over host time in UTC.
pub fn svg(hosts: &[HostHistory]) -> String {
    let height = PANEL * hosts.len().max(1) as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"monospace\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        PW + ML + 40.0
    );
    for (i, h) in hosts.iter().enumerate() {
        panel(&mut s, h, i as f64 * PANEL + MT);
    }
    s.push_str("</svg>\n");
    s
}

fn panel(s: &mut String, h: &HostHistory, top: f64) {
    let m = &h.model;
    let _ = writeln!(
        s,
        "<text x=\"{ML}\" y=\"{}\" font-weight=\"bold\">{} — offset = true time − host clock</text>",
        top - 26.0,
        esc(&h.host)
    );
    let Some((t0, t1)) = m.coverage() else {
        let _ = writeln!(
            s,
            "<text x=\"{ML}\" y=\"{}\">constant {}</text>",
            top + 20.0,
            esc(&fmt_offset(m.lookup(0).offset))
        );
        return;
    };
    let t1 = t1.max(t0 + 1);
    let offs = m
        .segments()
        .flat_map(|k| k.iter().map(|k| k.off))
        .chain(m.samples().iter().map(|x| x.offset));
    let (lo, hi) = offs.fold((i64::MAX, i64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (mut lo, mut hi) = (lo as f64, hi as f64);
    if hi - lo < 1000.0 {
        lo -= 500.0;
        hi += 500.0;
    }
    let yt = ticks(lo, hi, 6);
    let (y0, y1) = (yt.values[0], *yt.values.last().unwrap_or(&hi));
    let unit = offset_unit(&yt);
    let x = |t: Nanos| ML + (t - t0) as f64 / (t1 - t0) as f64 * PW;
    let y = |v: f64| top + PH - (v - y0) / (y1 - y0) * PH;
    // Grid and offset labels.
    for &v in &yt.values {
        let yy = y(v);
        let _ = writeln!(
            s,
            "<line x1=\"{ML}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#e6e6e6\"/><text class=\"ytick\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            ML + PW,
            ML - 6.0,
            yy + 4.0,
            offset_label(v, unit)
        );
    }
    if y0 <= 0.0 && 0.0 <= y1 {
        let yy = y(0.0);
        let _ = writeln!(
            s,
            "<line class=\"zero\" x1=\"{ML}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#555\" stroke-width=\"1\"/>",
            ML + PW
        );
    }
    // Time ticks: the clock, and the date under the first and wherever it changes.
    let (xt, step) = time_ticks(t0, t1, 6);
    let mut last_date = String::new();
    for &t in &xt {
        let xx = x(t);
        let (clock, date) = time_label(t, step);
        let _ = writeln!(
            s,
            "<line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{top}\" y2=\"{}\" stroke=\"#e6e6e6\"/><line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#888\"/>",
            top + PH,
            top + PH,
            top + PH + 4.0
        );
        let (first, second) =
            if clock.is_empty() { (date.clone(), String::new()) } else { (clock, date.clone()) };
        let _ = writeln!(
            s,
            "<text class=\"xtick\" x=\"{xx:.1}\" y=\"{}\" text-anchor=\"middle\">{first}</text>",
            top + PH + 16.0
        );
        if !second.is_empty() && second != last_date {
            let _ = writeln!(
                s,
                "<text class=\"xdate\" x=\"{xx:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{second}</text>",
                top + PH + 29.0
            );
        }
        last_date = date;
    }
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#555\">host clock, UTC</text>",
        ML + PW,
        top + PH + 44.0
    );
    let _ = writeln!(
        s,
        "<rect x=\"{ML}\" y=\"{top}\" width=\"{PW}\" height=\"{PH}\" fill=\"none\" stroke=\"#888\"/>"
    );
    // The model, the samples, the steps.
    for seg in m.segments() {
        let pts: Vec<String> =
            seg.iter().map(|k| format!("{:.1},{:.1}", x(k.t), y(k.off as f64))).collect();
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"1.5\" points=\"{}\"/>",
            pts.join(" ")
        );
    }
    for p in m.samples() {
        let _ = writeln!(
            s,
            "<circle class=\"sample\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\" fill=\"#333\" fill-opacity=\"0.6\"/>",
            x(p.host_time),
            y(p.offset as f64)
        );
    }
    for st in m.steps() {
        let xx = x(st.host_time);
        let _ = writeln!(
            s,
            "<line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{top}\" y2=\"{}\" stroke=\"#c33\" stroke-dasharray=\"4 3\"/><text class=\"step\" x=\"{xx:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#c33\">clock moved {}</text>",
            top + PH,
            top - 6.0,
            esc(&fmt_offset(st.before - st.after))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(lo: f64, hi: f64) -> Vec<String> {
        let t = ticks(lo, hi, 6);
        let u = offset_unit(&t);
        t.values.iter().map(|&v| offset_label(v, u)).collect()
    }

    #[test]
    fn nice_numbers_are_one_two_five_times_a_power_of_ten() {
        assert_eq!(nice(0.6, true), 0.5);
        assert_eq!(nice(2.9, true), 2.0);
        assert_eq!(nice(2.9, false), 5.0);
        assert_eq!(nice(8000.0, false), 10000.0);
        let t = ticks(-3.0, 42.0, 6);
        assert_eq!(t.step, 10.0);
        assert_eq!(t.values, vec![-10.0, 0.0, 10.0, 20.0, 30.0, 40.0, 50.0]);
    }

    #[test]
    fn offset_labels_are_distinct_at_every_range() {
        // Around +2.5 s, ranges from 10 us to 3 s; and around zero.
        for centre in [2.5e9, 0.0, -0.3e9] {
            for range in [1e4, 1e6, 3e8, 3e9, 50.0] {
                let l = labels(centre - range / 2.0, centre + range / 2.0);
                let set: std::collections::HashSet<_> = l.iter().collect();
                assert_eq!(set.len(), l.len(), "{centre} ± {range}: {l:?}");
                assert!((3..=12).contains(&l.len()), "{l:?}");
            }
        }
        assert_eq!(labels(2.499995e9, 2.500005e9)[0], "+2.499994 s");
        assert_eq!(labels(-1e6, 1e6), vec!["-1.0 ms", "-0.5 ms", "0 ms", "+0.5 ms", "+1.0 ms"]);
    }

    #[test]
    fn time_ticks_are_round_utc_times() {
        let t0 = crate::time::rfc3339::parse("2026-11-23T18:41:37Z").unwrap();
        let (xt, step) = time_ticks(t0, t0 + 3 * 3600 * 1_000_000_000, 6);
        assert_eq!(step, 1800.0);
        assert_eq!(time_label(xt[0], step), ("19:00".to_string(), "2026-11-23".to_string()));
        let (xt, step) = time_ticks(t0, t0 + 10 * 86400 * 1_000_000_000, 6);
        assert_eq!(step, 172800.0);
        assert_eq!(time_label(xt[0], step).0, "");
        let (_, step) = time_ticks(t0, t0 + 90 * 86400 * 1_000_000_000, 6);
        assert_eq!(step, 20.0 * 86400.0);
    }
}
