//! `ha genhash`: the MD5 digest of a page, for HTTP_GET/SSL_GET's `digest`.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;

use crate::check::conn::{self, ConnectOpts};
use crate::check::http::{self, FetchSpec, HttpVersion, TlsSpec};
use crate::check::http_response::Dialect;
use crate::check::tls::{self, Verify};
use crate::error::{warn, CliError, Exit};
use crate::genhash;

const EXAMPLES: &str = "\
Examples:
  ha genhash -s 192.168.1.10 -p 80 -u /index.html
  ha genhash -S -s 192.168.1.10 -p 443 -u /health -V www.example.com -I
  ha genhash -s 192.168.1.10 -p 80 -u / --json

Paste the digest into the url block of HTTP_GET or SSL_GET:
  url { path /index.html  digest 65078f5e997cf8af75ced0bfee208362 }

Installed as `genhash` (a symlink to ha), the command line, output and exit statuses are
keepalived's genhash's.";

/// Print the MD5 digest of a page, as HTTP_GET's `digest` wants it.
///
/// Sends the same GET request as keepalived's checker and hashes the body the same way
/// (raw bytes after the header, at most Content-Length of them), so the digest is the one
/// the checker will compute.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct GenhashArgs {
    /// Real server address (IPv4 or IPv6)
    #[arg(short = 's', long = "server", value_name = "IP")]
    pub server: IpAddr,
    /// Real server port
    #[arg(short = 'p', long = "port", value_name = "PORT")]
    pub port: u16,
    /// Path to fetch, e.g. /index.html
    #[arg(short = 'u', long = "url", value_name = "PATH")]
    pub url: String,
    /// Use TLS (SSL_GET)
    #[arg(short = 'S', long = "use-ssl")]
    pub ssl: bool,
    /// Send SNI: NAME, or the virtual host (-V) when no NAME is given
    #[arg(short = 'I', long = "use-sni", value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    pub sni: Option<String>,
    /// Host header to send (default: IP:PORT)
    #[arg(short = 'V', long = "use-virtualhost", value_name = "NAME")]
    pub virtualhost: Option<String>,
    /// HTTP version: 1.0, 1.0c (1.0 with Connection: close) or 1.1
    #[arg(short = 'P', long = "protocol", value_name = "VERSION", default_value = "1.0", value_parser = parse_version)]
    pub protocol: HttpVersion,
    /// Give up after this many seconds (connect, request and reply together)
    #[arg(short = 't', long = "timeout", value_name = "SECS", default_value = "5", value_parser = super::parse_timeout)]
    pub timeout: Duration,
    /// Mark the connection's packets with this fwmark (needs CAP_NET_ADMIN)
    #[arg(short = 'm', long = "fwmark", value_name = "MARK")]
    pub fwmark: Option<u32>,
    /// Show the reply's header and body as hex dumps, like keepalived's genhash -v
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
    /// Print one JSON object instead of the digest line
    #[arg(long, conflicts_with = "verbose")]
    pub json: bool,
}

fn parse_version(s: &str) -> Result<HttpVersion, String> {
    s.parse()
}

#[derive(Serialize)]
struct Report<'a> {
    url: &'a str,
    digest: String,
    status: u16,
    content_length: Option<u64>,
    body_bytes: u64,
    elapsed_ms: f64,
}

pub fn run(a: &GenhashArgs) -> Result<Exit, CliError> {
    let start = Instant::now();
    let dst = SocketAddr::new(a.server, a.port);
    let shown = page_url(a, dst);
    let mut conn = ConnectOpts::new(dst, a.timeout);
    conn.fwmark = a.fwmark;
    let tls = if a.ssl {
        let config = tls::client_config(&Verify::None)
            .map_err(|e| CliError::runtime(format!("genhash {shown}"), e))?;
        let sni = match a.sni.as_deref() {
            Some("") => a.virtualhost.clone(),
            other => other.map(String::from),
        };
        Some(TlsSpec { config, sni })
    } else {
        if a.sni.is_some() {
            warn("--use-sni has no effect without --use-ssl");
        }
        None
    };
    let spec = FetchSpec {
        conn,
        tls,
        path: a.url.clone(),
        host: http::host_header(a.virtualhost.as_deref(), dst),
        version: a.protocol,
        dialect: Dialect::Strict,
        timeout_per_step: false,
        read_to_eof: false,
    };
    let mut stdout = std::io::stdout().lock();
    let verbose = a.verbose;
    let fetched = http::fetch(&spec, &mut |fed| {
        if verbose {
            let _ = stdout.write_all(genhash::verbose_chunk(fed).as_bytes());
        }
    })
    .map_err(|e| {
        let err = CliError::new(
            Exit::Down,
            format!("genhash {shown}"),
            e.describe(a.timeout),
        );
        match e {
            http::FetchError::Tls(_) if a.ssl => {
                err.with_hint("is this port serving TLS? drop -S for plain HTTP")
            }
            _ => err,
        }
    })?;
    let reply = &fetched.reply;
    if !fetched.header_complete {
        let why = if reply.header.is_empty() {
            "the server closed the connection without replying".to_string()
        } else {
            format!(
                "the reply header did not end ({} bytes received)",
                reply.header.len()
            )
        };
        return Err(CliError::new(Exit::Down, format!("genhash {shown}"), why));
    }
    if !(200..300).contains(&reply.status) {
        warn(format_args!(
            "{shown} answered HTTP {}: this is the digest of that reply",
            reply.status
        ));
    }
    if let Some(cl) = reply.content_length.filter(|&cl| reply.body_received < cl) {
        warn(format_args!(
            "{shown}: body cut short ({} of {cl} bytes); the digest covers what arrived",
            reply.body_received
        ));
    }
    let out = if a.json {
        let report = Report {
            url: &shown,
            digest: http::hex(&reply.digest),
            status: reply.status,
            content_length: reply.content_length,
            body_bytes: reply.body_received,
            elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
        };
        serde_json::to_string(&report).unwrap_or_default() + "\n"
    } else if verbose {
        genhash::verbose_digest(&reply.digest)
            + &genhash::digest_line(&reply.digest)
            + &genhash::timing_line(&a.url, start.elapsed().as_micros())
    } else {
        genhash::digest_line(&reply.digest)
    };
    stdout
        .write_all(out.as_bytes())
        .map_err(|e| CliError::runtime("genhash", conn::describe(&e)))?;
    Ok(Exit::Ok)
}

/// The page as a URL, for messages.
fn page_url(a: &GenhashArgs, dst: SocketAddr) -> String {
    let scheme = if a.ssl { "https" } else { "http" };
    format!("{scheme}://{dst}{}", a.url)
}
