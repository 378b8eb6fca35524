//! Readers of the global area's multi-word values (`smtp_server`, `lvs_sync_daemon`,
//! `umask`, ...), the small helpers its tables share, and the whole-area checks.

use std::net::IpAddr;
use std::time::Duration;

use super::{
    Fifo, GarpExtraIf, Global, IncludeCheck, LvsSyncDaemon, RxBufsPolicy, ScriptUser, SmtpHost,
    SmtpServer, Spanned,
};
use crate::conf::ast::{Node, Token};
use crate::conf::diag::did_you_mean;
use crate::conf::schema::{parse_bool, Cx, Script};
use crate::conf::source::Span;

pub(super) const SYNC_DAEMON_WHY: &str = "ha does not run the IPVS connection sync daemon";

/// A flag keepalived reads without a value. keepalived ignores any word after it, so
/// `vrrp_strict off` turns strict mode ON there; ha reads a boolean word as written
/// (the documented intent) and says so.
pub(super) fn pure_flag(n: &Node, cx: &mut Cx) -> bool {
    cx.no_block(n);
    let name = &n.keyword.text;
    let Some(first) = n.args.first() else {
        return true;
    };
    let value = match parse_bool(&first.text) {
        Some(true) => true,
        Some(false) => {
            cx.note(
                first.span,
                format!("`{name} {}` turns `{name}` off in ha", first.text),
            )
            .hint(format!(
                "keepalived ignores the word and turns `{name}` on: leave the line out instead"
            ));
            false
        }
        None => {
            cx.warning(
                first.span,
                format!("`{name}` takes no value; `{}` is ignored", first.text),
            );
            return true;
        }
    };
    if let Some(extra) = n.args.get(1) {
        cx.warning(
            extra.span,
            format!("`{name}` takes no value; `{}` is ignored", extra.text),
        );
    }
    value
}

/// The one word of `keyword WORD`. keepalived keeps the first word and ignores the rest,
/// so extra words are a warning, not an error.
pub(super) fn first_word(n: &Node, cx: &mut Cx) -> Option<Spanned<String>> {
    cx.no_block(n);
    let name = &n.keyword.text;
    let Some(first) = n.args.first() else {
        cx.error(n.keyword.span, format!("`{name}` needs a value"));
        return None;
    };
    if let Some(extra) = n.args.get(1) {
        cx.warning(
            extra.span,
            format!(
                "`{name}` takes one word; `{}` and what follows are ignored",
                extra.text
            ),
        )
        .hint("put the value in double quotes if it contains spaces");
    }
    Some(spanned(first))
}

/// For keywords where the first occurrence wins: warns about a later one (pointing at
/// the first) and returns true when this one must be ignored.
pub(super) fn first_wins(cx: &mut Cx, n: &Node, first: Option<Span>) -> bool {
    let Some(first) = first else {
        return false;
    };
    let name = &n.keyword.text;
    cx.warning(
        n.keyword.span,
        format!("`{name}` is already set; this one is ignored (the first one wins)"),
    )
    .related(first, format!("`{name}` first set here"));
    true
}

/// A token's text with its span.
pub(super) fn spanned(t: &Token) -> Spanned<String> {
    Spanned {
        value: t.text.to_string(),
        span: t.span,
    }
}

/// A deprecated spelling whose replacement ha does not act on either.
pub(super) fn not_acted_either(cx: &mut Cx, n: &Node, new: &str, why: &str) {
    cx.note(
        n.keyword.span,
        format!("ha does not act on `{new}` either: {why}"),
    );
}

/// A process name: the kernel keeps 15 bytes.
pub(super) fn process_name(n: &Node, cx: &mut Cx) -> Option<String> {
    let w = first_word(n, cx)?;
    if w.value.len() <= 15 {
        return Some(w.value);
    }
    let mut cut = 15;
    while !w.value.is_char_boundary(cut) {
        cut -= 1;
    }
    let kept = w.value[..cut].to_string();
    cx.warning(
        w.span,
        format!(
            "`{}` is longer than 15 characters; keepalived keeps `{kept}`",
            n.keyword.text
        ),
    );
    Some(kept)
}

