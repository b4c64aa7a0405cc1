//! Hosts: the names records are told apart by. How a name is matched (case, short names and
//! FQDNs), the names files and directories imply (rotation suffixes included), which host a
//! history binds to, and the run's table of names.

use std::collections::HashMap;

pub mod history;
pub(crate) mod rotation;

pub use history::{bind, host_from_path};
pub(crate) use rotation::{host_from_file_name, RotName};

/// Host names match case-insensitively, and a short name matches an FQDN whose first label it
/// is (either way round). Two different FQDNs never match.
pub fn matches(record_host: &str, history_host: &str) -> bool {
    let (a, b) = (record_host.trim_end_matches('.'), history_host.trim_end_matches('.'));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let first = |s: &str| s.split('.').next().unwrap_or("").to_string();
    match (a.contains('.'), b.contains('.')) {
        (false, true) => first(b).eq_ignore_ascii_case(a),
        (true, false) => first(a).eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// Host names, interned: records refer to them by index.
#[derive(Default)]
pub struct Hosts {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Hosts {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }
}
