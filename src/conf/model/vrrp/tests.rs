//! Tests of the VRRP area through `parse_str`: defaults, ranges, statuses, line grammars,
//! cross-references, duplicates and the whole-configuration checks.

use std::net::IpAddr;
use std::time::Duration;

use super::*;
use crate::conf::diag::{Diagnostic, Severity};
use crate::conf::{parse_str, Parsed};

fn parse(text: &str) -> Parsed {
    parse_str("keepalived.conf", text)
}

/// Findings as `severity: message [| hint]`, in order.
fn findings(p: &Parsed) -> Vec<String> {
    p.diags.iter().map(Diagnostic::one_line).collect()
}

/// An instance with everything it needs, plus `extra` lines inside it.
fn inst(extra: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {{\n  10.0.0.10/24\n }}\n{extra}\n}}\n"
    )
}

/// Asserts that exactly one finding contains `want` (and shows them all if not).
fn assert_finding(text: &str, want: &str) {
    let p = parse(text);
    let f = findings(&p);
    let n = f.iter().filter(|m| m.contains(want)).count();
    assert_eq!(
        n,
        1,
        "want one finding with {want:?} in:\n{}\n--- config:\n{text}",
        f.join("\n")
    );
}

fn assert_clean(text: &str) -> Parsed {
    let p = parse(text);
    let f = findings(&p);
    assert!(
        f.is_empty(),
        "unexpected findings:\n{}\n--- config:\n{text}",
        f.join("\n")
    );
    p
}

#[test]
fn instance_defaults() {
    let p = assert_clean(&inst(""));
    let i = &p.config.vrrp.instances[0];
    assert_eq!(i.name, "VI_1");
    assert_eq!(i.state, State::Backup);
    assert_eq!(i.priority, 100);
    assert_eq!(i.version, 2);
    assert_eq!(i.family, Family::Ipv4);
    assert_eq!(i.advert_int, Duration::from_secs(1));
    assert_eq!(i.garp_master_delay, Duration::from_secs(5));
    assert_eq!(i.garp_master_repeat, 5);
    assert_eq!(i.garp_master_refresh, None);
    assert_eq!(i.garp_master_refresh_repeat, 1);
    assert_eq!(i.down_timer_adverts, 3);
    assert!(i.accept && !i.nopreempt && !i.strict_mode && !i.unicast);
    assert_eq!(i.mcast_dst_ip, Some("224.0.0.18".parse().unwrap()));
    assert_eq!(i.preempt_delay, Duration::ZERO);
    let vip = &i.virtual_ipaddress[0];
    assert_eq!(vip.addr.to_string(), "10.0.0.10/24");
    assert_eq!(vip.dev, None);
    // The model serializes (config show).
    let json = serde_json::to_value(&p.config.vrrp).unwrap();
    assert_eq!(json["instances"][0]["state"], "BACKUP");
    assert_eq!(
        json["instances"][0]["virtual_ipaddress"][0]["addr"],
        "10.0.0.10/24"
    );
}

#[test]
fn state_and_priority_default_from_each_other() {
    let p = parse(&inst("state MASTER"));
    let i = &p.config.vrrp.instances[0];
    assert_eq!((i.state, i.priority), (State::Master, 255));
    assert_eq!(p.diags.count(Severity::Note), 1);
    let p = assert_clean(&inst("priority 255"));
    assert_eq!(p.config.vrrp.instances[0].state, State::Master);
    let p = assert_clean(&inst("state MASTER\npriority 150"));
    assert_eq!(p.config.vrrp.instances[0].priority, 150);
    assert_finding(
        &inst("state MASTER\nstate BACKUP\npriority 10"),
        "`state BACKUP` after `state MASTER` is ignored",
    );
    assert_finding(&inst("state SLAVE"), "`state` cannot be `SLAVE`");
}

#[test]
fn range_errors() {
    let cases = [
        (
            "priority 0",
            "`priority` 0 is out of range | priority is 1-255",
        ),
        ("priority 256", "`priority` 256 is out of range"),
        (
            "virtual_router_id 256",
            "`virtual_router_id` 256 is out of range | virtual_router_id is 1-255",
        ),
        ("advert_int 0", "`advert_int` 0 is out of range"),
        ("advert_int 256", "`advert_int` 256 is out of range"),
        ("preempt_delay 1001", "`preempt_delay` 1001 is out of range"),
        (
            "down_timer_adverts 0",
            "`down_timer_adverts` 0 is out of range",
        ),
        ("unicast_ttl 256", "`unicast_ttl` 256 is out of range"),
        (
            "garp_master_delay 4295",
            "`garp_master_delay` 4295 is out of range",
        ),
        ("version 4", "`version` 4 is out of range"),
        ("debug 5", "`debug` 5 is out of range"),
        (
            "track_interface {\n eth1 weight 255\n}",
            "`weight` 255 is out of range",
        ),
        (
            "garp_extra_if all 86401",
            "`garp_extra_if` 86401 is out of range",
        ),
    ];
    for (line, want) in cases {
        assert_finding(&inst(line), want);
    }
    let blocks = [
        (
            "vrrp_script s {\n script /bin/true\n weight 254\n}",
            "`weight` 254 is out of range | weight is -253 to 253",
        ),
        (
            "vrrp_script s {\n script /bin/true\n rise 0\n}",
            "`rise` 0 is out of range",
        ),
        (
            "track_file f {\n file /tmp/f\n weight 255\n}",
            "`weight` 255 is out of range",
        ),
        (
            "vrrp_track_process p {\n process nginx\n quorum 0\n}",
            "`quorum` 0 is out of range",
        ),
        (
            "vrrp_track_process p {\n process nginx\n delay 3601\n}",
            "`delay` 3601 is out of range",
        ),
        (
            "garp_group {\n interface eth0\n garp_interval 2148\n}",
            "`garp_interval` 2148 is out of range",
        ),
        (
            "interface_up_down_delays {\n eth0 256\n}",
            "`down delay` 256 is out of range",
        ),
        (
            "bfd_instance b {\n neighbor_ip 10.0.0.1\n multiplier 0\n}",
            "`multiplier` 0 is out of range",
        ),
        (
            "bfd_instance b {\n neighbor_ip 10.0.0.1\n idle_tx 999\n}",
            "`idle_tx` 999 is out of range",
        ),
    ];
    for (block, want) in blocks {
        assert_finding(block, want);
    }
}

