//! Output for aggregators, end to end on the demo: timestamps that sort as text, `ts_ns`,
//! `severity` and `--level`, ECS keys, OTLP/JSON parsed by the official protobuf schema
//! (`opentelemetry-proto` from PyPI, in the venv scripts/test.sh makes), and RFC 5424 sent
//! over TCP and UDP to a real rsyslog and a real syslog-ng started here (own config, work dir
//! and loopback port, stopped by PID).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::demo;

fn lines(out: &Output) -> Vec<Value> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

fn nanos(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
        .timestamp_nanos_opt()
        .unwrap()
}

fn assert_sorted_fixed_width(what: &str, ts: &[&str]) {
    assert!(!ts.is_empty(), "{what}: no timestamps");
    let w = ts[0].len();
    assert!(ts.iter().all(|t| t.len() == w), "{what}: widths differ");
    let mut sorted = ts.to_vec();
    sorted.sort();
    assert_eq!(sorted, ts, "{what}: text order is not output order");
}

#[test]
fn every_precision_writes_timestamps_that_sort_as_text_and_ts_ns_equals_ts() {
    for (p, width) in [("s", 20), ("ms", 24), ("us", 27), ("ns", 30)] {
        let recs = lines(&demo(&["--output-format", "jsonl", "--precision", p]));
        let ts: Vec<&str> = recs.iter().filter_map(|r| r["ts"].as_str()).collect();
        assert_eq!(ts[0].len(), width, "--precision {p}");
        assert_sorted_fixed_width(&format!("jsonl --precision {p}"), &ts);
        for r in recs.iter().filter(|r| r["ts"].is_string()) {
            assert_eq!(r["ts_ns"].as_i64().unwrap(), nanos(r["ts"].as_str().unwrap()), "{r}");
        }
        let text = demo(&["--precision", p]);
        let text = String::from_utf8(text.stdout).unwrap();
        // Continuation lines start with what they start with; record lines with the stamp.
        let ts: Vec<&str> = text
            .lines()
            .filter_map(|l| l.get(..width).filter(|t| t.ends_with('Z') && t.starts_with("20")))
            .collect();
        assert_eq!(ts.len(), recs.len(), "text --precision {p}");
        assert_sorted_fixed_width(&format!("text --precision {p}"), &ts);
    }
}

#[test]
fn the_default_precision_is_nanoseconds() {
    let recs = lines(&demo(&["--output-format", "jsonl"]));
    assert!(recs.iter().filter_map(|r| r["ts"].as_str()).all(|t| t.len() == 30));
}

#[test]
fn level_error_keeps_the_20_error_class_records_of_the_demo() {
    let all = lines(&demo(&["--output-format", "jsonl"]));
    // Counted here from the levels as written, independently of the severity table.
    let error_class = ["error", "ERROR", "FATAL", "CRITICAL", "fatal", "PANIC", "crit", "alert"];
    let want: Vec<&Value> =
        all.iter().filter(|r| error_class.contains(&r["level"].as_str().unwrap_or(""))).collect();
    assert_eq!(want.len(), 20);
    let got = lines(&demo(&["--output-format", "jsonl", "--level", "error"]));
    assert_eq!(got.len(), 20);
    let key = |r: &Value| (r["source"].to_string(), r["line"].as_u64());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(key(g), key(w));
        assert!(["error", "fatal"].contains(&g["severity"].as_str().unwrap()));
        assert!(g["severity_number"].as_u64().unwrap() >= 17);
    }
    // Every record with a level of the demo has a severity; `level` stays as written.
    for r in all.iter().filter(|r| r["level"].is_string()) {
        assert!(r["severity"].is_string(), "no severity for {r}");
    }
    assert!(all.iter().any(|r| r["level"] == "LOG" && r["severity"] == "info"));
    let warn = lines(&demo(&["--output-format", "jsonl", "--level", "WARNING"]));
    assert!(warn.len() > 20 && warn.len() < all.len());
}

