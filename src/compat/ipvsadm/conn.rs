//! `ipvsadm -L -c`: the kernel's connection table (/proc/net/ip_vs_conn, IPv4 and IPv6
//! entries alike; ipvsadm 1.31 reads no other file) turned into ipvsadm's columns. The
//! file is read as ipvsadm reads it: in fgets chunks of at most 255 bytes, each parsed by
//! one sscanf.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::cnum::{inet_pton4, inet_pton6};
use super::listing::{addrport, Format};
use super::names::Names;
use crate::ipvs::Protocol;

pub const CONN_PROC_FILE: &str = "/proc/net/ip_vs_conn";

/// What `-L -c` printed, and how it ended when it ended early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnListing {
    pub stdout: String,
    pub stderr: String,
    /// Some(1) when ipvsadm exits before the end of the table.
    pub exit: Option<u8>,
}

/// fgets(buf, 256, f) over the whole file: lines, split after 255 bytes, cut at a NUL.
fn fgets_chunks(data: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let line_end = rest
            .iter()
            .position(|b| *b == b'\n')
            .map_or(rest.len(), |p| p + 1);
        let take = line_end.min(255);
        let mut chunk = &rest[..take];
        if let Some(nul) = chunk.iter().position(|b| *b == 0) {
            chunk = &chunk[..nul];
        }
        out.push(String::from_utf8_lossy(chunk).into_owned());
        rest = &rest[take..];
    }
    out
}

fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// A tiny sscanf over one chunk: `%s`, `%hX`, `%d` with blank skipping.
struct Scan<'a> {
    s: &'a str,
}

impl<'a> Scan<'a> {
    fn skip_blanks(&mut self) {
        self.s = self.s.trim_start_matches(is_c_space);
    }

    fn word(&mut self) -> Option<&'a str> {
        self.skip_blanks();
        let end = self.s.find(is_c_space).unwrap_or(self.s.len());
        if end == 0 {
            return None;
        }
        let (w, rest) = self.s.split_at(end);
        self.s = rest;
        Some(w)
    }

    /// Optional sign and digits of `radix` (hex also takes a 0x prefix); the value wraps.
    fn number(&mut self, radix: u32) -> Option<i64> {
        self.skip_blanks();
        let b = self.s.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if matches!(b.first(), Some(b'+' | b'-')) {
            negative = b[0] == b'-';
            i = 1;
        }
        if radix == 16
            && b.get(i) == Some(&b'0')
            && matches!(b.get(i + 1), Some(b'x' | b'X'))
            && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            i += 2;
        }
        let start = i;
        let mut v: i64 = 0;
        while let Some(d) = b.get(i).and_then(|c| (*c as char).to_digit(radix)) {
            v = v.wrapping_mul(i64::from(radix)).wrapping_add(i64::from(d));
            i += 1;
        }
        if i == start {
            return None;
        }
        self.s = &self.s[i..];
        Some(if negative { v.wrapping_neg() } else { v })
    }
}

/// The fields ipvsadm's sscanf fills, and how many it filled.
struct Fields<'a> {
    n: usize,
    protocol: &'a str,
    caddr: &'a str,
    cport: u16,
    vaddr: &'a str,
    vport: u16,
    daddr: &'a str,
    dport: u16,
    state: &'a str,
    expires: u32,
    pe_name: &'a str,
    pe_data: &'a str,
}

/// None where sscanf returns EOF (nothing but blanks).
fn scan(chunk: &str) -> Option<Fields<'_>> {
    let mut sc = Scan { s: chunk };
    let mut f = Fields {
        n: 0,
        protocol: "",
        caddr: "",
        cport: 0,
        vaddr: "",
        vport: 0,
        daddr: "",
        dport: 0,
        state: "",
        expires: 0,
        pe_name: "",
        pe_data: "",
    };
    sc.skip_blanks();
    if sc.s.is_empty() {
        return None;
    }
    macro_rules! step {
        ($e:expr) => {
            match $e {
                Some(v) => {
                    f.n += 1;
                    v
                }
                None => return Some(f),
            }
        };
    }
    f.protocol = step!(sc.word());
    f.caddr = step!(sc.word());
    f.cport = step!(sc.number(16)) as u16;
    f.vaddr = step!(sc.word());
    f.vport = step!(sc.number(16)) as u16;
    f.daddr = step!(sc.word());
    f.dport = step!(sc.number(16)) as u16;
    f.state = step!(sc.word());
    f.expires = step!(sc.number(10)) as i32 as u32;
    f.pe_name = step!(sc.word());
    f.pe_data = step!(sc.word());
    Some(f)
}

