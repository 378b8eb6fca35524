//! Unsolicited neighbour advertisement as keepalived 2.2.7 sends it for an IPv6 VIP at
//! takeover (`ndisc_send_unsolicited_na_immediate` in keepalived/vrrp/vrrp_ndisc.c), on an
//! `AF_PACKET` socket, so the whole frame (86 bytes) is keepalived's:
//!
//! | offset | bytes | field | value |
//! |---|---|---|---|
//! | 0 | 6 | Ethernet destination | 33:33:00:00:00:01 (RFC 2464 mapping of ff02::1) |
//! | 6 | 6 | Ethernet source | the MAC of the VIP's interface (the VMAC with `use_vmac`) |
//! | 12 | 2 | ethertype | 0x86dd |
//! | 14 | 4 | version, traffic class, flow label | 6, 0, 0 |
//! | 18 | 2 | payload length | 32 |
//! | 20 | 1 | next header | 58 (ICMPv6) |
//! | 21 | 1 | hop limit | 255 |
//! | 22 | 16 | source | the VIP itself |
//! | 38 | 16 | destination | ff02::1 (all nodes) |
//! | 54 | 1 | ICMPv6 type | 136 (neighbour advertisement) |
//! | 55 | 1 | code | 0 |
//! | 56 | 2 | checksum | ICMPv6, with the IPv6 pseudo-header |
//! | 58 | 4 | flags, reserved | R (0x80) when the interface forwards IPv6, O (0x20) always, never S |
//! | 62 | 16 | target | the VIP |
//! | 78 | 1 | option type | 2 (target link-layer address) |
//! | 79 | 1 | option length | 1 (8 bytes) |
//! | 80 | 6 | link-layer address | the same MAC |
//!
//! keepalived rechecks the interface's `forwarding` sysctl at most every 5 seconds to set R.

use std::fmt;
use std::net::Ipv6Addr;

use super::vrrp::{self, DecodeError, ETHERTYPE_IPV6};

pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// The Ethernet address of ff02::1.
pub const ALL_NODES_MAC: [u8; 6] = [0x33, 0x33, 0, 0, 0, 1];
pub const PROTO_ICMPV6: u8 = 58;
pub const TYPE_NEIGHBOR_ADVERT: u8 = 136;
pub const FLAG_ROUTER: u8 = 0x80;
pub const FLAG_SOLICITED: u8 = 0x40;
pub const FLAG_OVERRIDE: u8 = 0x20;
pub const OPT_TARGET_LINKADDR: u8 = 2;
pub const HOP_LIMIT: u8 = 255;
/// Length of keepalived's frame.
pub const FRAME_LEN: usize = 86;

/// A neighbour advertisement in an Ethernet frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NaFrame {
    pub eth_dst: [u8; 6],
    pub eth_src: [u8; 6],
    pub traffic_class: u8,
    pub flow_label: u32,
    pub hop_limit: u8,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub router: bool,
    pub solicited: bool,
    pub override_: bool,
    pub target: Ipv6Addr,
    /// The target link-layer address option, if there is one.
    pub target_mac: Option<[u8; 6]>,
    /// On decoding, whether the ICMPv6 checksum is right; encoding always computes it.
    pub checksum_ok: bool,
}

impl NaFrame {
    /// Exactly what keepalived sends for `target` from `target_mac` (either R flag).
    pub fn is_keepalived_na(&self) -> bool {
        match self.target_mac {
            Some(mac) => *self == unsolicited_na(mac, self.target, self.router),
            None => false,
        }
    }
}

/// keepalived's unsolicited NA for `vip` from the interface with `mac`; `router` when the
/// interface forwards IPv6.
pub fn unsolicited_na(mac: [u8; 6], vip: Ipv6Addr, router: bool) -> NaFrame {
    NaFrame {
        eth_dst: ALL_NODES_MAC,
        eth_src: mac,
        traffic_class: 0,
        flow_label: 0,
        hop_limit: HOP_LIMIT,
        src: vip,
        dst: ALL_NODES,
        router,
        solicited: false,
        override_: true,
        target: vip,
        target_mac: Some(mac),
        checksum_ok: true,
    }
}

/// The 86 bytes keepalived sends to announce `vip` at `mac`.
pub fn encode_unsolicited_na(mac: [u8; 6], vip: Ipv6Addr, router: bool) -> Vec<u8> {
    encode(&unsolicited_na(mac, vip, router))
}

