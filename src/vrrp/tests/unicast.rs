//! Unicast peers (keepalived `unicast_peer`, `check_unicast_src`, `unicast_ttl`).

use super::*;
use crate::vrrp::Drop;

fn peers(own: &str, list: &[&str], extra: &str) -> Settings {
    let lines: String = list.iter().map(|p| format!("  {p}\n")).collect();
    inst(&format!(
        " unicast_src_ip {own}\n unicast_peer {{\n{lines} }}\n{extra}"
    ))
}

fn unicast_from(src: &str, to: &str, priority: u8) -> Received {
    let mut rx = advert_from(src, priority);
    rx.dst = ip(to);
    rx
}

/// keepalived `vrrp_send_adv`: with unicast peers, each advert goes to every peer (one
/// packet each, TTL 255 by default for IPv4), never to the multicast group.
#[test]
fn adverts_go_to_each_peer() {
    let mut net = Net::new();
    let a = net.add(
        "A",
        "10.0.0.1",
        peers("10.0.0.1", &["10.0.0.2", "10.0.0.3"], " priority 150"),
    );
    let b = net.add(
        "B",
        "10.0.0.2",
        peers("10.0.0.2", &["10.0.0.1", "10.0.0.3"], ""),
    );
    let c = net.add(
        "C",
        "10.0.0.3",
        peers("10.0.0.3", &["10.0.0.1", "10.0.0.2"], " priority 50"),
    );
    net.start_all();
    net.run_for(s(10.0));
    assert_eq!(net.holders(), vec![a], "{}", net.dump());
    assert_eq!((net.state(b), net.state(c)), (State::Backup, State::Backup));
    let dsts: Vec<IpAddr> = net
        .log
        .iter()
        .filter(|r| r.node == a)
        .filter_map(|r| match r.what {
            What::Advert { dst, .. } => Some(dst),
            _ => None,
        })
        .take(4)
        .collect();
    assert_eq!(
        dsts,
        [
            ip("10.0.0.2"),
            ip("10.0.0.3"),
            ip("10.0.0.2"),
            ip("10.0.0.3")
        ]
    );
    // One advert counted per send, whatever the number of peers (keepalived advert_sent).
    assert_eq!(
        net.nodes[a].m.counters().adverts_sent as usize * 2,
        net.adverts(a).len()
    );
    let mut m = Instance::new(
        peers("10.0.0.1", &["10.0.0.2"], " priority 255"),
        Some(ip("10.0.0.1")),
    );
    m.start(net.now);
    let Some(Action::SendAdvert(sa)) = m.poll_action() else {
        panic!()
    };
    assert_eq!(
        (sa.src, sa.dst, sa.ttl),
        (Some(ip("10.0.0.1")), ip("10.0.0.2"), Some(255))
    );
}

/// keepalived `check_unicast_src` (`vrrp_check_packet`): adverts from an address that is
/// not a listed peer are dropped.
#[test]
fn check_unicast_src_drops_strangers() {
    let settings = peers("10.0.0.2", &["10.0.0.1"], " check_unicast_src");
    let mut solo = Solo::new(settings, "10.0.0.2");
    let e = solo
        .rx(s(1.0), &unicast_from("10.0.0.9", "10.0.0.2", 150))
        .unwrap_err();
    assert_eq!(e.reason, Drop::UnicastPeer);
    assert_eq!(solo.m.counters().dropped.unicast_peer, 1);
    solo.rx(s(1.5), &unicast_from("10.0.0.1", "10.0.0.2", 150))
        .unwrap();
    // A multicast advert on a unicast instance is dropped too.
    let e = solo.rx(s(2.0), &advert_from("10.0.0.1", 150)).unwrap_err();
    assert_eq!(e.reason, Drop::Destination);
}

/// keepalived (without `check_unicast_src`): the peer list says where adverts go, not
/// whom to believe — an advert from another address is accepted.
#[test]
fn without_check_unicast_src_strangers_are_heard() {
    let mut solo = Solo::new(peers("10.0.0.2", &["10.0.0.1"], ""), "10.0.0.2");
    solo.rx(s(1.0), &unicast_from("10.0.0.9", "10.0.0.2", 150))
        .unwrap();
    assert_eq!(solo.m.master(), Some((ip("10.0.0.9"), 150)));
}

/// keepalived: unicast adverts are not held to TTL 255 (they may cross routers), unless
/// the peer line bounds it with `min_ttl` / `max_ttl` (which turns `check_unicast_src`
/// on).
#[test]
fn unicast_ttl_bounds() {
    let mut solo = Solo::new(peers("10.0.0.2", &["10.0.0.1"], ""), "10.0.0.2");
    let mut rx = unicast_from("10.0.0.1", "10.0.0.2", 150);
    rx.ttl = 61;
    solo.rx(s(1.0), &rx).unwrap();

    let bounded = peers("10.0.0.2", &["10.0.0.1 min_ttl 250"], "");
    let mut solo = Solo::new(bounded, "10.0.0.2");
    assert_eq!(solo.rx(s(1.0), &rx).unwrap_err().reason, Drop::Ttl);
    rx.ttl = 255;
    solo.rx(s(2.0), &rx).unwrap();
}

/// keepalived `try_up_instance`: a unicast instance leaving FAULT sends a gratuitous ARP
/// for its own address, so that the MASTER can reach it at once.
#[test]
fn leaving_fault_announces_own_address() {
    let mut solo = Solo::new(peers("10.0.0.2", &["10.0.0.1"], ""), "10.0.0.2");
    solo.m.set_fault(solo.at(s(1.0)), true, "eth0 down");
    solo.drain();
    solo.m.set_fault(solo.at(s(2.0)), false, "eth0 up");
    let got = solo.drain();
    assert!(
        got.iter()
            .any(|a| matches!(a, Action::Announce(l) if l.len() == 1 && l[0].ip == ip("10.0.0.2"))),
        "{got:?}"
    );
    // Multicast instances do not.
    let mut solo = Solo::new(prio(100), "10.0.0.2");
    solo.m.set_fault(solo.at(s(1.0)), true, "eth0 down");
    solo.m.set_fault(solo.at(s(2.0)), false, "eth0 up");
    assert!(!solo
        .drain()
        .iter()
        .any(|a| matches!(a, Action::Announce(_))));
}

/// keepalived `unicast_fault_no_peer`: unicast asked for without peers keeps the
/// instance in FAULT (instead of falling back to multicast).
#[test]
fn unicast_fault_no_peer_stays_in_fault() {
    let settings = inst(" unicast_src_ip 10.0.0.2\n unicast_fault_no_peer");
    let mut solo = Solo::new(settings, "10.0.0.2");
    assert_eq!(solo.state(), State::Fault);
    solo.m.set_fault(solo.at(s(1.0)), false, "tracking ok");
    assert_eq!(solo.state(), State::Fault);
    assert_eq!(solo.m.poll_timeout(), None);
}
