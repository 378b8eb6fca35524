//! VRRP advertisements: RFC 3768 (version 2) and RFC 5798 (version 3), decoded and encoded
//! byte for byte as keepalived 2.2.7 does.
//!
//! # Decoding
//! Four entry points, one per place the bytes come from; none panics, whatever the input:
//! - [`decode_ipv4`]: a whole IPv4 packet as an IPv4 raw socket returns it (the IP total length
//!   must match the bytes received, as keepalived requires);
//! - [`decode_payload`]: the VRRP message alone, with the source, destination and hop limit the
//!   socket told (an IPv6 raw socket);
//! - [`decode_ethernet`]: an Ethernet frame, IPv4 or IPv6, with or without VLAN tags (sniffing
//!   from an `AF_PACKET` socket; trailing Ethernet padding is ignored);
//! - [`decode_ip`] and [`decode_ipv6`]: an IP packet without link header (raw pcap link types).
//!
//! The length must match the address count exactly (keepalived's `expected_vrrp_pkt_len`);
//! an IPv4 packet may carry an IPsec AH header (auth type 2) before the VRRP message.
//!
//! # Checksums (keepalived 2.2.7, `vrrp_build_vrrp_v2`, `vrrp_build_vrrp_v3`,
//! `vrrp_check_packet`)
//! - Version 2 over IPv4: the Internet checksum of the VRRP message alone (header, addresses,
//!   the 8 bytes of authentication data), no pseudo-header.
//! - Version 3 over IPv4: the VRRP message plus a 12-byte pseudo-header (source, destination,
//!   zero, protocol 112, VRRP length), destination as in the IP header. With keepalived's
//!   `old_unicast_checksum` (the 1.3.6-and-earlier unicast checksum) the pseudo-header's
//!   destination is the multicast group 224.0.0.18 whatever the real destination. On receive a
//!   unicast instance at the default setting tries the real destination, then the multicast
//!   group, and on success of the latter switches itself to sending old checksums too.
//!   `v3_checksum_as_v2` (keepalived 2.2.8 and later only; 2.2.7 lacks it) drops the
//!   pseudo-header; an instance so configured does not check received checksums at all.
//! - IPv6 (either version): the kernel computes the checksum (`IPV6_CHECKSUM` at offset 6)
//!   with the IPv6 pseudo-header (source, destination, 32-bit length, next header 112), and on
//!   receive drops packets whose checksum is wrong.
//!
//! [`Received::checksum_ok`] is set as a keepalived 2.2.7 instance at its default setting
//! would accept the packet: the RFC checksum, or (IPv4 version 3) the old unicast one.
//! [`Packet::checksums`] tells which computations match.
//!
//! # The IPv4 header keepalived builds (`vrrp_build_ip4`, `vrrp_update_pkt`)
//! Version 4, IHL 5, TOS 0xc0 (internetwork control), total length, identification counting
//! up from 1 once per advertisement round (the same for every unicast peer, wrapping from
//! 65535 to 1 since the kernel would fill in 0), flags and fragment offset 0 (no DF), TTL 255
//! (`unicast_ttl` may set another for unicast), protocol 112 (51 with AH), the header
//! checksum (the kernel fills it in for `IP_HDRINCL`; [`encode_ipv4`] computes the same).
//! For IPv6 the kernel builds the header: traffic class 0xc0, hop limit 255 for multicast (a
//! unicast advert gets the kernel's default unless `unicast_ttl` is set), an automatic flow
//! label; so only the VRRP message is encoded for IPv6.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::csum;

/// IP protocol number of VRRP.
pub const PROTO_VRRP: u8 = 112;
/// The only VRRP packet type.
pub const TYPE_ADVERTISEMENT: u8 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    V2,
    V3,
}

/// Version 2 authentication (version 3 has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Type 0.
    None,
    /// Type 1: the password, zero padded to 8 bytes.
    Pass([u8; 8]),
    /// Type 2 (IPsec AH, RFC 2402): the VRRP header follows an AH header.
    Ah,
    /// A type no RFC defines.
    Other(u8),
}

/// The VRRP message of one advertisement, version independent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advert {
    pub version: Version,
    pub vrid: u8,
    pub priority: u8,
    /// The advertisement interval in centiseconds: version 3's field as is, version 2's
    /// seconds times 100.
    pub interval_cs: u16,
    /// Version 2 only; [`Auth::None`] for version 3.
    pub auth: Auth,
    pub addresses: Vec<IpAddr>,
}

/// An advertisement as received, with what the IP layer told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    pub advert: Advert,
    /// The VRRP checksum verified as the sender's version computes it.
    pub checksum_ok: bool,
}

/// IP protocol number of the IPsec authentication header.
pub const PROTO_AH: u8 = 51;
/// The IPv4 VRRP multicast group (keepalived's default `vrrp_mcast_group4`).
pub const MCAST_GROUP4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The IPv6 VRRP multicast group (keepalived's default `vrrp_mcast_group6`).
pub const MCAST_GROUP6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// TTL / hop limit of VRRP packets (RFC 3768 5.2.3, RFC 5798 5.1.1.3).
pub const TTL: u8 = 255;
/// IPv4 TOS and IPv6 traffic class keepalived sets: internetwork control (DSCP CS6).
pub const TOS: u8 = 0xc0;
/// Length of the fixed VRRP header.
pub const HEADER_LEN: usize = 8;
/// Length of version 2 authentication data (IPv4 only).
pub const AUTH_LEN: usize = 8;
/// Length of the IPsec AH header keepalived builds: 12 bytes plus a 96-bit ICV.
pub const AH_LEN: usize = 24;
/// Length of the IPv4 header keepalived builds.
pub const IPV4_HEADER_LEN: usize = 20;
/// Length of the fixed IPv6 header.
pub const IPV6_HEADER_LEN: usize = 40;
pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
pub const ETHERTYPE_ARP: u16 = 0x0806;
pub const ETHERTYPE_VLAN: u16 = 0x8100;
pub const ETHERTYPE_QINQ: u16 = 0x88a8;

impl Version {
    /// The number in the version field.
    pub fn number(self) -> u8 {
        match self {
            Version::V2 => 2,
            Version::V3 => 3,
        }
    }

    pub fn from_number(n: u8) -> Option<Version> {
        match n {
            2 => Some(Version::V2),
            3 => Some(Version::V3),
            _ => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VRRPv{}", self.number())
    }
}

impl Auth {
    /// The auth type field: 0 none, 1 simple text password, 2 IPsec AH.
    pub fn code(&self) -> u8 {
        match self {
            Auth::None => 0,
            Auth::Pass(_) => 1,
            Auth::Ah => 2,
            Auth::Other(n) => *n,
        }
    }

    /// From the auth type field and the 8 bytes of authentication data (which only type 1
    /// keeps).
    pub fn from_wire(code: u8, data: [u8; 8]) -> Auth {
        match code {
            0 => Auth::None,
            1 => Auth::Pass(data),
            2 => Auth::Ah,
            n => Auth::Other(n),
        }
    }

    /// A password as keepalived's `auth_pass` keeps it: the first 8 bytes, zero padded.
    pub fn pass(text: &[u8]) -> Auth {
        let mut data = [0u8; 8];
        let n = text.len().min(8);
        data[..n].copy_from_slice(&text[..n]);
        Auth::Pass(data)
    }
}

/// Which checksum computations a received VRRP checksum field satisfies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChecksumMatch {
    /// The standard one: version 2 over the message; version 3 with the pseudo-header of
    /// the packet's real source and destination; IPv6 as the kernel checks it.
    pub rfc: bool,
    /// IPv4 version 3 with the pseudo-header destination 224.0.0.18 (keepalived's
    /// `old_unicast_checksum`). Same as `rfc` when the packet went to 224.0.0.18.
    pub old_unicast: bool,
    /// IPv4 version 3 without pseudo-header (keepalived 2.2.8+ `v3_checksum_as_v2`).
    pub as_v2: bool,
}

impl ChecksumMatch {
    /// What a keepalived 2.2.7 instance at its default accepts: the standard checksum or the
    /// old unicast one.
    pub fn keepalived_accepts(&self) -> bool {
        self.rfc || self.old_unicast
    }

    /// The name of the first computation that matches, for display: None when none does.
    pub fn variant(&self) -> Option<ChecksumVariant> {
        if self.rfc {
            Some(ChecksumVariant::Rfc)
        } else if self.old_unicast {
            Some(ChecksumVariant::OldUnicast)
        } else if self.as_v2 {
            Some(ChecksumVariant::AsV2)
        } else {
            None
        }
    }
}

/// One way of computing the VRRP checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumVariant {
    Rfc,
    OldUnicast,
    AsV2,
}

