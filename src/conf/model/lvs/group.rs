//! `virtual_server_group NAME { ... }`: addresses, address ranges and firewall marks that
//! `virtual_server group NAME` balances as one set of services. Lines:
//! `<IP>[-<END>|/<PREFIX>] [<PORT>]` and `fwmark <N> [inet|inet6]`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use super::{ip_with_hint, port_token, Family};
use crate::conf::ast::{Node, Token};
use crate::conf::model::Config;
use crate::conf::schema::Cx;
use crate::conf::source::Span;

#[derive(Debug, Clone, Serialize)]
pub struct VirtualServerGroup {
    pub name: String,
    pub entries: Vec<GroupEntry>,
    /// Where the name is written.
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum GroupEntry {
    /// Every address from `first` to `last` (equal for a single address); no port = every
    /// port (needs persistence).
    Range {
        first: IpAddr,
        last: IpAddr,
        port: Option<u16>,
        #[serde(skip)]
        span: Span,
    },
    /// `fwmark N`, with the family IPVS needs when it cannot tell from the real servers.
    Fwmark {
        mark: u32,
        family: Option<Family>,
        #[serde(skip)]
        span: Span,
    },
}

impl GroupEntry {
    pub fn span(&self) -> Span {
        match self {
            GroupEntry::Range { span, .. } | GroupEntry::Fwmark { span, .. } => *span,
        }
    }
}

impl VirtualServerGroup {
    /// The families of the address entries (and of fwmark entries that name one).
    pub fn families(&self) -> (bool, bool) {
        let mut v4 = false;
        let mut v6 = false;
        for e in &self.entries {
            let f = match e {
                GroupEntry::Range { first, .. } => Some(Family::of(first)),
                GroupEntry::Fwmark { family, .. } => *family,
            };
            match f {
                Some(Family::Inet) => v4 = true,
                Some(Family::Inet6) => v6 = true,
                None => {}
            }
        }
        (v4, v6)
    }

    pub fn has_addresses(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e, GroupEntry::Range { .. }))
    }

    pub fn has_fwmarks(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e, GroupEntry::Fwmark { .. }))
    }
}

/// The line forms, for the compatibility table.
pub const LINE_FORMS: &[&str] = &[
    "<IP> [<PORT>]",
    "<IP>-<LAST_OCTET|LAST_HEX16> [<PORT>]",
    "<IP>-<IP> [<PORT>]",
    "<IP>/<PREFIX> [<PORT>]",
    "fwmark <N> [inet|inet6]",
];

pub fn read(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some(name) = node.args.first() else {
        cx.error(node.keyword.span, "`virtual_server_group` needs a name")
            .hint("e.g. `virtual_server_group web { 10.0.0.1 80 }`");
        return;
    };
    if let Some(extra) = node.args.get(1) {
        cx.error(
            extra.span,
            format!(
                "`virtual_server_group` takes one name; `{}` is one too many",
                extra.text
            ),
        );
    }
    let Some(items) = cx.block(node) else { return };
    let mut group = VirtualServerGroup {
        name: name.text.to_string(),
        entries: Vec::new(),
        span: name.span,
    };
    for line in items {
        if let Some(b) = &line.block {
            cx.error(
                b.open,
                "a `virtual_server_group` line does not take a block",
            );
            continue;
        }
        if let Some(e) = entry(cx, line) {
            group.entries.push(e);
        }
    }
    check(&group, node, cx);
    if let Some(first) = config
        .lvs
        .virtual_server_groups
        .iter()
        .find(|g| g.name == group.name)
    {
        cx.warning(
            name.span,
            format!(
                "virtual_server_group `{}` is defined again; the first one is used",
                group.name
            ),
        )
        .related(first.span, "the first definition");
    }
    config.lvs.virtual_server_groups.push(group);
}

fn check(group: &VirtualServerGroup, node: &Node, cx: &mut Cx) {
    if group.entries.is_empty() {
        cx.error(
            node.keyword.span,
            format!("virtual_server_group `{}` has no entries", group.name),
        )
        .hint("add lines like `10.0.0.1 80`, `10.0.0.1-10 80` or `fwmark 1`");
        return;
    }
    let (v4, v6) = group.families();
    let bare_fwmark = group.entries.iter().find_map(|e| match e {
        GroupEntry::Fwmark {
            family: None, span, ..
        } => Some(*span),
        _ => None,
    });
    if let (true, true, Some(span)) = (v4, v6, bare_fwmark) {
        cx.error(
            span,
            "in a group with IPv4 and IPv6 entries, a fwmark needs its family",
        )
        .hint("write `fwmark N inet` or `fwmark N inet6`");
    }
}