/// Encodes a neighbour advertisement frame, computing the ICMPv6 checksum.
pub fn encode(na: &NaFrame) -> Vec<u8> {
    let mut icmp = Vec::with_capacity(32);
    icmp.extend_from_slice(&[TYPE_NEIGHBOR_ADVERT, 0, 0, 0]);
    let flags = if na.router { FLAG_ROUTER } else { 0 }
        | if na.solicited { FLAG_SOLICITED } else { 0 }
        | if na.override_ { FLAG_OVERRIDE } else { 0 };
    icmp.extend_from_slice(&[flags, 0, 0, 0]);
    icmp.extend_from_slice(&na.target.octets());
    if let Some(mac) = na.target_mac {
        icmp.extend_from_slice(&[OPT_TARGET_LINKADDR, 1]);
        icmp.extend_from_slice(&mac);
    }
    let c = vrrp::ipv6_checksum(na.src, na.dst, PROTO_ICMPV6, &icmp);
    icmp[2..4].copy_from_slice(&c.to_be_bytes());
    let mut f = Vec::with_capacity(14 + 40 + icmp.len());
    f.extend_from_slice(&na.eth_dst);
    f.extend_from_slice(&na.eth_src);
    f.extend_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
    let word = 6u32 << 28 | u32::from(na.traffic_class) << 20 | (na.flow_label & 0x000f_ffff);
    f.extend_from_slice(&word.to_be_bytes());
    f.extend_from_slice(&(icmp.len() as u16).to_be_bytes());
    f.push(PROTO_ICMPV6);
    f.push(na.hop_limit);
    f.extend_from_slice(&na.src.octets());
    f.extend_from_slice(&na.dst.octets());
    f.extend_from_slice(&icmp);
    f
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NaError {
    /// The Ethernet header is short (or a VLAN tag is cut).
    Link(DecodeError),
    NotIpv6 {
        ethertype: u16,
    },
    /// Shorter than the IPv6 header, or the payload length exceeds the frame.
    Ipv6Truncated {
        have: usize,
    },
    IpVersion(u8),
    /// Not ICMPv6 directly after the IPv6 header.
    NotIcmpv6 {
        next_header: u8,
    },
    /// An ICMPv6 type other than 136.
    NotNa {
        icmp_type: u8,
    },
    /// Fewer than the 24 bytes of a neighbour advertisement.
    Truncated {
        have: usize,
    },
    /// An option of length 0 or running past the end.
    BadOption {
        offset: usize,
    },
}

impl fmt::Display for NaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NaError::Link(e) => e.fmt(f),
            NaError::NotIpv6 { ethertype } => write!(f, "not IPv6: ethertype {ethertype:#06x}"),
            NaError::Ipv6Truncated { have } => write!(f, "truncated IPv6 packet: {have} bytes"),
            NaError::IpVersion(v) => write!(f, "IP version {v} in an IPv6 frame"),
            NaError::NotIcmpv6 { next_header } => {
                write!(f, "not ICMPv6: next header {next_header}")
            }
            NaError::NotNa { icmp_type } => {
                write!(f, "ICMPv6 type {icmp_type}, not a neighbour advertisement")
            }
            NaError::Truncated { have } => {
                write!(
                    f,
                    "truncated neighbour advertisement: {have} bytes, need 24"
                )
            }
            NaError::BadOption { offset } => write!(f, "bad ND option at byte {offset}"),
        }
    }
}

impl std::error::Error for NaError {}

