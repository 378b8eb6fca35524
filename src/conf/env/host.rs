//! What the environment checks look up on the machine, behind [`Host`]: [`SystemHost`] asks
//! this machine, [`FakeHost`] answers from tables (unit tests).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

/// The kind of a file system entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    /// Device, FIFO, socket.
    Other,
}

/// What `stat`/`lstat` says about a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    /// Permission bits with setuid, setgid and sticky (`0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// A user's ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserIds {
    pub uid: u32,
    /// The user's primary group.
    pub gid: u32,
}

/// Everything the environment checks look up on the machine.
pub trait Host {
    /// Whether a network interface of this name exists (`/sys/class/net/NAME`).
    fn interface_exists(&self, name: &str) -> bool;
    /// The interfaces that exist, sorted by name.
    fn interfaces(&self) -> Vec<String>;
    /// The entry itself, symbolic links not followed. `path` is absolute.
    fn lstat(&self, path: &Path) -> Option<Meta>;
    /// The target of a symbolic link, as stored in it.
    fn read_link(&self, path: &Path) -> Option<PathBuf>;
    /// The first bytes of a file (up to 4), if it can be read.
    fn head(&self, path: &Path) -> Option<Vec<u8>>;
    /// A user by name.
    fn user(&self, name: &str) -> Option<UserIds>;
    /// A group's id by name.
    fn group(&self, name: &str) -> Option<u32>;
    fn user_name(&self, uid: u32) -> Option<String>;
    fn group_name(&self, gid: u32) -> Option<String>;
    /// The directories of PATH, in order, for commands given by bare name.
    fn path_dirs(&self) -> Vec<PathBuf>;

    /// The path with every symbolic link resolved, `.` and `..` applied (realpath(3)).
    fn canonicalize(&self, path: &Path) -> Option<PathBuf> {
        resolve(self, path)
    }

    /// The entry a path leads to, symbolic links followed (stat(2)).
    fn stat(&self, path: &Path) -> Option<Meta> {
        self.lstat(&self.canonicalize(path)?)
    }
}

/// realpath(3) over [`Host::lstat`] and [`Host::read_link`] (at most 40 links, as Linux).
fn resolve<H: Host + ?Sized>(host: &H, path: &Path) -> Option<PathBuf> {
    let mut todo: Vec<std::ffi::OsString> = components(path);
    todo.reverse();
    let mut out = PathBuf::from("/");
    let mut links = 0;
    while let Some(c) = todo.pop() {
        if c == "." {
            continue;
        }
        if c == ".." {
            out.pop();
            continue;
        }
        let next = out.join(&c);
        let meta = host.lstat(&next)?;
        if meta.kind == Kind::Symlink {
            links += 1;
            if links > 40 {
                return None;
            }
            let target = host.read_link(&next)?;
            if target.is_absolute() {
                out = PathBuf::from("/");
            }
            let mut more = components(&target);
            more.reverse();
            todo.extend(more);
        } else {
            if !todo.is_empty() && meta.kind != Kind::Dir {
                return None;
            }
            out = next;
        }
    }
    Some(out)
}

/// The normal, `.` and `..` components of a path (the root dropped).
fn components(path: &Path) -> Vec<std::ffi::OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_os_string()),
            Component::CurDir => Some(".".into()),
            Component::ParentDir => Some("..".into()),
            Component::RootDir | Component::Prefix(_) => None,
        })
        .collect()
}

/// PATH when the environment has none (what a systemd service gets).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// This machine.
#[derive(Debug, Clone)]
pub struct SystemHost {
    path: Vec<PathBuf>,
}

impl SystemHost {
    /// Commands given by bare name are searched in this process's PATH (keepalived searches
    /// its own), else [`DEFAULT_PATH`].
    pub fn new() -> Self {
        let path = std::env::var_os("PATH")
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| DEFAULT_PATH.into());
        SystemHost {
            path: std::env::split_paths(&path).collect(),
        }
    }
}

impl Default for SystemHost {
    fn default() -> Self {
        SystemHost::new()
    }
}

fn meta_of(m: &std::fs::Metadata) -> Meta {
    let t = m.file_type();
    let kind = if t.is_symlink() {
        Kind::Symlink
    } else if t.is_dir() {
        Kind::Dir
    } else if t.is_file() {
        Kind::File
    } else {
        debug_assert!(t.is_fifo() || t.is_socket() || t.is_block_device() || t.is_char_device());
        Kind::Other
    };
    Meta {
        kind,
        mode: m.mode() & 0o7777,
        uid: m.uid(),
        gid: m.gid(),
    }
}

/// A plausible interface name: one path component of /sys/class/net.
fn ifname_ok(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\0'])
}

