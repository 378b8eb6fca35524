//! The VRRP loop: owns every instance's state machine and its sockets, the tracking and
//! sync-group logic, and waits in one epoll set over the receive sockets, the link watch,
//! the signal pipe, the script runner's waker and a timerfd (which timers the timerfd keeps
//! and which the wait's own timeout: [`super::wait`]). It carries out what the machines ask
//! (adverts, VIPs, gratuitous ARPs, log lines) and hands notifications and tracking scripts
//! to the runner thread: nothing here waits on scripts, mail or disk.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::poll::PollTimeout;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags};

use super::checks::Checks;
use super::deadline_timer::DeadlineTimer;
use super::lazy_runner::LazyRunner;
use super::log::Log;
use super::looker::Looker;
use super::outbox::Outbox;
use super::signals::{Signal, Signals};
use super::vips;
use super::wait;
use crate::conf::env::SystemHost;
use crate::conf::model::vrrp::{Address, OldChecksum};
use crate::conf::model::Config;
use crate::net::iface::{self, NetIf};
use crate::net::link_watch::{LinkEvent, LinkWatch};
use crate::net::nftables::{self, Firewall, FirewallConfig, Owner};
use crate::net::packet::FrameSender;
use crate::net::rtnl::Rtnl;
use crate::net::sysctl::{Key, Sysctl};
use crate::net::vrrp_socket::{Datagram, VrrpReceiver, VrrpSender};
use crate::notify::{self, Notifier, NotifyState, Ticket, Waker};
use crate::track_io;
use crate::vrrp::track::{Tracking, Update};
use crate::vrrp::{Action, Instance, Settings, State};
use crate::vrrp::{SyncAction, SyncGroups};
use crate::wire::vrrp::{self as wire, EncodeOptions};
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
    /// The packets last sent, reused while the advert stays the same.
    outbox: Outbox,
    /// How this instance reads VRRPv3 IPv4 unicast checksums (`old_unicast_checksum`).
    checksum: UnicastChecksum,
    /// For the no_accept rules' choice of set (keepalived's link-local VIP handling).
    dont_track_primary: bool,
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
    /// Armed at the earliest failover timer (or, on old kernels, the earliest of all).
    timer: DeadlineTimer,
    events: Vec<EpollEvent>,
    /// Instance name -> slot.
    by_name: HashMap<String, usize>,
    tracking: Tracking,
    sync: SyncGroups,
    checks: Checks,
    notifier: Notifier,
    /// Started by the first script to run.
    runner: LazyRunner<Tag>,
    waker: Waker,
    /// The notifier was handed something (or a script or mail ended) since it was last
    /// pumped: nothing else gives it work, so an advert alone does not touch it.
    notify_pending: bool,
    /// Reads track_file and vrrp_track_process in its own thread; None when none is tracked.
    looker: Option<Looker>,
    /// keepalived's no_accept drop rules; None when every instance accepts.
    firewall: Option<Firewall>,
    /// Something other than adverts and script runs happened (a state change, VIPs,
    /// GARPs, link events) since the last wake-up. Periodic scripts do not count: their
    /// code runs again at every interval.
    stirred: bool,
    /// When to give back the memory that a state change used once (`trim::give_back`):
    /// that much quiet time after the last one.
    give_back_at: Option<Instant>,
}

/// Quiet time after the last state change before the code it ran is dropped from the
/// resident set again: a takeover runs rtnetlink, GARP and logging code once, and the
/// kernel maps 64 KiB around each code page it faults in, so an idle MASTER would otherwise
/// keep a megabyte or two it never runs.
const QUIET_BEFORE_GIVING_BACK: Duration = Duration::from_secs(10);

/// What a finished job of the script runner was for.
#[derive(Debug)]
enum Tag {
    Notify(Ticket),
    Check(usize),
}

/// At exit, how long STOP notifications may take before the runner kills what is left.
const EXIT_NOTIFY_WAIT: Duration = Duration::from_secs(5);

/// epoll tokens beyond the receive sockets' indexes.
const TOKEN_LINKS: u64 = u64::MAX;
const TOKEN_SIGNALS: u64 = u64::MAX - 1;
const TOKEN_TIMER: u64 = u64::MAX - 2;
const TOKEN_WAKER: u64 = u64::MAX - 3;

