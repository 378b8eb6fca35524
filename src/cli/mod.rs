//! Command-line front ends: the `ha` clap tree and the compat personalities chosen by argv[0].

pub mod check;
pub mod config;
pub mod docs;
pub mod genhash;
pub mod ipvs;
pub mod ipvs_saved;
pub mod rsarp;
pub mod run;
pub mod vrrp;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::error::Exit;

const ABOUT: &str = "One binary for Linux load-balancing directors: health checks, genhash, LVS-DR real-server ARP setup";

const LONG_ABOUT: &str = "\
ha does the jobs of keepalived, ipvsadm, genhash and the real-server ARP scripts that LVS
directors are built from, in one binary that reads your existing keepalived.conf.

Invoked as `genhash` (a symlink to this binary) it behaves exactly like keepalived's genhash;
invoked as `ipvsadm`, exactly like ipvsadm 1.31 (options, output, messages, exit statuses);
invoked as `keepalived`, `keepalived -t -f FILE` checks a configuration.";

const EXIT_STATUS: &str = "\
Exit status:
  0  OK (a check found the target UP)
  1  the answer is no (a check found the target DOWN, a fetch failed)
  2  usage error
  3  runtime error (I/O, netlink, unexpected system answer)
  4  missing privilege (run as root or grant the capability named)
  5  this system lacks a needed feature";

const EXAMPLES: &str = "\
Examples:
  ha run -t -f /etc/keepalived/keepalived.conf        check a keepalived.conf
  ha genhash -s 192.168.1.10 -p 80 -u /index.html     MD5 for HTTP_GET's `digest`
  ha check http 192.168.1.10 --path /health            one HTTP_GET check, now
  ha check tcp 192.168.1.10 --port 3306                 one TCP_CHECK
  ha rs-arp start --vip 192.168.1.100                   LVS-DR real-server setup
  ha ipvs list                                          the kernel's IPVS table
  ha ipvs apply -f keepalived.conf --dry-run            what the config would change";

#[derive(Debug, Parser)]
#[command(
    name = "ha",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"),
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Run(run::RunArgs),
    Config(config::ConfigArgs),
    Genhash(genhash::GenhashArgs),
    Check(check::CheckArgs),
    Ipvs(ipvs::IpvsArgs),
    RsArp(rsarp::RsArpArgs),
    Vrrp(vrrp::VrrpArgs),
    /// Write the shell completions and man pages generated from this binary (maintainers).
    #[command(hide = true)]
    GenerateDocs(docs::GenerateDocsArgs),
}

/// The clap definition, for completions, man pages and tests.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Entry point: picks the personality from argv[0]'s basename.
pub fn dispatch(invoked_as: &str, args: Vec<OsString>) -> ExitCode {
    match invoked_as {
        "genhash" => crate::compat::genhash::main(args),
        "keepalived" => crate::compat::keepalived::main(args),
        "ipvsadm" => crate::compat::ipvsadm::main(args),
        _ => run_ha(args),
    }
}

fn run_ha(args: Vec<OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match &cli.command {
        Command::Run(a) => run::run(a),
        Command::Config(a) => config::run(a),
        Command::Genhash(a) => genhash::run(a),
        Command::Check(a) => check::run(a),
        Command::Ipvs(a) => ipvs::run(a),
        Command::RsArp(a) => rsarp::run(a),
        Command::Vrrp(a) => vrrp::run(a),
        Command::GenerateDocs(a) => docs::run(a),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => e.report(),
    }
}

/// Parses a duration given in (decimal) seconds, as keepalived's timers are written.
pub fn parse_seconds(s: &str) -> Result<std::time::Duration, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds (e.g. 5 or 0.5)"))?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("`{s}`: seconds must be a positive number"));
    }
    if v > 86_400.0 {
        return Err(format!("`{s}`: at most 86400 seconds"));
    }
    Ok(std::time::Duration::from_secs_f64(v))
}

/// Like [`parse_seconds`], for timeouts: zero would fail every check at once.
pub fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    match parse_seconds(s)? {
        d if d.is_zero() => Err(format!("`{s}`: a timeout must be more than 0 seconds")),
        d => Ok(d),
    }
}

/// Turns a command's outcome into the exit status, for commands that report UP/DOWN.
pub fn exit_for(up: bool) -> Exit {
    if up {
        Exit::Ok
    } else {
        Exit::Down
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn seconds_accept_decimals_and_reject_junk() {
        assert_eq!(
            parse_seconds("0.25").unwrap(),
            std::time::Duration::from_millis(250)
        );
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("abc").is_err());
        assert!(parse_seconds("NaN").is_err());
    }
}
