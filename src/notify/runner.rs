//! The script runner: one thread that starts scripts, enforces their timeouts and reaps
//! them, so the VRRP loop only ever sends a request and later reads a result.
//!
//! - [`Runner::submit`] never blocks: a channel send and an eventfd write.
//! - Results come back over a channel; the shared [`Waker`] becomes readable when one is
//!   waiting. The loop clears the waker, then drains [`Runner::try_recv`].
//! - Each script is its own process group. At its timeout the whole group gets SIGKILL
//!   ([`Kill::Now`], keepalived's notify_stop), or SIGTERM and SIGKILL after a grace
//!   ([`Kill::TermThenKill`], keepalived's vrrp_script: 2 s); when a killed script's leader
//!   is gone, what is left of its group gets SIGKILL too. A timeout is a failure.
//! - Children are waited for with pidfds in poll(2) and reaped by pid, never with
//!   waitpid(-1), so no one else's children are taken and none is left a zombie. The exit is
//!   seen (waitid WNOWAIT) before the child is reaped: its process group id cannot be reused
//!   while the group is killed.

use std::fmt;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::eventfd::{EfdFlags, EventFd};
use nix::sys::signal::{killpg, Signal};
use nix::sys::wait::{waitid, waitpid, Id, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::prepare::{check, Exec, Insecure};
use super::spawn::{pidfd_open, spawn};
use super::waker::Waker;
use crate::conf::env::SystemHost;

/// How a script is killed at its timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kill {
    /// SIGKILL to its process group at once.
    Now,
    /// SIGTERM to its process group, SIGKILL after this grace.
    TermThenKill(Duration),
}

/// keepalived's grace between SIGTERM and SIGKILL for a vrrp_script.
pub const VRRP_SCRIPT_GRACE: Duration = Duration::from_secs(2);

/// One run of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub exec: Exec,
    /// Appended to its argv.
    pub args: Vec<String>,
    /// None: it runs until it exits or the runner stops (a FIFO script).
    pub timeout: Option<Duration>,
    pub kill: Kill,
}

impl Job {
    pub fn new(exec: Exec, timeout: Option<Duration>) -> Job {
        Job {
            exec,
            args: Vec::new(),
            timeout,
            kill: Kill::Now,
        }
    }

    pub fn args(mut self, args: Vec<String>) -> Job {
        self.args = args;
        self
    }

    pub fn kill(mut self, kill: Kill) -> Job {
        self.kill = kill;
        self
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Exited(i32),
    /// Killed by a signal we did not send.
    Signalled(Signal),
    /// Still running at its timeout: it and its process group were killed.
    TimedOut(Duration),
    /// Killed because the runner stopped.
    Cancelled,
    /// enable_script_security refused it (its path became unsafe after start).
    Refused(Insecure),
    /// It could not be started; the reason.
    SpawnFailed(String),
    /// Its exit status was taken by another waiter (someone called waitpid(-1)).
    Lost,
}

impl Outcome {
    pub fn success(&self) -> bool {
        *self == Outcome::Exited(0)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Outcome::Exited(code) => write!(f, "exited with status {code}"),
            Outcome::Signalled(sig) => write!(f, "was killed by {sig}"),
            Outcome::TimedOut(t) => write!(
                f,
                "timed out after {}: killed with its process group",
                secs(*t)
            ),
            Outcome::Cancelled => f.write_str("was killed: the daemon is stopping"),
            Outcome::Refused(i) => write!(f, "was not run: {i}"),
            Outcome::SpawnFailed(why) => write!(f, "could not be started: {why}"),
            Outcome::Lost => f.write_str("ended, its exit status taken by another waiter"),
        }
    }
}

/// "2 s", "0.5 s".
pub(super) fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

/// A finished run and the caller's tag.
#[derive(Debug)]
pub struct Done<T> {
    pub tag: T,
    pub outcome: Outcome,
    pub elapsed: Duration,
    /// The command as logs show it.
    pub command: String,
    /// Its process id (also its process group's); None if it never started.
    pub pid: Option<u32>,
}

impl<T> Done<T> {
    /// The tag, and the rest (for [`super::Notifier::finished`]).
    pub fn split(self) -> (T, Done<()>) {
        (
            self.tag,
            Done {
                tag: (),
                outcome: self.outcome,
                elapsed: self.elapsed,
                command: self.command,
                pid: self.pid,
            },
        )
    }
}

enum Msg<T> {
    Run(T, Box<Job>),
    /// Start nothing more; kill what still runs at this instant.
    Stop(Instant),
}

