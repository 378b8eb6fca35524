//! After the whole file is read: `virtual_server group NAME` and `FILE_CHECK track_file`
//! references, inheritance (global_defs -> virtual_server -> real_server -> checker) and
//! keepalived's defaults, the port and family rules of IPVS forwarding, quorum, and the
//! checks that need a complete virtual server. Definition order does not matter in ha.

use std::net::IpAddr;

use super::checker::{Checker, Common, Conn};
use super::group::{GroupEntry, VirtualServerGroup};
use super::real_server::RealServer;
use super::virtual_server::{
    endpoint, service_label, Granularity, Method, Persistence, Protocol, Scheduler, Service,
    VirtualServer, PERSISTENCE_DEFAULT,
};
use super::Family;
use crate::conf::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::conf::model::Config;
use crate::conf::schema::Cx;
use crate::conf::source::Span;

// ---------------------------------------------------------------------------------------
// What LVS takes from the other areas. Kept here, in one place, so a change of their
// models touches only these two functions.

/// The global_defs settings LVS inherits (values only: no finding depends on them).
#[derive(Default)]
pub(super) struct GlobalDefaults {
    smtp_alert: Option<bool>,
    smtp_alert_checker: Option<bool>,
    checker_log_all_failures: bool,
}

fn global_defaults(config: &Config) -> GlobalDefaults {
    let g = &config.global;
    GlobalDefaults {
        smtp_alert: g.smtp_alert,
        smtp_alert_checker: g.smtp_alert_checker,
        checker_log_all_failures: g.checker_log_all_failures,
    }
}

/// The names LVS blocks refer to in the other areas (FILE_CHECK and BFD_CHECK only).
#[derive(Default)]
pub(super) struct Outside {
    /// `track_file` blocks: name, weight, reverse.
    track_files: Vec<(String, i32, bool)>,
    bfd_instances: Vec<String>,
}

