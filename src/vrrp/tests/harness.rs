//! A simulated segment in virtual time: N machines, adverts from one delivered to the
//! others after `delay` (multicast to every node of the family, unicast to the node that
//! owns the destination address), with crash, mute, partition and tamper controls; and a
//! record of everything the machines asked for. Nodes can be grouped into directors, each
//! with its [`Tracking`] and [`SyncGroups`] wired to its machines as the daemon wires
//! them.

use std::collections::HashSet;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::vrrp::{
    Action, Drop, Instance, Settings, State, SyncAction, SyncGroups, Tracking, Transition, Update,
};
use crate::wire::vrrp::Received;

pub struct Node {
    pub name: String,
    /// The interface's primary address (the machine's `primary`).
    pub addr: IpAddr,
    pub m: Instance,
    /// False after [`Net::crash`]: the node neither runs nor holds its addresses.
    pub alive: bool,
    /// Its adverts are lost (a dead transmit path).
    pub muted: bool,
    /// The addresses are installed (AddVips seen, no RemoveVips since).
    pub vips: bool,
}

#[derive(Debug, Clone)]
pub enum What {
    Transition(Transition),
    Advert {
        dst: IpAddr,
        priority: u8,
        interval_cs: u16,
    },
    Announce(IpAddr),
    AddVips,
    RemoveVips,
    Priority {
        from: u8,
        to: u8,
    },
    HeardLower {
        from: IpAddr,
        priority: u8,
    },
    Dropped(Drop),
    Crash,
    /// A director's sync group changed state (recorded on the director's first node).
    Group {
        group: String,
        to: State,
    },
}

/// Several nodes of one host: their tracking and sync groups.
pub struct Director {
    pub tracking: Tracking,
    pub sync: SyncGroups,
    pub nodes: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Record {
    /// Virtual time since the start of the run.
    pub at: Duration,
    pub node: usize,
    pub what: What,
}

struct Flight {
    at: Instant,
    seq: u64,
    to: usize,
    rx: Received,
}

type Tamper = Box<dyn FnMut(usize, usize, &mut Received) -> bool>;

pub struct Net {
    epoch: Instant,
    pub now: Instant,
    pub nodes: Vec<Node>,
    flights: Vec<Flight>,
    seq: u64,
    /// Transit time of every advert.
    pub delay: Duration,
    cut: HashSet<(usize, usize)>,
    /// Called for every delivery (from, to, packet): may change the packet; false drops it.
    tamper: Option<Tamper>,
    pub log: Vec<Record>,
    pub directors: Vec<Director>,
}

impl Net {
    pub fn new() -> Net {
        let epoch = Instant::now();
        Net {
            epoch,
            now: epoch,
            nodes: Vec::new(),
            flights: Vec::new(),
            seq: 0,
            delay: Duration::from_millis(1),
            cut: HashSet::new(),
            tamper: None,
            log: Vec::new(),
            directors: Vec::new(),
        }
    }

    /// Makes `nodes` one director; [`Net::pump`] starts them when its tracking says so.
    pub fn add_director(
        &mut self,
        tracking: Tracking,
        sync: SyncGroups,
        nodes: Vec<usize>,
    ) -> usize {
        self.directors.push(Director {
            tracking,
            sync,
            nodes,
        });
        self.directors.len() - 1
    }

    fn director_of(&self, n: usize) -> Option<usize> {
        self.directors.iter().position(|d| d.nodes.contains(&n))
    }

    fn node_named(&self, d: usize, instance: &str) -> usize {
        *self.directors[d]
            .nodes
            .iter()
            .find(|&&n| self.nodes[n].m.name() == instance)
            .unwrap_or_else(|| panic!("no instance {instance} on director {d}"))
    }