/// `*_rt_priority N`: keepalived clamps values outside SCHED_RR's 1-99 with an error.
pub(super) fn rt_priority(n: &Node, cx: &mut Cx) -> Option<u8> {
    let v = cx.int(n, i64::from(i32::MIN), i64::from(i32::MAX))?;
    let clamped = v.clamp(1, 99);
    if clamped != v {
        if let Some(t) = n.args.first() {
            cx.warning(
                t.span,
                format!(
                    "`{}` {v} is outside 1-99; keepalived uses {clamped}",
                    n.keyword.text
                ),
            );
        }
    }
    u8::try_from(clamped).ok()
}

/// `*_rlimit_rttime USECS`: 1 becomes 2 (keepalived halves it and needs a non-zero half).
pub(super) fn rlimit_rttime(n: &Node, cx: &mut Cx) -> Option<Duration> {
    let v = cx.uint(n, 1, u64::from(u32::MAX))?;
    if v == 1 {
        if let Some(t) = n.args.first() {
            cx.note(t.span, format!("`{}` 1 is taken as 2 µs", n.keyword.text));
        }
    }
    Some(Duration::from_micros(v.max(2)))
}

/// `*_cpu_affinity CPU...`: keepalived drops the whole set on any bad id.
pub(super) fn cpu_list(n: &Node, cx: &mut Cx) -> Option<Vec<u32>> {
    let args = cx.args(n, 1, None)?;
    let mut cpus = Vec::new();
    for t in args {
        // The upper bound depends on the host (online CPUs); 1023 is CPU_SETSIZE - 1.
        let cpu = cx.uint_token(&n.keyword.text, t, 0, 1023)?;
        cpus.push(cpu as u32);
    }
    Some(cpus)
}

/// A receive-buffer size in bytes; 0 means the system default.
pub(super) fn rcv_bufs(n: &Node, cx: &mut Cx) -> Option<Option<u32>> {
    let v = cx.uint(n, 0, u64::from(u32::MAX))?;
    Some((v != 0).then_some(v as u32))
}

/// `*notify_fifo PATH [USER [GROUP]]`, first one wins.
pub(super) fn fifo(slot: &mut Option<Fifo>, n: &Node, cx: &mut Cx) {
    let Some(args) = cx.args(n, 1, Some(3)) else {
        return;
    };
    if first_wins(cx, n, slot.as_ref().map(|f| f.span)) {
        return;
    }
    *slot = Some(Fifo {
        path: args[0].text.to_string(),
        user: args.get(1).map(spanned),
        group: args.get(2).map(spanned),
        span: args[0].span,
    });
}

/// A script keyword whose first occurrence wins.
pub(super) fn script_once(slot: &mut Option<Script>, n: &Node, cx: &mut Cx) {
    let Some(script) = cx.script(n) else {
        return;
    };
    if !first_wins(cx, n, slot.as_ref().map(|s| s.span)) {
        *slot = Some(script);
    }
}

/// A one-word setting whose first occurrence wins.
pub(super) fn word_once(slot: &mut Option<Spanned<String>>, n: &Node, cx: &mut Cx) {
    let Some(w) = first_word(n, cx) else {
        return;
    };
    if !first_wins(cx, n, slot.as_ref().map(|s| s.span)) {
        *slot = Some(w);
    }
}

/// `nftables [TABLE]` / `nftables_ipvs [TABLE]`, first one wins.
pub(super) fn nft_table(slot: &mut Option<Spanned<String>>, default: &str, n: &Node, cx: &mut Cx) {
    let Some(args) = cx.args(n, 0, Some(1)) else {
        return;
    };
    if first_wins(cx, n, slot.as_ref().map(|s| s.span)) {
        return;
    }
    let (value, span) = match args.first() {
        Some(t) => (t.text.to_string(), t.span),
        None => (default.to_string(), n.keyword.span),
    };
    // The kernel's NFT_TABLE_MAXNAMELEN (256) counts the terminating NUL.
    if value.len() >= 256 {
        cx.error(span, format!("`{}` table name is too long", n.keyword.text))
            .hint("nftables table names are at most 255 characters");
        return;
    }
    *slot = Some(Spanned { value, span });
}