fn outside(config: &Config) -> Outside {
    Outside {
        track_files: config
            .vrrp
            .track_files
            .iter()
            .map(|t| (t.name.clone(), t.weight, t.reverse))
            .collect(),
        bfd_instances: config
            .vrrp
            .bfd_instances
            .iter()
            .map(|b| b.name.clone())
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------

pub fn resolve(config: &mut Config, cx: &mut Cx) {
    resolve_after(config, cx, Early::default());
}

/// What was settled of the virtual servers resolved as they were read (`ha run -t`, see
/// [`super::early`]), to be merged with the others in the order of the file.
#[derive(Default)]
pub(in crate::conf::model) struct Early {
    /// Whether the virtual servers were read that way: then `kept` numbers those left in
    /// the model.
    pub streamed: bool,
    /// The number (in reading order) of each virtual server left in the model.
    pub kept: Vec<u32>,
    /// Findings of the resolved ones, by number: their resolution, and the "no real
    /// servers" warning.
    pub resolved: Vec<(u32, Diagnostic)>,
    pub empty: Vec<(u32, Diagnostic)>,
    /// The IPVS service of each resolved one with real servers.
    pub services: Vec<(u32, ServiceKey, Span)>,
}

/// [`resolve`], with the findings of virtual servers resolved earlier put where they
/// belong: each stage's findings come in the order of the virtual servers, as if all had
/// been resolved here.
pub(in crate::conf::model) fn resolve_after(config: &mut Config, cx: &mut Cx, early: Early) {
    let g = global_defaults(config);
    let out = outside(config);
    let groups = std::mem::take(&mut config.lvs.virtual_server_groups);
    let all = std::mem::take(&mut config.lvs.virtual_servers);
    let number: Vec<u32> = if early.streamed {
        early.kept
    } else {
        (0..all.len() as u32).collect()
    };
    let mut resolved = early.resolved;
    let mut all: Vec<(u32, VirtualServer)> = number.into_iter().zip(all).collect();
    for (n, vs) in &mut all {
        let found = resolve_one(vs, &groups, &g, &out);
        resolved.extend(found.into_iter().map(|d| (*n, d)));
    }
    merge(cx, resolved);
    // keepalived drops a virtual server without real servers.
    let mut empty = early.empty;
    all.retain(|(n, vs)| {
        if let Some(d) = no_real_servers(vs) {
            empty.push((*n, d));
        }
        !vs.real_servers.is_empty()
    });
    merge(cx, empty);
    let mut services = early.services;
    services.extend(all.iter().map(|(n, vs)| (*n, service_key(vs), vs.span)));
    services.sort_by_key(|(n, _, _)| *n);
    duplicate_services(&services, cx);
    config.lvs.virtual_server_groups = groups;
    config.lvs.virtual_servers = all.into_iter().map(|(_, vs)| vs).collect();
}

/// Findings numbered by virtual server, in that order (stable within one).
fn merge(cx: &mut Cx, mut found: Vec<(u32, Diagnostic)>) {
    found.sort_by_key(|(n, _)| *n);
    cx.diags.extend(found.into_iter().map(|(_, d)| d));
}

/// Resolves one virtual server; its findings.
pub(super) fn resolve_one(
    vs: &mut VirtualServer,
    groups: &[VirtualServerGroup],
    g: &GlobalDefaults,
    out: &Outside,
) -> Vec<Diagnostic> {
    let mut found = Diagnostics::new();
    virtual_server(vs, groups, g, out, &mut Cx::new(&mut found));
    found.into_vec()
}

/// keepalived drops a virtual server without real servers: the warning that says so.
pub(super) fn no_real_servers(vs: &VirtualServer) -> Option<Diagnostic> {
    if !vs.real_servers.is_empty() {
        return None;
    }
    let mut found = Diagnostics::new();
    found.warning(
        vs.span,
        format!(
            "virtual server {} has no real servers; it is ignored",
            vs.label()
        ),
    );
    found.into_vec().pop()
}

fn virtual_server(
    vs: &mut VirtualServer,
    groups: &[VirtualServerGroup],
    g: &GlobalDefaults,
    out: &Outside,
    cx: &mut Cx,
) {
    let group = find_group(vs, groups, cx);
    let (by_address, has_fwmark) = match (&vs.service, group) {
        (Service::Address { .. }, _) => (true, false),
        (Service::Fwmark { .. }, _) => (false, true),
        (Service::Group { .. }, Some(grp)) => (grp.has_addresses(), grp.has_fwmarks()),
        // An unknown group was reported; check the rest as for addresses.
        (Service::Group { .. }, None) => (true, false),
    };

    for rs in &mut vs.real_servers {
        rs.lvs_method = rs.set.lvs_method.map_or(vs.lvs_method, |(f, _)| f);
    }
    if let Some(s) = vs.sorry_server.as_mut() {
        if !s.method_set {
            s.lvs_method = vs.lvs_method;
        }
    }
    vs.family = family(vs, group, cx);
    protocol(vs, by_address, cx);
    if vs.flags.ops && by_address && vs.protocol != Some(Protocol::Udp) {
        if let Some(span) = vs.set.ops {
            cx.warning(
                span,
                "one-packet scheduling (`ops`) needs `protocol UDP`; ignored",
            );
        }
        vs.flags.ops = false;
    }
    if vs.ha_suspend && has_fwmark {
        if let Some(span) = vs.set.ha_suspend {
            cx.warning(
                span,
                "`ha_suspend` does not work with fwmark services; ignored",
            );
        }
        vs.ha_suspend = false;
    }
    sched_flags(vs, cx);
    persistence(vs, group, cx);
    if let (Some(pe), Some(span)) = (&vs.persistence_engine, vs.set.persistence_engine) {
        if pe != "sip" {
            cx.warning(
                span,
                format!("persistence engine `{pe}`: the Linux kernel only has `sip`"),
            );
        }
    }
    vs.smtp_alert = vs
        .set
        .smtp_alert
        .or(g.smtp_alert_checker)
        .or(g.smtp_alert)
        .unwrap_or(false);

    let vs_view = VsView::of(vs, group);
    for rs in &mut vs.real_servers {
        real_server(rs, &vs_view, g, out, cx);
    }
    sorry_server(vs, &vs_view, cx);
    duplicate_real_servers(vs, cx);
    // Without real servers the virtual server is dropped (and said so) by the caller.
    if !vs.real_servers.is_empty() {
        quorum(vs, cx);
        weights_note(vs, cx);
    }
}

/// The sorry server: family, port rules as for a real server, and the inhibit setting of
/// a real server it doubles as.
fn sorry_server(vs: &mut VirtualServer, vs_view: &VsView, cx: &mut Cx) {
    let Some(s) = vs.sorry_server.as_mut() else {
        return;
    };
    same_family(
        "sorry server",
        s.ip,
        s.lvs_method.method,
        s.span,
        vs_view,
        cx,
    );
    s.port = port_rule(
        "sorry server",
        s.ip,
        s.port,
        s.lvs_method.method,
        s.span,
        vs_view,
        cx,
    );
    if let Some(rs) = vs
        .real_servers
        .iter()
        .find(|rs| rs.ip == s.ip && rs.port == s.port)
    {
        if rs.inhibit_on_failure != s.inhibit {
            cx.warning(
                s.span,
                "the sorry server is also a real server: it takes that real server's `inhibit_on_failure`",
            )
            .related(rs.span, "the real server");
            s.inhibit = rs.inhibit_on_failure;
        }
    }
}

/// `virtual_server group NAME` -> the first group of that name.
fn find_group<'g>(
    vs: &VirtualServer,
    groups: &'g [VirtualServerGroup],
    cx: &mut Cx,
) -> Option<&'g VirtualServerGroup> {
    let Service::Group { name } = &vs.service else {
        return None;
    };
    let found = groups.iter().find(|g| &g.name == name);
    if found.is_none() {
        let span = vs.group_span.unwrap_or(vs.span);
        let d = cx.error(
            span,
            format!("virtual_server_group `{name}` is not defined"),
        );
        match did_you_mean(name, groups.iter().map(|g| g.name.as_str())) {
            Some(s) => d.hint(format!("did you mean `{s}`?")),
            None => d.hint("define it with `virtual_server_group NAME { <IP> <PORT> ... }`"),
        };
    }
    found
}