/// The handle the daemon keeps. `T` tags each request (which instance, which check).
pub struct Runner<T: Send + 'static> {
    tx: Sender<Msg<T>>,
    kick: Arc<EventFd>,
    rx: Receiver<Done<T>>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> Runner<T> {
    /// Starts the runner thread; `waker` is made readable whenever a result is waiting.
    pub fn start(waker: Waker) -> std::io::Result<Runner<T>> {
        let kick = Arc::new(EventFd::from_value_and_flags(
            0,
            EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK,
        )?);
        let (tx, requests) = mpsc::channel();
        let (done, rx) = mpsc::channel();
        let worker = Worker {
            requests,
            kick: Arc::clone(&kick),
            done,
            waker,
            children: Vec::new(),
            stop_at: None,
        };
        let thread = thread::Builder::new()
            .name("ha-scripts".into())
            .spawn(move || worker.run())?;
        Ok(Runner {
            tx,
            kick,
            rx,
            thread: Some(thread),
        })
    }

    /// Runs `job`; its result comes back with `tag`. Never blocks.
    pub fn submit(&self, tag: T, job: Job) {
        // A send fails only when the thread is gone (it never exits before Stop).
        let _ = self.tx.send(Msg::Run(tag, Box::new(job)));
        let _ = self.kick.write(1);
    }

    /// A waiting result, if any. Never blocks.
    pub fn try_recv(&self) -> Option<Done<T>> {
        self.rx.try_recv().ok()
    }

    /// Waits for a result until `deadline` (shutdown paths and tests, never the VRRP loop).
    pub fn recv_until(&self, deadline: Instant) -> Option<Done<T>> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.rx.recv_timeout(left).ok()
    }

    /// Stops: scripts still running after `grace` are killed with their process groups.
    /// Blocks until every child is reaped; returns the results not yet received.
    pub fn shutdown(mut self, grace: Duration) -> Vec<Done<T>> {
        self.stop(Instant::now() + grace);
        self.rx.try_iter().collect()
    }

    fn stop(&mut self, at: Instant) {
        let _ = self.tx.send(Msg::Stop(at));
        let _ = self.kick.write(1);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl<T: Send + 'static> Drop for Runner<T> {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop(Instant::now());
        }
    }
}

/// If a pidfd cannot be had, children are checked this often.
const POLL_WITHOUT_PIDFD: Duration = Duration::from_millis(20);

/// How a child is being ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    Timeout,
    Cancelled,
}

struct Child<T> {
    tag: Option<T>,
    pid: Pid,
    pidfd: Option<OwnedFd>,
    started: Instant,
    command: String,
    timeout: Option<Duration>,
    kill: Kill,
    /// Being killed: why, and when SIGKILL follows the SIGTERM (None: it was sent).
    ending: Option<(Why, Option<Instant>)>,
}

impl<T> Child<T> {
    fn deadline(&self) -> Option<Instant> {
        match self.ending {
            None => self.timeout.map(|t| self.started + t),
            Some((_, kill_at)) => kill_at,
        }
    }

    fn signal(&self, sig: Signal) {
        // ESRCH: the group is already empty.
        let _ = killpg(self.pid, sig);
    }
}

struct Worker<T> {
    requests: Receiver<Msg<T>>,
    kick: Arc<EventFd>,
    done: Sender<Done<T>>,
    waker: Waker,
    children: Vec<Child<T>>,
    stop_at: Option<Instant>,
}

