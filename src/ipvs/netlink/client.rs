//! The socket: one blocking NETLINK_GENERIC socket (neli's plain `NlSocket`, no router
//! thread), requests made by [`codec`] into one reusable buffer, replies decoded in place
//! from one reusable 64 KiB receive buffer.
//!
//! neli's typed handle sends one message per `sendmsg` and parses replies into owned
//! buffers per attribute; the batching and in-place decoding below need raw bytes, which
//! neli's socket layer gives.
//!
//! Every receive waits at most [`REPLY_TIMEOUT`] (SO_RCVTIMEO).

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::{Duration, Instant};

use neli::consts::socket::{Msg, NlFamily};
use neli::socket::NlSocket;
use neli::utils::Groups;
use nix::libc;
use nix::sys::socket::{getsockopt, setsockopt, sockopt};
use nix::sys::time::TimeVal;

use super::codec;
use super::frame::{self, Reply};
use super::reply::{kernel_error, Progress, ReplyReader};
use super::uapi::*;
use crate::ipvs::model::*;
use crate::ipvs::{ApplyError, Ipvs, IpvsError, Outcome};

/// How long one receive waits for the kernel.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// Receive buffer: the kernel makes dump datagrams of at most 32 KiB (it sizes them to the
/// reader's buffer, capped there), so nothing arrives truncated.
const RECV_LEN: usize = 64 * 1024;
/// Socket buffers asked for (SO_RCVBUFFORCE / SO_SNDBUFFORCE as root, else capped by
/// net.core.rmem_max / wmem_max).
const SOCKET_BUFFER: usize = 4 << 20;
/// Most requests per `sendmsg`.
const BATCH_MAX: usize = 256;
/// Most bytes per `sendmsg` (the kernel refuses a datagram larger than SO_SNDBUF - 32).
const BATCH_BYTES: usize = 128 * 1024;
/// Receive-buffer memory one queued ACK costs (skb truesize: ~768 bytes for an ACK, more
/// for an error that echoes its request), rounded up so a batch's ACKs always fit.
const ACK_CHARGE: usize = 1536;

/// A connection to the kernel's IPVS over generic netlink. One per thread; not shared.
///
/// [`Ipvs::apply`] sends its operations in batches: up to 256 requests (fewer when the
/// socket buffers are small) go out in one `sendmsg`, each with its own sequence number
/// and NLM_F_ACK, and the kernel's ACKs are collected afterwards. The kernel runs every
/// request of a datagram even after an earlier one failed, so when operation `i` fails,
/// the operations after it in the same batch have been attempted too (their results are
/// in [`ApplyError::after`]); later batches are not sent. The error names the first failing
/// operation. A caller that needs nothing after a failure to run can set a batch limit of
/// 1 ([`Client::set_batch_limit`]).
pub struct Client {
    sock: NlSocket,
    family: u16,
    seq: u32,
    tx: Vec<u8>,
    rx: Vec<u8>,
    /// Per-request errno of the batch in flight (None: not answered yet).
    answers: Vec<Option<i32>>,
    /// Requests per `sendmsg`: the caller's limit within what the buffers allow.
    batch_max: usize,
    /// Requests per `sendmsg` whose ACKs the granted receive buffer holds.
    batch_granted: usize,
    batch_bytes: usize,
}

impl Client {
    /// Opens a socket and looks up the "IPVS" family (the kernel loads ip_vs on that
    /// lookup when it can). No family: [`IpvsError::NotAvailable`].
    pub fn open() -> Result<Client, IpvsError> {
        let mut client = Client::socket()?;
        client.family = client.resolve_family()?;
        Ok(client)
    }

