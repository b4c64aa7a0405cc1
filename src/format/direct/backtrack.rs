//! The second stage of a direct parser (see `direct`): when the committed walk fails after
//! taking a choice that had another option, and the bytes after it do not refuse them all,
//! the same node tree is searched again, this time trying every option in priority order:
//! earlier alternative first, greedy repetitions longest first, lazy ones shortest first.
//! The first success of that search is the leftmost-first match the `regex` crate reports,
//! with the same groups (a group inside a repetition keeps the span of its last iteration;
//! spans are put back when a try fails); a search that runs out of options means the regex
//! does not match. Options whose start the bytes there refuse (`Ahead`) are skipped.
//!
//! Why: the regex with captures costs 300-500 ns on a line it matches, and the walk cannot
//! tell on every line of some formats (postgresql's optional `[n-n] ` and `user@db `,
//! journald's `[^\s:]+?`); the search settles them in a few dozen steps. On lines it does
//! not match, the regex's automaton often gives up within a few bytes (15-40 ns), about what
//! the search costs: there the walk's refutation is what saves the regex run.
//!
//! Bounded: the search has a budget of steps (a node entered, an option tried), a constant
//! plus a few per byte of the line and capped, which also caps the depth of the recursion.
//! When the budget runs out, or the search reaches what the walk also leaves to the regex
//! (an iteration of a repetition that matches the empty string, whose fine print the regex
//! crate's automata settle their own way), the answer is `Undecided` and the regex runs.
//!
//! The shape is continuation passing: each node is tried with a continuation `k` that runs
//! the rest of the pattern from where the node ended; a node with options calls `k` once per
//! option, in priority order, until one does not fail.

use super::ahead::Ahead;
use super::node::{run_end, Branch, Node};
use crate::format::split::{Found, Spans};

/// Steps allowed: `BASE` plus `PER_BYTE` for each byte of the line, at most `CAP` (which
/// bounds the recursion's depth too: each level of it costs a step).
const BASE: u32 = 64;
const PER_BYTE: u32 = 2;
const CAP: u32 = 1024;

/// What a try came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Out {
    /// No path from here matches: the caller tries its next option.
    Fail,
    /// The match: the spans in `St` are its groups.
    Match,
    /// Out of budget, or a case left to the regex: give up.
    Stop,
}

/// The search's state: the spans of the groups on the current path, and steps left.
struct St {
    spans: Spans,
    budget: u32,
}

impl St {
    /// Take one step; `false` when none is left.
    #[inline]
    fn step(&mut self) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        true
    }
}

/// The rest of the pattern, from a position.
type K<'k> = &'k mut dyn FnMut(usize, &mut St) -> Out;

/// The match of the pattern `root` (anchored at the start) in `line`, found by backtracking
/// (see the module docs): `Groups`, `NoMatch`, or `Undecided` when the search gave up.
#[inline(never)]
pub(super) fn find(root: &Node, line: &[u8]) -> Found {
    let per_line = u32::try_from(line.len()).unwrap_or(u32::MAX).saturating_mul(PER_BYTE);
    search(root, line, per_line.saturating_add(BASE).min(CAP)).0
}

/// `find` with a budget of `budget` steps; also the steps taken.
pub(super) fn search(root: &Node, line: &[u8], budget: u32) -> (Found, u32) {
    let mut st = St { spans: [None; 3], budget };
    let found = match bt(root, line, 0, &mut st, &mut |_, _| Out::Match) {
        Out::Match => Found::Groups(st.spans),
        Out::Fail => Found::NoMatch,
        Out::Stop => Found::Undecided,
    };
    (found, budget - st.budget)
}

/// Try `n` at `pos`, then `k` from each place it can end, in priority order. On `Fail`,
/// `st.spans` is as it was.
fn bt(n: &Node, line: &[u8], pos: usize, st: &mut St, k: K) -> Out {
    if !st.step() {
        return Out::Stop;
    }
    match n {
        Node::Concat(items) => seq(items, line, pos, st, k),
        Node::Alt { alts, .. } => {
            for Branch { node, later, .. } in alts {
                match bt(node, line, pos, st, k) {
                    Out::Fail => {}
                    o => return o,
                }
                // The alternatives after this one, if any, only when one can start here.
                if !later.as_deref().is_some_and(|a| a.admits(line, pos)) {
                    break;
                }
            }
            Out::Fail
        }
        Node::Group { slot: None, sub } => bt(sub, line, pos, st, k),
        Node::Group { slot: Some(s), sub } => {
            let s = *s;
            bt(sub, line, pos, st, &mut |e, st| {
                let old = st.spans[s];
                st.spans[s] = Some((pos, e));
                let o = k(e, st);
                if o == Out::Fail {
                    st.spans[s] = old;
                }
                o
            })
        }
        Node::Repeat { sub, min, max, greedy, next, .. } => {
            let r = Rep { sub, min: *min, max: *max, greedy: *greedy, next: next.as_deref() };
            rep(&r, 0, line, pos, st, k)
        }
        Node::Run { set, stop, min, max, greedy, sure: false, next } => {
            let end = run_end(set, *stop, line, pos, *max);
            let Some(from) = pos.checked_add(*min as usize).filter(|&f| f <= end) else {
                return Out::Fail;
            };
            // Only the ends where what follows can start.
            let can = |e: &usize| next.as_deref().is_none_or(|a| a.admits(line, *e));
            if *greedy {
                options(st, (from..=end).rev().filter(can), k)
            } else {
                options(st, (from..=end).filter(can), k)
            }
        }
        Node::Escaped { plain, stop, esc, after, sure: false } => {
            // Each iteration takes a plain byte or an escape pair: one way only. The places
            // it can stop are every position up to the end but the ones inside a pair.
            let mut pairs = Vec::new();
            let mut p = pos;
            loop {
                p = run_end(plain, *stop, line, p, u32::MAX);
                match line.get(p..p + 2) {
                    Some([e, a]) if e == esc && after.contains(*a) => {
                        pairs.push(p);
                        p += 2;
                    }
                    _ => break,
                }
            }
            let ends = (pos..=p).rev().filter(move |&q| {
                let inside = pairs.last().is_some_and(|&e| q == e + 1);
                if inside {
                    pairs.pop();
                }
                !inside
            });
            options(st, ends, k)
        }
        _ => match single(n, line, pos) {
            Some(e) => k(e, st),
            None => Out::Fail,
        },
    }
}

