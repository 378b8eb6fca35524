//! Keyword tables and the checked readers of their values.
//!
//! Every block of keepalived.conf is a table of [`Kw`]: name, status (acted on, accepted but
//! not acted on, deprecated spelling) and a function that reads the statement into the typed
//! model. Walking a block against its table gives unknown-keyword errors with "did you mean"
//! hints, and the same tables generate docs/COMPATIBILITY.md.

use std::net::IpAddr;
use std::time::Duration;

use super::ast::{Node, Token};
use super::diag::{did_you_mean, Diagnostic, Diagnostics};
use super::source::Span;

/// What ha does with a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Read into the model and acted on.
    Supported,
    /// Read and checked, but ha does not act on it; using it is a warning that says why.
    NotActedOn(&'static str),
    /// An old spelling keepalived still accepts: a warning names the current one.
    Deprecated(&'static str),
}

/// One keyword of a block: how to read it into `T`.
pub struct Kw<T> {
    pub name: &'static str,
    pub status: Status,
    pub read: fn(&mut T, &Node, &mut Cx),
}

impl<T> Kw<T> {
    pub const fn new(name: &'static str, read: fn(&mut T, &Node, &mut Cx)) -> Self {
        Kw {
            name,
            status: Status::Supported,
            read,
        }
    }

    pub const fn not_acted_on(
        name: &'static str,
        why: &'static str,
        read: fn(&mut T, &Node, &mut Cx),
    ) -> Self {
        Kw {
            name,
            status: Status::NotActedOn(why),
            read,
        }
    }

    pub const fn deprecated(
        name: &'static str,
        use_instead: &'static str,
        read: fn(&mut T, &Node, &mut Cx),
    ) -> Self {
        Kw {
            name,
            status: Status::Deprecated(use_instead),
            read,
        }
    }
}

/// The names and statuses of a table, for docs/COMPATIBILITY.md.
pub fn entries<T>(table: &[Kw<T>]) -> Vec<(&'static str, Status)> {
    table.iter().map(|k| (k.name, k.status)).collect()
}

/// A command keepalived runs (notify scripts, `script`, `misc_path`, ...): the command line
/// as written, its argv after keepalived's second, shell-like parse, and the optional user
/// and group words that follow it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Script {
    pub command: String,
    pub argv: Vec<String>,
    pub user: Option<String>,
    pub group: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

/// The blocks where `name` is a keyword (from the model's catalogue), for "belongs in" hints.
pub fn keyword_homes(name: &str) -> Vec<String> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static HOMES: OnceLock<HashMap<&'static str, Vec<String>>> = OnceLock::new();
    let homes = HOMES.get_or_init(|| {
        let mut map: HashMap<&'static str, Vec<String>> = HashMap::new();
        for (path, entries) in super::compat_doc::rows() {
            if path.contains('(') || path.starts_with('~') {
                continue;
            }
            let block = match path.as_str() {
                "/" => "the top level".to_string(),
                p => p.rsplit('/').next().unwrap_or(p).to_string(),
            };
            for (kw, _) in entries {
                let list = map.entry(kw).or_default();
                if !list.contains(&block) {
                    list.push(block.clone());
                }
            }
        }
        map
    });
    homes.get(name).cloned().unwrap_or_default()
}

/// A keyword the table accepts and then ignores after its warning.
pub fn ignore<T>(_: &mut T, _: &Node, _: &mut Cx) {}

/// The reading context: where findings go, and the settings that change how values read.
pub struct Cx<'d> {
    pub diags: &'d mut Diagnostics,
}

impl<'d> Cx<'d> {
    pub fn new(diags: &'d mut Diagnostics) -> Self {
        Cx { diags }
    }

    pub fn error(&mut self, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.diags.error(span, msg)
    }

    pub fn warning(&mut self, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.diags.warning(span, msg)
    }

    pub fn note(&mut self, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.diags.note(span, msg)
    }

