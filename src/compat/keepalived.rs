//! The `keepalived` personality: keepalived 2.2.7's command line. This version implements
//! the configuration test (`keepalived -t [-f FILE] [-i ID] [-e]`) with keepalived's exit
//! statuses; running the daemon this way arrives with ha's VRRP support.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::getopt::{self, HasArg, Item, LongOpt};
use crate::cli::run::{prepare_daemon, run_vrrp, write_findings, DEFAULT_CONFIG};
use crate::conf::LoadOptions;
use crate::daemon::log::{self, Log};
use crate::daemon::pidfile::PidFile;

/// keepalived's option string (Debian's build: VRRP, LVS, BFD, SNMP).
const SHORTS: &str = "vhlndu:DRS:f:p:i:es:mM::g::Gt::PCr:VXac:ITBb:xA:";

macro_rules! opt {
    ($name:literal, $arg:ident, $val:expr) => {
        LongOpt {
            name: $name,
            has_arg: HasArg::$arg,
            val: $val,
        }
    };
}

/// keepalived's long options; values that have no short letter use private chars.
const LONGS: &[LongOpt] = &[
    opt!("use-file", Required, 'f'),
    opt!("vrrp", No, 'P'),
    opt!("check", No, 'C'),
    opt!("no_bfd", No, 'B'),
    opt!("all", No, '\u{3}'),
    opt!("log-console", No, 'l'),
    opt!("log-detail", No, 'D'),
    opt!("log-facility", Required, 'S'),
    opt!("log-file", Optional, 'g'),
    opt!("all-config", No, 'e'),
    opt!("flush-log-file", No, '\u{2}'),
    opt!("no-syslog", No, 'G'),
    opt!("umask", Required, 'u'),
    opt!("release-vips", No, 'X'),
    opt!("dont-release-vrrp", No, 'V'),
    opt!("dont-release-ipvs", No, 'I'),
    opt!("dont-respawn", No, 'R'),
    opt!("dont-fork", No, 'n'),
    opt!("dump-conf", No, 'd'),
    opt!("pid", Required, 'p'),
    opt!("vrrp_pid", Required, 'r'),
    opt!("genhash", No, 'T'),
    opt!("checkers_pid", Required, 'c'),
    opt!("address-monitoring", No, 'a'),
    opt!("bfd_pid", Required, 'b'),
    opt!("snmp", No, 'x'),
    opt!("snmp-agent-socket", Required, 'A'),
    opt!("core-dump", No, 'm'),
    opt!("core-dump-pattern", Optional, 'M'),
    opt!("namespace", Required, 's'),
    opt!("config-id", Required, 'i'),
    opt!("signum", Required, '\u{4}'),
    opt!("config-test", Optional, 't'),
    opt!("config-fd", Required, '\u{8}'),
    opt!("version", No, 'v'),
    opt!("help", No, 'h'),
];

/// keepalived's exit statuses for -t.
const EXIT_OK: u8 = 0;
const EXIT_CONFIG_TEST: u8 = 5;
/// KEEPALIVED_EXIT_FATAL, for what this personality cannot do yet.
const EXIT_FATAL: u8 = 1;

#[derive(Debug, Default, PartialEq)]
struct Opts {
    file: Option<PathBuf>,
    test: bool,
    test_log: Option<PathBuf>,
    config_id: Option<String>,
    all_config: bool,
    help: bool,
    version: bool,
    /// `-n`: stay in the foreground.
    dont_fork: bool,
    /// `-l`: log to the console.
    log_console: bool,
    /// `-D`: detailed log.
    log_detail: bool,
    /// `-G`: no syslog.
    no_syslog: bool,
    /// `-S N`: syslog facility local N.
    facility: Option<u8>,
    /// `-C`: checkers only (nothing to run in this version).
    checkers_only: bool,
    /// `-p` and `-r`: the main and VRRP pid files (one process here: both name it).
    pid_file: Option<PathBuf>,
    vrrp_pid_file: Option<PathBuf>,
    /// Options accepted by keepalived that this version does not implement.
    unsupported: Vec<String>,
}

/// keepalived 2.2.7's default pid files.
const DEFAULT_PID_FILE: &str = "/run/keepalived.pid";
const DEFAULT_VRRP_PID_FILE: &str = "/run/keepalived_vrrp.pid";

