//! `deskew sync`, the NTP client that records a host's clock offset history. It measures; it
//! never sets the clock.
//!
//! - [`protocol`]: NTP as pure code (packets, exchanges, bursts, backoff, selection), with
//!   unit tests and no sockets.
//! - [`client`]: the thin shell: names, sockets, clocks, timeouts, sleeps.
//! - [`history`]: the history file: one whole line per write, locked, synced.
//! - [`report`]: what a round shows (table, JSON) and records.
//! - [`monitor`]: Nagios plugin lines and Prometheus textfiles, for `sync` and `offsets`.
//! - [`run`]: the command: rounds until told to stop.

pub mod client;
pub mod history;
pub mod monitor;
pub mod protocol;
pub mod report;
pub mod run;

pub use run::{hostname, run, Finished, SyncError, SyncOptions};
