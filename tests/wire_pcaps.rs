//! The packet codecs against captures of Debian's keepalived 2.2.7 (tests/data/pcaps, see
//! its README.md): every frame decodes to the fields keepalived was configured with, and
//! encoding the decoded values gives the captured bytes back.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use ha::wire::vrrp::{
    self, Advert, Auth, EncodeOptions, IpInfo, Ipv4Params, Packet, Version, MCAST_GROUP4,
    MCAST_GROUP6,
};
use ha::wire::{arp, ndisc, pcap};

const N1_MAC: [u8; 6] = [0x02, 0x99, 0, 0, 0, 1];
const N2_MAC: [u8; 6] = [0x02, 0x99, 0, 0, 0, 2];

fn n(i: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 99, 0, i)
}

fn ll(i: u16) -> Ipv6Addr {
    Ipv6Addr::new(0xfe80, 0, 0, 0, 0x99, 0xff, 0xfe00, i)
}

fn fd(i: u16) -> Ipv6Addr {
    Ipv6Addr::new(0xfd00, 0x99, 0, 0, 0, 0, 0, i)
}

/// What one capture holds, frame by frame, after each was checked.
#[derive(Default, Debug)]
struct Seen {
    adverts: Vec<Packet>,
    garps: Vec<arp::ArpFrame>,
    nas: Vec<ndisc::NaFrame>,
    other: usize,
}

impl Seen {
    /// (source, priority) -> count
    fn priorities(&self) -> BTreeMap<(IpAddr, u8), usize> {
        let mut m = BTreeMap::new();
        for p in &self.adverts {
            *m.entry((p.received.src, p.received.advert.priority))
                .or_insert(0) += 1;
        }
        m
    }
}

/// Reads a capture; decodes and re-encodes every frame, asserting the bytes round-trip.
/// `reencode` tells how the VRRP checksum of the capture was made.
fn load(name: &str, opts: EncodeOptions, ah_key: Option<&[u8; 8]>) -> Seen {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/pcaps")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cap = pcap::parse(&bytes).unwrap();
    assert_eq!(cap.linktype, pcap::LINKTYPE_ETHERNET);
    assert!(!cap.records.is_empty(), "{name} is empty");
    let mut seen = Seen::default();
    for (i, rec) in cap.records.iter().enumerate() {
        let frame = &rec.data[..];
        let ctx = format!("{name} frame {}", i + 1);
        let ethertype = u16::from_be_bytes([frame[12], frame[13]]);
        if ethertype == vrrp::ETHERTYPE_ARP {
            let a = arp::decode(frame).unwrap();
            if a.is_gratuitous() {
                assert!(a.is_keepalived_garp(), "{ctx}: {a:?}");
                assert_eq!(arp::encode_garp(a.sender_mac, a.sender_ip), frame, "{ctx}");
                seen.garps.push(a);
            } else {
                assert_eq!(arp::encode(&a), frame, "{ctx}");
                seen.other += 1;
            }
            continue;
        }
        if ethertype == vrrp::ETHERTYPE_IPV6 && frame[20] == ndisc::PROTO_ICMPV6 {
            let na = ndisc::decode(frame).unwrap();
            assert!(na.checksum_ok, "{ctx}");
            assert!(na.is_keepalived_na(), "{ctx}: {na:?}");
            assert_eq!(
                ndisc::encode_unsolicited_na(na.target_mac.unwrap(), na.target, na.router),
                frame,
                "{ctx}"
            );
            seen.nas.push(na);
            continue;
        }
        let p = vrrp::decode_ethernet(frame).unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let link = p.link.unwrap();
        assert_eq!(&link.src, &frame[6..12]);
        let r = &p.received;
        match p.ip.unwrap() {
            IpInfo::V4 {
                tos,
                id,
                flags_fragment,
                options_len,
                header_checksum_ok,
            } => {
                assert_eq!((tos, flags_fragment, options_len), (0xc0, 0, 0), "{ctx}");
                assert!(header_checksum_ok, "{ctx}");
                let total = usize::from(u16::from_be_bytes([frame[16], frame[17]]));
                let ip = &frame[14..14 + total];
                // The raw socket entry point gives the same.
                let mut raw = vrrp::decode_ipv4(ip).unwrap();
                raw.link = p.link;
                assert_eq!(raw, p, "{ctx}");
                let (IpAddr::V4(src), IpAddr::V4(dst)) = (r.src, r.dst) else {
                    panic!("{ctx}: family")
                };
                let params = Ipv4Params { id, ttl: r.ttl };
                let again = match (&p.ah, ah_key) {
                    (Some(ah), Some(key)) => {
                        assert!(vrrp::verify_ah(ip, key, false).unwrap(), "{ctx}");
                        assert!(!vrrp::verify_ah(ip, b"ahsecreT", false).unwrap(), "{ctx}");
                        assert_eq!(ah.spi, u32::from(src));
                        vrrp::encode_ipv4_ah(&r.advert, src, dst, &params, key, ah.seq, false)
                    }
                    _ => vrrp::encode_ipv4(&r.advert, src, dst, &params, &opts),
                };
                assert_eq!(again.unwrap(), ip, "{ctx}: re-encoding");
            }
            IpInfo::V6 { traffic_class, .. } => {
                assert_eq!(traffic_class, 0xc0, "{ctx}");
                let plen = usize::from(u16::from_be_bytes([frame[18], frame[19]]));
                let payload = &frame[54..54 + plen];
                let q = vrrp::decode_payload(payload, r.src, r.dst, r.ttl).unwrap();
                assert_eq!(q.received, p.received, "{ctx}");
                let again = vrrp::encode_vrrp(&r.advert, r.src, r.dst, &opts).unwrap();
                assert_eq!(again, payload, "{ctx}: re-encoding");
            }
        }
        assert!(r.checksum_ok, "{ctx}");
        assert_eq!(r.advert.vrid, 51, "{ctx}");
        seen.adverts.push(p);
    }
    seen
}

