//! The health checkers of a real server. Every checker shares the timing keywords
//! (`retry`, `delay_before_retry`, `warmup`, `delay_loop`, `alpha`, `log_all_failures`);
//! those that connect also share the connection keywords (`connect_ip`, `connect_port`,
//! `bindto`, `bind_port`, `bind_if`, `connect_timeout`, `fwmark`). Readers record what was
//! written; `resolve` fills the effective values from the real server.

pub mod bfd;
pub mod dns;
pub mod file;
pub mod http;
pub mod misc;
pub mod ping;
pub mod smtp;
pub mod tcp;
pub mod udp;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;

pub use bfd::BfdCheck;
pub use dns::{DnsCheck, DnsType};
pub use file::FileCheck;
pub use http::{HttpCheck, Regex, StatusCodes, Url};
pub use misc::MiscCheck;
pub use ping::PingCheck;
pub use smtp::SmtpCheck;
pub use tcp::TcpCheck;
pub use udp::{HexPattern, UdpCheck};

use crate::check::conn::ConnectOpts;

use super::{ip_with_hint, port_value, CONNECT_TIMEOUT_MAX, TIMER_MAX, TIMER_MIN};
use crate::conf::ast::Node;
use crate::conf::model::ser_secs;
use crate::conf::schema::{entries, Cx, Status};
use crate::conf::source::Span;

/// One checker block.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type")]
pub enum Checker {
    #[serde(rename = "HTTP_GET")]
    HttpGet(HttpCheck),
    #[serde(rename = "SSL_GET")]
    SslGet(HttpCheck),
    #[serde(rename = "TCP_CHECK")]
    Tcp(TcpCheck),
    #[serde(rename = "SMTP_CHECK")]
    Smtp(SmtpCheck),
    #[serde(rename = "MISC_CHECK")]
    Misc(MiscCheck),
    #[serde(rename = "DNS_CHECK")]
    Dns(DnsCheck),
    #[serde(rename = "UDP_CHECK")]
    Udp(UdpCheck),
    #[serde(rename = "PING_CHECK")]
    Ping(PingCheck),
    #[serde(rename = "FILE_CHECK")]
    File(FileCheck),
    #[serde(rename = "BFD_CHECK")]
    Bfd(BfdCheck),
}

impl Checker {
    pub fn name(&self) -> &'static str {
        match self {
            Checker::HttpGet(_) => "HTTP_GET",
            Checker::SslGet(_) => "SSL_GET",
            Checker::Tcp(_) => "TCP_CHECK",
            Checker::Smtp(_) => "SMTP_CHECK",
            Checker::Misc(_) => "MISC_CHECK",
            Checker::Dns(_) => "DNS_CHECK",
            Checker::Udp(_) => "UDP_CHECK",
            Checker::Ping(_) => "PING_CHECK",
            Checker::File(_) => "FILE_CHECK",
            Checker::Bfd(_) => "BFD_CHECK",
        }
    }

    /// The timing settings, for checkers that have them (not FILE_CHECK or BFD_CHECK).
    pub fn common(&self) -> Option<&Common> {
        match self {
            Checker::HttpGet(c) | Checker::SslGet(c) => Some(&c.common),
            Checker::Tcp(c) => Some(&c.common),
            Checker::Smtp(c) => Some(&c.common),
            Checker::Misc(c) => Some(&c.common),
            Checker::Dns(c) => Some(&c.common),
            Checker::Udp(c) => Some(&c.common),
            Checker::Ping(c) => Some(&c.common),
            Checker::File(_) | Checker::Bfd(_) => None,
        }
    }

    pub(in crate::conf::model::lvs) fn parts_mut(
        &mut self,
    ) -> (Option<&mut Common>, Option<&mut Conn>) {
        match self {
            Checker::HttpGet(c) | Checker::SslGet(c) => (Some(&mut c.common), Some(&mut c.conn)),
            Checker::Tcp(c) => (Some(&mut c.common), Some(&mut c.conn)),
            Checker::Smtp(c) => (Some(&mut c.common), Some(&mut c.conn)),
            Checker::Misc(c) => (Some(&mut c.common), None),
            Checker::Dns(c) => (Some(&mut c.common), Some(&mut c.conn)),
            Checker::Udp(c) => (Some(&mut c.common), Some(&mut c.conn)),
            Checker::Ping(c) => (Some(&mut c.common), Some(&mut c.conn)),
            Checker::File(_) | Checker::Bfd(_) => (None, None),
        }
    }
}

