//! Start-up (RFC 3768 / 5798 6.4.1 "Initialize", keepalived `vrrp_init_state`).

use super::*;

/// RFC 3768 6.4.1 ("If the Priority = 255 ... transition to the Master state"): the
/// address owner sends an advert, adds its addresses and sends its gratuitous ARPs at
/// once.
#[test]
fn owner_starts_master_at_once() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", prio(255));
    net.start(a);
    assert_eq!(net.state(a), State::Master);
    assert_eq!(net.adverts(a), [(s(0.0), 255)]);
    assert_eq!(net.holders(), vec![a]);
    let (_, from, to, reason) = net.transitions(a)[0].clone();
    assert_eq!((from, to), (State::Init, State::Master));
    assert_eq!(reason, "address owner (priority 255)");
    net.run_for(s(3.5));
    assert_eq!(net.adverts(a).len(), 4);
}

/// keepalived `vrrp_init_state`: `state MASTER` below priority 255 starts as BACKUP like
/// any other instance, with the full Master_Down_Interval (its only effects are the
/// configuration checks that turn nopreempt and preempt_delay off).
#[test]
fn state_master_below_255_starts_backup() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", inst(" state MASTER\n priority 100"));
    net.start(a);
    assert_eq!(net.state(a), State::Backup);
    assert!(net.adverts(a).is_empty());
    assert!(net.transitions(a)[0].3.contains("starts as BACKUP"));
    net.run_for(s(5.0));
    assert_eq!(net.entered(a, State::Master), Some(us(3_609_375)));
}

/// keepalived `state BACKUP` with priority 255: no owner start, a BACKUP whose skew is
/// 1/256 s.
#[test]
fn priority_255_with_state_backup_waits() {
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", inst(" state BACKUP\n priority 255"));
    net.start(a);
    assert_eq!(net.state(a), State::Backup);
    net.run_for(s(5.0));
    assert_eq!(net.entered(a, State::Master), Some(us(3_003_906)));
}

/// keepalived `vrrp_startup_delay` (`vrrp_init_instance_sands`): the first master-down
/// timer runs from the end of the delay, the owner's 1 us timer too.
#[test]
fn startup_delay_postpones_the_first_timer() {
    let text = |p: u8| {
        format!(
            "global_defs {{\n vrrp_startup_delay 5\n}}\nvrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n priority {p}\n virtual_ipaddress {{\n  10.0.0.100/24\n }}\n}}\n"
        )
    };
    let mut net = Net::new();
    let a = net.add("A", "10.0.0.1", settings(&text(100)));
    net.start(a);
    net.run_for(s(10.0));
    assert_eq!(net.entered(a, State::Master), Some(s(5.0) + us(3_609_375)));

    let mut net = Net::new();
    let o = net.add("O", "10.0.0.1", settings(&text(255)));
    net.start(o);
    assert_eq!(net.state(o), State::Backup);
    net.run_for(s(10.0));
    assert_eq!(net.entered(o, State::Master), Some(s(5.0) + us(1)));
}

/// RFC 3768 5.3.7 / 5.3.10 and RFC 5798 5.2: what an advert carries (version, VRID,
/// priority, interval, v2 password, the VIPs in order; eVIPs are not advertised).
#[test]
fn advert_contents() {
    let text = "vrrp_instance VI_1 {
 interface eth0
 virtual_router_id 42
 priority 255
 advert_int 2
 authentication {
  auth_type PASS
  auth_pass pw
 }
 virtual_ipaddress {
  10.0.0.101/24
  10.0.0.100/24
 }
 virtual_ipaddress_excluded {
  10.0.1.1/24
 }
}
";
    let mut m = Instance::new(settings(text), Some(ip("10.0.0.1")));
    m.start(Instant::now());
    let Some(Action::SendAdvert(sa)) = m.poll_action() else {
        panic!()
    };
    assert_eq!(sa.src, Some(ip("10.0.0.1")));
    assert_eq!(sa.dst, ip("224.0.0.18"));
    assert_eq!(sa.ttl, Some(255));
    let a = sa.advert;
    assert_eq!(
        (a.version, a.vrid, a.priority, a.interval_cs),
        (Version::V2, 42, 255, 200)
    );
    assert_eq!(a.auth, Auth::Pass(*b"pw\0\0\0\0\0\0"));
    assert_eq!(a.addresses, [ip("10.0.0.101"), ip("10.0.0.100")]);
}
