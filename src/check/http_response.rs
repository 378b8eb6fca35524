//! Sans-IO reader of an HTTP reply as keepalived's HTTP_GET sees it: find the end of the
//! header, take the status code and Content-Length, and MD5 the body bytes (raw, never
//! decoded, at most Content-Length of them), so digests match keepalived's and genhash's.

use md5::{Digest, Md5};

/// How closely to follow keepalived's own reading of the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// keepalived 2.2.7 exactly (genhash compat): a 4095-byte header buffer whose overflow
    /// reads as "no data", `Content-Length:` matched case-sensitively anywhere in the buffer.
    Keepalived,
    /// ha's checks: header up to 64 KiB, header names case-insensitive, the status line must
    /// start with `HTTP/`.
    Strict,
}

/// keepalived's MAX_BUFFER_LENGTH less the byte kept for its terminating NUL.
const KEEPALIVED_BUFFER: usize = 4095;
pub const STRICT_HEADER_LIMIT: usize = 64 * 1024;
const STRICT_READ_CHUNK: usize = 16 * 1024;

/// What one chunk of the reply did.
#[derive(Debug, PartialEq, Eq)]
pub enum Fed<'a> {
    /// The header is still incomplete.
    HeaderPending,
    /// The header ended in this chunk. `hashed` is the part of the body that followed it
    /// in the same chunk and went into the digest.
    HeaderDone { header: &'a [u8], hashed: &'a [u8] },
    /// More body; `hashed` is the part that went into the digest.
    Body { hashed: &'a [u8] },
}

#[derive(Debug, Clone)]
pub struct ResponseParser {
    dialect: Dialect,
    head: Vec<u8>,
    header_len: Option<usize>,
    status: u16,
    content_length: Option<u64>,
    body_received: u64,
    md5: Md5,
}

/// The reply as far as it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// 0 when the status line could not be read.
    pub status: u16,
    pub header: Vec<u8>,
    pub content_length: Option<u64>,
    pub body_received: u64,
    pub digest: [u8; 16],
}

impl ResponseParser {
    pub fn new(dialect: Dialect) -> Self {
        ResponseParser {
            dialect,
            head: Vec::new(),
            header_len: None,
            status: 0,
            content_length: None,
            body_received: 0,
            md5: Md5::new(),
        }
    }

    /// How many bytes the next read may take. Zero means the header filled its buffer
    /// without ending (see [`ResponseParser::header_overflow`]).
    pub fn read_capacity(&self) -> usize {
        match (self.dialect, self.header_len) {
            (Dialect::Keepalived, None) => KEEPALIVED_BUFFER - self.head.len(),
            (Dialect::Keepalived, Some(_)) => KEEPALIVED_BUFFER,
            (Dialect::Strict, None) => STRICT_HEADER_LIMIT.saturating_sub(self.head.len()),
            (Dialect::Strict, Some(_)) => STRICT_READ_CHUNK,
        }
    }

    /// True when the header can no longer end within the buffer.
    pub fn header_overflow(&self) -> bool {
        self.header_len.is_none() && self.read_capacity() == 0
    }

    pub fn header_complete(&self) -> bool {
        self.header_len.is_some()
    }

    /// True once Content-Length bytes of body have arrived.
    pub fn body_complete(&self) -> bool {
        self.header_len.is_some()
            && self
                .content_length
                .is_some_and(|cl| self.body_received >= cl)
    }

    pub fn body_received(&self) -> u64 {
        self.body_received
    }

    /// Takes the next chunk of the reply (at most [`ResponseParser::read_capacity`] bytes).
    pub fn feed<'a>(&'a mut self, chunk: &'a [u8]) -> Fed<'a> {
        if self.header_len.is_some() {
            let hashed = self.hash_body(chunk);
            return Fed::Body {
                hashed: &chunk[..hashed],
            };
        }
        let searched_from = self.head.len().saturating_sub(3);
        self.head.extend_from_slice(chunk);
        let Some(end) = find_header_end(&self.head, searched_from) else {
            return Fed::HeaderPending;
        };
        self.header_len = Some(end);
        self.status = match self.dialect {
            Dialect::Keepalived => status_code(&self.head),
            Dialect::Strict if self.head.starts_with(b"HTTP/") => strict_status_code(&self.head),
            Dialect::Strict => 0,
        };
        self.content_length = match self.dialect {
            Dialect::Keepalived => keepalived_content_length(&self.head),
            Dialect::Strict => header_content_length(&self.head[..end]),
        };
        let body = self.head.split_off(end);
        let hashed = self.hash_body(&body);
        self.head.extend_from_slice(&body);
        let (header, rest) = self.head.split_at(end);
        Fed::HeaderDone {
            header,
            hashed: &rest[..hashed],
        }
    }

    /// Hashes the part of `body` that lies within Content-Length; returns its length.
    fn hash_body(&mut self, body: &[u8]) -> usize {
        let take = match self.content_length {
            None => body.len(),
            Some(cl) => cl.saturating_sub(self.body_received).min(body.len() as u64) as usize,
        };
        self.md5.update(&body[..take]);
        self.body_received += body.len() as u64;
        take
    }

