//! Tracked objects: `vrrp_script`, `track_file` (and its old spelling `vrrp_track_file`),
//! `vrrp_track_process`, and the `track_*` lines that refer to them from instances and sync
//! groups (`NAME [weight W [reverse|noreverse]]`).

use std::time::Duration;

use serde::Serialize;

use super::read::{line_words, named_block, overwrites, value_block, Opts};
use crate::conf::ast::{Node, Token};
use crate::conf::model::{ser_opt_secs, ser_secs, Config};
use crate::conf::schema::{shell_words, Cx, Kw, Script, Status};
use crate::conf::source::Span;

/// What a `track_*` line refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    Interface,
    Script,
    File,
    Process,
    Bfd,
}

impl TrackKind {
    pub fn keyword(self) -> &'static str {
        match self {
            TrackKind::Interface => "track_interface",
            TrackKind::Script => "track_script",
            TrackKind::File => "track_file",
            TrackKind::Process => "track_process",
            TrackKind::Bfd => "track_bfd",
        }
    }

    /// The weight range keepalived accepts on the line.
    fn weight_range(self) -> (i64, i64) {
        match self {
            TrackKind::Bfd => (-253, 253),
            _ => (-254, 254),
        }
    }

    /// The line's options, for the catalogue.
    pub fn opts(self) -> Opts {
        match self {
            TrackKind::Interface => &[
                ("weight", Status::Supported),
                ("reverse", Status::Supported),
            ],
            _ => TRACK_OPTS,
        }
    }
}

const TRACK_OPTS: Opts = &[
    ("weight", Status::Supported),
    ("reverse", Status::Supported),
    ("noreverse", Status::Supported),
];

/// One `track_*` line: a reference by name, with the weight the tracking instance or group
/// applies.
#[derive(Debug, Clone, Serialize)]
pub struct TrackRef {
    pub name: String,
    #[serde(skip)]
    pub span: Span,
    /// The weight in effect: the line's, else the tracked object's own (interfaces: 0 =
    /// FAULT when down). Filled in by `resolve` for scripts, files, processes and BFD.
    pub weight: i32,
    /// Failure adds the weight instead of subtracting it (or the reverse for positive
    /// weights), as keepalived's `reverse`.
    pub reverse: bool,
    /// As written on the line (None: take the tracked object's).
    #[serde(skip)]
    pub given_weight: Option<i32>,
    #[serde(skip)]
    pub given_reverse: Option<bool>,
}

/// Reads the lines of a `track_*` block into `list` (duplicates are warned and dropped).
pub fn read_track_block(cx: &mut Cx, node: &Node, kind: TrackKind, list: &mut Vec<TrackRef>) {
    let Some(lines) = value_block(cx, node) else {
        return;
    };
    for line in lines {
        let Some(t) = track_line(cx, line, kind) else {
            continue;
        };
        if let Some(first) = list.iter().find(|x| x.name == t.name) {
            cx.warning(
                t.span,
                format!("`{}` is tracked twice; the first line is used", t.name),
            )
            .related(first.span, "first tracked here");
            continue;
        }
        list.push(t);
    }
}

