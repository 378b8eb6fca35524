//! Shared helpers for the integration tests: real servers on loopback that misbehave on
//! purpose, a TLS certificate made at test time, an SMTP server, a connect-timeout target,
//! and a runner for the `ha` binary with a hard watchdog.
//!
//! Every server listens on 127.0.0.1:0 in a background thread and stops by itself: the
//! accept loop ends after `max_conns` connections, at the server's deadline, or when the
//! `Server` is dropped; every socket has timeouts and every connection thread watches the
//! same deadline and stop flag.

#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// No server outlives this, whatever its clients do.
pub const SERVER_LIFETIME: Duration = Duration::from_secs(30);
/// The ha binary (or genhash) is killed and the test fails "hung" after this.
pub const WATCHDOG: Duration = Duration::from_secs(15);
/// The reply body the reference captures were made with, and its MD5.
pub const HELLO_BODY: &[u8] = b"hello from kalab\n";
pub const HELLO_MD5: &str = "65078f5e997cf8af75ced0bfee208362";

// ---------------------------------------------------------------------------------------
// Replies

/// `HTTP/1.1 <status>` with Content-Length and Content-Type, then the body.
pub fn http_reply(status: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// A reply header of at least `len` bytes that never ends (no CRLFCRLF).
pub fn huge_header(len: usize) -> Vec<u8> {
    let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
    while head.len() < len {
        head.extend_from_slice(
            b"X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
        );
    }
    head
}

/// Exactly what the reference capture server (tests/data/genhash/rawserver.py) replies.
pub fn hello_reply() -> Vec<u8> {
    http_reply("200 OK", HELLO_BODY)
}

// ---------------------------------------------------------------------------------------
// The scripted server

/// What the server does on a connection once it has read (or not) the request.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// Send these bytes in ONE write, then close (FIN).
    Reply(Vec<u8>),
    /// Send these bytes in one write, then keep the connection open for this long (or
    /// until the client leaves), then close.
    ReplyThenHold(Vec<u8>, Duration),
    /// Send these bytes in one write, then close the TCP connection without a TLS
    /// close_notify (an unclean TLS end; the same as `Reply` on plain TCP).
    ReplyNoCloseNotify(Vec<u8>),
    /// Close at once (FIN) without a byte.
    Close,
    /// Close at once with a reset (SO_LINGER 0).
    Reset,
    /// Say nothing; close when the client leaves (or at the server's deadline).
    Silent,
    /// Send `data` one byte at a time, `every` apart, then close.
    Drip { data: Vec<u8>, every: Duration },
    /// Send `head`, then body bytes without end until the client leaves.
    Endless { head: Vec<u8> },
    /// Send each piece in one write, pausing after it for its duration, then close.
    Pieces(Vec<(Vec<u8>, Duration)>),
    /// Reply by request path, each reply in one write then close; other paths get a 404.
    Routes(Vec<(String, Vec<u8>)>),
    /// An SMTP server (use with `ReadRequest::None`).
    Smtp(SmtpScript),
}

/// How much of the request the server reads before its behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadRequest {
    /// Nothing (a TLS stall server, an SMTP server, a server that talks first).
    None,
    /// Until CRLFCRLF (or 64 KiB, or the client leaves, or 3 s).
    Headers,
    /// Whatever one read returns within 2 s (a plain server getting a TLS ClientHello).
    Once,
}

/// An SMTP conversation: the greeting (several lines allowed), the answer to HELO/EHLO and
/// to QUIT. An empty answer means the server says nothing and waits. With `accept_mail`,
/// MAIL and RCPT get 250, DATA 354 and the message (to its `.` line) 250; without, they get
/// 500.
#[derive(Clone, Debug)]
pub struct SmtpScript {
    pub greeting: Vec<u8>,
    pub helo_reply: Vec<u8>,
    pub quit_reply: Vec<u8>,
    pub accept_mail: bool,
}

impl Default for SmtpScript {
    fn default() -> Self {
        SmtpScript {
            greeting: b"220 mail.test ESMTP ready\r\n".to_vec(),
            helo_reply: b"250 mail.test\r\n".to_vec(),
            quit_reply: b"221 mail.test closing\r\n".to_vec(),
            accept_mail: false,
        }
    }
}

