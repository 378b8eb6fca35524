//! `bfd_instance NAME { ... }`: read and checked so configurations using it stay valid, but
//! ha has no BFD implementation (the block warns once; its keywords do not warn again).
//! The checker's `BFD_CHECK name` refers to these instances too.

use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

use super::read::{millis_token, named_block};
use super::track::weight_kw;
use crate::conf::ast::Node;
use crate::conf::model::{ser_secs, Config};
use crate::conf::schema::{Cx, Kw, Status};
use crate::conf::source::Span;

pub const WHY: &str = "BFD is not implemented";

#[derive(Debug, Clone, Serialize)]
pub struct BfdInstance {
    pub name: String,
    #[serde(skip)]
    pub name_span: Span,
    pub source_ip: Option<IpAddr>,
    pub neighbor_ip: Option<IpAddr>,
    #[serde(skip)]
    pub neighbor_span: Option<Span>,
    /// Default 10 ms.
    #[serde(serialize_with = "ser_secs")]
    pub min_rx: Duration,
    /// Default 10 ms.
    #[serde(serialize_with = "ser_secs")]
    pub min_tx: Duration,
    /// Default 1 s.
    #[serde(serialize_with = "ser_secs")]
    pub idle_tx: Duration,
    /// Default 5.
    pub multiplier: u8,
    pub passive: bool,
    /// None: 255 for IPv4, 64 for IPv6.
    pub ttl: Option<u8>,
    /// -1..255 (255 disables the hop check).
    pub max_hops: i16,
    pub weight: i32,
    pub reverse: bool,
    /// Events go to the VRRP side only / the checkers only (default both).
    pub vrrp: bool,
    pub checker: bool,
}

fn ms(cx: &mut Cx, n: &Node, min: u64) -> Option<Duration> {
    let t = cx.value(n)?;
    let d = millis_token(cx, &n.keyword.text, t, min, 4_294_967)?;
    if d > Duration::from_secs(10) {
        cx.warning(
            t.span,
            format!(
                "`{}` {} ms is larger than sensible (10000)",
                n.keyword.text, t.text
            ),
        );
    }
    Some(d)
}

const fn not_acted(
    name: &'static str,
    read: fn(&mut BfdInstance, &Node, &mut Cx),
) -> Kw<BfdInstance> {
    Kw::not_acted_on(name, WHY, read)
}

pub const BFD: &[Kw<BfdInstance>] = &[
    not_acted("source_ip", |b, n, cx| b.source_ip = cx.ip(n)),
    not_acted("neighbor_ip", |b, n, cx| {
        b.neighbor_ip = cx.ip(n);
        b.neighbor_span = Some(n.keyword.span);
    }),
    not_acted("neighbour_ip", |b, n, cx| {
        b.neighbor_ip = cx.ip(n);
        b.neighbor_span = Some(n.keyword.span);
    }),
    not_acted("min_rx", |b, n, cx| {
        if let Some(d) = ms(cx, n, 1) {
            b.min_rx = d;
        }
    }),
    not_acted("min_tx", |b, n, cx| {
        if let Some(d) = ms(cx, n, 1) {
            b.min_tx = d;
        }
    }),
    not_acted("idle_tx", |b, n, cx| {
        if let Some(d) = ms(cx, n, 1000) {
            b.idle_tx = d;
        }
    }),
    not_acted("multiplier", |b, n, cx| {
        if let Some(v) = cx.uint(n, 1, 255) {
            b.multiplier = v as u8;
        }
    }),
    not_acted("passive", |b, n, cx| b.passive = cx.flag(n)),
    not_acted("ttl", |b, n, cx| {
        if let Some(v) = cx.uint(n, 1, 255) {
            b.ttl = Some(v as u8);
        }
    }),
    not_acted("hoplimit", |b, n, cx| {
        if let Some(v) = cx.uint(n, 1, 255) {
            b.ttl = Some(v as u8);
        }
    }),
    not_acted("max_hops", |b, n, cx| {
        if let Some(v) = cx.int(n, -1, 255) {
            b.max_hops = v as i16;
        }
    }),
    not_acted("weight", |b, n, cx| {
        if let Some((w, r)) = weight_kw(cx, n, -253, 253) {
            b.weight = w;
            b.reverse = r;
        }
    }),
    not_acted("vrrp", |b, n, cx| b.vrrp = cx.flag(n)),
    not_acted("checker", |b, n, cx| b.checker = cx.flag(n)),
];

pub fn read(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some((name, items)) = named_block(cx, node) else {
        return;
    };
    let mut b = BfdInstance {
        name: name.text.to_string(),
        name_span: name.span,
        source_ip: None,
        neighbor_ip: None,
        neighbor_span: None,
        min_rx: Duration::from_millis(10),
        min_tx: Duration::from_millis(10),
        idle_tx: Duration::from_secs(1),
        multiplier: 5,
        passive: false,
        ttl: None,
        max_hops: 0,
        weight: 0,
        reverse: false,
        vrrp: false,
        checker: false,
    };
    if name.text.len() >= 32 {
        cx.error(
            name.span,
            format!("bfd_instance name `{}` is too long", name.text),
        )
        .hint("BFD instance names have at most 31 characters");
    }
    // The block keyword already warned that BFD is not acted on: read its keywords quietly.
    for item in items {
        match BFD.iter().find(|k| item.keyword.is(k.name)) {
            Some(kw) => (kw.read)(&mut b, item, cx),
            None => cx.unknown(item, BFD.iter().map(|k| k.name), "bfd_instance"),
        }
    }
    let Some(nbr) = b.neighbor_ip else {
        cx.error(
            name.span,
            format!("bfd_instance `{}` has no `neighbor_ip`", b.name),
        );
        return;
    };
    if let Some(src) = b.source_ip.filter(|s| s.is_ipv4() != nbr.is_ipv4()) {
        cx.error(
            b.neighbor_span.unwrap_or(name.span),
            format!("source_ip {src} and neighbor_ip {nbr} are of different families"),
        );
    }
    if let Some(first) = config.vrrp.bfd_instances.iter().find(|x| x.name == b.name) {
        cx.error(
            name.span,
            format!("bfd_instance `{}` is already defined", b.name),
        )
        .related(first.name_span, "first definition here");
        return;
    }
    config.vrrp.bfd_instances.push(b);
}

/// The block's statuses, for the catalogue (every keyword not acted on).
pub fn statuses() -> Vec<(&'static str, Status)> {
    crate::conf::schema::entries(BFD)
}