fn track_line(cx: &mut Cx, line: &Node, kind: TrackKind) -> Option<TrackRef> {
    let words = line_words(line);
    let name = words[0];
    let mut t = TrackRef {
        name: name.text.to_string(),
        span: name.span,
        weight: 0,
        reverse: false,
        given_weight: None,
        given_reverse: None,
    };
    let kw = kind.keyword();
    let Some(opt) = words.get(1) else {
        return Some(t);
    };
    if !opt.is("weight") {
        let d = cx.error(
            opt.span,
            format!("unknown option `{}` in a {kw} line", opt.text),
        );
        if words.len() == 2 {
            d.hint("write one name per line, or `NAME weight W`");
        } else {
            d.hint(format!(
                "the only option is `weight W`: `{} weight -20`",
                name.text
            ));
        }
        return None;
    }
    let Some(w) = words.get(2) else {
        cx.error(opt.span, "`weight` needs a value");
        return None;
    };
    let (min, max) = kind.weight_range();
    let weight = cx.int_token("weight", w, min, max)?;
    // keepalived refuses +/-254 on these lines (it would wrap priorities) and uses 253.
    let weight = if weight.abs() == 254 {
        let clamped = weight.signum() * 253;
        cx.note(w.span, format!("weight {weight} is used as {clamped}"))
            .hint("weights are -253 to 253");
        clamped
    } else {
        weight
    };
    t.given_weight = Some(weight as i32);
    t.weight = weight as i32;
    if let Some(r) = words.get(3) {
        match r.text.as_str() {
            "reverse" => t.given_reverse = Some(true),
            "noreverse" if kind != TrackKind::Interface => t.given_reverse = Some(false),
            _ => {
                let allowed = if kind == TrackKind::Interface {
                    "`reverse`"
                } else {
                    "`reverse` or `noreverse`"
                };
                let d = cx.error(
                    r.span,
                    format!("unknown weight option `{}` in a {kw} line", r.text),
                );
                if r.text == "no_reverse" {
                    d.hint("it is spelt `noreverse`");
                } else {
                    d.hint(format!("after the weight only {allowed} may follow"));
                }
                return None;
            }
        }
        t.reverse = t.given_reverse.unwrap_or(false);
    }
    if let Some(extra) = words.get(4) {
        cx.error(
            extra.span,
            format!("unexpected `{}` at the end of a {kw} line", extra.text),
        );
        return None;
    }
    Some(t)
}

/// A weight keyword with optional `reverse`: `weight W [reverse]` in vrrp_script,
/// track_file, vrrp_track_process and bfd_instance.
/// `weight W [reverse]` of track_file and vrrp_track_process blocks, where the first one
/// given wins (as in keepalived).
fn first_weight(
    cx: &mut Cx,
    n: &Node,
    weight: &mut i32,
    reverse: &mut bool,
    span: &mut Option<Span>,
) {
    if let Some(first) = *span {
        cx.warning(
            n.keyword.span,
            "`weight` is given twice; the first one is used",
        )
        .related(first, "first given here");
        return;
    }
    if let Some((w, r)) = weight_kw(cx, n, -254, 254) {
        *weight = w;
        *reverse = r;
        *span = Some(n.keyword.span);
    }
}

pub fn weight_kw(cx: &mut Cx, node: &Node, min: i64, max: i64) -> Option<(i32, bool)> {
    let args = cx.args(node, 1, Some(2))?;
    let w = cx.int_token("weight", &args[0], min, max)?;
    let reverse = match args.get(1) {
        None => false,
        Some(r) if r.is("reverse") => true,
        Some(r) => {
            cx.error(r.span, format!("unknown weight option `{}`", r.text))
                .hint("only `reverse` may follow the weight");
            return None;
        }
    };
    Some((w as i32, reverse))
}

// ---------------------------------------------------------------------------------------
// vrrp_script

#[derive(Debug, Clone, Serialize)]
pub struct VrrpScript {
    pub name: String,
    #[serde(skip)]
    pub name_span: Span,
    pub script: Option<Script>,
    /// Default 1 s (whole seconds).
    #[serde(serialize_with = "ser_secs")]
    pub interval: Duration,
    /// None: the interval.
    #[serde(serialize_with = "ser_opt_secs")]
    pub timeout: Option<Duration>,
    /// -253..253; default 0 (a failure puts the instance in FAULT).
    pub weight: i32,
    pub reverse: bool,
    /// Successes needed to become OK (default 1).
    pub rise: u32,
    /// Failures needed to become failed (default 1).
    pub fall: u32,
    /// None: global `script_user`.
    pub user: Option<String>,
    pub group: Option<String>,
    #[serde(skip)]
    pub user_span: Option<Span>,
    /// Start in the failed state.
    pub init_fail: bool,
}

impl VrrpScript {
    fn new(name: &Token) -> Self {
        VrrpScript {
            name: name.text.to_string(),
            name_span: name.span,
            script: None,
            interval: Duration::from_secs(1),
            timeout: None,
            weight: 0,
            reverse: false,
            rise: 1,
            fall: 1,
            user: None,
            group: None,
            user_span: None,
            init_fail: false,
        }
    }
}

