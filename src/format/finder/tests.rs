use super::*;
use crate::time::resolve::{Resolver, YearRule};
use crate::time::rfc3339;

#[test]
fn every_table_layout_reads_its_sample() {
    for (i, (spec, sample)) in LAYOUTS.iter().enumerate() {
        let got = read_at(sample.as_bytes(), 0, How::Table(i as u16));
        assert!(got.is_some_and(|(_, _, e)| e == sample.len()), "{spec}: {sample}");
    }
}

/// What the finder learned from `lines`, then the instant (RFC 3339, UTC, year 2024) it reads
/// on each line (`None`: no record starts there).
fn run(lines: &[&str]) -> (Finder, Vec<Option<String>>) {
    let data = lines.join("\n");
    let f = Finder::learn(data.as_bytes()).expect("a place is learned");
    let mut r = Resolver::new("UTC".parse().unwrap(), YearRule::Fixed(2024));
    let got = lines
        .iter()
        .map(|l| match f.hit(0, l.as_bytes()) {
            Some(Hit::Stamp { stamp, .. }) => {
                let t = r.resolve(&stamp).ok()?;
                let mut b = Vec::new();
                rfc3339::write(&mut b, t);
                Some(String::from_utf8(b).unwrap())
            }
            Some(Hit::Header { year, month, day }) => {
                r.header_date(year, month, day);
                None
            }
            None => None,
        })
        .collect();
    (f, got)
}

fn first(lines: &[&str]) -> String {
    run(lines).1[0].clone().unwrap_or_default()
}

// Real lines, each from a public project's test data or docs (source in the comment).

#[test]
fn a_stamp_after_ip_columns_is_found_in_the_clf_field() {
    // lnav test/logfile_regexp_access_log.0
    let l = [
        r#"localhost:443 178.20.184.42 1j0vhgd jsmith [26/Jul/2023:00:01:26 -0700] "GET /secure/RapidBoard.jspa HTTP/2.0" 200 1"#,
        r#"localhost:443 154.57.4.229 cger1e khenry [26/Jul/2023:00:02:12 -0700] "GET /secure/RapidBoard.jspa HTTP/2.0" 200 1"#,
    ];
    assert_eq!(first(&l), "2023-07-26T07:01:26Z");
}

#[test]
fn an_epoch_that_is_not_first_is_found_where_it_is_consistent() {
    // loghub HPC_2k.log: a record id, a node, then the epoch.
    let l = [
        r"134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change",
        r"350766 node-109 unix.hw state_change.unavailable 1084680778 1 Component State Change",
    ];
    let (f, got) = run(&l);
    assert_eq!(f.places[0].class, Class::Epoch(10));
    assert_eq!(got[0].as_deref(), Some("2004-02-26T14:12:22Z"));
    // loghub BGL_2k.log: the epoch wins over the later local stamp (leftmost).
    let l = [
        "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
        "- 1117838573 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.53.276129 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
    ];
    assert_eq!(first(&l), "2005-06-03T22:42:50Z");
}

#[test]
fn compact_and_yearless_layouts_are_read() {
    // loghub HealthApp_2k.log
    let l = [
        "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
        "20171223-22:15:29:615|Step_LSC|30002312|onExtend:1514038530000 14 0 4",
    ];
    assert_eq!(first(&l), "2017-12-23T22:15:29.606Z");
    // loghub Proxifier_2k.log: month.day, no year.
    let l = [
        "[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
        "[10.30 16:49:07] chrome.exe - proxy.cse.cuhk.edu.hk:5070 close, 0 bytes sent, 0 bytes received, lifetime 00:01",
    ];
    assert_eq!(first(&l), "2024-10-30T16:49:06Z");
    // lnav test/logfile_glog.0: the level letter glued to MMDD.
    let l = [
        "E0517 15:04:22.619632 1952452992 logging_unittest.cc:253] Log every 3, iteration 19",
        "I0517 15:04:22.619642  952452992 logging_unittest.cc:259] Log if every 1, iteration 19",
    ];
    assert_eq!(first(&l), "2024-05-17T15:04:22.619632Z");
    // lnav test/logfile_generic.3
    let l = ["20120702.102240,672:DEBUG:foo bar baz", "20141008.165638,344:WARN:foo bar baz"];
    assert_eq!(first(&l), "2012-07-02T10:22:40.672Z");
}

