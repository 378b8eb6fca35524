//! The network-namespace lab for VRRP daemon tests: N directors on one Ethernet segment,
//! running the real `ha` binary (`ha run`) or Debian's keepalived, with helpers to crash or
//! stop them, watch who holds a VIP, read their logs and capture their adverts.
//!
//! Layout of one lab (every name carries the lab's unique tag, so parallel tests, earlier
//! runs and the host never meet):
//!
//! ```text
//!   ns ...-br:  br0 (bridge: no STP, no forward delay, no multicast snooping), ports b1..bN
//!   ns ...-d1:  d1  10.X.Y.1/24  fd00:X:Y::1/64  (veth to b1)
//!   ns ...-dN:  dN  10.X.Y.N/24  fd00:X:Y::N/64
//!   (interface names are h<pid>x<counter>d1 etc., at most 15 bytes)
//! ```
//!
//! X.Y comes from the lab counter, so the captures and logs of two labs never look alike;
//! VIPs are 10.X.Y.100+k and fd00:X:Y::100+k. DAD is off (accept_dad=0 before the link
//! comes up, addresses `nodad`): IPv6 addresses, link-local ones included, are usable at
//! once, which VRRPv3 over IPv6 needs (its adverts come from the link-local address).
//!
//! Daemons run as `ip netns exec NS ...` (which execs, so the child's pid is the daemon's)
//! in their own process group, with stdout and stderr appended to one log file per
//! director. Dropping the lab (also while a failed test unwinds) SIGKILLs every process
//! group it started, prints the logs when the test failed, deletes the namespaces (the
//! veth pairs and the bridge go with them) and the scratch directory.
//!
//! Needs root and iproute2: `Lab::new` prints `SKIP: <test>: ...` and returns None
//! otherwise; with keepalived among the daemons it also needs /usr/sbin/keepalived.

#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, Once};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ha::net::rtnl::Rtnl;
use ha::net::{Capture, CaptureFilter, NetIf};
use ha::wire::vrrp::Version;
use nix::libc;

pub const HA: &str = env!("CARGO_BIN_EXE_ha");
/// The interop peer; HA_LAB_KEEPALIVED names another build (or, set to a missing path,
/// shows the SKIP).
pub const KEEPALIVED: &str = "/usr/sbin/keepalived";
/// Added to every protocol bound: process start, scheduling on a busy 2-core machine and
/// the 5 ms polling all fit in it many times over.
pub const MARGIN: Duration = Duration::from_secs(1);
/// How often `wait_until` looks (one netlink address dump per look).
const POLL: Duration = Duration::from_millis(5);
const BRIDGE: &str = "br0";
const NS_PREFIX: &str = "ha-lab-";

static NEXT: AtomicUsize = AtomicUsize::new(0);
static SWEEP: Once = Once::new();

/// Which VRRP daemon a director runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daemon {
    /// `ha run -f CONF`, this crate's binary.
    Ha,
    /// Debian's keepalived 2.2.7, VRRP only.
    Keepalived,
}

impl fmt::Display for Daemon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Daemon::Ha => "ha",
            Daemon::Keepalived => "keepalived",
        })
    }
}

struct Node {
    ns: String,
    iface: String,
    log: PathBuf,
    /// Opened inside the node's namespace; a netlink socket keeps the namespace it was
    /// created in, so it answers for that namespace from any thread.
    rtnl: RefCell<Rtnl>,
    ifindex: u32,
}

struct Proc {
    node: usize,
    daemon: Daemon,
    child: Child,
    /// Also the process group id (each daemon leads its own group).
    pid: i32,
    /// Set once reaped; a reaped pid is never signalled again.
    status: Option<ExitStatus>,
    /// The test signalled it, so its exit is no surprise.
    signalled: bool,
}

pub struct Lab {
    test: String,
    tag: String,
    bridge_ns: String,
    /// Every namespace made, the bridge's first; deleted on drop.
    namespaces: Vec<String>,
    nodes: Vec<Node>,
    dir: PathBuf,
    net: (u8, u8),
    /// Every daemon started, in order (RefCell: the `&self` waits check for daemons that
    /// died on their own).
    procs: RefCell<Vec<Proc>>,
    spawned: Cell<usize>,
}

