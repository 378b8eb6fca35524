//! ipvsadm 1.31's command line: the popt option table, the order values are read and
//! checked in, the table of which options each command takes, and every message, so a
//! command line is accepted, refused and reported exactly as ipvsadm does.

use std::net::{IpAddr, Ipv4Addr};

use super::cnum::{all_digits, atoi, inet_aton, inet_pton4, inet_pton6, string_to_number, strtol};
use super::listing::Format;
use super::names::Names;
use super::popt::{ArgKind, OptSpec, Popt};
use crate::ipvs::{
    Dest, Family, Forward, Op, Protocol, Service, ServiceFlags, ServiceKey, Stats, SyncDaemon,
    SyncRole, Timeouts, Tunnel, TunnelFlags, TunnelType,
};

/// Persistence timeout ceiling: 31 days.
const MAX_TIMEOUT: i64 = 86400 * 31;
/// `-p` without a value.
const DEFAULT_PERSISTENT_TIMEOUT: u32 = 360;
const DEFAULT_SCHEDULER: &str = "wlc";
const DEFAULT_MCAST_IFN: &str = "eth0";
/// Kernel name buffers are 16 bytes; ipvsadm copies at most 15 (the PE name 16).
const NAME_MAX: usize = 15;

/// ipvsadm's commands, in the order of its option table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Add,
    Edit,
    Del,
    Flush,
    List,
    AddDest,
    DelDest,
    EditDest,
    Timeout,
    StartDaemon,
    StopDaemon,
    Restore,
    Save,
    Zero,
}

impl Cmd {
    fn name(self) -> &'static str {
        match self {
            Cmd::Add => "add-service",
            Cmd::Edit => "edit-service",
            Cmd::Del => "delete-service",
            Cmd::Flush => "flush",
            Cmd::List => "list",
            Cmd::AddDest => "add-server",
            Cmd::DelDest => "delete-server",
            Cmd::EditDest => "edit-server",
            Cmd::Timeout => "set",
            Cmd::StartDaemon => "start-daemon",
            Cmd::StopDaemon => "stop-daemon",
            Cmd::Restore => "restore",
            Cmd::Save => "save",
            Cmd::Zero => "zero",
        }
    }

    /// The row of ipvsadm's commands-versus-options table: per option (in [`Opt`] order)
    /// '+' required, 'x' refused, '1' at most one of the '1's, ' ' optional.
    fn rules(self) -> &'static [u8; OPT_COUNT] {
        match self {
            Cmd::Add | Cmd::Edit => b"xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",
            Cmd::Del => b"xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            Cmd::List => b" 11xxxxxxxxx11       xxxxxxx xxxxx",
            Cmd::AddDest | Cmd::EditDest => b"xx+xxx+    xxxxxxxxxxxxxxxxxx     ",
            Cmd::DelDest => b"xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx",
            Cmd::StartDaemon => b"xxxxxxxxxxx xxxxxxx xxxx    xxxxxx",
            Cmd::StopDaemon => b"xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx",
            Cmd::Save => b" xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            Cmd::Zero => b"xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            Cmd::Flush | Cmd::Timeout | Cmd::Restore => b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        }
    }
}

const OPT_COUNT: usize = 34;

/// ipvsadm's options as its checks name them (bit positions of its option set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Numeric,
    Connection,
    Service,
    Scheduler,
    Persistent,
    Netmask,
    Server,
    Forward,
    Weight,
    UThreshold,
    LThreshold,
    McastInterface,
    Timeout,
    Daemon,
    Stats,
    Rate,
    Thresholds,
    PersistentConn,
    NoSort,
    SyncId,
    Exact,
    OnePacket,
    PersistenceEngine,
    SchedFlags,
    McastGroup,
    McastPort,
    McastTtl,
    SyncMaxlen,
    TunInfo,
    TunType,
    TunPort,
    TunNocsum,
    TunCsum,
    TunRemcsum,
}

const OPT_NAMES: [&str; OPT_COUNT] = [
    "numeric",
    "connection",
    "service-address",
    "scheduler",
    "persistent",
    "netmask",
    "real-server",
    "forwarding-method",
    "weight",
    "u-threshold",
    "l-threshold",
    "mcast-interface",
    "timeout",
    "daemon",
    "stats",
    "rate",
    "thresholds",
    "persistent-conn",
    "nosort",
    "syncid",
    "exact",
    "ops",
    "pe",
    "sched-flags",
    "mcast-group",
    "mcast-port",
    "mcast-ttl",
    "sync-maxlen",
    "tun-info",
    "tun-type",
    "tun-port",
    "tun-nocsum",
    "tun-csum",
    "tun-remcsum",
];

fn opt_name(index: usize) -> &'static str {
    OPT_NAMES.get(index).copied().unwrap_or("?")
}

