//! The I/O shell around the pure protocol: server names, UDP sockets, clocks, timeouts,
//! sleeps, threads. Nothing here decides what a reply means, when to send or when to give
//! up: [`protocol::poll`](super::protocol::poll) does, and this carries out its actions.

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::Duration;

use super::protocol::exchange::Kiss;
use super::protocol::filter;
use super::protocol::packet::Timestamp;
use super::protocol::poll::{Action, Burst, BurstPolicy, Reply, Request};
pub use super::protocol::poll::{Failure, Sample};
use super::protocol::selection::{self, Candidate, Status};

/// How to talk to a server.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Exchanges per server in a burst (iburst).
    pub burst: u32,
    /// Pause between the exchanges of a burst.
    pub spacing: Duration,
    /// How long to wait for each reply.
    pub timeout: Duration,
    /// Extra exchanges allowed for ones that got no usable reply.
    pub retries: u32,
    /// Only IPv4 (Some(true)) or only IPv6 (Some(false)) addresses.
    pub family: Option<bool>,
    /// The largest offset from this host's clock believed, ns (`--max-offset`): a server
    /// farther off is [`Status::Implausible`].
    pub max_offset: i64,
}

/// The default `--max-offset`: one day. ntpd refuses to step past its panic threshold (1000 s)
/// and chrony's `maxchange` is usually set to 1000 s too, but those guard a clock being set;
/// deskew only measures, and measuring a host whose clock is hours off (an RTC kept in local
/// time, a zone or DST mistake: at most 14 h) is exactly what it is for. Past a day the likely
/// cause is the server (an NTP era or GPS week-rollover bug, an unsynchronized server starting
/// at 1970 or 2000), and one such server in a history would move every record of the host
/// by years. A host whose clock really is that far off is measured with a larger --max-offset.
pub const DEFAULT_MAX_OFFSET: i64 = 86_400 * 1_000_000_000;

/// Why a server name cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ServerError {
    #[error("{0}: bad port {1:?}: a number from 1 to 65535")]
    BadPort(String, String),
    #[error("{0}: missing ']' after the IPv6 address")]
    UnclosedBracket(String),
    #[error("{0}: expected ':PORT' after ']'")]
    AfterBracket(String),
    #[error("{0}: write an IPv6 address with a port as [ADDRESS]:PORT")]
    BareIpv6WithPort(String),
    #[error("{0}: no host name")]
    NoHost(String),
    #[error("cannot resolve {0}: {1}")]
    Resolve(String, String),
    #[error("{0} has no {1} address")]
    NoAddress(String, &'static str),
}

/// A server as the user named it: `HOST`, `HOST:PORT`, `[IPv6]:PORT` or a bare IPv6 address.
pub fn parse_server(s: &str) -> Result<(String, u16), ServerError> {
    let port_of = |p: &str| {
        p.parse::<u16>()
            .ok()
            .filter(|&p| p > 0)
            .ok_or_else(|| ServerError::BadPort(s.to_string(), p.to_string()))
    };
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) =
            rest.split_once(']').ok_or_else(|| ServerError::UnclosedBracket(s.to_string()))?;
        let port = match after {
            "" => 123,
            _ => port_of(
                after.strip_prefix(':').ok_or_else(|| ServerError::AfterBracket(s.to_string()))?,
            )?,
        };
        return Ok((host.to_string(), port));
    }
    if s.parse::<IpAddr>().is_ok() {
        return Ok((s.to_string(), 123)); // a bare IPv4 or IPv6 address
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Ok((h.to_string(), port_of(p)?)),
        Some(_) => Err(ServerError::BareIpv6WithPort(s.to_string())),
        None => Ok((s.to_string(), 123)),
    }
    .and_then(
        |(h, p)| if h.is_empty() { Err(ServerError::NoHost(s.to_string())) } else { Ok((h, p)) },
    )
}

/// Every address a server name resolves to, in the resolver's order.
pub fn resolve(
    host: &str,
    port: u16,
    family: Option<bool>,
) -> Result<Vec<SocketAddr>, ServerError> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| ServerError::Resolve(host.to_string(), e.to_string()))?
        .filter(|a| family.is_none_or(|v4| a.is_ipv4() == v4))
        .collect();
    if addrs.is_empty() {
        let fam = if family == Some(false) { "IPv6" } else { "IPv4" };
        return Err(ServerError::NoAddress(host.to_string(), fam));
    }
    Ok(addrs)
}

/// This host's clock (CLOCK_REALTIME), Unix nanoseconds: what the measurements are of.
pub use crate::time::clock::now;

