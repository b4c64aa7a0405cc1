//! Applying clock correction to parsed records: each record's host finds its offset model
//! (from `--offsets` histories or a constant `--skew`), and its time becomes t + offset(t).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::diag;
use crate::record::Record;
use crate::skew::{self, HostStats, Model, ModelSet};

pub struct Corrector {
    models: ModelSet,
    /// Per record host (as its records name it): what correction did, for the summary.
    stats: Mutex<HashMap<String, HostStats>>,
}

impl Corrector {
    /// The models of the histories at `offsets` (reported problems aside) and the constant
    /// corrections `skews` (host, nanoseconds) for hosts without a history.
    pub fn load(offsets: &[String], skews: &[(String, i64)]) -> Corrector {
        Corrector::load_with(offsets, skews, true)
    }

    /// `load`, saying nothing of the histories' problems unless `report` (follow mode reads
    /// them again as they grow, and has said so once already).
    pub fn load_with(offsets: &[String], skews: &[(String, i64)], report: bool) -> Corrector {
        let (mut models, warnings) = skew::load(offsets);
        if report {
            for w in warnings {
                diag::error_of(diag::Kind::History, w);
            }
            for c in models.details().iter().filter_map(|h| h.caveat.as_ref()) {
                diag::note(c);
            }
        }
        for (host, off) in skews {
            models.add_constant(host, *off);
        }
        Corrector { models, stats: Mutex::new(HashMap::new()) }
    }

    /// Whether `host` has a model (history or `--skew`): its records come out corrected.
    pub fn knows(&self, host: &str) -> bool {
        self.models.find(host).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.models.hosts().is_empty()
    }

    /// A correction pass over one source: cursors and stats per host, kept across records
    /// (the stream path feeds records one at a time).
    pub fn session(&self) -> Session<'_> {
        Session { corrector: self, per_host: Vec::new() }
    }
    /// What correction did to the records of `host` (as they name it).
    pub fn stats_of(&self, host: &str) -> Option<HostStats> {
        self.stats.lock().unwrap().get(host).cloned()
    }

    /// The history (or `--skew`) that corrects `host`.
    pub fn history_of(&self, host: &str) -> Option<&skew::HostHistory> {
        let (key, _) = self.models.find(host)?;
        self.models.details().iter().find(|h| h.host == key)
    }

    /// Every history and `--skew`, by host.
    pub fn histories(&self) -> &[skew::HostHistory] {
        self.models.details()
    }
}

/// Per host of one source: the history's host name, its model, a cursor, the stats so far
/// (`None`: no model for that host).
type HostState<'a> = Option<(String, &'a Model, skew::Cursor<'a>, HostStats)>;

pub struct Session<'a> {
    corrector: &'a Corrector,
    /// Indexed by host id (small, dense integers): no hashing per record. The outer `None`:
    /// not looked up yet.
    per_host: Vec<Option<HostState<'a>>>,
}

impl Session<'_> {
    /// Correct one record (records of a source must come in file order).
    /// `name_of` gives a host's name from its index; it is asked once per host (so a caller
    /// that must lock the host table to answer locks it once per host, not per record).
    /// Returns true when the record lies after its host's newest offset sample, so that
    /// offset is held forward: provisional until the history grows (follow mode says so).
    pub fn correct(
        &mut self,
        r: &mut Record,
        name_of: impl FnOnce(usize) -> Option<String>,
    ) -> bool {
        if !r.has_time() || self.corrector.is_empty() {
            return false;
        }
        let models = &self.corrector.models;
        let h = r.host as usize;
        if self.per_host.len() <= h {
            self.per_host.resize_with(h + 1, || None);
        }
        let slot = self.per_host[h].get_or_insert_with(|| {
            let name = name_of(h)?;
            models.find(&name).map(|(_, m)| (name, m, m.cursor(), HostStats::default()))
        });
        let Some((_, model, cursor, stats)) = slot else {
            return false;
        };
        let look = cursor.lookup(r.key);
        stats.add(look.offset, look.outside);
        let held = look.outside && model.coverage().is_some_and(|(_, last)| r.key > last);
        r.offset = look.offset;
        r.key += look.offset;
        held
    }

    /// Add this pass's stats to the run's.
    pub fn finish(self) {
        let mut all = self.corrector.stats.lock().unwrap();
        for (name, model, _, s) in self.per_host.into_iter().flatten().flatten() {
            all.entry(name).or_insert_with(|| HostStats::for_model(model)).merge(&s);
        }
    }
}
