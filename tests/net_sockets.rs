//! The socket edges of the VRRP daemon and `ha vrrp sniff` against the real kernel: two
//! network namespaces joined by a veth pair, fresh for every test. Needs root and iproute2;
//! prints a `SKIP:` line and passes otherwise.
//!
//! Code runs inside a namespace through setns(2) in a short-lived thread: a network
//! namespace belongs to a thread, and a socket keeps the namespace it was created in. So a
//! test creates its sockets in such a thread and uses them afterwards from its own thread,
//! which never changes namespace. That checks the library's return values directly, with
//! no helper process to talk to; iproute2 (`ip -n`) only sets the lab up and pulls links
//! down.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

mod veth_pair;
use std::time::{Duration, Instant};
use veth_pair::{in_ns, run, Pair, Spec};

use ha::net::rtnl::{IfAddr, Rtnl};
use ha::net::vrrp_socket::{VRRP_GROUP_V4, VRRP_GROUP_V6};
use ha::net::{
    iface_facts, Capture, CaptureFilter, FrameSender, IfaceFacts, LinkEvent, LinkWatch, NetIf,
    PacketKind, VrrpReceiver, VrrpSender,
};

const SPEC: Spec = Spec {
    tag: "net",
    if_tag: "hn",
    needs: "network namespaces",
    tools: &[],
    v4: "10.77.0",
    v6: "fd77",
};

const A4: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
const B4: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);
const A6: Ipv6Addr = Ipv6Addr::new(0xfd77, 0, 0, 0, 0, 0, 0, 1);
const B6: Ipv6Addr = Ipv6Addr::new(0xfd77, 0, 0, 0, 0, 0, 0, 2);

/// Two namespaces `a` and `b`, a veth pair between them, addresses on both ends; both
/// namespaces (and with them the veth pair) are deleted on drop, also when a test fails.
/// The shared veth pair, with this file's helpers.
struct Lab(Pair);

impl std::ops::Deref for Lab {
    type Target = Pair;
    fn deref(&self) -> &Pair {
        &self.0
    }
}

impl Lab {
    fn new(test: &str) -> Option<Lab> {
        let lab = Lab(Pair::new(test, &SPEC)?);
        lab.facts_a_when(|f| f.link.is_usable() && f.link_local_v6.is_some());
        lab.facts_b_when(|f| f.link.is_usable() && f.link_local_v6.is_some());
        Some(lab)
    }

    fn if_a(&self) -> NetIf {
        in_ns(&self.ns_a, || NetIf::by_name(&self.if_a).expect("if_a"))
    }

    fn if_b(&self) -> NetIf {
        in_ns(&self.ns_b, || NetIf::by_name(&self.if_b).expect("if_b"))
    }

    fn facts(&self, ns: &str, ifname: &str, exclude: &[IpAddr]) -> IfaceFacts {
        in_ns(ns, || {
            let mut rtnl = Rtnl::open().expect("rtnetlink");
            iface_facts(&mut rtnl, ifname, exclude).expect("interface facts")
        })
    }

    /// Interface facts of side a once `ready` holds (at most 5 s).
    fn facts_a_when(&self, ready: impl Fn(&IfaceFacts) -> bool) -> IfaceFacts {
        wait_for(|| Some(self.facts(&self.ns_a, &self.if_a, &[])).filter(&ready))
    }

    fn facts_b_when(&self, ready: impl Fn(&IfaceFacts) -> bool) -> IfaceFacts {
        wait_for(|| Some(self.facts(&self.ns_b, &self.if_b, &[])).filter(&ready))
    }
}

fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < until, "the lab did not get ready in 5 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn in_ms(ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(ms)
}

