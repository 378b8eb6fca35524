//! SMTP_CHECK: greeting 220, `HELO name` answered 250, then QUIT.
//!
//! Unlike keepalived 2.2.7, multi-line replies (`220-...` continuation lines, common with
//! Postfix and Exim banners) are read whole instead of failing the check.

use std::time::{Duration, Instant};

use super::conn::{self, ConnectOpts, Deadline};
use super::stream::{ReadOutcome, Stream, WriteError};
use super::{quote_bytes, run_with_retry, Attempt, Outcome};

/// keepalived's SMTP_DEFAULT_HELO.
pub const DEFAULT_HELO: &str = "smtpchecker.keepalived.org";
/// A reply longer than this is not an SMTP server talking.
const MAX_REPLY: usize = 4096;

#[derive(Debug, Clone, PartialEq)]
pub struct SmtpCheck {
    pub conn: ConnectOpts,
    pub helo_name: String,
    pub retry: u32,
    pub delay_before_retry: Duration,
}

/// A complete SMTP reply: its code and its last line's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub text: String,
}

/// Sans-IO reader of SMTP replies (RFC 5321 4.2: `NNN-` continues, `NNN ` or `NNN` ends).
#[derive(Debug, Default)]
pub struct ReplyReader {
    buf: Vec<u8>,
}

impl ReplyReader {
    pub fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete reply, None when more bytes are needed, Err for a malformed one.
    pub fn next_reply(&mut self) -> Result<Option<Reply>, String> {
        let mut start = 0;
        while let Some(nl) = self.buf[start..].iter().position(|&b| b == b'\n') {
            let line = &self.buf[start..start + nl];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let code = line
                .get(..3)
                .filter(|c| c.iter().all(u8::is_ascii_digit))
                .and_then(|c| std::str::from_utf8(c).ok()?.parse::<u16>().ok());
            let (Some(code), sep) = (code, line.get(3).copied()) else {
                return Err(format!("not an SMTP reply: {}", quote_bytes(line, 40)));
            };
            match sep {
                Some(b'-') => start += nl + 1,
                None | Some(b' ') => {
                    let text = String::from_utf8_lossy(line.get(4..).unwrap_or(b"")).into_owned();
                    self.buf.drain(..start + nl + 1);
                    return Ok(Some(Reply { code, text }));
                }
                Some(_) => return Err(format!("not an SMTP reply: {}", quote_bytes(line, 40))),
            }
        }
        if self.buf.len() > MAX_REPLY {
            return Err(format!("reply longer than {MAX_REPLY} bytes"));
        }
        Ok(None)
    }
}

impl SmtpCheck {
    pub fn run(&self) -> Outcome {
        run_with_retry(self.retry, self.delay_before_retry, || self.attempt())
    }

    fn attempt(&self) -> Attempt {
        let deadline = Deadline::overall(Instant::now(), self.conn.timeout);
        let tcp = conn::connect(&self.conn, &deadline).map_err(|e| e.to_string())?;
        let mut s = Session {
            stream: Stream::Plain(tcp),
            reader: ReplyReader::default(),
            deadline,
            timeout: self.conn.timeout,
        };
        let greeting = s.reply("greeting")?;
        if greeting.code != 220 {
            return Err(format!(
                "bad greeting: {} {} (expected 220)",
                greeting.code, greeting.text
            ));
        }
        s.send(format!("HELO {}\r\n", self.helo_name).as_bytes(), "HELO")?;
        let helo = s.reply("HELO reply")?;
        if helo.code != 250 {
            return Err(format!(
                "HELO {} answered {} {} (expected 250)",
                self.helo_name, helo.code, helo.text
            ));
        }
        // The server has proven itself; a missing QUIT reply does not make it unhealthy.
        if s.send(b"QUIT\r\n", "QUIT").is_ok() {
            let _ = s.reply("QUIT reply");
        }
        Ok(format!("220 greeting, HELO answered 250 ({})", helo.text))
    }
}

struct Session {
    stream: Stream,
    reader: ReplyReader,
    deadline: Deadline,
    timeout: Duration,
}

impl Session {
    fn reply(&mut self, what: &str) -> Result<Reply, String> {
        let mut buf = [0u8; 1024];
        loop {
            if let Some(reply) = self.reader.next_reply()? {
                return Ok(reply);
            }
            match self.stream.read(&mut buf, &self.deadline) {
                ReadOutcome::Data(n) => self.reader.feed(&buf[..n]),
                ReadOutcome::Eof { .. } => {
                    return Err(format!(
                        "the server closed the connection before its {what}"
                    ))
                }
                ReadOutcome::Timeout => {
                    return Err(format!("no {what} within {}", conn::secs(self.timeout)))
                }
                ReadOutcome::Error(e) => {
                    return Err(format!("reading the {what}: {}", conn::describe(&e)))
                }
            }
        }
    }

    fn send(&mut self, line: &[u8], what: &str) -> Result<(), String> {
        self.stream
            .write_all(line, &self.deadline)
            .map_err(|e| match e {
                WriteError::Timeout => {
                    format!("could not send {what} within {}", conn::secs(self.timeout))
                }
                WriteError::Io(e) => format!("sending {what}: {}", conn::describe(&e)),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> Vec<Result<Option<Reply>, String>> {
        let mut r = ReplyReader::default();
        r.feed(input);
        let mut out = Vec::new();
        loop {
            let next = r.next_reply();
            let stop = !matches!(next, Ok(Some(_)));
            out.push(next);
            if stop {
                return out;
            }
        }
    }

    #[test]
    fn single_and_multi_line_replies() {
        let got = read_all(b"220 mx ESMTP\r\n250-mx\r\n250-SIZE 100\r\n250 OK\r\n");
        assert_eq!(
            got,
            vec![
                Ok(Some(Reply {
                    code: 220,
                    text: "mx ESMTP".into()
                })),
                Ok(Some(Reply {
                    code: 250,
                    text: "OK".into()
                })),
                Ok(None)
            ]
        );
    }

    #[test]
    fn incomplete_reply_waits_for_more() {
        let mut r = ReplyReader::default();
        r.feed(b"220-first\r\n220 sec");
        assert_eq!(r.next_reply(), Ok(None));
        r.feed(b"ond\r\n");
        assert_eq!(r.next_reply().unwrap().unwrap().text, "second");
    }

    #[test]
    fn bare_code_and_lf_only_lines() {
        assert_eq!(
            read_all(b"250\n")[0],
            Ok(Some(Reply {
                code: 250,
                text: String::new()
            }))
        );
    }

    #[test]
    fn garbage_and_floods_are_errors() {
        assert!(read_all(b"HTTP/1.1 400 Bad Request\r\n")[0].is_err());
        assert!(read_all(b"22x ok\r\n")[0].is_err());
        assert!(read_all(&[b'2'; MAX_REPLY + 1])[0].is_err());
    }
}