#[test]
fn json_behind_a_prefix_and_logfmt_keys_are_read() {
    // lnav test/logfile_caddy_log.0 (docker compose prefix, float epoch under `ts`).
    let l = [
        r#"caddy  | {"level":"info","ts":1761019822.3152757,"msg":"maxprocs: Leaving GOMAXPROCS=12: CPU quota undefined"}"#,
        r#"caddy  | {"level":"info","ts":1761019822.3154097,"msg":"using config from file","file":"/etc/caddy/Caddyfile"}"#,
    ];
    let (f, got) = run(&l);
    assert!(matches!(&f.places[0].place, Place::Key { key, json: true } if key == b"ts"));
    assert_eq!(got[0].as_deref(), Some("2025-10-21T04:10:22.3152757Z"));
    // lnav test/logfile_grafana.0 (logfmt `t=`).
    let l = [
        r#"logger=settings t=2025-04-24T19:51:48.520963849Z level=info msg="Starting Grafana" version=11.5.2"#,
        r#"logger=settings t=2025-04-24T19:51:48.521238594Z level=info msg="Config loaded from" file=/usr/share/grafana/conf/defaults.ini"#,
    ];
    assert_eq!(first(&l), "2025-04-24T19:51:48.520963849Z");
    // lnav test/logfile_json3.json: epoch ms under a key no definition lists.
    let l = [
        r#"{ "started_at": 1490385986240, "response": { "status": 200, "size": 443 } }"#,
        r#"{ "started_at": 1490386531694, "response": { "status": 400, "size": 44345 } }"#,
    ];
    assert_eq!(first(&l), "2017-03-24T20:06:26.24Z");
}

#[test]
fn a_time_of_day_is_dated_by_the_header_before_it() {
    // lnav test/logfile_w3c (IIS 4.0 FTP log).
    let l = [
        "#Software: Microsoft Internet Information Server 4.0",
        "#Version: 1.0",
        "#Date: 2000-10-09 16:44:49",
        "#Fields: time c-ip cs-method cs-uri-stem sc-status",
        "16:44:49 1.1.1.1 [2]USER anonymous 331",
        "16:44:49 1.1.1.1 [2]PASS - 230",
    ];
    let (_, got) = run(&l);
    assert_eq!(got[4].as_deref(), Some("2000-10-09T16:44:49Z"));
}

#[test]
fn a_file_that_mixes_layouts_gets_a_place_per_layout() {
    // plaso's AWS ELB test data: ALB, Classic ELB and NLB lines in one file.
    let l = [
        "https 2020-01-11T16:55:20.356586Z app/production-web/jf29fj2198ejf922 192.168.1.10:44325 192.168.1.123:32869 0.013 0.164 0.000 200 200",
        "h2 2020-01-11T16:55:32.115600Z app/production-web/jf29fj2198ejf922 192.168.1.10:44325 192.168.1.123:32869 0.013 0.164 0.000 200 200",
        "2021-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29",
        "2021-05-13T23:39:44.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29",
    ];
    let (f, got) = run(&l);
    assert_eq!(f.places.len(), 2);
    assert_eq!(got[2].as_deref(), Some("2021-05-13T23:39:43.945958Z"));
}

/// Numbers, versions, durations, IPs and dates inside message text are no record times: a
/// source of such lines teaches no place, and a continuation line with a time in its text
/// does not start a record.
#[test]
fn no_false_times_from_numbers_versions_durations_ips_or_message_dates() {
    let noise = [
        "Connected to 10.1.2.3:8080 in 12.5 ms",
        "rsyncd version 2.6.9 starting, listening on port 873",
        "elapsed 0:00:05.123, 1234 rows",
        "Processing order 1234567890 for customer 42",
        "GET /api/v1/items?id=20190301 HTTP/1.1 200",
        "Kernel 5.15.0-91-generic #101-Ubuntu SMP",
        "uptime 3 days, 04:11, 2 users, load average: 0.00, 0.01, 0.05",
        "copied 1073741824 bytes (1.1 GB, 1.0 GiB) in 2.01 s",
    ];
    let data = noise.join("\n");
    assert!(Finder::learn(data.as_bytes()).is_none(), "{:?}", Finder::learn(data.as_bytes()));
    // loghub Linux_2k.log records, then continuation text quoting a date.
    let l = [
        "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0",
        "Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown",
        "    scheduled at 2024-01-01 10:00:00 by cron",
        "\tat 2024-01-01T10:00:00Z retry 1700000000",
    ];
    let (_, got) = run(&l);
    assert_eq!(got[2], None);
    assert_eq!(got[3], None);
}

