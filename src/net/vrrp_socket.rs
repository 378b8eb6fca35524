//! Raw IP protocol 112 sockets for VRRP adverts, set up as keepalived 2.2.7 sets up its own
//! (vrrp.c: open_vrrp_send_socket, open_vrrp_read_socket, vrrp_send_pkt; vrrp_if.c:
//! if_join_vrrp_group and the if_setsockopt_* helpers; vrrp_scheduler.c:
//! vrrp_dispatcher_read).
//!
//! Sending: an IPv4 packet carries the IP header the codec built (IP_HDRINCL), so its TTL
//! is the header's and no IP_MULTICAST_TTL is set (keepalived sets none either); an IPv6
//! one is the VRRP message alone: the kernel adds the header, takes source and interface
//! from an IPV6_PKTINFO control message (as vrrp_send_pkt does; no bind), uses hop limit
//! 255 for the group (IPV6_MULTICAST_HOPS) and fills in the VRRP checksum (IPV6_CHECKSUM,
//! offset 6; the receive socket sets it too, so the kernel drops adverts that fail it).
//! Receiving: one socket per interface and family, bound to the interface and to the group
//! (multicast) or the local address (unicast). An IPv4 read returns the IP header too, an
//! IPv6 read the VRRP message; destination, interface and hop limit come as control messages.
//!
//! Sockets are non-blocking: `recv` waits with poll(2) until a deadline, `try_recv` does not
//! wait and suits a poll loop over many sockets (they implement AsFd / AsRawFd).

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::os::fd::AsFd;
use std::time::Instant;

use nix::libc;
use socket2::{Domain, InterfaceIndexOrAddress, Protocol, Socket, Type};

use super::iface::NetIf;
use super::sock_error::SockError;
use super::{bpf, cmsg, sockaddr, sys};
use crate::wire::vrrp::PROTO_VRRP;

/// The VRRP multicast group for IPv4 (RFC 5798 section 5.1.1.2).
pub const VRRP_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The VRRP multicast group for IPv6 (RFC 5798 section 5.1.2.2).
pub const VRRP_GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// The TTL / hop limit VRRP adverts are sent with and must arrive with.
pub const VRRP_TTL: u8 = 255;

/// keepalived's if_setsockopt_priority: IPv4 TOS IPTOS_PREC_INTERNETCONTROL, IPv6 traffic
/// class 0xc0 (DSCP CS6). With IP_HDRINCL the header's own TOS byte is what is sent.
const TOS_NETWORK_CONTROL: u32 = 0xc0;
/// Offset of the checksum inside the VRRP header, for IPV6_CHECKSUM.
const VRRP_CHECKSUM_OFFSET: libc::c_int = 6;
/// Room for IP_PKTINFO or IPV6_PKTINFO plus IPV6_HOPLIMIT, with slack.
const CONTROL_LEN: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn of(addr: IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    fn domain(self) -> Domain {
        match self {
            Family::V4 => Domain::IPV4,
            Family::V6 => Domain::IPV6,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        })
    }
}