    /// The configured socket, before the family lookup.
    fn socket() -> Result<Client, IpvsError> {
        let sock = NlSocket::connect(NlFamily::Generic, None, Groups::empty())
            .map_err(|e| IpvsError::Io(format!("cannot open a generic netlink socket: {e}")))?;
        let (rcvbuf, sndbuf) = configure(&sock)?;
        let batch_granted = (rcvbuf / ACK_CHARGE).clamp(1, BATCH_MAX);
        Ok(Client {
            sock,
            family: 0,
            // Any start works: replies are matched by sequence number.
            seq: 0,
            tx: Vec::with_capacity(BATCH_BYTES + 4096),
            rx: vec![0; RECV_LEN],
            answers: Vec::with_capacity(BATCH_MAX),
            batch_max: batch_granted,
            batch_granted,
            batch_bytes: BATCH_BYTES.min(sndbuf.saturating_sub(1024)).max(1),
        })
    }

    /// The dynamic generic-netlink id of the "IPVS" family.
    pub fn family_id(&self) -> u16 {
        self.family
    }

    /// Sets the number of requests per `sendmsg` (at least 1; the socket buffers set the
    /// upper bound, 256 at most).
    pub fn set_batch_limit(&mut self, limit: usize) {
        self.batch_max = limit.clamp(1, self.batch_granted);
    }

    /// The current number of requests per `sendmsg`.
    pub fn batch_limit(&self) -> usize {
        self.batch_max
    }

    fn resolve_family(&mut self) -> Result<u16, IpvsError> {
        let seq = self.start();
        codec::get_family(&mut self.tx, seq);
        let mut id = None;
        match self.exchange(seq, |p| {
            id = Some(codec::family_id(p)?);
            Ok(())
        }) {
            Err(IpvsError::Kernel { errno }) if errno == libc::ENOENT => {
                Err(IpvsError::NotAvailable)
            }
            Err(e) => Err(e),
            Ok(()) => id.ok_or_else(|| frame::malformed("no reply to CTRL_CMD_GETFAMILY")),
        }
    }

