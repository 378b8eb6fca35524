//! A descriptor the VRRP loop watches: the script runner and the mail thread make it
//! readable when they have results, so the loop never waits on them.

use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;

use nix::sys::eventfd::{EfdFlags, EventFd};

/// An eventfd shared by the loop (which watches and clears it) and the threads that post
/// results (which wake it). Cloning shares the same descriptor.
#[derive(Debug, Clone)]
pub struct Waker {
    fd: Arc<EventFd>,
}

impl Waker {
    pub fn new() -> std::io::Result<Waker> {
        let fd = EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)?;
        Ok(Waker { fd: Arc::new(fd) })
    }

    /// Makes the descriptor readable. Never blocks: the counter cannot reach its limit.
    pub fn wake(&self) {
        let _ = self.fd.write(1);
    }

    /// Makes it unreadable again. Clear before draining the results, so a result posted
    /// while draining wakes the loop once more instead of being left behind.
    pub fn clear(&self) {
        let _ = self.fd.read();
    }

    /// The descriptor to put in the loop's epoll set (readable = results are waiting).
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

    fn readable(w: &Waker) -> bool {
        let mut fds = [PollFd::new(w.fd(), PollFlags::POLLIN)];
        poll(&mut fds, PollTimeout::ZERO).unwrap() == 1
    }

    #[test]
    fn wakes_and_clears() {
        let w = Waker::new().unwrap();
        assert!(!readable(&w));
        let other = w.clone();
        other.wake();
        other.wake();
        assert!(readable(&w));
        w.clear();
        assert!(!readable(&w));
        // Clearing an unreadable one does not block.
        w.clear();
    }
}