impl Host for SystemHost {
    fn interface_exists(&self, name: &str) -> bool {
        ifname_ok(name)
            && Path::new("/sys/class/net")
                .join(name)
                .symlink_metadata()
                .is_ok()
    }

    fn interfaces(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir("/sys/class/net")
            .map(|d| {
                d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    fn lstat(&self, path: &Path) -> Option<Meta> {
        std::fs::symlink_metadata(path).ok().map(|m| meta_of(&m))
    }

    fn read_link(&self, path: &Path) -> Option<PathBuf> {
        std::fs::read_link(path).ok()
    }

    fn head(&self, path: &Path) -> Option<Vec<u8>> {
        let mut f = std::fs::File::open(path).ok()?;
        let mut buf = [0u8; 4];
        let mut n = 0;
        while n < buf.len() {
            match f.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        Some(buf[..n].to_vec())
    }

    fn user(&self, name: &str) -> Option<UserIds> {
        let u = nix::unistd::User::from_name(name).ok()??;
        Some(UserIds {
            uid: u.uid.as_raw(),
            gid: u.gid.as_raw(),
        })
    }

    fn group(&self, name: &str) -> Option<u32> {
        let g = nix::unistd::Group::from_name(name).ok()??;
        Some(g.gid.as_raw())
    }

    fn user_name(&self, uid: u32) -> Option<String> {
        let u = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)).ok()??;
        Some(u.name)
    }

    fn group_name(&self, gid: u32) -> Option<String> {
        let g = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid)).ok()??;
        Some(g.name)
    }

    fn path_dirs(&self) -> Vec<PathBuf> {
        self.path.clone()
    }

    fn canonicalize(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path).ok()
    }

    fn stat(&self, path: &Path) -> Option<Meta> {
        std::fs::metadata(path).ok().map(|m| meta_of(&m))
    }
}

/// One entry of a [`FakeHost`].
#[derive(Debug, Clone)]
struct Entry {
    meta: Meta,
    /// Symbolic links: the target.
    target: Option<PathBuf>,
    /// Regular files: the first bytes.
    head: Vec<u8>,
}

/// A machine described by tables, for tests. It starts with `/` (root-owned, 0755), the
/// `root` user and group, and PATH `/usr/sbin:/usr/bin:/sbin:/bin`; missing parent
/// directories of added entries are created root-owned 0755.
#[derive(Debug, Clone)]
pub struct FakeHost {
    interfaces: BTreeSet<String>,
    entries: BTreeMap<PathBuf, Entry>,
    users: BTreeMap<String, UserIds>,
    groups: BTreeMap<String, u32>,
    path: Vec<PathBuf>,
}

impl Default for FakeHost {
    fn default() -> Self {
        FakeHost::new()
    }
}

impl FakeHost {
    pub fn new() -> Self {
        let mut h = FakeHost {
            interfaces: BTreeSet::new(),
            entries: BTreeMap::new(),
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            path: ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
                .iter()
                .map(PathBuf::from)
                .collect(),
        };
        h.entries
            .insert(PathBuf::from("/"), Self::dir_entry(0o755, 0, 0));
        h.users.insert("root".into(), UserIds { uid: 0, gid: 0 });
        h.groups.insert("root".into(), 0);
        h
    }

    fn dir_entry(mode: u32, uid: u32, gid: u32) -> Entry {
        Entry {
            meta: Meta {
                kind: Kind::Dir,
                mode,
                uid,
                gid,
            },
            target: None,
            head: Vec::new(),
        }
    }

    fn put(&mut self, path: &str, e: Entry) {
        let p = PathBuf::from(path);
        let mut parent = p.parent();
        while let Some(d) = parent {
            self.entries
                .entry(d.to_path_buf())
                .or_insert_with(|| Self::dir_entry(0o755, 0, 0));
            parent = d.parent();
        }
        self.entries.insert(p, e);
    }

    pub fn interface(mut self, name: &str) -> Self {
        self.interfaces.insert(name.into());
        self
    }

    pub fn dir(mut self, path: &str, mode: u32, uid: u32, gid: u32) -> Self {
        self.put(path, Self::dir_entry(mode, uid, gid));
        self
    }

    /// A regular file starting with `#!/bin/sh`.
    pub fn file(self, path: &str, mode: u32, uid: u32, gid: u32) -> Self {
        self.file_with(path, mode, uid, gid, b"#!/bin/sh\n")
    }

    /// A regular file with the given first bytes.
    pub fn file_with(mut self, path: &str, mode: u32, uid: u32, gid: u32, head: &[u8]) -> Self {
        self.put(
            path,
            Entry {
                meta: Meta {
                    kind: Kind::File,
                    mode,
                    uid,
                    gid,
                },
                target: None,
                head: head.iter().copied().take(4).collect(),
            },
        );
        self
    }

