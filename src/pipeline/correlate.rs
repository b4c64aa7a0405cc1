//! `--correlate` at the edge between the parse and the merge: the ids the parsers collected,
//! the hosts already corrected, `--reference` go into the inference (`skew::infer`, pure);
//! out come the report and the models applied late.

use std::sync::Arc;

use super::Context;
use crate::skew::host_matches;
use crate::skew::infer::{infer, Collector, Late, Outcome};
use crate::skew::stats::fmt_offset;

/// What `--correlate` found.
pub struct Correlation {
    /// One line per host that took part, and what was assumed (for stderr or `offsets`).
    pub report: Vec<String>,
    /// Problems: `--reference` names no host, no record names the key.
    pub errors: Vec<String>,
    pub late: Option<Arc<Late>>,
    /// Per inferred host index: its name, requests linked, band width (ns).
    pub inferred: Vec<(u32, String, usize, f64)>,
}

/// Infer every uncorrected host's offset from the collected ids.
pub fn correlate(cx: &Context, c: &Collector) -> Correlation {
    let key_text = cx.settings.correlate.as_ref().map(|k| k.text()).unwrap_or_default();
    let names: Vec<String> = cx.hosts.lock().unwrap().names().to_vec();
    let known: Vec<bool> = names.iter().map(|n| cx.corrector.knows(n)).collect();
    let mut errors = Vec::new();
    let reference = cx.settings.reference.as_deref().and_then(|r| {
        let i = names.iter().position(|n| n.eq_ignore_ascii_case(r));
        let i = i.or_else(|| names.iter().position(|n| host_matches(n, r)));
        if i.is_none() {
            errors.push(format!("--reference {r}: no records of that host; not used"));
        }
        i.map(|i| i as u32)
    });
    if c.hits == 0 {
        errors.push(format!("{key_text}: no record names an id that way; nothing inferred"));
    }
    let inf = infer(c, &names, &known, reference);
    let mut report = inf.report();
    for h in inf.unlinked(c) {
        report
            .push(format!("correlate: {h}: shares no request id with another host: not corrected"));
    }
    if inf.ids == 0 && c.hits > 0 {
        report.push(format!(
            "correlate: {} records name ids, but no id appears on two hosts: nothing inferred",
            c.hits
        ));
    } else if inf.pairs.is_empty() && inf.ids > 0 {
        report.push(format!(
            "correlate: {} ids appear on two hosts or more, but none is logged at start and end on both (a one-way message bounds an offset from one side only): nothing inferred",
            inf.ids
        ));
    }
    let inferred = inf
        .outcomes
        .iter()
        .enumerate()
        .filter_map(|(h, o)| match o {
            Outcome::Inferred { links, width, .. } => {
                Some((h as u32, names[h].clone(), *links, *width))
            }
            _ => None,
        })
        .collect();
    let models = inf.models(|h| c.range_of(h));
    // A run of a source is sorted once, at parsing; the late correction moves only some of
    // its hosts' records, so the block-wise re-sort cannot restore the order across blocks.
    for hosts in &c.mixed {
        let moved = |h: &&u32| models.get(**h as usize).is_some_and(Option::is_some);
        if hosts.iter().any(|h| moved(&h)) {
            let list: Vec<&str> = hosts.iter().map(|&h| names[h as usize].as_str()).collect();
            report.push(format!(
                "correlate: a file holds lines of hosts {}, corrected from the logs by different offsets: its lines may come out of order by up to the inferred offsets",
                list.join(", ")
            ));
        }
    }
    let late = Late::new(models).map(Arc::new);
    Correlation { report, errors, late, inferred }
}

impl Correlation {
    /// Per inferred host, the correction summary line (as history hosts get).
    pub fn summary(&self) -> Vec<String> {
        let Some(late) = &self.late else { return Vec::new() };
        let stats = late.stats();
        self.inferred
            .iter()
            .filter_map(|(h, name, links, width)| {
                let s = &stats.iter().find(|x| x.0 == *h)?.1;
                let mut line = format!(
                    "deskew: {name}: inferred from {links} requests (± {}); {} records corrected",
                    fmt_offset((width / 2.0).round() as i64).trim_start_matches('+'),
                    s.records
                );
                if let Some(mean) = s.mean() {
                    line += &format!(
                        ", max |{}|, mean {}",
                        fmt_offset(s.max_abs).trim_start_matches('+'),
                        fmt_offset(mean)
                    );
                }
                Some(line)
            })
            .collect()
    }
}