/// `script` in vrrp_script: keepalived runs only the first word after `script` (the command
/// must be quoted to carry arguments). A line with more words is read as the whole command,
/// with a warning, since that is plainly what it means.
fn script_command(cx: &mut Cx, node: &Node) -> Option<Script> {
    let args = cx.args(node, 1, None)?;
    if args.len() == 1 {
        return cx.script(node).map(|mut s| {
            s.user = None;
            s.group = None;
            s
        });
    }
    let mut argv = Vec::new();
    for t in args {
        if t.quoted {
            argv.push(t.text.to_string());
        } else {
            match shell_words(&t.text) {
                Ok(mut v) => argv.append(&mut v),
                Err(e) => {
                    cx.error(t.span, format!("`script`: {e}"));
                    return None;
                }
            }
        }
    }
    let command = args
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    cx.warning(
        args[1].span,
        format!(
            "keepalived runs only `{}` here and drops the rest; ha runs the whole line",
            args[0].text
        ),
    )
    .hint(format!(
        "quote the command so both agree: script \"{command}\""
    ));
    Some(Script {
        command,
        argv,
        user: None,
        group: None,
        span: args[0].span,
    })
}

pub const SCRIPT: &[Kw<VrrpScript>] = &[
    Kw::new("script", |s, n, cx| {
        if let Some(first) = &s.script {
            overwrites(cx, n, Some(first.span));
        }
        if let Some(sc) = script_command(cx, n) {
            s.script = Some(sc);
        }
    }),
    Kw::new("interval", |s, n, cx| {
        if let Some(v) = cx.uint(n, 0, 4294) {
            s.interval = Duration::from_secs(v.max(1));
            if v == 0 {
                cx.note(
                    n.args[0].span,
                    "interval 0 is read as 1 second, as keepalived",
                );
            }
        }
    }),
    Kw::new("timeout", |s, n, cx| {
        if let Some(v) = cx.uint(n, 0, 4294) {
            s.timeout = Some(Duration::from_secs(v.max(1)));
            if v == 0 {
                cx.note(
                    n.args[0].span,
                    "timeout 0 is read as 1 second, as keepalived",
                );
            }
        }
    }),
    Kw::new("weight", |s, n, cx| {
        if let Some((w, r)) = weight_kw(cx, n, -253, 253) {
            s.weight = w;
            s.reverse = r;
        }
    }),
    Kw::new("rise", |s, n, cx| {
        if let Some(v) = cx.uint(n, 1, i32::MAX as u64) {
            s.rise = v as u32;
        }
    }),
    Kw::new("fall", |s, n, cx| {
        if let Some(v) = cx.uint(n, 1, i32::MAX as u64) {
            s.fall = v as u32;
        }
    }),
    Kw::new("user", |s, n, cx| {
        if let Some(args) = cx.args(n, 1, Some(2)) {
            s.user = Some(args[0].text.to_string());
            s.group = args.get(1).map(|g| g.text.to_string());
            s.user_span = Some(args[0].span);
        }
    }),
    Kw::new("init_fail", |s, n, cx| s.init_fail = cx.flag(n)),
];

pub fn read_script(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some((name, items)) = named_block(cx, node) else {
        return;
    };
    let mut s = VrrpScript::new(name);
    cx.walk(&mut s, items, SCRIPT, "vrrp_script");
    if s.script.is_none() {
        cx.error(
            name.span,
            format!("vrrp_script `{}` has no `script`", s.name),
        )
        .hint("add `script \"/path/to/check args\"` to the block");
        return;
    }
    if let Some(first) = config.vrrp.scripts.iter().find(|x| x.name == s.name) {
        cx.warning(
            name.span,
            format!(
                "vrrp_script `{}` is defined twice; the first is used",
                s.name
            ),
        )
        .related(first.name_span, "first definition here");
        return;
    }
    config.vrrp.scripts.push(s);
}

// ---------------------------------------------------------------------------------------
// track_file

/// `init_file [VALUE] [overwrite]`: write VALUE to the file at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InitFile {
    pub value: i64,
    /// Also when the file exists (else only when missing).
    pub overwrite: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrackFile {
    pub name: String,
    #[serde(skip)]
    pub name_span: Span,
    pub file: Option<String>,
    #[serde(skip)]
    pub file_span: Option<Span>,
    /// -254..254, default 1: the file's number times the weight is added to the priority.
    pub weight: i32,
    pub reverse: bool,
    #[serde(skip)]
    weight_span: Option<Span>,
    pub init_file: Option<InitFile>,
}