/// The service's family: its address; else `ip_family`; else the first real or sorry
/// server that is not tunnelled; else the group's entries; else (fwmark, all tunnelled)
/// the real servers' if they agree, and IPv4 otherwise, as keepalived.
fn family(vs: &VirtualServer, group: Option<&VirtualServerGroup>, cx: &mut Cx) -> Option<Family> {
    if let Service::Address { ip, .. } = &vs.service {
        let f = Family::of(ip);
        if let Some((want, span)) = vs.set.ip_family {
            if want != f {
                cx.error(
                    span,
                    format!("`ip_family` conflicts with the {} address {ip}", f.word()),
                );
            }
        }
        return Some(f);
    }
    if let Some((f, _)) = vs.set.ip_family {
        return Some(f);
    }
    let untunnelled = vs
        .real_servers
        .iter()
        .filter(|rs| rs.lvs_method.method != Method::Tun)
        .map(|rs| rs.ip)
        .chain(
            vs.sorry_server
                .iter()
                .filter(|s| s.lvs_method.method != Method::Tun)
                .map(|s| s.ip),
        )
        .next();
    if let Some(ip) = untunnelled {
        return Some(Family::of(&ip));
    }
    if let Some(grp) = group {
        match grp.families() {
            (true, false) => return Some(Family::Inet),
            (false, true) => return Some(Family::Inet6),
            (true, true) => return None,
            (false, false) => {}
        }
    }
    let mut all = vs
        .real_servers
        .iter()
        .map(|rs| Family::of(&rs.ip))
        .chain(vs.sorry_server.iter().map(|s| Family::of(&s.ip)));
    let first = all.next();
    match first {
        Some(f) if all.all(|x| x == f) => Some(f),
        _ => Some(Family::Inet),
    }
}

