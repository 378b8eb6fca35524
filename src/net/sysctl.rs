//! Kernel tunables under /proc/sys, read and written as files.
//!
//! Keys are kept as path segments so an interface name containing dots (`eth0.100`) stays
//! one segment; they display the way sysctl(8) prints them (`net.ipv4.conf.eth0/100.rp_filter`).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// One sysctl, as the segments of its path below /proc/sys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    segments: Vec<String>,
}

impl Key {
    /// Builds a key; a segment must be non-empty, not `.`/`..` and free of `/` and NUL, so a
    /// key can never name a file outside /proc/sys.
    pub fn new<S: AsRef<str>>(segments: &[S]) -> Result<Key, SysctlError> {
        let segments: Vec<String> = segments.iter().map(|s| s.as_ref().to_owned()).collect();
        let bad = segments.is_empty()
            || segments
                .iter()
                .any(|s| s.is_empty() || s == "." || s == ".." || s.contains(['/', '\0']));
        if bad {
            return Err(SysctlError {
                key: segments.join("."),
                kind: SysctlErrorKind::BadKey,
            });
        }
        Ok(Key { segments })
    }

    /// `net.ipv4.conf.<conf>.<name>`: per-interface IPv4 settings (`conf` is `all`,
    /// `default` or an interface name).
    pub fn ipv4_conf(conf: &str, name: &str) -> Result<Key, SysctlError> {
        Key::new(&["net", "ipv4", "conf", conf, name])
    }

    /// `net.ipv6.conf.<conf>.<name>`.
    pub fn ipv6_conf(conf: &str, name: &str) -> Result<Key, SysctlError> {
        Key::new(&["net", "ipv6", "conf", conf, name])
    }

    fn relative_path(&self) -> PathBuf {
        self.segments.iter().collect()
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            // sysctl(8) writes a dot inside a segment as a slash.
            f.write_str(&s.replace('.', "/"))?;
        }
        Ok(())
    }
}

#[derive(Debug)]
pub enum SysctlErrorKind {
    /// The key is malformed (empty segment, `/`, `..`).
    BadKey,
    /// No such file: unknown key, missing interface, or the protocol is not loaded.
    NotFound,
    /// EACCES/EPERM: writing needs root or CAP_NET_ADMIN (CAP_SYS_ADMIN outside net.*).
    PermissionDenied,
    /// The file did not hold what was expected (e.g. not an integer).
    Invalid(String),
    /// The kernel refused the value (EINVAL), or another I/O error.
    Io(io::Error),
}

/// A failure on one key, with the key in sysctl(8) notation.
#[derive(Debug)]
pub struct SysctlError {
    pub key: String,
    pub kind: SysctlErrorKind,
}

impl SysctlError {
    fn from_io(key: &Key, e: io::Error) -> SysctlError {
        let kind = match e.kind() {
            io::ErrorKind::NotFound => SysctlErrorKind::NotFound,
            io::ErrorKind::PermissionDenied => SysctlErrorKind::PermissionDenied,
            _ => SysctlErrorKind::Io(e),
        };
        SysctlError {
            key: key.to_string(),
            kind,
        }
    }
}

impl fmt::Display for SysctlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = &self.key;
        match &self.kind {
            SysctlErrorKind::BadKey => write!(f, "`{key}` is not a valid sysctl name"),
            SysctlErrorKind::NotFound => write!(f, "{key} does not exist on this system"),
            SysctlErrorKind::PermissionDenied => write!(f, "{key}: permission denied"),
            SysctlErrorKind::Invalid(v) => write!(f, "{key}: unexpected value `{v}`"),
            SysctlErrorKind::Io(e) => write!(f, "{key}: {e}"),
        }
    }
}

impl std::error::Error for SysctlError {}

/// Access to a sysctl tree; [`Sysctl::proc`] is the real one, tests point it at a directory.
#[derive(Debug, Clone)]
pub struct Sysctl {
    root: PathBuf,
}

impl Default for Sysctl {
    fn default() -> Self {
        Sysctl::proc()
    }
}

impl Sysctl {
    /// The running kernel's tunables, for the network namespace of this process.
    pub fn proc() -> Sysctl {
        Sysctl::with_root("/proc/sys")
    }

    /// A tree rooted elsewhere (tests).
    pub fn with_root(root: impl AsRef<Path>) -> Sysctl {
        Sysctl {
            root: root.as_ref().to_path_buf(),
        }
    }