fn parse(argv: &[String]) -> Result<Opts, String> {
    let parsed = getopt::parse(argv, SHORTS, LONGS);
    let mut o = Opts::default();
    for step in parsed.steps {
        match step.item {
            Item::Opt { val, arg } => match val {
                'f' => o.file = arg.map(PathBuf::from),
                't' => {
                    o.test = true;
                    o.test_log = arg.filter(|a| !a.is_empty()).map(PathBuf::from);
                }
                'i' => o.config_id = arg,
                'e' => o.all_config = true,
                'h' => o.help = true,
                'v' => o.version = true,
                'n' => o.dont_fork = true,
                'l' => o.log_console = true,
                'D' => o.log_detail = true,
                'G' => o.no_syslog = true,
                'S' => match arg.as_deref().and_then(|a| a.parse::<u8>().ok()) {
                    Some(n) if n <= 7 => o.facility = Some(n),
                    _ => {
                        return Err(format!(
                            "Invalid log facility '{}'",
                            arg.unwrap_or_default()
                        ))
                    }
                },
                'p' => o.pid_file = arg.map(PathBuf::from),
                'r' => o.vrrp_pid_file = arg.map(PathBuf::from),
                'C' => o.checkers_only = true,
                // -P (VRRP only) is what this version runs anyway; -R (no respawn): there is
                // no child to respawn; -B / --all: no BFD or checker process to start or skip.
                'P' | 'R' | 'B' | '\u{3}' => {}
                _ => o.unsupported.push(step.current.clone()),
            },
            Item::Unknown { .. } => return Err(format!("Unrecognised option '{}'", step.current)),
            Item::Missing { .. } => {
                return Err(format!("Missing parameter for option '{}'", step.current))
            }
        }
    }
    if let Some(extra) = parsed.operands.first() {
        return Err(format!("Unexpected argument(s): {extra}"));
    }
    Ok(o)
}

fn usage(prog: &str) -> String {
    format!(
        "Usage: {prog} [OPTION...]\n\
         (ha's keepalived personality: VRRP and the configuration test)\n  \
         -f, --use-file=FILE          Use the specified configuration file\n                                \
         default '{DEFAULT_CONFIG}'\n  \
         -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to\n                                \
         stderr by default\n  \
         -i, --config-id id           Skip any configuration lines beginning '@' that don't match id\n                                \
         or any lines beginning @^ that do match.\n                                \
         The config-id defaults to the node name if option not used\n  \
         -e, --all-config             Don't load if any configuration file is missing or cannot be read\n  \
         -P, --vrrp                   Only run with VRRP subsystem\n  \
         -l, --log-console            Log messages to local console\n  \
         -D, --log-detail             Detailed log messages\n  \
         -S, --log-facility=[0-7]     Set syslog facility to LOG_LOCAL[0-7]\n  \
         -G, --no-syslog              Don't log via syslog\n  \
         -n, --dont-fork              Don't fork the daemon process\n  \
         -p, --pid=FILE               Use specified pidfile for parent process\n  \
         -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process\n  \
         -v, --version                Display the version number\n  \
         -h, --help                   Display this help message\n"
    )
}

/// Entry point when invoked as `keepalived`.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let argv: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let prog = argv.first().cloned().unwrap_or_else(|| "keepalived".into());
    let o = match parse(&argv) {
        Ok(o) => o,
        Err(msg) => {
            eprint!("{msg}\n{}", usage(&prog));
            return ExitCode::from(EXIT_FATAL);
        }
    };
    if o.help {
        eprint!("{}", usage(&prog));
        return ExitCode::SUCCESS;
    }
    if o.version {
        eprintln!(
            "Keepalived v2.2.7 command line (ha {})",
            env!("CARGO_PKG_VERSION")
        );
        return ExitCode::SUCCESS;
    }
    if !o.unsupported.is_empty() {
        eprintln!(
            "ha: {prog}: option(s) {} not supported yet\n  hint: see `{prog} --help` for what this version runs",
            o.unsupported.join(" ")
        );
        return ExitCode::from(EXIT_FATAL);
    }
    if !o.test {
        return daemon(&prog, o);
    }
    let file = o.file.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
    // Checking only: the streaming check, as `ha run -t` (same findings, a fraction of the
    // memory of loading the whole model).
    let parsed = crate::conf::check(
        &file,
        &LoadOptions {
            config_id: o.config_id,
            all_config: o.all_config,
        },
        &crate::conf::env::SystemHost::new(),
    );
    let written = match &o.test_log {
        Some(path) => std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .and_then(|mut f| write_findings(&mut f, &parsed)),
        None => write_findings(&mut std::io::stderr().lock(), &parsed),
    };
    if let Err(e) = written {
        eprintln!("Unable to write the config-test log: {e}");
        return ExitCode::from(EXIT_FATAL);
    }
    let _ = std::io::stderr().flush();
    ExitCode::from(if parsed.diags.has_errors() {
        EXIT_CONFIG_TEST
    } else {
        EXIT_OK
    })
}

