//! The IPVS netlink client against real kernels. This host's kernel has no IPVS: here the
//! client must say so cleanly. The `kernel_*` tests need IPVS and are ignored; the
//! `kernel_tests_pass_in_a_vm` test runs this very binary in a QEMU guest with ip_vs
//! (`--ignored --test-threads=1 kernel_`) and checks that they all pass.

mod vm;

use std::net::IpAddr;
use std::time::Instant;

use ha::ipvs::netlink::Client;
use ha::ipvs::*;

const EEXIST: i32 = 17;
const ESRCH: i32 = 3;
const ENOENT: i32 = 2;

#[test]
fn open_on_a_kernel_without_ipvs_is_not_available() {
    match Client::open() {
        Err(e @ IpvsError::NotAvailable) => {
            assert_eq!(e.to_string(), "this kernel has no IPVS (ip_vs module)");
        }
        Ok(_) => println!("SKIP: this kernel has IPVS; NotAvailable needs one without"),
        Err(e) => panic!("expected NotAvailable, got {e:?} ({e})"),
    }
}

#[test]
fn kernel_tests_pass_in_a_vm() {
    if let Some(why) = vm::skip_reason() {
        println!("SKIP: {why}");
        return;
    }
    let exe = std::env::current_exe().expect("test binary path");
    // The kernel tests this binary has, as the harness lists them here on the host.
    let listed = std::process::Command::new(&exe)
        .args(["--list", "--ignored", "kernel_"])
        .output()
        .expect("list the kernel tests");
    let mut expected: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect();
    assert!(!expected.is_empty(), "no kernel tests listed");
    let guest = "/usr/local/bin/ipvs_client";
    let script = format!("{guest} --ignored --test-threads=1 --show-output kernel_ 2>&1\n");
    let run = vm::run(&script, &[(&exe, guest)]);
    println!("{}", run.stdout);
    assert_eq!(
        run.status, 0,
        "kernel tests failed in the VM:\n{}",
        run.stdout
    );
    let mut passed: Vec<String> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test ")?.strip_suffix(" ... ok"))
        .map(str::to_string)
        .collect();
    expected.sort();
    passed.sort();
    assert_eq!(passed, expected, "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------
// Helpers for the kernel tests (run in the VM as root).

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn addr_key(protocol: Protocol, addr: &str, port: u16) -> ServiceKey {
    ServiceKey::Addr {
        protocol,
        addr: ip(addr),
        port,
    }
}

fn tcp(addr: &str, port: u16) -> ServiceKey {
    addr_key(Protocol::Tcp, addr, port)
}

/// A client on empty tables.
fn fresh() -> Client {
    let mut c = Client::open().expect("open the IPVS client");
    c.apply(&[Op::Flush]).expect("flush");
    c
}

/// What was configured, without the kernel's HASHED flag and counters.
fn settings(s: &Service) -> Service {
    let mut s = s.clone();
    s.flags.0 &= !ServiceFlags::HASHED;
    s.stats = Stats::default();
    s
}

fn without_counters(d: &Dest) -> Dest {
    let mut d = d.clone();
    d.stats = Stats::default();
    d.active_conns = 0;
    d.inact_conns = 0;
    d.persist_conns = 0;
    d
}

fn kernel_errno(e: &IpvsError) -> Option<i32> {
    match e {
        IpvsError::Kernel { errno } => Some(*errno),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Kernel tests.

#[test]
#[ignore = "needs a kernel with IPVS (runs in the VM)"]
fn kernel_info() {
    let mut c = fresh();
    let info = c.info().unwrap();
    assert_eq!(info.version_string(), "1.2.1");
    assert!(info.conn_tab_size >= 4096, "{info:?}");
    assert!(c.family_id() >= 0x10);
}

#[test]
#[ignore = "needs a kernel with IPVS (runs in the VM)"]
fn kernel_service_kinds_add_list_edit_delete() {
    let mut c = fresh();
    let keys = [
        tcp("10.0.0.1", 80),
        addr_key(Protocol::Udp, "10.0.0.1", 53),
        addr_key(Protocol::Sctp, "10.0.0.1", 3868),
        tcp("fd00::1", 443),
        ServiceKey::Fwmark {
            family: Family::V4,
            mark: 7,
        },
        ServiceKey::Fwmark {
            family: Family::V6,
            mark: 7,
        },
    ];
    let added: Vec<Service> = keys
        .iter()
        .map(|k| {
            let mut s = Service::new(*k);
            s.scheduler = "wrr".into();
            s
        })
        .collect();
    let ops: Vec<Op> = added.iter().cloned().map(Op::AddService).collect();
    c.apply(&ops).unwrap();
    for s in &added {
        let got = c.service(&s.key).unwrap().expect("added service is there");
        assert_eq!(settings(&got), *s);
        assert!(got.flags.has(ServiceFlags::HASHED));
    }
    let mut listed: Vec<Service> = c.services().unwrap().iter().map(settings).collect();
    listed.sort_by_key(|s| s.key);
    let mut want = added.clone();
    want.sort_by_key(|s| s.key);
    assert_eq!(listed, want);

    let edited: Vec<Service> = added
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.scheduler = "rr".into();
            s.flags = ServiceFlags(ServiceFlags::ONEPACKET);
            s
        })
        .collect();
    // ONEPACKET is for UDP services; the kernel keeps it for any.
    c.apply(
        &edited
            .iter()
            .cloned()
            .map(Op::EditService)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    for s in &edited {
        assert_eq!(settings(&c.service(&s.key).unwrap().unwrap()), *s);
    }
    c.apply(&keys.iter().map(|k| Op::DelService(*k)).collect::<Vec<_>>())
        .unwrap();
    for k in &keys {
        assert_eq!(c.service(k).unwrap(), None);
    }
    assert!(c.services().unwrap().is_empty());
}

#[test]
#[ignore = "needs a kernel with IPVS (runs in the VM)"]
fn kernel_dests_forward_methods_thresholds_tunnels() {
    let mut c = fresh();
    let key = tcp("10.0.0.1", 80);
    let mut s = Service::new(key);
    s.scheduler = "wlc".into();
    let dest = |addr: &str, port: u16, forward: Forward| {
        let mut d = Dest::new(ip(addr), port);
        d.forward = forward;
        d
    };
    let mut masq = dest("10.0.0.2", 8080, Forward::Masq);
    masq.weight = 3;
    masq.u_threshold = 100;
    masq.l_threshold = 10;
    let route = dest("10.0.0.3", 80, Forward::Route);
    let local = dest("10.0.0.4", 80, Forward::Local);
    let ipip = dest("10.0.0.5", 80, Forward::Tunnel);
    let mut gue = dest("10.0.0.6", 80, Forward::Tunnel);
    gue.tunnel = Tunnel {
        kind: TunnelType::Gue,
        port: 6080,
        flags: TunnelFlags(TunnelFlags::CSUM),
    };
    let mut gre = dest("10.0.0.7", 80, Forward::Tunnel);
    gre.tunnel.kind = TunnelType::Gre;
    // A tunnel may cross families: IPv6 real server of an IPv4 service.
    let mut v6_tunnel = dest("fd00::7", 80, Forward::Tunnel);
    v6_tunnel.tunnel.kind = TunnelType::Ipip;
    let all = [masq, route, local, ipip, gue, gre, v6_tunnel];

    let mut ops = vec![Op::AddService(s)];
    ops.extend(all.iter().cloned().map(|d| Op::AddDest(key, d)));
    c.apply(&ops).unwrap();
    let got: Vec<Dest> = c
        .dests(&key)
        .unwrap()
        .iter()
        .map(without_counters)
        .collect();
    assert_eq!(got.len(), all.len(), "{got:#?}");
    for d in &all {
        assert!(got.contains(d), "{d:?} missing from {got:#?}");
    }

    let mut edited = all[0].clone();
    edited.weight = 0;
    edited.u_threshold = 0;
    edited.l_threshold = 0;
    let mut to_gue = all[3].clone();
    to_gue.tunnel = Tunnel {
        kind: TunnelType::Gue,
        port: 7000,
        flags: TunnelFlags(TunnelFlags::REMCSUM),
    };
    c.apply(&[
        Op::EditDest(key, edited.clone()),
        Op::EditDest(key, to_gue.clone()),
        Op::DelDest {
            service: key,
            addr: all[1].addr,
            port: all[1].port,
        },
    ])
    .unwrap();
    let got: Vec<Dest> = c
        .dests(&key)
        .unwrap()
        .iter()
        .map(without_counters)
        .collect();
    assert_eq!(got.len(), all.len() - 1);
    assert!(got.contains(&edited), "{got:#?}");
    assert!(got.contains(&to_gue), "{got:#?}");
    assert!(!got.iter().any(|d| d.addr == all[1].addr));
    // A service the kernel does not have has no destinations.
    assert!(c.dests(&tcp("10.9.9.9", 1)).unwrap().is_empty());
}

#[test]
#[ignore = "needs a kernel with IPVS (runs in the VM)"]
fn kernel_errno_passes_through() {
    let mut c = fresh();
    let key = tcp("10.0.0.1", 80);
    c.apply(&[Op::AddService(Service::new(key))]).unwrap();
    let dup = c.apply(&[Op::AddService(Service::new(key))]).unwrap_err();
    assert_eq!(dup.index, 0);
    assert_eq!(dup.error, IpvsError::Kernel { errno: EEXIST });
    let missing = tcp("10.0.0.2", 80);
    for op in [
        Op::EditService(Service::new(missing)),
        Op::DelService(missing),
        Op::AddDest(missing, Dest::new(ip("10.0.0.3"), 80)),
        Op::Zero(Some(missing)),
    ] {
        let e = c.apply(std::slice::from_ref(&op)).unwrap_err();
        assert_eq!(e.error, IpvsError::Kernel { errno: ESRCH }, "{op:?}");
    }
    assert_eq!(c.service(&missing).unwrap(), None);
    let mut bad_sched = Service::new(missing);
    bad_sched.scheduler = "nosuch".into();
    let e = c.apply(&[Op::AddService(bad_sched)]).unwrap_err();
    assert_eq!(kernel_errno(&e.error), Some(ENOENT), "{e}");
    assert_eq!(e.to_string(), "operation 1: No such file or directory");
}

#[test]
#[ignore = "needs a kernel with IPVS (runs in the VM)"]
fn kernel_batched_apply_stops_after_the_failing_batch() {
    let mut c = fresh();
    let batch = c.batch_limit();
    assert!(batch >= 64, "batch limit {batch}");
    let key = tcp("10.0.0.1", 80);
    let dest = |i: usize| Dest::new(IpAddr::from([10, 1, (i >> 8) as u8, i as u8]), 80);
    let mut ops = vec![Op::AddService(Service::new(key))];
    ops.extend((1..2000).map(|i| Op::AddDest(key, dest(i))));
    // Op 1000 adds op 1's destination again.
    ops[1000] = Op::AddDest(key, dest(1));
    let t = Instant::now();
    let e = c.apply(&ops).unwrap_err();
    println!("2000 ops with a failure: {:?}", t.elapsed());
    assert_eq!(e.index, 1000);
    assert_eq!(e.error, IpvsError::Kernel { errno: EEXIST });
    // The failing batch ran to its end; nothing after it was sent.
    let batch_end = ((1000 / batch) + 1) * batch;
    let got = c.dests(&key).unwrap();
    assert_eq!(got.len(), batch_end.min(2000) - 2, "batch size {batch}");

    // The same without the failure: all 1999 destinations, read back in a multi-part dump.
    let mut c = fresh();
    ops[1000] = Op::AddDest(key, dest(1000));
    let t = Instant::now();
    c.apply(&ops).unwrap();
    let applied = t.elapsed();
    let t = Instant::now();
    let got = c.dests(&key).unwrap();
    println!(
        "2000 ops: {applied:?}; dump of {}: {:?}",
        got.len(),
        t.elapsed()
    );
    assert_eq!(got.len(), 1999);
    let mut addrs: Vec<IpAddr> = got.iter().map(|d| d.addr).collect();
    addrs.sort();
    addrs.dedup();
    assert_eq!(addrs.len(), 1999);
}
