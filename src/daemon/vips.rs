//! Virtual addresses on interfaces: the config's `Address` turned into what rtnetlink adds
//! and removes. Adding an address that is there, or removing one that is gone, is success:
//! the daemon may repeat itself (restart, crash leftovers) and the end state is what counts.

use std::net::IpAddr;

use crate::conf::model::vrrp::{Address, RtId};
use crate::net::rtnl::{AddrFlags, IfAddr, Rtnl, RtnlError, Scope};

/// The interface an address goes on: its own `dev`, else the instance's.
pub fn device<'a>(a: &'a Address, instance_if: Option<&'a str>) -> Option<&'a str> {
    a.dev.as_deref().or(instance_if)
}

/// The rtnetlink form of a configured address.
pub fn if_addr(a: &Address) -> IfAddr {
    let mut out = IfAddr::new(a.addr.addr, a.addr.prefix);
    if let Some(peer) = &a.peer {
        out.peer = Some(peer.addr);
    }
    if let Some(label) = &a.label {
        out = out.with_label(label.clone());
    }
    if let Some(brd) = a.broadcast {
        out = out.with_broadcast(brd);
    }
    if let Some(RtId::Id(n)) = &a.scope {
        out = out.with_scope(Scope::from(u8::try_from(*n).unwrap_or(0)));
    }
    let mut flags = AddrFlags::empty();
    for (set, flag) in [
        (a.nodad, AddrFlags::NODAD),
        (a.home, AddrFlags::HOMEADDRESS),
        (a.mngtmpaddr, AddrFlags::MANAGETEMPADDR),
        (a.noprefixroute, AddrFlags::NOPREFIXROUTE),
        (a.autojoin, AddrFlags::MCAUTOJOIN),
    ] {
        if set {
            flags = flags | flag;
        }
    }
    // A VIP must be usable at once after a takeover: IPv6 duplicate address detection
    // would hold it tentative (keepalived adds its IPv6 VIPs with IFA_F_NODAD too).
    if matches!(a.addr.addr, IpAddr::V6(_)) {
        flags = flags | AddrFlags::NODAD;
    }
    out.with_flags(flags)
}

/// What happened to one address.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Done,
    /// Already in the wanted state.
    Unchanged,
}

pub fn add(rtnl: &mut Rtnl, ifindex: u32, a: &Address) -> Result<Applied, RtnlError> {
    match rtnl.add_address(ifindex, &if_addr(a)) {
        Ok(()) => Ok(Applied::Done),
        Err(RtnlError::Exists) => Ok(Applied::Unchanged),
        Err(e) => Err(e),
    }
}

pub fn remove(rtnl: &mut Rtnl, ifindex: u32, a: &Address) -> Result<Applied, RtnlError> {
    match rtnl.del_address(ifindex, &if_addr(a)) {
        Ok(()) => Ok(Applied::Done),
        Err(RtnlError::AddrNotAvailable) => Ok(Applied::Unchanged),
        Err(e) => Err(e),
    }
}

/// `10.0.0.100/24 dev eth0` for logs.
pub fn describe(a: &Address, dev: &str) -> String {
    format!("{}/{} dev {dev}", a.addr.addr, a.addr.prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> Address {
        let conf = format!(
            "vrrp_instance V {{\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {{\n  {text}\n }}\n}}\n"
        );
        let parsed = crate::conf::parse_str("t.conf", &conf);
        parsed.config.vrrp.instances[0].virtual_ipaddress[0].clone()
    }

    #[test]
    fn label_brd_scope_and_prefix_carry_over() {
        let a = addr("10.0.0.100/24 brd 10.0.0.255 dev eth1 scope link label eth1:vip");
        let f = if_addr(&a);
        assert_eq!(f.addr, "10.0.0.100".parse::<IpAddr>().unwrap());
        assert_eq!(f.prefix_len, 24);
        assert_eq!(f.broadcast, Some("10.0.0.255".parse().unwrap()));
        assert_eq!(f.scope, Scope::Link);
        assert_eq!(f.label.as_deref(), Some("eth1:vip"));
        assert_eq!(device(&a, Some("eth0")), Some("eth1"));
    }

    #[test]
    fn host_prefix_by_default_and_instance_interface() {
        let a = addr("192.168.200.16");
        let f = if_addr(&a);
        assert_eq!(f.prefix_len, 32);
        assert_eq!(device(&a, Some("eth0")), Some("eth0"));
        assert_eq!(describe(&a, "eth0"), "192.168.200.16/32 dev eth0");
    }

    #[test]
    fn ipv6_vips_skip_duplicate_address_detection() {
        let f = if_addr(&addr("fd00::100/64"));
        assert!(f.flags.contains(AddrFlags::NODAD));
    }
}
