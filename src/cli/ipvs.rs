//! `ha ipvs`: the kernel's IPVS table with readable options and tables: list, stats,
//! add/edit/del of services and real servers, clear, and `apply`, which makes the table what
//! a keepalived.conf asks for (through the diff engine the daemon uses).
//!
//! Everything here goes through the [`Ipvs`] trait; argument parsing, option -> model
//! conversion and rendering are plain functions tested without a kernel.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use comfy_table::{presets, CellAlignment, Table};
use serde::Serialize;

use super::run::{write_findings, DEFAULT_CONFIG};
use crate::conf::{self, LoadOptions};
use crate::error::{warn, CliError, Exit};
use crate::ipvs::desired;
use crate::ipvs::diff::{
    self, dest_label, dest_settings, forward_name, netmask_text, sched_flag_names, service_label,
    service_settings, tunnel_csum_name, tunnel_type_name, FieldChange, ServiceState, Step,
};
use crate::ipvs::{
    ApplyError, Dest, Family, Forward, Ipvs, IpvsError, Op, Protocol, Service, ServiceFlags,
    ServiceKey, Stats, Tunnel, TunnelFlags, TunnelType,
};

const LONG_ABOUT: &str = "\
Show and change the kernel's IPVS table (virtual services and their real servers) with
readable options, save and restore it in ipvsadm's rules format (`ha ipvs save|restore`), or
make it what a keepalived.conf asks for (`ha ipvs apply`).

Services are named by protocol and address (`--tcp 10.0.0.1:80`, `--udp [2001:db8::1]:53`,
`--sctp ...`) or by firewall mark (`--fwmark 7`, `--fwmark 7 --ipv6`). Changes print one line
each: `+` added, `~` changed (old -> new), `-` removed.

Needs the ip_vs kernel module and root (or CAP_NET_ADMIN), also for reading.";

const EXAMPLES: &str = "\
Examples:
  ha ipvs list                                          services and real servers
  ha ipvs add service --tcp 10.0.0.1:80 --scheduler wrr --persistent 300
  ha ipvs add dest --tcp 10.0.0.1:80 --real 10.0.0.2 --forward dr --weight 3
  ha ipvs edit dest --tcp 10.0.0.1:80 --real 10.0.0.2 --weight 0    drain a server
  ha ipvs del service --tcp 10.0.0.1:80
  ha ipvs save > /etc/ipvs.rules                        rules ipvsadm -R reads too
  ha ipvs restore --clear /etc/ipvs.rules
  ha ipvs apply -f /etc/keepalived/keepalived.conf --dry-run          what would change
  ha ipvs stats --rate --watch 2                        rates, every 2 seconds";

const EXIT_STATUS: &str = "\
Exit status:
  0  done (also: nothing to do)
  1  apply: the configuration has errors (nothing changed)
  2  bad arguments
  3  the kernel refused a change (the message says which and why), netlink error
  4  missing privilege: run as root or with CAP_NET_ADMIN
  5  this kernel has no IPVS (modprobe ip_vs)";

/// The kernel's IPVS table: list, stats, add/edit/del services and real servers, save and
/// restore (ipvsadm's rules), apply a keepalived.conf
#[derive(Debug, Args)]
#[command(
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"),
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct IpvsArgs {
    #[command(subcommand)]
    pub command: IpvsCommand,
}

#[derive(Debug, Subcommand)]
pub enum IpvsCommand {
    List(ListArgs),
    Stats(StatsArgs),
    Add(AddArgs),
    Edit(EditArgs),
    Del(DelArgs),
    Clear(ClearArgs),
    Save(super::ipvs_saved::SaveArgs),
    Restore(super::ipvs_saved::RestoreArgs),
    Apply(ApplyArgs),
}

const LIST_LONG: &str = "\
List the virtual services with their settings and real servers: forwarding method, weight,
thresholds, and active / inactive connections.

--json prints one object per service (fields: service, protocol, address, port, fwmark,
family, scheduler, persistent, netmask, pe, ops, sched_flags, dests[] with dest, address,
port, forward, weight, upper_threshold, lower_threshold, tunnel, active_conns,
inactive_conns, persistent_conns).";

/// List services and real servers
#[derive(Debug, Args)]
#[command(long_about = LIST_LONG)]
pub struct ListArgs {
    /// One JSON object per service
    #[arg(long)]
    pub json: bool,
}

const STATS_LONG: &str = "\
Traffic per service and real server: connections, packets and bytes in and out since they
were added (or zeroed), or with --rate the kernel's per-second estimates (refreshed by the
kernel every 2 seconds).

--json prints one object per service with every counter and rate (conns, inpkts, outpkts,
inbytes, outbytes, cps, inpps, outpps, inbps, outbps) and dests[] with the same fields;
with --watch each object also has `sample` (1, 2, ...).";

const STATS_EXAMPLES: &str = "\
Examples:
  ha ipvs stats
  ha ipvs stats --rate --watch 2               until Ctrl-C
  ha ipvs stats --json --watch 10 --count 6    one minute of samples for a script";

/// Traffic counters or rates per service and real server
#[derive(Debug, Args)]
#[command(long_about = STATS_LONG, after_help = STATS_EXAMPLES)]
pub struct StatsArgs {
    /// Per-second rates instead of totals
    #[arg(long)]
    pub rate: bool,
    /// Print again every SECS seconds, until interrupted
    #[arg(long, value_name = "SECS", value_parser = super::parse_timeout)]
    pub watch: Option<Duration>,
    /// With --watch: stop after this many samples
    #[arg(long, value_name = "N", requires = "watch", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// One JSON object per service (and per sample)
    #[arg(long)]
    pub json: bool,
}

/// Add a service or a real server
#[derive(Debug, Args)]
#[command(subcommand_required = true, arg_required_else_help = true)]
pub struct AddArgs {
    #[command(subcommand)]
    pub what: AddWhat,
}

#[derive(Debug, Subcommand)]
pub enum AddWhat {
    Service(AddServiceArgs),
    Dest(AddDestArgs),
}

/// Change settings of a service or a real server (only the options given)
#[derive(Debug, Args)]
#[command(subcommand_required = true, arg_required_else_help = true)]
pub struct EditArgs {
    #[command(subcommand)]
    pub what: EditWhat,
}

#[derive(Debug, Subcommand)]
pub enum EditWhat {
    Service(EditServiceArgs),
    Dest(EditDestArgs),
}

/// Remove a service (with its real servers) or a real server
#[derive(Debug, Args)]
#[command(subcommand_required = true, arg_required_else_help = true)]
pub struct DelArgs {
    #[command(subcommand)]
    pub what: DelWhat,
}

#[derive(Debug, Subcommand)]
pub enum DelWhat {
    Service(DelServiceArgs),
    Dest(DelDestArgs),
}

/// Which service: by protocol and address, or by firewall mark.
#[derive(Debug, Clone, Args)]
#[group(id = "service", required = true, multiple = false)]
pub struct ServiceSelector {
    /// TCP service: ADDR:PORT or [IPV6]:PORT (no port, or 0: every port, needs persistence)
    #[arg(short = 't', long, value_name = "ADDR:PORT", value_parser = parse_endpoint)]
    pub tcp: Option<Endpoint>,
    /// UDP service
    #[arg(short = 'u', long, value_name = "ADDR:PORT", value_parser = parse_endpoint)]
    pub udp: Option<Endpoint>,
    /// SCTP service
    #[arg(long, value_name = "ADDR:PORT", value_parser = parse_endpoint)]
    pub sctp: Option<Endpoint>,
    /// Firewall-mark service (the mark set by an iptables/nftables rule)
    #[arg(short = 'f', long, value_name = "MARK", value_parser = clap::value_parser!(u32).range(1..))]
    pub fwmark: Option<u32>,
}

/// `--ipv6` chooses the family of a fwmark service (address services have their own).
#[derive(Debug, Clone, Args)]
pub struct FamilyArg {
    /// With --fwmark: the IPv6 service of that mark
    #[arg(long = "ipv6", conflicts_with_all = ["tcp", "udp", "sctp"])]
    pub ipv6: bool,
}

impl ServiceSelector {
    pub fn key(&self, family: &FamilyArg) -> ServiceKey {
        let addr = |protocol, e: &Endpoint| ServiceKey::Addr {
            protocol,
            addr: e.addr,
            port: e.port.unwrap_or(0),
        };
        if let Some(e) = &self.tcp {
            addr(Protocol::Tcp, e)
        } else if let Some(e) = &self.udp {
            addr(Protocol::Udp, e)
        } else if let Some(e) = &self.sctp {
            addr(Protocol::Sctp, e)
        } else {
            ServiceKey::Fwmark {
                family: if family.ipv6 { Family::V6 } else { Family::V4 },
                mark: self.fwmark.unwrap_or(0),
            }
        }
    }
}

/// `ADDR`, `ADDR:PORT`, `[IPV6]` or `[IPV6]:PORT`; a bare IPv6 address has no port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub addr: IpAddr,
    pub port: Option<u16>,
}

pub fn parse_endpoint(s: &str) -> Result<Endpoint, String> {
    let s = s.trim();
    let bad = || {
        format!("`{s}` is not ADDR:PORT (e.g. 10.0.0.1:80, [2001:db8::1]:80, or an address alone)")
    };
    let port = |p: &str| -> Result<Option<u16>, String> {
        p.parse::<u16>()
            .map(Some)
            .map_err(|_| format!("`{s}`: the port must be a number 0-65535, not `{p}`"))
    };
    if let Some(rest) = s.strip_prefix('[') {
        let (addr, tail) = rest.split_once(']').ok_or_else(bad)?;
        let addr: std::net::Ipv6Addr = addr.parse().map_err(|_| bad())?;
        let port = match tail {
            "" => None,
            t => port(t.strip_prefix(':').ok_or_else(bad)?)?,
        };
        return Ok(Endpoint {
            addr: IpAddr::V6(addr),
            port,
        });
    }
    if let Ok(addr) = s.parse::<IpAddr>() {
        return Ok(Endpoint { addr, port: None });
    }
    let (addr, p) = s.rsplit_once(':').ok_or_else(bad)?;
    if addr.parse::<std::net::Ipv6Addr>().is_ok() {
        return Err(format!(
            "`{s}`: put an IPv6 address in brackets before a port: [{addr}]:{p}"
        ));
    }
    let addr: Ipv4Addr = addr.parse().map_err(|_| bad())?;
    Ok(Endpoint {
        addr: IpAddr::V4(addr),
        port: port(p)?,
    })
}

/// Service settings; on `edit` only the ones given change.
#[derive(Debug, Clone, Default, Args)]
pub struct ServiceOptions {
    /// Scheduler: rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos
    /// (add: wlc)
    #[arg(short = 's', long, value_name = "NAME", value_parser = parse_scheduler)]
    pub scheduler: Option<String>,
    /// Persistence: a client keeps its real server for SECS seconds after its last
    /// connection (300 when no value is given)
    #[arg(short = 'p', long, value_name = "SECS", num_args = 0..=1, default_missing_value = "300",
          value_parser = clap::value_parser!(u32).range(1..=2_678_400))]
    pub persistent: Option<u32>,
    /// Turn persistence off
    #[arg(long, conflicts_with = "persistent")]
    pub no_persistent: bool,
    /// Persistence granularity: clients in one netmask share a real server (IPv4:
    /// 255.255.255.0 or 24; IPv6: a prefix length)
    #[arg(short = 'M', long, value_name = "MASK", value_parser = parse_netmask)]
    pub netmask: Option<Netmask>,
    /// Scheduler flags, comma-separated: sh-fallback, sh-port (sh), mh-fallback, mh-port
    /// (mh), flag-1, flag-2, flag-3; `none` clears them
    #[arg(short = 'b', long, value_name = "FLAGS", value_parser = parse_sched_flags)]
    pub sched_flags: Option<SchedFlagsArg>,
    /// Persistence engine (the kernel has `sip`); `none` removes it
    #[arg(long, value_name = "NAME", value_parser = parse_pe)]
    pub pe: Option<PeArg>,
    /// One-packet scheduling (UDP): each datagram is scheduled on its own
    #[arg(short = 'o', long)]
    pub ops: bool,
    /// Turn one-packet scheduling off
    #[arg(long, conflicts_with = "ops")]
    pub no_ops: bool,
}

