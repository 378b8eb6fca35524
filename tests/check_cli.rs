//! `ha check http|https|tcp|smtp` end to end: the real binary against real servers on
//! loopback, well-behaved and hostile. Each test asserts the exit status (0 UP, 1 DOWN,
//! 2 usage), the reason in the verdict line
//! (`UP|DOWN CHECKNAME ip:port: reason (N ms[, N attempts])`) and, where it matters, the
//! `--json` fields and what the server saw.

mod common;

use std::time::Duration;

use common::*;

/// keepalived's request for `path` to 127.0.0.1:port (HTTP/1.0, no Connection header).
fn keepalived_request(path: &str, port: u16) -> Vec<u8> {
    format!("GET {path} HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:{port}\r\n\r\n")
        .into_bytes()
}

fn md5_hex(data: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One verdict line, parsed.
#[derive(Debug)]
struct Verdict {
    up: bool,
    check: String,
    target: String,
    reason: String,
    ms: f64,
    attempts: u32,
}

/// Parses the single line `ha check` prints, failing the test on any other shape.
fn verdict(o: &Output) -> Verdict {
    o.assert_no_panic();
    let out = o.out();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "one verdict line expected\n{}", o.show());
    let line = lines[0];
    let (word, rest) = line.split_once(' ').expect("verdict word");
    let up = match word {
        "UP" => true,
        "DOWN" => false,
        _ => panic!("verdict is not UP or DOWN: {line}"),
    };
    let (check, rest) = rest.split_once(' ').expect("check name");
    let (target, rest) = rest.split_once(": ").expect("target");
    let open = rest.rfind(" (").expect("timing in parentheses");
    let reason = rest[..open].to_string();
    let timing = rest[open + 2..]
        .strip_suffix(')')
        .unwrap_or_else(|| panic!("timing not closed: {line}"));
    let (ms, attempts) = match timing.split_once(", ") {
        Some((ms, att)) => {
            let n = att
                .strip_suffix(" attempts")
                .unwrap_or_else(|| panic!("bad attempts: {line}"));
            (ms, n.parse().expect("attempts number"))
        }
        None => (timing, 1),
    };
    let ms = ms
        .strip_suffix(" ms")
        .unwrap_or_else(|| panic!("bad timing: {line}"))
        .parse()
        .expect("milliseconds");
    Verdict {
        up,
        check: check.to_string(),
        target: target.to_string(),
        reason,
        ms,
        attempts,
    }
}

fn json(o: &Output) -> serde_json::Value {
    o.assert_no_panic();
    serde_json::from_str(o.out().trim()).unwrap_or_else(|e| panic!("not JSON ({e})\n{}", o.show()))
}

/// Runs `ha check <kind> 127.0.0.1 --port <port> --retry 0 --timeout <t> extra...`.
fn check(kind: &str, port: u16, timeout: &str, extra: &[&str]) -> Output {
    let port = port.to_string();
    let mut args = vec![
        "check",
        kind,
        "127.0.0.1",
        "--port",
        &port,
        "--retry",
        "0",
        "--timeout",
        timeout,
    ];
    args.extend_from_slice(extra);
    ha(&args)
}

/// Asserts UP with exactly this reason; returns the verdict.
fn assert_up(o: &Output, check_name: &str, port: u16, reason: &str) -> Verdict {
    let v = verdict(o);
    assert!(v.up, "expected UP\n{}", o.show());
    assert_eq!(o.code(), 0, "{}", o.show());
    assert_eq!(v.check, check_name, "{}", o.show());
    assert_eq!(v.target, format!("127.0.0.1:{port}"));
    assert_eq!(v.reason, reason, "{}", o.show());
    v
}

/// Asserts DOWN with exactly this reason; returns the verdict.
fn assert_down(o: &Output, check_name: &str, port: u16, reason: &str) -> Verdict {
    let v = verdict(o);
    assert!(!v.up, "expected DOWN\n{}", o.show());
    assert_eq!(o.code(), 1, "{}", o.show());
    assert_eq!(v.check, check_name, "{}", o.show());
    assert_eq!(v.target, format!("127.0.0.1:{port}"));
    assert_eq!(v.reason, reason, "{}", o.show());
    v
}

/// The check ended within `secs`, give or take scheduling: the bound catches a check that
/// hangs or waits for the wrong thing (a kernel SYN retry, a second timeout), not speed; a
/// loaded 2-core CI machine can delay a wake-up by a second or more, hence the slack.
fn assert_within(o: &Output, v: &Verdict, secs: f64) {
    const SLACK_MS: f64 = 2000.0;
    assert!(
        v.ms <= secs * 1000.0 + SLACK_MS,
        "the check took {} ms, limit {secs} s (+{SLACK_MS} ms of scheduling slack)\n{}",
        v.ms,
        o.show()
    );
    assert!(
        o.elapsed.as_secs_f64() <= secs + 5.0,
        "the process took {:?}, limit {secs} s + 5 s\n{}",
        o.elapsed,
        o.show()
    );
}

