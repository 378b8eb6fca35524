//! LVS: `virtual_server_group`, `virtual_server` with its real servers and their health
//! checkers, and the `SSL` block that SSL_GET uses.
//!
//! Reading fills the model with what each block says; [`resolve`] then applies keepalived's
//! inheritance (global_defs -> virtual_server -> real_server -> checker), its defaults and
//! port rules, resolves `virtual_server group NAME` and `FILE_CHECK track_file`, and runs the
//! checks that need the whole file. After it, every field holds the value ha acts on.

mod checker;
mod early;
mod group;
mod real_server;
mod resolve;
mod ssl;
mod virtual_server;

#[cfg(test)]
mod tests;

use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

pub use checker::{
    BfdCheck, Checker, Common, Conn, DnsCheck, DnsType, FileCheck, HexPattern, HttpCheck,
    MiscCheck, PingCheck, Regex, SmtpCheck, StatusCodes, TcpCheck, UdpCheck, Url,
};
pub use early::Streamed;
pub use group::{GroupEntry, VirtualServerGroup};
pub use real_server::RealServer;
pub use resolve::resolve;
pub(in crate::conf::model) use resolve::resolve_after;
pub use ssl::Ssl;
pub use virtual_server::{
    Csum, Forwarding, Granularity, Method, Persistence, Protocol, SchedFlags, Scheduler, Service,
    SorryServer, Tunnel, TunnelKind, VirtualServer,
};

use super::Config;
use crate::conf::ast::Node;
use crate::conf::schema::{entries, glued_address, Cx, Kw, Status};
use crate::conf::source::Span;

/// Everything the LVS side of the configuration defines.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Lvs {
    /// The `SSL` block (client certificate and CA for SSL_GET); None when absent.
    pub ssl: Option<Ssl>,
    pub virtual_server_groups: Vec<VirtualServerGroup>,
    pub virtual_servers: Vec<VirtualServer>,
}

pub const ROOT: &[Kw<Config>] = &[
    Kw::new("SSL", ssl::read),
    Kw::new("virtual_server_group", group::read),
    Kw::new("virtual_server", virtual_server::read),
];

/// Every keyword table of the area, by block path, for docs/COMPATIBILITY.md.
pub fn catalogue() -> Vec<(String, Vec<(&'static str, Status)>)> {
    let mut out = vec![
        ("/".to_string(), entries(ROOT)),
        ("SSL".to_string(), entries(ssl::TABLE)),
        (
            "virtual_server_group (line)".to_string(),
            group::LINE_FORMS
                .iter()
                .map(|f| (*f, Status::Supported))
                .collect(),
        ),
        ("virtual_server".to_string(), entries(virtual_server::TABLE)),
        (
            "virtual_server/lvs_method (line)".to_string(),
            virtual_server::FORWARDING_WORDS
                .iter()
                .map(|f| (*f, Status::Supported))
                .collect(),
        ),
        (
            "virtual_server/real_server".to_string(),
            entries(real_server::TABLE),
        ),
    ];
    out.extend(checker::catalogue("virtual_server/real_server"));
    out
}

/// An address family, as `ip_family` and `fwmark N inet|inet6` write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Inet,
    Inet6,
}

impl Family {
    pub fn of(ip: &IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::Inet,
            IpAddr::V6(_) => Family::Inet6,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Family::Inet => "IPv4",
            Family::Inet6 => "IPv6",
        }
    }
}

/// keepalived's largest timer: ULONG_MAX - 1 microseconds.
const TIMER_MAX: Duration = Duration::from_micros(u64::MAX - 1);
/// The smallest non-zero timer: one microsecond.
const TIMER_MIN: Duration = Duration::from_micros(1);
/// `connect_timeout` is stored in microseconds in an unsigned int.
const CONNECT_TIMEOUT_MAX: Duration = Duration::from_micros(u32::MAX as u64);
/// IPVS weights are signed 32-bit numbers.
const WEIGHT_MAX: u64 = i32::MAX as u64;

/// `<IP> [<PORT>]` as in `real_server` and `sorry_server` heads: the address and the port
/// (0 or omitted = none). `10.0.0.1:80` gets a hint. `takes_block`: the keyword opens a
/// block (real_server), so a block is not a mistake here.
fn addr_port(
    cx: &mut Cx,
    what: &str,
    node: &Node,
    takes_block: bool,
) -> Option<(IpAddr, Option<u16>)> {
    if !takes_block {
        cx.no_block(node);
    }
    let args = &node.args;
    let Some(first) = args.first() else {
        cx.error(
            node.keyword.span,
            format!("`{what}` needs an address and a port"),
        )
        .hint(format!("e.g. `{what} 10.0.0.2 80`"));
        return None;
    };
    if let Some(extra) = args.get(2) {
        cx.error(
            extra.span,
            format!(
                "`{what}` takes an address and a port; `{}` is one too many",
                extra.text
            ),
        );
    }
    let ip = ip_with_hint(cx, what, first)?;
    let port = match args.get(1) {
        // The common case first: a valid port needs no name for messages.
        Some(t) => match t.text.parse::<u16>() {
            Ok(p) => Some(p).filter(|&p| p != 0),
            Err(_) => port_token(cx, &format!("{what} port"), t)?,
        },
        None => None,
    };
    Some((ip, port))
}

