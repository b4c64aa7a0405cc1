//! What trying each format costs per line on the first 1000 lines of each FILE (detection tries
//! every format on them): `cargo run --release --example detcost -- FILE...`. Prints the total
//! and the costliest formats, with how many lines each took.
use deskew::format::Registry;
fn main() {
    let reg = Registry::load(&[] as &[&str]).unwrap();
    for path in std::env::args().skip(1) {
        let data = std::fs::read(&path).unwrap();
        let lines: Vec<&[u8]> = data[..data.len().min(512 << 10)]
            .split(|&b| b == b'\n')
            .take(1000)
            .filter(|l| !l.is_empty())
            .collect();
        let n = reg.formats.len() - 1;
        let mut v = Vec::new();
        let mut total = 0.0;
        for i in 0..n {
            let f = &reg.formats[i];
            let mut s = f.scratch();
            let mut hits = 0;
            let t = std::time::Instant::now();
            for _ in 0..20 {
                for l in &lines {
                    if f.parse(i as u16, l, &mut s).is_some() {
                        hits += 1;
                    }
                }
            }
            let ns = t.elapsed().as_nanos() as f64 / 20.0 / lines.len() as f64;
            total += ns;
            v.push((ns, f.name().to_string(), hits / 20));
        }
        v.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
        println!(
            "{path}: total {:.0} ns/line; {}",
            total,
            v.iter()
                .take(12)
                .map(|(ns, n, h)| format!(
                    "{n} {ns:.0}{}",
                    if *h > 0 { format!("({h})") } else { String::new() }
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
