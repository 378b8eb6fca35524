//! `ha rs-arp` against the real kernel: every test gets its own network namespace (fresh
//! sysctls, lo down and empty) and its own HA_RUN_DIR. Needs root and iproute2; prints a
//! `SKIP:` line and passes otherwise.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

const HA: &str = env!("CARGO_BIN_EXE_ha");
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A network namespace plus a scratch directory, both removed on drop (also on failure).
struct Lab {
    ns: String,
    tmp: PathBuf,
}

impl Lab {
    fn new(test: &str) -> Option<Lab> {
        if !nix::unistd::geteuid().is_root() {
            println!("SKIP: {test}: needs root (network namespaces)");
            return None;
        }
        if Command::new("ip").arg("-V").output().is_err() {
            println!("SKIP: {test}: `ip` (iproute2) is not installed");
            return None;
        }
        let ns = format!(
            "ha-rsarp-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let made = Command::new("ip").args(["netns", "add", &ns]).output();
        if !made.as_ref().is_ok_and(|o| o.status.success()) {
            println!("SKIP: {test}: cannot create a network namespace: {made:?}");
            return None;
        }
        let tmp = std::env::temp_dir().join(&ns);
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).expect("scratch dir");
        Some(Lab { ns, tmp })
    }

    /// HA_RUN_DIR; deliberately not created, so "not touched" is checkable.
    fn run_dir(&self) -> PathBuf {
        self.tmp.join("run")
    }

    fn state_file(&self) -> PathBuf {
        self.run_dir().join("rs-arp.json")
    }

