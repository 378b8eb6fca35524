//! The global area: the top-level scalar keywords (`net_namespace`, `instance`,
//! `child_wait_time`, ...) and `global_defs`, which may appear several times and merges.
//!
//! Conventions of [`Global`]:
//! - A field is named after its keyword (`vrrp_garp_master_delay`, `smtp_connect_timeout`),
//!   so the vrrp and lvs areas find the defaults their instances and servers inherit.
//!   Keywords ha does not act on are grouped in sub-structs ([`Processes`], [`Snmp`],
//!   [`Firewall`], [`Buffers`], [`Reload`]) under the same names.
//! - keepalived's defaults are applied. `Option` means "not given" where keepalived's
//!   default is not a value (e.g. `router_id` = the host name, found at run time).
//! - Times are [`Duration`]s (decimal seconds in `config show`); keywords that keepalived
//!   reads as whole seconds or microseconds are converted on reading.
//! - Spans that later passes point at (interfaces, paths, users, referenced names) are kept
//!   in `#[serde(skip)]` fields or in [`Spanned`] values.

mod checks;
mod defs;
mod lines;
#[cfg(test)]
pub(super) mod tests;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use serde::Serialize;

use super::{ser_opt_secs, ser_secs, Config};
use crate::conf::ast::Node;
use crate::conf::schema::{entries, Cx, Kw, Script, Status};
use crate::conf::source::Span;

pub use defs::DEFS;

/// A value and where it was written (serialized as the bare value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T: Serialize> Serialize for Spanned<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

/// Everything the global area reads.
#[derive(Debug, Clone, Serialize)]
pub struct Global {
    // ---- top level, outside global_defs (none acted on by ha) ----
    pub linkbeat_use_polling: bool,
    pub net_namespace: Option<Spanned<String>>,
    /// The namespace for IPVS; an empty name is the default (init) namespace.
    pub net_namespace_ipvs: Option<Spanned<String>>,
    pub namespace_with_ipsets: bool,
    /// Set by `use_pid_dir`, and implied by `net_namespace` and `instance`.
    pub use_pid_dir: bool,
    pub instance: Option<Spanned<String>>,
    /// How long the parent waits for its children at exit (default 5 s).
    #[serde(serialize_with = "ser_secs")]
    pub child_wait_time: Duration,

    // ---- identity and alert mail ----
    /// None: the host name (see [`Global::router_id_or`]).
    pub router_id: Option<String>,
    /// None: `<user>@<host name>`, only when `smtp_server` is set.
    pub notification_email_from: Option<String>,
    pub smtp_server: Option<SmtpServer>,
    /// None: the host name, when `smtp_server` is set.
    pub smtp_helo_name: Option<String>,
    /// Default 30 s (whole seconds in the file).
    #[serde(serialize_with = "ser_secs")]
    pub smtp_connect_timeout: Duration,
    /// Every address of every `notification_email` block, in order.
    pub notification_email: Vec<Spanned<String>>,
    /// Global default of every smtp_alert; None: not given (see the `*_default` helpers).
    pub smtp_alert: Option<bool>,
    /// Default for vrrp instances and sync groups; falls back to `smtp_alert`.
    pub smtp_alert_vrrp: Option<bool>,
    /// Default for virtual and real servers; falls back to `smtp_alert`.
    pub smtp_alert_checker: Option<bool>,
    /// No mail when an instance enters FAULT.
    pub no_email_faults: bool,
    /// No mail from the checkers.
    pub no_checker_emails: bool,

    // ---- scripts and FIFOs ----
    /// None: `keepalived_script` if that user exists, else the user ha runs as.
    pub script_user: Option<ScriptUser>,
    pub enable_script_security: bool,
    pub startup_script: Option<Script>,
    /// Default 10 s (whole seconds, 1-1000).
    #[serde(serialize_with = "ser_secs")]
    pub startup_script_timeout: Duration,
    pub shutdown_script: Option<Script>,
    #[serde(serialize_with = "ser_secs")]
    pub shutdown_script_timeout: Duration,
    pub notify_fifo: Option<Fifo>,
    /// Run with the FIFO's path appended as its last argument.
    pub notify_fifo_script: Option<Script>,
    pub vrrp_notify_fifo: Option<Fifo>,
    pub vrrp_notify_fifo_script: Option<Script>,
    pub lvs_notify_fifo: Option<Fifo>,
    pub lvs_notify_fifo_script: Option<Script>,
    /// Also write effective-priority changes to the FIFOs.
    pub vrrp_notify_priority_changes: bool,
    pub fifo_write_vrrp_states_on_reload: bool,

