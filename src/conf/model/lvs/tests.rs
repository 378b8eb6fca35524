use std::net::IpAddr;
use std::time::Duration;

use super::*;
use crate::conf::diag::Diagnostic;
use crate::conf::{parse_str, Parsed};

fn parse(text: &str) -> Parsed {
    parse_str("keepalived.conf", text)
}

/// Every finding as `severity: message | hint`.
fn msgs(p: &Parsed) -> Vec<String> {
    p.diags.iter().map(Diagnostic::one_line).collect()
}

/// The findings of `text` must include each of `want` (as substrings, in any order).
fn expect(text: &str, want: &[&str]) -> Parsed {
    let p = parse(text);
    let got = msgs(&p);
    for w in want {
        assert!(
            got.iter().any(|g| g.contains(w)),
            "missing `{w}` in:\n{}\n--- for:\n{text}",
            got.join("\n")
        );
    }
    p
}

fn clean(text: &str) -> Parsed {
    let p = parse(text);
    assert!(p.diags.is_empty(), "{}", msgs(&p).join("\n"));
    p
}

/// A TCP virtual server with one NAT real server and its TCP_CHECK (checker 0); `vs`,
/// `rs` and `chk` are spliced into the blocks.
fn one(vs: &str, rs: &str, chk: &str) -> String {
    format!(
        "virtual_server 10.0.0.1 80 {{\n protocol TCP\n {vs}\n real_server 10.0.0.2 {{\n TCP_CHECK {{\n {chk}\n }}\n {rs}\n }}\n}}\n"
    )
}

fn first_vs(p: &Parsed) -> &VirtualServer {
    &p.config.lvs.virtual_servers[0]
}

