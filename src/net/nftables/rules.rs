//! keepalived 2.2.7's no_accept ruleset as data (vrrp_nftables.c, Debian's build), and
//! each step of it as the nf_tables request that makes it. Pure: the firewall decides which
//! steps a moment needs, this module says what they are and how they are spelled.
//!
//! `nft list ruleset` shows what it builds exactly as it shows keepalived's (table
//! `keepalived` by default, chains at priority -1 unless `nftables_priority`, a counter
//! in every rule with `nftables_counters`):
//!
//! ```text
//! table ip keepalived {                               # setup_ip
//!     set vips { type ipv4_addr }
//!     chain out { type filter hook output priority filter - 1; policy accept;
//!         ip saddr @vips drop }
//!     chain in { type filter hook input priority filter - 1; policy accept;
//!         ip daddr @vips drop }
//! }
//! table ip6 keepalived {                              # setup_ip6
//!     set vips { type ipv6_addr }
//!     set neighbor-discovery { type icmpv6_type; flags constant;
//!         elements = { nd-neighbor-solicit, nd-neighbor-advert } }
//!     set vips_link_local { type ipv6_addr . iface_index }   # setup_link_local
//!     chain out { ...output...
//!         icmpv6 type @neighbor-discovery accept
//!         ip6 saddr fe80::/10 goto out_link_local
//!         ip6 saddr @vips drop }
//!     chain in { ...input...
//!         icmpv6 type @neighbor-discovery accept
//!         ip6 daddr fe80::/10 goto in_link_local
//!         ip6 daddr @vips drop }
//!     chain in_link_local { ip6 daddr . iif @vips_link_local drop }
//!     chain out_link_local { ip6 saddr . oif @vips_link_local drop }
//! }
//! ```
//!
//! Link-local VIPs are matched with their interface: by index, or by name
//! (`vips_link_local_name`, `ipv6_addr . ifname`, rules on iifname / oifname) for an
//! instance with `dont_track_primary` whose address is on the instance's interface or has
//! `no_track`, unless `nftables_ifindex`. Neighbour discovery stays allowed so that peers
//! can still resolve the VIPs while traffic to them is dropped.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use super::msg::{Attrs, Request};
use super::uapi::*;
use super::FirewallConfig;

/// An nf_tables table family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    Ip,
    Ip6,
}

impl Family {
    pub fn nfproto(self) -> u8 {
        match self {
            Family::Ip => NFPROTO_IPV4,
            Family::Ip6 => NFPROTO_IPV6,
        }
    }

    /// As nft writes it.
    pub fn name(self) -> &'static str {
        match self {
            Family::Ip => "ip",
            Family::Ip6 => "ip6",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The sets keepalived creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SetKind {
    Vips,
    NeighborDiscovery,
    LinkLocalIndex,
    LinkLocalName,
}

impl SetKind {
    pub fn name(self) -> &'static str {
        match self {
            SetKind::Vips => "vips",
            SetKind::NeighborDiscovery => "neighbor-discovery",
            SetKind::LinkLocalIndex => "vips_link_local",
            SetKind::LinkLocalName => "vips_link_local_name",
        }
    }

    /// nft's datatype (a concatenation packs its parts 6 bits apart) and the key length.
    fn key(self, family: Family) -> (u32, u32) {
        let ll = |second: u32| (NFT_TYPE_IP6ADDR << NFT_TYPE_BITS) | second;
        match (self, family) {
            (SetKind::Vips, Family::Ip) => (NFT_TYPE_IPADDR, 4),
            (SetKind::Vips, Family::Ip6) => (NFT_TYPE_IP6ADDR, 16),
            (SetKind::NeighborDiscovery, _) => (NFT_TYPE_ICMPV6_TYPE, 1),
            (SetKind::LinkLocalIndex, _) => (ll(NFT_TYPE_IFINDEX), 16 + 4),
            (SetKind::LinkLocalName, _) => (ll(NFT_TYPE_IFNAME), 16 + IFNAMSIZ as u32),
        }
    }

    /// Unique within a batch, which is all the kernel asks of a set id.
    fn id(self, family: Family) -> u32 {
        match (self, family) {
            (SetKind::Vips, Family::Ip) => 1,
            (SetKind::Vips, Family::Ip6) => 2,
            (SetKind::NeighborDiscovery, _) => 3,
            (SetKind::LinkLocalIndex, _) => 4,
            (SetKind::LinkLocalName, _) => 5,
        }
    }
}

/// The set a VIP goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VipSet {
    V4,
    V6,
    LinkLocalIndex,
    LinkLocalName,
}

