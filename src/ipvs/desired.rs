//! The IPVS table a configuration asks for, before any health check has run: what keepalived
//! 2.2.7 puts in the kernel when it starts (check/ipwrapper.c `init_service_vs`), which is
//! what `ha ipvs apply` installs and what the daemon starts from.
//!
//! - Each `virtual_server` is one service; `virtual_server group NAME` is one service per
//!   address of each range entry and per `fwmark` entry of the group, all with the virtual
//!   server's settings and real servers.
//! - Every real server is present with its configured weight, forwarding method and
//!   thresholds, except those that start down: a real server with an `alpha` checker starts
//!   failed (keepalived runs no check first), so it is left out, or kept with weight 0 when
//!   `inhibit_on_failure` is set. A real server without checkers is always up.
//! - The sorry server is in the table only when the real servers that start up weigh 0 or
//!   less than `quorum + hysteresis`: then it is added (weight 1) and the real servers that
//!   are up are taken out (or set to weight 0 with `inhibit_on_failure`). With
//!   `sorry_server_inhibit` and the quorum met, it is there with weight 0. The quorum is at
//!   most the real servers' total configured weight, also with dynamic weights ([`effective_quorum`]).
//! - FILE_CHECK and MISC_CHECK results are not known before they run; they count as up.
//! - Keywords that do not map to the IPVS table (`ha_suspend`, `omega`, notify scripts,
//!   checker timing, `quorum_up`...) are not looked at here.
//!
//! Where ha departs from keepalived: a `persistence_granularity` applies to every service of
//! a group (keepalived resets range entries to a full netmask), and an IPv6 range walks the
//! whole address range (keepalived steps only its last 16 bits).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::diff::{service_label, ServiceState};
use super::model::{
    Dest, Family, Forward, Protocol, Service, ServiceFlags, ServiceKey, Tunnel, TunnelFlags,
    TunnelType,
};
use crate::conf::model::lvs::{
    Csum, Family as ConfFamily, Forwarding, Granularity, GroupEntry, Method,
    Protocol as ConfProtocol, RealServer, SchedFlags, Service as ConfService, TunnelKind,
    VirtualServer, VirtualServerGroup,
};
use crate::conf::model::Config;

/// A configuration's table: its services in configuration order, and what the reader
/// should know about how it was derived (real servers left out, sorry servers in use).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Desired {
    pub services: Vec<ServiceState>,
    pub notes: Vec<String>,
}

/// The most services a configuration may expand to (group ranges make large numbers
/// easy to write by mistake: `10.0.0.0/8` is 16 million services).
pub const MAX_SERVICES: u128 = 65_536;

/// The most destinations (services times their real servers) a configuration may expand
/// to: a group of many services times many real servers is as easy to write.
pub const MAX_DESTS: u128 = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesiredError {
    /// The configuration expands to more than [`MAX_SERVICES`] services; `what` names the
    /// group entry or virtual server where the limit was crossed.
    TooManyServices { what: String, count: u128 },
    /// The configuration expands to more than [`MAX_DESTS`] destinations (each service
    /// counts its real servers); `what` as for `TooManyServices`.
    TooManyDests { what: String, count: u128 },
}

impl std::fmt::Display for DesiredError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DesiredError::TooManyServices { what, count } => write!(
                f,
                "{what} makes the configuration {count} IPVS services; at most {MAX_SERVICES} are supported"
            ),
            DesiredError::TooManyDests { what, count } => write!(
                f,
                "{what} makes the configuration {count} IPVS real servers (services times their real servers); at most {MAX_DESTS} are supported"
            ),
        }
    }
}

impl std::error::Error for DesiredError {}

/// The table `config` asks for at start. The configuration should be free of errors
/// (virtual servers naming an undefined group are skipped).
pub fn from_config(config: &Config) -> Result<Desired, DesiredError> {
    let lvs = &config.lvs;
    let mut out = Desired::default();
    let mut seen = std::collections::HashSet::new();
    let mut total = Totals::default();
    for vs in &lvs.virtual_servers {
        let group = match &vs.service {
            ConfService::Group { name } => {
                match lvs.virtual_server_groups.iter().find(|g| &g.name == name) {
                    Some(g) => Some(g),
                    None => continue,
                }
            }
            _ => None,
        };
        let members = members(vs, &mut out.notes);
        let keys = service_keys(vs, group, members.len(), &mut total)?;
        if vs.persistence.is_none() {
            if let Some(pe) = &vs.persistence_engine {
                out.notes.push(format!(
                    "virtual server {}: persistence_engine {pe} is ignored without persistence (as keepalived does)",
                    vs.label()
                ));
            }
        }
        for key in keys {
            if !seen.insert(key) {
                out.notes.push(format!(
                    "virtual server {}: service {} is already defined above; this one is skipped",
                    vs.label(),
                    service_label(&key)
                ));
                continue;
            }
            out.services.push(ServiceState {
                service: service(vs, key),
                dests: members.iter().map(|m| m.dest(&key)).collect(),
            });
        }
    }
    Ok(out)
}

