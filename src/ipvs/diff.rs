//! Desired IPVS state against the kernel's: the fewest operations that turn one into the
//! other, in an order the kernel accepts. Pure: `ha ipvs apply` and the daemon feed it
//! what they read and apply what it returns.
//!
//! What counts as a difference is what a request can set: for services the scheduler, the
//! flags a caller may ask for (not the kernel's HASHED), persistence (timeout and netmask,
//! compared only while persistent, since they mean nothing otherwise) and the persistence
//! engine; for destinations the forwarding method, weight, thresholds and, for tunnels, the
//! tunnel settings that type uses. Counters never count.
//!
//! Order: services that should not exist are deleted first; then each desired service in
//! the desired order: a missing one is added with all its destinations after it; an existing
//! one gets its edit, then its extra destinations deleted (a service never holds more than
//! wanted, which matters for hashing schedulers such as sh and mh), then destination edits,
//! then additions. A service or destination is known by its key (protocol, address, port,
//! or fwmark and family; destination address and port): a changed key is a delete and an
//! add, since the kernel cannot edit keys.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use super::model::{
    Dest, Family, Forward, Op, Protocol, Service, ServiceFlags, ServiceKey, TunnelFlags, TunnelType,
};

/// A service with its destinations: one entry of the kernel's table, or of the desired one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceState {
    pub service: Service,
    pub dests: Vec<Dest>,
}

impl ServiceState {
    pub fn new(service: Service) -> ServiceState {
        ServiceState {
            service,
            dests: Vec::new(),
        }
    }
}

/// One field of an edit: its name and its value before and after, as the user reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub from: String,
    pub to: String,
}

/// An operation and, for edits, what it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub op: Op,
    /// Empty except for EditService / EditDest.
    pub changes: Vec<FieldChange>,
}