    pub fn finish(self) -> Reply {
        let header = match self.header_len {
            Some(n) => self.head[..n].to_vec(),
            None => self.head,
        };
        Reply {
            status: self.status,
            header,
            content_length: self.content_length,
            body_received: self.body_received,
            digest: self.md5.finalize().into(),
        }
    }
}

/// Index just past the first CRLFCRLF, searching from `from`.
fn find_header_end(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| from + p + 4)
}

/// C's strtoul on a byte string: leading white space, an optional sign, decimal digits.
/// Returns the value (negated values wrap, overflow saturates, as in C) and the bytes used,
/// 0 when there were no digits.
fn strtoul(s: &[u8]) -> (u64, usize) {
    let mut i = s
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = s[i.min(s.len())..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return (0, 0);
    }
    let value = s[i..i + digits].iter().fold(0u64, |acc, &d| {
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .unwrap_or(u64::MAX)
    });
    let value = if negative && value != u64::MAX {
        value.wrapping_neg()
    } else {
        value
    };
    (value, i + digits)
}

/// keepalived's extract_status_code: the three characters after the first space, followed
/// by a space. 0 when that shape is not there.
fn status_code(buf: &[u8]) -> u16 {
    let Some(space) = buf.iter().position(|&b| b == b' ' || b == b'\r') else {
        return 0;
    };
    if buf[space] != b' ' {
        return 0;
    }
    let code = &buf[space + 1..];
    if code.len() <= 3 || code[0] == b' ' || code[3] != b' ' {
        return 0;
    }
    match strtoul(code) {
        (v, 3) => u16::try_from(v).unwrap_or(0),
        _ => 0,
    }
}

/// The status code of a line starting `HTTP/`: three digits after the first space, followed
/// by a space or the end of the line (a missing reason phrase is common and harmless).
fn strict_status_code(buf: &[u8]) -> u16 {
    let line = &buf[..buf.iter().position(|&b| b == b'\r').unwrap_or(buf.len())];
    let Some(space) = line.iter().position(|&b| b == b' ') else {
        return 0;
    };
    let code = &line[space + 1..];
    let digits = code.get(..3).filter(|d| d.iter().all(u8::is_ascii_digit));
    match (digits, code.get(3)) {
        (Some(d), None | Some(b' ')) => d
            .iter()
            .fold(0u16, |acc, &b| acc * 10 + u16::from(b - b'0')),
        _ => 0,
    }
}

/// keepalived's extract_content_length: `Content-Length:` found anywhere before the first
/// NUL of its buffer (body bytes included), value ended by CR, LF or the buffer's end.
fn keepalived_content_length(buf: &[u8]) -> Option<u64> {
    const TAG: &[u8] = b"Content-Length:";
    let hay = &buf[..buf.iter().position(|&b| b == 0).unwrap_or(buf.len())];
    let at = hay.windows(TAG.len()).position(|w| w == TAG)? + TAG.len();
    let (value, used) = strtoul(&hay[at..]);
    match hay.get(at + used) {
        None | Some(b'\r') | Some(b'\n') => Some(value),
        Some(_) => None,
    }
}

