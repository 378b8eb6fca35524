//! `ha ipvs` against a real IPVS kernel (a QEMU guest, tests/vm): list, stats, add, edit,
//! del, clear and apply, each checked by its own output and by the real ipvsadm 1.31 in the
//! same guest. Needs root; prints SKIP without it (or with IPVS_VM=0).

mod vm;

use std::path::Path;

/// A guest script runs each command as `run CMD...`, which prints `### CMD`, the output
/// (stdout and stderr) and `### rc=N`, as in the shared ipvsadm golden file.
const PRELUDE: &str = r####"
run() { echo "### $*"; "$@" 2>&1; echo "### rc=$?"; }
"####;

/// One command's output and status, by its command line.
struct Transcript {
    runs: Vec<(String, String, i32)>,
}

impl Transcript {
    fn parse(text: &str) -> Transcript {
        let mut runs = Vec::new();
        let mut cmd: Option<String> = None;
        let mut out = String::new();
        for line in text.lines() {
            if let Some(rc) = line.strip_prefix("### rc=") {
                if let Some(c) = cmd.take() {
                    runs.push((c, std::mem::take(&mut out), rc.trim().parse().unwrap_or(-1)));
                }
            } else if let Some(c) = line.strip_prefix("### ") {
                cmd = Some(c.to_string());
                out.clear();
            } else if cmd.is_some() {
                out.push_str(line);
                out.push('\n');
            }
        }
        Transcript { runs }
    }

    /// The `n`th run (0-based) of the command line `cmd`.
    fn nth(&self, cmd: &str, n: usize) -> (&str, i32) {
        self.runs
            .iter()
            .filter(|(c, _, _)| c == cmd)
            .nth(n)
            .map(|(_, o, rc)| (o.as_str(), *rc))
            .unwrap_or_else(|| panic!("no run #{n} of `{cmd}` in the transcript"))
    }

    fn get(&self, cmd: &str) -> (&str, i32) {
        self.nth(cmd, 0)
    }

    /// Asserts status 0 and returns the output.
    fn ok(&self, cmd: &str) -> &str {
        self.ok_nth(cmd, 0)
    }

    fn ok_nth(&self, cmd: &str, n: usize) -> &str {
        let (out, rc) = self.nth(cmd, n);
        assert_eq!(rc, 0, "`{cmd}` (run {n}) failed:\n{out}");
        out
    }
}

fn ha_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_ha"))
}

fn guest(script: &str, extra: &[(&Path, &str)]) -> Transcript {
    let mut files = vec![(ha_bin(), "/usr/local/bin/ha")];
    files.extend_from_slice(extra);
    let r = vm::run(&format!("{PRELUDE}{script}"), &files);
    println!("{}", r.stdout);
    assert_eq!(
        r.status, 0,
        "guest script failed:\n{}\n{}",
        r.stdout, r.stderr
    );
    Transcript::parse(&r.stdout)
}

/// `ipvsadm -Ln` without its two header lines and with trailing blanks trimmed.
fn table(ipvsadm_ln: &str) -> Vec<String> {
    ipvsadm_ln
        .lines()
        .skip(3)
        .map(|l| l.trim_end().to_string())
        .collect()
}

