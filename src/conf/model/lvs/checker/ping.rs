//! `PING_CHECK { ... }`: up when the real server answers an ICMP echo.

use serde::Serialize;

use super::{checker_table, Common, Conn, HasCommon, HasConn};
use crate::conf::ast::Node;
use crate::conf::model::lvs::real_server::RealServer;
use crate::conf::model::lvs::{block_only, walk};
use crate::conf::schema::{Cx, Kw};

#[derive(Debug, Clone, Serialize)]
pub struct PingCheck {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub conn: Conn,
}

impl HasCommon for PingCheck {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

impl HasConn for PingCheck {
    fn conn(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

pub const TABLE: &[Kw<PingCheck>] = checker_table!(PingCheck; conn;);

pub fn read(rs: &mut RealServer, node: &Node, cx: &mut Cx) {
    let Some(items) = block_only(cx, node) else {
        return;
    };
    let mut c = PingCheck {
        common: Common::new(1, Some(std::time::Duration::from_secs(1))),
        conn: Conn::new(rs.ip),
    };
    walk(cx, &mut c, items, TABLE, "PING_CHECK");
    rs.checkers.push(super::Checker::Ping(c));
}
