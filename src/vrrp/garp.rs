//! When a MASTER sends gratuitous ARPs (IPv4) and unsolicited neighbour advertisements
//! (IPv6) for its addresses, as keepalived 2.2.7 does:
//!
//! - taking over (`vrrp_state_become_master`): `garp_master_repeat` rounds at once, and
//!   `garp_master_repeat` more after `garp_master_delay` (`vrrp_gratuitous_arp_thread`);
//! - while MASTER (`vrrp_state_master_tx`): when an advert goes out at least
//!   `garp_master_refresh` after the last refresh, `garp_master_refresh_repeat` rounds;
//! - hearing a lower priority (`vrrp_state_master_rx`): `garp_lower_prio_repeat` rounds at
//!   once and again after `garp_lower_prio_delay` (`vrrp_lower_prio_gratuitous_arp_thread`);
//! - leaving MASTER: everything pending is dropped (`vrrp_remove_delayed_arp`).
//!
//! A round is one message per VIP, then one per eVIP (`vrrp_send_link_update`). With a gap
//! configured (`vrrp_garp_interval` / `vrrp_gna_interval` or the interface's `garp_group`),
//! messages of that family leave one per gap, the first at once if the last one is old
//! enough (`send_gratuitous_arp`, `vrrp_arp_thread`).

use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::action::Announce;
use super::settings::GarpSettings;

/// Delayed lower-priority bursts kept at once. keepalived schedules one per lower
/// priority advert heard, without bound; a peer flooding adverts cannot make ha grow.
const MAX_LOWER_BURSTS: usize = 64;

#[derive(Debug, Default)]
struct Pacer {
    gap: Duration,
    /// Earliest time of the next message.
    next: Option<Instant>,
    queue: VecDeque<Announce>,
}

impl Pacer {
    fn new(gap: Duration) -> Self {
        Pacer {
            gap,
            ..Pacer::default()
        }
    }

    fn offer(&mut self, now: Instant, a: Announce, out: &mut Vec<Announce>) {
        if self.gap.is_zero() {
            out.push(a);
        } else if self.queue.is_empty() && self.next.map_or(true, |n| now >= n) {
            self.next = Some(now + self.gap);
            out.push(a);
        } else {
            self.queue.push_back(a);
        }
    }

    fn due(&self) -> Option<Instant> {
        if self.queue.is_empty() {
            None
        } else {
            self.next
        }
    }

    #[inline]
    fn release(&mut self, now: Instant, out: &mut Vec<Announce>) {
        if self.due().is_some_and(|n| now >= n) {
            if let Some(a) = self.queue.pop_front() {
                out.push(a);
                self.next = Some(now + self.gap);
            }
        }
    }

    fn clear(&mut self) {
        self.queue.clear();
    }
}

#[derive(Debug)]
pub struct Garp {
    cfg: GarpSettings,
    /// One round: VIPs, then eVIPs.
    round: Vec<Announce>,
    delayed: Option<Instant>,
    lower: Vec<Instant>,
    refresh_at: Option<Instant>,
    arp: Pacer,
    na: Pacer,
}

impl Garp {
    pub fn new(cfg: GarpSettings, round: Vec<Announce>) -> Self {
        Garp {
            arp: Pacer::new(cfg.arp_interval),
            na: Pacer::new(cfg.na_interval),
            cfg,
            round,
            delayed: None,
            lower: Vec::new(),
            refresh_at: None,
        }
    }

    fn burst(&mut self, now: Instant, repeat: u32, out: &mut Vec<Announce>) {
        for _ in 0..repeat {
            for a in &self.round {
                let p = match a.ip {
                    IpAddr::V4(_) => &mut self.arp,
                    IpAddr::V6(_) => &mut self.na,
                };
                p.offer(now, a.clone(), out);
            }
        }
    }

