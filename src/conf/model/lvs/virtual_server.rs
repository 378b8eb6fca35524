//! `virtual_server <IP> [<PORT>] | fwmark <N> | group <NAME> { ... }`: one IPVS service (or
//! one per group entry), its scheduler, flags, persistence, forwarding method, quorum and
//! sorry server, and the defaults its real servers inherit.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use serde::Serialize;

use super::real_server::{self, RealServer};
use super::{
    addr_port, ip_with_hint, port_token, repeated, replaced, walk, Family, CONNECT_TIMEOUT_MAX,
    TIMER_MAX, TIMER_MIN, WEIGHT_MAX,
};
use crate::conf::ast::{Node, Token};
use crate::conf::model::{ser_opt_secs, ser_secs, Config};
use crate::conf::schema::{ignore, Cx, Kw, Script};
use crate::conf::source::Span;

/// What the virtual server balances.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Service {
    /// `virtual_server 10.0.0.1 80`; no port (or 0) = every port, which needs persistence.
    Address { ip: IpAddr, port: Option<u16> },
    /// `virtual_server fwmark 1`.
    Fwmark { mark: u32 },
    /// `virtual_server group NAME`: the services of a `virtual_server_group`.
    Group { name: String },
}

/// IPVS schedulers keepalived knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheduler {
    Rr,
    Wrr,
    Lc,
    #[default]
    Wlc,
    Lblc,
    Sh,
    Mh,
    Dh,
    Fo,
    Ovf,
    Lblcr,
    Sed,
    Nq,
    Twos,
}

const SCHEDULERS: &[(&str, Scheduler)] = &[
    ("rr", Scheduler::Rr),
    ("wrr", Scheduler::Wrr),
    ("lc", Scheduler::Lc),
    ("wlc", Scheduler::Wlc),
    ("lblc", Scheduler::Lblc),
    ("sh", Scheduler::Sh),
    ("mh", Scheduler::Mh),
    ("dh", Scheduler::Dh),
    ("fo", Scheduler::Fo),
    ("ovf", Scheduler::Ovf),
    ("lblcr", Scheduler::Lblcr),
    ("sed", Scheduler::Sed),
    ("nq", Scheduler::Nq),
    ("twos", Scheduler::Twos),
];

impl Scheduler {
    pub fn name(self) -> &'static str {
        SCHEDULERS
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("wlc", |(n, _)| n)
    }

    /// Schedulers that ignore weights other than 0 (0 still means "no new connections").
    pub fn ignores_weights(self) -> bool {
        matches!(self, Scheduler::Rr | Scheduler::Lc)
    }
}

/// IPVS service flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SchedFlags {
    /// `ops`: one-packet scheduling (UDP only).
    pub ops: bool,
    pub flag_1: bool,
    pub flag_2: bool,
    pub flag_3: bool,
    pub sh_port: bool,
    pub sh_fallback: bool,
    pub mh_port: bool,
    pub mh_fallback: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

