//! IPVS requests as bytes and the kernel's replies as model values. Pure: no sockets.
//!
//! Encodings follow the kernel (net/netfilter/ipvs/ip_vs_ctl.c, 6.1): ports and the tunnel
//! port are `be16`; the persistence netmask is the raw 32-bit field, which holds an IPv4
//! mask in network order or an IPv6 prefix length in host order; addresses are 16 bytes
//! (`union nf_inet_addr`, IPv4 in the first 4); everything else is in host order. The
//! kernel's policy is liberal (GENL_DONT_VALIDATE_STRICT): a kernel older than an attribute
//! ignores it, so requests always carry the destination's address family and tunnel settings.
//!
//! Decoding never panics: truncated attributes and missing mandatory ones are
//! [`IpvsError::Malformed`]; unknown attribute types are skipped, as the kernel's own
//! parser does, so a newer kernel's additions do not break us.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::frame::{genl, malformed, Attr, Attrs, MessageWriter};
use super::uapi::*;
use crate::ipvs::model::*;
use crate::ipvs::IpvsError;

/// Flags of a request answered by an ACK (or an error).
const REQUEST_ACK: u16 = NLM_F_REQUEST | NLM_F_ACK;
/// Flags of a dump request, answered by NLMSG_DONE.
const REQUEST_DUMP: u16 = NLM_F_REQUEST | NLM_F_DUMP;

/// CTRL_CMD_GETFAMILY for "IPVS": the family id is assigned when ip_vs registers.
pub fn get_family(buf: &mut Vec<u8>, seq: u32) {
    let mut m = MessageWriter::begin(
        buf,
        GENL_ID_CTRL,
        REQUEST_ACK,
        seq,
        CTRL_CMD_GETFAMILY,
        CTRL_VERSION,
    );
    m.string(CTRL_ATTR_FAMILY_NAME, IPVS_GENL_NAME);
    m.end();
}

/// The family id in a CTRL_CMD_NEWFAMILY reply.
pub fn family_id(payload: &[u8]) -> Result<u16, IpvsError> {
    let (_, attrs) = genl(payload)?;
    for a in attrs {
        let a = a?;
        if a.ty == CTRL_ATTR_FAMILY_ID {
            return a.u16();
        }
    }
    Err(malformed("family reply without CTRL_ATTR_FAMILY_ID"))
}

/// A request without attributes answered by one message and an ACK: GET_INFO, GET_CONFIG.
pub fn get(buf: &mut Vec<u8>, family: u16, seq: u32, cmd: u8) {
    MessageWriter::begin(buf, family, REQUEST_ACK, seq, cmd, IPVS_GENL_VERSION).end();
}

/// A dump request without attributes: GET_SERVICE (all services), GET_DAEMON.
pub fn dump(buf: &mut Vec<u8>, family: u16, seq: u32, cmd: u8) {
    MessageWriter::begin(buf, family, REQUEST_DUMP, seq, cmd, IPVS_GENL_VERSION).end();
}

/// IPVS_CMD_GET_SERVICE for one service (answered by a NEW_SERVICE message, or ESRCH).
pub fn get_service(buf: &mut Vec<u8>, family: u16, seq: u32, key: &ServiceKey) {
    let mut m = MessageWriter::begin(
        buf,
        family,
        REQUEST_ACK,
        seq,
        IPVS_CMD_GET_SERVICE,
        IPVS_GENL_VERSION,
    );
    m.nest(IPVS_CMD_ATTR_SERVICE, |m| put_service_key(m, key));
    m.end();
}

/// A dump of the destinations of one service (empty when the kernel has no such service).
pub fn dump_dests(buf: &mut Vec<u8>, family: u16, seq: u32, key: &ServiceKey) {
    let mut m = MessageWriter::begin(
        buf,
        family,
        REQUEST_DUMP,
        seq,
        IPVS_CMD_GET_DEST,
        IPVS_GENL_VERSION,
    );
    m.nest(IPVS_CMD_ATTR_SERVICE, |m| put_service_key(m, key));
    m.end();
}

