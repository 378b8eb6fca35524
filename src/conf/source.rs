//! The configuration's source text: every file read (the main file and each include), with
//! line tables, so any finding can be shown as FILE:LINE:COL with its line and include chain.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;

use super::file_lines::{FileLines, Line};

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
    /// The whole text, when it is kept (see [`Sources::add_unkept`]).
    pub text: String,
    kept: bool,
    /// Byte offset of the start of each line, made when a line is first asked for.
    line_starts: OnceLock<Vec<usize>>,
    /// Lines read again for findings, when the text is not kept: (line, text).
    recalled: Vec<(u32, String)>,
    /// Length and modification time when the file was read (lines are only read again
    /// from the same file).
    stamp: Option<(u64, Option<SystemTime>)>,
    /// The `include` line that brought this file in (None for the main file).
    pub included_from: Option<Span>,
}

impl SourceFile {
    /// The text of a 1-based line, without its line ending (CR included).
    pub fn line(&self, line: u32) -> Option<&str> {
        if !self.kept {
            let i = self
                .recalled
                .binary_search_by_key(&line, |(n, _)| *n)
                .ok()?;
            return self.recalled.get(i).map(|(_, t)| t.as_str());
        }
        let starts = self.starts();
        let i = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *starts.get(i)?;
        let end = starts.get(i + 1).copied().unwrap_or(self.text.len());
        Some(display_line(&self.text[start..end]))
    }

    /// Lines of a kept text.
    pub fn line_count(&self) -> usize {
        self.starts().len()
    }

    fn starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let text = &self.text;
            let mut starts = vec![0];
            starts.extend(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1)
                    .filter(|&i| i < text.len()),
            );
            starts
        })
    }
}

/// A line as shown: without its `\n` and one `\r`.
fn display_line(text: &str) -> &str {
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.strip_suffix('\r').unwrap_or(text)
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
        self.push(SourceFile {
            path: path.to_path_buf(),
            text,
            kept: true,
            line_starts: OnceLock::new(),
            recalled: Vec::new(),
            stamp: None,
            included_from,
        })
    }

    /// Records a file that is read as a stream: its text is not kept, and the lines that
    /// findings show are read again by [`Sources::recall`] if the file is still the same
    /// (`meta`: its metadata when it was opened).
    pub fn add_unkept(
        &mut self,
        path: &Path,
        meta: &std::fs::Metadata,
        included_from: Option<Span>,
    ) -> FileId {
        self.push(SourceFile {
            path: path.to_path_buf(),
            text: String::new(),
            kept: false,
            line_starts: OnceLock::new(),
            recalled: Vec::new(),
            stamp: Some(stamp(meta)),
            included_from,
        })
    }

    fn push(&mut self, f: SourceFile) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(f);
        id
    }

    /// Reads again, from the files whose text is not kept, the lines of `spans`, so that
    /// findings can show them. A file that changed since it was read shows no lines.
    pub fn recall(&mut self, spans: impl IntoIterator<Item = Span>) {
        let mut wanted: Vec<(FileId, u32)> = spans
            .into_iter()
            .filter(|s| self.file(s.file).is_some_and(|f| !f.kept))
            .map(|s| (s.file, s.line))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        for group in wanted.chunk_by(|a, b| a.0 == b.0) {
            let Some(f) = self.files.get_mut(group[0].0 .0 as usize) else {
                continue;
            };
            let lines: Vec<u32> = group.iter().map(|&(_, l)| l).collect();
            f.recalled = reread(&f.path, f.stamp, &lines).unwrap_or_default();
        }
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

fn stamp(meta: &std::fs::Metadata) -> (u64, Option<SystemTime>) {
    (meta.len(), meta.modified().ok())
}

/// The lines `wanted` (ascending) of the file at `path`, if it still has the `stamp`.
fn reread(
    path: &Path,
    stamp_then: Option<(u64, Option<SystemTime>)>,
    wanted: &[u32],
) -> Option<Vec<(u32, String)>> {
    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if Some(stamp(&meta)) != stamp_then {
        return None;
    }
    let mut lines = FileLines::new(file);
    let mut out = Vec::with_capacity(wanted.len());
    let mut number = 0u32;
    let mut next = wanted.iter().peekable();
    while let Some(&&want) = next.peek() {
        let Ok(Some(line)) = lines.next_line() else {
            break;
        };
        number += 1;
        if number == want {
            let text = match line {
                Line::Text(t) => std::borrow::Cow::Borrowed(t),
                Line::Bytes(b) => String::from_utf8_lossy(b),
            };
            out.push((number, display_line(&text).to_string()));
            next.next();
        }
    }
    Some(out)
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