pub const TRACK_FILE: &[Kw<TrackFile>] = &[
    Kw::new("file", |f, n, cx| {
        if let Some(first) = f.file_span {
            cx.warning(
                n.keyword.span,
                "`file` is given twice; the first one is used",
            )
            .related(first, "first given here");
            return;
        }
        if let Some(t) = cx.value(n) {
            f.file = Some(t.text.to_string());
            f.file_span = Some(t.span);
        }
    }),
    Kw::new("weight", |f, n, cx| {
        first_weight(cx, n, &mut f.weight, &mut f.reverse, &mut f.weight_span)
    }),
    Kw::new("init_file", |f, n, cx| {
        let Some(args) = cx.args(n, 0, Some(2)) else {
            return;
        };
        let mut init = InitFile {
            value: 0,
            overwrite: false,
        };
        for a in args {
            if a.is("overwrite") {
                init.overwrite = true;
            } else if let Some(v) =
                cx.int_token("init_file", a, i64::from(i32::MIN), i64::from(i32::MAX))
            {
                if !(-254..=254).contains(&v) {
                    cx.warning(
                        a.span,
                        format!("init_file value {v} is outside the sensible -254..254"),
                    );
                }
                init.value = v;
            }
        }
        f.init_file = Some(init);
    }),
];

/// `track_file NAME { ... }` and the deprecated `vrrp_track_file NAME { ... }`.
pub fn read_file(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some((name, items)) = named_block(cx, node) else {
        return;
    };
    let mut f = TrackFile {
        name: name.text.to_string(),
        name_span: name.span,
        file: None,
        file_span: None,
        weight: 1,
        reverse: false,
        weight_span: None,
        init_file: None,
    };
    cx.walk(&mut f, items, TRACK_FILE, &node.keyword.text);
    if f.file.is_none() {
        cx.error(name.span, format!("track_file `{}` has no `file`", f.name))
            .hint("add `file \"/path/to/file\"` to the block");
        return;
    }
    if let Some(first) = config.vrrp.track_files.iter().find(|x| x.name == f.name) {
        cx.warning(
            name.span,
            format!(
                "track_file `{}` is defined twice; the first is used",
                f.name
            ),
        )
        .related(first.name_span, "first definition here");
        return;
    }
    config.vrrp.track_files.push(f);
}

