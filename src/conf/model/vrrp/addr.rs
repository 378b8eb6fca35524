//! Address lines (`virtual_ipaddress`, `virtual_ipaddress_excluded`, `static_ipaddress`)
//! and `unicast_peer` lines.
//!
//! `<IP>[/<PREFIX>] [brd <IP>|+|-] [dev <IF>] [scope <SCOPE>] [label <LABEL>] [peer <IP>]
//! [home] [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track]
//! [preferred_lft <SECS>|forever] [use_vmac (VIPs)] [track_group <G> (static)]`

use std::net::{IpAddr, Ipv4Addr};

use serde::Serialize;

use super::net::{ip_net_token, ip_token, rt_id, Family, IpNet, RtId, SCOPES};
use super::read::{ifname_token, line_words, option, unknown_option, Opts, Words};
use crate::conf::ast::Node;
use crate::conf::schema::{Cx, Status};
use crate::conf::source::Span;

const VMAC: &str = "VMAC interfaces (use_vmac) are not implemented";

/// Options of an address line; `use_vmac` only for VIPs/eVIPs, `track_group` only for
/// static addresses.
pub const ADDRESS_OPTS: Opts = &[
    ("<IPADDR>[/<PREFIX>]", Status::Supported),
    ("brd", Status::Supported),
    ("broadcast", Status::Supported),
    ("dev", Status::Supported),
    ("scope", Status::Supported),
    ("label", Status::Supported),
    ("peer", Status::Supported),
    ("home", Status::Supported),
    ("-nodad", Status::Supported),
    ("mngtmpaddr", Status::Supported),
    ("noprefixroute", Status::Supported),
    ("autojoin", Status::Supported),
    ("no_track", Status::Supported),
    ("preferred_lft", Status::Supported),
    ("use_vmac", Status::NotActedOn(VMAC)),
    ("track_group", Status::Supported),
];

/// Where an address line stands (its grammar differs slightly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrKind {
    Vip,
    Evip,
    Static,
}

impl AddrKind {
    fn line(self) -> &'static str {
        match self {
            AddrKind::Vip => "a virtual_ipaddress line",
            AddrKind::Evip => "a virtual_ipaddress_excluded line",
            AddrKind::Static => "a static_ipaddress line",
        }
    }

    /// The options of this kind of line (for the catalogue).
    pub fn opts(self) -> Vec<(&'static str, Status)> {
        ADDRESS_OPTS
            .iter()
            .copied()
            .filter(|(n, _)| match self {
                AddrKind::Static => *n != "use_vmac",
                _ => *n != "track_group",
            })
            .collect()
    }
}

/// `preferred_lft`: seconds or forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lifetime {
    Secs(u32),
    Forever,
}

/// One address line.
#[derive(Debug, Clone, Serialize)]
pub struct Address {
    /// The address and its prefix (host prefix when none is written).
    pub addr: IpNet,
    /// IPv4 broadcast, computed for `brd +` / `brd -`.
    pub broadcast: Option<Ipv4Addr>,
    /// None: the instance's interface (VIPs) or `default_interface` (static addresses).
    pub dev: Option<String>,
    #[serde(skip)]
    pub dev_span: Option<Span>,
    pub scope: Option<RtId>,
    pub label: Option<String>,
    /// Point-to-point peer; then `addr.prefix` is the peer's prefix.
    pub peer: Option<IpNet>,
    pub home: bool,
    pub nodad: bool,
    pub mngtmpaddr: bool,
    pub noprefixroute: bool,
    pub autojoin: bool,
    /// Removal of the address by someone else does not fault the instance.
    pub no_track: bool,
    /// IPv6 default: 0 for a /128, forever otherwise.
    pub preferred_lft: Option<Lifetime>,
    pub use_vmac: bool,
    pub track_group: Option<String>,
    #[serde(skip)]
    pub track_group_span: Option<Span>,
    /// The address word.
    #[serde(skip)]
    pub span: Span,
}

