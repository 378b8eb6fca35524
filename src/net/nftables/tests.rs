//! Byte fixtures of a few requests, written attribute by attribute from the UAPI numbers
//! (not with the encoder under test), and the planning of batches.

use std::net::{IpAddr, Ipv6Addr};

use super::rules::{self, LinkLocalIf, Op, SetKind, VipSet};
use super::uapi::*;
use super::*;

// ---- an independent writer for the fixtures ----

fn attr(ty: u16, payload: &[u8]) -> Vec<u8> {
    let mut a = ((4 + payload.len()) as u16).to_ne_bytes().to_vec();
    a.extend(ty.to_ne_bytes());
    a.extend_from_slice(payload);
    while a.len() % 4 != 0 {
        a.push(0);
    }
    a
}

fn nest(ty: u16, parts: &[Vec<u8>]) -> Vec<u8> {
    attr(ty | NLA_F_NESTED, &parts.concat())
}

fn be(v: u32) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

fn s(text: &str) -> Vec<u8> {
    let mut v = text.as_bytes().to_vec();
    v.push(0);
    v
}

fn cfg() -> FirewallConfig {
    FirewallConfig::new("keepalived")
}

// ---- requests ----

#[test]
fn new_table_request() {
    let r = Op::NewTable(Family::Ip).request(&cfg());
    assert_eq!(
        (r.msg, r.flags, r.family),
        (NFT_MSG_NEWTABLE, NLM_F_CREATE, NFPROTO_IPV4)
    );
    // 4-byte header, "keepalived\0" (11), one byte of padding.
    let mut want = vec![15, 0, 1, 0];
    want.extend_from_slice(b"keepalived\0\0");
    assert_eq!(r.attrs, want);
    assert_eq!(r.attrs, attr(NFTA_TABLE_NAME, &s("keepalived")));
}

#[test]
fn base_chain_request_hooks_input_at_the_priority() {
    let r = rules::setup_ip(&cfg())
        .into_iter()
        .find(|o| matches!(o, Op::NewChain(_, c) if c.name == "in"))
        .unwrap()
        .request(&cfg());
    assert_eq!((r.msg, r.flags), (NFT_MSG_NEWCHAIN, NLM_F_CREATE));
    let want = [
        attr(NFTA_CHAIN_TABLE, &s("keepalived")),
        attr(NFTA_CHAIN_NAME, &s("in")),
        nest(
            NFTA_CHAIN_HOOK,
            &[
                attr(NFTA_HOOK_HOOKNUM, &be(NF_INET_LOCAL_IN)),
                attr(NFTA_HOOK_PRIORITY, &[0xff, 0xff, 0xff, 0xff]),
            ],
        ),
        attr(NFTA_CHAIN_POLICY, &be(NF_ACCEPT)),
        attr(NFTA_CHAIN_TYPE, &s("filter")),
    ]
    .concat();
    assert_eq!(r.attrs, want);
    // A regular chain has a table and a name only.
    let ll = rules::setup_ip6(&cfg())
        .into_iter()
        .find(|o| matches!(o, Op::NewChain(_, c) if c.name == "in_link_local"))
        .unwrap()
        .request(&cfg());
    assert_eq!(
        ll.attrs,
        [
            attr(NFTA_CHAIN_TABLE, &s("keepalived")),
            attr(NFTA_CHAIN_NAME, &s("in_link_local"))
        ]
        .concat()
    );
}

fn expr(name: &str, data: &[Vec<u8>]) -> Vec<u8> {
    nest(
        NFTA_LIST_ELEM,
        &[attr(NFTA_EXPR_NAME, &s(name)), nest(NFTA_EXPR_DATA, data)],
    )
}

fn drop_verdict() -> Vec<u8> {
    expr(
        "immediate",
        &[
            attr(NFTA_IMMEDIATE_DREG, &be(NFT_REG_VERDICT)),
            nest(
                NFTA_IMMEDIATE_DATA,
                &[nest(
                    NFTA_DATA_VERDICT,
                    &[attr(NFTA_VERDICT_CODE, &be(NF_DROP))],
                )],
            ),
        ],
    )
}

