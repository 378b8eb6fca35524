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
    /// returned as log lines. keepalived disables such a script and removes it from every
    /// instance and sync group tracking it ("Disabling track script chk due to insecure",
    /// "... since not found/accessible"): they run as if it were not tracked, weight 0 or
    /// not. The daemon does the same with [`Checks::dropped`] and [`untrack`].
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
                Err(e) => problems.push(format!(
                    "vrrp_script {}: {e}; it never runs and is not tracked",
                    s.name
                )),
            }
        }
        (Checks { checks }, problems)
    }

    /// The scripts of `tracked` that will never run (refused, or without a `script`).
    pub fn dropped(&self, tracked: &[&str]) -> Vec<String> {
        tracked
            .iter()
            .filter(|t| !self.checks.iter().any(|c| c.name == **t))
            .map(|t| t.to_string())
            .collect()
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

    /// The next run that is not under way.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.checks
            .iter()
            .filter(|c| !c.running)
            .map(|c| c.next)
            .min()
    }
}

/// `config` without the `track_script` lines naming `scripts`, in instances and sync
/// groups: what keepalived tracks once it has disabled scripts that cannot run.
pub fn untrack(config: &Config, scripts: &[String]) -> Config {
    let mut c = config.clone();
    let keep = |t: &crate::conf::model::vrrp::TrackRef| !scripts.contains(&t.name);
    for i in &mut c.vrrp.instances {
        i.track_script.retain(keep);
    }
    for g in &mut c.vrrp.sync_groups {
        g.track_script.retain(keep);
    }
    c
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
    fn a_script_that_cannot_run_is_untracked_as_keepalived_does() {
        // Weight 0: were it still tracked, VI_1 would wait for its first result for ever.
        let conf = "vrrp_script chk {\n script \"/nonexistent/chk.sh\"\n weight 0\n}\n\
                    vrrp_script ok {\n script \"/bin/true\"\n weight 0\n}\n\
                    vrrp_instance VI_1 {\n interface lo\n virtual_router_id 51\n \
                    track_script {\n  chk\n  ok\n }\n}\n";
        let parsed = crate::conf::parse_str("t.conf", conf);
        let host = SystemHost::new();
        let (c, problems) = Checks::new(&parsed.config, &host, &["chk", "ok"], Instant::now());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("not tracked"), "{problems:?}");
        let dropped = c.dropped(&["chk", "ok"]);
        assert_eq!(dropped, ["chk"]);
        let pruned = untrack(&parsed.config, &dropped);
        let mut t = crate::vrrp::track::Tracking::from_config(&pruned);
        assert_eq!(t.scripts().collect::<Vec<_>>(), ["ok"]);
        // `ok` still holds VI_1 until it reports; once it has, VI_1 starts.
        assert_eq!(t.poll_update(), None);
        t.script_result("ok", ScriptOutcome::Exited(0));
        let mut updates = std::iter::from_fn(|| t.poll_update());
        assert!(updates.any(|u| matches!(u, crate::vrrp::track::Update::Start { .. })));
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
