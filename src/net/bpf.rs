//! Classic BPF socket filters (SO_ATTACH_FILTER), written as data: the one that keeps a
//! capture socket to VRRP frames, and the one that keeps a send-only socket from queueing
//! anything (keepalived's `if_setsockopt_no_receive`).

use nix::libc;

/// One classic BPF instruction (`struct sock_filter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

const fn stmt(code: u32, k: u32) -> Insn {
    Insn {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

/// A conditional jump: `jt` / `jf` count instructions after this one.
const fn jump(code: u32, k: u32, jt: u8, jf: u8) -> Insn {
    Insn {
        code: code as u16,
        jt,
        jf,
        k,
    }
}

const LD_H_ABS: u32 = libc::BPF_LD | libc::BPF_H | libc::BPF_ABS;
const LD_B_IND: u32 = libc::BPF_LD | libc::BPF_B | libc::BPF_IND;
const LDX_IMM: u32 = libc::BPF_LDX | libc::BPF_W | libc::BPF_IMM;
const AND_K: u32 = libc::BPF_ALU | libc::BPF_AND | libc::BPF_K;
const LSH_K: u32 = libc::BPF_ALU | libc::BPF_LSH | libc::BPF_K;
const ADD_X: u32 = libc::BPF_ALU | libc::BPF_ADD | libc::BPF_X;
const TAX: u32 = libc::BPF_MISC | libc::BPF_TAX;
const JEQ_K: u32 = libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K;
const RET_K: u32 = libc::BPF_RET | libc::BPF_K;

const ETHERTYPE_IPV4: u32 = 0x0800;
const ETHERTYPE_IPV6: u32 = 0x86dd;
const ETHERTYPE_8021Q: u32 = 0x8100;
const ETHERTYPE_8021AD: u32 = 0x88a8;
const PROTO_VRRP: u32 = crate::wire::vrrp::PROTO_VRRP as u32;
/// IPsec AH: keepalived's `auth_type AH` sends VRRPv2 behind an AH header.
const PROTO_AH: u32 = 51;

/// Return value that keeps the whole frame.
const KEEP_ALL: u32 = u32::MAX;

/// Drops everything: the filter of a socket that only sends.
pub const DROP_ALL: [Insn; 1] = [stmt(RET_K, 0)];

/// Keeps Ethernet frames carrying VRRP: IPv4 protocol 112, IPv4 AH whose next header is 112,
/// IPv6 next header 112; untagged or behind one 802.1Q/802.1ad tag (the kernel usually
/// strips the tag of received frames before a packet socket sees them, but not always of
/// the ones it sends). Loads past the end of a frame make the kernel drop it.
pub const VRRP_ONLY: [Insn; 22] = [
    /* 0 */ stmt(LDX_IMM, 14), // X = offset of the IP header in an untagged frame
    /* 1 */ stmt(LD_H_ABS, 12), // A = EtherType
    /* 2 */ jump(JEQ_K, ETHERTYPE_8021Q, 1, 0), // 802.1Q tag: -> 4
    /* 3 */ jump(JEQ_K, ETHERTYPE_8021AD, 0, 2), // 802.1ad tag: -> 4, else -> 6
    /* 4 */ stmt(LDX_IMM, 18), // X = offset of the IP header behind one tag
    /* 5 */ stmt(LD_H_ABS, 16), // A = EtherType behind the tag
    /* 6 */ jump(JEQ_K, ETHERTYPE_IPV4, 0, 10), // IPv4: -> 7, else -> 17
    /* 7 */ stmt(LD_B_IND, 9), // A = IPv4 protocol
    /* 8 */ jump(JEQ_K, PROTO_VRRP, 12, 0), // VRRP: -> 21 keep
    /* 9 */ jump(JEQ_K, PROTO_AH, 0, 10), // AH: -> 10, else -> 20 drop
    /* 10 */ stmt(LD_B_IND, 0), // A = version and header length
    /* 11 */ stmt(AND_K, 0x0f), // A = header length in 32-bit words
    /* 12 */ stmt(LSH_K, 2), // A = header length in bytes
    /* 13 */ stmt(ADD_X, 0), // A = offset of the AH header
    /* 14 */ stmt(TAX, 0), // X = A
    /* 15 */ stmt(LD_B_IND, 0), // A = AH next header
    /* 16 */ jump(JEQ_K, PROTO_VRRP, 4, 3), // VRRP: -> 21 keep, else -> 20 drop
    /* 17 */ jump(JEQ_K, ETHERTYPE_IPV6, 0, 2), // IPv6: -> 18, else -> 20 drop
    /* 18 */ stmt(LD_B_IND, 6), // A = IPv6 next header
    /* 19 */ jump(JEQ_K, PROTO_VRRP, 1, 0), // VRRP: -> 21 keep, else -> 20 drop
    /* 20 */ stmt(RET_K, 0), // drop
    /* 21 */ stmt(RET_K, KEEP_ALL), // keep the whole frame
];

/// Attaches `program` to the socket (SO_ATTACH_FILTER); the kernel checks it.
pub fn attach(sock: &socket2::Socket, program: &[Insn]) -> std::io::Result<()> {
    let filter: Vec<libc::sock_filter> = program
        .iter()
        .map(|i| libc::sock_filter {
            code: i.code,
            jt: i.jt,
            jf: i.jf,
            k: i.k,
        })
        .collect();
    sock.attach_filter(&filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a classic BPF program over a frame the way the kernel does, for the instructions
    /// the programs here use; an unknown instruction or a load past the end returns 0.
    fn run(program: &[Insn], frame: &[u8]) -> u32 {
        let (mut a, mut x, mut pc) = (0u32, 0u32, 0usize);
        let load = |at: u32, size: usize| -> Option<u32> {
            let at = usize::try_from(at).ok()?;
            let b = frame.get(at..at.checked_add(size)?)?;
            Some(b.iter().fold(0u32, |acc, &v| (acc << 8) | u32::from(v)))
        };
        while let Some(i) = program.get(pc) {
            pc += 1;
            let code = u32::from(i.code);
            match code {
                c if c == LDX_IMM => x = i.k,
                c if c == LD_H_ABS => match load(i.k, 2) {
                    Some(v) => a = v,
                    None => return 0,
                },
                c if c == LD_B_IND => match load(x.wrapping_add(i.k), 1) {
                    Some(v) => a = v,
                    None => return 0,
                },
                c if c == AND_K => a &= i.k,
                c if c == LSH_K => a <<= i.k,
                c if c == ADD_X => a = a.wrapping_add(x),
                c if c == TAX => x = a,
                c if c == JEQ_K => {
                    pc += usize::from(if a == i.k { i.jt } else { i.jf });
                }
                c if c == RET_K => return i.k,
                _ => return 0,
            }
        }
        0
    }

    fn eth(ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0x01, 0x00, 0x5e, 0, 0, 0x12, 2, 0, 0, 0, 0, 1];
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    fn tagged(tpid: u16, ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0x01, 0x00, 0x5e, 0, 0, 0x12, 2, 0, 0, 0, 0, 1];
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&[0x00, 0x64]); // VLAN 100
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    /// An IPv4 header with `ihl` words and this protocol, followed by 8 bytes of payload.
    fn ipv4(proto: u8, ihl: u8) -> Vec<u8> {
        let mut h = vec![0u8; usize::from(ihl) * 4];
        h[0] = 0x40 | ihl;
        h[8] = 255;
        h[9] = proto;
        h.extend_from_slice(&[0x21, 1, 100, 1, 0, 1, 0, 0]);
        h
    }

    fn ipv4_ah(next: u8) -> Vec<u8> {
        let mut p = ipv4(51, 5);
        p.truncate(20);
        p.extend_from_slice(&[next, 4, 0, 0, 0, 0, 0, 1]);
        p
    }

    fn ipv6(next: u8) -> Vec<u8> {
        let mut h = vec![0u8; 40];
        h[0] = 0x60;
        h[6] = next;
        h[7] = 255;
        h.extend_from_slice(&[0x31, 1, 100, 1, 0, 100, 0, 0]);
        h
    }

    #[test]
    fn vrrp_frames_pass() {
        let keep = |f: &[u8]| run(&VRRP_ONLY, f) == KEEP_ALL;
        assert!(keep(&eth(0x0800, &ipv4(112, 5))));
        assert!(keep(&eth(0x0800, &ipv4(112, 6))), "with IP options");
        assert!(keep(&eth(0x86dd, &ipv6(112))));
        assert!(keep(&eth(0x0800, &ipv4_ah(112))));
        assert!(keep(&tagged(0x8100, 0x0800, &ipv4(112, 5))));
        assert!(keep(&tagged(0x88a8, 0x86dd, &ipv6(112))));
    }

    #[test]
    fn other_traffic_is_dropped() {
        let drop = |f: &[u8]| run(&VRRP_ONLY, f) == 0;
        assert!(drop(&eth(0x0800, &ipv4(1, 5))), "ICMP");
        assert!(drop(&eth(0x0800, &ipv4(17, 5))), "UDP");
        assert!(drop(&eth(0x86dd, &ipv6(58))), "ICMPv6");
        assert!(drop(&eth(0x0806, &[0u8; 28])), "ARP");
        assert!(drop(&eth(0x0800, &ipv4_ah(6))), "AH carrying TCP");
        assert!(drop(&tagged(0x8100, 0x0800, &ipv4(6, 5))));
        assert!(drop(&tagged(0x8100, 0x0806, &[0u8; 28])));
        // Too short to hold what the program reads.
        assert!(drop(&eth(0x0800, &[0x45])));
        assert!(drop(&eth(0x86dd, &[0x60, 0, 0])));
        assert!(drop(&[0u8; 13]));
        assert!(drop(&[]));
    }

    #[test]
    fn programs_are_well_formed() {
        // Every jump lands inside the program, and every path ends in a return.
        for program in [&VRRP_ONLY[..], &DROP_ALL[..]] {
            for (pc, i) in program.iter().enumerate() {
                if u32::from(i.code) == JEQ_K {
                    assert!(pc + 1 + usize::from(i.jt.max(i.jf)) < program.len());
                }
            }
            assert_eq!(u32::from(program[program.len() - 1].code), RET_K);
        }
        assert_eq!(run(&DROP_ALL, &eth(0x0800, &ipv4(112, 5))), 0);
    }
}