/// For checks that must wait for their 1 s timeout: not much sooner, not much later.
fn assert_took_the_timeout(o: &Output, v: &Verdict) {
    assert!(
        v.ms >= 900.0,
        "gave up after {} ms, before the 1 s timeout\n{}",
        v.ms,
        o.show()
    );
    assert_within(o, v, 1.3);
}

// ---------------------------------------------------------------------------------------
// HTTP: well-behaved servers

#[test]
fn http_200_is_up() {
    let s = spec(Behaviour::Reply(hello_reply())).start();
    let o = check("http", s.port(), "2", &[]);
    let v = assert_up(&o, "HTTP_GET", s.port(), "/: HTTP 200");
    assert_eq!(v.attempts, 1);
    assert!(
        !o.out().contains("attempts"),
        "one attempt is not shown: {}",
        o.out()
    );
    assert_within(&o, &v, 1.0);
    assert!(o.stderr.is_empty(), "{}", o.show());
}

#[test]
fn http_request_bytes_are_keepalived_s() {
    let s = spec(Behaviour::Reply(hello_reply())).start();
    let o = check("http", s.port(), "2", &["--path", "/p"]);
    assert_up(&o, "HTTP_GET", s.port(), "/p: HTTP 200");
    let r = s.wait_requests(1);
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].text(),
        String::from_utf8(keepalived_request("/p", s.port())).unwrap()
    );
}

#[test]
fn http_json_fields() {
    let s = spec(Behaviour::Reply(hello_reply())).start();
    let o = check("http", s.port(), "2", &["--json"]);
    assert_eq!(o.code(), 0, "{}", o.show());
    let j = json(&o);
    assert_eq!(j["check"], "HTTP_GET");
    assert_eq!(j["target"], format!("127.0.0.1:{}", s.port()));
    assert_eq!(j["verdict"], "UP");
    assert_eq!(j["up"], true);
    assert_eq!(j["reason"], "/: HTTP 200");
    assert_eq!(j["attempts"], 1);
    let ms = j["elapsed_ms"].as_f64().expect("elapsed_ms is a number");
    assert!(ms > 0.0 && ms < 2000.0, "elapsed_ms {ms}");
    let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 7, "exactly the documented fields: {keys:?}");

    let port = refused_port();
    let o = check("http", port, "1", &["--json"]);
    assert_eq!(o.code(), 1, "{}", o.show());
    let j = json(&o);
    assert_eq!(j["verdict"], "DOWN");
    assert_eq!(j["up"], false);
    assert_eq!(j["reason"], "connection refused");
    assert_eq!(j["target"], format!("127.0.0.1:{port}"));
}

#[test]
fn http_status_mismatch_is_down() {
    let s = spec(Behaviour::Reply(http_reply(
        "503 Service Unavailable",
        b"busy\n",
    )))
    .start();
    let o = check("http", s.port(), "2", &[]);
    let v = assert_down(
        &o,
        "HTTP_GET",
        s.port(),
        "/: HTTP status 503, expected 200-299",
    );
    assert_within(&o, &v, 1.0);
}

#[test]
fn http_custom_status_sets() {
    let s = spec(Behaviour::Reply(http_reply(
        "503 Service Unavailable",
        b"busy\n",
    )))
    .start();
    let o = check("http", s.port(), "2", &["--status", "503"]);
    assert_up(&o, "HTTP_GET", s.port(), "/: HTTP 503");
    let o = check("http", s.port(), "2", &["--status", "200-299,500-503"]);
    assert_up(&o, "HTTP_GET", s.port(), "/: HTTP 503");
    let o = check("http", s.port(), "2", &["--status", "300-399,504"]);
    assert_down(
        &o,
        "HTTP_GET",
        s.port(),
        "/: HTTP status 503, expected 300-399,504",
    );
}

#[test]
fn http_digest_match_and_mismatch() {
    let s = spec(Behaviour::Reply(hello_reply())).start();
    let o = check("http", s.port(), "2", &["--digest", HELLO_MD5]);
    assert_up(&o, "HTTP_GET", s.port(), "/: HTTP 200 and digest match");
    // Upper-case hex is the same digest.
    let upper = HELLO_MD5.to_uppercase();
    let o = check("http", s.port(), "2", &["--digest", &upper]);
    assert_up(&o, "HTTP_GET", s.port(), "/: HTTP 200 and digest match");
    let wrong = "00000000000000000000000000000000";
    let o = check("http", s.port(), "2", &["--digest", wrong]);
    assert_down(
        &o,
        "HTTP_GET",
        s.port(),
        &format!("/: MD5 digest {HELLO_MD5} does not match the expected {wrong}"),
    );
}

