//! The VM harness tests itself: the guest boots with ip_vs, the real ipvsadm 1.31 reproduces
//! the stored golden outputs, files go in (ELF ones stripped, with their libraries), and
//! stdout, stderr, exit statuses and timeouts come back as the harness promises.

mod vm;

use std::panic;
use std::path::Path;
use std::time::Duration;

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
