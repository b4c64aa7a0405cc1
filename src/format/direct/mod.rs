//! A format regex run as a direct parser: its syntax tree walked once along the line,
//! committed to the first choice at every branch, with no automaton and no backtracking.
//!
//! Why by hand: a lazy DFA spends ~1.7 ns on each byte of a line plus the fixed cost of a
//! search call per piece; an access-log line is ~200 bytes, most of them quoted strings that
//! a `memchr2` crosses in a few instructions. No crate runs a regex this way with exact
//! capture semantics and a "don't know" answer, so this module does, and falls back to the
//! regex whenever it does not know.
//!
//! Exactness: a backtracking matcher tries the paths of a regex in priority order (earlier
//! alternative first, greedy repetition longest first) and its first success is the
//! leftmost-first match whose groups the `regex` crate reports. The walk here is the first
//! path of that search: when it succeeds, it found that very match, groups and all. When it
//! fails and no choice was taken on the way that had another option left, no path matches
//! at all (`NoMatch`). A choice that cannot lead anywhere else is not counted: a greedy run
//! of a class followed by something that cannot start with a byte of the class (`\S+ `,
//! `\d+\s*$`) cannot give bytes back usefully, nor can an alternative whose rivals cannot
//! start at the byte in front of it.
//!
//! When open choices were taken, the walk has noted them, each with how a match through
//! its other options (and the rest of the pattern) can start, a few bytes deep (`Ahead`):
//! a match other than the walk's path leaves it first at one of them, so when the line's
//! bytes refuse every one, there is none (`NoMatch`; rejections mostly end so, as when an
//! optional `<PRI>` was taken and the stamp cannot start at `<`). Otherwise the same tree is
//! searched with backtracking, within a budget of steps (see `backtrack`); only when that
//! search gives up is the answer `Undecided`, and the caller runs the real regex.
//!
//! Only regexes anchored at the start (`^`) are taken, and only the constructs below; any
//! other (Unicode classes or word boundaries, CRLF mode) leaves the format to the other paths.

mod ahead;
mod backtrack;
mod compile;
mod node;
mod walk;

use regex_syntax::hir::Look;

use self::ahead::{settle, Ahead, Start};
use self::compile::compile;
use self::node::Node;
use self::walk::{walk, Walk};
use super::split::Found;

/// A regex as a direct parser (see the module docs).
#[derive(Debug)]
pub struct Direct {
    root: Node,
}

impl Direct {
    /// Compile `src` for the groups named in `names` (`ts`, `host`, `level`; `None` for a group
    /// the format does not read). `None` when the regex is not anchored at the start or uses
    /// a construct this module does not run.
    pub fn new(src: &str, names: [Option<&str>; 3]) -> Option<Direct> {
        // The same syntax as `super::build_regex`: bytes, Unicode off.
        let hir = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(src)
            .ok()?;
        if !hir.properties().look_set_prefix().contains(Look::Start) {
            return None;
        }
        let mut root = compile(&hir, &names)?;
        settle(&mut root, Start::any(), &Ahead::any());
        Some(Direct { root })
    }

    /// The groups of the regex's match in `line`, or whether it has none, or `Undecided`:
    /// the committed walk, then, when it cannot tell, the bounded backtracking search.
    pub fn find(&self, line: &[u8]) -> Found {
        let mut w = Walk::new();
        match walk(&self.root, line, 0, &mut w) {
            Some(_) => Found::Groups(w.spans),
            None if !w.open => Found::NoMatch,
            None => self.unsure(line, &w),
        }
    }

    /// After the walk failed past open choices: `NoMatch` if they are refuted, else the
    /// search's answer.
    #[inline(never)]
    fn unsure(&self, line: &[u8], w: &Walk) -> Found {
        if w.refuted(line) {
            return Found::NoMatch;
        }
        self.backtrack(line)
    }

    /// The first stage alone: the committed walk, and when it fails after open choices,
    /// whether the bytes where their other options would start refuse them all.
    #[cfg(test)]
    fn walk(&self, line: &[u8]) -> Found {
        self.walk_with(line, true)
    }

    /// The walk, refuting its open choices or not.
    #[cfg(test)]
    fn walk_with(&self, line: &[u8], refute: bool) -> Found {
        let mut w = Walk::new();
        match walk(&self.root, line, 0, &mut w) {
            Some(_) => Found::Groups(w.spans),
            None if !w.open => Found::NoMatch,
            None if refute && w.refuted(line) => Found::NoMatch,
            None => Found::Undecided,
        }
    }

    /// The backtracking search alone (the second stage, see `backtrack`).
    fn backtrack(&self, line: &[u8]) -> Found {
        backtrack::find(&self.root, line)
    }

    /// The backtracking search with a budget of `steps`; also the steps it took.
    #[cfg(test)]
    fn backtrack_with(&self, line: &[u8], steps: u32) -> (Found, u32) {
        backtrack::search(&self.root, line, steps)
    }
}

#[cfg(test)]
mod tests;