    // ---- VRRP defaults (instances inherit them) ----
    /// Interface of static addresses, routes and rules without `dev` (default eth0).
    pub default_interface: String,
    /// Where `default_interface` was given; None when it is the default.
    #[serde(skip)]
    pub default_interface_span: Option<Span>,
    pub dynamic_interfaces: bool,
    /// `dynamic_interfaces allow_if_changes`.
    pub dynamic_interfaces_allow_if_changes: bool,
    pub disable_local_igmp: bool,
    /// Default 224.0.0.18.
    pub vrrp_mcast_group4: Ipv4Addr,
    /// Default ff02::12.
    pub vrrp_mcast_group6: Ipv6Addr,
    /// Delay of the second gratuitous ARP/NA burst after becoming MASTER; zero = no second
    /// burst (default 5 s, whole seconds).
    #[serde(serialize_with = "ser_secs")]
    pub vrrp_garp_master_delay: Duration,
    /// Messages per burst on becoming MASTER (default 5, at least 1).
    pub vrrp_garp_master_repeat: u32,
    /// Period of gratuitous ARP/NA refreshes while MASTER; None = no refresh (default).
    #[serde(serialize_with = "ser_opt_secs")]
    pub vrrp_garp_master_refresh: Option<Duration>,
    /// Messages per refresh (default 1).
    pub vrrp_garp_master_refresh_repeat: u32,
    /// Delay of the second burst when a lower-priority advert is seen while MASTER
    /// (default: `vrrp_garp_master_delay`).
    #[serde(serialize_with = "ser_secs")]
    pub vrrp_garp_lower_prio_delay: Duration,
    /// Messages per lower-priority burst; 0 = none (default: `vrrp_garp_master_repeat`).
    pub vrrp_garp_lower_prio_repeat: u32,
    /// Gap between gratuitous ARP messages on one interface (default zero).
    #[serde(serialize_with = "ser_secs")]
    pub vrrp_garp_interval: Duration,
    /// Gap between unsolicited neighbour advertisements on one interface (default zero).
    #[serde(serialize_with = "ser_secs")]
    pub vrrp_gna_interval: Duration,
    /// Makes the unset garp defaults minimal: repeat 1, no refresh, no second burst.
    /// Already applied to the `vrrp_garp_*` fields above.
    pub vrrp_min_garp: bool,
    pub vrrp_garp_extra_if: Option<GarpExtraIf>,
    /// Adverts missed before a BACKUP declares the MASTER down (1-100, default 3).
    pub vrrp_down_timer_adverts: u32,
    /// Default false (instances in strict mode force it on).
    pub vrrp_lower_prio_no_advert: bool,
    pub vrrp_higher_prio_send_advert: bool,
    /// 2 or 3 (default 2; IPv6 instances always use 3).
    pub vrrp_version: u8,
    pub vrrp_check_unicast_src: bool,
    pub vrrp_skip_check_adv_addr: bool,
    pub vrrp_strict: bool,
    /// Delay of VRRP start-up (default zero).
    #[serde(serialize_with = "ser_secs")]
    pub vrrp_startup_delay: Duration,
    pub log_unknown_vrids: bool,
    pub vmac_prefix: Option<Spanned<String>>,
    pub vmac_addr_prefix: Option<Spanned<String>>,

    // ---- LVS and checker defaults ----
    pub lvs_timeouts: LvsTimeouts,
    /// Flush IPVS at start-up.
    pub lvs_flush: bool,
    pub lvs_flush_on_stop: LvsFlushOnStop,
    pub lvs_sync_daemon: Option<LvsSyncDaemon>,
    /// Default of the checkers' `log_all_failures`.
    pub checker_log_all_failures: bool,
    /// Notify the initial state of real servers.
    pub rs_init_notifies: bool,

