//! Starting one script process as keepalived 2.2.7 starts it (lib/notify.c
//! system_call_script, set_script_env; lib/signals.c signal_handler_script): its user's
//! gid, a supplementary group list of just that gid, its uid; a process group of its own so
//! a timeout kills everything it started; SIGTERM when the thread that started it dies;
//! default signal dispositions and an empty signal mask; stdin, stdout and stderr on
//! /dev/null. Like keepalived it gets the daemon's environment; unlike keepalived it runs
//! in `/` whatever the daemon's directory (keepalived is in `/` once it detaches), and no
//! descriptor of the daemon reaches it, even one opened without close-on-exec.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

use nix::libc;
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::unistd::{Gid, Uid};

use super::prepare::Exec;

/// Starts `exec` with `extra` appended to its argv. Returns once the program is executing
/// (or with the reason it could not be: exec errors come back from the child).
pub(super) fn spawn(exec: &Exec, extra: &[String]) -> io::Result<Child> {
    let (program, argv) = exec.command_line(extra);
    let mut cmd = Command::new(&program);
    if let Some((first, rest)) = argv.split_first() {
        cmd.arg0(first).args(rest);
    }
    cmd.current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    let ids = Ids {
        uid: exec.run_as().uid,
        gid: exec.run_as().gid,
        our_uid: nix::unistd::geteuid().as_raw(),
        our_gid: nix::unistd::getegid().as_raw(),
    };
    let dfl = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: the closure runs in the forked child before exec and only makes
    // async-signal-safe system calls (setgroups, setgid, setuid, prctl, sigaction,
    // close_range) on values prepared before the fork; it allocates nothing and takes no
    // lock.
    unsafe {
        cmd.pre_exec(move || child_setup(&ids, &dfl));
    }
    cmd.spawn()
}

/// The ids to switch to, and the daemon's own.
#[derive(Clone, Copy)]
struct Ids {
    uid: u32,
    gid: u32,
    our_uid: u32,
    our_gid: u32,
}

/// Between fork and exec: async-signal-safe calls only.
fn child_setup(ids: &Ids, dfl: &SigAction) -> io::Result<()> {
    if ids.our_uid == 0 {
        // Drop root's supplementary groups (keepalived: setgroups(1, &gid)).
        nix::unistd::setgroups(&[Gid::from_raw(ids.gid)])?;
    }
    if ids.gid != ids.our_gid {
        nix::unistd::setgid(Gid::from_raw(ids.gid))?;
    }
    if ids.uid != ids.our_uid {
        nix::unistd::setuid(Uid::from_raw(ids.uid))?;
    }
    // After setuid, which clears it.
    nix::sys::prctl::set_pdeathsig(Signal::SIGTERM)?;
    for sig in Signal::iterator() {
        if sig != Signal::SIGKILL && sig != Signal::SIGSTOP {
            // SAFETY: installs the default disposition, which runs no code of ours.
            let _ = unsafe { nix::sys::signal::sigaction(sig, dfl) };
        }
    }
    // Descriptors the daemon opened without close-on-exec get it now (std's own pipe that
    // reports exec errors is already close-on-exec). Kernels before 5.11 refuse the flag;
    // then only the daemon's discipline protects them.
    // SAFETY: close_range with CLOSE_RANGE_CLOEXEC only sets flags on this process's
    // descriptors; it reads no memory of ours.
    let _ = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3 as libc::c_uint,
            libc::c_uint::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    Ok(())
}

/// A pidfd for a child: readable when it exits, so the runner waits in poll(2) instead of
/// polling waitpid. None on kernels before 5.3.
pub(super) fn pidfd_open(pid: i32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1; it
    // reads no memory of ours.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0 as libc::c_uint) };
    if fd < 0 {
        return None;
    }
    let fd = RawFd::try_from(fd).ok()?;
    // SAFETY: `fd` was just returned by pidfd_open (close-on-exec); nothing else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}
