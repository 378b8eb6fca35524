//! One valid sample per keyword of the catalogue (docs/COMPATIBILITY.md), read in its block
//! through `parse_str`.
//!
//! Each sample is placed in the smallest configuration its block needs (the enclosing
//! blocks, their mandatory keywords, and the objects it names), and compared with the same
//! configuration without it (a plain line for value blocks). The sample must add no error,
//! exactly the status warning of its keyword (unless the enclosing keyword already gave it),
//! and must change the model; [`LANDED`] says where, and to what, for a few per block. A
//! keyword added to a table without a sample fails here.
//!
//! The samples are keepalived 2.2.7 syntax (docs/research/keepalived-keywords.tsv);
//! `samples_pass_keepalived_t` feeds them to keepalived itself where it is installed.

use std::collections::BTreeSet;

use crate::conf::compat_doc;
use crate::conf::diag::Diagnostic;
use crate::conf::parse_str;
use crate::conf::schema::Status;

/// The samples of one block path: keyword lines (the keyword is the first word), or value
/// and option lines with the catalogue row each one exercises.
enum Rows {
    Kw(&'static [&'static str]),
    Line(&'static [(&'static str, &'static str)]),
}

use Rows::{Kw, Line};

/// The connection and timing keywords shared by the checkers.
const COMMON: &[&str] = &[
    "connect_ip 10.0.0.3",
    "connect_port 8080",
    "bindto 10.0.0.1",
    "bind_port 5000",
    "bind_if eth0",
    "connect_timeout 2",
    "fwmark 5",
    "retry 4",
    "delay_before_retry 2",
    "warmup 5",
    "delay_loop 10",
    "alpha",
    "log_all_failures",
];

/// The timing keywords every checker has.
const TIMING: &[&str] = &[
    "retry 4",
    "delay_before_retry 2",
    "warmup 5",
    "delay_loop 10",
    "alpha",
    "log_all_failures",
];

const ADDRESS_LINE: &[(&str, &str)] = &[
    ("<IPADDR>[/<PREFIX>]", "10.0.0.11/24"),
    ("<IPADDR>[/<PREFIX>]", "10.0.0.12"),
    ("brd", "10.0.0.11/24 brd 10.0.0.255"),
    ("brd", "10.0.0.11/24 brd +"),
    ("broadcast", "10.0.0.11/24 broadcast 10.0.0.255"),
    ("dev", "10.0.0.11/24 dev eth0"),
    ("scope", "10.0.0.11/24 scope link"),
    ("scope", "10.0.0.11/24 scope host"),
    ("scope", "10.0.0.11/24 scope nowhere"),
    ("scope", "10.0.0.11/24 scope 200"),
    ("brd", "10.0.0.11/24 brd -"),
    ("label", "10.0.0.11/24 dev eth0 label eth0:1"),
    ("label", "10.0.0.11/24 label eth0:vip"),
    ("peer", "10.0.0.11 peer 10.0.0.21"),
    ("home", "10.0.0.11/24 home"),
    ("-nodad", "10.0.0.11/24 -nodad"),
    ("mngtmpaddr", "10.0.0.11/24 mngtmpaddr"),
    ("noprefixroute", "10.0.0.11/24 noprefixroute"),
    ("autojoin", "10.0.0.11/24 autojoin"),
    ("no_track", "10.0.0.11/24 no_track"),
    ("preferred_lft", "10.0.0.11/24 preferred_lft 0"),
    ("preferred_lft", "10.0.0.11/24 preferred_lft forever"),
];

const ROUTE_LINE: &[(&str, &str)] = &[
    ("<DEST>", "10.2.0.0/16 dev eth0"),
    ("<DEST>", "10.2.0.1 dev eth0"),
    ("<DEST>", "default via 10.0.0.1 dev eth0"),
    ("<DEST>", "any via 10.0.0.1 dev eth0"),
    ("<DEST>", "default dev eth0 inet6"),
    ("<DEST>", "2001:db8:2::/64 via fe80::1 dev eth0"),
    ("<DEST>", "blackhole 10.3.0.0/16 dev eth0"),
    ("<DEST>", "unreachable 10.3.0.0/16 dev eth0"),
    ("<DEST>", "prohibit 10.3.0.0/16 dev eth0"),
    ("<DEST>", "throw 10.3.0.0/16 dev eth0"),
    ("<DEST>", "6 10.3.0.0/16 dev eth0"),
    ("<DEST>", "local 10.3.0.1 dev eth0"),
    ("<DEST>", "unicast 10.3.0.0/16 dev eth0"),
    ("to", "to 10.2.0.0/16 dev eth0"),
    ("default6", "default6 via fe80::1 dev eth0"),
    ("inet", "10.2.0.0/16 dev eth0 inet"),
    ("inet6", "2001:db8:2::/64 dev eth0 inet6"),
    ("src", "10.2.0.0/16 src 10.0.0.10 dev eth0"),
    ("from", "2001:db8:2::/64 from 2001:db8:1::/64 dev eth0"),
    ("via", "10.2.0.0/16 via 10.0.0.1 dev eth0"),
    ("via", "10.2.0.0/16 via inet 10.0.0.1 dev eth0"),
    ("via", "2001:db8:2::/64 via inet6 fe80::1 dev eth0"),
    ("gw", "10.2.0.0/16 gw 10.0.0.1 dev eth0"),
    ("or", "10.2.0.0/16 via 10.0.0.1 or 10.0.0.2 dev eth0"),
    ("dev", "10.2.0.0/16 dev eth0"),
    ("oif", "10.2.0.0/16 oif eth0"),
    ("table", "10.2.0.0/16 dev eth0 table 100"),
    ("table", "10.2.0.0/16 dev eth0 table main"),
    ("table", "10.2.0.0/16 dev eth0 table local"),
    ("tos", "10.2.0.0/16 dev eth0 tos 0x10"),
    ("dsfield", "10.2.0.0/16 dev eth0 dsfield 16"),
    ("protocol", "10.2.0.0/16 dev eth0 protocol bird no_track"),
    ("protocol", "10.2.0.0/16 dev eth0 protocol 99 no_track"),
    ("protocol", "10.2.0.0/16 dev eth0 protocol keepalived"),
    ("scope", "10.2.0.0/16 dev eth0 scope link"),
    ("scope", "10.2.0.0/16 dev eth0 scope host"),
    ("scope", "10.2.0.0/16 dev eth0 scope 200"),
    ("metric", "10.2.0.0/16 dev eth0 metric 10"),
    ("priority", "10.2.0.0/16 dev eth0 priority 20"),
    ("preference", "10.2.0.0/16 dev eth0 preference 30"),
    ("onlink", "10.2.0.0/16 via 10.9.0.1 dev eth0 onlink"),
    ("encap", "10.2.0.0/16 dev eth0 encap mpls 100"),
    (
        "encap",
        "10.2.0.0/16 dev eth0 encap ip id 5 dst 10.0.0.9 ttl 10",
    ),
    (
        "encap",
        "10.2.0.0/16 dev eth0 encap ip dst 10.0.0.9 src 10.0.0.1 tos 4 flags 1",
    ),
    (
        "encap",
        "10.2.0.0/16 dev eth0 encap ip6 dst 2001:db8::9 hoplimit 10 tc 1",
    ),
    ("expires", "2001:db8:2::/64 dev eth0 expires 300"),
    ("mtu", "10.2.0.0/16 dev eth0 mtu 1400"),
    ("mtu", "10.2.0.0/16 dev eth0 mtu lock 1400"),
    ("advmss", "10.2.0.0/16 dev eth0 advmss 1360"),
    ("reordering", "10.2.0.0/16 dev eth0 reordering 5"),
    ("cwnd", "10.2.0.0/16 dev eth0 cwnd 10"),
    ("ssthresh", "10.2.0.0/16 dev eth0 ssthresh 20"),
    ("hoplimit", "10.2.0.0/16 dev eth0 hoplimit 64"),
    ("rtt", "10.2.0.0/16 dev eth0 rtt 300ms"),
    ("rtt", "10.2.0.0/16 dev eth0 rtt lock 2s"),
    ("rtt", "10.2.0.0/16 dev eth0 rtt 4000"),
    ("rttvar", "10.2.0.0/16 dev eth0 rttvar 250ms"),
    ("rto_min", "10.2.0.0/16 dev eth0 rto_min lock 200ms"),
    ("window", "10.2.0.0/16 dev eth0 window 65535"),
    ("realms", "10.2.0.0/16 dev eth0 realms 1/2"),
    ("initcwnd", "10.2.0.0/16 dev eth0 initcwnd 10"),
    ("initrwnd", "10.2.0.0/16 dev eth0 initrwnd 20"),
    ("features", "10.2.0.0/16 dev eth0 features ecn"),
    ("quickack", "10.2.0.0/16 dev eth0 quickack 1"),
    ("quickack", "10.2.0.0/16 dev eth0 quickack 0"),
    ("congctl", "10.2.0.0/16 dev eth0 congctl cubic"),
    ("congctl", "10.2.0.0/16 dev eth0 congctl lock bbr"),
    ("pref", "2001:db8:2::/64 dev eth0 pref high"),
    ("pref", "2001:db8:2::/64 dev eth0 pref medium"),
    (
        "ttl-propagate",
        "10.2.0.0/16 dev eth0 ttl-propagate enabled",
    ),
    (
        "ttl-propagate",
        "10.2.0.0/16 dev eth0 ttl-propagate disabled",
    ),
    (
        "fastopen_no_cookie",
        "10.2.0.0/16 dev eth0 fastopen_no_cookie 1",
    ),
    ("as", "10.2.0.0/16 dev eth0 as to 10.0.0.5"),
    ("add", "10.2.0.0/16 dev eth0 add"),
    ("prepend", "10.2.0.0/16 dev eth0 prepend"),
    ("append", "10.2.0.0/16 dev eth0 append"),
    ("no_track", "10.2.0.0/16 dev eth0 no_track"),
    ("vrf", "10.2.0.0/16 dev eth0 vrf blue"),
    (
        "nexthop",
        "10.2.0.0/16 no_track nexthop via 10.0.0.1 dev eth0 nexthop via 10.0.0.2 dev eth0",
    ),
];

