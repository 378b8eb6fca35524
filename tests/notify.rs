//! Notifications with real processes: notify scripts and their arguments, timeouts that
//! kill whole process groups, script security, the notify FIFO, alert mail through a local
//! SMTP server, and a dead SMTP server that delays nothing. Tests that switch to another
//! user need root and print `SKIP:` without it.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{blackhole, refused_port, smtp_server, SmtpScript, TempDir};
use ha::conf::env::SystemHost;
use ha::conf::parse_str;
use ha::conf::schema::{shell_words, Script};
use ha::conf::source::{FileId, Span};
use ha::notify::{
    Event, Job, Kill, Notifier, NotifyState, Outcome, Policy, Problem, Runner, Settings, Ticket,
    Waker,
};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

fn root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// An executable shell script in `dir`.
fn script(dir: &TempDir, name: &str, body: &str) -> PathBuf {
    let p = dir.write(name, format!("#!/bin/sh\n{body}\n"));
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// A configured script, split as keepalived splits it.
fn conf_script(command: &str) -> Script {
    Script {
        command: command.to_string(),
        argv: shell_words(command).unwrap(),
        user: None,
        group: None,
        span: Span::new(FileId(0), 1, 1, 1),
    }
}

/// Waits until the waker is readable (or `max` passes), then clears it.
fn wait_wake(w: &Waker, max: Duration) {
    let mut fds = [PollFd::new(w.fd(), PollFlags::POLLIN)];
    let ms = u16::try_from(max.as_millis()).unwrap_or(u16::MAX);
    let _ = poll(&mut fds, PollTimeout::from(ms));
    w.clear();
}

/// The daemon's loop in small: starts what the notifier has, routes the runner's results
/// back, until it is settled (or `max` passes). Returns the events.
fn drive(n: &mut Notifier, runner: &Runner<Ticket>, w: &Waker, max: Duration) -> Vec<Event> {
    let until = Instant::now() + max;
    let mut events = Vec::new();
    loop {
        n.pump(runner, |t| t);
        while let Some(e) = n.poll_event() {
            events.push(e);
        }
        if n.settled() || Instant::now() >= until {
            return events;
        }
        wait_wake(w, Duration::from_millis(100));
        while let Some(done) = runner.try_recv() {
            let (t, d) = done.split();
            n.finished(t, d);
        }
    }
}

fn notifier(conf: &str, settings: Settings) -> (Notifier, Vec<Problem>, Runner<Ticket>, Waker) {
    let parsed = parse_str("keepalived.conf", conf);
    let waker = Waker::new().unwrap();
    let runner = Runner::start(waker.clone()).unwrap();
    let (n, problems) = Notifier::new(&parsed.config, &SystemHost::new(), &waker, settings);
    (n, problems, runner, waker)
}

fn instance(name: &str, body: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n state BACKUP\n interface lo\n virtual_router_id 51\n \
         priority 100\n virtual_ipaddress {{\n  10.9.9.9\n }}\n{body}}}\n"
    )
}