#[test]
fn http_several_paths_all_pass_or_the_failing_one_is_named() {
    let routes = vec![
        ("/a".to_string(), http_reply("200 OK", b"page a\n")),
        ("/b".to_string(), http_reply("200 OK", HELLO_BODY)),
        ("/c".to_string(), http_reply("204 No Content", b"")),
        (
            "/broken".to_string(),
            http_reply("500 Internal Server Error", b"oops\n"),
        ),
    ];
    let s = spec(Behaviour::Routes(routes)).max_conns(16).start();
    let p = s.port();
    let o = check(
        "http",
        p,
        "2",
        &["--path", "/a", "--path", "/b", "--path", "/c"],
    );
    assert_up(
        &o,
        "HTTP_GET",
        p,
        "/a: HTTP 200; /b: HTTP 200; /c: HTTP 204",
    );

    let o = check(
        "http",
        p,
        "2",
        &["--path", "/a", "--path", "/broken", "--path", "/c"],
    );
    assert_down(
        &o,
        "HTTP_GET",
        p,
        "/broken: HTTP status 500, expected 200-299",
    );

    // One digest per path, in order.
    let digest_a = md5_hex(b"page a\n");
    let o = check(
        "http",
        p,
        "2",
        &[
            "--path", "/a", "--path", "/b", "--digest", &digest_a, "--digest", HELLO_MD5,
        ],
    );
    assert_up(
        &o,
        "HTTP_GET",
        p,
        "/a: HTTP 200 and digest match; /b: HTTP 200 and digest match",
    );
    let o = check(
        "http",
        p,
        "2",
        &[
            "--path", "/a", "--path", "/b", "--digest", HELLO_MD5, "--digest", HELLO_MD5,
        ],
    );
    assert_down(
        &o,
        "HTTP_GET",
        p,
        &format!("/a: MD5 digest {digest_a} does not match the expected {HELLO_MD5}"),
    );
}

#[test]
fn http_virtualhost_is_sent_as_host() {
    let s = spec(Behaviour::Reply(hello_reply())).start();
    let o = check(
        "http",
        s.port(),
        "2",
        &["--virtualhost", "www.example.test"],
    );
    assert_up(&o, "HTTP_GET", s.port(), "/: HTTP 200");
    let r = s.wait_requests(1);
    assert_eq!(
        r[0].text(),
        "GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: www.example.test\r\n\r\n"
    );
}

#[test]
fn http_default_host_is_ip_and_port() {
    let s = spec(Behaviour::Reply(hello_reply())).start();
    let o = check("http", s.port(), "2", &[]);
    assert_up(&o, "HTTP_GET", s.port(), "/: HTTP 200");
    let r = s.wait_requests(1);
    assert!(
        r[0].text()
            .contains(&format!("\r\nHost: 127.0.0.1:{}\r\n", s.port())),
        "{:?}",
        r[0].text()
    );
}

#[test]
fn http_versions_send_keepalived_s_requests() {
    let s = spec(Behaviour::Reply(hello_reply())).start();
    let p = s.port();
    let o = check("http", p, "2", &["--http-version", "1.1"]);
    assert_up(&o, "HTTP_GET", p, "/: HTTP 200");
    let o = check("http", p, "2", &["--http-version", "1.0c"]);
    assert_up(&o, "HTTP_GET", p, "/: HTTP 200");
    let r = s.wait_requests(2);
    assert_eq!(
        r[0].text(),
        format!("GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 127.0.0.1:{p}\r\n\r\n")
    );
    assert_eq!(
        r[1].text(),
        format!("GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 127.0.0.1:{p}\r\n\r\n")
    );
}

#[test]
fn http_bindto_sets_the_source_address() {
    let s = spec(Behaviour::Reply(hello_reply())).start();
    let o = check("http", s.port(), "2", &["--bindto", "127.0.0.2"]);
    assert_up(&o, "HTTP_GET", s.port(), "/: HTTP 200");
    let r = s.wait_requests(1);
    assert_eq!(r[0].peer.ip().to_string(), "127.0.0.2");
}

#[test]
fn http_bind_port_sets_the_source_port() {
    let s = spec(Behaviour::Reply(hello_reply())).start();
    let source = refused_port();
    let o = check(
        "http",
        s.port(),
        "2",
        &["--bindto", "127.0.0.3", "--bind-port", &source.to_string()],
    );
    assert_up(&o, "HTTP_GET", s.port(), "/: HTTP 200");
    let r = s.wait_requests(1);
    assert_eq!(r[0].peer.to_string(), format!("127.0.0.3:{source}"));
}

#[test]
fn http_over_ipv6_loopback() {
    let s = spec(Behaviour::Reply(hello_reply()))
        .bind("[::1]:0")
        .start();
    let p = s.port().to_string();
    let o = ha(&[
        "check",
        "http",
        "::1",
        "--port",
        &p,
        "--retry",
        "0",
        "--timeout",
        "2",
    ]);
    let v = verdict(&o);
    assert!(v.up && o.code() == 0, "{}", o.show());
    assert_eq!(v.target, format!("[::1]:{p}"));
    assert_eq!(v.reason, "/: HTTP 200");
    let r = s.wait_requests(1);
    assert_eq!(
        r[0].text(),
        format!("GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: [::1]:{p}\r\n\r\n")
    );
}

