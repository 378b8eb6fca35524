//! VRRP failover in a network-namespace lab (tests/lab/mod.rs): directors on one bridge run
//! `ha run` or Debian's keepalived 2.2.7 and the tests watch which of them holds the VIP.
//!
//! Every scenario is one function over the daemons of the directors (director 1 has the
//! highest priority), so the same code runs keepalived against keepalived now, which proves
//! the lab and the scenarios' expectations, `ha` against `ha`, and `ha` against keepalived
//! in both directions.
//!
//! Timing assertions are correctness bounds only: the protocol's bound (Master_Down_Interval
//! after a crash, Skew_Time after a priority-0 advert) plus `MARGIN` (1 s). The measured
//! times are printed (`cargo test --test vrrp_lab -- --nocapture`).
//!
//! Needs root; keepalived-based tests also need /usr/sbin/keepalived. Otherwise each test
//! prints a `SKIP:` line and passes.

mod lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::{master_down, ms, skew, wait_until, Conf, Daemon, Lab, MARGIN};
use Daemon::{Ha, Keepalived};

/// What the directors of a scenario speak.
#[derive(Debug, Clone, Copy)]
struct Vrrp {
    version: u8,
    advert: Duration,
    ipv6: bool,
    unicast: bool,
}

/// VRRPv3 at 100 ms: a crash is noticed in about 0.36 s.
const V3: Vrrp = Vrrp {
    version: 3,
    advert: Duration::from_millis(100),
    ipv6: false,
    unicast: false,
};

/// VRRPv2 counts whole seconds: a crash is noticed in about 3.6 s. With auth PASS.
const V2: Vrrp = Vrrp {
    version: 2,
    advert: Duration::from_secs(1),
    ..V3
};

/// A scenario's lab, its daemons and priorities (director i has `prios[i - 1]`).
struct Scene {
    lab: Lab,
    test: &'static str,
    vrrp: Vrrp,
    daemons: Vec<Daemon>,
    prios: Vec<u8>,
}

impl Scene {
    fn new(test: &'static str, vrrp: Vrrp, daemons: &[Daemon], prios: &[u8]) -> Option<Scene> {
        assert_eq!(daemons.len(), prios.len());
        let lab = Lab::new(test, daemons.len(), daemons)?;
        Some(Scene {
            lab,
            test,
            vrrp,
            daemons: daemons.to_vec(),
            prios: prios.to_vec(),
        })
    }

    fn vip(&self) -> IpAddr {
        if self.vrrp.ipv6 {
            self.lab.vip6(0)
        } else {
            self.lab.vip4(0)
        }
    }

    fn addr(&self, node: usize) -> IpAddr {
        if self.vrrp.ipv6 {
            self.lab.addr6(node).into()
        } else {
            self.lab.addr4(node).into()
        }
    }

    /// Director `node`'s configuration: VI_1 with its priority, the scenario's VRRP, one
    /// VIP, unicast to every other director when asked, auth PASS with VRRPv2.
    fn conf(&self, node: usize) -> Conf {
        let v = self.vrrp;
        let mut i = self
            .lab
            .instance(node, self.prios[node - 1])
            .advert_int(v.advert)
            .vip(self.vip());
        if v.unicast {
            let peers: Vec<IpAddr> = (1..=self.lab.directors())
                .filter(|&p| p != node)
                .map(|p| self.addr(p))
                .collect();
            i = i.unicast(self.addr(node), &peers);
        }
        if v.version == 2 {
            i = i.auth_pass("lab");
        }
        self.lab.conf(node).version(v.version).instance(i)
    }

    fn down(&self, node: usize) -> Duration {
        master_down(self.vrrp.version, self.prios[node - 1], self.vrrp.advert)
    }

    fn skew(&self, node: usize) -> Duration {
        skew(self.vrrp.version, self.prios[node - 1], self.vrrp.advert)
    }

    fn start(&self, node: usize) {
        let conf = self.conf(node);
        self.start_with(node, conf);
    }

    fn start_with(&self, node: usize, conf: Conf) {
        let daemon = self.daemons[node - 1];
        self.lab.spawn(node, daemon, conf);
    }

    fn report(&self, what: &str, took: Duration, bound: Duration) {
        println!("{}: {what}: {} (bound {})", self.test, ms(took), ms(bound));
    }

