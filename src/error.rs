//! The user-facing error line and the exit codes every `ha` command shares.
//!
//! Library modules return their own typed errors; the command layer turns them into a
//! [`CliError`], which prints as one line `ha: <what>: <why>` plus an optional hint line.

use std::fmt;
use std::process::ExitCode;

/// Exit statuses. Documented in the README and in `ha --help`; later commands reuse them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked; a check found the target up.
    Ok = 0,
    /// The command ran and the answer is "no": a check found the target down, a fetch failed.
    Down = 1,
    /// Bad command line (clap uses 2 as well).
    Usage = 2,
    /// The command could not do its job: I/O, netlink, unexpected system answers.
    Runtime = 3,
    /// Missing privilege (root / CAP_NET_ADMIN / CAP_NET_RAW).
    Permission = 4,
    /// This system lacks something the command needs (kernel feature, module).
    Unsupported = 5,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// One readable error for the user: what failed, why, and what to do about it.
#[derive(Debug)]
pub struct CliError {
    pub what: String,
    pub why: String,
    pub hint: Option<String>,
    pub exit: Exit,
}

impl CliError {
    pub fn new(exit: Exit, what: impl Into<String>, why: impl fmt::Display) -> Self {
        CliError {
            what: what.into(),
            why: why.to_string(),
            hint: None,
            exit,
        }
    }

    pub fn usage(what: impl Into<String>, why: impl fmt::Display) -> Self {
        Self::new(Exit::Usage, what, why)
    }

    pub fn runtime(what: impl Into<String>, why: impl fmt::Display) -> Self {
        Self::new(Exit::Runtime, what, why)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Prints the error to stderr and returns the exit code to end with.
    pub fn report(&self) -> ExitCode {
        eprintln!("{self}");
        self.exit.into()
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ha: {}: {}", self.what, self.why)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

/// Prints a warning line in the shared format.
pub fn warn(msg: impl fmt::Display) {
    eprintln!("ha: warning: {msg}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_line_has_what_why_and_hint() {
        let e = CliError::new(Exit::Permission, "rs-arp start", "permission denied")
            .with_hint("run as root");
        assert_eq!(
            e.to_string(),
            "ha: rs-arp start: permission denied\n  hint: run as root"
        );
        assert_eq!(e.exit as u8, 4);
    }
}