/// What a connection brought: who connected, what they sent, the SNI they asked for.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub peer: SocketAddr,
    pub request: Vec<u8>,
    pub sni: Option<String>,
}

impl Recorded {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.request).into_owned()
    }
}

/// A server under construction; `start()` runs it.
pub struct ServerSpec {
    read: ReadRequest,
    behaviours: Vec<Behaviour>,
    max_conns: usize,
    tls: Option<Arc<rustls::ServerConfig>>,
    lifetime: Duration,
    bind: SocketAddr,
}

/// A server whose every connection reads the request headers then does `b`.
pub fn spec(b: Behaviour) -> ServerSpec {
    ServerSpec {
        read: ReadRequest::Headers,
        behaviours: vec![b],
        max_conns: 8,
        tls: None,
        lifetime: SERVER_LIFETIME,
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
    }
}

impl ServerSpec {
    pub fn read(mut self, r: ReadRequest) -> Self {
        self.read = r;
        self
    }

    /// The next connection does `b` (connection i does behaviour i; the last repeats).
    pub fn then(mut self, b: Behaviour) -> Self {
        self.behaviours.push(b);
        self
    }

    pub fn max_conns(mut self, n: usize) -> Self {
        self.max_conns = n;
        self
    }

    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    pub fn lifetime(mut self, d: Duration) -> Self {
        self.lifetime = d;
        self
    }

    /// Listen on another loopback address (e.g. `[::1]:0`).
    pub fn bind(mut self, addr: &str) -> Self {
        self.bind = addr.parse().expect("a socket address");
        self
    }

    pub fn start(self) -> Server {
        let listener = TcpListener::bind(self.bind).expect("bind a loopback listener");
        let addr = listener.local_addr().expect("listener address");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let shared = Arc::new(Shared {
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            accepted: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            deadline: Instant::now() + self.lifetime,
        });
        let sh = shared.clone();
        let accept_thread = thread::Builder::new()
            .name(format!("test-server-{}", addr.port()))
            .spawn(move || accept_loop(listener, self, sh))
            .expect("spawn the accept thread");
        Server {
            addr,
            shared,
            accept_thread: Some(accept_thread),
        }
    }
}

struct Shared {
    log: Mutex<Vec<Recorded>>,
    stop: AtomicBool,
    accepted: AtomicUsize,
    finished: AtomicUsize,
    deadline: Instant,
}

impl Shared {
    fn over(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || Instant::now() >= self.deadline
    }

    fn record(&self, r: Recorded) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).push(r);
    }
}

/// A running server; dropping it stops it.
pub struct Server {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

impl Server {
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn port_str(&self) -> String {
        self.addr.port().to_string()
    }

    /// What has been recorded so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits (at most 3 s) until `n` connections have been recorded.
    pub fn wait_requests(&self, n: usize) -> Vec<Recorded> {
        let until = Instant::now() + Duration::from_secs(3);
        loop {
            let got = self.requests();
            if got.len() >= n || Instant::now() >= until {
                return got;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
    }
}

fn accept_loop(listener: TcpListener, spec: ServerSpec, shared: Arc<Shared>) {
    let spec = Arc::new(spec);
    let mut index = 0;
    while index < spec.max_conns && !shared.over() {
        match listener.accept() {
            Ok((tcp, peer)) => {
                shared.accepted.fetch_add(1, Ordering::SeqCst);
                let behaviour = spec.behaviours[index.min(spec.behaviours.len() - 1)].clone();
                index += 1;
                let (spec, shared) = (spec.clone(), shared.clone());
                let _ = thread::Builder::new()
                    .name(format!("test-conn-{peer}"))
                    .spawn(move || {
                        let _ = serve(tcp, peer, &spec, behaviour, &shared);
                        shared.finished.fetch_add(1, Ordering::SeqCst);
                    });
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(5))
            }
            Err(_) => thread::sleep(Duration::from_millis(5)),
        }
    }
    // The listener closes here: later connections are refused.
}

/// A server-side connection, plain or TLS.
enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Conn {
    fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => s.get_ref(),
        }
    }

