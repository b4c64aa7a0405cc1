//! What every stage of a run shares: the settings the pipeline needs (and nothing of the
//! command line), the formats, the offset models and the table of host names.

use std::sync::Mutex;

use crate::format::Registry;
use crate::host::{self, Hosts};
use crate::record::TimeWindow;
use crate::time::zone::Tz;
use crate::time::Nanos;

use super::assumed::{Assumed, Reading, Tally, ZoneWhy};
use super::correct::Corrector;
use super::group::Traits;

/// How to read and place the records of a run (checked by the command that builds it).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Zone of timestamps that carry none.
    pub tz: Tz,
    /// Where `tz` came from (`--tz`, `$TZ`, neither), for the summary of what was assumed.
    pub tz_why: ZoneWhy,
    /// Per host: its zone.
    pub host_tz: Vec<(String, Tz)>,
    /// Year of the first timestamp that carries none; `None`: inferred.
    pub year: Option<i32>,
    /// Host of records whose format captures none.
    pub host: Option<String>,
    /// Boot times for boot-relative stamps: per host, or (None) for every host.
    pub boot_time: Vec<(Option<String>, Nanos)>,
    /// Parse every input with this format instead of detecting one.
    pub input_format: Option<String>,
    /// Which records to keep.
    pub window: TimeWindow,
    /// What the output does with invalid UTF-8, for the warning that says so.
    pub bad_utf8_fate: &'static str,
    /// Bytes of a source parsed at a time.
    pub window_bytes: usize,
    /// Whether a progress bar may be shown (only on a terminal, for large inputs).
    pub progress: bool,
    /// `--correlate KEY` / `--correlate-regex`: infer offsets from shared request ids.
    pub correlate: Option<crate::skew::infer::Key>,
    /// `--reference HOST`: the clock taken as true when inferring.
    pub reference: Option<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            tz: Tz::Fixed(0),
            tz_why: ZoneWhy::Default,
            host_tz: Vec::new(),
            year: None,
            host: None,
            boot_time: Vec::new(),
            input_format: None,
            window: TimeWindow::default(),
            bad_utf8_fate: "",
            window_bytes: super::WINDOW,
            progress: false,
            correlate: None,
            reference: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("no format is named {0:?}; `deskew formats` lists them")]
    UnknownFormat(String),
}

/// Everything a run shares across sources.
pub struct Context<'a> {
    pub settings: &'a Settings,
    pub reg: &'a Registry,
    pub forced: Option<u16>,
    pub hosts: Mutex<Hosts>,
    pub corrector: Corrector,
    /// Per format: what grouping and resolution need to know of it.
    pub traits: Vec<Traits>,
    pub progress: Option<indicatif::ProgressBar>,
    /// Per host id: the zones and years its stamps were given, for the summary.
    pub assumed: Mutex<Assumed>,
}

impl<'a> Context<'a> {
    pub fn new(
        settings: &'a Settings,
        reg: &'a Registry,
        corrector: Corrector,
    ) -> Result<Context<'a>, ContextError> {
        let forced = match &settings.input_format {
            Some(n) => Some(reg.by_name(n).ok_or_else(|| ContextError::UnknownFormat(n.clone()))?),
            None => None,
        };
        let traits = reg
            .formats
            .iter()
            .map(|f| Traits { multiline: f.def.multiline, utc: f.def.utc })
            .collect();
        let hosts = Mutex::new(Hosts::default());
        Ok(Context {
            settings,
            reg,
            forced,
            hosts,
            corrector,
            traits,
            progress: None,
            assumed: Mutex::default(),
        })
    }

    /// The boot time for a host's boot-relative stamps: its own, else the one for all.
    pub fn boot_time_for(&self, name: &str) -> Option<Nanos> {
        let bt = &self.settings.boot_time;
        let own = bt.iter().find(|(h, _)| h.as_deref().is_some_and(|h| host::matches(name, h)));
        own.or_else(|| bt.iter().find(|(h, _)| h.is_none())).map(|(_, t)| *t)
    }

    pub fn tz_for(&self, name: &str) -> Tz {
        self.zone_for(name).0
    }

    /// The zone of a host's zone-less stamps, and why.
    pub fn zone_for(&self, name: &str) -> (Tz, ZoneWhy) {
        for (h, tz) in &self.settings.host_tz {
            if host::matches(name, h) {
                return (tz.clone(), ZoneWhy::HostTz(h.clone()));
            }
        }
        (self.settings.tz.clone(), self.settings.tz_why.clone())
    }

    /// The host of a source's records whose lines name none (SPEC "A record's host is"):
    /// stdin is `--host` (else `-`); a file named directly is `--host`, else the name of its
    /// directory when that name has an offset history (or a `--skew`) and its own stem has
    /// none (`logs/worker01/worker.log` is worker01: said when `say`), else its stem; a file
    /// found under a directory PATH keeps the host of its place there, whatever `--host`
    /// says.
    pub fn source_host(&self, spec: &crate::input::SourceSpec, say: bool) -> String {
        if spec.is_stdin {
            return self.settings.host.clone().unwrap_or_else(|| spec.host.clone());
        }
        if !spec.named {
            return spec.host.clone();
        }
        if let Some(h) = &self.settings.host {
            return h.clone();
        }
        let dir = std::path::absolute(&spec.path)
            .ok()
            .and_then(|p| p.parent()?.file_name()?.to_str().map(str::to_string));
        match dir {
            Some(d) if !self.corrector.knows(&spec.host) && self.corrector.knows(&d) => {
                if say {
                    crate::diag::warn(
                        crate::diag::Kind::Assumed,
                        format!(
                            "{}: host {d} (its directory's name, which has an offset history), not {} (its file name); --host names it otherwise",
                            spec.display, spec.host
                        ),
                    );
                }
                d
            }
            _ => spec.host.clone(),
        }
    }

    /// Add what a source's grouping counted (per host id) to the run's summary.
    pub fn add_reading(&self, tallies: &[(u32, Tally)], r: &Reading) {
        if tallies.is_empty() {
            return;
        }
        let hosts = self.hosts.lock().unwrap();
        let name_of = |h: usize| hosts.names().get(h).cloned().unwrap_or_default();
        self.assumed.lock().unwrap().add(tallies, r, name_of);
    }
}
