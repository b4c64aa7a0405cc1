//! `--output-format parquet` and `--files-from`, with the real binary on testdata/demo: the
//! Parquet read back with the parquet crate's reader, record for record against JSONL.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ::parquet::file::reader::SerializedFileReader;
use ::parquet::record::Field;

fn demo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo").join(p).display().to_string()
}

fn merge(extra: &[&str]) -> Output {
    let mut args = vec!["merge", "-q", "--no-progress", "--year", "2026"];
    let offsets = demo("offsets");
    args.extend(["--offsets", &offsets, "--host-tz", "lb01=America/New_York"]);
    args.extend(["--host-tz", "web01=Europe/Berlin", "--host-tz", "db01=America/Los_Angeles"]);
    args.extend(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_deskew")).args(&args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn jsonl(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Rows as (column name, value) lists, in file order.
fn rows(path: &Path) -> Vec<Vec<(String, Field)>> {
    let r = SerializedFileReader::try_from(std::fs::File::open(path).unwrap()).unwrap();
    r.into_iter()
        .map(|row| row.unwrap().get_column_iter().map(|(n, f)| (n.clone(), f.clone())).collect())
        .collect()
}

fn get<'a>(row: &'a [(String, Field)], name: &str) -> &'a Field {
    &row.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no column {name}")).1
}

fn rfc3339_to_ns(s: &str) -> i64 {
    let t = chrono::DateTime::parse_from_rfc3339(s).unwrap();
    t.timestamp() * 1_000_000_000 + t.timestamp_subsec_nanos() as i64
}

#[test]
fn parquet_file_holds_the_jsonl_records_in_the_same_order_with_typed_columns() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("t.parquet");
    merge(&["--output-format", "parquet", "-o", pq.to_str().unwrap(), &demo("logs")]);
    let want = jsonl(&merge(&["--output-format", "jsonl", &demo("logs")]));
    let got = rows(&pq);
    assert_eq!(got.len(), want.len());
    assert!(!got.is_empty());
    for (i, (r, j)) in got.iter().zip(&want).enumerate() {
        assert_eq!(get(r, "seq"), &Field::Long(i as i64));
        assert_eq!(get(r, "host"), &Field::Str(j["host"].as_str().unwrap().into()));
        assert_eq!(get(r, "source"), &Field::Str(j["source"].as_str().unwrap().into()));
        assert_eq!(get(r, "line"), &Field::Long(j["line"].as_i64().unwrap()));
        assert_eq!(get(r, "msg"), &Field::Str(j["msg"].as_str().unwrap().into()));
        match j["ts"].as_str() {
            Some(ts) => {
                let ns = rfc3339_to_ns(ts);
                assert_eq!(get(r, "ts_ns"), &Field::Long(ns));
                assert_eq!(get(r, "time"), &Field::TimestampMicros(ns.div_euclid(1000)));
            }
            None => {
                assert_eq!(get(r, "ts_ns"), &Field::Null);
                assert_eq!(get(r, "time"), &Field::Null);
            }
        }
        let off = j["offset"].as_f64().unwrap();
        let Field::Long(o) = get(r, "offset_ns") else { panic!("offset_ns") };
        assert!((*o as f64 / 1e9 - off).abs() < 1e-9, "record {i}: offset {o} ns vs {off} s");
        match j["severity"].as_str() {
            Some(s) => {
                assert_eq!(get(r, "severity"), &Field::Str(s.into()));
                let n = j["severity_number"].as_i64().unwrap() as i32;
                assert_eq!(get(r, "severity_number"), &Field::Int(n));
            }
            None => {
                assert_eq!(get(r, "severity"), &Field::Null);
                assert_eq!(get(r, "severity_number"), &Field::Null);
            }
        }
    }
    // The demo's levels map to severities (a test that cannot pass on nulls alone).
    assert!(got.iter().any(|r| get(r, "severity") == &Field::Str("error".into())));
}