#[test]
fn a_level_that_names_no_severity_is_a_usage_error() {
    let out = demo(&["--level", "loud"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--level"));
}

#[test]
fn ecs_lines_carry_the_ecs_keys_and_all_nine_digits() {
    let jsonl = lines(&demo(&["--output-format", "jsonl", "--precision", "ns"]));
    let ecs = lines(&demo(&["--output-format", "ecs"]));
    assert_eq!(ecs.len(), jsonl.len());
    let ts: Vec<&str> = ecs.iter().filter_map(|r| r["@timestamp"].as_str()).collect();
    assert_eq!(ts[0].len(), 30);
    assert_sorted_fixed_width("ecs", &ts);
    for (i, (e, j)) in ecs.iter().zip(&jsonl).enumerate() {
        assert_eq!(e["@timestamp"], j["ts"]);
        assert_eq!(e["message"], j["msg"]);
        assert_eq!(e["event"]["original"], j["msg"]);
        assert_eq!(e["event"]["sequence"], i as u64);
        assert_eq!(e["host"]["name"], j["host"]);
        assert_eq!(e["log"]["file"]["path"], j["source"]);
        assert_eq!(e["log"]["level"], j["level"]);
        assert_eq!(e["deskew"]["raw_ts"], j["raw_ts"]);
        assert_eq!(e["deskew"]["offset"], j["offset"]);
        assert_eq!(e["deskew"]["line"], j["line"]);
        assert_eq!(e["ecs"]["version"], "8.11.0");
    }
    // The demo's corrected host shows its correction.
    assert!(ecs.iter().any(|e| e["host"]["name"] == "worker01" && e["deskew"]["offset"] != 0));
}

/// The venv python with opentelemetry-proto (scripts/test.sh installs it).
fn otel_python() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let p = Path::new(&home).join(".cache/deskew-test/venv/bin/python");
    let ok = Command::new(&p)
        .args(["-c", "import opentelemetry.proto.collector.logs.v1.logs_service_pb2"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(p)
}

fn missing(what: &str) {
    let msg = format!("{what} not installed: run `bash scripts/test.sh` to install it");
    assert!(std::env::var_os("CI").is_none(), "{msg}");
    eprintln!("SKIPPED: {msg}");
}

const PARSE_OTLP: &str = r#"
import json, sys
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
for line in open(sys.argv[1]):
    req = json_format.Parse(line, ExportLogsServiceRequest())  # unknown fields are errors
    for rl in req.resource_logs:
        host = {a.key: a.value.string_value for a in rl.resource.attributes}["host.name"]
        for sl in rl.scope_logs:
            for r in sl.log_records:
                print(json.dumps({"host": host, "scope": sl.scope.name,
                    "time": r.time_unix_nano, "observed": r.observed_time_unix_nano,
                    "sev": r.severity_number, "sev_text": r.severity_text,
                    "body": r.body.string_value,
                    "attrs": {a.key: json_format.MessageToDict(a.value) for a in r.attributes}}))
"#;

#[test]
fn otlp_lines_parse_with_the_official_protobuf_schema() {
    let Some(py) = otel_python() else { return missing("opentelemetry-proto (PyPI)") };
    let dir = tempfile::tempdir().unwrap();
    let out = demo(&["--output-format", "otlp"]);
    assert!(out.status.success());
    let file = dir.path().join("logs.otlp.jsonl");
    std::fs::write(&file, &out.stdout).unwrap();
    let script = dir.path().join("parse.py");
    std::fs::write(&script, PARSE_OTLP).unwrap();
    let parsed = Command::new(py).arg(&script).arg(&file).output().unwrap();
    assert!(parsed.status.success(), "{}", String::from_utf8_lossy(&parsed.stderr));
    let got: Vec<Value> = String::from_utf8_lossy(&parsed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let jsonl = lines(&demo(&["--output-format", "jsonl", "--precision", "ns"]));
    assert_eq!(got.len(), jsonl.len(), "one log record per record");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), jsonl.len());
    let mut last = 0;
    for (o, j) in got.iter().zip(&jsonl) {
        let t = o["time"].as_u64().unwrap();
        assert_eq!(t as i64, j["ts_ns"].as_i64().unwrap());
        assert!(t >= last, "timeUnixNano goes back");
        last = t;
        assert!(o["observed"].as_u64().unwrap() > 0);
        assert_eq!(o["host"], j["host"]);
        assert_eq!(o["scope"], "deskew");
        assert_eq!(o["body"], j["msg"]);
        assert_eq!(o["sev"], j["severity_number"].as_u64().unwrap_or(0));
        assert_eq!(o["sev_text"], j["level"].as_str().unwrap_or(""));
        assert_eq!(o["attrs"]["log.file.path"]["stringValue"], j["source"]);
        assert_eq!(o["attrs"]["deskew.raw_ts"]["stringValue"], j["raw_ts"]);
        assert_eq!(o["attrs"]["deskew.offset"]["doubleValue"].as_f64(), j["offset"].as_f64());
        assert_eq!(o["attrs"]["deskew.line"]["intValue"], j["line"].to_string());
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A real syslog daemon (rsyslogd or syslog-ng) on loopback, with its own config and work
/// dir, writing each message it parsed as a JSON object; killed (by PID) on drop.
struct Syslogd {
    child: std::process::Child,
    out: PathBuf,
    tcp: u16,
    udp: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Syslogd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rsyslogd() -> Option<PathBuf> {
    ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"].iter().map(PathBuf::from).find(|p| p.is_file())
}

/// syslog-ng: installed, or else unpacked by scripts/test.sh under ~/.cache (Debian's
/// syslog-ng-core conflicts with rsyslog); then the command is told where its library and
/// modules lie. A maker of the command, as it is run twice (`--version`, then the daemon).
fn syslog_ng() -> Option<impl Fn() -> Command> {
    let installed =
        ["/usr/sbin/syslog-ng", "/sbin/syslog-ng"].iter().find(|p| Path::new(p).is_file());
    let (bin, unpacked) = match installed {
        Some(p) => (PathBuf::from(p), None),
        None => {
            let home = std::env::var_os("HOME")?;
            let root = Path::new(&home).join(".cache/deskew-test/syslog-ng");
            let lib = root.join("usr/lib/syslog-ng");
            // The modules lie in a directory named for the version (`3.38`).
            let modules =
                std::fs::read_dir(&lib).ok()?.flatten().map(|e| e.path()).find(|p| p.is_dir())?;
            (root.join("usr/sbin/syslog-ng"), Some((lib, modules)))
        }
    };
    Some(move || {
        let mut cmd = Command::new(&bin);
        if let Some((lib, modules)) = &unpacked {
            cmd.env("LD_LIBRARY_PATH", lib).arg(format!("--module-path={}", modules.display()));
        }
        cmd
    })
}

impl Syslogd {
    fn rsyslog(bin: &Path) -> Syslogd {
        let dir = tempfile::tempdir().unwrap();
        let (tcp, udp) = (free_port(), free_port());
        let out = dir.path().join("received.jsonl");
        let work = dir.path().join("work");
        std::fs::create_dir(&work).unwrap();
        // Each message as a JSON object of what rsyslog parsed: the time it read from the
        // header (RFC 3339), the hostname, app, procid, structured data and message.
        let conf = format!(
            r#"global(workDirectory="{work}" maxMessageSize="256k"
       parser.escapeControlCharactersOnReceive="off")
module(load="imtcp")
module(load="imudp")
template(name="seen" type="list") {{
  constant(value="{{\"time\":\"") property(name="timereported" dateFormat="rfc3339")
  constant(value="\",\"host\":\"") property(name="hostname" format="json")
  constant(value="\",\"app\":\"") property(name="app-name" format="json")
  constant(value="\",\"procid\":\"") property(name="procid" format="json")
  constant(value="\",\"sd\":\"") property(name="structured-data" format="json")
  constant(value="\",\"msg\":\"") property(name="msg" format="json")
  constant(value="\"}}\n")
}}
ruleset(name="in") {{ action(type="omfile" file="{out}" template="seen") }}
input(type="imtcp" address="127.0.0.1" port="{tcp}" ruleset="in")
input(type="imudp" address="127.0.0.1" port="{udp}" ruleset="in")
"#,
            work = work.display(),
            out = out.display(),
        );
        let conf_path = dir.path().join("rsyslog.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let pid = dir.path().join("rsyslogd.pid");
        let mut cmd = Command::new(bin);
        cmd.arg("-n").arg("-f").arg(&conf_path).arg("-i").arg(&pid);
        Syslogd::start(cmd, out, tcp, udp, dir)
    }

    /// syslog-ng with its RFC 5424 (`syslog()`) source on TCP (octet counting) and UDP. The
    /// time written is the message's own (`S_ISODATE`), to the microsecond, in UTC.
    fn syslog_ng(make: impl Fn() -> Command) -> Syslogd {
        let dir = tempfile::tempdir().unwrap();
        let (tcp, udp) = (free_port(), free_port());
        let out = dir.path().join("received.jsonl");
        // The config's version is the one this build speaks: no warning, no compat mode.
        let v = make().arg("--version").output().expect("syslog-ng --version");
        let v = String::from_utf8_lossy(&v.stdout);
        let version = v
            .lines()
            .find_map(|l| l.strip_prefix("Config version: "))
            .expect("syslog-ng names its config version")
            .trim()
            .to_string();
        let conf = format!(
            r#"@version: {version}
options {{ keep-hostname(yes); chain-hostnames(no); use-dns(no); dns-cache(no); use-fqdn(no);
  keep-timestamp(yes); frac-digits(6); log-msg-size(262144); stats-freq(0); }};
source s_in {{
  syslog(ip("127.0.0.1") port({tcp}) transport("tcp"));
  syslog(ip("127.0.0.1") port({udp}) transport("udp"));
}};
destination d_out {{
  file("{out}" time-zone("UTC") template("$(format-json time=${{S_ISODATE}} host=${{HOST}}
    app=${{PROGRAM}} procid=${{PID}} sd=${{SDATA}} msg=${{MESSAGE}})\n"));
}};
log {{ source(s_in); destination(d_out); }};
"#,
            out = out.display(),
        );
        let conf_path = dir.path().join("syslog-ng.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let mut cmd = make();
        cmd.arg("-F").arg("--no-caps").arg("-f").arg(&conf_path);
        for (flag, name) in [("-R", "persist"), ("-c", "ctl"), ("-p", "pid")] {
            cmd.arg(flag).arg(dir.path().join(name));
        }
        Syslogd::start(cmd, out, tcp, udp, dir)
    }

    /// Start `cmd` (in the foreground, its own files in `dir`); ready when it accepts on
    /// the TCP port (both daemons open their inputs before either runs).
    fn start(
        mut cmd: Command,
        out: PathBuf,
        tcp: u16,
        udp: u16,
        dir: tempfile::TempDir,
    ) -> Syslogd {
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
        let mut r = Syslogd { child, out, tcp, udp, _dir: dir };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", tcp)).is_err() {
            if let Ok(Some(status)) = r.child.try_wait() {
                panic!("{cmd:?} exited at start: {status}");
            }
            assert!(start.elapsed() < Duration::from_secs(20), "{cmd:?} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        r
    }

    /// What it wrote, once `n` messages are in (or 20 s passed).
    fn received(&self, n: usize) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let text = std::fs::read_to_string(&self.out).unwrap_or_default();
            if text.lines().count() >= n || start.elapsed() > Duration::from_secs(20) {
                // A moment more, to see any message sent twice.
                std::thread::sleep(Duration::from_millis(300));
                let text = std::fs::read_to_string(&self.out).unwrap_or_default();
                return text
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
                    .collect();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn check_got_the_demo(url: &str, r: &Syslogd) {
    let sent = demo(&["-o", url]);
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    // RFC 5424 carries at most 6 fraction digits: compare with the same precision.
    let want = lines(&demo(&["--output-format", "jsonl", "--precision", "us"]));
    let got = r.received(want.len());
    assert_eq!(got.len(), want.len(), "every record arrives, once");
    // Records as (host, text): each arrives exactly once, with the daemon's parsed time
    // equal to the corrected time (to the microsecond) and its hostname the record's host.
    let mut expect: HashMap<(String, String), Vec<i64>> = HashMap::new();
    for w in &want {
        let key = (w["host"].as_str().unwrap().into(), w["msg"].as_str().unwrap().into());
        expect.entry(key).or_default().push(w["ts_ns"].as_i64().unwrap());
    }
    for g in &got {
        let key = (g["host"].as_str().unwrap().to_string(), g["msg"].as_str().unwrap().to_string());
        let times = expect.get_mut(&key).unwrap_or_else(|| panic!("unexpected message {g}"));
        let t = nanos(g["time"].as_str().unwrap());
        let i = times.iter().position(|&w| w == t).unwrap_or_else(|| {
            panic!("{g}: the daemon's time {t} is none of the corrected times {times:?}")
        });
        times.remove(i);
        let sd = g["sd"].as_str().unwrap();
        assert!(sd.contains("[timeQuality tzKnown=\"1\""), "{sd}");
        assert!(sd.contains("[deskew@32473 raw_ts=\""), "{sd}");
    }
    assert!(expect.values().all(Vec::is_empty));
    // The corrected host's correction travels in the private element; haproxy's tag is the app.
    assert!(got
        .iter()
        .any(|g| g["host"] == "worker01" && g["sd"].as_str().unwrap().contains("isSynced=\"1\"")));
    assert!(got.iter().any(|g| g["app"] == "haproxy" && g["procid"] == "2201"));
}

#[test]
fn rfc5424_over_tcp_reaches_a_real_rsyslog_whole_with_corrected_time_and_host() {
    let Some(bin) = rsyslogd() else { return missing("rsyslog (Debian package)") };
    let r = Syslogd::rsyslog(&bin);
    check_got_the_demo(&format!("tcp://127.0.0.1:{}", r.tcp), &r);
}

#[test]
fn rfc5424_over_udp_reaches_a_real_rsyslog_whole_with_corrected_time_and_host() {
    let Some(bin) = rsyslogd() else { return missing("rsyslog (Debian package)") };
    let r = Syslogd::rsyslog(&bin);
    check_got_the_demo(&format!("udp://127.0.0.1:{}", r.udp), &r);
}

#[test]
fn rfc5424_over_tcp_reaches_a_real_syslog_ng_whole_with_corrected_time_and_host() {
    let Some(make) = syslog_ng() else { return missing("syslog-ng (Debian syslog-ng-core)") };
    let r = Syslogd::syslog_ng(make);
    check_got_the_demo(&format!("tcp://127.0.0.1:{}", r.tcp), &r);
}

#[test]
fn rfc5424_over_udp_reaches_a_real_syslog_ng_whole_with_corrected_time_and_host() {
    let Some(make) = syslog_ng() else { return missing("syslog-ng (Debian syslog-ng-core)") };
    let r = Syslogd::syslog_ng(make);
    check_got_the_demo(&format!("udp://127.0.0.1:{}", r.udp), &r);
}

#[test]
fn a_refused_connection_is_a_clear_error_and_exit_1() {
    let port = free_port();
    let out = demo(&["-o", &format!("tcp://127.0.0.1:{port}")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("tcp://127.0.0.1:{port}: cannot connect")), "{err}");
}

#[test]
fn a_receiver_that_drops_the_connection_is_an_error_and_exit_1_not_a_hang() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    // Reads a little, then closes.
    let t = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut b = [0u8; 100];
        let _ = s.read(&mut b);
    });
    let out = demo(&["-o", &format!("tcp://127.0.0.1:{port}")]);
    t.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the receiver closed the connection"), "{err}");
}

#[test]
fn udp_takes_rfc5424_only_and_tcp_carries_any_format_as_lines() {
    let out = demo(&["--output-format", "jsonl", "-o", "udp://127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(2));
    // JSON lines over TCP: newline-delimited, as Vector's and Logstash's socket inputs take.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let t = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut v = Vec::new();
        s.read_to_end(&mut v).unwrap();
        v
    });
    let out = demo(&["--output-format", "jsonl", "-o", &format!("tcp://127.0.0.1:{port}")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got = t.join().unwrap();
    let want = demo(&["--output-format", "jsonl"]).stdout;
    assert_eq!(got, want);
    let _ = UdpSocket::bind("127.0.0.1:0");
    let _ = std::io::stdout().flush();
}
