//! The state file: what `start` changed, so that `stop` can undo exactly that.
//!
//! Lives in /run (tmpfs): after a reboot the sysctls and addresses are gone too, so a stale
//! file cannot outlive the setup it describes.

use std::fmt;
use std::io::{self, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Conf, Knob};

/// Directory for run-time state unless `HA_RUN_DIR` says otherwise.
pub const DEFAULT_RUN_DIR: &str = "/run/ha";
/// Overrides [`DEFAULT_RUN_DIR`] (tests, unusual layouts).
pub const RUN_DIR_ENV: &str = "HA_RUN_DIR";
pub const STATE_FILE: &str = "rs-arp.json";
const VERSION: u32 = 1;

/// One sysctl value as it was before the first `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSysctl {
    pub conf: Conf,
    pub knob: Knob,
    pub value: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    /// The device the VIPs live on (`lo` normally).
    pub dev: String,
    /// Values from before the first `start`; later starts never overwrite them.
    pub originals: Vec<SavedSysctl>,
    /// Every VIP `start` was asked for, including ones that were already there.
    pub vips: Vec<IpAddr>,
    /// The VIPs `start` actually added: the ones a plain `stop` removes.
    pub added: Vec<IpAddr>,
}

impl State {
    pub fn new(dev: &str, originals: Vec<SavedSysctl>) -> State {
        State {
            version: VERSION,
            dev: dev.to_owned(),
            originals,
            vips: Vec::new(),
            added: Vec::new(),
        }
    }

    pub fn original(&self, conf: Conf, knob: Knob) -> Option<i64> {
        self.originals
            .iter()
            .find(|s| s.conf == conf && s.knob == knob)
            .map(|s| s.value)
    }

    /// Forgets a VIP (after `stop` removed it or found it gone).
    pub fn forget(&mut self, ip: IpAddr) {
        self.vips.retain(|v| *v != ip);
        self.added.retain(|v| *v != ip);
    }

    /// Rejects files this version cannot safely act on: `stop` writes what it reads here
    /// into /proc/sys, so nothing odd gets through.
    fn validate(&self) -> Result<(), String> {
        if self.version != VERSION {
            return Err(format!(
                "format version {} (this ha reads version {VERSION})",
                self.version
            ));
        }
        if self.dev.is_empty() || self.dev.contains(['/', '\0']) || self.dev == ".." {
            return Err(format!("bad device name `{}`", self.dev));
        }
        for (i, s) in self.originals.iter().enumerate() {
            if !(0..=s.knob.max()).contains(&s.value) {
                return Err(format!("{:?} value {} is out of range", s.knob, s.value));
            }
            if self.originals[..i]
                .iter()
                .any(|o| o.conf == s.conf && o.knob == s.knob)
            {
                return Err(format!("{:?}/{:?} recorded twice", s.conf, s.knob));
            }
        }
        Ok(())
    }
}

#[derive(Debug)]
pub enum StateErrorKind {
    Io(io::Error),
    /// Unparsable or failing validation.
    Corrupt(String),
}

#[derive(Debug)]
pub struct StateError {
    pub path: PathBuf,
    pub kind: StateErrorKind,
}

impl StateError {
    pub fn is_permission(&self) -> bool {
        matches!(&self.kind, StateErrorKind::Io(e) if e.kind() == io::ErrorKind::PermissionDenied)
    }
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.path.display();
        match &self.kind {
            StateErrorKind::Io(e) => write!(f, "state file {p}: {e}"),
            StateErrorKind::Corrupt(why) => write!(f, "state file {p} is not usable: {why}"),
        }
    }
}

impl std::error::Error for StateError {}

