//! Adverts that are dropped and counted (RFC 3768 7.1 / RFC 5798 7.1 as keepalived's
//! `vrrp_check_packet` applies them). A dropped advert never restarts a BACKUP's
//! master-down timer, so a stream of bad adverts does not hold a takeover back.

use super::*;
use crate::vrrp::Drop;

/// A BACKUP (priority 100) hears `rx` at 1 s: it must be dropped for `reason`, counted
/// once, and leave the timer started at 0 running.
fn assert_dropped(settings: Settings, rx: Received, reason: Drop) -> Solo {
    let mut solo = Solo::new(settings, "10.0.0.2");
    let timer = solo.timer();
    let e = solo.rx(s(1.0), &rx).unwrap_err();
    assert_eq!(e.reason, reason, "{e}");
    let c = solo.m.counters();
    assert_eq!(c.dropped.get(reason), 1);
    assert_eq!(c.dropped.total(), 1);
    assert_eq!((c.received, c.accepted), (1, 0));
    assert_eq!(solo.timer(), timer, "a dropped advert moved the timer");
    solo
}

fn good() -> Received {
    advert_from("10.0.0.1", 150)
}

fn pass(p: &str) -> Auth {
    let mut k = [0u8; 8];
    for (d, s) in k.iter_mut().zip(p.bytes()) {
        *d = s;
    }
    Auth::Pass(k)
}

/// The valid advert is accepted (the reference for the tests below).
#[test]
fn a_valid_advert_restarts_the_timer() {
    let mut solo = Solo::new(prio(100), "10.0.0.2");
    solo.rx(s(1.0), &good()).unwrap();
    assert_eq!(solo.timer(), Some(s(1.0) + us(3_609_375)));
    assert_eq!(solo.m.counters().accepted, 1);
}

/// RFC 3768 7.1 / RFC 5798 7.1: "MUST verify that the IP TTL is 255".
#[test]
fn ttl_not_255() {
    let mut rx = good();
    rx.ttl = 254;
    assert_dropped(prio(100), rx, Drop::Ttl);
}

/// RFC 3768 7.1 / RFC 5798 7.1: "MUST verify the VRRP checksum".
#[test]
fn bad_checksum() {
    let mut rx = good();
    rx.checksum_ok = false;
    assert_dropped(prio(100), rx, Drop::Checksum);
}

/// RFC 3768 7.1: "MUST verify the VRRP version" (a v3 advert on a v2 instance).
#[test]
fn wrong_version() {
    let mut rx = good();
    rx.advert.version = Version::V3;
    assert_dropped(prio(100), rx, Drop::Version);
}

/// RFC 3768 7.1 ("MUST verify that the VRID is configured"): another router's advert.
#[test]
fn other_vrid() {
    let mut rx = good();
    rx.advert.vrid = 52;
    assert_dropped(prio(100), rx, Drop::Vrid);
}

const AUTH: &str = " priority 100\n authentication {\n  auth_type PASS\n  auth_pass secret\n }";

/// RFC 3768 7.1 ("MUST perform authentication specified by Auth Type"), keepalived:
/// an advert without the configured authentication type is dropped.
#[test]
fn auth_type_mismatch() {
    let rx = good();
    assert_dropped(inst(AUTH), rx, Drop::AuthType);
}

/// keepalived: an auth type no RFC defines.
#[test]
fn auth_type_unknown() {
    let mut rx = good();
    rx.advert.auth = Auth::Other(7);
    assert_dropped(prio(100), rx, Drop::AuthType);
}

/// RFC 3768 5.3.10 / 7.1: a wrong simple password.
#[test]
fn auth_wrong_password() {
    let mut rx = good();
    rx.advert.auth = pass("secreT");
    assert_dropped(inst(AUTH), rx, Drop::Auth);
}

/// keepalived `vrrp_check_packet`: the password is compared on 8 bytes, zero padded:
/// "secret" matches "secret\0\0" but not "secret\0x"; a longer configured password is cut
/// to its first 8 bytes.
#[test]
fn auth_compares_eight_zero_padded_bytes() {
    let mut solo = Solo::new(inst(AUTH), "10.0.0.2");
    let mut rx = good();
    rx.advert.auth = pass("secret");
    solo.rx(s(1.0), &rx).unwrap();
    rx.advert.auth = Auth::Pass(*b"secret\0x");
    assert_eq!(solo.rx(s(1.5), &rx).unwrap_err().reason, Drop::Auth);

    let long = " priority 100\n authentication {\n  auth_type PASS\n  auth_pass secret12345\n }";
    let mut solo = Solo::new(inst(long), "10.0.0.2");
    rx.advert.auth = pass("secret12");
    solo.rx(s(1.0), &rx).unwrap();
}

