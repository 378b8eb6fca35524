//! keepalived.conf: source files, lexer and preprocessor, syntax tree, typed model and the
//! diagnostics `ha run -t` prints.

pub mod ast;
#[cfg(test)]
mod check_tests;
pub mod compat_doc;
pub mod diag;
pub mod env;
pub mod file_lines;
pub mod lexer;
pub mod loader;
pub mod model;
pub mod preprocess;
pub mod schema;
pub mod source;
pub mod text;

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
    let (sources, diags, mains) = loader::open_path(path, false);
    pipeline(sources, diags, mains, opts, model::Reader::new())
}

/// `ha run -t`: the findings of [`load`] and of the host checks ([`env::check`] with `host`),
/// in the same order, made while holding little: the files are read as streams (the lines
/// the findings show are read again at the end), and most virtual servers are resolved and
/// dropped as soon as they are read. The model returned holds only the virtual servers the
/// host checks read; it is not the configuration to run.
pub fn check(path: &Path, opts: &LoadOptions, host: &dyn env::Host) -> Parsed {
    let (sources, diags, mains) = loader::open_path(path, true);
    let mut parsed = pipeline(sources, diags, mains, opts, model::Reader::checking());
    env::check(
        &parsed.config,
        host,
        &mut schema::Cx::new(&mut parsed.diags),
    );
    let shown: Vec<source::Span> = parsed
        .diags
        .iter()
        .flat_map(|d| d.span.into_iter().chain(d.related.iter().map(|(s, _)| *s)))
        .collect();
    parsed.sources.recall(shown);
    parsed
}

/// Reads configuration text (tests, `-` on stdin) with the host's config id. It goes through
/// the same preprocessor as files; relative includes are looked for in `name`'s directory, or
/// in the current directory when `name` has none.
pub fn parse_str(name: &str, text: &str) -> Parsed {
    parse_str_with(name, text, &LoadOptions::default())
}

/// [`parse_str`] with options (config id, `-e`).
pub fn parse_str_with(name: &str, text: &str, opts: &LoadOptions) -> Parsed {
    let (sources, diags, mains) = loader::open_text(name, text);
    pipeline(sources, diags, mains, opts, model::Reader::new())
}

/// The logical lines of configuration text, before the tree is built (tests, benchmarks).
pub fn preprocess_str(
    name: &str,
    text: &str,
    opts: &LoadOptions,
) -> (Sources, Vec<ast::Line>, Diagnostics) {
    loader::preprocess_text(name, text, opts)
}

/// Preprocessing, tree building and model reading run as one stream: the preprocessor puts
/// each statement into the tree as it is made, and each top-level block is read into the
/// model as soon as it is complete and its tree taken back, so memory holds the sources and
/// the model, never the whole tree or all the lines.
fn pipeline(
    mut sources: Sources,
    mut diags: Diagnostics,
    mains: Vec<preprocess::MainFile>,
    opts: &LoadOptions,
    mut reader: model::Reader,
) -> Parsed {
    let mut tree = ast::TreeBuilder::new();
    let mut finished = Vec::new();
    preprocess::run_streaming(
        &mut sources,
        &mut diags,
        opts,
        mains,
        &mut tree,
        &mut |tree, diags| {
            let mut cx = schema::Cx::new(diags);
            finished.extend(tree.take_finished());
            for node in finished.drain(..) {
                reader.top_level(&node, &mut cx);
                tree.recycle(node);
            }
        },
    );
    let rest = tree.finish(&mut diags);
    let mut cx = schema::Cx::new(&mut diags);
    for node in rest {
        reader.top_level(&node, &mut cx);
    }
    let config = reader.finish(&mut cx);
    Parsed {
        sources,
        config,
        diags,
    }
}
