//! Tracking, sync groups and notifications end to end (issue 5): real `ha run` daemons in
//! the namespace lab (tests/lab/mod.rs), driven by what they track — a process that dies
//! and returns, a link set down, a file's value, a check script that hangs — and watched
//! through who holds the VIPs, the notify scripts' records, a mail server and the logs.
//!
//! Short intervals throughout: VRRPv3 at 100 ms adverts (a takeover is well under 1 s) and
//! vrrp_script `interval 1` (keepalived's smallest). Bounds are correctness bounds: what the
//! tracker needs (fall or rise runs of the script, one look at a file) plus the protocol's
//! time plus `MARGIN`; measured times are printed (`-- --nocapture`).
//!
//! Where the expected behaviour is keepalived's and not obvious (the notify sequence, what
//! happens to a refused script's instance), the same scenario also runs with keepalived
//! 2.2.7 (`keepalived_*` tests; SKIP without /usr/sbin/keepalived), which proves it.
//!
//! Needs root (SKIP lines otherwise). Every process a test starts besides the daemons (the
//! stand-in nginx, a hung check's sleep) is killed when its guard drops, also while a
//! failed test unwinds.

mod common;
mod lab;

use std::fs;
use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{smtp_server, SmtpScript};
use lab::{in_ns, master_down, ms, skew, wait_until, Conf, Daemon, Instance, Lab, MARGIN};
use nix::libc;

/// Advert interval of every instance here (VRRPv3 centiseconds).
const ADVERT: Duration = Duration::from_millis(100);
/// vrrp_script `interval` (keepalived takes whole seconds).
const INTERVAL: Duration = Duration::from_secs(1);

// ---------------------------------------------------------------------------------------
// Helpers

/// An executable file (mode 0755) in the lab's scratch directory.
fn exe(lab: &Lab, name: &str, body: &str) -> PathBuf {
    let path = lab.dir().join(name);
    fs::write(&path, body).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
    path
}

/// The configuration text with top-level blocks (vrrp_script, track_file,
/// vrrp_sync_group) right after global_defs, where an operator writes them.
fn with_blocks(conf: &Conf, blocks: &str) -> String {
    let text = conf.to_string();
    let end = text.find("\n}\n").expect("global_defs ends") + 3;
    format!("{}{blocks}{}", &text[..end], &text[end..])
}

/// VI_1 of director `node`: 100 ms adverts, the segment's first VIP.
fn vi1(lab: &Lab, node: usize, priority: u8) -> Instance {
    lab.instance(node, priority)
        .advert_int(ADVERT)
        .vip(lab.vip4(0))
}

/// The time of day of the first log line containing `what` ("2026-11-22 04:42:59.661 ...").
fn logged_at(log: &str, what: &str) -> Duration {
    let line = log
        .lines()
        .find(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no log line with {what:?}:\n{log}"));
    let clock = line.split_whitespace().nth(1).unwrap_or_default();
    let parts: Vec<f64> = clock.split(':').filter_map(|p| p.parse().ok()).collect();
    let [h, m, s] = parts[..] else {
        panic!("no time of day in {line:?}");
    };
    Duration::from_secs_f64(h * 3600.0 + m * 60.0 + s)
}

fn down(priority: u8) -> Duration {
    master_down(3, priority, ADVERT)
}

/// Waits until exactly `who` hold `vip`; prints and returns the time it took.
fn wait_holders(
    lab: &Lab,
    test: &str,
    vip: IpAddr,
    who: &[usize],
    bound: Duration,
    what: &str,
) -> Duration {
    let took = lab.wait(bound, what, || lab.holders(vip) == who);
    println!("{test}: {what}: {} (bound {})", ms(took), ms(bound));
    took
}

/// Asserts that the holders of `vip` stay `who` for `window`.
fn stays(lab: &Lab, test: &str, vip: IpAddr, who: &[usize], window: Duration, what: &str) {
    let moved = wait_until(window, || {
        lab.assert_running();
        lab.holders(vip) != who
    });
    assert!(
        moved.is_none(),
        "{test}: {what}: the VIP moved to {:?}",
        lab.holders(vip)
    );
}

/// Runs `ip` inside director `node`'s namespace.
fn ip(lab: &Lab, node: usize, args: &str) {
    let mut argv = vec!["-n", lab.ns(node)];
    argv.extend(args.split_whitespace());
    let out = Command::new("ip").args(&argv).output().expect("run ip");
    assert!(out.status.success(), "ip {argv:?}: {out:?}");
}

/// A veth pair `trk0` / `trk1` in director `node`'s namespace, both up: `trk0` is what
/// the instance tracks, a link that nothing else uses, set down and up by the test.
fn tracked_link(lab: &Lab, node: usize) {
    ip(lab, node, "link add trk0 type veth peer name trk1");
    ip(lab, node, "link set trk1 up");
    ip(lab, node, "link set trk0 up");
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// A program found in PATH.
fn in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}

/// Pids of processes whose argv[0] is `program` (zombies included: they are gone once
/// their parent, the daemon's runner, reaps them, which it does at once).
fn pids_running(program: &Path) -> Vec<i32> {
    let want = program.as_os_str().as_encoded_bytes();
    let mut out = Vec::new();
    for e in fs::read_dir("/proc").expect("read /proc").flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmdline) = fs::read(e.path().join("cmdline")) else {
            continue;
        };
        if cmdline.split(|b| *b == 0).next() == Some(want) {
            out.push(pid);
        }
    }
    out
}

