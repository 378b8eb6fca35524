//! LVS-DR real-server ARP setup: the VIPs on `lo` and the ARP sysctls that keep this host
//! from answering ARP for them, so that only the director does.
//!
//! `start` and `stop` work against a [`Host`] (the real one is [`SystemHost`]) so their
//! rules — idempotence, originals kept, undo only what was done — are unit-tested with a
//! fake. `status` is the pure [`status::analyze`].

mod state;
pub mod status;
mod system;

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::net::rtnl::{max_prefix, IfAddr, RtnlError};
use crate::net::sysctl::{Key, SysctlError, SysctlErrorKind};
pub use state::{
    SavedSysctl, State, StateError, StateErrorKind, StateStore, DEFAULT_RUN_DIR, RUN_DIR_ENV,
    STATE_FILE,
};
pub use system::SystemHost;

/// The device VIPs go on unless told otherwise.
pub const DEFAULT_DEV: &str = "lo";

/// The two ARP knobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Knob {
    /// 1: answer ARP only for addresses on the interface the request came in on (not lo).
    ArpIgnore,
    /// 2: always use the best local address of the outgoing interface as ARP source.
    ArpAnnounce,
}

impl Knob {
    pub const ALL: [Knob; 2] = [Knob::ArpIgnore, Knob::ArpAnnounce];

    pub fn name(self) -> &'static str {
        match self {
            Knob::ArpIgnore => "arp_ignore",
            Knob::ArpAnnounce => "arp_announce",
        }
    }

    /// The value `start` sets.
    pub fn required(self) -> i64 {
        match self {
            Knob::ArpIgnore => 1,
            Knob::ArpAnnounce => 2,
        }
    }

    /// Largest meaningful value (ip-sysctl.rst).
    pub fn max(self) -> i64 {
        match self {
            Knob::ArpIgnore => 8,
            Knob::ArpAnnounce => 2,
        }
    }
}

/// `net.ipv4.conf.all` or `net.ipv4.conf.<dev>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conf {
    All,
    Dev,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SysctlId {
    pub conf: Conf,
    pub knob: Knob,
}

impl SysctlId {
    /// In the order `start` sets them (the tutorial order).
    pub const ALL: [SysctlId; 4] = [
        SysctlId::new(Conf::All, Knob::ArpIgnore),
        SysctlId::new(Conf::Dev, Knob::ArpIgnore),
        SysctlId::new(Conf::All, Knob::ArpAnnounce),
        SysctlId::new(Conf::Dev, Knob::ArpAnnounce),
    ];

    pub const fn new(conf: Conf, knob: Knob) -> SysctlId {
        SysctlId { conf, knob }
    }

    pub fn key(self, dev: &str) -> Result<Key, SysctlError> {
        let conf = match self.conf {
            Conf::All => "all",
            Conf::Dev => dev,
        };
        Key::ipv4_conf(conf, self.knob.name())
    }

    /// `net.ipv4.conf.lo.arp_ignore`, for messages.
    pub fn display(self, dev: &str) -> String {
        self.key(dev)
            .map(|k| k.to_string())
            .unwrap_or_else(|_| format!("net.ipv4.conf.{dev}.{}", self.knob.name()))
    }
}

/// What the kernel applies for ARP on an interface: the larger of `all` and the device's.
pub fn effective(all: i64, dev: i64) -> i64 {
    all.max(dev)
}

/// Parses a `--vip` value: an address, optionally written with its host prefix
/// (`/32`, `/128`), that can actually serve as a VIP.
pub fn parse_vip(s: &str) -> Result<IpAddr, String> {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("`{addr}` is not an IPv4 or IPv6 address"))?;
    if let Some(p) = prefix {
        if p.parse::<u8>().ok() != Some(max_prefix(ip)) {
            return Err(format!(
                "a VIP is a single host address: write {ip} or {ip}/{}, not /{p}",
                max_prefix(ip)
            ));
        }
    }
    let why = match ip {
        IpAddr::V4(v4) if v4.is_unspecified() => Some("is the unspecified address"),
        IpAddr::V4(v4) if v4.is_broadcast() => Some("is the broadcast address"),
        IpAddr::V4(v4) if v4.is_multicast() => Some("is a multicast address"),
        IpAddr::V4(v4) if v4.is_loopback() => {
            Some("is a loopback address (lo already has all of 127.0.0.0/8)")
        }
        IpAddr::V6(v6) if v6.is_unspecified() => Some("is the unspecified address"),
        IpAddr::V6(v6) if v6.is_multicast() => Some("is a multicast address"),
        IpAddr::V6(v6) if v6.is_loopback() => Some("is the loopback address"),
        IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80 => {
            Some("is link-local, which cannot be reached through a director")
        }
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => {
            Some("is IPv4-mapped; give the IPv4 address instead")
        }
        _ => None,
    };
    match why {
        Some(why) => Err(format!("{ip} {why}, not a usable VIP")),
        None => Ok(ip),
    }
}