impl ServiceOptions {
    fn is_empty(&self) -> bool {
        self.scheduler.is_none()
            && self.persistent.is_none()
            && !self.no_persistent
            && self.netmask.is_none()
            && self.sched_flags.is_none()
            && self.pe.is_none()
            && !self.ops
            && !self.no_ops
    }
}

/// A persistence netmask as given: a dotted IPv4 mask or a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Netmask {
    V4(Ipv4Addr),
    Prefix(u8),
}

pub fn parse_netmask(s: &str) -> Result<Netmask, String> {
    if s.contains('.') {
        let m: Ipv4Addr = s
            .parse()
            .map_err(|_| format!("`{s}` is not a netmask (e.g. 255.255.255.0)"))?;
        let bits = u32::from(m);
        // A netmask is ones then zeros.
        if bits.leading_ones() + bits.trailing_zeros() != 32 {
            return Err(format!("`{s}` is not a netmask: its ones must come first"));
        }
        return Ok(Netmask::V4(m));
    }
    match s.parse::<u8>() {
        Ok(p) if (1..=128).contains(&p) => Ok(Netmask::Prefix(p)),
        _ => Err(format!(
            "`{s}` is not a netmask or a prefix length (1-32 IPv4, 1-128 IPv6)"
        )),
    }
}

/// The kernel's netmask value for a family: an IPv4 mask as a number, an IPv6 prefix.
fn netmask_value(m: Netmask, family: Family) -> Result<u32, String> {
    match (m, family) {
        (Netmask::V4(a), Family::V4) => Ok(u32::from(a)),
        (Netmask::Prefix(p), Family::V4) if p <= 32 => {
            Ok(u32::MAX.checked_shl(32 - u32::from(p)).unwrap_or(0))
        }
        (Netmask::Prefix(p), Family::V4) => Err(format!(
            "--netmask {p}: an IPv4 service takes a prefix length up to 32"
        )),
        (Netmask::Prefix(p), Family::V6) => Ok(u32::from(p)),
        (Netmask::V4(a), Family::V6) => Err(format!(
            "--netmask {a}: an IPv6 service takes a prefix length (e.g. 64)"
        )),
    }
}

/// Scheduler flags by name, as bits 1-3 (names are checked against the scheduler later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedFlagsArg {
    pub names: Vec<String>,
}

const SCHED_FLAG_WORDS: &[&str] = &[
    "sh-fallback",
    "sh-port",
    "mh-fallback",
    "mh-port",
    "flag-1",
    "flag-2",
    "flag-3",
];

pub fn parse_sched_flags(s: &str) -> Result<SchedFlagsArg, String> {
    if s == "none" || s.is_empty() {
        return Ok(SchedFlagsArg { names: Vec::new() });
    }
    let mut names = Vec::new();
    for w in s.split(',').map(str::trim) {
        if !SCHED_FLAG_WORDS.contains(&w) {
            return Err(format!(
                "unknown scheduler flag `{w}` (known: {}, or none)",
                SCHED_FLAG_WORDS.join(", ")
            ));
        }
        names.push(w.to_string());
    }
    Ok(SchedFlagsArg { names })
}

/// The bits of scheduler flags for a scheduler; sh-* need sh, mh-* need mh.
fn sched_flag_bits(flags: &SchedFlagsArg, scheduler: &str) -> Result<u32, String> {
    let mut bits = 0;
    for name in &flags.names {
        let bit = match name.as_str() {
            "flag-1" => ServiceFlags::SCHED1,
            "flag-2" => ServiceFlags::SCHED2,
            "flag-3" => ServiceFlags::SCHED3,
            n => {
                let (prefix, rest) = n.split_at(2);
                if prefix != scheduler {
                    return Err(format!(
                        "--sched-flags {n} is for the {prefix} scheduler; this service uses {scheduler}"
                    ));
                }
                if rest == "-fallback" {
                    ServiceFlags::SCHED1
                } else {
                    ServiceFlags::SCHED2
                }
            }
        };
        bits |= bit;
    }
    Ok(bits)
}

const SCHEDULERS: &[&str] = &[
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos",
];

pub fn parse_scheduler(s: &str) -> Result<String, String> {
    if SCHEDULERS.contains(&s) {
        return Ok(s.to_string());
    }
    let hint = crate::conf::diag::did_you_mean(s, SCHEDULERS.iter().copied())
        .map(|d| format!("did you mean `{d}`? "))
        .unwrap_or_default();
    Err(format!(
        "unknown scheduler `{s}`; {hint}known: {}",
        SCHEDULERS.join(", ")
    ))
}

/// A persistence engine name, or None for `none`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeArg(pub Option<String>);

