//! `FILE_CHECK { track_file NAME [weight W [reverse]] }`: the real server's weight follows a
//! number in a file watched by a `track_file` block (0 = down).

use serde::Serialize;

use super::Checker;
use crate::conf::ast::Node;
use crate::conf::model::lvs::real_server::RealServer;
use crate::conf::model::lvs::{block_only, walk, WEIGHT_MAX};
use crate::conf::schema::{Cx, Kw};
use crate::conf::source::Span;

#[derive(Debug, Clone, Serialize)]
pub struct FileCheck {
    /// The `track_file` block's name.
    pub track_file: String,
    /// The multiplier of the file's value: this block's `weight`, else the track_file's.
    pub weight: i32,
    pub reverse: bool,
    /// Where the name is written (for an unknown name).
    #[serde(skip)]
    pub track_file_span: Span,
    /// `weight W [reverse]` as written here.
    #[serde(skip)]
    pub(in crate::conf::model::lvs) set_weight: Option<(i32, bool)>,
}

/// The block while it is read.
#[derive(Default)]
pub struct FileDraft {
    track_file: Option<(String, Span)>,
    weight: Option<(i32, bool)>,
}

pub const TABLE: &[Kw<FileDraft>] = &[
    Kw::new("track_file", |d, n, cx| {
        if let Some(t) = cx.value(n) {
            d.track_file = Some((t.text.to_string(), t.span))
        }
    }),
    Kw::new("weight", |d, n, cx| {
        let Some(args) = cx.args(n, 1, Some(2)) else {
            return;
        };
        let max = WEIGHT_MAX as i64;
        let Some(w) = cx.int_token("weight", &args[0], -max, max) else {
            return;
        };
        let reverse = match args.get(1) {
            None => false,
            Some(t) => match cx.choice_token("weight", t, &["reverse", "noreverse"]) {
                Some(w) => w == "reverse",
                None => return,
            },
        };
        d.weight = Some((w as i32, reverse));
    }),
];

pub fn read(rs: &mut RealServer, node: &Node, cx: &mut Cx) {
    let Some(items) = block_only(cx, node) else {
        return;
    };
    let mut d = FileDraft::default();
    walk(cx, &mut d, items, TABLE, "FILE_CHECK");
    let Some((name, span)) = d.track_file else {
        cx.error(
            node.keyword.span,
            "`FILE_CHECK` has no `track_file`; the checker is ignored",
        )
        .hint("name a `track_file NAME { file PATH }` block: `track_file NAME`");
        return;
    };
    let (weight, reverse) = d.weight.unwrap_or((1, false));
    rs.checkers.push(Checker::File(FileCheck {
        track_file: name,
        weight,
        reverse,
        track_file_span: span,
        set_weight: d.weight,
    }));
}
