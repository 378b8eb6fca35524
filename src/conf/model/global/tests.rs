//! Tests of the global area. Most read text with this area's tables alone (lexer, tree,
//! [`ROOT`], [`resolve`]) so other areas' checks never mix into the findings; one test goes
//! through `parse_str`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use super::*;
use crate::conf::diag::{Diagnostic, Diagnostics};
use crate::conf::source::FileId;
use crate::conf::{ast, lexer, parse_str};

/// The findings as `severity: message | hint`.
fn messages(diags: &Diagnostics) -> Vec<String> {
    diags.iter().map(Diagnostic::one_line).collect()
}

fn read_with(text: &str) -> (Global, Diagnostics) {
    let mut diags = Diagnostics::new();
    let lines = lexer::lex_text(text, FileId(0), &mut diags);
    let nodes = ast::build(lines, &mut diags);
    let mut config = Config::default();
    let mut cx = Cx::new(&mut diags);
    cx.walk(&mut config, &nodes, ROOT, "");
    resolve(&mut config, &mut cx);
    (config.global, diags)
}

fn read(text: &str) -> (Global, Vec<String>) {
    let (g, d) = read_with(text);
    (g, messages(&d))
}

/// Reads `body` inside one `global_defs` block.
fn defs(body: &str) -> (Global, Vec<String>) {
    read(&format!("global_defs {{\n{body}\n}}\n"))
}

/// Only the findings of one severity.
fn only(msgs: &[String], sev: &str) -> Vec<String> {
    msgs.iter()
        .filter(|m| m.starts_with(&format!("{sev}:")))
        .cloned()
        .collect()
}

#[test]
fn defaults_through_parse_str() {
    let p = parse_str("k.conf", "global_defs {\n}\n");
    assert!(p.diags.is_empty(), "{:?}", messages(&p.diags));
    let g = &p.config.global;
    assert_eq!(g.child_wait_time, Duration::from_secs(5));
    assert_eq!(g.smtp_connect_timeout, Duration::from_secs(30));
    assert_eq!(g.startup_script_timeout, Duration::from_secs(10));
    assert_eq!(g.vrrp_mcast_group4, Ipv4Addr::new(224, 0, 0, 18));
    assert_eq!(g.vrrp_mcast_group6, "ff02::12".parse::<Ipv6Addr>().unwrap());
    assert_eq!(g.vrrp_garp_master_delay, Duration::from_secs(5));
    assert_eq!(g.vrrp_garp_master_repeat, 5);
    assert_eq!(g.vrrp_garp_master_refresh, None);
    assert_eq!(g.vrrp_garp_master_refresh_repeat, 1);
    assert_eq!(g.vrrp_garp_lower_prio_delay, Duration::from_secs(5));
    assert_eq!(g.vrrp_garp_lower_prio_repeat, 5);
    assert_eq!(g.vrrp_garp_interval, Duration::ZERO);
    assert_eq!(g.vrrp_down_timer_adverts, 3);
    assert_eq!(g.vrrp_version, 2);
    assert!(!g.vrrp_strict && !g.vrrp_skip_check_adv_addr && !g.vrrp_check_unicast_src);
    assert_eq!(g.default_interface, "eth0");
    assert_eq!(g.smtp_alert, None);
    assert_eq!(g.lvs_timeouts, LvsTimeouts::default());
    assert_eq!(g.lvs_flush_on_stop, LvsFlushOnStop::Off);
    assert_eq!(g.umask, 0o022);
    assert_eq!(g.processes.min_auto_priority_delay, Duration::from_secs(1));
    assert_eq!(g.processes.vrrp.rlimit_rttime, Duration::from_millis(10));
    assert_eq!(g.firewall.nftables_priority, -1);
    assert_eq!(g.firewall.nftables_ipvs_start_fwmark, 1000);
    assert_eq!(g.buffers.vrrp_rx_bufs_multiplier, 3);
    assert_eq!(g.dbus.dbus_service_name, "org.keepalived.Vrrp1");
}

