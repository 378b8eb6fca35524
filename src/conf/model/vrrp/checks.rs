//! Checks of each instance once inheritance and names are settled, and of instances
//! against each other (VRID clashes). Where keepalived reports a problem and carries on
//! with a corrected value, ha warns and makes the same correction; what cannot work is an
//! error.

use std::net::IpAddr;
use std::time::Duration;

use super::instance::{Instance, State};
use super::net::Family;
use super::resolve::Defaults;
use super::Vrrp;
use crate::conf::schema::Cx;
use crate::conf::source::Span;

/// The checks of one instance once everything it depends on is known.
pub fn check_instance(i: &mut Instance, cx: &mut Cx, d: &Defaults) {
    let name = i.name.clone();
    let g = i.given.clone();
    let at = i.name_span;

    if let (Family::Ipv6, Some((2, span))) = (i.family, g.version) {
        cx.warning(
            span,
            format!(
                "instance `{name}` is IPv6, which only VRRP version 3 carries; ha uses version 3"
            ),
        )
        .hint("VRRPv2 (RFC 3768) is IPv4 only: remove `version 2`");
    }

    // Priority and initial state default from each other.
    if g.priority.is_none() {
        if let Some((State::Master, span)) = g.state {
            i.priority = 255;
            cx.note(span, format!("instance `{name}` has no priority: `state MASTER` makes it the address owner (255), as keepalived"))
                .hint("give `priority` (e.g. 150) unless this node owns the addresses");
        }
    }
    let owner = i.priority == 255;
    i.state = match g.state {
        Some((s, _)) => s,
        None if owner => State::Master,
        None => State::Backup,
    };
    if i.strict_mode && (i.state == State::Master) != owner {
        let span = g.state.map_or(at, |s| s.1);
        cx.warning(span, "in strict mode only the address owner (priority 255) starts as MASTER; ha uses the state that matches the priority")
            .hint(if owner { "use `state MASTER` with priority 255" } else { "use `state BACKUP`, or priority 255 for the address owner" });
        i.state = if owner { State::Master } else { State::Backup };
    }

    // Advertisement interval: VRRPv2 carries whole seconds, VRRPv3 centiseconds.
    let adv = i.advert_int;
    let adv_span = g.advert_int.unwrap_or(at);
    if i.version == 2 && adv.subsec_nanos() != 0 {
        cx.error(
            adv_span,
            format!(
                "VRRPv2 advertises whole seconds; advert_int {} is not",
                adv.as_secs_f64()
            ),
        )
        .hint("use 1-255 whole seconds, or `version 3` for intervals in hundredths of a second");
    } else if i.version == 3 && adv > Duration::from_millis(40_950) {
        cx.error(
            adv_span,
            format!(
                "advert_int {} s is out of range for VRRPv3",
                adv.as_secs_f64()
            ),
        )
        .hint("VRRPv3 intervals are 0.01 to 40.95 seconds");
    } else if i.version == 3 && adv.as_micros() % 10_000 != 0 {
        cx.error(
            adv_span,
            format!(
                "VRRPv3 advertises hundredths of a second; advert_int {} is not",
                adv.as_secs_f64()
            ),
        )
        .hint("use a multiple of 0.01");
    }

    // Authentication exists only in VRRPv2 without strict mode.
    if let (Some(_), Some(span)) = (&i.authentication, g.authentication) {
        if i.version == 3 {
            cx.error(span, format!("instance `{name}` uses VRRPv3, which has no authentication"))
                .hint("remove the authentication block (RFC 5798 dropped it), or use `version 2` for IPv4");
            i.authentication = None;
        } else if i.strict_mode {
            cx.error(span, "strict mode does not allow authentication")
                .hint("remove the authentication block, or turn strict mode off");
            i.authentication = None;
        }
    }

    // Virtual addresses.
    if i.virtual_ipaddress.is_empty() {
        if i.version == 3 || i.strict_mode {
            cx.error(at, format!("instance `{name}` has no virtual_ipaddress"))
                .hint("VRRPv3 and strict mode need at least one VIP");
        } else {
            cx.warning(at, format!("instance `{name}` has no virtual_ipaddress"));
        }
    }
    // 255 addresses fit the count field; with a 1500-byte MTU only 89 IPv6 ones fit a packet.
    let max = if i.family == Family::Ipv6 { 89 } else { 255 };
    if i.virtual_ipaddress.len() > max {
        let extra: Vec<_> = i.virtual_ipaddress.drain(max..).collect();
        cx.warning(extra[0].span, format!("instance `{name}` has {} VIPs; an advert carries at most {max}", max + extra.len()))
            .hint("the others are added as virtual_ipaddress_excluded (not advertised), as keepalived does");
        i.virtual_ipaddress_excluded.splice(0..0, extra);
    }

    // Unicast or multicast.
    i.unicast = !i.unicast_peer.is_empty();
    if let (Some(span), false) = (g.unicast, i.unicast) {
        if i.unicast_fault_no_peer {
            cx.note(span, format!("instance `{name}` has no unicast peers: it stays in FAULT (unicast_fault_no_peer)"));
        } else {
            cx.warning(span, format!("instance `{name}` asks for unicast but lists no unicast_peer; it falls back to multicast"))
                .hint("add a `unicast_peer { }` block, or `unicast_fault_no_peer` to stay in FAULT (keepalived deprecates the fallback)");
        }
    }
    if i.unicast && i.strict_mode {
        cx.error(
            g.unicast.unwrap_or(at),
            "strict mode does not allow unicast peers",
        )
        .hint("remove `strict_mode`/`vrrp_strict`, or use multicast");
    }
    if i.interface.is_none() {
        if !i.unicast || i.src_ip.is_none() {
            cx.error(at, format!("instance `{name}` has no `interface`"))
                .hint("multicast VRRP runs on an interface; only unicast with `unicast_src_ip` may omit it");
        } else if let Some(IpAddr::V6(v6)) = i.src_ip {
            if v6.segments()[0] & 0xffc0 == 0xfe80 {
                cx.error(
                    g.src_ip.unwrap_or(at),
                    "without `interface`, the source address cannot be link-local",
                );
            }
        }
    }
    if let Some(span) = g.unicast_ttl.filter(|_| !i.unicast) {
        cx.warning(span, "`unicast_ttl` is ignored without unicast peers");
        i.unicast_ttl = None;
    } else if i.unicast && i.family == Family::Ipv4 && i.unicast_ttl.is_none() {
        i.unicast_ttl = Some(255);
    }
    if i.unicast {
        if let Some(span) = g.mcast_dst_ip {
            cx.warning(span, "`mcast_dst_ip` is ignored with unicast peers");
            i.mcast_dst_ip = None;
        }
    } else if i.mcast_dst_ip.is_none() {
        i.mcast_dst_ip = Some(match i.family {
            Family::Ipv4 => IpAddr::V4(d.mcast4),
            Family::Ipv6 => IpAddr::V6(d.mcast6),
        });
    }
    if let (Family::Ipv6, false, Some(first)) = (i.family, i.unicast, i.virtual_ipaddress.first()) {
        let link_local =
            matches!(first.addr.addr, IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80);
        if !link_local {
            let msg = "the first IPv6 VIP should be link-local (RFC 5798)";
            if i.strict_mode {
                cx.error(first.span, msg).hint("put a fe80:: address first");
            } else {
                cx.note(first.span, msg).hint("put a fe80:: address first");
            }
        }
    }

    // Preemption.
    if let Some(span) = g.nopreempt.filter(|_| i.nopreempt) {
        if owner {
            cx.warning(
                span,
                "`nopreempt` has no effect at priority 255: the address owner always takes over",
            )
            .hint("lower the priority, or remove `nopreempt`");
            i.nopreempt = false;
        } else if i.state == State::Master {
            cx.warning(span, "`nopreempt` needs `state BACKUP`; with `state MASTER` it is ignored")
                .hint("a node that starts as MASTER takes over anyway: set `state BACKUP` on every node so the first one up keeps the role");
            i.nopreempt = false;
        }
    }
    if let Some(span) = g.preempt_delay.filter(|_| !i.preempt_delay.is_zero()) {
        let why = if i.state == State::Master {
            Some("with `state MASTER` (it starts as MASTER at once)")
        } else if i.strict_mode {
            Some("in strict mode")
        } else if i.nopreempt {
            Some("with `nopreempt` (it never preempts)")
        } else {
            None
        };
        if let Some(why) = why {
            cx.warning(span, format!("`preempt_delay` is ignored {why}"))
                .hint("preempt_delay needs `state BACKUP` and preemption");
            i.preempt_delay = Duration::ZERO;
        }
    }

    // Strict mode fixes a few timings.
    if i.strict_mode {
        let reset = |cx: &mut Cx, span: Span, what: &str| {
            cx.warning(span, format!("strict mode requires {what}; ha uses that"));
        };
        if let Some((v, span)) = g.down_timer_adverts.filter(|x| x.0 != 3) {
            reset(cx, span, &format!("down_timer_adverts 3 (not {v})"));
            i.down_timer_adverts = 3;
        }
        if let Some((_, span)) = g.garp_lower_prio_repeat.filter(|x| x.0 != 0) {
            reset(cx, span, "garp_lower_prio_repeat 0");
            i.garp_lower_prio_repeat = 0;
        }
        if let Some((_, span)) = g.garp_lower_prio_delay.filter(|x| !x.0.is_zero()) {
            reset(cx, span, "garp_lower_prio_delay 0");
            i.garp_lower_prio_delay = Duration::ZERO;
        }
        if let Some((_, span)) = g.lower_prio_no_advert.filter(|x| !x.0) {
            reset(cx, span, "lower_prio_no_advert");
            i.lower_prio_no_advert = true;
        }
        if let Some((_, span)) = g.higher_prio_send_advert.filter(|x| x.0) {
            reset(cx, span, "higher_prio_send_advert off");
            i.higher_prio_send_advert = false;
        }
    }

    // Accept mode: on by default, except in strict mode for non-owners.
    i.accept = g.accept.map_or(owner || !i.strict_mode, |a| a.0);
    if i.accept && !owner && i.strict_mode && i.version == 2 {
        let span = g.accept.map_or(at, |a| a.1);
        cx.warning(
            span,
            "accept mode with VRRPv2 does not comply with RFC 3768 in strict mode; ha turns it off",
        )
        .hint("use `no_accept`, or `version 3`");
        i.accept = false;
    }
}

