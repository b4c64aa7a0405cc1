//! When to send, what a datagram means, when to give up and when to ask again, as sans-IO
//! state machines (the shape of ntpd-rs's `ntp-proto`): the shell feeds them clock readings
//! and received bytes and carries out the actions they return. Nothing here touches a socket,
//! a clock or a sleep, so every decision is unit-tested with made-up times.
//!
//! - [`Request`]: one request in flight; which datagrams answer it.
//! - [`Burst`]: the requests of one round against one address: how many, how far apart, how
//!   many retries, and when a kiss-o'-death or an ICMP error ends it early.
//! - [`Schedule`]: across rounds (`--interval`): back off on errors and RATE, stop on DENY and
//!   RSTR, spread the rounds of many hosts.

use std::fmt;
use std::time::Duration;

use super::exchange::{self, Kiss, Measurement, Reject};
use super::packet::{Packet, Timestamp};

/// A measurement with the monotonic clock at its midpoint.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub m: Measurement,
    pub mono: i64,
}

/// Why an exchange gave no measurement.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// The server answered, but not usably.
    Rejected(Reject),
    /// Nothing (usable) came back within the timeout; the last reply refused, if any.
    Timeout(Duration, Option<Reject>),
    Unreachable,
    Io(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Failure::Rejected(r) => write!(f, "{r}"),
            Failure::Timeout(d, None) => write!(f, "no reply within {:.1} s", d.as_secs_f64()),
            Failure::Timeout(d, Some(r)) => {
                write!(f, "no usable reply within {:.1} s; ignored: {r}", d.as_secs_f64())
            }
            Failure::Unreachable => {
                f.write_str("port unreachable (ICMP): no NTP server listens there")
            }
            Failure::Io(e) => f.write_str(e),
        }
    }
}

impl Failure {
    pub fn kiss(&self) -> Option<Kiss> {
        match self {
            Failure::Rejected(Reject::Kiss(k)) => Some(*k),
            _ => None,
        }
    }
}

/// What a datagram received while a [`Request`] waits means.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// It answers the request: the measurement.
    Accepted(Sample),
    /// It answers the request, and refuses (kiss-o'-death, unsynchronized, bogus times).
    Rejected(Reject),
    /// It does not answer this request (malformed, spoofed, late): keep waiting.
    Ignored(Reject),
}

/// One request in flight. Created with the random cookie that goes in its transmit
/// timestamp and the clock readings at sending; gives the bytes to send.
#[derive(Clone, Debug)]
pub struct Request {
    cookie: Timestamp,
    /// Host clock (Unix ns) and monotonic clock at sending.
    t1: i64,
    m1: i64,
    /// The last datagram ignored, for the timeout's message.
    ignored: Option<Reject>,
}

impl Request {
    pub fn new(cookie: Timestamp, t1: i64, m1: i64) -> (Request, [u8; 48]) {
        let bytes = Packet::request(cookie).encode();
        (Request { cookie, t1, m1, ignored: None }, bytes)
    }

    /// A datagram arrived at host clock `t4`, monotonic `m4`.
    pub fn on_datagram(&mut self, bytes: &[u8], t4: i64, m4: i64) -> Reply {
        let reply = match Packet::decode(bytes) {
            Ok(p) => p,
            Err(_) => return self.ignore(Reject::Malformed(bytes.len())),
        };
        match exchange::measure(&reply, self.cookie, self.t1, t4) {
            Ok(m) => Reply::Accepted(Sample { m, mono: self.m1 + (m4 - self.m1) / 2 }),
            Err(Reject::Origin) => self.ignore(Reject::Origin),
            // a version or mode that is not ours, on a packet that does not echo our cookie,
            // is somebody else's traffic, not this server's answer
            Err(r @ (Reject::Version(_) | Reject::Mode(_))) if reply.origin != self.cookie => {
                self.ignore(r)
            }
            Err(r) => Reply::Rejected(r),
        }
    }

    fn ignore(&mut self, r: Reject) -> Reply {
        self.ignored = Some(r.clone());
        Reply::Ignored(r)
    }

    /// The wait ended without an answer.
    pub fn timed_out(&self, timeout: Duration) -> Failure {
        Failure::Timeout(timeout, self.ignored.clone())
    }
}

/// What the shell does next for a burst.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send a request now.
    Send,
    /// Nothing to do until this monotonic time (ns).
    WaitUntil(i64),
    /// The burst is over.
    Done,
}

/// How a burst runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BurstPolicy {
    /// Samples wanted (iburst): at least one.
    pub want: u32,
    /// Extra requests allowed for ones that got no usable reply.
    pub retries: u32,
    /// Pause between the requests, ns.
    pub spacing: i64,
}

