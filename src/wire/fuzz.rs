//! Every decoder of this module on the same arbitrary bytes, with the invariants that tie
//! decoding and encoding together. Shared by the cargo-fuzz target `vrrp_decode` and the
//! robustness tests; it panics when an invariant breaks, never otherwise.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{arp, ndisc, pcap, pretty, vrrp};

/// Runs all decoders on `data` (and on `data[1..]` as a bare VRRP message, the first byte
/// choosing the address family), checking that whatever decodes re-encodes to bytes that
/// decode to the same values.
pub fn decode_all(data: &[u8]) {
    if let Ok(p) = vrrp::decode_ipv4(data) {
        check_packet(&p);
        // encode_ipv4 refuses auth type 2 (it needs the key): keepalived always puts an AH
        // header in front of such a message, but the bytes may lack it.
        if p.ah.is_none() && p.received.advert.auth != vrrp::Auth::Ah {
            if let (IpAddr::V4(s), IpAddr::V4(d), Some(vrrp::IpInfo::V4 { id, .. })) =
                (p.received.src, p.received.dst, p.ip)
            {
                let params = vrrp::Ipv4Params {
                    id,
                    ttl: p.received.ttl,
                };
                let again =
                    vrrp::encode_ipv4(&p.received.advert, s, d, &params, &Default::default())
                        .expect("a decoded advert encodes");
                let q = vrrp::decode_ipv4(&again).expect("an encoded packet decodes");
                assert_eq!(q.received.advert, p.received.advert);
                assert!(q.received.checksum_ok);
            }
        }
    }
    for r in [
        vrrp::decode_ethernet(data),
        vrrp::decode_ip(data),
        vrrp::decode_ipv6(data),
    ] {
        match r {
            Ok(p) => check_packet(&p),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
    if let Some((&sel, msg)) = data.split_first() {
        let (src, dst): (IpAddr, IpAddr) = if sel & 1 == 0 {
            (
                Ipv4Addr::new(192, 0, 2, 1).into(),
                vrrp::MCAST_GROUP4.into(),
            )
        } else {
            (
                Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1).into(),
                vrrp::MCAST_GROUP6.into(),
            )
        };
        if let Ok(p) = vrrp::decode_payload(msg, src, dst, sel) {
            check_packet(&p);
        }
    }
    match arp::decode(data) {
        Ok(a) => assert_eq!(arp::decode(&arp::encode(&a)), Ok(a)),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    match ndisc::decode(data) {
        Ok(n) => {
            let mut want = n;
            want.checksum_ok = true;
            assert_eq!(ndisc::decode(&ndisc::encode(&n)), Ok(want));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    if let Ok(cap) = pcap::parse(data) {
        for rec in &cap.records {
            if let Ok(p) = pcap::decode_vrrp(cap.linktype, &rec.data) {
                check_packet(&p);
            }
        }
    }
}

fn check_packet(p: &vrrp::Packet) {
    let r = &p.received;
    let m = vrrp::encode_vrrp(&r.advert, r.src, r.dst, &Default::default())
        .expect("a decoded advert encodes");
    let q = vrrp::decode_payload(&m, r.src, r.dst, r.ttl).expect("an encoded message decodes");
    assert_eq!(q.received.advert, r.advert);
    assert!(q.received.checksum_ok);
    let t = std::time::UNIX_EPOCH;
    assert!(!pretty::line(t, r).is_empty());
    assert!(!pretty::json(t, r).to_string().is_empty());
}

#[cfg(test)]
mod tests {
    /// Inputs the fuzzer found; each once broke an invariant of [`super::decode_all`].
    #[test]
    fn fuzz_regressions() {
        // VRRPv2 auth type 2 (AH) without an AH header.
        let ah_without_header = [
            0x45, 0xc0, 0x00, 0x2c, 0x00, 0x04, 0x00, 0x00, 0xff, 0x70, 0xa5, 0xd5, 0x0a, 0x63,
            0x00, 0x02, 0x0a, 0x63, 0x00, 0x01, 0x21, 0x33, 0x02, 0x02, 0x02, 0x3a, 0x11, 0x64,
            0x0a, 0x63, 0x00, 0x00, 0x00, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00,
        ];
        super::decode_all(&ah_without_header);
    }
}