/// The timing keywords, with the real server's values and the checker's defaults applied.
#[derive(Debug, Clone, Serialize)]
pub struct Common {
    /// Extra attempts after a failure before the server is marked down.
    pub retry: u32,
    #[serde(serialize_with = "ser_secs")]
    pub delay_before_retry: Duration,
    /// The first check starts after a random delay up to this (0 = at once).
    #[serde(serialize_with = "ser_secs")]
    pub warmup: Duration,
    #[serde(serialize_with = "ser_secs")]
    pub delay_loop: Duration,
    /// Start as failed until the first success.
    pub alpha: bool,
    /// Log every failure, not only state changes (also global `checker_log_all_failures`).
    pub log_all_failures: bool,
    #[serde(skip)]
    pub(in crate::conf::model::lvs) set: CommonSet,
}

/// What the checker block wrote, and the defaults of its kind.
#[derive(Debug, Clone, Default)]
pub(in crate::conf::model::lvs) struct CommonSet {
    pub retry: Option<u32>,
    pub delay_before_retry: Option<Duration>,
    pub warmup: Option<Duration>,
    pub delay_loop: Option<Duration>,
    pub alpha: Option<bool>,
    pub log_all_failures: Option<bool>,
    /// The kind's own retry default (1; MISC_CHECK 0; DNS_CHECK 3).
    pub default_retry: u32,
    /// The kind's own delay_before_retry default; None = its delay_loop (DNS_CHECK).
    pub default_delay_before_retry: Option<Duration>,
}

impl Common {
    pub(in crate::conf::model::lvs) fn new(
        default_retry: u32,
        default_delay_before_retry: Option<Duration>,
    ) -> Self {
        Common {
            retry: default_retry,
            delay_before_retry: default_delay_before_retry.unwrap_or(Duration::from_secs(60)),
            warmup: Duration::from_secs(60),
            delay_loop: Duration::from_secs(60),
            alpha: false,
            log_all_failures: false,
            set: CommonSet {
                default_retry,
                default_delay_before_retry,
                ..CommonSet::default()
            },
        }
    }

    /// A later block's settings over this one's (SMTP_CHECK `host` blocks).
    pub(in crate::conf::model::lvs) fn overlay(&mut self, over: &CommonSet) {
        let s = &mut self.set;
        s.retry = over.retry.or(s.retry);
        s.delay_before_retry = over.delay_before_retry.or(s.delay_before_retry);
        s.warmup = over.warmup.or(s.warmup);
        s.delay_loop = over.delay_loop.or(s.delay_loop);
        s.alpha = over.alpha.or(s.alpha);
        s.log_all_failures = over.log_all_failures.or(s.log_all_failures);
    }
}

/// Where a checker connects, with the real server's address and port and its
/// connect_timeout applied.
#[derive(Debug, Clone, Serialize)]
pub struct Conn {
    pub connect_ip: IpAddr,
    /// None only when neither the checker nor the real server has a port (PING_CHECK).
    pub connect_port: Option<u16>,
    pub bindto: Option<IpAddr>,
    pub bind_port: Option<u16>,
    pub bind_if: Option<String>,
    #[serde(serialize_with = "ser_secs")]
    pub connect_timeout: Duration,
    /// SO_MARK on the checker's socket.
    pub fwmark: Option<u32>,
    #[serde(skip)]
    pub(in crate::conf::model::lvs) set: ConnSet,
}

#[derive(Debug, Clone, Default)]
pub(in crate::conf::model::lvs) struct ConnSet {
    pub connect_ip: Option<(IpAddr, Span)>,
    pub connect_port: Option<u16>,
    pub bindto: Option<(IpAddr, Span)>,
    pub bind_port: Option<u16>,
    pub bind_if: Option<String>,
    pub connect_timeout: Option<Duration>,
    pub fwmark: Option<u32>,
}

impl ConnSet {
    /// Whether any connection keyword was written.
    pub fn any(&self) -> bool {
        self.connect_ip.is_some()
            || self.connect_port.is_some()
            || self.bindto.is_some()
            || self.bind_port.is_some()
            || self.bind_if.is_some()
            || self.connect_timeout.is_some()
            || self.fwmark.is_some()
    }
}

impl Conn {
    pub(in crate::conf::model::lvs) fn new(rs_ip: IpAddr) -> Self {
        Conn {
            connect_ip: rs_ip,
            connect_port: None,
            bindto: None,
            bind_port: None,
            bind_if: None,
            connect_timeout: Duration::from_secs(5),
            fwmark: None,
            set: ConnSet::default(),
        }
    }

    /// The check engine's connection settings; None without a port (PING_CHECK).
    pub fn connect_opts(&self) -> Option<ConnectOpts> {
        Some(ConnectOpts {
            dst: SocketAddr::new(self.connect_ip, self.connect_port?),
            bindto: self.bindto,
            bind_port: self.bind_port,
            bind_if: self.bind_if.clone(),
            fwmark: self.fwmark,
            timeout: self.connect_timeout,
        })
    }