fn iface_label(iface: Option<&NetIf>) -> String {
    iface.map_or_else(|| "any interface".to_owned(), |i| i.name.clone())
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

fn raw_vrrp_socket(family: Family) -> io::Result<Socket> {
    Socket::new(
        family.domain(),
        Type::RAW.nonblocking(),
        Some(Protocol::from(i32::from(PROTO_VRRP))),
    )
}

/// IP_MULTICAST_IF by interface index (struct ip_mreqn), as keepalived sets it: by
/// index rather than by address, so an interface without an IPv4 address works too.
fn set_multicast_if_v4_index(sock: &Socket, ifindex: u32) -> io::Result<()> {
    let mreqn = libc::ip_mreqn {
        imr_multiaddr: libc::in_addr { s_addr: 0 },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: libc::c_int::try_from(ifindex)
            .map_err(|_| invalid(format!("interface index {ifindex} is out of range")))?,
    };
    sys::set_opt(
        sock.as_fd(),
        libc::IPPROTO_IP,
        libc::IP_MULTICAST_IF,
        &mreqn,
    )
}

fn set_on(sock: &Socket, level: libc::c_int, name: libc::c_int) -> io::Result<()> {
    sys::set_opt(sock.as_fd(), level, name, &(1 as libc::c_int))
}

/// A socket address for `addr`, with the interface as scope where IPv6 needs one.
fn socket_addr(addr: IpAddr, ifindex: Option<u32>) -> SocketAddr {
    match addr {
        IpAddr::V4(_) => SocketAddr::new(addr, 0),
        IpAddr::V6(v6) => {
            let scope = if link_scoped(&v6) {
                ifindex.unwrap_or(0)
            } else {
                0
            };
            SocketAddr::V6(SocketAddrV6::new(v6, 0, 0, scope))
        }
    }
}

/// fe80::/10 unicast, or multicast of link-local scope (ff02::/16 and the like: scope
/// nibble 2, RFC 4291 section 2.7): addresses that mean nothing without an interface.
fn link_scoped(addr: &Ipv6Addr) -> bool {
    let first = addr.segments()[0];
    first & 0xffc0 == 0xfe80 || (addr.is_multicast() && first & 0x000f == 2)
}

/// A socket that sends VRRP adverts and never receives (keepalived attaches a drop-all
/// filter and a zero receive buffer to its send sockets).
#[derive(Debug)]
pub struct VrrpSender {
    sock: Socket,
    family: Family,
    iface: Option<NetIf>,
    /// IPv6: the control messages of every send (source address, interface, hop limit),
    /// built once; empty for IPv4.
    control: Vec<u8>,
}

/// Where adverts go, as the socket address bytes the kernel reads: built once per
/// destination by [`VrrpSender::destination`] and reused for every advert to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    addr: IpAddr,
    name: Vec<u8>,
}

impl Destination {
    pub fn addr(&self) -> IpAddr {
        self.addr
    }
}

impl VrrpSender {
    /// IPv4 multicast adverts out of `iface`; packets carry their own IPv4 header.
    pub fn multicast_v4(iface: &NetIf) -> Result<VrrpSender, SockError> {
        VrrpSender::open(Family::V4, Some(iface), true, None, None)
    }

    /// IPv4 unicast adverts, bound to `iface` when given.
    pub fn unicast_v4(iface: Option<&NetIf>) -> Result<VrrpSender, SockError> {
        VrrpSender::open(Family::V4, iface, false, None, None)
    }

    /// IPv6 multicast adverts out of `iface` from `source` (keepalived's: the interface's
    /// link-local address, or `mcast_src_ip`), hop limit 255.
    pub fn multicast_v6(iface: &NetIf, source: Ipv6Addr) -> Result<VrrpSender, SockError> {
        VrrpSender::open(Family::V6, Some(iface), true, Some(source), None)
    }

    /// IPv6 unicast adverts from `source`. `hop_limit` None leaves the kernel's default
    /// unicast hop limit, as keepalived does unless `unicast_ttl` is configured.
    pub fn unicast_v6(
        iface: Option<&NetIf>,
        source: Ipv6Addr,
        hop_limit: Option<u8>,
    ) -> Result<VrrpSender, SockError> {
        VrrpSender::open(Family::V6, iface, false, Some(source), hop_limit)
    }

