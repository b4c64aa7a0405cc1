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

use memchr::{memchr, memchr2, memchr3};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

use super::first_byte::ByteSet;
use super::split::{Found, Spans};

/// How to find the end of a run of bytes of a set.
#[derive(Clone, Copy, Debug)]
pub(super) enum Stop {
    /// Every byte is in the set.
    Never,
    /// The bytes outside the set (one to three of them): found with memchr.
    One(u8),
    Two(u8, u8),
    Three(u8, u8, u8),
    /// Test byte by byte.
    Table,
}

impl Stop {
    fn of(set: &ByteSet) -> Stop {
        let out: Vec<u8> = (0..=255u8).filter(|&b| !set.contains(b)).collect();
        match out[..] {
            [] => Stop::Never,
            [a] => Stop::One(a),
            [a, b] => Stop::Two(a, b),
            [a, b, c] => Stop::Three(a, b, c),
            _ => Stop::Table,
        }
    }
}

/// End of the run of bytes of `set` starting at `pos`, at most `max` long.
#[inline]
pub(super) fn run_end(set: &ByteSet, stop: Stop, line: &[u8], pos: usize, max: u32) -> usize {
    let limit = if max == u32::MAX { line.len() } else { line.len().min(pos + max as usize) };
    let hay = &line[pos..limit];
    let found = match stop {
        Stop::Never => None,
        Stop::One(a) => memchr(a, hay),
        Stop::Two(a, b) => memchr2(a, b, hay),
        Stop::Three(a, b, c) => memchr3(a, b, c, hay),
        Stop::Table => hay.iter().position(|&b| !set.contains(b)),
    };
    found.map_or(limit, |i| pos + i)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Assert {
    Start,
    End,
    /// `(?m:^)`, `(?m:$)`: also after, before a `\n` (a line has none, but `find` may be
    /// given any bytes).
    StartLF,
    EndLF,
    Word,
    NotWord,
    WordStart,
    WordEnd,
    WordStartHalf,
    WordEndHalf,
}

fn is_word(line: &[u8], i: Option<usize>) -> bool {
    i.and_then(|i| line.get(i)).is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

impl Assert {
    pub(super) fn holds(self, line: &[u8], pos: usize) -> bool {
        let (before, after) = (is_word(line, pos.checked_sub(1)), is_word(line, Some(pos)));
        match self {
            Assert::Start => pos == 0,
            Assert::End => pos == line.len(),
            Assert::StartLF => pos == 0 || line[pos - 1] == b'\n',
            Assert::EndLF => line.get(pos).is_none_or(|&b| b == b'\n'),
            Assert::Word => before != after,
            Assert::NotWord => before == after,
            Assert::WordStart => !before && after,
            Assert::WordEnd => before && !after,
            Assert::WordStartHalf => !before,
            Assert::WordEndHalf => !after,
        }
    }
}

#[derive(Debug)]
pub(super) enum Node {
    Empty,
    Lit(Box<[u8]>),
    Byte(ByteSet),
    /// Consecutive single bytes (literal bytes, classes, `class{n}`), tested as one.
    Fixed(Box<[ByteSet]>),
    /// `class{min,max}` (`max` u32::MAX: unbounded). `sure`: giving bytes back cannot help
    /// (what follows cannot start with a byte of the class). `next`: when it is not sure
    /// and has a choice, how what follows it can start (see `Ahead`).
    Run {
        set: ByteSet,
        stop: Stop,
        min: u32,
        max: u32,
        greedy: bool,
        sure: bool,
        next: Option<Box<Ahead>>,
    },
    /// `(?:[plain]|E[after])*`, greedy, E outside `plain`: a quoted string's body with
    /// escapes. Each step has one possible way, so only where it ends is a choice.
    Escaped {
        plain: ByteSet,
        stop: Stop,
        esc: u8,
        after: ByteSet,
        sure: bool,
    },
    Repeat {
        sub: Box<Node>,
        min: u32,
        max: u32,
        greedy: bool,
        /// The sub-node holds a group to report (its spans are saved around a try).
        groups: bool,
        /// When the count has a choice: how what follows the loop can start.
        next: Option<Box<Ahead>>,
    },
    Concat(Vec<Node>),
    Alt {
        alts: Vec<Branch>,
        groups: bool,
    },
    Group {
        slot: Option<usize>,
        sub: Box<Node>,
    },
    Look(Assert),
}

/// An alternative, with what the ones after it can be.
#[derive(Debug)]
pub(super) struct Branch {
    pub(super) node: Node,
    /// The bytes the alternatives after it can start with (`None`: any, or unknown): the
    /// choice is only open when the line's byte is among them.
    rest: Option<ByteSet>,
    /// How a match of the alternatives after it, then of what follows, can start (`None`
    /// when none can start at all).
    pub(super) later: Option<Box<Ahead>>,
}

/// A regex as a direct parser (see the module docs).
#[derive(Debug)]
pub struct Direct {
    root: Node,
}

/// How many open choices a walk notes for `Walk::refuted`.
const DOUBTS: usize = 4;

/// Where a walk stands: the group spans so far and whether an open choice was taken; and
/// the open choices, each as how a match through the options it did not take must start
/// (`None`: unknown) and the positions where they would have started.
struct Walk<'n> {
    spans: Spans,
    open: bool,
    doubts: [(Option<&'n Ahead>, usize, usize); DOUBTS],
    /// How many were noted (past `DOUBTS`: some were not kept).
    noted: usize,
}

impl<'n> Walk<'n> {
    fn new() -> Walk<'n> {
        Walk { spans: [None; 3], open: false, doubts: [(None, 0, 0); DOUBTS], noted: 0 }
    }

    /// An open choice, whose options not taken would start at `from..=to` and match as
    /// `ahead` tells.
    #[inline]
    fn doubt(&mut self, ahead: Option<&'n Ahead>, from: usize, to: usize) {
        self.open = true;
        if let Some(d) = self.doubts.get_mut(self.noted) {
            *d = (ahead, from, to);
        }
        self.noted += 1;
    }

    /// Whether, after the walk failed, none of its open choices could have led to a match:
    /// the other options of each are refused by the bytes where they would start. (A match
    /// leaves the walk's path first at an open choice: a choice that is not open has no
    /// other option that could match.)
    fn refuted(&self, line: &[u8]) -> bool {
        self.noted <= DOUBTS
            && self.doubts[..self.noted].iter().all(|&(ahead, from, to)| {
                ahead.is_some_and(|a| to - from < 64 && (from..=to).all(|p| !a.admits(line, p)))
            })
    }
}

/// How many bytes `Ahead` looks at.
const AHEAD: usize = 8;

/// The bytes a match of something (some options, then the rest of the pattern) can have at
/// each of its first `AHEAD` offsets (every byte where the match may already have ended):
/// when a line's bytes from a position are not all allowed, no such match starts there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Ahead([ByteSet; AHEAD]);

/// Offsets 0..AHEAD as the bits of a mask, and this bit for any offset past them.
const BEYOND: u32 = 1 << AHEAD;

impl Ahead {
    /// Nothing can match.
    fn none() -> Ahead {
        Ahead([ByteSet::default(); AHEAD])
    }

    /// Anything can.
    fn any() -> Ahead {
        Ahead([ByteSet::of(|_| true); AHEAD])
    }

    fn union(&mut self, o: &Ahead) {
        for (a, b) in self.0.iter_mut().zip(o.0.iter()) {
            *a = a.union(*b);
        }
    }

    /// Whether a match can start at `pos` of `line`.
    #[inline]
    pub(super) fn admits(&self, line: &[u8], pos: usize) -> bool {
        let rest = line.get(pos..).unwrap_or_default();
        rest.iter().zip(self.0.iter()).all(|(&b, s)| s.contains(b))
    }

    /// How a match of `n`, then one of `next`, can start.
    fn of(n: &Node, next: &Ahead) -> Ahead {
        let mut out = Ahead::none();
        let ends = out.reach(n, 1);
        for o in (0..AHEAD).filter(|o| ends >> o & 1 == 1) {
            for (j, s) in next.0[..AHEAD - o].iter().enumerate() {
                out.0[o + j] = out.0[o + j].union(*s);
            }
        }
        out
    }

    /// Add the bytes `n` can take when it starts at the offsets of `from` (a mask); the
    /// offsets where it can end. Assertions are not read (they only let fewer matches by).
    fn reach(&mut self, n: &Node, from: u32) -> u32 {
        match n {
            Node::Empty | Node::Look(_) => from,
            Node::Lit(l) => l.iter().fold(from, |at, &b| self.take(ByteSet::of(|x| x == b), at)),
            Node::Byte(s) => self.take(*s, from),
            Node::Fixed(sets) => sets.iter().fold(from, |at, s| self.take(*s, at)),
            Node::Run { set, min, max, .. } => self.times(*set, *min, *max, from),
            Node::Escaped { plain, esc, after, .. } => {
                // Any number of bytes of any of them (an over-estimate).
                let mut body = plain.union(*after);
                body.insert(*esc);
                self.times(body, 0, u32::MAX, from)
            }
            Node::Repeat { sub, min, max, .. } => {
                let (mut at, mut i) = (from, 0);
                while i < *min && at & !BEYOND != 0 {
                    at = self.reach(sub, at);
                    i += 1;
                }
                if i < *min {
                    return at;
                }
                // Then any number more, up to `max`: until no new offset is reached.
                let mut ends = at;
                while i < *max {
                    let more = ends | self.reach(sub, ends);
                    if more == ends {
                        break;
                    }
                    ends = more;
                    i += 1;
                }
                ends
            }
            Node::Concat(items) => items.iter().fold(from, |at, it| self.reach(it, at)),
            Node::Alt { alts, .. } => {
                alts.iter().fold(0, |ends, b| ends | self.reach(&b.node, from))
            }
            Node::Group { sub, .. } => self.reach(sub, from),
        }
    }

    /// One byte of `set` from the offsets of `at`; the offsets after it.
    fn take(&mut self, set: ByteSet, at: u32) -> u32 {
        for o in (0..AHEAD).filter(|o| at >> o & 1 == 1) {
            self.0[o] = self.0[o].union(set);
        }
        let moved = (at & (BEYOND - 1)) << 1;
        moved | (at & BEYOND)
    }

    /// `min` to `max` bytes of `set` from the offsets of `at`.
    fn times(&mut self, set: ByteSet, min: u32, max: u32, at: u32) -> u32 {
        let (mut at, mut ends) = (at, 0);
        let mut i = 0;
        loop {
            if i >= min {
                ends |= at;
            }
            // Past `AHEAD` bytes, every offset is beyond.
            if i == max || at & !BEYOND == 0 {
                return ends | at;
            }
            at = self.take(set, at);
            i += 1;
        }
    }
}

/// The bytes a match of `n` must start with; `None` if it can match empty or it is not known.
fn first(n: &Node) -> Option<ByteSet> {
    match n {
        Node::Lit(l) => l.first().map(|&b| ByteSet::of(|x| x == b)),
        Node::Byte(s) => Some(*s),
        Node::Fixed(f) => f.first().copied(),
        Node::Run { set, min, .. } => (*min > 0).then_some(*set),
        Node::Repeat { sub, min, .. } if *min > 0 => first(sub),
        Node::Concat(items) => items.first().and_then(first),
        Node::Alt { alts, .. } => {
            alts.iter().try_fold(ByteSet::default(), |acc, b| Some(acc.union(first(&b.node)?)))
        }
        Node::Group { sub, .. } => first(sub),
        _ => None,
    }
}

/// Where a match can be empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Empty {
    Never,
    /// Only where the line ends or its byte is one of the `set` of the `Start` (`$`, `(?m:$)`).
    AtEnd,
    Anywhere,
}

/// How a match of a node, or of the rest of the pattern from some point on, can start: one
/// that takes bytes takes a byte of `set` first; `empty` tells where it can take none.
#[derive(Clone, Copy, Debug)]
struct Start {
    set: ByteSet,
    empty: Empty,
}

impl Start {
    /// Anything: what follows the end of the pattern (matches are not anchored at the end).
    fn any() -> Start {
        Start { set: ByteSet::default(), empty: Empty::Anywhere }
    }

    /// A match of `self`, then one of `next`.
    fn then(self, next: Start) -> Start {
        match self.empty {
            Empty::Never => self,
            // Empty at the end (or before a byte of `set`): what follows cannot take a byte
            // that `set` does not hold, and is empty there or fails.
            Empty::AtEnd => Start {
                set: self.set,
                empty: if next.empty == Empty::Never { Empty::Never } else { Empty::AtEnd },
            },
            Empty::Anywhere => Start { set: self.set.union(next.set), empty: next.empty },
        }
    }

    /// A match of `self` or one of `other`.
    fn or(self, other: Start) -> Start {
        Start { set: self.set.union(other.set), empty: self.empty.max(other.empty) }
    }

    /// Whether no match can start at a byte of `set`: a run of `set` that gives bytes back
    /// leaves such a byte next, so it cannot help.
    fn excludes(&self, set: ByteSet) -> bool {
        self.empty != Empty::Anywhere && self.set.intersect(set).is_empty()
    }
}

/// How a match of `n` can start.
fn start(n: &Node) -> Start {
    let one = |set: Option<ByteSet>| match set {
        Some(set) => Start { set, empty: Empty::Never },
        None => Start::any(),
    };
    match n {
        Node::Empty => Start::any(),
        Node::Lit(l) => one(l.first().map(|&b| ByteSet::of(|x| x == b))),
        Node::Byte(s) => one(Some(*s)),
        Node::Fixed(f) => one(f.first().copied()),
        Node::Run { set, min, .. } => {
            let empty = if *min > 0 { Empty::Never } else { Empty::Anywhere };
            Start { set: *set, empty }
        }
        Node::Escaped { plain, esc, .. } => {
            let mut set = *plain;
            set.insert(*esc);
            Start { set, empty: Empty::Anywhere }
        }
        Node::Repeat { sub, min, .. } => {
            let s = start(sub);
            if *min > 0 {
                s
            } else {
                Start { set: s.set, empty: Empty::Anywhere }
            }
        }
        Node::Concat(items) => {
            items.iter().rev().fold(Start::any(), |next, it| start(it).then(next))
        }
        Node::Alt { alts, .. } => {
            alts.iter().fold(Start { set: ByteSet::default(), empty: Empty::Never }, |acc, b| {
                acc.or(start(&b.node))
            })
        }
        Node::Group { sub, .. } => start(sub),
        Node::Look(Assert::End) => Start { set: ByteSet::default(), empty: Empty::AtEnd },
        Node::Look(Assert::EndLF) => {
            Start { set: ByteSet::of(|b| b == b'\n'), empty: Empty::AtEnd }
        }
        Node::Look(_) => Start::any(),
    }
}

/// Set the `sure` flags of the runs in `n` and what its choices note of what follows
/// them, given how what follows `n` can start (`follow`, and `ahead` for a few bytes).
fn settle(n: &mut Node, follow: Start, ahead: &Ahead) {
    match n {
        Node::Run { set, sure, min, max, next, .. } => {
            *sure = follow.excludes(*set);
            *next = (!*sure && max > min).then(|| Box::new(ahead.clone()));
        }
        Node::Escaped { plain, esc, sure, .. } => {
            let mut body = *plain;
            body.insert(*esc);
            *sure = follow.excludes(body);
        }
        // After an iteration comes another or what follows the loop.
        Node::Repeat { sub, min, max, next, .. } => {
            *next = (max > min).then(|| Box::new(ahead.clone()));
            let mut again = ahead.clone();
            loop {
                let mut more = Ahead::of(sub, &again);
                more.union(ahead);
                if more == again {
                    break;
                }
                again = more;
            }
            settle(sub, start(sub).or(follow), &again);
        }
        Node::Concat(items) => {
            let (mut next, mut after) = (follow, ahead.clone());
            for it in items.iter_mut().rev() {
                settle(it, next, &after);
                next = start(it).then(next);
                after = Ahead::of(it, &after);
            }
        }
        Node::Alt { alts, .. } => {
            let mut later = Ahead::none();
            for b in alts.iter_mut().rev() {
                settle(&mut b.node, follow, ahead);
                b.later = b.rest.is_none_or(|r| !r.is_empty()).then(|| Box::new(later.clone()));
                later.union(&Ahead::of(&b.node, ahead));
            }
        }
        Node::Group { sub, .. } => settle(sub, follow, ahead),
        Node::Empty | Node::Lit(_) | Node::Byte(_) | Node::Fixed(_) | Node::Look(_) => {}
    }
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
        super::backtrack::find(&self.root, line)
    }

    /// The backtracking search with a budget of `steps`; also the steps it took.
    #[cfg(test)]
    fn backtrack_with(&self, line: &[u8], steps: u32) -> (Found, u32) {
        super::backtrack::search(&self.root, line, steps)
    }
}

