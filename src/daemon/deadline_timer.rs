//! The loop's timerfd, armed at an `Instant`. A timerfd fires on time, where poll/epoll
//! timeouts may be up to 0.1% late (timer slack: 3.6 ms on a VRRPv2 master-down timer).
//!
//! It is armed at absolute CLOCK_MONOTONIC times (std's `Instant` reads that clock on
//! Linux), so arming needs no clock reading of its own, and not at all when the deadline
//! did not move. Which deadlines it keeps: [`super::wait`].

use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
use nix::time::{clock_gettime, ClockId as Clock};

pub struct DeadlineTimer {
    fd: TimerFd,
    /// An instant and the CLOCK_MONOTONIC time it stands for, at most `BASE_SPREAD` late.
    base: Instant,
    base_mono: Duration,
    state: Armed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Armed {
    Off,
    At(Instant),
    /// Fired, and readable until it is armed again or disarmed.
    Fired,
}

/// How far apart the two clock readings around the base instant may be: the timer fires
/// up to this late.
const BASE_SPREAD: Duration = Duration::from_micros(2);

impl DeadlineTimer {
    pub fn new() -> nix::Result<DeadlineTimer> {
        let fd = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )?;
        let (base, base_mono) = base()?;
        Ok(DeadlineTimer {
            fd,
            base,
            base_mono,
            state: Armed::Off,
        })
    }

    /// Fires at `deadline` (at once when it has passed), or never (None).
    pub fn set(&mut self, deadline: Option<Instant>) -> nix::Result<()> {
        let want = deadline.map_or(Armed::Off, Armed::At);
        if want == self.state {
            return Ok(());
        }
        match deadline {
            Some(t) => self.fd.set(
                Expiration::OneShot(TimeSpec::from_duration(self.monotonic(t))),
                TimerSetTimeFlags::TFD_TIMER_ABSTIME,
            )?,
            // Also clears a fired timer's readiness.
            None => self.fd.unset()?,
        }
        self.state = want;
        Ok(())
    }

    /// Its descriptor was readable: it must be set again before it stops being so.
    pub fn fired(&mut self) {
        self.state = Armed::Fired;
    }

    /// The CLOCK_MONOTONIC time of `t`; never zero (which would disarm), and the base for
    /// instants before it, which have passed.
    fn monotonic(&self, t: Instant) -> Duration {
        self.base_mono + t.saturating_duration_since(self.base)
    }
}

impl AsFd for DeadlineTimer {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// An instant and CLOCK_MONOTONIC read together: the later of two readings around it, so
/// that times derived from it are never early. Read again if something came between them.
fn base() -> nix::Result<(Instant, Duration)> {
    let mut best = None;
    for _ in 0..8 {
        let before = Duration::from(clock_gettime(Clock::CLOCK_MONOTONIC)?);
        let instant = Instant::now();
        let after = Duration::from(clock_gettime(Clock::CLOCK_MONOTONIC)?);
        let spread = after.saturating_sub(before);
        match best {
            Some((_, _, s)) if s <= spread => {}
            _ => best = Some((instant, after, spread)),
        }
        if spread <= BASE_SPREAD {
            break;
        }
    }
    let (instant, mono, _) = best.ok_or(nix::errno::Errno::EINVAL)?;
    Ok((instant, mono))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

    fn readable(t: &DeadlineTimer, wait_ms: u16) -> bool {
        let mut fds = [PollFd::new(t.as_fd(), PollFlags::POLLIN)];
        poll(&mut fds, PollTimeout::from(wait_ms)).unwrap() == 1
    }

    #[test]
    fn fires_at_the_instant_never_before() {
        let mut t = DeadlineTimer::new().unwrap();
        for ms in [1, 20, 50] {
            let at = Instant::now() + Duration::from_millis(ms);
            t.set(Some(at)).unwrap();
            assert!(readable(&t, 1000), "fired within a second");
            let woke = Instant::now();
            assert!(woke >= at, "{ms} ms: woke {:?} early", at - woke);
            assert!(woke - at < Duration::from_millis(100), "{ms} ms: woke late");
            t.fired();
        }
    }

    #[test]
    fn a_passed_deadline_fires_at_once_and_off_clears_readiness() {
        let mut t = DeadlineTimer::new().unwrap();
        let past = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        t.set(Some(past)).unwrap();
        assert!(readable(&t, 1000));
        t.fired();
        t.set(None).unwrap();
        assert!(!readable(&t, 0));
        // Before the base instant: long passed.
        let mut t = DeadlineTimer::new().unwrap();
        t.set(past.checked_sub(Duration::from_secs(1))).unwrap();
        assert!(readable(&t, 1000));
    }

    #[test]
    fn the_same_deadline_is_not_set_again_but_a_fired_one_is() {
        let mut t = DeadlineTimer::new().unwrap();
        let at = Instant::now() + Duration::from_millis(5);
        t.set(Some(at)).unwrap();
        assert_eq!(t.state, Armed::At(at));
        t.set(Some(at)).unwrap();
        assert!(readable(&t, 1000));
        t.fired();
        // Set again at the same (passed) instant: it fires again rather than staying
        // silent or readable for ever.
        t.set(Some(at)).unwrap();
        assert_eq!(t.state, Armed::At(at));
        assert!(readable(&t, 1000));
        t.set(None).unwrap();
        assert!(!readable(&t, 0));
        t.set(None).unwrap();
        assert_eq!(t.state, Armed::Off);
    }
}
