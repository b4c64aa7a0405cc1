//! One client/server exchange as pure code: is a reply acceptable, and what does it measure.
//!
//! The four timestamps of RFC 5905 section 8: T1 the client's send time, T2 the server's
//! receive time, T3 the server's transmit time, T4 the client's receive time. T1 and T4 are
//! read off this host's clock (Unix nanoseconds); T2 and T3 come in the reply.

use std::fmt;

use super::packet::{Packet, Timestamp, LEAP_UNSYNC, MODE_SERVER};

/// Root distance above which a server cannot be trusted at all (RFC 5905 MAXDISP, 16 s).
const MAX_DISTANCE: i64 = 16_000_000_000;
/// A round trip may come out slightly negative when the server's clock runs at another rate
/// during the exchange; more than this and the timestamps are bogus.
const NEGATIVE_DELAY_SLACK: i64 = 10_000;

/// A kiss-o'-death code (RFC 5905 section 7.4).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kiss {
    /// Sending too fast: back off.
    Rate,
    /// Access denied: stop asking this server.
    Deny,
    /// Access restricted: stop asking this server.
    Rstr,
    /// Any other code: the server is not (yet) a usable source.
    Other([u8; 4]),
}

impl Kiss {
    fn of(code: [u8; 4]) -> Kiss {
        match &code {
            b"RATE" => Kiss::Rate,
            b"DENY" => Kiss::Deny,
            b"RSTR" => Kiss::Rstr,
            _ => Kiss::Other(code),
        }
    }

    /// DENY and RSTR tell the client to stop sending to this server.
    pub fn stops(self) -> bool {
        matches!(self, Kiss::Deny | Kiss::Rstr)
    }
}

impl fmt::Display for Kiss {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Kiss::Rate => f.write_str("RATE (sending too fast; backing off)"),
            Kiss::Deny => f.write_str("DENY (access denied; not asking again)"),
            Kiss::Rstr => f.write_str("RSTR (access restricted; not asking again)"),
            Kiss::Other(c) => write!(f, "{}", super::packet::ref_id_text(0, *c)),
        }
    }
}

/// Why a reply was not used.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Reject {
    Malformed(usize),
    Version(u8),
    Mode(u8),
    /// The origin timestamp is not the one this client sent: a spoofed, duplicate or stale
    /// reply (RFC 5905 "bogus").
    Origin,
    Kiss(Kiss),
    Unsynchronized(&'static str),
    ZeroTimestamp(&'static str),
    /// The server says it sent the reply before it received the request.
    ServerTimeReversed,
    NegativeDelay(i64),
    Distance(i64),
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Reject::Malformed(n) => write!(f, "malformed reply: {n} bytes, an NTP packet has at least 48"),
            Reject::Version(v) => write!(f, "reply of NTP version {v}, expected 3 or 4"),
            Reject::Mode(m) => write!(f, "reply in mode {m}, expected 4 (server)"),
            Reject::Origin => f.write_str("reply does not answer this request (origin timestamp differs: spoofed, duplicate or late)"),
            Reject::Kiss(k) => write!(f, "kiss-o'-death {k}"),
            Reject::Unsynchronized(why) => write!(f, "server not synchronized ({why})"),
            Reject::ZeroTimestamp(which) => write!(f, "reply with a zero {which} timestamp"),
            Reject::ServerTimeReversed => f.write_str("reply sent before the request was received (transmit < receive)"),
            Reject::NegativeDelay(ns) => write!(f, "bogus timestamps: round-trip delay {:.6} s", *ns as f64 / 1e9),
            Reject::Distance(ns) => write!(f, "root distance {:.3} s exceeds 16 s", *ns as f64 / 1e9),
        }
    }
}

/// What one accepted reply measured.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Measurement {
    /// Host clock reading at the midpoint of the exchange, Unix nanoseconds.
    pub time: i64,
    /// theta = true - host, nanoseconds (RFC 5905: ((T2 - T1) + (T3 - T4)) / 2).
    pub offset: i64,
    /// delta = (T4 - T1) - (T3 - T2), nanoseconds, never negative.
    pub delay: i64,
    pub reply: Packet,
}