fn checksum(bytes: &[u8]) -> u16 {
    let mut sum = bytes
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum::<u32>();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A VRRPv2 advert for VRID `vrid` (priority 100, 1 s, 10.77.0.100), checksum included.
fn vrrp_v2(vrid: u8) -> Vec<u8> {
    let mut m = vec![
        0x21, vrid, 100, 1, 0, 1, 0, 0, 10, 77, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let c = checksum(&m);
    m[6..8].copy_from_slice(&c.to_be_bytes());
    m
}

/// A VRRPv3 IPv6 advert (the kernel fills in its checksum).
fn vrrp_v3(vrid: u8) -> Vec<u8> {
    let mut m = vec![0x31, vrid, 100, 1, 0, 100, 0, 0];
    m.extend_from_slice(&Ipv6Addr::new(0xfd77, 0, 0, 0, 0, 0, 0, 0x100).octets());
    m
}

/// An IPv4 header (TTL 255, TOS 0xc0, checksum filled in) in front of `payload`.
fn ipv4(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, payload: &[u8]) -> Vec<u8> {
    let len = (20 + payload.len()) as u16;
    let mut p = vec![0x45, 0xc0];
    p.extend_from_slice(&len.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0, 255, proto, 0, 0]);
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&dst.octets());
    let c = checksum(&p);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

fn ipv6(src: Ipv6Addr, dst: Ipv6Addr, next: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    p.extend_from_slice(&[next, 255]);
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&dst.octets());
    p.extend_from_slice(payload);
    p
}

fn ethernet(dst: [u8; 6], src: [u8; 6], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = dst.to_vec();
    f.extend_from_slice(&src);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// One ICMP echo request from namespace `ns` to `to` (the ping binary may be missing).
fn ping(ns: &str, to: Ipv4Addr) {
    use socket2::{Domain, Protocol, Socket, Type};
    let icmp = in_ns(ns, || {
        Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4)).expect("ICMP socket")
    });
    let mut echo = vec![8, 0, 0, 0, 0x12, 0x34, 0, 1, b'h', b'a'];
    let c = checksum(&echo);
    echo[2..4].copy_from_slice(&c.to_be_bytes());
    let to = std::net::SocketAddr::new(IpAddr::V4(to), 0);
    icmp.send_to(&echo, &to.into()).expect("echo request");
}

const MAC_V4_VRRP: [u8; 6] = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12];
const MAC_V6_VRRP: [u8; 6] = [0x33, 0x33, 0x00, 0x00, 0x00, 0x12];
const MAC_BROADCAST: [u8; 6] = [0xff; 6];

#[test]
fn ipv4_multicast_advert_arrives_with_source_destination_ttl_and_interface() {
    let Some(lab) = Lab::new("ipv4_multicast_advert") else {
        return;
    };
    let (if_a, if_b) = (lab.if_a(), lab.if_b());
    let group = IpAddr::V4(VRRP_GROUP_V4);
    let sender = in_ns(&lab.ns_a, || {
        VrrpSender::multicast_v4(&if_a).expect("send socket")
    });
    let rx = in_ns(&lab.ns_b, || {
        VrrpReceiver::multicast(&if_b, group).expect("receiver")
    });
    rx.set_rx_buffer_size(256 * 1024).expect("SO_RCVBUF");
    // Multicast loop is off: the sender's own side hears nothing.
    let own = in_ns(&lab.ns_a, || {
        VrrpReceiver::multicast(&if_a, group).expect("own")
    });

    let packet = ipv4(A4, VRRP_GROUP_V4, 112, &vrrp_v2(51));
    sender.send(&packet, group).expect("send");
    let mut buf = [0u8; 2048];
    let d = rx.recv(&mut buf, in_ms(3000)).expect("advert on b");
    assert_eq!(d.src, IpAddr::V4(A4));
    assert_eq!(d.dst, group);
    assert_eq!(d.ttl, Some(255));
    assert_eq!(d.ifindex, Some(if_b.index));
    assert!(!d.truncated);
    assert_eq!(d.len, packet.len());
    assert_eq!(&buf[20..d.len], &packet[20..], "the VRRP message as sent");
    assert_eq!(buf[1], 0xc0, "TOS network control");

    let e = own.recv(&mut buf, in_ms(300)).unwrap_err();
    assert!(e.is_timeout(), "{e}");

    // A datagram larger than the buffer is reported as truncated.
    sender.send(&packet, group).expect("send again");
    let mut small = [0u8; 24];
    let d = rx.recv(&mut small, in_ms(3000)).expect("second advert");
    assert!(d.truncated && d.len == 24);

    // The family is checked before anything is sent.
    let e = sender.send(&packet, IpAddr::V6(VRRP_GROUP_V6)).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
}