/// RFC 3768 7.1 ("MUST verify that the Adver Interval in the packet is the same as the
/// locally configured"), keepalived: dropped (VRRPv2 only).
#[test]
fn v2_interval_mismatch() {
    let mut rx = good();
    rx.advert.interval_cs = 200;
    assert_dropped(prio(100), rx, Drop::Interval);
}

/// RFC 3768 7.1 ("MAY verify that the IP address(es) associated with the VRID are
/// valid"): keepalived drops an advert whose address count differs...
#[test]
fn address_count_mismatch() {
    let mut rx = good();
    rx.advert.addresses.push(ip("10.0.0.101"));
    assert_dropped(prio(100), rx, Drop::AddressList);
}

/// ... or that lacks one of our VIPs.
#[test]
fn address_list_mismatch() {
    let mut rx = good();
    rx.advert.addresses = vec![ip("10.0.0.99")];
    assert_dropped(prio(100), rx, Drop::AddressList);
}

/// keepalived: a unicast advert on a multicast instance (keepalived counts it as an
/// address list error; ha under its own reason).
#[test]
fn unicast_advert_on_multicast_instance() {
    let mut rx = good();
    rx.dst = ip("10.0.0.2");
    assert_dropped(prio(100), rx, Drop::Destination);
}

/// keepalived `vrrp_dispatcher_read`: an instance in FAULT ignores adverts.
#[test]
fn ignored_in_fault() {
    let mut solo = Solo::new(prio(100), "10.0.0.2");
    solo.m.set_fault(solo.at(s(0.5)), true, "eth0 down");
    let e = solo.rx(s(1.0), &good()).unwrap_err();
    assert_eq!(e.reason, Drop::NotRunning);
    assert_eq!(solo.m.counters().dropped.not_running, 1);
}

/// keepalived checks in a fixed order; a packet with several faults is counted under
/// the first: TTL before version, version before authentication, address count before
/// checksum.
#[test]
fn first_failed_check_is_counted() {
    let mut rx = good();
    rx.ttl = 1;
    rx.advert.version = Version::V3;
    assert_dropped(prio(100), rx, Drop::Ttl);
    let mut rx = good();
    rx.advert.addresses.clear();
    rx.checksum_ok = false;
    assert_dropped(prio(100), rx, Drop::AddressList);
}

/// keepalived `skip_check_adv_addr` (`vrrp_state_backup`): the address list of the
/// first advert from a master is checked; later adverts from the same master are not.
/// A MASTER always checks.
#[test]
fn skip_check_adv_addr_checks_a_new_master_once() {
    let mut solo = Solo::new(inst(" priority 100\n skip_check_adv_addr"), "10.0.0.2");
    let mut wrong = good();
    wrong.advert.addresses = vec![ip("10.0.0.99")];
    // A new master with the wrong list: dropped.
    assert_eq!(
        solo.rx(s(0.5), &wrong).unwrap_err().reason,
        Drop::AddressList
    );
    // Its right list is accepted; from then on its list is not checked.
    solo.rx(s(1.0), &good()).unwrap();
    solo.rx(s(2.0), &wrong).unwrap();
    assert_eq!(solo.timer(), Some(s(2.0) + us(3_609_375)));
    // Another master is checked again.
    let mut other = wrong.clone();
    other.src = ip("10.0.0.3");
    assert_eq!(
        solo.rx(s(2.5), &other).unwrap_err().reason,
        Drop::AddressList
    );

    // Without the option, every advert is checked.
    let mut solo = Solo::new(prio(100), "10.0.0.2");
    solo.rx(s(1.0), &good()).unwrap();
    assert_eq!(
        solo.rx(s(2.0), &wrong).unwrap_err().reason,
        Drop::AddressList
    );
}

/// The takeover is not held back by bad adverts: a BACKUP hearing only dropped adverts
/// becomes MASTER on time.
#[test]
fn bad_adverts_do_not_hold_a_backup() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", prio(150));
    let b = net.add("B", "10.0.0.2", prio(100));
    net.start(a);
    net.run_for(s(5.0));
    net.tamper(|_, _, rx| {
        rx.ttl = 64;
        true
    });
    let t = net.t();
    net.start(b);
    net.run_for(s(5.0));
    assert_eq!(net.entered(b, State::Master), Some(t + us(3_609_375)));
    assert!(net.nodes[b].m.counters().dropped.ttl >= 3);
}
