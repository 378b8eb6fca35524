//! keepalived's SMTP dialogue (core/smtp.c): connect, greeting 220, `HELO name` 250,
//! `MAIL FROM:<from>` 250, `RCPT TO:<to>` 250 for each address, `DATA` 354, the message
//! 250, `QUIT` 221. Multi-line replies (`250-...`) are read to their last line, whose code
//! counts. Blocking, with a deadline on every step: the connection, and each reply counted
//! from the command it answers (keepalived restarts its timer at every read, so a server
//! sending a byte a second holds it forever; here it cannot).
//!
//! On a wrong reply the dialogue ends with QUIT, as keepalived's does. Once the message is
//! accepted (250 after the data) the mail counts as sent, whatever QUIT gets.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::mail::MailSettings;
use super::runner::secs;
use crate::conf::model::global::SmtpHost;

/// A reply longer than this is refused (keepalived: 1024 bytes).
const MAX_REPLY: usize = 4096;

/// Why a mail was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailError {
    /// `host:port`.
    pub server: String,
    /// "connect", "the greeting", "HELO", "RCPT TO:<a@b>", ...
    pub step: String,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The server's name does not resolve.
    Resolve(String),
    Connect(String),
    /// No (complete) answer within the step's time.
    TimedOut(Duration),
    /// The server closed the connection.
    Closed,
    /// An answer with another code than the step expects: the answer's last line.
    Refused(String),
    /// An answer that is not `NNN text`, or too long.
    Garbled(String),
    Io(String),
}

