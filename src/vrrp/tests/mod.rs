//! Scenario tests of the VRRP machine in virtual time. Each test names the RFC section
//! (RFC 3768: VRRPv2, RFC 5798: VRRPv3) or the keepalived 2.2.7 behaviour it pins down.
//! Configurations go through the real reader (`conf::parse_str`) and
//! [`Settings::from_config`], so defaults and inheritance are keepalived's.

mod harness;

mod drops;
mod election;
mod failover;
mod fault;
mod garp;
mod master_rx;
mod preempt;
mod priority;
mod start;
mod sync;
mod unicast;
mod v3;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::conf::diag::Diagnostic;
use crate::conf::parse_str;
use crate::vrrp::{Action, Instance, Settings, State};
use crate::wire::vrrp::{Advert, Auth, Received, Version};

pub use harness::{Net, What};

/// The settings of the first instance of a whole configuration; config errors fail.
pub fn settings(text: &str) -> Settings {
    let p = parse_str("keepalived.conf", text);
    assert!(
        !p.diags.has_errors(),
        "configuration errors:\n{}\n--- config:\n{text}",
        p.diags
            .iter()
            .map(Diagnostic::one_line)
            .collect::<Vec<_>>()
            .join("\n")
    );
    Settings::from_config(&p.config, &p.config.vrrp.instances[0])
}

/// `vrrp_instance VI_1` on eth0, VRID 51, VIP 10.0.0.100/24, plus `extra` lines.
pub fn inst(extra: &str) -> Settings {
    settings(&format!(
        "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {{\n  10.0.0.100/24\n }}\n{extra}\n}}\n"
    ))
}

/// [`inst`] with `priority N`.
pub fn prio(n: u8) -> Settings {
    inst(&format!(" priority {n}"))
}

pub fn s(x: f64) -> Duration {
    Duration::from_secs_f64(x)
}

pub fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

pub fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// A valid VRRPv2 advert for VI_1 from `src` to the multicast group.
pub fn advert_from(src: &str, priority: u8) -> Received {
    Received {
        src: ip(src),
        dst: ip("224.0.0.18"),
        ttl: 255,
        advert: Advert {
            version: Version::V2,
            vrid: 51,
            priority,
            interval_cs: 100,
            auth: Auth::None,
            addresses: vec![ip("10.0.0.100")],
        },
        checksum_ok: true,
    }
}

/// A machine on its own, started at a fixed instant, with its actions collected.
pub struct Solo {
    pub t0: Instant,
    pub m: Instance,
    pub actions: Vec<Action>,
}

impl Solo {
    pub fn new(settings: Settings, primary: &str) -> Solo {
        let t0 = Instant::now();
        let mut m = Instance::new(settings, Some(ip(primary)));
        m.start(t0);
        let mut s = Solo {
            t0,
            m,
            actions: Vec::new(),
        };
        s.drain();
        s
    }

    pub fn drain(&mut self) -> Vec<Action> {
        let mut got = Vec::new();
        while let Some(a) = self.m.poll_action() {
            got.push(a);
        }
        self.actions.extend(got.iter().cloned());
        got
    }

    pub fn at(&self, d: Duration) -> Instant {
        self.t0 + d
    }

    pub fn rx(&mut self, d: Duration, r: &Received) -> Result<(), crate::vrrp::Rejected> {
        let now = self.at(d);
        let out = self.m.handle_advert(now, r);
        self.drain();
        out
    }

    pub fn state(&self) -> State {
        self.m.state()
    }

    /// The running timer, relative to t0.
    pub fn timer(&self) -> Option<Duration> {
        self.m.poll_timeout().map(|t| t - self.t0)
    }
}
