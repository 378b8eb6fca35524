//! The saved-rules format of `ipvsadm -S` / `ipvsadm -R` (ipvsadm 1.31), shared by the
//! ipvsadm personality and `ha ipvs save|restore`:
//! - [`save`] / [`service_rules`] write the rules byte for byte as `ipvsadm -S` does
//!   (services and destinations in ipvsadm's order, names unless numeric);
//! - [`read_rule_line`] splits the input into command lines as `ipvsadm -R` does (blanks
//!   separate words, a newline ends a command, the word `ipvsadm` is dropped, `#` is not
//!   special), and [`parse_rule`] reads one such line into the kernel operation it asks for.

use std::io::{self, BufRead};

use crate::compat::ipvsadm::args::{self, Action};
use crate::compat::ipvsadm::cnum::ntop;
use crate::compat::ipvsadm::listing::{addrport, has_sched_flags, sched_flags, service_protocol};
use crate::compat::ipvsadm::names::Names;
use crate::compat::ipvsadm::sort;
use crate::ipvs::TunnelType;
use crate::ipvs::{Dest, Family, Forward, Op, Protocol, Service, ServiceFlags, ServiceKey};

/// The service part of a rule: `-t addr:port`, `--sctp-service ...`, `-f mark [-6]`.
fn service_switch(svc: &Service, numeric: bool, names: &dyn Names) -> String {
    match svc.key {
        ServiceKey::Fwmark { family, mark } => match family {
            Family::V6 => format!("-f {} -6", mark as i32),
            Family::V4 => format!("-f {}", mark as i32),
        },
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => {
            let switch = match protocol {
                Protocol::Tcp => "-t",
                Protocol::Udp => "-u",
                Protocol::Sctp => "--sctp-service",
            };
            format!(
                "{switch} {}",
                addrport(addr, port, Some(protocol), numeric, names)
            )
        }
    }
}

fn forward_switch(f: Forward) -> &'static str {
    match f {
        Forward::Masq => "-m",
        Forward::Tunnel => "-i",
        Forward::Local | Forward::Route => "-g",
        Forward::Bypass => "(null)",
    }
}

fn checksum_option(flags: u16) -> &'static str {
    match flags {
        0 => "--tun-nocsum",
        1 => "--tun-csum",
        2 => "--tun-remcsum",
        _ => "(null)",
    }
}

/// The `-A` line of a service and an `-a` line per destination, in the given order.
pub fn service_rules(svc: &Service, dests: &[Dest], numeric: bool, names: &dyn Names) -> String {
    let name = service_switch(svc, numeric, names);
    let mut out = format!("-A {name} -s {}", svc.scheduler);
    if svc.is_persistent() {
        out.push_str(&format!(" -p {}", svc.timeout));
        match svc.key.family() {
            Family::V4 if svc.netmask != u32::MAX => out.push_str(&format!(
                " -M {}",
                ntop(&std::net::IpAddr::V4(svc.netmask.into()))
            )),
            Family::V6 if svc.netmask != 128 => {
                out.push_str(&format!(" -M {}", svc.netmask as i32))
            }
            _ => {}
        }
    }
    if let Some(pe) = svc.pe_name.as_deref().filter(|p| !p.is_empty()) {
        out.push_str(&format!(" --pe {pe}"));
    }
    if svc.flags.has(ServiceFlags::ONEPACKET) {
        out.push_str(" -o");
    }
    if has_sched_flags(svc) {
        out.push_str(&format!(" -b {}", sched_flags(svc)));
    }
    out.push('\n');
    let proto = service_protocol(svc);
    for d in dests {
        let dname = addrport(d.addr, d.port, proto, numeric, names);
        let head = format!(
            "-a {name} -r {dname} {} -w {}",
            forward_switch(d.forward),
            d.weight
        );
        out.push_str(&head);
        if d.forward == Forward::Tunnel {
            let t = d.tunnel;
            match t.kind {
                TunnelType::Gre => {
                    out.push_str(&format!(" --tun-type gre {}", checksum_option(t.flags.0)))
                }
                TunnelType::Gue => out.push_str(&format!(
                    " --tun-type gue --tun-port {} {}",
                    t.port,
                    checksum_option(t.flags.0)
                )),
                TunnelType::Ipip => out.push_str(" --tun-type ipip"),
            }
        }
        out.push('\n');
    }
    out
}

/// `ipvsadm -S [-n]`: every service (with its destinations) in ipvsadm's order.
pub fn save(services: &[(Service, Vec<Dest>)], numeric: bool, names: &dyn Names) -> String {
    let mut all = services.to_vec();
    sort::sort_services(&mut all, |(s, _)| s);
    let mut out = String::new();
    for (svc, dests) in &mut all {
        sort::sort_dests(dests);
        out.push_str(&service_rules(svc, dests, numeric, names));
    }
    out
}

