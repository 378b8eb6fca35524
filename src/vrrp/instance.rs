//! One VRRP instance as a state machine (RFC 3768 / RFC 5798 section 6.4, with keepalived
//! 2.2.7's choices where it departs from or adds to the RFCs; each is named at its place).
//!
//! The caller feeds it time and packets and drains what it asks for:
//!
//! ```text
//! m.start(now);
//! loop {
//!     while let Some(a) = m.poll_action() { /* send, add/remove VIPs, log, notify */ }
//!     wait until m.poll_timeout() or a packet;
//!     m.handle_timeout(now) / m.handle_advert(now, &received);
//! }
//! ```

use std::cmp::Ordering;
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::action::{Action, Announce, SendAdvert, State, Transition};
use super::counters::{Counters, Drop, Rejected};
use super::garp::Garp;
use super::settings::Settings;
use super::timers::{self, secs};
use super::validate;
use crate::conf::model::vrrp::Family;
use crate::wire::vrrp::{Advert, Auth, Received, Version};

/// Why a BACKUP would become MASTER when its timer fires (keepalived's
/// `next_master_reason`), for the transition's reason.
#[derive(Debug, Clone, Copy)]
enum Why {
    NoResponse,
    PriorityZero(IpAddr),
    Preempt(IpAddr, u8),
    Owner,
}

#[derive(Debug)]
pub struct Instance {
    s: Settings,
    /// The interface's primary address of the instance's family (from the edge).
    primary: Option<IpAddr>,
    state: State,
    /// keepalived's `wantstate == MASTER`: an address owner configured MASTER that has not
    /// yet been through a fault or heard an advert it accepted.
    want_master: bool,
    base_priority: u8,
    offset: i32,
    effective: u8,
    fault: Option<String>,
    /// The interval the timers use: ours, or (VRRPv3 BACKUP) the master's.
    master_adver_int: Duration,
    /// BACKUP: master down; MASTER: next advert (keepalived's `sands`).
    deadline: Option<Instant>,
    preempt_at: Option<Instant>,
    delayed_start: Option<Instant>,
    /// keepalived's `master_saddr`: whose address list was last checked
    /// (skip_check_adv_addr).
    checked_src: Option<IpAddr>,
    /// The master last heard (a BACKUP's view, for status and reasons).
    master: Option<(IpAddr, u8)>,
    heard_at: Option<Instant>,
    why: Why,
    vips_set: bool,
    /// A sync group member whose master-down timer ran out: the takeover reason, kept
    /// until the group lets it become MASTER (keepalived's wantstate MASTER in BACKUP).
    sync_ready: Option<String>,
    garp: Garp,
    /// The advert last built: a MASTER sends the same one every interval, so it is built
    /// once per priority and shared with the actions, not rebuilt (and its address list
    /// copied) at every send.
    last_advert: Option<Arc<Advert>>,
    actions: VecDeque<Action>,
    counters: Counters,
}

impl Instance {
    /// A machine for `settings`; `primary` is the interface's primary address of the
    /// instance's family (the advert source unless `src_ip` is configured, and the
    /// address compared on equal priorities).
    pub fn new(settings: Settings, primary: Option<IpAddr>) -> Instance {
        let round = settings
            .vips
            .iter()
            .chain(&settings.excluded)
            .map(|a| Announce {
                ip: a.addr.addr,
                dev: a.dev.clone(),
            })
            .collect();
        Instance {
            garp: Garp::new(settings.garp.clone(), round),
            primary,
            state: State::Init,
            want_master: settings.initial_master,
            base_priority: settings.priority,
            offset: 0,
            effective: settings.priority,
            fault: settings.config_fault.clone(),
            master_adver_int: settings.advert_int,
            deadline: None,
            preempt_at: None,
            delayed_start: None,
            checked_src: None,
            master: None,
            heard_at: None,
            why: Why::NoResponse,
            vips_set: false,
            sync_ready: None,
            last_advert: None,
            actions: VecDeque::new(),
            counters: Counters::default(),
            s: settings,
        }
    }

    // ----- inputs -----