#[test]
fn deprecated_spellings_warn_and_read() {
    let p = parse("vrrp_track_file f {\n file /tmp/x\n}\n");
    assert_eq!(
        findings(&p),
        ["warning: `vrrp_track_file` is deprecated, use `track_file`"]
    );
    assert_eq!(p.config.vrrp.track_files[0].file.as_deref(), Some("/tmp/x"));
    for (line, kw) in [
        ("linkbeat_use_polling", "linkbeat_use_polling"),
        (
            "lvs_sync_daemon_interface eth1",
            "lvs_sync_daemon_interface",
        ),
        ("vmac_garp_intvl 10", "vmac_garp_intvl"),
    ] {
        assert_finding(&inst(line), &format!("`{kw}` is deprecated"));
    }
    let p = parse("vrrp_instance V6 {\n native_ipv6\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  fe80::1\n }\n}\n");
    assert_eq!(p.config.vrrp.instances[0].family, Family::Ipv6);
    assert_eq!(p.config.vrrp.instances[0].version, 3);
    assert_finding(
        "vrrp_sync_group G {\n group {\n VI_1\n }\n global_tracking\n}\n",
        "`global_tracking` is deprecated, use `sync_group_tracking_weight`",
    );
    assert_finding(
        &inst("virtual_routes {\n 10.1.0.0/16 gw 10.0.0.1 dev eth0\n}"),
        "`gw` in a virtual_routes line is deprecated, use `via`",
    );
}

// A leading `default6` is both an option (deprecated) and the destination: one warning.
#[test]
fn default6_warns_once() {
    for line in [
        "default6 via fe80::1 dev eth0",
        "to default6 via fe80::1 dev eth0",
    ] {
        let p = parse(&inst(&format!("virtual_routes {{\n {line}\n}}")));
        let f = findings(&p);
        assert_eq!(f.len(), 1, "{line}: {f:?}");
        assert!(
            f[0].contains("`default6`") && f[0].contains("deprecated"),
            "{f:?}"
        );
        let r = &p.config.vrrp.instances[0].virtual_routes[0];
        assert_eq!(r.family, Family::Ipv6);
    }
}

#[test]
fn not_acted_on_keywords_warn_once() {
    for line in [
        "use_vmac",
        "vrf blue",
        "debug 1",
        "promote_secondaries",
        "kernel_rx_buf_size 100000",
        "track_src_ip",
    ] {
        let kw = line.split(' ').next().unwrap();
        assert_finding(
            &inst(line),
            &format!("`{kw}` is accepted but ha does not act on it"),
        );
    }
    // A bfd_instance warns for its block only, not for each keyword inside.
    let p = parse("bfd_instance b {\n neighbor_ip 10.0.0.2\n min_rx 50\n weight -10\n}\n");
    assert_eq!(
        findings(&p),
        ["warning: `bfd_instance` is accepted but ha does not act on it: BFD is not implemented"]
    );
    let b = &p.config.vrrp.bfd_instances[0];
    assert_eq!(
        (b.min_rx, b.weight, b.multiplier),
        (Duration::from_millis(50), -10, 5)
    );
    assert_finding(
        "linkbeat_interfaces {\n eth0 MII\n}\n",
        "`linkbeat_interfaces` is accepted but ha does not act on it",
    );
}

