//! Findings about a configuration: `FILE:LINE:COL: error|warning|note: message`, the source
//! line with a caret under the spot, a hint, related places ("opened here") and the include
//! chain. All findings of a run are collected; nothing stops at the first.

use std::fmt::Write;

use serde::Serialize;

use super::source::{Sources, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn word(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub span: Option<Span>,
    pub message: String,
    pub hint: Option<String>,
    /// Other places that explain this one, e.g. where an unclosed brace was opened.
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn new(severity: Severity, span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            span,
            message: message.into(),
            hint: None,
            related: Vec::new(),
        }
    }

    /// `severity: message | hint` on one line, without the place (tests and summaries).
    pub fn one_line(&self) -> String {
        match &self.hint {
            Some(h) => format!("{}: {} | {h}", self.severity.word(), self.message),
            None => format!("{}: {}", self.severity.word(), self.message),
        }
    }

    pub fn hint(&mut self, hint: impl Into<String>) -> &mut Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn related(&mut self, span: Span, what: impl Into<String>) -> &mut Self {
        self.related.push((span, what.into()));
        self
    }
}

/// The findings of one run, in the order they were made.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Diagnostics::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.list.push(d);
    }

    /// Puts a finding at `index` of the list, as if it had been made then.
    pub fn insert(&mut self, index: usize, d: Diagnostic) {
        self.list.insert(index.min(self.list.len()), d);
    }

    /// The findings, in the order they were made.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.list
    }

    pub fn error(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.add(Severity::Error, Some(span), message)
    }

    pub fn warning(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.add(Severity::Warning, Some(span), message)
    }

    pub fn note(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.add(Severity::Note, Some(span), message)
    }

    fn add(
        &mut self,
        severity: Severity,
        span: Option<Span>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.list.push(Diagnostic::new(severity, span, message));
        let last = self.list.len() - 1;
        &mut self.list[last]
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.list.iter().filter(|d| d.severity == severity).count()
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// Findings sorted by file, line and column (stable for equal places).
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.list.iter().collect();
        v.sort_by_key(|d| d.span.map(|s| (s.file, s.line, s.col)));
        v
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<T: IntoIterator<Item = Diagnostic>>(&mut self, iter: T) {
        self.list.extend(iter);
    }
}

fn location(sources: &Sources, span: Span) -> String {
    format!("{}:{}:{}", sources.path(span.file), span.line, span.col)
}

/// The finding as a person reads it (several lines, each ending in '\n').
pub fn render(d: &Diagnostic, sources: &Sources) -> String {
    let mut out = String::new();
    match d.span {
        Some(span) => {
            let _ = writeln!(
                out,
                "{}: {}: {}",
                location(sources, span),
                d.severity.word(),
                d.message
            );
            excerpt(&mut out, sources, span);
        }
        None => {
            let _ = writeln!(out, "{}: {}", d.severity.word(), d.message);
        }
    }
    if let Some(hint) = &d.hint {
        let _ = writeln!(out, "  hint: {hint}");
    }
    for (span, what) in &d.related {
        let _ = writeln!(out, "  note: {}: {what}", location(sources, *span));
        excerpt(&mut out, sources, *span);
    }
    if let Some(span) = d.span {
        for inc in sources.include_chain(span.file) {
            let _ = writeln!(
                out,
                "  included from {}:{}",
                sources.path(inc.file),
                inc.line
            );
        }
    }
    out
}

/// The source line and a caret line under `span`. Tabs before the spot are kept in the
/// caret line so the caret stays aligned in any terminal.
fn excerpt(out: &mut String, sources: &Sources, span: Span) {
    let Some(line) = sources.file(span.file).and_then(|f| f.line(span.line)) else {
        return;
    };
    let number = span.line.to_string();
    let gutter = " ".repeat(number.len());
    let _ = writeln!(out, " {number} | {line}");
    let pad: String = line
        .chars()
        .take(span.col.saturating_sub(1) as usize)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let width = line.chars().count().saturating_sub(span.col as usize - 1);
    let carets = "^".repeat((span.len as usize).clamp(1, width.max(1)));
    let _ = writeln!(out, " {gutter} | {pad}{carets}");
}

