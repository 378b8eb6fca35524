//! Top-level value blocks: `static_ipaddress`, `static_routes`, `static_rules` (set at
//! start-up, not moved by VRRP), `linkbeat_interfaces` and `interface_up_down_delays`.

use std::time::Duration;

use serde::Serialize;

use super::addr::{parse_address, AddrKind};
use super::read::{ifname_token, line_words, value_block, Opts};
use super::route::parse_route;
use super::rule::parse_rule;
use crate::conf::ast::Node;
use crate::conf::model::{ser_secs, Config};
use crate::conf::schema::{Cx, Status};
use crate::conf::source::Span;

pub fn read_addresses(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some(lines) = value_block(cx, node) else {
        return;
    };
    for line in lines {
        if let Some(a) = parse_address(cx, line, AddrKind::Static) {
            config.vrrp.static_ipaddress.push(a);
        }
    }
}

pub fn read_routes(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some(lines) = value_block(cx, node) else {
        return;
    };
    for line in lines {
        if let Some(r) = parse_route(cx, line, true) {
            config.vrrp.static_routes.push(r);
        }
    }
}

pub fn read_rules(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some(lines) = value_block(cx, node) else {
        return;
    };
    for line in lines {
        if let Some(r) = parse_rule(cx, line, true) {
            config.vrrp.static_rules.push(r);
        }
    }
}

/// How link state is polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LinkbeatKind {
    #[serde(rename = "MII")]
    Mii,
    #[serde(rename = "ETHTOOL")]
    Ethtool,
    #[serde(rename = "IOCTL")]
    Ioctl,
}

pub const LINKBEAT_OPTS: Opts = &[
    ("MII", Status::Supported),
    ("ETHTOOL", Status::Supported),
    ("IOCTL", Status::Supported),
];

/// A `linkbeat_interfaces` line: `<IF> [MII|ETHTOOL|IOCTL]`.
#[derive(Debug, Clone, Serialize)]
pub struct LinkbeatInterface {
    pub interface: String,
    #[serde(skip)]
    pub span: Span,
    /// None: MII, falling back to ETHTOOL, then IOCTL.
    pub kind: Option<LinkbeatKind>,
}

pub fn read_linkbeat(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some(lines) = value_block(cx, node) else {
        return;
    };
    for line in lines {
        let words = line_words(line);
        let Some(interface) = ifname_token(cx, "linkbeat interface", words[0]) else {
            continue;
        };
        let kind = match words.get(1) {
            None => None,
            Some(t) => match cx.choice_token("linkbeat type", t, &["MII", "ETHTOOL", "IOCTL"]) {
                Some("MII") => Some(LinkbeatKind::Mii),
                Some("ETHTOOL") => Some(LinkbeatKind::Ethtool),
                Some(_) => Some(LinkbeatKind::Ioctl),
                None => continue,
            },
        };
        if let Some(extra) = words.get(2) {
            cx.error(
                extra.span,
                format!("unexpected `{}` in a linkbeat_interfaces line", extra.text),
            )
            .hint("one interface per line: `IF [MII|ETHTOOL|IOCTL]`");
            continue;
        }
        config.vrrp.linkbeat_interfaces.push(LinkbeatInterface {
            interface,
            span: words[0].span,
            kind,
        });
    }
}

/// An `interface_up_down_delays` line: `<IF> <DOWN> [<UP>]`, decimal seconds 0-255.
#[derive(Debug, Clone, Serialize)]
pub struct UpDownDelay {
    pub interface: String,
    #[serde(skip)]
    pub span: Span,
    /// How long the link must stay down before it counts as down.
    #[serde(serialize_with = "ser_secs")]
    pub down: Duration,
    /// How long it must stay up before it counts as up.
    #[serde(serialize_with = "ser_secs")]
    pub up: Duration,
}

pub fn read_delays(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some(lines) = value_block(cx, node) else {
        return;
    };
    let max = Duration::from_secs(255);
    for line in lines {
        let words = line_words(line);
        let Some(interface) = ifname_token(cx, "interface", words[0]) else {
            continue;
        };
        let Some(down_tok) = words.get(1) else {
            cx.error(
                words[0].span,
                format!("`{}` needs a down delay", words[0].text),
            )
            .hint("write `IF DOWN_DELAY [UP_DELAY]` in seconds");
            continue;
        };
        let Some(down) = cx.timer_token("down delay", down_tok, Duration::ZERO, max) else {
            continue;
        };
        // keepalived 2.2.7 uses 0 for an omitted up delay although its manual says the up
        // delay defaults to the down delay; ha follows the manual.
        let up = match words.get(2) {
            Some(t) => match cx.timer_token("up delay", t, Duration::ZERO, max) {
                Some(u) => u,
                None => continue,
            },
            None => down,
        };
        if let Some(extra) = words.get(3) {
            cx.error(
                extra.span,
                format!(
                    "unexpected `{}` in an interface_up_down_delays line",
                    extra.text
                ),
            );
            continue;
        }
        config.vrrp.interface_up_down_delays.push(UpDownDelay {
            interface,
            span: words[0].span,
            down,
            up,
        });
    }
}
