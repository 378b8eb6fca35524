//! Standard input for `-R`: a buffered reader that can also tell whether its next line is
//! there without waiting. `-R` holds operation lines back to send them in batches; before
//! it would wait for its feeder (a terminal, a program that writes a line and waits for its
//! effect), it sends what it holds, so the table changes when ipvsadm's would.

use std::io::{self, BufRead, Read};
use std::os::fd::AsFd;

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

/// Bytes asked for per read.
const READ_SIZE: usize = 64 * 1024;
/// A partial line this long is "ready": the reader may wait for the rest of it.
const READY_MAX: usize = 1 << 20;

pub struct Input<R> {
    inner: R,
    buf: Vec<u8>,
    /// Where the unread bytes of `buf` start.
    pos: usize,
    /// The descriptor reported its end (read returned 0).
    eof: bool,
}

impl<R: Read + AsFd> Input<R> {
    pub fn new(inner: R) -> Input<R> {
        Input {
            inner,
            buf: Vec::new(),
            pos: 0,
            eof: false,
        }
    }

    /// Whether the next line (up to its newline, or the end of input) can be read without
    /// waiting: reads whatever the descriptor has now.
    pub fn line_ready(&mut self) -> bool {
        loop {
            let unread = &self.buf[self.pos..];
            if self.eof || unread.contains(&b'\n') || unread.len() >= READY_MAX {
                return true;
            }
            if !readable_now(&self.inner) {
                return false;
            }
            // An error is the reader's to see: nothing to wait for here.
            if self.read_more().is_err() {
                return true;
            }
        }
    }
}

impl<R: Read> Input<R> {
    /// Appends one read's worth to the buffer (dropping what was consumed first).
    fn read_more(&mut self) -> io::Result<()> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + READ_SIZE, 0);
        loop {
            match self.inner.read(&mut self.buf[old..]) {
                Ok(n) => {
                    self.buf.truncate(old + n);
                    self.eof = n == 0;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        }
    }
}

/// poll(2) with no wait: data, an end or an error are all "readable" (a read returns at
/// once); a poll that fails says so too, leaving the verdict to the read.
fn readable_now(fd: &impl AsFd) -> bool {
    let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
    loop {
        match poll(&mut fds, PollTimeout::ZERO) {
            Ok(0) => return false,
            Ok(_) => return true,
            Err(Errno::EINTR) => continue,
            Err(_) => return true,
        }
    }
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let avail = self.fill_buf()?;
            let n = avail.len().min(out.len());
            out[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Input<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.buf.len() && !self.eof {
            self.read_more()?;
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;
    use std::io::Write;

    fn pipe() -> (Input<File>, File) {
        let (r, w) = nix::unistd::pipe().expect("pipe");
        (Input::new(File::from(r)), File::from(w))
    }

    fn line(input: &mut Input<File>) -> String {
        let mut s = String::new();
        input.read_line(&mut s).expect("read");
        s
    }

    #[test]
    fn a_line_is_ready_once_its_newline_came() {
        let (mut input, mut w) = pipe();
        assert!(!input.line_ready(), "nothing written yet");
        w.write_all(b"-A -t 10.0.0.1:80").expect("write");
        assert!(!input.line_ready(), "half a line");
        w.write_all(b"\n-a -t").expect("write");
        assert!(input.line_ready());
        assert_eq!(line(&mut input), "-A -t 10.0.0.1:80\n");
        assert!(!input.line_ready(), "the second line is not whole yet");
        w.write_all(b" 10.0.0.1:80 -r 10.0.0.2\n").expect("write");
        assert!(input.line_ready());
        assert_eq!(line(&mut input), "-a -t 10.0.0.1:80 -r 10.0.0.2\n");
        assert!(!input.line_ready());
        drop(w);
        assert!(input.line_ready(), "the end of input is ready");
        assert_eq!(line(&mut input), "");
    }

    #[test]
    fn a_last_line_without_newline_is_ready_at_the_end() {
        let (mut input, mut w) = pipe();
        w.write_all(b"-C").expect("write");
        drop(w);
        assert!(input.line_ready());
        assert_eq!(line(&mut input), "-C");
        assert!(input.line_ready());
    }

    #[test]
    fn reads_everything_through_a_small_buffer_of_the_caller() {
        let (mut input, mut w) = pipe();
        let text: Vec<u8> = (0..5000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let writer = {
            let text = text.clone();
            std::thread::spawn(move || w.write_all(&text).expect("write"))
        };
        let mut got = Vec::new();
        let mut chunk = [0u8; 7];
        loop {
            let n = input.read(&mut chunk).expect("read");
            if n == 0 {
                break;
            }
            got.extend_from_slice(&chunk[..n]);
        }
        writer.join().expect("writer");
        assert_eq!(got, text);
    }
}
