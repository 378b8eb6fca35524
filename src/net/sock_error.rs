//! The error of every socket in this module: the system's error and what was being done
//! when it happened ("join 224.0.0.18 on eth0: No such device").

use std::fmt;
use std::io;

#[derive(Debug)]
pub struct SockError {
    doing: String,
    source: io::Error,
}

impl SockError {
    pub fn new(doing: impl Into<String>, source: io::Error) -> SockError {
        SockError {
            doing: doing.into(),
            source,
        }
    }

    /// A closure for `map_err` that adds this context.
    pub(crate) fn doing(doing: impl Into<String>) -> impl FnOnce(io::Error) -> SockError {
        let doing = doing.into();
        move |e| SockError::new(doing, e)
    }

    /// What was being done, e.g. "join 224.0.0.18 on eth0".
    pub fn context(&self) -> &str {
        &self.doing
    }

    pub fn io(&self) -> &io::Error {
        &self.source
    }

    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }

    /// A receive deadline passed with nothing received.
    pub fn is_timeout(&self) -> bool {
        self.kind() == io::ErrorKind::TimedOut
    }

    /// The operation needs root or CAP_NET_RAW / CAP_NET_ADMIN.
    pub fn is_permission(&self) -> bool {
        self.kind() == io::ErrorKind::PermissionDenied
    }
}

impl fmt::Display for SockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.doing, self.source)
    }
}

impl std::error::Error for SockError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_says_what_was_being_done() {
        let e = SockError::new(
            "join 224.0.0.18 on eth0",
            io::Error::from_raw_os_error(nix::libc::ENODEV),
        );
        assert_eq!(
            e.to_string(),
            "join 224.0.0.18 on eth0: No such device (os error 19)"
        );
        assert_eq!(e.context(), "join 224.0.0.18 on eth0");
        assert!(!e.is_timeout());
        let t = SockError::doing("receive on eth0")(io::Error::from(io::ErrorKind::TimedOut));
        assert!(t.is_timeout());
        let p = SockError::new("x", io::Error::from_raw_os_error(nix::libc::EPERM));
        assert!(p.is_permission());
    }
}