impl fmt::Display for ChecksumVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChecksumVariant::Rfc => "rfc",
            ChecksumVariant::OldUnicast => "old_unicast_checksum",
            ChecksumVariant::AsV2 => "v3_checksum_as_v2",
        })
    }
}

/// What the IP header said, beyond source, destination and TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpInfo {
    V4 {
        tos: u8,
        id: u16,
        /// Flags and fragment offset as sent (keepalived: 0).
        flags_fragment: u16,
        /// Length of IP options (keepalived sends none).
        options_len: usize,
        header_checksum_ok: bool,
    },
    V6 {
        traffic_class: u8,
        flow_label: u32,
    },
}

/// An IPsec AH header (RFC 2402) in front of a version 2 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AhHeader {
    pub next_header: u8,
    /// The payload length field: the AH length in 32-bit words minus 2 (4 for keepalived).
    pub payload_len: u8,
    /// keepalived puts the sender's IPv4 address here.
    pub spi: u32,
    pub seq: u32,
    /// The integrity check value: 96 bits of HMAC-MD5 from keepalived.
    pub icv: Vec<u8>,
}

/// The Ethernet header around a sniffed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkInfo {
    pub dst: [u8; 6],
    pub src: [u8; 6],
    /// The VLAN ids of the tags, outermost first (0 where untagged).
    pub vlans: [Option<u16>; 2],
}

/// A decoded advertisement with everything the wire told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub received: Received,
    /// The checksum field as sent.
    pub checksum: u16,
    pub checksums: ChecksumMatch,
    /// None for [`decode_payload`] (the socket keeps the header).
    pub ip: Option<IpInfo>,
    pub ah: Option<AhHeader>,
    pub link: Option<LinkInfo>,
}

impl From<Packet> for Received {
    fn from(p: Packet) -> Received {
        p.received
    }
}

/// The protocol layer a decoding error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Ethernet,
    Ipv4,
    Ipv6,
    Ah,
    Vrrp,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Ethernet => "Ethernet",
            Layer::Ipv4 => "IPv4",
            Layer::Ipv6 => "IPv6",
            Layer::Ah => "AH",
            Layer::Vrrp => "VRRP",
        })
    }
}

/// Why bytes are not a VRRP advertisement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the layer's header needs.
    Truncated {
        layer: Layer,
        need: usize,
        have: usize,
    },
    /// An Ethernet frame that carries neither IPv4 nor IPv6.
    NotIp { ethertype: u16 },
    /// The IP version nibble is not the one expected (4 or 6).
    IpVersion(u8),
    /// IPv4 header length field below 5 words.
    IpHeaderLength(u8),
    /// The IP length field disagrees with the bytes there are.
    IpLength { field: usize, have: usize },
    /// A fragment (a raw socket sees only reassembled packets).
    Fragment,
    /// An IP packet of another protocol.
    NotVrrp { protocol: u8 },
    /// An AH header whose next header is not VRRP.
    AhNextHeader(u8),
    /// An AH header whose length field makes it shorter than 12 bytes.
    AhLength(u8),
    /// VRRP version other than 2 or 3.
    Version(u8),
    /// VRRP packet type other than 1 (advertisement).
    Type(u8),
    /// The message length does not match the address count.
    Length {
        count: u8,
        expected: usize,
        have: usize,
    },
    /// Version 2 over IPv6 (RFC 3768 is IPv4 only; keepalived uses version 3 for IPv6).
    V2OverIpv6,
    /// Source and destination of different address families.
    FamilyMismatch,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated { layer, need, have } => {
                write!(f, "truncated {layer}: {have} bytes, need {need}")
            }
            DecodeError::NotIp { ethertype } => write!(f, "not IP: ethertype {ethertype:#06x}"),
            DecodeError::IpVersion(v) => write!(f, "IP version {v}"),
            DecodeError::IpHeaderLength(ihl) => write!(f, "IPv4 header length {ihl} words"),
            DecodeError::IpLength { field, have } => {
                write!(f, "IP length field {field} but {have} bytes")
            }
            DecodeError::Fragment => f.write_str("IP fragment"),
            DecodeError::NotVrrp { protocol } => write!(f, "not VRRP: IP protocol {protocol}"),
            DecodeError::AhNextHeader(n) => write!(f, "AH next header {n}, not VRRP"),
            DecodeError::AhLength(n) => write!(f, "AH payload length {n} too small"),
            DecodeError::Version(v) => write!(f, "VRRP version {v}"),
            DecodeError::Type(t) => write!(f, "VRRP packet type {t}, not advertisement"),
            DecodeError::Length {
                count,
                expected,
                have,
            } => write!(
                f,
                "VRRP length {have} but {count} addresses need {expected}"
            ),
            DecodeError::V2OverIpv6 => f.write_str("VRRPv2 over IPv6"),
            DecodeError::FamilyMismatch => f.write_str("source and destination families differ"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why an advertisement cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// Source, destination and addresses are not all of one family.
    FamilyMismatch,
    /// More than 255 addresses.
    TooManyAddresses(usize),
    /// A version 2 interval that is not a whole number of seconds up to 255.
    V2Interval(u16),
    /// A version 3 interval above 4095 centiseconds (12 bits).
    V3Interval(u16),
    /// Authentication other than none with version 3.
    AuthOnV3,
    /// Version 2 over IPv6.
    V2OverIpv6,
    /// [`Auth::Ah`] through [`encode_ipv4`]: use [`encode_ipv4_ah`], which has the key.
    AhNeedsKey,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::FamilyMismatch => {
                f.write_str("source, destination and addresses are not of one family")
            }
            EncodeError::TooManyAddresses(n) => write!(f, "{n} addresses, at most 255"),
            EncodeError::V2Interval(cs) => {
                write!(f, "VRRPv2 interval {cs} cs is not whole seconds up to 255")
            }
            EncodeError::V3Interval(cs) => write!(f, "VRRPv3 interval {cs} cs above 4095"),
            EncodeError::AuthOnV3 => f.write_str("VRRPv3 has no authentication"),
            EncodeError::V2OverIpv6 => f.write_str("VRRPv2 over IPv6"),
            EncodeError::AhNeedsKey => f.write_str("AH authentication needs the key"),
        }
    }
}

impl std::error::Error for EncodeError {}

/// How to compute the checksum when encoding (keepalived instance options).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EncodeOptions {
    /// `v3_checksum_as_v2`: IPv4 version 3 without pseudo-header (keepalived 2.2.8+).
    pub v3_checksum_as_v2: bool,
    /// `old_unicast_checksum`: IPv4 version 3 pseudo-header destination is the multicast
    /// group, whatever the destination.
    pub old_unicast_checksum: bool,
    /// keepalived's `vrrp_mcast_group4`, for `old_unicast_checksum`; None: 224.0.0.18.
    pub mcast_group4: Option<Ipv4Addr>,
}

/// The IPv4 header fields keepalived varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Params {
    pub id: u16,
    pub ttl: u8,
}

impl Default for Ipv4Params {
    fn default() -> Self {
        Ipv4Params { id: 1, ttl: TTL }
    }
}

/// The identification of the next advertisement after `id`: keepalived counts from 1 and
/// skips 0 on wrapping (the kernel would fill in a 0).
pub fn next_ip_id(id: u16) -> u16 {
    match id.wrapping_add(1) {
        0 => 1,
        n => n,
    }
}

/// Length of the VRRP message for a version, family and address count
/// (keepalived's `expected_vrrp_pkt_len`).
pub fn message_len(version: Version, ipv6: bool, count: usize) -> usize {
    if ipv6 {
        HEADER_LEN + 16 * count
    } else {
        HEADER_LEN + 4 * count + if version == Version::V2 { AUTH_LEN } else { 0 }
    }
}