/// The node tree of `h`, its `sure` flags not set yet (see `settle`).
fn compile(h: &Hir, names: &[Option<&str>; 3]) -> Option<Node> {
    Some(match h.kind() {
        HirKind::Empty => Node::Empty,
        HirKind::Literal(l) => Node::Lit(l.0.clone()),
        HirKind::Class(c) => Node::Byte(class(c)?),
        HirKind::Look(l) => Node::Look(match l {
            Look::Start => Assert::Start,
            Look::End => Assert::End,
            Look::StartLF => Assert::StartLF,
            Look::EndLF => Assert::EndLF,
            Look::WordAscii => Assert::Word,
            Look::WordAsciiNegate => Assert::NotWord,
            Look::WordStartAscii => Assert::WordStart,
            Look::WordEndAscii => Assert::WordEnd,
            Look::WordStartHalfAscii => Assert::WordStartHalf,
            Look::WordEndHalfAscii => Assert::WordEndHalf,
            _ => return None,
        }),
        HirKind::Repetition(r) => {
            let max = r.max.unwrap_or(u32::MAX);
            if let HirKind::Class(c) = r.sub.kind() {
                let set = class(c)?;
                return Some(Node::Run {
                    set,
                    stop: Stop::of(&set),
                    min: r.min,
                    max,
                    greedy: r.greedy,
                    sure: false,
                    next: None,
                });
            }
            if let Some(n) = escaped(r) {
                return Some(n);
            }
            let sub = compile(&r.sub, names)?;
            let groups = reports(&sub);
            Node::Repeat {
                sub: Box::new(sub),
                min: r.min,
                max,
                greedy: r.greedy,
                groups,
                next: None,
            }
        }
        HirKind::Capture(c) => {
            let slot = c.name.as_deref().and_then(|n| names.iter().position(|x| *x == Some(n)));
            Node::Group { slot, sub: Box::new(compile(&c.sub, names)?) }
        }
        HirKind::Concat(items) => {
            let out = items.iter().map(|it| compile(it, names)).collect::<Option<Vec<Node>>>()?;
            Node::Concat(fuse(out))
        }
        HirKind::Alternation(alts) => {
            let nodes = alts.iter().map(|a| compile(a, names)).collect::<Option<Vec<Node>>>()?;
            let mut rest: Option<ByteSet> = Some(ByteSet::default());
            let mut out = Vec::with_capacity(nodes.len());
            for node in nodes.into_iter().rev() {
                let f = first(&node);
                out.push(Branch { node, rest, later: None });
                rest = rest.zip(f).map(|(a, b)| a.union(b));
            }
            out.reverse();
            let groups = out.iter().any(|b| reports(&b.node));
            Node::Alt { alts: out, groups }
        }
    })
}