impl Lab {
    /// A lab of `directors` directors for the test `test`, or None (after a SKIP line) when
    /// this host cannot run it: not root, no iproute2, or one of `daemons` is keepalived
    /// and it is not installed.
    pub fn new(test: &str, directors: usize, daemons: &[Daemon]) -> Option<Lab> {
        if !nix::unistd::geteuid().is_root() {
            println!("SKIP: {test}: needs root (network namespaces)");
            return None;
        }
        if daemons.contains(&Daemon::Keepalived) && !keepalived().exists() {
            println!(
                "SKIP: {test}: needs Debian's keepalived ({}; apt-get install keepalived)",
                keepalived().display()
            );
            return None;
        }
        if Command::new("ip").arg("-V").output().is_err() {
            println!("SKIP: {test}: `ip` (iproute2) is not installed");
            return None;
        }
        SWEEP.call_once(sweep_stale);
        assert!((1..=50).contains(&directors), "1 to 50 directors");
        let (pid, n) = (std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let tag = format!("{NS_PREFIX}{pid}-{n}-{}", abbreviate(test));
        // At most 15 bytes (IFNAMSIZ - 1): "h" + pid (<= 6 hex digits, pid_max is 2^22) +
        // "x" + counter + "d"/"b" + node. Names are per namespace, so this is only for
        // readable logs and captures, never for uniqueness on the host.
        let short = format!("h{pid:x}x{n:x}");
        let net = (1 + ((n / 256) % 250) as u8, (n % 256) as u8);
        let dir = std::env::temp_dir().join(&tag);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("scratch dir {}: {e}", dir.display()));
        let bridge_ns = format!("{tag}-br");
        let mut lab = Lab {
            test: test.to_owned(),
            tag: tag.clone(),
            bridge_ns: bridge_ns.clone(),
            namespaces: Vec::new(),
            nodes: Vec::new(),
            dir,
            net,
            procs: RefCell::new(Vec::new()),
            spawned: Cell::new(0),
        };
        let made = Command::new("ip")
            .args(["netns", "add", &bridge_ns])
            .output();
        if !made.as_ref().is_ok_and(|o| o.status.success()) {
            println!("SKIP: {test}: cannot create a network namespace: {made:?}");
            return None;
        }
        // Listed as soon as made: Drop deletes them whatever fails below.
        lab.namespaces.push(bridge_ns.clone());
        // The bridge first, so that it takes ifindex 2 there and no port has the index of
        // its peer (2 as well, in a director's fresh namespace): with equal indices the
        // kernel's linkwatch treats a veth carrier change as not urgent and delays it up to
        // 1 s, and the port stays disabled meanwhile. Forwarding at once (no STP, no forward
        // delay); no multicast snooping, so every advert is flooded with no querier around.
        sh(
            &bridge_ns,
            &format!(
                "ip link set lo up\n\
                 ip link add {BRIDGE} type bridge stp_state 0 forward_delay 0 mcast_snooping 0\n\
                 ip link set {BRIDGE} up\n"
            ),
        );
        let mut bridge_script = String::new();
        let mut ports = Vec::new();
        for i in 1..=directors {
            let ns = format!("{tag}-d{i}");
            run(&["ip", "netns", "add", &ns]);
            lab.namespaces.push(ns.clone());
            let (dev, port) = (format!("{short}d{i}"), format!("{short}b{i}"));
            assert!(
                dev.len() <= 15 && port.len() <= 15,
                "{dev}, {port}: too long"
            );
            run(&[
                "ip", "link", "add", &dev, "netns", &ns, "type", "veth", "peer", "name", &port,
                "netns", &bridge_ns,
            ]);
            bridge_script +=
                &format!("ip link set {port} master {BRIDGE}\nip link set {port} up\n");
            ports.push(port);
            let mut rtnl = in_ns(&ns, || Rtnl::open().expect("rtnetlink socket"));
            let ifindex = rtnl
                .link_by_name(&dev)
                .unwrap_or_else(|e| panic!("{ns}: {dev}: {e}"))
                .index;
            let (v4, v6) = (lab.addr4(i), lab.addr6(i));
            // DAD off before the link comes up: its link-local address is usable at once.
            sh(
                &ns,
                &format!(
                    "sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
                     net.ipv6.conf.{dev}.accept_dad=0\n\
                     ip link set lo up\n\
                     ip addr add {v4}/24 dev {dev}\n\
                     ip addr add {v6}/64 dev {dev} nodad\n\
                     ip link set {dev} up\n"
                ),
            );
            lab.nodes.push(Node {
                log: lab.dir.join(format!("d{i}.log")),
                ns,
                iface: dev,
                rtnl: RefCell::new(rtnl),
                ifindex,
            });
        }
        sh(&bridge_ns, &bridge_script);
        // Ready when every bridge port and director link runs, every port forwards, and
        // every director has its link-local address.
        let mut bridge_rtnl = in_ns(&bridge_ns, || Rtnl::open().expect("rtnetlink socket"));
        let ready = wait_until(Duration::from_secs(5), || {
            ports
                .iter()
                .all(|port| bridge_rtnl.link_by_name(port).is_ok_and(|l| l.is_usable()))
                && lab.nodes.iter().all(|node| {
                    let mut rtnl = node.rtnl.borrow_mut();
                    rtnl.link_by_name(&node.iface).is_ok_and(|l| l.is_usable())
                        && rtnl.addresses(node.ifindex).is_ok_and(|a| {
                            a.iter().any(
                                |a| matches!(a.addr, IpAddr::V6(v6) if v6.segments()[0] == 0xfe80),
                            )
                        })
                })
                && ports_forward(&bridge_ns, &ports)
        });
        assert!(
            ready.is_some(),
            "{test}: the lab links did not come up in 5 s"
        );
        Some(lab)
    }

