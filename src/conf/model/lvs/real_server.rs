//! `real_server <IP> [<PORT>] { ... }`: one IPVS destination, its weight and forwarding
//! method, notify scripts, and its health checkers.

use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

use super::checker::{self, Checker};
use super::virtual_server::{forwarding, retry_vs_rs, Forwarding, VirtualServer};
use super::{addr_port, repeated, walk, CONNECT_TIMEOUT_MAX, TIMER_MAX, TIMER_MIN, WEIGHT_MAX};
use crate::conf::ast::Node;
use crate::conf::model::{ser_opt_secs, ser_secs};
use crate::conf::schema::{Cx, Kw, Script};
use crate::conf::source::Span;

#[derive(Debug, Clone, Serialize)]
pub struct RealServer {
    pub ip: IpAddr,
    /// The port IPVS forwards to, after keepalived's rules: DR/TUN real servers take the
    /// virtual server's port (none for fwmark services); NAT ones without a port too.
    pub port: Option<u16>,
    pub weight: u32,
    pub lvs_method: Forwarding,
    /// IPVS upper/lower connection thresholds (0 = none).
    pub uthreshold: u32,
    pub lthreshold: u32,
    pub inhibit_on_failure: bool,
    pub alpha: bool,
    pub smtp_alert: bool,
    /// Unset = each checker's own default.
    pub retry: Option<u32>,
    #[serde(serialize_with = "ser_opt_secs")]
    pub delay_before_retry: Option<Duration>,
    #[serde(serialize_with = "ser_opt_secs")]
    pub warmup: Option<Duration>,
    #[serde(serialize_with = "ser_secs")]
    pub connect_timeout: Duration,
    #[serde(serialize_with = "ser_secs")]
    pub delay_loop: Duration,
    pub virtualhost: Option<String>,
    pub notify_up: Option<Script>,
    pub notify_down: Option<Script>,
    pub snmp_name: Option<String>,
    pub checkers: Vec<Checker>,
    /// From `real_server` to the last word of its head.
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub(super) set: RsSet,
}

/// What the block wrote of the values it may inherit from its virtual server.
#[derive(Debug, Clone, Default)]
pub(super) struct RsSet {
    pub port: Option<u16>,
    pub weight: Option<(u32, Span)>,
    pub lvs_method: Option<(Forwarding, Span)>,
    pub inhibit_on_failure: Option<bool>,
    pub alpha: Option<bool>,
    pub smtp_alert: Option<bool>,
    pub retry: Option<u32>,
    pub delay_before_retry: Option<Duration>,
    pub warmup: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub delay_loop: Option<Duration>,
    pub virtualhost: Option<String>,
    pub thresholds: Option<Span>,
}

impl RealServer {
    fn new(ip: IpAddr, port: Option<u16>, span: Span) -> Self {
        RealServer {
            ip,
            port,
            weight: 1,
            lvs_method: Forwarding::default(),
            uthreshold: 0,
            lthreshold: 0,
            inhibit_on_failure: false,
            alpha: false,
            smtp_alert: true,
            retry: None,
            delay_before_retry: None,
            warmup: None,
            connect_timeout: Duration::from_secs(5),
            delay_loop: Duration::from_secs(60),
            virtualhost: None,
            notify_up: None,
            notify_down: None,
            snmp_name: None,
            checkers: Vec::new(),
            span,
            set: RsSet {
                port,
                ..RsSet::default()
            },
        }
    }

    /// `10.0.0.2:80`, `[2001:db8::2]:80` or `10.0.0.2`.
    pub fn label(&self) -> String {
        super::virtual_server::endpoint(&self.ip, self.port)
    }
}

pub fn read(vs: &mut VirtualServer, node: &Node, cx: &mut Cx) {
    let head = addr_port(cx, "real_server", node, true);
    let Some(items) = node.block.as_ref().map(|b| &b.items[..]) else {
        cx.error(
            node.keyword.span,
            "`real_server` needs a block: `real_server <IP> <PORT> { ... }`",
        );
        return;
    };
    let valid = head.is_some();
    let (ip, port) = head.unwrap_or((IpAddr::from([0, 0, 0, 0]), None));
    let mut rs = RealServer::new(ip, port, node.head_span());
    walk(cx, &mut rs, items, TABLE, "real_server");
    // Tens of thousands of real servers are held at once: no spare capacity.
    rs.checkers.shrink_to_fit();
    if valid {
        vs.real_servers.push(rs);
    }
}

