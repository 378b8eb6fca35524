//! The kernel's netlink, nfnetlink and nf_tables numbers this client uses
//! (linux/netlink.h, linux/netfilter/nfnetlink.h, linux/netfilter/nf_tables.h,
//! linux/netfilter.h), plus the nft tool's set datatypes and udata tags, which only `nft
//! list` reads. Integer attributes of nf_tables travel in network byte order.

// ---- netlink ----
pub const NETLINK_NETFILTER: i32 = 12;
pub const NLMSG_HDR_LEN: usize = 16;
pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;
pub const NLM_F_REQUEST: u16 = 0x1;
pub const NLM_F_ACK: u16 = 0x4;
pub const NLM_F_EXCL: u16 = 0x200;
pub const NLM_F_CREATE: u16 = 0x400;
pub const NLM_F_APPEND: u16 = 0x800;
pub const NLA_HDR_LEN: usize = 4;
pub const NLA_F_NESTED: u16 = 0x8000;

// ---- nfnetlink ----
/// `struct nfgenmsg`: family, version, resource id (big endian).
pub const NFGENMSG_LEN: usize = 4;
pub const NFNETLINK_V0: u8 = 0;
pub const NFNL_SUBSYS_NFTABLES: u16 = 10;
pub const NFNL_MSG_BATCH_BEGIN: u16 = 16;
pub const NFNL_MSG_BATCH_END: u16 = 17;

// ---- netfilter ----
pub const NFPROTO_UNSPEC: u8 = 0;
pub const NFPROTO_IPV4: u8 = 2;
pub const NFPROTO_IPV6: u8 = 10;
pub const NF_INET_LOCAL_IN: u32 = 1;
pub const NF_INET_LOCAL_OUT: u32 = 3;
pub const NF_DROP: u32 = 0;
pub const NF_ACCEPT: u32 = 1;
/// `NFT_GOTO` (-4) as the kernel reads it from a be32.
pub const NFT_GOTO: u32 = (-4i32) as u32;

// ---- nf_tables messages ----
pub const NFT_MSG_NEWTABLE: u16 = 0;
pub const NFT_MSG_GETTABLE: u16 = 1;
pub const NFT_MSG_DELTABLE: u16 = 2;
pub const NFT_MSG_NEWCHAIN: u16 = 3;
pub const NFT_MSG_NEWRULE: u16 = 6;
pub const NFT_MSG_NEWSET: u16 = 9;
pub const NFT_MSG_NEWSETELEM: u16 = 12;
pub const NFT_MSG_DELSETELEM: u16 = 14;

// ---- attributes ----
pub const NFTA_TABLE_NAME: u16 = 1;

pub const NFTA_CHAIN_TABLE: u16 = 1;
pub const NFTA_CHAIN_NAME: u16 = 3;
pub const NFTA_CHAIN_HOOK: u16 = 4;
pub const NFTA_CHAIN_POLICY: u16 = 5;
pub const NFTA_CHAIN_TYPE: u16 = 7;
pub const NFTA_HOOK_HOOKNUM: u16 = 1;
pub const NFTA_HOOK_PRIORITY: u16 = 2;

pub const NFTA_RULE_TABLE: u16 = 1;
pub const NFTA_RULE_CHAIN: u16 = 2;
pub const NFTA_RULE_EXPRESSIONS: u16 = 4;
pub const NFTA_LIST_ELEM: u16 = 1;
pub const NFTA_EXPR_NAME: u16 = 1;
pub const NFTA_EXPR_DATA: u16 = 2;

pub const NFTA_SET_TABLE: u16 = 1;
pub const NFTA_SET_NAME: u16 = 2;
pub const NFTA_SET_FLAGS: u16 = 3;
pub const NFTA_SET_KEY_TYPE: u16 = 4;
pub const NFTA_SET_KEY_LEN: u16 = 5;
pub const NFTA_SET_ID: u16 = 10;
pub const NFTA_SET_USERDATA: u16 = 13;
pub const NFT_SET_CONSTANT: u32 = 0x2;

pub const NFTA_SET_ELEM_LIST_TABLE: u16 = 1;
pub const NFTA_SET_ELEM_LIST_SET: u16 = 2;
pub const NFTA_SET_ELEM_LIST_ELEMENTS: u16 = 3;
pub const NFTA_SET_ELEM_KEY: u16 = 1;