/// keepalived without -t: the VRRP daemon, detached unless -n, with keepalived's pid files
/// and logging choices (-l console, else syslog unless -G; -D detail; -S facility).
fn daemon(prog: &str, o: Opts) -> ExitCode {
    if o.checkers_only {
        eprintln!(
            "ha: {prog}: -C (checkers only): this version of ha runs VRRP only; health checks come later"
        );
        return ExitCode::from(EXIT_FATAL);
    }
    let file = o
        .file
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
    let opts = LoadOptions {
        config_id: o.config_id.clone(),
        all_config: o.all_config,
    };
    let parsed = match prepare_daemon(&file, &opts) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_FATAL);
        }
    };
    if !o.dont_fork {
        // Console logging keeps the terminal; otherwise stdio goes to /dev/null.
        if let Err(e) = nix::unistd::daemon(false, o.log_console) {
            eprintln!("ha: {prog}: cannot detach (daemon(3)): {e}");
            return ExitCode::from(EXIT_FATAL);
        }
    }
    let log = if o.log_console {
        Log::stderr(o.log_detail)
    } else if o.no_syslog {
        Log::nowhere()
    } else {
        let facility = o
            .facility
            .and_then(log::facility_local)
            .unwrap_or(log::FACILITY_DAEMON);
        Log::syslog("Keepalived_vrrp", facility, o.log_detail)
    };
    let main_pid = o
        .pid_file
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_PID_FILE));
    let vrrp_pid = o
        .vrrp_pid_file
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_VRRP_PID_FILE));
    let mut guards = Vec::new();
    for path in [&main_pid, &vrrp_pid] {
        match PidFile::create(path) {
            Ok(g) => guards.push(g),
            Err(e) => {
                log.error(&e.to_string());
                eprintln!("ha: {prog}: {e}");
                return ExitCode::from(EXIT_FATAL);
            }
        }
    }
    match run_vrrp(&parsed, log) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(EXIT_FATAL)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        std::iter::once("keepalived")
            .chain(s.split_whitespace())
            .map(String::from)
            .collect()
    }

    #[test]
    fn config_test_command_lines() {
        let o = parse(&argv("-t -f /x.conf -i lb2 -e")).unwrap();
        assert_eq!(
            o,
            Opts {
                file: Some("/x.conf".into()),
                test: true,
                config_id: Some("lb2".into()),
                all_config: true,
                ..Opts::default()
            }
        );
        let o = parse(&argv("--config-test=/tmp/log --use-file=/y -lDn")).unwrap();
        assert_eq!(o.test_log, Some("/tmp/log".into()));
        assert_eq!(o.file, Some("/y".into()));
        assert!(o.unsupported.is_empty());
    }

    #[test]
    fn daemon_command_lines() {
        let o = parse(&argv(
            "-n -l -D -P -f /k.conf -p /run/k.pid --vrrp_pid /run/v.pid",
        ))
        .unwrap();
        assert!(o.unsupported.is_empty(), "{:?}", o.unsupported);
        assert!(o.dont_fork && o.log_console && o.log_detail && !o.test);
        assert_eq!(o.pid_file, Some("/run/k.pid".into()));
        assert_eq!(o.vrrp_pid_file, Some("/run/v.pid".into()));
        let o = parse(&argv("--dont-fork --log-detail -S 0 -G")).unwrap();
        assert_eq!(o.facility, Some(0));
        assert!(o.no_syslog);
        assert!(parse(&argv("-S 9")).is_err());
    }

    #[test]
    fn options_this_version_does_not_run_are_named() {
        let o = parse(&argv("-X -s ns1 --address-monitoring")).unwrap();
        assert_eq!(o.unsupported, ["-X", "-s", "--address-monitoring"]);
    }

    #[test]
    fn bad_options() {
        assert!(parse(&argv("--bogus")).is_err());
        assert!(parse(&argv("-f")).is_err());
        assert!(parse(&argv("-t extra")).is_err());
    }
}
