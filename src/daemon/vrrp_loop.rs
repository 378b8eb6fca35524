//! The VRRP loop: owns every instance's state machine and its sockets, waits in one
//! ppoll() over the receive sockets, the link watch and the signal pipe with the earliest
//! timer as timeout, and carries out what the machines ask (adverts, VIPs, gratuitous ARPs,
//! log lines). Nothing here waits on scripts, mail or disk.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::poll::PollTimeout;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags};
use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

use super::log::Log;
use super::signals::{Signal, Signals};
use super::vips;
use crate::conf::model::vrrp::{Address, OldChecksum};
use crate::conf::model::Config;
use crate::net::iface::{self, NetIf};
use crate::net::link_watch::{LinkEvent, LinkWatch};
use crate::net::packet::FrameSender;
use crate::net::rtnl::Rtnl;
use crate::net::sysctl::{Key, Sysctl};
use crate::net::vrrp_socket::{Datagram, VrrpReceiver, VrrpSender};
use crate::vrrp::{Action, Instance, Settings, State};
use crate::wire::vrrp::{self as wire, EncodeOptions, Ipv4Params};
use crate::wire::{arp, ndisc};

/// Why the daemon could not start or had to stop.
#[derive(Debug)]
pub struct StartError {
    pub what: String,
    pub why: String,
    pub hint: Option<String>,
}

impl StartError {
    fn new(what: impl Into<String>, why: impl ToString) -> StartError {
        StartError {
            what: what.into(),
            why: why.to_string(),
            hint: None,
        }
    }

    fn hint(mut self, h: impl Into<String>) -> StartError {
        self.hint = Some(h.into());
        self
    }
}

/// One instance with its edges.
struct Slot {
    machine: Instance,
    iface: NetIf,
    mac: Option<[u8; 6]>,
    /// The interface forwards IPv6 (the R flag of unsolicited NAs).
    ipv6_router: bool,
    receiver: VrrpReceiver,
    sender: VrrpSender,
    ip_id: u16,
    encode: EncodeOptions,
    /// How this instance reads VRRPv3 IPv4 unicast checksums (`old_unicast_checksum`).
    checksum: UnicastChecksum,
    dont_track_primary: bool,
    /// The link was down at the last look (FAULT by link).
    link_down: bool,
    /// Sending adverts failed last time: the failure was logged once, recovery will be.
    send_failing: bool,
}

pub struct VrrpLoop {
    slots: Vec<Slot>,
    rtnl: Rtnl,
    frames: FrameSender,
    links: LinkWatch,
    signals: Signals,
    log: Log,
    /// Interface indexes by name, for addresses with their own `dev`.
    ifindex: HashMap<String, NetIf>,
    /// Every descriptor the loop waits on, registered once.
    epoll: Epoll,
    /// Armed at the earliest machine timer. A timerfd fires on time: poll/epoll timeouts may
    /// be up to 0.1% late (timer slack), 3.6 ms on a VRRPv2 master-down timer.
    timer: TimerFd,
    events: Vec<EpollEvent>,
}

/// epoll tokens beyond the receive sockets' indexes.
const TOKEN_LINKS: u64 = u64::MAX;
const TOKEN_SIGNALS: u64 = u64::MAX - 1;
const TOKEN_TIMER: u64 = u64::MAX - 2;

/// Largest VRRP datagram: 255 IPv6 addresses plus headers, with room to spare.
const RX_BUF: usize = 8192;

