//! `ha vrrp sniff`: decoding Debian keepalived 2.2.7's adverts from the stored captures
//! (no privilege needed) and live on a veth in a network namespace (root + keepalived).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{ha, ha_bin, run};

fn pcap(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/pcaps")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn text_lines_name_every_field_tcpdump_users_look_for() {
    let o = ha(&[
        "vrrp",
        "sniff",
        "-r",
        &pcap("vrrpv2-session.pcap"),
        "-c",
        "1",
    ]);
    assert_eq!(o.code(), 0, "{}", o.show());
    let line = o.out();
    for want in [
        "10.99.0.1 -> 224.0.0.18",
        "VRRPv2",
        "vrid 51",
        "prio 100",
        "auth pass \"secret12\"",
        "intvl 1s",
        "addrs 10.99.0.100",
        "cksum ok",
        "ttl 255",
    ] {
        assert!(line.contains(want), "missing `{want}` in {line}");
    }
    assert_eq!(line.lines().count(), 1, "{line}");
}

#[test]
fn json_objects_carry_the_documented_fields() {
    let o = ha(&[
        "vrrp",
        "sniff",
        "--json",
        "-r",
        &pcap("vrrpv3-ipv6-mcast.pcap"),
        "-c",
        "3",
    ]);
    assert_eq!(o.code(), 0, "{}", o.show());
    let lines: Vec<&str> = o.stdout_lines();
    assert_eq!(lines.len(), 3, "{}", o.show());
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).expect("one JSON object per line");
        assert_eq!(v["version"], 3, "{l}");
        assert_eq!(v["dst"], "ff02::12", "{l}");
        assert_eq!(v["vrid"], 51, "{l}");
        assert_eq!(v["advert_int"], 0.25, "{l}");
        assert_eq!(v["auth"]["type"], "none", "{l}");
        assert_eq!(v["checksum_ok"], true, "{l}");
        assert_eq!(v["ttl"], 255, "{l}");
        assert!(v["priority"].is_u64() && v["src"].is_string(), "{l}");
        assert!(
            v["addresses"].as_array().is_some_and(|a| !a.is_empty()),
            "{l}"
        );
    }
}

#[test]
fn a_master_leaving_is_flagged() {
    let o = ha(&["vrrp", "sniff", "-r", &pcap("vrrpv3-session.pcap")]);
    assert_eq!(o.code(), 0, "{}", o.show());
    let flagged: Vec<&str> = o.out_lines_starting("! ");
    assert!(
        flagged
            .iter()
            .any(|l| l.contains("raised") && l.contains("sent priority 0")),
        "{}",
        o.show()
    );
}

#[test]
fn not_a_pcap_is_a_usage_error_with_a_hint() {
    let o = ha(&["vrrp", "sniff", "-r", "/etc/hostname"]);
    assert_eq!(o.code(), 2, "{}", o.show());
    assert!(o.err().contains("hint: write classic pcap"), "{}", o.show());
}

#[test]
fn no_such_interface_says_so() {
    let o = ha(&[
        "vrrp",
        "sniff",
        "-i",
        "nosuchif0",
        "-c",
        "1",
        "--timeout",
        "1",
    ]);
    assert_eq!(o.code(), 2, "{}", o.show());
    assert!(o.err().contains("nosuchif0"), "{}", o.show());
}

/// Two namespaces joined by a veth; removed on drop, even when the test panics.
struct Pair {
    a: String,
    b: String,
    kids: Vec<Child>,
    files: Vec<PathBuf>,
}

impl Drop for Pair {
    fn drop(&mut self) {
        for k in &mut self.kids {
            let _ = k.kill();
            let _ = k.wait();
        }
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
    }
}

fn ip(args: &[&str]) {
    let st = Command::new("ip").args(args).status().expect("ip(8) runs");
    assert!(st.success(), "ip {}", args.join(" "));
}

#[test]
fn decodes_keepalived_adverts_live() {
    if !nix::unistd::geteuid().is_root() {
        println!("SKIP: decodes_keepalived_adverts_live: needs root (network namespaces)");
        return;
    }
    let keepalived = Path::new("/usr/sbin/keepalived");
    if !keepalived.exists() {
        println!("SKIP: decodes_keepalived_adverts_live: Debian's keepalived is not installed");
        return;
    }
    let id = std::process::id();
    let mut pair = Pair {
        a: format!("hs{id}a"),
        b: format!("hs{id}b"),
        kids: Vec::new(),
        files: Vec::new(),
    };
    ip(&["netns", "add", &pair.a]);
    ip(&["netns", "add", &pair.b]);
    ip(&[
        "link", "add", "sn0", "netns", &pair.a, "type", "veth", "peer", "name", "sn1", "netns",
        &pair.b,
    ]);
    ip(&["-n", &pair.a, "addr", "add", "10.77.0.1/24", "dev", "sn0"]);
    ip(&["-n", &pair.b, "addr", "add", "10.77.0.2/24", "dev", "sn1"]);
    ip(&["-n", &pair.a, "link", "set", "sn0", "up"]);
    ip(&["-n", &pair.b, "link", "set", "sn1", "up"]);
    let dir = std::env::temp_dir();
    let conf = dir.join(format!("ha-sniff-{id}.conf"));
    let (pid, vpid) = (
        dir.join(format!("ha-sniff-{id}.pid")),
        dir.join(format!("ha-sniff-{id}-vrrp.pid")),
    );
    pair.files.extend([conf.clone(), pid.clone(), vpid.clone()]);
    std::fs::write(
        &conf,
        "global_defs {\n vrrp_version 3\n}\nvrrp_instance S {\n interface sn0\n virtual_router_id 77\n priority 200\n advert_int 0.1\n virtual_ipaddress {\n  10.77.0.100/24\n }\n}\n",
    )
    .expect("write the config");
    let conf_s = conf.display().to_string();
    let (pid_s, vpid_s) = (pid.display().to_string(), vpid.display().to_string());
    pair.kids.push(
        Command::new("ip")
            .args(["netns", "exec", &pair.a])
            .arg(keepalived)
            .args(["-n", "-l", "-P", "-f", &conf_s, "-p", &pid_s, "-r", &vpid_s])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start keepalived"),
    );
    let ha = ha_bin().display().to_string();
    let o = run(
        Path::new("ip"),
        None,
        &[
            "netns",
            "exec",
            &pair.b,
            &ha,
            "vrrp",
            "sniff",
            "-i",
            "sn1",
            "-c",
            "3",
            "--json",
            "--timeout",
            "10",
        ],
        Duration::from_secs(15),
    );
    assert_eq!(o.code(), 0, "{}", o.show());
    let lines = o.stdout_lines();
    let adverts: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("vrid").is_some())
        .collect();
    assert_eq!(adverts.len(), 3, "{}", o.show());
    for v in &adverts {
        assert_eq!(v["src"], "10.77.0.1", "{v}");
        assert_eq!(v["dst"], "224.0.0.18", "{v}");
        assert_eq!(v["vrid"], 77, "{v}");
        assert_eq!(v["priority"], 200, "{v}");
        assert_eq!(v["version"], 3, "{v}");
        assert_eq!(v["advert_int"], 0.1, "{v}");
        assert_eq!(v["checksum_ok"], true, "{v}");
        assert_eq!(v["addresses"][0], "10.77.0.100", "{v}");
    }
}
