//! What the VRRP loop calls on a transition: the notify scripts of the instance or sync
//! group (queued in order, one at a time per instance or group), the notify FIFO lines and
//! the alert mail — in keepalived 2.2.7's order and words (vrrp_notify.c
//! send_instance_notifies, send_group_notifies, send_event_notify,
//! send_instance_priority_notifies).
//!
//! Nothing here blocks: scripts are [`Job`]s the loop hands to the [`Runner`]
//! ([`Notifier::pump`]), FIFO writes are non-blocking, mail goes to the mail thread. The
//! loop reports finished scripts back ([`Notifier::finished`]) and logs [`Event`]s.
//!
//! Per transition, as keepalived: the state's own script (`notify_master`, ...), then the
//! generic `notify` with `INSTANCE|GROUP NAME STATE PRIORITY`, then the FIFO line, then the
//! mail. keepalived starts both scripts at once; here the generic one starts when the first
//! has ended. Deviations and defaults where keepalived has none:
//! - Timeout: keepalived lets notify scripts run forever (notify_stop excepted: SIGKILL to
//!   its group after 1 s). As an instance's scripts run in turn here, a hung one would hold
//!   back the rest: each gets [`NOTIFY_TIMEOUT`] (30 s), STOP ones keepalived's 1 s; at the
//!   timeout the whole process group gets SIGKILL.
//! - Queue bound: [`DEFAULT_BOUND`] waiting scripts per instance or group; past it the
//!   oldest waiting one is dropped with an [`Event::Dropped`].
//! - Mail: at most [`MAIL_BOUND`] mails wait for the mail thread; past it a mail is dropped
//!   with an [`Event::MailDropped`].

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::event::{generic_args, Kind, NotifyState};
use super::fifo::{self, Fifo, Line};
use super::mail::{vrrp_alert, MailSettings, Mailer};
use super::prepare::{Exec, Policy};
use super::queue::{Queue, Ticket, DEFAULT_BOUND};
use super::runner::{secs, Done, Job, Outcome, Runner};
use super::smtp::MailError;
use super::waker::Waker;
use crate::conf::env::Host;
use crate::conf::model::global::Fifo as FifoConf;
use crate::conf::model::Config;
use crate::conf::schema::Script;

/// Timeout of notify scripts (keepalived has none).
pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(30);
/// keepalived's timeout of notify_stop (and of the generic notify for STOP).
pub const STOP_TIMEOUT: Duration = Duration::from_secs(1);
/// Mails kept waiting for the mail thread.
pub const MAIL_BOUND: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub timeout: Duration,
    pub stop_timeout: Duration,
    /// Waiting scripts kept per instance or group.
    pub queue_bound: usize,
    pub mail_bound: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: NOTIFY_TIMEOUT,
            stop_timeout: STOP_TIMEOUT,
            queue_bound: DEFAULT_BOUND,
            mail_bound: MAIL_BOUND,
        }
    }
}

/// A script, FIFO or mail setting that does not work as written, found at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// "`notify_master` of vrrp_instance `VI_1`", "vrrp_notify_fifo".
    pub what: String,
    pub message: String,
    /// It will not run (else: it runs, and this is a warning).
    pub disabled: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.disabled {
            write!(f, "{} is disabled: {}", self.what, self.message)
        } else {
            write!(f, "{}: {}", self.what, self.message)
        }
    }
}

/// Something to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A script ended. `owner`: "VI_1", "group G1", "vrrp_notify_fifo".
    Script {
        owner: String,
        what: &'static str,
        command: String,
        outcome: Outcome,
        elapsed: Duration,
    },
    /// The queue bound was reached: this waiting script will not run.
    Dropped {
        owner: String,
        what: &'static str,
        state: Option<NotifyState>,
    },
    /// A FIFO line was not written (the pipe is full: nobody reads it).
    FifoWrite {
        path: PathBuf,
        error: String,
    },
    Mail {
        subject: String,
        result: Result<(), MailError>,
    },
    MailDropped {
        subject: String,
    },
}