    fn exec(&self, argv: &[&str]) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.ns])
            .args(argv)
            .env("HA_RUN_DIR", self.run_dir())
            .output()
            .expect("ip netns exec")
    }

    fn ha(&self, args: &[&str]) -> Output {
        let mut argv = vec![HA, "rs-arp"];
        argv.extend_from_slice(args);
        self.exec(&argv)
    }

    fn sh(&self, script: &str) {
        let o = self.exec(&["sh", "-c", script]);
        assert!(o.status.success(), "{script}: {o:?}");
    }

    fn sysctl(&self, conf: &str, knob: &str) -> i64 {
        let o = self.exec(&["cat", &format!("/proc/sys/net/ipv4/conf/{conf}/{knob}")]);
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .parse()
            .expect("sysctl value")
    }

    fn set_sysctl(&self, conf: &str, knob: &str, v: i64) {
        self.sh(&format!("echo {v} > /proc/sys/net/ipv4/conf/{conf}/{knob}"));
    }

    /// all.arp_ignore, lo.arp_ignore, all.arp_announce, lo.arp_announce.
    fn sysctls(&self) -> [i64; 4] {
        [
            self.sysctl("all", "arp_ignore"),
            self.sysctl("lo", "arp_ignore"),
            self.sysctl("all", "arp_announce"),
            self.sysctl("lo", "arp_announce"),
        ]
    }

    fn addrs(&self) -> String {
        let o = Command::new("ip")
            .args(["-n", &self.ns, "-o", "addr", "show", "dev", "lo"])
            .output()
            .expect("ip addr");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `inet 192.0.2.1/32` style match on `ip -o addr` output.
    fn has(&self, family_cidr: &str) -> bool {
        self.addrs().contains(&format!("{family_cidr} "))
    }

    fn snapshot(&self) -> ([i64; 4], String) {
        (self.sysctls(), self.addrs())
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).output();
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> Output {
    assert_eq!(
        code(&o),
        0,
        "stdout: {}\nstderr: {}",
        stdout(&o),
        stderr(&o)
    );
    o
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

#[test]
fn start_sets_sysctls_and_adds_host_vips() {
    let Some(lab) = Lab::new("start_sets_sysctls_and_adds_host_vips") else {
        return;
    };
    assert_eq!(lab.sysctls(), [0, 0, 0, 0]);
    let o = ok(lab.ha(&["start", "--vip", "192.0.2.10", "--vip", "2001:db8::10"]));
    let out = stdout(&o);
    assert!(out.contains("net.ipv4.conf.all.arp_ignore 0 -> 1"), "{out}");
    assert!(out.contains("added 192.0.2.10/32 on lo"), "{out}");
    assert!(out.contains("set lo up"), "{out}");

    assert_eq!(lab.sysctls(), [1, 1, 2, 2]);
    assert!(lab.has("inet 192.0.2.10/32"), "{}", lab.addrs());
    let v6 = lab
        .addrs()
        .lines()
        .find(|l| l.contains("inet6 2001:db8::10/128"))
        .map(str::to_owned)
        .unwrap_or_default();
    assert!(
        v6.contains("nodad"),
        "IPv6 VIP without nodad: {}",
        lab.addrs()
    );
    // lo came up, so its own addresses are there too.
    assert!(lab.has("inet 127.0.0.1/8"), "{}", lab.addrs());
    assert!(lab.state_file().exists());
}

#[test]
fn second_start_changes_nothing() {
    let Some(lab) = Lab::new("second_start_changes_nothing") else {
        return;
    };
    lab.set_sysctl("lo", "arp_ignore", 2);
    ok(lab.ha(&["start", "--vip", "192.0.2.10,2001:db8::10"]));
    let before = lab.snapshot();
    let state = std::fs::read_to_string(lab.state_file()).expect("state file");

    let o = ok(lab.ha(&[
        "start",
        "--vip",
        "192.0.2.10",
        "--vip",
        "2001:db8::10",
        "--json",
    ]));
    let v = json(&o);
    assert_eq!(v["changed"], false, "{v}");
    assert!(v["actions"].as_array().is_some_and(|a| a
        .iter()
        .all(|x| x["action"] == "sysctl_unchanged" || x["action"] == "vip_present")));
    assert_eq!(lab.snapshot(), before);
    assert_eq!(
        std::fs::read_to_string(lab.state_file()).expect("state file"),
        state,
        "the originals must not be overwritten"
    );
}

#[test]
fn stop_restores_the_original_values() {
    let Some(lab) = Lab::new("stop_restores_the_original_values") else {
        return;
    };
    lab.set_sysctl("lo", "arp_ignore", 2);
    lab.set_sysctl("all", "arp_announce", 1);
    let original = lab.sysctls();
    assert_eq!(original, [0, 2, 1, 0]);

    ok(lab.ha(&["start", "--vip", "192.0.2.10", "--vip", "2001:db8::10"]));
    ok(lab.ha(&["start", "--vip", "192.0.2.10"]));
    assert_eq!(lab.sysctls(), [1, 1, 2, 2]);

    let o = ok(lab.ha(&["stop"]));
    let out = stdout(&o);
    assert!(
        out.contains("net.ipv4.conf.lo.arp_ignore 1 -> 2 (restored)"),
        "{out}"
    );
    assert_eq!(lab.sysctls(), original);
    assert!(!lab.has("inet 192.0.2.10/32") && !lab.has("inet6 2001:db8::10/128"));
    assert!(!lab.state_file().exists());

    // Again: nothing left to do, still success.
    let v = json(&ok(lab.ha(&["stop", "--json"])));
    assert_eq!(v["changed"], false);
    assert_eq!(lab.sysctls(), original);
}

#[test]
fn stop_of_one_named_vip() {
    let Some(lab) = Lab::new("stop_of_one_named_vip") else {
        return;
    };
    ok(lab.ha(&["start", "--vip", "192.0.2.10", "--vip", "192.0.2.11"]));

    let v = json(&ok(lab.ha(&["stop", "--vip", "192.0.2.10", "--json"])));
    assert_eq!(v["actions"][0]["action"], "vip_removed", "{v}");
    assert!(!lab.has("inet 192.0.2.10/32"));
    assert!(lab.has("inet 192.0.2.11/32"));
    assert_eq!(lab.sysctls(), [1, 1, 2, 2], "kept while a VIP remains");
    assert!(lab.state_file().exists());

    ok(lab.ha(&["stop", "--vip", "192.0.2.11"]));
    assert!(!lab.has("inet 192.0.2.11/32"));
    assert_eq!(lab.sysctls(), [0, 0, 0, 0], "restored with the last VIP");
    assert!(!lab.state_file().exists());
}

#[test]
fn vip_present_before_start_survives_stop() {
    let Some(lab) = Lab::new("vip_present_before_start_survives_stop") else {
        return;
    };
    lab.sh("ip link set lo up && ip addr add 192.0.2.99/32 dev lo");
    let o = ok(lab.ha(&["start", "--vip", "192.0.2.99", "--vip", "192.0.2.10"]));
    assert!(stdout(&o).contains("192.0.2.99/32 already on lo"));

    let o = ok(lab.ha(&["stop"]));
    assert!(lab.has("inet 192.0.2.99/32"), "not ours to remove");
    assert!(!lab.has("inet 192.0.2.10/32"));
    assert!(
        stderr(&o).contains("192.0.2.99/32 still on lo"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn status_reports_json_and_half_setups() {
    let Some(lab) = Lab::new("status_reports_json_and_half_setups") else {
        return;
    };
    // Nothing set up: fine.
    let v = json(&ok(lab.ha(&["status", "--json"])));
    assert_eq!(v["ok"], true);
    assert_eq!(v["complete"], false);

    ok(lab.ha(&["start", "--vip", "192.0.2.10", "--vip", "2001:db8::10"]));
    let v = json(&ok(lab.ha(&["status", "--json"])));
    assert_eq!(v["dev"], "lo");
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["complete"], true);
    assert_eq!(v["vips"][0]["address"], "192.0.2.10/32");
    assert_eq!(v["vips"][0]["added_by_ha"], true);
    assert_eq!(v["vips"][1]["address"], "2001:db8::10/128");
    assert_eq!(v["sysctls"]["arp_ignore"]["all"], 1);
    assert_eq!(v["sysctls"]["arp_announce"]["effective"], 2);
    assert_eq!(v["state"]["originals"][0]["value"], 0);
    assert!(v["warnings"].as_array().is_some_and(Vec::is_empty));

    // Someone resets arp_ignore by hand: half setup, exit 1.
    lab.set_sysctl("all", "arp_ignore", 0);
    lab.set_sysctl("lo", "arp_ignore", 0);
    let o = lab.ha(&["status"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("half set up"), "{out}");
    assert!(
        out.contains("warning: VIPs on lo but effective arp_ignore is 0"),
        "{out}"
    );
    let o = lab.ha(&["status", "--json"]);
    assert_eq!(code(&o), 1);
    let v = json(&o);
    assert_eq!(v["ok"], false);
    assert_eq!(v["warnings"][0]["kind"], "arp_ignore_too_low");

    // effective = max(all, dev): all=1 with lo=0 is a complete setup.
    lab.set_sysctl("all", "arp_ignore", 1);
    ok(lab.ha(&["status"]));

    // lo taken down: the VIPs receive nothing.
    lab.sh("ip link set lo down");
    let o = lab.ha(&["status", "--json"]);
    assert_eq!(code(&o), 1);
    let kinds = json(&o)["warnings"].to_string();
    assert!(kinds.contains("device_down"), "{kinds}");
    ok(lab.ha(&["start", "--vip", "192.0.2.10", "--vip", "2001:db8::10"]));
    ok(lab.ha(&["status"]));

    // A recorded VIP removed by hand.
    lab.sh("ip addr del 192.0.2.10/32 dev lo");
    let o = lab.ha(&["status", "--json"]);
    assert_eq!(code(&o), 1);
    assert_eq!(json(&o)["warnings"][0]["kind"], "vip_missing");
}

#[test]
fn invalid_addresses_change_nothing() {
    let Some(lab) = Lab::new("invalid_addresses_change_nothing") else {
        return;
    };
    let before = lab.snapshot();
    for (vip, why) in [
        ("224.0.0.18", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("255.255.255.255", "broadcast"),
        ("300.1.2.3", "not an IPv4 or IPv6 address"),
        ("192.0.2.10/24", "single host address"),
    ] {
        // The bad one last, so a partial run would have changed something first.
        let o = lab.ha(&["start", "--vip", "192.0.2.10", "--vip", vip]);
        assert_eq!(code(&o), 2, "{vip}: {}", stderr(&o));
        assert!(stderr(&o).contains(why), "{vip}: {}", stderr(&o));
    }
    assert_eq!(lab.snapshot(), before);
    assert!(!lab.run_dir().exists());
}

#[test]
fn missing_privilege_changes_nothing() {
    let Some(lab) = Lab::new("missing_privilege_changes_nothing") else {
        return;
    };
    if Command::new("setpriv").arg("--version").output().is_err() {
        println!("SKIP: missing_privilege_changes_nothing: setpriv (util-linux) not found");
        return;
    }
    let before = lab.snapshot();
    for sub in [&["start", "--vip", "192.0.2.10"][..], &["stop"][..]] {
        let mut argv = vec![
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            HA,
            "rs-arp",
        ];
        argv.extend_from_slice(sub);
        let o = lab.exec(&argv);
        assert_eq!(code(&o), 4, "{}", stderr(&o));
        assert!(stderr(&o).contains("CAP_NET_ADMIN"), "{}", stderr(&o));
        assert!(stderr(&o).contains("hint:"), "{}", stderr(&o));
    }
    assert_eq!(lab.snapshot(), before);
    assert!(!lab.run_dir().exists(), "state dir must not be touched");
}

#[test]
fn missing_device_changes_nothing() {
    let Some(lab) = Lab::new("missing_device_changes_nothing") else {
        return;
    };
    let before = lab.snapshot();
    let o = lab.ha(&["start", "--vip", "192.0.2.10", "--dev", "nosuch0"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`nosuch0` does not exist"),
        "{}",
        stderr(&o)
    );
    assert_eq!(lab.snapshot(), before);
    assert!(!lab.run_dir().exists());
}
