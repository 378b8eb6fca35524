//! The edges against real files and real processes.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use nix::sys::stat::Mode;

use super::*;
use crate::vrrp::track::parse_value;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ha-trackio-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// keepalived `process_track_file`: one read of at most 127 bytes; a missing file is an
/// error that reads as 0.
#[test]
fn reads_the_first_bytes() {
    let dir = scratch("read");
    let p = dir.join("prio");
    fs::write(&p, format!("  42\n{}", "x".repeat(10_000))).unwrap();
    let got = read_track_file(&p).unwrap();
    assert_eq!(got.len(), READ_MAX);
    assert_eq!(parse_value(Some(&got)), Ok(42));
    let missing = read_track_file(&dir.join("nope"));
    assert!(matches!(missing, Err(ReadError::Open(ref e)) if e.kind() == io::ErrorKind::NotFound));
    assert!(read_track_file(&dir).is_err(), "a directory cannot be read");
    fs::remove_dir_all(&dir).unwrap();
}

/// A FIFO never blocks the read: without a writer it is empty (0), with a silent
/// writer the read fails at once (also 0).
#[test]
fn a_fifo_does_not_block() {
    let dir = scratch("fifo");
    let p = dir.join("fifo");
    nix::unistd::mkfifo(&p, Mode::from_bits_truncate(0o600)).unwrap();
    let t = Instant::now();
    assert_eq!(read_track_file(&p).unwrap(), b"");
    // A writer's open waits for a reader: hold one open first.
    let _reader = OpenOptions::new()
        .read(true)
        .custom_flags(OFlag::O_NONBLOCK.bits())
        .open(&p)
        .unwrap();
    let _writer = OpenOptions::new().write(true).open(&p).unwrap();
    let r = read_track_file(&p);
    assert!(
        matches!(r, Err(ReadError::Read(ref e)) if e.kind() == io::ErrorKind::WouldBlock),
        "{r:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(1));
    fs::remove_dir_all(&dir).unwrap();
}

/// keepalived `track_file_end_handler`: `init_file` writes "VALUE\n" to a missing file,
/// leaves an existing one unless `overwrite`, and refuses to overwrite what is not a
/// regular file.
#[test]
fn init_file() {
    let dir = scratch("init");
    let p = dir.join("prio");
    let init = |value, overwrite| InitFile { value, overwrite };
    assert_eq!(
        init_track_file(&p, &init(5, false)).unwrap(),
        InitOutcome::Written
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), "5\n");
    assert_eq!(
        init_track_file(&p, &init(7, false)).unwrap(),
        InitOutcome::Kept
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), "5\n");
    assert_eq!(
        init_track_file(&p, &init(-7, true)).unwrap(),
        InitOutcome::Written
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), "-7\n");
    let fifo = dir.join("fifo");
    nix::unistd::mkfifo(&fifo, Mode::from_bits_truncate(0o600)).unwrap();
    assert!(matches!(
        init_track_file(&fifo, &init(1, true)),
        Err(InitError::NotRegular)
    ));
    let leftovers: Vec<_> = fs::read_dir(&dir).unwrap().collect();
    assert_eq!(leftovers.len(), 2, "no temporary file is left");
    fs::remove_dir_all(&dir).unwrap();
}

fn spec(process: &str, params: &[&str], m: ParamMatch, full: bool) -> TrackProcess {
    let text = format!(
        "vrrp_track_process p {{\n process {process}\n{}}}\n",
        if full { " full_command\n" } else { "" }
    );
    let parsed = crate::conf::parse_str("k.conf", &text);
    let mut p = parsed.config.vrrp.track_processes[0].clone();
    p.params = params.iter().map(|s| s.to_string()).collect();
    p.param_match = m;
    p
}

/// keepalived `check_params` on command lines as /proc holds them.
#[test]
fn parameter_matching() {
    let cmd = b"/usr/sbin/nginx\0-g\0daemon off;\0";
    let t = |params: &[&str], m| {
        let p = spec("/usr/sbin/nginx", params, m, true);
        Spec::new(&p).matches(None, cmd)
    };
    assert!(t(&[], ParamMatch::None));
    assert!(t(&["-g", "daemon off;"], ParamMatch::Exact));
    assert!(!t(&["-g"], ParamMatch::Exact), "exact: no more parameters");
    assert!(!t(&[], ParamMatch::Exact));
    assert!(
        t(&["-g"], ParamMatch::Partial),
        "partial: the first ones, whole"
    );
    assert!(!t(&["-g", "daemon"], ParamMatch::Partial));
    assert!(
        t(&["-g", "daemon"], ParamMatch::Initial),
        "initial: the last may be longer"
    );
    assert!(!t(&["-"], ParamMatch::Partial));
    assert!(t(&["-"], ParamMatch::Initial));
    assert!(!t(&["-x"], ParamMatch::Initial));
    let other = spec("nginx", &[], ParamMatch::None, true);
    assert!(
        !Spec::new(&other).matches(None, cmd),
        "argv[0] is compared whole"
    );
    let by_name = spec("nginx", &[], ParamMatch::None, false);
    assert!(Spec::new(&by_name).matches(Some(b"nginx"), b""));
    assert!(!Spec::new(&by_name).matches(Some(b"nginx: worker"), b""));
    assert_eq!(comm_of(b"12 (a) b)) S 1 2"), Some(b"a) b)".to_vec()));
    assert_eq!(comm_of(b"12 (sleep) Z 1 2"), None, "zombies do not count");
    assert_eq!(comm_of(b"garbage"), None);
}

struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Starts `cmd`. ETXTBSY: a child another test thread forked while the copied binary was
/// open for writing holds that descriptor until it execs; a moment later it is gone.
fn spawn_copied(cmd: &mut Command) -> Child {
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(nix::libc::ETXTBSY) && tries < 50 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            r => break r.unwrap(),
        }
    }
}

/// keepalived `read_procs`: real processes, by name (a copy of sleep with a name of
/// its own) and by full command line (argv[0] and parameters), counted until killed.
#[test]
fn counts_real_processes() {
    let dir = scratch("procs");
    let name = format!("hatk{}", std::process::id() % 100_000);
    let bin = dir.join(&name);
    fs::copy("/bin/sleep", &bin).unwrap();
    let argv0 = format!("ha-track-test-{}", std::process::id());
    let mut procs = Procs(Vec::new());
    for _ in 0..2 {
        procs.0.push(spawn_copied(Command::new(&bin).arg("30")));
    }
    procs.0.push(
        Command::new("/bin/sleep")
            .arg0(&argv0)
            .args(["30", "1"])
            .spawn()
            .unwrap(),
    );
    let by_name = spec(&name, &[], ParamMatch::None, false);
    let exact = spec(&argv0, &["30", "1"], ParamMatch::Exact, true);
    let partial = spec(&argv0, &["30"], ParamMatch::Partial, true);
    let initial = spec(&argv0, &["3"], ParamMatch::Initial, true);
    let wrong = spec(&argv0, &["30"], ParamMatch::Exact, true);
    let all = [&by_name, &exact, &partial, &initial, &wrong];
    assert_eq!(count_processes(&all).unwrap(), [2, 1, 1, 1, 0]);

    procs.0[0].kill().unwrap();
    // Not yet reaped: a zombie, which does not count.
    let deadline = Instant::now() + Duration::from_secs(5);
    while count_processes(&[&by_name]).unwrap() != [1] {
        assert!(Instant::now() < deadline, "the killed process still counts");
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(procs);
    assert_eq!(count_processes(&all).unwrap(), [0, 0, 0, 0, 0]);
    fs::remove_dir_all(&dir).unwrap();
}
