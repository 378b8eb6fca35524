//! What the machine asks its edges to do, in the order it asks.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;

use crate::conf::model::vrrp::Address;
use crate::wire::vrrp::Advert;

/// An instance's state. keepalived's names (INIT, BACKUP, MASTER, FAULT, STOP) are what
/// [`State::name`] gives, for notify scripts and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    /// Built, not started.
    Init,
    Backup,
    Master,
    Fault,
    /// After [`super::Instance::stop`]; nothing more happens.
    #[serde(rename = "STOP")]
    Stopped,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Init => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
            State::Stopped => "STOP",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A state change, with a human reason ("no advert for 3.61 s", "higher priority 150 from
/// 10.0.0.2", "preempting: our priority 120 > 100 from 10.0.0.1", "stop requested").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: State,
    pub to: State,
    pub reason: String,
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} -> {}: {}", self.from, self.to, self.reason)
    }
}

/// One advertisement to put on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendAdvert {
    /// Source address; None: the edge lets the kernel choose (no address known).
    pub src: Option<IpAddr>,
    /// The multicast group, or one unicast peer.
    pub dst: IpAddr,
    /// IPv4 TTL / IPv6 hop limit; None: the kernel's default (IPv6 unicast without
    /// `unicast_ttl`).
    pub ttl: Option<u8>,
    /// Shared with the machine, which sends the same advert every interval.
    pub advert: Arc<Advert>,
}

/// One gratuitous ARP (IPv4) or unsolicited neighbour advertisement (IPv6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announce {
    pub ip: IpAddr,
    /// The address's own `dev`; None: the instance's interface.
    pub dev: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Action {
    /// Send an advert. With unicast peers, one action per peer.
    SendAdvert(SendAdvert),
    /// Becoming MASTER: add these addresses (VIPs, then eVIPs). The daemon also applies
    /// the instance's `virtual_routes` and `virtual_rules` here, and, without accept mode
    /// ([`super::Instance::accept_mode`]), the rules that drop traffic to the VIPs — in
    /// keepalived's order: accept-mode rules, VIPs, eVIPs, routes, rules.
    AddVips {
        vips: Vec<Address>,
        excluded: Vec<Address>,
    },
    /// Leaving MASTER: remove them (rules, routes, VIPs, eVIPs, accept-mode rules).
    RemoveVips {
        vips: Vec<Address>,
        excluded: Vec<Address>,
    },
    /// Gratuitous ARPs / unsolicited NAs to send now, in this order. The machine does the
    /// pacing (`vrrp_garp_interval` / `vrrp_gna_interval`): with a gap configured, each
    /// action holds one message.
    Announce(Vec<Announce>),
    Transition(Transition),
    /// The effective priority changed (tracking, or the address-owner conflict), for
    /// `notify_priority_changes`.
    PriorityChanged {
        from: u8,
        to: u8,
        reason: String,
    },
    /// A MASTER heard a lower priority advert (`notify_master_rx_lower_pri`).
    MasterHeardLower {
        from: IpAddr,
        priority: u8,
    },
}
