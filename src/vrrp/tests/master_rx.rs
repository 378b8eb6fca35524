//! What a MASTER does with the adverts it hears (RFC 3768 / 5798 6.4.3, keepalived
//! `vrrp_state_master_rx`).

use super::*;

/// A (priority 150) and B (100) each MASTER behind a partition, healed at 10.5 s: between
/// A's advert (x.414 s) and B's (x.609 s), so that B's is heard first.
fn split(a_settings: Settings) -> (Net, usize, usize, Duration) {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", a_settings);
    let b = net.add("B", "10.0.0.2", prio(100));
    net.partition(a, b);
    net.start_all();
    net.run_for(s(10.5));
    assert_eq!((net.state(a), net.state(b)), (State::Master, State::Master));
    net.heal();
    let healed = net.t();
    (net, a, b, healed)
}

/// The first advert B sends after `t`.
fn b_advert_after(net: &Net, b: usize, t: Duration) -> Duration {
    net.adverts(b).iter().find(|x| x.0 >= t).unwrap().0
}

/// keepalived `vrrp_state_master_rx` (RFC 3768 6.4.3 leaves it at "discard"): a MASTER
/// hearing a lower priority answers at once with its own advert (so the other steps down
/// without waiting for our next one), sends `garp_lower_prio_repeat` (default 5) ARPs per
/// address now and again after `garp_lower_prio_delay` (5 s), and notifies
/// (notify_master_rx_lower_pri).
#[test]
fn master_answers_lower_priority_at_once() {
    let (mut net, a, b, healed) = split(prio(150));
    net.run_for(s(10.0));
    let heard = b_advert_after(&net, b, healed) + net.delay;
    assert!(
        net.adverts(a).iter().any(|x| x.0 == heard && x.1 == 150),
        "no immediate answer at {heard:?}\n{}",
        net.dump()
    );
    // B stepped down when the answer arrived, not at A's next scheduled advert.
    let (at, _, to, reason) = net.transitions(b).last().cloned().unwrap();
    assert_eq!((at, to), (heard + net.delay, State::Backup));
    assert_eq!(reason, "higher priority 150 from 10.0.0.1");
    // 5 at once, 5 after the delay (on top of the takeover's).
    let lower: Vec<Duration> = net
        .announces(a)
        .iter()
        .map(|x| x.0)
        .filter(|t| *t >= heard)
        .collect();
    assert_eq!(lower.len(), 10, "{}", net.dump());
    assert!(lower[..5].iter().all(|t| *t == heard));
    assert!(lower[5..].iter().all(|t| *t == heard + s(5.0)));
    let heard_b =
        |w: &What| matches!(w, What::HeardLower { from, priority: 100 } if *from == ip("10.0.0.2"));
    assert_eq!(net.count(a, heard_b), 1);
    assert_eq!(net.holders(), vec![a]);
}

/// keepalived `lower_prio_no_advert` (forced by strict mode): no immediate answer; the
/// lower MASTER steps down at our next scheduled advert.
#[test]
fn lower_prio_no_advert_waits_for_the_schedule() {
    let (mut net, a, b, healed) = split(inst(" priority 150\n lower_prio_no_advert"));
    net.run_for(s(10.0));
    let heard = b_advert_after(&net, b, healed) + net.delay;
    assert!(!net.adverts(a).iter().any(|x| x.0 == heard));
    let next_a = net.adverts(a).iter().find(|x| x.0 > heard).unwrap().0;
    assert_eq!(net.entered(b, State::Backup), Some(next_a + net.delay));
}

/// RFC 3768 6.4.3 / RFC 5798 6.4.3: a MASTER hearing priority 0 sends an advert at
/// once (so the BACKUPs do not take over after their skew time).
#[test]
fn master_answers_priority_zero() {
    let mut solo = Solo::new(prio(255), "10.0.0.1");
    assert_eq!(solo.state(), State::Master);
    solo.actions.clear();
    solo.rx(s(0.5), &advert_from("10.0.0.2", 0)).unwrap();
    match solo.actions.as_slice() {
        [Action::SendAdvert(sa)] => assert_eq!(sa.advert.priority, 255),
        other => panic!("{other:?}"),
    }
    // The schedule restarts from the answer.
    assert_eq!(solo.timer(), Some(s(1.5)));
    assert_eq!(solo.m.counters().priority_zero_received, 1);
    assert_eq!(solo.state(), State::Master);
}

/// keepalived `higher_prio_send_advert`: a MASTER hearing a higher priority sends one
/// more advert of its own before becoming BACKUP.
#[test]
fn higher_prio_send_advert_answers_before_stepping_down() {
    let mut solo = Solo::new(inst(" priority 100\n higher_prio_send_advert"), "10.0.0.1");
    solo.m.handle_timeout(solo.at(s(4.0)));
    solo.drain();
    assert_eq!(solo.state(), State::Master);
    solo.actions.clear();
    solo.rx(s(4.5), &advert_from("10.0.0.2", 200)).unwrap();
    assert_eq!(solo.state(), State::Backup);
    assert!(
        matches!(&solo.actions[0], Action::SendAdvert(sa) if sa.advert.priority == 100),
        "{:?}",
        solo.actions
    );
    assert!(matches!(&solo.actions[1], Action::Transition(_)));
}

/// keepalived `vrrp_state_master_rx`: two address owners (both 255) are a
/// configuration error; the one that hears the other with a higher address lowers its
/// own priority to 254 and becomes BACKUP.
#[test]
fn two_owners_one_lowers_itself() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", prio(255));
    let b = net.add("B", "10.0.0.2", prio(255));
    net.start_all();
    net.run_for(s(5.0));
    assert_eq!(net.state(a), State::Backup, "{}", net.dump());
    assert_eq!(net.state(b), State::Master);
    assert_eq!(net.nodes[a].m.effective_priority(), 254);
    assert_eq!(net.nodes[a].m.base_priority(), 254);
    assert_eq!(
        net.count(a, |w| matches!(w, What::Priority { from: 255, to: 254 })),
        1
    );
    assert_eq!(net.holders(), vec![b]);
}

/// ha's choice (keepalived resets a MASTER's advert timer after any packet it reads, even
/// a dropped one, so a stream of bad packets can silence it): a MASTER's schedule moves
/// only when it actually sends an advert in answer.
#[test]
fn dropped_adverts_do_not_delay_the_master() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", prio(255));
    net.start(a);
    for k in 1..=20 {
        net.run_until(net.at(s(0.5 * k as f64)));
        let mut bad = advert_from("10.0.0.9", 100);
        bad.ttl = 1;
        net.inject(a, bad);
    }
    let times: Vec<Duration> = net.adverts(a).iter().map(|x| x.0).collect();
    let expect: Vec<Duration> = (0..=10).map(|k| s(k as f64)).collect();
    assert_eq!(times, expect);
    let dropped = |w: &What| matches!(w, What::Dropped(crate::vrrp::Drop::Ttl));
    assert_eq!(net.count(a, dropped), 20);
}
