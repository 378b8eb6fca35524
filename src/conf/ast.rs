//! The syntax tree: statements (a keyword, its arguments, and possibly a block) built from
//! the preprocessed lines by matching braces. A brace may stand on the keyword's line, on the
//! next line, or hold a whole block on one line.

use super::diag::Diagnostics;
use super::source::Span;
use super::text::Text;

/// One word of the configuration after preprocessing, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: Text,
    pub span: Span,
    /// Written in double quotes: never a brace, comment or keyword marker.
    pub quoted: bool,
}

impl Token {
    pub fn is(&self, s: &str) -> bool {
        !self.quoted && self.text == s
    }
}

/// One logical line: its text after preprocessing and its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The logical line as keepalived's handlers see it (script keywords re-parse it).
    pub text: Text,
    pub tokens: Vec<Token>,
}

/// What the preprocessor hands on: a logical line, or, from its path for the common line,
/// the pieces of one already split (a statement without braces, a lone brace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Line(Line),
    /// A statement without a block: the line had no brace.
    Statement(Node),
    /// A `{` standing alone.
    Open(Span),
    /// A `}` standing alone.
    Close(Span),
}

impl Item {
    /// The item as the logical line it stands for.
    pub fn into_line(self) -> Line {
        let brace = |text: &str, span| Line {
            text: Text::new(),
            tokens: vec![Token {
                text: text.into(),
                span,
                quoted: false,
            }],
        };
        match self {
            Item::Line(l) => l,
            Item::Statement(n) => {
                let mut tokens = Vec::with_capacity(1 + n.args.len());
                tokens.push(n.keyword);
                tokens.extend(n.args);
                Line {
                    text: n.text,
                    tokens,
                }
            }
            Item::Open(span) => brace("{", span),
            Item::Close(span) => brace("}", span),
        }
    }
}

/// The arguments of a statement. Most statements have one: it is kept inline, so reading
/// a large configuration does not allocate a list for each line.
#[derive(Clone, Default)]
pub enum Args {
    #[default]
    None,
    One(Token),
    Many(Vec<Token>),
}

impl Args {
    pub fn as_slice(&self) -> &[Token] {
        match self {
            Args::None => &[],
            Args::One(t) => std::slice::from_ref(t),
            Args::Many(v) => v,
        }
    }

    pub fn into_vec(self) -> Vec<Token> {
        match self {
            Args::None => Vec::new(),
            Args::One(t) => vec![t],
            Args::Many(v) => v,
        }
    }
}

impl From<Vec<Token>> for Args {
    fn from(mut v: Vec<Token>) -> Self {
        match v.len() {
            0 => Args::None,
            1 => v.pop().map_or(Args::None, Args::One),
            _ => Args::Many(v),
        }
    }
}

impl FromIterator<Token> for Args {
    fn from_iter<I: IntoIterator<Item = Token>>(iter: I) -> Self {
        let mut it = iter.into_iter();
        let Some(first) = it.next() else {
            return Args::None;
        };
        let Some(second) = it.next() else {
            return Args::One(first);
        };
        let mut v = Vec::with_capacity(2 + it.size_hint().0);
        v.push(first);
        v.push(second);
        v.extend(it);
        Args::Many(v)
    }
}

impl std::ops::Deref for Args {
    type Target = [Token];
    fn deref(&self) -> &[Token] {
        self.as_slice()
    }
}

impl<'a> IntoIterator for &'a Args {
    type Item = &'a Token;
    type IntoIter = std::slice::Iter<'a, Token>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl IntoIterator for Args {
    type Item = Token;
    type IntoIter = std::vec::IntoIter<Token>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl PartialEq for Args {
    fn eq(&self, other: &Args) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Args {}

impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_slice(), f)
    }
}

/// A statement: `keyword args... [{ items }]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub keyword: Token,
    pub args: Args,
    pub block: Option<Block>,
    /// The statement's logical line (without braces), for keywords that re-parse it.
    pub text: Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Where `{` stands.
    pub open: Span,
    /// Where `}` stands; None when the file ended first.
    pub close: Option<Span>,
    pub items: Vec<Node>,
}

