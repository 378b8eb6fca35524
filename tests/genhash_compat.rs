//! The `genhash` personality (argv[0] = genhash) against Debian's keepalived 2.2.7 genhash:
//! byte-identical stdout, stderr and exit status (the verbose `= N usecs` figure aside), and
//! the same request bytes on the wire. When /usr/bin/genhash is installed both run against
//! the same scripted server behaviour; otherwise the stored reference outputs in
//! tests/data/genhash/ (captured from keepalived 2.2.7) are the yardstick.
//!
//! Also `ha genhash`, the ha personality: same digest, ha's error and warning lines, --json.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;

const REAL_GENHASH: &str = "/usr/bin/genhash";

/// Debian's genhash, unless absent. HA_TEST_GENHASH names another one (a path that does
/// not exist exercises the reference-only mode).
fn real_genhash() -> Option<&'static Path> {
    static FOUND: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    FOUND
        .get_or_init(|| {
            let p = std::env::var_os("HA_TEST_GENHASH")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(REAL_GENHASH));
            p.exists().then_some(p)
        })
        .as_deref()
}

/// Says (once per run) why the live comparisons do not happen.
fn skip_note() {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        println!(
            "SKIP: Debian's genhash not installed; comparing with stored reference outputs only"
        )
    });
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/genhash")
        .join(name)
}

fn reference(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).unwrap_or_else(|e| panic!("reference {name}: {e}"))
}

/// The exit status stored in `<case>.exit` ("0 genhash -s ...").
fn reference_exit(case: &str) -> i32 {
    let text = String::from_utf8(reference(&format!("{case}.exit"))).unwrap();
    text.split_whitespace()
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad {case}.exit: {text:?}"))
}

