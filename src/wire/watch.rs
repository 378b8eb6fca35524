//! The analyzer behind `ha vrrp sniff`: fed every decoded advertisement with its time, it
//! reports what an operator should know, once when it starts and once when it clears.
//! Pure code in virtual time: the caller passes the time of each advert and calls
//! [`Watch::tick`] now and then so findings can clear while the wire is quiet.
//!
//! Virtual routers are told apart by VRID and address family (VRID 51 over IPv4 and over
//! IPv6 are two routers). Per router it remembers each source's latest advert for
//! [`Config::memory`], and finds:
//! - **split brain**: two sources both sending adverts with non-zero priority, each heard
//!   again after the other within 3 of its advert intervals, [`Config::interleave`] times.
//!   A normal takeover (the old master falls silent once the new one speaks, or sends
//!   priority 0) never interleaves, so it raises nothing. Clears when one of them has been
//!   silent for 3 of its intervals or sends priority 0.
//! - **different intervals, authentication, virtual addresses or VRRP versions** among the
//!   remembered sources: keepalived peers that disagree on these drop each other's adverts
//!   (v2 interval, auth) or fail over to a different address set. Clears when they agree or
//!   the odd one is forgotten.
//! - **priority 0**: a master leaving (RFC 5798 "shutdown"). Clears when that source sends
//!   with a non-zero priority again, or is forgotten.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use super::pretty;
use super::vrrp::{Auth, Received, Version};

/// Tuning of the analyzer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// How long a source's latest advert is remembered for the consistency findings.
    pub memory: Duration,
    /// How many interleavings of two live masters make a split brain.
    pub interleave: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            memory: Duration::from_secs(300),
            interleave: 3,
        }
    }
}

/// One virtual router on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Vr {
    pub vrid: u8,
    pub ipv6: bool,
}

impl fmt::Display for Vr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VRID {}", self.vrid)?;
        if self.ipv6 {
            f.write_str(" (IPv6)")?;
        }
        Ok(())
    }
}

/// Something worth an operator's attention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Two sources keep advertising as master at the same time.
    SplitBrain { vr: Vr, masters: [IpAddr; 2] },
    /// Advert intervals (centiseconds) differ between sources.
    IntervalMismatch { vr: Vr, peers: Vec<(IpAddr, u16)> },
    /// Authentication (type or password) differs between sources.
    AuthMismatch { vr: Vr, peers: Vec<(IpAddr, Auth)> },
    /// The virtual address sets differ between sources.
    AddressMismatch {
        vr: Vr,
        peers: Vec<(IpAddr, Vec<IpAddr>)>,
    },
    /// VRRP versions differ between sources.
    VersionMismatch {
        vr: Vr,
        peers: Vec<(IpAddr, Version)>,
    },
    /// A source sent priority 0: the master is leaving.
    PriorityZero { vr: Vr, src: IpAddr },
}

impl Finding {
    fn key(&self) -> Key {
        match self {
            Finding::SplitBrain { vr, masters } => Key::SplitBrain(*vr, masters[0], masters[1]),
            Finding::IntervalMismatch { vr, .. } => Key::Interval(*vr),
            Finding::AuthMismatch { vr, .. } => Key::Auth(*vr),
            Finding::AddressMismatch { vr, .. } => Key::Addresses(*vr),
            Finding::VersionMismatch { vr, .. } => Key::Version(*vr),
            Finding::PriorityZero { vr, src } => Key::PriorityZero(*vr, *src),
        }
    }
}

fn auth_words(a: &Auth) -> String {
    match a {
        Auth::None => "none".into(),
        Auth::Pass(p) => format!("pass \"{}\"", pretty::escape_pass(p)),
        Auth::Ah => "ah".into(),
        Auth::Other(n) => format!("type {n}"),
    }
}

