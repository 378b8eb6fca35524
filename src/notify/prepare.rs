//! From a configured [`Script`] to an [`Exec`]: who runs it, which file is executed, and
//! keepalived's script security, settled once when the daemon starts (keepalived 2.2.7
//! lib/notify.c: notify_script_init, get_default_script_user, find_path,
//! check_script_secure).
//!
//! - User: the script's own user and group words (a vrrp_script's `user` line), else global
//!   `script_user`, else the `keepalived_script` user if it exists, else the daemon's own
//!   user. With `enable_script_security` and neither `script_user` nor `keepalived_script`,
//!   scripts without a user of their own are refused, as keepalived refuses them.
//! - File: a command with `/` is taken from `/` (the directory scripts run in); a bare name
//!   is searched in PATH for a regular file its user may execute, and argv[0] becomes the
//!   path found, as keepalived rewrites it.
//! - `</path` commands run through `/bin/sh -c` (a readability test), unchecked.
//! - Security: a script that runs as root (uid or gid 0, or a setuid/setgid-root file) whose
//!   real path has a non-root owner or a non-root-writable entry is refused under
//!   `enable_script_security`; without it, it runs and [`Exec::insecure`] says why it should
//!   not. The check is repeated before each run (see the runner), so a file made writable
//!   after start is refused too.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::conf::env::security::{self, Offence, DEFAULT_USER};
use crate::conf::env::{Host, Kind};
use crate::conf::model::global::{Global, ScriptUser};
use crate::conf::schema::Script;

/// Who a script runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    pub uid: u32,
    pub gid: u32,
    /// For messages: "root", "user `nobody`", "uid 1000".
    pub who: String,
}

/// A script ready to run: the file to execute, its words, its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exec {
    program: PathBuf,
    words: Vec<String>,
    via_shell: bool,
    run_as: RunAs,
    /// Runs as root under enable_script_security: its path is checked again before each run.
    guard: bool,
    insecure: Option<Insecure>,
}

impl Exec {
    /// The file execve(2) gets (`/bin/sh` for `</path` tests).
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The script's words (argv[0] is the file found by a PATH search).
    pub fn words(&self) -> &[String] {
        &self.words
    }

    pub fn run_as(&self) -> &RunAs {
        &self.run_as
    }

    /// Why this root-run script is unsafe, when `enable_script_security` is off and it
    /// runs anyway (keepalived logs "Unsafe permissions found for script").
    pub fn insecure(&self) -> Option<&Insecure> {
        self.insecure.as_ref()
    }

    /// Whether the runner re-checks the path before each run.
    pub fn guarded(&self) -> bool {
        self.guard
    }

    /// The path the security check walks, when there is one.
    pub(super) fn guarded_path(&self) -> Option<&Path> {
        self.guard.then_some(self.program.as_path())
    }

    /// The file to execute and its whole argv with `extra` appended (the generic notify's
    /// four words, a FIFO script's path). Through the shell, keepalived's cmd_str(): words
    /// in single quotes, the first bare when it starts with `<` or `>`.
    pub fn command_line(&self, extra: &[String]) -> (PathBuf, Vec<String>) {
        let all = self.words.iter().chain(extra);
        if !self.via_shell {
            return (self.program.clone(), all.cloned().collect());
        }
        let cmd = all
            .enumerate()
            .map(|(i, w)| {
                if i == 0 && w.starts_with(['<', '>']) {
                    w.clone()
                } else {
                    shell_quote(w)
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        (
            self.program.clone(),
            vec!["sh".to_string(), "-c".to_string(), cmd],
        )
    }

    /// The command as a log line shows it.
    pub fn display(&self) -> String {
        self.words.join(" ")
    }
}

/// `'word'`, with a `'` inside written `'\''` (keepalived quotes without escaping, which
/// breaks on such words).
fn shell_quote(w: &str) -> String {
    format!("'{}'", w.replace('\'', r"'\''"))
}

/// A root-run script whose path a non-root user could change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insecure {
    /// The script's file.
    pub script: PathBuf,
    /// The entry at fault: the file or a directory above it.
    pub path: PathBuf,
    pub offence: Offence,
    /// The owner or group at fault, by name when it has one, else its number.
    pub culprit: String,
}

impl Insecure {
    /// "/etc/keepalived/chk.sh is writable by group 1000 (mode 0664)".
    pub fn fault(&self) -> String {
        let p = self.path.display();
        match self.offence {
            Offence::Owner(_) => format!("{p} is owned by user {}, not root", self.culprit),
            Offence::WorldWritable(mode) => {
                format!("{p} is writable by everyone (mode {mode:04o})")
            }
            Offence::GroupWritable(_, mode) => {
                format!(
                    "{p} is writable by group {} (mode {mode:04o})",
                    self.culprit
                )
            }
        }
    }

    /// What is run: "it" when the fault is the script file itself.
    fn subject(&self) -> String {
        if self.path == self.script {
            "it".to_string()
        } else {
            self.script.display().to_string()
        }
    }

    /// The warning when it runs anyway (enable_script_security off).
    pub fn warning(&self) -> String {
        format!(
            "{}; {} runs as root anyway because enable_script_security is off",
            self.fault(),
            self.script.display()
        )
    }
}

impl fmt::Display for Insecure {
    /// The refusal.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{}; enable_script_security refuses to run {} as root",
            self.fault(),
            self.subject()
        )
    }
}

