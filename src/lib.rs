//! The `ha` library: everything the binary does, as modules testable without it.
//! Layout and threading model: see DESIGN.md.

pub mod check;
pub mod cli;
pub mod compat;
pub mod conf;
pub mod daemon;
pub mod error;
pub mod genhash;
pub mod hexdump;
pub mod ipvs;
pub mod net;
pub mod notify;
pub mod rsarp;
pub mod track_io;
pub mod vrrp;
pub mod wire;