/// What a configuration expands to so far, counted before each expansion.
#[derive(Default)]
struct Totals {
    services: u128,
    dests: u128,
}

/// The kernel services of a virtual server with `dests` destinations each.
fn service_keys(
    vs: &VirtualServer,
    group: Option<&VirtualServerGroup>,
    dests: usize,
    total: &mut Totals,
) -> Result<Vec<ServiceKey>, DesiredError> {
    let protocol = match vs.protocol {
        Some(ConfProtocol::Udp) => Protocol::Udp,
        Some(ConfProtocol::Sctp) => Protocol::Sctp,
        // The reader makes a service by address without `protocol` TCP.
        Some(ConfProtocol::Tcp) | None => Protocol::Tcp,
    };
    let vs_family = vs.family.map(family);
    let mut count = |what: &dyn Fn() -> String, n: u128| {
        total.services = total.services.saturating_add(n);
        if total.services > MAX_SERVICES {
            return Err(DesiredError::TooManyServices {
                what: what(),
                count: total.services,
            });
        }
        total.dests = total.dests.saturating_add(n.saturating_mul(dests as u128));
        if total.dests > MAX_DESTS {
            return Err(DesiredError::TooManyDests {
                what: what(),
                count: total.dests,
            });
        }
        Ok(())
    };
    match (&vs.service, group) {
        (ConfService::Address { ip, port }, _) => {
            count(&|| format!("virtual server {}", vs.label()), 1)?;
            Ok(vec![ServiceKey::Addr {
                protocol,
                addr: *ip,
                port: port.unwrap_or(0),
            }])
        }
        (ConfService::Fwmark { mark }, _) => {
            count(&|| format!("virtual server {}", vs.label()), 1)?;
            Ok(vec![ServiceKey::Fwmark {
                family: vs_family.unwrap_or(Family::V4),
                mark: *mark,
            }])
        }
        (ConfService::Group { .. }, Some(g)) => {
            let mut keys = Vec::new();
            for e in &g.entries {
                match e {
                    GroupEntry::Range {
                        first, last, port, ..
                    } => {
                        let n = range_len(first, last);
                        count(
                            &|| format!("virtual_server_group {} entry {}", g.name, first),
                            n,
                        )?;
                        keys.extend(range(*first, *last).map(|addr| ServiceKey::Addr {
                            protocol,
                            addr,
                            port: port.unwrap_or(0),
                        }));
                    }
                    GroupEntry::Fwmark {
                        mark, family: f, ..
                    } => {
                        count(
                            &|| format!("virtual_server_group {} entry fwmark {mark}", g.name),
                            1,
                        )?;
                        keys.push(ServiceKey::Fwmark {
                            // keepalived: the entry's family, else the virtual server's,
                            // else IPv4.
                            family: f.map(family).or(vs_family).unwrap_or(Family::V4),
                            mark: *mark,
                        });
                    }
                }
            }
            Ok(keys)
        }
        (ConfService::Group { .. }, None) => Ok(Vec::new()),
    }
}

fn family(f: ConfFamily) -> Family {
    match f {
        ConfFamily::Inet => Family::V4,
        ConfFamily::Inet6 => Family::V6,
    }
}

/// How many addresses `first..=last` holds (0 if reversed or of mixed families).
fn range_len(first: &IpAddr, last: &IpAddr) -> u128 {
    match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            u128::from(u32::from(*b)).saturating_sub(u128::from(u32::from(*a))) + 1
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => u128::from(*b)
            .saturating_sub(u128::from(*a))
            .saturating_add(1),
        _ => 0,
    }
}

/// Every address from `first` to `last`, both included.
fn range(first: IpAddr, last: IpAddr) -> Box<dyn Iterator<Item = IpAddr>> {
    match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            Box::new((u32::from(a)..=u32::from(b)).map(|n| IpAddr::V4(Ipv4Addr::from(n))))
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            Box::new((u128::from(a)..=u128::from(b)).map(|n| IpAddr::V6(Ipv6Addr::from(n))))
        }
        _ => Box::new(std::iter::empty()),
    }
}