    fn open(
        family: Family,
        iface: Option<&NetIf>,
        multicast: bool,
        source_v6: Option<Ipv6Addr>,
        hop_limit_v6: Option<u8>,
    ) -> Result<VrrpSender, SockError> {
        let label = format!("{family} VRRP send socket on {}", iface_label(iface));
        let step = |what: &str| SockError::doing(format!("{label}: {what}"));
        let sock = raw_vrrp_socket(family).map_err(step("open"))?;
        // Nothing is read from a send socket: no buffer, and a filter that drops all.
        sock.set_recv_buffer_size(0)
            .map_err(step("set SO_RCVBUF"))?;
        bpf::attach(&sock, &bpf::DROP_ALL).map_err(step("attach the drop-all filter"))?;
        match family {
            Family::V4 => {
                sock.set_multicast_all_v4(false)
                    .map_err(step("clear IP_MULTICAST_ALL"))?;
                sock.set_header_included_v4(true)
                    .map_err(step("set IP_HDRINCL"))?;
                sock.set_tos(TOS_NETWORK_CONTROL)
                    .map_err(step("set IP_TOS"))?;
            }
            Family::V6 => {
                sock.set_multicast_all_v6(false)
                    .map_err(step("clear IPV6_MULTICAST_ALL"))?;
                sys::set_opt(
                    sock.as_fd(),
                    libc::IPPROTO_IPV6,
                    libc::IPV6_CHECKSUM,
                    &VRRP_CHECKSUM_OFFSET,
                )
                .map_err(step("set IPV6_CHECKSUM"))?;
                if multicast {
                    sock.set_multicast_hops_v6(u32::from(VRRP_TTL))
                        .map_err(step("set IPV6_MULTICAST_HOPS"))?;
                }
                sock.set_tclass_v6(TOS_NETWORK_CONTROL)
                    .map_err(step("set IPV6_TCLASS"))?;
            }
        }
        if let Some(i) = iface {
            sock.bind_device(Some(i.name.as_bytes()))
                .map_err(step("bind to the device (SO_BINDTODEVICE)"))?;
            if multicast {
                match family {
                    Family::V4 => {
                        set_multicast_if_v4_index(&sock, i.index)
                            .map_err(step("set IP_MULTICAST_IF"))?;
                        sock.set_multicast_loop_v4(false)
                            .map_err(step("clear IP_MULTICAST_LOOP"))?;
                    }
                    Family::V6 => {
                        sock.set_multicast_if_v6(i.index)
                            .map_err(step("set IPV6_MULTICAST_IF"))?;
                        sock.set_multicast_loop_v6(false)
                            .map_err(step("clear IPV6_MULTICAST_LOOP"))?;
                    }
                }
            }
        }
        let control = match source_v6 {
            Some(src) => cmsg::ipv6_send(src, iface.map_or(0, |i| i.index), hop_limit_v6),
            None => Vec::new(),
        };
        Ok(VrrpSender {
            sock,
            family,
            iface: iface.cloned(),
            control,
        })
    }

    pub fn family(&self) -> Family {
        self.family
    }

    /// Sends one advert to `dst` (the group or a unicast peer). IPv4: `packet` starts with
    /// the IPv4 header (the kernel fills in the header checksum, the total length, and the
    /// identification when it is 0). IPv6: `packet` is the VRRP message; the kernel
    /// computes its checksum.
    pub fn send(&self, packet: &[u8], dst: IpAddr) -> Result<(), SockError> {
        self.send_to(packet, &self.destination(dst)?)
    }

    /// `dst` as this socket sends to it (for [`VrrpSender::send_to`]); an error for the
    /// other address family.
    pub fn destination(&self, dst: IpAddr) -> Result<Destination, SockError> {
        if Family::of(dst) != self.family {
            return Err(SockError::new(
                self.doing(dst),
                invalid(format!("this socket sends {}", self.family)),
            ));
        }
        let ifindex = self.iface.as_ref().map(|i| i.index);
        Ok(Destination {
            addr: dst,
            name: sockaddr::ip(socket_addr(dst, ifindex)),
        })
    }

    /// [`VrrpSender::send`] to a destination built beforehand: nothing is allocated.
    /// Inlined into the daemon's advert path (one code page fewer to touch per advert).
    #[inline]
    pub fn send_to(&self, packet: &[u8], to: &Destination) -> Result<(), SockError> {
        // keepalived sends to the group with MSG_DONTROUTE (it is on-link by definition)
        // and to unicast peers through the routing table.
        let flags = if to.addr.is_multicast() {
            libc::MSG_DONTROUTE
        } else {
            0
        };
        let sent = sys::send_msg(self.sock.as_fd(), &to.name, packet, &self.control, flags)
            .map_err(|e| SockError::new(self.doing(to.addr), e))?;
        if sent != packet.len() {
            return Err(SockError::new(
                self.doing(to.addr),
                io::Error::new(
                    io::ErrorKind::WriteZero,
                    format!("sent {sent} of {} bytes", packet.len()),
                ),
            ));
        }
        Ok(())
    }

    fn doing(&self, dst: IpAddr) -> String {
        format!(
            "send a VRRP advert to {dst} on {}",
            iface_label(self.iface.as_ref())
        )
    }
}

super::sys::socket_fd!(VrrpSender);

