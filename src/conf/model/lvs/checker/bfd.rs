//! `BFD_CHECK { name NAME }`: follows a `bfd_instance`. ha has no BFD: read and warned about.

use serde::Serialize;

use super::Checker;
use crate::conf::ast::Node;
use crate::conf::model::lvs::real_server::RealServer;
use crate::conf::model::lvs::{block_only, walk};
use crate::conf::schema::{Cx, Kw};
use crate::conf::source::Span;

#[derive(Debug, Clone, Default, Serialize)]
pub struct BfdCheck {
    pub name: String,
    pub alpha: Option<bool>,
    /// Where the name is written (for an unknown name).
    #[serde(skip)]
    pub name_span: Option<Span>,
}

pub const TABLE: &[Kw<BfdCheck>] = &[
    Kw::new("name", |c, n, cx| {
        let Some(t) = cx.value(n) else { return };
        // BFD_INAME_MAX is 32 with the terminating NUL.
        if t.text.len() > 31 {
            cx.error(t.span, format!("BFD name `{}` is too long", t.text))
                .hint("bfd_instance names have at most 31 characters");
            return;
        }
        c.name = t.text.to_string();
        c.name_span = Some(t.span);
    }),
    Kw::new("alpha", |c, n, cx| c.alpha = Some(cx.flag(n))),
];

pub fn read(rs: &mut RealServer, node: &Node, cx: &mut Cx) {
    let Some(items) = block_only(cx, node) else {
        return;
    };
    let mut c = BfdCheck::default();
    walk(cx, &mut c, items, TABLE, "BFD_CHECK");
    if c.name.is_empty() {
        cx.error(node.keyword.span, "`BFD_CHECK` has no `name`");
        return;
    }
    rs.checkers.push(Checker::Bfd(c));
}