#[test]
fn address_lines() {
    let p = assert_clean(&inst(
        "virtual_ipaddress {\n 10.0.0.11/24 brd + dev eth1 scope link label eth1:vip\n 10.0.0.12 -nodad no_track home\n 192.168.1.1 peer 192.168.1.2/24\n}",
    ));
    let v = &p.config.vrrp.instances[0].virtual_ipaddress;
    assert_eq!(v[1].broadcast, Some("10.0.0.255".parse().unwrap()));
    assert_eq!(v[1].dev.as_deref(), Some("eth1"));
    assert_eq!(v[1].scope, Some(RtId::Id(253)));
    assert_eq!(v[1].label.as_deref(), Some("eth1:vip"));
    assert!(v[2].nodad && v[2].no_track && v[2].home);
    assert_eq!(v[2].addr.prefix, 32);
    assert_eq!(v[3].addr.prefix, 24, "the peer's prefix");
    let bad = [
        (
            "10.0.0.11 devv eth1",
            "unknown option `devv` in a virtual_ipaddress line | did you mean `dev`?",
        ),
        (
            "10.0.0.11 10.0.0.12",
            "unknown option `10.0.0.12` in a virtual_ipaddress line | write one entry per line",
        ),
        (
            "10.0.0.11/33",
            "`address` `10.0.0.11/33` has an invalid prefix length | IPv4 prefixes are 0-32",
        ),
        (
            "10.0.0.300",
            "`address` wants an IP address, not `10.0.0.300`",
        ),
        ("10.0.0.11/31 brd +", "a /31 has no broadcast address"),
        (
            "10.0.0.11 label way-too-long-label",
            "label `way-too-long-label` is too long",
        ),
        ("10.0.0.11 dev", "`dev` needs an interface name"),
        (
            "10.0.0.11 track_group g",
            "`track_group` is not allowed in a virtual_ipaddress line",
        ),
        (
            "10.0.0.11 dev eth0 dev eth1",
            "`dev` is given twice in one address line",
        ),
    ];
    for (line, want) in bad {
        assert_finding(&inst(&format!("virtual_ipaddress {{\n {line}\n}}")), want);
    }
    // IPv6: no broadcast; preferred_lft defaults by prefix.
    let p = parse("vrrp_instance V6 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  fe80::1\n  2001:db8::1/64\n  2001:db8::2/64 brd +\n }\n}\n");
    assert!(findings(&p)
        .iter()
        .any(|m| m.contains("IPv6 addresses have no broadcast address")));
    let v = &p.config.vrrp.instances[0].virtual_ipaddress;
    assert_eq!(v[0].preferred_lft, Some(Lifetime::Secs(0)));
    assert_eq!(v[1].preferred_lft, Some(Lifetime::Forever));
    // Static addresses: track_group allowed, use_vmac not; no dev = default_interface.
    let p = parse("static_ipaddress {\n 192.168.9.1/24\n 192.168.9.2/24 use_vmac\n}\n");
    assert_eq!(
        p.config.vrrp.static_ipaddress[0].dev.as_deref(),
        Some("eth0")
    );
    assert!(findings(&p)
        .iter()
        .any(|m| m.contains("`use_vmac` is not allowed in a static_ipaddress line")));
}

// A bare rtt/rttvar/rto_min number is in the kernel's unit (1/8, 1/4 and 1 ms), as
// keepalived and `ip route` read it; with a unit it is a time.
#[test]
fn rtt_numbers_are_kernel_units() {
    let p = assert_clean(&inst(
        "virtual_routes {\n 10.1.0.0/16 dev eth0 rtt 8000 rttvar 4000 rto_min 1000\n \
         10.2.0.0/16 dev eth0 rtt 2s rttvar 300msec rto_min 0.5s\n}",
    ));
    let r = &p.config.vrrp.instances[0].virtual_routes;
    let ms = |t: &Option<Locked<Secs>>| t.as_ref().unwrap().value.0.as_millis();
    let m = &r[0].metrics;
    assert_eq!(
        (ms(&m.rtt), ms(&m.rttvar), ms(&m.rto_min)),
        (1000, 1000, 1000)
    );
    let m = &r[1].metrics;
    assert_eq!(
        (ms(&m.rtt), ms(&m.rttvar), ms(&m.rto_min)),
        (2000, 300, 500)
    );
    // 500/8 ms is below the kernel's minimum.
    assert_finding(
        &inst("virtual_routes {\n 10.1.0.0/16 dev eth0 rtt 500\n}"),
        "`rtt` 500 (62.5 ms) is outside 0.2-120 s; ha uses 200 ms",
    );
}

// keepalived reads a route type given as a number (0-255, decimal or hex) like a name.
#[test]
fn numeric_route_types() {
    let p = assert_clean(&inst(
        "virtual_routes {\n 6 10.1.0.0/16 dev eth0\n 0x7 10.2.0.0/16 dev eth0\n to 1 10.3.0.0/16 dev eth0\n}",
    ));
    let r = &p.config.vrrp.instances[0].virtual_routes;
    let kinds: Vec<u32> = r.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [6, 7, 1]);
    assert_eq!(r[0].to.unwrap().to_string(), "10.1.0.0/16");
    assert_finding(
        &inst("virtual_routes {\n 256 10.1.0.0/16 dev eth0\n}"),
        "`route destination` wants an IP address, not `256`",
    );
}