/// `script_user USER [GROUP]`.
pub(super) fn script_user(n: &Node, cx: &mut Cx) -> Option<ScriptUser> {
    let args = cx.args(n, 1, Some(2))?;
    Some(ScriptUser {
        user: spanned(&args[0]),
        group: args.get(1).map(spanned),
    })
}

/// `smtp_server HOST [PORT]`: an IP address or a host name (resolved when mail is sent),
/// and a port (default 25).
pub(super) fn smtp_server(n: &Node, cx: &mut Cx) -> Option<SmtpServer> {
    let args = cx.args(n, 1, Some(2))?;
    let host_tok = &args[0];
    let port = match args.get(1) {
        Some(t) => cx.uint_token("smtp_server port", t, 1, 65535)? as u16,
        None => 25,
    };
    let text = host_tok.text.as_str();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(SmtpServer {
            host: SmtpHost::Ip(ip),
            port,
            span: host_tok.span,
        });
    }
    // `host:25` or `[v6]:25`: the port belongs in its own word.
    let host_port = match text.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            let h = h.trim_start_matches('[').trim_end_matches(']');
            (h.parse::<IpAddr>().is_ok() || is_host_name(h)).then(|| (h.to_string(), p))
        }
        _ => None,
    };
    if let Some((h, p)) = host_port {
        cx.error(
            host_tok.span,
            format!("`smtp_server` wants the port as a separate word, not `{text}`"),
        )
        .hint(format!("write `smtp_server {h} {p}`"));
        return None;
    }
    if is_host_name(text) {
        return Some(SmtpServer {
            host: SmtpHost::Name(text.to_string()),
            port,
            span: host_tok.span,
        });
    }
    cx.error(
        host_tok.span,
        format!("`smtp_server` wants an IP address or a host name, not `{text}`"),
    );
    None
}

/// A syntactically valid DNS name that is not a malformed IPv4 address.
fn is_host_name(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    let labels_ok = s.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    let all_numeric = s.split('.').all(|l| l.bytes().all(|b| b.is_ascii_digit()));
    labels_ok && !all_numeric
}

/// `notification_email { ADDRESS... }`: every word of every line is an address; the
/// blocks accumulate.
pub(super) fn notification_email(g: &mut Global, n: &Node, cx: &mut Cx) {
    if let Some(extra) = n.args.first() {
        cx.error(
            extra.span,
            "`notification_email` takes its addresses inside its braces",
        )
        .hint("notification_email {\n    admin@example.com\n}");
    }
    let Some(items) = cx.block(n) else {
        return;
    };
    if items.is_empty() {
        cx.warning(n.keyword.span, "empty `notification_email` block");
        return;
    }
    for item in items {
        if let Some(b) = &item.block {
            cx.error(b.open, "`notification_email` holds addresses, not blocks");
        }
        for w in std::iter::once(&item.keyword).chain(&item.args) {
            if !w.text.contains('@') || w.text.starts_with('@') || w.text.ends_with('@') {
                cx.warning(
                    w.span,
                    format!("`{}` does not look like an e-mail address", w.text),
                );
            }
            g.notification_email.push(spanned(w));
        }
    }
}

/// `lvs_timeouts [tcp S] [tcpfin S] [udp S]` (seconds, up to 31 days). Repeated lines
/// merge; 0 leaves the kernel's value, as in ipvsadm.
pub(super) fn lvs_timeouts(g: &mut Global, n: &Node, cx: &mut Cx) {
    let Some(args) = cx.args(n, 2, None) else {
        return;
    };
    const OPTIONS: [&str; 3] = ["tcp", "tcpfin", "udp"];
    let mut it = args.iter();
    while let Some(opt) = it.next() {
        if !OPTIONS.contains(&opt.text.as_str()) {
            cx.choice_token("lvs_timeouts", opt, &OPTIONS);
            // Skip its value too, so one mistake gives one error.
            if it
                .clone()
                .next()
                .is_some_and(|v| !OPTIONS.contains(&v.text.as_str()))
            {
                it.next();
            }
            continue;
        }
        let Some(val) = it.next() else {
            cx.error(
                opt.span,
                format!("`lvs_timeouts {}` needs a time in seconds", opt.text),
            );
            break;
        };
        let what = format!("lvs_timeouts {}", opt.text);
        let Some(secs) = cx.uint_token(&what, val, 0, 2_678_400) else {
            continue;
        };
        let value = if secs == 0 {
            cx.note(
                val.span,
                format!("`{what} 0` leaves the kernel's timeout unchanged"),
            );
            None
        } else {
            Some(Duration::from_secs(secs))
        };
        let t = &mut g.lvs_timeouts;
        match opt.text.as_str() {
            "tcp" => t.tcp = value,
            "tcpfin" => t.tcpfin = value,
            _ => t.udp = value,
        }
    }
}