#[test]
fn vips_drop_rule_request() {
    // nft add rule ip keepalived in ip daddr @vips drop
    let r = rules::setup_ip(&cfg())
        .into_iter()
        .find_map(|o| match o {
            Op::NewRule(Family::Ip, r) if r.chain == "in" => Some(r),
            _ => None,
        })
        .unwrap();
    assert_eq!(r.text, "ip daddr @vips drop");
    let req = Op::NewRule(Family::Ip, r).request(&cfg());
    assert_eq!(
        (req.msg, req.flags, req.family),
        (NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, NFPROTO_IPV4)
    );
    let payload = expr(
        "payload",
        &[
            attr(NFTA_PAYLOAD_DREG, &be(NFT_REG_1)),
            attr(NFTA_PAYLOAD_BASE, &be(NFT_PAYLOAD_NETWORK_HEADER)),
            attr(NFTA_PAYLOAD_OFFSET, &be(16)),
            attr(NFTA_PAYLOAD_LEN, &be(4)),
        ],
    );
    let lookup = expr(
        "lookup",
        &[
            attr(NFTA_LOOKUP_SREG, &be(NFT_REG_1)),
            attr(NFTA_LOOKUP_SET, &s("vips")),
        ],
    );
    let verdict = drop_verdict();
    // The sizes keepalived's own dump of this rule shows.
    assert_eq!((payload.len(), verdict.len()), (52, 48));
    let want = [
        attr(NFTA_RULE_TABLE, &s("keepalived")),
        attr(NFTA_RULE_CHAIN, &s("in")),
        nest(NFTA_RULE_EXPRESSIONS, &[payload, lookup, verdict]),
    ]
    .concat();
    assert_eq!(req.attrs, want);
}

#[test]
fn link_local_goto_rule_with_counter() {
    let mut c = cfg();
    c.counters = true;
    let r = rules::setup_ip6(&c)
        .into_iter()
        .find_map(|o| match o {
            Op::NewRule(_, r) if r.text.contains("goto in_link_local") => Some(r),
            _ => None,
        })
        .unwrap();
    assert_eq!(r.text, "ip6 daddr fe80::/10 counter goto in_link_local");
    let req = Op::NewRule(Family::Ip6, r).request(&c);
    let mut mask = vec![0xff, 0xc0];
    mask.resize(16, 0);
    let mut prefix = vec![0xfe, 0x80];
    prefix.resize(16, 0);
    let want = [
        attr(NFTA_RULE_TABLE, &s("keepalived")),
        attr(NFTA_RULE_CHAIN, &s("in")),
        nest(
            NFTA_RULE_EXPRESSIONS,
            &[
                expr(
                    "payload",
                    &[
                        attr(NFTA_PAYLOAD_DREG, &be(1)),
                        attr(NFTA_PAYLOAD_BASE, &be(1)),
                        attr(NFTA_PAYLOAD_OFFSET, &be(24)),
                        attr(NFTA_PAYLOAD_LEN, &be(16)),
                    ],
                ),
                expr(
                    "bitwise",
                    &[
                        attr(NFTA_BITWISE_SREG, &be(1)),
                        attr(NFTA_BITWISE_DREG, &be(1)),
                        attr(NFTA_BITWISE_LEN, &be(16)),
                        nest(NFTA_BITWISE_MASK, &[attr(NFTA_DATA_VALUE, &mask)]),
                        nest(NFTA_BITWISE_XOR, &[attr(NFTA_DATA_VALUE, &[0; 16])]),
                    ],
                ),
                expr(
                    "cmp",
                    &[
                        attr(NFTA_CMP_SREG, &be(1)),
                        attr(NFTA_CMP_OP, &be(NFT_CMP_EQ)),
                        nest(NFTA_CMP_DATA, &[attr(NFTA_DATA_VALUE, &prefix)]),
                    ],
                ),
                expr("counter", &[]),
                expr(
                    "immediate",
                    &[
                        attr(NFTA_IMMEDIATE_DREG, &be(0)),
                        nest(
                            NFTA_IMMEDIATE_DATA,
                            &[nest(
                                NFTA_DATA_VERDICT,
                                &[
                                    attr(NFTA_VERDICT_CODE, &[0xff, 0xff, 0xff, 0xfc]),
                                    attr(NFTA_VERDICT_CHAIN, &s("in_link_local")),
                                ],
                            )],
                        ),
                    ],
                ),
            ],
        ),
    ]
    .concat();
    assert_eq!(req.attrs, want);
}

