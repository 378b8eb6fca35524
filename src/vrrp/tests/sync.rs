//! Sync groups (keepalived vrrp_sync.c) on the simulated segment: two directors, each
//! with VI_1 and VI_2 in sync group G, wired through [`Tracking`] and [`SyncGroups`] as
//! the daemon wires them.

use super::*;
use crate::conf::model::Config;
use crate::vrrp::{ScriptOutcome, SyncAction, SyncGroups, Tracking};

const CHK: &str = "vrrp_script chk {\n script \"/bin/true\"\n}\n";

/// VI_1 (VRID 51) and VI_2 (VRID 52) at `priority`, in sync group G; VI_1 tracks `chk`
/// (weight 0) when `track`.
fn conf(priority: u8, track: bool) -> String {
    let tracked = if track {
        " track_script {\n  chk\n }\n"
    } else {
        ""
    };
    format!(
        "{CHK}vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n priority {priority}\n virtual_ipaddress {{\n  10.0.0.100/24\n }}\n{tracked}}}\n\
         vrrp_instance VI_2 {{\n interface eth0\n virtual_router_id 52\n priority {priority}\n virtual_ipaddress {{\n  10.0.1.100/24\n }}\n}}\n\
         vrrp_sync_group G {{\n group {{\n  VI_1\n  VI_2\n }}\n}}\n"
    )
}

fn parse(text: &str) -> Config {
    let p = parse_str("keepalived.conf", text);
    assert!(!p.diags.has_errors(), "{text}");
    p.config
}

/// A director at `addr` running every instance of `text`; not started.
fn director(net: &mut Net, addr: &str, text: &str) -> usize {
    let config = parse(text);
    let nodes = config
        .vrrp
        .instances
        .iter()
        .map(|i| {
            let name = format!("{}@{addr}", i.name);
            net.add(&name, addr, Settings::from_config(&config, i))
        })
        .collect();
    net.add_director(
        Tracking::from_config(&config),
        SyncGroups::from_config(&config),
        nodes,
    )
}

fn script(net: &mut Net, d: usize, outcome: ScriptOutcome) {
    net.directors[d].tracking.script_result("chk", outcome);
    net.pump(d);
}

/// A and B, A (150) MASTER of both instances after 10 s, B (100) BACKUP.
fn two_directors() -> (Net, usize, usize) {
    let mut net = Net::new();
    let a = director(&mut net, "10.0.0.1", &conf(150, true));
    let b = director(&mut net, "10.0.0.2", &conf(100, false));
    net.pump(b);
    assert_eq!(
        net.state(net.directors[a].nodes[0]),
        State::Init,
        "chk has not reported"
    );
    script(&mut net, a, ScriptOutcome::Exited(0));
    net.run_for(s(10.0));
    (net, a, b)
}

/// keepalived `down_instance` -> `vrrp_sync_fault`, then `vrrp_sync_can_goto_master` /
/// `vrrp_sync_master` on the other side, and `try_up_instance` -> `vrrp_sync_backup`:
/// one member's tracker failing takes the whole group to FAULT; the peer's members,
/// told by priority 0 adverts, become MASTER together; when the tracker recovers the
/// group comes back and, with the higher priority, takes both instances back.
#[test]
fn the_group_fails_over_together_when_one_tracker_fails() {
    let (mut net, a, b) = two_directors();
    let [a1, a2] = net.directors[a].nodes[..] else {
        unreachable!()
    };
    let [b1, b2] = net.directors[b].nodes[..] else {
        unreachable!()
    };
    assert_eq!(net.holders(), vec![a1, a2], "{}", net.dump());
    let states = |net: &Net, d: usize| -> Vec<State> {
        net.group_states(d).into_iter().map(|x| x.2).collect()
    };
    assert_eq!(states(&net, a), [State::Backup, State::Master]);
    assert_eq!(states(&net, b), [State::Backup]);
    // Both of A's members went MASTER at the same instant.
    assert_eq!(
        net.entered(a1, State::Master),
        net.entered(a2, State::Master)
    );

    let t = net.t();
    script(&mut net, a, ScriptOutcome::Exited(1));
    let last = |net: &Net, n: usize| net.transitions(n).last().cloned().unwrap();
    assert_eq!(
        last(&net, a1),
        (
            t,
            State::Master,
            State::Fault,
            "chk failed (exit status 1)".into()
        )
    );
    assert_eq!(
        last(&net, a2),
        (
            t,
            State::Master,
            State::Fault,
            "sync group G: VI_1: chk failed (exit status 1)".into()
        )
    );
    assert!(
        net.adverts(a2).contains(&(t, 0)),
        "VI_2 gave up with priority 0"
    );
    net.run_for(s(5.0));
    assert_eq!(net.holders(), vec![b1, b2], "{}", net.dump());
    let took = net.entered(b1, State::Master);
    assert_eq!(took, net.entered(b2, State::Master));
    // One skew time (priority 100) after the priority 0 adverts arrived.
    assert_eq!(took, Some(t + net.delay + us(609_375)));
    assert_eq!(states(&net, a).last(), Some(&State::Fault));
    assert_eq!(states(&net, b).last(), Some(&State::Master));

    script(&mut net, a, ScriptOutcome::Exited(0));
    assert_eq!(
        (net.state(a1), net.state(a2)),
        (State::Backup, State::Backup)
    );
    net.run_for(s(10.0));
    assert_eq!(net.holders(), vec![a1, a2], "{}", net.dump());
    assert_eq!(states(&net, b).last(), Some(&State::Backup));

    net.directors[b].sync.stop();
    net.pump(b);
    assert_eq!(states(&net, b).last(), Some(&State::Stopped));
}