    pub fn directors(&self) -> usize {
        self.nodes.len()
    }

    /// The namespace of director `node` (1-based).
    pub fn ns(&self, node: usize) -> &str {
        &self.node(node).ns
    }

    /// Director `node`'s interface on the segment: what its `interface` keyword names.
    pub fn iface(&self, node: usize) -> &str {
        &self.node(node).iface
    }

    pub fn addr4(&self, node: usize) -> Ipv4Addr {
        Ipv4Addr::new(10, self.net.0, self.net.1, node as u8)
    }

    pub fn addr6(&self, node: usize) -> Ipv6Addr {
        let (x, y) = (u16::from(self.net.0), u16::from(self.net.1));
        Ipv6Addr::new(0xfd00, x, y, 0, 0, 0, 0, node as u16)
    }

    /// The `k`th IPv4 VIP of the segment: 10.X.Y.(100 + k).
    pub fn vip4(&self, k: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, self.net.0, self.net.1, 100 + k))
    }

    /// The `k`th IPv6 VIP of the segment: fd00:X:Y::(100 + k) (hex digits).
    pub fn vip6(&self, k: u8) -> IpAddr {
        let (x, y) = (u16::from(self.net.0), u16::from(self.net.1));
        let last = 0x100 + u16::from(k);
        IpAddr::V6(Ipv6Addr::new(0xfd00, x, y, 0, 0, 0, 0, last))
    }

    /// A configuration with this director's unique router_id, VRRP version 3.
    pub fn conf(&self, node: usize) -> Conf {
        Conf::new(format!("{}-d{node}", self.tag))
    }

    /// A `vrrp_instance VI_1` on this director's interface: VRID 51, state BACKUP,
    /// advert_int 1, no VIPs yet.
    pub fn instance(&self, node: usize, priority: u8) -> Instance {
        Instance::new("VI_1", self.iface(node), 51, priority)
    }

    /// Starts `daemon` on director `node` with this configuration; returns its pid.
    pub fn spawn(&self, node: usize, daemon: Daemon, conf: impl fmt::Display) -> i32 {
        match daemon {
            Daemon::Ha => self.spawn_ha(node, conf),
            Daemon::Keepalived => self.spawn_keepalived(node, conf),
        }
    }

    /// `ha run -f CONF` on director `node` (HA_RUN_DIR private to the lab).
    pub fn spawn_ha(&self, node: usize, conf: impl fmt::Display) -> i32 {
        let k = self.next_spawn();
        let conf = self.write_conf(node, k, conf);
        let run_dir = self.dir.join(format!("d{node}-run"));
        let mut cmd = self.exec_in(node, HA);
        cmd.args(["run", "-f"])
            .arg(&conf)
            .env("HA_RUN_DIR", run_dir)
            .env("RUST_BACKTRACE", "1");
        self.start(node, Daemon::Ha, cmd)
    }

    /// Debian's keepalived, VRRP only, in the foreground, logging to the console (-l) and
    /// not to syslog (-G), with pid files of its own so that it never finds "another
    /// keepalived running" (another test's, or the host's), and no respawn of a killed
    /// VRRP child (-R) so a crash stays a crash.
    pub fn spawn_keepalived(&self, node: usize, conf: impl fmt::Display) -> i32 {
        let k = self.next_spawn();
        let conf = self.write_conf(node, k, conf);
        let pid = |what: &str| self.dir.join(format!("d{node}-{k}-{what}.pid"));
        let program = keepalived();
        let mut cmd = self.exec_in(node, &program.to_string_lossy());
        cmd.args(["-n", "-l", "-D", "-G", "-R", "-P", "-f"])
            .arg(&conf)
            .arg("-p")
            .arg(pid("main"))
            .arg("-r")
            .arg(pid("vrrp"))
            .arg("-c")
            .arg(pid("checkers"))
            .arg("-b")
            .arg(pid("bfd"));
        self.start(node, Daemon::Keepalived, cmd)
    }

    /// Sends `signal` to the daemon last started on `node`: SIGKILL goes to its whole
    /// process group (a crash: keepalived's VRRP child would otherwise see its parent die
    /// and stop gracefully), any other signal to the daemon's main process only (keepalived
    /// forwards it to its child, as under systemd). Its exit is expected from now on.
    pub fn kill(&self, node: usize, signal: i32) {
        self.with_last_proc(node, |p| {
            p.signalled = true;
            if p.status.is_some() {
                return; // Reaped: the pid may belong to someone else by now.
            }
            let target = if signal == libc::SIGKILL {
                -p.pid
            } else {
                p.pid
            };
            // SAFETY: kill(2) on a child (or its process group) this lab started and has
            // not reaped, so the id still names our daemon (a zombie at worst).
            let rc = unsafe { libc::kill(target, signal) };
            let err = std::io::Error::last_os_error();
            assert!(
                rc == 0 || err.raw_os_error() == Some(libc::ESRCH),
                "kill {target} with signal {signal}: {err}"
            );
        });
    }

    /// Crash: SIGKILL to the daemon's process group, then reap it. Its VIPs stay on the
    /// interface, as after a real crash.
    pub fn crash(&self, node: usize) {
        self.kill(node, libc::SIGKILL);
        self.with_last_proc(node, |p| {
            if p.status.is_none() {
                p.status = Some(p.child.wait().expect("wait for a killed daemon"));
            }
        });
    }

    /// Graceful stop: SIGTERM, then its exit status (panics after 10 s).
    pub fn stop(&self, node: usize) -> ExitStatus {
        self.kill(node, libc::SIGTERM);
        self.wait_exit(node, Duration::from_secs(10))
            .unwrap_or_else(|| panic!("{}: director {node} did not exit in 10 s", self.test))
    }

    /// The exit status of the daemon last started on `node`, waiting at most `within`.
    /// Its exit is expected from now on (a daemon that refuses its configuration).
    pub fn wait_exit(&self, node: usize, within: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + within;
        loop {
            let status = self.with_last_proc(node, |p| {
                p.signalled = true;
                if p.status.is_none() {
                    p.status = p.child.try_wait().expect("try_wait on a daemon");
                }
                p.status
            });
            if status.is_some() || Instant::now() >= until {
                return status;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Panics when a daemon the test did not signal has exited: a daemon that died on its
    /// own fails the test at once, with its status, instead of at the end of a long wait.
    pub fn assert_running(&self) {
        for p in self.procs.borrow_mut().iter_mut() {
            if p.signalled || p.status.is_some() {
                continue;
            }
            if let Ok(Some(status)) = p.child.try_wait() {
                p.status = Some(status);
                panic!(
                    "{}: {} on director {} exited by itself: {status}",
                    self.test, p.daemon, p.node
                );
            }
        }
    }

    /// Whether director `node`'s interface has the address `vip`.
    pub fn holds(&self, node: usize, vip: impl Into<IpAddr>) -> bool {
        let vip = vip.into();
        let n = self.node(node);
        let addrs = n
            .rtnl
            .borrow_mut()
            .addresses(n.ifindex)
            .unwrap_or_else(|e| panic!("{}: addresses of {}: {e}", n.ns, n.iface));
        addrs.iter().any(|a| a.addr == vip)
    }

    /// The directors that hold `vip`, in order.
    pub fn holders(&self, vip: impl Into<IpAddr>) -> Vec<usize> {
        let vip = vip.into();
        (1..=self.directors())
            .filter(|&i| self.holds(i, vip))
            .collect()
    }

    /// Waits until `cond` holds, at most `within`; returns how long it took, or panics
    /// with `what` (the lab's Drop then prints the logs).
    /// Also fails as soon as a daemon exits by itself (`assert_running`).
    pub fn wait(&self, within: Duration, what: &str, mut cond: impl FnMut() -> bool) -> Duration {
        wait_until(within, || {
            self.assert_running();
            cond()
        })
        .unwrap_or_else(|| {
            panic!(
                "{}: {what}: not within {:.2} s",
                self.test,
                within.as_secs_f64()
            )
        })
    }

    /// Everything director `node`'s daemons wrote (all of its runs, each after a
    /// `=== lab:` header line).
    pub fn log(&self, node: usize) -> String {
        std::fs::read_to_string(&self.node(node).log).unwrap_or_default()
    }

    /// What the daemon last started on `node` wrote.
    pub fn last_log(&self, node: usize) -> String {
        let log = self.log(node);
        match log.rfind("=== lab: ") {
            Some(at) => log[at..].to_owned(),
            None => log,
        }
    }

    /// Starts capturing VRRP adverts on the bridge (every director's, multicast and
    /// unicast), until the capture is dropped.
    pub fn capture(&self) -> VrrpCapture {
        VrrpCapture::start(&self.bridge_ns)
    }

    /// The scratch directory (configurations, logs, pid files), removed on drop.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn node(&self, node: usize) -> &Node {
        assert!(
            (1..=self.nodes.len()).contains(&node),
            "no director {node} (1..={})",
            self.nodes.len()
        );
        &self.nodes[node - 1]
    }

    fn next_spawn(&self) -> usize {
        self.spawned.set(self.spawned.get() + 1);
        self.spawned.get()
    }

    fn write_conf(&self, node: usize, k: usize, conf: impl fmt::Display) -> PathBuf {
        let path = self.dir.join(format!("d{node}-{k}.conf"));
        std::fs::write(&path, conf.to_string())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }

    fn exec_in(&self, node: usize, program: &str) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", self.ns(node), program]);
        cmd
    }

    fn start(&self, node: usize, daemon: Daemon, mut cmd: Command) -> i32 {
        let path = &self.node(node).log;
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        writeln!(log, "=== lab: {daemon} on director {node}: {cmd:?}").expect("write log");
        let out = log.try_clone().expect("dup log fd");
        cmd.stdin(Stdio::null()).stdout(out).stderr(log);
        // Its own process group, so a crash takes every process of the daemon at once.
        cmd.process_group(0);
        // SAFETY: prctl(2) only, which is async-signal-safe, between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                // Dies with the test thread that started it even when the test binary is
                // killed and no Drop runs (keepalived's own child then stops gracefully).
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{}: start {daemon}: {e}", self.test));
        let pid = i32::try_from(child.id()).expect("pid fits in i32");
        self.procs.borrow_mut().push(Proc {
            node,
            daemon,
            child,
            pid,
            status: None,
            signalled: false,
        });
        pid
    }

    fn with_last_proc<T>(&self, node: usize, f: impl FnOnce(&mut Proc) -> T) -> T {
        let mut procs = self.procs.borrow_mut();
        let p = procs
            .iter_mut()
            .rev()
            .find(|p| p.node == node)
            .unwrap_or_else(|| panic!("no daemon was started on director {node}"));
        f(p)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for p in self.procs.get_mut() {
            if p.status.is_none() {
                // SAFETY: kill(2) on the process group of a child this lab started and
                // has not reaped, so the group id still names it.
                unsafe { libc::kill(-p.pid, libc::SIGKILL) };
                p.status = p.child.wait().ok();
            }
        }
        if std::thread::panicking() {
            for (i, node) in self.nodes.iter().enumerate() {
                let log = std::fs::read_to_string(&node.log).unwrap_or_default();
                println!("----- director {} ({}) log -----\n{log}", i + 1, node.ns);
            }
        }
        for ns in &self.namespaces {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn keepalived() -> PathBuf {
    std::env::var_os("HA_LAB_KEEPALIVED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(KEEPALIVED))
}

/// "keepalived_crash_failover" -> "kcf": a readable hint in namespace names.
fn abbreviate(test: &str) -> String {
    test.split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|w| w.chars().next())
        .take(8)
        .collect()
}

/// Deletes the namespaces and scratch directories that labs of test processes that no
/// longer exist left behind (a test binary killed before its Drop ran). Their daemons died
/// with them (PR_SET_PDEATHSIG).
fn sweep_stale() {
    let dead = |name: &str| {
        name.strip_prefix(NS_PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
            .is_some_and(|pid| {
                pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
            })
    };
    if let Ok(entries) = std::fs::read_dir("/run/netns") {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if dead(&name) {
                let _ = Command::new("ip").args(["netns", "del", &name]).output();
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
        for e in entries.flatten() {
            if dead(&e.file_name().to_string_lossy()) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Whether `bridge link` shows every one of `ports` forwarding.
fn ports_forward(bridge_ns: &str, ports: &[String]) -> bool {
    let out = run(&["bridge", "-n", bridge_ns, "link", "show"]);
    // "3: PORT@if2: <...> ... master br0 state forwarding ..."
    ports.iter().all(|port| {
        out.lines().any(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|name| name.trim_end_matches(':').split('@').next() == Some(port))
                && l.contains("state forwarding")
        })
    })
}

fn run(argv: &[&str]) -> String {
    let o = Command::new(argv[0])
        .args(&argv[1..])
        .output()
        .unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    assert!(o.status.success(), "{argv:?}: {o:?}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A shell script run inside namespace `ns` (one process chain instead of one `ip` per line).
fn sh(ns: &str, script: &str) {
    run(&["ip", "netns", "exec", ns, "sh", "-ec", script]);
}

/// Runs `f` on a thread that has entered the network namespace `ns` (see
/// tests/net_sockets.rs: a namespace belongs to a thread; sockets keep theirs).
pub fn in_ns<T: Send>(ns: &str, f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            enter_ns(ns);
            f()
        })
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// Moves the calling thread into network namespace `ns`: only for threads made for it.
fn enter_ns(ns: &str) {
    let path = format!("/run/netns/{ns}");
    let file = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // SAFETY: setns(2) on an open namespace file; it changes the network namespace of the
    // calling thread only, which callers make for the purpose.
    let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(rc, 0, "setns {path}: {}", std::io::Error::last_os_error());
}

/// Polls `cond` every 5 ms until it holds (returns the time it took) or `within` passed
/// (None). Looks once more at the deadline, so a slow poll never loses the last chance.
pub fn wait_until(within: Duration, mut cond: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if cond() {
            return Some(start.elapsed());
        }
        let left = within.saturating_sub(start.elapsed());
        if left.is_zero() {
            return None;
        }
        std::thread::sleep(left.min(POLL));
    }
}

/// Master_Down_Interval of a backup with this priority (3 adverts + skew), keepalived's
/// arithmetic (the same function the daemon uses: the bounds only add MARGIN to it).
pub fn master_down(version: u8, priority: u8, advert: Duration) -> Duration {
    ha::vrrp::master_down(wire_version(version), 3, priority, advert)
}

/// Skew_Time: how long a backup waits after a priority-0 advert.
pub fn skew(version: u8, priority: u8, advert: Duration) -> Duration {
    ha::vrrp::skew(wire_version(version), priority, advert)
}

fn wire_version(v: u8) -> Version {
    match v {
        2 => Version::V2,
        3 => Version::V3,
        _ => panic!("VRRP version {v}"),
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

// ---------------------------------------------------------------------------------------
// keepalived.conf

/// A keepalived.conf: global_defs (router_id, vrrp_version, extra lines) and instances.
#[derive(Debug, Clone)]
pub struct Conf {
    pub router_id: String,
    pub version: u8,
    pub global: Vec<String>,
    pub instances: Vec<Instance>,
}

impl Conf {
    pub fn new(router_id: impl Into<String>) -> Conf {
        Conf {
            router_id: router_id.into(),
            version: 3,
            global: Vec::new(),
            instances: Vec::new(),
        }
    }

    /// `vrrp_version` in global_defs (2 or 3).
    pub fn version(mut self, v: u8) -> Conf {
        self.version = v;
        self
    }

    /// One more line in global_defs, as written.
    pub fn global(mut self, line: impl Into<String>) -> Conf {
        self.global.push(line.into());
        self
    }

    pub fn instance(mut self, i: Instance) -> Conf {
        self.instances.push(i);
        self
    }
}

impl fmt::Display for Conf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "global_defs {{")?;
        writeln!(f, "    router_id {}", self.router_id)?;
        writeln!(f, "    vrrp_version {}", self.version)?;
        for line in &self.global {
            writeln!(f, "    {line}")?;
        }
        writeln!(f, "}}")?;
        for i in &self.instances {
            write!(f, "{i}")?;
        }
        Ok(())
    }
}

/// One `vrrp_instance`.
#[derive(Debug, Clone)]
pub struct Instance {
    pub name: String,
    pub interface: String,
    pub state: String,
    pub priority: u8,
    pub vrid: u8,
    pub advert_int: Duration,
    pub vips: Vec<IpAddr>,
    pub nopreempt: bool,
    pub preempt_delay: Option<Duration>,
    pub unicast_src_ip: Option<IpAddr>,
    pub unicast_peers: Vec<IpAddr>,
    pub auth_pass: Option<String>,
    pub extra: Vec<String>,
}

impl Instance {
    /// State BACKUP, advert_int 1, no VIPs, preemption on.
    pub fn new(name: &str, interface: &str, vrid: u8, priority: u8) -> Instance {
        Instance {
            name: name.to_owned(),
            interface: interface.to_owned(),
            state: "BACKUP".to_owned(),
            priority,
            vrid,
            advert_int: Duration::from_secs(1),
            vips: Vec::new(),
            nopreempt: false,
            preempt_delay: None,
            unicast_src_ip: None,
            unicast_peers: Vec::new(),
            auth_pass: None,
            extra: Vec::new(),
        }
    }

    pub fn state(mut self, state: &str) -> Instance {
        self.state = state.to_owned();
        self
    }

    pub fn vrid(mut self, vrid: u8) -> Instance {
        self.vrid = vrid;
        self
    }

    /// Whole seconds for VRRPv2; VRRPv3 takes centiseconds.
    pub fn advert_int(mut self, d: Duration) -> Instance {
        self.advert_int = d;
        self
    }

    pub fn vip(mut self, vip: impl Into<IpAddr>) -> Instance {
        self.vips.push(vip.into());
        self
    }

    pub fn nopreempt(mut self) -> Instance {
        self.nopreempt = true;
        self
    }

    pub fn preempt_delay(mut self, d: Duration) -> Instance {
        self.preempt_delay = Some(d);
        self
    }

    /// Adverts to each peer's unicast address, from `src`, instead of the multicast group.
    pub fn unicast(mut self, src: impl Into<IpAddr>, peers: &[IpAddr]) -> Instance {
        self.unicast_src_ip = Some(src.into());
        self.unicast_peers = peers.to_vec();
        self
    }

    /// `authentication { auth_type PASS auth_pass ... }` (VRRPv2 only).
    pub fn auth_pass(mut self, pass: &str) -> Instance {
        self.auth_pass = Some(pass.to_owned());
        self
    }

    /// One more line in the block, as written.
    pub fn line(mut self, line: impl Into<String>) -> Instance {
        self.extra.push(line.into());
        self
    }
}

impl fmt::Display for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "vrrp_instance {} {{", self.name)?;
        writeln!(f, "    state {}", self.state)?;
        writeln!(f, "    interface {}", self.interface)?;
        writeln!(f, "    virtual_router_id {}", self.vrid)?;
        writeln!(f, "    priority {}", self.priority)?;
        writeln!(f, "    advert_int {}", self.advert_int.as_secs_f64())?;
        if self.nopreempt {
            writeln!(f, "    nopreempt")?;
        }
        if let Some(d) = self.preempt_delay {
            writeln!(f, "    preempt_delay {}", d.as_secs_f64())?;
        }
        if let Some(src) = self.unicast_src_ip {
            writeln!(f, "    unicast_src_ip {src}")?;
        }
        if !self.unicast_peers.is_empty() {
            writeln!(f, "    unicast_peer {{")?;
            for p in &self.unicast_peers {
                writeln!(f, "        {p}")?;
            }
            writeln!(f, "    }}")?;
        }
        if let Some(pass) = &self.auth_pass {
            writeln!(
                f,
                "    authentication {{\n        auth_type PASS\n        auth_pass {pass}\n    }}"
            )?;
        }
        writeln!(f, "    virtual_ipaddress {{")?;
        for v in &self.vips {
            writeln!(f, "        {v}")?;
        }
        writeln!(f, "    }}")?;
        for line in &self.extra {
            writeln!(f, "    {line}")?;
        }
        writeln!(f, "}}")
    }
}

// ---------------------------------------------------------------------------------------
// Capture

/// One VRRP advert seen on the bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Since the capture started.
    pub at: Duration,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub version: u8,
    pub vrid: u8,
    pub priority: u8,
    /// Centiseconds (version 2's seconds times 100).
    pub interval_cs: u16,
}

/// A capture of VRRP frames on the lab's bridge, in a thread of its own that has entered
/// the bridge namespace; stops when dropped.
pub struct VrrpCapture {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Seen>>>,
    thread: Option<JoinHandle<Result<(), String>>>,
}

impl VrrpCapture {
    fn start(bridge_ns: &str) -> VrrpCapture {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = mpsc::channel();
        let (ns, stop2, seen2) = (bridge_ns.to_owned(), stop.clone(), seen.clone());
        let thread = std::thread::spawn(move || {
            enter_ns(&ns);
            // Promiscuous, so unicast adverts between directors reach the bridge device too.
            let cap = NetIf::by_name(BRIDGE)
                .and_then(|i| Capture::open(&i, CaptureFilter::Vrrp, true))
                .map_err(|e| e.to_string());
            let cap = match cap {
                Ok(c) => {
                    let _ = ready_tx.send(Ok(()));
                    c
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e.clone()));
                    return Err(e);
                }
            };
            let start = Instant::now();
            let mut buf = vec![0u8; 2048];
            while !stop2.load(Ordering::Relaxed) {
                match cap.recv(&mut buf, Instant::now() + Duration::from_millis(20)) {
                    Ok(frame) => {
                        if let Some(s) = parse_frame(&buf[..frame.len], start.elapsed()) {
                            seen2.lock().expect("capture list").push(s);
                        }
                    }
                    Err(e) if e.is_timeout() => {}
                    Err(e) => return Err(e.to_string()),
                }
            }
            Ok(())
        });
        match ready_rx.recv_timeout(Duration::from_secs(5)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("capture on the lab bridge: {e}"),
            Err(e) => panic!("capture on the lab bridge did not start: {e}"),
        }
        VrrpCapture {
            stop,
            seen,
            thread: Some(thread),
        }
    }

    /// Every advert seen so far.
    pub fn adverts(&self) -> Vec<Seen> {
        self.seen.lock().expect("capture list").clone()
    }
}