fn protocol(vs: &mut VirtualServer, by_address: bool, cx: &mut Cx) {
    let given = vs.set.protocol;
    if !by_address {
        if let Some((_, span)) = given {
            cx.warning(span, "`protocol` is ignored for a fwmark service")
                .hint("the firewall rule that sets the mark decides the protocol");
        }
        vs.protocol = None;
        return;
    }
    vs.protocol = Some(match given {
        Some((p, _)) => p,
        None => {
            cx.warning(
                vs.span,
                format!(
                    "virtual server {} has no `protocol`; ha uses TCP",
                    vs.label()
                ),
            )
            .hint(
                "keepalived 2.2.7 uses UDP here; write `protocol TCP` (or UDP, SCTP) to say which",
            );
            Protocol::Tcp
        }
    });
}

/// sh-port/sh-fallback need the sh scheduler, mh-port/mh-fallback the mh one, wherever
/// `lvs_sched` stands (keepalived only honours them after it).
fn sched_flags(vs: &mut VirtualServer, cx: &mut Cx) {
    for (name, span) in std::mem::take(&mut vs.set.sched_flags) {
        let needs = if name.starts_with("sh") {
            Scheduler::Sh
        } else {
            Scheduler::Mh
        };
        if vs.lvs_sched == needs {
            continue;
        }
        let sched = needs.name();
        let d = cx.warning(
            span,
            format!(
                "`{name}` only applies to the {sched} scheduler (this service uses {}); ignored",
                vs.lvs_sched.name()
            ),
        );
        match vs.set.lvs_sched {
            Some(s) => d.related(s, "the scheduler is set here"),
            None => d.hint(format!("add `lvs_sched {sched}`")),
        };
        let f = &mut vs.flags;
        match name {
            "sh-port" => f.sh_port = false,
            "sh-fallback" => f.sh_fallback = false,
            "mh-port" => f.mh_port = false,
            _ => f.mh_fallback = false,
        }
    }
}

fn persistence(vs: &mut VirtualServer, group: Option<&VirtualServerGroup>, cx: &mut Cx) {
    let timeout = vs.set.persistence_timeout.map(|(t, _)| t);
    let granularity = match vs.set.granularity {
        None => None,
        Some((g, span)) => granularity(g, span, vs.family, cx),
    };
    if timeout.is_some() || vs.set.granularity.is_some() {
        vs.persistence = Some(Persistence {
            timeout: timeout.unwrap_or(PERSISTENCE_DEFAULT),
            granularity,
        });
    }
    if vs.persistence.is_some() {
        return;
    }
    // A service without a port takes every port: IPVS needs persistence for that.
    let portless = match (&vs.service, group) {
        (Service::Address { port: None, .. }, _) => Some(vs.span),
        (Service::Group { .. }, Some(grp)) => grp.entries.iter().find_map(|e| match e {
            GroupEntry::Range {
                port: None, span, ..
            } => Some(*span),
            _ => None,
        }),
        _ => None,
    };
    if let Some(span) = portless {
        cx.warning(
            span,
            format!(
                "a service without a port needs persistence: ha uses `persistence_timeout {PERSISTENCE_DEFAULT}` for {}",
                vs.label()
            ),
        )
        .hint("give a port, or set `persistence_timeout` yourself");
        vs.persistence = Some(Persistence {
            timeout: PERSISTENCE_DEFAULT,
            granularity: None,
        });
    }
}

/// A netmask for IPv4 services, a prefix length for IPv6 ones.
fn granularity(
    g: Granularity,
    span: Span,
    family: Option<Family>,
    cx: &mut Cx,
) -> Option<Granularity> {
    match (g, family) {
        (Granularity::Netmask(_), Some(Family::Inet6)) => {
            cx.error(
                span,
                "an IPv6 service takes a prefix length as `persistence_granularity`",
            )
            .hint("e.g. `persistence_granularity 64`");
            None
        }
        (Granularity::Prefix(p), Some(Family::Inet)) if p <= 32 => {
            let mask =
                std::net::Ipv4Addr::from(u32::MAX.checked_shl(32 - u32::from(p)).unwrap_or(0));
            cx.note(
                span,
                format!(
                    "ha reads `{p}` as the netmask {mask}; keepalived 2.2.7 reads it as the address 0.0.0.{p}"
                ),
            );
            Some(Granularity::Netmask(mask))
        }
        (Granularity::Prefix(p), Some(Family::Inet)) => {
            cx.error(
                span,
                format!("`persistence_granularity` {p} is out of range for an IPv4 service"),
            )
            .hint("an IPv4 service takes a netmask (255.255.255.0) or a prefix length up to 32");
            None
        }
        (g, _) => Some(g),
    }
}

