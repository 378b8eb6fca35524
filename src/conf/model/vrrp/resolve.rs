//! After the whole file is read: inheritance from global_defs, name resolution (tracked
//! objects, sync group and track group members), and the checks that need more than one
//! block. Definition order does not matter here (keepalived wants scripts, files,
//! processes and BFD instances defined before they are tracked).

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use super::instance::Instance;
use super::net::Family;
use super::read::suggest;
use super::track::TrackRef;
use super::vmac::GarpExtraIf;
use super::Vrrp;
use crate::conf::model::global::Global;
use crate::conf::model::Config;
use crate::conf::schema::Cx;
use crate::conf::source::Span;

/// What instances and groups inherit from global_defs.
pub(super) struct Defaults {
    pub(super) version: u8,
    pub(super) strict: bool,
    pub(super) skip_check_adv_addr: bool,
    pub(super) check_unicast_src: bool,
    pub(super) garp_master_delay: Duration,
    pub(super) garp_master_refresh: Option<Duration>,
    pub(super) garp_master_repeat: u32,
    pub(super) garp_master_refresh_repeat: u32,
    pub(super) garp_lower_prio_delay: Duration,
    pub(super) garp_lower_prio_repeat: u32,
    pub(super) down_timer_adverts: u32,
    pub(super) lower_prio_no_advert: bool,
    pub(super) higher_prio_send_advert: bool,
    pub(super) garp_extra_if: Option<GarpExtraIf>,
    /// smtp_alert_vrrp, else smtp_alert.
    pub(super) smtp_alert: Option<bool>,
    pub(super) notify_priority_changes: bool,
    pub(super) mcast4: Ipv4Addr,
    pub(super) mcast6: Ipv6Addr,
    pub(super) garp_interval: Duration,
    pub(super) gna_interval: Duration,
    pub(super) default_interface: String,
}

/// INHERITANCE: the one place that reads global_defs (`config.global`).
fn global_defaults(g: &Global) -> Defaults {
    Defaults {
        version: g.vrrp_version,
        strict: g.vrrp_strict,
        skip_check_adv_addr: g.vrrp_skip_check_adv_addr,
        check_unicast_src: g.vrrp_check_unicast_src,
        garp_master_delay: g.vrrp_garp_master_delay,
        garp_master_refresh: g.vrrp_garp_master_refresh,
        garp_master_repeat: g.vrrp_garp_master_repeat,
        garp_master_refresh_repeat: g.vrrp_garp_master_refresh_repeat,
        garp_lower_prio_delay: g.vrrp_garp_lower_prio_delay,
        garp_lower_prio_repeat: g.vrrp_garp_lower_prio_repeat,
        down_timer_adverts: g.vrrp_down_timer_adverts,
        lower_prio_no_advert: g.vrrp_lower_prio_no_advert,
        higher_prio_send_advert: g.vrrp_higher_prio_send_advert,
        garp_extra_if: g.vrrp_garp_extra_if.as_ref().map(|x| GarpExtraIf {
            all_interfaces: x.all_interfaces,
            interval: x.interval,
        }),
        smtp_alert: g.smtp_alert_vrrp.or(g.smtp_alert),
        notify_priority_changes: g.vrrp_notify_priority_changes,
        mcast4: g.vrrp_mcast_group4,
        mcast6: g.vrrp_mcast_group6,
        garp_interval: g.vrrp_garp_interval,
        gna_interval: g.vrrp_gna_interval,
        default_interface: g.default_interface.clone(),
    }
}

pub fn run(config: &mut Config, cx: &mut Cx) {
    let d = global_defaults(&config.global);
    let v = &mut config.vrrp;
    sync_groups(v, cx, &d);
    for i in 0..v.instances.len() {
        let group_npc = v.instances[i]
            .sync_group
            .as_ref()
            .and_then(|g| v.sync_groups.iter().find(|s| s.name == *g))
            .map(|g| g.notify_priority_changes);
        let inst = &mut v.instances[i];
        inherit(inst, &d, group_npc);
        super::checks::check_instance(inst, cx, &d);
    }
    tracking(v, cx);
    super::checks::sync_group_owners(v, cx);
    super::checks::vrid_clashes(&v.instances, cx);
    track_groups(v, cx);
    statics(v, &d);
    number_rules(v);
    garp_groups(v, cx, &d);
    unused_scripts(v, cx);
}

