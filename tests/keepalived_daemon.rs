//! ha invoked as `keepalived` (a symlink): the daemon command line init scripts use.
//! Without `-n` it detaches, writes keepalived's pid files naming itself, runs the VRRP
//! instance, and `kill $(cat PIDFILE)` stops it gracefully (VIP removed, pid files gone).

mod lab;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use lab::{Daemon, Lab};

fn read_pid(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The detached daemon is no child of the test: kill it by its pid file if the test fails.
struct KillByPidFile(std::path::PathBuf);

impl Drop for KillByPidFile {
    fn drop(&mut self) {
        if let Some(pid) = read_pid(&self.0) {
            let _ =
                nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL);
        }
    }
}

#[test]
fn detaches_writes_pid_files_and_stops_on_sigterm() {
    let Some(lab) = Lab::new("kadaemon", 1, &[Daemon::Ha]) else {
        return;
    };
    let link = lab.dir().join("keepalived");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ha"), &link).expect("symlink keepalived -> ha");
    let conf = lab.dir().join("keepalived.conf");
    let vip = lab.vip4(1);
    let text = lab
        .conf(1)
        .instance(
            lab.instance(1, 150)
                .advert_int(Duration::from_millis(100))
                .vip(vip),
        )
        .to_string();
    std::fs::write(&conf, text).expect("write the config");
    let (pid, vpid) = (lab.dir().join("k.pid"), lab.dir().join("k_vrrp.pid"));
    let _guard = KillByPidFile(pid.clone());
    let status = Command::new("ip")
        .args(["netns", "exec", lab.ns(1)])
        .arg(&link)
        .arg("-D")
        .arg("-f")
        .arg(&conf)
        .arg("-p")
        .arg(&pid)
        .arg("-r")
        .arg(&vpid)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run keepalived (ha)");
    // The foreground process returns at once; the daemon lives on.
    assert!(status.success(), "{status}");
    lab.wait(
        Duration::from_secs(5),
        "the VIP on the only director",
        || lab.holds(1, vip),
    );
    let daemon = read_pid(&pid).expect("the -p pid file names the daemon");
    assert_eq!(
        read_pid(&vpid),
        Some(daemon),
        "one process: -r names it too"
    );
    let alive = |p: i32| nix::sys::signal::kill(nix::unistd::Pid::from_raw(p), None).is_ok();
    assert!(alive(daemon));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon),
        nix::sys::signal::SIGTERM,
    )
    .expect("SIGTERM the daemon");
    lab.wait(Duration::from_secs(5), "the daemon to exit", || {
        !alive(daemon)
    });
    assert!(!lab.holds(1, vip), "the VIP is removed on a graceful stop");
    assert!(!pid.exists() && !vpid.exists(), "pid files are removed");
}
