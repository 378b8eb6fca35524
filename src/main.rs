//! `ha`: one binary for Linux load-balancing directors. See README.md.
//!
//! Multicall: the basename of argv[0] picks the personality.

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let invoked_as = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ha::cli::dispatch(&invoked_as, args)
}
