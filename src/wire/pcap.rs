//! A small reader of classic pcap files (not pcapng): the global header and the records, in
//! either byte order, with microsecond or nanosecond timestamps. Used by the fixture tests and
//! by `ha vrrp sniff` reading a file.

use std::fmt;
use std::time::Duration;

use super::vrrp::{self, DecodeError, Packet};

/// Ethernet.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// Raw IP (IPv4 or IPv6 by the version nibble).
pub const LINKTYPE_RAW: u32 = 101;
/// Linux cooked capture v1 (`tcpdump -i any`).
pub const LINKTYPE_LINUX_SLL: u32 = 113;
/// Raw IPv4.
pub const LINKTYPE_IPV4: u32 = 228;
/// Raw IPv6.
pub const LINKTYPE_IPV6: u32 = 229;
/// Linux cooked capture v2.
pub const LINKTYPE_LINUX_SLL2: u32 = 276;

/// One captured frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Since the Unix epoch.
    pub time: Duration,
    /// The length of the frame on the wire (may exceed `data.len()` if the capture cut it).
    pub orig_len: u32,
    pub data: Vec<u8>,
}

/// A whole capture file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcap {
    pub linktype: u32,
    pub snaplen: u32,
    pub big_endian: bool,
    pub nanosecond: bool,
    pub records: Vec<Record>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PcapError {
    /// The file is shorter than the 24-byte global header.
    Short,
    /// Not a pcap magic number (pcapng starts with 0a0d0d0a).
    Magic(u32),
    /// Record `index` (0-based) is cut short or claims more than the file holds.
    Record { index: usize },
}

impl fmt::Display for PcapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PcapError::Short => f.write_str("shorter than a pcap header"),
            PcapError::Magic(0x0a0d_0d0a) => f.write_str("pcapng is not supported, only pcap"),
            PcapError::Magic(m) => write!(f, "not a pcap file (magic {m:#010x})"),
            PcapError::Record { index } => write!(f, "record {} is truncated", index + 1),
        }
    }
}

impl std::error::Error for PcapError {}

/// Parses a whole pcap file.
pub fn parse(bytes: &[u8]) -> Result<Pcap, PcapError> {
    if bytes.len() < 24 {
        return Err(PcapError::Short);
    }
    let magic_le = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let (big_endian, nanosecond) = match magic_le {
        0xa1b2_c3d4 => (false, false),
        0xa1b2_3c4d => (false, true),
        0xd4c3_b2a1 => (true, false),
        0x4d3c_b2a1 => (true, true),
        _ => {
            return Err(PcapError::Magic(u32::from_be_bytes([
                bytes[0], bytes[1], bytes[2], bytes[3],
            ])))
        }
    };
    let u32_at = |b: &[u8], off: usize| {
        let w = [b[off], b[off + 1], b[off + 2], b[off + 3]];
        if big_endian {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        }
    };
    let snaplen = u32_at(bytes, 16);
    // The low 28 bits hold the link type; the top bits an FCS length.
    let linktype = u32_at(bytes, 20) & 0x0fff_ffff;
    let mut records = Vec::new();
    let mut off = 24;
    while off < bytes.len() {
        let index = records.len();
        if bytes.len() - off < 16 {
            return Err(PcapError::Record { index });
        }
        let sec = u32_at(bytes, off);
        let frac = u32_at(bytes, off + 4);
        let incl = u32_at(bytes, off + 8) as usize;
        let orig_len = u32_at(bytes, off + 12);
        off += 16;
        if bytes.len() - off < incl {
            return Err(PcapError::Record { index });
        }
        let nanos = if nanosecond {
            u64::from(frac)
        } else {
            u64::from(frac) * 1000
        };
        records.push(Record {
            time: Duration::from_secs(u64::from(sec)) + Duration::from_nanos(nanos),
            orig_len,
            data: bytes[off..off + incl].to_vec(),
        });
        off += incl;
    }
    Ok(Pcap {
        linktype,
        snaplen,
        big_endian,
        nanosecond,
        records,
    })
}