/// The service settings of a virtual server, for one of its keys.
fn service(vs: &VirtualServer, key: ServiceKey) -> Service {
    let mut s = Service::new(key);
    s.scheduler = vs.lvs_sched.name().to_string();
    s.flags = ServiceFlags(sched_flags(&vs.flags));
    if let Some(p) = &vs.persistence {
        s.flags.0 |= ServiceFlags::PERSISTENT;
        s.timeout = p.timeout;
        match (p.granularity, key.family()) {
            (Some(Granularity::Netmask(m)), Family::V4) => s.netmask = u32::from(m),
            (Some(Granularity::Prefix(len)), Family::V6) => s.netmask = u32::from(len),
            (Some(Granularity::Prefix(len)), Family::V4) => {
                s.netmask = u32::MAX
                    .checked_shl(32 - u32::from(len.min(32)))
                    .unwrap_or(0)
            }
            // An IPv4 netmask on an IPv6 service was refused by the reader.
            (Some(Granularity::Netmask(_)), Family::V6) | (None, _) => {}
        }
        // keepalived sends the engine only with persistence.
        s.pe_name = vs.persistence_engine.clone();
    }
    s
}

fn sched_flags(f: &SchedFlags) -> u32 {
    let mut bits = 0;
    let mut set = |on: bool, bit: u32| {
        if on {
            bits |= bit
        }
    };
    set(f.ops, ServiceFlags::ONEPACKET);
    set(
        f.flag_1 || f.sh_fallback || f.mh_fallback,
        ServiceFlags::SCHED1,
    );
    set(f.flag_2 || f.sh_port || f.mh_port, ServiceFlags::SCHED2);
    set(f.flag_3, ServiceFlags::SCHED3);
    bits
}

/// A destination of the virtual server, before its port is settled per service.
struct Member {
    addr: IpAddr,
    port: Option<u16>,
    forwarding: Forwarding,
    weight: i32,
    u_threshold: u32,
    l_threshold: u32,
}

impl Member {
    fn of(rs: &RealServer, weight: i32) -> Member {
        Member {
            addr: rs.ip,
            port: rs.port,
            forwarding: rs.lvs_method,
            weight,
            u_threshold: rs.uthreshold,
            l_threshold: rs.lthreshold,
        }
    }

    /// keepalived's port rule: NAT forwards to the server's own port; DR and TUN keep the
    /// service's port (none for fwmark services).
    fn dest(&self, key: &ServiceKey) -> Dest {
        let port = match (self.forwarding.method, key) {
            (Method::Nat, _) => self.port.unwrap_or(0),
            (_, ServiceKey::Addr { port, .. }) => *port,
            (_, ServiceKey::Fwmark { .. }) => 0,
        };
        let mut d = Dest::new(self.addr, port);
        d.weight = self.weight;
        d.u_threshold = self.u_threshold;
        d.l_threshold = self.l_threshold;
        d.forward = match self.forwarding.method {
            Method::Nat => Forward::Masq,
            Method::Dr => Forward::Route,
            Method::Tun => Forward::Tunnel,
        };
        if let Some(t) = self.forwarding.tunnel {
            d.tunnel = Tunnel {
                kind: match t.kind {
                    TunnelKind::Ipip => TunnelType::Ipip,
                    TunnelKind::Gue => TunnelType::Gue,
                    TunnelKind::Gre => TunnelType::Gre,
                },
                port: t.port.unwrap_or(0),
                flags: TunnelFlags(match t.csum {
                    Csum::Nocsum => 0,
                    Csum::Csum => TunnelFlags::CSUM,
                    Csum::Remcsum => TunnelFlags::REMCSUM,
                }),
            };
        }
        d
    }
}

/// keepalived's quorum and hysteresis of a virtual server: the quorum at most the real
/// servers' total configured weight, the hysteresis below the quorum. The reader lowers them
/// the same way except when a MISC_CHECK with `misc_dynamic` or a FILE_CHECK can raise
/// weights at run time; keepalived lowers the quorum even then, so this does too.
pub fn effective_quorum(vs: &VirtualServer) -> (u64, u64) {
    let total: u64 = vs.real_servers.iter().map(|rs| u64::from(rs.weight)).sum();
    let quorum = u64::from(vs.quorum).min(total);
    let hysteresis = u64::from(vs.hysteresis).min(quorum.saturating_sub(1));
    (quorum, hysteresis)
}

