//! A small, blocking rtnetlink client over `neli`: links by name or index, bringing a link
//! up, and listing/adding/removing interface addresses.
//!
//! It uses neli's plain socket handle rather than `NlRouter`, which spawns a reader thread
//! per socket; requests here are strictly request/response, matched by sequence number.

use std::fmt;
use std::io::Cursor;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use neli::consts::nl::{NlmF, Nlmsg, NlmsgerrAttr};
use neli::consts::rtnl::{Ifa, IfaF, Iff, Ifla, RtAddrFamily, RtScope, Rtm};
use neli::consts::socket::NlFamily;
use neli::err::{Nlmsgerr, NlmsghdrErr};
use neli::nl::{NlPayload, NlmsghdrBuilder};
use neli::rtnl::{Ifaddrmsg, IfaddrmsgBuilder, Ifinfomsg, IfinfomsgBuilder, RtattrBuilder};
use neli::socket::synchronous::NlSocketHandle;
use neli::types::{Buffer, RtBuffer};
use neli::utils::Groups;
use neli::{FromBytesWithInput, Size, ToBytes};
use nix::libc;

/// Longest interface name the kernel accepts (IFNAMSIZ - 1).
pub const IFNAME_MAX: usize = 15;

/// Address scope (`ip addr ... scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `global` in ip(8) output.
    Universe,
    Site,
    Link,
    Host,
    Nowhere,
    Other(u8),
}

impl From<u8> for Scope {
    fn from(v: u8) -> Scope {
        match v {
            0 => Scope::Universe,
            200 => Scope::Site,
            253 => Scope::Link,
            254 => Scope::Host,
            255 => Scope::Nowhere,
            n => Scope::Other(n),
        }
    }
}

impl From<Scope> for u8 {
    fn from(s: Scope) -> u8 {
        match s {
            Scope::Universe => 0,
            Scope::Site => 200,
            Scope::Link => 253,
            Scope::Host => 254,
            Scope::Nowhere => 255,
            Scope::Other(n) => n,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Universe => f.write_str("global"),
            Scope::Site => f.write_str("site"),
            Scope::Link => f.write_str("link"),
            Scope::Host => f.write_str("host"),
            Scope::Nowhere => f.write_str("nowhere"),
            Scope::Other(n) => write!(f, "{n}"),
        }
    }
}

/// `IFA_F_*` address flags. The header field holds only 8 bits; the rest travel in the
/// `IFA_FLAGS` attribute, so they are kept as 32 bits here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AddrFlags(pub u32);

impl AddrFlags {
    pub const SECONDARY: AddrFlags = AddrFlags(0x01);
    pub const NODAD: AddrFlags = AddrFlags(0x02);
    pub const OPTIMISTIC: AddrFlags = AddrFlags(0x04);
    pub const DADFAILED: AddrFlags = AddrFlags(0x08);
    pub const HOMEADDRESS: AddrFlags = AddrFlags(0x10);
    pub const DEPRECATED: AddrFlags = AddrFlags(0x20);
    pub const TENTATIVE: AddrFlags = AddrFlags(0x40);
    pub const PERMANENT: AddrFlags = AddrFlags(0x80);
    pub const MANAGETEMPADDR: AddrFlags = AddrFlags(0x100);
    pub const NOPREFIXROUTE: AddrFlags = AddrFlags(0x200);
    pub const MCAUTOJOIN: AddrFlags = AddrFlags(0x400);
    pub const STABLE_PRIVACY: AddrFlags = AddrFlags(0x800);

    pub const fn empty() -> AddrFlags {
        AddrFlags(0)
    }

    pub const fn bits(self) -> u32 {
        self.0
    }

    pub const fn contains(self, other: AddrFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for AddrFlags {
    type Output = AddrFlags;
    fn bitor(self, rhs: AddrFlags) -> AddrFlags {
        AddrFlags(self.0 | rhs.0)
    }
}

/// An interface address: what `ip addr add` takes and `ip addr show` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfAddr {
    pub addr: IpAddr,
    pub prefix_len: u8,
    /// The other end of a point-to-point link (`peer`); None for ordinary addresses.
    pub peer: Option<IpAddr>,
    /// IPv4 only: `ip addr ... label eth0:vip`; must start with the interface name.
    pub label: Option<String>,
    /// IPv4 only: `brd`.
    pub broadcast: Option<Ipv4Addr>,
    pub scope: Scope,
    pub flags: AddrFlags,
}

impl IfAddr {
    pub fn new(addr: IpAddr, prefix_len: u8) -> IfAddr {
        IfAddr {
            addr,
            prefix_len,
            peer: None,
            label: None,
            broadcast: None,
            scope: Scope::Universe,
            flags: AddrFlags::empty(),
        }
    }

