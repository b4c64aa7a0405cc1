//! Applying clock correction to parsed records: each record's host finds its offset model
//! (from `--offsets` histories or a constant `--skew`), and its time becomes t + offset(t).

use std::collections::HashMap;
use std::sync::Mutex;

use anyhow::Result;

use crate::diag;
use crate::records::Record;
use crate::skew::{self, HostStats, Model, ModelSet};

pub struct Corrector {
    models: ModelSet,
    /// Per history host: what correction did, for the summary at the end.
    stats: Mutex<HashMap<String, HostStats>>,
}

impl Corrector {
    pub fn load(offsets: &[String], skews: &[String]) -> Result<Corrector> {
        let (mut models, warnings) = skew::load(offsets);
        for w in warnings {
            diag::error(w);
        }
        for s in skews {
            let (host, off) =
                skew::parse_skew(s).map_err(|e| anyhow::anyhow!("--skew {s}: {e}"))?;
            models.add_constant(&host, off);
        }
        Ok(Corrector {
            models,
            stats: Mutex::new(HashMap::new()),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.models.hosts().is_empty()
    }

    /// Correct the records of one source, in file order (the models' cursors rely on it).
    pub fn apply(&self, records: &mut [Record], host_names: &[String]) {
        if self.is_empty() {
            return;
        }
        // Per host of this source: its model's name, a cursor and the stats being gathered.
        let mut per_host: HashMap<u32, Option<(String, &Model, skew::Cursor, HostStats)>> =
            HashMap::new();
        for r in records.iter_mut().filter(|r| r.has_time()) {
            let slot = per_host.entry(r.host).or_insert_with(|| {
                let name = &host_names[r.host as usize];
                self.models
                    .find(name)
                    .map(|(key, m)| (key.to_string(), m, m.cursor(), HostStats::default()))
            });
            let Some((_, _, cursor, stats)) = slot else {
                continue;
            };
            let look = cursor.lookup(r.ts);
            stats.add(look.offset, look.outside);
            r.offset = look.offset;
            r.ts += look.offset;
            r.key = r.ts;
        }
        let mut all = self.stats.lock().unwrap();
        for (name, model, _, s) in per_host.into_values().flatten() {
            let e = all
                .entry(name)
                .or_insert_with(|| HostStats::for_model(model));
            e.merge(&s);
        }
    }

    /// One line per corrected host on stderr.
    pub fn summarize(&self) {
        let all = self.stats.lock().unwrap();
        let mut hosts: Vec<_> = all.iter().collect();
        hosts.sort_by(|a, b| a.0.cmp(b.0));
        for (h, s) in hosts {
            // summary_line carries its own `deskew: ` prefix.
            eprintln!("{}", skew::summary_line(h, s));
        }
    }
}
