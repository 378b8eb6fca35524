//! ipvsadm 1.31's listings as pure functions of model values: `-L` in its plain, --stats,
//! --rate, --thresholds, --persistent-conn and --tun-info layouts, --timeout and --daemon.
//! Column widths, the truncation of IPv4 names at 33 and 28 bytes, trailing spaces and the
//! abbreviated counters are ipvsadm's. The rule format (`-S`) is in `crate::ipvs::saved`.

use std::net::IpAddr;

use super::cnum::ntop;
use super::names::Names;
use super::sort;
use crate::ipvs::{Dest, Family, Forward, Info, Protocol, Service, ServiceFlags, ServiceKey};
use crate::ipvs::{SyncDaemon, SyncRole, Timeouts, TunnelType};

/// ipvsadm's output format flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Format {
    pub numeric: bool,
    pub stats: bool,
    pub rate: bool,
    pub thresholds: bool,
    pub persistent_conn: bool,
    pub nosort: bool,
    pub exact: bool,
    pub tun_info: bool,
    /// `-S`: rules that `-R` reads back.
    pub rule: bool,
}

/// The compile-time IPVS version ipvsadm 1.31 reports in `-v`.
pub const IPVS_VERSION_CODE: u32 = 0x010201;

fn version_triplet(v: u32) -> String {
    format!("{}.{}.{}", (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
}

/// `ipvsadm v1.31 ...` (the -v line, also the first line of -h).
pub fn version_line() -> String {
    format!(
        "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v{})\n",
        version_triplet(IPVS_VERSION_CODE)
    )
}

/// The first line of a full listing.
pub fn header(info: &Info) -> String {
    format!(
        "IP Virtual Server version {} (size={})\n",
        version_triplet(info.version),
        info.conn_tab_size as i32
    )
}

/// The column titles (none in rule format).
pub fn title(f: &Format) -> String {
    let remote = "  -> RemoteAddress:Port\n";
    if f.stats {
        format!(
            "{:<33} {:>8} {:>8} {:>8} {:>8} {:>8}\n{remote}",
            "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"
        )
    } else if f.rate {
        format!(
            "{:<33} {:>8} {:>8} {:>8} {:>8} {:>8}\n{remote}",
            "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"
        )
    } else if f.thresholds {
        format!(
            "{:<33} {:<10} {:<10} {:<10} {:<10}\n{remote}",
            "Prot LocalAddress:Port", "Uthreshold", "Lthreshold", "ActiveConn", "InActConn"
        )
    } else if f.persistent_conn {
        format!(
            "{:<33} {:<9} {:<11} {:<10} {:<10}\n{remote}",
            "Prot LocalAddress:Port", "Weight", "PersistConn", "ActiveConn", "InActConn"
        )
    } else if f.tun_info {
        "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n".to_string()
    } else if !f.rule {
        "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n".to_string()
    } else {
        String::new()
    }
}

/// C's `buf[n] = '\0'` on a string: at most `n` bytes.
pub fn truncate_bytes(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    String::from_utf8_lossy(&s.as_bytes()[..n]).into_owned()
}

/// ipvsadm's addrport_to_anyname: `addr:port`, IPv6 in brackets, names unless numeric
/// (a port has a name only for TCP, UDP and SCTP), at most 59 bytes.
pub fn addrport(
    addr: IpAddr,
    port: u16,
    proto: Option<Protocol>,
    numeric: bool,
    names: &dyn Names,
) -> String {
    let (open, close) = match addr {
        IpAddr::V4(_) => ("", ""),
        IpAddr::V6(_) => ("[", "]"),
    };
    let s = if numeric {
        format!("{open}{}{close}:{port}", ntop(&addr))
    } else {
        let host = names.host_name(addr).unwrap_or_else(|| ntop(&addr));
        let serv = proto
            .and_then(|p| names.service_name(port, p))
            .unwrap_or_else(|| port.to_string());
        format!("{open}{host}{close}:{serv}")
    };
    truncate_bytes(&s, 59)
}

fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
        Protocol::Sctp => "SCTP",
    }
}

