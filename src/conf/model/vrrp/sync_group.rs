//! `vrrp_sync_group NAME { group { VI_1 VI_2 } ... }`: instances that change state
//! together, with their own tracking and notify scripts.

use serde::Serialize;

use super::read::{first_script, name_list, named_block, value_block};
use super::track::{read_track_block, TrackKind, TrackRef};
use crate::conf::ast::Node;
use crate::conf::model::Config;
use crate::conf::schema::{Cx, Kw, Script};
use crate::conf::source::Span;

#[derive(Debug, Clone, Serialize)]
pub struct SyncGroup {
    pub name: String,
    #[serde(skip)]
    pub name_span: Span,
    /// Member instance names (resolved by `resolve`; unknown ones are errors there).
    pub group: Vec<String>,
    #[serde(skip)]
    pub group_spans: Vec<Span>,
    #[serde(skip)]
    pub group_given: Option<Span>,
    pub track_interface: Vec<TrackRef>,
    pub track_script: Vec<TrackRef>,
    pub track_file: Vec<TrackRef>,
    pub track_process: Vec<TrackRef>,
    pub track_bfd: Vec<TrackRef>,
    pub notify_backup: Option<Script>,
    pub notify_master: Option<Script>,
    pub notify_fault: Option<Script>,
    pub notify_stop: Option<Script>,
    /// Called with `GROUP <name> <STATE> <priority>` appended.
    pub notify: Option<Script>,
    /// Default: global smtp_alert_vrrp, else smtp_alert, else off (filled in by `resolve`).
    pub smtp_alert: bool,
    #[serde(skip)]
    pub smtp_alert_given: Option<bool>,
    /// Members may keep non-zero tracking weights.
    pub sync_group_tracking_weight: bool,
    /// Default: global vrrp_notify_priority_changes (members inherit this value).
    pub notify_priority_changes: bool,
    #[serde(skip)]
    pub notify_priority_changes_given: Option<bool>,
}

impl SyncGroup {
    fn new(name: &crate::conf::ast::Token) -> Self {
        SyncGroup {
            name: name.text.to_string(),
            name_span: name.span,
            group: Vec::new(),
            group_spans: Vec::new(),
            group_given: None,
            track_interface: Vec::new(),
            track_script: Vec::new(),
            track_file: Vec::new(),
            track_process: Vec::new(),
            track_bfd: Vec::new(),
            notify_backup: None,
            notify_master: None,
            notify_fault: None,
            notify_stop: None,
            notify: None,
            smtp_alert: false,
            smtp_alert_given: None,
            sync_group_tracking_weight: false,
            notify_priority_changes: false,
            notify_priority_changes_given: None,
        }
    }
}

pub const SYNC_GROUP: &[Kw<SyncGroup>] = &[
    Kw::new("group", |g, n, cx| {
        if let Some(first) = g.group_given {
            cx.error(n.keyword.span, "`group` is given twice in this sync group")
                .related(first, "first `group` here")
                .hint("list every member in one `group { }` block");
            return;
        }
        g.group_given = Some(n.keyword.span);
        let Some(lines) = value_block(cx, n) else {
            return;
        };
        for (name, span) in name_list(lines) {
            if let Some(i) = g.group.iter().position(|x| *x == name) {
                cx.warning(span, format!("`{name}` is listed twice"))
                    .related(g.group_spans[i], "first listed here");
                continue;
            }
            g.group.push(name);
            g.group_spans.push(span);
        }
    }),
    Kw::new("track_interface", |g, n, cx| {
        read_track_block(cx, n, TrackKind::Interface, &mut g.track_interface)
    }),
    Kw::new("track_script", |g, n, cx| {
        read_track_block(cx, n, TrackKind::Script, &mut g.track_script)
    }),
    Kw::new("track_file", |g, n, cx| {
        read_track_block(cx, n, TrackKind::File, &mut g.track_file)
    }),
    Kw::new("track_process", |g, n, cx| {
        read_track_block(cx, n, TrackKind::Process, &mut g.track_process)
    }),
    Kw::not_acted_on("track_bfd", super::bfd::WHY, |g, n, cx| {
        read_track_block(cx, n, TrackKind::Bfd, &mut g.track_bfd)
    }),
    Kw::new("notify_backup", |g, n, cx| {
        first_script(cx, &mut g.notify_backup, n)
    }),
    Kw::new("notify_master", |g, n, cx| {
        first_script(cx, &mut g.notify_master, n)
    }),
    Kw::new("notify_fault", |g, n, cx| {
        first_script(cx, &mut g.notify_fault, n)
    }),
    Kw::new("notify_stop", |g, n, cx| {
        first_script(cx, &mut g.notify_stop, n)
    }),
    Kw::new("notify", |g, n, cx| first_script(cx, &mut g.notify, n)),
    Kw::new("smtp_alert", |g, n, cx| {
        g.smtp_alert_given = Some(cx.flag(n))
    }),
    Kw::deprecated(
        "global_tracking",
        "sync_group_tracking_weight",
        |g, n, cx| {
            cx.no_block(n);
            g.sync_group_tracking_weight = true;
        },
    ),
    Kw::new("sync_group_tracking_weight", |g, n, cx| {
        g.sync_group_tracking_weight = cx.flag(n)
    }),
    Kw::new("notify_priority_changes", |g, n, cx| {
        g.notify_priority_changes_given = Some(cx.flag(n))
    }),
];

pub fn read(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some((name, items)) = named_block(cx, node) else {
        return;
    };
    let mut g = SyncGroup::new(name);
    cx.walk(&mut g, items, SYNC_GROUP, "vrrp_sync_group");
    if g.group_given.is_none() {
        cx.error(
            name.span,
            format!("vrrp_sync_group `{}` has no `group`", g.name),
        )
        .hint("add `group { INSTANCE ... }` naming its vrrp_instances");
    }
    if let Some(first) = config.vrrp.sync_groups.iter().find(|x| x.name == g.name) {
        cx.error(
            name.span,
            format!("vrrp_sync_group `{}` is already defined", g.name),
        )
        .related(first.name_span, "first definition here");
        return;
    }
    config.vrrp.sync_groups.push(g);
}