fn tcp(c: &Checker) -> &TcpCheck {
    match c {
        Checker::Tcp(t) => t,
        other => panic!("not a TCP_CHECK: {other:?}"),
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn defaults_follow_keepalived() {
    let p = clean(&one("", "", ""));
    let vs = first_vs(&p);
    assert_eq!(vs.lvs_sched, Scheduler::Wlc);
    assert_eq!(vs.lvs_method, Forwarding::default());
    assert_eq!(vs.protocol, Some(Protocol::Tcp));
    assert_eq!(vs.family, Some(Family::Inet));
    assert_eq!((vs.quorum, vs.hysteresis, vs.weight), (1, 0, 1));
    assert_eq!((vs.delay_loop, vs.connect_timeout), (secs(60), secs(5)));
    assert!(!vs.smtp_alert && vs.persistence.is_none());
    let rs = &vs.real_servers[0];
    assert_eq!(
        rs.port,
        Some(80),
        "a NAT real server without a port takes the service's"
    );
    assert_eq!((rs.weight, rs.smtp_alert), (1, true));
    let c = tcp(&rs.checkers[0]);
    assert_eq!(c.common.retry, 1);
    assert_eq!(c.common.delay_before_retry, secs(1));
    assert_eq!(c.common.warmup, secs(60), "warmup defaults to delay_loop");
    assert_eq!(c.conn.connect_ip, "10.0.0.2".parse::<IpAddr>().unwrap());
    assert_eq!(c.conn.connect_port, Some(80));
    assert_eq!(c.conn.connect_timeout, secs(5));
    let opts = c.conn.connect_opts().unwrap();
    assert_eq!(opts.dst, "10.0.0.2:80".parse().unwrap());
}

#[test]
fn inheritance_from_virtual_to_real_server_to_checker() {
    let p = clean(&one(
        "retry 4\n delay_loop 10\n connect_timeout 2\n alpha\n inhibit_on_failure\n weight 7\n delay_before_retry 2\n warmup 0",
        "connect_timeout 3\n retry 5",
        "delay_loop 9\n connect_port 8080\n connect_ip 10.0.0.9",
    ));
    let rs = &first_vs(&p).real_servers[0];
    assert_eq!(
        (rs.weight, rs.alpha, rs.inhibit_on_failure),
        (7, true, true)
    );
    assert_eq!((rs.retry, rs.connect_timeout), (Some(5), secs(3)));
    let c = tcp(&rs.checkers[0]);
    assert_eq!((c.common.retry, c.common.alpha), (5, true));
    assert_eq!(c.common.delay_loop, secs(9));
    assert_eq!(c.common.delay_before_retry, secs(2));
    assert_eq!(c.common.warmup, Duration::ZERO);
    assert_eq!(c.conn.connect_timeout, secs(3));
    assert_eq!(c.conn.connect_port, Some(8080));
    assert_eq!(c.conn.connect_ip, "10.0.0.9".parse::<IpAddr>().unwrap());
}

#[test]
fn checker_kinds_have_their_own_defaults() {
    let p = clean(
        "virtual_server 10.0.0.1 53 {\n protocol UDP\n delay_loop 7\n real_server 10.0.0.2 53 {\n\
         MISC_CHECK {\n misc_path /bin/true\n }\n DNS_CHECK {\n name example.com\n type aaaa\n }\n\
         HTTP_GET {\n url {\n path /\n }\n }\n }\n}\n",
    );
    let rs = &first_vs(&p).real_servers[0];
    let timing: Vec<(u32, Duration)> = rs
        .checkers
        .iter()
        .map(|c| {
            let c = c.common().unwrap();
            (c.retry, c.delay_before_retry)
        })
        .collect();
    assert_eq!(timing, [(0, secs(1)), (3, secs(7)), (1, secs(3))]);
    let Checker::Misc(m) = &rs.checkers[0] else {
        panic!()
    };
    assert_eq!(m.timeout, secs(7), "misc_timeout defaults to delay_loop");
    let Checker::Dns(d) = &rs.checkers[1] else {
        panic!()
    };
    assert_eq!((d.kind, d.name.as_str()), (DnsType::Aaaa, "example.com"));
}

#[test]
fn http_urls_status_codes_digest_and_virtualhost() {
    let p = clean(&one(
        "virtualhost vs.example",
        "HTTP_GET {\n http_protocol 1.1\n url {\n path /a\n status_code 200 300-302\n status_code 404\n \
         digest 9B3A0C85A887A256D6939DA88AABD8CD\n }\n url {\n path /b\n virtualhost b.example\n }\n }",
        "",
    ));
    let rs = &first_vs(&p).real_servers[0];
    let Checker::HttpGet(h) = &rs.checkers[1] else {
        panic!("{:?}", rs.checkers)
    };
    assert_eq!(h.virtualhost.as_deref(), Some("vs.example"));
    assert_eq!(h.urls[0].status_code.to_string(), "200,300-302,404");
    assert!(h.urls[0].status_code.to_status_set().contains(301));
    assert!(h.urls[0].to_url_check().status.contains(404));
    assert_eq!(h.urls[1].status_code.to_string(), "200-299");
    assert_eq!(h.urls[0].virtualhost.as_deref(), Some("vs.example"));
    assert_eq!(h.urls[1].virtualhost.as_deref(), Some("b.example"));
    assert_eq!(h.urls[0].digest.map(|d| d[0]), Some(0x9b));
    let json = serde_json::to_value(&p.config.lvs).unwrap();
    let url = &json["virtual_servers"][0]["real_servers"][0]["checkers"][1]["urls"][0];
    assert_eq!(url["digest"], "9b3a0c85a887a256d6939da88aabd8cd");
    assert_eq!(
        json["virtual_servers"][0]["real_servers"][0]["checkers"][1]["type"],
        "HTTP_GET"
    );
    assert_eq!(
        json["virtual_servers"][0]["real_servers"][0]["checkers"][1]["http_protocol"],
        "1.1"
    );
}

#[test]
fn range_and_value_errors() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "weight 0",
            "",
            "",
            "`weight` 0 is out of range | weight is 1-2147483647",
        ),
        ("quorum 0", "", "", "`quorum` 0 is out of range"),
        ("delay_loop 0", "", "", "`delay_loop` 0 is out of range"),
        (
            "connect_timeout 5000",
            "",
            "",
            "`connect_timeout` 5000 is out of range",
        ),
        (
            "persistence_timeout 9999999",
            "",
            "",
            "`persistence_timeout` 9999999 is out of range",
        ),
        (
            "lvs_sched rrr",
            "",
            "",
            "`lvs_sched` cannot be `rrr` | did you mean `rr`?",
        ),
        ("protocol ICMP", "", "", "`protocol` cannot be `ICMP`"),
        (
            "lvs_method DR type ipip",
            "",
            "",
            "tunnel options only apply to `TUN`",
        ),
        (
            "lvs_method TUN type gue",
            "",
            "",
            "a gue tunnel needs `port <PORT>`",
        ),
        (
            "lvs_method TUN port 5",
            "",
            "",
            "only gue tunnels take a port",
        ),
        (
            "lvs_method TUN csum",
            "",
            "",
            "ipip tunnels have no checksum option",
        ),
        (
            "lvs_method TUN type gre remcsum",
            "",
            "",
            "gre tunnels do not support `remcsum`",
        ),
        (
            "ip_family inet6",
            "",
            "",
            "`ip_family` conflicts with the IPv4 address 10.0.0.1",
        ),
        (
            "",
            "weight 2147483648",
            "",
            "`weight` 2147483648 is out of range",
        ),
        ("", "uthreshold -1", "", "`uthreshold` wants a whole number"),
        (
            "",
            "uthreshold 10\n lthreshold 11",
            "",
            "error: `lthreshold` 11 is above `uthreshold` 10",
        ),
        (
            "",
            "lthreshold 5",
            "",
            "error: `lthreshold` 5 is above `uthreshold` 0 | IPVS refuses",
        ),
        (
            "",
            "",
            "connect_port 0",
            "`connect_port` 0 is out of range | connect_port is 1-65535",
        ),
        (
            "",
            "",
            "bind_if averyveryverylongname",
            "`bind_if` `averyveryverylongname` is too long",
        ),
        (
            "",
            "",
            "connect_ip 10.0.0.300",
            "`connect_ip` wants an IP address",
        ),
        (
            "",
            "",
            "bindto 2001:db8::1",
            "`bindto` 2001:db8::1 is not of the real server's address family",
        ),
        ("", "", "retry -1", "`retry` wants a whole number"),
        ("", "", "warmup x", "`warmup` wants seconds"),
        (
            "sorry_server 10.0.0.5:80",
            "",
            "",
            "the port goes after a space: `10.0.0.5 80`",
        ),
        (
            "persistence_granularity 255.255.x.0",
            "",
            "",
            "wants a netmask or a prefix length",
        ),
        (
            "hysteresis 1",
            "",
            "",
            "hysteresis 1 must be below the quorum 1; ha uses 0",
        ),
    ];
    for (vs, rs, chk, want) in cases {
        expect(&one(vs, rs, chk), &[want]);
    }
}

