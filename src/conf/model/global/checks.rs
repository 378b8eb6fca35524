//! Checks that need the whole global area: several `global_defs` blocks may set the
//! keywords involved, so they run after the whole file is read.

use super::{Fifo, Global};
use crate::conf::schema::Cx;

/// Notifiers that share one FIFO: keepalived writes each event once, so it drops the
/// vrrp or lvs FIFO that repeats the global one, and of two scripts on the vrrp and lvs
/// FIFO keeps the vrrp one. ha does the same and says so.
pub(super) fn shared_fifos(g: &mut Global, cx: &mut Cx) {
    let same = |a: &Option<Fifo>, b: &Option<Fifo>| match (a, b) {
        (Some(a), Some(b)) => a.path == b.path,
        _ => false,
    };
    for lvs in [false, true] {
        let (fifo, script, name) = if lvs {
            (
                &mut g.lvs_notify_fifo,
                &mut g.lvs_notify_fifo_script,
                "lvs_notify_fifo",
            )
        } else {
            (
                &mut g.vrrp_notify_fifo,
                &mut g.vrrp_notify_fifo_script,
                "vrrp_notify_fifo",
            )
        };
        if same(&g.notify_fifo, fifo) {
            if let (Some(f), Some(global)) = (fifo.as_ref(), g.notify_fifo.as_ref()) {
                cx.warning(
                    f.span,
                    format!("`{name}` is the same FIFO as `notify_fifo`; it is ignored"),
                )
                .related(global.span, "`notify_fifo` set here")
                .hint("`notify_fifo` already receives every event");
            }
            *fifo = None;
            *script = None;
        }
    }
    if same(&g.vrrp_notify_fifo, &g.lvs_notify_fifo) {
        if let (Some(lvs), Some(vrrp)) = (&g.lvs_notify_fifo_script, &g.vrrp_notify_fifo_script) {
            cx.warning(
                lvs.span,
                "`lvs_notify_fifo_script` is ignored: the FIFO is shared with \
                 `vrrp_notify_fifo`, whose script runs",
            )
            .related(vrrp.span, "`vrrp_notify_fifo_script` set here");
            g.lvs_notify_fifo_script = None;
        }
    }
    for (fifo, script, name) in [
        (&g.notify_fifo, &g.notify_fifo_script, "notify_fifo_script"),
        (
            &g.vrrp_notify_fifo,
            &g.vrrp_notify_fifo_script,
            "vrrp_notify_fifo_script",
        ),
        (
            &g.lvs_notify_fifo,
            &g.lvs_notify_fifo_script,
            "lvs_notify_fifo_script",
        ),
    ] {
        if let (None, Some(s)) = (fifo, script) {
            let fifo_kw = name.trim_end_matches("_script");
            cx.warning(
                s.span,
                format!("`{name}` is never run: `{fifo_kw}` is not set"),
            );
        }
    }
}

/// Alert mail switched on globally with no server or no recipient.
pub(super) fn mail_checks(g: &Global, cx: &mut Cx) {
    const NAMES: [&str; 3] = ["smtp_alert", "smtp_alert_vrrp", "smtp_alert_checker"];
    let Some((kw, span)) = NAMES
        .iter()
        .zip(g.smtp_alert_on)
        .find_map(|(k, s)| s.map(|s| (k, s)))
    else {
        return;
    };
    let missing = match (&g.smtp_server, g.notification_email.is_empty()) {
        (None, true) => "`smtp_server` and `notification_email` are not set",
        (None, false) => "`smtp_server` is not set",
        (Some(_), true) => "`notification_email` is empty",
        (Some(_), false) => return,
    };
    cx.warning(
        span,
        format!("`{kw}` is on but no alert mail can be sent: {missing}"),
    );
}
