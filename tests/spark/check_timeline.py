#!/usr/bin/env python3
"""The fleet timeline two ways, compared: `deskew merge` on one machine, and the Spark job
(contrib/spark/deskew_spark.py) in local[2] mode, on an 8-host corpus from the bench generator.

Checks, failing with a message (exit 1) on the first that does not hold:
- deskew's Parquet has the documented column types, as DuckDB reads them, and the count;
- deskew's Parquet holds the records of its JSONL output, in the same order;
- every input line is in exactly one record (the lines of the messages add up, and no
  source line is in two records);
- the Spark timeline, read file by file in partition order, is the same records in the same
  order as deskew merge's, and DuckDB reads its Hive partitions with the same count.

Every file (corpus, Spark's temp, local and warehouse dirs, Ivy cache) goes under --work.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys

HOSTS = ["web01", "api01", "db01", "worker01", "cache01", "auth01", "mq01", "batch01"]

EXPECTED_TYPES = {
    "time": "TIMESTAMP WITH TIME ZONE", "ts_ns": "BIGINT", "key_ns": "BIGINT", "seq": "BIGINT",
    "host": "VARCHAR", "source": "VARCHAR", "line": "BIGINT", "format": "VARCHAR",
    "raw_ts": "VARCHAR", "offset_ns": "BIGINT", "level": "VARCHAR",
    "severity": "VARCHAR", "severity_number": "INTEGER", "msg": "VARCHAR", "part": "INTEGER",
}
FIELDS = "ts_ns, key_ns, epoch_us(time), host, source, line, format, raw_ts, offset_ns, level, msg"


def fail(msg):
    print(f"check_timeline: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def run(args, timeout, **kw):
    r = subprocess.run(args, capture_output=True, timeout=timeout, **kw)
    if r.returncode != 0:
        fail(f"{args[0]} {' '.join(args[1:4])}... exited {r.returncode}:\n{r.stderr.decode(errors='replace')[-6000:]}")
    return r


def rows(con, path):
    """A Parquet file's rows in file order."""
    return con.execute(
        f"SELECT {FIELDS} FROM read_parquet(?, file_row_number=true) ORDER BY file_row_number",
        [path]).fetchall()


