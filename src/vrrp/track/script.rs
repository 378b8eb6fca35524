//! One `vrrp_script`'s state, from the outcomes of its runs (keepalived's
//! `vrrp_script_child_thread` and `vrrp_init_script`, vrrp_scheduler.c).
//!
//! keepalived keeps one counter per script, `result`, from 0 to rise + fall - 1; the script
//! is OK from `rise` up. A success below rise - 1 counts up; the one that reaches rise
//! jumps straight to the top, so a later failure needs `fall` failures to count down. A
//! failure above `rise` counts down; the one at `rise` drops to 0, so a later success
//! needs `rise` successes. Before the first result the counter sits at rise - 1 (one
//! success is enough) and the first failure, whatever `fall` says, fails it; `init_fail`
//! starts it at 0, failed.

use std::fmt;

/// How one run of a script ended, as the script runner saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptOutcome {
    /// It exited with this status; 0 is success.
    Exited(i32),
    /// A signal the runner did not send killed it (a failure).
    Signalled(i32),
    /// The runner killed it at its `timeout` (a failure).
    TimedOut,
}

impl ScriptOutcome {
    pub fn success(self) -> bool {
        self == ScriptOutcome::Exited(0)
    }
}

impl fmt::Display for ScriptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            ScriptOutcome::Exited(0) => f.write_str("succeeded"),
            ScriptOutcome::Exited(n) => write!(f, "failed (exit status {n})"),
            ScriptOutcome::Signalled(n) => write!(f, "failed (killed by signal {n})"),
            ScriptOutcome::TimedOut => f.write_str("timed out"),
        }
    }
}

/// Where a script stands for the instances that track it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptStatus {
    /// No result yet (and no `init_fail`).
    Pending,
    Ok,
    Failed,
}

#[derive(Debug, Clone)]
pub(super) struct ScriptState {
    rise: u32,
    fall: u32,
    /// keepalived's `result`.
    result: u32,
    status: ScriptStatus,
    /// How many results in a row agreed with the last one (for the reasons).
    streak: u32,
    last: Option<ScriptOutcome>,
}

impl ScriptState {
    pub(super) fn new(rise: u32, fall: u32, init_fail: bool) -> ScriptState {
        // The reader guarantees rise, fall >= 1; the arithmetic below relies on it.
        let rise = rise.max(1);
        let fall = fall.max(1);
        let (result, status) = if init_fail {
            (0, ScriptStatus::Failed)
        } else {
            (rise - 1, ScriptStatus::Pending)
        };
        ScriptState {
            rise,
            fall,
            result,
            status,
            streak: 0,
            last: None,
        }
    }

    pub(super) fn status(&self) -> ScriptStatus {
        self.status
    }

    /// Counts one run's outcome; the new status when it changed.
    pub(super) fn record(&mut self, outcome: ScriptOutcome) -> Option<ScriptStatus> {
        let ok = outcome.success();
        self.streak = match self.last {
            Some(l) if l.success() == ok => self.streak.saturating_add(1),
            _ => 1,
        };
        self.last = Some(outcome);
        let top = self.rise + self.fall - 1;
        let changed = if ok {
            if self.result + 1 < self.rise {
                self.result += 1;
                false
            } else if self.result != top {
                let reached = self.result < self.rise;
                self.result = top;
                reached
            } else {
                false
            }
        } else if self.result > self.rise {
            self.result -= 1;
            false
        } else {
            let dropped = self.result == self.rise || self.status == ScriptStatus::Pending;
            self.result = 0;
            dropped
        };
        if !changed {
            return None;
        }
        self.status = if ok {
            ScriptStatus::Ok
        } else {
            ScriptStatus::Failed
        };
        Some(self.status)
    }

    /// "chk_nginx failed 2 times", "chk_nginx timed out", "chk_nginx succeeded".
    pub(super) fn describe(&self, name: &str) -> String {
        match (self.status, self.last) {
            (ScriptStatus::Pending, _) => format!("{name} has not reported yet"),
            (ScriptStatus::Failed, None) => format!("{name} starts failed (init_fail)"),
            (_, Some(last)) if self.streak > 1 => {
                let what = if last.success() {
                    "succeeded"
                } else {
                    "failed"
                };
                format!("{name} {what} {} times", self.streak)
            }
            (_, Some(last)) => format!("{name} {last}"),
            (ScriptStatus::Ok, None) => format!("{name} succeeded"),
        }
    }
}