fn v4_vips() -> Vec<IpAddr> {
    vec![n(100).into(), n(101).into()]
}

fn v6_vips() -> Vec<IpAddr> {
    vec![fd(0x100).into(), fd(0x101).into()]
}

/// The play capture.sh runs: n2 (90) master, n1 (100) preempts, n1 stops (priority 0),
/// n2 takes over again, n2 stops (priority 0).
fn assert_play(seen: &Seen, n1: IpAddr, n2: IpAddr) {
    let prios = seen.priorities();
    assert_eq!(
        prios.keys().copied().collect::<Vec<_>>(),
        {
            let mut k = vec![(n1, 0), (n1, 100), (n2, 0), (n2, 90)];
            k.sort();
            k
        },
        "{prios:?}"
    );
    assert_eq!(prios[&(n1, 0)], 1);
    assert_eq!(prios[&(n2, 0)], 1);
    let first = &seen.adverts[0].received;
    assert_eq!((first.src, first.advert.priority), (n2, 90));
    let last = &seen.adverts.last().unwrap().received;
    assert_eq!((last.src, last.advert.priority), (n2, 0));
}

fn assert_garps(seen: &Seen) {
    // vrrp_garp_master_repeat 2, two VIPs, three takeovers (n2, n1, n2 again); more when
    // vrrp_garp_master_delay (5 s) came round before the master stopped.
    assert!(seen.garps.len() >= 12, "{:?}", seen.garps);
    for g in &seen.garps {
        assert!([n(100), n(101)].contains(&g.sender_ip));
        assert!(g.eth_src == N1_MAC || g.eth_src == N2_MAC);
    }
    assert!(seen.garps.iter().any(|g| g.eth_src == N1_MAC));
}

#[test]
fn reference_v2_adverts() {
    for (file, src, prio, id, cksum) in [
        ("vrrpv2-advert-n1-prio100.pcap", 1, 100, 9, 0x0185),
        ("vrrpv2-advert-n2-prio90.pcap", 2, 90, 0x67, 0x0b85),
        ("vrrpv2-advert-n1-prio0.pcap", 1, 0, 12, 0x6585),
    ] {
        let seen = load(file, EncodeOptions::default(), None);
        assert_eq!(seen.adverts.len(), 1);
        let p = &seen.adverts[0];
        assert_eq!(
            p.received.advert,
            Advert {
                version: Version::V2,
                vrid: 51,
                priority: prio,
                interval_cs: 100,
                auth: Auth::Pass(*b"secret12"),
                addresses: vec![n(100).into()],
            }
        );
        assert_eq!(p.received.src, IpAddr::V4(n(src)));
        assert_eq!(p.received.dst, IpAddr::V4(MCAST_GROUP4));
        assert_eq!(p.received.ttl, 255);
        assert_eq!(p.checksum, cksum);
        assert!(matches!(p.ip, Some(IpInfo::V4 { id: i, .. }) if i == id));
        assert_eq!(p.link.unwrap().dst, [1, 0, 0x5e, 0, 0, 0x12]);
    }
}

