//! `ha docs` (being written).
use crate::error::{CliError, Exit};
/// Run one health docs now.
#[derive(Debug, clap::Args)]
pub struct GenerateDocsArgs {}
pub fn run(_a: &GenerateDocsArgs) -> Result<Exit, CliError> {
    Err(CliError::runtime("docs", "not built yet"))
}