/// One valid line per keyword of the area: (line, findings besides the status warning).
/// Deprecated keywords whose replacement is not acted on add a note.
pub(in crate::conf::model) const SAMPLES: &[(&str, usize)] = &[
    ("process_names", 0),
    ("process_name ka", 0),
    ("vrrp_process_name ka_vrrp", 0),
    ("checker_process_name ka_chk", 0),
    ("lvs_process_name ka_chk", 1),
    ("bfd_process_name ka_bfd", 0),
    ("router_id LB1", 0),
    ("notification_email_from lb@example.com", 0),
    ("smtp_server 192.0.2.25 2525", 0),
    ("smtp_helo_name lb1.example.com", 0),
    ("smtp_connect_timeout 20", 0),
    ("notification_email {\n ops@example.com\n}", 0),
    ("smtp_alert off", 0),
    ("startup_script \"/bin/true start\"", 0),
    ("startup_script_timeout 20", 0),
    ("shutdown_script /bin/true", 0),
    ("shutdown_script_timeout 20", 0),
    ("max_auto_priority 10", 0),
    ("min_auto_priority_delay 500000", 0),
    ("smtp_alert_vrrp off", 0),
    ("smtp_alert_checker off", 0),
    ("checker_log_all_failures", 0),
    ("dynamic_interfaces allow_if_changes", 0),
    ("no_email_faults", 0),
    ("default_interface eth1", 0),
    ("disable_local_igmp", 0),
    ("lvs_timeouts tcp 900 tcpfin 120 udp 300", 0),
    ("lvs_flush", 0),
    ("lvs_flush_on_stop VS", 0),
    ("lvs_flush_onstop", 0),
    ("lvs_sync_daemon eth0 inst VI_1 id 5", 0),
    ("vrrp_mcast_group4 224.0.0.19", 0),
    ("vrrp_mcast_group6 ff02::13", 0),
    ("vrrp_garp_master_delay 2", 0),
    ("vrrp_garp_master_repeat 3", 0),
    ("vrrp_garp_master_refresh 60", 0),
    ("vrrp_garp_master_refresh_repeat 2", 0),
    ("vrrp_garp_lower_prio_delay 1", 0),
    ("vrrp_garp_lower_prio_repeat 1", 0),
    ("vrrp_down_timer_adverts 4", 0),
    ("vrrp_garp_interval 0.001", 0),
    ("vrrp_gna_interval 0.002", 0),
    ("vrrp_min_garp", 0),
    ("vrrp_garp_extra_if all 30", 0),
    ("vrrp_vmac_garp_intvl 30", 1),
    ("vrrp_lower_prio_no_advert", 0),
    ("vrrp_higher_prio_send_advert true", 0),
    ("vrrp_version 3", 0),
    ("vrrp_iptables", 0),
    ("vrrp_ipsets keepalived", 0),
    ("nftables", 0),
    ("nftables_priority -5", 0),
    ("nftables_ifindex", 0),
    ("nftables_ipvs ka_ipvs", 0),
    ("nftables_ipvs_priority 3", 0),
    ("nftables_ipvs_start_fwmark 2000", 0),
    ("nftables_counters", 0),
    ("vrrp_check_unicast_src", 0),
    ("vrrp_skip_check_adv_addr", 0),
    ("vrrp_strict", 0),
    ("vrrp_priority -10", 0),
    ("vrrp_no_swap", 0),
    ("vrrp_rt_priority 50", 0),
    ("vrrp_cpu_affinity 0 1", 0),
    ("vrrp_rlimit_rttime 20000", 0),
    ("vrrp_rlimit_rtime 20000", 1),
    ("notify_fifo /run/ka.fifo", 0),
    ("notify_fifo_script /bin/cat", 1),
    ("vrrp_notify_fifo /run/vrrp.fifo root", 0),
    ("vrrp_notify_fifo_script /bin/cat", 1),
    ("vrrp_notify_priority_changes", 0),
    ("fifo_write_vrrp_states_on_reload", 0),
    ("lvs_notify_fifo /run/lvs.fifo root root", 0),
    ("lvs_notify_fifo_script /bin/cat", 1),
    ("checker_priority 5", 0),
    ("checker_no_swap", 0),
    ("checker_rt_priority 1", 0),
    ("checker_cpu_affinity 1", 0),
    ("checker_rlimit_rttime 30000", 0),
    ("checker_rlimit_rtime 30000", 1),
    ("bfd_priority 0", 0),
    ("bfd_no_swap", 0),
    ("bfd_rt_priority 99", 0),
    ("bfd_cpu_affinity 0", 0),
    ("bfd_rlimit_rttime 40000", 0),
    ("bfd_rlimit_rtime 40000", 1),
    ("snmp_socket udp:127.0.0.1:705", 0),
    ("enable_traps", 0),
    ("enable_snmp_vrrp", 0),
    ("enable_snmp_keepalived", 1),
    ("enable_snmp_rfc", 0),
    ("enable_snmp_rfcv2", 0),
    ("enable_snmp_rfcv3", 0),
    ("enable_snmp_checker", 0),
    ("enable_dbus", 0),
    ("dbus_service_name org.example.Vrrp", 0),
    ("script_user nobody nogroup", 0),
    ("enable_script_security", 0),
    ("vrrp_netlink_cmd_rcv_bufs 1048576", 0),
    ("vrrp_netlink_cmd_rcv_bufs_force", 0),
    ("vrrp_netlink_monitor_rcv_bufs 1048576", 0),
    ("vrrp_netlink_monitor_rcv_bufs_force on", 0),
    ("process_monitor_rcv_bufs 65536", 0),
    ("process_monitor_rcv_bufs_force", 0),
    ("lvs_netlink_cmd_rcv_bufs 65536", 0),
    ("lvs_netlink_cmd_rcv_bufs_force", 0),
    ("lvs_netlink_monitor_rcv_bufs 65536", 0),
    ("lvs_netlink_monitor_rcv_bufs_force", 0),
    ("rs_init_notifies", 0),
    ("no_checker_emails", 0),
    ("vrrp_rx_bufs_policy MTU", 0),
    ("vrrp_rx_bufs_multiplier 4", 0),
    ("vrrp_startup_delay 5.5", 0),
    ("log_unknown_vrids", 0),
    ("vmac_prefix vr", 0),
    ("vmac_addr_prefix va", 0),
    ("umask 027", 0),
    ("random_seed 42", 0),
    ("reload_check_config /tmp/check.log", 0),
    ("reload_time_file /etc/keepalived/reload_time", 0),
    ("reload_repeat", 0),
    ("reload_file", 0),
    ("include_check -match", 0),
    ("config_save_dir /var/lib/ka", 0),
    ("tmp_config_directory /run/ka", 0),
    ("data_use_instance", 0),
];

/// The line before `{` of a sample, i.e. its keyword.
fn sample_keyword(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or_default()
}

#[test]
fn every_keyword_has_a_clean_sample() {
    let names: Vec<&str> = DEFS.iter().map(|k| k.name).collect();
    let sampled: Vec<&str> = SAMPLES.iter().map(|(l, _)| sample_keyword(l)).collect();
    assert_eq!(names, sampled, "one sample per keyword, in table order");
    assert_eq!(DEFS.len(), 126);
    for (line, extra) in SAMPLES {
        let (_, msgs) = defs(line);
        let kw = DEFS
            .iter()
            .find(|k| k.name == sample_keyword(line))
            .map(|k| k.status);
        let status = usize::from(kw != Some(Status::Supported));
        assert_eq!(msgs.len(), status + extra, "`{line}` gave {msgs:?}");
        assert!(only(&msgs, "error").is_empty(), "`{line}` gave {msgs:?}");
    }
}