#[test]
fn reference_v3_adverts_and_garps() {
    for (file, src, prio) in [
        ("vrrpv3-advert-n1-prio100.pcap", 1, 100),
        ("vrrpv3-advert-n2-prio90.pcap", 2, 90),
        ("vrrpv3-advert-n1-prio0.pcap", 1, 0),
    ] {
        let seen = load(file, EncodeOptions::default(), None);
        let r = &seen.adverts[0].received;
        assert_eq!(r.src, IpAddr::V4(n(src)));
        assert_eq!(r.advert.priority, prio);
        assert_eq!(r.advert.version, Version::V3);
        assert_eq!(r.advert.interval_cs, 10);
        assert_eq!(r.advert.auth, Auth::None);
        assert_eq!(r.advert.addresses, vec![IpAddr::V4(n(100))]);
        assert!(seen.adverts[0].checksums.rfc);
    }
    for file in ["vrrpv2-garp-n2.pcap", "vrrpv3-garp-n2.pcap"] {
        let seen = load(file, EncodeOptions::default(), None);
        assert_eq!(seen.garps, vec![arp::garp_frame(N2_MAC, n(100))]);
    }
}

#[test]
fn reference_sessions() {
    let s = load("vrrpv2-session.pcap", EncodeOptions::default(), None);
    assert_eq!(s.adverts.len(), 22);
    assert_eq!(s.garps.len(), 20);
    let s = load("vrrpv2-startup.pcap", EncodeOptions::default(), None);
    assert_eq!(s.adverts.len(), 10);
    // Ordinary ARP requests and replies of the kernel, besides the GARPs.
    assert_eq!((s.garps.len(), s.other), (10, 4));
    let s = load("vrrpv3-session.pcap", EncodeOptions::default(), None);
    assert_eq!(s.adverts.len(), 201);
    assert_eq!(s.garps.len(), 25);
    // IP identification counts up by one per advert from each sender (from 1 on a restart).
    let mut last: BTreeMap<IpAddr, u16> = BTreeMap::new();
    for p in &s.adverts {
        let Some(IpInfo::V4 { id, .. }) = p.ip else {
            panic!()
        };
        if let Some(prev) = last.insert(p.received.src, id) {
            assert!(id == vrrp::next_ip_id(prev) || id == 1, "{prev} then {id}");
        }
    }
}

#[test]
fn v3_ipv4_multicast() {
    let s = load("vrrpv3-ipv4-mcast.pcap", EncodeOptions::default(), None);
    assert_play(&s, n(1).into(), n(2).into());
    assert_garps(&s);
    for p in &s.adverts {
        let r = &p.received;
        assert_eq!(r.dst, IpAddr::V4(MCAST_GROUP4));
        assert_eq!(r.ttl, 255);
        assert_eq!((r.advert.version, r.advert.interval_cs), (Version::V3, 50));
        assert_eq!(r.advert.addresses, v4_vips());
        assert!(p.checksums.rfc && p.checksums.old_unicast && !p.checksums.as_v2);
    }
}

#[test]
fn v3_ipv4_unicast() {
    let s = load("vrrpv3-ipv4-unicast.pcap", EncodeOptions::default(), None);
    assert_play(&s, n(1).into(), n(2).into());
    assert_garps(&s);
    for p in &s.adverts {
        let r = &p.received;
        let peer = if r.src == IpAddr::V4(n(1)) {
            n(2)
        } else {
            n(1)
        };
        assert_eq!(r.dst, IpAddr::V4(peer));
        assert_eq!(r.ttl, 255);
        assert_eq!(r.advert.addresses, v4_vips());
        // The RFC pseudo-header with the real destination, not the old one.
        assert!(p.checksums.rfc && !p.checksums.old_unicast);
        assert_eq!(
            p.link.unwrap().dst,
            if peer == n(1) { N1_MAC } else { N2_MAC }
        );
    }
}