#[test]
fn http_stops_at_content_length_when_the_server_keeps_the_connection_open() {
    let s = spec(Behaviour::ReplyThenHold(
        hello_reply(),
        Duration::from_secs(5),
    ))
    .start();
    let o = check("http", s.port(), "2", &["--digest", HELLO_MD5]);
    let v = assert_up(&o, "HTTP_GET", s.port(), "/: HTTP 200 and digest match");
    assert_within(&o, &v, 1.0);
}

#[test]
fn http_bytes_past_content_length_are_not_hashed() {
    let mut reply = hello_reply();
    reply.extend_from_slice(b"trailing junk the digest must not cover");
    let s = spec(Behaviour::Reply(reply)).start();
    let o = check("http", s.port(), "2", &["--digest", HELLO_MD5]);
    assert_up(&o, "HTTP_GET", s.port(), "/: HTTP 200 and digest match");
}

#[test]
fn http_without_content_length_hashes_to_the_close() {
    let s = spec(Behaviour::Reply(
        [
            b"HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\n".as_slice(),
            HELLO_BODY,
        ]
        .concat(),
    ))
    .start();
    let o = check("http", s.port(), "2", &["--digest", HELLO_MD5]);
    assert_up(&o, "HTTP_GET", s.port(), "/: HTTP 200 and digest match");
}

#[test]
fn http_retry_makes_two_attempts_on_a_refused_port() {
    let port = refused_port();
    let args = [
        "check",
        "http",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--retry",
        "1",
        "--delay-before-retry",
        "0.1",
        "--timeout",
        "1",
    ]
    .map(String::from);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = ha(&args);
    let v = assert_down(&o, "HTTP_GET", port, "connection refused");
    assert_eq!(v.attempts, 2, "{}", o.show());
    assert!(o.out().contains(" ms, 2 attempts)"), "{}", o.show());
    assert!(
        v.ms >= 100.0,
        "the retry delay was not honoured: {} ms",
        v.ms
    );
    assert_within(&o, &v, 1.0);

    let mut json_args = args.clone();
    json_args.push("--json");
    let o = ha(&json_args);
    assert_eq!(o.code(), 1);
    let j = json(&o);
    assert_eq!(j["attempts"], 2);
    assert!(j["elapsed_ms"].as_f64().unwrap() >= 100.0);
}

#[test]
fn http_retry_recovers_when_the_second_attempt_succeeds() {
    let s = spec(Behaviour::Close)
        .then(Behaviour::Reply(hello_reply()))
        .start();
    let p = s.port().to_string();
    let o = ha(&[
        "check",
        "http",
        "127.0.0.1",
        "--port",
        &p,
        "--retry",
        "2",
        "--delay-before-retry",
        "0.05",
        "--timeout",
        "2",
    ]);
    let v = assert_up(&o, "HTTP_GET", s.port(), "/: HTTP 200");
    assert_eq!(v.attempts, 2, "{}", o.show());
    assert_eq!(s.connections(), 2);
}

// ---------------------------------------------------------------------------------------
// HTTP: hostile targets. Each must be DOWN for a precise reason, quickly, without a panic.

#[test]
fn hostile_connection_refused() {
    let port = refused_port();
    let o = check("http", port, "1", &[]);
    let v = assert_down(&o, "HTTP_GET", port, "connection refused");
    assert_within(&o, &v, 0.5);
}

#[test]
fn hostile_connect_timeout() {
    let Some(bh) = blackhole() else {
        println!(
            "SKIP: this kernel answers SYNs beyond a full accept queue; no connect-timeout target"
        );
        return;
    };
    let o = check("http", bh.addr.port(), "1", &[]);
    let v = assert_down(
        &o,
        "HTTP_GET",
        bh.addr.port(),
        "connect timed out after 1 s",
    );
    assert_took_the_timeout(&o, &v);
}

#[test]
fn hostile_accepts_and_stays_silent() {
    let s = spec(Behaviour::Silent).start();
    let o = check("http", s.port(), "1", &[]);
    let v = assert_down(
        &o,
        "HTTP_GET",
        s.port(),
        "/: no reply within 1 s (the server accepted the connection and stayed silent)",
    );
    assert_took_the_timeout(&o, &v);
}

#[test]
fn hostile_closes_mid_reply() {
    let mut reply = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".to_vec();
    reply.extend_from_slice(b"only ten b");
    let s = spec(Behaviour::Reply(reply)).start();
    let o = check("http", s.port(), "2", &[]);
    let v = assert_down(
        &o,
        "HTTP_GET",
        s.port(),
        "/: body cut short: 10 of 100 bytes (Content-Length)",
    );
    assert_within(&o, &v, 1.0);
}