#[test]
fn root_keywords() {
    let (g, msgs) = read(
        "net_namespace blue\nnet_namespace_ipvs\ninstance lb\nchild_wait_time 2\n\
         linkbeat_use_polling\nnamespace_with_ipsets\n",
    );
    assert_eq!(msgs.len(), 6, "{msgs:?}");
    assert!(msgs.iter().all(|m| m.contains("ha does not act on it")));
    assert_eq!(g.net_namespace.map(|s| s.value).as_deref(), Some("blue"));
    assert_eq!(g.net_namespace_ipvs.map(|s| s.value).as_deref(), Some(""));
    assert_eq!(g.instance.map(|s| s.value).as_deref(), Some("lb"));
    assert!(g.use_pid_dir, "implied by net_namespace and instance");
    assert_eq!(g.child_wait_time, Duration::from_secs(2));
    assert!(g.linkbeat_use_polling && g.namespace_with_ipsets);
    let (g, _) = read("use_pid_dir\n");
    assert!(g.use_pid_dir);
}

#[test]
fn supported_values_are_read() {
    let (g, msgs) = defs(
        "router_id LB1\nsmtp_server mail.example.com\nsmtp_connect_timeout 12\n\
         notification_email_from ka@example.com\nsmtp_helo_name lb1\n\
         notification_email {\n a@example.com b@example.com\n c@example.com\n}\n\
         smtp_alert\nsmtp_alert_vrrp off\nscript_user ka_script\nenable_script_security\n\
         vrrp_version 3\nvrrp_strict\nvrrp_garp_interval 0.5\nvrrp_gna_interval 0.25\n\
         vrrp_mcast_group4 239.1.2.3\nvrrp_lower_prio_no_advert on\ndefault_interface bond0\n\
         lvs_flush\nlvs_flush_on_stop\nlvs_timeouts udp 30\nnotify_fifo /run/f root\n",
    );
    assert_eq!(msgs, Vec::<String>::new());
    assert_eq!(g.router_id.as_deref(), Some("LB1"));
    let s = g.smtp_server.clone().unwrap();
    assert_eq!(
        (s.host, s.port),
        (SmtpHost::Name("mail.example.com".into()), 25)
    );
    assert_eq!(g.smtp_connect_timeout, Duration::from_secs(12));
    let emails: Vec<&str> = g
        .notification_email
        .iter()
        .map(|e| e.value.as_str())
        .collect();
    assert_eq!(emails, ["a@example.com", "b@example.com", "c@example.com"]);
    assert_eq!((g.smtp_alert, g.smtp_alert_vrrp), (Some(true), Some(false)));
    assert_eq!(g.smtp_alert_vrrp_default(), Some(false));
    assert_eq!(g.smtp_alert_checker_default(), Some(true));
    let u = g.script_user.clone().unwrap();
    assert_eq!((u.user.value.as_str(), u.group), ("ka_script", None));
    assert!(g.enable_script_security && g.vrrp_strict && g.vrrp_lower_prio_no_advert);
    assert_eq!(g.vrrp_version, 3);
    assert_eq!(g.vrrp_garp_interval, Duration::from_millis(500));
    assert_eq!(g.vrrp_gna_interval, Duration::from_millis(250));
    assert_eq!(g.vrrp_mcast_group4, Ipv4Addr::new(239, 1, 2, 3));
    assert_eq!(g.default_interface, "bond0");
    assert!(g.default_interface_span.is_some());
    assert!(g.lvs_flush);
    assert_eq!(g.lvs_flush_on_stop, LvsFlushOnStop::Full);
    assert_eq!(g.lvs_timeouts.udp, Some(Duration::from_secs(30)));
    let f = g.notify_fifo.clone().unwrap();
    assert_eq!(f.path, "/run/f");
    assert_eq!(f.user.map(|u| u.value).as_deref(), Some("root"));
    assert_eq!(g.router_id_or("host"), "LB1");
    assert_eq!(g.smtp_helo_name_or("host"), "lb1");
    assert_eq!(g.email_from_or("root", "host"), "ka@example.com");
    let d = Global::default();
    assert_eq!(d.router_id_or("host"), "host");
    assert_eq!(d.email_from_or("root", "host"), "root@host");
}

