//! The line-level rules of keepalived.conf, as keepalived 2.2.7 applies them (rule numbers
//! R1-R33 refer to the research note `lexer-spec.md`):
//!
//! * [`decomment`]: leading and trailing blanks, `!`/`#` comments outside double quotes,
//!   `\#` and `\!` escapes, a final `\` (R4);
//! * [`include_directive`]: `include` and `includer|m|w|b|a` lines (R7);
//! * [`brace_split`]: where a logical line is cut so every unquoted `{`/`}` stands alone (R17);
//! * [`tokenize`]: the words of a logical line, with their source columns (R19);
//! * [`qe_split`]: the quoted/escaped re-parse that script keywords apply to their line (R30).
//!
//! Everything here works on one line and allocates only its results; the preprocessor
//! (`preprocess.rs`) strings the rules together.

use super::ast::Token;
use super::source::Span;
use super::text::Text;

/// Stands for a `{` that must not act as a block delimiter (the braces of a `${...}` that
/// was not substituted). Turned back into `{` when the line is tokenized.
pub const PROTECTED_OPEN: char = '\u{FDD0}';
/// The `}` counterpart of [`PROTECTED_OPEN`].
pub const PROTECTED_CLOSE: char = '\u{FDD1}';

/// Keywords whose handlers re-parse their line as a command (R31): the name, and whether
/// words 2 and 3 of the line are the user and group to run it as.
pub const SCRIPT_KEYWORDS: &[(&str, bool)] = &[
    ("notify_master", true),
    ("notify_backup", true),
    ("notify_fault", true),
    ("notify_stop", true),
    ("notify_deleted", true),
    ("notify", true),
    ("notify_master_rx_lower_pri", true),
    ("notify_up", true),
    ("notify_down", true),
    ("quorum_up", true),
    ("quorum_down", true),
    ("startup_script", true),
    ("shutdown_script", true),
    ("notify_fifo_script", true),
    ("vrrp_notify_fifo_script", true),
    ("lvs_notify_fifo_script", true),
    ("script", false),
    ("misc_path", false),
];

/// C's `isspace` in the C locale: the separators of R19 and R30.
#[inline]
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// C's `isblank`: space and tab, the only characters R4 trims.
#[inline]
pub fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Letters, digits and `_`: the characters of a definition name (R10).
#[inline]
pub fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[inline]
pub fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

/// Whether the line (after leading blanks and an optional `@id` prefix) starts with a
/// keyword from [`SCRIPT_KEYWORDS`].
pub fn is_script_line(line: &str) -> bool {
    let mut s = line.trim_start_matches([' ', '\t']);
    if s.starts_with('@') {
        match s.find([' ', '\t']) {
            Some(i) => s = s[i..].trim_start_matches([' ', '\t']),
            None => return false,
        }
    }
    let end = s.bytes().position(is_space).unwrap_or(s.len());
    let word = &s[..end];
    SCRIPT_KEYWORDS.iter().any(|(k, _)| *k == word)
}

/// What [`decomment`] found on a line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Decomment {
    /// Bytes of leading blanks removed.
    pub lead: usize,
    /// A `"` was still open at the end (offset of that quote in the input).
    pub unterminated_quote: Option<usize>,
    /// The line ended in a backslash (kept as the last character of the result).
    pub continued: bool,
    /// Some `\#` or `\!` lost its backslash.
    pub escapes: bool,
    /// A comment was cut off.
    pub comment: bool,
    /// A `#` or `!` inside single quotes was kept (script lines only; keepalived cuts there).
    pub kept_in_single_quotes: bool,
    /// The comment starts right after a word and is followed by more text (`a#b`): the
    /// input offset of its `#`/`!`.
    pub glued_comment: Option<usize>,
}

