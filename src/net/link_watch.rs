//! A netlink socket subscribed to link and address changes (RTMGRP_LINK,
//! RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR), whose fd joins the daemon's poll loop and
//! whose messages decode into events: a link's new state, an address added or removed.
//!
//! This is a plain socket rather than neli's handle: the daemon polls its fd, and decoding
//! from bytes is then a pure function, parsed with the same link and address readers as
//! the rtnetlink client's replies.

use std::os::fd::AsFd;
use std::time::Instant;
use std::{io, mem};

use nix::libc;
use socket2::{Domain, Protocol, Socket, Type};

use super::rtnl::{parse_addr, parse_link, IfAddr, Link};
use super::sock_error::SockError;
use super::{sockaddr, sys};

/// The multicast groups the watch listens to.
pub const GROUPS: u32 =
    (libc::RTMGRP_LINK | libc::RTMGRP_IPV4_IFADDR | libc::RTMGRP_IPV6_IFADDR) as u32;

/// `struct nlmsghdr`: length, type, flags, sequence, port id.
const NLMSG_HDR_LEN: usize = 16;
/// A notification datagram is at most a page or two; this leaves room for bursts.
const BUF_LEN: usize = 64 * 1024;

/// One change the kernel announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// RTM_NEWLINK: the link as it is now. The kernel sends one for any change (flags,
    /// carrier, MTU, name...), so compare with what was known; `is_usable()` says up/down.
    Link(Link),
    /// RTM_DELLINK: the link is gone.
    LinkRemoved(Link),
    /// RTM_NEWADDR (also sent when an address's flags change, e.g. when DAD completes).
    AddressAdded { index: u32, addr: IfAddr },
    /// RTM_DELADDR.
    AddressRemoved { index: u32, addr: IfAddr },
    /// Notifications were lost (the socket's buffer overflowed): re-read links and
    /// addresses instead of trusting the events.
    Overrun,
}

/// The socket. Not shared between threads: the VRRP loop owns it.
#[derive(Debug)]
pub struct LinkWatch {
    sock: Socket,
    buf: Vec<u8>,
}

impl LinkWatch {
    /// Subscribes in this thread's network namespace (no privilege needed).
    pub fn open() -> Result<LinkWatch, SockError> {
        let step = |what: &str| SockError::doing(format!("link watch socket: {what}"));
        let sock = Socket::new(
            Domain::from(libc::AF_NETLINK),
            Type::RAW.nonblocking(),
            Some(Protocol::from(libc::NETLINK_ROUTE)),
        )
        .map_err(step("open"))?;
        sys::bind(sock.as_fd(), &sockaddr::netlink(GROUPS))
            .map_err(step("subscribe to link and address changes"))?;
        Ok(LinkWatch {
            sock,
            buf: vec![0; BUF_LEN],
        })
    }

    /// SO_RCVBUF: a larger buffer makes overruns rarer when many interfaces change at once.
    pub fn set_rx_buffer_size(&self, bytes: usize) -> Result<(), SockError> {
        self.sock
            .set_recv_buffer_size(bytes)
            .map_err(SockError::doing("link watch socket: set SO_RCVBUF"))
    }

    /// The events of one queued datagram, without waiting.
    pub fn try_recv(&mut self) -> Result<Option<Vec<LinkEvent>>, SockError> {
        recv_queued(&self.sock, &mut self.buf)
            .map_err(SockError::doing("receive on the link watch socket"))
    }

    /// The events of one datagram, waiting until `deadline` at the latest (then an error
    /// whose `is_timeout()` is true).
    pub fn recv(&mut self, deadline: Instant) -> Result<Vec<LinkEvent>, SockError> {
        let (sock, buf) = (&self.sock, &mut self.buf);
        sys::until(sock.as_fd(), deadline, || recv_queued(sock, buf))
            .map_err(SockError::doing("receive on the link watch socket"))
    }
}

fn recv_queued(sock: &Socket, buf: &mut [u8]) -> io::Result<Option<Vec<LinkEvent>>> {
    loop {
        let r = match sys::recv_msg(sock.as_fd(), buf, &mut []) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(None),
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                return Ok(Some(vec![LinkEvent::Overrun]))
            }
            Err(e) => return Err(e),
        };
        // Only the kernel (port id 0) speaks for the network configuration.
        if sockaddr::parse_netlink_pid(r.name()) != Some(0) {
            continue;
        }
        let mut events = decode(buf.get(..r.len).unwrap_or(&[]));
        if r.truncated {
            events.push(LinkEvent::Overrun);
        }
        return Ok(Some(events));
    }
}

/// The events in one netlink datagram. Messages of other types, and malformed ones, are
/// skipped; a message whose length runs past the datagram ends it.
pub fn decode(datagram: &[u8]) -> Vec<LinkEvent> {
    let mut events = Vec::new();
    let mut rest = datagram;
    while let Some(header) = rest.get(..NLMSG_HDR_LEN) {
        let len = u32::from_ne_bytes([header[0], header[1], header[2], header[3]]);
        let ty = u16::from_ne_bytes([header[4], header[5]]);
        let Ok(len) = usize::try_from(len) else { break };
        if len < NLMSG_HDR_LEN {
            break;
        }
        let Some(body) = rest.get(NLMSG_HDR_LEN..len) else {
            break;
        };
        if let Some(event) = event(ty, body) {
            events.push(event);
        }
        // Messages are padded to 4 bytes (NLMSG_ALIGN); the last one may not be.
        rest = rest.get(len.next_multiple_of(4)..).unwrap_or(&[]);
    }
    events
}

