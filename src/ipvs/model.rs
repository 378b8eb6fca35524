//! The kernel's IPVS objects as plain values: what the netlink client reads and writes, what
//! the ipvsadm and `ha ipvs` front ends print and parse, and what the diff engine compares.
//!
//! Numeric values (flags, forwarding methods, tunnel types) are the kernel's own
//! (include/uapi/linux/ip_vs.h), so the client passes them through unchanged.

use std::net::IpAddr;

/// Address family of a service or destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    /// AF_INET / AF_INET6 as the kernel numbers them.
    pub fn af(self) -> u16 {
        match self {
            Family::V4 => 2,
            Family::V6 => 10,
        }
    }

    pub fn from_af(af: u16) -> Option<Family> {
        match af {
            2 => Some(Family::V4),
            10 => Some(Family::V6),
            _ => None,
        }
    }
}

/// Transport protocol of an address:port service (IPPROTO_* numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub fn number(self) -> u16 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Sctp => 132,
        }
    }

    pub fn from_number(n: u16) -> Option<Protocol> {
        match n {
            6 => Some(Protocol::Tcp),
            17 => Some(Protocol::Udp),
            132 => Some(Protocol::Sctp),
            _ => None,
        }
    }
}

/// What identifies a virtual service in the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceKey {
    Addr {
        protocol: Protocol,
        addr: IpAddr,
        port: u16,
    },
    /// Firewall-mark service; the family selects the IPv4 or IPv6 table.
    Fwmark { family: Family, mark: u32 },
}

impl ServiceKey {
    pub fn family(&self) -> Family {
        match self {
            ServiceKey::Addr { addr, .. } => Family::of(addr),
            ServiceKey::Fwmark { family, .. } => *family,
        }
    }
}

/// IP_VS_SVC_F_* service flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ServiceFlags(pub u32);

impl ServiceFlags {
    pub const PERSISTENT: u32 = 0x0001;
    /// Set by the kernel on every service; never requested.
    pub const HASHED: u32 = 0x0002;
    /// One-packet scheduling (`--ops`).
    pub const ONEPACKET: u32 = 0x0004;
    /// Scheduler flag 1: sh-fallback / mh-fallback.
    pub const SCHED1: u32 = 0x0008;
    /// Scheduler flag 2: sh-port / mh-port.
    pub const SCHED2: u32 = 0x0010;
    /// Scheduler flag 3 (no scheduler uses it in 6.1).
    pub const SCHED3: u32 = 0x0020;

    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }
}

/// A virtual service with its settings. Counters are filled when read from the kernel and
/// ignored when writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub key: ServiceKey,
    /// Scheduler name as the kernel knows it ("rr", "wrr", "sh", "mh", ...).
    pub scheduler: String,
    pub flags: ServiceFlags,
    /// Persistence timeout in seconds; meaningful when flags has PERSISTENT.
    pub timeout: u32,
    /// Persistence netmask: an IPv4 mask as a u32 in host order, or an IPv6 prefix length.
    pub netmask: u32,
    /// Persistence engine ("sip"), if any.
    pub pe_name: Option<String>,
    pub stats: Stats,
}

impl Service {
    /// A service with ipvsadm's defaults: scheduler wlc, no persistence, full netmask.
    pub fn new(key: ServiceKey) -> Service {
        let netmask = match key.family() {
            Family::V4 => u32::MAX,
            Family::V6 => 128,
        };
        Service {
            key,
            scheduler: "wlc".to_string(),
            flags: ServiceFlags::default(),
            timeout: 0,
            netmask,
            pe_name: None,
            stats: Stats::default(),
        }
    }

    pub fn is_persistent(&self) -> bool {
        self.flags.has(ServiceFlags::PERSISTENT)
    }
}

/// IP_VS_CONN_F_FWD_MASK values: how packets reach a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Forward {
    /// NAT (`-m`, "Masq").
    Masq,
    /// The destination is this host ("Local").
    Local,
    /// IP-in-IP / GUE / GRE (`-i`, "Tunnel").
    Tunnel,
    /// Direct routing (`-g`, "Route").
    Route,
    /// "Bypass" (kernel-internal).
    Bypass,
}

impl Forward {
    pub fn bits(self) -> u32 {
        match self {
            Forward::Masq => 0,
            Forward::Local => 1,
            Forward::Tunnel => 2,
            Forward::Route => 3,
            Forward::Bypass => 4,
        }
    }

    pub fn from_bits(bits: u32) -> Option<Forward> {
        match bits & 0x7 {
            0 => Some(Forward::Masq),
            1 => Some(Forward::Local),
            2 => Some(Forward::Tunnel),
            3 => Some(Forward::Route),
            4 => Some(Forward::Bypass),
            _ => None,
        }
    }
}