// keepalived tracks a route only with a `dev` on the route itself.
const NEXTHOP_LINE: &[(&str, &str)] = &[
    (
        "via",
        "10.2.0.0/16 no_track nexthop via 10.0.0.1 nexthop via 10.0.0.2",
    ),
    (
        "via",
        "2001:db8:2::/64 no_track nexthop via inet6 fe80::1 dev eth0",
    ),
    ("dev", "10.2.0.0/16 no_track nexthop via 10.0.0.1 dev eth0"),
    ("dev", "10.2.0.0/16 no_track nexthop dev eth0"),
    (
        "weight",
        "10.2.0.0/16 no_track nexthop via 10.0.0.1 weight 2 nexthop via 10.0.0.2 weight 3",
    ),
    (
        "onlink",
        "10.2.0.0/16 no_track nexthop via 10.9.0.1 dev eth0 onlink",
    ),
    (
        "encap",
        "10.2.0.0/16 no_track nexthop via 10.0.0.1 encap mpls 200",
    ),
    (
        "realms",
        "10.2.0.0/16 no_track nexthop via 10.0.0.1 realms 3",
    ),
    (
        "realms",
        "10.2.0.0/16 no_track nexthop via 10.0.0.1 realms 1/3",
    ),
];

const RULE_LINE: &[(&str, &str)] = &[
    ("inet", "to 10.3.0.0/16 table 100 preference 101 inet"),
    ("inet6", "to 2001:db8:3::/64 table 100 preference 101 inet6"),
    ("from", "from 10.0.0.0/24 table 100 preference 101"),
    ("from", "from all table 100 preference 101"),
    ("from", "from 2001:db8::/64 table 100 preference 101"),
    ("to", "to all table 100 preference 101"),
    ("to", "to 10.3.0.0/16 table 100 preference 101"),
    ("not", "not from 10.0.0.11 table 100 preference 101"),
    ("table", "from 10.0.0.11 table 200 preference 101"),
    ("table", "from 10.0.0.11 table main preference 101"),
    ("lookup", "from 10.0.0.11 lookup 200 preference 101"),
    ("lookup", "from 10.0.0.11 lookup local preference 101"),
    ("preference", "from 10.0.0.11 table 100 preference 150"),
    ("preference", "from 10.0.0.11 table 100 preference 0x96"),
    ("order", "from 10.0.0.11 table 100 order 150"),
    ("priority", "from 10.0.0.11 table 100 priority 150"),
    ("tos", "from 10.0.0.11 tos 0x10 table 100 preference 101"),
    (
        "dsfield",
        "from 10.0.0.11 dsfield 16 table 100 preference 101",
    ),
    ("fwmark", "fwmark 0x10/0xff table 100 preference 101"),
    ("fwmark", "fwmark 7 table 100 preference 101"),
    ("fwmark", "fwmark 16/255 table 100 preference 101"),
    (
        "realms",
        "from 10.0.0.11 realms 1/2 table 100 preference 101",
    ),
    (
        "suppress_prefixlength",
        "from all table 100 suppress_prefixlength 0 preference 101",
    ),
    ("sup_pl", "from all table 100 sup_pl 8 preference 101"),
    (
        "suppress_ifgroup",
        "from all table 100 suppress_ifgroup 1 preference 101",
    ),
    ("sup_group", "from all table 100 sup_group 2 preference 101"),
    ("dev", "from all dev eth0 table 100 preference 101"),
    ("iif", "from all iif eth0 table 100 preference 101"),
    ("oif", "from all oif eth0 table 100 preference 101"),
    ("tunnel-id", "from all tunnel-id 5 table 100 preference 101"),
    (
        "uidrange",
        "from all uidrange 1000-2000 table 100 preference 101",
    ),
    ("uidrange", "from all uidrange 0-0 table 100 preference 101"),
    ("l3mdev", "from all l3mdev preference 101"),
    (
        "protocol",
        "from 10.0.0.11 table 100 protocol 4 preference 101 no_track",
    ),
    ("ipproto", "from all ipproto tcp table 100 preference 101"),
    ("ipproto", "from all ipproto 17 table 100 preference 101"),
    (
        "sport",
        "from all ipproto tcp sport 1000-2000 table 100 preference 101",
    ),
    (
        "dport",
        "from all ipproto tcp dport 80-80 table 100 preference 101",
    ),
    (
        "no_track",
        "from 10.0.0.11 table 100 preference 101 no_track",
    ),
    ("type", "from 10.0.0.11 type blackhole preference 101"),
    ("type", "from 10.0.0.11 type nop preference 101"),
    ("type", "from 10.0.0.11 type prohibit preference 101"),
    ("goto", "from 10.0.0.11 goto 300 preference 101"),
    ("goto", "from 10.0.0.11 type goto 300 preference 101"),
    ("nop", "from 10.0.0.11 nop preference 101"),
    ("blackhole", "from 10.0.0.11 blackhole preference 101"),
    ("unreachable", "from 10.0.0.11 unreachable preference 101"),
    ("prohibit", "from 10.0.0.11 prohibit preference 101"),
];

/// The `track_*` lines of instances and sync groups (`track_interface` has no `noreverse`).
fn track_line(kind: &str) -> Vec<(&'static str, String)> {
    let name = match kind {
        // Not the instance's own interface, which keepalived does not track.
        "track_interface" => "ifb0",
        "track_script" => "chk_web",
        "track_file" => "tf_maint",
        "track_process" => "tp_sshd",
        _ => "bfd_gw",
    };
    let mut rows = vec![
        ("weight", format!("{name} weight 10")),
        ("weight", format!("{name} weight -20")),
        ("reverse", format!("{name} weight 10 reverse")),
    ];
    if kind != "track_interface" {
        rows.push(("noreverse", format!("{name} weight 10 noreverse")));
    }
    rows
}

