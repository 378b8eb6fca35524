//! Every interface the configuration names, checked against the host. One warning per
//! missing name, at its first use; later uses are listed as related places.

use super::Host;
use crate::conf::diag::did_you_mean;
use crate::conf::model::lvs::Checker;
use crate::conf::model::vrrp::{Address, Instance, Route, Rule};
use crate::conf::model::Config;
use crate::conf::schema::Cx;
use crate::conf::source::Span;

/// Lists of interfaces longer than this are not spelt out in hints.
const LIST_MAX: usize = 8;

/// One place that names an interface.
struct Use<'a> {
    name: &'a str,
    span: Span,
    /// What names it: "the `interface` of vrrp_instance `VI_1`".
    role: String,
    /// What keepalived does when it is missing.
    effect: String,
}

pub(super) fn check(config: &Config, host: &dyn Host, cx: &mut Cx) {
    let uses = collect(config);
    let mut missing: Vec<(&str, Vec<&Use>)> = Vec::new();
    for u in &uses {
        if let Some((_, list)) = missing.iter_mut().find(|(n, _)| *n == u.name) {
            list.push(u);
        } else if !host.interface_exists(u.name) {
            missing.push((u.name, vec![u]));
        }
    }
    if missing.is_empty() {
        return;
    }
    let here = host.interfaces();
    for (name, list) in missing {
        let first = list[0];
        let d = cx.environment(
            first.span,
            format!("interface `{name}` does not exist on this host"),
        );
        d.hint(format!(
            "it is {}: {}; {}",
            first.role,
            first.effect,
            existing(name, &here)
        ));
        let mut seen = vec![first.span];
        for u in &list[1..] {
            if seen.contains(&u.span) {
                continue;
            }
            seen.push(u.span);
            d.related(u.span, format!("also {} ({})", u.role, u.effect));
        }
    }
}

/// "did you mean `eth0`? interfaces here: eth0, lo" when the list is short.
fn existing(name: &str, here: &[String]) -> String {
    let guess = did_you_mean(name, here.iter().map(String::as_str))
        .map(|g| format!("did you mean `{g}`? "))
        .unwrap_or_default();
    match here.len() {
        0 => format!("{guess}no interfaces are visible here"),
        n if n <= LIST_MAX => format!("{guess}interfaces here: {}", here.join(", ")),
        n => format!("{guess}this host has {n} interfaces (see `ip link`)"),
    }
}

fn collect(config: &Config) -> Vec<Use<'_>> {
    let mut out = Vec::new();
    let g = &config.global;
    let v = &config.vrrp;
    for i in &v.instances {
        instance(&mut out, i);
    }
    for s in &v.sync_groups {
        for t in &s.track_interface {
            out.push(Use {
                name: &t.name,
                span: t.span,
                role: format!("a `track_interface` line of vrrp_sync_group `{}`", s.name),
                effect: "keepalived ignores the line".into(),
            });
        }
    }
    for a in &v.static_ipaddress {
        let Some(dev) = &a.dev else { continue };
        match a.dev_span {
            Some(span) => out.push(Use {
                name: dev,
                span,
                role: format!("the `dev` of static_ipaddress {}", a.addr),
                effect: DROPS_ADDRESS.into(),
            }),
            // No `dev`: the address goes on global `default_interface`.
            None => out.push(Use {
                name: dev,
                span: g.default_interface_span.unwrap_or(a.span),
                role: format!(
                    "global `default_interface`, where static_ipaddress {} goes (it has no `dev`)",
                    a.addr
                ),
                effect: "keepalived drops the address (\"Static address requires either an \
                         interface or default interface must exist\")"
                    .into(),
            }),
        }
    }
    for r in &v.static_routes {
        route(&mut out, r, "static_routes");
    }
    for r in &v.static_rules {
        rule(&mut out, r, "static_rules");
    }
    for gg in &v.garp_groups {
        for (name, span) in gg.interfaces.iter().zip(&gg.interface_spans) {
            out.push(Use {
                name,
                span: *span,
                role: "an interface of a garp_group".into(),
                effect: "keepalived ignores it there".into(),
            });
        }
    }
    for l in &v.linkbeat_interfaces {
        out.push(Use {
            name: &l.interface,
            span: l.span,
            role: "a linkbeat_interfaces line".into(),
            effect: "keepalived stops with a fatal error (\"unknown interface\")".into(),
        });
    }
    for d in &v.interface_up_down_delays {
        out.push(Use {
            name: &d.interface,
            span: d.span,
            role: "an interface_up_down_delays line".into(),
            effect: "keepalived stops with a fatal error (\"unknown interface\")".into(),
        });
    }
    if let Some(s) = &g.lvs_sync_daemon {
        out.push(Use {
            name: &s.interface.value,
            span: s.interface.span,
            role: "the interface of global `lvs_sync_daemon`".into(),
            effect: SYNC_DAEMON.into(),
        });
    }
    for vs in &config.lvs.virtual_servers {
        for rs in &vs.real_servers {
            for c in &rs.checkers {
                let (conn, span) = match c {
                    Checker::HttpGet(h) | Checker::SslGet(h) => (&h.conn, rs.span),
                    Checker::Tcp(t) => (&t.conn, rs.span),
                    Checker::Smtp(s) => (&s.conn, s.host_span.unwrap_or(rs.span)),
                    Checker::Dns(d) => (&d.conn, rs.span),
                    Checker::Udp(u) => (&u.conn, rs.span),
                    Checker::Ping(p) => (&p.conn, rs.span),
                    Checker::Misc(_) | Checker::File(_) | Checker::Bfd(_) => continue,
                };
                let Some(name) = &conn.bind_if else { continue };
                out.push(Use {
                    name,
                    span,
                    role: format!(
                        "the `bind_if` of a {} of real_server {} in virtual_server {}",
                        c.name(),
                        rs.label(),
                        vs.label()
                    ),
                    effect: "the checker's connections cannot be bound to it and fail, so the \
                             real server is marked down"
                        .into(),
                });
            }
        }
    }
    out
}