    fn sni(&self) -> Option<String> {
        match self {
            Conn::Plain(_) => None,
            Conn::Tls(s) => s.conn.server_name().map(String::from),
        }
    }

    fn set_read_timeout(&self, d: Duration) {
        let _ = self
            .tcp()
            .set_read_timeout(Some(d.max(Duration::from_millis(1))));
    }

    /// Sends close_notify (TLS), FIN, then drains what the client still sends until it
    /// leaves (so that unread data never turns the close into a reset), at most 2 s.
    fn close(mut self, shared: &Shared) {
        if let Conn::Tls(s) = &mut self {
            s.conn.send_close_notify();
            let _ = s.flush();
        }
        self.close_tcp(shared);
    }

    /// FIN without close_notify, then drains as `close` does.
    fn close_tcp(self, shared: &Shared) {
        let _ = self.tcp().shutdown(Shutdown::Write);
        let until = Instant::now() + Duration::from_secs(2);
        let tcp = self.tcp();
        let _ = tcp.set_read_timeout(Some(Duration::from_millis(50)));
        let mut buf = [0u8; 4096];
        let mut raw = tcp;
        while Instant::now() < until && !shared.over() {
            match raw.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {}
                Err(_) => break,
            }
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Writes all of `data` as one write call when the kernel takes it (loopback does for
/// replies of a few KiB), then flushes.
fn send(conn: &mut Conn, data: &[u8]) -> io::Result<()> {
    conn.write_all(data)?;
    conn.flush()
}

fn serve(
    tcp: TcpStream,
    peer: SocketAddr,
    spec: &ServerSpec,
    behaviour: Behaviour,
    shared: &Shared,
) -> io::Result<()> {
    tcp.set_nonblocking(false)?;
    tcp.set_read_timeout(Some(Duration::from_secs(3)))?;
    tcp.set_write_timeout(Some(Duration::from_secs(3)))?;
    let _ = tcp.set_nodelay(true);
    let mut conn = match &spec.tls {
        Some(config) => {
            let sc = rustls::ServerConnection::new(config.clone()).map_err(io::Error::other)?;
            Conn::Tls(Box::new(rustls::StreamOwned::new(sc, tcp)))
        }
        None => Conn::Plain(tcp),
    };

    let request = match spec.read {
        ReadRequest::None => None,
        ReadRequest::Headers => Some(read_headers(&mut conn, shared)),
        ReadRequest::Once => Some(read_once(&mut conn)),
    };
    let path = request.as_deref().and_then(request_path);
    if let Some(request) = request {
        shared.record(Recorded {
            peer,
            request,
            sni: conn.sni(),
        });
    }

    match behaviour {
        Behaviour::Reply(bytes) => {
            send(&mut conn, &bytes)?;
            conn.close(shared);
        }
        Behaviour::ReplyThenHold(bytes, hold) => {
            send(&mut conn, &bytes)?;
            wait_client_gone(&mut conn, hold, shared);
            conn.close(shared);
        }
        Behaviour::ReplyNoCloseNotify(bytes) => {
            send(&mut conn, &bytes)?;
            conn.close_tcp(shared);
        }
        Behaviour::Close => conn.close(shared),
        Behaviour::Reset => {
            let sock = socket2::SockRef::from(conn.tcp());
            let _ = sock.set_linger(Some(Duration::ZERO));
            drop(conn);
        }
        Behaviour::Silent => {
            wait_client_gone(&mut conn, SERVER_LIFETIME, shared);
            conn.close(shared);
        }
        Behaviour::Drip { data, every } => {
            for b in data {
                if shared.over() {
                    break;
                }
                send(&mut conn, &[b])?;
                thread::sleep(every);
            }
            conn.close(shared);
        }
        Behaviour::Pieces(pieces) => {
            for (bytes, pause) in pieces {
                if shared.over() {
                    break;
                }
                send(&mut conn, &bytes)?;
                thread::sleep(pause);
            }
            conn.close(shared);
        }
        Behaviour::Endless { head } => {
            send(&mut conn, &head)?;
            let _ = conn
                .tcp()
                .set_write_timeout(Some(Duration::from_millis(100)));
            let chunk = vec![b'x'; 16 * 1024];
            while !shared.over() {
                match conn.write(&chunk) {
                    Ok(_) => {}
                    Err(e) if is_timeout(&e) => {}
                    Err(_) => break,
                }
            }
        }
        Behaviour::Routes(routes) => {
            let reply = routes
                .iter()
                .find(|(p, _)| Some(p.as_str()) == path.as_deref())
                .map(|(_, r)| r.clone())
                .unwrap_or_else(|| http_reply("404 Not Found", b"no such page\n"));
            send(&mut conn, &reply)?;
            conn.close(shared);
        }
        Behaviour::Smtp(script) => smtp_session(conn, peer, &script, shared)?,
    }
    Ok(())
}

fn read_headers(conn: &mut Conn, shared: &Shared) -> Vec<u8> {
    let until = Instant::now() + Duration::from_secs(3);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() < 64 * 1024 {
        let now = Instant::now();
        if now >= until || shared.over() {
            break;
        }
        conn.set_read_timeout(until - now);
        match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    got
}

fn read_once(conn: &mut Conn) -> Vec<u8> {
    conn.set_read_timeout(Duration::from_secs(2));
    let mut buf = vec![0u8; 16 * 1024];
    match conn.read(&mut buf) {
        Ok(n) => buf[..n].to_vec(),
        Err(_) => Vec::new(),
    }
}

/// The path of `GET /path HTTP/1.x`.
fn request_path(request: &[u8]) -> Option<String> {
    let line = request.split(|&b| b == b'\r').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut words = line.split(' ');
    words.next()?;
    words.next().map(String::from)
}

/// Reads and discards until the client closes, `max` passes, or the server is over.
fn wait_client_gone(conn: &mut Conn, max: Duration, shared: &Shared) {
    let until = Instant::now() + max;
    conn.set_read_timeout(Duration::from_millis(50));
    let mut buf = [0u8; 4096];
    while Instant::now() < until && !shared.over() {
        match conn.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

fn smtp_session(
    mut conn: Conn,
    peer: SocketAddr,
    script: &SmtpScript,
    shared: &Shared,
) -> io::Result<()> {
    send(&mut conn, &script.greeting)?;
    let mut received = Vec::new();
    let mut pending = Vec::new();
    let mut buf = [0u8; 1024];
    conn.set_read_timeout(Duration::from_millis(50));
    let mut quit = false;
    let mut in_data = false;
    while !quit && !shared.over() && received.len() < 64 * 1024 {
        let n = match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        received.extend_from_slice(&buf[..n]);
        pending.extend_from_slice(&buf[..n]);
        while let Some(nl) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=nl).collect();
            let upper = String::from_utf8_lossy(&line).to_ascii_uppercase();
            if in_data {
                if upper.trim_end() == "." {
                    in_data = false;
                    send(&mut conn, b"250 2.0.0 queued\r\n")?;
                }
                continue;
            }
            let mail = script.accept_mail;
            let answer: &[u8] = if upper.starts_with("HELO") || upper.starts_with("EHLO") {
                &script.helo_reply
            } else if upper.starts_with("QUIT") {
                quit = true;
                &script.quit_reply
            } else if mail && (upper.starts_with("MAIL FROM:") || upper.starts_with("RCPT TO:")) {
                b"250 2.1.0 ok\r\n"
            } else if mail && upper.trim_end() == "DATA" {
                in_data = true;
                b"354 end with <CRLF>.<CRLF>\r\n"
            } else {
                b"500 5.5.2 what?\r\n"
            };
            if !answer.is_empty() {
                send(&mut conn, answer)?;
            }
        }
    }
    shared.record(Recorded {
        peer,
        request: received,
        sni: None,
    });
    conn.close(shared);
    Ok(())
}

/// An SMTP server following `script`.
pub fn smtp_server(script: SmtpScript) -> Server {
    spec(Behaviour::Smtp(script))
        .read(ReadRequest::None)
        .start()
}

/// Accepts TCP and never says a word, not even to a TLS ClientHello.
pub fn silent_server() -> Server {
    spec(Behaviour::Silent).read(ReadRequest::None).start()
}

/// Accepts TCP and never answers the TLS ClientHello.
pub fn tls_stall_server() -> Server {
    silent_server()
}

/// A port on 127.0.0.1 where nothing listens (connections are refused).
pub fn refused_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("address").port()
}

// ---------------------------------------------------------------------------------------
// TLS

/// A self-signed certificate made with rcgen at test time.
pub struct TestCert {
    pub cert_pem: String,
    pub cert_der: rustls::pki_types::CertificateDer<'static>,
    pub key_der: Vec<u8>,
}

impl TestCert {
    /// A self-signed certificate for these names (IP addresses become IP SANs) with this
    /// common name.
    pub fn generate(names: &[&str], common_name: &str) -> TestCert {
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .expect("certificate parameters");
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        let key = rcgen::KeyPair::generate().expect("key pair");
        let cert = params.self_signed(&key).expect("self-signed certificate");
        TestCert {
            cert_pem: cert.pem(),
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
        }
    }

    /// For "localhost" and 127.0.0.1.
    pub fn localhost() -> TestCert {
        TestCert::generate(&["localhost", "127.0.0.1"], "ha test server")
    }

    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(
            rustls::pki_types::PrivatePkcs8KeyDer::from(self.key_der.clone()),
        );
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![self.cert_der.clone()], key)
            .expect("server certificate");
        Arc::new(config)
    }
}

/// An HTTPS server with `cert` doing `b` on every connection.
pub fn tls_spec(cert: &TestCert, b: Behaviour) -> ServerSpec {
    spec(b).tls(cert.server_config())
}

// ---------------------------------------------------------------------------------------
// A connect-timeout target without root

/// A loopback address where SYNs go unanswered: a listener with backlog 0 whose accept
/// queue is filled by connections nobody accepts; Linux then drops further SYNs
/// (tcp_abort_on_overflow=0, the default), so a connect() waits until its timeout.
pub struct Blackhole {
    pub addr: SocketAddr,
    _listener: socket2::Socket,
    _fillers: Vec<socket2::Socket>,
}

impl Blackhole {
    pub fn port_str(&self) -> String {
        self.addr.port().to_string()
    }
}

/// None when this kernel answers anyway (then the caller prints SKIP).
pub fn blackhole() -> Option<Blackhole> {
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).ok()?;
    let any: SocketAddr = "127.0.0.1:0".parse().ok()?;
    listener.bind(&any.into()).ok()?;
    listener.listen(0).ok()?;
    let addr = listener.local_addr().ok()?.as_socket()?;
    let mut fillers = Vec::new();
    for _ in 0..3 {
        let s = Socket::new(Domain::IPV4, Type::STREAM, None).ok()?;
        s.set_nonblocking(true).ok()?;
        let _ = s.connect(&addr.into());
        fillers.push(s);
    }
    thread::sleep(Duration::from_millis(50));
    // Check that it works: a connect must not complete.
    let probe = Socket::new(Domain::IPV4, Type::STREAM, None).ok()?;
    match probe.connect_timeout(&addr.into(), Duration::from_millis(300)) {
        Err(e) if is_timeout(&e) => Some(Blackhole {
            addr,
            _listener: listener,
            _fillers: fillers,
        }),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Running the binary

/// What a run of a program produced.
#[derive(Debug)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// None when killed by a signal.
    pub code: Option<i32>,
    pub elapsed: Duration,
    pub cmdline: String,
}

impl Output {
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn err(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Lines of stdout (valid UTF-8 expected).
    pub fn stdout_lines(&self) -> Vec<&str> {
        std::str::from_utf8(&self.stdout)
            .map(|s| s.lines().collect())
            .unwrap_or_default()
    }

    pub fn out_lines_starting(&self, prefix: &str) -> Vec<&str> {
        self.stdout_lines()
            .into_iter()
            .filter(|l| l.starts_with(prefix))
            .collect()
    }

    /// The exit code; fails the test when the program died of a signal or panicked.
    pub fn code(&self) -> i32 {
        self.assert_no_panic();
        match self.code {
            Some(c) => c,
            None => panic!("{} died of a signal; stderr:\n{}", self.cmdline, self.err()),
        }
    }

    pub fn assert_no_panic(&self) {
        assert!(
            !self.err().contains("panicked"),
            "{} panicked:\n{}",
            self.cmdline,
            self.err()
        );
    }

    /// Everything, for assertion messages.
    pub fn show(&self) -> String {
        format!(
            "`{}` exit {:?} after {:?}\n--- stdout\n{}--- stderr\n{}",
            self.cmdline,
            self.code,
            self.elapsed,
            self.out(),
            self.err()
        )
    }
}

pub fn ha_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ha"))
}

/// Runs `ha args...` under the watchdog.
pub fn ha(args: &[&str]) -> Output {
    run(&ha_bin(), None, args, WATCHDOG)
}

/// Runs `program` (with `argv0` as argv[0] when given) and kills it after `watchdog`,
/// failing the test with "hung".
pub fn run(program: &Path, argv0: Option<&str>, args: &[&str], watchdog: Duration) -> Output {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(program);
    if let Some(a0) = argv0 {
        cmd.arg0(a0);
    }
    cmd.args(args)
        .env("LC_ALL", "C")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let cmdline = format!(
        "{} {}",
        argv0.map_or_else(|| program.display().to_string(), String::from),
        args.join(" ")
    );
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let mut out_pipe = child.stdout.take().expect("stdout pipe");
    let mut err_pipe = child.stderr.take().expect("stderr pipe");
    let out_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= watchdog => {
                let _ = child.kill();
                let _ = child.wait();
                let stdout = out_reader.join().unwrap_or_default();
                let stderr = err_reader.join().unwrap_or_default();
                panic!(
                    "hung: `{cmdline}` did not finish within {watchdog:?} (killed)\n--- stdout\n{}--- stderr\n{}",
                    String::from_utf8_lossy(&stdout),
                    String::from_utf8_lossy(&stderr)
                );
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("waiting for `{cmdline}`: {e}"),
        }
    };
    let elapsed = start.elapsed();
    Output {
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
        code: status.code(),
        elapsed,
        cmdline,
    }
}