/// The place is a field, not the text before it: a line from another client address still
/// starts a record (lnav test/logfile_access_log.0 and .1).
#[test]
fn a_field_place_does_not_depend_on_the_data_before_it() {
    let l = [
        r#"192.168.202.254 - - [20/Jul/2009:22:59:26 +0000] "GET /vmw/cgi/tramp HTTP/1.0" 200 134 "-" "gPXE/0.9.7""#,
        r#"192.168.202.254 - - [20/Jul/2009:22:59:29 +0000] "GET /vmw/vSphere/default/vmkboot.gz HTTP/1.0" 404 46210 "-" "gPXE/0.9.7""#,
        r#"10.112.81.15 - - [15/Feb/2013:06:00:31 +0000] "-" 400 0 "-" "-""#,
    ];
    let data = l[..2].join("\n");
    let f = Finder::learn(data.as_bytes()).unwrap();
    assert!(matches!(f.hit(0, l[2].as_bytes()), Some(Hit::Stamp { .. })));
}

/// Date, time and zone in members of their own: learned as one combined place.
#[test]
fn date_time_and_zone_in_separate_members_are_read_as_one_stamp() {
    // FortiGate: a Fortinet sample quoted in a public SIEM rule doc; a FortiAnalyzer-forwarded
    // line from a public pipeline example (its `timestamp=` is the local time read as UTC).
    let l = [
        r#"date=2022-09-26 time=10:57:08 devname="fortigate" devid="FGT60EABCDEF012" eventtime=1664215028981468505 tz="-0700" logid="0100041001" type="event" subtype="system" level="critical" vd="root" logdesc="FortiGate update failed" status="update" msg="Fortigate scheduled update failed""#,
        r#"logver=700120523 timestamp=1694183556 devname="HA-Cluster" devid="FG200E4Q1790000" vd="root" date=2023-09-08 time=14:32:36 eventtime=1694176357211540851 tz="+0200" logid="0317013312" type="utm" subtype="webfilter" eventtype="ftgd_allow" level="notice" policyid=2"#,
    ];
    let (f, got) = run(&l);
    assert!(matches!(&f.places[0].place, Place::Split(s) if s.zone.as_deref() == Some(&b"tz"[..])));
    assert_eq!(got[0].as_deref(), Some("2022-09-26T17:57:08Z"));
    assert_eq!(got[1].as_deref(), Some("2023-09-08T12:32:36Z"));
    // The same fields as FortiOS writes them with `set format json`.
    let l = [
        r#"{"date":"2022-09-26","time":"10:57:08","devname":"fortigate","tz":"-0700","logid":"0100041001"}"#,
        r#"{"date":"2022-09-26","time":"10:57:09","devname":"fortigate","tz":"-0700","logid":"0100041001"}"#,
    ];
    assert_eq!(first(&l), "2022-09-26T17:57:08Z");
    // Windows DHCP server audit log (`ID,Date,Time,...`): a public parser's test line, and a
    // public admin guide's (four-digit year).
    let l = [
        "11,03/23/26,18:31:38,Renew,192.168.2.116,deco-XE75.home.gell.one,54AF97F8352B,,79241796,0,,,,0x756468637020312E32322E31,udhcp 1.22.1,,,,0",
        "11,03/23/26,18:35:02,Renew,192.168.2.116,deco-XE75.home.gell.one,54AF97F8352B,,79241796,0,,,,0x756468637020312E32322E31,udhcp 1.22.1,,,,0",
    ];
    assert_eq!(first(&l), "2026-03-23T18:31:38Z");
    let l = [
        "10,04/04/2026,10:15:22,Assign,192.168.1.105,PC-COMPTA01,AA-BB-CC-DD-EE-01,,0,6,,,,,,,,,0",
        "11,04/04/2026,10:30:45,Renew,192.168.1.110,PC-RH02,AA-BB-CC-DD-EE-02,,0,6,,,,,,,,,0",
    ];
    assert_eq!(run(&l).1[1].as_deref(), Some("2026-04-04T10:30:45Z"));
}