/// What a real server needs to know of its virtual server.
struct VsView {
    service: Service,
    /// The service port for a service by address; None = no port.
    address_port: Option<Option<u16>>,
    fwmark: bool,
    /// Group address entries with their ports, and whether the group has fwmarks.
    group_entries: Vec<(String, Option<u16>)>,
    group_fwmarks: bool,
    family: Option<Family>,
    weight: u32,
    alpha: bool,
    inhibit: bool,
    retry: Option<u32>,
    delay_before_retry: Option<std::time::Duration>,
    warmup: Option<std::time::Duration>,
    connect_timeout: std::time::Duration,
    delay_loop: std::time::Duration,
    virtualhost: Option<String>,
}

impl VsView {
    fn of(vs: &VirtualServer, group: Option<&VirtualServerGroup>) -> Self {
        let mut group_entries = Vec::new();
        let mut group_fwmarks = false;
        for e in group.map_or(&[][..], |g| &g.entries[..]) {
            match e {
                GroupEntry::Range {
                    first, last, port, ..
                } => {
                    let shown = if first == last {
                        endpoint(first, *port)
                    } else {
                        format!("{}-{}", first, endpoint(last, *port))
                    };
                    group_entries.push((shown, *port));
                }
                GroupEntry::Fwmark { .. } => group_fwmarks = true,
            }
        }
        VsView {
            service: vs.service.clone(),
            address_port: match vs.service {
                Service::Address { port, .. } => Some(port),
                _ => None,
            },
            fwmark: matches!(vs.service, Service::Fwmark { .. }),
            group_entries,
            group_fwmarks,
            family: vs.family,
            weight: vs.weight,
            alpha: vs.alpha,
            inhibit: vs.inhibit_on_failure,
            retry: vs.retry,
            delay_before_retry: vs.delay_before_retry,
            warmup: vs.warmup,
            connect_timeout: vs.connect_timeout,
            delay_loop: vs.delay_loop,
            virtualhost: vs.virtualhost.clone(),
        }
    }
}

fn real_server(rs: &mut RealServer, vs: &VsView, g: &GlobalDefaults, out: &Outside, cx: &mut Cx) {
    let set = &rs.set;
    rs.weight = set.weight.map_or(vs.weight, |(w, _)| w);
    rs.alpha = set.alpha.unwrap_or(vs.alpha);
    rs.inhibit_on_failure = set.inhibit_on_failure.unwrap_or(vs.inhibit);
    rs.retry = set.retry.or(vs.retry);
    rs.delay_before_retry = set.delay_before_retry.or(vs.delay_before_retry);
    rs.warmup = set.warmup.or(vs.warmup);
    rs.connect_timeout = set.connect_timeout.unwrap_or(vs.connect_timeout);
    rs.delay_loop = set.delay_loop.unwrap_or(vs.delay_loop);
    rs.virtualhost = set.virtualhost.clone().or_else(|| vs.virtualhost.clone());
    rs.smtp_alert = set
        .smtp_alert
        .or(g.smtp_alert_checker)
        .or(g.smtp_alert)
        // keepalived's default for real servers differs from the others': on.
        .unwrap_or(true);

    same_family("real server", rs.ip, rs.lvs_method.method, rs.span, vs, cx);
    rs.port = port_rule(
        "real server",
        rs.ip,
        rs.set.port,
        rs.lvs_method.method,
        rs.span,
        vs,
        cx,
    );
    // The kernel refuses (ERANGE) any lower threshold above the upper one, even 0.
    if rs.lthreshold > rs.uthreshold {
        cx.error(
            rs.set.thresholds.unwrap_or(rs.span),
            format!(
                "`lthreshold` {} is above `uthreshold` {}",
                rs.lthreshold, rs.uthreshold
            ),
        )
        .hint("IPVS refuses a lower threshold above the upper one, also when the upper one is 0 (no limit)");
    }
    let mut checkers = std::mem::take(&mut rs.checkers);
    for c in &mut checkers {
        checker(c, rs, g, out, cx);
    }
    rs.checkers = checkers;
}

