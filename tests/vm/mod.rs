//! THROW-AWAY stand-in for the project's VM harness (the real tests/vm/mod.rs replaces it
//! at merge; same API): runs a script in a QEMU guest whose kernel has IPVS through the
//! shared recipe ../shared/tools/ipvs-vm/run-in-vm.sh. Guest stdout and stderr come back
//! merged in `stdout`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

const RUNNER: &str = "/work/shared/tools/ipvs-vm/run-in-vm.sh";

/// None when the VM tier can run here; otherwise why not.
pub fn skip_reason() -> Option<String> {
    if std::env::var("IPVS_VM").as_deref() == Ok("0") {
        return Some("IPVS_VM=0 in the environment".into());
    }
    if !nix::unistd::geteuid().is_root() {
        return Some("the VM tier needs root".into());
    }
    if !Path::new(RUNNER).exists() {
        return Some(format!("no VM recipe at {RUNNER}"));
    }
    let cached = cache_dir().join("root/usr/bin/qemu-system-x86_64").exists();
    let apt_lists = std::fs::read_dir("/var/lib/apt/lists")
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with("_Packages"))
        })
        .unwrap_or(false);
    if !cached && !apt_lists {
        return Some("no apt-get cache and no way to fetch the VM packages".into());
    }
    None
}

fn cache_dir() -> PathBuf {
    if let Some(c) = std::env::var_os("IPVS_VM_CACHE") {
        return PathBuf::from(c);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/root/.cache"));
    base.join("ipvs-vm")
}

/// What one guest run printed and returned.
pub struct GuestRun {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

/// Boots a fresh VM, copies the files in (ELF files stripped of debug info first), runs
/// `script` with /bin/sh and returns its output and status. Panics when the VM fails.
pub fn run(script: &str, files: &[(&Path, &str)]) -> GuestRun {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "ha-vm-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let script_path = dir.join("script.sh");
    std::fs::write(&script_path, script).expect("write the guest script");
    let mut cmd = Command::new(RUNNER);
    cmd.arg(&script_path);
    for (i, (host, guest)) in files.iter().enumerate() {
        let src = if is_elf(host) {
            let stripped = dir.join(format!("file{i}"));
            let ok = Command::new("objcopy")
                .arg("--strip-debug")
                .arg(host)
                .arg(&stripped)
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(ok, "objcopy --strip-debug {} failed", host.display());
            stripped
        } else {
            host.to_path_buf()
        };
        cmd.arg(format!("{}:{guest}", src.display()));
    }
    let out = cmd.output().expect("run-in-vm.sh");
    let _ = std::fs::remove_dir_all(&dir);
    let run = GuestRun {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        status: out.status.code().unwrap_or(-1),
    };
    assert!(
        !matches!(run.status, 124..=126 | -1),
        "the VM failed (status {}):\n{}\n{}",
        run.status,
        run.stdout,
        run.stderr
    );
    run
}

fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}
