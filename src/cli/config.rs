//! `ha config show`: the configuration as the daemon would run it (includes expanded,
//! variables substituted, defaults applied).

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::Value;

use super::run::{write_findings, DEFAULT_CONFIG};
use crate::conf::{self, LoadOptions};
use crate::error::{CliError, Exit};

const EXAMPLES: &str = "\
Examples:
  ha config show -f /etc/keepalived/keepalived.conf
  ha config show -f keepalived.conf --json | jq '.vrrp'
  ha config show -f keepalived.conf --config-id lb2";

/// Inspect keepalived.conf files.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the fully resolved configuration: includes expanded, variables substituted,
    /// defaults applied (what the daemon would run)
    #[command(after_help = EXAMPLES)]
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Configuration file
    #[arg(short = 'f', long = "use-file", value_name = "FILE", default_value = DEFAULT_CONFIG)]
    pub file: PathBuf,
    /// Config id for @ID lines (default: the host name up to the first dot)
    #[arg(short = 'i', long = "config-id", value_name = "ID")]
    pub config_id: Option<String>,
    /// Print JSON instead of the block layout
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: &ConfigArgs) -> Result<Exit, CliError> {
    let ConfigCommand::Show(s) = &a.command;
    let parsed = conf::load(
        &s.file,
        &LoadOptions {
            config_id: s.config_id.clone(),
            all_config: false,
        },
    );
    let fail = |e: std::io::Error| CliError::runtime("config show", e);
    if parsed.diags.has_errors() {
        // Findings go to stderr so the configuration on stdout stays parseable.
        write_findings(&mut std::io::stderr().lock(), &parsed).map_err(fail)?;
    }
    let value =
        serde_json::to_value(&parsed.config).map_err(|e| CliError::runtime("config show", e))?;
    let mut out = std::io::stdout().lock();
    if s.json {
        serde_json::to_writer_pretty(&mut out, &value)
            .map_err(|e| CliError::runtime("config show", e))?;
        writeln!(out).map_err(fail)?;
    } else {
        out.write_all(render_blocks(&value).as_bytes())
            .map_err(fail)?;
    }
    if parsed.diags.has_errors() {
        return Err(CliError::new(
            Exit::Down,
            format!("config show {}", s.file.display()),
            "the configuration has errors (listed above); the daemon would refuse it",
        ));
    }
    Ok(Exit::Ok)
}

/// The model in keepalived's block layout: `key value`, `key { ... }`, lists on one line.
/// Unset values (null) and empty lists are left out.
pub fn render_blocks(v: &Value) -> String {
    let mut out = String::new();
    if let Value::Object(map) = v {
        for (k, v) in map {
            entry(&mut out, 0, k, v);
        }
    }
    out
}

fn entry(out: &mut String, depth: usize, key: &str, v: &Value) {
    let pad = "    ".repeat(depth);
    match v {
        Value::Null => {}
        Value::Array(items) if items.is_empty() => {}
        Value::Object(map) if map.is_empty() => {}
        Value::Array(items) if items.iter().all(is_scalar) => {
            let words: Vec<String> = items.iter().map(scalar).collect();
            let _ = writeln!(out, "{pad}{key} {}", words.join(" "));
        }
        Value::Array(items) => {
            for item in items {
                entry(out, depth, key, item);
            }
        }
        Value::Object(map) => {
            let name = map
                .get("name")
                .filter(|n| is_scalar(n))
                .map(|n| format!(" {}", scalar(n)))
                .unwrap_or_default();
            let _ = writeln!(out, "{pad}{key}{name} {{");
            for (k, v) in map {
                if k != "name" || name.is_empty() {
                    entry(out, depth + 1, k, v);
                }
            }
            let _ = writeln!(out, "{pad}}}");
        }
        scalar_value => {
            let _ = writeln!(out, "{pad}{key} {}", scalar(scalar_value));
        }
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if s.is_empty() || s.contains(char::is_whitespace) => format!("{s:?}"),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_layout() {
        let v = serde_json::json!({
            "global": {"router_id": "LVS_1", "smtp_server": null, "emails": ["a@b", "c@d"]},
            "instances": [{"name": "VI_1", "priority": 100, "vips": []}],
            "note": "two words"
        });
        assert_eq!(
            render_blocks(&v),
            "global {\n    emails a@b c@d\n    router_id LVS_1\n}\n\
             instances VI_1 {\n    priority 100\n}\n\
             note \"two words\"\n"
        );
    }
}