/// One received advert and what the IP layer said about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram {
    /// Bytes in the buffer. IPv4: the IPv4 header, then the VRRP message (or AH); IPv6: the
    /// VRRP message alone.
    pub len: usize,
    /// The datagram did not fit the buffer; its tail is lost.
    pub truncated: bool,
    pub src: IpAddr,
    /// The destination of the IP header: the group, or this host's address (unicast).
    pub dst: IpAddr,
    /// IPv4 TTL (read from the header) or IPv6 hop limit (IPV6_HOPLIMIT); VRRP wants 255.
    pub ttl: Option<u8>,
    /// The interface it arrived on.
    pub ifindex: Option<u32>,
}

/// A socket that receives VRRP adverts on one interface (or, unicast, on any).
#[derive(Debug)]
pub struct VrrpReceiver {
    sock: Socket,
    family: Family,
    iface: Option<NetIf>,
    /// The group or local address the socket is bound to; other destinations are dropped.
    bound: IpAddr,
}

impl VrrpReceiver {
    /// Joins `group` (224.0.0.18 / ff02::12 unless configured otherwise) on `iface` and
    /// binds to it, so unicast adverts do not arrive here.
    pub fn multicast(iface: &NetIf, group: IpAddr) -> Result<VrrpReceiver, SockError> {
        if !group.is_multicast() {
            return Err(SockError::new(
                format!("join {group} on {}", iface.name),
                invalid(format!("{group} is not a multicast address")),
            ));
        }
        VrrpReceiver::open(Some(iface), group, true)
    }

    /// Binds to the local address `local` (keepalived's `unicast_src_ip`), on `iface` when
    /// given.
    pub fn unicast(iface: Option<&NetIf>, local: IpAddr) -> Result<VrrpReceiver, SockError> {
        VrrpReceiver::open(iface, local, false)
    }

    fn open(
        iface: Option<&NetIf>,
        addr: IpAddr,
        multicast: bool,
    ) -> Result<VrrpReceiver, SockError> {
        let family = Family::of(addr);
        let label = format!("{family} VRRP receive socket on {}", iface_label(iface));
        let step = |what: &str| SockError::doing(format!("{label}: {what}"));
        let sock = raw_vrrp_socket(family).map_err(step("open"))?;
        // Bound to the device first, so that from here on only this interface is heard.
        if let Some(i) = iface {
            sock.bind_device(Some(i.name.as_bytes()))
                .map_err(step("bind to the device (SO_BINDTODEVICE)"))?;
        }
        match family {
            Family::V4 => {
                sock.set_multicast_all_v4(false)
                    .map_err(step("clear IP_MULTICAST_ALL"))?;
                set_on(&sock, libc::IPPROTO_IP, libc::IP_PKTINFO)
                    .map_err(step("set IP_PKTINFO"))?;
            }
            Family::V6 => {
                sock.set_multicast_all_v6(false)
                    .map_err(step("clear IPV6_MULTICAST_ALL"))?;
                sock.set_recv_hoplimit_v6(true)
                    .map_err(step("set IPV6_RECVHOPLIMIT"))?;
                set_on(&sock, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO)
                    .map_err(step("set IPV6_RECVPKTINFO"))?;
                // The kernel verifies the VRRP checksum and drops adverts that fail it.
                sys::set_opt(
                    sock.as_fd(),
                    libc::IPPROTO_IPV6,
                    libc::IPV6_CHECKSUM,
                    &VRRP_CHECKSUM_OFFSET,
                )
                .map_err(step("set IPV6_CHECKSUM"))?;
            }
        }
        let ifindex = iface.map(|i| i.index);
        if multicast {
            let name = iface_label(iface);
            let join = SockError::doing(format!("join {addr} on {name}"));
            match (addr, ifindex) {
                (IpAddr::V4(g), Some(index)) => sock
                    .join_multicast_v4_n(&g, &InterfaceIndexOrAddress::Index(index))
                    .map_err(join)?,
                (IpAddr::V6(g), Some(index)) => sock.join_multicast_v6(&g, index).map_err(join)?,
                (_, None) => return Err(join(invalid("no interface to join on".to_owned()))),
            }
        }
        // keepalived binds a multicast socket to the group so that unicast adverts stay
        // out, and a unicast socket to its source address.
        let bind_to = socket_addr(addr, ifindex);
        sock.bind(&bind_to.into())
            .map_err(step(&format!("bind to {addr}")))?;
        Ok(VrrpReceiver {
            sock,
            family,
            iface: iface.cloned(),
            bound: addr,
        })
    }