impl<T: Send + 'static> Worker<T> {
    fn run(mut self) {
        loop {
            self.receive();
            let now = Instant::now();
            self.reap();
            self.enforce(now);
            if self.stop_at.is_some() && self.children.is_empty() {
                return;
            }
            self.wait(now);
        }
    }

    fn receive(&mut self) {
        loop {
            match self.requests.try_recv() {
                Ok(Msg::Run(tag, job)) => {
                    if self.stop_at.is_none() {
                        self.start(tag, *job);
                    }
                }
                Ok(Msg::Stop(at)) => self.stop_at = Some(at),
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    self.stop_at.get_or_insert_with(Instant::now);
                    return;
                }
            }
        }
    }

    fn start(&mut self, tag: T, job: Job) {
        let started = Instant::now();
        let command = command_text(&job);
        if let Some(path) = job.exec.guarded_path() {
            if let Some(i) = check(&SystemHost::new(), path) {
                return self.finish(tag, Outcome::Refused(i), started, command, None);
            }
        }
        match spawn(&job.exec, &job.args) {
            Ok(child) => {
                let raw = i32::try_from(child.id()).unwrap_or(i32::MAX);
                // The std handle is dropped: the child is reaped by pid below.
                drop(child);
                self.children.push(Child {
                    tag: Some(tag),
                    pid: Pid::from_raw(raw),
                    pidfd: pidfd_open(raw),
                    started,
                    command,
                    timeout: job.timeout,
                    kill: job.kill,
                    ending: None,
                });
            }
            Err(e) => {
                let why = format!("{}: {e}", job.exec.program().display());
                self.finish(tag, Outcome::SpawnFailed(why), started, command, None);
            }
        }
    }

    /// Collects the children that exited.
    fn reap(&mut self) {
        let mut i = 0;
        while i < self.children.len() {
            let c = &self.children[i];
            let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
            let status = match waitid(Id::Pid(c.pid), flags) {
                Ok(WaitStatus::StillAlive) | Err(Errno::EINTR) => {
                    i += 1;
                    continue;
                }
                Ok(_) => {
                    if c.ending.is_some() {
                        // What it started in its group dies with it.
                        c.signal(Signal::SIGKILL);
                    }
                    waitpid(c.pid, None).unwrap_or(WaitStatus::StillAlive)
                }
                Err(_) => WaitStatus::StillAlive,
            };
            let mut c = self.children.swap_remove(i);
            let outcome = match (c.ending, status) {
                (Some((Why::Timeout, _)), _) => {
                    Outcome::TimedOut(c.timeout.unwrap_or(Duration::ZERO))
                }
                (Some((Why::Cancelled, _)), _) => Outcome::Cancelled,
                (None, WaitStatus::Exited(_, code)) => Outcome::Exited(code),
                (None, WaitStatus::Signaled(_, sig, _)) => Outcome::Signalled(sig),
                (None, _) => Outcome::Lost,
            };
            if let Some(tag) = c.tag.take() {
                let pid = u32::try_from(c.pid.as_raw()).ok();
                self.finish(tag, outcome, c.started, std::mem::take(&mut c.command), pid);
            }
        }
    }

    /// Timeouts, the SIGKILL after a grace, and the runner's stop.
    fn enforce(&mut self, now: Instant) {
        let stopping = self.stop_at.is_some_and(|at| now >= at);
        for c in &mut self.children {
            match c.ending {
                None if stopping => {
                    c.signal(Signal::SIGKILL);
                    c.ending = Some((Why::Cancelled, None));
                }
                None if c.deadline().is_some_and(|d| now >= d) => match c.kill {
                    Kill::Now => {
                        c.signal(Signal::SIGKILL);
                        c.ending = Some((Why::Timeout, None));
                    }
                    Kill::TermThenKill(grace) => {
                        c.signal(Signal::SIGTERM);
                        c.ending = Some((Why::Timeout, Some(now + grace)));
                    }
                },
                Some((why, Some(kill_at))) if stopping || now >= kill_at => {
                    c.signal(Signal::SIGKILL);
                    c.ending = Some((why, None));
                }
                _ => {}
            }
        }
    }

    /// Sleeps until a request, a child's exit or the next deadline.
    fn wait(&mut self, now: Instant) {
        let mut next: Option<Instant> = self.stop_at.filter(|_| !self.children.is_empty());
        let mut blind = false;
        for c in &self.children {
            if let Some(d) = c.deadline() {
                next = Some(next.map_or(d, |n| n.min(d)));
            }
            blind |= c.pidfd.is_none();
        }
        let mut left = next.map(|n| n.saturating_duration_since(now));
        if blind {
            left = Some(left.map_or(POLL_WITHOUT_PIDFD, |l| l.min(POLL_WITHOUT_PIDFD)));
        }
        let timeout = match left {
            None => PollTimeout::NONE,
            // Rounded up: waking early would spin until the deadline.
            Some(l) => {
                PollTimeout::try_from(l + Duration::from_micros(999)).unwrap_or(PollTimeout::MAX)
            }
        };
        let mut fds = Vec::with_capacity(1 + self.children.len());
        fds.push(PollFd::new(self.kick.as_fd(), PollFlags::POLLIN));
        for c in &self.children {
            if let Some(fd) = &c.pidfd {
                fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLIN));
            }
        }
        let _ = poll(&mut fds, timeout);
        drop(fds);
        // Before the channel is drained: a request sent after that kicks again.
        let _ = self.kick.read();
    }

    fn finish(
        &self,
        tag: T,
        outcome: Outcome,
        started: Instant,
        command: String,
        pid: Option<u32>,
    ) {
        let _ = self.done.send(Done {
            tag,
            outcome,
            elapsed: started.elapsed(),
            command,
            pid,
        });
        self.waker.wake();
    }
}

/// The command and its appended arguments, for logs.
fn command_text(job: &Job) -> String {
    let mut s = job.exec.display();
    for a in &job.args {
        s.push(' ');
        s.push_str(a);
    }
    s
}