/// Two instances with the same VRID and family that would hear each other's adverts.
pub fn vrid_clashes(instances: &[Instance], cx: &mut Cx) {
    for (n, a) in instances.iter().enumerate() {
        for b in &instances[n + 1..] {
            if a.virtual_router_id == 0
                || a.virtual_router_id != b.virtual_router_id
                || a.family != b.family
                || a.unicast != b.unicast
            {
                continue;
            }
            let clash = if a.unicast {
                let same_if = match (&a.interface, &b.interface) {
                    (Some(x), Some(y)) => x == y,
                    _ => true,
                };
                let same_src = a.src_ip.is_some() && a.src_ip == b.src_ip;
                let shared_peer = a
                    .unicast_peer
                    .iter()
                    .any(|p| b.unicast_peer.iter().any(|q| q.address == p.address));
                same_if && same_src && shared_peer
            } else {
                a.interface.is_some()
                    && a.interface == b.interface
                    && a.mcast_dst_ip == b.mcast_dst_ip
            };
            if clash {
                let span = b.given.vrid.unwrap_or(b.name_span);
                let first = a.given.vrid.unwrap_or(a.name_span);
                let on = match &a.interface {
                    Some(i) if !a.unicast => format!(" on {i}"),
                    _ => " with the same source and peers".to_string(),
                };
                cx.error(
                    span,
                    format!(
                        "instances `{}` and `{}` both use VRID {} for {}{on}",
                        a.name,
                        b.name,
                        a.virtual_router_id,
                        a.family.name()
                    ),
                )
                .related(first, format!("`{}` uses it here", a.name))
                .hint("each virtual router needs its own virtual_router_id on a link");
            }
        }
    }
}

/// keepalived: a sync group whose members are partly address owners cannot work (the
/// owners start as MASTER, the others as BACKUP, and the group moves as one).
pub fn sync_group_owners(v: &Vrrp, cx: &mut Cx) {
    for g in &v.sync_groups {
        let members: Vec<&Instance> = g.group.iter().filter_map(|n| v.instance(n)).collect();
        let owners = members.iter().filter(|i| i.priority == 255).count();
        if owners > 0 && owners < members.len() {
            cx.warning(
                g.name_span,
                format!(
                    "sync group `{}` mixes address owners (priority 255) with other members; this cannot work",
                    g.name
                ),
            )
            .hint("give every member of the group priority 255, or none");
        }
    }
}