fn list<T>(peers: &[(IpAddr, T)], show: impl Fn(&T) -> String) -> String {
    let items: Vec<String> = peers
        .iter()
        .map(|(a, v)| format!("{a} {}", show(v)))
        .collect();
    items.join(", ")
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::SplitBrain { vr, masters } => write!(
                f,
                "{vr}: split brain: {} and {} are both advertising as master",
                masters[0], masters[1]
            ),
            Finding::IntervalMismatch { vr, peers } => write!(
                f,
                "{vr}: peers advertise different intervals: {}",
                list(peers, |cs| format!("every {}", pretty::interval(*cs)))
            ),
            Finding::AuthMismatch { vr, peers } => write!(
                f,
                "{vr}: peers use different authentication: {}",
                list(peers, auth_words)
            ),
            Finding::AddressMismatch { vr, peers } => write!(
                f,
                "{vr}: peers advertise different virtual addresses: {}",
                list(peers, |a| {
                    let v: Vec<String> = a.iter().map(|x| x.to_string()).collect();
                    format!("[{}]", v.join(", "))
                })
            ),
            Finding::VersionMismatch { vr, peers } => write!(
                f,
                "{vr}: peers speak different VRRP versions: {}",
                list(peers, |v| v.to_string())
            ),
            Finding::PriorityZero { vr, src } => write!(
                f,
                "{vr}: {src} sent priority 0: the master is leaving, a backup takes over"
            ),
        }
    }
}

/// A finding starting or ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Raised(Finding),
    Cleared(Finding),
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Raised(x) => write!(f, "raised: {x}"),
            Event::Cleared(x) => write!(f, "cleared: {x}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    SplitBrain(Vr, IpAddr, IpAddr),
    Interval(Vr),
    Auth(Vr),
    Addresses(Vr),
    Version(Vr),
    PriorityZero(Vr, IpAddr),
}

impl Key {
    fn vr(&self) -> Vr {
        match self {
            Key::SplitBrain(vr, ..)
            | Key::Interval(vr)
            | Key::Auth(vr)
            | Key::Addresses(vr)
            | Key::Version(vr)
            | Key::PriorityZero(vr, _) => *vr,
        }
    }
}

#[derive(Debug, Clone)]
struct Peer {
    last: Duration,
    /// The latest advert with non-zero priority, if the latest advert has one.
    last_master: Option<Duration>,
    version: Version,
    interval_cs: u16,
    auth: Auth,
    addresses: Vec<IpAddr>,
}

impl Peer {
    /// Still advertising as master at `now`: its latest advert had a non-zero priority and
    /// is at most 3 of its intervals old.
    fn live_master(&self, now: Duration) -> bool {
        let window = Duration::from_millis(30 * u64::from(self.interval_cs.max(1)));
        self.last_master
            .is_some_and(|t| now.saturating_sub(t) <= window)
    }
}

#[derive(Debug, Default)]
struct Router {
    peers: BTreeMap<IpAddr, Peer>,
    /// Interleavings of two live masters, by (lower, higher) address.
    interleaved: BTreeMap<(IpAddr, IpAddr), u32>,
}

/// The analyzer. See the module documentation.
#[derive(Debug, Default)]
pub struct Watch {
    cfg: Config,
    routers: BTreeMap<Vr, Router>,
    active: BTreeMap<Key, Finding>,
}

/// Makes `f` active and reports it, unless it already is.
fn raise(active: &mut BTreeMap<Key, Finding>, f: Finding, events: &mut Vec<Event>) {
    if let std::collections::btree_map::Entry::Vacant(slot) = active.entry(f.key()) {
        slot.insert(f.clone());
        events.push(Event::Raised(f));
    }
}

