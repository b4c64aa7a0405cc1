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

/// The names among `known` closest to `name` (which matches none of them), best first, at
/// most three: those that share a prefix with it, or lie within a few edits of it (about
/// one in three characters), compared case-insensitively and by short name. For a message
/// that says what was probably meant (`--skew web1=...`: web01?).
pub fn closest<'a>(name: &str, known: &'a [String]) -> Vec<&'a str> {
    let short = |s: &str| s.split('.').next().unwrap_or(s).to_ascii_lowercase();
    let n = short(name);
    if n.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(usize, &str)> = known
        .iter()
        .filter_map(|k| {
            let s = short(k);
            let d = edit_distance(&n, &s);
            let common = n.bytes().zip(s.bytes()).take_while(|(a, b)| a == b).count();
            let prefix = common >= 3 || (common > 0 && (common == n.len() || common == s.len()));
            (d <= (n.len().max(s.len()) / 3).max(1) || prefix).then_some((d, k.as_str()))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, k)| k).collect()
}

/// Levenshtein distance over bytes.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, &x) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &y) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(x != y)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names_by_edits_and_prefix() {
        let known: Vec<String> =
            ["app01", "db01", "lb01", "web01", "web02", "worker01"].map(String::from).to_vec();
        assert_eq!(closest("web1", &known), ["web01", "web02"]);
        assert_eq!(closest("worker", &known), ["worker01"]);
        assert_eq!(closest("LB01.example.com", &known)[0], "lb01");
        assert!(closest("zzzzzz", &known).is_empty());
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
