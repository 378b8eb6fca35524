//! The edges of tracking: reading (and initialising) a `track_file`, and counting the
//! processes that match a `vrrp_track_process`. Each call is short and bounded and never
//! waits on another process: the values go to [`crate::vrrp::Tracking`].
//!
//! keepalived 2.2.7 does the same reads (`process_track_file`, trackers/track_file.c;
//! `read_procs` / `check_params`, core/track_process.c): one non-blocking read of at most
//! 127 bytes of the file; /proc/PID/stat for the process name (zombies skipped) and
//! /proc/PID/cmdline for the full command line and its parameters.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use nix::fcntl::OFlag;

use crate::conf::model::vrrp::{InitFile, ParamMatch, TrackProcess};
use crate::vrrp::track::file::READ_MAX;

/// Why a track_file could not be read; for tracking it reads as 0 (pass `None` to
/// [`crate::vrrp::Tracking::file_content`]).
#[derive(Debug)]
pub enum ReadError {
    Open(io::Error),
    Read(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            ReadError::Open(e) => write!(f, "cannot open it: {e}"),
            ReadError::Read(e) => write!(f, "cannot read it: {e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// The first bytes of a track_file, as keepalived reads them: opened non-blocking (a FIFO
/// without a writer, or with nothing written, does not wait), one read of at most
/// [`READ_MAX`] bytes.
pub fn read_track_file(path: &Path) -> Result<Vec<u8>, ReadError> {
    let mut f = OpenOptions::new()
        .read(true)
        .custom_flags(OFlag::O_NONBLOCK.bits())
        .open(path)
        .map_err(ReadError::Open)?;
    let mut buf = vec![0u8; READ_MAX];
    let n = loop {
        match f.read(&mut buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => break r.map_err(ReadError::Read)?,
        }
    };
    buf.truncate(n);
    Ok(buf)
}

/// What [`init_track_file`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitOutcome {
    /// The value was written.
    Written,
    /// The file exists and `overwrite` was not given.
    Kept,
}

#[derive(Debug)]
pub enum InitError {
    /// `overwrite` given, but the path is not a regular file (keepalived: "Cannot
    /// initialise track file ... - it is not a regular file").
    NotRegular,
    Io(io::Error),
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            InitError::NotRegular => f.write_str("it is not a regular file"),
            InitError::Io(e) => write!(f, "cannot write it: {e}"),
        }
    }
}

impl std::error::Error for InitError {}

static TMP_SEQ: AtomicU32 = AtomicU32::new(0);

/// `init_file [VALUE] [overwrite]` at start (keepalived's `track_file_end_handler`): write
/// "VALUE\n" when the file is missing, or always with `overwrite` (to a regular file
/// only). Like keepalived's `fopen_safe`, the value goes to a new file that is renamed
/// over the path, so no reader ever sees it half written.
pub fn init_track_file(path: &Path, init: &InitFile) -> Result<InitOutcome, InitError> {
    match fs::symlink_metadata(path) {
        Ok(_) if !init.overwrite => return Ok(InitOutcome::Kept),
        Ok(m) if !m.file_type().is_file() => return Err(InitError::NotRegular),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(InitError::Io(e)),
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(
        ".ha-{}-{}",
        std::process::id(),
        TMP_SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = PathBuf::from(tmp);
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o666)
        .open(&tmp)
        .and_then(|mut f| f.write_all(format!("{}\n", init.value).as_bytes()))
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(InitError::Io(e));
    }
    Ok(InitOutcome::Written)
}

/// One `vrrp_track_process` as the scan compares it.
#[derive(Debug, Clone)]
struct Spec<'a> {
    name: &'a [u8],
    /// The parameters, each followed by a NUL, as /proc/PID/cmdline holds them.
    params: Vec<u8>,
    param_match: ParamMatch,
    full_command: bool,
}