/// The protocol a service's ports are named for (none for fwmark services).
pub fn service_protocol(svc: &Service) -> Option<Protocol> {
    match svc.key {
        ServiceKey::Addr { protocol, .. } => Some(protocol),
        ServiceKey::Fwmark { .. } => None,
    }
}

/// The service column of a listing: `TCP  addr:port` (IPv4 cut at 33 bytes), `FWM  mark`.
fn service_column(svc: &Service, f: &Format, names: &dyn Names) -> String {
    match svc.key {
        ServiceKey::Fwmark { family, mark } => match family {
            Family::V6 => format!("FWM  {} IPv6", mark as i32),
            Family::V4 => format!("FWM  {}", mark as i32),
        },
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => {
            let v = addrport(addr, port, Some(protocol), f.numeric, names);
            let s = format!("{:<4} {}", protocol_name(protocol), v);
            if addr.is_ipv6() {
                s
            } else {
                truncate_bytes(&s, 33)
            }
        }
    }
}

/// Scheduler flags by the scheduler's names for them (`sh-fallback,sh-port`).
pub fn sched_flags(svc: &Service) -> String {
    let f = svc.flags;
    let named: &[(u32, &str)] = match svc.scheduler.as_str() {
        "sh" => &[
            (ServiceFlags::SCHED1, "sh-fallback"),
            (ServiceFlags::SCHED2, "sh-port"),
        ],
        "mh" => &[
            (ServiceFlags::SCHED1, "mh-fallback"),
            (ServiceFlags::SCHED2, "mh-port"),
        ],
        _ => &[
            (ServiceFlags::SCHED1, "flag-1"),
            (ServiceFlags::SCHED2, "flag-2"),
            (ServiceFlags::SCHED3, "flag-3"),
        ],
    };
    named
        .iter()
        .filter(|(bit, _)| f.has(*bit))
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

pub fn has_sched_flags(svc: &Service) -> bool {
    svc.flags.0 & (ServiceFlags::SCHED1 | ServiceFlags::SCHED2 | ServiceFlags::SCHED3) != 0
}

/// print_largenum: right-aligned in 9 columns, abbreviated with K/M/G/T unless exact.
pub fn largenum(i: u64, exact: bool) -> String {
    if exact {
        let len = i.to_string().len();
        let width = if len <= 8 { 9 } else { len + 1 };
        return format!("{i:>width$}");
    }
    if i < 100_000_000 {
        format!("{i:>9}")
    } else if i < 1_000_000_000 {
        format!("{:>8}K", i / 1000)
    } else if i < 100_000_000_000 {
        format!("{:>8}M", i / 1_000_000)
    } else if i < 100_000_000_000_000 {
        format!("{:>8}G", i / 1_000_000_000)
    } else {
        format!("{:>8}T", i / 1_000_000_000_000)
    }
}

/// The name of a forwarding method in listings ("(null)" is what printf makes of the
/// missing name for Bypass).
pub fn forward_name(f: Forward) -> &'static str {
    match f {
        Forward::Masq => "Masq",
        Forward::Local => "Local",
        Forward::Tunnel => "Tunnel",
        Forward::Route => "Route",
        Forward::Bypass => "(null)",
    }
}

fn tunnel_flags_short(flags: u16) -> &'static str {
    match flags {
        0 => "-c",
        1 => "+c",
        2 => "r+c",
        _ => "?",
    }
}

/// The TunnelInfo column (`gue:6080:+c`), None for non-tunnel destinations.
fn tunnel_info(d: &Dest) -> Option<String> {
    if d.forward != Forward::Tunnel {
        return None;
    }
    let t = d.tunnel;
    Some(match t.kind {
        TunnelType::Ipip => "ipip".to_string(),
        TunnelType::Gue => format!("gue:{}:{}", t.port, tunnel_flags_short(t.flags.0)),
        TunnelType::Gre => format!("gre:{}", tunnel_flags_short(t.flags.0)),
    })
}