    /// Starts every director; director 1 must become the only holder of the VIP, and
    /// stay it for another Master_Down_Interval.
    fn elect(&self) -> Duration {
        for node in 1..=self.lab.directors() {
            self.start(node);
        }
        let slowest = (1..=self.lab.directors())
            .map(|n| self.down(n))
            .max()
            .unwrap_or_default();
        let bound = slowest + MARGIN;
        let vip = self.vip();
        let took = self.lab.wait(bound, "director 1 alone holds the VIP", || {
            self.lab.holders(vip) == [1]
        });
        self.report("election", took, bound);
        let moved = wait_until(slowest, || self.lab.holders(vip) != [1]);
        assert!(
            moved.is_none(),
            "{}: the VIP moved after the election: {:?}",
            self.test,
            self.lab.holders(vip)
        );
        took
    }

    /// SIGKILL director `from`; director `to` (alone among the living) must hold the VIP
    /// within its Master_Down_Interval + MARGIN.
    fn crash_failover(&self, from: usize, to: usize) -> Duration {
        self.lab.crash(from);
        let bound = self.down(to) + MARGIN;
        let vip = self.vip();
        let took = self.lab.wait(bound, "takeover after a crash", || {
            let living: Vec<usize> = self
                .lab
                .holders(vip)
                .into_iter()
                .filter(|&n| n != from)
                .collect();
            living == [to]
        });
        self.report(&format!("crash of {from}, takeover by {to}"), took, bound);
        took
    }

    /// Restarts director `node` (higher priority than the current master `from`): it must
    /// take the VIP back and `from` must release it within `node`'s Master_Down_Interval
    /// + MARGIN.
    fn preempt_back(&self, node: usize, from: usize) -> Duration {
        self.start(node);
        let bound = self.down(node) + MARGIN;
        let vip = self.vip();
        let took = self
            .lab
            .wait(bound, "preemption by the restarted director", || {
                self.lab.holds(node, vip) && !self.lab.holds(from, vip)
            });
        self.report(&format!("restart of {node}, preemption"), took, bound);
        took
    }

    /// SIGTERM director `from`: it must send a priority-0 advert, remove the VIP and exit
    /// 0; director `to` must hold the VIP within its Skew_Time + MARGIN.
    fn graceful_stop(&self, from: usize, to: usize) -> Duration {
        let cap = self.lab.capture();
        self.lab.kill(from, nix::libc::SIGTERM);
        let bound = self.skew(to) + MARGIN;
        let vip = self.vip();
        let took = self.lab.wait(bound, "takeover after a graceful stop", || {
            self.lab.holds(to, vip)
        });
        self.report(
            &format!("graceful stop of {from}, takeover by {to}"),
            took,
            bound,
        );
        let status = self
            .lab
            .wait_exit(from, Duration::from_secs(10))
            .expect("the stopped daemon exits within 10 s");
        assert!(
            status.success(),
            "{}: exit status after SIGTERM: {status}",
            self.test
        );
        assert!(
            !self.lab.holds(from, vip),
            "{}: the stopped director kept the VIP",
            self.test
        );
        let adverts = cap.adverts();
        let src = self.addr(from);
        assert!(
            adverts
                .iter()
                // IPv6 adverts come from the link-local address: no source check there.
                .any(|a| a.priority == 0 && (self.vrrp.ipv6 || a.src == src)),
            "{}: no priority-0 advert from director {from}: {adverts:?}",
            self.test
        );
        took
    }
}

// ---------------------------------------------------------------------------------------
// Scenarios

/// Two directors elect one master; the adverts on the wire are the configured ones.
fn pair_elects_one_master(test: &'static str, vrrp: Vrrp, daemons: [Daemon; 2]) {
    let Some(s) = Scene::new(test, vrrp, &daemons, &[150, 100]) else {
        return;
    };
    let cap = s.lab.capture();
    s.elect();
    let from_master: Vec<_> = cap
        .adverts()
        .into_iter()
        .filter(|a| a.priority == 150)
        .collect();
    assert!(
        !from_master.is_empty(),
        "{test}: no adverts from the master"
    );
    let cs = u16::try_from(vrrp.advert.as_millis() / 10).expect("interval in centiseconds");
    for a in &from_master {
        assert_eq!(
            (a.version, a.vrid, a.interval_cs),
            (vrrp.version, 51, cs),
            "{test}: {a:?}"
        );
        if !vrrp.ipv6 {
            assert_eq!(a.src, s.addr(1), "{test}: {a:?}");
        }
        let group: IpAddr = if vrrp.unicast {
            s.addr(2)
        } else if vrrp.ipv6 {
            "ff02::12".parse().expect("group")
        } else {
            "224.0.0.18".parse().expect("group")
        };
        assert_eq!(a.dst, group, "{test}: {a:?}");
    }
}