/// A file where some lines give date and time without their zone (FortiOS 5.4 wrote no `tz=`;
/// 6.x does) is read at the date and time members on every line: the time member alone, which
/// every line has, does not win as a time of day.
#[test]
fn date_and_time_members_win_over_the_time_member_alone_when_the_zone_is_missing_on_some_lines() {
    // The 5.4 line: a FortiOS 5.4 syslog sample quoted in a public log-parser profile (its
    // `<189>` priority left out, as a syslog server's file has it); the others as above.
    let l = [
        r#"date=2019-04-04 time=09:19:21 devname=fw01 devid=FG800D0123456789 logid=0001000014 type=traffic subtype=local level=notice vd=root srcip=172.30.0.1 srcport=48770 srcintf="wan1" dstip=172.16.0.1 dstport=443 dstintf="root" sessionid=3841389285 proto=6 action=close policyid=0 policytype=local-in-policy"#,
        r#"date=2022-09-26 time=10:57:08 devname="fortigate" devid="FGT60EABCDEF012" eventtime=1664215028981468505 tz="-0700" logid="0100041001" type="event" subtype="system" level="critical" vd="root" logdesc="FortiGate update failed" status="update" msg="Fortigate scheduled update failed""#,
        r#"logver=700120523 timestamp=1694183556 devname="HA-Cluster" devid="FG200E4Q1790000" vd="root" date=2023-09-08 time=14:32:36 eventtime=1694176357211540851 tz="+0200" logid="0317013312" type="utm" subtype="webfilter" eventtype="ftgd_allow" level="notice" policyid=2"#,
    ];
    let (f, got) = run(&l);
    assert!(f.places.iter().all(|p| p.class != Class::TimeOnly), "{}", f.describe());
    let got: Vec<_> = got.iter().map(|t| t.as_deref()).collect();
    assert_eq!(
        got,
        [Some("2019-04-04T09:19:21Z"), Some("2022-09-26T17:57:08Z"), Some("2023-09-08T12:32:36Z")]
    );
}

#[test]
fn tai64n_labels_bash_and_tcsh_history_and_epoch_rfc5424_headers_are_read() {
    // runit svlogd / daemontools multilog `current` files (label from cr.yp.to's tai64nlocal
    // page; the second from the TAI64 examples of keks.cypherpunks.su).
    let l = ["@4000000037c219bf2ef02e94 mark", "@40000000673DD3E136F121D4 run: sshd"];
    let (f, got) = run(&l);
    assert_eq!(f.places[0].how, How::Tai64n);
    assert_eq!(got[0].as_deref(), Some("1999-08-24T04:04:05.7874925Z"));
    // Without the `@` (lnav's test/logfile_tai64n.0 labels, `@` dropped).
    let l = [
        "40000000433225833b6e1a8c tcpserver: status: 5/30",
        "40000000433225833b6e2644 tcpserver: pid 26162 from 194.206.24.40",
    ];
    let (f, got) = run(&l);
    assert_eq!(f.places[0].how, How::Tai64n);
    assert_eq!(got[1].as_deref(), Some("2005-09-22T03:31:05.9970745Z"));
    // bash history with HISTTIMEFORMAT: the `#epoch` line starts the record, the command
    // after it is its continuation (shape from the issue).
    let l = ["#1500000000", "ls -la /tmp", "#1500000042", "git status"];
    let (_, got) = run(&l);
    assert_eq!(got[0].as_deref(), Some("2017-07-14T02:40:00Z"));
    assert_eq!(got[1], None);
    assert_eq!(got[2].as_deref(), Some("2017-07-14T02:40:42Z"));
    // tcsh's `savehist`: `#+epoch` (lnav's test/logfile_tcsh_history.0).
    let l = ["#+1162490366", "./drive_vt52_curses", "#+1162490385", "exit"];
    let (_, got) = run(&l);
    assert_eq!(got[0].as_deref(), Some("2006-11-02T17:59:26Z"));
    assert_eq!(got[1], None);
    assert_eq!(got[2].as_deref(), Some("2006-11-02T17:59:45Z"));
    // An RFC 5424 header whose TIMESTAMP field holds an epoch (the issue's shape).
    let l = [
        "<34>1 1650000000.123456789 mymachine su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
        "<34>1 1650000001.5 mymachine su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
    ];
    assert_eq!(first(&l), "2022-04-15T05:20:00.123456789Z");
}

