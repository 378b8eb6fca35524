//! Tracking, sans IO: the state of every tracked object (`vrrp_script`, interface,
//! `track_file`, `vrrp_track_process`) and what it does to each instance, as keepalived
//! 2.2.7 computes it (keepalived/vrrp/vrrp_track.c unless said).
//!
//! The daemon feeds results and observations (script outcomes from the script runner,
//! link changes from netlink, file contents and process counts from `crate::track_io`)
//! with the time, and drains [`Update`]s: each instance's priority offset (for
//! [`super::Instance::set_priority_offset`]), its FAULT flag (for
//! [`super::Instance::set_fault`], through [`super::SyncGroups::set_fault`] so that sync
//! groups follow) and when it may start.
//!
//! ```text
//! let mut t = Tracking::from_config(&config);
//! for name in t.interfaces() { t.link(name, is_up(name)); }   // and files, processes
//! loop {
//!     while let Some(u) = t.poll_update() { /* apply, log */ }
//!     wait until t.poll_timeout(), a script result, a link change, ...;
//!     t.handle_timeout(now) / t.script_result(name, outcome) / ...
//! }
//! ```
//!
//! keepalived behaviours reproduced:
//!
//! - effective priority (`vrrp_set_effective_priority`): configured priority plus the
//!   sum of the offsets, kept within 1..=254 by the instance; the owner's never moves.
//! - two-state objects (`initialise_track_script_state`, `process_script_update_priority`,
//!   `process_if_status_change`, `process_update_track_process_status`): weight 0 = FAULT
//!   while down; a positive weight is added while up, a negative one while down; reverse
//!   multiplies by -1 (and, with weight 0, means FAULT while up).
//! - scripts: rise / fall / init_fail counting in [`script`]; before its first result a
//!   script adds nothing, and a weight-0 one holds its instance and the instance's sync
//!   group back (keepalived's `num_script_init` / `num_member_init`: silent FAULT until
//!   the first result) — here they are simply not started ([`Update::Start`]).
//! - track_file (`update_track_file_status`): value x weight, FAULT at -254 or below,
//!   253 at most; weight 0: a non-zero value is FAULT. Parsing in [`file`].
//! - vrrp_track_process: quorum, quorum_max and the fork / terminate delays in
//!   [`process`].
//! - what an instance tracks (`vrrp_complete_instance`, `sync_group_tracking_init`):
//!   its own interface unless `dont_track_primary`, the interfaces of its addresses,
//!   virtual routes and rules unless `no_track`, its `track_*` lines, and those of its
//!   sync group; see [`Tracking::from_config`].

mod build;
mod effect;
pub mod file;
pub mod process;
pub mod script;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::Instant;

use effect::Effect;
use process::ProcessState;
use script::ScriptState;

pub use file::{parse_value, BadNumber};
pub use script::{ScriptOutcome, ScriptStatus};