impl Node {
    /// The span from the keyword to its last argument (for carets).
    pub fn head_span(&self) -> Span {
        let k = self.keyword.span;
        match self.args.last() {
            Some(last) if last.span.file == k.file && last.span.line == k.line => Span {
                len: (last.span.col + last.span.len).saturating_sub(k.col),
                ..k
            },
            _ => k,
        }
    }
}

/// Builds the tree; brace mistakes become diagnostics and the tree stays usable.
pub fn build(lines: impl IntoIterator<Item = Line>, diags: &mut Diagnostics) -> Vec<Node> {
    let mut b = TreeBuilder::new();
    for line in lines {
        b.line(line, diags);
    }
    b.finish(diags)
}

/// Builds the tree line by line. Finished top-level statements can be taken out as soon as
/// they are complete ([`TreeBuilder::take_finished`]), so a large configuration is never
/// held as one whole tree.
pub struct TreeBuilder {
    stack: Vec<Frame>,
    /// The current line's text when it holds one statement and no brace.
    text: Option<Text>,
    /// Emptied item lists of blocks already read, for the next blocks (see
    /// [`TreeBuilder::recycle`]).
    spare: Vec<Vec<Node>>,
}

/// Item lists kept for reuse; a top-level block rarely has more blocks than this.
const SPARE_LISTS: usize = 256;

impl Default for TreeBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TreeBuilder {
    pub fn new() -> Self {
        TreeBuilder {
            stack: vec![Frame {
                open: None,
                items: Vec::new(),
            }],
            text: None,
            spare: Vec::new(),
        }
    }

    /// Takes back a statement that has been read: its blocks' item lists are kept for the
    /// blocks to come, so a large configuration does not allocate a list per block.
    pub fn recycle(&mut self, mut node: Node) {
        self.recycle_blocks(&mut node);
    }

    fn recycle_blocks(&mut self, node: &mut Node) {
        let Some(block) = node.block.take() else {
            return;
        };
        let mut items = block.items;
        for n in &mut items {
            if n.block.is_some() {
                self.recycle_blocks(n);
            }
        }
        items.clear();
        // Small lists only: one huge block must not stay allocated.
        if self.spare.len() < SPARE_LISTS && items.capacity() <= 64 {
            self.spare.push(items);
        }
    }

    /// Adds what the preprocessor handed on.
    pub fn item(&mut self, item: Item, diags: &mut Diagnostics) {
        match item {
            Item::Line(line) => self.line(line, diags),
            Item::Statement(node) => self.statement(node),
            Item::Open(span) => {
                self.text = None;
                Builder { tree: self, diags }.open_block(Vec::new(), span, true);
            }
            Item::Close(span) => {
                self.text = None;
                Builder { tree: self, diags }.close_block(span);
            }
        }
    }

    /// Adds a statement without a block (a line without braces).
    pub fn statement(&mut self, node: Node) {
        self.text = None;
        let last = self.stack.len() - 1;
        self.stack[last].items.push(node);
    }

    /// Adds one logical line.
    pub fn line(&mut self, line: Line, diags: &mut Diagnostics) {
        let mut b = Builder { tree: self, diags };
        let has_brace = line.tokens.iter().any(|t| t.is("{") || t.is("}"));
        if !has_brace {
            // The common case: the line is one statement, its token list becomes the node's.
            b.tree.text = Some(line.text);
            b.emit(line.tokens);
            return;
        }
        b.tree.text = None;
        let mut stmt: Vec<Token> = Vec::new();
        let mut at_line_start = true;
        for tok in line.tokens {
            if tok.is("{") {
                b.open_block(std::mem::take(&mut stmt), tok.span, at_line_start);
            } else if tok.is("}") {
                b.emit(std::mem::take(&mut stmt));
                b.close_block(tok.span);
            } else {
                stmt.push(tok);
            }
            at_line_start = false;
        }
        b.emit(stmt);
    }