fn ipv4_pseudo(src: Ipv4Addr, dst: Ipv4Addr, len: usize) -> [u8; 12] {
    let mut p = [0u8; 12];
    p[0..4].copy_from_slice(&src.octets());
    p[4..8].copy_from_slice(&dst.octets());
    p[9] = PROTO_VRRP;
    p[10..12].copy_from_slice(&(len as u16).to_be_bytes());
    p
}

fn ipv6_pseudo(src: Ipv6Addr, dst: Ipv6Addr, len: usize, next: u8) -> [u8; 40] {
    let mut p = [0u8; 40];
    p[0..16].copy_from_slice(&src.octets());
    p[16..32].copy_from_slice(&dst.octets());
    p[32..36].copy_from_slice(&(len as u32).to_be_bytes());
    p[39] = next;
    p
}

/// The IPv6 pseudo-header checksum of an upper-layer message (RFC 8200 8.1).
pub(crate) fn ipv6_checksum(src: Ipv6Addr, dst: Ipv6Addr, next: u8, msg: &[u8]) -> u16 {
    csum::checksum(&[&ipv6_pseudo(src, dst, msg.len(), next), msg])
}

/// The Internet checksum of an IPv4 version 3 message with the pseudo-header
/// `src`/`pseudo_dst`: 0 when the checksum field in `msg` is right for that destination.
/// Use it to check `old_unicast_checksum` against a group other than 224.0.0.18.
pub fn v3_ipv4_checksum(msg: &[u8], src: Ipv4Addr, pseudo_dst: Ipv4Addr) -> u16 {
    csum::checksum(&[&ipv4_pseudo(src, pseudo_dst, msg.len()), msg])
}

fn checksum_match(version: Version, msg: &[u8], src: IpAddr, dst: IpAddr) -> ChecksumMatch {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => match version {
            Version::V2 => ChecksumMatch {
                rfc: csum::checksum(&[msg]) == 0,
                ..Default::default()
            },
            Version::V3 => ChecksumMatch {
                rfc: v3_ipv4_checksum(msg, s, d) == 0,
                old_unicast: v3_ipv4_checksum(msg, s, MCAST_GROUP4) == 0,
                as_v2: csum::checksum(&[msg]) == 0,
            },
        },
        (IpAddr::V6(s), IpAddr::V6(d)) => ChecksumMatch {
            rfc: ipv6_checksum(s, d, PROTO_VRRP, msg) == 0,
            ..Default::default()
        },
        _ => ChecksumMatch::default(),
    }
}

/// Decodes a VRRP message that fills `msg` exactly, sent from `src` to `dst`.
fn decode_message(
    msg: &[u8],
    src: IpAddr,
    dst: IpAddr,
    ttl: u8,
) -> Result<(Received, u16, ChecksumMatch), DecodeError> {
    let ipv6 = match (src, dst) {
        (IpAddr::V4(_), IpAddr::V4(_)) => false,
        (IpAddr::V6(_), IpAddr::V6(_)) => true,
        _ => return Err(DecodeError::FamilyMismatch),
    };
    if msg.len() < HEADER_LEN {
        return Err(DecodeError::Truncated {
            layer: Layer::Vrrp,
            need: HEADER_LEN,
            have: msg.len(),
        });
    }
    let version = Version::from_number(msg[0] >> 4).ok_or(DecodeError::Version(msg[0] >> 4))?;
    if msg[0] & 0x0f != TYPE_ADVERTISEMENT {
        return Err(DecodeError::Type(msg[0] & 0x0f));
    }
    if ipv6 && version == Version::V2 {
        return Err(DecodeError::V2OverIpv6);
    }
    let count = msg[3];
    let expected = message_len(version, ipv6, count as usize);
    if msg.len() != expected {
        return Err(DecodeError::Length {
            count,
            expected,
            have: msg.len(),
        });
    }
    let step = if ipv6 { 16 } else { 4 };
    let addresses = msg[HEADER_LEN..HEADER_LEN + step * count as usize]
        .chunks_exact(step)
        .map(|c| match <[u8; 16]>::try_from(c) {
            Ok(a) => IpAddr::from(a),
            Err(_) => IpAddr::from([c[0], c[1], c[2], c[3]]),
        })
        .collect();
    let (interval_cs, auth) = match version {
        Version::V2 => {
            let mut data = [0u8; 8];
            data.copy_from_slice(&msg[msg.len() - AUTH_LEN..]);
            (u16::from(msg[5]) * 100, Auth::from_wire(msg[4], data))
        }
        Version::V3 => (u16::from_be_bytes([msg[4], msg[5]]) & 0x0fff, Auth::None),
    };
    let checksums = checksum_match(version, msg, src, dst);
    let received = Received {
        src,
        dst,
        ttl,
        advert: Advert {
            version,
            vrid: msg[1],
            priority: msg[2],
            interval_cs,
            auth,
            addresses,
        },
        checksum_ok: checksums.keepalived_accepts(),
    };
    Ok((received, u16::from_be_bytes([msg[6], msg[7]]), checksums))
}

/// Decodes the VRRP message of an IPv6 raw socket (or any message whose IP header is known):
/// `buf` must be the whole message, no more.
pub fn decode_payload(
    buf: &[u8],
    src: IpAddr,
    dst: IpAddr,
    hop_limit: u8,
) -> Result<Packet, DecodeError> {
    let (received, checksum, checksums) = decode_message(buf, src, dst, hop_limit)?;
    Ok(Packet {
        received,
        checksum,
        checksums,
        ip: None,
        ah: None,
        link: None,
    })
}

/// Decodes a whole IPv4 packet as an IPv4 raw socket returns it: the total length field
/// must equal `buf.len()`.
pub fn decode_ipv4(buf: &[u8]) -> Result<Packet, DecodeError> {
    decode_ipv4_inner(buf, true)
}

fn decode_ipv4_inner(buf: &[u8], exact: bool) -> Result<Packet, DecodeError> {
    let trunc = |need: usize| DecodeError::Truncated {
        layer: Layer::Ipv4,
        need,
        have: buf.len(),
    };
    if buf.len() < IPV4_HEADER_LEN {
        return Err(trunc(IPV4_HEADER_LEN));
    }
    if buf[0] >> 4 != 4 {
        return Err(DecodeError::IpVersion(buf[0] >> 4));
    }
    let ihl = buf[0] & 0x0f;
    if ihl < 5 {
        return Err(DecodeError::IpHeaderLength(ihl));
    }
    let hlen = usize::from(ihl) * 4;
    if buf.len() < hlen {
        return Err(trunc(hlen));
    }
    let total = usize::from(u16::from_be_bytes([buf[2], buf[3]]));
    if total < hlen || total > buf.len() || (exact && total != buf.len()) {
        return Err(DecodeError::IpLength {
            field: total,
            have: buf.len(),
        });
    }
    let flags_fragment = u16::from_be_bytes([buf[6], buf[7]]);
    // More fragments, or a non-zero offset.
    if flags_fragment & 0x3fff != 0 {
        return Err(DecodeError::Fragment);
    }
    let src = Ipv4Addr::new(buf[12], buf[13], buf[14], buf[15]);
    let dst = Ipv4Addr::new(buf[16], buf[17], buf[18], buf[19]);
    let packet = &buf[..total];
    let mut payload = &packet[hlen..];
    let ah = match buf[9] {
        PROTO_VRRP => None,
        PROTO_AH => {
            let (ah, len) = decode_ah(payload)?;
            payload = &payload[len..];
            Some(ah)
        }
        protocol => return Err(DecodeError::NotVrrp { protocol }),
    };
    let (received, checksum, checksums) = decode_message(payload, src.into(), dst.into(), buf[8])?;
    Ok(Packet {
        received,
        checksum,
        checksums,
        ip: Some(IpInfo::V4 {
            tos: buf[1],
            id: u16::from_be_bytes([buf[4], buf[5]]),
            flags_fragment,
            options_len: hlen - IPV4_HEADER_LEN,
            header_checksum_ok: csum::checksum(&[&buf[..hlen]]) == 0,
        }),
        ah,
        link: None,
    })
}