    /// A later block's settings over this one's (SMTP_CHECK `host` blocks).
    pub(in crate::conf::model::lvs) fn overlay(&mut self, over: &ConnSet) {
        let s = &mut self.set;
        s.connect_ip = over.connect_ip.or(s.connect_ip);
        s.connect_port = over.connect_port.or(s.connect_port);
        s.bindto = over.bindto.or(s.bindto);
        s.bind_port = over.bind_port.or(s.bind_port);
        s.bind_if = over.bind_if.clone().or(s.bind_if.take());
        s.connect_timeout = over.connect_timeout.or(s.connect_timeout);
        s.fwmark = over.fwmark.or(s.fwmark);
    }
}

/// Checkers with the timing keywords.
pub(in crate::conf::model::lvs) trait HasCommon {
    fn common(&mut self) -> &mut Common;
}

/// Checkers with the connection keywords.
pub(in crate::conf::model::lvs) trait HasConn {
    fn conn(&mut self) -> &mut Conn;
}

pub(in crate::conf::model::lvs) fn retry<T: HasCommon>(t: &mut T, n: &Node, cx: &mut Cx) {
    if let Some(v) = cx.uint(n, 0, u64::from(u32::MAX)) {
        t.common().set.retry = Some(v as u32)
    }
}

pub(in crate::conf::model::lvs) fn delay_before_retry<T: HasCommon>(
    t: &mut T,
    n: &Node,
    cx: &mut Cx,
) {
    if let Some(v) = cx.timer(n, Duration::ZERO, TIMER_MAX) {
        t.common().set.delay_before_retry = Some(v)
    }
}

pub(in crate::conf::model::lvs) fn warmup<T: HasCommon>(t: &mut T, n: &Node, cx: &mut Cx) {
    if let Some(v) = cx.timer(n, Duration::ZERO, TIMER_MAX) {
        t.common().set.warmup = Some(v)
    }
}

pub(in crate::conf::model::lvs) fn delay_loop<T: HasCommon>(t: &mut T, n: &Node, cx: &mut Cx) {
    if let Some(v) = cx.timer(n, TIMER_MIN, TIMER_MAX) {
        t.common().set.delay_loop = Some(v)
    }
}

pub(in crate::conf::model::lvs) fn alpha<T: HasCommon>(t: &mut T, n: &Node, cx: &mut Cx) {
    t.common().set.alpha = Some(cx.flag(n))
}

pub(in crate::conf::model::lvs) fn log_all_failures<T: HasCommon>(
    t: &mut T,
    n: &Node,
    cx: &mut Cx,
) {
    t.common().set.log_all_failures = Some(cx.flag(n))
}

pub(in crate::conf::model::lvs) fn connect_ip<T: HasConn>(t: &mut T, n: &Node, cx: &mut Cx) {
    let Some(tok) = cx.value(n) else { return };
    let Some(ip) = ip_with_hint(cx, "connect_ip", tok) else {
        return;
    };
    let conn = t.conn();
    if let Some((b, bspan)) = conn.set.bindto {
        if b.is_ipv4() != ip.is_ipv4() {
            cx.error(
                tok.span,
                format!("`connect_ip` {ip} and `bindto` {b} are not the same address family"),
            )
            .related(bspan, "bindto");
            return;
        }
    }
    conn.set.connect_ip = Some((ip, tok.span));
}

pub(in crate::conf::model::lvs) fn connect_port<T: HasConn>(t: &mut T, n: &Node, cx: &mut Cx) {
    if let Some(p) = port_value(cx, n) {
        t.conn().set.connect_port = Some(p)
    }
}

pub(in crate::conf::model::lvs) fn bindto<T: HasConn>(t: &mut T, n: &Node, cx: &mut Cx) {
    let Some(tok) = cx.value(n) else { return };
    let Some(ip) = ip_with_hint(cx, "bindto", tok) else {
        return;
    };
    let conn = t.conn();
    if let Some((c, cspan)) = conn.set.connect_ip {
        if c.is_ipv4() != ip.is_ipv4() {
            cx.error(
                tok.span,
                format!("`bindto` {ip} and `connect_ip` {c} are not the same address family"),
            )
            .related(cspan, "connect_ip");
            return;
        }
    }
    conn.set.bindto = Some((ip, tok.span));
}

pub(in crate::conf::model::lvs) fn bind_port<T: HasConn>(t: &mut T, n: &Node, cx: &mut Cx) {
    if let Some(p) = port_value(cx, n) {
        t.conn().set.bind_port = Some(p)
    }
}

pub(in crate::conf::model::lvs) fn bind_if<T: HasConn>(t: &mut T, n: &Node, cx: &mut Cx) {
    let Some(tok) = cx.value(n) else { return };
    // IFNAMSIZ is 16 with the terminating NUL.
    if tok.text.len() > 15 {
        cx.error(tok.span, format!("`bind_if` `{}` is too long", tok.text))
            .hint("interface names have at most 15 characters");
        return;
    }
    t.conn().set.bind_if = Some(tok.text.to_string());
}

