//! Every record of the real log files in the shared corpus, read by `scan` and completed by
//! `resolve`, against the truth files. Only the fixed prefix in front of each file's timestamp
//! is stepped over here (the format definitions' job in the crate). Skipped when the corpus
//! is not there.

use super::resolve::{Resolver, YearRule};
use super::{rfc3339, scan, Stamp};

const CORPUS: &str = "/work/shared/corpus";

/// How to find the timestamp in a line.
enum Find {
    /// At the start of the line, after this many bytes.
    Skip(usize),
    /// Right after the first occurrence of this text.
    After(&'static str),
    /// The JSON/logfmt value after this key text, up to the closing quote (`exact`).
    Field(&'static str),
    /// The leftmost space-separated field that is a timestamp.
    Leftmost,
}

fn find(line: &[u8], how: &Find) -> Option<Stamp> {
    let pos = |pat: &str| {
        line.windows(pat.len()).position(|w| w == pat.as_bytes()).map(|i| i + pat.len())
    };
    match *how {
        Find::Skip(n) => scan::leading(line.get(n..)?).map(|x| x.0),
        Find::After(p) => scan::leading(&line[pos(p)?..]).map(|x| x.0),
        Find::Field(k) => {
            let start = pos(k)?;
            let len = line[start..].iter().position(|&b| b == b'"')?;
            scan::exact(&line[start..start + len])
        }
        Find::Leftmost => {
            let mut i = 0;
            loop {
                if let Some((s, _)) = scan::leading(&line[i..]) {
                    return Some(s);
                }
                i += line[i..].iter().position(|&b| b == b' ')? + 1;
            }
        }
    }
}

fn check(name: &str, how: Find) -> usize {
    let Ok(mut log) = std::fs::read(format!("{CORPUS}/logs/{name}.log")) else {
        eprintln!("corpus file {name} not found: skipped");
        return 0;
    };
    if log.starts_with(b"\xef\xbb\xbf") {
        log.drain(..3);
    }
    let truth = std::fs::read_to_string(format!("{CORPUS}/truth/{name}.tsv")).unwrap();
    let year = std::fs::read_to_string(format!("{CORPUS}/truth/{name}.args"))
        .ok()
        .and_then(|a| {
            a.split_whitespace().skip_while(|w| *w != "--year").nth(1).and_then(|y| y.parse().ok())
        })
        .unwrap_or(2024);
    let mut want = std::collections::HashMap::new();
    for row in truth.lines() {
        let (n, t) = row.split_once('\t').unwrap();
        want.insert(n.parse::<usize>().unwrap(), rfc3339::parse(t).unwrap());
    }
    let mut r = Resolver::new("UTC".parse().unwrap(), YearRule::Fixed(year));
    let mut checked = 0;
    for (i, line) in log.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(d) = line.strip_prefix(b"#Date: ") {
            if let Some(Stamp::Civil(c)) = scan::leading(d).map(|x| x.0) {
                r.header_date(c.year.unwrap(), c.month, c.day);
            }
        }
        let Some(&expected) = want.get(&(i + 1)) else {
            continue;
        };
        let text = String::from_utf8_lossy(line);
        let stamp = find(line, &how)
            .unwrap_or_else(|| panic!("{name}:{}: no timestamp in {text:?}", i + 1));
        let got =
            r.resolve(&stamp).unwrap_or_else(|e| panic!("{name}:{}: {e:?} for {text:?}", i + 1));
        assert_eq!(got, expected, "{name}:{}: {text:?}", i + 1);
        checked += 1;
    }
    assert!(checked == want.len(), "{name}: {checked} of {} rows checked", want.len());
    checked
}

#[test]
fn corpus_iso_8601_files() {
    check("lnav_bunyan", Find::Field("\"time\":\""));
    check("lnav_compose_rfc3339nano", Find::After("| "));
    check("lnav_logrus_logfmt", Find::Field("time=\""));
    check("lnav_mysql_slow", Find::After("# Time: "));
    check("lnav_postgres_pdt", Find::Skip(0));
    check("lnav_rfc5424_mixed_offsets", Find::Skip(0));
    check("lnav_iis_w3c", Find::Skip(0));
    check("loghub_hadoop_log4j", Find::Skip(0));
    check("loghub_openstack", Find::After(" "));
    check("loghub_windows_cbs", Find::Skip(0));
    check("plaso_apt_history", Find::After("Start-Date: "));
    check("plaso_aws_elb_mixed", Find::Leftmost);
    check("plaso_docker_json", Find::Field("\"time\":\""));
    check("plaso_rfc5424", Find::After(" "));
}

#[test]
fn corpus_other_date_layouts() {
    check("loghub_apache_error", Find::Skip(1));
    check("loghub_hdfs", Find::Skip(0));
    check("loghub_spark", Find::Skip(0));
    check("mtail_rsyncd", Find::Skip(0));
    check("lnav_nginx_combined", Find::After("["));
    check("plaso_mcafee_ampm", Find::Skip(0));
}

#[test]
fn corpus_yearless_and_time_only_files() {
    check("loghub_android_logcat", Find::Skip(0));
    check("loghub_linux_syslog", Find::Skip(0));
    check("lnav_syslog_continuation", Find::Skip(0));
    check("lnav_haproxy_syslog", Find::Skip(0));
    check("plaso_snort_fast", Find::Skip(0));
    check("lnav_w3c_time_only", Find::Skip(0));
}

#[test]
fn corpus_epoch_files() {
    check("lnav_epoch_ms_text", Find::Skip(0));
    check("lnav_journald_json", Find::Field("\"__REALTIME_TIMESTAMP\" : \""));
    check("lnav_zeek_conn", Find::Skip(0));
    check("loghub_bgl_epoch_local", Find::After(" "));
}
