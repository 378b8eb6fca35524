//! `ha rs-arp start|stop|status`: the LVS-DR real-server ARP setup from the command line.

use std::net::IpAddr;

use crate::error::{warn, CliError, Exit};
use crate::net::{self, NetAdmin};
use crate::rsarp::{
    self, status, Failure, Knob, Report, RsArpError, State, StateErrorKind, StateStore, SystemHost,
    DEFAULT_DEV,
};

const LONG_ABOUT: &str = "\
Set up an LVS-DR real server: VIPs on lo and the ARP sysctls.

With direct routing the director forwards packets for the VIP unchanged, so each real server
must own the VIP as a local address, yet must never answer ARP for it (or it would steal the
VIP from the director). `ha rs-arp start` does what the usual script does:

  net.ipv4.conf.all.arp_ignore=1     net.ipv4.conf.lo.arp_ignore=1
  net.ipv4.conf.all.arp_announce=2   net.ipv4.conf.lo.arp_announce=2
  each VIP as a host address on lo (/32; IPv6 /128 without DAD)

through rtnetlink and /proc/sys (no ip/ifconfig). It checks arguments and privileges before
changing anything, and saves the previous sysctl values in the state file
$HA_RUN_DIR/rs-arp.json (HA_RUN_DIR defaults to /run/ha), so that `stop` puts back exactly
what was there.

The kernel applies max(all, <interface>) for both knobs, so `all` covers the interface the
ARP requests arrive on. IPv6 VIPs need no sysctl: Linux answers neighbour solicitations only
for addresses on the interface they arrive on, and lo has no neighbours.";

const EXAMPLES: &str = "\
Examples:
  ha rs-arp start --vip 192.168.1.100                   VIP on lo, ARP sysctls set
  ha rs-arp start --vip 192.168.1.100,2001:db8::100     several VIPs, IPv4 and IPv6
  ha rs-arp status || echo 'half set up'                exit 1 when something is missing
  ha rs-arp stop --vip 192.168.1.100                    take one VIP away
  ha rs-arp stop                                        undo everything start did";

const EXIT_STATUS: &str = "\
Exit status:
  0  done (status: complete, or nothing set up)
  1  status only: half set up (see the warnings)
  2  bad arguments (an address that cannot be a VIP...)
  3  runtime error (no such device, unreadable state file, netlink error)
  4  missing privilege: run as root or with CAP_NET_ADMIN
  5  IPv6 VIP but IPv6 is disabled";

/// Set up an LVS-DR real server: VIPs on lo and the ARP sysctls.
#[derive(Debug, clap::Args)]
#[command(
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"),
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct RsArpArgs {
    #[command(subcommand)]
    pub command: RsArpCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum RsArpCommand {
    Start(StartArgs),
    Stop(StopArgs),
    Status(StatusArgs),
}

const START_LONG: &str = "\
Set the ARP sysctls, then add the VIPs (in that order, so a VIP is never answered for).

Running it again changes nothing; to add a VIP later, run start again with it. A VIP already
on the device is fine: it is left as it is and not recorded as added, so `stop` will not remove
it. The sysctl values from before the first start are saved in the state file; later starts
never overwrite them.

If the device is down (lo is, in a fresh network namespace) start brings it up; stop never
takes it down. Needs root or CAP_NET_ADMIN, checked before anything is changed.";

const START_EXAMPLES: &str = "\
Examples:
  ha rs-arp start --vip 192.168.1.100
  ha rs-arp start --vip 192.168.1.100 --vip 192.168.1.101 --json";

/// Set the ARP sysctls and add the VIPs (safe to repeat).
#[derive(Debug, clap::Args)]
#[command(long_about = START_LONG, after_help = START_EXAMPLES)]
pub struct StartArgs {
    /// A VIP the director forwards to this server: IPv4 or IPv6, optionally with /32 or
    /// /128. Repeat the option or separate with commas.
    #[arg(
        long = "vip",
        value_name = "IP",
        required = true,
        value_delimiter = ',',
        value_parser = parse_vip
    )]
    pub vips: Vec<IpAddr>,
    /// The device that holds the VIPs: lo, or a dummy device; never the real NIC.
    #[arg(long, value_name = "DEV", default_value = DEFAULT_DEV, value_parser = parse_dev)]
    pub dev: String,
    /// Print one JSON object describing what was done.
    #[arg(long)]
    pub json: bool,
}

