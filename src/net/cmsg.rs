//! Ancillary data (control messages) as bytes: written for `sendmsg` (IPv6 source and hop
//! limit) and read back from `recvmsg` (destination, interface, hop limit, VLAN tag).
//!
//! The layout is the kernel's `struct cmsghdr` (a `size_t` length, then level and type as
//! `int`), each message padded to the alignment of `size_t`. Reading is bounds checked at
//! every step: a truncated or malformed buffer ends the walk instead of reading past it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nix::libc;

const ALIGN: usize = std::mem::size_of::<usize>();
const LEN_FIELD: usize = std::mem::size_of::<usize>();

const fn align(n: usize) -> usize {
    (n + ALIGN - 1) & !(ALIGN - 1)
}

/// CMSG_LEN(0): the header, padded.
const HDR_LEN: usize = align(LEN_FIELD + 8);

/// CMSG_SPACE(data_len): what one message with this much data takes in a buffer.
pub(crate) const fn space(data_len: usize) -> usize {
    HDR_LEN + align(data_len)
}

/// Appends one control message.
pub(crate) fn push(buf: &mut Vec<u8>, level: i32, ty: i32, data: &[u8]) {
    let start = buf.len();
    buf.extend_from_slice(&(HDR_LEN + data.len()).to_ne_bytes());
    buf.extend_from_slice(&level.to_ne_bytes());
    buf.extend_from_slice(&ty.to_ne_bytes());
    buf.resize(start + HDR_LEN, 0);
    buf.extend_from_slice(data);
    buf.resize(start + space(data.len()), 0);
}

/// One control message read from a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cmsg<'a> {
    pub level: i32,
    pub ty: i32,
    pub data: &'a [u8],
}

/// Walks the control messages in `buf` (the first `msg_controllen` bytes of the buffer).
pub(crate) fn messages(buf: &[u8]) -> impl Iterator<Item = Cmsg<'_>> {
    let mut rest = buf;
    std::iter::from_fn(move || {
        let len_bytes: [u8; LEN_FIELD] = rest.get(..LEN_FIELD)?.try_into().ok()?;
        let len = usize::from_ne_bytes(len_bytes);
        let level = i32::from_ne_bytes(rest.get(LEN_FIELD..LEN_FIELD + 4)?.try_into().ok()?);
        let ty = i32::from_ne_bytes(rest.get(LEN_FIELD + 4..LEN_FIELD + 8)?.try_into().ok()?);
        if len < HDR_LEN {
            return None;
        }
        let data = rest.get(HDR_LEN..len)?;
        // The last message may lack its trailing padding.
        rest = rest.get(align(len)..).unwrap_or(&[]);
        Some(Cmsg { level, ty, data })
    })
}

