//! The `ipvsadm` personality: ipvsadm 1.31's command line, output, messages and exit
//! statuses, byte for byte, over the kernel client.
//!
//! Sans-IO parts: `popt` (option scanning), `args` (the command line as ipvsadm reads it),
//! `listing` / `conn` / `help` (output), `sort` (ipvsadm's order), `cnum` (the C library's
//! number and address readers). `exec` runs a command against any [`crate::ipvs::Ipvs`] and
//! a [`exec::Host`]; this file supplies the real ones.

pub mod args;
pub mod cnum;
pub mod conn;
pub mod exec;
pub mod help;
pub mod listing;
pub mod names;
pub mod popt;
pub mod sort;

use std::ffi::OsString;
use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;

use crate::ipvs::{ApplyError, Info, Ipvs, IpvsError, Op, Service, ServiceKey};
use crate::ipvs::{Dest, SyncDaemon, Timeouts};

/// Standard streams, stdin, /proc and the C library's resolver.
struct SystemHost {
    out: Box<dyn Write>,
    stdin: io::StdinLock<'static>,
    names: names::SystemNames,
}

impl exec::Host for SystemHost {
    fn names(&self) -> &dyn names::Names {
        &self.names
    }
    fn out(&mut self, s: &str) {
        // Write errors (a closed pipe) are ignored, as ipvsadm's unchecked printf does.
        let _ = self.out.write_all(s.as_bytes());
    }
    fn err(&mut self, s: &str) {
        // stdout's buffer goes first only if it is a terminal (line buffered in C too).
        let _ = io::stderr().write_all(s.as_bytes());
    }
    fn stdin(&mut self) -> &mut dyn BufRead {
        &mut self.stdin
    }
    fn conn_table(&mut self) -> io::Result<Vec<u8>> {
        std::fs::read(conn::CONN_PROC_FILE)
    }
    fn posix(&self) -> bool {
        std::env::var_os("POSIXLY_CORRECT").is_some()
            || std::env::var_os("POSIX_ME_HARDER").is_some()
    }
    fn modprobe_ip_vs(&mut self) -> bool {
        std::process::Command::new("/sbin/modprobe")
            .args(["--", "ip_vs"])
            .status()
            .is_ok_and(|s| s.success())
    }
}

/// Until the netlink client is merged: a kernel without IPVS.
struct NoKernel;

impl Ipvs for NoKernel {
    fn info(&mut self) -> Result<Info, IpvsError> {
        Err(IpvsError::NotAvailable)
    }
    fn services(&mut self) -> Result<Vec<Service>, IpvsError> {
        Err(IpvsError::NotAvailable)
    }
    fn service(&mut self, _: &ServiceKey) -> Result<Option<Service>, IpvsError> {
        Err(IpvsError::NotAvailable)
    }
    fn dests(&mut self, _: &ServiceKey) -> Result<Vec<Dest>, IpvsError> {
        Err(IpvsError::NotAvailable)
    }
    fn timeouts(&mut self) -> Result<Timeouts, IpvsError> {
        Err(IpvsError::NotAvailable)
    }
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, IpvsError> {
        Err(IpvsError::NotAvailable)
    }
    fn apply(&mut self, _: &[Op]) -> Result<(), ApplyError> {
        Err(ApplyError {
            index: 0,
            error: IpvsError::NotAvailable,
        })
    }
}

fn open_kernel() -> Result<NoKernel, IpvsError> {
    Err(IpvsError::NotAvailable)
}

/// Entry point for argv[0] = `ipvsadm`.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let argv: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // ipvsadm's stdout is a C stdio stream: line buffered on a terminal, else flushed at exit.
    let out: Box<dyn Write> = if io::stdout().is_terminal() {
        Box::new(io::LineWriter::new(io::stdout()))
    } else {
        Box::new(io::BufWriter::with_capacity(1 << 16, io::stdout()))
    };
    let mut host = SystemHost {
        out,
        stdin: io::stdin().lock(),
        names: names::SystemNames,
    };
    let code = exec::run(&argv, open_kernel, &mut host);
    let _ = host.out.flush();
    ExitCode::from(code)
}