/// Checks a reply to the request whose transmit timestamp was `cookie`, and measures it
/// against the host clock readings `t1` (sent) and `t4` (received), Unix nanoseconds.
pub fn measure(reply: &Packet, cookie: Timestamp, t1: i64, t4: i64) -> Result<Measurement, Reject> {
    if !(3..=4).contains(&reply.version) {
        return Err(Reject::Version(reply.version));
    }
    if reply.mode != MODE_SERVER {
        return Err(Reject::Mode(reply.mode));
    }
    // Before anything the reply says, it must answer our request: otherwise anybody could
    // send us a kiss-o'-death or a bad time.
    if reply.origin != cookie || cookie == Timestamp::ZERO {
        return Err(Reject::Origin);
    }
    if let Some(code) = reply.kiss_code() {
        return Err(Reject::Kiss(Kiss::of(code)));
    }
    if reply.leap == LEAP_UNSYNC {
        return Err(Reject::Unsynchronized("leap indicator 3"));
    }
    if reply.stratum >= 16 {
        return Err(Reject::Unsynchronized("stratum 16"));
    }
    if reply.transmit == Timestamp::ZERO {
        return Err(Reject::ZeroTimestamp("transmit"));
    }
    if reply.receive == Timestamp::ZERO {
        return Err(Reject::ZeroTimestamp("receive"));
    }
    let distance = reply.root_delay / 2 + reply.root_dispersion;
    if distance >= MAX_DISTANCE {
        return Err(Reject::Distance(distance));
    }
    let server = reply.transmit.diff_nanos(reply.receive); // T3 - T2
    if server < 0 {
        return Err(Reject::ServerTimeReversed);
    }
    let t2_t1 = reply.receive.diff_nanos(Timestamp::from_unix_nanos(t1));
    let t3_t4 = reply.transmit.diff_nanos(Timestamp::from_unix_nanos(t4));
    let delay = (t4 - t1) - server;
    if delay < -NEGATIVE_DELAY_SLACK {
        return Err(Reject::NegativeDelay(delay));
    }
    Ok(Measurement {
        time: t1 + (t4 - t1) / 2,
        offset: ((t2_t1 as i128 + t3_t4 as i128) / 2) as i64,
        delay: delay.max(0),
        reply: *reply,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::protocol::packet::MODE_CLIENT;
    use proptest::prelude::*;

    const MS: i64 = 1_000_000;
    const T0: i64 = 1_795_000_000_000_000_000; // 2026-11-18

    /// A server reply to `cookie`, from a server whose clock is `theta` ahead of the host,
    /// reached over a path of `d1` ns out and `d2` ns back, holding the request `hold` ns.
    fn reply(cookie: Timestamp, t1: i64, theta: i64, d1: i64, hold: i64) -> Packet {
        let t2 = t1 + d1 + theta;
        Packet {
            version: 4,
            mode: MODE_SERVER,
            stratum: 2,
            ref_id: [10, 0, 0, 1],
            origin: cookie,
            receive: Timestamp::from_unix_nanos(t2),
            transmit: Timestamp::from_unix_nanos(t2 + hold),
            ..Packet::default()
        }
    }

    #[test]
    fn symmetric_path_measures_the_exact_offset_and_delay() {
        let c = Timestamp(0x1234_5678_9abc_def0);
        for theta in [0, 2_500 * MS, -300 * MS, 86_400_000 * MS] {
            let r = reply(c, T0, theta, 5 * MS, MS);
            let m = measure(&r, c, T0, T0 + 11 * MS).unwrap();
            assert!((m.offset - theta).abs() <= 1, "{theta}: {}", m.offset);
            assert!((m.delay - 10 * MS).abs() <= 1);
            assert_eq!(m.time, T0 + 5_500_000);
        }
    }

    #[test]
    fn asymmetric_path_errs_by_half_the_asymmetry() {
        let c = Timestamp(99);
        // 8 ms out, 2 ms back: the offset comes out 3 ms high, as RFC 5905 says
        let r = reply(c, T0, 0, 8 * MS, 0);
        let m = measure(&r, c, T0, T0 + 10 * MS).unwrap();
        assert!((m.offset - 3 * MS).abs() <= 1);
    }

    #[test]
    fn offset_is_right_across_the_2036_era_boundary() {
        let t1 = 2_085_978_496_000_000_000 - 3 * MS; // 3 ms before NTP era 1
        let c = Timestamp(5);
        // T1 in era 0; T2 and T3 in era 1 (a timestamp of exactly zero would mean "unknown")
        let r = reply(c, t1, 2_500_000, MS, 100);
        assert!(r.receive.0 >> 32 == 0 && Timestamp::from_unix_nanos(t1).0 >> 32 == 0xffff_ffff);
        let m = measure(&r, c, t1, t1 + 2 * MS + 100).unwrap();
        assert!((m.offset - 2_500_000).abs() <= 1);
    }

    #[test]
    fn bad_replies_are_rejected_with_their_reason() {
        let c = Timestamp(42);
        let good = reply(c, T0, 0, MS, 0);
        let t4 = T0 + 2 * MS;
        let rej = |p: Packet| measure(&p, c, T0, t4).unwrap_err();
        assert_eq!(rej(Packet { origin: Timestamp(43), ..good }), Reject::Origin);
        assert_eq!(rej(Packet { mode: MODE_CLIENT, ..good }), Reject::Mode(3));
        assert_eq!(rej(Packet { version: 7, ..good }), Reject::Version(7));
        assert_eq!(rej(Packet { leap: 3, ..good }), Reject::Unsynchronized("leap indicator 3"));
        assert_eq!(rej(Packet { stratum: 16, ..good }), Reject::Unsynchronized("stratum 16"));
        assert_eq!(
            rej(Packet { transmit: Timestamp::ZERO, ..good }),
            Reject::ZeroTimestamp("transmit")
        );
        assert_eq!(
            rej(Packet { receive: Timestamp::ZERO, ..good }),
            Reject::ZeroTimestamp("receive")
        );
        for (code, kiss) in [
            (*b"RATE", Kiss::Rate),
            (*b"DENY", Kiss::Deny),
            (*b"RSTR", Kiss::Rstr),
            (*b"INIT", Kiss::Other(*b"INIT")),
        ] {
            assert_eq!(rej(Packet { stratum: 0, ref_id: code, ..good }), Reject::Kiss(kiss));
        }
        // a kiss-o'-death that does not answer our request is just a bogus packet
        assert_eq!(
            rej(Packet { stratum: 0, ref_id: *b"DENY", origin: Timestamp(1), ..good }),
            Reject::Origin
        );
        assert_eq!(
            rej(Packet { root_dispersion: 17_000 * MS, ..good }),
            Reject::Distance(17_000 * MS)
        );
        let mut rev = good;
        rev.transmit = Timestamp(rev.receive.0 - 1000);
        assert_eq!(rej(rev), Reject::ServerTimeReversed);
        // the server claims it held the request 5 ms, longer than the whole 2 ms round trip
        let held = reply(c, T0, 0, MS, 5 * MS);
        assert!(matches!(measure(&held, c, T0, t4), Err(Reject::NegativeDelay(_))));
        assert!(Kiss::Deny.stops() && Kiss::Rstr.stops() && !Kiss::Rate.stops());
        // a zero cookie is never sent; a reply with a zero origin is never ours
        assert_eq!(
            measure(&Packet { origin: Timestamp::ZERO, ..good }, Timestamp::ZERO, T0, t4),
            Err(Reject::Origin)
        );
    }

    #[test]
    fn every_reason_reads_as_one_line() {
        let all = [
            Reject::Malformed(20),
            Reject::Version(1),
            Reject::Mode(5),
            Reject::Origin,
            Reject::Kiss(Kiss::Rate),
            Reject::Kiss(Kiss::Other(*b"ACST")),
            Reject::Unsynchronized("stratum 16"),
            Reject::ZeroTimestamp("transmit"),
            Reject::ServerTimeReversed,
            Reject::NegativeDelay(-5 * MS),
            Reject::Distance(20_000 * MS),
        ];
        for r in all {
            let s = r.to_string();
            assert!(!s.is_empty() && !s.contains('\n'), "{s}");
        }
        assert_eq!(Reject::Kiss(Kiss::Other(*b"ACST")).to_string(), "kiss-o'-death ACST");
    }

    proptest! {
        #[test]
        fn any_symmetric_exchange_measures_theta(theta in -100_000i64 * MS..100_000 * MS, d in 0i64..500 * MS, hold in 0i64..50 * MS, cookie in 1u64..) {
            let c = Timestamp(cookie);
            let r = reply(c, T0, theta, d, hold);
            let m = measure(&r, c, T0, T0 + 2 * d + hold).unwrap();
            prop_assert!((m.offset - theta).abs() <= 1);
            prop_assert!((m.delay - 2 * d).abs() <= 1);
        }

        #[test]
        fn measure_never_panics_on_any_reply(bytes in proptest::collection::vec(any::<u8>(), 48), t1 in any::<i64>(), rtt in any::<i64>()) {
            let p = Packet::decode(&bytes).unwrap();
            let t4 = t1.saturating_add(rtt);
            let _ = measure(&p, p.origin, t1 / 4, t4 / 4);
        }
    }
}
