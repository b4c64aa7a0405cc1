//! Every format, compiled once: built-in definitions, then the user's, then `generic`; and
//! the regex set that tells detection which regex formats can match a line at all.

use std::path::Path;

use rayon::prelude::*;

use super::def::{self, FormatDef, Kind};
use super::{builtin, Format, FormatError, GENERIC};

/// The regex formats whose regex matches a line (`Registry::matching`).
pub struct Matching<'r> {
    hits: regex::bytes::SetMatches,
    in_set: &'r [Option<usize>],
}

impl Matching<'_> {
    /// Whether format `i` can parse the line: false only for a regex format whose regex does
    /// not match it.
    pub fn may_parse(&self, i: usize) -> bool {
        self.in_set.get(i).copied().flatten().is_none_or(|k| self.hits.matched(k))
    }
}

/// All formats: built-in, then user ones; the last one is the `generic` fallback.
pub struct Registry {
    pub formats: Vec<Format>,
    /// Every regex format's regex in one set, and per format its index in it (see `matching`).
    set: Option<regex::bytes::RegexSet>,
    in_set: Vec<Option<usize>>,
}

impl Registry {
    /// The same registry without its regex set: every format is tried on every line.
    #[cfg(test)]
    pub fn without_set(mut self) -> Registry {
        self.set = None;
        self
    }

    /// Which regex formats' regexes match `line` (`None`: not known; try them all).
    pub fn matching(&self, line: &[u8]) -> Option<Matching<'_>> {
        let set = self.set.as_ref()?;
        Some(Matching { hits: set.matches(line), in_set: &self.in_set })
    }

    /// The built-in formats plus those in `user_dirs` (a user format replaces a built-in one of
    /// the same name).
    pub fn load(user_dirs: &[impl AsRef<Path>]) -> Result<Registry, FormatError> {
        let mut defs: Vec<(String, String)> = builtin::BUILTIN
            .iter()
            .map(|(n, t)| (format!("formats/{n} (built in)"), t.to_string()))
            .collect();
        for dir in user_dirs {
            let dir = dir.as_ref();
            let rd = std::fs::read_dir(dir)
                .map_err(|e| FormatError::Dir(dir.display().to_string(), e))?;
            let mut files: Vec<_> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            for p in files {
                let text = std::fs::read_to_string(&p).map_err(|e| FormatError::Def {
                    path: p.display().to_string(),
                    msg: e.to_string(),
                })?;
                defs.push((p.display().to_string(), text));
            }
        }
        // Compiled side by side (regexes, direct parsers: a few milliseconds in all, before
        // any source can be read); the first error in definition order is the one reported.
        let compiled: Vec<Result<(String, Format), FormatError>> = defs
            .into_par_iter()
            .map(|(path, text)| {
                let def: FormatDef = toml::from_str(&text).map_err(|e| FormatError::Def {
                    path: path.clone(),
                    msg: e.to_string().replace('\n', " "),
                })?;
                let f = Format::compile(def)
                    .map_err(|e| FormatError::Def { path: path.clone(), msg: e.to_string() })?;
                Ok((path, f))
            })
            .collect();
        let mut formats: Vec<Format> = Vec::new();
        for c in compiled {
            let (path, f) = c?;
            if f.name() == GENERIC {
                return Err(FormatError::Def {
                    path,
                    msg: "the name `generic` is reserved".into(),
                });
            }
            match formats.iter_mut().find(|g| g.name() == f.name()) {
                Some(slot) => *slot = f,
                None => formats.push(f),
            }
        }
        formats.push(Format {
            def: FormatDef {
                name: GENERIC.into(),
                title: "any line that starts with a timestamp in a common layout".into(),
                priority: -100,
                kind: Kind::Regex,
                regex: None,
                layout: None,
                timestamp_keys: vec![],
                host_keys: vec![],
                level_keys: vec![],
                require_keys: vec![],
                header: None,
                utc: false,
                multiline: true,
                samples: vec![def::Sample {
                    line: "2026-11-23 18:41:37.123 anything after a leading timestamp".into(),
                    ts: Some("2026-11-23T18:41:37.123Z".into()),
                    host: None,
                }],
            },
            regex: None,
            ts_group: 0,
            host_group: None,
            level_group: None,
            split: None,
            direct: None,
            first_bytes: None,
            layout: None,
            header: None,
            header_first: None,
            keys: vec![],
            required: 0,
            key_lens: 0,
            key_firsts: 0,
        });
        // Detection tries every format on a thousand lines of each source; one pass of a set
        // over a line tells which regexes match at all, at a fraction of the cost of trying
        // them one by one. Without it (too large a set), every format is tried.
        let mut in_set = vec![None; formats.len()];
        let mut pats = Vec::new();
        for (i, f) in formats.iter().enumerate() {
            if let (Kind::Regex, Some(src)) = (f.def.kind, f.def.regex.as_deref()) {
                in_set[i] = Some(pats.len());
                pats.push(src);
            }
        }
        let set = regex::bytes::RegexSetBuilder::new(&pats)
            .unicode(false)
            .size_limit(1 << 26)
            .dfa_size_limit(8 << 20)
            .build()
            .ok();
        Ok(Registry { formats, set, in_set })
    }

    pub fn generic_idx(&self) -> u16 {
        (self.formats.len() - 1) as u16
    }

    pub fn by_name(&self, name: &str) -> Option<u16> {
        self.formats.iter().position(|f| f.name() == name).map(|i| i as u16)
    }

    pub fn name(&self, idx: u16) -> &str {
        self.formats[idx as usize].name()
    }
}