/// Replaces the verbose timing figure: `= 1234 usecs` -> `= N usecs`.
fn normalise(bytes: &[u8]) -> Vec<u8> {
    const MARK: &[u8] = b"] = ";
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(MARK) {
            let digits = bytes[i + MARK.len()..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits > 0 && bytes[i + MARK.len() + digits..].starts_with(b" usecs") {
                out.extend_from_slice(b"] = N");
                i += MARK.len() + digits;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Our genhash: the symlink `genhash` -> ha, run with argv[0] = "genhash" (so that the
/// usage text names the program as the reference captures do).
fn ours(link: &Path, args: &[&str]) -> Output {
    run(link, Some("genhash"), args, WATCHDOG)
}

fn theirs(real: &Path, args: &[&str]) -> Output {
    run(real, Some("genhash"), args, WATCHDOG)
}

fn show_bytes(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Byte-identical stdout (normalised), stderr and exit status.
fn assert_same(case: &str, real: &Output, mine: &Output) {
    mine.assert_no_panic();
    let (rs, ms) = (normalise(&real.stdout), normalise(&mine.stdout));
    assert!(
        rs == ms,
        "[{case}] stdout differs\n--- keepalived genhash\n{}--- ha as genhash\n{}\n{}",
        show_bytes(&rs),
        show_bytes(&ms),
        mine.show()
    );
    assert!(
        real.stderr == mine.stderr,
        "[{case}] stderr differs\n--- keepalived genhash\n{}--- ha as genhash\n{}",
        real.err(),
        mine.err()
    );
    assert_eq!(
        real.code,
        mine.code,
        "[{case}] exit status differs\n{}\n{}",
        real.show(),
        mine.show()
    );
}

/// Output against stored reference files `<case>.stdout/.stderr/.exit`.
fn assert_reference(case: &str, mine: &Output) {
    mine.assert_no_panic();
    let want = normalise(&reference(&format!("{case}.stdout")));
    assert!(
        normalise(&mine.stdout) == want,
        "[{case}] stdout differs from the reference\n--- reference\n{}--- ha as genhash\n{}",
        show_bytes(&want),
        mine.out()
    );
    if data(&format!("{case}.stderr")).exists() {
        assert_eq!(
            mine.err(),
            show_bytes(&reference(&format!("{case}.stderr"))),
            "[{case}] stderr"
        );
    }
    if data(&format!("{case}.exit")).exists() {
        assert_eq!(
            mine.code,
            Some(reference_exit(case)),
            "[{case}] exit status"
        );
    }
}

/// Substitutes `{port}` in an argument template.
fn fill(args: &[&str], port: u16) -> Vec<String> {
    args.iter()
        .map(|a| a.replace("{port}", &port.to_string()))
        .collect()
}

/// One live comparison: a fresh server from `make` serves both programs (two connections,
/// run at the same time), outputs must be identical, and both requests the same.
/// Without Debian's genhash, ours still runs against the server and must not hang or
/// panic; `expect_stdout`, when given, is then checked.
fn compare(case: &str, make: impl Fn() -> ServerSpec, args: &[&str], expect_stdout: Option<&str>) {
    let (_dir, link) = genhash_link(case);
    let server = make().max_conns(2).start();
    let argv = fill(args, server.port());
    let mine_link = link.clone();
    let Some(real) = real_genhash() else {
        skip_note();
        let a: Vec<&str> = argv.iter().map(String::as_str).collect();
        let mine = ours(&mine_link, &a);
        mine.assert_no_panic();
        if let Some(want) = expect_stdout {
            assert_eq!(
                normalise(&mine.stdout),
                want.as_bytes(),
                "[{case}]\n{}",
                mine.show()
            );
        }
        return;
    };
    let real = real.to_path_buf();
    let argv2 = argv.clone();
    let mut outs = parallel::<Output>(vec![
        Box::new(move || {
            let a: Vec<&str> = argv.iter().map(String::as_str).collect();
            theirs(&real, &a)
        }),
        Box::new(move || {
            let a: Vec<&str> = argv2.iter().map(String::as_str).collect();
            ours(&mine_link, &a)
        }),
    ]);
    let mine = outs.pop().unwrap();
    let real = outs.pop().unwrap();
    assert_same(case, &real, &mine);
    println!(
        "[{case}] same output: exit {:?}, stdout {:?}, stderr {:?}, {} vs {} ms",
        mine.code,
        show_bytes(&mine.stdout).lines().last().unwrap_or(""),
        mine.err(),
        real.elapsed.as_millis(),
        mine.elapsed.as_millis()
    );
    if let Some(want) = expect_stdout {
        assert_eq!(
            show_bytes(&normalise(&mine.stdout)),
            want,
            "[{case}] expected stdout\n{}",
            mine.show()
        );
    }
    // Both sent the same HTTP request (TLS hellos differ, of course).
    let reqs = server.requests();
    if reqs.len() == 2 && reqs.iter().all(|r| r.request.starts_with(b"GET ")) {
        assert!(
            reqs[0].request == reqs[1].request,
            "[{case}] requests differ:\n{:?}\n{:?}",
            reqs[0].text(),
            reqs[1].text()
        );
        assert_eq!(reqs[0].sni, reqs[1].sni, "[{case}] SNI differs");
    }
}

/// Runs several comparisons at once (they are independent; several wait on timeouts),
/// a few at a time so that the machine stays responsive enough for timing-sensitive cases.
fn compare_all(cases: Vec<Job<()>>) {
    parallel_n::<()>(cases, 4);
}

fn reply(b: Vec<u8>) -> impl Fn() -> ServerSpec {
    move || spec(Behaviour::Reply(b.clone()))
}

/// Python's http.server 404 page, as the reference capture `notfound` saw it.
fn python_404() -> Vec<u8> {
    let body = "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n        \
<title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        \
<p>Error code: 404</p>\n        <p>Message: File not found.</p>\n        \
<p>Error code explanation: 404 - Nothing matches the given URI.</p>\n    </body>\n</html>\n";
    let mut r = format!(
        "HTTP/1.0 404 File not found\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\n\
Date: Sat, 21 Nov 2026 21:00:32 GMT\r\nConnection: close\r\n\
Content-Type: text/html;charset=utf-8\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body.as_bytes());
    r
}

/// The reply behind the reference capture `verbose` (Python's SimpleHTTP serving
/// hello.txt), rebuilt from its hex dump and sent in one write.
fn python_hello() -> Vec<u8> {
    let mut r = b"HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\n\
Date: Sat, 21 Nov 2026 21:00:32 GMT\r\nContent-type: text/plain\r\nContent-Length: 17\r\n\
Last-Modified: Sat, 21 Nov 2026 21:00:31 GMT\r\n\r\n"
        .to_vec();
    r.extend_from_slice(HELLO_BODY);
    r
}

const DIGEST_LINE: &str = "65078f5e997cf8af75ced0bfee208362\n";

// ---------------------------------------------------------------------------------------
// Stored references: always checked, with or without Debian's genhash.

#[test]
fn reference_command_line_errors() {
    let (_dir, link) = genhash_link("ref-cmdline");
    assert_reference("noargs", &ours(&link, &[]));
    assert_reference("nourl", &ours(&link, &["-s", "127.0.0.1", "-p", "8000"]));
    assert_reference(
        "badaddr",
        &ours(&link, &["-s", "notanip", "-p", "8000", "-u", "/"]),
    );
}

#[test]
fn reference_pages() {
    let (_dir, link) = genhash_link("ref-pages");
    let raw = spec(Behaviour::Reply(hello_reply())).start();
    let p = raw.port_str();
    let o = ours(&link, &["-s", "127.0.0.1", "-p", &p, "-u", "/hello.txt"]);
    assert_reference("plain", &o);
    // rawserver.py's reply read in one go, verbose.
    let o = ours(
        &link,
        &["-v", "-s", "127.0.0.1", "-p", &p, "-u", "/hello.txt"],
    );
    o.assert_no_panic();
    assert_eq!(
        show_bytes(&normalise(&o.stdout)),
        show_bytes(&normalise(&reference("verbose-single-read.stdout")))
    );
    assert_eq!(o.code, Some(0));
    assert!(o.stderr.is_empty());
    // keepalived's request bytes (reference/requests.txt, request 0).
    let r = raw.wait_requests(2);
    assert_eq!(
        r[0].text(),
        format!(
            "GET /hello.txt HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:{p}\r\n\r\n"
        )
    );

    let py = spec(Behaviour::Reply(python_hello())).start();
    let o = ours(
        &link,
        &[
            "-v",
            "-s",
            "127.0.0.1",
            "-p",
            &py.port_str(),
            "-u",
            "/hello.txt",
        ],
    );
    assert_reference("verbose", &o);

    let nf = spec(Behaviour::Reply(python_404())).start();
    let o = ours(
        &link,
        &["-s", "127.0.0.1", "-p", &nf.port_str(), "-u", "/nope.txt"],
    );
    assert_reference("notfound", &o);
}

#[test]
fn reference_requests_for_each_protocol_and_vhost() {
    // reference/genhash/requests.txt: default, -P 1.1, -P 1.0c, -V vhost.test.
    let (_dir, link) = genhash_link("ref-requests");
    let s = spec(Behaviour::Reply(hello_reply())).start();
    let p = s.port_str();
    let base = ["-s", "127.0.0.1", "-p", &p, "-u", "/hello.txt"];
    for extra in [
        &[][..],
        &["-P", "1.1"],
        &["-P", "1.0c"],
        &["-V", "vhost.test"],
    ] {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let o = ours(&link, &args);
        assert_eq!(o.out(), DIGEST_LINE, "{}", o.show());
    }
    let got: Vec<String> = s
        .wait_requests(4)
        .iter()
        .enumerate()
        .map(|(i, r)| format!("=== request {i} ===\n{}", r.text()))
        .collect();
    let want = String::from_utf8(reference("requests.txt"))
        .unwrap()
        .replace("127.0.0.1:8002", &format!("127.0.0.1:{p}"));
    assert_eq!(got.concat(), want);
}

#[test]
fn reference_connection_failures() {
    let (_dir, link) = genhash_link("ref-failures");
    let port = refused_port().to_string();
    let o = ours(&link, &["-s", "127.0.0.1", "-p", &port, "-u", "/hello.txt"]);
    assert_reference("connfail", &o);

    let plain = spec(Behaviour::Reply(
        b"HTTP/1.0 400 Bad request version\r\nContent-Type: text/html\r\n\r\n<html>bad</html>\n"
            .to_vec(),
    ))
    .read(ReadRequest::Once)
    .start();
    let o = ours(
        &link,
        &[
            "-S",
            "-s",
            "127.0.0.1",
            "-p",
            &plain.port_str(),
            "-u",
            "/hello.txt",
        ],
    );
    assert_reference("ssl-on-plain", &o);

    // reference `badhost` is a SYN into the void; the blackhole target is the same.
    match blackhole() {
        Some(bh) => {
            let o = ours(
                &link,
                &[
                    "-s",
                    "127.0.0.1",
                    "-p",
                    &bh.port_str(),
                    "-u",
                    "/",
                    "-t",
                    "1",
                ],
            );
            assert_reference("badhost", &o);
            assert!(o.elapsed < Duration::from_millis(2500), "{}", o.show());
        }
        None => println!("SKIP: no connect-timeout target on this kernel"),
    }
}

// ---------------------------------------------------------------------------------------
// Live comparisons with Debian's genhash

#[test]
fn live_pages() {
    let plain = Box::new(|| {
        compare(
            "plain",
            reply(hello_reply()),
            &["-s", "127.0.0.1", "-p", "{port}", "-u", "/hello.txt"],
            Some(DIGEST_LINE),
        )
    });
    compare_all(vec![
        plain,
        Box::new(|| {
            compare(
                "404",
                reply(python_404()),
                &["-s", "127.0.0.1", "-p", "{port}", "-u", "/nope.txt"],
                Some("a2ae3eaedf7f44998f3639756a1725cc\n"),
            )
        }),
        Box::new(|| {
            compare(
                "verbose",
                reply(hello_reply()),
                &["-v", "-s", "127.0.0.1", "-p", "{port}", "-u", "/hello.txt"],
                None,
            )
        }),
        Box::new(|| {
            compare(
                "verbose-python",
                reply(python_hello()),
                &["-v", "-s", "127.0.0.1", "-p", "{port}", "-u", "/hello.txt"],
                None,
            )
        }),
        Box::new(|| {
            compare(
                "P1.1",
                reply(hello_reply()),
                &[
                    "-P",
                    "1.1",
                    "-s",
                    "127.0.0.1",
                    "-p",
                    "{port}",
                    "-u",
                    "/hello.txt",
                ],
                Some(DIGEST_LINE),
            )
        }),
        Box::new(|| {
            compare(
                "P1.0c",
                reply(hello_reply()),
                &["-s", "127.0.0.1", "-P", "1.0c", "-p", "{port}", "-u", "/x"],
                Some(DIGEST_LINE),
            )
        }),
        Box::new(|| {
            compare(
                "vhost",
                reply(hello_reply()),
                &[
                    "-V",
                    "www.example.test",
                    "-s",
                    "127.0.0.1",
                    "-p",
                    "{port}",
                    "-u",
                    "/",
                ],
                Some(DIGEST_LINE),
            )
        }),
        Box::new(|| {
            compare(
                "last-url-wins",
                reply(hello_reply()),
                &[
                    "-s",
                    "127.0.0.1",
                    "-p",
                    "{port}",
                    "-u",
                    "/first",
                    "-u",
                    "/second",
                ],
                Some(DIGEST_LINE),
            )
        }),
        Box::new(|| {
            compare(
                "long-options",
                reply(hello_reply()),
                &[
                    "--server=127.0.0.1",
                    "--port",
                    "{port}",
                    "--url=/a",
                    "--ver",
                ],
                None,
            )
        }),
    ]);
}

#[test]
fn live_reply_shapes() {
    let no_length = [
        b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\n".as_slice(),
        HELLO_BODY,
    ]
    .concat();
    let lower = [
        b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n".as_slice(),
        HELLO_BODY,
    ]
    .concat();
    let mut extra = hello_reply();
    extra.extend_from_slice(b"bytes past Content-Length");
    let mut short = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".to_vec();
    short.extend_from_slice(b"only ten b");
    let no_reason = [
        b"HTTP/1.1 200\r\nContent-Length: 17\r\n\r\n".as_slice(),
        HELLO_BODY,
    ]
    .concat();
    let mut big_header = b"HTTP/1.1 200 OK\r\n".to_vec();
    while big_header.len() < 6000 {
        big_header.extend_from_slice(b"X-Padding: 0123456789abcdef0123456789abcdef\r\n");
    }
    big_header.extend_from_slice(b"Content-Length: 17\r\n\r\nhello from kalab\n");
    let junk: Vec<u8> = (0u8..=255).rev().take(64).collect();
    let ssh = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n".to_vec();
    let empty_body = b"HTTP/1.1 204 No Content\r\n\r\n".to_vec();
    let mut cases: Vec<Job<()>> = Vec::new();
    for (name, bytes, verbose) in [
        ("no-content-length", no_length, true),
        ("lowercase-content-length", lower, true),
        ("past-content-length", extra, true),
        ("cut-short", short, true),
        ("no-reason-phrase", no_reason, false),
        ("header-over-4k", big_header, true),
        ("binary-junk", junk, true),
        ("ssh-banner", ssh, true),
        ("empty-body", empty_body, true),
    ] {
        let b = bytes.clone();
        cases.push(Box::new(move || {
            compare(
                name,
                reply(b),
                &["-s", "127.0.0.1", "-p", "{port}", "-u", "/"],
                None,
            )
        }));
        if verbose {
            cases.push(Box::new(move || {
                compare(
                    &format!("{name}-v"),
                    reply(bytes),
                    &["-v", "-s", "127.0.0.1", "-p", "{port}", "-u", "/"],
                    None,
                )
            }));
        }
    }
    compare_all(cases);
}

#[test]
fn live_reply_in_two_writes_verbose() {
    // Header, a pause long enough for both readers to see two reads, then the body.
    compare(
        "two-writes-v",
        || {
            spec(Behaviour::Pieces(vec![
                (
                    b"HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n".to_vec(),
                    Duration::from_millis(500),
                ),
                (HELLO_BODY.to_vec(), Duration::ZERO),
            ]))
        },
        &["-v", "-s", "127.0.0.1", "-p", "{port}", "-u", "/two"],
        None,
    );
}

#[test]
fn live_failures() {
    compare_all(vec![
        Box::new(|| {
            let port = refused_port();
            compare_refused(port)
        }),
        Box::new(|| {
            compare(
                "closes-without-data",
                || spec(Behaviour::Close),
                &["-s", "127.0.0.1", "-p", "{port}", "-u", "/"],
                None,
            )
        }),
        Box::new(|| {
            compare(
                "reset",
                || spec(Behaviour::Reset),
                &["-s", "127.0.0.1", "-p", "{port}", "-u", "/"],
                None,
            )
        }),
        Box::new(|| {
            compare(
                "silent",
                || spec(Behaviour::Silent),
                &["-s", "127.0.0.1", "-p", "{port}", "-u", "/", "-t", "1"],
                Some("Timeout WEB read\n"),
            )
        }),
        Box::new(|| {
            compare(
                "partial-header-stall",
                || {
                    spec(Behaviour::ReplyThenHold(
                        b"HTTP/1.1 200 OK\r\nContent-Le".to_vec(),
                        Duration::from_secs(5),
                    ))
                },
                &["-s", "127.0.0.1", "-p", "{port}", "-u", "/", "-t", "1"],
                Some("Timeout HTTP read\n"),
            )
        }),
        Box::new(|| {
            compare(
                "body-stall",
                || {
                    spec(Behaviour::ReplyThenHold(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\nhello".to_vec(),
                        Duration::from_secs(5),
                    ))
                },
                &["-s", "127.0.0.1", "-p", "{port}", "-u", "/", "-t", "1"],
                None,
            )
        }),
        Box::new(|| {
            compare(
                "silent-verbose",
                || spec(Behaviour::Silent),
                &[
                    "-v",
                    "-s",
                    "127.0.0.1",
                    "-p",
                    "{port}",
                    "-u",
                    "/",
                    "-t",
                    "1",
                ],
                None,
            )
        }),
        Box::new(|| {
            compare(
                "slow-drip",
                || {
                    spec(Behaviour::Drip {
                        data: b"HTTP/1.0 200 OK\r\nContent-Length: 17\r\n\r\nhello from kalab\n"
                            .to_vec(),
                        every: Duration::from_millis(15),
                    })
                },
                &["-s", "127.0.0.1", "-p", "{port}", "-u", "/", "-t", "1"],
                Some(DIGEST_LINE),
            )
        }),
        Box::new(|| match blackhole() {
            Some(bh) => compare_blackhole(&bh),
            None => println!("SKIP: no connect-timeout target on this kernel"),
        }),
    ]);
}

fn compare_refused(port: u16) {
    let (_dir, link) = genhash_link("refused");
    let p = port.to_string();
    let args = ["-s", "127.0.0.1", "-p", &p, "-u", "/"];
    let mine = ours(&link, &args);
    assert_eq!(mine.out(), "Connection failed\n", "{}", mine.show());
    if let Some(real) = real_genhash() {
        assert_same("refused", &theirs(real, &args), &mine);
    }
}

fn compare_blackhole(bh: &Blackhole) {
    let (_dir, link) = genhash_link("blackhole");
    let p = bh.port_str();
    let args = ["-s", "127.0.0.1", "-p", &p, "-u", "/", "-t", "1"];
    let mine = ours(&link, &args);
    assert_eq!(mine.out(), "Timeout connecting\n", "{}", mine.show());
    assert!(
        mine.elapsed < Duration::from_millis(2500),
        "{}",
        mine.show()
    );
    if let Some(real) = real_genhash() {
        assert_same("blackhole", &theirs(real, &args), &mine);
    }
}

#[test]
fn live_tls() {
    let cert = std::sync::Arc::new(TestCert::localhost());
    let c1 = cert.clone();
    let c2 = cert.clone();
    let c3 = cert.clone();
    let c4 = cert.clone();
    compare_all(vec![
        Box::new(move || {
            compare(
                "ssl",
                move || tls_spec(&c1, Behaviour::Reply(hello_reply())),
                &["-S", "-s", "127.0.0.1", "-p", "{port}", "-u", "/hello.txt"],
                Some(DIGEST_LINE),
            )
        }),
        Box::new(move || {
            compare(
                "ssl-verbose",
                move || tls_spec(&c2, Behaviour::Reply(hello_reply())),
                &[
                    "-v",
                    "-S",
                    "-s",
                    "127.0.0.1",
                    "-p",
                    "{port}",
                    "-u",
                    "/hello.txt",
                ],
                None,
            )
        }),
        Box::new(move || {
            compare(
                "ssl-sni",
                move || tls_spec(&c3, Behaviour::Reply(hello_reply())),
                &[
                    "-S",
                    "-I",
                    "-V",
                    "localhost",
                    "-s",
                    "127.0.0.1",
                    "-p",
                    "{port}",
                    "-u",
                    "/",
                ],
                Some(DIGEST_LINE),
            )
        }),
        Box::new(move || {
            compare(
                "ssl-404",
                move || tls_spec(&c4, Behaviour::Reply(python_404())),
                &["-S", "-s", "127.0.0.1", "-p", "{port}", "-u", "/nope.txt"],
                Some("a2ae3eaedf7f44998f3639756a1725cc\n"),
            )
        }),
        Box::new(|| {
            compare(
                "ssl-on-plain",
                || {
                    spec(Behaviour::Reply(
                        b"HTTP/1.0 400 Bad request version\r\n\r\n".to_vec(),
                    ))
                    .read(ReadRequest::Once)
                },
                &["-S", "-s", "127.0.0.1", "-p", "{port}", "-u", "/hello.txt"],
                Some("SSL handshake/communication error connecting to\n"),
            )
        }),
        Box::new(|| {
            compare(
                "ssl-stall",
                || spec(Behaviour::Silent).read(ReadRequest::None),
                &[
                    "-S",
                    "-s",
                    "127.0.0.1",
                    "-p",
                    "{port}",
                    "-u",
                    "/",
                    "-t",
                    "1",
                ],
                None,
            )
        }),
    ]);
}

#[test]
fn live_tls_hostile() {
    let cert = std::sync::Arc::new(TestCert::localhost());
    let mut cases: Vec<Job<()>> = Vec::new();
    let shapes: Vec<(&'static str, Behaviour, &'static [&'static str])> = vec![
        (
            "ssl-no-close-notify",
            Behaviour::ReplyNoCloseNotify(hello_reply()),
            &[],
        ),
        (
            "ssl-no-close-notify-v",
            Behaviour::ReplyNoCloseNotify(hello_reply()),
            &["-v"],
        ),
        ("ssl-close-after-handshake", Behaviour::Close, &[]),
        ("ssl-close-after-handshake-v", Behaviour::Close, &["-v"]),
        (
            "ssl-no-data-no-close-notify",
            Behaviour::ReplyNoCloseNotify(Vec::new()),
            &[],
        ),
        ("ssl-reset", Behaviour::Reset, &[]),
        ("ssl-silent", Behaviour::Silent, &["-t", "1"]),
        (
            "ssl-partial-header-stall",
            Behaviour::ReplyThenHold(b"HTTP/1.1 200 OK\r\nCont".to_vec(), Duration::from_secs(5)),
            &["-t", "1"],
        ),
        (
            "ssl-cut-short",
            Behaviour::Reply(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort".to_vec()),
            &[],
        ),
        (
            "ssl-junk",
            Behaviour::Reply(b"SSH-2.0-OpenSSH\r\n".to_vec()),
            &[],
        ),
    ];
    for (name, behaviour, extra) in shapes {
        let cert = cert.clone();
        cases.push(Box::new(move || {
            let mut args = vec!["-S", "-s", "127.0.0.1", "-p", "{port}", "-u", "/"];
            args.extend_from_slice(extra);
            compare(
                name,
                move || tls_spec(&cert, behaviour.clone()),
                &args,
                None,
            )
        }));
    }
    cases.push(Box::new(|| {
        compare(
            "ssl-on-plain-closing",
            || spec(Behaviour::Close).read(ReadRequest::Once),
            &["-S", "-s", "127.0.0.1", "-p", "{port}", "-u", "/"],
            None,
        )
    }));
    compare_all(cases);
}

#[test]
fn live_ipv6() {
    compare(
        "ipv6",
        || spec(Behaviour::Reply(hello_reply())).bind("[::1]:0"),
        &["-s", "::1", "-p", "{port}", "-u", "/six"],
        Some(DIGEST_LINE),
    );
}

#[test]
fn live_timeout_zero() {
    // With `-t 0` keepalived 2.2.7 still honours the connect's outcome on loopback: a
    // listening server gives "Timeout WEB write", a closed port "Connection failed".
    let port = refused_port().to_string();
    let refused = ["-s", "127.0.0.1", "-p", port.as_str(), "-u", "/", "-t", "0"];
    let (_dir, link) = genhash_link("timeout-zero");
    let mine = ours(&link, &refused);
    if let Some(real) = real_genhash() {
        assert_same("timeout-zero-refused", &theirs(real, &refused), &mine);
    }
    assert_eq!(mine.out(), "Connection failed\n", "{}", mine.show());
    compare(
        "timeout-zero-listening",
        || spec(Behaviour::Reply(hello_reply())),
        &["-s", "127.0.0.1", "-p", "{port}", "-u", "/", "-t", "0"],
        Some("Timeout WEB write\n"),
    );
}

#[test]
fn live_sni_is_sent_only_with_dash_i() {
    // Our side alone: the recorded SNI, which keepalived's capture cannot show.
    let cert = TestCert::localhost();
    let (_dir, link) = genhash_link("sni");
    let s = tls_spec(&cert, Behaviour::Reply(hello_reply())).start();
    let p = s.port_str();
    for args in [
        vec![
            "-S",
            "-V",
            "www.example.test",
            "-s",
            "127.0.0.1",
            "-p",
            &p,
            "-u",
            "/",
        ],
        vec![
            "-S",
            "-I",
            "-V",
            "www.example.test",
            "-s",
            "127.0.0.1",
            "-p",
            &p,
            "-u",
            "/",
        ],
    ] {
        let o = ours(&link, &args);
        assert_eq!(o.out(), DIGEST_LINE, "{}", o.show());
    }
    let r = s.wait_requests(2);
    assert_eq!(r[0].sni, None);
    assert_eq!(r[1].sni.as_deref(), Some("www.example.test"));
    assert!(r[1].text().contains("\r\nHost: www.example.test\r\n"));
}

#[test]
fn live_command_line_errors() {
    let (_dir, link) = genhash_link("cmdline");
    // A refused port: command lines that parse fail fast and identically.
    let port = refused_port().to_string();
    let p = port.as_str();
    let glued = format!("-p{p}");
    let cases: Vec<Vec<&str>> = vec![
        vec![],
        vec!["-h"],
        vec!["--help"],
        vec!["-h", "-s", "1.2.3.4"],
        vec!["-s", "127.0.0.1", "-p", "99999", "-u", "/"],
        vec!["-s", "127.0.0.1", "-p", "0x50", "-u", "/"],
        vec!["-s", "127.0.0.1", "-p", "0", "-u", "/"],
        vec!["-s", "notanip", "-p", "8000", "-u", "/"],
        vec!["-s", "127.0.0.1:80", "-p", "80", "-u", "/"],
        vec!["-s", "127.0.0.1", "-p", p],
        vec!["-s", "127.0.0.1", "-p", p, "-u"],
        vec!["-s", "127.0.0.1", "-p", p, "-u", "/", "extra1", "extra2"],
        vec!["-s", "127.0.0.1", "-p", p, "-u", "/", "-x"],
        vec!["-s", "127.0.0.1", "-p", p, "-u", "/", "-vx"],
        vec!["-s", "127.0.0.1", "-p", p, "-u", "/", "--bogus"],
        vec!["-s", "127.0.0.1", "-p", p, "-u", "/", "--use"],
        vec!["-s", "127.0.0.1", "-p", p, "-u", "/", "--help=3"],
        vec!["-s", "127.0.0.1", "-p", p, "-u", "/", "--verbose=1"],
        vec!["-s", "127.0.0.1", "-p", p, "-u", "/", "-P", "2"],
        vec!["-s", "127.0.0.1", "-p", p, "-u", "/", "-t", "x"],
        vec!["-s", "127.0.0.1", "-p", p, "-u", "/", "-t", "-1"],
        vec!["-s", "127.0.0.1", "-p", p, "-u", "/", "-m", "-1"],
        vec!["-s", "127.0.0.1", "-p", p, "-u", "/", "-m", "abc"],
        vec!["--", "-s", "1.2.3.4"],
        vec!["foo", "--bar"],
        vec!["--ver", "--server=127.0.0.1", "--port", p, "--url=/"],
        vec!["--ser", "127.0.0.1", "--po", p, "--u", "/"],
        vec!["-s127.0.0.1", &glued, "-u/"],
        vec!["-s", "10.0.0.1/24", "-p", "notaport", "-u", "/"],
        vec!["-u", "/", "-p", p, "-s", "127.0.0.1", "-I"],
    ];
    let Some(real) = real_genhash() else {
        skip_note();
        for args in &cases {
            let o = ours(&link, args);
            o.assert_no_panic();
            assert!(o.code.is_some(), "{}", o.show());
        }
        return;
    };
    let real = real.to_path_buf();
    let jobs: Vec<Job<(String, Output, Output)>> = cases
        .into_iter()
        .map(|args| {
            let args: Vec<String> = args.into_iter().map(String::from).collect();
            let (real, link) = (real.clone(), link.clone());
            Box::new(move || {
                let a: Vec<&str> = args.iter().map(String::as_str).collect();
                (a.join(" "), theirs(&real, &a), ours(&link, &a))
            }) as Job<(String, Output, Output)>
        })
        .collect();
    let mut failures = Vec::new();
    for (name, real, mine) in parallel_n(jobs, 4) {
        let r = std::panic::catch_unwind(|| assert_same(&format!("genhash {name}"), &real, &mine));
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "?".into());
            failures.push(msg);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn missing_argument_of_a_long_option() {
    // keepalived 2.2.7 indexes its option table with -1 here and prints whatever memory
    // lies before it as the option name: garbage that changes from run to run, and now and
    // then a crash (SIGSEGV). ha prints an empty name; when keepalived survives, everything
    // else must match.
    let (_dir, link) = genhash_link("missing-long-arg");
    let port = refused_port().to_string();
    let args = ["-s", "127.0.0.1", "-p", &port, "--url"];
    let mine = ours(&link, &args);
    assert_eq!(mine.code, Some(1));
    assert!(mine.stdout.is_empty());
    let usage = show_bytes(&reference("noargs.stderr"));
    assert_eq!(
        mine.err(),
        format!("Missing parameter for option --\n{usage}")
    );
    if let Some(real) = real_genhash() {
        let r = theirs(real, &args);
        if r.code != Some(1) {
            println!("keepalived's genhash crashed on `--url` without a value, as it may");
            return;
        }
        assert!(r.stdout.is_empty());
        assert!(r.stderr.starts_with(b"Missing parameter for option --"));
        assert!(r.stderr.ends_with(usage.as_bytes()), "{}", r.show());
    }
}

#[test]
fn symlink_personality_uses_argv0() {
    // Invoked by its path, genhash names itself by that path, like keepalived's.
    let (_dir, link) = genhash_link("argv0");
    let o = run(&link, None, &[], WATCHDOG);
    assert_eq!(o.code, Some(1));
    let first = o.err().lines().next().unwrap_or_default().to_string();
    assert_eq!(
        first,
        format!("Usage: {} COMMAND [OPTIONS]", link.display())
    );
    if let Some(real) = real_genhash() {
        let r = run(real, None, &[], WATCHDOG);
        let theirs = r
            .err()
            .replacen(&real.display().to_string(), &link.display().to_string(), 1);
        assert_eq!(o.err(), theirs);
    }
}

// ---------------------------------------------------------------------------------------
// `ha genhash`

#[test]
fn ha_genhash_prints_the_same_digest_line() {
    let s = spec(Behaviour::Reply(hello_reply())).start();
    let p = s.port_str();
    let o = ha(&["genhash", "-s", "127.0.0.1", "-p", &p, "-u", "/hello.txt"]);
    assert_eq!(o.code(), 0, "{}", o.show());
    assert_eq!(o.out(), DIGEST_LINE);
    assert!(o.stderr.is_empty(), "{}", o.show());
    let (_dir, link) = genhash_link("ha-same");
    let g = ours(&link, &["-s", "127.0.0.1", "-p", &p, "-u", "/hello.txt"]);
    assert_eq!(g.out(), o.out());
    let r = s.wait_requests(2);
    assert_eq!(
        r[0].request, r[1].request,
        "same request as the genhash personality"
    );
}

#[test]
fn ha_genhash_refused_is_one_line_and_exit_1() {
    let port = refused_port();
    let o = ha(&[
        "genhash",
        "-s",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-u",
        "/x",
    ]);
    assert_eq!(o.code(), 1, "{}", o.show());
    assert!(o.stdout.is_empty());
    assert_eq!(
        o.err(),
        format!("ha: genhash http://127.0.0.1:{port}/x: connection refused\n")
    );
}

#[test]
fn ha_genhash_json_fields() {
    let s = spec(Behaviour::Reply(hello_reply())).start();
    let p = s.port_str();
    let o = ha(&[
        "genhash",
        "-s",
        "127.0.0.1",
        "-p",
        &p,
        "-u",
        "/hello.txt",
        "--json",
    ]);
    assert_eq!(o.code(), 0, "{}", o.show());
    let j: serde_json::Value = serde_json::from_str(o.out().trim()).expect("JSON");
    assert_eq!(j["url"], format!("http://127.0.0.1:{p}/hello.txt"));
    assert_eq!(j["digest"], HELLO_MD5);
    assert_eq!(j["status"], 200);
    assert_eq!(j["content_length"], 17);
    assert_eq!(j["body_bytes"], 17);
    let ms = j["elapsed_ms"].as_f64().expect("elapsed_ms");
    assert!(ms > 0.0 && ms < 5000.0);
    assert_eq!(j.as_object().unwrap().len(), 6, "{j}");

    // No Content-Length: null.
    let s = spec(Behaviour::Reply(
        [b"HTTP/1.0 200 OK\r\n\r\n".as_slice(), HELLO_BODY].concat(),
    ))
    .start();
    let o = ha(&[
        "genhash",
        "-s",
        "127.0.0.1",
        "-p",
        &s.port_str(),
        "-u",
        "/",
        "--json",
    ]);
    let j: serde_json::Value = serde_json::from_str(o.out().trim()).expect("JSON");
    assert!(j["content_length"].is_null(), "{j}");
    assert_eq!(j["body_bytes"], 17);
    assert_eq!(j["digest"], HELLO_MD5);
}

#[test]
fn ha_genhash_warns_on_a_404() {
    let s = spec(Behaviour::Reply(python_404())).start();
    let p = s.port_str();
    let o = ha(&["genhash", "-s", "127.0.0.1", "-p", &p, "-u", "/nope.txt"]);
    assert_eq!(o.code(), 0, "{}", o.show());
    assert_eq!(o.out(), "a2ae3eaedf7f44998f3639756a1725cc\n");
    assert_eq!(
        o.err(),
        format!("ha: warning: http://127.0.0.1:{p}/nope.txt answered HTTP 404: this is the digest of that reply\n")
    );
}

#[test]
fn ha_genhash_tls_and_its_failures() {
    let cert = TestCert::localhost();
    let s = tls_spec(&cert, Behaviour::Reply(hello_reply())).start();
    let o = ha(&[
        "genhash",
        "-S",
        "-s",
        "127.0.0.1",
        "-p",
        &s.port_str(),
        "-u",
        "/",
    ]);
    assert_eq!(o.code(), 0, "{}", o.show());
    assert_eq!(o.out(), DIGEST_LINE);

    let plain = spec(Behaviour::Reply(
        b"HTTP/1.0 400 Bad request\r\n\r\n".to_vec(),
    ))
    .read(ReadRequest::Once)
    .start();
    let pp = plain.port_str();
    let o = ha(&["genhash", "-S", "-s", "127.0.0.1", "-p", &pp, "-u", "/"]);
    assert_eq!(o.code(), 1, "{}", o.show());
    assert_eq!(
        o.err(),
        format!(
            "ha: genhash https://127.0.0.1:{pp}/: TLS handshake failed: the server did not answer with TLS (plain HTTP on this port?)\n  hint: is this port serving TLS? drop -S for plain HTTP\n"
        )
    );
}

#[test]
fn ha_genhash_failures_are_one_line() {
    let closes = spec(Behaviour::Close).start();
    let silent = spec(Behaviour::Silent).start();
    let mut short = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".to_vec();
    short.extend_from_slice(b"only ten b");
    let cut = spec(Behaviour::Reply(short)).start();
    let (cp, sp, kp) = (closes.port_str(), silent.port_str(), cut.port_str());
    let outs = parallel::<Output>(vec![
        Box::new(move || ha(&["genhash", "-s", "127.0.0.1", "-p", &cp, "-u", "/"])),
        Box::new(move || {
            ha(&[
                "genhash",
                "-s",
                "127.0.0.1",
                "-p",
                &sp,
                "-u",
                "/",
                "-t",
                "1",
            ])
        }),
        Box::new(move || ha(&["genhash", "-s", "127.0.0.1", "-p", &kp, "-u", "/"])),
    ]);
    let (cp, sp, kp) = (closes.port(), silent.port(), cut.port());
    assert_eq!(outs[0].code(), 1, "{}", outs[0].show());
    assert_eq!(
        outs[0].err(),
        format!("ha: genhash http://127.0.0.1:{cp}/: the server closed the connection without replying\n")
    );
    assert_eq!(outs[1].code(), 1, "{}", outs[1].show());
    assert_eq!(
        outs[1].err(),
        format!("ha: genhash http://127.0.0.1:{sp}/: no reply within 1 s (the server accepted the connection and stayed silent)\n")
    );
    assert!(
        outs[1].elapsed < Duration::from_millis(2500),
        "{}",
        outs[1].show()
    );
    // A short body still gives a digest, with a warning.
    assert_eq!(outs[2].code(), 0, "{}", outs[2].show());
    assert_eq!(outs[2].out().len(), 33);
    assert_eq!(
        outs[2].err(),
        format!("ha: warning: http://127.0.0.1:{kp}/: body cut short (10 of 100 bytes); the digest covers what arrived\n")
    );
}

#[test]
fn ha_genhash_verbose_matches_the_reference_dump() {
    let s = spec(Behaviour::Reply(hello_reply())).start();
    let o = ha(&[
        "genhash",
        "-v",
        "-s",
        "127.0.0.1",
        "-p",
        &s.port_str(),
        "-u",
        "/hello.txt",
    ]);
    assert_eq!(o.code(), 0, "{}", o.show());
    assert_eq!(
        show_bytes(&normalise(&o.stdout)),
        show_bytes(&normalise(&reference("verbose-single-read.stdout")))
    );
}

#[test]
fn ha_genhash_hostile_servers_end_within_the_timeout() {
    let endless = spec(Behaviour::Endless {
        head: b"HTTP/1.0 200 OK\r\n\r\n".to_vec(),
    })
    .start();
    let head = huge_header(70 * 1024);
    let huge = spec(Behaviour::ReplyThenHold(head, Duration::from_secs(5))).start();
    let (ep, hp) = (endless.port_str(), huge.port_str());
    let outs = parallel::<Output>(vec![
        Box::new(move || {
            ha(&[
                "genhash",
                "-s",
                "127.0.0.1",
                "-p",
                &ep,
                "-u",
                "/",
                "-t",
                "1",
            ])
        }),
        Box::new(move || {
            ha(&[
                "genhash",
                "-s",
                "127.0.0.1",
                "-p",
                &hp,
                "-u",
                "/",
                "-t",
                "1",
            ])
        }),
    ]);
    for o in &outs {
        assert_eq!(o.code(), 1, "{}", o.show());
        assert!(o.stdout.is_empty(), "{}", o.show());
        assert_eq!(o.err().lines().count(), 1, "{}", o.show());
        assert!(o.elapsed < Duration::from_millis(2500), "{}", o.show());
    }
    assert_eq!(
        outs[1].err(),
        format!(
            "ha: genhash http://127.0.0.1:{}/: the reply header did not end (65536 bytes received)\n",
            huge.port()
        )
    );
    let prefix = format!("ha: genhash http://127.0.0.1:{}/: ", endless.port());
    let why = outs[0].err();
    let why = why
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{}", outs[0].show()));
    assert!(
        why.starts_with("reply incomplete after 1 s (") && why.ends_with(" bytes received)\n"),
        "{}",
        outs[0].show()
    );
}