    /// Clears the send buffer and takes the next sequence number.
    fn start(&mut self) -> u32 {
        self.tx.clear();
        self.next_seq()
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// Sends the one request in the send buffer and hands the payload of every family
    /// message answering it to `each`, until its ACK, NLMSG_DONE or error. After a failure
    /// (a bad frame or message, a decoding error, a failed receive) the rest of the reply
    /// is drained before returning: a dump left half read would make the kernel refuse the
    /// next one with EBUSY.
    fn exchange(
        &mut self,
        seq: u32,
        mut each: impl FnMut(&[u8]) -> Result<(), IpvsError>,
    ) -> Result<(), IpvsError> {
        self.send()?;
        let mut reply = ReplyReader::new(seq);
        let mut drain_until = None;
        loop {
            let received = if reply.failed() {
                // The kernel queues a reply's first part inside sendmsg and each next part
                // of a dump inside the recvmsg that reads the previous one, so all that is
                // left is already queued: the drain does not wait, and stops at a deadline
                // in any case.
                let until = *drain_until.get_or_insert_with(|| Instant::now() + REPLY_TIMEOUT);
                if Instant::now() >= until {
                    return Err(reply.into_failure());
                }
                self.recv_queued()
            } else {
                self.recv()
            };
            match received {
                Ok(n) => {
                    if let Progress::Finished(result) = reply.datagram(&self.rx[..n], &mut each) {
                        return result;
                    }
                }
                Err(e) if !reply.failed() => reply.fail(e),
                // Nothing more queued.
                Err(_) => return Err(reply.into_failure()),
            }
        }
    }

    /// A request whose reply is one message, decoded by `decode`.
    fn get<T>(
        &mut self,
        build: impl FnOnce(&mut Vec<u8>, u16, u32),
        decode: impl Fn(&[u8]) -> Result<T, IpvsError>,
    ) -> Result<T, IpvsError> {
        let seq = self.start();
        build(&mut self.tx, self.family, seq);
        let mut out = None;
        self.exchange(seq, |p| {
            out = Some(decode(p)?);
            Ok(())
        })?;
        out.ok_or_else(|| frame::malformed("the kernel acknowledged without a reply"))
    }

    /// A dump: every message decoded by `decode` (None: not ours to keep).
    fn dump<T>(
        &mut self,
        build: impl FnOnce(&mut Vec<u8>, u16, u32),
        decode: impl Fn(&[u8]) -> Result<Option<T>, IpvsError>,
    ) -> Result<Vec<T>, IpvsError> {
        let seq = self.start();
        build(&mut self.tx, self.family, seq);
        let mut out = Vec::new();
        self.exchange(seq, |p| {
            out.extend(decode(p)?);
            Ok(())
        })?;
        Ok(out)
    }

    fn send(&mut self) -> Result<(), IpvsError> {
        loop {
            match self.sock.send(&self.tx, Msg::empty()) {
                Ok(n) if n == self.tx.len() => return Ok(()),
                Ok(n) => {
                    return Err(IpvsError::Io(format!(
                        "the kernel took {n} of {} bytes",
                        self.tx.len()
                    )))
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(IpvsError::Io(format!("send: {e}"))),
            }
        }
    }

    /// Receives one datagram into the receive buffer, waiting at most [`REPLY_TIMEOUT`];
    /// its length.
    fn recv(&mut self) -> Result<usize, IpvsError> {
        self.recv_with(Msg::empty())
    }

    /// Receives a datagram already queued; an error when none is.
    fn recv_queued(&mut self) -> Result<usize, IpvsError> {
        self.recv_with(Msg::DONTWAIT)
    }

    fn recv_with(&mut self, flags: Msg) -> Result<usize, IpvsError> {
        loop {
            // MSG_TRUNC: the datagram's real length, so truncation is seen, not parsed.
            match self.sock.recv(&mut self.rx[..], Msg::TRUNC | flags) {
                Ok((n, _)) if n > self.rx.len() => {
                    return Err(IpvsError::Io(format!(
                        "a reply of {n} bytes did not fit the receive buffer"
                    )))
                }
                Ok((n, _)) => return Ok(n),
                Err(e) => match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                        return Err(IpvsError::Io(format!(
                            "no reply from the kernel within {} s",
                            REPLY_TIMEOUT.as_secs()
                        )))
                    }
                    _ if e.raw_os_error() == Some(libc::ENOBUFS) => {
                        return Err(IpvsError::Io(
                            "replies were lost (receive buffer overrun)".into(),
                        ))
                    }
                    _ => return Err(IpvsError::Io(format!("receive: {e}"))),
                },
            }
        }
    }

    /// Sends the requests of one batch (already in the send buffer, sequence numbers
    /// `first_seq..first_seq + count`) and reads all their answers. Err: see
    /// [`batch_failure`].
    fn run_batch(&mut self, first_seq: u32, count: usize) -> Result<(), BatchFailure> {
        // A datagram the kernel did not take ran nothing.
        self.send().map_err(|e| (0, e, Vec::new()))?;
        self.answers.clear();
        self.answers.resize(count, None);
        let mut pending = count;
        // The kernel handles the whole datagram inside sendmsg, so every answer is queued
        // by now; reading them all leaves the socket clean for the next request.
        while pending > 0 {
            let n = match self.recv() {
                Ok(n) => n,
                Err(e) => return batch_failure(&self.answers, Some(e)).map_or(Ok(()), Err),
            };
            for msg in frame::messages(&self.rx[..n]) {
                let msg = match msg {
                    Ok(msg) => msg,
                    Err(e) => return batch_failure(&self.answers, Some(e)).map_or(Ok(()), Err),
                };
                let i = msg.seq.wrapping_sub(first_seq) as usize;
                let errno = match msg.reply() {
                    Ok(Reply::Ack) => 0,
                    Ok(Reply::Error(errno)) => errno,
                    _ => continue,
                };
                if let Some(slot @ None) = self.answers.get_mut(i) {
                    *slot = Some(errno);
                    pending -= 1;
                }
            }
        }
        batch_failure(&self.answers, None).map_or(Ok(()), Err)
    }
}