/// Option values for tags without a short letter (above the ASCII range, as ipvsadm's).
mod tag {
    pub const SET: u32 = 128;
    pub const START_DAEMON: u32 = 129;
    pub const STOP_DAEMON: u32 = 130;
    pub const MCAST_INTERFACE: u32 = 131;
    pub const TIMEOUT: u32 = 132;
    pub const DAEMON: u32 = 133;
    pub const STATS: u32 = 134;
    pub const RATE: u32 = 135;
    pub const THRESHOLDS: u32 = 136;
    pub const PERSISTENTCONN: u32 = 137;
    pub const SORT: u32 = 138;
    pub const NO_SORT: u32 = 139;
    pub const PERSISTENCE_ENGINE: u32 = 140;
    pub const SCTP_SERVICE: u32 = 141;
    pub const MCAST_GROUP: u32 = 142;
    pub const MCAST_PORT: u32 = 143;
    pub const MCAST_TTL: u32 = 144;
    pub const SYNC_MAXLEN: u32 = 145;
    pub const TUN_INFO: u32 = 146;
    pub const TUN_TYPE: u32 = 147;
    pub const TUN_PORT: u32 = 148;
    pub const TUN_NOCSUM: u32 = 149;
    pub const TUN_CSUM: u32 = 150;
    pub const TUN_REMCSUM: u32 = 151;
    /// --syncid has no short option; ipvsadm tags it 'I'.
    pub const SYNCID: u32 = 'I' as u32;
}

const fn o(long: &'static str, short: Option<char>, arg: ArgKind, val: u32) -> OptSpec {
    OptSpec {
        long: Some(long),
        short,
        arg,
        val,
    }
}

const fn c(ch: char) -> u32 {
    ch as u32
}

use ArgKind::{None as NoArg, Optional as OptArg, Required as Arg};

/// ipvsadm's popt table, in its order (the first of two equal long names wins).
const TABLE: &[OptSpec] = &[
    o("add-service", Some('A'), NoArg, c('A')),
    o("edit-service", Some('E'), NoArg, c('E')),
    o("delete-service", Some('D'), NoArg, c('D')),
    o("clear", Some('C'), NoArg, c('C')),
    o("list", Some('L'), NoArg, c('L')),
    o("list", Some('l'), NoArg, c('l')),
    o("zero", Some('Z'), NoArg, c('Z')),
    o("add-server", Some('a'), NoArg, c('a')),
    o("edit-server", Some('e'), NoArg, c('e')),
    o("delete-server", Some('d'), NoArg, c('d')),
    o("set", None, NoArg, tag::SET),
    o("help", Some('h'), NoArg, c('h')),
    o("version", Some('v'), NoArg, c('v')),
    o("restore", Some('R'), NoArg, c('R')),
    o("save", Some('S'), NoArg, c('S')),
    o("start-daemon", None, Arg, tag::START_DAEMON),
    o("stop-daemon", None, Arg, tag::STOP_DAEMON),
    o("tcp-service", Some('t'), Arg, c('t')),
    o("udp-service", Some('u'), Arg, c('u')),
    o("sctp-service", None, Arg, tag::SCTP_SERVICE),
    o("fwmark-service", Some('f'), Arg, c('f')),
    o("scheduler", Some('s'), Arg, c('s')),
    o("persistent", Some('p'), OptArg, c('p')),
    o("netmask", Some('M'), Arg, c('M')),
    o("real-server", Some('r'), Arg, c('r')),
    o("masquerading", Some('m'), NoArg, c('m')),
    o("ipip", Some('i'), NoArg, c('i')),
    o("gatewaying", Some('g'), NoArg, c('g')),
    o("weight", Some('w'), Arg, c('w')),
    o("u-threshold", Some('x'), Arg, c('x')),
    o("l-threshold", Some('y'), Arg, c('y')),
    o("numeric", Some('n'), NoArg, c('n')),
    o("connection", Some('c'), NoArg, c('c')),
    o("mcast-interface", None, Arg, tag::MCAST_INTERFACE),
    o("syncid", None, Arg, tag::SYNCID),
    o("timeout", None, NoArg, tag::TIMEOUT),
    o("daemon", None, NoArg, tag::DAEMON),
    o("stats", None, NoArg, tag::STATS),
    o("rate", None, NoArg, tag::RATE),
    o("thresholds", None, NoArg, tag::THRESHOLDS),
    o("persistent-conn", None, NoArg, tag::PERSISTENTCONN),
    o("nosort", None, NoArg, tag::NO_SORT),
    o("sort", None, NoArg, tag::SORT),
    o("exact", Some('X'), NoArg, c('X')),
    o("ipv6", Some('6'), NoArg, c('6')),
    o("ops", Some('o'), NoArg, c('o')),
    o("pe", None, Arg, tag::PERSISTENCE_ENGINE),
    o("sched-flags", Some('b'), Arg, c('b')),
    o("mcast-group", None, Arg, tag::MCAST_GROUP),
    o("mcast-port", None, Arg, tag::MCAST_PORT),
    o("mcast-ttl", None, Arg, tag::MCAST_TTL),
    o("sync-maxlen", None, Arg, tag::SYNC_MAXLEN),
    o("tun-info", None, NoArg, tag::TUN_INFO),
    o("tun-type", None, Arg, tag::TUN_TYPE),
    o("tun-port", None, Arg, tag::TUN_PORT),
    o("tun-nocsum", None, NoArg, tag::TUN_NOCSUM),
    o("tun-csum", None, NoArg, tag::TUN_CSUM),
    o("tun-remcsum", None, NoArg, tag::TUN_REMCSUM),
];

