//! keepalived.conf: source files, lexer and preprocessor, syntax tree, typed model and the
//! diagnostics `ha run -t` prints.

pub mod ast;
pub mod diag;
pub mod schema;
pub mod source;
