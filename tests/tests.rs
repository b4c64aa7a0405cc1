//! The integration tests: the real binary on `testdata/` and on what the tests make, one
//! module a topic. Shared helpers are in `util`.

mod util;

mod aggregators;
mod bounded;
mod bounded_memory;
mod chrony_history;
mod cli;
mod consumers;
mod correlate;
mod follow;
#[cfg(feature = "fuzzing")]
mod fuzz_regressions;
mod golden;
mod grouping;
mod monitoring;
mod parquet_output;
mod props;
mod robustness;
mod silent;
mod spark;
mod streaming;
mod sync;
mod sync_chronyd;
mod view;