/// Appends the request that carries out `op`, asking for an ACK. Nothing is appended when
/// the op cannot be encoded (a name with a NUL byte or far too long: the kernel would
/// refuse it with EINVAL, which is what this returns).
pub fn op(buf: &mut Vec<u8>, family: u16, seq: u32, op: &Op) -> Result<(), IpvsError> {
    check_names(op)?;
    let cmd = match op {
        Op::AddService(_) => IPVS_CMD_NEW_SERVICE,
        Op::EditService(_) => IPVS_CMD_SET_SERVICE,
        Op::DelService(_) => IPVS_CMD_DEL_SERVICE,
        Op::Flush => IPVS_CMD_FLUSH,
        Op::AddDest(..) => IPVS_CMD_NEW_DEST,
        Op::EditDest(..) => IPVS_CMD_SET_DEST,
        Op::DelDest { .. } => IPVS_CMD_DEL_DEST,
        Op::Zero(_) => IPVS_CMD_ZERO,
        Op::SetTimeouts(_) => IPVS_CMD_SET_CONFIG,
        Op::StartDaemon(_) => IPVS_CMD_NEW_DAEMON,
        Op::StopDaemon(_) => IPVS_CMD_DEL_DAEMON,
    };
    let mut m = MessageWriter::begin(buf, family, REQUEST_ACK, seq, cmd, IPVS_GENL_VERSION);
    match op {
        Op::AddService(s) | Op::EditService(s) => {
            m.nest(IPVS_CMD_ATTR_SERVICE, |m| put_service(m, s));
        }
        Op::DelService(key) | Op::Zero(Some(key)) => {
            m.nest(IPVS_CMD_ATTR_SERVICE, |m| put_service_key(m, key));
        }
        Op::Flush | Op::Zero(None) => {}
        Op::AddDest(key, d) | Op::EditDest(key, d) => {
            m.nest(IPVS_CMD_ATTR_SERVICE, |m| put_service_key(m, key));
            m.nest(IPVS_CMD_ATTR_DEST, |m| put_dest(m, d));
        }
        Op::DelDest {
            service,
            addr,
            port,
        } => {
            m.nest(IPVS_CMD_ATTR_SERVICE, |m| put_service_key(m, service));
            m.nest(IPVS_CMD_ATTR_DEST, |m| put_dest_key(m, addr, *port));
        }
        Op::SetTimeouts(t) => {
            // 0 leaves a timeout unchanged (the kernel skips zero values).
            m.u32(IPVS_CMD_ATTR_TIMEOUT_TCP, t.tcp)
                .u32(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t.tcp_fin)
                .u32(IPVS_CMD_ATTR_TIMEOUT_UDP, t.udp);
        }
        Op::StartDaemon(d) => {
            m.nest(IPVS_CMD_ATTR_DAEMON, |m| put_daemon(m, d));
        }
        Op::StopDaemon(role) => {
            m.nest(IPVS_CMD_ATTR_DAEMON, |m| {
                m.u32(IPVS_DAEMON_ATTR_STATE, state(*role));
            });
        }
    }
    m.end();
    Ok(())
}

/// Names go out NUL-terminated: one with a NUL inside would be cut short by the kernel, and
/// the kernel caps them all at 16 bytes, so longer ones are refused here as it would.
fn check_names(op: &Op) -> Result<(), IpvsError> {
    const SANE_LEN: usize = 255;
    let bad = |s: &str| s.len() > SANE_LEN || s.contains('\0');
    let invalid = match op {
        Op::AddService(s) | Op::EditService(s) => {
            bad(&s.scheduler) || s.pe_name.as_deref().is_some_and(bad)
        }
        Op::StartDaemon(d) => bad(&d.mcast_ifn),
        _ => false,
    };
    if invalid {
        return Err(IpvsError::Kernel {
            errno: nix::libc::EINVAL,
        });
    }
    Ok(())
}

/// The attributes that identify a service (IPVS_SVC_ATTR_AF plus FWMARK, or PROTOCOL,
/// ADDR and PORT).
fn put_service_key(m: &mut MessageWriter<'_>, key: &ServiceKey) {
    m.u16(IPVS_SVC_ATTR_AF, key.family().af());
    match key {
        ServiceKey::Fwmark { mark, .. } => {
            m.u32(IPVS_SVC_ATTR_FWMARK, *mark);
        }
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => {
            m.u16(IPVS_SVC_ATTR_PROTOCOL, protocol.number())
                .bytes(IPVS_SVC_ATTR_ADDR, &inet_addr(addr))
                .be16(IPVS_SVC_ATTR_PORT, *port);
        }
    }
}