/// One service and its destinations (sorted unless `nosort`), in the listing or rule
/// format `f` asks for.
pub fn service_entry(svc: &Service, dests: &[Dest], f: &Format, names: &dyn Names) -> String {
    let mut dests = dests.to_vec();
    if !f.nosort {
        sort::sort_dests(&mut dests);
    }
    if f.rule {
        return crate::ipvs::saved::service_rules(svc, &dests, f.numeric, names);
    }
    let name = service_column(svc, f, names);
    let mut out = String::new();
    if f.stats || f.rate {
        let s = &svc.stats;
        let v = if f.stats {
            [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes]
        } else {
            [s.cps, s.inpps, s.outpps, s.inbps, s.outbps]
        };
        out.push_str(&format!("{name:<33}"));
        for n in v {
            out.push_str(&largenum(n, f.exact));
        }
    } else {
        out.push_str(&format!("{name} {}", svc.scheduler));
        if has_sched_flags(svc) {
            out.push_str(&format!(" ({})", sched_flags(svc)));
        }
        if svc.is_persistent() {
            out.push_str(&format!(" persistent {}", svc.timeout));
            match svc.key.family() {
                Family::V4 if svc.netmask != u32::MAX => {
                    out.push_str(&format!(" mask {}", std::net::Ipv4Addr::from(svc.netmask)))
                }
                Family::V6 if svc.netmask != 128 => {
                    out.push_str(&format!(" mask {}", svc.netmask as i32))
                }
                _ => {}
            }
            if let Some(pe) = svc.pe_name.as_deref().filter(|p| !p.is_empty()) {
                out.push_str(&format!(" pe {pe}"));
            }
        }
        if svc.flags.has(ServiceFlags::ONEPACKET) {
            out.push_str(" ops");
        }
    }
    out.push('\n');
    let proto = service_protocol(svc);
    for d in &dests {
        let dname = addrport(d.addr, d.port, proto, f.numeric, names);
        let dname = if d.addr.is_ipv6() {
            dname
        } else {
            truncate_bytes(&dname, 28)
        };
        if f.stats {
            let s = &d.stats;
            out.push_str(&format!("  -> {dname:<28}"));
            for n in [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes] {
                out.push_str(&largenum(n, f.exact));
            }
            out.push('\n');
        } else if f.rate {
            let s = &d.stats;
            out.push_str(&format!(
                "  -> {dname:<28} {:>8} {:>8} {:>8}{}{}\n",
                s.cps,
                s.inpps,
                s.outpps,
                largenum(s.inbps, f.exact),
                largenum(s.outbps, f.exact)
            ));
        } else if f.thresholds {
            out.push_str(&format!(
                "  -> {dname:<28} {:<10} {:<10} {:<10} {:<10}\n",
                d.u_threshold, d.l_threshold, d.active_conns, d.inact_conns
            ));
        } else if f.persistent_conn {
            out.push_str(&format!(
                "  -> {dname:<28} {:<9} {:<11} {:<10} {:<10}\n",
                d.weight, d.persist_conns, d.active_conns, d.inact_conns
            ));
        } else if f.tun_info {
            let ti = tunnel_info(d).unwrap_or_else(|| "n/a".to_string());
            out.push_str(&format!(
                "  -> {dname:<28} {:<7} {ti:<13} {:<6} {:<10} {:<10}\n",
                forward_name(d.forward),
                d.weight,
                d.active_conns,
                d.inact_conns
            ));
        } else {
            out.push_str(&format!(
                "  -> {dname:<28} {:<7} {:<6} {:<10} {:<10}\n",
                forward_name(d.forward),
                d.weight,
                d.active_conns,
                d.inact_conns
            ));
        }
    }
    out
}

/// `-L --timeout`.
pub fn timeouts(t: &Timeouts) -> String {
    format!(
        "Timeout (tcp tcpfin udp): {} {} {}\n",
        t.tcp as i32, t.tcp_fin as i32, t.udp as i32
    )
}

