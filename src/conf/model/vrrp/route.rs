//! Route lines (`virtual_routes`, `static_routes`), iproute2's `ip route` grammar as
//! keepalived reads it:
//! `[<TYPE>] [to] <DEST>[/<PREFIX>] [src IP] [from PREFIX] [via [inet|inet6] IP] [dev IF]
//! [table T] [metric N] ... [nexthop ...]` (see ROUTE_OPTS for every option).
//!
//! Departure from keepalived 2.2.7: there, `inet`/`inet6` also swallow the word after them
//! (`inet6 default dev eth0` fails with "Route must have a destination"). ha reads them as
//! the plain family words they are documented to be, anywhere on the line.

use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

use super::net::{
    ip_net_token, ip_token, parse_num, realms_token, rt_id, Family, IpNet, Realms, RtId, PROTOCOLS,
    ROUTE_TYPES, RTPROT_KEEPALIVED, SCOPES, TABLES,
};
use super::read::{ifname_token, line_words, option, unknown_option, Opts, Words};
use crate::conf::ast::{Node, Token};
use crate::conf::model::ser_opt_secs;
use crate::conf::schema::{Cx, Status};
use crate::conf::source::Span;

pub const ROUTE_OPTS: Opts = &[
    ("<DEST>", Status::Supported),
    ("to", Status::Supported),
    ("default6", Status::Deprecated("inet6 default")),
    ("inet", Status::Supported),
    ("inet6", Status::Supported),
    ("src", Status::Supported),
    ("from", Status::Supported),
    ("via", Status::Supported),
    ("gw", Status::Deprecated("via")),
    ("or", Status::Deprecated("nexthop")),
    ("dev", Status::Supported),
    ("oif", Status::Supported),
    ("table", Status::Supported),
    ("tos", Status::Supported),
    ("dsfield", Status::Supported),
    ("protocol", Status::Supported),
    ("scope", Status::Supported),
    ("metric", Status::Supported),
    ("priority", Status::Supported),
    ("preference", Status::Supported),
    ("onlink", Status::Supported),
    (
        "encap",
        Status::NotActedOn("lightweight-tunnel encapsulation is not implemented"),
    ),
    ("expires", Status::Supported),
    ("mtu", Status::Supported),
    ("advmss", Status::Supported),
    ("reordering", Status::Supported),
    ("cwnd", Status::Supported),
    ("ssthresh", Status::Supported),
    ("hoplimit", Status::Supported),
    ("rtt", Status::Supported),
    ("rttvar", Status::Supported),
    ("rto_min", Status::Supported),
    ("window", Status::Supported),
    ("realms", Status::Supported),
    ("initcwnd", Status::Supported),
    ("initrwnd", Status::Supported),
    ("features", Status::Supported),
    ("quickack", Status::Supported),
    ("congctl", Status::Supported),
    ("pref", Status::Supported),
    ("ttl-propagate", Status::Supported),
    ("fastopen_no_cookie", Status::Supported),
    (
        "as",
        Status::NotActedOn("MPLS `as to` is ignored (keepalived ignores it too)"),
    ),
    ("add", Status::Supported),
    ("prepend", Status::Supported),
    ("append", Status::Supported),
    ("no_track", Status::Supported),
    ("track_group", Status::Supported),
    ("vrf", Status::NotActedOn("VRFs are not supported")),
    ("nexthop", Status::Supported),
];

/// Options of one `nexthop`.
pub const NEXTHOP_OPTS: Opts = &[
    ("via", Status::Supported),
    ("dev", Status::Supported),
    ("weight", Status::Supported),
    ("onlink", Status::Supported),
    (
        "encap",
        Status::NotActedOn("lightweight-tunnel encapsulation is not implemented"),
    ),
    ("realms", Status::Supported),
];

/// A metric that may be locked (`mtu lock 1400`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Locked<T> {
    pub value: T,
    pub lock: bool,
}

/// How the route is installed: `prepend` (keepalived's default), `add` (fails if it
/// exists), `append`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteMode {
    #[default]
    Prepend,
    Add,
    Append,
}

