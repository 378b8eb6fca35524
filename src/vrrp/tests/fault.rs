//! FAULT: entered and left through `set_fault` (tracked interfaces, scripts with weight
//! 0, ...: keepalived `down_instance` / `try_up_instance`, vrrp_track.c).

use super::*;
use crate::vrrp::Drop;

/// keepalived `down_instance` -> `vrrp_state_leave_master` (wantstate FAULT): a MASTER
/// entering FAULT sends priority 0 (twice: once itself, once in
/// `vrrp_restore_interface`) and removes its addresses, so the BACKUP takes over after
/// its skew time. In FAULT it ignores adverts. Leaving FAULT (`try_up_instance`) it is
/// BACKUP with a full master-down timer, and the higher priority preempts again.
#[test]
fn master_fault_hands_over_and_recovers() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", prio(150));
    let b = net.add("B", "10.0.0.2", prio(100));
    net.start_all();
    net.run_for(s(10.0));
    let t = net.t();
    net.set_fault(a, true, "tracked interface eth1 is down");
    let (_, from, to, reason) = net.transitions(a).last().cloned().unwrap();
    assert_eq!((from, to), (State::Master, State::Fault));
    assert_eq!(reason, "tracked interface eth1 is down");
    let zeros: Vec<_> = net.adverts(a).into_iter().filter(|x| x.1 == 0).collect();
    assert_eq!(zeros, [(t, 0), (t, 0)]);
    assert!(!net.nodes[a].vips);
    assert_eq!(net.nodes[a].m.poll_timeout(), None);

    net.run_for(s(10.0));
    assert_eq!(
        net.entered(b, State::Master),
        Some(t + net.delay + us(609_375))
    );
    assert!(net.nodes[a].m.counters().dropped.get(Drop::NotRunning) > 5);
    assert_eq!(net.holders(), vec![b]);

    let up = net.t();
    net.set_fault(a, false, "tracked interface eth1 is up");
    assert_eq!(net.state(a), State::Backup);
    net.run_for(s(10.0));
    assert_eq!(net.entered(a, State::Master), Some(up + us(3_414_062)));
    assert_eq!(net.holders(), vec![a]);
}

/// keepalived `down_instance` -> `vrrp_state_leave_fault`: a BACKUP in FAULT stops its
/// timer (it will not take over however long the MASTER is silent).
#[test]
fn backup_in_fault_never_takes_over() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", prio(150));
    let b = net.add("B", "10.0.0.2", prio(100));
    net.start_all();
    net.run_for(s(10.0));
    net.set_fault(b, true, "script chk_nginx failed");
    net.crash(a);
    net.run_for(s(60.0));
    assert_eq!(net.state(b), State::Fault);
    assert!(net.holders().is_empty());
    let t = net.t();
    net.set_fault(b, false, "script chk_nginx succeeded");
    net.run_for(s(10.0));
    assert_eq!(net.entered(b, State::Master), Some(t + us(3_609_375)));
}

/// keepalived `vrrp_init_state`: an instance whose tracking is down at start starts in
/// FAULT; a second fault report changes nothing.
#[test]
fn fault_at_start() {
    let t0 = Instant::now();
    let mut m = Instance::new(prio(100), Some(ip("10.0.0.2")));
    m.set_fault(t0, true, "eth0 is down");
    m.set_fault(t0, true, "eth0 is still down");
    m.start(t0);
    assert_eq!(m.state(), State::Fault);
    assert_eq!(m.fault_reason(), Some("eth0 is down"));
    let Some(Action::Transition(tr)) = m.poll_action() else {
        panic!()
    };
    assert_eq!((tr.from, tr.to), (State::Init, State::Fault));
    m.set_fault(t0 + s(1.0), false, "eth0 is up");
    assert_eq!(m.state(), State::Backup);
    assert_eq!(m.poll_timeout(), Some(t0 + s(1.0) + us(3_609_375)));
}

/// keepalived `try_up_instance`: an address owner that was in FAULT from the start
/// becomes MASTER as soon as the fault clears; one that ran and then faulted comes back
/// as BACKUP with a full timer (its wantstate was reset to FAULT).
#[test]
fn owner_leaving_fault() {
    let t0 = Instant::now();
    let mut m = Instance::new(prio(255), Some(ip("10.0.0.1")));
    m.set_fault(t0, true, "eth0 is down");
    m.start(t0);
    assert_eq!(m.state(), State::Fault);
    m.set_fault(t0 + s(1.0), false, "eth0 is up");
    assert_eq!(m.state(), State::Master);

    m.set_fault(t0 + s(2.0), true, "eth0 is down");
    assert_eq!(m.state(), State::Fault);
    m.set_fault(t0 + s(3.0), false, "eth0 is up");
    assert_eq!(m.state(), State::Backup);
    // 3 x 1 s + 1/256 s.
    assert_eq!(m.poll_timeout(), Some(t0 + s(3.0) + us(3_003_906)));
}
