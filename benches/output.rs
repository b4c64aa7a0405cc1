//! Throughput of the output side: RFC 3339 formatting, a record as text and as JSONL, the
//! k-way merge, and spilling records to a temporary file and back.
//! Run: `cargo bench --bench output`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use deskew::merge::order_source;
use deskew::merge::spill::{SpillFile, BLOCK};
use deskew::output::{write_record, Names, OutputFormat, SourceView};
use deskew::record::Record;
use deskew::time::rfc3339;

const LINE: &[u8] =
    b"2026-11-20T14:02:03.123456Z web01 nginx[311]: GET /api/orders?id=17 200 \"ok\"";

const ACCESS: &[u8] = b"10.2.241.37 - - [22/Nov/2026:11:29:59 +0530] \"GET /product/8401804 HTTP/2.0\" 200 36981 \"https://shop.example.com/\" \"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1\"";

/// A JSON log line: a quote every few bytes.
const JSON_LINE: &[u8] = br#"{"ts":"2026-11-22T06:00:00.220368Z","level":"info","host":"web01","svc":"accounts","msg":"circuit breaker half-open","trace_id":"b65971c04166beffa59154d0e91ed8cf","span_id":"01561442aae1487c","user_id":425991,"session":"7ca1fcd7251afbb0"}"#;

fn record(key: i64, line: u64) -> Record {
    Record {
        key,
        offset: -1_250_000,
        start: 0,
        end: LINE.len(),
        line,
        raw_ts: (0, 27),
        level: (0, 0),
        host: 0,
        format: 0,
        one_line: true,
        timed: true,
    }
}

/// One record written in each of `formats`, a bench each.
fn records(
    c: &mut Criterion,
    group: &str,
    rec: &Record,
    view: &SourceView,
    names: &Names,
    formats: &[(&str, OutputFormat)],
) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Bytes(view.data.len() as u64));
    for &(name, fmt) in formats {
        let style = deskew::output::Style::new(fmt, Default::default(), None, false, names.formats);
        let mut buf = Vec::with_capacity(1024);
        g.bench_function(name, |b| {
            b.iter(|| {
                buf.clear();
                write_record(&mut buf, &style, std::hint::black_box(rec), view, names, 7);
            })
        });
    }
    g.finish();
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("rfc3339_write");
    g.throughput(Throughput::Elements(1));
    for (name, t) in [
        ("seconds", 1_763_647_323_000_000_000i64),
        ("millis", 1_763_647_323_123_000_000),
        ("nanos", 1_763_647_323_123_456_789),
    ] {
        let mut buf = Vec::with_capacity(64);
        g.bench_function(name, |b| {
            b.iter(|| {
                buf.clear();
                rfc3339::write(&mut buf, std::hint::black_box(t));
            })
        });
    }
    g.finish();

    let hosts = vec!["web01".to_string()];
    let formats = vec!["rfc3339".to_string()];
    let names = Names { hosts: &hosts, formats: &formats };
    let view = SourceView { data: LINE, display_json: "logs/web01/app.log" };
    let rec = record(1_763_647_323_123_456_789, 42);
    let all = [
        ("text", OutputFormat::Text),
        ("jsonl", OutputFormat::Jsonl),
        ("ecs", OutputFormat::Ecs),
        ("otlp", OutputFormat::Otlp),
        ("rfc5424", OutputFormat::Rfc5424),
    ];
    records(c, "write_record", &rec, &view, &names, &all);
    // An access log's line: a quote every few dozen bytes, each escaped in JSON.
    let view = SourceView { data: ACCESS, display_json: "logs/web01/access.log" };
    let rec = Record { end: ACCESS.len(), raw_ts: (17, 43), ..rec };
    records(c, "write_record_access", &rec, &view, &names, &all[..3]);
    // A JSON log line: a quote every few bytes.
    let view = SourceView { data: JSON_LINE, display_json: "logs/web01/app.jsonl" };
    let rec = Record { end: JSON_LINE.len(), raw_ts: (7, 34), level: (45, 49), ..rec };
    records(c, "write_record_json", &rec, &view, &names, &all[..3]);

    let mut g = c.benchmark_group("json_escape");
    g.throughput(Throughput::Bytes(ACCESS.len() as u64));
    let mut buf = Vec::with_capacity(1024);
    g.bench_function("access_line", |b| {
        b.iter(|| {
            buf.clear();
            deskew::output::json_escape(&mut buf, std::hint::black_box(ACCESS));
        })
    });
    g.bench_function("json_line", |b| {
        b.iter(|| {
            buf.clear();
            deskew::output::json_escape(&mut buf, std::hint::black_box(JSON_LINE));
        })
    });
    g.bench_function("raw_ts", |b| {
        b.iter(|| {
            buf.clear();
            deskew::output::json_escape(&mut buf, std::hint::black_box(&ACCESS[17..43]));
        })
    });
    g.bench_function("host", |b| {
        b.iter(|| {
            buf.clear();
            deskew::output::json_escape(&mut buf, std::hint::black_box(b"db01"));
        })
    });
    // Every line of the bundled format samples, escaped one after another into one buffer
    // (as a chunk of output is made): lengths and escapes vary from line to line.
    let mut mixed: Vec<Vec<u8>> = Vec::new();
    for e in std::fs::read_dir("testdata/formats").unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "log") {
            let text = std::fs::read(e.path()).unwrap();
            mixed.extend(text.split(|&c| c == b'\n').map(<[u8]>::to_vec));
        }
    }
    let mut out = Vec::with_capacity(1 << 20);
    g.bench_function("format_sample_lines", |b| {
        b.iter(|| {
            out.clear();
            for l in &mixed {
                deskew::output::json_escape(&mut out, std::hint::black_box(l));
            }
        })
    });
    g.bench_function("copy", |b| {
        b.iter(|| {
            buf.clear();
            buf.extend_from_slice(std::hint::black_box(ACCESS));
        })
    });
    g.finish();

    // 8 sources of 100k records each, interleaved in time as a multi-host corpus is.
    let sources: Vec<Vec<Record>> = (0..8)
        .map(|s| (0..100_000).map(|i| record(i * 8_000 + s * 997, i as u64 + 1)).collect())
        .collect();
    let total: usize = sources.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("merge");
    g.throughput(Throughput::Elements(total as u64));
    g.sample_size(20);
    g.bench_function("order_sorted_100k", |b| {
        b.iter_batched_ref(|| sources[0].clone(), |s| order_source(s), BatchSize::LargeInput)
    });
    g.bench_function("spill_roundtrip_100k", |b| {
        b.iter(|| {
            let mut f = SpillFile::new().unwrap();
            let e = f.append(&sources[0]).unwrap();
            let (mut out, mut n) = (Vec::new(), 0);
            while n < e.count {
                f.read(e, n, BLOCK, &mut out).unwrap();
                n += out.len();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
