//! `deskew sync`, the real binary, against NTP responders run in this test: good ones whose
//! clock is off by a known amount, and misbehaving ones (malformed, spoofed, kiss-o'-death,
//! unsynchronized, late, duplicate, from the wrong port, silent). The real-chronyd tests are
//! in `sync_chronyd.rs`.

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use deskew::sync::protocol::packet::{Packet, Timestamp, MODE_SERVER};

const MS: i64 = 1_000_000;

fn now_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as i64
}

#[derive(Clone, Copy, Debug)]
enum Bad {
    Short,
    WrongOrigin,
    Kiss(&'static [u8; 4]),
    Leap3,
    Stratum16,
    Mode3,
    Version7,
    ZeroTransmit,
    Reversed,
    /// Replies after the client gave up.
    Late,
    /// Replies from another port of the same address (a connected socket must ignore it).
    WrongPort,
    Silent,
}

#[derive(Clone, Copy, Debug)]
enum Behaviour {
    /// A good server whose clock is `shift` ns ahead of this host's; `twice` sends each reply twice.
    Good {
        shift: i64,
        twice: bool,
    },
    Bad(Bad),
}

fn good_reply(req: &Packet, shift: i64) -> Packet {
    let t2 = Timestamp::from_unix_nanos(now_ns() + shift);
    Packet {
        leap: 0,
        version: req.version.clamp(3, 4),
        mode: MODE_SERVER,
        stratum: 3,
        poll: req.poll,
        precision: -24,
        root_delay: 2 * MS,
        root_dispersion: MS,
        ref_id: [192, 0, 2, 1],
        reference: t2,
        origin: req.transmit,
        receive: t2,
        transmit: Timestamp::from_unix_nanos(now_ns() + shift),
    }
}

/// Serves on 127.0.0.1 (or ::1) until the test process ends; returns the address.
fn responder(b: Behaviour, v6: bool) -> SocketAddr {
    let sock = UdpSocket::bind(if v6 { "[::1]:0" } else { "127.0.0.1:0" }).unwrap();
    let addr = sock.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        loop {
            let Ok((n, from)) = sock.recv_from(&mut buf) else { continue };
            let Ok(req) = Packet::decode(&buf[..n]) else { continue };
            let mut r = good_reply(&req, 0);
            match b {
                Behaviour::Good { shift, twice } => {
                    let r = good_reply(&req, shift).encode();
                    let _ = sock.send_to(&r, from);
                    if twice {
                        let _ = sock.send_to(&r, from);
                    }
                    continue;
                }
                Behaviour::Bad(bad) => match bad {
                    Bad::Short => {
                        let _ = sock.send_to(&r.encode()[..20], from);
                        continue;
                    }
                    Bad::WrongOrigin => r.origin = Timestamp(req.transmit.0 ^ 1),
                    Bad::Kiss(code) => {
                        r.stratum = 0;
                        r.ref_id = *code;
                    }
                    Bad::Leap3 => r.leap = 3,
                    Bad::Stratum16 => r.stratum = 16,
                    Bad::Mode3 => r.mode = 3,
                    Bad::Version7 => r.version = 7,
                    Bad::ZeroTransmit => r.transmit = Timestamp::ZERO,
                    Bad::Reversed => r.transmit = Timestamp(r.receive.0 - (1 << 30)),
                    Bad::Late => {
                        let (s, r) = (sock.try_clone().unwrap(), r.encode());
                        std::thread::spawn(move || {
                            std::thread::sleep(Duration::from_millis(700));
                            let _ = s.send_to(&r, from);
                        });
                        continue;
                    }
                    Bad::WrongPort => {
                        let other = UdpSocket::bind("127.0.0.1:0").unwrap();
                        let _ = other.send_to(&r.encode(), from);
                        continue;
                    }
                    Bad::Silent => continue,
                },
            }
            let _ = sock.send_to(&r.encode(), from);
        }
    });
    addr
}

fn deskew() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deskew"))
}