#[test]
fn thresholds_follow_the_kernels_rule() {
    // The kernel accepts lower == upper and refuses lower > upper, even with upper 0.
    clean(&one("", "uthreshold 10\n lthreshold 10", ""));
    let p = expect(&one("", "lthreshold 3", ""), &["error: `lthreshold` 3"]);
    let shown = crate::conf::diag::render(p.diags.iter().next().unwrap(), &p.sources);
    assert!(shown.starts_with("keepalived.conf:8:"), "{shown}");
}

#[test]
fn retry_zero_is_read_as_no_retries() {
    let p = expect(
        &one("retry 0", "", ""),
        &["note: `retry 0` means no retries"],
    );
    assert_eq!(
        tcp(&first_vs(&p).real_servers[0].checkers[0]).common.retry,
        0
    );
}

#[test]
fn deprecated_and_not_acted_on_keywords_warn() {
    let p = expect(
        &one(
            "lb_algo rr\n lb_kind DR\n hashed\n snmp_name web",
            "snmp_name rs1\n HTTP_GET {\n nb_get_retry 4\n url {\n path /\n }\n }\n BFD_CHECK {\n name b1\n }",
            "",
        ),
        &[
            "warning: `lb_algo` is deprecated, use `lvs_sched`",
            "warning: `lb_kind` is deprecated, use `lvs_method`",
            "warning: `nb_get_retry` is deprecated, use `retry`",
            "warning: `hashed` is accepted but ha does not act on it: obsolete",
            "warning: `snmp_name` is accepted but ha does not act on it: SNMP is not supported",
            "warning: `BFD_CHECK` is accepted but ha does not act on it: BFD is not supported",
            "error: bfd_instance `b1` is not defined",
        ],
    );
    let vs = first_vs(&p);
    assert_eq!(vs.lvs_sched, Scheduler::Rr);
    assert_eq!(vs.lvs_method.method, Method::Dr);
    let Checker::HttpGet(h) = &vs.real_servers[0].checkers[1] else {
        panic!()
    };
    assert_eq!(h.common.retry, 4);
}

