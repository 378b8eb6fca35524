//! The packet decoders on arbitrary bytes: `ha::wire::vrrp::decode_ipv4` (IPv4 raw socket),
//! `decode_payload` (IPv6 raw socket), `decode_ethernet` (sniffing), plus `decode_ip`,
//! `decode_ipv6`, the ARP and neighbour advertisement decoders and the pcap reader. None may
//! panic; whatever decodes must encode again to bytes that decode to the same values
//! (`ha::wire::fuzz::decode_all` asserts it).
//!
//! Run: `cargo +nightly fuzz run vrrp_decode` (seed it with the fixture frames, e.g.
//! `fuzz/corpus/vrrp_decode`, for a fast start).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ha::wire::fuzz::decode_all(data);
});
