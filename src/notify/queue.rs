//! The notify queue, without IO: one lane per instance, sync group or FIFO script. A lane
//! runs one job at a time, in the order they were pushed; jobs pushed while one runs wait
//! their turn. keepalived forks every notify script at once, so a slow notify_backup can
//! finish after the notify_master that followed it; here they cannot overtake.
//!
//! Bound: a lane keeps at most `bound` waiting jobs (the running one aside); past it the
//! oldest waiting job is dropped and handed back, so a flapping instance whose script hangs
//! cannot grow memory without limit, and the newest state is always notified.

use std::collections::VecDeque;

/// Waiting jobs kept per lane by default.
pub const DEFAULT_BOUND: usize = 64;

/// Names a started job; hand it back to [`Queue::finished`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ticket {
    lane: usize,
    seq: u64,
}

impl Ticket {
    pub fn lane(self) -> usize {
        self.lane
    }
}

#[derive(Debug)]
struct Lane<J> {
    running: Option<u64>,
    waiting: VecDeque<(u64, J)>,
}

#[derive(Debug)]
pub struct Queue<J> {
    lanes: Vec<Lane<J>>,
    bound: usize,
    seq: u64,
}

impl<J> Queue<J> {
    /// `bound`: waiting jobs kept per lane (at least 1).
    pub fn new(bound: usize) -> Queue<J> {
        Queue {
            lanes: Vec::new(),
            bound: bound.max(1),
            seq: 0,
        }
    }

    /// A new lane; its number.
    pub fn add_lane(&mut self) -> usize {
        self.lanes.push(Lane {
            running: None,
            waiting: VecDeque::new(),
        });
        self.lanes.len() - 1
    }

    /// Queues `job` on `lane`. Returns the job dropped to keep the bound, if one was.
    /// An unknown lane hands the job straight back.
    pub fn push(&mut self, lane: usize, job: J) -> Option<J> {
        let Some(l) = self.lanes.get_mut(lane) else {
            return Some(job);
        };
        self.seq += 1;
        l.waiting.push_back((self.seq, job));
        if l.waiting.len() > self.bound {
            return l.waiting.pop_front().map(|(_, j)| j);
        }
        None
    }

    /// The next job to start: of the idle lanes with work, the one whose first job was
    /// pushed first. The lane is busy until [`Queue::finished`].
    pub fn start_next(&mut self) -> Option<(Ticket, J)> {
        let lane = self
            .lanes
            .iter()
            .enumerate()
            .filter(|(_, l)| l.running.is_none())
            .filter_map(|(i, l)| l.waiting.front().map(|(seq, _)| (*seq, i)))
            .min()?
            .1;
        let l = &mut self.lanes[lane];
        let (seq, job) = l.waiting.pop_front()?;
        l.running = Some(seq);
        Some((Ticket { lane, seq }, job))
    }

    /// The job of `ticket` ended; its lane may start the next. False for a ticket that is
    /// not running (already finished, or never issued).
    pub fn finished(&mut self, ticket: Ticket) -> bool {
        match self.lanes.get_mut(ticket.lane) {
            Some(l) if l.running == Some(ticket.seq) => {
                l.running = None;
                true
            }
            _ => false,
        }
    }

    pub fn busy(&self, lane: usize) -> bool {
        self.lanes.get(lane).is_some_and(|l| l.running.is_some())
    }

    pub fn waiting(&self, lane: usize) -> usize {
        self.lanes.get(lane).map_or(0, |l| l.waiting.len())
    }