impl VrrpLoop {
    /// Opens every socket and builds every machine; nothing is sent yet.
    pub fn new(config: &Config, log: Log) -> Result<VrrpLoop, StartError> {
        let mut rtnl = Rtnl::open().map_err(|e| StartError::new("open rtnetlink", e))?;
        let frames = FrameSender::open()
            .map_err(|e| StartError::new("open a packet socket for gratuitous ARP", e))?;
        let links = LinkWatch::open().map_err(|e| StartError::new("watch links", e))?;
        let signals = Signals::install().map_err(|e| StartError::new("install signals", e))?;
        let mut slots = Vec::new();
        let mut ifindex = HashMap::new();
        for ci in &config.vrrp.instances {
            let Some(ifname) = ci.interface.clone() else {
                return Err(StartError::new(
                    format!("vrrp_instance {}", ci.name),
                    "no `interface`",
                )
                .hint("add `interface <name>` to the instance"));
            };
            let ours: Vec<IpAddr> = ci
                .virtual_ipaddress
                .iter()
                .chain(&ci.virtual_ipaddress_excluded)
                .map(|a| a.addr.addr)
                .collect();
            let facts = iface::iface_facts(&mut rtnl, &ifname, &ours).map_err(|e| {
                StartError::new(format!("vrrp_instance {}: interface {ifname}", ci.name), e)
                    .hint("check the interface name with `ip link`")
            })?;
            let netif = facts.netif();
            let settings = Settings::from_config(config, ci);
            let v6 = ci.family == crate::conf::model::vrrp::Family::Ipv6;
            let primary: Option<IpAddr> = if v6 {
                facts.link_local_v6.map(IpAddr::V6)
            } else {
                facts.primary_v4.map(IpAddr::V4)
            };
            let src = settings.src_ip.or(primary);
            let (receiver, sender) = open_sockets(&settings, &netif, src)
                .map_err(|e| StartError::new(format!("vrrp_instance {}", ci.name), e))?;
            if let Some(bytes) = ci.kernel_rx_buf_size {
                receiver
                    .set_rx_buffer_size(bytes as usize)
                    .map_err(|e| StartError::new(format!("vrrp_instance {}", ci.name), e))?;
            }
            let ipv6_router = v6
                && Key::ipv6_conf(&ifname, "forwarding")
                    .and_then(|k| Sysctl::proc().read_int(&k))
                    .is_ok_and(|v| v == 1);
            let encode = EncodeOptions {
                v3_checksum_as_v2: false,
                old_unicast_checksum: ci.old_unicast_checksum == Some(OldChecksum::Use),
                mcast_group4: Some(config.global.vrrp_mcast_group4),
            };
            ifindex.insert(ifname.clone(), netif.clone());
            slots.push(Slot {
                machine: Instance::new(settings, primary),
                mac: facts.link.mac(),
                link_down: !facts.link.is_usable(),
                iface: netif,
                ipv6_router,
                receiver,
                sender,
                ip_id: 0,
                encode,
                dont_track_primary: ci.dont_track_primary,
                send_failing: false,
                checksum: match ci.old_unicast_checksum {
                    Some(OldChecksum::Use) => UnicastChecksum::Old,
                    Some(OldChecksum::Never) => UnicastChecksum::Rfc,
                    None => UnicastChecksum::Auto,
                },
            });
        }
        let poll_err = |e: nix::errno::Errno| StartError::new("set up the event loop (epoll)", e);
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).map_err(poll_err)?;
        let timer = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )
        .map_err(poll_err)?;
        let readable = |token: u64| EpollEvent::new(EpollFlags::EPOLLIN, token);
        for (i, slot) in slots.iter().enumerate() {
            epoll
                .add(slot.receiver.as_fd(), readable(i as u64))
                .map_err(poll_err)?;
        }
        epoll
            .add(links.as_fd(), readable(TOKEN_LINKS))
            .map_err(poll_err)?;
        epoll
            .add(signals.fd(), readable(TOKEN_SIGNALS))
            .map_err(poll_err)?;
        epoll
            .add(timer.as_fd(), readable(TOKEN_TIMER))
            .map_err(poll_err)?;
        let events = vec![EpollEvent::empty(); slots.len() + 3];
        Ok(VrrpLoop {
            slots,
            rtnl,
            frames,
            links,
            signals,
            log,
            ifindex,
            epoll,
            timer,
            events,
        })
    }

    /// Runs until SIGTERM/SIGINT, then stops every instance gracefully.
    pub fn run(&mut self) -> Result<(), StartError> {
        self.remove_leftovers();
        super::trim::after_startup();
        let now = Instant::now();
        for i in 0..self.slots.len() {
            let slot = &mut self.slots[i];
            slot.machine.start(now);
            if slot.link_down && !slot.dont_track_primary {
                let why = format!("interface {} is down", slot.iface.name);
                slot.machine.set_fault(now, true, &why);
            }
            self.carry_out(i);
        }
        let mut buf = vec![0u8; RX_BUF];
        loop {
            self.arm_timer(self.next_deadline())?;
            let n = match self.epoll.wait(&mut self.events, PollTimeout::NONE) {
                Ok(n) => n,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(StartError::new("wait for adverts (epoll)", e)),
            };
            let now = Instant::now();
            let (mut signal, mut links) = (false, false);
            for k in 0..n {
                match self.events[k].data() {
                    TOKEN_SIGNALS => signal = true,
                    TOKEN_LINKS => links = true,
                    // Nothing to read: the machines' own deadlines say what is due, and
                    // re-arming at the top of the loop clears the readiness (timerfd_settime
                    // resets the expiry count), one system call fewer per advert.
                    TOKEN_TIMER => {}
                    i => {
                        if let Ok(i) = usize::try_from(i) {
                            self.read_adverts(i, &mut buf, now);
                        }
                    }
                }
            }
            if signal {
                for sig in self.signals.take() {
                    match sig {
                        Signal::Stop => {
                            self.stop(Instant::now());
                            return Ok(());
                        }
                        Signal::Reload => self.log.warning(
                            "SIGHUP: reloading the configuration is not supported yet; restart ha to apply changes",
                        ),
                    }
                }
            }
            if links {
                self.read_links(now);
            }
            for i in 0..self.slots.len() {
                if self.slots[i]
                    .machine
                    .poll_timeout()
                    .is_some_and(|t| t <= Instant::now())
                {
                    self.slots[i].machine.handle_timeout(Instant::now());
                }
                self.carry_out(i);
            }
        }
    }

    /// One-shot at `deadline` (at once when it has passed), or disarmed.
    fn arm_timer(&self, deadline: Option<Instant>) -> Result<(), StartError> {
        let result = match deadline {
            Some(t) => {
                // A zero expiry would disarm the timer: a passed deadline fires in 1 ns.
                let wait = t
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_nanos(1));
                self.timer.set(
                    Expiration::OneShot(TimeSpec::from_duration(wait)),
                    TimerSetTimeFlags::empty(),
                )
            }
            None => self.timer.unset(),
        };
        result.map_err(|e| StartError::new("arm the timer (timerfd)", e))
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.slots
            .iter()
            .filter_map(|s| s.machine.poll_timeout())
            .min()
    }

    /// Every queued advert of one receive socket, to its machine.
    fn read_adverts(&mut self, i: usize, buf: &mut [u8], now: Instant) {
        loop {
            let got = self.slots[i].receiver.try_recv(buf);
            let dgram = match got {
                Ok(Some(d)) => d,
                Ok(None) => return,
                Err(e) => {
                    self.log
                        .warning(&format!("{}: {e}", self.slots[i].machine.name()));
                    return;
                }
            };
            let bytes = &buf[..dgram.len.min(buf.len())];
            let mut rx = match decode(bytes, &dgram) {
                Ok(p) => p,
                Err(e) => {
                    let name = self.slots[i].machine.name().to_string();
                    self.log
                        .detailed(|| format!("{name}: undecodable packet from {}: {e}", dgram.src));
                    continue;
                }
            };
            let slot = &mut self.slots[i];
            // Other routers on the segment: not ours to count.
            if rx.received.advert.vrid != slot.machine.settings().vrid {
                continue;
            }
            if slot.machine.settings().unicast() && rx.received.src.is_ipv4() {
                let switch = slot.checksum.accept(&mut rx);
                if switch {
                    slot.encode.old_unicast_checksum = true;
                    let name = slot.machine.name().to_string();
                    self.log.info(&format!(
                        "{name}: {} sends the pre-2.0 unicast checksum; ha now sends it too (old_unicast_checksum; `old_unicast_checksum never` keeps the standard one)",
                        rx.received.src
                    ));
                }
            }
            let slot = &mut self.slots[i];
            let rx = rx.received;
            if let Err(rejected) = slot.machine.handle_advert(now, &rx) {
                let name = slot.machine.name().to_string();
                self.log
                    .detailed(|| format!("{name}: advert from {} dropped: {rejected}", rx.src));
            }
        }
    }

    fn read_links(&mut self, now: Instant) {
        loop {
            let events = match self.links.try_recv() {
                Ok(Some(ev)) => ev,
                Ok(None) => return,
                Err(e) => {
                    self.log.warning(&format!("link watch: {e}"));
                    return;
                }
            };
            for ev in events {
                match ev {
                    LinkEvent::Link(link) => self.link_changed(link.index, link.is_usable(), now),
                    LinkEvent::LinkRemoved(link) => self.link_changed(link.index, false, now),
                    LinkEvent::Overrun => self.relook_links(now),
                    LinkEvent::AddressAdded { .. } | LinkEvent::AddressRemoved { .. } => {}
                }
            }
        }
    }

    fn relook_links(&mut self, now: Instant) {
        let states: Vec<(u32, bool)> = self
            .slots
            .iter()
            .map(|s| {
                let up = self_link_usable(s.iface.index);
                (s.iface.index, up)
            })
            .collect();
        for (index, up) in states {
            self.link_changed(index, up, now);
        }
    }

    /// keepalived tracks an instance's own interface: down means FAULT (unless
    /// `dont_track_primary`).
    fn link_changed(&mut self, index: u32, usable: bool, now: Instant) {
        for i in 0..self.slots.len() {
            let slot = &mut self.slots[i];
            if slot.iface.index != index || slot.dont_track_primary || slot.link_down != usable {
                continue;
            }
            slot.link_down = !usable;
            let why = if usable {
                format!("interface {} is up", slot.iface.name)
            } else {
                format!("interface {} is down", slot.iface.name)
            };
            self.log.info(&format!("{}: {why}", slot.machine.name()));
            slot.machine.set_fault(now, !usable, &why);
            self.carry_out(i);
        }
    }

    fn stop(&mut self, now: Instant) {
        self.log.info("stopping: priority 0 adverts, VIPs removed");
        for i in 0..self.slots.len() {
            self.slots[i].machine.stop(now);
            self.carry_out(i);
        }
    }

    /// keepalived issue #2361: VIPs left on an interface by a crash make two masters
    /// answer for them; remove ours before anything starts.
    fn remove_leftovers(&mut self) {
        for i in 0..self.slots.len() {
            let (name, ifname, addrs) = {
                let s = &self.slots[i];
                let set = s.machine.settings();
                let addrs: Vec<Address> = set.vips.iter().chain(&set.excluded).cloned().collect();
                (set.name.clone(), s.iface.name.clone(), addrs)
            };
            for a in &addrs {
                let Some(dev) = vips::device(a, Some(&ifname)).map(str::to_string) else {
                    continue;
                };
                let Some(index) = self.index_of(&dev) else {
                    continue;
                };
                if let Ok(vips::Applied::Done) = vips::remove(&mut self.rtnl, index, a) {
                    self.log.info(&format!(
                        "{name}: removed {} left by an earlier run",
                        vips::describe(a, &dev)
                    ));
                }
            }
        }
    }

    fn index_of(&mut self, dev: &str) -> Option<u32> {
        if let Some(n) = self.ifindex.get(dev) {
            return Some(n.index);
        }
        let n = NetIf::by_name(dev).ok()?;
        let index = n.index;
        self.ifindex.insert(dev.to_string(), n);
        Some(index)
    }

    /// Does what instance `i`'s machine asks, in order.
    fn carry_out(&mut self, i: usize) {
        while let Some(action) = self.slots[i].machine.poll_action() {
            match action {
                Action::SendAdvert(send) => self.send_advert(i, &send),
                Action::AddVips { vips, excluded } => {
                    for a in vips.iter().chain(&excluded) {
                        self.apply_vip(i, a, true);
                    }
                }
                Action::RemoveVips { vips, excluded } => {
                    for a in vips.iter().chain(&excluded) {
                        self.apply_vip(i, a, false);
                    }
                }
                Action::Announce(list) => {
                    for a in list {
                        self.announce(i, a.ip, a.dev.as_deref());
                    }
                }
                Action::Transition(t) => {
                    let name = self.slots[i].machine.name();
                    self.log
                        .info(&format!("{name}: {} -> {} ({})", t.from, t.to, t.reason));
                }
                Action::PriorityChanged { from, to, reason } => {
                    let name = self.slots[i].machine.name();
                    self.log
                        .info(&format!("{name}: priority {from} -> {to} ({reason})"));
                }
                Action::MasterHeardLower { from, priority } => {
                    let name = self.slots[i].machine.name();
                    self.log.detailed(|| {
                        format!("{name}: MASTER heard lower priority {priority} from {from}")
                    });
                }
            }
        }
    }

    fn send_advert(&mut self, i: usize, send: &crate::vrrp::SendAdvert) {
        let slot = &mut self.slots[i];
        let result = match send.src {
            None => Err(format!(
                "no address on {} to send adverts from; add one or set unicast_src_ip / mcast_src_ip",
                slot.iface.name
            )),
            Some(src) => {
                let bytes = match (src, send.dst) {
                    (IpAddr::V4(s), IpAddr::V4(d)) => {
                        slot.ip_id = wire::next_ip_id(slot.ip_id);
                        let ip = Ipv4Params {
                            id: slot.ip_id,
                            ttl: send.ttl.unwrap_or(255),
                        };
                        wire::encode_ipv4(&send.advert, s, d, &ip, &slot.encode)
                    }
                    (s, d) => wire::encode_vrrp(&send.advert, s, d, &slot.encode),
                };
                match bytes {
                    Ok(b) => slot.sender.send(&b, send.dst).map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                }
            }
        };
        // Adverts go out several times a second: a lasting failure is logged when it starts
        // and when it ends, not at every advert.
        let name = slot.machine.name().to_string();
        match result {
            Err(e) if !slot.send_failing => {
                slot.send_failing = true;
                self.log
                    .warning(&format!("{name}: cannot send adverts to {}: {e}", send.dst));
            }
            Ok(()) if slot.send_failing => {
                slot.send_failing = false;
                self.log
                    .info(&format!("{name}: adverts to {} are sent again", send.dst));
            }
            _ => {}
        }
    }

    fn apply_vip(&mut self, i: usize, a: &Address, add: bool) {
        let (name, ifname) = {
            let s = &self.slots[i];
            (s.machine.name().to_string(), s.iface.name.clone())
        };
        let Some(dev) = vips::device(a, Some(&ifname)).map(str::to_string) else {
            return;
        };
        let Some(index) = self.index_of(&dev) else {
            self.log.warning(&format!(
                "{name}: cannot {} {}: no interface {dev}",
                if add { "add" } else { "remove" },
                vips::describe(a, &dev)
            ));
            return;
        };
        let result = if add {
            vips::add(&mut self.rtnl, index, a)
        } else {
            vips::remove(&mut self.rtnl, index, a)
        };
        match result {
            Ok(_) => self.log.detailed(|| {
                format!(
                    "{name}: {} {}",
                    if add { "added" } else { "removed" },
                    vips::describe(a, &dev)
                )
            }),
            Err(e) => self.log.error(&format!(
                "{name}: cannot {} {}: {e}",
                if add { "add" } else { "remove" },
                vips::describe(a, &dev)
            )),
        }
    }

    fn announce(&mut self, i: usize, ip: IpAddr, dev: Option<&str>) {
        let (name, own) = {
            let s = &self.slots[i];
            (s.machine.name().to_string(), s.iface.clone())
        };
        let iface = match dev {
            Some(d) if d != own.name => match self.ifindex.get(d).cloned() {
                Some(n) => n,
                None => match NetIf::by_name(d) {
                    Ok(n) => n,
                    Err(e) => {
                        self.log
                            .warning(&format!("{name}: gratuitous ARP for {ip}: {e}"));
                        return;
                    }
                },
            },
            _ => own,
        };
        let slot = &self.slots[i];
        let mac = if iface.index == slot.iface.index {
            slot.mac
        } else {
            self.rtnl
                .link_by_index(iface.index)
                .ok()
                .and_then(|l| l.mac())
        };
        let Some(mac) = mac else {
            // No hardware address (a tun or loopback device): nothing to announce.
            return;
        };
        let frame = match ip {
            IpAddr::V4(v4) => arp::encode_garp(mac, v4),
            IpAddr::V6(v6) => ndisc::encode_unsolicited_na(mac, v6, self.slots[i].ipv6_router),
        };
        if let Err(e) = self.frames.send(&iface, &frame) {
            self.log.warning(&format!("{name}: announce {ip}: {e}"));
        }
    }

    /// The instances' states, for tests and status.
    pub fn states(&self) -> Vec<(String, State)> {
        self.slots
            .iter()
            .map(|s| (s.machine.name().to_string(), s.machine.state()))
            .collect()
    }
}

