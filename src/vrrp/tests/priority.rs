//! The effective priority (keepalived `vrrp_set_effective_priority`, vrrp_track.c): the
//! configured priority plus the tracking weights the daemon sums.

use super::*;

/// keepalived: a MASTER whose tracked weight drops it below the BACKUP keeps its role
/// until the BACKUP, discarding the lower adverts, preempts (RFC 3768 6.4.2); the old
/// MASTER then hears the higher priority and steps down.
#[test]
fn a_lowered_master_is_preempted() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", prio(150));
    let b = net.add("B", "10.0.0.2", prio(120));
    net.start_all();
    net.run_for(s(10.0));
    net.set_priority_offset(a, -50, "script chk_nginx failed (weight -50)");
    assert_eq!(net.nodes[a].m.effective_priority(), 100);
    assert_eq!(net.state(a), State::Master);
    assert_eq!(
        net.count(a, |w| matches!(w, What::Priority { from: 150, to: 100 })),
        1
    );
    net.run_for(s(10.0));
    assert_eq!(net.holders(), vec![b], "{}", net.dump());
    let reason = net.transitions(b).last().unwrap().3.clone();
    assert_eq!(reason, "preempting: our priority 120 > 100 from 10.0.0.1");
    // The last advert B accepted was A's last one at 150.
    let last_150 = net.adverts(a).iter().rfind(|x| x.1 == 150).unwrap().0;
    assert_eq!(
        net.entered(b, State::Master),
        Some(last_150 + net.delay + us(3_531_250))
    );
}

/// keepalived `vrrp_set_effective_priority`: kept within 1..=254; the address owner's
/// priority never moves; a BACKUP's running timer moves by the change of its skew.
#[test]
fn clamped_owner_fixed_backup_timer_moves() {
    let mut solo = Solo::new(prio(100), "10.0.0.2");
    assert_eq!(solo.timer(), Some(us(3_609_375)));
    solo.m.set_priority_offset(200, "weights");
    assert_eq!(solo.m.effective_priority(), 254);
    // Skew (256 - 254)/256 s = 7812 us instead of 609375 us.
    assert_eq!(solo.timer(), Some(us(3_007_812)));
    solo.m.set_priority_offset(-500, "weights");
    assert_eq!(solo.m.effective_priority(), 1);
    assert_eq!(solo.timer(), Some(us(3_996_093)));
    solo.drain();
    let changes: Vec<(u8, u8)> = solo
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::PriorityChanged { from, to, .. } => Some((*from, *to)),
            _ => None,
        })
        .collect();
    assert_eq!(changes, [(100, 254), (254, 1)]);

    let mut owner = Solo::new(prio(255), "10.0.0.1");
    owner.m.set_priority_offset(-100, "weights");
    assert_eq!(owner.m.effective_priority(), 255);
}