/// CLOCK_MONOTONIC in nanoseconds (what SPEC's `mono_ns` records; `Instant` hides it).
pub fn mono() -> i64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    t.tv_sec * 1_000_000_000 + t.tv_nsec
}

/// A random, non-zero transmit timestamp for a request.
fn cookie() -> Timestamp {
    loop {
        let mut b = [0u8; 8];
        if getrandom::fill(&mut b).is_err() {
            // no entropy source: still unpredictable enough to match replies to requests
            return Timestamp(now() as u64 ^ 0x9e37_79b9_7f4a_7c15);
        }
        let v = u64::from_ne_bytes(b);
        if v != 0 {
            return Timestamp(v);
        }
    }
}

/// One request and its reply, from a fresh socket (so a fresh random source port): replies
/// from other addresses are dropped by the connected socket; replies that do not answer this
/// request (wrong origin, malformed) are ignored while we wait for the right one; a reply
/// that answers it is accepted or rejected at once.
pub fn exchange(addr: SocketAddr, timeout: Duration) -> Result<Sample, Failure> {
    let io = |e: std::io::Error| Failure::Io(format!("{e}"));
    let local: SocketAddr = if addr.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let sock = UdpSocket::bind(local).map_err(io)?;
    sock.connect(addr).map_err(io)?;
    let (mut req, bytes) = Request::new(cookie(), now(), mono());
    let deadline = mono().saturating_add(timeout.as_nanos().min(i64::MAX as u128) as i64);
    match sock.send(&bytes) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => return Err(Failure::Unreachable),
        Err(e) => return Err(io(e)),
    }
    let mut buf = [0u8; 1024];
    loop {
        let left = deadline - mono();
        if left <= 0 {
            return Err(req.timed_out(timeout));
        }
        sock.set_read_timeout(Some(Duration::from_nanos(left as u64))).map_err(io)?;
        let n = match sock.recv(&mut buf) {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => return Err(Failure::Unreachable),
            Err(e) => return Err(io(e)),
        };
        let (t4, m4) = (now(), mono());
        match req.on_datagram(&buf[..n], t4, m4) {
            Reply::Accepted(s) => return Ok(s),
            Reply::Rejected(r) => return Err(Failure::Rejected(r)),
            Reply::Ignored(_) => {}
        }
    }
}

/// What a burst against one server gave.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The server as named on the command line.
    pub name: String,
    /// The address that answered (or the last one tried).
    pub addr: Option<SocketAddr>,
    pub samples: Vec<Sample>,
    /// The best sample (least delay) and the burst's jitter.
    pub best: Option<(Sample, i64)>,
    /// Why there is no sample, or what went wrong on the way.
    pub failure: Option<Failure>,
    /// Requests sent.
    pub sent: u32,
}

impl Outcome {
    pub fn usable(&self) -> bool {
        self.best.is_some()
    }

    /// A kiss-o'-death this burst got, if any.
    pub fn kiss(&self) -> Option<Kiss> {
        self.failure.as_ref().and_then(Failure::kiss)
    }
}

/// A burst of exchanges with one address, as [`Burst`] directs.
fn burst_addr(
    addr: SocketAddr,
    s: &Settings,
    stop: &(dyn Fn() -> bool + Sync),
) -> (Vec<Sample>, Option<Failure>, u32) {
    let policy = BurstPolicy {
        want: s.burst,
        retries: s.retries,
        spacing: s.spacing.as_nanos().min(i64::MAX as u128) as i64,
    };
    let mut b = Burst::new(policy, mono());
    loop {
        match b.poll(mono(), stop()) {
            Action::Done => return b.finish(),
            Action::WaitUntil(t) => sleep_until(t, stop),
            Action::Send => {
                b.sent(mono());
                b.on_result(exchange(addr, s.timeout));
            }
        }
    }
}

/// Sleeps until monotonic time `t`, waking every 100 ms to see whether to stop.
pub fn sleep_until(t: i64, stop: &(dyn Fn() -> bool + Sync)) {
    loop {
        let left = t - mono();
        if left <= 0 || stop() {
            return;
        }
        std::thread::sleep(Duration::from_nanos(left.min(100_000_000) as u64));
    }
}

