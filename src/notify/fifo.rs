//! notify_fifo / vrrp_notify_fifo: keepalived's line format (vrrp_notify.c notify_fifo) and
//! the FIFO itself (lib/notify.c fifo_open, fifo_close).
//!
//! - Lines: `INSTANCE "VI_1" MASTER 100` (the effective priority) or `GROUP "G1" BACKUP 0`
//!   (always 0), and the instance events `MASTER_RX_LOWER_PRI`, `MASTER_PRIORITY`,
//!   `BACKUP_PRIORITY`, each ending in a newline.
//! - The FIFO is made with mkfifo (mode 0644 before the umask) when missing, and given to
//!   its user and group; a path that exists is used as it is, but only if it is a FIFO
//!   (keepalived would write into a regular file). It is opened read-write and non-blocking,
//!   as keepalived opens it: the open never waits for a reader, a write never blocks (a full
//!   pipe drops the line and says so), and a reader that goes away causes no SIGPIPE.
//! - A FIFO ha made is removed when it is closed.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::libc;
use nix::sys::stat::Mode;
use nix::unistd::{chown, mkfifo, Gid, Uid};

use super::event::{Kind, NotifyState};

/// What a FIFO line reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    State(NotifyState),
    /// A MASTER heard an advert of lower priority.
    MasterRxLowerPri,
    /// The effective priority changed while MASTER / BACKUP (notify_priority_changes).
    MasterPriority,
    BackupPriority,
}

impl Line {
    pub fn word(self) -> &'static str {
        match self {
            Line::State(s) => s.word(),
            Line::MasterRxLowerPri => "MASTER_RX_LOWER_PRI",
            Line::MasterPriority => "MASTER_PRIORITY",
            Line::BackupPriority => "BACKUP_PRIORITY",
        }
    }
}

/// One line as keepalived writes it: `TYPE "NAME" WORD PRIORITY\n`; a group's priority
/// is 0.
pub fn line(kind: Kind, name: &str, what: Line, priority: u8) -> String {
    let priority = match kind {
        Kind::Instance => priority,
        Kind::Group => 0,
    };
    format!("{} \"{name}\" {} {priority}\n", kind.word(), what.word())
}

/// Why a FIFO cannot be used.
#[derive(Debug)]
pub enum FifoError {
    Create(PathBuf, Errno),
    NotAFifo(PathBuf),
    Open(PathBuf, io::Error),
}

impl std::fmt::Display for FifoError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            FifoError::Create(p, e) => write!(f, "cannot create the FIFO {}: {e}", p.display()),
            FifoError::NotAFifo(p) => write!(f, "{} exists and is not a FIFO", p.display()),
            FifoError::Open(p, e) => write!(f, "cannot open the FIFO {}: {e}", p.display()),
        }
    }
}

impl std::error::Error for FifoError {}

/// An open notify FIFO.
#[derive(Debug)]
pub struct Fifo {
    path: PathBuf,
    file: File,
    /// Made by us: removed on drop.
    created: bool,
}

impl Fifo {
    /// Makes the FIFO if it is missing (owned by `owner`, uid and gid) and opens it.
    pub fn open(path: &Path, owner: Option<(u32, u32)>) -> Result<Fifo, FifoError> {
        let created = match mkfifo(path, Mode::from_bits_truncate(0o644)) {
            Ok(()) => true,
            Err(Errno::EEXIST) => false,
            Err(e) => return Err(FifoError::Create(path.to_path_buf(), e)),
        };
        if !created {
            let is_fifo = std::fs::symlink_metadata(path)
                .map(|m| m.file_type().is_fifo())
                .unwrap_or(false);
            if !is_fifo {
                return Err(FifoError::NotAFifo(path.to_path_buf()));
            }
        }
        if let (true, Some((uid, gid))) = (created, owner) {
            let ours = (
                nix::unistd::geteuid().as_raw(),
                nix::unistd::getegid().as_raw(),
            );
            if (uid, gid) != ours {
                // keepalived only logs a failure here; so does the caller's reader, later.
                let _ = chown(
                    path,
                    Some(Uid::from_raw(uid)).filter(|_| uid != ours.0),
                    Some(Gid::from_raw(gid)).filter(|_| gid != ours.1),
                );
            }
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
            .open(path);
        match file {
            Ok(file) => Ok(Fifo {
                path: path.to_path_buf(),
                file,
                created,
            }),
            Err(e) => {
                if created {
                    let _ = std::fs::remove_file(path);
                }
                Err(FifoError::Open(path.to_path_buf(), e))
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one line without blocking. A line shorter than PIPE_BUF goes in whole or not
    /// at all; `WouldBlock` means the pipe is full (nobody reads).
    pub fn write_line(&self, line: &str) -> io::Result<()> {
        let n = (&self.file).write(line.as_bytes())?;
        if n < line.len() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("only {n} of {} bytes written", line.len()),
            ));
        }
        Ok(())
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        // Removed before it is closed, so a reader that reopens it in a loop cannot.
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn lines_in_keepalived_format() {
        assert_eq!(
            line(
                Kind::Instance,
                "VI_1",
                Line::State(NotifyState::Master),
                100
            ),
            "INSTANCE \"VI_1\" MASTER 100\n"
        );
        assert_eq!(
            line(Kind::Group, "G1", Line::State(NotifyState::Backup), 200),
            "GROUP \"G1\" BACKUP 0\n"
        );
        assert_eq!(
            line(Kind::Instance, "VI_1", Line::MasterRxLowerPri, 150),
            "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 150\n"
        );
        assert_eq!(
            line(Kind::Instance, "VI_1", Line::BackupPriority, 60),
            "INSTANCE \"VI_1\" BACKUP_PRIORITY 60\n"
        );
        assert_eq!(
            line(Kind::Instance, "x", Line::State(NotifyState::Deleted), 0),
            "INSTANCE \"x\" DELETED 0\n"
        );
    }

    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ha-fifo-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn made_when_missing_written_without_a_reader_removed_on_drop() {
        let dir = scratch("make");
        let p = dir.join("notify.fifo");
        let fifo = Fifo::open(&p, None).unwrap();
        assert!(std::fs::symlink_metadata(&p).unwrap().file_type().is_fifo());
        // No reader: the write neither blocks nor fails.
        fifo.write_line("INSTANCE \"VI_1\" MASTER 100\n").unwrap();
        // A reader opened later gets what is in the pipe.
        let mut r = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&p)
            .unwrap();
        let mut buf = [0u8; 64];
        let n = r.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"INSTANCE \"VI_1\" MASTER 100\n");
        drop(fifo);
        assert!(!p.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_full_pipe_drops_the_line_without_blocking() {
        let dir = scratch("full");
        let p = dir.join("f");
        let fifo = Fifo::open(&p, None).unwrap();
        let line = "x".repeat(1000) + "\n";
        let mut full = None;
        for _ in 0..10_000 {
            if let Err(e) = fifo.write_line(&line) {
                full = Some(e);
                break;
            }
        }
        assert_eq!(full.unwrap().kind(), io::ErrorKind::WouldBlock);
        drop(fifo);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_existing_fifo_is_kept_and_a_regular_file_refused() {
        let dir = scratch("exist");
        let p = dir.join("f");
        mkfifo(&p, Mode::from_bits_truncate(0o600)).unwrap();
        drop(Fifo::open(&p, None).unwrap());
        assert!(p.exists(), "a FIFO ha did not make stays");
        let r = dir.join("regular");
        std::fs::write(&r, "").unwrap();
        let err = Fifo::open(&r, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{} exists and is not a FIFO", r.display())
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
