//! VRRP advertisements: RFC 3768 (version 2) and RFC 5798 (version 3).

use std::net::IpAddr;

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
