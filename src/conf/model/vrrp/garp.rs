//! `garp_group` (gratuitous ARP / NA pacing per interface) and `track_group` (which
//! instances a static address, route or rule follows).

use std::time::Duration;

use serde::Serialize;

use super::read::{ifname_token, name_list, named_block, value_block};
use crate::conf::ast::Node;
use crate::conf::model::{ser_opt_secs, Config};
use crate::conf::schema::{Cx, Kw};
use crate::conf::source::Span;

#[derive(Debug, Clone, Serialize)]
pub struct GarpGroup {
    /// Gap between gratuitous ARPs on these interfaces (None: global vrrp_garp_interval).
    #[serde(serialize_with = "ser_opt_secs")]
    pub garp_interval: Option<Duration>,
    /// Gap between unsolicited NAs (None: global vrrp_gna_interval).
    #[serde(serialize_with = "ser_opt_secs")]
    pub gna_interval: Option<Duration>,
    /// `interface IF` (one) and `interfaces { ... }` (an aggregated group).
    pub interfaces: Vec<String>,
    #[serde(skip)]
    pub interface_spans: Vec<Span>,
    /// Given with `interfaces { }`: the delays are shared by all of them together.
    pub aggregated: bool,
    #[serde(skip)]
    pub span: Span,
}

impl GarpGroup {
    fn add(&mut self, cx: &mut Cx, name: &crate::conf::ast::Token) {
        if let Some(i) = self.interfaces.iter().position(|x| *x == name.text) {
            cx.warning(
                name.span,
                format!("`{}` is listed twice in this garp_group", name.text),
            )
            .related(self.interface_spans[i], "first listed here");
            return;
        }
        if let Some(n) = ifname_token(cx, "interface", name) {
            self.interfaces.push(n);
            self.interface_spans.push(name.span);
        }
    }
}

fn interval(cx: &mut Cx, n: &Node) -> Option<Duration> {
    let d = cx.timer(n, Duration::ZERO, Duration::from_micros(2_147_483_647))?;
    if d >= Duration::from_secs(1) {
        cx.note(
            n.args[0].span,
            format!(
                "a gap of {} s between messages is very long",
                n.args[0].text
            ),
        );
    }
    Some(d)
}

pub const GARP_GROUP: &[Kw<GarpGroup>] = &[
    Kw::new("garp_interval", |g, n, cx| {
        if let Some(d) = interval(cx, n) {
            g.garp_interval = Some(d);
        }
    }),
    Kw::new("gna_interval", |g, n, cx| {
        if let Some(d) = interval(cx, n) {
            g.gna_interval = Some(d);
        }
    }),
    Kw::new("interface", |g, n, cx| {
        if let Some(t) = cx.value(n) {
            g.add(cx, t);
        }
    }),
    Kw::new("interfaces", |g, n, cx| {
        let Some(lines) = value_block(cx, n) else {
            return;
        };
        if lines.is_empty() {
            cx.warning(n.keyword.span, "the `interfaces` block is empty");
        }
        g.aggregated = true;
        for line in lines {
            for t in super::read::line_words(line) {
                g.add(cx, t);
            }
        }
    }),
];

pub fn read_garp_group(config: &mut Config, node: &Node, cx: &mut Cx) {
    if let Some(extra) = node.args.first() {
        cx.error(extra.span, "`garp_group` takes no name")
            .hint("write `garp_group { interface eth0 ... }`");
    }
    let Some(items) = cx.block(node) else {
        return;
    };
    let mut g = GarpGroup {
        garp_interval: None,
        gna_interval: None,
        interfaces: Vec::new(),
        interface_spans: Vec::new(),
        aggregated: false,
        span: node.keyword.span,
    };
    cx.walk(&mut g, items, GARP_GROUP, "garp_group");
    if g.garp_interval.is_none() && g.gna_interval.is_none() {
        cx.warning(
            node.keyword.span,
            "this garp_group sets neither `garp_interval` nor `gna_interval`; it has no effect",
        )
        .hint("keepalived drops such a group");
        return;
    }
    if g.interfaces.is_empty() {
        cx.warning(
            node.keyword.span,
            "this garp_group names no interface; it has no effect",
        )
        .hint("add `interface IF` or `interfaces { IF ... }`");
    }
    config.vrrp.garp_groups.push(g);
}

/// `track_group NAME { group { INSTANCE ... } }`.
#[derive(Debug, Clone, Serialize)]
pub struct TrackGroup {
    pub name: String,
    #[serde(skip)]
    pub name_span: Span,
    /// Names of vrrp_instances (resolved by `resolve`).
    pub instances: Vec<String>,
    #[serde(skip)]
    pub instance_spans: Vec<Span>,
    #[serde(skip)]
    group_span: Option<Span>,
}

pub const TRACK_GROUP: &[Kw<TrackGroup>] = &[Kw::new("group", |g, n, cx| {
    if let Some(first) = g.group_span {
        cx.error(n.keyword.span, "`group` is given twice in this track_group")
            .related(first, "first `group` here")
            .hint("list every instance in one `group { }` block");
        return;
    }
    g.group_span = Some(n.keyword.span);
    let Some(lines) = value_block(cx, n) else {
        return;
    };
    for (name, span) in name_list(lines) {
        g.instances.push(name);
        g.instance_spans.push(span);
    }
    if g.instances.is_empty() {
        cx.warning(n.keyword.span, "the `group` block is empty");
    }
})];

pub fn read_track_group(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some((name, items)) = named_block(cx, node) else {
        return;
    };
    let mut g = TrackGroup {
        name: name.text.to_string(),
        name_span: name.span,
        instances: Vec::new(),
        instance_spans: Vec::new(),
        group_span: None,
    };
    cx.walk(&mut g, items, TRACK_GROUP, "track_group");
    if let Some(first) = config.vrrp.track_groups.iter().find(|x| x.name == g.name) {
        cx.error(
            name.span,
            format!("track_group `{}` is already defined", g.name),
        )
        .related(first.name_span, "first definition here");
        return;
    }
    config.vrrp.track_groups.push(g);
}
