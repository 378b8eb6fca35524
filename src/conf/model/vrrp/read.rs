//! Small readers shared by the VRRP blocks: named blocks, value blocks and their lines, a
//! cursor over the words of a line, "first one wins" keywords, option tables.

use std::time::Duration;

use crate::conf::ast::{Node, Token};
use crate::conf::diag::did_you_mean;
use crate::conf::schema::{parse_timer, Cx, Script, Status};
use crate::conf::source::Span;

/// `keyword NAME { ... }`: the name and the block's statements. keepalived wants exactly one
/// word after the keyword (`vrrp_instance must have a name`).
pub fn named_block<'n>(cx: &mut Cx, node: &'n Node) -> Option<(&'n Token, &'n [Node])> {
    let kw = &node.keyword.text;
    let name = match node.args.as_slice() {
        [name] => name,
        [] => {
            cx.error(node.keyword.span, format!("`{kw}` needs a name"))
                .hint(format!("write `{kw} NAME {{ ... }}`"));
            return None;
        }
        [_, extra, ..] => {
            cx.error(
                extra.span,
                format!("`{kw}` takes one name; `{}` is one too many", extra.text),
            )
            .hint("names cannot contain spaces");
            return None;
        }
    };
    let items = cx.block(node)?;
    Some((name, items))
}

/// `keyword { line ... }`: the lines of a value block (nothing may stand between the keyword
/// and its brace).
pub fn value_block<'n>(cx: &mut Cx, node: &'n Node) -> Option<&'n [Node]> {
    if let Some(extra) = node.args.first() {
        cx.error(
            extra.span,
            format!(
                "`{}` takes no value before its block; `{}` is extra",
                node.keyword.text, extra.text
            ),
        )
        .hint("put each entry on its own line inside the braces");
    }
    let items = cx.block(node)?;
    for line in items {
        if let Some(b) = &line.block {
            cx.error(
                b.open,
                format!("a line of `{}` cannot open a block", node.keyword.text),
            );
        }
    }
    Some(items)
}

/// The words of a value-block line: its "keyword" and its arguments.
pub fn line_words(line: &Node) -> Vec<&Token> {
    std::iter::once(&line.keyword).chain(&line.args).collect()
}

/// Every word of every line of a value block whose lines are plain lists of names
/// (`group { VI_1 VI_2 }`, `interfaces { eth0 eth1 }`).
pub fn name_list(lines: &[Node]) -> Vec<(String, Span)> {
    lines
        .iter()
        .flat_map(line_words)
        .map(|t| (t.text.to_string(), t.span))
        .collect()
}

/// A cursor over the words of one line, for the address, route and rule grammars.
pub struct Words<'n> {
    words: Vec<&'n Token>,
    pos: usize,
}

impl<'n> Words<'n> {
    pub fn new(words: Vec<&'n Token>) -> Self {
        Words { words, pos: 0 }
    }

    pub fn next(&mut self) -> Option<&'n Token> {
        let w = self.words.get(self.pos).copied();
        self.pos += 1;
        w
    }

    pub fn peek(&self) -> Option<&'n Token> {
        self.words.get(self.pos).copied()
    }

    /// Takes the next word if it is `word`.
    pub fn eat(&mut self, word: &str) -> Option<&'n Token> {
        let t = self.peek().filter(|t| t.is(word))?;
        self.pos += 1;
        Some(t)
    }

    /// The value that must follow option `opt`; an error when the line ends.
    pub fn value(&mut self, cx: &mut Cx, opt: &Token, what: &str) -> Option<&'n Token> {
        let v = self.next();
        if v.is_none() {
            cx.error(opt.span, format!("`{}` needs {what}", opt.text));
        }
        v
    }
}

/// Options of a line grammar with their status (for the catalogue and for warnings).
pub type Opts = &'static [(&'static str, Status)];

