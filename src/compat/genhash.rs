//! The `genhash` personality: keepalived 2.2.7's genhash command line, output and exit
//! statuses, byte for byte (the verbose timing figure aside).
//!
//! keepalived's genhash prints failures on stdout and exits 0 on them; parse errors print
//! the usage on stderr and exit 1. Where keepalived would loop forever (a socket it cannot
//! bind), we print "Error connecting" instead.

use std::ffi::OsString;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::getopt::{self, HasArg, Item, LongOpt};
use crate::check::conn::{ConnectError, ConnectOpts};
use crate::check::http::{self, End, FetchError, FetchSpec, HttpVersion, TlsSpec};
use crate::check::http_response::Dialect;
use crate::check::tls::{self, TlsError, Verify};
use crate::genhash;

const SHORTS: &str = "hvSs:V:p:u:m:P:t:I";

const LONGS: &[LongOpt] = &[
    LongOpt {
        name: "help",
        has_arg: HasArg::No,
        val: 'h',
    },
    LongOpt {
        name: "verbose",
        has_arg: HasArg::No,
        val: 'v',
    },
    LongOpt {
        name: "use-ssl",
        has_arg: HasArg::No,
        val: 'S',
    },
    LongOpt {
        name: "use-sni",
        has_arg: HasArg::No,
        val: 'I',
    },
    LongOpt {
        name: "server",
        has_arg: HasArg::Required,
        val: 's',
    },
    LongOpt {
        name: "use-virtualhost",
        has_arg: HasArg::Required,
        val: 'V',
    },
    LongOpt {
        name: "port",
        has_arg: HasArg::Required,
        val: 'p',
    },
    LongOpt {
        name: "url",
        has_arg: HasArg::Required,
        val: 'u',
    },
    LongOpt {
        name: "fwmark",
        has_arg: HasArg::Required,
        val: 'm',
    },
    LongOpt {
        name: "protocol",
        has_arg: HasArg::Required,
        val: 'P',
    },
    LongOpt {
        name: "timeout",
        has_arg: HasArg::Required,
        val: 't',
    },
];

/// keepalived's TIMER_HZ: its timers count microseconds in an unsigned int.
const TIMER_HZ: u32 = 1_000_000;

/// A genhash command line that parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Opts {
    pub server: IpAddr,
    pub port: u16,
    /// The last -u wins (keepalived queues them all but fetches the last).
    pub url: String,
    pub ssl: bool,
    pub sni: bool,
    pub virtualhost: Option<String>,
    pub verbose: bool,
    pub fwmark: Option<u32>,
    pub version: HttpVersion,
    pub timeout: Duration,
}

