//! Byte fixtures written from the kernel's fill functions and policy
//! (net/netfilter/ipvs/ip_vs_ctl.c, 6.1) and ipvsadm's requests; little-endian, like the
//! machines these tests run on.

use std::net::IpAddr;

use super::codec;
use super::frame::{self, Reply};
use crate::ipvs::model::*;
use crate::ipvs::IpvsError;

/// Hex digits of `s`, ignoring spaces and `#` comments to the end of a line.
fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s
        .lines()
        .flat_map(|l| l.split('#').next().unwrap_or("").bytes())
        .filter(u8::is_ascii_hexdigit)
        .collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

const FAMILY: u16 = 0x20;

fn tcp(addr: &str, port: u16) -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: ip(addr),
        port,
    }
}

fn encode(op: &Op, seq: u32) -> Vec<u8> {
    let mut buf = Vec::new();
    codec::op(&mut buf, FAMILY, seq, op).unwrap();
    buf
}

/// The payload (genl header on) of the only message in `datagram`.
fn payload(datagram: &[u8]) -> &[u8] {
    let mut msgs = frame::messages(datagram);
    let m = msgs.next().unwrap().unwrap();
    assert!(msgs.next().is_none());
    m.payload
}

const ADD_TCP_SERVICE: &str = "
    68000000 2000 0500 07000000 00000000   # nlmsghdr: len 104, IPVS, REQUEST|ACK, seq 7
    01 01 0000                             # NEW_SERVICE, version 1
    5400 0100                              # IPVS_CMD_ATTR_SERVICE (84 bytes)
      0600 0100 0200 0000                  #   AF 2
      0600 0200 0600 0000                  #   PROTOCOL 6
      1400 0300 0a000001 00000000 00000000 00000000  # ADDR 10.0.0.1
      0600 0400 0050 0000                  #   PORT 80 (be16)
      0800 0600 777272 00                  #   SCHED_NAME wrr
      0c00 0700 00000000 ffffffff          #   FLAGS {0, ~0}
      0800 0800 00000000                   #   TIMEOUT 0
      0800 0900 ffffffff                   #   NETMASK 255.255.255.255
";

#[test]
fn add_tcp_service_request_matches_ipvsadm_layout() {
    let mut s = Service::new(tcp("10.0.0.1", 80));
    s.scheduler = "wrr".into();
    assert_eq!(encode(&Op::AddService(s), 7), hex(ADD_TCP_SERVICE));
}

#[test]
fn fwmark_v6_persistent_service_with_pe_and_sched_flags() {
    let mut s = Service::new(ServiceKey::Fwmark {
        family: Family::V6,
        mark: 7,
    });
    s.scheduler = "sh".into();
    s.flags = ServiceFlags(
        ServiceFlags::PERSISTENT
            | ServiceFlags::SCHED1
            | ServiceFlags::SCHED2
            | ServiceFlags::HASHED,
    );
    s.timeout = 300;
    s.netmask = 64;
    s.pe_name = Some("sip".into());
    let expected = hex("
        54000000 2000 0500 09000000 00000000   # len 84, seq 9
        02 01 0000                             # SET_SERVICE
        4000 0100                              # SERVICE (64 bytes)
          0600 0100 0a00 0000                  #   AF 10
          0800 0500 07000000                   #   FWMARK 7
          0700 0600 736800 00                  #   SCHED_NAME sh
          0800 0b00 73697000                   #   PE_NAME sip
          0c00 0700 19000000 ffffffff          #   FLAGS persistent|sched1|sched2, HASHED dropped
          0800 0800 2c010000                   #   TIMEOUT 300
          0800 0900 40000000                   #   NETMASK: prefix 64, host order
    ");
    assert_eq!(encode(&Op::EditService(s.clone()), 9), expected);
    // The request is laid out as the kernel's replies, so it reads back.
    let back = codec::service(payload(&encode(&Op::AddService(s.clone()), 1)))
        .unwrap()
        .unwrap();
    s.flags.0 &= !ServiceFlags::HASHED;
    assert_eq!(back, s);
}

#[test]
fn ipv4_netmask_goes_in_network_order() {
    let mut s = Service::new(tcp("10.0.0.9", 25));
    s.flags = ServiceFlags(ServiceFlags::PERSISTENT | ServiceFlags::ONEPACKET);
    s.timeout = 60;
    s.netmask = 0xffff_ff00;
    let bytes = encode(&Op::AddService(s.clone()), 1);
    assert!(bytes.ends_with(&hex("0800 0900 ffffff00")));
    assert_eq!(codec::service(payload(&bytes)).unwrap(), Some(s));
}

#[test]
fn service_kinds_round_trip() {
    let keys = [
        tcp("192.0.2.1", 443),
        ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: ip("192.0.2.1"),
            port: 53,
        },
        ServiceKey::Addr {
            protocol: Protocol::Sctp,
            addr: ip("192.0.2.1"),
            port: 3868,
        },
        tcp("2001:db8::1", 8443),
        ServiceKey::Fwmark {
            family: Family::V4,
            mark: 0xffff_fffe,
        },
    ];
    for key in keys {
        let s = Service::new(key);
        let back = codec::service(payload(&encode(&Op::AddService(s.clone()), 3)));
        assert_eq!(back.unwrap(), Some(s), "{key:?}");
    }
}