#[test]
fn a_windows_zone_name_after_the_stamp_is_read_through_the_cldr_table() {
    // Windows writes the zone's standard (or daylight) name (the issue's shapes).
    let l = [
        "2023-01-07 15:04:05.123456 India Standard Time [Worker-3] job started",
        "2023-01-07 15:04:06.000001 India Standard Time [Worker-3] job done",
    ];
    let (f, got) = run(&l);
    assert!(f.places[0].wzone);
    assert_eq!(got[0].as_deref(), Some("2023-01-07T09:34:05.123456Z"));
    let l = [
        "2023-07-07 15:04:05 Pacific Daylight Time service started",
        "2023-12-07 15:04:05 Pacific Standard Time service started",
        "2023-12-07 15:04:05 Coordinated Universal Time service started",
    ];
    let (_, got) = run(&l);
    assert_eq!(got[0].as_deref(), Some("2023-07-07T22:04:05Z"));
    assert_eq!(got[1].as_deref(), Some("2023-12-07T23:04:05Z"));
    assert_eq!(got[2].as_deref(), Some("2023-12-07T15:04:05Z"));
}

/// `testdata/finder/false_times.txt`: stack-trace lines, durations, versions, IPs, UUIDs, hex
/// ids, sizes and dates quoted in message text. In a source whose learned place is elsewhere
/// (a syslog line start, a CLF field after addresses, a JSON key), none starts a record.
#[test]
fn no_line_of_the_false_times_corpus_becomes_a_record_time() {
    let corpus = include_str!("../../../testdata/finder/false_times.txt");
    let sources: [&[&str]; 3] = [
        // loghub Linux_2k.log
        &[
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0",
            "Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown",
        ],
        // lnav test/logfile_access_log.0
        &[
            r#"192.168.202.254 - - [20/Jul/2009:22:59:26 +0000] "GET /vmw/cgi/tramp HTTP/1.0" 200 134 "-" "gPXE/0.9.7""#,
            r#"192.168.202.254 - - [20/Jul/2009:22:59:29 +0000] "GET /vmw/vSphere/default/vmkboot.gz HTTP/1.0" 404 46210 "-" "gPXE/0.9.7""#,
        ],
        // lnav test/logfile_json3.json
        &[
            r#"{ "started_at": 1490385986240, "response": { "status": 200, "size": 443 } }"#,
            r#"{ "started_at": 1490386531694, "response": { "status": 400, "size": 44345 } }"#,
        ],
    ];
    let mut n = 0;
    for src in sources {
        let f = Finder::learn(src.join("\n").as_bytes()).unwrap();
        for line in corpus.lines().filter(|l| !l.is_empty()) {
            assert!(f.hit(0, line.as_bytes()).is_none(), "{line:?} after {:?}", f.describe());
            n += 1;
        }
    }
    assert!(n >= 60);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// A word that is no stamp: lowercase letters, maybe bracketed or a `key=word` pair.
    fn token() -> impl Strategy<Value = String> {
        prop_oneof!["[a-z]{1,8}", "\\[[a-z]{2,6}\\]", "[a-z]{1,5}=[a-z]{1,5}",]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// Any table layout, after the same random count of non-stamp tokens on each line, is
        /// found, and reads back the instant it was written from (2024, in time order, days 13-28, so that
        /// day-first layouts are told from month-first ones as a real sample would).
        #[test]
        fn a_table_stamp_after_random_tokens_reads_back_its_instant(
            layout in 0..LAYOUTS.len(),
            before in 0usize..5,
            secs in proptest::collection::vec((1u32..=12, 13u32..=28, 0u32..86_400, 0u32..1000), 3),
            words in proptest::collection::vec(token(), 20),
        ) {
            let spec = LAYOUTS[layout].0;
            // In time order: a yearless stamp that goes back is read as the next year.
            let mut secs = secs;
            secs.sort_unstable();
            let mut lines = Vec::new();
            let mut want = Vec::new();
            for (i, &(m, d, s, ms)) in secs.iter().enumerate() {
                let t = chrono::NaiveDate::from_ymd_opt(2024, m, d).unwrap()
                    .and_hms_milli_opt(s / 3600, s / 60 % 60, s % 60, ms).unwrap();
                let fmt = spec.replace("%f", "%3f").replace("%Z", "GMT").replace("%z", "+0000");
                let text = t.format(&fmt).to_string();
                let secs_only = !spec.contains("%f");
                let ns = t.and_utc().timestamp_nanos_opt().unwrap()
                    - if secs_only { i64::from(ms) * 1_000_000 } else { 0 };
                let mut b = String::new();
                for w in &words[i * 5..i * 5 + before] {
                    b.push_str(w);
                    b.push(' ');
                }
                b.push_str(&text);
                b.push_str(" done");
                lines.push(b);
                let mut o = Vec::new();
                rfc3339::write(&mut o, ns);
                want.push(Some(String::from_utf8(o).unwrap()));
            }
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            let (_, got) = run(&refs);
            prop_assert_eq!(got, want, "{:?}", lines);
        }

        /// Learning from, and reading, any bytes never panics.
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
            if let Some(f) = Finder::learn(&data) {
                for line in data.split(|&b| b == b'\n') {
                    let _ = f.hit(0, line);
                }
                let _ = f.describe();
            }
        }
    }
}