#[test]
fn manual_commands() {
    if let Some(why) = vm::skip_reason() {
        println!("SKIP: {why}");
        return;
    }
    let t = guest(
        r#"
run ha ipvs list
run ha ipvs list --json
run ha ipvs add service --tcp 10.0.0.1:80 --scheduler wrr
run ha ipvs add service --tcp 10.0.0.1:80
run ha ipvs add dest --tcp 10.0.0.1:80 --real 10.0.0.2 --weight 2
run ha ipvs add dest --tcp 10.0.0.1:80 --real 10.0.0.3:8080 --forward nat --upper 100 --lower 10
run ha ipvs add dest --tcp 10.0.0.1:80 --real 10.0.0.2
run ha ipvs add dest --tcp 10.0.0.1:80 --real 10.0.0.4 --tun-type gue --tun-port 6080 --tun-csum csum
run ha ipvs add service --udp [fd00::1]:53 --scheduler rr --persistent 300 --netmask 64 --ops
run ha ipvs add dest --udp [fd00::1]:53 --real [fd00::4] --forward tun --weight 0
run ha ipvs add service --fwmark 7 --scheduler sh --sched-flags sh-port,sh-fallback
run ha ipvs add dest --fwmark 7 --real 10.0.0.5 --json
run ha ipvs add service --fwmark 7 --ipv6 --scheduler mh
run ha ipvs add service --udp 10.0.0.1:5060 --persistent 60 --pe sip
run ha ipvs add service --tcp 10.0.0.9:80 --scheduler nosuch
run ha ipvs add service --tcp 10.0.0.9:80 --scheduler twos
run ha ipvs add service --udp 10.0.0.9:5060 --persistent --pe nosuch
run ipvsadm -Ln
run ha ipvs list
run ha ipvs list --json
run ha ipvs edit service --tcp 10.0.0.1:80 --scheduler rr --persistent 120
run ha ipvs edit service --tcp 10.0.0.1:80 --scheduler rr
run ha ipvs edit service --tcp 10.0.0.77:80 --scheduler rr
run ha ipvs edit dest --tcp 10.0.0.1:80 --real 10.0.0.2 --weight 0
run ha ipvs edit dest --tcp 10.0.0.1:80 --real 10.0.0.3 --forward dr --json
run ha ipvs del dest --tcp 10.0.0.1:80 --real 10.0.0.4
run ha ipvs del dest --tcp 10.0.0.1:80 --real 10.0.0.99
run ha ipvs del service --udp [fd00::1]:53
run ha ipvs del service --udp [fd00::1]:53
run ipvsadm -Ln
run ha ipvs stats
run ha ipvs stats --rate
run ha ipvs stats --json --watch 0.2 --count 2
run ha ipvs clear
run ha ipvs list
run ha ipvs clear
run ipvsadm -Ln
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> /etc/passwd
run su nobody -s /bin/sh -c 'ha ipvs list'
run su nobody -s /bin/sh -c 'ha ipvs add service --tcp 10.0.0.1:80'
"#,
        &[],
    );

    // An empty table.
    assert_eq!(t.ok("ha ipvs list"), "No IPVS services.\n");
    assert_eq!(t.ok("ha ipvs list --json"), "");

    // Adds print what they did; the kernel's refusals are worded per command.
    assert_eq!(
        t.ok("ha ipvs add service --tcp 10.0.0.1:80 --scheduler wrr"),
        "+ service TCP 10.0.0.1:80 wrr\n"
    );
    assert_eq!(
        t.get("ha ipvs add service --tcp 10.0.0.1:80"),
        (
            "ha: ipvs add service: service TCP 10.0.0.1:80 already exists\n  hint: change it with `ha ipvs edit service`\n",
            3
        )
    );
    assert_eq!(
        t.ok("ha ipvs add dest --tcp 10.0.0.1:80 --real 10.0.0.2 --weight 2"),
        "+ dest TCP 10.0.0.1:80 -> 10.0.0.2:80 dr weight 2\n"
    );
    assert_eq!(
        t.get("ha ipvs add dest --tcp 10.0.0.1:80 --real 10.0.0.2")
            .1,
        3
    );
    assert!(t
        .get("ha ipvs add dest --tcp 10.0.0.1:80 --real 10.0.0.2")
        .0
        .contains("real server 10.0.0.2:80 already exists in service TCP 10.0.0.1:80"));
    let (out, rc) = t.get("ha ipvs add service --tcp 10.0.0.9:80 --scheduler nosuch");
    assert_eq!(rc, 2, "{out}");
    // Linux 6.1 has no twos scheduler; no such persistence engine either.
    assert_eq!(
        t.get("ha ipvs add service --tcp 10.0.0.9:80 --scheduler twos"),
        (
            "ha: ipvs add service: scheduler `twos` is not available in this kernel\n  hint: modprobe ip_vs_twos\n",
            3
        )
    );
    let (out, rc) = t.get("ha ipvs add service --udp 10.0.0.9:5060 --persistent --pe nosuch");
    assert_eq!(rc, 3, "{out}");
    assert!(out.contains("persistence engine `nosuch`"), "{out}");
    let json: serde_json::Value = serde_json::from_str(
        t.ok("ha ipvs add dest --fwmark 7 --real 10.0.0.5 --json")
            .trim(),
    )
    .unwrap();
    assert_eq!(json["action"], "add");
    assert_eq!(json["dest"], "10.0.0.5:0");

    // The real ipvsadm sees what ha made.
    assert_eq!(
        table(t.ok_nth("ipvsadm -Ln", 0)),
        [
            "TCP  10.0.0.1:80 wrr",
            "  -> 10.0.0.2:80                  Route   2      0          0",
            "  -> 10.0.0.3:8080                Masq    1      0          0",
            "  -> 10.0.0.4:80                  Tunnel  1      0          0",
            "UDP  10.0.0.1:5060 wlc persistent 60 pe sip",
            "UDP  [fd00::1]:53 rr persistent 300 mask 64 ops",
            "  -> [fd00::4]:53                 Tunnel  0      0          0",
            "FWM  7 sh (sh-fallback,sh-port)",
            "  -> 10.0.0.5:0                   Route   1      0          0",
            "FWM  7 IPv6 mh",
        ],
        "{}",
        t.ok_nth("ipvsadm -Ln", 0)
    );
    // ha's table, sorted as ipvsadm sorts.
    let list = t.ok_nth("ha ipvs list", 1);
    let rows: Vec<&str> = list.lines().collect();
    for (row, starts) in [
        (3, "│ TCP 10.0.0.1:80   ┆ wrr "),
        (4, "│                   ┆      "),
        (6, "│ UDP 10.0.0.1:5060 ┆ wlc persistent 60 pe sip "),
        (7, "│ UDP [fd00::1]:53  ┆ rr persistent 300 netmask 64 ops "),
        (
            8,
            "│ FWM 7             ┆ sh sched-flags sh-fallback,sh-port ",
        ),
        (9, "│ FWM 7 IPv6        ┆ mh "),
    ] {
        assert!(rows[row].starts_with(starts), "row {row}: {starts}\n{list}");
    }
    for cells in [
        "┆ 10.0.0.2:80       ┆ dr                     ┆      2 ┆",
        "┆ 10.0.0.3:8080     ┆ nat                    ┆      1 ┆",
        "┆ 10.0.0.4:80       ┆ tun gue port 6080 csum ┆      1 ┆",
        "┆ upper 100, lower 10 │",
    ] {
        assert!(list.contains(cells), "{cells}\n{list}");
    }
    let services: Vec<serde_json::Value> = t
        .ok_nth("ha ipvs list --json", 1)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(services.len(), 5);
    let web = services
        .iter()
        .find(|s| s["service"] == "TCP 10.0.0.1:80")
        .unwrap();
    assert_eq!(web["dests"][0]["dest"], "10.0.0.2:80");
    assert_eq!(web["dests"][2]["tunnel"]["type"], "gue");
    assert_eq!(web["dests"][2]["tunnel"]["port"], 6080);
    assert_eq!(web["dests"][1]["upper_threshold"], 100);

    // Edits change only what is given and say old -> new.
    assert_eq!(
        t.ok("ha ipvs edit service --tcp 10.0.0.1:80 --scheduler rr --persistent 120"),
        "~ service TCP 10.0.0.1:80 scheduler wrr -> rr, persistent off -> 120\n"
    );
    assert_eq!(
        t.ok("ha ipvs edit service --tcp 10.0.0.1:80 --scheduler rr"),
        "TCP 10.0.0.1:80 already has these settings: nothing to do\n"
    );
    assert_eq!(
        t.get("ha ipvs edit service --tcp 10.0.0.77:80 --scheduler rr"),
        (
            "ha: ipvs edit service: no service TCP 10.0.0.77:80\n  hint: `ha ipvs list` shows the services\n",
            3
        )
    );
    assert_eq!(
        t.ok("ha ipvs edit dest --tcp 10.0.0.1:80 --real 10.0.0.2 --weight 0"),
        "~ dest TCP 10.0.0.1:80 -> 10.0.0.2:80 weight 2 -> 0\n"
    );
    let json: serde_json::Value = serde_json::from_str(
        t.ok("ha ipvs edit dest --tcp 10.0.0.1:80 --real 10.0.0.3 --forward dr --json")
            .trim(),
    )
    .unwrap();
    assert_eq!(json["changes"][0]["field"], "forward");
    assert_eq!(json["changes"][0]["from"], "nat");
    assert_eq!(
        t.ok("ha ipvs del dest --tcp 10.0.0.1:80 --real 10.0.0.4"),
        "- dest TCP 10.0.0.1:80 -> 10.0.0.4:80\n"
    );
    assert_eq!(
        t.get("ha ipvs del dest --tcp 10.0.0.1:80 --real 10.0.0.99")
            .1,
        3
    );
    assert_eq!(
        t.ok("ha ipvs del service --udp [fd00::1]:53"),
        "- service UDP [fd00::1]:53\n"
    );
    assert_eq!(
        t.nth("ha ipvs del service --udp [fd00::1]:53", 1),
        ("ha: ipvs del service: no service UDP [fd00::1]:53\n", 3)
    );
    assert_eq!(
        table(t.ok_nth("ipvsadm -Ln", 1)),
        [
            "TCP  10.0.0.1:80 rr persistent 120",
            "  -> 10.0.0.2:80                  Route   0      0          0",
            "  -> 10.0.0.3:8080                Route   1      0          0",
            "UDP  10.0.0.1:5060 wlc persistent 60 pe sip",
            "FWM  7 sh (sh-fallback,sh-port)",
            "  -> 10.0.0.5:0                   Route   1      0          0",
            "FWM  7 IPv6 mh",
        ],
        "{}",
        t.ok_nth("ipvsadm -Ln", 1)
    );

    // Stats.
    let stats = t.ok("ha ipvs stats");
    assert!(stats.contains("Packets in"), "{stats}");
    assert!(stats.contains("│   -> 10.0.0.2:80 "), "{stats}");
    assert!(t.ok("ha ipvs stats --rate").contains("Conn/s"));
    let samples: Vec<serde_json::Value> = t
        .ok("ha ipvs stats --json --watch 0.2 --count 2")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(samples.len(), 8, "{samples:?}");
    assert_eq!(samples[0]["sample"], 1);
    assert_eq!(samples[7]["sample"], 2);
    assert!(samples[0].get("inbytes").is_some());

    // Clear.
    let cleared = t.ok_nth("ha ipvs clear", 0);
    assert_eq!(cleared.lines().count(), 4, "{cleared}");
    assert!(
        cleared.starts_with("- service TCP 10.0.0.1:80\n"),
        "{cleared}"
    );
    assert_eq!(t.ok_nth("ha ipvs list", 1 + 1), "No IPVS services.\n");
    assert_eq!(
        t.ok_nth("ha ipvs clear", 1),
        "no IPVS services: nothing to clear\n"
    );
    assert!(table(t.ok_nth("ipvsadm -Ln", 2)).is_empty());

    // Without privilege: exit 4 and what to do.
    for (cmd, what) in [
        ("su nobody -s /bin/sh -c ha ipvs list", "ipvs list"),
        (
            "su nobody -s /bin/sh -c ha ipvs add service --tcp 10.0.0.1:80",
            "ipvs add service",
        ),
    ] {
        assert_eq!(
            t.get(cmd),
            (
                format!(
                    "ha: {what}: permission denied\n  hint: run as root or with CAP_NET_ADMIN\n"
                )
                .as_str(),
                4
            ),
            "{cmd}"
        );
    }
}