fn i32_of(data: &[u8]) -> Option<i32> {
    Some(i32::from_ne_bytes(data.get(..4)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

/// What the IP layer said about a received datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct IpFacts {
    /// The interface it arrived on (IP_PKTINFO / IPV6_PKTINFO).
    pub ifindex: Option<u32>,
    /// The destination address of its IP header (IP_PKTINFO `ipi_addr` / IPV6_PKTINFO).
    pub dst: Option<IpAddr>,
    /// IPV6_HOPLIMIT (IPv4 carries its TTL in the header the raw socket returns).
    pub hop_limit: Option<u8>,
}

/// Reads IP_PKTINFO, IPV6_PKTINFO and IPV6_HOPLIMIT; anything else is skipped.
pub(crate) fn ip_facts(buf: &[u8]) -> IpFacts {
    let mut facts = IpFacts::default();
    for m in messages(buf) {
        match (m.level, m.ty) {
            // struct in_pktinfo { int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr; }
            (libc::IPPROTO_IP, libc::IP_PKTINFO) => {
                if let (Some(index), Some(addr)) = (i32_of(m.data), m.data.get(8..12)) {
                    facts.ifindex = u32::try_from(index).ok();
                    facts.dst = Some(IpAddr::V4(Ipv4Addr::new(
                        addr[0], addr[1], addr[2], addr[3],
                    )));
                }
            }
            // struct in6_pktinfo { in6_addr ipi6_addr; unsigned ipi6_ifindex; }
            (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO) => {
                let addr: Option<[u8; 16]> = m.data.get(..16).and_then(|a| a.try_into().ok());
                if let (Some(addr), Some(index)) = (addr, u32_at(m.data, 16)) {
                    facts.dst = Some(IpAddr::V6(Ipv6Addr::from(addr)));
                    facts.ifindex = Some(index);
                }
            }
            (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT) => {
                facts.hop_limit = i32_of(m.data).and_then(|h| u8::try_from(h).ok());
            }
            _ => {}
        }
    }
    facts
}

/// The control messages that make an IPv6 raw socket send from `source` out of `ifindex`
/// (0: routing decides) with `hop_limit` when given (IPV6_PKTINFO, IPV6_HOPLIMIT).
pub(crate) fn ipv6_send(source: Ipv6Addr, ifindex: u32, hop_limit: Option<u8>) -> Vec<u8> {
    let mut buf = Vec::with_capacity(space(20) + space(4));
    let mut pktinfo = [0u8; 20];
    pktinfo[..16].copy_from_slice(&source.octets());
    pktinfo[16..].copy_from_slice(&ifindex.to_ne_bytes());
    push(&mut buf, libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, &pktinfo);
    if let Some(h) = hop_limit {
        let h = i32::from(h);
        push(
            &mut buf,
            libc::IPPROTO_IPV6,
            libc::IPV6_HOPLIMIT,
            &h.to_ne_bytes(),
        );
    }
    buf
}

/// An 802.1Q/802.1ad tag the kernel took off a received frame (PACKET_AUXDATA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VlanTag {
    /// Tag control information: priority (3 bits), drop eligible (1), VLAN id (12).
    pub tci: u16,
    /// The tag's EtherType: 0x8100 (802.1Q) or 0x88a8 (802.1ad); 0 when the kernel did not say.
    pub tpid: u16,
}

impl VlanTag {
    pub fn id(&self) -> u16 {
        self.tci & 0x0fff
    }
}

/// The VLAN tag in a `struct tpacket_auxdata` message, when the kernel marked one valid.
pub(crate) fn vlan_tag(buf: &[u8]) -> Option<VlanTag> {
    // struct tpacket_auxdata { u32 status, len, snaplen; u16 mac, net, vlan_tci, vlan_tpid; }
    let aux = messages(buf)
        .find(|m| m.level == libc::SOL_PACKET && m.ty == libc::PACKET_AUXDATA)?
        .data;
    let status = u32_at(aux, 0)?;
    if status & libc::TP_STATUS_VLAN_VALID == 0 {
        return None;
    }
    let tpid = if status & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
        u16_at(aux, 18)?
    } else {
        0
    };
    Some(VlanTag {
        tci: u16_at(aux, 16)?,
        tpid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_the_c_macros() {
        // CMSG_SPACE / CMSG_LEN on 64-bit Linux: 16-byte header, 8-byte alignment.
        if ALIGN == 8 {
            assert_eq!(HDR_LEN, 16);
            assert_eq!(space(20), 40);
            assert_eq!(space(4), 24);
        }
        assert_eq!(HDR_LEN, std::mem::size_of::<libc::cmsghdr>());
    }

    #[test]
    fn pushed_messages_read_back() {
        let mut buf = Vec::new();
        push(&mut buf, 1, 2, b"abc");
        push(&mut buf, 3, 4, &[9; 9]);
        assert_eq!(buf.len(), space(3) + space(9));
        let got: Vec<_> = messages(&buf).collect();
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].level, got[0].ty, got[0].data), (1, 2, &b"abc"[..]));
        assert_eq!(
            (got[1].level, got[1].ty, got[1].data),
            (3, 4, &[9u8; 9][..])
        );
    }

    #[test]
    fn malformed_buffers_end_the_walk() {
        let mut buf = Vec::new();
        push(&mut buf, 1, 2, b"abcd");
        // Cut inside the data: the message claims more than there is.
        assert_eq!(messages(&buf[..HDR_LEN + 2]).count(), 0);
        // A length smaller than the header.
        let mut bad = buf.clone();
        bad[..LEN_FIELD].copy_from_slice(&3usize.to_ne_bytes());
        assert_eq!(messages(&bad).count(), 0);
        // A huge length.
        bad[..LEN_FIELD].copy_from_slice(&usize::MAX.to_ne_bytes());
        assert_eq!(messages(&bad).count(), 0);
        assert_eq!(messages(&[]).count(), 0);
        assert_eq!(messages(&[1, 2, 3]).count(), 0);
        // The last message without its padding still counts.
        let mut unpadded = Vec::new();
        push(&mut unpadded, 1, 2, b"abc");
        unpadded.truncate(HDR_LEN + 3);
        assert_eq!(messages(&unpadded).count(), 1);
    }

    #[test]
    fn ipv4_pktinfo_gives_interface_and_header_destination() {
        let mut info = Vec::new();
        info.extend_from_slice(&7i32.to_ne_bytes());
        info.extend_from_slice(&[10, 0, 0, 2]); // ipi_spec_dst: the local address
        info.extend_from_slice(&[224, 0, 0, 18]); // ipi_addr: the header's destination
        let mut buf = Vec::new();
        push(&mut buf, libc::IPPROTO_IP, libc::IP_PKTINFO, &info);
        let facts = ip_facts(&buf);
        assert_eq!(facts.ifindex, Some(7));
        assert_eq!(facts.dst, Some("224.0.0.18".parse().unwrap()));
        assert_eq!(facts.hop_limit, None);
    }

    #[test]
    fn ipv6_send_messages_decode_as_received_ones() {
        let src: Ipv6Addr = "fe80::1".parse().unwrap();
        let buf = ipv6_send(src, 4, Some(255));
        let facts = ip_facts(&buf);
        assert_eq!(facts.dst, Some(IpAddr::V6(src)));
        assert_eq!(facts.ifindex, Some(4));
        assert_eq!(facts.hop_limit, Some(255));
        assert_eq!(ipv6_send(src, 4, None).len(), space(20));
    }

    #[test]
    fn short_or_odd_payloads_are_ignored() {
        let mut buf = Vec::new();
        push(&mut buf, libc::IPPROTO_IP, libc::IP_PKTINFO, &[1, 0, 0]);
        push(
            &mut buf,
            libc::IPPROTO_IPV6,
            libc::IPV6_HOPLIMIT,
            &300i32.to_ne_bytes(),
        );
        push(&mut buf, libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, &[0; 19]);
        push(&mut buf, 99, 99, &[0; 64]);
        assert_eq!(ip_facts(&buf), IpFacts::default());
    }

    fn auxdata(status: u32, tci: u16, tpid: u16) -> Vec<u8> {
        let mut aux = Vec::new();
        for v in [status, 60, 60] {
            aux.extend_from_slice(&v.to_ne_bytes());
        }
        for v in [0u16, 14, tci, tpid] {
            aux.extend_from_slice(&v.to_ne_bytes());
        }
        let mut buf = Vec::new();
        push(&mut buf, libc::SOL_PACKET, libc::PACKET_AUXDATA, &aux);
        buf
    }

    #[test]
    fn vlan_tag_from_auxdata() {
        let valid = libc::TP_STATUS_VLAN_VALID | libc::TP_STATUS_VLAN_TPID_VALID;
        let tag = vlan_tag(&auxdata(valid, 0x2064, 0x8100)).unwrap();
        assert_eq!(tag.id(), 100);
        assert_eq!(tag.tpid, 0x8100);
        assert_eq!(vlan_tag(&auxdata(0, 0x2064, 0x8100)), None);
        let no_tpid = vlan_tag(&auxdata(libc::TP_STATUS_VLAN_VALID, 5, 0x8100)).unwrap();
        assert_eq!(no_tpid.tpid, 0);
        assert_eq!(vlan_tag(&[]), None);
    }
}