#[test]
fn ipv6_multicast_advert_arrives_with_hop_limit_from_the_link_local_source() {
    let Some(lab) = Lab::new("ipv6_multicast_advert") else {
        return;
    };
    let (if_a, if_b) = (lab.if_a(), lab.if_b());
    let source = lab
        .facts(&lab.ns_a, &lab.if_a, &[])
        .link_local_v6
        .expect("link-local");
    let group = IpAddr::V6(VRRP_GROUP_V6);
    let sender = in_ns(&lab.ns_a, || {
        VrrpSender::multicast_v6(&if_a, source).expect("send socket")
    });
    let rx = in_ns(&lab.ns_b, || {
        VrrpReceiver::multicast(&if_b, group).expect("receiver")
    });

    let message = vrrp_v3(52);
    sender.send(&message, group).expect("send");
    let mut buf = [0u8; 2048];
    let d = rx.recv(&mut buf, in_ms(3000)).expect("advert on b");
    assert_eq!(d.src, IpAddr::V6(source));
    assert_eq!(d.dst, group);
    assert_eq!(d.ttl, Some(255), "hop limit");
    assert_eq!(d.ifindex, Some(if_b.index));
    assert_eq!(
        d.len,
        message.len(),
        "IPv6 reads are the VRRP message alone"
    );
    // The kernel filled in the checksum (IPV6_CHECKSUM), and the receiver's kernel checked
    // it before letting the advert through.
    assert_ne!(&buf[6..8], &[0, 0]);
    assert_eq!((&buf[..6], &buf[8..d.len]), (&message[..6], &message[8..]));
}

#[test]
fn unicast_adverts_reach_the_peer_address_only() {
    let Some(lab) = Lab::new("unicast_adverts") else {
        return;
    };
    let (if_a, if_b) = (lab.if_a(), lab.if_b());
    let mut buf = [0u8; 2048];

    let sender = in_ns(&lab.ns_a, || {
        VrrpSender::unicast_v4(Some(&if_a)).expect("v4 sender")
    });
    let rx = in_ns(&lab.ns_b, || {
        VrrpReceiver::unicast(Some(&if_b), IpAddr::V4(B4)).expect("v4 receiver")
    });
    // Bound to the group, a multicast socket does not see unicast adverts.
    let multicast = in_ns(&lab.ns_b, || {
        VrrpReceiver::multicast(&if_b, IpAddr::V4(VRRP_GROUP_V4)).expect("group receiver")
    });
    let packet = ipv4(A4, B4, 112, &vrrp_v2(53));
    sender.send(&packet, IpAddr::V4(B4)).expect("send v4");
    let d = rx.recv(&mut buf, in_ms(3000)).expect("v4 advert");
    assert_eq!(
        (d.src, d.dst, d.ttl),
        (IpAddr::V4(A4), IpAddr::V4(B4), Some(255))
    );
    assert_eq!(d.ifindex, Some(if_b.index));
    assert_eq!(&buf[20..d.len], &packet[20..]);
    assert!(multicast
        .recv(&mut buf, in_ms(200))
        .unwrap_err()
        .is_timeout());

    let sender6 = in_ns(&lab.ns_a, || {
        VrrpSender::unicast_v6(Some(&if_a), A6, Some(255)).expect("v6 sender")
    });
    let default_hops = in_ns(&lab.ns_a, || {
        VrrpSender::unicast_v6(Some(&if_a), A6, None).expect("v6 sender")
    });
    let rx6 = in_ns(&lab.ns_b, || {
        VrrpReceiver::unicast(Some(&if_b), IpAddr::V6(B6)).expect("v6 receiver")
    });
    sender6.send(&vrrp_v3(54), IpAddr::V6(B6)).expect("send v6");
    let d = rx6.recv(&mut buf, in_ms(3000)).expect("v6 advert");
    assert_eq!(
        (d.src, d.dst, d.ttl),
        (IpAddr::V6(A6), IpAddr::V6(B6), Some(255))
    );
    assert_eq!(d.ifindex, Some(if_b.index));
    // Without a hop limit, the kernel's default applies (keepalived without unicast_ttl).
    default_hops
        .send(&vrrp_v3(54), IpAddr::V6(B6))
        .expect("send v6 with default hops");
    let d = rx6
        .recv(&mut buf, in_ms(3000))
        .expect("v6 advert, default hops");
    assert_eq!(d.ttl, Some(64));
}