#[test]
fn v3_ipv4_unicast_old_checksum() {
    let old = EncodeOptions {
        old_unicast_checksum: true,
        ..Default::default()
    };
    let s = load("vrrpv3-ipv4-unicast-oldcsum.pcap", old, None);
    assert_play(&s, n(1).into(), n(2).into());
    for p in &s.adverts {
        let r = &p.received;
        assert!(!r.dst.is_multicast());
        assert!(!p.checksums.rfc && p.checksums.old_unicast && r.checksum_ok);
        // What the default would send differs.
        let (IpAddr::V4(src), IpAddr::V4(dst)) = (r.src, r.dst) else {
            panic!()
        };
        let plain = vrrp::encode_vrrp(&r.advert, r.src, r.dst, &Default::default()).unwrap();
        assert_ne!(plain[6..8], p.checksum.to_be_bytes());
        let msg = vrrp::encode_vrrp(&r.advert, r.src, r.dst, &old).unwrap();
        assert_eq!(vrrp::v3_ipv4_checksum(&msg, src, MCAST_GROUP4), 0);
        assert_ne!(vrrp::v3_ipv4_checksum(&msg, src, dst), 0);
    }
}

#[test]
fn v3_ipv6_multicast() {
    let s = load("vrrpv3-ipv6-mcast.pcap", EncodeOptions::default(), None);
    assert_play(&s, ll(1).into(), ll(2).into());
    for p in &s.adverts {
        let r = &p.received;
        assert_eq!(r.dst, IpAddr::V6(MCAST_GROUP6));
        assert_eq!(r.ttl, 255);
        assert_eq!((r.advert.version, r.advert.interval_cs), (Version::V3, 25));
        assert_eq!(r.advert.addresses, v6_vips());
        assert!(p.checksums.rfc);
        assert_eq!(p.link.unwrap().dst, [0x33, 0x33, 0, 0, 0, 0x12]);
    }
    assert_nas(&s);
}

/// Two VIPs, vrrp_garp_master_repeat 2, three takeovers; n2 forwards IPv6 (R flag), n1 not.
fn assert_nas(s: &Seen) {
    assert!(s.nas.len() >= 12);
    assert!(s.nas.iter().any(|na| na.router) && s.nas.iter().any(|na| !na.router));
    for na in &s.nas {
        assert!([fd(0x100), fd(0x101)].contains(&na.target));
        assert_eq!(na.src, na.target);
        assert_eq!(na.router, na.eth_src == N2_MAC, "{na:?}");
        assert!(na.override_ && !na.solicited);
    }
}

#[test]
fn v3_ipv6_unicast() {
    let s = load("vrrpv3-ipv6-unicast.pcap", EncodeOptions::default(), None);
    assert_play(&s, fd(1).into(), fd(2).into());
    for p in &s.adverts {
        let r = &p.received;
        let peer = if r.src == IpAddr::V6(fd(1)) {
            fd(2)
        } else {
            fd(1)
        };
        assert_eq!(r.dst, IpAddr::V6(peer));
        // Without unicast_ttl the kernel's default hop limit.
        assert_eq!(r.ttl, 64);
        assert_eq!(r.advert.addresses, v6_vips());
    }
    assert_nas(&s);
}

#[test]
fn v2_password() {
    let s = load("vrrpv2-auth-pass.pcap", EncodeOptions::default(), None);
    assert_play(&s, n(1).into(), n(2).into());
    assert_garps(&s);
    for p in &s.adverts {
        assert_eq!(p.received.advert.auth, Auth::Pass(*b"s3cr.t\0\0"));
        assert_eq!(p.received.advert.auth, Auth::pass(b"s3cr.t"));
        assert_eq!(p.received.advert.interval_cs, 100);
        assert_eq!(p.received.advert.version, Version::V2);
    }
}

#[test]
fn v2_ah() {
    let s = load(
        "vrrpv2-auth-ah.pcap",
        EncodeOptions::default(),
        Some(b"ahsecret"),
    );
    assert_play(&s, n(1).into(), n(2).into());
    assert_garps(&s);
    let mut seqs = Vec::new();
    for p in &s.adverts {
        assert_eq!(p.received.advert.auth, Auth::Ah);
        let ah = p.ah.as_ref().unwrap();
        assert_eq!((ah.next_header, ah.payload_len, ah.icv.len()), (112, 4, 12));
        seqs.push(ah.seq);
    }
    // The sequence number only grows.
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
}

#[test]
fn v2_unicast() {
    let s = load("vrrpv2-ipv4-unicast.pcap", EncodeOptions::default(), None);
    assert_play(&s, n(1).into(), n(2).into());
    assert_garps(&s);
    for p in &s.adverts {
        assert!(!p.received.dst.is_multicast());
        assert_eq!(p.received.advert.auth, Auth::None);
    }
}

fn all_fixture_frames() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pcaps");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".pcap"))
        .collect();
    names.sort();
    assert!(names.len() >= 19, "{names:?}");
    let mut frames = Vec::new();
    for name in names {
        let bytes = std::fs::read(dir.join(&name)).unwrap();
        for (i, r) in pcap::parse(&bytes).unwrap().records.into_iter().enumerate() {
            frames.push((format!("{name} #{}", i + 1), r.data));
        }
    }
    frames
}