/// The destinations of a virtual server at start (see the module documentation).
fn members(vs: &VirtualServer, notes: &mut Vec<String>) -> Vec<Member> {
    let mut out: Vec<Member> = Vec::new();
    let mut up_weight: u64 = 0;
    // Indices in `out` of the real servers that start up, with their inhibit setting.
    let mut up = Vec::new();
    for rs in &vs.real_servers {
        let weight = i32::try_from(rs.weight).unwrap_or(i32::MAX);
        let starts_down = rs
            .checkers
            .iter()
            .any(|c| c.common().is_some_and(|c| c.alpha));
        if !starts_down {
            up_weight += u64::from(rs.weight);
            up.push((out.len(), rs.inhibit_on_failure));
            out.push(Member::of(rs, weight));
        } else if rs.inhibit_on_failure {
            notes.push(format!(
                "real server {} of {} starts down (alpha): weight 0 until a check passes (inhibit_on_failure)",
                rs.label(),
                vs.label()
            ));
            out.push(Member::of(rs, 0));
        } else {
            notes.push(format!(
                "real server {} of {} starts down (alpha): left out until a check passes",
                rs.label(),
                vs.label()
            ));
        }
    }
    let Some(sorry) = &vs.sorry_server else {
        return out;
    };
    let sorry_member = |weight| Member {
        addr: sorry.ip,
        port: sorry.port,
        forwarding: sorry.lvs_method,
        weight,
        u_threshold: 0,
        l_threshold: 0,
    };
    let same_as_sorry = |m: &Member| m.addr == sorry.ip && m.port == sorry.port;
    let (quorum, hysteresis) = effective_quorum(vs);
    // Weight 0 is never quorum, even a quorum of 0: keepalived's hysteresis wraps below a
    // quorum lowered to 0, so it starts with the quorum down.
    if up_weight == 0 || up_weight < quorum + hysteresis {
        let why = if up_weight == 0 {
            "weigh 0".to_string()
        } else {
            format!("weigh {up_weight}, below quorum {quorum} + hysteresis {hysteresis}")
        };
        notes.push(format!(
            "virtual server {}: the real servers that start up {why}: the sorry server {} takes the traffic",
            vs.label(),
            crate::ipvs::diff::dest_label(&sorry.ip, sorry.port.unwrap_or(0))
        ));
        // Real servers that are up leave the pool (weight 0 with inhibit_on_failure).
        let mut keep = vec![true; out.len()];
        for (i, inhibit) in up.into_iter().rev() {
            if let Some(m) = out.get_mut(i) {
                if inhibit {
                    m.weight = 0;
                } else if let Some(k) = keep.get_mut(i) {
                    *k = false;
                }
            }
        }
        let mut flags = keep.into_iter();
        out.retain(|_| flags.next().unwrap_or(true));
        out.retain(|m| !same_as_sorry(m));
        out.push(sorry_member(1));
    } else if sorry.inhibit && !out.iter().any(same_as_sorry) {
        out.push(sorry_member(0));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::parse_str;
    use crate::ipvs::diff::{diff, plan, Step};

    fn desired(text: &str) -> Desired {
        let parsed = parse_str("test.conf", text);
        let errors: Vec<String> = parsed
            .diags
            .sorted()
            .into_iter()
            .filter(|d| d.severity == crate::conf::diag::Severity::Error)
            .map(|d| d.message.clone())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        from_config(&parsed.config).unwrap()
    }

    fn lines(d: &Desired) -> Vec<String> {
        plan(&d.services, &[]).iter().map(Step::line).collect()
    }

    #[test]
    fn a_plain_virtual_server() {
        let d = desired(
            "virtual_server 10.0.0.1 80 {
                lvs_sched wrr
                lvs_method DR
                protocol TCP
                persistence_timeout 300
                real_server 10.0.0.2 80 { weight 3 }
                real_server 10.0.0.3 80 { weight 0 }
            }",
        );
        assert_eq!(
            lines(&d),
            vec![
                "+ service TCP 10.0.0.1:80 wrr persistent 300",
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.2:80 dr weight 3",
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.3:80 dr weight 0",
            ]
        );
        assert!(d.notes.is_empty(), "{:?}", d.notes);
    }

    #[test]
    fn defaults_are_keepalived_s() {
        // wlc, NAT, weight 1; a NAT real server without a port takes the service's.
        let d = desired(
            "virtual_server 10.0.0.1 80 {
                protocol TCP
                real_server 10.0.0.2 { }
                real_server 10.0.0.3 8080 { }
            }",
        );
        assert_eq!(
            lines(&d),
            vec![
                "+ service TCP 10.0.0.1:80 wlc",
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.2:80 nat weight 1",
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.3:8080 nat weight 1",
            ]
        );
    }

    #[test]
    fn methods_per_real_server_thresholds_and_tunnels() {
        let d = desired(
            "virtual_server 10.0.0.1 443 {
                protocol TCP
                lvs_method NAT
                real_server 10.0.0.2 8443 {
                    lvs_method DR
                    uthreshold 100
                    lthreshold 10
                }
                real_server 10.0.0.3 443 { lvs_method TUN type gue port 6080 csum }
                real_server 10.0.0.4 443 { lvs_method TUN type gre }
                real_server 10.0.0.5 8443 { }
            }",
        );
        assert_eq!(
            lines(&d)[1..],
            [
                "+ dest TCP 10.0.0.1:443 -> 10.0.0.2:443 dr weight 1 upper 100 lower 10",
                "+ dest TCP 10.0.0.1:443 -> 10.0.0.3:443 tun gue port 6080 csum weight 1",
                "+ dest TCP 10.0.0.1:443 -> 10.0.0.4:443 tun gre nocsum weight 1",
                "+ dest TCP 10.0.0.1:443 -> 10.0.0.5:8443 nat weight 1",
            ]
        );
    }

    #[test]
    fn ipv6_udp_and_sctp_services() {
        let d = desired(
            "virtual_server fd00::1 53 {
                protocol UDP
                lvs_sched rr
                ops
                persistence_timeout 60
                persistence_granularity 64
                real_server fd00::2 53 { }
            }
            virtual_server 10.0.0.1 3868 {
                protocol SCTP
                real_server 10.0.0.2 3868 { }
            }",
        );
        assert_eq!(
            lines(&d),
            vec![
                "+ service UDP [fd00::1]:53 rr persistent 60 netmask 64 ops",
                "+ dest UDP [fd00::1]:53 -> [fd00::2]:53 nat weight 1",
                "+ service SCTP 10.0.0.1:3868 wlc",
                "+ dest SCTP 10.0.0.1:3868 -> 10.0.0.2:3868 nat weight 1",
            ]
        );
    }

    #[test]
    fn fwmark_services_and_scheduler_flags() {
        let d = desired(
            "virtual_server fwmark 7 {
                lvs_sched sh
                sh-port
                sh-fallback
                lvs_method DR
                real_server 10.0.0.5 80 { }
            }
            virtual_server fwmark 8 {
                lvs_sched mh
                mh-port
                lvs_method NAT
                real_server fd00::5 8080 { }
            }",
        );
        assert_eq!(
            lines(&d),
            vec![
                "+ service FWM 7 sh sched-flags sh-fallback,sh-port",
                "+ dest FWM 7 -> 10.0.0.5:0 dr weight 1",
                "+ service FWM 8 IPv6 mh sched-flags mh-port",
                "+ dest FWM 8 IPv6 -> [fd00::5]:8080 nat weight 1",
            ]
        );
    }

    #[test]
    fn persistence_granularity_and_engine() {
        let d = desired(
            "virtual_server 10.0.0.1 5060 {
                protocol UDP
                persistence_timeout 600
                persistence_granularity 255.255.255.0
                persistence_engine sip
                real_server 10.0.0.2 5060 { }
            }
            virtual_server 10.0.0.1 80 {
                protocol TCP
                persistence_engine sip
                real_server 10.0.0.2 80 { }
            }",
        );
        assert_eq!(
            lines(&d)[0],
            "+ service UDP 10.0.0.1:5060 wlc persistent 600 netmask 255.255.255.0 pe sip"
        );
        assert_eq!(lines(&d)[2], "+ service TCP 10.0.0.1:80 wlc");
        assert_eq!(d.notes.len(), 1, "{:?}", d.notes);
        assert!(d.notes[0].contains("ignored without persistence"));
    }

    #[test]
    fn group_ranges_addresses_and_fwmarks() {
        let d = desired(
            "virtual_server_group web {
                10.0.0.1-3 80
                10.0.1.1 8080
                fwmark 5 inet
                fd00::1-2 443
            }
            virtual_server group web {
                protocol TCP
                lvs_sched rr
                lvs_method DR
                real_server 10.0.0.20 { }
                real_server 10.0.0.21 9000 { lvs_method NAT }
            }",
        );
        let keys: Vec<String> = d
            .services
            .iter()
            .map(|s| service_label(&s.service.key))
            .collect();
        assert_eq!(
            keys,
            [
                "TCP 10.0.0.1:80",
                "TCP 10.0.0.2:80",
                "TCP 10.0.0.3:80",
                "TCP 10.0.1.1:8080",
                "FWM 5",
                "TCP [fd00::1]:443",
                "TCP [fd00::2]:443"
            ]
        );
        // DR takes each service's port (none for the fwmark); NAT keeps its own.
        let ports = |i: usize| -> Vec<u16> { d.services[i].dests.iter().map(|d| d.port).collect() };
        assert_eq!(ports(0), [80, 9000]);
        assert_eq!(ports(3), [8080, 9000]);
        assert_eq!(ports(4), [0, 9000]);
        assert!(d.services.iter().all(|s| s.service.scheduler == "rr"));
    }

    #[test]
    fn group_fwmark_family_and_prefix_ranges() {
        let d = desired(
            "virtual_server_group marks {
                fwmark 1 inet6
                fwmark 2
            }
            virtual_server group marks {
                lvs_method DR
                real_server fd00::9 { }
            }
            virtual_server_group net {
                10.1.0.0/30 80
            }
            virtual_server group net {
                protocol UDP
                real_server 10.0.0.9 80 { }
            }",
        );
        let keys: Vec<String> = d
            .services
            .iter()
            .map(|s| service_label(&s.service.key))
            .collect();
        assert_eq!(
            keys,
            [
                "FWM 1 IPv6",
                "FWM 2 IPv6",
                "UDP 10.1.0.0:80",
                "UDP 10.1.0.1:80",
                "UDP 10.1.0.2:80",
                "UDP 10.1.0.3:80"
            ]
        );
    }

    #[test]
    fn a_huge_range_is_refused_before_it_is_expanded() {
        let parsed = parse_str(
            "t.conf",
            "virtual_server_group big {
                10.0.0.0/8 80
            }
            virtual_server group big {
                protocol TCP
                real_server 10.1.1.1 80 { }
            }",
        );
        let e = from_config(&parsed.config).unwrap_err();
        assert_eq!(
            e.to_string(),
            "virtual_server_group big entry 10.0.0.0 makes the configuration 16777216 IPVS services; at most 65536 are supported"
        );
        let parsed = parse_str(
            "t.conf",
            "virtual_server_group big {
                fd00::/64 80
            }
            virtual_server group big {
                protocol TCP
                real_server fd00::1:1 80 { }
            }",
        );
        assert!(from_config(&parsed.config).is_err());
    }

    #[test]
    fn services_times_real_servers_are_capped_before_groups_are_expanded() {
        let reals: String = (2..18)
            .map(|i| format!("real_server 10.1.1.{i} 80 {{ }}\n"))
            .collect();
        // Two groups of 32,768 services with 16 real servers each: the second one crosses
        // 1,000,000 destinations, though the services stay under their own cap.
        let parsed = parse_str(
            "t.conf",
            &format!(
                "virtual_server_group a {{
                    10.0.0.0/17 80
                }}
                virtual_server_group b {{
                    10.2.0.0/17 80
                }}
                virtual_server group a {{
                    protocol TCP
                    {reals}
                }}
                virtual_server group b {{
                    protocol TCP
                    {reals}
                }}"
            ),
        );
        let e = from_config(&parsed.config).unwrap_err();
        assert_eq!(
            e,
            DesiredError::TooManyDests {
                what: "virtual_server_group b entry 10.2.0.0".into(),
                count: 1_048_576
            }
        );
        assert_eq!(
            e.to_string(),
            "virtual_server_group b entry 10.2.0.0 makes the configuration 1048576 IPVS real servers (services times their real servers); at most 1000000 are supported"
        );
    }

    const CHECK: &str = "TCP_CHECK { connect_timeout 3 }";

    #[test]
    fn alpha_real_servers_start_down() {
        let d = desired(&format!(
            "virtual_server 10.0.0.1 80 {{
                protocol TCP
                lvs_method DR
                real_server 10.0.0.2 80 {{
                    alpha
                    {CHECK}
                }}
                real_server 10.0.0.3 80 {{
                    alpha
                    inhibit_on_failure
                    weight 2
                    {CHECK}
                }}
                real_server 10.0.0.4 80 {{
                    alpha
                }}
                real_server 10.0.0.5 80 {{
                    {CHECK}
                }}
            }}"
        ));
        assert_eq!(
            lines(&d)[1..],
            [
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.3:80 dr weight 0",
                // alpha without a checker: nothing can fail, it is up.
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.4:80 dr weight 1",
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.5:80 dr weight 1",
            ]
        );
        assert_eq!(
            d.notes,
            [
                "real server 10.0.0.2:80 of 10.0.0.1:80 starts down (alpha): left out until a check passes",
                "real server 10.0.0.3:80 of 10.0.0.1:80 starts down (alpha): weight 0 until a check passes (inhibit_on_failure)",
            ]
        );
        // alpha on the virtual server reaches the checkers through the real servers.
        let d = desired(&format!(
            "virtual_server 10.0.0.1 80 {{
                protocol TCP
                alpha
                real_server 10.0.0.2 80 {{ {CHECK} }}
                real_server 10.0.0.3 80 {{
                    alpha off
                    {CHECK}
                }}
            }}"
        ));
        assert_eq!(
            lines(&d)[1..],
            ["+ dest TCP 10.0.0.1:80 -> 10.0.0.3:80 nat weight 1"]
        );
    }

    #[test]
    fn sorry_server_only_when_the_quorum_is_not_met_at_start() {
        // Quorum met: no sorry server.
        let d = desired(
            "virtual_server 10.0.0.1 80 {
                protocol TCP
                lvs_method DR
                sorry_server 10.0.0.99 80
                real_server 10.0.0.2 80 { }
            }",
        );
        assert_eq!(lines(&d).len(), 2);
        // Every real server starts down: the sorry server is in.
        let d = desired(&format!(
            "virtual_server 10.0.0.1 80 {{
                protocol TCP
                lvs_method DR
                alpha
                sorry_server 10.0.0.99 80
                real_server 10.0.0.2 80 {{ {CHECK} }}
            }}"
        ));
        assert_eq!(
            lines(&d)[1..],
            ["+ dest TCP 10.0.0.1:80 -> 10.0.0.99:80 dr weight 1"]
        );
        assert!(d.notes[1].contains("the sorry server 10.0.0.99:80 takes the traffic"));
        // Quorum not met by the ones that are up: they leave (inhibited ones stay at 0).
        let d = desired(&format!(
            "virtual_server 10.0.0.1 80 {{
                protocol TCP
                lvs_method DR
                quorum 3
                sorry_server 10.0.0.99 80
                sorry_server_lvs_method NAT
                real_server 10.0.0.2 80 {{ weight 1 }}
                real_server 10.0.0.3 80 {{
                    weight 1
                    inhibit_on_failure
                }}
                real_server 10.0.0.4 80 {{
                    alpha
                    {CHECK}
                }}
            }}"
        ));
        assert_eq!(
            lines(&d)[1..],
            [
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.3:80 dr weight 0",
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.99:80 nat weight 1",
            ]
        );
        // Hysteresis counts at start.
        let d = desired(
            "virtual_server 10.0.0.1 80 {
                protocol TCP
                quorum 2
                hysteresis 1
                sorry_server 10.0.0.99 80
                real_server 10.0.0.2 80 { weight 1 }
                real_server 10.0.0.3 80 { weight 1 }
            }",
        );
        assert_eq!(
            lines(&d)[1..],
            ["+ dest TCP 10.0.0.1:80 -> 10.0.0.99:80 nat weight 1"]
        );
    }

    #[test]
    fn real_servers_that_all_weigh_zero_get_the_sorry_server() {
        // keepalived lowers the quorum to 0, the hysteresis wraps, and it starts with the
        // quorum down: the sorry server is added and the real servers leave.
        let d = desired(
            "virtual_server 10.0.0.1 80 {
                protocol TCP
                lvs_method DR
                sorry_server 10.0.0.99 80
                real_server 10.0.0.2 80 { weight 0 }
                real_server 10.0.0.3 80 {
                    weight 0
                    inhibit_on_failure
                }
            }",
        );
        assert_eq!(
            lines(&d)[1..],
            [
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.3:80 dr weight 0",
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.99:80 dr weight 1",
            ]
        );
        assert_eq!(
            d.notes,
            ["virtual server 10.0.0.1:80: the real servers that start up weigh 0: the sorry server 10.0.0.99:80 takes the traffic"]
        );
    }

    #[test]
    fn dynamic_weights_do_not_keep_the_quorum_above_the_total_weight() {
        // The reader keeps quorum 5 (MISC_CHECK misc_dynamic may raise the weights);
        // keepalived lowers it to the total weight 2, which the real servers meet at start.
        for check in [
            "MISC_CHECK {\n misc_path /bin/true\n misc_dynamic\n }",
            "FILE_CHECK {\n track_file tf\n }",
        ] {
            let d = desired(&format!(
                "track_file tf {{
                    file /tmp/tf
                }}
                virtual_server 10.0.0.1 80 {{
                    protocol TCP
                    lvs_method DR
                    quorum 5
                    sorry_server 10.0.0.99 80
                    real_server 10.0.0.2 80 {{
                        {check}
                    }}
                    real_server 10.0.0.3 80 {{ }}
                }}"
            ));
            assert_eq!(
                lines(&d)[1..],
                [
                    "+ dest TCP 10.0.0.1:80 -> 10.0.0.2:80 dr weight 1",
                    "+ dest TCP 10.0.0.1:80 -> 10.0.0.3:80 dr weight 1",
                ],
                "{check}"
            );
        }
        let parsed = parse_str(
            "t.conf",
            "virtual_server 10.0.0.1 80 {
                protocol TCP
                quorum 5
                hysteresis 3
                real_server 10.0.0.2 80 {
                    MISC_CHECK {
                        misc_path /bin/true
                        misc_dynamic
                    }
                }
                real_server 10.0.0.3 80 { }
            }",
        );
        let vs = &parsed.config.lvs.virtual_servers[0];
        assert_eq!((vs.quorum, vs.hysteresis), (5, 3));
        // Lowered to the total weight 2; the hysteresis below it.
        assert_eq!(effective_quorum(vs), (2, 1));
    }

    #[test]
    fn an_inhibited_sorry_server_waits_with_weight_zero() {
        let d = desired(
            "virtual_server 10.0.0.1 80 {
                protocol TCP
                lvs_method DR
                sorry_server 10.0.0.99 80
                sorry_server_inhibit
                real_server 10.0.0.2 80 { }
            }",
        );
        assert_eq!(
            lines(&d)[1..],
            [
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.2:80 dr weight 1",
                "+ dest TCP 10.0.0.1:80 -> 10.0.0.99:80 dr weight 0",
            ]
        );
    }

    #[test]
    fn ha_suspend_and_other_daemon_keywords_change_nothing() {
        let plain = desired(
            "virtual_server 10.0.0.1 80 {
                protocol TCP
                real_server 10.0.0.2 80 { }
            }",
        );
        let busy = desired(
            "virtual_server 10.0.0.1 80 {
                protocol TCP
                ha_suspend
                omega
                delay_loop 3
                quorum_up /bin/true
                real_server 10.0.0.2 80 { notify_up /bin/true }
            }",
        );
        assert_eq!(plain.services, busy.services);
    }

    #[test]
    fn a_service_defined_twice_keeps_the_first() {
        let parsed = parse_str(
            "t.conf",
            "virtual_server 10.0.0.1 80 {
                protocol TCP
                lvs_sched rr
                real_server 10.0.0.2 80 { }
            }
            virtual_server 10.0.0.1 80 {
                protocol TCP
                lvs_sched wrr
                real_server 10.0.0.3 80 { }
            }",
        );
        let d = from_config(&parsed.config).unwrap();
        assert_eq!(d.services.len(), 1);
        assert_eq!(d.services[0].service.scheduler, "rr");
        assert!(
            d.notes[0].contains("already defined above"),
            "{:?}",
            d.notes
        );
    }

    #[test]
    fn desired_against_itself_is_nothing_to_do() {
        let d = desired(
            "virtual_server_group g {
                10.0.0.1-2 80
                fwmark 9
            }
            virtual_server group g {
                protocol TCP
                lvs_method DR
                real_server 10.0.0.5 80 { weight 0 }
            }",
        );
        assert!(diff(&d.services, &d.services).is_empty());
    }

    /// The tutorials' configurations (tests/data/seeds): every valid one with virtual
    /// servers gives a table, and the reference one gives what keepalived would install.
    #[test]
    fn seed_configurations() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seeds");
        let opts = crate::conf::LoadOptions {
            config_id: Some("seedhost".into()),
            all_config: false,
        };
        let load = |name: &str| crate::conf::load(&dir.join(name), &opts);
        let p = load("000-vs1-master.conf");
        let d = from_config(&p.config).unwrap();
        // lb_algo / lb_kind are the old spellings; the sorry server waits outside.
        assert_eq!(
            lines(&d),
            [
                "+ service TCP 172.18.65.2:80 wrr",
                "+ dest TCP 172.18.65.2:80 -> 172.18.65.3:80 dr weight 2",
                "+ dest TCP 172.18.65.2:80 -> 172.18.65.4:80 dr weight 1",
            ]
        );
        let p = load("001-web-http-get.conf");
        let d = from_config(&p.config).unwrap();
        assert_eq!(
            lines(&d),
            [
                "+ service TCP 172.20.76.187:80 wrr",
                "+ dest TCP 172.20.76.187:80 -> 172.20.76.38:80 dr weight 1",
                "+ dest TCP 172.20.76.187:80 -> 172.20.76.48:80 dr weight 1",
            ]
        );
        assert!(d.notes.is_empty());
        // Every seed reads into a table without surprises.
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "conf") {
                let p = crate::conf::load(&path, &opts);
                let d = from_config(&p.config).unwrap();
                assert!(diff(&d.services, &d.services).is_empty());
            }
        }
    }
}