    // ---- accepted, not acted on ----
    pub processes: Processes,
    pub snmp: Snmp,
    pub dbus: Dbus,
    pub firewall: Firewall,
    pub buffers: Buffers,
    pub reload: Reload,
    /// Mode bits (default 0o022).
    pub umask: u32,
    /// Seed of `${_RANDOM}`; None = time-based.
    pub random_seed: Option<u32>,
    pub data_use_instance: bool,

    /// The garp values written in the file, before `vrrp_min_garp` and the
    /// lower-priority defaults are applied (see [`Global::apply_garp_defaults`]).
    #[serde(skip)]
    garp_given: GarpGiven,
    /// Where `smtp_alert`, `smtp_alert_vrrp`, `smtp_alert_checker` turned alert mail on
    /// (None when off or not given), for the mail checks.
    #[serde(skip)]
    smtp_alert_on: [Option<Span>; 3],
}

/// `smtp_server HOST [PORT]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmtpServer {
    pub host: SmtpHost,
    /// Default 25.
    pub port: u16,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SmtpHost {
    Ip(IpAddr),
    /// Resolved when mail is sent.
    Name(String),
}

impl std::fmt::Display for SmtpHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmtpHost::Ip(ip) => ip.fmt(f),
            SmtpHost::Name(n) => f.write_str(n),
        }
    }
}

/// `script_user USER [GROUP]`; the group defaults to the user's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScriptUser {
    pub user: Spanned<String>,
    pub group: Option<Spanned<String>>,
}

/// `*notify_fifo PATH [USER [GROUP]]`: the FIFO's owner, by default the script user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fifo {
    pub path: String,
    pub user: Option<Spanned<String>>,
    pub group: Option<Spanned<String>>,
    /// The path word.
    #[serde(skip)]
    pub span: Span,
}

/// `vrrp_garp_extra_if [all] SECS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GarpExtraIf {
    /// Every interface an instance uses, not only VMACs.
    pub all_interfaces: bool,
    #[serde(serialize_with = "ser_secs")]
    pub interval: Duration,
}

/// `lvs_timeouts [tcp S] [tcpfin S] [udp S]`; None leaves the kernel's value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LvsTimeouts {
    #[serde(serialize_with = "ser_opt_secs")]
    pub tcp: Option<Duration>,
    #[serde(serialize_with = "ser_opt_secs")]
    pub tcpfin: Option<Duration>,
    #[serde(serialize_with = "ser_opt_secs")]
    pub udp: Option<Duration>,
}

/// What `lvs_flush_on_stop` removes from IPVS when ha stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LvsFlushOnStop {
    /// Nothing beyond what ha's own shutdown removes (default).
    #[default]
    Off,
    /// The whole IPVS table.
    Full,
    /// `VS`: each configured virtual server only.
    VirtualServers,
}

/// `lvs_sync_daemon IF [inst NAME] [id N] [maxlen N] [port N] [ttl N] [group IP]`.
/// None = the kernel's default (sync id: the instance's VRID, or 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LvsSyncDaemon {
    pub interface: Spanned<String>,
    /// A `vrrp_instance` name (checked by the vrrp area).
    pub vrrp_instance: Option<Spanned<String>>,
    pub sync_id: Option<u8>,
    pub maxlen: Option<u16>,
    pub port: Option<u16>,
    pub ttl: Option<u8>,
    pub group: Option<IpAddr>,
}

/// Process names, scheduling and limits: ha is one process and does not change these.
#[derive(Debug, Clone, Serialize)]
pub struct Processes {
    pub process_names: bool,
    pub process_name: Option<String>,
    pub vrrp_process_name: Option<String>,
    pub checker_process_name: Option<String>,
    pub bfd_process_name: Option<String>,
    /// Realtime priority ceiling: 0 = none (default), -1 = disabled, else 1-99.
    pub max_auto_priority: i32,
    /// Default 1 s (microseconds in the file).
    #[serde(serialize_with = "ser_secs")]
    pub min_auto_priority_delay: Duration,
    pub vrrp: ProcessTuning,
    pub checker: ProcessTuning,
    pub bfd: ProcessTuning,
}