/// Why a command line was refused. ipvsadm ends the whole program on most of these (also
/// in the middle of `-R`); popt's own errors after the command only end the current line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Print `stderr` and exit with `code`.
    Exit { stderr: String, code: u8 },
    /// Print `stderr`; the command's result is -1 (exit status 255 unless `-R` goes on).
    Failed { stderr: String },
}

fn fail(msg: impl Into<String>) -> Refusal {
    let mut stderr = msg.into();
    stderr.push('\n');
    Refusal::Exit { stderr, code: 2 }
}

/// "Try `ipvsadm -h' ..." and exit status 255.
pub fn try_help(program: &str) -> Refusal {
    Refusal::Exit {
        stderr: format!("Try `{program} -h' or '{program} --help' for more information.\n"),
        code: 255,
    }
}

/// What to list for `-L`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListWhat {
    All,
    Service(ServiceKey),
    Connections,
    Timeouts,
    Daemons,
}

/// A command line ipvsadm accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Help,
    Version,
    List(ListWhat, Format),
    /// `-S`: the listing in rule format.
    Save(Format),
    Restore,
    /// One kernel operation; the kernel's answer decides the message.
    Apply(Op),
}

/// The virtual service as the options built it (ipvsadm's `ipvs_service_t`).
#[derive(Debug, Clone)]
struct SvcArgs {
    family: Option<Family>,
    protocol: Option<Protocol>,
    addr: Option<IpAddr>,
    port: u16,
    fwmark: u32,
    scheduler: String,
    flags: u32,
    timeout: u32,
    /// IPv4 mask (host order) or IPv6 prefix length.
    netmask: u32,
    pe_name: String,
}

#[derive(Debug, Clone)]
struct DestArgs {
    addr: Option<IpAddr>,
    port: u16,
    forward: Forward,
    weight: i32,
    u_threshold: u32,
    l_threshold: u32,
    tun_type: TunnelType,
    tun_port: u16,
    tun_flags: u16,
}

/// Everything one command line sets (ipvsadm's `struct ipvs_command_entry` plus its
/// option set and format flags).
struct Entry {
    cmd: Option<Cmd>,
    svc: SvcArgs,
    dest: DestArgs,
    timeouts: Timeouts,
    daemon: SyncDaemon,
    options: u64,
    format: Format,
}

impl Entry {
    fn new() -> Entry {
        Entry {
            cmd: None,
            svc: SvcArgs {
                family: None,
                protocol: None,
                addr: None,
                port: 0,
                fwmark: 0,
                scheduler: String::new(),
                flags: 0,
                timeout: 0,
                netmask: u32::MAX,
                pe_name: String::new(),
            },
            dest: DestArgs {
                addr: None,
                port: 0,
                forward: Forward::Route,
                weight: 1,
                u_threshold: 0,
                l_threshold: 0,
                tun_type: TunnelType::Ipip,
                tun_port: 0,
                tun_flags: 0,
            },
            timeouts: Timeouts::default(),
            daemon: SyncDaemon::new(SyncRole::Master),
            options: 0,
            format: Format::default(),
        }
    }

    fn has(&self, opt: Opt) -> bool {
        self.options & (1u64 << opt as u32) != 0
    }

    fn set_option(&mut self, opt: Opt) -> Result<(), Refusal> {
        let bit = 1u64 << opt as u32;
        if self.options & bit != 0 {
            return Err(fail(format!(
                "multiple '{}' options specified",
                opt_name(opt as usize)
            )));
        }
        self.options |= bit;
        Ok(())
    }
}

/// C's strncpy into a zeroed buffer: at most `n` bytes.
fn c_truncate(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    String::from_utf8_lossy(&s.as_bytes()[..n]).into_owned()
}

/// Where an address[:port] argument put its parts (ipvsadm's parse_service result).
struct AddrPort {
    addr: IpAddr,
    /// Set when a port was given (SERVICE_PORT).
    port: Option<u16>,
}