/// Whether `n` holds a group whose span is reported.
fn reports(n: &Node) -> bool {
    match n {
        Node::Group { slot, sub } => slot.is_some() || reports(sub),
        Node::Repeat { groups, .. } | Node::Alt { groups, .. } => *groups,
        Node::Concat(items) => items.iter().any(reports),
        _ => false,
    }
}

/// The single bytes of `n`, if it is a fixed sequence of them.
fn bytes_of(n: &Node) -> Option<Vec<ByteSet>> {
    match n {
        Node::Lit(l) => Some(l.iter().map(|&b| ByteSet::of(|x| x == b)).collect()),
        Node::Byte(s) => Some(vec![*s]),
        Node::Fixed(f) => Some(f.to_vec()),
        Node::Run { set, min, max, .. } if min == max && *max <= 16 => {
            Some(vec![*set; *min as usize])
        }
        _ => None,
    }
}

/// Runs of two or more fixed items of a concatenation become one `Fixed`: one test per byte
/// instead of a step per item.
fn fuse(items: Vec<Node>) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::with_capacity(items.len());
    let mut pending: Vec<(Node, Vec<ByteSet>)> = Vec::new();
    let flush = |pending: &mut Vec<(Node, Vec<ByteSet>)>, out: &mut Vec<Node>| {
        if pending.len() >= 2 {
            let all: Vec<ByteSet> = pending.drain(..).flat_map(|(_, b)| b).collect();
            out.push(Node::Fixed(all.into()));
        } else {
            out.extend(pending.drain(..).map(|(n, _)| n));
        }
    };
    for it in items {
        match bytes_of(&it) {
            Some(b) => pending.push((it, b)),
            None => {
                flush(&mut pending, &mut out);
                out.push(it);
            }
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// A class of bytes (a Unicode class only when it is all ASCII, as with Unicode off).
fn class(c: &Class) -> Option<ByteSet> {
    let mut set = ByteSet::default();
    match c {
        Class::Bytes(b) => {
            for r in b.iter() {
                set = set.union(ByteSet::of(|x| (r.start()..=r.end()).contains(&x)));
            }
        }
        Class::Unicode(u) => {
            for r in u.iter() {
                if r.end() > '\x7f' {
                    return None;
                }
                set = set.union(ByteSet::of(|x| (r.start() as u8..=r.end() as u8).contains(&x)));
            }
        }
    }
    Some(set)
}

/// `(?:[plain]|E[after])*` (greedy, unbounded, from zero, E not in `plain`) as `Escaped`.
fn escaped(r: &regex_syntax::hir::Repetition) -> Option<Node> {
    if r.min != 0 || r.max.is_some() || !r.greedy {
        return None;
    }
    let HirKind::Alternation(alts) = r.sub.kind() else { return None };
    let [a, b] = &alts[..] else { return None };
    let HirKind::Class(plain) = a.kind() else { return None };
    let HirKind::Concat(pair) = b.kind() else { return None };
    let [e, after] = &pair[..] else { return None };
    let (HirKind::Literal(e), HirKind::Class(after)) = (e.kind(), after.kind()) else {
        return None;
    };
    let [esc] = e.0[..] else { return None };
    let (plain, after) = (class(plain)?, class(after)?);
    if plain.contains(esc) {
        return None;
    }
    Some(Node::Escaped { plain, stop: Stop::of(&plain), esc, after, sure: false })
}

/// Walk `n` from `pos`: the end of its first-choice match, or `None` (with `w.open` telling
/// whether another path might have matched).
fn walk<'n>(n: &'n Node, line: &[u8], pos: usize, w: &mut Walk<'n>) -> Option<usize> {
    match n {
        Node::Concat(items) => {
            let mut p = pos;
            for it in items {
                // The common items inline, the rest by a call.
                p = match it {
                    Node::Lit(_) | Node::Byte(_) | Node::Fixed(_) | Node::Run { .. } => {
                        leaf(it, line, p, w)?
                    }
                    _ => walk(it, line, p, w)?,
                };
            }
            Some(p)
        }
        Node::Alt { alts, groups } => {
            for Branch { node: a, rest, later } in alts {
                let spans = if *groups { w.spans } else { [None; 3] };
                let open = w.open;
                w.open = false;
                match walk(a, line, pos, w) {
                    Some(e) => {
                        // The alternatives after this one are still open, unless none of
                        // them can start here.
                        w.open |= open;
                        if rest.is_none_or(|r| line.get(pos).is_some_and(|&b| r.contains(b))) {
                            w.doubt(later.as_deref(), pos, pos);
                        }
                        return Some(e);
                    }
                    None if w.open => {
                        // Given up: the alternatives after this one are not tried either.
                        if let Some(l) = later {
                            w.doubt(Some(l), pos, pos);
                        }
                        return None;
                    }
                    None => {
                        if *groups {
                            w.spans = spans;
                        }
                        w.open = open;
                    }
                }
            }
            None
        }
        Node::Group { slot, sub } => {
            let e = walk(sub, line, pos, w)?;
            if let Some(s) = slot {
                w.spans[*s] = Some((pos, e));
            }
            Some(e)
        }
        Node::Repeat { sub, min, max, greedy, groups, next } => {
            let mut p = pos;
            let mut n = 0u32;
            let limit = if *greedy { *max } else { *min };
            while n < limit {
                let spans = if *groups { w.spans } else { [None; 3] };
                let open = w.open;
                w.open = false;
                match walk(sub, line, p, w) {
                    // An empty iteration: leave the fine print of that case to the regex.
                    Some(e) if e == p => {
                        w.doubt(None, p, p);
                        return None;
                    }
                    Some(e) => {
                        w.open |= open;
                        p = e;
                        n += 1;
                    }
                    None if w.open => {
                        // Given up: stopping the loop earlier is not tried either.
                        if n >= *min {
                            w.doubt(next.as_deref(), pos, p);
                        }
                        return None;
                    }
                    None => {
                        if *groups {
                            w.spans = spans;
                        }
                        w.open = open;
                        break;
                    }
                }
            }
            if n < *min {
                return None;
            }
            // A greedy loop could have stopped earlier (at a position before `p`); a lazy one
            // could go on.
            if *greedy {
                if n > *min {
                    w.doubt(next.as_deref(), pos, p - 1);
                }
            } else if *max > *min {
                w.doubt(None, p, p);
            }
            Some(p)
        }
        _ => leaf(n, line, pos, w),
    }
}

/// `walk` for the nodes without children.
#[inline(always)]
fn leaf<'n>(n: &'n Node, line: &[u8], pos: usize, w: &mut Walk<'n>) -> Option<usize> {
    match n {
        Node::Empty => Some(pos),
        Node::Lit(l) => {
            let end = pos + l.len();
            // Short literals: a byte loop beats a call to memcmp.
            (line.get(pos..end)?.iter().zip(l.iter()).all(|(a, b)| a == b)).then_some(end)
        }
        Node::Byte(s) => line.get(pos).is_some_and(|&b| s.contains(b)).then_some(pos + 1),
        Node::Fixed(sets) => {
            let end = pos + sets.len();
            let bytes = line.get(pos..end)?;
            bytes.iter().zip(sets.iter()).all(|(&b, s)| s.contains(b)).then_some(end)
        }
        Node::Look(a) => a.holds(line, pos).then_some(pos),
        Node::Run { set, stop, min, max, greedy, sure, next } => {
            if *greedy {
                let end = run_end(set, *stop, line, pos, *max);
                let n = (end - pos) as u32;
                if n < *min {
                    return None;
                }
                if n > *min && !sure {
                    // Each shorter run could have been followed by the rest.
                    w.doubt(next.as_deref(), pos + *min as usize, end - 1);
                }
                Some(end)
            } else {
                let end = run_end(set, *stop, line, pos, *min);
                if ((end - pos) as u32) < *min {
                    return None;
                }
                // More bytes might have been taken if what follows fails: as far as the run
                // goes (found only here, as only lazy runs pay for it).
                if *max > *min {
                    let far = run_end(set, *stop, line, end, *max - *min);
                    if far > end {
                        w.doubt(next.as_deref(), end + 1, far);
                    }
                }
                Some(end)
            }
        }
        Node::Escaped { plain, stop, esc, after, sure } => {
            let mut p = pos;
            loop {
                p = run_end(plain, *stop, line, p, u32::MAX);
                match line.get(p..p + 2) {
                    Some([e, a]) if e == esc && after.contains(*a) => p += 2,
                    _ => break,
                }
            }
            if p > pos && !sure {
                w.doubt(None, p, p);
            }
            Some(p)
        }
        _ => unreachable!("leaf is only called on nodes without children"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::bytes::Regex;

    /// The budget of the backtracking search run as a check of its exactness: large enough
    /// that the test lines' searches end by themselves.
    const DEEP: u32 = 100_000;

    /// What each stage answered on a line.
    struct Stages {
        /// The walk without refuting its open choices.
        bare: Found,
        walk: Found,
        backtrack: Found,
        deep: Found,
        find: Found,
    }

    /// Every stage on `line` (the walk, the backtracking search with its budget and with
    /// `DEEP`, and `find`), each checked against the regex's answer `want`: a stage may not
    /// know, but what it says is what the regex says. And `find` is the walk, then the
    /// search when the walk cannot tell.
    fn stages(d: &Direct, line: &[u8], want: Option<Spans>) -> Result<Stages, String> {
        let s = Stages {
            bare: d.walk_with(line, false),
            walk: d.walk(line),
            backtrack: d.backtrack(line),
            deep: d.backtrack_with(line, DEEP).0,
            find: d.find(line),
        };
        let shown = String::from_utf8_lossy(line);
        for (stage, f) in [
            ("bare walk", &s.bare),
            ("walk", &s.walk),
            ("backtrack", &s.backtrack),
            ("deep", &s.deep),
            ("find", &s.find),
        ] {
            let right = match f {
                Found::Groups(g) => want == Some(*g),
                Found::NoMatch => want.is_none(),
                Found::Undecided => true,
            };
            if !right {
                return Err(format!("{stage} says {f:?}, the regex {want:?}, on {shown:?}"));
            }
        }
        // Refuting only turns `Undecided` into `NoMatch`.
        if s.bare != Found::Undecided && s.walk != s.bare {
            return Err(format!(
                "walk says {:?}, the bare walk {:?}, on {shown:?}",
                s.walk, s.bare
            ));
        }
        let two = if s.walk == Found::Undecided { &s.backtrack } else { &s.walk };
        if s.find != *two {
            return Err(format!("find says {:?}, the stages {two:?}, on {shown:?}", s.find));
        }
        Ok(s)
    }

    /// Every stage against the regex itself, on `lines`.
    fn agree(src: &str, lines: &[&str]) {
        let d = Direct::new(src, [Some("ts"), Some("host"), Some("level")]).expect(src);
        let re = Regex::new(&format!("(?-u){src}")).unwrap();
        for l in lines {
            if let Err(e) = stages(&d, l.as_bytes(), regex_spans(&re, l.as_bytes())) {
                panic!("{src}: {e}");
            }
        }
    }

    /// The regex's answer, as `build_regex` builds it: the spans of ts, host, level.
    fn regex_spans(re: &Regex, line: &[u8]) -> Option<Spans> {
        re.captures(line)
            .map(|c| ["ts", "host", "level"].map(|n| c.name(n).map(|m| (m.start(), m.end()))))
    }

    fn build(src: &str) -> Regex {
        regex::bytes::RegexBuilder::new(src).unicode(false).build().unwrap()
    }

    /// Random regexes of the constructs the walk runs, over a tiny alphabet.
    mod gen {
        use proptest::prelude::*;

        const LEAVES: &[&str] = &[
            r#"[^" \\]"#,
            "a",
            "b",
            "\"",
            r"\\",
            " ",
            "1",
            "ab",
            "a ",
            r"\x22",
            "[a-c]",
            "[ab]",
            r#"[^"\\]"#,
            "[^ ]",
            "[^a]",
            r"[a\\]",
            r"\d",
            r"\s",
            r"\S",
            r"\w",
            ".",
            "(?s:.)",
            "(?i:a)",
            r"\W",
            r"[^\x00-\x7f]",
            r"\xff",
            "[ -~]",
            r#"[^"]"#,
            "[a ]",
            r"[\d\s]",
            "ba",
            r#"(?:[^"\\]|\\.)*"#,
            r#"(?:[^"\\]|\\["\\])*"#,
            r#"(?:[^ \\]|\\a)*"#,
            r#"(?:[^"\\]|\\[ab"])*"#,
            r#"(?:[^"\\]|\\.)*?"#,
            r#"(?:[^"\\]|\\.)+"#,
            r#"(?:[^a\\]|\\.)*"#,
            "$",
            r"\z",
            r"\A",
            "^",
            "(?m:^)",
            "(?m:$)",
            r"\b",
            r"\B",
            r"\<",
            r"\>",
            r"\b{start-half}",
            r"\b{end-half}",
            "(?:)",
            "(?U:a*)",
            "(?U:(?:a|ab)+)",
            r"[^\x00-\xff]",
            "[[:alpha:]]",
            "(?i:[a-b])",
            "(?U:[^ ]+ )",
            "(?:a|ab|b)",
            "(?:ab|a|)",
        ];
        const QUANTS: &[&str] = &[
            "?", "*", "+", "{0,2}", "{1,3}", "{2}", "{1,}", "{0,1}", "{2,}", "{3}", "{2,5}",
            "{0,3}", "{4}", "{17}", "{1,17}",
        ];

        fn quant() -> impl Strategy<Value = String> {
            (prop::sample::select(QUANTS), any::<bool>())
                .prop_map(|(q, lazy)| format!("{q}{}", if lazy { "?" } else { "" }))
        }

        /// A pattern with `(?P<#>` where a named group goes (names are given out after).
        fn body() -> impl Strategy<Value = String> {
            let leaf = prop::sample::select(LEAVES).prop_map(String::from);
            leaf.prop_recursive(5, 32, 4, |inner| {
                prop_oneof![
                    3 => prop::collection::vec(inner.clone(), 2..5).prop_map(|v| v.concat()),
                    2 => prop::collection::vec(inner.clone(), 2..4)
                        .prop_map(|v| format!("(?:{})", v.join("|"))),
                    1 => inner.clone().prop_map(|s| format!("(?:{s})")),
                    3 => inner.clone().prop_map(|s| format!("(?P<#>{s})")),
                    3 => (inner.clone(), quant()).prop_map(|(s, q)| format!("(?:{s}){q}")),
                    // A bare class or literal under a quantifier: the `Run` node.
                    2 => (prop::sample::select(&LEAVES[..30]), quant())
                        .prop_map(|(s, q)| format!("{s}{q}")),
                ]
            })
        }

        /// `^` then a body, its named groups called ts, host, level in a random order (each
        /// at most once; the others left unnamed).
        pub fn pattern() -> impl Strategy<Value = String> {
            let names = Just(vec!["ts", "host", "level"]).prop_shuffle();
            let body = prop::collection::vec(body(), 1..6).prop_map(|v| v.concat());
            (body, names).prop_map(|(b, names)| {
                let mut out = String::from("^");
                let mut names = names.into_iter();
                for (i, piece) in b.split("(?P<#>").enumerate() {
                    if i > 0 {
                        match names.next() {
                            Some(n) => out.push_str(&format!("(?P<{n}>")),
                            None => out.push_str("(?:"),
                        }
                    }
                    out.push_str(piece);
                }
                out
            })
        }

        /// Lines over the same alphabet.
        pub fn line() -> impl Strategy<Value = Vec<u8>> {
            let byte = prop::sample::select(ALPHABET);
            prop::collection::vec(byte, 0..12)
        }

        pub const ALPHABET: &[u8] = b"aaabb\"\"\\\\  1c_\t\xff\n";

        /// A line made by walking the pattern's syntax tree with random choices (the walk
        /// ignores assertions), then edited a little: lines that go deep into the pattern.
        pub fn sampled(src: &str, seed: u64, edits: usize) -> Vec<u8> {
            let hir = regex_syntax::ParserBuilder::new()
                .unicode(false)
                .utf8(false)
                .build()
                .parse(src)
                .unwrap();
            let mut rng = seed | 1;
            let mut next = move |n: usize| -> usize {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                (rng % n.max(1) as u64) as usize
            };
            let mut out = Vec::new();
            sample(&hir, &mut next, &mut out);
            for _ in 0..edits {
                let i = next(out.len() + 1);
                let b = ALPHABET[next(ALPHABET.len())];
                match next(3) {
                    0 if i < out.len() => out[i] = b,
                    1 => out.insert(i, b),
                    _ if i < out.len() => {
                        out.remove(i);
                    }
                    _ => {}
                }
            }
            out
        }

        fn sample(
            h: &regex_syntax::hir::Hir,
            next: &mut impl FnMut(usize) -> usize,
            out: &mut Vec<u8>,
        ) {
            use regex_syntax::hir::{Class, HirKind};
            match h.kind() {
                HirKind::Empty | HirKind::Look(_) => {}
                HirKind::Literal(l) => out.extend_from_slice(&l.0),
                HirKind::Class(Class::Bytes(c)) => {
                    // Prefer the alphabet's bytes that the class holds.
                    let ok: Vec<u8> = ALPHABET
                        .iter()
                        .copied()
                        .filter(|&b| c.iter().any(|r| (r.start()..=r.end()).contains(&b)))
                        .collect();
                    if let Some(&b) = ok.get(next(ok.len())) {
                        out.push(b);
                    } else if let Some(r) = c.iter().next() {
                        out.push(r.start());
                    }
                }
                HirKind::Class(Class::Unicode(c)) => {
                    if let Some(r) = c.iter().next() {
                        out.push(r.start() as u8);
                    }
                }
                HirKind::Repetition(r) => {
                    let max = r.max.unwrap_or(r.min + 4).min(r.min + 4);
                    let n = r.min as usize + next((max - r.min) as usize + 1);
                    for _ in 0..n {
                        sample(&r.sub, next, out);
                    }
                }
                HirKind::Capture(c) => sample(&c.sub, next, out),
                HirKind::Concat(xs) => xs.iter().for_each(|x| sample(x, next, out)),
                HirKind::Alternation(xs) => sample(&xs[next(xs.len())], next, out),
            }
        }
    }

    /// Tally of a run of the random test: how often the stages decided, and how.
    #[derive(Default, Debug)]
    struct Tally {
        patterns: usize,
        taken: usize,
        /// `find`'s answers.
        groups: usize,
        no_match: usize,
        undecided: usize,
        undecided_matching: usize,
        /// The bare walk's `Undecided`, those refuted, and the walk's `Undecided`, and how
        /// the search with its budget settled them.
        bare_undecided: usize,
        refuted: usize,
        walk_undecided: usize,
        settled_groups: usize,
        settled_no_match: usize,
        /// The search alone (on every line), with its budget and with `DEEP`.
        backtrack_undecided: usize,
        deep_undecided: usize,
    }

    /// Compare the walk with the regex on random patterns and lines; `Err` on a disagreement.
    fn random_agreement(cases: u32, tally: &mut Tally) -> Result<(), String> {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let cfg = Config { cases, failure_persistence: None, ..Config::default() };
        let mut runner = TestRunner::new(cfg);
        let case = (gen::pattern(), prop::collection::vec(gen::line(), 1..4), any::<u64>());
        let tally = std::cell::RefCell::new(tally);
        runner
            .run(&case, |(src, mut lines, seed)| {
                let mut t = tally.borrow_mut();
                t.patterns += 1;
                let Some(d) = Direct::new(&src, [Some("ts"), Some("host"), Some("level")]) else {
                    return Ok(());
                };
                t.taken += 1;
                let re = build(&src);
                for i in 0..6u64 {
                    lines.push(gen::sampled(&src, seed.wrapping_add(i), (i / 2) as usize));
                }
                for l in &lines {
                    let want = regex_spans(&re, l);
                    let s = stages(&d, l, want)
                        .map_err(|e| TestCaseError::fail(format!("{src}: {e}")))?;
                    match s.find {
                        Found::Groups(_) => t.groups += 1,
                        Found::NoMatch => t.no_match += 1,
                        Found::Undecided => {
                            t.undecided += 1;
                            t.undecided_matching += usize::from(want.is_some());
                        }
                    }
                    t.bare_undecided += usize::from(s.bare == Found::Undecided);
                    t.refuted +=
                        usize::from(s.bare == Found::Undecided && s.walk == Found::NoMatch);
                    if s.walk == Found::Undecided {
                        t.walk_undecided += 1;
                        match s.backtrack {
                            Found::Groups(_) => t.settled_groups += 1,
                            Found::NoMatch => t.settled_no_match += 1,
                            Found::Undecided => {}
                        }
                    }
                    t.backtrack_undecided += usize::from(s.backtrack == Found::Undecided);
                    t.deep_undecided += usize::from(s.deep == Found::Undecided);
                }
                Ok(())
            })
            .map_err(|e| e.to_string())
    }

    /// Patterns of two small pieces (a third of the pairs of ~700 pieces, in four shapes) on
    /// every line of up to five bytes over `ab" \`: 2.5e9 checks, each of every stage (see
    /// `stages`), ~15 min in release:
    /// `cargo test --release --lib direct::tests::exhaustive -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn exhaustive_small_patterns() {
        let leaves =
            ["a", "b", "\"", r"\\", " ", "[ab]", "[^a]", r"\S", r"\s", ".", r#"[^"\\]"#, "ab"];
        let zero = ["", "$", r"\b", r"\B"];
        let quants = ["?", "*", "+", "??", "*?", "+?", "{1,2}", "{0,2}?"];
        let mut pieces: Vec<String> = leaves.iter().chain(&zero).map(|s| s.to_string()).collect();
        pieces.push(r#"(?:[^"\\]|\\.)*"#.into());
        for l in &leaves {
            for q in &quants {
                pieces.push(format!("(?:{l}){q}"));
            }
        }
        for a in &leaves {
            for b in leaves.iter().chain(&zero) {
                pieces.push(format!("(?:{a}|{b})"));
                pieces.push(format!("(?:{a}|{b})*"));
                pieces.push(format!("(?:{a}{b})?"));
            }
        }
        let mut lines: Vec<Vec<u8>> = vec![vec![]];
        let mut last = vec![vec![]];
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|l: &Vec<u8>| b"ab\" \\".iter().map(move |&c| [&l[..], &[c]].concat()))
                .collect();
            lines.extend(last.iter().cloned());
        }
        let mut checked = 0usize;
        for (i, p) in pieces.iter().enumerate() {
            for (j, q) in pieces.iter().enumerate() {
                if (i * 7 + j * 13) % 3 != 0 {
                    continue;
                }
                for src in [
                    format!("^(?P<ts>{p}){q}"),
                    format!("^{p}(?P<host>{q})"),
                    format!("^(?P<ts>{p}{q}) "),
                    format!("^(?P<ts>{p})(?P<host>{q})$"),
                ] {
                    let Some(d) = Direct::new(&src, [Some("ts"), Some("host"), Some("level")])
                    else {
                        continue;
                    };
                    let re = build(&src);
                    for l in &lines {
                        checked += 1;
                        if let Err(e) = stages(&d, l, regex_spans(&re, l)) {
                            panic!("{src}: {e}");
                        }
                    }
                }
            }
        }
        println!("{} pieces, {checked} checks", pieces.len());
    }

    /// Random regexes of the constructs the walk runs, on random lines: whenever the walk
    /// decides, it decides as the regex does.
    #[test]
    fn agrees_with_the_regex_on_random_patterns() {
        let mut t = Tally::default();
        random_agreement(20_000, &mut t).unwrap();
        // The grammar must exercise the walk, not only the fallback.
        assert!(t.taken * 10 > t.patterns * 9, "{t:?}");
        assert!(t.groups > 10_000 && t.no_match > 10_000, "{t:?}");
        // Refutations must happen (the tiny alphabet makes them rarer than on logs), and
        // the search must settle most of what the walk leaves.
        assert!(t.refuted * 50 > t.bare_undecided, "{t:?}");
        assert!((t.settled_groups + t.settled_no_match) * 2 > t.walk_undecided, "{t:?}");
    }

    /// The same with many more cases: `DIRECT_CASES=200000 cargo test --release --lib
    /// direct::tests::many -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn many_random_patterns() {
        let cases = std::env::var("DIRECT_CASES").ok().and_then(|c| c.parse().ok());
        let mut t = Tally::default();
        let r = random_agreement(cases.unwrap_or(100_000), &mut t);
        println!("{t:?}");
        r.unwrap();
    }

    #[test]
    fn a_quoted_field_with_escapes_is_crossed_in_one_step() {
        let src = r#"^(?P<ts>\d+) "(?:[^"\\]|\\.)*" (?P<host>\S+)"#;
        let lines = [r#"12 "a \"b\" c" h1"#, r#"12 "" h"#, r#"12 "x\" h"#, r#"12 "x"h"#, "x"];
        agree(src, &lines);
        let d = Direct::new(src, [Some("ts"), Some("host"), None]).unwrap();
        assert_eq!(
            d.find(br#"12 "a \"b\" c" h1"#),
            Found::Groups([Some((0, 2)), Some((15, 17)), None])
        );
        assert_eq!(d.find(b"x 1"), Found::NoMatch);
    }

    #[test]
    fn a_failure_after_an_open_choice_is_undecided_not_no_match() {
        // `\S+` may give back `x`: the walk does not try, the search does.
        let d = Direct::new(r"^(?P<ts>\S+)x", [Some("ts"), None, None]).unwrap();
        assert_eq!(d.walk(b"abx"), Found::Undecided);
        assert_eq!(d.walk_with(b"abx", false), Found::Undecided);
        assert_eq!(d.find(b"abx"), Found::Groups([Some((0, 2)), None, None]));
        // `\S+ ` cannot usefully give back: a failure there is final.
        let d = Direct::new(r"^(?P<ts>\S+) x", [Some("ts"), None, None]).unwrap();
        assert_eq!(d.walk(b"ab y"), Found::NoMatch);
        assert_eq!(d.walk(b"ab x"), Found::Groups([Some((0, 2)), None, None]));
        // WARN is tried before WARNING; `\b` then fails, and the search takes WARNING.
        let d = Direct::new(r"^(?P<level>WARN|WARNING)\b", [None, None, Some("level")]).unwrap();
        assert_eq!(d.walk(b"WARNING"), Found::Undecided);
        assert_eq!(d.find(b"WARNING"), Found::Groups([None, None, Some((0, 7))]));
        assert_eq!(d.walk(b"WARN x"), Found::Groups([None, None, Some((0, 4))]));
        assert_eq!(d.walk(b"INFO"), Found::NoMatch);
    }

    /// haproxy's regex on a syslog line of another daemon: `[ 0-3]?` took the `2` of `22`,
    /// so the bare walk, failing at ` haproxy`, cannot tell; the search tries the other
    /// option (`\d` takes the `2`, then ` ` fails on the second) and answers no match.
    #[test]
    fn haproxy_on_another_daemons_syslog_line_is_no_match() {
        let src = r"^(?:<\d{1,3}>)?(?P<ts>[A-Z][a-z]{2} [ 0-3]?\d \d\d:\d\d:\d\d(?:\.\d{1,6})?) (?P<host>[^\s\[\]:]+) haproxy\[\d+\]: ";
        let d = Direct::new(src, [Some("ts"), Some("host"), None]).unwrap();
        let line = b"Nov 22 07:00:03 web01 sshd[24597]: Failed password for root from 10.0.0.1";
        assert_eq!(d.walk_with(line, false), Found::Undecided);
        assert_eq!(d.backtrack(line), Found::NoMatch);
        // The walk's refutation sees it too: after `2`, the other option needs ` ` at `2`.
        assert_eq!(d.walk(line), Found::NoMatch);
        let line = b"Nov 22 07:00:03 lb01 haproxy[2201]: Server be_web/web01 is DOWN";
        assert_eq!(d.find(line), Found::Groups([Some((0, 15)), Some((16, 20)), None]));
    }

    /// The walk notes its open choices; when it fails, the bytes where their other options
    /// would start can refuse them all, and it answers no match without a search.
    #[test]
    fn open_choices_refused_by_the_next_bytes_are_no_match() {
        // rfc3164 on an rfc5424 line: the optional `<PRI>` was taken; without it, `[A-Z]`
        // would have to match `<`.
        let src = r"^(?:<\d{1,3}>)?(?P<ts>[A-Z][a-z]{2} [ 0-3]?\d \d\d:\d\d:\d\d(?:\.\d{1,9})?) (?P<host>[^\s\[\]:]+) \S";
        let d = Direct::new(src, [Some("ts"), Some("host"), None]).unwrap();
        let line = b"<27>1 2026-11-22T06:59:59.897296+01:00 web01 dockerd 20961 ID47 - x";
        assert_eq!(d.walk_with(line, false), Found::Undecided);
        assert_eq!(d.walk(line), Found::NoMatch);
        // mysql_error's second kind of stamp (`\d{6} `) on a log4j line: a digit can start
        // it, but the fifth byte, `-`, cannot be its fifth.
        let src = r"^(?P<ts>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)?|\d{6} [ \d]\d:\d\d:\d\d)(?: +\d+)? (?:\[(?P<level>Note|Warning)\] |InnoDB: )";
        let d = Direct::new(src, [Some("ts"), None, Some("level")]).unwrap();
        let line = b"2026-11-22 07:00:12,555 INFO  [main] org.hibernate.SQL - update";
        assert_eq!(d.walk_with(line, false), Found::Undecided);
        assert_eq!(d.walk(line), Found::NoMatch);
        // docker_compose on an access-log line: ` *` took the space, which the second ` *`
        // could take instead; but then `|` or an escape would have to follow, not `-`.
        let src =
            r"^[A-Za-z0-9_.-]+ *(?:\x1b\[[0-9;]*m)* *\|(?:\x1b\[[0-9;]*m)* (?P<ts>\d{4}-\d\d-\d\d)";
        let d = Direct::new(src, [Some("ts"), None, None]).unwrap();
        let line = br#"10.1.229.16 - - [22/Nov/2026:07:00:00 +0100] "GET / HTTP/1.1" 200 3161"#;
        assert_eq!(d.walk_with(line, false), Found::Undecided);
        assert_eq!(d.walk(line), Found::NoMatch);
        // journald_short_iso on a line of another kind: the lazy `[^\s:]+?` could have taken
        // more, up to `GET`, but `(?:\[\d+\])?: ` fits after none of those.
        let src = r"^(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:[+-]\d{4}|[+-]\d\d:\d\d|Z)) (?P<host>[^\s\[\]:]+) [^\s:]+?(?:\[\d+\])?: ";
        let d = Direct::new(src, [Some("ts"), Some("host"), None]).unwrap();
        let line = b"2021-05-13T23:39:43.945958Z my-loadbalancer GET /index.html HTTP/1.1";
        assert_eq!(d.walk_with(line, false), Found::Undecided);
        assert_eq!(d.walk(line), Found::NoMatch);
        // After `192.168.131.39` comes `:2`, which the lookahead (a union over the ways: `[`
        // then digits, or `: `) does not refuse: the search settles it.
        let line = b"2021-05-13T23:39:43.945958Z lb 192.168.131.39:2817 10.0.0.1:80";
        assert_eq!(d.walk(line), Found::Undecided);
        assert_eq!(d.find(line), Found::NoMatch);
        let line = b"2026-11-23T18:41:37+0000 web01 systemd[1]: Started nginx.service";
        assert_eq!(d.walk(line), Found::Undecided);
        assert_eq!(d.find(line), Found::Groups([Some((0, 24)), Some((25, 30)), None]));
        // Not refused: the other option can start here, so the walk cannot tell.
        let d = Direct::new(r"^(?P<ts>a?)ab", [Some("ts"), None, None]).unwrap();
        assert_eq!(d.walk(b"ab"), Found::Undecided);
        assert_eq!(d.find(b"ab"), Found::Groups([Some((0, 0)), None, None]));
    }

    /// The walk takes every `word ` into the loop and then lacks one for `host`; the search
    /// gives back iterations until the rest fits, and `ts` is the span of the last iteration
    /// kept, not of the one given back.
    #[test]
    fn backtracking_gives_back_iterations_and_their_groups() {
        let src = r"^(?:(?P<ts>\w+) )*(?P<host>\w+) (?P<level>x)$";
        let d = Direct::new(src, [Some("ts"), Some("host"), Some("level")]).unwrap();
        assert_eq!(d.walk(b"a b c x"), Found::Undecided);
        assert_eq!(d.find(b"a b c x"), Found::Groups([Some((2, 3)), Some((4, 5)), Some((6, 7))]));
        assert_eq!(d.find(b"c x"), Found::Groups([None, Some((0, 1)), Some((2, 3))]));
        assert_eq!(d.find(b"a b c y"), Found::NoMatch);
        agree(src, &["a b c x", "c x", "a b c y", "a  b x", "ab cd x", "x", "a x x"]);
        // Greedy and lazy runs: the longest first, the shortest first.
        let src = r"^(?P<ts>.*)=(?P<host>.*?)(?P<level>=.*)?$";
        let d = Direct::new(src, [Some("ts"), Some("host"), Some("level")]).unwrap();
        assert_eq!(d.find(b"a=b=c"), Found::Groups([Some((0, 3)), Some((4, 5)), None]));
        agree(src, &["a=b=c", "a=b", "=", "==", "a", "a==b=c"]);
    }

    /// `(?:a+)+b` on a line of `a`s alone has exponentially many ways to fail: the budget
    /// ends the search, and the regex decides.
    #[test]
    fn the_budget_ends_a_pathological_search_undecided() {
        let d = Direct::new(r"^(?P<ts>(?:a+)+b)", [Some("ts"), None, None]).unwrap();
        let line = [b'a'; 40];
        assert_eq!(d.walk(&line), Found::Undecided);
        let t = std::time::Instant::now();
        assert_eq!(d.find(&line), Found::Undecided);
        assert!(t.elapsed() < std::time::Duration::from_millis(50), "{:?}", t.elapsed());
        let (found, steps) = d.backtrack_with(&line, 1000);
        assert_eq!((found, steps), (Found::Undecided, 1000));
        // A short line is searched to the end.
        assert_eq!(d.find(b"aaaa"), Found::NoMatch);
        assert_eq!(d.find(b"aaab"), Found::Groups([Some((0, 4)), None, None]));
    }

    /// The search recurses once per iteration of a loop; its budget is capped, and so is its
    /// depth: the deepest search fits in a fraction of a thread's 2 MiB stack.
    #[test]
    fn the_deepest_search_fits_a_small_stack() {
        let d = Direct::new(r"^(?P<ts>(?:a)*)b", [Some("ts"), None, None]).unwrap();
        let mut line = vec![b'a'; 1 << 16];
        line.push(b'c');
        assert_eq!(d.walk(&line), Found::Undecided);
        // Frames are larger in a debug build.
        let stack = if cfg!(debug_assertions) { 2 << 20 } else { 512 << 10 };
        let found = std::thread::Builder::new()
            .stack_size(stack)
            .spawn(move || d.find(&line))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(found, Found::Undecided);
    }

    /// An iteration that matches the empty string is left to the regex, as in the walk.
    #[test]
    fn an_empty_iteration_is_left_to_the_regex() {
        let d = Direct::new(r"^(?P<ts>(?:a|)*)b", [Some("ts"), None, None]).unwrap();
        assert_eq!(d.find(b"aac"), Found::Undecided);
    }

    /// Found by the random test: `(?m:$)` was read as `$` (and `(?m:^)` as `^`), so a line
    /// with a `\n` in it got `NoMatch` where the regex matches (`^(?m:$)` on "\n").
    #[test]
    fn multi_line_anchors_hold_at_a_newline_inside_the_line() {
        let d = Direct::new("^(?P<ts>(?m:$))", [Some("ts"), None, None]).unwrap();
        assert_eq!(d.find(b"\n"), Found::Groups([Some((0, 0)), None, None]));
        assert_eq!(d.find(b"a"), Found::NoMatch);
        let src = r"^(?P<ts>\s)(?m:^)(?P<host>a)?(?m:$)";
        agree(src, &["\n", "\na", "\na\n", " a", "\n\n", "\nab", "a"]);
        let d = Direct::new(src, [Some("ts"), Some("host"), None]).unwrap();
        assert_eq!(d.find(b"\na\nb"), Found::Groups([Some((0, 1)), Some((1, 2)), None]));
        assert_eq!(d.find(b" a"), Found::NoMatch);
    }

    #[test]
    fn unanchored_and_unicode_regexes_are_not_taken() {
        assert!(Direct::new(r"(?P<ts>\d+)", [Some("ts"), None, None]).is_none());
        assert!(Direct::new(r"^(?u:\w)(?P<ts>\d+)", [Some("ts"), None, None]).is_none());
    }

    #[test]
    fn agrees_with_the_regex_on_tricky_shapes() {
        let lines = [
            "",
            "a",
            "ab",
            "aab",
            "2026-01-02 x",
            "<13>Jan  2 03:04:05 h x",
            "Jan 12 03:04:05 h: x",
            "a-b",
            "a--b",
            "\"\"",
            "x y z",
            "WARNING x",
            "12345",
            "1234 5",
            "-",
            "- -",
        ];
        for src in [
            r"^(?P<ts>a*)(?P<host>a*b)",
            r"^(?P<ts>a*?)b",
            r"^(?:<\d{1,3}>)?(?P<ts>[A-Z][a-z]{2} [ 0-3]?\d \d\d:\d\d:\d\d) (?P<host>[^\s\[\]:]+) \S",
            r"^(?P<ts>\d{4}-\d\d-\d\d)(?: +(?P<level>[A-Z]+))?",
            r"^(?P<ts>(?:\d{3}|-)) (?:\d+|-)",
            r"^(?P<ts>(?:ab|a)*)b",
            r"^(?P<ts>(?:a|)+)b",
            r"^(?P<ts>\S+) (?P<host>\S+)$",
            r"^(?P<ts>\d+)\b",
            r"^(?P<ts>[a-z]+)(?:-(?: |$)|\[)",
            r"^(?P<ts>.*) (?P<level>\S+)",
            r"^(?P<ts>\d{4})(?P<host>\d)?",
            r#"^(?P<ts>"[^"]*"|\S+)"#,
            r"^(?i:(?P<ts>warn))",
        ] {
            agree(src, &lines);
        }
    }

    /// How often the walk leaves a line to the regex: per built-in format, on its own sample
    /// lines and on every line of `testdata/formats/*.log` and `testdata/demo/logs`:
    /// `cargo test --release --lib direct::tests::undecided_rate -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn undecided_rate() {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    files(&p, out);
                } else if p.extension().is_some_and(|x| x == "log") {
                    out.push(p);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let mut paths = Vec::new();
        files(&root.join("formats"), &mut paths);
        files(&root.join("demo/logs"), &mut paths);
        let corpus: Vec<Vec<u8>> = paths
            .iter()
            .flat_map(|p| {
                std::fs::read(p)
                    .unwrap()
                    .split(|&b| b == b'\n')
                    .map(<[u8]>::to_vec)
                    .collect::<Vec<_>>()
            })
            .map(|l| l.strip_suffix(b"\r").map(<[u8]>::to_vec).unwrap_or(l))
            .collect();
        let reg = crate::format::Registry::load(&[] as &[&str]).unwrap();
        let (mut own, mut own_und, mut hit, mut miss) = (0, 0, 0, 0);
        // Undecided by the bare walk, the walk, `find`, on lines a format matches and not.
        let (mut und_hit, mut und_miss) = ([0; 3], [0; 3]);
        // The steps the search takes on the lines the walk leaves (with `DEEP`).
        let mut steps = Vec::new();
        let mut not_taken = Vec::new();
        for f in &reg.formats {
            let Some(src) = f.def.regex.as_deref() else { continue };
            let Some(d) = Direct::new(src, [Some("ts"), Some("host"), Some("level")]) else {
                not_taken.push(f.def.name.clone());
                continue;
            };
            let re = build(src);
            let (mut n, mut u) = (0, 0);
            for s in &f.def.samples {
                let l = s.line.as_bytes();
                if re.is_match(l) {
                    n += 1;
                    if d.find(l) == Found::Undecided {
                        u += 1;
                        println!("undecided on its own sample: {} {:?}", f.def.name, s.line);
                    }
                }
            }
            own += n;
            own_und += u;
            let (mut fh, mut uh, mut um) = (0, [0; 3], [0; 3]);
            for l in &corpus {
                let und = [d.walk_with(l, false), d.walk(l), d.find(l)]
                    .map(|f| usize::from(f == Found::Undecided));
                if und[1] == 1 {
                    steps.push(d.backtrack_with(l, DEEP).1);
                }
                let (n, u) = if re.is_match(l) { (&mut fh, &mut uh) } else { (&mut miss, &mut um) };
                *n += 1;
                (0..3).for_each(|i| u[i] += und[i]);
            }
            if uh[0] + um[0] > 0 {
                let name = &f.def.name;
                println!(
                    "{name}: undecided on {} of the {fh} lines it matches (bare walk {}, walk {}), \
                     {} it does not (bare walk {}, walk {})",
                    uh[2], uh[0], uh[1], um[2], um[0], um[1]
                );
            }
            hit += fh;
            (0..3).for_each(|i| {
                und_hit[i] += uh[i];
                und_miss[i] += um[i];
            });
        }
        println!("not taken: {not_taken:?}");
        println!("own samples that match: {own}, undecided {own_und}");
        println!(
            "corpus lines x formats that match: {hit}, undecided {} (bare walk {}, walk {})",
            und_hit[2], und_hit[0], und_hit[1]
        );
        println!(
            "corpus lines x formats that do not match: {miss}, undecided {} (bare walk {}, \
             walk {})",
            und_miss[2], und_miss[0], und_miss[1]
        );
        steps.sort_unstable();
        let at = |q: usize| steps.get(steps.len().saturating_sub(1) * q / 100).copied();
        println!(
            "search steps on the walk's undecided: median {:?}, p90 {:?}, p99 {:?}, max {:?}",
            at(50),
            at(90),
            at(99),
            steps.last()
        );
    }

    /// Every built-in format regex the walk takes, on its sample lines mutated at random
    /// (bytes replaced, inserted, deleted, taken from the characters formats care about):
    /// whenever the walk decides, it decides as the regex does.
    #[test]
    fn agrees_with_every_builtin_regex_on_mutated_samples() {
        use proptest::prelude::*;
        let reg = crate::format::Registry::load(&[] as &[&str]).unwrap();
        let formats: Vec<(Direct, Regex)> = reg
            .formats
            .iter()
            .filter_map(|f| {
                let src = f.def.regex.as_deref()?;
                let d = Direct::new(src, [Some("ts"), Some("host"), Some("level")])?;
                Some((d, Regex::new(&format!("(?-u){src}")).unwrap()))
            })
            .collect();
        assert!(formats.len() > 30, "only {} built-in formats taken", formats.len());
        let samples: Vec<Vec<u8>> = reg
            .formats
            .iter()
            .flat_map(|f| f.def.samples.iter().map(|s| s.line.as_bytes().to_vec()))
            .collect();
        let alphabet = b" \t\"\\[]<>:-+.,/|=0123456789aZTz{}()\xff";
        let edit = (0..3u8, any::<prop::sample::Index>(), prop::sample::select(alphabet.to_vec()));
        let case = (prop::sample::select(samples), prop::collection::vec(edit, 0..4));
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(3000));
        runner
            .run(&case, |(mut line, edits)| {
                for (op, at, b) in edits {
                    let i = at.index(line.len() + 1);
                    match op {
                        0 if i < line.len() => line[i] = b,
                        1 => line.insert(i, b),
                        _ if i < line.len() => {
                            line.remove(i);
                        }
                        _ => {}
                    }
                }
                for (d, re) in &formats {
                    stages(d, &line, regex_spans(re, &line))
                        .map_err(|e| TestCaseError::fail(format!("{}: {e}", re.as_str())))?;
                }
                Ok(())
            })
            .unwrap();
    }
}