    /// Carries out what director `d`'s tracking and sync groups ask, as the daemon does,
    /// until nothing is left.
    pub fn pump(&mut self, d: usize) {
        let now = self.now;
        loop {
            if let Some(u) = self.directors[d].tracking.poll_update() {
                match u {
                    Update::Tracker(_) => {}
                    Update::Priority {
                        instance,
                        offset,
                        reason,
                    } => {
                        let n = self.node_named(d, &instance);
                        self.nodes[n].m.set_priority_offset(offset, &reason);
                        self.drain(n);
                    }
                    Update::Fault {
                        instance,
                        on,
                        reason,
                    } => self.directors[d].sync.set_fault(&instance, on, &reason),
                    Update::Start { instance } => {
                        let n = self.node_named(d, &instance);
                        self.start(n);
                    }
                }
                continue;
            }
            let Some(a) = self.directors[d].sync.poll_action() else {
                break;
            };
            match a {
                SyncAction::Fault {
                    instance,
                    on,
                    reason,
                } => {
                    let n = self.node_named(d, &instance);
                    self.nodes[n].m.set_fault(now, on, &reason);
                    self.drain(n);
                }
                SyncAction::Master { instance, reason } => {
                    let n = self.node_named(d, &instance);
                    self.nodes[n].m.sync_master(now, &reason);
                    self.drain(n);
                }
                SyncAction::Backup { instance, reason } => {
                    let n = self.node_named(d, &instance);
                    self.nodes[n].m.sync_backup(now, &reason);
                    self.drain(n);
                }
                SyncAction::Group { group, to, .. } => {
                    let first = self.directors[d].nodes[0];
                    self.record(first, What::Group { group, to });
                }
            }
        }
    }

    /// Adds a node (not started).
    pub fn add(&mut self, name: &str, addr: &str, s: Settings) -> usize {
        let addr: IpAddr = addr.parse().unwrap();
        self.nodes.push(Node {
            name: name.to_string(),
            addr,
            m: Instance::new(s, Some(addr)),
            alive: true,
            muted: false,
            vips: false,
        });
        self.nodes.len() - 1
    }

    /// Virtual time since the start.
    pub fn t(&self) -> Duration {
        self.now - self.epoch
    }

    pub fn at(&self, t: Duration) -> Instant {
        self.epoch + t
    }

    pub fn start(&mut self, n: usize) {
        let now = self.now;
        self.nodes[n].m.start(now);
        self.drain(n);
    }

    pub fn start_all(&mut self) {
        for n in 0..self.nodes.len() {
            self.start(n);
        }
    }

    /// The node dies: no more adverts, timers or packets, and its addresses are gone.
    pub fn crash(&mut self, n: usize) {
        self.nodes[n].alive = false;
        self.nodes[n].vips = false;
        self.record(n, What::Crash);
    }

    /// A fresh machine on a crashed (or running) node, started now.
    pub fn restart(&mut self, n: usize, s: Settings) {
        let addr = self.nodes[n].addr;
        self.nodes[n].m = Instance::new(s, Some(addr));
        self.nodes[n].alive = true;
        self.nodes[n].vips = false;
        self.start(n);
    }

    pub fn stop(&mut self, n: usize) {
        let now = self.now;
        self.nodes[n].m.stop(now);
        self.drain(n);
    }

    pub fn set_fault(&mut self, n: usize, on: bool, reason: &str) {
        let now = self.now;
        self.nodes[n].m.set_fault(now, on, reason);
        self.drain(n);
    }

    pub fn set_priority_offset(&mut self, n: usize, offset: i32, reason: &str) {
        self.nodes[n].m.set_priority_offset(offset, reason);
        self.drain(n);
    }

    /// No adverts between `a` and `b`, either way.
    pub fn partition(&mut self, a: usize, b: usize) {
        self.cut.insert((a, b));
        self.cut.insert((b, a));
    }

    pub fn heal(&mut self) {
        self.cut.clear();
    }

    pub fn tamper(&mut self, f: impl FnMut(usize, usize, &mut Received) -> bool + 'static) {
        self.tamper = Some(Box::new(f));
    }

    /// Hands `rx` to node `n` now, as if it came off the wire.
    pub fn inject(&mut self, n: usize, rx: Received) {
        self.deliver(n, rx);
        self.drain(n);
    }

