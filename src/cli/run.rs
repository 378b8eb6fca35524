//! `ha run`: the daemon (VRRP in this version), and `-t`, the configuration check.

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
  ha run -f /etc/keepalived/keepalived.conf   run the VRRP instances, in the foreground
  ha run -t                                   check /etc/keepalived/keepalived.conf
  ha run -t -f ./keepalived.conf --strict     warnings fail the check too
  ha run -t -f keepalived.conf --config-id lb2   as on the host named lb2 (@lb2 lines)
  ha run -t -f keepalived.conf --json         one JSON object with every finding

Every finding is printed as FILE:LINE:COL: error|warning|note: message, with the line, a caret
under the spot and a hint. Exit status: 0 no errors, 1 errors (or warnings with --strict).";

/// Run the director daemon from a keepalived.conf (VRRP), or check it with -t.
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
    /// Detailed log: dropped adverts, each VIP added or removed (keepalived -D)
    #[arg(short = 'D', long = "log-detail")]
    pub log_detail: bool,
}

pub fn run(a: &RunArgs) -> Result<Exit, CliError> {
    if !a.test {
        let opts = LoadOptions {
            config_id: a.config_id.clone(),
            all_config: a.all_config,
        };
        let log = crate::daemon::log::Log::stderr(a.log_detail);
        return run_daemon(&a.file, &opts, log);
    }
    let parsed = conf::check(
        &a.file,
        &LoadOptions {
            config_id: a.config_id.clone(),
            all_config: a.all_config,
        },
        &conf::env::SystemHost::new(),
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

/// The daemon in the foreground: refuses to start on configuration errors (printing them
/// as `-t` does), says what it will not run, then runs the VRRP loop until SIGTERM/SIGINT.
pub fn run_daemon(
    file: &std::path::Path,
    opts: &LoadOptions,
    log: crate::daemon::log::Log,
) -> Result<Exit, CliError> {
    let parsed = prepare_daemon(file, opts)?;
    run_vrrp(&parsed, log)
}

/// Everything that can fail before the daemon detaches: the configuration (its errors are
/// printed to stderr), something to run, and the privilege to run it.
pub fn prepare_daemon(file: &std::path::Path, opts: &LoadOptions) -> Result<Parsed, CliError> {
    let parsed = load_and_check_host(file, opts);
    let errors = parsed.diags.count(Severity::Error);
    if errors > 0 {
        // Findings go to stderr: the daemon's stdout is not a report.
        let _ = write_findings(&mut std::io::stderr().lock(), &parsed);
        return Err(CliError::new(
            Exit::Down,
            "run",
            format!(
                "{}: {errors} error(s) in the configuration; not started",
                file.display()
            ),
        )
        .with_hint(format!(
            "fix them (`ha run -t -f {}` lists them), then start again",
            file.display()
        )));
    }
    if parsed.config.vrrp.instances.is_empty() {
        return Err(CliError::new(
            Exit::Unsupported,
            "run",
            format!("{}: no vrrp_instance to run", file.display()),
        )
        .with_hint(
            "this version of ha runs VRRP instances; health checks and IPVS from virtual_server blocks come later",
        ));
    }
    crate::cli::rsarp::require_net_admin("run")?;
    Ok(parsed)
}

/// Logs the configuration's warnings and what this version does not run, then runs the
/// VRRP loop until SIGTERM/SIGINT.
pub fn run_vrrp(parsed: &Parsed, log: crate::daemon::log::Log) -> Result<Exit, CliError> {
    for d in parsed.diags.sorted() {
        if d.severity == Severity::Warning {
            log.warning(&located(d, &parsed.sources));
        }
    }
    for line in crate::daemon::not_acted_on(&parsed.config) {
        log.warning(&line);
    }
    let mut vrrp = crate::daemon::VrrpLoop::new(&parsed.config, log).map_err(start_error)?;
    vrrp.run().map_err(start_error)?;
    Ok(Exit::Ok)
}

/// `FILE:LINE:COL: message (hint)` on one line, for the daemon's log.
fn located(d: &diag::Diagnostic, sources: &conf::source::Sources) -> String {
    let mut line = match d.span {
        Some(s) => format!(
            "{}:{}:{}: {}",
            sources.path(s.file),
            s.line,
            s.col,
            d.message
        ),
        None => d.message.clone(),
    };
    if let Some(h) = &d.hint {
        line.push_str(&format!(" ({h})"));
    }
    line
}

fn start_error(e: crate::daemon::StartError) -> CliError {
    let err = CliError::runtime(e.what, e.why);
    match e.hint {
        Some(h) => err.with_hint(h),
        None => err,
    }
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