fn decode_ah(buf: &[u8]) -> Result<(AhHeader, usize), DecodeError> {
    if buf.len() < 12 {
        return Err(DecodeError::Truncated {
            layer: Layer::Ah,
            need: 12,
            have: buf.len(),
        });
    }
    if buf[1] < 1 {
        return Err(DecodeError::AhLength(buf[1]));
    }
    let len = (usize::from(buf[1]) + 2) * 4;
    if buf.len() < len {
        return Err(DecodeError::Truncated {
            layer: Layer::Ah,
            need: len,
            have: buf.len(),
        });
    }
    if buf[0] != PROTO_VRRP {
        return Err(DecodeError::AhNextHeader(buf[0]));
    }
    Ok((
        AhHeader {
            next_header: buf[0],
            payload_len: buf[1],
            spi: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
            seq: u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
            icv: buf[12..len].to_vec(),
        },
        len,
    ))
}

/// Decodes a whole IPv6 packet (as sniffed; bytes after the payload length are ignored).
/// Hop-by-hop, routing and destination options headers are skipped.
pub fn decode_ipv6(buf: &[u8]) -> Result<Packet, DecodeError> {
    if buf.len() < IPV6_HEADER_LEN {
        return Err(DecodeError::Truncated {
            layer: Layer::Ipv6,
            need: IPV6_HEADER_LEN,
            have: buf.len(),
        });
    }
    if buf[0] >> 4 != 6 {
        return Err(DecodeError::IpVersion(buf[0] >> 4));
    }
    let payload_len = usize::from(u16::from_be_bytes([buf[4], buf[5]]));
    if IPV6_HEADER_LEN + payload_len > buf.len() {
        return Err(DecodeError::IpLength {
            field: payload_len,
            have: buf.len() - IPV6_HEADER_LEN,
        });
    }
    let mut next = buf[6];
    let mut payload = &buf[IPV6_HEADER_LEN..IPV6_HEADER_LEN + payload_len];
    // Skip extension headers that may precede VRRP.
    while matches!(next, 0 | 43 | 60) {
        if payload.len() < 8 {
            return Err(DecodeError::Truncated {
                layer: Layer::Ipv6,
                need: 8,
                have: payload.len(),
            });
        }
        let len = (usize::from(payload[1]) + 1) * 8;
        if payload.len() < len {
            return Err(DecodeError::Truncated {
                layer: Layer::Ipv6,
                need: len,
                have: payload.len(),
            });
        }
        next = payload[0];
        payload = &payload[len..];
    }
    if next == 44 {
        return Err(DecodeError::Fragment);
    }
    if next != PROTO_VRRP {
        return Err(DecodeError::NotVrrp { protocol: next });
    }
    let mut a = [0u8; 16];
    a.copy_from_slice(&buf[8..24]);
    let src = Ipv6Addr::from(a);
    a.copy_from_slice(&buf[24..40]);
    let dst = Ipv6Addr::from(a);
    let (received, checksum, checksums) = decode_message(payload, src.into(), dst.into(), buf[7])?;
    let word = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    Ok(Packet {
        received,
        checksum,
        checksums,
        ip: Some(IpInfo::V6 {
            traffic_class: (word >> 20) as u8,
            flow_label: word & 0x000f_ffff,
        }),
        ah: None,
        link: None,
    })
}

/// Decodes an IPv4 or IPv6 packet by its version nibble; bytes after the IP length are
/// ignored (link-layer padding).
pub fn decode_ip(buf: &[u8]) -> Result<Packet, DecodeError> {
    match buf.first().map(|b| b >> 4) {
        None => Err(DecodeError::Truncated {
            layer: Layer::Ipv4,
            need: IPV4_HEADER_LEN,
            have: 0,
        }),
        Some(4) => decode_ipv4_inner(buf, false),
        Some(6) => decode_ipv6(buf),
        Some(v) => Err(DecodeError::IpVersion(v)),
    }
}

/// Splits an Ethernet frame into its header and the payload after any VLAN tags (802.1Q
/// and 802.1ad, up to two): (link info, ethertype, payload).
pub fn split_ethernet(frame: &[u8]) -> Result<(LinkInfo, u16, &[u8]), DecodeError> {
    let trunc = |need: usize| DecodeError::Truncated {
        layer: Layer::Ethernet,
        need,
        have: frame.len(),
    };
    if frame.len() < 14 {
        return Err(trunc(14));
    }
    let mut link = LinkInfo {
        dst: [0; 6],
        src: [0; 6],
        vlans: [None, None],
    };
    link.dst.copy_from_slice(&frame[0..6]);
    link.src.copy_from_slice(&frame[6..12]);
    let mut off = 12;
    let mut ethertype = u16::from_be_bytes([frame[12], frame[13]]);
    for slot in 0..2 {
        if ethertype != ETHERTYPE_VLAN && ethertype != ETHERTYPE_QINQ {
            break;
        }
        if frame.len() < off + 6 {
            return Err(trunc(off + 6));
        }
        link.vlans[slot] = Some(u16::from_be_bytes([frame[off + 2], frame[off + 3]]) & 0x0fff);
        off += 4;
        ethertype = u16::from_be_bytes([frame[off], frame[off + 1]]);
    }
    Ok((link, ethertype, &frame[off + 2..]))
}

/// Decodes an Ethernet frame carrying a VRRP advertisement over IPv4 or IPv6.
pub fn decode_ethernet(frame: &[u8]) -> Result<Packet, DecodeError> {
    let (link, ethertype, payload) = split_ethernet(frame)?;
    let mut packet = match ethertype {
        ETHERTYPE_IPV4 => decode_ipv4_inner(payload, false)?,
        ETHERTYPE_IPV6 => decode_ipv6(payload)?,
        ethertype => return Err(DecodeError::NotIp { ethertype }),
    };
    packet.link = Some(link);
    Ok(packet)
}

fn check_encodable(advert: &Advert, src: IpAddr, dst: IpAddr) -> Result<bool, EncodeError> {
    let ipv6 = match (src, dst) {
        (IpAddr::V4(_), IpAddr::V4(_)) => false,
        (IpAddr::V6(_), IpAddr::V6(_)) => true,
        _ => return Err(EncodeError::FamilyMismatch),
    };
    if advert.addresses.iter().any(|a| a.is_ipv6() != ipv6) {
        return Err(EncodeError::FamilyMismatch);
    }
    if advert.addresses.len() > 255 {
        return Err(EncodeError::TooManyAddresses(advert.addresses.len()));
    }
    match advert.version {
        Version::V2 => {
            if ipv6 {
                return Err(EncodeError::V2OverIpv6);
            }
            if advert.interval_cs % 100 != 0 || advert.interval_cs > 25500 {
                return Err(EncodeError::V2Interval(advert.interval_cs));
            }
        }
        Version::V3 => {
            if advert.interval_cs > 0x0fff {
                return Err(EncodeError::V3Interval(advert.interval_cs));
            }
            if advert.auth != Auth::None {
                return Err(EncodeError::AuthOnV3);
            }
        }
    }
    Ok(ipv6)
}

/// The VRRP message with its checksum zero.
fn build_message(advert: &Advert, ipv6: bool) -> Vec<u8> {
    let mut m = Vec::with_capacity(message_len(advert.version, ipv6, advert.addresses.len()));
    m.push(advert.version.number() << 4 | TYPE_ADVERTISEMENT);
    m.push(advert.vrid);
    m.push(advert.priority);
    m.push(advert.addresses.len() as u8);
    match advert.version {
        Version::V2 => {
            m.push(advert.auth.code());
            m.push((advert.interval_cs / 100) as u8);
        }
        Version::V3 => m.extend_from_slice(&(advert.interval_cs & 0x0fff).to_be_bytes()),
    }
    m.extend_from_slice(&[0, 0]);
    for a in &advert.addresses {
        match a {
            IpAddr::V4(a) => m.extend_from_slice(&a.octets()),
            IpAddr::V6(a) => m.extend_from_slice(&a.octets()),
        }
    }
    if advert.version == Version::V2 {
        // keepalived copies the password for type 1 only; otherwise the bytes stay zero.
        match advert.auth {
            Auth::Pass(data) => m.extend_from_slice(&data),
            _ => m.extend_from_slice(&[0; AUTH_LEN]),
        }
    }
    m
}