/// `lvs_sync_daemon IF [inst NAME] [id N] [maxlen N] [port N] [ttl N] [group IP]`, and
/// the old positional form `IF NAME [ID]`. The first line wins.
pub(super) fn lvs_sync_daemon(g: &mut Global, n: &Node, cx: &mut Cx) {
    let Some(args) = cx.args(n, 1, None) else {
        return;
    };
    if first_wins(cx, n, g.lvs_sync_daemon.as_ref().map(|s| s.interface.span)) {
        return;
    }
    let ifname = &args[0];
    // IP_VS_IFNAME_MAXLEN is 16 with the terminating NUL.
    if ifname.text.len() >= 16 {
        cx.error(
            ifname.span,
            format!(
                "`lvs_sync_daemon` interface name `{}` is too long",
                ifname.text
            ),
        )
        .hint("interface names are at most 15 characters");
        return;
    }
    let mut sd = LvsSyncDaemon {
        interface: spanned(ifname),
        vrrp_instance: None,
        sync_id: None,
        maxlen: None,
        port: None,
        ttl: None,
        group: None,
    };
    const OPTIONS: [&str; 6] = ["inst", "id", "maxlen", "port", "ttl", "group"];
    let mut positional_instance = false;
    let mut i = 1;
    while i < args.len() {
        let opt = &args[i];
        let word = opt.text.as_str();
        if !OPTIONS.contains(&word) {
            if i == 1 {
                // Old form: `lvs_sync_daemon IF INSTANCE [SYNCID]`.
                sd.vrrp_instance = Some(spanned(opt));
                positional_instance = true;
            } else if i == 2 && positional_instance {
                if let Some(id) = cx.uint_token("lvs_sync_daemon id", opt, 0, 255) {
                    cx.warning(opt.span, "a sync id without `id` is an old form")
                        .hint(format!("write `id {}`", opt.text));
                    sd.sync_id = Some(id as u8);
                }
            } else {
                cx.choice_token("lvs_sync_daemon", opt, &OPTIONS);
                // Skip its value too, so one mistake gives one error.
                if args
                    .get(i + 1)
                    .is_some_and(|v| !OPTIONS.contains(&v.text.as_str()))
                {
                    i += 1;
                }
            }
            i += 1;
            continue;
        }
        let Some(val) = args.get(i + 1) else {
            cx.error(opt.span, format!("`lvs_sync_daemon {word}` needs a value"));
            break;
        };
        let what = format!("lvs_sync_daemon {word}");
        match word {
            "inst" => match &sd.vrrp_instance {
                Some(first) => {
                    cx.warning(val.span, "the sync daemon's instance is already given")
                        .related(first.span, "given here");
                }
                None => sd.vrrp_instance = Some(spanned(val)),
            },
            "id" => sd.sync_id = cx.uint_token(&what, val, 0, 255).map(|v| v as u8),
            // 65535 less the IP and UDP headers.
            "maxlen" => sd.maxlen = cx.uint_token(&what, val, 1, 65507).map(|v| v as u16),
            "port" => sd.port = cx.uint_token(&what, val, 1, 65535).map(|v| v as u16),
            "ttl" => sd.ttl = cx.uint_token(&what, val, 1, 255).map(|v| v as u8),
            _ => {
                if let Some(ip) = cx.ip_token(&what, val) {
                    if ip.is_multicast() {
                        sd.group = Some(ip);
                    } else {
                        cx.error(
                            val.span,
                            format!("`{what}` {ip} is not a multicast address"),
                        );
                    }
                }
            }
        }
        i += 2;
    }
    g.lvs_sync_daemon = Some(sd);
}