/// An address, with hints for `IP:PORT`, `[IP]:PORT` and a keyword glued to it.
fn ip_with_hint(cx: &mut Cx, what: &str, tok: &crate::conf::ast::Token) -> Option<IpAddr> {
    if let Ok(ip) = tok.text.parse() {
        return Some(ip);
    }
    if let Some((ip, port)) = split_ip_port(&tok.text) {
        cx.error(
            tok.span,
            format!("`{what}` wants an IP address, not `{}`", tok.text),
        )
        .hint(format!("the port goes after a space: `{ip} {port}`"));
        return None;
    }
    cx.ip_token(what, tok)
}

/// `10.0.0.1:80` or `[2001:db8::1]:80` -> the address and port as written.
fn split_ip_port(s: &str) -> Option<(IpAddr, u16)> {
    let (ip, port) = match s.strip_prefix('[') {
        Some(rest) => {
            let (ip, port) = rest.split_once("]:")?;
            (ip, port)
        }
        None => s.rsplit_once(':')?,
    };
    let ip: IpAddr = ip.parse().ok()?;
    // A bare IPv6 address also splits at its last colon; only accept unambiguous forms.
    if ip.is_ipv6() && !s.starts_with('[') {
        return None;
    }
    Some((ip, port.parse().ok()?))
}

/// A port where 0 means "none" (virtual and real server heads, group lines).
fn port_token(cx: &mut Cx, what: &str, tok: &crate::conf::ast::Token) -> Option<Option<u16>> {
    let v = cx.uint_token(what, tok, 0, 65535)?;
    Some(u16::try_from(v).ok().filter(|&p| p != 0))
}

/// A port 1-65535 (checker `connect_port`, `bind_port`, gue tunnel port).
fn port_value(cx: &mut Cx, node: &Node) -> Option<u16> {
    cx.uint(node, 1, 65535).and_then(|v| u16::try_from(v).ok())
}

/// The block of a block keyword that takes no value (`TCP_CHECK {`, `url {`, `SSL {`).
fn block_only<'n>(cx: &mut Cx, node: &'n Node) -> Option<&'n [Node]> {
    if let Some(extra) = node.args.first() {
        cx.error(
            extra.span,
            format!(
                "`{}` takes no value before its block; `{}` is not expected",
                node.keyword.text, extra.text
            ),
        );
    }
    cx.block(node)
}

/// [`Cx::walk`], plus two slips: a keyword glued to its value (`connect_ip192.168.1.1`,
/// `connect_port80`) is an error with the fix, and the value is read as meant so later
/// checks still see it; a comment glued to a word that starts with a keyword of the block
/// (`misc_path /x.sh!misc_dynamic`) is a warning, since that keyword is silently lost.
fn walk<T>(cx: &mut Cx, target: &mut T, items: &[Node], table: &[Kw<T>], block: &str) {
    for node in items {
        eaten_keyword(cx, node, table);
        let name = node.keyword.text.as_str();
        let known = match node.keyword.quoted {
            false => table.iter().find(|k| k.name == name),
            true => None,
        };
        if let Some(kw) = known {
            cx.read_known(target, node, kw);
            continue;
        }
        if old_spelling(cx, node, table, block) {
            continue;
        }
        if node.block.is_none() {
            if let Some((kw, fixed)) = unglue(node, table) {
                let text = &node.keyword.text;
                let shown = glued_address(text)
                    .unwrap_or_else(|| format!("{} {}", kw.name, &text[kw.name.len()..]));
                cx.error(
                    node.keyword.span,
                    format!("unknown keyword `{text}` in `{block}`"),
                )
                .hint(format!("a space is missing: `{shown}`"));
                (kw.read)(target, &fixed, cx);
                continue;
            }
        }
        cx.walk(target, std::slice::from_ref(node), table, block);
    }
}

