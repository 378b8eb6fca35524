//! Rule lines (`virtual_rules`, `static_rules`), `ip rule` as keepalived reads it:
//! `[not] [from P] [to P] [preference N] [tos D] [fwmark M[/MASK]] [dev IF] [oif IF] ...
//! ACTION` with exactly one ACTION: `table T` | `[type] goto N` | `nop` | `blackhole` |
//! `unreachable` | `prohibit` | `l3mdev`.
//!
//! Departures from keepalived 2.2.7 (plain bugs there, documented meaning here):
//! `inet`/`inet6` do not swallow the next word; `sport 80` / `dport 80` (a single port) are
//! accepted as the range 80-80.

use serde::Serialize;

use super::net::{
    ip_net_token, parse_num, realms_token, rt_id, Family, IpNet, Realms, RtId, TABLES,
};
use super::read::{ifname_token, line_words, option, unknown_option, Opts, Words};
use crate::conf::ast::{Node, Token};
use crate::conf::schema::{Cx, Status};
use crate::conf::source::Span;

pub const RULE_OPTS: Opts = &[
    ("inet", Status::Supported),
    ("inet6", Status::Supported),
    ("from", Status::Supported),
    ("to", Status::Supported),
    ("not", Status::Supported),
    ("table", Status::Supported),
    ("lookup", Status::Supported),
    ("preference", Status::Supported),
    ("order", Status::Supported),
    ("priority", Status::Supported),
    ("tos", Status::Supported),
    ("dsfield", Status::Supported),
    ("fwmark", Status::Supported),
    ("realms", Status::Supported),
    ("suppress_prefixlength", Status::Supported),
    ("sup_pl", Status::Supported),
    ("suppress_ifgroup", Status::Supported),
    ("sup_group", Status::Supported),
    ("dev", Status::Supported),
    ("iif", Status::Supported),
    ("oif", Status::Supported),
    ("tunnel-id", Status::Supported),
    ("uidrange", Status::Supported),
    (
        "l3mdev",
        Status::NotActedOn("VRFs (l3mdev rules) are not supported"),
    ),
    ("protocol", Status::Supported),
    ("ipproto", Status::Supported),
    ("sport", Status::Supported),
    ("dport", Status::Supported),
    ("no_track", Status::Supported),
    ("track_group", Status::Supported),
    ("type", Status::Supported),
    ("goto", Status::Supported),
    ("nop", Status::Supported),
    ("blackhole", Status::Supported),
    ("unreachable", Status::Supported),
    ("prohibit", Status::Supported),
];