/// A batch that failed: the index in the batch of the first request that failed or went
/// unanswered, why, and what became of the requests after it.
type BatchFailure = (usize, IpvsError, Vec<Outcome>);

/// The failure of a batch from its answers (errno per request, 0: done, None: unanswered)
/// and the error that ended the reading early, if one did; None when every request was
/// done. Requests before the one named all took effect.
fn batch_failure(answers: &[Option<i32>], cause: Option<IpvsError>) -> Option<BatchFailure> {
    let index = answers.iter().position(|a| *a != Some(0))?;
    let error = match answers.get(index) {
        Some(Some(errno)) => kernel_error(*errno),
        _ => cause.unwrap_or_else(|| IpvsError::Io("no answer from the kernel".into())),
    };
    let after = answers
        .iter()
        .skip(index + 1)
        .map(|a| match a {
            Some(0) => Outcome::Made,
            Some(errno) => Outcome::Failed(kernel_error(*errno)),
            None => Outcome::Unknown,
        })
        .collect();
    Some((index, error, after))
}

impl Ipvs for Client {
    fn info(&mut self) -> Result<Info, IpvsError> {
        self.get(
            |b, f, s| codec::get(b, f, s, IPVS_CMD_GET_INFO),
            codec::info,
        )
    }

    fn services(&mut self) -> Result<Vec<Service>, IpvsError> {
        self.dump(
            |b, f, s| codec::dump(b, f, s, IPVS_CMD_GET_SERVICE),
            codec::service,
        )
    }