impl<'a> Spec<'a> {
    fn new(p: &'a TrackProcess) -> Spec<'a> {
        let mut params = Vec::new();
        for a in &p.params {
            params.extend_from_slice(a.as_bytes());
            params.push(0);
        }
        Spec {
            name: p.process.as_deref().unwrap_or_default().as_bytes(),
            params,
            param_match: p.param_match,
            full_command: p.full_command,
        }
    }

    /// keepalived's match in `read_procs` + `check_params`: the name (comm) or the
    /// command (argv[0]) equal to `process`; then the parameters: `exact` all of them
    /// and no more, `partial` the first ones whole, `initial` the first ones with the
    /// last given one allowed to be the start of a longer one.
    fn matches(&self, comm: Option<&[u8]>, cmdline: &[u8]) -> bool {
        if !self.full_command {
            return comm == Some(self.name);
        }
        let (argv0, rest) = match cmdline.iter().position(|b| *b == 0) {
            Some(k) => (&cmdline[..k], &cmdline[k + 1..]),
            None => (cmdline, &[][..]),
        };
        if argv0 != self.name {
            return false;
        }
        let spec = &self.params[..];
        match self.param_match {
            ParamMatch::None => true,
            ParamMatch::Exact => rest == spec,
            ParamMatch::Partial => rest.starts_with(spec),
            ParamMatch::Initial => rest.starts_with(&spec[..spec.len().saturating_sub(1)]),
        }
    }

    /// Bytes of cmdline needed to decide (one more than the spec, so that `exact` sees
    /// a longer command line).
    fn cmdline_need(&self) -> usize {
        self.name.len() + 1 + self.params.len() + 1
    }
}

/// How many processes match each of `specs`, in order, from one scan of /proc.
pub fn count_processes(specs: &[&TrackProcess]) -> io::Result<Vec<u32>> {
    count_processes_in(Path::new("/proc"), specs)
}

/// [`count_processes`] over another proc tree.
pub fn count_processes_in(proc_root: &Path, specs: &[&TrackProcess]) -> io::Result<Vec<u32>> {
    let specs: Vec<Spec> = specs.iter().map(|p| Spec::new(p)).collect();
    let mut counts = vec![0u32; specs.len()];
    let need_comm = specs.iter().any(|s| !s.full_command);
    let cmdline_max = specs
        .iter()
        .filter(|s| s.full_command)
        .map(Spec::cmdline_need)
        .max();
    for entry in fs::read_dir(proc_root)? {
        let Ok(entry) = entry else {
            continue;
        };
        let name = entry.file_name();
        if !name.as_encoded_bytes().iter().all(u8::is_ascii_digit) {
            continue;
        }
        let dir = entry.path();
        // A process may end at any moment: whatever cannot be read is not counted.
        let comm = if need_comm {
            match read_bounded(&dir.join("stat"), 512)
                .ok()
                .and_then(|s| comm_of(&s))
            {
                Some(c) => Some(c),
                None => continue,
            }
        } else {
            None
        };
        let cmdline = match cmdline_max {
            Some(max) => match read_bounded(&dir.join("cmdline"), max) {
                Ok(c) => c,
                Err(_) => continue,
            },
            None => Vec::new(),
        };
        for (k, s) in specs.iter().enumerate() {
            if s.matches(comm.as_deref(), &cmdline) {
                counts[k] = counts[k].saturating_add(1);
            }
        }
    }
    Ok(counts)
}

/// The command name in /proc/PID/stat ("PID (comm) S ..."), None for a zombie or a line
/// that does not parse. The name may hold ')' itself, so the last one closes it.
fn comm_of(stat: &[u8]) -> Option<Vec<u8>> {
    let open = stat.iter().position(|b| *b == b'(')?;
    let close = stat.iter().rposition(|b| *b == b')')?;
    if close < open {
        return None;
    }
    if stat.get(close + 2) == Some(&b'Z') {
        return None;
    }
    Some(stat[open + 1..close].to_vec())
}

fn read_bounded(path: &Path, max: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    File::open(path)?.take(max as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests;
