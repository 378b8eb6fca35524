//! What one tracked object does to one instance through one `track_*` line: a priority
//! offset, FAULT, or (a weight-0 script with no result yet) holding the instance back.

/// The effect of one link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    Offset(i32),
    Fault,
    /// A weight-0 script has not reported: keepalived keeps the instance (and its sync
    /// group) down, without notifying, until it does.
    Pending,
}

/// A two-state object (script OK, interface up, process quorum) through a link of
/// `weight` (`reverse`: keepalived's `weight_multiplier` -1). keepalived
/// (`initialise_track_script_state`, `initialise_interface_tracking_priorities`,
/// `process_script_update_priority`, `process_if_status_change`,
/// `process_update_track_process_status`): weight 0 means FAULT when down (up, with
/// reverse); a positive weight is added while up, a negative one while down, each
/// multiplied by -1 with reverse.
pub(super) fn two_state(up: bool, weight: i32, reverse: bool) -> Effect {
    let m = if reverse { -1 } else { 1 };
    if weight == 0 {
        return if up != reverse {
            Effect::Offset(0)
        } else {
            Effect::Fault
        };
    }
    match (up, weight > 0) {
        (true, true) | (false, false) => Effect::Offset(weight * m),
        _ => Effect::Offset(0),
    }
}

/// A track_file's value through a link (keepalived `update_track_file_status`,
/// `process_update_vrrp_track_file_status`, `initialise_vrrp_file_tracking_priorities`):
/// with weight 0 a non-zero value is FAULT (a zero one, with reverse); otherwise
/// value x weight (x -1 with reverse), where -254 or less is FAULT and more than 253
/// counts as 253.
pub(super) fn file(value: i64, weight: i32, reverse: bool) -> Effect {
    if weight == 0 {
        return if (value != 0) != reverse {
            Effect::Fault
        } else {
            Effect::Offset(0)
        };
    }
    let m: i64 = if reverse { -1 } else { 1 };
    let status = value.saturating_mul(i64::from(weight)).saturating_mul(m);
    if status <= -254 {
        Effect::Fault
    } else {
        Effect::Offset(status.min(253) as i32)
    }
}
