//! HTTP_GET and SSL_GET: the GET request keepalived sends, one fetch bounded by deadlines,
//! and the verdict (status code set, MD5 digest of the body, several URLs all passing).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::conn::{self, ConnectError, ConnectOpts, Deadline};
use super::http_response::{Dialect, Fed, Reply, ResponseParser};
use super::stream::{ReadOutcome, Stream, WriteError};
use super::tls::{self, TlsError, Verify};
use super::{quote_bytes, run_with_retry, Attempt, Outcome};

/// keepalived's `http_protocol` / genhash `-P`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpVersion {
    #[default]
    V1_0,
    /// HTTP/1.0 with `Connection: close`.
    V1_0Close,
    /// HTTP/1.1, always with `Connection: close`.
    V1_1,
}

impl FromStr for HttpVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "1.0" => Ok(HttpVersion::V1_0),
            "1.0c" | "1.0C" => Ok(HttpVersion::V1_0Close),
            "1.1" => Ok(HttpVersion::V1_1),
            _ => Err(format!("`{s}`: the HTTP version is 1.0, 1.0c or 1.1")),
        }
    }
}

/// The Host header keepalived sends: the virtualhost when set, else `ip:port`
/// (`[ip]:port` for IPv6, RFC 2732).
pub fn host_header(virtualhost: Option<&str>, dst: SocketAddr) -> String {
    match (virtualhost, dst) {
        (Some(v), _) => v.to_string(),
        (None, SocketAddr::V4(a)) => format!("{}:{}", a.ip(), a.port()),
        (None, SocketAddr::V6(a)) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

/// The request bytes, identical to keepalived 2.2.7's.
pub fn request(path: &str, version: HttpVersion, host: &str) -> Vec<u8> {
    let minor = if version == HttpVersion::V1_1 { 1 } else { 0 };
    let close = match version {
        HttpVersion::V1_0 => "",
        HttpVersion::V1_0Close | HttpVersion::V1_1 => "Connection: close\r\n",
    };
    format!(
        "GET {path} HTTP/1.{minor}\r\nUser-Agent: KeepAliveClient\r\n{close}Host: {host}\r\n\r\n"
    )
    .into_bytes()
}

/// TLS settings of one fetch.
#[derive(Clone)]
pub struct TlsSpec {
    pub config: Arc<rustls::ClientConfig>,
    /// Server name to send (SNI); None sends none.
    pub sni: Option<String>,
}

/// Everything one GET needs.
#[derive(Clone)]
pub struct FetchSpec {
    pub conn: ConnectOpts,
    pub tls: Option<TlsSpec>,
    pub path: String,
    pub host: String,
    pub version: HttpVersion,
    pub dialect: Dialect,
    /// keepalived renews connect_timeout at every step; ha bounds the whole fetch.
    pub timeout_per_step: bool,
    /// Read until the server closes even when Content-Length says the body is complete
    /// (genhash does; ha's checks stop as soon as they have the whole body).
    pub read_to_eof: bool,
}

/// How the reply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The server closed; `clean` is false for TLS without close_notify.
    Eof { clean: bool },
    /// Content-Length bytes arrived (only when not reading to EOF).
    ContentLength,
    /// keepalived's header buffer filled up without the header ending.
    HeaderOverflow,
}

#[derive(Debug)]
pub struct Fetched {
    pub reply: Reply,
    pub end: End,
    pub header_complete: bool,
}

/// Why a fetch did not produce a reply.
#[derive(Debug)]
pub enum FetchError {
    Connect(ConnectError),
    Tls(TlsError),
    WriteTimeout,
    Write(io::Error),
    /// The deadline passed while waiting for the reply; `received` bytes had arrived.
    ReadTimeout {
        received: u64,
    },
    Read {
        err: io::Error,
        received: u64,
    },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Connect(e) => write!(f, "{e}"),
            FetchError::Tls(e) => write!(f, "{e}"),
            FetchError::WriteTimeout => write!(f, "timed out sending the request"),
            FetchError::Write(e) => write!(f, "cannot send the request: {}", conn::describe(e)),
            FetchError::ReadTimeout { received: 0 } => write!(f, "no reply before the deadline"),
            FetchError::ReadTimeout { received } => {
                write!(f, "reply stalled after {received} bytes")
            }
            FetchError::Read { err, received } => write!(
                f,
                "read failed after {received} bytes: {}",
                conn::describe(err)
            ),
        }
    }
}