/// keepalived `vrrp_sync_can_goto_master`: a member whose master went quiet while the
/// other member still hears its own stays BACKUP (keepalived prefers BACKUP to
/// thrashing), re-arming its timer, until the other wants MASTER too.
#[test]
fn a_member_alone_does_not_take_over() {
    let (mut net, a, b) = two_directors();
    let [a1, a2] = net.directors[a].nodes[..] else {
        unreachable!()
    };
    let [b1, b2] = net.directors[b].nodes[..] else {
        unreachable!()
    };
    net.nodes[a1].muted = true;
    net.run_for(s(20.0));
    assert_eq!(
        (net.state(b1), net.state(b2)),
        (State::Backup, State::Backup)
    );
    assert!(net.nodes[b1].m.sync_ready());
    assert!(net.nodes[b1].m.poll_timeout().is_some());
    assert_eq!(net.holders(), vec![a1, a2]);
    // VI_2's master goes quiet too: now both want MASTER, and both become MASTER.
    let t = net.t();
    net.nodes[a2].muted = true;
    net.run_for(s(5.0));
    assert_eq!(
        (net.state(b1), net.state(b2)),
        (State::Master, State::Master)
    );
    let reason = net.transitions(b2).last().unwrap().3.clone();
    assert!(
        reason.ends_with("; sync group G: every member is ready for MASTER"),
        "{reason}"
    );
    assert!(net.entered(b1, State::Master) > Some(t));
}

/// keepalived `vrrp_sync_backup`: a MASTER member that hears a higher priority goes
/// BACKUP and takes the other MASTER members with it (addresses removed, no priority 0
/// advert).
#[test]
fn a_member_going_backup_takes_the_group() {
    let (mut net, a, _) = two_directors();
    let [a1, a2] = net.directors[a].nodes[..] else {
        unreachable!()
    };
    let t = net.t();
    net.inject(a1, advert_from("10.0.0.9", 200));
    assert_eq!(
        (net.state(a1), net.state(a2)),
        (State::Backup, State::Backup)
    );
    assert_eq!(
        net.transitions(a2).last().unwrap().3,
        "sync group G: VI_1 went BACKUP"
    );
    assert!(!net.nodes[a2].vips);
    assert!(!net.adverts(a2).contains(&(t, 0)));
    let groups = net.group_states(a);
    assert_eq!(groups.last().map(|g| g.2), Some(State::Backup));
}

/// keepalived `vrrp_complete_instance` (num_config_faults) + `initialise_tracking_priorities`:
/// a member that cannot run (unicast without peers, `unicast_fault_no_peer`) holds its
/// whole group in FAULT.
#[test]
fn a_configuration_fault_holds_the_group() {
    let text = conf(100, false).replace(
        " virtual_router_id 52\n",
        " virtual_router_id 52\n unicast_src_ip 10.0.0.1\n unicast_fault_no_peer\n",
    );
    let mut sync = SyncGroups::from_config(&parse(&text));
    let got: Vec<SyncAction> = std::iter::from_fn(|| sync.poll_action()).collect();
    let why = "unicast without any unicast_peer (unicast_fault_no_peer)";
    assert_eq!(
        got,
        [
            SyncAction::Fault {
                instance: "VI_1".into(),
                on: true,
                reason: format!("sync group G: VI_2: {why}"),
            },
            SyncAction::Fault {
                instance: "VI_2".into(),
                on: true,
                reason: why.into(),
            },
            SyncAction::Group {
                group: "G".into(),
                from: State::Init,
                to: State::Fault,
                reason: format!("VI_2: {why}"),
            },
        ]
    );
    // Not a member: passed on as it is.
    sync.set_fault("VI_9", true, "x");
    assert_eq!(
        sync.poll_action(),
        Some(SyncAction::Fault {
            instance: "VI_9".into(),
            on: true,
            reason: "x".into()
        })
    );
}

/// The machine's side (`vrrp_sync_can_goto_master`, `vrrp_state_backup`): a member's
/// master-down timer leaves it BACKUP and ready, with a fresh full timer; an advert it
/// accepts makes it unready; `sync_master` makes a BACKUP MASTER (after its own reason),
/// `sync_backup` leaves a BACKUP alone.
#[test]
fn a_member_waits_for_its_group() {
    let mut settings = prio(100);
    settings.sync_group = Some("G".into());
    let mut solo = Solo::new(settings, "10.0.0.2");
    let first = solo.timer().unwrap();
    solo.m.handle_timeout(solo.at(first));
    assert!(solo.drain().is_empty());
    assert_eq!(solo.state(), State::Backup);
    assert!(solo.m.sync_ready());
    assert_eq!(solo.timer(), Some(first + us(3_609_375)));
    solo.rx(first + s(1.0), &advert_from("10.0.0.1", 150))
        .unwrap();
    assert!(!solo.m.sync_ready());
    let again = solo.timer().unwrap();
    solo.m.handle_timeout(solo.at(again));
    assert!(solo.m.sync_ready());
    solo.m.sync_backup(solo.at(again), "group");
    assert!(solo.drain().is_empty());
    solo.m.sync_master(
        solo.at(again),
        "sync group G: every member is ready for MASTER",
    );
    assert_eq!(solo.state(), State::Master);
    let got = solo.drain();
    let reason = got.iter().find_map(|a| match a {
        Action::Transition(t) => Some(t.reason.clone()),
        _ => None,
    });
    assert_eq!(
        reason.as_deref(),
        Some("no advert from 10.0.0.1 for 3.61 s; sync group G: every member is ready for MASTER")
    );
    assert!(!solo.m.sync_ready());
}
