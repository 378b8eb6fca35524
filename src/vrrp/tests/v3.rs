//! VRRPv3 timing (RFC 5798): centisecond intervals, the skew scaled by the interval, and
//! a BACKUP timing the MASTER with the MASTER's interval.

use super::*;

fn v3(extra: &str) -> Settings {
    inst(&format!(" version 3\n{extra}"))
}

/// RFC 5798 6.1 / 6.4.2 ("Set Master_Adver_Interval to Adver Interval contained in the
/// ADVERTISEMENT"), keepalived `vrrp_state_backup`: a BACKUP configured with 1 s hears a
/// MASTER at 0.05 s and times it with 0.05 s: Master_Down_Interval = 3 x 0.05 +
/// (156 x 0.05)/256 = 0.180468 s. Its own adverts, once MASTER, carry its own 1 s.
#[test]
fn backup_adopts_the_masters_50ms_interval() {
    let mut net = Net::new();
    net.delay = us(100);
    let a = net.add("A", "10.0.0.1", v3(" priority 150\n advert_int 0.05"));
    let b = net.add("B", "10.0.0.2", v3(" priority 100\n advert_int 1"));
    net.start(a);
    net.run_for(s(1.0));
    net.start(b);
    net.run_for(s(1.0));
    assert_eq!(net.nodes[b].m.master_adver_int(), Duration::from_millis(50));
    let last = net.adverts(a).last().unwrap().0;
    net.crash(a);
    net.run_for(s(2.0));
    assert_eq!(
        net.entered(b, State::Master),
        Some(last + net.delay + us(150_000 + 30_468)),
        "{}",
        net.dump()
    );
    let own: Vec<u16> = net
        .log
        .iter()
        .filter(|r| r.node == b)
        .filter_map(|r| match r.what {
            What::Advert { interval_cs, .. } => Some(interval_cs),
            _ => None,
        })
        .collect();
    assert!(own.iter().all(|i| *i == 100), "{own:?}");
    assert_eq!(net.nodes[b].m.master_adver_int(), s(1.0));
}

/// RFC 5798 5.2.7: intervals down to one centisecond. At 0.01 s: election after
/// 3 x 0.01 + 106 x 0.01 / 256 = 34.140 ms, failover 36.093 ms after the last advert.
#[test]
fn centisecond_interval() {
    let mut net = Net::new();
    net.delay = us(100);
    let a = net.add("A", "10.0.0.1", v3(" priority 150\n advert_int 0.01"));
    let b = net.add("B", "10.0.0.2", v3(" priority 100\n advert_int 0.01"));
    net.start_all();
    net.run_for(s(0.5));
    assert_eq!(net.entered(a, State::Master), Some(us(34_140)));
    assert_eq!(net.state(b), State::Backup);
    // About 47 adverts in the next 0.466 s.
    assert!(net.adverts(a).len() >= 46, "{}", net.adverts(a).len());
    let last = net.adverts(a).last().unwrap().0;
    net.crash(a);
    net.run_for(s(0.5));
    assert_eq!(
        net.entered(b, State::Master),
        Some(last + net.delay + us(36_093))
    );
    let reason = net.transitions(b).last().unwrap().3.clone();
    assert_eq!(reason, "no advert from 10.0.0.1 for 0.04 s");
}

/// RFC 5798 (no interval check, unlike RFC 3768 7.1): a VRRPv3 BACKUP accepts any
/// interval. A VRRPv2 pair with different intervals, by contrast, drops each other's
/// adverts (keepalived: "to prevent concurrent VRID running") and both become MASTER.
#[test]
fn interval_mismatch_v3_accepted_v2_split() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", v3(" priority 150\n advert_int 0.5"));
    let b = net.add("B", "10.0.0.2", v3(" priority 100\n advert_int 2"));
    net.start_all();
    net.run_for(s(20.0));
    assert_eq!(net.holders(), vec![a]);
    assert_eq!(net.nodes[b].m.counters().dropped.total(), 0);

    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", inst(" priority 150\n advert_int 1"));
    let b = net.add("B", "10.0.0.2", inst(" priority 100\n advert_int 2"));
    net.start_all();
    net.run_for(s(20.0));
    assert_eq!((net.state(a), net.state(b)), (State::Master, State::Master));
    assert!(net.nodes[a].m.counters().dropped.interval > 0);
    assert!(net.nodes[b].m.counters().dropped.interval > 0);
}

/// RFC 5798 6.4.3: a MASTER that steps down to a higher priority adopts the new
/// master's interval for its down timer.
#[test]
fn stepping_down_adopts_the_new_interval() {
    let mut net = Net::new();
    net.delay = us(100);
    let low = net.add("LOW", "10.0.0.1", v3(" priority 100\n advert_int 1"));
    let high = net.add("HIGH", "10.0.0.2", v3(" priority 200\n advert_int 0.1"));
    net.start(low);
    net.run_for(s(5.0));
    net.start(high);
    net.run_for(s(5.0));
    assert_eq!(net.state(low), State::Backup);
    assert_eq!(
        net.nodes[low].m.master_adver_int(),
        Duration::from_millis(100)
    );
}

/// RFC 5798 (IPv6): VRRPv3 over IPv6 to ff02::12, the link-local address compared on
/// equal priorities, unsolicited NAs for the VIPs.
#[test]
fn ipv6_instance() {
    let six = |p: u8| {
        settings(&format!(
            "vrrp_instance VI_6 {{\n interface eth0\n virtual_router_id 61\n priority {p}\n virtual_ipaddress {{\n  fe80::100/64\n  2001:db8::100/64\n }}\n}}\n"
        ))
    };
    let mut net = Net::new();
    let a = net.add("A", "fe80::1", six(100));
    let b = net.add("B", "fe80::2", six(100));
    net.partition(a, b);
    net.start_all();
    net.run_for(s(10.5));
    net.heal();
    net.run_for(s(5.0));
    assert_eq!(net.holders(), vec![b], "{}", net.dump());
    assert_eq!(
        net.transitions(a).last().unwrap().3,
        "equal priority 100 from higher address fe80::2"
    );
    let dst = net.log.iter().find_map(|r| match r.what {
        What::Advert { dst, .. } => Some(dst),
        _ => None,
    });
    assert_eq!(dst, Some(ip("ff02::12")));
    assert!(net.announces(b).iter().all(|x| x.1.is_ipv6()));
    assert!(!net.announces(b).is_empty());
    // An IPv4 advert is not for this instance.
    let mut rx = advert_from("10.0.0.1", 200);
    rx.advert.vrid = 61;
    net.inject(b, rx);
    assert_eq!(net.nodes[b].m.counters().dropped.family, 1);
}
