//! Runs an ipvsadm command line against any [`Ipvs`]: what ipvsadm 1.31's main,
//! process_options, restore_table and list_* do, with the kernel behind the trait and the
//! rest of the outside world (output streams, stdin, the connection table, name lookups,
//! modprobe) behind [`Host`]. Returns the exit status.

use std::io::{self, BufRead};

use super::args::{self, Action, ListWhat, Refusal};
use super::batch;
use super::conn;
use super::help;
use super::listing::{self, Format};
use super::names::Names;
use super::sort;
use crate::ipvs::saved;
use crate::ipvs::{Info, Ipvs, IpvsError, Op, ServiceKey};

/// The world around an ipvsadm run, besides the kernel's IPVS.
pub trait Host {
    fn names(&self) -> &dyn Names;
    /// Standard output (ipvsadm's stdout is buffered: the caller decides when it flushes).
    fn out(&mut self, s: &str);
    /// Standard error, written at once.
    fn err(&mut self, s: &str);
    /// Standard input, for `-R`.
    fn stdin(&mut self) -> &mut dyn BufRead;
    /// Whether a whole line of standard input (or its end) can be read without waiting.
    /// `-R` sends the operations it holds back before it would wait for its feeder.
    fn stdin_ready(&mut self) -> bool;
    /// The kernel's connection table (/proc/net/ip_vs_conn).
    fn conn_table(&mut self) -> io::Result<Vec<u8>>;
    /// POSIXLY_CORRECT (or POSIX_ME_HARDER) is set: popt stops at the first non-option.
    fn posix(&self) -> bool;
    /// `/sbin/modprobe -- ip_vs`; true when it ran and succeeded.
    fn modprobe_ip_vs(&mut self) -> bool;
}

/// The libipvs call a kernel error came from: ipvsadm words errors per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Init,
    AddService,
    UpdateService,
    DelService,
    ZeroService,
    AddDest,
    UpdateDest,
    DelDest,
    StartDaemon,
    StopDaemon,
    SetTimeout,
    Flush,
    GetServices,
    GetDests,
    GetService,
}

impl Call {
    pub fn of(op: &Op) -> Call {
        match op {
            Op::AddService(_) => Call::AddService,
            Op::EditService(_) => Call::UpdateService,
            Op::DelService(_) => Call::DelService,
            Op::Flush => Call::Flush,
            Op::AddDest(..) => Call::AddDest,
            Op::EditDest(..) => Call::UpdateDest,
            Op::DelDest { .. } => Call::DelDest,
            Op::Zero(_) => Call::ZeroService,
            Op::SetTimeouts(_) => Call::SetTimeout,
            Op::StartDaemon(_) => Call::StartDaemon,
            Op::StopDaemon(_) => Call::StopDaemon,
        }
    }
}

const EPERM: i32 = 1;
const ENOENT: i32 = 2;
const ESRCH: i32 = 3;
const ENOMEM: i32 = 12;
const EEXIST: i32 = 17;
const EINVAL: i32 = 22;
const ENOPROTOOPT: i32 = 92;
const EOPNOTSUPP: i32 = 95;
const EAFNOSUPPORT: i32 = 97;
const EMSGSIZE: i32 = 90;

/// The C library's strerror text for an errno.
pub fn strerror(errno: i32) -> String {
    let s = io::Error::from_raw_os_error(errno).to_string();
    match s.rfind(" (os error ") {
        Some(at) => s[..at].to_string(),
        None => s,
    }
}

/// libipvs's ipvs_strerror: the message for `errno` from `call`.
pub fn errno_message(call: Call, errno: i32) -> String {
    use Call::*;
    let specific = match (call, errno) {
        (AddService, EEXIST) => Some("Service already exists"),
        (AddService | UpdateService, ENOENT) => Some("Scheduler or persistence engine not found"),
        (UpdateService | DelService | ZeroService, ESRCH) => Some("No such service"),
        (AddDest | UpdateDest | DelDest, ESRCH) => Some("Service not defined"),
        (AddDest, EEXIST) => Some("Destination already exists"),
        (UpdateDest | DelDest, ENOENT) => Some("No such destination"),
        (StartDaemon, EEXIST) => Some("Daemon has already run"),
        (StopDaemon, ESRCH) => Some("No daemon is running"),
        (GetServices | GetDests | GetService, ESRCH) => Some("No such service"),
        (_, EPERM) => Some("Permission denied (you must be root)"),
        (_, EINVAL) => {
            Some("Invalid operation.  Possibly wrong module version, address not unicast, ...")
        }
        (_, ENOPROTOOPT) => Some("Protocol not available"),
        (_, ENOMEM) => Some("Memory allocation problem"),
        (_, EOPNOTSUPP) => Some("Operation not supported with IPv6"),
        (_, EAFNOSUPPORT) => Some("Operation not supported with specified address family"),
        (_, EMSGSIZE) => Some("Module is wrong version"),
        _ => None,
    };
    specific.map_or_else(|| strerror(errno), str::to_string)
}