#[test]
fn range_and_value_errors() {
    let cases: &[(&str, &str)] = &[
        ("vrrp_version 4", "error: `vrrp_version` 4 is out of range | vrrp_version is 2-3"),
        (
            "vrrp_down_timer_adverts 0",
            "error: `vrrp_down_timer_adverts` 0 is out of range | vrrp_down_timer_adverts is 1-100",
        ),
        (
            "vrrp_garp_master_delay 5000",
            "error: `vrrp_garp_master_delay` 5000 is out of range | vrrp_garp_master_delay is 0-4294",
        ),
        (
            "vrrp_garp_master_delay 1.5",
            "error: `vrrp_garp_master_delay` wants a whole number, not `1.5` | vrrp_garp_master_delay is 0-4294",
        ),
        (
            "vrrp_garp_lower_prio_repeat 2147483648",
            "error: `vrrp_garp_lower_prio_repeat` 2147483648 is out of range | vrrp_garp_lower_prio_repeat is 0-2147483647",
        ),
        (
            "smtp_connect_timeout 5000",
            "error: `smtp_connect_timeout` 5000 is out of range | smtp_connect_timeout is 0-4294",
        ),
        (
            "startup_script_timeout 0",
            "error: `startup_script_timeout` 0 is out of range | startup_script_timeout is 1-1000",
        ),
        (
            "shutdown_script_timeout 1001",
            "error: `shutdown_script_timeout` 1001 is out of range | shutdown_script_timeout is 1-1000",
        ),
        (
            "vrrp_garp_interval 5000",
            "error: `vrrp_garp_interval` 5000 is out of range | vrrp_garp_interval is 0 to 4294.967295 seconds",
        ),
        (
            "vrrp_startup_delay 0",
            "error: `vrrp_startup_delay` 0 is out of range | vrrp_startup_delay is 0.001 to 4294.967295 seconds",
        ),
        (
            "max_auto_priority 100",
            "error: `max_auto_priority` 100 is out of range | max_auto_priority is -1 to 99",
        ),
        (
            "min_auto_priority_delay 0",
            "error: `min_auto_priority_delay` 0 is out of range | min_auto_priority_delay is 1-10000000",
        ),
        (
            "vrrp_priority 20",
            "error: `vrrp_priority` 20 is out of range | vrrp_priority is -20 to 19",
        ),
        (
            "vrrp_rlimit_rttime 0",
            "error: `vrrp_rlimit_rttime` 0 is out of range | vrrp_rlimit_rttime is 1-4294967295",
        ),
        (
            "vrrp_cpu_affinity 0 x",
            "error: `vrrp_cpu_affinity` wants a whole number, not `x` | vrrp_cpu_affinity is 0-1023",
        ),
        (
            "vrrp_rx_bufs_multiplier 0",
            "error: `vrrp_rx_bufs_multiplier` 0 is out of range | vrrp_rx_bufs_multiplier is 1-4294967295",
        ),
        (
            "nftables_ipvs_start_fwmark 0",
            "error: `nftables_ipvs_start_fwmark` 0 is out of range | nftables_ipvs_start_fwmark is 1-4294967295",
        ),
        (
            "child_wait_time -1",
            "error: `child_wait_time` wants a whole number, not `-1` | child_wait_time is 0-4294967295",
        ),
        (
            "vrrp_garp_extra_if all",
            "error: `vrrp_garp_extra_if` needs a time in seconds",
        ),
        (
            "vrrp_garp_extra_if 90000",
            "error: `vrrp_garp_extra_if` 90000 is out of range | vrrp_garp_extra_if is 1-86400",
        ),
        (
            "vrrp_mcast_group4 10.0.0.1",
            "error: `vrrp_mcast_group4` 10.0.0.1 is not multicast | the VRRP group is 224.0.0.18",
        ),
        (
            "vrrp_mcast_group4 ff02::12",
            "error: `vrrp_mcast_group4` ff02::12 is not IPv4 | IPv6 groups go in `vrrp_mcast_group6`",
        ),
        (
            "vrrp_mcast_group6 fe80::1",
            "error: `vrrp_mcast_group6` fe80::1 is not multicast | the VRRP group is ff02::12",
        ),
        (
            "vrrp_mcast_group6 224.0.0.18",
            "error: `vrrp_mcast_group6` 224.0.0.18 is not IPv6 | IPv4 groups go in `vrrp_mcast_group4`",
        ),
        (
            "lvs_flush_on_stop vs",
            "error: `lvs_flush_on_stop` cannot be `vs` | did you mean `VS`? (VS)",
        ),
        (
            "dynamic_interfaces allow",
            "error: `dynamic_interfaces` cannot be `allow` | one of: allow_if_changes",
        ),
        ("smtp_alert maybe", "error: `smtp_alert` takes on/off, true/false or yes/no, not `maybe`"),
        ("router_id", "error: `router_id` needs a value"),
        ("script_user a b c", "error: `script_user` takes 2 values; `c` is one too many"),
        ("vrrp_iptables averyveryverylongchainname_xyz", "error: iptables chain name `averyveryverylongchainname_xyz` is too long | chain names are at most 27 characters"),
        ("lvs_sync_daemon averyveryverylongif", "error: `lvs_sync_daemon` interface name `averyveryverylongif` is too long | interface names are at most 15 characters"),
    ];
    for (line, want) in cases {
        let text = if line.starts_with("child_wait_time") {
            format!("{line}\n")
        } else {
            format!("global_defs {{\n{line}\n}}\n")
        };
        let (_, msgs) = read(&text);
        let errors = only(&msgs, "error");
        assert_eq!(errors, [want.to_string()], "`{line}` gave {msgs:?}");
    }
}

#[test]
fn values_keepalived_refuses_are_accepted_with_a_note() {
    let (g, msgs) = defs(
        "vrrp_garp_interval 0\nvrrp_gna_interval 0\nsmtp_connect_timeout 0\n\
         vrrp_garp_master_repeat 0\nvrrp_garp_master_refresh_repeat 0",
    );
    assert_eq!(only(&msgs, "note").len(), 5, "{msgs:?}");
    assert_eq!(msgs.len(), 5, "{msgs:?}");
    assert_eq!(
        msgs[0],
        "note: `vrrp_garp_interval 0`: no gap between gratuitous ARPs | keepalived refuses 0 \
         here; leave the line out for the same effect"
    );
    assert_eq!(g.vrrp_garp_interval, Duration::ZERO);
    assert_eq!(g.smtp_connect_timeout, Duration::from_secs(1));
    assert_eq!(g.vrrp_garp_master_repeat, 1);
    assert_eq!(g.vrrp_garp_master_refresh_repeat, 1);
    // A gap of a second or more is legal but almost certainly a unit mistake.
    let (_, msgs) = defs("vrrp_garp_interval 2");
    assert_eq!(
        msgs,
        ["warning: `vrrp_garp_interval` 2 s is very large for a gap between messages"]
    );
    let (g, msgs) = defs("vrrp_rlimit_rttime 1\nvrrp_rt_priority 150\nvrrp_rt_priority 0");
    assert_eq!(g.processes.vrrp.rlimit_rttime, Duration::from_micros(2));
    assert_eq!(g.processes.vrrp.rt_priority, Some(1));
    assert!(msgs.contains(
        &"warning: `vrrp_rt_priority` 150 is outside 1-99; keepalived uses 99".to_string()
    ));
    let (g, msgs) = defs("process_name a_very_long_process_name");
    assert_eq!(g.processes.process_name.as_deref(), Some("a_very_long_pro"));
    assert!(msgs[1].contains("longer than 15 characters"), "{msgs:?}");
}

