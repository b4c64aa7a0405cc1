//! The terminal view (issue 18): colour and aligned columns on a terminal (a pseudo-terminal
//! made by util-linux `script`), plain text through pipes, the pager, `--since`/`--until` in
//! the forms people type, the offsets chart, completions, the man page and `--version`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::bin;

/// A tool the tests need: scripts/test.sh installs it; under CI its absence fails the test.
fn have(tool: &str) -> bool {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is missing (scripts/test.sh installs it)"
        );
        eprintln!("skipped: {tool} is missing (scripts/test.sh installs it)");
    }
    ok
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Run deskew with `args` on a pseudo-terminal; its output as the terminal showed it (CR LF
/// turned back into LF).
fn on_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = vec![quote(env!("CARGO_BIN_EXE_deskew"))];
    cmd.extend(args.iter().map(|a| quote(a)));
    let mut c = Command::new("script");
    c.args(["-qec", &cmd.join(" "), "/dev/null"]).stdin(Stdio::null());
    c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE").env("TERM", "xterm-256color");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            chars.by_ref().find(|&d| d == 'm');
        } else {
            out.push(c);
        }
    }
    out
}

/// Two hosts of different name lengths, JSON lines with levels.
fn two_hosts() -> (tempfile::TempDir, Vec<String>) {
    let d = tempfile::tempdir().unwrap();
    let w = d.path().join("web01.jsonl");
    let k = d.path().join("worker0001.jsonl");
    std::fs::write(
        &w,
        "{\"ts\":\"2026-11-20T10:00:00Z\",\"level\":\"error\",\"msg\":\"disk full\"}\n",
    )
    .unwrap();
    std::fs::write(
        &k,
        "{\"ts\":\"2026-11-20T10:00:01Z\",\"level\":\"info\",\"msg\":\"job done\"}\n",
    )
    .unwrap();
    let paths = [w, k].iter().map(|p| p.display().to_string()).collect();
    (d, paths)
}

fn merge_args<'a>(paths: &'a [String], extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["merge", "--no-progress", "-q"];
    a.extend(extra);
    a.extend(paths.iter().map(String::as_str));
    a
}

#[test]
fn a_terminal_gets_colour_and_aligned_columns() {
    if !have("script") {
        return;
    }
    let (_d, paths) = two_hosts();
    let shown = on_terminal(&merge_args(&paths, &["--no-pager"]), &[]);
    assert!(shown.contains("\x1b[2m2026-11-20T10:00:00.000000000Z\x1b[0m"), "{shown:?}");
    assert!(shown.contains("\x1b[1;31merror\x1b[0m"), "{shown:?}");
    assert!(shown.contains("\x1b[32minfo\x1b[0m"), "{shown:?}");
    assert!(shown.contains("\x1b[38;5;"), "hosts are coloured: {shown:?}");
    let plain = strip_ansi(&shown);
    assert!(plain.contains("Z web01      {\"ts\""), "padded to worker0001: {plain:?}");
    assert!(plain.contains("Z worker0001 {\"ts\""), "{plain:?}");
}

#[test]
fn no_color_and_color_never_keep_the_alignment_without_colour() {
    if !have("script") {
        return;
    }
    let (_d, paths) = two_hosts();
    for (extra, env) in [
        (vec!["--no-pager"], vec![("NO_COLOR", "1")]),
        (vec!["--no-pager", "--color", "never"], vec![]),
    ] {
        let shown = on_terminal(&merge_args(&paths, &extra), &env);
        assert!(!shown.contains('\x1b'), "{shown:?}");
        assert!(shown.contains("Z web01      {\"ts\""), "{shown:?}");
    }
}

#[test]
fn a_pipe_gets_the_plain_text_of_spec() {
    let (_d, paths) = two_hosts();
    let out = bin().args(merge_args(&paths, &[])).env_remove("CLICOLOR_FORCE").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "2026-11-20T10:00:00.000000000Z web01 {\"ts\":\"2026-11-20T10:00:00Z\",\"level\":\"error\",\"msg\":\"disk full\"}\n\
         2026-11-20T10:00:01.000000000Z worker0001 {\"ts\":\"2026-11-20T10:00:01Z\",\"level\":\"info\",\"msg\":\"job done\"}\n"
    );
    // Asked for: colour through the pipe too (`deskew ... --color always | less -R`).
    for (extra, env) in [(vec!["--color", "always"], None), (vec![], Some(("CLICOLOR_FORCE", "1")))]
    {
        let mut c = bin();
        c.args(merge_args(&paths, &extra)).env_remove("NO_COLOR");
        if let Some((k, v)) = env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b[1;31merror"), "{extra:?}");
    }
}

