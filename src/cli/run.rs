//! `ha run`: the daemon. This version checks configurations (`-t`); VRRP and the health
//! checkers arrive with their issues.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use crate::conf::diag::{self, Severity};
use crate::conf::{self, LoadOptions, Parsed};
use crate::error::{CliError, Exit};

pub const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";

const EXAMPLES: &str = "\
Examples:
  ha run -t                                   check /etc/keepalived/keepalived.conf
  ha run -t -f ./keepalived.conf --strict     warnings fail the check too
  ha run -t -f keepalived.conf --config-id lb2   as on the host named lb2 (@lb2 lines)
  ha run -t -f keepalived.conf --json         one JSON object with every finding

Every finding is printed as FILE:LINE:COL: error|warning|note: message, with the line, a caret
under the spot and a hint. Exit status: 0 no errors, 1 errors (or warnings with --strict).";

/// Run the director daemon from a keepalived.conf (this version: check it with -t).
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct RunArgs {
    /// Configuration file
    #[arg(short = 'f', long = "use-file", value_name = "FILE", default_value = DEFAULT_CONFIG)]
    pub file: PathBuf,
    /// Check the configuration, print every finding, and exit
    #[arg(short = 't', long = "config-test")]
    pub test: bool,
    /// Config id for @ID lines (default: the host name up to the first dot)
    #[arg(short = 'i', long = "config-id", value_name = "ID")]
    pub config_id: Option<String>,
    /// Treat warnings as errors
    #[arg(long, requires = "test")]
    pub strict: bool,
    /// Include checks as keepalived -e: missing or unreadable includes are errors
    #[arg(short = 'e', long = "all-config")]
    pub all_config: bool,
    /// Print one JSON object instead of the findings
    #[arg(long, requires = "test")]
    pub json: bool,
}

pub fn run(a: &RunArgs) -> Result<Exit, CliError> {
    if !a.test {
        return Err(CliError::usage(
            "run",
            "this version of ha checks configurations but does not run the daemon yet",
        )
        .with_hint(format!("check it with `ha run -t -f {}`", a.file.display())));
    }
    let parsed = load_and_check_host(
        &a.file,
        &LoadOptions {
            config_id: a.config_id.clone(),
            all_config: a.all_config,
        },
    );
    let mut out = std::io::stdout().lock();
    let shown = a.file.display().to_string();
    let write = if a.json {
        write_json(&mut out, &shown, &parsed)
    } else {
        write_findings(&mut out, &parsed).and_then(|_| write_summary(&mut out, &shown, &parsed))
    };
    write.map_err(|e| CliError::runtime("run -t", e))?;
    let errors = parsed.diags.count(Severity::Error);
    let warnings = parsed.diags.count(Severity::Warning);
    // The process ends right after: freeing a large model piece by piece would only cost
    // time (tens of milliseconds for tens of thousands of real servers).
    std::mem::forget(parsed);
    Ok(if errors > 0 || (a.strict && warnings > 0) {
        Exit::Down
    } else {
        Exit::Ok
    })
}

/// Reads the configuration and adds the findings that depend on this host (interfaces,
/// scripts, users): what `-t` reports.
pub fn load_and_check_host(file: &std::path::Path, opts: &LoadOptions) -> Parsed {
    let mut parsed = conf::load(file, opts);
    let mut cx = conf::schema::Cx::new(&mut parsed.diags);
    conf::env::check(&parsed.config, &conf::env::SystemHost::new(), &mut cx);
    parsed
}

/// Every finding, in file order.
pub fn write_findings(out: &mut dyn Write, parsed: &Parsed) -> std::io::Result<()> {
    for d in parsed.diags.sorted() {
        out.write_all(diag::render(d, &parsed.sources).as_bytes())?;
    }
    Ok(())
}

fn write_summary(out: &mut dyn Write, file: &str, parsed: &Parsed) -> std::io::Result<()> {
    let errors = parsed.diags.count(Severity::Error);
    let warnings = parsed.diags.count(Severity::Warning);
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let files = parsed.sources.files().count();
    let read = if files > 1 {
        format!(" ({files} files)")
    } else {
        String::new()
    };
    if errors == 0 {
        writeln!(
            out,
            "{file}{read}: configuration OK, {}",
            plural(warnings, "warning")
        )
    } else {
        writeln!(
            out,
            "{file}{read}: {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

#[derive(Serialize)]
struct Report<'a> {
    file: &'a str,
    files: Vec<String>,
    ok: bool,
    errors: usize,
    warnings: usize,
    notes: usize,
    diagnostics: Vec<diag::JsonDiagnostic>,
}

fn write_json(out: &mut dyn Write, file: &str, parsed: &Parsed) -> std::io::Result<()> {
    let report = Report {
        file,
        files: parsed
            .sources
            .files()
            .map(|(_, f)| f.path.display().to_string())
            .collect(),
        ok: !parsed.diags.has_errors(),
        errors: parsed.diags.count(Severity::Error),
        warnings: parsed.diags.count(Severity::Warning),
        notes: parsed.diags.count(Severity::Note),
        diagnostics: parsed
            .diags
            .sorted()
            .into_iter()
            .map(|d| diag::to_json(d, &parsed.sources))
            .collect(),
    };
    serde_json::to_writer(&mut *out, &report)?;
    writeln!(out)
}