/// Only tunnelled servers may be of another family than their virtual server.
fn same_family(what: &str, ip: IpAddr, method: Method, span: Span, vs: &VsView, cx: &mut Cx) {
    let (Some(f), false) = (vs.family, method == Method::Tun) else {
        return;
    };
    if Family::of(&ip) != f {
        cx.error(
            span,
            format!(
                "{what} {ip} is {} but the virtual server {} is {}",
                Family::of(&ip).word(),
                service_label(&vs.service),
                f.word()
            ),
        )
        .hint("only TUN forwarding can mix address families");
    }
}

/// The port IPVS forwards to. NAT may change the port; DR and TUN cannot, so they take the
/// service's port (fwmark services: none), with a warning when another one is written.
fn port_rule(
    what: &str,
    ip: IpAddr,
    port: Option<u16>,
    method: Method,
    span: Span,
    vs: &VsView,
    cx: &mut Cx,
) -> Option<u16> {
    let method_word = match method {
        Method::Nat => return nat_port(port, vs),
        Method::Dr => "DR",
        Method::Tun => "TUN",
    };
    if let Some(vport) = vs.address_port {
        if port.is_some() && port != vport {
            let to = match vport {
                Some(p) => format!("port {p}"),
                None => "no port".to_string(),
            };
            cx.warning(
                span,
                format!(
                    "{method_word} forwarding keeps the port: {what} {} is used with the service's {to}",
                    endpoint(&ip, port)
                ),
            )
            .hint("remove the port, or use `lvs_method NAT` to forward to another port");
        }
        return vport;
    }
    if vs.fwmark {
        if let Some(p) = port {
            cx.warning(
                span,
                format!("a {method_word} {what} of a fwmark service takes no port; {p} is ignored"),
            );
        }
        return None;
    }
    // A group: the port cannot be cleared for its address entries; warn where it clashes.
    if let Some(p) = port {
        if vs.group_fwmarks {
            cx.warning(
                span,
                format!(
                    "the group's fwmark entries ignore the port {p} of this {method_word} {what}"
                ),
            );
        }
        for (entry, eport) in &vs.group_entries {
            if *eport != Some(p) {
                cx.warning(
                    span,
                    format!(
                        "{method_word} forwarding keeps the port, but {what} {} differs from group entry {entry}",
                        endpoint(&ip, port)
                    ),
                )
                .hint("remove the port, or use `lvs_method NAT` to forward to another port");
            }
        }
    }
    port
}

/// NAT: a real server without a port gets the service's port.
fn nat_port(port: Option<u16>, vs: &VsView) -> Option<u16> {
    match (port, vs.address_port) {
        (None, Some(vport)) => vport,
        _ => port,
    }
}

fn checker(c: &mut Checker, rs: &RealServer, g: &GlobalDefaults, out: &Outside, cx: &mut Cx) {
    let name = c.name();
    let (common, conn) = c.parts_mut();
    if let Some(common) = common {
        timing(common, rs, g);
    }
    if let Some(conn) = conn {
        connection(conn, rs);
    }
    match c {
        Checker::HttpGet(h) | Checker::SslGet(h) => {
            h.virtualhost = h.set_virtualhost.clone().or_else(|| rs.virtualhost.clone());
            for u in &mut h.urls {
                u.virtualhost = u.set.virtualhost.clone().or_else(|| h.virtualhost.clone());
            }
            conn_checks(&h.conn, name, rs, h.span, true, cx);
        }
        Checker::Tcp(t) => conn_checks(&t.conn, name, rs, rs.span, true, cx),
        Checker::Smtp(s) => {
            let span = s.host_span.unwrap_or(rs.span);
            conn_checks(&s.conn, name, rs, span, true, cx)
        }
        Checker::Dns(d) => conn_checks(&d.conn, name, rs, rs.span, true, cx),
        Checker::Udp(u) => conn_checks(&u.conn, name, rs, rs.span, true, cx),
        Checker::Ping(p) => conn_checks(&p.conn, name, rs, rs.span, false, cx),
        Checker::Misc(m) => m.timeout = m.set_timeout.unwrap_or(m.common.delay_loop),
        Checker::File(f) => match out.track_files.iter().find(|(n, _, _)| *n == f.track_file) {
            Some((_, w, r)) => {
                if f.set_weight.is_none() {
                    (f.weight, f.reverse) = (*w, *r);
                }
            }
            None => unknown_ref(
                cx,
                f.track_file_span,
                "track_file",
                &f.track_file,
                out.track_files.iter().map(|(n, _, _)| n.as_str()),
            ),
        },
        Checker::Bfd(b) => {
            if !out.bfd_instances.contains(&b.name) {
                unknown_ref(
                    cx,
                    b.name_span.unwrap_or(rs.span),
                    "bfd_instance",
                    &b.name,
                    out.bfd_instances.iter().map(String::as_str),
                );
            }
        }
    }
}