/// ipvsadm's parse_service: `[v6]:port`, `v6`, `v4[:port]`, `host[:port]`; ports by
/// number or by service name for the protocol. None where ipvsadm reports SERVICE_NONE.
fn parse_addr_port(buf: &str, proto: Option<Protocol>, names: &dyn Names) -> Option<AddrPort> {
    if all_digits(buf) {
        return None;
    }
    let mut host = buf;
    // What follows the ':' before the port, if there is one.
    let mut port_str: Option<&str> = None;
    if let Some(inner) = buf.strip_prefix('[') {
        let close = inner.find(']')?;
        let after = &inner[close + 1..];
        if !after.starts_with(':') {
            return None;
        }
        host = &inner[..close];
        port_str = Some(&after[1..]);
    }
    let addr = if let Some(v6) = inet_pton6(host) {
        IpAddr::V6(v6)
    } else {
        // The bracket's port is dropped here: ipvsadm looks for a ':' inside the brackets.
        port_str = None;
        if let Some(colon) = host.rfind(':') {
            port_str = Some(&host[colon + 1..]);
            host = &host[..colon];
        }
        let v4 = inet_aton(host).or_else(|| names.host_v4(host))?;
        IpAddr::V4(v4)
    };
    let port = match port_str {
        None => None,
        Some(p) => Some(match string_to_number(p, 0, 65535) {
            Some(n) => n as u16,
            None => proto.and_then(|pr| names.service_port(p, pr))?,
        }),
    };
    Some(AddrPort { addr, port })
}

fn parse_timeout(arg: Option<&str>, min: i64, max: i64) -> Result<u32, Refusal> {
    let Some(s) = arg else {
        return Ok(DEFAULT_PERSISTENT_TIMEOUT);
    };
    match string_to_number(s, min, max) {
        Some(n) => Ok(n as u32),
        None => Err(fail(format!("invalid timeout value `{s}' specified"))),
    }
}

fn parse_fwmark(s: &str) -> Result<u32, Refusal> {
    let (v, overflow, used) = strtol(s);
    // ipvsadm stores strtol's long in an unsigned long: negatives become huge.
    if used == 0 || used != s.len() || overflow || v <= 0 || v > i64::from(u32::MAX) {
        return Err(fail(format!("invalid fwmark value `{s}' specified")));
    }
    Ok(v as u32)
}

fn parse_sched_flags(scheduler: &str, arg: &str) -> Result<u32, Refusal> {
    let scheduler = if scheduler.is_empty() {
        DEFAULT_SCHEDULER
    } else {
        scheduler
    };
    let mut flags = 0;
    let mut any = false;
    for flag in arg.split(',').filter(|f| !f.is_empty()) {
        any = true;
        let (bit, only_for) = match flag {
            "flag-1" => (ServiceFlags::SCHED1, None),
            "flag-2" => (ServiceFlags::SCHED2, None),
            "flag-3" => (ServiceFlags::SCHED3, None),
            "sh-fallback" => (ServiceFlags::SCHED1, Some("sh")),
            "sh-port" => (ServiceFlags::SCHED2, Some("sh")),
            "mh-fallback" => (ServiceFlags::SCHED1, Some("mh")),
            "mh-port" => (ServiceFlags::SCHED2, Some("mh")),
            _ => return Err(fail(format!("invalid scheduler flag `{flag}'"))),
        };
        flags |= bit;
        if only_for.is_some_and(|s| s != scheduler) {
            return Err(fail(format!("incompatible scheduler flag `{flag}'")));
        }
    }
    if !any {
        // ipvsadm 1.31 crashes here (strtok finds no flag in ",,,"): see DECISIONS.md.
        return Err(fail("invalid scheduler flag `'"));
    }
    Ok(flags)
}

fn parse_mcast_group(s: &str) -> Result<IpAddr, Refusal> {
    if s.contains(':') {
        match inet_pton6(s) {
            Some(a) if a.octets()[0] == 0xff => Ok(IpAddr::V6(a)),
            _ => Err(fail(format!("invalid IPv6 mcast-group `{s}'"))),
        }
    } else {
        match inet_pton4(s) {
            Some(a) if a.is_multicast() => Ok(IpAddr::V4(a)),
            _ => Err(fail(format!("invalid IPv4 mcast-group `{s}'"))),
        }
    }
}

fn number(arg: &str, min: i64, max: i64, what: &str) -> Result<i64, Refusal> {
    string_to_number(arg, min, max).ok_or_else(|| fail(format!("illegal {what} specified")))
}

