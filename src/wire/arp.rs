//! Gratuitous ARP as keepalived 2.2.7 sends it for an IPv4 VIP at takeover
//! (`send_gratuitous_arp_immediate` in keepalived/vrrp/vrrp_arp.c), on an `AF_PACKET` socket
//! so the Ethernet header is keepalived's own. 42 bytes, no padding:
//!
//! | offset | bytes | field | value |
//! |---|---|---|---|
//! | 0 | 6 | Ethernet destination | ff:ff:ff:ff:ff:ff (the interface broadcast address) |
//! | 6 | 6 | Ethernet source | the MAC of the VIP's interface (the VMAC with `use_vmac`) |
//! | 12 | 2 | ethertype | 0x0806 |
//! | 14 | 2 | hardware type | 1 (Ethernet) |
//! | 16 | 2 | protocol type | 0x0800 |
//! | 18 | 1 | hardware length | 6 |
//! | 19 | 1 | protocol length | 4 |
//! | 20 | 2 | opcode | 1 (request) |
//! | 22 | 6 | sender hardware address | the same MAC |
//! | 28 | 4 | sender protocol address | the VIP |
//! | 32 | 6 | target hardware address | ff:ff:ff:ff:ff:ff (not zero) |
//! | 38 | 4 | target protocol address | the VIP |

use std::fmt;
use std::net::Ipv4Addr;

use super::vrrp::{self, DecodeError, ETHERTYPE_ARP};

pub const BROADCAST: [u8; 6] = [0xff; 6];
pub const OP_REQUEST: u16 = 1;
pub const OP_REPLY: u16 = 2;
/// Length of keepalived's frame.
pub const FRAME_LEN: usize = 42;

/// An Ethernet/IPv4 ARP frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpFrame {
    pub eth_dst: [u8; 6],
    pub eth_src: [u8; 6],
    pub op: u16,
    pub sender_mac: [u8; 6],
    pub sender_ip: Ipv4Addr,
    pub target_mac: [u8; 6],
    pub target_ip: Ipv4Addr,
}

impl ArpFrame {
    /// Sender and target protocol addresses are the same: an announcement.
    pub fn is_gratuitous(&self) -> bool {
        self.sender_ip == self.target_ip
    }

    /// Exactly what keepalived sends for `sender_ip` from `sender_mac`.
    pub fn is_keepalived_garp(&self) -> bool {
        *self == garp_frame(self.sender_mac, self.sender_ip)
    }
}

/// keepalived's gratuitous ARP for `vip` from the interface with `mac`.
pub fn garp_frame(mac: [u8; 6], vip: Ipv4Addr) -> ArpFrame {
    ArpFrame {
        eth_dst: BROADCAST,
        eth_src: mac,
        op: OP_REQUEST,
        sender_mac: mac,
        sender_ip: vip,
        target_mac: BROADCAST,
        target_ip: vip,
    }
}

/// The 42 bytes keepalived sends to announce `vip` at `mac`.
pub fn encode_garp(mac: [u8; 6], vip: Ipv4Addr) -> Vec<u8> {
    encode(&garp_frame(mac, vip))
}

/// Encodes any Ethernet/IPv4 ARP frame (42 bytes, unpadded).
pub fn encode(a: &ArpFrame) -> Vec<u8> {
    let mut f = Vec::with_capacity(FRAME_LEN);
    f.extend_from_slice(&a.eth_dst);
    f.extend_from_slice(&a.eth_src);
    f.extend_from_slice(&ETHERTYPE_ARP.to_be_bytes());
    f.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4]);
    f.extend_from_slice(&a.op.to_be_bytes());
    f.extend_from_slice(&a.sender_mac);
    f.extend_from_slice(&a.sender_ip.octets());
    f.extend_from_slice(&a.target_mac);
    f.extend_from_slice(&a.target_ip.octets());
    f
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArpError {
    /// The Ethernet header is short (or a VLAN tag is cut).
    Link(DecodeError),
    NotArp {
        ethertype: u16,
    },
    /// Fewer than the 28 bytes of an Ethernet/IPv4 ARP packet.
    Truncated {
        have: usize,
    },
    /// Not Ethernet (1) / IPv4 (0x0800) / 6 / 4.
    Format {
        htype: u16,
        ptype: u16,
        hlen: u8,
        plen: u8,
    },
}