/// Looks `word` up in `opts`; warns for not-acted-on and deprecated options as `walk` does
/// for keywords. None when the word is not an option.
pub fn option(cx: &mut Cx, opts: Opts, word: &Token, line: &str) -> Option<&'static str> {
    if word.quoted {
        return None;
    }
    let (name, status) = opts.iter().find(|(n, _)| *n == word.text)?;
    match status {
        Status::Supported => {}
        Status::NotActedOn(why) => {
            cx.warning(
                word.span,
                format!("`{name}` in {line} is accepted but ha does not act on it: {why}"),
            );
        }
        Status::Deprecated(new) => {
            cx.warning(
                word.span,
                format!("`{name}` in {line} is deprecated, use `{new}`"),
            );
        }
    }
    Some(name)
}

/// An unknown word in a line: error with a suggestion from `opts`.
pub fn unknown_option(cx: &mut Cx, opts: Opts, word: &Token, line: &str) {
    let d = cx.error(
        word.span,
        format!("unknown option `{}` in {line}", word.text),
    );
    if let Some(s) = did_you_mean(&word.text, opts.iter().map(|(n, _)| *n)) {
        d.hint(format!("did you mean `{s}`?"));
    } else if word.text.parse::<std::net::IpAddr>().is_ok() || word.text.contains('/') {
        d.hint("write one entry per line");
    }
}

/// A notify script keyword where keepalived keeps the first one and ignores the others.
pub fn first_script(cx: &mut Cx, slot: &mut Option<Script>, node: &Node) {
    if let Some(first) = slot {
        let first = first.span;
        cx.warning(
            node.keyword.span,
            format!(
                "`{}` is given twice; the first one is used",
                node.keyword.text
            ),
        )
        .related(first, "first given here");
        return;
    }
    *slot = cx.script(node);
}

/// "Given twice, the later one is used" (keepalived overwrites silently; ha says so).
pub fn overwrites(cx: &mut Cx, node: &Node, first: Option<Span>) {
    if let Some(first) = first {
        cx.warning(
            node.keyword.span,
            format!(
                "`{}` is given twice; this later one is used",
                node.keyword.text
            ),
        )
        .related(first, "earlier value here");
    }
}

/// Whole seconds within `min..=max` as a Duration (keepalived's integer-second keywords).
pub fn secs(cx: &mut Cx, node: &Node, min: u64, max: u64) -> Option<Duration> {
    cx.uint(node, min, max).map(Duration::from_secs)
}

/// Decimal milliseconds with up to 3 decimals (BFD intervals), within `min..=max` ms.
pub fn millis_token(cx: &mut Cx, what: &str, tok: &Token, min: u64, max: u64) -> Option<Duration> {
    let range = || format!("{what} is {min} to {max} milliseconds");
    let ok = tok.text.split_once('.').map_or(true, |(_, f)| f.len() <= 3);
    // Reuse the timer grammar: "1.5" ms reads like "1.5" s, then scales down by 1000.
    match parse_timer(&tok.text).filter(|_| ok) {
        Some(d) => {
            let ms = d / 1000;
            if ms >= Duration::from_millis(min) && ms <= Duration::from_millis(max) {
                Some(ms)
            } else {
                cx.error(tok.span, format!("`{what}` {} is out of range", tok.text))
                    .hint(range());
                None
            }
        }
        None => {
            cx.error(
                tok.span,
                format!(
                    "`{what}` wants milliseconds (e.g. 10 or 2.5), not `{}`",
                    tok.text
                ),
            )
            .hint(range());
            None
        }
    }
}

/// An interface name as the kernel allows it: 1-15 bytes, no `/`, `:` or space (only the
/// length is checked for names keepalived itself only length-checks).
pub fn ifname_token(cx: &mut Cx, what: &str, tok: &Token) -> Option<String> {
    if tok.text.is_empty() || tok.text.len() >= 16 {
        cx.error(
            tok.span,
            format!("`{what}` `{}` is not a valid interface name", tok.text),
        )
        .hint("interface names have 1 to 15 characters");
        return None;
    }
    Some(tok.text.to_string())
}

/// The names in `known` closest to `name`, for "did you mean" on references.
pub fn suggest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    did_you_mean(name, known).map(|s| format!("did you mean `{s}`?"))
}