    fn service(&mut self, key: &ServiceKey) -> Result<Option<Service>, IpvsError> {
        let found = self.get(
            |b, f, s| codec::get_service(b, f, s, key),
            |p| {
                codec::service(p)?
                    .ok_or_else(|| frame::malformed("GET_SERVICE answered by another command"))
            },
        );
        match found {
            Ok(s) => Ok(Some(s)),
            Err(IpvsError::Kernel { errno }) if errno == libc::ESRCH => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn dests(&mut self, key: &ServiceKey) -> Result<Vec<Dest>, IpvsError> {
        let family = key.family();
        self.dump(
            |b, f, s| codec::dump_dests(b, f, s, key),
            |p| codec::dest(p, family),
        )
    }

    fn timeouts(&mut self) -> Result<Timeouts, IpvsError> {
        self.get(
            |b, f, s| codec::get(b, f, s, IPVS_CMD_GET_CONFIG),
            codec::timeouts,
        )
    }

    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, IpvsError> {
        self.dump(
            |b, f, s| codec::dump(b, f, s, IPVS_CMD_GET_DAEMON),
            codec::daemon,
        )
    }

    fn apply(&mut self, ops: &[Op]) -> Result<(), ApplyError> {
        let mut done = 0;
        while done < ops.len() {
            self.tx.clear();
            let first_seq = self.seq.wrapping_add(1);
            let mut count = 0;
            let mut refused = None;
            for op in &ops[done..] {
                if count == self.batch_max || self.tx.len() >= self.batch_bytes {
                    break;
                }
                let seq = first_seq.wrapping_add(count as u32);
                if let Err(e) = codec::op(&mut self.tx, self.family, seq, op) {
                    refused = Some(e);
                    break;
                }
                self.seq = seq;
                count += 1;
            }
            if count > 0 {
                self.run_batch(first_seq, count)
                    .map_err(|(i, error, after)| ApplyError {
                        index: done + i,
                        error,
                        after,
                    })?;
            }
            if let Some(error) = refused {
                return Err(ApplyError::new(done + count, error));
            }
            done += count;
        }
        Ok(())
    }
}

/// The socket options: a receive deadline and big buffers. Returns the receive and send
/// buffer sizes the kernel granted.
fn configure(sock: &NlSocket) -> Result<(usize, usize), IpvsError> {
    let fd = borrowed(sock);
    let io = |what: &str, e: nix::Error| IpvsError::Io(format!("{what}: {e}"));
    let timeout = TimeVal::new(REPLY_TIMEOUT.as_secs() as _, 0);
    setsockopt(&fd, sockopt::ReceiveTimeout, &timeout).map_err(|e| io("SO_RCVTIMEO", e))?;
    // Without the privilege to force them, the plain options get what rmem_max/wmem_max
    // allow; the batch size follows what was granted.
    if setsockopt(&fd, sockopt::RcvBufForce, &SOCKET_BUFFER).is_err() {
        let _ = setsockopt(&fd, sockopt::RcvBuf, &SOCKET_BUFFER);
    }
    if setsockopt(&fd, sockopt::SndBufForce, &SOCKET_BUFFER).is_err() {
        let _ = setsockopt(&fd, sockopt::SndBuf, &SOCKET_BUFFER);
    }
    let rcvbuf = getsockopt(&fd, sockopt::RcvBuf).map_err(|e| io("SO_RCVBUF", e))?;
    let sndbuf = getsockopt(&fd, sockopt::SndBuf).map_err(|e| io("SO_SNDBUF", e))?;
    Ok((rcvbuf, sndbuf))
}

/// neli's socket exposes only its raw descriptor; nix's option calls want a borrowed one.
fn borrowed(sock: &NlSocket) -> BorrowedFd<'_> {
    // SAFETY: `sock` owns this open descriptor and closes it only when dropped, which the
    // borrow (tied to `sock`'s lifetime) rules out while the BorrowedFd exists.
    unsafe { BorrowedFd::borrow_raw(sock.as_raw_fd()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_failure_names_the_first_failure_and_what_came_after() {
        let eexist = || IpvsError::Kernel {
            errno: libc::EEXIST,
        };
        assert_eq!(batch_failure(&[Some(0), Some(0)], None), None);
        // Refused in the middle: the ones after it ran, one of them failed too.
        assert_eq!(
            batch_failure(
                &[
                    Some(0),
                    Some(libc::EEXIST),
                    Some(0),
                    Some(libc::EPERM),
                    Some(0)
                ],
                None
            ),
            Some((
                1,
                eexist(),
                vec![
                    Outcome::Made,
                    Outcome::Failed(IpvsError::Permission),
                    Outcome::Made
                ]
            ))
        );
        // The reading ended early: a refusal before it still comes first...
        let timeout = || IpvsError::Io("no reply".into());
        assert_eq!(
            batch_failure(&[Some(libc::EEXIST), Some(0), None], Some(timeout())),
            Some((0, eexist(), vec![Outcome::Made, Outcome::Unknown]))
        );
        // ...else the first unanswered request fails with the cause.
        assert_eq!(
            batch_failure(&[Some(0), None, None], Some(timeout())),
            Some((1, timeout(), vec![Outcome::Unknown]))
        );
        // Everything was answered before a bad trailing frame: done.
        assert_eq!(batch_failure(&[Some(0)], Some(timeout())), None);
    }

    #[test]
    fn socket_gets_big_buffers_and_a_receive_deadline() {
        let mut c = Client::socket().expect("a generic netlink socket");
        assert!(c.batch_limit() >= 64, "{}", c.batch_limit());
        c.set_batch_limit(0);
        assert_eq!(c.batch_limit(), 1);
        let fd = borrowed(&c.sock);
        let set = getsockopt(&fd, sockopt::ReceiveTimeout).unwrap();
        assert_eq!(set.tv_sec(), 5);
        // Nothing was asked, so nothing comes: the deadline (shortened here) ends the wait.
        let short = TimeVal::new(0, 50_000);
        setsockopt(&fd, sockopt::ReceiveTimeout, &short).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(
            c.recv(),
            Err(IpvsError::Io("no reply from the kernel within 5 s".into()))
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