/// The requests of one round against one address.
#[derive(Clone, Debug)]
pub struct Burst {
    policy: BurstPolicy,
    sent: u32,
    samples: Vec<Sample>,
    failure: Option<Failure>,
    /// A kiss-o'-death or ICMP error ended it.
    ended: bool,
    next_send: i64,
}

impl Burst {
    pub fn new(policy: BurstPolicy, now: i64) -> Burst {
        let policy = BurstPolicy { want: policy.want.max(1), ..policy };
        Burst { policy, sent: 0, samples: vec![], failure: None, ended: false, next_send: now }
    }

    /// The next thing to do at monotonic time `now`; `stop` when the user asked to stop.
    pub fn poll(&self, now: i64, stop: bool) -> Action {
        let budget = self.policy.want + self.policy.retries;
        if self.ended
            || stop
            || self.samples.len() as u32 >= self.policy.want
            || self.sent >= budget
        {
            Action::Done
        } else if now < self.next_send {
            Action::WaitUntil(self.next_send)
        } else {
            Action::Send
        }
    }

    /// The shell sent a request at `now`.
    pub fn sent(&mut self, now: i64) {
        self.sent += 1;
        self.next_send = now.saturating_add(self.policy.spacing);
    }

    /// The request's outcome. A kiss-o'-death speaks for the server and an ICMP port
    /// unreachable for the address: either ends the burst.
    pub fn on_result(&mut self, r: Result<Sample, Failure>) {
        match r {
            Ok(s) => self.samples.push(s),
            Err(f) => {
                self.ended = f.kiss().is_some() || f == Failure::Unreachable;
                self.failure = Some(f);
            }
        }
    }

    /// Samples, the last failure, requests sent.
    pub fn finish(self) -> (Vec<Sample>, Option<Failure>, u32) {
        (self.samples, self.failure, self.sent)
    }
}

/// The most the interval is multiplied by after errors and RATE kisses.
pub const MAX_BACKOFF: u32 = 64;

/// How a server's round went, as the schedule sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundResult {
    Usable,
    Failed,
    Kissed(Kiss),
}

/// Per server, across rounds: when it may be asked again and how far it is backed off.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    /// Multiplier of the interval (1, 2, 4 .. 64).
    pub backoff: u32,
    /// Monotonic time (ns) from which it may be asked again.
    pub next: i64,
    /// DENY or RSTR: never asked again.
    pub stopped: bool,
}

impl Schedule {
    pub fn new(now: i64) -> Schedule {
        Schedule { backoff: 1, next: now, stopped: false }
    }

    pub fn due(&self, now: i64) -> bool {
        !self.stopped && self.next <= now
    }

    /// After a round at `now`: `interval` ns apart, times `jitter` (in [0.9, 1.1), from the
    /// shell's random source) so that the rounds of many hosts do not line up. Returns true
    /// when this round stopped the server for good.
    pub fn after_round(&mut self, r: RoundResult, interval: i64, jitter: f64, now: i64) -> bool {
        match r {
            RoundResult::Kissed(k) if k.stops() => {
                self.stopped = true;
                return true;
            }
            RoundResult::Kissed(_) | RoundResult::Failed => {
                self.backoff = (self.backoff * 2).min(MAX_BACKOFF)
            }
            RoundResult::Usable => self.backoff = 1,
        }
        let wait = interval as f64 * self.backoff as f64 * jitter;
        self.next = now.saturating_add(wait.min(i64::MAX as f64) as i64);
        false
    }
}

