//! The reply to one request, read datagram by datagram: family messages go to the caller,
//! the request's ACK, NLMSG_DONE or error ends it. After a failure (a bad frame or message,
//! a decoding error, a failed receive) the rest of the reply is still read, only drained:
//! a dump left half read makes the kernel answer the next dump on the socket with EBUSY.
//! Pure: the client feeds the datagrams.

use nix::libc;

use super::frame::{self, Reply};
use crate::ipvs::IpvsError;

/// Where a reply stands after a datagram.
#[derive(Debug, PartialEq, Eq)]
pub enum Progress {
    /// The reply goes on in the next datagram.
    More,
    /// The reply ended: Ok, or the first failure met while reading it.
    Finished(Result<(), IpvsError>),
}

/// The reply to the request with sequence number `seq`.
#[derive(Debug)]
pub struct ReplyReader {
    seq: u32,
    failure: Option<IpvsError>,
}

impl ReplyReader {
    pub fn new(seq: u32) -> ReplyReader {
        ReplyReader { seq, failure: None }
    }

    /// Whether something failed: the rest of the reply is only drained.
    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// Records a failure (the first one is what the reply ends with).
    pub fn fail(&mut self, error: IpvsError) {
        self.failure.get_or_insert(error);
    }

    /// The failure, for a reply whose end never came (the drain found nothing more).
    pub fn into_failure(self) -> IpvsError {
        self.failure
            .unwrap_or_else(|| IpvsError::Io("the reply ended without its end".into()))
    }

    /// Reads one datagram: each family message of this request goes to `each` until
    /// something fails; messages of other requests (abandoned earlier) are skipped.
    pub fn datagram(
        &mut self,
        datagram: &[u8],
        mut each: impl FnMut(&[u8]) -> Result<(), IpvsError>,
    ) -> Progress {
        for msg in frame::messages(datagram) {
            let msg = match msg {
                Ok(msg) => msg,
                // The rest of this datagram cannot be framed; the end may come in another.
                Err(e) => {
                    self.fail(e);
                    return Progress::More;
                }
            };
            if msg.seq != self.seq {
                continue;
            }
            match msg.reply() {
                Ok(Reply::Data(payload)) => {
                    if self.failure.is_none() {
                        if let Err(e) = each(payload) {
                            self.fail(e);
                        }
                    }
                }
                Ok(Reply::Ack | Reply::Done(0)) => {
                    return Progress::Finished(self.failure.take().map_or(Ok(()), Err));
                }
                Ok(Reply::Error(errno) | Reply::Done(errno)) => {
                    let failure = self.failure.take();
                    return Progress::Finished(Err(failure.unwrap_or_else(|| kernel_error(errno))));
                }
                Ok(Reply::Overrun) => {
                    self.fail(IpvsError::Io("the kernel reported lost replies".into()))
                }
                Ok(Reply::Ignore) => {}
                Err(e) => self.fail(e),
            }
        }
        Progress::More
    }
}