/// `vrrp_garp_extra_if [all] SECS` (words in any order, 1-86400 s).
pub(super) fn garp_extra_if(n: &Node, cx: &mut Cx) -> Option<GarpExtraIf> {
    let args = cx.args(n, 1, Some(2))?;
    let mut all = false;
    let mut interval = None;
    for t in args {
        if t.text == "all" {
            all = true;
        } else {
            interval = Some(cx.uint_token(&n.keyword.text, t, 1, 86400)?);
        }
    }
    let Some(secs) = interval else {
        cx.error(
            n.keyword.span,
            format!("`{}` needs a time in seconds", n.keyword.text),
        );
        return None;
    };
    Some(GarpExtraIf {
        all_interfaces: all,
        interval: Duration::from_secs(secs),
    })
}

const UMASK_BITS: [(&str, u32); 9] = [
    ("IRUSR", 0o400),
    ("IWUSR", 0o200),
    ("IXUSR", 0o100),
    ("IRGRP", 0o040),
    ("IWGRP", 0o020),
    ("IXGRP", 0o010),
    ("IROTH", 0o004),
    ("IWOTH", 0o002),
    ("IXOTH", 0o001),
];

/// `umask NUMBER` (C notation: 0x.. hex, 0.. octal, else decimal) or `umask BIT|BIT...`.
pub(super) fn umask(n: &Node, cx: &mut Cx) -> Option<u32> {
    let args = cx.args(n, 1, None)?;
    let first = &args[0];
    if first.text.starts_with(|c: char| c.is_ascii_digit()) {
        if let Some(extra) = args.get(1) {
            cx.error(
                extra.span,
                format!("`umask` takes one number; `{}` is one too many", extra.text),
            );
            return None;
        }
        let t = first.text.as_str();
        let parsed = if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            u32::from_str_radix(hex, 16)
        } else if t.len() > 1 && t.starts_with('0') {
            u32::from_str_radix(&t[1..], 8)
        } else {
            t.parse()
        };
        return match parsed {
            Ok(v) if v <= 0o777 => Some(v),
            _ => {
                cx.error(first.span, format!("`umask` {t} is not a file mode mask"))
                    .hint("write it in octal with a leading 0 (e.g. 022), at most 0777");
                None
            }
        };
    }
    // Bits joined by `|`, with or without spaces around it.
    let text: String = args.iter().map(|t| t.text.as_str()).collect();
    let span = n.head_span();
    let mut mask = 0;
    for part in text.split('|') {
        match UMASK_BITS.iter().find(|(name, _)| *name == part) {
            Some((_, bit)) => mask |= bit,
            None if part.is_empty() => {
                cx.error(span, "`umask` has an empty bit between `|`s")
                    .hint("e.g. `umask IWGRP|IWOTH`");
                return None;
            }
            None => {
                let names = UMASK_BITS.map(|(name, _)| name);
                let d = cx.error(span, format!("`umask` has an unknown bit `{part}`"));
                match did_you_mean(part, names) {
                    Some(s) => d.hint(format!("did you mean `{s}`?")),
                    None => d.hint(format!("bits are {}", names.join(", "))),
                };
                return None;
            }
        }
    }
    Some(mask)
}

