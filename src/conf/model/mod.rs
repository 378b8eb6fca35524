//! The typed configuration: what `ha run` executes, with keepalived's defaults applied.
//! Each area owns its blocks and root keywords; [`read`] walks the top level with all of
//! their tables and then resolves cross-references.

pub mod global;
pub mod lvs;
pub mod vrrp;

use serde::Serialize;

use super::ast::Node;
use super::schema::{Cx, Kw};

#[derive(Debug, Default, Clone, Serialize)]
pub struct Config {
    pub global: global::Global,
    pub vrrp: vrrp::Vrrp,
    pub lvs: lvs::Lvs,
}

/// Every top-level keyword, in the order the areas list them.
pub fn root_tables() -> [&'static [Kw<Config>]; 3] {
    [global::ROOT, vrrp::ROOT, lvs::ROOT]
}

/// Serializes a duration as decimal seconds (keepalived's timer unit), for `config show`.
pub fn ser_secs<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// [`ser_secs`] for optional durations.
pub fn ser_opt_secs<S: serde::Serializer>(
    d: &Option<std::time::Duration>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.as_secs_f64()),
        None => s.serialize_none(),
    }
}

pub fn read(nodes: &[Node], cx: &mut Cx) -> Config {
    let mut config = Config::default();
    let tables = root_tables();
    for node in nodes {
        let name = node.keyword.text.as_str();
        let kw = tables
            .iter()
            .flat_map(|t| t.iter())
            .find(|k| k.name == name && !node.keyword.quoted);
        match kw {
            Some(kw) => cx.walk(
                &mut config,
                std::slice::from_ref(node),
                std::slice::from_ref(kw),
                "",
            ),
            None => cx.unknown(
                node,
                tables.iter().flat_map(|t| t.iter().map(|k| k.name)),
                "",
            ),
        }
    }
    global::resolve(&mut config, cx);
    vrrp::resolve(&mut config, cx);
    lvs::resolve(&mut config, cx);
    config
}
