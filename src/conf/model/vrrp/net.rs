//! Network values of the VRRP lines: address families, `ADDR[/PREFIX]`, and the iproute2
//! names (tables, scopes, protocols, dsfields, realms) that may be numbers or names.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use crate::conf::ast::Token;
use crate::conf::schema::{glued_address, Cx};
use crate::conf::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    pub fn of(ip: &IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }

    pub fn host_prefix(self) -> u8 {
        match self {
            Family::Ipv4 => 32,
            Family::Ipv6 => 128,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Family::Ipv4 => "IPv4",
            Family::Ipv6 => "IPv6",
        }
    }
}

/// An address with a prefix length (`10.0.0.1/24`; a bare address has the host prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl IpNet {
    pub fn family(&self) -> Family {
        Family::of(&self.addr)
    }

    pub fn is_host(&self) -> bool {
        self.prefix == self.family().host_prefix()
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Serialize for IpNet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Reads `ADDR[/PREFIX]` (`allow_prefix` false: a bare address).
pub fn ip_net_token(cx: &mut Cx, what: &str, tok: &Token, allow_prefix: bool) -> Option<IpNet> {
    let (addr_text, prefix_text) = match tok.text.split_once('/') {
        Some((a, p)) if allow_prefix => (a, Some(p)),
        _ => (tok.text.as_str(), None),
    };
    let Ok(addr) = addr_text.parse::<IpAddr>() else {
        let d = cx.error(
            tok.span,
            format!("`{what}` wants an IP address, not `{}`", tok.text),
        );
        if let Some(glued) = glued_address(addr_text) {
            d.hint(format!("a space is missing: `{glued}`"));
        } else if !allow_prefix && tok.text.contains('/') {
            d.hint("no /prefix here: write the bare address");
        }
        return None;
    };
    let host = Family::of(&addr).host_prefix();
    let prefix = match prefix_text {
        None => host,
        Some(p) => match p.parse::<u8>() {
            Ok(p) if p <= host => p,
            _ => {
                cx.error(
                    tok.span,
                    format!("`{what}` `{}` has an invalid prefix length", tok.text),
                )
                .hint(format!(
                    "{} prefixes are 0-{host}",
                    Family::of(&addr).name()
                ));
                return None;
            }
        },
    };
    Some(IpNet { addr, prefix })
}

/// A bare IP address.
pub fn ip_token(cx: &mut Cx, what: &str, tok: &Token) -> Option<IpAddr> {
    ip_net_token(cx, what, tok, false).map(|n| n.addr)
}

/// A number or a name from iproute2's tables (`/etc/iproute2/rt_tables`, `rt_scopes`, ...).
/// keepalived's built-in names are resolved here; other names are kept, with their place,
/// for the pass that reads the host's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtId {
    Id(u32),
    Name(String, Span),
}

impl Serialize for RtId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RtId::Id(n) => s.serialize_u32(*n),
            RtId::Name(n, _) => s.serialize_str(n),
        }
    }
}

pub const TABLES: &[(&str, u32)] = &[("default", 253), ("main", 254), ("local", 255)];
pub const SCOPES: &[(&str, u32)] = &[
    ("global", 0),
    ("site", 200),
    ("link", 253),
    ("host", 254),
    ("nowhere", 255),
];
pub const PROTOCOLS: &[(&str, u32)] = &[
    ("none", 0),
    ("redirect", 1),
    ("kernel", 2),
    ("boot", 3),
    ("static", 4),
    ("gated", 8),
    ("ra", 9),
    ("mrt", 10),
    ("zebra", 11),
    ("bird", 12),
    ("dnrouted", 13),
    ("xorp", 14),
    ("ntk", 15),
    ("dhcp", 16),
    ("keepalived", 18),
    ("babel", 42),
];
/// Route types (RTN_*); `brd` is keepalived's short spelling of broadcast.
pub const ROUTE_TYPES: &[(&str, u32)] = &[
    ("unicast", 1),
    ("local", 2),
    ("broadcast", 3),
    ("brd", 3),
    ("anycast", 4),
    ("multicast", 5),
    ("blackhole", 6),
    ("unreachable", 7),
    ("prohibit", 8),
    ("throw", 9),
    ("nat", 10),
    ("xresolve", 11),
];
/// The routing protocol keepalived (and ha) marks its routes and rules with.
pub const RTPROT_KEEPALIVED: u32 = 18;

/// A whole word read as a number the way keepalived and iproute2 read these values (C's
/// strtoul with base 0): `0x` hex, a leading `0` octal (`010` is 8), else decimal.
pub fn parse_num(text: &str) -> Option<u64> {
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None if text.len() > 1 && text.starts_with('0') => (&text[1..], 8),
        None => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Reads a table/scope/protocol/... value: a number up to `max`, a built-in name, or any
/// other name (looked up later). A word starting with a digit must be a valid number.
pub fn rt_id(
    cx: &mut Cx,
    what: &str,
    tok: &Token,
    builtin: &[(&str, u32)],
    max: u32,
) -> Option<RtId> {
    if let Some((_, id)) = builtin.iter().find(|(n, _)| *n == tok.text) {
        return Some(RtId::Id(*id));
    }
    let starts_numeric = tok.text.starts_with(|c: char| c.is_ascii_digit());
    match parse_num(&tok.text) {
        Some(n) if n <= u64::from(max) => Some(RtId::Id(n as u32)),
        Some(_) => {
            cx.error(tok.span, format!("`{what}` {} is out of range", tok.text))
                .hint(format!("{what} is 0-{max} or a name"));
            None
        }
        None if starts_numeric || tok.text.is_empty() => {
            cx.error(
                tok.span,
                format!("`{what}` wants a number or a name, not `{}`", tok.text),
            );
            None
        }
        None => Some(RtId::Name(tok.text.to_string(), tok.span)),
    }
}

/// `realms [FROM/]TO` (each 0-255 or a name from rt_realms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Realms {
    pub from: Option<RtId>,
    pub to: RtId,
}

pub fn realms_token(cx: &mut Cx, tok: &Token) -> Option<Realms> {
    let part = |cx: &mut Cx, text: &str| {
        let t = Token {
            text: text.into(),
            span: tok.span,
            quoted: false,
        };
        rt_id(cx, "realms", &t, &[], 255)
    };
    match tok.text.split_once('/') {
        Some((f, t)) => Some(Realms {
            from: Some(part(cx, f)?),
            to: part(cx, t)?,
        }),
        None => Some(Realms {
            from: None,
            to: part(cx, &tok.text)?,
        }),
    }
}
