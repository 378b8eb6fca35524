//! The order ipvsadm lists services and destinations in: libipvs's comparators, with their
//! 32-bit wrap-around (10.0.0.1 sorts after 200.0.0.1, fwmark services before address
//! services only when the mark is below 2^31), run by glibc 2.36's qsort, a top-down merge
//! sort. With a comparator that is not a total order the algorithm decides the result, so
//! this is that merge sort, not the standard library's.

use std::net::IpAddr;

use crate::ipvs::{Dest, Family, Protocol, Service, ServiceKey};

/// glibc's msort_with_tmp: split at n/2, sort both halves, merge taking from the left
/// half while `cmp(left, right) <= 0`.
pub fn glibc_msort<T: Clone>(v: &mut [T], cmp: &impl Fn(&T, &T) -> i32) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    glibc_msort(&mut v[..n1], cmp);
    glibc_msort(&mut v[n1..], cmp);
    let mut merged: Vec<T> = Vec::with_capacity(n);
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(&v[i], &v[j]) <= 0 {
            merged.push(v[i].clone());
            i += 1;
        } else {
            merged.push(v[j].clone());
            j += 1;
        }
    }
    merged.extend_from_slice(&v[i..n1]);
    merged.extend_from_slice(&v[j..n]);
    v.clone_from_slice(&merged);
}

/// An address as libipvs's `union nf_inet_addr` in host-order 32-bit words (an IPv4
/// address fills the first word, the rest are zero).
fn words(addr: &IpAddr) -> [u32; 4] {
    match addr {
        IpAddr::V4(a) => [u32::from(*a), 0, 0, 0],
        IpAddr::V6(a) => {
            let o = a.octets();
            let w = |i: usize| u32::from_be_bytes([o[i], o[i + 1], o[i + 2], o[i + 3]]);
            [w(0), w(4), w(8), w(12)]
        }
    }
}

/// `(int)(a - b)` on unsigned 32-bit values, as C computes it.
fn wrapping_diff(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

fn addr_diff(v6: bool, a: &[u32; 4], b: &[u32; 4]) -> i32 {
    if v6 {
        a.iter()
            .zip(b)
            .map(|(x, y)| wrapping_diff(*x, *y))
            .find(|r| *r != 0)
            .unwrap_or(0)
    } else {
        wrapping_diff(a[0], b[0])
    }
}

/// What libipvs compares a service by: fwmark, family, protocol, address, port (zero for
/// what a fwmark service lacks).
fn service_fields(s: &Service) -> (u32, u16, u16, [u32; 4], u16) {
    match s.key {
        ServiceKey::Fwmark { family, mark } => (mark, family.af(), 0, [0; 4], 0),
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => (
            0,
            Family::of(&addr).af(),
            Protocol::number(protocol),
            words(&addr),
            port,
        ),
    }
}

/// libipvs's ipvs_cmp_services.
pub fn cmp_services(a: &Service, b: &Service) -> i32 {
    let (fa, afa, pa, aa, porta) = service_fields(a);
    let (fb, afb, pb, ab, portb) = service_fields(b);
    let r = wrapping_diff(fa, fb);
    if r != 0 {
        return r;
    }
    let r = i32::from(afa) - i32::from(afb);
    if r != 0 {
        return r;
    }
    let r = i32::from(pa) - i32::from(pb);
    if r != 0 {
        return r;
    }
    let r = addr_diff(afa == Family::V6.af(), &aa, &ab);
    if r != 0 {
        return r;
    }
    i32::from(porta) - i32::from(portb)
}

/// libipvs's ipvs_cmp_dests (the first destination's family decides how much of the
/// address is compared).
pub fn cmp_dests(a: &Dest, b: &Dest) -> i32 {
    let r = addr_diff(a.addr.is_ipv6(), &words(&a.addr), &words(&b.addr));
    if r != 0 {
        return r;
    }
    i32::from(a.port) - i32::from(b.port)
}

pub fn sort_services<T: Clone>(v: &mut [T], service: impl Fn(&T) -> &Service) {
    glibc_msort(v, &|a: &T, b: &T| cmp_services(service(a), service(b)));
}

pub fn sort_dests(v: &mut [Dest]) {
    glibc_msort(v, &cmp_dests);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn tcp(a: [u8; 4], port: u16) -> Service {
        Service::new(ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: IpAddr::V4(Ipv4Addr::from(a)),
            port,
        })
    }

    fn fwm(mark: u32) -> Service {
        Service::new(ServiceKey::Fwmark {
            family: Family::V4,
            mark,
        })
    }

    #[test]
    fn addresses_compare_with_wrap_around() {
        // 10.x minus 200.x wraps to a positive int: 10.0.0.1 sorts after 200.0.0.1.
        let mut v = vec![tcp([10, 0, 0, 1], 80), tcp([200, 0, 0, 1], 80)];
        sort_services(&mut v, |s| s);
        assert_eq!(v[0], tcp([200, 0, 0, 1], 80));
        // A mark of 2^32-1 sorts before every address service; small marks after.
        let mut v = vec![fwm(7), tcp([10, 0, 0, 1], 80), fwm(u32::MAX)];
        sort_services(&mut v, |s| s);
        assert_eq!(v, vec![fwm(u32::MAX), tcp([10, 0, 0, 1], 80), fwm(7)]);
    }

    #[test]
    fn merge_sort_matches_a_stable_sort_on_total_orders() {
        let mut v: Vec<(u8, usize)> = [5u8, 3, 5, 1, 3, 9, 0, 5]
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i))
            .collect();
        let mut expected = v.clone();
        expected.sort_by_key(|(k, _)| *k);
        glibc_msort(&mut v, &|a: &(u8, usize), b: &(u8, usize)| {
            i32::from(a.0) - i32::from(b.0)
        });
        assert_eq!(v, expected);
    }
}
