//! (being written)

use serde::Serialize;

use super::Config;
use crate::conf::schema::Kw;

#[derive(Debug, Default, Clone, Serialize)]
pub struct Global {}

pub const ROOT: &[Kw<Config>] = &[];
