//! Where output goes: a file, stdout, or a syslog receiver over TCP or UDP.
//!
//! `-o tcp://HOST:PORT` sends the output as it is written: RFC 5424 framed by octet counting
//! (RFC 6587; the writer frames it), other formats as newline-delimited lines.
//! `-o udp://HOST:PORT` sends RFC 5424 only, one message a datagram (RFC 5426).
//! A receiver that refuses, closes or resets the connection, or stops reading for
//! `TIMEOUT`, is an error (exit 1), never a hang and never silent loss at the end.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a connect or a blocked send may take before it is an error.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// The largest UDP payload (65535 - IP and UDP headers).
pub const MAX_DATAGRAM: usize = 65_507;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Stdout,
    File(PathBuf),
    Tcp(String),
    Udp(String),
}

impl Target {
    pub fn parse(o: Option<&Path>) -> Target {
        let Some(p) = o else { return Target::Stdout };
        match p.to_str() {
            Some(s) if s.starts_with("tcp://") => Target::Tcp(s["tcp://".len()..].to_string()),
            Some(s) if s.starts_with("udp://") => Target::Udp(s["udp://".len()..].to_string()),
            _ => Target::File(p.to_path_buf()),
        }
    }

    /// A socket: the RFC 5424 writer frames messages for it.
    pub fn is_network(&self) -> bool {
        matches!(self, Target::Tcp(_) | Target::Udp(_))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("{0}: cannot create the output file: {1}")]
    Create(PathBuf, io::Error),
    #[error("{0}: expected HOST:PORT (e.g. tcp://127.0.0.1:6514 or udp://[::1]:514): {1}")]
    Address(String, io::Error),
    #[error("tcp://{0}: cannot connect: {1}")]
    Connect(String, io::Error),
    #[error("udp://{0}: {1}")]
    Udp(String, io::Error),
}

fn resolve(addr: &str) -> io::Result<Vec<SocketAddr>> {
    let v: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
    if v.is_empty() {
        return Err(io::Error::new(io::ErrorKind::NotFound, "no address"));
    }
    Ok(v)
}

/// Open the output.
pub fn open(t: &Target) -> Result<Box<dyn Write + Send>, SinkError> {
    Ok(match t {
        Target::Stdout => Box::new(io::stdout()),
        Target::File(p) => {
            // Opened (and created) now, so that a path that cannot be written is said before
            // the inputs are read; emptied only when the first byte is written (`Truncating`).
            let f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(p)
                .map_err(|e| SinkError::Create(p.clone(), e))?;
            Box::new(Truncating { file: f, pending: true })
        }
        Target::Tcp(a) => {
            let addrs = resolve(a).map_err(|e| SinkError::Address(a.clone(), e))?;
            let mut last = None;
            let mut stream = None;
            for sa in addrs {
                match TcpStream::connect_timeout(&sa, TIMEOUT) {
                    Ok(s) => {
                        stream = Some(s);
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            let s = stream.ok_or_else(|| {
                SinkError::Connect(a.clone(), last.unwrap_or_else(|| io::ErrorKind::Other.into()))
            })?;
            s.set_write_timeout(Some(TIMEOUT)).map_err(|e| SinkError::Connect(a.clone(), e))?;
            Box::new(TcpSink { stream: s, addr: a.clone(), failed: false })
        }
        Target::Udp(a) => {
            let addrs = resolve(a).map_err(|e| SinkError::Address(a.clone(), e))?;
            let bind: SocketAddr =
                if addrs[0].is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().expect("valid");
            let s = UdpSocket::bind(bind).map_err(|e| SinkError::Udp(a.clone(), e))?;
            // Connected: the kernel reports an ICMP "port unreachable" to the next send.
            s.connect(addrs[0]).map_err(|e| SinkError::Udp(a.clone(), e))?;
            s.set_write_timeout(Some(TIMEOUT)).map_err(|e| SinkError::Udp(a.clone(), e))?;
            Box::new(UdpSink { socket: s, addr: a.clone(), pending: Vec::new(), cut: 0 })
        }
    })
}

/// An output file that keeps its old content until the run writes (or finishes): a merge that
/// fails before its first record (a spill that cannot be written) leaves an earlier timeline
/// in place instead of an empty file. Not a temporary file renamed at the end, so that a
/// reader following the file (`tail -f`) sees records as they come.
struct Truncating {
    file: std::fs::File,
    pending: bool,
}

impl Truncating {
    fn truncate(&mut self) -> io::Result<()> {
        if self.pending {
            self.pending = false;
            // Only a regular file has a length to cut (not a FIFO or a device).
            if self.file.metadata()?.is_file() {
                self.file.set_len(0)?;
            }
        }
        Ok(())
    }
}

impl Write for Truncating {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.truncate()?;
        self.file.write(b)
    }
    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        self.truncate()?;
        self.file.write_all(b)
    }
    fn flush(&mut self) -> io::Result<()> {
        // A finished run with nothing to write leaves an empty file, as before.
        self.truncate()?;
        self.file.flush()
    }
}

/// An error of a socket as the user should read it. A closed connection is not reported
/// as `BrokenPipe`: that kind means "the reader went away, stop quietly" for stdout.
fn net_error(scheme: &str, addr: &str, e: io::Error) -> io::Error {
    let what = match e.kind() {
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset => {
            "the receiver closed the connection; records sent since may be lost"
        }
        io::ErrorKind::ConnectionRefused => "the receiver refused (nothing listens there?)",
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            "the receiver stopped reading (send timed out)"
        }
        _ => "cannot send",
    };
    io::Error::other(format!("{scheme}://{addr}: {what}: {e}"))
}

