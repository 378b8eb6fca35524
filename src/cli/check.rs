//! `ha check` (being written).
use crate::error::{CliError, Exit};
/// Run one health check now.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {}
pub fn run(_a: &CheckArgs) -> Result<Exit, CliError> {
    Err(CliError::runtime("check", "not built yet"))
}