impl Drop for VrrpCapture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let r = t.join();
            if !std::thread::panicking() {
                match r {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => panic!("capture on the lab bridge: {e}"),
                    Err(e) => std::panic::resume_unwind(e),
                }
            }
        }
    }
}

/// An Ethernet frame carrying a VRRP advert (IPv4 with options allowed; IPv6 without
/// extension headers, which no VRRP sender adds) as a `Seen`.
fn parse_frame(frame: &[u8], at: Duration) -> Option<Seen> {
    let ethertype = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
    let ip = frame.get(14..)?;
    let (src, dst, proto, vrrp) = match ethertype {
        0x0800 => {
            let ihl = usize::from(ip.first()? & 0x0f) * 4;
            let src: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
            let dst: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
            (
                IpAddr::from(src),
                IpAddr::from(dst),
                *ip.get(9)?,
                ip.get(ihl..)?,
            )
        }
        0x86dd => {
            let src: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
            let dst: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            (
                IpAddr::from(src),
                IpAddr::from(dst),
                *ip.get(6)?,
                ip.get(40..)?,
            )
        }
        _ => return None,
    };
    if proto != 112 || vrrp.len() < 8 {
        return None;
    }
    let version = vrrp[0] >> 4;
    let interval_cs = match version {
        2 => u16::from(vrrp[5]) * 100,
        _ => u16::from_be_bytes([vrrp[4], vrrp[5]]) & 0x0fff,
    };
    Some(Seen {
        at,
        src,
        dst,
        version,
        vrid: vrrp[1],
        priority: vrrp[2],
        interval_cs,
    })
}
