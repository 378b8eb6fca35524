//! When each `vrrp_script` runs: every `interval`, never two runs of one script at once
//! (keepalived waits for a run to end before scheduling the next), each run bounded by its
//! `timeout` (default: the interval). Pure schedule; the daemon submits the jobs to the
//! script runner and hands back the outcomes.

use std::time::{Duration, Instant};

use crate::conf::env::Host;
use crate::conf::model::Config;
use crate::notify::{Exec, Job, Kill, Outcome, Policy, VRRP_SCRIPT_GRACE};
use crate::vrrp::track::ScriptOutcome;

struct Check {
    name: String,
    exec: Exec,
    interval: Duration,
    timeout: Duration,
    next: Instant,
    running: bool,
}

pub struct Checks {
    checks: Vec<Check>,
}

impl Checks {
    /// The scripts some instance tracks (`tracked`), prepared to run; what cannot run is
    /// returned as log lines (keepalived drops such a script, and its tracker never
    /// reports: the instances waiting for it stay down).
    pub fn new(
        config: &Config,
        host: &dyn Host,
        tracked: &[&str],
        now: Instant,
    ) -> (Checks, Vec<String>) {
        let policy = Policy::from_global(&config.global);
        let mut checks = Vec::new();
        let mut problems = Vec::new();
        for s in &config.vrrp.scripts {
            if !tracked.contains(&s.name.as_str()) {
                continue;
            }
            let Some(script) = &s.script else {
                problems.push(format!("vrrp_script {}: no `script` to run", s.name));
                continue;
            };
            match policy.prepare_as(host, script, s.user.as_deref(), s.group.as_deref()) {
                Ok(exec) => checks.push(Check {
                    name: s.name.clone(),
                    exec,
                    interval: s.interval,
                    timeout: s.timeout.unwrap_or(s.interval),
                    next: now,
                    running: false,
                }),
                Err(e) => problems.push(format!("vrrp_script {}: {e}; it never runs", s.name)),
            }
        }
        (Checks { checks }, problems)
    }

    /// The jobs due at `now`, tagged with their index; each is marked running.
    pub fn due(&mut self, now: Instant) -> Vec<(usize, Job)> {
        let mut out = Vec::new();
        for (i, c) in self.checks.iter_mut().enumerate() {
            if c.running || c.next > now {
                continue;
            }
            c.running = true;
            let job = Job::new(c.exec.clone(), Some(c.timeout))
                .kill(Kill::TermThenKill(VRRP_SCRIPT_GRACE));
            out.push((i, job));
        }
        out
    }

    /// A run of check `i` ended: its name and what the tracker makes of it (None when the
    /// run gave no verdict: cancelled at shutdown, or its status was lost). The next run is
    /// one interval after this one ended.
    pub fn finished(
        &mut self,
        i: usize,
        outcome: &Outcome,
        now: Instant,
    ) -> Option<(String, ScriptOutcome)> {
        let c = self.checks.get_mut(i)?;
        c.running = false;
        c.next = now + c.interval;
        let verdict = match outcome {
            Outcome::Exited(n) => ScriptOutcome::Exited(*n),
            Outcome::Signalled(sig) => ScriptOutcome::Signalled(*sig as i32),
            Outcome::TimedOut(_) => ScriptOutcome::TimedOut,
            // A script that cannot run fails, as keepalived counts it.
            Outcome::Refused(_) | Outcome::SpawnFailed(_) => ScriptOutcome::Exited(127),
            Outcome::Cancelled | Outcome::Lost => return None,
        };
        Some((c.name.clone(), verdict))
    }

    pub fn name(&self, i: usize) -> Option<&str> {
        self.checks.get(i).map(|c| c.name.as_str())
    }

    /// The next run that is not under way.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.checks
            .iter()
            .filter(|c| !c.running)
            .map(|c| c.next)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::env::SystemHost;

    fn checks(conf: &str, now: Instant) -> (Checks, Vec<String>) {
        let parsed = crate::conf::parse_str("t.conf", conf);
        assert!(!parsed.diags.has_errors(), "{conf}");
        // /bin/true is real: preparing a script looks it up on this host.
        let host = SystemHost::new();
        Checks::new(&parsed.config, &host, &["chk"], now)
    }

    const CONF: &str = "vrrp_script chk {\n script \"/bin/true\"\n interval 2\n}\nvrrp_script unused {\n script \"/bin/true\"\n}\n";

    #[test]
    fn runs_at_start_then_an_interval_after_each_run_ends() {
        let t0 = Instant::now();
        let (mut c, problems) = checks(CONF, t0);
        assert!(problems.is_empty(), "{problems:?}");
        let due = c.due(t0);
        assert_eq!(due.len(), 1, "only tracked scripts run");
        assert!(
            c.due(t0 + Duration::from_secs(10)).is_empty(),
            "one run at a time"
        );
        assert_eq!(c.poll_timeout(), None);
        let end = t0 + Duration::from_millis(300);
        let (name, verdict) = c.finished(0, &Outcome::Exited(1), end).unwrap();
        assert_eq!((name.as_str(), verdict), ("chk", ScriptOutcome::Exited(1)));
        assert_eq!(c.poll_timeout(), Some(end + Duration::from_secs(2)));
        assert!(c.due(end + Duration::from_secs(1)).is_empty());
        assert_eq!(c.due(end + Duration::from_secs(2)).len(), 1);
    }

    #[test]
    fn timeouts_fail_and_cancelled_runs_give_no_verdict() {
        let t0 = Instant::now();
        let (mut c, _) = checks(CONF, t0);
        c.due(t0);
        let timed_out = c.finished(0, &Outcome::TimedOut(Duration::from_secs(2)), t0);
        assert_eq!(timed_out.unwrap().1, ScriptOutcome::TimedOut);
        c.due(t0 + Duration::from_secs(2));
        assert!(c.finished(0, &Outcome::Cancelled, t0).is_none());
    }
}