/// Everything but global_defs (whose samples are global::tests::SAMPLES) and the checkers'
/// shared keywords (added by [`samples`]).
const SAMPLES: &[(&str, Rows)] = &[
    (
        "/",
        Kw(&[
            "linkbeat_use_polling",
            "net_namespace blue",
            "net_namespace_ipvs blue",
            "namespace_with_ipsets",
            "use_pid_dir",
            "instance lb1",
            "child_wait_time 2",
            "global_defs {\n router_id LB1\n}",
            "vrrp_instance VI_9 {\n interface eth0\n virtual_router_id 9\n \
             virtual_ipaddress {\n  10.0.0.9/24\n }\n}",
            "vrrp_sync_group SG_9 {\n group {\n  VI_1\n  VI_2\n }\n}\n\
             vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n \
             virtual_ipaddress {\n  10.0.0.51/24\n }\n}\n\
             vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n \
             virtual_ipaddress {\n  10.0.0.52/24\n }\n}",
            "vrrp_script chk_9 {\n script /bin/true\n}\n\
             vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n \
             virtual_ipaddress {\n  10.0.0.51/24\n }\n track_script {\n  chk_9\n }\n}",
            "vrrp_track_process tp_9 {\n process sshd\n}",
            "track_file tf_9 {\n file /tmp/tf_9\n}",
            "vrrp_track_file tf_9 {\n file /tmp/tf_9\n}",
            "garp_group {\n interface eth0\n garp_interval 0.1\n}",
            "track_group tg_9 {\n group {\n  VI_1\n }\n}\n\
             vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n \
             virtual_ipaddress {\n  10.0.0.51/24\n }\n}",
            "static_ipaddress {\n 192.0.2.9/24 dev eth0\n}",
            "static_routes {\n 198.51.100.0/24 via 192.0.2.1 dev eth0\n}",
            "static_rules {\n from 192.0.2.9 table 100 preference 100\n}",
            "linkbeat_interfaces {\n eth0 MII\n}",
            "interface_up_down_delays {\n eth0 1 2\n}",
            "bfd_instance bfd_9 {\n neighbor_ip 192.0.2.2\n}",
            "SSL {\n ca /etc/ssl/ca.pem\n}",
            "virtual_server_group vsg_9 {\n 10.1.1.1 80\n}\n\
             virtual_server group vsg_9 {\n protocol TCP\n real_server 10.0.0.2 80 {\n }\n}",
            "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.2 80 {\n }\n}",
            "virtual_server fwmark 7 {\n real_server 10.0.0.2 80 {\n }\n}",
            "virtual_server 2001:db8::1 80 {\n protocol TCP\n real_server 2001:db8::2 80 {\n }\n}",
            "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.2 {\n }\n}",
            "interface_up_down_delays {\n eth0 1.5\n}",
            "linkbeat_interfaces {\n eth0\n}",
        ]),
    ),
    (
        "global_defs/notification_email (line)",
        Line(&[
            ("<EMAIL> [<EMAIL> ...]", "noc@example.com"),
            ("<EMAIL> [<EMAIL> ...]", "a@example.com b@example.com"),
        ]),
    ),
    (
        "global_defs/lvs_timeouts (options)",
        Line(&[
            ("tcp", "lvs_timeouts tcp 900"),
            ("tcpfin", "lvs_timeouts tcpfin 120"),
            ("udp", "lvs_timeouts udp 300"),
        ]),
    ),
    (
        "global_defs/lvs_sync_daemon (options)",
        Line(&[
            ("inst", "lvs_sync_daemon eth0 inst VI_1"),
            ("id", "lvs_sync_daemon eth0 id 5"),
            ("maxlen", "lvs_sync_daemon eth0 maxlen 1400"),
            ("port", "lvs_sync_daemon eth0 port 8849"),
            ("ttl", "lvs_sync_daemon eth0 ttl 2"),
            ("group", "lvs_sync_daemon eth0 group 224.0.0.82"),
        ]),
    ),
    (
        "SSL",
        Kw(&[
            "password secret",
            "ca /etc/ssl/ca.pem",
            "certificate /etc/ssl/cert.pem",
            "key /etc/ssl/key.pem",
        ]),
    ),
    (
        "bfd_instance",
        Kw(&[
            "source_ip 10.0.0.1",
            "neighbor_ip 2001:db8::2",
            "max_hops -1",
            "min_rx 1.5",
            "neighbor_ip 10.0.0.253",
            "neighbour_ip 10.0.0.253",
            "min_rx 20",
            "min_tx 20.5",
            "idle_tx 2000",
            "multiplier 3",
            "passive",
            "ttl 64",
            "hoplimit 64",
            "max_hops 2",
            "weight 20",
            "weight -20 reverse",
            "vrrp",
            "checker",
        ]),
    ),
    (
        "garp_group",
        Kw(&[
            "garp_interval 0.01",
            "gna_interval 0.02",
            "interface ifb0",
            "interfaces {\n  eth0\n  ifb0\n }",
            "interfaces {\n  eth0 ifb0\n }",
        ]),
    ),
    (
        "linkbeat_interfaces (line)",
        Line(&[
            ("MII", "eth0 MII"),
            ("ETHTOOL", "eth0 ETHTOOL"),
            ("IOCTL", "eth0 IOCTL"),
        ]),
    ),
    ("static_ipaddress (line)", Line(ADDRESS_LINE)),
    (
        "static_ipaddress (line)",
        Line(&[("track_group", "192.0.2.11/24 dev eth0 track_group tg_lan")]),
    ),
    ("static_routes (line)", Line(ROUTE_LINE)),
    (
        "static_routes (line)",
        Line(&[("track_group", "10.2.0.0/16 dev eth0 track_group tg_lan")]),
    ),
    ("static_rules (line)", Line(RULE_LINE)),
    (
        "static_rules (line)",
        Line(&[(
            "track_group",
            "from all dev eth0 table 100 preference 101 track_group tg_lan",
        )]),
    ),
    (
        "track_file",
        Kw(&[
            "file /tmp/tf_other",
            "file \"/tmp/with space\"",
            "weight 5",
            "weight -5 reverse",
            "weight 254",
            "init_file",
            "init_file 10 overwrite",
            "init_file -5",
            "init_file overwrite",
        ]),
    ),
    (
        "vrrp_track_file",
        Kw(&["file /tmp/tf_other", "weight 5", "init_file 10"]),
    ),
    ("track_group", Kw(&["group {\n  VI_1\n }"])),
    (
        "vrrp_instance",
        Kw(&[
            "use_vmac",
            "use_vmac vrrp.51 02:00:5e:00:01:33",
            "use_vmac vrrp51",
            "use_vmac 02:11:22:33:44:55",
            "use_vmac_addr",
            "vmac_xmit_base\n use_vmac",
            "use_ipvlan ipvl51 10.0.0.20/24 bridge",
            "use_ipvlan ipvl51 10.0.0.20 private",
            "unicast_peer {\n  10.0.0.2\n  10.0.0.3\n }",
            "unicast_peer {\n  10.0.0.2 min_ttl 1 max_ttl 255\n }",
            "unicast_fault_no_peer",
            "check_unicast_src\n unicast_peer {\n  10.0.0.2\n }",
            "old_unicast_checksum\n unicast_peer {\n  10.0.0.2\n }",
            "old_unicast_checksum never\n unicast_peer {\n  10.0.0.2\n }",
            "native_ipv6\n virtual_ipaddress {\n  fe80::10/64\n }",
            "state MASTER\n priority 150",
            "state BACKUP\n priority 150",
            "state BACKUP\n priority 255",
            "interface ifb0\n unicast_peer {\n  10.0.0.2\n }",
            // keepalived takes a VRF only for unicast without `interface`.
            "vrf blue\n unicast_src_ip 10.0.0.5\n unicast_peer {\n  10.0.0.2\n }",
            "dont_track_primary",
            "track_interface {\n  ifb0 weight 10\n }",
            "track_interface {\n  ifb0\n  ifb1 weight -10\n }",
            "track_script {\n  chk_web\n }",
            "track_script {\n  chk_web weight 0\n }",
            "track_file {\n  tf_maint\n }",
            "track_process {\n  tp_sshd\n }",
            "track_bfd {\n  bfd_gw\n }",
            "mcast_src_ip 10.0.0.5",
            "unicast_src_ip 10.0.0.5\n unicast_peer {\n  10.0.0.2\n }",
            "mcast_dst_ip 224.0.0.19",
            "mcast_dst_ip 239.1.1.1",
            "mcast_dst_ip ff02::13\n virtual_ipaddress {\n  fe80::10/64\n }",
            "track_src_ip",
            "virtual_router_id 52",
            "unicast_ttl 10\n unicast_peer {\n  10.0.0.2\n }",
            "version 3",
            "priority 150",
            "priority 1",
            "advert_int 2",
            "advert_int 0.5\n version 3",
            "virtual_ipaddress {\n  10.0.0.10/24 dev eth0\n  10.0.0.11\n }",
            "virtual_ipaddress {\n  10.0.0.10/24\n }\n virtual_ipaddress {\n  10.0.0.11/24\n }",
            "virtual_ipaddress {\n  fe80::10/64\n  2001:db8::10/64 dev eth0\n }",
            "virtual_ipaddress_excluded {\n  10.0.1.10/24\n  2001:db8::10/64\n }",
            "promote_secondaries",
            "linkbeat_use_polling",
            "virtual_routes {\n  10.1.0.0/16 via 10.0.0.1 dev eth0\n }",
            "virtual_rules {\n  from 10.0.0.10 table 100 priority 100\n }",
            "accept",
            "no_accept",
            "skip_check_adv_addr",
            "strict_mode",
            "preempt",
            "nopreempt",
            "preempt_delay 10",
            "preempt_delay 0.5",
            "debug 2",
            "notify_backup \"/usr/local/bin/notify.sh backup\"",
            "notify_master /usr/local/bin/master.sh",
            "notify_fault \"/usr/local/bin/notify.sh fault\" root",
            "notify_stop \"/usr/local/bin/notify.sh stop\" root root",
            "notify_deleted",
            "notify_deleted \"/usr/local/bin/notify.sh deleted\"",
            "notify /usr/local/bin/notify.sh",
            "notify \"/usr/local/bin/notify.sh\" root root",
            "notify_master_rx_lower_pri \"/usr/local/bin/notify.sh lower\"",
            "smtp_alert",
            "smtp_alert off",
            "notify_priority_changes",
            "lvs_sync_daemon_interface eth0",
            "garp_master_delay 10",
            "garp_master_delay 0",
            "garp_master_refresh 60",
            "garp_master_repeat 3",
            "garp_master_refresh_repeat 2",
            "garp_lower_prio_delay 2",
            "garp_lower_prio_repeat 2",
            "down_timer_adverts 5",
            "garp_extra_if 30",
            "garp_extra_if all 30",
            "vmac_garp_intvl 30",
            "lower_prio_no_advert",
            "higher_prio_send_advert",
            "kernel_rx_buf_size 65536",
            "authentication {\n  auth_type PASS\n  auth_pass 12345678\n }",
            "authentication {\n  auth_type PASS\n  auth_pass secret\n }",
        ]),
    ),
    (
        "vrrp_instance/authentication",
        // `auth_type AH` is an error in ha: it does not implement IPsec AH.
        Kw(&[
            "auth_type PASS",
            "auth_pass secret12",
            "auth_pass longer_than_8",
        ]),
    ),
    (
        "vrrp_instance/unicast_peer (line)",
        Line(&[
            ("min_ttl", "10.0.0.2 min_ttl 10"),
            ("max_ttl", "10.0.0.2 max_ttl 200"),
            ("max_ttl", "10.0.0.2 min_ttl 10 max_ttl 200"),
        ]),
    ),
    ("vrrp_instance/virtual_ipaddress (line)", Line(ADDRESS_LINE)),
    (
        "vrrp_instance/virtual_ipaddress (line)",
        Line(&[("use_vmac", "10.0.0.11/24 dev eth0 use_vmac")]),
    ),
    (
        "vrrp_instance/virtual_ipaddress_excluded (line)",
        Line(ADDRESS_LINE),
    ),
    (
        "vrrp_instance/virtual_ipaddress_excluded (line)",
        Line(&[
            ("use_vmac", "10.0.0.11/24 dev eth0 use_vmac"),
            ("<IPADDR>[/<PREFIX>]", "2001:db8::11/64"),
        ]),
    ),
    ("vrrp_instance/virtual_routes (line)", Line(ROUTE_LINE)),
    (
        "vrrp_instance/virtual_routes/nexthop (line)",
        Line(NEXTHOP_LINE),
    ),
    ("vrrp_instance/virtual_rules (line)", Line(RULE_LINE)),
    (
        "vrrp_script",
        Kw(&[
            "script \"/usr/bin/pgrep -x nginx\"",
            "script \"/bin/sh -c 'exit 0'\"",
            "script \"</etc/keepalived/check\"",
            "interval 5",
            "timeout 3",
            "weight -20",
            "weight 10 reverse",
            "weight 253",
            "weight -253",
            "rise 2",
            "fall 3",
            "user nobody",
            "user nobody nogroup",
            "init_fail",
        ]),
    ),
    (
        "vrrp_sync_group",
        Kw(&[
            "group {\n  VI_1\n  VI_2\n  VI_3\n }",
            "group {\n  VI_1 VI_2 VI_3\n }",
            "track_interface {\n  ifb0\n }",
            "track_script {\n  chk_web\n }",
            "track_file {\n  tf_maint\n }",
            "track_process {\n  tp_sshd\n }",
            "track_bfd {\n  bfd_gw\n }",
            "notify_backup \"/usr/local/bin/notify.sh backup\"",
            "notify_master \"/usr/local/bin/notify.sh master\"",
            "notify_fault \"/usr/local/bin/notify.sh fault\"",
            "notify_stop \"/usr/local/bin/notify.sh stop\"",
            "notify /usr/local/bin/notify.sh",
            "smtp_alert",
            "smtp_alert on",
            "global_tracking",
            "sync_group_tracking_weight",
            "notify_priority_changes",
        ]),
    ),
    (
        "vrrp_track_process",
        Kw(&[
            "process haproxy",
            "process /usr/sbin/haproxy -f /etc/haproxy/haproxy.cfg",
            "process \"/usr/sbin/my daemon\"",
            "param_match",
            "param_match initial",
            "param_match partial",
            "weight 10",
            "weight -10 reverse",
            "quorum 2",
            "quorum_max 4",
            "quorum_max 0",
            "delay 1.5",
            "terminate_delay 2",
            "fork_delay 0.5",
            "full_command",
        ]),
    ),
    (
        "virtual_server_group (line)",
        Line(&[
            ("<IP> [<PORT>]", "10.1.1.2 80"),
            ("<IP> [<PORT>]", "10.1.1.2"),
            ("<IP> [<PORT>]", "2001:db8::1 80"),
            ("<IP>-<LAST_OCTET|LAST_HEX16> [<PORT>]", "10.1.1.1-10 80"),
            ("<IP>-<LAST_OCTET|LAST_HEX16> [<PORT>]", "2001:db8::1-ff 80"),
            ("<IP>-<IP> [<PORT>]", "10.1.1.1-10.1.1.10 80"),
            ("<IP>/<PREFIX> [<PORT>]", "10.1.2.0/29 80"),
            ("<IP>/<PREFIX> [<PORT>]", "2001:db8::/126 80"),
            ("<IP>-<IP> [<PORT>]", "2001:db8::1-2001:db8::4 80"),
            ("<IP>-<LAST_OCTET|LAST_HEX16> [<PORT>]", "10.1.1.1-10"),
            ("fwmark <N> [inet|inet6]", "fwmark 8 inet6"),
            ("fwmark <N> [inet|inet6]", "fwmark 7"),
            ("fwmark <N> [inet|inet6]", "fwmark 7 inet"),
        ]),
    ),
    (
        "virtual_server",
        Kw(&[
            "ip_family inet",
            "retry 3",
            "delay_before_retry 2",
            "warmup 5",
            "connect_timeout 3",
            "delay_loop 10",
            "delay_loop 0.5",
            "connect_timeout 0.5",
            "inhibit_on_failure",
            "lb_algo rr",
            "lvs_sched rr",
            "lvs_sched wrr",
            "lvs_sched lc",
            "lvs_sched lblc",
            "lvs_sched lblcr",
            "lvs_sched sh",
            "lvs_sched mh",
            "lvs_sched dh",
            "lvs_sched fo",
            "lvs_sched ovf",
            "lvs_sched sed",
            "lvs_sched nq",
            "lvs_sched twos",
            "ops\n protocol UDP",
            "flag-1",
            "flag-2",
            "flag-3",
            "lb_kind DR",
            "lb_kind TUN",
            "lvs_method DR",
            "persistence_engine sip",
            "persistence_timeout 600",
            "persistence_timeout",
            "persistence_granularity 255.255.255.0",
            "protocol UDP",
            "protocol SCTP",
            "protocol udp",
            "protocol sctp",
            "ha_suspend",
            "smtp_alert",
            "virtualhost www.example.com",
            "snmp_name web",
            "alpha",
            "omega",
            "quorum_up \"/usr/local/bin/quorum.sh up\"",
            "quorum_up /usr/local/bin/up.sh root",
            "quorum_down \"/usr/local/bin/quorum.sh down\"",
            "quorum 2\n weight 2",
            "hysteresis 1\n quorum 2\n weight 2",
            "weight 5",
            "sorry_server 10.0.0.9 80",
            "sorry_server 10.0.0.9",
            "real_server 10.0.0.3 80 {\n  weight 2\n }",
        ]),
    ),
    // Keywords that only act after another one.
    (
        "virtual_server",
        Line(&[
            ("hashed", "lvs_sched sh\n hashed"),
            ("sh-port", "lvs_sched sh\n sh-port"),
            ("sh-fallback", "lvs_sched sh\n sh-fallback"),
            ("mh-port", "lvs_sched mh\n mh-port"),
            ("mh-fallback", "lvs_sched mh\n mh-fallback"),
            (
                "sorry_server_inhibit",
                "sorry_server 10.0.0.9 80\n sorry_server_inhibit",
            ),
            (
                "sorry_server_lvs_method",
                "sorry_server 10.0.0.9 80\n sorry_server_lvs_method DR",
            ),
            (
                "sorry_server_lvs_method",
                "sorry_server 10.0.0.9 80\n sorry_server_lvs_method TUN type gue port 6080",
            ),
        ]),
    ),
    (
        "virtual_server/lvs_method (line)",
        Line(&[
            ("NAT", "lvs_method NAT"),
            ("DR", "lvs_method DR"),
            ("TUN", "lvs_method TUN"),
            ("type ipip", "lvs_method TUN type ipip"),
            ("type gue", "lvs_method TUN type gue port 6080"),
            ("type gre", "lvs_method TUN type gre"),
            ("port", "lvs_method TUN type gue port 6081 nocsum"),
            ("nocsum", "lvs_method TUN type gre nocsum"),
            ("csum", "lvs_method TUN type gre csum"),
            ("remcsum", "lvs_method TUN type gue port 6080 remcsum"),
        ]),
    ),
    (
        "virtual_server/real_server",
        Kw(&[
            "weight 3",
            "weight 0",
            "weight 2147483647",
            "lvs_method DR",
            "lvs_method TUN type ipip",
            "lvs_method TUN type gue port 6080 remcsum",
            "uthreshold 100",
            // Alone it would be above the upper threshold 0, which the kernel refuses.
            "lthreshold 10\nuthreshold 100",
            "inhibit_on_failure",
            "inhibit_on_failure off",
            "inhibit_on_failure on",
            "notify_up \"/usr/local/bin/rs.sh up\"",
            "notify_down \"/usr/local/bin/rs.sh down\"",
            "alpha",
            "alpha yes",
            "retry 2",
            "delay_before_retry 2",
            "warmup 1",
            "connect_timeout 2",
            "delay_loop 5",
            "smtp_alert off",
            "smtp_alert false",
            "virtualhost www.example.com",
            "snmp_name rs1",
            "delay_loop 0.001",
            "MISC_CHECK {\n  misc_path /bin/true\n }",
            "SMTP_CHECK {\n }",
            "TCP_CHECK {\n }",
            "PING_CHECK {\n }",
            "UDP_CHECK {\n }",
            "HTTP_GET {\n  url {\n   path /\n  }\n }",
            "SSL_GET {\n  url {\n   path /\n  }\n }",
            "DNS_CHECK {\n  name example.com\n }",
            "FILE_CHECK {\n  track_file tf_maint\n }",
            "BFD_CHECK {\n  name bfd_gw\n }",
        ]),
    ),
    (
        "virtual_server/real_server/MISC_CHECK",
        Kw(&[
            "misc_path \"/usr/local/bin/check.sh 10.0.0.2\"",
            "misc_path \"/bin/sh -c 'exit 0'\"",
            "misc_timeout 5",
            "misc_dynamic",
            "user nobody",
            "user nobody nogroup",
        ]),
    ),
    (
        "virtual_server/real_server/SMTP_CHECK",
        Kw(&[
            "helo_name lb1.example.com",
            "helo_name \"lb1 example\"",
            "host {\n  connect_ip 10.0.0.4\n }",
        ]),
    ),
    (
        "virtual_server/real_server/UDP_CHECK",
        Kw(&[
            "payload 0102 ab",
            "payload 68 65 6c 6c 6f",
            "payload 0",
            "require_reply",
            "require_reply 01xx",
            "require_reply 6F6B",
            "min_reply_length 4",
            "max_reply_length 100",
        ]),
    ),
    (
        "virtual_server/real_server/HTTP_GET",
        Kw(&[
            "nb_get_retry 3",
            "virtualhost www.example.com",
            "http_protocol 1.1",
            "http_protocol 1.0C",
            "http_protocol 1.0c",
            "enable_sni",
            "fast_recovery",
            "url {\n  path /health\n  status_code 200\n }",
        ]),
    ),
    (
        "virtual_server/real_server/SSL_GET",
        Kw(&[
            "nb_get_retry 3",
            "virtualhost www.example.com",
            "http_protocol 1.1",
            "enable_sni",
            "fast_recovery off",
            "url {\n  path /health\n  digest 9b3a0c85a887a256d6939da88aabd8cd\n }",
        ]),
    ),
    (
        "virtual_server/real_server/DNS_CHECK",
        Kw(&[
            "type A",
            "type AAAA",
            "type NS",
            "type CNAME",
            "type MX",
            "type TXT",
            "type RRSIG",
            "type DNSKEY",
            "name www.example.com",
            "name www.example.com.",
        ]),
    ),
    (
        "virtual_server/real_server/FILE_CHECK",
        Kw(&[
            "track_file tf_other",
            "weight 10",
            "weight -10 reverse",
            "weight 2147483647",
        ]),
    ),
    (
        "virtual_server/real_server/BFD_CHECK",
        Kw(&["name bfd_other", "alpha"]),
    ),
];

