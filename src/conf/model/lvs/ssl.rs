//! The top-level `SSL { ... }` block: the client certificate, key and CA that SSL_GET
//! checkers use. Without it (or with it empty) SSL_GET does not verify the server, as
//! keepalived's auto-generated context.

use serde::Serialize;

use super::{block_only, replaced, walk};
use crate::conf::ast::Node;
use crate::conf::model::Config;
use crate::conf::schema::{Cx, Kw};
use crate::conf::source::Span;

#[derive(Debug, Clone, Serialize)]
pub struct Ssl {
    /// The password of the private key.
    pub password: Option<String>,
    /// CA file to verify servers with.
    pub ca: Option<String>,
    /// Client certificate file.
    pub certificate: Option<String>,
    /// Client private key file.
    pub key: Option<String>,
    /// Where the block opens.
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub ca_span: Option<Span>,
    #[serde(skip)]
    pub certificate_span: Option<Span>,
    #[serde(skip)]
    pub key_span: Option<Span>,
    #[serde(skip)]
    password_span: Option<Span>,
}

/// A file or password keyword; a repeat replaces the earlier value (with a warning).
fn set(slot: &mut Option<String>, at: &mut Option<Span>, n: &Node, cx: &mut Cx) {
    let Some(t) = cx.value(n) else { return };
    if let Some(old) = *at {
        replaced(cx, n, old);
    }
    *slot = Some(t.text.to_string());
    *at = Some(t.span);
}

pub const TABLE: &[Kw<Ssl>] = &[
    Kw::new("password", |s, n, cx| {
        set(&mut s.password, &mut s.password_span, n, cx)
    }),
    Kw::new("ca", |s, n, cx| set(&mut s.ca, &mut s.ca_span, n, cx)),
    Kw::new("certificate", |s, n, cx| {
        set(&mut s.certificate, &mut s.certificate_span, n, cx)
    }),
    Kw::new("key", |s, n, cx| set(&mut s.key, &mut s.key_span, n, cx)),
];

pub fn read(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some(items) = block_only(cx, node) else {
        return;
    };
    let mut ssl = Ssl {
        password: None,
        ca: None,
        certificate: None,
        key: None,
        span: node.keyword.span,
        ca_span: None,
        certificate_span: None,
        key_span: None,
        password_span: None,
    };
    walk(cx, &mut ssl, items, TABLE, "SSL");
    if let Some(old) = &config.lvs.ssl {
        cx.warning(
            node.keyword.span,
            "a second `SSL` block replaces the first one entirely",
        )
        .related(old.span, "the first SSL block");
    }
    config.lvs.ssl = Some(ssl);
}