    /// Reads every statement of a block with `table`. Unknown keywords are errors (with a
    /// suggestion) and their own blocks are skipped whole.
    pub fn walk<T>(&mut self, target: &mut T, items: &[Node], table: &[Kw<T>], block: &str) {
        for node in items {
            let name = node.keyword.text.as_str();
            let found = match node.keyword.quoted {
                false => table.iter().find(|k| k.name == name),
                true => None,
            };
            match found {
                Some(kw) => self.read_known(target, node, kw),
                None => self.unknown(node, table.iter().map(|k| k.name), block),
            }
        }
    }

    /// Reads a statement whose keyword is `kw` (with the warning its status calls for).
    pub fn read_known<T>(&mut self, target: &mut T, node: &Node, kw: &Kw<T>) {
        let name = node.keyword.text.as_str();
        match kw.status {
            Status::Supported => {}
            Status::NotActedOn(why) => {
                self.warning(
                    node.keyword.span,
                    format!("`{name}` is accepted but ha does not act on it: {why}"),
                );
            }
            Status::Deprecated(new) => {
                self.warning(
                    node.keyword.span,
                    format!("`{name}` is deprecated, use `{new}`"),
                );
            }
        }
        (kw.read)(target, node, self);
    }

    /// An unknown keyword: error, suggestion, and a note that its block was skipped.
    pub fn unknown<'a>(
        &mut self,
        node: &Node,
        known: impl IntoIterator<Item = &'a str>,
        block: &str,
    ) {
        let name = &node.keyword.text;
        // `track interface {`: the words may have been meant as one keyword.
        let known: Vec<&str> = known.into_iter().collect();
        let joined = node.args.first().and_then(|a| {
            let (under, glued) = (format!("{name}_{}", a.text), format!("{name}{}", a.text));
            known.iter().copied().find(|k| *k == under || *k == glued)
        });
        let suggestion = joined.or_else(|| did_you_mean(name, known.iter().copied()));
        let skipped = if node.block.is_some() {
            " (its block is skipped)"
        } else {
            ""
        };
        let where_ = if block.is_empty() {
            "at the top level".to_string()
        } else {
            format!("in `{block}`")
        };
        let span = match joined {
            Some(_) => node.head_span(),
            None => node.keyword.span,
        };
        let d = self.error(span, format!("unknown keyword `{name}` {where_}{skipped}"));
        // `virtual_ipaddress(`: a bracket typed for the brace.
        let bracket = name
            .strip_suffix(['(', '[', '<'])
            .filter(|base| known.contains(base) || !keyword_homes(base).is_empty());
        let homes = keyword_homes(name);
        match (bracket, joined, suggestion) {
            (Some(base), _, _) => {
                d.hint(format!("a block opens with `{{`: write `{base} {{`"));
            }
            (None, Some(s), _) => {
                d.hint(format!("keywords have no spaces: did you mean `{s}`?"));
            }
            (None, None, _) if !homes.is_empty() => {
                let homes: Vec<String> = homes.iter().map(|h| format!("`{h}`")).collect();
                d.hint(format!(
                    "`{name}` belongs in {}; is a `}}` missing or misplaced above?",
                    homes.join(" or ")
                ));
            }
            (None, None, Some(s)) => {
                d.hint(format!("did you mean `{s}`?"));
            }
            (None, None, None) => {}
        }
    }

    /// The statement's block, or an error saying the keyword needs one.
    pub fn block<'n>(&mut self, node: &'n Node) -> Option<&'n [Node]> {
        match &node.block {
            Some(b) => Some(&b.items),
            None => {
                self.error(
                    node.keyword.span,
                    format!(
                        "`{}` needs a block: `{} ... {{ ... }}`",
                        node.keyword.text, node.keyword.text
                    ),
                );
                None
            }
        }
    }

    /// Complains when a keyword that takes no block has one.
    pub fn no_block(&mut self, node: &Node) {
        if let Some(b) = &node.block {
            self.error(
                b.open,
                format!("`{}` does not take a block", node.keyword.text),
            )
            .hint("remove the braces and what they hold, or check the keyword's spelling");
        }
    }

    /// The arguments, checked for count (`max` None = any number).
    pub fn args<'n>(
        &mut self,
        node: &'n Node,
        min: usize,
        max: Option<usize>,
    ) -> Option<&'n [Token]> {
        self.no_block(node);
        let n = node.args.len();
        let name = &node.keyword.text;
        if n < min {
            let want = match (min, max) {
                (1, Some(1)) => "a value".to_string(),
                (m, Some(x)) if m == x => format!("{m} values"),
                (m, _) => format!("at least {m} value{}", if m == 1 { "" } else { "s" }),
            };
            self.error(node.keyword.span, format!("`{name}` needs {want}"));
            return None;
        }
        if let Some(max) = max.filter(|&m| n > m) {
            let extra = &node.args[max];
            self.error(
                extra.span,
                format!(
                    "`{name}` takes {} value{}; `{}` is one too many",
                    max,
                    if max == 1 { "" } else { "s" },
                    extra.text
                ),
            );
        }
        Some(&node.args)
    }

    /// The single value of `keyword VALUE`.
    pub fn value<'n>(&mut self, node: &'n Node) -> Option<&'n Token> {
        self.args(node, 1, Some(1)).and_then(|a| a.first())
    }

    /// An unsigned integer within `min..=max`.
    pub fn uint(&mut self, node: &Node, min: u64, max: u64) -> Option<u64> {
        let tok = self.value(node)?;
        self.uint_token(&node.keyword.text, tok, min, max)
    }

    pub fn uint_token(&mut self, what: &str, tok: &Token, min: u64, max: u64) -> Option<u64> {
        match tok.text.parse::<u64>() {
            Ok(v) if (min..=max).contains(&v) => Some(v),
            Ok(_) => {
                self.error(tok.span, format!("`{what}` {} is out of range", tok.text))
                    .hint(format!("{what} is {min}-{max}"));
                None
            }
            Err(_) => {
                self.error(
                    tok.span,
                    format!("`{what}` wants a whole number, not `{}`", tok.text),
                )
                .hint(format!("{what} is {min}-{max}"));
                None
            }
        }
    }

    /// A signed integer within `min..=max`.
    pub fn int(&mut self, node: &Node, min: i64, max: i64) -> Option<i64> {
        let tok = self.value(node)?;
        self.int_token(&node.keyword.text, tok, min, max)
    }

    pub fn int_token(&mut self, what: &str, tok: &Token, min: i64, max: i64) -> Option<i64> {
        match tok.text.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Some(v),
            Ok(_) => {
                self.error(tok.span, format!("`{what}` {} is out of range", tok.text))
                    .hint(format!("{what} is {min} to {max}"));
                None
            }
            Err(_) => {
                self.error(
                    tok.span,
                    format!("`{what}` wants a whole number, not `{}`", tok.text),
                )
                .hint(format!("{what} is {min} to {max}"));
                None
            }
        }
    }

    /// A timer: decimal seconds with up to microsecond resolution, within `min..=max`.
    pub fn timer(&mut self, node: &Node, min: Duration, max: Duration) -> Option<Duration> {
        let tok = self.value(node)?;
        self.timer_token(&node.keyword.text, tok, min, max)
    }

    pub fn timer_token(
        &mut self,
        what: &str,
        tok: &Token,
        min: Duration,
        max: Duration,
    ) -> Option<Duration> {
        let range = || format!("{what} is {} to {} seconds", fmt_secs(min), fmt_secs(max));
        match parse_timer(&tok.text) {
            Some(d) if d >= min && d <= max => Some(d),
            Some(_) => {
                self.error(tok.span, format!("`{what}` {} is out of range", tok.text))
                    .hint(range());
                None
            }
            None => {
                self.error(
                    tok.span,
                    format!("`{what}` wants seconds (e.g. 1 or 0.5), not `{}`", tok.text),
                )
                .hint(range());
                None
            }
        }
    }

    /// A flag that may carry a boolean word: no value = true; on/off, true/false, yes/no.
    pub fn flag(&mut self, node: &Node) -> bool {
        let Some(args) = self.args(node, 0, Some(1)) else {
            return true;
        };
        match args.first() {
            None => true,
            Some(t) => match parse_bool(&t.text) {
                Some(b) => b,
                None => {
                    self.error(
                        t.span,
                        format!(
                            "`{}` takes on/off, true/false or yes/no, not `{}`",
                            node.keyword.text, t.text
                        ),
                    );
                    true
                }
            },
        }
    }

    /// One word from a fixed set (as written in keepalived's documentation).
    pub fn choice<'n>(&mut self, node: &'n Node, allowed: &[&str]) -> Option<&'n str> {
        let tok = self.value(node)?;
        self.choice_token(&node.keyword.text, tok, allowed)
    }

    pub fn choice_token<'n>(
        &mut self,
        what: &str,
        tok: &'n Token,
        allowed: &[&str],
    ) -> Option<&'n str> {
        if allowed.contains(&tok.text.as_str()) {
            return Some(&tok.text);
        }
        let d = self.error(tok.span, format!("`{what}` cannot be `{}`", tok.text));
        match did_you_mean(&tok.text, allowed.iter().copied()) {
            Some(s) => d.hint(format!("did you mean `{s}`? ({})", allowed.join(", "))),
            None => d.hint(format!("one of: {}", allowed.join(", "))),
        };
        None
    }

    /// A string value (one word or a quoted string).
    pub fn string(&mut self, node: &Node) -> Option<String> {
        self.value(node).map(|t| t.text.to_string())
    }

    /// An IPv4 or IPv6 address.
    pub fn ip(&mut self, node: &Node) -> Option<IpAddr> {
        let tok = self.value(node)?;
        self.ip_token(&node.keyword.text, tok)
    }

    pub fn ip_token(&mut self, what: &str, tok: &Token) -> Option<IpAddr> {
        match tok.text.parse() {
            Ok(ip) => Some(ip),
            Err(_) => {
                let d = self.error(
                    tok.span,
                    format!("`{what}` wants an IP address, not `{}`", tok.text),
                );
                if let Some(glued) = glued_address(&tok.text) {
                    d.hint(format!("a space is missing: `{glued}`"));
                }
                None
            }
        }
    }

    /// A script keyword, read as keepalived reads it (R30-R31): the statement's logical line
    /// is split again with quotes and escapes (`"..."`, `'...'`, `\x`); word 1 is the command,
    /// which is split the same way into argv. For the notify-type keywords words 2 and 3 are
    /// the user and group to run it as; `script` and `misc_path` take no user there. Further
    /// words are ignored, with a warning, as keepalived ignores them.
    pub fn script(&mut self, node: &Node) -> Option<Script> {
        self.no_block(node);
        let kw = node.keyword.text.as_str();
        let takes_user = !matches!(
            super::lexer::SCRIPT_KEYWORDS.iter().find(|(k, _)| *k == kw),
            Some((_, false))
        );
        let span = node.args.first().map_or(node.keyword.span, |t| t.span);
        let text = if node.text.is_empty() {
            std::iter::once(&node.keyword)
                .chain(&node.args)
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            node.text.to_string()
        };
        let words = match shell_words(&text) {
            Ok(w) => w,
            Err(e) => {
                let d = self.error(span, format!("`{kw}`: {e}"));
                if takes_user {
                    d.hint("keepalived drops this script (\"Unable to parse notify script\")");
                } else {
                    d.hint("keepalived 2.2.7 crashes on this line; note that `#` and `!` start a comment unless they are inside double quotes");
                }
                return None;
            }
        };
        let Some(command) = words.get(1) else {
            self.error(node.keyword.span, format!("`{kw}` needs a command"))
                .hint(format!("write `{kw} \"/path/to/program arguments\"`"));
            return None;
        };
        let argv = match shell_words(command) {
            Ok(v) if !v.is_empty() => v,
            Ok(_) => {
                self.error(span, format!("`{kw}` has an empty command"));
                return None;
            }
            Err(e) => {
                self.error(span, format!("`{kw}`: the command `{command}`: {e}"))
                    .hint("keepalived drops this script (\"Unable to parse script\")");
                return None;
            }
        };
        let quote_hint = || {
            format!(
                "put the command and its arguments in double quotes: `{kw} \"{}\"`",
                words[1..].join(" ")
            )
        };
        let (user, group) = if takes_user {
            if words.len() > 4 {
                self.warning(
                    span,
                    format!(
                        "`{kw}`: `{}` is ignored (after the command come only a user and a group)",
                        words[4..].join(" ")
                    ),
                )
                .hint(quote_hint());
            }
            if let Some(u) = words.get(2) {
                if u.starts_with('-') || u.contains(['/', '=']) {
                    self.warning(
                        span,
                        format!("`{kw}`: `{u}` is read as the user to run the command as"),
                    )
                    .hint(format!(
                        "keepalived reads the words after the command as a user and a group; if `{u}` is an argument, {}",
                        quote_hint()
                    ));
                }
            }
            (words.get(2).cloned(), words.get(3).cloned())
        } else {
            if words.len() > 2 {
                self.warning(
                    span,
                    format!(
                        "`{kw}`: keepalived runs only `{command}` and ignores `{}`",
                        words[2..].join(" ")
                    ),
                )
                .hint(quote_hint());
            }
            (None, None)
        };
        Some(Script {
            command: command.clone(),
            argv,
            user,
            group,
            span,
        })
    }

    /// Records that the severity of a finding depends on this host (interfaces, files,
    /// users): always a warning, never an error.
    pub fn environment(&mut self, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.diags.warning(span, msg)
    }
}

