//! The node tree a format regex compiles to: what the walk and the backtracking search run.

use memchr::{memchr, memchr2, memchr3};

use super::ahead::Ahead;
use crate::format::first_byte::ByteSet;

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
    pub(super) fn of(set: &ByteSet) -> Stop {
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

pub(super) fn is_word(line: &[u8], i: Option<usize>) -> bool {
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
    pub(super) rest: Option<ByteSet>,
    /// How a match of the alternatives after it, then of what follows, can start (`None`
    /// when none can start at all).
    pub(super) later: Option<Box<Ahead>>,
}