    pub fn path(&self, key: &Key) -> PathBuf {
        self.root.join(key.relative_path())
    }

    pub fn exists(&self, key: &Key) -> bool {
        self.path(key).exists()
    }

    /// The value with surrounding whitespace (the kernel's trailing newline) removed.
    pub fn read_string(&self, key: &Key) -> Result<String, SysctlError> {
        std::fs::read_to_string(self.path(key))
            .map(|s| s.trim().to_owned())
            .map_err(|e| SysctlError::from_io(key, e))
    }

    pub fn read_int(&self, key: &Key) -> Result<i64, SysctlError> {
        let s = self.read_string(key)?;
        parse_int(&s).ok_or(SysctlError {
            key: key.to_string(),
            kind: SysctlErrorKind::Invalid(s),
        })
    }

    /// Writes without creating: a missing key is an error, not a new file.
    pub fn write_string(&self, key: &Key, value: &str) -> Result<(), SysctlError> {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(self.path(key))
            .map_err(|e| SysctlError::from_io(key, e))?;
        // One write call: procfs applies what a single write() carries.
        f.write_all(format!("{value}\n").as_bytes())
            .map_err(|e| SysctlError::from_io(key, e))
    }

    pub fn write_int(&self, key: &Key, value: i64) -> Result<(), SysctlError> {
        self.write_string(key, &value.to_string())
    }

    /// Sets an integer tunable unless it already holds `value`; returns the old value when
    /// it changed it, so that the caller restores only what it changed. keepalived 2.2.7
    /// sets `net.ipv4.conf.IF.promote_secondaries` to 1 this way for instances with
    /// `promote_secondaries` and puts it back when it stops; it sets nothing else for
    /// plain (non-vmac) instances.
    pub fn ensure_int(&self, key: &Key, value: i64) -> Result<Option<i64>, SysctlError> {
        let old = self.read_int(key)?;
        if old == value {
            return Ok(None);
        }
        self.write_int(key, value)?;
        Ok(Some(old))
    }
}

fn parse_int(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_tree(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ha-sysctl-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("net/ipv4/conf/eth0.100")).unwrap();
        dir
    }

    #[test]
    fn key_displays_like_sysctl8() {
        let k = Key::ipv4_conf("eth0.100", "arp_ignore").unwrap();
        assert_eq!(k.to_string(), "net.ipv4.conf.eth0/100.arp_ignore");
        assert_eq!(
            k.relative_path(),
            PathBuf::from("net/ipv4/conf/eth0.100/arp_ignore")
        );
    }

    #[test]
    fn key_rejects_escapes() {
        assert!(Key::ipv4_conf("..", "x").is_err());
        assert!(Key::ipv4_conf("a/b", "x").is_err());
        assert!(Key::ipv4_conf("", "x").is_err());
        assert!(Key::new::<&str>(&[]).is_err());
    }

    #[test]
    fn read_write_round_trip_and_errors() {
        let root = temp_tree("rw");
        let s = Sysctl::with_root(&root);
        let k = Key::ipv4_conf("eth0.100", "arp_ignore").unwrap();
        std::fs::write(s.path(&k), "0\n").unwrap();
        assert_eq!(s.read_int(&k).unwrap(), 0);
        s.write_int(&k, 2).unwrap();
        assert_eq!(s.read_int(&k).unwrap(), 2);

        let missing = Key::ipv4_conf("nosuch", "arp_ignore").unwrap();
        assert!(matches!(
            s.read_int(&missing).unwrap_err().kind,
            SysctlErrorKind::NotFound
        ));
        assert!(matches!(
            s.write_int(&missing, 1).unwrap_err().kind,
            SysctlErrorKind::NotFound
        ));
        assert!(!s.path(&missing).exists(), "write must not create keys");

        assert_eq!(s.ensure_int(&k, 2).unwrap(), None, "already 2: untouched");
        assert_eq!(s.ensure_int(&k, 1).unwrap(), Some(2));
        assert_eq!(s.read_int(&k).unwrap(), 1);
        assert!(s.ensure_int(&missing, 1).is_err());

        std::fs::write(s.path(&k), "junk\n").unwrap();
        let e = s.read_int(&k).unwrap_err();
        assert!(matches!(e.kind, SysctlErrorKind::Invalid(_)));
        assert_eq!(
            e.to_string(),
            "net.ipv4.conf.eth0/100.arp_ignore: unexpected value `junk`"
        );
        let _ = std::fs::remove_dir_all(root);
    }
}