    pub fn family(&self) -> Family {
        self.family
    }

    /// SO_RCVBUF (keepalived's `vrrp_rx_bufs_*` / kernel_rx_buf_size): room for adverts
    /// that arrive while the daemon is busy.
    pub fn set_rx_buffer_size(&self, bytes: usize) -> Result<(), SockError> {
        self.sock
            .set_recv_buffer_size(bytes)
            .map_err(SockError::doing(format!("{}: set SO_RCVBUF", self.label())))
    }

    fn label(&self) -> String {
        format!(
            "{} VRRP receive socket on {}",
            self.family,
            iface_label(self.iface.as_ref())
        )
    }

    /// One advert if one is queued, without waiting.
    pub fn try_recv(&self, buf: &mut [u8]) -> Result<Option<Datagram>, SockError> {
        self.recv_queued(buf)
            .map_err(SockError::doing(format!("receive on {}", self.label())))
    }

    /// One advert, waiting until `deadline` at the latest (then an error whose
    /// `is_timeout()` is true).
    pub fn recv(&self, buf: &mut [u8], deadline: Instant) -> Result<Datagram, SockError> {
        sys::until(self.sock.as_fd(), deadline, || self.recv_queued(buf))
            .map_err(SockError::doing(format!("receive on {}", self.label())))
    }

    fn recv_queued(&self, buf: &mut [u8]) -> io::Result<Option<Datagram>> {
        let mut control = [0u8; CONTROL_LEN];
        loop {
            let Some(r) = sys::recv_msg(self.sock.as_fd(), buf, &mut control)? else {
                return Ok(None);
            };
            let facts = cmsg::ip_facts(control.get(..r.control_len).unwrap_or(&[]));
            let data = buf.get(..r.len).unwrap_or(&[]);
            let ifindex = self.iface.as_ref().map(|i| i.index);
            if let Some(d) = datagram(self.family, ifindex, self.bound, data, &r, facts) {
                return Ok(Some(d));
            }
        }
    }
}

/// Puts together what the kernel said about a datagram read by a socket of `family` bound
/// to `ifindex` and `bound`; None for one that socket should not have had (queued before
/// it was bound, so from another interface or to another destination), or without a
/// sender address.
fn datagram(
    family: Family,
    ifindex: Option<u32>,
    bound: IpAddr,
    data: &[u8],
    r: &sys::Received,
    facts: cmsg::IpFacts,
) -> Option<Datagram> {
    let header = match family {
        Family::V4 => Ipv4Facts::read(data),
        Family::V6 => None,
    };
    let src = sockaddr::parse_ip_addr(r.name()).or(header.map(|h| h.src))?;
    let dst = facts.dst.or(header.map(|h| h.dst)).unwrap_or(bound);
    let wrong_interface =
        matches!((ifindex, facts.ifindex), (Some(want), Some(got)) if want != got);
    if dst != bound || wrong_interface {
        return None;
    }
    Some(Datagram {
        len: r.len,
        truncated: r.truncated,
        src,
        dst,
        ttl: header.map(|h| h.ttl).or(facts.hop_limit),
        ifindex: facts.ifindex,
    })
}

super::sys::socket_fd!(VrrpReceiver);

/// The IPv4 header fields a raw socket's read hands over with the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ipv4Facts {
    ttl: u8,
    src: IpAddr,
    dst: IpAddr,
}