/// Fills what an instance did not say from global_defs (and its sync group).
fn inherit(i: &mut Instance, d: &Defaults, group_notify_priority_changes: Option<bool>) {
    let g = &i.given;
    i.strict_mode = g.strict_mode.unwrap_or(d.strict);
    i.skip_check_adv_addr = g.skip_check_adv_addr.unwrap_or(d.skip_check_adv_addr);
    i.check_unicast_src |= d.check_unicast_src;
    i.garp_master_delay = g.garp_master_delay.unwrap_or(d.garp_master_delay);
    i.garp_master_refresh = g.garp_master_refresh.unwrap_or(d.garp_master_refresh);
    i.garp_master_repeat = g.garp_master_repeat.unwrap_or(d.garp_master_repeat);
    i.garp_master_refresh_repeat = g
        .garp_master_refresh_repeat
        .unwrap_or(d.garp_master_refresh_repeat);
    i.down_timer_adverts = g.down_timer_adverts.map_or(d.down_timer_adverts, |x| x.0);
    i.garp_extra_if = g.garp_extra_if.or(d.garp_extra_if);
    i.smtp_alert = g.smtp_alert.or(d.smtp_alert).unwrap_or(false);
    i.notify_priority_changes = g
        .notify_priority_changes
        .or(group_notify_priority_changes)
        .unwrap_or(d.notify_priority_changes);
    // Strict mode changes these defaults; explicit values are checked in check_instance.
    let strict = i.strict_mode;
    i.garp_lower_prio_delay = g.garp_lower_prio_delay.map_or(
        if strict {
            Duration::ZERO
        } else {
            d.garp_lower_prio_delay
        },
        |x| x.0,
    );
    i.garp_lower_prio_repeat = g
        .garp_lower_prio_repeat
        .map_or(if strict { 0 } else { d.garp_lower_prio_repeat }, |x| x.0);
    i.lower_prio_no_advert = g
        .lower_prio_no_advert
        .map_or(strict || d.lower_prio_no_advert, |x| x.0);
    i.higher_prio_send_advert = g
        .higher_prio_send_advert
        .map_or(!strict && d.higher_prio_send_advert, |x| x.0);
    i.version = match (i.family, g.version) {
        (Family::Ipv6, _) => 3,
        (_, Some((v, _))) => v,
        (_, None) => d.version,
    };
}

/// Resolves one list of track lines against the defined objects: unknown names are errors
/// (with a suggestion) and are dropped; weights and reverse default to the object's.
fn link<T>(
    cx: &mut Cx,
    owner: &str,
    refs: &mut Vec<TrackRef>,
    kind: &str,
    targets: &[T],
    name: impl Fn(&T) -> &str,
    defaults: impl Fn(&T) -> (i32, bool),
) {
    refs.retain_mut(|r| match targets.iter().find(|t| name(t) == r.name) {
        Some(t) => {
            let (w, rev) = defaults(t);
            r.weight = r.given_weight.unwrap_or(w);
            r.reverse = r.given_reverse.unwrap_or(rev);
            true
        }
        None => {
            let d = cx.error(
                r.span,
                format!("{owner} tracks `{}`, which is not a defined {kind}", r.name),
            );
            match suggest(&r.name, targets.iter().map(&name)) {
                Some(h) => d.hint(h),
                None => d.hint(format!("define it: `{kind} {} {{ ... }}`", r.name)),
            };
            false
        }
    });
}

