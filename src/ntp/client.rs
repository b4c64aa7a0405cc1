//! The I/O shell around the pure protocol: server names, UDP sockets, clocks, timeouts.
//! Nothing here decides what a reply means; `exchange` and `select` do.

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

use super::exchange::{self, Kiss, Measurement, Reject};
use super::packet::{Packet, Timestamp};
use super::select;

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
}

/// A server as the user named it: `HOST`, `HOST:PORT`, `[IPv6]:PORT` or a bare IPv6 address.
pub fn parse_server(s: &str) -> Result<(String, u16), String> {
    let bad_port = |p: &str| format!("{s}: bad port {p:?}: a number from 1 to 65535");
    let port_of = |p: &str| p.parse::<u16>().ok().filter(|&p| p > 0).ok_or_else(|| bad_port(p));
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("{s}: missing ']' after the IPv6 address"))?;
        let port = match after {
            "" => 123,
            _ => port_of(
                after
                    .strip_prefix(':')
                    .ok_or_else(|| format!("{s}: expected ':PORT' after ']'"))?,
            )?,
        };
        return Ok((host.to_string(), port));
    }
    if s.parse::<IpAddr>().is_ok() {
        return Ok((s.to_string(), 123)); // a bare IPv4 or IPv6 address
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Ok((h.to_string(), port_of(p)?)),
        Some(_) => Err(format!("{s}: write an IPv6 address with a port as [ADDRESS]:PORT")),
        None => Ok((s.to_string(), 123)),
    }
    .and_then(|(h, p)| if h.is_empty() { Err(format!("{s}: no host name")) } else { Ok((h, p)) })
}

/// Every address a server name resolves to, in the resolver's order.
pub fn resolve(host: &str, port: u16, family: Option<bool>) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .filter(|a| family.is_none_or(|v4| a.is_ipv4() == v4))
        .collect();
    if addrs.is_empty() {
        return Err(format!(
            "{host} has no {} address",
            if family == Some(false) { "IPv6" } else { "IPv4" }
        ));
    }
    Ok(addrs)
}

/// This host's clock, Unix nanoseconds.
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

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
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

/// A measurement with the monotonic clock at its midpoint.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub m: Measurement,
    pub mono: i64,
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
    let c = cookie();
    let req = Packet::request(c).encode();
    let (m1, t1) = (mono(), now());
    let start = Instant::now();
    match sock.send(&req) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => return Err(Failure::Unreachable),
        Err(e) => return Err(io(e)),
    }
    let mut buf = [0u8; 1024];
    let mut ignored = None;
    loop {
        let left = timeout.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Err(Failure::Timeout(timeout, ignored));
        }
        sock.set_read_timeout(Some(left)).map_err(io)?;
        let n = match sock.recv(&mut buf) {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => return Err(Failure::Unreachable),
            Err(e) => return Err(io(e)),
        };
        let (t4, m4) = (now(), mono());
        let reply = match Packet::decode(&buf[..n]) {
            Ok(p) => p,
            Err(_) => {
                ignored = Some(Reject::Malformed(n));
                continue;
            }
        };
        match exchange::measure(&reply, c, t1, t4) {
            Ok(m) => return Ok(Sample { m, mono: m1 + (m4 - m1) / 2 }),
            Err(Reject::Origin) => ignored = Some(Reject::Origin),
            Err(r @ (Reject::Version(_) | Reject::Mode(_))) if reply.origin != c => {
                ignored = Some(r)
            }
            Err(r) => return Err(Failure::Rejected(r)),
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

/// A burst of exchanges with one address; stops early on a kiss-o'-death.
fn burst_addr(
    addr: SocketAddr,
    s: &Settings,
    stop: &(dyn Fn() -> bool + Sync),
) -> (Vec<Sample>, Option<Failure>, u32) {
    let mut samples = Vec::new();
    let mut failure = None;
    let mut sent = 0;
    let budget = s.burst.max(1) + s.retries;
    while (samples.len() as u32) < s.burst.max(1) && sent < budget && !stop() {
        if sent > 0 {
            std::thread::sleep(s.spacing);
        }
        sent += 1;
        match exchange(addr, s.timeout) {
            Ok(x) => samples.push(x),
            Err(f) => {
                let kiss = f.kiss().is_some();
                let unreachable = f == Failure::Unreachable;
                failure = Some(f);
                if kiss || unreachable {
                    break;
                }
            }
        }
    }
    (samples, failure, sent)
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
            out.failure = Some(Failure::Io(e));
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
            out.best = select::best_of_burst(&pairs).map(|(i, j)| (samples[i], j));
            out.samples = samples;
            break;
        }
        if out.kiss().is_some() {
            break; // a kiss-o'-death speaks for the server, not for one address
        }
    }
    out
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
