//! `ha vrrp sniff`: every VRRP advert on an interface (or in a pcap file), one line each,
//! and what operators look for with tcpdump: split brain, peers that disagree on interval,
//! authentication, addresses or version, a master leaving.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::error::{CliError, Exit};
use crate::net::iface::NetIf;
use crate::net::packet::{Capture, CaptureFilter};
use crate::wire::watch::{self, Event, Watch};
use crate::wire::{pcap, pretty, vrrp};

const EXAMPLES: &str = "\
Examples:
  ha vrrp sniff -i eth0                 every advert on eth0, until Ctrl-C
  ha vrrp sniff -i eth0 -c 10 --json    ten adverts as JSON lines
  ha vrrp sniff -r capture.pcap         decode a tcpdump capture (pcap, not pcapng)

Each line: time, source -> destination, version, VRID, priority, authentication, interval,
addresses, checksum, TTL. Lines starting with `!` are findings: two masters for one VRID
(split brain), peers with different intervals, authentication, addresses or versions, and
priority-0 adverts (a master leaving).";

/// VRRP on the wire
#[derive(Debug, Args)]
pub struct VrrpArgs {
    #[command(subcommand)]
    pub command: VrrpCommand,
}

#[derive(Debug, Subcommand)]
pub enum VrrpCommand {
    /// Decode every VRRP advert on an interface, one line each, and flag split brain and
    /// mismatched peers (needs CAP_NET_RAW; no configuration)
    #[command(after_help = EXAMPLES)]
    Sniff(SniffArgs),
}

#[derive(Debug, Args)]
pub struct SniffArgs {
    /// Interface to listen on
    #[arg(
        short = 'i',
        long,
        value_name = "IFACE",
        required_unless_present = "read"
    )]
    pub interface: Option<String>,
    /// Read a pcap file instead of an interface
    #[arg(short = 'r', long, value_name = "FILE", conflicts_with = "interface")]
    pub read: Option<PathBuf>,
    /// Stop after this many adverts
    #[arg(short = 'c', long, value_name = "COUNT")]
    pub count: Option<u64>,
    /// Stop after this many seconds
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Do not put the interface in promiscuous mode (unicast adverts between other hosts
    /// are then not seen)
    #[arg(long)]
    pub no_promiscuous: bool,
    /// One JSON object per line
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: &VrrpArgs) -> Result<Exit, CliError> {
    match &a.command {
        VrrpCommand::Sniff(s) => sniff(s),
    }
}

/// What one sniff prints, in text or JSON.
struct Printer {
    json: bool,
    watch: Watch,
    /// Time base of the analyzer.
    start: Option<Duration>,
    seen: u64,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    time: String,
    finding: &'a str,
    message: String,
}

#[derive(Serialize)]
struct MalformedJson {
    time: String,
    malformed: String,
}

impl Printer {
    fn new(json: bool) -> Printer {
        Printer {
            json,
            watch: Watch::new(watch::Config::default()),
            start: None,
            seen: 0,
        }
    }

    fn since_start(&mut self, t: SystemTime) -> Duration {
        let now = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        let start = *self.start.get_or_insert(now);
        now.saturating_sub(start)
    }

    fn packet(
        &mut self,
        out: &mut dyn Write,
        t: SystemTime,
        p: &vrrp::Packet,
    ) -> std::io::Result<()> {
        self.seen += 1;
        let line = if self.json {
            pretty::json_packet(t, p)
        } else {
            pretty::line_packet(t, p)
        };
        writeln!(out, "{line}")?;
        let at = self.since_start(t);
        let events = self.watch.observe(at, &p.received);
        self.events(out, t, &events)
    }

    fn tick(&mut self, out: &mut dyn Write, t: SystemTime) -> std::io::Result<()> {
        let at = self.since_start(t);
        let events = self.watch.tick(at);
        self.events(out, t, &events)
    }

    fn events(&self, out: &mut dyn Write, t: SystemTime, events: &[Event]) -> std::io::Result<()> {
        for e in events {
            if self.json {
                let (state, f) = match e {
                    Event::Raised(f) => ("raised", f),
                    Event::Cleared(f) => ("cleared", f),
                };
                let j = FindingJson {
                    time: pretty::rfc3339(t),
                    finding: state,
                    message: f.to_string(),
                };
                writeln!(out, "{}", serde_json::to_string(&j).unwrap_or_default())?;
            } else {
                writeln!(out, "! {} {e}", pretty::clock(t))?;
            }
        }
        out.flush()
    }

    fn malformed(&self, out: &mut dyn Write, t: SystemTime, why: &str) -> std::io::Result<()> {
        if self.json {
            let j = MalformedJson {
                time: pretty::rfc3339(t),
                malformed: why.to_string(),
            };
            writeln!(out, "{}", serde_json::to_string(&j).unwrap_or_default())
        } else {
            writeln!(out, "{} malformed VRRP packet: {why}", pretty::clock(t))
        }
    }
}