#[test]
fn protocol_defaults_to_tcp_with_a_warning() {
    let p = expect(
        "virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n }\n}\n",
        &["warning: virtual server 10.0.0.1:80 has no `protocol`; ha uses TCP | keepalived 2.2.7 uses UDP"],
    );
    assert_eq!(first_vs(&p).protocol, Some(Protocol::Tcp));
    let p = expect(
        "virtual_server fwmark 5 {\n protocol UDP\n real_server 10.0.0.2 80 {\n }\n}\n",
        &["warning: `protocol` is ignored for a fwmark service"],
    );
    assert_eq!(first_vs(&p).protocol, None);
}

#[test]
fn scheduler_flags_need_their_scheduler() {
    let p = expect(
        &one("sh-port\n lvs_sched wlc\n ops", "", ""),
        &[
            "`sh-port` only applies to the sh scheduler (this service uses wlc); ignored",
            "one-packet scheduling (`ops`) needs `protocol UDP`; ignored",
        ],
    );
    assert!(!first_vs(&p).flags.sh_port && !first_vs(&p).flags.ops);
    // In ha the order does not matter (keepalived needs lvs_sched first).
    let p = clean(&one("mh-fallback\n lvs_sched mh", "", ""));
    assert!(first_vs(&p).flags.mh_fallback);
}

#[test]
fn forwarding_and_ports() {
    // DR keeps the port: a different real-server port is replaced by the service's.
    let p = expect(
        &one("lvs_method DR", "", "").replace("10.0.0.2 {", "10.0.0.2 8080 {"),
        &["DR forwarding keeps the port: real server 10.0.0.2:8080 is used with the service's port 80"],
    );
    assert_eq!(first_vs(&p).real_servers[0].port, Some(80));
    // NAT may change it.
    let p = clean(&one("", "", "").replace("10.0.0.2 {", "10.0.0.2 8080 {"));
    assert_eq!(first_vs(&p).real_servers[0].port, Some(8080));
    // fwmark + DR: no port; the checker then needs connect_port.
    let p = expect(
        "virtual_server fwmark 1 {\n lvs_method DR\n real_server 10.0.0.2 80 {\n TCP_CHECK {\n }\n }\n}\n",
        &[
            "a DR real server of a fwmark service takes no port; 80 is ignored",
            "`TCP_CHECK` of real server 10.0.0.2 has no port to connect to",
        ],
    );
    assert_eq!(first_vs(&p).real_servers[0].port, None);
    let tun = clean(&one("lvs_method TUN type gue port 6080 csum", "", ""));
    let f = first_vs(&tun).real_servers[0].lvs_method;
    assert_eq!(
        f.tunnel,
        Some(Tunnel {
            kind: TunnelKind::Gue,
            port: Some(6080),
            csum: Csum::Csum
        })
    );
}

#[test]
fn families_must_match_unless_tunnelled() {
    expect(
        "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 2001:db8::2 80 {\n }\n}\n",
        &["real server 2001:db8::2 is IPv6 but the virtual server 10.0.0.1:80 is IPv4 | only TUN"],
    );
    clean("virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 2001:db8::2 80 {\n lvs_method TUN\n }\n}\n");
    let p = clean("virtual_server fwmark 3 {\n real_server 2001:db8::2 80 {\n }\n}\n");
    assert_eq!(first_vs(&p).family, Some(Family::Inet6));
}

#[test]
fn persistence_rules() {
    let p = expect(
        "virtual_server 10.0.0.1 {\n protocol TCP\n real_server 10.0.0.2 {\n }\n}\n",
        &["a service without a port needs persistence: ha uses `persistence_timeout 360`"],
    );
    assert_eq!(first_vs(&p).persistence.map(|p| p.timeout), Some(360));
    let p = expect(
        &one("persistence_granularity 24", "", ""),
        &["note: ha reads `24` as the netmask 255.255.255.0"],
    );
    assert_eq!(
        first_vs(&p).persistence,
        Some(Persistence {
            timeout: 360,
            granularity: Some(Granularity::Netmask("255.255.255.0".parse().unwrap()))
        })
    );
    let p = clean(&one("persistence_timeout", "", ""));
    assert_eq!(first_vs(&p).persistence.map(|p| p.timeout), Some(360));
}

