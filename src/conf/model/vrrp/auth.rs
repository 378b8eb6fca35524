//! `authentication { auth_type PASS; auth_pass SECRET }` in a vrrp_instance (VRRPv2 only;
//! AH is refused: ha does not implement it, and peers using it would not understand ha).

use serde::Serialize;

use super::instance::Instance;
use crate::conf::ast::Node;
use crate::conf::schema::{Cx, Kw};
use crate::conf::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AuthType {
    #[serde(rename = "PASS")]
    Pass,
    #[serde(rename = "AH")]
    Ah,
}

/// The instance's authentication, when both keywords are given.
#[derive(Debug, Clone, Serialize)]
pub struct Authentication {
    pub auth_type: AuthType,
    /// As written; only the first 8 bytes go on the wire (see [`Authentication::key`]).
    pub auth_pass: String,
}

impl Authentication {
    /// The 8 bytes of the advert's authentication data (zero padded).
    pub fn key(&self) -> [u8; 8] {
        let mut k = [0u8; 8];
        for (d, s) in k.iter_mut().zip(self.auth_pass.bytes()) {
            *d = s;
        }
        k
    }
}

pub fn authentication(i: &mut Instance, n: &Node, cx: &mut Cx) {
    let Some(items) = cx.block(n) else { return };
    i.given.authentication = Some(n.keyword.span);
    let mut a = AuthBlock::default();
    cx.walk(&mut a, items, AUTH, "authentication");
    i.given.auth_type = a.auth_type;
    i.given.auth_pass = a.pass.as_ref().map(|(_, s)| *s);
    match (a.auth_type, a.pass) {
        (Some((t, _)), Some((p, _))) => {
            i.authentication = Some(Authentication {
                auth_type: t,
                auth_pass: p,
            })
        }
        (Some((_, span)), None) => {
            cx.error(span, "authentication without `auth_pass`")
                .hint("add `auth_pass SECRET` (both peers need the same), or remove the block");
        }
        (None, Some((_, span))) => {
            cx.warning(span, "`auth_pass` without `auth_type` is ignored")
                .hint("add `auth_type PASS`");
        }
        (None, None) => {}
    }
}

#[derive(Default)]
pub struct AuthBlock {
    auth_type: Option<(AuthType, Span)>,
    pass: Option<(String, Span)>,
}

pub const AUTH: &[Kw<AuthBlock>] = &[
    Kw::new("auth_type", |a, n, cx| {
        let Some(t) = cx.value(n) else { return };
        match cx.choice_token("auth_type", t, &["PASS", "AH"]) {
            Some("AH") => {
                cx.error(t.span, "ha does not implement IPsec AH authentication")
                    .hint("use `auth_type PASS` on every peer, or no authentication (VRRPv3 has none)");
            }
            Some(_) => a.auth_type = Some((AuthType::Pass, t.span)),
            None => {}
        }
    }),
    Kw::new("auth_pass", |a, n, cx| {
        let Some(t) = cx.value(n) else { return };
        if t.text.len() > 8 {
            cx.warning(
                t.span,
                format!(
                    "`auth_pass` is {} bytes long; only the first 8 are used",
                    t.text.len()
                ),
            )
            .hint(format!(
                "VRRPv2 carries 8 bytes of password: peers see `{}`",
                String::from_utf8_lossy(&t.text.as_bytes()[..8])
            ));
        }
        a.pass = Some((t.text.to_string(), t.span));
    }),
];
