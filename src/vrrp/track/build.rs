//! Which objects each instance tracks, with which weights: keepalived 2.2.7's
//! `vrrp_complete_instance` and `sync_group_tracking_init` (vrrp.c), over a configuration
//! the reader has already resolved (names linked, line weights defaulted to the object's,
//! and weighted lines of sync group members and address owners dropped or zeroed, with
//! keepalived's warnings).

use super::process::ProcessState;
use super::script::ScriptState;
use super::{FileObj, IfaceObj, Link, Obj, ProcObj, ScriptObj, Tracked, Tracking};
use crate::conf::model::vrrp::{Instance, SyncGroup, TrackRef};
use crate::conf::model::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Interface,
    Script,
    File,
    Process,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Interface => "interface",
            Kind::Script => "vrrp_script",
            Kind::File => "track_file",
            Kind::Process => "vrrp_track_process",
        }
    }
}

/// One tracked object of one instance before interning; `weight` None is keepalived's
/// `VRRP_NOT_TRACK_IF` (the own interface under `dont_track_primary`).
#[derive(Debug)]
struct Entry {
    kind: Kind,
    name: String,
    weight: Option<i32>,
    reverse: bool,
}

/// keepalived's `add_vrrp_to_interface` / `add_vrrp_to_track_script` / ... when the
/// instance already tracks the object: the newer line's weight wins, unless the existing
/// one is 0 (FAULT stays FAULT).
fn merge(list: &mut Vec<Entry>, kind: Kind, name: &str, weight: Option<i32>, reverse: bool) {
    if let Some(e) = list.iter_mut().find(|e| e.kind == kind && e.name == name) {
        if e.weight != Some(0) && weight.is_some() {
            e.weight = weight;
            e.reverse = reverse;
        }
        return;
    }
    list.push(Entry {
        kind,
        name: name.to_string(),
        weight,
        reverse,
    });
}

/// A sync group's lines as they apply to its members: keepalived clears their weights
/// when a member is the address owner (`sync_group_tracking_init`).
fn group_lines(config: &Config, g: &SyncGroup, warnings: &mut Vec<String>) -> Vec<Entry> {
    let owner = g
        .group
        .iter()
        .filter_map(|n| config.vrrp.instance(n))
        .find(|i| i.priority == 255)
        .map(|i| i.name.clone());
    let lists: [(Kind, &Vec<TrackRef>); 4] = [
        (Kind::Script, &g.track_script),
        (Kind::File, &g.track_file),
        (Kind::Process, &g.track_process),
        (Kind::Interface, &g.track_interface),
    ];
    let mut out = Vec::new();
    for (kind, refs) in lists {
        for r in refs {
            let mut weight = r.weight;
            if let (Some(o), true) = (&owner, weight != 0) {
                warnings.push(format!(
                    "sync group {}: the weight {weight} of {} {} is cleared (a failure means FAULT): member {o} is the address owner (priority 255)",
                    g.name,
                    kind.word(),
                    r.name
                ));
                weight = 0;
            }
            out.push(Entry {
                kind,
                name: r.name.clone(),
                weight: Some(weight),
                reverse: r.reverse,
            });
        }
    }
    out
}

/// The objects instance `i` tracks through its own configuration.
fn own_lines(config: &Config, i: &Instance, warnings: &mut Vec<String>) -> Vec<Entry> {
    let weightless_group = i
        .sync_group
        .as_ref()
        .and_then(|n| config.vrrp.sync_groups.iter().find(|g| g.name == *n))
        .is_some_and(|g| !g.sync_group_tracking_weight);
    let primary = i.interface.as_deref();
    let mut list = Vec::new();
    for t in &i.track_interface {
        if Some(t.name.as_str()) == primary {
            warnings.push(format!(
                "{}: `track_interface {}` is ignored: it is the instance's own interface, tracked {}",
                i.name,
                t.name,
                if i.dont_track_primary {
                    "only without dont_track_primary"
                } else {
                    "anyway"
                }
            ));
            continue;
        }
        // keepalived stops tracking an address owner's weighted interfaces (its priority
        // cannot move); in a sync group without sync_group_tracking_weight the reader
        // has already made the weight 0 (FAULT).
        if i.priority == 255 && !weightless_group && t.given_weight.is_some_and(|w| w != 0) {
            continue;
        }
        merge(
            &mut list,
            Kind::Interface,
            &t.name,
            Some(t.weight),
            t.reverse,
        );
    }
    if let Some(ifname) = primary {
        let w = (!i.dont_track_primary).then_some(0);
        merge(&mut list, Kind::Interface, ifname, w, false);
    }
    // Addresses, routes and rules on other interfaces fault the instance when those go
    // down, unless `no_track`; on the own interface only without dont_track_primary.
    let mut devs: Vec<&str> = Vec::new();
    for a in i
        .virtual_ipaddress
        .iter()
        .chain(&i.virtual_ipaddress_excluded)
    {
        if !a.no_track {
            devs.extend(a.dev.as_deref().or(primary));
        }
    }
    for r in i.virtual_routes.iter().filter(|r| !r.no_track) {
        devs.extend(r.dev.as_deref());
    }
    for r in i.virtual_rules.iter().filter(|r| !r.no_track) {
        devs.extend(r.iif.as_deref());
        devs.extend(r.oif.as_deref());
    }
    for dev in devs {
        if Some(dev) == primary && i.dont_track_primary {
            continue;
        }
        merge(&mut list, Kind::Interface, dev, Some(0), false);
    }
    let lists: [(Kind, &Vec<TrackRef>); 3] = [
        (Kind::Script, &i.track_script),
        (Kind::File, &i.track_file),
        (Kind::Process, &i.track_process),
    ];
    for (kind, refs) in lists {
        for r in refs {
            merge(&mut list, kind, &r.name, Some(r.weight), r.reverse);
        }
    }
    list
}