/// log4j `%d{...}` patterns from log-viewer's format detector tests (sevdokimov/log-viewer,
/// `LvDefaultFormatDetectorTest`), and an ordinal date from lnav's tests: each is found with its year, its fraction and after glued
/// brackets. (`2020 Jan 01 ...` was read as a yearless `Jan 01 ...`, the year of the run.)
#[test]
fn log4j_date_patterns_are_read_with_their_year_and_fraction() {
    let cases = [
        ("[2020-Jan-01 18:11:00.000][WARN] ddddd", "2020-01-01T18:11:00Z"),
        ("[2020-Dec-01_18:11:00.000][WARN] ddddd", "2020-12-01T18:11:00Z"),
        ("[2020 Jan 01 18:11:00.000][WARN] ddddd", "2020-01-01T18:11:00Z"),
        ("INFO 2018 Dec 01 00:00:00 ddddd", "2018-12-01T00:00:00Z"),
        ("INFO 2018-Dec-01 00:00:00,999 ddddd", "2018-12-01T00:00:00.999Z"),
        ("WARN 2020-01-01_18:11:00,000 mmm", "2020-01-01T18:11:00Z"),
        ("20200101 181100 WARN ddddd", "2020-01-01T18:11:00Z"),
        ("20200101_181100.555 WARN ddddd", "2020-01-01T18:11:00.555Z"),
        ("INFO 20200101_181100,555 ddddd", "2020-01-01T18:11:00.555Z"),
        ("INFO 20200101181100555 ddddd", "2020-01-01T18:11:00.555Z"),
        // lnav's test/logfile_yday.0: an ordinal date.
        ("2014-333T16:56:38,344:WARN:foo bar baz", "2014-11-29T16:56:38.344Z"),
        ("[WARN][2020-01-01 18:11:00,000][zzz] mmm", "2020-01-01T18:11:00Z"),
        ("[  WARN][2020-01-01 18:11:00,000] mmm", "2020-01-01T18:11:00Z"),
    ];
    for (line, want) in cases {
        let (f, got) = run(&[line, line]);
        assert_eq!(got[0].as_deref(), Some(want), "{line}: {}", f.describe());
    }
}