#[test]
fn parquet_dir_gets_hive_partitions_by_day_and_hour_and_refuses_a_non_empty_dir() {
    let dir = tempfile::tempdir().unwrap();
    let out = format!("{}/tl/", dir.path().display());
    merge(&["--output-format", "parquet", "-o", &out, &demo("logs")]);
    let want = jsonl(&merge(&["--output-format", "jsonl", &demo("logs")]));
    let mut files: Vec<PathBuf> = Vec::new();
    for d in std::fs::read_dir(dir.path().join("tl")).unwrap() {
        for h in std::fs::read_dir(d.unwrap().path()).unwrap() {
            for f in std::fs::read_dir(h.unwrap().path()).unwrap() {
                files.push(f.unwrap().path());
            }
        }
    }
    files.sort();
    let mut n = 0;
    for f in &files {
        let rel = f.strip_prefix(dir.path().join("tl")).unwrap().display().to_string();
        for r in rows(f) {
            let Field::Long(key) = get(&r, "key_ns") else { panic!("{rel}: no key") };
            let t = chrono::DateTime::from_timestamp(key.div_euclid(1_000_000_000), 0).unwrap();
            let part = t.format("dt=%Y-%m-%d/hour=%H/").to_string();
            assert!(rel.starts_with(&part), "{rel} holds a record of {part}");
            n += 1;
        }
    }
    assert_eq!(n, want.len());
    let again = Command::new(env!("CARGO_BIN_EXE_deskew"))
        .args(["merge", "-q", "--output-format", "parquet", "-o", &out, &demo("logs")])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
}