/// One finding as JSON, for `--json`.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub file: Option<String>,
    pub line: Option<u32>,
    pub col: Option<u32>,
    pub severity: Severity,
    pub message: String,
    pub hint: Option<String>,
    pub related: Vec<JsonRelated>,
    pub included_from: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct JsonRelated {
    pub location: String,
    pub what: String,
}

pub fn to_json(d: &Diagnostic, sources: &Sources) -> JsonDiagnostic {
    JsonDiagnostic {
        file: d.span.map(|s| sources.path(s.file)),
        line: d.span.map(|s| s.line),
        col: d.span.map(|s| s.col),
        severity: d.severity,
        message: d.message.clone(),
        hint: d.hint.clone(),
        related: d
            .related
            .iter()
            .map(|(s, w)| JsonRelated {
                location: location(sources, *s),
                what: w.clone(),
            })
            .collect(),
        included_from: d
            .span
            .map(|s| {
                sources
                    .include_chain(s.file)
                    .into_iter()
                    .map(|i| format!("{}:{}", sources.path(i.file), i.line))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Levenshtein distance, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let normal = |s: &str| s.to_ascii_lowercase().replace(['-', ' '], "_");
    let w = normal(word);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&w, &normal(c)), c))
        .filter(|&(d, c)| d <= (c.len() / 3).max(1))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn sources() -> (Sources, Span) {
        let mut s = Sources::new();
        let main = s.add(
            Path::new("/etc/keepalived/keepalived.conf"),
            "include vrrp.conf\n".into(),
            None,
        );
        let inc = s.add(
            Path::new("/etc/keepalived/vrrp.conf"),
            "vrrp_instance VI_1 {\n\ttrack interface {\n".into(),
            Some(Span::new(main, 1, 1, 7)),
        );
        (s, Span::new(inc, 2, 2, 15))
    }

    #[test]
    fn renders_location_line_caret_hint_and_chain() {
        let (s, span) = sources();
        let mut d = Diagnostic::new(Severity::Error, Some(span), "unknown keyword `track`");
        d.hint("did you mean `track_interface`?");
        assert_eq!(
            render(&d, &s),
            "/etc/keepalived/vrrp.conf:2:2: error: unknown keyword `track`\n \
             2 | \ttrack interface {\n   \
             | \t^^^^^^^^^^^^^^^\n  \
             hint: did you mean `track_interface`?\n  \
             included from /etc/keepalived/keepalived.conf:1\n"
        );
    }

    #[test]
    fn related_places_are_shown_with_their_line() {
        let (s, span) = sources();
        let open = Span::new(span.file, 1, 20, 1);
        let mut d = Diagnostic::new(Severity::Error, Some(span), "missing `}`");
        d.related(open, "the block opened here");
        let text = render(&d, &s);
        assert!(text.contains("note: /etc/keepalived/vrrp.conf:1:20: the block opened here\n"));
        assert!(text.contains(" 1 | vrrp_instance VI_1 {\n"));
    }

    #[test]
    fn json_has_location_and_chain() {
        let (s, span) = sources();
        let d = Diagnostic::new(Severity::Warning, Some(span), "m");
        let j = serde_json::to_value(to_json(&d, &s)).unwrap();
        assert_eq!(j["line"], 2);
        assert_eq!(j["severity"], "warning");
        assert_eq!(j["included_from"][0], "/etc/keepalived/keepalived.conf:1");
    }

    #[test]
    fn suggestions_for_typos_only() {
        let kws = ["track_interface", "track_script", "priority"];
        assert_eq!(
            did_you_mean("track interface", kws),
            Some("track_interface")
        );
        assert_eq!(did_you_mean("prority", kws), Some("priority"));
        assert_eq!(did_you_mean("xyz", kws), None);
    }

    #[test]
    fn counts_and_sorting() {
        let (_, span) = sources();
        let mut ds = Diagnostics::new();
        ds.warning(Span { line: 9, ..span }, "later");
        ds.error(span, "earlier");
        assert!(ds.has_errors());
        assert_eq!(ds.count(Severity::Warning), 1);
        assert_eq!(ds.sorted()[0].message, "earlier");
    }
}
