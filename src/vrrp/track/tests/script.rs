//! vrrp_script results: keepalived's `vrrp_script_child_thread` (vrrp_scheduler.c) counts
//! them, `process_script_update_priority` / `initialise_track_script_state`
//! (vrrp_track.c) turn the script's state into weights and FAULT.

use super::*;
use crate::vrrp::track::ScriptStatus;

/// `vrrp_script_child_thread`: from OK, `fall` failures in a row fail the script; a
/// success on the way down starts the count again; from failed, `rise` successes in a
/// row make it OK, and a failure on the way up starts again.
#[test]
fn rise_and_fall_are_counted_in_a_row() {
    let text = script("chk", " rise 2\n fall 3\n weight -10")
        + &inst("VI_1", 1, 100, " track_script {\n  chk\n }");
    let (mut t, _) = tracking(&text);
    let run = |t: &mut Tracking, o| {
        t.script_result("chk", o);
        t.script_status("chk").unwrap()
    };
    // vrrp_init_script: result = rise - 1, so the first success is enough.
    assert_eq!(run(&mut t, ok()), ScriptStatus::Ok);
    assert_eq!(run(&mut t, fail()), ScriptStatus::Ok);
    assert_eq!(run(&mut t, fail()), ScriptStatus::Ok);
    assert_eq!(
        run(&mut t, ok()),
        ScriptStatus::Ok,
        "a success resets the fall count"
    );
    assert_eq!(run(&mut t, fail()), ScriptStatus::Ok);
    assert_eq!(run(&mut t, fail()), ScriptStatus::Ok);
    drain(&mut t);
    assert_eq!(run(&mut t, fail()), ScriptStatus::Failed);
    assert_eq!(
        effects(&mut t),
        [prio("VI_1", -10, "chk failed 3 times, weight -10")]
    );
    assert_eq!(run(&mut t, ok()), ScriptStatus::Failed);
    assert_eq!(
        run(&mut t, fail()),
        ScriptStatus::Failed,
        "a failure resets the rise count"
    );
    assert_eq!(run(&mut t, ok()), ScriptStatus::Failed);
    drain(&mut t);
    assert_eq!(run(&mut t, ok()), ScriptStatus::Ok);
    assert_eq!(
        effects(&mut t),
        [prio("VI_1", 0, "chk succeeded 2 times, weight -10")]
    );
}

/// `vrrp_script_child_thread`: before the first result (init_state INIT) one failure
/// fails the script, whatever `fall` says.
#[test]
fn the_first_failure_fails_at_once() {
    let text =
        script("chk", " fall 5\n weight -10") + &inst("VI_1", 1, 100, " track_script {\n  chk\n }");
    let (mut t, _) = tracking(&text);
    assert_eq!(t.script_status("chk"), Some(ScriptStatus::Pending));
    t.script_result("chk", fail());
    assert_eq!(t.script_status("chk"), Some(ScriptStatus::Failed));
    assert_eq!(
        effects(&mut t),
        [prio("VI_1", -10, "chk failed (exit status 1), weight -10")]
    );
}

/// `vrrp_init_script` / `initialise_track_script_state`: `init_fail` starts the script
/// failed (result 0), so a weight-0 script's instance starts in FAULT, and it takes
/// `rise` successes to come up.
#[test]
fn init_fail_starts_failed() {
    let text =
        script("chk", " rise 2\n init_fail") + &inst("VI_1", 1, 100, " track_script {\n  chk\n }");
    let (mut t, first) = tracking(&text);
    assert_eq!(
        first,
        [
            fault("VI_1", true, "chk starts failed (init_fail)"),
            start("VI_1")
        ]
    );
    t.script_result("chk", ok());
    assert_eq!(effects(&mut t), []);
    t.script_result("chk", ok());
    assert_eq!(
        effects(&mut t),
        [fault("VI_1", false, "chk succeeded 2 times")]
    );
}

/// `vrrp_script_child_thread`: a run killed at its timeout ("timed_out") or by a signal
/// is a failure.
#[test]
fn timeouts_and_signals_are_failures() {
    let text = script("chk", "") + &inst("VI_1", 1, 100, " track_script {\n  chk\n }");
    let (mut t, _) = tracking(&text);
    t.script_result("chk", ok());
    drain(&mut t);
    t.script_result("chk", ScriptOutcome::TimedOut);
    assert_eq!(effects(&mut t), [fault("VI_1", true, "chk timed out")]);
    t.script_result("chk", ok());
    drain(&mut t);
    t.script_result("chk", ScriptOutcome::Signalled(9));
    assert_eq!(
        effects(&mut t),
        [fault("VI_1", true, "chk failed (killed by signal 9)")]
    );
}

