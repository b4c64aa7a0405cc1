use super::*;
use proptest::prelude::*;

const S: Nanos = 1_000_000_000;

fn smp(t: Nanos, off: Nanos) -> Sample {
    Sample {
        host_time: t,
        offset: off,
        delay: None,
        source: 0,
        step: false,
        boot: None,
        mono: None,
    }
}

#[test]
fn constant_model() {
    let m = Model::constant(2_500 * MS);
    let l = m.lookup(12345);
    assert_eq!(l.offset, 2_500 * MS);
    assert!(!l.outside);
    assert_eq!(m.coverage(), None);
}

#[test]
fn empty_model() {
    let m = Model::build(&[]);
    assert_eq!(m.lookup(5).offset, 0);
    assert!(m.lookup(5).outside);
    assert_eq!(m.drift_ppm(), None);
}

#[test]
fn interpolates_and_holds_edges() {
    let m = Model::build(&[smp(100 * S, 10 * MS), smp(200 * S, 20 * MS)]);
    assert_eq!(m.lookup(150 * S).offset, 15 * MS);
    assert_eq!(m.lookup(50 * S), Lookup { offset: 10 * MS, outside: true });
    assert_eq!(m.lookup(250 * S), Lookup { offset: 20 * MS, outside: true });
    assert!(!m.lookup(200 * S).outside);
    assert_eq!(m.coverage(), Some((100 * S, 200 * S)));
    // 10 ms per 100 s: the offset grows, the clock runs slow by 100 ppm
    assert!((m.drift_ppm().unwrap() + 100.0).abs() < 1e-6);
}

#[test]
fn rejects_outlier_and_weighs_low_delay() {
    let mut v: Vec<Sample> = (0..20).map(|i| smp(i * 64 * S, 5 * MS)).collect();
    v[7].offset = 900 * MS; // a falseticker, once
    let m = Model::build(&v);
    assert_eq!(m.rejected(), 1);
    assert!(m.steps().is_empty());
    assert_eq!(m.lookup(7 * 64 * S).offset, 5 * MS);

    let mut a = smp(10 * S, 0);
    a.delay = Some(MS);
    let mut b = smp(10 * S + MS, 10 * MS);
    b.delay = Some(20 * MS);
    let m = Model::build(&[a, b]);
    let k: Vec<&[Knot]> = m.segments().collect();
    assert_eq!(k.len(), 1);
    assert_eq!(k[0].len(), 1);
    assert!(k[0][0].off < MS, "{:?}", k[0]);
}

#[test]
fn forward_step_not_interpolated() {
    // clock stepped forward by 1 s between t=100 and t=110: offset 0 -> -1 s
    let v = [
        smp(0, 0),
        smp(50 * S, 0),
        smp(100 * S, 0),
        smp(110 * S, -S),
        smp(150 * S, -S),
        smp(200 * S, -S),
    ];
    let m = Model::build(&v);
    assert_eq!(m.steps().len(), 1);
    assert!(!m.steps()[0].marked);
    assert_eq!(m.lookup(100 * S).offset, 0);
    assert_eq!(m.lookup(104 * S).offset, 0);
    assert_eq!(m.lookup(106 * S).offset, -S);
    assert_eq!(m.lookup(120 * S).offset, -S);
}

#[test]
fn backward_step_uses_stream_order() {
    // clock set back by 10 s at host reading ~105 (true 105): readings 95..105 occur twice
    let v = [smp(0, 0), smp(50 * S, 0), smp(100 * S, 0), smp(96 * S, 10 * S), smp(150 * S, 10 * S)];
    let m = Model::build(&v);
    assert_eq!(m.steps().len(), 1);
    // fresh lookup in the overlap: the earlier segment
    assert_eq!(m.lookup(98 * S).offset, 0);
    let mut c = m.cursor();
    let mut got = Vec::new();
    for t in [90, 100, 102, 104, 95, 98, 101, 110, 120] {
        got.push(c.lookup(t * S).offset / S);
    }
    assert_eq!(got, [0, 0, 0, 0, 10, 10, 10, 10, 10]);
    // a cursor jumping far back starts over
    assert_eq!(c.lookup(10 * S).offset, 0);
}

#[test]
fn marked_step_splits_even_small_change() {
    let mut v: Vec<Sample> = (0..6).map(|i| smp(i * 10 * S, 0)).collect();
    v[3].step = true;
    v[3].offset = -MS / 2;
    v[4].offset = -MS / 2;
    v[5].offset = -MS / 2;
    let m = Model::build(&v);
    assert_eq!(m.steps().len(), 1);
    assert!(m.steps()[0].marked);
    assert_eq!(m.lookup(22 * S).offset, 0);
    assert_eq!(m.lookup(28 * S).offset, -MS / 2);
}

fn smooth_samples() -> impl Strategy<Value = Vec<Sample>> {
    (-5_000i64..5_000, -200i64..200, prop::collection::vec((1i64..600, -500i64..500), 2..60))
        .prop_map(|(base_ms, ppm, steps)| {
            let mut t = 1_700_000_000 * S;
            steps
                .into_iter()
                .map(|(dt, noise_us)| {
                    t += dt * S;
                    let drift = (t - 1_700_000_000 * S) / 1_000_000 * ppm;
                    smp(t, base_ms * MS + drift + noise_us * 1000)
                })
                .collect()
        })
}

proptest! {
    #[test]
    fn cursor_equals_fresh_search(v in smooth_samples(), qs in prop::collection::vec(0i64..40_000, 1..80)) {
        let m = Model::build(&v);
        prop_assert!(m.steps().is_empty());
        let mut c = m.cursor();
        let t0 = 1_700_000_000 * S - 1000 * S;
        for q in qs {
            let t = t0 + q * S;
            prop_assert_eq!(c.lookup(t), m.lookup(t));
        }
    }

    #[test]
    fn corrected_time_continuous_and_interpolated(v in smooth_samples(), q in 0u64..1_000_000) {
        let m = Model::build(&v);
        let segs: Vec<&[Knot]> = m.segments().collect();
        prop_assert_eq!(segs.len(), 1);
        let k = segs[0];
        if k.len() >= 2 {
            let span = (k[k.len() - 1].t - k[0].t) as u64;
            let t = k[0].t + (q as u128 * span as u128 / 1_000_000) as Nanos;
            let i = k.partition_point(|x| x.t <= t).saturating_sub(1).min(k.len() - 2);
            let (a, b) = (k[i], k[i + 1]);
            let want = a.off as f64 + (b.off - a.off) as f64 * (t - a.t) as f64 / (b.t - a.t) as f64;
            let l = m.lookup(t);
            prop_assert!((l.offset as f64 - want).abs() <= 1.0);
            prop_assert!(!l.outside);
            // continuity: one ns later moves the corrected time by ~1 ns (slope < 1e-3)
            let l2 = m.lookup(t + 1);
            let d = (t + 1 + l2.offset) - (t + l.offset);
            prop_assert!((0..=2).contains(&d), "jump {}", d);
        }
    }

    #[test]
    fn no_panic_on_any_samples(v in prop::collection::vec((any::<i32>(), any::<i32>(), any::<bool>()), 0..40), qs in prop::collection::vec(any::<i64>(), 0..20)) {
        let s: Vec<Sample> = v.iter().map(|&(t, o, st)| { let mut x = smp(t as i64 * 1000, o as i64 * 1000); x.step = st; x }).collect();
        let m = Model::build(&s);
        let mut c = m.cursor();
        for q in qs { c.lookup(q); m.lookup(q); }
        m.drift_ppm();
    }
}