const URL: &[&str] = &[
    "path /index.html",
    "digest 9b3a0c85a887a256d6939da88aabd8cd",
    "status_code 200-299 301",
    "status_code 404",
    "status_code 200 201-204",
    "digest 9B3A0C85A887A256D6939DA88AABD8CD",
    "path /health?full=1&x=2",
    "virtualhost www.example.com",
    "regex \"ok|up\"",
    // The regex settings are ignored without a `regex`.
    "regex_no_match\n   regex ok",
    "regex_options caseless multiline\n   regex ok",
    "regex_min_offset 10\n   regex ok",
    "regex_max_offset 100\n   regex ok",
    "regex_stack 32768 65536\n   regex ok",
];

/// One sample: the catalogue row it exercises and its text.
#[derive(Debug, Clone)]
struct Sample {
    path: String,
    kw: String,
    text: String,
}

fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or_default()
}

/// Every sample, flattened: the tables above, the checkers' shared keywords, the track lines
/// and global_defs.
fn samples() -> Vec<Sample> {
    let mut out = Vec::new();
    let mut kw_rows = |path: &str, lines: &mut dyn Iterator<Item = &str>| {
        for text in lines {
            out.push(Sample {
                path: path.to_string(),
                kw: first_word(text).to_string(),
                text: text.to_string(),
            });
        }
    };
    for (path, rows) in SAMPLES {
        if let Kw(lines) = rows {
            kw_rows(path, &mut lines.iter().copied());
        }
    }
    kw_rows(
        "global_defs",
        &mut super::global::tests::SAMPLES.iter().map(|(l, _)| *l),
    );
    let rs = "virtual_server/real_server";
    for check in [
        "TCP_CHECK",
        "PING_CHECK",
        "UDP_CHECK",
        "HTTP_GET",
        "SSL_GET",
        "DNS_CHECK",
    ] {
        kw_rows(&format!("{rs}/{check}"), &mut COMMON.iter().copied());
    }
    kw_rows(&format!("{rs}/SMTP_CHECK"), &mut COMMON.iter().copied());
    kw_rows(
        &format!("{rs}/SMTP_CHECK/host"),
        &mut COMMON.iter().copied(),
    );
    kw_rows(&format!("{rs}/MISC_CHECK"), &mut TIMING.iter().copied());
    for check in ["HTTP_GET", "SSL_GET"] {
        kw_rows(&format!("{rs}/{check}/url"), &mut URL.iter().copied());
    }
    for (path, rows) in SAMPLES {
        if let Line(lines) = rows {
            for (kw, text) in *lines {
                out.push(Sample {
                    path: path.to_string(),
                    kw: kw.to_string(),
                    text: text.to_string(),
                });
            }
        }
    }
    for owner in ["vrrp_instance", "vrrp_sync_group"] {
        for kind in [
            "track_interface",
            "track_script",
            "track_file",
            "track_process",
            "track_bfd",
        ] {
            for (kw, text) in track_line(kind) {
                out.push(Sample {
                    path: format!("{owner}/{kind} (line)"),
                    kw: kw.to_string(),
                    text,
                });
            }
        }
    }
    out
}