/// Crash of the master, takeover by the backup, then the master returns and preempts.
fn crash_failover_then_preemption(test: &'static str, vrrp: Vrrp, daemons: [Daemon; 2]) {
    let Some(s) = Scene::new(test, vrrp, &daemons, &[150, 100]) else {
        return;
    };
    s.elect();
    s.crash_failover(1, 2);
    s.preempt_back(1, 2);
}

/// Crash of the backup first (nothing moves), then of the master with the backup back.
fn crash_both_ways(test: &'static str, vrrp: Vrrp, daemons: [Daemon; 2]) {
    let Some(s) = Scene::new(test, vrrp, &daemons, &[150, 100]) else {
        return;
    };
    s.elect();
    s.lab.crash(2);
    let vip = s.vip();
    assert!(
        wait_until(s.down(1), || s.lab.holders(vip) != [1]).is_none(),
        "{test}: the VIP moved when the backup crashed"
    );
    s.start(2);
    s.crash_failover(1, 2);
}

/// A long quiet spell first: once nothing but adverts has happened for 10 s, both daemons
/// drop the code a state change ran from their resident set (daemon::trim::give_back).
/// Nothing may move meanwhile, and the failover after it is as prompt as ever.
fn quiet_spell_then_crash(test: &'static str, vrrp: Vrrp, daemons: [Daemon; 2]) {
    let Some(s) = Scene::new(test, vrrp, &daemons, &[150, 100]) else {
        return;
    };
    s.elect();
    let vip = s.vip();
    assert!(
        wait_until(Duration::from_secs(12), || s.lab.holders(vip) != [1]).is_none(),
        "{test}: the VIP moved while nothing happened"
    );
    s.crash_failover(1, 2);
}

/// Graceful stop of the master: takeover after Skew_Time, not Master_Down_Interval.
fn graceful_stop(test: &'static str, vrrp: Vrrp, daemons: [Daemon; 2]) {
    let Some(s) = Scene::new(test, vrrp, &daemons, &[150, 100]) else {
        return;
    };
    s.elect();
    s.graceful_stop(1, 2);
}

/// Three directors 150/100/50: the 100 takes over from the crashed 150, the 50 never holds.
fn three_directors(test: &'static str, vrrp: Vrrp, daemons: [Daemon; 3]) {
    let Some(s) = Scene::new(test, vrrp, &daemons, &[150, 100, 50]) else {
        return;
    };
    s.elect();
    s.crash_failover(1, 2);
    let vip = s.vip();
    assert!(
        wait_until(s.down(3), || s.lab.holds(3, vip)).is_none(),
        "{test}: the lowest priority director took the VIP"
    );
}

/// nopreempt on both: the higher priority director, started second, leaves the VIP where
/// it is; it still takes over when that master crashes.
fn nopreempt(test: &'static str, vrrp: Vrrp, daemons: [Daemon; 2]) {
    let Some(s) = Scene::new(test, vrrp, &daemons, &[150, 100]) else {
        return;
    };
    let vip = s.vip();
    let conf = |s: &Scene, node| {
        let mut c = s.conf(node);
        c.instances[0].nopreempt = true;
        c
    };
    let c2 = conf(&s, 2);
    s.start_with(2, c2);
    let bound = s.down(2) + MARGIN;
    s.lab.wait(bound, "the only director takes the VIP", || {
        s.lab.holds(2, vip)
    });
    let c1 = conf(&s, 1);
    s.start_with(1, c1);
    // Three times as long as a preemption would take.
    let window = s.down(1) * 3;
    assert!(
        wait_until(window, || s.lab.holds(1, vip)).is_none(),
        "{test}: nopreempt director 1 took the VIP"
    );
    assert_eq!(s.lab.holders(vip), [2], "{test}");
    s.crash_failover(2, 1);
}

/// preempt_delay 1 s: the higher priority director, started second, takes the VIP over
/// no earlier than 1 s after it started.
fn preempt_delay(test: &'static str, vrrp: Vrrp, daemons: [Daemon; 2]) {
    let Some(s) = Scene::new(test, vrrp, &daemons, &[150, 100]) else {
        return;
    };
    let vip = s.vip();
    let delay = Duration::from_secs(1);
    s.start(2);
    let bound = s.down(2) + MARGIN;
    s.lab.wait(bound, "the only director takes the VIP", || {
        s.lab.holds(2, vip)
    });
    let mut c1 = s.conf(1);
    c1.instances[0].preempt_delay = Some(delay);
    s.start_with(1, c1);
    let bound = delay + s.down(1) + MARGIN;
    let took = s.lab.wait(bound, "delayed preemption", || {
        s.lab.holds(1, vip) && !s.lab.holds(2, vip)
    });
    s.report("delayed preemption", took, bound);
    assert!(
        took >= delay,
        "{test}: preempted after {} despite preempt_delay {}",
        ms(took),
        ms(delay)
    );
}

