//! `status`: a pure function from what was observed on the host to findings, so every
//! half-setup case is unit-tested without touching the system.

use std::net::IpAddr;

use serde::Serialize;

use super::state::State;
use super::{effective, Knob};
use crate::net::rtnl::IfAddr;

/// The four sysctl values as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KnobValues {
    pub all: i64,
    pub dev: i64,
}

impl KnobValues {
    /// What the kernel applies: the larger of `all` and the device's value.
    pub fn effective(&self) -> i64 {
        effective(self.all, self.dev)
    }
}

/// What status looked at.
#[derive(Debug, Clone)]
pub struct Observed {
    pub dev: String,
    /// Administratively up.
    pub dev_up: bool,
    /// Host addresses (/32, /128) on the device, loopback addresses excluded.
    pub vips: Vec<IfAddr>,
    pub arp_ignore: KnobValues,
    pub arp_announce: KnobValues,
    /// The state file, when it is about this device.
    pub state: Option<State>,
}

impl Observed {
    pub fn values(&self, knob: Knob) -> KnobValues {
        match knob {
            Knob::ArpIgnore => self.arp_ignore,
            Knob::ArpAnnounce => self.arp_announce,
        }
    }

    fn has_vip(&self, ip: IpAddr) -> bool {
        self.vips.iter().any(|a| a.addr == ip)
    }
}

/// A reason the setup is only half done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// IPv4 VIPs are on the device but the kernel would still answer ARP (or announce
    /// from them): the real server can steal the VIP from the director.
    KnobTooLow {
        knob: Knob,
        effective: i64,
        vips: Vec<IpAddr>,
    },
    /// VIPs on a device that is down: the kernel drops their local routes, so the real
    /// server does not accept the forwarded packets.
    DeviceDown,
    /// `start` set the sysctls (the state file says so) but no VIP is on the device.
    SysctlsWithoutVip,
    /// A VIP `start` was asked for is no longer on the device.
    VipMissing { vip: IpAddr },
}

impl Finding {
    /// Stable identifier for `--json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Finding::KnobTooLow {
                knob: Knob::ArpIgnore,
                ..
            } => "arp_ignore_too_low",
            Finding::KnobTooLow {
                knob: Knob::ArpAnnounce,
                ..
            } => "arp_announce_too_low",
            Finding::DeviceDown => "device_down",
            Finding::SysctlsWithoutVip => "sysctls_without_vip",
            Finding::VipMissing { .. } => "vip_missing",
        }
    }

    pub fn message(&self, dev: &str) -> String {
        match self {
            Finding::KnobTooLow {
                knob,
                effective,
                vips,
            } => {
                let list: Vec<String> = vips.iter().map(|v| v.to_string()).collect();
                let harm = match knob {
                    Knob::ArpIgnore => "this host answers ARP requests for",
                    Knob::ArpAnnounce => "this host may announce in ARP",
                };
                format!(
                    "VIPs on {dev} but effective {} is {effective} (needs >= {}): {harm} {}",
                    knob.name(),
                    knob.required(),
                    list.join(", ")
                )
            }
            Finding::DeviceDown => format!(
                "{dev} is down, so its VIPs receive nothing (`ha rs-arp start` brings it up)"
            ),
            Finding::SysctlsWithoutVip => format!(
                "the ARP sysctls are set by `ha rs-arp start` but no VIP is on {dev} \
                 (`ha rs-arp stop` restores them)"
            ),
            Finding::VipMissing { vip } => {
                format!("VIP {vip} was set up by `ha rs-arp start` but is not on {dev}")
            }
        }
    }
}

/// Everything wrong with the observed setup; empty when it is complete (or absent).
pub fn analyze(o: &Observed) -> Vec<Finding> {
    let mut out = Vec::new();
    let present: Vec<IpAddr> = o.vips.iter().map(|a| a.addr).collect();
    // ARP is IPv4 only; IPv6 VIPs on lo are never answered for on other links.
    let v4: Vec<IpAddr> = present.iter().copied().filter(IpAddr::is_ipv4).collect();
    if !v4.is_empty() {
        for knob in Knob::ALL {
            let effective = o.values(knob).effective();
            if effective < knob.required() {
                out.push(Finding::KnobTooLow {
                    knob,
                    effective,
                    vips: v4.clone(),
                });
            }
        }
    }
    if !present.is_empty() && !o.dev_up {
        out.push(Finding::DeviceDown);
    }
    if let Some(state) = &o.state {
        if present.is_empty() {
            out.push(Finding::SysctlsWithoutVip);
        }
        for &vip in state.vips.iter().chain(&state.added) {
            let seen = out
                .iter()
                .any(|f| matches!(f, Finding::VipMissing { vip: v } if *v == vip));
            if !o.has_vip(vip) && !seen {
                out.push(Finding::VipMissing { vip });
            }
        }
    }
    out
}

