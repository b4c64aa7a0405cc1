use super::*;
use crate::format::split::Spans;
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
        return Err(format!("walk says {:?}, the bare walk {:?}, on {shown:?}", s.walk, s.bare));
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
        "?", "*", "+", "{0,2}", "{1,3}", "{2}", "{1,}", "{0,1}", "{2,}", "{3}", "{2,5}", "{0,3}",
        "{4}", "{17}", "{1,17}",
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
                let s =
                    stages(&d, l, want).map_err(|e| TestCaseError::fail(format!("{src}: {e}")))?;
                match s.find {
                    Found::Groups(_) => t.groups += 1,
                    Found::NoMatch => t.no_match += 1,
                    Found::Undecided => {
                        t.undecided += 1;
                        t.undecided_matching += usize::from(want.is_some());
                    }
                }
                t.bare_undecided += usize::from(s.bare == Found::Undecided);
                t.refuted += usize::from(s.bare == Found::Undecided && s.walk == Found::NoMatch);
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
    let leaves = ["a", "b", "\"", r"\\", " ", "[ab]", "[^a]", r"\S", r"\s", ".", r#"[^"\\]"#, "ab"];
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
                let Some(d) = Direct::new(&src, [Some("ts"), Some("host"), Some("level")]) else {
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
            std::fs::read(p).unwrap().split(|&b| b == b'\n').map(<[u8]>::to_vec).collect::<Vec<_>>()
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
