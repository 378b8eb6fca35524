//! The `global_defs` table: every keyword keepalived 2.2.7 accepts there, in its order.

use std::net::IpAddr;
use std::time::Duration;

use super::lines::{self, first_wins, first_word, not_acted_either, pure_flag};
use super::{Global, IptablesChains, LvsFlushOnStop};
use crate::conf::ast::Node;
use crate::conf::schema::{Cx, Kw};
use crate::conf::source::Span;

// Reasons shown when a keyword is accepted but not acted on.
const PROCESS: &str =
    "ha is one process and keeps the name, priority and limits it is started with";
const SCHED: &str = "ha does not change its scheduling, memory locking or CPU affinity";
const SNMP: &str = "SNMP is not supported";
const DBUS: &str = "D-Bus is not supported";
const IPTABLES: &str =
    "ha uses nftables instead, in the `nftables` table (`keepalived` by default)";
const NFT_IPVS: &str = "ha does not install nftables rules for virtual servers";
const VMAC: &str = "VMAC interfaces are not supported";
const BUFFERS: &str = "ha sizes its socket buffers itself";
const RELOAD: &str = "ha's reload does not use keepalived's reload files or config copies";
const STARTUP: &str = "ha does not run start-up and shut-down scripts";

/// `keyword [on|off]` into a bool field.
macro_rules! flag {
    ($($f:ident).+) => {
        |g, n, cx| g.$($f).+ = cx.flag(n)
    };
}

/// A keyword keepalived reads without a value, into a bool field.
macro_rules! pure {
    ($($f:ident).+) => {
        |g, n, cx| g.$($f).+ = pure_flag(n, cx)
    };
}

/// A one-word string into an `Option<String>` field (a later line replaces it).
macro_rules! word {
    ($($f:ident).+) => {
        |g, n, cx| {
            if let Some(w) = first_word(n, cx) {
                g.$($f).+ = Some(w.value);
            }
        }
    };
}

/// A nice value (-20..19) into an i8 field.
macro_rules! nice {
    ($($f:ident).+) => {
        |g, n, cx| {
            if let Some(v) = cx.int(n, -20, 19) {
                g.$($f).+ = v as i8;
            }
        }
    };
}

/// A receive-buffer size (0 = system default) into an `Option<u32>` field.
macro_rules! bufs {
    ($($f:ident).+) => {
        |g, n, cx| {
            if let Some(v) = lines::rcv_bufs(n, cx) {
                g.$($f).+ = v;
            }
        }
    };
}

