//! The firewall the daemon drives: what is installed (tables set up, VIP elements and the
//! instances holding them), and the batches that move the kernel from one state to the
//! next. Planning is pure ([`plan`], [`rebuild`]); [`Firewall`] sends the plans.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::net::IpAddr;
use std::time::Instant;

use nix::libc;

use super::rules::{self, Element, Family, LinkLocalIf, Op, VipSet};
use super::socket::{ExchangeError, NfSocket};
use super::{Cause, FirewallConfig, NftError};
use crate::conf::model::vrrp::Address;
use crate::net::iface::NetIf;

/// The instance whose VIPs are added or removed.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// vrrp_instance name: an element stays while any instance holding it is MASTER.
    pub instance: &'a str,
    /// The instance's interface: link-local VIPs without their own `dev` are on it.
    pub interface: &'a NetIf,
    pub dont_track_primary: bool,
}

/// Which parts of keepalived's ruleset exist (each is created when first needed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Setup {
    pub ip: bool,
    pub ip6: bool,
    pub ll_index: bool,
    pub ll_name: bool,
}

impl Setup {
    /// This setup grown to hold `elements`.
    fn covering<'a>(mut self, elements: impl IntoIterator<Item = &'a Element>) -> Setup {
        for e in elements {
            match e.set {
                VipSet::V4 => self.ip = true,
                VipSet::V6 => self.ip6 = true,
                VipSet::LinkLocalIndex => (self.ip6, self.ll_index) = (true, true),
                VipSet::LinkLocalName => (self.ip6, self.ll_name) = (true, true),
            }
        }
        self
    }

    fn families(self) -> Vec<Family> {
        let mut out = Vec::new();
        if self.ip {
            out.push(Family::Ip);
        }
        if self.ip6 {
            out.push(Family::Ip6);
        }
        out
    }
}

/// What the kernel holds, as far as this firewall knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub setup: Setup,
    /// (instance, address) -> its element. Two instances may hold the same element.
    pub held: BTreeMap<(String, IpAddr), Element>,
}

impl State {
    fn elements(&self) -> BTreeSet<&Element> {
        self.held.values().collect()
    }
}

/// The ops of the parts `to` has and `from` has not, in keepalived's order.
fn setup_ops(cfg: &FirewallConfig, from: Setup, to: Setup) -> Vec<Op> {
    let mut ops = Vec::new();
    if to.ip && !from.ip {
        ops.extend(rules::setup_ip(cfg));
    }
    if to.ip6 && !from.ip6 {
        ops.extend(rules::setup_ip6(cfg));
    }
    if to.ll_index && !from.ll_index {
        ops.extend(rules::setup_link_local(cfg, false));
    }
    if to.ll_name && !from.ll_name {
        ops.extend(rules::setup_link_local(cfg, true));
    }
    ops
}

/// The batch from `old` to `new`: missing parts, then elements added, then removed.
pub fn plan(cfg: &FirewallConfig, old: &State, new: &State) -> Vec<Op> {
    let (before, after) = (old.elements(), new.elements());
    let added: Vec<Element> = after.difference(&before).map(|e| (*e).clone()).collect();
    let removed: Vec<Element> = before.difference(&after).map(|e| (*e).clone()).collect();
    let mut ops = setup_ops(cfg, old.setup, new.setup);
    ops.extend(rules::element_ops(&added, true));
    ops.extend(rules::element_ops(&removed, false));
    ops
}

/// The batch that makes `new` from whatever is there: the `present` tables deleted, then
/// everything built again (for when someone else changed or flushed the ruleset).
pub fn rebuild(cfg: &FirewallConfig, present: &[Family], new: &State) -> Vec<Op> {
    let mut ops: Vec<Op> = present.iter().map(|f| Op::DelTable(*f)).collect();
    ops.extend(setup_ops(cfg, Setup::default(), new.setup));
    let all: Vec<Element> = new.elements().into_iter().cloned().collect();
    ops.extend(rules::element_ops(&all, true));
    ops
}

/// keepalived's no_accept firewall on one NETLINK_NETFILTER socket. Every call is one
/// round trip or a few, each bounded by the configured timeout.
#[derive(Debug)]
pub struct Firewall {
    cfg: FirewallConfig,
    sock: NfSocket,
    state: State,
}

impl Firewall {
    /// Opens the socket in this thread's network namespace; nothing is installed until the
    /// first VIPs are added (keepalived creates its tables then too).
    pub fn open(cfg: FirewallConfig) -> Result<Firewall, NftError> {
        let sock = NfSocket::open().map_err(|e| NftError {
            doing: "open a netlink socket to nf_tables".into(),
            cause: Cause::Io(e),
        })?;
        Ok(Firewall {
            cfg,
            sock,
            state: State::default(),
        })
    }

    pub fn config(&self) -> &FirewallConfig {
        &self.cfg
    }

    /// What this firewall has installed.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The families that have a table of our name now.
    pub fn tables(&mut self) -> Result<Vec<Family>, NftError> {
        let deadline = self.deadline();
        self.tables_by(deadline)
    }

    /// Deletes tables of our name that an earlier run left (a crash skips the clean-up at
    /// exit, and a leftover table would go on dropping traffic to the VIPs); call it at
    /// start. Returns them as nft names them ("ip keepalived").
    pub fn remove_leftovers(&mut self) -> Result<Vec<String>, NftError> {
        let deadline = self.deadline();
        let present = self.tables_by(deadline)?;
        let ops: Vec<Op> = present.iter().map(|f| Op::DelTable(*f)).collect();
        self.run(&ops, deadline)?;
        self.state = State::default();
        Ok(present
            .iter()
            .map(|f| format!("{f} {}", self.cfg.table))
            .collect())
    }