#[test]
fn route_lines() {
    let p = assert_clean(&inst(
        "virtual_routes {\n 10.1.0.0/16 via 10.0.0.1 dev eth0 table 100 metric 5 mtu lock 1400\n default via 10.0.0.1 dev eth0 inet\n inet6 default dev eth0\n blackhole 10.9.0.0/16\n to unicast 10.8.0.0/16 dev eth0 rtt 300ms\n 10.2.0.0/16 nexthop via 10.0.0.1 dev eth0 weight 2 nexthop via 10.0.0.2 dev eth1\n}",
    ));
    let r = &p.config.vrrp.instances[0].virtual_routes;
    assert_eq!(r[0].to.unwrap().to_string(), "10.1.0.0/16");
    assert_eq!(r[0].table, RtId::Id(100));
    assert_eq!(r[0].metric, Some(5));
    assert_eq!(
        r[0].metrics.mtu,
        Some(Locked {
            value: 1400,
            lock: true
        })
    );
    assert_eq!(
        r[0].protocol,
        Some(RtId::Id(18)),
        "tracked routes use protocol keepalived"
    );
    assert_eq!((r[1].to, r[1].family), (None, Family::Ipv4));
    assert_eq!(
        (r[2].to, r[2].family),
        (None, Family::Ipv6),
        "inet6 does not swallow `default`"
    );
    assert_eq!(r[3].kind, 6);
    assert!(r[3].no_track, "a route without dev is not tracked");
    assert_eq!(
        r[4].metrics.rtt.as_ref().unwrap().value.0,
        Duration::from_millis(300)
    );
    assert_eq!(r[5].nexthops.len(), 2);
    assert_eq!(r[5].nexthops[0].weight, Some(2));
    let bad = [
        ("dev eth0", "a virtual_routes line has no destination"),
        (
            "10.1.0.0/16 via fe80::1",
            "a virtual_routes line mixes IPv4 and IPv6",
        ),
        (
            "10.1.0.0/16 devv eth0",
            "unknown option `devv` in a virtual_routes line | did you mean `dev`?",
        ),
        (
            "10.1.0.0/16 nexthop via 10.0.0.1 metric 5",
            "`metric` cannot follow a nexthop",
        ),
        (
            "10.1.0.0/16 from 10.0.0.0/8",
            "route `from` (source routing) is IPv6 only",
        ),
        (
            "10.1.0.0/16 dev eth0 track_group g",
            "`track_group` is not allowed in a virtual_routes line",
        ),
        (
            "10.1.0.0/16 dev eth0 features syn",
            "unknown route feature `syn`",
        ),
        (
            "10.1.0.0/16 dev eth0 table 2x",
            "`table` wants a number or a name, not `2x`",
        ),
    ];
    for (line, want) in bad {
        assert_finding(&inst(&format!("virtual_routes {{\n {line}\n}}")), want);
    }
    // `or` makes two next hops (deprecated); encap is not acted on.
    let p = parse(&inst("virtual_routes {\n 10.3.0.0/16 via 10.0.0.1 or 10.0.0.2 dev eth0\n 10.4.0.0/16 encap mpls 100 dev eth0\n}"));
    let r = &p.config.vrrp.instances[0].virtual_routes;
    assert_eq!(r[0].nexthops.len(), 2);
    assert_eq!(r[1].encap.as_ref().unwrap().kind, "mpls");
    let f = findings(&p);
    assert!(
        f.iter()
            .any(|m| m.contains("`or` in a virtual_routes line is deprecated, use `nexthop`")),
        "{f:?}"
    );
    assert!(
        f.iter().any(|m| m
            .contains("`encap` in a virtual_routes line is accepted but ha does not act on it")),
        "{f:?}"
    );
}

// Preferences, marks, tables, scopes and route types are C strtoul numbers with base 0 in
// keepalived (and ip): a leading 0 is octal.
#[test]
fn numbers_read_like_strtoul() {
    let p = assert_clean(&inst(
        "virtual_rules {\n from all fwmark 010/0x1F table 010 preference 0100\n}\n \
         virtual_routes {\n 10.2.0.0/16 dev eth0 table 0x10 scope 0375\n}",
    ));
    let i = &p.config.vrrp.instances[0];
    let r = &i.virtual_rules[0];
    assert_eq!(
        r.fwmark,
        Some(Fwmark {
            mark: 8,
            mask: Some(31)
        })
    );
    assert_eq!(r.action, RuleAction::Table(RtId::Id(8)));
    assert_eq!(r.preference, 64);
    let rt = &i.virtual_routes[0];
    assert_eq!(
        (rt.table.clone(), rt.scope.clone()),
        (RtId::Id(16), Some(RtId::Id(253)))
    );
    for (line, want) in [
        ("from all table 100 preference 08", "`preference`"),
        (
            "from all table 09 preference 100",
            "`table` wants a number or a name, not `09`",
        ),
        (
            "from all table 0x preference 100",
            "`table` wants a number or a name, not `0x`",
        ),
    ] {
        assert_finding(&inst(&format!("virtual_rules {{\n {line}\n}}")), want);
    }
}

#[test]
fn rule_lines() {
    let p = parse(&inst(
        "virtual_rules {\n from 10.0.0.0/8 table 100 preference 100\n to 192.168.0.0/16 lookup main priority 200 not\n from all fwmark 0x10/0xff goto 300 preference 250\n iif eth0 ipproto tcp dport 80 sport 1024-65535 blackhole preference 10\n from 10.1.0.0/16 table 5\n inet6 from 2001:db8::/32 unreachable\n}",
    ));
    let r = &p.config.vrrp.instances[0].virtual_rules;
    assert_eq!(r[0].action, RuleAction::Table(RtId::Id(100)));
    assert_eq!(r[1].action, RuleAction::Table(RtId::Id(254)));
    assert!(r[1].not);
    assert_eq!(
        r[2].fwmark,
        Some(Fwmark {
            mark: 16,
            mask: Some(255)
        })
    );
    assert_eq!(r[2].action, RuleAction::Goto(300));
    assert_eq!(
        r[3].dport,
        Some(PortRange { start: 80, end: 80 }),
        "a single port is a range"
    );
    assert_eq!(r[3].ipproto, Some(RtId::Id(6)));
    assert_eq!(r[3].protocol, Some(18));
    // No preference: numbered per family from 16384, with a warning each.
    assert_eq!((r[4].preference, r[5].preference), (16384, 16384));
    assert_eq!(r[5].family, Family::Ipv6);
    assert_eq!(p.diags.count(Severity::Warning), 2, "{:?}", findings(&p));
    let bad = [
        (
            "from 10.0.0.0/8 preference 5",
            "a virtual_rules line has no action",
        ),
        (
            "from 10.0.0.0/8 table 1 nop preference 5",
            "a virtual_rules line has more than one action",
        ),
        (
            "from 10.0.0.0/8 goto 10",
            "a `goto` rule needs a `preference`",
        ),
        (
            "from 10.0.0.0/8 goto 10 preference 20",
            "preference 20 is not below the goto target 10",
        ),
        (
            "from 10.0.0.0/8 table 0 preference 5",
            "table 0 is not a valid rule table",
        ),
        (
            "from 10.0.0.0/8 realms 5 nop preference 5",
            "`realms` and the suppressors only apply to `table` rules",
        ),
        (
            "from 10.0.0.0/8 tabl 5 preference 5",
            "unknown option `tabl` in a virtual_rules line | did you mean `table`?",
        ),
        (
            "from 10.0.0.0/8 to fe80::/10 nop preference 1",
            "a virtual_rules line mixes IPv4 and IPv6",
        ),
        (
            "dport 90-80 nop preference 1",
            "`dport` wants a port or a range, not `90-80`",
        ),
    ];
    for (line, want) in bad {
        assert_finding(&inst(&format!("virtual_rules {{\n {line}\n}}")), want);
    }
}