const STOP_LONG: &str = "\
Remove VIPs and put the ARP sysctls back.

Without --vip, stop undoes start: it removes the VIPs that start added (addresses that were
there before start are left alone), restores the four sysctls to their values from before
the first start, and deletes the state file.

With --vip, stop removes just those addresses, whoever added them. The sysctls stay as they
are while any VIP added by start remains, so the VIPs still on the device are never answered
for; they are restored when the last one goes.

Stop is safe to repeat: with no state file and no --vip it does nothing. It never takes the
device down. Needs root or CAP_NET_ADMIN.";

const STOP_EXAMPLES: &str = "\
Examples:
  ha rs-arp stop                          undo start
  ha rs-arp stop --vip 192.168.1.101      retire one VIP, keep the rest working";

/// Remove VIPs and restore the sysctls from before start.
#[derive(Debug, clap::Args)]
#[command(long_about = STOP_LONG, after_help = STOP_EXAMPLES)]
pub struct StopArgs {
    /// Remove only this VIP (repeat, or separate with commas). Without it: everything
    /// start added.
    #[arg(long = "vip", value_name = "IP", value_delimiter = ',', value_parser = parse_vip)]
    pub vips: Vec<IpAddr>,
    /// The device holding the VIPs [default: the one start used, else lo].
    #[arg(long, value_name = "DEV", value_parser = parse_dev)]
    pub dev: Option<String>,
    /// Print one JSON object describing what was done.
    #[arg(long)]
    pub json: bool,
}

const STATUS_LONG: &str = "\
Show the VIPs and the ARP sysctls, and warn about a half setup.

Lists the host addresses (/32, /128) on the device and the VIPs the state file names, the
sysctls (all, the device, and the effective value, max(all, device)), and warns when:
  - an IPv4 VIP is on the device but effective arp_ignore < 1 or arp_announce < 2
    (this host answers ARP for it and competes with the director)
  - start set the sysctls but no VIP is on the device
  - a VIP start was given is no longer on the device
  - VIPs on a device that is down

Exit status 0 when the setup is complete, or nothing is set up; 1 when there are warnings,
so scripts and monitoring can use it. Needs no privilege.";

const STATUS_EXAMPLES: &str = "\
Examples:
  ha rs-arp status
  ha rs-arp status --json | jq .warnings";

/// Show VIPs and sysctls; exit 1 on a half setup.
#[derive(Debug, clap::Args)]
#[command(long_about = STATUS_LONG, after_help = STATUS_EXAMPLES)]
pub struct StatusArgs {
    /// The device holding the VIPs [default: the one start used, else lo].
    #[arg(long, value_name = "DEV", value_parser = parse_dev)]
    pub dev: Option<String>,
    /// Print one JSON object (vips, sysctls, state, warnings, ok).
    #[arg(long)]
    pub json: bool,
}

fn parse_vip(s: &str) -> Result<IpAddr, String> {
    rsarp::parse_vip(s)
}

fn parse_dev(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= net::rtnl::IFNAME_MAX
        && s != "."
        && s != ".."
        && s != "all"
        && s != "default"
        && !s.contains(|c: char| c == '/' || c == ':' || c.is_whitespace());
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "`{s}` is not an interface name (1-{} characters, no '/', ':' or spaces)",
            net::rtnl::IFNAME_MAX
        ))
    }
}

pub fn run(a: &RsArpArgs) -> Result<Exit, CliError> {
    match &a.command {
        RsArpCommand::Start(s) => start(s),
        RsArpCommand::Stop(s) => stop(s),
        RsArpCommand::Status(s) => show_status(s),
    }
}

fn start(a: &StartArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "rs-arp start";
    require_net_admin(WHAT)?;
    let store = StateStore::from_env();
    let mut host = SystemHost::open(&a.dev).map_err(|e| cli_error(WHAT, &e, Changed::Nothing))?;
    finish(WHAT, rsarp::start(&mut host, &store, &a.vips), a.json)
}

fn stop(a: &StopArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "rs-arp stop";
    require_net_admin(WHAT)?;
    let store = StateStore::from_env();
    let state = load(WHAT, &store, Changed::Nothing)?;
    let dev = pick_dev(a.dev.as_deref(), state.as_ref());
    let mut host = SystemHost::open(&dev).map_err(|e| cli_error(WHAT, &e, Changed::Nothing))?;
    finish(WHAT, rsarp::stop(&mut host, &store, &a.vips), a.json)
}