/// `<p>_priority`, `<p>_no_swap`, `<p>_rt_priority`, `<p>_cpu_affinity`,
/// `<p>_rlimit_rttime` for p = vrrp, checker, bfd.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessTuning {
    /// Nice value, -20..19 (default 0).
    pub priority: i8,
    pub no_swap: bool,
    /// SCHED_RR priority 1-99; None = not realtime.
    pub rt_priority: Option<u8>,
    pub cpu_affinity: Vec<u32>,
    /// RLIMIT_RTTIME (default 10 ms; microseconds in the file).
    #[serde(serialize_with = "ser_secs")]
    pub rlimit_rttime: Duration,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Snmp {
    pub snmp_socket: Option<Spanned<String>>,
    pub enable_traps: bool,
    pub enable_snmp_vrrp: bool,
    pub enable_snmp_rfcv2: bool,
    pub enable_snmp_rfcv3: bool,
    pub enable_snmp_checker: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dbus {
    pub enable_dbus: bool,
    /// Default org.keepalived.Vrrp1.
    pub dbus_service_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Firewall {
    pub vrrp_iptables: Option<IptablesChains>,
    /// Set names; empty = do not use ipsets.
    pub vrrp_ipsets: Option<Vec<String>>,
    /// Table name (default keepalived when given without one).
    pub nftables: Option<Spanned<String>>,
    /// Default -1.
    pub nftables_priority: i32,
    pub nftables_ifindex: bool,
    /// Table name (default keepalived_ipvs when given without one).
    pub nftables_ipvs: Option<Spanned<String>>,
    pub nftables_ipvs_priority: i32,
    /// Default 1000.
    pub nftables_ipvs_start_fwmark: u32,
    pub nftables_counters: bool,
}

/// `vrrp_iptables [IN [OUT]]` (INPUT/OUTPUT when given without chains).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IptablesChains {
    pub in_chain: String,
    pub out_chain: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

/// Socket receive buffers, in bytes; None = the system default.
#[derive(Debug, Clone, Serialize)]
pub struct Buffers {
    pub vrrp_netlink_cmd_rcv_bufs: Option<u32>,
    pub vrrp_netlink_cmd_rcv_bufs_force: bool,
    pub vrrp_netlink_monitor_rcv_bufs: Option<u32>,
    pub vrrp_netlink_monitor_rcv_bufs_force: bool,
    pub process_monitor_rcv_bufs: Option<u32>,
    pub process_monitor_rcv_bufs_force: bool,
    pub lvs_netlink_cmd_rcv_bufs: Option<u32>,
    pub lvs_netlink_cmd_rcv_bufs_force: bool,
    pub lvs_netlink_monitor_rcv_bufs: Option<u32>,
    pub lvs_netlink_monitor_rcv_bufs_force: bool,
    pub vrrp_rx_bufs_policy: Option<RxBufsPolicy>,
    /// Default 3.
    pub vrrp_rx_bufs_multiplier: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RxBufsPolicy {
    Mtu,
    Advert,
    Size(u32),
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Reload {
    /// Log file of the pre-reload check (/dev/null when given without one).
    pub reload_check_config: Option<String>,
    pub reload_time_file: Option<String>,
    pub reload_repeat: bool,
    /// Some(None): the default path in the pid directory.
    pub reload_file: Option<Option<String>>,
    pub include_check: Option<IncludeCheck>,
    pub config_save_dir: Option<String>,
    pub tmp_config_directory: Option<Spanned<String>>,
}

/// The checks `include_check` turns on for plain `include`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IncludeCheck {
    pub read: bool,
    #[serde(rename = "match")]
    pub match_: bool,
    pub wildcard_match: bool,
    pub brace_match: bool,
}

/// The garp keywords as written (None = not given), for order-independent defaults.
#[derive(Debug, Clone, Default)]
struct GarpGiven {
    master_delay: Option<Duration>,
    master_repeat: Option<u32>,
    master_refresh: Option<Option<Duration>>,
    master_refresh_repeat: Option<u32>,
    lower_prio_delay: Option<Duration>,
    lower_prio_repeat: Option<u32>,
}

impl Default for ProcessTuning {
    fn default() -> Self {
        ProcessTuning {
            priority: 0,
            no_swap: false,
            rt_priority: None,
            cpu_affinity: Vec::new(),
            rlimit_rttime: Duration::from_micros(10_000),
        }
    }
}

impl Default for Processes {
    fn default() -> Self {
        Processes {
            process_names: false,
            process_name: None,
            vrrp_process_name: None,
            checker_process_name: None,
            bfd_process_name: None,
            max_auto_priority: 0,
            min_auto_priority_delay: Duration::from_secs(1),
            vrrp: ProcessTuning::default(),
            checker: ProcessTuning::default(),
            bfd: ProcessTuning::default(),
        }
    }
}

impl Default for Dbus {
    fn default() -> Self {
        Dbus {
            enable_dbus: false,
            dbus_service_name: "org.keepalived.Vrrp1".into(),
        }
    }
}

impl Default for Firewall {
    fn default() -> Self {
        Firewall {
            vrrp_iptables: None,
            vrrp_ipsets: None,
            nftables: None,
            nftables_priority: -1,
            nftables_ifindex: false,
            nftables_ipvs: None,
            nftables_ipvs_priority: -1,
            nftables_ipvs_start_fwmark: 1000,
            nftables_counters: false,
        }
    }
}

impl Default for Buffers {
    fn default() -> Self {
        Buffers {
            vrrp_netlink_cmd_rcv_bufs: None,
            vrrp_netlink_cmd_rcv_bufs_force: false,
            vrrp_netlink_monitor_rcv_bufs: None,
            vrrp_netlink_monitor_rcv_bufs_force: false,
            process_monitor_rcv_bufs: None,
            process_monitor_rcv_bufs_force: false,
            lvs_netlink_cmd_rcv_bufs: None,
            lvs_netlink_cmd_rcv_bufs_force: false,
            lvs_netlink_monitor_rcv_bufs: None,
            lvs_netlink_monitor_rcv_bufs_force: false,
            vrrp_rx_bufs_policy: None,
            vrrp_rx_bufs_multiplier: 3,
        }
    }
}

/// keepalived's garp defaults.
const GARP_MASTER_DELAY: Duration = Duration::from_secs(5);
const GARP_MASTER_REPEAT: u32 = 5;
const GARP_MASTER_REFRESH_REPEAT: u32 = 1;

impl Default for Global {
    fn default() -> Self {
        Global {
            linkbeat_use_polling: false,
            net_namespace: None,
            net_namespace_ipvs: None,
            namespace_with_ipsets: false,
            use_pid_dir: false,
            instance: None,
            child_wait_time: Duration::from_secs(5),
            router_id: None,
            notification_email_from: None,
            smtp_server: None,
            smtp_helo_name: None,
            smtp_connect_timeout: Duration::from_secs(30),
            notification_email: Vec::new(),
            smtp_alert: None,
            smtp_alert_vrrp: None,
            smtp_alert_checker: None,
            no_email_faults: false,
            no_checker_emails: false,
            script_user: None,
            enable_script_security: false,
            startup_script: None,
            startup_script_timeout: Duration::from_secs(10),
            shutdown_script: None,
            shutdown_script_timeout: Duration::from_secs(10),
            notify_fifo: None,
            notify_fifo_script: None,
            vrrp_notify_fifo: None,
            vrrp_notify_fifo_script: None,
            lvs_notify_fifo: None,
            lvs_notify_fifo_script: None,
            vrrp_notify_priority_changes: false,
            fifo_write_vrrp_states_on_reload: false,
            default_interface: "eth0".into(),
            default_interface_span: None,
            dynamic_interfaces: false,
            dynamic_interfaces_allow_if_changes: false,
            disable_local_igmp: false,
            vrrp_mcast_group4: Ipv4Addr::new(224, 0, 0, 18),
            vrrp_mcast_group6: Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12),
            vrrp_garp_master_delay: GARP_MASTER_DELAY,
            vrrp_garp_master_repeat: GARP_MASTER_REPEAT,
            vrrp_garp_master_refresh: None,
            vrrp_garp_master_refresh_repeat: GARP_MASTER_REFRESH_REPEAT,
            vrrp_garp_lower_prio_delay: GARP_MASTER_DELAY,
            vrrp_garp_lower_prio_repeat: GARP_MASTER_REPEAT,
            vrrp_garp_interval: Duration::ZERO,
            vrrp_gna_interval: Duration::ZERO,
            vrrp_min_garp: false,
            vrrp_garp_extra_if: None,
            vrrp_down_timer_adverts: 3,
            vrrp_lower_prio_no_advert: false,
            vrrp_higher_prio_send_advert: false,
            vrrp_version: 2,
            vrrp_check_unicast_src: false,
            vrrp_skip_check_adv_addr: false,
            vrrp_strict: false,
            vrrp_startup_delay: Duration::ZERO,
            log_unknown_vrids: false,
            vmac_prefix: None,
            vmac_addr_prefix: None,
            lvs_timeouts: LvsTimeouts::default(),
            lvs_flush: false,
            lvs_flush_on_stop: LvsFlushOnStop::Off,
            lvs_sync_daemon: None,
            checker_log_all_failures: false,
            rs_init_notifies: false,
            processes: Processes::default(),
            snmp: Snmp::default(),
            dbus: Dbus::default(),
            firewall: Firewall::default(),
            buffers: Buffers::default(),
            reload: Reload::default(),
            umask: 0o022,
            random_seed: None,
            data_use_instance: false,
            garp_given: GarpGiven::default(),
            smtp_alert_on: [None; 3],
        }
    }
}

impl Global {
    /// The router id mail and logs use: `router_id`, else the host name.
    pub fn router_id_or<'a>(&'a self, host_name: &'a str) -> &'a str {
        self.router_id.as_deref().unwrap_or(host_name)
    }

    /// The mail sender: `notification_email_from`, else `<user>@<host name>`.
    pub fn email_from_or(&self, user: &str, host_name: &str) -> String {
        self.notification_email_from
            .clone()
            .unwrap_or_else(|| format!("{user}@{host_name}"))
    }

    /// The SMTP HELO name: `smtp_helo_name`, else the host name.
    pub fn smtp_helo_name_or<'a>(&'a self, host_name: &'a str) -> &'a str {
        self.smtp_helo_name.as_deref().unwrap_or(host_name)
    }

    /// The smtp_alert default of vrrp instances and sync groups (None: not given; they
    /// then default to off).
    pub fn smtp_alert_vrrp_default(&self) -> Option<bool> {
        self.smtp_alert_vrrp.or(self.smtp_alert)
    }

    /// The smtp_alert default of virtual and real servers (None: not given; keepalived then
    /// defaults virtual servers to off and real servers to on).
    pub fn smtp_alert_checker_default(&self) -> Option<bool> {
        self.smtp_alert_checker.or(self.smtp_alert)
    }

    /// Recomputes the effective garp fields from what was written: given values win, then
    /// `vrrp_min_garp`'s minimal values, then keepalived's defaults; the lower-priority
    /// values default to the master ones. Called after each `global_defs` block.
    ///
    /// keepalived applies `vrrp_min_garp` only to values that still equal their default
    /// when it reads the line, so its effect depends on line order; ha's does not.
    fn apply_garp_defaults(&mut self) {
        let g = &self.garp_given;
        let min = self.vrrp_min_garp;
        self.vrrp_garp_master_delay = g.master_delay.unwrap_or(if min {
            Duration::ZERO
        } else {
            GARP_MASTER_DELAY
        });
        self.vrrp_garp_master_repeat =
            g.master_repeat
                .unwrap_or(if min { 1 } else { GARP_MASTER_REPEAT });
        self.vrrp_garp_master_refresh = g.master_refresh.unwrap_or(None);
        self.vrrp_garp_master_refresh_repeat =
            g.master_refresh_repeat
                .unwrap_or(if min { 0 } else { GARP_MASTER_REFRESH_REPEAT });
        self.vrrp_garp_lower_prio_delay = g.lower_prio_delay.unwrap_or(self.vrrp_garp_master_delay);
        self.vrrp_garp_lower_prio_repeat =
            g.lower_prio_repeat.unwrap_or(self.vrrp_garp_master_repeat);
    }
}

/// The host name (what keepalived's uname nodename gives), for the `*_or` helpers.
pub fn host_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The top-level keywords of the global area.
pub const ROOT: &[Kw<Config>] = &[
    Kw::not_acted_on(
        "linkbeat_use_polling",
        "ha watches links through netlink only",
        |c, n, cx| c.global.linkbeat_use_polling = lines::pure_flag(n, cx),
    ),
    Kw::not_acted_on(
        "net_namespace",
        "ha runs in the network namespace it is started in",
        |c, n, cx| {
            let g = &mut c.global;
            if let Some(v) = lines::first_word(n, cx) {
                if !lines::first_wins(cx, n, g.net_namespace.as_ref().map(|s| s.span)) {
                    g.net_namespace = Some(v);
                    g.use_pid_dir = true;
                }
            }
        },
    ),
    Kw::not_acted_on(
        "net_namespace_ipvs",
        "ha manages IPVS in its own network namespace",
        |c, n, cx| {
            let g = &mut c.global;
            let Some(args) = cx.args(n, 0, Some(1)) else {
                return;
            };
            if lines::first_wins(cx, n, g.net_namespace_ipvs.as_ref().map(|s| s.span)) {
                return;
            }
            g.net_namespace_ipvs = Some(match args.first() {
                Some(t) => lines::spanned(t),
                None => Spanned {
                    value: String::new(),
                    span: n.keyword.span,
                },
            });
        },
    ),
    Kw::not_acted_on(
        "namespace_with_ipsets",
        "ha does not use ipsets",
        |c, n, cx| c.global.namespace_with_ipsets = lines::pure_flag(n, cx),
    ),
    Kw::not_acted_on(
        "use_pid_dir",
        "ha's pid file does not move with this keyword",
        |c, n, cx| c.global.use_pid_dir = lines::pure_flag(n, cx) || c.global.use_pid_dir,
    ),
    Kw::not_acted_on(
        "instance",
        "ha's pid and state file names do not carry an instance name",
        |c, n, cx| {
            let g = &mut c.global;
            if let Some(v) = lines::first_word(n, cx) {
                if !lines::first_wins(cx, n, g.instance.as_ref().map(|s| s.span)) {
                    g.instance = Some(v);
                    g.use_pid_dir = true;
                }
            }
        },
    ),
    Kw::not_acted_on(
        "child_wait_time",
        "ha is one process with no children to wait for",
        |c, n, cx| {
            if let Some(v) = cx.uint(n, 0, u64::from(u32::MAX)) {
                c.global.child_wait_time = Duration::from_secs(v);
            }
        },
    ),
    Kw::new("global_defs", read_global_defs),
];

/// `global_defs { ... }`: may appear several times; the blocks merge.
fn read_global_defs(c: &mut Config, n: &Node, cx: &mut Cx) {
    if let Some(extra) = n.args.first() {
        cx.warning(
            extra.span,
            format!("`global_defs` takes no name; `{}` is ignored", extra.text),
        );
    }
    let Some(items) = cx.block(n) else {
        return;
    };
    cx.walk(&mut c.global, items, DEFS, "global_defs");
    c.global.apply_garp_defaults();
}

/// Checks that need the whole global area (several `global_defs` blocks may set the
/// keywords involved): FIFOs shared between notifiers, alert mail with nowhere to go.
pub fn resolve(config: &mut Config, cx: &mut Cx) {
    let g = &mut config.global;
    g.apply_garp_defaults();
    checks::shared_fifos(g, cx);
    checks::mail_checks(g, cx);
}

/// Every table of the area with its statuses, for docs/COMPATIBILITY.md.
pub fn catalogue() -> Vec<(String, Vec<(&'static str, Status)>)> {
    let sync_why = lines::SYNC_DAEMON_WHY;
    vec![
        ("/".to_string(), entries(ROOT)),
        ("global_defs".to_string(), entries(DEFS)),
        (
            "global_defs/notification_email (line)".to_string(),
            vec![("<EMAIL> [<EMAIL> ...]", Status::Supported)],
        ),
        (
            "global_defs/lvs_timeouts (options)".to_string(),
            vec![
                ("tcp", Status::Supported),
                ("tcpfin", Status::Supported),
                ("udp", Status::Supported),
            ],
        ),
        (
            "global_defs/lvs_sync_daemon (options)".to_string(),
            ["inst", "id", "maxlen", "port", "ttl", "group"]
                .into_iter()
                .map(|o| (o, Status::NotActedOn(sync_why)))
                .collect(),
        ),
    ]
}
