use super::*;

const S: Nanos = 1_000_000_000;
const MS: Nanos = 1_000_000;

/// Host clocks: reading = true - (a + b·(true - T0)) (offset a, drift b).
struct Clock {
    a: Nanos,
    b: f64,
}
const T0: Nanos = 1_790_000_000 * S;

impl Clock {
    fn read(&self, t: Nanos) -> Nanos {
        t - self.a - (self.b * (t - T0) as f64) as Nanos
    }
    /// The offset at a reading (true - reading), to within a ns.
    fn offset_at(&self, reading: Nanos) -> f64 {
        // true = r + a + b (true - T0)  => true = (r + a - b T0)/(1 - b)
        let r = (reading - T0) as f64;
        let tr = (r + self.a as f64) / (1.0 - self.b);
        tr - r
    }
}

/// lb (0) calls web (1), which calls db (2); each request's spans on each host.
fn collector(clocks: &[Clock], n: i64, violators: &[i64]) -> Collector {
    let mut c = Collector::default();
    let mut x = 12345u64;
    let mut rnd = move |m: i64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as i64
    };
    for k in 0..n {
        let t1 = T0 + k * 300 * MS + rnd(100 * MS);
        let t2 = t1 + 200_000 + rnd(2 * MS); // network, asymmetric and varying
        let t3 = t2 + 300_000 + rnd(MS);
        let t4 = t3 + 100_000 + rnd(5 * MS); // db work
        let t5 = t4 + 50_000 + rnd(300_000);
        let t6 = t5 + 100_000 + rnd(MS);
        let id = k as u64;
        let mut put = |h: u32, a: Nanos, b: Nanos| {
            let (a, b) = (clocks[h as usize].read(a), clocks[h as usize].read(b));
            c.push(id, 0, h, a);
            c.push(id, 0, h, b);
            for t in [a, b] {
                c.range(h, (t, t));
            }
        };
        put(0, t1, t6);
        if violators.contains(&k) {
            put(1, t2, t6 + 20 * MS); // logged its end long after
        } else {
            put(1, t2, t5);
        }
        put(2, t3, t4);
    }
    c
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("h{i}")).collect()
}

#[test]
#[allow(clippy::needless_range_loop)]
fn a_chain_of_calls_recovers_every_host_offset_and_drift() {
    let clocks = [
        Clock { a: 0, b: 0.0 },
        Clock { a: 2 * S + 345 * MS, b: 40e-6 },
        Clock { a: -7 * S, b: -25e-6 },
    ];
    let c = collector(&clocks, 3000, &[]);
    let inf = infer(&c, &names(3), &[true, false, false], None);
    assert_eq!(inf.outcomes[0], Outcome::Anchor);
    for h in 1..3 {
        let Outcome::Inferred { line, width, .. } = &inf.outcomes[h] else {
            panic!("{:?}", inf.outcomes[h])
        };
        let (lo, hi) = c.range_of(h as u32).unwrap();
        for t in [lo, (lo + hi) / 2, hi] {
            let err = line.at(t) - clocks[h].offset_at(t);
            assert!(err.abs() < 0.5e6, "host {h}: error {err} ns, width {width}");
            assert!(err.abs() <= width / 2.0 + 1e3, "host {h}: error {err} outside ±{width}/2");
        }
        let want = -clocks[h].b * 1e6;
        assert!((line.drift_ppm() - want).abs() < 2.0, "{} vs {want}", line.drift_ppm());
    }
    assert!(inf.disagreements.is_empty());
    let report = inf.report();
    let has = |s: &str| report.iter().any(|l| l.starts_with(s));
    assert!(has("correlate: h0: anchor: its offset history"), "{report:?}");
    for h in ["h1", "h2"] {
        let l = report.iter().find(|l| l.starts_with(&format!("correlate: {h}: offset"))).unwrap();
        assert!(l.contains("anchored to h0") && l.contains("ppm"), "{l}");
    }
    // One line per pair, who called whom, its offset and drift.
    for pair in ["h0 -> h1: 3000 requests", "h0 -> h2: 3000 requests", "h1 -> h2: 3000 requests"] {
        assert!(has(&format!("correlate: {pair}")), "{pair}: {report:?}");
    }
    assert!(report.iter().any(|l| l.contains("h1's clock is 2.3") && l.contains("behind h0's")));
    assert_eq!(report.len(), 6, "{report:?}");
}

#[test]
fn violators_are_dropped_and_the_offset_still_found() {
    let clocks =
        [Clock { a: 0, b: 0.0 }, Clock { a: -3 * S, b: 10e-6 }, Clock { a: 5 * S, b: 0.0 }];
    let c = collector(&clocks, 2000, &[5, 700, 1500]);
    let inf = infer(&c, &names(3), &[true, false, false], None);
    let Outcome::Inferred { line, .. } = &inf.outcomes[1] else { panic!() };
    let t = c.range_of(1).unwrap().0;
    assert!((line.at(t) - clocks[1].offset_at(t)).abs() < 1e6);
}

#[test]
fn without_a_known_host_the_best_linked_one_is_the_reference() {
    let clocks = [Clock { a: 0, b: 0.0 }, Clock { a: S, b: 0.0 }, Clock { a: 2 * S, b: 0.0 }];
    let c = collector(&clocks, 500, &[]);
    let inf = infer(&c, &names(3), &[false, false, false], None);
    // every host links to both others: the first is taken
    assert_eq!(inf.chosen_reference, Some(0));
    assert!(inf.report()[0].contains("--reference"));
    let inf = infer(&c, &names(3), &[false, false, false], Some(2));
    assert_eq!(inf.outcomes[2], Outcome::Anchor);
    assert_eq!(inf.chosen_reference, None);
}

#[test]
fn a_history_the_logs_contradict_is_reported() {
    // Both "known", but host 1's history left it 50 ms off.
    let clocks = [Clock { a: 0, b: 0.0 }, Clock { a: 50 * MS, b: 0.0 }, Clock { a: 0, b: 0.0 }];
    let c = collector(&clocks, 500, &[]);
    let inf = infer(&c, &names(3), &[true, true, true], None);
    assert!(inf.disagreements.iter().any(|d| (d.x, d.y) == (0, 1)), "{:?}", inf.disagreements);
    assert!(inf.report().iter().any(|l| l.contains("contradict the logs")));
}

#[test]
fn a_host_without_shared_ids_is_left_alone() {
    let clocks = [Clock { a: 0, b: 0.0 }, Clock { a: S, b: 0.0 }, Clock { a: 0, b: 0.0 }];
    let mut c = collector(&clocks, 100, &[]);
    c.range(3, (T0, T0 + S));
    let inf = infer(&c, &names(4), &[true, false, false, false], None);
    assert_eq!(inf.outcomes[3], Outcome::NoLinks);
    assert_eq!(inf.unlinked(&c).collect::<Vec<_>>(), vec!["h3"]);
    let models = inf.models(|h| c.range_of(h));
    assert!(models[0].is_none() && models[3].is_none() && models[1].is_some());
}