fn show_status(a: &StatusArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "rs-arp status";
    let store = StateStore::from_env();
    let state = load(WHAT, &store, Changed::NotApplicable)?;
    let dev = pick_dev(a.dev.as_deref(), state.as_ref());
    let mut host =
        SystemHost::open(&dev).map_err(|e| cli_error(WHAT, &e, Changed::NotApplicable))?;
    let other_dev = state.as_ref().map(|s| s.dev.clone()).filter(|d| *d != dev);
    let observed = rsarp::observe(&mut host, state)
        .map_err(|e| cli_error(WHAT, &e, Changed::NotApplicable))?;
    let report = status::report(&observed, &store.path().display().to_string());
    if a.json {
        print_json(WHAT, &report)?;
    } else {
        print_status(&report, other_dev.as_deref());
    }
    Ok(if report.ok { Exit::Ok } else { Exit::Down })
}

fn load(what: &str, store: &StateStore, changed: Changed) -> Result<Option<State>, CliError> {
    store
        .load()
        .map_err(|e| cli_error(what, &RsArpError::State(e), changed))
}

fn pick_dev(flag: Option<&str>, state: Option<&State>) -> String {
    flag.map(str::to_owned)
        .or_else(|| state.map(|s| s.dev.clone()))
        .unwrap_or_else(|| DEFAULT_DEV.to_owned())
}

/// Refuses before anything is touched (the state directory included).
pub(crate) fn require_net_admin(what: &str) -> Result<(), CliError> {
    let (why, hint) = match net::net_admin() {
        NetAdmin::Capable => return Ok(()),
        NetAdmin::RootWithoutCap => (
            "running as root but without CAP_NET_ADMIN; nothing was changed",
            "this looks like a container that dropped the capability: grant CAP_NET_ADMIN \
             (e.g. `docker run --cap-add NET_ADMIN`)",
        ),
        NetAdmin::Unprivileged => (
            "needs root or CAP_NET_ADMIN; nothing was changed",
            "run it as root (sudo ...), or give the service \
             AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW",
        ),
    };
    Err(CliError::new(Exit::Permission, what, why).with_hint(hint))
}

/// Prints what was done (also when it stopped part-way) and picks the exit status.
fn finish(what: &str, outcome: Result<Report, Box<Failure>>, json: bool) -> Result<Exit, CliError> {
    let (report, error) = match outcome {
        Ok(r) => (r, None),
        Err(f) => (f.done, Some(f.error)),
    };
    if json {
        print_json(what, &report)?;
    } else {
        for a in &report.actions {
            println!("{a}");
        }
        for w in &report.warnings {
            warn(w);
        }
    }
    match error {
        None => Ok(Exit::Ok),
        Some(e) => Err(cli_error(
            what,
            &e,
            if report.changed {
                Changed::Partly
            } else {
                Changed::Nothing
            },
        )),
    }
}