impl Event {
    /// Worth a warning (else: information).
    pub fn failed(&self) -> bool {
        match self {
            Event::Script { outcome, .. } => !outcome.success(),
            Event::Mail { result, .. } => result.is_err(),
            Event::Dropped { .. } | Event::FifoWrite { .. } | Event::MailDropped { .. } => true,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Event::Script {
                owner,
                what,
                command,
                outcome,
                elapsed,
            } => write!(
                f,
                "{owner}: {what} `{command}` {outcome} ({})",
                secs(Duration::from_millis(elapsed.as_millis() as u64))
            ),
            Event::Dropped { owner, what, state } => {
                write!(f, "{owner}: {what}")?;
                if let Some(s) = state {
                    write!(f, " for {s}")?;
                }
                f.write_str(" dropped: too many notify scripts waiting behind a running one")
            }
            Event::FifoWrite { path, error } => {
                write!(f, "notify FIFO {}: line dropped: {error}", path.display())
            }
            Event::Mail {
                subject,
                result: Ok(()),
            } => write!(f, "alert mail sent: {subject}"),
            Event::Mail {
                subject,
                result: Err(e),
            } => write!(f, "alert mail not sent ({subject}): {e}"),
            Event::MailDropped { subject } => write!(
                f,
                "alert mail dropped ({subject}): too many mails waiting for the SMTP server"
            ),
        }
    }
}

/// An instance's or group's prepared scripts, by keyword.
#[derive(Debug, Default)]
struct Scripts {
    master: Option<Exec>,
    backup: Option<Exec>,
    fault: Option<Exec>,
    stop: Option<Exec>,
    deleted: Option<Exec>,
    generic: Option<Exec>,
    rx_lower: Option<Exec>,
}

impl Scripts {
    fn for_state(&self, s: NotifyState) -> (Option<&Exec>, &'static str) {
        match s {
            NotifyState::Master => (self.master.as_ref(), "notify_master"),
            NotifyState::Backup => (self.backup.as_ref(), "notify_backup"),
            NotifyState::Fault => (self.fault.as_ref(), "notify_fault"),
            NotifyState::Stop => (self.stop.as_ref(), "notify_stop"),
            NotifyState::Deleted => (self.deleted.as_ref(), "notify_deleted"),
        }
    }
}

#[derive(Debug)]
struct Owner {
    kind: Kind,
    name: String,
    label: String,
    lane: usize,
    scripts: Scripts,
    notify_deleted: bool,
    smtp_alert: bool,
    priority_changes: bool,
    last_mail: Option<NotifyState>,
}

/// A queued script and what it is, for reports.
#[derive(Debug)]
struct Queued {
    job: Job,
    owner: String,
    what: &'static str,
    state: Option<NotifyState>,
}

