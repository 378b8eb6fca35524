//! `ha check http|https|tcp|smtp`: one health check, now, with keepalived's semantics.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::check::conn::ConnectOpts;
use crate::check::http::{self, HttpCheck, HttpVersion, StatusSet, TlsSettings, UrlCheck};
use crate::check::smtp::{self, SmtpCheck};
use crate::check::tcp::TcpCheck;
use crate::check::tls::Verify;
use crate::check::Outcome;
use crate::error::{CliError, Exit};

const EXAMPLES: &str = "\
Examples:
  ha check http 192.168.1.10 --path /health --status 200
  ha check http 192.168.1.10 --path / --digest 65078f5e997cf8af75ced0bfee208362
  ha check https 192.168.1.10 --virtualhost www.example.com --sni www.example.com
  ha check tcp 192.168.1.10 --port 3306 --timeout 2
  ha check smtp 192.168.1.20 --helo-name director1.example.com
  ha check tcp 192.168.1.10 --port 22 --retry 0 --json

Exit status: 0 UP, 1 DOWN, 2 usage error.";

/// Run one health check now and print the verdict (exit 0 UP, 1 DOWN).
///
/// Each check behaves as the keepalived checker of the same name: HTTP_GET, SSL_GET,
/// TCP_CHECK, SMTP_CHECK, with keepalived's defaults (connect_timeout 5 s, retry 1,
/// delay_before_retry 3 s for HTTP/HTTPS and 1 s otherwise). Unlike keepalived, the timeout
/// bounds a whole attempt (connect, request and reply), so a server that drips its reply
/// cannot hold a check open.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CheckArgs {
    #[command(subcommand)]
    pub kind: CheckKind,
}

#[derive(Debug, Subcommand)]
pub enum CheckKind {
    /// HTTP_GET: fetch each path; status code in the accepted set, digest if given
    #[command(after_help = EXAMPLES)]
    Http(HttpArgs),
    /// SSL_GET: HTTP_GET over TLS (no certificate verification unless --ca)
    #[command(after_help = EXAMPLES)]
    Https(HttpsArgs),
    /// TCP_CHECK: the server is up when a TCP connection completes
    #[command(after_help = EXAMPLES)]
    Tcp(TcpArgs),
    /// SMTP_CHECK: greeting 220, HELO answered 250, QUIT
    #[command(after_help = EXAMPLES)]
    Smtp(SmtpArgs),
}

/// Options every check shares (keepalived's connection options and retry policy).
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Real server address (IPv4 or IPv6)
    #[arg(value_name = "HOST")]
    pub host: IpAddr,
    /// Source address to connect from (keepalived's bindto)
    #[arg(long, value_name = "IP")]
    pub bindto: Option<IpAddr>,
    /// Source port to connect from (keepalived's bind_port)
    #[arg(long, value_name = "PORT")]
    pub bind_port: Option<u16>,
    /// Interface to connect through (keepalived's bind_if)
    #[arg(long, value_name = "DEV")]
    pub bind_if: Option<String>,
    /// Mark the check's packets (keepalived's fwmark; needs CAP_NET_ADMIN)
    #[arg(long, value_name = "MARK")]
    pub fwmark: Option<u32>,
    /// Seconds one attempt may take, connect included (keepalived's connect_timeout)
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = super::parse_timeout)]
    pub timeout: Duration,
    /// Extra attempts after a failure before the verdict is DOWN (keepalived's retry)
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub retry: u32,
    /// Seconds between attempts [default: 3 for http/https, 1 for tcp/smtp]
    #[arg(long, value_name = "SECS", value_parser = super::parse_seconds)]
    pub delay_before_retry: Option<Duration>,
    /// Print one JSON object instead of the verdict line
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct HttpArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub http: HttpOpts,
    /// Port to connect to
    #[arg(long, default_value_t = 80)]
    pub port: u16,
}

#[derive(Debug, Args)]
pub struct HttpsArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub http: HttpOpts,
    /// Port to connect to
    #[arg(long, default_value_t = 443)]
    pub port: u16,
    /// Send this name as SNI (default: none, or the virtual host with --sni-from-virtualhost)
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,
    /// Send the virtual host as SNI (keepalived's enable_sni)
    #[arg(long, conflicts_with = "sni")]
    pub sni_from_virtualhost: bool,
    /// Verify the server's certificate against the CA certificates in this PEM file
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
}

/// The url blocks and request settings of HTTP_GET / SSL_GET.
#[derive(Debug, Args)]
pub struct HttpOpts {
    /// Path to fetch; repeat for several (all must pass, in order)
    #[arg(long = "path", value_name = "PATH", default_value = "/")]
    pub paths: Vec<String>,
    /// Accepted status codes, e.g. 200 or 200-299,301 (keepalived's status_code)
    #[arg(long, value_name = "CODES", default_value = "200-299", value_parser = parse_status)]
    pub status: StatusSet,
    /// Expected MD5 of the body (from genhash); one for all paths or one per --path
    #[arg(long = "digest", value_name = "MD5", value_parser = http::parse_digest)]
    pub digests: Vec<[u8; 16]>,
    /// Host header to send (default: IP:PORT)
    #[arg(long, value_name = "NAME")]
    pub virtualhost: Option<String>,
    /// HTTP version: 1.0, 1.0c (1.0 with Connection: close) or 1.1
    #[arg(long, value_name = "VERSION", default_value = "1.0", value_parser = parse_version)]
    pub http_version: HttpVersion,
}