/// A full service, as NEW_SERVICE and SET_SERVICE require it.
fn put_service(m: &mut MessageWriter<'_>, s: &Service) {
    put_service_key(m, &s.key);
    m.string(IPVS_SVC_ATTR_SCHED_NAME, &s.scheduler);
    if let Some(pe) = &s.pe_name {
        m.string(IPVS_SVC_ATTR_PE_NAME, pe);
    }
    // struct ip_vs_flags { flags, mask }: the mask covers every bit, so the service ends
    // up with exactly these flags (SCHED1..3 included); HASHED is the kernel's own.
    let mut flags = [0u8; 8];
    flags[..4].copy_from_slice(&(s.flags.0 & !ServiceFlags::HASHED).to_ne_bytes());
    flags[4..].copy_from_slice(&u32::MAX.to_ne_bytes());
    m.bytes(IPVS_SVC_ATTR_FLAGS, &flags)
        .u32(IPVS_SVC_ATTR_TIMEOUT, s.timeout)
        .bytes(
            IPVS_SVC_ATTR_NETMASK,
            &netmask_bytes(s.key.family(), s.netmask),
        );
}

fn netmask_bytes(family: Family, netmask: u32) -> [u8; 4] {
    match family {
        Family::V4 => netmask.to_be_bytes(),
        Family::V6 => netmask.to_ne_bytes(),
    }
}

fn put_dest_key(m: &mut MessageWriter<'_>, addr: &IpAddr, port: u16) {
    m.bytes(IPVS_DEST_ATTR_ADDR, &inet_addr(addr))
        .be16(IPVS_DEST_ATTR_PORT, port)
        // Lets a tunnel destination's family differ from the service's.
        .u16(IPVS_DEST_ATTR_ADDR_FAMILY, Family::of(addr).af());
}

/// A full destination, as NEW_DEST and SET_DEST require it. Tunnel settings go with tunnel
/// destinations only (ipvsadm does the same; the kernel keeps zeros otherwise).
fn put_dest(m: &mut MessageWriter<'_>, d: &Dest) {
    put_dest_key(m, &d.addr, d.port);
    m.u32(IPVS_DEST_ATTR_FWD_METHOD, d.forward.bits())
        .u32(IPVS_DEST_ATTR_WEIGHT, d.weight as u32)
        .u32(IPVS_DEST_ATTR_U_THRESH, d.u_threshold)
        .u32(IPVS_DEST_ATTR_L_THRESH, d.l_threshold);
    if d.forward == Forward::Tunnel {
        m.u8(IPVS_DEST_ATTR_TUN_TYPE, d.tunnel.kind.number())
            .be16(IPVS_DEST_ATTR_TUN_PORT, d.tunnel.port)
            .u16(IPVS_DEST_ATTR_TUN_FLAGS, d.tunnel.flags.0);
    }
}

fn state(role: SyncRole) -> u32 {
    match role {
        SyncRole::Master => IP_VS_STATE_MASTER,
        SyncRole::Backup => IP_VS_STATE_BACKUP,
    }
}

/// STATE, MCAST_IFN and SYNC_ID always; the rest only when set, so the kernel applies its
/// defaults (maxlen from the MTU, group 224.0.0.81, port 8848, ttl 1) as for ipvsadm.
fn put_daemon(m: &mut MessageWriter<'_>, d: &SyncDaemon) {
    m.u32(IPVS_DAEMON_ATTR_STATE, state(d.role))
        .string(IPVS_DAEMON_ATTR_MCAST_IFN, &d.mcast_ifn)
        .u32(IPVS_DAEMON_ATTR_SYNC_ID, u32::from(d.syncid));
    if d.sync_maxlen != 0 {
        m.u16(IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.sync_maxlen);
    }
    match d.mcast_group {
        Some(IpAddr::V4(g)) => {
            m.bytes(IPVS_DAEMON_ATTR_MCAST_GROUP, &g.octets());
        }
        Some(IpAddr::V6(g)) => {
            m.bytes(IPVS_DAEMON_ATTR_MCAST_GROUP6, &g.octets());
        }
        None => {}
    }
    if d.mcast_port != 0 {
        m.u16(IPVS_DAEMON_ATTR_MCAST_PORT, d.mcast_port);
    }
    if d.mcast_ttl != 0 {
        m.u8(IPVS_DAEMON_ATTR_MCAST_TTL, d.mcast_ttl);
    }
}

/// `union nf_inet_addr`: 16 bytes, an IPv4 address in the first 4.
fn inet_addr(addr: &IpAddr) -> [u8; 16] {
    match addr {
        IpAddr::V4(a) => {
            let mut b = [0u8; 16];
            b[..4].copy_from_slice(&a.octets());
            b
        }
        IpAddr::V6(a) => a.octets(),
    }
}

