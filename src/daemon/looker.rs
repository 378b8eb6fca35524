//! track_file contents and vrrp_track_process counts, read in a thread of their own: a file
//! on a slow filesystem or a /proc with thousands of processes must not hold up the VRRP
//! loop's timers. Every second the thread reads everything and hands one `Look` over, waking
//! the loop through the script runner's waker.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use crate::conf::model::vrrp::TrackProcess;
use crate::notify::Waker;
use crate::track_io;

/// One round of reading.
#[derive(Debug)]
pub struct Look {
    pub at: Instant,
    /// Per track_file (name, content; None when it could not be read).
    pub files: Vec<(String, Option<Vec<u8>>)>,
    /// Per vrrp_track_process (name, matching processes); Err when /proc could not be read.
    pub processes: Result<Vec<(String, u32)>, String>,
}

/// How often everything is read again (keepalived is told by inotify and the process
/// connector; a one-second look costs little and needs neither).
pub const EVERY: Duration = Duration::from_secs(1);

pub struct Looker {
    rx: Receiver<Look>,
    /// Dropping it ends the thread at its next wait.
    _stop: Sender<()>,
}

impl Looker {
    /// None when there is nothing to look at.
    pub fn start(
        files: Vec<(String, PathBuf)>,
        processes: Vec<TrackProcess>,
        waker: Waker,
    ) -> std::io::Result<Option<Looker>> {
        if files.is_empty() && processes.is_empty() {
            return Ok(None);
        }
        let (tx, rx) = mpsc::channel();
        let (stop, stopped) = mpsc::channel::<()>();
        thread::Builder::new()
            .name("ha-look".into())
            .spawn(move || loop {
                let look = read_all(&files, &processes);
                if tx.send(look).is_err() {
                    return;
                }
                waker.wake();
                match stopped.recv_timeout(EVERY) {
                    Err(RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
            })?;
        Ok(Some(Looker { rx, _stop: stop }))
    }

    /// The rounds read since the last call.
    pub fn try_recv(&self) -> Option<Look> {
        self.rx.try_recv().ok()
    }
}

fn read_all(files: &[(String, PathBuf)], processes: &[TrackProcess]) -> Look {
    let files = files
        .iter()
        .map(|(name, path)| (name.clone(), track_io::read_track_file(path).ok()))
        .collect();
    let processes = if processes.is_empty() {
        Ok(Vec::new())
    } else {
        let specs: Vec<&TrackProcess> = processes.iter().collect();
        track_io::count_processes(&specs)
            .map(|counts| {
                processes
                    .iter()
                    .map(|p| p.name.clone())
                    .zip(counts)
                    .collect()
            })
            .map_err(|e| e.to_string())
    };
    Look {
        at: Instant::now(),
        files,
        processes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_to_look_at_starts_no_thread() {
        let waker = Waker::new().unwrap();
        assert!(Looker::start(Vec::new(), Vec::new(), waker)
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_round_is_read_at_once_and_wakes_the_loop() {
        let dir = std::env::temp_dir().join(format!("ha-looker-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("weight");
        std::fs::write(&f, "5\n").unwrap();
        let waker = Waker::new().unwrap();
        let looker = Looker::start(vec![("w".into(), f.clone())], Vec::new(), waker.clone())
            .unwrap()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let look = loop {
            if let Some(l) = looker.try_recv() {
                break l;
            }
            assert!(Instant::now() < deadline, "no round within 5 s");
            thread::sleep(Duration::from_millis(5));
        };
        assert_eq!(look.files, vec![("w".to_string(), Some(b"5\n".to_vec()))]);
        assert!(look.processes.unwrap().is_empty());
        drop(looker);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