    /// Starts the instance (keepalived's `vrrp_init_state`): FAULT if a fault is set; the
    /// address owner configured MASTER becomes MASTER at once; every other instance,
    /// `state MASTER` or not, starts BACKUP with a full master-down timer (running from the
    /// end of `vrrp_startup_delay`).
    pub fn start(&mut self, now: Instant) {
        if self.state != State::Init {
            return;
        }
        if !self.s.startup_delay.is_zero() {
            self.delayed_start = Some(now + self.s.startup_delay);
        }
        self.master_adver_int = self.s.advert_int;
        if let Some(reason) = self.fault.clone() {
            self.enter(State::Fault, reason);
            return;
        }
        if self.want_master && self.base_priority == 255 {
            if self.delayed_start.is_none() {
                self.goto_master(now, "address owner (priority 255)".into());
                return;
            }
            // keepalived: a 1 us master-down timer from the end of the start-up delay.
            self.why = Why::Owner;
            self.deadline = Some(self.backup_base(now) + Duration::from_micros(1));
            self.heard_at = Some(now);
            self.enter(
                State::Backup,
                "address owner waiting for vrrp_startup_delay".into(),
            );
            return;
        }
        let reason = if self.s.initial_master {
            "start (state MASTER below priority 255 starts as BACKUP, as keepalived)"
        } else {
            "start"
        };
        self.restart_backup(now);
        self.enter(State::Backup, reason.into());
    }

    /// A received advert. Returns why it was dropped, if it was (already counted).
    pub fn handle_advert(&mut self, now: Instant, rx: &Received) -> Result<(), Rejected> {
        self.counters.received += 1;
        let r = self.admit(rx).and_then(|()| match self.state {
            State::Backup => self.backup_rx(now, rx),
            _ => self.master_rx(now, rx),
        });
        if let Err(e) = &r {
            self.counters.drop(e.reason);
        }
        r
    }

