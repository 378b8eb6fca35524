//! The kernel's "IPVS" generic-netlink family: [`Client`] implements [`crate::ipvs::Ipvs`].
//!
//! - `uapi`: the numbers (include/uapi/linux/ip_vs.h, netlink.h, genetlink.h);
//! - `frame`: netlink messages and attributes as bytes, written and read in place;
//! - `codec`: IPVS requests from model values, replies into model values (pure, tested
//!   with byte fixtures);
//! - `reply`: one request's reply over datagrams, drained to its end after a failure;
//! - `client`: the socket, batching and deadlines.

mod client;
pub mod codec;
pub mod frame;
mod reply;
pub mod uapi;

#[cfg(all(test, target_endian = "little"))]
mod tests;

pub use client::{Client, REPLY_TIMEOUT};