/// Decodes an Ethernet frame holding an IPv6 neighbour advertisement (no extension
/// headers; VLAN tags and trailing bytes allowed).
pub fn decode(frame: &[u8]) -> Result<NaFrame, NaError> {
    let (link, ethertype, ip) = vrrp::split_ethernet(frame).map_err(NaError::Link)?;
    if ethertype != ETHERTYPE_IPV6 {
        return Err(NaError::NotIpv6 { ethertype });
    }
    if ip.len() < 40 {
        return Err(NaError::Ipv6Truncated { have: ip.len() });
    }
    if ip[0] >> 4 != 6 {
        return Err(NaError::IpVersion(ip[0] >> 4));
    }
    let plen = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
    if ip.len() < 40 + plen {
        return Err(NaError::Ipv6Truncated { have: ip.len() });
    }
    if ip[6] != PROTO_ICMPV6 {
        return Err(NaError::NotIcmpv6 { next_header: ip[6] });
    }
    let addr = |o: usize| {
        let mut a = [0u8; 16];
        a.copy_from_slice(&ip[o..o + 16]);
        Ipv6Addr::from(a)
    };
    let (src, dst) = (addr(8), addr(24));
    let icmp = &ip[40..40 + plen];
    if let Some(&t) = icmp.first() {
        if t != TYPE_NEIGHBOR_ADVERT {
            return Err(NaError::NotNa { icmp_type: t });
        }
    }
    if icmp.len() < 24 {
        return Err(NaError::Truncated { have: icmp.len() });
    }
    let mut target_mac = None;
    let mut off = 24;
    while off < icmp.len() {
        if icmp.len() - off < 2 || icmp[off + 1] == 0 {
            return Err(NaError::BadOption { offset: off });
        }
        let len = usize::from(icmp[off + 1]) * 8;
        if icmp.len() - off < len {
            return Err(NaError::BadOption { offset: off });
        }
        if icmp[off] == OPT_TARGET_LINKADDR && len == 8 && target_mac.is_none() {
            let mut m = [0u8; 6];
            m.copy_from_slice(&icmp[off + 2..off + 8]);
            target_mac = Some(m);
        }
        off += len;
    }
    let mut t = [0u8; 16];
    t.copy_from_slice(&icmp[8..24]);
    let word = u32::from_be_bytes([ip[0], ip[1], ip[2], ip[3]]);
    Ok(NaFrame {
        eth_dst: link.dst,
        eth_src: link.src,
        traffic_class: (word >> 20) as u8,
        flow_label: word & 0x000f_ffff,
        hop_limit: ip[7],
        src,
        dst,
        router: icmp[4] & FLAG_ROUTER != 0,
        solicited: icmp[4] & FLAG_SOLICITED != 0,
        override_: icmp[4] & FLAG_OVERRIDE != 0,
        target: Ipv6Addr::from(t),
        target_mac,
        checksum_ok: vrrp::ipv6_checksum(src, dst, PROTO_ICMPV6, icmp) == 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: [u8; 6] = [0x02, 0x99, 0, 0, 0, 0x01];

    fn vip() -> Ipv6Addr {
        "fd00:99::100".parse().unwrap()
    }

    #[test]
    fn layout() {
        let f = encode_unsolicited_na(MAC, vip(), false);
        assert_eq!(f.len(), FRAME_LEN);
        assert_eq!(&f[0..6], &ALL_NODES_MAC);
        assert_eq!(&f[6..12], &MAC);
        assert_eq!(&f[12..14], &[0x86, 0xdd]);
        assert_eq!(&f[14..22], &[0x60, 0, 0, 0, 0, 32, 58, 255]);
        assert_eq!(&f[22..38], &vip().octets());
        assert_eq!(&f[38..54], &ALL_NODES.octets());
        assert_eq!(&f[54..56], &[136, 0]);
        assert_eq!(&f[58..62], &[0x20, 0, 0, 0]);
        assert_eq!(&f[62..78], &vip().octets());
        assert_eq!(&f[78..80], &[2, 1]);
        assert_eq!(&f[80..86], &MAC);
        let r = encode_unsolicited_na(MAC, vip(), true);
        assert_eq!(r[58], 0xa0);
        for (frame, router) in [(f, false), (r, true)] {
            let d = decode(&frame).unwrap();
            assert!(d.checksum_ok && d.is_keepalived_na());
            assert_eq!(d.router, router);
            assert_eq!(d, unsolicited_na(MAC, vip(), router));
        }
    }

    #[test]
    fn bad_checksum_is_reported() {
        let mut f = encode_unsolicited_na(MAC, vip(), false);
        f[57] ^= 1;
        let d = decode(&f).unwrap();
        assert!(!d.checksum_ok && !d.is_keepalived_na());
    }

    #[test]
    fn errors() {
        let f = encode_unsolicited_na(MAC, vip(), false);
        for cut in 0..14 {
            assert!(matches!(decode(&f[..cut]), Err(NaError::Link(_))));
        }
        for cut in 14..f.len() {
            let e = decode(&f[..cut]).unwrap_err();
            assert!(matches!(e, NaError::Ipv6Truncated { .. }), "{cut}: {e}");
        }
        let mut g = f.clone();
        g[13] = 0;
        assert_eq!(decode(&g), Err(NaError::NotIpv6 { ethertype: 0x8600 }));
        let mut g = f.clone();
        g[14] = 0x40;
        assert_eq!(decode(&g), Err(NaError::IpVersion(4)));
        let mut g = f.clone();
        g[20] = 112;
        assert_eq!(decode(&g), Err(NaError::NotIcmpv6 { next_header: 112 }));
        let mut g = f.clone();
        g[54] = 135;
        assert_eq!(decode(&g), Err(NaError::NotNa { icmp_type: 135 }));
        let mut g = f.clone();
        g[79] = 0;
        assert_eq!(decode(&g), Err(NaError::BadOption { offset: 24 }));
        let mut g = f.clone();
        g[79] = 2;
        assert_eq!(decode(&g), Err(NaError::BadOption { offset: 24 }));
        // Payload length shortened to the bare advertisement: no option, still an NA.
        let mut g = f.clone();
        g[19] = 24;
        let d = decode(&g).unwrap();
        assert_eq!(d.target_mac, None);
        assert!(!d.is_keepalived_na());
        let mut g = f.clone();
        g[19] = 20;
        assert_eq!(decode(&g), Err(NaError::Truncated { have: 20 }));
    }
}