#[test]
fn track_lines_and_references() {
    let text = format!(
        "{}vrrp_script chk {{\n script \"/bin/check -q\"\n weight -20\n}}\ntrack_file tf {{\n file /run/ha\n}}\nvrrp_track_process tp {{\n process nginx\n weight 5 reverse\n}}\n",
        inst("priority 150\ntrack_script {\n chk\n}\ntrack_file {\n tf weight 10 noreverse\n}\ntrack_process {\n tp\n}\ntrack_interface {\n eth1 weight -30 reverse\n eth2\n}")
    );
    let p = assert_clean(&text);
    let i = &p.config.vrrp.instances[0];
    // Defined after use: fine in ha. Weights come from the object unless the line says.
    assert_eq!(
        (i.track_script[0].weight, i.track_script[0].reverse),
        (-20, false)
    );
    assert_eq!(
        (i.track_file[0].weight, i.track_file[0].reverse),
        (10, false)
    );
    assert_eq!(
        (i.track_process[0].weight, i.track_process[0].reverse),
        (5, true)
    );
    assert_eq!(
        (i.track_interface[0].weight, i.track_interface[0].reverse),
        (-30, true)
    );
    assert_eq!(i.track_interface[1].weight, 0);
    assert_eq!(
        p.config.vrrp.scripts[0].script.as_ref().unwrap().argv,
        ["/bin/check", "-q"]
    );

    let bad = [
        ("track_script {\n chck\n}", "instance `VI_1` tracks `chck`, which is not a defined vrrp_script | did you mean `chk`?"),
        ("track_file {\n nope\n}", "tracks `nope`, which is not a defined track_file | define it: `track_file nope { ... }`"),
        ("track_script {\n chk weight 10 no_reverse\n}", "unknown weight option `no_reverse` in a track_script line | it is spelt `noreverse`"),
        ("track_interface {\n eth1 weight 10 noreverse\n}", "unknown weight option `noreverse` in a track_interface line"),
        ("track_script {\n chk 10\n}", "unknown option `10` in a track_script line"),
        ("track_script {\n chk weight\n}", "`weight` needs a value"),
        ("track_script {\n chk\n chk\n}", "`chk` is tracked twice; the first line is used"),
    ];
    for (extra, want) in bad {
        assert_finding(
            &format!("{}vrrp_script chk {{\n script /bin/true\n}}\n", inst(extra)),
            want,
        );
    }
    assert_finding(
        &inst("track_interface {\n eth1 weight 254\n}"),
        "note: weight 254 is used as 253",
    );
}

#[test]
fn tracked_object_blocks() {
    assert_finding(
        "vrrp_script s {\n interval 2\n}\n",
        "vrrp_script `s` has no `script`",
    );
    assert_finding(
        "track_file f {\n weight 2\n}\n",
        "track_file `f` has no `file`",
    );
    assert_finding(
        "vrrp_track_process p {\n quorum 2\n}\n",
        "vrrp_track_process `p` has no `process`",
    );
    assert_finding(
        "vrrp_track_process p {\n process a\n quorum 3\n quorum_max 2\n}\n",
        "quorum_max 2 is below quorum 3",
    );
    assert_finding(
        "vrrp_script s {\n script /bin/true\n}\n",
        "vrrp_script `s` is not tracked by any instance",
    );
    // An unquoted command with arguments: ha runs the whole line, and says keepalived would not.
    let p = parse(&format!(
        "{}vrrp_script s {{\n script /usr/bin/killall -0 haproxy\n}}\n",
        inst("track_script {\n s\n}")
    ));
    assert_eq!(
        p.config.vrrp.scripts[0].script.as_ref().unwrap().argv,
        ["/usr/bin/killall", "-0", "haproxy"]
    );
    assert_eq!(findings(&p), ["warning: keepalived runs only `/usr/bin/killall` here and drops the rest; ha runs the whole line | quote the command so both agree: script \"/usr/bin/killall -0 haproxy\""]);
    // Defaults.
    let p = parse("vrrp_script s {\n script /bin/true\n}\ntrack_file f {\n file /tmp/f\n init_file 5 overwrite\n}\nvrrp_track_process p {\n process nginx -g daemon\n quorum_max 0\n}\n");
    let s = &p.config.vrrp.scripts[0];
    assert_eq!(
        (s.interval, s.timeout, s.rise, s.fall, s.weight),
        (Duration::from_secs(1), None, 1, 1, 0)
    );
    let f = &p.config.vrrp.track_files[0];
    assert_eq!(
        (f.weight, f.init_file),
        (
            1,
            Some(InitFile {
                value: 5,
                overwrite: true
            })
        )
    );
    let t = &p.config.vrrp.track_processes[0];
    assert_eq!(
        (t.quorum, t.quorum_max, t.param_match, t.full_command),
        (0, Some(0), ParamMatch::Exact, true)
    );
    assert_eq!(t.params, ["-g", "daemon"]);
    assert_finding(
        "track_file f {\n file /a\n file /b\n}\n",
        "`file` is given twice; the first one is used",
    );
}

