//! The kernel-IPVS test tier: a throw-away QEMU VM (Debian's cloud kernel with ip_vs, a
//! busybox userland, the real ipvsadm 1.31 and iproute2's ip) boots, runs one shell script and
//! powers off, ~3 s a run. tests/vm/run.sh does the work: it fetches and unpacks the Debian
//! packages into the cache once (`target/ipvs-vm-cache`, or `$IPVS_VM_CACHE`), builds the
//! initramfs and runs qemu; this module is its Rust face.
//!
//! ```ignore
//! mod vm;
//! if let Some(why) = vm::skip_reason() { println!("SKIP: {why}"); return; }
//! let run = vm::run("ipvsadm -Ln", &[]);
//! assert_eq!(run.status, 0, "{}", run.stderr);
//! ```
//!
//! `IPVS_VM=0` skips the tier; `IPVS_VM=1` makes "cannot run here" a failure instead of a
//! skip (CI sets it, so that the tier cannot vanish unnoticed).

#![allow(dead_code)]

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

/// A run's time limit unless `IPVS_VM_TIMEOUT` (seconds) says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// The first setup downloads ~45 MB; apt has its own timeouts, this is the backstop.
const SETUP_LIMIT: Duration = Duration::from_secs(900);
/// Beyond the VM's own limit, run.sh may wait up to 10 min for a free VM slot (the machine
/// runs at most nproc VMs at once) and spends a little time stripping and packing files.
const HOST_SIDE_SLACK: Duration = Duration::from_secs(660);
/// What run.sh's exit status means when the guest reported none.
const EXIT_TIMEOUT: i32 = 124;
const EXIT_GUEST_DIED: i32 = 125;
const EXIT_CANNOT_RUN: i32 = 3;

/// What one guest run printed and returned.
pub struct GuestRun {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

/// None when the VM tier can run here; otherwise why not, in one line (the caller prints
/// `SKIP: <reason>` and returns). The first call in a test process prepares the cache
/// (downloads, unpacking, base initramfs; ~15 s once per cache), later calls are free.
pub fn skip_reason() -> Option<String> {
    static VERDICT: OnceLock<Result<Option<String>, String>> = OnceLock::new();
    match VERDICT.get_or_init(find_skip_reason) {
        Err(broken) => panic!("{broken}"),
        Ok(Some(why)) if std::env::var_os("IPVS_VM").is_some_and(|v| v == "1") => {
            panic!("IPVS_VM=1 asks for the VM tier, but it cannot run here: {why}")
        }
        Ok(reason) => reason.clone(),
    }
}

/// Boots a fresh VM (ip_vs loaded, lo up), copies each (host path, guest path) file in (ELF
/// files are stripped of debug info first, and their shared libraries come along), runs
/// `script` with /bin/sh (not -e), and returns its output and exit status.
/// Panics with a clear message when the VM itself fails (boot hang, timeout: 120 s default).
pub fn run(script: &str, files: &[(&Path, &str)]) -> GuestRun {
    run_with_timeout(script, files, default_timeout())
}

/// `run` with its own time limit (a test of a hung script need not wait two minutes).
pub fn run_with_timeout(script: &str, files: &[(&Path, &str)], timeout: Duration) -> GuestRun {
    if let Some(why) = skip_reason() {
        panic!("vm::run where the VM cannot run ({why}): check vm::skip_reason() first");
    }
    let dir = RunDir::new();
    let script_path = dir.0.join("script.sh");
    let out = dir.0.join("out");
    let log = dir.0.join("harness.log");
    write(&script_path, script);

    let mut cmd = harness(&dir);
    cmd.arg("-t")
        .arg(timeout.as_secs().max(1).to_string())
        .arg("-o")
        .arg(&out)
        .arg(&script_path);
    for (host, guest) in files {
        assert!(
            guest.starts_with('/') && !guest.contains(':'),
            "vm::run: guest path {guest:?} must be absolute and without ':'"
        );
        let mut spec = host.as_os_str().to_owned();
        spec.push(":");
        spec.push(guest);
        cmd.arg(spec);
    }
    let log_file = fs::File::create(&log)
        .unwrap_or_else(|e| panic!("vm::run: cannot create {}: {e}", log.display()));
    cmd.stdout(Stdio::null()).stderr(log_file);
    let status = wait_limited(cmd, timeout + HOST_SIDE_SLACK, "tests/vm/run.sh");

    let read_out = |name: &str| {
        fs::read(out.join(name))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    let (stdout, stderr) = (read_out("stdout"), read_out("stderr"));
    let reported = read_out("status");
    if let Ok(status) = reported.trim().parse::<i32>() {
        return GuestRun {
            stdout,
            stderr,
            status,
        };
    }
    let harness_log = fs::read_to_string(&log).unwrap_or_default();
    let what = match status.code() {
        Some(EXIT_TIMEOUT) => format!(
            "the VM timed out after {} s (the script hung, or the guest did)",
            timeout.as_secs()
        ),
        Some(EXIT_GUEST_DIED) => "the guest died without reporting an exit status".to_string(),
        _ => format!("the VM harness failed ({status})"),
    };
    panic!(
        "vm::run: {what}\n--- harness ---\n{}\n--- guest stdout (tail) ---\n{}\n--- guest stderr (tail) ---\n{}",
        harness_log.trim_end(),
        tail(&stdout, 2000),
        tail(&stderr, 2000)
    );
}

/// The lines of `out` after the line `@@ <name>`, up to the next line starting with `@@ `
/// (guest scripts print such markers to label what they print). Panics, showing `out`,
/// when there is no such section.
pub fn section<'a>(out: &'a str, name: &str) -> &'a str {
    let marker = format!("@@ {name}\n");
    let start = if out.starts_with(&marker) {
        marker.len()
    } else {
        out.find(&format!("\n{marker}"))
            .map(|i| i + 1 + marker.len())
            .unwrap_or_else(|| panic!("no section {marker:?} in the guest's output:\n{out}"))
    };
    let rest = &out[start..];
    rest.find("\n@@ ").map_or(rest, |end| &rest[..=end])
}