// ---------------------------------------------------------------------------------------
// keepalived against keepalived: proves the lab and the scenarios now.

#[test]
fn keepalived_pair_elects_one_master() {
    pair_elects_one_master(
        "keepalived_pair_elects_one_master",
        V3,
        [Keepalived, Keepalived],
    );
}

#[test]
fn keepalived_crash_failover_then_preemption() {
    crash_failover_then_preemption(
        "keepalived_crash_failover_then_preemption",
        V3,
        [Keepalived, Keepalived],
    );
}

#[test]
fn keepalived_graceful_stop() {
    graceful_stop("keepalived_graceful_stop", V3, [Keepalived, Keepalived]);
}

#[test]
fn keepalived_three_directors() {
    three_directors(
        "keepalived_three_directors",
        V3,
        [Keepalived, Keepalived, Keepalived],
    );
}

#[test]
fn keepalived_vrrp2_crash_failover_then_preemption() {
    crash_failover_then_preemption(
        "keepalived_vrrp2_crash_failover_then_preemption",
        V2,
        [Keepalived, Keepalived],
    );
}

#[test]
fn keepalived_ipv6_vrrp3() {
    let v6 = Vrrp { ipv6: true, ..V3 };
    pair_elects_one_master("keepalived_ipv6_vrrp3", v6, [Keepalived, Keepalived]);
}

#[test]
fn keepalived_unicast() {
    let uni = Vrrp {
        unicast: true,
        ..V3
    };
    pair_elects_one_master("keepalived_unicast", uni, [Keepalived, Keepalived]);
}

#[test]
fn keepalived_nopreempt() {
    nopreempt("keepalived_nopreempt", V3, [Keepalived, Keepalived]);
}

#[test]
fn keepalived_preempt_delay() {
    preempt_delay("keepalived_preempt_delay", V3, [Keepalived, Keepalived]);
}

// ---------------------------------------------------------------------------------------
// ha against ha.

#[test]
fn ha_pair_elects_one_master() {
    pair_elects_one_master("ha_pair_elects_one_master", V3, [Ha, Ha]);
}

#[test]
fn ha_crash_failover_then_preemption() {
    crash_failover_then_preemption("ha_crash_failover_then_preemption", V3, [Ha, Ha]);
}

#[test]
fn ha_quiet_spell_then_crash() {
    quiet_spell_then_crash("ha_quiet_spell_then_crash", V3, [Ha, Ha]);
}

#[test]
fn ha_nopreempt() {
    nopreempt("ha_nopreempt", V3, [Ha, Ha]);
}

#[test]
fn ha_preempt_delay() {
    preempt_delay("ha_preempt_delay", V3, [Ha, Ha]);
}

#[test]
fn ha_graceful_stop() {
    graceful_stop("ha_graceful_stop", V3, [Ha, Ha]);
}

#[test]
fn ha_unicast() {
    let test = "ha_unicast";
    let uni = Vrrp {
        unicast: true,
        ..V3
    };
    pair_elects_one_master(test, uni, [Ha, Ha]);
    crash_failover_then_preemption(test, uni, [Ha, Ha]);
}

#[test]
fn ha_ipv6_vrrp3() {
    let test = "ha_ipv6_vrrp3";
    let v6 = Vrrp { ipv6: true, ..V3 };
    pair_elects_one_master(test, v6, [Ha, Ha]);
    crash_failover_then_preemption(test, v6, [Ha, Ha]);
}

#[test]
fn ha_vrrp3_advert_50ms() {
    let fast = Vrrp {
        advert: Duration::from_millis(50),
        ..V3
    };
    crash_failover_then_preemption("ha_vrrp3_advert_50ms", fast, [Ha, Ha]);
}

#[test]
fn ha_vrrp2_crash_failover_then_preemption() {
    crash_failover_then_preemption("ha_vrrp2_crash_failover_then_preemption", V2, [Ha, Ha]);
}

#[test]
fn ha_three_directors() {
    three_directors("ha_three_directors", V3, [Ha, Ha, Ha]);
}

