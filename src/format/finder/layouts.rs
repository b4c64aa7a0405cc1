//! The finder's table of layouts the scanner does not read by itself: data, each with the
//! public sample it was checked against.

/// Layouts the scanner does not read by itself, as `%`-specs (see `time::layout`), each with
/// a public sample it was checked against (the tests read every one).
pub const LAYOUTS: &[(&str, &str)] = &[
    // Huawei/loghub `HealthApp`: `20171223-22:15:29:606|Step_LSC|...`.
    ("%Y%m%d-%H:%M:%S:%f", "20171223-22:15:29:606"),
    // loghub `Proxifier`: `[10.30 16:49:06] chrome.exe - ...` (month.day, no year).
    ("%m.%d %H:%M:%S", "10.30 16:49:06"),
    // Java `DateFormat.MEDIUM` (Tomcat/catalina.out): `Jan 7, 2023 3:04:05 PM`.
    ("%b %e, %Y %I:%M:%S,%f %p %Z", "Jan 7, 2023 3:04:05,006 PM GMT"),
    ("%b %e, %Y %I:%M:%S %p", "Nov 20, 2014 5:42:34 PM"),
    // Day-first European dates (`dd.MM.yyyy HH:mm:ss`, Elasticsearch's finder tests).
    ("%d.%m.%Y %H:%M:%S,%f", "14.03.2018 14:26:33,123"),
    ("%d.%m.%Y %H:%M:%S.%f", "15.05.2018 17:14:56.374"),
    ("%d.%m.%Y %H:%M:%S", "14.03.2018 14:26:33"),
    // `yyyy.MM.dd HH:mm:ss` (Elasticsearch's finder tests).
    ("%Y.%m.%d %H:%M:%S", "2018.05.15 17:14:56"),
    // Day-first with slashes (`dd/MM/yyyy HH:mm:ss`), chosen over US order by the sample.
    ("%d/%m/%Y %H:%M:%S.%f", "15/05/2018 17:14:56.374"),
    ("%d/%m/%Y %H:%M:%S", "15/05/2018 17:14:56"),
    // Dashes throughout, month or day first (Elasticsearch's finder tests, `DATESTAMP`).
    ("%m-%d-%Y-%H:%M:%S.%f", "05-15-2018-17:14:56.374"),
    ("%m-%d-%Y-%H:%M:%S", "05-15-2018-17:14:56"),
    ("%d-%m-%Y-%H:%M:%S,%f", "15-05-2018-17:14:56,374"),
    ("%d-%m-%Y-%H:%M:%S", "15-05-2018-17:14:56"),
    // Splunk's own log (splunkd.log), quoted in Elasticsearch's finder tests:
    // `10-28-2016 16:22:47.636 +0200 ERROR Network - ...`.
    ("%m-%d-%Y %H:%M:%S.%f %z", "10-28-2016 16:22:47.636 +0200"),
    ("%m-%d-%Y %H:%M:%S.%f", "10-28-2016 16:22:47.636"),
    // Kibana's CSV export (Elasticsearch's finder tests): `May 15, 2018 @ 17:14:56.374`.
    ("%b %e, %Y @ %H:%M:%S.%f", "May 15, 2018 @ 17:14:56.374"),
    // US with a two-digit year (`MM/dd/yy HH:mm:ss`, IIS/Windows tools).
    ("%m/%d/%y %H:%M:%S", "05/15/18 17:14:56"),
    // BGL/IBM `yyyy-MM-dd-HH.mm.ss.SSSSSS`.
    ("%Y-%m-%d-%H.%M.%S.%f", "2005-06-03-15.42.50.675872"),
    // lnav's generic test log: `20120702.102240,672:DEBUG:foo bar baz`.
    ("%Y%m%d.%H%M%S,%f", "20120702.102240,672"),
    // lnav's `logfile_yday.0`: an ordinal date, `2012-025T10:22:40,672:DEBUG:foo bar baz`.
    ("%Y-%jT%H:%M:%S,%f", "2012-025T10:22:40,672"),
    // Compact `yyyyMMddHHmmss`.
    ("%Y%m%d%H%M%S", "20180515171456"),
    // CSV date and time columns: `12/31/19,23:59:01`.
    ("%m/%d/%y,%H:%M:%S", "12/31/19,23:59:01"),
    // The same with a four-digit year (a DHCP server log quoted in a public admin guide).
    ("%m/%d/%Y,%H:%M:%S", "04/04/2026,10:15:22"),
    // log4j `%d{...}` patterns from log-viewer's format detector tests
    // (sevdokimov/log-viewer, `LvDefaultFormatDetectorTest`): a month name between year and
    // day (read as a yearless `Jan 01 ...` without these), `_` between date and time, compact
    // date and time apart.
    ("%Y-%b-%d %H:%M:%S.%f", "2020-Jan-01 18:11:00.000"),
    ("%Y-%b-%d %H:%M:%S,%f", "2018-Dec-01 00:00:00,999"),
    ("%Y-%b-%d %H:%M:%S", "2018-Dec-01 00:00:00"),
    ("%Y-%b-%d_%H:%M:%S.%f", "2020-Dec-01_18:11:00.000"),
    ("%Y %b %d %H:%M:%S.%f", "2020 Jan 01 18:11:00.000"),
    ("%Y %b %d %H:%M:%S", "2018 Dec 01 00:00:00"),
    ("%Y-%m-%d_%H:%M:%S,%f", "2020-01-01_18:11:00,000"),
    ("%Y%m%d_%H%M%S.%f", "20200101_181100.555"),
    ("%Y%m%d_%H%M%S,%f", "20200101_181100,555"),
    ("%Y%m%d_%H%M%S", "20200101_181100"),
    ("%Y%m%d %H%M%S", "20200101 181100"),
    ("%Y%m%d%H%M%S%f", "20200101181100555"),
    // Syslog/journalctl on a French system (glibc `fr_FR` month names, lnav's
    // test/logfile_syslog_fr.0): `août 19 11:08:37 nlaptop symphorien[4961]: test`.
    ("%b %e %H:%M:%S", "août 19 11:08:37"),
    // W3C extended log with quoted fields (Imperva Incapsula's logs API, lnav's
    // test/logfile_w3c.4): `"2017-06-28" "07:26:35" "a1f36498-..." "Chrome" ...`.
    ("%Y-%m-%d\" \"%H:%M:%S", "2017-06-28\" \"07:26:35"),
    // MariaDB's error log pads the hour with a space (crowdsecurity/hub test logs):
    // `2021-11-09  5:13:11 8 [Warning] Access denied for user ...`.
    ("%Y-%m-%d %H:%M:%S", "2021-11-09  5:13:11"),
    // Suricata's `fast.log` (crowdsecurity/hub test logs): `07/11/2022-10:29:01.860293  [**] ...`.
    ("%m/%d/%Y-%H:%M:%S.%f", "07/11/2022-10:29:01.860293"),
    // NestJS's console logger (`toLocaleString` en-US; Immich):
    // `[Nest] 7  - 08/02/2023, 7:32:47 PM    WARN [AuthService] ...`.
    ("%m/%d/%Y, %I:%M:%S %p", "08/02/2023, 7:32:47 PM"),
    // ZoneMinder's `web_php` log: `01/25/22 16:08:02.393003 web_php[118770].ERR ...`, and since
    // its PHP `IntlDateFormatter` change `12/17/22, 10:31:29 PM MST.557710 web_php[...]`.
    ("%m/%d/%y %H:%M:%S.%f", "01/25/22 16:08:02.393003"),
    ("%m/%d/%y, %I:%M:%S %p %Z.%f", "12/17/22, 10:31:29 PM MST.557710"),
];
