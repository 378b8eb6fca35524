//! Tracking rules, one test each, in virtual time; each names the keepalived 2.2.7
//! function it pins down. Configurations go through the real reader, so line weights,
//! defaults and the reader's sync-group / owner rules are keepalived's.

mod combine;
mod file;
mod iface;
mod process;
mod script;

use std::time::{Duration, Instant};

use crate::conf::diag::Diagnostic;
use crate::conf::model::Config;
use crate::conf::parse_str;
use crate::vrrp::track::{ScriptOutcome, Tracking, Update};

pub fn config(text: &str) -> Config {
    let p = parse_str("keepalived.conf", text);
    assert!(
        !p.diags.has_errors(),
        "configuration errors:\n{}\n--- config:\n{text}",
        p.diags
            .iter()
            .map(Diagnostic::one_line)
            .collect::<Vec<_>>()
            .join("\n")
    );
    p.config
}

/// Tracking for a whole configuration, its first updates drained (and returned).
pub fn tracking(text: &str) -> (Tracking, Vec<Update>) {
    let mut t = Tracking::from_config(&config(text));
    let first = drain(&mut t);
    (t, first)
}

/// `vrrp_instance NAME` on eth0 with VRID `vrid`, `priority`, one VIP, plus `extra`.
pub fn inst(name: &str, vrid: u8, priority: u8, extra: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n priority {priority}\n virtual_ipaddress {{\n  10.0.0.{vrid}/24\n }}\n{extra}\n}}\n"
    )
}

/// `vrrp_script NAME { script "/bin/true" ... }`.
pub fn script(name: &str, extra: &str) -> String {
    format!("vrrp_script {name} {{\n script \"/bin/true\"\n{extra}\n}}\n")
}

pub fn drain(t: &mut Tracking) -> Vec<Update> {
    std::iter::from_fn(|| t.poll_update()).collect()
}

/// The updates other than the log lines.
pub fn effects(t: &mut Tracking) -> Vec<Update> {
    drain(t)
        .into_iter()
        .filter(|u| !matches!(u, Update::Tracker(_)))
        .collect()
}

pub fn ok() -> ScriptOutcome {
    ScriptOutcome::Exited(0)
}

pub fn fail() -> ScriptOutcome {
    ScriptOutcome::Exited(1)
}

pub fn prio(instance: &str, offset: i32, reason: &str) -> Update {
    Update::Priority {
        instance: instance.into(),
        offset,
        reason: reason.into(),
    }
}

pub fn fault(instance: &str, on: bool, reason: &str) -> Update {
    Update::Fault {
        instance: instance.into(),
        on,
        reason: reason.into(),
    }
}

pub fn start(instance: &str) -> Update {
    Update::Start {
        instance: instance.into(),
    }
}

pub fn secs(t0: Instant, s: f64) -> Instant {
    t0 + Duration::from_secs_f64(s)
}
