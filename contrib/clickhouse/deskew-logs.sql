-- deskew's JSONL (`--output-format jsonl`) as a ClickHouse table: `ts` as DateTime64(9), so the
-- corrected instant keeps every digit and sorts as time. Load (see README, "ClickHouse"):
--   clickhouse-client --multiquery < contrib/clickhouse/deskew-logs.sql
--   deskew merge --output-format jsonl logs/ | clickhouse-client --query \
--     "INSERT INTO deskew.logs SETTINGS date_time_input_format = 'best_effort' FORMAT JSONEachRow"
-- A record with no time at all (`ts` null) gets the epoch; `ts_ns` 0.
CREATE DATABASE IF NOT EXISTS deskew;
CREATE TABLE IF NOT EXISTS deskew.logs (
    ts DateTime64(9, 'UTC'),
    ts_ns Int64,
    host LowCardinality(String),
    source LowCardinality(String),
    line UInt64,
    format LowCardinality(Nullable(String)),
    raw_ts Nullable(String),
    offset Float64,
    level LowCardinality(Nullable(String)),
    severity LowCardinality(Nullable(String)),
    severity_number Nullable(UInt8),
    msg String
) ENGINE = MergeTree ORDER BY (ts, host);
