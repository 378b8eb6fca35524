//! Two network namespaces `a` and `b` joined by a veth pair, with IPv4 and IPv6 addresses
//! on both ends (no duplicate address detection), for tests of the socket-level edges. Both
//! namespaces, and with them the pair, are deleted on drop, also when a test fails.
//! (tests/lab/mod.rs is the richer lab of VRRP directors on a bridge.)

#![allow(dead_code)]

use std::fs::File;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use nix::libc;

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// What differs between the test files using a pair.
pub struct Spec<'a> {
    /// In namespace names: `ha-<tag>-<pid>-<n>-a`.
    pub tag: &'a str,
    /// Two characters starting interface names (at most 15 bytes in all).
    pub if_tag: &'a str,
    /// What the test needs besides root, for the SKIP line ("network namespaces, nf_tables").
    pub needs: &'a str,
    /// Commands that must exist, with an argument that makes them print and exit.
    pub tools: &'a [[&'a str; 2]],
    /// Side a gets `<v4>.1/24` and `<v6>::1/64`, side b `.2` and `::2`.
    pub v4: &'a str,
    pub v6: &'a str,
}

pub struct Pair {
    pub ns_a: String,
    pub ns_b: String,
    pub if_a: String,
    pub if_b: String,
}

impl Pair {
    /// None, after a `SKIP:` line, without root, a needed tool or namespaces.
    pub fn new(test: &str, spec: &Spec) -> Option<Pair> {
        if !nix::unistd::geteuid().is_root() {
            println!("SKIP: {test}: needs root ({})", spec.needs);
            return None;
        }
        for tool in std::iter::once(&["ip", "-V"]).chain(spec.tools) {
            if Command::new(tool[0]).arg(tool[1]).output().is_err() {
                println!("SKIP: {test}: `{}` is not installed", tool[0]);
                return None;
            }
        }
        let (pid, n) = (std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let pair = Pair {
            ns_a: format!("ha-{}-{pid}-{n}-a", spec.tag),
            ns_b: format!("ha-{}-{pid}-{n}-b", spec.tag),
            // At most 15 bytes: 2 + 7-digit pid + "x" + counter + side.
            if_a: format!("{}{pid}x{n}a", spec.if_tag),
            if_b: format!("{}{pid}x{n}b", spec.if_tag),
        };
        for ns in [&pair.ns_a, &pair.ns_b] {
            let made = Command::new("ip").args(["netns", "add", ns]).output();
            if !made.as_ref().is_ok_and(|o| o.status.success()) {
                println!("SKIP: {test}: cannot create a network namespace: {made:?}");
                return None;
            }
        }
        run(&[
            "ip", "link", "add", &pair.if_a, "netns", &pair.ns_a, "type", "veth", "peer", "name",
            &pair.if_b, "netns", &pair.ns_b,
        ]);
        for (ns, ifname, k) in [(&pair.ns_a, &pair.if_a, 1), (&pair.ns_b, &pair.if_b, 2)] {
            // No duplicate address detection: the addresses are usable at once.
            pair.sh(
                ns,
                &format!(
                    "sysctl -qw net.ipv6.conf.{ifname}.accept_dad=0 && ip link set lo up && \
                     ip addr add {v4}.{k}/24 dev {ifname} && \
                     ip addr add {v6}::{k}/64 dev {ifname} nodad && ip link set {ifname} up",
                    v4 = spec.v4,
                    v6 = spec.v6,
                ),
            );
        }
        Some(pair)
    }

    /// Runs a shell script in namespace `ns`; its stdout.
    pub fn sh(&self, ns: &str, script: &str) -> String {
        run(&["ip", "netns", "exec", ns, "sh", "-c", script])
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for ns in [&self.ns_a, &self.ns_b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}

/// Runs a command that must succeed; its stdout.
pub fn run(argv: &[&str]) -> String {
    let o = Command::new(argv[0])
        .args(&argv[1..])
        .output()
        .unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    assert!(o.status.success(), "{argv:?}: {o:?}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs `f` on a thread that has entered the network namespace `ns` (sockets made there
/// stay in it).
pub fn in_ns<T: Send>(ns: &str, f: impl FnOnce() -> T + Send) -> T {
    let path = format!("/run/netns/{ns}");
    std::thread::scope(|s| {
        let worker = s.spawn(|| {
            let file = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            // SAFETY: setns(2) on an open namespace file; it changes the network namespace
            // of this thread only, a thread made for this closure that ends with it.
            let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns {path}: {}", std::io::Error::last_os_error());
            f()
        });
        worker
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}
