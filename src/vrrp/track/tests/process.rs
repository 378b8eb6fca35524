//! vrrp_track_process: quorum and delays (core/track_process.c), applied by
//! `process_update_track_process_status` (vrrp_track.c).

use super::*;

fn proc_conf(extra: &str, weight_line: &str) -> String {
    format!("vrrp_track_process nginx {{\n process nginx\n{extra}\n}}\n")
        + &inst(
            "VI_1",
            1,
            100,
            &format!(" track_process {{\n  nginx{weight_line}\n }}"),
        )
}

/// `initialise_process_tracking_priorities`: the first count applies at once; quorum
/// holds while quorum <= count <= quorum_max.
#[test]
fn quorum_and_quorum_max() {
    let (mut t, _) = tracking(&proc_conf(" quorum 2\n quorum_max 3", ""));
    let t0 = Instant::now();
    t.process_count(t0, "nginx", 1);
    assert_eq!(
        effects(&mut t),
        [fault(
            "VI_1",
            true,
            "vrrp_track_process nginx has no quorum (1 running, quorum 2..3)"
        )]
    );
    t.process_count(t0, "nginx", 2);
    assert_eq!(
        effects(&mut t),
        [fault(
            "VI_1",
            false,
            "vrrp_track_process nginx has quorum (2 running, quorum 2..3)"
        )]
    );
    t.process_count(t0, "nginx", 4);
    assert_eq!(
        effects(&mut t),
        [fault(
            "VI_1",
            true,
            "vrrp_track_process nginx has no quorum (4 running, quorum 2..3)"
        )]
    );
    assert!(!t.process_count(t0, "other", 1));
}

/// keepalived's `quorum_max 0` (quorum becomes 0): the process must not run at all.
#[test]
fn quorum_max_0_means_none_may_run() {
    let (mut t, _) = tracking(&proc_conf(" quorum_max 0", " weight -20"));
    let t0 = Instant::now();
    t.process_count(t0, "nginx", 0);
    assert_eq!(effects(&mut t), []);
    t.process_count(t0, "nginx", 1);
    assert_eq!(
        effects(&mut t),
        [prio(
            "VI_1",
            -20,
            "vrrp_track_process nginx has no quorum (1 running, quorum 0..0), weight -20"
        )]
    );
}

/// `check_process_fork` / `process_gained_quorum_timer_thread` and
/// `check_process_termination` / `process_lost_quorum_timer_thread`: crossing a bound
/// upwards waits fork_delay, downwards terminate_delay; crossing back meanwhile cancels
/// the change; when the delay ends the count of that moment decides.
#[test]
fn fork_and_terminate_delays() {
    let (mut t, _) = tracking(&proc_conf(" fork_delay 2\n terminate_delay 5", ""));
    let t0 = Instant::now();
    t.process_count(t0, "nginx", 1);
    drain(&mut t);
    // Lost, back within the delay: nothing happens.
    t.process_count(secs(t0, 1.0), "nginx", 0);
    assert_eq!(t.poll_timeout(), Some(secs(t0, 6.0)));
    t.process_count(secs(t0, 3.0), "nginx", 1);
    assert_eq!(t.poll_timeout(), None);
    t.handle_timeout(secs(t0, 6.0));
    assert_eq!(effects(&mut t), []);
    // Lost for good: FAULT when terminate_delay ends.
    t.process_count(secs(t0, 10.0), "nginx", 0);
    t.handle_timeout(secs(t0, 14.9));
    assert_eq!(effects(&mut t), []);
    t.handle_timeout(secs(t0, 15.0));
    assert_eq!(
        effects(&mut t),
        [fault(
            "VI_1",
            true,
            "vrrp_track_process nginx has no quorum (0 running, quorum 1)"
        )]
    );
    // Gained: fork_delay.
    t.process_count(secs(t0, 20.0), "nginx", 3);
    assert_eq!(t.poll_timeout(), Some(secs(t0, 22.0)));
    t.handle_timeout(secs(t0, 22.0));
    assert_eq!(
        effects(&mut t),
        [fault(
            "VI_1",
            false,
            "vrrp_track_process nginx has quorum (3 running, quorum 1)"
        )]
    );
}