impl Step {
    /// One line for people: `+ service TCP 10.0.0.1:80 wrr persistent 300`,
    /// `~ dest TCP 10.0.0.1:80 -> 10.0.0.2:80 weight 1 -> 3`, `- dest ...`.
    pub fn line(&self) -> String {
        let edits = || {
            self.changes
                .iter()
                .map(|c| format!("{} {} -> {}", c.field, c.from, c.to))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &self.op {
            Op::AddService(s) => format!(
                "+ service {} {}",
                service_label(&s.key),
                service_settings(s)
            ),
            Op::EditService(s) => format!("~ service {} {}", service_label(&s.key), edits()),
            Op::DelService(k) => format!("- service {}", service_label(k)),
            Op::Flush => "- every service".to_string(),
            Op::AddDest(k, d) => format!(
                "+ dest {} -> {} {}",
                service_label(k),
                dest_label(&d.addr, d.port),
                dest_settings(d)
            ),
            Op::EditDest(k, d) => format!(
                "~ dest {} -> {} {}",
                service_label(k),
                dest_label(&d.addr, d.port),
                edits()
            ),
            Op::DelDest {
                service,
                addr,
                port,
            } => format!(
                "- dest {} -> {}",
                service_label(service),
                dest_label(addr, *port)
            ),
            Op::Zero(None) => "0 counters of every service".to_string(),
            Op::Zero(Some(k)) => format!("0 counters of {}", service_label(k)),
            Op::SetTimeouts(t) => format!(
                "~ timeouts tcp {} tcpfin {} udp {}",
                t.tcp, t.tcp_fin, t.udp
            ),
            Op::StartDaemon(d) => format!("+ sync daemon {:?} on {}", d.role, d.mcast_ifn),
            Op::StopDaemon(r) => format!("- sync daemon {r:?}"),
        }
    }
}

/// The operations that turn `current` into `desired`.
pub fn diff(desired: &[ServiceState], current: &[ServiceState]) -> Vec<Op> {
    plan(desired, current).into_iter().map(|s| s.op).collect()
}

/// [`diff`], with what each edit changes (for printing).
pub fn plan(desired: &[ServiceState], current: &[ServiceState]) -> Vec<Step> {
    let desired = first_of_each_key(desired);
    let wanted: HashSet<ServiceKey> = desired.iter().map(|s| s.service.key).collect();
    let mut have: HashMap<ServiceKey, &ServiceState> = HashMap::with_capacity(current.len());
    for s in current {
        have.entry(s.service.key).or_insert(s);
    }
    let mut steps = Vec::new();
    let mut deleted = HashSet::new();
    for s in current {
        let key = s.service.key;
        if !wanted.contains(&key) && deleted.insert(key) {
            steps.push(plain(Op::DelService(key)));
        }
    }
    for want in desired {
        let key = want.service.key;
        match have.get(&key) {
            None => {
                steps.push(plain(Op::AddService(clean_service(&want.service))));
                for d in first_of_each_dest(&want.dests) {
                    steps.push(plain(Op::AddDest(key, clean_dest(d))));
                }
            }
            Some(cur) => {
                let changes = service_changes(&want.service, &cur.service);
                if !changes.is_empty() {
                    steps.push(Step {
                        op: Op::EditService(clean_service(&want.service)),
                        changes,
                    });
                }
                dest_steps(key, &want.dests, &cur.dests, &mut steps);
            }
        }
    }
    steps
}

fn plain(op: Op) -> Step {
    Step {
        op,
        changes: Vec::new(),
    }
}

fn dest_steps(key: ServiceKey, want: &[Dest], have: &[Dest], steps: &mut Vec<Step>) {
    let want = first_of_each_dest(want);
    let wanted: HashSet<(IpAddr, u16)> = want.iter().map(|d| (d.addr, d.port)).collect();
    let mut by_key: HashMap<(IpAddr, u16), &Dest> = HashMap::with_capacity(have.len());
    for d in have {
        by_key.entry((d.addr, d.port)).or_insert(d);
    }
    let mut deleted = HashSet::new();
    for d in have {
        let k = (d.addr, d.port);
        if !wanted.contains(&k) && deleted.insert(k) {
            steps.push(plain(Op::DelDest {
                service: key,
                addr: d.addr,
                port: d.port,
            }));
        }
    }
    let mut adds = Vec::new();
    for d in want {
        match by_key.get(&(d.addr, d.port)) {
            None => adds.push(plain(Op::AddDest(key, clean_dest(d)))),
            Some(cur) => {
                let changes = dest_changes(d, cur);
                if !changes.is_empty() {
                    steps.push(Step {
                        op: Op::EditDest(key, clean_dest(d)),
                        changes,
                    });
                }
            }
        }
    }
    steps.extend(adds);
}

/// The first entry of each service key (a table holds one service per key).
fn first_of_each_key(states: &[ServiceState]) -> Vec<&ServiceState> {
    let mut seen = HashSet::with_capacity(states.len());
    states
        .iter()
        .filter(|s| seen.insert(s.service.key))
        .collect()
}

fn first_of_each_dest(dests: &[Dest]) -> Vec<&Dest> {
    let mut seen = HashSet::with_capacity(dests.len());
    dests
        .iter()
        .filter(|d| seen.insert((d.addr, d.port)))
        .collect()
}

/// What an add or edit sends: no counters, no kernel-only flags.
fn clean_service(s: &Service) -> Service {
    Service {
        flags: ServiceFlags(s.flags.0 & SETTABLE_FLAGS),
        stats: Default::default(),
        ..s.clone()
    }
}

fn clean_dest(d: &Dest) -> Dest {
    Dest {
        active_conns: 0,
        inact_conns: 0,
        persist_conns: 0,
        stats: Default::default(),
        ..d.clone()
    }
}

/// Service flags a request may set (HASHED is the kernel's own).
pub const SETTABLE_FLAGS: u32 = ServiceFlags::PERSISTENT
    | ServiceFlags::ONEPACKET
    | ServiceFlags::SCHED1
    | ServiceFlags::SCHED2
    | ServiceFlags::SCHED3;

const SCHED_FLAGS: u32 = ServiceFlags::SCHED1 | ServiceFlags::SCHED2 | ServiceFlags::SCHED3;

/// What differs between two services, field by field (empty = nothing to do).
pub fn service_changes(want: &Service, have: &Service) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut change = |field, from: String, to: String| {
        if from != to {
            out.push(FieldChange { field, from, to });
        }
    };
    change("scheduler", have.scheduler.clone(), want.scheduler.clone());
    change("persistent", persistence_text(have), persistence_text(want));
    // The netmask only acts with persistence; the kernel keeps one either way.
    if want.is_persistent() {
        change(
            "netmask",
            netmask_text(have.key.family(), have.netmask),
            netmask_text(want.key.family(), want.netmask),
        );
    }
    change("pe", pe_text(have), pe_text(want));
    change("ops", on_off(ops(have)), on_off(ops(want)));
    change(
        "sched-flags",
        sched_flags_text(have).unwrap_or_else(|| "none".into()),
        sched_flags_text(want).unwrap_or_else(|| "none".into()),
    );
    out
}