fn pair(a: IpAddr, b: IpAddr) -> (IpAddr, IpAddr) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl Watch {
    pub fn new(cfg: Config) -> Watch {
        Watch {
            cfg,
            ..Default::default()
        }
    }

    /// The findings active now.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.active.values()
    }

    /// Takes in one advertisement seen at `now` (times must not go backwards by much: an
    /// older time is treated as equal to the newest seen).
    pub fn observe(&mut self, now: Duration, r: &Received) -> Vec<Event> {
        let vr = Vr {
            vrid: r.advert.vrid,
            ipv6: r.src.is_ipv6(),
        };
        let a = &r.advert;
        let mut events = Vec::new();
        let router = self.routers.entry(vr).or_default();
        let prev_master = router.peers.get(&r.src).and_then(|p| p.last_master);
        if a.priority > 0 {
            // Masters that spoke since this source last did, and are still live: one more
            // interleaving each.
            if let Some(prev) = prev_master {
                let others: Vec<IpAddr> = router
                    .peers
                    .iter()
                    .filter(|(addr, p)| {
                        **addr != r.src
                            && p.live_master(now)
                            && p.last_master.is_some_and(|t| t >= prev)
                    })
                    .map(|(addr, _)| *addr)
                    .collect();
                for other in others {
                    let n = router.interleaved.entry(pair(r.src, other)).or_insert(0);
                    *n += 1;
                    if *n >= self.cfg.interleave {
                        let (x, y) = pair(r.src, other);
                        let f = Finding::SplitBrain {
                            vr,
                            masters: [x, y],
                        };
                        raise(&mut self.active, f, &mut events);
                    }
                }
            }
        }
        router.peers.insert(
            r.src,
            Peer {
                last: now,
                last_master: (a.priority > 0).then_some(now),
                version: a.version,
                interval_cs: a.interval_cs,
                auth: a.auth,
                addresses: a
                    .addresses
                    .iter()
                    .copied()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            },
        );
        let zero = Finding::PriorityZero { vr, src: r.src };
        if a.priority == 0 {
            raise(&mut self.active, zero, &mut events);
        } else if let Some(f) = self.active.remove(&zero.key()) {
            events.push(Event::Cleared(f));
        }
        events.extend(self.tick(now));
        events
    }

    /// Lets time pass: forgets sources not heard for [`Config::memory`] and clears what no
    /// longer holds.
    pub fn tick(&mut self, now: Duration) -> Vec<Event> {
        let mut events = Vec::new();
        let memory = self.cfg.memory;
        let vrs: Vec<Vr> = self.routers.keys().copied().collect();
        for vr in vrs {
            let Some(router) = self.routers.get_mut(&vr) else {
                continue;
            };
            router
                .peers
                .retain(|_, p| now.saturating_sub(p.last) <= memory);
            // Pairs that are no longer both live masters start counting again.
            let peers = &router.peers;
            router.interleaved.retain(|(x, y), _| {
                peers.get(x).is_some_and(|p| p.live_master(now))
                    && peers.get(y).is_some_and(|p| p.live_master(now))
            });
            let wanted = consistency(vr, &router.peers);
            let interleaved = &router.interleaved;
            let threshold = self.cfg.interleave;
            let keys: Vec<Key> = self
                .active
                .keys()
                .filter(|k| k.vr() == vr)
                .cloned()
                .collect();
            for key in keys {
                let keep = match &key {
                    Key::SplitBrain(_, x, y) => {
                        interleaved.get(&(*x, *y)).is_some_and(|n| *n >= threshold)
                    }
                    Key::PriorityZero(_, src) => peers.contains_key(src),
                    k => wanted.iter().any(|f| f.key() == *k),
                };
                if !keep {
                    if let Some(f) = self.active.remove(&key) {
                        events.push(Event::Cleared(f));
                    }
                }
            }
            for f in wanted {
                raise(&mut self.active, f, &mut events);
            }
            if router.peers.is_empty() {
                self.routers.remove(&vr);
            }
        }
        events
    }
}

