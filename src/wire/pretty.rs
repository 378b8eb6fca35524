//! What `ha vrrp sniff` prints for each advertisement: one line of text in the spirit of
//! tcpdump, or one JSON object per line. The time is passed in (capture or receive time);
//! both forms show it in UTC.
//!
//! ```text
//! 01:22:45.009608 10.99.0.2 -> 224.0.0.18 VRRPv2 vrid 51 prio 90 auth pass "s3cr.t" intvl 1s addrs 10.99.0.100,10.99.0.101 cksum ok ttl 255
//! 01:22:26.603756 fe80::99:ff:fe00:1 -> ff02::12 VRRPv3 vrid 51 prio 0 intvl 0.25s addrs fd00:99::100,fd00:99::101 cksum ok ttl 255
//! ```
//!
//! JSON: `{"time":"2026-11-22T01:22:45.009608Z","src":"10.99.0.2","dst":"224.0.0.18",
//! "version":2,"vrid":51,"priority":90,"advert_int":1.0,"auth":{"type":"pass","code":1,
//! "pass":"s3cr.t"},"addresses":["10.99.0.100","10.99.0.101"],"checksum_ok":true,"ttl":255}`
//!
//! Passwords are shown with their zero padding dropped, `"` and `\` escaped with a
//! backslash, and any other byte outside printable ASCII as `\xNN`.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::vrrp::{Auth, ChecksumVariant, Packet, Received, Version};

/// A password (8 bytes, zero padded) as text: trailing zeros dropped, `"` and `\`
/// backslash-escaped, other bytes outside printable ASCII as `\xNN`.
pub fn escape_pass(data: &[u8]) -> String {
    let end = data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let mut s = String::new();
    for &b in &data[..end] {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(b as char),
            _ => {
                let _ = write!(s, "\\x{b:02x}");
            }
        }
    }
    s
}

/// An interval in centiseconds as seconds: `1s`, `0.05s`, `2.5s`.
pub fn interval(cs: u16) -> String {
    if cs % 100 == 0 {
        format!("{}s", cs / 100)
    } else {
        let frac = format!("{:02}", cs % 100);
        format!("{}.{}s", cs / 100, frac.trim_end_matches('0'))
    }
}

/// Seconds, microseconds and civil date of a time (UTC); times before 1970 show as 1970.
fn split_time(t: SystemTime) -> (u64, u32, (i64, u32, u32)) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    (secs, d.subsec_micros(), civil((secs / 86_400) as i64))
}

/// Days since 1970-01-01 to (year, month, day): Howard Hinnant's `civil_from_days`.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `HH:MM:SS.ffffff` (UTC).
pub fn clock(t: SystemTime) -> String {
    let (secs, micros, _) = split_time(t);
    let s = secs % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        micros
    )
}

/// RFC 3339 with microseconds, UTC: `2026-11-22T01:22:45.009608Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let (secs, micros, (y, m, d)) = split_time(t);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn auth_text(auth: &Auth) -> String {
    match auth {
        Auth::None => "auth none".into(),
        Auth::Pass(p) => format!("auth pass \"{}\"", escape_pass(p)),
        Auth::Ah => "auth ah".into(),
        Auth::Other(n) => format!("auth type {n}"),
    }
}

fn addresses(r: &Received) -> String {
    if r.advert.addresses.is_empty() {
        return "none".into();
    }
    let list: Vec<String> = r.advert.addresses.iter().map(|a| a.to_string()).collect();
    list.join(",")
}

/// The text line of an advertisement.
pub fn line(time: SystemTime, r: &Received) -> String {
    line_with(
        time,
        r,
        if r.checksum_ok {
            "cksum ok"
        } else {
            "cksum bad"
        },
    )
}

fn line_with(time: SystemTime, r: &Received, cksum: &str) -> String {
    let a = &r.advert;
    let mut s = format!(
        "{} {} -> {} {} vrid {} prio {}",
        clock(time),
        r.src,
        r.dst,
        a.version,
        a.vrid,
        a.priority
    );
    if a.version == Version::V2 {
        s.push(' ');
        s.push_str(&auth_text(&a.auth));
    }
    let _ = write!(
        s,
        " intvl {} addrs {} {} ttl {}",
        interval(a.interval_cs),
        addresses(r),
        cksum,
        r.ttl
    );
    s
}

/// The checksum words of a decoded packet: `cksum ok`, `cksum ok (old_unicast_checksum)`,
/// `cksum bad (ok as v3_checksum_as_v2)`, `cksum bad`.
fn packet_cksum(p: &Packet) -> String {
    match (p.received.checksum_ok, p.checksums.variant()) {
        (true, Some(ChecksumVariant::Rfc)) | (true, None) => "cksum ok".into(),
        (true, Some(v)) => format!("cksum ok ({v})"),
        (false, Some(v)) => format!("cksum bad (ok as {v})"),
        (false, None) => "cksum bad".into(),
    }
}