/// A small deterministic generator (xorshift64*), so the test is the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Every decoder on every prefix and suffix of every fixture frame, and on mutated frames
/// (bytes changed, lengths and counts bent, pieces cut out or repeated): no panic, and what
/// decodes round-trips (ha::wire::fuzz::decode_all checks it). The cargo-fuzz target
/// vrrp_decode runs the same checks on arbitrary input.
#[test]
fn robustness_truncations_and_mutations() {
    let frames = all_fixture_frames();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (_, f) in &frames {
        for cut in 0..=f.len() {
            ha::wire::fuzz::decode_all(&f[..cut]);
            ha::wire::fuzz::decode_all(&f[cut..]);
        }
        // The IP packet alone, cut at every length (the raw-socket entry points).
        if f.len() > 14 {
            let ip = &f[14..];
            for cut in 0..=ip.len() {
                let _ = vrrp::decode_ipv4(&ip[..cut]);
                let _ = vrrp::decode_ipv6(&ip[..cut]);
            }
        }
        for _ in 0..40 {
            let mut g = f.clone();
            match rng.below(5) {
                0 => {
                    for _ in 0..=rng.below(4) {
                        let i = rng.below(g.len());
                        g[i] = rng.next() as u8;
                    }
                }
                1 => {
                    // The length and count fields of the usual layouts.
                    for i in [16, 17, 18, 19, 23, 37, 57] {
                        if i < g.len() && rng.below(2) == 0 {
                            g[i] = [0, 1, 2, 0xff, rng.next() as u8][rng.below(5)];
                        }
                    }
                }
                2 => {
                    let i = rng.below(g.len());
                    let n = rng.below(g.len() - i + 1);
                    g.drain(i..i + n);
                }
                3 => {
                    let i = rng.below(g.len());
                    let piece = g[i..].to_vec();
                    g.extend_from_slice(&piece[..rng.below(piece.len() + 1)]);
                }
                _ => {
                    // Another version, type or auth nibble.
                    for i in [34, 54, 38, 58] {
                        if i < g.len() {
                            g[i] = (rng.below(16) as u8) << 4 | (g[i] & 0x0f);
                        }
                    }
                }
            }
            ha::wire::fuzz::decode_all(&g);
        }
    }
    // Random bytes, and random bytes behind valid headers.
    for _ in 0..2000 {
        let len = rng.below(200);
        let mut g: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        ha::wire::fuzz::decode_all(&g);
        let (_, f) = &frames[rng.below(frames.len())];
        let keep = rng.below(f.len().min(60) + 1);
        g.splice(0..0, f[..keep].iter().copied());
        ha::wire::fuzz::decode_all(&g);
    }
}

/// The analyzer over the captured plays: each leaves exactly the two priority-0 findings
/// (n1 then n2 stopping) and no split brain or mismatch.
#[test]
fn watch_over_the_captures() {
    use ha::wire::watch::{Event, Finding, Watch};
    for file in [
        "vrrpv3-ipv4-mcast.pcap",
        "vrrpv3-ipv4-unicast.pcap",
        "vrrpv3-ipv4-unicast-oldcsum.pcap",
        "vrrpv3-ipv6-mcast.pcap",
        "vrrpv3-ipv6-unicast.pcap",
        "vrrpv2-auth-pass.pcap",
        "vrrpv2-auth-ah.pcap",
        "vrrpv2-ipv4-unicast.pcap",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/pcaps")
            .join(file);
        let cap = pcap::parse(&std::fs::read(path).unwrap()).unwrap();
        let mut w = Watch::default();
        let mut events = Vec::new();
        for rec in &cap.records {
            if let Ok(p) = pcap::decode_vrrp(cap.linktype, &rec.data) {
                // The pretty forms render every advert.
                let t = std::time::UNIX_EPOCH + rec.time;
                assert!(ha::wire::pretty::line_packet(t, &p).contains(" cksum ok"));
                events.extend(w.observe(rec.time, &p.received));
            }
        }
        let raised: Vec<_> = events
            .iter()
            .map(|e| match e {
                Event::Raised(Finding::PriorityZero { src, .. }) => *src,
                e => panic!("{file}: {e}"),
            })
            .collect();
        assert_eq!(raised.len(), 2, "{file}: {events:?}");
    }
}
