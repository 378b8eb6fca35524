//! Keyword tables and the checked readers of their values.
//!
//! Every block of keepalived.conf is a table of [`Kw`]: name, status (acted on, accepted but
//! not acted on, deprecated spelling) and a function that reads the statement into the typed
//! model. Walking a block against its table gives unknown-keyword errors with "did you mean"
//! hints, and the same tables generate docs/COMPATIBILITY.md.

use std::net::IpAddr;
use std::time::Duration;

use super::ast::{Node, Token};
use super::diag::{did_you_mean, Diagnostic, Diagnostics, Severity};
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
            match table
                .iter()
                .find(|k| k.name == name && !node.keyword.quoted)
            {
                Some(kw) => {
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
                None => self.unknown(node, table.iter().map(|k| k.name), block),
            }
        }
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
        match (joined, suggestion) {
            (Some(s), _) => {
                d.hint(format!("keywords have no spaces: did you mean `{s}`?"));
            }
            (None, Some(s)) => {
                d.hint(format!("did you mean `{s}`?"));
            }
            (None, None) => {}
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
        self.value(node).map(|t| t.text.clone())
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

    /// A script keyword: `keyword COMMAND [USER [GROUP]]` (COMMAND usually quoted).
    pub fn script(&mut self, node: &Node) -> Option<Script> {
        let args = self.args(node, 1, Some(3))?;
        let cmd = &args[0];
        let argv = match shell_words(&cmd.text) {
            Ok(v) if !v.is_empty() => v,
            Ok(_) => {
                self.error(
                    cmd.span,
                    format!("`{}` has an empty command", node.keyword.text),
                );
                return None;
            }
            Err(e) => {
                self.error(cmd.span, format!("`{}`: {e}", node.keyword.text));
                return None;
            }
        };
        Some(Script {
            command: cmd.text.clone(),
            argv,
            user: args.get(1).map(|t| t.text.clone()),
            group: args.get(2).map(|t| t.text.clone()),
            span: cmd.span,
        })
    }

    /// Records that the severity of a finding depends on this host (interfaces, files,
    /// users): always a warning, never an error.
    pub fn environment(&mut self, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.diags.warning(span, msg)
    }

    pub fn count(&self, sev: Severity) -> usize {
        self.diags.count(sev)
    }
}

/// `connect_ip192.168.1.1` → `connect_ip 192.168.1.1`: a keyword glued to its address.
pub fn glued_address(text: &str) -> Option<String> {
    let split = text.find(|c: char| c.is_ascii_digit())?;
    let (word, rest) = text.split_at(split);
    (split > 0 && rest.parse::<IpAddr>().is_ok()).then(|| format!("{word} {rest}"))
}

/// Splits a command line into words as a POSIX shell would for a simple command: single
/// quotes literal, double quotes with `\\` escapes, backslash escapes outside quotes.
pub fn shell_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => cur.push(ch),
                        None => return Err("a single quote is never closed".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => cur.push(ch),
                            Some(ch) => {
                                cur.push('\\');
                                cur.push(ch);
                            }
                            None => return Err("a double quote is never closed".into()),
                        },
                        Some(ch) => cur.push(ch),
                        None => return Err("a double quote is never closed".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(ch) = chars.next() {
                    cur.push(ch);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
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
    let micros: u64 = format!("{frac:0<6}").parse().ok()?;
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
            text: words.join(" "),
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
        assert_eq!(diags.count(Severity::Warning), 2);
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