#[test]
fn hostile_closes_in_the_header() {
    let s = spec(Behaviour::Reply(b"HTTP/1.1 200 OK\r\nServer: x".to_vec())).start();
    let o = check("http", s.port(), "2", &[]);
    let v = assert_down(
        &o,
        "HTTP_GET",
        s.port(),
        "/: the server closed the connection in the reply header (26 bytes: \"HTTP/1.1 200 OK\\r\\nServer:...\")",
    );
    assert_within(&o, &v, 1.0);
}

#[test]
fn hostile_closes_without_replying() {
    let s = spec(Behaviour::Close).start();
    let o = check("http", s.port(), "2", &[]);
    let v = assert_down(
        &o,
        "HTTP_GET",
        s.port(),
        "/: the server closed the connection without replying",
    );
    assert_within(&o, &v, 1.0);
}

#[test]
fn hostile_resets_the_connection() {
    let s = spec(Behaviour::Reset).start();
    let o = check("http", s.port(), "2", &[]);
    let v = assert_down(
        &o,
        "HTTP_GET",
        s.port(),
        "/: read failed after 0 bytes: connection reset by peer",
    );
    assert_within(&o, &v, 1.0);
}

#[test]
fn hostile_ssh_banner_is_not_http() {
    let s = spec(Behaviour::Reply(b"SSH-2.0-OpenSSH\r\n\r\n".to_vec())).start();
    let o = check("http", s.port(), "2", &[]);
    let v = assert_down(
        &o,
        "HTTP_GET",
        s.port(),
        "/: not an HTTP reply (it starts \"SSH-2.0-OpenSSH\\r\\n\\r\\n\")",
    );
    assert_within(&o, &v, 1.0);
}

#[test]
fn hostile_binary_junk() {
    // Junk that happens to contain CRLFCRLF: a "header" without a status line.
    let mut junk: Vec<u8> = (0u8..=255).rev().take(40).collect();
    junk.extend_from_slice(b"\r\n\r\n\x00\x01\x02");
    let s = spec(Behaviour::Reply(junk)).start();
    let o = check("http", s.port(), "2", &[]);
    let v = assert_down(
        &o,
        "HTTP_GET",
        s.port(),
        "/: not an HTTP reply (it starts \"\\xff\\xfe\\xfd\\xfc\\xfb\\xfa\\xf9\\xf8\\xf7\\xf6\\xf5\\xf4\\xf3\\xf2\\xf1\\xf0\\xef\\xee\\xed\\xec\\xeb\\xea\\xe9\\xe8...\")",
    );
    assert_within(&o, &v, 1.0);

    // Junk without CRLFCRLF, then close.
    let junk: Vec<u8> = vec![0x00, 0x9c, 0x16, 0x03, 0x01, 0x7f, b'\n', 0x80];
    let s = spec(Behaviour::Reply(junk)).start();
    let o = check("http", s.port(), "2", &[]);
    let v = assert_down(
        &o,
        "HTTP_GET",
        s.port(),
        "/: the server closed the connection in the reply header (8 bytes: \"\\x00\\x9c\\x16\\x03\\x01\\x7f\\n\\x80\")",
    );
    assert_within(&o, &v, 1.0);
}

#[test]
fn hostile_endless_body() {
    let s = spec(Behaviour::Endless {
        head: b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec(),
    })
    .start();
    let o = check("http", s.port(), "1", &[]);
    let v = verdict(&o);
    assert!(!v.up, "{}", o.show());
    assert_eq!(o.code(), 1);
    let received: u64 = v
        .reason
        .strip_prefix("/: reply incomplete after 1 s (")
        .and_then(|r| r.strip_suffix(" bytes received)"))
        .unwrap_or_else(|| panic!("unexpected reason\n{}", o.show()))
        .parse()
        .expect("a byte count");
    assert!(received > 16 * 1024, "only {received} bytes in 1 s?");
    assert_took_the_timeout(&o, &v);
}

#[test]
fn hostile_huge_header() {
    let head = huge_header(70 * 1024);
    let s = spec(Behaviour::ReplyThenHold(head, Duration::from_secs(5))).start();
    let o = check("http", s.port(), "2", &[]);
    let v = assert_down(
        &o,
        "HTTP_GET",
        s.port(),
        "/: reply header larger than 64 KiB",
    );
    assert_within(&o, &v, 1.0);
}

#[test]
fn hostile_slow_drip() {
    let s = spec(Behaviour::Drip {
        data: b"HTTP/1.0 200 OK\r\nContent-Length: 17\r\n\r\nhello from kalab\n".to_vec(),
        every: Duration::from_millis(200),
    })
    .start();
    let o = check("http", s.port(), "1", &[]);
    let v = verdict(&o);
    assert!(!v.up, "{}", o.show());
    assert_eq!(o.code(), 1);
    let received: u64 = v
        .reason
        .strip_prefix("/: reply incomplete after 1 s (")
        .and_then(|r| r.strip_suffix(" bytes received)"))
        .unwrap_or_else(|| panic!("unexpected reason\n{}", o.show()))
        .parse()
        .expect("a byte count");
    assert!(
        (3..=7).contains(&received),
        "{received} bytes at 5 per second"
    );
    assert_took_the_timeout(&o, &v);
}