#[test]
fn masq_dest_request_carries_service_key_and_thresholds() {
    let mut d = Dest::new(ip("10.0.0.3"), 8080);
    d.forward = Forward::Masq;
    d.weight = 3;
    d.u_threshold = 100;
    d.l_threshold = 10;
    let expected = hex("
        8c000000 2000 0500 02000000 00000000   # len 140, seq 2
        05 01 0000                             # NEW_DEST
        3000 0100                              # SERVICE key only (48 bytes)
          0600 0100 0200 0000
          0600 0200 0600 0000
          1400 0300 0a000001 00000000 00000000 00000000
          0600 0400 0050 0000
        4800 0200                              # IPVS_CMD_ATTR_DEST (72 bytes)
          1400 0100 0a000003 00000000 00000000 00000000  # ADDR
          0600 0200 1f90 0000                  #   PORT 8080
          0600 0b00 0200 0000                  #   ADDR_FAMILY 2
          0800 0300 00000000                   #   FWD_METHOD masq
          0800 0400 03000000                   #   WEIGHT 3
          0800 0500 64000000                   #   U_THRESH 100
          0800 0600 0a000000                   #   L_THRESH 10
    ");
    let bytes = encode(&Op::AddDest(tcp("10.0.0.1", 80), d.clone()), 2);
    assert_eq!(bytes, expected);
    assert_eq!(codec::dest(payload(&bytes), Family::V4).unwrap(), Some(d));
}

#[test]
fn gue_tunnel_dest_of_another_family() {
    let mut d = Dest::new(ip("2001:db8::99"), 80);
    d.forward = Forward::Tunnel;
    d.tunnel = Tunnel {
        kind: TunnelType::Gue,
        port: 6080,
        flags: TunnelFlags(TunnelFlags::CSUM),
    };
    let bytes = encode(&Op::EditDest(tcp("10.0.0.1", 80), d.clone()), 4);
    let dest_nest = hex("
        6000 0200                              # DEST (96 bytes)
          1400 0100 20010db8 00000000 00000000 00000099
          0600 0200 0050 0000                  #   PORT 80
          0600 0b00 0a00 0000                  #   ADDR_FAMILY 10 (service is IPv4)
          0800 0300 02000000                   #   FWD_METHOD tunnel
          0800 0400 01000000                   #   WEIGHT 1
          0800 0500 00000000
          0800 0600 00000000
          0500 0d00 01 000000                  #   TUN_TYPE gue
          0600 0e00 17c0 0000                  #   TUN_PORT 6080 (be16)
          0600 0f00 0100 0000                  #   TUN_FLAGS csum
    ");
    assert!(bytes.ends_with(&dest_nest));
    assert_eq!(bytes[16], 6, "SET_DEST");
    let add = encode(&Op::AddDest(tcp("10.0.0.1", 80), d.clone()), 4);
    assert_eq!(codec::dest(payload(&add), Family::V4).unwrap(), Some(d));
}

#[test]
fn every_forward_method_round_trips() {
    for fwd in [
        Forward::Masq,
        Forward::Local,
        Forward::Tunnel,
        Forward::Route,
        Forward::Bypass,
    ] {
        let mut d = Dest::new(ip("10.1.1.1"), 0);
        d.forward = fwd;
        d.weight = -1;
        let bytes = encode(&Op::AddDest(tcp("10.0.0.1", 80), d.clone()), 4);
        assert_eq!(codec::dest(payload(&bytes), Family::V4).unwrap(), Some(d));
    }
}

#[test]
fn delete_and_zero_requests_carry_keys_only() {
    let del = encode(
        &Op::DelDest {
            service: ServiceKey::Fwmark {
                family: Family::V4,
                mark: 1,
            },
            addr: ip("10.0.0.5"),
            port: 0,
        },
        5,
    );
    assert_eq!(
        del,
        hex("
            50000000 2000 0500 05000000 00000000
            07 01 0000                         # DEL_DEST
            1400 0100                          # SERVICE
              0600 0100 0200 0000
              0800 0500 01000000               #   FWMARK 1
            2800 0200                          # DEST: address, port, family only
              1400 0100 0a000005 00000000 00000000 00000000
              0600 0200 0000 0000
              0600 0b00 0200 0000
        ")
    );
    let del_svc = encode(&Op::DelService(tcp("10.0.0.1", 80)), 6);
    assert_eq!(del_svc.len(), 16 + 4 + 4 + 44);
    assert_eq!(del_svc[16], 3);
    let zero_all = encode(&Op::Zero(None), 8);
    assert_eq!(
        zero_all,
        hex("14000000 2000 0500 08000000 00000000 10 01 0000")
    );
    let zero_one = encode(&Op::Zero(Some(tcp("10.0.0.1", 80))), 8);
    assert_eq!(zero_one.len(), 16 + 4 + 4 + 44);
    let flush = encode(&Op::Flush, 9);
    assert_eq!(
        flush,
        hex("14000000 2000 0500 09000000 00000000 11 01 0000")
    );
}

#[test]
fn timeouts_and_daemon_requests() {
    let t = encode(
        &Op::SetTimeouts(Timeouts {
            tcp: 900,
            tcp_fin: 120,
            udp: 0,
        }),
        1,
    );
    assert_eq!(
        t,
        hex("
            2c000000 2000 0500 01000000 00000000
            0c 01 0000                         # SET_CONFIG
            0800 0400 84030000                 # TIMEOUT_TCP 900
            0800 0500 78000000                 # TIMEOUT_TCP_FIN 120
            0800 0600 00000000                 # TIMEOUT_UDP 0: unchanged
        ")
    );
    let d = SyncDaemon {
        role: SyncRole::Backup,
        mcast_ifn: "eth1".into(),
        syncid: 5,
        sync_maxlen: 1400,
        mcast_group: Some(ip("224.0.0.99")),
        mcast_port: 9000,
        mcast_ttl: 3,
    };
    let start = encode(&Op::StartDaemon(d.clone()), 2);
    assert_eq!(
        start,
        hex("
            54000000 2000 0500 02000000 00000000
            09 01 0000                         # NEW_DAEMON
            4000 0300                          # IPVS_CMD_ATTR_DAEMON
              0800 0100 02000000               #   STATE backup
              0900 0200 65746831 00 000000     #   MCAST_IFN eth1
              0800 0300 05000000               #   SYNC_ID 5
              0600 0400 7805 0000              #   SYNC_MAXLEN 1400
              0800 0500 e0000063               #   MCAST_GROUP 224.0.0.99
              0600 0700 2823 0000              #   MCAST_PORT 9000 (host order)
              0500 0800 03 000000              #   MCAST_TTL 3
        ")
    );
    assert_eq!(codec::daemon(payload(&start)).unwrap(), Some(d.clone()));
    // Unset fields stay out, so the kernel picks its defaults.
    let plain = SyncDaemon {
        role: SyncRole::Master,
        mcast_ifn: "lo".into(),
        syncid: 0,
        sync_maxlen: 0,
        mcast_group: None,
        mcast_port: 0,
        mcast_ttl: 0,
    };
    let start = encode(&Op::StartDaemon(plain.clone()), 3);
    assert_eq!(start.len(), 16 + 4 + 4 + 8 + 8 + 8);
    assert_eq!(codec::daemon(payload(&start)).unwrap(), Some(plain));
    let stop = encode(&Op::StopDaemon(SyncRole::Master), 4);
    assert_eq!(
        stop,
        hex("
            20000000 2000 0500 04000000 00000000
            0a 01 0000                         # DEL_DAEMON
            0c00 0300 0800 0100 01000000       # DAEMON { STATE master }
        ")
    );
    let v6 = SyncDaemon {
        mcast_group: Some(ip("ff02::1:2")),
        ..d
    };
    let bytes = encode(&Op::StartDaemon(v6.clone()), 5);
    assert_eq!(codec::daemon(payload(&bytes)).unwrap(), Some(v6));
}

#[test]
fn names_the_kernel_would_refuse_are_refused_without_writing() {
    let mut s = Service::new(tcp("10.0.0.1", 80));
    s.scheduler = "r\0r".into();
    let mut buf = vec![1, 2, 3];
    let e = codec::op(&mut buf, FAMILY, 1, &Op::AddService(s.clone()));
    assert_eq!(e, Err(IpvsError::Kernel { errno: 22 }));
    assert_eq!(buf, [1, 2, 3]);
    s.scheduler = "rr".into();
    s.pe_name = Some("x".repeat(300));
    assert!(codec::op(&mut buf, FAMILY, 1, &Op::AddService(s)).is_err());
}

#[test]
fn family_lookup_request_and_reply() {
    let mut buf = Vec::new();
    codec::get_family(&mut buf, 1);
    assert_eq!(
        buf,
        hex("
            20000000 1000 0500 01000000 00000000   # GENL_ID_CTRL
            03 01 0000                             # CTRL_CMD_GETFAMILY
            0900 0200 49505653 00 000000           # FAMILY_NAME IPVS
        ")
    );
    let reply = hex("
        01 02 0000                                 # CTRL_CMD_NEWFAMILY
        0900 0200 49505653 00 000000               # FAMILY_NAME
        0600 0100 2400 0000                        # FAMILY_ID 0x24
        0800 0300 01000000                         # VERSION
        0800 0400 00000000                         # HDRSIZE
        0800 0500 06000000                         # MAXATTR
        1800 0600 1400 0100 0800 0100 01000000 0800 0200 0b000000  # OPS (nested, flagged)
    ");
    assert_eq!(codec::family_id(&reply), Ok(0x24));
    assert!(codec::family_id(&reply[..20]).is_err());
}

#[test]
fn info_and_timeouts_replies() {
    let info = hex("
        0e 01 0000                                 # SET_INFO
        0800 0100 01020100                         # VERSION 1.2.1
        0800 0200 00100000                         # CONN_TAB_SIZE 4096
    ");
    let i = codec::info(&info).unwrap();
    assert_eq!(
        i,
        Info {
            version: 0x010201,
            conn_tab_size: 4096
        }
    );
    assert_eq!(i.version_string(), "1.2.1");
    assert!(codec::info(&info[..12]).is_err(), "size missing");
    let t = hex("
        0c 01 0000
        0800 0400 84030000
        0800 0500 78000000
        0800 0600 2c010000
    ");
    assert_eq!(
        codec::timeouts(&t).unwrap(),
        Timeouts {
            tcp: 900,
            tcp_fin: 120,
            udp: 300
        }
    );
}

/// A NEW_SERVICE dump message as ip_vs_genl_fill_service writes it for
/// `TCP 10.0.0.1:80 wrr persistent 300 pe sip`, with both stats nests.
const SERVICE_REPLY: &str = "
    01 01 0000                                     # NEW_SERVICE
    3401 0100                                      # SERVICE, no NLA_F_NESTED (308 bytes)
      0600 0100 0200 0000                          #   AF
      0600 0200 0600 0000                          #   PROTOCOL
      1400 0300 0a000001 00000000 00000000 00000000
      0600 0400 0050 0000                          #   PORT
      0800 0600 777272 00                          #   SCHED_NAME wrr
      0800 0b00 73697000                           #   PE_NAME sip
      0c00 0700 03000000 ffffffff                  #   FLAGS persistent|hashed
      0800 0800 2c010000                           #   TIMEOUT 300
      0800 0900 ffffffff                           #   NETMASK
      5c00 0a00                                    #   STATS (32-bit counters)
        0800 0100 05000000                         #     CONNS 5 (wrapped)
        0800 0200 06000000
        0800 0300 07000000
        0c00 0400 0800000000000000                 #     INBYTES u64
        0c00 0500 0900000000000000
        0800 0600 0a000000
        0800 0700 0b000000
        0800 0800 0c000000
        0800 0900 0d000000
        0800 0a00 0e000000
      7c00 0c00                                    #   STATS64
        0c00 0100 0500000001000000                 #     CONNS 2^32 + 5
        0c00 0200 0600000000000000
        0c00 0300 0700000000000000
        0c00 0400 0800000000000000
        0c00 0500 0900000000000000
        0c00 0600 0a00000000000000
        0c00 0700 0b00000000000000
        0c00 0800 0c00000000000000
        0c00 0900 0d00000000000000
        0c00 0a00 0e00000000000000
";

fn expected_service() -> Service {
    let mut s = Service::new(tcp("10.0.0.1", 80));
    s.scheduler = "wrr".into();
    s.flags = ServiceFlags(ServiceFlags::PERSISTENT | ServiceFlags::HASHED);
    s.timeout = 300;
    s.pe_name = Some("sip".into());
    s.stats = Stats {
        conns: (1 << 32) + 5,
        inpkts: 6,
        outpkts: 7,
        inbytes: 8,
        outbytes: 9,
        cps: 10,
        inpps: 11,
        outpps: 12,
        inbps: 13,
        outbps: 14,
    };
    s
}

#[test]
fn service_reply_prefers_64_bit_stats() {
    let reply = hex(SERVICE_REPLY);
    assert_eq!(codec::service(&reply).unwrap(), Some(expected_service()));
}

#[test]
fn service_reply_of_an_old_kernel_uses_32_bit_stats() {
    let mut reply = hex(SERVICE_REPLY);
    // Drop the STATS64 nest (124 bytes) and fix the SERVICE length.
    reply.truncate(reply.len() - 124);
    reply[4..6].copy_from_slice(&(308u16 - 124).to_le_bytes());
    let mut s = expected_service();
    s.stats.conns = 5;
    assert_eq!(codec::service(&reply).unwrap(), Some(s));
}

#[test]
fn service_reply_unknown_attributes_and_flags_are_tolerated() {
    let reply = hex("
        01 01 0000
        0c00 0900 01020304 05060708                # an unknown top-level attribute
        4400 0180                                  # SERVICE with NLA_F_NESTED set
          0600 0100 0a00 0000                      #   AF 10
          0800 0500 2a000000                       #   FWMARK 42
          0800 0600 6d6800 00                      #   SCHED_NAME mh
          0c00 0700 3a000000 1f000000              #   FLAGS masked by mask
          0800 0800 00000000
          0800 0900 80000000                       #   NETMASK 128
          0800 6300 ffffffff                       #   unknown type 99
          0400 0c00                                #   empty STATS64
    ");
    let s = codec::service(&reply).unwrap().unwrap();
    assert_eq!(
        s.key,
        ServiceKey::Fwmark {
            family: Family::V6,
            mark: 42
        }
    );
    assert_eq!(s.flags, ServiceFlags(0x1a));
    assert_eq!((s.scheduler.as_str(), s.netmask), ("mh", 128));
    assert_eq!(s.stats, Stats::default());
    // Messages of other commands are not services.
    assert_eq!(codec::service(&hex("05 01 0000")).unwrap(), None);
}

/// A NEW_DEST dump message of a 6.1 kernel: `[2001:db8::2]:443` tunnel GUE in an IPv4
/// service, with counters and STATS64 only.
const DEST_REPLY: &str = "
    05 01 0000                                     # NEW_DEST
    ac00 0200                                      # DEST (172 bytes)
      1400 0100 20010db8 00000000 00000000 00000002
      0600 0200 01bb 0000                          #   PORT 443
      0800 0300 02000000                           #   FWD tunnel
      0800 0400 07000000                           #   WEIGHT 7
      0500 0d00 01 000000                          #   TUN_TYPE gue
      0600 0e00 17c0 0000                          #   TUN_PORT 6080
      0600 0f00 0300 0000                          #   TUN_FLAGS csum|remcsum
      0800 0500 c8000000                           #   U_THRESH 200
      0800 0600 14000000                           #   L_THRESH 20
      0800 0700 03000000                           #   ACTIVE 3
      0800 0800 04000000                           #   INACT 4
      0800 0900 05000000                           #   PERSIST 5
      0600 0b00 0a00 0000                          #   ADDR_FAMILY 10
      3400 0c00                                    #   STATS64 (4 counters, rest absent)
        0c00 0100 6400000000000000
        0c00 0400 00e8764817000000                 #     INBYTES 100 GB
        0c00 0b00 0000000000000000                 #     PAD
        0c00 0500 0100000000000000
";

#[test]
fn dest_reply_with_tunnel_and_family() {
    let d = codec::dest(&hex(DEST_REPLY), Family::V4).unwrap().unwrap();
    let mut want = Dest::new(ip("2001:db8::2"), 443);
    want.forward = Forward::Tunnel;
    want.weight = 7;
    want.tunnel = Tunnel {
        kind: TunnelType::Gue,
        port: 6080,
        flags: TunnelFlags(3),
    };
    want.u_threshold = 200;
    want.l_threshold = 20;
    want.active_conns = 3;
    want.inact_conns = 4;
    want.persist_conns = 5;
    want.stats.conns = 100;
    want.stats.inbytes = 100_000_000_000;
    want.stats.outbytes = 1;
    assert_eq!(d, want);
}

#[test]
fn dest_reply_of_an_old_kernel_takes_the_service_family() {
    let reply = hex("
        05 01 0000
        6800 0200
          1400 0100 c0000205 00000000 00000000 00000000
          0600 0200 0050 0000
          0800 0300 03000000                       #   route
          0800 0400 01000000
          0800 0500 00000000
          0800 0600 00000000
          2800 0a00                                #   STATS (32-bit)
            0800 0100 02000000
            0c00 0400 0001000000000000             #     INBYTES 256
            0800 0600 01000000
            0800 0700 00000000
    ");
    let d = codec::dest(&reply, Family::V4).unwrap().unwrap();
    assert_eq!(d.addr, ip("192.0.2.5"));
    assert_eq!(d.forward, Forward::Route);
    assert_eq!((d.stats.conns, d.stats.inbytes, d.stats.cps), (2, 256, 1));
    // An IPv6 service's destination needs all 16 bytes; these are there.
    let d6 = codec::dest(&reply, Family::V6).unwrap().unwrap();
    assert_eq!(d6.addr, ip("c000:205::"));
}

#[test]
fn daemon_reply() {
    let reply = hex("
        09 01 0000                                 # NEW_DAEMON
        3c00 0300
          0800 0100 01000000                       #   STATE master
          0700 0200 6c6f00 00                      #   MCAST_IFN lo
          0800 0300 05000000                       #   SYNC_ID
          0600 0400 c005 0000                      #   SYNC_MAXLEN 1472
          0600 0700 9022 0000                      #   MCAST_PORT 8848
          0500 0800 01 000000                      #   MCAST_TTL 1
          0800 0500 e0000051                       #   MCAST_GROUP 224.0.0.81
    ");
    assert_eq!(
        codec::daemon(&reply).unwrap(),
        Some(SyncDaemon {
            role: SyncRole::Master,
            mcast_ifn: "lo".into(),
            syncid: 5,
            sync_maxlen: 1472,
            mcast_group: Some(ip("224.0.0.81")),
            mcast_port: 8848,
            mcast_ttl: 1,
        })
    );
    let bad_state = hex("09 01 0000 0c00 0300 0800 0100 03000000");
    assert!(codec::daemon(&bad_state).is_err());
}

#[test]
fn datagram_with_dump_parts_and_done() {
    let service = hex(SERVICE_REPLY);
    let mut datagram = Vec::new();
    for seq in [5u32, 5] {
        let len = 16 + service.len() as u32;
        datagram.extend_from_slice(&len.to_le_bytes());
        datagram.extend_from_slice(&hex("2000 0200")); // NLM_F_MULTI
        datagram.extend_from_slice(&seq.to_le_bytes());
        datagram.extend_from_slice(&[0; 4]);
        datagram.extend_from_slice(&service);
    }
    datagram.extend_from_slice(&hex("14000000 0300 0200 05000000 00000000 00000000"));
    let replies: Vec<_> = frame::messages(&datagram)
        .map(|m| {
            let m = m.unwrap();
            assert_eq!(m.seq, 5);
            m.reply().unwrap()
        })
        .collect();
    assert_eq!(replies.len(), 3);
    assert!(matches!(replies[0], Reply::Data(p) if p == service.as_slice()));
    assert_eq!(replies[2], Reply::Done(0));
}

#[test]
fn acks_errors_and_control_messages() {
    let reply = |bytes: &str| {
        let d = hex(bytes);
        let m = frame::messages(&d).next().unwrap().unwrap();
        // Control replies borrow nothing: rebuild them without the datagram's lifetime.
        m.reply().map(|r| match r {
            Reply::Data(_) => Reply::Data(&[]),
            Reply::Ack => Reply::Ack,
            Reply::Error(e) => Reply::Error(e),
            Reply::Done(e) => Reply::Done(e),
            Reply::Overrun => Reply::Overrun,
            Reply::Ignore => Reply::Ignore,
        })
    };
    // NLMSG_ERROR 0 (with the request's header echoed).
    let ack = "24000000 0200 0001 07000000 01020304 00000000 68000000 2000 0500 07000000 00000000";
    assert_eq!(reply(ack), Ok(Reply::Ack));
    // -EEXIST, capped.
    let err = "24000000 0200 0001 07000000 01020304 efffffff 68000000 2000 0500 07000000 00000000";
    assert_eq!(reply(err), Ok(Reply::Error(17)));
    assert_eq!(
        reply("14000000 0300 0200 01000000 00000000 f0ffffff"),
        Ok(Reply::Done(16))
    );
    assert_eq!(
        reply("10000000 0300 0200 01000000 00000000"),
        Ok(Reply::Done(0))
    );
    assert_eq!(
        reply("10000000 0100 0000 01000000 00000000"),
        Ok(Reply::Ignore)
    );
    assert_eq!(
        reply("10000000 0400 0000 01000000 00000000"),
        Ok(Reply::Overrun)
    );
    assert!(reply("12000000 0200 0000 01000000 00000000 0000").is_err());
}

#[test]
fn framing_errors_are_reported_not_panics() {
    // Message length beyond the datagram, below the header, and a cut header.
    for bad in [
        "20000000 2000 0000 01000000 00000000",
        "08000000 2000 0000 01000000 00000000",
        "10000000 2000",
    ] {
        let d = hex(bad);
        let mut msgs = frame::messages(&d);
        assert!(msgs.next().unwrap().is_err(), "{bad}");
        assert!(msgs.next().is_none());
    }
    assert!(frame::genl(&[1, 1]).is_err());
    // An attribute running past its nest, a cut attribute header, a short integer.
    assert!(codec::info(&hex("0e 01 0000 0c00 0100 01020100")).is_err());
    assert!(codec::info(&hex("0e 01 0000 0800 0100 01020100 08")).is_err());
    assert!(codec::info(&hex("0e 01 0000 0600 0100 0102 0000 0800 0200 00100000")).is_err());
}

#[test]
fn missing_mandatory_attributes_are_malformed() {
    let no_af = hex("
        01 01 0000
        2000 0100
          0800 0500 01000000
          0800 0600 727200 00
          0c00 0700 00000000 ffffffff
    ");
    assert!(matches!(
        codec::service(&no_af),
        Err(IpvsError::Malformed(m)) if m.contains("AF")
    ));
    assert!(
        codec::service(&hex("01 01 0000")).is_err(),
        "no SERVICE nest"
    );
    let bad_af = hex(&SERVICE_REPLY.replacen("0600 0100 0200 0000", "0600 0100 0700 0000", 1));
    assert!(codec::service(&bad_af).is_err());
    let no_weight = hex(
        "05 01 0000 2000 0200 1400 0100 0a000001 00000000 00000000 00000000 0600 0200 0050 0000",
    );
    assert!(codec::dest(&no_weight, Family::V4).is_err());
}

/// Every prefix and every single-byte corruption of the fixtures decodes or fails cleanly.
#[test]
fn corrupted_replies_never_panic() {
    let fixtures = [hex(SERVICE_REPLY), hex(DEST_REPLY)];
    for f in &fixtures {
        for cut in 0..f.len() {
            let _ = codec::service(&f[..cut]);
            let _ = codec::dest(&f[..cut], Family::V6);
            let _ = codec::daemon(&f[..cut]);
        }
        for at in 0..f.len() {
            for v in [0x00, 0x01, 0x04, 0x7f, 0xff] {
                let mut c = f.clone();
                c[at] = v;
                let _ = codec::service(&c);
                let _ = codec::dest(&c, Family::V4);
                let _ = codec::info(&c);
                let _ = codec::timeouts(&c);
                let _ = codec::daemon(&c);
                for m in frame::messages(&c) {
                    let _ = m.map(|m| m.reply());
                }
            }
        }
    }
}
