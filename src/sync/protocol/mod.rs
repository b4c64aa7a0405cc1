//! NTP as pure code: bytes and clock readings in, measurements and decisions out. No sockets,
//! clocks or sleeps; the shell in [`super::client`] does those.
//!
//! - [`packet`]: the NTPv4 header and timestamps.
//! - [`exchange`]: is a reply acceptable, and what does it measure.
//! - [`poll`]: requests, bursts, retries, kiss-o'-death and backoff as state machines.
//! - [`filter`]: the best sample of a burst.
//! - [`selection`]: falsetickers out, the majority's combined offset.

pub mod exchange;
pub mod filter;
pub mod packet;
pub mod poll;
pub mod selection;