    /// Nothing running and nothing waiting.
    pub fn idle(&self) -> bool {
        self.lanes
            .iter()
            .all(|l| l.running.is_none() && l.waiting.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A job of the simulation: its name and how long it runs (virtual ms).
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Sim {
        name: &'static str,
        runs: u64,
    }

    /// (start, end, lane, name) of a job that ran.
    type Ran = (u64, u64, usize, &'static str);

    /// Pushes `arrivals` (time, lane, job) at their times and runs whatever the queue
    /// starts, each for its duration, in virtual time. Returns what ran and what was
    /// dropped.
    fn simulate(
        lanes: usize,
        bound: usize,
        mut arrivals: Vec<(u64, usize, Sim)>,
    ) -> (Vec<Ran>, Vec<&'static str>) {
        let mut q = Queue::new(bound);
        for _ in 0..lanes {
            q.add_lane();
        }
        arrivals.sort_by_key(|a| a.0);
        let mut arrivals: VecDeque<_> = arrivals.into();
        let mut running: BTreeMap<(u64, usize), (Ticket, u64, &'static str)> = BTreeMap::new();
        let mut log = Vec::new();
        let mut dropped = Vec::new();
        let mut now = 0;
        loop {
            while arrivals.front().is_some_and(|a| a.0 <= now) {
                let (_, lane, job) = arrivals.pop_front().unwrap();
                if let Some(d) = q.push(lane, job) {
                    dropped.push(d.name);
                }
            }
            while let Some((t, job)) = q.start_next() {
                running.insert((now + job.runs, t.lane()), (t, now, job.name));
            }
            let next_end = running.keys().next().map(|k| k.0);
            let next_arrival = arrivals.front().map(|a| a.0);
            now = match (next_end, next_arrival) {
                (None, None) => break,
                (Some(e), Some(a)) => e.min(a),
                (Some(e), None) => e,
                (None, Some(a)) => a,
            };
            while let Some((&(end, lane), _)) = running.iter().next() {
                if end > now {
                    break;
                }
                let (t, start, name) = running.remove(&(end, lane)).unwrap();
                assert!(q.finished(t));
                assert!(!q.finished(t), "a ticket finishes once");
                log.push((start, end, lane, name));
            }
        }
        assert!(q.idle());
        (log, dropped)
    }

    fn job(name: &'static str, runs: u64) -> Sim {
        Sim { name, runs }
    }

    #[test]
    fn one_lane_runs_in_order_never_two_at_once() {
        // backup takes 500 ms; master and fault arrive while it runs and wait.
        let (log, dropped) = simulate(
            1,
            DEFAULT_BOUND,
            vec![
                (0, 0, job("backup", 500)),
                (0, 0, job("notify BACKUP", 10)),
                (100, 0, job("master", 20)),
                (120, 0, job("notify MASTER", 10)),
                (130, 0, job("fault", 5)),
            ],
        );
        assert!(dropped.is_empty());
        let names: Vec<_> = log.iter().map(|l| l.3).collect();
        assert_eq!(
            names,
            [
                "backup",
                "notify BACKUP",
                "master",
                "notify MASTER",
                "fault"
            ]
        );
        for w in log.windows(2) {
            assert!(w[1].0 >= w[0].1, "{:?} overlaps {:?}", w[1], w[0]);
        }
        assert_eq!(log[2], (510, 530, 0, "master"));
    }

    #[test]
    fn lanes_run_side_by_side() {
        let (log, _) = simulate(
            2,
            DEFAULT_BOUND,
            vec![
                (0, 0, job("VI_1 master", 1000)),
                (0, 1, job("VI_2 master", 100)),
                (50, 1, job("VI_2 backup", 100)),
            ],
        );
        let find = |n| *log.iter().find(|l| l.3 == n).unwrap();
        assert_eq!(find("VI_2 master").0, 0);
        assert_eq!(find("VI_2 backup"), (100, 200, 1, "VI_2 backup"));
        assert_eq!(find("VI_1 master"), (0, 1000, 0, "VI_1 master"));
    }

    #[test]
    fn past_the_bound_the_oldest_waiting_job_is_dropped() {
        let (log, dropped) = simulate(
            1,
            2,
            vec![
                (0, 0, job("hung", 30_000)),
                (1, 0, job("a", 1)),
                (2, 0, job("b", 1)),
                (3, 0, job("c", 1)),
                (4, 0, job("d", 1)),
            ],
        );
        assert_eq!(dropped, ["a", "b"]);
        let names: Vec<_> = log.iter().map(|l| l.3).collect();
        assert_eq!(names, ["hung", "c", "d"]);
    }

    #[test]
    fn stale_and_foreign_tickets_are_refused() {
        let mut q: Queue<u8> = Queue::new(4);
        let lane = q.add_lane();
        assert_eq!(q.push(7, 1), Some(1));
        q.push(lane, 2);
        let (t, _) = q.start_next().unwrap();
        assert!(q.busy(lane));
        assert!(q.start_next().is_none());
        q.push(lane, 3);
        assert_eq!(q.waiting(lane), 1);
        assert!(q.finished(t));
        assert!(!q.finished(t));
        let (t2, j) = q.start_next().unwrap();
        assert_eq!(j, 3);
        assert_ne!(t, t2);
        assert!(!q.finished(t));
        assert!(q.finished(t2));
        assert!(q.idle());
    }
}