pub const NFTA_DATA_VALUE: u16 = 1;
pub const NFTA_DATA_VERDICT: u16 = 2;
pub const NFTA_VERDICT_CODE: u16 = 1;
pub const NFTA_VERDICT_CHAIN: u16 = 2;

pub const NFTA_PAYLOAD_DREG: u16 = 1;
pub const NFTA_PAYLOAD_BASE: u16 = 2;
pub const NFTA_PAYLOAD_OFFSET: u16 = 3;
pub const NFTA_PAYLOAD_LEN: u16 = 4;
pub const NFT_PAYLOAD_NETWORK_HEADER: u32 = 1;
pub const NFT_PAYLOAD_TRANSPORT_HEADER: u32 = 2;

pub const NFTA_CMP_SREG: u16 = 1;
pub const NFTA_CMP_OP: u16 = 2;
pub const NFTA_CMP_DATA: u16 = 3;
pub const NFT_CMP_EQ: u32 = 0;

pub const NFTA_LOOKUP_SET: u16 = 1;
pub const NFTA_LOOKUP_SREG: u16 = 2;

pub const NFTA_META_DREG: u16 = 1;
pub const NFTA_META_KEY: u16 = 2;
pub const NFT_META_IIF: u32 = 4;
pub const NFT_META_OIF: u32 = 5;
pub const NFT_META_IIFNAME: u32 = 6;
pub const NFT_META_OIFNAME: u32 = 7;

pub const NFTA_BITWISE_SREG: u16 = 1;
pub const NFTA_BITWISE_DREG: u16 = 2;
pub const NFTA_BITWISE_LEN: u16 = 3;
pub const NFTA_BITWISE_MASK: u16 = 4;
pub const NFTA_BITWISE_XOR: u16 = 5;

pub const NFTA_IMMEDIATE_DREG: u16 = 1;
pub const NFTA_IMMEDIATE_DATA: u16 = 2;

/// The 16-byte registers (keepalived uses these, not the 4-byte NFT_REG32_*): a
/// concatenated key loaded into reg 1 and reg 2 lies contiguously in the register file.
pub const NFT_REG_VERDICT: u32 = 0;
pub const NFT_REG_1: u32 = 1;
pub const NFT_REG_2: u32 = 2;

// ---- the nft tool's datatypes (nftables include/datatype.h), for `nft list` ----
pub const NFT_TYPE_IPADDR: u32 = 7;
pub const NFT_TYPE_IP6ADDR: u32 = 8;
pub const NFT_TYPE_IFINDEX: u32 = 20;
pub const NFT_TYPE_ICMPV6_TYPE: u32 = 29;
pub const NFT_TYPE_IFNAME: u32 = 41;
/// A concatenated key type is its parts' types, 6 bits each, the first part highest.
pub const NFT_TYPE_BITS: u32 = 6;

/// libnftnl's set userdata tag for the key's byte order, and its values.
pub const NFTNL_UDATA_SET_KEYBYTEORDER: u8 = 0;
pub const BYTEORDER_HOST_ENDIAN: u32 = 1;
pub const BYTEORDER_BIG_ENDIAN: u32 = 2;

// ---- packet layout ----
pub const IFNAMSIZ: usize = 16;
pub const IPPROTO_ICMPV6: u8 = 58;
pub const ND_NEIGHBOR_SOLICIT: u8 = 135;
pub const ND_NEIGHBOR_ADVERT: u8 = 136;

#[cfg(test)]
mod tests {
    use super::*;
    use nix::libc;