#[test]
fn hostile_https_against_plain_http() {
    let s = spec(Behaviour::Reply(
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
    ))
    .read(ReadRequest::Once)
    .start();
    let o = check("https", s.port(), "2", &[]);
    let v = assert_down(
        &o,
        "SSL_GET",
        s.port(),
        "TLS handshake failed: the server did not answer with TLS (plain HTTP on this port?)",
    );
    assert_within(&o, &v, 1.0);
}

#[test]
fn hostile_https_server_closes_during_handshake() {
    let s = spec(Behaviour::Close).read(ReadRequest::Once).start();
    let o = check("https", s.port(), "2", &[]);
    let v = assert_down(
        &o,
        "SSL_GET",
        s.port(),
        "TLS handshake failed: the server closed the connection",
    );
    assert_within(&o, &v, 1.0);
}

#[test]
fn hostile_tls_stall() {
    let s = tls_stall_server();
    let o = check("https", s.port(), "1", &[]);
    let v = assert_down(&o, "SSL_GET", s.port(), "TLS handshake timed out");
    assert_took_the_timeout(&o, &v);
}

// ---------------------------------------------------------------------------------------
// HTTPS

#[test]
fn https_up_without_verification_and_no_sni() {
    let cert = TestCert::localhost();
    let s = tls_spec(&cert, Behaviour::Reply(hello_reply())).start();
    let o = check("https", s.port(), "2", &["--digest", HELLO_MD5]);
    let v = assert_up(&o, "SSL_GET", s.port(), "/: HTTP 200 and digest match");
    assert_within(&o, &v, 1.0);
    let r = s.wait_requests(1);
    assert_eq!(r[0].request, keepalived_request("/", s.port()));
    assert_eq!(r[0].sni, None, "no SNI unless asked for");
}

#[test]
fn https_self_signed_certificate_for_another_name_is_accepted_without_ca() {
    let cert = TestCert::generate(&["elsewhere.test"], "someone else");
    let s = tls_spec(&cert, Behaviour::Reply(hello_reply())).start();
    let o = check("https", s.port(), "2", &[]);
    assert_up(&o, "SSL_GET", s.port(), "/: HTTP 200");
}

#[test]
fn https_ca_valid_for_the_ip_and_the_sni_name() {
    let cert = TestCert::localhost();
    let dir = TempDir::new("https-ca");
    let ca = dir.write("ca.pem", &cert.cert_pem);
    let ca = ca.to_str().unwrap();
    let s = tls_spec(&cert, Behaviour::Reply(hello_reply())).start();
    let p = s.port();
    let o = check("https", p, "2", &["--ca", ca]);
    assert_up(&o, "SSL_GET", p, "/: HTTP 200");
    let o = check("https", p, "2", &["--ca", ca, "--sni", "localhost"]);
    assert_up(&o, "SSL_GET", p, "/: HTTP 200");
    let r = s.wait_requests(2);
    assert_eq!(r[0].sni, None);
    assert_eq!(r[1].sni.as_deref(), Some("localhost"));
    // The name is checked: a certificate not valid for the SNI name fails.
    let o = check("https", p, "2", &["--ca", ca, "--sni", "other.test"]);
    assert_down(
        &o,
        "SSL_GET",
        p,
        "TLS handshake failed: invalid peer certificate: certificate not valid for name \"other.test\"; \
         certificate is only valid for DnsName(\"localhost\") or IpAddress(127.0.0.1)",
    );
}

#[test]
fn https_ca_from_another_authority_is_down() {
    let cert = TestCert::localhost();
    let other = TestCert::generate(&["localhost", "127.0.0.1"], "another test CA");
    let dir = TempDir::new("https-other-ca");
    let ca = dir.write("other.pem", &other.cert_pem);
    let s = tls_spec(&cert, Behaviour::Reply(hello_reply())).start();
    let o = check("https", s.port(), "2", &["--ca", ca.to_str().unwrap()]);
    let v = assert_down(
        &o,
        "SSL_GET",
        s.port(),
        "TLS handshake failed: invalid peer certificate: UnknownIssuer",
    );
    assert_within(&o, &v, 1.0);
}

#[test]
fn https_unusable_ca_file_is_a_usage_error_naming_the_file() {
    let dir = TempDir::new("https-bad-ca");
    let missing = dir.join("missing.pem");
    let junk = dir.write("junk.pem", "not a certificate\n");
    let cert = TestCert::localhost();
    let s = tls_spec(&cert, Behaviour::Reply(hello_reply())).start();
    for (path, why) in [
        (&missing, "No such file or directory"),
        (&junk, "no usable certificate"),
    ] {
        let shown = path.display().to_string();
        let o = check("https", s.port(), "2", &["--ca", &shown]);
        assert_eq!(o.code(), 2, "{}", o.show());
        assert!(o.stdout.is_empty(), "{}", o.show());
        let err = o.err();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{}", o.show());
        assert!(
            lines[0].starts_with(&format!(
                "ha: check https: cannot use the CA file: {shown}: "
            )) && lines[0].contains(why),
            "{}",
            o.show()
        );
        assert_eq!(lines[1], "  hint: --ca wants a PEM file of CA certificates");
    }
    assert_eq!(
        s.connections(),
        0,
        "nothing is sent with an unusable CA file"
    );
}