/// Why a script cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrepareError {
    UnknownUser(String),
    UnknownGroup(String),
    /// `script_user` names a user or group that does not exist.
    UnknownScriptUser(String),
    /// enable_script_security, no `script_user`, no `keepalived_script` user.
    NoDefaultUser,
    NotInPath {
        name: String,
        path: String,
    },
    NotExecutableInPath {
        file: PathBuf,
        mode: u32,
    },
    NotFound(PathBuf),
    NotAFile(PathBuf),
    NotExecutable {
        file: PathBuf,
        who: String,
        mode: u32,
    },
    Insecure(Insecure),
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            PrepareError::UnknownUser(u) => write!(f, "user `{u}` does not exist"),
            PrepareError::UnknownGroup(g) => write!(f, "group `{g}` does not exist"),
            PrepareError::UnknownScriptUser(what) => {
                write!(f, "script_user: {what} does not exist")
            }
            PrepareError::NoDefaultUser => write!(
                f,
                "enable_script_security is on and there is neither a script_user nor a \
                 `{DEFAULT_USER}` user to run scripts without a user of their own"
            ),
            PrepareError::NotInPath { name, path } => {
                write!(f, "`{name}` is not found in PATH ({path})")
            }
            PrepareError::NotExecutableInPath { file, mode } => write!(
                f,
                "{} is found in PATH but is not executable (mode {mode:04o})",
                file.display()
            ),
            PrepareError::NotFound(p) => write!(f, "{} does not exist", p.display()),
            PrepareError::NotAFile(p) => write!(f, "{} is not a regular file", p.display()),
            PrepareError::NotExecutable { file, who, mode } => write!(
                f,
                "{} is not executable by {who} (mode {mode:04o})",
                file.display()
            ),
            PrepareError::Insecure(i) => i.fmt(f),
        }
    }
}

impl std::error::Error for PrepareError {}

/// The global settings scripts are prepared with.
#[derive(Debug, Clone)]
pub struct Policy {
    security: bool,
    script_user: Option<(String, Option<String>)>,
    /// The daemon's effective ids: who runs scripts when nothing else is set.
    ours: (u32, u32),
}

impl Policy {
    pub fn new(security: bool, script_user: Option<&ScriptUser>) -> Policy {
        Policy {
            security,
            script_user: script_user.map(|s| {
                (
                    s.user.value.clone(),
                    s.group.as_ref().map(|g| g.value.clone()),
                )
            }),
            ours: (
                nix::unistd::geteuid().as_raw(),
                nix::unistd::getegid().as_raw(),
            ),
        }
    }

    pub fn from_global(g: &Global) -> Policy {
        Policy::new(g.enable_script_security, g.script_user.as_ref())
    }

    /// The same policy for a daemon running with other ids (tests).
    pub fn with_own_ids(mut self, uid: u32, gid: u32) -> Policy {
        self.ours = (uid, gid);
        self
    }

    pub fn security(&self) -> bool {
        self.security
    }

