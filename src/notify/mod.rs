//! Notifications, off the VRRP path: notify scripts, script security, the notify FIFOs and
//! alert mail. The VRRP loop never waits on any of it: scripts run in the [`Runner`]
//! thread, mail in the mail thread, and both make one [`Waker`] descriptor readable when
//! results are waiting.
//!
//! How the daemon wires it:
//! 1. `let waker = Waker::new()?;` and `let runner = Runner::<Tag>::start(waker.clone())?;`
//!    with the daemon's own tag type (`Tag::Notify(Ticket)`, `Tag::Check(index)`).
//! 2. `let (notifier, problems) = Notifier::new(&config, &SystemHost::new(), &waker,
//!    Settings::default());` then log the problems and `notifier.pump(&runner,
//!    Tag::Notify)` (it starts the FIFO scripts).
//! 3. On a transition: `notifier.instance(name, state, effective_priority)` or
//!    `notifier.group(name, state)`, then `pump`.
//! 4. When `waker.fd()` is readable: `waker.clear()`, then for each `runner.try_recv()`
//!    whose tag is `Notify(t)`: `notifier.finished(t, done.split().1)`; then `pump`, and log
//!    every `notifier.poll_event()`.
//! 5. vrrp_script checks: `Policy::prepare_as` once, then `runner.submit(Tag::Check(i),
//!    Job::new(exec, Some(timeout)).kill(Kill::TermThenKill(VRRP_SCRIPT_GRACE)))`.
//! 6. At exit: STOP notifications, then wait (bounded) until `notifier.settled()`, then
//!    `runner.shutdown(grace)`.

mod event;
mod fifo;
mod mail;
mod notifier;
mod prepare;
mod queue;
mod runner;
mod smtp;
mod spawn;
mod waker;

pub use event::{generic_args, Kind, NotifyState};
pub use fifo::{line as fifo_line, Fifo, FifoError, Line};
pub use mail::{
    format_date, local_time, message, vrrp_alert, Alert, LocalTime, MailSettings, Mailer, Sent,
};
pub use notifier::{Event, Notifier, Problem, Settings, MAIL_BOUND, NOTIFY_TIMEOUT, STOP_TIMEOUT};
pub use prepare::{check as check_security, Exec, Insecure, Policy, PrepareError, RunAs};
pub use queue::{Queue, Ticket, DEFAULT_BOUND};
pub use runner::{Done, Job, Kill, Outcome, Runner, VRRP_SCRIPT_GRACE};
pub use smtp::{deliver, MailError, Problem as MailProblem};
pub use waker::Waker;