/// Parses like keepalived's check_genhash_parse_cmdline. Err holds the messages to print
/// before the usage (possibly none).
pub fn parse(argv: &[String]) -> Result<Opts, Vec<String>> {
    if argv.len() <= 2 {
        return Err(Vec::new());
    }
    let parsed = getopt::parse(argv, SHORTS, LONGS);
    let mut msgs = Vec::new();
    let mut bad_option = false;
    let (mut server, mut port, mut url) = (None, None, None);
    let mut o = Opts {
        server: IpAddr::from([0, 0, 0, 0]),
        port: 0,
        url: String::new(),
        ssl: false,
        sni: false,
        virtualhost: None,
        verbose: false,
        fwmark: None,
        version: HttpVersion::V1_0,
        // keepalived starts from UINT_MAX microseconds when -t is absent.
        timeout: Duration::from_micros(u64::from(u32::MAX)),
    };
    for step in parsed.steps {
        let long_form = step.current.as_bytes().get(1) == Some(&b'-');
        match step.item {
            Item::Opt { val, arg } => {
                let arg = arg.unwrap_or_default();
                match val {
                    'h' => bad_option = true,
                    'v' => o.verbose = true,
                    'S' => o.ssl = true,
                    'I' => o.sni = true,
                    's' => match parse_server(&arg) {
                        Some(ip) => server = Some(ip),
                        None => {
                            msgs.push(format!("server should be an IP, not {arg}"));
                            return Err(msgs);
                        }
                    },
                    'V' => o.virtualhost = Some(arg),
                    'p' => match c_strtol(&arg) {
                        Some(p) if (1..=65535).contains(&p) => port = Some(p as u16),
                        _ => {
                            msgs.push(format!("invalid port number '{arg}'"));
                            return Err(msgs);
                        }
                    },
                    'u' => url = Some(arg),
                    'm' => match parse_unsigned(&arg, true) {
                        Some(v) => o.fwmark = (v != 0).then_some(v),
                        None => {
                            msgs.push(format!("invalid fwmark '{arg}'"));
                            return Err(msgs);
                        }
                    },
                    'P' => match arg.as_str() {
                        "1.0" | "1.0c" | "1.0C" | "1.1" => {
                            o.version = arg.parse().unwrap_or_default();
                        }
                        _ => {
                            msgs.push(format!("invalid HTTP protocol version '{arg}'"));
                            return Err(msgs);
                        }
                    },
                    't' => match parse_unsigned(&arg, false) {
                        Some(secs) => {
                            let usecs = secs.wrapping_mul(TIMER_HZ);
                            o.timeout = Duration::from_micros(u64::from(usecs));
                        }
                        None => {
                            msgs.push(format!("invalid timeout '{arg}'"));
                            return Err(msgs);
                        }
                    },
                    other => {
                        msgs.push(format!("Unknown option `-{other}`"));
                        return Err(msgs);
                    }
                }
            }
            Item::Unknown { optopt } => {
                if optopt != '\0' && !long_form {
                    msgs.push(format!("Unknown option -{optopt}"));
                } else {
                    msgs.push(format!("Unknown option {}", step.current));
                }
                bad_option = true;
            }
            Item::Missing { optopt } => {
                if optopt != '\0' && !long_form {
                    msgs.push(format!("Missing parameter for option -{optopt}"));
                } else {
                    // keepalived indexes its option table with -1 here; glibc's build
                    // prints an empty name.
                    msgs.push("Missing parameter for option --".to_string());
                }
                bad_option = true;
            }
        }
    }
    if bad_option {
        return Err(msgs);
    }
    if !parsed.operands.is_empty() {
        msgs.push(format!(
            "Unexpected argument(s): {}",
            parsed.operands.join(" ")
        ));
        return Err(msgs);
    }
    match (server, port, url) {
        (Some(server), Some(port), Some(url)) => Ok(Opts {
            server,
            port,
            url,
            ..o
        }),
        _ => Err(msgs),
    }
}

/// keepalived's inet_stosockaddr: a ':' means IPv6; anything from '-' or '/' on is dropped.
fn parse_server(s: &str) -> Option<IpAddr> {
    let bare = s.split(['-', '/']).next().unwrap_or(s);
    if s.contains(':') {
        bare.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
    } else {
        bare.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
    }
}

