//! deskew: the logs of many hosts as one timeline you can trust.
//!
//! The way a record travels, one module a stage:
//! `input` finds and opens sources; `format` finds where each line keeps its timestamp, host
//! and level; `time` turns timestamp text into nanosecond UTC instants; `pipeline` groups
//! lines into records and corrects their times with each host's offset model (`skew`);
//! `merge` orders the records of all sources; `output` writes them. `host` names hosts;
//! `record` is what the stages hand each other; `cmd` is the command line that drives them.
//! Beside it, `sync` is the NTP client that records offset histories.

// No unsafe code, except in `input::mapped`, which maps files and guards the mappings against
// SIGBUS, and in `output::escape`'s SSE2 scan (their `#[allow]`s say why). `deny`, not
// `forbid`: `forbid` could not be lifted there.
#![deny(unsafe_code)]

pub mod cmd;
pub mod diag;
pub mod format;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod host;
pub mod input;
pub mod merge;
pub mod output;
pub mod pipeline;
pub mod record;
pub mod skew;
pub mod sync;
pub mod time;