#[test]
fn https_sni_from_virtualhost() {
    let cert = TestCert::localhost();
    let s = tls_spec(&cert, Behaviour::Reply(hello_reply())).start();
    let o = check(
        "https",
        s.port(),
        "2",
        &[
            "--virtualhost",
            "www.example.test",
            "--sni-from-virtualhost",
        ],
    );
    assert_up(&o, "SSL_GET", s.port(), "/: HTTP 200");
    let r = s.wait_requests(1);
    assert_eq!(r[0].sni.as_deref(), Some("www.example.test"));
    assert!(r[0].text().contains("\r\nHost: www.example.test\r\n"));
}

#[test]
fn https_status_mismatch_is_down() {
    let cert = TestCert::localhost();
    let s = tls_spec(
        &cert,
        Behaviour::Reply(http_reply("404 Not Found", b"gone\n")),
    )
    .start();
    let o = check("https", s.port(), "2", &[]);
    assert_down(
        &o,
        "SSL_GET",
        s.port(),
        "/: HTTP status 404, expected 200-299",
    );
}

// ---------------------------------------------------------------------------------------
// TCP

#[test]
fn tcp_up_on_a_listener() {
    let s = silent_server();
    let o = check("tcp", s.port(), "2", &[]);
    let v = assert_up(&o, "TCP_CHECK", s.port(), "TCP connection established");
    assert_within(&o, &v, 1.0);
    let o = check("tcp", s.port(), "2", &["--json"]);
    let j = json(&o);
    assert_eq!(j["check"], "TCP_CHECK");
    assert_eq!(j["verdict"], "UP");
    assert_eq!(j["up"], true);
    assert_eq!(j["reason"], "TCP connection established");
}

#[test]
fn tcp_down_refused() {
    let port = refused_port();
    let o = check("tcp", port, "1", &[]);
    let v = assert_down(&o, "TCP_CHECK", port, "connection refused");
    assert_within(&o, &v, 0.5);
}

#[test]
fn tcp_down_connect_timeout() {
    let Some(bh) = blackhole() else {
        println!(
            "SKIP: this kernel answers SYNs beyond a full accept queue; no connect-timeout target"
        );
        return;
    };
    let o = check("tcp", bh.addr.port(), "1", &[]);
    let v = assert_down(
        &o,
        "TCP_CHECK",
        bh.addr.port(),
        "connect timed out after 1 s",
    );
    assert_took_the_timeout(&o, &v);
}

// ---------------------------------------------------------------------------------------
// SMTP

#[test]
fn smtp_up_with_the_default_helo() {
    let s = smtp_server(SmtpScript::default());
    let o = check("smtp", s.port(), "2", &[]);
    let v = assert_up(
        &o,
        "SMTP_CHECK",
        s.port(),
        "220 greeting, HELO answered 250 (mail.test)",
    );
    assert_within(&o, &v, 1.0);
    let r = s.wait_requests(1);
    assert_eq!(r[0].text(), "HELO smtpchecker.keepalived.org\r\nQUIT\r\n");
}

#[test]
fn smtp_helo_name_is_sent() {
    let s = smtp_server(SmtpScript::default());
    let o = check(
        "smtp",
        s.port(),
        "2",
        &["--helo-name", "director1.example.test"],
    );
    assert_up(
        &o,
        "SMTP_CHECK",
        s.port(),
        "220 greeting, HELO answered 250 (mail.test)",
    );
    let r = s.wait_requests(1);
    assert_eq!(r[0].text(), "HELO director1.example.test\r\nQUIT\r\n");
}

#[test]
fn smtp_multi_line_greeting_and_helo_reply_are_up() {
    let s = smtp_server(SmtpScript {
        greeting: b"220-mail.test ESMTP Postfix\r\n220-no UCE\r\n220 ready\r\n".to_vec(),
        helo_reply: b"250-mail.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n".to_vec(),
        ..SmtpScript::default()
    });
    let o = check("smtp", s.port(), "2", &[]);
    assert_up(
        &o,
        "SMTP_CHECK",
        s.port(),
        "220 greeting, HELO answered 250 (SIZE 1000)",
    );
}

#[test]
fn smtp_554_greeting_is_down() {
    let s = smtp_server(SmtpScript {
        greeting: b"554 5.3.2 mail.test no service\r\n".to_vec(),
        ..SmtpScript::default()
    });
    let o = check("smtp", s.port(), "2", &[]);
    let v = assert_down(
        &o,
        "SMTP_CHECK",
        s.port(),
        "bad greeting: 554 5.3.2 mail.test no service (expected 220)",
    );
    assert_within(&o, &v, 1.0);
}