/// C's strtol(s, &end, 10) with `*end` required to be the end: None when junk follows.
fn c_strtol(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() {
        // No conversion: end points at the start, which is the end only for "".
        return s.is_empty().then_some(0);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v = digits.parse::<i64>().unwrap_or(i64::MAX);
    Some(if neg { -v } else { v })
}

/// keepalived's -t / -m parsing: skip spaces and tabs, strtoul, nothing may follow, no
/// leading '-'. `-t` also refuses an empty value; `-m ''` reads as 0.
fn parse_unsigned(s: &str, empty_ok: bool) -> Option<u32> {
    let start = s.trim_start_matches([' ', '\t']);
    if start.starts_with('-') || (!empty_ok && start.is_empty()) {
        return None;
    }
    let t = start.trim_start_matches(['\n', '\x0b', '\x0c', '\r', ' ', '\t']);
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() {
        return start.is_empty().then_some(0);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // strtoul saturates at ULONG_MAX; keepalived then casts to unsigned int.
    Some(digits.parse::<u64>().unwrap_or(u64::MAX) as u32)
}

fn usage(prog: &str) -> String {
    format!(
        "Usage: {prog} COMMAND [OPTIONS]\n\
         Commands:\n   \
         -s server-address -p port -u url\n   \
         -S -s server-address -p port -u url\n   \
         -h\n\n\
         Options:\n\
         Either long or short options are allowed.\n   \
         --use-ssl         -S       Use SSL connection to remote server.\n   \
         --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).\n   \
         --server          -s       Use the specified remote server address.\n   \
         --port            -p       Use the specified remote server port.\n   \
         --url             -u       Use the specified remote server url.\n   \
         --use-virtualhost -V       Use the specified virtualhost in GET query.\n   \
         --verbose         -v       Use verbose mode output.\n   \
         --help            -h       Display this short inlined help screen.\n   \
         --fwmark          -m       Use the specified FW mark.\n   \
         --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.\n                                \
         1.0c means 1.0 with 'Connection: close'\n   \
         --timeout         -t       Timeout in seconds\n"
    )
}

/// What a run printed: genhash writes results to stdout and a few failures to stderr.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Printed {
    pub stdout: String,
    pub stderr: String,
}

/// Fetches the page and renders keepalived's output for it.
pub fn run(o: &Opts) -> Printed {
    let mut p = Printed::default();
    let start = Instant::now();
    let dst = SocketAddr::new(o.server, o.port);
    let mut conn = ConnectOpts::new(dst, o.timeout);
    conn.fwmark = o.fwmark;
    let tls = if o.ssl {
        match tls::client_config(&Verify::None) {
            Ok(config) => Some(TlsSpec {
                config,
                sni: o.virtualhost.clone().filter(|_| o.sni),
            }),
            Err(_) => {
                p.stderr.push_str("Cannot initialize SSL context.\n");
                return p;
            }
        }
    } else {
        None
    };
    let spec = FetchSpec {
        conn,
        tls,
        path: o.url.clone(),
        host: http::host_header(o.virtualhost.as_deref(), dst),
        version: o.version,
        dialect: Dialect::Keepalived,
        timeout_per_step: true,
        read_to_eof: true,
    };
    let verbose = o.verbose;
    let mut dump = String::new();
    let result = http::fetch(&spec, &mut |fed| {
        if verbose {
            dump.push_str(&genhash::verbose_chunk(fed));
        }
    });
    p.stdout.push_str(&dump);
    match result {
        Ok(f) => {
            let clean_close = matches!(f.end, End::Eof { clean: true } | End::HeaderOverflow);
            if verbose && clean_close {
                p.stdout.push_str(&genhash::verbose_digest(&f.reply.digest));
            }
            if o.ssl && clean_close && !f.header_complete {
                p.stdout.push_str("SSL read error from\n");
            } else if !f.header_complete {
                p.stderr
                    .push_str("no data received from remote webserver\n");
            } else {
                p.stdout.push_str(&genhash::digest_line(&f.reply.digest));
            }
        }
        Err(e) => {
            if o.ssl && matches!(e, FetchError::Read { .. }) {
                // An SSL-level read error reads as an unclean end of the stream.
                p.stderr
                    .push_str("no data received from remote webserver\n");
            } else {
                p.stdout.push_str(failure_message(&e, o.ssl));
                p.stdout.push('\n');
            }
        }
    }
    if verbose {
        p.stdout
            .push_str(&genhash::timing_line(&o.url, start.elapsed().as_micros()));
    }
    p
}

/// keepalived's timeout_epilog messages, by the step that failed.
fn failure_message(e: &FetchError, ssl: bool) -> &'static str {
    use nix::errno::Errno;
    match e {
        FetchError::Connect(ConnectError::Immediate(err)) => {
            let connect_fail = [
                Errno::ENETUNREACH,
                Errno::EHOSTUNREACH,
                Errno::ECONNREFUSED,
                Errno::EHOSTDOWN,
                Errno::ENETDOWN,
                Errno::ECONNRESET,
                Errno::ECONNABORTED,
                Errno::ETIMEDOUT,
            ];
            match err.raw_os_error().map(Errno::from_raw) {
                Some(errno) if connect_fail.contains(&errno) => "HTTP_CHECK - network unreachable",
                _ => "Error connecting",
            }
        }
        FetchError::Connect(ConnectError::Setup { .. }) => "Error connecting",
        FetchError::Connect(ConnectError::Failed(_)) => "Connection failed",
        FetchError::Connect(ConnectError::Timeout(_)) => "Timeout connecting",
        FetchError::Tls(TlsError::Timeout) => "Timeout connecting",
        FetchError::Tls(_) => "SSL handshake/communication error connecting to",
        FetchError::WriteTimeout => "Timeout WEB write",
        FetchError::Write(_) => "Cannot send get request to",
        FetchError::ReadTimeout { .. } if ssl => "Timeout SSL read",
        FetchError::ReadTimeout { received: 0 } => "Timeout WEB read",
        FetchError::ReadTimeout { .. } => "Timeout HTTP read",
        FetchError::Read { .. } => "Read error with",
    }
}

