//! Clock correction: each host's clock error, from its recorded NTP offset history.
//!
//! # Sign convention
//! As in NTP (RFC 5905 theta): `offset(t) = true time - host clock reading`, for a host clock
//! reading `t`. A positive offset means the host clock is behind (slow). The corrected time of a
//! record whose host clock said `t` is `t + offset(t)`. Every reader converts its file's own sign
//! to this one (see [`history`]).
//!
//! # Pieces
//! - [`history`]: readers (chosen by content) for deskew's JSONL history, chrony's
//!   `tracking.log`, `measurements.log`, `statistics.log`, and ntpd/ntpsec `loopstats`,
//!   `peerstats`. Pure: text in, [`Sample`]s out.
//! - [`model`]: the per-host offset model (filtering, combining sources, steps, interpolation)
//!   and a [`Cursor`] for cheap lookups of records that arrive nearly in order.
//! - which host a history belongs to: [`crate::host::history`].
//! - [`load`]: the I/O edge: files and directories to a [`ModelSet`].
//! - [`stats`]: per-host correction statistics and their one-line summary.
//! - [`infer`]: offsets inferred from request ids logged on both sides of a call.
//! - [`report`]: `deskew offsets`: the models as text, a terminal chart and an SVG.

pub mod history;
pub mod infer;
pub mod load;
pub mod model;
pub mod report;
pub mod stats;
pub mod svg;

pub use crate::host::{host_from_path, matches as host_matches};
pub use history::{parse, ChronyUpdate, History, Kind, Sample};
pub use load::{load, load_hosts, parse_skew, HostHistory, ModelSet};
pub use model::{Cursor, Lookup, Model, Step};
pub use stats::{summary_line, HostStats};