/// Encodes the VRRP message of an advertisement from `src` to `dst`, checksum included as
/// keepalived (IPv4) or the kernel (IPv6, where keepalived leaves 0 and the socket's
/// `IPV6_CHECKSUM` fills it in) computes it.
pub fn encode_vrrp(
    advert: &Advert,
    src: IpAddr,
    dst: IpAddr,
    opts: &EncodeOptions,
) -> Result<Vec<u8>, EncodeError> {
    let ipv6 = check_encodable(advert, src, dst)?;
    let mut m = build_message(advert, ipv6);
    let sum = match (src, dst) {
        (IpAddr::V6(s), IpAddr::V6(d)) => ipv6_checksum(s, d, PROTO_VRRP, &m),
        (IpAddr::V4(s), IpAddr::V4(d)) => match advert.version {
            Version::V2 => csum::checksum(&[&m]),
            Version::V3 if opts.v3_checksum_as_v2 => csum::checksum(&[&m]),
            Version::V3 => {
                let pd = if opts.old_unicast_checksum {
                    opts.mcast_group4.unwrap_or(MCAST_GROUP4)
                } else {
                    d
                };
                v3_ipv4_checksum(&m, s, pd)
            }
        },
        _ => return Err(EncodeError::FamilyMismatch),
    };
    m[6..8].copy_from_slice(&sum.to_be_bytes());
    Ok(m)
}

