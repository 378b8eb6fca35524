//! A `vrrp_track_process`'s quorum, from counts of matching processes (keepalived 2.2.7,
//! core/track_process.c).
//!
//! Quorum holds while `quorum <= count <= quorum_max`. keepalived follows the kernel's
//! process events: a fork that crosses a bound (into quorum, or past `quorum_max`) waits
//! `fork_delay` before it counts (`check_process_fork`, `process_gained_quorum_timer_thread`);
//! an exit that crosses one waits `terminate_delay` (`check_process_termination`,
//! `process_lost_quorum_timer_thread`); a crossing back while the timer runs cancels it
//! with no change; when the timer fires the quorum is judged on the count at that moment.
//! The first count (keepalived's `read_procs` at start) applies at once.
//!
//! Here the edge reports counts, not events: a count that went up stands for forks
//! (`fork_delay`), one that went down for exits (`terminate_delay`).

use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub(super) struct ProcessState {
    quorum: u32,
    quorum_max: u32,
    fork_delay: Duration,
    terminate_delay: Duration,
    count: Option<u32>,
    have_quorum: bool,
    /// A bound was crossed; the quorum is judged again then.
    pending: Option<Instant>,
}

impl ProcessState {
    pub(super) fn new(
        quorum: u32,
        quorum_max: Option<u32>,
        fork_delay: Duration,
        terminate_delay: Duration,
    ) -> ProcessState {
        ProcessState {
            quorum,
            quorum_max: quorum_max.unwrap_or(u32::MAX),
            fork_delay,
            terminate_delay,
            count: None,
            have_quorum: false,
            pending: None,
        }
    }

    fn in_range(&self, n: u32) -> bool {
        self.quorum <= n && n <= self.quorum_max
    }

    /// Whether a count has been reported yet.
    pub(super) fn known(&self) -> bool {
        self.count.is_some()
    }

    pub(super) fn have_quorum(&self) -> bool {
        self.have_quorum
    }

    pub(super) fn count(&self) -> u32 {
        self.count.unwrap_or(0)
    }

    pub(super) fn deadline(&self) -> Option<Instant> {
        self.pending
    }

    /// A new count; true when the quorum changed now (the first count always counts as
    /// a change, so that its effects are applied).
    pub(super) fn observe(&mut self, now: Instant, count: u32) -> bool {
        let Some(before) = self.count.replace(count) else {
            self.have_quorum = self.in_range(count);
            return true;
        };
        let want = self.in_range(count);
        if want == self.have_quorum {
            self.pending = None;
            return false;
        }
        if self.pending.is_some() {
            return false;
        }
        let delay = if count > before {
            self.fork_delay
        } else {
            self.terminate_delay
        };
        if delay.is_zero() {
            self.have_quorum = want;
            return true;
        }
        self.pending = Some(now + delay);
        false
    }

    /// The delay ran out: true when the quorum changed.
    pub(super) fn handle_timeout(&mut self, now: Instant) -> bool {
        if self.pending.map_or(true, |t| t > now) {
            return false;
        }
        self.pending = None;
        let want = self.in_range(self.count());
        let changed = want != self.have_quorum;
        self.have_quorum = want;
        changed
    }

    /// "vrrp_track_process nginx has no quorum (0 running, quorum 1)".
    pub(super) fn describe(&self, name: &str) -> String {
        let bounds = if self.quorum_max == u32::MAX {
            format!("quorum {}", self.quorum)
        } else {
            format!("quorum {}..{}", self.quorum, self.quorum_max)
        };
        let what = if self.have_quorum { "has" } else { "has no" };
        format!(
            "vrrp_track_process {name} {what} quorum ({} running, {bounds})",
            self.count()
        )
    }
}