    /// The top-level statements that are complete: every one before the last, since a `{`
    /// on the next line may still open the last one's block.
    pub fn take_finished(&mut self) -> std::vec::Drain<'_, Node> {
        // Inside a block, the last top-level statement is the one whose block is open.
        let items = &mut self.stack[0].items;
        let done = items.len().saturating_sub(1);
        items.drain(..done)
    }

    /// Closes what is still open (each unclosed block is an error) and returns the
    /// statements not yet taken.
    pub fn finish(mut self, diags: &mut Diagnostics) -> Vec<Node> {
        Builder {
            tree: &mut self,
            diags,
        }
        .finish()
    }
}

struct Frame {
    /// The `{` of this block (None for the top level).
    open: Option<Span>,
    items: Vec<Node>,
}

struct Builder<'t, 'd> {
    tree: &'t mut TreeBuilder,
    diags: &'d mut Diagnostics,
}

impl Builder<'_, '_> {
    fn top(&mut self) -> &mut Frame {
        let last = self.tree.stack.len() - 1;
        &mut self.tree.stack[last]
    }

    fn emit(&mut self, stmt: Vec<Token>) {
        if stmt.is_empty() {
            return;
        }
        let text = self.tree.text.take().unwrap_or_else(|| {
            stmt.iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
                .into()
        });
        let mut it = stmt.into_iter();
        if let Some(keyword) = it.next() {
            self.top().items.push(Node {
                keyword,
                args: it.collect(),
                block: None,
                text,
            });
        }
    }

    /// `{` after `stmt`. With nothing before it on its line, it opens the block of the
    /// statement on the previous line.
    fn open_block(&mut self, stmt: Vec<Token>, at: Span, at_line_start: bool) {
        if stmt.is_empty() {
            let owner_ready =
                at_line_start && self.top().items.last().is_some_and(|n| n.block.is_none());
            if !owner_ready {
                self.diags
                    .error(at, "`{` without a keyword before it")
                    .hint("a block belongs to the keyword on the same line or the line above");
            }
        } else {
            self.emit(stmt);
        }
        if self.top().items.is_empty() {
            // A stray brace at the start of a block: keep its contents under a placeholder
            // so they are still checked.
            self.top().items.push(Node {
                keyword: Token {
                    text: "{".into(),
                    span: at,
                    quoted: false,
                },
                args: Args::None,
                block: None,
                text: Text::new(),
            });
        }
        let items = self.tree.spare.pop().unwrap_or_default();
        self.tree.stack.push(Frame {
            open: Some(at),
            items,
        });
    }

    fn close_block(&mut self, at: Span) {
        if self.tree.stack.len() == 1 {
            self.diags
                .error(at, "`}` closes no block")
                .hint("remove it, or look for a `{` missing above");
            return;
        }
        let frame = self.tree.stack.pop().unwrap_or(Frame {
            open: None,
            items: Vec::new(),
        });
        self.attach(frame, Some(at));
    }

    /// Hands a finished block to the statement that opened it.
    fn attach(&mut self, frame: Frame, close: Option<Span>) {
        let open =
            frame
                .open
                .unwrap_or(close.unwrap_or(Span::new(super::source::FileId(0), 1, 1, 1)));
        let block = Block {
            open,
            close,
            items: frame.items,
        };
        match self.top().items.last_mut() {
            Some(owner) if owner.block.is_none() => owner.block = Some(block),
            // The brace followed a statement that already has a block: keep the contents.
            _ => self.top().items.push(Node {
                keyword: Token {
                    text: "{".into(),
                    span: open,
                    quoted: false,
                },
                args: Args::None,
                block: Some(block),
                text: Text::new(),
            }),
        }
    }