impl Ipv4Facts {
    fn read(packet: &[u8]) -> Option<Ipv4Facts> {
        let h = packet.get(..20)?;
        if h[0] >> 4 != 4 {
            return None;
        }
        Some(Ipv4Facts {
            ttl: h[8],
            src: IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15])),
            dst: IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19])),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_scoped_ipv6_destinations_get_the_interface_as_scope() {
        let scoped = |a: &str| match socket_addr(a.parse().unwrap(), Some(4)) {
            SocketAddr::V6(s) => s.scope_id(),
            SocketAddr::V4(_) => u32::MAX,
        };
        assert_eq!(scoped("ff02::12"), 4);
        assert_eq!(scoped("fe80::1"), 4);
        assert_eq!(scoped("2001:db8::1"), 0);
        assert_eq!(scoped("ff05::12"), 0);
        assert_eq!(scoped("224.0.0.18"), u32::MAX);
        assert_eq!(
            socket_addr("ff02::12".parse().unwrap(), None),
            "[ff02::12]:0".parse().unwrap()
        );
    }

    #[test]
    fn ipv4_header_facts() {
        let mut h = [0u8; 20];
        h[0] = 0x45;
        h[8] = 255;
        h[12..16].copy_from_slice(&[10, 0, 0, 1]);
        h[16..20].copy_from_slice(&[224, 0, 0, 18]);
        let f = Ipv4Facts::read(&h).unwrap();
        assert_eq!(f.ttl, 255);
        assert_eq!(f.src, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(f.dst, IpAddr::V4(VRRP_GROUP_V4));
        assert_eq!(Ipv4Facts::read(&h[..19]), None);
        h[0] = 0x65;
        assert_eq!(Ipv4Facts::read(&h), None);
    }

    fn received(from: Option<SocketAddr>, len: usize) -> sys::Received {
        let mut name = [0u8; sockaddr::STORAGE_LEN];
        let bytes = from.map(sockaddr::ip).unwrap_or_default();
        name[..bytes.len()].copy_from_slice(&bytes);
        sys::Received {
            len,
            truncated: false,
            control_len: 0,
            name,
            name_len: bytes.len(),
        }
    }

    #[test]
    fn datagrams_for_another_interface_or_destination_are_dropped() {
        let group = IpAddr::V4(VRRP_GROUP_V4);
        let mut packet = [0u8; 40];
        packet[0] = 0x45;
        packet[8] = 254;
        packet[12..16].copy_from_slice(&[10, 0, 0, 1]);
        packet[16..20].copy_from_slice(&[224, 0, 0, 18]);
        let from = Some("10.0.0.1:0".parse().unwrap());
        let facts = |index, dst: &str| cmsg::IpFacts {
            ifindex: Some(index),
            dst: Some(dst.parse().unwrap()),
            hop_limit: None,
        };
        let ok = datagram(
            Family::V4,
            Some(3),
            group,
            &packet,
            &received(from, 40),
            facts(3, "224.0.0.18"),
        );
        let d = ok.expect("a datagram for this socket");
        assert_eq!((d.ttl, d.ifindex, d.len), (Some(254), Some(3), 40));
        assert_eq!(d.src, "10.0.0.1".parse::<IpAddr>().unwrap());
        let r = received(from, 40);
        assert_eq!(
            datagram(
                Family::V4,
                Some(3),
                group,
                &packet,
                &r,
                facts(4, "224.0.0.18")
            ),
            None
        );
        assert_eq!(
            datagram(
                Family::V4,
                Some(3),
                group,
                &packet,
                &r,
                facts(3, "10.0.0.2")
            ),
            None
        );
        // Unbound (unicast without an interface): any interface will do.
        let local = "10.0.0.2".parse().unwrap();
        assert!(datagram(Family::V4, None, local, &packet, &r, facts(9, "10.0.0.2")).is_some());
        // Without control messages, the IPv4 header says where it went.
        let none = cmsg::IpFacts::default();
        assert!(datagram(Family::V4, Some(3), group, &packet, &r, none).is_some());
        // No sender address and no header to read one from.
        let v6_group = IpAddr::V6(VRRP_GROUP_V6);
        assert_eq!(
            datagram(
                Family::V6,
                Some(3),
                v6_group,
                &packet,
                &received(None, 40),
                none
            ),
            None
        );
    }

    #[test]
    fn groups_and_families() {
        assert_eq!(VRRP_GROUP_V6.to_string(), "ff02::12");
        assert!(link_scoped(&VRRP_GROUP_V6));
        assert_eq!(Family::of(IpAddr::V4(VRRP_GROUP_V4)), Family::V4);
        assert_eq!(Family::V6.to_string(), "IPv6");
    }

    #[test]
    fn a_unicast_group_is_refused_before_any_socket_is_made() {
        let lo = NetIf::new("lo", 1);
        let e = VrrpReceiver::multicast(&lo, "10.0.0.1".parse().unwrap()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().starts_with("join 10.0.0.1 on lo: "), "{e}");
    }
}