const DROPS_ADDRESS: &str = "keepalived drops the address";
const SYNC_DAEMON: &str = "the IPVS connection sync daemon cannot start";

fn instance<'a>(out: &mut Vec<Use<'a>>, i: &'a Instance) {
    let vi = format!("vrrp_instance `{}`", i.name);
    if let (Some(name), Some(span)) = (&i.interface, i.interface_span) {
        let effect = if !i.unicast {
            "keepalived drops the instance (\"Unknown interface!\")".to_string()
        } else if i.src_ip.is_none() {
            "keepalived drops the instance: a unicast instance needs `unicast_src_ip` or an \
             interface"
                .to_string()
        } else {
            "keepalived runs the instance without an interface and drops its addresses that \
             have no `dev`"
                .to_string()
        };
        out.push(Use {
            name,
            span,
            role: format!("the `interface` of {vi}"),
            effect,
        });
    }
    for t in &i.track_interface {
        out.push(Use {
            name: &t.name,
            span: t.span,
            role: format!("a `track_interface` line of {vi}"),
            effect: "keepalived ignores the line".into(),
        });
    }
    for (list, kw) in [
        (&i.virtual_ipaddress, "virtual_ipaddress"),
        (&i.virtual_ipaddress_excluded, "virtual_ipaddress_excluded"),
    ] {
        for a in list {
            address(out, a, &format!("{kw} {} in {vi}", a.addr));
        }
    }
    for r in &i.virtual_routes {
        route(out, r, &format!("virtual_routes in {vi}"));
    }
    for r in &i.virtual_rules {
        rule(out, r, &format!("virtual_rules in {vi}"));
    }
    if let Some(name) = &i.lvs_sync_daemon_interface {
        // The model keeps no span for this deprecated keyword: point at the instance.
        out.push(Use {
            name,
            span: i.name_span,
            role: format!("the `lvs_sync_daemon_interface` of {vi}"),
            effect: SYNC_DAEMON.into(),
        });
    }
}

fn address<'a>(out: &mut Vec<Use<'a>>, a: &'a Address, what: &str) {
    if let (Some(name), Some(span)) = (&a.dev, a.dev_span) {
        out.push(Use {
            name,
            span,
            role: format!("the `dev` of {what}"),
            effect: DROPS_ADDRESS.into(),
        });
    }
}

fn route<'a>(out: &mut Vec<Use<'a>>, r: &'a Route, what: &str) {
    let line = match &r.to {
        Some(to) => format!("the route to {to} ({what})"),
        None => format!("a route ({what})"),
    };
    let effect = "keepalived drops the route";
    if let (Some(name), Some(span)) = (&r.dev, r.dev_span) {
        out.push(Use {
            name,
            span,
            role: format!("the `dev` of {line}"),
            effect: effect.into(),
        });
    }
    for nh in &r.nexthops {
        if let (Some(name), Some(span)) = (&nh.dev, nh.dev_span) {
            out.push(Use {
                name,
                span,
                role: format!("a nexthop `dev` of {line}"),
                effect: effect.into(),
            });
        }
    }
}

fn rule<'a>(out: &mut Vec<Use<'a>>, r: &'a Rule, what: &str) {
    for (dev, span, kw) in [(&r.iif, r.iif_span, "iif"), (&r.oif, r.oif_span, "oif")] {
        if let (Some(name), Some(span)) = (dev, span) {
            out.push(Use {
                name,
                span,
                role: format!("the `{kw}` of a rule ({what})"),
                effect: "keepalived drops the rule".into(),
            });
        }
    }
}