fn self_link_usable(index: u32) -> bool {
    Rtnl::open()
        .and_then(|mut r| r.link_by_index(index))
        .is_ok_and(|l| l.is_usable())
}

/// The receive and send sockets of one instance.
fn open_sockets(
    s: &Settings,
    netif: &NetIf,
    src: Option<IpAddr>,
) -> Result<(VrrpReceiver, VrrpSender), crate::net::sock_error::SockError> {
    let v6 = s.family == crate::conf::model::vrrp::Family::Ipv6;
    if s.unicast() {
        let local = src.unwrap_or(if v6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        });
        let receiver = VrrpReceiver::unicast(Some(netif), local)?;
        let sender = match local {
            IpAddr::V4(_) => VrrpSender::unicast_v4(Some(netif))?,
            IpAddr::V6(l) => VrrpSender::unicast_v6(Some(netif), l, s.unicast_ttl)?,
        };
        Ok((receiver, sender))
    } else {
        let group = s.mcast_group.unwrap_or(if v6 {
            IpAddr::V6(crate::net::vrrp_socket::VRRP_GROUP_V6)
        } else {
            IpAddr::V4(crate::net::vrrp_socket::VRRP_GROUP_V4)
        });
        let receiver = VrrpReceiver::multicast(netif, group)?;
        let sender = match (group, src) {
            (IpAddr::V6(_), Some(IpAddr::V6(l))) => VrrpSender::multicast_v6(netif, l)?,
            (IpAddr::V6(_), _) => VrrpSender::multicast_v6(netif, Ipv6Addr::UNSPECIFIED)?,
            _ => VrrpSender::multicast_v4(netif)?,
        };
        Ok((receiver, sender))
    }
}