/// Parses one command line (argv[0] included) as ipvsadm's parse_options and
/// process_options do, up to the point where it calls the kernel.
pub fn parse(argv: &[String], names: &dyn Names, posix: bool) -> Result<Action, Refusal> {
    let program = argv.first().map(String::as_str).unwrap_or("ipvsadm");
    let mut popt = Popt::new(argv, TABLE, posix);
    let mut e = Entry::new();

    let first = match popt.next_opt() {
        Some(Ok(first)) => first,
        _ => return Err(try_help(program)),
    };
    let (val, arg) = first;
    let cmd = match val {
        v if v == c('A') => Cmd::Add,
        v if v == c('E') => Cmd::Edit,
        v if v == c('D') => Cmd::Del,
        v if v == c('a') => Cmd::AddDest,
        v if v == c('e') => Cmd::EditDest,
        v if v == c('d') => Cmd::DelDest,
        v if v == c('C') => Cmd::Flush,
        v if v == c('L') || v == c('l') => Cmd::List,
        v if v == c('Z') => Cmd::Zero,
        tag::SET => Cmd::Timeout,
        v if v == c('R') => Cmd::Restore,
        v if v == c('S') => Cmd::Save,
        tag::START_DAEMON | tag::STOP_DAEMON => {
            e.daemon.role = match arg.as_deref() {
                Some("master") => SyncRole::Master,
                Some("backup") => SyncRole::Backup,
                _ if val == tag::START_DAEMON => {
                    return Err(fail("illegal start-daemon parameter specified"))
                }
                _ => return Err(fail("illegal start_daemon specified")),
            };
            if val == tag::START_DAEMON {
                Cmd::StartDaemon
            } else {
                Cmd::StopDaemon
            }
        }
        v if v == c('h') => return Ok(Action::Help),
        v if v == c('v') => return Ok(Action::Version),
        _ => return Err(try_help(program)),
    };
    e.cmd = Some(cmd);

    let mut sched_flags_arg = String::new();
    loop {
        let (val, arg) = match popt.next_opt() {
            None => break,
            Some(Ok(x)) => x,
            Some(Err(err)) => {
                return Err(Refusal::Failed {
                    stderr: format!("{}: {}\n", popt.bad_option(), err.message()),
                })
            }
        };
        let a = arg.as_deref().unwrap_or("");
        apply_option(&mut e, val, arg.as_deref(), a, names, &mut sched_flags_arg).map_err(|r| {
            match r {
                OptionError::Refused(r) => r,
                OptionError::Invalid => fail(format!("invalid option `{}'", popt.bad_option())),
            }
        })?;
    }

    if cmd == Cmd::Timeout {
        let values = (
            popt.take_leftover(),
            popt.take_leftover(),
            popt.take_leftover(),
        );
        let (Some(tcp), Some(fin), Some(udp)) = values else {
            return Err(fail("--set option requires 3 timeout values"));
        };
        e.timeouts = Timeouts {
            tcp: parse_timeout(Some(&tcp), 0, MAX_TIMEOUT)?,
            tcp_fin: parse_timeout(Some(&fin), 0, MAX_TIMEOUT)?,
            udp: parse_timeout(Some(&udp), 0, MAX_TIMEOUT)?,
        };
    }
    if let Some(extra) = popt.take_leftover() {
        return Err(fail(format!("unexpected argument {extra}")));
    }
    if !sched_flags_arg.is_empty() {
        e.svc.flags &= !(ServiceFlags::SCHED1 | ServiceFlags::SCHED2 | ServiceFlags::SCHED3);
        e.svc.flags |= parse_sched_flags(&e.svc.scheduler, &sched_flags_arg)?;
    }

    check_options(cmd, e.options)?;
    finish(cmd, e)
}

enum OptionError {
    Refused(Refusal),
    /// An option ipvsadm's loop has no case for (a second command, -h, -v).
    Invalid,
}

impl From<Refusal> for OptionError {
    fn from(r: Refusal) -> OptionError {
        OptionError::Refused(r)
    }
}