/// The message ipvsadm prints for a failed call.
pub fn error_message(call: Call, e: &IpvsError) -> String {
    match e {
        IpvsError::Kernel { errno } => errno_message(call, *errno),
        IpvsError::Permission => errno_message(call, EPERM),
        // libipvs falls back to the old sockopt interface, which answers ENOPROTOOPT.
        IpvsError::NotAvailable => errno_message(call, ENOPROTOOPT),
        IpvsError::Io(why) | IpvsError::Malformed(why) => why.clone(),
    }
}

/// Stop the program now with this status (ipvsadm's exit() calls).
struct Stop(u8);

/// Most operation lines `-R` holds back before it sends them: a bound on memory (the
/// netlink client sends at most 256 per datagram anyway).
const QUEUE_MAX: usize = 4096;

/// ipvsadm warns when the kernel's IPVS is older than this.
const MINIMUM_IPVS_VERSION: u32 = 0x010104;

struct Run<'a, K: Ipvs, H: Host> {
    ipvs: &'a mut K,
    info: Info,
    host: &'a mut H,
}

/// Runs ipvsadm with `argv` (argv[0] included): opens the kernel's IPVS with `open` (once
/// more after modprobe if that fails, as ipvsadm does), then does what the arguments say.
pub fn run<K: Ipvs>(
    argv: &[String],
    mut open: impl FnMut() -> Result<K, IpvsError>,
    host: &mut impl Host,
) -> u8 {
    let mut init = || -> Result<(K, Info), IpvsError> {
        let mut k = open()?;
        let info = k.info()?;
        Ok((k, info))
    };
    let (mut ipvs, info) = match init() {
        Ok(x) => x,
        Err(first) => {
            let retry = if host.modprobe_ip_vs() {
                init()
            } else {
                Err(first)
            };
            match retry {
                Ok(x) => x,
                Err(e) => {
                    host.err(&format!(
                        "Can't initialize ipvs: {}\nAre you sure that IP Virtual Server is built in the kernel or as module?\n",
                        error_message(Call::Init, &e)
                    ));
                    return 2;
                }
            }
        }
    };
    run_on(argv, &mut ipvs, info, host)
}

/// Runs ipvsadm with `argv` on an IPVS already opened (`info` is its answer to GET_INFO):
/// the version warning, then what the arguments say.
pub fn run_on(argv: &[String], ipvs: &mut impl Ipvs, info: Info, host: &mut impl Host) -> u8 {
    if info.version < MINIMUM_IPVS_VERSION {
        let v = |x: u32| format!("{}.{}.{}", (x >> 16) & 0xff, (x >> 8) & 0xff, x & 0xff);
        host.err(&format!(
            "Warning: IPVS version mismatch: \n  Kernel compiled with IPVS version {}\n  ipvsadm v1.31  requires minimum IPVS version {}\n\n",
            v(info.version),
            v(MINIMUM_IPVS_VERSION)
        ));
    }
    let mut r = Run { ipvs, info, host };
    let outcome = if argv.len() <= 1 {
        r.list_all(&Format::default()).map(|()| 0)
    } else {
        r.process(argv, false)
    };
    match outcome {
        Ok(result) => result as u8,
        Err(Stop(code)) => code,
    }
}

