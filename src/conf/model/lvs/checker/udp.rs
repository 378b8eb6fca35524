//! `UDP_CHECK { ... }`: sends a datagram; up when no ICMP error comes back, or, with
//! `require_reply`, when a reply (matching the pattern, within the lengths) arrives.

use serde::Serialize;

use super::{checker_table, Checker, Common, Conn, HasCommon, HasConn};
use crate::conf::ast::Node;
use crate::conf::model::lvs::real_server::RealServer;
use crate::conf::model::lvs::{block_only, ser_hex, walk};
use crate::conf::schema::{Cx, Kw};
use crate::conf::source::Span;

#[derive(Debug, Clone, Serialize)]
pub struct UdpCheck {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub conn: Conn,
    /// The datagram sent; None = random bytes, as keepalived.
    #[serde(serialize_with = "ser_opt_hex")]
    pub payload: Option<Vec<u8>>,
    pub require_reply: bool,
    /// What the reply must start with; None = any reply.
    pub reply: Option<HexPattern>,
    pub min_reply_length: u16,
    pub max_reply_length: u16,
    #[serde(skip)]
    lengths: Option<Span>,
}

/// Bytes where some nibbles may be wildcards (`x`): a set bit in `mask` = any value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HexPattern {
    #[serde(serialize_with = "ser_hex")]
    pub data: Vec<u8>,
    #[serde(serialize_with = "ser_hex")]
    pub mask: Vec<u8>,
}

impl HexPattern {
    pub fn matches(&self, reply: &[u8]) -> bool {
        reply.len() >= self.data.len()
            && self
                .data
                .iter()
                .zip(&self.mask)
                .zip(reply)
                .all(|((d, m), r)| (r & !m) == *d)
    }
}

fn ser_opt_hex<S: serde::Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(b) => ser_hex(b, s),
        None => s.serialize_none(),
    }
}

impl HasCommon for UdpCheck {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

impl HasConn for UdpCheck {
    fn conn(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

/// keepalived's hex strings: digits in pairs, blanks between bytes skipped, a lone digit
/// before a blank is one byte (`Ab12f 3` = AB 12 0F 03); with `wildcards`, `x` is a nibble
/// that matches anything.
pub fn parse_hex(s: &str, wildcards: bool) -> Result<HexPattern, String> {
    let nibble = |c: char| -> Result<(u8, u8), String> {
        match c {
            'x' | 'X' if wildcards => Ok((0, 0xf)),
            _ => c
                .to_digit(16)
                .map(|d| (d as u8, 0))
                .ok_or_else(|| format!("`{c}` is not a hex digit")),
        }
    };
    let mut data = Vec::new();
    let mut mask = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        let Some(c) = chars.next() else { break };
        let (mut d, mut m) = nibble(c)?;
        if let Some(c2) = chars.next_if(|c| *c != ' ' && *c != '\t') {
            let (d2, m2) = nibble(c2)?;
            d = d << 4 | d2;
            m = m << 4 | m2;
        }
        data.push(d);
        mask.push(m);
    }
    if data.is_empty() {
        return Err("no bytes given".into());
    }
    Ok(HexPattern { data, mask })
}

pub const TABLE: &[Kw<UdpCheck>] = checker_table!(UdpCheck; conn;
    Kw::new("payload", |c, n, cx| {
        let Some(args) = cx.args(n, 1, None) else {
            return;
        };
        match hex_args(args) {
            Ok(p) => c.payload = Some(p.data),
            Err(e) => {
                cx.error(args[0].span, format!("`payload`: {e}"))
                    .hint("hex bytes, e.g. `payload 01 02 ab`");
            }
        }
    }),
    Kw::new("require_reply", |c, n, cx| {
        let Some(args) = cx.args(n, 0, None) else {
            return;
        };
        c.require_reply = true;
        if args.is_empty() {
            return;
        }
        match hex_args_wild(args) {
            Ok(p) => c.reply = Some(p),
            Err(e) => {
                cx.error(args[0].span, format!("`require_reply`: {e}"))
                    .hint("hex bytes, `x` for any nibble, e.g. `require_reply 01 xx ab`");
            }
        }
    }),
    Kw::new("min_reply_length", |c, n, cx| {
        if let Some(v) = cx.uint(n, 0, 65535) {
            c.min_reply_length = v as u16;
            c.lengths = Some(n.keyword.span);
        }
    }),
    Kw::new("max_reply_length", |c, n, cx| {
        if let Some(v) = cx.uint(n, 0, 65535) {
            c.max_reply_length = v as u16;
            c.lengths = Some(n.keyword.span);
        }
    }),
);

/// The rest of the line is one hex string (keepalived joins the words with spaces).
fn hex_args(args: &[crate::conf::ast::Token]) -> Result<HexPattern, String> {
    let joined: Vec<&str> = args.iter().map(|t| t.text.as_str()).collect();
    parse_hex(&joined.join(" "), false)
}

fn hex_args_wild(args: &[crate::conf::ast::Token]) -> Result<HexPattern, String> {
    let joined: Vec<&str> = args.iter().map(|t| t.text.as_str()).collect();
    parse_hex(&joined.join(" "), true)
}

pub fn read(rs: &mut RealServer, node: &Node, cx: &mut Cx) {
    let Some(items) = block_only(cx, node) else {
        return;
    };
    let mut c = UdpCheck {
        common: Common::new(1, Some(std::time::Duration::from_secs(1))),
        conn: Conn::new(rs.ip),
        payload: None,
        require_reply: false,
        reply: None,
        min_reply_length: 0,
        max_reply_length: 255,
        lengths: None,
    };
    walk(cx, &mut c, items, TABLE, "UDP_CHECK");
    if c.min_reply_length > c.max_reply_length {
        let span = c.lengths.unwrap_or(node.keyword.span);
        cx.error(
            span,
            format!(
                "`min_reply_length` {} is above `max_reply_length` {}: the check could never pass",
                c.min_reply_length, c.max_reply_length
            ),
        )
        .hint("max_reply_length is 255 unless set");
    }
    rs.checkers.push(Checker::Udp(c));
}