    pub fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        self.run_until(end);
    }

    pub fn run_until(&mut self, end: Instant) {
        loop {
            let next_flight = self.flights.iter().map(|f| f.at).min();
            let next_timer = self
                .nodes
                .iter()
                .filter(|n| n.alive)
                .filter_map(|n| n.m.poll_timeout())
                .min();
            let next_track = self
                .directors
                .iter()
                .filter_map(|d| d.tracking.poll_timeout())
                .min();
            let next = [next_flight, next_timer, next_track]
                .into_iter()
                .flatten()
                .min();
            let Some(t) = next.filter(|t| *t <= end) else {
                break;
            };
            self.now = self.now.max(t);
            let now = self.now;
            // Deliveries first, in the order they were sent, then timers by node.
            let mut due: Vec<Flight> = Vec::new();
            let mut i = 0;
            while i < self.flights.len() {
                if self.flights[i].at <= now {
                    due.push(self.flights.swap_remove(i));
                } else {
                    i += 1;
                }
            }
            due.sort_by_key(|f| (f.at, f.seq));
            for f in due {
                if self.nodes[f.to].alive {
                    self.deliver(f.to, f.rx);
                    self.drain(f.to);
                }
            }
            for n in 0..self.nodes.len() {
                if self.nodes[n].alive && self.nodes[n].m.poll_timeout().is_some_and(|d| d <= now) {
                    self.nodes[n].m.handle_timeout(now);
                    self.drain(n);
                }
            }
            for d in 0..self.directors.len() {
                if self.directors[d]
                    .tracking
                    .poll_timeout()
                    .is_some_and(|t| t <= now)
                {
                    self.directors[d].tracking.handle_timeout(now);
                    self.pump(d);
                }
            }
        }
        self.now = self.now.max(end);
    }

    fn deliver(&mut self, n: usize, rx: Received) {
        let now = self.now;
        if let Err(e) = self.nodes[n].m.handle_advert(now, &rx) {
            self.record(n, What::Dropped(e.reason));
        }
    }

    fn record(&mut self, node: usize, what: What) {
        let at = self.t();
        self.log.push(Record { at, node, what });
    }

    fn drain(&mut self, n: usize) {
        while let Some(a) = self.nodes[n].m.poll_action() {
            match a {
                Action::SendAdvert(sa) => {
                    self.record(
                        n,
                        What::Advert {
                            dst: sa.dst,
                            priority: sa.advert.priority,
                            interval_cs: sa.advert.interval_cs,
                        },
                    );
                    if self.nodes[n].muted || !self.nodes[n].alive {
                        continue;
                    }
                    let src = sa.src.unwrap_or(self.nodes[n].addr);
                    for to in 0..self.nodes.len() {
                        let peer = &self.nodes[to];
                        let reaches = if sa.dst.is_multicast() {
                            to != n && peer.addr.is_ipv4() == sa.dst.is_ipv4()
                        } else {
                            peer.addr == sa.dst
                        };
                        if !reaches || self.cut.contains(&(n, to)) {
                            continue;
                        }
                        let mut rx = Received {
                            src,
                            dst: sa.dst,
                            ttl: sa.ttl.unwrap_or(64),
                            advert: (*sa.advert).clone(),
                            checksum_ok: true,
                        };
                        if let Some(f) = self.tamper.as_mut() {
                            if !f(n, to, &mut rx) {
                                continue;
                            }
                        }
                        self.seq += 1;
                        self.flights.push(Flight {
                            at: self.now + self.delay,
                            seq: self.seq,
                            to,
                            rx,
                        });
                    }
                }
                Action::AddVips { .. } => {
                    self.nodes[n].vips = true;
                    self.record(n, What::AddVips);
                }
                Action::RemoveVips { .. } => {
                    self.nodes[n].vips = false;
                    self.record(n, What::RemoveVips);
                }
                Action::Announce(list) => {
                    for a in list {
                        self.record(n, What::Announce(a.ip));
                    }
                }
                Action::Transition(t) => self.record(n, What::Transition(t)),
                Action::PriorityChanged { from, to, .. } => {
                    self.record(n, What::Priority { from, to })
                }
                Action::MasterHeardLower { from, priority } => {
                    self.record(n, What::HeardLower { from, priority })
                }
            }
        }
        if let Some(d) = self.director_of(n) {
            self.directors[d].sync.observe(&self.nodes[n].m);
            self.pump(d);
        }
    }