#[test]
fn quorum_above_total_weight_is_lowered() {
    let p = expect(
        &one("quorum 5", "weight 2", ""),
        &["quorum 5 of 10.0.0.1:80 exceeds the real servers' total weight 2; ha uses 2"],
    );
    assert_eq!(first_vs(&p).quorum, 2);
}

#[test]
fn sorry_server_settings_apply_in_any_order() {
    let p = clean(&one(
        "sorry_server_inhibit\n sorry_server_lvs_method DR\n sorry_server 10.0.0.9",
        "",
        "",
    ));
    let s = first_vs(&p).sorry_server.as_ref().unwrap();
    assert!(s.inhibit);
    assert_eq!(s.lvs_method.method, Method::Dr);
    assert_eq!(s.port, Some(80));
    expect(
        &one("sorry_server_inhibit", "", ""),
        &["`sorry_server_inhibit` has no `sorry_server` to apply to; ignored"],
    );
}

#[test]
fn virtual_server_heads() {
    expect(
        "virtual_server 10.0.0.1:80 {\n}\n",
        &["the port goes after a space: `10.0.0.1 80`"],
    );
    expect(
        "virtual_server fwmark 0 {\n}\n",
        &["`fwmark` 0 is out of range"],
    );
    expect(
        "virtual_server {\n}\n",
        &["`virtual_server` needs an address and port"],
    );
    let p = expect(
        "virtual_server 10.0.0.1 80 {\n protocol TCP\n}\n",
        &["virtual server 10.0.0.1:80 has no real servers; it is ignored"],
    );
    assert!(p.config.lvs.virtual_servers.is_empty());
}

#[test]
fn groups_lines_and_references() {
    let p = expect(
        "virtual_server group web {\n protocol TCP\n real_server 10.0.0.2 80 {\n }\n}\n\
         virtual_server_group web {\n 10.0.0.1 80\n 10.0.0.1-10 443\n 10.0.1.0/30 80\n 10.0.2.1-10.0.2.5 0\n \
         2001:db8::1-1f 80\n fwmark 7 inet\n}\n",
        &["a service without a port needs persistence"],
    );
    let g = &p.config.lvs.virtual_server_groups[0];
    let ranges: Vec<String> = g
        .entries
        .iter()
        .map(|e| match e {
            GroupEntry::Range {
                first, last, port, ..
            } => format!("{first}-{last}:{port:?}"),
            GroupEntry::Fwmark { mark, family, .. } => format!("fwmark {mark} {family:?}"),
        })
        .collect();
    assert_eq!(
        ranges,
        [
            "10.0.0.1-10.0.0.1:Some(80)",
            "10.0.0.1-10.0.0.10:Some(443)",
            "10.0.1.0-10.0.1.3:Some(80)",
            "10.0.2.1-10.0.2.5:None",
            "2001:db8::1-2001:db8::1f:Some(80)",
            "fwmark 7 Some(Inet)",
        ]
    );
    let vs = first_vs(&p);
    assert!(
        vs.persistence.is_some(),
        "a port-less entry implies persistence"
    );
    expect(
        "virtual_server_group g {\n 10.0.0.5-3\n 10.0.0.1/24\n 10.0.0.1-300\n 10.0.0.1 80 90\n fwmark 1 ipx\n}\n",
        &[
            "`10.0.0.5-3`: the range end must be above its start",
            "`10.0.0.1/24`: the address has bits set beyond the /24 prefix | did you mean `10.0.0.0/24`?",
            "`10.0.0.1-300`: the range end is a last octet (0-255) or a full address",
            "`90` is one word too many",
            "`fwmark family` cannot be `ipx`",
        ],
    );
    expect(
        "virtual_server_group g {\n}\nvirtual_server_group g {\n 10.0.0.1 80\n 2001:db8::1 80\n fwmark 1\n}\n",
        &[
            "virtual_server_group `g` has no entries",
            "virtual_server_group `g` is defined again; the first one is used",
            "a fwmark needs its family",
        ],
    );
    expect(
        "virtual_server_group webs {\n 10.0.0.1 80\n}\n\
         virtual_server group web {\n real_server 10.0.0.2 80 {\n }\n}\n",
        &["error: virtual_server_group `web` is not defined | did you mean `webs`?"],
    );
}

