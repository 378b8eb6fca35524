//! The script runner, started when the first script is to run. A daemon with nothing to run
//! (no notify script or FIFO, no vrrp_script) stays one thread, and that is worth having:
//! the kernel gives the system calls of a single-threaded process its fast path to their
//! file descriptors (no reference taken and dropped per call), three calls per advert.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::notify::{Done, Job, Outcome, Runner, Waker};

pub struct LazyRunner<T: Send + 'static> {
    waker: Waker,
    runner: Option<Runner<T>>,
    /// Jobs that could not be handed over because the thread would not start, as results.
    refused: VecDeque<Done<T>>,
}

impl<T: Send + 'static> LazyRunner<T> {
    /// Nothing starts yet; `waker` is the one the runner will make readable.
    pub fn new(waker: Waker) -> LazyRunner<T> {
        LazyRunner {
            waker,
            runner: None,
            refused: VecDeque::new(),
        }
    }

    /// Whether the runner thread has been started.
    pub fn started(&self) -> bool {
        self.runner.is_some()
    }

    /// Runs `job` (see [`Runner::submit`]); the first one starts the thread. If it cannot
    /// start, the job ends at once as not started, and the waker says so.
    pub fn submit(&mut self, tag: T, job: Job) {
        if self.runner.is_none() {
            match Runner::start(self.waker.clone()) {
                Ok(r) => self.runner = Some(r),
                Err(e) => {
                    self.refused.push_back(Done {
                        tag,
                        outcome: Outcome::SpawnFailed(format!(
                            "cannot start the script runner: {e}"
                        )),
                        elapsed: Duration::ZERO,
                        command: job.exec.display(),
                        pid: None,
                    });
                    self.waker.wake();
                    return;
                }
            }
        }
        if let Some(r) = &self.runner {
            r.submit(tag, job);
        }
    }

    /// A waiting result, if any. Never blocks.
    pub fn try_recv(&mut self) -> Option<Done<T>> {
        self.refused
            .pop_front()
            .or_else(|| self.runner.as_ref()?.try_recv())
    }

    /// Waits for a result until `deadline` (shutdown only); with no runner, no result can
    /// come, and it waits all the same, as the runner would.
    pub fn recv_until(&mut self, deadline: Instant) -> Option<Done<T>> {
        if let Some(done) = self.refused.pop_front() {
            return Some(done);
        }
        match &self.runner {
            Some(r) => r.recv_until(deadline),
            None => {
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::env::SystemHost;
    use crate::conf::schema::Script;
    use crate::conf::source::{FileId, Span};
    use crate::notify::Policy;

    fn job(program: &str) -> Job {
        let script = Script {
            command: program.to_string(),
            argv: vec![program.to_string()],
            user: None,
            group: None,
            span: Span::new(FileId(0), 1, 1, 1),
        };
        let exec = Policy::new(false, None)
            .prepare(&SystemHost::new(), &script)
            .expect("a runnable script");
        Job::new(exec, Some(Duration::from_secs(5)))
    }

    #[test]
    fn no_thread_until_a_job_comes() {
        let waker = Waker::new().unwrap();
        let mut r: LazyRunner<u32> = LazyRunner::new(waker);
        assert!(!r.started());
        assert!(r.try_recv().is_none());
        r.submit(7, job("/bin/true"));
        assert!(r.started());
        let done = r
            .recv_until(Instant::now() + Duration::from_secs(5))
            .expect("a result");
        assert_eq!((done.tag, done.outcome), (7, Outcome::Exited(0)));
    }

    #[test]
    fn without_a_runner_nothing_comes_until_the_deadline() {
        let mut r: LazyRunner<u32> = LazyRunner::new(Waker::new().unwrap());
        let deadline = Instant::now() + Duration::from_millis(30);
        assert!(r.recv_until(deadline).is_none());
        assert!(Instant::now() >= deadline);
        assert!(!r.started());
    }
}