fn lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn notify_scripts_get_keepalived_arguments_in_order() {
    let dir = TempDir::new("notify-order");
    let log = dir.join("instance.log");
    let glog = dir.join("group.log");
    // Each script appends its argv; the master one is slow, so a script started beside it
    // (as keepalived starts them) would write first.
    let rec = script(&dir, "rec.sh", "echo \"$*\" >> \"$LOG\"");
    let slow = script(&dir, "slow.sh", "sleep 0.3\necho \"$*\" >> \"$LOG\"");
    let (r, s, l, g) = (rec.display(), slow.display(), log.display(), glog.display());
    let conf = format!(
        "{}vrrp_sync_group G1 {{\n group {{\n  VI_1\n }}\n notify_backup \"/usr/bin/env LOG={g} {r} gbackup\"\n \
         notify \"/usr/bin/env LOG={g} {r} ggeneric\"\n}}\n",
        instance(
            "VI_1",
            &format!(
                " notify_master \"/usr/bin/env LOG={l} {s} master 'two words'\"\n \
                 notify_backup \"/usr/bin/env LOG={l} {r} backup\"\n \
                 notify_fault \"/usr/bin/env LOG={l} {r} fault\"\n \
                 notify \"/usr/bin/env LOG={l} {r} generic\"\n"
            )
        )
    );
    let (mut n, problems, runner, w) = notifier(&conf, Settings::default());
    assert!(problems.is_empty(), "{problems:?}");
    n.instance("VI_1", NotifyState::Backup, 100);
    n.instance("VI_1", NotifyState::Master, 100);
    n.instance("VI_1", NotifyState::Fault, 100);
    n.group("G1", NotifyState::Backup);
    let events = drive(&mut n, &runner, &w, Duration::from_secs(10));
    assert!(n.settled(), "{events:?}");
    assert_eq!(
        lines(&log),
        [
            "backup",
            "generic INSTANCE VI_1 BACKUP 100",
            "master two words",
            "generic INSTANCE VI_1 MASTER 100",
            "fault",
            "generic INSTANCE VI_1 FAULT 100",
        ]
    );
    assert_eq!(lines(&glog), ["gbackup", "ggeneric GROUP G1 BACKUP 0"]);
    let scripts: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Script {
                owner,
                what,
                outcome,
                ..
            } => Some((owner.as_str(), *what, outcome.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(scripts.len(), 8, "{events:?}");
    assert!(
        scripts.iter().all(|s| s.2 == Outcome::Exited(0)),
        "{scripts:?}"
    );
    assert!(scripts.contains(&("group G1", "notify_backup", Outcome::Exited(0))));
    // Events read as log lines.
    let first = events
        .iter()
        .find(|e| !e.to_string().starts_with("group "))
        .unwrap();
    let line = first.to_string();
    assert!(
        line.starts_with("VI_1: notify_backup `/usr/bin/env LOG="),
        "{line}"
    );
    assert!(line.contains("exited with status 0 ("), "{line}");
}

#[test]
fn a_hung_notify_is_killed_at_its_timeout_and_the_next_one_runs() {
    let dir = TempDir::new("notify-hung");
    let log = dir.join("log");
    let hung = script(&dir, "hung.sh", "sleep 100");
    let rec = script(&dir, "rec.sh", &format!("echo \"$*\" >> {}", log.display()));
    let conf = instance(
        "VI_1",
        &format!(
            " notify_master {}\n notify \"{} generic\"\n",
            hung.display(),
            rec.display()
        ),
    );
    let settings = Settings {
        timeout: Duration::from_millis(400),
        ..Settings::default()
    };
    let (mut n, problems, runner, w) = notifier(&conf, settings);
    assert!(problems.is_empty(), "{problems:?}");
    let start = Instant::now();
    n.instance("VI_1", NotifyState::Master, 90);
    assert!(
        start.elapsed() < Duration::from_millis(50),
        "the call never waits"
    );
    let events = drive(&mut n, &runner, &w, Duration::from_secs(10));
    let took = start.elapsed();
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(lines(&log), ["generic INSTANCE VI_1 MASTER 90"]);
    match &events[0] {
        Event::Script { what, outcome, .. } => {
            assert_eq!(*what, "notify_master");
            assert_eq!(*outcome, Outcome::TimedOut(Duration::from_millis(400)));
        }
        e => panic!("{e:?}"),
    }
    assert!(events[0].failed());
    assert!(
        events[0]
            .to_string()
            .contains("timed out after 0.4 s: killed with its process group"),
        "{}",
        events[0]
    );
}

/// A process that is gone, or a zombie nobody of ours has to reap.
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

fn wait_gone(pid: i32) -> bool {
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        if gone(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn run_one(runner: &Runner<u32>, job: Job) -> ha::notify::Done<u32> {
    runner.submit(7, job);
    runner
        .recv_until(Instant::now() + Duration::from_secs(15))
        .expect("a result")
}

fn policy() -> Policy {
    Policy::new(false, None)
}

fn exec(command: &str) -> ha::notify::Exec {
    policy()
        .prepare(&SystemHost::new(), &conf_script(command))
        .unwrap()
}

#[test]
fn a_timeout_kills_the_whole_process_group() {
    let dir = TempDir::new("notify-group");
    let pidfile = dir.join("bg.pid");
    let s = script(
        &dir,
        "spawner.sh",
        &format!("sleep 100 &\necho $! > {}\nsleep 100", pidfile.display()),
    );
    let runner = Runner::start(Waker::new().unwrap()).unwrap();
    let start = Instant::now();
    let done = run_one(
        &runner,
        Job::new(
            exec(&s.display().to_string()),
            Some(Duration::from_millis(500)),
        ),
    );
    assert_eq!(done.tag, 7);
    assert_eq!(done.outcome, Outcome::TimedOut(Duration::from_millis(500)));
    assert!(!done.outcome.success());
    assert!(start.elapsed() < Duration::from_secs(3));
    let bg: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(wait_gone(bg), "the script's background child survived");
    let leader = done.pid.unwrap() as i32;
    assert!(gone(leader), "the script itself was not reaped");
}

#[test]
fn term_then_kill_gives_a_grace_and_kills_a_script_ignoring_term() {
    let dir = TempDir::new("notify-grace");
    let s = script(&dir, "stubborn.sh", "trap '' TERM\nsleep 100");
    let runner = Runner::start(Waker::new().unwrap()).unwrap();
    let start = Instant::now();
    let job = Job::new(
        exec(&s.display().to_string()),
        Some(Duration::from_millis(300)),
    )
    .kill(Kill::TermThenKill(Duration::from_millis(500)));
    let done = run_one(&runner, job);
    let took = start.elapsed();
    assert_eq!(done.outcome, Outcome::TimedOut(Duration::from_millis(300)));
    assert!(took >= Duration::from_millis(750), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    // A script that honours SIGTERM ends at the timeout, without waiting for the grace.
    let s = script(&dir, "polite.sh", "sleep 100");
    let start = Instant::now();
    let job = Job::new(
        exec(&s.display().to_string()),
        Some(Duration::from_millis(300)),
    )
    .kill(Kill::TermThenKill(Duration::from_secs(5)));
    assert_eq!(
        run_one(&runner, job).outcome,
        Outcome::TimedOut(Duration::from_millis(300))
    );
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn exits_signals_and_spawn_errors_come_back_as_values() {
    let dir = TempDir::new("notify-values");
    let runner = Runner::start(Waker::new().unwrap()).unwrap();
    let three = script(&dir, "three.sh", "exit 3");
    let job = Job::new(
        exec(&three.display().to_string()),
        Some(Duration::from_secs(5)),
    );
    assert_eq!(run_one(&runner, job).outcome, Outcome::Exited(3));
    let usr1 = script(&dir, "usr1.sh", "kill -USR1 $$\nsleep 5");
    let job = Job::new(
        exec(&usr1.display().to_string()),
        Some(Duration::from_secs(5)),
    );
    let out = run_one(&runner, job).outcome;
    assert_eq!(out, Outcome::Signalled(nix::sys::signal::Signal::SIGUSR1));
    assert_eq!(out.to_string(), "was killed by SIGUSR1");
    let bad = dir.write("bad.sh", "#!/nonexistent/interpreter\n");
    std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o755)).unwrap();
    let job = Job::new(
        exec(&bad.display().to_string()),
        Some(Duration::from_secs(5)),
    );
    match run_one(&runner, job).outcome {
        Outcome::SpawnFailed(why) => {
            assert!(
                why.contains("bad.sh") && why.contains("No such file"),
                "{why}"
            )
        }
        o => panic!("{o:?}"),
    }
    // stdin, stdout and stderr are /dev/null; the directory is /; none of the daemon's
    // descriptors (eventfds, pidfds, sockets) reach the script.
    let out = dir.join("fds");
    let fds = script(
        &dir,
        "fds.sh",
        &format!(
            "a=$(readlink /proc/$$/fd/0); b=$(readlink /proc/$$/fd/1); \
             c=$(readlink /proc/$$/fd/2); d=$(pwd); \
             e=$(for f in /proc/$$/fd/*; do readlink $f; done); \
             printf '%s\\n' \"$a\" \"$b\" \"$c\" \"$d\" \"$e\" > {o}",
            o = out.display()
        ),
    );
    let job = Job::new(
        exec(&fds.display().to_string()),
        Some(Duration::from_secs(5)),
    );
    assert_eq!(run_one(&runner, job).outcome, Outcome::Exited(0));
    let got = lines(&out);
    assert_eq!(&got[..4], ["/dev/null", "/dev/null", "/dev/null", "/"]);
    let leaked: Vec<_> = got[4..]
        .iter()
        .filter(|l| l.contains("eventfd") || l.contains("pidfd") || l.starts_with("socket:"))
        .collect();
    assert!(
        leaked.is_empty(),
        "descriptors leaked into the script: {leaked:?}"
    );
}

#[test]
fn many_scripts_at_once_all_come_back() {
    let runner = Runner::start(Waker::new().unwrap()).unwrap();
    for i in 0..40u32 {
        runner.submit(
            i,
            Job::new(
                exec(&format!("/bin/sh -c 'exit {}'", i % 3)),
                Some(Duration::from_secs(10)),
            ),
        );
    }
    let mut got = Vec::new();
    let until = Instant::now() + Duration::from_secs(20);
    while got.len() < 40 {
        let d = runner.recv_until(until).expect("every result");
        got.push((d.tag, d.outcome));
    }
    got.sort_by_key(|g| g.0);
    for (i, o) in got {
        assert_eq!(o, Outcome::Exited((i % 3) as i32));
    }
}

#[test]
fn shutdown_kills_what_still_runs() {
    let runner = Runner::start(Waker::new().unwrap()).unwrap();
    runner.submit(1u8, Job::new(exec("/bin/sleep 100"), None));
    runner.submit(2u8, Job::new(exec("/bin/true"), None));
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    let mut left = runner.shutdown(Duration::from_millis(300));
    assert!(start.elapsed() < Duration::from_secs(2));
    left.sort_by_key(|d| d.tag);
    let outcomes: Vec<_> = left.iter().map(|d| (d.tag, d.outcome.clone())).collect();
    assert_eq!(outcomes, [(1, Outcome::Cancelled), (2, Outcome::Exited(0))]);
}

#[test]
fn scripts_run_as_their_user() {
    if !root() {
        println!("SKIP: scripts_run_as_their_user: needs root (setuid to nobody)");
        return;
    }
    let dir = TempDir::new("notify-user");
    let out = dir.write("out", "");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o666)).unwrap();
    let s = script(
        &dir,
        "id.sh",
        &format!("id -u > {o}; id -g >> {o}; id -G >> {o}", o = out.display()),
    );
    let mut sc = conf_script(&s.display().to_string());
    sc.user = Some("nobody".into());
    let e = policy().prepare(&SystemHost::new(), &sc).unwrap();
    let runner = Runner::start(Waker::new().unwrap()).unwrap();
    let done = run_one(&runner, Job::new(e, Some(Duration::from_secs(5))));
    assert_eq!(done.outcome, Outcome::Exited(0));
    let ids = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    let want = ids.uid.to_string();
    let gid = ids.gid.to_string();
    assert_eq!(lines(&out), [want, gid.clone(), gid]);
}

#[test]
fn enable_script_security_refuses_a_script_others_can_write() {
    let dir = TempDir::new("notify-security");
    let s = script(&dir, "chk.sh", "exit 0");
    let expect_file = root();
    if expect_file {
        // Root's own directory, the file group-writable by gid 1000.
        nix::unistd::chown(
            &s,
            Some(nix::unistd::Uid::from_raw(0)),
            Some(nix::unistd::Gid::from_raw(1000)),
        )
        .unwrap();
        std::fs::set_permissions(&s, std::fs::Permissions::from_mode(0o775)).unwrap();
    }
    let conf = format!(
        "global_defs {{\n enable_script_security\n script_user root\n}}\n{}",
        instance("VI_1", &format!(" notify_master {}\n", s.display()))
    );
    let (_n, problems, _runner, _w) = notifier(&conf, Settings::default());
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert!(p.disabled);
    assert_eq!(p.what, "`notify_master` of vrrp_instance `VI_1`");
    let msg = p.to_string();
    if expect_file {
        let group = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(1000))
            .ok()
            .flatten()
            .map_or("1000".to_string(), |g| g.name);
        assert_eq!(
            p.message,
            format!(
                "{} is writable by group {group} (mode 0775); enable_script_security refuses \
                 to run it as root",
                s.display()
            )
        );
    } else {
        println!("SKIP: group-writable case needs root; checking the non-root owner case");
        assert!(msg.contains("is owned by user"), "{msg}");
        assert!(
            msg.contains("enable_script_security refuses to run"),
            "{msg}"
        );
    }
}

#[test]
fn a_script_made_unsafe_after_start_is_refused_when_it_would_run() {
    if !root() {
        println!("SKIP: a_script_made_unsafe_after_start: needs root (a root-owned script)");
        return;
    }
    let dir = TempDir::new("notify-recheck");
    let s = script(&dir, "n.sh", "exit 0");
    let mut sc = conf_script(&s.display().to_string());
    sc.user = Some("root".into());
    let e = Policy::new(true, None)
        .prepare(&SystemHost::new(), &sc)
        .unwrap();
    assert!(e.guarded());
    let runner = Runner::start(Waker::new().unwrap()).unwrap();
    let job = Job::new(e, Some(Duration::from_secs(5)));
    assert_eq!(run_one(&runner, job.clone()).outcome, Outcome::Exited(0));
    std::fs::set_permissions(&s, std::fs::Permissions::from_mode(0o777)).unwrap();
    match run_one(&runner, job).outcome {
        Outcome::Refused(i) => assert_eq!(
            i.to_string(),
            format!(
                "{} is writable by everyone (mode 0777); enable_script_security refuses to run \
                 it as root",
                s.display()
            )
        ),
        o => panic!("{o:?}"),
    }
}

#[test]
fn fifo_gets_keepalived_lines_and_its_script_the_path() {
    let dir = TempDir::new("notify-fifo");
    let fifo = dir.join("vrrp.fifo");
    let args = dir.join("args");
    let out = dir.join("lines");
    let reader = script(
        &dir,
        "reader.sh",
        &format!(
            "echo \"$*\" > {}\nexec cat \"$2\" > {}",
            args.display(),
            out.display()
        ),
    );
    let conf = format!(
        "global_defs {{\n vrrp_notify_fifo {}\n vrrp_notify_fifo_script \"{} first\"\n \
         vrrp_notify_priority_changes\n}}\n{}vrrp_sync_group G1 {{\n group {{\n  VI_1\n }}\n}}\n",
        fifo.display(),
        reader.display(),
        instance("VI_1", "")
    );
    let (mut n, problems, runner, w) = notifier(&conf, Settings::default());
    assert!(problems.is_empty(), "{problems:?}");
    assert!(std::fs::metadata(&fifo).unwrap().mode() & 0o170000 == 0o010000);
    n.pump(&runner, |t| t);
    n.instance("VI_1", NotifyState::Master, 100);
    n.priority_changed("VI_1", true, 90);
    n.master_rx_lower_pri("VI_1", 90);
    n.group("G1", NotifyState::Backup);
    let want = [
        "INSTANCE \"VI_1\" MASTER 100",
        "INSTANCE \"VI_1\" MASTER_PRIORITY 90",
        "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 90",
        "GROUP \"G1\" BACKUP 0",
    ];
    let until = Instant::now() + Duration::from_secs(10);
    while lines(&out) != want && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(lines(&out), want);
    assert_eq!(lines(&args), [format!("first {}", fifo.display())]);
    assert!(n.settled(), "the FIFO script does not hold a stop back");
    drop(n);
    assert!(!fifo.exists(), "the FIFO ha made is removed");
    // The script reads to the end of the FIFO, which comes when ha closes it; if it is
    // still running, the runner's stop kills it.
    let left = runner.shutdown(Duration::ZERO);
    assert_eq!(left.len(), 1);
    assert!(
        matches!(left[0].outcome, Outcome::Cancelled | Outcome::Exited(0)),
        "{:?}",
        left[0].outcome
    );
    let _ = w;
}

fn mail_conf(port: u16, timeout: u32, extra: &str) -> String {
    format!(
        "global_defs {{\n notification_email {{\n  ops@example.com\n  oncall@example.com\n }}\n \
         notification_email_from ha@lb1.example\n smtp_server 127.0.0.1 {port}\n \
         smtp_connect_timeout {timeout}\n router_id LB1\n smtp_alert\n{extra}}}\n{}",
        instance("VI_1", "")
    )
}

#[test]
fn alert_mail_arrives_with_keepalived_subject_and_body() {
    let server = smtp_server(SmtpScript {
        accept_mail: true,
        ..SmtpScript::default()
    });
    let conf = mail_conf(server.port(), 5, " smtp_helo_name lb1.example\n");
    let (mut n, problems, runner, w) = notifier(&conf, Settings::default());
    assert!(problems.is_empty(), "{problems:?}");
    n.instance("VI_1", NotifyState::Master, 100);
    // The same state again sends nothing (keepalived's last_email_state).
    n.instance("VI_1", NotifyState::Master, 100);
    let events = drive(&mut n, &runner, &w, Duration::from_secs(10));
    assert_eq!(
        events,
        [Event::Mail {
            subject: "[LB1] VRRP Instance VI_1 - Entering MASTER state".into(),
            result: Ok(())
        }]
    );
    assert_eq!(
        events[0].to_string(),
        "alert mail sent: [LB1] VRRP Instance VI_1 - Entering MASTER state"
    );
    let got = server.wait_requests(1);
    let text = got[0].text();
    assert!(
        text.starts_with(
            "HELO lb1.example\r\nMAIL FROM:<ha@lb1.example>\r\nRCPT TO:<ops@example.com>\r\n\
             RCPT TO:<oncall@example.com>\r\nDATA\r\nDate: "
        ),
        "{text}"
    );
    assert!(
        text.ends_with(
            "\r\nFrom: ha@lb1.example\r\n\
             Subject: [LB1] VRRP Instance VI_1 - Entering MASTER state\r\n\
             X-Mailer: Keepalived\r\nTo: ops@example.com, oncall@example.com\r\n\r\n\
             => VRRP Instance is now owning VRRP VIPs <=\r\n\r\n.\r\nQUIT\r\n"
        ),
        "{text}"
    );
}

#[test]
fn a_refused_smtp_port_fails_at_once() {
    let port = refused_port();
    let (mut n, _, runner, w) = notifier(&mail_conf(port, 5, ""), Settings::default());
    let start = Instant::now();
    n.instance("VI_1", NotifyState::Backup, 100);
    let events = drive(&mut n, &runner, &w, Duration::from_secs(10));
    assert!(start.elapsed() < Duration::from_secs(2));
    match &events[..] {
        [e @ Event::Mail {
            result: Err(err), ..
        }] => {
            assert!(e.failed());
            assert_eq!(err.step, "connect");
            assert!(
                e.to_string().starts_with(&format!(
                    "alert mail not sent ([LB1] VRRP Instance VI_1 - Entering BACKUP state): \
                     SMTP server 127.0.0.1:{port}: connect: cannot connect:"
                )),
                "{e}"
            );
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn a_blackholed_smtp_server_times_out_and_blocks_no_notify() {
    let Some(hole) = blackhole() else {
        println!("SKIP: this kernel answers SYNs beyond a full accept queue; no blackhole");
        return;
    };
    let dir = TempDir::new("notify-blackhole");
    let log = dir.join("log");
    let rec = script(&dir, "rec.sh", &format!("echo \"$*\" >> {}", log.display()));
    let conf = format!(
        "global_defs {{\n notification_email {{\n  ops@example.com\n }}\n \
         smtp_server 127.0.0.1 {}\n smtp_connect_timeout 1\n smtp_alert\n}}\n{}",
        hole.addr.port(),
        instance("VI_1", &format!(" notify \"{} generic\"\n", rec.display()))
    );
    let (mut n, problems, runner, w) = notifier(&conf, Settings::default());
    assert!(problems.is_empty(), "{problems:?}");
    let start = Instant::now();
    n.instance("VI_1", NotifyState::Master, 100);
    n.instance("VI_1", NotifyState::Backup, 100);
    assert!(
        start.elapsed() < Duration::from_millis(50),
        "the calls never wait"
    );
    let events = drive(&mut n, &runner, &w, Duration::from_secs(10));
    let took = start.elapsed();
    // Two mails, one after the other, each failing at its 1 s connect deadline.
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert_eq!(
        lines(&log),
        [
            "generic INSTANCE VI_1 MASTER 100",
            "generic INSTANCE VI_1 BACKUP 100"
        ]
    );
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            Event::Script { .. } => "script",
            Event::Mail { result: Err(_), .. } => "mail failed",
            _ => "other",
        })
        .collect();
    // The scripts ran while the first mail was still waiting for its connection.
    assert_eq!(kinds, ["script", "script", "mail failed", "mail failed"]);
    if let Event::Mail {
        result: Err(err), ..
    } = &events[2]
    {
        assert_eq!(err.step, "connect");
        assert_eq!(
            err.problem,
            ha::notify::MailProblem::TimedOut(Duration::from_secs(1))
        );
    }
}