#[test]
fn smtp_helo_answered_501_is_down() {
    let s = smtp_server(SmtpScript {
        helo_reply: b"501 5.5.4 bad HELO\r\n".to_vec(),
        ..SmtpScript::default()
    });
    let o = check("smtp", s.port(), "2", &[]);
    let v = assert_down(
        &o,
        "SMTP_CHECK",
        s.port(),
        "HELO smtpchecker.keepalived.org answered 501 5.5.4 bad HELO (expected 250)",
    );
    assert_within(&o, &v, 1.0);
}

#[test]
fn smtp_http_server_is_not_smtp() {
    let s = spec(Behaviour::Reply(
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".to_vec(),
    ))
    .read(ReadRequest::None)
    .start();
    let o = check("smtp", s.port(), "2", &[]);
    assert_down(
        &o,
        "SMTP_CHECK",
        s.port(),
        "not an SMTP reply: \"HTTP/1.1 400 Bad Request\"",
    );
}

#[test]
fn smtp_server_closing_after_the_greeting_is_down() {
    let s = spec(Behaviour::Reply(b"220 mail.test ready\r\n".to_vec()))
        .read(ReadRequest::None)
        .start();
    let o = check("smtp", s.port(), "2", &[]);
    let v = verdict(&o);
    assert!(!v.up && o.code() == 1, "{}", o.show());
    // Depending on timing the HELO write may fail or the read may see the close.
    assert!(
        v.reason == "the server closed the connection before its HELO reply"
            || v.reason.starts_with("sending HELO: ")
            || v.reason.starts_with("reading the HELO reply: "),
        "{}",
        o.show()
    );
}

#[test]
fn smtp_silent_server_is_down_with_a_timeout_reason() {
    let s = silent_server();
    let o = check("smtp", s.port(), "1", &[]);
    let v = verdict(&o);
    assert!(!v.up && o.code() == 1, "{}", o.show());
    assert_took_the_timeout(&o, &v);
    assert_eq!(v.reason, "no greeting within 1 s", "{}", o.show());
}

#[test]
fn smtp_refused_is_down() {
    let port = refused_port();
    let o = check("smtp", port, "1", &[]);
    assert_down(&o, "SMTP_CHECK", port, "connection refused");
}

// ---------------------------------------------------------------------------------------
// Usage errors: exit 2, a message on stderr, no verdict on stdout.

fn assert_usage(args: &[&str], needle: &str) {
    let o = ha(args);
    assert_eq!(o.code(), 2, "{}", o.show());
    assert!(
        o.stdout.is_empty(),
        "no verdict on a usage error\n{}",
        o.show()
    );
    assert!(
        o.err().contains(needle),
        "stderr lacks {needle:?}\n{}",
        o.show()
    );
}

#[test]
fn usage_errors_exit_2() {
    let http = ["check", "http", "127.0.0.1", "--port", "1", "--retry", "0"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = http.to_vec();
        v.extend_from_slice(extra);
        v
    };
    assert_usage(
        &with(&["--status", "abc"]),
        "`abc` is not an HTTP status code (100-599)",
    );
    assert_usage(
        &with(&["--status", "99"]),
        "`99` is not an HTTP status code (100-599)",
    );
    assert_usage(
        &with(&["--status", "300-200"]),
        "`300-200`: the range is backwards",
    );
    assert_usage(
        &with(&["--digest", "xyz"]),
        "`xyz` is not an MD5 digest (32 hex digits, as genhash prints)",
    );
    assert_usage(
        &with(&["--digest", "65078f5e997cf8af75ced0bfee20836"]),
        "is not an MD5 digest",
    );
    assert_usage(
        &with(&[
            "--path", "/a", "--path", "/b", "--path", "/c", "--digest", HELLO_MD5, "--digest",
            HELLO_MD5,
        ]),
        "ha: check: 2 digests for 3 paths",
    );
    assert_usage(
        &with(&["--path", "/a", "--digest", HELLO_MD5, "--digest", HELLO_MD5]),
        "give one --digest for all paths, or one per --path in the same order",
    );
    assert_usage(
        &with(&["--http-version", "2"]),
        "the HTTP version is 1.0, 1.0c or 1.1",
    );
    assert_usage(&with(&["--timeout", "soon"]), "is not a number of seconds");
    assert_usage(&["check", "tcp", "127.0.0.1"], "--port");
    assert_usage(&["check", "http", "localhost"], "localhost");
    assert_usage(
        &[
            "check",
            "https",
            "127.0.0.1",
            "--sni",
            "a",
            "--sni-from-virtualhost",
        ],
        "cannot be used with",
    );
    assert_usage(&["check", "ftp", "127.0.0.1"], "ftp");
}
