//! `vrrp_instance NAME { ... }`: one virtual router.
//!
//! Reading fills [`Instance`] with what the block says; values inherited from global_defs
//! (garp timings, version, strict mode, ...) and the defaults that depend on other keywords
//! (state from priority and back) are settled by `resolve`, so the order of keywords and
//! blocks in the file does not matter. What was written is kept in [`Given`].

use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

use super::addr::{parse_address, parse_peer, AddrKind, Address, UnicastPeer};
use super::auth::{authentication, AuthType, Authentication};
use super::net::{ip_net_token, Family};
use super::read::{first_script, ifname_token, named_block, overwrites, secs, value_block};
use super::route::{parse_route, Route};
use super::rule::{parse_rule, Rule};
use super::track::{read_track_block, TrackKind, TrackRef};
use super::vmac::{garp_extra_if, use_ipvlan, use_vmac, GarpExtraIf, UseIpvlan, UseVmac, VMAC};
use crate::conf::ast::{Node, Token};
use crate::conf::model::{ser_opt_secs, ser_secs, Config};
use crate::conf::schema::{Cx, Kw, Script};
use crate::conf::source::Span;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum State {
    #[serde(rename = "MASTER")]
    Master,
    #[default]
    #[serde(rename = "BACKUP")]
    Backup,
}

/// `old_unicast_checksum [never]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OldChecksum {
    /// Send the pre-2.0 unicast checksum.
    Use,
    /// Never send it, nor detect it.
    Never,
}