const LB_CONF: &str = r#"
virtual_server_group web {
    10.0.0.10-11 80
    fwmark 9
}
virtual_server group web {
    protocol TCP
    lvs_sched wrr
    lvs_method DR
    real_server 10.0.1.1 80 {
        weight 3
    }
    real_server 10.0.1.2 80 {
        weight 2
        alpha
        inhibit_on_failure
        TCP_CHECK {
            connect_timeout 3
        }
    }
    real_server 10.0.1.3 80 {
        alpha
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
virtual_server 10.0.0.1 80 {
    protocol TCP
    lvs_sched sh
    sh-port
    persistence_timeout 600
    persistence_granularity 255.255.255.0
    lvs_method NAT
    sorry_server 10.0.2.99 8080
    sorry_server_inhibit
    real_server 10.0.2.1 8080 {
        uthreshold 100
        lthreshold 10
    }
    real_server 10.0.2.2 80 {
        lvs_method TUN type gue port 6080 csum
    }
}
virtual_server fd00::1 53 {
    protocol UDP
    lvs_sched rr
    ops
    real_server fd00::2 53 {
        weight 0
    }
}
"#;

#[test]
fn apply_a_keepalived_conf() {
    if let Some(why) = vm::skip_reason() {
        println!("SKIP: {why}");
        return;
    }
    let dir = std::env::temp_dir().join(format!("ha-ipvs-front-vm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("lb.conf");
    std::fs::write(&conf, LB_CONF).unwrap();
    let t = guest(
        r#"
run ha ipvs add service --tcp 10.9.9.9:80
run ha ipvs apply -f /root/lb.conf --dry-run
run ipvsadm -Ln
run ha ipvs apply -f /root/lb.conf
run ipvsadm -Ln
run ha ipvs apply -f /root/lb.conf
run ipvsadm -e -t 10.0.0.1:80 -r 10.0.2.1:8080 -m -w 9
run ipvsadm -d -t 10.0.0.10:80 -r 10.0.1.1:80
run ipvsadm -E -u [fd00::1]:53 -s wlc
run ipvsadm -a -u [fd00::1]:53 -r [fd00::7]:53 -m
run ipvsadm -A -f 77
run ha ipvs apply -f /root/lb.conf --json
run ipvsadm -Ln
run ha ipvs apply -f /root/lb.conf --json
run ha ipvs apply -f /root/lb.conf --dry-run
"#,
        &[(&conf, "/root/lb.conf")],
    );
    let _ = std::fs::remove_dir_all(&dir);

    // The dry run prints the plan and changes nothing.
    let plan = t.ok("ha ipvs apply -f /root/lb.conf --dry-run");
    assert_eq!(
        plan,
        "\
note: real server 10.0.1.2:80 of group web starts down (alpha): weight 0 until a check passes (inhibit_on_failure)
note: real server 10.0.1.3:80 of group web starts down (alpha): left out until a check passes
- service TCP 10.9.9.9:80
+ service TCP 10.0.0.10:80 wrr
+ dest TCP 10.0.0.10:80 -> 10.0.1.1:80 dr weight 3
+ dest TCP 10.0.0.10:80 -> 10.0.1.2:80 dr weight 0
+ service TCP 10.0.0.11:80 wrr
+ dest TCP 10.0.0.11:80 -> 10.0.1.1:80 dr weight 3
+ dest TCP 10.0.0.11:80 -> 10.0.1.2:80 dr weight 0
+ service FWM 9 wrr
+ dest FWM 9 -> 10.0.1.1:0 dr weight 3
+ dest FWM 9 -> 10.0.1.2:0 dr weight 0
+ service TCP 10.0.0.1:80 sh persistent 600 netmask 255.255.255.0 sched-flags sh-port
+ dest TCP 10.0.0.1:80 -> 10.0.2.1:8080 nat weight 1 upper 100 lower 10
+ dest TCP 10.0.0.1:80 -> 10.0.2.2:80 tun gue port 6080 csum weight 1
+ dest TCP 10.0.0.1:80 -> 10.0.2.99:8080 nat weight 0
+ service UDP [fd00::1]:53 rr ops
+ dest UDP [fd00::1]:53 -> [fd00::2]:53 nat weight 0
16 change(s) not made (--dry-run)
"
    );
    assert_eq!(
        table(t.ok_nth("ipvsadm -Ln", 0)),
        ["TCP  10.9.9.9:80 wlc"],
        "the dry run changed the kernel"
    );

    // Applied: what ipvsadm sees (the kernel's hash order, so compare as sets of lines).
    let installed = t.ok_nth("ha ipvs apply -f /root/lb.conf", 0);
    assert!(installed.ends_with("16 change(s) made\n"), "{installed}");
    let want = [
        "TCP  10.0.0.1:80 sh (sh-port) persistent 600 mask 255.255.255.0",
        "  -> 10.0.2.1:8080                Masq    1      0          0",
        "  -> 10.0.2.2:80                  Tunnel  1      0          0",
        "  -> 10.0.2.99:8080               Masq    0      0          0",
        "TCP  10.0.0.10:80 wrr",
        "  -> 10.0.1.1:80                  Route   3      0          0",
        "  -> 10.0.1.2:80                  Route   0      0          0",
        "TCP  10.0.0.11:80 wrr",
        "  -> 10.0.1.1:80                  Route   3      0          0",
        "  -> 10.0.1.2:80                  Route   0      0          0",
        "UDP  [fd00::1]:53 rr ops",
        "  -> [fd00::2]:53                 Masq    0      0          0",
        "FWM  9 wrr",
        "  -> 10.0.1.1:0                   Route   3      0          0",
        "  -> 10.0.1.2:0                   Route   0      0          0",
    ];
    let mut got = table(t.ok_nth("ipvsadm -Ln", 1));
    let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{}", t.ok_nth("ipvsadm -Ln", 1));

    // A second apply finds nothing to do.
    assert_eq!(
        t.ok_nth("ha ipvs apply -f /root/lb.conf", 1)
            .lines()
            .filter(|l| !l.starts_with("note: "))
            .collect::<Vec<_>>(),
        ["IPVS already matches /root/lb.conf: nothing to do"]
    );

    // Manual changes are undone, and only they.
    for cmd in [
        "ipvsadm -e -t 10.0.0.1:80 -r 10.0.2.1:8080 -m -w 9",
        "ipvsadm -d -t 10.0.0.10:80 -r 10.0.1.1:80",
        "ipvsadm -E -u [fd00::1]:53 -s wlc",
        "ipvsadm -a -u [fd00::1]:53 -r [fd00::7]:53 -m",
        "ipvsadm -A -f 77",
    ] {
        t.ok(cmd);
    }
    let events: Vec<serde_json::Value> = t
        .ok_nth("ha ipvs apply -f /root/lb.conf --json", 0)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let lines: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "op")
        .map(|e| e["line"].as_str().unwrap())
        .collect();
    let done = events.last().unwrap();
    assert_eq!(done["event"], "done");
    assert_eq!(done["applied"], true);
    assert_eq!(done["ops"], 5, "{lines:?}");
    assert_eq!(
        lines,
        [
            "- service FWM 77",
            "+ dest TCP 10.0.0.10:80 -> 10.0.1.1:80 dr weight 3",
            // ipvsadm -e sends every setting: without -x/-y the thresholds went to 0.
            "~ dest TCP 10.0.0.1:80 -> 10.0.2.1:8080 weight 9 -> 1, upper 0 -> 100, lower 0 -> 10",
            // ... and without -o, -E turned ops off.
            "~ service UDP [fd00::1]:53 scheduler wlc -> rr, ops off -> on",
            "- dest UDP [fd00::1]:53 -> [fd00::7]:53",
        ]
    );
    let mut got = table(t.ok_nth("ipvsadm -Ln", 2));
    got.sort();
    assert_eq!(got, want, "not restored:\n{}", t.ok_nth("ipvsadm -Ln", 2));
    let again: Vec<serde_json::Value> = t
        .ok_nth("ha ipvs apply -f /root/lb.conf --json", 1)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let done = again.last().unwrap();
    assert_eq!(
        (done["ops"].as_u64(), done["applied"].as_bool()),
        (Some(0), Some(false))
    );
    assert!(t
        .ok_nth("ha ipvs apply -f /root/lb.conf --dry-run", 1)
        .ends_with("IPVS already matches /root/lb.conf: nothing to do\n"));
}

/// `ha ipvs save` and `ha ipvs restore` against the real ipvsadm both ways: ha saves and
/// ipvsadm restores, ipvsadm saves and ha restores; a bad line changes nothing.
#[test]
fn save_and_restore_round_trips_with_ipvsadm() {
    if let Some(why) = vm::skip_reason() {
        println!("SKIP: {why}");
        return;
    }
    let t = guest(
        r#"
ipvsadm -A -t 10.0.0.1:80 -s wrr -p 300 -M 255.255.255.0
ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 2
ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.3:8080 -m -w 1 -x 100 -y 10
ipvsadm -A -u [fd00::1]:53 -s rr
ipvsadm -a -u [fd00::1]:53 -r [fd00::4]:53 -i -w 0
ipvsadm -A -f 7 -s sh -b sh-port,sh-fallback
ipvsadm -a -f 7 -r 10.0.0.5:0 -g
ipvsadm -A --sctp-service 10.0.0.1:36412 -s mh -b mh-port
run ipvsadm -Sn
run ha ipvs save -o /tmp/ha.rules
run cat /tmp/ha.rules
ipvsadm -C
run ipvsadm -R < /tmp/ha.rules
run ipvsadm -Sn
ipvsadm -Sn > /tmp/ipvsadm.rules
ipvsadm -C
run ha ipvs restore /tmp/ipvsadm.rules
run ipvsadm -Sn
run ha ipvs restore --clear --json /tmp/ipvsadm.rules
run ipvsadm -Sn
printf '%s\n' '-A -t 10.9.9.9:80 -s rr' '-a -t 10.9.9.9:80 -r 10.9.9.10 -w 70000x' '-Ln' > /tmp/bad.rules
run ha ipvs restore /tmp/bad.rules
run ipvsadm -Sn
run ha ipvs restore --dry-run /tmp/ipvsadm.rules
ipvsadm -S | ha ipvs restore --clear
run ipvsadm -Sn
"#,
        &[],
    );
    let original = t.ok_nth("ipvsadm -Sn", 0);
    assert!(
        original.contains("-A -f 7 -s sh -b sh-fallback,sh-port"),
        "{original}"
    );
    assert_eq!(t.ok("ha ipvs save -o /tmp/ha.rules"), "");
    assert_eq!(t.ok("cat /tmp/ha.rules"), original, "ha save = ipvsadm -Sn");
    assert_eq!(t.ok("ipvsadm -R"), "");
    assert_eq!(
        t.ok_nth("ipvsadm -Sn", 1),
        original,
        "ipvsadm restored ha's save"
    );
    let restored = t.ok("ha ipvs restore /tmp/ipvsadm.rules");
    assert!(
        restored.contains("rule(s) from /tmp/ipvsadm.rules applied"),
        "{restored}"
    );
    assert_eq!(
        t.ok_nth("ipvsadm -Sn", 2),
        original,
        "ha restored ipvsadm's save"
    );
    let json = t.ok("ha ipvs restore --clear --json /tmp/ipvsadm.rules");
    assert!(json.lines().all(|l| l.starts_with('{')), "{json}");
    assert!(
        json.contains(r#""event":"done""#) && json.contains(r#""applied":true"#),
        "{json}"
    );
    assert_eq!(t.ok_nth("ipvsadm -Sn", 3), original, "--clear then restore");
    let (bad, rc) = t.get("ha ipvs restore /tmp/bad.rules");
    assert_eq!(rc, 1, "{bad}");
    assert!(bad.contains("/tmp/bad.rules:2: "), "{bad}");
    assert!(bad.contains("/tmp/bad.rules:3: "), "{bad}");
    assert!(bad.contains("nothing was changed"), "{bad}");
    assert_eq!(
        t.ok_nth("ipvsadm -Sn", 4),
        original,
        "a bad file changes nothing"
    );
    let dry = t.ok("ha ipvs restore --dry-run /tmp/ipvsadm.rules");
    assert!(dry.lines().any(|l| l.starts_with("+ service")), "{dry}");
    assert_eq!(
        t.ok_nth("ipvsadm -Sn", 5),
        original,
        "names resolve back to the same table"
    );
}
