//! The C library's number and address readers as glibc 2.36 runs them, because ipvsadm's
//! accepted input is whatever they accept: `strtol`, `atoi`, `inet_aton` (octal, hex, short
//! forms, trailing blanks), `inet_pton` for IPv4 and IPv6.

use std::net::{Ipv4Addr, Ipv6Addr};

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `strtol(s, &end, 10)`: the value (saturated as glibc does on overflow), whether it
/// overflowed (ERANGE), and how many bytes were read (0 when no digits were found).
pub fn strtol(s: &str) -> (i64, bool, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && is_c_space(b[i]) {
        i += 1;
    }
    let mut negative = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        negative = b[i] == b'-';
        i += 1;
    }
    let digits_start = i;
    let mut value: i128 = 0;
    let mut overflow = false;
    while i < b.len() && b[i].is_ascii_digit() {
        if !overflow {
            value = value * 10 + i128::from(b[i] - b'0');
            if value > i128::from(i64::MAX) + 1 {
                overflow = true;
            }
        }
        i += 1;
    }
    if i == digits_start {
        return (0, false, 0);
    }
    let signed = if negative { -value } else { value };
    if overflow || signed > i128::from(i64::MAX) || signed < i128::from(i64::MIN) {
        let sat = if negative { i64::MIN } else { i64::MAX };
        return (sat, true, i);
    }
    (signed as i64, false, i)
}

/// ipvsadm's `string_to_number`: the whole string is a base-10 number in [min, max].
pub fn string_to_number(s: &str, min: i64, max: i64) -> Option<i64> {
    let (v, overflow, used) = strtol(s);
    (used > 0 && used == s.len() && !overflow && min <= v && v <= max).then_some(v)
}

/// `atoi`: `(int) strtol(s, NULL, 10)`.
pub fn atoi(s: &str) -> i32 {
    strtol(s).0 as i32
}

/// `strtoul(s, &end, 0)` from a string that starts with a digit: value (None on
/// overflow) and bytes read.
fn strtoul_base0(b: &[u8]) -> (Option<u64>, usize) {
    let (radix, mut i) = match b {
        [b'0', b'x' | b'X', h, ..] if h.is_ascii_hexdigit() => (16u64, 2),
        [b'0', ..] => (8, 0),
        _ => (10, 0),
    };
    let mut value: Option<u64> = Some(0);
    let start = i;
    while let Some(&c) = b.get(i) {
        let d = match (c as char).to_digit(radix as u32) {
            Some(d) => u64::from(d),
            None => break,
        };
        value = value
            .and_then(|v| v.checked_mul(radix))
            .and_then(|v| v.checked_add(d));
        i += 1;
    }
    if i == start {
        // "0x" without hex digits cannot happen (checked above); a lone "0" is octal zero.
        return (Some(0), start.max(1));
    }
    (value, i)
}

/// glibc's `inet_aton`: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x); the last
/// part fills the remaining bytes; trailing blanks and anything after them are ignored.
pub fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let b = s.as_bytes();
    let mut parts: Vec<u8> = Vec::new();
    let mut i = 0;
    let val = loop {
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (v, used) = strtoul_base0(&b[i..]);
        let v = v.filter(|&v| v <= 0xffff_ffff)?;
        i += used;
        if b.get(i) == Some(&b'.') {
            if parts.len() > 2 || v > 0xff {
                return None;
            }
            parts.push(v as u8);
            i += 1;
        } else {
            break v as u32;
        }
    };
    if let Some(&c) = b.get(i) {
        if !(c.is_ascii() && is_c_space(c)) {
            return None;
        }
    }
    let max: u32 = match parts.len() {
        0 => 0xffff_ffff,
        1 => 0x00ff_ffff,
        2 => 0xffff,
        _ => 0xff,
    };
    if val > max {
        return None;
    }
    let mut word: u32 = 0;
    for (n, p) in parts.iter().enumerate() {
        word |= u32::from(*p) << (24 - 8 * n);
    }
    Some(Ipv4Addr::from(word | val))
}

/// glibc's `inet_pton(AF_INET, ...)`: exactly four decimal parts, no leading zeros.
pub fn inet_pton4(s: &str) -> Option<Ipv4Addr> {
    inet_pton4_bytes(s.as_bytes())
}