    /// A single-host address: /32 for IPv4, /128 for IPv6.
    pub fn host(addr: IpAddr) -> IfAddr {
        IfAddr::new(addr, max_prefix(addr))
    }

    pub fn with_label(mut self, label: impl Into<String>) -> IfAddr {
        self.label = Some(label.into());
        self
    }

    pub fn with_broadcast(mut self, brd: Ipv4Addr) -> IfAddr {
        self.broadcast = Some(brd);
        self
    }

    pub fn with_scope(mut self, scope: Scope) -> IfAddr {
        self.scope = scope;
        self
    }

    pub fn with_flags(mut self, flags: AddrFlags) -> IfAddr {
        self.flags = flags;
        self
    }

    pub fn is_host(&self) -> bool {
        self.prefix_len == max_prefix(self.addr)
    }
}

impl fmt::Display for IfAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix_len)
    }
}

/// 32 for IPv4, 128 for IPv6.
pub fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// A network interface as rtnetlink reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub index: u32,
    pub name: String,
    /// Administratively up (IFF_UP).
    pub up: bool,
    /// Operationally up (IFF_RUNNING: carrier present, operstate up or unknown).
    pub running: bool,
    pub loopback: bool,
    /// IFF_NOARP: the device never answers ARP (dummy, tun...).
    pub noarp: bool,
    /// IFLA_MTU; None when the kernel did not send it.
    pub mtu: Option<u32>,
    /// IFLA_ADDRESS: the hardware address, empty for devices without one.
    pub hw_addr: Vec<u8>,
}

impl Link {
    /// Up and running (IFF_UP and IFF_RUNNING): keepalived's test for a usable interface.
    pub fn is_usable(&self) -> bool {
        self.up && self.running
    }

    /// The Ethernet MAC address, when the hardware address is one (6 bytes).
    pub fn mac(&self) -> Option<[u8; 6]> {
        <[u8; 6]>::try_from(self.hw_addr.as_slice()).ok()
    }
}

/// Failures, with the errno cases callers act on kept apart.
#[derive(Debug)]
pub enum RtnlError {
    /// EPERM/EACCES: the change needs CAP_NET_ADMIN.
    PermissionDenied,
    /// ENODEV: no such interface (by name or index).
    NoDevice,
    /// EEXIST: the address is already on the interface.
    Exists,
    /// EADDRNOTAVAIL: the address to delete is not on the interface.
    AddrNotAvailable,
    /// Any other error the kernel answered, with its extended-ACK text when it gave one.
    Kernel { errno: i32, message: Option<String> },
    /// The request was refused before sending (bad prefix length, name too long...).
    InvalidArgument(String),
    /// Socket-level or encoding trouble, or a reply we could not understand.
    Protocol(String),
}

impl RtnlError {
    /// Maps a positive errno from a netlink error message.
    pub fn from_errno(errno: i32, message: Option<String>) -> RtnlError {
        match errno {
            libc::EPERM | libc::EACCES => RtnlError::PermissionDenied,
            libc::ENODEV => RtnlError::NoDevice,
            libc::EEXIST => RtnlError::Exists,
            libc::EADDRNOTAVAIL => RtnlError::AddrNotAvailable,
            _ => RtnlError::Kernel { errno, message },
        }
    }

    fn protocol(e: impl fmt::Display) -> RtnlError {
        RtnlError::Protocol(e.to_string())
    }
}

impl fmt::Display for RtnlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RtnlError::PermissionDenied => {
                f.write_str("operation not permitted (needs root or CAP_NET_ADMIN)")
            }
            RtnlError::NoDevice => f.write_str("no such network interface"),
            RtnlError::Exists => f.write_str("address already present"),
            RtnlError::AddrNotAvailable => f.write_str("address not present on the interface"),
            RtnlError::Kernel { errno, message } => {
                write!(f, "{}", std::io::Error::from_raw_os_error(*errno))?;
                if let Some(m) = message {
                    write!(f, " ({m})")?;
                }
                Ok(())
            }
            RtnlError::InvalidArgument(m) => f.write_str(m),
            RtnlError::Protocol(m) => write!(f, "netlink: {m}"),
        }
    }
}