/// Kills, when dropped, every process still running `program` (a hung check's child,
/// which is in the script's process group, not the daemon's that the lab kills).
struct Reaper(PathBuf);

impl Drop for Reaper {
    fn drop(&mut self) {
        for pid in pids_running(&self.0) {
            // SAFETY: kill(2) on a process running our own scratch copy of sleep(1).
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

/// A stand-in for nginx: a copy of sleep(1) under a name unique to the test run, so that
/// `killall -0 NAME` finds exactly it. Killed and reaped when dropped.
struct FakeDaemon {
    child: Option<Child>,
    program: PathBuf,
}

impl FakeDaemon {
    fn new(lab: &Lab, name: &str) -> FakeDaemon {
        assert!(
            name.len() <= 15,
            "{name}: a process name has 15 bytes at most"
        );
        let program = lab.dir().join(name);
        let sleep = in_path("sleep").expect("sleep(1) in PATH");
        fs::copy(&sleep, &program).expect("copy sleep(1)");
        let mut d = FakeDaemon {
            child: None,
            program,
        };
        d.start();
        d
    }

    fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let mut cmd = Command::new(&self.program);
        cmd.arg("600").stdin(Stdio::null()).stdout(Stdio::null());
        // SAFETY: prctl(2) only, async-signal-safe, between fork and exec: it dies with
        // the test even when no Drop runs.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        // ETXTBSY: a child another test thread forked while the copy was open for writing
        // holds that descriptor until it execs; a moment later it is gone.
        let mut tries = 0;
        let child = loop {
            match cmd.spawn() {
                Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 50 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(10));
                }
                r => break r.expect("start the stand-in daemon"),
            }
        };
        self.child = Some(child);
    }

