//! keepalived.conf: source files, lexer and preprocessor, syntax tree, typed model and the
//! diagnostics `ha run -t` prints.

pub mod ast;
pub mod compat_doc;
pub mod diag;
pub mod env;
pub mod lexer;
pub mod loader;
pub mod model;
pub mod preprocess;
pub mod schema;
pub mod source;

use std::path::Path;

use diag::Diagnostics;
use source::Sources;

/// A configuration read from text: its sources, model and findings.
pub struct Parsed {
    pub sources: Sources,
    pub config: model::Config,
    pub diags: Diagnostics,
}

pub use loader::LoadOptions;

/// Reads the configuration at `path` with its includes (keepalived's `-f`: `path` may be a
/// glob; every match is read, in order), then builds the tree and the model.
pub fn load(path: &Path, opts: &LoadOptions) -> Parsed {
    let (sources, lines, diags) = loader::preprocess_path(path, opts);
    finish(sources, lines, diags)
}

/// Reads configuration text (tests, `-` on stdin) with the host's config id. It goes through
/// the same preprocessor as files; relative includes are looked for in `name`'s directory, or
/// in the current directory when `name` has none.
pub fn parse_str(name: &str, text: &str) -> Parsed {
    parse_str_with(name, text, &LoadOptions::default())
}

/// [`parse_str`] with options (config id, `-e`).
pub fn parse_str_with(name: &str, text: &str, opts: &LoadOptions) -> Parsed {
    let (sources, lines, diags) = loader::preprocess_text(name, text, opts);
    finish(sources, lines, diags)
}

/// The logical lines of configuration text, before the tree is built (tests, benchmarks).
pub fn preprocess_str(
    name: &str,
    text: &str,
    opts: &LoadOptions,
) -> (Sources, Vec<ast::Line>, Diagnostics) {
    loader::preprocess_text(name, text, opts)
}

fn finish(sources: Sources, lines: Vec<ast::Line>, mut diags: Diagnostics) -> Parsed {
    let nodes = ast::build(lines, &mut diags);
    let config = model::read(&nodes, &mut schema::Cx::new(&mut diags));
    // The tree is not kept: the model holds what the daemon needs, the spans what messages need.
    drop(nodes);
    Parsed {
        sources,
        config,
        diags,
    }
}