/// Content-Length from the header fields, names case-insensitive; None when absent or bad.
fn header_content_length(header: &[u8]) -> Option<u64> {
    header.split(|&b| b == b'\n').skip(1).find_map(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let colon = line.iter().position(|&b| b == b':')?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if !name.eq_ignore_ascii_case(b"content-length") {
            return None;
        }
        std::str::from_utf8(value).ok()?.trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPLY: &[u8] =
        b"HTTP/1.1 200 OK\r\nContent-Length: 17\r\nContent-Type: text/plain\r\n\r\nhello from kalab\n";
    const HELLO_MD5: &str = "65078f5e997cf8af75ced0bfee208362";

    fn hex(d: &[u8]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn feed_in_chunks(dialect: Dialect, reply: &[u8], size: usize) -> Reply {
        let mut p = ResponseParser::new(dialect);
        for chunk in reply.chunks(size) {
            p.feed(chunk);
        }
        p.finish()
    }

    #[test]
    fn digest_matches_keepalived_reference_whatever_the_chunking() {
        for size in [1, 2, 3, 5, 64, 4096] {
            for dialect in [Dialect::Keepalived, Dialect::Strict] {
                let r = feed_in_chunks(dialect, REPLY, size);
                assert_eq!(hex(&r.digest), HELLO_MD5, "chunk {size} {dialect:?}");
                assert_eq!(r.status, 200);
                assert_eq!(r.content_length, Some(17));
            }
        }
    }

    #[test]
    fn one_chunk_reports_header_and_hashed_body() {
        let mut p = ResponseParser::new(Dialect::Keepalived);
        match p.feed(REPLY) {
            Fed::HeaderDone { header, hashed } => {
                assert!(header.ends_with(b"\r\n\r\n"));
                assert_eq!(hashed, b"hello from kalab\n");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bytes_past_content_length_are_not_hashed() {
        let mut long = REPLY.to_vec();
        long.extend_from_slice(b"trailing junk");
        let r = feed_in_chunks(Dialect::Strict, &long, 7);
        assert_eq!(hex(&r.digest), HELLO_MD5);
        assert_eq!(r.body_received, 17 + 13);
    }

    #[test]
    fn body_complete_once_content_length_arrived() {
        let mut p = ResponseParser::new(Dialect::Strict);
        p.feed(&REPLY[..REPLY.len() - 1]);
        assert!(!p.body_complete());
        p.feed(&REPLY[REPLY.len() - 1..]);
        assert!(p.body_complete());
    }

    #[test]
    fn no_content_length_hashes_everything() {
        let r = feed_in_chunks(
            Dialect::Strict,
            b"HTTP/1.0 404 Not Found\r\n\r\nhello from kalab\n",
            4,
        );
        assert_eq!(r.status, 404);
        assert_eq!(r.content_length, None);
        assert_eq!(hex(&r.digest), HELLO_MD5);
    }

    #[test]
    fn status_line_shapes() {
        assert_eq!(status_code(b"HTTP/1.0 503 Busy\r\n"), 503);
        assert_eq!(
            status_code(b"HTTP/1.0 200\r\n"),
            0,
            "no space after the code"
        );
        assert_eq!(status_code(b"HTTP/1.0  200 OK\r\n"), 0);
        assert_eq!(status_code(b"HTTP/1.0 20x OK\r\n"), 0);
        assert_eq!(status_code(b"garbage"), 0);
        assert_eq!(status_code(b""), 0);
    }

    #[test]
    fn strict_dialect_accepts_a_missing_reason_phrase() {
        let r = feed_in_chunks(Dialect::Strict, b"HTTP/1.1 204\r\n\r\n", 64);
        assert_eq!(r.status, 204);
        let r = feed_in_chunks(Dialect::Strict, b"HTTP/1.1 2040 OK\r\n\r\n", 64);
        assert_eq!(r.status, 0);
        let r = feed_in_chunks(Dialect::Keepalived, b"HTTP/1.1 204\r\n\r\n", 64);
        assert_eq!(r.status, 0, "keepalived wants the space after the code");
    }

    #[test]
    fn strict_dialect_wants_an_http_status_line() {
        let r = feed_in_chunks(Dialect::Strict, b"SSH-2.0 200 OpenSSH\r\n\r\n", 64);
        assert_eq!(r.status, 0);
        let r = feed_in_chunks(Dialect::Keepalived, b"SSH-2.0 200 OpenSSH\r\n\r\n", 64);
        assert_eq!(
            r.status, 200,
            "keepalived does not look at the protocol name"
        );
    }

    #[test]
    fn content_length_dialects_differ_on_case() {
        let lower = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nabcd";
        assert_eq!(
            feed_in_chunks(Dialect::Strict, lower, 64).content_length,
            Some(2)
        );
        assert_eq!(
            feed_in_chunks(Dialect::Keepalived, lower, 64).content_length,
            None
        );
    }

    #[test]
    fn keepalived_content_length_quirks() {
        assert_eq!(
            keepalived_content_length(b"Content-Length: 12\r\n"),
            Some(12)
        );
        assert_eq!(keepalived_content_length(b"Content-Length: 12 \r\n"), None);
        assert_eq!(keepalived_content_length(b"Content-Length: x\r\n"), None);
        assert_eq!(keepalived_content_length(b"X\0Content-Length: 1\r\n"), None);
        assert_eq!(keepalived_content_length(b"Content-Length:"), Some(0));
    }

    #[test]
    fn header_overflow_is_detected() {
        let mut p = ResponseParser::new(Dialect::Keepalived);
        p.feed(&[b'a'; KEEPALIVED_BUFFER]);
        assert!(p.header_overflow());
        let mut p = ResponseParser::new(Dialect::Strict);
        p.feed(&vec![b'a'; STRICT_HEADER_LIMIT]);
        assert!(p.header_overflow());
    }

    #[test]
    fn strtoul_like_c() {
        assert_eq!(strtoul(b" 42x"), (42, 3));
        assert_eq!(strtoul(b"x"), (0, 0));
        assert_eq!(strtoul(b"-1"), (u64::MAX, 2));
        assert_eq!(strtoul(b"99999999999999999999999"), (u64::MAX, 23));
    }

    #[test]
    fn header_split_across_chunks_at_every_point() {
        for cut in 1..REPLY.len() {
            let mut p = ResponseParser::new(Dialect::Strict);
            p.feed(&REPLY[..cut]);
            p.feed(&REPLY[cut..]);
            assert_eq!(hex(&p.finish().digest), HELLO_MD5, "cut at {cut}");
        }
    }
}
