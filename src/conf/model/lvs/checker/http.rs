//! `HTTP_GET { ... }` and `SSL_GET { ... }`: GET each `url { path ... }` and judge the reply
//! by status code, MD5 digest of the body and, optionally, a regular expression.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::{checker_table, Checker, Common, Conn, HasCommon, HasConn};
use crate::check::http::{parse_digest, HttpVersion, StatusSet, UrlCheck};
use crate::conf::ast::Node;
use crate::conf::diag::did_you_mean;
use crate::conf::model::lvs::real_server::RealServer;
use crate::conf::model::lvs::{block_only, repeated, ser_hex, walk};
use crate::conf::schema::{Cx, Kw};
use crate::conf::source::Span;

#[derive(Debug, Clone, Serialize)]
pub struct HttpCheck {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub conn: Conn,
    /// The Host header (and SNI name): the checker's, else the real server's, else the
    /// virtual server's; None = `ip:port`. Each url may override it.
    pub virtualhost: Option<String>,
    #[serde(serialize_with = "ser_version")]
    pub http_protocol: HttpVersion,
    /// Send the virtualhost as TLS SNI (SSL_GET).
    pub enable_sni: bool,
    /// Retry at once after a success following a failure, rather than after delay_loop.
    pub fast_recovery: bool,
    pub urls: Vec<Url>,
    #[serde(skip)]
    pub(in crate::conf::model::lvs) set_virtualhost: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

/// One `url { }` block.
#[derive(Debug, Clone, Serialize)]
pub struct Url {
    pub path: String,
    #[serde(serialize_with = "ser_opt_digest")]
    pub digest: Option<[u8; 16]>,
    /// The accepted codes; 200-299 when the block names none.
    pub status_code: StatusCodes,
    /// The url's own virtualhost, else the checker's (after its inheritance).
    pub virtualhost: Option<String>,
    pub regex: Option<Regex>,
    #[serde(skip)]
    pub(in crate::conf::model::lvs) set: UrlSet,
}

impl Url {
    /// The check engine's form (the regex is not part of it yet).
    pub fn to_url_check(&self) -> UrlCheck {
        UrlCheck {
            path: self.path.clone(),
            status: self.status_code.to_status_set(),
            digest: self.digest,
            virtualhost: self.virtualhost.clone(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(in crate::conf::model::lvs) struct UrlSet {
    pub path: bool,
    pub digest: Option<Span>,
    pub virtualhost: Option<String>,
    pub regex: Option<String>,
    pub regex_no_match: Option<Span>,
    pub regex_options: Vec<String>,
    pub regex_min_offset: Option<(u64, Span)>,
    pub regex_max_offset: Option<(u64, Span)>,
    pub regex_stack: Option<((u64, u64), Span)>,
}

/// `regex` and its options. The pattern is kept as written: keepalived runs its own
/// backslash-escape pass over the line first (so `\d` reaches PCRE2 as `d`); ha does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Regex {
    pub pattern: String,
    /// Fail when the pattern matches, instead of when it does not.
    pub no_match: bool,
    pub options: Vec<String>,
    pub min_offset: u64,
    /// The last offset at which a match may start; None = unlimited.
    pub max_offset: Option<u64>,
    /// PCRE2 JIT stack start and maximum sizes.
    pub stack: Option<(u64, u64)>,
}

/// PCRE2 options keepalived accepts in `regex_options`.
const REGEX_OPTIONS: &[&str] = &[
    "allow_empty_class",
    "alt_bsux",
    "auto_callout",
    "caseless",
    "dollar_endonly",
    "dotall",
    "dupnames",
    "extended",
    "firstline",
    "match_unset_backref",
    "multiline",
    "never_ucp",
    "never_utf",
    "no_auto_capture",
    "no_auto_possess",
    "no_dotstar_anchor",
    "no_start_optimize",
    "ucp",
    "ungreedy",
    "utf",
    "never_backslash_c",
    "alt_circumflex",
    "alt_verbnames",
    "use_offset_limit",
];

/// Accepted status codes, as ranges; `status_code` lines add to them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusCodes(pub Vec<(u16, u16)>);

impl StatusCodes {
    pub fn contains(&self, code: u16) -> bool {
        self.0.iter().any(|&(lo, hi)| (lo..=hi).contains(&code))
    }

    /// The check engine's form.
    pub fn to_status_set(&self) -> StatusSet {
        StatusSet::from_str(&self.to_string()).unwrap_or_default()
    }
}

impl fmt::Display for StatusCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &(lo, hi)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if lo == hi {
                write!(f, "{lo}")?;
            } else {
                write!(f, "{lo}-{hi}")?;
            }
        }
        Ok(())
    }
}

impl Serialize for StatusCodes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn ser_version<S: serde::Serializer>(v: &HttpVersion, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match v {
        HttpVersion::V1_0 => "1.0",
        HttpVersion::V1_0Close => "1.0C",
        HttpVersion::V1_1 => "1.1",
    })
}