pub(in crate::conf::model::lvs) fn connect_timeout<T: HasConn>(t: &mut T, n: &Node, cx: &mut Cx) {
    if let Some(v) = cx.timer(n, TIMER_MIN, CONNECT_TIMEOUT_MAX) {
        t.conn().set.connect_timeout = Some(v)
    }
}

pub(in crate::conf::model::lvs) fn fwmark<T: HasConn>(t: &mut T, n: &Node, cx: &mut Cx) {
    if let Some(v) = cx.uint(n, 0, u64::from(u32::MAX)) {
        t.conn().set.fwmark = Some(v as u32)
    }
}

/// A checker keyword table: the connection keywords when `conn` is given, the timing
/// keywords, then the checker's own.
macro_rules! checker_table {
    ($t:ty; conn; $($extra:expr),* $(,)?) => {
        &[
            Kw::new("connect_ip", $crate::conf::model::lvs::checker::connect_ip::<$t>),
            Kw::new("connect_port", $crate::conf::model::lvs::checker::connect_port::<$t>),
            Kw::new("bindto", $crate::conf::model::lvs::checker::bindto::<$t>),
            Kw::new("bind_port", $crate::conf::model::lvs::checker::bind_port::<$t>),
            Kw::new("bind_if", $crate::conf::model::lvs::checker::bind_if::<$t>),
            Kw::new("connect_timeout", $crate::conf::model::lvs::checker::connect_timeout::<$t>),
            Kw::new("fwmark", $crate::conf::model::lvs::checker::fwmark::<$t>),
            Kw::new("retry", $crate::conf::model::lvs::checker::retry::<$t>),
            Kw::new(
                "delay_before_retry",
                $crate::conf::model::lvs::checker::delay_before_retry::<$t>,
            ),
            Kw::new("warmup", $crate::conf::model::lvs::checker::warmup::<$t>),
            Kw::new("delay_loop", $crate::conf::model::lvs::checker::delay_loop::<$t>),
            Kw::new("alpha", $crate::conf::model::lvs::checker::alpha::<$t>),
            Kw::new(
                "log_all_failures",
                $crate::conf::model::lvs::checker::log_all_failures::<$t>,
            ),
            $($extra),*
        ]
    };
    ($t:ty; $($extra:expr),* $(,)?) => {
        &[
            Kw::new("retry", $crate::conf::model::lvs::checker::retry::<$t>),
            Kw::new(
                "delay_before_retry",
                $crate::conf::model::lvs::checker::delay_before_retry::<$t>,
            ),
            Kw::new("warmup", $crate::conf::model::lvs::checker::warmup::<$t>),
            Kw::new("delay_loop", $crate::conf::model::lvs::checker::delay_loop::<$t>),
            Kw::new("alpha", $crate::conf::model::lvs::checker::alpha::<$t>),
            Kw::new(
                "log_all_failures",
                $crate::conf::model::lvs::checker::log_all_failures::<$t>,
            ),
            $($extra),*
        ]
    };
}
pub(crate) use checker_table;

/// The checker tables by block path, for docs/COMPATIBILITY.md.
pub(super) fn catalogue(rs: &str) -> Vec<(String, Vec<(&'static str, Status)>)> {
    let bfd_why = Status::NotActedOn("BFD is not supported");
    vec![
        (format!("{rs}/HTTP_GET"), entries(http::TABLE)),
        (format!("{rs}/HTTP_GET/url"), entries(http::URL_TABLE)),
        (format!("{rs}/SSL_GET"), entries(http::TABLE)),
        (format!("{rs}/SSL_GET/url"), entries(http::URL_TABLE)),
        (format!("{rs}/TCP_CHECK"), entries(tcp::TABLE)),
        (format!("{rs}/SMTP_CHECK"), entries(smtp::TABLE)),
        (format!("{rs}/SMTP_CHECK/host"), entries(smtp::HOST_TABLE)),
        (format!("{rs}/MISC_CHECK"), entries(misc::TABLE)),
        (format!("{rs}/DNS_CHECK"), entries(dns::TABLE)),
        (format!("{rs}/UDP_CHECK"), entries(udp::TABLE)),
        (format!("{rs}/PING_CHECK"), entries(ping::TABLE)),
        (format!("{rs}/FILE_CHECK"), entries(file::TABLE)),
        // BFD_CHECK warns once for the block; its lines are read quietly.
        (
            format!("{rs}/BFD_CHECK"),
            entries(bfd::TABLE)
                .into_iter()
                .map(|(n, _)| (n, bfd_why))
                .collect(),
        ),
    ]
}