impl fmt::Display for MailError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "SMTP server {}: {}: ", self.server, self.step)?;
        match &self.problem {
            Problem::Resolve(e) => write!(f, "cannot resolve the name: {e}"),
            Problem::Connect(e) => write!(f, "cannot connect: {e}"),
            Problem::TimedOut(t) => write!(f, "no answer within {}", secs(*t)),
            Problem::Closed => f.write_str("the server closed the connection"),
            Problem::Refused(line) => write!(f, "answered `{line}`"),
            Problem::Garbled(line) => write!(f, "not an SMTP answer: `{line}`"),
            Problem::Io(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for MailError {}

/// Sends `data` (a whole message, end-of-data mark included) to every recipient.
pub fn deliver(s: &MailSettings, data: &str) -> Result<(), MailError> {
    let server = s.server_label();
    let fail = |step: &str, problem| MailError {
        server: server.clone(),
        step: step.to_string(),
        problem,
    };
    let addrs: Vec<SocketAddr> = match &s.server {
        SmtpHost::Ip(ip) => vec![SocketAddr::new(*ip, s.port)],
        SmtpHost::Name(name) => (name.as_str(), s.port)
            .to_socket_addrs()
            .map_err(|e| fail("connect", Problem::Resolve(e.to_string())))?
            .collect(),
    };
    let stream = connect(&addrs, s.timeout).map_err(|p| fail("connect", p))?;
    let mut session = Session {
        stream,
        buf: Vec::new(),
        timeout: s.timeout,
    };
    match dialogue(&mut session, s, data) {
        Ok(()) => Ok(()),
        Err((step, problem)) => {
            session.quit_quietly();
            Err(fail(&step, problem))
        }
    }
}

fn connect(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, Problem> {
    let mut last = Problem::Resolve("no address".to_string());
    for a in addrs {
        match TcpStream::connect_timeout(a, timeout) {
            Ok(s) => return Ok(s),
            Err(e) if is_timeout(&e) => last = Problem::TimedOut(timeout),
            Err(e) => last = Problem::Connect(e.to_string()),
        }
    }
    Err(last)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

type StepError = (String, Problem);

fn dialogue(sn: &mut Session, s: &MailSettings, data: &str) -> Result<(), StepError> {
    sn.expect("the greeting", 220)?;
    sn.command("HELO", &format!("HELO {}\r\n", s.helo), 250)?;
    let from = format!("MAIL FROM:<{}>", s.from);
    sn.command(&from, &format!("{from}\r\n"), 250)?;
    for to in &s.to {
        let rcpt = format!("RCPT TO:<{to}>");
        sn.command(&rcpt, &format!("{rcpt}\r\n"), 250)?;
    }
    sn.command("DATA", "DATA\r\n", 354)?;
    sn.command("the message", data, 250)?;
    // Accepted: QUIT is a courtesy.
    let _ = sn.command("QUIT", "QUIT\r\n", 221);
    Ok(())
}

struct Session {
    stream: TcpStream,
    buf: Vec<u8>,
    timeout: Duration,
}

impl Session {
    fn command(&mut self, step: &str, text: &str, code: u16) -> Result<(), StepError> {
        let err = |p| (step.to_string(), p);
        self.stream
            .set_write_timeout(Some(self.timeout))
            .map_err(|e| err(Problem::Io(e.to_string())))?;
        self.stream.write_all(text.as_bytes()).map_err(|e| {
            err(if is_timeout(&e) {
                Problem::TimedOut(self.timeout)
            } else {
                Problem::Io(format!("cannot send: {e}"))
            })
        })?;
        self.expect(step, code)
    }

    /// Reads one reply (to its last line) and checks its code.
    fn expect(&mut self, step: &str, code: u16) -> Result<(), StepError> {
        let line = self.reply().map_err(|p| (step.to_string(), p))?;
        let got = line
            .get(..3)
            .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|c| c.parse::<u16>().ok());
        match got {
            Some(c) if c == code => Ok(()),
            Some(_) => Err((step.to_string(), Problem::Refused(line))),
            None => Err((step.to_string(), Problem::Garbled(line))),
        }
    }

    /// The last line of the next reply, within the step's time.
    fn reply(&mut self) -> Result<String, Problem> {
        let deadline = Instant::now() + self.timeout;
        loop {
            while let Some(nl) = self.buf.iter().position(|&b| b == b'\n') {
                let raw: Vec<u8> = self.buf.drain(..=nl).collect();
                let line = String::from_utf8_lossy(&raw)
                    .trim_end_matches(['\r', '\n'])
                    .to_string();
                if line.as_bytes().get(3) == Some(&b'-') {
                    continue;
                }
                return Ok(line);
            }
            if self.buf.len() > MAX_REPLY {
                let head = String::from_utf8_lossy(&self.buf[..80]).into_owned();
                return Err(Problem::Garbled(format!("{head}...")));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Problem::TimedOut(self.timeout));
            }
            self.stream
                .set_read_timeout(Some(left))
                .map_err(|e| Problem::Io(e.to_string()))?;
            let mut chunk = [0u8; 512];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(Problem::Closed),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) => {}
                Err(e) => return Err(Problem::Io(format!("cannot read: {e}"))),
            }
        }
    }

    /// After a failure: QUIT without waiting for the answer.
    fn quit_quietly(&mut self) {
        let _ = self
            .stream
            .set_write_timeout(Some(Duration::from_millis(200)));
        let _ = self.stream.write_all(b"QUIT\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    fn settings(port: u16, timeout: Duration) -> MailSettings {
        MailSettings {
            server: SmtpHost::Ip("127.0.0.1".parse().unwrap()),
            port,
            timeout,
            helo: "lb1".into(),
            from: "ka@lb1".into(),
            to: vec!["a@x".into(), "b@y".into()],
            router_id: "lb1".into(),
        }
    }

    /// A server answering each line with the next reply of `replies` (after the greeting,
    /// which is the first); returns what it read.
    fn server(replies: Vec<&'static str>) -> (u16, thread::JoinHandle<String>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let t = thread::spawn(move || {
            let (mut c, _) = l.accept().unwrap();
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut replies = replies.into_iter();
            c.write_all(replies.next().unwrap().as_bytes()).unwrap();
            let mut got = Vec::new();
            let mut in_data = false;
            let mut buf = [0u8; 1024];
            loop {
                let n = match c.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got).into_owned();
                let complete = if in_data {
                    text.ends_with("\r\n.\r\n")
                } else {
                    text.ends_with("\r\n")
                };
                if !complete {
                    continue;
                }
                in_data = text.ends_with("DATA\r\n");
                match replies.next() {
                    Some(r) => c.write_all(r.as_bytes()).unwrap(),
                    None => break,
                }
            }
            String::from_utf8_lossy(&got).into_owned()
        });
        (port, t)
    }

    #[test]
    fn the_whole_dialogue_with_multiline_replies() {
        let (port, t) = server(vec![
            "220-mail.test ESMTP\r\n220 ready\r\n",
            "250 hi\r\n",
            "250 ok\r\n",
            "250 ok\r\n",
            "250-ok\r\n250 ok\r\n",
            "354 go\r\n",
            "250 queued\r\n",
            "221 bye\r\n",
        ]);
        let s = settings(port, Duration::from_secs(5));
        deliver(&s, "Subject: x\r\n\r\nbody\r\n\r\n.\r\n").unwrap();
        let got = t.join().unwrap();
        assert_eq!(
            got,
            "HELO lb1\r\nMAIL FROM:<ka@lb1>\r\nRCPT TO:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n\
             Subject: x\r\n\r\nbody\r\n\r\n.\r\nQUIT\r\n"
        );
    }

    #[test]
    fn a_refused_recipient_ends_with_quit() {
        let (port, t) = server(vec![
            "220 ready\r\n",
            "250 hi\r\n",
            "250 ok\r\n",
            "550 no such user\r\n",
        ]);
        let s = settings(port, Duration::from_secs(5));
        let err = deliver(&s, "x\r\n.\r\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("SMTP server 127.0.0.1:{port}: RCPT TO:<a@x>: answered `550 no such user`")
        );
        assert!(t.join().unwrap().ends_with("RCPT TO:<a@x>\r\nQUIT\r\n"));
    }

    #[test]
    fn a_silent_server_fails_at_the_step_deadline() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let s = settings(port, Duration::from_millis(300));
        let start = Instant::now();
        let err = deliver(&s, "x").unwrap_err();
        let took = start.elapsed();
        assert_eq!(err.step, "the greeting");
        assert_eq!(err.problem, Problem::TimedOut(Duration::from_millis(300)));
        assert!(took < Duration::from_secs(2), "{took:?}");
        drop(l);
    }

    #[test]
    fn a_refused_connection_fails_at_once() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let err = deliver(&settings(port, Duration::from_secs(5)), "x").unwrap_err();
        assert_eq!(err.step, "connect");
        assert!(matches!(err.problem, Problem::Connect(_)), "{err}");
    }
}