impl FetchError {
    /// The error in words, naming the timeout where one expired.
    pub fn describe(&self, timeout: Duration) -> String {
        let t = conn::secs(timeout);
        match self {
            FetchError::ReadTimeout { received: 0 } => {
                format!(
                    "no reply within {t} (the server accepted the connection and stayed silent)"
                )
            }
            FetchError::ReadTimeout { received } => {
                format!("reply incomplete after {t} ({received} bytes received)")
            }
            FetchError::WriteTimeout => format!("could not send the request within {t}"),
            other => other.to_string(),
        }
    }
}

/// Connects, sends the GET and reads the reply. `observe` sees every chunk as the parser
/// took it (genhash -v prints from it).
pub fn fetch(spec: &FetchSpec, observe: &mut dyn FnMut(&Fed)) -> Result<Fetched, FetchError> {
    let now = Instant::now();
    let mut deadline = if spec.timeout_per_step {
        Deadline::per_step(now, spec.conn.timeout)
    } else {
        Deadline::overall(now, spec.conn.timeout)
    };
    let tcp = conn::connect(&spec.conn, &deadline).map_err(FetchError::Connect)?;
    deadline.step(Instant::now());
    let mut stream = match &spec.tls {
        Some(t) => tls::handshake(tcp, t.config.clone(), t.sni.as_deref(), &deadline)
            .map_err(FetchError::Tls)?,
        None => Stream::Plain(tcp),
    };
    deadline.step(Instant::now());
    stream
        .write_all(&request(&spec.path, spec.version, &spec.host), &deadline)
        .map_err(|e| match e {
            WriteError::Timeout => FetchError::WriteTimeout,
            WriteError::Io(e) => FetchError::Write(e),
        })?;
    deadline.step(Instant::now());
    read_reply(&mut stream, spec, &mut deadline, observe)
}

fn read_reply(
    stream: &mut Stream,
    spec: &FetchSpec,
    deadline: &mut Deadline,
    observe: &mut dyn FnMut(&Fed),
) -> Result<Fetched, FetchError> {
    let mut parser = ResponseParser::new(spec.dialect);
    let mut buf = vec![0u8; parser.read_capacity().max(1)];
    let mut received = 0u64;
    let end = loop {
        if parser.header_overflow() {
            break End::HeaderOverflow;
        }
        if !spec.read_to_eof && parser.body_complete() {
            break End::ContentLength;
        }
        let cap = parser.read_capacity();
        buf.resize(cap, 0);
        match stream.read(&mut buf[..cap], deadline) {
            ReadOutcome::Data(n) => {
                received += n as u64;
                deadline.step(Instant::now());
                let fed = parser.feed(&buf[..n]);
                observe(&fed);
            }
            ReadOutcome::Eof { clean } => break End::Eof { clean },
            ReadOutcome::Timeout => return Err(FetchError::ReadTimeout { received }),
            ReadOutcome::Error(err) => return Err(FetchError::Read { err, received }),
        }
    };
    let header_complete = parser.header_complete();
    Ok(Fetched {
        reply: parser.finish(),
        end,
        header_complete,
    })
}

/// A set of accepted status codes (keepalived's `status_code 200 300-399 ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSet(Vec<(u16, u16)>);

impl Default for StatusSet {
    /// keepalived's default: 200-299.
    fn default() -> Self {
        StatusSet(vec![(200, 299)])
    }
}

impl StatusSet {
    pub fn contains(&self, code: u16) -> bool {
        self.0.iter().any(|&(lo, hi)| (lo..=hi).contains(&code))
    }
}

impl fmt::Display for StatusSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|&(lo, hi)| {
                if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo}-{hi}")
                }
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

impl FromStr for StatusSet {
    type Err = String;
    /// `200`, `200-299`, several separated by commas or spaces; codes 100-599.
    fn from_str(s: &str) -> Result<Self, String> {
        let code = |t: &str| -> Result<u16, String> {
            match t.trim().parse::<u16>() {
                Ok(c) if (100..=599).contains(&c) => Ok(c),
                _ => Err(format!("`{t}` is not an HTTP status code (100-599)")),
            }
        };
        let mut ranges = Vec::new();
        for item in s.split([',', ' ']).filter(|t| !t.is_empty()) {
            let range = match item.split_once('-') {
                Some((lo, hi)) => (code(lo)?, code(hi)?),
                None => (code(item)?, code(item)?),
            };
            if range.0 > range.1 {
                return Err(format!("`{item}`: the range is backwards"));
            }
            ranges.push(range);
        }
        if ranges.is_empty() {
            return Err("no status code given".into());
        }
        Ok(StatusSet(ranges))
    }
}