#[test]
fn sync_groups_and_track_groups() {
    let two = format!(
        "{}{}",
        inst(""),
        inst("").replace("VI_1", "VI_2").replace("51", "52")
    );
    let p = assert_clean(&format!(
        "{two}vrrp_sync_group G {{\n group {{\n VI_1 VI_2\n }}\n notify_master /bin/m\n}}\n"
    ));
    assert_eq!(p.config.vrrp.instances[1].sync_group.as_deref(), Some("G"));
    assert_eq!(p.config.vrrp.sync_groups[0].group, ["VI_1", "VI_2"]);
    assert_finding(
        &format!("{two}vrrp_sync_group G {{\n group {{\n VI_1\n VI_3\n }}\n}}\n"),
        "sync group `G` names `VI_3`, which is not a vrrp_instance | did you mean `VI_1`?",
    );
    assert_finding(
        &format!("{two}vrrp_sync_group G {{\n group {{\n VI_1 VI_2\n }}\n}}\nvrrp_sync_group H {{\n group {{\n VI_2 VI_1\n }}\n}}\n"),
        "instance `VI_2` is already in sync group `G`",
    );
    assert_finding(
        &format!(
            "{}vrrp_sync_group G {{\n group {{\n VI_1\n }}\n}}\n",
            inst("")
        ),
        "sync group `G` has only one instance",
    );
    assert_finding(
        "vrrp_sync_group G {\n notify /bin/n\n}\n",
        "vrrp_sync_group `G` has no `group`",
    );
    assert_finding(
        &format!(
            "{two}vrrp_sync_group G {{\n group {{\n VI_1 VI_2\n }}\n group {{\n VI_1\n }}\n}}\n"
        ),
        "`group` is given twice in this sync group",
    );
    // Weighted tracking in a sync group member is ignored unless the group allows it.
    let scripted = format!(
        "{}{}vrrp_script chk {{\n script /bin/true\n weight 10\n}}\n",
        inst("track_script {\n chk\n}"),
        inst("").replace("VI_1", "VI_2").replace("51", "52")
    );
    let p = parse(&format!(
        "{scripted}vrrp_sync_group G {{\n group {{\n VI_1 VI_2\n }}\n}}\n"
    ));
    assert!(p.config.vrrp.instances[0].track_script.is_empty());
    assert!(findings(&p)
        .iter()
        .any(|m| m.contains("weighted track_script `chk` is ignored: it is in sync group `G`")));
    let p = assert_clean(&format!("{scripted}vrrp_sync_group G {{\n group {{\n VI_1 VI_2\n }}\n sync_group_tracking_weight\n}}\n"));
    assert_eq!(p.config.vrrp.instances[0].track_script[0].weight, 10);
    assert_finding(
        &format!(
            "{}{}vrrp_sync_group G {{\n group {{\n VI_1 VI_2\n }}\n}}\n",
            inst("state MASTER"),
            inst("").replace("VI_1", "VI_2").replace("51", "52")
        ),
        "sync group `G` mixes address owners (priority 255) with other members",
    );
    // track_group.
    assert_clean(&format!("{}track_group TG {{\n group {{\n VI_1\n }}\n}}\nstatic_routes {{\n 10.5.0.0/16 dev eth0 track_group TG\n}}\n", inst("")));
    assert_finding(
        &format!("{}track_group TG {{\n group {{\n VI_9\n }}\n}}\n", inst("")),
        "track_group `TG` names `VI_9`, which is not a vrrp_instance",
    );
    assert_finding(
        "static_rules {\n from 10.0.0.0/8 table 5 preference 9 dev eth0 track_group TX\n}\n",
        "`track_group TX` names no track_group",
    );
}

#[test]
fn duplicates() {
    assert_finding(
        &format!("{}{}", inst(""), inst("")),
        "vrrp_instance `VI_1` is already defined",
    );
    assert_finding(
        "vrrp_sync_group G {\n group {\n A\n }\n}\nvrrp_sync_group G {\n group {\n B\n }\n}\n",
        "vrrp_sync_group `G` is already defined",
    );
    assert_finding(
        "track_group T {\n}\ntrack_group T {\n}\n",
        "track_group `T` is already defined",
    );
    assert_finding(
        "bfd_instance b {\n neighbor_ip 10.0.0.1\n}\nbfd_instance b {\n neighbor_ip 10.0.0.2\n}\n",
        "bfd_instance `b` is already defined",
    );
    let p = parse(&inst("notify_master /bin/a\nnotify_master /bin/b"));
    assert_eq!(
        p.config.vrrp.instances[0]
            .notify_master
            .as_ref()
            .unwrap()
            .command,
        "/bin/a"
    );
    assert_eq!(
        findings(&p),
        ["warning: `notify_master` is given twice; the first one is used"]
    );
    assert_eq!(p.diags.iter().next().unwrap().related.len(), 1);
    assert_finding(
        &inst("interface eth1"),
        "`interface` is given twice; this later one is used",
    );
}

