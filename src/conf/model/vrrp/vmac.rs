//! VMAC and ipvlan keywords of a vrrp_instance: read and checked, not acted on.

use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

use super::instance::Instance;
use super::net::{ip_net_token, IpNet};
use super::read::ifname_token;
use crate::conf::ast::Node;
use crate::conf::model::ser_secs;
use crate::conf::schema::Cx;

pub const VMAC: &str = "VMAC and ipvlan interfaces are not implemented";

/// `use_vmac [IFNAME] [MAC]` (not acted on).
#[derive(Debug, Clone, Default, Serialize)]
pub struct UseVmac {
    pub ifname: Option<String>,
    /// 6 octets, or 5 (the VRID is appended).
    pub mac: Option<String>,
}

/// `use_ipvlan [IFNAME] [IP[/PREFIX]] [bridge|private|vepa]` (not acted on).
#[derive(Debug, Clone, Default, Serialize)]
pub struct UseIpvlan {
    pub ifname: Option<String>,
    pub address: Option<IpNet>,
    /// bridge (default), private or vepa.
    pub mode: Option<String>,
}

/// `garp_extra_if [all] SECS` (not acted on: it serves VMACs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GarpExtraIf {
    pub all_interfaces: bool,
    #[serde(serialize_with = "ser_secs")]
    pub interval: Duration,
}

/// `garp_extra_if` / `vmac_garp_intvl`: `[all] SECS`.
pub fn garp_extra_if(i: &mut Instance, n: &Node, cx: &mut Cx) {
    let Some(args) = cx.args(n, 1, Some(2)) else {
        return;
    };
    let mut all = false;
    let mut secs = None;
    for a in args {
        if a.is("all") {
            all = true;
        } else if let Some(s) = cx.uint_token(&n.keyword.text, a, 0, 86400) {
            secs = Some(s);
        } else {
            return;
        }
    }
    match secs {
        Some(s) => {
            i.given.garp_extra_if = Some(GarpExtraIf {
                all_interfaces: all,
                interval: Duration::from_secs(s),
            })
        }
        None => {
            cx.error(
                n.keyword.span,
                format!("`{}` needs a time in seconds", n.keyword.text),
            );
        }
    }
}

pub fn use_vmac(i: &mut Instance, n: &Node, cx: &mut Cx) {
    let Some(args) = cx.args(n, 0, Some(2)) else {
        return;
    };
    let mut v = UseVmac::default();
    for a in args {
        if a.text.contains(':') {
            let octets: Vec<&str> = a.text.trim_end_matches(':').split(':').collect();
            let valid = (5..=6).contains(&octets.len())
                && octets
                    .iter()
                    .all(|o| (1..=2).contains(&o.len()) && u8::from_str_radix(o, 16).is_ok());
            let first = octets
                .first()
                .and_then(|o| u8::from_str_radix(o, 16).ok())
                .unwrap_or(0);
            if !valid {
                cx.error(a.span, format!("`{}` is not a MAC address", a.text))
                    .hint("6 octets (aa:bb:cc:dd:ee:ff), or 5 to have the VRID appended");
            } else if first & 1 == 1 {
                cx.error(a.span, format!("`{}` is a multicast MAC address", a.text));
            } else if v.mac.replace(a.text.to_string()).is_some() {
                cx.error(a.span, "`use_vmac` takes one MAC address");
            }
        } else if v.ifname.is_some() {
            cx.error(a.span, "`use_vmac` takes one interface name");
        } else {
            v.ifname = ifname_token(cx, "use_vmac", a);
        }
    }
    i.use_vmac = Some(v);
}

pub fn use_ipvlan(i: &mut Instance, n: &Node, cx: &mut Cx) {
    if i.use_ipvlan.is_some() {
        cx.warning(
            n.keyword.span,
            "`use_ipvlan` is given twice; the first one is used",
        );
        return;
    }
    let Some(args) = cx.args(n, 0, Some(3)) else {
        return;
    };
    let mut v = UseIpvlan::default();
    for a in args {
        if matches!(a.text.as_str(), "bridge" | "private" | "vepa") {
            v.mode = Some(a.text.to_string());
        } else if a.text.parse::<IpAddr>().is_ok() || a.text.contains('/') {
            if let Some(net) = ip_net_token(cx, "use_ipvlan", a, true) {
                if i.claim_family(cx, net.family(), a.span, "use_ipvlan address") {
                    v.address = Some(net);
                }
            }
        } else {
            v.ifname = ifname_token(cx, "use_ipvlan", a);
        }
    }
    i.use_ipvlan = Some(v);
}
