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
