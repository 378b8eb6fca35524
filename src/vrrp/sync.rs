//! `vrrp_sync_group`, sans IO: members move together (keepalived 2.2.7,
//! keepalived/vrrp/vrrp_sync.c and the transition table in vrrp_scheduler.c).
//!
//! The daemon routes every tracking fault through [`SyncGroups::set_fault`], tells the
//! groups where each member is after anything happened to it ([`SyncGroups::observe`]),
//! and carries out the [`SyncAction`]s on the other members:
//!
//! ```text
//! for u in tracking updates { Update::Fault { instance, on, reason } => sync.set_fault(..) }
//! after any event on a member m (start, timeout, advert, set_fault, sync_*, stop):
//!     sync.observe(&m);
//! while let Some(a) = sync.poll_action() {
//!     Fault { instance, on, reason } => inst.set_fault(now, on, &reason),
//!     Master { instance, reason }    => inst.sync_master(now, &reason),
//!     Backup { instance, reason }    => inst.sync_backup(now, &reason),
//!     Group { group, to, .. }        => group notify scripts: GROUP <group> <to>,
//! }   // and observe each instance touched
//! ```
//!
//! keepalived behaviours reproduced:
//!
//! - FAULT (`down_instance` + `vrrp_sync_fault`, `try_up_instance`): one member's own
//!   fault puts every member in FAULT (a MASTER sends priority 0 and drops its addresses);
//!   the group leaves FAULT, every member to BACKUP, only when no member has a fault of
//!   its own (`num_member_fault`). A configuration fault (unicast without peers) holds
//!   the whole group in FAULT.
//! - MASTER (`vrrp_sync_can_goto_master`, `vrrp_sync_master`): a member whose
//!   master-down timer runs out stays BACKUP, with a fresh timer, until every other
//!   member also wants MASTER (or the group already is MASTER) — keepalived prefers
//!   BACKUP to thrashing; then all become MASTER together. A member that becomes MASTER
//!   otherwise (the address owner at start) takes the group with it.
//! - BACKUP (`vrrp_sync_backup`): a MASTER member that hears a higher priority and goes
//!   BACKUP takes the other MASTER members to BACKUP (addresses removed, no priority 0
//!   advert).
//! - group notifications (`send_group_notifies`, `notify_shutdown`): one event per change
//!   of the group's state, BACKUP or FAULT at start, STOP at shutdown.
//!
//! Weighted tracking inside groups (`vrrp_complete_instance`, `sync_group_tracking_init`)
//! is settled by the configuration reader and [`super::Tracking::from_config`].

use std::collections::VecDeque;

use super::{Instance, Settings, State};
use crate::conf::model::Config;

/// What the daemon does for the sync groups, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncAction {
    /// `instance.set_fault(now, on, &reason)`.
    Fault {
        instance: String,
        on: bool,
        reason: String,
    },
    /// `instance.sync_master(now, &reason)`.
    Master { instance: String, reason: String },
    /// `instance.sync_backup(now, &reason)`.
    Backup { instance: String, reason: String },
    /// The group changed state: its notify scripts (`notify_*`, and `notify` with
    /// `GROUP <group> <STATE>`), fifo line and alert mail.
    Group {
        group: String,
        from: State,
        to: State,
        reason: String,
    },
}

#[derive(Debug)]
struct Member {
    name: String,
    /// As last observed.
    state: State,
    ready: bool,
}

#[derive(Debug)]
struct Group {
    name: String,
    members: Vec<Member>,
    state: State,
    /// Members with faults of their own, and why (keepalived's `num_member_fault`).
    faults: Vec<(String, String)>,
}

#[derive(Debug, Default)]
pub struct SyncGroups {
    groups: Vec<Group>,
    actions: VecDeque<SyncAction>,
}

impl SyncGroups {
    /// The configuration's sync groups (members the reader resolved). Members with a
    /// configuration fault put their group in FAULT at once (actions ready to drain).
    pub fn from_config(config: &Config) -> SyncGroups {
        let mut s = SyncGroups::default();
        for g in &config.vrrp.sync_groups {
            let members: Vec<Member> = g
                .group
                .iter()
                .filter(|n| config.vrrp.instance(n).is_some())
                .map(|n| Member {
                    name: n.clone(),
                    state: State::Init,
                    ready: false,
                })
                .collect();
            s.groups.push(Group {
                name: g.name.clone(),
                members,
                state: State::Init,
                faults: Vec::new(),
            });
            for i in g.group.iter().filter_map(|n| config.vrrp.instance(n)) {
                if let Some(why) = Settings::from_config(config, i).config_fault {
                    s.set_fault(&i.name, true, &why);
                }
            }
        }
        s
    }

    /// The group `instance` belongs to.
    pub fn group_of(&self, instance: &str) -> Option<&str> {
        self.find(instance)
            .map(|(g, _)| self.groups[g].name.as_str())
    }