/// Tokens longer than this are split, as ipvsadm's fixed-size scanf buffer splits them.
const MAX_TOKEN: usize = 4096;

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn peek(r: &mut dyn BufRead) -> io::Result<Option<u8>> {
    loop {
        match r.fill_buf() {
            Ok(buf) => return Ok(buf.first().copied()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// The next command line of a restore stream as ipvsadm 1.31's config_stream_read splits
/// it: Some(words) per line (possibly empty), None at the end. Quirks kept: a last line
/// without a newline that ends in two or more blanks is dropped, and a stream that ends in
/// blanks after a newline ends there.
pub fn read_rule_line(r: &mut dyn BufRead) -> io::Result<Option<Vec<String>>> {
    let mut words: Vec<String> = Vec::new();
    while let Some(c) = peek(r)? {
        if is_blank(c) {
            // scanf matched nothing: ipvsadm skips blanks by hand, and a newline ends the
            // line, the end of input the whole stream (words read so far included).
            loop {
                match peek(r)? {
                    None => return Ok(None),
                    Some(b) if is_blank(b) => {
                        r.consume(1);
                        if b == b'\n' {
                            return Ok(Some(words));
                        }
                    }
                    Some(_) => break,
                }
            }
            continue;
        }
        let mut token: Vec<u8> = Vec::new();
        while token.len() < MAX_TOKEN {
            match peek(r)? {
                Some(b) if !is_blank(b) => {
                    token.push(b);
                    r.consume(1);
                }
                _ => break,
            }
        }
        let tail = match peek(r)? {
            Some(b) if is_blank(b) => {
                r.consume(1);
                Some(b)
            }
            _ => None,
        };
        if let Some(nul) = token.iter().position(|b| *b == 0) {
            token.truncate(nul);
        }
        let word = String::from_utf8_lossy(&token).into_owned();
        if word != "ipvsadm" {
            words.push(word);
        }
        if tail == Some(b'\n') {
            return Ok(Some(words));
        }
    }
    Ok((!words.is_empty()).then_some(words))
}

/// Why a saved line is not a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError(pub String);

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RuleError {}

/// One saved line (its words, as [`read_rule_line`] gives them) read as ipvsadm reads it:
/// the kernel operation it asks for, or ipvsadm's message for why not (listing, help and
/// restore lines are not rules).
pub fn parse_rule(words: &[String], names: &dyn Names) -> Result<Op, RuleError> {
    let argv: Vec<String> = std::iter::once("ipvsadm".to_string())
        .chain(words.iter().cloned())
        .collect();
    match args::parse(&argv, names, false) {
        Ok(Action::Apply(op)) => Ok(op),
        Ok(_) => Err(RuleError(format!(
            "`{}' is not a rule (it lists, saves or restores)",
            words.join(" ")
        ))),
        Err(args::Refusal::Exit { stderr, .. } | args::Refusal::Failed { stderr }) => {
            Err(RuleError(stderr.trim_end().to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compat::ipvsadm::names::NoNames;

    fn lines(input: &str) -> Vec<Vec<String>> {
        let mut r = std::io::Cursor::new(input.as_bytes().to_vec());
        let mut out = Vec::new();
        while let Ok(Some(words)) = read_rule_line(&mut r) {
            out.push(words);
        }
        out
    }

    fn w(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn lines_split_as_ipvsadm_restore_splits_them() {
        assert_eq!(
            lines("-A -t 10.0.0.1:80\n\n  -C\t\r\nipvsadm -Z ipvsadm\n"),
            vec![
                w(&["-A", "-t", "10.0.0.1:80"]),
                w(&[]),
                w(&["-C"]),
                w(&["-Z"])
            ]
        );
        // `#` is an ordinary word.
        assert_eq!(lines("# x\n"), vec![w(&["#", "x"])]);
        // A last line without a newline counts, unless it ends in two blanks.
        assert_eq!(lines("-C"), vec![w(&["-C"])]);
        assert_eq!(lines("-C "), vec![w(&["-C"])]);
        assert_eq!(lines("-Z\n-C  "), vec![w(&["-Z"])]);
    }

    #[test]
    fn rules_read_back_as_operations() {
        let rule = |s: &str| parse_rule(&w(&s.split(' ').collect::<Vec<_>>()), &NoNames);
        assert!(matches!(
            rule("-A -t 10.0.0.1:80 -s rr"),
            Ok(Op::AddService(s)) if s.scheduler == "rr"
        ));
        assert!(matches!(
            rule("-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -m -w 3"),
            Ok(Op::AddDest(_, d)) if d.port == 8080 && d.weight == 3
        ));
        assert_eq!(
            rule("-A -t 10.0.0.1:80 -w 3"),
            Err(RuleError(
                "Illegal 'weight' option with the 'add-service' command".into()
            ))
        );
        assert!(rule("-Ln").is_err());
    }
}