impl std::error::Error for RtnlError {}

/// One rtnetlink socket. Not shared between threads; open one per user.
pub struct Rtnl {
    sock: NlSocketHandle,
    seq: u32,
}

impl Rtnl {
    /// Opens a NETLINK_ROUTE socket in the caller's network namespace (no privilege needed;
    /// changes are checked by the kernel per request).
    pub fn open() -> Result<Rtnl, RtnlError> {
        let sock = NlSocketHandle::connect(NlFamily::Route, None, Groups::empty())
            .map_err(RtnlError::protocol)?;
        // Extended ACKs make the kernel say *why* (e.g. which attribute) on EINVAL; optional.
        let _ = sock.enable_ext_ack(true);
        Ok(Rtnl { sock, seq: 0 })
    }

    pub fn link_by_name(&mut self, name: &str) -> Result<Link, RtnlError> {
        check_ifname(name)?;
        let mut attrs = RtBuffer::new();
        attrs.push(rtattr(Ifla::Ifname, nul_terminated(name))?);
        let msg = IfinfomsgBuilder::default()
            .ifi_family(RtAddrFamily::Unspecified)
            .rtattrs(attrs)
            .build()
            .map_err(RtnlError::protocol)?;
        self.get_link(msg)
    }

    pub fn link_by_index(&mut self, index: u32) -> Result<Link, RtnlError> {
        let msg = IfinfomsgBuilder::default()
            .ifi_family(RtAddrFamily::Unspecified)
            .ifi_index(to_c_int(index)?)
            .build()
            .map_err(RtnlError::protocol)?;
        self.get_link(msg)
    }

    /// Every interface of this network namespace.
    pub fn links(&mut self) -> Result<Vec<Link>, RtnlError> {
        let msg = IfinfomsgBuilder::default()
            .ifi_family(RtAddrFamily::Unspecified)
            .build()
            .map_err(RtnlError::protocol)?;
        self.request(Rtm::Getlink, NlmF::DUMP, msg)?
            .iter()
            .filter(|(ty, _)| *ty == u16::from(Rtm::Newlink))
            .map(|(_, buf)| parse_link(buf.as_ref()))
            .collect()
    }

    fn get_link(&mut self, msg: Ifinfomsg) -> Result<Link, RtnlError> {
        let replies = self.request(Rtm::Getlink, NlmF::empty(), msg)?;
        replies
            .iter()
            .find(|(ty, _)| *ty == u16::from(Rtm::Newlink))
            .map(|(_, buf)| parse_link(buf.as_ref()))
            .unwrap_or_else(|| Err(RtnlError::protocol("RTM_GETLINK: no link in the reply")))
    }

    /// `ip link set dev X up`.
    pub fn set_link_up(&mut self, index: u32) -> Result<(), RtnlError> {
        let msg = IfinfomsgBuilder::default()
            .ifi_family(RtAddrFamily::Unspecified)
            .ifi_index(to_c_int(index)?)
            .up()
            .build()
            .map_err(RtnlError::protocol)?;
        self.request(Rtm::Newlink, NlmF::empty(), msg).map(drop)
    }

    /// Every IPv4 and IPv6 address on the interface with this index.
    pub fn addresses(&mut self, index: u32) -> Result<Vec<IfAddr>, RtnlError> {
        // Unfiltered dump (no strict checking needed, works on old kernels); filter here.
        let msg = IfaddrmsgBuilder::default()
            .ifa_family(RtAddrFamily::Unspecified)
            .ifa_prefixlen(0)
            .ifa_scope(RtScope::Universe)
            .ifa_index(0)
            .build()
            .map_err(RtnlError::protocol)?;
        let mut out = Vec::new();
        for (ty, buf) in self.request(Rtm::Getaddr, NlmF::DUMP, msg)? {
            if ty != u16::from(Rtm::Newaddr) {
                continue;
            }
            let (ifindex, addr) = parse_addr(buf.as_ref())?;
            if ifindex == index {
                if let Some(a) = addr {
                    out.push(a);
                }
            }
        }
        Ok(out)
    }