/// Addresses that count as VIPs on the device: host prefixes, not loopback ones.
pub fn is_vip_like(a: &IfAddr) -> bool {
    a.is_host() && !a.addr.is_loopback()
}

/// The system as `start`/`stop` see it.
pub trait Host {
    fn dev(&self) -> &str;
    /// Whether the device answers ARP itself (VIPs there would be answered for).
    fn arp_capable(&self) -> bool;
    fn read_sysctl(&mut self, id: SysctlId) -> Result<i64, RsArpError>;
    fn write_sysctl(&mut self, id: SysctlId, value: i64) -> Result<(), RsArpError>;
    fn ipv6_usable(&mut self) -> Result<bool, RsArpError>;
    fn is_up(&mut self) -> Result<bool, RsArpError>;
    fn set_up(&mut self) -> Result<(), RsArpError>;
    fn addresses(&mut self) -> Result<Vec<IfAddr>, RsArpError>;
    /// Adds the VIP as a host address; false when it turned out to be there already.
    fn add_vip(&mut self, ip: IpAddr) -> Result<bool, RsArpError>;
    /// Removes exactly this address; false when it was already gone.
    fn del_vip(&mut self, addr: &IfAddr) -> Result<bool, RsArpError>;
}

#[derive(Debug)]
pub enum RsArpError {
    NoDevice {
        dev: String,
    },
    Ipv6Unavailable {
        dev: String,
    },
    /// The state file is about another device.
    OtherDevice {
        state_dev: String,
        requested: String,
    },
    Sysctl(SysctlError),
    Netlink {
        what: String,
        err: RtnlError,
    },
    State(StateError),
}

impl RsArpError {
    fn netlink(what: impl Into<String>, err: RtnlError) -> RsArpError {
        RsArpError::Netlink {
            what: what.into(),
            err,
        }
    }

    /// The failure came from missing privilege (exit 4 rather than 3).
    pub fn is_permission(&self) -> bool {
        match self {
            RsArpError::Sysctl(e) => matches!(e.kind, SysctlErrorKind::PermissionDenied),
            RsArpError::Netlink { err, .. } => matches!(err, RtnlError::PermissionDenied),
            RsArpError::State(e) => e.is_permission(),
            _ => false,
        }
    }
}

impl fmt::Display for RsArpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RsArpError::NoDevice { dev } => write!(f, "network interface `{dev}` does not exist"),
            RsArpError::Ipv6Unavailable { dev } => {
                write!(f, "IPv6 is disabled or not available on {dev}")
            }
            RsArpError::OtherDevice {
                state_dev,
                requested,
            } => write!(
                f,
                "rs-arp is set up on {state_dev}, not {requested} (one device at a time)"
            ),
            RsArpError::Sysctl(e) => write!(f, "{e}"),
            RsArpError::Netlink { what, err } => write!(f, "{what}: {err}"),
            RsArpError::State(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RsArpError {}

impl From<StateError> for RsArpError {
    fn from(e: StateError) -> Self {
        RsArpError::State(e)
    }
}

/// One thing `start` or `stop` did (or found already done).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    StateSaved {
        path: String,
    },
    StateRemoved {
        path: String,
    },
    LinkUp {
        dev: String,
    },
    SysctlSet {
        key: String,
        from: i64,
        to: i64,
    },
    SysctlRestored {
        key: String,
        from: i64,
        to: i64,
    },
    SysctlUnchanged {
        key: String,
        value: i64,
    },
    /// `stop`: the value already is the one from before `start`.
    SysctlOriginal {
        key: String,
        value: i64,
    },
    VipAdded {
        address: String,
        dev: String,
    },
    VipPresent {
        address: String,
        dev: String,
    },
    VipRemoved {
        address: String,
        dev: String,
    },
    VipAbsent {
        address: String,
        dev: String,
    },
    SysctlsKept {
        reason: String,
    },
    Nothing {
        reason: String,
    },
}