/// A forwarding method (`lvs_method`, `sorry_server_lvs_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Nat,
    Dr,
    Tun,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TunnelKind {
    Ipip,
    Gue,
    Gre,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Csum {
    Nocsum,
    Csum,
    Remcsum,
}

/// TUN's encapsulation: `type ipip|gue|gre`, `port` (gue only), checksum option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tunnel {
    pub kind: TunnelKind,
    pub port: Option<u16>,
    pub csum: Csum,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Forwarding {
    pub method: Method,
    /// Set for TUN only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<Tunnel>,
}

impl Default for Forwarding {
    /// keepalived's default: NAT.
    fn default() -> Self {
        Forwarding {
            method: Method::Nat,
            tunnel: None,
        }
    }
}

/// The words of a forwarding line, for the compatibility table.
pub const FORWARDING_WORDS: &[&str] = &[
    "NAT",
    "DR",
    "TUN",
    "type ipip",
    "type gue",
    "type gre",
    "port",
    "nocsum",
    "csum",
    "remcsum",
];

/// `persistence_granularity`: an IPv4 netmask or a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Netmask(Ipv4Addr),
    Prefix(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Persistence {
    /// Seconds (1 to 31 days; 360 when persistence is implied).
    pub timeout: u32,
    pub granularity: Option<Granularity>,
}

/// The default persistence timeout (IPVS_SVC_PERSISTENT_TIMEOUT).
pub const PERSISTENCE_DEFAULT: u32 = 360;
const PERSISTENCE_MAX: u64 = 2_678_400;

/// `sorry_server <IP> [<PORT>]`: used when no real server is up (or the quorum is lost).
#[derive(Debug, Clone, Serialize)]
pub struct SorryServer {
    pub ip: IpAddr,
    pub port: Option<u16>,
    /// `sorry_server_inhibit`: kept with weight 0 instead of removed.
    pub inhibit: bool,
    /// `sorry_server_lvs_method`, else the virtual server's.
    pub lvs_method: Forwarding,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub(super) method_set: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct VirtualServer {
    pub service: Service,
    /// The address family; None only for a group that mixes IPv4 and IPv6 entries.
    pub family: Option<Family>,
    /// None for fwmark services (IPVS ignores the protocol there). When a service by address
    /// has no `protocol`, ha uses TCP and warns; keepalived 2.2.7 uses UDP (with an error
    /// message), which is rarely what a configuration without the keyword meant.
    pub protocol: Option<Protocol>,
    pub lvs_sched: Scheduler,
    pub flags: SchedFlags,
    /// The default forwarding method of the real servers (NAT when nothing says).
    pub lvs_method: Forwarding,
    pub persistence: Option<Persistence>,
    pub persistence_engine: Option<String>,
    pub ha_suspend: bool,
    pub smtp_alert: bool,
    pub virtualhost: Option<String>,
    pub alpha: bool,
    pub omega: bool,
    pub inhibit_on_failure: bool,
    pub quorum: u32,
    pub hysteresis: u32,
    pub quorum_up: Option<Script>,
    pub quorum_down: Option<Script>,
    /// The default weight of the real servers.
    pub weight: u32,
    #[serde(serialize_with = "ser_secs")]
    pub delay_loop: Duration,
    #[serde(serialize_with = "ser_secs")]
    pub connect_timeout: Duration,
    /// Unset = each checker's own default (1; MISC_CHECK 0; DNS_CHECK 3).
    pub retry: Option<u32>,
    /// Unset = each checker's own default (1 s; HTTP/SSL_GET 3 s; DNS_CHECK its delay_loop).
    #[serde(serialize_with = "ser_opt_secs")]
    pub delay_before_retry: Option<Duration>,
    /// Unset = each checker's delay_loop.
    #[serde(serialize_with = "ser_opt_secs")]
    pub warmup: Option<Duration>,
    pub snmp_name: Option<String>,
    pub sorry_server: Option<SorryServer>,
    pub real_servers: Vec<RealServer>,
    /// From `virtual_server` to the last word of its head.
    #[serde(skip)]
    pub span: Span,
    /// Where `group NAME` names its group.
    #[serde(skip)]
    pub group_span: Option<Span>,
    #[serde(skip)]
    pub(super) set: VsSet,
}

/// What the block wrote, where [`super::resolve`] needs to know it (or where).
#[derive(Debug, Clone, Default)]
pub(super) struct VsSet {
    pub ip_family: Option<(Family, Span)>,
    pub protocol: Option<(Protocol, Span)>,
    pub lvs_method: bool,
    pub smtp_alert: Option<bool>,
    pub persistence_timeout: Option<(u32, Span)>,
    pub granularity: Option<(Granularity, Span)>,
    pub ops: Option<Span>,
    pub ha_suspend: Option<Span>,
    /// sh-port, sh-fallback, mh-port, mh-fallback as written.
    pub sched_flags: Vec<(&'static str, Span)>,
    pub lvs_sched: Option<Span>,
    pub quorum: Option<Span>,
    pub hysteresis: Option<Span>,
    pub persistence_engine: Option<Span>,
    pub sorry_inhibit: Option<(bool, Span)>,
    pub sorry_method: Option<(Forwarding, Span)>,
}

impl VirtualServer {
    fn new(service: Service, span: Span) -> Self {
        VirtualServer {
            service,
            family: None,
            protocol: None,
            lvs_sched: Scheduler::default(),
            flags: SchedFlags::default(),
            lvs_method: Forwarding::default(),
            persistence: None,
            persistence_engine: None,
            ha_suspend: false,
            smtp_alert: false,
            virtualhost: None,
            alpha: false,
            omega: false,
            inhibit_on_failure: false,
            quorum: 1,
            hysteresis: 0,
            quorum_up: None,
            quorum_down: None,
            weight: 1,
            delay_loop: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(5),
            retry: None,
            delay_before_retry: None,
            warmup: None,
            snmp_name: None,
            sorry_server: None,
            real_servers: Vec::new(),
            span,
            group_span: None,
            set: VsSet::default(),
        }
    }

    /// How messages name the service: `10.0.0.1:80`, `[2001:db8::1]:80`, `fwmark 1`,
    /// `group web`.
    pub fn label(&self) -> String {
        service_label(&self.service)
    }
}

/// How messages name a service (see [`VirtualServer::label`]).
pub(super) fn service_label(service: &Service) -> String {
    match service {
        Service::Address { ip, port } => endpoint(ip, *port),
        Service::Fwmark { mark } => format!("fwmark {mark}"),
        Service::Group { name } => format!("group {name}"),
    }
}

/// `ip`, `ip:port` or `[ip6]:port`.
pub(super) fn endpoint(ip: &IpAddr, port: Option<u16>) -> String {
    match (ip, port) {
        (_, None) => ip.to_string(),
        (IpAddr::V4(a), Some(p)) => format!("{a}:{p}"),
        (IpAddr::V6(a), Some(p)) => format!("[{a}]:{p}"),
    }
}

pub fn read(config: &mut Config, node: &Node, cx: &mut Cx) {
    let head = head(cx, node);
    let Some(items) = cx.block(node) else {
        return;
    };
    let valid = head.is_some();
    // A bad head: still read the block so its own mistakes are reported, then drop it.
    let (service, group_span) = head.unwrap_or((Service::Fwmark { mark: 0 }, None));
    let mut vs = VirtualServer::new(service, node.head_span());
    vs.group_span = group_span;
    walk(cx, &mut vs, items, TABLE, "virtual_server");
    finish_sorry_server(&mut vs, cx);
    vs.real_servers.shrink_to_fit();
    if valid {
        config.lvs.virtual_servers.push(vs);
    }
}

/// The head: `<IP> [<PORT>]`, `fwmark <N>` or `group <NAME>`.
fn head(cx: &mut Cx, node: &Node) -> Option<(Service, Option<Span>)> {
    let args = &node.args;
    let Some(first) = args.first() else {
        cx.error(
            node.keyword.span,
            "`virtual_server` needs an address and port, `fwmark <N>` or `group <NAME>`",
        )
        .hint("e.g. `virtual_server 10.0.0.1 80 {`");
        return None;
    };
    let too_many = |cx: &mut Cx, max: usize| {
        if let Some(extra) = args.get(max) {
            cx.error(
                extra.span,
                format!(
                    "`virtual_server` takes {max} values here; `{}` is one too many",
                    extra.text
                ),
            );
        }
    };
    if first.is("fwmark") || first.is("group") {
        let Some(value) = args.get(1) else {
            cx.error(
                first.span,
                format!("`virtual_server {}` needs a value", first.text),
            );
            return None;
        };
        too_many(cx, 2);
        if first.is("fwmark") {
            // keepalived accepts 0, but IPVS reads a zero mark as "not a fwmark service".
            let mark = cx.uint_token("fwmark", value, 1, u64::from(u32::MAX))?;
            return Some((
                Service::Fwmark {
                    mark: u32::try_from(mark).ok()?,
                },
                None,
            ));
        }
        return Some((
            Service::Group {
                name: value.text.to_string(),
            },
            Some(value.span),
        ));
    }
    too_many(cx, 2);
    let ip = ip_with_hint(cx, "virtual_server", first)?;
    let port = match args.get(1) {
        Some(t) => port_token(cx, "virtual_server port", t)?,
        None => None,
    };
    Some((Service::Address { ip, port }, None))
}

/// `sorry_server_inhibit` and `sorry_server_lvs_method` apply to the block's sorry server
/// wherever they stand (keepalived ignores them before `sorry_server`).
fn finish_sorry_server(vs: &mut VirtualServer, cx: &mut Cx) {
    let inhibit = vs.set.sorry_inhibit.take();
    let method = vs.set.sorry_method.take();
    match vs.sorry_server.as_mut() {
        Some(s) => {
            if let Some((b, _)) = inhibit {
                s.inhibit = b;
            }
            if let Some((m, _)) = method {
                s.lvs_method = m;
                s.method_set = true;
            }
        }
        None => {
            for (what, span) in [
                inhibit.map(|(_, s)| ("sorry_server_inhibit", s)),
                method.map(|(_, s)| ("sorry_server_lvs_method", s)),
            ]
            .into_iter()
            .flatten()
            {
                cx.warning(
                    span,
                    format!("`{what}` has no `sorry_server` to apply to; ignored"),
                );
            }
        }
    }
}

/// A flag keepalived sets whatever word follows it; ha honours `off`.
fn pure_flag(cx: &mut Cx, node: &Node) -> bool {
    let b = cx.flag(node);
    if !b {
        cx.note(
            node.args[0].span,
            format!(
                "ha turns `{}` off here; keepalived 2.2.7 ignores the word and turns it on",
                node.keyword.text
            ),
        );
    }
    b
}

fn sched(vs: &mut VirtualServer, n: &Node, cx: &mut Cx) {
    let names: Vec<&str> = SCHEDULERS.iter().map(|(n, _)| *n).collect();
    if let Some(word) = cx.choice(n, &names) {
        if let Some((_, s)) = SCHEDULERS.iter().find(|(n, _)| *n == word) {
            vs.lvs_sched = *s;
            vs.set.lvs_sched = Some(n.keyword.span);
        }
    }
}

fn method(vs: &mut VirtualServer, n: &Node, cx: &mut Cx) {
    if let Some(f) = forwarding(cx, n) {
        vs.lvs_method = f;
        vs.set.lvs_method = true;
    }
}

fn sched_flag(vs: &mut VirtualServer, n: &Node, cx: &mut Cx) {
    let on = pure_flag(cx, n);
    let f = &mut vs.flags;
    let (name, slot) = match n.keyword.text.as_str() {
        "sh-port" => ("sh-port", &mut f.sh_port),
        "sh-fallback" => ("sh-fallback", &mut f.sh_fallback),
        "mh-port" => ("mh-port", &mut f.mh_port),
        _ => ("mh-fallback", &mut f.mh_fallback),
    };
    *slot = on;
    // Checked against the scheduler once the block is read, wherever lvs_sched stands.
    vs.set.sched_flags.retain(|(n, _)| *n != name);
    if on {
        vs.set.sched_flags.push((name, n.keyword.span));
    }
}

fn timer_opt(cx: &mut Cx, n: &Node, min: Duration) -> Option<Duration> {
    cx.timer(n, min, TIMER_MAX)
}

/// `retry` at virtual/real server level: keepalived refuses 0 there although checkers
/// accept it; ha reads 0 as "no retries", as in a checker.
pub(super) fn retry_vs_rs(cx: &mut Cx, n: &Node) -> Option<u32> {
    let v = cx.uint(n, 0, u64::from(u32::MAX))?;
    if v == 0 {
        cx.note(
            n.args[0].span,
            "`retry 0` means no retries; keepalived 2.2.7 refuses 0 here (but accepts it in checkers)",
        );
    }
    u32::try_from(v).ok()
}

fn script_once(slot: &mut Option<Script>, n: &Node, cx: &mut Cx) {
    if let Some(first) = slot {
        let span = first.span;
        repeated(cx, n, span);
        return;
    }
    *slot = cx.script(n);
}

pub const TABLE: &[Kw<VirtualServer>] = &[
    Kw::new("ip_family", |vs, n, cx| {
        if let Some(w) = cx.choice(n, &["inet", "inet6"]) {
            let f = if w == "inet" {
                Family::Inet
            } else {
                Family::Inet6
            };
            vs.set.ip_family = Some((f, n.args[0].span));
        }
    }),
    Kw::new("retry", |vs, n, cx| {
        if let Some(v) = retry_vs_rs(cx, n) {
            vs.retry = Some(v)
        }
    }),
    Kw::new("delay_before_retry", |vs, n, cx| {
        if let Some(v) = timer_opt(cx, n, Duration::ZERO) {
            vs.delay_before_retry = Some(v)
        }
    }),
    Kw::new("warmup", |vs, n, cx| {
        if let Some(v) = timer_opt(cx, n, Duration::ZERO) {
            vs.warmup = Some(v)
        }
    }),
    Kw::new("connect_timeout", |vs, n, cx| {
        if let Some(v) = cx.timer(n, TIMER_MIN, CONNECT_TIMEOUT_MAX) {
            vs.connect_timeout = v
        }
    }),
    Kw::new("delay_loop", |vs, n, cx| {
        if let Some(v) = timer_opt(cx, n, TIMER_MIN) {
            vs.delay_loop = v
        }
    }),
    Kw::new("inhibit_on_failure", |vs, n, cx| {
        vs.inhibit_on_failure = pure_flag(cx, n)
    }),
    Kw::deprecated("lb_algo", "lvs_sched", sched),
    Kw::new("lvs_sched", sched),
    Kw::not_acted_on(
        "hashed",
        "obsolete: it has no effect in keepalived either",
        ignore,
    ),
    Kw::new("ops", |vs, n, cx| {
        vs.flags.ops = pure_flag(cx, n);
        vs.set.ops = vs.flags.ops.then_some(n.keyword.span);
    }),
    Kw::new("flag-1", |vs, n, cx| vs.flags.flag_1 = pure_flag(cx, n)),
    Kw::new("flag-2", |vs, n, cx| vs.flags.flag_2 = pure_flag(cx, n)),
    Kw::new("flag-3", |vs, n, cx| vs.flags.flag_3 = pure_flag(cx, n)),
    Kw::new("sh-port", sched_flag),
    Kw::new("sh-fallback", sched_flag),
    Kw::new("mh-port", sched_flag),
    Kw::new("mh-fallback", sched_flag),
    Kw::deprecated("lb_kind", "lvs_method", method),
    Kw::new("lvs_method", method),
    Kw::new("persistence_engine", |vs, n, cx| {
        let Some(t) = cx.value(n) else { return };
        // IP_VS_PENAME_MAXLEN is 16 with the terminating NUL.
        if t.text.len() > 15 {
            cx.error(
                t.span,
                format!("`persistence_engine` `{}` is too long", t.text),
            )
            .hint("persistence engine names have at most 15 characters; the kernel has `sip`");
            return;
        }
        vs.persistence_engine = Some(t.text.to_string());
        vs.set.persistence_engine = Some(t.span);
    }),
    Kw::new("persistence_timeout", |vs, n, cx| {
        let Some(args) = cx.args(n, 0, Some(1)) else {
            return;
        };
        let timeout = match args.first() {
            None => PERSISTENCE_DEFAULT,
            Some(t) => match cx.uint_token("persistence_timeout", t, 1, PERSISTENCE_MAX) {
                Some(v) => v as u32,
                None => return,
            },
        };
        vs.set.persistence_timeout = Some((timeout, n.keyword.span));
    }),
    Kw::new("persistence_granularity", |vs, n, cx| {
        let Some(t) = cx.value(n) else { return };
        let g = if t.text.contains('.') {
            match t.text.parse::<Ipv4Addr>() {
                Ok(m) => Granularity::Netmask(m),
                Err(_) => {
                    cx.error(
                        t.span,
                        format!(
                            "`persistence_granularity` wants a netmask or a prefix length, not `{}`",
                            t.text
                        ),
                    )
                    .hint("e.g. 255.255.255.0 (IPv4) or 64 (IPv6)");
                    return;
                }
            }
        } else {
            match cx.uint_token("persistence_granularity", t, 1, 128) {
                Some(p) => Granularity::Prefix(p as u8),
                None => return,
            }
        };
        vs.set.granularity = Some((g, t.span));
    }),
    Kw::new("protocol", |vs, n, cx| {
        let Some(t) = cx.value(n) else { return };
        // keepalived compares without regard to case.
        let p = match t.text.to_ascii_uppercase().as_str() {
            "TCP" => Protocol::Tcp,
            "UDP" => Protocol::Udp,
            "SCTP" => Protocol::Sctp,
            _ => {
                cx.error(t.span, format!("`protocol` cannot be `{}`", t.text))
                    .hint("one of: TCP, UDP, SCTP");
                return;
            }
        };
        vs.set.protocol = Some((p, t.span));
    }),
    Kw::new("ha_suspend", |vs, n, cx| {
        vs.ha_suspend = pure_flag(cx, n);
        vs.set.ha_suspend = vs.ha_suspend.then_some(n.keyword.span);
    }),
    Kw::new("smtp_alert", |vs, n, cx| {
        vs.set.smtp_alert = Some(cx.flag(n))
    }),
    Kw::new("virtualhost", |vs, n, cx| {
        if let Some(v) = cx.string(n) {
            vs.virtualhost = Some(v)
        }
    }),
    Kw::not_acted_on("snmp_name", "SNMP is not supported", |vs, n, cx| {
        vs.snmp_name = cx.string(n)
    }),
    Kw::new("alpha", |vs, n, cx| vs.alpha = pure_flag(cx, n)),
    Kw::new("omega", |vs, n, cx| vs.omega = pure_flag(cx, n)),
    Kw::new("quorum_up", |vs, n, cx| {
        script_once(&mut vs.quorum_up, n, cx)
    }),
    Kw::new("quorum_down", |vs, n, cx| {
        script_once(&mut vs.quorum_down, n, cx)
    }),
    Kw::new("quorum", |vs, n, cx| {
        if let Some(v) = cx.uint(n, 1, u64::from(u32::MAX)) {
            vs.quorum = v as u32;
            vs.set.quorum = Some(n.args[0].span);
        }
    }),
    Kw::new("hysteresis", |vs, n, cx| {
        if let Some(v) = cx.uint(n, 0, u64::from(u32::MAX)) {
            vs.hysteresis = v as u32;
            vs.set.hysteresis = Some(n.args[0].span);
        }
    }),
    Kw::new("weight", |vs, n, cx| {
        if let Some(v) = cx.uint(n, 1, WEIGHT_MAX) {
            vs.weight = v as u32
        }
    }),
    Kw::new("sorry_server", |vs, n, cx| {
        let Some((ip, port)) = addr_port(cx, "sorry_server", n, false) else {
            return;
        };
        if let Some(old) = &vs.sorry_server {
            let span = old.span;
            replaced(cx, n, span);
        }
        vs.sorry_server = Some(SorryServer {
            ip,
            port,
            inhibit: false,
            lvs_method: Forwarding::default(),
            span: n.head_span(),
            method_set: false,
        });
    }),
    Kw::new("sorry_server_inhibit", |vs, n, cx| {
        let b = cx.flag(n);
        vs.set.sorry_inhibit = Some((b, n.keyword.span));
    }),
    Kw::new("sorry_server_lvs_method", |vs, n, cx| {
        if let Some(f) = forwarding(cx, n) {
            vs.set.sorry_method = Some((f, n.keyword.span));
        }
    }),
    Kw::new("real_server", real_server::read),
];

/// `NAT|DR|TUN [type ipip|gue|gre] [port <PORT>] [nocsum|csum|remcsum]`.
pub(super) fn forwarding(cx: &mut Cx, node: &Node) -> Option<Forwarding> {
    let args = cx.args(node, 1, None)?;
    let what = node.keyword.text.as_str();
    let method = match cx.choice_token(what, &args[0], &["NAT", "DR", "TUN"])? {
        "NAT" => Method::Nat,
        "DR" => Method::Dr,
        _ => Method::Tun,
    };
    let mut kind = TunnelKind::Ipip;
    let mut port: Option<(u16, Span)> = None;
    let mut csum = Csum::Nocsum;
    let mut options: Option<Span> = None;
    let mut rest = args[1..].iter();
    while let Some(t) = rest.next() {
        options.get_or_insert(t.span);
        let mut value = |cx: &mut Cx, t: &Token| -> Option<Token> {
            let v = rest.next().cloned();
            if v.is_none() {
                cx.error(t.span, format!("`{}` needs a value", t.text));
            }
            v
        };
        match t.text.as_str() {
            "type" => {
                let v = value(cx, t)?;
                kind = match cx.choice_token("type", &v, &["ipip", "gue", "gre"])? {
                    "ipip" => TunnelKind::Ipip,
                    "gue" => TunnelKind::Gue,
                    _ => TunnelKind::Gre,
                };
            }
            "port" => {
                let v = value(cx, t)?;
                let p = cx.uint_token("tunnel port", &v, 1, 65535)?;
                port = Some((p as u16, v.span));
            }
            "nocsum" => csum = Csum::Nocsum,
            "csum" => csum = Csum::Csum,
            "remcsum" => csum = Csum::Remcsum,
            _ => {
                cx.error(
                    t.span,
                    format!("`{what}`: unknown tunnel option `{}`", t.text),
                )
                .hint(
                    "TUN takes `type ipip|gue|gre`, `port <PORT>` (gue) and `nocsum|csum|remcsum`",
                );
                return None;
            }
        }
    }
    if method != Method::Tun {
        if let Some(span) = options {
            cx.error(span, "tunnel options only apply to `TUN`");
            return None;
        }
        return Some(Forwarding {
            method,
            tunnel: None,
        });
    }
    match (kind, port) {
        (TunnelKind::Gue, None) => {
            cx.error(node.keyword.span, "a gue tunnel needs `port <PORT>`");
            return None;
        }
        (TunnelKind::Ipip | TunnelKind::Gre, Some((_, span))) => {
            cx.error(span, "only gue tunnels take a port");
            return None;
        }
        _ => {}
    }
    if kind == TunnelKind::Ipip && csum != Csum::Nocsum {
        cx.error(node.keyword.span, "ipip tunnels have no checksum option");
        return None;
    }
    if kind == TunnelKind::Gre && csum == Csum::Remcsum {
        cx.error(node.keyword.span, "gre tunnels do not support `remcsum`");
        return None;
    }
    Some(Forwarding {
        method,
        tunnel: Some(Tunnel {
            kind,
            port: port.map(|(p, _)| p),
            csum,
        }),
    })
}