/// The earliest time any of the schedules is due, None when all are stopped.
pub fn next_due(s: &[Schedule]) -> Option<i64> {
    s.iter().filter(|s| !s.stopped).map(|s| s.next).min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::protocol::packet::MODE_SERVER;

    const MS: i64 = 1_000_000;
    const T0: i64 = 1_795_000_000_000_000_000;

    fn reply_to(cookie: Timestamp, at: i64) -> Vec<u8> {
        Packet {
            version: 4,
            mode: MODE_SERVER,
            stratum: 2,
            origin: cookie,
            receive: Timestamp::from_unix_nanos(at),
            transmit: Timestamp::from_unix_nanos(at),
            ..Packet::default()
        }
        .encode()
        .to_vec()
    }

    fn sample() -> Sample {
        let c = Timestamp(7);
        let (mut r, _) = Request::new(c, T0, 0);
        match r.on_datagram(&reply_to(c, T0 + MS), T0 + 2 * MS, 2 * MS) {
            Reply::Accepted(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_request_is_a_client_packet_carrying_its_cookie() {
        let (_, bytes) = Request::new(Timestamp(0xabcd), T0, 0);
        let p = Packet::decode(&bytes).unwrap();
        assert_eq!((p.mode, p.transmit), (3, Timestamp(0xabcd)));
    }

    #[test]
    fn the_answer_is_measured_and_strangers_are_ignored() {
        let c = Timestamp(0x1234);
        let (mut r, _) = Request::new(c, T0, 100);
        assert_eq!(r.on_datagram(&[0; 20], T0, 100), Reply::Ignored(Reject::Malformed(20)));
        assert_eq!(
            r.on_datagram(&reply_to(Timestamp(99), T0), T0, 100),
            Reply::Ignored(Reject::Origin)
        );
        assert_eq!(
            r.timed_out(Duration::from_secs(1)),
            Failure::Timeout(Duration::from_secs(1), Some(Reject::Origin))
        );
        match r.on_datagram(&reply_to(c, T0 + 3 * MS), T0 + 2 * MS, 100 + 2 * MS) {
            Reply::Accepted(s) => {
                assert_eq!(s.m.offset, 2 * MS);
                assert_eq!(s.mono, 100 + MS);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_kiss_answering_the_request_is_a_rejection() {
        let c = Timestamp(5);
        let (mut r, _) = Request::new(c, T0, 0);
        let mut p = Packet::decode(&reply_to(c, T0)).unwrap();
        p.stratum = 0;
        p.ref_id = *b"RATE";
        assert_eq!(r.on_datagram(&p.encode(), T0, 0), Reply::Rejected(Reject::Kiss(Kiss::Rate)));
    }

    #[test]
    fn a_burst_sends_spaced_requests_until_it_has_enough() {
        let mut b = Burst::new(BurstPolicy { want: 2, retries: 1, spacing: 500 * MS }, 0);
        assert_eq!(b.poll(0, false), Action::Send);
        b.sent(0);
        assert_eq!(b.poll(10 * MS, false), Action::WaitUntil(500 * MS));
        b.on_result(Err(Failure::Timeout(Duration::from_secs(1), None)));
        assert_eq!(b.poll(500 * MS, false), Action::Send);
        b.sent(500 * MS);
        b.on_result(Ok(sample()));
        assert_eq!(b.poll(MS * 1000, false), Action::Send);
        b.sent(MS * 1000);
        b.on_result(Ok(sample()));
        assert_eq!(b.poll(MS * 2000, false), Action::Done);
        let (s, f, sent) = b.finish();
        assert_eq!((s.len(), sent), (2, 3));
        assert!(matches!(f, Some(Failure::Timeout(..))));
    }

    #[test]
    fn retries_run_out() {
        let mut b = Burst::new(BurstPolicy { want: 1, retries: 2, spacing: 0 }, 0);
        for _ in 0..3 {
            assert_eq!(b.poll(0, false), Action::Send);
            b.sent(0);
            b.on_result(Err(Failure::Timeout(Duration::from_secs(1), None)));
        }
        assert_eq!(b.poll(0, false), Action::Done);
        assert_eq!(b.finish().2, 3);
    }

    #[test]
    fn a_kiss_or_an_icmp_error_ends_the_burst_and_stop_ends_it_too() {
        for f in [Failure::Rejected(Reject::Kiss(Kiss::Rate)), Failure::Unreachable] {
            let mut b = Burst::new(BurstPolicy { want: 4, retries: 2, spacing: 0 }, 0);
            b.sent(0);
            b.on_result(Err(f));
            assert_eq!(b.poll(0, false), Action::Done);
        }
        let b = Burst::new(BurstPolicy { want: 4, retries: 2, spacing: 0 }, 0);
        assert_eq!(b.poll(0, true), Action::Done);
        // a burst of zero is a burst of one
        let b = Burst::new(BurstPolicy { want: 0, retries: 0, spacing: 0 }, 0);
        assert_eq!(b.poll(0, false), Action::Send);
    }

    #[test]
    fn the_schedule_backs_off_to_64_times_and_recovers() {
        let mut s = Schedule::new(0);
        assert!(s.due(0));
        let iv = 64 * 1_000 * MS;
        for want in [2, 4, 8, 16, 32, 64, 64] {
            assert!(!s.after_round(RoundResult::Failed, iv, 1.0, 0));
            assert_eq!((s.backoff, s.next), (want, iv * want as i64));
        }
        s.after_round(RoundResult::Usable, iv, 1.0, 0);
        assert_eq!(s.backoff, 1);
        s.after_round(RoundResult::Kissed(Kiss::Rate), iv, 0.9, 0);
        assert_eq!((s.backoff, s.next), (2, (iv as f64 * 1.8) as i64));
        assert!(!s.due(iv));
    }

    #[test]
    fn deny_and_rstr_stop_a_server_for_good() {
        let mut a = Schedule::new(0);
        let b = Schedule::new(5);
        assert!(a.after_round(RoundResult::Kissed(Kiss::Deny), 1000, 1.0, 0));
        assert!(a.stopped && !a.due(i64::MAX));
        assert_eq!(next_due(&[a, b]), Some(5));
        let mut c = b;
        c.after_round(RoundResult::Kissed(Kiss::Rstr), 1000, 1.0, 0);
        assert_eq!(next_due(&[a, c]), None);
    }
}
