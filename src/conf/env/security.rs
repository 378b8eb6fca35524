//! keepalived's script-security rules as pure functions over a [`Host`], shared by the
//! configuration check (`ha run -t`) and the daemon's script runner (src/notify/), so both
//! refuse the same scripts (lib/notify.c: is_executable, check_script_secure,
//! check_security).

use std::path::{Component, Path, PathBuf};

use super::host::{Host, Kind, Meta};

/// keepalived's default script user, used when it exists and no `script_user` is set.
pub const DEFAULT_USER: &str = "keepalived_script";

/// Why a path is unsafe for a script run as root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offence {
    /// Owned by this non-root uid.
    Owner(u32),
    /// Writable by everyone; the mode.
    WorldWritable(u32),
    /// Writable by this non-root gid; the mode.
    GroupWritable(u32, u32),
}

/// keepalived's is_executable(): root needs any execute bit; others the bit of their class
/// (owner, else group by the script's gid, else other).
pub fn executable(m: &Meta, uid: u32, gid: u32) -> bool {
    (uid == 0 && m.mode & 0o111 != 0)
        || (uid == m.uid && m.mode & 0o100 != 0)
        || (uid != m.uid
            && ((gid == m.gid && m.mode & 0o010 != 0) || (gid != m.gid && m.mode & 0o001 != 0)))
}

/// keepalived's need_script_protection: the script runs with uid or gid 0, or the file is
/// setuid root or setgid root.
pub fn needs_protection(uid: u32, gid: u32, m: &Meta) -> bool {
    uid == 0
        || gid == 0
        || (m.uid == 0 && m.mode & 0o4100 == 0o4100)
        || (m.gid == 0 && m.mode & 0o2010 == 0o2010)
}

/// keepalived's check_security() on a resolved path: `/`, each directory, then the file.
/// The first entry that is owned by a non-root user, or writable by a non-root group or by
/// everyone (directories with the sticky bit excepted). None when the path is safe, or when
/// an entry cannot be read (the caller reports a missing script its own way).
pub fn unsafe_entry(host: &dyn Host, real: &Path) -> Option<(PathBuf, Kind, Offence)> {
    let mut cur = PathBuf::from("/");
    let mut prefixes = vec![cur.clone()];
    for c in real.components() {
        if let Component::Normal(n) = c {
            cur.push(n);
            prefixes.push(cur.clone());
        }
    }
    for p in prefixes {
        let m = host.lstat(&p)?;
        if m.uid != 0 {
            return Some((p, m.kind, Offence::Owner(m.uid)));
        }
        let guarded = m.kind == Kind::File || (m.kind == Kind::Dir && m.mode & 0o1000 == 0);
        if guarded && m.mode & 0o002 != 0 {
            return Some((p, m.kind, Offence::WorldWritable(m.mode)));
        }
        if guarded && m.gid != 0 && m.mode & 0o020 != 0 {
            return Some((p, m.kind, Offence::GroupWritable(m.gid, m.mode)));
        }
    }
    None
}