/// `encap ...` kept as written (not acted on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Encap {
    pub kind: String,
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RouteMetrics {
    pub mtu: Option<Locked<u32>>,
    pub advmss: Option<Locked<u32>>,
    pub reordering: Option<Locked<u32>>,
    pub cwnd: Option<Locked<u32>>,
    pub ssthresh: Option<Locked<u32>>,
    pub window: Option<u32>,
    pub initcwnd: Option<u32>,
    pub initrwnd: Option<u32>,
    pub hoplimit: Option<u8>,
    pub rtt: Option<Locked<Secs>>,
    pub rttvar: Option<Locked<Secs>>,
    pub rto_min: Option<Locked<Secs>>,
    pub features_ecn: bool,
    pub quickack: Option<bool>,
    pub congctl: Option<Locked<String>>,
    pub fastopen_no_cookie: Option<bool>,
}

/// A duration serialized as decimal seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Secs(pub Duration);

impl Serialize for Secs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0.as_secs_f64())
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Nexthop {
    pub via: Option<IpAddr>,
    pub dev: Option<String>,
    #[serde(skip)]
    pub dev_span: Option<Span>,
    /// 1-256.
    pub weight: Option<u16>,
    pub onlink: bool,
    pub encap: Option<Encap>,
    pub realms: Option<Realms>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Route {
    pub family: Family,
    /// Destination; None = the default route (`default`, `any`, `all`).
    pub to: Option<IpNet>,
    /// Route type (RTN_*), default unicast (1).
    #[serde(rename = "type")]
    pub kind: u32,
    /// Preferred source address.
    pub src: Option<IpAddr>,
    /// Source prefix (IPv6 only).
    pub from: Option<IpNet>,
    pub via: Option<IpAddr>,
    pub dev: Option<String>,
    #[serde(skip)]
    pub dev_span: Option<Span>,
    /// Default main (254).
    pub table: RtId,
    pub tos: Option<RtId>,
    /// keepalived (18) when the route is tracked.
    pub protocol: Option<RtId>,
    pub scope: Option<RtId>,
    pub metric: Option<u32>,
    pub onlink: bool,
    pub encap: Option<Encap>,
    /// IPv6 only.
    #[serde(serialize_with = "ser_opt_secs")]
    pub expires: Option<Duration>,
    pub metrics: RouteMetrics,
    /// IPv4 only.
    pub realms: Option<Realms>,
    /// IPv6 router preference (low 3, medium 0, high 1, or a number).
    pub pref: Option<u8>,
    pub ttl_propagate: Option<bool>,
    pub mode: RouteMode,
    /// Not watched: its removal by someone else does not fault the instance.
    pub no_track: bool,
    pub track_group: Option<String>,
    #[serde(skip)]
    pub track_group_span: Option<Span>,
    pub vrf: Option<String>,
    pub nexthops: Vec<Nexthop>,
    /// The line's first word.
    #[serde(skip)]
    pub span: Span,
}

/// Sets the line's family, or reports a mix of IPv4 and IPv6.
fn claim(cx: &mut Cx, fam: &mut Option<(Family, Span)>, f: Family, at: Span, line: &str) -> bool {
    match *fam {
        None => {
            *fam = Some((f, at));
            true
        }
        Some((g, _)) if g == f => true,
        Some((g, first)) => {
            cx.error(at, format!("{line} mixes IPv4 and IPv6"))
                .related(first, format!("{} from here", g.name()));
            false
        }
    }
}

fn u32_value(cx: &mut Cx, what: &str, tok: &Token, max: u32) -> Option<u32> {
    cx.uint_token(what, tok, 0, u64::from(max))
        .map(|v| v as u32)
}

/// `[lock] N`.
fn locked_u32(cx: &mut Cx, w: &mut Words, opt: &Token) -> Option<Locked<u32>> {
    let lock = w.eat("lock").is_some();
    let v = w.value(cx, opt, "a number")?;
    Some(Locked {
        value: u32_value(cx, &opt.text, v, u32::MAX)?,
        lock,
    })
}

/// An rtt-style time: with a unit (`s`, `sec`, `secs`, `ms`, `msec`, `msecs`), or a bare
/// number in the kernel's own unit, 1/`per_ms` of a millisecond (rtt 1/8 ms, rttvar 1/4 ms,
/// rto_min 1 ms), as keepalived and `ip route` read it. The kernel keeps 0.2-120 s;
/// keepalived clamps to that.
fn rtt_time(cx: &mut Cx, w: &mut Words, opt: &Token, per_ms: f64) -> Option<Locked<Secs>> {
    let lock = w.eat("lock").is_some();
    let v = w.value(cx, opt, "a time")?;
    let t = v.text.to_ascii_lowercase();
    let (num, scale_ms) = if let Some(n) = ["msecs", "msec", "ms"]
        .iter()
        .find_map(|s| t.strip_suffix(s))
    {
        (n, 1.0)
    } else if let Some(n) = ["secs", "sec", "s"].iter().find_map(|s| t.strip_suffix(s)) {
        (n, 1000.0)
    } else {
        (t.as_str(), 1.0 / per_ms)
    };
    let ok = !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let Some(ms) = num.parse::<f64>().ok().filter(|_| ok).map(|n| n * scale_ms) else {
        cx.error(
            v.span,
            format!("`{}` wants a time, not `{}`", opt.text, v.text),
        )
        .hint("a time with a unit (300ms, 1.5s), or a number in the kernel's unit");
        return None;
    };
    let clamped = ms.clamp(200.0, 120_000.0);
    if clamped != ms {
        // A bare number is in kernel units: say what it came to.
        let raw = if v.text.bytes().all(|b| b.is_ascii_digit() || b == b'.') && per_ms != 1.0 {
            format!(" ({ms} ms)")
        } else {
            String::new()
        };
        cx.note(
            v.span,
            format!(
                "`{}` {}{raw} is outside 0.2-120 s; ha uses {} ms, as the kernel would",
                opt.text, v.text, clamped
            ),
        );
    }
    Some(Locked {
        value: Secs(Duration::from_micros((clamped * 1000.0).round() as u64)),
        lock,
    })
}

/// `encap ip|ip6 [KEY VALUE]...` | `encap mpls LABELS` | `encap ila LOCATOR`.
fn encap(cx: &mut Cx, w: &mut Words, opt: &Token) -> Option<Encap> {
    let kind = w.value(cx, opt, "an encapsulation type")?;
    let mut args = Vec::new();
    match kind.text.as_str() {
        "ip" | "ip6" => {
            let keys: &[&str] = if kind.text == "ip" {
                &["id", "dst", "src", "tos", "ttl", "flags"]
            } else {
                &["id", "dst", "src", "tc", "hoplimit", "flags"]
            };
            while let Some(k) = w.peek().filter(|t| keys.contains(&t.text.as_str())) {
                w.next();
                let v = w.value(cx, k, "a value")?;
                args.push(k.text.to_string());
                args.push(v.text.to_string());
            }
            if !args.iter().step_by(2).any(|k| k == "dst" || k == "id") {
                cx.error(
                    kind.span,
                    format!("`encap {}` needs `dst` or `id`", kind.text),
                );
            }
        }
        "mpls" | "ila" => {
            let v = w.value(cx, kind, "a value")?;
            args.push(v.text.to_string());
        }
        _ => {
            cx.error(kind.span, format!("unknown encapsulation `{}`", kind.text))
                .hint("one of: ip, ip6, mpls, ila");
            return None;
        }
    }
    Some(Encap {
        kind: kind.text.to_string(),
        args,
    })
}

/// `via [inet|inet6] ADDR`.
fn via(
    cx: &mut Cx,
    w: &mut Words,
    opt: &Token,
    fam: &mut Option<(Family, Span)>,
    line: &str,
) -> Option<IpAddr> {
    let mut v = w.value(cx, opt, "an address")?;
    if v.is("inet") || v.is("inet6") {
        v = w.value(cx, v, "an address")?;
    }
    let ip = ip_token(cx, &opt.text, v)?;
    claim(cx, fam, Family::of(&ip), v.span, line).then_some(ip)
}

/// Reads one route line. `statics`: a static_routes line (track_group allowed).
pub fn parse_route(cx: &mut Cx, line: &Node, statics: bool) -> Option<Route> {
    let what = if statics {
        "a static_routes line"
    } else {
        "a virtual_routes line"
    };
    let words = line_words(line);
    let mut w = Words::new(words);
    let mut fam: Option<(Family, Span)> = None;
    let mut r = Route {
        family: Family::Ipv4,
        to: None,
        kind: 1,
        src: None,
        from: None,
        via: None,
        dev: None,
        dev_span: None,
        table: RtId::Id(254),
        tos: None,
        protocol: None,
        scope: None,
        metric: None,
        onlink: false,
        encap: None,
        expires: None,
        metrics: RouteMetrics::default(),
        realms: None,
        pref: None,
        ttl_propagate: None,
        mode: RouteMode::Prepend,
        no_track: false,
        track_group: None,
        track_group_span: None,
        vrf: None,
        nexthops: Vec::new(),
        span: line.keyword.span,
    };
    let mut have_dest: Option<Span> = None;
    let mut or_given = false;
    let mut ok = true;
    while let Some(word) = w.next() {
        let opt = option(cx, ROUTE_OPTS, word, what).filter(|o| !o.starts_with('<'));
        match opt {
            Some("inet") => ok &= claim(cx, &mut fam, Family::Ipv4, word.span, what),
            Some("inet6") => ok &= claim(cx, &mut fam, Family::Ipv6, word.span, what),
            Some("src") => {
                let v = w.value(cx, word, "an address")?;
                let ip = ip_token(cx, "src", v)?;
                ok &= claim(cx, &mut fam, Family::of(&ip), v.span, what);
                r.src = Some(ip);
            }
            Some("from") => {
                let v = w.value(cx, word, "a prefix")?;
                let net = ip_net_token(cx, "from", v, true)?;
                if net.family() != Family::Ipv6 {
                    cx.error(v.span, "route `from` (source routing) is IPv6 only");
                    ok = false;
                }
                ok &= claim(cx, &mut fam, net.family(), v.span, what);
                r.from = Some(net);
            }
            Some("via") | Some("gw") => r.via = via(cx, &mut w, word, &mut fam, what),
            Some("or") => {
                let v = w.value(cx, word, "an address")?;
                if or_given {
                    cx.error(word.span, "only one `or` is allowed; use `nexthop` lines");
                    continue;
                }
                or_given = true;
                let ip = ip_token(cx, "or", v)?;
                ok &= claim(cx, &mut fam, Family::of(&ip), v.span, what);
                // `via A or B` is two next hops.
                r.nexthops.push(Nexthop {
                    via: r.via.take(),
                    ..Nexthop::default()
                });
                r.nexthops.push(Nexthop {
                    via: Some(ip),
                    ..Nexthop::default()
                });
            }
            Some("dev") | Some("oif") => {
                let v = w.value(cx, word, "an interface name")?;
                r.dev = ifname_token(cx, &word.text, v);
                r.dev_span = Some(v.span);
            }
            Some("table") => {
                let v = w.value(cx, word, "a table")?;
                r.table = rt_id(cx, "table", v, TABLES, u32::MAX)?;
            }
            Some("tos") | Some("dsfield") => {
                let v = w.value(cx, word, "a dsfield")?;
                r.tos = rt_id(cx, &word.text, v, &[], 255);
            }
            Some("protocol") => {
                let v = w.value(cx, word, "a protocol")?;
                r.protocol = rt_id(cx, "protocol", v, PROTOCOLS, 255);
            }
            Some("scope") => {
                let v = w.value(cx, word, "a scope")?;
                r.scope = rt_id(cx, "scope", v, SCOPES, 255);
            }
            Some("metric") | Some("priority") | Some("preference") => {
                let v = w.value(cx, word, "a number")?;
                r.metric = u32_value(cx, &word.text, v, u32::MAX);
            }
            Some("onlink") => r.onlink = true,
            Some("encap") => r.encap = encap(cx, &mut w, word),
            Some("expires") => {
                let v = w.value(cx, word, "seconds")?;
                ok &= claim(cx, &mut fam, Family::Ipv6, word.span, what);
                r.expires = u32_value(cx, "expires", v, u32::MAX)
                    .map(|s| Duration::from_secs(u64::from(s)));
            }
            Some("mtu") => r.metrics.mtu = locked_u32(cx, &mut w, word),
            Some("advmss") => r.metrics.advmss = locked_u32(cx, &mut w, word),
            Some("reordering") => r.metrics.reordering = locked_u32(cx, &mut w, word),
            Some("cwnd") => r.metrics.cwnd = locked_u32(cx, &mut w, word),
            Some("ssthresh") => r.metrics.ssthresh = locked_u32(cx, &mut w, word),
            Some("window") => {
                let v = w.value(cx, word, "a number")?;
                r.metrics.window = u32_value(cx, "window", v, u32::MAX);
            }
            Some("initcwnd") => {
                let v = w.value(cx, word, "a number")?;
                r.metrics.initcwnd = u32_value(cx, "initcwnd", v, u32::MAX);
            }
            Some("initrwnd") => {
                let v = w.value(cx, word, "a number")?;
                r.metrics.initrwnd = u32_value(cx, "initrwnd", v, u32::MAX);
            }
            Some("hoplimit") => {
                let v = w.value(cx, word, "a number")?;
                r.metrics.hoplimit = u32_value(cx, "hoplimit", v, 255).map(|h| h as u8);
            }
            Some("rtt") => r.metrics.rtt = rtt_time(cx, &mut w, word, 8.0),
            Some("rttvar") => r.metrics.rttvar = rtt_time(cx, &mut w, word, 4.0),
            Some("rto_min") => r.metrics.rto_min = rtt_time(cx, &mut w, word, 1.0),
            Some("realms") => {
                let v = w.value(cx, word, "realms")?;
                ok &= claim(cx, &mut fam, Family::Ipv4, word.span, what);
                r.realms = realms_token(cx, v);
            }
            Some("features") => {
                let v = w.value(cx, word, "`ecn`")?;
                if v.is("ecn") {
                    r.metrics.features_ecn = true;
                } else {
                    cx.error(v.span, format!("unknown route feature `{}`", v.text))
                        .hint("the only feature is `ecn`");
                }
            }
            Some("quickack") => {
                let v = w.value(cx, word, "0 or 1")?;
                r.metrics.quickack = u32_value(cx, "quickack", v, 1).map(|q| q == 1);
            }
            Some("fastopen_no_cookie") => {
                let v = w.value(cx, word, "0 or 1")?;
                r.metrics.fastopen_no_cookie =
                    u32_value(cx, "fastopen_no_cookie", v, 1).map(|q| q == 1);
            }
            Some("congctl") => {
                let lock = w.eat("lock").is_some();
                let v = w.value(cx, word, "an algorithm name")?;
                r.metrics.congctl = Some(Locked {
                    value: v.text.to_string(),
                    lock,
                });
            }
            Some("pref") => {
                let v = w.value(cx, word, "low, medium, high or a number")?;
                ok &= claim(cx, &mut fam, Family::Ipv6, word.span, what);
                r.pref = match v.text.as_str() {
                    "low" => Some(3),
                    "medium" => Some(0),
                    "high" => Some(1),
                    _ => u32_value(cx, "pref", v, 255).map(|p| p as u8),
                };
            }
            Some("ttl-propagate") => {
                let v = w.value(cx, word, "enabled or disabled")?;
                r.ttl_propagate = cx
                    .choice_token("ttl-propagate", v, &["enabled", "disabled"])
                    .map(|c| c == "enabled");
            }
            Some("as") => {
                w.eat("to");
                w.value(cx, word, "an address")?;
            }
            Some("add") => r.mode = RouteMode::Add,
            Some("prepend") => r.mode = RouteMode::Prepend,
            Some("append") => r.mode = RouteMode::Append,
            Some("no_track") => r.no_track = true,
            Some("track_group") => {
                let v = w.value(cx, word, "a track_group name")?;
                if !statics {
                    cx.error(word.span, format!("`track_group` is not allowed in {what}"))
                        .hint("`track_group` belongs in static_routes lines");
                    continue;
                }
                r.track_group = Some(v.text.to_string());
                r.track_group_span = Some(v.span);
            }
            Some("vrf") => {
                let v = w.value(cx, word, "a VRF name")?;
                r.vrf = Some(v.text.to_string());
            }
            Some("nexthop") => {
                if or_given {
                    cx.error(word.span, "`nexthop` cannot be combined with `or`");
                    return None;
                }
                ok &= nexthops(cx, &mut w, word, &mut r, &mut fam, what);
                break;
            }
            // A destination, possibly after `to` and/or a route type.
            _ => {
                let mut d = word;
                let mut saw_to = false;
                loop {
                    if d.is("to") && !saw_to {
                        saw_to = true;
                    } else if let Some((_, t)) = ROUTE_TYPES.iter().find(|(n, _)| d.is(n)) {
                        r.kind = *t;
                    } else if let Some(t) = parse_num(&d.text).filter(|&t| t <= 255) {
                        // keepalived also takes the type as a number (RTN_*), as `ip route`.
                        r.kind = t as u32;
                    } else {
                        break;
                    }
                    match w.next() {
                        Some(n) => d = n,
                        None => {
                            cx.error(d.span, format!("`{}` needs a destination after it", d.text));
                            return None;
                        }
                    }
                }
                if let Some(first) = have_dest {
                    // A second destination is most likely a mistyped option.
                    if d.text.parse::<IpAddr>().is_err() && !d.text.contains('/') {
                        unknown_option(cx, ROUTE_OPTS, d, what);
                    } else {
                        cx.error(d.span, format!("{what} has two destinations"))
                            .related(first, "first destination here");
                    }
                    return None;
                }
                match d.text.as_str() {
                    "default" | "any" | "all" if !d.quoted => {}
                    "default6" if !d.quoted => {
                        // A leading `default6` was warned about by `option` already.
                        if d.span != word.span {
                            cx.warning(d.span, "`default6` is deprecated, use `inet6 default`");
                        }
                        ok &= claim(cx, &mut fam, Family::Ipv6, d.span, what);
                    }
                    _ => {
                        if d.text.parse::<IpAddr>().is_err()
                            && !d.text.contains('/')
                            && !d.text.starts_with(|c: char| c.is_ascii_digit())
                        {
                            unknown_option(cx, ROUTE_OPTS, d, what);
                            return None;
                        }
                        let net = ip_net_token(cx, "route destination", d, true)?;
                        ok &= claim(cx, &mut fam, net.family(), d.span, what);
                        r.to = Some(net);
                    }
                }
                have_dest = Some(d.span);
            }
        }
    }
    if have_dest.is_none() {
        cx.error(line.keyword.span, format!("{what} has no destination"))
            .hint("start the line with the destination: `10.1.0.0/16 via 10.0.0.1` or `default via ...`");
        return None;
    }
    if !ok {
        return None;
    }
    r.family = fam.map_or(Family::Ipv4, |(f, _)| f);
    if !r.no_track {
        if let Some(RtId::Id(p)) = r
            .protocol
            .as_ref()
            .filter(|p| **p != RtId::Id(RTPROT_KEEPALIVED))
        {
            cx.warning(
                line.keyword.span,
                format!("a tracked route uses protocol keepalived (18), not {p}; ha sets 18"),
            )
            .hint("add `no_track` to keep your protocol");
        }
        r.protocol = Some(RtId::Id(RTPROT_KEEPALIVED));
        if r.dev.is_none() {
            // keepalived cannot watch a route without an interface; it stops tracking it.
            r.no_track = true;
        }
    }
    if let (Some(span), None) = (r.track_group_span, &r.dev) {
        cx.error(span, "a route with `track_group` needs `dev`");
    }
    Some(r)
}

/// `nexthop [via [inet|inet6] IP] [dev IF] [weight 1-256] [onlink] [encap ...] [realms R]`
/// repeated to the end of the line.
fn nexthops(
    cx: &mut Cx,
    w: &mut Words,
    first: &Token,
    r: &mut Route,
    fam: &mut Option<(Family, Span)>,
    what: &str,
) -> bool {
    let mut ok = true;
    let mut current = Some(Nexthop::default());
    let mut opened = first;
    while let Some(word) = w.next() {
        if word.is("nexthop") {
            if let Some(nh) = current.take() {
                r.nexthops.push(nh);
            }
            current = Some(Nexthop::default());
            opened = word;
            continue;
        }
        let nh = current.get_or_insert_with(Nexthop::default);
        match option(cx, NEXTHOP_OPTS, word, "a nexthop") {
            Some("via") => match via(cx, w, word, fam, what) {
                Some(ip) => nh.via = Some(ip),
                None => ok = false,
            },
            Some("dev") => {
                let Some(v) = w.value(cx, word, "an interface name") else {
                    return false;
                };
                nh.dev = ifname_token(cx, "dev", v);
                nh.dev_span = Some(v.span);
            }
            Some("weight") => {
                let Some(v) = w.value(cx, word, "a weight (1-256)") else {
                    return false;
                };
                nh.weight = cx.uint_token("nexthop weight", v, 1, 256).map(|x| x as u16);
            }
            Some("onlink") => nh.onlink = true,
            Some("encap") => nh.encap = encap(cx, w, word),
            Some("realms") => {
                let Some(v) = w.value(cx, word, "realms") else {
                    return false;
                };
                ok &= claim(cx, fam, Family::Ipv4, word.span, what);
                nh.realms = realms_token(cx, v);
            }
            _ => {
                let d = cx.error(
                    word.span,
                    format!("`{}` cannot follow a nexthop", word.text),
                );
                d.hint(
                    "nexthops must end the line; other route options go before the first `nexthop`",
                );
                ok = false;
            }
        }
    }
    match current {
        Some(nh) if nh.via.is_none() && nh.dev.is_none() => {
            cx.error(opened.span, "a nexthop needs `via` or `dev`");
            ok = false;
        }
        Some(nh) => r.nexthops.push(nh),
        None => {}
    }
    ok
}