/// What the block said, before inheritance and derived defaults. `resolve` reads it.
#[derive(Debug, Clone, Default)]
pub struct Given {
    pub state: Option<(State, Span)>,
    pub priority: Option<Span>,
    pub version: Option<(u8, Span)>,
    pub advert_int: Option<Span>,
    pub vrid: Option<Span>,
    pub strict_mode: Option<bool>,
    pub skip_check_adv_addr: Option<bool>,
    pub accept: Option<(bool, Span)>,
    pub nopreempt: Option<Span>,
    pub preempt_delay: Option<Span>,
    pub smtp_alert: Option<bool>,
    pub notify_priority_changes: Option<bool>,
    pub garp_master_delay: Option<Duration>,
    pub garp_master_refresh: Option<Option<Duration>>,
    pub garp_master_repeat: Option<u32>,
    pub garp_master_refresh_repeat: Option<u32>,
    pub garp_lower_prio_delay: Option<(Duration, Span)>,
    pub garp_lower_prio_repeat: Option<(u32, Span)>,
    pub down_timer_adverts: Option<(u32, Span)>,
    pub lower_prio_no_advert: Option<(bool, Span)>,
    pub higher_prio_send_advert: Option<(bool, Span)>,
    pub garp_extra_if: Option<GarpExtraIf>,
    /// The first address that fixed the family, and which keyword gave it.
    pub family: Option<(Family, Span, &'static str)>,
    /// A keyword that asks for unicast (`unicast_src_ip`, `unicast_peer`, ...).
    pub unicast: Option<Span>,
    pub unicast_ttl: Option<Span>,
    pub src_ip: Option<Span>,
    pub mcast_dst_ip: Option<Span>,
    pub authentication: Option<Span>,
    pub auth_type: Option<(AuthType, Span)>,
    pub auth_pass: Option<Span>,
    pub vips: Option<Span>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Instance {
    pub name: String,
    #[serde(skip)]
    pub name_span: Span,
    /// Initial state; default MASTER iff priority is 255.
    pub state: State,
    pub interface: Option<String>,
    #[serde(skip)]
    pub interface_span: Option<Span>,
    pub vrf: Option<String>,
    pub use_vmac: Option<UseVmac>,
    pub use_vmac_addr: bool,
    pub vmac_xmit_base: bool,
    pub use_ipvlan: Option<UseIpvlan>,
    /// Advertisements go to these peers instead of the multicast group.
    pub unicast_peer: Vec<UnicastPeer>,
    pub unicast_fault_no_peer: bool,
    pub check_unicast_src: bool,
    pub old_unicast_checksum: Option<OldChecksum>,
    /// From the addresses (VIPs, source, peers); IPv4 when none says.
    pub family: Family,
    pub dont_track_primary: bool,
    pub track_interface: Vec<TrackRef>,
    pub track_script: Vec<TrackRef>,
    pub track_file: Vec<TrackRef>,
    pub track_process: Vec<TrackRef>,
    pub track_bfd: Vec<TrackRef>,
    /// Source address of adverts (`mcast_src_ip` or `unicast_src_ip`).
    pub src_ip: Option<IpAddr>,
    /// Multicast group; None with unicast. Default: global vrrp_mcast_group4/6.
    pub mcast_dst_ip: Option<IpAddr>,
    pub track_src_ip: bool,
    /// 1-255 (mandatory; 0 only while missing, which is an error).
    pub virtual_router_id: u8,
    /// TTL of unicast adverts; None: 255 for IPv4, the kernel's default for IPv6.
    pub unicast_ttl: Option<u8>,
    /// 2 or 3 (global vrrp_version; IPv6 always 3).
    pub version: u8,
    /// 1-255 (default 100; 255 when only `state MASTER` is given).
    pub priority: u8,
    /// Default 1 s; whole seconds with VRRPv2, centiseconds with VRRPv3.
    #[serde(serialize_with = "ser_secs")]
    pub advert_int: Duration,
    pub virtual_ipaddress: Vec<Address>,
    pub virtual_ipaddress_excluded: Vec<Address>,
    pub promote_secondaries: bool,
    pub linkbeat_use_polling: bool,
    pub virtual_routes: Vec<Route>,
    pub virtual_rules: Vec<Rule>,
    /// Accept packets for the VIPs when MASTER (default: yes, except in strict mode unless
    /// priority 255).
    pub accept: bool,
    pub skip_check_adv_addr: bool,
    pub strict_mode: bool,
    pub nopreempt: bool,
    /// Default zero (0-1000 s).
    #[serde(serialize_with = "ser_secs")]
    pub preempt_delay: Duration,
    pub debug: u8,
    pub notify_backup: Option<Script>,
    pub notify_master: Option<Script>,
    pub notify_fault: Option<Script>,
    pub notify_stop: Option<Script>,
    /// Report DELETED (instead of FAULT) when the instance is removed by a reload.
    pub notify_deleted: bool,
    pub notify_deleted_script: Option<Script>,
    #[serde(skip)]
    notify_deleted_span: Option<Span>,
    /// Called with `INSTANCE <name> <STATE> <priority>` appended.
    pub notify: Option<Script>,
    pub notify_master_rx_lower_pri: Option<Script>,
    pub smtp_alert: bool,
    pub notify_priority_changes: bool,
    pub lvs_sync_daemon_interface: Option<String>,
    #[serde(serialize_with = "ser_secs")]
    pub garp_master_delay: Duration,
    /// None: no periodic refresh.
    #[serde(serialize_with = "ser_opt_secs")]
    pub garp_master_refresh: Option<Duration>,
    pub garp_master_repeat: u32,
    pub garp_master_refresh_repeat: u32,
    #[serde(serialize_with = "ser_secs")]
    pub garp_lower_prio_delay: Duration,
    pub garp_lower_prio_repeat: u32,
    pub down_timer_adverts: u32,
    pub garp_extra_if: Option<GarpExtraIf>,
    pub lower_prio_no_advert: bool,
    pub higher_prio_send_advert: bool,
    pub kernel_rx_buf_size: Option<u32>,
    pub authentication: Option<Authentication>,
    /// Set by `resolve`: the sync group this instance belongs to.
    pub sync_group: Option<String>,
    /// Set by `resolve`: adverts are unicast (peers are given).
    pub unicast: bool,
    #[serde(skip)]
    pub given: Given,
}

impl Instance {
    fn new(name: &Token) -> Self {
        Instance {
            name: name.text.to_string(),
            name_span: name.span,
            state: State::Backup,
            interface: None,
            interface_span: None,
            vrf: None,
            use_vmac: None,
            use_vmac_addr: false,
            vmac_xmit_base: false,
            use_ipvlan: None,
            unicast_peer: Vec::new(),
            unicast_fault_no_peer: false,
            check_unicast_src: false,
            old_unicast_checksum: None,
            family: Family::Ipv4,
            dont_track_primary: false,
            track_interface: Vec::new(),
            track_script: Vec::new(),
            track_file: Vec::new(),
            track_process: Vec::new(),
            track_bfd: Vec::new(),
            src_ip: None,
            mcast_dst_ip: None,
            track_src_ip: false,
            virtual_router_id: 0,
            unicast_ttl: None,
            version: 2,
            priority: 100,
            advert_int: Duration::from_secs(1),
            virtual_ipaddress: Vec::new(),
            virtual_ipaddress_excluded: Vec::new(),
            promote_secondaries: false,
            linkbeat_use_polling: false,
            virtual_routes: Vec::new(),
            virtual_rules: Vec::new(),
            accept: true,
            skip_check_adv_addr: false,
            strict_mode: false,
            nopreempt: false,
            preempt_delay: Duration::ZERO,
            debug: 0,
            notify_backup: None,
            notify_master: None,
            notify_fault: None,
            notify_stop: None,
            notify_deleted: false,
            notify_deleted_script: None,
            notify_deleted_span: None,
            notify: None,
            notify_master_rx_lower_pri: None,
            smtp_alert: false,
            notify_priority_changes: false,
            lvs_sync_daemon_interface: None,
            garp_master_delay: Duration::from_secs(5),
            garp_master_refresh: None,
            garp_master_repeat: 5,
            garp_master_refresh_repeat: 1,
            garp_lower_prio_delay: Duration::from_secs(5),
            garp_lower_prio_repeat: 5,
            down_timer_adverts: 3,
            garp_extra_if: None,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            kernel_rx_buf_size: None,
            authentication: None,
            sync_group: None,
            unicast: false,
            given: Given::default(),
        }
    }

    /// Fixes the instance's family with the first address that says, or reports an address
    /// of the other family (keepalived skips it). `what` names the keyword.
    pub fn claim_family(&mut self, cx: &mut Cx, f: Family, at: Span, what: &'static str) -> bool {
        match self.given.family {
            None => {
                self.given.family = Some((f, at, what));
                self.family = f;
                true
            }
            Some((g, _, _)) if g == f => true,
            Some((g, first, by)) => {
                cx.error(
                    at,
                    format!(
                        "{what} is {} but instance `{}` is {}",
                        f.name(),
                        self.name,
                        g.name()
                    ),
                )
                .related(first, format!("{} from this {by}", g.name()))
                .hint("all VIPs, peers and source addresses of an instance share one family; put IPv6 in its own vrrp_instance (eVIPs may mix)");
                false
            }
        }
    }

    fn mark_unicast(&mut self, at: Span) {
        self.given.unicast.get_or_insert(at);
    }
}

fn opt_flag(cx: &mut Cx, n: &Node) -> Option<(bool, Span)> {
    Some((cx.flag(n), n.keyword.span))
}

fn src_ip(i: &mut Instance, n: &Node, cx: &mut Cx, what: &'static str) {
    overwrites(cx, n, i.given.src_ip);
    let Some(t) = cx.value(n) else { return };
    let Some(ip) = ip_net_token(cx, what, t, false).map(|x| x.addr) else {
        return;
    };
    if i.claim_family(cx, Family::of(&ip), t.span, what) {
        i.src_ip = Some(ip);
        i.given.src_ip = Some(n.keyword.span);
    }
}

/// A repeat count where keepalived reads 0 as 1 (with an error); ha notes it.
fn repeat(cx: &mut Cx, n: &Node) -> Option<u32> {
    let v = cx.uint(n, 0, u64::from(u32::MAX))? as u32;
    if v == 0 {
        cx.note(
            n.args[0].span,
            format!(
                "`{}` 0 is read as 1 (at least one message is sent)",
                n.keyword.text
            ),
        );
        return Some(1);
    }
    Some(v)
}

pub const INSTANCE: &[Kw<Instance>] = &[
    Kw::not_acted_on("use_vmac", VMAC, use_vmac),
    Kw::not_acted_on("use_vmac_addr", VMAC, |i, n, cx| {
        i.use_vmac_addr = cx.flag(n)
    }),
    Kw::not_acted_on("vmac_xmit_base", VMAC, |i, n, cx| {
        i.vmac_xmit_base = cx.flag(n)
    }),
    Kw::not_acted_on("use_ipvlan", VMAC, use_ipvlan),
    Kw::new("unicast_peer", |i, n, cx| {
        i.mark_unicast(n.keyword.span);
        let Some(lines) = value_block(cx, n) else {
            return;
        };
        for line in lines {
            let Some((p, bounded)) = parse_peer(cx, line) else {
                continue;
            };
            if !i.claim_family(cx, Family::of(&p.address), p.span, "unicast peer") {
                continue;
            }
            if let Some(first) = i.unicast_peer.iter().find(|x| x.address == p.address) {
                cx.warning(
                    p.span,
                    format!("unicast peer {} is listed twice", p.address),
                )
                .related(first.span, "first listed here");
                continue;
            }
            i.check_unicast_src |= bounded;
            i.unicast_peer.push(p);
        }
    }),
    Kw::new("unicast_fault_no_peer", |i, n, cx| {
        i.mark_unicast(n.keyword.span);
        i.unicast_fault_no_peer = cx.flag(n);
    }),
    Kw::new("check_unicast_src", |i, n, cx| {
        i.mark_unicast(n.keyword.span);
        i.check_unicast_src = cx.flag(n);
    }),
    Kw::not_acted_on(
        "old_unicast_checksum",
        "ha sends the RFC checksum on unicast and accepts both forms",
        |i, n, cx| {
            i.mark_unicast(n.keyword.span);
            let Some(args) = cx.args(n, 0, Some(1)) else {
                return;
            };
            i.old_unicast_checksum = match args.first() {
                None => Some(OldChecksum::Use),
                Some(t) => cx
                    .choice_token("old_unicast_checksum", t, &["never"])
                    .map(|_| OldChecksum::Never),
            };
        },
    ),
    Kw::deprecated("native_ipv6", "virtual_ipaddress", |i, n, cx| {
        cx.no_block(n);
        i.claim_family(cx, Family::Ipv6, n.keyword.span, "native_ipv6");
    }),
    Kw::new("state", |i, n, cx| {
        let Some(t) = cx.value(n) else { return };
        let Some(s) = cx.choice_token("state", t, &["MASTER", "BACKUP"]) else {
            return;
        };
        let s = if s == "MASTER" {
            State::Master
        } else {
            State::Backup
        };
        if let Some((State::Master, first)) = i.given.state {
            if s == State::Backup {
                cx.warning(
                    t.span,
                    "`state BACKUP` after `state MASTER` is ignored, as keepalived",
                )
                .related(first, "MASTER given here");
                return;
            }
        }
        i.given.state = Some((s, t.span));
    }),
    Kw::new("interface", |i, n, cx| {
        overwrites(cx, n, i.interface_span);
        if let Some(t) = cx.value(n) {
            if let Some(name) = ifname_token(cx, "interface", t) {
                if name == "lo" {
                    cx.error(t.span, "VRRP cannot run on the loopback interface");
                    return;
                }
                i.interface = Some(name);
                i.interface_span = Some(t.span);
            }
        }
    }),
    Kw::not_acted_on("vrf", "VRFs are not supported", |i, n, cx| {
        if let Some(t) = cx.value(n) {
            i.vrf = ifname_token(cx, "vrf", t);
        }
    }),
    Kw::new("dont_track_primary", |i, n, cx| {
        i.dont_track_primary = cx.flag(n)
    }),
    Kw::new("track_interface", |i, n, cx| {
        read_track_block(cx, n, TrackKind::Interface, &mut i.track_interface)
    }),
    Kw::new("track_script", |i, n, cx| {
        read_track_block(cx, n, TrackKind::Script, &mut i.track_script)
    }),
    Kw::new("track_file", |i, n, cx| {
        read_track_block(cx, n, TrackKind::File, &mut i.track_file)
    }),
    Kw::new("track_process", |i, n, cx| {
        read_track_block(cx, n, TrackKind::Process, &mut i.track_process)
    }),
    Kw::not_acted_on("track_bfd", super::bfd::WHY, |i, n, cx| {
        read_track_block(cx, n, TrackKind::Bfd, &mut i.track_bfd)
    }),
    Kw::new("mcast_src_ip", |i, n, cx| src_ip(i, n, cx, "mcast_src_ip")),
    Kw::new("unicast_src_ip", |i, n, cx| {
        i.mark_unicast(n.keyword.span);
        src_ip(i, n, cx, "unicast_src_ip")
    }),
    Kw::new("mcast_dst_ip", |i, n, cx| {
        let Some(t) = cx.value(n) else { return };
        let Some(ip) = ip_net_token(cx, "mcast_dst_ip", t, false).map(|x| x.addr) else {
            return;
        };
        let ok = match ip {
            IpAddr::V4(v4) => v4.is_multicast(),
            // Link-local scope multicast: ffX2::/16.
            IpAddr::V6(v6) => v6.segments()[0] & 0xff0f == 0xff02,
        };
        if !ok {
            cx.error(t.span, format!("mcast_dst_ip {ip} is not a suitable multicast address"))
                .hint("IPv4: 224.0.0.0/4 (default 224.0.0.18); IPv6: link-local ff02::/16 (default ff02::12)");
            return;
        }
        if i.claim_family(cx, Family::of(&ip), t.span, "mcast_dst_ip") {
            i.mcast_dst_ip = Some(ip);
            i.given.mcast_dst_ip = Some(n.keyword.span);
        }
    }),
    Kw::not_acted_on(
        "track_src_ip",
        "the source address is not watched",
        |i, n, cx| i.track_src_ip = cx.flag(n),
    ),
    Kw::new("virtual_router_id", |i, n, cx| {
        if let Some(v) = cx.uint(n, 1, 255) {
            overwrites(cx, n, i.given.vrid);
            i.virtual_router_id = v as u8;
            i.given.vrid = Some(n.args[0].span);
        }
    }),
    Kw::new("unicast_ttl", |i, n, cx| {
        if let Some(v) = cx.uint(n, 0, 255) {
            i.unicast_ttl = Some(v as u8);
            i.given.unicast_ttl = Some(n.keyword.span);
        }
    }),
    Kw::new("version", |i, n, cx| {
        if let Some(v) = cx.int(n, 2, 3) {
            i.given.version = Some((v as u8, n.args[0].span));
        }
    }),
    Kw::new("priority", |i, n, cx| {
        if let Some(v) = cx.uint(n, 1, 255) {
            i.priority = v as u8;
            i.given.priority = Some(n.args[0].span);
        }
    }),
    Kw::new("advert_int", |i, n, cx| {
        if let Some(d) = cx.timer(n, Duration::from_millis(10), Duration::from_secs(255)) {
            i.advert_int = d;
            i.given.advert_int = Some(n.args[0].span);
        }
    }),
    Kw::new("virtual_ipaddress", |i, n, cx| {
        i.given.vips.get_or_insert(n.keyword.span);
        let Some(lines) = value_block(cx, n) else {
            return;
        };
        for line in lines {
            let Some(a) = parse_address(cx, line, AddrKind::Vip) else {
                continue;
            };
            if i.claim_family(cx, a.addr.family(), a.span, "VIP") {
                i.virtual_ipaddress.push(a);
            }
        }
    }),
    Kw::new("virtual_ipaddress_excluded", |i, n, cx| {
        let Some(lines) = value_block(cx, n) else {
            return;
        };
        for line in lines {
            // eVIPs are not advertised, so they may be of either family.
            if let Some(a) = parse_address(cx, line, AddrKind::Evip) {
                i.virtual_ipaddress_excluded.push(a);
            }
        }
    }),
    Kw::not_acted_on(
        "promote_secondaries",
        "ha does not change the interface's promote_secondaries setting",
        |i, n, cx| i.promote_secondaries = cx.flag(n),
    ),
    Kw::deprecated("linkbeat_use_polling", "linkbeat_interfaces", |i, n, cx| {
        i.linkbeat_use_polling = cx.flag(n)
    }),
    Kw::new("virtual_routes", |i, n, cx| {
        let Some(lines) = value_block(cx, n) else {
            return;
        };
        for line in lines {
            if let Some(r) = parse_route(cx, line, false) {
                i.virtual_routes.push(r);
            }
        }
    }),
    Kw::new("virtual_rules", |i, n, cx| {
        let Some(lines) = value_block(cx, n) else {
            return;
        };
        for line in lines {
            if let Some(r) = parse_rule(cx, line, false) {
                i.virtual_rules.push(r);
            }
        }
    }),
    Kw::new("accept", |i, n, cx| {
        i.given.accept = Some((cx.flag(n), n.keyword.span));
    }),
    Kw::new("no_accept", |i, n, cx| {
        i.given.accept = Some((!cx.flag(n), n.keyword.span));
    }),
    // keepalived 2.2.7 sets the flag even for `skip_check_adv_addr off`; ha reads the word.
    Kw::new("skip_check_adv_addr", |i, n, cx| {
        i.given.skip_check_adv_addr = Some(cx.flag(n))
    }),
    Kw::new("strict_mode", |i, n, cx| {
        i.given.strict_mode = Some(cx.flag(n))
    }),
    Kw::new("preempt", |i, n, cx| {
        cx.no_block(n);
        i.nopreempt = false;
        i.given.nopreempt = None;
    }),
    Kw::new("nopreempt", |i, n, cx| {
        i.nopreempt = cx.flag(n);
        i.given.nopreempt = i.nopreempt.then_some(n.keyword.span);
    }),
    Kw::new("preempt_delay", |i, n, cx| {
        if let Some(d) = cx.timer(n, Duration::ZERO, Duration::from_secs(1000)) {
            i.preempt_delay = d;
            i.given.preempt_delay = (!d.is_zero()).then_some(n.keyword.span);
        }
    }),
    Kw::not_acted_on(
        "debug",
        "keepalived does not implement it either",
        |i, n, cx| {
            if let Some(v) = cx.uint(n, 0, 4) {
                i.debug = v as u8;
            }
        },
    ),
    Kw::new("notify_backup", |i, n, cx| {
        first_script(cx, &mut i.notify_backup, n)
    }),
    Kw::new("notify_master", |i, n, cx| {
        first_script(cx, &mut i.notify_master, n)
    }),
    Kw::new("notify_fault", |i, n, cx| {
        first_script(cx, &mut i.notify_fault, n)
    }),
    Kw::new("notify_stop", |i, n, cx| {
        first_script(cx, &mut i.notify_stop, n)
    }),
    Kw::new("notify_deleted", |i, n, cx| {
        if let Some(first) = i.notify_deleted_span {
            cx.warning(
                n.keyword.span,
                "`notify_deleted` is given twice; the first one is used",
            )
            .related(first, "first given here");
            return;
        }
        i.notify_deleted = true;
        i.notify_deleted_span = Some(n.keyword.span);
        if !n.args.is_empty() {
            i.notify_deleted_script = cx.script(n);
        } else {
            cx.no_block(n);
        }
    }),
    Kw::new("notify", |i, n, cx| first_script(cx, &mut i.notify, n)),
    Kw::new("notify_master_rx_lower_pri", |i, n, cx| {
        first_script(cx, &mut i.notify_master_rx_lower_pri, n)
    }),
    Kw::new("smtp_alert", |i, n, cx| {
        i.given.smtp_alert = Some(cx.flag(n))
    }),
    Kw::new("notify_priority_changes", |i, n, cx| {
        i.given.notify_priority_changes = Some(cx.flag(n))
    }),
    Kw::deprecated(
        "lvs_sync_daemon_interface",
        "lvs_sync_daemon",
        |i, n, cx| {
            if let Some(t) = cx.value(n) {
                i.lvs_sync_daemon_interface = ifname_token(cx, "lvs_sync_daemon_interface", t);
            }
        },
    ),
    Kw::new("garp_master_delay", |i, n, cx| {
        if let Some(d) = secs(cx, n, 0, 4294) {
            i.given.garp_master_delay = Some(d);
        }
    }),
    Kw::new("garp_master_refresh", |i, n, cx| {
        if let Some(d) = secs(cx, n, 0, u64::from(u32::MAX)) {
            i.given.garp_master_refresh = Some((!d.is_zero()).then_some(d));
        }
    }),
    Kw::new("garp_master_repeat", |i, n, cx| {
        if let Some(v) = repeat(cx, n) {
            i.given.garp_master_repeat = Some(v);
        }
    }),
    Kw::new("garp_master_refresh_repeat", |i, n, cx| {
        if let Some(v) = repeat(cx, n) {
            i.given.garp_master_refresh_repeat = Some(v);
        }
    }),
    Kw::new("garp_lower_prio_delay", |i, n, cx| {
        if let Some(d) = secs(cx, n, 0, 4294) {
            i.given.garp_lower_prio_delay = Some((d, n.keyword.span));
        }
    }),
    Kw::new("garp_lower_prio_repeat", |i, n, cx| {
        if let Some(v) = cx.uint(n, 0, i32::MAX as u64) {
            i.given.garp_lower_prio_repeat = Some((v as u32, n.keyword.span));
        }
    }),
    Kw::new("down_timer_adverts", |i, n, cx| {
        if let Some(v) = cx.uint(n, 1, 100) {
            i.given.down_timer_adverts = Some((v as u32, n.keyword.span));
        }
    }),
    Kw::not_acted_on("garp_extra_if", VMAC, garp_extra_if),
    Kw::deprecated("vmac_garp_intvl", "garp_extra_if", garp_extra_if),
    Kw::new("lower_prio_no_advert", |i, n, cx| {
        i.given.lower_prio_no_advert = opt_flag(cx, n)
    }),
    Kw::new("higher_prio_send_advert", |i, n, cx| {
        i.given.higher_prio_send_advert = opt_flag(cx, n)
    }),
    Kw::not_acted_on(
        "kernel_rx_buf_size",
        "ha sizes its socket buffers itself",
        |i, n, cx| {
            if let Some(v) = cx.uint(n, 0, u64::from(u32::MAX)) {
                i.kernel_rx_buf_size = Some(v as u32);
            }
        },
    ),
    Kw::new("authentication", authentication),
];

/// `vrrp_instance NAME { ... }`.
pub fn read(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some((name, items)) = named_block(cx, node) else {
        return;
    };
    let mut i = Instance::new(name);
    cx.walk(&mut i, items, INSTANCE, "vrrp_instance");
    if i.given.vrid.is_none() {
        cx.error(
            name.span,
            format!("vrrp_instance `{}` has no `virtual_router_id`", i.name),
        )
        .hint("add `virtual_router_id N` (1-255), the same on every peer of this router");
    }
    if let Some(first) = config.vrrp.instances.iter().find(|x| x.name == i.name) {
        cx.error(
            name.span,
            format!("vrrp_instance `{}` is already defined", i.name),
        )
        .related(first.name_span, "first definition here")
        .hint("instance names must be unique");
        return;
    }
    config.vrrp.instances.push(i);
}