/// `initialise_track_script_state` + `process_script_update_priority` (init_state
/// INIT): a weighted script adds nothing before its first result; a negative weight is
/// subtracted while it fails, a positive one added while it succeeds.
#[test]
fn negative_weights_on_failure_positive_on_success() {
    let text = script("down", " weight -40")
        + &script("up", " weight 15")
        + &inst("VI_1", 1, 100, " track_script {\n  down\n  up\n }");
    let (mut t, first) = tracking(&text);
    assert_eq!(first, [start("VI_1")], "nothing before the first results");
    t.script_result("down", ok());
    assert_eq!(effects(&mut t), []);
    t.script_result("up", fail());
    assert_eq!(effects(&mut t), []);
    t.script_result("up", ok());
    assert_eq!(
        effects(&mut t),
        [prio("VI_1", 15, "up succeeded, weight 15")]
    );
    t.script_result("down", fail());
    assert_eq!(
        effects(&mut t),
        [prio("VI_1", -25, "down failed (exit status 1), weight -40")]
    );
}

/// keepalived's `reverse` (`weight_multiplier` -1): the weight applies in the other
/// direction; with weight 0, a succeeding script is the FAULT.
#[test]
fn reverse_turns_the_weight_around() {
    let text = script("a", " weight -10 reverse")
        + &script("b", " weight 10 reverse")
        + &script("c", " weight 0 reverse")
        + &inst("VI_1", 1, 100, " track_script {\n  a\n  b\n  c\n }");
    let (mut t, _) = tracking(&text);
    t.script_result("c", fail());
    assert_eq!(effects(&mut t), [start("VI_1")]);
    t.script_result("a", fail());
    assert_eq!(
        effects(&mut t),
        [prio(
            "VI_1",
            10,
            "a failed (exit status 1), weight -10 reverse"
        )]
    );
    t.script_result("b", ok());
    assert_eq!(
        effects(&mut t),
        [prio("VI_1", 0, "b succeeded, weight 10 reverse")]
    );
    t.script_result("c", ok());
    assert_eq!(effects(&mut t), [fault("VI_1", true, "c succeeded")]);
}

/// `alloc_track_script`: the track_script line's weight (and reverse) replaces the
/// script's own.
#[test]
fn the_line_weight_wins() {
    let text = script("chk", " weight -5")
        + &inst("VI_1", 1, 100, " track_script {\n  chk weight -20\n }");
    let (mut t, _) = tracking(&text);
    t.script_result("chk", fail());
    assert_eq!(
        effects(&mut t),
        [prio("VI_1", -20, "chk failed (exit status 1), weight -20")]
    );
}

/// `initialise_track_script_state` / `vrrp_init_state` (num_script_init): a weight-0
/// script without a result yet holds its instance back (keepalived: a silent FAULT, no
/// notify); the first result lets it start, in FAULT when that result is a failure.
#[test]
fn a_weight_0_script_holds_the_start_until_its_first_result() {
    let text = script("chk", "")
        + &inst("VI_1", 1, 100, " track_script {\n  chk\n }")
        + &inst("VI_2", 2, 100, "");
    let (mut t, first) = tracking(&text);
    assert_eq!(first, [start("VI_2")]);
    t.script_result("chk", fail());
    assert_eq!(
        effects(&mut t),
        [
            fault("VI_1", true, "chk failed (exit status 1)"),
            start("VI_1")
        ]
    );
    // A weighted script does not hold anything back.
    let text = script("chk", " weight -10") + &inst("VI_1", 1, 100, " track_script {\n  chk\n }");
    let (_, first) = tracking(&text);
    assert_eq!(first, [start("VI_1")]);
}

/// `initialise_tracking_priorities` (num_member_init): a member's pending weight-0
/// script holds the whole sync group back.
#[test]
fn a_pending_script_holds_the_sync_group() {
    let text = script("chk", "")
        + &inst("VI_1", 1, 100, " track_script {\n  chk\n }")
        + &inst("VI_2", 2, 100, "")
        + &inst("VI_3", 3, 100, "")
        + "vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n";
    let (mut t, first) = tracking(&text);
    assert_eq!(first, [start("VI_3")]);
    t.script_result("chk", ok());
    assert_eq!(effects(&mut t), [start("VI_1"), start("VI_2")]);
}
