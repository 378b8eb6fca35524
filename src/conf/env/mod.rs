//! Environment checks: what a configuration needs from the machine it is checked on —
//! interfaces that exist, scripts that can be found and executed, script users and groups,
//! and script permissions under keepalived's `enable_script_security` rules.
//!
//! Every finding is a warning (or a note): the same file may be right on the machine it is
//! meant for. Nothing here changes the model; [`check`] reads it after `model::read`, and all
//! machine lookups go through [`Host`] so unit tests run against a [`FakeHost`].
//!
//! keepalived 2.2.7's rules, as followed here (lib/notify.c, keepalived/core/main.c):
//! - A script runs as its own user/group words, else global `script_user`, else the
//!   `keepalived_script` user if it exists, else root (the daemon's own user). An unknown
//!   user drops the script; with `enable_script_security` and neither `script_user` nor a
//!   `keepalived_script` user, every script without its own user is dropped.
//! - A command without `/` is searched in PATH; one that cannot be found, or is not
//!   executable by its user, is disabled.
//! - A script that runs as root (uid or gid 0, or a setuid/setgid-root file) is unsafe when
//!   its real path or any directory above it is owned by a non-root user, or is writable by a
//!   non-root group or by everyone (directories with the sticky bit excepted). With
//!   `enable_script_security` keepalived disables it; without, it only logs it.
//! - Without `enable_script_security`, any script found makes keepalived report
//!   "SECURITY VIOLATION - scripts are being executed but script_security not enabled"
//!   (`keepalived -t` exits 6).

mod host;
mod interfaces;
mod scripts;
pub mod security;
mod shell;
#[cfg(test)]
mod tests;

pub use host::{FakeHost, Host, Kind, Meta, SystemHost, UserIds, DEFAULT_PATH};

use super::model::Config;
use super::schema::Cx;

/// Checks `config` against `host`: interfaces, scripts, script users and permissions.
/// Findings are warnings and notes only.
pub fn check(config: &Config, host: &dyn Host, cx: &mut Cx) {
    interfaces::check(config, host, cx);
    scripts::check(config, host, cx);
}
