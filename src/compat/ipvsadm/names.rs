//! Host and service names the way ipvsadm looks them up: `gethostbyname` (IPv4 only) and
//! `getservbyname` when reading addresses, `gethostbyaddr` and `getservbyport` when
//! listing without `-n`. The formatters and the parser take a [`Names`], so they stay pure
//! and tests give them a fixed table.

use std::ffi::{CStr, CString};
use std::net::{IpAddr, Ipv4Addr};

use crate::ipvs::Protocol;

/// Name lookups, as the C library's resolver answers them.
pub trait Names {
    /// `gethostbyname`: the first IPv4 address of a host name.
    fn host_v4(&self, name: &str) -> Option<Ipv4Addr>;
    /// `gethostbyaddr`: the official name of an address.
    fn host_name(&self, addr: IpAddr) -> Option<String>;
    /// `getservbyname`: the port of a service name for a protocol.
    fn service_port(&self, name: &str, proto: Protocol) -> Option<u16>;
    /// `getservbyport`: the service name of a port for a protocol.
    fn service_name(&self, port: u16, proto: Protocol) -> Option<String>;
}

/// Answers nothing: every address and port stays numeric.
pub struct NoNames;

impl Names for NoNames {
    fn host_v4(&self, _: &str) -> Option<Ipv4Addr> {
        None
    }
    fn host_name(&self, _: IpAddr) -> Option<String> {
        None
    }
    fn service_port(&self, _: &str, _: Protocol) -> Option<u16> {
        None
    }
    fn service_name(&self, _: u16, _: Protocol) -> Option<String> {
        None
    }
}

/// A fixed table, for tests and for callers that resolved names themselves.
#[derive(Debug, Default, Clone)]
pub struct TableNames {
    pub hosts: Vec<(IpAddr, String)>,
    pub services: Vec<(u16, Protocol, String)>,
}

impl Names for TableNames {
    fn host_v4(&self, name: &str) -> Option<Ipv4Addr> {
        self.hosts.iter().find_map(|(a, n)| match a {
            IpAddr::V4(v4) if n == name => Some(*v4),
            _ => None,
        })
    }
    fn host_name(&self, addr: IpAddr) -> Option<String> {
        self.hosts
            .iter()
            .find(|(a, _)| *a == addr)
            .map(|(_, n)| n.clone())
    }
    fn service_port(&self, name: &str, proto: Protocol) -> Option<u16> {
        self.services
            .iter()
            .find(|(_, p, n)| *p == proto && n == name)
            .map(|(port, _, _)| *port)
    }
    fn service_name(&self, port: u16, proto: Protocol) -> Option<String> {
        self.services
            .iter()
            .find(|(p, pr, _)| *p == port && *pr == proto)
            .map(|(_, _, n)| n.clone())
    }
}

/// The C library's resolver (NSS: /etc/hosts, DNS, /etc/services, ...).
pub struct SystemNames;

fn proto_name(proto: Protocol) -> &'static CStr {
    match proto {
        Protocol::Tcp => c"tcp",
        Protocol::Udp => c"udp",
        Protocol::Sctp => c"sctp",
    }
}

// glibc's non-reentrant lookups, as ipvsadm calls them; the libc crate does not declare
// these two. ha calls them from one thread only (the ipvsadm personality is single-threaded).
extern "C" {
    fn gethostbyname(name: *const nix::libc::c_char) -> *mut nix::libc::hostent;
    fn gethostbyaddr(
        addr: *const nix::libc::c_void,
        len: nix::libc::socklen_t,
        family: nix::libc::c_int,
    ) -> *mut nix::libc::hostent;
}

impl Names for SystemNames {
    fn host_v4(&self, name: &str) -> Option<Ipv4Addr> {
        let c = CString::new(name).ok()?;
        // SAFETY: gethostbyname reads a NUL-terminated string and returns NULL or a pointer
        // to static data that stays valid until the next lookup; it is read at once.
        unsafe {
            let h = gethostbyname(c.as_ptr());
            if h.is_null()
                || (*h).h_addrtype != nix::libc::AF_INET
                || (*h).h_length != 4
                || (*h).h_addr_list.is_null()
            {
                return None;
            }
            let first = *(*h).h_addr_list;
            if first.is_null() {
                return None;
            }
            let bytes = std::slice::from_raw_parts(first as *const u8, 4);
            Some(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))
        }
    }

    fn host_name(&self, addr: IpAddr) -> Option<String> {
        let (bytes, family): (Vec<u8>, nix::libc::c_int) = match addr {
            IpAddr::V4(a) => (a.octets().to_vec(), nix::libc::AF_INET),
            IpAddr::V6(a) => (a.octets().to_vec(), nix::libc::AF_INET6),
        };
        // SAFETY: the address buffer outlives the call; the result is NULL or static data
        // read at once.
        unsafe {
            let h = gethostbyaddr(
                bytes.as_ptr() as *const nix::libc::c_void,
                bytes.len() as nix::libc::socklen_t,
                family,
            );
            if h.is_null() || (*h).h_name.is_null() {
                return None;
            }
            Some(CStr::from_ptr((*h).h_name).to_string_lossy().into_owned())
        }
    }

    fn service_port(&self, name: &str, proto: Protocol) -> Option<u16> {
        let c = CString::new(name).ok()?;
        // SAFETY: both strings are NUL-terminated; the result is NULL or static data.
        unsafe {
            let s = nix::libc::getservbyname(c.as_ptr(), proto_name(proto).as_ptr());
            if s.is_null() {
                return None;
            }
            Some(u16::from_be((*s).s_port as u16))
        }
    }

    fn service_name(&self, port: u16, proto: Protocol) -> Option<String> {
        // SAFETY: as above; the port is passed in network byte order as getservbyport wants.
        unsafe {
            let s = nix::libc::getservbyport(
                nix::libc::c_int::from(port.to_be()),
                proto_name(proto).as_ptr(),
            );
            if s.is_null() || (*s).s_name.is_null() {
                return None;
            }
            Some(CStr::from_ptr((*s).s_name).to_string_lossy().into_owned())
        }
    }
}