fn apply_option(
    e: &mut Entry,
    val: u32,
    arg: Option<&str>,
    a: &str,
    names: &dyn Names,
    sched_flags_arg: &mut String,
) -> Result<(), OptionError> {
    match val {
        v if v == c('t') || v == c('u') || v == tag::SCTP_SERVICE => {
            e.set_option(Opt::Service)?;
            let proto = match v {
                v if v == c('t') => Protocol::Tcp,
                v if v == c('u') => Protocol::Udp,
                _ => Protocol::Sctp,
            };
            e.svc.protocol = Some(proto);
            let parsed = parse_addr_port(a, Some(proto), names)
                .ok_or_else(|| fail("illegal virtual server address[:port] specified"))?;
            e.svc.family = Some(Family::of(&parsed.addr));
            if parsed.addr.is_ipv6() {
                e.svc.netmask = 128;
            }
            e.svc.addr = Some(parsed.addr);
            if let Some(p) = parsed.port {
                e.svc.port = p;
            }
        }
        v if v == c('f') => {
            e.set_option(Opt::Service)?;
            e.svc.family = Some(Family::V4);
            e.svc.protocol = Some(Protocol::Tcp);
            e.svc.fwmark = parse_fwmark(a)?;
        }
        v if v == c('s') => {
            e.set_option(Opt::Scheduler)?;
            e.svc.scheduler = c_truncate(a, NAME_MAX);
        }
        v if v == c('p') => {
            e.set_option(Opt::Persistent)?;
            e.svc.flags |= ServiceFlags::PERSISTENT;
            e.svc.timeout = parse_timeout(arg, 1, MAX_TIMEOUT)?;
        }
        v if v == c('M') => {
            e.set_option(Opt::Netmask)?;
            if e.svc.family != Some(Family::V6) {
                let mask = inet_aton(a)
                    .or_else(|| names.host_v4(a))
                    .ok_or_else(|| fail("illegal virtual server persistent mask specified"))?;
                e.svc.netmask = u32::from(mask);
            } else {
                let prefix = atoi(a) as u32;
                if !(1..=128).contains(&prefix) {
                    return Err(fail("illegal ipv6 netmask specified").into());
                }
                e.svc.netmask = prefix;
            }
        }
        v if v == c('r') => {
            e.set_option(Opt::Server)?;
            let parsed = parse_addr_port(a, e.svc.protocol, names)
                .ok_or_else(|| fail("illegal real server address[:port] specified"))?;
            e.dest.addr = Some(parsed.addr);
            e.dest.port = parsed.port.unwrap_or(e.svc.port);
        }
        v if v == c('i') || v == c('g') || v == c('m') => {
            e.set_option(Opt::Forward)?;
            e.dest.forward = match v {
                v if v == c('i') => Forward::Tunnel,
                v if v == c('g') => Forward::Route,
                _ => Forward::Masq,
            };
        }
        v if v == c('w') => {
            e.set_option(Opt::Weight)?;
            // Debian's ipvsadm 1.31 takes weights up to INT_MAX (upstream: 65535).
            e.dest.weight = number(a, 0, i64::from(i32::MAX), "weight")? as i32;
        }
        v if v == c('x') => {
            e.set_option(Opt::UThreshold)?;
            e.dest.u_threshold = number(a, 0, i64::from(i32::MAX), "u_threshold")? as u32;
        }
        v if v == c('y') => {
            e.set_option(Opt::LThreshold)?;
            e.dest.l_threshold = number(a, 0, i64::from(i32::MAX), "l_threshold")? as u32;
        }
        v if v == c('c') => e.set_option(Opt::Connection)?,
        v if v == c('n') => {
            e.set_option(Opt::Numeric)?;
            e.format.numeric = true;
        }
        tag::MCAST_INTERFACE => {
            e.set_option(Opt::McastInterface)?;
            e.daemon.mcast_ifn = c_truncate(a, NAME_MAX);
        }
        tag::SYNCID => {
            e.set_option(Opt::SyncId)?;
            e.daemon.syncid = number(a, 0, 255, "syncid")? as u8;
        }
        tag::TIMEOUT => e.set_option(Opt::Timeout)?,
        tag::DAEMON => e.set_option(Opt::Daemon)?,
        tag::STATS => {
            e.set_option(Opt::Stats)?;
            e.format.stats = true;
        }
        tag::RATE => {
            e.set_option(Opt::Rate)?;
            e.format.rate = true;
        }
        tag::THRESHOLDS => {
            e.set_option(Opt::Thresholds)?;
            e.format.thresholds = true;
        }
        tag::PERSISTENTCONN => {
            e.set_option(Opt::PersistentConn)?;
            e.format.persistent_conn = true;
        }
        tag::NO_SORT => {
            e.set_option(Opt::NoSort)?;
            e.format.nosort = true;
        }
        tag::SORT => {}
        v if v == c('X') => {
            e.set_option(Opt::Exact)?;
            e.format.exact = true;
        }
        v if v == c('6') => {
            if e.svc.fwmark == 0 {
                return Err(fail("-6 used before -f\n").into());
            }
            e.svc.family = Some(Family::V6);
            e.svc.netmask = 128;
        }
        v if v == c('o') => {
            e.set_option(Opt::OnePacket)?;
            e.svc.flags |= ServiceFlags::ONEPACKET;
        }
        tag::PERSISTENCE_ENGINE => {
            e.set_option(Opt::PersistenceEngine)?;
            e.svc.pe_name = c_truncate(a, NAME_MAX + 1);
        }
        v if v == c('b') => {
            e.set_option(Opt::SchedFlags)?;
            *sched_flags_arg = c_truncate(a, 127);
        }
        tag::MCAST_GROUP => {
            e.set_option(Opt::McastGroup)?;
            e.daemon.mcast_group = Some(parse_mcast_group(a)?);
        }
        tag::MCAST_PORT => {
            e.set_option(Opt::McastPort)?;
            e.daemon.mcast_port = number(a, 1, 65535, "mcast-port")? as u16;
        }
        tag::MCAST_TTL => {
            e.set_option(Opt::McastTtl)?;
            e.daemon.mcast_ttl = number(a, 1, 255, "mcast-ttl")? as u8;
        }
        tag::SYNC_MAXLEN => {
            e.set_option(Opt::SyncMaxlen)?;
            e.daemon.sync_maxlen = number(a, 1, 65535 - 20 - 8, "sync-maxlen")? as u16;
        }
        tag::TUN_INFO => {
            e.set_option(Opt::TunInfo)?;
            e.format.tun_info = true;
        }
        tag::TUN_TYPE => {
            e.set_option(Opt::TunType)?;
            e.dest.tun_type = match a {
                "ipip" => TunnelType::Ipip,
                "gue" => TunnelType::Gue,
                "gre" => TunnelType::Gre,
                _ => return Err(fail("illegal tunnel type specified").into()),
            };
        }
        tag::TUN_PORT => {
            e.set_option(Opt::TunPort)?;
            e.dest.tun_port = number(a, 1, 65535, "tunnel port")? as u16;
        }
        tag::TUN_NOCSUM => e.set_option(Opt::TunNocsum)?,
        tag::TUN_CSUM => {
            e.set_option(Opt::TunCsum)?;
            e.dest.tun_flags |= TunnelFlags::CSUM;
        }
        tag::TUN_REMCSUM => {
            e.set_option(Opt::TunRemcsum)?;
            e.dest.tun_flags |= TunnelFlags::REMCSUM;
        }
        _ => return Err(OptionError::Invalid),
    }
    Ok(())
}

