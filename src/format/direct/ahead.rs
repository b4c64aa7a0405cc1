//! What a match can start with: the first bytes of a node or of the rest of the pattern,
//! which let the walk know a choice cannot go another way and refute open choices.

use super::node::{Assert, Node};
use crate::format::first_byte::ByteSet;

/// How many bytes `Ahead` looks at.
pub(super) const AHEAD: usize = 8;

/// The bytes a match of something (some options, then the rest of the pattern) can have at
/// each of its first `AHEAD` offsets (every byte where the match may already have ended):
/// when a line's bytes from a position are not all allowed, no such match starts there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Ahead([ByteSet; AHEAD]);

/// Offsets 0..AHEAD as the bits of a mask, and this bit for any offset past them.
pub(super) const BEYOND: u32 = 1 << AHEAD;

impl Ahead {
    /// Nothing can match.
    pub(super) fn none() -> Ahead {
        Ahead([ByteSet::default(); AHEAD])
    }

    /// Anything can.
    pub(super) fn any() -> Ahead {
        Ahead([ByteSet::of(|_| true); AHEAD])
    }

    pub(super) fn union(&mut self, o: &Ahead) {
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
    pub(super) fn of(n: &Node, next: &Ahead) -> Ahead {
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
    pub(super) fn reach(&mut self, n: &Node, from: u32) -> u32 {
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
    pub(super) fn take(&mut self, set: ByteSet, at: u32) -> u32 {
        for o in (0..AHEAD).filter(|o| at >> o & 1 == 1) {
            self.0[o] = self.0[o].union(set);
        }
        let moved = (at & (BEYOND - 1)) << 1;
        moved | (at & BEYOND)
    }

    /// `min` to `max` bytes of `set` from the offsets of `at`.
    pub(super) fn times(&mut self, set: ByteSet, min: u32, max: u32, at: u32) -> u32 {
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
pub(super) fn first(n: &Node) -> Option<ByteSet> {
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
pub(super) enum Empty {
    Never,
    /// Only where the line ends or its byte is one of the `set` of the `Start` (`$`, `(?m:$)`).
    AtEnd,
    Anywhere,
}

/// How a match of a node, or of the rest of the pattern from some point on, can start: one
/// that takes bytes takes a byte of `set` first; `empty` tells where it can take none.
#[derive(Clone, Copy, Debug)]
pub(super) struct Start {
    pub(super) set: ByteSet,
    pub(super) empty: Empty,
}

impl Start {
    /// Anything: what follows the end of the pattern (matches are not anchored at the end).
    pub(super) fn any() -> Start {
        Start { set: ByteSet::default(), empty: Empty::Anywhere }
    }

    /// A match of `self`, then one of `next`.
    pub(super) fn then(self, next: Start) -> Start {
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
    pub(super) fn or(self, other: Start) -> Start {
        Start { set: self.set.union(other.set), empty: self.empty.max(other.empty) }
    }

    /// Whether no match can start at a byte of `set`: a run of `set` that gives bytes back
    /// leaves such a byte next, so it cannot help.
    pub(super) fn excludes(&self, set: ByteSet) -> bool {
        self.empty != Empty::Anywhere && self.set.intersect(set).is_empty()
    }
}

/// How a match of `n` can start.
pub(super) fn start(n: &Node) -> Start {
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
pub(super) fn settle(n: &mut Node, follow: Start, ahead: &Ahead) {
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