fn inet_pton4_bytes(b: &[u8]) -> Option<Ipv4Addr> {
    let mut out = [0u8; 4];
    let mut octets = 0;
    let mut saw_digit = false;
    let mut cur: u32 = 0;
    for &ch in b {
        if ch.is_ascii_digit() {
            if saw_digit && cur == 0 {
                return None;
            }
            cur = cur * 10 + u32::from(ch - b'0');
            if cur > 255 {
                return None;
            }
            if !saw_digit {
                octets += 1;
                if octets > 4 {
                    return None;
                }
                saw_digit = true;
            }
            if let Some(o) = out.get_mut(octets - 1) {
                *o = cur as u8;
            }
        } else if ch == b'.' && saw_digit {
            if octets == 4 {
                return None;
            }
            saw_digit = false;
            cur = 0;
        } else {
            return None;
        }
    }
    (octets >= 4).then(|| Ipv4Addr::from(out))
}

/// glibc's `inet_pton(AF_INET6, ...)`.
pub fn inet_pton6(s: &str) -> Option<Ipv6Addr> {
    let b = s.as_bytes();
    let mut tmp = [0u8; 16];
    let mut tp = 0usize;
    let mut colonp: Option<usize> = None;
    let mut i = 0usize;
    if b.is_empty() {
        return None;
    }
    if b[0] == b':' {
        i = 1;
        if b.get(1) != Some(&b':') {
            return None;
        }
    }
    let mut curtok = i;
    let mut xdigits = 0;
    let mut val: u32 = 0;
    while i < b.len() {
        let ch = b[i];
        i += 1;
        if let Some(d) = (ch as char).to_digit(16) {
            if xdigits == 4 {
                return None;
            }
            val = (val << 4) | d;
            if val > 0xffff {
                return None;
            }
            xdigits += 1;
            continue;
        }
        if ch == b':' {
            curtok = i;
            if xdigits == 0 {
                if colonp.is_some() {
                    return None;
                }
                colonp = Some(tp);
                continue;
            } else if i == b.len() {
                return None;
            }
            if tp + 2 > 16 {
                return None;
            }
            tmp[tp] = (val >> 8) as u8;
            tmp[tp + 1] = val as u8;
            tp += 2;
            xdigits = 0;
            val = 0;
            continue;
        }
        if ch == b'.' && tp + 4 <= 16 {
            if let Some(v4) = inet_pton4_bytes(&b[curtok..]) {
                tmp[tp..tp + 4].copy_from_slice(&v4.octets());
                tp += 4;
                xdigits = 0;
                break;
            }
        }
        return None;
    }
    if xdigits > 0 {
        if tp + 2 > 16 {
            return None;
        }
        tmp[tp] = (val >> 8) as u8;
        tmp[tp + 1] = val as u8;
        tp += 2;
    }
    if let Some(c) = colonp {
        if tp == 16 {
            return None;
        }
        let n = tp - c;
        let moved: Vec<u8> = tmp[c..tp].to_vec();
        for x in tmp.iter_mut().skip(c) {
            *x = 0;
        }
        tmp[16 - n..].copy_from_slice(&moved);
        tp = 16;
    }
    (tp == 16).then(|| Ipv6Addr::from(tmp))
}

