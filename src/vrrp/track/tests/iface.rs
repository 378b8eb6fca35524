//! Interfaces: keepalived's `process_if_status_change` (core/keepalived_netlink.c),
//! `initialise_interface_tracking_priorities` (vrrp_track.c) and the interfaces
//! `vrrp_complete_instance` (vrrp.c) makes an instance track.

use super::*;

/// `process_if_status_change`: a weight-0 tracked interface going down is FAULT, up
/// again leaves it; an interface nobody tracks is ignored.
#[test]
fn down_is_fault_with_weight_0() {
    let text = inst("VI_1", 1, 100, " track_interface {\n  eth1\n }");
    let (mut t, _) = tracking(&text);
    assert!(t.link("eth1", true));
    assert_eq!(effects(&mut t), []);
    t.link("eth1", false);
    assert_eq!(
        effects(&mut t),
        [fault("VI_1", true, "interface eth1 is down")]
    );
    t.link("eth1", false);
    assert_eq!(effects(&mut t), [], "no change, nothing given out");
    t.link("eth1", true);
    assert_eq!(
        effects(&mut t),
        [fault("VI_1", false, "interface eth1 is up")]
    );
    assert!(!t.link("eth9", false));
}

/// `process_if_status_change` / `initialise_interface_tracking_priorities`: weights
/// as for scripts (positive while up, negative while down, reversed by `reverse`); with
/// weight 0 and reverse, up is the FAULT.
#[test]
fn weights_and_reverse() {
    let text = inst(
        "VI_1",
        1,
        100,
        " track_interface {\n  eth1 weight -30\n  eth2 weight 20 reverse\n  eth3 weight 0 reverse\n }",
    );
    let (mut t, _) = tracking(&text);
    t.link("eth1", true);
    t.link("eth3", false);
    assert_eq!(effects(&mut t), []);
    t.link("eth2", true);
    assert_eq!(
        effects(&mut t),
        [prio("VI_1", -20, "interface eth2 is up, weight 20 reverse")]
    );
    t.link("eth1", false);
    assert_eq!(
        effects(&mut t),
        [prio("VI_1", -50, "interface eth1 is down, weight -30")]
    );
    t.link("eth3", true);
    assert_eq!(
        effects(&mut t),
        [fault("VI_1", true, "interface eth3 is up")]
    );
}

/// `vrrp_complete_instance` (`add_vrrp_to_interface` TRACK_VRRP): the instance's own
/// interface is tracked with weight 0, unless `dont_track_primary`.
#[test]
fn the_own_interface_unless_dont_track_primary() {
    let text = inst("VI_1", 1, 100, "") + &inst("VI_2", 2, 100, " dont_track_primary");
    let (mut t, _) = tracking(&text);
    assert_eq!(t.interfaces().collect::<Vec<_>>(), ["eth0"]);
    t.link("eth0", false);
    assert_eq!(
        effects(&mut t),
        [fault("VI_1", true, "interface eth0 is down")]
    );
}

/// `vrrp_complete_instance` (TRACK_ADDR, TRACK_ROUTE, TRACK_RULE): the interfaces of
/// addresses, virtual routes and rules are tracked with weight 0 unless `no_track`; and
/// such a line wins over a weighted track_interface line (`add_vrrp_to_interface`).
#[test]
fn address_route_and_rule_interfaces() {
    let text = inst(
        "VI_1",
        1,
        100,
        " track_interface {\n  eth1 weight -10\n }\n virtual_ipaddress_excluded {\n  10.1.0.1/24 dev eth1\n  10.2.0.1/24 dev eth2 no_track\n }\n virtual_routes {\n  10.3.0.0/16 dev eth3\n }\n virtual_rules {\n  from 10.4.0.0/16 table 100 iif eth4\n }",
    );
    let (mut t, _) = tracking(&text);
    let mut names: Vec<_> = t.interfaces().collect();
    names.sort();
    assert_eq!(names, ["eth0", "eth1", "eth3", "eth4"]);
    t.link("eth1", false);
    assert_eq!(
        effects(&mut t),
        [fault("VI_1", true, "interface eth1 is down")]
    );
}

/// `vrrp_complete_instance`: "Ignoring track_interface X since own interface".
#[test]
fn tracking_the_own_interface_is_ignored_with_a_warning() {
    let text = inst(
        "VI_1",
        1,
        100,
        " dont_track_primary\n track_interface {\n  eth0 weight -10\n }",
    );
    let (t, _) = tracking(&text);
    assert_eq!(t.interfaces().count(), 0);
    assert_eq!(
        t.warnings(),
        ["VI_1: `track_interface eth0` is ignored: it is the instance's own interface, tracked only without dont_track_primary"]
    );
}
