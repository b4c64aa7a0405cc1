//! Throughput of the hot paths: the timestamp scanner on each layout (a line's start and a
//! captured field), format matching per line, and a whole source through scan (parallel
//! chunks). Run: `cargo bench --bench parse`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use deskew::format::detect::Matcher;
use deskew::format::Registry;
use deskew::time::scan;

const LINES: &[&str] = &[
    "2026-11-20T14:02:03.123456Z web01 nginx[311]: GET /api/orders 200",
    "Nov 20 14:02:03 web01 sshd[19939]: authentication failure; logname= uid=0",
    r#"{"level":"info","ts":1763647323.1234567,"caller":"app/main.go:42","msg":"request done","status":200}"#,
    r#"10.0.0.5 - - [20/Nov/2026:14:02:03 +0000] "GET /api/orders HTTP/1.1" 200 512 "-" "curl/8.0""#,
    "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created",
    "<165>1 2026-11-20T14:02:03.003+01:00 web01 app 311 ID47 - request done",
    "20/Nov/2026:14:02:03 +0000 GET /api/orders 200",
    "Fri Nov 20 14:02:03 2026 pid 311 started",
];

/// Captured field values, as JSON and key=value formats hand them to `scan::exact`.
const FIELDS: &[&str] = &[
    "2026-11-20T14:02:03.123Z",
    "1763647323123",
    "1763647323.1234567",
    "2026-11-20 14:02:03.123456+05:30",
];

fn corpus(line: &str, n: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity((line.len() + 1) * n);
    for _ in 0..n {
        v.extend_from_slice(line.as_bytes());
        v.push(b'\n');
    }
    v
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("scan_leading");
    for l in LINES {
        g.throughput(Throughput::Bytes(l.len() as u64));
        g.bench_function(&l[..12], |b| {
            b.iter(|| scan::leading(std::hint::black_box(l.as_bytes())))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("scan_exact");
    for f in FIELDS {
        g.throughput(Throughput::Bytes(f.len() as u64));
        g.bench_function(*f, |b| b.iter(|| scan::exact(std::hint::black_box(f.as_bytes()))));
    }
    g.finish();

    let reg = Registry::load(&[] as &[&str]).unwrap();
    let mut g = c.benchmark_group("source_scan");
    for l in LINES {
        let data = corpus(l, 100_000);
        let m = Matcher::detect(&reg, &data, None);
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.sample_size(10);
        g.bench_function(&l[..12], |b| b.iter(|| deskew::pipeline::scan::scan(&data, &m)));
    }
    g.finish();

    // One line per format of the shared bench corpus: the format's parse (the direct walk, see
    // format/direct.rs) against its whole regex with captures, as before.
    let mut g = c.benchmark_group("format_parse");
    for (name, l) in
        [("combined", LINES[3]), ("rfc5424", LINES[5]), ("log4j", LINES[4]), ("rfc3164", LINES[1])]
    {
        let i = reg.by_name(name).unwrap();
        let f = &reg.formats[i as usize];
        let re = regex::bytes::Regex::new(f.def.regex.as_deref().unwrap()).unwrap();
        let mut locs = f.scratch();
        assert!(f.parse(i, l.as_bytes(), &mut locs).is_some(), "{name}");
        g.throughput(Throughput::Bytes(l.len() as u64));
        g.bench_function(format!("{name}/direct"), |b| {
            b.iter(|| f.parse(i, std::hint::black_box(l.as_bytes()), &mut locs))
        });
        let mut cl = re.capture_locations();
        g.bench_function(format!("{name}/regex"), |b| {
            b.iter(|| re.captures_read(&mut cl, std::hint::black_box(l.as_bytes())).is_some())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