/// Why a captured frame was not decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// A link type this reader does not know.
    LinkType(u32),
    /// The frame is shorter than its link header.
    ShortLink,
    /// A link-layer protocol other than IPv4/IPv6.
    NotIp(u16),
    Vrrp(DecodeError),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::LinkType(t) => write!(f, "unsupported link type {t}"),
            FrameError::ShortLink => f.write_str("frame shorter than its link header"),
            FrameError::NotIp(p) => write!(f, "not IP: protocol {p:#06x}"),
            FrameError::Vrrp(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for FrameError {}

impl From<DecodeError> for FrameError {
    fn from(e: DecodeError) -> Self {
        FrameError::Vrrp(e)
    }
}

/// The link-layer protocol and its payload for the cooked and raw link types, or None for
/// Ethernet (which [`vrrp::decode_ethernet`] reads itself).
fn cooked(linktype: u32, frame: &[u8]) -> Result<Option<(u16, &[u8])>, FrameError> {
    match linktype {
        LINKTYPE_ETHERNET => Ok(None),
        LINKTYPE_LINUX_SLL => {
            if frame.len() < 16 {
                return Err(FrameError::ShortLink);
            }
            Ok(Some((
                u16::from_be_bytes([frame[14], frame[15]]),
                &frame[16..],
            )))
        }
        LINKTYPE_LINUX_SLL2 => {
            if frame.len() < 20 {
                return Err(FrameError::ShortLink);
            }
            Ok(Some((
                u16::from_be_bytes([frame[0], frame[1]]),
                &frame[20..],
            )))
        }
        LINKTYPE_RAW => Ok(Some((0, frame))),
        LINKTYPE_IPV4 => Ok(Some((vrrp::ETHERTYPE_IPV4, frame))),
        LINKTYPE_IPV6 => Ok(Some((vrrp::ETHERTYPE_IPV6, frame))),
        t => Err(FrameError::LinkType(t)),
    }
}

/// Decodes a VRRP advertisement from a captured frame of the given link type.
pub fn decode_vrrp(linktype: u32, frame: &[u8]) -> Result<Packet, FrameError> {
    match cooked(linktype, frame)? {
        None => Ok(vrrp::decode_ethernet(frame)?),
        Some((0, ip)) => Ok(vrrp::decode_ip(ip)?),
        Some((vrrp::ETHERTYPE_IPV4, ip)) => Ok(vrrp::decode_ip(ip).and_then(|p| {
            if matches!(p.ip, Some(vrrp::IpInfo::V4 { .. })) {
                Ok(p)
            } else {
                Err(DecodeError::IpVersion(6))
            }
        })?),
        Some((vrrp::ETHERTYPE_IPV6, ip)) => Ok(vrrp::decode_ipv6(ip)?),
        Some((p, _)) => Err(FrameError::NotIp(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(big: bool, nano: bool, linktype: u32, frames: &[&[u8]]) -> Vec<u8> {
        let w = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let h = |v: u16| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut f = Vec::new();
        f.extend_from_slice(&w(if nano { 0xa1b2_3c4d } else { 0xa1b2_c3d4 }));
        f.extend_from_slice(&h(2));
        f.extend_from_slice(&h(4));
        f.extend_from_slice(&w(0));
        f.extend_from_slice(&w(0));
        f.extend_from_slice(&w(262_144));
        f.extend_from_slice(&w(linktype));
        for (i, fr) in frames.iter().enumerate() {
            f.extend_from_slice(&w(1_700_000_000 + i as u32));
            f.extend_from_slice(&w(250_000));
            f.extend_from_slice(&w(fr.len() as u32));
            f.extend_from_slice(&w(fr.len() as u32 + 4));
            f.extend_from_slice(fr);
        }
        f
    }

    #[test]
    fn both_byte_orders_and_resolutions() {
        for big in [false, true] {
            for nano in [false, true] {
                let bytes = file(big, nano, 113, &[b"abc", b"", b"defgh"]);
                let p = parse(&bytes).unwrap();
                assert_eq!(p.linktype, 113);
                assert_eq!(p.snaplen, 262_144);
                assert_eq!((p.big_endian, p.nanosecond), (big, nano));
                assert_eq!(p.records.len(), 3);
                assert_eq!(p.records[2].data, b"defgh");
                assert_eq!(p.records[2].orig_len, 9);
                let frac = if nano { 250_000 } else { 250_000_000 };
                assert_eq!(
                    p.records[1].time,
                    Duration::new(1_700_000_001, frac),
                    "big {big} nano {nano}"
                );
            }
        }
    }

    #[test]
    fn errors() {
        assert_eq!(parse(b"short"), Err(PcapError::Short));
        let mut ng = vec![0x0a, 0x0d, 0x0d, 0x0a];
        ng.resize(32, 0);
        assert_eq!(parse(&ng), Err(PcapError::Magic(0x0a0d_0d0a)));
        assert!(PcapError::Magic(0x0a0d_0d0a).to_string().contains("pcapng"));
        let good = file(false, false, 1, &[b"0123456789"]);
        for cut in 25..good.len() {
            assert_eq!(
                parse(&good[..cut]),
                Err(PcapError::Record { index: 0 }),
                "{cut}"
            );
        }
        assert_eq!(parse(&good[..24]).unwrap().records, vec![]);
    }

    #[test]
    fn link_types() {
        assert_eq!(decode_vrrp(999, b"x"), Err(FrameError::LinkType(999)));
        assert_eq!(
            decode_vrrp(LINKTYPE_LINUX_SLL, &[0; 15]),
            Err(FrameError::ShortLink)
        );
        assert_eq!(
            decode_vrrp(LINKTYPE_LINUX_SLL2, &[0; 19]),
            Err(FrameError::ShortLink)
        );
        let mut sll = vec![0u8; 16];
        sll[14..16].copy_from_slice(&0x0806u16.to_be_bytes());
        assert_eq!(
            decode_vrrp(LINKTYPE_LINUX_SLL, &sll),
            Err(FrameError::NotIp(0x0806))
        );
    }
}