/// What a matching packet gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    Table(RtId),
    Goto(u32),
    Nop,
    Blackhole,
    Unreachable,
    Prohibit,
    L3mdev,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fwmark {
    pub mark: u32,
    pub mask: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PortRange {
    pub start: u16,
    pub end: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub family: Family,
    /// None: all.
    pub from: Option<IpNet>,
    pub to: Option<IpNet>,
    pub not: bool,
    pub action: RuleAction,
    /// When not written, keepalived's automatic numbering (16384 counting down per family,
    /// in file order) is applied by `resolve`.
    pub preference: u32,
    #[serde(skip)]
    pub preference_given: bool,
    pub tos: Option<RtId>,
    pub fwmark: Option<Fwmark>,
    pub realms: Option<Realms>,
    pub suppress_prefixlength: Option<u32>,
    pub suppress_ifgroup: Option<RtId>,
    pub iif: Option<String>,
    #[serde(skip)]
    pub iif_span: Option<Span>,
    pub oif: Option<String>,
    #[serde(skip)]
    pub oif_span: Option<Span>,
    pub tunnel_id: Option<u64>,
    pub uidrange: Option<(u32, u32)>,
    /// keepalived (18) when the rule is tracked.
    pub protocol: Option<u8>,
    /// An IP protocol number or a name from /etc/protocols.
    pub ipproto: Option<RtId>,
    pub sport: Option<PortRange>,
    pub dport: Option<PortRange>,
    pub no_track: bool,
    pub track_group: Option<String>,
    #[serde(skip)]
    pub track_group_span: Option<Span>,
    #[serde(skip)]
    pub span: Span,
}

fn port_range(cx: &mut Cx, what: &str, tok: &Token) -> Option<PortRange> {
    let parse = |s: &str| s.parse::<u16>().ok();
    let r = match tok.text.split_once('-') {
        Some((a, b)) => parse(a).zip(parse(b)),
        None => parse(&tok.text).map(|p| (p, p)),
    };
    match r {
        Some((start, end)) if start <= end => Some(PortRange { start, end }),
        _ => {
            cx.error(
                tok.span,
                format!("`{what}` wants a port or a range, not `{}`", tok.text),
            )
            .hint("e.g. 80 or 1024-65535");
            None
        }
    }
}

fn u32_base0(text: &str) -> Option<u32> {
    parse_num(text).and_then(|n| u32::try_from(n).ok())
}

/// Reads one rule line. `statics`: a static_rules line (track_group allowed).
pub fn parse_rule(cx: &mut Cx, line: &Node, statics: bool) -> Option<Rule> {
    let what = if statics {
        "a static_rules line"
    } else {
        "a virtual_rules line"
    };
    let mut w = Words::new(line_words(line));
    let mut fam: Option<(Family, Span)> = None;
    let mut action: Option<(RuleAction, Span)> = None;
    let mut preference: Option<(u32, Span)> = None;
    let mut table_only: Option<Span> = None;
    let mut r = Rule {
        family: Family::Ipv4,
        from: None,
        to: None,
        not: false,
        action: RuleAction::Nop,
        preference: 0,
        preference_given: false,
        tos: None,
        fwmark: None,
        realms: None,
        suppress_prefixlength: None,
        suppress_ifgroup: None,
        iif: None,
        iif_span: None,
        oif: None,
        oif_span: None,
        tunnel_id: None,
        uidrange: None,
        protocol: None,
        ipproto: None,
        sport: None,
        dport: None,
        no_track: false,
        track_group: None,
        track_group_span: None,
        span: line.keyword.span,
    };
    let mut family = |cx: &mut Cx, f: Family, at: Span| match fam {
        None => {
            fam = Some((f, at));
            true
        }
        Some((g, _)) if g == f => true,
        Some((g, first)) => {
            cx.error(at, format!("{what} mixes IPv4 and IPv6"))
                .related(first, format!("{} from here", g.name()));
            false
        }
    };
    let mut set_action = |cx: &mut Cx, a: RuleAction, at: Span| {
        if let Some((_, first)) = &action {
            cx.error(at, format!("{what} has more than one action"))
                .related(*first, "first action here")
                .hint("one of: table, goto, nop, blackhole, unreachable, prohibit, l3mdev");
            return false;
        }
        action = Some((a, at));
        true
    };
    let mut ok = true;
    while let Some(word) = w.next() {
        let Some(opt) = option(cx, RULE_OPTS, word, what) else {
            unknown_option(cx, RULE_OPTS, word, what);
            return None;
        };
        match opt {
            "inet" => ok &= family(cx, Family::Ipv4, word.span),
            "inet6" => ok &= family(cx, Family::Ipv6, word.span),
            "from" | "to" => {
                let v = w.value(cx, word, "a prefix or `all`")?;
                let net = if matches!(v.text.as_str(), "all" | "default" | "any") {
                    None
                } else {
                    let n = ip_net_token(cx, opt, v, true)?;
                    ok &= family(cx, n.family(), v.span);
                    Some(n)
                };
                if opt == "from" {
                    r.from = net;
                } else {
                    r.to = net;
                }
            }
            "not" => r.not = true,
            "table" | "lookup" => {
                let v = w.value(cx, word, "a table")?;
                let t = rt_id(cx, "table", v, TABLES, u32::MAX)?;
                if t == RtId::Id(0) {
                    cx.error(v.span, "table 0 is not a valid rule table");
                    return None;
                }
                ok &= set_action(cx, RuleAction::Table(t), word.span);
            }
            "preference" | "order" | "priority" => {
                let v = w.value(cx, word, "a number")?;
                match u32_base0(&v.text) {
                    Some(p) => preference = Some((p, v.span)),
                    None => {
                        cx.error(
                            v.span,
                            format!("`{opt}` wants a number 0-4294967295, not `{}`", v.text),
                        );
                        ok = false;
                    }
                }
            }
            "tos" | "dsfield" => {
                let v = w.value(cx, word, "a dsfield")?;
                r.tos = rt_id(cx, opt, v, &[], 255);
            }
            "fwmark" => {
                let v = w.value(cx, word, "a mark")?;
                let (m, mask) = match v.text.split_once('/') {
                    Some((m, k)) => (u32_base0(m), Some(u32_base0(k))),
                    None => (u32_base0(&v.text), None),
                };
                match (m, mask) {
                    (Some(mark), None) => r.fwmark = Some(Fwmark { mark, mask: None }),
                    (Some(mark), Some(Some(k))) => {
                        r.fwmark = Some(Fwmark {
                            mark,
                            mask: Some(k),
                        })
                    }
                    _ => {
                        cx.error(
                            v.span,
                            format!("`fwmark` wants MARK[/MASK], not `{}`", v.text),
                        )
                        .hint("numbers 0-4294967295, decimal or 0x hex");
                        ok = false;
                    }
                }
            }
            "realms" => {
                let v = w.value(cx, word, "realms")?;
                ok &= family(cx, Family::Ipv4, word.span);
                r.realms = realms_token(cx, v);
                table_only.get_or_insert(word.span);
            }
            "suppress_prefixlength" | "sup_pl" => {
                let v = w.value(cx, word, "a prefix length")?;
                r.suppress_prefixlength =
                    cx.uint_token(opt, v, 0, i32::MAX as u64).map(|n| n as u32);
                table_only.get_or_insert(word.span);
            }
            "suppress_ifgroup" | "sup_group" => {
                let v = w.value(cx, word, "a group")?;
                r.suppress_ifgroup = rt_id(cx, opt, v, &[("default", 0)], u32::MAX);
                table_only.get_or_insert(word.span);
            }
            "dev" | "iif" => {
                let v = w.value(cx, word, "an interface name")?;
                r.iif = ifname_token(cx, opt, v);
                r.iif_span = Some(v.span);
            }
            "oif" => {
                let v = w.value(cx, word, "an interface name")?;
                r.oif = ifname_token(cx, opt, v);
                r.oif_span = Some(v.span);
            }
            "tunnel-id" => {
                let v = w.value(cx, word, "a number")?;
                r.tunnel_id = cx.uint_token("tunnel-id", v, 0, u64::MAX);
            }
            "uidrange" => {
                let v = w.value(cx, word, "START-END")?;
                let range = v
                    .text
                    .split_once('-')
                    .and_then(|(a, b)| a.parse::<u32>().ok().zip(b.parse::<u32>().ok()))
                    .filter(|(a, b)| a <= b);
                match range {
                    Some(range) => r.uidrange = Some(range),
                    None => {
                        cx.error(
                            v.span,
                            format!("`uidrange` wants START-END, not `{}`", v.text),
                        );
                        ok = false;
                    }
                }
            }
            "l3mdev" => ok &= set_action(cx, RuleAction::L3mdev, word.span),
            "protocol" => {
                let v = w.value(cx, word, "a number (0-255)")?;
                r.protocol = cx.uint_token("protocol", v, 0, 255).map(|p| p as u8);
            }
            "ipproto" => {
                let v = w.value(cx, word, "a protocol name or number")?;
                r.ipproto = rt_id(
                    cx,
                    "ipproto",
                    v,
                    &[
                        ("tcp", 6),
                        ("udp", 17),
                        ("icmp", 1),
                        ("ipv6-icmp", 58),
                        ("sctp", 132),
                    ],
                    255,
                );
            }
            "sport" => {
                let v = w.value(cx, word, "a port or range")?;
                r.sport = port_range(cx, "sport", v);
            }
            "dport" => {
                let v = w.value(cx, word, "a port or range")?;
                r.dport = port_range(cx, "dport", v);
            }
            "no_track" => r.no_track = true,
            "track_group" => {
                let v = w.value(cx, word, "a track_group name")?;
                if !statics {
                    cx.error(word.span, format!("`track_group` is not allowed in {what}"))
                        .hint("`track_group` belongs in static_rules lines");
                    continue;
                }
                r.track_group = Some(v.text.to_string());
                r.track_group_span = Some(v.span);
            }
            "type" | "goto" | "nop" | "blackhole" | "unreachable" | "prohibit" => {
                let a = if opt == "type" {
                    w.value(cx, word, "an action")?
                } else {
                    word
                };
                let act = match a.text.as_str() {
                    "goto" => {
                        let v = w.value(cx, a, "a preference to go to")?;
                        RuleAction::Goto(cx.uint_token("goto", v, 0, u64::from(u32::MAX))? as u32)
                    }
                    "nop" => RuleAction::Nop,
                    "blackhole" => RuleAction::Blackhole,
                    "unreachable" => RuleAction::Unreachable,
                    "prohibit" => RuleAction::Prohibit,
                    _ => {
                        cx.error(a.span, format!("`{}` is not a rule action", a.text))
                            .hint("one of: goto, nop, blackhole, unreachable, prohibit");
                        return None;
                    }
                };
                ok &= set_action(cx, act, a.span);
            }
            _ => unknown_option(cx, RULE_OPTS, word, what),
        }
    }
    let Some((act, act_span)) = action else {
        cx.error(line.keyword.span, format!("{what} has no action"))
            .hint("add one of: table T, goto N, nop, blackhole, unreachable, prohibit");
        return None;
    };
    if let RuleAction::Goto(target) = act {
        match preference {
            None => {
                cx.error(act_span, "a `goto` rule needs a `preference`")
                    .hint("the target must be a larger preference than the rule's own");
                ok = false;
            }
            Some((p, span)) if p >= target => {
                cx.error(
                    span,
                    format!("preference {p} is not below the goto target {target}"),
                )
                .hint("a rule can only jump forward, to a larger preference");
                ok = false;
            }
            _ => {}
        }
    }
    if let Some(span) = table_only.filter(|_| !matches!(act, RuleAction::Table(_))) {
        cx.error(
            span,
            "`realms` and the suppressors only apply to `table` rules",
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    r.action = act;
    r.family = fam.map_or(Family::Ipv4, |(f, _)| f);
    match preference {
        Some((p, _)) => {
            r.preference = p;
            r.preference_given = true;
        }
        None => {
            cx.warning(line.keyword.span, format!("{what} has no preference; one is assigned"))
                .hint("as keepalived: 16384 for the first such rule of a family, then counting down; write `preference N` to choose");
        }
    }
    if !r.no_track {
        if let Some(p) = r
            .protocol
            .filter(|p| u32::from(*p) != super::net::RTPROT_KEEPALIVED)
        {
            cx.warning(
                line.keyword.span,
                format!("a tracked rule uses protocol keepalived (18), not {p}; ha sets 18"),
            )
            .hint("add `no_track` to keep your protocol");
        }
        r.protocol = Some(super::net::RTPROT_KEEPALIVED as u8);
    }
    if let (Some(span), None) = (r.track_group_span, &r.iif) {
        cx.error(span, "a rule with `track_group` needs `dev` (or `iif`)");
    }
    Some(r)
}