impl VipSet {
    pub fn family(self) -> Family {
        match self {
            VipSet::V4 => Family::Ip,
            _ => Family::Ip6,
        }
    }

    pub fn kind(self) -> SetKind {
        match self {
            VipSet::V4 | VipSet::V6 => SetKind::Vips,
            VipSet::LinkLocalIndex => SetKind::LinkLocalIndex,
            VipSet::LinkLocalName => SetKind::LinkLocalName,
        }
    }
}

/// One set element: the key as the kernel compares it, and how logs name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Element {
    pub set: VipSet,
    pub key: Vec<u8>,
    /// "10.0.0.100", "fe80::100 on eth0".
    pub label: String,
}

/// Where a link-local VIP is: the interface it is on.
#[derive(Debug, Clone, Copy)]
pub enum LinkLocalIf<'a> {
    Index(u32, &'a str),
    Name(&'a str),
}

/// The element for an IPv4 or a global IPv6 VIP.
pub fn vip_element(addr: IpAddr) -> Element {
    match addr {
        IpAddr::V4(a) => Element {
            set: VipSet::V4,
            key: a.octets().to_vec(),
            label: a.to_string(),
        },
        IpAddr::V6(a) => Element {
            set: VipSet::V6,
            key: a.octets().to_vec(),
            label: a.to_string(),
        },
    }
}

/// The element for a link-local IPv6 VIP on its interface.
pub fn link_local_element(addr: Ipv6Addr, on: LinkLocalIf<'_>) -> Element {
    let mut key = addr.octets().to_vec();
    let (set, ifname) = match on {
        // Meta iif loads the index as a host-order u32.
        LinkLocalIf::Index(index, name) => {
            key.extend_from_slice(&index.to_ne_bytes());
            (VipSet::LinkLocalIndex, name)
        }
        // Meta iifname loads IFNAMSIZ bytes, NUL padded.
        LinkLocalIf::Name(name) => {
            let mut padded = [0u8; IFNAMSIZ];
            let take = name.len().min(IFNAMSIZ - 1);
            padded[..take].copy_from_slice(&name.as_bytes()[..take]);
            key.extend_from_slice(&padded);
            (VipSet::LinkLocalName, name)
        }
    };
    Element {
        set,
        key,
        label: format!("{addr} on {ifname}"),
    }
}

/// fe80::/10, the addresses keepalived pairs with an interface.
pub fn is_link_local(a: &Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

// ---------------------------------------------------------------------------------------
// Rules

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Drop,
    Accept,
    Goto(&'static str),
}

/// The expressions keepalived's rules are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Payload {
        base: u32,
        offset: u32,
        len: u32,
        dreg: u32,
    },
    Meta {
        key: u32,
        dreg: u32,
    },
    Cmp {
        sreg: u32,
        data: Vec<u8>,
    },
    Bitwise {
        sreg: u32,
        dreg: u32,
        mask: Vec<u8>,
        xor: Vec<u8>,
    },
    Lookup {
        sreg: u32,
        set: &'static str,
    },
    Counter,
    Verdict(Verdict),
}

/// A rule: its chain, its expressions, and its nft spelling for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub chain: &'static str,
    pub exprs: Vec<Expr>,
    pub text: String,
}

/// Source or destination address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    In,
    Out,
}