/// Parses a digest as genhash prints it: 32 hex digits.
pub fn parse_digest(s: &str) -> Result<[u8; 16], String> {
    let s = s.trim();
    let bad = || format!("`{s}` is not an MD5 digest (32 hex digits, as genhash prints)");
    if s.len() != 32 || !s.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// One `url { }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlCheck {
    pub path: String,
    pub status: StatusSet,
    pub digest: Option<[u8; 16]>,
    pub virtualhost: Option<String>,
}

impl UrlCheck {
    pub fn new(path: impl Into<String>) -> Self {
        UrlCheck {
            path: path.into(),
            status: StatusSet::default(),
            digest: None,
            virtualhost: None,
        }
    }
}

/// SSL_GET's extras.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsSettings {
    pub verify: Verify,
    /// Name to send as SNI; when None and `sni_from_virtualhost`, the virtualhost is sent.
    pub sni: Option<String>,
    pub sni_from_virtualhost: bool,
}

/// An HTTP_GET (tls None) or SSL_GET check.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpCheck {
    pub conn: ConnectOpts,
    pub urls: Vec<UrlCheck>,
    pub virtualhost: Option<String>,
    pub version: HttpVersion,
    pub tls: Option<TlsSettings>,
    pub retry: u32,
    pub delay_before_retry: Duration,
}

impl HttpCheck {
    /// The TLS client configuration this check needs (None for HTTP_GET). Build it once
    /// and pass it to [`HttpCheck::run`] for every run.
    pub fn tls_config(&self) -> Result<Option<Arc<rustls::ClientConfig>>, TlsError> {
        self.tls
            .as_ref()
            .map(|t| tls::client_config(&t.verify))
            .transpose()
    }

    /// Runs the check (with its retries). `tls_config` comes from [`HttpCheck::tls_config`].
    pub fn run(&self, tls_config: Option<&Arc<rustls::ClientConfig>>) -> Outcome {
        run_with_retry(self.retry, self.delay_before_retry, || {
            self.attempt(tls_config)
        })
    }

    /// All URLs in order; the first failing one decides.
    fn attempt(&self, tls_config: Option<&Arc<rustls::ClientConfig>>) -> Attempt {
        let mut passed = Vec::with_capacity(self.urls.len());
        for url in &self.urls {
            let vhost = url.virtualhost.as_deref().or(self.virtualhost.as_deref());
            let spec = FetchSpec {
                conn: self.conn.clone(),
                tls: tls_config.map(|config| TlsSpec {
                    config: config.clone(),
                    sni: self.tls.as_ref().and_then(|t| {
                        t.sni
                            .clone()
                            .or_else(|| vhost.filter(|_| t.sni_from_virtualhost).map(String::from))
                    }),
                }),
                path: url.path.clone(),
                host: host_header(vhost, self.conn.dst),
                version: self.version,
                dialect: Dialect::Strict,
                timeout_per_step: false,
                read_to_eof: false,
            };
            let fetched =
                fetch(&spec, &mut |_| {}).map_err(|e| explain(&url.path, self.conn.timeout, e))?;
            passed.push(judge(url, &fetched)?);
        }
        Ok(passed.join("; "))
    }
}

/// A failed fetch in words: connection problems concern the server, the rest one URL.
fn explain(path: &str, timeout: Duration, e: FetchError) -> String {
    match e {
        FetchError::Connect(_) | FetchError::Tls(_) => e.to_string(),
        other => format!("{path}: {}", other.describe(timeout)),
    }
}