    /// Runs what is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.deadline.is_some_and(|d| now >= d) {
            match self.state {
                State::Backup => self.master_down(now),
                State::Master => self.master_tx(now),
                _ => self.deadline = None,
            }
        }
        let mut out = Vec::new();
        self.garp.handle_timeout(now, &mut out);
        self.announce(out);
    }

    /// When [`Instance::handle_timeout`] must next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Backup | State::Master => [self.deadline, self.garp.poll_timeout()]
                .into_iter()
                .flatten()
                .min(),
            _ => None,
        }
    }

    /// The part of [`Instance::poll_timeout`] whose lateness would delay a failover, so
    /// that the daemon keeps it to the microsecond: a BACKUP's master-down timer (with
    /// preempt_delay). A MASTER's next advert and gratuitous ARP repeats are harmless a
    /// fraction of a millisecond late.
    pub fn poll_timeout_exact(&self) -> Option<Instant> {
        match self.state {
            State::Backup => self.deadline,
            _ => None,
        }
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// Graceful stop (keepalived's `restore_vrrp_interfaces` on SIGTERM): a MASTER sends a
    /// priority 0 advert so that a BACKUP takes over after its skew time, then its
    /// addresses are removed.
    pub fn stop(&mut self, _now: Instant) {
        let from = self.state;
        if from == State::Stopped {
            return;
        }
        self.enter(State::Stopped, "stop requested".into());
        if from == State::Master {
            self.restore_interface(true);
        }
        self.deadline = None;
    }

    /// The sum of the tracking weights (scripts, interfaces, files, processes) changed.
    /// keepalived's `vrrp_set_effective_priority`: the effective priority is the
    /// configured one plus `offset`, kept within 1-254; the address owner's never moves.
    /// A BACKUP's running master-down timer moves by the change of its skew.
    pub fn set_priority_offset(&mut self, offset: i32, reason: &str) {
        self.offset = offset;
        if self.base_priority == 255 {
            return;
        }
        let new = (i32::from(self.base_priority) + offset).clamp(1, 254) as u8;
        self.set_effective(new, reason.to_string());
    }

    /// A tracked object failed (`on`) or recovered. keepalived's `down_instance` /
    /// `try_up_instance`: a MASTER going to FAULT sends priority 0 (twice, as keepalived)
    /// and removes its addresses; leaving FAULT goes to BACKUP with a full master-down
    /// timer, except an address owner that never ran, which becomes MASTER at once.
    /// Counting several failures is the caller's job: this is the instance's one flag.
    pub fn set_fault(&mut self, now: Instant, on: bool, reason: &str) {
        if on {
            if self.fault.is_some() {
                return;
            }
            self.fault = Some(reason.to_string());
            match self.state {
                State::Master => {
                    self.want_master = false;
                    self.leave_master(now, State::Fault, reason.to_string());
                }
                State::Backup => {
                    self.want_master = false;
                    self.deadline = None;
                    self.master_adver_int = self.s.advert_int;
                    self.enter(State::Fault, reason.to_string());
                }
                _ => {}
            }
            return;
        }
        if self.fault.is_none() || self.s.config_fault.is_some() {
            return;
        }
        self.fault = None;
        if self.state != State::Fault {
            return;
        }
        if self.want_master && self.base_priority == 255 {
            self.goto_master(now, format!("{reason}; address owner (priority 255)"));
            return;
        }
        self.want_master = false;
        self.restart_backup(now);
        self.enter(State::Backup, reason.to_string());
        // keepalived: with unicast, a gratuitous ARP / NA for our own address, so that the
        // master (which may have lost us from its neighbour cache) can reach us at once.
        if self.s.unicast() {
            if let Some(ip) = self.own_addr() {
                self.announce(vec![Announce { ip, dev: None }]);
            }
        }
    }

    /// The sync group makes this member MASTER (keepalived's `vrrp_sync_master`): a
    /// BACKUP not in FAULT becomes MASTER now; otherwise nothing happens. The reason
    /// follows the member's own takeover reason if its timer had run out.
    pub fn sync_master(&mut self, now: Instant, reason: &str) {
        if self.state != State::Backup || self.fault.is_some() {
            return;
        }
        let reason = match self.sync_ready.take() {
            Some(own) => format!("{own}; {reason}"),
            None => reason.to_string(),
        };
        self.goto_master(now, reason);
    }

    /// The sync group goes BACKUP (keepalived's `vrrp_sync_backup`): a MASTER removes its
    /// addresses, without a priority 0 advert, and is BACKUP with a full master-down
    /// timer; other states are left alone.
    pub fn sync_backup(&mut self, now: Instant, reason: &str) {
        if self.state != State::Master {
            return;
        }
        self.want_master = false;
        self.leave_master(now, State::Backup, reason.to_string());
    }

    /// The interface's primary address changed (or became known).
    pub fn set_primary_address(&mut self, primary: Option<IpAddr>) {
        self.primary = primary;
    }

    // ----- what the daemon reads -----

    pub fn name(&self) -> &str {
        &self.s.name
    }

    pub fn settings(&self) -> &Settings {
        &self.s
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn effective_priority(&self) -> u8 {
        self.effective
    }

    /// The last offset given to [`Instance::set_priority_offset`].
    pub fn priority_offset(&self) -> i32 {
        self.offset
    }

    /// The configured priority (lowered to 254 when another router also claims 255).
    pub fn base_priority(&self) -> u8 {
        self.base_priority
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The master last heard and its priority (a BACKUP's view).
    pub fn master(&self) -> Option<(IpAddr, u8)> {
        self.master
    }

    /// The interval the timers use: ours, or a VRRPv3 BACKUP's master's.
    pub fn master_adver_int(&self) -> Duration {
        self.master_adver_int
    }

    /// Accept mode: whether the daemon lets traffic to the VIPs in while MASTER.
    pub fn accept_mode(&self) -> bool {
        self.s.accept
    }

    /// The addresses are installed (between AddVips and RemoveVips).
    pub fn vips_installed(&self) -> bool {
        self.vips_set
    }

    pub fn fault_reason(&self) -> Option<&str> {
        self.fault.as_deref()
    }

    /// A sync group member in BACKUP whose master-down timer ran out, waiting for its
    /// group to let it become MASTER (keepalived's wantstate MASTER). Cleared when it
    /// hears a master it accepts, or changes state.
    pub fn sync_ready(&self) -> bool {
        self.sync_ready.is_some()
    }

    // ----- inside -----

    fn own_addr(&self) -> Option<IpAddr> {
        self.s.src_ip.or(self.primary)
    }

    fn enter(&mut self, to: State, reason: String) {
        let from = self.state;
        self.state = to;
        self.sync_ready = None;
        self.actions
            .push_back(Action::Transition(Transition { from, to, reason }));
    }

    fn down_interval(&self) -> Duration {
        timers::master_down(
            self.s.version,
            self.s.down_timer_adverts,
            self.effective,
            self.master_adver_int,
        )
    }

    fn skew(&self) -> Duration {
        timers::skew(self.s.version, self.effective, self.master_adver_int)
    }

    /// When a BACKUP's timer starts: now, or the end of `vrrp_startup_delay`.
    fn backup_base(&self, now: Instant) -> Instant {
        match self.delayed_start {
            Some(d) if now < d => d,
            _ => now,
        }
    }

    /// The timers of a fresh BACKUP (keepalived's leave_master / leave_fault).
    fn restart_backup(&mut self, now: Instant) {
        self.preempt_at = None;
        self.why = Why::NoResponse;
        self.heard_at = Some(now);
        self.deadline = Some(self.backup_base(now) + self.down_interval());
    }

    /// The advert to send at `priority`; everything else in it comes from the settings.
    fn advert(&mut self, priority: u8) -> Arc<Advert> {
        if let Some(a) = &self.last_advert {
            if a.priority == priority {
                return Arc::clone(a);
            }
        }
        let interval_cs = match self.s.version {
            Version::V2 => (self.s.advert_int.as_secs() * 100) as u16,
            Version::V3 => timers::centis(self.s.advert_int) as u16,
        };
        let auth = match (self.s.version, self.s.auth_pass) {
            (Version::V2, Some(k)) => Auth::Pass(k),
            _ => Auth::None,
        };
        let a = Arc::new(Advert {
            version: self.s.version,
            vrid: self.s.vrid,
            priority,
            interval_cs,
            auth,
            addresses: self.s.vips.iter().map(|a| a.addr.addr).collect(),
        });
        self.last_advert = Some(Arc::clone(&a));
        a
    }

    fn send_advert(&mut self, priority: u8) {
        let advert = self.advert(priority);
        let src = self.own_addr();
        if self.s.unicast() {
            for p in &self.s.unicast_peers {
                self.actions.push_back(Action::SendAdvert(SendAdvert {
                    src,
                    dst: p.address,
                    ttl: self.s.unicast_ttl,
                    advert: Arc::clone(&advert),
                }));
            }
        } else {
            let dst = self.s.mcast_group.unwrap_or(match self.s.family {
                Family::Ipv4 => IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
                Family::Ipv6 => IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12)),
            });
            self.actions.push_back(Action::SendAdvert(SendAdvert {
                src,
                dst,
                ttl: Some(255),
                advert,
            }));
        }
        self.counters.adverts_sent += 1;
        if priority == 0 {
            self.counters.priority_zero_sent += 1;
        }
    }

    fn announce(&mut self, out: Vec<Announce>) {
        if !out.is_empty() {
            self.counters.announcements_sent += out.len() as u64;
            self.actions.push_back(Action::Announce(out));
        }
    }

    fn set_effective(&mut self, new: u8, reason: String) {
        let old = self.effective;
        if new == old {
            return;
        }
        let old_down = self.down_interval();
        self.effective = new;
        let new_down = self.down_interval();
        if self.state == State::Backup {
            if let Some(d) = self.deadline {
                self.deadline = Some(if new_down >= old_down {
                    d + (new_down - old_down)
                } else {
                    d.checked_sub(old_down - new_down).unwrap_or(d)
                });
            }
        }
        self.actions.push_back(Action::PriorityChanged {
            from: old,
            to: new,
            reason,
        });
    }

    /// keepalived's `vrrp_state_goto_master` + `vrrp_state_master_tx` +
    /// `vrrp_state_become_master`: the advert goes first (so the old master drops the
    /// addresses before our gratuitous ARPs), then the addresses, then the ARPs.
    fn goto_master(&mut self, now: Instant, reason: String) {
        self.want_master = true;
        // keepalived 2.2.7 resets master_adver_int only when detailed logging is on; ha
        // always does: a MASTER's timers run on its own interval.
        self.master_adver_int = self.s.advert_int;
        self.deadline = Some(now + self.s.advert_int);
        self.send_advert(self.effective);
        self.enter(State::Master, reason);
        self.counters.became_master += 1;
        self.actions.push_back(Action::AddVips {
            vips: self.s.vips.clone(),
            excluded: self.s.excluded.clone(),
        });
        self.vips_set = true;
        let mut out = Vec::new();
        self.garp.takeover(now, &mut out);
        self.announce(out);
    }

    /// A BACKUP's master-down timer ran out.
    #[inline(never)]
    fn master_down(&mut self, now: Instant) {
        let reason = self.takeover_reason(now);
        if self.s.sync_group.is_some() {
            // keepalived's `vrrp_sync_can_goto_master`: a member waits, with a fresh full
            // timer, until the group moves it (sync_master).
            self.sync_ready = Some(reason);
            self.deadline = Some(self.backup_base(now) + self.down_interval());
        } else {
            self.goto_master(now, reason);
        }
    }

    /// A MASTER's advert timer.
    fn master_tx(&mut self, now: Instant) {
        self.send_advert(self.effective);
        self.deadline = Some(now + self.s.advert_int);
        let mut out = Vec::new();
        self.garp.advert_sent(now, &mut out);
        self.announce(out);
    }

    /// keepalived's `vrrp_restore_interface`.
    fn restore_interface(&mut self, priority_zero: bool) {
        if priority_zero {
            self.send_advert(0);
        }
        self.garp.cancel();
        if self.vips_set {
            self.vips_set = false;
            self.actions.push_back(Action::RemoveVips {
                vips: self.s.vips.clone(),
                excluded: self.s.excluded.clone(),
            });
        }
    }

    /// keepalived's `vrrp_state_leave_master`. To FAULT it sends priority 0 twice: once
    /// itself and once in `vrrp_restore_interface` (called with advF).
    fn leave_master(&mut self, now: Instant, to: State, reason: String) {
        self.enter(to, reason);
        if to == State::Fault {
            self.send_advert(0);
            self.restore_interface(true);
            self.deadline = None;
            self.master_adver_int = self.s.advert_int;
        } else {
            self.restore_interface(false);
            self.restart_backup(now);
        }
        self.counters.released_master += 1;
    }

    fn takeover_reason(&self, now: Instant) -> String {
        match self.why {
            Why::Owner => "address owner (priority 255)".into(),
            Why::PriorityZero(src) => format!(
                "{src} gave up mastership (priority 0 advert); took over after the skew time {} s",
                secs(self.skew())
            ),
            Why::Preempt(src, prio) => format!(
                "preempting: our priority {} > {prio} from {src}",
                self.effective
            ),
            Why::NoResponse => {
                let quiet = self
                    .heard_at
                    .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
                match self.master {
                    Some((m, _)) => format!("no advert from {m} for {} s", secs(quiet)),
                    None => format!("no advert for {} s", secs(quiet)),
                }
            }
        }
    }

    /// What comes before keepalived's `vrrp_check_packet`: the socket's demultiplexing by
    /// VRID, the state (adverts are ignored in FAULT), the address family.
    fn admit(&self, rx: &Received) -> Result<(), Rejected> {
        let no = |reason, detail: String| Err(Rejected { reason, detail });
        if !matches!(self.state, State::Backup | State::Master) {
            return no(
                Drop::NotRunning,
                format!("advert ignored in state {}", self.state),
            );
        }
        if rx.advert.vrid != self.s.vrid {
            return no(
                Drop::Vrid,
                format!("VRID {}, this instance is {}", rx.advert.vrid, self.s.vrid),
            );
        }
        if Family::of(&rx.src) != self.s.family {
            return no(
                Drop::Family,
                format!("{} advert on a {} instance", rx.src, self.s.family.name()),
            );
        }
        Ok(())
    }

    fn adopt_interval(&mut self, rx: &Received) {
        // RFC 5798 6.4.2: "Set Master_Adver_Interval to Adver Interval contained in the
        // ADVERTISEMENT".
        if self.s.version == Version::V3 {
            self.master_adver_int = Duration::from_millis(u64::from(rx.advert.interval_cs) * 10);
        }
    }

    /// keepalived's `vrrp_state_backup` (RFC 3768 / 5798 6.4.2).
    fn backup_rx(&mut self, now: Instant, rx: &Received) -> Result<(), Rejected> {
        // skip_check_adv_addr: only the first advert from a new master is fully checked.
        let check_addr = !self.s.skip_check_adv_addr || self.checked_src != Some(rx.src);
        validate::check(&self.s, rx, check_addr)?;
        self.counters.accepted += 1;
        let prio = rx.advert.priority;
        if prio == 0 {
            // The master is stopping: take over after Skew_Time.
            self.counters.priority_zero_received += 1;
            self.deadline = Some(self.backup_base(now) + self.skew());
            self.why = Why::PriorityZero(rx.src);
            return Ok(());
        }
        // preempt_delay: the first lower priority advert starts the delay; until it runs
        // out, lower priority adverts are accepted as if they were higher.
        let delaying = !self.s.preempt_delay.is_zero() && self.preempt_at.map_or(true, |t| t > now);
        if self.s.nopreempt || prio >= self.effective || delaying {
            self.adopt_interval(rx);
            self.deadline = Some(self.backup_base(now) + self.down_interval());
            self.checked_src = Some(rx.src);
            self.master = Some((rx.src, prio));
            self.heard_at = Some(now);
            self.why = Why::NoResponse;
            if !self.s.preempt_delay.is_zero() {
                if prio >= self.effective {
                    self.preempt_at = None;
                } else if self.preempt_at.is_none() {
                    self.preempt_at = Some(now + self.s.preempt_delay);
                }
            }
            self.want_master = false;
            // keepalived: a master heard again means BACKUP is wanted after all.
            self.sync_ready = None;
        } else {
            // A lower priority master: discard, so that our timer runs out and we preempt.
            self.counters.lower_priority_ignored += 1;
            self.why = Why::Preempt(rx.src, prio);
            self.checked_src = Some(rx.src);
        }
        Ok(())
    }

    /// A MASTER answers an advert with one of its own. The schedule restarts from the
    /// answer, except with `lower_prio_no_advert` (keepalived restarts it in
    /// `vrrp_dispatcher_read` unless that option is set).
    fn answer(&mut self, now: Instant) {
        self.send_advert(self.effective);
        if !self.s.lower_prio_no_advert {
            self.deadline = Some(now + self.s.advert_int);
        }
    }

    /// keepalived's `vrrp_state_master_rx` (RFC 3768 / 5798 6.4.3).
    fn master_rx(&mut self, now: Instant, rx: &Received) -> Result<(), Rejected> {
        validate::check(&self.s, rx, true)?;
        self.counters.accepted += 1;
        let prio = rx.advert.priority;
        let cmp = validate::addr_cmp(rx.src, self.own_addr());
        let higher = |eff: u8| prio > eff || (prio == eff && cmp == Ordering::Greater);
        if prio == 0 {
            self.counters.priority_zero_received += 1;
        }
        if prio == 0 || (self.s.higher_prio_send_advert && higher(self.effective)) {
            self.answer(now);
            if prio == 0 {
                return Ok(());
            }
        }
        if prio == self.effective && self.effective == 255 && cmp != Ordering::Equal {
            // Two address owners: keepalived calls it a configuration error and lowers
            // its own priority, so that one of them wins.
            self.base_priority = 254;
            self.set_effective(
                254,
                format!(
                    "{} also claims to own the addresses (priority 255): configuration error",
                    rx.src
                ),
            );
        }
        let eff = self.effective;
        if prio < eff || (prio == eff && cmp == Ordering::Less) {
            // A lower priority master (after a partition, say): answer at once so that
            // it steps down, and refresh the neighbours' caches.
            if !self.s.lower_prio_no_advert {
                self.answer(now);
            }
            let mut out = Vec::new();
            self.garp.lower_priority(now, &mut out);
            self.announce(out);
            self.actions.push_back(Action::MasterHeardLower {
                from: rx.src,
                priority: prio,
            });
            return Ok(());
        }
        if higher(eff) {
            self.adopt_interval(rx);
            self.master = Some((rx.src, prio));
            self.want_master = false;
            let reason = if prio > eff {
                format!("higher priority {prio} from {}", rx.src)
            } else {
                format!("equal priority {prio} from higher address {}", rx.src)
            };
            self.leave_master(now, State::Backup, reason);
        }
        Ok(())
    }
}