impl Dir {
    fn chain(self) -> &'static str {
        match self {
            Dir::In => "in",
            Dir::Out => "out",
        }
    }

    fn ll_chain(self) -> &'static str {
        match self {
            Dir::In => "in_link_local",
            Dir::Out => "out_link_local",
        }
    }

    /// Incoming packets are matched on their destination, outgoing on their source.
    fn addr_word(self) -> &'static str {
        match self {
            Dir::In => "daddr",
            Dir::Out => "saddr",
        }
    }

    /// Offset and length of the address in the network header.
    fn addr_field(self, family: Family) -> (u32, u32) {
        match (family, self) {
            (Family::Ip, Dir::Out) => (12, 4),
            (Family::Ip, Dir::In) => (16, 4),
            (Family::Ip6, Dir::Out) => (8, 16),
            (Family::Ip6, Dir::In) => (24, 16),
        }
    }
}

fn addr_load(family: Family, dir: Dir) -> Expr {
    let (offset, len) = dir.addr_field(family);
    Expr::Payload {
        base: NFT_PAYLOAD_NETWORK_HEADER,
        offset,
        len,
        dreg: NFT_REG_1,
    }
}

fn finish(mut exprs: Vec<Expr>, counters: bool, verdict: Verdict) -> Vec<Expr> {
    if counters {
        exprs.push(Expr::Counter);
    }
    exprs.push(Expr::Verdict(verdict));
    exprs
}

fn words(counters: bool, verdict: &str) -> String {
    if counters {
        format!("counter {verdict}")
    } else {
        verdict.to_string()
    }
}

/// `ip daddr @vips drop` (in) / `ip saddr @vips drop` (out), and the ip6 ones.
fn vips_drop(family: Family, dir: Dir, counters: bool) -> Rule {
    Rule {
        chain: dir.chain(),
        exprs: finish(
            vec![
                addr_load(family, dir),
                Expr::Lookup {
                    sreg: NFT_REG_1,
                    set: SetKind::Vips.name(),
                },
            ],
            counters,
            Verdict::Drop,
        ),
        text: format!(
            "{family} {} @vips {}",
            dir.addr_word(),
            words(counters, "drop")
        ),
    }
}

/// `icmpv6 type @neighbor-discovery accept`: the next header is ICMPv6 and its type is
/// a neighbour solicitation or advertisement.
fn nd_accept(dir: Dir, counters: bool) -> Rule {
    Rule {
        chain: dir.chain(),
        exprs: finish(
            vec![
                Expr::Payload {
                    base: NFT_PAYLOAD_NETWORK_HEADER,
                    offset: 6,
                    len: 1,
                    dreg: NFT_REG_1,
                },
                Expr::Cmp {
                    sreg: NFT_REG_1,
                    data: vec![IPPROTO_ICMPV6],
                },
                Expr::Payload {
                    base: NFT_PAYLOAD_TRANSPORT_HEADER,
                    offset: 0,
                    len: 1,
                    dreg: NFT_REG_1,
                },
                Expr::Lookup {
                    sreg: NFT_REG_1,
                    set: SetKind::NeighborDiscovery.name(),
                },
            ],
            counters,
            Verdict::Accept,
        ),
        text: format!(
            "icmpv6 type @neighbor-discovery {}",
            words(counters, "accept")
        ),
    }
}

/// `ip6 daddr fe80::/10 goto in_link_local` (and saddr / out_link_local).
fn link_local_goto(dir: Dir, counters: bool) -> Rule {
    let mut mask = [0u8; 16];
    mask[..2].copy_from_slice(&0xffc0u16.to_be_bytes());
    let mut prefix = [0u8; 16];
    prefix[..2].copy_from_slice(&0xfe80u16.to_be_bytes());
    Rule {
        chain: dir.chain(),
        exprs: finish(
            vec![
                addr_load(Family::Ip6, dir),
                Expr::Bitwise {
                    sreg: NFT_REG_1,
                    dreg: NFT_REG_1,
                    mask: mask.to_vec(),
                    xor: vec![0; 16],
                },
                Expr::Cmp {
                    sreg: NFT_REG_1,
                    data: prefix.to_vec(),
                },
            ],
            counters,
            Verdict::Goto(dir.ll_chain()),
        ),
        text: format!(
            "ip6 {} fe80::/10 {}",
            dir.addr_word(),
            words(counters, &format!("goto {}", dir.ll_chain()))
        ),
    }
}