fn unknown_ref<'a>(
    cx: &mut Cx,
    span: Span,
    what: &str,
    name: &str,
    known: impl Iterator<Item = &'a str>,
) {
    let d = cx.error(span, format!("{what} `{name}` is not defined"));
    match did_you_mean(name, known) {
        Some(s) => d.hint(format!("did you mean `{s}`?")),
        None => d.hint(format!("define it with `{what} {name} {{ ... }}`")),
    };
}

/// The checker's timing: its own values, else the real server's, else its kind's defaults.
fn timing(c: &mut Common, rs: &RealServer, g: &GlobalDefaults) {
    let s = &c.set;
    c.delay_loop = s.delay_loop.unwrap_or(rs.delay_loop);
    c.retry = s.retry.or(rs.retry).unwrap_or(s.default_retry);
    c.warmup = s.warmup.or(rs.warmup).unwrap_or(c.delay_loop);
    c.delay_before_retry = s
        .delay_before_retry
        .or(rs.delay_before_retry)
        .or(s.default_delay_before_retry)
        .unwrap_or(c.delay_loop);
    c.alpha = s.alpha.unwrap_or(rs.alpha);
    c.log_all_failures = s.log_all_failures.unwrap_or(false) || g.checker_log_all_failures;
}

/// Where to connect: the checker's address and port, else the real server's.
fn connection(c: &mut Conn, rs: &RealServer) {
    let s = &c.set;
    c.connect_ip = s.connect_ip.map_or(rs.ip, |(ip, _)| ip);
    c.connect_port = s.connect_port.or(rs.port);
    c.bindto = s.bindto.map(|(ip, _)| ip);
    c.bind_port = s.bind_port;
    c.bind_if = s.bind_if.clone();
    c.connect_timeout = s.connect_timeout.unwrap_or(rs.connect_timeout);
    c.fwmark = s.fwmark;
}

fn conn_checks(c: &Conn, name: &str, rs: &RealServer, span: Span, needs_port: bool, cx: &mut Cx) {
    if needs_port && c.connect_port.is_none() {
        cx.error(
            span,
            format!(
                "`{name}` of real server {} has no port to connect to",
                rs.label()
            ),
        )
        .hint("add `connect_port <PORT>` to the checker, or a port to the real server");
    }
    if let IpAddr::V6(a) = c.connect_ip {
        // fe80::/10 needs an interface to be reachable.
        if a.segments()[0] & 0xffc0 == 0xfe80 && c.bind_if.is_none() {
            cx.error(
                span,
                format!("`{name}` connects to the link-local address {a}, which needs `bind_if`"),
            )
            .hint("add `bind_if <INTERFACE>` to the checker");
        }
    }
    if let (Some(b), None) = (c.bindto, c.set.connect_ip) {
        if b.is_ipv4() != c.connect_ip.is_ipv4() {
            let span = c.set.bindto.map_or(span, |(_, s)| s);
            cx.error(
                span,
                format!(
                    "`bindto` {b} is not of the real server's address family ({})",
                    c.connect_ip
                ),
            );
        }
    }
}