/// ipvsadm's generic_opt_check: the first option (in table order) that is missing,
/// refused, or a second exclusive one.
fn check_options(cmd: Cmd, options: u64) -> Result<(), Refusal> {
    let rules = cmd.rules();
    let mut first_exclusive: Option<usize> = None;
    for (j, rule) in rules.iter().enumerate() {
        let given = options & (1u64 << j) != 0;
        if !given {
            if *rule == b'+' {
                return Err(fail(format!(
                    "You need to supply the '{}' option for the '{}' command",
                    opt_name(j),
                    cmd.name()
                )));
            }
            continue;
        }
        match rule {
            b'x' => {
                return Err(fail(format!(
                    "Illegal '{}' option with the '{}' command",
                    opt_name(j),
                    cmd.name()
                )))
            }
            b'1' => match first_exclusive {
                None => first_exclusive = Some(j),
                Some(last) => {
                    return Err(fail(format!(
                        "The option '{}' conflicts with the '{}' option in the '{}' command",
                        opt_name(j),
                        opt_name(last),
                        cmd.name()
                    )))
                }
            },
            _ => {}
        }
    }
    Ok(())
}

fn tunnel_name(t: TunnelType) -> &'static str {
    match t {
        TunnelType::Ipip => "ipip",
        TunnelType::Gue => "gue",
        TunnelType::Gre => "gre",
    }
}

/// ipvsadm's tunnel_opt_check over --tun-port, --tun-nocsum, --tun-csum, --tun-remcsum.
fn check_tunnel_options(kind: TunnelType, options: u64) -> Result<(), Refusal> {
    let rules: &[u8; 4] = match kind {
        TunnelType::Ipip => b"xxxx",
        TunnelType::Gue => b"+111",
        TunnelType::Gre => b"x11x",
    };
    let opts = [Opt::TunPort, Opt::TunNocsum, Opt::TunCsum, Opt::TunRemcsum];
    let mut first_exclusive: Option<usize> = None;
    for (rule, opt) in rules.iter().zip(opts) {
        let k = opt as usize;
        let given = options & (1u64 << k) != 0;
        if !given {
            if *rule == b'+' {
                return Err(fail(format!(
                    "You need to supply the '{}' option for the '{}' tunnel type",
                    opt_name(k),
                    tunnel_name(kind)
                )));
            }
            continue;
        }
        match rule {
            b'x' => {
                return Err(fail(format!(
                    "Illegal '{}' option with the '{}' tunnel type",
                    opt_name(k),
                    tunnel_name(kind)
                )))
            }
            b'1' => match first_exclusive {
                None => first_exclusive = Some(k),
                Some(last) => {
                    return Err(fail(format!(
                        "The option '{}' conflicts with the '{}' option in the '{}' tunnel type",
                        opt_name(k),
                        opt_name(last),
                        tunnel_name(kind)
                    )))
                }
            },
            _ => {}
        }
    }
    Ok(())
}

