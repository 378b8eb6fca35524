//! (being written)

use serde::Serialize;

use super::Config;
use crate::conf::schema::{Cx, Kw};

#[derive(Debug, Default, Clone, Serialize)]
pub struct Vrrp {}

pub const ROOT: &[Kw<Config>] = &[];

pub fn resolve(_config: &mut Config, _cx: &mut Cx) {}
