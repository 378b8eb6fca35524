//! docs/COMPATIBILITY.md: every keepalived.conf keyword and what ha does with it, generated
//! from the keyword tables themselves so it cannot drift from the parser.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::model;
use super::schema::Status;

const INTRO: &str = "\
# keepalived.conf compatibility

Generated from ha's keyword tables by `cargo run -- generate-docs`; a test fails when this
file is stale. It lists every keyword of keepalived 2.2.7's configuration, block by block,
and what ha does with it:

- **supported**: read into ha's model with keepalived's defaults and ranges; `ha run` acts
  on it (VRRP, tracking and notifications, IPVS and health checks as those arrive).
- **not acted on**: read and checked, then ignored; using it prints a warning that says why.
- **deprecated**: an old spelling keepalived still accepts; read like its replacement, with a
  warning naming it.

Lexical features (`include` and its `r|m|w|b|a` variants, `$NAME=` definitions, `@id`
conditional lines, `~SEQ`/`~LST`, quoting and comments) follow keepalived 2.2.7; where
keepalived misreads or hangs (include cycles, self-referencing definitions, unbounded
sequences, undefined `${X}` whose braces close blocks), ha reports an error instead.
Differences in meaning are listed in the warnings and notes `ha run -t` prints.
";

/// Every block path with its keywords, merged over the three areas, in path order.
pub fn rows() -> BTreeMap<String, Vec<(&'static str, Status)>> {
    let mut all: BTreeMap<String, Vec<(&'static str, Status)>> = BTreeMap::new();
    for (path, entries) in model::global::catalogue()
        .into_iter()
        .chain(model::vrrp::catalogue())
        .chain(model::lvs::catalogue())
    {
        all.entry(path).or_default().extend(entries);
    }
    all
}

pub fn render() -> String {
    let rows = rows();
    let count =
        |pred: fn(&Status) -> bool| rows.values().flatten().filter(|(_, s)| pred(s)).count();
    let mut out = String::from(INTRO);
    let _ = writeln!(
        out,
        "\nTotals: {} supported, {} not acted on, {} deprecated.\n",
        count(|s| matches!(s, Status::Supported)),
        count(|s| matches!(s, Status::NotActedOn(_))),
        count(|s| matches!(s, Status::Deprecated(_)))
    );
    for (path, entries) in &rows {
        let title = if path == "/" { "top level" } else { path };
        let _ = writeln!(out, "## {title}\n\n| keyword | status |\n|---|---|");
        for (name, status) in entries {
            let status = match status {
                Status::Supported => "supported".to_string(),
                Status::NotActedOn(why) => format!("not acted on: {why}"),
                Status::Deprecated(new) => format!("deprecated, use `{new}`"),
            };
            let _ = writeln!(out, "| `{}` | {status} |", name.replace('|', "\\|"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_of_keepalived_is_listed() {
        let rows = rows();
        for path in [
            "/",
            "global_defs",
            "vrrp_instance",
            "vrrp_sync_group",
            "vrrp_script",
            "virtual_server",
            "virtual_server/real_server",
        ] {
            assert!(
                rows.contains_key(path),
                "{path} missing from {:?}",
                rows.keys()
            );
        }
        let total: usize = rows.values().map(Vec::len).sum();
        assert!(total > 400, "only {total} keywords listed");
    }
}