pub struct Notifier {
    queue: Queue<Queued>,
    owners: Vec<Owner>,
    instances: HashMap<String, usize>,
    groups: HashMap<String, usize>,
    running: HashMap<Ticket, (String, &'static str)>,
    /// Lanes of instances and groups (FIFO scripts run on lanes of their own, for ever).
    notify_lanes: Vec<usize>,
    fifos: Vec<Fifo>,
    mailer: Option<Mailer>,
    mails_waiting: usize,
    no_email_faults: bool,
    settings: Settings,
    events: VecDeque<Event>,
}

impl Notifier {
    /// Prepares every notify script, opens the FIFOs (queuing their scripts) and starts
    /// the mail thread. What does not work is returned, for the log; it never stops the
    /// daemon (keepalived drops such scripts and runs on).
    pub fn new(
        config: &Config,
        host: &dyn Host,
        waker: &Waker,
        settings: Settings,
    ) -> (Notifier, Vec<Problem>) {
        let g = &config.global;
        let policy = Policy::from_global(g);
        let mut problems = Vec::new();
        let mut n = Notifier {
            queue: Queue::new(settings.queue_bound),
            owners: Vec::new(),
            instances: HashMap::new(),
            groups: HashMap::new(),
            running: HashMap::new(),
            notify_lanes: Vec::new(),
            fifos: Vec::new(),
            mailer: None,
            mails_waiting: 0,
            no_email_faults: g.no_email_faults,
            settings,
            events: VecDeque::new(),
        };
        for i in &config.vrrp.instances {
            let owner = |kw: &str| format!("`{kw}` of vrrp_instance `{}`", i.name);
            let mut prep = |s: &Option<Script>, kw: &str| {
                prepare(&policy, host, s.as_ref(), &owner(kw), &mut problems)
            };
            let scripts = Scripts {
                master: prep(&i.notify_master, "notify_master"),
                backup: prep(&i.notify_backup, "notify_backup"),
                fault: prep(&i.notify_fault, "notify_fault"),
                stop: prep(&i.notify_stop, "notify_stop"),
                deleted: prep(&i.notify_deleted_script, "notify_deleted"),
                generic: prep(&i.notify, "notify"),
                rx_lower: prep(&i.notify_master_rx_lower_pri, "notify_master_rx_lower_pri"),
            };
            let ix = n.add_owner(Kind::Instance, &i.name, scripts);
            let o = &mut n.owners[ix];
            o.notify_deleted = i.notify_deleted;
            o.smtp_alert = i.smtp_alert;
            o.priority_changes = i.notify_priority_changes;
        }
        for sg in &config.vrrp.sync_groups {
            let owner = |kw: &str| format!("`{kw}` of vrrp_sync_group `{}`", sg.name);
            let mut prep = |s: &Option<Script>, kw: &str| {
                prepare(&policy, host, s.as_ref(), &owner(kw), &mut problems)
            };
            let scripts = Scripts {
                master: prep(&sg.notify_master, "notify_master"),
                backup: prep(&sg.notify_backup, "notify_backup"),
                fault: prep(&sg.notify_fault, "notify_fault"),
                stop: prep(&sg.notify_stop, "notify_stop"),
                generic: prep(&sg.notify, "notify"),
                ..Scripts::default()
            };
            let ix = n.add_owner(Kind::Group, &sg.name, scripts);
            n.owners[ix].smtp_alert = sg.smtp_alert;
        }
        n.open_fifos(config, &policy, host, &mut problems);
        let wants_mail = n.owners.iter().any(|o| o.smtp_alert);
        if wants_mail {
            if let Some(ms) = MailSettings::from_global(g) {
                match Mailer::start(ms, waker.clone()) {
                    Ok(m) => n.mailer = Some(m),
                    Err(e) => problems.push(Problem {
                        what: "smtp_alert".into(),
                        message: format!("cannot start the mail thread: {e}"),
                        disabled: true,
                    }),
                }
            }
        }
        (n, problems)
    }

    fn add_owner(&mut self, kind: Kind, name: &str, scripts: Scripts) -> usize {
        let lane = self.queue.add_lane();
        self.notify_lanes.push(lane);
        let ix = self.owners.len();
        self.owners.push(Owner {
            kind,
            name: name.to_string(),
            label: match kind {
                Kind::Instance => name.to_string(),
                Kind::Group => format!("group {name}"),
            },
            lane,
            scripts,
            notify_deleted: false,
            smtp_alert: false,
            priority_changes: false,
            last_mail: None,
        });
        let map = match kind {
            Kind::Instance => &mut self.instances,
            Kind::Group => &mut self.groups,
        };
        map.insert(name.to_string(), ix);
        ix
    }

