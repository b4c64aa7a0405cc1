//! The committed walk: the node tree run once along a line, first choice at every branch.

use super::ahead::Ahead;
use super::node::{run_end, Branch, Node};
use crate::format::split::Spans;

/// How many open choices a walk notes for `Walk::refuted`.
pub(super) const DOUBTS: usize = 4;

/// Where a walk stands: the group spans so far and whether an open choice was taken; and
/// the open choices, each as how a match through the options it did not take must start
/// (`None`: unknown) and the positions where they would have started.
pub(super) struct Walk<'n> {
    pub(super) spans: Spans,
    pub(super) open: bool,
    pub(super) doubts: [(Option<&'n Ahead>, usize, usize); DOUBTS],
    /// How many were noted (past `DOUBTS`: some were not kept).
    pub(super) noted: usize,
}

impl<'n> Walk<'n> {
    pub(super) fn new() -> Walk<'n> {
        Walk { spans: [None; 3], open: false, doubts: [(None, 0, 0); DOUBTS], noted: 0 }
    }

    /// An open choice, whose options not taken would start at `from..=to` and match as
    /// `ahead` tells.
    #[inline]
    pub(super) fn doubt(&mut self, ahead: Option<&'n Ahead>, from: usize, to: usize) {
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
    pub(super) fn refuted(&self, line: &[u8]) -> bool {
        self.noted <= DOUBTS
            && self.doubts[..self.noted].iter().all(|&(ahead, from, to)| {
                ahead.is_some_and(|a| to - from < 64 && (from..=to).all(|p| !a.admits(line, p)))
            })
    }
}

/// Walk `n` from `pos`: the end of its first-choice match, or `None` (with `w.open` telling
/// whether another path might have matched).
pub(super) fn walk<'n>(n: &'n Node, line: &[u8], pos: usize, w: &mut Walk<'n>) -> Option<usize> {
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
pub(super) fn leaf<'n>(n: &'n Node, line: &[u8], pos: usize, w: &mut Walk<'n>) -> Option<usize> {
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