#[test]
fn sniff_socket_captures_vrrp_frames_and_filters_the_rest() {
    let Some(lab) = Lab::new("sniff_socket") else {
        return;
    };
    let (if_a, if_b) = (lab.if_a(), lab.if_b());
    let facts_a = lab.facts(&lab.ns_a, &lab.if_a, &[]);
    let mac_a = facts_a.link.mac().expect("veth has a MAC");
    let ll_a = facts_a.link_local_v6.expect("link-local");

    let vrrp_only = in_ns(&lab.ns_b, || {
        Capture::open(&if_b, CaptureFilter::Vrrp, true).expect("VRRP capture")
    });
    let everything = in_ns(&lab.ns_b, || {
        Capture::open(&if_b, CaptureFilter::All, false).expect("capture")
    });
    let promiscuity = || run(&["ip", "-n", &lab.ns_b, "-d", "link", "show", &lab.if_b]);
    assert!(promiscuity().contains("promiscuity 1"), "{}", promiscuity());
    let frames = in_ns(&lab.ns_a, || FrameSender::open().expect("frame sender"));

    let v4_frame = ethernet(
        MAC_V4_VRRP,
        mac_a,
        0x0800,
        &ipv4(A4, VRRP_GROUP_V4, 112, &vrrp_v2(55)),
    );
    let v6_frame = ethernet(
        MAC_V6_VRRP,
        mac_a,
        0x86dd,
        &ipv6(ll_a, VRRP_GROUP_V6, 112, &vrrp_v3(55)),
    );
    let mut garp = vec![0, 1, 8, 0, 6, 4, 0, 1];
    garp.extend_from_slice(&mac_a);
    garp.extend_from_slice(&A4.octets());
    garp.extend_from_slice(&[0; 6]);
    garp.extend_from_slice(&A4.octets());
    let garp_frame = ethernet(MAC_BROADCAST, mac_a, 0x0806, &garp);
    let udp = ipv4(A4, B4, 17, &[0x13, 0x88, 0x13, 0x88, 0, 8, 0, 0]);
    let udp_frame = ethernet(MAC_BROADCAST, mac_a, 0x0800, &udp);
    // VRRP behind an 802.1Q tag (VLAN 100).
    let mut tagged = ethernet(MAC_V4_VRRP, mac_a, 0x8100, &[0x00, 0x64]);
    tagged.extend_from_slice(&0x0800u16.to_be_bytes());
    tagged.extend_from_slice(&ipv4(A4, VRRP_GROUP_V4, 112, &vrrp_v2(56)));

    for f in [&garp_frame, &v4_frame, &udp_frame, &v6_frame, &tagged] {
        frames.send(&if_a, f).expect("send frame");
    }
    ping(&lab.ns_a, B4);

    let mut buf = [0u8; 4096];
    let f = vrrp_only
        .recv(&mut buf, in_ms(3000))
        .expect("IPv4 VRRP frame");
    assert_eq!(&buf[..f.len], &v4_frame[..]);
    assert_eq!(
        (f.kind, f.ifindex, f.vlan),
        (PacketKind::Multicast, if_b.index, None)
    );
    let f = vrrp_only
        .recv(&mut buf, in_ms(3000))
        .expect("IPv6 VRRP frame");
    assert_eq!(&buf[..f.len], &v6_frame[..]);
    let f = vrrp_only
        .recv(&mut buf, in_ms(3000))
        .expect("tagged VRRP frame");
    match f.vlan {
        // The kernel took the tag off on receive and reports it beside the frame.
        Some(tag) => {
            assert_eq!(tag.id(), 100);
            let mut untagged = tagged[..12].to_vec();
            untagged.extend_from_slice(&tagged[16..]);
            assert_eq!(&buf[..f.len], &untagged[..]);
        }
        None => assert_eq!(&buf[..f.len], &tagged[..]),
    }
    // ARP, UDP, ICMP echo and whatever IPv6 sends by itself stayed out.
    let e = vrrp_only.recv(&mut buf, in_ms(300)).unwrap_err();
    assert!(e.is_timeout(), "{e}");

    // Without a filter, the same interface shows the rest.
    let (mut saw_garp, mut saw_ping) = (false, false);
    let until = in_ms(3000);
    while !(saw_garp && saw_ping) {
        let f = everything.recv(&mut buf, until).expect("the other frames");
        let frame = &buf[..f.len];
        saw_garp |= frame == &garp_frame[..] && f.kind == PacketKind::Broadcast;
        // An ICMP echo request to b.
        saw_ping |= frame.get(12..14) == Some(&[0x08, 0x00])
            && frame.get(23) == Some(&1)
            && frame.get(34) == Some(&8);
    }

    drop(vrrp_only);
    assert!(promiscuity().contains("promiscuity 0"), "{}", promiscuity());
    let e = frames.send(&if_a, &[0u8; 10]).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
}

