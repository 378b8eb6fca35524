//! `SMTP_CHECK { ... }`: up when the server greets with 2xx, answers HELO with 250 and QUIT.
//! The deprecated `host { }` blocks each become a checker of their own, as in keepalived.

use std::time::Duration;

use serde::Serialize;

use super::{checker_table, Checker, Common, CommonSet, Conn, ConnSet, HasCommon, HasConn};
use crate::check::smtp::DEFAULT_HELO;
use crate::conf::ast::Node;
use crate::conf::model::lvs::real_server::RealServer;
use crate::conf::model::lvs::{block_only, walk};
use crate::conf::schema::{Cx, Kw};
use crate::conf::source::Span;

#[derive(Debug, Clone, Serialize)]
pub struct SmtpCheck {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub conn: Conn,
    /// The HELO argument (default `smtpchecker.keepalived.org`).
    pub helo_name: String,
    /// Set for a checker made from a deprecated `host { }` block: where the block starts.
    #[serde(skip)]
    pub host_span: Option<Span>,
    #[serde(skip)]
    hosts: Vec<(Span, CommonSet, ConnSet)>,
}

/// A deprecated `host { }` block: connection and timing keywords for one more checker.
pub struct SmtpHost {
    common: Common,
    conn: Conn,
}

impl HasCommon for SmtpCheck {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

impl HasConn for SmtpCheck {
    fn conn(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

impl HasCommon for SmtpHost {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

impl HasConn for SmtpHost {
    fn conn(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

pub const TABLE: &[Kw<SmtpCheck>] = checker_table!(SmtpCheck; conn;
    Kw::new("helo_name", |c, n, cx| {
        if let Some(v) = cx.string(n) {
            c.helo_name = v
        }
    }),
    Kw::deprecated("host", "one SMTP_CHECK block per host", read_host),
);

pub const HOST_TABLE: &[Kw<SmtpHost>] = checker_table!(SmtpHost; conn;);

fn new_common() -> Common {
    Common::new(1, Some(Duration::from_secs(1)))
}

pub fn read(rs: &mut RealServer, node: &Node, cx: &mut Cx) {
    let Some(items) = block_only(cx, node) else {
        return;
    };
    let mut c = SmtpCheck {
        common: new_common(),
        conn: Conn::new(rs.ip),
        helo_name: DEFAULT_HELO.to_string(),
        host_span: None,
        hosts: Vec::new(),
    };
    walk(cx, &mut c, items, TABLE, "SMTP_CHECK");
    let hosts = std::mem::take(&mut c.hosts);
    // As keepalived: the block itself checks the real server when it says how to connect,
    // or when it has no host blocks; each host block is a checker of its own.
    if c.conn.set.any() || hosts.is_empty() {
        rs.checkers.push(Checker::Smtp(c.clone()));
    }
    for (span, common, conn) in hosts {
        // Unlike keepalived, timing keywords inside a host block apply to that host only
        // (keepalived applies them to every host of the block).
        let mut h = c.clone();
        h.common.overlay(&common);
        h.conn.set = ConnSet::default();
        h.conn.overlay(&conn);
        h.host_span = Some(span);
        rs.checkers.push(Checker::Smtp(h));
    }
}

fn read_host(c: &mut SmtpCheck, node: &Node, cx: &mut Cx) {
    let Some(items) = block_only(cx, node) else {
        return;
    };
    let mut h = SmtpHost {
        common: new_common(),
        conn: Conn::new(c.conn.connect_ip),
    };
    walk(cx, &mut h, items, HOST_TABLE, "host");
    c.hosts.push((node.keyword.span, h.common.set, h.conn.set));
}