fn sniff(a: &SniffArgs) -> Result<Exit, CliError> {
    let timeout = match a.timeout {
        Some(s) if !(s.is_finite() && s > 0.0) => {
            return Err(CliError::usage(
                "vrrp sniff",
                "--timeout must be a positive number of seconds",
            ))
        }
        Some(s) => Some(Duration::from_secs_f64(s)),
        None => None,
    };
    let mut out = std::io::stdout().lock();
    let mut printer = Printer::new(a.json);
    let io = |e: std::io::Error| CliError::runtime("vrrp sniff", e);
    let result = sniff_into(a, timeout, &mut printer, &mut out);
    // A reader that went away (`| head`) ends the sniff, as it ends tcpdump.
    match result {
        Err(Stop::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Exit::Ok),
        Err(Stop::Io(e)) => Err(io(e)),
        Err(Stop::Cli(e)) => Err(e),
        Ok(exit) => Ok(exit),
    }
}

enum Stop {
    Io(std::io::Error),
    Cli(CliError),
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Stop {
        Stop::Io(e)
    }
}

impl From<CliError> for Stop {
    fn from(e: CliError) -> Stop {
        Stop::Cli(e)
    }
}

fn sniff_into(
    a: &SniffArgs,
    timeout: Option<Duration>,
    printer: &mut Printer,
    out: &mut dyn Write,
) -> Result<Exit, Stop> {
    if let Some(path) = &a.read {
        return read_file(path, a.count, printer, out);
    }
    let ifname = a.interface.as_deref().unwrap_or_default();
    let netif = NetIf::by_name(ifname).map_err(|e| {
        CliError::new(Exit::Usage, "vrrp sniff", e).with_hint("list the interfaces with `ip link`")
    })?;
    let capture = Capture::open(&netif, CaptureFilter::Vrrp, !a.no_promiscuous).map_err(|e| {
        if e.is_permission() {
            CliError::new(Exit::Permission, "vrrp sniff", e)
                .with_hint("capturing needs root or CAP_NET_RAW (sudo ha vrrp sniff ...)")
        } else {
            CliError::runtime("vrrp sniff", e)
        }
    })?;
    let end = timeout.map(|d| Instant::now() + d);
    let mut buf = vec![0u8; 65536];
    loop {
        if a.count.is_some_and(|c| printer.seen >= c) {
            return Ok(Exit::Ok);
        }
        // Wake at least every second so findings that end by silence are reported.
        let step = Instant::now() + Duration::from_secs(1);
        let deadline = end.map_or(step, |e| e.min(step));
        match capture.recv(&mut buf, deadline) {
            Ok(frame) => {
                let t = SystemTime::now();
                let bytes = &buf[..frame.len.min(buf.len())];
                match vrrp::decode_ethernet(bytes) {
                    Ok(p) => printer.packet(out, t, &p)?,
                    Err(e) => printer.malformed(out, t, &e.to_string())?,
                }
            }
            Err(e) if e.is_timeout() => {
                printer.tick(out, SystemTime::now())?;
                if end.is_some_and(|e| Instant::now() >= e) {
                    return Ok(Exit::Ok);
                }
            }
            Err(e) => return Err(CliError::runtime("vrrp sniff", e).into()),
        }
    }
}

fn read_file(
    path: &std::path::Path,
    count: Option<u64>,
    printer: &mut Printer,
    out: &mut dyn Write,
) -> Result<Exit, Stop> {
    let what = format!("vrrp sniff -r {}", path.display());
    let bytes = std::fs::read(path).map_err(|e| CliError::runtime(what.clone(), e))?;
    let file = pcap::parse(&bytes).map_err(|e| {
        CliError::new(Exit::Usage, what.clone(), e)
            .with_hint("write classic pcap: tcpdump -w FILE (or editcap -F pcap to convert pcapng)")
    })?;
    for rec in &file.records {
        if count.is_some_and(|c| printer.seen >= c) {
            break;
        }
        let t = SystemTime::UNIX_EPOCH + rec.time;
        match pcap::decode_vrrp(file.linktype, &rec.data) {
            Ok(p) => printer.packet(out, t, &p)?,
            // Other traffic in the capture (ARP, NA, ...) is not ours to report.
            Err(
                pcap::FrameError::NotIp(_)
                | pcap::FrameError::Vrrp(
                    vrrp::DecodeError::NotIp { .. } | vrrp::DecodeError::NotVrrp { .. },
                ),
            ) => {}
            Err(e) => printer.malformed(out, t, &e.to_string())?,
        }
    }
    out.flush()?;
    Ok(Exit::Ok)
}
