//! The VRRP area of keepalived.conf: `vrrp_instance`, `vrrp_sync_group`, the tracked
//! objects (`vrrp_script`, `track_file`, `vrrp_track_process`), `garp_group`,
//! `track_group`, the `static_*` blocks, `linkbeat_interfaces`,
//! `interface_up_down_delays` and `bfd_instance`.
//!
//! Reading (the `ROOT` table) checks each block on its own; [`resolve`] then links names
//! (tracked scripts, sync group members, ...), applies what instances inherit from
//! global_defs, and checks what needs the whole configuration (VRID clashes, ...). Names
//! may be used before their definition, unlike in keepalived.

mod addr;
mod auth;
mod bfd;
mod checks;
mod garp;
mod instance;
mod net;
mod read;
mod resolve;
mod route;
mod rule;
mod statics;
mod sync_group;
#[cfg(test)]
mod tests;
mod track;
mod vmac;

use serde::Serialize;

use super::Config;
use crate::conf::schema::{entries, Cx, Kw, Status};

pub use addr::{AddrKind, Address, Lifetime, UnicastPeer};
pub use auth::{AuthType, Authentication};
pub use bfd::BfdInstance;
pub use garp::{GarpGroup, TrackGroup};
pub use instance::{Given, Instance, OldChecksum, State};
pub use net::{Family, IpNet, Realms, RtId};
pub use route::{Encap, Locked, Nexthop, Route, RouteMetrics, RouteMode, Secs};
pub use rule::{Fwmark, PortRange, Rule, RuleAction};
pub use statics::{LinkbeatInterface, LinkbeatKind, UpDownDelay};
pub use sync_group::SyncGroup;
pub use track::{InitFile, ParamMatch, TrackFile, TrackKind, TrackProcess, TrackRef, VrrpScript};
pub use vmac::{GarpExtraIf, UseIpvlan, UseVmac};

/// Everything the VRRP area reads, in file order within each list.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Vrrp {
    pub instances: Vec<Instance>,
    pub sync_groups: Vec<SyncGroup>,
    pub scripts: Vec<VrrpScript>,
    /// `track_file` blocks (also used by the checkers' FILE_CHECK).
    pub track_files: Vec<TrackFile>,
    pub track_processes: Vec<TrackProcess>,
    pub garp_groups: Vec<GarpGroup>,
    pub track_groups: Vec<TrackGroup>,
    pub static_ipaddress: Vec<Address>,
    pub static_routes: Vec<Route>,
    pub static_rules: Vec<Rule>,
    pub linkbeat_interfaces: Vec<LinkbeatInterface>,
    pub interface_up_down_delays: Vec<UpDownDelay>,
    /// `bfd_instance` blocks (not acted on; also named by the checkers' BFD_CHECK).
    pub bfd_instances: Vec<BfdInstance>,
}

impl Vrrp {
    pub fn instance(&self, name: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.name == name)
    }
}

const LINKBEAT: &str = "link state comes from netlink; polling is not implemented";
const UP_DOWN: &str = "interface up/down debouncing is not implemented";

/// The top-level keywords of the VRRP area.
pub const ROOT: &[Kw<Config>] = &[
    Kw::new("vrrp_instance", instance::read),
    Kw::new("vrrp_sync_group", sync_group::read),
    Kw::new("vrrp_script", track::read_script),
    Kw::new("vrrp_track_process", track::read_process),
    Kw::new("track_file", track::read_file),
    Kw::deprecated("vrrp_track_file", "track_file", track::read_file),
    Kw::new("garp_group", garp::read_garp_group),
    Kw::new("track_group", garp::read_track_group),
    Kw::new("static_ipaddress", statics::read_addresses),
    Kw::new("static_routes", statics::read_routes),
    Kw::new("static_rules", statics::read_rules),
    Kw::not_acted_on("linkbeat_interfaces", LINKBEAT, statics::read_linkbeat),
    Kw::not_acted_on("interface_up_down_delays", UP_DOWN, statics::read_delays),
    Kw::not_acted_on("bfd_instance", bfd::WHY, bfd::read),
];

/// Links names, applies inheritance from global_defs and checks across blocks.
pub fn resolve(config: &mut Config, cx: &mut Cx) {
    resolve::run(config, cx);
}

type Rows = Vec<(&'static str, Status)>;

/// Every keyword table and line grammar of the area, by block path, for
/// docs/COMPATIBILITY.md. `/` is the top level; `(line)` rows are the options of a value
/// block's lines.
pub fn catalogue() -> Vec<(String, Rows)> {
    let mut out: Vec<(String, Rows)> = vec![
        ("/".into(), entries(ROOT)),
        ("vrrp_instance".into(), entries(instance::INSTANCE)),
        ("vrrp_instance/authentication".into(), entries(auth::AUTH)),
        ("vrrp_sync_group".into(), entries(sync_group::SYNC_GROUP)),
        ("vrrp_script".into(), entries(track::SCRIPT)),
        ("vrrp_track_process".into(), entries(track::TRACK_PROCESS)),
        ("track_file".into(), entries(track::TRACK_FILE)),
        ("vrrp_track_file".into(), entries(track::TRACK_FILE)),
        ("garp_group".into(), entries(garp::GARP_GROUP)),
        ("track_group".into(), entries(garp::TRACK_GROUP)),
        ("bfd_instance".into(), bfd::statuses()),
    ];
    let line = |path: &str| format!("{path} (line)");
    out.push((
        line("vrrp_instance/virtual_ipaddress"),
        AddrKind::Vip.opts(),
    ));
    out.push((
        line("vrrp_instance/virtual_ipaddress_excluded"),
        AddrKind::Evip.opts(),
    ));
    out.push((line("static_ipaddress"), AddrKind::Static.opts()));
    let routes = |statics: bool| -> Rows {
        route::ROUTE_OPTS
            .iter()
            .copied()
            .filter(|(n, _)| statics || *n != "track_group")
            .collect()
    };
    let rules = |statics: bool| -> Rows {
        rule::RULE_OPTS
            .iter()
            .copied()
            .filter(|(n, _)| statics || *n != "track_group")
            .collect()
    };
    out.push((line("vrrp_instance/virtual_routes"), routes(false)));
    out.push((line("static_routes"), routes(true)));
    out.push((
        line("vrrp_instance/virtual_routes/nexthop"),
        route::NEXTHOP_OPTS.to_vec(),
    ));
    out.push((line("vrrp_instance/virtual_rules"), rules(false)));
    out.push((line("static_rules"), rules(true)));
    out.push((line("vrrp_instance/unicast_peer"), addr::PEER_OPTS.to_vec()));
    for owner in ["vrrp_instance", "vrrp_sync_group"] {
        for kind in [
            TrackKind::Interface,
            TrackKind::Script,
            TrackKind::File,
            TrackKind::Process,
            TrackKind::Bfd,
        ] {
            let rows = kind
                .opts()
                .iter()
                .map(|&(n, s)| match kind {
                    TrackKind::Bfd => (n, Status::NotActedOn(bfd::WHY)),
                    _ => (n, s),
                })
                .collect();
            out.push((line(&format!("{owner}/{}", kind.keyword())), rows));
        }
    }
    out.push((
        line("linkbeat_interfaces"),
        statics::LINKBEAT_OPTS
            .iter()
            .map(|&(n, _)| (n, Status::NotActedOn(LINKBEAT)))
            .collect(),
    ));
    out
}
