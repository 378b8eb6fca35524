//! Which received adverts an instance acts on: RFC 3768 7.1 / RFC 5798 7.1 as
//! keepalived 2.2.7 applies them (`vrrp_check_packet` in keepalived/vrrp/vrrp.c), in its
//! order, so that the reason counted for a packet with several faults is keepalived's.
//!
//! The codec has already checked what only bytes can show (lengths, packet type, IPv4
//! total length); the VRID and the state are checked by the caller.

use std::net::IpAddr;

use super::counters::{Drop, Rejected};
use super::settings::Settings;
use crate::wire::vrrp::{Auth, Received, Version};

fn reject(reason: Drop, detail: impl Into<String>) -> Result<(), Rejected> {
    Err(Rejected {
        reason,
        detail: detail.into(),
    })
}

fn auth_name(a: &Auth) -> String {
    match a {
        Auth::None => "none".into(),
        Auth::Pass(_) => "PASS".into(),
        Auth::Ah => "AH".into(),
        Auth::Other(n) => format!("type {n}"),
    }
}

/// keepalived's checks of one advert. `check_addr` is false only for a BACKUP with
/// `skip_check_adv_addr` hearing the master it last heard (then the address list and the
/// unicast source are not checked, as in keepalived).
pub fn check(s: &Settings, rx: &Received, check_addr: bool) -> Result<(), Rejected> {
    let a = &rx.advert;
    let unicast = s.unicast();

    // An AH header where none is expected is refused before anything else (ha never
    // expects one: it does not implement AH).
    if a.auth == Auth::Ah {
        return reject(
            Drop::AuthType,
            "received an AH header but auth type is not AH",
        );
    }

    // RFC 3768 7.1 / RFC 5798 7.1: "MUST verify that the IP TTL is 255" — keepalived
    // skips it for unicast, whose TTL bounds are checked with the source below.
    if !unicast && rx.ttl != 255 {
        return reject(Drop::Ttl, format!("TTL/hop limit {}, expected 255", rx.ttl));
    }

    if a.version != s.version {
        return reject(
            Drop::Version,
            format!(
                "version {}, expected {}",
                version_number(a.version),
                version_number(s.version)
            ),
        );
    }

    if s.version == Version::V2 {
        match (&a.auth, &s.auth_pass) {
            (Auth::Other(_), _) => {
                return reject(
                    Drop::AuthType,
                    format!("invalid auth type: {}", auth_name(&a.auth)),
                )
            }
            (Auth::None, None) => {}
            (Auth::Pass(got), Some(want)) => {
                if got != want {
                    return reject(Drop::Auth, "received an invalid password");
                }
            }
            (got, want) => {
                let want = if want.is_some() { "PASS" } else { "none" };
                return reject(
                    Drop::AuthType,
                    format!("received {} auth, expecting {want}", auth_name(got)),
                );
            }
        }
        // RFC 3768 7.1: the interval must be ours; keepalived drops (without counting)
        // "to prevent concurrent VRID running => multiple master in 1 VRID".
        let ours = (s.advert_int.as_secs() * 100) as u16;
        if a.interval_cs != ours {
            return reject(
                Drop::Interval,
                format!(
                    "advertisement interval mismatch: mine {} s, received {} s",
                    ours / 100,
                    a.interval_cs / 100
                ),
            );
        }
    }

    if check_addr && a.addresses.len() != s.vips.len() {
        return reject(
            Drop::AddressList,
            format!(
                "address count {}, expected {}",
                a.addresses.len(),
                s.vips.len()
            ),
        );
    }

    if !rx.checksum_ok {
        return reject(Drop::Checksum, "invalid checksum");
    }

    if rx.dst.is_multicast() == unicast {
        return reject(
            Drop::Destination,
            format!(
                "expected a {}icast advert, received a {}icast one (to {})",
                if unicast { "un" } else { "mult" },
                if unicast { "mult" } else { "un" },
                rx.dst
            ),
        );
    }

    if !check_addr {
        return Ok(());
    }

    // RFC 3768 7.1 "MAY verify that the IP address(es) associated with the VRID are
    // valid": keepalived drops the advert when one is missing.
    if let Some(missing) = s
        .vips
        .iter()
        .map(|v| v.addr.addr)
        .find(|ip| !a.addresses.contains(ip))
    {
        return reject(
            Drop::AddressList,
            format!("VIP {missing} is not in the advert"),
        );
    }

    if unicast && s.check_unicast_src {
        let Some(peer) = s.unicast_peers.iter().find(|p| p.address == rx.src) else {
            return reject(
                Drop::UnicastPeer,
                format!("unicast source {} is not a unicast peer", rx.src),
            );
        };
        if rx.ttl < peer.min_ttl || rx.ttl > peer.max_ttl {
            return reject(
                Drop::Ttl,
                format!(
                    "TTL/hop limit {} from {} not in {}-{}",
                    rx.ttl, rx.src, peer.min_ttl, peer.max_ttl
                ),
            );
        }
    }
    Ok(())
}

pub fn version_number(v: Version) -> u8 {
    match v {
        Version::V2 => 2,
        Version::V3 => 3,
    }
}

/// keepalived's `vrrp_saddr_cmp`: the sender's address against ours, as unsigned numbers.
pub fn addr_cmp(theirs: IpAddr, ours: Option<IpAddr>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (theirs, ours) {
        (IpAddr::V4(a), Some(IpAddr::V4(b))) => u32::from(a).cmp(&u32::from(b)),
        (IpAddr::V6(a), Some(IpAddr::V6(b))) => u128::from(a).cmp(&u128::from(b)),
        _ => Ordering::Equal,
    }
}