/// Held while a command changes the state; unlocks on drop.
pub struct StateLock(#[allow(dead_code)] nix::fcntl::Flock<std::fs::File>);

/// Where the state file lives.
#[derive(Debug, Clone)]
pub struct StateStore {
    dir: PathBuf,
}

impl StateStore {
    pub fn new(dir: impl Into<PathBuf>) -> StateStore {
        StateStore { dir: dir.into() }
    }

    /// `$HA_RUN_DIR`, or /run/ha when it is unset or empty.
    pub fn from_env() -> StateStore {
        match std::env::var_os(RUN_DIR_ENV) {
            Some(d) if !d.is_empty() => StateStore::new(d),
            _ => StateStore::new(DEFAULT_RUN_DIR),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    fn err(&self, kind: StateErrorKind) -> StateError {
        StateError {
            path: self.path(),
            kind,
        }
    }

    /// None when there is no file (nothing was started).
    pub fn load(&self) -> Result<Option<State>, StateError> {
        let text = match std::fs::read_to_string(self.path()) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.err(StateErrorKind::Io(e))),
        };
        let state: State = serde_json::from_str(&text)
            .map_err(|e| self.err(StateErrorKind::Corrupt(e.to_string())))?;
        state
            .validate()
            .map_err(|why| self.err(StateErrorKind::Corrupt(why)))?;
        Ok(Some(state))
    }

    /// Writes a temporary file and renames it over the old one, so a crash leaves either
    /// the old or the new state, never half of one.
    pub fn save(&self, state: &State) -> Result<(), StateError> {
        let io_err = |e| self.err(StateErrorKind::Io(e));
        std::fs::create_dir_all(&self.dir).map_err(io_err)?;
        let tmp = self
            .dir
            .join(format!(".{STATE_FILE}.{}", std::process::id()));
        let mut text = serde_json::to_string_pretty(state)
            .map_err(|e| self.err(StateErrorKind::Corrupt(e.to_string())))?;
        text.push('\n');
        let write = |p: &Path| -> io::Result<()> {
            let mut f = std::fs::File::create(p)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()
        };
        if let Err(e) = write(&tmp).and_then(|_| std::fs::rename(&tmp, self.path())) {
            let _ = std::fs::remove_file(&tmp);
            return Err(io_err(e));
        }
        Ok(())
    }

    /// Serialises `start`/`stop` runs (held until the guard drops), so two at once cannot
    /// both take the other's values for the originals.
    pub fn lock(&self) -> Result<StateLock, StateError> {
        use nix::fcntl::{Flock, FlockArg};
        let io_err = |e| self.err(StateErrorKind::Io(e));
        std::fs::create_dir_all(&self.dir).map_err(io_err)?;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(format!(".{STATE_FILE}.lock")))
            .map_err(io_err)?;
        Flock::lock(f, FlockArg::LockExclusive)
            .map(StateLock)
            .map_err(|(_, errno)| io_err(io::Error::from(errno)))
    }

    /// Deletes the file; a missing file is fine.
    pub fn remove(&self) -> Result<(), StateError> {
        match std::fs::remove_file(self.path()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.err(StateErrorKind::Io(e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn temp_store(name: &str) -> StateStore {
        let dir =
            std::env::temp_dir().join(format!("ha-rsarp-state-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        StateStore::new(dir)
    }

    fn sample() -> State {
        let mut s = State::new(
            "lo",
            vec![
                SavedSysctl {
                    conf: Conf::All,
                    knob: Knob::ArpIgnore,
                    value: 0,
                },
                SavedSysctl {
                    conf: Conf::Dev,
                    knob: Knob::ArpAnnounce,
                    value: 2,
                },
            ],
        );
        s.vips = vec!["192.0.2.1".parse().unwrap(), "2001:db8::1".parse().unwrap()];
        s.added = vec!["2001:db8::1".parse().unwrap()];
        s
    }

    #[test]
    fn round_trip_through_the_file() {
        let store = temp_store("rt");
        assert_eq!(store.load().unwrap(), None);
        let s = sample();
        store.save(&s).unwrap();
        assert_eq!(store.load().unwrap(), Some(s.clone()));
        assert_eq!(s.original(Conf::Dev, Knob::ArpAnnounce), Some(2));
        assert_eq!(s.original(Conf::Dev, Knob::ArpIgnore), None);
        store.remove().unwrap();
        store.remove().unwrap();
        assert_eq!(store.load().unwrap(), None);
        let _ = std::fs::remove_dir_all(&store.dir);
    }

    #[test]
    fn json_uses_plain_names() {
        let text = serde_json::to_string(&sample()).unwrap();
        assert!(
            text.contains(r#"{"conf":"all","knob":"arp_ignore","value":0}"#),
            "{text}"
        );
        assert!(text.contains(r#""added":["2001:db8::1"]"#), "{text}");
    }

    #[test]
    fn corrupt_or_odd_files_are_refused() {
        let store = temp_store("bad");
        std::fs::create_dir_all(&store.dir).unwrap();
        std::fs::write(store.path(), "{ not json").unwrap();
        let e = store.load().unwrap_err();
        assert!(matches!(e.kind, StateErrorKind::Corrupt(_)));
        assert!(e.to_string().contains("rs-arp.json is not usable"), "{e}");

        let mut s = sample();
        s.originals[0].value = 99;
        std::fs::write(store.path(), serde_json::to_string(&s).unwrap()).unwrap();
        assert!(store.load().is_err());

        let mut s = sample();
        s.dev = "../etc".into();
        std::fs::write(store.path(), serde_json::to_string(&s).unwrap()).unwrap();
        assert!(store.load().is_err());

        let mut s = sample();
        s.version = 7;
        std::fs::write(store.path(), serde_json::to_string(&s).unwrap()).unwrap();
        assert!(store.load().unwrap_err().to_string().contains("version 7"));
        let _ = std::fs::remove_dir_all(&store.dir);
    }
}