/// `deskew sync --json` with a short burst; returns the output and the parsed round.
fn sync(servers: &[SocketAddr], extra: &[&str]) -> (Output, serde_json::Value) {
    let out = deskew()
        .args([
            "sync",
            "--json",
            "--burst",
            "3",
            "--burst-spacing",
            "0.02",
            "--timeout",
            "0.3",
            "--retries",
            "1",
        ])
        .args(extra)
        .args(servers.iter().map(|s| s.to_string()))
        .output()
        .expect("run deskew sync");
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or("null").to_string();
    let v = serde_json::from_str(&first).unwrap_or_else(|e| panic!("not JSON: {first:?}: {e}"));
    (out, v)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn history(dir: &Path) -> Option<String> {
    let files: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    assert!(files.len() <= 1, "{files:?}");
    files.first().map(|f| std::fs::read_to_string(f.path()).unwrap())
}

#[test]
fn measures_a_server_ahead_and_behind_with_the_sign_true_minus_host() {
    for shift in [0, 2_500 * MS, -300 * MS] {
        let a = responder(Behaviour::Good { shift, twice: false }, false);
        let (out, v) = sync(&[a], &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        let off = v["offset"].as_f64().unwrap();
        assert!((off - shift as f64 / 1e9).abs() < 0.001, "shift {shift}: measured {off}");
        let s = &v["servers"][0];
        assert_eq!(s["status"], "ok");
        assert_eq!(s["stratum"], 3);
        assert_eq!(s["ref_id"], "192.0.2.1");
        assert_eq!(s["replies"], 3);
        assert!((s["root_delay"].as_f64().unwrap() - 0.002).abs() < 2e-5);
    }
}

#[test]
fn every_bad_reply_is_rejected_with_its_reason_and_never_recorded() {
    let cases: &[(Bad, &str)] = &[
        (Bad::Short, "malformed reply: 20 bytes"),
        (Bad::WrongOrigin, "origin timestamp differs"),
        (Bad::Kiss(b"RATE"), "kiss-o'-death RATE"),
        (Bad::Kiss(b"DENY"), "kiss-o'-death DENY"),
        (Bad::Kiss(b"RSTR"), "kiss-o'-death RSTR"),
        (Bad::Kiss(b"INIT"), "kiss-o'-death INIT"),
        (Bad::Leap3, "not synchronized (leap indicator 3)"),
        (Bad::Stratum16, "not synchronized (stratum 16)"),
        (Bad::Mode3, "mode 3, expected 4"),
        (Bad::Version7, "version 7"),
        (Bad::ZeroTransmit, "zero transmit timestamp"),
        (Bad::Reversed, "transmit < receive"),
        (Bad::Late, "no reply within 0.3 s"),
        (Bad::WrongPort, "no reply within 0.3 s"),
        (Bad::Silent, "no reply within 0.3 s"),
    ];
    for &(bad, reason) in cases {
        let dir = tempfile::tempdir().unwrap();
        let a = responder(Behaviour::Bad(bad), false);
        let (out, v) = sync(&[a], &["--record", dir.path().to_str().unwrap(), "--host", "h1"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{bad:?}: {err}");
        assert!(err.contains(reason), "{bad:?}: want {reason:?} in {err}");
        assert!(err.contains(&a.to_string()), "{bad:?}: the server is named: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(v["servers"][0]["status"], "error", "{bad:?}");
        assert!(v["offset"].is_null());
        let h = history(dir.path()).unwrap_or_default();
        assert!(h.is_empty(), "{bad:?} recorded: {h}");
    }
}

#[test]
fn a_port_nobody_listens_on_is_reported_unreachable() {
    let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (out, v) = sync(&[SocketAddr::from(([127, 0, 0, 1], port))], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("port unreachable (ICMP)"), "{}", stderr(&out));
    assert_eq!(v["servers"][0]["requests"], 1, "no retries into a closed port");
}

#[test]
fn kiss_of_death_stops_the_burst_at_once() {
    let a = responder(Behaviour::Bad(Bad::Kiss(b"DENY")), false);
    let (_, v) = sync(&[a], &[]);
    assert_eq!(v["servers"][0]["requests"], 1);
}

#[test]
fn duplicate_replies_are_used_once() {
    let a = responder(Behaviour::Good { shift: 0, twice: true }, false);
    let (out, v) = sync(&[a], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(v["servers"][0]["replies"], 3);
    assert_eq!(v["servers"][0]["requests"], 3);
}

#[test]
fn ipv6_server_in_brackets() {
    let a = responder(Behaviour::Good { shift: 40 * MS, twice: false }, true);
    assert!(a.is_ipv6());
    let (out, v) = sync(&[a], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!((v["offset"].as_f64().unwrap() - 0.040).abs() < 0.001);
    assert_eq!(v["servers"][0]["server"], a.to_string());
}

#[test]
fn a_bad_server_beside_a_good_one_is_reported_and_the_good_one_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let good = responder(Behaviour::Good { shift: 10 * MS, twice: false }, false);
    let bad = responder(Behaviour::Bad(Bad::WrongOrigin), false);
    let (out, v) =
        sync(&[good, bad], &["--record", dir.path().to_str().unwrap(), "--host", "web01"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(&bad.to_string()));
    assert_eq!(v["servers"][1]["status"], "error");
    let h = history(dir.path()).unwrap();
    assert_eq!(h.lines().count(), 1, "{h}");
    let line: serde_json::Value = serde_json::from_str(h.lines().next().unwrap()).unwrap();
    assert_eq!(line["host"], "web01");
    assert_eq!(line["server"], good.to_string());
    assert!((line["offset"].as_f64().unwrap() - 0.010).abs() < 0.001);
    assert!(line["mono_ns"].as_i64().unwrap() > 0);
    assert!(std::fs::metadata(dir.path().join("web01.jsonl")).is_ok());
}

#[test]
fn a_falseticker_among_three_is_outvoted_and_recorded_as_not_selected() {
    let dir = tempfile::tempdir().unwrap();
    let s = [
        responder(Behaviour::Good { shift: 0, twice: false }, false),
        responder(Behaviour::Good { shift: MS, twice: false }, false),
        responder(Behaviour::Good { shift: 2_500 * MS, twice: false }, false),
    ];
    let (out, v) = sync(&s, &["--record", dir.path().to_str().unwrap(), "--host", "h"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let st: Vec<&str> = (0..3).map(|i| v["servers"][i]["status"].as_str().unwrap()).collect();
    assert_eq!(st, ["ok", "ok", "falseticker"]);
    assert!(v["offset"].as_f64().unwrap().abs() < 0.002);
    let h = history(dir.path()).unwrap();
    assert_eq!(h.lines().count(), 3);
    for l in h.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let falseticker = v["server"] == s[2].to_string();
        assert_eq!(v.get("selected").is_some_and(|x| x == false), falseticker, "{l}");
    }
    // and readers leave the rejected measurement out
    assert_eq!(deskew::skew::parse(&h).samples.len(), 2);
}

#[test]
fn servers_that_all_disagree_give_no_offset_and_nothing_selected() {
    let dir = tempfile::tempdir().unwrap();
    let s = [
        responder(Behaviour::Good { shift: 0, twice: false }, false),
        responder(Behaviour::Good { shift: 2_500 * MS, twice: false }, false),
        responder(Behaviour::Good { shift: -300 * MS, twice: false }, false),
    ];
    let (out, v) = sync(&s, &["--record", dir.path().to_str().unwrap(), "--host", "h"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(v["offset"].is_null(), "{v}");
    assert_eq!(v["selected"], 0);
    for i in 0..3 {
        assert_eq!(v["servers"][i]["status"], "no majority", "{v}");
        assert_eq!(v["servers"][i]["selected"], false);
    }
    let h = history(dir.path()).unwrap();
    assert_eq!(h.lines().count(), 3);
    assert!(h.lines().all(|l| l.contains("\"selected\":false")), "{h}");
    assert!(deskew::skew::parse(&h).samples.is_empty());
    // two servers 300 ms apart: no majority either, never their mean
    let (out, v) = sync(&s[..1].iter().chain(&s[2..]).copied().collect::<Vec<_>>(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(v["offset"].is_null(), "{v}");
}

#[test]
fn text_table_names_each_column() {
    let a = responder(Behaviour::Good { shift: -300 * MS, twice: false }, false);
    let out = deskew()
        .args(["sync", "--burst", "1", "--timeout", "0.5", &a.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let t = String::from_utf8_lossy(&out.stdout);
    for col in ["server", "stratum", "offset (s)", "delay (s)", "jitter (s)", "ref id", "leap"] {
        assert!(t.lines().next().unwrap().contains(col), "{t}");
    }
    let row: Vec<&str> = t.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(row[0], a.to_string());
    let off: f64 = row[2].parse().unwrap();
    // The error of an offset is bounded by half the round trip (RFC 5905), which a loaded
    // machine stretches.
    let delay: f64 = row[3].parse().unwrap();
    assert!((off + 0.3).abs() < 0.001 + delay / 2.0, "{t}");
    assert!(t.contains("ms fast (offset -0.")); // theta < 0: the host clock is ahead
}

#[test]
fn unresolvable_and_malformed_server_names() {
    let out = deskew().args(["sync", "no-such-host.invalid"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot resolve no-such-host.invalid"), "{}", stderr(&out));
    for bad in ["host:0", "[::1", "1:2:3:zz:"] {
        let out = deskew().args(["sync", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
    }
}

#[test]
fn recording_to_a_full_disk_or_under_a_file_is_a_clear_error() {
    let a = responder(Behaviour::Good { shift: 0, twice: false }, false);
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/full", dir.path().join("h.jsonl")).unwrap();
    let (out, _) = sync(&[a], &["--record", dir.path().to_str().unwrap(), "--host", "h"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("h.jsonl") && err.contains("No space left"), "{err}");

    let under_file = dir.path().join("h.jsonl").join("dir");
    let out = deskew()
        .args(["sync", "--record", under_file.to_str().unwrap(), &a.to_string()])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains(under_file.to_str().unwrap()), "{}", stderr(&out));
}

#[test]
fn record_creates_a_missing_directory_and_its_parents_readable_on_the_first_run() {
    use std::os::unix::fs::PermissionsExt;
    let a = responder(Behaviour::Good { shift: 0, twice: false }, false);
    let top = tempfile::tempdir().unwrap();
    let new = top.path().join("var/lib/deskew");
    let (out, _) = sync(&[a], &["--record", new.to_str().unwrap(), "--host", "h"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for d in [new.as_path(), new.parent().unwrap()] {
        let mode = std::fs::metadata(d).unwrap().permissions().mode();
        assert_eq!(mode & 0o555, 0o555, "{}: {mode:o}", d.display());
    }
    assert_eq!(history(&new).unwrap().lines().count(), 1);
}

#[test]
fn recording_to_a_read_only_directory_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let a = responder(Behaviour::Good { shift: 0, twice: false }, false);
    let top = tempfile::tempdir().unwrap();
    std::fs::set_permissions(top.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let ro = top.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    // root may write anywhere: run as nobody there
    let root = effective_uid() == 0;
    let mut c = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_deskew")]);
        c
    } else {
        deskew()
    };
    let out = c
        .args(["sync", "--burst", "1", "--timeout", "0.5", "--host", "h", "--record"])
        .arg(&ro)
        .arg(a.to_string())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("h.jsonl") && err.contains("Permission denied"), "{err}");
    assert_eq!(std::fs::read_dir(&ro).unwrap().count(), 0);
}

fn effective_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    // the owner of a file this process just made is its effective uid
    let f = tempfile::NamedTempFile::new().unwrap();
    f.as_file().metadata().unwrap().uid()
}

/// Reads a history with deskew's own reader: (samples, warnings).
fn read_history(text: &str) -> (usize, Vec<(usize, String)>) {
    let h = deskew::skew::parse(text);
    (h.samples.len(), h.warnings)
}

#[test]
fn sigterm_ends_an_interval_run_cleanly() {
    let a = responder(Behaviour::Good { shift: 0, twice: false }, false);
    let dir = tempfile::tempdir().unwrap();
    let child = deskew()
        .args([
            "sync",
            "--json",
            "--burst",
            "1",
            "--timeout",
            "0.3",
            "--interval",
            "0.05",
            "--host",
            "h",
        ])
        .args(["--record", dir.path().to_str().unwrap(), &a.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let start = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(start.elapsed() < Duration::from_secs(3));
    assert_eq!(out.status.code(), Some(0));
    let rounds = String::from_utf8_lossy(&out.stdout).lines().count();
    let (n, warn) = read_history(&history(dir.path()).unwrap());
    assert!(rounds >= 3 && n == rounds, "{rounds} rounds, {n} samples");
    assert!(warn.is_empty(), "{warn:?}");
}

#[test]
fn count_stops_after_n_rounds() {
    let a = responder(Behaviour::Good { shift: 0, twice: false }, false);
    let out = deskew()
        .args([
            "sync",
            "--json",
            "--burst",
            "1",
            "--interval",
            "0.01",
            "--count",
            "3",
            &a.to_string(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
}

#[test]
fn kill_9_during_interval_record_leaves_a_history_that_reads_whole() {
    let a = responder(Behaviour::Good { shift: 1_500 * MS, twice: false }, false);
    let b = responder(Behaviour::Good { shift: 1_500 * MS, twice: false }, false);
    let dir = tempfile::tempdir().unwrap();
    // a line torn by some older writer's crash: skipped with a warning, the rest still read
    std::fs::write(dir.path().join("h.jsonl"), "{\"time\":\"2026-11-23T1").unwrap();
    for i in 0..12 {
        let mut child = deskew()
            .args(["sync", "--burst", "1", "--timeout", "0.3", "--interval", "0.01", "--host", "h"])
            .args(["--record", dir.path().to_str().unwrap(), &a.to_string(), &b.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(150 + 37 * i));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }
    let text = history(dir.path()).unwrap();
    let (n, warn) = read_history(&text);
    assert!(n >= 12, "only {n} samples");
    assert_eq!(warn.len(), 1, "only the old torn line: {warn:?}");
    assert_eq!(warn[0].0, 1);
    assert_eq!(text.lines().count(), n + 1);
    // and merge --offsets takes it whole, correcting by +1.5 s
    let log = dir.path().join("app.log");
    std::fs::write(&log, "2026-11-23T12:00:00Z h app: hello\n").unwrap();
    let out = deskew()
        .args(["merge", "--no-progress", "--host", "h", "--offsets"])
        .arg(dir.path().join("h.jsonl"))
        .arg(&log)
        .output()
        .unwrap();
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.starts_with("2026-11-23T12:00:01.5"), "{t}\n{}", stderr(&out));
}

const YEAR: i64 = 365 * 86_400 * 1_000_000_000;

#[test]
fn servers_years_off_are_implausible_warned_and_recorded_as_not_selected() {
    let dir = tempfile::tempdir().unwrap();
    let s = [
        responder(Behaviour::Good { shift: 0, twice: false }, false),
        responder(Behaviour::Good { shift: 14 * YEAR, twice: false }, false),
        responder(Behaviour::Good { shift: -50 * YEAR, twice: false }, false),
    ];
    let (out, v) = sync(&s, &["--record", dir.path().to_str().unwrap(), "--host", "h"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let st: Vec<&str> = (0..3).map(|i| v["servers"][i]["status"].as_str().unwrap()).collect();
    assert_eq!(st, ["ok", "implausible", "implausible"], "{v}");
    assert!(v["offset"].as_f64().unwrap().abs() < 0.5, "{v}");
    let err = stderr(&out);
    for (addr, secs) in [(s[1], "+44150400"), (s[2], "-157680000")] {
        let line = err.lines().find(|l| l.contains(&addr.to_string())).unwrap_or_else(|| {
            panic!("no warning naming {addr}: {err}");
        });
        assert!(line.contains(secs) && line.contains("--max-offset"), "{line}");
    }
    let h = history(dir.path()).unwrap();
    assert_eq!(h.lines().count(), 3);
    for l in h.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let far = v["server"] != s[0].to_string();
        assert_eq!(v.get("selected").is_some_and(|x| x == false), far, "{l}");
    }
    assert_eq!(deskew::skew::parse(&h).samples.len(), 1);
}

#[test]
fn one_server_alone_years_off_gives_no_offset_unless_max_offset_allows_it() {
    let far = responder(Behaviour::Good { shift: 14 * YEAR, twice: false }, false);
    let (out, v) = sync(&[far], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(v["offset"].is_null(), "{v}");
    assert_eq!(v["servers"][0]["status"], "implausible");
    let (out, v) = sync(&[far], &["--max-offset", "1e9"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(v["servers"][0]["status"], "ok", "{v}");
    // an hour off (an RTC kept in local time) is what deskew measures: plausible by default
    let hour = responder(Behaviour::Good { shift: 3600 * 1_000_000_000, twice: false }, false);
    let (out, v) = sync(&[hour], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!((v["offset"].as_f64().unwrap() - 3600.0).abs() < 0.5, "{v}");
}

#[test]
fn impossible_option_values_are_usage_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let cases: &[&[&str]] = &[
        &["--host", "", "--record", d],
        &["--host", ".hidden", "--record", d],
        &["--host", "a/b", "--record", d],
        &["--host", "a\nb", "--record", d],
        &["--interval", "1", "--count", "0"],
        &["--retries", "65"],
        &["--retries", "-1"],
        &["--burst", "0"],
        &["--burst", "65"],
        &["--timeout", "0"],
        &["--timeout", "nan"],
        &["--burst-spacing", "-1"],
        &["--interval", "0"],
        &["--interval", "1e300"],
        &["--max-offset", "0"],
        &["--max-offset", "-5"],
        &["--max-offset", "inf"],
        &["--record", ""],
        &["--prometheus", ""],
        &["--check", "-w", "-1", "-c", "1"],
    ];
    for args in cases {
        let out = deskew().arg("sync").args(*args).arg("127.0.0.1:9").output().unwrap();
        let want = if args.contains(&"--check") { 3 } else { 2 };
        assert_eq!(out.status.code(), Some(want), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).trim().is_empty(), "{args:?}: no reason given");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{args:?}");
    }
    let out = deskew().args(["sync", ""]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
