//! Embeds every `formats/*.toml` in the binary: `OUT_DIR/builtin_formats.rs` holds a slice of
//! (file name, contents), sorted by name so the build is reproducible. Sets `DESKEW_VERSION`
//! for `deskew --version`: the package version and, when built from a git checkout, the
//! commit (a crates.io tarball has no .git: the version alone; `DESKEW_COMMIT` overrides).

use std::{env, fs, path::Path, process::Command};

/// Output of `git ARGS` in the crate's directory, trimmed; `None` without git or a repository.
fn git(args: &[&str]) -> Option<String> {
    let dir = env::var("CARGO_MANIFEST_DIR").ok()?;
    let out = Command::new("git").args(args).current_dir(dir).output().ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !s.is_empty()).then_some(s)
}

fn version() {
    println!("cargo:rerun-if-env-changed=DESKEW_COMMIT");
    let commit = env::var("DESKEW_COMMIT").ok().filter(|c| !c.is_empty()).or_else(|| {
        // Rebuild when HEAD moves: HEAD itself, and the branch it names.
        for p in [
            git(&["rev-parse", "--git-path", "HEAD"]),
            git(&["rev-parse", "--git-path", "packed-refs"]),
        ]
        .into_iter()
        .flatten()
        {
            // A path that does not exist would make cargo rerun this on every build.
            if Path::new(&p).exists() {
                println!("cargo:rerun-if-changed={p}");
            }
        }
        if let Some(r) =
            git(&["symbolic-ref", "-q", "HEAD"]).and_then(|r| git(&["rev-parse", "--git-path", &r]))
        {
            if Path::new(&r).exists() {
                println!("cargo:rerun-if-changed={r}");
            }
        }
        let hash = git(&["rev-parse", "--short=12", "HEAD"])?;
        let date = git(&["log", "-1", "--format=%cs", "HEAD"]);
        Some(match date {
            Some(d) => format!("{hash} {d}"),
            None => hash,
        })
    });
    let v = env::var("CARGO_PKG_VERSION").unwrap_or_default();
    match commit {
        Some(c) => println!("cargo:rustc-env=DESKEW_VERSION={v} ({c})"),
        None => println!("cargo:rustc-env=DESKEW_VERSION={v}"),
    }
}

fn main() {
    version();
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("formats");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from("pub static BUILTIN: &[(&str, &str)] = &[\n");
    for n in &names {
        let p = dir.join(n);
        println!("cargo:rerun-if-changed={}", p.display());
        out.push_str(&format!("    ({n:?}, include_str!({:?})),\n", p.display().to_string()));
    }
    out.push_str("];\n");
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_formats.rs"), out).unwrap();
}
