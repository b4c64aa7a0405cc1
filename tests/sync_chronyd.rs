//! `deskew sync` against REAL chronyd servers on loopback, compared with `chronyd -Q`.
//!
//! `tests/chrony/servers.sh` starts, on 127.0.0.1 only, three chronyd servers: one serving the
//! system clock, one under libfaketime 2.5 s ahead, and a relay of the first with `offset
//! -0.3` (0.3 s behind). All run with `-x` (never control the system clock) and without
//! cap_sys_time, and are stopped by the PIDs of their pid files. It measures each with
//! `deskew sync --json` and with `chronyd -Q` (which prints "System clock wrong by X", X =
//! true - local, and never sets the clock).
//!
//! Needs root (or passwordless sudo) and, on Debian: `apt-get install -y chrony faketime libcap2-bin`.

use std::path::Path;

use crate::util as common;

/// X of chronyd -Q's "System clock wrong by X seconds (ignored)".
fn chronyd_q(text: &str) -> Option<f64> {
    let rest = text.split("System clock wrong by ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

#[test]
fn real_chronyd_true_ahead_2_5s_and_behind_0_3s_alone_within_1ms_split_vote_none_outvoted_honest() {
    common::need_chrony_tools();
    let dir = tempfile::tempdir().expect("tempdir");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/chrony/servers.sh");
    let out = common::root_shell()
        .arg(&script)
        .arg(dir.path())
        .arg(env!("CARGO_BIN_EXE_deskew"))
        .args(
            [
                common::free_udp_port(),
                common::free_udp_port(),
                common::free_udp_port(),
                common::free_udp_port(),
            ]
            .map(|p| p.to_string()),
        )
        .output()
        .expect("run tests/chrony/servers.sh");
    common::assert_ran(&script, &out);

    for (name, want) in [("true", 0.0), ("ahead", 2.5), ("behind", -0.3)] {
        let read = |ext: &str| {
            std::fs::read_to_string(dir.path().join("out").join(format!("{name}.{ext}")))
                .unwrap_or_else(|e| panic!("{name}.{ext}: {e}"))
        };
        let json = read("json");
        let v: serde_json::Value = serde_json::from_str(json.trim()).expect("sync --json");
        let s = &v["servers"][0];
        assert_eq!(s["status"], "ok", "{name}: {json}");
        let ours = v["offset"].as_f64().unwrap();
        assert!((ours - want).abs() < 0.001, "{name}: deskew sync measured {ours}, want {want}");
        // the report compares with chronyd's own client on the same server in the same run
        let q = read("chronyd");
        let theirs = chronyd_q(&q).unwrap_or_else(|| panic!("{name}: chronyd -Q said {q}"));
        eprintln!(
            "{name}: deskew sync {ours:+.6} s (delay {:.6} s, stratum {}), chronyd -Q {theirs:+.6} s",
            s["delay"].as_f64().unwrap(),
            s["stratum"]
        );
        assert!((ours - theirs).abs() < 0.001, "{name}: deskew {ours} vs chronyd -Q {theirs}");
    }

    // together they disagree: no majority, no offset, exit 1, nothing recorded as selected
    let read = |f: &str| std::fs::read_to_string(dir.path().join("out").join(f)).unwrap();
    let split: serde_json::Value = serde_json::from_str(read("split.json").trim()).unwrap();
    assert_eq!(read("split.rc").trim(), "1", "{split}");
    assert!(split["offset"].is_null(), "{split}");
    for i in 0..3 {
        assert_eq!(split["servers"][i]["status"], "no majority", "{split}");
    }
    let h = read("split/split.jsonl");
    assert_eq!(h.lines().count(), 3, "{h}");
    assert!(h.lines().all(|l| l.contains("\"selected\":false")), "{h}");
    assert!(deskew::skew::parse(&h).samples.is_empty());
    // two honest servers outvote the one 2.5 s ahead: the honest offset within 1 ms
    let out: serde_json::Value = serde_json::from_str(read("outvoted.json").trim()).unwrap();
    assert_eq!(read("outvoted.rc").trim(), "0", "{out}");
    let st: Vec<&str> = (0..3).map(|i| out["servers"][i]["status"].as_str().unwrap()).collect();
    assert_eq!(st, ["ok", "ok", "falseticker"], "{out}");
    let off = out["offset"].as_f64().unwrap();
    assert!(off.abs() < 0.001, "two honest and a falseticker gave {off}");
    eprintln!("split vote: no offset; outvoted falseticker: {off:+.6} s");

    // alone, `deskew sync --check` and check_ntp_time agree on state and offset
    crate::monitoring::need_check_ntp_time();
    let perf_offset = |line: &str| -> f64 {
        let v =
            line.split("offset=").nth(1).unwrap_or_else(|| panic!("no offset perfdata: {line}"));
        v.split('s').next().unwrap().parse().unwrap()
    };
    for (name, rc) in [("true", "0"), ("ahead", "2"), ("behind", "1")] {
        let ours = read(&format!("{name}.check"));
        let theirs = read(&format!("{name}.ntp_time"));
        assert_eq!(ours.lines().count(), 1, "{ours}");
        assert_eq!(read(&format!("{name}.check.rc")).trim(), rc, "{name}: {ours}");
        assert_eq!(read(&format!("{name}.ntp_time.rc")).trim(), rc, "{name}: {theirs}");
        let state = |l: &str| l.split(':').next().unwrap().to_string();
        assert_eq!(state(&ours), state(&theirs), "{ours} vs {theirs}");
        let (a, b) = (perf_offset(&ours), perf_offset(&theirs));
        assert!((a - b).abs() < 0.001, "{name}: deskew {a} vs check_ntp_time {b}");
        eprintln!("{name}: {} | check_ntp_time: {}", ours.trim(), theirs.trim());
        crate::monitoring::assert_valid_metrics(&read(&format!("{name}.prom")));
    }

    // docs/time-sync.md, every command run as written (servers and paths moved to the test's)
    let g = dir.path().join("guide/out");
    let mut n = 0;
    while g.join(format!("{}.cmd", n + 1)).exists() {
        n += 1;
        let f = |ext: &str| std::fs::read_to_string(g.join(format!("{n}.{ext}"))).unwrap();
        assert_eq!(
            f("rc").trim(),
            "0",
            "guide command {n}: {}\n{}{}",
            f("cmd"),
            f("out"),
            f("err")
        );
    }
    assert_eq!(n, 9, "the guide's commands");
    for p in ["deskew-sync.prom", "deskew-offsets.prom"] {
        let text = std::fs::read_to_string(dir.path().join("guide/textfile").join(p)).unwrap();
        crate::monitoring::assert_valid_metrics(&text);
    }
    // the merged timeline holds the incident's line
    let merged = std::fs::read_to_string(g.join("9.out")).unwrap();
    assert!(merged.contains("the incident"), "{merged}");
}
