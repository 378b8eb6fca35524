//! Every script of the configuration: shell syntax, the user it runs as, whether its
//! program is there and executable, and keepalived's script-security rules.

use std::path::{Path, PathBuf};

use super::host::{Host, Kind, Meta};
use super::security::{self, executable, Offence, DEFAULT_USER};
use super::shell;
use crate::conf::model::lvs::Checker;
use crate::conf::model::Config;
use crate::conf::schema::{Cx, Script};
use crate::conf::source::Span;

/// Which keepalived process checks a script; each reports its own SECURITY VIOLATION.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// startup_script, shutdown_script (the parent process).
    Main,
    /// vrrp_script, instance and sync group notifies, vrrp_notify_fifo_script.
    Vrrp,
    /// MISC_CHECK, real and virtual server notifies, lvs_notify_fifo_script.
    Checker,
    /// notify_fifo_script: both the VRRP and the checker process check it.
    Both,
}

impl Side {
    fn checked_by(self, process: Side) -> bool {
        self == process || (self == Side::Both && process != Side::Main)
    }
}

/// One script and what the configuration says about it.
struct Use<'a> {
    script: &'a Script,
    side: Side,
    /// How hints name it: "vrrp_script `chk_nginx`", "`notify_master` of vrrp_instance `VI_1`".
    what: String,
    /// Its own user and group words, with the best span the model keeps for them.
    user: Option<(&'a str, Span)>,
    group: Option<(&'a str, Span)>,
}

/// Who a script runs as.
#[derive(Debug, Clone)]
enum RunAs {
    Ids {
        uid: u32,
        gid: u32,
        /// "root", "user `keepalived_script`".
        who: String,
    },
    /// The user could not be settled (keepalived drops such a script).
    Unknown,
}

impl RunAs {
    fn root() -> Self {
        RunAs::Ids {
            uid: 0,
            gid: 0,
            who: "root".into(),
        }
    }
}

/// An unsafe path and the scripts it makes unsafe.
struct Insecure {
    path: PathBuf,
    kind: Kind,
    offence: Offence,
    scripts: Vec<(Span, String)>,
}

/// Findings about single scripts, buffered so that the same finding about several
/// scripts (three notify lines running one missing file) is made once, with the others as
/// related places.
#[derive(Default)]
struct Out {
    list: Vec<Pending>,
}

struct Pending {
    note: bool,
    span: Span,
    message: String,
    hint: String,
    related: Vec<(Span, String)>,
}

impl Out {
    fn add(&mut self, note: bool, u: &Use, span: Span, message: String, hint: String) {
        let same = |p: &&mut Pending| p.note == note && p.message == message && p.hint == hint;
        if let Some(p) = self.list.iter_mut().find(same) {
            if p.span != span && !p.related.iter().any(|(s, _)| *s == span) {
                p.related.push((span, format!("also {}", u.what)));
            }
            return;
        }
        self.list.push(Pending {
            note,
            span,
            message,
            hint,
            related: Vec::new(),
        });
    }

    /// A warning at the script's command.
    fn warn(&mut self, u: &Use, message: String, hint: impl Into<String>) {
        self.add(false, u, u.script.span, message, hint.into());
    }

    fn emit(self, cx: &mut Cx) {
        for p in self.list {
            let d = if p.note {
                cx.note(p.span, p.message)
            } else {
                cx.environment(p.span, p.message)
            };
            d.hint(p.hint);
            for (span, what) in p.related {
                d.related(span, what);
            }
        }
    }
}

pub(super) fn check(config: &Config, host: &dyn Host, cx: &mut Cx) {
    let uses = collect(config);
    if uses.is_empty() {
        return;
    }
    let security = config.global.enable_script_security;
    let default = default_user(config, host, cx, &uses);
    let mut out = Out::default();
    let mut insecure: Vec<Insecure> = Vec::new();
    // Scripts keepalived finds (its SC_ISSCRIPT: they make the SECURITY VIOLATION), and
    // whether each is unsafe.
    let mut found: Vec<(&Use, bool)> = Vec::new();
    // The first script that runs as root because there is no default user.
    let mut root_by_default: Option<&Use> = None;
    for u in &uses {
        let s = u.script;
        let Some(argv0) = s.argv.first().filter(|a| !a.is_empty()) else {
            continue;
        };
        if u.user.is_none() && default.root_fallback {
            root_by_default.get_or_insert(u);
        }
        if let Some(f) = shell::operators(s) {
            out.warn(u, f.message, f.hint);
        }
        if s.via_shell() {
            // `</path`: keepalived runs it through /bin/sh as a readability test.
            continue;
        }
        let run_as = match own_user(u, host, &mut out) {
            Some(r) => r,
            None => default.run_as.clone(),
        };
        let Some((path, meta)) = program(u, argv0, &run_as, host, &mut out) else {
            continue;
        };
        if matches!(run_as, RunAs::Unknown) {
            continue;
        }
        found.push((u, false));
        if meta.kind != Kind::File || !executable_check(u, &path, &meta, &run_as, host, &mut out) {
            continue;
        }
        if !runs_as_root(&run_as, &meta) {
            continue;
        }
        let Some((bad, kind, offence)) = host
            .canonicalize(&path)
            .and_then(|r| security::unsafe_entry(host, &r))
        else {
            continue;
        };
        if let Some(last) = found.last_mut() {
            last.1 = true;
        }
        let entry = (s.span, u.what.clone());
        match insecure.iter_mut().find(|i| i.path == bad) {
            Some(i) => i.scripts.push(entry),
            None => insecure.push(Insecure {
                path: bad,
                kind,
                offence,
                scripts: vec![entry],
            }),
        }
    }
    out.emit(cx);
    if let Some(u) = root_by_default {
        cx.note(
            u.script.span,
            "scripts without a user of their own run as root here",
        )
        .hint(format!(
            "no `script_user` is set and there is no `{DEFAULT_USER}` user (keepalived's \
             default); set `script_user` in global_defs to run them as an unprivileged user"
        ));
    }
    for i in &insecure {
        report_insecure(i, security, host, cx);
    }
    if !security {
        security_violation(config, &found, cx);
    }
}

/// Without `enable_script_security`, each keepalived process that checks a script it finds
/// reports a SECURITY VIOLATION (an error in `keepalived -t`, status 6). The VRRP process
/// checks only when there are vrrp instances, the checker process only with virtual servers.
fn security_violation(config: &Config, found: &[(&Use, bool)], cx: &mut Cx) {
    let processes = [
        (Side::Main, "start/shutdown scripts", true),
        (Side::Vrrp, "scripts", !config.vrrp.instances.is_empty()),
        (
            Side::Checker,
            "check scripts",
            !config.lvs.virtual_servers.is_empty(),
        ),
    ];
    for (process, words, active) in processes {
        let mine: Vec<&(&Use, bool)> = found
            .iter()
            .filter(|(u, _)| active && u.side.checked_by(process))
            .collect();
        let Some(((first, _), rest)) = mine.split_first() else {
            continue;
        };
        let unsafe_note = if mine.iter().any(|(_, bad)| *bad) {
            " There are insecure scripts."
        } else {
            ""
        };
        let d = cx.environment(
            first.script.span,
            format!(
                "`enable_script_security` is not set: keepalived reports \"SECURITY VIOLATION - \
                 {words} are being executed but script_security not enabled.{unsafe_note}\" and \
                 `keepalived -t` exits with status 6"
            ),
        );
        d.hint(
            "add `enable_script_security` to global_defs; keepalived then refuses to run a \
             script as root when a non-root user could change it or a directory above it, so \
             keep scripts and their directories owned by root and not group- or world-writable",
        );
        for (u, _) in rest {
            d.related(u.script.span, format!("{} is a script too", u.what));
        }
    }
}

/// Who runs the scripts without a user of their own.
struct Default {
    run_as: RunAs,
    /// Root, because there is neither `script_user` nor a `keepalived_script` user.
    root_fallback: bool,
}

impl Default {
    fn plain(run_as: RunAs) -> Self {
        Default {
            run_as,
            root_fallback: false,
        }
    }
}

/// The user scripts without their own user run as, with findings about `script_user` and
/// keepalived's default.
fn default_user(config: &Config, host: &dyn Host, cx: &mut Cx, uses: &[Use]) -> Default {
    let g = &config.global;
    let without: Vec<&Use> = uses.iter().filter(|u| u.user.is_none()).collect();
    let dropped = || match without.len() {
        0 => "keepalived drops every script that has no user of its own (none here do)".into(),
        1 => "keepalived drops every script that has no user of its own (1 here)".into(),
        n => format!("keepalived drops every script that has no user of its own ({n} here)"),
    };
    if let Some(su) = &g.script_user {
        let Some(ids) = host.user(&su.user.value) else {
            cx.environment(
                su.user.span,
                format!("script_user `{}` does not exist here", su.user.value),
            )
            .hint(format!(
                "{} (\"Error setting global script uid/gid\")",
                dropped()
            ));
            return Default::plain(RunAs::Unknown);
        };
        let mut gid = ids.gid;
        if let Some(gr) = &su.group {
            match host.group(&gr.value) {
                Some(id) => gid = id,
                None => {
                    cx.environment(
                        gr.span,
                        format!("group `{}` of `script_user` does not exist here", gr.value),
                    )
                    .hint(dropped());
                    return Default::plain(RunAs::Unknown);
                }
            }
        }
        return Default::plain(RunAs::Ids {
            uid: ids.uid,
            gid,
            who: format!("user `{}`", su.user.value),
        });
    }
    if let Some(ids) = host.user(DEFAULT_USER) {
        return Default::plain(RunAs::Ids {
            uid: ids.uid,
            gid: ids.gid,
            who: format!("user `{DEFAULT_USER}`"),
        });
    }
    match without.first() {
        Some(first) if g.enable_script_security => {
            cx.environment(
                first.script.span,
                format!(
                "with `enable_script_security` and no `script_user`, keepalived runs scripts as \
                 the `{DEFAULT_USER}` user, which does not exist here"
            ),
            )
            .hint(format!(
            "{} (\"Unable to set default user {DEFAULT_USER}\"); create the user (`useradd -r -s \
             /usr/sbin/nologin {DEFAULT_USER}`), or set `script_user` in global_defs \
             (`script_user root` if they must run as root)",
            dropped()
        ));
            Default::plain(RunAs::Unknown)
        }
        _ => Default {
            run_as: RunAs::root(),
            root_fallback: true,
        },
    }
}

/// The script's own user and group words, looked up; None when it has none. An unknown
/// user or group is warned about and gives [`RunAs::Unknown`].
fn own_user(u: &Use, host: &dyn Host, out: &mut Out) -> Option<RunAs> {
    let (name, span) = u.user?;
    let Some(ids) = host.user(name) else {
        out.add(
            false,
            u,
            span,
            format!("user `{name}` does not exist here"),
            DROPS_USER.into(),
        );
        return Some(RunAs::Unknown);
    };
    let mut gid = ids.gid;
    if let Some((group, gspan)) = u.group {
        match host.group(group) {
            Some(id) => gid = id,
            None => {
                out.add(
                    false,
                    u,
                    gspan,
                    format!("group `{group}` does not exist here"),
                    DROPS_USER.into(),
                );
                return Some(RunAs::Unknown);
            }
        }
    }
    Some(RunAs::Ids {
        uid: ids.uid,
        gid,
        who: format!("user `{name}`"),
    })
}

const DROPS_USER: &str =
    "keepalived drops a script whose user or group does not exist (\"Invalid user/group\")";

fn ids(run_as: &RunAs) -> (u32, u32) {
    match run_as {
        RunAs::Ids { uid, gid, .. } => (*uid, *gid),
        RunAs::Unknown => (0, 0),
    }
}

/// Finds the program: the path it runs from and what is there (symbolic links followed).
/// None, after a warning, when there is nothing to run.
fn program(
    u: &Use,
    argv0: &str,
    run_as: &RunAs,
    host: &dyn Host,
    out: &mut Out,
) -> Option<(PathBuf, Meta)> {
    let s = u.script;
    let (path, shown) = if argv0.contains('/') {
        let p = Path::new("/").join(argv0);
        (p, argv0.to_string())
    } else {
        let p = search_path(u, argv0, run_as, host, out)?;
        out.add(
            true,
            u,
            s.span,
            format!("`{argv0}` is found by a PATH search: {}", p.display()),
            format!(
                "keepalived logs a warning for this (\"Please specify full path\"); write `{}`",
                p.display()
            ),
        );
        let shown = p.display().to_string();
        (p, shown)
    };
    let Some(meta) = host.stat(&path) else {
        let mut hint = String::new();
        if !argv0.starts_with('/') {
            hint.push_str("a relative path is taken from `/`, keepalived's working directory; ");
        }
        if let Some(dir) = path.parent().filter(|d| host.stat(d).is_none()) {
            hint.push_str(&format!(
                "the directory `{}` does not exist either; ",
                dir.display()
            ));
        }
        hint.push_str("keepalived disables a script it cannot find");
        out.warn(u, format!("script `{shown}` does not exist here"), hint);
        return None;
    };
    match meta.kind {
        Kind::File => {}
        Kind::Dir => {
            out.warn(
                u,
                format!("script `{shown}` is a directory"),
                "name the program to run; keepalived disables this script",
            );
        }
        Kind::Symlink | Kind::Other => {
            out.warn(
                u,
                format!("script `{shown}` is not a regular file"),
                "keepalived disables this script",
            );
        }
    }
    Some((path, meta))
}

/// keepalived's find_path(): the first regular file in PATH its user may execute.
fn search_path(
    u: &Use,
    argv0: &str,
    run_as: &RunAs,
    host: &dyn Host,
    out: &mut Out,
) -> Option<PathBuf> {
    let (uid, gid) = ids(run_as);
    let dirs = host.path_dirs();
    let mut denied: Option<(PathBuf, Meta)> = None;
    for d in dirs.iter().filter(|d| d.is_absolute()) {
        let cand = d.join(argv0);
        let Some(m) = host.stat(&cand) else { continue };
        if m.kind != Kind::File {
            continue;
        }
        if executable(&m, uid, gid) {
            return Some(cand);
        }
        denied.get_or_insert((cand, m));
    }
    let s = u.script;
    if let Some(f) = shell::builtin(s) {
        out.warn(u, f.message, f.hint);
    } else if let Some((p, m)) = denied {
        out.warn(
            u,
            format!(
                "script `{argv0}` is found in PATH at {} but is not executable (mode {:04o})",
                p.display(),
                m.mode
            ),
            "keepalived disables the script (\"Permissions failure for script in path\")",
        );
    } else {
        let list: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        out.warn(
            u,
            format!("script `{argv0}` does not exist here"),
            format!(
                "a command without `/` is searched in PATH ({}), where it is not; keepalived \
                 disables the script: give its full path",
                list.join(":")
            ),
        );
    }
    None
}

/// Execute permission for the script's user and a `#!` line; false when the script cannot
/// run (after a warning).
fn executable_check(
    u: &Use,
    path: &Path,
    meta: &Meta,
    run_as: &RunAs,
    host: &dyn Host,
    out: &mut Out,
) -> bool {
    let shown = path.display();
    let mode = meta.mode;
    if mode & 0o111 == 0 {
        out.warn(
            u,
            format!("script `{shown}` is not executable (mode {mode:04o})"),
            format!("chmod +x {shown}; keepalived disables a script it cannot execute"),
        );
        return false;
    }
    if let RunAs::Ids { uid, gid, who } = run_as {
        if !executable(meta, *uid, *gid) {
            let owner = name_or_id(host.user_name(meta.uid), meta.uid);
            let group = name_or_id(host.group_name(meta.gid), meta.gid);
            out.warn(
                u,
                format!(
                    "script `{shown}` is not executable by {who}, who runs it (mode {mode:04o}, \
                     owner `{owner}`, group `{group}`)"
                ),
                format!(
                    "keepalived checks execute permission for the script's user and disables it \
                     otherwise; e.g. `chmod o+x {shown}`, or run it as another user"
                ),
            );
            return false;
        }
    }
    if let Some(head) = host.head(path) {
        if !head.starts_with(b"#!") && !head.starts_with(b"\x7fELF") {
            out.warn(
                u,
                format!("script `{shown}` does not start with `#!`"),
                "execve(2) cannot run it (keepalived falls back to /bin/sh only when built with \
                 libmagic); add `#!/bin/sh`, or the interpreter it needs, as its first line",
            );
        }
    }
    true
}

fn name_or_id(name: Option<String>, id: u32) -> String {
    name.unwrap_or_else(|| id.to_string())
}

/// keepalived's need_script_protection for a settled user.
fn runs_as_root(run_as: &RunAs, m: &Meta) -> bool {
    match run_as {
        RunAs::Ids { uid, gid, .. } => security::needs_protection(*uid, *gid, m),
        RunAs::Unknown => false,
    }
}

fn report_insecure(i: &Insecure, security: bool, host: &dyn Host, cx: &mut Cx) {
    let p = i.path.display();
    let (message, fix) = match i.offence {
        Offence::Owner(uid) => (
            format!(
                "`{p}` is owned by user `{}`: a non-root user could replace a script run as root",
                name_or_id(host.user_name(uid), uid)
            ),
            format!("chown root {p}"),
        ),
        Offence::WorldWritable(mode) => (
            format!(
                "`{p}` is writable by everyone (mode {mode:04o}): any user could replace a \
                 script run as root"
            ),
            if i.kind == Kind::Dir {
                format!("chmod o-w {p}")
            } else {
                format!("chmod go-w {p}")
            },
        ),
        Offence::GroupWritable(gid, mode) => (
            format!(
                "`{p}` is writable by group `{}` (mode {mode:04o}): a non-root user could \
                 replace a script run as root",
                name_or_id(host.group_name(gid), gid)
            ),
            format!("chmod g-w {p}"),
        ),
    };
    let (span, what) = &i.scripts[0];
    let effect = if security {
        format!("keepalived disables {what} under enable_script_security")
    } else {
        format!("keepalived runs {what} anyway, as enable_script_security is off, but logs it")
    };
    let d = cx.environment(*span, message);
    d.hint(format!(
        "{effect} (\"Unsafe permissions found for script\"); fix it with `{fix}`, or run the \
         script as an unprivileged user (`script_user`)"
    ));
    for (span, what) in &i.scripts[1..] {
        d.related(*span, format!("{what} runs as root from there too"));
    }
}

/// A script with its own user and group words (notify-type keywords, MISC_CHECK `user`).
/// The model keeps no span for the words: they point at the command.
/// `what` is only made for scripts that exist: most of a large configuration's slots are
/// empty.
fn push<'a>(
    out: &mut Vec<Use<'a>>,
    s: Option<&'a Script>,
    side: Side,
    what: impl FnOnce() -> String,
) {
    if let Some(s) = s {
        out.push(Use {
            script: s,
            side,
            what: what(),
            user: s.user.as_deref().map(|x| (x, s.span)),
            group: s.group.as_deref().map(|x| (x, s.span)),
        });
    }
}