impl Action {
    /// Whether the system was changed (state file bookkeeping does not count).
    pub fn changes_system(&self) -> bool {
        matches!(
            self,
            Action::LinkUp { .. }
                | Action::SysctlSet { .. }
                | Action::SysctlRestored { .. }
                | Action::VipAdded { .. }
                | Action::VipRemoved { .. }
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::StateSaved { path } => write!(f, "original sysctl values saved in {path}"),
            Action::StateRemoved { path } => write!(f, "removed {path}"),
            Action::LinkUp { dev } => write!(f, "set {dev} up (it was down)"),
            Action::SysctlSet { key, from, to } => write!(f, "{key} {from} -> {to}"),
            Action::SysctlRestored { key, from, to } => {
                write!(f, "{key} {from} -> {to} (restored)")
            }
            Action::SysctlUnchanged { key, value } => write!(f, "{key} = {value} (already set)"),
            Action::SysctlOriginal { key, value } => {
                write!(f, "{key} = {value} (already the original value)")
            }
            Action::VipAdded { address, dev } => write!(f, "added {address} on {dev}"),
            Action::VipPresent { address, dev } => write!(f, "{address} already on {dev}"),
            Action::VipRemoved { address, dev } => write!(f, "removed {address} from {dev}"),
            Action::VipAbsent { address, dev } => {
                write!(f, "{address} not on {dev} (nothing to remove)")
            }
            Action::SysctlsKept { reason } => write!(f, "sysctls left as they are: {reason}"),
            Action::Nothing { reason } => f.write_str(reason),
        }
    }
}

/// What `start`/`stop` print (`--json`: this object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub command: &'static str,
    pub dev: String,
    /// Something on the system changed (false for a repeated `start`).
    pub changed: bool,
    pub actions: Vec<Action>,
    pub warnings: Vec<String>,
    pub state_file: String,
    /// Set when the command failed part-way; `actions` then lists what was done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Report {
    fn new(command: &'static str, dev: &str, store: &StateStore) -> Report {
        Report {
            command,
            dev: dev.to_owned(),
            changed: false,
            actions: Vec::new(),
            warnings: Vec::new(),
            state_file: store.path().display().to_string(),
            error: None,
        }
    }

    fn push(&mut self, a: Action) {
        self.changed |= a.changes_system();
        self.actions.push(a);
    }
}

/// A command that stopped part-way: what it did, and why it stopped.
#[derive(Debug)]
pub struct Failure {
    pub done: Report,
    pub error: RsArpError,
}

/// `start`/`stop` results; the failure is boxed since it carries a whole report.
pub type Outcome = Result<Report, Box<Failure>>;

impl Failure {
    fn new(mut done: Report, error: RsArpError) -> Box<Failure> {
        done.error = Some(error.to_string());
        Box::new(Failure { done, error })
    }
}

/// Lets `?` turn an error into a [`Failure`] carrying the report so far.
trait OrFail<T> {
    fn or_fail(self, report: &Report) -> Result<T, Box<Failure>>;
}

impl<T, E: Into<RsArpError>> OrFail<T> for Result<T, E> {
    fn or_fail(self, report: &Report) -> Result<T, Box<Failure>> {
        self.map_err(|e| Failure::new(report.clone(), e.into()))
    }
}

/// The saved state, refused when it belongs to another device (one setup per host).
fn load_state_for(
    store: &StateStore,
    dev: &str,
    report: &Report,
) -> Result<Option<State>, Box<Failure>> {
    let prior = store.load().or_fail(report)?;
    match prior {
        Some(s) if s.dev != dev => Err(Failure::new(
            report.clone(),
            RsArpError::OtherDevice {
                state_dev: s.dev,
                requested: dev.to_owned(),
            },
        )),
        other => Ok(other),
    }
}