/// The text line of a decoded packet: as [`line`], the checksum words telling which
/// keepalived variant a checksum matches when it is not the RFC one.
pub fn line_packet(time: SystemTime, p: &Packet) -> String {
    line_with(time, &p.received, &packet_cksum(p))
}

/// The `auth` object of the JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthJson {
    /// `none`, `pass`, `ah` or `other`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The auth type field (0 for version 3, which has none).
    pub code: u8,
    /// The escaped password for type `pass`, else null.
    pub pass: Option<String>,
}

/// The JSON form of an advertisement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub time: String,
    pub src: String,
    pub dst: String,
    pub version: u8,
    pub vrid: u8,
    pub priority: u8,
    /// Seconds.
    pub advert_int: f64,
    pub auth: AuthJson,
    pub addresses: Vec<String>,
    pub checksum_ok: bool,
    /// The checksum computation that matched when not the RFC one (`old_unicast_checksum`,
    /// `v3_checksum_as_v2`); only from [`record_packet`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum_variant: Option<String>,
    pub ttl: u8,
}

/// The JSON record of an advertisement.
pub fn record(time: SystemTime, r: &Received) -> Record {
    let a = &r.advert;
    let auth = AuthJson {
        kind: match a.auth {
            Auth::None => "none",
            Auth::Pass(_) => "pass",
            Auth::Ah => "ah",
            Auth::Other(_) => "other",
        },
        code: a.auth.code(),
        pass: match &a.auth {
            Auth::Pass(p) => Some(escape_pass(p)),
            _ => None,
        },
    };
    Record {
        time: rfc3339(time),
        src: r.src.to_string(),
        dst: r.dst.to_string(),
        version: a.version.number(),
        vrid: a.vrid,
        priority: a.priority,
        advert_int: f64::from(a.interval_cs) / 100.0,
        auth,
        addresses: a.addresses.iter().map(|x| x.to_string()).collect(),
        checksum_ok: r.checksum_ok,
        checksum_variant: None,
        ttl: r.ttl,
    }
}

/// The JSON record of a decoded packet, with `checksum_variant` when it is not the RFC one.
pub fn record_packet(time: SystemTime, p: &Packet) -> Record {
    let mut rec = record(time, &p.received);
    rec.checksum_variant = match p.checksums.variant() {
        Some(ChecksumVariant::Rfc) | None => None,
        Some(v) => Some(v.to_string()),
    };
    rec
}

/// One line of JSON for an advertisement.
pub fn json(time: SystemTime, r: &Received) -> String {
    serde_json::to_string(&record(time, r)).unwrap_or_default()
}