#[test]
fn duplicates() {
    expect(
        &(one("", "notify_up /a.sh\n notify_up /b.sh", "")
            + "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.3 80 {\n }\n real_server 10.0.0.3 {\n }\n}\n"),
        &[
            "warning: `notify_up` is already set; this one is ignored",
            "error: real server 10.0.0.3:80 is listed twice in virtual server 10.0.0.1:80",
            "warning: virtual server 10.0.0.1:80 is defined twice",
        ],
    );
    expect(
        &one(
            "",
            "HTTP_GET {\n url {\n path /\n digest 9b3a0c85a887a256d6939da88aabd8cd\n digest 00000000000000000000000000000000\n }\n }\n DNS_CHECK {\n name a.\n name b.\n }",
            "",
        ),
        &[
            "`digest` is already set; this one is ignored",
            "`name` is already set; this one is ignored",
        ],
    );
}

#[test]
fn glued_keywords_and_comments() {
    let p = expect(
        &one("", "", "connect_ip192.168.1.1\n connect_port80"),
        &[
            "error: unknown keyword `connect_ip192.168.1.1` in `TCP_CHECK` | a space is missing: `connect_ip 192.168.1.1`",
            "a space is missing: `connect_port 80`",
        ],
    );
    let c = tcp(&first_vs(&p).real_servers[0].checkers[0]);
    assert_eq!(c.conn.connect_ip, "192.168.1.1".parse::<IpAddr>().unwrap());
    assert_eq!(c.conn.connect_port, Some(80));
    // The seed's `misc_path /usr/local/bin/script.sh!misc_dynamic`.
    let p = expect(
        &one("", "MISC_CHECK {\n misc_path /usr/local/bin/script.sh!misc_dynamic\n }", ""),
        &["warning: `!` starts a comment, so `misc_dynamic` here is not read | put `misc_dynamic` on a line of its own"],
    );
    let Checker::Misc(m) = &first_vs(&p).real_servers[0].checkers[1] else {
        panic!()
    };
    assert!(!m.dynamic);
    assert_eq!(m.script.argv, ["/usr/local/bin/script.sh"]);
    expect(
        &one("", "HTTP_GET|SSL_GET {\n }", "nb_get_retry 3"),
        &[
            "unknown keyword `nb_get_retry` in `TCP_CHECK` | write `retry 3`: in `TCP_CHECK` keepalived 2.2.7 ignores",
            "unknown keyword `HTTP_GET|SSL_GET` in `real_server` (its block is skipped) | choose one of `HTTP_GET`, `SSL_GET`",
        ],
    );
    // A comment after a blank, or words that are not keywords, are fine.
    clean(&one(
        "",
        "MISC_CHECK {\n misc_path /x.sh !misc_dynamic\n }",
        "delay_loop 3#five",
    ));
}

#[test]
fn misc_check_path_user_and_arguments() {
    let p = expect(
        &one(
            "",
            "MISC_CHECK {\n misc_path /bin/check arg1\n misc_timeout 3\n misc_dynamic\n user nobody nogroup\n }",
            "",
        ),
        &["`misc_path` runs `/bin/check` only; the words after it are ignored | quote the command to pass arguments: misc_path \"/bin/check arg1\""],
    );
    let Checker::Misc(m) = &first_vs(&p).real_servers[0].checkers[1] else {
        panic!()
    };
    assert_eq!((m.timeout, m.dynamic), (secs(3), true));
    assert_eq!(m.script.user.as_deref(), Some("nobody"));
    assert_eq!(m.script.group.as_deref(), Some("nogroup"));
    let p = clean(&one(
        "",
        "MISC_CHECK {\n misc_path \"/bin/check -x 'a b'\"\n }",
        "",
    ));
    let Checker::Misc(m) = &first_vs(&p).real_servers[0].checkers[1] else {
        panic!()
    };
    assert_eq!(m.script.argv, ["/bin/check", "-x", "a b"]);
    expect(
        &one("", "MISC_CHECK {\n misc_timeout 3\n }", ""),
        &["`MISC_CHECK` has no `misc_path`; the checker is ignored"],
    );
}