/// One VIP line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VipStatus {
    /// `192.0.2.1/32`, or the bare address when it is missing.
    pub address: String,
    pub present: bool,
    /// Named by `start` (recorded in the state file).
    pub recorded: bool,
    /// Added by `start` (a plain `stop` removes it).
    pub added_by_ha: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnobStatus {
    pub all: i64,
    pub dev: i64,
    pub effective: i64,
    pub required: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SysctlStatus {
    pub arp_ignore: KnobStatus,
    pub arp_announce: KnobStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub kind: &'static str,
    pub message: String,
}

/// What `status --json` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    pub dev: String,
    /// No warnings: the setup is complete, or nothing is set up.
    pub ok: bool,
    /// VIPs present and nothing wrong.
    pub complete: bool,
    pub vips: Vec<VipStatus>,
    pub sysctls: SysctlStatus,
    pub state_file: String,
    pub state: Option<State>,
    pub warnings: Vec<Warning>,
}

pub fn report(o: &Observed, state_file: &str) -> StatusReport {
    let findings = analyze(o);
    let recorded = |ip: IpAddr| o.state.as_ref().is_some_and(|s| s.vips.contains(&ip));
    let added = |ip: IpAddr| o.state.as_ref().is_some_and(|s| s.added.contains(&ip));
    let mut vips: Vec<VipStatus> = o
        .vips
        .iter()
        .map(|a| VipStatus {
            address: a.to_string(),
            present: true,
            recorded: recorded(a.addr),
            added_by_ha: added(a.addr),
        })
        .collect();
    for f in &findings {
        if let Finding::VipMissing { vip } = f {
            vips.push(VipStatus {
                address: vip.to_string(),
                present: false,
                recorded: recorded(*vip),
                added_by_ha: added(*vip),
            });
        }
    }
    let knob = |k: Knob| {
        let v = o.values(k);
        KnobStatus {
            all: v.all,
            dev: v.dev,
            effective: v.effective(),
            required: k.required(),
        }
    };
    StatusReport {
        dev: o.dev.clone(),
        ok: findings.is_empty(),
        complete: findings.is_empty() && !o.vips.is_empty(),
        vips,
        sysctls: SysctlStatus {
            arp_ignore: knob(Knob::ArpIgnore),
            arp_announce: knob(Knob::ArpAnnounce),
        },
        state_file: state_file.to_owned(),
        state: o.state.clone(),
        warnings: findings
            .iter()
            .map(|f| Warning {
                kind: f.kind(),
                message: f.message(&o.dev),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rsarp::state::SavedSysctl;
    use crate::rsarp::Conf;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn observed(vips: &[&str], ignore: (i64, i64), announce: (i64, i64)) -> Observed {
        Observed {
            dev: "lo".into(),
            dev_up: true,
            vips: vips.iter().map(|v| IfAddr::host(ip(v))).collect(),
            arp_ignore: KnobValues {
                all: ignore.0,
                dev: ignore.1,
            },
            arp_announce: KnobValues {
                all: announce.0,
                dev: announce.1,
            },
            state: None,
        }
    }

    fn state(vips: &[&str], added: &[&str]) -> State {
        let mut s = State::new(
            "lo",
            vec![SavedSysctl {
                conf: Conf::All,
                knob: Knob::ArpIgnore,
                value: 0,
            }],
        );
        s.vips = vips.iter().map(|v| ip(v)).collect();
        s.added = added.iter().map(|v| ip(v)).collect();
        s
    }

    #[test]
    fn nothing_set_up_is_fine() {
        assert!(analyze(&observed(&[], (0, 0), (0, 0))).is_empty());
        // Hardened hosts set arp_ignore without any VIP: not our business.
        assert!(analyze(&observed(&[], (1, 0), (2, 0))).is_empty());
    }

    #[test]
    fn complete_setup_is_fine() {
        let mut o = observed(&["192.0.2.1", "2001:db8::1"], (1, 1), (2, 2));
        o.state = Some(state(&["192.0.2.1", "2001:db8::1"], &["192.0.2.1"]));
        assert!(analyze(&o).is_empty());
        let r = report(&o, "/run/ha/rs-arp.json");
        assert!(r.ok && r.complete);
        assert_eq!(r.vips.len(), 2);
        assert!(r.vips[0].added_by_ha && !r.vips[1].added_by_ha);
    }

    #[test]
    fn effective_is_the_max_of_all_and_dev() {
        // all=0 but lo=1: the kernel uses max, so this is complete.
        assert!(analyze(&observed(&["192.0.2.1"], (0, 1), (2, 0))).is_empty());
        assert!(analyze(&observed(&["192.0.2.1"], (3, 0), (2, 2))).is_empty());
    }

    #[test]
    fn vip_without_sysctls_is_flagged_per_knob() {
        let f = analyze(&observed(&["192.0.2.1"], (0, 0), (1, 1)));
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[0],
            Finding::KnobTooLow {
                knob: Knob::ArpIgnore,
                effective: 0,
                vips: vec![ip("192.0.2.1")]
            }
        );
        assert_eq!(f[1].kind(), "arp_announce_too_low");
        assert!(f[0]
            .message("lo")
            .contains("effective arp_ignore is 0 (needs >= 1)"));
    }

    #[test]
    fn vips_on_a_down_device_are_flagged() {
        let mut o = observed(&["192.0.2.1"], (1, 1), (2, 2));
        o.dev_up = false;
        assert_eq!(analyze(&o), vec![Finding::DeviceDown]);
        // Nothing on it: a down device is none of our business.
        let mut o = observed(&[], (0, 0), (0, 0));
        o.dev_up = false;
        assert!(analyze(&o).is_empty());
    }

    #[test]
    fn ipv6_vips_need_no_arp_sysctls() {
        assert!(analyze(&observed(&["2001:db8::1"], (0, 0), (0, 0))).is_empty());
        let f = analyze(&observed(&["2001:db8::1", "192.0.2.1"], (0, 0), (2, 2)));
        assert_eq!(
            f,
            vec![Finding::KnobTooLow {
                knob: Knob::ArpIgnore,
                effective: 0,
                vips: vec![ip("192.0.2.1")]
            }]
        );
    }

    #[test]
    fn sysctls_without_vip_only_when_we_set_them() {
        let mut o = observed(&[], (1, 1), (2, 2));
        o.state = Some(state(&["192.0.2.1"], &["192.0.2.1"]));
        let f = analyze(&o);
        assert!(f.contains(&Finding::SysctlsWithoutVip));
        assert!(f.contains(&Finding::VipMissing {
            vip: ip("192.0.2.1")
        }));
    }

    #[test]
    fn recorded_vip_missing_is_reported_once() {
        let mut o = observed(&["192.0.2.1"], (1, 1), (2, 2));
        o.state = Some(state(&["192.0.2.1", "192.0.2.2"], &["192.0.2.2"]));
        let f = analyze(&o);
        assert_eq!(
            f,
            vec![Finding::VipMissing {
                vip: ip("192.0.2.2")
            }]
        );
        let r = report(&o, "x");
        assert!(!r.ok && !r.complete);
        assert_eq!(r.vips[1].address, "192.0.2.2");
        assert!(!r.vips[1].present && r.vips[1].added_by_ha);
    }

    #[test]
    fn report_json_has_stable_fields() {
        let o = observed(&["192.0.2.1"], (0, 0), (2, 2));
        let v = serde_json::to_value(report(&o, "/run/ha/rs-arp.json")).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["sysctls"]["arp_ignore"]["effective"], 0);
        assert_eq!(v["sysctls"]["arp_announce"]["required"], 2);
        assert_eq!(v["warnings"][0]["kind"], "arp_ignore_too_low");
        assert_eq!(v["vips"][0]["address"], "192.0.2.1/32");
        assert!(v["state"].is_null());
    }
}
