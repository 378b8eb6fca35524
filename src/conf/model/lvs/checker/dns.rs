//! `DNS_CHECK { ... }`: up when the server answers a query for `name` of `type`.

use serde::Serialize;

use super::{checker_table, Checker, Common, Conn, HasCommon, HasConn};
use crate::conf::ast::Node;
use crate::conf::model::lvs::real_server::RealServer;
use crate::conf::model::lvs::{block_only, repeated, walk};
use crate::conf::schema::{Cx, Kw};
use crate::conf::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum DnsType {
    A,
    #[serde(rename = "NS")]
    Ns,
    #[serde(rename = "CNAME")]
    Cname,
    #[default]
    #[serde(rename = "SOA")]
    Soa,
    #[serde(rename = "MX")]
    Mx,
    #[serde(rename = "TXT")]
    Txt,
    #[serde(rename = "AAAA")]
    Aaaa,
    #[serde(rename = "RRSIG")]
    Rrsig,
    #[serde(rename = "DNSKEY")]
    Dnskey,
}

const TYPES: &[(&str, DnsType)] = &[
    ("A", DnsType::A),
    ("NS", DnsType::Ns),
    ("CNAME", DnsType::Cname),
    ("SOA", DnsType::Soa),
    ("MX", DnsType::Mx),
    ("TXT", DnsType::Txt),
    ("AAAA", DnsType::Aaaa),
    ("RRSIG", DnsType::Rrsig),
    ("DNSKEY", DnsType::Dnskey),
];

impl DnsType {
    /// The RR type number.
    pub fn code(self) -> u16 {
        match self {
            DnsType::A => 1,
            DnsType::Ns => 2,
            DnsType::Cname => 5,
            DnsType::Soa => 6,
            DnsType::Mx => 15,
            DnsType::Txt => 16,
            DnsType::Aaaa => 28,
            DnsType::Rrsig => 46,
            DnsType::Dnskey => 48,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DnsCheck {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub conn: Conn,
    #[serde(rename = "query_type")]
    pub kind: DnsType,
    /// The name queried; `.` (the root) by default.
    pub name: String,
    #[serde(skip)]
    name_span: Option<Span>,
}

impl HasCommon for DnsCheck {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

impl HasConn for DnsCheck {
    fn conn(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

pub const TABLE: &[Kw<DnsCheck>] = checker_table!(DnsCheck; conn;
    Kw::new("type", |c, n, cx| {
        let Some(t) = cx.value(n) else { return };
        // keepalived compares without regard to case.
        match TYPES.iter().find(|(name, _)| name.eq_ignore_ascii_case(&t.text)) {
            Some((_, k)) => c.kind = *k,
            None => {
                let names: Vec<&str> = TYPES.iter().map(|(n, _)| *n).collect();
                cx.error(t.span, format!("`type` cannot be `{}`", t.text))
                    .hint(format!("one of: {}", names.join(", ")));
            }
        }
    }),
    Kw::new("name", |c, n, cx| {
        let Some(t) = cx.value(n) else { return };
        if let Some(first) = c.name_span {
            repeated(cx, n, first);
            return;
        }
        let name = t.text.as_str();
        let empty_label = (name.starts_with('.') && name != ".") || name.contains("..");
        if empty_label {
            cx.error(t.span, format!("DNS name `{name}` has an empty label"))
                .hint("labels are separated by single dots; `.` alone is the root");
            return;
        }
        c.name = name.to_string();
        c.name_span = Some(n.keyword.span);
    }),
);

pub fn read(rs: &mut RealServer, node: &Node, cx: &mut Cx) {
    let Some(items) = block_only(cx, node) else {
        return;
    };
    let mut c = DnsCheck {
        // retry 3, and delay_before_retry defaults to the checker's delay_loop.
        common: Common::new(3, None),
        conn: Conn::new(rs.ip),
        kind: DnsType::default(),
        name: ".".to_string(),
        name_span: None,
    };
    walk(cx, &mut c, items, TABLE, "DNS_CHECK");
    rs.checkers.push(Checker::Dns(c));
}
