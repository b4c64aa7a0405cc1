//! Golden tests of the built-in formats.
//!
//! For every `testdata/formats/<name>.log` this runs the real binary as
//!
//! ```text
//! deskew normalize --output-format jsonl --precision ns --no-progress --tz UTC --year 2024 testdata/formats/<name>.log
//! ```
//!
//! (from the crate root, with `TZ` unset) and compares its stdout with
//! `testdata/formats/<name>.jsonl`. With `UPDATE_GOLDEN=1` in the environment the golden files
//! are (re)written instead; review the diff before committing them.
//!
//! Each format has its own test, named after it, so a failure names the format. Further checks:
//! every `formats/*.toml` has a sample file and a test here, and the output of each sample file
//! holds every input line exactly once, in input order (SPEC: "Nothing is lost").
//!
//! Only std is used, so this file compiles whatever the engine's dependencies are.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Runs `deskew normalize` on `rel` (a path relative to the crate root) and returns stdout.
fn normalize(rel: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_deskew"))
        .current_dir(root())
        .env_remove("TZ")
        .args([
            "normalize",
            "--output-format",
            "jsonl",
            // Every digit the parser produced (the default, us, would cut ns stamps).
            "--precision",
            "ns",
            "--no-progress",
            "--tz",
            "UTC",
            "--year",
            "2024",
            rel,
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run deskew: {e}"));
    let stdout =
        String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{rel}: stdout is not UTF-8: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{rel}: deskew exited with {}\nstderr:\n{stderr}", out.status);
    stdout
}

fn run_golden(name: &str) {
    let rel = format!("testdata/formats/{name}.log");
    let golden = root().join(format!("testdata/formats/{name}.jsonl"));
    let got = normalize(&rel);
    check_lossless(&rel, &got);
    if updating() {
        fs::write(&golden, &got).unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
        return;
    }
    let want = fs::read_to_string(&golden).unwrap_or_else(|e| {
        panic!(
            "{}: {e}\n(no golden file yet? create it with `UPDATE_GOLDEN=1 cargo test --test golden {name}` and review it)",
            golden.display()
        )
    });
    if got != want {
        let (g, w): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
        let i = g.iter().zip(&w).position(|(a, b)| a != b).unwrap_or(g.len().min(w.len()));
        panic!(
            "format `{name}`: output differs from {} at output line {} ({} lines expected, {} got)\n  want: {}\n  got:  {}\n(if the change is intended: UPDATE_GOLDEN=1 cargo test --test golden {name})",
            golden.display(),
            i + 1,
            w.len(),
            g.len(),
            w.get(i).unwrap_or(&"<end of output>"),
            g.get(i).unwrap_or(&"<end of output>"),
        );
    }
}

/// The value of the top-level string key `key` in one JSONL object, decoded.
fn json_string_field(obj: &str, key: &str) -> Option<String> {
    let pat = format!("\"{key}\"");
    let mut from = 0;
    while let Some(i) = obj[from..].find(&pat) {
        from += i + pat.len();
        let Some(rest) = obj[from..].trim_start().strip_prefix(':') else {
            continue;
        };
        let Some(body) = rest.trim_start().strip_prefix('"') else {
            continue;
        };
        return decode_json_string(body);
    }
    None
}

/// Decodes a JSON string body (the text after the opening quote) up to its closing quote.
fn decode_json_string(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.chars();
    let hex4 = |chars: &mut std::str::Chars| -> Option<u32> {
        let h: String = chars.by_ref().take(4).collect();
        (h.len() == 4).then(|| u32::from_str_radix(&h, 16).ok()).flatten()
    };
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                '/' => out.push('/'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    let hi = hex4(&mut chars)?;
                    let c = if (0xD800..0xDC00).contains(&hi) {
                        if chars.next()? != '\\' || chars.next()? != 'u' {
                            return None;
                        }
                        let lo = hex4(&mut chars)?;
                        char::from_u32(
                            0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF),
                        )
                    } else {
                        char::from_u32(hi)
                    };
                    out.push(c.unwrap_or('\u{FFFD}'));
                }
                _ => return None,
            },
            c => out.push(c),
        }
    }
}