    /// Drops traffic to these VIPs of `owner` (call before adding them to interfaces).
    /// Every address that can be handled is, even when one cannot (a link-local VIP on an
    /// interface that does not exist): then the error names that one.
    pub fn vips_add(&mut self, owner: &Owner, addrs: &[Address]) -> Result<(), NftError> {
        let mut new = self.state.clone();
        let mut unresolved = None;
        for a in addrs {
            let key = (owner.instance.to_string(), a.addr.addr);
            if new.held.contains_key(&key) {
                continue;
            }
            match self.element_for(owner, a) {
                Ok(e) => {
                    new.held.insert(key, e);
                }
                Err(e) => {
                    unresolved.get_or_insert(e);
                }
            }
        }
        new.setup = new.setup.covering(new.held.values());
        self.apply(new)?;
        unresolved.map_or(Ok(()), Err)
    }

    /// Lets traffic to these VIPs of `owner` in again (call after removing them from
    /// interfaces). An element another MASTER instance holds stays.
    pub fn vips_remove(&mut self, owner: &Owner, addrs: &[Address]) -> Result<(), NftError> {
        let mut new = self.state.clone();
        for a in addrs {
            new.held.remove(&(owner.instance.to_string(), a.addr.addr));
        }
        self.apply(new)
    }

    /// Deletes the tables this firewall created (keepalived's exit clean-up). A table
    /// already gone is not an error.
    pub fn close(&mut self) -> Result<(), NftError> {
        let deadline = self.deadline();
        let ours = self.state.setup.families();
        if ours.is_empty() {
            return Ok(());
        }
        let present = self.tables_by(deadline)?;
        let ops: Vec<Op> = ours
            .into_iter()
            .filter(|f| present.contains(f))
            .map(Op::DelTable)
            .collect();
        self.run(&ops, deadline)?;
        self.state = State::default();
        Ok(())
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.cfg.timeout
    }

    /// Moves the kernel to `new`; when something we built has vanished (ENOENT), builds
    /// it all again once.
    fn apply(&mut self, new: State) -> Result<(), NftError> {
        let deadline = self.deadline();
        let ops = plan(&self.cfg, &self.state, &new);
        match self.run(&ops, deadline) {
            Ok(()) => {}
            Err(e) if e.errno() == Some(libc::ENOENT) => {
                let present = self.tables_by(deadline)?;
                self.run(&rebuild(&self.cfg, &present, &new), deadline)?;
            }
            Err(e) => return Err(e),
        }
        self.state = new;
        Ok(())
    }

    /// One batch; the error names the first step the kernel refused.
    fn run(&mut self, ops: &[Op], deadline: Instant) -> Result<(), NftError> {
        if ops.is_empty() {
            return Ok(());
        }
        let requests: Vec<_> = ops.iter().map(|o| o.request(&self.cfg)).collect();
        let batch_doing = || format!("change nftables table `{}`", self.cfg.table);
        let answers = self
            .sock
            .transact(&requests, deadline)
            .map_err(|e| exchange_error(batch_doing(), e, &self.cfg))?;
        match answers.iter().position(|&errno| errno != 0) {
            None => Ok(()),
            Some(i) => Err(NftError {
                doing: ops[i].describe(&self.cfg.table),
                cause: Cause::Kernel(io::Error::from_raw_os_error(answers[i])),
            }),
        }
    }

    fn tables_by(&mut self, deadline: Instant) -> Result<Vec<Family>, NftError> {
        let mut out = Vec::new();
        for f in [Family::Ip, Family::Ip6] {
            let req = rules::get_table(&self.cfg, f);
            let doing = || format!("look for nftables table `{f} {}`", self.cfg.table);
            match self.sock.request(&req, deadline) {
                Ok(0) => out.push(f),
                Ok(libc::ENOENT) => {}
                Ok(errno) => {
                    return Err(NftError {
                        doing: doing(),
                        cause: Cause::Kernel(io::Error::from_raw_os_error(errno)),
                    })
                }
                Err(e) => return Err(exchange_error(doing(), e, &self.cfg)),
            }
        }
        Ok(out)
    }

    /// keepalived's choice of set for a VIP (see the `rules` module docs).
    fn element_for(&self, owner: &Owner, a: &Address) -> Result<Element, NftError> {
        let v6 = match a.addr.addr {
            IpAddr::V6(v6) if rules::is_link_local(&v6) => v6,
            ip => return Ok(rules::vip_element(ip)),
        };
        let ifname = a.dev.as_deref().unwrap_or(&owner.interface.name);
        let on_own = ifname == owner.interface.name;
        if !self.cfg.ifindex && owner.dont_track_primary && (on_own || a.no_track) {
            return Ok(rules::link_local_element(v6, LinkLocalIf::Name(ifname)));
        }
        let index = if on_own {
            owner.interface.index
        } else {
            NetIf::by_name(ifname)
                .map_err(|e| NftError {
                    doing: format!("find interface {ifname} of the VIP {v6}"),
                    cause: Cause::Io(io::Error::from_raw_os_error(
                        e.io().raw_os_error().unwrap_or(libc::ENODEV),
                    )),
                })?
                .index
        };
        Ok(rules::link_local_element(
            v6,
            LinkLocalIf::Index(index, ifname),
        ))
    }
}

fn exchange_error(doing: String, e: ExchangeError, cfg: &FirewallConfig) -> NftError {
    let cause = match e {
        ExchangeError::Io(e) => Cause::Io(e),
        ExchangeError::Timeout => Cause::Timeout(cfg.timeout),
        ExchangeError::Batch(errno) => Cause::Kernel(io::Error::from_raw_os_error(errno)),
    };
    NftError { doing, cause }
}
