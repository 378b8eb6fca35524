//! IPVS: the kernel's virtual-server tables. `model` holds the values, `netlink` talks to the
//! kernel's "IPVS" generic-netlink family; the ipvsadm personality, `ha ipvs` and the daemon's
//! diff engine all go through the [`Ipvs`] trait, so each can run against the one client.

pub mod desired;
pub mod diff;
pub mod model;
pub mod netlink;
pub mod saved;

use std::fmt;

pub use model::*;

/// Why an IPVS request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpvsError {
    /// The kernel has no IPVS (no "IPVS" generic-netlink family, module not loadable).
    NotAvailable,
    /// The kernel refused for lack of privilege (EPERM / EACCES): needs root or CAP_NET_ADMIN.
    Permission,
    /// The kernel answered a request with this errno; front ends word it per command, as
    /// ipvsadm does (EEXIST on add service: "Service already exists").
    Kernel { errno: i32 },
    /// The netlink socket failed (open, send, receive, timeout).
    Io(String),
    /// A reply the client cannot decode.
    Malformed(String),
}

impl fmt::Display for IpvsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpvsError::NotAvailable => f.write_str("this kernel has no IPVS (ip_vs module)"),
            IpvsError::Permission => f.write_str("permission denied"),
            IpvsError::Kernel { errno } => {
                write!(f, "{}", nix::errno::Errno::from_raw(*errno).desc())
            }
            IpvsError::Io(why) => write!(f, "netlink: {why}"),
            IpvsError::Malformed(why) => write!(f, "unexpected reply from the kernel: {why}"),
        }
    }
}

impl std::error::Error for IpvsError {}

/// A batch of operations stopped at `index`: the ops before it took effect, `error` is why
/// this one did not. The netlink client sends many ops per datagram and the kernel runs all
/// of them even after one failed, so ops after `index` may have been run too: `after` says
/// what became of each one sent with it (ops `index + 1`, `index + 2`, ... in order). Ops
/// past those were not sent. See [`netlink::Client`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyError {
    pub index: usize,
    pub error: IpvsError,
    pub after: Vec<Outcome>,
}

/// What became of an op sent after a failing one in the same batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It took effect.
    Made,
    /// The kernel refused it too.
    Failed(IpvsError),
    /// No answer came (the receive failed first): it may or may not have taken effect.
    Unknown,
}

impl ApplyError {
    /// A failure with nothing after it sent.
    pub fn new(index: usize, error: IpvsError) -> ApplyError {
        ApplyError {
            index,
            error,
            after: Vec::new(),
        }
    }

    /// The indices (into the applied ops) of the ops after `index` that took effect.
    pub fn made_after(&self) -> Vec<usize> {
        self.indices_after(|o| *o == Outcome::Made)
    }

    /// The indices of the ops after `index` that failed too.
    pub fn failed_after(&self) -> Vec<usize> {
        self.indices_after(|o| matches!(o, Outcome::Failed(_)))
    }

    /// The indices of the ops after `index` that went unanswered.
    pub fn unknown_after(&self) -> Vec<usize> {
        self.indices_after(|o| *o == Outcome::Unknown)
    }

    fn indices_after(&self, which: impl Fn(&Outcome) -> bool) -> Vec<usize> {
        let first = self.index + 1;
        self.after
            .iter()
            .enumerate()
            .filter(|(_, o)| which(o))
            .map(|(i, _)| first + i)
            .collect()
    }
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "operation {}: {}", self.index + 1, self.error)?;
        if !self.after.is_empty() {
            let count = |o: fn(&Outcome) -> bool| self.after.iter().filter(|a| o(a)).count();
            write!(
                f,
                " (of the {} sent after it: {} made, {} failed, {} unanswered)",
                self.after.len(),
                count(|o| *o == Outcome::Made),
                count(|o| matches!(o, Outcome::Failed(_))),
                count(|o| *o == Outcome::Unknown)
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ApplyError {}

/// Everything the front ends need from the kernel's IPVS.
pub trait Ipvs {
    fn info(&mut self) -> Result<Info, IpvsError>;
    /// All services, in the kernel's order (its hash-table order, which ipvsadm prints).
    fn services(&mut self) -> Result<Vec<Service>, IpvsError>;
    /// One service; None when the kernel has no such service.
    fn service(&mut self, key: &ServiceKey) -> Result<Option<Service>, IpvsError>;
    /// The destinations of a service, in the kernel's order.
    fn dests(&mut self, key: &ServiceKey) -> Result<Vec<Dest>, IpvsError>;
    fn timeouts(&mut self) -> Result<Timeouts, IpvsError>;
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, IpvsError>;
    /// Applies the operations in order, batched where the protocol allows; stops at the
    /// first failure (sends nothing after the batch it is in; see [`ApplyError`]).
    fn apply(&mut self, ops: &[Op]) -> Result<(), ApplyError>;
}
