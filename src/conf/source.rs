//! The configuration's source text: every file read (the main file and each include), with
//! line tables, so any finding can be shown as FILE:LINE:COL with its line and include chain.

use std::path::{Path, PathBuf};

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A place in the source: file, 1-based line, 1-based column (in characters), and how many
/// characters it covers (at least 1 for a caret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

impl Span {
    pub fn new(file: FileId, line: u32, col: u32, len: u32) -> Self {
        Span {
            file,
            line,
            col,
            len: len.max(1),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
    /// The `include` line that brought this file in (None for the main file).
    pub included_from: Option<Span>,
}

impl SourceFile {
    /// The text of a 1-based line, without its line ending (CR included).
    pub fn line(&self, line: u32) -> Option<&str> {
        let i = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(i)?;
        let end = self
            .line_starts
            .get(i + 1)
            .copied()
            .unwrap_or(self.text.len());
        let text = &self.text[start..end];
        let text = text.strip_suffix('\n').unwrap_or(text);
        Some(text.strip_suffix('\r').unwrap_or(text))
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// All files of one configuration.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Self {
        Sources::default()
    }

    /// Records a file's text and returns its id.
    pub fn add(&mut self, path: &Path, text: String, included_from: Option<Span>) -> FileId {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1)
                .filter(|&i| i < text.len()),
        );
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            path: path.to_path_buf(),
            text,
            line_starts,
            included_from,
        });
        id
    }

    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// The include lines that led to `file`, innermost first.
    pub fn include_chain(&self, file: FileId) -> Vec<Span> {
        let mut chain = Vec::new();
        let mut at = self.file(file).and_then(|f| f.included_from);
        while let Some(span) = at {
            if chain.len() > 64 {
                break;
            }
            chain.push(span);
            at = self.file(span.file).and_then(|f| f.included_from);
        }
        chain
    }

    pub fn path(&self, file: FileId) -> String {
        self.file(file)
            .map(|f| f.path.display().to_string())
            .unwrap_or_else(|| "<unknown>".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_without_endings_crlf_included() {
        let mut s = Sources::new();
        let id = s.add(Path::new("a.conf"), "one\r\ntwo\nthree".into(), None);
        let f = s.file(id).unwrap();
        assert_eq!(f.line(1), Some("one"));
        assert_eq!(f.line(2), Some("two"));
        assert_eq!(f.line(3), Some("three"));
        assert_eq!(f.line(4), None);
        assert_eq!(f.line(0), None);
        assert_eq!(f.line_count(), 3);
    }

    #[test]
    fn trailing_newline_adds_no_line() {
        let mut s = Sources::new();
        let id = s.add(Path::new("a.conf"), "one\n".into(), None);
        assert_eq!(s.file(id).unwrap().line_count(), 1);
    }

    #[test]
    fn include_chain_innermost_first() {
        let mut s = Sources::new();
        let main = s.add(Path::new("main.conf"), "include a\n".into(), None);
        let a = s.add(
            Path::new("a"),
            "include b\n".into(),
            Some(Span::new(main, 1, 1, 7)),
        );
        let b = s.add(Path::new("b"), "x\n".into(), Some(Span::new(a, 1, 1, 7)));
        let chain = s.include_chain(b);
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[0].file, a);
        assert_eq!(chain[1].file, main);
    }
}