    /// A group's state (INIT until a member started).
    pub fn state(&self, group: &str) -> Option<State> {
        self.groups
            .iter()
            .find(|g| g.name == group)
            .map(|g| g.state)
    }

    /// An instance's own trackers put it in FAULT or let it out ([`super::Update::Fault`]).
    /// Outside a group this is passed on as it is; inside one, the whole group follows.
    pub fn set_fault(&mut self, instance: &str, on: bool, reason: &str) {
        let Some((g, _)) = self.find(instance) else {
            self.actions.push_back(SyncAction::Fault {
                instance: instance.to_string(),
                on,
                reason: reason.to_string(),
            });
            return;
        };
        let group = &mut self.groups[g];
        let was_down = !group.faults.is_empty();
        let known = group.faults.iter().position(|(n, _)| n == instance);
        match (on, known) {
            (true, None) => group
                .faults
                .push((instance.to_string(), reason.to_string())),
            (false, Some(k)) => {
                group.faults.remove(k);
            }
            _ => return,
        }
        let down = !group.faults.is_empty();
        if down == was_down {
            return;
        }
        let name = group.name.clone();
        for m in &group.members {
            let reason = if m.name == instance {
                reason.to_string()
            } else {
                format!("sync group {name}: {instance}: {reason}")
            };
            self.actions.push_back(SyncAction::Fault {
                instance: m.name.clone(),
                on,
                reason,
            });
        }
        let to = if on { State::Fault } else { State::Backup };
        self.group_to(g, to, format!("{instance}: {reason}"));
    }

    /// Where `m` is now; call after anything happened to a member (a non-member is
    /// ignored). The daemon calls it at every advert: without sync groups it returns at
    /// once, and inlined.
    #[inline]
    pub fn observe(&mut self, m: &Instance) {
        if !self.groups.is_empty() {
            self.observe_member(m);
        }
    }

    fn observe_member(&mut self, m: &Instance) {
        let Some((g, k)) = self.find(m.name()) else {
            return;
        };
        let member = &mut self.groups[g].members[k];
        let before = member.state;
        let now = m.state();
        member.state = now;
        member.ready = now == State::Backup && m.sync_ready();
        // The member's own name (found by it), not copied at every advert.
        let name = m.name();
        let ready = member.ready;
        let group = &self.groups[g];
        // keepalived's transition table: to MASTER from anywhere, MASTER to BACKUP.
        if now == State::Master && before != State::Master {
            if group.state != State::Master {
                self.move_master(g, format!("{name} became MASTER"));
            }
        } else if before == State::Master && now == State::Backup {
            if group.state != State::Backup {
                self.move_backup(g, format!("{name} went BACKUP"));
            }
        } else if ready {
            let all = group
                .members
                .iter()
                .all(|o| o.state == State::Master || o.ready);
            if group.state == State::Master || all {
                self.move_master(g, "every member is ready for MASTER".to_string());
            }
        } else if now == State::Backup && group.state == State::Init && group.faults.is_empty() {
            self.group_to(g, State::Backup, format!("{name} started"));
        }
    }

    /// Shutdown: every group is STOP (keepalived's `notify_shutdown`).
    pub fn stop(&mut self) {
        for g in 0..self.groups.len() {
            self.group_to(g, State::Stopped, "stop requested".to_string());
        }
    }

    pub fn poll_action(&mut self) -> Option<SyncAction> {
        self.actions.pop_front()
    }

    /// [`SyncGroups::poll_action`] has something: after [`SyncGroups::observe`], a group
    /// may move although the member observed asked nothing of the daemon itself.
    pub fn has_actions(&self) -> bool {
        !self.actions.is_empty()
    }

    // ----- inside -----

    fn find(&self, instance: &str) -> Option<(usize, usize)> {
        self.groups.iter().enumerate().find_map(|(g, grp)| {
            grp.members
                .iter()
                .position(|m| m.name == instance)
                .map(|k| (g, k))
        })
    }

    fn move_master(&mut self, g: usize, why: String) {
        let group = &self.groups[g];
        let reason = format!("sync group {}: {why}", group.name);
        for m in group.members.iter().filter(|m| m.state != State::Master) {
            self.actions.push_back(SyncAction::Master {
                instance: m.name.clone(),
                reason: reason.clone(),
            });
        }
        self.group_to(g, State::Master, why);
    }

    fn move_backup(&mut self, g: usize, why: String) {
        let group = &self.groups[g];
        let reason = format!("sync group {}: {why}", group.name);
        for m in group.members.iter().filter(|m| m.state == State::Master) {
            self.actions.push_back(SyncAction::Backup {
                instance: m.name.clone(),
                reason: reason.clone(),
            });
        }
        self.group_to(g, State::Backup, why);
    }

    fn group_to(&mut self, g: usize, to: State, reason: String) {
        let group = &mut self.groups[g];
        let from = group.state;
        if from == to {
            return;
        }
        group.state = to;
        self.actions.push_back(SyncAction::Group {
            group: group.name.clone(),
            from,
            to,
            reason,
        });
    }
}
