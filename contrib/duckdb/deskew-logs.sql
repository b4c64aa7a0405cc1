-- deskew's JSONL (`--output-format jsonl`) as a DuckDB table, `ts` as TIMESTAMP_NS: every digit
-- of the corrected instant (read_json's own guess is TIMESTAMP WITH TIME ZONE, microseconds).
-- Run where timeline.jsonl is: duckdb deskew.duckdb < contrib/duckdb/deskew-logs.sql
CREATE OR REPLACE TABLE logs AS
SELECT * FROM read_json('timeline.jsonl', format = 'newline_delimited', columns = {
    ts: 'TIMESTAMP_NS', ts_ns: 'BIGINT', host: 'VARCHAR', source: 'VARCHAR', line: 'UBIGINT',
    format: 'VARCHAR', raw_ts: 'VARCHAR', "offset": 'DOUBLE', level: 'VARCHAR',
    severity: 'VARCHAR', severity_number: 'UTINYINT', msg: 'VARCHAR'
});
