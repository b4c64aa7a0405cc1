#!/usr/bin/env python3
"""deskew on Apache Spark: the fleet-wide timeline of many hosts' logs.

Each executor task runs `deskew merge --output-format parquet` on a group of hosts (parse,
normalize, correct each host's clock from its own history: work that is independent per host),
and Spark does what it is good at: the global sort. The timeline is ordered by the merge key
with deskew merge's tie-break, so it is the very order `deskew merge` gives on one machine for
the same host list: equal keys keep source order (host directories in list order, their files
in deskew's reading order), then line order. Groups are contiguous slices of the host list,
so (key_ns, host_group, seq) is that order: `seq` is a record's place in its group's deskew output.

    spark-submit --master yarn --files target/release/deskew \\
        contrib/spark/deskew_spark.py --hosts-file hosts.txt --history s3a://logs/history \\
        --deskew-args "--year 2026 --tz UTC" --out s3a://logs/timeline

Inputs go through Spark's own filesystem layer (the binaryFile source): local paths,
hdfs://, s3a://, whatever Hadoop is configured for. See README.md beside this file for
sizing and limits.
"""

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

from pyspark import SparkFiles
from pyspark.sql import SparkSession, functions as F, types as T


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("hosts", nargs="*", metavar="HOST_DIR",
                   help="host directories (each holds one host's logs; its name is the host's)")
    p.add_argument("--hosts-file", metavar="FILE",
                   help="a local file: one host directory a line, optionally TAB and that host's history file")
    p.add_argument("--history", metavar="DIR",
                   help="offset histories: a file belongs to the host its name (web01.jsonl) or first directory (web01/tracking.log) names")
    p.add_argument("--out", required=True, metavar="DIR", help="where the timeline goes (partitioned dt=/hour=)")
    p.add_argument("--out-format", choices=["parquet", "jsonl"], default="parquet")
    p.add_argument("--hosts-per-group", type=int, default=16, metavar="N",
                   help="hosts one deskew run handles (default 16)")
    p.add_argument("--out-partitions", type=int, default=0, metavar="N",
                   help="ranges of the sort (default: the default parallelism)")
    p.add_argument("--deskew", default="deskew", metavar="NAME",
                   help="the binary's name as shipped with --files (default deskew), or a path on every executor")
    p.add_argument("--deskew-args", default="", metavar="ARGS",
                   help="extra options for deskew merge, e.g. \"--year 2026 --host-tz web01=Europe/Berlin\"")
    p.add_argument("--work-dir", metavar="DIR",
                   help="local scratch directory on executors (default: the system temp dir)")
    a = p.parse_args(argv)
    if a.hosts_per_group < 1:
        p.error("--hosts-per-group must be at least 1")
    return a