/// The verdict on one URL's reply.
pub fn judge(url: &UrlCheck, fetched: &Fetched) -> Result<String, String> {
    let path = &url.path;
    let reply = &fetched.reply;
    if !fetched.header_complete {
        return Err(match fetched.end {
            End::HeaderOverflow => format!(
                "{path}: reply header larger than {} KiB",
                super::http_response::STRICT_HEADER_LIMIT / 1024
            ),
            _ if reply.header.is_empty() => {
                format!("{path}: the server closed the connection without replying")
            }
            _ => format!(
                "{path}: the server closed the connection in the reply header ({} bytes: {})",
                reply.header.len(),
                quote_bytes(&reply.header, 24)
            ),
        });
    }
    if reply.status == 0 {
        return Err(format!(
            "{path}: not an HTTP reply (it starts {})",
            quote_bytes(&reply.header, 24)
        ));
    }
    if !url.status.contains(reply.status) {
        return Err(format!(
            "{path}: HTTP status {}, expected {}",
            reply.status, url.status
        ));
    }
    if let Some(cl) = reply.content_length {
        if reply.body_received < cl {
            return Err(format!(
                "{path}: body cut short: {} of {cl} bytes (Content-Length)",
                reply.body_received
            ));
        }
    }
    match url.digest {
        Some(want) if want != reply.digest => Err(format!(
            "{path}: MD5 digest {} does not match the expected {}",
            hex(&reply.digest),
            hex(&want)
        )),
        Some(_) => Ok(format!("{path}: HTTP {} and digest match", reply.status)),
        None => Ok(format!("{path}: HTTP {}", reply.status)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_bytes_match_keepalived_captures() {
        // reference/genhash/requests.txt: -P 1.0 (default), 1.1, 1.0c, -V vhost.test
        let dst: SocketAddr = "127.0.0.1:8002".parse().unwrap();
        let host = host_header(None, dst);
        assert_eq!(
            request("/hello.txt", HttpVersion::V1_0, &host),
            b"GET /hello.txt HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:8002\r\n\r\n"
        );
        assert_eq!(
            request("/hello.txt", HttpVersion::V1_1, &host),
            b"GET /hello.txt HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 127.0.0.1:8002\r\n\r\n"
        );
        assert_eq!(
            request("/hello.txt", HttpVersion::V1_0Close, &host),
            b"GET /hello.txt HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 127.0.0.1:8002\r\n\r\n"
        );
        assert_eq!(
            request(
                "/hello.txt",
                HttpVersion::V1_0,
                &host_header(Some("vhost.test"), dst)
            ),
            b"GET /hello.txt HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: vhost.test\r\n\r\n"
        );
    }

    #[test]
    fn ipv6_host_is_bracketed() {
        let dst: SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(host_header(None, dst), "[::1]:80");
    }

    #[test]
    fn status_sets() {
        let s: StatusSet = "200,301-302 404".parse().unwrap();
        assert!(s.contains(200) && s.contains(302) && s.contains(404));
        assert!(!s.contains(303));
        assert_eq!(s.to_string(), "200,301-302,404");
        assert!("99".parse::<StatusSet>().is_err());
        assert!("300-200".parse::<StatusSet>().is_err());
        assert!("".parse::<StatusSet>().is_err());
        assert!(StatusSet::default().contains(204));
    }

    #[test]
    fn digests_parse_and_reject_junk() {
        let d = parse_digest("65078f5e997cf8af75ced0bfee208362").unwrap();
        assert_eq!(hex(&d), "65078f5e997cf8af75ced0bfee208362");
        assert!(parse_digest("65078f5e").is_err());
        assert!(parse_digest("z5078f5e997cf8af75ced0bfee208362").is_err());
        assert!(parse_digest("é5078f5e997cf8af75ced0bfee20836").is_err());
    }

    #[test]
    fn versions_parse_like_genhash() {
        assert_eq!("1.0C".parse::<HttpVersion>(), Ok(HttpVersion::V1_0Close));
        assert!("2".parse::<HttpVersion>().is_err());
    }

    fn fetched(raw: &[u8], end: End) -> Fetched {
        let mut p = ResponseParser::new(Dialect::Strict);
        p.feed(raw);
        let header_complete = p.header_complete();
        Fetched {
            reply: p.finish(),
            end,
            header_complete,
        }
    }

    #[test]
    fn judge_explains_each_failure() {
        let url = UrlCheck::new("/");
        let eof = End::Eof { clean: true };
        assert!(judge(&url, &fetched(b"HTTP/1.0 200 OK\r\n\r\nhi", eof)).is_ok());
        let e = judge(&url, &fetched(b"HTTP/1.0 503 Busy\r\n\r\n", eof)).unwrap_err();
        assert_eq!(e, "/: HTTP status 503, expected 200-299");
        let e = judge(&url, &fetched(b"", eof)).unwrap_err();
        assert!(e.contains("without replying"), "{e}");
        let e = judge(&url, &fetched(b"HTTP/1.0 200 OK\r\nX: y", eof)).unwrap_err();
        assert!(e.contains("in the reply header"), "{e}");
        let e = judge(&url, &fetched(b"\x00\x01garbage\r\n\r\n", eof)).unwrap_err();
        assert!(e.contains("not an HTTP reply"), "{e}");
        let e = judge(
            &url,
            &fetched(b"HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabc", eof),
        )
        .unwrap_err();
        assert!(e.contains("3 of 10 bytes"), "{e}");
        let mut with_digest = UrlCheck::new("/");
        with_digest.digest = Some([0; 16]);
        let e = judge(&with_digest, &fetched(b"HTTP/1.0 200 OK\r\n\r\nhi", eof)).unwrap_err();
        assert!(e.contains("does not match"), "{e}");
    }
}