/// Every script of the configuration, in a stable order: global, vrrp_script, instances,
/// sync groups, virtual servers.
fn collect(config: &Config) -> Vec<Use<'_>> {
    let mut out = Vec::new();
    let g = &config.global;
    for (s, kw, side) in [
        (&g.startup_script, "startup_script", Side::Main),
        (&g.shutdown_script, "shutdown_script", Side::Main),
        (&g.notify_fifo_script, "notify_fifo_script", Side::Both),
        (
            &g.vrrp_notify_fifo_script,
            "vrrp_notify_fifo_script",
            Side::Vrrp,
        ),
        (
            &g.lvs_notify_fifo_script,
            "lvs_notify_fifo_script",
            Side::Checker,
        ),
    ] {
        push(&mut out, s.as_ref(), side, || format!("global `{kw}`"));
    }
    for vs in &config.vrrp.scripts {
        let Some(s) = &vs.script else { continue };
        // `user` in the block; the model keeps the span of its first word only.
        let user = vs
            .user
            .as_deref()
            .map(|x| (x, vs.user_span.unwrap_or(s.span)));
        let group = vs
            .group
            .as_deref()
            .map(|x| (x, vs.user_span.unwrap_or(s.span)));
        out.push(Use {
            script: s,
            side: Side::Vrrp,
            what: format!("vrrp_script `{}`", vs.name),
            user,
            group,
        });
    }
    for i in &config.vrrp.instances {
        let owner = || format!("vrrp_instance `{}`", i.name);
        for (s, kw) in [
            (&i.notify_master, "notify_master"),
            (&i.notify_backup, "notify_backup"),
            (&i.notify_fault, "notify_fault"),
            (&i.notify_stop, "notify_stop"),
            (&i.notify_deleted_script, "notify_deleted"),
            (&i.notify, "notify"),
            (&i.notify_master_rx_lower_pri, "notify_master_rx_lower_pri"),
        ] {
            push(&mut out, s.as_ref(), Side::Vrrp, || {
                format!("`{kw}` of {}", owner())
            });
        }
    }
    for sg in &config.vrrp.sync_groups {
        let owner = || format!("vrrp_sync_group `{}`", sg.name);
        for (s, kw) in [
            (&sg.notify_master, "notify_master"),
            (&sg.notify_backup, "notify_backup"),
            (&sg.notify_fault, "notify_fault"),
            (&sg.notify_stop, "notify_stop"),
            (&sg.notify, "notify"),
        ] {
            push(&mut out, s.as_ref(), Side::Vrrp, || {
                format!("`{kw}` of {}", owner())
            });
        }
    }
    for vs in &config.lvs.virtual_servers {
        let owner = || format!("virtual_server {}", vs.label());
        for (s, kw) in [
            (&vs.quorum_up, "quorum_up"),
            (&vs.quorum_down, "quorum_down"),
        ] {
            push(&mut out, s.as_ref(), Side::Checker, || {
                format!("`{kw}` of {}", owner())
            });
        }
        for rs in &vs.real_servers {
            let rso = || format!("real_server {} of {}", rs.label(), owner());
            for (s, kw) in [
                (&rs.notify_up, "notify_up"),
                (&rs.notify_down, "notify_down"),
            ] {
                push(&mut out, s.as_ref(), Side::Checker, || {
                    format!("`{kw}` of {}", rso())
                });
            }
            for c in &rs.checkers {
                if let Checker::Misc(m) = c {
                    // `user` in MISC_CHECK; the model keeps no span for it.
                    let what = || format!("the MISC_CHECK of {}", rso());
                    push(&mut out, Some(&m.script), Side::Checker, what);
                }
            }
        }
    }
    out
}