#[test]
fn neighbour_discovery_set_is_constant_with_host_order_keys() {
    let req = Op::NewSet(Family::Ip6, SetKind::NeighborDiscovery).request(&cfg());
    assert_eq!(
        (req.msg, req.flags, req.family),
        (NFT_MSG_NEWSET, NLM_F_CREATE, NFPROTO_IPV6)
    );
    let mut udata = vec![NFTNL_UDATA_SET_KEYBYTEORDER, 4];
    udata.extend(BYTEORDER_HOST_ENDIAN.to_ne_bytes());
    let want = [
        attr(NFTA_SET_TABLE, &s("keepalived")),
        attr(NFTA_SET_NAME, &s("neighbor-discovery")),
        attr(NFTA_SET_FLAGS, &be(NFT_SET_CONSTANT)),
        attr(NFTA_SET_KEY_TYPE, &be(NFT_TYPE_ICMPV6_TYPE)),
        attr(NFTA_SET_KEY_LEN, &be(1)),
        attr(NFTA_SET_ID, &be(3)),
        attr(NFTA_SET_USERDATA, &udata),
    ]
    .concat();
    assert_eq!(req.attrs, want);
    // The link-local set's key: an IPv6 address then an interface index.
    let ll = Op::NewSet(Family::Ip6, SetKind::LinkLocalIndex).request(&cfg());
    let key_type = attr(NFTA_SET_KEY_TYPE, &be((8 << 6) | 20));
    let key_len = attr(NFTA_SET_KEY_LEN, &be(20));
    assert!(ll.attrs.windows(8).any(|w| w == &key_type[..]));
    assert!(ll.attrs.windows(8).any(|w| w == &key_len[..]));
}

#[test]
fn link_local_element_request() {
    let addr: Ipv6Addr = "fe80::100".parse().unwrap();
    let e = rules::link_local_element(addr, LinkLocalIf::Index(3, "eth0"));
    assert_eq!(e.label, "fe80::100 on eth0");
    let req = Op::AddElems(VipSet::LinkLocalIndex, vec![e]).request(&cfg());
    assert_eq!(
        (req.msg, req.flags, req.family),
        (NFT_MSG_NEWSETELEM, NLM_F_CREATE, NFPROTO_IPV6)
    );
    let mut key = addr.octets().to_vec();
    key.extend(3u32.to_ne_bytes());
    let want = [
        attr(NFTA_SET_ELEM_LIST_TABLE, &s("keepalived")),
        attr(NFTA_SET_ELEM_LIST_SET, &s("vips_link_local")),
        nest(
            NFTA_SET_ELEM_LIST_ELEMENTS,
            &[nest(
                NFTA_LIST_ELEM,
                &[nest(NFTA_SET_ELEM_KEY, &[attr(NFTA_DATA_VALUE, &key)])],
            )],
        ),
    ]
    .concat();
    assert_eq!(req.attrs, want);
    // By name: the name NUL padded to IFNAMSIZ.
    let n = rules::link_local_element(addr, LinkLocalIf::Name("eth0"));
    assert_eq!(n.set, VipSet::LinkLocalName);
    assert_eq!(&n.key[16..20], b"eth0");
    assert_eq!(n.key.len(), 32);
    assert!(n.key[20..].iter().all(|&b| b == 0));
    let del = Op::DelElems(VipSet::LinkLocalName, vec![n]).request(&cfg());
    assert_eq!((del.msg, del.flags), (NFT_MSG_DELSETELEM, 0));
    // fe80::/10, as the rules' bitwise and cmp match it.
    for (a, ll) in [
        ("fe80::1", true),
        ("febf::1", true),
        ("fec0::1", false),
        ("fd00::1", false),
    ] {
        assert_eq!(rules::is_link_local(&a.parse().unwrap()), ll, "{a}");
    }
}

// ---- the ruleset ----