fn ip_from(family: Family, b: &[u8]) -> Result<IpAddr, IpvsError> {
    let bad = || malformed(format!("{family:?} address of {} bytes", b.len()));
    match family {
        // The kernel sends all 16 bytes of the union; the first 4 hold IPv4.
        Family::V4 => b
            .get(..4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(|o| IpAddr::V4(Ipv4Addr::from(o)))
            .ok_or_else(bad),
        Family::V6 => <[u8; 16]>::try_from(b)
            .map(|o| IpAddr::V6(Ipv6Addr::from(o)))
            .map_err(|_| bad()),
    }
}

fn family_from(af: u16) -> Result<Family, IpvsError> {
    Family::from_af(af).ok_or_else(|| malformed(format!("address family {af}")))
}

/// The one attribute of type `ty` at the top of a reply.
fn find<'a>(attrs: Attrs<'a>, ty: u16) -> Result<Option<Attr<'a>>, IpvsError> {
    for a in attrs {
        let a = a?;
        if a.ty == ty {
            return Ok(Some(a));
        }
    }
    Ok(None)
}

fn required<T>(v: Option<T>, what: &str) -> Result<T, IpvsError> {
    v.ok_or_else(|| malformed(format!("{what} missing")))
}

/// The reply to IPVS_CMD_GET_INFO.
pub fn info(payload: &[u8]) -> Result<Info, IpvsError> {
    let (_, attrs) = genl(payload)?;
    let (mut version, mut size) = (None, None);
    for a in attrs {
        let a = a?;
        match a.ty {
            IPVS_INFO_ATTR_VERSION => version = Some(a.u32()?),
            IPVS_INFO_ATTR_CONN_TAB_SIZE => size = Some(a.u32()?),
            _ => {}
        }
    }
    Ok(Info {
        version: required(version, "IPVS_INFO_ATTR_VERSION")?,
        conn_tab_size: required(size, "IPVS_INFO_ATTR_CONN_TAB_SIZE")?,
    })
}

/// The reply to IPVS_CMD_GET_CONFIG. A kernel built without TCP or UDP support leaves
/// those timeouts out: 0.
pub fn timeouts(payload: &[u8]) -> Result<Timeouts, IpvsError> {
    let (_, attrs) = genl(payload)?;
    let mut t = Timeouts::default();
    for a in attrs {
        let a = a?;
        match a.ty {
            IPVS_CMD_ATTR_TIMEOUT_TCP => t.tcp = a.u32()?,
            IPVS_CMD_ATTR_TIMEOUT_TCP_FIN => t.tcp_fin = a.u32()?,
            IPVS_CMD_ATTR_TIMEOUT_UDP => t.udp = a.u32()?,
            _ => {}
        }
    }
    Ok(t)
}

/// A NEW_SERVICE message (a dump part or the reply to GET_SERVICE); None for messages of
/// other commands.
pub fn service(payload: &[u8]) -> Result<Option<Service>, IpvsError> {
    let (cmd, attrs) = genl(payload)?;
    if cmd != IPVS_CMD_NEW_SERVICE {
        return Ok(None);
    }
    let nest = required(find(attrs, IPVS_CMD_ATTR_SERVICE)?, "IPVS_CMD_ATTR_SERVICE")?;
    decode_service(nest.nested()).map(Some)
}

