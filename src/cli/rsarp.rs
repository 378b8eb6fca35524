//! `ha rs-arp` (being written).
use crate::error::{CliError, Exit};
/// Set up an LVS-DR real server: VIPs on lo and the ARP sysctls.
#[derive(Debug, clap::Args)]
pub struct RsArpArgs {}
pub fn run(_a: &RsArpArgs) -> Result<Exit, CliError> {
    Err(CliError::runtime("rs-arp", "not built yet"))
}