/// `connect_ip192.168.1.1` → `connect_ip 192.168.1.1`: a keyword glued to its address.
pub fn glued_address(text: &str) -> Option<String> {
    let split = text.find(|c: char| c.is_ascii_digit())?;
    let (word, rest) = text.split_at(split);
    (split > 0 && rest.parse::<IpAddr>().is_ok()).then(|| format!("{word} {rest}"))
}

/// keepalived's quoted/escaped split (R30), used on a script keyword's line and then on its
/// command: words separated by blanks outside quotes; `"..."` and `'...'` quote and join
/// (`ab"cd ef"gh` is one word); backslash escapes everywhere, also inside single quotes (`\n`,
/// `\t`, `\xHH`, `\NNN`, `\cX`, `\E`; any other character stands for itself); `\0` ends its
/// word. No `$` expansion, no globbing: keepalived runs the result without a shell.
pub fn shell_words(s: &str) -> Result<Vec<String>, String> {
    use super::lexer::{qe_split, QeError};
    match qe_split(s) {
        Ok(words) => words
            .into_iter()
            .map(|w| {
                String::from_utf8(w).map_err(|_| {
                    "an escape makes a byte that is not UTF-8, which ha does not support"
                        .to_string()
                })
            })
            .collect(),
        Err(QeError::Unterminated(q)) => Err(format!("a `{q}` is never closed")),
        Err(QeError::TrailingBackslash) => {
            Err("a `\\` ends the line with nothing to escape".into())
        }
    }
}