/// `k` from each of `ends` in turn, until one does not fail.
fn options(st: &mut St, ends: impl Iterator<Item = usize>, k: K) -> Out {
    for e in ends {
        if !st.step() {
            return Out::Stop;
        }
        match k(e, st) {
            Out::Fail => {}
            o => return o,
        }
    }
    Out::Fail
}

/// The items of a concatenation from `pos`, then `k`. Items with one way to match are
/// crossed in place; the first with options gets the rest as its continuation.
fn seq(items: &[Node], line: &[u8], pos: usize, st: &mut St, k: K) -> Out {
    let mut p = pos;
    let mut rest = items;
    while let [it, more @ ..] = rest {
        if !one_way(it) {
            break;
        }
        match single(it, line, p) {
            Some(e) => p = e,
            None => return Out::Fail,
        }
        rest = more;
    }
    match rest {
        [] => k(p, st),
        [last] => bt(last, line, p, st, k),
        [it, more @ ..] => bt(it, line, p, st, &mut |e, st| seq(more, line, e, st, k)),
    }
}

/// Whether `n` matches in one way only (or not at all): `single` gives its end.
fn one_way(n: &Node) -> bool {
    match n {
        Node::Empty | Node::Lit(_) | Node::Byte(_) | Node::Fixed(_) | Node::Look(_) => true,
        Node::Run { sure, .. } | Node::Escaped { sure, .. } => *sure,
        _ => false,
    }
}

/// The end of the one match of a `one_way` node at `pos`, if it matches. A `sure` run
/// (what follows cannot start with a byte of its class) can only be followed from the end
/// of the longest run it may take, greedy or lazy: anywhere short of it, the next byte is
/// one of the class.
fn single(n: &Node, line: &[u8], pos: usize) -> Option<usize> {
    match n {
        Node::Empty => Some(pos),
        Node::Lit(l) => {
            let end = pos + l.len();
            (line.get(pos..end)? == &l[..]).then_some(end)
        }
        Node::Byte(s) => line.get(pos).is_some_and(|&b| s.contains(b)).then_some(pos + 1),
        Node::Fixed(sets) => {
            let end = pos + sets.len();
            let bytes = line.get(pos..end)?;
            bytes.iter().zip(sets.iter()).all(|(&b, s)| s.contains(b)).then_some(end)
        }
        Node::Look(a) => a.holds(line, pos).then_some(pos),
        Node::Run { set, stop, min, max, .. } => {
            let end = run_end(set, *stop, line, pos, *max);
            (end - pos >= *min as usize).then_some(end)
        }
        Node::Escaped { plain, stop, esc, after, .. } => {
            let mut p = pos;
            loop {
                p = run_end(plain, *stop, line, p, u32::MAX);
                match line.get(p..p + 2) {
                    Some([e, a]) if e == esc && after.contains(*a) => p += 2,
                    _ => return Some(p),
                }
            }
        }
        _ => unreachable!("single is only called on one-way nodes"),
    }
}

/// A repetition's parameters.
struct Rep<'n> {
    sub: &'n Node,
    min: u32,
    max: u32,
    greedy: bool,
    /// How what follows the loop can start, if known.
    next: Option<&'n Ahead>,
}

impl Rep<'_> {
    /// Whether the loop may stop after `n` iterations at `pos`.
    fn may_stop(&self, n: u32, line: &[u8], pos: usize) -> bool {
        n >= self.min && self.next.is_none_or(|a| a.admits(line, pos))
    }
}

/// The iterations of `r` from the `n`th on, at `pos`, then `k`: greedy tries one more
/// iteration before stopping, lazy the other way round.
fn rep(r: &Rep, n: u32, line: &[u8], pos: usize, st: &mut St, k: K) -> Out {
    if !r.greedy && r.may_stop(n, line, pos) {
        match k(pos, st) {
            Out::Fail => {}
            o => return o,
        }
    }
    if n < r.max {
        let o = bt(r.sub, line, pos, st, &mut |e, st| {
            if e == pos {
                // An empty iteration: left to the regex, as in the walk.
                return Out::Stop;
            }
            rep(r, n + 1, line, e, st, k)
        });
        if o != Out::Fail {
            return o;
        }
    }
    if r.greedy && r.may_stop(n, line, pos) {
        return k(pos, st);
    }
    Out::Fail
}
