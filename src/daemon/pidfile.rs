//! Pid files as keepalived writes them (`-p` main, `-r` VRRP child): the pid and a newline.
//! A file naming a live process means another daemon runs: refuse to start, as keepalived
//! does; a stale one is replaced. The file is removed when the guard drops.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
}

#[derive(Debug)]
pub enum PidFileError {
    /// Another process with this pid file is alive.
    Running {
        path: PathBuf,
        pid: i32,
    },
    Io {
        path: PathBuf,
        source: io::Error,
    },
}

impl std::fmt::Display for PidFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PidFileError::Running { path, pid } => write!(
                f,
                "pid file {} names process {pid}, which is running: another daemon is already started",
                path.display()
            ),
            PidFileError::Io { path, source } => {
                write!(f, "pid file {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for PidFileError {}

/// The pid a pid file names, if it holds one.
pub fn read_pid(path: &Path) -> Option<i32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn alive(pid: i32) -> bool {
    pid > 0 && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

impl PidFile {
    /// Writes this process's pid to `path` unless a live process already owns it.
    pub fn create(path: &Path) -> Result<PidFile, PidFileError> {
        let io_err = |source| PidFileError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(pid) = read_pid(path) {
            if pid != std::process::id() as i32 && alive(pid) {
                return Err(PidFileError::Running {
                    path: path.to_path_buf(),
                    pid,
                });
            }
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(io_err)?;
        }
        fs::write(path, format!("{}\n", std::process::id())).map_err(io_err)?;
        Ok(PidFile {
            path: path.to_path_buf(),
        })
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        // Only our own file: a successor may have replaced it.
        if read_pid(&self.path) == Some(std::process::id() as i32) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("ha-pidfile-{}-{name}", std::process::id()))
    }

    #[test]
    fn written_and_removed() {
        let p = temp("a/keepalived.pid");
        {
            let _g = PidFile::create(&p).unwrap();
            assert_eq!(read_pid(&p), Some(std::process::id() as i32));
        }
        assert!(!p.exists());
        let _ = fs::remove_dir(p.parent().unwrap());
    }

    #[test]
    fn a_live_owner_refuses_a_stale_one_is_replaced() {
        let p = temp("b.pid");
        // pid 1 is always alive.
        fs::write(&p, "1\n").unwrap();
        assert!(matches!(
            PidFile::create(&p),
            Err(PidFileError::Running { pid: 1, .. })
        ));
        // A pid beyond pid_max cannot be running.
        fs::write(&p, "2147483646\n").unwrap();
        let g = PidFile::create(&p).unwrap();
        drop(g);
        assert!(!p.exists());
    }
}
