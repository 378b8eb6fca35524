//! Gratuitous ARP / unsolicited NA timing of a MASTER (keepalived
//! `vrrp_state_become_master`, `vrrp_gratuitous_arp_thread`, `vrrp_state_master_tx`).

use super::*;

const TWO_VIPS: &str = "vrrp_instance VI_1 {
 interface eth0
 virtual_router_id 51
 priority 255
 virtual_ipaddress {
  10.0.0.100/24
  10.0.0.101/24
 }
 virtual_ipaddress_excluded {
  10.0.1.1/24
  2001:db8::1/64
 }
";

fn owner(extra: &str, global: &str) -> Settings {
    settings(&format!(
        "global_defs {{\n{global}\n}}\n{TWO_VIPS}{extra}\n}}\n"
    ))
}

/// Every announce of node 0 between `from` and `to` (inclusive), as (time, address).
fn between(net: &Net, from: Duration, to: Duration) -> Vec<(Duration, IpAddr)> {
    net.announces(0)
        .into_iter()
        .filter(|x| x.0 >= from && x.0 <= to)
        .collect()
}

/// keepalived defaults (`garp_master_repeat` 5, `garp_master_delay` 5 s, no refresh):
/// on taking over, 5 rounds of one message per VIP then per eVIP (an NA for the IPv6
/// eVIP), and the same again 5 s later; nothing after that.
#[test]
fn takeover_sends_five_now_and_five_after_five_seconds() {
    let mut net = Net::new();
    net.add("A", "10.0.0.1", owner("", ""));
    net.start_all();
    net.run_for(s(30.0));
    let round = [
        ip("10.0.0.100"),
        ip("10.0.0.101"),
        ip("10.0.1.1"),
        ip("2001:db8::1"),
    ];
    let now: Vec<IpAddr> = between(&net, s(0.0), s(0.0)).iter().map(|x| x.1).collect();
    assert_eq!(now, round.repeat(5));
    let later: Vec<IpAddr> = between(&net, s(5.0), s(5.0)).iter().map(|x| x.1).collect();
    assert_eq!(later, round.repeat(5));
    assert_eq!(net.announces(0).len(), 40, "{}", net.dump());
    assert_eq!(net.nodes[0].m.counters().announcements_sent, 40);
    // The advert goes out before the addresses and the ARPs.
    let first: Vec<&What> = net.log.iter().map(|r| &r.what).take(3).collect();
    assert!(matches!(first[0], What::Advert { .. }), "{first:?}");
    assert!(matches!(first[1], What::Transition(_)), "{first:?}");
    assert!(matches!(first[2], What::AddVips), "{first:?}");
}

/// keepalived `garp_master_refresh` / `garp_master_refresh_repeat`: while MASTER, the
/// first advert at least `refresh` after the last refresh brings `refresh_repeat` rounds.
#[test]
fn refresh_while_master() {
    let mut net = Net::new();
    net.add(
        "A",
        "10.0.0.1",
        owner(
            " garp_master_refresh 10\n garp_master_refresh_repeat 2\n garp_master_delay 0",
            "",
        ),
    );
    net.start_all();
    net.run_for(s(35.0));
    let times: Vec<Duration> = net.announces(0).iter().map(|x| x.0).collect();
    // 5 rounds of 4 at 0 (no delayed burst), 2 rounds at 10, 20 and 30 s.
    assert_eq!(times.iter().filter(|t| **t == s(0.0)).count(), 20);
    for k in [10.0, 20.0, 30.0] {
        assert_eq!(times.iter().filter(|t| **t == s(k)).count(), 8, "at {k} s");
    }
    assert_eq!(times.len(), 20 + 3 * 8);
}

/// keepalived `vrrp_garp_interval` / `vrrp_gna_interval` (and `garp_group`): messages of
/// a family leave one per interval; the two families are paced apart.
#[test]
fn garp_interval_spaces_the_messages() {
    let mut net = Net::new();
    net.add(
        "A",
        "10.0.0.1",
        owner(
            " garp_master_repeat 2\n garp_master_delay 0",
            " vrrp_garp_interval 0.1\n vrrp_gna_interval 0.25",
        ),
    );
    net.start_all();
    net.run_for(s(3.0));
    let arps: Vec<Duration> = net
        .announces(0)
        .iter()
        .filter(|x| x.1.is_ipv4())
        .map(|x| x.0)
        .collect();
    let nas: Vec<Duration> = net
        .announces(0)
        .iter()
        .filter(|x| x.1.is_ipv6())
        .map(|x| x.0)
        .collect();
    let expect: Vec<Duration> = (0..6).map(|k| Duration::from_millis(100 * k)).collect();
    assert_eq!(arps, expect, "{}", net.dump());
    assert_eq!(nas, [s(0.0), s(0.25)]);
}

/// keepalived `garp_group` overrides the global gap for its interfaces.
#[test]
fn garp_group_sets_the_gap() {
    let text = format!(
        "global_defs {{\n vrrp_garp_interval 0.5\n}}\ngarp_group {{\n garp_interval 0.2\n interface eth0\n}}\n{TWO_VIPS} garp_master_repeat 1\n garp_master_delay 0\n}}\n"
    );
    let mut net = Net::new();
    net.add("A", "10.0.0.1", settings(&text));
    net.start_all();
    net.run_for(s(3.0));
    let arps: Vec<Duration> = net
        .announces(0)
        .iter()
        .filter(|x| x.1.is_ipv4())
        .map(|x| x.0)
        .collect();
    assert_eq!(arps, [s(0.0), s(0.2), s(0.4)]);
}

/// keepalived `vrrp_remove_delayed_arp` (leaving MASTER): pending and delayed messages
/// are not sent by a node that is no longer MASTER.
#[test]
fn leaving_master_cancels_pending_announces() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", prio(100));
    net.start(a);
    net.run_for(s(4.0));
    let became = net.entered(a, State::Master).unwrap();
    let b = net.add("B", "10.0.0.2", prio(200));
    // B preempts: it starts, discards A's adverts, and is MASTER 3.22 s later, before
    // A's delayed burst (became + 5 s) is due.
    net.start(b);
    net.run_for(s(10.0));
    let a_left = net.entered(a, State::Backup).unwrap();
    assert!(a_left < became + s(5.0), "{}", net.dump());
    assert!(net.announces(a).iter().all(|x| x.0 == became));
    assert_eq!(net.announces(a).len(), 5);
}
