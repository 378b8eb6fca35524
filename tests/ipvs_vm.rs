//! The VM harness tests itself: the guest boots with ip_vs, the real ipvsadm 1.31 reproduces
//! the stored golden outputs, files go in (ELF ones stripped, with their libraries), and
//! stdout, stderr, exit statuses and timeouts come back as the harness promises.

mod vm;

use std::panic;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The ipvsadm script and what ipvsadm 1.31 printed for it on Debian's 6.1 cloud kernel
/// (stdout and stderr merged).
const GOLDEN_SCRIPT: &str = include_str!("data/ipvsadm/golden-basic.sh");
const GOLDEN_OUTPUT: &str = include_str!("data/ipvsadm/golden-basic.txt");

macro_rules! skip_without_vm {
    () => {
        if let Some(why) = vm::skip_reason() {
            println!("SKIP: {why}");
            return;
        }
    };
}

/// Lines that differ between runs for reasons outside ipvsadm: the sync queue limit is
/// derived from the guest's memory.
fn mask_varying(text: &str) -> String {
    text.lines()
        .map(|line| match line.split_once(" = ") {
            Some((key, _)) if key == "net.ipv4.vs.sync_qlen_max" => format!("{key} = <varies>"),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn guest_has_ipvs_and_ipvsadm_matches_the_golden_outputs() {
    skip_without_vm!();
    let script = format!(
        "echo '@@ modules'; cut -d' ' -f1 /proc/modules | sort\n\
         echo '@@ proc'; cat /proc/net/ip_vs\n\
         echo '@@ golden'; exec 2>&1\n{GOLDEN_SCRIPT}"
    );
    let run = vm::run(&script, &[]);
    assert_eq!(
        run.status, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert_eq!(
        run.stderr, "",
        "the golden script's stderr is merged into its stdout"
    );

    let modules: Vec<&str> = vm::section(&run.stdout, "modules").lines().collect();
    for needed in ["ip_vs", "nf_conntrack", "nf_defrag_ipv4", "nf_defrag_ipv6"] {
        assert!(
            modules.contains(&needed),
            "{needed} not loaded: {modules:?}"
        );
    }
    let proc = vm::section(&run.stdout, "proc");
    assert!(
        proc.starts_with("IP Virtual Server version 1.2.1 (size=4096)\n"),
        "/proc/net/ip_vs:\n{proc}"
    );

    let got = mask_varying(vm::section(&run.stdout, "golden"));
    let want = mask_varying(GOLDEN_OUTPUT);
    if got != want {
        let first_diff = got
            .lines()
            .zip(want.lines())
            .position(|(g, w)| g != w)
            .unwrap_or(got.lines().count().min(want.lines().count()));
        panic!(
            "ipvsadm's output differs from tests/data/ipvsadm/golden-basic.txt at line {}:\n  got:  {:?}\n  want: {:?}\nwhole output:\n{got}",
            first_diff + 1,
            got.lines().nth(first_diff),
            want.lines().nth(first_diff)
        );
    }
}

#[test]
fn copied_files_run_in_the_guest_and_streams_and_status_come_back() {
    skip_without_vm!();
    let ha = Path::new(env!("CARGO_BIN_EXE_ha"));
    let host_size = std::fs::metadata(ha).map(|m| m.len()).unwrap_or(0);
    let data = std::env::temp_dir().join(format!("ha-vm-selftest-{}.txt", std::process::id()));
    std::fs::write(&data, "plain text, copied as it is\n").unwrap();
    let script = "ha --version\n\
         echo \"size $(stat -c %s /usr/local/bin/ha)\"\n\
         cat /srv/data.txt\n\
         printf 'to stderr\\n' >&2\n\
         ls /no/such/file\n\
         printf 'last line without a newline'\n\
         exit 7\n";
    let run = vm::run(
        script,
        &[(ha, "/usr/local/bin/ha"), (&data, "/srv/data.txt")],
    );
    let _ = std::fs::remove_file(&data);

    assert_eq!(
        run.status, 7,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines.first().is_some_and(|l| l.starts_with("ha ")),
        "ha --version in the guest:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    let guest_size: u64 = lines
        .iter()
        .find_map(|l| l.strip_prefix("size "))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no size line:\n{}", run.stdout));
    // A debug build is mostly debug info; objcopy leaves the code and symbols.
    assert!(
        guest_size < host_size,
        "ha was not stripped: {guest_size} bytes in the guest, {host_size} on the host"
    );
    assert!(
        run.stdout.contains("\nplain text, copied as it is\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with("\nlast line without a newline"),
        "{:?}",
        run.stdout
    );
    assert!(run.stderr.starts_with("to stderr\n"), "{:?}", run.stderr);
    assert!(run.stderr.contains("/no/such/file"), "{:?}", run.stderr);
    assert!(
        !run.stdout.contains("to stderr"),
        "stderr leaked into stdout"
    );
}

#[test]
fn a_hung_script_times_out_with_a_clear_panic() {
    skip_without_vm!();
    let limit = Duration::from_secs(25);
    let result = panic::catch_unwind(|| {
        vm::run_with_timeout(
            "echo started; echo going to sleep >&2; sleep 1000",
            &[],
            limit,
        )
    });
    let payload = match result {
        Ok(run) => panic!(
            "a hung script returned: status {}, {}",
            run.status, run.stdout
        ),
        Err(payload) => payload,
    };
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(
        message.contains("the VM timed out after 25 s"),
        "panic message: {message}"
    );
    // What the script printed before it hung is in the message, to help whoever debugs it.
    assert!(message.contains("started"), "panic message: {message}");
    assert!(
        message.contains("going to sleep"),
        "panic message: {message}"
    );
}

// ---------------------------------------------------------------------------------------
// run.sh's housekeeping: its run directory, its caller's death, the shared cache.

/// A directory of this test's, standing for the caller's temporary directory; removed on
/// drop, also when the test fails.
struct CallerDir(PathBuf);

impl Drop for CallerDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl AsRef<std::ffi::OsStr> for CallerDir {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl std::ops::Deref for CallerDir {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

fn caller_dir(name: &str) -> CallerDir {
    let dir = std::env::temp_dir().join(format!("ha-vm-selftest-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    CallerDir(dir)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The run directory run.sh made in `dir` (`ipvs-vm.XXXXXX`), once it exists.
fn run_dir_in(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
        let name = e.file_name();
        name.to_string_lossy()
            .starts_with("ipvs-vm.")
            .then(|| e.path())
    })
}

/// Waits up to `limit` for `done`, checking every 50 ms; whether it came.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

/// Whether a process with this pid still runs (a zombie does not).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| !rest.starts_with('Z')))
        .unwrap_or(false)
}

/// The processes whose command line mentions `text`.
fn processes_mentioning(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(text)
            && running(entry.file_name().to_string_lossy().parse().unwrap_or(0))
        {
            found.push(cmdline);
        }
    }
    found
}

#[test]
fn run_sh_removes_its_run_directory_after_a_run_and_a_timeout() {
    skip_without_vm!();
    let dir = caller_dir("cleanup");
    std::fs::write(dir.join("ok.sh"), "echo hi\n").unwrap();
    std::fs::write(dir.join("hang.sh"), "sleep 1000\n").unwrap();
    let ok = vm::run_sh()
        .arg("--caller-dir")
        .arg(&dir)
        .arg(dir.join("ok.sh"))
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "hi\n");
    assert_eq!(entries(&dir), ["hang.sh", "ok.sh"], "after a run");
    let hung = vm::run_sh()
        .arg("--caller-dir")
        .arg(&dir)
        .args(["-t", "10"])
        .arg(dir.join("hang.sh"))
        .output()
        .unwrap();
    assert_eq!(hung.status.code(), Some(124), "{hung:?}");
    assert_eq!(entries(&dir), ["hang.sh", "ok.sh"], "after a timeout");
}

/// A test process killed by Ctrl-C leaves run.sh (in its own process group) running: run.sh
/// must see it, end the VM and remove the caller's directory.
#[test]
fn run_sh_ends_the_vm_and_cleans_up_when_its_caller_dies() {
    skip_without_vm!();
    let dir = caller_dir("orphan");
    std::fs::write(dir.join("hang.sh"), "echo booted; sleep 1000\n").unwrap();
    let run_sh = vm::run_sh();
    // The caller: a shell that starts run.sh, says its pid, and waits (till it is killed).
    let mut caller = Command::new("/bin/sh")
        .args([
            "-c",
            r#""$0" --caller-dir "$1" -t 100 "$1/hang.sh" >/dev/null 2>&1 & echo $!; wait"#,
        ])
        .arg(run_sh.get_program())
        .arg(&dir)
        .envs(run_sh.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(caller.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let harness: u32 = line.trim().parse().unwrap();
    let booted = wait_for(Duration::from_secs(120), || {
        run_dir_in(&dir).is_some_and(|r| {
            std::fs::read_to_string(r.join("stdout")).is_ok_and(|s| s.contains("booted"))
        })
    });
    assert!(
        booted,
        "the guest never said it booted: {:?}",
        entries(&dir)
    );
    assert!(!processes_mentioning(&dir.to_string_lossy()).is_empty());
    caller.kill().unwrap();
    let _ = caller.wait();
    let cleaned = wait_for(Duration::from_secs(20), || {
        !running(harness) && !dir.exists()
    });
    let left = processes_mentioning(&dir.to_string_lossy());
    assert!(
        cleaned,
        "run.sh running: {}, left: {:?}",
        running(harness),
        entries(&dir)
    );
    assert!(left.is_empty(), "still running: {left:#?}");
}

/// Another run's setup (other inputs) replaces base-*.cpio under the cache lock while this
/// run is still packing its files: this run must boot from the base it set up.
#[test]
fn a_run_keeps_its_base_initramfs_when_another_setup_replaces_it() {
    skip_without_vm!();
    let dir = caller_dir("base");
    std::fs::write(dir.join("ok.sh"), "echo ok\n").unwrap();
    let ha = Path::new(env!("CARGO_BIN_EXE_ha"));
    let mut spec = ha.as_os_str().to_owned();
    spec.push(":/usr/local/bin/ha");
    // Stripping and packing ha takes a moment: time enough to replace the base under it.
    let child = vm::run_sh()
        .arg("--caller-dir")
        .arg(&dir)
        .arg(dir.join("ok.sh"))
        .arg(spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // base.list is copied after the base was opened, under the lock.
    let ready = wait_for(Duration::from_secs(120), || {
        run_dir_in(&dir).is_some_and(|r| r.join("base.list").exists())
    });
    assert!(
        ready,
        "no run directory with base.list: {:?}",
        entries(&dir)
    );
    let run = run_dir_in(&dir).unwrap();
    let cache = vm::cache_dir();
    let removed = Command::new("flock")
        .arg(cache.join(".lock"))
        .args([
            "sh",
            "-c",
            r#"rm -f "$0"/base-*.cpio "$0"/base-*.cpio.list"#,
        ])
        .arg(&cache)
        .status()
        .unwrap();
    assert!(removed.success());
    assert!(
        !run.join("initrd").exists(),
        "the run made its initramfs before the base was removed: nothing was tested"
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ok\n");
}

/// A setup that never ends (held lock) makes the next run fail after IPVS_VM_LOCK_WAIT
/// (600 s by default) instead of waiting forever.
#[test]
fn run_sh_gives_up_on_a_cache_lock_held_too_long() {
    skip_without_vm!();
    let dir = caller_dir("lock");
    let lock = vm::cache_dir().join(".lock");
    let mut holder = Command::new("flock")
        .arg(&lock)
        .args(["sleep", "6"])
        .spawn()
        .unwrap();
    let held = wait_for(Duration::from_secs(5), || {
        !Command::new("flock")
            .args(["-n"])
            .arg(&lock)
            .arg("true")
            .status()
            .is_ok_and(|s| s.success())
    });
    assert!(held, "the holder never took the lock");
    let t = Instant::now();
    let out = vm::run_sh()
        .env("IPVS_VM_LOCK_WAIT", "1")
        .arg("--caller-dir")
        .arg(&dir)
        .arg("--setup")
        .output()
        .unwrap();
    let waited = t.elapsed();
    let _ = holder.wait();
    assert_eq!(out.status.code(), Some(126), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no cache lock"),
        "{out:?}"
    );
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
}
