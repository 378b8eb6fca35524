//! Packets on the wire, as pure code: VRRP adverts (v2/v3, IPv4/IPv6) with their IP headers
//! and checksums, gratuitous ARP and unsolicited neighbour advertisements. Decoding never
//! panics on hostile bytes; encoding gives the bytes keepalived 2.2.7 sends.
//!
//! - [`vrrp`]: VRRP messages, the IPv4 packet keepalived builds, AH, checksum rules;
//! - [`arp`]: the gratuitous ARP frame keepalived sends at takeover;
//! - [`ndisc`]: the unsolicited neighbour advertisement frame (IPv6 VIPs);
//! - [`pcap`]: a small reader of classic pcap files (fixtures, `ha vrrp sniff -r`);
//! - [`pretty`]: the one-line text and JSON forms `ha vrrp sniff` prints;
//! - [`watch`]: the sniffer's analyzer (split brain, mismatched peers, priority 0);
//! - `fuzz`: all decoders at once with their round-trip invariants (fuzz target, tests).
//!
//! No sockets here: `crate::net` sends and receives these bytes.

pub mod arp;
pub mod csum;
#[doc(hidden)]
pub mod fuzz;
pub mod ndisc;
pub mod pcap;
pub mod pretty;
pub mod vrrp;
pub mod watch;