fn event(ty: u16, body: &[u8]) -> Option<LinkEvent> {
    match ty {
        libc::RTM_NEWLINK => parse_link(body).ok().map(LinkEvent::Link),
        libc::RTM_DELLINK => parse_link(body).ok().map(LinkEvent::LinkRemoved),
        libc::RTM_NEWADDR | libc::RTM_DELADDR => {
            let (index, addr) = parse_addr(body).ok()?;
            let addr = addr?;
            Some(if ty == libc::RTM_NEWADDR {
                LinkEvent::AddressAdded { index, addr }
            } else {
                LinkEvent::AddressRemoved { index, addr }
            })
        }
        _ => None,
    }
}

super::sys::socket_fd!(LinkWatch);

// The header layout above assumes the kernel's struct.
const _: () = assert!(mem::size_of::<libc::nlmsghdr>() == NLMSG_HDR_LEN);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::rtnl::tests::{addr_body, link_body};
    use crate::net::rtnl::{AddrFlags, Scope};
    use neli::consts::rtnl::Iff;

    fn message(ty: u16, body: &[u8]) -> Vec<u8> {
        let len = (NLMSG_HDR_LEN + body.len()) as u32;
        let mut m = Vec::new();
        m.extend_from_slice(&len.to_ne_bytes());
        m.extend_from_slice(&ty.to_ne_bytes());
        m.extend_from_slice(&[0; 10]); // flags, sequence, port id
        m.extend_from_slice(body);
        while m.len() % 4 != 0 {
            m.push(0);
        }
        m
    }

    #[test]
    fn link_down_and_up_decode_with_index_and_name() {
        let down = link_body(4, "veth0", Iff::UP, 1500, &[2, 0, 0, 0, 0, 1]);
        let up = link_body(
            4,
            "veth0",
            Iff::UP | Iff::RUNNING,
            1500,
            &[2, 0, 0, 0, 0, 1],
        );
        let mut datagram = message(libc::RTM_NEWLINK, &down);
        datagram.extend(message(libc::RTM_NEWLINK, &up));
        let events = decode(&datagram);
        assert_eq!(events.len(), 2);
        match (&events[0], &events[1]) {
            (LinkEvent::Link(a), LinkEvent::Link(b)) => {
                assert_eq!((a.index, a.name.as_str()), (4, "veth0"));
                assert!(!a.is_usable());
                assert!(b.is_usable());
            }
            other => panic!("{other:?}"),
        }
        let gone = decode(&message(libc::RTM_DELLINK, &down));
        assert!(matches!(&gone[..], [LinkEvent::LinkRemoved(l)] if l.index == 4));
    }

    #[test]
    fn addresses_added_and_removed() {
        let a = IfAddr::new("192.0.2.1".parse().unwrap(), 24).with_flags(AddrFlags::PERMANENT);
        let ll = IfAddr::new("fe80::1".parse().unwrap(), 64).with_scope(Scope::Link);
        let mut datagram = message(libc::RTM_NEWADDR, &addr_body(3, &a));
        datagram.extend(message(libc::RTM_DELADDR, &addr_body(3, &ll)));
        assert_eq!(
            decode(&datagram),
            vec![
                LinkEvent::AddressAdded { index: 3, addr: a },
                LinkEvent::AddressRemoved { index: 3, addr: ll },
            ]
        );
    }

    #[test]
    fn hostile_datagrams_decode_to_what_is_sound() {
        let body = link_body(4, "veth0", Iff::UP, 1500, &[]);
        let good = message(libc::RTM_NEWLINK, &body);
        assert!(decode(&[]).is_empty());
        assert!(decode(&good[..NLMSG_HDR_LEN - 1]).is_empty());
        // Cut short: the length runs past the datagram.
        assert!(decode(&good[..good.len() - 8]).is_empty());
        // A length below the header size, then a huge one.
        let mut bad = good.clone();
        bad[..4].copy_from_slice(&3u32.to_ne_bytes());
        assert!(decode(&bad).is_empty());
        bad[..4].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert!(decode(&bad).is_empty());
        // A body the link parser refuses is skipped, the next message still counts.
        let mut mixed = message(libc::RTM_NEWLINK, &[1, 2, 3]);
        mixed.extend(message(libc::RTM_NEWROUTE, &[0; 12]));
        mixed.extend(&good);
        assert_eq!(decode(&mixed).len(), 1);
        // Garbage never panics.
        let mut noise = 0x1234_5678u32;
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    noise = noise.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (noise >> 16) as u8
                })
                .collect();
            let _ = decode(&bytes);
            let mut framed = message(libc::RTM_NEWADDR, &bytes);
            framed.extend(message(libc::RTM_NEWLINK, &bytes));
            let _ = decode(&framed);
        }
    }
}
