//! ha's no_accept firewall against the real kernel: two network namespaces joined by a
//! veth pair, the firewall opened in namespace `a` (the MASTER), traffic sent from `b`.
//! Needs root, iproute2 and nft (only to look at what was installed); prints a `SKIP:`
//! line and passes otherwise.
//!
//! The expected rulesets are keepalived 2.2.7's own, captured from the same
//! configurations (tests/data/nftables/).

use std::net::{SocketAddr, SocketAddrV6, UdpSocket};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

mod veth_pair;
use std::time::{Duration, Instant};
use veth_pair::{in_ns, run, Pair, Spec};

use ha::conf::model::vrrp::Address;
use ha::net::nftables::{Family, Firewall, FirewallConfig, Owner};
use ha::net::NetIf;

const SPEC: Spec = Spec {
    tag: "nft",
    if_tag: "nf",
    needs: "network namespaces, nf_tables",
    tools: &[["nft", "--version"]],
    v4: "10.88.0",
    v6: "fd88",
};

/// The shared veth pair, with this file's helpers.
struct Lab(Pair);

impl std::ops::Deref for Lab {
    type Target = Pair;
    fn deref(&self) -> &Pair {
        &self.0
    }
}

impl Lab {
    fn new(test: &str) -> Option<Lab> {
        let lab = Lab(Pair::new(test, &SPEC)?);
        // Link-local traffic needs both ends' link-local addresses (and their routes).
        let until = Instant::now() + Duration::from_secs(5);
        for (ns, ifname) in [(&lab.ns_a, &lab.if_a), (&lab.ns_b, &lab.if_b)] {
            while lab
                .sh(ns, &format!("ip -6 addr show dev {ifname} scope link"))
                .is_empty()
            {
                assert!(Instant::now() < until, "no link-local address on {ifname}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Some(lab)
    }

    fn ruleset(&self) -> String {
        run(&["ip", "netns", "exec", &self.ns_a, "nft", "list", "ruleset"])
    }

    fn if_a(&self) -> NetIf {
        in_ns(&self.ns_a, || NetIf::by_name(&self.if_a).expect("if_a"))
    }

    /// A firewall whose socket lives in namespace `a`.
    fn firewall(&self, cfg: FirewallConfig) -> Firewall {
        in_ns(&self.ns_a, || {
            Firewall::open(cfg).expect("open the firewall")
        })
    }

    fn udp(&self, ns: &str, bind: SocketAddr) -> UdpSocket {
        let s = in_ns(ns, || {
            UdpSocket::bind(bind).unwrap_or_else(|e| panic!("{bind}: {e}"))
        });
        s.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        s
    }
}

/// A configuration from tests/data/nftables with the lab's interface, and its instance's
/// VIPs (virtual_ipaddress, then virtual_ipaddress_excluded).
fn lab_config(name: &str, ifname: &str) -> (FirewallConfig, Vec<Address>, bool) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/nftables/{name}.conf"));
    let text = std::fs::read_to_string(&path)
        .expect("config")
        .replace("kva", ifname);
    let parsed = ha::conf::parse_str(name, &text);
    let i = &parsed.config.vrrp.instances[0];
    let addrs = i
        .virtual_ipaddress
        .iter()
        .chain(&i.virtual_ipaddress_excluded)
        .cloned()
        .collect();
    let cfg = FirewallConfig::from_config(&parsed.config).expect("the instance drops");
    (cfg, addrs, i.dont_track_primary)
}

/// `nft list ruleset` with counter values zeroed (traffic of the moment moves them).
fn zero_counters(text: &str) -> String {
    text.lines()
        .map(|line| {
            let mut words: Vec<&str> = line.split(' ').collect();
            for i in 1..words.len() {
                if matches!(words[i - 1], "packets" | "bytes") {
                    words[i] = "0";
                }
            }
            words.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_ruleset_is_keepalived_s_and_goes_away_on_close() {
    let Some(lab) = Lab::new("nftables_ruleset") else {
        return;
    };
    let netif = lab.if_a();
    for case in ["counters", "dont_track_primary", "table_priority"] {
        let (cfg, addrs, dont_track_primary) = lab_config(case, &lab.if_a);
        let table = cfg.table.clone();
        let mut fw = lab.firewall(cfg);
        assert_eq!(
            fw.remove_leftovers().expect("leftovers"),
            Vec::<String>::new()
        );
        // Nothing is installed before the first VIP.
        assert_eq!(lab.ruleset(), "", "{case}");
        let owner = Owner {
            instance: "VI_1",
            interface: &netif,
            dont_track_primary,
        };
        fw.vips_add(&owner, &addrs).expect("add the VIPs");
        let golden = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("tests/data/nftables/{case}.ruleset")),
        )
        .expect("golden ruleset")
        .replace("\"kva\"", &format!("\"{}\"", lab.if_a));
        assert_eq!(
            zero_counters(&lab.ruleset()),
            zero_counters(&golden),
            "{case}: ha's ruleset differs from keepalived's"
        );
        // Adding again changes nothing.
        fw.vips_add(&owner, &addrs).expect("add again");
        assert_eq!(zero_counters(&lab.ruleset()), zero_counters(&golden));

        // Leaving MASTER empties the VIP sets; the tables stay, as keepalived's do.
        fw.vips_remove(&owner, &addrs).expect("remove the VIPs");
        let after = lab.ruleset();
        assert!(!after.contains("10.88.0.100"), "{case}: {after}");
        assert!(!after.contains("fe80::100"), "{case}: {after}");
        assert!(after.contains("nd-neighbor-solicit"), "{case}: {after}");
        assert_eq!(fw.tables().expect("tables"), [Family::Ip, Family::Ip6]);

        fw.close().expect("close");
        assert_eq!(lab.ruleset(), "", "{case}: {table} left behind");
        assert!(fw.tables().expect("tables").is_empty());
    }
}

/// Sends `payload` from `from` to `to` and says whether `listener` got it within `wait`.
fn delivered(from: &UdpSocket, to: SocketAddr, listener: &UdpSocket, wait: Duration) -> bool {
    static SERIAL: AtomicUsize = AtomicUsize::new(0);
    let payload = format!("probe {}", SERIAL.fetch_add(1, Ordering::Relaxed));
    // A drop on output makes the send itself fail (EPERM): that is not delivered either.
    let _ = from.send_to(payload.as_bytes(), to);
    let until = Instant::now() + wait;
    let mut buf = [0u8; 64];
    while Instant::now() < until {
        if let Ok((n, _)) = listener.recv_from(&mut buf) {
            if &buf[..n] == payload.as_bytes() {
                return true;
            }
        }
    }
    false
}

#[test]
fn traffic_to_and_from_the_vips_is_dropped_while_the_rules_are_in() {
    let Some(lab) = Lab::new("nftables_traffic") else {
        return;
    };
    let netif = lab.if_a();
    let (ia, ib) = (&lab.if_a, &lab.if_b);
    lab.sh(
        &lab.ns_a,
        &format!(
            "ip addr add 10.88.0.100/24 dev {ia} && ip addr add fd88::100/64 dev {ia} nodad && \
             ip addr add fe80::100/64 dev {ia} nodad"
        ),
    );
    let index_b = in_ns(&lab.ns_b, || NetIf::by_name(ib).expect("if_b").index);
    let parsed = ha::conf::parse_str(
        "t.conf",
        &format!(
            "vrrp_instance VI_1 {{\n interface {ia}\n virtual_router_id 1\n priority 100\n no_accept\n \
             virtual_ipaddress {{\n  10.88.0.100/24\n }}\n virtual_ipaddress_excluded {{\n  fd88::100/64\n  fe80::100/64\n }}\n}}\n"
        ),
    );
    let i = &parsed.config.vrrp.instances[0];
    let addrs: Vec<Address> = i
        .virtual_ipaddress
        .iter()
        .chain(&i.virtual_ipaddress_excluded)
        .cloned()
        .collect();
    let cfg = FirewallConfig::from_config(&parsed.config).expect("no_accept drops");
    let mut fw = lab.firewall(cfg);
    let owner = Owner {
        instance: "VI_1",
        interface: &netif,
        dont_track_primary: false,
    };

    let vip4: SocketAddr = "10.88.0.100:4000".parse().unwrap();
    let vip6: SocketAddr = "[fd88::100]:4000".parse().unwrap();
    let ll_a = SocketAddr::V6(SocketAddrV6::new(
        "fe80::100".parse().unwrap(),
        4000,
        0,
        netif.index,
    ));
    let ll_from_b = SocketAddr::V6(SocketAddrV6::new(
        "fe80::100".parse().unwrap(),
        4000,
        0,
        index_b,
    ));
    // Listeners on the VIPs in a; senders in b; and the reverse direction from the VIPs.
    let on_a = [
        lab.udp(&lab.ns_a, vip4),
        lab.udp(&lab.ns_a, vip6),
        lab.udp(&lab.ns_a, ll_a),
    ];
    let b4 = lab.udp(&lab.ns_b, "10.88.0.2:4001".parse().unwrap());
    let b6 = lab.udp(&lab.ns_b, "[fd88::2]:4001".parse().unwrap());
    // Link-local traffic comes from b's own link-local address.
    let b_ll = lab.udp(&lab.ns_b, "[::]:4002".parse().unwrap());
    let to_a = [(&b4, vip4), (&b6, vip6), (&b_ll, ll_from_b)];
    let back4: SocketAddr = "10.88.0.2:4001".parse().unwrap();
    let back6: SocketAddr = "[fd88::2]:4001".parse().unwrap();
    let check = |want: bool, wait: Duration| {
        for ((from, to), listener) in to_a.iter().zip(&on_a) {
            assert_eq!(delivered(from, *to, listener, wait), want, "to {to}");
        }
        // From the VIPs (their source address) back to b.
        assert_eq!(delivered(&on_a[0], back4, &b4, wait), want, "from {vip4}");
        assert_eq!(delivered(&on_a[1], back6, &b6, wait), want, "from {vip6}");
    };
    let (sure, enough) = (Duration::from_secs(3), Duration::from_millis(300));

    check(true, sure);
    fw.vips_add(&owner, &addrs).expect("add the VIPs");
    // b forgets the VIPs' hardware addresses: it must ask again while the rules are in.
    lab.sh(&lab.ns_b, &format!("ip neigh flush dev {ib}"));
    check(false, enough);
    // Neighbour discovery for the VIPs still works (keepalived's neighbor-discovery set).
    let neigh = lab.sh(&lab.ns_b, &format!("ip -6 neigh show dev {ib}"));
    for vip in ["fd88::100 ", "fe80::100 "] {
        let line = neigh.lines().find(|l| l.starts_with(vip)).unwrap_or("");
        assert!(line.contains("lladdr"), "{vip}not resolved: {neigh}");
    }
    let counters = lab.ruleset();
    assert!(counters.contains("fe80::100"), "{counters}");

    fw.vips_remove(&owner, &addrs).expect("remove the VIPs");
    check(true, sure);
    fw.close().expect("close");
    assert_eq!(lab.ruleset(), "");
}

#[test]
fn a_crashed_run_s_table_is_found_and_removed_and_a_flushed_one_rebuilt() {
    let Some(lab) = Lab::new("nftables_leftovers") else {
        return;
    };
    let netif = lab.if_a();
    let (cfg, addrs, _) = lab_config("counters", &lab.if_a);
    let owner = Owner {
        instance: "VI_1",
        interface: &netif,
        dont_track_primary: false,
    };
    // A run that never closes its firewall (a crash).
    let mut crashed = lab.firewall(cfg.clone());
    crashed.vips_add(&owner, &addrs).expect("add");
    let installed = zero_counters(&lab.ruleset());
    drop(crashed);
    assert_eq!(
        zero_counters(&lab.ruleset()),
        installed,
        "the kernel keeps the table"
    );

    let mut fw = lab.firewall(cfg.clone());
    assert_eq!(fw.tables().expect("tables"), [Family::Ip, Family::Ip6]);
    assert_eq!(
        fw.remove_leftovers().expect("remove"),
        ["ip keepalived", "ip6 keepalived"]
    );
    assert_eq!(lab.ruleset(), "");

    // The table vanishes under a running firewall: the next change builds it all again.
    fw.vips_add(&owner, &addrs[..1]).expect("first VIP");
    let mut other = lab.firewall(cfg);
    other.remove_leftovers().expect("someone deletes the table");
    fw.vips_add(&owner, &addrs).expect("the other VIPs");
    assert_eq!(zero_counters(&lab.ruleset()), installed);
    fw.close().expect("close");
    assert_eq!(lab.ruleset(), "");
}

#[test]
fn a_refused_request_is_named_with_the_kernel_s_reason() {
    let Some(lab) = Lab::new("nftables_errors") else {
        return;
    };
    let netif = lab.if_a();
    // nf_tables names are at most 255 bytes: the kernel refuses the table.
    let mut fw = lab.firewall(FirewallConfig::new("x".repeat(300)));
    let addr = ha::conf::parse_str(
        "t.conf",
        &format!(
            "vrrp_instance V {{\n interface {}\n virtual_router_id 1\n virtual_ipaddress {{\n  10.88.0.100\n }}\n}}\n",
            lab.if_a
        ),
    )
    .config
    .vrrp
    .instances[0]
        .virtual_ipaddress
        .clone();
    let owner = Owner {
        instance: "V",
        interface: &netif,
        dont_track_primary: false,
    };
    let err = fw.vips_add(&owner, &addr).unwrap_err();
    assert!(
        err.context().starts_with("create nftables table `ip xxx"),
        "{err}"
    );
    assert!(err.errno().is_some_and(|e| e > 0), "{err}");
    assert!(fw.state().held.is_empty());
    assert_eq!(lab.ruleset(), "");
}