    /// The numbers libc also defines agree with it (the rest are checked against the
    /// kernel by the namespace tests).
    #[test]
    fn numbers_agree_with_libc() {
        assert_eq!(NETLINK_NETFILTER, libc::NETLINK_NETFILTER);
        assert_eq!(i32::from(NLMSG_ERROR), libc::NLMSG_ERROR);
        assert_eq!(i32::from(NLMSG_DONE), libc::NLMSG_DONE);
        assert_eq!(i32::from(NLM_F_REQUEST), libc::NLM_F_REQUEST);
        assert_eq!(i32::from(NLM_F_ACK), libc::NLM_F_ACK);
        assert_eq!(i32::from(NLM_F_EXCL), libc::NLM_F_EXCL);
        assert_eq!(i32::from(NLM_F_CREATE), libc::NLM_F_CREATE);
        assert_eq!(i32::from(NLM_F_APPEND), libc::NLM_F_APPEND);
        assert_eq!(i32::from(NLA_F_NESTED), libc::NLA_F_NESTED);
        assert_eq!(i32::from(NFNETLINK_V0), libc::NFNETLINK_V0);
        assert_eq!(i32::from(NFNL_SUBSYS_NFTABLES), libc::NFNL_SUBSYS_NFTABLES);
        assert_eq!(i32::from(NFNL_MSG_BATCH_BEGIN), libc::NFNL_MSG_BATCH_BEGIN);
        assert_eq!(i32::from(NFNL_MSG_BATCH_END), libc::NFNL_MSG_BATCH_END);
        assert_eq!(i32::from(NFPROTO_UNSPEC), libc::NFPROTO_UNSPEC);
        assert_eq!(i32::from(NFPROTO_IPV4), libc::NFPROTO_IPV4);
        assert_eq!(i32::from(NFPROTO_IPV6), libc::NFPROTO_IPV6);
        assert_eq!(NF_INET_LOCAL_IN as i32, libc::NF_INET_LOCAL_IN);
        assert_eq!(NF_INET_LOCAL_OUT as i32, libc::NF_INET_LOCAL_OUT);
        assert_eq!(NF_DROP as i32, libc::NF_DROP);
        assert_eq!(NF_ACCEPT as i32, libc::NF_ACCEPT);
        assert_eq!(NFT_GOTO as i32, libc::NFT_GOTO);
        for (ours, theirs) in [
            (NFT_MSG_NEWTABLE, libc::NFT_MSG_NEWTABLE),
            (NFT_MSG_GETTABLE, libc::NFT_MSG_GETTABLE),
            (NFT_MSG_DELTABLE, libc::NFT_MSG_DELTABLE),
            (NFT_MSG_NEWCHAIN, libc::NFT_MSG_NEWCHAIN),
            (NFT_MSG_NEWRULE, libc::NFT_MSG_NEWRULE),
            (NFT_MSG_NEWSET, libc::NFT_MSG_NEWSET),
            (NFT_MSG_NEWSETELEM, libc::NFT_MSG_NEWSETELEM),
            (NFT_MSG_DELSETELEM, libc::NFT_MSG_DELSETELEM),
        ] {
            assert_eq!(i32::from(ours), theirs);
        }
        assert_eq!(NFT_SET_CONSTANT as i32, libc::NFT_SET_CONSTANT);
        assert_eq!(
            NFT_PAYLOAD_NETWORK_HEADER as i32,
            libc::NFT_PAYLOAD_NETWORK_HEADER
        );
        assert_eq!(
            NFT_PAYLOAD_TRANSPORT_HEADER as i32,
            libc::NFT_PAYLOAD_TRANSPORT_HEADER
        );
        assert_eq!(NFT_CMP_EQ as i32, libc::NFT_CMP_EQ);
        assert_eq!(NFT_META_IIF as i32, libc::NFT_META_IIF);
        assert_eq!(NFT_META_OIF as i32, libc::NFT_META_OIF);
        assert_eq!(NFT_META_IIFNAME as i32, libc::NFT_META_IIFNAME);
        assert_eq!(NFT_META_OIFNAME as i32, libc::NFT_META_OIFNAME);
        assert_eq!(NFT_REG_VERDICT as i32, libc::NFT_REG_VERDICT);
        assert_eq!(NFT_REG_1 as i32, libc::NFT_REG_1);
        assert_eq!(NFT_REG_2 as i32, libc::NFT_REG_2);
        assert_eq!(i32::from(IPPROTO_ICMPV6), libc::IPPROTO_ICMPV6);
        assert_eq!(NLMSG_HDR_LEN, std::mem::size_of::<libc::nlmsghdr>());
        assert_eq!(NLA_HDR_LEN, std::mem::size_of::<libc::nlattr>());
    }
}
