//! Interfaces as the daemon needs them at start: a name with its index for the socket
//! calls, and the facts of the link (state, MTU, MAC) with the addresses keepalived would
//! send adverts from.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::rtnl::{AddrFlags, IfAddr, Link, Rtnl, RtnlError, Scope};
use super::sock_error::SockError;

/// An interface by name (SO_BINDTODEVICE takes the name) and index (multicast joins,
/// IPV6_PKTINFO and packet sockets take the index).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NetIf {
    pub name: String,
    pub index: u32,
}

impl NetIf {
    pub fn new(name: impl Into<String>, index: u32) -> NetIf {
        NetIf {
            name: name.into(),
            index,
        }
    }

    /// Looks the index up (if_nametoindex) in this thread's network namespace.
    pub fn by_name(name: &str) -> Result<NetIf, SockError> {
        let index = nix::net::if_::if_nametoindex(name)
            .map_err(|e| SockError::new(format!("interface {name}"), e.into()))?;
        Ok(NetIf::new(name, index))
    }
}

impl From<&Link> for NetIf {
    fn from(link: &Link) -> NetIf {
        NetIf::new(link.name.clone(), link.index)
    }
}

/// What the daemon reads about an interface before it opens sockets on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfaceFacts {
    /// Index, name, up/running, MTU, hardware address.
    pub link: Link,
    /// The IPv4 advert source keepalived would pick: see [`primary_ipv4`].
    pub primary_v4: Option<Ipv4Addr>,
    /// The IPv6 advert source keepalived would pick: see [`link_local_ipv6`].
    pub link_local_v6: Option<Ipv6Addr>,
}

impl IfaceFacts {
    pub fn netif(&self) -> NetIf {
        NetIf::from(&self.link)
    }
}

/// Reads the link and its addresses; `exclude` lists addresses that must not be chosen as
/// sources (the instance's own virtual addresses, which may already be on the interface
/// when the daemon restarts).
pub fn iface_facts(
    rtnl: &mut Rtnl,
    name: &str,
    exclude: &[IpAddr],
) -> Result<IfaceFacts, RtnlError> {
    let link = rtnl.link_by_name(name)?;
    let addrs = rtnl.addresses(link.index)?;
    Ok(IfaceFacts {
        primary_v4: primary_ipv4(&addrs, exclude),
        link_local_v6: link_local_ipv6(&addrs, exclude),
        link,
    })
}

/// The first primary (not secondary) IPv4 address in the kernel's order that is not
/// excluded. keepalived takes the first IPv4 address it hears of that is not one of its
/// virtual addresses; the kernel lists primaries before secondaries, so the two agree.
pub fn primary_ipv4(addrs: &[IfAddr], exclude: &[IpAddr]) -> Option<Ipv4Addr> {
    addrs.iter().find_map(|a| match a.addr {
        IpAddr::V4(v4) if !a.flags.contains(AddrFlags::SECONDARY) && !exclude.contains(&a.addr) => {
            Some(v4)
        }
        _ => None,
    })
}

/// The first link-scope IPv6 address that is not excluded and did not fail duplicate
/// address detection (keepalived considers only link-scope IPv6 addresses as sources).
pub fn link_local_ipv6(addrs: &[IfAddr], exclude: &[IpAddr]) -> Option<Ipv6Addr> {
    addrs.iter().find_map(|a| match a.addr {
        IpAddr::V6(v6)
            if a.scope == Scope::Link
                && !a.flags.contains(AddrFlags::DADFAILED)
                && !exclude.contains(&a.addr) =>
        {
            Some(v6)
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str, flags: AddrFlags) -> IfAddr {
        IfAddr::new(s.parse().unwrap(), 24).with_flags(flags)
    }

    fn v6(s: &str, scope: Scope, flags: AddrFlags) -> IfAddr {
        IfAddr::new(s.parse().unwrap(), 64)
            .with_scope(scope)
            .with_flags(flags)
    }

    #[test]
    fn primary_ipv4_skips_secondaries_and_excluded() {
        let addrs = [
            v6("fe80::1", Scope::Link, AddrFlags::empty()),
            v4("192.0.2.10", AddrFlags::PERMANENT),
            v4("192.0.2.11", AddrFlags::SECONDARY),
            v4("198.51.100.1", AddrFlags::empty()),
        ];
        assert_eq!(
            primary_ipv4(&addrs, &[]),
            Some("192.0.2.10".parse().unwrap())
        );
        let vip: IpAddr = "192.0.2.10".parse().unwrap();
        assert_eq!(
            primary_ipv4(&addrs, &[vip]),
            Some("198.51.100.1".parse().unwrap())
        );
        assert_eq!(primary_ipv4(&addrs[..1], &[]), None);
        assert_eq!(primary_ipv4(&[], &[]), None);
    }

    #[test]
    fn link_local_ipv6_wants_link_scope() {
        let addrs = [
            v6("2001:db8::1", Scope::Universe, AddrFlags::empty()),
            v6("fe80::bad", Scope::Link, AddrFlags::DADFAILED),
            v6("fe80::2", Scope::Link, AddrFlags::PERMANENT),
            v6("fe80::3", Scope::Link, AddrFlags::empty()),
        ];
        assert_eq!(
            link_local_ipv6(&addrs, &[]),
            Some("fe80::2".parse().unwrap())
        );
        let ex: IpAddr = "fe80::2".parse().unwrap();
        assert_eq!(
            link_local_ipv6(&addrs, &[ex]),
            Some("fe80::3".parse().unwrap())
        );
        assert_eq!(link_local_ipv6(&addrs[..2], &[]), None);
    }

    #[test]
    fn unknown_interface_names_say_which() {
        let e = NetIf::by_name("ha-nosuch0").unwrap_err();
        assert!(e.to_string().starts_with("interface ha-nosuch0: "), "{e}");
        assert_eq!(NetIf::by_name("lo").unwrap().index, 1);
    }
}
