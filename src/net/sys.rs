//! The system calls socket2 does not offer in the form these sockets need: socket options
//! with struct values (ip_mreqn, packet_mreq, IPV6_CHECKSUM), `sendmsg`/`recvmsg` with
//! addresses and control messages as plain bytes (parsed in `sockaddr` and `cmsg`, without
//! pointer casts), `bind` to a non-IP address, and a wait for readability until a deadline.
//! Every `unsafe` block of the network sockets is here.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::{Duration, Instant};

use nix::libc;
use nix::poll::{PollFd, PollFlags, PollTimeout};

use super::sockaddr::STORAGE_LEN;

/// `AsFd` and `AsRawFd` for a type that wraps its socket in a `sock` field, so one poll or
/// epoll set can cover every socket of the daemon.
macro_rules! socket_fd {
    ($t:ty) => {
        impl std::os::fd::AsFd for $t {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(&self.sock)
            }
        }

        impl std::os::fd::AsRawFd for $t {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(&self.sock)
            }
        }
    };
}
pub(crate) use socket_fd;

/// setsockopt(2) with a plain-data value (`Copy` keeps it to C structs and integers).
pub(crate) fn set_opt<T: Copy>(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
) -> io::Result<()> {
    let len = libc::socklen_t::try_from(std::mem::size_of::<T>())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `value` is a live, initialised T of exactly `len` bytes, which the kernel only
    // reads during the call; `fd` is an open descriptor borrowed for the call.
    let rc =
        unsafe { libc::setsockopt(fd.as_raw_fd(), level, name, (value as *const T).cast(), len) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// bind(2) to an address given as its bytes (`sockaddr_ll`, `sockaddr_nl`).
pub(crate) fn bind(fd: BorrowedFd<'_>, addr: &[u8]) -> io::Result<()> {
    let len = libc::socklen_t::try_from(addr.len())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: the kernel copies `len` bytes from `addr`, a live slice of that length, before
    // it looks at them (no alignment is required of the user buffer).
    let rc = unsafe { libc::bind(fd.as_raw_fd(), addr.as_ptr().cast(), len) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// sendmsg(2) of one buffer to `name` (address bytes) with `control` (control message
/// bytes, possibly empty). Never blocks (MSG_DONTWAIT).
pub(crate) fn send_msg(
    fd: BorrowedFd<'_>,
    name: &[u8],
    data: &[u8],
    control: &[u8],
    flags: libc::c_int,
) -> io::Result<usize> {
    let name_len = libc::socklen_t::try_from(name.len())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let mut iov = libc::iovec {
        iov_base: data.as_ptr().cast_mut().cast(),
        iov_len: data.len(),
    };
    // SAFETY: msghdr is plain data for which all-zero is a valid value.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = name.as_ptr().cast_mut().cast();
    msg.msg_namelen = name_len;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if !control.is_empty() {
        msg.msg_control = control.as_ptr().cast_mut().cast();
        msg.msg_controllen = control.len() as _;
    }
    // SAFETY: every pointer in `msg` refers to a live buffer of the length stored beside it
    // (`name`, `iov` -> `data`, `control`), all outliving the call; sendmsg only reads them,
    // so the casts to *mut never lead to a write.
    let n = unsafe { libc::sendmsg(fd.as_raw_fd(), &msg, flags | libc::MSG_DONTWAIT) };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// What one `recvmsg` returned besides the data.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// Bytes copied into the data buffer.
    pub len: usize,
    /// The datagram was longer than the buffer (its tail is lost).
    pub truncated: bool,
    /// Bytes of control messages in the control buffer.
    pub control_len: usize,
    /// The sender's address, as the kernel wrote it.
    pub name: [u8; STORAGE_LEN],
    pub name_len: usize,
}

impl Received {
    pub fn name(&self) -> &[u8] {
        self.name.get(..self.name_len).unwrap_or(&self.name)
    }
}

/// recvmsg(2) of one datagram without waiting: Ok(None) when nothing is queued.
pub(crate) fn recv_msg(
    fd: BorrowedFd<'_>,
    data: &mut [u8],
    control: &mut [u8],
) -> io::Result<Option<Received>> {
    let mut name = [0u8; STORAGE_LEN];
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr().cast(),
        iov_len: data.len(),
    };
    // SAFETY: msghdr is plain data for which all-zero is a valid value.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = name.as_mut_ptr().cast();
    msg.msg_namelen = STORAGE_LEN as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if !control.is_empty() {
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = control.len() as _;
    }
    // MSG_TRUNC makes the call return the datagram's real length, so truncation is seen.
    let flags = libc::MSG_DONTWAIT | libc::MSG_TRUNC;
    // SAFETY: every pointer in `msg` refers to a live, writable buffer of the length stored
    // beside it (`name`, `iov` -> `data`, `control`); the kernel writes at most that much
    // into each and reports the lengths it used.
    let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, flags) };
    let Ok(real_len) = usize::try_from(n) else {
        let e = io::Error::last_os_error();
        return match e.kind() {
            io::ErrorKind::WouldBlock => Ok(None),
            _ => Err(e),
        };
    };
    // size_t with glibc, socklen_t with musl: widening either way.
    let control_len = (msg.msg_controllen as usize).min(control.len());
    let name_len = usize::try_from(msg.msg_namelen)
        .unwrap_or(0)
        .min(STORAGE_LEN);
    Ok(Some(Received {
        len: real_len.min(data.len()),
        truncated: real_len > data.len(),
        control_len,
        name,
        name_len,
    }))
}

/// Waits until `fd` is readable (or has an error to report) or `deadline` passes; returns
/// false at the deadline. Signals do not end the wait early.
pub(crate) fn wait_readable(fd: BorrowedFd<'_>, deadline: Instant) -> io::Result<bool> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        // Round up: a wait rounded down to 0 ms would spin until the deadline.
        let ms = left.as_micros().div_ceil(1000).min(i32::MAX as u128).max(1);
        let timeout =
            PollTimeout::try_from(Duration::from_millis(ms as u64)).unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
        match nix::poll::poll(&mut fds, timeout) {
            Ok(0) => continue,
            Ok(_) => return Ok(true),
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Receives with `attempt` (a non-blocking receive) until it yields or `deadline` passes.
pub(crate) fn until<T>(
    fd: BorrowedFd<'_>,
    deadline: Instant,
    mut attempt: impl FnMut() -> io::Result<Option<T>>,
) -> io::Result<T> {
    loop {
        if let Some(v) = attempt()? {
            return Ok(v);
        }
        if !wait_readable(fd, deadline)? {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "nothing arrived before the deadline",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn wait_readable_honours_the_deadline_and_data() {
        let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
        let start = Instant::now();
        let ready = wait_readable(a.as_fd(), start + Duration::from_millis(50)).unwrap();
        assert!(!ready);
        assert!(start.elapsed() >= Duration::from_millis(50));
        assert!(start.elapsed() < Duration::from_secs(2));
        b.send(b"x").unwrap();
        assert!(wait_readable(a.as_fd(), Instant::now() + Duration::from_secs(2)).unwrap());
        // A deadline already past does not wait at all.
        assert!(!wait_readable(a.as_fd(), Instant::now()).unwrap());
    }

    #[test]
    fn recv_msg_reports_truncation_and_empty_queue() {
        let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
        let mut buf = [0u8; 4];
        assert!(recv_msg(a.as_fd(), &mut buf, &mut []).unwrap().is_none());
        b.send(b"abcdef").unwrap();
        let got = recv_msg(a.as_fd(), &mut buf, &mut []).unwrap().unwrap();
        assert_eq!((got.len, got.truncated), (4, true));
        assert_eq!(&buf, b"abcd");
        let err = until(
            a.as_fd(),
            Instant::now() + Duration::from_millis(20),
            || recv_msg(a.as_fd(), &mut buf, &mut []).map(|r| r.map(|r| r.len)),
        )
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }

    #[test]
    fn set_opt_sets_an_integer_option() {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
        set_opt(s.as_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF, &4096i32).unwrap();
        // The kernel doubles the value for its bookkeeping.
        assert_eq!(s.recv_buffer_size().unwrap(), 8192);
        assert!(set_opt(s.as_fd(), libc::SOL_SOCKET, 0x7fff, &1i32).is_err());
    }
}