#[test]
fn deprecated_spellings_read_into_the_new_fields() {
    let (g, msgs) = defs(
        "lvs_process_name chk\nlvs_flush_onstop VS\nvrrp_vmac_garp_intvl 10\n\
         checker_rlimit_rtime 5000\nenable_snmp_keepalived",
    );
    assert_eq!(g.processes.checker_process_name.as_deref(), Some("chk"));
    assert_eq!(g.lvs_flush_on_stop, LvsFlushOnStop::VirtualServers);
    assert_eq!(
        g.vrrp_garp_extra_if,
        Some(GarpExtraIf {
            all_interfaces: false,
            interval: Duration::from_secs(10)
        })
    );
    assert_eq!(g.processes.checker.rlimit_rttime, Duration::from_millis(5));
    assert!(g.snmp.enable_snmp_vrrp);
    let warnings = only(&msgs, "warning");
    assert_eq!(
        warnings,
        [
            "warning: `lvs_process_name` is deprecated, use `checker_process_name`",
            "warning: `lvs_flush_onstop` is deprecated, use `lvs_flush_on_stop`",
            "warning: `vrrp_vmac_garp_intvl` is deprecated, use `vrrp_garp_extra_if`",
            "warning: `checker_rlimit_rtime` is deprecated, use `checker_rlimit_rttime`",
            "warning: `enable_snmp_keepalived` is deprecated, use `enable_snmp_vrrp`",
        ]
    );
    assert_eq!(
        only(&msgs, "note")[0],
        "note: ha does not act on `checker_process_name` either: ha is one process and keeps \
         the name, priority and limits it is started with"
    );
}

#[test]
fn not_acted_on_keywords_warn_with_a_reason() {
    let (_, msgs) = defs("enable_traps\nvrrp_garp_extra_if 5");
    assert_eq!(
        msgs,
        [
            "warning: `enable_traps` is accepted but ha does not act on it: SNMP is not supported",
            "warning: `vrrp_garp_extra_if` is accepted but ha does not act on it: extra periodic \
             gratuitous ARPs are a VMAC feature ha does not have",
        ]
    );
    // Every reason is short and ends without a full stop.
    for (_, entries) in catalogue() {
        for (name, status) in entries {
            if let Status::NotActedOn(why) = status {
                assert!(why.len() < 90 && !why.ends_with('.'), "{name}: {why}");
            }
        }
    }
}

#[test]
fn plain_flags_read_boolean_words_and_ignore_others() {
    let (g, msgs) = defs("vrrp_strict off\nvrrp_skip_check_adv_addr please");
    assert!(!g.vrrp_strict);
    assert!(g.vrrp_skip_check_adv_addr);
    assert_eq!(
        msgs,
        [
            "note: `vrrp_strict off` turns `vrrp_strict` off in ha | keepalived ignores the word \
             and turns `vrrp_strict` on: leave the line out instead",
            "warning: `vrrp_skip_check_adv_addr` takes no value; `please` is ignored",
        ]
    );
    let (g, msgs) = defs("router_id my router");
    assert_eq!(g.router_id.as_deref(), Some("my"));
    assert_eq!(
        msgs,
        [
            "warning: `router_id` takes one word; `router` and what follows are ignored | put the \
          value in double quotes if it contains spaces"
        ]
    );
}

#[test]
fn first_one_wins_with_a_pointer_to_it() {
    let cases: &[(&str, &str)] = &[
        ("net_namespace a\nnet_namespace b", "net_namespace"),
        ("instance a\ninstance b", "instance"),
        (
            "net_namespace_ipvs\nnet_namespace_ipvs b",
            "net_namespace_ipvs",
        ),
        (
            "global_defs {\nstartup_script /bin/a\n}\nglobal_defs {\nstartup_script /bin/b\n}",
            "startup_script",
        ),
        (
            "global_defs {\nnotify_fifo /a\nnotify_fifo /b\n}",
            "notify_fifo",
        ),
        (
            "global_defs {\nlvs_sync_daemon eth0\nlvs_sync_daemon eth1\n}",
            "lvs_sync_daemon",
        ),
        (
            "global_defs {\nvmac_prefix a\nvmac_prefix b\n}",
            "vmac_prefix",
        ),
        ("global_defs {\nnftables\nnftables b\n}", "nftables"),
        (
            "global_defs {\nsnmp_socket a\nsnmp_socket b\n}",
            "snmp_socket",
        ),
        (
            "global_defs {\ntmp_config_directory a\ntmp_config_directory b\n}",
            "tmp_config_directory",
        ),
        (
            "global_defs {\nvrrp_iptables\nvrrp_iptables A B\n}",
            "vrrp_iptables",
        ),
    ];
    for (text, kw) in cases {
        let (_, diags) = read_with(&format!("{text}\n"));
        let dup: Vec<_> = diags
            .iter()
            .filter(|d| d.message.contains("is already set"))
            .collect();
        assert_eq!(dup.len(), 1, "{text}: {:?}", messages(&diags));
        assert_eq!(
            dup[0].message,
            format!("`{kw}` is already set; this one is ignored (the first one wins)")
        );
        assert_eq!(
            dup[0].span.map(|s| s.line),
            Some(text.lines().count() as u32 - u32::from(text.starts_with("global_defs")))
        );
        assert_eq!(dup[0].related.len(), 1);
        assert!(dup[0].related[0].0.line < dup[0].span.map_or(0, |s| s.line));
    }
    let (g, _) = read("net_namespace a\nnet_namespace b\n");
    assert_eq!(g.net_namespace.map(|s| s.value).as_deref(), Some("a"));
}