#[test]
fn the_ruleset_is_keepalived_s_in_its_order() {
    let texts = |ops: Vec<Op>| -> Vec<String> {
        ops.into_iter()
            .filter_map(|o| match o {
                Op::NewRule(f, r) => Some(format!("{f} {}: {}", r.chain, r.text)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        texts(rules::setup_ip(&cfg())),
        ["ip in: ip daddr @vips drop", "ip out: ip saddr @vips drop"]
    );
    assert_eq!(
        texts(rules::setup_ip6(&cfg())),
        [
            "ip6 in: icmpv6 type @neighbor-discovery accept",
            "ip6 in: ip6 daddr fe80::/10 goto in_link_local",
            "ip6 out: icmpv6 type @neighbor-discovery accept",
            "ip6 out: ip6 saddr fe80::/10 goto out_link_local",
            "ip6 in: ip6 daddr @vips drop",
            "ip6 out: ip6 saddr @vips drop",
        ]
    );
    assert_eq!(
        texts(rules::setup_link_local(&cfg(), false)),
        [
            "ip6 in_link_local: ip6 daddr . iif @vips_link_local drop",
            "ip6 out_link_local: ip6 saddr . oif @vips_link_local drop",
        ]
    );
    assert_eq!(
        texts(rules::setup_link_local(&cfg(), true)),
        [
            "ip6 in_link_local: ip6 daddr . iifname @vips_link_local_name drop",
            "ip6 out_link_local: ip6 saddr . oifname @vips_link_local_name drop",
        ]
    );
    // Tables, chains and sets come before the rules that use them.
    let ip6 = rules::setup_ip6(&cfg());
    assert_eq!(ip6[0], Op::NewTable(Family::Ip6));
    let first_rule = ip6
        .iter()
        .position(|o| matches!(o, Op::NewRule(..)))
        .unwrap();
    assert!(ip6[..first_rule].contains(&Op::NdTypes(vec![135, 136])));
}

#[test]
fn steps_are_described_with_nft_names() {
    let e = rules::vip_element("10.0.0.100".parse().unwrap());
    assert_eq!(
        Op::AddElems(VipSet::V4, vec![e.clone()]).describe("keepalived"),
        "add the VIP 10.0.0.100 to nftables set `ip keepalived vips`"
    );
    let f = rules::vip_element("10.0.0.101".parse().unwrap());
    assert_eq!(
        Op::DelElems(VipSet::V4, vec![e, f]).describe("fw"),
        "remove the VIPs 10.0.0.100, 10.0.0.101 from nftables set `ip fw vips`"
    );
    assert_eq!(
        Op::DelTable(Family::Ip6).describe("keepalived"),
        "delete nftables table `ip6 keepalived`"
    );
    let rule = rules::setup_ip(&cfg()).pop().unwrap();
    assert_eq!(
        rule.describe("keepalived"),
        "add nftables rule `ip saddr @vips drop` to chain `ip keepalived out`"
    );
}

#[test]
fn elements_are_grouped_per_set_and_split() {
    let many: Vec<Element> = (0..300u32)
        .map(|i| rules::vip_element(IpAddr::V4((0x0a00_0000 + i).into())))
        .chain([rules::vip_element("fd00::1".parse().unwrap())])
        .collect();
    let ops = rules::element_ops(&many, true);
    let sizes: Vec<(VipSet, usize)> = ops
        .iter()
        .map(|o| match o {
            Op::AddElems(s, e) => (*s, e.len()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        sizes,
        [
            (VipSet::V4, 128),
            (VipSet::V4, 128),
            (VipSet::V4, 44),
            (VipSet::V6, 1)
        ]
    );
}

// ---- planning ----

fn held(entries: &[(&str, &str)]) -> State {
    let mut st = State::default();
    for (inst, ip) in entries {
        let ip: IpAddr = ip.parse().unwrap();
        st.held
            .insert((inst.to_string(), ip), rules::vip_element(ip));
    }
    st
}

#[test]
fn first_vip_sets_its_family_up_then_only_elements_move() {
    let empty = State::default();
    let mut one = held(&[("VI_1", "10.0.0.100")]);
    one.setup.ip = true;
    let ops = plan(&cfg(), &empty, &one);
    assert_eq!(ops[..6], rules::setup_ip(&cfg())[..]);
    assert!(matches!(&ops[6..], [Op::AddElems(VipSet::V4, e)] if e.len() == 1));

    // A second instance holding the same VIP changes nothing in the kernel.
    let mut two = one.clone();
    two.held.extend(held(&[("VI_2", "10.0.0.100")]).held);
    assert!(plan(&cfg(), &one, &two).is_empty());
    // Nor does the first one leaving; the last one leaving removes it.
    let mut left = two.clone();
    left.held
        .remove(&("VI_1".to_string(), "10.0.0.100".parse().unwrap()));
    assert!(plan(&cfg(), &two, &left).is_empty());
    let mut none = left.clone();
    none.held.clear();
    let ops = plan(&cfg(), &left, &none);
    assert!(matches!(&ops[..], [Op::DelElems(VipSet::V4, e)] if e.len() == 1));
}

#[test]
fn rebuild_deletes_what_is_there_and_restores_everything() {
    let mut st = held(&[("VI_1", "10.0.0.100"), ("VI_1", "fd00::1")]);
    st.setup = Setup {
        ip: true,
        ip6: true,
        ll_index: false,
        ll_name: false,
    };
    let ops = rebuild(&cfg(), &[Family::Ip6], &st);
    assert_eq!(ops[0], Op::DelTable(Family::Ip6));
    assert_eq!(ops[1], Op::NewTable(Family::Ip));
    let adds: Vec<VipSet> = ops
        .iter()
        .filter_map(|o| match o {
            Op::AddElems(s, _) => Some(*s),
            _ => None,
        })
        .collect();
    assert_eq!(adds, [VipSet::V4, VipSet::V6]);
}

// ---- configuration ----

fn conf(global: &str, instance: &str) -> crate::conf::model::Config {
    let text = format!(
        "global_defs {{\n{global}\n}}\nvrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n{instance}\n virtual_ipaddress {{\n  10.0.0.100\n }}\n}}\n"
    );
    crate::conf::parse_str("t.conf", &text).config
}

#[test]
fn configuration_decides_whether_and_how() {
    assert_eq!(
        FirewallConfig::from_config(&conf("", " priority 100")),
        None
    );
    assert_eq!(
        FirewallConfig::from_config(&conf("", " priority 100\n no_accept")),
        Some(cfg())
    );
    // The address owner always accepts.
    assert_eq!(
        FirewallConfig::from_config(&conf("", " priority 255\n no_accept")),
        None
    );
    // Strict mode drops for non-owners.
    assert!(FirewallConfig::from_config(&conf("", " priority 100\n strict_mode")).is_some());
    assert!(FirewallConfig::from_config(&conf("vrrp_strict", " priority 100")).is_some());
    let got = FirewallConfig::from_config(&conf(
        " nftables fw\n nftables_priority -150\n nftables_ifindex\n nftables_counters",
        " priority 100\n no_accept",
    ))
    .unwrap();
    assert_eq!(
        (got.table.as_str(), got.priority, got.ifindex, got.counters),
        ("fw", -150, true, true)
    );
    assert!(drops(false, 254) && !drops(true, 100) && !drops(false, 255));
}

#[test]
fn errors_say_what_failed_and_why() {
    let e = NftError {
        doing: "add the VIP 10.0.0.100 to nftables set `ip keepalived vips`".into(),
        cause: Cause::Kernel(std::io::Error::from_raw_os_error(nix::libc::EPERM)),
    };
    assert_eq!(
        e.to_string(),
        "add the VIP 10.0.0.100 to nftables set `ip keepalived vips`: Operation not permitted (os error 1)"
    );
    assert!(e.is_permission() && !e.is_timeout());
    let t = NftError {
        doing: "look for nftables table `ip keepalived`".into(),
        cause: Cause::Timeout(DEFAULT_TIMEOUT),
    };
    assert_eq!(
        t.to_string(),
        "look for nftables table `ip keepalived`: nf_tables did not answer within 2.0 s"
    );
    assert_eq!(t.errno(), None);
}