/// Stamps from Elasticsearch's `TimestampFormatFinderTests` (its `DATESTAMP` variants with
/// dashes throughout and fractions after day-first dates, Kibana's export, and a splunkd.log
/// line) are read with their fraction and zone.
#[test]
fn elasticsearch_finder_test_stamps_are_read_with_fraction_and_zone() {
    let cases = [
        ("05-15-2018-17:14:56.374 x", "2018-05-15T17:14:56.374Z"),
        ("15-05-2018-17:14:56,374 x", "2018-05-15T17:14:56.374Z"),
        ("15-05-2018-17:14:56 x", "2018-05-15T17:14:56Z"),
        ("15/05/2018 17:14:56.374 x", "2018-05-15T17:14:56.374Z"),
        ("15.05.2018 17:14:56.374 x", "2018-05-15T17:14:56.374Z"),
        ("May 15, 2018 @ 17:14:56.374 x", "2018-05-15T17:14:56.374Z"),
        (
            "10-28-2016 16:22:47.636 +0200 ERROR Network - Error encountered for connection from src=192.168.0.1:12345. Local side shutting down",
            "2016-10-28T14:22:47.636Z",
        ),
    ];
    for (line, want) in cases {
        let (f, got) = run(&[line, line]);
        assert_eq!(got[0].as_deref(), Some(want), "{line}: {}", f.describe());
    }
}

#[test]
fn crowdsec_hub_layouts_are_read_with_their_fraction() {
    // Lines of crowdsecurity/hub's parser test logs (.tests/*/*.log).
    let l = [
        "07/11/2022-10:29:01.860293  [**] [1:2200074:2] SURICATA TCPv4 invalid checksum [**] [Classification: Generic Protocol Command Decode] [Priority: 3] {TCP} 2.57.122.209:28487 -> 172.31.18.55:80",
        "07/11/2022-10:29:32.251216  [**] [1:2008578:4] ET SCAN Sipvicious Scan [**] [Classification: Attempted Information Leak] [Priority: 2] {UDP} 89.248.163.216:5116 -> 172.31.18.55:5060",
    ];
    assert_eq!(first(&l), "2022-07-11T10:29:01.860293Z");
    let l = [
        "[Nest] 7  - 08/02/2023, 7:32:47 PM    WARN [AuthService] Failed login attempt for user azaz@qsqs.com from ip address 192.168.0.254",
        "[Nest] 7  - 08/02/2023, 7:32:54 PM    WARN [AuthService] Failed login attempt for user azaz@qsqs.com from ip address 192.168.0.254",
    ];
    assert_eq!(first(&l), "2023-08-02T19:32:47Z");
    // The hour padded with a space: the time alone is no place of its own.
    let l = [
        "2021-11-09  5:13:11 8 [Warning] Access denied for user 'example-user'@'172.17.0.1' (using password: YES)",
        "2021-11-09  5:13:12 8 [Warning] Access denied for user 'example-user'@'172.17.0.1' (using password: YES)",
    ];
    assert_eq!(first(&l), "2021-11-09T05:13:11Z");
    // ZoneMinder, both its layouts: `%m/%d/%y %H:%M:%S` alone would drop the fraction.
    let l = [
        "01/25/22 16:08:02.393003 web_php[118770].ERR [2222:3333:444a:a300:3c65:1111:1111:1111] [Could not retrieve user test_user details]",
        "01/25/22 16:08:03.531511 web_php[119601].ERR [2222:3333:444a:a300:3c65:1111:1111:1111] [Could not retrieve user test_user details]",
        "12/17/22, 10:31:29 PM MST.557710 web_php[254894].ERR [10.0.1.5] [Could not retrieve user aaaa details]",
        "12/17/22, 10:31:30 PM MST.557710 web_php[254894].ERR [10.0.1.5] [Could not retrieve user bbbb details]",
    ];
    let (f, got) = run(&l);
    assert_eq!(f.places.len(), 2);
    assert_eq!(got[0].as_deref(), Some("2022-01-25T16:08:02.393003Z"));
    assert_eq!(got[2].as_deref(), Some("2022-12-18T05:31:29.55771Z"));
}

#[test]
fn french_month_names_are_read() {
    // lnav's test/logfile_syslog_fr.0 (syslog on a `fr_FR` system), its one line twice.
    let l = [
        "août 19 11:08:37 nlaptop symphorien[4961]: test",
        "août 19 11:08:37 nlaptop symphorien[4961]: test",
    ];
    assert_eq!(first(&l), "2024-08-19T11:08:37Z");
    // glibc's fr_FR `%b` abbreviations end in a dot, read with the name.
    use crate::time::layout::month_fr;
    assert_eq!(month_fr(b"d\xc3\xa9c. 3", 0), Some((12, 5)));
    assert_eq!(month_fr(b"mars 3", 0), Some((3, 4)));
    assert_eq!(month_fr(b"marsh 3", 0), None);
    assert_eq!(month_fr(b"mai", 0), Some((5, 3)));
}

