//! `TCP_CHECK { ... }`: up when a TCP connection opens.

use serde::Serialize;

use super::{checker_table, Common, Conn, HasCommon, HasConn};
use crate::conf::ast::Node;
use crate::conf::model::lvs::real_server::RealServer;
use crate::conf::model::lvs::{block_only, walk};
use crate::conf::schema::{Cx, Kw};

#[derive(Debug, Clone, Serialize)]
pub struct TcpCheck {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub conn: Conn,
}

impl HasCommon for TcpCheck {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

impl HasConn for TcpCheck {
    fn conn(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

pub const TABLE: &[Kw<TcpCheck>] = checker_table!(TcpCheck; conn;);

pub fn read(rs: &mut RealServer, node: &Node, cx: &mut Cx) {
    let Some(items) = block_only(cx, node) else {
        return;
    };
    let mut c = TcpCheck {
        common: Common::new(1, Some(std::time::Duration::from_secs(1))),
        conn: Conn::new(rs.ip),
    };
    walk(cx, &mut c, items, TABLE, "TCP_CHECK");
    rs.checkers.push(super::Checker::Tcp(c));
}