fn tracking(v: &mut Vrrp, cx: &mut Cx) {
    let Vrrp {
        instances,
        sync_groups,
        scripts,
        track_files,
        track_processes,
        bfd_instances,
        ..
    } = v;
    type Lists<'a> = (
        String,
        &'a mut Vec<TrackRef>,
        &'a mut Vec<TrackRef>,
        &'a mut Vec<TrackRef>,
        &'a mut Vec<TrackRef>,
    );
    let mut lists: Vec<Lists> = Vec::new();
    for i in instances.iter_mut() {
        let owner = format!("instance `{}`", i.name);
        lists.push((
            owner,
            &mut i.track_script,
            &mut i.track_file,
            &mut i.track_process,
            &mut i.track_bfd,
        ));
    }
    for g in sync_groups.iter_mut() {
        let owner = format!("sync group `{}`", g.name);
        lists.push((
            owner,
            &mut g.track_script,
            &mut g.track_file,
            &mut g.track_process,
            &mut g.track_bfd,
        ));
    }
    for (owner, scr, file, proc_, bfd) in lists {
        link(
            cx,
            &owner,
            scr,
            "vrrp_script",
            scripts,
            |s| &s.name,
            |s| (s.weight, s.reverse),
        );
        link(
            cx,
            &owner,
            file,
            "track_file",
            track_files,
            |f| &f.name,
            |f| (f.weight, f.reverse),
        );
        link(
            cx,
            &owner,
            proc_,
            "vrrp_track_process",
            track_processes,
            |p| &p.name,
            |p| (p.weight, p.reverse),
        );
        link(
            cx,
            &owner,
            bfd,
            "bfd_instance",
            bfd_instances,
            |b| &b.name,
            |b| (b.weight, b.reverse),
        );
    }

    // Members of a sync group (unless sync_group_tracking_weight) and address owners
    // cannot float their priority: keepalived ignores weighted trackers there.
    for i in instances.iter_mut() {
        let in_group = i
            .sync_group
            .as_ref()
            .and_then(|n| sync_groups.iter().find(|g| g.name == *n))
            .is_some_and(|g| !g.sync_group_tracking_weight);
        let owner = i.priority == 255;
        if !in_group && !owner {
            continue;
        }
        let why = if in_group {
            format!(
                "it is in sync group `{}`",
                i.sync_group.as_deref().unwrap_or_default()
            )
        } else {
            "it is the address owner (priority 255)".to_string()
        };
        let hint = if in_group {
            "add `sync_group_tracking_weight` to the sync group to keep weights, or use weight 0 (FAULT on failure)"
        } else {
            "the owner's priority cannot change: use weight 0 (FAULT on failure)"
        };
        for t in i.track_interface.iter_mut().filter(|t| t.weight != 0) {
            cx.warning(
                t.span,
                format!(
                    "the weight of tracked interface `{}` is ignored: {why}; a failure means FAULT",
                    t.name
                ),
            )
            .hint(hint);
            t.weight = 0;
        }
        let drop_weighted = |cx: &mut Cx, list: &mut Vec<TrackRef>, kind: &str| {
            list.retain(|t| {
                if t.weight == 0 {
                    return true;
                }
                cx.warning(
                    t.span,
                    format!("weighted {kind} `{}` is ignored: {why}", t.name),
                )
                .hint(hint);
                false
            });
        };
        drop_weighted(cx, &mut i.track_script, "track_script");
        drop_weighted(cx, &mut i.track_process, "track_process");
        drop_weighted(cx, &mut i.track_bfd, "track_bfd");
        // A file's weight 1 (its default) becomes 0; other weights drop it (as keepalived).
        for t in i.track_file.iter_mut().filter(|t| t.weight == 1) {
            t.weight = 0;
        }
        drop_weighted(cx, &mut i.track_file, "track_file");
    }
}

/// Sync group members: each names an instance, and an instance is in one group at most.
fn sync_groups(v: &mut Vrrp, cx: &mut Cx, d: &Defaults) {
    let mut member_of: HashMap<String, (String, Span)> = HashMap::new();
    for g in v.sync_groups.iter_mut() {
        g.smtp_alert = g.smtp_alert_given.or(d.smtp_alert).unwrap_or(false);
        g.notify_priority_changes = g
            .notify_priority_changes_given
            .unwrap_or(d.notify_priority_changes);
        let mut kept = Vec::new();
        let mut spans = Vec::new();
        for (name, span) in g.group.iter().zip(&g.group_spans) {
            let Some(inst) = v.instances.iter_mut().find(|i| i.name == *name) else {
                let e = cx.error(
                    *span,
                    format!(
                        "sync group `{}` names `{name}`, which is not a vrrp_instance",
                        g.name
                    ),
                );
                if let Some(h) = suggest(name, v.instances.iter().map(|i| i.name.as_str())) {
                    e.hint(h);
                }
                continue;
            };
            if let Some((other, first)) = member_of.get(name) {
                cx.error(
                    *span,
                    format!("instance `{name}` is already in sync group `{other}`"),
                )
                .related(*first, "first listed here")
                .hint("an instance can be in only one sync group");
                continue;
            }
            member_of.insert(name.clone(), (g.name.clone(), *span));
            inst.sync_group = Some(g.name.clone());
            kept.push(name.clone());
            spans.push(*span);
        }
        if let (1, Some(span)) = (kept.len(), g.group_given) {
            cx.warning(
                span,
                format!(
                    "sync group `{}` has only one instance; this is probably not what you want",
                    g.name
                ),
            )
            .hint("a sync group makes several instances change state together");
        }
        g.group = kept;
        g.group_spans = spans;
    }
}

