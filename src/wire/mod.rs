//! Packets on the wire, as pure code: VRRP adverts (v2/v3, IPv4/IPv6) with their IP headers
//! and checksums, gratuitous ARP and unsolicited neighbour advertisements. Decoding never
//! panics on hostile bytes; encoding gives the bytes keepalived 2.2.7 sends.

pub mod vrrp;