#[test]
fn instance_checks() {
    let cases = [("", "no `virtual_router_id`")];
    for (extra, want) in cases {
        assert_finding(&format!("vrrp_instance X {{\n interface eth0\n virtual_ipaddress {{\n 10.0.0.1\n }}\n{extra}\n}}\n"), want);
    }
    let checks = [
        ("state MASTER\npriority 200\nnopreempt", "`nopreempt` needs `state BACKUP`; with `state MASTER` it is ignored"),
        ("priority 255\nnopreempt", "`nopreempt` has no effect at priority 255"),
        ("nopreempt\npreempt_delay 10", "`preempt_delay` is ignored with `nopreempt`"),
        ("authentication {\n auth_type PASS\n auth_pass secret123456\n}", "`auth_pass` is 12 bytes long; only the first 8 are used | VRRPv2 carries 8 bytes of password: peers see `secret12`"),
        ("version 3\nauthentication {\n auth_type PASS\n auth_pass abc\n}", "instance `VI_1` uses VRRPv3, which has no authentication"),
        ("authentication {\n auth_type AH\n auth_pass abc\n}", "ha does not implement IPsec AH authentication"),
        ("authentication {\n auth_type PASS\n}", "authentication without `auth_pass`"),
        ("advert_int 1.5", "VRRPv2 advertises whole seconds; advert_int 1.5 is not"),
        ("version 3\nadvert_int 41", "advert_int 41 s is out of range for VRRPv3 | VRRPv3 intervals are 0.01 to 40.95 seconds"),
        ("version 3\nadvert_int 0.015", "VRRPv3 advertises hundredths of a second"),
        ("unicast_src_ip 10.0.0.1", "asks for unicast but lists no unicast_peer"),
        ("unicast_ttl 10", "`unicast_ttl` is ignored without unicast peers"),
        ("unicast_peer {\n 10.0.0.2 min_ttl 200 max_ttl 100\n}", "min_ttl 200 is above max_ttl 100"),
        ("unicast_src_ip fe80::1\nunicast_peer {\n fe80::2\n}", "unicast_src_ip is IPv6 but instance `VI_1` is IPv4"),
        ("virtual_ipaddress {\n 2001:db8::1\n}", "VIP is IPv6 but instance `VI_1` is IPv4"),
        ("mcast_dst_ip 10.0.0.1", "mcast_dst_ip 10.0.0.1 is not a suitable multicast address"),
        ("strict_mode\nunicast_peer {\n 10.0.0.2\n}", "strict mode does not allow unicast peers"),
        ("strict_mode\nstate MASTER\npriority 100", "in strict mode only the address owner (priority 255) starts as MASTER"),
        ("interface lo", "VRRP cannot run on the loopback interface"),
    ];
    for (extra, want) in checks {
        assert_finding(&inst(extra), want);
    }
    // eVIPs may mix families; IPv6 instances use VRRPv3; unicast with peers.
    let p = assert_clean(&inst("virtual_ipaddress_excluded {\n 2001:db8::5/64\n}\nunicast_src_ip 10.0.0.1\nunicast_peer {\n 10.0.0.2\n 10.0.0.3 max_ttl 64\n}"));
    let i = &p.config.vrrp.instances[0];
    assert!(i.unicast && i.check_unicast_src);
    assert_eq!((i.mcast_dst_ip, i.unicast_ttl), (None, Some(255)));
    let p = parse("vrrp_instance V6 {\n interface eth0\n virtual_router_id 1\n version 2\n virtual_ipaddress {\n fe80::1\n }\n}\n");
    assert_eq!(p.config.vrrp.instances[0].version, 3);
    assert_eq!(
        p.config.vrrp.instances[0].mcast_dst_ip,
        Some("ff02::12".parse::<IpAddr>().unwrap())
    );
    assert!(findings(&p)[0].contains("only VRRP version 3 carries"));
    assert_finding("vrrp_instance V6 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 2001:db8::1\n }\n}\n", "the first IPv6 VIP should be link-local");
    assert_finding(
        "vrrp_instance V {\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n",
        "instance `V` has no `interface`",
    );
    assert_finding(
        "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n version 3\n}\n",
        "error: instance `V` has no virtual_ipaddress",
    );
    assert_finding(
        "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n}\n",
        "warning: instance `V` has no virtual_ipaddress",
    );
    // 300 IPv4 VIPs: 255 advertised, the rest become eVIPs.
    let many: String = (0..300)
        .map(|n| format!(" 10.1.{}.{}\n", n / 250, n % 250 + 1))
        .collect();
    let p = parse(&inst(&format!("virtual_ipaddress {{\n{many}}}")));
    let i = &p.config.vrrp.instances[0];
    assert_eq!(
        (
            i.virtual_ipaddress.len(),
            i.virtual_ipaddress_excluded.len()
        ),
        (255, 46)
    );
}

#[test]
fn vrid_clashes() {
    let a = inst("");
    let b = inst("").replace("VI_1", "VI_2");
    assert_finding(
        &format!("{a}{b}"),
        "instances `VI_1` and `VI_2` both use VRID 51 for IPv4 on eth0",
    );
    // Another interface, another family or another group: no clash.
    assert_clean(&format!(
        "{a}{}",
        b.replace("interface eth0", "interface eth1")
    ));
    assert_clean(&format!("{a}{}", b.replace("10.0.0.10/24", "fe80::10")));
    assert_clean(&format!(
        "{a}{}",
        b.replace("interface eth0", "interface eth0\nmcast_dst_ip 224.0.0.19")
    ));
    // Unicast: a clash only with the same source and a shared peer.
    let u = |name: &str, peer: &str| {
        inst(&format!(
            "unicast_src_ip 10.0.0.1\nunicast_peer {{\n {peer}\n}}"
        ))
        .replace("VI_1", name)
    };
    assert_finding(
        &format!("{}{}", u("VI_1", "10.0.0.2"), u("VI_2", "10.0.0.2")),
        "both use VRID 51 for IPv4 with the same source and peers",
    );
    assert_clean(&format!(
        "{}{}",
        u("VI_1", "10.0.0.2"),
        u("VI_2", "10.0.0.3")
    ));
}