/// `line` unless the sample already gives one of `keywords` (its lines' first words).
fn unless(sample: &str, keywords: &[&str], line: &str) -> String {
    let given = sample
        .lines()
        .any(|l| keywords.contains(&first_word(l.trim_start_matches('{'))));
    if given {
        String::new()
    } else {
        format!(" {line}\n")
    }
}

/// `line` unless the sample gives its keyword.
fn need(sample: &str, line: &str) -> String {
    unless(sample, &[first_word(line)], line)
}

/// An instance with what it needs (VRRPv3 and strict mode need a VIP) and `body`.
fn instance(name: &str, vrid: u8, body: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n{}{}{}{body}\n}}\n",
        unless(body, &["interface", "vrf"], "interface eth0"),
        need(body, &format!("virtual_router_id {vrid}")),
        need(
            body,
            &format!("virtual_ipaddress {{\n  10.0.0.{vrid}/24\n }}")
        ),
    )
}

/// The objects a sample names, defined before it (keepalived resolves most names when it
/// reads them).
fn prelude(sample: &str) -> String {
    let words: BTreeSet<&str> = sample
        .split(|c: char| c.is_whitespace() || c == '{' || c == '}')
        .collect();
    let mut out = String::new();
    for (name, def) in [
        ("chk_web", "vrrp_script chk_web {\n script /bin/true\n}\n"),
        (
            "tf_maint",
            "track_file tf_maint {\n file /tmp/tf_maint\n}\n",
        ),
        (
            "tf_other",
            "track_file tf_other {\n file /tmp/tf_other\n}\n",
        ),
        (
            "tp_sshd",
            "vrrp_track_process tp_sshd {\n process sshd\n}\n",
        ),
        (
            "bfd_gw",
            "bfd_instance bfd_gw {\n neighbor_ip 10.0.0.254\n}\n",
        ),
        (
            "bfd_other",
            "bfd_instance bfd_other {\n neighbor_ip 10.0.0.252\n}\n",
        ),
        (
            "tg_lan",
            "vrrp_instance VI_TG {\n interface eth0\n virtual_router_id 200\n \
             virtual_ipaddress {\n  10.0.0.200/24\n }\n}\n\
             track_group tg_lan {\n group {\n  VI_TG\n }\n}\n",
        ),
    ] {
        if words.contains(name) {
            out.push_str(def);
        }
    }
    out
}

/// The plain line a value block holds when its sample is not there (value blocks may not be
/// empty); empty for keyword blocks.
fn plain(path: &str) -> &'static str {
    match path {
        "global_defs/notification_email (line)" => "ops@example.com",
        "global_defs/lvs_sync_daemon (options)" => "lvs_sync_daemon eth0",
        "linkbeat_interfaces (line)" => "eth0",
        "static_ipaddress (line)" => "192.0.2.10/24 dev eth0",
        "static_routes (line)" => "198.51.100.0/24 dev eth0",
        "static_rules (line)" | "vrrp_instance/virtual_rules (line)" => {
            "from 10.0.0.10 table 100 preference 100"
        }
        "vrrp_instance/unicast_peer (line)" => "10.0.0.2",
        "vrrp_instance/virtual_ipaddress (line)" => "10.0.0.10/24",
        "vrrp_instance/virtual_ipaddress_excluded (line)" => "10.0.1.10/24",
        "vrrp_instance/virtual_routes (line)" | "vrrp_instance/virtual_routes/nexthop (line)" => {
            "10.1.0.0/16 dev eth0"
        }
        "virtual_server_group (line)" => "10.1.1.1 80",
        p if p.ends_with("/track_interface (line)") => "ifb1",
        p if p.ends_with("/track_script (line)") => "chk_web",
        p if p.ends_with("/track_file (line)") => "tf_maint",
        p if p.ends_with("/track_process (line)") => "tp_sshd",
        p if p.ends_with("/track_bfd (line)") => "bfd_gw",
        _ => "",
    }
}

const VS: &str = "virtual_server 10.0.0.1 80";

/// A virtual server with one real server holding `rs`.
fn real_server(rs: &str) -> String {
    format!("{VS} {{\n protocol TCP\n real_server 10.0.0.2 80 {{\n{rs}\n }}\n}}\n")
}

/// The configuration with `s` in the block `path` names, without the objects it refers to.
fn config(path: &str, s: &str) -> String {
    let body = match path {
        "/" => format!("{s}\n"),
        "global_defs" | "global_defs/lvs_timeouts (options)" => {
            format!("global_defs {{\n{s}\n}}\n")
        }
        "global_defs/lvs_sync_daemon (options)" => {
            format!("{}global_defs {{\n {s}\n}}\n", instance("VI_1", 51, ""))
        }
        "global_defs/notification_email (line)" => {
            format!("global_defs {{\n notification_email {{\n  {s}\n }}\n}}\n")
        }
        "SSL" => format!("SSL {{\n {s}\n}}\n"),
        "bfd_instance" => format!(
            "bfd_instance bfd_1 {{\n{} {s}\n}}\n",
            unless(
                s,
                &["neighbor_ip", "neighbour_ip"],
                "neighbor_ip 10.0.0.254"
            )
        ),
        "garp_group" => format!(
            "garp_group {{\n{}{} {s}\n}}\n",
            unless(s, &["interface", "interfaces"], "interface eth0"),
            need(s, "garp_interval 0.1"),
        ),
        "linkbeat_interfaces (line)"
        | "static_ipaddress (line)"
        | "static_routes (line)"
        | "static_rules (line)" => {
            let block = path.trim_end_matches(" (line)");
            format!("{block} {{\n {s}\n}}\n")
        }
        "track_file" | "vrrp_track_file" => {
            format!("{path} tf_1 {{\n{} {s}\n}}\n", need(s, "file /tmp/tf_1"))
        }
        "track_group" => format!(
            "{}track_group tg_1 {{\n {s}\n}}\n",
            instance("VI_1", 51, "")
        ),
        "vrrp_instance" => instance("VI_1", 51, s),
        "vrrp_instance/authentication" => instance(
            "VI_1",
            51,
            &format!(
                " authentication {{\n{}{} {s}\n }}",
                need(s, "auth_type PASS"),
                need(s, "auth_pass secret1")
            ),
        ),
        "vrrp_script" => format!(
            "vrrp_script chk_1 {{\n{} {s}\n}}\n",
            need(s, "script /bin/true")
        ),
        "vrrp_track_process" => format!(
            "vrrp_track_process tp_1 {{\n{} {s}\n}}\n",
            need(s, "process sshd")
        ),
        "vrrp_sync_group" => format!(
            "{}{}{}vrrp_sync_group SG_1 {{\n{} {s}\n}}\n",
            instance("VI_1", 51, ""),
            instance("VI_2", 52, ""),
            instance("VI_3", 53, ""),
            need(s, "group {\n  VI_1\n  VI_2\n }")
        ),
        "virtual_server" | "virtual_server/lvs_method (line)" => format!(
            "{VS} {{\n{} {s}\n real_server 10.0.0.2 80 {{\n }}\n}}\n",
            need(s, "protocol TCP")
        ),
        "virtual_server/real_server" => real_server(s),
        // fwmark services take no protocol.
        "virtual_server_group (line)" => format!(
            "virtual_server_group vsg_1 {{\n {s}\n}}\n\
             virtual_server group vsg_1 {{\n{} real_server 10.0.0.2 80 {{\n }}\n}}\n",
            unless(s, &["fwmark"], "protocol TCP")
        ),
        p if p.starts_with("vrrp_instance/") => {
            // A value block of the instance: `vrrp_instance/virtual_routes (line)`.
            let block = p
                .trim_start_matches("vrrp_instance/")
                .trim_end_matches(" (line)")
                .trim_end_matches("/nexthop");
            instance("VI_1", 51, &format!(" {block} {{\n  {s}\n }}"))
        }
        p if p.starts_with("vrrp_sync_group/") => {
            let block = p
                .trim_start_matches("vrrp_sync_group/")
                .trim_end_matches(" (line)");
            format!(
                "{}{}vrrp_sync_group SG_1 {{\n group {{\n  VI_1\n  VI_2\n }}\n \
                 sync_group_tracking_weight\n {block} {{\n  {s}\n }}\n}}\n",
                instance("VI_1", 51, ""),
                instance("VI_2", 52, ""),
            )
        }
        p if p.starts_with("virtual_server/real_server/") => {
            let mut parts = p
                .trim_start_matches("virtual_server/real_server/")
                .split('/');
            let check = parts.next().unwrap_or_default();
            let inner = match (check, parts.next()) {
                (_, Some("url")) => format!("  url {{\n{}   {s}\n  }}", need(s, "path /")),
                (_, Some("host")) => format!("  host {{\n   {s}\n  }}"),
                ("MISC_CHECK", _) => format!("{}  {s}", need(s, "misc_path /bin/true")),
                ("HTTP_GET" | "SSL_GET", _) => {
                    format!("{}  {s}", unless(s, &["url"], "url {\n   path /\n  }"))
                }
                ("FILE_CHECK", _) => format!("{}  {s}", need(s, "track_file tf_maint")),
                ("BFD_CHECK", _) => format!("{}  {s}", need(s, "name bfd_gw")),
                _ => format!("  {s}"),
            };
            real_server(&format!("  {check} {{\n{inner}\n  }}"))
        }
        other => panic!("no context for block path `{other}`: add one to config()"),
    };
    body
}

