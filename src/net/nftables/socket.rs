//! The NETLINK_NETFILTER socket: sends a batch (or one GET) and collects the kernel's
//! answer to every request by sequence number, with a deadline. nfnetlink handles a
//! batch while the send call runs, so the answers are queued when it returns; the
//! deadline only guards against a kernel that does not answer.

use std::io;
use std::os::fd::AsFd;
use std::time::Instant;

use nix::libc;
use socket2::{Domain, Protocol, Socket, Type};

use super::msg::{self, Reply, Request};
use super::uapi::*;
use crate::net::{sockaddr, sys};

/// Answers are small (CAP_ACK or not, an error echoes one request at most).
const BUF_LEN: usize = 64 * 1024;

/// Why an exchange did not give every answer.
#[derive(Debug)]
pub enum ExchangeError {
    /// Sending or receiving failed.
    Io(io::Error),
    /// Answers were missing at the deadline.
    Timeout,
    /// The kernel refused the batch as a whole (its BEGIN or END): this errno.
    Batch(i32),
}

#[derive(Debug)]
pub struct NfSocket {
    sock: Socket,
    buf: Vec<u8>,
    seq: u32,
}

impl NfSocket {
    /// Opens a socket in this thread's network namespace (no privilege needed to open;
    /// nf_tables refuses requests without CAP_NET_ADMIN).
    pub fn open() -> io::Result<NfSocket> {
        let sock = Socket::new(
            Domain::from(libc::AF_NETLINK),
            Type::RAW.nonblocking(),
            Some(Protocol::from(NETLINK_NETFILTER)),
        )?;
        // Port id 0: the kernel picks ours; no multicast groups.
        sys::bind(sock.as_fd(), &sockaddr::netlink(0))?;
        Ok(NfSocket {
            sock,
            buf: vec![0; BUF_LEN],
            seq: 1,
        })
    }

    /// Sends `requests` as one batch. Ok: one errno per request (0: done); when one is not
    /// 0 the kernel applied none of them.
    pub fn transact(
        &mut self,
        requests: &[Request],
        deadline: Instant,
    ) -> Result<Vec<i32>, ExchangeError> {
        let b = msg::batch(self.seq, requests);
        self.seq = b.end_seq.wrapping_add(1);
        self.send(&b.bytes)?;
        let mut answers: Vec<Option<i32>> = vec![None; b.seqs.len()];
        let mut batch_errno = None;
        let mut failed = false;
        loop {
            if answers.iter().all(Option::is_some) {
                break;
            }
            // After a failure the kernel has queued all it will say: stop when drained.
            let replies = if failed {
                match self.try_recv()? {
                    Some(r) => r,
                    None => break,
                }
            } else {
                self.recv(deadline)?
            };
            for r in replies {
                let Reply::Ack { seq, errno } = r else {
                    continue;
                };
                if let Some(i) = b.seqs.iter().position(|&s| s == seq) {
                    answers[i] = Some(errno);
                    failed |= errno != 0;
                } else if (seq == b.begin_seq || seq == b.end_seq) && errno != 0 {
                    batch_errno = Some(errno);
                    failed = true;
                }
            }
        }
        if let Some(errno) = batch_errno {
            return Err(ExchangeError::Batch(errno));
        }
        // After a failure, requests left unanswered were not applied either: 0 stands for
        // them, the failing one is what the caller reports.
        Ok(answers.into_iter().map(|a| a.unwrap_or(0)).collect())
    }

    /// One plain (non-batch) request with an ACK: its errno (0: done).
    pub fn request(&mut self, req: &Request, deadline: Instant) -> Result<i32, ExchangeError> {
        let seq = self.seq;
        self.seq = seq.wrapping_add(1);
        let bytes = msg::message(
            msg::nft_type(req.msg),
            NLM_F_REQUEST | NLM_F_ACK | req.flags,
            seq,
            req.family,
            0,
            &req.attrs,
        );
        self.send(&bytes)?;
        loop {
            for r in self.recv(deadline)? {
                if let Reply::Ack { seq: s, errno } = r {
                    if s == seq {
                        return Ok(errno);
                    }
                }
            }
        }
    }

    fn send(&self, bytes: &[u8]) -> Result<(), ExchangeError> {
        let sent = sys::send_msg(self.sock.as_fd(), &sockaddr::netlink(0), bytes, &[], 0)
            .map_err(ExchangeError::Io)?;
        if sent != bytes.len() {
            return Err(ExchangeError::Io(io::Error::new(
                io::ErrorKind::WriteZero,
                "the kernel took part of a netlink message",
            )));
        }
        Ok(())
    }

    fn recv(&mut self, deadline: Instant) -> Result<Vec<Reply>, ExchangeError> {
        let (sock, buf) = (&self.sock, &mut self.buf);
        sys::until(sock.as_fd(), deadline, || recv_queued(sock, buf)).map_err(|e| {
            if e.kind() == io::ErrorKind::TimedOut {
                ExchangeError::Timeout
            } else {
                ExchangeError::Io(e)
            }
        })
    }

    fn try_recv(&mut self) -> Result<Option<Vec<Reply>>, ExchangeError> {
        recv_queued(&self.sock, &mut self.buf).map_err(ExchangeError::Io)
    }
}

fn recv_queued(sock: &Socket, buf: &mut [u8]) -> io::Result<Option<Vec<Reply>>> {
    loop {
        let Some(r) = sys::recv_msg(sock.as_fd(), buf, &mut [])? else {
            return Ok(None);
        };
        // Only the kernel (port id 0) answers for nf_tables.
        if sockaddr::parse_netlink_pid(r.name()) != Some(0) {
            continue;
        }
        return Ok(Some(msg::parse_replies(buf.get(..r.len).unwrap_or(&[]))));
    }
}
