//! deskew: the logs of many hosts as one timeline you can trust.
//!
//! The way a record travels: `input` finds and opens sources; `format` finds each line's
//! timestamp, host and level; `records` groups lines into records; `time` turns timestamp
//! text into nanosecond UTC instants; `correct` applies each host's clock offset model
//! (`skew`); `merge` orders the records of all sources; `output` writes them. `run` ties the
//! steps together for each command; `stream` is the line-by-line path for stdin.

// No unsafe code, except in `input::mapped`, which maps files and guards the mappings against
// SIGBUS (its `#[allow]` says why). `deny`, not `forbid`: `forbid` could not be lifted there.
#![deny(unsafe_code)]

pub mod correct;
pub mod diag;
pub mod format;
#[doc(hidden)]
pub mod fuzzing;
pub mod input;
pub mod merge;
pub mod ntp;
pub mod output;
pub mod records;
pub mod run;
pub mod runs;
pub mod skew;
pub mod spill;
pub mod stream;
pub mod sync;
pub mod time;
pub mod window;