fn print_json(what: &str, v: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(v)
        .map_err(|e| CliError::runtime(what, format!("cannot encode JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// How far a failed command got, for the error line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Changed {
    Nothing,
    Partly,
    /// A read-only command.
    NotApplicable,
}

fn cli_error(what: &str, e: &RsArpError, changed: Changed) -> CliError {
    let (exit, hint) = if e.is_permission() {
        (
            Exit::Permission,
            "run it as root, or with CAP_NET_ADMIN and a writable HA_RUN_DIR".to_owned(),
        )
    } else {
        match e {
            RsArpError::NoDevice { .. } => (
                Exit::Runtime,
                "`ip link` lists the devices; VIPs normally go on lo".to_owned(),
            ),
            RsArpError::Ipv6Unavailable { dev } => (
                Exit::Unsupported,
                format!("enable it (sysctl net.ipv6.conf.{dev}.disable_ipv6=0) or use IPv4 VIPs"),
            ),
            RsArpError::OtherDevice { state_dev, .. } => (
                Exit::Usage,
                format!("pass --dev {state_dev}, or run `ha rs-arp stop` first to move"),
            ),
            RsArpError::State(s) if matches!(s.kind, StateErrorKind::Corrupt(_)) => (
                Exit::Runtime,
                format!(
                    "look at {} and remove it once the sysctls it lists are back as wanted",
                    s.path.display()
                ),
            ),
            _ => (
                Exit::Runtime,
                "`ha rs-arp status` shows the current setup".to_owned(),
            ),
        }
    };
    match changed {
        Changed::Nothing => {
            CliError::new(exit, what, format!("{e}; nothing was changed")).with_hint(hint)
        }
        Changed::Partly => CliError::new(exit, what, format!("{e}; stopped part-way")).with_hint(
            format!("`ha rs-arp stop` undoes what was done (listed above). {hint}"),
        ),
        Changed::NotApplicable => CliError::new(exit, what, e).with_hint(hint),
    }
}

fn print_status(r: &status::StatusReport, other_dev: Option<&str>) {
    let dev = &r.dev;
    let headline = if !r.ok {
        let n = r.warnings.len();
        format!("half set up ({n} warning{})", if n == 1 { "" } else { "s" })
    } else if r.complete {
        "LVS-DR real-server setup complete".to_owned()
    } else {
        "nothing set up".to_owned()
    };
    println!("{dev}: {headline}");
    for v in &r.vips {
        let presence = if v.present { "present" } else { "MISSING" };
        let origin = if v.added_by_ha {
            "added by start"
        } else if v.recorded {
            "named by start, was already there"
        } else {
            "not managed by rs-arp"
        };
        println!("  vip {:<40} {presence:<8} {origin}", v.address);
    }
    for (knob, k) in [
        (Knob::ArpIgnore, &r.sysctls.arp_ignore),
        (Knob::ArpAnnounce, &r.sysctls.arp_announce),
    ] {
        println!(
            "  {:<13} all={} {dev}={} effective={} (needs >= {})",
            knob.name(),
            k.all,
            k.dev,
            k.effective,
            k.required
        );
    }
    match &r.state {
        Some(s) => {
            let originals: Vec<String> = s
                .originals
                .iter()
                .map(|o| {
                    let conf = match o.conf {
                        rsarp::Conf::All => "all",
                        rsarp::Conf::Dev => dev.as_str(),
                    };
                    format!("{conf}.{}={}", o.knob.name(), o.value)
                })
                .collect();
            println!(
                "  state file {} (originals: {})",
                r.state_file,
                originals.join(" ")
            );
        }
        None => println!("  no state file ({})", r.state_file),
    }
    if let Some(other) = other_dev {
        println!("  note: the state file is about {other}; see `ha rs-arp status --dev {other}`");
    }
    for w in &r.warnings {
        println!("warning: {}", w.message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct T {
        #[command(subcommand)]
        c: RsArpCommand,
    }

    fn parse(args: &[&str]) -> Result<RsArpCommand, clap::Error> {
        T::try_parse_from(std::iter::once("t").chain(args.iter().copied())).map(|t| t.c)
    }

    #[test]
    fn vips_repeat_or_comma_separate() {
        let Ok(RsArpCommand::Start(s)) = parse(&[
            "start",
            "--vip",
            "192.0.2.1,2001:db8::1",
            "--vip",
            "192.0.2.2/32",
        ]) else {
            panic!("start did not parse");
        };
        assert_eq!(s.vips.len(), 3);
        assert_eq!(s.dev, "lo");
    }

    #[test]
    fn bad_values_are_usage_errors_with_reasons() {
        let e = parse(&["start", "--vip", "224.0.0.1"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("multicast"), "{e}");
        assert!(parse(&["start"]).is_err(), "--vip is required");
        assert!(parse(&["start", "--vip", "192.0.2.1", "--dev", "a/b"]).is_err());
        assert!(parse(&["start", "--vip", "192.0.2.1", "--dev", "all"]).is_err());
    }

    #[test]
    fn stop_and_status_default_to_the_state_device() {
        let Ok(RsArpCommand::Stop(s)) = parse(&["stop"]) else {
            panic!("stop did not parse");
        };
        assert!(s.vips.is_empty() && s.dev.is_none());
        assert_eq!(pick_dev(None, None), "lo");
        let st = State::new("dummy0", vec![]);
        assert_eq!(pick_dev(None, Some(&st)), "dummy0");
        assert_eq!(pick_dev(Some("lo"), Some(&st)), "lo");
    }
}