// ---------------------------------------------------------------------------------------
// vrrp_track_process

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamMatch {
    /// Only the process name (or path) is compared.
    #[default]
    None,
    /// The parameters must be exactly those given (none if none are given).
    Exact,
    /// The given parameters must start the command line.
    Initial,
    /// The given parameters may be a prefix of the last one compared.
    Partial,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrackProcess {
    pub name: String,
    #[serde(skip)]
    pub name_span: Span,
    /// Process name (/proc/PID/comm) or path.
    pub process: Option<String>,
    #[serde(skip)]
    pub process_span: Option<Span>,
    pub params: Vec<String>,
    pub param_match: ParamMatch,
    pub weight: i32,
    pub reverse: bool,
    #[serde(skip)]
    weight_span: Option<Span>,
    /// Processes that must run (default 1; 0 with quorum_max 0 = none may run).
    pub quorum: u32,
    /// None: unlimited.
    pub quorum_max: Option<u32>,
    #[serde(skip)]
    quorum_span: Option<Span>,
    #[serde(skip)]
    quorum_max_span: Option<Span>,
    #[serde(serialize_with = "ser_secs")]
    pub terminate_delay: Duration,
    #[serde(serialize_with = "ser_secs")]
    pub fork_delay: Duration,
    /// Compare the whole command line (/proc/PID/cmdline) instead of the name.
    pub full_command: bool,
}

fn process_delay(cx: &mut Cx, n: &Node) -> Option<Duration> {
    cx.timer(n, Duration::from_micros(1), Duration::from_secs(3600))
}

pub const TRACK_PROCESS: &[Kw<TrackProcess>] = &[
    Kw::new("process", |p, n, cx| {
        if let Some(first) = p.process_span {
            cx.warning(
                n.keyword.span,
                "`process` is given twice; the first one is used",
            )
            .related(first, "first given here");
            return;
        }
        let Some(args) = cx.args(n, 1, None) else {
            return;
        };
        p.process = Some(args[0].text.to_string());
        p.process_span = Some(args[0].span);
        p.params = args[1..].iter().map(|t| t.text.to_string()).collect();
        if !p.params.is_empty() {
            if p.param_match == ParamMatch::None {
                p.param_match = ParamMatch::Exact;
            }
            p.full_command = true;
        }
    }),
    Kw::new("param_match", |p, n, cx| {
        let Some(args) = cx.args(n, 0, Some(1)) else {
            return;
        };
        let m = match args.first() {
            None => Some(ParamMatch::Exact),
            Some(t) => cx
                .choice_token("param_match", t, &["initial", "partial"])
                .map(|c| {
                    if c == "initial" {
                        ParamMatch::Initial
                    } else {
                        ParamMatch::Partial
                    }
                }),
        };
        if let Some(m) = m {
            p.param_match = m;
            p.full_command = true;
        }
    }),
    Kw::new("weight", |p, n, cx| {
        first_weight(cx, n, &mut p.weight, &mut p.reverse, &mut p.weight_span)
    }),
    Kw::new("quorum", |p, n, cx| {
        if let Some(v) = cx.uint(n, 1, 65535) {
            p.quorum = v as u32;
            p.quorum_span = Some(n.args[0].span);
        }
    }),
    Kw::new("quorum_max", |p, n, cx| {
        if let Some(v) = cx.uint(n, 0, 65535) {
            p.quorum_max = Some(v as u32);
            p.quorum_max_span = Some(n.args[0].span);
        }
    }),
    Kw::new("delay", |p, n, cx| {
        if let Some(d) = process_delay(cx, n) {
            p.terminate_delay = d;
            p.fork_delay = d;
        }
    }),
    Kw::new("terminate_delay", |p, n, cx| {
        if let Some(d) = process_delay(cx, n) {
            p.terminate_delay = d;
        }
    }),
    Kw::new("fork_delay", |p, n, cx| {
        if let Some(d) = process_delay(cx, n) {
            p.fork_delay = d;
        }
    }),
    Kw::new("full_command", |p, n, cx| p.full_command = cx.flag(n)),
];

pub fn read_process(config: &mut Config, node: &Node, cx: &mut Cx) {
    let Some((name, items)) = named_block(cx, node) else {
        return;
    };
    let mut p = TrackProcess {
        name: name.text.to_string(),
        name_span: name.span,
        process: None,
        process_span: None,
        params: Vec::new(),
        param_match: ParamMatch::None,
        weight: 0,
        reverse: false,
        weight_span: None,
        quorum: 1,
        quorum_max: None,
        quorum_span: None,
        quorum_max_span: None,
        terminate_delay: Duration::ZERO,
        fork_delay: Duration::ZERO,
        full_command: false,
    };
    cx.walk(&mut p, items, TRACK_PROCESS, "vrrp_track_process");
    // Checked once the block is read, so the order of quorum and quorum_max does not matter.
    match (p.quorum_max, p.quorum_span) {
        (Some(0), Some(span)) => {
            cx.error(span, "`quorum` cannot be set with `quorum_max 0`")
                .hint("quorum_max 0 means no such process may run; remove `quorum`");
        }
        (Some(0), None) => p.quorum = 0,
        (Some(max), _) if max < p.quorum => {
            let span = p.quorum_max_span.unwrap_or(name.span);
            cx.error(
                span,
                format!("quorum_max {max} is below quorum {}", p.quorum),
            );
        }
        _ => {}
    }
    if p.process.is_none() {
        cx.error(
            name.span,
            format!("vrrp_track_process `{}` has no `process`", p.name),
        )
        .hint("add `process NAME [PARAMS...]` to the block");
        return;
    }
    if let Some(first) = config
        .vrrp
        .track_processes
        .iter()
        .find(|x| x.name == p.name)
    {
        cx.warning(
            name.span,
            format!(
                "vrrp_track_process `{}` is defined twice; the first is used",
                p.name
            ),
        )
        .related(first.name_span, "first definition here");
        return;
    }
    config.vrrp.track_processes.push(p);
}
