//! keepalived.conf: source files, lexer and preprocessor, syntax tree, typed model and the
//! diagnostics `ha run -t` prints.

pub mod ast;
pub mod diag;
pub mod lexer;
pub mod model;
pub mod schema;
pub mod source;

use std::path::Path;

use ast::Node;
use diag::Diagnostics;
use source::Sources;

/// A configuration read from text: its sources, tree, model and findings.
pub struct Parsed {
    pub sources: Sources,
    pub nodes: Vec<Node>,
    pub config: model::Config,
    pub diags: Diagnostics,
}

/// How to read a configuration from files.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The id `@ID` lines are matched against (default: the host name up to the first dot).
    pub config_id: Option<String>,
    /// keepalived's `-e`: missing or unreadable include files are errors.
    pub all_config: bool,
}

/// Reads a configuration file (interim: no includes yet; the preprocessor replaces this).
pub fn load(path: &Path, _opts: &LoadOptions) -> Parsed {
    match std::fs::read(path) {
        Ok(bytes) => parse_str(
            &path.display().to_string(),
            &String::from_utf8_lossy(&bytes),
        ),
        Err(e) => {
            let mut parsed = parse_str(&path.display().to_string(), "");
            parsed.diags.push(diag::Diagnostic::new(
                diag::Severity::Error,
                None,
                format!(
                    "cannot read {}: {}",
                    path.display(),
                    crate::check::conn::describe(&e)
                ),
            ));
            parsed
        }
    }
}

/// Reads configuration text that has no includes (tests, `-` on stdin).
pub fn parse_str(name: &str, text: &str) -> Parsed {
    let mut sources = Sources::new();
    let mut diags = Diagnostics::new();
    let file = sources.add(Path::new(name), text.to_string(), None);
    let lines = lexer::lex_text(text, file, &mut diags);
    let nodes = ast::build(lines, &mut diags);
    let config = model::read(&nodes, &mut schema::Cx::new(&mut diags));
    Parsed {
        sources,
        nodes,
        config,
        diags,
    }
}