    /// Who runs scripts without a user of their own (and owns FIFOs without one).
    pub fn default_user(&self, host: &dyn Host) -> Result<RunAs, PrepareError> {
        if let Some((user, group)) = &self.script_user {
            return lookup(host, user, group.as_deref()).map_err(|e| match e {
                PrepareError::UnknownUser(u) => {
                    PrepareError::UnknownScriptUser(format!("user `{u}`"))
                }
                PrepareError::UnknownGroup(g) => {
                    PrepareError::UnknownScriptUser(format!("group `{g}`"))
                }
                other => other,
            });
        }
        if let Some(ids) = host.user(DEFAULT_USER) {
            return Ok(RunAs {
                uid: ids.uid,
                gid: ids.gid,
                who: format!("user `{DEFAULT_USER}`"),
            });
        }
        if self.security {
            return Err(PrepareError::NoDefaultUser);
        }
        let (uid, gid) = self.ours;
        Ok(RunAs {
            uid,
            gid,
            who: if uid == 0 {
                "root".to_string()
            } else {
                format!("uid {uid}")
            },
        })
    }

    /// Who runs a script with these user and group words.
    pub fn run_as(
        &self,
        host: &dyn Host,
        user: Option<&str>,
        group: Option<&str>,
    ) -> Result<RunAs, PrepareError> {
        match user {
            Some(u) => lookup(host, u, group),
            None => self.default_user(host),
        }
    }

    /// A notify-type script (its user and group words are in the [`Script`]).
    pub fn prepare(&self, host: &dyn Host, script: &Script) -> Result<Exec, PrepareError> {
        self.prepare_as(
            host,
            script,
            script.user.as_deref(),
            script.group.as_deref(),
        )
    }

    /// A script whose user and group are given apart (a vrrp_script's `user` line).
    pub fn prepare_as(
        &self,
        host: &dyn Host,
        script: &Script,
        user: Option<&str>,
        group: Option<&str>,
    ) -> Result<Exec, PrepareError> {
        let run_as = self.run_as(host, user, group)?;
        if script.via_shell() {
            return Ok(Exec {
                program: PathBuf::from("/bin/sh"),
                words: script.argv.clone(),
                via_shell: true,
                run_as,
                guard: false,
                insecure: None,
            });
        }
        let mut words = script.argv.clone();
        let argv0 = words.first().cloned().unwrap_or_default();
        let program = if argv0.contains('/') {
            Path::new("/").join(&argv0)
        } else {
            let found = search_path(host, &argv0, &run_as)?;
            words[0] = found.display().to_string();
            found
        };
        let meta = host
            .stat(&program)
            .ok_or_else(|| PrepareError::NotFound(program.clone()))?;
        if meta.kind != Kind::File {
            return Err(PrepareError::NotAFile(program));
        }
        if !security::executable(&meta, run_as.uid, run_as.gid) {
            return Err(PrepareError::NotExecutable {
                file: program,
                who: run_as.who.clone(),
                mode: meta.mode,
            });
        }
        let protect = security::needs_protection(run_as.uid, run_as.gid, &meta);
        let insecure = if protect { check(host, &program) } else { None };
        match insecure {
            Some(i) if self.security => Err(PrepareError::Insecure(i)),
            insecure => Ok(Exec {
                program,
                words,
                via_shell: false,
                run_as,
                guard: protect && self.security,
                insecure,
            }),
        }
    }
}

/// The script security check of a root-run file: None when its real path is safe (or
/// cannot be resolved: then running it fails on its own).
pub fn check(host: &dyn Host, program: &Path) -> Option<Insecure> {
    let real = host.canonicalize(program)?;
    let (path, _, offence) = security::unsafe_entry(host, &real)?;
    let culprit = match offence {
        Offence::Owner(uid) => host.user_name(uid).unwrap_or_else(|| uid.to_string()),
        Offence::GroupWritable(gid, _) => host.group_name(gid).unwrap_or_else(|| gid.to_string()),
        Offence::WorldWritable(_) => String::new(),
    };
    Some(Insecure {
        script: program.to_path_buf(),
        path,
        offence,
        culprit,
    })
}

fn lookup(host: &dyn Host, user: &str, group: Option<&str>) -> Result<RunAs, PrepareError> {
    let ids = host
        .user(user)
        .ok_or_else(|| PrepareError::UnknownUser(user.to_string()))?;
    let gid = match group {
        Some(g) => host
            .group(g)
            .ok_or_else(|| PrepareError::UnknownGroup(g.to_string()))?,
        None => ids.gid,
    };
    Ok(RunAs {
        uid: ids.uid,
        gid,
        who: if user == "root" {
            "root".to_string()
        } else {
            format!("user `{user}`")
        },
    })
}