// ---------------------------------------------------------------------------------------
// Temporary files

/// A directory removed on drop, unique per process, tag and call.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("ha-it-{}-{tag}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir { path }
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Writes `contents` to `name` in this directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.join(name);
        std::fs::write(&p, contents).expect("write a temporary file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A temporary directory holding `genhash` -> the ha binary; returns it and the link.
pub fn genhash_link(tag: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new(tag);
    let link = dir.join("genhash");
    std::os::unix::fs::symlink(ha_bin(), &link).expect("symlink genhash -> ha");
    (dir, link)
}

/// A job for [`parallel`].
pub type Job<T> = Box<dyn FnOnce() -> T + Send>;

/// Runs closures on their own threads and returns their results in order; a panic in one
/// is re-raised with its message.
pub fn parallel<T: Send + 'static>(jobs: Vec<Job<T>>) -> Vec<T> {
    let n = jobs.len();
    parallel_n(jobs, n)
}

/// Like [`parallel`], at most `limit` at a time (two cores: a storm of processes makes
/// timing-sensitive cases flaky).
pub fn parallel_n<T: Send + 'static>(jobs: Vec<Job<T>>, limit: usize) -> Vec<T> {
    let total = jobs.len();
    let queue = Arc::new(Mutex::new(jobs.into_iter().enumerate().collect::<Vec<_>>()));
    let results: Arc<Mutex<Vec<Option<thread::Result<T>>>>> =
        Arc::new(Mutex::new((0..total).map(|_| None).collect()));
    let workers: Vec<_> = (0..limit.clamp(1, total.max(1)))
        .map(|_| {
            let (queue, results) = (queue.clone(), results.clone());
            thread::spawn(move || loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let Some((i, job)) = next else { return };
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let results = std::mem::take(&mut *results.lock().unwrap_or_else(|e| e.into_inner()));
    results
        .into_iter()
        .map(|r| match r {
            Some(Ok(v)) => v,
            Some(Err(e)) => std::panic::resume_unwind(e),
            None => panic!("a job did not run"),
        })
        .collect()
}