/// A datagram of a VRRP receive socket, decoded.
fn decode(bytes: &[u8], d: &Datagram) -> Result<wire::Packet, wire::DecodeError> {
    match d.src {
        IpAddr::V4(_) => wire::decode_ipv4(bytes),
        // The kernel verified the IPv6 checksum (IPV6_CHECKSUM on the socket).
        IpAddr::V6(_) => {
            wire::decode_payload(bytes, d.src, d.dst, d.ttl.unwrap_or(0)).map(|mut p| {
                p.received.checksum_ok = true;
                p
            })
        }
    }
}

/// keepalived 2.2.7's handling of VRRPv3 IPv4 unicast checksums: versions before 2.0
/// computed them with the multicast group as pseudo-header destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnicastChecksum {
    /// Default: the standard checksum, or the old one, after which the instance switches.
    Auto,
    /// `old_unicast_checksum` (or switched): only the old one.
    Old,
    /// `old_unicast_checksum never`: only the standard one.
    Rfc,
}

impl UnicastChecksum {
    /// Settles `checksum_ok` for this mode; true when the instance switches to the old one.
    fn accept(&mut self, p: &mut wire::Packet) -> bool {
        if p.received.advert.version != wire::Version::V3 {
            return false;
        }
        let c = p.checksums;
        match self {
            UnicastChecksum::Rfc => p.received.checksum_ok = c.rfc,
            UnicastChecksum::Old => p.received.checksum_ok = c.old_unicast,
            UnicastChecksum::Auto => {
                p.received.checksum_ok = c.rfc || c.old_unicast;
                if !c.rfc && c.old_unicast {
                    *self = UnicastChecksum::Old;
                    return true;
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::pcap;

    /// The adverts of a capture (keepalived 2.2.7 peers), decoded as the daemon sees them.
    fn adverts(name: &str) -> Vec<wire::Packet> {
        let path = format!("{}/tests/data/pcaps/{name}", env!("CARGO_MANIFEST_DIR"));
        let file = pcap::parse(&std::fs::read(path).unwrap()).unwrap();
        file.records
            .iter()
            .filter_map(|r| pcap::decode_vrrp(file.linktype, &r.data).ok())
            .collect()
    }

    #[test]
    fn an_old_unicast_checksum_peer_switches_an_auto_instance() {
        let old = adverts("vrrpv3-ipv4-unicast-oldcsum.pcap");
        let mut p = old[0].clone();
        assert!(!p.checksums.rfc && p.checksums.old_unicast);
        let mut mode = UnicastChecksum::Auto;
        assert!(mode.accept(&mut p), "switches");
        assert!(p.received.checksum_ok);
        assert_eq!(mode, UnicastChecksum::Old);
        // Once switched, standard checksums fail, as in keepalived.
        let mut std = adverts("vrrpv3-ipv4-unicast.pcap")[0].clone();
        assert!(!mode.accept(&mut std));
        assert!(!std.received.checksum_ok);
    }

    #[test]
    fn never_keeps_the_standard_checksum() {
        let mut p = adverts("vrrpv3-ipv4-unicast-oldcsum.pcap")[0].clone();
        let mut mode = UnicastChecksum::Rfc;
        assert!(!mode.accept(&mut p));
        assert!(!p.received.checksum_ok);
        let mut std = adverts("vrrpv3-ipv4-unicast.pcap")[0].clone();
        let mut auto = UnicastChecksum::Auto;
        assert!(!auto.accept(&mut std));
        assert!(std.received.checksum_ok);
        assert_eq!(auto, UnicastChecksum::Auto);
    }
}
