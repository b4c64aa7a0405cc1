//! A regex syntax tree (`regex_syntax::Hir`) to the node tree, for the constructs the
//! walk runs; anything else gives `None` and the format keeps the regex.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

use super::ahead::first;
use super::node::{Assert, Branch, Node, Stop};
use crate::format::first_byte::ByteSet;

/// The node tree of `h`, its `sure` flags not set yet (see `settle`).
pub(super) fn compile(h: &Hir, names: &[Option<&str>; 3]) -> Option<Node> {
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
pub(super) fn reports(n: &Node) -> bool {
    match n {
        Node::Group { slot, sub } => slot.is_some() || reports(sub),
        Node::Repeat { groups, .. } | Node::Alt { groups, .. } => *groups,
        Node::Concat(items) => items.iter().any(reports),
        _ => false,
    }
}

/// The single bytes of `n`, if it is a fixed sequence of them.
pub(super) fn bytes_of(n: &Node) -> Option<Vec<ByteSet>> {
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
pub(super) fn fuse(items: Vec<Node>) -> Vec<Node> {
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
pub(super) fn class(c: &Class) -> Option<ByteSet> {
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
pub(super) fn escaped(r: &regex_syntax::hir::Repetition) -> Option<Node> {
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
