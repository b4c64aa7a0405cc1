//! What the integration tests share: the binary, the test data, and for the tests that start
//! a real chronyd the tools they need, a free port, and a shell that may start a daemon (chronyd runs as root only; always with -x and without
//! cap_sys_time in the scripts, so it never touches the clock).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The deskew binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deskew"))
}

/// Run the binary with `args`, `input` written to its stdin (from a thread, so that a
/// large input cannot block on a full output pipe).
pub fn run_stdin(args: &[&str], input: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut c = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start deskew");
    let mut sin = c.stdin.take().unwrap();
    let data = input.to_vec();
    let t = std::thread::spawn(move || {
        let _ = sin.write_all(&data);
    });
    let out = c.wait_with_output().unwrap();
    t.join().unwrap();
    out
}

/// Lines joined into a file's bytes: each line ends with CRLF where its flag says so, else
/// LF; the last line only when `final_newline`.
pub fn join_lines(lines: Vec<(Vec<u8>, bool)>, final_newline: bool) -> Vec<u8> {
    let n = lines.len();
    let mut out = Vec::new();
    for (i, (l, crlf)) in lines.into_iter().enumerate() {
        out.extend_from_slice(&l);
        if i + 1 < n || final_newline {
            out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
    }
    out
}

/// Peak resident memory of process `pid` in KiB, watched until it exits (VmHWM from /proc:
/// the child's own, unlike wait4's ru_maxrss, which a child inherits from a large parent).
pub fn watch_peak_rss(pid: u32) -> std::thread::JoinHandle<i64> {
    std::thread::spawn(move || {
        let mut peak = 0;
        while let Some(kib) =
            std::fs::read_to_string(format!("/proc/{pid}/status")).ok().and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
            })
        {
            peak = peak.max(kib);
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        peak
    })
}

/// A path below `testdata/`.
pub fn testdata(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(p)
}

fn have(tool: &str) -> bool {
    ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/bin", "/usr/local/sbin"]
        .iter()
        .map(|d| Path::new(d).join(tool))
        .chain(
            std::env::var_os("PATH").iter().flat_map(std::env::split_paths).map(|d| d.join(tool)),
        )
        .any(|p| p.is_file())
}

/// Fails the test, saying what to install, when chronyd, faketime or capsh is missing.
pub fn need_chrony_tools() {
    let missing: Vec<&str> =
        ["chronyd", "faketime", "capsh"].into_iter().filter(|t| !have(t)).collect();
    assert!(
        missing.is_empty(),
        "{missing:?} not installed: run `apt-get install -y chrony faketime libcap2-bin` (Debian/Ubuntu) to run this test"
    );
}

/// Fails the test with the script's stderr when it did not succeed.
pub fn assert_ran(script: &Path, out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{} failed ({}):\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn free_udp_port() -> u16 {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    s.local_addr().unwrap().port()
}

/// `bash` as root: directly when the tests run as root, else through passwordless sudo (CI).
pub fn root_shell() -> Command {
    let uid = Command::new("id").arg("-u").output().expect("id -u");
    if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
        return Command::new("bash");
    }
    let sudo = Command::new("sudo").args(["-n", "true"]).status();
    assert!(
        sudo.is_ok_and(|s| s.success()),
        "chronyd must be started as root (here with -x and without cap_sys_time: it never touches the clock); run the tests as root or with passwordless sudo"
    );
    let mut c = Command::new("sudo");
    c.args(["-n", "bash"]);
    c
}

/// README's first command (the demo, zones and histories given), with `extra` options.
pub fn demo(extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_deskew"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("TZ")
        .args(["merge", "--year", "2026", "--offsets", "testdata/demo/offsets"])
        .args(["--host-tz", "lb01=America/New_York", "--host-tz", "web01=Europe/Berlin"])
        .args(["--host-tz", "db01=America/Los_Angeles", "--no-progress", "-q"])
        .args(extra)
        .arg("testdata/demo/logs")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run deskew")
}
