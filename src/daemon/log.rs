//! The daemon's log: one line per event, with its reason.
//!
//! In the foreground (`ha run`, `keepalived -n -l`) lines go to stderr with a local
//! timestamp; a daemonized `keepalived` without `-l` logs to syslog as keepalived does.

use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::time::SystemTime;

use nix::libc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
    Info,
    /// keepalived's `-D` (detailed) messages.
    Detail,
}

impl Level {
    fn syslog_priority(self) -> u8 {
        match self {
            Level::Error => 3,
            Level::Warning => 4,
            Level::Info => 6,
            Level::Detail => 7,
        }
    }
}

enum Sink {
    Stderr,
    Syslog {
        sock: Option<UnixDatagram>,
        ident: String,
        facility: u8,
    },
    /// keepalived `-G` without `-l`: nowhere.
    Nowhere,
}

pub struct Log {
    sink: Sink,
    detail: bool,
}

/// syslog facility `daemon` (keepalived's default, `-S` changes it to local0-7).
pub const FACILITY_DAEMON: u8 = 3;

/// syslog facility `localN` (keepalived's `-S N`).
pub fn facility_local(n: u8) -> Option<u8> {
    (n <= 7).then_some(16 + n)
}

impl Log {
    pub fn stderr(detail: bool) -> Log {
        Log {
            sink: Sink::Stderr,
            detail,
        }
    }

    /// Datagrams to /dev/log; lines are dropped when no syslog daemon listens (keepalived
    /// behaves the same), never blocking the VRRP loop.
    pub fn syslog(ident: &str, facility: u8, detail: bool) -> Log {
        let sock = UnixDatagram::unbound().ok().and_then(|s| {
            s.connect("/dev/log").ok()?;
            s.set_nonblocking(true).ok()?;
            Some(s)
        });
        Log {
            sink: Sink::Syslog {
                sock,
                ident: ident.to_string(),
                facility,
            },
            detail,
        }
    }

    pub fn nowhere() -> Log {
        Log {
            sink: Sink::Nowhere,
            detail: false,
        }
    }

    pub fn detail(&self) -> bool {
        self.detail
    }

    pub fn write(&self, level: Level, msg: &str) {
        if level == Level::Detail && !self.detail {
            return;
        }
        match &self.sink {
            Sink::Stderr => {
                let tag = match level {
                    Level::Error => "error: ",
                    Level::Warning => "warning: ",
                    Level::Info | Level::Detail => "",
                };
                let line = format!("{} {tag}{msg}\n", local_timestamp(SystemTime::now()));
                // A closed stderr must not stop the daemon.
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            }
            Sink::Nowhere => {}
            Sink::Syslog {
                sock,
                ident,
                facility,
            } => {
                if let Some(sock) = sock {
                    let pri = facility * 8 + level.syslog_priority();
                    let line = format!("<{pri}>{ident}[{}]: {msg}", std::process::id());
                    let _ = sock.send(line.as_bytes());
                }
            }
        }
    }

    pub fn info(&self, msg: &str) {
        self.write(Level::Info, msg);
    }

    pub fn warning(&self, msg: &str) {
        self.write(Level::Warning, msg);
    }

    pub fn error(&self, msg: &str) {
        self.write(Level::Error, msg);
    }

    pub fn detailed(&self, msg: impl FnOnce() -> String) {
        if self.detail {
            self.write(Level::Detail, &msg());
        }
    }
}

/// `2026-11-22 01:23:45.678` in local time.
pub fn local_timestamp(t: SystemTime) -> String {
    let since = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as libc::time_t;
    // SAFETY: localtime_r only writes the `tm` it is given; `secs` is a valid time_t.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&secs, &mut tm).is_null() };
    if !ok {
        return format!("{}.{:03}", since.as_secs(), since.subsec_millis());
    }
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_has_a_fixed_shape() {
        let s = local_timestamp(SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_500));
        assert_eq!(s.len(), "1970-01-01 00:00:01.500".len(), "{s}");
        assert!(s.ends_with(".500"), "{s}");
    }

    #[test]
    fn detail_lines_only_with_detail() {
        let log = Log::syslog("ha-test", FACILITY_DAEMON, false);
        assert_eq!(facility_local(0), Some(16));
        assert_eq!(facility_local(8), None);
        assert!(!log.detail());
        // Writing must never fail or block, with or without a syslog daemon.
        log.write(Level::Detail, "hidden");
        log.info("shown");
    }
}