/// `ip6 daddr . iif @vips_link_local drop` (and the saddr . oif, and the by-name forms):
/// the address in register 1, the interface right after it in register 2, so that one
/// lookup reads the concatenation.
fn link_local_drop(dir: Dir, by_name: bool, counters: bool) -> Rule {
    let (key, word) = match (dir, by_name) {
        (Dir::In, false) => (NFT_META_IIF, "iif"),
        (Dir::Out, false) => (NFT_META_OIF, "oif"),
        (Dir::In, true) => (NFT_META_IIFNAME, "iifname"),
        (Dir::Out, true) => (NFT_META_OIFNAME, "oifname"),
    };
    let set = if by_name {
        SetKind::LinkLocalName
    } else {
        SetKind::LinkLocalIndex
    };
    Rule {
        chain: dir.ll_chain(),
        exprs: finish(
            vec![
                addr_load(Family::Ip6, dir),
                Expr::Meta {
                    key,
                    dreg: NFT_REG_2,
                },
                Expr::Lookup {
                    sreg: NFT_REG_1,
                    set: set.name(),
                },
            ],
            counters,
            Verdict::Drop,
        ),
        text: format!(
            "ip6 {} . {word} @{} {}",
            dir.addr_word(),
            set.name(),
            words(counters, "drop")
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Steps

/// A chain: base chains hook into input or output (type filter, policy accept, the
/// configured priority); the link-local ones are only reached by goto.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chain {
    pub name: &'static str,
    pub hook: Option<u32>,
}

const OUT: Chain = Chain {
    name: "out",
    hook: Some(NF_INET_LOCAL_OUT),
};
const IN: Chain = Chain {
    name: "in",
    hook: Some(NF_INET_LOCAL_IN),
};
const IN_LL: Chain = Chain {
    name: "in_link_local",
    hook: None,
};
const OUT_LL: Chain = Chain {
    name: "out_link_local",
    hook: None,
};

/// One request of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    NewTable(Family),
    DelTable(Family),
    NewChain(Family, Chain),
    NewSet(Family, SetKind),
    NewRule(Family, Rule),
    /// ICMPv6 types into neighbor-discovery.
    NdTypes(Vec<u8>),
    AddElems(VipSet, Vec<Element>),
    DelElems(VipSet, Vec<Element>),
}

/// Elements per message: keeps every message far below netlink's 64 KiB attribute limit.
pub const ELEMS_PER_MSG: usize = 128;

/// keepalived's nft_setup_ipv4 + nft_setup_ipv4_vips.
pub fn setup_ip(cfg: &FirewallConfig) -> Vec<Op> {
    let f = Family::Ip;
    let c = cfg.counters;
    vec![
        Op::NewTable(f),
        Op::NewChain(f, OUT),
        Op::NewChain(f, IN),
        Op::NewSet(f, SetKind::Vips),
        Op::NewRule(f, vips_drop(f, Dir::In, c)),
        Op::NewRule(f, vips_drop(f, Dir::Out, c)),
    ]
}

/// keepalived's nft_setup_ipv6 + nft_setup_ipv6_vips, in its order (the order rules are
/// evaluated in: neighbour discovery first, then link-local, then the other VIPs).
pub fn setup_ip6(cfg: &FirewallConfig) -> Vec<Op> {
    let f = Family::Ip6;
    let c = cfg.counters;
    vec![
        Op::NewTable(f),
        Op::NewChain(f, OUT),
        Op::NewChain(f, IN),
        Op::NewChain(f, IN_LL),
        Op::NewChain(f, OUT_LL),
        Op::NewSet(f, SetKind::Vips),
        Op::NewSet(f, SetKind::NeighborDiscovery),
        // A constant set gets its elements in the transaction that creates it.
        Op::NdTypes(vec![ND_NEIGHBOR_SOLICIT, ND_NEIGHBOR_ADVERT]),
        Op::NewRule(f, nd_accept(Dir::In, c)),
        Op::NewRule(f, link_local_goto(Dir::In, c)),
        Op::NewRule(f, nd_accept(Dir::Out, c)),
        Op::NewRule(f, link_local_goto(Dir::Out, c)),
        Op::NewRule(f, vips_drop(f, Dir::In, c)),
        Op::NewRule(f, vips_drop(f, Dir::Out, c)),
    ]
}

/// keepalived's setup_link_local_checks: the set for link-local VIPs and its two rules.
pub fn setup_link_local(cfg: &FirewallConfig, by_name: bool) -> Vec<Op> {
    let kind = if by_name {
        SetKind::LinkLocalName
    } else {
        SetKind::LinkLocalIndex
    };
    vec![
        Op::NewSet(Family::Ip6, kind),
        Op::NewRule(Family::Ip6, link_local_drop(Dir::In, by_name, cfg.counters)),
        Op::NewRule(
            Family::Ip6,
            link_local_drop(Dir::Out, by_name, cfg.counters),
        ),
    ]
}

/// Adds (or deletes) elements, one message per set and per [`ELEMS_PER_MSG`] elements,
/// sets in a fixed order.
pub fn element_ops(elements: &[Element], add: bool) -> Vec<Op> {
    let mut sorted: Vec<&Element> = elements.iter().collect();
    sorted.sort_by_key(|e| e.set);
    let mut ops = Vec::new();
    for group in sorted.chunk_by(|a, b| a.set == b.set) {
        for chunk in group.chunks(ELEMS_PER_MSG) {
            let set = chunk[0].set;
            let list: Vec<Element> = chunk.iter().map(|e| (*e).clone()).collect();
            ops.push(if add {
                Op::AddElems(set, list)
            } else {
                Op::DelElems(set, list)
            });
        }
    }
    ops
}

/// NFT_MSG_GETTABLE for our table: answered with the table, or ENOENT.
pub fn get_table(cfg: &FirewallConfig, family: Family) -> Request {
    let mut a = Attrs::new();
    a.put_str(NFTA_TABLE_NAME, &cfg.table);
    Request {
        msg: NFT_MSG_GETTABLE,
        flags: 0,
        family: family.nfproto(),
        attrs: a.bytes().to_vec(),
    }
}

impl Op {
    /// What this step does, for error messages: "add the VIP 10.0.0.100 to nftables set
    /// `ip keepalived vips`" (nft's own way to name the object).
    pub fn describe(&self, table: &str) -> String {
        match self {
            Op::NewTable(f) => format!("create nftables table `{f} {table}`"),
            Op::DelTable(f) => format!("delete nftables table `{f} {table}`"),
            Op::NewChain(f, c) => format!("create nftables chain `{f} {table} {}`", c.name),
            Op::NewSet(f, k) => format!("create nftables set `{f} {table} {}`", k.name()),
            Op::NewRule(f, r) => format!(
                "add nftables rule `{}` to chain `{f} {table} {}`",
                r.text, r.chain
            ),
            Op::NdTypes(_) => format!(
                "add neighbour discovery types to nftables set `ip6 {table} neighbor-discovery`"
            ),
            Op::AddElems(set, els) => format!(
                "add {} to nftables set `{} {table} {}`",
                vips_words(els),
                set.family(),
                set.kind().name()
            ),
            Op::DelElems(set, els) => format!(
                "remove {} from nftables set `{} {table} {}`",
                vips_words(els),
                set.family(),
                set.kind().name()
            ),
        }
    }

    /// The nf_tables request.
    pub fn request(&self, cfg: &FirewallConfig) -> Request {
        let table = cfg.table.as_str();
        let mut a = Attrs::new();
        let (msg, flags, family) = match self {
            Op::NewTable(f) | Op::DelTable(f) => {
                a.put_str(NFTA_TABLE_NAME, table);
                let (msg, flags) = match self {
                    Op::NewTable(_) => (NFT_MSG_NEWTABLE, NLM_F_CREATE),
                    _ => (NFT_MSG_DELTABLE, 0),
                };
                (msg, flags, *f)
            }
            Op::NewChain(f, c) => {
                a.put_str(NFTA_CHAIN_TABLE, table);
                a.put_str(NFTA_CHAIN_NAME, c.name);
                if let Some(hook) = c.hook {
                    a.nest(NFTA_CHAIN_HOOK, |h| {
                        h.put_be32(NFTA_HOOK_HOOKNUM, hook);
                        // The kernel reads the priority as a signed be32.
                        h.put(NFTA_HOOK_PRIORITY, &cfg.priority.to_be_bytes());
                    });
                    a.put_be32(NFTA_CHAIN_POLICY, NF_ACCEPT);
                    a.put_str(NFTA_CHAIN_TYPE, "filter");
                }
                (NFT_MSG_NEWCHAIN, NLM_F_CREATE, *f)
            }
            Op::NewSet(f, kind) => {
                let (ktype, klen) = kind.key(*f);
                a.put_str(NFTA_SET_TABLE, table);
                a.put_str(NFTA_SET_NAME, kind.name());
                if *kind == SetKind::NeighborDiscovery {
                    a.put_be32(NFTA_SET_FLAGS, NFT_SET_CONSTANT);
                }
                a.put_be32(NFTA_SET_KEY_TYPE, ktype);
                a.put_be32(NFTA_SET_KEY_LEN, klen);
                a.put_be32(NFTA_SET_ID, kind.id(*f));
                // Read only by nft, to print the keys: addresses are big endian,
                // everything else (indexes, concatenations, ICMPv6 types) host order.
                let order = if matches!(ktype, NFT_TYPE_IPADDR | NFT_TYPE_IP6ADDR) {
                    BYTEORDER_BIG_ENDIAN
                } else {
                    BYTEORDER_HOST_ENDIAN
                };
                let mut udata = vec![NFTNL_UDATA_SET_KEYBYTEORDER, 4];
                udata.extend_from_slice(&order.to_ne_bytes());
                a.put(NFTA_SET_USERDATA, &udata);
                (NFT_MSG_NEWSET, NLM_F_CREATE, *f)
            }
            Op::NewRule(f, r) => {
                a.put_str(NFTA_RULE_TABLE, table);
                a.put_str(NFTA_RULE_CHAIN, r.chain);
                a.nest(NFTA_RULE_EXPRESSIONS, |list| {
                    for e in &r.exprs {
                        list.nest(NFTA_LIST_ELEM, |el| encode_expr(el, e));
                    }
                });
                (NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, *f)
            }
            Op::NdTypes(types) => {
                let keys: Vec<&[u8]> = types.chunks(1).collect();
                elements_attrs(&mut a, table, SetKind::NeighborDiscovery.name(), &keys);
                (NFT_MSG_NEWSETELEM, NLM_F_CREATE, Family::Ip6)
            }
            Op::AddElems(set, els) | Op::DelElems(set, els) => {
                let keys: Vec<&[u8]> = els.iter().map(|e| e.key.as_slice()).collect();
                elements_attrs(&mut a, table, set.kind().name(), &keys);
                // No NLM_F_EXCL: adding an element that is there already is success.
                let (msg, flags) = match self {
                    Op::AddElems(..) => (NFT_MSG_NEWSETELEM, NLM_F_CREATE),
                    _ => (NFT_MSG_DELSETELEM, 0),
                };
                (msg, flags, set.family())
            }
        };
        Request {
            msg,
            flags,
            family: family.nfproto(),
            attrs: a.bytes().to_vec(),
        }
    }
}

fn vips_words(els: &[Element]) -> String {
    let labels: Vec<&str> = els.iter().map(|e| e.label.as_str()).collect();
    match labels.len() {
        1 => format!("the VIP {}", labels[0]),
        _ => format!("the VIPs {}", labels.join(", ")),
    }
}

fn elements_attrs(a: &mut Attrs, table: &str, set: &str, keys: &[&[u8]]) {
    a.put_str(NFTA_SET_ELEM_LIST_TABLE, table);
    a.put_str(NFTA_SET_ELEM_LIST_SET, set);
    a.nest(NFTA_SET_ELEM_LIST_ELEMENTS, |list| {
        for key in keys {
            list.nest(NFTA_LIST_ELEM, |el| {
                el.nest(NFTA_SET_ELEM_KEY, |k| {
                    k.put(NFTA_DATA_VALUE, key);
                });
            });
        }
    });
}

fn encode_expr(a: &mut Attrs, e: &Expr) {
    let name = match e {
        Expr::Payload { .. } => "payload",
        Expr::Meta { .. } => "meta",
        Expr::Cmp { .. } => "cmp",
        Expr::Bitwise { .. } => "bitwise",
        Expr::Lookup { .. } => "lookup",
        Expr::Counter => "counter",
        Expr::Verdict(_) => "immediate",
    };
    a.put_str(NFTA_EXPR_NAME, name);
    a.nest(NFTA_EXPR_DATA, |d| match e {
        Expr::Payload {
            base,
            offset,
            len,
            dreg,
        } => {
            d.put_be32(NFTA_PAYLOAD_DREG, *dreg)
                .put_be32(NFTA_PAYLOAD_BASE, *base)
                .put_be32(NFTA_PAYLOAD_OFFSET, *offset)
                .put_be32(NFTA_PAYLOAD_LEN, *len);
        }
        Expr::Meta { key, dreg } => {
            d.put_be32(NFTA_META_KEY, *key)
                .put_be32(NFTA_META_DREG, *dreg);
        }
        Expr::Cmp { sreg, data } => {
            d.put_be32(NFTA_CMP_SREG, *sreg)
                .put_be32(NFTA_CMP_OP, NFT_CMP_EQ)
                .nest(NFTA_CMP_DATA, |v| {
                    v.put(NFTA_DATA_VALUE, data);
                });
        }
        Expr::Bitwise {
            sreg,
            dreg,
            mask,
            xor,
        } => {
            let len = u32::try_from(mask.len()).unwrap_or(u32::MAX);
            d.put_be32(NFTA_BITWISE_SREG, *sreg)
                .put_be32(NFTA_BITWISE_DREG, *dreg)
                .put_be32(NFTA_BITWISE_LEN, len)
                .nest(NFTA_BITWISE_MASK, |v| {
                    v.put(NFTA_DATA_VALUE, mask);
                })
                .nest(NFTA_BITWISE_XOR, |v| {
                    v.put(NFTA_DATA_VALUE, xor);
                });
        }
        Expr::Lookup { sreg, set } => {
            d.put_be32(NFTA_LOOKUP_SREG, *sreg)
                .put_str(NFTA_LOOKUP_SET, set);
        }
        Expr::Counter => {}
        Expr::Verdict(v) => {
            d.put_be32(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT)
                .nest(NFTA_IMMEDIATE_DATA, |data| {
                    data.nest(NFTA_DATA_VERDICT, |vd| {
                        let code = match v {
                            Verdict::Drop => NF_DROP,
                            Verdict::Accept => NF_ACCEPT,
                            Verdict::Goto(_) => NFT_GOTO,
                        };
                        vd.put_be32(NFTA_VERDICT_CODE, code);
                        if let Verdict::Goto(chain) = v {
                            vd.put_str(NFTA_VERDICT_CHAIN, chain);
                        }
                    });
                });
        }
    });
}