impl Tracking {
    /// Everything the configuration's instances track (`Config` as read and resolved).
    /// Untracked scripts, files and processes are left out, as keepalived leaves them.
    /// The first updates (init_fail scripts, the first [`super::Update::Start`]s) are
    /// ready to drain.
    pub fn from_config(config: &Config) -> Tracking {
        let mut warnings = Vec::new();
        let groups: Vec<(String, Vec<Entry>)> = config
            .vrrp
            .sync_groups
            .iter()
            .map(|g| (g.name.clone(), group_lines(config, g, &mut warnings)))
            .collect();
        let mut t = Tracking {
            scripts: Vec::new(),
            interfaces: Vec::new(),
            files: Vec::new(),
            processes: Vec::new(),
            instances: Vec::new(),
            updates: Default::default(),
            starts: Default::default(),
            warnings: Vec::new(),
        };
        for i in &config.vrrp.instances {
            let mut list = own_lines(config, i, &mut warnings);
            let from_group = i
                .sync_group
                .as_ref()
                .and_then(|n| groups.iter().find(|(g, _)| g == n));
            if let Some((gname, lines)) = from_group {
                for e in lines {
                    let before = list
                        .iter()
                        .find(|x| x.kind == e.kind && x.name == e.name)
                        .map(|x| x.weight);
                    merge(&mut list, e.kind, &e.name, e.weight, e.reverse);
                    let Some(Some(w)) = before else {
                        continue;
                    };
                    warnings.push(format!(
                        "{}: {} {} is tracked by the instance and by sync group {gname}; {} (remove one of the lines)",
                        i.name,
                        e.kind.word(),
                        e.name,
                        if w == 0 {
                            "weight 0 (FAULT) is kept"
                        } else {
                            "the sync group's weight is used"
                        }
                    ));
                }
            }
            let links = list
                .iter()
                .filter_map(|e| {
                    let weight = e.weight?;
                    let obj = t.intern(config, e.kind, &e.name)?;
                    Some(Link {
                        obj,
                        weight,
                        reverse: e.reverse,
                    })
                })
                .collect();
            t.instances.push(Tracked {
                name: i.name.clone(),
                group: i.sync_group.clone(),
                links,
                offset: 0,
                fault: false,
                pending: false,
                started: false,
            });
        }
        t.warnings = warnings;
        for i in 0..t.instances.len() {
            t.evaluate(i, None);
        }
        t.queue_starts();
        t
    }

    /// The object `name` of `kind`, created on first use; None when the configuration
    /// does not define it (the reader has reported that already).
    fn intern(&mut self, config: &Config, kind: Kind, name: &str) -> Option<Obj> {
        let v = &config.vrrp;
        match kind {
            Kind::Interface => {
                let k = match self.interfaces.iter().position(|x| x.name == name) {
                    Some(k) => k,
                    None => {
                        self.interfaces.push(IfaceObj {
                            name: name.to_string(),
                            up: None,
                        });
                        self.interfaces.len() - 1
                    }
                };
                Some(Obj::Interface(k))
            }
            Kind::Script => {
                if let Some(k) = self.scripts.iter().position(|x| x.name == name) {
                    return Some(Obj::Script(k));
                }
                let s = v.scripts.iter().find(|s| s.name == name)?;
                self.scripts.push(ScriptObj {
                    name: name.to_string(),
                    state: ScriptState::new(s.rise, s.fall, s.init_fail),
                });
                Some(Obj::Script(self.scripts.len() - 1))
            }
            Kind::File => {
                if let Some(k) = self.files.iter().position(|x| x.name == name) {
                    return Some(Obj::File(k));
                }
                let f = v.track_files.iter().find(|f| f.name == name)?;
                self.files.push(FileObj {
                    name: name.to_string(),
                    path: f.file.clone()?,
                    value: None,
                });
                Some(Obj::File(self.files.len() - 1))
            }
            Kind::Process => {
                if let Some(k) = self.processes.iter().position(|x| x.name == name) {
                    return Some(Obj::Process(k));
                }
                let p = v.track_processes.iter().find(|p| p.name == name)?;
                self.processes.push(ProcObj {
                    name: name.to_string(),
                    state: ProcessState::new(
                        p.quorum,
                        p.quorum_max,
                        p.fork_delay,
                        p.terminate_delay,
                    ),
                });
                Some(Obj::Process(self.processes.len() - 1))
            }
        }
    }
}