pub const DEFS: &[Kw<Global>] = &[
    // ---- process names ----
    Kw::not_acted_on("process_names", PROCESS, pure!(processes.process_names)),
    Kw::not_acted_on("process_name", PROCESS, |g, n, cx| {
        if let Some(v) = lines::process_name(n, cx) {
            g.processes.process_name = Some(v);
        }
    }),
    Kw::not_acted_on("vrrp_process_name", PROCESS, |g, n, cx| {
        if let Some(v) = lines::process_name(n, cx) {
            g.processes.vrrp_process_name = Some(v);
        }
    }),
    Kw::not_acted_on("checker_process_name", PROCESS, |g, n, cx| {
        if let Some(v) = lines::process_name(n, cx) {
            g.processes.checker_process_name = Some(v);
        }
    }),
    Kw::deprecated("lvs_process_name", "checker_process_name", |g, n, cx| {
        not_acted_either(cx, n, "checker_process_name", PROCESS);
        if let Some(v) = lines::process_name(n, cx) {
            g.processes.checker_process_name = Some(v);
        }
    }),
    Kw::not_acted_on("bfd_process_name", PROCESS, |g, n, cx| {
        if let Some(v) = lines::process_name(n, cx) {
            g.processes.bfd_process_name = Some(v);
        }
    }),
    // ---- identity and alert mail ----
    Kw::new("router_id", word!(router_id)),
    Kw::new("notification_email_from", word!(notification_email_from)),
    Kw::new("smtp_server", |g, n, cx| {
        if let Some(s) = lines::smtp_server(n, cx) {
            g.smtp_server = Some(s);
        }
    }),
    Kw::new("smtp_helo_name", word!(smtp_helo_name)),
    Kw::new("smtp_connect_timeout", |g, n, cx| {
        // keepalived's limit: the value in microseconds must fit 32 bits.
        let Some(v) = cx.uint(n, 0, 4294) else {
            return;
        };
        if v == 0 {
            if let Some(t) = n.args.first() {
                cx.note(t.span, "`smtp_connect_timeout 0` is taken as 1 second")
                    .hint("keepalived does the same (with an error): write 1");
            }
        }
        g.smtp_connect_timeout = Duration::from_secs(v.max(1));
    }),
    Kw::new("notification_email", lines::notification_email),
    Kw::new("smtp_alert", |g, n, cx| set_alert(g, n, cx, 0)),
    Kw::not_acted_on("startup_script", STARTUP, |g, n, cx| {
        lines::script_once(&mut g.startup_script, n, cx)
    }),
    Kw::not_acted_on("startup_script_timeout", STARTUP, |g, n, cx| {
        if let Some(v) = cx.uint(n, 1, 1000) {
            g.startup_script_timeout = Duration::from_secs(v);
        }
    }),
    Kw::not_acted_on("shutdown_script", STARTUP, |g, n, cx| {
        lines::script_once(&mut g.shutdown_script, n, cx)
    }),
    Kw::not_acted_on("shutdown_script_timeout", STARTUP, |g, n, cx| {
        if let Some(v) = cx.uint(n, 1, 1000) {
            g.shutdown_script_timeout = Duration::from_secs(v);
        }
    }),
    Kw::not_acted_on("max_auto_priority", PROCESS, |g, n, cx| {
        // No value: the highest SCHED_RR priority.
        let Some(args) = cx.args(n, 0, Some(1)) else {
            return;
        };
        g.processes.max_auto_priority = match args.first() {
            None => 99,
            Some(t) => match cx.int_token("max_auto_priority", t, -1, 99) {
                Some(v) => v as i32,
                None => return,
            },
        };
    }),
    Kw::not_acted_on("min_auto_priority_delay", PROCESS, |g, n, cx| {
        // Microseconds, not decimal seconds.
        if let Some(v) = cx.uint(n, 1, 10_000_000) {
            g.processes.min_auto_priority_delay = Duration::from_micros(v);
        }
    }),
    Kw::new("smtp_alert_vrrp", |g, n, cx| set_alert(g, n, cx, 1)),
    Kw::new("smtp_alert_checker", |g, n, cx| set_alert(g, n, cx, 2)),
    Kw::new("checker_log_all_failures", flag!(checker_log_all_failures)),
    Kw::not_acted_on(
        "dynamic_interfaces",
        "ha does not create placeholders for interfaces missing at start-up",
        |g, n, cx| {
            let Some(args) = cx.args(n, 0, Some(1)) else {
                return;
            };
            // keepalived turns the flag on even when the option word is wrong.
            g.dynamic_interfaces = true;
            if let Some(t) = args.first() {
                if cx
                    .choice_token("dynamic_interfaces", t, &["allow_if_changes"])
                    .is_some()
                {
                    g.dynamic_interfaces_allow_if_changes = true;
                }
            }
        },
    ),
    Kw::new("no_email_faults", pure!(no_email_faults)),
    Kw::new("default_interface", |g, n, cx| {
        if let Some(w) = first_word(n, cx) {
            g.default_interface = w.value;
            g.default_interface_span = Some(w.span);
        }
    }),
    Kw::not_acted_on(
        "disable_local_igmp",
        "ha does not change the igmp_link_local_mcast_reports sysctl",
        pure!(disable_local_igmp),
    ),
    // ---- LVS ----
    Kw::new("lvs_timeouts", lines::lvs_timeouts),
    Kw::new("lvs_flush", pure!(lvs_flush)),
    Kw::new("lvs_flush_on_stop", flush_on_stop),
    Kw::deprecated("lvs_flush_onstop", "lvs_flush_on_stop", flush_on_stop),
    Kw::not_acted_on(
        "lvs_sync_daemon",
        lines::SYNC_DAEMON_WHY,
        lines::lvs_sync_daemon,
    ),
    // ---- VRRP defaults ----
    Kw::new("vrrp_mcast_group4", |g, n, cx| {
        let Some(ip) = cx.ip(n) else {
            return;
        };
        let span = value_span(n);
        match ip {
            IpAddr::V4(v4) if v4.is_multicast() => g.vrrp_mcast_group4 = v4,
            IpAddr::V4(_) => {
                cx.error(span, format!("`vrrp_mcast_group4` {ip} is not multicast"))
                    .hint("the VRRP group is 224.0.0.18");
            }
            IpAddr::V6(_) => {
                cx.error(span, format!("`vrrp_mcast_group4` {ip} is not IPv4"))
                    .hint("IPv6 groups go in `vrrp_mcast_group6`");
            }
        }
    }),
    Kw::new("vrrp_mcast_group6", |g, n, cx| {
        let Some(ip) = cx.ip(n) else {
            return;
        };
        let span = value_span(n);
        match ip {
            IpAddr::V6(v6) if v6.is_multicast() => {
                // Link-local scope: ffX2::/16.
                if v6.octets()[1] & 0x0f != 0x2 {
                    cx.warning(
                        span,
                        format!("`vrrp_mcast_group6` {ip} is not link-local multicast"),
                    )
                    .hint("VRRP adverts stay on the link: ff02::12 is the VRRP group");
                }
                g.vrrp_mcast_group6 = v6;
            }
            IpAddr::V6(_) => {
                cx.error(span, format!("`vrrp_mcast_group6` {ip} is not multicast"))
                    .hint("the VRRP group is ff02::12");
            }
            IpAddr::V4(_) => {
                cx.error(span, format!("`vrrp_mcast_group6` {ip} is not IPv6"))
                    .hint("IPv4 groups go in `vrrp_mcast_group4`");
            }
        }
    }),
    Kw::new("vrrp_garp_master_delay", |g, n, cx| {
        if let Some(v) = cx.uint(n, 0, 4294) {
            g.garp_given.master_delay = Some(Duration::from_secs(v));
        }
    }),
    Kw::new("vrrp_garp_master_repeat", |g, n, cx| {
        if let Some(v) = repeat_at_least_one(n, cx) {
            g.garp_given.master_repeat = Some(v);
        }
    }),
    Kw::new("vrrp_garp_master_refresh", |g, n, cx| {
        if let Some(v) = cx.uint(n, 0, u64::from(u32::MAX)) {
            g.garp_given.master_refresh = Some((v != 0).then(|| Duration::from_secs(v)));
        }
    }),
    Kw::new("vrrp_garp_master_refresh_repeat", |g, n, cx| {
        if let Some(v) = repeat_at_least_one(n, cx) {
            g.garp_given.master_refresh_repeat = Some(v);
        }
    }),
    Kw::new("vrrp_garp_lower_prio_delay", |g, n, cx| {
        if let Some(v) = cx.uint(n, 0, 4294) {
            g.garp_given.lower_prio_delay = Some(Duration::from_secs(v));
        }
    }),
    Kw::new("vrrp_garp_lower_prio_repeat", |g, n, cx| {
        if let Some(v) = cx.uint(n, 0, i32::MAX as u64) {
            g.garp_given.lower_prio_repeat = Some(v as u32);
        }
    }),
    Kw::new("vrrp_down_timer_adverts", |g, n, cx| {
        if let Some(v) = cx.uint(n, 1, 100) {
            g.vrrp_down_timer_adverts = v as u32;
        }
    }),
    Kw::new("vrrp_garp_interval", |g, n, cx| {
        if let Some(d) = lines::zero_ok_timer(n, cx, "no gap between gratuitous ARPs") {
            g.vrrp_garp_interval = d;
        }
    }),
    Kw::new("vrrp_gna_interval", |g, n, cx| {
        if let Some(d) = lines::zero_ok_timer(n, cx, "no gap between neighbour advertisements") {
            g.vrrp_gna_interval = d;
        }
    }),
    Kw::new("vrrp_min_garp", flag!(vrrp_min_garp)),
    Kw::not_acted_on(
        "vrrp_garp_extra_if",
        "extra periodic gratuitous ARPs are a VMAC feature ha does not have",
        |g, n, cx| {
            if let Some(v) = lines::garp_extra_if(n, cx) {
                g.vrrp_garp_extra_if = Some(v);
            }
        },
    ),
    Kw::deprecated("vrrp_vmac_garp_intvl", "vrrp_garp_extra_if", |g, n, cx| {
        not_acted_either(cx, n, "vrrp_garp_extra_if", VMAC);
        if let Some(v) = lines::garp_extra_if(n, cx) {
            g.vrrp_garp_extra_if = Some(v);
        }
    }),
    Kw::new(
        "vrrp_lower_prio_no_advert",
        flag!(vrrp_lower_prio_no_advert),
    ),
    Kw::new(
        "vrrp_higher_prio_send_advert",
        flag!(vrrp_higher_prio_send_advert),
    ),
    Kw::new("vrrp_version", |g, n, cx| {
        if let Some(v) = cx.uint(n, 2, 3) {
            g.vrrp_version = v as u8;
        }
    }),
    Kw::not_acted_on("vrrp_iptables", IPTABLES, |g, n, cx| {
        let Some(args) = cx.args(n, 0, Some(2)) else {
            return;
        };
        let fw = &mut g.firewall;
        if first_wins(cx, n, fw.vrrp_iptables.as_ref().map(|c| c.span)) {
            return;
        }
        // XT_EXTENSION_MAXNAMELEN (29) less the NUL and one more, as keepalived checks.
        if let Some(t) = args.iter().find(|t| t.text.len() >= 28) {
            cx.error(
                t.span,
                format!("iptables chain name `{}` is too long", t.text),
            )
            .hint("chain names are at most 27 characters");
            return;
        }
        fw.vrrp_iptables = Some(match args.first() {
            None => IptablesChains {
                in_chain: "INPUT".into(),
                out_chain: Some("OUTPUT".into()),
                span: n.keyword.span,
            },
            Some(i) => IptablesChains {
                in_chain: i.text.to_string(),
                out_chain: args.get(1).map(|t| t.text.to_string()),
                span: i.span,
            },
        });
    }),
    Kw::not_acted_on("vrrp_ipsets", IPTABLES, |g, n, cx| {
        let Some(args) = cx.args(n, 0, Some(5)) else {
            return;
        };
        // IPSET_MAXNAMELEN (32) less the NUL and one more, as keepalived checks.
        if let Some(t) = args.iter().find(|t| t.text.len() >= 31) {
            cx.error(t.span, format!("ipset name `{}` is too long", t.text))
                .hint("set names are at most 30 characters");
            return;
        }
        g.firewall.vrrp_ipsets = Some(args.iter().map(|t| t.text.to_string()).collect());
    }),
    Kw::new("nftables", |g, n, cx| {
        lines::nft_table(&mut g.firewall.nftables, "keepalived", n, cx)
    }),
    Kw::new("nftables_priority", |g, n, cx| {
        if let Some(v) = cx.int(n, i64::from(i32::MIN), i64::from(i32::MAX)) {
            g.firewall.nftables_priority = v as i32;
        }
    }),
    Kw::new("nftables_ifindex", pure!(firewall.nftables_ifindex)),
    Kw::not_acted_on("nftables_ipvs", NFT_IPVS, |g, n, cx| {
        lines::nft_table(&mut g.firewall.nftables_ipvs, "keepalived_ipvs", n, cx)
    }),
    Kw::not_acted_on("nftables_ipvs_priority", NFT_IPVS, |g, n, cx| {
        if let Some(v) = cx.int(n, i64::from(i32::MIN), i64::from(i32::MAX)) {
            g.firewall.nftables_ipvs_priority = v as i32;
        }
    }),
    Kw::not_acted_on("nftables_ipvs_start_fwmark", NFT_IPVS, |g, n, cx| {
        if let Some(v) = cx.uint(n, 1, u64::from(u32::MAX)) {
            g.firewall.nftables_ipvs_start_fwmark = v as u32;
        }
    }),
    Kw::new("nftables_counters", pure!(firewall.nftables_counters)),
    Kw::new("vrrp_check_unicast_src", pure!(vrrp_check_unicast_src)),
    Kw::new("vrrp_skip_check_adv_addr", pure!(vrrp_skip_check_adv_addr)),
    Kw::new("vrrp_strict", pure!(vrrp_strict)),
    // ---- VRRP process tuning ----
    Kw::not_acted_on("vrrp_priority", SCHED, nice!(processes.vrrp.priority)),
    Kw::not_acted_on("vrrp_no_swap", SCHED, pure!(processes.vrrp.no_swap)),
    Kw::not_acted_on("vrrp_rt_priority", SCHED, |g, n, cx| {
        if let Some(v) = lines::rt_priority(n, cx) {
            g.processes.vrrp.rt_priority = Some(v);
        }
    }),
    Kw::not_acted_on("vrrp_cpu_affinity", SCHED, |g, n, cx| {
        g.processes.vrrp.cpu_affinity = lines::cpu_list(n, cx).unwrap_or_default();
    }),
    Kw::not_acted_on("vrrp_rlimit_rttime", SCHED, |g, n, cx| {
        if let Some(v) = lines::rlimit_rttime(n, cx) {
            g.processes.vrrp.rlimit_rttime = v;
        }
    }),
    Kw::deprecated("vrrp_rlimit_rtime", "vrrp_rlimit_rttime", |g, n, cx| {
        not_acted_either(cx, n, "vrrp_rlimit_rttime", SCHED);
        if let Some(v) = lines::rlimit_rttime(n, cx) {
            g.processes.vrrp.rlimit_rttime = v;
        }
    }),
    // ---- notify FIFOs ----
    Kw::new("notify_fifo", |g, n, cx| {
        lines::fifo(&mut g.notify_fifo, n, cx)
    }),
    Kw::new("notify_fifo_script", |g, n, cx| {
        lines::script_once(&mut g.notify_fifo_script, n, cx)
    }),
    Kw::new("vrrp_notify_fifo", |g, n, cx| {
        lines::fifo(&mut g.vrrp_notify_fifo, n, cx)
    }),
    Kw::new("vrrp_notify_fifo_script", |g, n, cx| {
        lines::script_once(&mut g.vrrp_notify_fifo_script, n, cx)
    }),
    Kw::new(
        "vrrp_notify_priority_changes",
        flag!(vrrp_notify_priority_changes),
    ),
    Kw::not_acted_on(
        "fifo_write_vrrp_states_on_reload",
        RELOAD,
        pure!(fifo_write_vrrp_states_on_reload),
    ),
    Kw::new("lvs_notify_fifo", |g, n, cx| {
        lines::fifo(&mut g.lvs_notify_fifo, n, cx)
    }),
    Kw::new("lvs_notify_fifo_script", |g, n, cx| {
        lines::script_once(&mut g.lvs_notify_fifo_script, n, cx)
    }),
    // ---- checker process tuning ----
    Kw::not_acted_on("checker_priority", SCHED, nice!(processes.checker.priority)),
    Kw::not_acted_on("checker_no_swap", SCHED, pure!(processes.checker.no_swap)),
    Kw::not_acted_on("checker_rt_priority", SCHED, |g, n, cx| {
        if let Some(v) = lines::rt_priority(n, cx) {
            g.processes.checker.rt_priority = Some(v);
        }
    }),
    Kw::not_acted_on("checker_cpu_affinity", SCHED, |g, n, cx| {
        g.processes.checker.cpu_affinity = lines::cpu_list(n, cx).unwrap_or_default();
    }),
    Kw::not_acted_on("checker_rlimit_rttime", SCHED, |g, n, cx| {
        if let Some(v) = lines::rlimit_rttime(n, cx) {
            g.processes.checker.rlimit_rttime = v;
        }
    }),
    Kw::deprecated(
        "checker_rlimit_rtime",
        "checker_rlimit_rttime",
        |g, n, cx| {
            not_acted_either(cx, n, "checker_rlimit_rttime", SCHED);
            if let Some(v) = lines::rlimit_rttime(n, cx) {
                g.processes.checker.rlimit_rttime = v;
            }
        },
    ),
    // ---- BFD process tuning ----
    Kw::not_acted_on("bfd_priority", SCHED, nice!(processes.bfd.priority)),
    Kw::not_acted_on("bfd_no_swap", SCHED, pure!(processes.bfd.no_swap)),
    Kw::not_acted_on("bfd_rt_priority", SCHED, |g, n, cx| {
        if let Some(v) = lines::rt_priority(n, cx) {
            g.processes.bfd.rt_priority = Some(v);
        }
    }),
    Kw::not_acted_on("bfd_cpu_affinity", SCHED, |g, n, cx| {
        g.processes.bfd.cpu_affinity = lines::cpu_list(n, cx).unwrap_or_default();
    }),
    Kw::not_acted_on("bfd_rlimit_rttime", SCHED, |g, n, cx| {
        if let Some(v) = lines::rlimit_rttime(n, cx) {
            g.processes.bfd.rlimit_rttime = v;
        }
    }),
    Kw::deprecated("bfd_rlimit_rtime", "bfd_rlimit_rttime", |g, n, cx| {
        not_acted_either(cx, n, "bfd_rlimit_rttime", SCHED);
        if let Some(v) = lines::rlimit_rttime(n, cx) {
            g.processes.bfd.rlimit_rttime = v;
        }
    }),
    // ---- SNMP and D-Bus ----
    Kw::not_acted_on("snmp_socket", SNMP, |g, n, cx| {
        if cx.args(n, 1, Some(1)).is_some() {
            lines::word_once(&mut g.snmp.snmp_socket, n, cx);
        }
    }),
    Kw::not_acted_on("enable_traps", SNMP, pure!(snmp.enable_traps)),
    Kw::not_acted_on("enable_snmp_vrrp", SNMP, pure!(snmp.enable_snmp_vrrp)),
    Kw::deprecated("enable_snmp_keepalived", "enable_snmp_vrrp", |g, n, cx| {
        not_acted_either(cx, n, "enable_snmp_vrrp", SNMP);
        g.snmp.enable_snmp_vrrp = pure_flag(n, cx);
    }),
    Kw::not_acted_on("enable_snmp_rfc", SNMP, |g, n, cx| {
        let on = pure_flag(n, cx);
        g.snmp.enable_snmp_rfcv2 = on;
        g.snmp.enable_snmp_rfcv3 = on;
    }),
    Kw::not_acted_on("enable_snmp_rfcv2", SNMP, pure!(snmp.enable_snmp_rfcv2)),
    Kw::not_acted_on("enable_snmp_rfcv3", SNMP, pure!(snmp.enable_snmp_rfcv3)),
    Kw::not_acted_on("enable_snmp_checker", SNMP, pure!(snmp.enable_snmp_checker)),
    Kw::not_acted_on("enable_dbus", DBUS, pure!(dbus.enable_dbus)),
    Kw::not_acted_on("dbus_service_name", DBUS, |g, n, cx| {
        if let Some(w) = first_word(n, cx) {
            g.dbus.dbus_service_name = w.value;
        }
    }),
    // ---- script security ----
    Kw::new("script_user", |g, n, cx| {
        if let Some(u) = lines::script_user(n, cx) {
            g.script_user = Some(u);
        }
    }),
    Kw::new("enable_script_security", pure!(enable_script_security)),
    // ---- netlink buffers ----
    Kw::not_acted_on(
        "vrrp_netlink_cmd_rcv_bufs",
        BUFFERS,
        bufs!(buffers.vrrp_netlink_cmd_rcv_bufs),
    ),
    Kw::not_acted_on(
        "vrrp_netlink_cmd_rcv_bufs_force",
        BUFFERS,
        flag!(buffers.vrrp_netlink_cmd_rcv_bufs_force),
    ),
    Kw::not_acted_on(
        "vrrp_netlink_monitor_rcv_bufs",
        BUFFERS,
        bufs!(buffers.vrrp_netlink_monitor_rcv_bufs),
    ),
    Kw::not_acted_on(
        "vrrp_netlink_monitor_rcv_bufs_force",
        BUFFERS,
        flag!(buffers.vrrp_netlink_monitor_rcv_bufs_force),
    ),
    Kw::not_acted_on(
        "process_monitor_rcv_bufs",
        BUFFERS,
        bufs!(buffers.process_monitor_rcv_bufs),
    ),
    Kw::not_acted_on(
        "process_monitor_rcv_bufs_force",
        BUFFERS,
        flag!(buffers.process_monitor_rcv_bufs_force),
    ),
    Kw::not_acted_on(
        "lvs_netlink_cmd_rcv_bufs",
        BUFFERS,
        bufs!(buffers.lvs_netlink_cmd_rcv_bufs),
    ),
    Kw::not_acted_on(
        "lvs_netlink_cmd_rcv_bufs_force",
        BUFFERS,
        flag!(buffers.lvs_netlink_cmd_rcv_bufs_force),
    ),
    Kw::not_acted_on(
        "lvs_netlink_monitor_rcv_bufs",
        BUFFERS,
        bufs!(buffers.lvs_netlink_monitor_rcv_bufs),
    ),
    Kw::not_acted_on(
        "lvs_netlink_monitor_rcv_bufs_force",
        BUFFERS,
        flag!(buffers.lvs_netlink_monitor_rcv_bufs_force),
    ),
    // ---- checker notifications ----
    Kw::new("rs_init_notifies", flag!(rs_init_notifies)),
    Kw::new("no_checker_emails", flag!(no_checker_emails)),
    // ---- VRRP receive buffers, start-up, VMAC ----
    Kw::not_acted_on("vrrp_rx_bufs_policy", BUFFERS, |g, n, cx| {
        if let Some(p) = lines::rx_bufs_policy(n, cx) {
            g.buffers.vrrp_rx_bufs_policy = Some(p);
        }
    }),
    Kw::not_acted_on("vrrp_rx_bufs_multiplier", BUFFERS, |g, n, cx| {
        if let Some(v) = cx.uint(n, 1, u64::from(u32::MAX)) {
            g.buffers.vrrp_rx_bufs_multiplier = v as u32;
        }
    }),
    Kw::not_acted_on(
        "vrrp_startup_delay",
        "ha starts its VRRP instances at once",
        |g, n, cx| {
            let max = Duration::from_micros(u64::from(u32::MAX));
            let Some(d) = cx.timer(n, Duration::from_millis(1), max) else {
                return;
            };
            if d >= Duration::from_secs(60) {
                cx.warning(value_span(n), "`vrrp_startup_delay` is very large");
            }
            g.vrrp_startup_delay = d;
        },
    ),
    Kw::not_acted_on(
        "log_unknown_vrids",
        "ha does not log adverts for VRIDs it does not run",
        pure!(log_unknown_vrids),
    ),
    Kw::not_acted_on("vmac_prefix", VMAC, |g, n, cx| {
        lines::word_once(&mut g.vmac_prefix, n, cx)
    }),
    Kw::not_acted_on("vmac_addr_prefix", VMAC, |g, n, cx| {
        lines::word_once(&mut g.vmac_addr_prefix, n, cx)
    }),
    // ---- miscellaneous ----
    Kw::not_acted_on(
        "umask",
        "ha keeps the umask it is started with",
        |g, n, cx| {
            if let Some(m) = lines::umask(n, cx) {
                g.umask = m;
            }
        },
    ),
    Kw::not_acted_on(
        "random_seed",
        "ha does not seed ${_RANDOM} from the configuration",
        |g, n, cx| {
            if let Some(v) = cx.uint(n, 0, u64::from(u32::MAX)) {
                g.random_seed = Some(v as u32);
            }
        },
    ),
    Kw::not_acted_on("reload_check_config", RELOAD, |g, n, cx| {
        if let Some(args) = cx.args(n, 0, Some(1)) {
            g.reload.reload_check_config = Some(
                args.first()
                    .map_or_else(|| "/dev/null".to_string(), |t| t.text.to_string()),
            );
        }
    }),
    Kw::not_acted_on("reload_time_file", RELOAD, |g, n, cx| {
        if let Some(t) = cx.value(n) {
            g.reload.reload_time_file = Some(t.text.to_string());
        }
    }),
    Kw::not_acted_on("reload_repeat", RELOAD, pure!(reload.reload_repeat)),
    Kw::not_acted_on("reload_file", RELOAD, |g, n, cx| {
        if let Some(args) = cx.args(n, 0, Some(1)) {
            g.reload.reload_file = Some(args.first().map(|t| t.text.to_string()));
        }
    }),
    Kw::not_acted_on(
        "include_check",
        "use includer, includem, includew, includeb or includea for checked includes",
        lines::include_check,
    ),
    Kw::not_acted_on("config_save_dir", RELOAD, |g, n, cx| {
        if let Some(w) = first_word(n, cx) {
            g.reload.config_save_dir = Some(w.value);
        }
    }),
    Kw::not_acted_on("tmp_config_directory", RELOAD, |g, n, cx| {
        lines::word_once(&mut g.reload.tmp_config_directory, n, cx)
    }),
    Kw::not_acted_on(
        "data_use_instance",
        "ha does not write keepalived's data dump files",
        flag!(data_use_instance),
    ),
];