#[test]
fn global_defs_blocks_merge() {
    let (g, msgs) = read(
        "global_defs {\n router_id A\n notification_email {\n x@example.com\n }\n}\n\
         global_defs {\n notification_email {\n y@example.com\n }\n vrrp_strict\n}\n",
    );
    assert_eq!(msgs, Vec::<String>::new());
    assert_eq!(g.router_id.as_deref(), Some("A"));
    assert_eq!(g.notification_email.len(), 2);
    assert!(g.vrrp_strict);
    let (_, msgs) = read("global_defs main {\n}\n");
    assert_eq!(
        msgs,
        ["warning: `global_defs` takes no name; `main` is ignored"]
    );
    let (_, msgs) = read("global_defs\n");
    assert_eq!(
        msgs,
        ["error: `global_defs` needs a block: `global_defs ... { ... }`"]
    );
}

#[test]
fn unknown_keywords_suggest() {
    let (_, msgs) = defs("vrrp_stric");
    assert_eq!(
        msgs,
        ["error: unknown keyword `vrrp_stric` in `global_defs` | did you mean `vrrp_strict`?"]
    );
}

#[test]
fn notification_email_block() {
    let (g, msgs) = defs("notification_email {\n}");
    assert!(g.notification_email.is_empty());
    assert_eq!(msgs, ["warning: empty `notification_email` block"]);
    let (g, msgs) = defs("notification_email {\n ops\n}");
    assert_eq!(g.notification_email.len(), 1);
    assert_eq!(
        msgs,
        ["warning: `ops` does not look like an e-mail address"]
    );
    let (_, msgs) = defs("notification_email a@b {\n}");
    assert_eq!(only(&msgs, "error").len(), 1, "{msgs:?}");
}

#[test]
fn garp_defaults_and_vrrp_min_garp() {
    // Lower-priority values follow the master ones when not given.
    let (g, _) = defs("vrrp_garp_master_delay 2\nvrrp_garp_master_repeat 3");
    assert_eq!(g.vrrp_garp_lower_prio_delay, Duration::from_secs(2));
    assert_eq!(g.vrrp_garp_lower_prio_repeat, 3);
    // vrrp_min_garp: minimal values for what is not given, whatever the order of lines.
    for text in [
        "vrrp_min_garp\nvrrp_garp_master_repeat 5",
        "vrrp_garp_master_repeat 5\nvrrp_min_garp",
    ] {
        let (g, msgs) = defs(text);
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(g.vrrp_garp_master_repeat, 5, "{text}");
        assert_eq!(g.vrrp_garp_master_delay, Duration::ZERO);
        assert_eq!(g.vrrp_garp_master_refresh, None);
        assert_eq!(g.vrrp_garp_master_refresh_repeat, 0);
        assert_eq!(g.vrrp_garp_lower_prio_repeat, 5);
    }
    let (g, _) = defs("vrrp_min_garp off");
    assert_eq!(g.vrrp_garp_master_repeat, 5);
    let (g, _) = defs("vrrp_garp_master_refresh 0");
    assert_eq!(g.vrrp_garp_master_refresh, None);
    let (g, _) = defs("vrrp_garp_master_refresh 30");
    assert_eq!(g.vrrp_garp_master_refresh, Some(Duration::from_secs(30)));
    // A later global_defs block takes part too.
    let (g, _) =
        read("global_defs {\nvrrp_min_garp\n}\nglobal_defs {\nvrrp_garp_master_delay 3\n}\n");
    assert_eq!(g.vrrp_garp_master_delay, Duration::from_secs(3));
    assert_eq!(g.vrrp_garp_master_repeat, 1);
}

#[test]
fn smtp_server_grammar() {
    let ok: &[(&str, SmtpHost, u16)] = &[
        ("192.0.2.1", SmtpHost::Ip(IpAddr::from([192, 0, 2, 1])), 25),
        (
            "2001:db8::1 587",
            SmtpHost::Ip("2001:db8::1".parse().unwrap()),
            587,
        ),
        (
            "mail.example.com 2525",
            SmtpHost::Name("mail.example.com".into()),
            2525,
        ),
        ("smtp-relay", SmtpHost::Name("smtp-relay".into()), 25),
    ];
    for (args, host, port) in ok {
        let (g, msgs) = defs(&format!("smtp_server {args}"));
        assert!(msgs.is_empty(), "{args}: {msgs:?}");
        let s = g.smtp_server.unwrap();
        assert_eq!((&s.host, s.port), (host, *port), "{args}");
    }
    let bad: &[(&str, &str)] = &[
        (
            "10.0.0.1:25",
            "error: `smtp_server` wants the port as a separate word, not `10.0.0.1:25` | write \
             `smtp_server 10.0.0.1 25`",
        ),
        (
            "mail.example.com:587",
            "error: `smtp_server` wants the port as a separate word, not `mail.example.com:587` \
             | write `smtp_server mail.example.com 587`",
        ),
        (
            "10.0.0.300",
            "error: `smtp_server` wants an IP address or a host name, not `10.0.0.300`",
        ),
        (
            "mail,server",
            "error: `smtp_server` wants an IP address or a host name, not `mail,server`",
        ),
        (
            "10.0.0.1 0",
            "error: `smtp_server port` 0 is out of range | smtp_server port is 1-65535",
        ),
        (
            "10.0.0.1 smtp",
            "error: `smtp_server port` wants a whole number, not `smtp` | smtp_server port is 1-65535",
        ),
    ];
    for (args, want) in bad {
        let (g, msgs) = defs(&format!("smtp_server {args}"));
        assert_eq!(msgs, [want.to_string()], "{args}");
        assert!(g.smtp_server.is_none());
    }
}

