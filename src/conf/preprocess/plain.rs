//! The common line, read without the general rules. Nearly every line of a configuration
//! is printable ASCII with no quote, comment, escape, `$`, `@` or `~`: of R1-R19 only the
//! trimming of blanks (R4) and brace splitting (R17) apply to it. Such a line is split and
//! tokenized in one pass here, with exact columns, and handed on as statements and lone
//! braces; any other line takes the general path (`file_line`, `process`), which gives the
//! same result for these lines, only slower.

use super::{skip_blanks, trim_end_blanks, Cols, Item, Origin, Pre, Source, KEEPALIVED_LINE_MAX};
use crate::conf::ast::{Node, Token};
use crate::conf::lexer::{self, is_blank};
use crate::conf::source::Span;
use crate::conf::text::Text;

/// The bytes that need the general rules: all but printable ASCII and tab, and the
/// characters R4-R16 act on (`"`, `'`, `\`, `!`, `#`, `$`, `@`, `~`).
static GENERAL: [bool; 256] = {
    let mut t = [true; 256];
    let mut b = 0x20;
    while b < 0x7f {
        t[b] = false;
        b += 1;
    }
    t[b'\t' as usize] = false;
    let special = b"\"'\\!#$@~";
    let mut i = 0;
    while i < special.len() {
        t[special[i] as usize] = true;
        i += 1;
    }
    t
};

impl Pre<'_> {
    /// Reads `raw` (a physical line of a file, no multiline definition being collected)
    /// when it is a plain line; false, with nothing done, when it needs the general path.
    pub(super) fn plain_line(&mut self, raw: &str, at: Origin) -> bool {
        let b = raw.as_bytes();
        if b.len() > KEEPALIVED_LINE_MAX || b.iter().any(|&c| GENERAL[usize::from(c)]) {
            return false;
        }
        let lead = b.iter().position(|&c| !is_blank(c)).unwrap_or(b.len());
        let end = trim_end_blanks(b, b.len());
        self.cur.text.clear();
        self.cur.at = at;
        if lead >= end {
            return true;
        }
        if lexer::include_directive(&raw[lead..end]).is_some() {
            return false;
        }
        let mut pos = lead;
        loop {
            let next = match b[pos..end].iter().position(|&c| c == b'{' || c == b'}') {
                None => {
                    self.plain_statement(raw, pos, end, at);
                    return true;
                }
                Some(0) => {
                    self.plain_brace(b[pos] == b'{', pos, at);
                    let r = skip_blanks(&b[..end], pos + 1);
                    if r >= end {
                        return true;
                    }
                    r
                }
                Some(p) => {
                    self.plain_statement(raw, pos, trim_end_blanks(b, pos + p), at);
                    pos + p
                }
            };
            if lexer::include_directive(&raw[next..end]).is_some() {
                // The rest is an include: the general path reads it, as the residue of
                // this line.
                self.plain_residue(raw, lead, next, end, at);
                return true;
            }
            pos = next;
        }
    }

    /// The words of `raw[start..end]` (no brace, not empty) as one statement.
    fn plain_statement(&mut self, raw: &str, start: usize, end: usize, at: Origin) {
        let b = raw.as_bytes();
        let mut tokens = std::mem::take(&mut self.tokens);
        tokens.clear();
        let mut i = start;
        while i < end {
            if is_blank(b[i]) {
                i += 1;
                continue;
            }
            let w = i;
            while i < end && !is_blank(b[i]) {
                i += 1;
            }
            // Columns: one per byte, from 1 (ASCII, nothing removed before it).
            tokens.push(Token {
                text: Text::from(&raw[w..i]),
                span: Span::new(at.file, at.line, w as u32 + 1, (i - w) as u32),
                quoted: false,
            });
        }
        let mut words = tokens.drain(..);
        let keyword = words.next();
        let args: Vec<Token> = words.collect();
        self.tokens = tokens;
        if let Some(keyword) = keyword {
            self.track_statement(&keyword, &args);
            self.out.push(Item::Statement(Node {
                keyword,
                args,
                block: None,
                text: Text::from(&raw[start..end]),
            }));
        }
    }

    fn plain_brace(&mut self, open: bool, at_byte: usize, at: Origin) {
        let span = Span::new(at.file, at.line, at_byte as u32 + 1, 1);
        if open {
            if self.track_open(span) {
                self.out.push(Item::Open(span));
            }
        } else if self.track_close() {
            self.out.push(Item::Close(span));
        }
    }

    /// Hands `raw[next..end]` to the general path as the residue of the line
    /// `raw[lead..end]`, as `split_and_emit` does.
    fn plain_residue(&mut self, raw: &str, lead: usize, next: usize, end: usize, at: Origin) {
        self.cur.text.push_str(&raw[lead..end]);
        let mut cols = Cols::new(lead as u32 + 1, usize::MAX);
        cols.advance(&self.cur.text, next - lead);
        self.cur.at = at;
        self.cur.cols = None;
        self.cur.chain = None;
        self.cur.source = Source::File;
        self.cur.raw_include = false;
        self.cur.quote_reported = false;
        self.make_residue(next - lead, end - lead, Some(cols));
        self.cur.text.clear();
    }
}