/// `smtp_alert`, `smtp_alert_vrrp`, `smtp_alert_checker` (`which` 0, 1, 2).
fn set_alert(g: &mut Global, n: &Node, cx: &mut Cx, which: usize) {
    let on = cx.flag(n);
    let slot = match which {
        0 => &mut g.smtp_alert,
        1 => &mut g.smtp_alert_vrrp,
        _ => &mut g.smtp_alert_checker,
    };
    *slot = Some(on);
    g.smtp_alert_on[which] = on.then_some(n.keyword.span);
}

/// `lvs_flush_on_stop [VS]`.
fn flush_on_stop(g: &mut Global, n: &Node, cx: &mut Cx) {
    let Some(args) = cx.args(n, 0, Some(1)) else {
        return;
    };
    g.lvs_flush_on_stop = match args.first() {
        None => LvsFlushOnStop::Full,
        Some(t) => match cx.choice_token(&n.keyword.text, t, &["VS"]) {
            Some(_) => LvsFlushOnStop::VirtualServers,
            None => return,
        },
    };
}

/// A garp repeat count: keepalived turns 0 into 1 with an error; ha with a note.
fn repeat_at_least_one(n: &Node, cx: &mut Cx) -> Option<u32> {
    let v = cx.uint(n, 0, u64::from(u32::MAX))?;
    if v == 0 {
        cx.note(
            value_span(n),
            format!("`{} 0` is taken as 1", n.keyword.text),
        )
        .hint("at least one message is sent; keepalived does the same (with an error)");
    }
    Some(v.max(1) as u32)
}

/// The span of the first value (or the keyword when there is none).
fn value_span(n: &Node) -> Span {
    n.args.first().map_or(n.keyword.span, |t| t.span)
}