def spark_files(out):
    """The Spark job's Parquet files in timeline order: partitions by (dt, hour) with the
    null partition first, files by task number (the range they hold)."""
    def key(p):
        m = re.search(r"dt=([^/]+)/hour=([^/]+)/part-(\d+)", p)
        dt, hour, part = m.group(1), m.group(2), int(m.group(3))
        null = dt == "__HIVE_DEFAULT_PARTITION__"
        return (not null, dt, -1 if null else int(hour), part)
    return sorted(glob.glob(os.path.join(out, "dt=*", "hour=*", "*.parquet")), key=key)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--repo", required=True)
    p.add_argument("--mb", default="4")
    a = p.parse_args()
    import duckdb

    py = sys.executable
    corpus = os.path.join(a.work, "corpus")
    run([py, os.path.join(a.repo, "scripts", "bench", "gen_corpus.py"), "--out", corpus,
         "--hosts", str(len(HOSTS)), "--mb", a.mb, "--no-iso"], 300)
    with open(os.path.join(corpus, "deskew.args")) as f:
        args = f.read().split()
    i = args.index("--offsets")
    history = args[i + 1]
    del args[i:i + 2]
    dirs = [os.path.join(corpus, h) for h in HOSTS]

    # (a) one machine.
    one = os.path.join(a.work, "one.parquet")
    run([a.bin, "merge", "-q", "--no-progress", "--output-format", "parquet", "-o", one,
         "--offsets", history] + args + dirs, 300)
    jl = run([a.bin, "merge", "-q", "--no-progress", "--output-format", "jsonl",
              "--offsets", history] + args + dirs, 300).stdout.decode().splitlines()

    con = duckdb.connect()
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))", [one]).fetchall())
    if types != EXPECTED_TYPES:
        fail(f"DuckDB reads deskew's Parquet as {types}, expected {EXPECTED_TYPES}")
    merged = rows(con, one)
    (count,) = con.execute("SELECT count(*) FROM read_parquet(?)", [one]).fetchone()
    if count != len(merged) or count != len(jl) or count == 0:
        fail(f"counts: DuckDB {count}, rows {len(merged)}, JSONL records {len(jl)}")
    for n, (r, j) in enumerate(zip(merged, jl)):
        j = json.loads(j)
        if (r[3], r[4], r[5], r[10]) != (j["host"], j["source"], j["line"], j["msg"]):
            fail(f"record {n}: Parquet {r[3:6]} {r[10][:60]!r} but JSONL {j['host']} {j['source']} {j['line']} {j['msg'][:60]!r}")
        if (r[0] is None) != (j["ts"] is None):
            fail(f"record {n}: a time in one output only")
    (seq_ok,) = con.execute("SELECT bool_and(seq = file_row_number) FROM read_parquet(?, file_row_number=true)", [one]).fetchone()
    if not seq_ok:
        fail("seq is not the record's place in the output")

    # Every line once.
    lines = 0
    for d in dirs:
        for root, _, files in os.walk(d):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    data = fh.read()
                lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    in_records = sum(r[10].count("\n") + 1 for r in merged)
    if in_records != lines:
        fail(f"the records hold {in_records} lines, the input has {lines}")
    if len({(r[4], r[5]) for r in merged}) != len(merged):
        fail("a source line starts two records")

    # (b) Spark, local[2]: two groups of four hosts.
    spark = os.path.join(a.work, "spark")
    for d in ("tmp", "local", "ivy", "warehouse"):
        os.makedirs(os.path.join(spark, d), exist_ok=True)
    env = dict(os.environ, PYSPARK_PYTHON=py, PYSPARK_DRIVER_PYTHON=py,
               SPARK_LOCAL_DIRS=os.path.join(spark, "local"), TMPDIR=os.path.join(spark, "tmp"))
    env.pop("SPARK_HOME", None)
    submit = os.path.join(os.path.dirname(py), "spark-submit")
    out = os.path.join(spark, "timeline")
    run([submit, "--master", "local[2]", "--files", a.bin,
         "--conf", "spark.jars.ivy=" + os.path.join(spark, "ivy"),
         "--conf", "spark.sql.warehouse.dir=" + os.path.join(spark, "warehouse"),
         "--conf", "spark.ui.enabled=false",
         "--driver-java-options", "-Djava.io.tmpdir=" + os.path.join(spark, "tmp"),
         os.path.join(a.repo, "contrib", "spark", "deskew_spark.py"),
         "--deskew", os.path.basename(a.bin), "--hosts-per-group", "4",
         "--history", history, "--deskew-args", " ".join(args),
         "--work-dir", os.path.join(spark, "tmp"), "--out", out] + dirs, 900, env=env, cwd=spark)
    files = spark_files(out)
    if not files:
        fail(f"the Spark job wrote no Parquet under {out}")
    timeline = [r for f in files for r in rows(con, f)]
    if len(timeline) != len(merged):
        fail(f"Spark's timeline has {len(timeline)} records, deskew merge's {len(merged)}")
    for n, (s, m) in enumerate(zip(timeline, merged)):
        if s != m:
            fail(f"record {n} differs:\n  spark  {s[:10]} {s[10][:80]!r}\n  deskew {m[:10]} {m[10][:80]!r}")
    (hive,) = con.execute(
        "SELECT count(*) FROM read_parquet(?, hive_partitioning=true)",
        [os.path.join(out, "dt=*", "hour=*", "*.parquet")]).fetchone()
    if hive != count:
        fail(f"DuckDB reads {hive} records from Spark's partitions, expected {count}")
    print(f"check_timeline: ok: {count} records, {lines} lines, {len(files)} Spark files, same order")


if __name__ == "__main__":
    main()