    /// notify_fifo, then vrrp_notify_fifo (ignored when it is the same path, as keepalived
    /// does); each script is queued with the FIFO's path as its last argument.
    fn open_fifos(
        &mut self,
        config: &Config,
        policy: &Policy,
        host: &dyn Host,
        problems: &mut Vec<Problem>,
    ) {
        let g = &config.global;
        let mut list: Vec<(&FifoConf, Option<&Script>, &'static str)> = Vec::new();
        if let Some(f) = &g.notify_fifo {
            list.push((f, g.notify_fifo_script.as_ref(), "notify_fifo"));
        }
        if let Some(f) = &g.vrrp_notify_fifo {
            if g.notify_fifo.as_ref().is_some_and(|n| n.path == f.path) {
                problems.push(Problem {
                    what: "vrrp_notify_fifo".into(),
                    message: format!("{} is also the notify_fifo; it is used once", f.path),
                    disabled: true,
                });
            } else {
                list.push((f, g.vrrp_notify_fifo_script.as_ref(), "vrrp_notify_fifo"));
            }
        }
        for (conf, script, kw) in list {
            let owner = match &conf.user {
                Some(u) => policy.run_as(
                    host,
                    Some(&u.value),
                    conf.group.as_ref().map(|g| g.value.as_str()),
                ),
                None => policy.default_user(host),
            };
            let owner = match owner {
                Ok(r) => Some((r.uid, r.gid)),
                Err(e) => {
                    problems.push(Problem {
                        what: kw.into(),
                        message: format!("{e}; the FIFO keeps the daemon's owner"),
                        disabled: false,
                    });
                    None
                }
            };
            let fifo = match Fifo::open(std::path::Path::new(&conf.path), owner) {
                Ok(f) => f,
                Err(e) => {
                    problems.push(Problem {
                        what: kw.into(),
                        message: e.to_string(),
                        disabled: true,
                    });
                    continue;
                }
            };
            let what: &'static str = match kw {
                "notify_fifo" => "notify_fifo_script",
                _ => "vrrp_notify_fifo_script",
            };
            if let Some(exec) = prepare(policy, host, script, &format!("`{what}`"), problems) {
                let lane = self.queue.add_lane();
                let job = Job::new(exec, None).args(vec![conf.path.clone()]);
                self.queue.push(
                    lane,
                    Queued {
                        job,
                        owner: kw.to_string(),
                        what,
                        state: None,
                    },
                );
            }
            self.fifos.push(fifo);
        }
    }

    /// An instance entered `state` with this effective priority. DELETED is reported as
    /// FAULT unless the instance has `notify_deleted`, as keepalived does.
    pub fn instance(&mut self, name: &str, state: NotifyState, priority: u8) {
        if let Some(&ix) = self.instances.get(name) {
            let state = match state {
                NotifyState::Deleted if !self.owners[ix].notify_deleted => NotifyState::Fault,
                s => s,
            };
            self.transition(ix, state, priority);
        }
    }

    /// A sync group entered `state` (its scripts get priority 0, as keepalived's).
    pub fn group(&mut self, name: &str, state: NotifyState) {
        if let Some(&ix) = self.groups.get(name) {
            self.transition(ix, state, 0);
        }
    }

    fn transition(&mut self, ix: usize, state: NotifyState, priority: u8) {
        let timeout = match state {
            NotifyState::Stop => self.settings.stop_timeout,
            _ => self.settings.timeout,
        };
        let o = &self.owners[ix];
        let (kind, lane) = (o.kind, o.lane);
        let mut jobs = Vec::new();
        if let (Some(exec), what) = o.scripts.for_state(state) {
            jobs.push((Job::new(exec.clone(), Some(timeout)), what));
        }
        if let Some(exec) = &o.scripts.generic {
            let args = generic_args(kind, &o.name, state, priority);
            jobs.push((Job::new(exec.clone(), Some(timeout)).args(args), "notify"));
        }
        for (job, what) in jobs {
            self.queue_job(ix, lane, job, what, Some(state));
        }
        let o = &self.owners[ix];
        let line = fifo::line(kind, &o.name, Line::State(state), priority);
        self.write_fifos(&line);
        self.mail(ix, state);
    }

    /// A MASTER heard a lower priority advert: notify_master_rx_lower_pri and the FIFO.
    pub fn master_rx_lower_pri(&mut self, name: &str, priority: u8) {
        let Some(&ix) = self.instances.get(name) else {
            return;
        };
        let o = &self.owners[ix];
        let lane = o.lane;
        if let Some(exec) = &o.scripts.rx_lower {
            let job = Job::new(exec.clone(), Some(self.settings.timeout));
            self.queue_job(ix, lane, job, "notify_master_rx_lower_pri", None);
        }
        let line = fifo::line(Kind::Instance, name, Line::MasterRxLowerPri, priority);
        self.write_fifos(&line);
    }

    /// The effective priority changed: a FIFO line when the instance has
    /// notify_priority_changes (keepalived sends it from MASTER and BACKUP only).
    pub fn priority_changed(&mut self, name: &str, master: bool, priority: u8) {
        let Some(&ix) = self.instances.get(name) else {
            return;
        };
        if self.owners[ix].priority_changes {
            let what = if master {
                Line::MasterPriority
            } else {
                Line::BackupPriority
            };
            let line = fifo::line(Kind::Instance, name, what, priority);
            self.write_fifos(&line);
        }
    }