def host_list(a):
    """[(host_dir, history or None)] in the order given."""
    hosts = [(h, None) for h in a.hosts]
    if a.hosts_file:
        with open(a.hosts_file, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\r\n")
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                d, _, hist = line.partition("\t")
                hosts.append((d.strip(), hist.strip() or None))
    if not hosts:
        sys.exit("deskew_spark: no host directories given")
    return hosts


def qualify(spark, path):
    """The fully qualified form Spark's file sources report (file:/x, hdfs://nn/x)."""
    jvm = spark.sparkContext._jvm
    p = jvm.org.apache.hadoop.fs.Path(path)
    fs = p.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    return str(fs.makeQualified(p)).rstrip("/")


def base_name(path):
    return path.rstrip("/").rsplit("/", 1)[-1]


def history_owner(rel):
    """The host a history file's path (relative to --history) names, lower case."""
    first = rel.split("/", 1)[0]
    return (first.split(".", 1)[0] if "/" not in rel else first).lower()


def run_groups(deskew, extra, work, given, histories):
    """The mapInArrow function: files in, each group's deskew output rows out."""

    def run(batches):
        import pyarrow as pa
        import pyarrow.parquet as pq

        root = tempfile.mkdtemp(prefix="deskew-spark-", dir=work)
        try:
            groups = {}
            for b in batches:
                for g, h, rel, content in zip(*(b.column(c).to_pylist() for c in ("group", "host_idx", "rel", "content"))):
                    local = os.path.join(root, str(g), str(h), base_name(given[h][0]))
                    groups.setdefault(g, set()).add(h)
                    dest = os.path.join(local, rel)
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    with open(dest, "wb") as f:
                        f.write(content)
            binary = deskew if os.path.isabs(deskew) else SparkFiles.get(deskew)
            if not os.access(binary, os.X_OK):
                os.chmod(binary, 0o755)
            for g in sorted(groups):
                hosts = sorted(groups[g])
                gdir = os.path.join(root, str(g))
                args = [binary, "merge", "-q", "--no-progress", "--output-format", "parquet",
                        "-o", os.path.join(gdir, "out.parquet")] + extra
                hist_dir = os.path.join(gdir, "history")
                for h in hosts:
                    name = base_name(given[h][0]).lower()
                    for rel, data in histories.get(name, []):
                        dest = os.path.join(hist_dir, rel)
                        os.makedirs(os.path.dirname(dest), exist_ok=True)
                        with open(dest, "wb") as f:
                            f.write(data)
                if os.path.isdir(hist_dir):
                    args += ["--offsets", hist_dir]
                local = [os.path.join(gdir, str(h), base_name(given[h][0])) for h in hosts]
                args += local
                r = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                if r.returncode != 0:
                    raise RuntimeError(f"deskew failed on group {g} ({r.returncode}): {r.stderr.decode(errors='replace')[-4000:]}")
                # The sources as the user named them, not the scratch copies.
                rename = {l + "/": given[h][0].rstrip("/") + "/" for l, h in zip(local, hosts)}

                def source_of(s):
                    for l, orig in rename.items():
                        if s.startswith(l):
                            return orig + s[len(l):]
                    return s

                pf = pq.ParquetFile(os.path.join(gdir, "out.parquet"))
                for rb in pf.iter_batches(batch_size=65536):
                    src = rb.column("source").dictionary_encode()
                    names = pa.array([source_of(s) for s in src.dictionary.to_pylist()], pa.string())
                    cols = {n: rb.column(n) for n in rb.schema.names}
                    cols["source"] = names.take(src.indices)
                    cols["host_group"] = pa.array([g] * rb.num_rows, pa.int32())
                    yield pa.RecordBatch.from_pydict(cols)
                shutil.rmtree(gdir, ignore_errors=True)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    return run


# The deskew Parquet schema (README "Parquet output"), plus the group.
ROW = T.StructType([
    T.StructField("time", T.TimestampType()),
    T.StructField("ts_ns", T.LongType()),
    T.StructField("key_ns", T.LongType()),
    T.StructField("seq", T.LongType(), False),
    T.StructField("host", T.StringType(), False),
    T.StructField("source", T.StringType(), False),
    T.StructField("line", T.LongType(), False),
    T.StructField("format", T.StringType()),
    T.StructField("raw_ts", T.StringType()),
    T.StructField("offset_ns", T.LongType(), False),
    T.StructField("level", T.StringType()),
    T.StructField("severity", T.StringType()),
    T.StructField("severity_number", T.IntegerType()),
    T.StructField("msg", T.StringType(), False),
    T.StructField("part", T.IntegerType()),
    T.StructField("host_group", T.IntegerType(), False),
])


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    hosts = host_list(a)
    spark = (SparkSession.builder.appName("deskew-timeline")
             .config("spark.sql.session.timeZone", "UTC")
             # A row of the binaryFile source is a whole file: few at a time into Python.
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", "4")
             .getOrCreate())
    sc = spark.sparkContext

    qualified = {qualify(spark, d): i for i, (d, _) in enumerate(hosts)}
    n_groups = (len(hosts) + a.hosts_per_group - 1) // a.hosts_per_group

    def locate(path):
        p = path
        while "/" in p:
            p = p.rsplit("/", 1)[0]
            i = qualified.get(p)
            if i is not None:
                return (i, i // a.hosts_per_group, path[len(p) + 1:])
        return None

    where = F.udf(locate, T.StructType([
        T.StructField("host_idx", T.IntegerType()),
        T.StructField("group", T.IntegerType()),
        T.StructField("rel", T.StringType()),
    ]))
    files = (spark.read.format("binaryFile").option("recursiveFileLookup", "true")
             .load([d for d, _ in hosts])
             .select(where("path").alias("w"), "content")
             .select("w.host_idx", "w.group", "w.rel", "content"))

    # Histories are small: read once on the driver, shipped to each task with its hosts.
    histories = {}
    if a.history:
        hist = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(a.history)
        top = qualify(spark, a.history)
        for r in hist.select("path", "content").collect():
            rel = r.path[len(top) + 1:]
            histories.setdefault(history_owner(rel), []).append((rel, bytes(r.content)))
    for d, h in hosts:
        if h:
            data = spark.read.format("binaryFile").load(h).select("content").first()
            name = base_name(d).lower()
            histories.setdefault(name, []).append((name + "/" + base_name(h), bytes(data.content)))
    histories = sc.broadcast(histories)

    extra = shlex.split(a.deskew_args)
    records = (files.repartitionByRange(n_groups, "group")
               .mapInArrow(lambda it: run_groups(a.deskew, extra, a.work_dir, hosts, histories.value)(it), ROW))

    # Partition by the merge key's UTC day and hour: records without a time of their own stay
    # beside the record before them; those before any time go to the null partition.
    hour = F.timestamp_micros(F.floor(F.col("key_ns") / 1000).cast("long"))
    order = [F.col("key_ns").asc_nulls_first(), F.col("host_group"), F.col("seq")]
    timeline = (records.withColumn("dt", F.date_format(hour, "yyyy-MM-dd"))
                .withColumn("hour", F.hour(hour))
                .repartitionByRange(a.out_partitions or sc.defaultParallelism, *order)
                # dt and hour first: the writer then needs no sort of its own (which would
                # not keep equal keys in order).
                .sortWithinPartitions(F.col("dt").asc_nulls_first(), F.col("hour").asc_nulls_first(), *order))
    w = timeline.write.mode("errorifexists").partitionBy("dt", "hour")
    if a.out_format == "parquet":
        w.option("compression", "zstd").parquet(a.out)
    else:
        w.json(a.out)
    spark.stop()


if __name__ == "__main__":
    main()
