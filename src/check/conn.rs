//! TCP connections for checkers: bind, fwmark, device, and a connect bounded by a deadline.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

/// Where and how a checker connects (keepalived's connect_ip/connect_port, bindto,
/// bind_port, bind_if, fwmark, connect_timeout).
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectOpts {
    pub dst: SocketAddr,
    pub bindto: Option<IpAddr>,
    pub bind_port: Option<u16>,
    pub bind_if: Option<String>,
    pub fwmark: Option<u32>,
    pub timeout: Duration,
}

impl ConnectOpts {
    pub fn new(dst: SocketAddr, timeout: Duration) -> Self {
        ConnectOpts {
            dst,
            bindto: None,
            bind_port: None,
            bind_if: None,
            fwmark: None,
            timeout,
        }
    }
}

/// Why a connection was not made. The split mirrors keepalived's connect results, which its
/// messages (and genhash's output) depend on.
#[derive(Debug)]
pub enum ConnectError {
    /// Creating, marking or binding the socket failed (nothing was sent).
    Setup { stage: &'static str, err: io::Error },
    /// `connect()` itself failed at once (no route, network down, ...).
    Immediate(io::Error),
    /// The handshake failed (refused, reset, host unreachable reported by ICMP, ...).
    Failed(io::Error),
    /// No answer before the deadline.
    Timeout(Duration),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Setup { stage, err } => write!(f, "cannot {stage}: {}", describe(err)),
            ConnectError::Immediate(err) | ConnectError::Failed(err) => {
                write!(f, "{}", describe(err))
            }
            ConnectError::Timeout(t) => {
                write!(f, "connect timed out after {}", secs(*t))
            }
        }
    }
}

/// Formats a duration the way operators write timers: `5 s`, `0.5 s`.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{} s", (s * 1000.0).round() / 1000.0)
    }
}

/// An io::Error in words an operator recognises, without Rust's "(os error N)" suffix.
pub fn describe(err: &io::Error) -> String {
    use nix::errno::Errno;
    match err.raw_os_error().map(Errno::from_raw) {
        Some(Errno::ECONNREFUSED) => "connection refused".into(),
        Some(Errno::ECONNRESET) => "connection reset by peer".into(),
        Some(Errno::EHOSTUNREACH) => "no route to host".into(),
        Some(Errno::ENETUNREACH) => "network unreachable".into(),
        Some(Errno::ETIMEDOUT) => "connection timed out".into(),
        Some(Errno::EADDRNOTAVAIL) => "address not available on this host".into(),
        Some(Errno::EADDRINUSE) => "address already in use".into(),
        Some(Errno::EPERM) | Some(Errno::EACCES) => "permission denied".into(),
        Some(e) => e.desc().to_lowercase(),
        None => err.to_string(),
    }
}

/// A deadline that is either fixed for a whole exchange (`ha check`) or renewed at every
/// step (keepalived's connect_timeout applies to each connect, write and read).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Instant,
    timeout: Duration,
    per_step: bool,
}

impl Deadline {
    /// One deadline for everything that follows.
    pub fn overall(now: Instant, timeout: Duration) -> Self {
        Deadline {
            at: now + timeout,
            timeout,
            per_step: false,
        }
    }

    /// A fresh `timeout` for each step (see [`Deadline::step`]).
    pub fn per_step(now: Instant, timeout: Duration) -> Self {
        Deadline {
            at: now + timeout,
            timeout,
            per_step: true,
        }
    }

    /// Marks progress: a per-step deadline starts again from `now`.
    pub fn step(&mut self, now: Instant) {
        if self.per_step {
            self.at = now + self.timeout;
        }
    }