impl Script {
    /// keepalived runs the command through `/bin/sh -c` instead of exec (R32) when its first
    /// word is `<` followed (after optional blanks) by `/`: a test that a file is readable.
    pub fn via_shell(&self) -> bool {
        self.argv.first().is_some_and(|a| {
            a.strip_prefix('<')
                .is_some_and(|r| r.trim_start_matches([' ', '\t']).starts_with('/'))
        })
    }
}

/// keepalived's boolean words.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Some(true),
        "off" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// Decimal seconds with at most six decimals (microseconds), as keepalived's timers.
pub fn parse_timer(s: &str) -> Option<Duration> {
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 6 {
        return None;
    }
    let secs: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    // The fraction, padded to six digits with zeros: microseconds.
    let micros = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(6)
        .fold(0u64, |m, d| m * 10 + u64::from(d - b'0'));
    Duration::from_secs(secs).checked_add(Duration::from_micros(micros))
}

fn fmt_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::ast::Block;
    use crate::conf::source::FileId;

    fn tok(text: &str, col: u32) -> Token {
        Token {
            text: text.into(),
            span: Span::new(FileId(0), 1, col, text.len() as u32),
            quoted: false,
        }
    }

    fn node(words: &[&str]) -> Node {
        let mut col = 1;
        let mut toks = words.iter().map(|w| {
            let t = tok(w, col);
            col += w.len() as u32 + 1;
            t
        });
        Node {
            keyword: toks.next().unwrap(),
            args: toks.collect(),
            block: None,
            text: words.join(" ").into(),
        }
    }

    #[derive(Default, Debug)]
    struct Demo {
        priority: u64,
        nopreempt: bool,
        retry: u64,
    }

    const DEMO: &[Kw<Demo>] = &[
        Kw::new("priority", |d, n, cx| {
            if let Some(v) = cx.uint(n, 1, 255) {
                d.priority = v
            }
        }),
        Kw::new("nopreempt", |d, n, cx| d.nopreempt = cx.flag(n)),
        Kw::new("retry", |d, n, cx| {
            if let Some(v) = cx.uint(n, 0, u64::from(u32::MAX)) {
                d.retry = v
            }
        }),
        Kw::deprecated("nb_get_retry", "retry", |d, n, cx| {
            if let Some(v) = cx.uint(n, 0, u64::from(u32::MAX)) {
                d.retry = v
            }
        }),
        Kw::not_acted_on("snmp_thing", "SNMP is not supported", ignore),
    ];

    fn walk(nodes: &[Node]) -> (Demo, Diagnostics) {
        let mut diags = Diagnostics::new();
        let mut demo = Demo::default();
        Cx::new(&mut diags).walk(&mut demo, nodes, DEMO, "demo");
        (demo, diags)
    }

    fn messages(d: &Diagnostics) -> Vec<String> {
        d.iter()
            .map(|x| {
                format!(
                    "{}{}",
                    x.message,
                    x.hint
                        .as_ref()
                        .map(|h| format!(" | {h}"))
                        .unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn reads_known_keywords() {
        let (d, diags) = walk(&[node(&["priority", "100"]), node(&["nopreempt"])]);
        assert_eq!(d.priority, 100);
        assert!(d.nopreempt);
        assert!(diags.is_empty());
    }

    #[test]
    fn range_and_type_errors_explain_the_range() {
        let (_, diags) = walk(&[node(&["priority", "300"]), node(&["priority", "high"])]);
        assert_eq!(
            messages(&diags),
            [
                "`priority` 300 is out of range | priority is 1-255",
                "`priority` wants a whole number, not `high` | priority is 1-255"
            ]
        );
    }

    #[test]
    fn arity_errors() {
        let (_, diags) = walk(&[node(&["priority"]), node(&["priority", "1", "2"])]);
        assert_eq!(
            messages(&diags),
            [
                "`priority` needs a value",
                "`priority` takes 1 value; `2` is one too many"
            ]
        );
    }

    #[test]
    fn deprecated_and_not_acted_on_warn() {
        let (d, diags) = walk(&[node(&["nb_get_retry", "3"]), node(&["snmp_thing"])]);
        assert_eq!(d.retry, 3);
        assert_eq!(
            messages(&diags),
            [
                "`nb_get_retry` is deprecated, use `retry`",
                "`snmp_thing` is accepted but ha does not act on it: SNMP is not supported"
            ]
        );
        assert_eq!(diags.count(crate::conf::diag::Severity::Warning), 2);
    }

    #[test]
    fn unknown_keywords_suggest_and_skip_blocks() {
        let mut n = node(&["prority", "5"]);
        n.block = Some(Block {
            open: Span::new(FileId(0), 1, 12, 1),
            close: None,
            items: vec![node(&["priority", "999"])],
        });
        let (d, diags) = walk(&[n, node(&["no", "preempt"])]);
        assert_eq!(d.priority, 0, "the unknown block's contents are not read");
        assert_eq!(
            messages(&diags),
            [
                "unknown keyword `prority` in `demo` (its block is skipped) | did you mean `priority`?",
                "unknown keyword `no` in `demo` | keywords have no spaces: did you mean `nopreempt`?"
            ]
        );
    }

    #[test]
    fn flags_take_boolean_words() {
        let (d, _) = walk(&[node(&["nopreempt", "off"])]);
        assert!(!d.nopreempt);
        let (_, diags) = walk(&[node(&["nopreempt", "maybe"])]);
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn timers_are_decimal_seconds_to_the_microsecond() {
        assert_eq!(parse_timer("1"), Some(Duration::from_secs(1)));
        assert_eq!(parse_timer("0.05"), Some(Duration::from_millis(50)));
        assert_eq!(parse_timer(".5"), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_timer("1.000001"),
            Some(Duration::from_micros(1_000_001))
        );
        assert_eq!(parse_timer("1.0000001"), None);
        assert_eq!(parse_timer("-1"), None);
        assert_eq!(parse_timer("1e3"), None);
        assert_eq!(parse_timer("."), None);
    }

    #[test]
    fn shell_words_like_sh() {
        assert_eq!(
            shell_words("killall -0 nginx").unwrap(),
            ["killall", "-0", "nginx"]
        );
        assert_eq!(
            shell_words("/bin/sh -c 'echo a b' \"x\\\"y\" z\\ w").unwrap(),
            ["/bin/sh", "-c", "echo a b", "x\"y", "z w"]
        );
        assert_eq!(shell_words("''").unwrap(), [""]);
        assert!(shell_words("'open").is_err());
        // keepalived's escapes also work inside single quotes (R30).
        assert_eq!(shell_words("'a\\tb'").unwrap(), ["a\tb"]);
        assert!(shell_words("x\\").is_err());
    }

    /// The first statement of `text` read with [`Cx::script`]: the script and the findings.
    fn script_of(text: &str) -> (Option<Script>, Vec<String>) {
        let mut diags = Diagnostics::new();
        let lines = crate::conf::lexer::lex_text(text, FileId(0), &mut diags);
        let nodes = crate::conf::ast::build(lines, &mut diags);
        let s = Cx::new(&mut diags).script(&nodes[0]);
        (s, messages(&diags))
    }

    fn argv(text: &str) -> Vec<String> {
        script_of(text).0.unwrap().argv
    }

    // F42: the R31 table (level-1 words, then argv).
    #[test]
    fn r31_script_argv_table() {
        assert_eq!(
            argv("script \"/bin/echo 'a b' c\\\"d\\\" e\\\\ f\""),
            ["/bin/echo", "a b", "cd", "e f"]
        );
        assert_eq!(argv("script /bin/echo\\ x\\ y"), ["/bin/echo", "x", "y"]);
        assert_eq!(
            argv("script '/bin/echo \"q r\" s'"),
            ["/bin/echo", "q r", "s"]
        );
        assert_eq!(
            argv("script \"/bin/echo \\x41\\x4a\\102\\cA\\t\\|\\e\\|\\$\\|\\z\""),
            ["/bin/echo", "AJB\u{1}", "|e|$|z"]
        );
        assert_eq!(argv("script \"/bin/echo a\\#b\""), ["/bin/echo", "a#b"]);
        assert_eq!(
            argv("script \"/bin/echo a\\\\\\\\b\""),
            ["/bin/echo", "a\\b"]
        );
        let (s, m) = script_of("script \"/bin/echo $HOME\"");
        assert_eq!(s.unwrap().argv, ["/bin/echo", "$HOME"]);
        assert!(m.is_empty(), "{m:?}");
        // `\#` outside double quotes: keepalived's VRRP process cuts the line there.
        let (s, m) = script_of("script /bin/echo\\#x");
        assert_eq!(s.unwrap().argv, ["/bin/echo"]);
        assert_eq!(m.len(), 1, "{m:?}");
    }

    #[test]
    fn r31_user_group_and_extra_words() {
        let (s, m) = script_of("script \"/bin/echo #notcomment\" user");
        let s = s.unwrap();
        assert_eq!(s.argv, ["/bin/echo", "#notcomment"]);
        assert_eq!((s.user, s.group), (None, None));
        assert_eq!(
            m,
            ["`script`: keepalived runs only `/bin/echo #notcomment` and ignores `user` | put the command and its arguments in double quotes: `script \"/bin/echo #notcomment user\"`"]
        );
        let (s, m) = script_of("notify_master \"/x.sh a\" root wheel extra");
        let s = s.unwrap();
        assert_eq!(s.argv, ["/x.sh", "a"]);
        assert_eq!(s.command, "/x.sh a");
        assert_eq!(
            (s.user.as_deref(), s.group.as_deref()),
            (Some("root"), Some("wheel"))
        );
        assert_eq!(m.len(), 1);
        assert!(m[0].contains("`extra` is ignored"));
        let (s, m) = script_of("notify_master /usr/bin/foo arg1");
        assert_eq!(s.unwrap().user.as_deref(), Some("arg1"));
        assert!(m.is_empty());
        let (s, m) = script_of("notify_backup /usr/bin/foo -x");
        assert_eq!(s.unwrap().user.as_deref(), Some("-x"));
        assert_eq!(m.len(), 1);
        assert!(m[0].contains("`-x` is read as the user"));
    }

    // F43 and R30's failures.
    #[test]
    fn r31_scripts_keepalived_drops_or_crashes_on() {
        let (s, m) = script_of("notify_master");
        assert!(s.is_none());
        assert_eq!(m[0], "`notify_master` needs a command | write `notify_master \"/path/to/program arguments\"`");
        let (s, m) = script_of("notify_master \"\"");
        assert!(s.is_none());
        assert_eq!(m, ["`notify_master` has an empty command"]);
        let (s, m) = script_of("notify_master \"'open\"");
        assert!(s.is_none());
        assert!(m[0].contains("the command `'open`: a `'` is never closed"));
        let (s, m) = script_of("misc_path /x\\\\ a'b");
        assert!(s.is_none());
        assert!(m[0].contains("crashes"), "{m:?}");
        // Single quotes around `#`: keepalived cuts the comment and crashes; ha reads the
        // plain intent and the lexer warns.
        let (s, m) = script_of("script '/bin/echo #comment'");
        assert_eq!(s.unwrap().argv, ["/bin/echo", "#comment"]);
        assert_eq!(m.len(), 1);
        assert!(m[0].contains("inside single quotes"));
    }

    // R32: the `<` form runs through /bin/sh.
    #[test]
    fn r32_shell_form() {
        assert!(script_of("script \"</etc/passwd\"").0.unwrap().via_shell());
        assert!(script_of("script \"<\\\\ /etc/passwd\"")
            .0
            .unwrap()
            .via_shell());
        assert!(!script_of("script \"< /etc/passwd\"").0.unwrap().via_shell());
        assert!(!script_of("script /bin/true").0.unwrap().via_shell());
    }

    #[test]
    fn glued_addresses_are_recognised() {
        assert_eq!(
            glued_address("connect_ip192.168.155.11").as_deref(),
            Some("connect_ip 192.168.155.11")
        );
        assert_eq!(glued_address("192.168.1.1"), None);
        assert_eq!(glued_address("eth0"), None);
    }
}