#[test]
fn lvs_sync_daemon_grammar() {
    let (g, msgs) =
        defs("lvs_sync_daemon eth0 inst VI_1 id 7 maxlen 1400 port 8849 ttl 2 group 239.0.0.81");
    assert_eq!(only(&msgs, "warning").len(), 1, "{msgs:?}");
    let sd = g.lvs_sync_daemon.unwrap();
    assert_eq!(sd.interface.value, "eth0");
    assert_eq!(sd.vrrp_instance.map(|s| s.value).as_deref(), Some("VI_1"));
    assert_eq!(
        (sd.sync_id, sd.maxlen, sd.port, sd.ttl),
        (Some(7), Some(1400), Some(8849), Some(2))
    );
    assert_eq!(sd.group, Some(IpAddr::from([239, 0, 0, 81])));
    // The old positional form.
    let (g, msgs) = defs("lvs_sync_daemon eth0 VI_1 9");
    let sd = g.lvs_sync_daemon.unwrap();
    assert_eq!(sd.vrrp_instance.map(|s| s.value).as_deref(), Some("VI_1"));
    assert_eq!(sd.sync_id, Some(9));
    assert!(
        msgs.contains(&"warning: a sync id without `id` is an old form | write `id 9`".to_string())
    );
    let bad: &[(&str, &str)] = &[
        (
            "eth0 id 300",
            "error: `lvs_sync_daemon id` 300 is out of range | lvs_sync_daemon id is 0-255",
        ),
        ("eth0 port", "error: `lvs_sync_daemon port` needs a value"),
        (
            "eth0 group 10.0.0.1",
            "error: `lvs_sync_daemon group` 10.0.0.1 is not a multicast address",
        ),
        (
            "eth0 inst VI_1 tll 3",
            "error: `lvs_sync_daemon` cannot be `tll` | did you mean `ttl`? (inst, id, maxlen, port, ttl, group)",
        ),
    ];
    for (args, want) in bad {
        let (_, msgs) = defs(&format!("lvs_sync_daemon {args}"));
        assert_eq!(only(&msgs, "error"), [want.to_string()], "{args}");
    }
}

#[test]
fn lvs_timeouts_grammar() {
    let (g, msgs) = defs("lvs_timeouts tcp 900\nlvs_timeouts udp 0 tcpfin 60");
    assert_eq!(
        msgs,
        ["note: `lvs_timeouts udp 0` leaves the kernel's timeout unchanged"]
    );
    assert_eq!(
        g.lvs_timeouts,
        LvsTimeouts {
            tcp: Some(Duration::from_secs(900)),
            tcpfin: Some(Duration::from_secs(60)),
            udp: None
        }
    );
    let bad: &[(&str, &str)] = &[
        ("tcp", "error: `lvs_timeouts` needs at least 2 values"),
        (
            "tcp 3000000",
            "error: `lvs_timeouts tcp` 3000000 is out of range | lvs_timeouts tcp is 0-2678400",
        ),
        (
            "tcpp 10 udp 5",
            "error: `lvs_timeouts` cannot be `tcpp` | did you mean `tcp`? (tcp, tcpfin, udp)",
        ),
        (
            "udp 10 tcp",
            "error: `lvs_timeouts tcp` needs a time in seconds",
        ),
    ];
    for (args, want) in bad {
        let (_, msgs) = defs(&format!("lvs_timeouts {args}"));
        assert_eq!(only(&msgs, "error"), [want.to_string()], "{args}");
    }
}

#[test]
fn umask_grammar() {
    let ok: &[(&str, u32)] = &[
        ("022", 0o022),
        ("0", 0),
        ("18", 18),
        ("0x12", 0o022),
        ("0777", 0o777),
        ("IWGRP|IWOTH", 0o022),
        ("IWGRP | IWOTH", 0o022),
        ("IRWXU", u32::MAX),
    ];
    for (args, want) in ok {
        let (g, msgs) = defs(&format!("umask {args}"));
        if *want == u32::MAX {
            assert_eq!(
                only(&msgs, "error"),
                ["error: `umask` has an unknown bit `IRWXU` | bits are IRUSR, IWUSR, IXUSR, IRGRP, \
                  IWGRP, IXGRP, IROTH, IWOTH, IXOTH"]
            );
            continue;
        }
        assert_eq!(only(&msgs, "error"), Vec::<String>::new(), "{args}");
        assert_eq!(g.umask, *want, "{args}");
    }
    let bad: &[(&str, &str)] = &[
        (
            "01000",
            "error: `umask` 01000 is not a file mode mask | write it in octal with a leading 0 \
             (e.g. 022), at most 0777",
        ),
        (
            "09",
            "error: `umask` 09 is not a file mode mask | write it in octal with a leading 0 \
             (e.g. 022), at most 0777",
        ),
        (
            "022 7",
            "error: `umask` takes one number; `7` is one too many",
        ),
        (
            "IWGRP|",
            "error: `umask` has an empty bit between `|`s | e.g. `umask IWGRP|IWOTH`",
        ),
    ];
    for (args, want) in bad {
        let (_, msgs) = defs(&format!("umask {args}"));
        assert_eq!(only(&msgs, "error"), [want.to_string()], "{args}");
    }
}

