//! The integration tests: the real binary on `testdata/` and on what the tests make, one
//! module a topic. Shared helpers are in `util`.

mod util;

mod bounded;
mod bounded_memory;
mod chrony_history;
mod cli;
#[cfg(feature = "fuzzing")]
mod fuzz_regressions;
mod golden;
mod grouping;
mod props;
mod robustness;
mod streaming;
mod sync;
mod sync_chronyd;