#[test]
fn quoted_w3c_date_and_time_fields_are_one_stamp() {
    // lnav's test/logfile_w3c.4 (Incapsula logs API), its record lines, shortened.
    let l = [
        r#""2017-06-28" "07:26:35" "a1f36498-c34a-45b9-b3a5-ee0bd00f91b6" "Chrome" "Browser" "false" "true" "123.123.123.123" """#,
        r#""2017-06-26" "18:21:17" "daf5e234-24fc-4a69-985c-ab923529b393" "Firefox" "Browser" "false" "true" "125.125.125.125" """#,
    ];
    let (_, got) = run(&l);
    assert_eq!(got[0].as_deref(), Some("2017-06-28T07:26:35Z"));
    assert_eq!(got[1].as_deref(), Some("2017-06-26T18:21:17Z"));
}

#[test]
fn further_places_take_yearless_syslog_and_clf_after_host_ident_and_user() {
    // crowdsecurity/hub test logs that join layouts: strongSwan's charon in RFC 5424, then
    // pfSense's BSD syslog; nginx error lines, then access lines with a user.
    let l = [
        "<30>1 2024-02-18T02:29:57+08:00 exmaple.com charon 15894 - [meta sequenceId=\"31\"] 06[NET] <3fdb463d-f7db-4140-ab65-17398e37efd8|83> sending packet: from 116.178.2.180[4500] to 116.178.2.170[28808] (",
        "<30>1 2024-02-18T02:29:58+08:00 exmaple.com charon 15894 - [meta sequenceId=\"32\"] 06[NET] <3fdb463d-f7db-4140-ab65-17398e37efd8|83> received packet: from 116.178.2.170[28808] to 116.178.2.180[4500] ",
        "<30>1 2024-02-18T02:29:59+08:00 exmaple.com charon 15894 - [meta sequenceId=\"33\"] 06[NET] <3fdb463d-f7db-4140-ab65-17398e37efd8|83> sending packet: from 116.178.2.180[4500] to 116.178.2.170[28808] (",
        "Feb 22 20:23:03 pfSense charon[32532]: 08[IKE] <con2|1807> EAP-MS-CHAPv2 verification failed, retry (1)",
        "Feb 22 20:23:03 pfSense charon[32532]: 08[IKE] <con2|1807> generating IKE_AUTH response 2 [ EAP/REQ/MSCHAPV2 ]",
    ];
    let (f, got) = run(&l);
    assert_eq!(f.places.len(), 2);
    assert_eq!(got[0].as_deref(), Some("2024-02-17T18:29:57Z"));
    assert_eq!(got[3].as_deref(), Some("2024-02-22T20:23:03Z"));
    let l = [
        "2021/09/30 09:23:53 [error] 1925800#1925800: *17 user \"foo\" was not found in \"/tmp/a.htpasswd\", client: 127.0.0.1, server: _, request: \"GET / HTTP/1.1\", host: \"localhost\"",
        "2021/09/30 09:23:53 [error] 1925800#1925800: *18 user \"foo\" was not found in \"/tmp/a.htpasswd\", client: 127.0.0.1, server: foo.com, request: \"GET / HTTP/1.1\", host: \"localhost\"",
        "2021/09/30 09:23:54 [error] 1925800#1925800: *19 user \"foo\" was not found in \"/tmp/a.htpasswd\", client: 127.0.0.1, server: foo.com, request: \"GET / HTTP/1.1\", host: \"localhost\"",
        "127.0.0.1 - test [06/Mar/2022:16:14:13 +0000] \"POST /client HTTP/1.1\" 401 141 \"http://127.0.0.1/\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\"",
        "127.0.0.1 - test [06/Mar/2022:16:14:13 +0000] \"POST /client HTTP/1.1\" 401 141 \"http://127.0.0.1/\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\"",
    ];
    let (_, got) = run(&l);
    assert_eq!(got[0].as_deref(), Some("2021-09-30T09:23:53Z"));
    assert_eq!(got[3].as_deref(), Some("2022-03-06T16:14:13Z"));
}