/// track_group members name instances; static lines name track groups.
fn track_groups(v: &mut Vrrp, cx: &mut Cx) {
    let names: Vec<String> = v.instances.iter().map(|i| i.name.clone()).collect();
    for g in v.track_groups.iter_mut() {
        let mut kept = Vec::new();
        let mut spans = Vec::new();
        for (name, span) in g.instances.iter().zip(&g.instance_spans) {
            if names.contains(name) {
                kept.push(name.clone());
                spans.push(*span);
                continue;
            }
            let d = cx.error(
                *span,
                format!(
                    "track_group `{}` names `{name}`, which is not a vrrp_instance",
                    g.name
                ),
            );
            if let Some(h) = suggest(name, names.iter().map(String::as_str)) {
                d.hint(h);
            }
        }
        g.instances = kept;
        g.instance_spans = spans;
    }
    let groups: Vec<&str> = v.track_groups.iter().map(|g| g.name.as_str()).collect();
    let refs = v
        .static_ipaddress
        .iter_mut()
        .map(|a| (&mut a.track_group, a.track_group_span))
        .chain(
            v.static_routes
                .iter_mut()
                .map(|r| (&mut r.track_group, r.track_group_span)),
        )
        .chain(
            v.static_rules
                .iter_mut()
                .map(|r| (&mut r.track_group, r.track_group_span)),
        );
    for (slot, span) in refs {
        let (Some(name), Some(span)) = (slot.as_ref(), span) else {
            continue;
        };
        if groups.contains(&name.as_str()) {
            continue;
        }
        let d = cx.error(span, format!("`track_group {name}` names no track_group"));
        match suggest(name, groups.iter().copied()) {
            Some(h) => d.hint(h),
            None => d.hint(format!(
                "define it: `track_group {name} {{ group {{ INSTANCE ... }} }}`"
            )),
        };
        *slot = None;
    }
}

/// Static addresses without `dev` go on global `default_interface`.
fn statics(v: &mut Vrrp, d: &Defaults) {
    for a in v.static_ipaddress.iter_mut().filter(|a| a.dev.is_none()) {
        a.dev = Some(d.default_interface.clone());
    }
}

/// Rules without a preference are numbered as keepalived does: 16384 for the first of each
/// family in file order, then counting down.
fn number_rules(v: &mut Vrrp) {
    let mut rules: Vec<&mut super::rule::Rule> = v
        .static_rules
        .iter_mut()
        .chain(
            v.instances
                .iter_mut()
                .flat_map(|i| i.virtual_rules.iter_mut()),
        )
        .filter(|r| !r.preference_given)
        .collect();
    rules.sort_by_key(|r| (r.span.file, r.span.line, r.span.col));
    let mut next: HashMap<Family, u32> = HashMap::new();
    for r in rules {
        let n = next.entry(r.family).or_insert(16384);
        r.preference = *n;
        *n = n.saturating_sub(1);
    }
}

/// garp_group: intervals default to the global ones; an interface belongs to one group.
fn garp_groups(v: &mut Vrrp, cx: &mut Cx, d: &Defaults) {
    let mut seen: HashMap<String, Span> = HashMap::new();
    for g in v.garp_groups.iter_mut() {
        g.garp_interval.get_or_insert(d.garp_interval);
        g.gna_interval.get_or_insert(d.gna_interval);
        let mut keep = Vec::new();
        let mut spans = Vec::new();
        for (name, span) in g.interfaces.iter().zip(&g.interface_spans) {
            if let Some(first) = seen.get(name) {
                cx.warning(
                    *span,
                    format!("interface `{name}` is already in a garp_group; the first one is used"),
                )
                .related(*first, "first garp_group here");
                continue;
            }
            seen.insert(name.clone(), *span);
            keep.push(name.clone());
            spans.push(*span);
        }
        g.interfaces = keep;
        g.interface_spans = spans;
    }
}

fn unused_scripts(v: &Vrrp, cx: &mut Cx) {
    for s in &v.scripts {
        let used = v
            .instances
            .iter()
            .any(|i| i.track_script.iter().any(|t| t.name == s.name))
            || v.sync_groups
                .iter()
                .any(|g| g.track_script.iter().any(|t| t.name == s.name));
        if !used {
            cx.warning(s.name_span, format!("vrrp_script `{}` is not tracked by any instance or sync group; it will not run", s.name))
                .hint(format!("add `track_script {{ {} }}` to a vrrp_instance", s.name));
        }
    }
}
