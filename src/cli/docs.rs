//! Shell completions, man pages and docs/COMPATIBILITY.md, generated from the clap definition so they cannot
//! drift from the binary. The checked-in copies under completions/ and man/ are compared
//! with a fresh rendering by a test.

use std::path::{Path, PathBuf};

use clap::Args;
use clap_complete::Shell;

use crate::error::{CliError, Exit};

/// Write completions/ and man/ under DIR.
#[derive(Debug, Args)]
pub struct GenerateDocsArgs {
    /// Directory that receives completions/ and man/
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
}

/// Every generated file: its path relative to the repository root and its bytes.
pub fn render() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for (shell, file) in [
        (Shell::Bash, "ha.bash"),
        (Shell::Zsh, "_ha"),
        (Shell::Fish, "ha.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut super::command(), "ha", &mut buf);
        files.push((Path::new("completions").join(file), buf));
    }
    let mut cmd = super::command();
    cmd.build();
    man_pages(&cmd, &mut files);
    files.push((
        Path::new("docs").join("COMPATIBILITY.md"),
        crate::conf::compat_doc::render().into_bytes(),
    ));
    files
}

/// ha.1 and one page per visible subcommand, recursively (ha-check-http.1, ...).
fn man_pages(cmd: &clap::Command, files: &mut Vec<(PathBuf, Vec<u8>)>) {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut buf = Vec::new();
    if man.render(&mut buf).is_ok() {
        files.push((Path::new("man").join(man.get_filename()), buf));
    }
    for sub in cmd.get_subcommands() {
        if !sub.is_hide_set() && sub.get_name() != "help" {
            man_pages(sub, files);
        }
    }
}

pub fn run(a: &GenerateDocsArgs) -> Result<Exit, CliError> {
    for (path, bytes) in render() {
        let dest = a.out.join(&path);
        let fail = |e: std::io::Error| CliError::runtime(format!("writing {}", dest.display()), e);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        std::fs::write(&dest, bytes).map_err(fail)?;
    }
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails when completions/ or man/ no longer match the binary: run
    /// `cargo run -- generate-docs` and commit the result.
    #[test]
    fn checked_in_completions_and_man_pages_are_current() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stale = Vec::new();
        let mut expected = std::collections::BTreeSet::new();
        for (path, bytes) in render() {
            expected.insert(path.clone());
            if std::fs::read(root.join(&path)).ok().as_deref() != Some(&bytes[..]) {
                stale.push(path.display().to_string());
            }
        }
        for dir in ["completions", "man"] {
            for entry in std::fs::read_dir(root.join(dir))
                .into_iter()
                .flatten()
                .flatten()
            {
                let rel = Path::new(dir).join(entry.file_name());
                if !expected.contains(&rel) {
                    stale.push(format!("{} (no longer generated)", rel.display()));
                }
            }
        }
        assert!(
            stale.is_empty(),
            "stale generated files: {stale:?}\nrun `cargo run -- generate-docs` and commit"
        );
    }

    #[test]
    fn one_man_page_per_subcommand() {
        let names: Vec<String> = render()
            .into_iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        for page in [
            "man/ha.1",
            "man/ha-genhash.1",
            "man/ha-check-http.1",
            "man/ha-rs-arp.1",
        ] {
            assert!(
                names.contains(&page.to_string()),
                "{page} missing from {names:?}"
            );
        }
    }
}