    fn queue_job(
        &mut self,
        ix: usize,
        lane: usize,
        job: Job,
        what: &'static str,
        state: Option<NotifyState>,
    ) {
        let owner = self.owners[ix].label.clone();
        let q = Queued {
            job,
            owner,
            what,
            state,
        };
        if let Some(d) = self.queue.push(lane, q) {
            self.events.push_back(Event::Dropped {
                owner: d.owner,
                what: d.what,
                state: d.state,
            });
        }
    }

    fn write_fifos(&mut self, line: &str) {
        for f in &self.fifos {
            if let Err(e) = f.write_line(line) {
                let error = if e.kind() == std::io::ErrorKind::WouldBlock {
                    "the pipe is full (is anything reading it?)".to_string()
                } else {
                    e.to_string()
                };
                self.events.push_back(Event::FifoWrite {
                    path: f.path().to_path_buf(),
                    error,
                });
            }
        }
    }

    /// keepalived's mail rules: smtp_alert on, not FAULT under no_email_faults, and not
    /// the state the last mail announced.
    fn mail(&mut self, ix: usize, state: NotifyState) {
        let Some(mailer) = &self.mailer else { return };
        let o = &mut self.owners[ix];
        if !o.smtp_alert
            || (self.no_email_faults && state == NotifyState::Fault)
            || o.last_mail == Some(state)
        {
            return;
        }
        let Some(alert) = vrrp_alert(&mailer.settings().router_id, o.kind, &o.name, state) else {
            return;
        };
        o.last_mail = Some(state);
        if self.mails_waiting >= self.settings.mail_bound {
            self.events.push_back(Event::MailDropped {
                subject: alert.subject,
            });
            return;
        }
        self.mails_waiting += 1;
        mailer.send(alert);
    }

    /// The next script to hand to the runner, with the ticket to report its end with.
    pub fn next_job(&mut self) -> Option<(Ticket, Job)> {
        let (t, q) = self.queue.start_next()?;
        self.running.insert(t, (q.owner, q.what));
        Some((t, q.job))
    }

    /// Hands every startable script to `runner`, tagged with `tag(ticket)`.
    pub fn pump<T: Send + 'static>(&mut self, runner: &Runner<T>, tag: impl Fn(Ticket) -> T) {
        while let Some((t, job)) = self.next_job() {
            runner.submit(tag(t), job);
        }
    }

    /// A script the runner ran for `ticket` ended: its lane may start the next (call
    /// [`Notifier::pump`] again) and an [`Event::Script`] is queued.
    pub fn finished(&mut self, ticket: Ticket, done: Done<()>) {
        if !self.queue.finished(ticket) {
            return;
        }
        if let Some((owner, what)) = self.running.remove(&ticket) {
            self.events.push_back(Event::Script {
                owner,
                what,
                command: done.command,
                outcome: done.outcome,
                elapsed: done.elapsed,
            });
        }
    }

    /// The next thing to log (mail results included). Never blocks.
    pub fn poll_event(&mut self) -> Option<Event> {
        if let Some(m) = &self.mailer {
            while let Some(sent) = m.try_recv() {
                self.mails_waiting = self.mails_waiting.saturating_sub(1);
                self.events.push_back(Event::Mail {
                    subject: sent.subject,
                    result: sent.result,
                });
            }
        }
        self.events.pop_front()
    }

    /// No notify script running or waiting, no mail waiting (FIFO scripts, which run
    /// until the daemon stops, aside): what a stopping daemon waits for.
    pub fn settled(&self) -> bool {
        self.mails_waiting == 0
            && self
                .notify_lanes
                .iter()
                .all(|&l| !self.queue.busy(l) && self.queue.waiting(l) == 0)
    }
}

