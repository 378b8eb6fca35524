//! How the loop waits: which deadline the timerfd keeps and which the wait's own timeout.
//!
//! A timerfd fires on time; a wait's timeout may be late by the kernel's timer slack (0.1%
//! of the wait, at least 50 µs: `select_estimate_accuracy` in fs/select.c). A BACKUP's
//! master-down timer decides how fast a failover is, so it goes to the timerfd. Everything
//! else (a MASTER's next advert, gratuitous ARP repeats, script intervals) is harmless
//! 0.1% late, and keeping it in the wait's timeout spares a `timerfd_settime` per advert:
//! an idle MASTER makes two system calls per advert (`epoll_pwait2`, `sendmsg`) instead of
//! three. Kernels before 5.11 have no `epoll_pwait2` (nanosecond timeouts), and some
//! container seccomp profiles refuse it; there the timerfd keeps every deadline.

use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::Instant;

use nix::errno::Errno;
use nix::libc;
use nix::sys::epoll::EpollEvent;

/// Where each deadline goes for one wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitPlan {
    /// What the timerfd is armed at.
    pub timer: Option<Instant>,
    /// Until when the wait itself may block; None: until something is readable.
    pub timeout: Option<Instant>,
}

/// `next`: the earliest deadline of all; `exact`: the earliest that must be kept to the
/// microsecond. `timeouts`: the wait takes nanosecond timeouts (epoll_pwait2).
pub fn plan(next: Option<Instant>, exact: Option<Instant>, timeouts: bool) -> WaitPlan {
    if !timeouts {
        return WaitPlan {
            timer: next,
            timeout: None,
        };
    }
    // The timerfd wakes the loop for the exact one even when the timeout is later.
    let timeout = match (next, exact) {
        (Some(n), Some(e)) if n >= e => None,
        (n, _) => n,
    };
    WaitPlan {
        timer: exact,
        timeout,
    }
}

/// The kernel's `struct __kernel_timespec`, which epoll_pwait2 takes on every architecture
/// (64-bit fields even where libc's timespec has a 32-bit time_t).
#[repr(C)]
struct KernelTimespec {
    tv_sec: i64,
    tv_nsec: i64,
}

/// epoll_pwait2(2) on `epoll` until `until` (None: no timeout); the number of events.
/// ENOSYS on kernels before 5.11.
pub fn epoll_wait_until(
    epoll: BorrowedFd<'_>,
    events: &mut [EpollEvent],
    until: Option<Instant>,
    now: Instant,
) -> nix::Result<usize> {
    let timeout = until.map(|t| {
        let wait = t.saturating_duration_since(now);
        KernelTimespec {
            tv_sec: i64::try_from(wait.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(wait.subsec_nanos()),
        }
    });
    let timeout_ptr = timeout
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const KernelTimespec);
    let max = libc::c_int::try_from(events.len()).unwrap_or(libc::c_int::MAX);
    // SAFETY: EpollEvent is repr(transparent) over libc::epoll_event, and the kernel writes
    // at most `max` of them into `events`; the timeout is read only; a null signal mask
    // leaves the mask as it is (its size argument is then unused).
    let n = unsafe {
        libc::syscall(
            libc::SYS_epoll_pwait2,
            epoll.as_raw_fd(),
            events.as_mut_ptr().cast::<libc::epoll_event>(),
            max,
            timeout_ptr,
            std::ptr::null::<libc::sigset_t>(),
            0usize,
        )
    };
    if n < 0 {
        return Err(Errno::last());
    }
    usize::try_from(n).map_err(|_| Errno::EINVAL)
}

/// Whether epoll_pwait2 can be used here: a wait of zero. Any failure counts as no: old
/// kernels answer ENOSYS, and seccomp profiles that predate the call (container runtimes)
/// may answer EPERM; the timerfd then keeps every deadline, as on those kernels.
pub fn has_epoll_pwait2(epoll: BorrowedFd<'_>) -> bool {
    let mut events = [EpollEvent::empty()];
    loop {
        let now = Instant::now();
        match epoll_wait_until(epoll, &mut events, Some(now), now) {
            Ok(_) => return true,
            Err(Errno::EINTR) => continue,
            Err(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollFlags};
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixDatagram;
    use std::time::Duration;

    fn at(ms: u64) -> Instant {
        // A fixed origin: plans only compare instants.
        static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        *ORIGIN.get_or_init(Instant::now) + Duration::from_millis(ms)
    }

    #[test]
    fn a_masters_advert_goes_to_the_timeout_and_the_timerfd_stays_off() {
        let p = plan(Some(at(100)), None, true);
        assert_eq!(
            p,
            WaitPlan {
                timer: None,
                timeout: Some(at(100))
            }
        );
    }

    #[test]
    fn a_backups_master_down_timer_goes_to_the_timerfd() {
        let p = plan(Some(at(360)), Some(at(360)), true);
        assert_eq!(
            p,
            WaitPlan {
                timer: Some(at(360)),
                timeout: None
            }
        );
    }

    #[test]
    fn an_earlier_lax_deadline_is_the_timeout_while_the_timerfd_keeps_the_exact_one() {
        // One instance MASTER (advert at 100 ms), another BACKUP (down at 360 ms).
        let p = plan(Some(at(100)), Some(at(360)), true);
        assert_eq!(
            p,
            WaitPlan {
                timer: Some(at(360)),
                timeout: Some(at(100))
            }
        );
    }

    #[test]
    fn without_epoll_pwait2_the_timerfd_keeps_every_deadline() {
        for (next, exact) in [
            (Some(at(100)), None),
            (Some(at(100)), Some(at(360))),
            (Some(at(360)), Some(at(360))),
            (None, None),
        ] {
            assert_eq!(
                plan(next, exact, false),
                WaitPlan {
                    timer: next,
                    timeout: None
                }
            );
        }
    }

    #[test]
    fn nothing_due_waits_for_input_only() {
        assert_eq!(
            plan(None, None, true),
            WaitPlan {
                timer: None,
                timeout: None
            }
        );
    }

    #[test]
    fn the_wait_returns_no_earlier_than_its_timeout_and_at_once_on_input() {
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).unwrap();
        if !has_epoll_pwait2(epoll.0.as_fd()) {
            eprintln!("SKIP: this kernel has no epoll_pwait2");
            return;
        }
        let (a, b) = UnixDatagram::pair().unwrap();
        epoll
            .add(b.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, 7))
            .unwrap();
        let mut events = [EpollEvent::empty(); 2];
        let start = Instant::now();
        let until = start + Duration::from_millis(20);
        let n = epoll_wait_until(epoll.0.as_fd(), &mut events, Some(until), start).unwrap();
        assert_eq!(n, 0);
        assert!(Instant::now() >= until, "woke before the timeout");
        // A passed deadline: no wait at all.
        let n = epoll_wait_until(epoll.0.as_fd(), &mut events, Some(start), Instant::now());
        assert_eq!(n, Ok(0));
        a.send(b"x").unwrap();
        let n = epoll_wait_until(epoll.0.as_fd(), &mut events, None, Instant::now()).unwrap();
        assert_eq!((n, events[0].data()), (1, 7));
    }
}
