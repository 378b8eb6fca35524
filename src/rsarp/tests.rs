//! start/stop rules against a fake host; status through the same fake.

use std::net::IpAddr;

use super::*;

struct Fake {
    dev: String,
    /// (all, dev) per knob, in `Knob::ALL` order.
    values: [(i64, i64); 2],
    addrs: Vec<IfAddr>,
    up: bool,
    ipv6: bool,
    arp_capable: bool,
    fail_add: Option<IpAddr>,
    /// Every mutating call, to prove "nothing changed".
    changes: Vec<String>,
}

impl Fake {
    fn new() -> Fake {
        Fake {
            dev: "lo".into(),
            values: [(0, 0), (0, 0)],
            addrs: vec![IfAddr::new(ip("127.0.0.1"), 8)],
            up: false,
            ipv6: true,
            arp_capable: false,
            fail_add: None,
            changes: Vec::new(),
        }
    }

    fn slot(&mut self, id: SysctlId) -> &mut i64 {
        let k = &mut self.values[Knob::ALL.iter().position(|k| *k == id.knob).unwrap()];
        match id.conf {
            Conf::All => &mut k.0,
            Conf::Dev => &mut k.1,
        }
    }

    fn has(&self, s: &str) -> bool {
        self.addrs.iter().any(|a| a.addr == ip(s))
    }
}