/// The status warning of a keyword, as `Cx::walk` and the line readers word it (the line
/// readers add where: "`encap` in virtual_routes line is ...").
fn is_status_warning(msg: &str, kw: &str, status: Status) -> bool {
    let tail = match status {
        Status::Supported => return false,
        Status::NotActedOn(why) => format!("is accepted but ha does not act on it: {why}"),
        Status::Deprecated(new) => format!("is deprecated, use `{new}`"),
    };
    msg.starts_with(&format!("warning: `{kw}` ")) && msg.ends_with(&tail)
}

/// Findings a sample legitimately adds besides its status warning: (path, sample, what
/// the finding says).
const EXTRA: &[(&str, &str, &str)] = &[
    (
        "vrrp_instance",
        "unicast_fault_no_peer",
        "has no unicast peers: it stays in FAULT",
    ),
    (
        "virtual_server/real_server",
        "weight 0",
        "exceeds the real servers' total weight 0",
    ),
    (
        "virtual_server_group (line)",
        "10.1.1.2",
        "a service without a port needs persistence",
    ),
    (
        "virtual_server_group (line)",
        "10.1.1.1-10",
        "a service without a port needs persistence",
    ),
    (
        "vrrp_instance/authentication",
        "auth_pass longer_than_8",
        "only the first 8 are used",
    ),
];