    /// `ip addr add`: fails with [`RtnlError::Exists`] when the address is already there.
    pub fn add_address(&mut self, index: u32, addr: &IfAddr) -> Result<(), RtnlError> {
        let msg = addr_message(index, addr, true)?;
        self.request(Rtm::Newaddr, NlmF::CREATE | NlmF::EXCL, msg)
            .map(drop)
    }

    /// `ip addr replace`: adds, or updates flags/label/brd of an existing address.
    pub fn replace_address(&mut self, index: u32, addr: &IfAddr) -> Result<(), RtnlError> {
        let msg = addr_message(index, addr, true)?;
        self.request(Rtm::Newaddr, NlmF::CREATE | NlmF::REPLACE, msg)
            .map(drop)
    }

    /// `ip addr del`: address and prefix length must match; a label, when given, too.
    /// Fails with [`RtnlError::AddrNotAvailable`] when the address is not there.
    pub fn del_address(&mut self, index: u32, addr: &IfAddr) -> Result<(), RtnlError> {
        let msg = addr_message(index, addr, false)?;
        self.request(Rtm::Deladdr, NlmF::empty(), msg).map(drop)
    }

    /// Sends one request and collects the reply messages (type, payload) that carry our
    /// sequence number, until the ACK (plain requests) or NLMSG_DONE (dumps).
    fn request<P>(
        &mut self,
        ty: Rtm,
        flags: NlmF,
        payload: P,
    ) -> Result<Vec<(u16, Buffer)>, RtnlError>
    where
        P: Size + ToBytes + fmt::Debug,
    {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let dump = flags.contains(NlmF::DUMP);
        // Dumps end with NLMSG_DONE and get no ACK; other requests always ask for one so
        // that success is confirmed rather than assumed.
        let flags = if dump {
            flags | NlmF::REQUEST
        } else {
            flags | NlmF::REQUEST | NlmF::ACK
        };
        let msg = NlmsghdrBuilder::default()
            .nl_type(u16::from(ty))
            .nl_flags(flags)
            .nl_seq(seq)
            .nl_payload(NlPayload::Payload(payload))
            .build()
            .map_err(RtnlError::protocol)?;
        self.sock.send(&msg).map_err(RtnlError::protocol)?;

        let mut out = Vec::new();
        loop {
            let (msgs, _) = self
                .sock
                .recv::<u16, Buffer>()
                .map_err(RtnlError::protocol)?;
            for msg in msgs {
                let msg = msg.map_err(RtnlError::protocol)?;
                // Replies to an earlier request that was abandoned on error are skipped.
                if *msg.nl_seq() != seq {
                    continue;
                }
                let mtype = *msg.nl_type();
                match msg.nl_payload() {
                    NlPayload::Err(e) => {
                        return Err(RtnlError::from_errno(-*e.error(), extack_message(e)));
                    }
                    NlPayload::Ack(_) => return Ok(out),
                    NlPayload::DumpExtAck(e) if *e.error() != 0 => {
                        return Err(RtnlError::from_errno(-*e.error(), None));
                    }
                    _ if mtype == u16::from(Nlmsg::Done) => return Ok(out),
                    _ if mtype == u16::from(Nlmsg::Overrun) => {
                        return Err(RtnlError::protocol("receive buffer overrun"));
                    }
                    NlPayload::Payload(p) if mtype != u16::from(Nlmsg::Noop) => {
                        out.push((mtype, p.clone()));
                    }
                    _ => {}
                }
            }
        }
    }
}

fn extack_message(e: &Nlmsgerr<NlmsghdrErr<u16, Buffer>>) -> Option<String> {
    e.ext_ack()
        .iter()
        .find(|a| *a.nla_type().nla_type() == NlmsgerrAttr::Msg)
        .map(|a| trim_nul(a.nla_payload().as_ref()))
        .filter(|m| !m.is_empty())
}

fn check_ifname(name: &str) -> Result<(), RtnlError> {
    let bad = name.is_empty()
        || name.len() > IFNAME_MAX
        || name == "."
        || name == ".."
        || name
            .chars()
            .any(|c| c == '/' || c == ':' || c.is_whitespace() || c == '\0');
    if bad {
        return Err(RtnlError::InvalidArgument(format!(
            "`{name}` is not a valid interface name (1-{IFNAME_MAX} bytes, no '/', ':' or spaces)"
        )));
    }
    Ok(())
}