fn entry(cx: &mut Cx, line: &Node) -> Option<GroupEntry> {
    let first = &line.keyword;
    let span = line.head_span();
    if first.is("fwmark") {
        let args = cx.args(line, 1, Some(2))?;
        // As for `virtual_server fwmark`: IPVS reads mark 0 as "no fwmark".
        let mark = cx.uint_token("fwmark", &args[0], 1, u64::from(u32::MAX))? as u32;
        let family = match args.get(1) {
            None => None,
            Some(t) => match cx.choice_token("fwmark family", t, &["inet", "inet6"])? {
                "inet" => Some(Family::Inet),
                _ => Some(Family::Inet6),
            },
        };
        return Some(GroupEntry::Fwmark { mark, family, span });
    }
    if let Some(extra) = line.args.get(1) {
        cx.error(
            extra.span,
            format!(
                "a group line is `<IP>[-<END>|/<PREFIX>] [<PORT>]`; `{}` is one word too many",
                extra.text
            ),
        );
    }
    let (first_ip, last_ip) = range(cx, first)?;
    let port = match line.args.first() {
        Some(t) => port_token(cx, "virtual_server_group port", t)?,
        None => None,
    };
    Some(GroupEntry::Range {
        first: first_ip,
        last: last_ip,
        port,
        span,
    })
}

/// `IP`, `IP-LAST` (last octet, or last 16 bits in hex for IPv6), `IP-IP`, `IP/PREFIX`.
fn range(cx: &mut Cx, tok: &Token) -> Option<(IpAddr, IpAddr)> {
    let text = tok.text.as_str();
    if let Some((addr, prefix)) = text.split_once('/') {
        let ip = parse_ip(cx, tok, addr)?;
        let bits = if ip.is_ipv4() { 32 } else { 128 };
        let p = match prefix.parse::<u32>() {
            Ok(p) if (1..=bits).contains(&p) => p,
            _ => {
                cx.error(tok.span, format!("`{text}`: the prefix length is 1-{bits}"));
                return None;
            }
        };
        let (net, last) = prefix_range(ip, p);
        if net != ip {
            cx.error(
                tok.span,
                format!("`{text}`: the address has bits set beyond the /{p} prefix"),
            )
            .hint(format!("did you mean `{net}/{p}`?"));
            return None;
        }
        return Some((net, last));
    }
    let Some((start, end)) = text.split_once('-') else {
        let ip = parse_ip(cx, tok, text)?;
        return Some((ip, ip));
    };
    let first = parse_ip(cx, tok, start)?;
    let full_end = match first {
        IpAddr::V4(_) => end.contains('.'),
        IpAddr::V6(_) => end.contains(':'),
    };
    let last = if full_end {
        let last = parse_ip(cx, tok, end)?;
        if last.is_ipv4() != first.is_ipv4() {
            cx.error(tok.span, format!("`{text}`: the range mixes IPv4 and IPv6"));
            return None;
        }
        if last < first {
            cx.error(
                tok.span,
                format!("`{text}`: the range ends before it starts"),
            );
            return None;
        }
        last
    } else {
        let last = short_end(first, end);
        let Some(last) = last else {
            let (what, max) = match first {
                IpAddr::V4(_) => ("a last octet", "0-255"),
                IpAddr::V6(_) => ("the last 16 bits in hex", "0-ffff"),
            };
            cx.error(
                tok.span,
                format!("`{text}`: the range end is {what} ({max}) or a full address"),
            );
            return None;
        };
        if last <= first {
            cx.error(
                tok.span,
                format!("`{text}`: the range end must be above its start"),
            )
            .hint(format!("e.g. `{start}-{}`", short_example(first)));
            return None;
        }
        last
    };
    Some((first, last))
}

fn parse_ip(cx: &mut Cx, tok: &Token, s: &str) -> Option<IpAddr> {
    if s.len() == tok.text.len() {
        return ip_with_hint(cx, "virtual_server_group", tok);
    }
    match s.parse() {
        Ok(ip) => Some(ip),
        Err(_) => {
            cx.error(
                tok.span,
                format!("`{}`: `{s}` is not an IP address", tok.text),
            );
            None
        }
    }
}

/// `10.0.0.1-10` -> 10.0.0.10; `2001:db8::1-ff` -> 2001:db8::ff.
fn short_end(first: IpAddr, end: &str) -> Option<IpAddr> {
    match first {
        IpAddr::V4(a) => {
            let last: u8 = end.parse().ok()?;
            let mut o = a.octets();
            o[3] = last;
            Some(IpAddr::V4(Ipv4Addr::from(o)))
        }
        IpAddr::V6(a) => {
            let last = u16::from_str_radix(end, 16).ok()?;
            let mut s = a.segments();
            s[7] = last;
            Some(IpAddr::V6(Ipv6Addr::from(s)))
        }
    }
}

fn short_example(first: IpAddr) -> String {
    match first {
        IpAddr::V4(a) => (a.octets()[3].saturating_add(1)).to_string(),
        IpAddr::V6(a) => format!("{:x}", a.segments()[7].saturating_add(1)),
    }
}

/// The network address and the last address of `ip/prefix`.
fn prefix_range(ip: IpAddr, prefix: u32) -> (IpAddr, IpAddr) {
    match ip {
        IpAddr::V4(a) => {
            let host = u32::MAX.checked_shr(prefix).unwrap_or(0);
            let n = u32::from(a) & !host;
            (
                IpAddr::V4(Ipv4Addr::from(n)),
                IpAddr::V4(Ipv4Addr::from(n | host)),
            )
        }
        IpAddr::V6(a) => {
            let host = u128::MAX.checked_shr(prefix).unwrap_or(0);
            let n = u128::from(a) & !host;
            (
                IpAddr::V6(Ipv6Addr::from(n)),
                IpAddr::V6(Ipv6Addr::from(n | host)),
            )
        }
    }
}