/// What differs between two destinations of a service (empty = nothing to do).
pub fn dest_changes(want: &Dest, have: &Dest) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut change = |field, from: String, to: String| {
        if from != to {
            out.push(FieldChange { field, from, to });
        }
    };
    change(
        "forward",
        forward_name(have.forward).into(),
        forward_name(want.forward).into(),
    );
    change("weight", have.weight.to_string(), want.weight.to_string());
    change(
        "upper",
        have.u_threshold.to_string(),
        want.u_threshold.to_string(),
    );
    change(
        "lower",
        have.l_threshold.to_string(),
        want.l_threshold.to_string(),
    );
    if want.forward == Forward::Tunnel {
        change("tunnel", tunnel_text(have), tunnel_text(want));
    }
    out
}

fn ops(s: &Service) -> bool {
    s.flags.has(ServiceFlags::ONEPACKET)
}

fn on_off(b: bool) -> String {
    if b { "on" } else { "off" }.to_string()
}

fn persistence_text(s: &Service) -> String {
    if s.is_persistent() {
        s.timeout.to_string()
    } else {
        "off".to_string()
    }
}

fn pe_text(s: &Service) -> String {
    match s.pe_name.as_deref() {
        None | Some("") => "none".to_string(),
        Some(pe) => pe.to_string(),
    }
}

/// An IPv4 netmask as a dotted quad, an IPv6 one as a prefix length.
pub fn netmask_text(family: Family, netmask: u32) -> String {
    match family {
        Family::V4 => std::net::Ipv4Addr::from(netmask).to_string(),
        Family::V6 => netmask.to_string(),
    }
}

/// The scheduler flags by the names ipvsadm uses for this scheduler (`sh-fallback,sh-port`,
/// `flag-1`); None when there are none.
pub fn sched_flags_text(s: &Service) -> Option<String> {
    let names = sched_flag_names(&s.scheduler);
    let words: Vec<&str> = [
        ServiceFlags::SCHED1,
        ServiceFlags::SCHED2,
        ServiceFlags::SCHED3,
    ]
    .iter()
    .zip(names)
    .filter(|(bit, _)| s.flags.0 & SCHED_FLAGS & **bit != 0)
    .map(|(_, n)| n)
    .collect();
    (!words.is_empty()).then(|| words.join(","))
}

/// The names of scheduler flags 1-3 for a scheduler.
pub fn sched_flag_names(scheduler: &str) -> [&'static str; 3] {
    match scheduler {
        "sh" => ["sh-fallback", "sh-port", "flag-3"],
        "mh" => ["mh-fallback", "mh-port", "flag-3"],
        _ => ["flag-1", "flag-2", "flag-3"],
    }
}

pub fn forward_name(f: Forward) -> &'static str {
    match f {
        Forward::Masq => "nat",
        Forward::Local => "local",
        Forward::Tunnel => "tun",
        Forward::Route => "dr",
        Forward::Bypass => "bypass",
    }
}

pub fn tunnel_type_name(t: TunnelType) -> &'static str {
    match t {
        TunnelType::Ipip => "ipip",
        TunnelType::Gue => "gue",
        TunnelType::Gre => "gre",
    }
}

/// The checksum option of a tunnel: nocsum, csum or remcsum.
pub fn tunnel_csum_name(f: TunnelFlags) -> &'static str {
    if f.0 & TunnelFlags::REMCSUM != 0 {
        "remcsum"
    } else if f.0 & TunnelFlags::CSUM != 0 {
        "csum"
    } else {
        "nocsum"
    }
}

/// The tunnel settings that matter for its type: `ipip`, `gue port 6080 csum`, `gre nocsum`.
pub fn tunnel_text(d: &Dest) -> String {
    let t = &d.tunnel;
    match t.kind {
        TunnelType::Ipip => "ipip".to_string(),
        TunnelType::Gue => format!("gue port {} {}", t.port, tunnel_csum_name(t.flags)),
        TunnelType::Gre => format!("gre {}", tunnel_csum_name(t.flags)),
    }
}

pub fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
        Protocol::Sctp => "SCTP",
    }
}

/// `TCP 10.0.0.1:80`, `UDP [2001:db8::1]:53`, `FWM 7`, `FWM 7 IPv6`.
pub fn service_label(key: &ServiceKey) -> String {
    match key {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => format!("{} {}", protocol_name(*protocol), dest_label(addr, *port)),
        ServiceKey::Fwmark {
            family: Family::V4,
            mark,
        } => format!("FWM {mark}"),
        ServiceKey::Fwmark {
            family: Family::V6,
            mark,
        } => format!("FWM {mark} IPv6"),
    }
}

