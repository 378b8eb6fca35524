//! A connected checker stream (plain TCP or TLS) whose every read and write is bounded by a
//! deadline.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use rustls::{ClientConnection, StreamOwned};

use super::conn::Deadline;
use super::tls::is_timeout;

pub enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

/// What one read produced.
#[derive(Debug)]
pub enum ReadOutcome {
    Data(usize),
    /// The peer closed. `clean` is false for TLS without close_notify.
    Eof {
        clean: bool,
    },
    Timeout,
    Error(io::Error),
}

#[derive(Debug)]
pub enum WriteError {
    Timeout,
    Io(io::Error),
}

/// Sets both socket timeouts; zero would mean "forever" to the kernel, so it is avoided.
pub fn set_timeouts(tcp: &TcpStream, left: Duration) -> io::Result<()> {
    let left = left.max(Duration::from_micros(1));
    tcp.set_read_timeout(Some(left))?;
    tcp.set_write_timeout(Some(left))
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref(),
        }
    }

    pub fn is_tls(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }

    /// One read of at most `buf.len()` bytes before the deadline.
    pub fn read(&mut self, buf: &mut [u8], deadline: &Deadline) -> ReadOutcome {
        let Some(left) = deadline.remaining(Instant::now()) else {
            return ReadOutcome::Timeout;
        };
        if let Err(e) = set_timeouts(self.tcp(), left) {
            return ReadOutcome::Error(e);
        }
        let result = loop {
            let r = match self {
                Stream::Plain(s) => s.read(buf),
                Stream::Tls(s) => s.read(buf),
            };
            match r {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match result {
            Ok(0) => ReadOutcome::Eof { clean: true },
            Ok(n) => ReadOutcome::Data(n),
            Err(e) if is_timeout(&e) => ReadOutcome::Timeout,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && self.is_tls() => {
                ReadOutcome::Eof { clean: false }
            }
            Err(e) => ReadOutcome::Error(e),
        }
    }

    /// Writes all of `data` before the deadline.
    pub fn write_all(&mut self, data: &[u8], deadline: &Deadline) -> Result<(), WriteError> {
        let Some(left) = deadline.remaining(Instant::now()) else {
            return Err(WriteError::Timeout);
        };
        set_timeouts(self.tcp(), left).map_err(WriteError::Io)?;
        let result = match self {
            Stream::Plain(s) => s.write_all(data).and_then(|_| s.flush()),
            Stream::Tls(s) => s.write_all(data).and_then(|_| s.flush()),
        };
        result.map_err(|e| {
            if is_timeout(&e) {
                WriteError::Timeout
            } else {
                WriteError::Io(e)
            }
        })
    }
}