/// The consistency findings that hold among the remembered sources of one router.
fn consistency(vr: Vr, peers: &BTreeMap<IpAddr, Peer>) -> Vec<Finding> {
    fn differ<T: PartialEq + Clone>(
        peers: &BTreeMap<IpAddr, Peer>,
        get: impl Fn(&Peer) -> T,
    ) -> Option<Vec<(IpAddr, T)>> {
        let all: Vec<(IpAddr, T)> = peers.iter().map(|(a, p)| (*a, get(p))).collect();
        let first = all.first()?.1.clone();
        all.iter().any(|(_, v)| *v != first).then_some(all)
    }
    let mut out = Vec::new();
    if let Some(peers) = differ(peers, |p| p.version) {
        out.push(Finding::VersionMismatch { vr, peers });
    }
    if let Some(peers) = differ(peers, |p| p.interval_cs) {
        out.push(Finding::IntervalMismatch { vr, peers });
    }
    if let Some(peers) = differ(peers, |p| p.auth) {
        out.push(Finding::AuthMismatch { vr, peers });
    }
    if let Some(peers) = differ(peers, |p| p.addresses.clone()) {
        out.push(Finding::AddressMismatch { vr, peers });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::vrrp::Advert;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn ip(d: u8) -> IpAddr {
        Ipv4Addr::new(10, 0, 0, d).into()
    }

    fn adv(src: u8, prio: u8, cs: u16) -> Received {
        Received {
            src: ip(src),
            dst: Ipv4Addr::new(224, 0, 0, 18).into(),
            ttl: 255,
            advert: Advert {
                version: Version::V2,
                vrid: 51,
                priority: prio,
                interval_cs: cs,
                auth: Auth::pass(b"pw"),
                addresses: vec![ip(100)],
            },
            checksum_ok: true,
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    const VR: Vr = Vr {
        vrid: 51,
        ipv6: false,
    };

    /// Feeds (time ms, advert) in order, collecting the events as text.
    fn run(w: &mut Watch, feed: &[(u64, Received)]) -> Vec<String> {
        let mut out = Vec::new();
        for (t, r) in feed {
            for e in w.observe(ms(*t), r) {
                out.push(format!("{t}: {e}"));
            }
        }
        out
    }

    #[test]
    fn a_steady_master_raises_nothing() {
        let mut w = Watch::default();
        let feed: Vec<_> = (0..100).map(|i| (i * 1000, adv(1, 100, 100))).collect();
        assert!(run(&mut w, &feed).is_empty());
        assert!(w.tick(ms(1_000_000)).is_empty());
        assert_eq!(w.active().count(), 0);
    }

    #[test]
    fn takeovers_are_not_split_brain() {
        let mut w = Watch::default();
        let mut feed = Vec::new();
        // 2 is master; 1 (higher) preempts at 5.3 s and 2 falls silent at once.
        for i in 0..6 {
            feed.push((i * 1000, adv(2, 90, 100)));
        }
        for i in 0..10 {
            feed.push((5300 + i * 1000, adv(1, 100, 100)));
        }
        // 1 stops with priority 0; 2 takes over 0.6 s later.
        feed.push((15_000, adv(1, 0, 100)));
        for i in 0..5 {
            feed.push((15_600 + i * 1000, adv(2, 90, 100)));
        }
        let events = run(&mut w, &feed);
        assert_eq!(
            events,
            vec![
                "15000: raised: VRID 51: 10.0.0.1 sent priority 0: the master is leaving, a \
                 backup takes over"
                    .to_string()
            ]
        );
        // 1 comes back as master: the priority 0 finding clears.
        let events = run(&mut w, &[(21_000, adv(1, 100, 100))]);
        assert_eq!(
            events,
            vec![
                "21000: cleared: VRID 51: 10.0.0.1 sent priority 0: the master is leaving, a \
                  backup takes over"
                    .to_string()
            ]
        );
    }

    #[test]
    fn split_brain_raised_once_and_cleared() {
        let mut w = Watch::default();
        let mut feed = Vec::new();
        for i in 0..10 {
            feed.push((i * 1000, adv(1, 100, 100)));
            feed.push((i * 1000 + 400, adv(2, 90, 100)));
        }
        let events = run(&mut w, &feed);
        // 1, 2, 1 (1st), 2 (2nd), 1 (3rd interleaving): raised at the fifth advert.
        assert_eq!(
            events,
            vec![
                "2000: raised: VRID 51: split brain: 10.0.0.1 and 10.0.0.2 are both \
                  advertising as master"
                    .to_string()
            ]
        );
        // 2 falls silent: still a split brain until 3 of its intervals have passed.
        assert!(run(&mut w, &[(10_000, adv(1, 100, 100))]).is_empty());
        assert!(w.tick(ms(12_400)).is_empty());
        let events = w.tick(ms(12_401));
        assert_eq!(events.len(), 1);
        assert!(
            matches!(&events[0], Event::Cleared(Finding::SplitBrain { masters, .. })
            if *masters == [ip(1), ip(2)])
        );
        assert_eq!(w.active().count(), 0);
    }

    #[test]
    fn split_brain_ends_with_priority_zero() {
        let mut w = Watch::default();
        let mut feed = Vec::new();
        for i in 0..3 {
            feed.push((i * 1000, adv(1, 100, 100)));
            feed.push((i * 1000 + 500, adv(2, 100, 100)));
        }
        assert_eq!(run(&mut w, &feed).len(), 1);
        let text = run(&mut w, &[(3000, adv(2, 0, 100))]);
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(text[0].starts_with("3000: raised: VRID 51: 10.0.0.2 sent priority 0"));
        assert!(text[1].starts_with("3000: cleared: VRID 51: split brain"));
    }

    #[test]
    fn one_race_advert_is_not_split_brain() {
        // The old master's timer fires just as the new one preempts: one interleaving.
        let mut w = Watch::default();
        let feed = vec![
            (0, adv(2, 90, 100)),
            (1000, adv(2, 90, 100)),
            (1500, adv(1, 100, 100)),
            (1501, adv(2, 90, 100)),
            (2500, adv(1, 100, 100)),
            (3500, adv(1, 100, 100)),
        ];
        assert!(run(&mut w, &feed).is_empty());
    }

    #[test]
    fn config_mismatches() {
        let mut w = Watch::default();
        let mut b = adv(2, 90, 200);
        b.advert.auth = Auth::None;
        b.advert.addresses = vec![ip(101), ip(100)];
        let events = run(
            &mut w,
            &[(0, adv(1, 100, 100)), (1000, adv(1, 0, 100)), (1500, b)],
        );
        let text: Vec<&str> = events.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            text,
            vec![
                "1000: raised: VRID 51: 10.0.0.1 sent priority 0: the master is leaving, a backup takes over",
                "1500: raised: VRID 51: peers advertise different intervals: 10.0.0.1 every 1s, 10.0.0.2 every 2s",
                "1500: raised: VRID 51: peers use different authentication: 10.0.0.1 pass \"pw\", 10.0.0.2 none",
                "1500: raised: VRID 51: peers advertise different virtual addresses: 10.0.0.1 [10.0.0.100], 10.0.0.2 [10.0.0.100, 10.0.0.101]",
            ]
        );
        // Nothing repeats.
        let mut b = adv(2, 90, 200);
        b.advert.auth = Auth::None;
        b.advert.addresses = vec![ip(100), ip(101)];
        assert!(run(&mut w, &[(2500, b)]).is_empty());
        // 2 is fixed: the mismatches clear.
        let events = run(&mut w, &[(3500, adv(2, 90, 100))]);
        assert_eq!(events.len(), 3);
        assert!(events.iter().all(|e| e.contains("cleared")));
        // 1 is forgotten after the memory: its priority 0 finding clears.
        assert!(w.tick(ms(300_999)).is_empty());
        let events = w.tick(ms(301_001));
        assert_eq!(events.len(), 1);
        assert!(events[0]
            .to_string()
            .starts_with("cleared: VRID 51: 10.0.0.1 sent priority 0"));
    }

    #[test]
    fn password_and_version_differences() {
        let mut w = Watch::new(Config {
            memory: Duration::from_secs(10),
            interleave: 3,
        });
        let mut b = adv(2, 90, 100);
        b.advert.auth = Auth::pass(b"other");
        let events = run(&mut w, &[(0, adv(1, 100, 100)), (100, b)]);
        assert_eq!(events.len(), 1);
        assert!(events[0].contains("pass \"pw\", 10.0.0.2 pass \"other\""));
        let mut c = adv(3, 90, 100);
        c.advert.version = Version::V3;
        c.advert.auth = Auth::None;
        let events = run(&mut w, &[(200, c)]);
        assert!(events[0].contains("peers speak different VRRP versions: 10.0.0.1 VRRPv2, 10.0.0.2 VRRPv2, 10.0.0.3 VRRPv3"), "{events:?}");
        // All forgotten: everything clears.
        let events = w.tick(ms(20_000));
        assert!(events.iter().all(|e| matches!(e, Event::Cleared(_))));
        assert_eq!(w.active().count(), 0);
    }

    #[test]
    fn families_are_separate_routers() {
        let mut w = Watch::default();
        let mut six = adv(1, 100, 100);
        six.src = Ipv6Addr::LOCALHOST.into();
        six.advert.version = Version::V3;
        six.advert.auth = Auth::None;
        six.advert.addresses = vec![Ipv6Addr::LOCALHOST.into()];
        let mut feed = Vec::new();
        for i in 0..5 {
            feed.push((i * 1000, adv(1, 100, 100)));
            feed.push((i * 1000 + 500, six.clone()));
        }
        assert!(run(&mut w, &feed).is_empty());
        let mut zero = six.clone();
        zero.advert.priority = 0;
        let events = run(&mut w, &[(6000, zero)]);
        assert!(events[0].contains("VRID 51 (IPv6): ::1 sent priority 0"));
    }

    #[test]
    fn vr_display() {
        assert_eq!(VR.to_string(), "VRID 51");
    }
}