    /// A root-owned symbolic link.
    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        self.put(
            path,
            Entry {
                meta: Meta {
                    kind: Kind::Symlink,
                    mode: 0o777,
                    uid: 0,
                    gid: 0,
                },
                target: Some(target.into()),
                head: Vec::new(),
            },
        );
        self
    }

    /// A user and its primary group id (the group is added as `name` when `gid` is new).
    pub fn user(mut self, name: &str, uid: u32, gid: u32) -> Self {
        self.users.insert(name.into(), UserIds { uid, gid });
        if !self.groups.values().any(|&g| g == gid) {
            self.groups.insert(name.into(), gid);
        }
        self
    }

    pub fn group(mut self, name: &str, gid: u32) -> Self {
        self.groups.insert(name.into(), gid);
        self
    }

    pub fn path(mut self, dirs: &[&str]) -> Self {
        self.path = dirs.iter().map(PathBuf::from).collect();
        self
    }
}

impl Host for FakeHost {
    fn interface_exists(&self, name: &str) -> bool {
        self.interfaces.contains(name)
    }

    fn interfaces(&self) -> Vec<String> {
        self.interfaces.iter().cloned().collect()
    }

    fn lstat(&self, path: &Path) -> Option<Meta> {
        self.entries.get(path).map(|e| e.meta)
    }

    fn read_link(&self, path: &Path) -> Option<PathBuf> {
        self.entries.get(path)?.target.clone()
    }

    fn head(&self, path: &Path) -> Option<Vec<u8>> {
        let real = self.canonicalize(path)?;
        let e = self.entries.get(&real)?;
        (e.meta.kind == Kind::File).then(|| e.head.clone())
    }

    fn user(&self, name: &str) -> Option<UserIds> {
        self.users.get(name).copied()
    }

    fn group(&self, name: &str) -> Option<u32> {
        self.groups.get(name).copied()
    }

    fn user_name(&self, uid: u32) -> Option<String> {
        self.users
            .iter()
            .find(|(_, u)| u.uid == uid)
            .map(|(n, _)| n.clone())
    }

    fn group_name(&self, gid: u32) -> Option<String> {
        self.groups
            .iter()
            .find(|(_, &g)| g == gid)
            .map(|(n, _)| n.clone())
    }

    fn path_dirs(&self) -> Vec<PathBuf> {
        self.path.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_resolves_links_like_realpath() {
        let h = FakeHost::new()
            .file("/opt/app/bin/check", 0o755, 0, 0)
            .symlink("/usr/local/bin/check", "../../../opt/app/bin/check")
            .symlink("/etc/ka", "/opt/app")
            .symlink("/loop", "/loop");
        assert_eq!(
            h.canonicalize(Path::new("/usr/local/bin/check")),
            Some(PathBuf::from("/opt/app/bin/check"))
        );
        assert_eq!(
            h.canonicalize(Path::new("/etc/ka/bin/./check")),
            Some(PathBuf::from("/opt/app/bin/check"))
        );
        assert_eq!(h.canonicalize(Path::new("/loop")), None);
        assert_eq!(h.canonicalize(Path::new("/opt/app/bin/check/x")), None);
        assert_eq!(
            h.stat(Path::new("/etc/ka/bin/check")).map(|m| m.kind),
            Some(Kind::File)
        );
        assert_eq!(
            h.lstat(Path::new("/etc/ka")).map(|m| m.kind),
            Some(Kind::Symlink)
        );
        assert_eq!(h.head(Path::new("/etc/ka/bin/check")).unwrap(), b"#!/b");
    }

    #[test]
    fn system_host_sees_this_machine() {
        let h = SystemHost::new();
        assert!(h.interface_exists("lo"));
        assert!(!h.interface_exists("ha-nonexist0"));
        assert!(!h.interface_exists("../lo"));
        assert!(h.interfaces().iter().any(|i| i == "lo"));
        let root = h.lstat(Path::new("/")).unwrap();
        assert_eq!((root.kind, root.uid), (Kind::Dir, 0));
        assert_eq!(h.user("root"), Some(UserIds { uid: 0, gid: 0 }));
        assert_eq!(h.group("root"), Some(0));
        assert_eq!(h.user_name(0).as_deref(), Some("root"));
        assert_eq!(h.user("no-such-user-ha-test"), None);
        assert_eq!(
            h.canonicalize(Path::new("/proc/self/..")),
            Some(PathBuf::from("/proc"))
        );
    }
}
