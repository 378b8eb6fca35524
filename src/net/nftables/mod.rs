//! keepalived's no_accept firewall (RFC 5798 6.1 Accept_Mode): while an instance without
//! accept mode is MASTER, traffic to and from its VIPs is dropped by nf_tables rules,
//! installed as keepalived 2.2.7 built with nftables (Debian's) installs them: tables
//! `ip` and `ip6` named by `nftables` (default `keepalived`), base chains `in` / `out` at
//! `nftables_priority` (default -1), sets of VIPs filled when an instance becomes MASTER
//! and emptied when it leaves; see [`rules`] for the ruleset.
//!
//! Talks to nf_tables directly over NETLINK_NETFILTER (never through `nft`): one batch
//! per change, every request acknowledged, each call bounded by a deadline.
//!
//! Where ha departs from keepalived on purpose:
//! - A table left by a crash is deleted at start ([`Firewall::remove_leftovers`]);
//!   keepalived deletes it only when it first installs rules, so a leftover table keeps
//!   dropping traffic to the VIPs while it is BACKUP.
//! - Elements are counted per instance: a VIP two instances share stays in the set until
//!   neither is MASTER (keepalived's second add of it fails the whole batch).
//! - A table someone deleted or flushed meanwhile is built again at the next change.
//! - `vrrp_iptables` / `vrrp_ipsets` change nothing: the rules are these nftables ones, in
//!   the table `nftables` names. Debian's keepalived (built without iptables) uses
//!   nftables for them too, but then forces the table name `keepalived`.

mod firewall;
pub mod msg;
pub mod rules;
mod socket;
pub mod uapi;

use std::fmt;
use std::io;
use std::time::Duration;

use crate::conf::model::Config;

pub use firewall::{plan, rebuild, Firewall, Owner, Setup, State};
pub use rules::{Element, Family};

/// The default table name (keepalived's DEFAULT_NFTABLES_TABLE).
pub const DEFAULT_TABLE: &str = "keepalived";
/// How long one call may wait for the kernel's answers.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether an instance needs the drop rules while MASTER: no accept mode, and not the
/// address owner (priority 255 always accepts, as in keepalived's vrrp_handle_accept_mode).
pub fn drops(accept: bool, priority: u8) -> bool {
    !accept && priority != 255
}

/// The global settings of the firewall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirewallConfig {
    /// `nftables [TABLE]`.
    pub table: String,
    /// `nftables_priority`: the base chains' priority.
    pub priority: i32,
    /// `nftables_ifindex`: link-local VIPs always by interface index.
    pub ifindex: bool,
    /// `nftables_counters`: a counter in every rule.
    pub counters: bool,
    /// Deadline of each call.
    pub timeout: Duration,
}

impl FirewallConfig {
    /// keepalived's defaults for a table.
    pub fn new(table: impl Into<String>) -> FirewallConfig {
        FirewallConfig {
            table: table.into(),
            priority: -1,
            ifindex: false,
            counters: false,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The firewall a configuration needs: None when every instance accepts traffic to
    /// its VIPs (keepalived then installs nothing either, whatever `nftables` says).
    pub fn from_config(config: &Config) -> Option<FirewallConfig> {
        if !config
            .vrrp
            .instances
            .iter()
            .any(|i| drops(i.accept, i.priority))
        {
            return None;
        }
        let fw = &config.global.firewall;
        Some(FirewallConfig {
            table: fw
                .nftables
                .as_ref()
                .map_or_else(|| DEFAULT_TABLE.to_string(), |t| t.value.clone()),
            priority: fw.nftables_priority,
            ifindex: fw.nftables_ifindex,
            counters: fw.nftables_counters,
            timeout: DEFAULT_TIMEOUT,
        })
    }
}

/// A firewall call that failed: what it was doing and why ("add the VIP 10.0.0.100 to
/// nftables set `ip keepalived vips`: Operation not permitted (os error 1)").
#[derive(Debug)]
pub struct NftError {
    doing: String,
    cause: Cause,
}

#[derive(Debug)]
enum Cause {
    /// The kernel refused the request with this error; nothing of its batch was applied.
    Kernel(io::Error),
    /// The socket failed.
    Io(io::Error),
    /// No answer within the deadline.
    Timeout(Duration),
}

impl NftError {
    /// What was being done.
    pub fn context(&self) -> &str {
        &self.doing
    }

    /// The kernel's (or the socket's) errno, if there is one.
    pub fn errno(&self) -> Option<i32> {
        match &self.cause {
            Cause::Kernel(e) | Cause::Io(e) => e.raw_os_error(),
            Cause::Timeout(_) => None,
        }
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self.cause, Cause::Timeout(_))
    }

    /// nf_tables needs CAP_NET_ADMIN.
    pub fn is_permission(&self) -> bool {
        self.errno() == Some(nix::libc::EPERM)
    }
}

impl fmt::Display for NftError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Cause::Kernel(e) | Cause::Io(e) => write!(f, "{}: {e}", self.doing),
            Cause::Timeout(d) => write!(
                f,
                "{}: nf_tables did not answer within {:.1} s",
                self.doing,
                d.as_secs_f64()
            ),
        }
    }
}

impl std::error::Error for NftError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            Cause::Kernel(e) | Cause::Io(e) => Some(e),
            Cause::Timeout(_) => None,
        }
    }
}

#[cfg(test)]
mod tests;
