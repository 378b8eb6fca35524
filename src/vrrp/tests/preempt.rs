//! Preemption: a higher priority takes the role back, unless nopreempt / preempt_delay.

use super::*;

/// RFC 3768 6.4.2 ("Preempt_Mode is True and the Priority in the ADVERTISEMENT is less
/// than the local Priority": discard), keepalived `vrrp_state_backup`: a returning higher
/// priority node discards the lower MASTER's adverts, so its own master-down timer runs
/// out and it takes over; the old MASTER hears the higher priority and steps down
/// (6.4.3).
#[test]
fn higher_priority_preempts_back() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", prio(150));
    let b = net.add("B", "10.0.0.2", prio(100));
    net.start_all();
    net.run_for(s(10.0));
    net.crash(a);
    net.run_for(s(10.0));
    assert_eq!(net.holders(), vec![b]);

    let back = net.t();
    net.restart(a, prio(150));
    net.run_for(s(10.0));
    // Started BACKUP at `back`, heard only lower priorities: master after 3.414062 s.
    assert_eq!(
        net.entered(a, State::Master),
        Some(back + us(3_414_062)),
        "{}",
        net.dump()
    );
    let reason = net.transitions(a).last().unwrap().3.clone();
    assert_eq!(reason, "preempting: our priority 150 > 100 from 10.0.0.2");
    let (at, from, to, reason) = net.transitions(b).last().cloned().unwrap();
    assert_eq!((from, to), (State::Master, State::Backup));
    assert_eq!(reason, "higher priority 150 from 10.0.0.1");
    // B let go when A's first advert reached it: both held the VIPs for one transit time.
    assert_eq!(at, back + us(3_414_062) + net.delay);
    for (from, to) in net.split_brain() {
        assert!(to - from <= net.delay, "{from:?}..{to:?}\n{}", net.dump());
    }
    assert!(net.nodes[a].m.counters().lower_priority_ignored >= 3);
    assert_eq!(net.holders(), vec![a]);
}

/// keepalived `nopreempt` (`vrrp_state_backup`: a nopreempt BACKUP accepts every advert,
/// lower priorities included): the higher priority node stays BACKUP while a lower
/// MASTER lives, and still takes over when that one dies.
#[test]
fn nopreempt_never_preempts_a_live_master() {
    let mut net = Net::new();
    let a = net.add(
        "A",
        "10.0.0.1",
        inst(" state BACKUP\n priority 150\n nopreempt"),
    );
    let b = net.add("B", "10.0.0.2", prio(100));
    net.start(b);
    net.run_for(s(5.0));
    net.start(a);
    net.run_for(s(60.0));
    assert_eq!(net.state(a), State::Backup, "{}", net.dump());
    assert_eq!(net.holders(), vec![b]);
    assert_eq!(net.nodes[a].m.counters().lower_priority_ignored, 0);

    let last = net.adverts(b).last().unwrap().0;
    net.crash(b);
    net.run_for(s(10.0));
    assert_eq!(
        net.entered(a, State::Master),
        Some(last + net.delay + us(3_414_062))
    );
}

/// keepalived `preempt_delay` (`vrrp_state_backup`): the delay starts when the first
/// lower priority advert is heard; until it has run out, lower adverts are accepted
/// (the timer restarts); the first one heard after it is discarded, and the master-down
/// timer started by the last accepted one makes the node MASTER.
#[test]
fn preempt_delay_holds_off_preemption() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", inst(" priority 150\n preempt_delay 10"));
    let b = net.add("B", "10.0.0.2", prio(100));
    net.start(b);
    net.run_for(s(5.0));
    let started = net.t();
    net.start(a);
    net.run_for(s(30.0));

    // The first advert A heard, and the last it accepted (heard before first + 10 s).
    let heard: Vec<Duration> = net
        .adverts(b)
        .iter()
        .map(|x| x.0 + net.delay)
        .filter(|t| *t > started)
        .collect();
    let first = heard[0];
    let last_accepted = *heard.iter().rfind(|t| **t < first + s(10.0)).unwrap();
    assert_eq!(
        net.entered(a, State::Master),
        Some(last_accepted + us(3_414_062)),
        "{}",
        net.dump()
    );
    assert!(net.entered(a, State::Master).unwrap() >= first + s(10.0));
    let reason = net.transitions(a).last().unwrap().3.clone();
    assert_eq!(reason, "preempting: our priority 150 > 100 from 10.0.0.2");
    assert_eq!(net.holders(), vec![a]);
}

/// keepalived `vrrp_state_backup`: a higher (or equal) priority advert during the delay
/// stops it; the next lower priority advert starts a fresh one.
#[test]
fn preempt_delay_restarts_after_a_higher_advert() {
    let mut solo = Solo::new(inst(" priority 150\n preempt_delay 10"), "10.0.0.1");
    let lower = advert_from("10.0.0.2", 100);
    let higher = advert_from("10.0.0.3", 200);
    solo.rx(s(1.0), &lower).unwrap();
    // Delay runs 1 s .. 11 s; a higher advert at 5 s cancels it.
    solo.rx(s(5.0), &higher).unwrap();
    // Lower adverts from 6 s on start a new delay (to 16 s): all accepted until then.
    for k in 6..16 {
        solo.rx(s(k as f64), &lower).unwrap();
        assert_eq!(solo.timer(), Some(s(k as f64) + us(3_414_062)), "at {k} s");
    }
    // At 16 s the delay is over: the advert is discarded, the timer is left as it was.
    solo.rx(s(16.0), &lower).unwrap();
    assert_eq!(solo.timer(), Some(s(15.0) + us(3_414_062)));
    assert_eq!(solo.m.counters().lower_priority_ignored, 1);
}