/// `10.0.0.2:80`, `[2001:db8::2]:80`.
pub fn dest_label(addr: &IpAddr, port: u16) -> String {
    match addr {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

/// A service's settings in one phrase: `wrr persistent 300 netmask 255.255.255.0 pe sip
/// ops sched-flags sh-port`.
pub fn service_settings(s: &Service) -> String {
    let mut words = vec![s.scheduler.clone()];
    if s.is_persistent() {
        words.push(format!("persistent {}", s.timeout));
        if s.netmask != Service::new(s.key).netmask {
            words.push(format!(
                "netmask {}",
                netmask_text(s.key.family(), s.netmask)
            ));
        }
    }
    if let Some(pe) = s.pe_name.as_deref().filter(|p| !p.is_empty()) {
        words.push(format!("pe {pe}"));
    }
    if ops(s) {
        words.push("ops".to_string());
    }
    if let Some(f) = sched_flags_text(s) {
        words.push(format!("sched-flags {f}"));
    }
    words.join(" ")
}

/// A destination's settings in one phrase: `dr weight 1`, `tun gue port 6080 csum weight 2
/// upper 100 lower 10`.
pub fn dest_settings(d: &Dest) -> String {
    let mut words = vec![forward_name(d.forward).to_string()];
    if d.forward == Forward::Tunnel {
        words.push(tunnel_text(d));
    }
    words.push(format!("weight {}", d.weight));
    if d.u_threshold != 0 {
        words.push(format!("upper {}", d.u_threshold));
    }
    if d.l_threshold != 0 {
        words.push(format!("lower {}", d.l_threshold));
    }
    words.join(" ")
}

#[cfg(test)]
// Tests build one-element tables from values they use again afterwards.
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;
    use crate::ipvs::model::{Stats, Tunnel};
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    fn v6(last: u16) -> IpAddr {
        IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, last))
    }

    fn tcp(addr: IpAddr, port: u16) -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr,
            port,
        }
    }

    fn svc(key: ServiceKey, sched: &str) -> Service {
        Service {
            scheduler: sched.to_string(),
            ..Service::new(key)
        }
    }

    fn dest(addr: IpAddr, port: u16, weight: i32) -> Dest {
        Dest {
            weight,
            ..Dest::new(addr, port)
        }
    }

    fn state(service: Service, dests: Vec<Dest>) -> ServiceState {
        ServiceState { service, dests }
    }

    /// What the kernel gives back for a state we asked for: HASHED set, counters running.
    fn as_kernel_reports(s: &ServiceState) -> ServiceState {
        let busy = Stats {
            conns: 7,
            inpkts: 70,
            outpkts: 60,
            inbytes: 7000,
            outbytes: 6000,
            cps: 1,
            inpps: 2,
            outpps: 3,
            inbps: 4,
            outbps: 5,
        };
        let mut k = s.clone();
        k.service.flags.0 |= ServiceFlags::HASHED;
        k.service.stats = busy;
        for d in &mut k.dests {
            d.stats = busy;
            d.active_conns = 3;
            d.inact_conns = 4;
            d.persist_conns = 5;
        }
        k
    }

    fn web() -> ServiceState {
        state(
            svc(tcp(v4(10, 0, 0, 1), 80), "wrr"),
            vec![dest(v4(10, 0, 0, 2), 80, 1), dest(v4(10, 0, 0, 3), 80, 2)],
        )
    }

    #[test]
    fn equal_states_give_nothing_to_do() {
        assert!(diff(&[], &[]).is_empty());
        let mut persistent = svc(tcp(v4(10, 0, 0, 9), 443), "sh");
        persistent.flags.0 |=
            ServiceFlags::PERSISTENT | ServiceFlags::SCHED1 | ServiceFlags::SCHED2;
        persistent.timeout = 300;
        persistent.netmask = 0xffff_ff00;
        persistent.pe_name = Some("sip".into());
        let mut tun = dest(v6(2), 443, 0);
        tun.forward = Forward::Tunnel;
        tun.tunnel = Tunnel {
            kind: TunnelType::Gue,
            port: 6080,
            flags: TunnelFlags(TunnelFlags::CSUM),
        };
        let all = vec![
            web(),
            state(persistent, vec![dest(v4(10, 0, 0, 4), 443, 5)]),
            state(
                svc(
                    ServiceKey::Fwmark {
                        family: Family::V6,
                        mark: 7,
                    },
                    "rr",
                ),
                vec![tun],
            ),
            state(svc(tcp(v6(1), 443), "wlc"), vec![]),
        ];
        let kernel: Vec<ServiceState> = all.iter().map(as_kernel_reports).collect();
        assert_eq!(diff(&all, &kernel), vec![]);
        assert_eq!(diff(&all, &all), vec![]);
    }

    #[test]
    fn missing_service_is_added_before_its_dests() {
        let w = web();
        let ops = diff(&[w.clone()], &[]);
        assert_eq!(
            ops,
            vec![
                Op::AddService(w.service.clone()),
                Op::AddDest(w.service.key, w.dests[0].clone()),
                Op::AddDest(w.service.key, w.dests[1].clone()),
            ]
        );
    }

    #[test]
    fn extra_services_are_deleted_first_and_their_dests_with_them() {
        let old = state(
            svc(tcp(v4(10, 0, 0, 50), 80), "rr"),
            vec![dest(v4(10, 0, 0, 51), 80, 1)],
        );
        let w = web();
        let ops = diff(&[w.clone()], &[old.clone()]);
        assert_eq!(ops[0], Op::DelService(old.service.key));
        assert_eq!(ops[1], Op::AddService(w.service.clone()));
        assert_eq!(ops.len(), 4, "{ops:?}");
        // No DelDest for the dests of a deleted service.
        assert!(!ops.iter().any(|o| matches!(o, Op::DelDest { .. })));
    }

    #[test]
    fn a_changed_key_is_a_delete_and_an_add() {
        let mut moved = web();
        moved.service.key = tcp(v4(10, 0, 0, 1), 8080);
        let ops = diff(&[moved.clone()], &[web()]);
        assert_eq!(ops[0], Op::DelService(web().service.key));
        assert_eq!(ops[1], Op::AddService(moved.service.clone()));
        // Protocol and family are part of the key too.
        let mut udp = web();
        udp.service.key = ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: v4(10, 0, 0, 1),
            port: 80,
        };
        let ops = diff(&[udp.clone()], &[web()]);
        assert_eq!(ops[0], Op::DelService(web().service.key));
        assert!(matches!(&ops[1], Op::AddService(s) if s.key == udp.service.key));
        let fw4 = state(
            svc(
                ServiceKey::Fwmark {
                    family: Family::V4,
                    mark: 7,
                },
                "rr",
            ),
            vec![],
        );
        let mut fw6 = fw4.clone();
        fw6.service.key = ServiceKey::Fwmark {
            family: Family::V6,
            mark: 7,
        };
        fw6.service.netmask = 128;
        let ops = diff(&[fw6.clone()], &[fw4.clone()]);
        assert_eq!(
            ops,
            vec![
                Op::DelService(fw4.service.key),
                Op::AddService(fw6.service.clone())
            ]
        );
    }

    #[test]
    fn scheduler_change_is_an_edit_that_names_it() {
        let mut want = web();
        want.service.scheduler = "rr".into();
        let steps = plan(&[want.clone()], &[as_kernel_reports(&web())]);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].op, Op::EditService(want.service.clone()));
        assert_eq!(
            steps[0].line(),
            "~ service TCP 10.0.0.1:80 scheduler wrr -> rr"
        );
    }

    #[test]
    fn the_edit_sends_no_kernel_flags_or_counters() {
        let mut want = as_kernel_reports(&web());
        want.service.scheduler = "lc".into();
        want.dests[0].weight = 4;
        let ops = diff(&[want.clone()], &[web()]);
        let Op::EditService(sent) = &ops[0] else {
            panic!("{ops:?}")
        };
        assert_eq!(sent.flags.0, 0);
        assert_eq!(sent.stats, Stats::default());
        assert!(
            matches!(&ops[1], Op::EditDest(_, d) if d.stats == Stats::default() && d.active_conns == 0)
        );
    }

    #[test]
    fn persistence_fields_count_only_while_persistent() {
        let base = web();
        // Not persistent: timeout and netmask are moot.
        let mut want = base.clone();
        want.service.timeout = 999;
        want.service.netmask = 0xffff_0000;
        assert!(diff(&[want], &[base.clone()]).is_empty());

        let mut on = base.clone();
        on.service.flags.0 |= ServiceFlags::PERSISTENT;
        on.service.timeout = 300;
        let steps = plan(&[on.clone()], &[base.clone()]);
        assert_eq!(
            steps[0].line(),
            "~ service TCP 10.0.0.1:80 persistent off -> 300"
        );
        let mut longer = on.clone();
        longer.service.timeout = 600;
        longer.service.netmask = 0xffff_ff00;
        let steps = plan(&[longer.clone()], &[on.clone()]);
        assert_eq!(
            steps[0].line(),
            "~ service TCP 10.0.0.1:80 persistent 300 -> 600, netmask 255.255.255.255 -> 255.255.255.0"
        );
        let steps = plan(&[base.clone()], &[longer]);
        assert_eq!(
            steps[0].line(),
            "~ service TCP 10.0.0.1:80 persistent 600 -> off"
        );
    }

    #[test]
    fn ipv6_netmask_is_a_prefix_length() {
        let mut have = state(svc(tcp(v6(1), 443), "wlc"), vec![dest(v6(2), 443, 1)]);
        have.service.flags.0 |= ServiceFlags::PERSISTENT;
        have.service.timeout = 60;
        let mut want = have.clone();
        want.service.netmask = 64;
        let steps = plan(&[want], &[have]);
        assert_eq!(
            steps[0].line(),
            "~ service TCP [fd00::1]:443 netmask 128 -> 64"
        );
    }

    #[test]
    fn pe_ops_and_scheduler_flags_are_settable() {
        let base = web();
        let mut want = base.clone();
        want.service.pe_name = Some("sip".into());
        want.service.flags.0 |= ServiceFlags::ONEPACKET | ServiceFlags::SCHED2;
        want.service.scheduler = "sh".into();
        let steps = plan(&[want], &[base.clone()]);
        assert_eq!(
            steps[0].line(),
            "~ service TCP 10.0.0.1:80 scheduler wrr -> sh, pe none -> sip, ops off -> on, sched-flags none -> sh-port"
        );
        // An empty engine name is no engine.
        let mut empty = base.clone();
        empty.service.pe_name = Some(String::new());
        assert!(diff(&[empty], &[base]).is_empty());
    }

    #[test]
    fn dest_changes_are_edits_in_place() {
        let have = as_kernel_reports(&web());
        let mut want = web();
        want.dests[0].weight = 3;
        want.dests[1].forward = Forward::Masq;
        want.dests[1].u_threshold = 100;
        want.dests[1].l_threshold = 10;
        let steps = plan(&[want.clone()], &[have]);
        let lines: Vec<String> = steps.iter().map(Step::line).collect();
        assert_eq!(
            lines,
            vec![
                "~ dest TCP 10.0.0.1:80 -> 10.0.0.2:80 weight 1 -> 3",
                "~ dest TCP 10.0.0.1:80 -> 10.0.0.3:80 forward dr -> nat, upper 0 -> 100, lower 0 -> 10",
            ]
        );
        assert_eq!(
            steps[0].op,
            Op::EditDest(want.service.key, want.dests[0].clone())
        );
    }

    #[test]
    fn dests_are_deleted_then_edited_then_added() {
        let have = web();
        let mut want = web();
        want.dests.remove(0); // 10.0.0.2 goes
        want.dests.insert(0, dest(v4(10, 0, 0, 9), 80, 1)); // a new one, listed first
        want.dests[1].weight = 5; // 10.0.0.3 changes
        let ops = diff(&[want.clone()], &[have]);
        let key = want.service.key;
        assert_eq!(
            ops,
            vec![
                Op::DelDest {
                    service: key,
                    addr: v4(10, 0, 0, 2),
                    port: 80
                },
                Op::EditDest(key, want.dests[1].clone()),
                Op::AddDest(key, want.dests[0].clone()),
            ]
        );
    }

    #[test]
    fn a_dest_port_change_is_a_delete_and_an_add() {
        let have = web();
        let mut want = web();
        want.dests[0].port = 8080;
        let lines: Vec<String> = plan(&[want], &[have]).iter().map(Step::line).collect();
        assert_eq!(
            lines,
            vec![
                "- dest TCP 10.0.0.1:80 -> 10.0.0.2:80",
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.2:8080 dr weight 1",
            ]
        );
    }

    #[test]
    fn weight_zero_dests_are_kept_and_edited_like_others() {
        let mut have = web();
        have.dests[0].weight = 0;
        assert!(diff(&[have.clone()], &[have.clone()]).is_empty());
        let lines: Vec<String> = plan(&[web()], &[have.clone()])
            .iter()
            .map(Step::line)
            .collect();
        assert_eq!(
            lines,
            vec!["~ dest TCP 10.0.0.1:80 -> 10.0.0.2:80 weight 0 -> 1"]
        );
        let lines: Vec<String> = plan(&[have], &[]).iter().map(Step::line).collect();
        assert_eq!(
            lines[1],
            "+ dest TCP 10.0.0.1:80 -> 10.0.0.2:80 dr weight 0"
        );
    }

    #[test]
    fn tunnel_settings_count_only_where_the_type_uses_them() {
        let mut have = dest(v4(10, 0, 0, 2), 80, 1);
        // A DR destination: tunnel fields are noise.
        let mut want = have.clone();
        want.tunnel.port = 9;
        assert!(dest_changes(&want, &have).is_empty());
        have.forward = Forward::Tunnel;
        want = have.clone();
        want.tunnel.port = 6080; // ipip has no port
        want.tunnel.flags = TunnelFlags(TunnelFlags::CSUM); // nor a checksum option
        assert!(dest_changes(&want, &have).is_empty());
        want.tunnel.kind = TunnelType::Gue;
        assert_eq!(
            dest_changes(&want, &have),
            vec![FieldChange {
                field: "tunnel",
                from: "ipip".into(),
                to: "gue port 6080 csum".into()
            }]
        );
        let mut gre = have.clone();
        gre.tunnel.kind = TunnelType::Gre;
        let mut gre_csum = gre.clone();
        gre_csum.tunnel.flags = TunnelFlags(TunnelFlags::CSUM);
        assert_eq!(dest_changes(&gre_csum, &gre)[0].to, "gre csum");
        gre_csum.tunnel.port = 1; // gre has no port either
        assert_eq!(dest_changes(&gre_csum, &gre).len(), 1);
    }

    #[test]
    fn ipv6_services_and_dests() {
        let s = state(
            svc(tcp(v6(1), 443), "mh"),
            vec![dest(v6(2), 443, 3), dest(v6(3), 443, 1)],
        );
        let lines: Vec<String> = plan(&[s.clone()], &[]).iter().map(Step::line).collect();
        assert_eq!(
            lines,
            vec![
                "+ service TCP [fd00::1]:443 mh",
                "+ dest TCP [fd00::1]:443 -> [fd00::2]:443 dr weight 3",
                "+ dest TCP [fd00::1]:443 -> [fd00::3]:443 dr weight 1",
            ]
        );
        let mut want = s.clone();
        want.dests.pop();
        assert_eq!(
            plan(&[want], &[s])[0].line(),
            "- dest TCP [fd00::1]:443 -> [fd00::3]:443"
        );
    }

    #[test]
    fn fwmark_services_with_portless_dests() {
        let key = ServiceKey::Fwmark {
            family: Family::V4,
            mark: 7,
        };
        let mut s = svc(key, "sh");
        s.flags.0 |= ServiceFlags::SCHED1 | ServiceFlags::SCHED2;
        let st = state(s, vec![dest(v4(10, 0, 0, 5), 0, 1)]);
        let lines: Vec<String> = plan(&[st.clone()], &[]).iter().map(Step::line).collect();
        assert_eq!(
            lines,
            vec![
                "+ service FWM 7 sh sched-flags sh-fallback,sh-port",
                "+ dest FWM 7 -> 10.0.0.5:0 dr weight 1",
            ]
        );
        assert!(diff(&[st.clone()], &[as_kernel_reports(&st)]).is_empty());
        let six = ServiceKey::Fwmark {
            family: Family::V6,
            mark: 7,
        };
        assert_eq!(service_label(&six), "FWM 7 IPv6");
    }

    #[test]
    fn duplicate_keys_first_one_wins() {
        let first = web();
        let mut second = web();
        second.service.scheduler = "rr".into();
        second.dests[0].weight = 9;
        let ops = diff(&[first.clone(), second], &[]);
        assert_eq!(ops.len(), 3);
        assert_eq!(ops[0], Op::AddService(first.service.clone()));
        let mut twice = web();
        twice.dests.push(dest(v4(10, 0, 0, 2), 80, 7));
        assert_eq!(diff(&[twice], &[web()]), vec![]);
    }

    #[test]
    fn settings_phrases() {
        let mut s = svc(tcp(v4(10, 0, 0, 1), 80), "wrr");
        s.flags.0 |= ServiceFlags::PERSISTENT | ServiceFlags::ONEPACKET | ServiceFlags::SCHED1;
        s.timeout = 300;
        s.netmask = 0xffff_ff00;
        s.pe_name = Some("sip".into());
        assert_eq!(
            service_settings(&s),
            "wrr persistent 300 netmask 255.255.255.0 pe sip ops sched-flags flag-1"
        );
        let mut d = dest(v4(10, 0, 0, 2), 80, 2);
        d.forward = Forward::Tunnel;
        d.tunnel.kind = TunnelType::Gre;
        d.tunnel.flags = TunnelFlags(TunnelFlags::CSUM);
        d.u_threshold = 100;
        d.l_threshold = 10;
        assert_eq!(
            dest_settings(&d),
            "tun gre csum weight 2 upper 100 lower 10"
        );
        assert_eq!(
            Step {
                op: Op::Flush,
                changes: vec![]
            }
            .line(),
            "- every service"
        );
    }

    // -------------------------------------------------------------------------------
    // A model kernel: applies operations with the kernel's validity rules, so random
    // states check that every plan is valid in its order and reaches the desired state.

    #[derive(Default)]
    struct Kernel {
        table: Vec<ServiceState>,
    }

    impl Kernel {
        fn find(&mut self, k: &ServiceKey) -> Result<&mut ServiceState, String> {
            self.table
                .iter_mut()
                .find(|s| s.service.key == *k)
                .ok_or_else(|| format!("ESRCH {k:?}"))
        }

        fn apply(&mut self, op: &Op) -> Result<(), String> {
            match op {
                Op::AddService(s) => {
                    if self.find(&s.key).is_ok() {
                        return Err(format!("EEXIST {:?}", s.key));
                    }
                    let mut s = s.clone();
                    s.flags.0 |= ServiceFlags::HASHED;
                    self.table.push(ServiceState::new(s));
                }
                Op::EditService(s) => {
                    let cur = self.find(&s.key)?;
                    cur.service = s.clone();
                    cur.service.flags.0 |= ServiceFlags::HASHED;
                }
                Op::DelService(k) => {
                    self.find(k)?;
                    self.table.retain(|s| s.service.key != *k);
                }
                Op::AddDest(k, d) => {
                    let cur = self.find(k)?;
                    if cur
                        .dests
                        .iter()
                        .any(|x| (x.addr, x.port) == (d.addr, d.port))
                    {
                        return Err("EEXIST dest".into());
                    }
                    cur.dests.push(d.clone());
                }
                Op::EditDest(k, d) => {
                    let cur = self.find(k)?;
                    let x = cur
                        .dests
                        .iter_mut()
                        .find(|x| (x.addr, x.port) == (d.addr, d.port))
                        .ok_or("ENOENT dest")?;
                    *x = d.clone();
                }
                Op::DelDest {
                    service,
                    addr,
                    port,
                } => {
                    let cur = self.find(service)?;
                    let before = cur.dests.len();
                    cur.dests.retain(|x| (x.addr, x.port) != (*addr, *port));
                    if cur.dests.len() == before {
                        return Err("ENOENT dest".into());
                    }
                }
                other => return Err(format!("unexpected {other:?}")),
            }
            Ok(())
        }
    }

    /// A small deterministic generator (no crate for randomness).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    fn random_table(r: &mut Lcg) -> Vec<ServiceState> {
        let mut out = Vec::new();
        for _ in 0..r.next(5) {
            let key = match r.next(4) {
                0 => tcp(v4(10, 0, 0, r.next(3) as u8), 80 + r.next(2) as u16),
                1 => tcp(v6(r.next(3) as u16), 443),
                2 => ServiceKey::Fwmark {
                    family: if r.next(2) == 0 {
                        Family::V4
                    } else {
                        Family::V6
                    },
                    mark: 1 + r.next(2) as u32,
                },
                _ => ServiceKey::Addr {
                    protocol: Protocol::Udp,
                    addr: v4(10, 0, 0, 1),
                    port: 53,
                },
            };
            let mut s = svc(key, ["rr", "wrr", "sh"][r.next(3) as usize]);
            if r.next(2) == 0 {
                s.flags.0 |= ServiceFlags::PERSISTENT;
                s.timeout = 60 * (1 + r.next(3) as u32);
            }
            if r.next(3) == 0 {
                s.flags.0 |= ServiceFlags::SCHED2;
            }
            let mut dests = Vec::new();
            for _ in 0..r.next(4) {
                let addr = if key.family() == Family::V4 {
                    v4(10, 0, 1, r.next(4) as u8)
                } else {
                    v6(0x100 + r.next(4) as u16)
                };
                let mut d = dest(addr, 80 + r.next(2) as u16, r.next(3) as i32);
                d.forward = [Forward::Route, Forward::Masq, Forward::Tunnel][r.next(3) as usize];
                d.u_threshold = r.next(2) as u32 * 100;
                dests.push(d);
            }
            out.push(state(s, dests));
        }
        out
    }

    #[test]
    fn random_plans_are_valid_reach_the_goal_and_are_idempotent() {
        let mut r = Lcg(42);
        for round in 0..2000 {
            let current = first_unique(random_table(&mut r));
            let desired = random_table(&mut r);
            let mut k = Kernel {
                table: current.clone(),
            };
            for op in diff(&desired, &current) {
                k.apply(&op)
                    .unwrap_or_else(|e| panic!("round {round}: {op:?} failed: {e}"));
            }
            assert_eq!(
                diff(&desired, &k.table),
                vec![],
                "round {round}: not converged"
            );
        }
    }

    /// A kernel table has one service per key and one dest per address and port.
    fn first_unique(t: Vec<ServiceState>) -> Vec<ServiceState> {
        first_of_each_key(&t)
            .into_iter()
            .map(|s| ServiceState {
                service: s.service.clone(),
                dests: first_of_each_dest(&s.dests).into_iter().cloned().collect(),
            })
            .collect()
    }
}