fn dedup(vips: &[IpAddr]) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for v in vips {
        if !out.contains(v) {
            out.push(*v);
        }
    }
    out
}

fn vip_text(ip: IpAddr) -> String {
    IfAddr::host(ip).to_string()
}

/// Sets the ARP sysctls, then adds the VIPs (in that order, so the host never answers ARP
/// for a VIP, not even for a moment). Everything predictable is checked before the first
/// change; the originals are saved before it too.
pub fn start(h: &mut dyn Host, store: &StateStore, vips: &[IpAddr]) -> Outcome {
    let dev = h.dev().to_owned();
    let mut report = Report::new("start", &dev, store);
    let _lock = store.lock().or_fail(&report)?;
    let vips = dedup(vips);

    let prior = load_state_for(store, &dev, &report)?;
    if vips.iter().any(IpAddr::is_ipv6) && !h.ipv6_usable().or_fail(&report)? {
        return Err(Failure::new(report, RsArpError::Ipv6Unavailable { dev }));
    }
    let mut current = Vec::new();
    for id in SysctlId::ALL {
        current.push((id, h.read_sysctl(id).or_fail(&report)?));
    }
    let present = h.addresses().or_fail(&report)?;
    let up = h.is_up().or_fail(&report)?;
    if h.arp_capable() {
        report.warnings.push(format!(
            "{dev} answers ARP itself: a VIP there is announced to the network; \
             use lo (or a dummy device) on a real server"
        ));
    }

    let mut state = match &prior {
        Some(s) => s.clone(),
        None => {
            let originals = current
                .iter()
                .map(|(id, v)| SavedSysctl {
                    conf: id.conf,
                    knob: id.knob,
                    value: *v,
                })
                .collect();
            let s = State::new(&dev, originals);
            store.save(&s).or_fail(&report)?;
            report.push(Action::StateSaved {
                path: report.state_file.clone(),
            });
            s
        }
    };

    if !up {
        h.set_up().or_fail(&report)?;
        report.push(Action::LinkUp { dev: dev.clone() });
    }
    for (id, value) in current {
        let key = id.display(&dev);
        let want = id.knob.required();
        if value == want {
            report.push(Action::SysctlUnchanged { key, value });
        } else {
            h.write_sysctl(id, want).or_fail(&report)?;
            report.push(Action::SysctlSet {
                key,
                from: value,
                to: want,
            });
        }
    }

    for ip in vips {
        if !state.vips.contains(&ip) {
            state.vips.push(ip);
        }
        if let Some(a) = present.iter().find(|a| a.addr == ip) {
            report.push(Action::VipPresent {
                address: a.to_string(),
                dev: dev.clone(),
            });
            continue;
        }
        match h.add_vip(ip) {
            Ok(added) => {
                if added && !state.added.contains(&ip) {
                    state.added.push(ip);
                }
                let address = vip_text(ip);
                let dev = dev.clone();
                report.push(if added {
                    Action::VipAdded { address, dev }
                } else {
                    Action::VipPresent { address, dev }
                });
            }
            Err(e) => {
                // Keep what was done on record so that `stop` can undo it.
                let _ = store.save(&state);
                return Err(Failure::new(report, e));
            }
        }
    }
    if prior.as_ref() != Some(&state) {
        store.save(&state).or_fail(&report)?;
    }
    Ok(report)
}