/// SPEC: every input line appears in the output exactly once, in input order within its source
/// (normalize keeps input order). The `msg` values joined with `\n` must give back the file
/// (a trailing `\r` of CRLF lines and a UTF-8 BOM are tolerated either way).
fn check_lossless(rel: &str, jsonl: &str) {
    let input = fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let norm = |s: &str| -> Vec<String> {
        let s = s.strip_prefix('\u{feff}').unwrap_or(s);
        let s = s.strip_suffix('\n').unwrap_or(s);
        s.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l).to_string()).collect()
    };
    let want = norm(&input);
    let mut got_text = String::new();
    for (n, obj) in jsonl.lines().enumerate() {
        let msg = json_string_field(obj, "msg")
            .unwrap_or_else(|| panic!("{rel}: output line {} has no string `msg`: {obj}", n + 1));
        if n > 0 {
            got_text.push('\n');
        }
        got_text.push_str(&msg);
    }
    let got = norm(&got_text);
    if got != want {
        let i =
            got.iter().zip(&want).position(|(a, b)| a != b).unwrap_or(got.len().min(want.len()));
        panic!(
            "{rel}: the records' msg do not give back the input lines exactly once ({} input lines, {} in output); first difference at input line {}:\n  input:  {:?}\n  output: {:?}",
            want.len(),
            got.len(),
            i + 1,
            want.get(i),
            got.get(i),
        );
    }
}

macro_rules! golden {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run_golden(stringify!($name));
            }
        )*
        /// Every format that has a golden test.
        const FORMATS: &[&str] = &[$(stringify!($name)),*];
    };
}

golden!(
    android_logcat,
    apache_error,
    apt_history,
    auditd,
    aws_alb,
    aws_elb,
    aws_nlb,
    bgl,
    bunyan,
    chrony,
    clf,
    cloudfront,
    combined,
    cri,
    dmesg,
    dmesg_boot,
    docker_compose,
    docker_json,
    glog,
    go_log,
    haproxy,
    hdfs,
    iso8601,
    journald_json,
    journald_short_iso,
    json,
    log4j,
    logback,
    logfmt,
    logrus_json,
    mcafee,
    mysql_error,
    mysql_slow,
    nginx_error,
    ntp_stats,
    openstack,
    postgresql,
    python_logging,
    redis,
    redis24,
    redis_legacy,
    rfc3164,
    rfc5424,
    rsyncd,
    snort,
    spark,
    strace,
    w3c,
    windows_cbs,
    zap,
    zeek,
);

fn stems(dir: &Path, ext: &str) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    v.sort();
    v
}

/// Every built-in format has a sample file and a golden test; every sample file has a test;
/// each definition's `name` is its file name.
#[test]
fn every_format_has_a_sample_file_and_a_test() {
    let root = root();
    let defs = stems(&root.join("formats"), "toml");
    assert!(!defs.is_empty(), "no formats/*.toml");
    let mut problems = Vec::new();
    for d in &defs {
        if !root.join(format!("testdata/formats/{d}.log")).is_file() {
            problems.push(format!("formats/{d}.toml has no testdata/formats/{d}.log"));
        }
        if !FORMATS.contains(&d.as_str()) {
            problems.push(format!(
                "formats/{d}.toml has no golden test: add `{d}` to golden!() in tests/golden.rs"
            ));
        }
        let text = fs::read_to_string(root.join(format!("formats/{d}.toml"))).unwrap();
        let name = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("name").map(|r| r.trim_start()))
            .and_then(|r| r.strip_prefix('='))
            .map(|r| r.trim().trim_matches('"').to_string());
        if name.as_deref() != Some(d.as_str()) {
            problems.push(format!("formats/{d}.toml: `name` is {name:?}, expected {d:?}"));
        }
    }
    for s in stems(&root.join("testdata/formats"), "log") {
        if !FORMATS.contains(&s.as_str()) {
            problems.push(format!("testdata/formats/{s}.log has no golden test"));
        }
    }
    for f in FORMATS {
        if !defs.iter().any(|d| d == f) {
            problems.push(format!("golden test `{f}` has no formats/{f}.toml"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn json_string_decoding() {
    let o = r#"{"ts":"x","msg":"a\"b\\c\n\tq\u00e9\ud83d\ude00","host":"h"}"#;
    assert_eq!(json_string_field(o, "msg").as_deref(), Some("a\"b\\c\n\tqé😀"));
    assert_eq!(json_string_field(o, "host").as_deref(), Some("h"));
    assert_eq!(json_string_field(r#"{"msg" : "x"}"#, "msg").as_deref(), Some("x"));
    assert_eq!(json_string_field(r#"{"raw_msg":1,"msg":"y"}"#, "msg").as_deref(), Some("y"));
}