/// One line of JSON for a decoded packet.
pub fn json_packet(time: SystemTime, p: &Packet) -> String {
    serde_json::to_string(&record_packet(time, p)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::vrrp::{self, Advert, EncodeOptions, Ipv4Params, MCAST_GROUP4};
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::Duration;

    fn at(secs: u64, micros: u32) -> SystemTime {
        UNIX_EPOCH + Duration::new(secs, micros * 1000)
    }

    fn rx(version: Version, auth: Auth, cs: u16) -> Received {
        Received {
            src: Ipv4Addr::new(10, 99, 0, 2).into(),
            dst: MCAST_GROUP4.into(),
            ttl: 255,
            advert: Advert {
                version,
                vrid: 51,
                priority: 90,
                interval_cs: cs,
                auth,
                addresses: vec![
                    Ipv4Addr::new(10, 99, 0, 100).into(),
                    Ipv4Addr::new(10, 99, 0, 101).into(),
                ],
            },
            checksum_ok: true,
        }
    }

    // 2026-11-22T01:22:45.009608Z
    const T: u64 = 1_795_310_565;

    #[test]
    fn text_lines() {
        let r = rx(Version::V2, Auth::pass(b"s3cr.t"), 100);
        assert_eq!(
            line(at(T, 9608), &r),
            "01:22:45.009608 10.99.0.2 -> 224.0.0.18 VRRPv2 vrid 51 prio 90 auth pass \"s3cr.t\" \
             intvl 1s addrs 10.99.0.100,10.99.0.101 cksum ok ttl 255"
        );
        let mut r = rx(Version::V3, Auth::None, 5);
        r.checksum_ok = false;
        r.ttl = 64;
        r.advert.addresses.clear();
        assert_eq!(
            line(at(T, 0), &r),
            "01:22:45.000000 10.99.0.2 -> 224.0.0.18 VRRPv3 vrid 51 prio 90 intvl 0.05s \
             addrs none cksum bad ttl 64"
        );
        for (auth, text) in [
            (Auth::None, "auth none"),
            (Auth::Ah, "auth ah"),
            (Auth::Other(7), "auth type 7"),
            (
                Auth::Pass(*b"a\"b\\c\x01\0\xff"),
                "auth pass \"a\\\"b\\\\c\\x01\\x00\\xff\"",
            ),
        ] {
            assert!(
                line(at(T, 0), &rx(Version::V2, auth, 100)).contains(text),
                "{text}"
            );
        }
    }

    #[test]
    fn intervals_and_escapes() {
        assert_eq!(interval(100), "1s");
        assert_eq!(interval(5), "0.05s");
        assert_eq!(interval(50), "0.5s");
        assert_eq!(interval(250), "2.5s");
        assert_eq!(interval(4095), "40.95s");
        assert_eq!(interval(0), "0s");
        assert_eq!(escape_pass(&[0; 8]), "");
        assert_eq!(escape_pass(b"\0abc\0\0\0\0"), "\\x00abc");
        assert_eq!(escape_pass(b"12345678"), "12345678");
    }

    #[test]
    fn times() {
        assert_eq!(rfc3339(at(T, 9608)), "2026-11-22T01:22:45.009608Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(at(951_782_400, 0)), "2000-02-29T00:00:00.000000Z");
        assert_eq!(
            rfc3339(at(4_107_542_399, 999_999)),
            "2100-02-28T23:59:59.999999Z"
        );
        assert_eq!(clock(at(86_399, 1)), "23:59:59.000001");
        assert_eq!(
            clock(UNIX_EPOCH - Duration::from_secs(5)),
            "00:00:00.000000"
        );
    }

    #[test]
    fn json_form() {
        let r = rx(Version::V2, Auth::pass(b"s3cr.t"), 100);
        let v: serde_json::Value = serde_json::from_str(&json(at(T, 9608), &r)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "time": "2026-11-22T01:22:45.009608Z",
                "src": "10.99.0.2",
                "dst": "224.0.0.18",
                "version": 2,
                "vrid": 51,
                "priority": 90,
                "advert_int": 1.0,
                "auth": {"type": "pass", "code": 1, "pass": "s3cr.t"},
                "addresses": ["10.99.0.100", "10.99.0.101"],
                "checksum_ok": true,
                "ttl": 255
            })
        );
        let v: serde_json::Value =
            serde_json::from_str(&json(at(T, 0), &rx(Version::V3, Auth::None, 5))).unwrap();
        assert_eq!(v["advert_int"], 0.05);
        assert_eq!(v["version"], 3);
        assert_eq!(
            v["auth"],
            serde_json::json!({"type": "none", "code": 0, "pass": null})
        );
        let v: serde_json::Value =
            serde_json::from_str(&json(at(T, 0), &rx(Version::V2, Auth::Other(9), 100))).unwrap();
        assert_eq!(v["auth"]["type"], "other");
        assert_eq!(v["auth"]["code"], 9);
    }

    #[test]
    fn packet_forms_name_the_checksum_variant() {
        let r = rx(Version::V3, Auth::None, 100);
        let peer = Ipv4Addr::new(10, 99, 0, 1);
        let src = Ipv4Addr::new(10, 99, 0, 2);
        let enc = |o: EncodeOptions| {
            let p = vrrp::encode_ipv4(&r.advert, src, peer, &Ipv4Params::default(), &o).unwrap();
            vrrp::decode_ipv4(&p).unwrap()
        };
        let t = at(T, 0);
        let p = enc(EncodeOptions::default());
        assert!(line_packet(t, &p).contains(" cksum ok ttl"));
        assert_eq!(record_packet(t, &p).checksum_variant, None);
        assert!(!json_packet(t, &p).contains("checksum_variant"));
        let p = enc(EncodeOptions {
            old_unicast_checksum: true,
            ..Default::default()
        });
        assert!(line_packet(t, &p).contains(" cksum ok (old_unicast_checksum) ttl"));
        assert!(json_packet(t, &p).contains("\"checksum_variant\":\"old_unicast_checksum\""));
        let p = enc(EncodeOptions {
            v3_checksum_as_v2: true,
            ..Default::default()
        });
        assert!(line_packet(t, &p).contains(" cksum bad (ok as v3_checksum_as_v2) ttl"));
        let mut bytes = vrrp::encode_ipv4(
            &r.advert,
            src,
            peer,
            &Ipv4Params::default(),
            &Default::default(),
        )
        .unwrap();
        bytes[26] ^= 0xff;
        let p = vrrp::decode_ipv4(&bytes).unwrap();
        assert!(line_packet(t, &p).contains(" cksum bad ttl"));
        assert_eq!(p.received.dst, IpAddr::V4(peer));
    }
}