/// Reads one address line. None when the line cannot give an address.
pub fn parse_address(cx: &mut Cx, line: &Node, kind: AddrKind) -> Option<Address> {
    let mut w = Words::new(line_words(line));
    let first = w.next()?;
    let what = kind.line();
    let addr = ip_net_token(cx, "address", first, true)?;
    let family = addr.family();
    let mut a = Address {
        addr,
        broadcast: None,
        dev: None,
        dev_span: None,
        scope: None,
        label: None,
        peer: None,
        home: false,
        nodad: false,
        mngtmpaddr: false,
        noprefixroute: false,
        autojoin: false,
        no_track: false,
        preferred_lft: None,
        use_vmac: false,
        track_group: None,
        track_group_span: None,
        span: first.span,
    };
    // `brd +`/`brd -`: set or clear the host bits, once the prefix is final.
    let mut brd_bits: Option<(bool, Span)> = None;
    let mut brd_span = None;
    while let Some(word) = w.next() {
        let Some(opt) = option(cx, ADDRESS_OPTS, word, what).filter(|o| !o.starts_with('<')) else {
            // The rest of the line cannot be trusted (a value or a second address follows).
            unknown_option(cx, ADDRESS_OPTS, word, what);
            break;
        };
        match opt {
            "dev" => {
                let v = w.value(cx, word, "an interface name")?;
                if let Some(first) = a.dev_span {
                    cx.error(word.span, "`dev` is given twice in one address line")
                        .related(first, "first `dev` here");
                    continue;
                }
                a.dev = ifname_token(cx, "dev", v);
                a.dev_span = Some(v.span);
            }
            "scope" => {
                let v = w.value(cx, word, "a scope")?;
                a.scope = rt_id(cx, "scope", v, SCOPES, 255);
            }
            "brd" | "broadcast" => {
                let v = w.value(cx, word, "an address, `+` or `-`")?;
                brd_span = Some(word.span);
                if family == Family::Ipv6 {
                    cx.error(word.span, "IPv6 addresses have no broadcast address")
                        .hint("remove `brd ...` from this line");
                    continue;
                }
                match v.text.as_str() {
                    "+" => brd_bits = Some((true, v.span)),
                    "-" => brd_bits = Some((false, v.span)),
                    _ => match ip_token(cx, "brd", v) {
                        Some(IpAddr::V4(b)) => a.broadcast = Some(b),
                        Some(IpAddr::V6(_)) => {
                            cx.error(v.span, "the broadcast address must be IPv4");
                        }
                        None => {}
                    },
                }
            }
            "label" => {
                let v = w.value(cx, word, "a label")?;
                if v.text.len() >= 16 {
                    cx.error(v.span, format!("label `{}` is too long", v.text))
                        .hint("labels have at most 15 characters, conventionally `<dev>:<tag>`");
                } else if family == Family::Ipv6 {
                    cx.warning(word.span, "IPv6 addresses have no label; ha ignores it");
                } else {
                    a.label = Some(v.text.to_string());
                }
            }
            "peer" => {
                let v = w.value(cx, word, "an address")?;
                if a.peer.is_some() {
                    cx.error(word.span, "`peer` is given twice in one address line");
                    continue;
                }
                // keepalived 2.2.7 takes a bare peer address only, although it means to
                // use the peer's prefix (ip-address(8) allows `peer ADDR/PREFIX`); ha reads
                // the documented form.
                let Some(peer) = ip_net_token(cx, "peer", v, true) else {
                    continue;
                };
                if peer.family() != family {
                    cx.error(
                        v.span,
                        "the peer address must have the local address's family",
                    );
                    continue;
                }
                if !a.addr.is_host() {
                    cx.warning(
                        first.span,
                        "with `peer`, the prefix belongs to the peer; this one is ignored",
                    )
                    .hint(format!("write `{} peer {}`", a.addr.addr, v.text));
                }
                a.addr.prefix = peer.prefix;
                a.peer = Some(peer);
            }
            "home" => a.home = true,
            "-nodad" => a.nodad = true,
            "mngtmpaddr" => a.mngtmpaddr = true,
            "noprefixroute" => a.noprefixroute = true,
            "autojoin" => a.autojoin = true,
            "no_track" => a.no_track = true,
            "preferred_lft" => {
                let v = w.value(cx, word, "seconds or `forever`")?;
                a.preferred_lft = if v.is("forever") {
                    Some(Lifetime::Forever)
                } else {
                    cx.uint_token("preferred_lft", v, 0, u64::from(u32::MAX))
                        .map(|s| Lifetime::Secs(s as u32))
                };
            }
            "use_vmac" if kind != AddrKind::Static => a.use_vmac = true,
            "track_group" if kind == AddrKind::Static => {
                let v = w.value(cx, word, "a track_group name")?;
                if a.track_group.is_some() {
                    cx.error(
                        word.span,
                        "`track_group` is given twice in one address line",
                    );
                    continue;
                }
                a.track_group = Some(v.text.to_string());
                a.track_group_span = Some(v.span);
            }
            other => {
                let only = if other == "use_vmac" {
                    "virtual_ipaddress and virtual_ipaddress_excluded lines"
                } else {
                    "static_ipaddress lines"
                };
                cx.error(word.span, format!("`{other}` is not allowed in {what}"))
                    .hint(format!("`{other}` belongs in {only}"));
                if other == "track_group" {
                    w.next();
                }
            }
        }
    }
    if let Some((set, span)) = brd_bits {
        if a.peer.is_some() {
            // Reported once below.
        } else if a.addr.prefix > 30 {
            cx.error(
                span,
                format!("a /{} has no broadcast address", a.addr.prefix),
            )
            .hint("`brd +` and `brd -` need a prefix of /30 or shorter");
        } else if let IpAddr::V4(ip) = a.addr.addr {
            let host_bits = u32::MAX >> a.addr.prefix;
            let base = u32::from(ip);
            let b = if set {
                base | host_bits
            } else {
                base & !host_bits
            };
            a.broadcast = Some(Ipv4Addr::from(b));
        }
    }
    if let (Some(span), Some(_)) = (brd_span, a.peer) {
        cx.warning(span, "`brd` is ignored with `peer`");
        a.broadcast = None;
    }
    if family == Family::Ipv6 {
        if a.scope.is_some() {
            cx.warning(first.span, "IPv6 addresses take no scope; ha ignores it");
            a.scope = None;
        }
        if a.preferred_lft.is_none() {
            a.preferred_lft = Some(if a.addr.prefix == 128 {
                Lifetime::Secs(0)
            } else {
                Lifetime::Forever
            });
        }
    }
    Some(a)
}