/// ipvsadm's `str_is_digit`: every byte a digit (true for the empty string).
pub fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtol_and_string_to_number() {
        assert_eq!(string_to_number(" 5", 0, 10), Some(5));
        assert_eq!(string_to_number("+5", 0, 10), Some(5));
        assert_eq!(string_to_number("5 ", 0, 10), None);
        assert_eq!(string_to_number("", 0, 10), None);
        assert_eq!(string_to_number("-1", 0, 10), None);
        assert_eq!(string_to_number("-0", 0, 10), Some(0));
        assert_eq!(string_to_number("99999999999999999999", 0, i64::MAX), None);
        assert_eq!(atoi("64abc"), 64);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi(" -3"), -3);
    }

    #[test]
    fn inet_aton_forms() {
        let a = |s| inet_aton(s).map(|a| a.to_string());
        assert_eq!(a("10.0.0.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(a("10.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(a("10.258").as_deref(), Some("10.0.1.2"));
        assert_eq!(a("167772161").as_deref(), Some("10.0.0.1"));
        assert_eq!(a("0x0a000001").as_deref(), Some("10.0.0.1"));
        assert_eq!(a("012.0.0.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(a("24").as_deref(), Some("0.0.0.24"));
        assert_eq!(a("10.0.0.1 junk").as_deref(), Some("10.0.0.1"));
        assert_eq!(a("09.0.0.1"), None);
        assert_eq!(a("256.0.0.1"), None);
        assert_eq!(a("1.2.3.4.5"), None);
        assert_eq!(a("1.2.3.256"), None);
        assert_eq!(a(""), None);
        assert_eq!(a("0x"), None);
        assert_eq!(a("4294967296"), None);
        assert_eq!(a("localhost"), None);
    }

    #[test]
    fn inet_pton_forms() {
        assert_eq!(inet_pton4("224.0.0.81"), Some(Ipv4Addr::new(224, 0, 0, 81)));
        assert_eq!(inet_pton4("224.1"), None);
        assert_eq!(inet_pton4("239.001.2.3"), None);
        assert_eq!(inet_pton4("0.0.0.0"), Some(Ipv4Addr::UNSPECIFIED));
        let six = |s| inet_pton6(s).map(|a| a.to_string());
        assert_eq!(six("fd00::1").as_deref(), Some("fd00::1"));
        assert_eq!(six("::").as_deref(), Some("::"));
        assert_eq!(six("::ffff:10.0.0.1").as_deref(), Some("::ffff:10.0.0.1"));
        assert_eq!(
            six("FD00:0000:0000:0000:0000:0000:0000:0064").as_deref(),
            Some("fd00::64")
        );
        assert_eq!(six("fd00::1:80").as_deref(), Some("fd00::1:80"));
        assert_eq!(six(":1"), None);
        assert_eq!(six("1:"), None);
        assert_eq!(six("1::2::3"), None);
        assert_eq!(six("12345::"), None);
        assert_eq!(six("1:2:3:4:5:6:7:8:9"), None);
        assert_eq!(six("1:2:3:4:5:6:7::8"), None);
        assert_eq!(six("10.0.0.1"), None);
    }
}

/// glibc's `inet_ntop`: IPv6 with the first longest run of zero words (two or more)
/// compressed, and the last 32 bits dotted for IPv4-compatible (`::a.b.c.d`) and
/// IPv4-mapped (`::ffff:a.b.c.d`) addresses.
pub fn ntop(addr: &std::net::IpAddr) -> String {
    let a = match addr {
        std::net::IpAddr::V4(a) => return a.to_string(),
        std::net::IpAddr::V6(a) => a,
    };
    let words = a.segments();
    let (mut best_base, mut best_len) = (None::<usize>, 0usize);
    let (mut cur_base, mut cur_len) = (None::<usize>, 0usize);
    for (i, w) in words.iter().enumerate() {
        if *w == 0 {
            match cur_base {
                None => {
                    cur_base = Some(i);
                    cur_len = 1;
                }
                Some(_) => cur_len += 1,
            }
        } else if cur_base.is_some() {
            if best_base.is_none() || cur_len > best_len {
                best_base = cur_base;
                best_len = cur_len;
            }
            cur_base = None;
        }
    }
    if cur_base.is_some() && (best_base.is_none() || cur_len > best_len) {
        best_base = cur_base;
        best_len = cur_len;
    }
    if best_len < 2 {
        best_base = None;
    }
    let mut out = String::new();
    let in_best = |i: usize| best_base.is_some_and(|b| i >= b && i < b + best_len);
    for (i, w) in words.iter().enumerate() {
        if in_best(i) {
            if best_base == Some(i) {
                out.push(':');
            }
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6
            && best_base == Some(0)
            && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))
        {
            let o = a.octets();
            out.push_str(&format!("{}.{}.{}.{}", o[12], o[13], o[14], o[15]));
            return out;
        }
        out.push_str(&format!("{w:x}"));
    }
    if best_base.is_some_and(|b| b + best_len == 8) {
        out.push(':');
    }
    out
}

#[cfg(test)]
mod ntop_tests {
    use super::*;

    #[test]
    fn ntop_like_glibc() {
        let n = |s: &str| ntop(&s.parse().unwrap());
        assert_eq!(n("fd00::1"), "fd00::1");
        assert_eq!(n("::"), "::");
        assert_eq!(n("::1"), "::1");
        assert_eq!(n("::2:3"), "::0.2.0.3");
        assert_eq!(n("::ffff:10.0.0.1"), "::ffff:10.0.0.1");
        assert_eq!(n("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
        assert_eq!(n("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
        assert_eq!(n("1:0:0:2:3:0:0:4"), "1::2:3:0:0:4");
        assert_eq!(n("fd00::"), "fd00::");
        assert_eq!(n("10.0.0.1"), "10.0.0.1");
    }
}
