//! Socket addresses as the bytes the kernel reads and writes (`sockaddr_in`, `sockaddr_in6`,
//! `sockaddr_ll`, `sockaddr_nl`), built and parsed without pointer casts so that parsing what
//! a receive call returned can never read past what the kernel wrote.
//!
//! Multi-byte fields are native endian except ports and `sll_protocol`, which the kernel keeps
//! in network order.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use nix::libc;

/// Room for any address a receive call can return (`sizeof(struct sockaddr_storage)`).
pub(crate) const STORAGE_LEN: usize = 128;
/// `sizeof(struct sockaddr_ll)`.
pub(crate) const LL_LEN: usize = 20;
/// `sizeof(struct sockaddr_nl)`.
pub(crate) const NL_LEN: usize = 12;

const IN_LEN: usize = 16;
const IN6_LEN: usize = 28;

fn family(bytes: &[u8]) -> Option<i32> {
    let b = bytes.get(0..2)?;
    Some(i32::from(u16::from_ne_bytes([b[0], b[1]])))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_ne_bytes(b))
}

fn family_bytes(af: i32) -> [u8; 2] {
    // Address families are small positive numbers; the field is an unsigned short.
    (af as u16).to_ne_bytes()
}

/// `sockaddr_in` / `sockaddr_in6` for an IP socket address (scope id kept for IPv6).
pub(crate) fn ip(addr: SocketAddr) -> Vec<u8> {
    match addr {
        SocketAddr::V4(a) => {
            let mut b = vec![0u8; IN_LEN];
            b[0..2].copy_from_slice(&family_bytes(libc::AF_INET));
            b[2..4].copy_from_slice(&a.port().to_be_bytes());
            b[4..8].copy_from_slice(&a.ip().octets());
            b
        }
        SocketAddr::V6(a) => {
            let mut b = vec![0u8; IN6_LEN];
            b[0..2].copy_from_slice(&family_bytes(libc::AF_INET6));
            b[2..4].copy_from_slice(&a.port().to_be_bytes());
            b[4..8].copy_from_slice(&a.flowinfo().to_ne_bytes());
            b[8..24].copy_from_slice(&a.ip().octets());
            b[24..28].copy_from_slice(&a.scope_id().to_ne_bytes());
            b
        }
    }
}

/// The IP socket address in these bytes, or None for another family or too few bytes.
pub(crate) fn parse_ip(bytes: &[u8]) -> Option<SocketAddr> {
    match family(bytes)? {
        libc::AF_INET => {
            let b = bytes.get(..IN_LEN)?;
            let port = u16::from_be_bytes([b[2], b[3]]);
            let ip = Ipv4Addr::new(b[4], b[5], b[6], b[7]);
            Some(SocketAddr::V4(SocketAddrV4::new(ip, port)))
        }
        libc::AF_INET6 => {
            let b = bytes.get(..IN6_LEN)?;
            let port = u16::from_be_bytes([b[2], b[3]]);
            let flowinfo = u32_at(b, 4)?;
            let octets: [u8; 16] = b.get(8..24)?.try_into().ok()?;
            let scope = u32_at(b, 24)?;
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(octets),
                port,
                flowinfo,
                scope,
            )))
        }
        _ => None,
    }
}

/// The address an IP socket address names.
pub(crate) fn parse_ip_addr(bytes: &[u8]) -> Option<IpAddr> {
    parse_ip(bytes).map(|s| s.ip())
}

/// `sockaddr_ll` naming an interface and an EtherType (host order here; stored big endian).
pub(crate) fn link_layer(ifindex: u32, ethertype: u16) -> [u8; LL_LEN] {
    let mut b = [0u8; LL_LEN];
    b[0..2].copy_from_slice(&family_bytes(libc::AF_PACKET));
    b[2..4].copy_from_slice(&ethertype.to_be_bytes());
    b[4..8].copy_from_slice(&ifindex.to_ne_bytes());
    b
}

/// What a packet socket's receive says about a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LinkLayerSource {
    pub ifindex: u32,
    /// `PACKET_HOST`, `PACKET_OUTGOING`...
    pub pkttype: u8,
    /// The frame's EtherType as the kernel saw it (host order).
    pub protocol: u16,
}

pub(crate) fn parse_link_layer(bytes: &[u8]) -> Option<LinkLayerSource> {
    if family(bytes)? != libc::AF_PACKET {
        return None;
    }
    let b = bytes.get(..LL_LEN)?;
    Some(LinkLayerSource {
        protocol: u16::from_be_bytes([b[2], b[3]]),
        ifindex: u32_at(b, 4)?,
        pkttype: b[10],
    })
}

/// `sockaddr_nl` of this process (port id 0: the kernel assigns one) listening to `groups`.
pub(crate) fn netlink(groups: u32) -> [u8; NL_LEN] {
    let mut b = [0u8; NL_LEN];
    b[0..2].copy_from_slice(&family_bytes(libc::AF_NETLINK));
    b[8..12].copy_from_slice(&groups.to_ne_bytes());
    b
}

/// The sender's port id in a `sockaddr_nl` (0 is the kernel).
pub(crate) fn parse_netlink_pid(bytes: &[u8]) -> Option<u32> {
    if family(bytes)? != libc::AF_NETLINK {
        return None;
    }
    u32_at(bytes.get(..NL_LEN)?, 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_addresses_round_trip_with_port_and_scope() {
        let v4: SocketAddr = "192.0.2.7:0".parse().unwrap();
        assert_eq!(ip(v4).len(), 16);
        assert_eq!(parse_ip(&ip(v4)), Some(v4));
        let v6 = SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 112, 0, 7));
        let bytes = ip(v6);
        assert_eq!(bytes.len(), 28);
        assert_eq!(&bytes[2..4], &[0, 112], "port in network order");
        assert_eq!(parse_ip(&bytes), Some(v6));
        assert_eq!(parse_ip_addr(&bytes), Some("fe80::1".parse().unwrap()));
    }

    #[test]
    fn short_or_foreign_addresses_are_refused() {
        assert_eq!(parse_ip(&[]), None);
        assert_eq!(parse_ip(&ip("192.0.2.7:0".parse().unwrap())[..10]), None);
        assert_eq!(parse_ip(&link_layer(3, 0x0800)), None);
        assert_eq!(parse_link_layer(&ip("192.0.2.7:0".parse().unwrap())), None);
        assert_eq!(parse_link_layer(&link_layer(3, 0x0800)[..12]), None);
        assert_eq!(parse_netlink_pid(&[0x10]), None);
    }

    #[test]
    fn link_layer_address_layout() {
        let mut b = link_layer(5, 0x86dd);
        assert_eq!(&b[2..4], &[0x86, 0xdd]);
        b[10] = libc::PACKET_OUTGOING;
        assert_eq!(
            parse_link_layer(&b),
            Some(LinkLayerSource {
                ifindex: 5,
                pkttype: libc::PACKET_OUTGOING,
                protocol: 0x86dd
            })
        );
    }

    #[test]
    fn netlink_address_layout() {
        let b = netlink(libc::RTMGRP_LINK as u32);
        assert_eq!(u32_at(&b, 8), Some(1));
        assert_eq!(parse_netlink_pid(&b), Some(0));
    }
}