/// strtoul(s, NULL, 16) as an IPv4 address (the kernel writes them as 8 hex digits).
fn hex_v4(s: &str) -> Ipv4Addr {
    let t = s.trim_start_matches(is_c_space);
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let t = match t.get(..2) {
        Some("0x" | "0X") if t[2..].starts_with(|c: char| c.is_ascii_hexdigit()) => &t[2..],
        _ => t,
    };
    let digits: &str = &t[..t.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(t.len())];
    let v = u64::from_str_radix(digits, 16).unwrap_or(if digits.is_empty() { 0 } else { u64::MAX });
    let v = if negative { v.wrapping_neg() } else { v };
    Ipv4Addr::from(v as u32)
}

fn v4_or_hex(s: &str) -> Ipv4Addr {
    inet_pton4(s).unwrap_or_else(|| hex_v4(s))
}

fn one_line(chunk: &str, f: &Format, names: &dyn Names) -> Option<String> {
    let fields = scan(chunk)?;
    let proto = match fields.protocol {
        "TCP" => Some(Protocol::Tcp),
        "UDP" => Some(Protocol::Udp),
        "SCTP" => Some(Protocol::Sctp),
        _ => None,
    };
    let (caddr, vaddr) = if let Some(c) = inet_pton6(fields.caddr) {
        (
            IpAddr::V6(c),
            IpAddr::V6(inet_pton6(fields.vaddr).unwrap_or(Ipv6Addr::UNSPECIFIED)),
        )
    } else if let Some(c) = inet_pton4(fields.caddr) {
        (
            IpAddr::V4(c),
            IpAddr::V4(inet_pton4(fields.vaddr).unwrap_or(Ipv4Addr::UNSPECIFIED)),
        )
    } else {
        (
            IpAddr::V4(hex_v4(fields.caddr)),
            IpAddr::V4(hex_v4(fields.vaddr)),
        )
    };
    let daddr = match inet_pton6(fields.daddr) {
        Some(d) => IpAddr::V6(d),
        None => IpAddr::V4(v4_or_hex(fields.daddr)),
    };
    let cname = addrport(caddr, fields.cport, proto, f.numeric, names);
    let vname = addrport(vaddr, fields.vport, proto, f.numeric, names);
    let dname = addrport(daddr, fields.dport, proto, f.numeric, names);
    let expire = format!(
        "{:02}:{:02}",
        (fields.expires / 60) as i32,
        (fields.expires % 60) as i32
    );
    Some(if f.persistent_conn && fields.n == 11 {
        format!(
            "{:<3} {:<6} {:<11} {:<18} {:<18} {:<16} {:<18} {}\n",
            fields.protocol,
            expire,
            fields.state,
            cname,
            vname,
            dname,
            fields.pe_name,
            fields.pe_data
        )
    } else {
        format!(
            "{:<3} {:<6} {:<11} {:<18} {:<18} {}\n",
            fields.protocol, expire, fields.state, cname, vname, dname
        )
    })
}

/// The listing of a connection table's contents.
pub fn list(table: &[u8], f: &Format, names: &dyn Names) -> ConnListing {
    let chunks = fgets_chunks(table);
    let mut out = ConnListing {
        stdout: String::new(),
        stderr: String::new(),
        exit: None,
    };
    let Some((_, entries)) = chunks.split_first() else {
        out.stderr = format!("unexpected input from {CONN_PROC_FILE}\n");
        out.exit = Some(1);
        return out;
    };
    out.stdout.push_str("IPVS connection entries\n");
    if f.persistent_conn {
        out.stdout.push_str(&format!(
            "pro expire {:<11} {:<18} {:<18} {:<18} {:<16} {}\n",
            "state", "source", "virtual", "destination", "pe name", "pe_data"
        ));
    } else {
        out.stdout.push_str(&format!(
            "pro expire {:<11} {:<18} {:<18} {}\n",
            "state", "source", "virtual", "destination"
        ));
    }
    for chunk in entries {
        match one_line(chunk, f, names) {
            Some(line) => out.stdout.push_str(&line),
            None => {
                out.exit = Some(1);
                return out;
            }
        }
    }
    out
}

/// `cannot open file ...` when the table cannot be read.
pub fn unreadable() -> ConnListing {
    ConnListing {
        stdout: String::new(),
        stderr: format!("cannot open file {CONN_PROC_FILE}\n"),
        exit: Some(1),
    }
}