/// What the daemon does with the tracking state, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// A tracked object changed state, for the log ("chk_nginx failed 2 times").
    Tracker(String),
    /// `instance.set_priority_offset(offset, &reason)`; the reason names the change
    /// ("chk_nginx failed 2 times, weight -40").
    Priority {
        instance: String,
        offset: i32,
        reason: String,
    },
    /// The instance's own trackers put it in FAULT or let it out. Goes through
    /// [`super::SyncGroups::set_fault`], which gives the `set_fault` calls.
    Fault {
        instance: String,
        on: bool,
        reason: String,
    },
    /// `instance.start(now)`: nothing it (or its sync group) tracks waits for a first
    /// result any more. Comes after the priority and fault updates known at that time.
    Start { instance: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Obj {
    Script(usize),
    Interface(usize),
    File(usize),
    Process(usize),
}

/// One `track_*` line in effect (after keepalived's merging of instance and sync group
/// lines).
#[derive(Debug, Clone, Copy)]
struct Link {
    obj: Obj,
    weight: i32,
    reverse: bool,
}

#[derive(Debug)]
struct Tracked {
    name: String,
    group: Option<String>,
    links: Vec<Link>,
    /// What was last given out.
    offset: i32,
    fault: bool,
    pending: bool,
    started: bool,
}

#[derive(Debug)]
struct ScriptObj {
    name: String,
    state: ScriptState,
}

#[derive(Debug)]
struct IfaceObj {
    name: String,
    /// None until the edge reports it.
    up: Option<bool>,
}

#[derive(Debug)]
struct FileObj {
    name: String,
    path: String,
    /// None until the file is read.
    value: Option<i64>,
}

#[derive(Debug)]
struct ProcObj {
    name: String,
    state: ProcessState,
}

#[derive(Debug)]
pub struct Tracking {
    scripts: Vec<ScriptObj>,
    interfaces: Vec<IfaceObj>,
    files: Vec<FileObj>,
    processes: Vec<ProcObj>,
    instances: Vec<Tracked>,
    updates: VecDeque<Update>,
    starts: VecDeque<String>,
    warnings: Vec<String>,
}

impl Tracking {
    /// What keepalived reports about tracking that the configuration reader does not
    /// (its `report_config_error` lines), for the log at start.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The `vrrp_script`s some instance tracks: the ones to run.
    pub fn scripts(&self) -> impl Iterator<Item = &str> {
        self.scripts.iter().map(|s| s.name.as_str())
    }

    /// Interfaces whose link state matters. Report each once before starting (one that
    /// does not exist is down); until then an interface has no effect.
    pub fn interfaces(&self) -> impl Iterator<Item = &str> {
        self.interfaces.iter().map(|i| i.name.as_str())
    }

    /// (track_file name, path) of the files to read, at start and whenever they change.
    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files
            .iter()
            .map(|f| (f.name.as_str(), f.path.as_str()))
    }

    /// The `vrrp_track_process`es to count, at start and whenever processes change.
    pub fn processes(&self) -> impl Iterator<Item = &str> {
        self.processes.iter().map(|p| p.name.as_str())
    }

    // ----- inputs -----

    /// One run of `vrrp_script` `name` ended. False if nothing tracks it.
    pub fn script_result(&mut self, name: &str, outcome: ScriptOutcome) -> bool {
        let Some(k) = self.scripts.iter().position(|s| s.name == name) else {
            return false;
        };
        if self.scripts[k].state.record(outcome).is_some() {
            self.changed(Obj::Script(k));
        }
        true
    }

    /// Interface `ifname` is up (IFF_UP and IFF_RUNNING) or down (or gone). False if
    /// nothing tracks it.
    pub fn link(&mut self, ifname: &str, up: bool) -> bool {
        let Some(k) = self.interfaces.iter().position(|i| i.name == ifname) else {
            return false;
        };
        if self.interfaces[k].up != Some(up) {
            self.interfaces[k].up = Some(up);
            self.changed(Obj::Interface(k));
        }
        true
    }

    /// What track_file `name` holds now: its first bytes, or None when it is missing or
    /// unreadable (which reads as 0). A number keepalived refuses leaves the value as it
    /// was, with a [`Update::Tracker`] line saying so. False if nothing tracks it.
    pub fn file_content(&mut self, name: &str, content: Option<&[u8]>) -> bool {
        let Some(k) = self.files.iter().position(|f| f.name == name) else {
            return false;
        };
        match parse_value(content) {
            Ok(v) => {
                if self.files[k].value != Some(v) {
                    self.files[k].value = Some(v);
                    self.changed(Obj::File(k));
                }
            }
            Err(e) => {
                let f = &self.files[k];
                self.updates.push_back(Update::Tracker(format!(
                    "track_file {} ({}): {e}; the value stays {}",
                    f.name,
                    f.path,
                    f.value.unwrap_or(0)
                )));
            }
        }
        true
    }

    /// How many processes match `vrrp_track_process` `name` now. False if nothing
    /// tracks it.
    pub fn process_count(&mut self, now: Instant, name: &str, count: u32) -> bool {
        let Some(k) = self.processes.iter().position(|p| p.name == name) else {
            return false;
        };
        if self.processes[k].state.observe(now, count) {
            self.changed(Obj::Process(k));
        }
        true
    }

    /// Runs the fork / terminate delays that are due.
    pub fn handle_timeout(&mut self, now: Instant) {
        for k in 0..self.processes.len() {
            if self.processes[k].state.handle_timeout(now) {
                self.changed(Obj::Process(k));
            }
        }
    }

    /// When [`Tracking::handle_timeout`] must next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.processes
            .iter()
            .filter_map(|p| p.state.deadline())
            .min()
    }

    pub fn poll_update(&mut self) -> Option<Update> {
        if let Some(u) = self.updates.pop_front() {
            return Some(u);
        }
        self.starts
            .pop_front()
            .map(|instance| Update::Start { instance })
    }

    // ----- what the daemon reads -----

    /// The sum of the weights last given for `instance`.
    pub fn offset(&self, instance: &str) -> Option<i32> {
        self.tracked(instance).map(|t| t.offset)
    }

    /// Whether `instance`'s own trackers hold it in FAULT.
    pub fn fault(&self, instance: &str) -> Option<bool> {
        self.tracked(instance).map(|t| t.fault)
    }

    pub fn script_status(&self, name: &str) -> Option<ScriptStatus> {
        self.scripts
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.state.status())
    }

    // ----- inside -----

    fn tracked(&self, instance: &str) -> Option<&Tracked> {
        self.instances.iter().find(|t| t.name == instance)
    }

    fn effect(&self, l: &Link) -> Effect {
        match l.obj {
            Obj::Script(k) => match self.scripts[k].state.status() {
                ScriptStatus::Pending if l.weight == 0 => Effect::Pending,
                ScriptStatus::Pending => Effect::Offset(0),
                s => effect::two_state(s == ScriptStatus::Ok, l.weight, l.reverse),
            },
            Obj::Interface(k) => match self.interfaces[k].up {
                Some(up) => effect::two_state(up, l.weight, l.reverse),
                None => Effect::Offset(0),
            },
            Obj::File(k) => match self.files[k].value {
                Some(v) => effect::file(v, l.weight, l.reverse),
                None => Effect::Offset(0),
            },
            Obj::Process(k) => {
                let p = &self.processes[k].state;
                if p.known() {
                    effect::two_state(p.have_quorum(), l.weight, l.reverse)
                } else {
                    Effect::Offset(0)
                }
            }
        }
    }

    fn describe(&self, obj: Obj) -> String {
        match obj {
            Obj::Script(k) => {
                let s = &self.scripts[k];
                s.state.describe(&s.name)
            }
            Obj::Interface(k) => {
                let i = &self.interfaces[k];
                let what = match i.up {
                    Some(true) => "up",
                    Some(false) => "down",
                    None => "not reported yet",
                };
                format!("interface {} is {what}", i.name)
            }
            Obj::File(k) => {
                let f = &self.files[k];
                format!(
                    "track_file {} ({}) reads {}",
                    f.name,
                    f.path,
                    f.value.unwrap_or(0)
                )
            }
            Obj::Process(k) => {
                let p = &self.processes[k];
                p.state.describe(&p.name)
            }
        }
    }

    /// The change with the link's weight: "chk_nginx failed 2 times, weight -40".
    fn link_reason(&self, l: &Link) -> String {
        let what = self.describe(l.obj);
        match (l.weight, l.reverse) {
            (0, _) => what,
            (w, false) => format!("{what}, weight {w}"),
            (w, true) => format!("{what}, weight {w} reverse"),
        }
    }

    /// An object changed state: log it and re-evaluate every instance tracking it.
    fn changed(&mut self, obj: Obj) {
        self.updates.push_back(Update::Tracker(self.describe(obj)));
        for i in 0..self.instances.len() {
            if self.instances[i].links.iter().any(|l| l.obj == obj) {
                self.evaluate(i, Some(obj));
            }
        }
        self.queue_starts();
    }

    /// Recomputes instance `i` and gives out what changed; `cause` names the reason.
    fn evaluate(&mut self, i: usize, cause: Option<Obj>) {
        let t = &self.instances[i];
        let mut offset: i32 = 0;
        let mut first_fault: Option<Link> = None;
        let mut pending = false;
        for l in &t.links {
            match self.effect(l) {
                Effect::Offset(o) => offset = offset.saturating_add(o),
                Effect::Fault => {
                    first_fault.get_or_insert(*l);
                }
                Effect::Pending => pending = true,
            }
        }
        let cause_link = cause.and_then(|c| t.links.iter().find(|l| l.obj == c).copied());
        let fault = first_fault.is_some();
        let mut out = Vec::new();
        if offset != t.offset {
            let reason = match cause_link {
                Some(l) => self.link_reason(&l),
                // The first evaluation: every link that adds something.
                None => t
                    .links
                    .iter()
                    .filter(|l| !matches!(self.effect(l), Effect::Offset(0)))
                    .map(|l| self.link_reason(l))
                    .collect::<Vec<_>>()
                    .join("; "),
            };
            out.push(Update::Priority {
                instance: t.name.clone(),
                offset,
                reason,
            });
        }
        if fault != t.fault {
            let reason = match (cause_link, first_fault) {
                (Some(l), _) if !fault || self.effect(&l) == Effect::Fault => self.link_reason(&l),
                (_, Some(l)) => self.link_reason(&l),
                (_, None) => "no tracked object is down".to_string(),
            };
            out.push(Update::Fault {
                instance: t.name.clone(),
                on: fault,
                reason,
            });
        }
        let t = &mut self.instances[i];
        t.offset = offset;
        t.fault = fault;
        t.pending = pending;
        self.updates.extend(out);
    }

    /// Instances whose sync group (or themselves, alone) no longer wait for a weight-0
    /// script's first result may start.
    fn queue_starts(&mut self) {
        for i in 0..self.instances.len() {
            let t = &self.instances[i];
            if t.started {
                continue;
            }
            let held = self.instances.iter().any(|o| {
                o.pending && (o.name == t.name || (t.group.is_some() && o.group == t.group))
            });
            if !held {
                self.instances[i].started = true;
                self.starts.push_back(self.instances[i].name.clone());
            }
        }
    }
}