impl Host for Fake {
    fn dev(&self) -> &str {
        &self.dev
    }
    fn arp_capable(&self) -> bool {
        self.arp_capable
    }
    fn read_sysctl(&mut self, id: SysctlId) -> Result<i64, RsArpError> {
        Ok(*self.slot(id))
    }
    fn write_sysctl(&mut self, id: SysctlId, value: i64) -> Result<(), RsArpError> {
        self.changes.push(format!("{} = {value}", id.display("lo")));
        *self.slot(id) = value;
        Ok(())
    }
    fn ipv6_usable(&mut self) -> Result<bool, RsArpError> {
        Ok(self.ipv6)
    }
    fn is_up(&mut self) -> Result<bool, RsArpError> {
        Ok(self.up)
    }
    fn set_up(&mut self) -> Result<(), RsArpError> {
        self.changes.push("up".into());
        self.up = true;
        Ok(())
    }
    fn addresses(&mut self) -> Result<Vec<IfAddr>, RsArpError> {
        Ok(self.addrs.clone())
    }
    fn add_vip(&mut self, addr: IpAddr) -> Result<bool, RsArpError> {
        if self.fail_add == Some(addr) {
            return Err(RsArpError::netlink(
                "adding",
                RtnlError::Kernel {
                    errno: 22,
                    message: None,
                },
            ));
        }
        self.changes.push(format!("add {addr}"));
        self.addrs.push(IfAddr::host(addr));
        Ok(true)
    }
    fn del_vip(&mut self, addr: &IfAddr) -> Result<bool, RsArpError> {
        self.changes.push(format!("del {addr}"));
        let before = self.addrs.len();
        self.addrs.retain(|a| a != addr);
        Ok(self.addrs.len() != before)
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn store(name: &str) -> StateStore {
    let dir = std::env::temp_dir().join(format!("ha-rsarp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    StateStore::new(dir)
}

fn cleanup(s: &StateStore) {
    if let Some(dir) = s.path().parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn start_sets_sysctls_then_adds_vips_and_remembers_originals() {
    let st = store("start");
    let mut h = Fake::new();
    h.values = [(0, 2), (0, 1)];
    let r = start(
        &mut h,
        &st,
        &[ip("192.0.2.1"), ip("2001:db8::1"), ip("192.0.2.1")],
    )
    .unwrap();
    assert!(r.changed);
    assert_eq!(h.values, [(1, 1), (2, 2)]);
    assert!(h.up && h.has("192.0.2.1") && h.has("2001:db8::1"));
    // Sysctls strictly before addresses, device up first.
    let first_add = h.changes.iter().position(|c| c.starts_with("add")).unwrap();
    assert!(h.changes[..first_add].iter().all(|c| !c.starts_with("add")));
    assert_eq!(h.changes[0], "up");
    assert_eq!(h.changes.len(), 1 + 4 + 2, "{:?}", h.changes);

    let s = st.load().unwrap().unwrap();
    assert_eq!(s.original(Conf::Dev, Knob::ArpIgnore), Some(2));
    assert_eq!(s.original(Conf::All, Knob::ArpAnnounce), Some(0));
    assert_eq!(s.added, vec![ip("192.0.2.1"), ip("2001:db8::1")]);
    let text: Vec<String> = r.actions.iter().map(|a| a.to_string()).collect();
    assert!(text.contains(&"net.ipv4.conf.lo.arp_ignore 2 -> 1".to_string()));
    assert!(text.contains(&"added 2001:db8::1/128 on lo".to_string()));
    cleanup(&st);
}

#[test]
fn second_start_changes_nothing_and_keeps_the_originals() {
    let st = store("again");
    let mut h = Fake::new();
    start(&mut h, &st, &[ip("192.0.2.1")]).unwrap();
    let saved = st.load().unwrap();
    h.changes.clear();
    let r = start(&mut h, &st, &[ip("192.0.2.1")]).unwrap();
    assert!(!r.changed, "{:?}", r.actions);
    assert!(h.changes.is_empty());
    assert_eq!(st.load().unwrap(), saved);
    assert!(r
        .actions
        .iter()
        .any(|a| a.to_string() == "192.0.2.1/32 already on lo"));
    cleanup(&st);
}

#[test]
fn present_vip_is_not_recorded_as_added_and_survives_stop() {
    let st = store("present");
    let mut h = Fake::new();
    h.addrs.push(IfAddr::host(ip("192.0.2.9")));
    start(&mut h, &st, &[ip("192.0.2.9"), ip("192.0.2.1")]).unwrap();
    let s = st.load().unwrap().unwrap();
    assert_eq!(s.vips, vec![ip("192.0.2.9"), ip("192.0.2.1")]);
    assert_eq!(s.added, vec![ip("192.0.2.1")]);

    let r = stop(&mut h, &st, &[]).unwrap();
    assert!(h.has("192.0.2.9") && !h.has("192.0.2.1"));
    assert_eq!(h.values, [(0, 0), (0, 0)]);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].contains("192.0.2.9/32 still on lo"));
    assert_eq!(st.load().unwrap(), None);
    cleanup(&st);
}

#[test]
fn stop_restores_the_original_values_not_defaults() {
    let st = store("restore");
    let mut h = Fake::new();
    h.values = [(0, 2), (1, 0)];
    start(&mut h, &st, &[ip("192.0.2.1")]).unwrap();
    // A second start in between must not overwrite the originals.
    start(&mut h, &st, &[ip("192.0.2.1")]).unwrap();
    let r = stop(&mut h, &st, &[]).unwrap();
    assert_eq!(h.values, [(0, 2), (1, 0)]);
    assert!(!h.has("192.0.2.1"));
    assert!(r
        .actions
        .iter()
        .any(|a| a.to_string() == "net.ipv4.conf.lo.arp_ignore 1 -> 2 (restored)"));
    assert!(r.warnings.is_empty());
    // Stop again: nothing to do, nothing changed.
    h.changes.clear();
    let r = stop(&mut h, &st, &[]).unwrap();
    assert!(!r.changed && h.changes.is_empty());
    cleanup(&st);
}

#[test]
fn stop_of_named_vips_restores_sysctls_only_after_the_last_added_one() {
    let st = store("named");
    let mut h = Fake::new();
    start(&mut h, &st, &[ip("192.0.2.1"), ip("192.0.2.2")]).unwrap();

    let r = stop(&mut h, &st, &[ip("192.0.2.1")]).unwrap();
    assert!(!h.has("192.0.2.1") && h.has("192.0.2.2"));
    assert_eq!(h.values, [(1, 1), (2, 2)]);
    assert!(matches!(r.actions.last(), Some(Action::SysctlsKept { .. })));
    assert_eq!(st.load().unwrap().unwrap().added, vec![ip("192.0.2.2")]);

    // Naming a VIP that is not there is harmless.
    let r = stop(&mut h, &st, &[ip("192.0.2.77")]).unwrap();
    assert!(r.actions[0].to_string().contains("not on lo"));

    stop(&mut h, &st, &[ip("192.0.2.2")]).unwrap();
    assert_eq!(h.values, [(0, 0), (0, 0)]);
    assert_eq!(st.load().unwrap(), None);
    cleanup(&st);
}

#[test]
fn refusals_change_nothing() {
    // IPv6 VIP without IPv6.
    let st = store("refuse");
    let mut h = Fake::new();
    h.ipv6 = false;
    let f = start(&mut h, &st, &[ip("192.0.2.1"), ip("2001:db8::1")]).unwrap_err();
    assert!(matches!(f.error, RsArpError::Ipv6Unavailable { .. }));
    assert!(h.changes.is_empty());
    assert!(!st.path().exists());

    // State about another device.
    let mut h = Fake::new();
    start(&mut h, &st, &[ip("192.0.2.1")]).unwrap();
    let mut other = Fake::new();
    other.dev = "dummy0".into();
    let f = start(&mut other, &st, &[ip("192.0.2.2")]).unwrap_err();
    assert!(matches!(f.error, RsArpError::OtherDevice { .. }));
    assert!(other.changes.is_empty());
    let f = stop(&mut other, &st, &[]).unwrap_err();
    assert!(matches!(f.error, RsArpError::OtherDevice { .. }));
    cleanup(&st);
}

#[test]
fn a_failed_add_leaves_a_state_that_stop_can_undo() {
    let st = store("partial");
    let mut h = Fake::new();
    h.fail_add = Some(ip("192.0.2.2"));
    let f = start(&mut h, &st, &[ip("192.0.2.1"), ip("192.0.2.2")]).unwrap_err();
    assert!(f.done.error.is_some());
    assert!(f
        .done
        .actions
        .iter()
        .any(|a| matches!(a, Action::VipAdded { .. })));
    assert_eq!(st.load().unwrap().unwrap().added, vec![ip("192.0.2.1")]);
    stop(&mut h, &st, &[]).unwrap();
    assert!(!h.has("192.0.2.1"));
    assert_eq!(h.values, [(0, 0), (0, 0)]);
    cleanup(&st);
}

#[test]
fn stop_without_state_only_removes_named_vips() {
    let st = store("nostate");
    let mut h = Fake::new();
    h.values = [(1, 1), (2, 2)];
    h.addrs.push(IfAddr::host(ip("192.0.2.1")));
    let r = stop(&mut h, &st, &[]).unwrap();
    assert!(!r.changed && matches!(r.actions[0], Action::Nothing { .. }));
    let r = stop(&mut h, &st, &[ip("192.0.2.1")]).unwrap();
    assert!(r.changed && !h.has("192.0.2.1"));
    assert_eq!(h.values, [(1, 1), (2, 2)]);
    assert!(!st.path().exists());
    cleanup(&st);
}

#[test]
fn status_through_start_and_a_hand_made_half_setup() {
    let st = store("status");
    let mut h = Fake::new();
    start(&mut h, &st, &[ip("192.0.2.1")]).unwrap();
    let o = observe(&mut h, st.load().unwrap()).unwrap();
    assert_eq!(o.vips.len(), 1, "loopback 127.0.0.1/8 is not a VIP");
    assert!(status::analyze(&o).is_empty());

    h.values[0] = (0, 0);
    let o = observe(&mut h, st.load().unwrap()).unwrap();
    let f = status::analyze(&o);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].kind(), "arp_ignore_too_low");
    cleanup(&st);
}

#[test]
fn arp_capable_device_is_warned_about() {
    let st = store("arpdev");
    let mut h = Fake::new();
    h.arp_capable = true;
    let r = start(&mut h, &st, &[ip("192.0.2.1")]).unwrap();
    assert!(r.warnings[0].contains("answers ARP itself"));
    cleanup(&st);
}

#[test]
fn vip_values_are_checked_with_reasons() {
    assert_eq!(parse_vip("192.0.2.1"), Ok(ip("192.0.2.1")));
    assert_eq!(parse_vip("192.0.2.1/32"), Ok(ip("192.0.2.1")));
    assert_eq!(parse_vip("2001:db8::1/128"), Ok(ip("2001:db8::1")));
    let bad = |s: &str| parse_vip(s).unwrap_err();
    assert!(bad("192.0.2.1/24").contains("single host address"));
    assert!(bad("300.1.1.1").contains("not an IPv4 or IPv6 address"));
    assert!(bad("0.0.0.0").contains("unspecified"));
    assert!(bad("::").contains("unspecified"));
    assert!(bad("255.255.255.255").contains("broadcast"));
    assert!(bad("224.0.0.18").contains("multicast"));
    assert!(bad("ff02::1").contains("multicast"));
    assert!(bad("127.0.0.2").contains("loopback"));
    assert!(bad("fe80::1").contains("link-local"));
    assert!(bad("::ffff:192.0.2.1").contains("IPv4-mapped"));
}