/// R4: removes leading blanks, a comment (`!` or `#` outside double quotes), trailing
/// blanks, and the backslash of `\#` / `\!` outside double quotes; a final `\` is kept right
/// after the last non-blank character. The result goes to `out`; `removed` receives, for each
/// backslash taken out, the offset in `out` of the character that followed it.
///
/// With `single_quotes_protect` (script lines), a `#`/`!` inside a closed pair of single
/// quotes is kept, and `"` inside single quotes is literal.
pub fn decomment(
    line: &str,
    single_quotes_protect: bool,
    out: &mut String,
    removed: &mut Vec<u32>,
) -> Decomment {
    out.clear();
    removed.clear();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() && is_blank(b[i]) {
        i += 1;
    }
    let mut d = Decomment {
        lead: i,
        ..Decomment::default()
    };
    if !b[i..]
        .iter()
        .any(|&c| matches!(c, b'"' | b'\\' | b'!' | b'#' | b'\''))
    {
        // The common line: nothing but blanks to trim.
        let end = line.trim_end_matches([' ', '\t']).len().max(i);
        out.push_str(&line[i..end]);
        return d;
    }
    let mut quote: Option<usize> = None;
    let mut squote = false;
    let mut sq_candidate: Option<usize> = None;
    let mut skip: Option<usize> = None;
    let mut seg = i;
    let mut cut_tail = false;
    while i < b.len() {
        match b[i] {
            b'"' => {
                if skip.is_none() && !squote {
                    quote = if quote.is_some() { None } else { Some(i) };
                }
                i += 1;
            }
            b'\'' if single_quotes_protect && quote.is_none() && skip.is_none() => {
                if squote && sq_candidate.take().is_some() {
                    d.kept_in_single_quotes = true;
                }
                squote = !squote;
                i += 1;
            }
            b'\\' => {
                if i + 1 < b.len() {
                    if quote.is_none() && (b[i + 1] == b'#' || b[i + 1] == b'!') {
                        out.push_str(&line[seg..i]);
                        removed.push(out.len() as u32);
                        d.escapes = true;
                        seg = i + 1;
                    }
                    i += 2;
                } else {
                    out.push_str(&line[seg..i]);
                    seg = b.len();
                    cut_tail = true;
                    d.continued = true;
                    break;
                }
            }
            b'!' | b'#' => {
                if quote.is_none() && skip.is_none() {
                    let at = out.len() + (i - seg);
                    if squote {
                        sq_candidate.get_or_insert(at);
                    } else {
                        skip = Some(at);
                        if i > d.lead
                            && !is_space(b[i - 1])
                            && b.get(i + 1).is_some_and(|&c| !is_space(c))
                        {
                            d.glued_comment = Some(i);
                        }
                    }
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    if !cut_tail {
        out.push_str(&line[seg..]);
    }
    if let Some(c) = sq_candidate {
        // The single quote never closed: keepalived's reading applies.
        skip = Some(skip.map_or(c, |s| s.min(c)));
    }
    d.unterminated_quote = quote;
    if let Some(s) = skip {
        out.truncate(s);
        d.comment = true;
    }
    let trimmed = out.trim_end_matches([' ', '\t']).len();
    out.truncate(trimmed);
    if d.continued {
        out.push('\\');
    }
    if let Some(pos) = removed.iter().position(|&r| r as usize >= out.len()) {
        removed.truncate(pos);
    }
    d
}

/// Flags of an include (R8): which failures are errors.
pub const INCLUDE_R: u8 = 1;
pub const INCLUDE_M: u8 = 2;
pub const INCLUDE_W: u8 = 4;
pub const INCLUDE_B: u8 = 8;
pub const INCLUDE_ALL: u8 = INCLUDE_R | INCLUDE_M | INCLUDE_W | INCLUDE_B;

/// An include line (R7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Include {
    /// `include`, `includer`, ... as written.
    pub directive: &'static str,
    pub flags: u8,
    /// Byte offset of the pattern in the line (it runs to the end of the line).
    pub pattern_at: usize,
}

/// R7: `include` + whitespace, or `include` + one of `rmwba` + whitespace, at the start.
pub fn include_directive(line: &str) -> Option<Include> {
    let b = line.as_bytes();
    if !line.starts_with("include") || b.len() < 8 {
        return None;
    }
    let (directive, flags, mut at) = if is_space(b[7]) {
        ("include", 0, 8)
    } else if b.len() >= 9 && is_space(b[8]) {
        match b[7] {
            b'r' => ("includer", INCLUDE_R, 9),
            b'm' => ("includem", INCLUDE_R | INCLUDE_M, 9),
            b'w' => ("includew", INCLUDE_R | INCLUDE_M | INCLUDE_W, 9),
            b'b' => ("includeb", INCLUDE_R | INCLUDE_B, 9),
            b'a' => ("includea", INCLUDE_ALL, 9),
            _ => return None,
        }
    } else {
        return None;
    };
    while at < b.len() && is_blank(b[at]) {
        at += 1;
    }
    Some(Include {
        directive,
        flags,
        pattern_at: at,
    })
}

/// R17: where the line must be cut so that its first unquoted `{` or `}` starts a line of
/// its own: `Some(0)` when the line starts with a brace, `None` when it has none (or an
/// unclosed `"` stops the scan). With `single_quotes_protect` (script lines), braces inside
/// a closed pair of single quotes are skipped; the flag says that happened.
pub fn brace_split(line: &str, single_quotes_protect: bool) -> (Option<usize>, bool) {
    let b = line.as_bytes();
    let mut skipped_single = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' | b'}' => return (Some(i), skipped_single),
            b'"' => match b[i + 1..].iter().position(|&c| c == b'"') {
                Some(j) => i += j + 2,
                None => return (None, skipped_single),
            },
            b'\'' if single_quotes_protect => match b[i + 1..].iter().position(|&c| c == b'\'') {
                Some(j) => {
                    if b[i + 1..i + 1 + j].iter().any(|&c| c == b'{' || c == b'}') {
                        skipped_single = true;
                    }
                    i += j + 2;
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    (None, skipped_single)
}

/// Where the characters of a text stand in its source line, when they still stand there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cols {
    /// Column (1-based, in characters) of the text's first character.
    pub col0: u32,
    /// Offsets in the text of characters whose backslash (`\#`, `\!`) was removed.
    pub removed: Vec<u32>,
    /// Bytes from here on were produced by substitution: no exact column.
    pub exact_upto: usize,
}

impl Cols {
    pub fn new(col0: u32, exact_upto: usize) -> Self {
        Cols {
            col0,
            removed: Vec::new(),
            exact_upto,
        }
    }

    /// The column of byte offset `i` of `text`.
    pub fn col_at(&self, text: &str, i: usize) -> u32 {
        let i = i.min(text.len());
        let chars = if text.is_char_boundary(i) {
            text[..i].chars().count()
        } else {
            i
        };
        let before = self.removed.iter().filter(|&&r| r as usize <= i).count();
        self.col0
            .saturating_add(chars as u32)
            .saturating_add(before as u32)
    }

    /// The text loses its first `n` bytes.
    pub fn advance(&mut self, text: &str, n: usize) {
        let n = n.min(text.len());
        let chars = if text.is_char_boundary(n) {
            text[..n].chars().count()
        } else {
            n
        };
        let before = self.removed.iter().filter(|&&r| (r as usize) < n).count();
        self.col0 = self
            .col0
            .saturating_add(chars as u32)
            .saturating_add(before as u32);
        self.removed.retain(|&r| r as usize >= n);
        for r in &mut self.removed {
            *r -= n as u32;
        }
        self.exact_upto = self.exact_upto.saturating_sub(n);
    }
}

/// The words of a logical line (R19).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokenized {
    pub tokens: Vec<Token>,
    /// A `"` without its closing quote: its byte offset (tokenizing stopped there).
    pub unmatched_quote: Option<usize>,
}

/// R19: words separated by whitespace; a word starting with `"` runs to the next `"` (its
/// text without the quotes, possibly empty); any other word runs to whitespace or a `"`. No
/// escapes. Tokens inside `cols.exact_upto` get their exact columns, the others `whole`.
pub fn tokenize(text: &str, cols: Option<&Cols>, whole: Span) -> Tokenized {
    let b = text.as_bytes();
    let ascii = text.is_ascii();
    // An upper bound of the word count, so the token list is allocated once and no larger
    // than needed (a large configuration has a million tokens).
    let mut bound = 0;
    let mut prev_space = true;
    for &c in b {
        let space = is_space(c);
        bound += usize::from((prev_space && !space) || c == b'"');
        prev_space = space;
    }
    let mut tokens = Vec::with_capacity(bound);
    // Running column count: characters and removed backslashes before byte `at`.
    let mut at = 0usize;
    let mut chars = 0usize;
    let mut ri = 0usize;
    let mut col_of = |i: usize, cols: &Cols| -> u32 {
        if ascii {
            chars = i;
        } else {
            chars += text.get(at..i).map_or(i - at, |s| s.chars().count());
        }
        at = i;
        while ri < cols.removed.len() && cols.removed[ri] as usize <= i {
            ri += 1;
        }
        cols.col0
            .saturating_add(chars as u32)
            .saturating_add(ri as u32)
    };
    let mut spans = |start: usize, end: usize| -> Span {
        match cols {
            Some(c) if end <= c.exact_upto => {
                let a = col_of(start, c);
                let z = col_of(end, c);
                Span::new(whole.file, whole.line, a, z.saturating_sub(a))
            }
            _ => whole,
        }
    };
    let mut unmatched_quote = None;
    let mut i = 0;
    while i < b.len() {
        if is_space(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let (content, quoted) = if b[i] == b'"' {
            match b[i + 1..].iter().position(|&c| c == b'"') {
                Some(j) => {
                    i += j + 2;
                    (&text[start + 1..i - 1], true)
                }
                None => {
                    unmatched_quote = Some(start);
                    break;
                }
            }
        } else {
            while i < b.len() && !is_space(b[i]) && b[i] != b'"' {
                i += 1;
            }
            (&text[start..i], false)
        };
        let span = spans(start, i);
        tokens.push(Token {
            text: if ascii {
                Text::from(content)
            } else {
                restore_braces(content)
            },
            span,
            quoted,
        });
    }
    Tokenized {
        tokens,
        unmatched_quote,
    }
}

/// The text with [`PROTECTED_OPEN`]/[`PROTECTED_CLOSE`] turned back into braces.
pub fn restore_braces(s: &str) -> Text {
    if s.is_ascii() || !s.contains([PROTECTED_OPEN, PROTECTED_CLOSE]) {
        return Text::from(s);
    }
    Text::from(s.replace(PROTECTED_OPEN, "{").replace(PROTECTED_CLOSE, "}"))
}

/// Why [`qe_split`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QeError {
    /// A quote (`"` or `'`) still open at the end.
    Unterminated(char),
    /// A backslash as the very last character.
    TrailingBackslash,
}

/// R30: keepalived's quoted/escaped splitting. Words are separated by whitespace outside
/// quotes; `"..."` and `'...'` quote (and may join pieces of one word); backslash escapes
/// work everywhere, also inside single quotes (`\n`, `\t`, `\xHH`, `\NNN`, `\cX`, `\E`, any
/// other character stands for itself); `\0` ends its word. An empty or all-blank input gives
/// no words.
pub fn qe_split(s: &str) -> Result<Vec<Vec<u8>>, QeError> {
    let b = s.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    let mut quote: u8 = 0;
    while i < b.len() {
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let mut word: Vec<u8> = Vec::new();
        let mut nul_at: Option<usize> = None;
        while i < b.len() {
            let c = b[i];
            if c == b'\\' {
                i += 1;
                if i >= b.len() {
                    return Err(QeError::TrailingBackslash);
                }
                let e = b[i];
                let ch: u8 = if e == b'x' && b.get(i + 1).is_some_and(|h| h.is_ascii_hexdigit()) {
                    i += 1;
                    let mut v: u8 = 0;
                    while i < b.len() && b[i].is_ascii_hexdigit() {
                        v = (v << 4) | hex_value(b[i]);
                        i += 1;
                    }
                    v
                } else if e == b'c' && i + 1 < b.len() {
                    i += 2;
                    b[i - 1] & 0x1f
                } else if (b'0'..=b'7').contains(&e) {
                    let mut v: u8 = e - b'0';
                    i += 1;
                    for _ in 0..2 {
                        if i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                            v = (v << 3).wrapping_add(b[i] - b'0');
                            i += 1;
                        }
                    }
                    v
                } else {
                    i += 1;
                    match e {
                        b'a' => 0x07,
                        b'b' => 0x08,
                        b'E' => 0x1b,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'v' => 0x0b,
                        other => other,
                    }
                };
                if ch == 0 && nul_at.is_none() {
                    nul_at = Some(word.len());
                }
                word.push(ch);
                continue;
            }
            if quote != 0 {
                if c == quote {
                    quote = 0;
                } else {
                    word.push(c);
                }
                i += 1;
                continue;
            }
            if c == b'"' || c == b'\'' {
                quote = c;
                i += 1;
                continue;
            }
            if is_space(c) {
                break;
            }
            word.push(c);
            i += 1;
        }
        if quote != 0 {
            return Err(QeError::Unterminated(quote as char));
        }
        if let Some(n) = nul_at {
            word.truncate(n);
        }
        words.push(word);
    }
    Ok(words)
}

fn hex_value(h: u8) -> u8 {
    match h {
        b'0'..=b'9' => h - b'0',
        b'a'..=b'f' => h - b'a' + 10,
        _ => h.wrapping_sub(b'A').wrapping_add(10),
    }
}

/// Preprocesses a whole text as the configuration's only file (no file system: includes are
/// looked for in the current directory; the host's config id), with token spans in `file`.
/// For tests of later stages; `conf::parse_str` is the full pipeline.
#[cfg(test)]
pub fn lex_text(
    text: &str,
    file: super::source::FileId,
    diags: &mut super::diag::Diagnostics,
) -> Vec<super::ast::Line> {
    let opts = super::loader::LoadOptions::default();
    let (_, mut lines, found) = super::loader::preprocess_text("", text, &opts);
    let main = super::source::FileId(0);
    let remap = |s: &mut Span| {
        if s.file == main {
            s.file = file;
        }
    };
    for l in &mut lines {
        for t in &mut l.tokens {
            remap(&mut t.span);
        }
    }
    for mut d in found.iter().cloned() {
        if let Some(s) = &mut d.span {
            remap(s);
        }
        for (s, _) in &mut d.related {
            remap(s);
        }
        diags.push(d);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::source::FileId;

    fn dc(s: &str) -> String {
        let mut out = String::new();
        let mut removed = Vec::new();
        decomment(s, false, &mut out, &mut removed);
        out
    }

    fn dcp(s: &str) -> (String, Decomment) {
        let mut out = String::new();
        let mut removed = Vec::new();
        let d = decomment(s, true, &mut out, &mut removed);
        (out, d)
    }

    fn words(s: &str) -> Vec<String> {
        tokenize(s, None, Span::new(FileId(0), 1, 1, 1))
            .tokens
            .into_iter()
            .map(|t| t.text.into())
            .collect()
    }

    fn qe(s: &str) -> Vec<String> {
        qe_split(s)
            .unwrap()
            .into_iter()
            .map(|w| String::from_utf8_lossy(&w).into_owned())
            .collect()
    }

    // R4, the examples table (parent's view: one pass).
    #[test]
    fn r4_decomment_table() {
        assert_eq!(dc("router_id a#b"), "router_id a");
        assert_eq!(dc("router_id a!b"), "router_id a");
        assert_eq!(dc("router_id a\\#b"), "router_id a#b");
        assert_eq!(dc("router_id a\\!b"), "router_id a!b");
        assert_eq!(dc("router_id \"a#b\" c#d"), "router_id \"a#b\" c");
        assert_eq!(dc("router_id \"a\\#b\""), "router_id \"a\\#b\"");
        assert_eq!(dc("router_id 'a#b'"), "router_id 'a");
        assert_eq!(dc("router_id a\\\\#b"), "router_id a\\\\");
        assert_eq!(dc("router_id z\\"), "router_id z\\");
        assert_eq!(dc("router_id x # comment \\"), "router_id x\\");
        assert_eq!(dc("router_id y \\"), "router_id y\\");
        assert_eq!(dc("router_id  \t y  \t "), "router_id  \t y");
        assert_eq!(dc("  # indented comment"), "");
        assert_eq!(dc("! full"), "");
        assert_eq!(dc("router_id q \"a\" # \"b"), "router_id q \"a\"");
        assert_eq!(dc("\x0c router_id h"), "\x0c router_id h");
    }

    #[test]
    fn r4_unterminated_quote_keeps_the_line() {
        let mut out = String::new();
        let mut r = Vec::new();
        let d = decomment("router_id \"unterminated # x", false, &mut out, &mut r);
        assert_eq!(out, "router_id \"unterminated # x");
        assert_eq!(d.unterminated_quote, Some(10));
        let d = decomment("router_id q \"a\" # \"b", false, &mut out, &mut r);
        assert_eq!(d.unterminated_quote, None);
    }

    #[test]
    fn r4_removed_backslashes_are_recorded() {
        let mut out = String::new();
        let mut r = Vec::new();
        let d = decomment("  a\\#b\\!c", false, &mut out, &mut r);
        assert_eq!(out, "a#b!c");
        assert_eq!(r, [1, 3]);
        assert_eq!(d.lead, 2);
        assert!(d.escapes);
        let cols = Cols {
            col0: 3,
            removed: r.clone(),
            exact_upto: out.len(),
        };
        // `a` at col 3, `#` at col 5 (after the backslash), `!` at col 8.
        assert_eq!(cols.col_at(&out, 0), 3);
        assert_eq!(cols.col_at(&out, 1), 5);
        assert_eq!(cols.col_at(&out, 3), 8);
    }

    #[test]
    fn r4_single_quotes_protect_only_on_script_lines() {
        let (out, d) = dcp("script '/bin/echo #comment'");
        assert_eq!(out, "script '/bin/echo #comment'");
        assert!(d.kept_in_single_quotes);
        // An unclosed single quote does not protect.
        let (out, d) = dcp("script '/bin/echo #comment");
        assert_eq!(out, "script '/bin/echo");
        assert!(!d.kept_in_single_quotes);
        // A comment after the closed quote still is one.
        let (out, _) = dcp("script 'a' # b");
        assert_eq!(out, "script 'a'");
        assert!(is_script_line("  notify_master '/x #y'"));
        assert!(is_script_line("@vm script x"));
        assert!(!is_script_line("router_id 'a#b'"));
    }

    #[test]
    fn r7_include_detection() {
        let i = include_directive("include a.conf").unwrap();
        assert_eq!((i.directive, i.flags, i.pattern_at), ("include", 0, 8));
        let i = include_directive("include\t   sub/b.conf").unwrap();
        assert_eq!(&"include\t   sub/b.conf"[i.pattern_at..], "sub/b.conf");
        assert_eq!(include_directive("includer x").unwrap().flags, INCLUDE_R);
        assert_eq!(
            include_directive("includem x").unwrap().flags,
            INCLUDE_R | INCLUDE_M
        );
        assert_eq!(
            include_directive("includew x").unwrap().flags,
            INCLUDE_R | INCLUDE_M | INCLUDE_W
        );
        assert_eq!(
            include_directive("includeb x").unwrap().flags,
            INCLUDE_R | INCLUDE_B
        );
        assert_eq!(include_directive("includea x").unwrap().flags, INCLUDE_ALL);
        assert_eq!(include_directive("include"), None);
        assert_eq!(include_directive("includer"), None);
        assert_eq!(include_directive("includex sub/b.conf"), None);
        assert_eq!(include_directive("Include a"), None);
        assert_eq!(include_directive(" include a"), None);
    }

    #[test]
    fn r17_split_points() {
        assert_eq!(brace_split("global_defs { x }", false), (Some(12), false));
        assert_eq!(brace_split("{ x", false), (Some(0), false));
        assert_eq!(brace_split("a{b}c", false), (Some(1), false));
        assert_eq!(
            brace_split("router_id x \"a { b\" }", false),
            (Some(20), false)
        );
        assert_eq!(brace_split("router_id \"{\" x", false), (None, false));
        assert_eq!(brace_split("router_id '{' x", false), (Some(11), false));
        assert_eq!(
            brace_split("router_id x \"unterminated { y", false),
            (None, false)
        );
        assert_eq!(brace_split("x \\{", false), (Some(3), false));
        assert_eq!(
            brace_split("script '/bin/echo {braces}' }", true),
            (Some(28), true)
        );
    }

    #[test]
    fn r19_tokens() {
        assert_eq!(
            words("router_id abc\"def\"ghi"),
            ["router_id", "abc", "def", "ghi"]
        );
        assert_eq!(words("router_id \"a b\"c"), ["router_id", "a b", "c"]);
        assert_eq!(words("router_id \"\""), ["router_id", ""]);
        assert_eq!(words("router_id \"\" x"), ["router_id", "", "x"]);
        assert_eq!(words("router_id 'a b'"), ["router_id", "'a", "b'"]);
        assert_eq!(
            words("router_id e\x0cf\x0bg\rh"),
            ["router_id", "e", "f", "g", "h"]
        );
        let t = tokenize("router_id \"a\\\"b\"", None, Span::new(FileId(0), 1, 1, 1));
        let w: Vec<_> = t.tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(w, ["router_id", "a\\", "b"]);
        assert_eq!(t.unmatched_quote, Some(15));
        assert!(t.tokens[1].quoted && !t.tokens[2].quoted);
    }

    #[test]
    fn r19_columns_exact_and_generated() {
        let whole = Span::new(FileId(0), 4, 1, 30);
        let cols = Cols::new(3, usize::MAX);
        let t = tokenize("priority \"1 0\" é x", Some(&cols), whole).tokens;
        assert_eq!(t[0].span, Span::new(FileId(0), 4, 3, 8));
        assert_eq!(t[1].span, Span::new(FileId(0), 4, 12, 5));
        assert_eq!(t[2].span, Span::new(FileId(0), 4, 18, 1));
        assert_eq!(t[3].span, Span::new(FileId(0), 4, 20, 1));
        let cols = Cols::new(1, 8);
        let t = tokenize("priority 100", Some(&cols), whole).tokens;
        assert_eq!(t[0].span, Span::new(FileId(0), 4, 1, 8));
        assert_eq!(t[1].span, whole);
    }

    #[test]
    fn protected_braces_are_restored_in_tokens() {
        let s = format!("x ${PROTECTED_OPEN}A{PROTECTED_CLOSE}");
        assert_eq!(words(&s), ["x", "${A}"]);
    }

    // R30 examples and the R31 level-2 table.
    #[test]
    fn r30_quoted_escaped_words() {
        assert_eq!(qe("ab\"cd ef\"gh"), ["abcd efgh"]);
        assert_eq!(qe("\"\""), [""]);
        assert_eq!(qe("a 'b \"c' d"), ["a", "b \"c", "d"]);
        assert_eq!(qe("\\x41\\x141\\102\\cA\\e\\E"), ["AAB\u{1}e\u{1b}"]);
        assert_eq!(qe("\\x \\c"), ["x", "c"]);
        assert_eq!(qe("\"/bin/echo a\\0b c\""), ["/bin/echo a"]);
        assert_eq!(qe("a\\0b c"), ["a", "c"]);
        assert_eq!(qe("a\\ b \\\\ \\$ \\#"), ["a b", "\\", "$", "#"]);
        assert_eq!(qe("   "), Vec::<String>::new());
        assert_eq!(qe_split("'open"), Err(QeError::Unterminated('\'')));
        assert_eq!(qe_split("\"open"), Err(QeError::Unterminated('"')));
        assert_eq!(qe_split("x\\"), Err(QeError::TrailingBackslash));
    }

    #[test]
    fn r31_two_levels() {
        let l1 = qe("script \"/bin/echo 'a b' c\\\"d\\\" e\\\\ f\"");
        assert_eq!(l1, ["script", "/bin/echo 'a b' c\"d\" e\\ f"]);
        assert_eq!(qe(&l1[1]), ["/bin/echo", "a b", "cd", "e f"]);
        let l1 = qe("script /bin/echo\\ x\\ y");
        assert_eq!(qe(&l1[1]), ["/bin/echo", "x", "y"]);
        let l1 = qe("script '/bin/echo \"q r\" s'");
        assert_eq!(qe(&l1[1]), ["/bin/echo", "q r", "s"]);
        let l1 = qe("script \"/bin/echo \\x41\\x4a\\102\\cA\\t\\|\\e\\|\\$\\|\\z\"");
        assert_eq!(qe(&l1[1]), ["/bin/echo", "AJB\u{1}", "|e|$|z"]);
        let l1 = qe("script \"/bin/echo a\\\\\\\\b\"");
        assert_eq!(l1[1], "/bin/echo a\\\\b");
        assert_eq!(qe(&l1[1]), ["/bin/echo", "a\\b"]);
    }
}