#[test]
fn files_from_lists_paths_by_line_or_by_nul_as_the_command_line_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let hosts = ["lb01", "web01", "app01", "db01", "worker01"];
    let paths: Vec<String> = hosts.iter().map(|h| demo(&format!("logs/{h}"))).collect();
    let want = merge(
        &[&["--output-format", "jsonl"][..], &paths.iter().map(|s| s.as_str()).collect::<Vec<_>>()]
            .concat(),
    )
    .stdout;
    let lines = dir.path().join("list");
    std::fs::write(&lines, paths.join("\n") + "\n\n").unwrap();
    let got = merge(&["--output-format", "jsonl", "--files-from", lines.to_str().unwrap()]).stdout;
    assert_eq!(got, want);
    // NUL-separated on stdin.
    let mut c = Command::new(env!("CARGO_BIN_EXE_deskew"))
        .args(["merge", "-q", "--no-progress", "--year", "2026", "--offsets", &demo("offsets")])
        .args(["--host-tz", "lb01=America/New_York", "--host-tz", "web01=Europe/Berlin"])
        .args(["--host-tz", "db01=America/Los_Angeles", "--output-format", "jsonl"])
        .args(["--files-from", "-", "-0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    c.stdin.take().unwrap().write_all((paths.join("\0") + "\0").as_bytes()).unwrap();
    assert_eq!(c.wait_with_output().unwrap().stdout, want);
    // An empty list is an error, not a read of stdin.
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_deskew"))
        .args(["merge", "--files-from", empty.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no paths"));
}

/// A record of 120 MiB of text (a timed line and untimed lines under it, CRLF line ends and
/// multibyte characters) becomes rows of at most 1 MiB of it, `part` 0, 1, ... with the
/// record's `seq` and line; joined in order they are its text, as a record held whole would
/// be. Memory stays bounded (a Parquet value lives whole in its page: the whole record would
/// be held, several times). Other records' `part` is null.
#[test]
fn a_record_past_1_mib_becomes_rows_of_parts_that_join_to_its_text_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("web01.log");
    let mut text = Vec::with_capacity(130 << 20);
    text.extend_from_slice(b"2026-01-01T00:00:00Z web01 first\n");
    text.extend_from_slice(b"2026-01-01T00:00:01Z web01 long one begins\r\n");
    let mut want = String::from("2026-01-01T00:00:01Z web01 long one begins");
    let mut i = 0u64;
    while want.len() < 120 << 20 {
        let l = format!("cont é € line {i} {}", "x".repeat((i % 97) as usize));
        text.extend_from_slice(l.as_bytes());
        text.extend_from_slice(b"\r\n");
        want.push('\n');
        want.push_str(&l);
        i += 1;
    }
    text.extend_from_slice(b"2026-01-01T00:00:02Z web01 last\n");
    std::fs::write(&log, &text).unwrap();
    drop(text);
    let out = dir.path().join("out.parquet");
    let child = Command::new(env!("CARGO_BIN_EXE_deskew"))
        .args(["merge", "-q", "--no-progress", "--output-format", "parquet", "-o"])
        .arg(&out)
        .arg(&log)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let peak = crate::util::watch_peak_rss(child.id());
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let peak = peak.join().unwrap();
    eprintln!("parquet, a 120 MiB record: peak RSS {} MiB", peak >> 10);
    assert!(peak < 256 << 10, "peak RSS {} MiB", peak >> 10);
    let rows = rows(&out);
    let (first, last) = (&rows[0], &rows[rows.len() - 1]);
    assert_eq!(get(first, "part"), &Field::Null);
    assert_eq!(get(last, "part"), &Field::Null);
    assert_eq!(get(last, "seq"), &Field::Long(2), "the pieces are one record");
    let pieces = &rows[1..rows.len() - 1];
    assert!(pieces.len() >= 120, "{} pieces", pieces.len());
    let mut joined = String::new();
    for (k, r) in pieces.iter().enumerate() {
        assert_eq!(get(r, "part"), &Field::Int(k as i32));
        assert_eq!(get(r, "seq"), &Field::Long(1));
        assert_eq!(get(r, "line"), &Field::Long(2));
        let Field::Str(m) = get(r, "msg") else { panic!("msg") };
        assert!(m.len() <= 1 << 20, "a piece of {} bytes", m.len());
        joined.push_str(m);
    }
    assert!(joined == want, "the pieces joined are not the record's text");
}

/// The pieces of a long record, from a file and from stdin (`normalize -`, where its text
/// goes to TMPDIR as it comes): the same rows, and none lost (stdin's was dropped before).
#[test]
fn a_long_record_on_stdin_gives_the_same_parquet_pieces_as_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("web01.log");
    let mut text =
        b"2026-01-01T00:00:00Z web01 first\n2026-01-01T00:00:01Z web01 long\r\n".to_vec();
    for i in 0..120_000 {
        text.extend_from_slice(format!("cont € {i} {}\r\n", "y".repeat(i % 31)).as_bytes());
    }
    text.extend_from_slice(b"2026-01-01T00:00:02Z web01 last\n");
    std::fs::write(&log, &text).unwrap();
    let pieces = |path: &Path| -> Vec<(Field, Field, Field)> {
        rows(path)
            .iter()
            .map(|r| (get(r, "seq").clone(), get(r, "part").clone(), get(r, "msg").clone()))
            .collect()
    };
    let run = |args: &[&str], out: &Path, stdin: Stdio| {
        let o = Command::new(env!("CARGO_BIN_EXE_deskew"))
            .args(["normalize", "-q", "--no-progress", "--output-format", "parquet", "-o"])
            .arg(out)
            .args(args)
            .stdin(stdin)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let (a, b) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
    run(&[log.to_str().unwrap()], &a, Stdio::null());
    run(&["-"], &b, Stdio::from(std::fs::File::open(&log).unwrap()));
    let (from_file, from_stdin) = (pieces(&a), pieces(&b));
    assert!(from_file.len() >= 5, "{} rows", from_file.len());
    assert_eq!(from_file[1].1, Field::Int(0));
    assert!(from_file == from_stdin, "stdin's rows differ from the file's");
}
