//! Splits one configuration line into tokens, as keepalived does: `!` and `#` start a
//! comment outside double quotes (`\!` and `\#` are literal), a double-quoted string is one
//! token with its quotes removed, and `{` / `}` outside quotes are tokens of their own
//! wherever they stand (`vrrp_script chk{`, `{ a }`).

use super::ast::{Line, Token};
use super::diag::Diagnostics;
use super::source::{FileId, Span};

/// Lexes one physical line (without its line ending) of `file`.
pub fn lex_line(text: &str, file: FileId, line_no: u32, diags: &mut Diagnostics) -> Line {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let span = |start: usize, len: usize| Span::new(file, line_no, start as u32 + 1, len as u32);
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '!' || c == '#' {
            break;
        }
        if c == '{' || c == '}' {
            tokens.push(Token {
                text: c.to_string(),
                span: span(i, 1),
                quoted: false,
            });
            i += 1;
            continue;
        }
        let start = i;
        let mut text = String::new();
        let mut quoted = false;
        while i < chars.len() {
            let c = chars[i];
            if c == '"' {
                quoted = true;
                let open = i;
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    if chars[i] == '"' {
                        closed = true;
                        i += 1;
                        break;
                    }
                    text.push(chars[i]);
                    i += 1;
                }
                if !closed {
                    diags
                        .error(span(open, chars.len() - open), "this quote is never closed")
                        .hint("add the closing `\"` on the same line");
                }
                continue;
            }
            if c == '\\' && matches!(chars.get(i + 1), Some('!') | Some('#')) {
                text.push(chars[i + 1]);
                i += 2;
                continue;
            }
            if c.is_whitespace() || c == '{' || c == '}' || c == '!' || c == '#' {
                break;
            }
            text.push(c);
            i += 1;
        }
        tokens.push(Token {
            text,
            span: span(start, i - start),
            quoted,
        });
    }
    Line {
        text: text.trim().to_string(),
        tokens,
    }
}

/// Lexes a whole text (tests and single-file use; the loader adds includes and the
/// preprocessor on top of [`lex_line`]).
pub fn lex_text(text: &str, file: FileId, diags: &mut Diagnostics) -> Vec<Line> {
    text.lines()
        .enumerate()
        .map(|(i, l)| lex_line(l.strip_suffix('\r').unwrap_or(l), file, i as u32 + 1, diags))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut d = Diagnostics::new();
        lex_line(text, FileId(0), 1, &mut d)
            .tokens
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn comments_quotes_and_braces() {
        assert_eq!(words("state MASTER # main"), ["state", "MASTER"]);
        assert_eq!(words("  ! all comment"), Vec::<String>::new());
        assert_eq!(
            words("script \"killall -0 nginx\""),
            ["script", "killall -0 nginx"]
        );
        assert_eq!(words("notify \"/a b/c # d\""), ["notify", "/a b/c # d"]);
        assert_eq!(words("vrrp_script chk{"), ["vrrp_script", "chk", "{"]);
        assert_eq!(words("a { b } c"), ["a", "{", "b", "}", "c"]);
        assert_eq!(words("pass ab\\#cd"), ["pass", "ab#cd"]);
        assert_eq!(words("x 1#2"), ["x", "1"]);
    }

    #[test]
    fn columns_are_one_based_characters() {
        let mut d = Diagnostics::new();
        let l = lex_line("\tpriority 100", FileId(0), 7, &mut d);
        assert_eq!(l.tokens[0].span, Span::new(FileId(0), 7, 2, 8));
        assert_eq!(l.tokens[1].span, Span::new(FileId(0), 7, 11, 3));
    }

    #[test]
    fn unclosed_quote_is_reported() {
        let mut d = Diagnostics::new();
        lex_line("notify_master \"/etc/x.sh master", FileId(0), 1, &mut d);
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn crlf_lines() {
        let mut d = Diagnostics::new();
        let lines = lex_text("a 1\r\nb 2\r\n", FileId(0), &mut d);
        assert_eq!(lines[0].tokens[1].text, "1");
        assert_eq!(lines[1].tokens[1].text, "2");
    }
}