/// The rest of process_options: per-command checks and defaults, then the action.
fn finish(cmd: Cmd, mut e: Entry) -> Result<Action, Refusal> {
    if matches!(cmd, Cmd::Add | Cmd::Edit) {
        if e.svc.fwmark == 0 && e.svc.port == 0 && e.svc.flags & ServiceFlags::PERSISTENT == 0 {
            return Err(fail("Zero port specified for non-persistent service"));
        }
        if e.svc.flags & ServiceFlags::ONEPACKET != 0
            && e.svc.fwmark == 0
            && e.svc.protocol != Some(Protocol::Udp)
        {
            return Err(fail(
                "One-Packet Scheduling is only for UDP virtual services",
            ));
        }
        if e.svc.scheduler.is_empty() {
            e.svc.scheduler = DEFAULT_SCHEDULER.to_string();
        }
    }
    if cmd == Cmd::StartDaemon && e.daemon.mcast_ifn.is_empty() {
        e.daemon.mcast_ifn = DEFAULT_MCAST_IFN.to_string();
    }
    if matches!(cmd, Cmd::AddDest | Cmd::EditDest) {
        let fwd = e.dest.forward;
        if e.svc.fwmark == 0 && matches!(fwd, Forward::Tunnel | Forward::Route) {
            e.dest.port = e.svc.port;
        }
        let dest_family = e.dest.addr.as_ref().map(Family::of);
        if dest_family != e.svc.family && fwd != Forward::Tunnel {
            return Err(fail(
                "Different address family is allowed only for tunneling servers",
            ));
        }
        let tunnel_opts = [
            Opt::TunType,
            Opt::TunPort,
            Opt::TunNocsum,
            Opt::TunCsum,
            Opt::TunRemcsum,
        ];
        if tunnel_opts.iter().any(|o| e.has(*o)) && fwd != Forward::Tunnel {
            return Err(fail("Tunnel options conflict with forward method"));
        }
        check_tunnel_options(e.dest.tun_type, e.options)?;
    }

    if cmd == Cmd::List {
        let o = e.options;
        let bit = |opt: Opt| o & (1u64 << opt as u32) != 0;
        let listing_kind = bit(Opt::Connection) || bit(Opt::Timeout) || bit(Opt::Daemon);
        let counters = bit(Opt::Stats) || bit(Opt::Rate) || bit(Opt::Thresholds);
        if (listing_kind && counters)
            || ((bit(Opt::Timeout) || bit(Opt::Daemon)) && bit(Opt::PersistentConn))
        {
            return Err(fail("options conflicts in the list command"));
        }
        let what = if bit(Opt::Connection) {
            ListWhat::Connections
        } else if bit(Opt::Service) {
            ListWhat::Service(service_key(&e.svc))
        } else if bit(Opt::Timeout) {
            ListWhat::Timeouts
        } else if bit(Opt::Daemon) {
            ListWhat::Daemons
        } else {
            ListWhat::All
        };
        return Ok(Action::List(what, e.format));
    }

    let key = service_key(&e.svc);
    let op = match cmd {
        Cmd::Restore => return Ok(Action::Restore),
        Cmd::Save => {
            let mut f = e.format;
            f.rule = true;
            return Ok(Action::Save(f));
        }
        Cmd::List => return Ok(Action::List(ListWhat::All, e.format)),
        Cmd::Flush => Op::Flush,
        Cmd::Add => Op::AddService(service(&e.svc, key)),
        Cmd::Edit => Op::EditService(service(&e.svc, key)),
        Cmd::Del => Op::DelService(key),
        Cmd::Zero => Op::Zero(zero_target(&e)),
        Cmd::AddDest => Op::AddDest(key, dest(&e.dest)),
        Cmd::EditDest => Op::EditDest(key, dest(&e.dest)),
        Cmd::DelDest => Op::DelDest {
            service: key,
            addr: e.dest.addr.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            port: e.dest.port,
        },
        Cmd::Timeout => Op::SetTimeouts(e.timeouts),
        Cmd::StartDaemon => Op::StartDaemon(e.daemon),
        Cmd::StopDaemon => Op::StopDaemon(e.daemon.role),
    };
    Ok(Action::Apply(op))
}

fn service_key(s: &SvcArgs) -> ServiceKey {
    if s.fwmark != 0 {
        return ServiceKey::Fwmark {
            family: s.family.unwrap_or(Family::V4),
            mark: s.fwmark,
        };
    }
    ServiceKey::Addr {
        protocol: s.protocol.unwrap_or(Protocol::Tcp),
        addr: s.addr.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        port: s.port,
    }
}

/// libipvs sends no service with the zero request (the kernel then zeroes every one) when
/// the service has no fwmark, an all-zero address and port 0.
fn zero_target(e: &Entry) -> Option<ServiceKey> {
    if !e.has(Opt::Service) {
        return None;
    }
    let s = &e.svc;
    let any = s.addr.map_or(true, |a| a.is_unspecified());
    if s.fwmark == 0 && any && s.port == 0 {
        return None;
    }
    Some(service_key(s))
}

fn service(s: &SvcArgs, key: ServiceKey) -> Service {
    Service {
        key,
        scheduler: s.scheduler.clone(),
        flags: ServiceFlags(s.flags),
        timeout: s.timeout,
        netmask: s.netmask,
        pe_name: (!s.pe_name.is_empty()).then(|| s.pe_name.clone()),
        stats: Stats::default(),
    }
}

fn dest(d: &DestArgs) -> Dest {
    let mut dest = Dest::new(d.addr.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)), d.port);
    dest.forward = d.forward;
    dest.weight = d.weight;
    dest.u_threshold = d.u_threshold;
    dest.l_threshold = d.l_threshold;
    dest.tunnel = Tunnel {
        kind: d.tun_type,
        port: d.tun_port,
        flags: TunnelFlags(d.tun_flags),
    };
    dest
}