fn decode_service(attrs: Attrs<'_>) -> Result<Service, IpvsError> {
    let (mut af, mut protocol, mut addr, mut port, mut fwmark) = (None, None, None, None, None);
    let (mut sched, mut pe_name, mut flags, mut timeout, mut netmask) =
        (None, None, None, None, None);
    let (mut stats32, mut stats64) = (None, None);
    for a in attrs {
        let a = a?;
        match a.ty {
            IPVS_SVC_ATTR_AF => af = Some(a.u16()?),
            IPVS_SVC_ATTR_PROTOCOL => protocol = Some(a.u16()?),
            IPVS_SVC_ATTR_ADDR => addr = Some(a.value),
            IPVS_SVC_ATTR_PORT => port = Some(a.be16()?),
            IPVS_SVC_ATTR_FWMARK => fwmark = Some(a.u32()?),
            IPVS_SVC_ATTR_SCHED_NAME => sched = Some(a.string()),
            IPVS_SVC_ATTR_PE_NAME => pe_name = Some(a.string()),
            IPVS_SVC_ATTR_FLAGS => {
                // struct ip_vs_flags; the kernel sends mask ~0.
                let (f, mask) = match a.value {
                    [f0, f1, f2, f3, m0, m1, m2, m3] => (
                        u32::from_ne_bytes([*f0, *f1, *f2, *f3]),
                        u32::from_ne_bytes([*m0, *m1, *m2, *m3]),
                    ),
                    _ => return Err(malformed("IPVS_SVC_ATTR_FLAGS is not 8 bytes")),
                };
                flags = Some(f & mask);
            }
            IPVS_SVC_ATTR_TIMEOUT => timeout = Some(a.u32()?),
            IPVS_SVC_ATTR_NETMASK => netmask = Some(a),
            IPVS_SVC_ATTR_STATS => stats32 = Some(a),
            IPVS_SVC_ATTR_STATS64 => stats64 = Some(a),
            _ => {}
        }
    }
    let family = family_from(required(af, "IPVS_SVC_ATTR_AF")?)?;
    // A service has a firewall mark or an address (the kernel sends FWMARK only when set).
    let key = match fwmark {
        Some(mark) => ServiceKey::Fwmark { family, mark },
        None => {
            let number = required(protocol, "IPVS_SVC_ATTR_PROTOCOL")?;
            ServiceKey::Addr {
                protocol: Protocol::from_number(number)
                    .ok_or_else(|| malformed(format!("service protocol {number}")))?,
                addr: ip_from(family, required(addr, "IPVS_SVC_ATTR_ADDR")?)?,
                port: required(port, "IPVS_SVC_ATTR_PORT")?,
            }
        }
    };
    let netmask = required(netmask, "IPVS_SVC_ATTR_NETMASK")?;
    let netmask = match family {
        Family::V4 => netmask.be32()?,
        Family::V6 => netmask.u32()?,
    };
    Ok(Service {
        key,
        scheduler: required(sched, "IPVS_SVC_ATTR_SCHED_NAME")?,
        flags: ServiceFlags(required(flags, "IPVS_SVC_ATTR_FLAGS")?),
        timeout: required(timeout, "IPVS_SVC_ATTR_TIMEOUT")?,
        netmask,
        pe_name,
        stats: stats(stats64.or(stats32))?,
    })
}

/// A NEW_DEST message of a destination dump. `service_family` is the destination's family
/// when the kernel does not say (before IPVS_DEST_ATTR_ADDR_FAMILY, 3.18). None for
/// messages of other commands.
pub fn dest(payload: &[u8], service_family: Family) -> Result<Option<Dest>, IpvsError> {
    let (cmd, attrs) = genl(payload)?;
    if cmd != IPVS_CMD_NEW_DEST {
        return Ok(None);
    }
    let nest = required(find(attrs, IPVS_CMD_ATTR_DEST)?, "IPVS_CMD_ATTR_DEST")?;
    decode_dest(nest.nested(), service_family).map(Some)
}

fn decode_dest(attrs: Attrs<'_>, service_family: Family) -> Result<Dest, IpvsError> {
    let (mut addr, mut port, mut fwd, mut weight, mut af) = (None, None, None, None, None);
    let mut d = Dest::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
    let (mut stats32, mut stats64) = (None, None);
    for a in attrs {
        let a = a?;
        match a.ty {
            IPVS_DEST_ATTR_ADDR => addr = Some(a.value),
            IPVS_DEST_ATTR_PORT => port = Some(a.be16()?),
            IPVS_DEST_ATTR_FWD_METHOD => fwd = Some(a.u32()?),
            IPVS_DEST_ATTR_WEIGHT => weight = Some(a.u32()? as i32),
            IPVS_DEST_ATTR_U_THRESH => d.u_threshold = a.u32()?,
            IPVS_DEST_ATTR_L_THRESH => d.l_threshold = a.u32()?,
            IPVS_DEST_ATTR_ACTIVE_CONNS => d.active_conns = a.u32()?,
            IPVS_DEST_ATTR_INACT_CONNS => d.inact_conns = a.u32()?,
            IPVS_DEST_ATTR_PERSIST_CONNS => d.persist_conns = a.u32()?,
            IPVS_DEST_ATTR_ADDR_FAMILY => af = Some(a.u16()?),
            IPVS_DEST_ATTR_TUN_TYPE => {
                let n = a.u8()?;
                d.tunnel.kind = TunnelType::from_number(n)
                    .ok_or_else(|| malformed(format!("tunnel type {n}")))?;
            }
            IPVS_DEST_ATTR_TUN_PORT => d.tunnel.port = a.be16()?,
            IPVS_DEST_ATTR_TUN_FLAGS => d.tunnel.flags = TunnelFlags(a.u16()?),
            IPVS_DEST_ATTR_STATS => stats32 = Some(a),
            IPVS_DEST_ATTR_STATS64 => stats64 = Some(a),
            _ => {}
        }
    }
    let family = match af {
        Some(af) => family_from(af)?,
        None => service_family,
    };
    d.addr = ip_from(family, required(addr, "IPVS_DEST_ATTR_ADDR")?)?;
    d.port = required(port, "IPVS_DEST_ATTR_PORT")?;
    let fwd = required(fwd, "IPVS_DEST_ATTR_FWD_METHOD")?;
    d.forward = Forward::from_bits(fwd).ok_or_else(|| malformed(format!("forwarding {fwd}")))?;
    d.weight = required(weight, "IPVS_DEST_ATTR_WEIGHT")?;
    d.stats = stats(stats64.or(stats32))?;
    Ok(d)
}

