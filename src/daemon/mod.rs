//! `ha run`: the director daemon. This version runs the VRRP instances of a configuration
//! (elections, VIPs, gratuitous ARPs, graceful stop), their tracking (vrrp_script,
//! track_interface, track_file, vrrp_track_process), sync groups and notifications (notify
//! scripts, FIFOs, alert mail); see [`not_acted_on`] for what it reads but does not run
//! yet, which it says at start.

pub mod checks;
pub mod deadline_timer;
pub mod lazy_runner;
pub mod log;
pub mod looker;
pub mod outbox;
pub mod pidfile;
pub mod signals;
pub mod trim;
pub mod vips;
pub mod vrrp_loop;
pub mod wait;

use crate::conf::model::Config;

pub use vrrp_loop::{StartError, VrrpLoop};

/// Parts of a valid configuration this version reads but does not run, one line each,
/// naming where they are. The daemon logs them as warnings at start: never silently.
pub fn not_acted_on(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    for i in &config.vrrp.instances {
        let mut parts: Vec<&str> = Vec::new();
        for (present, what) in [
            (!i.track_bfd.is_empty(), "track_bfd"),
            (!i.virtual_routes.is_empty(), "virtual_routes"),
            (!i.virtual_rules.is_empty(), "virtual_rules"),
        ] {
            if present {
                parts.push(what);
            }
        }
        if !parts.is_empty() {
            out.push(format!(
                "vrrp_instance {}: {} not run by this version of ha",
                i.name,
                parts.join(", ")
            ));
        }
    }
    if !config.vrrp.static_ipaddress.is_empty()
        || !config.vrrp.static_routes.is_empty()
        || !config.vrrp.static_rules.is_empty()
    {
        out.push(
            "static_ipaddress / static_routes / static_rules are not applied by this version of ha"
                .to_string(),
        );
    }
    if !config.lvs.virtual_servers.is_empty() {
        out.push(format!(
            "{} virtual_server block(s): health checks and IPVS are not run by `ha run` yet (use `ha check` for single checks)",
            config.lvs.virtual_servers.len()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_instance_runs_without_reservations() {
        let p = crate::conf::parse_str(
            "t.conf",
            "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  10.0.0.100/24\n }\n}\n",
        );
        assert!(not_acted_on(&p.config).is_empty());
    }

    #[test]
    fn routes_and_virtual_servers_are_named() {
        let p = crate::conf::parse_str(
            "t.conf",
            "vrrp_script chk {\n script \"/bin/true\"\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n track_script {\n  chk\n }\n notify_master /bin/true\n virtual_ipaddress {\n  10.0.0.100/24\n }\n}\nvirtual_server 10.0.0.100 80 {\n real_server 10.0.0.2 80 {\n }\n}\n",
        );
        let lines = not_acted_on(&p.config);
        assert!(
            lines.iter().all(|l| !l.contains("track_script")),
            "tracking and notify scripts run: {lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.contains("virtual_server")),
            "{lines:?}"
        );
    }
}