/// Prepares one configured script; a script that cannot run becomes a problem (disabled),
/// one that runs as root from an unsafe place without enable_script_security a warning.
fn prepare(
    policy: &Policy,
    host: &dyn Host,
    script: Option<&Script>,
    what: &str,
    problems: &mut Vec<Problem>,
) -> Option<Exec> {
    let script = script?;
    match policy.prepare(host, script) {
        Ok(exec) => {
            if let Some(i) = exec.insecure() {
                problems.push(Problem {
                    what: what.to_string(),
                    message: i.warning(),
                    disabled: false,
                });
            }
            Some(exec)
        }
        Err(e) => {
            problems.push(Problem {
                what: what.to_string(),
                message: e.to_string(),
                disabled: true,
            });
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::env::FakeHost;
    use crate::conf::parse_str;

    fn notifier(body: &str) -> (Notifier, Vec<Problem>) {
        let conf = format!(
            "vrrp_instance VI_1 {{\n state BACKUP\n interface lo\n virtual_router_id 51\n \
             priority 100\n virtual_ipaddress {{\n  10.9.9.9\n }}\n{body}}}\n\
             vrrp_sync_group G1 {{\n group {{\n  VI_1\n }}\n notify /bin/g\n}}\n"
        );
        let p = parse_str("k.conf", &conf);
        let host = FakeHost::new()
            .file("/bin/m", 0o755, 0, 0)
            .file("/bin/n", 0o755, 0, 0)
            .file("/bin/g", 0o755, 0, 0);
        Notifier::new(
            &p.config,
            &host,
            &Waker::new().unwrap(),
            Settings::default(),
        )
    }

    fn done() -> Done<()> {
        Done {
            tag: (),
            outcome: Outcome::Exited(0),
            elapsed: Duration::ZERO,
            command: String::new(),
            pid: None,
        }
    }

    #[test]
    fn one_script_at_a_time_per_instance_in_order() {
        let (mut n, problems) = notifier(" notify_master /bin/m\n notify /bin/n\n");
        assert!(problems.is_empty(), "{problems:?}");
        n.instance("VI_1", NotifyState::Master, 120);
        n.group("G1", NotifyState::Master);
        let (t1, j1) = n.next_job().unwrap();
        assert_eq!(j1.exec.program(), std::path::Path::new("/bin/m"));
        assert!(j1.args.is_empty());
        assert_eq!(j1.timeout, Some(NOTIFY_TIMEOUT));
        // The group's lane is free; the instance's next waits for its first.
        let (_, jg) = n.next_job().unwrap();
        assert_eq!(jg.args, ["GROUP", "G1", "MASTER", "0"]);
        assert!(n.next_job().is_none());
        assert!(!n.settled());
        n.finished(t1, done());
        let (_, j2) = n.next_job().unwrap();
        assert_eq!(j2.args, ["INSTANCE", "VI_1", "MASTER", "120"]);
        match n.poll_event() {
            Some(Event::Script { owner, what, .. }) => {
                assert_eq!((owner.as_str(), what), ("VI_1", "notify_master"))
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn deleted_is_fault_without_notify_deleted_and_stop_gets_its_timeout() {
        let (mut n, _) = notifier(" notify /bin/n\n");
        n.instance("VI_1", NotifyState::Deleted, 50);
        let (t, j) = n.next_job().unwrap();
        assert_eq!(j.args, ["INSTANCE", "VI_1", "FAULT", "50"]);
        n.finished(t, done());
        n.instance("VI_1", NotifyState::Stop, 50);
        let (_, j) = n.next_job().unwrap();
        assert_eq!(j.args, ["INSTANCE", "VI_1", "STOP", "50"]);
        assert_eq!(j.timeout, Some(STOP_TIMEOUT));
        let (mut n, _) = notifier(" notify /bin/n\n notify_deleted\n");
        n.instance("VI_1", NotifyState::Deleted, 50);
        assert_eq!(n.next_job().unwrap().1.args[2], "DELETED");
    }

    #[test]
    fn unusable_scripts_are_problems_not_failures() {
        let (mut n, problems) = notifier(" notify_master /bin/missing\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].to_string(),
            "`notify_master` of vrrp_instance `VI_1` is disabled: /bin/missing does not exist"
        );
        n.instance("VI_1", NotifyState::Master, 100);
        assert!(n.next_job().is_none());
        assert!(n.settled());
        // Unknown names are ignored.
        n.instance("nope", NotifyState::Master, 100);
        n.group("nope", NotifyState::Master);
        assert!(n.poll_event().is_none());
    }
}