/// IP_VS_CONN_F_TUNNEL_TYPE_* encapsulations for tunnel destinations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TunnelType {
    #[default]
    Ipip,
    Gue,
    Gre,
}

impl TunnelType {
    pub fn number(self) -> u8 {
        match self {
            TunnelType::Ipip => 0,
            TunnelType::Gue => 1,
            TunnelType::Gre => 2,
        }
    }

    pub fn from_number(n: u8) -> Option<TunnelType> {
        match n {
            0 => Some(TunnelType::Ipip),
            1 => Some(TunnelType::Gue),
            2 => Some(TunnelType::Gre),
            _ => None,
        }
    }
}

/// IP_VS_TUNNEL_ENCAP_FLAG_* checksum options for GUE / GRE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TunnelFlags(pub u16);

impl TunnelFlags {
    /// No flag bit set means "nocsum".
    pub const CSUM: u16 = 0x0001;
    pub const REMCSUM: u16 = 0x0002;
}

/// Tunnel settings of a destination; `port` is the GUE destination port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tunnel {
    pub kind: TunnelType,
    pub port: u16,
    pub flags: TunnelFlags,
}

/// A real server (destination) of a service. Counters are filled when read from the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dest {
    pub addr: IpAddr,
    pub port: u16,
    pub forward: Forward,
    pub weight: i32,
    /// Upper connection threshold (`-x`); 0 = none.
    pub u_threshold: u32,
    /// Lower connection threshold (`-y`); 0 = none.
    pub l_threshold: u32,
    pub tunnel: Tunnel,
    pub active_conns: u32,
    pub inact_conns: u32,
    pub persist_conns: u32,
    pub stats: Stats,
}

impl Dest {
    /// A destination with ipvsadm's defaults: direct routing, weight 1.
    pub fn new(addr: IpAddr, port: u16) -> Dest {
        Dest {
            addr,
            port,
            forward: Forward::Route,
            weight: 1,
            u_threshold: 0,
            l_threshold: 0,
            tunnel: Tunnel::default(),
            active_conns: 0,
            inact_conns: 0,
            persist_conns: 0,
            stats: Stats::default(),
        }
    }
}

/// Totals and the estimator's rates (per second), 64-bit as IPVS_*_ATTR_STATS64 gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
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

/// `IPVS_CMD_GET_INFO`: version (major << 16 | minor << 8 | patch) and table size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Info {
    pub version: u32,
    pub conn_tab_size: u32,
}

impl Info {
    /// "1.2.1" as ipvsadm prints it.
    pub fn version_string(&self) -> String {
        format!(
            "{}.{}.{}",
            (self.version >> 16) & 0xff,
            (self.version >> 8) & 0xff,
            self.version & 0xff
        )
    }
}

/// Connection timeouts in seconds (`--set tcp tcpfin udp`); 0 in a request leaves a value as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timeouts {
    pub tcp: u32,
    pub tcp_fin: u32,
    pub udp: u32,
}

/// Connection-sync daemon role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncRole {
    Master,
    Backup,
}

/// A connection-sync daemon as `--start-daemon` configures it and `-L --daemon` lists it.
/// Zero / None fields mean "kernel default".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDaemon {
    pub role: SyncRole,
    pub mcast_ifn: String,
    pub syncid: u8,
    pub sync_maxlen: u16,
    pub mcast_group: Option<IpAddr>,
    pub mcast_port: u16,
    pub mcast_ttl: u8,
}

impl SyncDaemon {
    /// A daemon of `role` with every other setting left to the kernel.
    pub fn new(role: SyncRole) -> SyncDaemon {
        SyncDaemon {
            role,
            mcast_ifn: String::new(),
            syncid: 0,
            sync_maxlen: 0,
            mcast_group: None,
            mcast_port: 0,
            mcast_ttl: 0,
        }
    }
}

/// One change to the kernel's tables. The diff engine produces these; the client applies them
/// in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    AddService(Service),
    EditService(Service),
    DelService(ServiceKey),
    /// Remove every service (`-C`).
    Flush,
    AddDest(ServiceKey, Dest),
    EditDest(ServiceKey, Dest),
    DelDest {
        service: ServiceKey,
        addr: IpAddr,
        port: u16,
    },
    /// Zero counters of one service, or of all (`-Z`).
    Zero(Option<ServiceKey>),
    SetTimeouts(Timeouts),
    StartDaemon(SyncDaemon),
    StopDaemon(SyncRole),
}
