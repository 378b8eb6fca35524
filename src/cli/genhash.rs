//! `ha genhash` (being written).
use crate::error::{CliError, Exit};
/// Run one health genhash now.
#[derive(Debug, clap::Args)]
pub struct GenhashArgs {}
pub fn run(_a: &GenhashArgs) -> Result<Exit, CliError> {
    Err(CliError::runtime("genhash", "not built yet"))
}