    /// Dies as nginx would when it crashes (SIGKILL), reaped before this returns.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for FakeDaemon {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The seed's check, `killall -0 NAME`, when killall is installed; else the same test
/// with pgrep(1) (exit 0 when a process of that exact name exists).
fn alive_check(name: &str) -> Option<String> {
    if in_path("killall").is_some() {
        Some(format!("killall -0 {name}"))
    } else {
        in_path("pgrep").map(|_| format!("pgrep -x {name}"))
    }
}

/// A name for a stand-in process: unique to this test process, this test and director.
fn proc_name(test_id: char, node: usize) -> String {
    format!("nx{:x}{test_id}d{node}", std::process::id())
}

// ---------------------------------------------------------------------------------------
// 1. Seed 004: `killall -0 nginx` with weight -40 (tests/data/seeds/004-nginx0[12]-*.conf)

/// The seed's script block (004-nginx01-killall.conf), only the command changed.
fn seed_script(check: &str) -> String {
    format!(
        "vrrp_script check_nginx_service {{\n    script \"{check}\"\n    interval 1\n    \
         rise 2\n    fall 2\n    weight -40\n}}\n"
    )
}

/// The seed 004 pair: nginx01 priority 100, nginx02 priority 80, VRID 55, each tracking
/// its own nginx with the seed's script. `nopreempt`: the seed's experiment, nginx01
/// `state BACKUP` + `nopreempt` (keepalived clears nopreempt under `state MASTER`).
/// Adapted to the lab: its interface and VIP, VRRPv3 at 100 ms instead of the seed's
/// VRRPv2 `advert_int 1` with `auth_pass 1234` (the same elections, ten times faster), and
/// a stand-in process per director (all directors share one process table).
fn seed_004(test: &str, test_id: char, nopreempt: bool) {
    if alive_check("nginx").is_none() {
        println!("SKIP: {test}: neither killall nor pgrep is installed");
        return;
    }
    let Some(lab) = Lab::new(test, 2, &[Daemon::Ha]) else {
        return;
    };
    let prio = [100u8, 80];
    let mut nginx: Vec<FakeDaemon> = (1..=2)
        .map(|n| FakeDaemon::new(&lab, &proc_name(test_id, n)))
        .collect();
    let vip = lab.vip4(0);
    let cap = lab.capture();
    // nginx01 first, so that it is the master when nginx02 comes (with nopreempt it would
    // never take the VIP from nginx02, whose master-down timer is only 8 ms longer).
    for node in 1..=2 {
        let check = alive_check(&proc_name(test_id, node)).expect("checked above");
        let state = if node == 1 && !nopreempt {
            "MASTER"
        } else {
            "BACKUP"
        };
        let mut i = vi1(&lab, node, prio[node - 1])
            .vrid(55)
            .state(state)
            .line("track_script {\n        check_nginx_service\n    }");
        if node == 1 && nopreempt {
            i = i.nopreempt();
        }
        let conf = lab.conf(node).instance(i);
        lab.spawn_ha(node, with_blocks(&conf, &seed_script(&check)));
        if node == 1 {
            let bound = down(100) + MARGIN;
            wait_holders(&lab, test, vip, &[1], bound, "nginx01 holds the VIP");
        }
    }
    // Both nginx run: the scripts' results (the first ones included) move nothing.
    stays(&lab, test, vip, &[1], INTERVAL * 3, "both nginx alive");

    // nginx01's nginx dies: after `fall 2` failed runs its priority is 60 < 80.
    nginx[0].kill();
    let fall = INTERVAL * 3;
    let bound = fall + down(80) + MARGIN;
    wait_holders(
        &lab,
        test,
        vip,
        &[2],
        bound,
        "nginx dies on nginx01, VIP to nginx02",
    );
    let lowered = cap
        .adverts()
        .iter()
        .any(|a| a.src == IpAddr::from(lab.addr4(1)) && a.priority == 60 && a.vrid == 55);
    assert!(lowered, "{test}: nginx01 never advertised 100 - 40 = 60");
    let log = lab.log(1);
    assert!(
        log.contains("priority 100 -> 60") && log.contains("weight -40"),
        "{test}: the log does not give the reason for 60: {log}"
    );

    // nginx returns: after `rise 2` good runs nginx01 is back at 100.
    nginx[0].start();
    let rise = INTERVAL * 3;
    if nopreempt {
        // The seed's complaint: nopreempt leaves the VIP on nginx02 (still at 80), for
        // three times what a preemption would take once nginx01 is back at 100.
        let back = lab.wait(rise + MARGIN, "nginx01 back at 100", || {
            lab.log(1).contains("priority 60 -> 100")
        });
        assert_eq!(lab.holders(vip), [2], "{test}: nopreempt nginx01 preempted");
        println!("{test}: nginx01 back at 100 after {}", ms(back));
        let window = down(100) * 3;
        stays(
            &lab,
            test,
            vip,
            &[2],
            window,
            "nopreempt: nginx back on nginx01",
        );
        // Even nginx02's nginx dying (80 - 40 = 40 < 100) leaves it there: a nopreempt
        // BACKUP never takes over from a live MASTER (the seed, 004:717-741).
        nginx[1].kill();
        lab.wait(fall + MARGIN, "nginx02 down at 40", || {
            lab.log(2).contains("priority 80 -> 40")
        });
        stays(
            &lab,
            test,
            vip,
            &[2],
            window,
            "nopreempt: nginx dies on nginx02",
        );
        // The author's way out: stop keepalived on nginx02 (a graceful stop, priority 0).
        let status = lab.stop(2);
        assert!(status.success(), "{test}: nginx02 exit status {status}");
        let bound = skew(3, 100, ADVERT) + MARGIN;
        wait_holders(
            &lab,
            test,
            vip,
            &[1],
            bound,
            "nginx02 stopped, VIP to nginx01",
        );
    } else {
        let bound = rise + down(100) + MARGIN;
        wait_holders(
            &lab,
            test,
            vip,
            &[1],
            bound,
            "nginx back on nginx01, VIP back",
        );
    }
}

#[test]
fn seed_004_killall_weight_moves_the_vip_and_back() {
    seed_004("seed_004_killall_weight_moves_the_vip_and_back", 'a', false);
}

#[test]
fn seed_004_nopreempt_keeps_the_vip_on_the_backup() {
    seed_004("seed_004_nopreempt_keeps_the_vip_on_the_backup", 'b', true);
}

// ---------------------------------------------------------------------------------------
// 2. track_interface

#[test]
fn track_interface_link_down_is_fault_and_up_comes_back() {
    let test = "track_interface_link_down_is_fault_and_up_comes_back";
    let Some(lab) = Lab::new(test, 2, &[Daemon::Ha]) else {
        return;
    };
    tracked_link(&lab, 1);
    let vip = lab.vip4(0);
    let i1 = vi1(&lab, 1, 100).line("track_interface {\n        trk0\n    }");
    lab.spawn_ha(1, lab.conf(1).instance(i1));
    lab.spawn_ha(2, lab.conf(2).instance(vi1(&lab, 2, 90)));
    wait_holders(&lab, test, vip, &[1], down(90) + MARGIN, "election");

    // A MASTER going to FAULT sends priority 0: the backup takes over after its skew.
    ip(&lab, 1, "link set trk0 down");
    let bound = skew(3, 90, ADVERT) + MARGIN;
    wait_holders(&lab, test, vip, &[2], bound, "trk0 down, VIP to director 2");
    lab.wait(MARGIN, "director 1 logs FAULT", || {
        lab.log(1).contains("-> FAULT")
    });
    assert!(
        lab.log(1).contains("trk0 is down"),
        "{test}: the FAULT names the link: {}",
        lab.log(1)
    );

    ip(&lab, 1, "link set trk0 up");
    let bound = down(100) + MARGIN;
    wait_holders(&lab, test, vip, &[1], bound, "trk0 up, VIP back");
}

// ---------------------------------------------------------------------------------------
// 3. track_file

#[test]
fn track_file_value_moves_the_vip_and_a_missing_file_is_zero() {
    let test = "track_file_value_moves_the_vip_and_a_missing_file_is_zero";
    let Some(lab) = Lab::new(test, 2, &[Daemon::Ha]) else {
        return;
    };
    let file = lab.dir().join("weight");
    let vip = lab.vip4(0);
    // Value x weight: 10 x -2 = -20 puts 100 below 90.
    let blocks = format!("track_file tf {{\n    file {}\n}}\n", file.display());
    let i1 = vi1(&lab, 1, 100).line("track_file {\n        tf weight -2\n    }");
    lab.spawn_ha(1, with_blocks(&lab.conf(1).instance(i1), &blocks));
    lab.spawn_ha(2, lab.conf(2).instance(vi1(&lab, 2, 90)));
    // No file yet: it reads 0, priority 100.
    wait_holders(
        &lab,
        test,
        vip,
        &[1],
        down(90) + MARGIN,
        "missing file: election",
    );

    // The daemon looks at the file every second.
    let look = Duration::from_secs(1);
    fs::write(&file, "10\n").expect("write the track file");
    let bound = look + down(90) + MARGIN;
    wait_holders(
        &lab,
        test,
        vip,
        &[2],
        bound,
        "file 10 x -2, VIP to director 2",
    );
    assert!(
        lab.log(1).contains("priority 100 -> 80"),
        "{test}: {}",
        lab.log(1)
    );

    fs::write(&file, "4\n").expect("write the track file");
    let bound = look + down(100) + MARGIN;
    wait_holders(&lab, test, vip, &[1], bound, "file 4 x -2 = 92, VIP back");

    fs::write(&file, "30\n").expect("write the track file");
    let bound = look + down(90) + MARGIN;
    wait_holders(
        &lab,
        test,
        vip,
        &[2],
        bound,
        "file 30 x -2, VIP to director 2",
    );

    fs::remove_file(&file).expect("remove the track file");
    let bound = look + down(100) + MARGIN;
    wait_holders(
        &lab,
        test,
        vip,
        &[1],
        bound,
        "file removed reads 0, VIP back",
    );
    assert!(
        lab.log(1).contains("priority 40 -> 100"),
        "{test}: {}",
        lab.log(1)
    );
}

// ---------------------------------------------------------------------------------------
// 4. vrrp_sync_group

#[test]
fn sync_group_members_fail_over_together() {
    let test = "sync_group_members_fail_over_together";
    let Some(lab) = Lab::new(test, 2, &[Daemon::Ha]) else {
        return;
    };
    let test_bin = in_path("test").expect("test(1) in PATH");
    let fail = lab.dir().join("fail-vi1");
    let (vip1, vip2) = (lab.vip4(0), lab.vip4(1));
    for node in 1..=2 {
        let prio = if node == 1 { 100 } else { 90 };
        let i1 = vi1(&lab, node, prio);
        let i2 = Instance::new("VI_2", lab.iface(node), 52, prio)
            .advert_int(ADVERT)
            .vip(vip2);
        // Only director 1's VI_1 tracks anything: weight 0, so its failure is FAULT.
        let (i1, blocks) = if node == 1 {
            (
                i1.line("track_script {\n        chk_vi1\n    }"),
                format!(
                    "vrrp_script chk_vi1 {{\n    script \"{} ! -e {}\"\n    interval 1\n    \
                     weight 0\n}}\n",
                    test_bin.display(),
                    fail.display()
                ),
            )
        } else {
            (i1, String::new())
        };
        let group = "vrrp_sync_group G1 {\n    group {\n        VI_1\n        VI_2\n    }\n}\n";
        let conf = lab.conf(node).instance(i1).instance(i2);
        lab.spawn_ha(node, with_blocks(&conf, &format!("{blocks}{group}")));
    }
    let bound = down(90) + INTERVAL + MARGIN;
    wait_holders(&lab, test, vip1, &[1], bound, "VI_1 election");
    wait_holders(&lab, test, vip2, &[1], bound, "VI_2 election");
    // The group moves when its members' master-down timers run out, not one interval
    // later (the daemon once left the group's move for its next wake-up).
    let log = lab.log(1);
    let took = logged_at(&log, "VI_1: BACKUP -> MASTER") - logged_at(&log, "VI_1: INIT -> BACKUP");
    assert!(
        took < down(100) + down(100) / 2,
        "{test}: the group went MASTER {} after the start, its master-down interval is {}:\n{log}",
        ms(took),
        ms(down(100))
    );

    fs::write(&fail, "").expect("make the check fail");
    // One failed run (fall 1), then priority 0 from both members: skew time.
    let bound = INTERVAL * 2 + skew(3, 90, ADVERT) + MARGIN;
    let start = Instant::now();
    let took = lab.wait(bound, "both VIPs to director 2", || {
        lab.holders(vip1) == [2] && lab.holders(vip2) == [2]
    });
    println!("{test}: VI_1's check fails, both VIPs move: {}", ms(took));
    let log = lab.log(1);
    assert!(
        log.contains("group G1") && log.contains("VI_2: MASTER -> FAULT"),
        "{test}: VI_2 did not follow VI_1 into FAULT: {log}"
    );

    fs::remove_file(&fail).expect("make the check pass");
    let bound = INTERVAL * 2 + down(100) + MARGIN;
    let took = lab.wait(bound, "both VIPs back to director 1", || {
        lab.holders(vip1) == [1] && lab.holders(vip2) == [1]
    });
    println!(
        "{test}: VI_1's check passes, both VIPs back: {} ({} since the failure)",
        ms(took),
        ms(start.elapsed())
    );
}

// ---------------------------------------------------------------------------------------
// 5. notify scripts

/// Director `node`'s recording notify script, and the instance lines that use it for every
/// state and the generic `notify`.
fn recorder(lab: &Lab, node: usize) -> (PathBuf, Vec<String>) {
    let record = lab.dir().join(format!("d{node}-notify.log"));
    let script = exe(
        lab,
        &format!("d{node}-notify.sh"),
        &format!("#!/bin/sh\necho \"$0 $@\" >> {}\n", record.display()),
    );
    let s = script.display();
    let lines = vec![
        format!("notify_master \"{s} master\""),
        format!("notify_backup \"{s} backup\""),
        format!("notify_fault \"{s} fault\""),
        format!("notify_stop \"{s} stop\""),
        format!("notify {s}"),
    ];
    (record, lines)
}

/// What keepalived runs for a transition: the state's script, then the generic `notify`
/// with INSTANCE NAME STATE PRIORITY.
fn expect_transition(out: &mut Vec<String>, script: &str, state: &str, prio: u8) {
    out.push(format!("{script} {}", state.to_lowercase()));
    out.push(format!("{script} INSTANCE VI_1 {state} {prio}"));
}

fn notify_sequence(test: &str, daemons: [Daemon; 2]) {
    let Some(lab) = Lab::new(test, 2, &daemons) else {
        return;
    };
    tracked_link(&lab, 1);
    let vip = lab.vip4(0);
    let mut recs = Vec::new();
    let mut confs = Vec::new();
    for node in 1..=2 {
        let (record, lines) = recorder(&lab, node);
        let prio = if node == 1 { 100 } else { 90 };
        let mut i = vi1(&lab, node, prio);
        if node == 1 {
            i = i.line("track_interface {\n        trk0\n    }");
        }
        for l in lines {
            i = i.line(l);
        }
        recs.push(record);
        confs.push(lab.conf(node).instance(i));
    }
    let dir = format!("{}/", lab.dir().display());
    let read = |node: usize| -> Vec<String> {
        lines(&recs[node - 1])
            .into_iter()
            .map(|l| l.replace(&dir, ""))
            .collect()
    };
    let (s1, s2) = ("d1-notify.sh", "d2-notify.sh");
    let (mut want1, mut want2) = (Vec::new(), Vec::new());
    // keepalived forks a transition's two scripts at once: they may finish (and record)
    // in either order, so its records are compared pair by pair, sorted.
    let exact = daemons == [Daemon::Ha, Daemon::Ha];
    let same = |got: Vec<String>, want: &[String]| {
        if exact {
            return got == want;
        }
        let pairs = |v: &[String]| -> Vec<Vec<String>> {
            v.chunks(2)
                .map(|c| {
                    let mut c = c.to_vec();
                    c.sort();
                    c
                })
                .collect()
        };
        pairs(&got) == pairs(want)
    };
    let check = |what: &str, want1: &[String], want2: &[String]| {
        let bound = Duration::from_secs(3);
        let ok = wait_until(bound, || same(read(1), want1) && same(read(2), want2));
        assert!(
            ok.is_some(),
            "{test}: {what}: notify records\n director 1: {:#?}\n want: {want1:#?}\n \
             director 2: {:#?}\n want: {want2:#?}",
            read(1),
            read(2)
        );
    };

    // Start: director 1 alone, BACKUP then MASTER.
    lab.spawn(1, daemons[0], &confs[0]);
    wait_holders(
        &lab,
        test,
        vip,
        &[1],
        down(100) + MARGIN,
        "director 1 alone",
    );
    expect_transition(&mut want1, s1, "BACKUP", 100);
    expect_transition(&mut want1, s1, "MASTER", 100);
    check("start", &want1, &want2);
    // Director 2 joins as BACKUP.
    lab.spawn(2, daemons[1], &confs[1]);
    expect_transition(&mut want2, s2, "BACKUP", 90);
    check("second director", &want1, &want2);

    // Fault on director 1, takeover by director 2.
    ip(&lab, 1, "link set trk0 down");
    wait_holders(&lab, test, vip, &[2], skew(3, 90, ADVERT) + MARGIN, "fault");
    expect_transition(&mut want1, s1, "FAULT", 100);
    expect_transition(&mut want2, s2, "MASTER", 90);
    check("fault", &want1, &want2);

    // Back up: director 1 BACKUP, then it preempts.
    ip(&lab, 1, "link set trk0 up");
    wait_holders(&lab, test, vip, &[1], down(100) + MARGIN, "recovery");
    expect_transition(&mut want1, s1, "BACKUP", 100);
    expect_transition(&mut want1, s1, "MASTER", 100);
    expect_transition(&mut want2, s2, "BACKUP", 90);
    check("recovery", &want1, &want2);

    // Graceful stop of the master, then of the other.
    let status = lab.stop(1);
    assert!(status.success(), "{test}: director 1 exit status {status}");
    wait_holders(&lab, test, vip, &[2], skew(3, 90, ADVERT) + MARGIN, "stop");
    expect_transition(&mut want1, s1, "STOP", 100);
    expect_transition(&mut want2, s2, "MASTER", 90);
    check("graceful stop of director 1", &want1, &want2);
    let status = lab.stop(2);
    assert!(status.success(), "{test}: director 2 exit status {status}");
    expect_transition(&mut want2, s2, "STOP", 90);
    check("graceful stop of director 2", &want1, &want2);
}

#[test]
fn notify_scripts_get_keepalived_arguments_in_order() {
    notify_sequence(
        "notify_scripts_get_keepalived_arguments_in_order",
        [Daemon::Ha, Daemon::Ha],
    );
}

/// The same with keepalived: proves the expected sequence (pairs compared unordered).
#[test]
fn keepalived_notify_scripts_get_the_same_arguments() {
    notify_sequence(
        "keepalived_notify_scripts_get_the_same_arguments",
        [Daemon::Keepalived, Daemon::Keepalived],
    );
}

// ---------------------------------------------------------------------------------------
// 6. A hung check script is killed at its timeout

#[test]
fn a_hung_check_script_is_killed_at_its_timeout_and_fails() {
    let test = "a_hung_check_script_is_killed_at_its_timeout_and_fails";
    // Declared before the lab, so dropped after it: once the daemons are dead, no new
    // run can start a sleep behind the reaper's back.
    let _reaper: Reaper;
    let Some(lab) = Lab::new(test, 2, &[Daemon::Ha]) else {
        return;
    };
    let vip = lab.vip4(0);
    // sleep(1) under a name of its own, so its processes are ours alone to count.
    let sleeper = lab.dir().join("hang-sleep");
    fs::copy(in_path("sleep").expect("sleep(1) in PATH"), &sleeper).expect("copy sleep(1)");
    _reaper = Reaper(sleeper.clone());
    let hang = lab.dir().join("hang");
    // The shell waits for its child: both are in the script's process group.
    let check = exe(
        &lab,
        "check.sh",
        &format!(
            "#!/bin/sh\n[ -e {} ] && {} 30\nexit 0\n",
            hang.display(),
            sleeper.display()
        ),
    );
    let timeout = Duration::from_secs(1);
    let blocks = format!(
        "vrrp_script chk_hang {{\n    script \"{}\"\n    interval 1\n    timeout 1\n    \
         weight -20\n}}\n",
        check.display()
    );
    let i1 = vi1(&lab, 1, 100).line("track_script {\n        chk_hang\n    }");
    lab.spawn_ha(1, with_blocks(&lab.conf(1).instance(i1), &blocks));
    lab.spawn_ha(2, lab.conf(2).instance(vi1(&lab, 2, 90)));
    wait_holders(&lab, test, vip, &[1], down(90) + MARGIN, "election");

    // The script hangs from its next run: killed at 1 s, a failure, priority 80 < 90.
    fs::write(&hang, "").expect("make the check hang");
    let bound = INTERVAL + timeout + down(90) + MARGIN;
    wait_holders(
        &lab,
        test,
        vip,
        &[2],
        bound,
        "hung check, VIP to director 2",
    );
    assert!(
        lab.log(1).contains("priority 100 -> 80"),
        "{test}: {}",
        lab.log(1)
    );
    // No hung sleep outlives its run's timeout (plus the SIGTERM grace, unused here: sleep
    // dies of SIGTERM): each one seen is gone within 1 s + 2 s grace + MARGIN.
    let watch_until = Instant::now() + Duration::from_secs(3);
    let mut seen: Vec<(i32, Instant)> = Vec::new();
    while Instant::now() < watch_until {
        let now = Instant::now();
        let running = pids_running(&sleeper);
        for &pid in &running {
            if !seen.iter().any(|(p, _)| *p == pid) {
                seen.push((pid, now));
            }
        }
        for (pid, first) in &seen {
            assert!(
                !running.contains(pid) || now - *first < timeout + MARGIN,
                "{test}: hung script process {pid} outlived its timeout"
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!seen.is_empty(), "{test}: the check never hung");

    // It passes again: the last hung run is killed, nothing is left, the VIP comes back.
    fs::remove_file(&hang).expect("make the check pass");
    let bound = INTERVAL + timeout + INTERVAL + down(100) + MARGIN;
    wait_holders(&lab, test, vip, &[1], bound, "check passes, VIP back");
    assert_eq!(
        pids_running(&sleeper),
        Vec::<i32>::new(),
        "{test}: a hung check's process is still running"
    );
}

// ---------------------------------------------------------------------------------------
// 7. Alert mail

#[test]
fn a_takeover_sends_an_alert_mail() {
    let test = "a_takeover_sends_an_alert_mail";
    let Some(lab) = Lab::new(test, 2, &[Daemon::Ha]) else {
        return;
    };
    // The SMTP server listens on 127.0.0.1 inside director 2's namespace: bound by a thread
    // that entered it (a socket keeps the namespace it was made in), so the daemon there
    // reaches it at 127.0.0.1 and the test reads what it recorded like any other.
    let server = in_ns(lab.ns(2), || {
        smtp_server(SmtpScript {
            accept_mail: true,
            ..SmtpScript::default()
        })
    });
    let vip = lab.vip4(0);
    // Director 1 first: director 2 then enters BACKUP once and stays there (started
    // together on a busy machine, it could be MASTER for a moment, one mail more).
    lab.spawn_ha(1, lab.conf(1).instance(vi1(&lab, 1, 100)));
    wait_holders(
        &lab,
        test,
        vip,
        &[1],
        down(100) + MARGIN,
        "director 1 alone",
    );
    let conf2 = lab
        .conf(2)
        .global("notification_email {\n        ops@example.com\n    }")
        .global("notification_email_from ha@d2.example")
        .global(format!("smtp_server 127.0.0.1 {}", server.port()))
        .global("smtp_connect_timeout 3")
        .instance(vi1(&lab, 2, 90).line("smtp_alert"));
    let router_id = conf2.router_id.clone();
    lab.spawn_ha(2, conf2);
    let backup = format!("Subject: [{router_id}] VRRP Instance VI_1 - Entering BACKUP state");
    lab.wait(Duration::from_secs(3), "the BACKUP mail", || {
        server.requests().iter().any(|r| r.text().contains(&backup))
    });

    // A crash leaves director 1's VIP on its interface: only director 2's side counts.
    let crash = Instant::now();
    lab.crash(1);
    let bound = down(90) + MARGIN;
    let took = lab.wait(bound, "takeover by director 2", || lab.holds(2, vip));
    println!(
        "{test}: takeover after a crash: {} (bound {})",
        ms(took),
        ms(bound)
    );
    let master = format!("Subject: [{router_id}] VRRP Instance VI_1 - Entering MASTER state");
    lab.wait(Duration::from_secs(3), "the MASTER mail", || {
        server.requests().iter().any(|r| r.text().contains(&master))
    });
    println!(
        "{test}: MASTER mail in {} after the crash",
        ms(crash.elapsed())
    );
    let mails = server.requests();
    let subjects: Vec<String> = mails
        .iter()
        .filter_map(|m| {
            let text = m.text();
            let at = text.find("Subject: ")?;
            text[at..].lines().next().map(str::to_string)
        })
        .collect();
    assert_eq!(
        subjects,
        [backup, master],
        "{test}: one mail per transition"
    );
    let text = mails[1].text();
    assert!(
        text.contains("MAIL FROM:<ha@d2.example>\r\nRCPT TO:<ops@example.com>\r\n")
            && text.contains("=> VRRP Instance is now owning VRRP VIPs <="),
        "{test}: {text}"
    );
}

// ---------------------------------------------------------------------------------------
// 8. enable_script_security

/// A tracked vrrp_script (weight 0) and a notify_master script, both writable by everyone,
/// under enable_script_security (with `script_user root`, so that the permission is the
/// only fault). keepalived 2.2.7 refuses both ("Unsafe permissions found for script ... -
/// disabling", "Disabling track script chk due to insecure") and runs the instance as if
/// nothing were tracked: it becomes MASTER, and neither script ever runs.
fn refused_scripts(test: &str, daemon: Daemon) {
    let Some(lab) = Lab::new(test, 1, &[daemon]) else {
        return;
    };
    let vip = lab.vip4(0);
    let ran = lab.dir().join("ran");
    let body = format!("#!/bin/sh\necho \"$0\" >> {}\nexit 0\n", ran.display());
    let check = exe(&lab, "chk.sh", &body);
    fs::set_permissions(&check, fs::Permissions::from_mode(0o757)).expect("chmod o+w");
    let notify = exe(&lab, "notify.sh", &body);
    fs::set_permissions(&notify, fs::Permissions::from_mode(0o777)).expect("chmod o+w");
    let blocks = format!(
        "vrrp_script chk {{\n    script \"{}\"\n    interval 1\n    weight 0\n}}\n",
        check.display()
    );
    let i = vi1(&lab, 1, 100)
        .line("track_script {\n        chk\n    }")
        .line(format!("notify_master {}", notify.display()));
    let conf = lab
        .conf(1)
        .global("enable_script_security")
        .global("script_user root")
        .instance(i);
    lab.spawn(1, daemon, with_blocks(&conf, &blocks));
    wait_holders(
        &lab,
        test,
        vip,
        &[1],
        down(100) + MARGIN,
        "MASTER, untracked",
    );
    // Long enough for a few check runs and the notify script, were they run.
    stays(&lab, test, vip, &[1], INTERVAL * 2, "the refused check");
    assert!(
        !ran.exists(),
        "{test}: a refused script ran: {:?}",
        lines(&ran)
    );
    if daemon == Daemon::Ha {
        // The path and the permission at fault, for each script.
        let log = lab.log(1);
        for (path, mode) in [(&check, "0757"), (&notify, "0777")] {
            let fault = format!("{} is writable by everyone (mode {mode})", path.display());
            assert!(
                log.lines().any(|l| l.contains(&fault)
                    && l.contains("enable_script_security refuses to run it as root")),
                "{test}: no refusal naming {fault}: {log}"
            );
        }
        assert!(
            log.contains("vrrp_script chk:") && log.contains("not tracked"),
            "{test}: {log}"
        );
    }
}

#[test]
fn script_security_refuses_scripts_others_can_write() {
    refused_scripts(
        "script_security_refuses_scripts_others_can_write",
        Daemon::Ha,
    );
}

/// The same with keepalived: proves the expectation.
#[test]
fn keepalived_script_security_refuses_scripts_others_can_write() {
    refused_scripts(
        "keepalived_script_security_refuses_scripts_others_can_write",
        Daemon::Keepalived,
    );
}
