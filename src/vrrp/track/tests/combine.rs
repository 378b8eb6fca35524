//! Putting it together: several trackers on one instance, the sync group's lines, the
//! address owner, and what an instance does with the updates.

use super::*;
use crate::vrrp::tests::{prio as settings_prio, Solo};
use crate::vrrp::{Action, State};

/// `vrrp_set_effective_priority` fed by `process_script_update_priority` and
/// `process_if_status_change`: the offset is the sum of every tracker's weight; the
/// instance keeps the result within 1..=254 and logs the change with its reason.
#[test]
fn weights_add_up_and_the_instance_applies_them() {
    let text = script("chk_nginx", " fall 2\n weight -40")
        + &inst(
            "VI_1",
            51,
            100,
            " track_script {\n  chk_nginx\n }\n track_interface {\n  eth1 weight -70\n }",
        );
    let (mut t, _) = tracking(&text);
    let mut solo = Solo::new(settings_prio(100), "10.0.0.2");
    let apply = |t: &mut Tracking, solo: &mut Solo| {
        for u in effects(t) {
            if let Update::Priority { offset, reason, .. } = u {
                solo.m.set_priority_offset(offset, &reason);
            }
        }
        solo.drain()
    };
    t.script_result("chk_nginx", ok());
    t.script_result("chk_nginx", fail());
    assert!(apply(&mut t, &mut solo).is_empty());
    t.script_result("chk_nginx", fail());
    let got = apply(&mut t, &mut solo);
    assert!(
        matches!(&got[..], [Action::PriorityChanged { from: 100, to: 60, reason }]
            if reason == "chk_nginx failed 2 times, weight -40"),
        "{got:?}"
    );
    t.link("eth1", false);
    let got = apply(&mut t, &mut solo);
    assert!(
        matches!(
            &got[..],
            [Action::PriorityChanged {
                from: 60,
                to: 1,
                ..
            }]
        ),
        "{got:?}"
    );
    assert_eq!(t.offset("VI_1"), Some(-110));
}

/// `sync_group_tracking_init`: a sync group's lines apply to every member, with their
/// weights (the reader drops the members' own weighted lines unless
/// sync_group_tracking_weight).
#[test]
fn sync_group_lines_apply_to_members() {
    let text = script("chk", " weight -30")
        + &script("own", " weight -5")
        + &inst("VI_1", 1, 100, " track_script {\n  own\n }")
        + &inst("VI_2", 2, 100, "")
        + "vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n track_script {\n  chk\n }\n}\n";
    let (mut t, _) = tracking(&text);
    assert_eq!(
        t.scripts().collect::<Vec<_>>(),
        ["chk"],
        "the member's weighted line is dropped"
    );
    t.script_result("chk", fail());
    assert_eq!(
        effects(&mut t),
        [
            prio("VI_1", -30, "chk failed (exit status 1), weight -30"),
            prio("VI_2", -30, "chk failed (exit status 1), weight -30"),
        ]
    );
}

/// `add_vrrp_to_track_script` ("configured on VRRP instance and sync group"): the sync
/// group's weight replaces the instance's, unless the instance's is 0.
#[test]
fn instance_and_group_lines_merge() {
    let text = script("a", "")
        + &script("b", "")
        + &inst("VI_1", 1, 100, " track_script {\n  a\n  b weight -10\n }")
        + &inst("VI_2", 2, 100, "")
        + "vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n sync_group_tracking_weight\n track_script {\n  a weight -20\n  b weight -20\n }\n}\n";
    let (mut t, _) = tracking(&text);
    assert_eq!(
        t.warnings(),
        [
            "VI_1: vrrp_script a is tracked by the instance and by sync group G; weight 0 (FAULT) is kept (remove one of the lines)",
            "VI_1: vrrp_script b is tracked by the instance and by sync group G; the sync group's weight is used (remove one of the lines)",
        ]
    );
    t.script_result("a", fail());
    t.script_result("b", fail());
    assert_eq!(
        effects(&mut t),
        [
            fault("VI_1", true, "a failed (exit status 1)"),
            prio("VI_2", -20, "a failed (exit status 1), weight -20"),
            prio("VI_1", -20, "b failed (exit status 1), weight -20"),
            prio("VI_2", -40, "b failed (exit status 1), weight -20"),
            start("VI_1"),
            start("VI_2"),
        ]
    );
}

/// `sync_group_tracking_init`: with an address owner among the members, the group's
/// weights are cleared (a failure is FAULT).
#[test]
fn a_group_with_an_owner_has_no_weights() {
    let text = script("chk", " weight -30")
        + &inst("VI_1", 1, 255, "")
        + &inst("VI_2", 2, 255, "")
        + "vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n track_script {\n  chk\n }\n}\n";
    let (mut t, _) = tracking(&text);
    assert_eq!(
        t.warnings(),
        ["sync group G: the weight -30 of vrrp_script chk is cleared (a failure means FAULT): member VI_1 is the address owner (priority 255)"]
    );
    t.script_result("chk", fail());
    let got = effects(&mut t);
    assert!(
        got.contains(&fault("VI_1", true, "chk failed (exit status 1)")),
        "{got:?}"
    );
    assert!(
        got.contains(&fault("VI_2", true, "chk failed (exit status 1)")),
        "{got:?}"
    );
}

/// `vrrp_complete_instance`: the address owner's weighted track_interface lines are
/// dropped (its priority cannot move); weight 0 lines still fault it.
#[test]
fn the_owner_ignores_weighted_interfaces() {
    let text = inst(
        "VI_1",
        1,
        255,
        " track_interface {\n  eth1 weight -10\n  eth2\n }",
    );
    let (mut t, _) = tracking(&text);
    assert!(!t.link("eth1", false));
    t.link("eth2", false);
    assert_eq!(
        effects(&mut t),
        [fault("VI_1", true, "interface eth2 is down")]
    );
    let mut solo = Solo::new(settings_prio(255), "10.0.0.1");
    solo.m
        .set_fault(Instant::now(), true, "interface eth2 is down");
    assert_eq!(solo.state(), State::Fault);
}