fn ser_opt_digest<S: serde::Serializer>(d: &Option<[u8; 16]>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => ser_hex(d, s),
        None => s.serialize_none(),
    }
}

impl HasCommon for HttpCheck {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

impl HasConn for HttpCheck {
    fn conn(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

pub const TABLE: &[Kw<HttpCheck>] = checker_table!(HttpCheck; conn;
    Kw::deprecated("nb_get_retry", "retry", super::retry::<HttpCheck>),
    Kw::new("virtualhost", |c, n, cx| {
        if let Some(v) = cx.string(n) {
            c.set_virtualhost = Some(v)
        }
    }),
    Kw::new("http_protocol", |c, n, cx| {
        if let Some(w) = cx.choice(n, &["1.0", "1.0C", "1.0c", "1.1"]) {
            c.http_protocol = HttpVersion::from_str(w).unwrap_or_default();
        }
    }),
    Kw::new("enable_sni", |c, n, cx| c.enable_sni = cx.flag(n)),
    Kw::new("fast_recovery", |c, n, cx| c.fast_recovery = cx.flag(n)),
    Kw::new("url", read_url),
);

/// 32 hex digits as a digest; None for anything else (`parse_digest` then says why).
fn hex_digest(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    if b.len() != 32 {
        return None;
    }
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = digit(b[2 * i])? << 4 | digit(b[2 * i + 1])?;
    }
    Some(out)
}

/// The body regex needs a PCRE-compatible engine the check engine does not have yet.
const REGEX_WHY: &str =
    "ha's HTTP checks do not match the body against a regex yet; status and digest are checked";

pub const URL_TABLE: &[Kw<Url>] = &[
    Kw::new("path", |u, n, cx| {
        if let Some(v) = cx.string(n) {
            u.path = v;
            u.set.path = true;
        }
    }),
    Kw::new("digest", |u, n, cx| {
        let Some(t) = cx.value(n) else { return };
        if let Some(first) = u.set.digest {
            repeated(cx, n, first);
            return;
        }
        match hex_digest(&t.text).map_or_else(|| parse_digest(&t.text), Ok) {
            Ok(d) => {
                u.digest = Some(d);
                u.set.digest = Some(n.keyword.span);
            }
            Err(e) => {
                cx.error(t.span, format!("`digest` {e}"))
                    .hint("`genhash -s IP -p PORT -u PATH` prints the digest of a page");
            }
        }
    }),
    Kw::new("status_code", |u, n, cx| {
        let Some(args) = cx.args(n, 1, None) else {
            return;
        };
        for t in args {
            // keepalived separates codes with spaces; commas are accepted too.
            for item in t.text.split(',').filter(|s| !s.is_empty()) {
                match status_range(item) {
                    Some(r) => u.status_code.0.push(r),
                    None => {
                        cx.error(
                            t.span,
                            format!("`status_code` `{item}` is not a status code or a range"),
                        )
                        .hint("codes are 100-599, ranges are written 200-299");
                    }
                }
            }
        }
    }),
    Kw::new("virtualhost", |u, n, cx| {
        if let Some(v) = cx.string(n) {
            u.set.virtualhost = Some(v)
        }
    }),
    Kw::not_acted_on("regex", REGEX_WHY, |u, n, cx| {
        if let Some(v) = cx.string(n) {
            u.set.regex = Some(v)
        }
    }),
    Kw::not_acted_on("regex_no_match", REGEX_WHY, |u, n, cx| {
        u.set.regex_no_match = cx.flag(n).then_some(n.keyword.span)
    }),
    Kw::not_acted_on("regex_options", REGEX_WHY, |u, n, cx| {
        let Some(args) = cx.args(n, 1, None) else {
            return;
        };
        for t in args {
            if REGEX_OPTIONS.contains(&t.text.as_str()) {
                if !u.set.regex_options.iter().any(|o| *o == t.text) {
                    u.set.regex_options.push(t.text.to_string());
                }
                continue;
            }
            // keepalived drops unknown names without a word; a typo deserves one.
            let d = cx.error(t.span, format!("unknown regex option `{}`", t.text));
            if let Some(s) = did_you_mean(&t.text, REGEX_OPTIONS.iter().copied()) {
                d.hint(format!("did you mean `{s}`?"));
            }
        }
    }),
    Kw::not_acted_on("regex_min_offset", REGEX_WHY, |u, n, cx| {
        if let Some(v) = cx.uint(n, 0, u64::MAX) {
            u.set.regex_min_offset = Some((v, n.keyword.span))
        }
    }),
    Kw::not_acted_on("regex_max_offset", REGEX_WHY, |u, n, cx| {
        if let Some(v) = cx.uint(n, 0, u64::MAX - 1) {
            u.set.regex_max_offset = Some((v, n.keyword.span))
        }
    }),
    Kw::not_acted_on("regex_stack", REGEX_WHY, |u, n, cx| {
        let Some(args) = cx.args(n, 2, Some(2)) else {
            return;
        };
        let start = cx.uint_token("regex_stack start", &args[0], 0, u64::MAX);
        let max = cx.uint_token("regex_stack max", &args[1], 0, u64::MAX);
        if let (Some(start), Some(max)) = (start, max) {
            if start > max {
                cx.error(
                    args[0].span,
                    "`regex_stack`: the start size is larger than the maximum",
                );
                return;
            }
            u.set.regex_stack = Some(((start, max), n.keyword.span));
        }
    }),
];

/// `200` or `200-299`, codes 100-599.
fn status_range(s: &str) -> Option<(u16, u16)> {
    let code = |t: &str| t.parse::<u16>().ok().filter(|c| (100..=599).contains(c));
    let (lo, hi) = match s.split_once('-') {
        Some((a, b)) => (code(a)?, code(b)?),
        None => (code(s)?, code(s)?),
    };
    (lo <= hi).then_some((lo, hi))
}

pub fn read(rs: &mut RealServer, node: &Node, cx: &mut Cx) {
    let Some(items) = block_only(cx, node) else {
        return;
    };
    let kind = node.keyword.text.as_str();
    let mut c = HttpCheck {
        common: Common::new(1, Some(std::time::Duration::from_secs(3))),
        conn: Conn::new(rs.ip),
        virtualhost: None,
        http_protocol: HttpVersion::default(),
        enable_sni: false,
        fast_recovery: false,
        urls: Vec::new(),
        set_virtualhost: None,
        span: node.keyword.span,
    };
    walk(cx, &mut c, items, TABLE, kind);
    if c.urls.is_empty() {
        cx.error(
            node.keyword.span,
            format!("`{kind}` has no `url` to fetch; the checker is ignored"),
        )
        .hint("add `url { path / }` (and `digest` or `status_code` as needed)");
        return;
    }
    c.urls.shrink_to_fit();
    rs.checkers.push(if kind == "SSL_GET" {
        Checker::SslGet(c)
    } else {
        Checker::HttpGet(c)
    });
}

fn read_url(c: &mut HttpCheck, node: &Node, cx: &mut Cx) {
    let Some(items) = block_only(cx, node) else {
        return;
    };
    let mut u = Url {
        path: String::new(),
        digest: None,
        status_code: StatusCodes::default(),
        virtualhost: None,
        regex: None,
        set: UrlSet::default(),
    };
    walk(cx, &mut u, items, URL_TABLE, "url");
    u.regex = regex(&mut u.set, cx);
    if !u.set.path {
        cx.error(node.keyword.span, "`url` has no `path`; it is ignored")
            .hint("e.g. `path /health`");
        return;
    }
    if u.status_code.0.is_empty() {
        u.status_code.0.push((200, 299));
    }
    c.urls.push(u);
}

/// The url's regex, or a warning when regex options come without one.
fn regex(set: &mut UrlSet, cx: &mut Cx) -> Option<Regex> {
    let stray = [
        set.regex_no_match,
        set.regex_min_offset.map(|(_, s)| s),
        set.regex_max_offset.map(|(_, s)| s),
        set.regex_stack.map(|(_, s)| s),
    ];
    let Some(pattern) = set.regex.take() else {
        if let Some(span) = stray.into_iter().flatten().next() {
            cx.warning(span, "regex settings without `regex` are ignored");
        }
        return None;
    };
    let mut min = set.regex_min_offset.map_or(0, |(v, _)| v);
    let mut max = set.regex_max_offset.map(|(v, _)| v);
    if let (Some(m), Some((_, span))) = (max, set.regex_max_offset) {
        if min > m {
            cx.warning(
                span,
                format!(
                    "`regex_max_offset` {m} is below `regex_min_offset` {min}; both are ignored"
                ),
            );
            (min, max) = (0, None);
        }
    }
    Some(Regex {
        pattern,
        no_match: set.regex_no_match.is_some(),
        options: std::mem::take(&mut set.regex_options),
        min_offset: min,
        max_offset: max,
        stack: set.regex_stack.map(|(v, _)| v),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_digests_read_as_parse_digest_reads_them() {
        for s in [
            "65078f5e997cf8af75ced0bfee208362",
            "65078F5E997CF8AF75CED0BFEE208362",
            "65078f5e997cf8af75ced0bfee20836",
            "65078f5e997cf8af75ced0bfee20836g",
            "+5078f5e997cf8af75ced0bfee208362",
            "",
        ] {
            let fast = hex_digest(s);
            assert!(fast.is_none() || fast == parse_digest(s).ok(), "{s}");
            if s.len() == 32 && s.bytes().all(|c| c.is_ascii_hexdigit()) {
                assert!(fast.is_some(), "{s}");
            }
        }
    }
}