    // ----- reading the record -----

    pub fn state(&self, n: usize) -> State {
        self.nodes[n].m.state()
    }

    /// Nodes holding the addresses now.
    pub fn holders(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&n| self.nodes[n].alive && self.nodes[n].vips)
            .collect()
    }

    /// (time, from, to, reason) of node `n`.
    pub fn transitions(&self, n: usize) -> Vec<(Duration, State, State, String)> {
        self.log
            .iter()
            .filter(|r| r.node == n)
            .filter_map(|r| match &r.what {
                What::Transition(t) => Some((r.at, t.from, t.to, t.reason.clone())),
                _ => None,
            })
            .collect()
    }

    /// (time, group, state) of director `d`'s sync group changes.
    pub fn group_states(&self, d: usize) -> Vec<(Duration, String, State)> {
        let first = self.directors[d].nodes[0];
        self.log
            .iter()
            .filter(|r| r.node == first)
            .filter_map(|r| match &r.what {
                What::Group { group, to } => Some((r.at, group.clone(), *to)),
                _ => None,
            })
            .collect()
    }

    /// When node `n` last entered `state`.
    pub fn entered(&self, n: usize, state: State) -> Option<Duration> {
        self.transitions(n)
            .into_iter()
            .filter(|t| t.2 == state)
            .map(|t| t.0)
            .next_back()
    }

    /// (time, priority) of every advert node `n` sent.
    pub fn adverts(&self, n: usize) -> Vec<(Duration, u8)> {
        self.log
            .iter()
            .filter(|r| r.node == n)
            .filter_map(|r| match r.what {
                What::Advert { priority, .. } => Some((r.at, priority)),
                _ => None,
            })
            .collect()
    }

    /// (time, address) of every gratuitous ARP / NA node `n` sent.
    pub fn announces(&self, n: usize) -> Vec<(Duration, IpAddr)> {
        self.log
            .iter()
            .filter(|r| r.node == n)
            .filter_map(|r| match r.what {
                What::Announce(ip) => Some((r.at, ip)),
                _ => None,
            })
            .collect()
    }

    /// How many of node `n`'s records satisfy `f`.
    pub fn count(&self, n: usize, f: impl Fn(&What) -> bool) -> usize {
        self.log
            .iter()
            .filter(|r| r.node == n && f(&r.what))
            .count()
    }

    /// Every time more than one live node held the addresses: (from, to) intervals.
    pub fn split_brain(&self) -> Vec<(Duration, Duration)> {
        let mut held = vec![false; self.nodes.len()];
        let mut out = Vec::new();
        let mut since: Option<Duration> = None;
        for r in &self.log {
            match r.what {
                What::AddVips => held[r.node] = true,
                What::RemoveVips | What::Crash => held[r.node] = false,
                _ => continue,
            }
            let many = held.iter().filter(|h| **h).count() > 1;
            match (many, since) {
                (true, None) => since = Some(r.at),
                (false, Some(s)) => {
                    out.push((s, r.at));
                    since = None;
                }
                _ => {}
            }
        }
        if let Some(s) = since {
            out.push((s, self.t()));
        }
        out
    }

    /// The record, one line per entry (for failure messages).
    pub fn dump(&self) -> String {
        self.log
            .iter()
            .map(|r| {
                format!(
                    "{:>10.6} {:<6} {:?}",
                    r.at.as_secs_f64(),
                    self.nodes[r.node].name,
                    r.what
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}
