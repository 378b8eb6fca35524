//! The `ipvsadm` personality: ipvsadm 1.31's command line, output, messages and exit
//! statuses, byte for byte, over the kernel client.
//!
//! Sans-IO parts: `popt` (option scanning), `args` (the command line as ipvsadm reads it),
//! `listing` / `conn` / `help` (output), `sort` (ipvsadm's order), `cnum` (the C library's
//! number and address readers), `batch` (-R's operation lines in batches over any
//! [`crate::ipvs::Ipvs`]). `exec` runs a command against any `Ipvs` and a [`exec::Host`];
//! this file supplies the real ones (`input`: stdin that knows when a read would wait).

pub mod args;
pub mod batch;
pub mod cnum;
pub mod conn;
pub mod exec;
pub mod help;
pub mod input;
pub mod listing;
pub mod names;
pub mod popt;
pub mod sort;

use std::ffi::OsString;
use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;

/// Standard streams, stdin, /proc and the C library's resolver.
struct SystemHost {
    out: Box<dyn Write>,
    stdin: input::Input<io::Stdin>,
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
        // Unbuffered, like C's stderr: it can overtake stdout text still in the buffer.
        let _ = io::stderr().write_all(s.as_bytes());
    }
    fn stdin(&mut self) -> &mut dyn BufRead {
        &mut self.stdin
    }
    fn stdin_ready(&mut self) -> bool {
        self.stdin.line_ready()
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
        // Reads of 64 KiB pass Stdin's own buffer by, so poll(2) on fd 0 sees what is unread.
        stdin: input::Input::new(io::stdin()),
        names: names::SystemNames,
    };
    let code = exec::run(&argv, crate::ipvs::netlink::Client::open, &mut host);
    let _ = host.out.flush();
    ExitCode::from(code)
}