/// An errno from the kernel, with the privilege cases kept apart.
pub fn kernel_error(errno: i32) -> IpvsError {
    match errno {
        libc::EPERM | libc::EACCES => IpvsError::Permission,
        _ => IpvsError::Kernel { errno },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::netlink::uapi::{NLMSG_DONE, NLMSG_ERROR};

    const FAMILY: u16 = 0x20;

    /// One netlink message (host byte order, as the kernel writes them).
    fn msg(ty: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let len = (16 + payload.len()) as u32;
        let mut m = Vec::new();
        m.extend_from_slice(&len.to_ne_bytes());
        m.extend_from_slice(&ty.to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(payload);
        m.resize(m.len().next_multiple_of(4), 0);
        m
    }

    fn data(seq: u32, byte: u8) -> Vec<u8> {
        msg(FAMILY, seq, &[1, 1, 0, 0, byte])
    }

    fn done(seq: u32, errno: i32) -> Vec<u8> {
        msg(NLMSG_DONE, seq, &(-errno).to_ne_bytes())
    }

    fn error(seq: u32, errno: i32) -> Vec<u8> {
        // The kernel echoes the request's header after the code; nothing reads it.
        let mut p = (-errno).to_ne_bytes().to_vec();
        p.extend_from_slice(&[0; 16]);
        msg(NLMSG_ERROR, seq, &p)
    }

    /// Feeds `datagrams` to a reader of `seq`, collecting the bytes after the genl header;
    /// `bad` makes decoding fail on that byte. What came back, and after how many datagrams.
    fn read(seq: u32, datagrams: &[Vec<u8>], bad: u8) -> (Vec<u8>, Option<(usize, Progress)>) {
        let mut got = Vec::new();
        let mut r = ReplyReader::new(seq);
        for (i, d) in datagrams.iter().enumerate() {
            let p = r.datagram(d, |payload| {
                let b = payload[4];
                if b == bad {
                    return Err(IpvsError::Malformed(format!("byte {b}")));
                }
                got.push(b);
                Ok(())
            });
            if p != Progress::More {
                return (got, Some((i + 1, p)));
            }
        }
        (got, None)
    }

    #[test]
    fn a_dump_over_datagrams_ends_at_done() {
        let d1 = [data(7, 1), data(7, 2)].concat();
        let d2 = [data(7, 3), done(7, 0)].concat();
        assert_eq!(
            read(7, &[d1, d2], 0),
            (vec![1, 2, 3], Some((2, Progress::Finished(Ok(())))))
        );
        // Answers to other requests are skipped; an error ends the reply with its errno.
        let d = [data(6, 9), done(6, 0), error(7, libc::ENOENT)].concat();
        assert_eq!(
            read(7, &[d], 0),
            (
                vec![],
                Some((
                    1,
                    Progress::Finished(Err(IpvsError::Kernel {
                        errno: libc::ENOENT
                    }))
                ))
            )
        );
        assert_eq!(
            read(7, &[error(7, libc::EPERM)], 0).1,
            Some((1, Progress::Finished(Err(IpvsError::Permission))))
        );
    }

    #[test]
    fn a_decoding_failure_still_reads_to_the_end() {
        let d1 = [data(7, 1), data(7, 2)].concat();
        let d2 = [data(7, 3), done(7, 0)].concat();
        let (got, end) = read(7, &[d1, d2], 2);
        assert_eq!(got, [1], "nothing is handed on after a failure");
        assert_eq!(
            end,
            Some((
                2,
                Progress::Finished(Err(IpvsError::Malformed("byte 2".into())))
            ))
        );
    }

    #[test]
    fn a_bad_frame_drains_to_the_end_in_a_later_datagram() {
        // A length that overruns the datagram: the rest of it is lost, the reply goes on.
        let mut broken = data(7, 1);
        broken[0] = 200;
        let d2 = [data(7, 2), done(7, 0)].concat();
        let (got, end) = read(7, &[broken, d2.clone()], 0);
        assert_eq!(got, Vec::<u8>::new());
        match end {
            Some((2, Progress::Finished(Err(IpvsError::Malformed(why))))) => {
                assert!(why.contains("message length 200"), "{why}")
            }
            other => panic!("{other:?}"),
        }
        // A bad message (an error without its code) is a failure; the end still counts.
        let short_error = msg(NLMSG_ERROR, 7, &[]);
        let (_, end) = read(7, &[short_error, d2], 0);
        assert!(
            matches!(
                end,
                Some((2, Progress::Finished(Err(IpvsError::Malformed(_)))))
            ),
            "{end:?}"
        );
    }

    #[test]
    fn a_failed_receive_is_kept_while_draining() {
        let mut r = ReplyReader::new(7);
        assert!(!r.failed());
        r.fail(IpvsError::Io("a reply of 70000 bytes did not fit".into()));
        assert!(r.failed());
        // The drain reads the rest; the receive's failure is what the reply ends with.
        assert_eq!(r.datagram(&data(7, 1), |_| Ok(())), Progress::More);
        assert_eq!(
            r.datagram(&done(7, 0), |_| Ok(())),
            Progress::Finished(Err(IpvsError::Io(
                "a reply of 70000 bytes did not fit".into()
            )))
        );
        // A drain that found nothing more ends with the first failure too.
        let mut r = ReplyReader::new(7);
        r.fail(IpvsError::Io("timeout".into()));
        r.fail(IpvsError::Io("later".into()));
        assert_eq!(r.into_failure(), IpvsError::Io("timeout".into()));
    }
}