/// A STATS64 nest (all u64) or, from kernels before 4.1, a STATS nest (u32 counters, u64
/// byte totals); absent: zeros. IPVS_STATS_ATTR_PAD and unknown types are skipped.
fn stats(nest: Option<Attr<'_>>) -> Result<Stats, IpvsError> {
    let mut s = Stats::default();
    let Some(nest) = nest else {
        return Ok(s);
    };
    for a in nest.nested() {
        let a = a?;
        let field = match a.ty {
            IPVS_STATS_ATTR_CONNS => &mut s.conns,
            IPVS_STATS_ATTR_INPKTS => &mut s.inpkts,
            IPVS_STATS_ATTR_OUTPKTS => &mut s.outpkts,
            IPVS_STATS_ATTR_INBYTES => &mut s.inbytes,
            IPVS_STATS_ATTR_OUTBYTES => &mut s.outbytes,
            IPVS_STATS_ATTR_CPS => &mut s.cps,
            IPVS_STATS_ATTR_INPPS => &mut s.inpps,
            IPVS_STATS_ATTR_OUTPPS => &mut s.outpps,
            IPVS_STATS_ATTR_INBPS => &mut s.inbps,
            IPVS_STATS_ATTR_OUTBPS => &mut s.outbps,
            _ => continue,
        };
        *field = a.uint()?;
    }
    Ok(s)
}

/// A NEW_DAEMON message of a sync-daemon dump; None for messages of other commands.
/// Kernels before 4.3 send only state, interface and sync id: the rest stays 0 / None.
pub fn daemon(payload: &[u8]) -> Result<Option<SyncDaemon>, IpvsError> {
    let (cmd, attrs) = genl(payload)?;
    if cmd != IPVS_CMD_NEW_DAEMON {
        return Ok(None);
    }
    let nest = required(find(attrs, IPVS_CMD_ATTR_DAEMON)?, "IPVS_CMD_ATTR_DAEMON")?;
    let mut d = SyncDaemon::new(SyncRole::Master);
    let (mut role, mut ifn) = (None, None);
    for a in nest.nested() {
        let a = a?;
        match a.ty {
            IPVS_DAEMON_ATTR_STATE => {
                role = Some(match a.u32()? {
                    IP_VS_STATE_MASTER => SyncRole::Master,
                    IP_VS_STATE_BACKUP => SyncRole::Backup,
                    n => return Err(malformed(format!("sync daemon state {n}"))),
                });
            }
            IPVS_DAEMON_ATTR_MCAST_IFN => ifn = Some(a.string()),
            // The sync protocol carries 8 bits of it.
            IPVS_DAEMON_ATTR_SYNC_ID => d.syncid = (a.u32()? & 0xff) as u8,
            IPVS_DAEMON_ATTR_SYNC_MAXLEN => d.sync_maxlen = a.u16()?,
            IPVS_DAEMON_ATTR_MCAST_GROUP => d.mcast_group = Some(ip_from(Family::V4, a.value)?),
            IPVS_DAEMON_ATTR_MCAST_GROUP6 => {
                d.mcast_group = Some(ip_from(Family::V6, a.value)?);
            }
            IPVS_DAEMON_ATTR_MCAST_PORT => d.mcast_port = a.u16()?,
            IPVS_DAEMON_ATTR_MCAST_TTL => d.mcast_ttl = a.u8()?,
            _ => {}
        }
    }
    d.role = required(role, "IPVS_DAEMON_ATTR_STATE")?;
    d.mcast_ifn = required(ifn, "IPVS_DAEMON_ATTR_MCAST_IFN")?;
    Ok(Some(d))
}
