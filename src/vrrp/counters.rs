//! Per-instance counters for `ha status` and logs, and the reasons an advert is dropped.
//!
//! keepalived keeps similar figures in `vrrp_stats` (advert_rcvd, ip_ttl_err, chk_err,
//! auth_failure, addr_list_err, pri_zero_sent, become_master, ...); ha counts every drop
//! under one reason, including the drops keepalived only logs (interval mismatch, unicast
//! source not a peer).

use std::fmt;

use serde::Serialize;

/// Why a received advert was not acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Drop {
    /// The instance is not running (INIT, FAULT or stopped): keepalived ignores adverts
    /// there without looking at them.
    NotRunning,
    /// Another virtual router's advert (the daemon normally demultiplexes by VRID).
    Vrid,
    /// Source of the other address family.
    Family,
    /// IPv4 TTL / IPv6 hop limit not 255 on multicast, or outside a unicast peer's
    /// `min_ttl`..`max_ttl`.
    Ttl,
    /// VRRP version other than the instance's.
    Version,
    /// VRRPv2 authentication type unknown, or not the configured one.
    AuthType,
    /// VRRPv2 simple password (8 bytes, zero padded) differs.
    Auth,
    /// VRRPv2 advertisement interval differs from ours.
    Interval,
    /// Address count or the addresses differ from the configured VIPs.
    AddressList,
    /// Bad VRRP checksum.
    Checksum,
    /// Multicast advert on a unicast instance, or the reverse.
    Destination,
    /// Unicast source that is not a `unicast_peer` (with `check_unicast_src`).
    UnicastPeer,
}

impl Drop {
    pub const ALL: [Drop; 12] = [
        Drop::NotRunning,
        Drop::Vrid,
        Drop::Family,
        Drop::Ttl,
        Drop::Version,
        Drop::AuthType,
        Drop::Auth,
        Drop::Interval,
        Drop::AddressList,
        Drop::Checksum,
        Drop::Destination,
        Drop::UnicastPeer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Drop::NotRunning => "not_running",
            Drop::Vrid => "vrid",
            Drop::Family => "family",
            Drop::Ttl => "ttl",
            Drop::Version => "version",
            Drop::AuthType => "auth_type",
            Drop::Auth => "auth",
            Drop::Interval => "interval",
            Drop::AddressList => "address_list",
            Drop::Checksum => "checksum",
            Drop::Destination => "destination",
            Drop::UnicastPeer => "unicast_peer",
        }
    }
}

impl fmt::Display for Drop {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A dropped advert: the reason, and a line for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub reason: Drop,
    /// E.g. "TTL 64, expected 255".
    pub detail: String,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "dropped ({}): {}", self.reason, self.detail)
    }
}

/// Dropped adverts by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Dropped {
    pub not_running: u64,
    pub vrid: u64,
    pub family: u64,
    pub ttl: u64,
    pub version: u64,
    pub auth_type: u64,
    pub auth: u64,
    pub interval: u64,
    pub address_list: u64,
    pub checksum: u64,
    pub destination: u64,
    pub unicast_peer: u64,
}

impl Dropped {
    fn slot(&mut self, d: Drop) -> &mut u64 {
        match d {
            Drop::NotRunning => &mut self.not_running,
            Drop::Vrid => &mut self.vrid,
            Drop::Family => &mut self.family,
            Drop::Ttl => &mut self.ttl,
            Drop::Version => &mut self.version,
            Drop::AuthType => &mut self.auth_type,
            Drop::Auth => &mut self.auth,
            Drop::Interval => &mut self.interval,
            Drop::AddressList => &mut self.address_list,
            Drop::Checksum => &mut self.checksum,
            Drop::Destination => &mut self.destination,
            Drop::UnicastPeer => &mut self.unicast_peer,
        }
    }

    pub fn get(&self, d: Drop) -> u64 {
        match d {
            Drop::NotRunning => self.not_running,
            Drop::Vrid => self.vrid,
            Drop::Family => self.family,
            Drop::Ttl => self.ttl,
            Drop::Version => self.version,
            Drop::AuthType => self.auth_type,
            Drop::Auth => self.auth,
            Drop::Interval => self.interval,
            Drop::AddressList => self.address_list,
            Drop::Checksum => self.checksum,
            Drop::Destination => self.destination,
            Drop::UnicastPeer => self.unicast_peer,
        }
    }

    pub fn total(&self) -> u64 {
        Drop::ALL.iter().map(|d| self.get(*d)).sum()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Adverts handed to the instance.
    pub received: u64,
    /// Adverts that passed every check (whatever they then caused).
    pub accepted: u64,
    pub dropped: Dropped,
    /// Valid adverts of lower priority a BACKUP discarded so that it preempts.
    pub lower_priority_ignored: u64,
    /// Advertisements sent (one per send, however many unicast peers it goes to, as
    /// keepalived's advert_sent).
    pub adverts_sent: u64,
    pub priority_zero_sent: u64,
    pub priority_zero_received: u64,
    pub became_master: u64,
    pub released_master: u64,
    /// Gratuitous ARPs and unsolicited NAs asked for.
    pub announcements_sent: u64,
}

impl Counters {
    pub(crate) fn drop(&mut self, d: Drop) {
        *self.dropped.slot(d) += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vrrp::State;

    /// `ha status` reads these as JSON: keepalived's state names, snake_case counters.
    #[test]
    fn json_shapes() {
        assert_eq!(serde_json::to_value(State::Stopped).unwrap(), "STOP");
        assert_eq!(serde_json::to_value(State::Backup).unwrap(), "BACKUP");
        let mut c = Counters::default();
        c.drop(Drop::AuthType);
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["dropped"]["auth_type"], 1);
        assert_eq!(c.dropped.total(), 1);
        assert_eq!(
            serde_json::to_value(Drop::UnicastPeer).unwrap(),
            "unicast_peer"
        );
        for d in Drop::ALL {
            assert_eq!(serde_json::to_value(d).unwrap(), d.name());
        }
    }
}