fn to_c_int(index: u32) -> Result<libc::c_int, RtnlError> {
    libc::c_int::try_from(index)
        .map_err(|_| RtnlError::InvalidArgument(format!("interface index {index} is out of range")))
}

fn nul_terminated(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

fn trim_nul(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

fn ip_bytes(a: IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

fn rtattr<T>(ty: T, payload: Vec<u8>) -> Result<neli::rtnl::Rtattr<T, Buffer>, RtnlError>
where
    T: Size,
{
    RtattrBuilder::default()
        .rta_type(ty)
        .rta_payload(Buffer::from(payload))
        .build()
        .map_err(RtnlError::protocol)
}

/// Builds the RTM_NEWADDR/RTM_DELADDR body. `full` adds scope/brd/flags, which deletion
/// does not match on.
fn addr_message(index: u32, a: &IfAddr, full: bool) -> Result<Ifaddrmsg, RtnlError> {
    let (family, v4) = match a.addr {
        IpAddr::V4(_) => (RtAddrFamily::Inet, true),
        IpAddr::V6(_) => (RtAddrFamily::Inet6, false),
    };
    if a.prefix_len > max_prefix(a.addr) {
        return Err(RtnlError::InvalidArgument(format!(
            "prefix length /{} is too long for {}",
            a.prefix_len, a.addr
        )));
    }
    if a.peer.is_some_and(|p| p.is_ipv4() != v4) {
        return Err(RtnlError::InvalidArgument(format!(
            "peer of {} is of another address family",
            a.addr
        )));
    }
    if !v4 && (a.label.is_some() || a.broadcast.is_some()) {
        return Err(RtnlError::InvalidArgument(format!(
            "{}: labels and broadcast addresses exist only for IPv4",
            a.addr
        )));
    }
    let mut attrs = RtBuffer::new();
    // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links and
    // the same address otherwise (as ip(8) sends them).
    attrs.push(rtattr(Ifa::Local, ip_bytes(a.addr))?);
    attrs.push(rtattr(Ifa::Address, ip_bytes(a.peer.unwrap_or(a.addr)))?);
    if let Some(label) = &a.label {
        if label.is_empty() || label.len() > IFNAME_MAX || label.contains('\0') {
            return Err(RtnlError::InvalidArgument(format!(
                "label `{label}` must be 1-{IFNAME_MAX} bytes"
            )));
        }
        attrs.push(rtattr(Ifa::Label, nul_terminated(label))?);
    }
    if full {
        if let Some(brd) = a.broadcast {
            attrs.push(rtattr(Ifa::Broadcast, brd.octets().to_vec())?);
        }
        if a.flags.bits() > 0xff {
            attrs.push(rtattr(Ifa::Flags, a.flags.bits().to_ne_bytes().to_vec())?);
        }
    }
    let (flags, scope) = if full {
        (a.flags.bits() as u8, u8::from(a.scope))
    } else {
        (0, 0)
    };
    IfaddrmsgBuilder::default()
        .ifa_family(family)
        .ifa_prefixlen(a.prefix_len)
        .ifa_flags(IfaF::from(flags))
        .ifa_scope(RtScope::from(scope))
        .ifa_index(index)
        .rtattrs(attrs)
        .build()
        .map_err(RtnlError::protocol)
}

/// Parses one RTM_NEWADDR/RTM_DELADDR body into (interface index, address). Families
/// other than IPv4/IPv6 give None.
pub(crate) fn parse_addr(body: &[u8]) -> Result<(u32, Option<IfAddr>), RtnlError> {
    let msg = Ifaddrmsg::from_bytes_with_input(&mut Cursor::new(body), body.len())
        .map_err(RtnlError::protocol)?;
    let index = *msg.ifa_index();
    let v4 = match msg.ifa_family() {
        RtAddrFamily::Inet => true,
        RtAddrFamily::Inet6 => false,
        _ => return Ok((index, None)),
    };
    let to_ip = |b: &[u8]| -> Option<IpAddr> {
        if v4 {
            <[u8; 4]>::try_from(b)
                .ok()
                .map(|o| IpAddr::V4(Ipv4Addr::from(o)))
        } else {
            <[u8; 16]>::try_from(b)
                .ok()
                .map(|o| IpAddr::V6(Ipv6Addr::from(o)))
        }
    };
    let (mut local, mut address, mut label, mut brd, mut flags32) = (None, None, None, None, None);
    for attr in msg.rtattrs().iter() {
        let p = attr.rta_payload().as_ref();
        match attr.rta_type() {
            Ifa::Local => local = to_ip(p),
            Ifa::Address => address = to_ip(p),
            Ifa::Label => label = Some(trim_nul(p)),
            Ifa::Broadcast => {
                brd = <[u8; 4]>::try_from(p).ok().map(Ipv4Addr::from);
            }
            Ifa::Flags => flags32 = <[u8; 4]>::try_from(p).ok().map(u32::from_ne_bytes),
            _ => {}
        }
    }
    // Point-to-point: IFA_LOCAL is ours and IFA_ADDRESS the peer; otherwise IPv6 sends
    // only IFA_ADDRESS.
    let Some(addr) = local.or(address) else {
        return Ok((index, None));
    };
    let peer = match (local, address) {
        (Some(l), Some(a)) if l != a => Some(a),
        _ => None,
    };
    let flags = AddrFlags(flags32.unwrap_or(u32::from(u8::from(*msg.ifa_flags()))));
    Ok((
        index,
        Some(IfAddr {
            addr,
            prefix_len: *msg.ifa_prefixlen(),
            peer,
            label,
            broadcast: brd,
            scope: Scope::from(u8::from(*msg.ifa_scope())),
            flags,
        }),
    ))
}

/// Parses one RTM_NEWLINK/RTM_DELLINK body.
pub(crate) fn parse_link(body: &[u8]) -> Result<Link, RtnlError> {
    let msg = Ifinfomsg::from_bytes_with_input(&mut Cursor::new(body), body.len())
        .map_err(RtnlError::protocol)?;
    let (mut name, mut mtu, mut hw_addr) = (String::new(), None, Vec::new());
    for attr in msg.rtattrs().iter() {
        let p = attr.rta_payload().as_ref();
        match attr.rta_type() {
            Ifla::Ifname => name = trim_nul(p),
            Ifla::Mtu => mtu = <[u8; 4]>::try_from(p).ok().map(u32::from_ne_bytes),
            Ifla::Address => hw_addr = p.to_vec(),
            _ => {}
        }
    }
    let index = u32::try_from(*msg.ifi_index())
        .map_err(|_| RtnlError::protocol("negative interface index"))?;
    let flags = msg.ifi_flags();
    Ok(Link {
        index,
        name,
        up: flags.contains(Iff::UP),
        running: flags.contains(Iff::RUNNING),
        loopback: flags.contains(Iff::LOOPBACK),
        noarp: flags.contains(Iff::NOARP),
        mtu,
        hw_addr,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn encode(msg: &Ifaddrmsg) -> Vec<u8> {
        let mut c = Cursor::new(vec![0; msg.padded_size()]);
        msg.to_bytes(&mut c).unwrap();
        c.into_inner()
    }

    #[test]
    fn host_prefix_per_family() {
        assert_eq!(
            IfAddr::host("192.0.2.1".parse().unwrap()).to_string(),
            "192.0.2.1/32"
        );
        let v6 = IfAddr::host("2001:db8::1".parse().unwrap());
        assert_eq!(v6.to_string(), "2001:db8::1/128");
        assert!(v6.is_host());
        assert!(!IfAddr::new("10.0.0.1".parse().unwrap(), 24).is_host());
    }

    #[test]
    fn scope_round_trips_and_prints_like_ip() {
        for v in [0u8, 200, 253, 254, 255, 17] {
            assert_eq!(u8::from(Scope::from(v)), v);
        }
        assert_eq!(Scope::Universe.to_string(), "global");
    }

    #[test]
    fn errno_mapping_keeps_the_cases_apart() {
        assert!(matches!(
            RtnlError::from_errno(libc::EPERM, None),
            RtnlError::PermissionDenied
        ));
        assert!(matches!(
            RtnlError::from_errno(libc::ENODEV, None),
            RtnlError::NoDevice
        ));
        assert!(matches!(
            RtnlError::from_errno(libc::EEXIST, None),
            RtnlError::Exists
        ));
        assert!(matches!(
            RtnlError::from_errno(libc::EADDRNOTAVAIL, None),
            RtnlError::AddrNotAvailable
        ));
        let e = RtnlError::from_errno(libc::EINVAL, Some("bad attr".into()));
        assert!(e.to_string().ends_with("(bad attr)"), "{e}");
    }

    #[test]
    fn v4_address_with_label_brd_and_high_flags_round_trips() {
        let a = IfAddr::new("192.0.2.10".parse().unwrap(), 24)
            .with_label("eth0:vip")
            .with_broadcast("192.0.2.255".parse().unwrap())
            .with_scope(Scope::Link)
            .with_flags(AddrFlags::NODAD | AddrFlags::NOPREFIXROUTE);
        let bytes = encode(&addr_message(7, &a, true).unwrap());
        let (index, back) = parse_addr(&bytes).unwrap();
        assert_eq!(index, 7);
        assert_eq!(back, Some(a));
    }

    #[test]
    fn v6_nodad_host_round_trips() {
        let a = IfAddr::host("2001:db8::5".parse().unwrap()).with_flags(AddrFlags::NODAD);
        let bytes = encode(&addr_message(1, &a, true).unwrap());
        assert_eq!(parse_addr(&bytes).unwrap(), (1, Some(a)));
    }

    #[test]
    fn delete_message_omits_scope_and_flags() {
        let a = IfAddr::host("192.0.2.1".parse().unwrap())
            .with_scope(Scope::Host)
            .with_flags(AddrFlags::NODAD);
        let msg = addr_message(1, &a, false).unwrap();
        assert_eq!(u8::from(*msg.ifa_scope()), 0);
        assert_eq!(u8::from(*msg.ifa_flags()), 0);
    }

    /// An RTM_NEWLINK body as the kernel sends it, for the link parser and the watch tests.
    pub(crate) fn link_body(index: i32, name: &str, flags: Iff, mtu: u32, mac: &[u8]) -> Vec<u8> {
        let mut attrs = RtBuffer::new();
        attrs.push(rtattr(Ifla::Ifname, nul_terminated(name)).unwrap());
        attrs.push(rtattr(Ifla::Mtu, mtu.to_ne_bytes().to_vec()).unwrap());
        attrs.push(rtattr(Ifla::Address, mac.to_vec()).unwrap());
        let msg = IfinfomsgBuilder::default()
            .ifi_family(RtAddrFamily::Unspecified)
            .ifi_index(index)
            .ifi_flags(flags)
            .rtattrs(attrs)
            .build()
            .unwrap();
        let mut c = Cursor::new(vec![0; msg.padded_size()]);
        msg.to_bytes(&mut c).unwrap();
        c.into_inner()
    }

    /// An RTM_NEWADDR body as the kernel sends it.
    pub(crate) fn addr_body(index: u32, a: &IfAddr) -> Vec<u8> {
        encode(&addr_message(index, a, true).unwrap())
    }

    #[test]
    fn link_with_mtu_mac_and_state_is_parsed() {
        let mac = [0x02, 0, 0, 0, 0, 0x0a];
        let body = link_body(3, "eth0", Iff::UP | Iff::RUNNING, 1400, &mac);
        let link = parse_link(&body).unwrap();
        assert_eq!((link.index, link.name.as_str()), (3, "eth0"));
        assert_eq!(link.mtu, Some(1400));
        assert_eq!(link.mac(), Some(mac));
        assert!(link.is_usable());
        let down = parse_link(&link_body(3, "eth0", Iff::UP, 1500, &[])).unwrap();
        assert!(down.up && !down.is_usable());
        assert_eq!(down.mac(), None);
        assert!(parse_link(&body[..10]).is_err());
        assert!(parse_link(&link_body(-1, "x", Iff::UP, 1, &[])).is_err());
    }

    #[test]
    fn bad_requests_are_refused_before_sending() {
        let too_long = IfAddr::new("192.0.2.1".parse().unwrap(), 33);
        assert!(matches!(
            addr_message(1, &too_long, true),
            Err(RtnlError::InvalidArgument(_))
        ));
        let v6_label = IfAddr::host("2001:db8::1".parse().unwrap()).with_label("lo:x");
        assert!(addr_message(1, &v6_label, true).is_err());
        assert!(check_ifname("lo").is_ok());
        assert!(check_ifname("").is_err());
        assert!(check_ifname("a-name-that-is-too-long").is_err());
        assert!(check_ifname("../x").is_err());
    }
}