#[test]
fn smtp_host_blocks_become_checkers() {
    let p = expect(
        &one(
            "",
            "SMTP_CHECK {\n helo_name me.example\n retry 2\n host {\n connect_ip 10.0.0.7\n connect_port 25\n }\n host {\n connect_ip 10.0.0.8\n connect_port 587\n retry 9\n }\n }",
            "",
        ),
        &["warning: `host` is deprecated, use `one SMTP_CHECK block per host`"],
    );
    let smtp: Vec<(String, Option<u16>, u32, String)> = first_vs(&p).real_servers[0]
        .checkers
        .iter()
        .filter_map(|c| match c {
            Checker::Smtp(s) => Some((
                s.conn.connect_ip.to_string(),
                s.conn.connect_port,
                s.common.retry,
                s.helo_name.clone(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        smtp,
        [
            ("10.0.0.7".into(), Some(25), 2, "me.example".into()),
            ("10.0.0.8".into(), Some(587), 9, "me.example".into()),
        ]
    );
}

#[test]
fn udp_payloads_and_replies() {
    let pat = checker::udp::parse_hex("Ab12f 3", false).unwrap();
    assert_eq!(pat.data, [0xab, 0x12, 0x0f, 0x03]);
    let wild = checker::udp::parse_hex("01 x2 ff", true).unwrap();
    assert_eq!(
        (wild.data.clone(), wild.mask.clone()),
        (vec![1, 2, 0xff], vec![0, 0xf0, 0])
    );
    assert!(wild.matches(&[1, 0x72, 0xff, 9]));
    assert!(!wild.matches(&[1, 0x73, 0xff]));
    assert!(checker::udp::parse_hex("0g", false).is_err());
    expect(
        &one(
            "",
            "UDP_CHECK {\n payload zz\n min_reply_length 300\n }",
            "",
        ),
        &[
            "`payload`: `z` is not a hex digit",
            "`min_reply_length` 300 is above `max_reply_length` 255",
        ],
    );
}

#[test]
fn file_check_uses_track_file() {
    let text = "track_file tf {\n file /run/w\n weight 3 reverse\n}\n".to_string()
        + &one(
            "",
            "FILE_CHECK {\n track_file tf\n }\n FILE_CHECK {\n track_file tf\n weight -4\n }",
            "",
        );
    let p = parse(&text);
    let files: Vec<(i32, bool)> = first_vs(&p).real_servers[0]
        .checkers
        .iter()
        .filter_map(|c| match c {
            Checker::File(f) => Some((f.weight, f.reverse)),
            _ => None,
        })
        .collect();
    assert_eq!(files, [(3, true), (-4, false)]);
    expect(
        &("track_file tfile {\n file /run/w\n}\n".to_string()
            + &one("", "FILE_CHECK {\n track_file tf1le\n }", "")),
        &["error: track_file `tf1le` is not defined | did you mean `tfile`?"],
    );
}

#[test]
fn http_checker_mistakes() {
    expect(
        &one(
            "",
            "HTTP_GET {\n url {\n digest 123\n status_code 200,abc 99 300-200\n regex_options caseles\n regex_no_match\n }\n }\n SSL_GET {\n }",
            "",
        ),
        &[
            "`digest` `123` is not an MD5 digest",
            "`status_code` `abc` is not a status code or a range",
            "`status_code` `99` is not a status code or a range",
            "`status_code` `300-200` is not a status code or a range",
            "unknown regex option `caseles` | did you mean `caseless`?",
            "regex settings without `regex` are ignored",
            "`url` has no `path`; it is ignored",
            "`HTTP_GET` has no `url` to fetch; the checker is ignored",
            "`SSL_GET` has no `url` to fetch; the checker is ignored",
        ],
    );
    // The regex is read (and checked) but ha does not match it yet: each keyword warns.
    let p = expect(
        &one(
            "",
            "SSL_GET {\n enable_sni\n url {\n path /\n regex \"up+\"\n regex_options caseless dotall\n regex_max_offset 100\n }\n }",
            "",
        ),
        &[
            "`regex` is accepted but ha does not act on it",
            "`regex_options` is accepted but ha does not act on it",
            "`regex_max_offset` is accepted but ha does not act on it",
        ],
    );
    assert_eq!(p.diags.len(), 3, "{}", msgs(&p).join("\n"));
    let Checker::SslGet(h) = &first_vs(&p).real_servers[0].checkers[1] else {
        panic!()
    };
    assert!(h.enable_sni);
    let r = h.urls[0].regex.as_ref().unwrap();
    assert_eq!((r.pattern.as_str(), r.max_offset), ("up+", Some(100)));
    assert_eq!(r.options, ["caseless", "dotall"]);
}

#[test]
fn link_local_checks_need_bind_if() {
    expect(
        "virtual_server 2001:db8::1 80 {\n protocol TCP\n real_server fe80::2 80 {\n TCP_CHECK {\n }\n }\n}\n",
        &["`TCP_CHECK` connects to the link-local address fe80::2, which needs `bind_if`"],
    );
}

#[test]
fn ssl_block() {
    let p = expect(
        "SSL {\n ca /etc/ca.pem\n ca /etc/ca2.pem\n certificate /c.pem\n key /k.pem\n}\nSSL {\n password x\n}\n",
        &[
            "`ca` is given again; this one replaces the earlier one",
            "a second `SSL` block replaces the first one entirely",
        ],
    );
    let ssl = p.config.lvs.ssl.as_ref().unwrap();
    assert_eq!(
        (ssl.password.as_deref(), ssl.ca.as_deref()),
        (Some("x"), None)
    );
}

#[test]
fn pure_flags_honour_off() {
    let p = expect(
        &one("alpha off\n omega", "", ""),
        &["note: ha turns `alpha` off here; keepalived 2.2.7 ignores the word and turns it on"],
    );
    assert!(!first_vs(&p).alpha && first_vs(&p).omega);
}

#[test]
fn weights_with_unweighted_schedulers_get_a_note() {
    let text = one("lvs_sched rr", "weight 3", "").replace(
        "}\n}\n",
        "}\n real_server 10.0.0.3 80 {\n weight 1\n }\n}\n",
    );
    expect(&text, &["note: the rr scheduler gives every real server"]);
}

#[test]
fn global_defaults_reach_real_servers_and_checkers() {
    let text = "global_defs {\n smtp_alert_checker off\n checker_log_all_failures\n}\n".to_string()
        + &one("", "", "");
    let p = parse(&text);
    let vs = first_vs(&p);
    assert!(!vs.smtp_alert && !vs.real_servers[0].smtp_alert);
    assert!(tcp(&vs.real_servers[0].checkers[0]).common.log_all_failures);
}

#[test]
fn catalogue_lists_every_block() {
    let cat = catalogue();
    let count = |path: &str| {
        cat.iter()
            .find(|(p, _)| p == path)
            .map(|(_, e)| e.len())
            .unwrap_or_else(|| panic!("no {path}"))
    };
    let rs = "virtual_server/real_server";
    // The counts of keywords.tsv (keepalived 2.2.7).
    for (path, n) in [
        ("SSL".to_string(), 4),
        ("virtual_server".to_string(), 39),
        (rs.to_string(), 26),
        (format!("{rs}/MISC_CHECK"), 10),
        (format!("{rs}/SMTP_CHECK"), 15),
        (format!("{rs}/SMTP_CHECK/host"), 13),
        (format!("{rs}/TCP_CHECK"), 13),
        (format!("{rs}/PING_CHECK"), 13),
        (format!("{rs}/UDP_CHECK"), 17),
        (format!("{rs}/HTTP_GET"), 19),
        (format!("{rs}/HTTP_GET/url"), 10),
        (format!("{rs}/SSL_GET"), 19),
        (format!("{rs}/SSL_GET/url"), 10),
        (format!("{rs}/DNS_CHECK"), 15),
        (format!("{rs}/FILE_CHECK"), 2),
        (format!("{rs}/BFD_CHECK"), 2),
    ] {
        assert_eq!(count(&path), n, "{path}");
    }
    assert_eq!(count("/"), 3);
}