/// `unicast_peer` line: `<IP> [min_ttl <0-255>] [max_ttl <0-255>]`.
#[derive(Debug, Clone, Serialize)]
pub struct UnicastPeer {
    pub address: IpAddr,
    /// Adverts from this peer must arrive with a TTL/hop limit in min..=max (0..=255).
    pub min_ttl: u8,
    pub max_ttl: u8,
    #[serde(skip)]
    pub span: Span,
}

pub const PEER_OPTS: Opts = &[
    ("min_ttl", Status::Supported),
    ("max_ttl", Status::Supported),
];

/// Reads a unicast_peer line; the bool says whether a TTL bound was given (which turns on
/// the source check, as in keepalived).
pub fn parse_peer(cx: &mut Cx, line: &Node) -> Option<(UnicastPeer, bool)> {
    let mut w = Words::new(line_words(line));
    let first = w.next()?;
    let address = ip_token(cx, "unicast_peer", first)?;
    let mut p = UnicastPeer {
        address,
        min_ttl: 0,
        max_ttl: 255,
        span: first.span,
    };
    let mut bounded = false;
    let what = "a unicast_peer line";
    while let Some(word) = w.next() {
        let Some(opt) = option(cx, PEER_OPTS, word, what) else {
            unknown_option(cx, PEER_OPTS, word, what);
            continue;
        };
        let v = w.value(cx, word, "a TTL (0-255)")?;
        if let Some(ttl) = cx.uint_token(opt, v, 0, 255) {
            bounded = true;
            match opt {
                "min_ttl" => p.min_ttl = ttl as u8,
                _ => p.max_ttl = ttl as u8,
            }
        }
    }
    if p.min_ttl > p.max_ttl {
        cx.error(
            first.span,
            format!(
                "min_ttl {} is above max_ttl {}: every advert from this peer would be dropped",
                p.min_ttl, p.max_ttl
            ),
        );
    }
    Some((p, bounded))
}