/// Entry point when invoked as `genhash`.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let argv: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let prog = argv.first().cloned().unwrap_or_else(|| "genhash".into());
    match parse(&argv) {
        Err(msgs) => {
            let mut err = String::new();
            for m in msgs {
                err.push_str(&m);
                err.push('\n');
            }
            err.push_str(&usage(&prog));
            let _ = std::io::stderr().write_all(err.as_bytes());
            ExitCode::from(1)
        }
        Ok(opts) => {
            let printed = run(&opts);
            let _ = std::io::stdout().write_all(printed.stdout.as_bytes());
            let _ = std::io::stderr().write_all(printed.stderr.as_bytes());
            ExitCode::SUCCESS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        std::iter::once("genhash")
            .chain(s.split_whitespace())
            .map(String::from)
            .collect()
    }

    fn msgs(s: &str) -> Vec<String> {
        parse(&argv(s)).unwrap_err()
    }

    #[test]
    fn usage_matches_keepalived() {
        let expected = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/genhash/noargs.stderr"
        ))
        .unwrap();
        assert_eq!(usage("genhash"), expected);
    }

    #[test]
    fn full_command_line() {
        let o = parse(&argv(
            "-S -I -s ::1 -p 8443 -u /a -u /b -V example.org -v -m 7 -P 1.1 -t 3",
        ))
        .unwrap();
        assert_eq!(o.server, "::1".parse::<IpAddr>().unwrap());
        assert_eq!((o.port, o.url.as_str()), (8443, "/b"));
        assert!(o.ssl && o.sni && o.verbose);
        assert_eq!(o.fwmark, Some(7));
        assert_eq!(o.version, HttpVersion::V1_1);
        assert_eq!(o.timeout, Duration::from_secs(3));
        assert_eq!(o.virtualhost.as_deref(), Some("example.org"));
    }

    #[test]
    fn messages_as_keepalived_prints_them() {
        // Each case was run against Debian's keepalived 2.2.7 genhash.
        assert_eq!(msgs("foo --bar"), ["Unknown option foo"]);
        assert_eq!(
            msgs("-s 127.0.0.1 -p 80 --url"),
            ["Missing parameter for option --"]
        );
        assert_eq!(
            msgs("-s 127.0.0.1 -p 80 -u"),
            ["Missing parameter for option -u"]
        );
        assert_eq!(
            msgs("-s 127.0.0.1 -p 80 -u / extra1 extra2"),
            ["Unexpected argument(s): extra1 extra2"]
        );
        assert_eq!(msgs("-s 127.0.0.1 -p 80 -u / -vx"), ["Unknown option -x"]);
        assert_eq!(
            msgs("-s 127.0.0.1 -p 80 -u / --help=3"),
            ["Unknown option --help=3"]
        );
        assert_eq!(
            msgs("-s 127.0.0.1 -p 80 -u / --use"),
            ["Unknown option --use"]
        );
        assert_eq!(
            msgs("-s ::1 -p 99999 -u /"),
            ["invalid port number '99999'"]
        );
        assert_eq!(
            msgs("-s 127.0.0.1 -p 0x50 -u /"),
            ["invalid port number '0x50'"]
        );
        assert_eq!(
            msgs("-s 127.0.0.1 -p 80 -u / -P 2"),
            ["invalid HTTP protocol version '2'"]
        );
        assert_eq!(
            msgs("-s 127.0.0.1 -p 80 -u / -t x"),
            ["invalid timeout 'x'"]
        );
        assert_eq!(
            msgs("-s 127.0.0.1 -p 80 -u / -m -1"),
            ["invalid fwmark '-1'"]
        );
        assert_eq!(
            msgs("-s 127.0.0.1:80 -p 80 -u /"),
            ["server should be an IP, not 127.0.0.1:80"]
        );
        assert_eq!(
            msgs("-s notanip -p 8000 -u /"),
            ["server should be an IP, not notanip"]
        );
        assert_eq!(
            msgs("-- -s 1.2.3.4"),
            ["Unexpected argument(s): -s 1.2.3.4"]
        );
        assert!(msgs("-h").is_empty());
        assert!(msgs("-h -s 1.2.3.4").is_empty());
        assert!(
            msgs("-s 127.0.0.1 -p 8000").is_empty(),
            "no url: usage only"
        );
    }

    #[test]
    fn accepted_quirks() {
        assert!(parse(&argv("--ver --server=127.0.0.1 --port=1 --url=/")).is_ok());
        assert!(parse(&argv("-s127.0.0.1 -p1 -u/")).is_ok());
        assert_eq!(
            parse(&argv("-s 10.0.0.1/24 -p +80 -u /")).unwrap().server,
            "10.0.0.1".parse::<IpAddr>().unwrap()
        );
        let o = parse(
            &[
                "genhash",
                "-s",
                "127.0.0.1",
                "-p",
                "1",
                "-u",
                "/",
                "-t",
                " 5",
            ]
            .map(String::from),
        )
        .unwrap();
        assert_eq!(o.timeout, Duration::from_secs(5));
        // 5000 s overflows keepalived's 32-bit microsecond timer.
        let o = parse(&argv("-s 127.0.0.1 -p 1 -u / -t 5000")).unwrap();
        assert_eq!(o.timeout, Duration::from_micros(705_032_704));
    }
}
