//! The fleet timeline on Apache Spark against `deskew merge` on one machine, and the Parquet
//! output read by DuckDB (tests/spark/check_timeline.py does the comparing).
//!
//! Needs a JRE (17+), and pyspark, pyarrow, pandas and duckdb in the venv scripts/test.sh
//! makes at ~/.cache/deskew-test/venv (or $DESKEW_TEST_VENV). Missing them, the test fails
//! under CI=true and says what to install; elsewhere it says so and passes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn venv() -> PathBuf {
    std::env::var_os("DESKEW_TEST_VENV").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
        Path::new(&home).join(".cache/deskew-test/venv")
    })
}

/// What is missing to run the Spark test, if anything.
fn missing(py: &Path) -> Option<String> {
    let java = Command::new("java").arg("-version").output();
    if !java.is_ok_and(|o| o.status.success()) {
        return Some("java (a JRE 17 or later: apt-get install default-jre-headless)".into());
    }
    let mods = Command::new(py).args(["-c", "import pyspark, pyarrow, pandas, duckdb"]).output();
    match mods {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "{}: {}",
            py.display(),
            String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or("")
        )),
        Err(e) => Some(format!("{}: {e}", py.display())),
    }
}

#[test]
fn spark_job_timeline_equals_deskew_merge_record_for_record_and_duckdb_reads_the_parquet() {
    let py = venv().join("bin/python");
    if let Some(what) = missing(&py) {
        let msg = format!("the Spark test needs {what}; run scripts/test.sh, which installs it");
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
        eprintln!("SKIPPED: {msg}");
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::Builder::new().prefix("deskew-spark-test-").tempdir().unwrap();
    // Bounded: the script's own steps have timeouts (Spark's at 900 s).
    let out = Command::new(&py)
        .arg(repo.join("tests/spark/check_timeline.py"))
        .args(["--bin", env!("CARGO_BIN_EXE_deskew")])
        .arg("--work")
        .arg(work.path())
        .arg("--repo")
        .arg(repo)
        .output()
        .expect("run check_timeline.py");
    assert!(
        out.status.success(),
        "check_timeline.py failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