    /// Time left, or None when it has passed.
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        self.at.checked_duration_since(now).filter(|d| !d.is_zero())
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// Connects to `opts.dst`, honouring bindto/bind_port/bind_if/fwmark, within the deadline.
/// The returned stream is blocking; callers bound each later call with socket timeouts.
pub fn connect(opts: &ConnectOpts, deadline: &Deadline) -> Result<TcpStream, ConnectError> {
    let setup = |stage: &'static str| move |err: io::Error| ConnectError::Setup { stage, err };
    let sock = Socket::new(
        Domain::for_address(opts.dst),
        Type::STREAM,
        Some(Protocol::TCP),
    )
    .map_err(setup("create a socket"))?;
    if let Some(mark) = opts.fwmark {
        sock.set_mark(mark).map_err(setup("set the fwmark"))?;
    }
    if let Some(dev) = &opts.bind_if {
        sock.bind_device(Some(dev.as_bytes()))
            .map_err(setup("bind to the interface"))?;
    }
    if opts.bindto.is_some() || opts.bind_port.is_some() {
        let ip = opts.bindto.unwrap_or(match opts.dst {
            SocketAddr::V4(_) => IpAddr::from([0u8; 4]),
            SocketAddr::V6(_) => IpAddr::from([0u16; 8]),
        });
        sock.set_reuse_address(true)
            .map_err(setup("set SO_REUSEADDR"))?;
        let local = SocketAddr::new(ip, opts.bind_port.unwrap_or(0));
        sock.bind(&SockAddr::from(local))
            .map_err(setup("bind the source address"))?;
    }
    sock.set_nonblocking(true)
        .map_err(setup("make the socket non-blocking"))?;

    match sock.connect(&SockAddr::from(opts.dst)) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(nix::libc::EINPROGRESS) => {
            wait_connected(&sock, deadline)?;
        }
        Err(e) => return Err(ConnectError::Immediate(e)),
    }
    sock.set_nonblocking(false)
        .map_err(setup("make the socket blocking"))?;
    Ok(sock.into())
}

fn wait_connected(sock: &Socket, deadline: &Deadline) -> Result<(), ConnectError> {
    loop {
        // Poll at least once even when no time is left: a loopback connect is already
        // complete (or refused), and keepalived reports it as such with a zero timeout.
        let left = deadline.remaining(Instant::now()).unwrap_or_default();
        let mut fds = [PollFd::new(sock.as_fd(), PollFlags::POLLOUT)];
        match poll(&mut fds, poll_timeout(left)) {
            Ok(0) if left.is_zero() => return Err(ConnectError::Timeout(deadline.timeout())),
            Ok(0) => continue,
            Ok(_) => break,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(ConnectError::Failed(io::Error::from(e))),
        }
    }
    match sock.take_error() {
        Ok(None) => Ok(()),
        Ok(Some(e)) if e.raw_os_error() == Some(nix::libc::ETIMEDOUT) => {
            Err(ConnectError::Timeout(deadline.timeout()))
        }
        Ok(Some(e)) => Err(ConnectError::Failed(e)),
        Err(e) => Err(ConnectError::Setup {
            stage: "read the connection status",
            err: e,
        }),
    }
}

/// A poll timeout in milliseconds, rounded up so a short remainder is not a busy loop.
pub fn poll_timeout(left: Duration) -> PollTimeout {
    let ms = left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
    PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn connects_to_a_listener() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let opts = ConnectOpts::new(l.local_addr().unwrap(), Duration::from_secs(2));
        let d = Deadline::overall(Instant::now(), opts.timeout);
        assert!(connect(&opts, &d).is_ok());
    }

    #[test]
    fn refused_port_is_a_failed_connect() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let opts = ConnectOpts::new(([127, 0, 0, 1], port).into(), Duration::from_secs(2));
        let d = Deadline::overall(Instant::now(), opts.timeout);
        match connect(&opts, &d) {
            Err(ConnectError::Failed(e)) | Err(ConnectError::Immediate(e)) => {
                assert_eq!(describe(&e), "connection refused")
            }
            other => panic!("expected refused, got {other:?}"),
        }
    }

    #[test]
    fn binds_the_requested_source() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut opts = ConnectOpts::new(l.local_addr().unwrap(), Duration::from_secs(2));
        opts.bindto = Some([127, 0, 0, 2].into());
        let d = Deadline::overall(Instant::now(), opts.timeout);
        let s = connect(&opts, &d).unwrap();
        assert_eq!(s.local_addr().unwrap().ip(), IpAddr::from([127, 0, 0, 2]));
    }

    #[test]
    fn per_step_deadline_renews_and_overall_does_not() {
        let t0 = Instant::now();
        let mut step = Deadline::per_step(t0, Duration::from_secs(1));
        let mut all = Deadline::overall(t0, Duration::from_secs(1));
        let later = t0 + Duration::from_millis(900);
        step.step(later);
        all.step(later);
        let check = later + Duration::from_millis(500);
        assert!(step.remaining(check).is_some());
        assert!(all.remaining(check).is_none());
    }

    #[test]
    fn seconds_format() {
        assert_eq!(secs(Duration::from_secs(5)), "5 s");
        assert_eq!(secs(Duration::from_millis(500)), "0.5 s");
    }
}