    fn finish(mut self) -> Vec<Node> {
        while self.tree.stack.len() > 1 {
            let frame = self.tree.stack.pop().unwrap_or(Frame {
                open: None,
                items: Vec::new(),
            });
            if let Some(open) = frame.open {
                let owner = self
                    .top()
                    .items
                    .last()
                    .map(|n| n.keyword.text.to_string())
                    .unwrap_or_default();
                self.diags
                    .error(open, format!("the block of `{owner}` is never closed"))
                    .hint("add the missing `}` where the block ends");
            }
            self.attach(frame, None);
        }
        self.tree.stack.pop().map(|f| f.items).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::source::FileId;

    /// Splits test text into lines of whitespace-separated tokens, braces included.
    fn lines(text: &str) -> Vec<Line> {
        text.lines()
            .enumerate()
            .map(|(i, l)| Line {
                text: l.into(),
                tokens: l
                    .split_whitespace()
                    .map(|w| Token {
                        text: w.into(),
                        span: Span::new(FileId(0), i as u32 + 1, 1, w.len() as u32),
                        quoted: false,
                    })
                    .collect(),
            })
            .collect()
    }

    /// The tree as `kw(args){...}` text, for compact assertions.
    fn shape(nodes: &[Node]) -> String {
        nodes
            .iter()
            .map(|n| {
                let args: Vec<&str> = n.args.iter().map(|a| a.text.as_str()).collect();
                let mut s = format!("{}({})", n.keyword.text, args.join(","));
                if let Some(b) = &n.block {
                    s.push_str(&format!("{{{}}}", shape(&b.items)));
                }
                s
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn parse(text: &str) -> (String, Diagnostics) {
        let mut d = Diagnostics::new();
        let nodes = build(lines(text), &mut d);
        (shape(&nodes), d)
    }

    #[test]
    fn one_argument_is_kept_inline() {
        assert_eq!(std::mem::size_of::<Args>(), std::mem::size_of::<Token>());
        let t = |s: &str| Token {
            text: s.into(),
            span: Span::new(FileId(0), 1, 1, 1),
            quoted: false,
        };
        let one: Args = vec![t("a")].into();
        assert!(matches!(one, Args::One(_)));
        let two: Args = vec![t("a"), t("b")].into_iter().collect();
        assert_eq!(two.len(), 2);
        assert_eq!(Args::from(Vec::new()), Args::None);
        assert_eq!(Args::Many(vec![t("a")]), one);
        assert_eq!(format!("{:?}", Args::None), "[]");
    }

    #[test]
    fn brace_on_the_same_line() {
        let (s, d) = parse("vrrp_instance VI_1 {\n state MASTER\n}");
        assert_eq!(s, "vrrp_instance(VI_1){state(MASTER)}");
        assert!(d.is_empty());
    }

    #[test]
    fn brace_on_the_next_line() {
        let (s, d) = parse("global_defs\n{\n router_id A\n}");
        assert_eq!(s, "global_defs(){router_id(A)}");
        assert!(d.is_empty());
    }

    #[test]
    fn whole_block_on_one_line_and_nesting() {
        let (s, d) = parse("vi { virtual_ipaddress { 10.0.0.1 10.0.0.2 } }\nnext x");
        assert_eq!(s, "vi(){virtual_ipaddress(){10.0.0.1(10.0.0.2)}} next(x)");
        assert!(d.is_empty());
    }

    #[test]
    fn unclosed_block_reported_where_it_opened() {
        let (s, d) = parse("a {\n b {\n c\n");
        assert_eq!(s, "a(){b(){c()}}");
        assert_eq!(d.count(crate::conf::diag::Severity::Error), 2);
        let msgs: Vec<_> = d.iter().map(|x| x.message.clone()).collect();
        assert!(msgs.contains(&"the block of `b` is never closed".to_string()));
        assert!(msgs.contains(&"the block of `a` is never closed".to_string()));
    }

    #[test]
    fn stray_closing_brace() {
        let (s, d) = parse("a x\n}\nb y");
        assert_eq!(s, "a(x) b(y)");
        assert_eq!(d.iter().next().unwrap().message, "`}` closes no block");
    }

    #[test]
    fn brace_without_keyword_keeps_contents() {
        let (s, d) = parse("a { }\n{\n c\n}");
        assert_eq!(s, "a(){} {(){c()}");
        assert_eq!(d.len(), 1);
    }
}