struct TcpSink {
    stream: TcpStream,
    addr: String,
    /// An error was returned already: not reported again at the end.
    failed: bool,
}

impl TcpSink {
    /// Whether the receiver has closed its side: a syslog receiver never does while a
    /// sender is connected, so an end of stream (or a reset) means what was sent last may
    /// not have arrived.
    fn check_open(&mut self) -> io::Result<()> {
        self.stream.set_nonblocking(true)?;
        let mut b = [0u8; 512];
        let r = self.stream.peek(&mut b);
        self.stream.set_nonblocking(false)?;
        match r {
            Ok(0) => Err(io::Error::new(io::ErrorKind::ConnectionReset, "end of stream")),
            Ok(_) => {
                // A receiver that answers (some do, with errors): drain it.
                let n = self.stream.read(&mut b)?;
                let _ = n;
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl Write for TcpSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.stream.write(buf);
        self.failed |= r.is_err();
        r.map_err(|e| net_error("tcp", &self.addr, e))
    }
    fn flush(&mut self) -> io::Result<()> {
        let r = self.stream.flush().and_then(|_| self.check_open());
        self.failed |= r.is_err();
        r.map_err(|e| net_error("tcp", &self.addr, e))
    }
}

/// How long the end of a TCP stream waits for the receiver to close its side.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

impl TcpSink {
    /// End the stream: half-close, then wait for the receiver to close too. A receiver
    /// closes after reading everything up to our end; one that closed with data unread
    /// answers with a reset, and records were lost.
    fn finish(&mut self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)?;
        self.stream.set_read_timeout(Some(CLOSE_WAIT))?;
        let mut b = [0u8; 4096];
        loop {
            match self.stream.read(&mut b) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                // Still open after CLOSE_WAIT: everything was handed over; nothing says
                // it was lost.
                Err(e)
                    if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) =>
                {
                    return Ok(())
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for TcpSink {
    /// The output is dropped when the run is done (after its last flush): a failure here
    /// is reported like any other run error (exit status 1).
    fn drop(&mut self) {
        if self.failed {
            return;
        }
        if let Err(e) = self.finish() {
            crate::diag::error(net_error("tcp", &self.addr, e));
        }
    }
}

/// Takes octet-counted frames (`LEN SP MSG`), sends each MSG as one datagram.
struct UdpSink {
    socket: UdpSocket,
    addr: String,
    /// A frame not yet whole.
    pending: Vec<u8>,
    /// Messages cut to `MAX_DATAGRAM`.
    cut: u64,
}

impl UdpSink {
    fn send_frames(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut at = 0;
        loop {
            let rest = &data[at..];
            let Some(sp) = memchr::memchr(b' ', &rest[..rest.len().min(12)]) else { break };
            let len: usize =
                std::str::from_utf8(&rest[..sp]).ok().and_then(|s| s.parse().ok()).ok_or_else(
                    || io::Error::new(io::ErrorKind::InvalidData, "UDP output is RFC 5424 only"),
                )?;
            if rest.len() < sp + 1 + len {
                break;
            }
            let msg = &rest[sp + 1..sp + 1 + len];
            if msg.len() > MAX_DATAGRAM {
                self.cut += 1;
            }
            self.socket
                .send(&msg[..msg.len().min(MAX_DATAGRAM)])
                .map_err(|e| net_error("udp", &self.addr, e))?;
            at += sp + 1 + len;
        }
        Ok(at)
    }
}

impl Write for UdpSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            let used = self.send_frames(buf)?;
            self.pending.extend_from_slice(&buf[used..]);
        } else {
            let mut p = std::mem::take(&mut self.pending);
            p.extend_from_slice(buf);
            let used = self.send_frames(&p)?;
            p.drain(..used);
            self.pending = p;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        if let Some(e) = self.socket.take_error()? {
            return Err(net_error("udp", &self.addr, e));
        }
        if self.cut > 0 {
            eprintln!(
                "deskew: udp://{}: {} messages longer than {MAX_DATAGRAM} bytes were cut to \
                 fit a datagram (use tcp:// to send them whole)",
                self.addr,
                std::mem::take(&mut self.cut)
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn targets_are_told_by_their_scheme() {
        assert_eq!(Target::parse(None), Target::Stdout);
        assert_eq!(Target::parse(Some(Path::new("tcp://h:1"))), Target::Tcp("h:1".into()));
        assert_eq!(Target::parse(Some(Path::new("udp://[::1]:5"))), Target::Udp("[::1]:5".into()));
        assert_eq!(Target::parse(Some(Path::new("out.log"))), Target::File("out.log".into()));
    }

    #[test]
    fn a_refused_connection_is_an_error_naming_the_address() {
        // A port just freed: nothing listens there.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let err = open(&Target::Tcp(format!("127.0.0.1:{port}"))).err().unwrap();
        assert!(err.to_string().contains(&format!("tcp://127.0.0.1:{port}: cannot connect")));
    }

    #[test]
    fn a_receiver_that_closes_is_an_error_at_flush() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let mut out = open(&Target::Tcp(addr)).unwrap();
        drop(l.accept().unwrap()); // accepted and closed at once
        let mut failed = false;
        // The first sends may land in the kernel's buffer; the close shows up at the latest
        // when a send meets the reset, or at flush.
        for _ in 0..50 {
            if out.write_all(b"5 hello").and_then(|_| out.flush()).is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed, "a closed receiver went unnoticed");
    }

    #[test]
    fn udp_sends_one_datagram_per_frame_across_writes() {
        let r = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut out = open(&Target::Udp(r.local_addr().unwrap().to_string())).unwrap();
        out.write_all(b"5 hello3 ab").unwrap();
        out.write_all(b"c").unwrap();
        out.flush().unwrap();
        let mut b = [0u8; 64];
        let n = r.recv(&mut b).unwrap();
        assert_eq!(&b[..n], b"hello");
        let n = r.recv(&mut b).unwrap();
        assert_eq!(&b[..n], b"abc");
    }
}