fn ipv4_header(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ip: &Ipv4Params,
    protocol: u8,
    total: usize,
) -> [u8; 20] {
    let mut h = [0u8; 20];
    h[0] = 0x45;
    h[1] = TOS;
    h[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    h[4..6].copy_from_slice(&ip.id.to_be_bytes());
    // Flags and fragment offset: 0 (keepalived does not set DF).
    h[8] = ip.ttl;
    h[9] = protocol;
    h[12..16].copy_from_slice(&src.octets());
    h[16..20].copy_from_slice(&dst.octets());
    h
}

fn fill_ipv4_checksum(packet: &mut [u8]) {
    let c = csum::checksum(&[&packet[..IPV4_HEADER_LEN]]);
    packet[10..12].copy_from_slice(&c.to_be_bytes());
}

/// Gives a packet of [`encode_ipv4`] another identification, header checksum included:
/// the bytes `encode_ipv4` would give with `id`. A MASTER's adverts differ in nothing else,
/// so the daemon encodes once and renumbers. False (and nothing changed) for a buffer too
/// short to hold an IPv4 header.
#[inline]
pub fn set_ipv4_id(packet: &mut [u8], id: u16) -> bool {
    if packet.len() < IPV4_HEADER_LEN {
        return false;
    }
    packet[4..6].copy_from_slice(&id.to_be_bytes());
    packet[10..12].copy_from_slice(&[0, 0]);
    // csum::checksum's sum, by whole words: the header has an even length.
    let mut sum: u32 = packet[..IPV4_HEADER_LEN]
        .chunks_exact(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    packet[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
    true
}

/// Encodes a whole IPv4 packet as keepalived sends it through its `IP_HDRINCL` raw socket,
/// with the header checksum the kernel fills in.
pub fn encode_ipv4(
    advert: &Advert,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ip: &Ipv4Params,
    opts: &EncodeOptions,
) -> Result<Vec<u8>, EncodeError> {
    if advert.auth == Auth::Ah {
        return Err(EncodeError::AhNeedsKey);
    }
    let msg = encode_vrrp(advert, src.into(), dst.into(), opts)?;
    let mut p = Vec::with_capacity(IPV4_HEADER_LEN + msg.len());
    p.extend_from_slice(&ipv4_header(
        src,
        dst,
        ip,
        PROTO_VRRP,
        IPV4_HEADER_LEN + msg.len(),
    ));
    p.extend_from_slice(&msg);
    fill_ipv4_checksum(&mut p);
    Ok(p)
}

/// Encodes a whole IPv4 packet with IPsec AH authentication (version 2, auth type 2) as
/// keepalived sends it: AH next header 112, payload length 4, SPI = the source address,
/// sequence number `seq`, ICV = the first 96 bits of HMAC-MD5 keyed with the 8-byte
/// zero-padded `auth_pass`, over the IP header with TOS, fragment field and checksum zero
/// (and TTL zero when `unicast`), the AH header with a zero ICV, and the VRRP message
/// (`vrrp_update_pkt`, `hmac_md5`).
pub fn encode_ipv4_ah(
    advert: &Advert,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ip: &Ipv4Params,
    key: &[u8; 8],
    seq: u32,
    unicast: bool,
) -> Result<Vec<u8>, EncodeError> {
    let mut plain = advert.clone();
    plain.auth = Auth::Ah;
    if plain.version != Version::V2 {
        return Err(EncodeError::AuthOnV3);
    }
    let msg = encode_vrrp(&plain, src.into(), dst.into(), &EncodeOptions::default())?;
    let total = IPV4_HEADER_LEN + AH_LEN + msg.len();
    let mut p = Vec::with_capacity(total);
    p.extend_from_slice(&ipv4_header(src, dst, ip, PROTO_AH, total));
    p.extend_from_slice(&[PROTO_VRRP, 4, 0, 0]);
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&[0; 12]);
    p.extend_from_slice(&msg);
    let icv = ah_icv(&p, key, unicast);
    p[IPV4_HEADER_LEN + 12..IPV4_HEADER_LEN + AH_LEN].copy_from_slice(&icv);
    fill_ipv4_checksum(&mut p);
    Ok(p)
}

/// keepalived's AH integrity check value for a packet built as [`encode_ipv4_ah`] does
/// (IPv4 header of 20 bytes, then a 24-byte AH header); the mutable fields and the ICV are
/// zeroed here, so a received packet can be passed as is.
fn ah_icv(packet: &[u8], key: &[u8; 8], unicast: bool) -> [u8; 12] {
    let mut data = packet.to_vec();
    let hlen = usize::from(data[0] & 0x0f) * 4;
    data[1] = 0; // TOS
    data[6] = 0; // flags, fragment offset
    data[7] = 0;
    if unicast {
        data[8] = 0; // TTL
    }
    data[10] = 0; // header checksum
    data[11] = 0;
    data[hlen + 12..hlen + AH_LEN].fill(0);
    let digest = hmac_md5(key, &data);
    let mut icv = [0u8; 12];
    icv.copy_from_slice(&digest[..12]);
    icv
}

fn hmac_md5(key: &[u8], data: &[u8]) -> [u8; 16] {
    use md5::{Digest, Md5};
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..16].copy_from_slice(&Md5::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Md5::new().chain_update(&ipad).chain_update(data).finalize();
    Md5::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// Checks the AH integrity check value of a whole IPv4 packet (as [`decode_ipv4`] accepts
/// it) with keepalived's `auth_pass` key; `unicast` as the receiving instance is configured
/// (keepalived then zeroes the TTL too). Err when the bytes are not an AH VRRP packet.
pub fn verify_ah(packet: &[u8], key: &[u8; 8], unicast: bool) -> Result<bool, DecodeError> {
    let decoded = decode_ipv4(packet)?;
    let ah = decoded.ah.ok_or(DecodeError::NotVrrp {
        protocol: PROTO_VRRP,
    })?;
    if ah.payload_len != 4 {
        return Err(DecodeError::AhLength(ah.payload_len));
    }
    Ok(ah_icv(packet, key, unicast)[..] == ah.icv[..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(d: u8) -> Ipv4Addr {
        Ipv4Addr::new(192, 0, 2, d)
    }

    fn v6(d: u16) -> Ipv6Addr {
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, d)
    }

    fn advert(version: Version, auth: Auth, addresses: Vec<IpAddr>) -> Advert {
        Advert {
            version,
            vrid: 7,
            priority: 150,
            interval_cs: if version == Version::V2 { 300 } else { 5 },
            auth,
            addresses,
        }
    }

    fn a4() -> Vec<IpAddr> {
        vec![v4(100).into(), v4(101).into(), v4(102).into()]
    }

    fn a6() -> Vec<IpAddr> {
        vec![v6(0x100).into()]
    }

    fn packet(a: &Advert, src: Ipv4Addr, dst: Ipv4Addr, opts: &EncodeOptions) -> Vec<u8> {
        encode_ipv4(a, src, dst, &Ipv4Params::default(), opts).unwrap()
    }

    #[test]
    fn round_trips() {
        let cases = [
            advert(Version::V2, Auth::None, a4()),
            advert(Version::V2, Auth::pass(b"abc"), a4()),
            advert(Version::V2, Auth::Other(9), vec![]),
            advert(Version::V3, Auth::None, a4()),
        ];
        for a in &cases {
            let p = packet(a, v4(1), MCAST_GROUP4, &Default::default());
            assert_eq!(
                p.len(),
                20 + message_len(a.version, false, a.addresses.len())
            );
            let d = decode_ipv4(&p).unwrap();
            assert_eq!(&d.received.advert, a);
            assert!(d.received.checksum_ok && d.checksums.rfc);
            assert_eq!(d.received.ttl, 255);
            assert_eq!(
                d.ip,
                Some(IpInfo::V4 {
                    tos: 0xc0,
                    id: 1,
                    flags_fragment: 0,
                    options_len: 0,
                    header_checksum_ok: true
                })
            );
        }
        let a = advert(Version::V3, Auth::None, a6());
        let m = encode_vrrp(&a, v6(1).into(), MCAST_GROUP6.into(), &Default::default()).unwrap();
        assert_eq!(m.len(), 8 + 16);
        let d = decode_payload(&m, v6(1).into(), MCAST_GROUP6.into(), 255).unwrap();
        assert_eq!(d.received.advert, a);
        assert!(d.received.checksum_ok && d.ip.is_none());
    }

    #[test]
    fn v2_bytes() {
        // RFC 3768 layout: ver/type 0x21, vrid, prio, count, auth type, interval, checksum,
        // addresses, 8 bytes of authentication data.
        let a = advert(Version::V2, Auth::pass(b"pw"), vec![v4(9).into()]);
        let m = encode_vrrp(&a, v4(1).into(), MCAST_GROUP4.into(), &Default::default()).unwrap();
        assert_eq!(&m[..6], &[0x21, 7, 150, 1, 1, 3]);
        assert_eq!(&m[8..12], &[192, 0, 2, 9]);
        assert_eq!(&m[12..], b"pw\0\0\0\0\0\0");
        assert_eq!(csum::checksum(&[&m]), 0);
        // Other auth types carry zero data.
        let a = advert(Version::V2, Auth::None, vec![]);
        let m = encode_vrrp(&a, v4(1).into(), MCAST_GROUP4.into(), &Default::default()).unwrap();
        assert_eq!(&m[8..], &[0; 8]);
    }

    #[test]
    fn v3_bytes_and_reserved_bits() {
        let mut a = advert(Version::V3, Auth::None, vec![v4(9).into()]);
        a.interval_cs = 4095;
        let mut p = packet(&a, v4(1), MCAST_GROUP4, &Default::default());
        assert_eq!(&p[20..26], &[0x31, 7, 150, 1, 0x0f, 0xff]);
        // The 4 reserved bits are ignored on receive (but count in the checksum).
        p[24] |= 0xf0;
        let d = decode_ipv4(&p).unwrap();
        assert_eq!(d.received.advert.interval_cs, 4095);
        assert!(!d.received.checksum_ok);
    }

    #[test]
    fn checksum_variants_v3_ipv4() {
        let a = advert(Version::V3, Auth::None, a4());
        let (s, peer) = (v4(1), v4(2));
        let both = |c: ChecksumMatch| (c.rfc, c.old_unicast, c.as_v2);
        let dec = |p: &[u8]| decode_ipv4(p).unwrap();

        // Multicast: the real destination is the group, so rfc and old agree.
        let d = dec(&packet(&a, s, MCAST_GROUP4, &Default::default()));
        assert_eq!(both(d.checksums), (true, true, false));
        assert_eq!(d.checksums.variant(), Some(ChecksumVariant::Rfc));

        // Unicast, default.
        let d = dec(&packet(&a, s, peer, &Default::default()));
        assert_eq!(both(d.checksums), (true, false, false));
        assert!(d.received.checksum_ok);

        // Unicast, old_unicast_checksum: accepted by a 2.2.7 default instance (auto mode).
        let old = EncodeOptions {
            old_unicast_checksum: true,
            ..Default::default()
        };
        let d = dec(&packet(&a, s, peer, &old));
        assert_eq!(both(d.checksums), (false, true, false));
        assert!(d.received.checksum_ok);
        assert_eq!(d.checksums.variant(), Some(ChecksumVariant::OldUnicast));

        // old_unicast_checksum with another vrrp_mcast_group4.
        let group = Ipv4Addr::new(224, 0, 0, 99);
        let custom = EncodeOptions {
            old_unicast_checksum: true,
            mcast_group4: Some(group),
            ..Default::default()
        };
        let p = packet(&a, s, peer, &custom);
        let d = dec(&p);
        assert_eq!(both(d.checksums), (false, false, false));
        assert_eq!(v3_ipv4_checksum(&p[20..], s, group), 0);

        // v3_checksum_as_v2: no pseudo-header; not what 2.2.7 accepts.
        let as_v2 = EncodeOptions {
            v3_checksum_as_v2: true,
            ..Default::default()
        };
        let p = packet(&a, s, peer, &as_v2);
        let d = dec(&p);
        assert_eq!(both(d.checksums), (false, false, true));
        assert!(!d.received.checksum_ok);
        assert_eq!(d.checksums.variant(), Some(ChecksumVariant::AsV2));
        assert_eq!(csum::checksum(&[&p[20..]]), 0);
        // as_v2 wins over old_unicast when both are set.
        let both_set = EncodeOptions {
            v3_checksum_as_v2: true,
            old_unicast_checksum: true,
            ..Default::default()
        };
        assert_eq!(packet(&a, s, peer, &both_set), p);

        // Corrupted.
        let mut p = packet(&a, s, peer, &Default::default());
        p[27] ^= 0x01;
        let d = dec(&p);
        assert_eq!(both(d.checksums), (false, false, false));
        assert!(!d.received.checksum_ok && d.checksums.variant().is_none());
    }

    #[test]
    fn checksum_v2_ignores_options() {
        // Version 2 has no pseudo-header: the same message bytes to any destination, and
        // the options change nothing.
        let a = advert(Version::V2, Auth::pass(b"x"), a4());
        let opts = EncodeOptions {
            v3_checksum_as_v2: true,
            old_unicast_checksum: true,
            mcast_group4: None,
        };
        let m1 = encode_vrrp(&a, v4(1).into(), v4(2).into(), &opts).unwrap();
        let m2 = encode_vrrp(&a, v4(3).into(), MCAST_GROUP4.into(), &Default::default()).unwrap();
        assert_eq!(m1, m2);
        let d = decode_payload(&m1, v4(1).into(), v4(2).into(), 255).unwrap();
        assert_eq!(
            (d.checksums.rfc, d.checksums.old_unicast, d.checksums.as_v2),
            (true, false, false)
        );
        let mut bad = m1.clone();
        bad[19] ^= 0x80;
        assert!(
            !decode_payload(&bad, v4(1).into(), v4(2).into(), 255)
                .unwrap()
                .received
                .checksum_ok
        );
    }

    #[test]
    fn checksum_ipv6_uses_pseudo_header() {
        let a = advert(Version::V3, Auth::None, a6());
        let (s, d) = (IpAddr::V6(v6(1)), IpAddr::V6(MCAST_GROUP6));
        let m = encode_vrrp(&a, s, d, &Default::default()).unwrap();
        assert!(decode_payload(&m, s, d, 255).unwrap().received.checksum_ok);
        // Another destination makes it wrong: the pseudo-header counts.
        let other = IpAddr::V6(v6(2));
        assert!(
            !decode_payload(&m, s, other, 255)
                .unwrap()
                .received
                .checksum_ok
        );
        // The old/as-v2 options are IPv4-only.
        let opts = EncodeOptions {
            v3_checksum_as_v2: true,
            old_unicast_checksum: true,
            mcast_group4: None,
        };
        assert_eq!(encode_vrrp(&a, s, d, &opts).unwrap(), m);
    }

    #[test]
    fn renumbering_gives_the_bytes_of_encoding_afresh() {
        let opts = EncodeOptions::default();
        for (a, ttl) in [
            (advert(Version::V3, Auth::None, a4()), 255),
            (advert(Version::V2, Auth::pass(b"secret"), a4()), 64),
        ] {
            let encode = |id| encode_ipv4(&a, v4(1), v4(2), &Ipv4Params { id, ttl }, &opts);
            let mut p = encode(1).unwrap();
            for id in [2, 0x1234, 0xffff, 0x8000, 1] {
                assert!(set_ipv4_id(&mut p, id));
                assert_eq!(p, encode(id).unwrap(), "id {id}");
            }
        }
        let mut short = [0u8; 19];
        assert!(!set_ipv4_id(&mut short, 5));
        assert_eq!(short, [0u8; 19]);
    }

    #[test]
    fn ipv4_header() {
        let a = advert(Version::V3, Auth::None, vec![v4(100).into()]);
        let p = encode_ipv4(
            &a,
            v4(1),
            v4(2),
            &Ipv4Params { id: 0x1234, ttl: 9 },
            &Default::default(),
        )
        .unwrap();
        assert_eq!(&p[..10], &[0x45, 0xc0, 0, 32, 0x12, 0x34, 0, 0, 9, 112]);
        assert_eq!(csum::checksum(&[&p[..20]]), 0);
        assert_eq!(next_ip_id(1), 2);
        assert_eq!(next_ip_id(65535), 1);
        // Options are skipped.
        let mut o = p[..20].to_vec();
        o[0] = 0x46;
        o[3] += 4;
        o.extend_from_slice(&[1, 1, 1, 0]); // NOP NOP NOP EOL
        o.extend_from_slice(&p[20..]);
        o[10] = 0;
        o[11] = 0;
        let c = csum::checksum(&[&o[..24]]);
        o[10..12].copy_from_slice(&c.to_be_bytes());
        let d = decode_ipv4(&o).unwrap();
        assert_eq!(d.received.advert, a);
        assert!(matches!(
            d.ip,
            Some(IpInfo::V4 {
                options_len: 4,
                header_checksum_ok: true,
                ..
            })
        ));
    }

    #[test]
    fn ah_round_trip() {
        let a = advert(Version::V2, Auth::Ah, a4());
        let key = *b"k\0\0\0\0\0\0\0";
        let p = encode_ipv4_ah(
            &a,
            v4(1),
            MCAST_GROUP4,
            &Ipv4Params::default(),
            &key,
            7,
            false,
        )
        .unwrap();
        assert_eq!(p.len(), 20 + 24 + 8 + 12 + 8);
        assert_eq!(p[9], PROTO_AH);
        let d = decode_ipv4(&p).unwrap();
        assert_eq!(d.received.advert, a);
        assert!(d.received.checksum_ok);
        let ah = d.ah.unwrap();
        assert_eq!((ah.spi, ah.seq), (u32::from(v4(1)), 7));
        assert!(verify_ah(&p, &key, false).unwrap());
        // A unicast receiver zeroes the TTL too: a different ICV.
        assert!(!verify_ah(&p, &key, true).unwrap());
        let u = encode_ipv4_ah(&a, v4(1), v4(2), &Ipv4Params::default(), &key, 7, true).unwrap();
        assert!(verify_ah(&u, &key, true).unwrap());
        // The TTL is excluded for unicast, so a router decrementing it changes nothing.
        let mut hop = u.clone();
        hop[8] = 254;
        assert!(verify_ah(&hop, &key, true).unwrap());
        // Errors.
        assert_eq!(
            encode_ipv4(
                &a,
                v4(1),
                v4(2),
                &Ipv4Params::default(),
                &Default::default()
            ),
            Err(EncodeError::AhNeedsKey)
        );
        let v3 = advert(Version::V3, Auth::None, a4());
        assert_eq!(
            encode_ipv4_ah(&v3, v4(1), v4(2), &Ipv4Params::default(), &key, 1, false),
            Err(EncodeError::AuthOnV3)
        );
        let plain = packet(
            &advert(Version::V2, Auth::None, a4()),
            v4(1),
            v4(2),
            &Default::default(),
        );
        assert!(verify_ah(&plain, &key, false).is_err());
        // keepalived's HMAC-MD5 is RFC 2104's: RFC 2202 test case 2.
        assert_eq!(
            hmac_md5(b"Jefe", b"what do ya want for nothing?"),
            [
                0x75, 0x0c, 0x78, 0x3e, 0x6a, 0xb0, 0xb5, 0x03, 0xea, 0xa8, 0x6e, 0x31, 0x0a, 0x5d,
                0xb7, 0x38
            ]
        );
        // Keys longer than the block are hashed first (RFC 2202 test case 6).
        assert_eq!(
            hmac_md5(
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            [
                0x6b, 0x1a, 0xb7, 0xfe, 0x4b, 0xd7, 0xbf, 0x8f, 0x0b, 0x62, 0xe6, 0xce, 0x61, 0xb9,
                0xd0, 0xcd
            ]
        );
    }

    #[test]
    fn unknown_auth_types() {
        let mut p = packet(
            &advert(Version::V2, Auth::None, a4()),
            v4(1),
            MCAST_GROUP4,
            &Default::default(),
        );
        p[24] = 200;
        let d = decode_ipv4(&p).unwrap();
        assert_eq!(d.received.advert.auth, Auth::Other(200));
        assert!(!d.received.checksum_ok);
        assert_eq!(Auth::Other(200).code(), 200);
        assert_eq!(Auth::pass(b"0123456789"), Auth::Pass(*b"01234567"));
    }

    fn eth(ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![1, 0, 0x5e, 0, 0, 0x12, 2, 0, 0, 0, 0, 1];
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    fn ipv6_packet(next: u8, payload: &[u8], hop: u8) -> Vec<u8> {
        let mut p = vec![0x6c, 0x00, 0x00, 0x05];
        p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        p.push(next);
        p.push(hop);
        p.extend_from_slice(&v6(1).octets());
        p.extend_from_slice(&MCAST_GROUP6.octets());
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn ethernet_vlan_padding_and_ipv6() {
        let a = advert(Version::V3, Auth::None, vec![v4(100).into()]);
        let p = packet(&a, v4(1), MCAST_GROUP4, &Default::default());
        // Padded to the 60-byte Ethernet minimum and tagged twice.
        let mut f = eth(
            ETHERTYPE_QINQ,
            &[0x00, 0x64, 0x81, 0x00, 0x20, 0x05, 0x08, 0x00],
        );
        f.extend_from_slice(&p);
        f.resize(70, 0);
        let d = decode_ethernet(&f).unwrap();
        assert_eq!(d.received.advert, a);
        assert_eq!(d.link.unwrap().vlans, [Some(100), Some(5)]);
        // The raw-socket entry point is strict about the length.
        let mut long = p.clone();
        long.push(0);
        assert_eq!(
            decode_ipv4(&long),
            Err(DecodeError::IpLength {
                field: 32,
                have: 33
            })
        );
        assert!(decode_ip(&long).is_ok());

        let a6 = advert(Version::V3, Auth::None, a6());
        let m = encode_vrrp(&a6, v6(1).into(), MCAST_GROUP6.into(), &Default::default()).unwrap();
        let ip = ipv6_packet(PROTO_VRRP, &m, 255);
        let d = decode_ethernet(&eth(ETHERTYPE_IPV6, &ip)).unwrap();
        assert_eq!(d.received.advert, a6);
        assert!(d.received.checksum_ok);
        assert_eq!(
            d.ip,
            Some(IpInfo::V6 {
                traffic_class: 0xc0,
                flow_label: 5
            })
        );
        // A hop-by-hop header in front.
        let mut hbh = vec![PROTO_VRRP, 0, 1, 4, 0, 0, 0, 0];
        hbh.extend_from_slice(&m);
        let d = decode_ipv6(&ipv6_packet(0, &hbh, 255)).unwrap();
        assert_eq!(d.received.advert, a6);
    }

    #[test]
    fn decode_errors() {
        let a = advert(Version::V2, Auth::None, a4());
        let p = packet(&a, v4(1), MCAST_GROUP4, &Default::default());
        let set = |i: usize, v: u8| {
            let mut q = p.clone();
            q[i] = v;
            q
        };
        let t = |layer, need, have| DecodeError::Truncated { layer, need, have };
        assert_eq!(decode_ipv4(&p[..19]), Err(t(Layer::Ipv4, 20, 19)));
        assert_eq!(decode_ipv4(&set(0, 0x65)), Err(DecodeError::IpVersion(6)));
        assert_eq!(
            decode_ipv4(&set(0, 0x44)),
            Err(DecodeError::IpHeaderLength(4))
        );
        assert_eq!(decode_ipv4(&set(0, 0x4f)), Err(t(Layer::Ipv4, 60, p.len())));
        assert_eq!(
            decode_ipv4(&p[..p.len() - 1]),
            Err(DecodeError::IpLength {
                field: p.len(),
                have: p.len() - 1
            })
        );
        assert_eq!(
            decode_ipv4(&set(3, 10)),
            Err(DecodeError::IpLength {
                field: 10,
                have: p.len()
            })
        );
        assert_eq!(decode_ipv4(&set(6, 0x20)), Err(DecodeError::Fragment));
        assert_eq!(decode_ipv4(&set(7, 0x01)), Err(DecodeError::Fragment));
        // DF alone is fine.
        assert!(decode_ipv4(&set(6, 0x40)).is_ok());
        assert_eq!(
            decode_ipv4(&set(9, 6)),
            Err(DecodeError::NotVrrp { protocol: 6 })
        );
        assert_eq!(decode_ipv4(&set(20, 0x41)), Err(DecodeError::Version(4)));
        assert_eq!(decode_ipv4(&set(20, 0x11)), Err(DecodeError::Version(1)));
        assert_eq!(decode_ipv4(&set(20, 0x22)), Err(DecodeError::Type(2)));
        assert_eq!(
            decode_ipv4(&set(23, 4)),
            Err(DecodeError::Length {
                count: 4,
                expected: 32,
                have: 28
            })
        );
        // A v2 message read as v3 has 8 bytes too many.
        assert_eq!(
            decode_ipv4(&set(20, 0x31)),
            Err(DecodeError::Length {
                count: 3,
                expected: 20,
                have: 28
            })
        );
        let m = &p[20..];
        assert_eq!(
            decode_payload(&m[..7], v4(1).into(), v4(2).into(), 255),
            Err(t(Layer::Vrrp, 8, 7))
        );
        assert_eq!(
            decode_payload(m, v4(1).into(), v6(2).into(), 255),
            Err(DecodeError::FamilyMismatch)
        );
        let v2over6 = {
            let mut q = m[..8].to_vec();
            q[3] = 0;
            q
        };
        assert_eq!(
            decode_payload(&v2over6, v6(1).into(), v6(2).into(), 255),
            Err(DecodeError::V2OverIpv6)
        );

        // AH.
        let ah = encode_ipv4_ah(
            &advert(Version::V2, Auth::Ah, a4()),
            v4(1),
            v4(2),
            &Ipv4Params::default(),
            &[0; 8],
            1,
            false,
        )
        .unwrap();
        let mut q = ah.clone();
        q[20] = 6;
        assert_eq!(decode_ipv4(&q), Err(DecodeError::AhNextHeader(6)));
        let mut q = ah.clone();
        q[21] = 0;
        assert_eq!(decode_ipv4(&q), Err(DecodeError::AhLength(0)));
        let mut q = ah.clone();
        q[21] = 200;
        assert_eq!(decode_ipv4(&q), Err(t(Layer::Ah, 808, ah.len() - 20)));
        let mut q = ah[..30].to_vec();
        q[2..4].copy_from_slice(&30u16.to_be_bytes());
        assert_eq!(decode_ipv4(&q), Err(t(Layer::Ah, 12, 10)));

        // Ethernet.
        assert_eq!(decode_ethernet(&[0; 13]), Err(t(Layer::Ethernet, 14, 13)));
        assert_eq!(
            decode_ethernet(&eth(0x0806, &[0; 28])),
            Err(DecodeError::NotIp { ethertype: 0x0806 })
        );
        assert_eq!(
            decode_ethernet(&eth(0x8100, &[0, 1])),
            Err(t(Layer::Ethernet, 18, 16))
        );
        assert_eq!(
            decode_ethernet(&eth(0x0800, &[0x60; 20])),
            Err(DecodeError::IpVersion(6))
        );

        // IPv6.
        let a6 = advert(Version::V3, Auth::None, a6());
        let m6 = encode_vrrp(&a6, v6(1).into(), MCAST_GROUP6.into(), &Default::default()).unwrap();
        let ip6 = ipv6_packet(PROTO_VRRP, &m6, 255);
        assert_eq!(decode_ipv6(&ip6[..39]), Err(t(Layer::Ipv6, 40, 39)));
        assert_eq!(
            decode_ipv6(&ip6[..50]),
            Err(DecodeError::IpLength {
                field: 24,
                have: 10
            })
        );
        let mut q = ip6.clone();
        q[0] = 0x40;
        assert_eq!(decode_ipv6(&q), Err(DecodeError::IpVersion(4)));
        assert_eq!(
            decode_ipv6(&ipv6_packet(44, &m6, 255)),
            Err(DecodeError::Fragment)
        );
        assert_eq!(
            decode_ipv6(&ipv6_packet(58, &m6, 255)),
            Err(DecodeError::NotVrrp { protocol: 58 })
        );
        assert_eq!(
            decode_ipv6(&ipv6_packet(60, &[112, 0, 0], 255)),
            Err(t(Layer::Ipv6, 8, 3))
        );
        assert_eq!(
            decode_ipv6(&ipv6_packet(60, &[112, 1, 0, 0, 0, 0, 0, 0], 255)),
            Err(t(Layer::Ipv6, 16, 8))
        );
        let mut q = m6.clone();
        q[0] = 0x21;
        assert_eq!(
            decode_ipv6(&ipv6_packet(112, &q, 255)),
            Err(DecodeError::V2OverIpv6)
        );
        assert_eq!(decode_ip(&[]), Err(t(Layer::Ipv4, 20, 0)));
        assert_eq!(decode_ip(&[0x50; 30]), Err(DecodeError::IpVersion(5)));

        for e in [
            t(Layer::Ah, 1, 0),
            DecodeError::NotIp { ethertype: 1 },
            DecodeError::Length {
                count: 1,
                expected: 2,
                have: 3,
            },
            DecodeError::FamilyMismatch,
        ] {
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn encode_errors() {
        let s4: IpAddr = v4(1).into();
        let s6: IpAddr = v6(1).into();
        let enc = |a: &Advert, s, d| encode_vrrp(a, s, d, &Default::default());
        let v3 = advert(Version::V3, Auth::None, a4());
        assert_eq!(enc(&v3, s4, s6), Err(EncodeError::FamilyMismatch));
        assert_eq!(enc(&v3, s6, s6), Err(EncodeError::FamilyMismatch));
        let mut many = v3.clone();
        many.addresses = vec![s4; 256];
        assert_eq!(enc(&many, s4, s4), Err(EncodeError::TooManyAddresses(256)));
        many.addresses.pop();
        assert_eq!(enc(&many, s4, s4).unwrap().len(), 8 + 4 * 255);
        let mut i = v3.clone();
        i.interval_cs = 4096;
        assert_eq!(enc(&i, s4, s4), Err(EncodeError::V3Interval(4096)));
        let mut au = v3.clone();
        au.auth = Auth::pass(b"x");
        assert_eq!(enc(&au, s4, s4), Err(EncodeError::AuthOnV3));
        let mut v2 = advert(Version::V2, Auth::None, a4());
        v2.interval_cs = 150;
        assert_eq!(enc(&v2, s4, s4), Err(EncodeError::V2Interval(150)));
        v2.interval_cs = 25600;
        assert_eq!(enc(&v2, s4, s4), Err(EncodeError::V2Interval(25600)));
        v2.interval_cs = 25500;
        assert!(enc(&v2, s4, s4).is_ok());
        let v2_6 = advert(Version::V2, Auth::None, a6());
        assert_eq!(enc(&v2_6, s6, s6), Err(EncodeError::V2OverIpv6));
        assert!(!EncodeError::V2OverIpv6.to_string().is_empty());
    }
}