/// A pager that records its arguments and what it was given.
fn fake_pager(dir: &Path) -> (String, PathBuf) {
    let log = dir.join("paged");
    let script = dir.join("pager.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"args:$*\" > {0}\ncat >> {0}\n", log.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    (script.display().to_string(), log)
}

#[test]
fn a_terminal_pages_through_deskew_pager_then_pager_and_no_pager_turns_it_off() {
    if !have("script") {
        return;
    }
    let (d, paths) = two_hosts();
    let (pager, log) = fake_pager(d.path());
    // $PAGER on a terminal: the records go to it, coloured.
    let shown = on_terminal(&merge_args(&paths, &[]), &[("PAGER", &format!("{pager} --flag"))]);
    let paged = std::fs::read_to_string(&log).unwrap();
    assert!(paged.starts_with("args:--flag\n"), "{paged:?}");
    assert!(paged.contains("\x1b[1;31merror\x1b[0m"), "{paged:?}");
    assert!(!shown.contains("disk full"), "not also on the terminal: {shown:?}");
    std::fs::remove_file(&log).unwrap();
    // DESKEW_PAGER before PAGER.
    on_terminal(&merge_args(&paths, &[]), &[("PAGER", "false"), ("DESKEW_PAGER", &pager)]);
    assert!(std::fs::read_to_string(&log).unwrap().contains("job done"));
    std::fs::remove_file(&log).unwrap();
    // --no-pager, and PAGER=cat: straight to the terminal.
    for (extra, env) in [(vec!["--no-pager"], pager.as_str()), (vec![], "cat")] {
        let shown = on_terminal(&merge_args(&paths, &extra), &[("PAGER", env)]);
        assert!(!log.exists(), "{extra:?}");
        assert!(shown.contains("disk full"), "{shown:?}");
    }
    // A pipe is not paged unless asked.
    let out = bin().args(merge_args(&paths, &[])).env("PAGER", &pager).output().unwrap();
    assert!(!log.exists() && String::from_utf8_lossy(&out.stdout).contains("disk full"));
    let out = bin()
        .args(merge_args(&paths, &["--paging", "always"]))
        .env("PAGER", &pager)
        .output()
        .unwrap();
    assert!(out.status.success() && out.stdout.is_empty());
    assert!(std::fs::read_to_string(&log).unwrap().contains("job done"));
}

#[test]
fn quitting_the_pager_early_ends_deskew_quietly() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("big01.log");
    let mut text = String::new();
    for i in 0..200_000 {
        text.push_str(&format!(
            "2026-11-20T10:{:02}:{:02}Z line {i}\n",
            i / 3600 % 60,
            i / 60 % 60
        ));
    }
    std::fs::write(&f, text).unwrap();
    let out = bin()
        .args(["merge", "--no-progress", "-q", "--paging", "always", f.to_str().unwrap()])
        .env("PAGER", "head -n 3 > /dev/null")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("deskew: "),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn since_and_until_take_relative_times_dates_and_local_times() {
    let now = chrono::Utc::now();
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("app01.log");
    let at = |mins: i64| {
        (now - chrono::Duration::minutes(mins)).format("%Y-%m-%dT%H:%M:%SZ").to_string()
    };
    std::fs::write(
        &f,
        format!(
            "{} three hours ago\n{} forty minutes ago\n{} five minutes ago\n",
            at(180),
            at(40),
            at(5)
        ),
    )
    .unwrap();
    let kept = |since: &str, until: Option<&str>| -> Vec<String> {
        let mut c = bin();
        c.args(["merge", "--no-progress", "-q", "--since", since]);
        if let Some(u) = until {
            c.args(["--until", u]);
        }
        let out = c.arg(&f).output().unwrap();
        assert!(out.status.success(), "{since}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.split(' ').skip(3).collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(kept("-15m", None), ["five minutes ago"]);
    assert_eq!(kept("1h ago", None), ["forty minutes ago", "five minutes ago"]);
    assert_eq!(kept("4 hours ago", Some("-30m")), ["three hours ago", "forty minutes ago"]);
    assert_eq!(kept("yesterday", Some("now")).len(), 3);
    assert!(kept("+1h", None).is_empty());
    // A date and a local time in --tz: 2026-11-20 in Tokyo starts 2026-11-19T15:00Z.
    let g = d.path().join("db01.log");
    std::fs::write(&g, "2026-11-19T14:59:59Z before\n2026-11-19T15:00:00Z after\n").unwrap();
    for (args, want) in [
        (vec!["--since", "2026-11-20", "--tz", "Asia/Tokyo"], "after"),
        (vec!["--until", "2026-11-20 00:00", "--tz", "Asia/Tokyo"], "before"),
    ] {
        let out =
            bin().args(["merge", "--no-progress", "-q"]).args(&args).arg(&g).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.ends_with(&format!(" {want}\n")) && text.lines().count() == 1,
            "{args:?}: {text}"
        );
    }
    // Nonsense is a usage error naming the forms.
    let out = bin().args(["merge", "--since", "last tuesday-ish"]).arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--since \"last tuesday-ish\"") && err.contains("2h ago"), "{err}");
}

