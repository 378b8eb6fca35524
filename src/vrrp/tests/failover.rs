//! Losing the MASTER: a crash, a graceful stop.

use super::*;

/// A and B elected (A MASTER at priority 150), run to 10 s.
fn elected() -> (Net, usize, usize) {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", prio(150));
    let b = net.add("B", "10.0.0.2", prio(100));
    net.start_all();
    net.run_for(s(10.0));
    assert_eq!(net.holders(), vec![a]);
    (net, a, b)
}

/// RFC 3768 6.4.2 / RFC 5798 6.4.2 ("If the Master_Down_Timer fires"): after the
/// MASTER dies, the BACKUP takes over exactly Master_Down_Interval = 3 x 1 s + (256 -
/// 100)/256 s = 3.609375 s after the last advert it heard.
#[test]
fn master_crash_takeover_after_down_interval() {
    let (mut net, a, b) = elected();
    let last_advert = net.adverts(a).last().unwrap().0;
    net.crash(a);
    net.run_for(s(10.0));
    let heard = last_advert + net.delay;
    assert_eq!(
        net.entered(b, State::Master),
        Some(heard + us(3_609_375)),
        "{}",
        net.dump()
    );
    let reason = net.transitions(b).last().unwrap().3.clone();
    assert_eq!(reason, "no advert from 10.0.0.1 for 3.61 s");
    assert_eq!(net.holders(), vec![b]);
    assert_eq!(net.nodes[b].m.counters().became_master, 1);
}

/// RFC 3768 6.4.3 / RFC 5798 6.4.3 (Shutdown: send an advert with priority 0) and 6.4.2
/// (priority 0 received: Master_Down_Timer = Skew_Time); keepalived
/// `restore_vrrp_interfaces` and `vrrp_state_backup`: B takes over 0.609375 s after the
/// priority 0 advert, not 3.6 s.
#[test]
fn graceful_stop_hands_over_after_skew_time() {
    let (mut net, a, b) = elected();
    let stop_at = net.t();
    net.stop(a);
    assert_eq!(net.adverts(a).last().cloned(), Some((stop_at, 0)));
    assert!(!net.nodes[a].vips);
    let (_, from, to, reason) = net.transitions(a).last().cloned().unwrap();
    assert_eq!(
        (from, to, reason.as_str()),
        (State::Master, State::Stopped, "stop requested")
    );
    net.run_for(s(5.0));
    assert_eq!(
        net.entered(b, State::Master),
        Some(stop_at + net.delay + us(609_375)),
        "{}",
        net.dump()
    );
    assert!(net.transitions(b).last().unwrap().3.contains("priority 0"));
    assert_eq!(net.nodes[a].m.counters().priority_zero_sent, 1);
    assert_eq!(net.nodes[b].m.counters().priority_zero_received, 1);
    assert!(net.split_brain().is_empty());
    // A stopped machine does nothing more.
    assert_eq!(net.nodes[a].m.poll_timeout(), None);
}

/// keepalived `restore_vrrp_interfaces`: only a MASTER announces its stop; a BACKUP
/// stops silently and the MASTER carries on.
#[test]
fn backup_stops_silently() {
    let (mut net, a, b) = elected();
    net.stop(b);
    assert!(net.adverts(b).is_empty());
    assert_eq!(net.state(b), State::Stopped);
    net.run_for(s(10.0));
    assert_eq!(net.state(a), State::Master);
    // Adverts reaching a stopped instance are ignored and counted as such.
    assert!(net.nodes[b].m.counters().dropped.not_running > 0);
}

/// keepalived `down_timer_adverts` (RFC: 3): the number of adverts a BACKUP misses
/// before the master is down.
#[test]
fn down_timer_adverts() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", prio(150));
    let b = net.add(
        "B",
        "10.0.0.2",
        inst(" priority 100\n down_timer_adverts 6"),
    );
    net.start_all();
    net.run_for(s(10.0));
    let last = net.adverts(a).last().unwrap().0;
    net.crash(a);
    net.run_for(s(10.0));
    assert_eq!(
        net.entered(b, State::Master),
        Some(last + net.delay + us(6_609_375))
    );
}

/// The daemon keeps a BACKUP's master-down timer to the microsecond (a timerfd) and lets
/// a MASTER's advert timer run a little late (the wait's timeout, see daemon::wait): the
/// machine names which of its deadlines decides a failover.
#[test]
fn only_the_backups_master_down_timer_is_exact() {
    let (mut net, a, b) = elected();
    assert!(net.nodes[a].m.poll_timeout().is_some());
    assert_eq!(net.nodes[a].m.poll_timeout_exact(), None);
    let down = net.nodes[b].m.poll_timeout();
    assert!(down.is_some());
    assert_eq!(net.nodes[b].m.poll_timeout_exact(), down);
    net.crash(a);
    net.run_for(s(10.0));
    assert_eq!(net.holders(), vec![b]);
    assert_eq!(net.nodes[b].m.poll_timeout_exact(), None);
}