impl<K: Ipvs, H: Host> Run<'_, K, H> {
    /// process_options: one command line; Ok(result) where ipvsadm returns (0 or -1).
    fn process(&mut self, argv: &[String], reading_stdin: bool) -> Result<i32, Stop> {
        let parsed = args::parse(argv, self.host.names(), self.host.posix());
        let program = argv.first().map(String::as_str).unwrap_or("ipvsadm");
        self.act(parsed, program, reading_stdin)
    }

    /// What process_options does once the command line is read.
    fn act(
        &mut self,
        parsed: Result<Action, Refusal>,
        program: &str,
        reading_stdin: bool,
    ) -> Result<i32, Stop> {
        let action = match parsed {
            Ok(a) => a,
            Err(refusal) => return self.refuse(refusal),
        };
        match action {
            Action::Help => {
                self.host.out(&help::usage(program));
                Err(Stop(0))
            }
            Action::Version => {
                self.host.out(&listing::version_line());
                Err(Stop(0))
            }
            Action::List(what, format) => {
                match what {
                    ListWhat::All => self.list_all(&format)?,
                    ListWhat::Service(key) => self.list_service(&key, &format)?,
                    ListWhat::Connections => self.list_conns(&format)?,
                    ListWhat::Timeouts => {
                        let t = self.ipvs.timeouts().map_err(|_| Stop(1))?;
                        self.host.out(&listing::timeouts(&t));
                    }
                    ListWhat::Daemons => {
                        let d = self.ipvs.daemons().map_err(|_| Stop(1))?;
                        self.host.out(&listing::daemons(&d));
                    }
                }
                Ok(0)
            }
            Action::Save(format) => {
                self.list_all(&format)?;
                Ok(0)
            }
            Action::Restore => {
                if reading_stdin {
                    // A -R line inside -R would read the same stdin forever.
                    return self.refuse(args::try_help(program));
                }
                self.restore(program)
            }
            Action::Apply(op) => Ok(self.apply_lines(std::slice::from_ref(&op))),
        }
    }

    fn refuse(&mut self, refusal: Refusal) -> Result<i32, Stop> {
        match refusal {
            Refusal::Exit { stderr, code } => {
                self.host.err(&stderr);
                Err(Stop(code))
            }
            Refusal::Failed { stderr } => {
                self.host.err(&stderr);
                Ok(-1)
            }
        }
    }

    /// restore_table: every line of stdin as a command line; the last one's result.
    ///
    /// Runs of operation lines (add, edit, delete, zero, flush, set, daemons) are held
    /// back and sent as batches (see [`batch`]); any other line, the end of the input,
    /// [`QUEUE_MAX`] held lines, or an input that would make ha wait for its next line sends
    /// them first, so messages, output and the kernel's table come in the lines' order.
    fn restore(&mut self, program: &str) -> Result<i32, Stop> {
        let mut result = 0;
        let mut queue: Vec<Op> = Vec::new();
        loop {
            if !queue.is_empty() && (queue.len() >= QUEUE_MAX || !self.host.stdin_ready()) {
                result = self.apply_lines(&queue);
                queue.clear();
            }
            // A read error ends the input, as it ends fscanf's.
            let Ok(Some(words)) = saved::read_rule_line(self.host.stdin()) else {
                break;
            };
            if words.is_empty() {
                continue;
            }
            let argv: Vec<String> = std::iter::once(program.to_string()).chain(words).collect();
            let parsed = args::parse(&argv, self.host.names(), self.host.posix());
            if let Ok(Action::Apply(op)) = parsed {
                queue.push(op);
                continue;
            }
            if !queue.is_empty() {
                self.apply_lines(&queue);
                queue.clear();
            }
            result = self.act(parsed, program, true)?;
        }
        if !queue.is_empty() {
            result = self.apply_lines(&queue);
        }
        Ok(result)
    }

    /// Operation lines, each with its message when it fails (worded per libipvs call, as
    /// ipvsadm does); the last line's result.
    fn apply_lines(&mut self, ops: &[Op]) -> i32 {
        let mut result = 0;
        for (op, outcome) in ops.iter().zip(batch::apply_each(self.ipvs, ops)) {
            result = match outcome {
                Ok(()) => 0,
                Err(e) => {
                    let msg = error_message(Call::of(op), &e);
                    self.host.err(&format!("{msg}\n"));
                    -1
                }
            };
        }
        result
    }

    fn fail_call(&mut self, call: Call, e: &IpvsError) -> Stop {
        let msg = error_message(call, e);
        self.host.err(&format!("{msg}\n"));
        Stop(1)
    }

    fn list_all(&mut self, format: &Format) -> Result<(), Stop> {
        if !format.rule {
            self.host.out(&listing::header(&self.info));
        }
        let mut services = match self.ipvs.services() {
            Ok(s) => s,
            Err(e) => return Err(self.fail_call(Call::GetServices, &e)),
        };
        if !format.nosort {
            sort::sort_services(&mut services, |s| s);
        }
        self.host.out(&listing::title(format));
        for svc in &services {
            self.print_service(svc, format)?;
        }
        Ok(())
    }

    fn print_service(&mut self, svc: &crate::ipvs::Service, format: &Format) -> Result<(), Stop> {
        let dests = match self.ipvs.dests(&svc.key) {
            Ok(d) => d,
            Err(e) => return Err(self.fail_call(Call::GetDests, &e)),
        };
        let text = listing::service_entry(svc, &dests, format, self.host.names());
        self.host.out(&text);
        Ok(())
    }

    fn list_service(&mut self, key: &ServiceKey, format: &Format) -> Result<(), Stop> {
        let svc = match self.ipvs.service(key) {
            Ok(Some(s)) => s,
            Ok(None) => {
                return Err(self.fail_call(Call::GetService, &IpvsError::Kernel { errno: ESRCH }))
            }
            Err(e) => return Err(self.fail_call(Call::GetService, &e)),
        };
        self.host.out(&listing::title(format));
        self.print_service(&svc, format)
    }

    fn list_conns(&mut self, format: &Format) -> Result<(), Stop> {
        let listing = match self.host.conn_table() {
            Ok(table) => conn::list(&table, format, self.host.names()),
            Err(_) => conn::unreadable(),
        };
        self.host.out(&listing.stdout);
        self.host.err(&listing.stderr);
        match listing.exit {
            Some(code) => Err(Stop(code)),
            None => Ok(()),
        }
    }
}