#[derive(Debug, Args)]
pub struct TcpArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Port to connect to
    #[arg(long)]
    pub port: u16,
}

#[derive(Debug, Args)]
pub struct SmtpArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Port to connect to
    #[arg(long, default_value_t = 25)]
    pub port: u16,
    /// Name to send with HELO
    #[arg(long, value_name = "NAME", default_value = smtp::DEFAULT_HELO)]
    pub helo_name: String,
}

fn parse_status(s: &str) -> Result<StatusSet, String> {
    s.parse()
}

fn parse_version(s: &str) -> Result<HttpVersion, String> {
    s.parse()
}

impl CommonArgs {
    fn conn(&self, port: u16) -> ConnectOpts {
        ConnectOpts {
            dst: SocketAddr::new(self.host, port),
            bindto: self.bindto,
            bind_port: self.bind_port,
            bind_if: self.bind_if.clone(),
            fwmark: self.fwmark,
            timeout: self.timeout,
        }
    }

    fn delay(&self, default_secs: u64) -> Duration {
        self.delay_before_retry
            .unwrap_or(Duration::from_secs(default_secs))
    }
}

fn http_check(
    common: &CommonArgs,
    opts: &HttpOpts,
    port: u16,
    tls: Option<TlsSettings>,
) -> Result<HttpCheck, CliError> {
    let digests: Vec<Option<[u8; 16]>> = match opts.digests.len() {
        0 => vec![None; opts.paths.len()],
        1 => vec![Some(opts.digests[0]); opts.paths.len()],
        n if n == opts.paths.len() => opts.digests.iter().copied().map(Some).collect(),
        n => {
            return Err(CliError::usage(
                "check",
                format!("{n} digests for {} paths", opts.paths.len()),
            )
            .with_hint("give one --digest for all paths, or one per --path in the same order"))
        }
    };
    let urls = opts
        .paths
        .iter()
        .zip(digests)
        .map(|(path, digest)| UrlCheck {
            path: path.clone(),
            status: opts.status.clone(),
            digest,
            virtualhost: None,
        })
        .collect();
    Ok(HttpCheck {
        conn: common.conn(port),
        urls,
        virtualhost: opts.virtualhost.clone(),
        version: opts.http_version,
        tls,
        retry: common.retry,
        delay_before_retry: common.delay(3),
    })
}

#[derive(Serialize)]
struct Report<'a> {
    check: &'static str,
    target: String,
    verdict: &'static str,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

pub fn run(a: &CheckArgs) -> Result<Exit, CliError> {
    let (name, common, port, outcome) = match &a.kind {
        CheckKind::Http(h) => {
            let check = http_check(&h.common, &h.http, h.port, None)?;
            ("HTTP_GET", &h.common, h.port, check.run(None))
        }
        CheckKind::Https(h) => {
            let tls = TlsSettings {
                verify: h.ca.clone().map_or(Verify::None, Verify::CaFile),
                sni: h.sni.clone(),
                sni_from_virtualhost: h.sni_from_virtualhost,
            };
            let check = http_check(&h.common, &h.http, h.port, Some(tls))?;
            let config = check.tls_config().map_err(|e| {
                CliError::usage("check https", e)
                    .with_hint("--ca wants a PEM file of CA certificates")
            })?;
            ("SSL_GET", &h.common, h.port, check.run(config.as_ref()))
        }
        CheckKind::Tcp(t) => {
            let check = TcpCheck {
                conn: t.common.conn(t.port),
                retry: t.common.retry,
                delay_before_retry: t.common.delay(1),
            };
            ("TCP_CHECK", &t.common, t.port, check.run())
        }
        CheckKind::Smtp(s) => {
            let check = SmtpCheck {
                conn: s.common.conn(s.port),
                helo_name: s.helo_name.clone(),
                retry: s.common.retry,
                delay_before_retry: s.common.delay(1),
            };
            ("SMTP_CHECK", &s.common, s.port, check.run())
        }
    };
    let target = SocketAddr::new(common.host, port).to_string();
    if common.json {
        let report = Report {
            check: name,
            target,
            verdict: verdict(outcome.up),
            outcome: &outcome,
        };
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        println!("{}", verdict_line(name, &target, &outcome));
    }
    Ok(super::exit_for(outcome.up))
}

fn verdict(up: bool) -> &'static str {
    if up {
        "UP"
    } else {
        "DOWN"
    }
}

/// `UP HTTP_GET 10.0.0.1:80: /: HTTP 200 (1.2 ms)`; attempts are shown when there were
/// several.
pub fn verdict_line(check: &str, target: &str, o: &Outcome) -> String {
    let ms = o.elapsed.as_secs_f64() * 1000.0;
    let attempts = if o.attempts > 1 {
        format!(", {} attempts", o.attempts)
    } else {
        String::new()
    };
    format!(
        "{} {check} {target}: {} ({ms:.1} ms{attempts})",
        verdict(o.up),
        o.reason
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_line_shape() {
        let o = Outcome {
            up: false,
            reason: "connection refused".into(),
            elapsed: Duration::from_micros(3_000_400),
            attempts: 2,
        };
        assert_eq!(
            verdict_line("TCP_CHECK", "127.0.0.1:1", &o),
            "DOWN TCP_CHECK 127.0.0.1:1: connection refused (3000.4 ms, 2 attempts)"
        );
    }
}