/// Unknown keywords with a plain intent, reported with the fix instead of a guess:
/// `nb_get_retry` outside HTTP_GET/SSL_GET (keepalived 2.2.7 ignores it there too), and
/// documentation placeholders such as `HTTP_GET|SSL_GET`.
fn old_spelling<T>(cx: &mut Cx, node: &Node, table: &[Kw<T>], block: &str) -> bool {
    let name = node.keyword.text.as_str();
    let has = |k: &str| table.iter().any(|kw| kw.name == k);
    let hint = if name == "nb_get_retry" && has("retry") {
        let value: Vec<&str> = node.args.iter().map(|t| t.text.as_str()).collect();
        format!(
            "write `retry {}`: in `{block}` keepalived 2.2.7 ignores `nb_get_retry`, so it retries once",
            value.join(" ")
        )
    } else if name.contains('|') && name.split('|').all(|k| has(k.trim())) {
        let choices: Vec<String> = name.split('|').map(|k| format!("`{}`", k.trim())).collect();
        format!("choose one of {}", choices.join(", "))
    } else {
        return false;
    };
    let skipped = if node.block.is_some() {
        " (its block is skipped)"
    } else {
        ""
    };
    cx.error(
        node.keyword.span,
        format!("unknown keyword `{name}` in `{block}`{skipped}"),
    )
    .hint(hint);
    true
}

/// `misc_path /x.sh!misc_dynamic`: `!` and `#` start a comment even inside a word, so the
/// keyword after them is never read.
fn eaten_keyword<T>(cx: &mut Cx, node: &Node, table: &[Kw<T>]) {
    // Almost every line has no comment: a byte scan settles it before the careful one.
    if !node.text.bytes().any(|b| b == b'!' || b == b'#') {
        return;
    }
    let Some((at, comment)) = glued_comment(&node.text) else {
        return;
    };
    let word = comment[1..].split_whitespace().next().unwrap_or("");
    if !table.iter().any(|k| k.name == word) {
        return;
    }
    let last = node.args.last().unwrap_or(&node.keyword);
    let col = node.keyword.span.col + node.text[..at].chars().count() as u32;
    let span = if last.span.line == node.keyword.span.line {
        Span::new(
            last.span.file,
            last.span.line,
            col,
            comment.chars().count() as u32,
        )
    } else {
        last.span
    };
    let mark = &comment[..1];
    cx.warning(
        span,
        format!("`{mark}` starts a comment, so `{word}` here is not read"),
    )
    .hint(format!("put `{word}` on a line of its own"));
}

/// A comment that starts right after a word (no blank before `!`/`#`): its byte offset
/// in the line and its text. Quotes and `\!`, `\#` escapes are skipped as the lexer does.
fn glued_comment(line: &str) -> Option<(usize, &str)> {
    let mut quoted = false;
    let mut prev: Option<char> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if !quoted && matches!(chars.peek(), Some((_, '!' | '#'))) => {
                chars.next();
            }
            '!' | '#' if !quoted => {
                let glued = prev.is_some_and(|p| !p.is_whitespace() && p != '{' && p != '}');
                return glued.then(|| (i, &line[i..]));
            }
            _ => {}
        }
        prev = Some(c);
    }
    None
}

/// A keyword of `table` glued to a value that starts with a digit, split in two.
fn unglue<'t, T>(node: &Node, table: &'t [Kw<T>]) -> Option<(&'t Kw<T>, Node)> {
    let text = &node.keyword.text;
    let at = text.find(|c: char| c.is_ascii_digit())?;
    let kw = table.iter().find(|k| k.name == &text[..at])?;
    let span = node.keyword.span;
    let mut keyword = node.keyword.clone();
    keyword.text = kw.name.into();
    keyword.span = Span::new(span.file, span.line, span.col, at as u32);
    let value = crate::conf::ast::Token {
        text: text[at..].into(),
        span: Span::new(
            span.file,
            span.line,
            span.col + at as u32,
            (text.chars().count() - at) as u32,
        ),
        quoted: false,
    };
    let mut args = vec![value];
    args.extend(node.args.iter().cloned());
    Some((
        kw,
        Node {
            keyword,
            args: args.into(),
            block: None,
            text: node.text.clone(),
        },
    ))
}

/// A keyword whose first occurrence wins (scripts, `digest`, DNS `name`): warns on a repeat.
fn repeated(cx: &mut Cx, node: &Node, first: Span) {
    cx.warning(
        node.keyword.span,
        format!(
            "`{}` is already set; this one is ignored",
            node.keyword.text
        ),
    )
    .related(first, "the first one, which is used");
}

/// A keyword where the last occurrence wins but a repeat is probably a mistake.
fn replaced(cx: &mut Cx, node: &Node, earlier: Span) {
    cx.warning(
        node.keyword.span,
        format!(
            "`{}` is given again; this one replaces the earlier one",
            node.keyword.text
        ),
    )
    .related(earlier, "the earlier one");
}

/// Serializes bytes as lower-case hex (digests, UDP payloads).
fn ser_hex<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::check::http::hex(bytes))
}