/// A JSONL history of 13 samples `every` minutes apart whose offsets run from `base` over
/// `range` seconds.
fn history(dir: &Path, host: &str, base: f64, range: f64, every: i64) -> String {
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-11-23T06:00:00Z").unwrap();
    let mut s = String::new();
    for i in 0..=12 {
        let t = t0 + chrono::Duration::minutes(every * i);
        let off = base + range * (i as f64 / 12.0);
        s.push_str(&format!(
            "{{\"time\":\"{}\",\"host\":\"{host}\",\"server\":\"10.0.0.1:123\",\"offset\":{off:.9},\"delay\":0.0001}}\n",
            t.format("%Y-%m-%dT%H:%M:%S%.9fZ")
        ));
    }
    let p = dir.join(format!("{host}.jsonl"));
    std::fs::write(&p, s).unwrap();
    p.display().to_string()
}

/// The texts of the SVG's `<text class="CLASS">` elements.
fn texts(svg: &str, class: &str) -> Vec<String> {
    let open = format!("<text class=\"{class}\"");
    svg.match_indices(&open)
        .map(|(i, _)| {
            let rest = &svg[i..];
            let a = rest.find('>').unwrap() + 1;
            let b = rest.find("</text>").unwrap();
            rest[a..b].to_string()
        })
        .collect()
}

#[test]
fn the_offsets_chart_has_distinct_tick_labels_at_every_range_and_renders() {
    let d = tempfile::tempdir().unwrap();
    let render = have("rsvg-convert");
    // Drift a clock could have (3 s over 12 hours is 69 ppm).
    for (host, base, range, every) in [
        ("us10", 2.5, 10e-6, 5),
        ("ms1", 2.5, 1e-3, 5),
        ("ms300", 0.1, 0.3, 60),
        ("s3", -1.0, 3.0, 60),
    ] {
        let h = history(d.path(), host, base, range, every);
        let svg_path = d.path().join(format!("{host}.svg"));
        let out =
            bin().args(["offsets", "--svg", svg_path.to_str().unwrap(), &h]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let svg = std::fs::read_to_string(&svg_path).unwrap();
        let y = texts(&svg, "ytick");
        let distinct: std::collections::HashSet<_> = y.iter().collect();
        assert!(y.len() >= 3 && distinct.len() == y.len(), "{host}: {y:?}");
        let x = texts(&svg, "xtick");
        assert!(x.len() >= 3, "{host}: {x:?}");
        assert_eq!(texts(&svg, "xdate"), ["2026-11-23"], "{host}");
        assert_eq!(svg.matches("class=\"sample\"").count(), 13, "{host}: every sample marked");
        if base < 0.0 {
            assert!(svg.contains("class=\"zero\""), "{host}: the zero line");
        }
        if render {
            let png = d.path().join(format!("{host}.png"));
            let st =
                Command::new("rsvg-convert").arg("-o").arg(&png).arg(&svg_path).status().unwrap();
            assert!(st.success(), "{host}: rsvg-convert");
            let bytes = std::fs::read(&png).unwrap();
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 2000, "{host}");
            if let Some(keep) = std::env::var_os("DESKEW_KEEP_PNG") {
                std::fs::copy(&png, Path::new(&keep).join(format!("{host}.png"))).unwrap();
            }
        }
    }
}

#[test]
fn completions_generate_and_the_bash_one_loads() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success() && out.stdout.len() > 1000, "{shell}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("merge"), "{shell}");
    }
    let script = format!(
        "source <({} completions bash) && complete -p deskew",
        quote(env!("CARGO_BIN_EXE_deskew"))
    );
    let out = Command::new("bash").args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("deskew"));
    let out = bin().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_man_page_renders_with_man() {
    let out = bin().arg("man").output().unwrap();
    assert!(out.status.success() && out.stdout.starts_with(b".ie \\n(.g"), "a roff page");
    let d = tempfile::tempdir().unwrap();
    let out = bin().args(["man", "--dir"]).arg(d.path()).output().unwrap();
    assert!(out.status.success());
    for page in ["deskew.1", "deskew-merge.1", "deskew-offsets.1", "deskew-completions.1"] {
        assert!(d.path().join(page).exists(), "{page}");
    }
    if !have("man") {
        return;
    }
    let out = Command::new("man")
        .arg("-l")
        .arg(d.path().join("deskew-merge.1"))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains("--since") && page.contains("--paging"), "{page}");
}

#[test]
fn version_names_the_commit_of_a_git_build() {
    let out = bin().arg("--version").output().unwrap();
    let v = String::from_utf8(out.stdout).unwrap();
    assert!(v.starts_with(&format!("deskew {}", env!("CARGO_PKG_VERSION"))), "{v}");
    let git = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Some(g) = git.ok().filter(|g| g.status.success()) {
        let hash = String::from_utf8(g.stdout).unwrap();
        // The build may predate the last commit; its commit is still a 12-digit hash.
        let shown = v.split_once('(').map_or("", |(_, c)| c.get(..12).unwrap_or_default());
        assert!(
            shown.len() == 12 && shown.bytes().all(|c| c.is_ascii_hexdigit()),
            "{v} (HEAD {hash})"
        );
    }
}