#[test]
fn ha_refuses_a_bad_config() {
    let test = "ha_refuses_a_bad_config";
    let Some(lab) = Lab::new(test, 1, &[Ha]) else {
        return;
    };
    // No virtual_router_id: an error for `ha run -t` already.
    let conf = lab.conf(1).instance(lab.instance(1, 100).vip(lab.vip4(0)));
    let conf = conf.to_string().replace("    virtual_router_id 51\n", "");
    lab.spawn_ha(1, conf);
    let status = lab
        .wait_exit(1, Duration::from_secs(5))
        .expect("ha run exits on a bad config");
    assert_eq!(status.code(), Some(1), "{test}: {}", lab.log(1));
    assert!(
        lab.log(1).contains("virtual_router_id"),
        "{test}: {}",
        lab.log(1)
    );
    assert!(!lab.holds(1, lab.vip4(0)));
}

// ---------------------------------------------------------------------------------------
// ha and keepalived as peers, both directions ("ha_master": ha has the higher priority).

#[test]
fn interop_ha_master_vrrp3() {
    let test = "interop_ha_master_vrrp3";
    pair_elects_one_master(test, V3, [Ha, Keepalived]);
    crash_failover_then_preemption(test, V3, [Ha, Keepalived]);
    crash_both_ways(test, V3, [Ha, Keepalived]);
}

#[test]
fn interop_keepalived_master_vrrp3() {
    let test = "interop_keepalived_master_vrrp3";
    pair_elects_one_master(test, V3, [Keepalived, Ha]);
    crash_failover_then_preemption(test, V3, [Keepalived, Ha]);
    crash_both_ways(test, V3, [Keepalived, Ha]);
}

#[test]
fn interop_ha_master_vrrp2() {
    crash_failover_then_preemption("interop_ha_master_vrrp2", V2, [Ha, Keepalived]);
}

#[test]
fn interop_keepalived_master_vrrp2() {
    crash_failover_then_preemption("interop_keepalived_master_vrrp2", V2, [Keepalived, Ha]);
}

#[test]
fn interop_graceful_stop_both_ways() {
    let test = "interop_graceful_stop_both_ways";
    graceful_stop(test, V3, [Ha, Keepalived]);
    graceful_stop(test, V3, [Keepalived, Ha]);
}

#[test]
fn interop_ipv6_vrrp3_both_ways() {
    let test = "interop_ipv6_vrrp3_both_ways";
    let v6 = Vrrp { ipv6: true, ..V3 };
    crash_failover_then_preemption(test, v6, [Ha, Keepalived]);
    crash_failover_then_preemption(test, v6, [Keepalived, Ha]);
}

#[test]
fn interop_unicast_both_ways() {
    let test = "interop_unicast_both_ways";
    let uni = Vrrp {
        unicast: true,
        ..V3
    };
    crash_failover_then_preemption(test, uni, [Ha, Keepalived]);
    crash_failover_then_preemption(test, uni, [Keepalived, Ha]);
}

#[test]
fn interop_three_directors_mixed() {
    three_directors(
        "interop_three_directors_mixed",
        V3,
        [Keepalived, Ha, Keepalived],
    );
}

/// keepalived's no_accept (RFC 5798 6.1 Accept_Mode false): a MASTER installs nftables
/// drop rules for its VIPs (table `keepalived`, set `vips`) and removes the table on stop.
#[test]
fn ha_no_accept_installs_and_removes_drop_rules() {
    let Some(lab) = Lab::new("ha_no_accept", 1, &[Ha]) else {
        return;
    };
    if std::process::Command::new("nft")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("SKIP: ha_no_accept_installs_and_removes_drop_rules: nft(8) is not installed (used to look)");
        return;
    }
    let vip = lab.vip4(1);
    let conf = lab.conf(1).instance(
        lab.instance(1, 150)
            .advert_int(Duration::from_millis(100))
            .vip(vip)
            .line("no_accept"),
    );
    lab.spawn_ha(1, conf);
    lab.wait(Duration::from_secs(5), "the VIP on the master", || {
        lab.holds(1, vip)
    });
    let ruleset = || {
        let out = std::process::Command::new("ip")
            .args(["netns", "exec", lab.ns(1), "nft", "list", "ruleset"])
            .output()
            .expect("nft list ruleset");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let rules = ruleset();
    assert!(rules.contains("table ip keepalived"), "{rules}");
    assert!(
        rules.contains(&vip.to_string()),
        "the VIP is in the drop set: {rules}"
    );
    assert!(rules.contains("ip daddr @vips drop"), "{rules}");
    assert!(lab.stop(1).success());
    let rules = ruleset();
    assert!(
        !rules.contains("keepalived"),
        "the table is removed on stop: {rules}"
    );
}