/// Where representative samples land, block by block: (path, sample, JSON pointer into
/// the serialized model, the value there as JSON). Every sample also has to change the
/// model somewhere (see [`check`]); these say where and to what.
const LANDED: &[(&str, &str, &str, &str)] = &[
    (
        "/",
        "net_namespace blue",
        "/global/net_namespace",
        r#""blue""#,
    ),
    ("/", "child_wait_time 2", "/global/child_wait_time", "2.0"),
    (
        "/",
        "interface_up_down_delays {\n eth0 1 2\n}",
        "/vrrp/interface_up_down_delays/0",
        r#"{"interface":"eth0","down":1.0,"up":2.0}"#,
    ),
    (
        "/",
        "virtual_server fwmark 7 {\n real_server 10.0.0.2 80 {\n }\n}",
        "/lvs/virtual_servers/0/service",
        r#"{"kind":"fwmark","mark":7}"#,
    ),
    (
        "global_defs",
        "router_id LB1",
        "/global/router_id",
        r#""LB1""#,
    ),
    (
        "global_defs",
        "smtp_server 192.0.2.25 2525",
        "/global/smtp_server",
        r#"{"host":"192.0.2.25","port":2525}"#,
    ),
    (
        "global_defs",
        "vrrp_garp_interval 0.001",
        "/global/vrrp_garp_interval",
        "0.001",
    ),
    (
        "global_defs/notification_email (line)",
        "a@example.com b@example.com",
        "/global/notification_email",
        r#"["a@example.com","b@example.com"]"#,
    ),
    (
        "global_defs/lvs_timeouts (options)",
        "lvs_timeouts tcpfin 120",
        "/global/lvs_timeouts/tcpfin",
        "120.0",
    ),
    (
        "global_defs/lvs_sync_daemon (options)",
        "lvs_sync_daemon eth0 inst VI_1",
        "/global/lvs_sync_daemon/vrrp_instance",
        r#""VI_1""#,
    ),
    (
        "vrrp_instance",
        "priority 150",
        "/vrrp/instances/0/priority",
        "150",
    ),
    (
        "vrrp_instance",
        "state MASTER\n priority 150",
        "/vrrp/instances/0/state",
        r#""MASTER""#,
    ),
    (
        "vrrp_instance",
        "advert_int 0.5\n version 3",
        "/vrrp/instances/0/advert_int",
        "0.5",
    ),
    (
        "vrrp_instance",
        "preempt_delay 0.5",
        "/vrrp/instances/0/preempt_delay",
        "0.5",
    ),
    (
        "vrrp_instance",
        "garp_master_refresh 60",
        "/vrrp/instances/0/garp_master_refresh",
        "60.0",
    ),
    (
        "vrrp_instance",
        "mcast_dst_ip 239.1.1.1",
        "/vrrp/instances/0/mcast_dst_ip",
        r#""239.1.1.1""#,
    ),
    (
        "vrrp_instance",
        "native_ipv6\n virtual_ipaddress {\n  fe80::10/64\n }",
        "/vrrp/instances/0/version",
        "3",
    ),
    (
        "vrrp_instance",
        "notify_fault \"/usr/local/bin/notify.sh fault\" root",
        "/vrrp/instances/0/notify_fault",
        r#"{"command":"/usr/local/bin/notify.sh fault","argv":["/usr/local/bin/notify.sh","fault"],"user":"root","group":null}"#,
    ),
    (
        "vrrp_instance",
        "authentication {\n  auth_type PASS\n  auth_pass secret\n }",
        "/vrrp/instances/0/authentication",
        r#"{"auth_type":"PASS","auth_pass":"secret"}"#,
    ),
    (
        "vrrp_instance",
        "track_interface {\n  ifb0\n  ifb1 weight -10\n }",
        "/vrrp/instances/0/track_interface/1",
        r#"{"name":"ifb1","weight":-10,"reverse":false}"#,
    ),
    (
        "vrrp_instance",
        "garp_extra_if all 30",
        "/vrrp/instances/0/garp_extra_if",
        r#"{"all_interfaces":true,"interval":30.0}"#,
    ),
    (
        "vrrp_instance/authentication",
        "auth_pass secret12",
        "/vrrp/instances/0/authentication/auth_pass",
        r#""secret12""#,
    ),
    (
        "vrrp_instance/unicast_peer (line)",
        "10.0.0.2 min_ttl 10 max_ttl 200",
        "/vrrp/instances/0/unicast_peer/0",
        r#"{"address":"10.0.0.2","min_ttl":10,"max_ttl":200}"#,
    ),
    (
        "vrrp_instance/virtual_ipaddress (line)",
        "10.0.0.11/24 brd +",
        "/vrrp/instances/0/virtual_ipaddress/0/broadcast",
        r#""10.0.0.255""#,
    ),
    (
        "vrrp_instance/virtual_ipaddress (line)",
        "10.0.0.11/24 dev eth0 label eth0:1",
        "/vrrp/instances/0/virtual_ipaddress/0/label",
        r#""eth0:1""#,
    ),
    (
        "vrrp_instance/virtual_ipaddress (line)",
        "10.0.0.11 peer 10.0.0.21",
        "/vrrp/instances/0/virtual_ipaddress/0/peer",
        r#""10.0.0.21/32""#,
    ),
    (
        "vrrp_instance/virtual_ipaddress (line)",
        "10.0.0.11/24 scope link",
        "/vrrp/instances/0/virtual_ipaddress/0/scope",
        "253",
    ),
    (
        "vrrp_instance/virtual_ipaddress_excluded (line)",
        "10.0.0.11/24 preferred_lft forever",
        "/vrrp/instances/0/virtual_ipaddress_excluded/0/preferred_lft",
        r#""forever""#,
    ),
    (
        "vrrp_instance/virtual_routes (line)",
        "10.2.0.0/16 dev eth0 table local",
        "/vrrp/instances/0/virtual_routes/0/table",
        "255",
    ),
    (
        "vrrp_instance/virtual_routes (line)",
        "6 10.3.0.0/16 dev eth0",
        "/vrrp/instances/0/virtual_routes/0/type",
        "6",
    ),
    (
        "vrrp_instance/virtual_routes (line)",
        "10.2.0.0/16 dev eth0 mtu lock 1400",
        "/vrrp/instances/0/virtual_routes/0/metrics/mtu",
        r#"{"value":1400,"lock":true}"#,
    ),
    (
        "vrrp_instance/virtual_routes (line)",
        "10.2.0.0/16 dev eth0 rtt 4000",
        "/vrrp/instances/0/virtual_routes/0/metrics/rtt/value",
        "0.5",
    ),
    (
        "vrrp_instance/virtual_routes (line)",
        "2001:db8:2::/64 dev eth0 pref high",
        "/vrrp/instances/0/virtual_routes/0/pref",
        "1",
    ),
    (
        "vrrp_instance/virtual_routes (line)",
        "default dev eth0 inet6",
        "/vrrp/instances/0/virtual_routes/0/family",
        r#""ipv6""#,
    ),
    (
        "vrrp_instance/virtual_routes/nexthop (line)",
        "10.2.0.0/16 no_track nexthop via 10.0.0.1 weight 2 nexthop via 10.0.0.2 weight 3",
        "/vrrp/instances/0/virtual_routes/0/nexthops/1/weight",
        "3",
    ),
    (
        "vrrp_instance/virtual_rules (line)",
        "fwmark 0x10/0xff table 100 preference 101",
        "/vrrp/instances/0/virtual_rules/0/fwmark",
        r#"{"mark":16,"mask":255}"#,
    ),
    (
        "vrrp_instance/virtual_rules (line)",
        "from 10.0.0.11 table 100 preference 0x96",
        "/vrrp/instances/0/virtual_rules/0/preference",
        "150",
    ),
    (
        "vrrp_instance/virtual_rules (line)",
        "from 10.0.0.11 goto 300 preference 101",
        "/vrrp/instances/0/virtual_rules/0/action",
        r#"{"goto":300}"#,
    ),
    (
        "vrrp_instance/track_script (line)",
        "chk_web weight 10 reverse",
        "/vrrp/instances/0/track_script/0",
        r#"{"name":"chk_web","weight":10,"reverse":true}"#,
    ),
    (
        "vrrp_sync_group",
        "group {\n  VI_1 VI_2 VI_3\n }",
        "/vrrp/sync_groups/0/group",
        r#"["VI_1","VI_2","VI_3"]"#,
    ),
    (
        "vrrp_sync_group",
        "global_tracking",
        "/vrrp/sync_groups/0/sync_group_tracking_weight",
        "true",
    ),
    (
        "vrrp_sync_group/track_file (line)",
        "tf_maint weight -20",
        "/vrrp/sync_groups/0/track_file/0/weight",
        "-20",
    ),
    (
        "vrrp_script",
        "script \"/bin/sh -c 'exit 0'\"",
        "/vrrp/scripts/0/script/argv",
        r#"["/bin/sh","-c","exit 0"]"#,
    ),
    (
        "vrrp_script",
        "weight 10 reverse",
        "/vrrp/scripts/0/reverse",
        "true",
    ),
    (
        "vrrp_script",
        "user nobody nogroup",
        "/vrrp/scripts/0/group",
        r#""nogroup""#,
    ),
    (
        "vrrp_track_process",
        "process /usr/sbin/haproxy -f /etc/haproxy/haproxy.cfg",
        "/vrrp/track_processes/0/params",
        r#"["-f","/etc/haproxy/haproxy.cfg"]"#,
    ),
    (
        "vrrp_track_process",
        "param_match partial",
        "/vrrp/track_processes/0/param_match",
        r#""partial""#,
    ),
    (
        "vrrp_track_process",
        "delay 1.5",
        "/vrrp/track_processes/0/fork_delay",
        "1.5",
    ),
    (
        "track_file",
        "init_file 10 overwrite",
        "/vrrp/track_files/0/init_file",
        r#"{"value":10,"overwrite":true}"#,
    ),
    (
        "vrrp_track_file",
        "weight 5",
        "/vrrp/track_files/0/weight",
        "5",
    ),
    (
        "track_group",
        "group {\n  VI_1\n }",
        "/vrrp/track_groups/0/instances",
        r#"["VI_1"]"#,
    ),
    (
        "garp_group",
        "interfaces {\n  eth0 ifb0\n }",
        "/vrrp/garp_groups/0/interfaces",
        r#"["eth0","ifb0"]"#,
    ),
    (
        "garp_group",
        "gna_interval 0.02",
        "/vrrp/garp_groups/0/gna_interval",
        "0.02",
    ),
    (
        "static_ipaddress (line)",
        "192.0.2.11/24 dev eth0 track_group tg_lan",
        "/vrrp/static_ipaddress/0/track_group",
        r#""tg_lan""#,
    ),
    (
        "static_routes (line)",
        "10.2.0.0/16 via 10.0.0.1 dev eth0",
        "/vrrp/static_routes/0/via",
        r#""10.0.0.1""#,
    ),
    (
        "static_rules (line)",
        "from all uidrange 1000-2000 table 100 preference 101",
        "/vrrp/static_rules/0/uidrange",
        "[1000,2000]",
    ),
    (
        "linkbeat_interfaces (line)",
        "eth0 ETHTOOL",
        "/vrrp/linkbeat_interfaces/0/kind",
        r#""ETHTOOL""#,
    ),
    (
        "bfd_instance",
        "min_tx 20.5",
        "/vrrp/bfd_instances/0/min_tx",
        "0.0205",
    ),
    (
        "bfd_instance",
        "neighbour_ip 10.0.0.253",
        "/vrrp/bfd_instances/0/neighbor_ip",
        r#""10.0.0.253""#,
    ),
    (
        "SSL",
        "certificate /etc/ssl/cert.pem",
        "/lvs/ssl/certificate",
        r#""/etc/ssl/cert.pem""#,
    ),
    (
        "virtual_server",
        "lvs_sched sh",
        "/lvs/virtual_servers/0/lvs_sched",
        r#""sh""#,
    ),
    (
        "virtual_server",
        "lb_kind DR",
        "/lvs/virtual_servers/0/lvs_method/method",
        r#""DR""#,
    ),
    (
        "virtual_server",
        "protocol udp",
        "/lvs/virtual_servers/0/protocol",
        r#""UDP""#,
    ),
    (
        "virtual_server",
        "persistence_granularity 255.255.255.0",
        "/lvs/virtual_servers/0/persistence",
        r#"{"timeout":360,"granularity":{"netmask":"255.255.255.0"}}"#,
    ),
    (
        "virtual_server",
        "lvs_sched mh\n mh-port",
        "/lvs/virtual_servers/0/flags/mh_port",
        "true",
    ),
    (
        "virtual_server",
        "sorry_server 10.0.0.9 80\n sorry_server_inhibit",
        "/lvs/virtual_servers/0/sorry_server/inhibit",
        "true",
    ),
    (
        "virtual_server",
        "delay_loop 0.5",
        "/lvs/virtual_servers/0/real_servers/0/delay_loop",
        "0.5",
    ),
    (
        "virtual_server/lvs_method (line)",
        "lvs_method TUN type gue port 6080 remcsum",
        "/lvs/virtual_servers/0/lvs_method/tunnel",
        r#"{"kind":"gue","port":6080,"csum":"remcsum"}"#,
    ),
    (
        "virtual_server/lvs_method (line)",
        "lvs_method TUN type gre csum",
        "/lvs/virtual_servers/0/lvs_method/tunnel/csum",
        r#""csum""#,
    ),
    (
        "virtual_server_group (line)",
        "10.1.1.1-10 80",
        "/lvs/virtual_server_groups/0/entries/0",
        r#"{"kind":"range","first":"10.1.1.1","last":"10.1.1.10","port":80}"#,
    ),
    (
        "virtual_server/real_server",
        "weight 3",
        "/lvs/virtual_servers/0/real_servers/0/weight",
        "3",
    ),
    (
        "virtual_server/real_server",
        "uthreshold 100",
        "/lvs/virtual_servers/0/real_servers/0/uthreshold",
        "100",
    ),
    (
        "virtual_server/real_server",
        "smtp_alert false",
        "/lvs/virtual_servers/0/real_servers/0/smtp_alert",
        "false",
    ),
    (
        "virtual_server/real_server/TCP_CHECK",
        "connect_port 8080",
        "/lvs/virtual_servers/0/real_servers/0/checkers/0/connect_port",
        "8080",
    ),
    (
        "virtual_server/real_server/PING_CHECK",
        "fwmark 5",
        "/lvs/virtual_servers/0/real_servers/0/checkers/0/fwmark",
        "5",
    ),
    (
        "virtual_server/real_server/SMTP_CHECK/host",
        "bindto 10.0.0.1",
        "/lvs/virtual_servers/0/real_servers/0/checkers/0/bindto",
        r#""10.0.0.1""#,
    ),
    (
        "virtual_server/real_server/MISC_CHECK",
        "misc_timeout 5",
        "/lvs/virtual_servers/0/real_servers/0/checkers/0/timeout",
        "5.0",
    ),
    (
        "virtual_server/real_server/UDP_CHECK",
        "require_reply 01xx",
        "/lvs/virtual_servers/0/real_servers/0/checkers/0/reply",
        r#"{"data":"0100","mask":"00ff"}"#,
    ),
    (
        "virtual_server/real_server/HTTP_GET",
        "http_protocol 1.0c",
        "/lvs/virtual_servers/0/real_servers/0/checkers/0/http_protocol",
        r#""1.0C""#,
    ),
    (
        "virtual_server/real_server/HTTP_GET/url",
        "status_code 200 201-204",
        "/lvs/virtual_servers/0/real_servers/0/checkers/0/urls/0/status_code",
        r#""200,201-204""#,
    ),
    (
        "virtual_server/real_server/SSL_GET/url",
        "digest 9B3A0C85A887A256D6939DA88AABD8CD",
        "/lvs/virtual_servers/0/real_servers/0/checkers/0/urls/0/digest",
        r#""9b3a0c85a887a256d6939da88aabd8cd""#,
    ),
    (
        "virtual_server/real_server/DNS_CHECK",
        "type MX",
        "/lvs/virtual_servers/0/real_servers/0/checkers/0/query_type",
        r#""MX""#,
    ),
    (
        "virtual_server/real_server/FILE_CHECK",
        "weight -10 reverse",
        "/lvs/virtual_servers/0/real_servers/0/checkers/0/weight",
        "-10",
    ),
    (
        "virtual_server/real_server/BFD_CHECK",
        "name bfd_other",
        "/lvs/virtual_servers/0/real_servers/0/checkers/0/name",
        r#""bfd_other""#,
    ),
];