/// `-L --daemon`: one line per running daemon, in the kernel's order.
pub fn daemons(list: &[SyncDaemon]) -> String {
    let mut out = String::new();
    for d in list {
        let role = match d.role {
            SyncRole::Master => "master",
            SyncRole::Backup => "backup",
        };
        out.push_str(&format!(
            "{role} sync daemon (mcast={}, syncid={}",
            truncate_bytes(&d.mcast_ifn, 15),
            d.syncid
        ));
        if d.sync_maxlen != 0 {
            out.push_str(&format!(", maxlen={}", d.sync_maxlen));
        }
        if let Some(g) = d.mcast_group {
            out.push_str(&format!(", group={}", ntop(&g)));
        }
        if d.mcast_port != 0 {
            out.push_str(&format!(", port={}", d.mcast_port));
        }
        if d.mcast_ttl != 0 {
            out.push_str(&format!(", ttl={}", d.mcast_ttl));
        }
        out.push_str(")\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compat::ipvsadm::names::TableNames;
    use crate::ipvs::{ServiceFlags, Tunnel, TunnelFlags};
    use std::net::IpAddr;

    /// ipvsadm 1.31's outputs for the table that golden-basic.sh builds in the VM.
    const GOLDEN: &str = include_str!("../../../tests/data/ipvsadm/golden-basic.txt");

    /// The output golden-basic.txt records after `### <command>`.
    fn golden(command: &str) -> String {
        let marker = format!("### {command}\n");
        let start = GOLDEN.find(&marker).expect("command in golden-basic.txt") + marker.len();
        let len = GOLDEN[start..].find("### rc=").expect("rc line");
        GOLDEN[start..start + len].to_string()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    fn dest(addr: &str, port: u16, forward: Forward, weight: i32) -> Dest {
        let mut d = Dest::new(ip(addr), port);
        d.forward = forward;
        d.weight = weight;
        d
    }

    /// The table as the kernel reports it after golden-basic.sh's commands.
    fn table() -> Vec<(Service, Vec<Dest>)> {
        let tcp80 = Service {
            scheduler: "wrr".into(),
            ..Service::new(ServiceKey::Addr {
                protocol: Protocol::Tcp,
                addr: ip("10.0.0.1"),
                port: 80,
            })
        };
        let mut masq = dest("10.0.0.3", 8080, Forward::Masq, 1);
        masq.u_threshold = 100;
        masq.l_threshold = 10;
        let udp53 = Service {
            scheduler: "rr".into(),
            flags: ServiceFlags(ServiceFlags::PERSISTENT | ServiceFlags::HASHED),
            timeout: 300,
            ..Service::new(ServiceKey::Addr {
                protocol: Protocol::Udp,
                addr: ip("10.0.0.1"),
                port: 53,
            })
        };
        let mut tunnel = dest("10.0.0.4", 53, Forward::Tunnel, 1);
        tunnel.tunnel = Tunnel {
            kind: TunnelType::Ipip,
            port: 0,
            flags: TunnelFlags(0),
        };
        let fwm7 = Service {
            scheduler: "sh".into(),
            flags: ServiceFlags(ServiceFlags::SCHED1 | ServiceFlags::SCHED2),
            ..Service::new(ServiceKey::Fwmark {
                family: Family::V4,
                mark: 7,
            })
        };
        let v6 = Service {
            scheduler: "mh".into(),
            flags: ServiceFlags(ServiceFlags::SCHED2),
            ..Service::new(ServiceKey::Addr {
                protocol: Protocol::Tcp,
                addr: ip("fd00::1"),
                port: 443,
            })
        };
        // Kernel order: hash order for services, newest destination first.
        vec![
            (fwm7, vec![dest("10.0.0.5", 0, Forward::Route, 1)]),
            (v6, vec![dest("fd00::2", 443, Forward::Masq, 3)]),
            (udp53, vec![tunnel]),
            (tcp80, vec![masq, dest("10.0.0.2", 80, Forward::Route, 2)]),
        ]
    }

    fn names() -> TableNames {
        let mut n = TableNames::default();
        for (port, proto, name) in [
            (80, Protocol::Tcp, "http"),
            (8080, Protocol::Tcp, "http-alt"),
            (53, Protocol::Udp, "domain"),
            (443, Protocol::Tcp, "https"),
        ] {
            n.services.push((port, proto, name.to_string()));
        }
        n
    }

    fn listing(f: &Format) -> String {
        let info = Info {
            version: 0x010201,
            conn_tab_size: 4096,
        };
        let mut t = table();
        crate::compat::ipvsadm::sort::sort_services(&mut t, |(s, _)| s);
        let mut out = if f.rule { String::new() } else { header(&info) };
        out.push_str(&title(f));
        for (s, d) in &t {
            out.push_str(&service_entry(s, d, f, &names()));
        }
        out
    }

    fn numeric() -> Format {
        Format {
            numeric: true,
            ..Format::default()
        }
    }

    #[test]
    fn listings_match_ipvsadm_byte_for_byte() {
        assert_eq!(listing(&numeric()), golden("ipvsadm -Ln"));
        assert_eq!(listing(&Format::default()), golden("ipvsadm -L"));
        for (flag, f) in [
            (
                "--stats",
                Format {
                    stats: true,
                    ..numeric()
                },
            ),
            (
                "--rate",
                Format {
                    rate: true,
                    ..numeric()
                },
            ),
            (
                "--thresholds",
                Format {
                    thresholds: true,
                    ..numeric()
                },
            ),
            (
                "--persistent-conn",
                Format {
                    persistent_conn: true,
                    ..numeric()
                },
            ),
            (
                "--exact",
                Format {
                    exact: true,
                    ..numeric()
                },
            ),
        ] {
            assert_eq!(
                listing(&f),
                golden(&format!("ipvsadm -Ln {flag}")),
                "{flag}"
            );
        }
    }

    #[test]
    fn rules_match_ipvsadm_save() {
        let rule = Format {
            rule: true,
            ..Format::default()
        };
        assert_eq!(
            listing(&Format {
                numeric: true,
                ..rule
            }),
            golden("ipvsadm -S -n")
        );
        assert_eq!(listing(&rule), golden("ipvsadm -S"));
        assert_eq!(
            crate::ipvs::saved::save(&table(), true, &names()),
            golden("ipvsadm -S -n")
        );
    }

    #[test]
    fn one_service_timeouts_and_version() {
        let t = table();
        let (s, d) = &t[3];
        let mut out = title(&numeric());
        out.push_str(&service_entry(s, d, &numeric(), &names()));
        assert_eq!(out, golden("ipvsadm -Ln -t 10.0.0.1:80"));
        let timeouts = Timeouts {
            tcp: 900,
            tcp_fin: 120,
            udp: 300,
        };
        assert_eq!(super::timeouts(&timeouts), golden("ipvsadm -L --timeout"));
        assert_eq!(version_line(), golden("ipvsadm -v"));
        assert_eq!(daemons(&[]), golden("ipvsadm -L --daemon"));
    }

    #[test]
    fn counters_abbreviate_like_ipvsadm() {
        assert_eq!(largenum(99_999_999, false), " 99999999");
        assert_eq!(largenum(100_000_000, false), "  100000K");
        assert_eq!(largenum(1_000_000_000, false), "    1000M");
        assert_eq!(largenum(100_000_000_000, false), "     100G");
        assert_eq!(largenum(100_000_000_000_000, false), "     100T");
        assert_eq!(largenum(123_456_789_012, true), " 123456789012");
        assert_eq!(largenum(5, true), "        5");
    }

    #[test]
    fn names_are_cut_where_ipvsadm_cuts_them() {
        let mut n = names();
        n.hosts.push((
            ip("10.0.0.3"),
            "rs3-with-a-rather-long-name.example.org".into(),
        ));
        let svc = Service::new(ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: ip("10.0.0.3"),
            port: 8080,
        });
        let d = dest("10.0.0.3", 8080, Forward::Masq, 1);
        let out = service_entry(&svc, &[d], &Format::default(), &n);
        assert_eq!(
            out,
            "TCP  rs3-with-a-rather-long-name. wlc\n  -> rs3-with-a-rather-long-name. Masq    1      0          0         \n"
        );
    }
}
