//! The real [`Host`]: rtnetlink for the device and its addresses, /proc/sys for the knobs.

use std::net::IpAddr;

use super::{Host, RsArpError, SysctlId};
use crate::net::rtnl::{AddrFlags, IfAddr, Link, Rtnl, RtnlError};
use crate::net::sysctl::{Key, Sysctl, SysctlErrorKind};

pub struct SystemHost {
    rtnl: Rtnl,
    sysctl: Sysctl,
    link: Link,
}

impl SystemHost {
    /// Looks the device up; a missing device is [`RsArpError::NoDevice`].
    pub fn open(dev: &str) -> Result<SystemHost, RsArpError> {
        let mut rtnl = Rtnl::open().map_err(|e| RsArpError::netlink("opening rtnetlink", e))?;
        let link = match rtnl.link_by_name(dev) {
            Ok(l) => l,
            Err(RtnlError::NoDevice) => return Err(RsArpError::NoDevice { dev: dev.into() }),
            Err(e) => return Err(RsArpError::netlink(format!("looking up {dev}"), e)),
        };
        Ok(SystemHost {
            rtnl,
            sysctl: Sysctl::proc(),
            link,
        })
    }

    pub fn link(&self) -> &Link {
        &self.link
    }

    fn key(&self, id: SysctlId) -> Result<Key, RsArpError> {
        id.key(&self.link.name).map_err(RsArpError::Sysctl)
    }
}

impl Host for SystemHost {
    fn dev(&self) -> &str {
        &self.link.name
    }

    fn arp_capable(&self) -> bool {
        !self.link.loopback && !self.link.noarp
    }

    fn read_sysctl(&mut self, id: SysctlId) -> Result<i64, RsArpError> {
        let key = self.key(id)?;
        self.sysctl.read_int(&key).map_err(RsArpError::Sysctl)
    }

    fn write_sysctl(&mut self, id: SysctlId, value: i64) -> Result<(), RsArpError> {
        let key = self.key(id)?;
        self.sysctl
            .write_int(&key, value)
            .map_err(RsArpError::Sysctl)
    }

    fn ipv6_usable(&mut self) -> Result<bool, RsArpError> {
        let key = Key::ipv6_conf(&self.link.name, "disable_ipv6").map_err(RsArpError::Sysctl)?;
        match self.sysctl.read_int(&key) {
            Ok(v) => Ok(v == 0),
            // No ipv6 tree at all: IPv6 is not built in or disabled at boot.
            Err(e) if matches!(e.kind, SysctlErrorKind::NotFound) => Ok(false),
            Err(e) => Err(RsArpError::Sysctl(e)),
        }
    }

    fn is_up(&mut self) -> Result<bool, RsArpError> {
        let link = self
            .rtnl
            .link_by_index(self.link.index)
            .map_err(|e| RsArpError::netlink(format!("reading {}", self.link.name), e))?;
        Ok(link.up)
    }

    fn set_up(&mut self) -> Result<(), RsArpError> {
        self.rtnl
            .set_link_up(self.link.index)
            .map_err(|e| RsArpError::netlink(format!("setting {} up", self.link.name), e))
    }

    fn addresses(&mut self) -> Result<Vec<IfAddr>, RsArpError> {
        self.rtnl
            .addresses(self.link.index)
            .map_err(|e| RsArpError::netlink(format!("listing addresses on {}", self.link.name), e))
    }

    fn add_vip(&mut self, ip: IpAddr) -> Result<bool, RsArpError> {
        // No DAD on IPv6 VIPs: the address must be usable at once, and the director owns it
        // on the wire anyway.
        let addr = match ip {
            IpAddr::V4(_) => IfAddr::host(ip),
            IpAddr::V6(_) => IfAddr::host(ip).with_flags(AddrFlags::NODAD),
        };
        match self.rtnl.add_address(self.link.index, &addr) {
            Ok(()) => Ok(true),
            // Someone added it between our listing and now: it is there, which is the goal.
            Err(RtnlError::Exists) => Ok(false),
            Err(e) => Err(RsArpError::netlink(
                format!("adding {addr} on {}", self.link.name),
                e,
            )),
        }
    }

    fn del_vip(&mut self, addr: &IfAddr) -> Result<bool, RsArpError> {
        match self.rtnl.del_address(self.link.index, addr) {
            Ok(()) => Ok(true),
            Err(RtnlError::AddrNotAvailable) => Ok(false),
            Err(e) => Err(RsArpError::netlink(
                format!("removing {addr} from {}", self.link.name),
                e,
            )),
        }
    }
}