#[test]
fn include_check_grammar() {
    let all = IncludeCheck {
        read: true,
        match_: true,
        wildcard_match: true,
        brace_match: true,
    };
    let cases: &[(&str, IncludeCheck)] = &[
        ("include_check", all),
        (
            "include_check match",
            IncludeCheck {
                read: true,
                match_: true,
                ..IncludeCheck::default()
            },
        ),
        (
            "include_check\ninclude_check -brace_match -read",
            IncludeCheck {
                read: false,
                brace_match: false,
                ..all
            },
        ),
        (
            "include_check +wildcard_match",
            IncludeCheck {
                wildcard_match: true,
                ..IncludeCheck::default()
            },
        ),
    ];
    for (text, want) in cases {
        let (g, msgs) = defs(text);
        assert_eq!(only(&msgs, "error"), Vec::<String>::new(), "{text}");
        assert_eq!(g.reload.include_check, Some(*want), "{text}");
    }
    let (_, msgs) = defs("include_check readable");
    assert_eq!(
        only(&msgs, "error"),
        ["error: unknown `include_check` type `readable` | keepalived spells it `read`"]
    );
    let (_, msgs) = defs("include_check read match");
    assert_eq!(
        only(&msgs, "error"),
        [
            "error: `include_check` `match` needs `+` or `-` | only the first word may replace \
          the set; add with `+`, remove with `-`"
        ]
    );
}

#[test]
fn rx_bufs_policy_grammar() {
    let cases: &[(&str, RxBufsPolicy, usize)] = &[
        ("MTU", RxBufsPolicy::Mtu, 0),
        ("advert", RxBufsPolicy::Advert, 0),
        ("65536", RxBufsPolicy::Size(65536), 0),
        ("MTU 65536", RxBufsPolicy::Size(65536), 1),
        ("MTU ADVERT", RxBufsPolicy::Mtu, 1),
    ];
    for (args, want, warnings) in cases {
        let (g, msgs) = defs(&format!("vrrp_rx_bufs_policy {args}"));
        assert_eq!(g.buffers.vrrp_rx_bufs_policy, Some(*want), "{args}");
        assert_eq!(
            only(&msgs, "warning").len(),
            1 + warnings,
            "{args}: {msgs:?}"
        );
    }
    let (_, msgs) = defs("vrrp_rx_bufs_policy big");
    assert_eq!(
        only(&msgs, "error"),
        ["error: `vrrp_rx_bufs_policy` cannot be `big` | MTU, ADVERT or a size in bytes"]
    );
}

#[test]
fn shared_fifos_are_used_once() {
    let (g, diags) = read_with(
        "global_defs {\nnotify_fifo /run/a\nvrrp_notify_fifo /run/a\n\
         vrrp_notify_fifo_script /bin/v\nlvs_notify_fifo /run/b\n}\n",
    );
    assert!(g.vrrp_notify_fifo.is_none() && g.vrrp_notify_fifo_script.is_none());
    assert!(g.lvs_notify_fifo.is_some());
    let msgs = messages(&diags);
    assert_eq!(
        msgs,
        [
            "warning: `vrrp_notify_fifo` is the same FIFO as `notify_fifo`; it is ignored | \
          `notify_fifo` already receives every event"
        ]
    );
    let (g, msgs) = read(
        "global_defs {\nvrrp_notify_fifo /run/a\nvrrp_notify_fifo_script /bin/v\n\
         lvs_notify_fifo /run/a\nlvs_notify_fifo_script /bin/l\n}\n",
    );
    assert!(g.lvs_notify_fifo_script.is_none() && g.vrrp_notify_fifo_script.is_some());
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(msgs[0].contains("`lvs_notify_fifo_script` is ignored"));
    let (_, msgs) = defs("notify_fifo_script /bin/x");
    assert_eq!(
        msgs,
        ["warning: `notify_fifo_script` is never run: `notify_fifo` is not set"]
    );
}

#[test]
fn alert_mail_needs_a_server_and_recipients() {
    let cases: &[(&str, &[&str])] = &[
        (
            "smtp_alert",
            &[
                "warning: `smtp_alert` is on but no alert mail can be sent: `smtp_server` and \
               `notification_email` are not set",
            ],
        ),
        (
            "smtp_alert_checker\nsmtp_server 10.0.0.1",
            &[
                "warning: `smtp_alert_checker` is on but no alert mail can be sent: \
               `notification_email` is empty",
            ],
        ),
        ("smtp_alert\nsmtp_alert off", &[]),
        ("smtp_alert off", &[]),
        (
            "smtp_alert\nsmtp_server 10.0.0.1\nnotification_email {\na@b.c\n}",
            &[],
        ),
    ];
    for (text, want) in cases {
        let (_, msgs) = defs(text);
        assert_eq!(msgs, *want, "{text}");
    }
}

#[test]
fn serializes_durations_as_seconds_and_skips_spans() {
    let (g, _) = defs("vrrp_garp_interval 0.25\nnotify_fifo /run/f\nvmac_prefix vr");
    let v = serde_json::to_value(&g).unwrap();
    assert_eq!(v["vrrp_garp_interval"], 0.25);
    assert_eq!(v["smtp_connect_timeout"], 30.0);
    assert_eq!(v["vrrp_garp_master_refresh"], serde_json::Value::Null);
    assert_eq!(v["vmac_prefix"], "vr");
    assert_eq!(v["notify_fifo"]["path"], "/run/f");
    assert!(v["notify_fifo"].get("span").is_none());
    assert!(v.get("garp_given").is_none());
    assert_eq!(v["lvs_flush_on_stop"], "off");
}

#[test]
fn catalogue_lists_every_table() {
    let cat = catalogue();
    let paths: Vec<&str> = cat.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/",
            "global_defs",
            "global_defs/notification_email (line)",
            "global_defs/lvs_timeouts (options)",
            "global_defs/lvs_sync_daemon (options)",
        ]
    );
    assert_eq!(cat[0].1.len(), 8);
    assert_eq!(cat[1].1.len(), 126);
    let supported = cat[1]
        .1
        .iter()
        .filter(|(_, s)| *s == Status::Supported)
        .count();
    assert!(supported > 40, "{supported}");
}