#[test]
fn receive_deadlines_end_in_time() {
    let Some(lab) = Lab::new("receive_deadlines") else {
        return;
    };
    let if_b = lab.if_b();
    let (rx, capture, mut watch) = in_ns(&lab.ns_b, || {
        (
            VrrpReceiver::multicast(&if_b, IpAddr::V4(VRRP_GROUP_V4)).expect("receiver"),
            Capture::open(&if_b, CaptureFilter::Vrrp, false).expect("capture"),
            LinkWatch::open().expect("link watch"),
        )
    });
    let mut buf = [0u8; 1500];
    assert!(rx.try_recv(&mut buf).expect("try_recv").is_none());
    assert!(capture.try_recv(&mut buf).expect("try_recv").is_none());
    // The watch may already hold news of the lab's setup; only the call is checked.
    watch.try_recv().expect("try_recv");

    let timed = |f: &mut dyn FnMut(Instant) -> Option<ha::net::SockError>| {
        let start = Instant::now();
        let e = f(start + Duration::from_millis(250)).expect("a timeout");
        let took = start.elapsed();
        assert!(e.is_timeout(), "{e}");
        assert!(took >= Duration::from_millis(250), "{took:?}");
        assert!(took < Duration::from_millis(1500), "{took:?}");
        e
    };
    let e = timed(&mut |d| rx.recv(&mut buf, d).err());
    assert!(e.to_string().contains(&lab.if_b), "{e}");
    timed(&mut |d| capture.recv(&mut buf, d).err());
    // Late news of the lab's setup (carrier, addresses) may come first: a quiet moment
    // must come within a few tries.
    let mut tries = 0;
    timed(&mut |d| loop {
        tries += 1;
        match watch.recv(d) {
            Ok(_) if tries < 20 => continue,
            Ok(events) => panic!("events keep coming: {events:?}"),
            Err(e) => return Some(e),
        }
    });
}

