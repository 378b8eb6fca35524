//! The common line, read without the general rules. Nearly every line of a configuration
//! is printable ASCII with no quote, comment, escape, `$`, `@` or `~`: of R1-R19 only the
//! trimming of blanks (R4) and brace splitting (R17) apply to it. Such a line is cut into
//! words and braces in one pass here, with exact columns, and handed on as statements and
//! lone braces; any other line takes the general path (`file_line`, `process`), which gives
//! the same result for these lines, only slower.

use super::{Cols, FileId, Item, Origin, Pre, Source, KEEPALIVED_LINE_MAX};
use crate::conf::ast::{Args, Node, Token};
use crate::conf::source::Span;
use crate::conf::text::Text;

/// What a byte is to the plain path.
const WORD: u8 = 0;
const BLANK: u8 = 1;
const BRACE: u8 = 2;
/// Needs the general rules: all but printable ASCII and tab, and the characters R4-R16
/// act on (`"`, `'`, `\`, `!`, `#`, `$`, `@`, `~`).
const GENERAL: u8 = 3;

static CLASS: [u8; 256] = {
    let mut t = [GENERAL; 256];
    let mut b = 0x21;
    while b < 0x7f {
        t[b] = WORD;
        b += 1;
    }
    t[b' ' as usize] = BLANK;
    t[b'\t' as usize] = BLANK;
    t[b'{' as usize] = BRACE;
    t[b'}' as usize] = BRACE;
    let special = b"\"'\\!#$@~";
    let mut i = 0;
    while i < special.len() {
        t[special[i] as usize] = GENERAL;
        i += 1;
    }
    t
};

/// The include directives (R7): a word after a brace that is one of these, followed by a
/// blank, makes the rest of the line an include.
const INCLUDES: &[&[u8]] = &[
    b"include",
    b"includer",
    b"includem",
    b"includew",
    b"includeb",
    b"includea",
];

/// Whether a statement's reader reads its line's text: script keywords split it again
/// (`Cx::script`), and a keyword glued to a number is split and read as the keyword it
/// starts with. The others read only words: their nodes go without the text (on a plain
/// line it holds nothing the words do not; `Cx::script` joins the words when it is empty).
fn needs_text(keyword: &str) -> bool {
    // The script keywords, and what starts like them: a keyword glued to a number is read
    // as the keyword it starts with (`lvs::unglue`).
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| keyword.starts_with(p));
    match keyword.as_bytes().first() {
        Some(b'n') => starts(&["notify"]),
        Some(b'q') => starts(&["quorum_"]),
        Some(b's') => starts(&["script", "startup_script", "shutdown_script"]),
        Some(b'm') => starts(&["misc_path"]),
        Some(b'v') => starts(&["vrrp_notify"]),
        Some(b'l') => starts(&["lvs_notify"]),
        _ => false,
    }
}

impl Pre<'_> {
    /// Reads `raw` (line `line` of `file`, no multiline definition being collected) when it
    /// is a plain line; false, with nothing done, when it needs the general path.
    pub(super) fn plain_line(&mut self, raw: &str, file: FileId, line: u32) -> bool {
        let b = raw.as_bytes();
        if b.len() > KEEPALIVED_LINE_MAX {
            return false;
        }
        // Words and braces, as (start, end) byte ranges.
        let mut words = std::mem::take(&mut self.words);
        words.clear();
        let mut i = 0;
        // Indentation, eight spaces at a time.
        while b.get(i..i + 8) == Some(b"        ") {
            i += 8;
        }
        while i < b.len() {
            match CLASS[usize::from(b[i])] {
                BLANK => i += 1,
                BRACE => {
                    words.push((i as u32, i as u32 + 1));
                    i += 1;
                }
                WORD => {
                    let start = i;
                    i += b[i..]
                        .iter()
                        .position(|&c| CLASS[usize::from(c)] != WORD)
                        .unwrap_or(b.len() - i);
                    words.push((start as u32, i as u32));
                }
                _ => {
                    self.words = words;
                    return false;
                }
            }
        }
        // R7 on a word: an include directive, then a blank and more.
        let include_at = |w: usize| {
            let (s, e) = words[w];
            w + 1 < words.len()
                && CLASS[usize::from(b[e as usize])] == BLANK
                && INCLUDES.contains(&&b[s as usize..e as usize])
        };
        if !words.is_empty() && include_at(0) {
            self.words = words;
            return false;
        }
        // ASCII: one column per byte.
        let at = Origin {
            file,
            line,
            width: u32::try_from(b.len()).unwrap_or(u32::MAX),
        };
        self.cur.text.clear();
        self.cur.at = at;
        let mut first = 0;
        for w in 0..words.len() {
            let (s, _) = words[w];
            if CLASS[usize::from(b[s as usize])] != BRACE {
                continue;
            }
            self.plain_statement(raw, &words[first..w], at);
            let span = Span::new(file, line, s + 1, 1);
            if b[s as usize] == b'{' {
                if self.track_open(span) {
                    self.push(Item::Open(span));
                }
            } else if self.track_close() {
                self.push(Item::Close(span));
            }
            first = w + 1;
            if first < words.len() && include_at(first) {
                // The rest is an include: the general path reads it, as the residue of
                // this line (as `split_and_emit` does).
                self.plain_residue(raw, words[0].0 as usize, words[first].0 as usize, at);
                self.words = words;
                return true;
            }
        }
        self.plain_statement(raw, &words[first..], at);
        self.words = words;
        true
    }

    /// `words` (no brace; maybe none) of `raw` as one statement.
    fn plain_statement(&mut self, raw: &str, words: &[(u32, u32)], at: Origin) {
        let Some((&(ks, ke), rest)) = words.split_first() else {
            return;
        };
        let token = |&(s, e): &(u32, u32)| Token {
            text: Text::from(&raw[s as usize..e as usize]),
            span: Span::new(at.file, at.line, s + 1, e - s),
            quoted: false,
        };
        let keyword = token(&(ks, ke));
        let args = match rest {
            [] => Args::None,
            [one] => Args::One(token(one)),
            _ => Args::Many(rest.iter().map(token).collect()),
        };
        let end = rest.last().map_or(ke, |&(_, e)| e);
        self.track_statement(&keyword, &args);
        let text = if self.all_text() || needs_text(&keyword.text) {
            Text::from(&raw[ks as usize..end as usize])
        } else {
            Text::new()
        };
        self.push_statement(Node {
            keyword,
            args,
            block: None,
            text,
        });
    }

    /// Hands `raw[next..]` to the general path as the residue of the line `raw[lead..]`.
    fn plain_residue(&mut self, raw: &str, lead: usize, next: usize, at: Origin) {
        let end = raw.trim_end_matches([' ', '\t']).len();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_keywords_keep_their_text() {
        for (k, _) in crate::conf::lexer::SCRIPT_KEYWORDS {
            assert!(needs_text(k), "{k}");
        }
        assert!(needs_text("notify_up1"));
        assert!(needs_text("misc_path2"));
        assert!(!needs_text("status_code"));
        assert!(!needs_text("real_server"));
    }

    #[test]
    fn include_words_are_the_lexers() {
        for w in [
            "include",
            "includer",
            "includem",
            "includew",
            "includeb",
            "includea",
            "includex",
            "includ",
            "include_check",
            "Include",
            "xinclude",
        ] {
            let lexer = crate::conf::lexer::include_directive(&format!("{w} x")).is_some();
            assert_eq!(INCLUDES.contains(&w.as_bytes()), lexer, "{w}");
        }
    }
}