pub fn parse_pe(s: &str) -> Result<PeArg, String> {
    match s {
        "none" => Ok(PeArg(None)),
        // IP_VS_PENAME_MAXLEN is 16 with the terminating NUL.
        _ if s.is_empty() || s.len() > 15 || !s.bytes().all(|b| b.is_ascii_alphanumeric()) => Err(
            format!("`{s}` is not a persistence engine name (the kernel has `sip`)"),
        ),
        _ => Ok(PeArg(Some(s.to_string()))),
    }
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  ha ipvs add service --tcp 10.0.0.1:80 --scheduler wrr
  ha ipvs add service --udp 10.0.0.1:53 --scheduler rr --persistent 60 --netmask 24
  ha ipvs add service --fwmark 7 --ipv6 --scheduler sh --sched-flags sh-port")]
/// Add a virtual service
pub struct AddServiceArgs {
    #[command(flatten)]
    pub service: ServiceSelector,
    #[command(flatten)]
    pub family: FamilyArg,
    #[command(flatten)]
    pub options: ServiceOptions,
    /// Print the change as a JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  ha ipvs edit service --tcp 10.0.0.1:80 --scheduler rr
  ha ipvs edit service --tcp 10.0.0.1:80 --no-persistent")]
/// Change settings of a virtual service (only the options given)
pub struct EditServiceArgs {
    #[command(flatten)]
    pub service: ServiceSelector,
    #[command(flatten)]
    pub family: FamilyArg,
    #[command(flatten)]
    pub options: ServiceOptions,
    /// Print the change as a JSON object
    #[arg(long)]
    pub json: bool,
}

/// Remove a virtual service and its real servers
#[derive(Debug, Args)]
pub struct DelServiceArgs {
    #[command(flatten)]
    pub service: ServiceSelector,
    #[command(flatten)]
    pub family: FamilyArg,
    /// Print the change as a JSON object
    #[arg(long)]
    pub json: bool,
}

/// Forwarding methods by their usual names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ForwardArg {
    /// Direct routing (LVS-DR, ipvsadm -g): the real server has the VIP on lo
    #[value(alias = "route", alias = "gatewaying")]
    Dr,
    /// NAT (LVS-NAT, ipvsadm -m): may forward to another port
    #[value(alias = "masq", alias = "masquerading")]
    Nat,
    /// IP tunnel (LVS-TUN, ipvsadm -i); see --tun-type
    #[value(alias = "tunnel", alias = "ipip")]
    Tun,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TunTypeArg {
    Ipip,
    Gue,
    Gre,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TunCsumArg {
    Nocsum,
    Csum,
    Remcsum,
}

/// Real-server settings; on `edit` only the ones given change.
#[derive(Debug, Clone, Default, Args)]
pub struct DestOptions {
    /// Forwarding method (add: dr). DR and TUN keep the service's port.
    #[arg(long, value_enum, value_name = "METHOD")]
    pub forward: Option<ForwardArg>,
    /// Weight: share of new connections (0: no new connections, existing ones stay);
    /// add: 1
    #[arg(short = 'w', long, value_name = "N", value_parser = clap::value_parser!(i32).range(0..))]
    pub weight: Option<i32>,
    /// Upper connection threshold: no new connections above N (0: none)
    #[arg(short = 'x', long = "upper", value_name = "N")]
    pub upper: Option<u32>,
    /// Lower connection threshold: new connections again below N (0: none)
    #[arg(short = 'y', long = "lower", value_name = "N")]
    pub lower: Option<u32>,
    /// Tunnel encapsulation (implies --forward tun)
    #[arg(long, value_enum, value_name = "TYPE")]
    pub tun_type: Option<TunTypeArg>,
    /// GUE destination port
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub tun_port: Option<u16>,
    /// Tunnel checksum: nocsum, csum (gue, gre) or remcsum (gue)
    #[arg(long, value_enum, value_name = "OPTION")]
    pub tun_csum: Option<TunCsumArg>,
}

impl DestOptions {
    fn is_empty(&self) -> bool {
        self.forward.is_none()
            && self.weight.is_none()
            && self.upper.is_none()
            && self.lower.is_none()
            && self.tun_type.is_none()
            && self.tun_port.is_none()
            && self.tun_csum.is_none()
    }
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  ha ipvs add dest --tcp 10.0.0.1:80 --real 10.0.0.2 --weight 3
  ha ipvs add dest --tcp 10.0.0.1:80 --real 10.0.0.3:8080 --forward nat
  ha ipvs add dest --fwmark 7 --real 10.0.0.4 --tun-type gue --tun-port 6080")]
/// Add a real server to a service
pub struct AddDestArgs {
    #[command(flatten)]
    pub service: ServiceSelector,
    #[command(flatten)]
    pub family: FamilyArg,
    /// The real server: ADDR[:PORT] (no port: the service's)
    #[arg(short = 'r', long, value_name = "ADDR:PORT", value_parser = parse_endpoint)]
    pub real: Endpoint,
    #[command(flatten)]
    pub options: DestOptions,
    /// Print the change as a JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  ha ipvs edit dest --tcp 10.0.0.1:80 --real 10.0.0.2 --weight 0     drain it
  ha ipvs edit dest --tcp 10.0.0.1:80 --real 10.0.0.2 --upper 1000 --lower 800")]
/// Change settings of a real server (only the options given)
pub struct EditDestArgs {
    #[command(flatten)]
    pub service: ServiceSelector,
    #[command(flatten)]
    pub family: FamilyArg,
    /// The real server: ADDR[:PORT]
    #[arg(short = 'r', long, value_name = "ADDR:PORT", value_parser = parse_endpoint)]
    pub real: Endpoint,
    #[command(flatten)]
    pub options: DestOptions,
    /// Print the change as a JSON object
    #[arg(long)]
    pub json: bool,
}

/// Remove a real server from a service
#[derive(Debug, Args)]
pub struct DelDestArgs {
    #[command(flatten)]
    pub service: ServiceSelector,
    #[command(flatten)]
    pub family: FamilyArg,
    /// The real server: ADDR[:PORT]
    #[arg(short = 'r', long, value_name = "ADDR:PORT", value_parser = parse_endpoint)]
    pub real: Endpoint,
    /// Print the change as a JSON object
    #[arg(long)]
    pub json: bool,
}

/// Remove every service and real server
#[derive(Debug, Args)]
pub struct ClearArgs {
    /// One JSON object per removed service
    #[arg(long)]
    pub json: bool,
}

const APPLY_LONG: &str = "\
Make the kernel's IPVS table what a keepalived.conf asks for: print the changes, one line
each, then make them (--dry-run: only print). Running it again finds nothing to do.

The table is the configuration as keepalived sets it up at start, before any health check
has run: every virtual server (a virtual_server_group gives one service per address of its
ranges and per fwmark), every real server with its configured weight and forwarding method.
Real servers that start down are not there: those with an `alpha` checker (or with weight 0
and `inhibit_on_failure`). The sorry server is there only when the real servers that start
up weigh less than the quorum (it then replaces them); with `sorry_server_inhibit` it waits
with weight 0. Health checks do not run: `ha run` does that.

Services in the kernel that the configuration does not name are removed: apply owns the
whole table.

--json prints one object per line: {\"event\":\"note\",\"message\"} for what the
configuration implies, {\"event\":\"op\",\"action\":\"add|edit|delete\",\"object\":
\"service|dest\",\"service\",\"dest\",\"line\",\"settings\"|\"changes\":[{\"field\",\"from\",
\"to\"}]} per change, and {\"event\":\"done\",\"file\",\"ops\",\"applied\",\"dry_run\"}.";

const APPLY_EXAMPLES: &str = "\
Examples:
  ha ipvs apply -f /etc/keepalived/keepalived.conf --dry-run
  ha ipvs apply -f keepalived.conf
  ha ipvs apply -f keepalived.conf --json | jq -r 'select(.event == \"op\") | .line'";

/// Make the IPVS table what a keepalived.conf asks for (prints the changes)
#[derive(Debug, Args)]
#[command(long_about = APPLY_LONG, after_help = APPLY_EXAMPLES)]
pub struct ApplyArgs {
    /// Configuration file
    #[arg(short = 'f', long = "use-file", value_name = "FILE", default_value = DEFAULT_CONFIG)]
    pub file: PathBuf,
    /// Config id for @ID lines (default: the host name up to the first dot)
    #[arg(short = 'i', long = "config-id", value_name = "ID")]
    pub config_id: Option<String>,
    /// Print the changes without making them
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// One JSON object per line
    #[arg(long)]
    pub json: bool,
}

// ---------------------------------------------------------------------------------------
// Options -> model (pure)

/// A new service from `add service` options (ipvsadm's defaults for what is not given).
pub fn new_service(key: ServiceKey, o: &ServiceOptions) -> Result<Service, String> {
    let mut s = Service::new(key);
    edit_service(&mut s, o)?;
    if let ServiceKey::Addr { port: 0, addr, .. } = key {
        if !s.is_persistent() {
            let hint = if addr.is_ipv6() {
                "; an IPv6 address takes its port after brackets: [2001:db8::1]:80"
            } else {
                ""
            };
            return Err(format!(
                "{} has no port: a service for every port needs --persistent{hint}",
                service_label(&key)
            ));
        }
    }
    Ok(s)
}

/// Applies the options given to a service's settings.
pub fn edit_service(s: &mut Service, o: &ServiceOptions) -> Result<(), String> {
    if let Some(name) = &o.scheduler {
        // sh-port is not mh-port: flags named after the old scheduler go with it.
        if o.sched_flags.is_none() && sched_flag_names(name) != sched_flag_names(&s.scheduler) {
            s.flags.0 &= !SCHED_BITS;
        }
        s.scheduler = name.clone();
    }
    if let Some(t) = o.persistent {
        s.flags.0 |= ServiceFlags::PERSISTENT;
        s.timeout = t;
    }
    if o.no_persistent {
        s.flags.0 &= !ServiceFlags::PERSISTENT;
        s.timeout = 0;
    }
    if let Some(m) = o.netmask {
        if !s.is_persistent() {
            return Err("--netmask only acts with persistence: add --persistent".into());
        }
        s.netmask = netmask_value(m, s.key.family())?;
    }
    if let Some(f) = &o.sched_flags {
        s.flags.0 = (s.flags.0 & !SCHED_BITS) | sched_flag_bits(f, &s.scheduler)?;
    }
    if let Some(PeArg(pe)) = &o.pe {
        s.pe_name = pe.clone();
    }
    if o.ops {
        if let ServiceKey::Addr { protocol, .. } = s.key {
            if protocol != Protocol::Udp {
                return Err(
                    "--ops (one-packet scheduling) is for UDP services (and fwmarks)".into(),
                );
            }
        }
        s.flags.0 |= ServiceFlags::ONEPACKET;
    }
    if o.no_ops {
        s.flags.0 &= !ServiceFlags::ONEPACKET;
    }
    Ok(())
}

const SCHED_BITS: u32 = ServiceFlags::SCHED1 | ServiceFlags::SCHED2 | ServiceFlags::SCHED3;

/// The port a real server gets in a service: its own with NAT (the service's when none is
/// given); the service's with DR and TUN, which cannot change it (ipvsadm's rule). The
/// warning says when a given port is not used.
pub fn dest_port(key: &ServiceKey, real: &Endpoint, forward: Forward) -> (u16, Option<String>) {
    let service_port = match key {
        ServiceKey::Addr { port, .. } => *port,
        ServiceKey::Fwmark { .. } => 0,
    };
    match (forward, real.port) {
        (Forward::Masq, Some(p)) => (p, None),
        (Forward::Masq, None) => (service_port, None),
        (_, Some(p)) if p != service_port => (
            service_port,
            Some(format!(
                "{} forwarding keeps the service's port: {} is used as {}",
                forward_name(forward),
                dest_label(&real.addr, p),
                dest_label(&real.addr, service_port)
            )),
        ),
        _ => (service_port, None),
    }
}

/// A new real server from `add dest` options (DR, weight 1 unless given).
pub fn new_dest(
    key: &ServiceKey,
    real: &Endpoint,
    o: &DestOptions,
) -> Result<(Dest, Option<String>), String> {
    let forward = forward_of(o, Forward::Route)?;
    let (port, warning) = dest_port(key, real, forward);
    let mut d = Dest::new(real.addr, port);
    if key.family() != Family::of(&real.addr) && forward != Forward::Tunnel {
        return Err(format!(
            "{} is not of the service's address family: only tunnel (--forward tun) real servers may be",
            real.addr
        ));
    }
    edit_dest(&mut d, o)?;
    Ok((d, warning))
}

fn forward_of(o: &DestOptions, default: Forward) -> Result<Forward, String> {
    let tunnel_option = o.tun_type.is_some() || o.tun_port.is_some() || o.tun_csum.is_some();
    Ok(match o.forward {
        Some(ForwardArg::Dr) | Some(ForwardArg::Nat) if tunnel_option => {
            return Err("--tun-type, --tun-port and --tun-csum are for --forward tun".into())
        }
        Some(ForwardArg::Dr) => Forward::Route,
        Some(ForwardArg::Nat) => Forward::Masq,
        Some(ForwardArg::Tun) => Forward::Tunnel,
        None if tunnel_option => Forward::Tunnel,
        None => default,
    })
}

/// Applies the options given to a real server's settings.
pub fn edit_dest(d: &mut Dest, o: &DestOptions) -> Result<(), String> {
    d.forward = forward_of(o, d.forward)?;
    if let Some(w) = o.weight {
        d.weight = w;
    }
    if let Some(u) = o.upper {
        d.u_threshold = u;
    }
    if let Some(l) = o.lower {
        d.l_threshold = l;
    }
    // The kernel's rule (ERANGE): lower <= upper, even when upper is 0 (no limit).
    if d.l_threshold > d.u_threshold {
        return Err(format!(
            "the lower threshold ({}) is above the upper one ({})",
            d.l_threshold, d.u_threshold
        ));
    }
    if d.forward != Forward::Tunnel {
        return Ok(());
    }
    if let Some(t) = o.tun_type {
        d.tunnel.kind = match t {
            TunTypeArg::Ipip => TunnelType::Ipip,
            TunTypeArg::Gue => TunnelType::Gue,
            TunTypeArg::Gre => TunnelType::Gre,
        };
    }
    if let Some(p) = o.tun_port {
        d.tunnel.port = p;
    }
    if let Some(c) = o.tun_csum {
        d.tunnel.flags = TunnelFlags(match c {
            TunCsumArg::Nocsum => 0,
            TunCsumArg::Csum => TunnelFlags::CSUM,
            TunCsumArg::Remcsum => TunnelFlags::REMCSUM,
        });
    }
    let t = &mut d.tunnel;
    match t.kind {
        TunnelType::Gue if t.port == 0 => return Err("a gue tunnel needs --tun-port".into()),
        TunnelType::Ipip | TunnelType::Gre if o.tun_port.is_some() => {
            return Err("only gue tunnels take --tun-port".into())
        }
        TunnelType::Ipip if t.flags.0 != 0 => {
            return Err("ipip tunnels have no checksum option".into())
        }
        TunnelType::Gre if t.flags.0 & TunnelFlags::REMCSUM != 0 => {
            return Err("gre tunnels do not support remcsum".into())
        }
        // A port left from an earlier gue setting means nothing to ipip / gre.
        TunnelType::Ipip | TunnelType::Gre => t.port = 0,
        TunnelType::Gue => {}
    }
    Ok(())
}

/// The real server `real` names among a service's: the exact address and port, else (no
/// port given) the only one with that address.
pub fn find_dest<'a>(key: &ServiceKey, dests: &'a [Dest], real: &Endpoint) -> Option<&'a Dest> {
    let service_port = match key {
        ServiceKey::Addr { port, .. } => *port,
        ServiceKey::Fwmark { .. } => 0,
    };
    let port = real.port.unwrap_or(service_port);
    if let Some(d) = dests.iter().find(|d| d.addr == real.addr && d.port == port) {
        return Some(d);
    }
    if real.port.is_none() {
        let mut same = dests.iter().filter(|d| d.addr == real.addr);
        if let (Some(d), None) = (same.next(), same.next()) {
            return Some(d);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// Rendering (pure)

fn family_name(f: Family) -> &'static str {
    match f {
        Family::V4 => "ipv4",
        Family::V6 => "ipv6",
    }
}

/// `list --json`: one service.
#[derive(Debug, Serialize)]
pub struct ServiceJson {
    pub service: String,
    pub protocol: Option<&'static str>,
    pub address: Option<String>,
    pub port: Option<u16>,
    pub fwmark: Option<u32>,
    pub family: &'static str,
    pub scheduler: String,
    /// Persistence timeout in seconds; null when not persistent.
    pub persistent: Option<u32>,
    /// With persistence: IPv4 dotted mask or IPv6 prefix length.
    pub netmask: Option<String>,
    pub pe: Option<String>,
    pub ops: bool,
    pub sched_flags: Vec<&'static str>,
    pub dests: Vec<DestJson>,
}

#[derive(Debug, Serialize)]
pub struct DestJson {
    pub dest: String,
    pub address: String,
    pub port: u16,
    pub forward: &'static str,
    pub weight: i32,
    pub upper_threshold: u32,
    pub lower_threshold: u32,
    /// Tunnel settings, for `forward: "tun"` only.
    pub tunnel: Option<TunnelJson>,
    pub active_conns: u32,
    pub inactive_conns: u32,
    pub persistent_conns: u32,
}

#[derive(Debug, Serialize)]
pub struct TunnelJson {
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// GUE port; null for other types.
    pub port: Option<u16>,
    pub csum: &'static str,
}

fn sched_flag_list(s: &Service) -> Vec<&'static str> {
    let names = sched_flag_names(&s.scheduler);
    [
        ServiceFlags::SCHED1,
        ServiceFlags::SCHED2,
        ServiceFlags::SCHED3,
    ]
    .iter()
    .zip(names)
    .filter(|(bit, _)| s.flags.has(**bit))
    .map(|(_, n)| n)
    .collect()
}

pub fn service_json(st: &ServiceState) -> ServiceJson {
    let s = &st.service;
    let (protocol, address, port, fwmark) = match s.key {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => (
            Some(match protocol {
                Protocol::Tcp => "tcp",
                Protocol::Udp => "udp",
                Protocol::Sctp => "sctp",
            }),
            Some(addr.to_string()),
            Some(port),
            None,
        ),
        ServiceKey::Fwmark { mark, .. } => (None, None, None, Some(mark)),
    };
    ServiceJson {
        service: service_label(&s.key),
        protocol,
        address,
        port,
        fwmark,
        family: family_name(s.key.family()),
        scheduler: s.scheduler.clone(),
        persistent: s.is_persistent().then_some(s.timeout),
        netmask: s
            .is_persistent()
            .then(|| netmask_text(s.key.family(), s.netmask)),
        pe: s.pe_name.clone().filter(|p| !p.is_empty()),
        ops: s.flags.has(ServiceFlags::ONEPACKET),
        sched_flags: sched_flag_list(s),
        dests: st.dests.iter().map(dest_json).collect(),
    }
}

fn dest_json(d: &Dest) -> DestJson {
    DestJson {
        dest: dest_label(&d.addr, d.port),
        address: d.addr.to_string(),
        port: d.port,
        forward: forward_name(d.forward),
        weight: d.weight,
        upper_threshold: d.u_threshold,
        lower_threshold: d.l_threshold,
        tunnel: (d.forward == Forward::Tunnel).then(|| tunnel_json(&d.tunnel)),
        active_conns: d.active_conns,
        inactive_conns: d.inact_conns,
        persistent_conns: d.persist_conns,
    }
}

fn tunnel_json(t: &Tunnel) -> TunnelJson {
    TunnelJson {
        kind: tunnel_type_name(t.kind),
        port: (t.kind == TunnelType::Gue).then_some(t.port),
        csum: tunnel_csum_name(t.flags),
    }
}

fn new_table(header: Vec<&str>) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .apply_modifier(comfy_table::modifiers::UTF8_ROUND_CORNERS)
        .set_header(header);
    t
}

fn right_align(t: &mut Table, columns: std::ops::Range<usize>) {
    for i in columns {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// `ha ipvs list`: one row per real server, the service on its first row.
pub fn list_table(table: &[ServiceState]) -> String {
    if table.is_empty() {
        return "No IPVS services.\n".to_string();
    }
    let limits = table
        .iter()
        .flat_map(|s| &s.dests)
        .any(|d| d.u_threshold != 0 || d.l_threshold != 0);
    let mut header = vec![
        "Service",
        "Scheduling",
        "Real server",
        "Forward",
        "Weight",
        "Active",
        "Inactive",
    ];
    if limits {
        header.push("Thresholds");
    }
    let mut t = new_table(header);
    for st in table {
        let first = [
            service_label(&st.service.key),
            service_settings(&st.service),
        ];
        if st.dests.is_empty() {
            let mut row = vec![
                first[0].clone(),
                first[1].clone(),
                "(no real servers)".to_string(),
            ];
            row.extend(std::iter::repeat(String::new()).take(if limits { 5 } else { 4 }));
            t.add_row(row);
        }
        for (i, d) in st.dests.iter().enumerate() {
            let (svc, sched) = if i == 0 {
                (first[0].clone(), first[1].clone())
            } else {
                (String::new(), String::new())
            };
            let forward = if d.forward == Forward::Tunnel {
                format!("tun {}", diff::tunnel_text(d))
            } else {
                forward_name(d.forward).to_string()
            };
            let mut row = vec![
                svc,
                sched,
                dest_label(&d.addr, d.port),
                forward,
                d.weight.to_string(),
                d.active_conns.to_string(),
                d.inact_conns.to_string(),
            ];
            if limits {
                row.push(thresholds_text(d));
            }
            t.add_row(row);
        }
    }
    right_align(&mut t, 4..7);
    format!("{t}\n")
}

fn thresholds_text(d: &Dest) -> String {
    match (d.u_threshold, d.l_threshold) {
        (0, 0) => String::new(),
        (u, 0) => format!("upper {u}"),
        (0, l) => format!("lower {l}"),
        (u, l) => format!("upper {u}, lower {l}"),
    }
}

/// `stats --json`: every counter and rate of a service or real server.
#[derive(Debug, Serialize)]
pub struct StatsJson {
    pub conns: u64,
    pub inpkts: u64,
    pub outpkts: u64,
    pub inbytes: u64,
    pub outbytes: u64,
    pub cps: u64,
    pub inpps: u64,
    pub outpps: u64,
    pub inbps: u64,
    pub outbps: u64,
}

impl From<&Stats> for StatsJson {
    fn from(s: &Stats) -> Self {
        StatsJson {
            conns: s.conns,
            inpkts: s.inpkts,
            outpkts: s.outpkts,
            inbytes: s.inbytes,
            outbytes: s.outbytes,
            cps: s.cps,
            inpps: s.inpps,
            outpps: s.outpps,
            inbps: s.inbps,
            outbps: s.outbps,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ServiceStatsJson {
    pub service: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<u64>,
    #[serde(flatten)]
    pub stats: StatsJson,
    pub dests: Vec<DestStatsJson>,
}

#[derive(Debug, Serialize)]
pub struct DestStatsJson {
    pub dest: String,
    #[serde(flatten)]
    pub stats: StatsJson,
}

pub fn stats_json(st: &ServiceState, sample: Option<u64>) -> ServiceStatsJson {
    ServiceStatsJson {
        service: service_label(&st.service.key),
        sample,
        stats: StatsJson::from(&st.service.stats),
        dests: st
            .dests
            .iter()
            .map(|d| DestStatsJson {
                dest: dest_label(&d.addr, d.port),
                stats: StatsJson::from(&d.stats),
            })
            .collect(),
    }
}

/// `ha ipvs stats`: one row per service, then one per real server (`-> ADDR:PORT`).
pub fn stats_table(table: &[ServiceState], rate: bool) -> String {
    if table.is_empty() {
        return "No IPVS services.\n".to_string();
    }
    let header = if rate {
        vec![
            "Service / real server",
            "Conn/s",
            "Pkt/s in",
            "Pkt/s out",
            "Byte/s in",
            "Byte/s out",
        ]
    } else {
        vec![
            "Service / real server",
            "Conns",
            "Packets in",
            "Packets out",
            "Bytes in",
            "Bytes out",
        ]
    };
    let mut t = new_table(header);
    let numbers = |s: &Stats| -> Vec<String> {
        let v = if rate {
            [s.cps, s.inpps, s.outpps, s.inbps, s.outbps]
        } else {
            [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes]
        };
        v.iter().map(u64::to_string).collect()
    };
    for st in table {
        let mut row = vec![service_label(&st.service.key)];
        row.extend(numbers(&st.service.stats));
        t.add_row(row);
        for d in &st.dests {
            let mut row = vec![format!("  -> {}", dest_label(&d.addr, d.port))];
            row.extend(numbers(&d.stats));
            t.add_row(row);
        }
    }
    right_align(&mut t, 1..6);
    format!("{t}\n")
}

/// One change as a JSON line (apply, add, edit, del, clear).
#[derive(Debug, Serialize)]
pub struct OpJson {
    pub event: &'static str,
    pub action: &'static str,
    pub object: &'static str,
    pub service: Option<String>,
    pub dest: Option<String>,
    pub line: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ChangeJson>,
}

#[derive(Debug, Serialize)]
pub struct ChangeJson {
    pub field: &'static str,
    pub from: String,
    pub to: String,
}

pub fn op_json(step: &Step) -> OpJson {
    let (action, object, service, dest, settings) = match &step.op {
        Op::AddService(s) => (
            "add",
            "service",
            Some(s.key),
            None,
            Some(service_settings(s)),
        ),
        Op::EditService(s) => ("edit", "service", Some(s.key), None, None),
        Op::DelService(k) => ("delete", "service", Some(*k), None, None),
        Op::AddDest(k, d) => (
            "add",
            "dest",
            Some(*k),
            Some(dest_label(&d.addr, d.port)),
            Some(dest_settings(d)),
        ),
        Op::EditDest(k, d) => (
            "edit",
            "dest",
            Some(*k),
            Some(dest_label(&d.addr, d.port)),
            None,
        ),
        Op::DelDest {
            service,
            addr,
            port,
        } => (
            "delete",
            "dest",
            Some(*service),
            Some(dest_label(addr, *port)),
            None,
        ),
        Op::Flush => ("delete", "all", None, None, None),
        _ => ("other", "other", None, None, None),
    };
    OpJson {
        event: "op",
        action,
        object,
        service: service.map(|k| service_label(&k)),
        dest,
        line: step.line(),
        settings,
        changes: step
            .changes
            .iter()
            .map(|c: &FieldChange| ChangeJson {
                field: c.field,
                from: c.from.clone(),
                to: c.to.clone(),
            })
            .collect(),
    }
}

#[derive(Debug, Serialize)]
struct NoteJson<'a> {
    event: &'static str,
    message: &'a str,
}

#[derive(Debug, Serialize)]
struct DoneJson<'a> {
    event: &'static str,
    file: &'a str,
    ops: usize,
    applied: bool,
    dry_run: bool,
}

// ---------------------------------------------------------------------------------------
// Kernel errors, worded per operation

/// A failed read or change, for the user: the exit status follows the cause.
pub fn ipvs_error(what: &str, e: &IpvsError, op: Option<&Op>) -> CliError {
    match e {
        IpvsError::NotAvailable => CliError::new(Exit::Unsupported, what, e)
            .with_hint("load the ip_vs module (modprobe ip_vs)"),
        IpvsError::Permission => {
            CliError::new(Exit::Permission, what, e).with_hint("run as root or with CAP_NET_ADMIN")
        }
        IpvsError::Kernel { errno } => {
            let (why, hint) = kernel_refusal(op, *errno);
            let err = CliError::runtime(what, why);
            match hint {
                Some(h) => err.with_hint(h),
                None => err,
            }
        }
        IpvsError::Io(_) | IpvsError::Malformed(_) => CliError::runtime(what, e),
    }
}

/// What the kernel's errno means for this operation (ipvsadm's table, in ha's words).
pub fn kernel_refusal(op: Option<&Op>, errno: i32) -> (String, Option<String>) {
    use nix::errno::Errno;
    let errno = Errno::from_raw(errno);
    let generic = |subject: String| (format!("{subject}: {}", errno.desc()), None);
    let Some(op) = op else {
        return (errno.desc().to_string(), None);
    };
    let sched_missing = |s: &Service| {
        let sched = &s.scheduler;
        match s.pe_name.as_deref().filter(|p| !p.is_empty()) {
            None => (
                format!("scheduler `{sched}` is not available in this kernel"),
                Some(format!("modprobe ip_vs_{sched}")),
            ),
            Some(pe) => (
                format!(
                    "scheduler `{sched}` or persistence engine `{pe}` is not available in this kernel"
                ),
                Some(format!("modprobe ip_vs_{sched}; modprobe ip_vs_pe_{pe}")),
            ),
        }
    };
    match (op, errno) {
        (Op::AddService(s), Errno::EEXIST) => (
            format!("service {} already exists", service_label(&s.key)),
            Some("change it with `ha ipvs edit service`".into()),
        ),
        (Op::AddService(s) | Op::EditService(s), Errno::ENOENT) => sched_missing(s),
        (Op::EditService(s), Errno::ESRCH) => {
            (format!("no service {}", service_label(&s.key)), None)
        }
        (Op::DelService(k) | Op::Zero(Some(k)), Errno::ESRCH) => {
            (format!("no service {}", service_label(k)), None)
        }
        (Op::AddDest(k, _) | Op::EditDest(k, _), Errno::ESRCH) => {
            (format!("no service {}", service_label(k)), None)
        }
        (Op::DelDest { service, .. }, Errno::ESRCH) => {
            (format!("no service {}", service_label(service)), None)
        }
        (Op::AddDest(k, d), Errno::EEXIST) => (
            format!(
                "real server {} already exists in service {}",
                dest_label(&d.addr, d.port),
                service_label(k)
            ),
            Some("change it with `ha ipvs edit dest`".into()),
        ),
        (Op::EditDest(k, d), Errno::ENOENT) => (
            format!(
                "no real server {} in service {}",
                dest_label(&d.addr, d.port),
                service_label(k)
            ),
            None,
        ),
        (
            Op::DelDest {
                service,
                addr,
                port,
            },
            Errno::ENOENT,
        ) => (
            format!(
                "no real server {} in service {}",
                dest_label(addr, *port),
                service_label(service)
            ),
            None,
        ),
        (Op::AddService(s) | Op::EditService(s), _) => {
            generic(format!("service {}", service_label(&s.key)))
        }
        (Op::DelService(k), _) => generic(format!("service {}", service_label(k))),
        (Op::AddDest(k, d) | Op::EditDest(k, d), _) => generic(format!(
            "real server {} of service {}",
            dest_label(&d.addr, d.port),
            service_label(k)
        )),
        (
            Op::DelDest {
                service,
                addr,
                port,
            },
            _,
        ) => generic(format!(
            "real server {} of service {}",
            dest_label(addr, *port),
            service_label(service)
        )),
        _ => (errno.desc().to_string(), None),
    }
}

// ---------------------------------------------------------------------------------------
// Commands

/// The kernel's IPVS, through the generic-netlink client.
fn open() -> Result<Box<dyn Ipvs>, IpvsError> {
    Ok(Box::new(crate::ipvs::netlink::Client::open()?))
}

pub(super) fn connect(what: &str) -> Result<Box<dyn Ipvs>, CliError> {
    open().map_err(|e| ipvs_error(what, &e, None))
}

/// Every service with its real servers, sorted as ipvsadm sorts them (the kernel gives its
/// hash order, and the newest real server first): protocol, address, port, then fwmarks;
/// real servers by address and port.
pub fn read_table(ipvs: &mut dyn Ipvs) -> Result<Vec<ServiceState>, IpvsError> {
    let mut services = ipvs.services()?;
    services.sort_by_key(|s| s.key);
    let mut out = Vec::with_capacity(services.len());
    for service in services {
        let mut dests = ipvs.dests(&service.key)?;
        dests.sort_by_key(|d| (d.addr, d.port));
        out.push(ServiceState { service, dests });
    }
    Ok(out)
}

pub fn run(a: &IpvsArgs) -> Result<Exit, CliError> {
    match &a.command {
        IpvsCommand::List(l) => list(l),
        IpvsCommand::Stats(s) => stats(s),
        IpvsCommand::Add(AddArgs {
            what: AddWhat::Service(s),
        }) => add_service(s),
        IpvsCommand::Add(AddArgs {
            what: AddWhat::Dest(d),
        }) => add_dest(d),
        IpvsCommand::Edit(EditArgs {
            what: EditWhat::Service(s),
        }) => edit_service_cmd(s),
        IpvsCommand::Edit(EditArgs {
            what: EditWhat::Dest(d),
        }) => edit_dest_cmd(d),
        IpvsCommand::Del(DelArgs {
            what: DelWhat::Service(s),
        }) => del_service(s),
        IpvsCommand::Del(DelArgs {
            what: DelWhat::Dest(d),
        }) => del_dest(d),
        IpvsCommand::Clear(c) => clear(c),
        IpvsCommand::Save(s) => super::ipvs_saved::save(s),
        IpvsCommand::Restore(r) => super::ipvs_saved::restore(r),
        IpvsCommand::Apply(a) => apply(a),
    }
}

fn out_error(what: &str) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |e| CliError::runtime(what, e)
}

fn json_line(out: &mut dyn Write, what: &str, v: &impl Serialize) -> Result<(), CliError> {
    serde_json::to_writer(&mut *out, v).map_err(|e| CliError::runtime(what, e))?;
    writeln!(out).map_err(out_error(what))
}

fn list(a: &ListArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "ipvs list";
    let mut ipvs = connect(WHAT)?;
    let table = read_table(ipvs.as_mut()).map_err(|e| ipvs_error(WHAT, &e, None))?;
    let mut out = std::io::stdout().lock();
    if a.json {
        for st in &table {
            json_line(&mut out, WHAT, &service_json(st))?;
        }
    } else {
        out.write_all(list_table(&table).as_bytes())
            .map_err(out_error(WHAT))?;
    }
    Ok(Exit::Ok)
}

fn stats(a: &StatsArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "ipvs stats";
    let mut ipvs = connect(WHAT)?;
    let mut sample = 0u64;
    loop {
        sample += 1;
        let table = read_table(ipvs.as_mut()).map_err(|e| ipvs_error(WHAT, &e, None))?;
        let mut out = std::io::stdout().lock();
        if a.json {
            let n = a.watch.map(|_| sample);
            for st in &table {
                json_line(&mut out, WHAT, &stats_json(st, n))?;
            }
        } else {
            if sample > 1 {
                writeln!(out).map_err(out_error(WHAT))?;
            }
            out.write_all(stats_table(&table, a.rate).as_bytes())
                .map_err(out_error(WHAT))?;
        }
        out.flush().map_err(out_error(WHAT))?;
        drop(out);
        let Some(every) = a.watch else { break };
        if a.count.is_some_and(|c| sample >= c) {
            break;
        }
        std::thread::sleep(every);
    }
    Ok(Exit::Ok)
}

/// Applies one change and prints it.
fn change(what: &str, ipvs: &mut dyn Ipvs, step: Step, json: bool) -> Result<Exit, CliError> {
    ipvs.apply(std::slice::from_ref(&step.op))
        .map_err(|e| ipvs_error(what, &e.error, Some(&step.op)))?;
    print_step(what, &step, json)?;
    Ok(Exit::Ok)
}

fn print_step(what: &str, step: &Step, json: bool) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    if json {
        json_line(&mut out, what, &op_json(step))
    } else {
        writeln!(out, "{}", step.line()).map_err(out_error(what))
    }
}

fn add_service(a: &AddServiceArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "ipvs add service";
    let key = a.service.key(&a.family);
    let service = new_service(key, &a.options).map_err(|e| CliError::usage(WHAT, e))?;
    let mut ipvs = connect(WHAT)?;
    let step = Step {
        op: Op::AddService(service),
        changes: Vec::new(),
    };
    change(WHAT, ipvs.as_mut(), step, a.json)
}

fn current_service(what: &str, ipvs: &mut dyn Ipvs, key: &ServiceKey) -> Result<Service, CliError> {
    match ipvs.service(key) {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(
            CliError::runtime(what, format!("no service {}", service_label(key)))
                .with_hint("`ha ipvs list` shows the services"),
        ),
        Err(e) => Err(ipvs_error(what, &e, None)),
    }
}

fn edit_service_cmd(a: &EditServiceArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "ipvs edit service";
    if a.options.is_empty() {
        return Err(CliError::usage(WHAT, "nothing to change").with_hint(
            "give --scheduler, --persistent, --no-persistent, --netmask, --sched-flags, --pe, --ops or --no-ops",
        ));
    }
    let key = a.service.key(&a.family);
    let mut ipvs = connect(WHAT)?;
    let old = current_service(WHAT, ipvs.as_mut(), &key)?;
    let mut new = old.clone();
    edit_service(&mut new, &a.options).map_err(|e| CliError::usage(WHAT, e))?;
    let changes = diff::service_changes(&new, &old);
    if changes.is_empty() {
        return say_unchanged(WHAT, &service_label(&key), a.json);
    }
    new.flags.0 &= diff::SETTABLE_FLAGS;
    let step = Step {
        op: Op::EditService(new),
        changes,
    };
    change(WHAT, ipvs.as_mut(), step, a.json)
}

fn say_unchanged(what: &str, subject: &str, json: bool) -> Result<Exit, CliError> {
    let mut out = std::io::stdout().lock();
    let message = format!("{subject} already has these settings: nothing to do");
    if json {
        json_line(
            &mut out,
            what,
            &NoteJson {
                event: "note",
                message: &message,
            },
        )?;
    } else {
        writeln!(out, "{message}").map_err(out_error(what))?;
    }
    Ok(Exit::Ok)
}

fn del_service(a: &DelServiceArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "ipvs del service";
    let key = a.service.key(&a.family);
    let mut ipvs = connect(WHAT)?;
    let step = Step {
        op: Op::DelService(key),
        changes: Vec::new(),
    };
    change(WHAT, ipvs.as_mut(), step, a.json)
}

fn add_dest(a: &AddDestArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "ipvs add dest";
    let key = a.service.key(&a.family);
    let (dest, warning) =
        new_dest(&key, &a.real, &a.options).map_err(|e| CliError::usage(WHAT, e))?;
    if let Some(w) = warning {
        warn(w);
    }
    let mut ipvs = connect(WHAT)?;
    let step = Step {
        op: Op::AddDest(key, dest),
        changes: Vec::new(),
    };
    change(WHAT, ipvs.as_mut(), step, a.json)
}

/// The real server `real` names in a service of the kernel.
fn current_dest(
    what: &str,
    ipvs: &mut dyn Ipvs,
    key: &ServiceKey,
    real: &Endpoint,
) -> Result<Dest, CliError> {
    current_service(what, ipvs, key)?;
    let dests = ipvs.dests(key).map_err(|e| ipvs_error(what, &e, None))?;
    find_dest(key, &dests, real).cloned().ok_or_else(|| {
        let shown = match real.port {
            Some(p) => dest_label(&real.addr, p),
            None => real.addr.to_string(),
        };
        CliError::runtime(
            what,
            format!("no real server {shown} in service {}", service_label(key)),
        )
        .with_hint("`ha ipvs list` shows the real servers")
    })
}

fn edit_dest_cmd(a: &EditDestArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "ipvs edit dest";
    if a.options.is_empty() {
        return Err(CliError::usage(WHAT, "nothing to change").with_hint(
            "give --weight, --forward, --upper, --lower, --tun-type, --tun-port or --tun-csum",
        ));
    }
    let key = a.service.key(&a.family);
    let mut ipvs = connect(WHAT)?;
    let old = current_dest(WHAT, ipvs.as_mut(), &key, &a.real)?;
    let mut new = old.clone();
    edit_dest(&mut new, &a.options).map_err(|e| CliError::usage(WHAT, e))?;
    let changes = diff::dest_changes(&new, &old);
    if changes.is_empty() {
        return say_unchanged(
            WHAT,
            &format!(
                "real server {} of {}",
                dest_label(&old.addr, old.port),
                service_label(&key)
            ),
            a.json,
        );
    }
    let step = Step {
        op: Op::EditDest(key, new),
        changes,
    };
    change(WHAT, ipvs.as_mut(), step, a.json)
}

fn del_dest(a: &DelDestArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "ipvs del dest";
    let key = a.service.key(&a.family);
    let mut ipvs = connect(WHAT)?;
    let old = current_dest(WHAT, ipvs.as_mut(), &key, &a.real)?;
    let step = Step {
        op: Op::DelDest {
            service: key,
            addr: old.addr,
            port: old.port,
        },
        changes: Vec::new(),
    };
    change(WHAT, ipvs.as_mut(), step, a.json)
}

fn clear(a: &ClearArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "ipvs clear";
    let mut ipvs = connect(WHAT)?;
    let mut services = ipvs.services().map_err(|e| ipvs_error(WHAT, &e, None))?;
    services.sort_by_key(|s| s.key);
    if services.is_empty() {
        return say_nothing(WHAT, "no IPVS services: nothing to clear", a.json);
    }
    ipvs.apply(&[Op::Flush])
        .map_err(|e| ipvs_error(WHAT, &e.error, Some(&Op::Flush)))?;
    for s in services {
        let step = Step {
            op: Op::DelService(s.key),
            changes: Vec::new(),
        };
        print_step(WHAT, &step, a.json)?;
    }
    Ok(Exit::Ok)
}

fn say_nothing(what: &str, message: &str, json: bool) -> Result<Exit, CliError> {
    let mut out = std::io::stdout().lock();
    if json {
        json_line(
            &mut out,
            what,
            &NoteJson {
                event: "note",
                message,
            },
        )?;
    } else {
        writeln!(out, "{message}").map_err(out_error(what))?;
    }
    Ok(Exit::Ok)
}

fn apply(a: &ApplyArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "ipvs apply";
    let shown = a.file.display().to_string();
    let parsed = conf::load(
        &a.file,
        &LoadOptions {
            config_id: a.config_id.clone(),
            all_config: false,
        },
    );
    if parsed.diags.has_errors() {
        let _ = write_findings(&mut std::io::stderr().lock(), &parsed);
        return Err(CliError::new(
            Exit::Down,
            format!("{WHAT} {shown}"),
            "the configuration has errors (listed above); nothing was changed",
        )
        .with_hint(format!("`ha run -t -f {shown}` checks it")));
    }
    let want = desired::from_config(&parsed.config)
        .map_err(|e| CliError::new(Exit::Down, format!("{WHAT} {shown}"), e))?;
    let mut ipvs = connect(WHAT)?;
    let have = read_table(ipvs.as_mut()).map_err(|e| ipvs_error(WHAT, &e, None))?;
    let steps = diff::plan(&want.services, &have);
    let mut out = std::io::stdout().lock();
    let fail = out_error(WHAT);
    for note in &want.notes {
        if a.json {
            json_line(
                &mut out,
                WHAT,
                &NoteJson {
                    event: "note",
                    message: note,
                },
            )?;
        } else {
            writeln!(out, "note: {note}").map_err(&fail)?;
        }
    }
    for step in &steps {
        if a.json {
            json_line(&mut out, WHAT, &op_json(step))?;
        } else {
            writeln!(out, "{}", step.line()).map_err(&fail)?;
        }
    }
    out.flush().map_err(&fail)?;
    let ops: Vec<Op> = steps.iter().map(|s| s.op.clone()).collect();
    if !a.dry_run && !ops.is_empty() {
        ipvs.apply(&ops)
            .map_err(|e| apply_error(WHAT, &e, &steps))?;
    }
    if a.json {
        json_line(
            &mut out,
            WHAT,
            &DoneJson {
                event: "done",
                file: &shown,
                ops: ops.len(),
                applied: !a.dry_run && !ops.is_empty(),
                dry_run: a.dry_run,
            },
        )?;
    } else if ops.is_empty() {
        writeln!(out, "IPVS already matches {shown}: nothing to do").map_err(&fail)?;
    } else if a.dry_run {
        writeln!(out, "{} change(s) not made (--dry-run)", ops.len()).map_err(&fail)?;
    } else {
        writeln!(out, "{} change(s) made", ops.len()).map_err(&fail)?;
    }
    Ok(Exit::Ok)
}

/// A batch stopped part way: which change failed, why, and what took effect: every change
/// before it, and those after it that the kernel ran in the same batch.
pub(super) fn apply_error(what: &str, e: &ApplyError, steps: &[Step]) -> CliError {
    let step = steps.get(e.index);
    let mut err = ipvs_error(what, &e.error, step.map(|s| &s.op));
    if let Some(step) = step {
        err.why = format!(
            "change {} of {} ({}): {}",
            e.index + 1,
            steps.len(),
            step.line(),
            err.why
        );
    }
    let made_after = e.made_after();
    let unknown_after = e.unknown_after();
    let mut said = Vec::new();
    if e.index == 0 && made_after.is_empty() && unknown_after.is_empty() {
        said.push("no change was made".to_string());
    } else if e.index == 1 {
        said.push("the change before it was made".to_string());
    } else if e.index > 1 {
        said.push(format!("the {} changes before it were made", e.index));
    }
    // Change numbers count from 1, as in `change N of M`.
    let numbered = |indices: &[usize]| -> (String, bool) {
        let ones: Vec<usize> = indices.iter().map(|i| i + 1).collect();
        (number_ranges(&ones), ones.len() > 1)
    };
    if !made_after.is_empty() {
        let (list, many) = numbered(&made_after);
        said.push(format!(
            "{} {list} after it {} made too (sent in the same batch)",
            if many { "changes" } else { "change" },
            if many { "were" } else { "was" }
        ));
    }
    let failed_after = e.failed_after();
    if !failed_after.is_empty() {
        let (list, many) = numbered(&failed_after);
        said.push(format!(
            "{} {list} failed too",
            if many { "changes" } else { "change" }
        ));
    }
    if !unknown_after.is_empty() {
        let (list, many) = numbered(&unknown_after);
        said.push(format!(
            "{} {list} may or may not have been made (no answer from the kernel)",
            if many { "changes" } else { "change" }
        ));
    }
    let sent_end = e.index + 1 + e.after.len();
    if !e.after.is_empty() && sent_end < steps.len() {
        let (list, many) = numbered(&(sent_end..steps.len()).collect::<Vec<_>>());
        said.push(if many {
            format!("changes {list} were not made")
        } else {
            format!("change {list} was not made")
        });
    }
    let done = said.join("; ");
    let hint = match err.hint.take() {
        Some(h) => format!("{done}; {h}"),
        None => format!("{done}; run apply again once the cause is fixed"),
    };
    err.with_hint(hint)
}

/// Sorted numbers as ranges: `3-5, 8`.
fn number_ranges(numbers: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(&first) = numbers.get(i) {
        let mut last = first;
        while numbers.get(i + 1) == Some(&(last + 1)) {
            last += 1;
            i += 1;
        }
        out.push(if first == last {
            first.to_string()
        } else {
            format!("{first}-{last}")
        });
        i += 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::Outcome;
    use nix::libc;

    fn ep(s: &str) -> Endpoint {
        parse_endpoint(s).unwrap()
    }

    fn tcp(s: &str) -> ServiceKey {
        let e = ep(s);
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: e.addr,
            port: e.port.unwrap_or(0),
        }
    }

    fn sample_table() -> Vec<ServiceState> {
        let mut web = Service::new(tcp("10.0.0.1:80"));
        web.scheduler = "wrr".into();
        web.flags.0 |= ServiceFlags::HASHED;
        web.stats.conns = 12;
        web.stats.inpkts = 340;
        web.stats.cps = 2;
        let mut d1 = Dest::new(ep("10.0.0.2").addr, 80);
        d1.weight = 2;
        d1.active_conns = 5;
        d1.inact_conns = 1;
        d1.stats.conns = 12;
        let mut d2 = Dest::new(ep("10.0.0.3").addr, 8080);
        d2.forward = Forward::Masq;
        d2.u_threshold = 100;
        d2.l_threshold = 10;
        let mut dns = Service::new(ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: ep("[fd00::1]").addr,
            port: 53,
        });
        dns.scheduler = "rr".into();
        dns.flags.0 |= ServiceFlags::PERSISTENT;
        dns.timeout = 300;
        let mut tun = Dest::new(ep("[fd00::4]").addr, 53);
        tun.forward = Forward::Tunnel;
        tun.tunnel.kind = TunnelType::Gue;
        tun.tunnel.port = 6080;
        tun.tunnel.flags = TunnelFlags(TunnelFlags::CSUM);
        let fw = Service::new(ServiceKey::Fwmark {
            family: Family::V4,
            mark: 7,
        });
        vec![
            ServiceState {
                service: web,
                dests: vec![d1, d2],
            },
            ServiceState {
                service: dns,
                dests: vec![tun],
            },
            ServiceState {
                service: fw,
                dests: vec![],
            },
        ]
    }

    #[test]
    fn list_table_one_row_per_real_server() {
        assert_eq!(
            list_table(&sample_table()),
            "\
╭──────────────────┬───────────────────┬───────────────────┬────────────────────────┬────────┬────────┬──────────┬─────────────────────╮
│ Service          ┆ Scheduling        ┆ Real server       ┆ Forward                ┆ Weight ┆ Active ┆ Inactive ┆ Thresholds          │
╞══════════════════╪═══════════════════╪═══════════════════╪════════════════════════╪════════╪════════╪══════════╪═════════════════════╡
│ TCP 10.0.0.1:80  ┆ wrr               ┆ 10.0.0.2:80       ┆ dr                     ┆      2 ┆      5 ┆        1 ┆                     │
│                  ┆                   ┆ 10.0.0.3:8080     ┆ nat                    ┆      1 ┆      0 ┆        0 ┆ upper 100, lower 10 │
│ UDP [fd00::1]:53 ┆ rr persistent 300 ┆ [fd00::4]:53      ┆ tun gue port 6080 csum ┆      1 ┆      0 ┆        0 ┆                     │
│ FWM 7            ┆ wlc               ┆ (no real servers) ┆                        ┆        ┆        ┆          ┆                     │
╰──────────────────┴───────────────────┴───────────────────┴────────────────────────┴────────┴────────┴──────────┴─────────────────────╯
"
        );
        assert_eq!(list_table(&[]), "No IPVS services.\n");
        // Without thresholds anywhere, no Thresholds column.
        let mut t = sample_table();
        t[0].dests.pop();
        assert!(!list_table(&t).contains("Thresholds"));
    }

    #[test]
    fn stats_table_totals_or_rates() {
        let totals = stats_table(&sample_table(), false);
        assert!(totals.contains("│ Service / real server ┆ Conns ┆ Packets in ┆ Packets out ┆ Bytes in ┆ Bytes out │"), "{totals}");
        assert!(totals.contains("│ TCP 10.0.0.1:80       ┆    12 ┆        340 ┆           0 ┆        0 ┆         0 │"), "{totals}");
        assert!(totals.contains("│   -> [fd00::4]:53     ┆"), "{totals}");
        let rates = stats_table(&sample_table(), true);
        assert!(rates.contains("Conn/s"), "{rates}");
        assert!(
            rates.contains("│ TCP 10.0.0.1:80       ┆      2 ┆"),
            "{rates}"
        );
    }

    #[test]
    fn json_field_names() {
        let t = sample_table();
        let v = serde_json::to_value(service_json(&t[0])).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "service": "TCP 10.0.0.1:80", "protocol": "tcp", "address": "10.0.0.1",
                "port": 80, "fwmark": null, "family": "ipv4", "scheduler": "wrr",
                "persistent": null, "netmask": null, "pe": null, "ops": false,
                "sched_flags": [],
                "dests": [
                    {"dest": "10.0.0.2:80", "address": "10.0.0.2", "port": 80, "forward": "dr",
                     "weight": 2, "upper_threshold": 0, "lower_threshold": 0, "tunnel": null,
                     "active_conns": 5, "inactive_conns": 1, "persistent_conns": 0},
                    {"dest": "10.0.0.3:8080", "address": "10.0.0.3", "port": 8080,
                     "forward": "nat", "weight": 1, "upper_threshold": 100,
                     "lower_threshold": 10, "tunnel": null, "active_conns": 0,
                     "inactive_conns": 0, "persistent_conns": 0}
                ]
            })
        );
        let v = serde_json::to_value(service_json(&t[1])).unwrap();
        assert_eq!(v["family"], "ipv6");
        assert_eq!(v["persistent"], 300);
        assert_eq!(v["netmask"], "128");
        assert_eq!(
            v["dests"][0]["tunnel"],
            serde_json::json!({"type": "gue", "port": 6080, "csum": "csum"})
        );
        let v = serde_json::to_value(service_json(&t[2])).unwrap();
        assert_eq!(v["fwmark"], 7);
        assert_eq!(v["protocol"], serde_json::Value::Null);
        let v = serde_json::to_value(stats_json(&t[0], Some(3))).unwrap();
        assert_eq!(v["sample"], 3);
        assert_eq!(v["conns"], 12);
        assert_eq!(v["cps"], 2);
        assert_eq!(v["dests"][0]["dest"], "10.0.0.2:80");
        assert_eq!(v["dests"][0]["conns"], 12);
        let v = serde_json::to_value(stats_json(&t[0], None)).unwrap();
        assert!(v.get("sample").is_none());
    }

    #[test]
    fn op_json_for_each_kind_of_change() {
        let t = sample_table();
        let key = t[0].service.key;
        let mut wanted = t[0].dests[0].clone();
        wanted.weight = 3;
        let steps = diff::plan(
            &[ServiceState {
                service: t[0].service.clone(),
                dests: vec![wanted],
            }],
            &t[..1],
        );
        let v: Vec<serde_json::Value> = steps
            .iter()
            .map(|s| serde_json::to_value(op_json(s)).unwrap())
            .collect();
        assert_eq!(
            v,
            [
                serde_json::json!({"event": "op", "action": "delete", "object": "dest",
                    "service": "TCP 10.0.0.1:80", "dest": "10.0.0.3:8080",
                    "line": "- dest TCP 10.0.0.1:80 -> 10.0.0.3:8080"}),
                serde_json::json!({"event": "op", "action": "edit", "object": "dest",
                    "service": "TCP 10.0.0.1:80", "dest": "10.0.0.2:80",
                    "line": "~ dest TCP 10.0.0.1:80 -> 10.0.0.2:80 weight 2 -> 3",
                    "changes": [{"field": "weight", "from": "2", "to": "3"}]}),
            ]
        );
        let add = Step {
            op: Op::AddService(t[1].service.clone()),
            changes: vec![],
        };
        let v = serde_json::to_value(op_json(&add)).unwrap();
        assert_eq!(v["settings"], "rr persistent 300");
        assert_eq!(v["line"], "+ service UDP [fd00::1]:53 rr persistent 300");
        let flush = serde_json::to_value(op_json(&Step {
            op: Op::Flush,
            changes: vec![],
        }))
        .unwrap();
        assert_eq!(flush["object"], "all");
        let _ = key;
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            ep("10.0.0.1:80"),
            Endpoint {
                addr: "10.0.0.1".parse().unwrap(),
                port: Some(80)
            }
        );
        assert_eq!(ep("10.0.0.1").port, None);
        assert_eq!(ep("[fd00::1]:443").port, Some(443));
        assert_eq!(ep("[fd00::1]").port, None);
        assert_eq!(ep("fd00::1").addr, "fd00::1".parse::<IpAddr>().unwrap());
        assert_eq!(ep("10.0.0.1:0").port, Some(0));
        for (bad, says) in [
            ("10.0.0.1:http", "the port must be a number"),
            ("10.0.0.1:70000", "the port must be a number"),
            ("host:80", "is not ADDR:PORT"),
            ("[fd00::1]80", "is not ADDR:PORT"),
            ("[10.0.0.1]:80", "is not ADDR:PORT"),
            ("fd00::1]:80", "is not ADDR:PORT"),
        ] {
            let e = parse_endpoint(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn netmasks() {
        assert_eq!(
            parse_netmask("255.255.255.0"),
            Ok(Netmask::V4(Ipv4Addr::new(255, 255, 255, 0)))
        );
        assert_eq!(parse_netmask("24"), Ok(Netmask::Prefix(24)));
        assert!(parse_netmask("255.0.255.0").is_err());
        assert!(parse_netmask("0").is_err());
        assert!(parse_netmask("129").is_err());
        assert_eq!(
            netmask_value(Netmask::Prefix(24), Family::V4),
            Ok(0xffff_ff00)
        );
        assert_eq!(netmask_value(Netmask::Prefix(64), Family::V6), Ok(64));
        assert!(netmask_value(Netmask::Prefix(33), Family::V4).is_err());
        assert!(netmask_value(Netmask::V4(Ipv4Addr::BROADCAST), Family::V6).is_err());
    }

    fn opts(f: impl FnOnce(&mut ServiceOptions)) -> ServiceOptions {
        let mut o = ServiceOptions::default();
        f(&mut o);
        o
    }

    #[test]
    fn service_options_to_model() {
        let key = tcp("10.0.0.1:80");
        let s = new_service(key, &ServiceOptions::default()).unwrap();
        assert_eq!(s, Service::new(key));
        let s = new_service(
            key,
            &opts(|o| {
                o.scheduler = Some("sh".into());
                o.persistent = Some(600);
                o.netmask = Some(Netmask::Prefix(24));
                o.sched_flags = Some(parse_sched_flags("sh-port,sh-fallback").unwrap());
                o.pe = Some(parse_pe("sip").unwrap());
            }),
        )
        .unwrap();
        assert_eq!(
            diff::service_settings(&s),
            "sh persistent 600 netmask 255.255.255.0 pe sip sched-flags sh-fallback,sh-port"
        );
        // Scheduler flags belong to their scheduler.
        let e = new_service(
            key,
            &opts(|o| o.sched_flags = parse_sched_flags("mh-port").ok()),
        );
        assert_eq!(
            e.unwrap_err(),
            "--sched-flags mh-port is for the mh scheduler; this service uses wlc"
        );
        assert!(parse_sched_flags("sh-prot")
            .unwrap_err()
            .contains("unknown scheduler flag"));
        // ops is for UDP.
        assert!(new_service(key, &opts(|o| o.ops = true)).is_err());
        let udp = ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: ep("10.0.0.1").addr,
            port: 53,
        };
        assert!(new_service(udp, &opts(|o| o.ops = true))
            .unwrap()
            .flags
            .has(ServiceFlags::ONEPACKET));
        // Every port needs persistence.
        assert!(new_service(tcp("10.0.0.1"), &ServiceOptions::default()).is_err());
        assert!(new_service(tcp("10.0.0.1"), &opts(|o| o.persistent = Some(300))).is_ok());
    }

    #[test]
    fn edit_changes_only_what_is_given() {
        let key = tcp("10.0.0.1:80");
        let mut s = new_service(
            key,
            &opts(|o| {
                o.scheduler = Some("sh".into());
                o.persistent = Some(600);
                o.sched_flags = parse_sched_flags("sh-port").ok();
            }),
        )
        .unwrap();
        let before = s.clone();
        edit_service(&mut s, &opts(|o| o.pe = parse_pe("sip").ok())).unwrap();
        assert_eq!(
            diff::service_changes(&s, &before),
            vec![FieldChange {
                field: "pe",
                from: "none".into(),
                to: "sip".into()
            }]
        );
        // A new scheduler drops flags named after the old one.
        edit_service(&mut s, &opts(|o| o.scheduler = Some("mh".into()))).unwrap();
        assert_eq!(diff::sched_flags_text(&s), None);
        edit_service(&mut s, &opts(|o| o.no_persistent = true)).unwrap();
        assert!(!s.is_persistent());
        edit_service(&mut s, &opts(|o| o.pe = parse_pe("none").ok())).unwrap();
        assert_eq!(s.pe_name, None);
        assert!(opts(|_| {}).is_empty());
        assert!(!opts(|o| o.no_ops = true).is_empty());
    }

    fn dopts(f: impl FnOnce(&mut DestOptions)) -> DestOptions {
        let mut o = DestOptions::default();
        f(&mut o);
        o
    }

    #[test]
    fn dest_options_to_model() {
        let key = tcp("10.0.0.1:80");
        let (d, w) = new_dest(&key, &ep("10.0.0.2"), &DestOptions::default()).unwrap();
        assert_eq!(
            (d.port, d.forward, d.weight, w),
            (80, Forward::Route, 1, None)
        );
        // DR keeps the service port and says so.
        let (d, w) = new_dest(&key, &ep("10.0.0.2:8080"), &DestOptions::default()).unwrap();
        assert_eq!(d.port, 80);
        assert_eq!(
            w.as_deref(),
            Some("dr forwarding keeps the service's port: 10.0.0.2:8080 is used as 10.0.0.2:80")
        );
        // NAT may change it.
        let nat = dopts(|o| o.forward = Some(ForwardArg::Nat));
        let (d, w) = new_dest(&key, &ep("10.0.0.2:8080"), &nat).unwrap();
        assert_eq!((d.port, d.forward, w), (8080, Forward::Masq, None));
        // Fwmark services: DR real servers have no port.
        let fw = ServiceKey::Fwmark {
            family: Family::V4,
            mark: 7,
        };
        let (d, _) = new_dest(&fw, &ep("10.0.0.2"), &DestOptions::default()).unwrap();
        assert_eq!(d.port, 0);
        // Tunnel options imply TUN and are checked per type.
        let gue = dopts(|o| {
            o.tun_type = Some(TunTypeArg::Gue);
            o.tun_port = Some(6080);
            o.tun_csum = Some(TunCsumArg::Remcsum);
            o.weight = Some(0);
        });
        let (d, _) = new_dest(&key, &ep("[fd00::2]"), &gue).unwrap();
        assert_eq!(
            diff::dest_settings(&d),
            "tun gue port 6080 remcsum weight 0"
        );
        for (o, says) in [
            (
                dopts(|o| o.tun_type = Some(TunTypeArg::Gue)),
                "needs --tun-port",
            ),
            (
                dopts(|o| {
                    o.tun_type = Some(TunTypeArg::Gre);
                    o.tun_csum = Some(TunCsumArg::Remcsum)
                }),
                "remcsum",
            ),
            (
                dopts(|o| o.tun_csum = Some(TunCsumArg::Csum)),
                "no checksum option",
            ),
            (
                dopts(|o| o.tun_port = Some(1)),
                "only gue tunnels take --tun-port",
            ),
            (
                dopts(|o| {
                    o.forward = Some(ForwardArg::Dr);
                    o.tun_type = Some(TunTypeArg::Gre)
                }),
                "are for --forward tun",
            ),
            (
                dopts(|o| {
                    o.upper = Some(10);
                    o.lower = Some(11)
                }),
                "the lower threshold (11) is above the upper one (10)",
            ),
            (
                dopts(|o| o.lower = Some(1)),
                "the lower threshold (1) is above the upper one (0)",
            ),
        ] {
            let e = new_dest(&key, &ep("10.0.0.2"), &o).unwrap_err();
            assert!(e.contains(says), "{o:?}: {e}");
        }
        // Other families only through a tunnel.
        // The kernel takes lower == upper.
        let equal = dopts(|o| {
            o.upper = Some(10);
            o.lower = Some(10)
        });
        assert!(new_dest(&key, &ep("10.0.0.2"), &equal).is_ok());
        assert!(new_dest(&key, &ep("fd00::2"), &DestOptions::default())
            .unwrap_err()
            .contains("address family"));
    }

    #[test]
    fn edit_dest_keeps_what_is_not_given() {
        let mut d = Dest::new(ep("10.0.0.2").addr, 80);
        d.u_threshold = 100;
        edit_dest(&mut d, &dopts(|o| o.weight = Some(5))).unwrap();
        assert_eq!(
            (d.weight, d.u_threshold, d.forward),
            (5, 100, Forward::Route)
        );
        edit_dest(
            &mut d,
            &dopts(|o| {
                o.tun_type = Some(TunTypeArg::Gue);
                o.tun_port = Some(6080)
            }),
        )
        .unwrap();
        // Back to ipip: the gue port goes.
        edit_dest(&mut d, &dopts(|o| o.tun_type = Some(TunTypeArg::Ipip))).unwrap();
        assert_eq!(d.tunnel.port, 0);
        assert!(dopts(|_| {}).is_empty());
    }

    #[test]
    fn finding_a_real_server() {
        let key = tcp("10.0.0.1:80");
        let t = sample_table();
        let dests = &t[0].dests;
        assert_eq!(
            find_dest(&key, dests, &ep("10.0.0.2")).map(|d| d.port),
            Some(80)
        );
        // No port: the only one with that address, whatever its port.
        assert_eq!(
            find_dest(&key, dests, &ep("10.0.0.3")).map(|d| d.port),
            Some(8080)
        );
        assert!(find_dest(&key, dests, &ep("10.0.0.3:80")).is_none());
        assert!(find_dest(&key, dests, &ep("10.0.0.9")).is_none());
    }

    #[test]
    fn kernel_errors_are_worded_per_operation() {
        let t = sample_table();
        let s = t[0].service.clone();
        let key = s.key;
        let d = t[0].dests[0].clone();
        let cases: Vec<(Op, i32, &str)> = vec![
            (
                Op::AddService(s.clone()),
                libc::EEXIST,
                "service TCP 10.0.0.1:80 already exists",
            ),
            (
                Op::AddService(s.clone()),
                libc::ENOENT,
                "scheduler `wrr` is not available in this kernel",
            ),
            (
                Op::EditService(s.clone()),
                libc::ESRCH,
                "no service TCP 10.0.0.1:80",
            ),
            (
                Op::DelService(key),
                libc::ESRCH,
                "no service TCP 10.0.0.1:80",
            ),
            (
                Op::AddDest(key, d.clone()),
                libc::ESRCH,
                "no service TCP 10.0.0.1:80",
            ),
            (
                Op::AddDest(key, d.clone()),
                libc::EEXIST,
                "real server 10.0.0.2:80 already exists in service TCP 10.0.0.1:80",
            ),
            (
                Op::EditDest(key, d.clone()),
                libc::ENOENT,
                "no real server 10.0.0.2:80 in service TCP 10.0.0.1:80",
            ),
            (
                Op::DelDest {
                    service: key,
                    addr: d.addr,
                    port: d.port,
                },
                libc::ENOENT,
                "no real server 10.0.0.2:80 in service TCP 10.0.0.1:80",
            ),
            (
                Op::AddDest(key, d.clone()),
                libc::EINVAL,
                "real server 10.0.0.2:80 of service TCP 10.0.0.1:80: Invalid argument",
            ),
        ];
        for (op, errno, want) in cases {
            assert_eq!(kernel_refusal(Some(&op), errno).0, want, "{op:?}");
        }
        let e = ipvs_error("ipvs list", &IpvsError::NotAvailable, None);
        assert_eq!(e.exit, Exit::Unsupported);
        assert_eq!(
            e.to_string(),
            "ha: ipvs list: this kernel has no IPVS (ip_vs module)\n  hint: load the ip_vs module (modprobe ip_vs)"
        );
        let e = ipvs_error("ipvs list", &IpvsError::Permission, None);
        assert_eq!(e.exit, Exit::Permission);
        assert!(e.to_string().contains("CAP_NET_ADMIN"));
        let e = ipvs_error(
            "ipvs add service",
            &IpvsError::Kernel {
                errno: libc::EEXIST,
            },
            Some(&Op::AddService(s.clone())),
        );
        assert_eq!(e.exit, Exit::Runtime);
        assert_eq!(
            e.to_string(),
            "ha: ipvs add service: service TCP 10.0.0.1:80 already exists\n  hint: change it with `ha ipvs edit service`"
        );
    }

    #[test]
    fn a_batch_that_stops_part_way_says_what_was_done() {
        let t = sample_table();
        let steps = diff::plan(&t, &[]);
        let e = apply_error(
            "ipvs apply",
            &ApplyError::new(
                2,
                IpvsError::Kernel {
                    errno: libc::EEXIST,
                },
            ),
            &steps,
        );
        assert_eq!(
            e.to_string(),
            "ha: ipvs apply: change 3 of 6 (+ dest TCP 10.0.0.1:80 -> 10.0.0.3:8080 nat weight 1 upper 100 lower 10): real server 10.0.0.3:8080 already exists in service TCP 10.0.0.1:80\n  hint: the 2 changes before it were made; change it with `ha ipvs edit dest`"
        );
        let e = apply_error(
            "ipvs apply",
            &ApplyError::new(0, IpvsError::Permission),
            &steps,
        );
        assert!(e.to_string().contains("hint: no change was made; "), "{e}");
    }

    #[test]
    fn a_batch_failure_says_which_changes_after_it_were_made() {
        let t = sample_table();
        let steps = diff::plan(&t, &[]);
        assert_eq!(steps.len(), 6);
        let eexist = IpvsError::Kernel {
            errno: libc::EEXIST,
        };
        // The kernel ran the rest of the batch: 3 made, 4 refused, 5 made; 6 not sent.
        let e = apply_error(
            "ipvs apply",
            &ApplyError {
                index: 1,
                error: eexist.clone(),
                after: vec![
                    Outcome::Made,
                    Outcome::Failed(eexist.clone()),
                    Outcome::Made,
                ],
            },
            &steps,
        );
        let shown = e.to_string();
        assert!(
            shown.starts_with("ha: ipvs apply: change 2 of 6 ("),
            "{shown}"
        );
        assert!(
            shown.ends_with("\n  hint: the change before it was made; changes 3, 5 after it were made too (sent in the same batch); change 4 failed too; change 6 was not made; change it with `ha ipvs edit dest`"),
            "{shown}"
        );
        // The first one failed, the rest of the batch ran; an answer went missing.
        let e = apply_error(
            "ipvs apply",
            &ApplyError {
                index: 0,
                error: eexist,
                after: vec![
                    Outcome::Made,
                    Outcome::Made,
                    Outcome::Made,
                    Outcome::Unknown,
                    Outcome::Unknown,
                ],
            },
            &steps,
        );
        let hint = e.to_string();
        let hint = hint.split("hint: ").nth(1).unwrap_or_default();
        assert_eq!(
            hint,
            "changes 2-4 after it were made too (sent in the same batch); changes 5-6 may or may not have been made (no answer from the kernel); change it with `ha ipvs edit service`"
        );
    }

    #[test]
    fn number_ranges_join_runs() {
        assert_eq!(number_ranges(&[]), "");
        assert_eq!(number_ranges(&[4]), "4");
        assert_eq!(number_ranges(&[2, 3, 4, 7, 9, 10]), "2-4, 7, 9-10");
    }

    #[test]
    fn command_lines_parse() {
        use clap::Parser;
        let parse = |args: &[&str]| crate::cli::Cli::try_parse_from(args.iter().copied());
        let ok = parse(&[
            "ha", "ipvs", "add", "service", "--fwmark", "7", "--ipv6", "-s", "sh", "-b", "sh-port",
            "-p",
        ])
        .unwrap();
        let crate::cli::Command::Ipvs(IpvsArgs {
            command:
                IpvsCommand::Add(AddArgs {
                    what: AddWhat::Service(a),
                }),
        }) = ok.command
        else {
            panic!("{ok:?}")
        };
        assert_eq!(
            a.service.key(&a.family),
            ServiceKey::Fwmark {
                family: Family::V6,
                mark: 7
            }
        );
        assert_eq!(a.options.persistent, Some(300));
        for bad in [
            &["ha", "ipvs", "add", "service"][..],
            &[
                "ha",
                "ipvs",
                "add",
                "service",
                "--tcp",
                "1.2.3.4:80",
                "--udp",
                "1.2.3.4:80",
            ],
            &[
                "ha",
                "ipvs",
                "add",
                "service",
                "--tcp",
                "1.2.3.4:80",
                "--ipv6",
            ],
            &["ha", "ipvs", "add", "service", "--fwmark", "0"],
            &["ha", "ipvs", "add", "dest", "--tcp", "1.2.3.4:80"],
            &[
                "ha",
                "ipvs",
                "add",
                "dest",
                "--tcp",
                "1.2.3.4:80",
                "-r",
                "1.2.3.5",
                "-w",
                "-1",
            ],
            &[
                "ha",
                "ipvs",
                "add",
                "dest",
                "--tcp",
                "1.2.3.4:80",
                "-r",
                "1.2.3.5",
                "--forward",
                "xx",
            ],
            &[
                "ha",
                "ipvs",
                "edit",
                "service",
                "--tcp",
                "1.2.3.4:80",
                "--ops",
                "--no-ops",
            ],
            &["ha", "ipvs", "stats", "--count", "3"],
            &["ha", "ipvs", "stats", "--watch", "0"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        for good in [
            &[
                "ha",
                "ipvs",
                "add",
                "dest",
                "-t",
                "1.2.3.4:80",
                "-r",
                "1.2.3.5",
                "--forward",
                "masq",
            ][..],
            &[
                "ha", "ipvs", "stats", "--watch", "0.5", "--count", "2", "--json", "--rate",
            ],
            &["ha", "ipvs", "apply", "-f", "x.conf", "--dry-run", "--json"],
            &[
                "ha",
                "ipvs",
                "del",
                "dest",
                "--udp",
                "[fd00::1]:53",
                "--real",
                "[fd00::2]:53",
            ],
            &["ha", "ipvs", "clear"],
        ] {
            assert!(parse(good).is_ok(), "{good:?}: {:?}", parse(good).err());
        }
    }
}
