//! Per-host correction statistics, summed while records are corrected, and their summary.

use super::model::Model;
use crate::time::Nanos;

/// What clock correction did to one host's records.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostStats {
    /// Samples in the host's model (0 for a constant `--skew`).
    pub samples: usize,
    /// Steps in the host's model.
    pub steps: usize,
    pub constant: bool,
    pub records: u64,
    /// Largest |correction|, ns.
    pub max_abs: Nanos,
    /// Sum of corrections, ns (for the mean).
    pub sum: i128,
    /// Records whose reading lay before the first or after the last sample (value held).
    pub outside: u64,
}

impl HostStats {
    pub fn for_model(m: &Model) -> HostStats {
        HostStats {
            samples: m.samples().len(),
            steps: m.steps().len(),
            constant: m.is_constant(),
            ..HostStats::default()
        }
    }

    /// Counts one corrected record.
    pub fn add(&mut self, offset: Nanos, outside: bool) {
        self.records += 1;
        self.max_abs = self.max_abs.max(offset.saturating_abs());
        self.sum += offset as i128;
        self.outside += outside as u64;
    }

    /// Adds another source's (or worker's) counts for the same host; the model fields are
    /// taken from `o` when `self` has none.
    pub fn merge(&mut self, o: &HostStats) {
        if self.samples == 0 && !self.constant {
            self.samples = o.samples;
            self.steps = o.steps;
            self.constant = o.constant;
        }
        self.records += o.records;
        self.max_abs = self.max_abs.max(o.max_abs);
        self.sum += o.sum;
        self.outside += o.outside;
    }

    pub fn mean(&self) -> Option<Nanos> {
        (self.records > 0).then(|| (self.sum / self.records as i128) as Nanos)
    }
}

/// A signed duration, readable: `+2.500000 s`, `-312.4 ms`, `+12.0 us`.
pub fn fmt_offset(ns: Nanos) -> String {
    let a = ns.unsigned_abs() as f64;
    let sign = if ns < 0 { '-' } else { '+' };
    if a >= 1e9 {
        format!("{sign}{:.6} s", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}{:.3} ms", a / 1e6)
    } else {
        format!("{sign}{:.1} us", a / 1e3)
    }
}

/// One line for stderr at the end of a run.
pub fn summary_line(host: &str, s: &HostStats) -> String {
    let source = if s.constant {
        "constant skew".to_string()
    } else {
        let steps = match s.steps {
            0 => String::new(),
            1 => ", 1 step".into(),
            n => format!(", {n} steps"),
        };
        format!("{} samples{steps}", s.samples)
    };
    let mut line = format!("deskew: {host}: {source}; {} records corrected", s.records);
    if let Some(mean) = s.mean() {
        line += &format!(
            ", max |{}|, mean {}",
            fmt_offset(s.max_abs).trim_start_matches('+'),
            fmt_offset(mean)
        );
    }
    if s.outside > 0 {
        line += &format!(", {} outside the history (nearest value held)", s.outside);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary() {
        let m = Model::constant(2_500_000_000);
        let mut s = HostStats::for_model(&m);
        let l = m.lookup(1);
        s.add(l.offset, l.outside);
        s.add(-1_500_000_000, true);
        assert_eq!(s.mean(), Some(500_000_000));
        assert_eq!(
            summary_line("web01", &s),
            "deskew: web01: constant skew; 2 records corrected, max |2.500000 s|, mean +500.000 ms, 1 outside the history (nearest value held)"
        );
        assert_eq!(fmt_offset(-12_345), "-12.3 us");
    }
}