/// Queries one server: its addresses in turn, until one gives a usable burst.
pub fn query(name: &str, s: &Settings, stop: &(dyn Fn() -> bool + Sync)) -> Outcome {
    let mut out = Outcome {
        name: name.to_string(),
        addr: None,
        samples: vec![],
        best: None,
        failure: None,
        sent: 0,
    };
    let addrs = match parse_server(name).and_then(|(h, p)| resolve(&h, p, s.family)) {
        Ok(a) => a,
        Err(e) => {
            out.failure = Some(Failure::Io(e.to_string()));
            return out;
        }
    };
    for addr in addrs {
        let (samples, failure, sent) = burst_addr(addr, s, stop);
        out.addr = Some(addr);
        out.sent += sent;
        out.failure = failure;
        if !samples.is_empty() {
            let pairs: Vec<(i64, i64)> = samples.iter().map(|x| (x.m.offset, x.m.delay)).collect();
            out.best = filter::best_of_burst(&pairs).map(|(i, j)| (samples[i], j));
            out.samples = samples;
            break;
        }
        if out.kiss().is_some() {
            break; // a kiss-o'-death speaks for the server, not for one address
        }
    }
    out
}

/// The outcomes of one round, with the selection over them.
pub struct Round {
    pub time: i64,
    pub outcomes: Vec<Outcome>,
    /// Per outcome, for usable ones: what selection made of it, and its root distance.
    pub verdict: Vec<Option<(Status, i64)>>,
    /// The combined offset, when a majority agreed.
    pub combined: Option<i64>,
    /// How many servers agreed (the depth of the best intersection).
    pub agree: usize,
}

impl Round {
    /// Servers that gave a usable answer.
    pub fn usable(&self) -> usize {
        self.verdict.iter().flatten().count()
    }

    /// Servers whose offset went into the combined one.
    pub fn selected(&self) -> usize {
        self.verdict.iter().flatten().filter(|(s, _)| s.selected()).count()
    }
}

/// Queries every server at once (a thread each) and selects over what they gave.
pub fn round(servers: &[String], s: &Settings, stop: &(dyn Fn() -> bool + Sync)) -> Round {
    let outcomes: Vec<Outcome> = std::thread::scope(|sc| {
        let handles: Vec<_> =
            servers.iter().map(|name| sc.spawn(move || query(name, s, stop))).collect();
        handles.into_iter().map(|h| h.join().expect("a server thread panicked")).collect()
    });
    let mut idx = vec![];
    let mut cands = vec![];
    let mut verdict = vec![None; outcomes.len()];
    for (i, o) in outcomes.iter().enumerate() {
        if let Some((b, jitter)) = o.best {
            let r = &b.m.reply;
            let eps = selection::dispersion(r.precision, b.m.delay);
            let d =
                selection::root_distance(b.m.delay, r.root_delay, r.root_dispersion, eps, jitter);
            if b.m.offset.unsigned_abs() > s.max_offset.unsigned_abs() {
                verdict[i] = Some((Status::Implausible, d));
                continue;
            }
            idx.push(i);
            cands.push(Candidate { offset: b.m.offset, distance: d });
        }
    }
    let sel = selection::select(&cands);
    for (k, &i) in idx.iter().enumerate() {
        verdict[i] = Some((sel.status[k], cands[k].distance));
    }
    Round { time: now(), outcomes, verdict, combined: sel.offset, agree: sel.agree }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names_with_and_without_ports() {
        assert_eq!(parse_server("ntp.example.org"), Ok(("ntp.example.org".into(), 123)));
        assert_eq!(parse_server("10.0.0.1:1123"), Ok(("10.0.0.1".into(), 1123)));
        assert_eq!(parse_server("[::1]:11123"), Ok(("::1".into(), 11123)));
        assert_eq!(parse_server("[fe80::1]"), Ok(("fe80::1".into(), 123)));
        assert_eq!(parse_server("2001:db8::1"), Ok(("2001:db8::1".into(), 123)));
        for bad in ["h:0", "h:99999", "h:x", "[::1", "[::1]x", "2001:db8::1:zz:", ":123"] {
            assert!(parse_server(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resolving_gives_every_address_of_the_family_asked() {
        let all = resolve("127.0.0.1", 123, None).unwrap();
        assert_eq!(all, vec!["127.0.0.1:123".parse().unwrap()]);
        assert!(resolve("127.0.0.1", 123, Some(false)).is_err());
        assert!(resolve("no-such-host.invalid", 123, None).is_err());
    }

    #[test]
    fn clocks_move_forward() {
        let (a, b) = (mono(), now());
        assert!(mono() >= a && now() >= b - 1_000_000_000);
        assert!(b > 1_700_000_000_000_000_000);
    }

    #[test]
    fn nothing_listening_is_unreachable_or_a_timeout() {
        // bind a port, then free it: nothing listens there
        let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let e = exchange(([127, 0, 0, 1], port).into(), Duration::from_millis(300)).unwrap_err();
        assert!(matches!(e, Failure::Unreachable | Failure::Timeout(..)), "{e:?}");
    }
}