#[test]
fn link_and_address_changes_arrive_on_the_watch_socket() {
    let Some(lab) = Lab::new("link_watch") else {
        return;
    };
    let if_a = lab.if_a();
    let mut watch = in_ns(&lab.ns_a, || LinkWatch::open().expect("link watch"));
    let mut next_event = |want: &dyn Fn(&LinkEvent) -> bool| {
        let until = in_ms(3000);
        loop {
            let events = watch.recv(until).expect("an event before the deadline");
            if let Some(e) = events.into_iter().find(|e| want(e)) {
                return e;
            }
        }
    };

    run(&["ip", "-n", &lab.ns_a, "link", "set", &lab.if_a, "down"]);
    next_event(&|e| matches!(e, LinkEvent::Link(l) if l.index == if_a.index && !l.is_usable()));
    run(&["ip", "-n", &lab.ns_a, "link", "set", &lab.if_a, "up"]);
    let up =
        next_event(&|e| matches!(e, LinkEvent::Link(l) if l.index == if_a.index && l.is_usable()));
    assert!(
        matches!(&up, LinkEvent::Link(l) if l.name == lab.if_a),
        "{up:?}"
    );

    let added: IpAddr = "10.77.1.1".parse().unwrap();
    run(&[
        "ip",
        "-n",
        &lab.ns_a,
        "addr",
        "add",
        "10.77.1.1/24",
        "dev",
        &lab.if_a,
    ]);
    next_event(
        &|e| matches!(e, LinkEvent::AddressAdded { index, addr } if *index == if_a.index && addr.addr == added),
    );
    run(&[
        "ip",
        "-n",
        &lab.ns_a,
        "addr",
        "del",
        "10.77.1.1/24",
        "dev",
        &lab.if_a,
    ]);
    next_event(
        &|e| matches!(e, LinkEvent::AddressRemoved { index, addr } if *index == if_a.index && addr.addr == added),
    );

    // The peer going away takes the carrier with it.
    run(&["ip", "-n", &lab.ns_b, "link", "set", &lab.if_b, "down"]);
    next_event(&|e| matches!(e, LinkEvent::Link(l) if l.index == if_a.index && l.up && !l.running));
}

#[test]
fn interface_facts_give_mac_mtu_and_advert_sources() {
    let Some(lab) = Lab::new("interface_facts") else {
        return;
    };
    let facts = lab.facts(&lab.ns_a, &lab.if_a, &[]);
    let shown = run(&["ip", "-n", &lab.ns_a, "-o", "link", "show", &lab.if_a]);
    let mac_text = shown
        .split_whitespace()
        .skip_while(|w| *w != "link/ether")
        .nth(1)
        .expect("a link/ether line");
    let mac = facts.link.mac().expect("a MAC");
    let mac_hex: Vec<String> = mac.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(mac_hex.join(":"), mac_text);
    assert_eq!(facts.link.index, lab.if_a().index);
    assert_eq!(facts.link.mtu, Some(1500));
    assert!(facts.link.is_usable());
    assert_eq!(facts.primary_v4, Some(A4));
    let ll = facts.link_local_v6.expect("a link-local address");
    assert_eq!(ll.segments()[0], 0xfe80);

    lab.sh(
        &lab.ns_a,
        &format!(
            "ip link set {0} mtu 1400 && ip addr add 10.77.0.9/24 dev {0} && \
             ip addr add 10.77.2.1/24 dev {0}",
            lab.if_a
        ),
    );
    let facts = lab.facts_a_when(|f| f.link.mtu == Some(1400));
    assert_eq!(
        facts.primary_v4,
        Some(A4),
        "secondaries come after the primary"
    );
    // A virtual address already on the interface is not an advert source.
    let excluded = lab.facts(&lab.ns_a, &lab.if_a, &[IpAddr::V4(A4)]);
    assert_eq!(excluded.primary_v4, Some(Ipv4Addr::new(10, 77, 2, 1)));
    let addrs: Vec<IfAddr> = in_ns(&lab.ns_a, || {
        Rtnl::open()
            .expect("rtnetlink")
            .addresses(facts.link.index)
            .expect("addresses")
    });
    assert!(addrs
        .iter()
        .any(|a| a.addr == IpAddr::V4(Ipv4Addr::new(10, 77, 0, 9))));
    let links = in_ns(&lab.ns_a, || {
        Rtnl::open().expect("rtnetlink").links().expect("links")
    });
    assert!(links.iter().any(|l| l.loopback));
    assert!(links.iter().any(|l| l.name == lab.if_a));
}
