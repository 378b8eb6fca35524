//! What one state machine needs from the configuration, settled once: the resolved
//! `vrrp_instance` plus the global values it uses (`vrrp_startup_delay`, the garp pacing
//! of its interface's `garp_group` or `vrrp_garp_interval` / `vrrp_gna_interval`).
//!
//! Fields are public so tests and the daemon can build or adjust one directly; the
//! configuration reader has already applied keepalived's inheritance and strict-mode
//! corrections, so nothing here is re-derived.

use std::net::IpAddr;
use std::time::Duration;

use crate::conf::model::vrrp::{self as conf, Address, AuthType, Family, UnicastPeer};
use crate::conf::model::Config;
use crate::wire::vrrp::Version;

/// Gratuitous ARP / unsolicited NA timings (keepalived names in brackets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GarpSettings {
    /// Second burst after taking over; zero: none (`garp_master_delay`, default 5 s).
    pub master_delay: Duration,
    /// Messages per address in each takeover burst (`garp_master_repeat`, default 5).
    pub master_repeat: u32,
    /// Periodic refresh while MASTER (`garp_master_refresh`, default none).
    pub refresh: Option<Duration>,
    /// Messages per address in each refresh (`garp_master_refresh_repeat`, default 1).
    pub refresh_repeat: u32,
    /// Second burst after hearing a lower priority (`garp_lower_prio_delay`).
    pub lower_prio_delay: Duration,
    /// Messages per address when a MASTER hears a lower priority; zero: none
    /// (`garp_lower_prio_repeat`).
    pub lower_prio_repeat: u32,
    /// Gap between two gratuitous ARPs (`garp_group` garp_interval, else
    /// `vrrp_garp_interval`); zero: all at once.
    pub arp_interval: Duration,
    /// Gap between two unsolicited NAs (`gna_interval`, else `vrrp_gna_interval`).
    pub na_interval: Duration,
}

impl Default for GarpSettings {
    fn default() -> Self {
        GarpSettings {
            master_delay: Duration::from_secs(5),
            master_repeat: 5,
            refresh: None,
            refresh_repeat: 1,
            lower_prio_delay: Duration::from_secs(5),
            lower_prio_repeat: 5,
            arp_interval: Duration::ZERO,
            na_interval: Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub name: String,
    pub interface: Option<String>,
    pub vrid: u8,
    pub version: Version,
    pub family: Family,
    /// Configured priority (1-255); 255 is the address owner.
    pub priority: u8,
    /// `state MASTER` (explicit, or implied by priority 255).
    pub initial_master: bool,
    /// Our advertisement interval (VRRPv2: whole seconds; VRRPv3: centiseconds).
    pub advert_int: Duration,
    pub nopreempt: bool,
    pub preempt_delay: Duration,
    /// Accept mode (RFC 5798 6.1): the daemon lets traffic to the VIPs in while MASTER
    /// (false: it installs the drop rules keepalived's no_accept / strict mode installs).
    pub accept: bool,
    pub skip_check_adv_addr: bool,
    /// Adverts must come from a listed peer, within its TTL bounds (instance
    /// `check_unicast_src`, a peer's `min_ttl`/`max_ttl`, or global `vrrp_check_unicast_src`).
    pub check_unicast_src: bool,
    pub unicast_peers: Vec<UnicastPeer>,
    /// TTL / hop limit of unicast adverts (None: the kernel's default).
    pub unicast_ttl: Option<u8>,
    /// Where multicast adverts go; None with unicast peers.
    pub mcast_group: Option<IpAddr>,
    /// `mcast_src_ip` / `unicast_src_ip`; None: the interface's primary address.
    pub src_ip: Option<IpAddr>,
    /// VRRPv2 simple password, zero padded to 8 bytes.
    pub auth_pass: Option<[u8; 8]>,
    pub vips: Vec<Address>,
    pub excluded: Vec<Address>,
    pub garp: GarpSettings,
    pub down_timer_adverts: u32,
    pub lower_prio_no_advert: bool,
    pub higher_prio_send_advert: bool,
    /// Global `vrrp_startup_delay`: a BACKUP's first master-down timer runs from the end
    /// of this delay.
    pub startup_delay: Duration,
    /// A configuration that cannot run (keepalived's num_config_faults): the instance
    /// stays in FAULT with this reason.
    pub config_fault: Option<String>,
    /// The `vrrp_sync_group` it belongs to: its master-down timer alone does not make it
    /// MASTER; the group does ([`super::Instance::sync_ready`]).
    pub sync_group: Option<String>,
}

impl Settings {
    /// From a resolved configuration and one of its instances.
    pub fn from_config(config: &Config, i: &conf::Instance) -> Settings {
        let g = &config.global;
        let group = i.interface.as_ref().and_then(|ifname| {
            config
                .vrrp
                .garp_groups
                .iter()
                .find(|gg| gg.interfaces.iter().any(|x| x == ifname))
        });
        let arp_interval = group
            .and_then(|gg| gg.garp_interval)
            .unwrap_or(g.vrrp_garp_interval);
        let na_interval = group
            .and_then(|gg| gg.gna_interval)
            .unwrap_or(g.vrrp_gna_interval);
        let config_fault =
            (i.given.unicast.is_some() && i.unicast_peer.is_empty() && i.unicast_fault_no_peer)
                .then(|| "unicast without any unicast_peer (unicast_fault_no_peer)".to_string());
        Settings {
            name: i.name.clone(),
            interface: i.interface.clone(),
            vrid: i.virtual_router_id,
            version: if i.version == 3 {
                Version::V3
            } else {
                Version::V2
            },
            family: i.family,
            priority: i.priority,
            initial_master: i.state == conf::State::Master,
            advert_int: i.advert_int,
            nopreempt: i.nopreempt,
            preempt_delay: i.preempt_delay,
            accept: i.accept,
            skip_check_adv_addr: i.skip_check_adv_addr,
            check_unicast_src: i.check_unicast_src,
            unicast_peers: if i.unicast {
                i.unicast_peer.clone()
            } else {
                Vec::new()
            },
            unicast_ttl: i.unicast_ttl,
            mcast_group: i.mcast_dst_ip,
            src_ip: i.src_ip,
            auth_pass: i
                .authentication
                .as_ref()
                .filter(|a| a.auth_type == AuthType::Pass && i.version == 2)
                .map(|a| a.key()),
            vips: i.virtual_ipaddress.clone(),
            excluded: i.virtual_ipaddress_excluded.clone(),
            garp: GarpSettings {
                master_delay: i.garp_master_delay,
                master_repeat: i.garp_master_repeat,
                refresh: i.garp_master_refresh,
                refresh_repeat: i.garp_master_refresh_repeat,
                lower_prio_delay: i.garp_lower_prio_delay,
                lower_prio_repeat: i.garp_lower_prio_repeat,
                arp_interval,
                na_interval,
            },
            down_timer_adverts: i.down_timer_adverts.max(1),
            lower_prio_no_advert: i.lower_prio_no_advert,
            higher_prio_send_advert: i.higher_prio_send_advert,
            startup_delay: g.vrrp_startup_delay,
            config_fault,
            sync_group: i.sync_group.clone(),
        }
    }

    /// Adverts go to unicast peers.
    pub fn unicast(&self) -> bool {
        !self.unicast_peers.is_empty()
    }

    /// The address owner (RFC 3768 / 5798: priority 255).
    pub fn owner(&self) -> bool {
        self.priority == 255
    }
}