/// `include_check [[+|-]read|match|wildcard_match|brace_match ...]`: no word = all
/// checks; an unsigned first word replaces the set, `+`/`-` add and remove; every
/// setting implies `read`.
pub(super) fn include_check(g: &mut Global, n: &Node, cx: &mut Cx) {
    let Some(args) = cx.args(n, 0, None) else {
        return;
    };
    let all = IncludeCheck {
        read: true,
        match_: true,
        wildcard_match: true,
        brace_match: true,
    };
    if args.is_empty() {
        g.reload.include_check = Some(all);
        return;
    }
    let mut set = g.reload.include_check.unwrap_or_default();
    const KINDS: [&str; 4] = ["read", "match", "wildcard_match", "brace_match"];
    for (i, t) in args.iter().enumerate() {
        let (sign, kind) = match t.text.strip_prefix('+') {
            Some(k) => (Some(true), k),
            None => match t.text.strip_prefix('-') {
                Some(k) => (Some(false), k),
                None => (None, t.text.as_str()),
            },
        };
        if sign.is_none() && i > 0 {
            cx.error(
                t.span,
                format!("`include_check` `{}` needs `+` or `-`", t.text),
            )
            .hint("only the first word may replace the set; add with `+`, remove with `-`");
            continue;
        }
        if include_flag(&mut IncludeCheck::default(), kind).is_none() {
            let d = cx.error(t.span, format!("unknown `include_check` type `{kind}`"));
            if kind == "readable" {
                d.hint("keepalived spells it `read`");
            } else if let Some(s) = did_you_mean(kind, KINDS) {
                d.hint(format!("did you mean `{s}`?"));
            } else {
                d.hint(format!("one of: {}", KINDS.join(", ")));
            }
            continue;
        }
        match sign {
            None => {
                set = IncludeCheck::default();
                if let Some(f) = include_flag(&mut set, kind) {
                    *f = true;
                }
                set.read = true;
            }
            Some(on) => {
                if let Some(f) = include_flag(&mut set, kind) {
                    *f = on;
                }
            }
        }
    }
    g.reload.include_check = Some(set);
}

fn include_flag<'a>(s: &'a mut IncludeCheck, kind: &str) -> Option<&'a mut bool> {
    match kind {
        "read" => Some(&mut s.read),
        "match" => Some(&mut s.match_),
        "wildcard_match" => Some(&mut s.wildcard_match),
        "brace_match" => Some(&mut s.brace_match),
        _ => None,
    }
}

/// `vrrp_rx_bufs_policy MTU|ADVERT|SIZE`. A size overrides MTU/ADVERT, and MTU overrides
/// ADVERT, as in keepalived. (keepalived reads a size from the first word whatever its
/// position; ha reads the size word itself.)
pub(super) fn rx_bufs_policy(n: &Node, cx: &mut Cx) -> Option<RxBufsPolicy> {
    let args = cx.args(n, 1, None)?;
    let (mut mtu, mut advert, mut size) = (None::<Span>, None::<Span>, None);
    for t in args {
        if t.text.eq_ignore_ascii_case("MTU") {
            mtu = Some(t.span);
        } else if t.text.eq_ignore_ascii_case("ADVERT") {
            advert = Some(t.span);
        } else {
            match t.text.parse::<u32>() {
                Ok(v) => size = Some(v),
                Err(_) => {
                    cx.error(
                        t.span,
                        format!("`vrrp_rx_bufs_policy` cannot be `{}`", t.text),
                    )
                    .hint("MTU, ADVERT or a size in bytes");
                }
            }
        }
    }
    if let Some(size) = size {
        for span in [mtu, advert].into_iter().flatten() {
            cx.warning(span, "a buffer size is also given: this policy is ignored");
        }
        return Some(RxBufsPolicy::Size(size));
    }
    match (mtu, advert) {
        (Some(_), Some(a)) => {
            cx.warning(a, "MTU is also given: ADVERT is ignored");
            Some(RxBufsPolicy::Mtu)
        }
        (Some(_), None) => Some(RxBufsPolicy::Mtu),
        (None, Some(_)) => Some(RxBufsPolicy::Advert),
        (None, None) => None,
    }
}

/// A timer where keepalived refuses 0 although 0 is its default: ha accepts it.
pub(super) fn zero_ok_timer(n: &Node, cx: &mut Cx, what_zero_means: &str) -> Option<Duration> {
    let max = Duration::from_micros(u64::from(u32::MAX));
    let d = cx.timer(n, Duration::ZERO, max)?;
    if d.is_zero() {
        if let Some(t) = n.args.first() {
            cx.note(t.span, format!("`{} 0`: {what_zero_means}", n.keyword.text))
                .hint("keepalived refuses 0 here; leave the line out for the same effect");
        }
    } else if d >= Duration::from_secs(1) {
        if let Some(t) = n.args.first() {
            cx.warning(
                t.span,
                format!(
                    "`{}` {} s is very large for a gap between messages",
                    n.keyword.text, t.text
                ),
            );
        }
    }
    Some(d)
}
