//! What one format costs per line over a whole file: `cargo run --release --example fmtcost --
//! FORMAT FILE [REPS]`. Prints the fastest of REPS passes (default 5), so that a pass cut by
//! another process does not count, and how many lines the format took.
use deskew::format::Registry;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, name, path, rest @ ..] = &args[..] else {
        eprintln!("usage: fmtcost FORMAT FILE [REPS]");
        std::process::exit(2);
    };
    let reps: usize = rest.first().and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    let reg = Registry::load(&[] as &[&str]).expect("the built-in formats load");
    let Some(i) = reg.formats.iter().position(|f| f.name() == name) else {
        eprintln!("no format {name} (see `deskew formats`)");
        std::process::exit(2);
    };
    let f = &reg.formats[i];
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let mut scratch = f.scratch();
    let (mut best, mut hits) = (f64::MAX, 0);
    for _ in 0..reps {
        let t = std::time::Instant::now();
        hits = lines.iter().filter(|l| f.parse(i as u16, l, &mut scratch).is_some()).count();
        best = best.min(t.elapsed().as_nanos() as f64);
    }
    println!(
        "{name} on {path}: {:.1} ns/line, {} lines, {hits} taken",
        best / lines.len().max(1) as f64,
        lines.len()
    );
}