    /// The VIPs were just added.
    pub fn takeover(&mut self, now: Instant, out: &mut Vec<Announce>) {
        self.burst(now, self.cfg.master_repeat, out);
        self.delayed = (!self.cfg.master_delay.is_zero()).then(|| now + self.cfg.master_delay);
        self.refresh_at = self.cfg.refresh.map(|r| now + r);
    }

    /// A periodic advert just went out.
    pub fn advert_sent(&mut self, now: Instant, out: &mut Vec<Announce>) {
        if let (Some(at), Some(every)) = (self.refresh_at, self.cfg.refresh) {
            if now >= at {
                self.burst(now, self.cfg.refresh_repeat, out);
                self.refresh_at = Some(now + every);
            }
        }
    }

    /// The MASTER heard a lower priority advert.
    pub fn lower_priority(&mut self, now: Instant, out: &mut Vec<Announce>) {
        if self.cfg.lower_prio_repeat == 0 {
            return;
        }
        self.burst(now, self.cfg.lower_prio_repeat, out);
        if !self.cfg.lower_prio_delay.is_zero() && self.lower.len() < MAX_LOWER_BURSTS {
            self.lower.push(now + self.cfg.lower_prio_delay);
        }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.delayed,
            self.lower.iter().min().copied(),
            self.arp.due(),
            self.na.due(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub fn handle_timeout(&mut self, now: Instant, out: &mut Vec<Announce>) {
        self.arp.release(now, out);
        self.na.release(now, out);
        if self.delayed.is_some_and(|t| now >= t) {
            self.delayed = None;
            self.burst(now, self.cfg.master_repeat, out);
        }
        let due = self.lower.iter().filter(|t| now >= **t).count();
        if due > 0 {
            self.lower.retain(|t| now < *t);
            for _ in 0..due {
                self.burst(now, self.cfg.lower_prio_repeat, out);
            }
        }
    }

    /// Leaving MASTER: nothing pending is sent.
    pub fn cancel(&mut self) {
        self.delayed = None;
        self.lower.clear();
        self.refresh_at = None;
        self.arp.clear();
        self.na.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(ip: &str) -> Announce {
        Announce {
            ip: ip.parse().unwrap(),
            dev: None,
        }
    }

    fn ips(v: &[Announce]) -> Vec<String> {
        v.iter().map(|x| x.ip.to_string()).collect()
    }

    #[test]
    fn takeover_rounds_are_vips_then_evips() {
        let t0 = Instant::now();
        let mut g = Garp::new(
            GarpSettings {
                master_repeat: 2,
                ..GarpSettings::default()
            },
            vec![a("10.0.0.10"), a("10.0.0.11"), a("fe80::1")],
        );
        let mut out = Vec::new();
        g.takeover(t0, &mut out);
        assert_eq!(
            ips(&out),
            [
                "10.0.0.10",
                "10.0.0.11",
                "fe80::1",
                "10.0.0.10",
                "10.0.0.11",
                "fe80::1"
            ]
        );
        assert_eq!(g.poll_timeout(), Some(t0 + Duration::from_secs(5)));
    }

    #[test]
    fn pacing_is_per_family() {
        let t0 = Instant::now();
        let gap = Duration::from_millis(100);
        let mut g = Garp::new(
            GarpSettings {
                master_repeat: 2,
                master_delay: Duration::ZERO,
                arp_interval: gap,
                ..GarpSettings::default()
            },
            vec![a("10.0.0.10"), a("fe80::1")],
        );
        let mut out = Vec::new();
        g.takeover(t0, &mut out);
        // The first ARP at once, NAs unpaced; the second ARP one gap later.
        assert_eq!(ips(&out), ["10.0.0.10", "fe80::1", "fe80::1"]);
        assert_eq!(g.poll_timeout(), Some(t0 + gap));
        out.clear();
        g.handle_timeout(t0 + gap, &mut out);
        assert_eq!(ips(&out), ["10.0.0.10"]);
        assert_eq!(g.poll_timeout(), None);
    }
}