impl fmt::Display for ArpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArpError::Link(e) => e.fmt(f),
            ArpError::NotArp { ethertype } => write!(f, "not ARP: ethertype {ethertype:#06x}"),
            ArpError::Truncated { have } => write!(f, "truncated ARP: {have} bytes, need 28"),
            ArpError::Format {
                htype,
                ptype,
                hlen,
                plen,
            } => write!(
                f,
                "not Ethernet/IPv4 ARP: hardware {htype} protocol {ptype:#06x} lengths {hlen}/{plen}"
            ),
        }
    }
}

impl std::error::Error for ArpError {}

/// Decodes an Ethernet frame holding an Ethernet/IPv4 ARP packet (VLAN tags and trailing
/// padding allowed).
pub fn decode(frame: &[u8]) -> Result<ArpFrame, ArpError> {
    let (link, ethertype, p) = vrrp::split_ethernet(frame).map_err(ArpError::Link)?;
    if ethertype != ETHERTYPE_ARP {
        return Err(ArpError::NotArp { ethertype });
    }
    if p.len() < 28 {
        return Err(ArpError::Truncated { have: p.len() });
    }
    let htype = u16::from_be_bytes([p[0], p[1]]);
    let ptype = u16::from_be_bytes([p[2], p[3]]);
    if htype != 1 || ptype != 0x0800 || p[4] != 6 || p[5] != 4 {
        return Err(ArpError::Format {
            htype,
            ptype,
            hlen: p[4],
            plen: p[5],
        });
    }
    let mac = |o: usize| {
        let mut m = [0u8; 6];
        m.copy_from_slice(&p[o..o + 6]);
        m
    };
    let ip = |o: usize| Ipv4Addr::new(p[o], p[o + 1], p[o + 2], p[o + 3]);
    Ok(ArpFrame {
        eth_dst: link.dst,
        eth_src: link.src,
        op: u16::from_be_bytes([p[6], p[7]]),
        sender_mac: mac(8),
        sender_ip: ip(14),
        target_mac: mac(18),
        target_ip: ip(24),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: [u8; 6] = [0x02, 0x99, 0, 0, 0, 0x02];

    #[test]
    fn garp_layout() {
        let f = encode_garp(MAC, Ipv4Addr::new(10, 99, 0, 100));
        // The frame of the reference capture vrrpv2-garp-n2.pcap.
        let want: [u8; 42] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x99, 0, 0, 0, 2, 0x08, 0x06, 0, 1, 8, 0, 6,
            4, 0, 1, 0x02, 0x99, 0, 0, 0, 2, 10, 99, 0, 100, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            10, 99, 0, 100,
        ];
        assert_eq!(f, want);
        let d = decode(&f).unwrap();
        assert!(d.is_gratuitous() && d.is_keepalived_garp());
        assert_eq!(d, garp_frame(MAC, Ipv4Addr::new(10, 99, 0, 100)));
    }

    #[test]
    fn padding_and_vlan() {
        let mut f = encode_garp(MAC, Ipv4Addr::new(192, 0, 2, 1));
        f.resize(60, 0);
        assert!(decode(&f).unwrap().is_keepalived_garp());
        let mut tagged = f[..12].to_vec();
        tagged.extend_from_slice(&[0x81, 0x00, 0x00, 0x07]);
        tagged.extend_from_slice(&f[12..]);
        assert!(decode(&tagged).unwrap().is_keepalived_garp());
    }

    #[test]
    fn errors() {
        let f = encode_garp(MAC, Ipv4Addr::new(192, 0, 2, 1));
        for cut in 0..14 {
            assert!(matches!(decode(&f[..cut]), Err(ArpError::Link(_))), "{cut}");
        }
        for cut in 14..42 {
            assert_eq!(
                decode(&f[..cut]),
                Err(ArpError::Truncated { have: cut - 14 })
            );
        }
        let mut g = f.clone();
        g[13] = 0x00;
        assert_eq!(decode(&g), Err(ArpError::NotArp { ethertype: 0x0800 }));
        let mut g = f.clone();
        g[15] = 6; // IEEE 802
        assert!(matches!(decode(&g), Err(ArpError::Format { htype: 6, .. })));
        // An ordinary request is not a keepalived GARP.
        let mut g = f.clone();
        g[32..38].fill(0);
        g[41] = 2;
        let d = decode(&g).unwrap();
        assert!(!d.is_gratuitous() && !d.is_keepalived_garp());
        assert!(!ArpError::Truncated { have: 3 }.to_string().is_empty());
    }
}
