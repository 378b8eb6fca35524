//! The typed configuration: what `ha run` executes, with keepalived's defaults applied.
//! Each area owns its blocks and root keywords; [`read`] walks the top level with all of
//! their tables and then resolves cross-references.

pub mod global;
#[cfg(test)]
mod keyword_samples;
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
    let mut reader = Reader::new();
    for node in nodes {
        reader.top_level(node, cx);
    }
    reader.finish(cx)
}

/// Reads the configuration one top-level statement at a time (each is read on its own;
/// what ties them together is settled by [`Reader::finish`]).
pub struct Reader {
    config: Config,
    tables: [&'static [Kw<Config>]; 3],
    /// Virtual servers are resolved as they are read, and dropped (`ha run -t`).
    streamed: Option<lvs::Streamed>,
}

impl Default for Reader {
    fn default() -> Self {
        Self::new()
    }
}

impl Reader {
    pub fn new() -> Self {
        Reader {
            config: Config::default(),
            tables: root_tables(),
            streamed: None,
        }
    }

    /// A reader for a check only: the findings are those of [`Reader::new`], but most
    /// virtual servers are resolved as soon as they are read and left out of the model
    /// (see `lvs::early`), which then holds only those the host checks read.
    pub fn checking() -> Self {
        Reader {
            streamed: Some(lvs::Streamed::new()),
            ..Reader::new()
        }
    }

    pub fn top_level(&mut self, node: &Node, cx: &mut Cx) {
        let name = node.keyword.text.as_str();
        let kw = self
            .tables
            .iter()
            .flat_map(|t| t.iter())
            .find(|k| k.name == name && !node.keyword.quoted);
        match kw {
            Some(kw) => {
                let before = self.config.lvs.virtual_servers.len();
                cx.walk(
                    &mut self.config,
                    std::slice::from_ref(node),
                    std::slice::from_ref(kw),
                    "",
                );
                if let Some(s) = &mut self.streamed {
                    if self.config.lvs.virtual_servers.len() > before {
                        s.take_last(&mut self.config);
                    }
                }
            }
            None => cx.unknown(
                node,
                self.tables.iter().flat_map(|t| t.iter().map(|k| k.name)),
                "",
            ),
        }
    }

    /// Inheritance, defaults that depend on other blocks, and cross-references.
    pub fn finish(mut self, cx: &mut Cx) -> Config {
        global::resolve(&mut self.config, cx);
        vrrp::resolve(&mut self.config, cx);
        match self.streamed {
            Some(s) => lvs::resolve_after(&mut self.config, cx, s.into_early()),
            None => lvs::resolve(&mut self.config, cx),
        }
        self.config
    }
}