/// Removes VIPs, then restores the sysctls (the reverse order of `start`).
///
/// No `vips`: undoes `start` — removes the VIPs it added, restores the original sysctls and
/// deletes the state file. Named `vips`: removes those; the sysctls are restored once no
/// VIP added by `start` is left.
pub fn stop(h: &mut dyn Host, store: &StateStore, vips: &[IpAddr]) -> Outcome {
    let dev = h.dev().to_owned();
    let mut report = Report::new("stop", &dev, store);
    let _lock = store.lock().or_fail(&report)?;
    let named = dedup(vips);

    let prior = load_state_for(store, &dev, &report)?;
    if prior.is_none() && named.is_empty() {
        report.push(Action::Nothing {
            reason: format!(
                "nothing to undo: no state file {} (start was not run, or stop already was)",
                report.state_file
            ),
        });
        return Ok(report);
    }
    let present = h.addresses().or_fail(&report)?;
    let mut state = prior.clone();
    let targets = match (&state, named.is_empty()) {
        (Some(s), true) => s.added.clone(),
        _ => named.clone(),
    };
    let mut removed = Vec::new();
    for ip in targets {
        let found = present.iter().find(|a| a.addr == ip);
        let gone = match found {
            Some(a) => h.del_vip(a),
            None => Ok(false),
        };
        match gone {
            Ok(true) => {
                removed.push(ip);
                report.push(Action::VipRemoved {
                    address: found.map_or_else(|| vip_text(ip), |a| a.to_string()),
                    dev: dev.clone(),
                });
            }
            Ok(false) => report.push(Action::VipAbsent {
                address: vip_text(ip),
                dev: dev.clone(),
            }),
            Err(e) => {
                if let Some(s) = &state {
                    let _ = store.save(s);
                }
                return Err(Failure::new(report, e));
            }
        }
        if let Some(s) = state.as_mut() {
            s.forget(ip);
        }
    }

    let Some(state) = state else {
        report.push(Action::SysctlsKept {
            reason: "no state file, so no original values to restore".to_string(),
        });
        return Ok(report);
    };
    if !named.is_empty() && !state.added.is_empty() {
        let left: Vec<String> = state.added.iter().map(|ip| vip_text(*ip)).collect();
        report.push(Action::SysctlsKept {
            reason: format!("VIPs added by start remain on {dev}: {}", left.join(", ")),
        });
        store.save(&state).or_fail(&report)?;
        return Ok(report);
    }

    for id in SysctlId::ALL {
        let Some(original) = state.original(id.conf, id.knob) else {
            continue;
        };
        let key = id.display(&dev);
        let now = h.read_sysctl(id).or_fail(&report)?;
        if now == original {
            report.push(Action::SysctlOriginal { key, value: now });
        } else {
            h.write_sysctl(id, original).or_fail(&report)?;
            report.push(Action::SysctlRestored {
                key,
                from: now,
                to: original,
            });
        }
    }
    store.remove().or_fail(&report)?;
    report.push(Action::StateRemoved {
        path: report.state_file.clone(),
    });

    // IPv4 VIPs that were there before start stay; say so if they are now answered for.
    let left: Vec<String> = present
        .iter()
        .filter(|a| is_vip_like(a) && a.addr.is_ipv4() && !removed.contains(&a.addr))
        .map(|a| a.to_string())
        .collect();
    if !left.is_empty() {
        let mut low = Vec::new();
        for knob in Knob::ALL {
            let all = h.read_sysctl(SysctlId::new(Conf::All, knob));
            let devv = h.read_sysctl(SysctlId::new(Conf::Dev, knob));
            if let (Ok(a), Ok(d)) = (all, devv) {
                if effective(a, d) < knob.required() {
                    low.push(knob.name());
                }
            }
        }
        if !low.is_empty() {
            report.warnings.push(format!(
                "{} still on {dev} with {} restored below the LVS-DR values: this host may \
                 answer ARP for them (`ha rs-arp stop --vip ADDR` removes them)",
                left.join(", "),
                low.join(" and ")
            ));
        }
    }
    Ok(report)
}

/// Reads what `status` analyses. `state` is used only when it is about `dev`.
pub fn observe(h: &mut dyn Host, state: Option<State>) -> Result<status::Observed, RsArpError> {
    let dev = h.dev().to_owned();
    let mut values = [0i64; 4];
    for (slot, id) in values.iter_mut().zip(SysctlId::ALL) {
        *slot = h.read_sysctl(id)?;
    }
    let knob = |k: Knob| {
        let get = |c: Conf| {
            SysctlId::ALL
                .iter()
                .position(|id| id.conf == c && id.knob == k)
                .map_or(0, |i| values[i])
        };
        status::KnobValues {
            all: get(Conf::All),
            dev: get(Conf::Dev),
        }
    };
    Ok(status::Observed {
        dev_up: h.is_up()?,
        vips: h.addresses()?.into_iter().filter(is_vip_like).collect(),
        arp_ignore: knob(Knob::ArpIgnore),
        arp_announce: knob(Knob::ArpAnnounce),
        state: state.filter(|s| s.dev == dev),
        dev,
    })
}

#[cfg(test)]
mod tests;