/// keepalived's find_path(): the first regular file of PATH that `run_as` may execute.
fn search_path(host: &dyn Host, name: &str, run_as: &RunAs) -> Result<PathBuf, PrepareError> {
    let dirs = host.path_dirs();
    let mut denied = None;
    for d in dirs.iter().filter(|d| d.is_absolute()) {
        let cand = d.join(name);
        let Some(m) = host.stat(&cand) else { continue };
        if m.kind != Kind::File {
            continue;
        }
        if security::executable(&m, run_as.uid, run_as.gid) {
            return Ok(cand);
        }
        denied.get_or_insert((cand, m.mode));
    }
    Err(match denied {
        Some((file, mode)) => PrepareError::NotExecutableInPath { file, mode },
        None => PrepareError::NotInPath {
            name: name.to_string(),
            path: dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(":"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::env::FakeHost;
    use crate::conf::source::{FileId, Span};

    fn script(argv: &[&str]) -> Script {
        Script {
            command: argv.join(" "),
            argv: argv.iter().map(|s| s.to_string()).collect(),
            user: None,
            group: None,
            span: Span::new(FileId(0), 1, 1, 1),
        }
    }

    fn root_policy(security: bool) -> Policy {
        Policy::new(security, None).with_own_ids(0, 0)
    }

    #[test]
    fn user_order_own_then_script_user_then_keepalived_script_then_daemon() {
        let host = FakeHost::new()
            .user("alice", 1000, 1000)
            .user("bob", 1001, 1001)
            .group("staff", 50)
            .file("/bin/x", 0o755, 0, 0);
        let mut s = script(&["/bin/x"]);
        // Nothing set: the daemon's own user.
        let e = root_policy(false).prepare(&host, &s).unwrap();
        assert_eq!((e.run_as().uid, e.run_as().who.as_str()), (0, "root"));
        // keepalived_script exists: it.
        let host2 = host.clone().user(DEFAULT_USER, 998, 997);
        let e = root_policy(false).prepare(&host2, &s).unwrap();
        assert_eq!((e.run_as().uid, e.run_as().gid), (998, 997));
        // script_user wins over keepalived_script.
        let su = ScriptUser {
            user: crate::conf::model::global::Spanned {
                value: "bob".into(),
                span: s.span,
            },
            group: None,
        };
        let p = Policy::new(false, Some(&su)).with_own_ids(0, 0);
        assert_eq!(p.prepare(&host2, &s).unwrap().run_as().uid, 1001);
        // The script's own words win over everything; the group word picks the group.
        s.user = Some("alice".into());
        s.group = Some("staff".into());
        let e = p.prepare(&host2, &s).unwrap();
        assert_eq!((e.run_as().uid, e.run_as().gid), (1000, 50));
        s.group = Some("nogroup".into());
        assert_eq!(
            p.prepare(&host2, &s).unwrap_err(),
            PrepareError::UnknownGroup("nogroup".into())
        );
    }

    #[test]
    fn security_without_any_default_user_refuses_userless_scripts() {
        let host = FakeHost::new().file("/bin/x", 0o755, 0, 0);
        let err = root_policy(true)
            .prepare(&host, &script(&["/bin/x"]))
            .unwrap_err();
        assert_eq!(err, PrepareError::NoDefaultUser);
        // A script with its own user still runs.
        let mut s = script(&["/bin/x"]);
        s.user = Some("root".into());
        assert!(root_policy(true).prepare(&host, &s).is_ok());
    }

    #[test]
    fn bare_names_are_searched_in_path_and_argv0_rewritten() {
        let host = FakeHost::new()
            .file("/usr/bin/chk", 0o700, 5, 5)
            .file("/bin/chk", 0o755, 0, 0)
            .user("nobody", 65534, 65534);
        let mut s = script(&["chk", "a"]);
        s.user = Some("nobody".into());
        // /usr/bin/chk is not executable by nobody: /bin/chk is taken.
        let e = root_policy(false).prepare(&host, &s).unwrap();
        assert_eq!(e.words(), ["/bin/chk", "a"]);
        assert_eq!(e.program(), Path::new("/bin/chk"));
        let err = root_policy(false)
            .prepare(&host, &script(&["nothere"]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`nothere` is not found in PATH (/usr/sbin:/usr/bin:/sbin:/bin)"
        );
    }

    #[test]
    fn missing_or_unexecutable_files_are_refused() {
        let host = FakeHost::new()
            .file("/etc/k/plain", 0o644, 0, 0)
            .dir("/etc/k/d", 0o755, 0, 0)
            .user("nobody", 65534, 65534);
        let p = root_policy(false);
        assert_eq!(
            p.prepare(&host, &script(&["/etc/k/none"])).unwrap_err(),
            PrepareError::NotFound("/etc/k/none".into())
        );
        assert_eq!(
            p.prepare(&host, &script(&["/etc/k/d"])).unwrap_err(),
            PrepareError::NotAFile("/etc/k/d".into())
        );
        let mut s = script(&["/etc/k/plain"]);
        s.user = Some("nobody".into());
        assert_eq!(
            p.prepare(&host, &s).unwrap_err().to_string(),
            "/etc/k/plain is not executable by user `nobody` (mode 0644)"
        );
    }

    #[test]
    fn root_scripts_in_writable_places_are_refused_under_security() {
        let host = FakeHost::new()
            .file("/etc/keepalived/chk.sh", 0o775, 0, 1000)
            .file("/opt/w/ok.sh", 0o755, 0, 0)
            .dir("/opt/w", 0o777, 0, 0)
            .file("/home/al/x.sh", 0o755, 0, 0)
            .dir("/home/al", 0o755, 1000, 1000)
            .user("al", 1000, 1000)
            .group("al", 1000);
        let mut s = script(&["/etc/keepalived/chk.sh"]);
        s.user = Some("root".into());
        let err = root_policy(true).prepare(&host, &s).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/keepalived/chk.sh is writable by group al (mode 0775); \
             enable_script_security refuses to run it as root"
        );
        let mut s = script(&["/opt/w/ok.sh"]);
        s.user = Some("root".into());
        assert_eq!(
            root_policy(true)
                .prepare(&host, &s)
                .unwrap_err()
                .to_string(),
            "/opt/w is writable by everyone (mode 0777); \
             enable_script_security refuses to run /opt/w/ok.sh as root"
        );
        let mut s = script(&["/home/al/x.sh"]);
        s.user = Some("root".into());
        assert_eq!(
            root_policy(true)
                .prepare(&host, &s)
                .unwrap_err()
                .to_string(),
            "/home/al is owned by user al, not root; \
             enable_script_security refuses to run /home/al/x.sh as root"
        );
        // Without security it runs, with the reason kept as a warning.
        let e = root_policy(false).prepare(&host, &s).unwrap();
        assert!(!e.guarded());
        assert_eq!(
            e.insecure().unwrap().warning(),
            "/home/al is owned by user al, not root; /home/al/x.sh runs as root anyway \
             because enable_script_security is off"
        );
        // The same script run by al needs no protection.
        s.user = Some("al".into());
        let e = root_policy(true).prepare(&host, &s).unwrap();
        assert!(!e.guarded() && e.insecure().is_none());
    }

    #[test]
    fn a_safe_root_script_is_guarded_under_security() {
        let host = FakeHost::new().file("/usr/libexec/n.sh", 0o755, 0, 0);
        let mut s = script(&["/usr/libexec/n.sh"]);
        s.user = Some("root".into());
        let e = root_policy(true).prepare(&host, &s).unwrap();
        assert!(e.guarded());
        assert_eq!(e.guarded_path(), Some(Path::new("/usr/libexec/n.sh")));
    }

    #[test]
    fn command_lines_direct_and_through_the_shell() {
        let host = FakeHost::new().file("/bin/n", 0o755, 0, 0);
        let e = root_policy(false)
            .prepare(&host, &script(&["/bin/n", "x y"]))
            .unwrap();
        let extra = vec!["INSTANCE".to_string(), "VI_1".to_string()];
        assert_eq!(
            e.command_line(&extra),
            (
                PathBuf::from("/bin/n"),
                vec![
                    "/bin/n".to_string(),
                    "x y".into(),
                    "INSTANCE".into(),
                    "VI_1".into()
                ]
            )
        );
        let e = root_policy(false)
            .prepare(&host, &script(&["</etc/passwd"]))
            .unwrap();
        assert_eq!(
            e.command_line(&[]),
            (
                PathBuf::from("/bin/sh"),
                vec!["sh".to_string(), "-c".into(), "</etc/passwd".into()]
            )
        );
        let e = root_policy(false)
            .prepare(&host, &script(&["< /etc/passwd", "it's"]))
            .unwrap();
        assert_eq!(e.command_line(&[]).1[2], r"< /etc/passwd 'it'\''s'");
    }
}
