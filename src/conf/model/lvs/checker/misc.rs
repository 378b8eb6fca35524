//! `MISC_CHECK { misc_path ... }`: runs a program; exit 0 = up. With `misc_dynamic`, exit
//! 2-255 is also up and sets the weight to the status minus 2.

use std::time::Duration;

use serde::Serialize;

use super::{checker_table, Checker, Common, HasCommon};
use crate::conf::ast::Node;
use crate::conf::model::lvs::real_server::RealServer;
use crate::conf::model::lvs::{block_only, replaced, walk};
use crate::conf::model::ser_secs;
use crate::conf::schema::{Cx, Kw, Script};
use crate::conf::source::Span;

#[derive(Debug, Clone, Serialize)]
pub struct MiscCheck {
    #[serde(flatten)]
    pub common: Common,
    /// The program and its arguments; `user` fills its user and group (None = global
    /// `script_user`, decided when the scripts are checked).
    pub script: Script,
    /// How long the program may run (`misc_timeout`, else the checker's delay_loop).
    #[serde(serialize_with = "ser_secs")]
    pub timeout: Duration,
    pub dynamic: bool,
    #[serde(skip)]
    pub(in crate::conf::model::lvs) set_timeout: Option<Duration>,
}

/// The block while it is read: the script is optional until the end.
pub struct MiscDraft {
    common: Common,
    script: Option<Script>,
    user: Option<(String, Option<String>)>,
    timeout: Option<Duration>,
    dynamic: bool,
}

impl HasCommon for MiscDraft {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

pub const TABLE: &[Kw<MiscDraft>] = checker_table!(MiscDraft;
    Kw::new("misc_path", |d, n, cx| {
        let Some(s) = misc_path(n, cx) else { return };
        if let Some(old) = &d.script {
            let span = old.span;
            replaced(cx, n, span);
        }
        d.script = Some(s);
    }),
    Kw::new("misc_timeout", |d, n, cx| {
        // Whole seconds; 0 = the checker's delay_loop.
        if let Some(v) = cx.uint(n, 0, 4294) {
            d.timeout = (v > 0).then(|| Duration::from_secs(v));
        }
    }),
    Kw::new("misc_dynamic", |d, n, cx| d.dynamic = cx.flag(n)),
    Kw::new("user", |d, n, cx| {
        if let Some(args) = cx.args(n, 1, Some(2)) {
            d.user = Some((args[0].text.to_string(), args.get(1).map(|t| t.text.to_string())));
        }
    }),
);

/// `misc_path COMMAND`: the command (quoted when it has arguments). keepalived ignores
/// the words after it; ha does too, and says so.
fn misc_path(n: &Node, cx: &mut Cx) -> Option<Script> {
    cx.no_block(n);
    let Some(cmd) = n.args.first() else {
        cx.error(n.keyword.span, "`misc_path` needs a command");
        return None;
    };
    if let Some(extra) = n.args.get(1) {
        let words: Vec<&str> = n.args.iter().map(|t| t.text.as_str()).collect();
        cx.warning(
            extra.span,
            format!(
                "`misc_path` runs `{}` only; the words after it are ignored",
                cmd.text
            ),
        )
        .hint(format!(
            "quote the command to pass arguments: misc_path \"{}\"",
            words.join(" ")
        ));
    }
    let one = Node {
        keyword: n.keyword.clone(),
        args: crate::conf::ast::Args::One(cmd.clone()),
        block: None,
        text: n.text.clone(),
    };
    cx.script(&one)
}

pub fn read(rs: &mut RealServer, node: &Node, cx: &mut Cx) {
    let Some(items) = block_only(cx, node) else {
        return;
    };
    let mut d = MiscDraft {
        common: Common::new(0, Some(Duration::from_secs(1))),
        script: None,
        user: None,
        timeout: None,
        dynamic: false,
    };
    walk(cx, &mut d, items, TABLE, "MISC_CHECK");
    let Some(mut script) = d.script else {
        cx.error(
            node.keyword.span,
            "`MISC_CHECK` has no `misc_path`; the checker is ignored",
        )
        .hint("e.g. `misc_path \"/usr/local/bin/check.sh arg\"`");
        return;
    };
    if let Some((user, group)) = d.user {
        script.user = Some(user);
        script.group = group;
    }
    rs.checkers.push(Checker::Misc(MiscCheck {
        common: d.common,
        script,
        timeout: Duration::ZERO,
        dynamic: d.dynamic,
        set_timeout: d.timeout,
    }));
}

impl MiscCheck {
    /// Where the command is written, for later checks that point at it.
    pub fn span(&self) -> Span {
        self.script.span
    }
}