/// Samples that leave the model as it was: (path, sample, why).
const UNCHANGED: &[(&str, &str, &str)] = &[
    ("vrrp_instance", "accept", "the default without strict_mode"),
    (
        "vrrp_instance",
        "preempt",
        "the default; it undoes `nopreempt`",
    ),
    ("vrrp_instance", "smtp_alert off", "the default"),
    (
        "virtual_server",
        "ip_family inet",
        "the family of the address",
    ),
    (
        "virtual_server/lvs_method (line)",
        "lvs_method NAT",
        "the default",
    ),
    (
        "virtual_server/real_server",
        "inhibit_on_failure off",
        "the default",
    ),
    (
        "virtual_server/real_server/SSL_GET",
        "fast_recovery off",
        "the default",
    ),
    ("global_defs", "bfd_priority 0", "the default"),
    (
        "global_defs",
        "reload_file",
        "the default file, shown like no file",
    ),
    (
        "vrrp_instance/authentication",
        "auth_type PASS",
        "the context's own type (AH is an error in ha)",
    ),
];

fn one_line(p: &crate::conf::Parsed) -> Vec<String> {
    p.diags.iter().map(Diagnostic::one_line).collect()
}

/// What is wrong with one sample, if anything.
fn check(s: &Sample, catalogue: &[Row], global_extra: usize) -> Option<String> {
    let status = catalogue
        .iter()
        .find(|(path, kw, _)| *path == s.path && *kw == s.kw)
        .map_or(Status::Supported, |(_, _, st)| *st);
    // Both get the definitions of what the sample names (and what the context's own lines
    // name: FILE_CHECK's track_file, BFD_CHECK's name), so only the sample differs.
    let (body, base_body) = (config(&s.path, &s.text), config(&s.path, plain(&s.path)));
    let pre = prelude(&format!("{body}{base_body}"));
    let (with, without) = (format!("{pre}{body}"), format!("{pre}{base_body}"));
    let (p, base) = (parse_str("k.conf", &with), parse_str("k.conf", &without));
    let (got, had) = (one_line(&p), one_line(&base));
    let fail = |why: String| {
        Some(format!(
            "{} {:?}: {why}\n--- config:\n{with}",
            s.path, s.text
        ))
    };
    if base.diags.has_errors() {
        return fail(format!("the context alone has errors: {had:?}"));
    }
    if p.diags.has_errors() {
        return fail(format!("errors: {got:?}"));
    }
    // What the sample added (a multiset difference; spans are not compared).
    let mut new = got.clone();
    for h in &had {
        if let Some(i) = new.iter().position(|g| g == h) {
            new.remove(i);
        }
    }
    let mut expected_status = status != Status::Supported;
    if let Some(i) = new.iter().position(|m| is_status_warning(m, &s.kw, status)) {
        new.remove(i);
        expected_status = false;
    }
    // The enclosing keyword's warning covers its options and lines (BFD_CHECK, track_bfd).
    if let Status::NotActedOn(why) = status {
        if had
            .iter()
            .any(|m| m.ends_with(&format!("does not act on it: {why}")))
        {
            expected_status = false;
        }
    }
    if expected_status {
        return fail(format!("no status warning for {status:?} in {got:?}"));
    }
    // Other lines of a sample may be keywords of the block with their own warnings
    // (`regex_no_match` needs a `regex`).
    for line in s.text.lines().skip(1) {
        let kw = first_word(line);
        if let Some(&(_, _, st)) = catalogue.iter().find(|(p, k, _)| *p == s.path && *k == kw) {
            if let Some(i) = new.iter().position(|m| is_status_warning(m, kw, st)) {
                new.remove(i);
            }
        }
    }
    for (path, text, what) in EXTRA {
        if *path == s.path && *text == s.text {
            match new.iter().position(|m| m.contains(what)) {
                Some(i) => {
                    new.remove(i);
                }
                None => return fail(format!("no finding with `{what}` in {got:?}")),
            }
        }
    }
    // global_defs samples count their extra notes (global::tests::SAMPLES).
    if new.len() == global_extra && new.iter().all(|m| !m.starts_with("error")) {
        new.clear();
    }
    if !new.is_empty() {
        return fail(format!("unexpected findings {new:?}"));
    }
    let unchanged = UNCHANGED
        .iter()
        .any(|(path, text, _)| *path == s.path && *text == s.text);
    let json = |c: &super::Config| serde_json::to_value(c).expect("the model serializes");
    let changed = json(&p.config) != json(&base.config);
    match (changed, unchanged) {
        (false, false) => fail("the model did not change".into()),
        (true, true) => fail("listed in UNCHANGED but the model changed".into()),
        _ => None,
    }
}

/// A catalogue row: block path, keyword, status.
type Row = (String, &'static str, Status);

/// Every catalogue row.
fn catalogue() -> Vec<Row> {
    compat_doc::rows()
        .into_iter()
        .flat_map(|(path, rows)| {
            rows.into_iter()
                .map(move |(kw, status)| (path.clone(), kw, status))
        })
        .collect()
}

#[test]
fn every_catalogue_keyword_has_a_sample() {
    let samples = samples();
    let sampled: BTreeSet<(&str, &str)> = samples
        .iter()
        .map(|s| (s.path.as_str(), s.kw.as_str()))
        .collect();
    let missing: Vec<String> = catalogue()
        .iter()
        .filter(|(path, kw, _)| !sampled.contains(&(path.as_str(), *kw)))
        .map(|(path, kw, _)| format!("{path}: {kw}"))
        .collect();
    assert!(
        missing.is_empty(),
        "keywords without a sample in keyword_samples.rs:\n{}",
        missing.join("\n")
    );
    // And no sample for a row the catalogue does not have (a typo would test nothing).
    let rows: BTreeSet<(String, &str)> = catalogue()
        .into_iter()
        .map(|(path, kw, _)| (path, kw))
        .collect();
    let stray: Vec<String> = samples
        .iter()
        .filter(|s| !rows.contains(&(s.path.clone(), s.kw.as_str())))
        .map(|s| format!("{}: `{}`", s.path, s.text))
        .collect();
    assert!(
        stray.is_empty(),
        "samples of no catalogue row:\n{}",
        stray.join("\n")
    );
}

#[test]
fn every_sample_reads_cleanly_into_the_model() {
    let catalogue = catalogue();
    let global_extra = |s: &Sample| {
        super::global::tests::SAMPLES
            .iter()
            .find(|(l, _)| s.path == "global_defs" && *l == s.text)
            .map_or(0, |(_, n)| *n)
    };
    let failures: Vec<String> = samples()
        .iter()
        .filter_map(|s| check(s, &catalogue, global_extra(s)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} samples failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn representative_values_land_where_they_belong() {
    let samples = samples();
    let mut failures = Vec::new();
    for (path, text, pointer, want) in LANDED {
        assert!(
            samples.iter().any(|s| s.path == *path && s.text == *text),
            "LANDED names a sample the table does not have: {path} {text:?}"
        );
        let body = config(path, text);
        let p = parse_str("k.conf", &format!("{}{body}", prelude(&body)));
        let json = serde_json::to_value(&p.config).expect("the model serializes");
        let want: serde_json::Value = serde_json::from_str(want).expect("valid JSON");
        match json.pointer(pointer) {
            Some(got) if *got == want => {}
            got => failures.push(format!(
                "{path} {text:?}: {pointer} is {got:?}, want {want}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The samples are keepalived 2.2.7 syntax: where keepalived is installed, `keepalived -t`
/// reads every sample's configuration without rejecting a word of it (about 1700 runs of
/// keepalived, some seconds; host-dependent findings such as missing interfaces are not what
/// it looks for). Skipped where keepalived is not installed; CI installs it.
#[test]
fn samples_pass_keepalived_t() {
    let keepalived = std::path::Path::new("/usr/sbin/keepalived");
    if !keepalived.exists() {
        eprintln!("SKIP: /usr/sbin/keepalived is not installed");
        return;
    }
    // What keepalived says when it rejects a word or value (not host findings).
    const REJECTS: &[&str] = &[
        "Unknown keyword",
        "unknown route keyword",
        "Unknown rule option",
        "Unknown configuration entry",
        "invalid number",
        "outside range",
        "missing a parameter",
        "Invalid ",
        "invalid ",
    ];
    let dir = std::env::temp_dir().join(format!("ha-kwsamples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("keepalived.conf");
    let mut failures = Vec::new();
    for s in samples() {
        // Debian's keepalived is built without ipsets.
        if s.kw == "vrrp_ipsets" {
            continue;
        }
        let body = config(&s.path, &s.text);
        std::fs::write(&file, format!("{}{body}", prelude(&body))).expect("write");
        let out = std::process::Command::new(keepalived)
            .args(["-t", "-l", "-D", "-f"])
            .arg(&file)
            .output()
            .expect("run keepalived");
        let text = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        let rejected: Vec<&str> = text
            .lines()
            .filter(|l| REJECTS.iter().any(|r| l.contains(r)))
            .collect();
        if !rejected.is_empty() {
            failures.push(format!("{} {:?}: {rejected:?}", s.path, s.text));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