fn timer(cx: &mut Cx, n: &Node, min: Duration) -> Option<Duration> {
    cx.timer(n, min, TIMER_MAX)
}

fn script_once(slot: &mut Option<Script>, n: &Node, cx: &mut Cx) {
    if let Some(first) = slot {
        let span = first.span;
        repeated(cx, n, span);
        return;
    }
    *slot = cx.script(n);
}

pub const TABLE: &[Kw<RealServer>] = &[
    Kw::new("weight", |rs, n, cx| {
        if let Some(v) = cx.uint(n, 0, WEIGHT_MAX) {
            rs.set.weight = Some((v as u32, n.args[0].span))
        }
    }),
    Kw::new("lvs_method", |rs, n, cx| {
        if let Some(f) = forwarding(cx, n) {
            rs.set.lvs_method = Some((f, n.keyword.span))
        }
    }),
    Kw::new("uthreshold", |rs, n, cx| {
        if let Some(v) = cx.uint(n, 0, u64::from(u32::MAX)) {
            rs.uthreshold = v as u32;
            rs.set.thresholds = Some(n.keyword.span);
        }
    }),
    Kw::new("lthreshold", |rs, n, cx| {
        if let Some(v) = cx.uint(n, 0, u64::from(u32::MAX)) {
            rs.lthreshold = v as u32;
            rs.set.thresholds = Some(n.keyword.span);
        }
    }),
    Kw::new("inhibit_on_failure", |rs, n, cx| {
        rs.set.inhibit_on_failure = Some(cx.flag(n))
    }),
    Kw::new("notify_up", |rs, n, cx| {
        script_once(&mut rs.notify_up, n, cx)
    }),
    Kw::new("notify_down", |rs, n, cx| {
        script_once(&mut rs.notify_down, n, cx)
    }),
    Kw::new("alpha", |rs, n, cx| rs.set.alpha = Some(cx.flag(n))),
    Kw::new("retry", |rs, n, cx| {
        if let Some(v) = retry_vs_rs(cx, n) {
            rs.set.retry = Some(v)
        }
    }),
    Kw::new("delay_before_retry", |rs, n, cx| {
        if let Some(v) = timer(cx, n, Duration::ZERO) {
            rs.set.delay_before_retry = Some(v)
        }
    }),
    Kw::new("warmup", |rs, n, cx| {
        if let Some(v) = timer(cx, n, Duration::ZERO) {
            rs.set.warmup = Some(v)
        }
    }),
    Kw::new("connect_timeout", |rs, n, cx| {
        if let Some(v) = cx.timer(n, TIMER_MIN, CONNECT_TIMEOUT_MAX) {
            rs.set.connect_timeout = Some(v)
        }
    }),
    Kw::new("delay_loop", |rs, n, cx| {
        if let Some(v) = timer(cx, n, TIMER_MIN) {
            rs.set.delay_loop = Some(v)
        }
    }),
    Kw::new("smtp_alert", |rs, n, cx| {
        rs.set.smtp_alert = Some(cx.flag(n))
    }),
    Kw::new("virtualhost", |rs, n, cx| {
        if let Some(v) = cx.string(n) {
            rs.set.virtualhost = Some(v)
        }
    }),
    Kw::not_acted_on("snmp_name", "SNMP is not supported", |rs, n, cx| {
        rs.snmp_name = cx.string(n)
    }),
    Kw::new("MISC_CHECK", checker::misc::read),
    Kw::new("SMTP_CHECK", checker::smtp::read),
    Kw::new("TCP_CHECK", checker::tcp::read),
    Kw::new("PING_CHECK", checker::ping::read),
    Kw::new("UDP_CHECK", checker::udp::read),
    Kw::new("HTTP_GET", checker::http::read),
    Kw::new("SSL_GET", checker::http::read),
    Kw::new("DNS_CHECK", checker::dns::read),
    Kw::new("FILE_CHECK", checker::file::read),
    Kw::not_acted_on("BFD_CHECK", "BFD is not supported", checker::bfd::read),
];