#[test]
fn inheritance_from_global_defs() {
    let g = "global_defs {\n vrrp_garp_master_delay 10\n vrrp_garp_master_repeat 2\n vrrp_version 3\n vrrp_mcast_group4 224.0.0.20\n smtp_alert_vrrp\n vrrp_notify_priority_changes\n default_interface eth7\n}\n";
    // global_defs after the instance: ha does not care about the order.
    let p = parse(&format!(
        "{}{g}static_ipaddress {{\n 192.168.5.5/24\n}}\n",
        inst("garp_master_repeat 3")
    ));
    let f = findings(&p);
    assert!(!p.diags.has_errors(), "{f:?}");
    let i = &p.config.vrrp.instances[0];
    assert_eq!(i.garp_master_delay, Duration::from_secs(10));
    assert_eq!(i.garp_master_repeat, 3, "the instance's own value wins");
    assert_eq!(i.version, 3);
    assert_eq!(i.mcast_dst_ip, Some("224.0.0.20".parse().unwrap()));
    assert!(i.smtp_alert && i.notify_priority_changes);
    assert_eq!(
        p.config.vrrp.static_ipaddress[0].dev.as_deref(),
        Some("eth7")
    );
    // vrrp_strict: no accept for non-owners, lower_prio_no_advert, and its checks.
    let p = parse(&format!(
        "global_defs {{\n vrrp_strict\n}}\n{}",
        inst("garp_lower_prio_repeat 2")
    ));
    let i = &p.config.vrrp.instances[0];
    assert!(i.strict_mode && !i.accept && i.lower_prio_no_advert && !i.higher_prio_send_advert);
    assert_eq!(i.garp_lower_prio_repeat, 0);
    assert!(findings(&p)
        .iter()
        .any(|m| m.contains("strict mode requires garp_lower_prio_repeat 0")));
    let p = parse(&format!(
        "global_defs {{\n vrrp_strict\n}}\n{}",
        inst("strict_mode off")
    ));
    assert!(!p.config.vrrp.instances[0].strict_mode);
}

#[test]
fn misc_blocks() {
    let p = parse("garp_group {\n garp_interval 0.001\n interfaces {\n eth0 eth1\n }\n}\ngarp_group {\n gna_interval 0.002\n interface eth1\n}\ninterface_up_down_delays {\n eth0 2\n eth1 2 0.5\n}\n");
    let f = findings(&p);
    assert_eq!(f, ["warning: `interface_up_down_delays` is accepted but ha does not act on it: interface up/down debouncing is not implemented", "warning: interface `eth1` is already in a garp_group; the first one is used"]);
    let g = &p.config.vrrp.garp_groups;
    assert!(g[0].aggregated);
    assert_eq!(g[0].gna_interval, Some(Duration::ZERO), "from global_defs");
    assert!(g[1].interfaces.is_empty());
    let d = &p.config.vrrp.interface_up_down_delays;
    assert_eq!(
        (d[0].down, d[0].up),
        (Duration::from_secs(2), Duration::from_secs(2)),
        "up defaults to down (the manual)"
    );
    assert_eq!(d[1].up, Duration::from_millis(500));
    assert_finding(
        "garp_group {\n interface eth0\n}\n",
        "sets neither `garp_interval` nor `gna_interval`",
    );
    assert_finding("vrrp_instance {\n}\n", "`vrrp_instance` needs a name");
    assert_finding(
        "vrrp_instance A B {\n}\n",
        "`vrrp_instance` takes one name; `B` is one too many",
    );
    assert_finding(
        &inst("virtual_ipaddress extra {\n 10.0.0.1\n}"),
        "`virtual_ipaddress` takes no value before its block",
    );
    assert_finding(
        &inst("priorty 100"),
        "unknown keyword `priorty` in `vrrp_instance` | did you mean `priority`?",
    );
}

#[test]
fn catalogue_lists_every_keyword_once() {
    let cat = catalogue();
    let count = |path: &str| cat.iter().find(|(p, _)| p == path).map(|(_, r)| r.len());
    let want = [
        ("/", 14),
        ("vrrp_instance", 64),
        ("vrrp_instance/authentication", 2),
        ("vrrp_sync_group", 15),
        ("vrrp_script", 8),
        ("vrrp_track_process", 9),
        ("track_file", 3),
        ("vrrp_track_file", 3),
        ("garp_group", 4),
        ("track_group", 1),
        ("bfd_instance", 14),
        ("vrrp_instance/virtual_routes (line)", 49),
        ("static_routes (line)", 50),
        ("static_rules (line)", 36),
        ("vrrp_instance/virtual_ipaddress (line)", 15),
    ];
    for (path, n) in want {
        assert_eq!(count(path), Some(n), "{path}");
    }
    for (path, rows) in &cat {
        let mut names: Vec<_> = rows.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), rows.len(), "duplicate names in {path}");
    }
    assert_eq!(
        cat.iter().find(|(p, _)| p == "bfd_instance").unwrap().1[0].1,
        Status::NotActedOn(bfd::WHY)
    );
}
