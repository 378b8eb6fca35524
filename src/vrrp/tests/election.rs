//! Who becomes MASTER.

use super::*;

/// RFC 3768 6.4.1 / 6.4.2, keepalived `vrrp_init_state`: every non-owner starts BACKUP;
/// the one whose Master_Down_Interval (3 x 1 s + (256 - priority)/256 s) runs out first
/// becomes MASTER, and its advert (priority above the other's) keeps the other BACKUP.
#[test]
fn higher_priority_wins_the_election() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", prio(150));
    let b = net.add("B", "10.0.0.2", prio(100));
    net.start_all();
    net.run_for(s(20.0));

    // 3 s + 106/256 s = 3.4140625 s, truncated to the microsecond as keepalived.
    assert_eq!(
        net.entered(a, State::Master),
        Some(us(3_414_062)),
        "{}",
        net.dump()
    );
    assert_eq!(net.state(b), State::Backup);
    assert_eq!(net.transitions(b).len(), 1, "{}", net.dump());
    assert_eq!(net.holders(), vec![a]);
    assert!(net.split_brain().is_empty());
    let r = &net.transitions(a)[1].3;
    assert_eq!(r, "no advert for 3.41 s");
    // One advert a second from the master, none from the backup.
    assert_eq!(net.adverts(a).len(), 17);
    assert!(net.adverts(b).is_empty());
    assert_eq!(net.nodes[b].m.master(), Some((ip("10.0.0.1"), 150)));
}

/// RFC 3768 6.4.2 ("greater than or equal to the local Priority": reset the timer):
/// keepalived's BACKUP does no address tie-break, so a BACKUP with a higher address but
/// the same priority stays BACKUP under a running MASTER.
#[test]
fn backup_accepts_equal_priority() {
    let mut net = Net::new();
    let low = net.add("LOW", "10.0.0.1", prio(100));
    let high = net.add("HIGH", "10.0.0.2", prio(100));
    net.start(low);
    net.run_for(s(5.0));
    assert_eq!(net.state(low), State::Master);
    net.start(high);
    net.run_for(s(30.0));
    assert_eq!(net.state(high), State::Backup, "{}", net.dump());
    assert_eq!(net.holders(), vec![low]);
}

/// RFC 3768 6.4.3 / RFC 5798 6.4.3: two MASTERs of equal priority (a healed partition):
/// the one with the higher primary address stays MASTER, the other becomes BACKUP.
#[test]
fn equal_priority_higher_address_wins() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", prio(100));
    let b = net.add("B", "10.0.0.2", prio(100));
    net.partition(a, b);
    net.start_all();
    net.run_for(s(10.0));
    assert_eq!((net.state(a), net.state(b)), (State::Master, State::Master));
    net.heal();
    net.run_for(s(5.0));
    assert_eq!(net.state(a), State::Backup, "{}", net.dump());
    assert_eq!(net.state(b), State::Master);
    let (_, from, to, reason) = net.transitions(a).last().cloned().unwrap();
    assert_eq!((from, to), (State::Master, State::Backup));
    assert_eq!(reason, "equal priority 100 from higher address 10.0.0.2");
    // B heard A's equal priority advert from a lower address: a "lower" one for it.
    assert_eq!(net.count(b, |w| matches!(w, What::HeardLower { .. })), 1);
    assert_eq!(net.holders(), vec![b]);
}
