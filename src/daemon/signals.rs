//! Signals as events of the VRRP loop: a handler only sets a flag and writes a byte to a
//! pipe whose read end is one of the loop's poll descriptors.

use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

pub struct Signals {
    wake: UnixStream,
    stop: Arc<AtomicBool>,
    reload: Arc<AtomicBool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGTERM or SIGINT: graceful stop.
    Stop,
    /// SIGHUP.
    Reload,
}

impl Signals {
    pub fn install() -> std::io::Result<Signals> {
        let (wake, notify) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        notify.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let reload = Arc::new(AtomicBool::new(false));
        for sig in [SIGTERM, SIGINT] {
            signal_hook::flag::register(sig, Arc::clone(&stop))?;
            signal_hook::low_level::pipe::register(sig, notify.try_clone()?)?;
        }
        signal_hook::flag::register(SIGHUP, Arc::clone(&reload))?;
        signal_hook::low_level::pipe::register(SIGHUP, notify)?;
        Ok(Signals { wake, stop, reload })
    }

    /// The descriptor that becomes readable when a signal arrived.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.wake.as_fd()
    }

    /// The signals that arrived since the last call (stop first).
    pub fn take(&mut self) -> Vec<Signal> {
        let mut drain = [0u8; 64];
        while matches!((&self.wake).read(&mut drain), Ok(n) if n > 0) {}
        let mut out = Vec::new();
        if self.stop.swap(false, Ordering::SeqCst) {
            out.push(Signal::Stop);
        }
        if self.reload.swap(false, Ordering::SeqCst) {
            out.push(Signal::Reload);
        }
        out
    }
}