/// Why this host's kernel may have IPVS, or None when it really has none: IPVS in use
/// (/proc/net/ip_vs), or an ip_vs module that opening the client would load (the family
/// lookup makes the kernel run modprobe), found by `modinfo ip_vs` or as an ip_vs.ko* file
/// under /lib/modules/$(uname -r).
pub fn host_may_have_ipvs() -> Option<String> {
    if Path::new("/proc/net/ip_vs").exists() {
        return Some("this kernel has IPVS".into());
    }
    let modinfo = Command::new("modinfo")
        .args(["-F", "filename", "ip_vs"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if modinfo.is_ok_and(|s| s.success()) {
        return Some(
            "`modinfo ip_vs` finds the module, which opening the client would load".into(),
        );
    }
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let modules = Path::new("/lib/modules").join(release.trim());
    find_file(&modules, &|name| name.starts_with("ip_vs.ko")).map(|path| {
        format!(
            "{} exists, which opening the client would load",
            path.display()
        )
    })
}

/// The first file under `dir` (recursively) whose name `matches`.
fn find_file(dir: &Path, matches: &dyn Fn(&str) -> bool) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let kind = entry.file_type().ok()?;
        if kind.is_dir() {
            if let Some(found) = find_file(&path, matches) {
                return Some(found);
            }
        } else if entry.file_name().to_str().is_some_and(matches) {
            return Some(path);
        }
    }
    None
}

fn default_timeout() -> Duration {
    std::env::var("IPVS_VM_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs)
}

/// Ok(None): ready. Ok(Some(why)): this environment cannot run the VM. Err: the harness is
/// broken (a test failure, not a skip).
fn find_skip_reason() -> Result<Option<String>, String> {
    if std::env::var_os("IPVS_VM").is_some_and(|v| v == "0") {
        return Ok(Some("IPVS_VM=0 in the environment".into()));
    }
    if !nix::unistd::geteuid().is_root() {
        return Ok(Some("the IPVS VM tests run as root".into()));
    }
    let dir = RunDir::new();
    let (out, log) = (dir.0.join("reason"), dir.0.join("harness.log"));
    let open = |p: &Path| {
        fs::File::create(p).map_err(|e| format!("vm: cannot create {}: {e}", p.display()))
    };
    let mut cmd = harness(&dir);
    cmd.arg("--setup").stdout(open(&out)?).stderr(open(&log)?);
    let status = wait_limited(cmd, SETUP_LIMIT, "tests/vm/run.sh --setup");
    let reason = fs::read_to_string(&out).unwrap_or_default();
    let log = fs::read_to_string(&log).unwrap_or_default();
    match status.code() {
        Some(0) => Ok(None),
        Some(EXIT_CANNOT_RUN) => Ok(Some(
            reason
                .lines()
                .next()
                .unwrap_or("the VM cannot run here")
                .to_string(),
        )),
        _ => Err(format!(
            "vm: preparing the VM failed ({status}):\n{}",
            log.trim_end()
        )),
    }
}

/// tests/vm/run.sh with this crate's cache, stdin /dev/null: for tests of the harness.
pub fn run_sh() -> Command {
    let mut cmd = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vm/run.sh"));
    cmd.env("IPVS_VM_CACHE", cache_dir()).stdin(Stdio::null());
    cmd
}

/// run.sh for a run whose files are in `dir`.
fn harness(dir: &RunDir) -> Command {
    let mut cmd = run_sh();
    // Its own process group, so that a runaway harness can be ended with all it started.
    // Then a Ctrl-C on cargo test ends this process but not run.sh: run.sh watches for that
    // itself, ends the VM and removes `dir` (which holds its own run directory), since this
    // process, killed, cannot.
    cmd.process_group(0).arg("--caller-dir").arg(&dir.0);
    cmd
}

/// `$IPVS_VM_CACHE`, else `ipvs-vm-cache` in the cargo target directory this test binary was
/// built in (`<target>/<profile>/deps/<test>`), which `cargo clean` clears with the rest.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("IPVS_VM_CACHE") {
        return dir.into();
    }
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("ipvs-vm-cache")
}

/// Runs `cmd` to its end, or kills its process group after `limit` and panics.
fn wait_limited(mut cmd: Command, limit: Duration, what: &str) -> ExitStatus {
    let mut child: Child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("vm: cannot start {what}: {e}"));
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
            Ok(None) => break,
            Err(e) => panic!("vm: waiting for {what}: {e}"),
        }
    }
    // TERM first: run.sh's trap then stops qemu (which `timeout` keeps in another group).
    let group = Pid::from_raw(child.id() as i32);
    let _ = killpg(group, Signal::SIGTERM);
    thread::sleep(Duration::from_secs(5));
    let _ = killpg(group, Signal::SIGKILL);
    let _ = child.wait();
    panic!("vm: {what} still ran after {} s; killed", limit.as_secs());
}

/// A private temporary directory, removed on drop.
struct RunDir(PathBuf);

impl RunDir {
    fn new() -> RunDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ha-vm-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("vm: cannot create {}: {e}", dir.display()));
        RunDir(dir)
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap_or_else(|e| panic!("vm: cannot write {}: {e}", path.display()));
}

/// The last `max` bytes of `s` or a little more (cut at a character boundary).
fn tail(s: &str, max: usize) -> &str {
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start -= 1;
    }
    &s[start..]
}