/// Largest VRRP datagram: 255 IPv6 addresses plus headers, with room to spare.
const RX_BUF: usize = 8192;

impl VrrpLoop {
    /// Opens every socket and builds every machine; nothing is sent yet.
    pub fn new(config: &Config, log: Log) -> Result<VrrpLoop, StartError> {
        super::trim::single_arena();
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
                iface: netif,
                ipv6_router,
                receiver,
                sender,
                ip_id: 0,
                encode,
                outbox: Outbox::default(),
                send_failing: false,
                dont_track_primary: ci.dont_track_primary,
                checksum: match ci.old_unicast_checksum {
                    Some(OldChecksum::Use) => UnicastChecksum::Old,
                    Some(OldChecksum::Never) => UnicastChecksum::Rfc,
                    None => UnicastChecksum::Auto,
                },
            });
        }
        let poll_err = |e: nix::errno::Errno| StartError::new("set up the event loop (epoll)", e);
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).map_err(poll_err)?;
        let timer = DeadlineTimer::new().map_err(poll_err)?;
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
        let waker = Waker::new().map_err(|e| StartError::new("set up the script runner", e))?;
        epoll
            .add(waker.fd(), readable(TOKEN_WAKER))
            .map_err(poll_err)?;
        let runner = LazyRunner::new(waker.clone());
        let host = SystemHost::new();
        let (notifier, problems) =
            Notifier::new(config, &host, &waker, notify::Settings::default());
        for p in problems {
            log.warning(&p.to_string());
        }
        let mut tracking = Tracking::from_config(config);
        for w in tracking.warnings() {
            log.warning(w);
        }
        let tracked: Vec<&str> = tracking.scripts().collect();
        let now = Instant::now();
        let (checks, problems) = Checks::new(config, &host, &tracked, now);
        for p in problems {
            log.warning(&p);
        }
        // A script that never runs would never report, and a weight-0 one would hold its
        // instances back for ever; keepalived untracks it instead, and so does ha.
        let dropped = checks.dropped(&tracked);
        if !dropped.is_empty() {
            tracking = Tracking::from_config(&super::checks::untrack(config, &dropped));
        }
        let files: Vec<(String, std::path::PathBuf)> = tracking
            .files()
            .map(|(n, p)| (n.to_string(), std::path::PathBuf::from(p)))
            .collect();
        for f in &config.vrrp.track_files {
            if let (Some(init), Some(path)) = (&f.init_file, &f.file) {
                if let Err(e) = track_io::init_track_file(std::path::Path::new(path), init) {
                    log.warning(&format!("track_file {}: init_file {path}: {e}", f.name));
                }
            }
        }
        let process_specs: Vec<crate::conf::model::vrrp::TrackProcess> = tracking
            .processes()
            .filter_map(|n| config.vrrp.track_processes.iter().find(|p| p.name == n))
            .cloned()
            .collect();
        let looker = Looker::start(files, process_specs, waker.clone())
            .map_err(|e| StartError::new("start reading track_file / track_process", e))?;
        let by_name = slots
            .iter()
            .enumerate()
            .map(|(i, s)| (s.machine.name().to_string(), i))
            .collect();
        let events = vec![EpollEvent::empty(); slots.len() + 4];
        let firewall = match FirewallConfig::from_config(config) {
            Some(cfg) => {
                Some(Firewall::open(cfg).map_err(|e| StartError::new("no_accept firewall", e))?)
            }
            None => None,
        };
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
            by_name,
            tracking,
            sync: SyncGroups::from_config(config),
            checks,
            notifier,
            runner,
            waker,
            notify_pending: true,
            looker,
            firewall,
            stirred: false,
            give_back_at: None,
        })
    }

    /// Runs until SIGTERM/SIGINT, then stops every instance gracefully.
    pub fn run(&mut self) -> Result<(), StartError> {
        self.remove_leftovers();
        super::trim::give_back();
        let now = Instant::now();
        // The tracker starts the instances once every interface it watches is known (and
        // every weight-0 script has answered).
        let watched: Vec<String> = self.tracking.interfaces().map(str::to_string).collect();
        for name in watched {
            let up = self.rtnl.link_by_name(&name).is_ok_and(|l| l.is_usable());
            self.tracking.link(&name, up);
        }
        // The first round of track_file / track_process readings arrives from the looker
        // thread; the tracker holds the instances that wait for it.
        self.pump_notifier();
        self.settle(now);
        self.serve()
    }

    /// The loop proper, until a stop signal. What an idle MASTER runs at every advert
    /// (this, settle, carry_out, the advert's way out) is kept apart from what it rarely
    /// runs (signals, link events, script results, the other actions), in functions of
    /// their own that are not inlined (the rarest marked cold): after 100 ms of sleep on a
    /// busy machine each code page a wake-up touches is likely a TLB and cache miss.
    #[inline(never)]
    fn serve(&mut self) -> Result<(), StartError> {
        let mut buf = vec![0u8; RX_BUF];
        let timeouts = wait::has_epoll_pwait2(self.epoll.0.as_fd());
        loop {
            let plan = wait::plan(self.next_deadline(), self.next_exact_deadline(), timeouts);
            self.timer
                .set(plan.timer)
                .map_err(|e| StartError::new("arm the timer (timerfd)", e))?;
            let waited = if timeouts {
                let now = Instant::now();
                wait::epoll_wait_until(self.epoll.0.as_fd(), &mut self.events, plan.timeout, now)
            } else {
                self.epoll.wait(&mut self.events, PollTimeout::NONE)
            };
            let n = match waited {
                Ok(n) => n,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(StartError::new("wait for adverts (epoll)", e)),
            };
            let now = Instant::now();
            let (mut signal, mut links, mut woken) = (false, false, false);
            for k in 0..n {
                match self.events[k].data() {
                    TOKEN_SIGNALS => signal = true,
                    TOKEN_LINKS => links = true,
                    TOKEN_WAKER => woken = true,
                    // Nothing to read: the machines' own deadlines say what is due, and
                    // setting the timer again at the top of the loop clears the readiness
                    // (timerfd_settime resets the expiry count), one system call fewer per
                    // advert.
                    TOKEN_TIMER => self.timer.fired(),
                    i => {
                        if let Ok(i) = usize::try_from(i) {
                            self.read_adverts(i, &mut buf, now);
                        }
                    }
                }
            }
            if signal && self.take_signals() {
                return Ok(());
            }
            if links {
                self.read_links();
            }
            if woken {
                self.finished_jobs(now);
            }
            self.settle(now);
            if std::mem::take(&mut self.stirred) {
                self.give_back_at = Some(now + QUIET_BEFORE_GIVING_BACK);
            } else if self.give_back_at.is_some_and(|t| t <= now) {
                self.give_back_at = None;
                super::trim::give_back();
            }
        }
    }

    /// The signals that arrived; true when one stopped the daemon (gracefully).
    #[cold]
    #[inline(never)]
    fn take_signals(&mut self) -> bool {
        for sig in self.signals.take() {
            match sig {
                Signal::Stop => {
                    self.stop(Instant::now());
                    return true;
                }
                Signal::Reload => self.log.warning(
                    "SIGHUP: reloading the configuration is not supported yet; restart ha to apply changes",
                ),
            }
        }
        false
    }

    /// Runs what is due, then passes tracking updates, sync-group moves and the machines'
    /// actions along until nothing more happens.
    fn settle(&mut self, now: Instant) {
        if self.checks.poll_timeout().is_some_and(|t| t <= now) {
            for (i, job) in self.checks.due(now) {
                self.runner.submit(Tag::Check(i), job);
            }
        }
        if self.tracking.poll_timeout().is_some_and(|t| t <= now) {
            self.tracking.handle_timeout(now);
        }
        // Each pass can only follow from the last; a bound keeps a logic error from spinning.
        for _ in 0..64 {
            let mut busy = false;
            while let Some(u) = self.tracking.poll_update() {
                busy = true;
                self.tracking_update(u, now);
            }
            while let Some(a) = self.sync.poll_action() {
                busy = true;
                self.sync_action(a, now);
            }
            // One clock reading per wake-up: the work here takes microseconds.
            for i in 0..self.slots.len() {
                if self.slots[i]
                    .machine
                    .poll_timeout()
                    .is_some_and(|t| t <= now)
                {
                    self.slots[i].machine.handle_timeout(now);
                }
                busy |= self.carry_out(i);
                self.sync.observe(&self.slots[i].machine);
            }
            // A sync member whose timer ran out asks nothing itself (it waits, ready, for
            // its group); the group's move it completes is carried out now, not at the
            // next wake-up, a whole master-down interval later.
            if !busy && !self.sync.has_actions() {
                break;
            }
        }
        if std::mem::take(&mut self.notify_pending) {
            self.notify();
        }
    }

    /// Starts the notify scripts that may start, and logs what the notifier reports.
    #[inline(never)]
    fn notify(&mut self) {
        self.pump_notifier();
        while let Some(ev) = self.notifier.poll_event() {
            if ev.failed() {
                self.log.warning(&ev.to_string());
            } else {
                self.log.detailed(|| ev.to_string());
            }
        }
    }

    fn tracking_update(&mut self, u: Update, now: Instant) {
        match u {
            Update::Tracker(line) => self.log.info(&line),
            Update::Priority {
                instance,
                offset,
                reason,
            } => {
                if let Some(&i) = self.by_name.get(&instance) {
                    self.slots[i].machine.set_priority_offset(offset, &reason);
                }
            }
            Update::Fault {
                instance,
                on,
                reason,
            } => self.sync.set_fault(&instance, on, &reason),
            Update::Start { instance } => {
                if let Some(&i) = self.by_name.get(&instance) {
                    self.slots[i].machine.start(now);
                }
            }
        }
    }

    fn sync_action(&mut self, a: SyncAction, now: Instant) {
        match a {
            SyncAction::Fault {
                instance,
                on,
                reason,
            } => {
                if let Some(&i) = self.by_name.get(&instance) {
                    self.slots[i].machine.set_fault(now, on, &reason);
                }
            }
            SyncAction::Master { instance, reason } => {
                if let Some(&i) = self.by_name.get(&instance) {
                    self.slots[i].machine.sync_master(now, &reason);
                }
            }
            SyncAction::Backup { instance, reason } => {
                if let Some(&i) = self.by_name.get(&instance) {
                    self.slots[i].machine.sync_backup(now, &reason);
                }
            }
            SyncAction::Group {
                group,
                from,
                to,
                reason,
            } => {
                self.log
                    .info(&format!("group {group}: {from} -> {to} ({reason})"));
                if let Some(state) = notify_state(to) {
                    self.notifier.group(&group, state);
                    self.notify_pending = true;
                }
            }
        }
    }

    /// Hands every notify script that may start to the runner (Notifier::pump, for the
    /// runner that starts with its first job).
    fn pump_notifier(&mut self) {
        while let Some((t, job)) = self.notifier.next_job() {
            self.runner.submit(Tag::Notify(t), job);
        }
    }

    /// Results of the runner: notify scripts to the notifier, checks to the tracker.
    #[inline(never)]
    fn finished_jobs(&mut self, now: Instant) {
        self.waker.clear();
        // Script and mail results arrive through the waker.
        self.notify_pending = true;
        self.looked();
        while let Some(done) = self.runner.try_recv() {
            let (tag, done) = done.split();
            match tag {
                Tag::Notify(t) => self.notifier.finished(t, done),
                Tag::Check(i) => {
                    if let Some((name, verdict)) = self.checks.finished(i, &done.outcome, now) {
                        self.log.detailed(|| {
                            format!("vrrp_script {name}: {:?} after {:?}", verdict, done.elapsed)
                        });
                        self.tracking.script_result(&name, verdict);
                    }
                }
            }
        }
    }

    /// track_file values and vrrp_track_process counts the looker thread read.
    fn looked(&mut self) {
        let Some(looker) = &self.looker else {
            return;
        };
        while let Some(look) = looker.try_recv() {
            for (name, content) in &look.files {
                self.tracking.file_content(name, content.as_deref());
            }
            match look.processes {
                Ok(counts) => {
                    for (name, n) in counts {
                        self.tracking.process_count(look.at, &name, n);
                    }
                }
                Err(e) => self
                    .log
                    .warning(&format!("vrrp_track_process: reading /proc: {e}")),
            }
        }
    }

    /// The earliest deadline that must be kept to the microsecond (see [`wait`]).
    fn next_exact_deadline(&self) -> Option<Instant> {
        self.slots
            .iter()
            .filter_map(|s| s.machine.poll_timeout_exact())
            .min()
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.slots
            .iter()
            .filter_map(|s| s.machine.poll_timeout())
            .chain(self.tracking.poll_timeout())
            .chain(self.checks.poll_timeout())
            .chain(self.give_back_at)
            .min()
    }

    /// Every queued advert of one receive socket, to its machine.
    #[inline(never)]
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

    /// Link changes go to the tracker (an instance's own interface, its addresses' and
    /// routes' interfaces and its track_interface lines).
    #[inline(never)]
    fn read_links(&mut self) {
        self.stirred = true;
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
                    LinkEvent::Link(link) => {
                        self.tracking.link(&link.name, link.is_usable());
                    }
                    LinkEvent::LinkRemoved(link) => {
                        self.tracking.link(&link.name, false);
                    }
                    LinkEvent::Overrun => self.relook_links(),
                    LinkEvent::AddressAdded { .. } | LinkEvent::AddressRemoved { .. } => {}
                }
            }
        }
    }

    /// Notifications were lost: ask the kernel for every watched link again.
    fn relook_links(&mut self) {
        let watched: Vec<String> = self.tracking.interfaces().map(str::to_string).collect();
        for name in watched {
            let up = self.rtnl.link_by_name(&name).is_ok_and(|l| l.is_usable());
            self.tracking.link(&name, up);
        }
    }

    fn stop(&mut self, now: Instant) {
        self.log.info("stopping: priority 0 adverts, VIPs removed");
        self.sync.stop();
        for i in 0..self.slots.len() {
            self.slots[i].machine.stop(now);
            self.carry_out(i);
        }
        while let Some(a) = self.sync.poll_action() {
            self.sync_action(a, now);
        }
        // The STOP notifications run; what is still running at the deadline is killed.
        let deadline = Instant::now() + EXIT_NOTIFY_WAIT;
        self.pump_notifier();
        while !self.notifier.settled() && Instant::now() < deadline {
            if let Some(done) = self.runner.recv_until(deadline) {
                if let (Tag::Notify(t), done) = done.split() {
                    self.notifier.finished(t, done);
                }
                self.pump_notifier();
            }
        }
        while let Some(ev) = self.notifier.poll_event() {
            self.log.detailed(|| ev.to_string());
        }
        if let Some(fw) = self.firewall.as_mut() {
            if let Err(e) = fw.close() {
                self.log.warning(&format!("no_accept firewall: {e}"));
            }
        }
    }

    /// keepalived issue #2361: VIPs left on an interface by a crash make two masters
    /// answer for them; remove ours before anything starts.
    fn remove_leftovers(&mut self) {
        if let Some(fw) = self.firewall.as_mut() {
            match fw.remove_leftovers() {
                Ok(tables) => {
                    for t in tables {
                        self.log.info(&format!(
                            "removed nftables table {t} left by an earlier run"
                        ));
                    }
                }
                Err(e) => self.log.warning(&format!("no_accept firewall: {e}")),
            }
        }
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

    /// Does what instance `i`'s machine asks, in order; false when it asked nothing.
    fn carry_out(&mut self, i: usize) -> bool {
        let mut any = false;
        while let Some(action) = self.slots[i].machine.poll_action() {
            any = true;
            match action {
                Action::SendAdvert(send) => self.send_advert(i, &send),
                other => self.carry_out_rarely(i, other),
            }
        }
        any
    }

    /// The actions other than adverts: state changes and what comes with them.
    #[inline(never)]
    fn carry_out_rarely(&mut self, i: usize, action: Action) {
        self.stirred = true;
        match action {
            Action::SendAdvert(send) => self.send_advert(i, &send),
            Action::AddVips { vips, excluded } => {
                let all: Vec<Address> = vips.into_iter().chain(excluded).collect();
                // Drop rules first: no moment where a VIP is up and accepts traffic.
                self.firewall_vips(i, &all, true);
                for a in &all {
                    self.apply_vip(i, a, true);
                }
            }
            Action::RemoveVips { vips, excluded } => {
                let all: Vec<Address> = vips.into_iter().chain(excluded).collect();
                for a in &all {
                    self.apply_vip(i, a, false);
                }
                self.firewall_vips(i, &all, false);
            }
            Action::Announce(list) => {
                for a in list {
                    self.announce(i, a.ip, a.dev.as_deref());
                }
            }
            Action::Transition(t) => {
                let m = &self.slots[i].machine;
                let name = m.name().to_string();
                self.log
                    .info(&format!("{name}: {} -> {} ({})", t.from, t.to, t.reason));
                if let Some(state) = notify_state(t.to) {
                    self.notifier.instance(&name, state, m.effective_priority());
                    self.notify_pending = true;
                }
            }
            Action::PriorityChanged { from, to, reason } => {
                let m = &self.slots[i].machine;
                let name = m.name().to_string();
                self.log
                    .info(&format!("{name}: priority {from} -> {to} ({reason})"));
                let master = m.state() == State::Master;
                self.notifier.priority_changed(&name, master, to);
                self.notify_pending = true;
            }
            Action::MasterHeardLower { from, priority } => {
                let name = self.slots[i].machine.name().to_string();
                self.log.detailed(|| {
                    format!("{name}: MASTER heard lower priority {priority} from {from}")
                });
                self.notifier.master_rx_lower_pri(&name, priority);
                self.notify_pending = true;
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
                if let (IpAddr::V4(_), IpAddr::V4(_)) = (src, send.dst) {
                    slot.ip_id = wire::next_ip_id(slot.ip_id);
                }
                slot.outbox
                    .send(&slot.sender, send, src, slot.ip_id, &slot.encode)
            }
        };
        if result.is_err() != slot.send_failing {
            self.sending_changed(i, send.dst, result.err());
        }
    }

    /// Adverts go out several times a second: a lasting failure is logged when it starts
    /// and when it ends, not at every advert.
    #[cold]
    #[inline(never)]
    fn sending_changed(&mut self, i: usize, dst: IpAddr, error: Option<String>) {
        let slot = &mut self.slots[i];
        let name = slot.machine.name();
        match error {
            Some(e) => {
                slot.send_failing = true;
                self.log
                    .warning(&format!("{name}: cannot send adverts to {dst}: {e}"));
            }
            None => {
                slot.send_failing = false;
                self.log
                    .info(&format!("{name}: adverts to {dst} are sent again"));
            }
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

    /// keepalived's no_accept: while MASTER without accept mode, traffic to the VIPs drops.
    fn firewall_vips(&mut self, i: usize, addrs: &[Address], add: bool) {
        let slot = &self.slots[i];
        let Some(fw) = self.firewall.as_mut() else {
            return;
        };
        let s = slot.machine.settings();
        if !nftables::drops(slot.machine.accept_mode(), s.priority) {
            return;
        }
        let owner = Owner {
            instance: slot.machine.name(),
            interface: &slot.iface,
            dont_track_primary: slot.dont_track_primary,
        };
        let result = if add {
            fw.vips_add(&owner, addrs)
        } else {
            fw.vips_remove(&owner, addrs)
        };
        let name = slot.machine.name().to_string();
        match result {
            Ok(()) => self.log.detailed(|| {
                format!(
                    "{name}: {} firewall drop rules",
                    if add { "set" } else { "removed" }
                )
            }),
            Err(e) => self.log.error(&format!("{name}: {e}")),
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
}

/// The state word notifications carry (none for INIT).
fn notify_state(s: State) -> Option<NotifyState> {
    match s {
        State::Master => Some(NotifyState::Master),
        State::Backup => Some(NotifyState::Backup),
        State::Fault => Some(NotifyState::Fault),
        State::Stopped => Some(NotifyState::Stop),
        State::Init => None,
    }
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