/// keepalived removes the second of two real servers with the same address and port.
fn duplicate_real_servers(vs: &VirtualServer, cx: &mut Cx) {
    for (i, rs) in vs.real_servers.iter().enumerate() {
        if let Some(first) = vs.real_servers[..i]
            .iter()
            .find(|r| r.ip == rs.ip && r.port == rs.port)
        {
            cx.error(
                rs.span,
                format!(
                    "real server {} is listed twice in virtual server {}",
                    rs.label(),
                    vs.label()
                ),
            )
            .related(first.span, "the first one");
        }
    }
}

/// The quorum can never be reached above the real servers' total weight (keepalived lowers
/// it); hysteresis must stay below the quorum.
fn quorum(vs: &mut VirtualServer, cx: &mut Cx) {
    let total: u64 = vs.real_servers.iter().map(|rs| u64::from(rs.weight)).sum();
    // Weights that checkers can raise at run time make the total a floor, not a ceiling.
    let dynamic = vs.real_servers.iter().any(|rs| {
        rs.checkers.iter().any(|c| match c {
            Checker::Misc(m) => m.dynamic,
            Checker::File(_) => true,
            _ => false,
        })
    });
    if !dynamic && u64::from(vs.quorum) > total {
        let span = vs.set.quorum.unwrap_or(vs.span);
        cx.warning(
            span,
            format!(
                "quorum {} of {} exceeds the real servers' total weight {total}; ha uses {total}",
                vs.quorum,
                vs.label()
            ),
        );
        vs.quorum = total as u32;
    }
    if vs.quorum > 0 && vs.hysteresis >= vs.quorum {
        let span = vs.set.hysteresis.unwrap_or(vs.span);
        cx.warning(
            span,
            format!(
                "hysteresis {} must be below the quorum {}; ha uses {}",
                vs.hysteresis,
                vs.quorum,
                vs.quorum - 1
            ),
        );
        vs.hysteresis = vs.quorum - 1;
    }
}

/// rr and lc ignore weights: different weights there are probably meant for wrr/wlc.
fn weights_note(vs: &VirtualServer, cx: &mut Cx) {
    if !vs.lvs_sched.ignores_weights() {
        return;
    }
    let mut weighted = vs
        .real_servers
        .iter()
        .filter(|rs| rs.weight > 0)
        .map(|rs| (rs.weight, rs.set.weight.map(|(_, s)| s)));
    let Some((first, _)) = weighted.next() else {
        return;
    };
    if let Some((_, Some(span))) = weighted.find(|(w, _)| *w != first) {
        let s = vs.lvs_sched.name();
        cx.note(
            span,
            format!("the {s} scheduler gives every real server with weight above 0 the same share"),
        )
        .hint(format!("use `lvs_sched w{s}` for weights to count"));
    }
}

/// Two virtual servers for the same IPVS service (`all` in the order of the file).
fn duplicate_services(all: &[(u32, ServiceKey, Span)], cx: &mut Cx) {
    // A map, not a pairwise scan: configs with 10,000 services are real.
    let mut seen: std::collections::HashMap<&ServiceKey, Span, FastHash> =
        std::collections::HashMap::with_capacity_and_hasher(all.len(), FastHash);
    for (_, key, span) in all {
        if let Some(first) = seen.get(key).copied() {
            cx.warning(
                *span,
                format!("virtual server {} is defined twice", service_label(&key.0)),
            )
            .related(first, "the first definition")
            .hint("IPVS has one service per address, port and protocol (or fwmark and family): merge the blocks");
        } else {
            seen.insert(key, *span);
        }
    }
}

/// A multiply-and-rotate hasher for the duplicate check: its keys come from the file being
/// read, not from an adversary, and SipHash cost more than the rest of the check.
#[derive(Clone, Copy, Default)]
struct FastHash;

struct FastHasher(u64);

impl std::hash::BuildHasher for FastHash {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_u8(&mut self, v: u8) {
        self.write_u64(u64::from(v));
    }

    fn write_u16(&mut self, v: u16) {
        self.write_u64(u64::from(v));
    }

    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }

    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

/// IPVS tells services apart by address, port and protocol, or by mark and family.
pub(super) type ServiceKey = (Service, Option<Protocol>, Option<Family>);

pub(super) fn service_key(vs: &VirtualServer) -> ServiceKey {
    (vs.service.clone(), vs.protocol, vs.family)
}
