//! nfnetlink framing as plain bytes: attributes (nested ones flagged NLA_F_NESTED), one
//! nf_tables message, a batch between NFNL_MSG_BATCH_BEGIN and _END, and the kernel's
//! replies read back into (sequence, error) pairs. Pure: no sockets here.

use super::uapi::*;

/// Netlink attributes being written; every attribute is padded to 4 bytes.
#[derive(Debug, Default, Clone)]
pub struct Attrs {
    buf: Vec<u8>,
}

impl Attrs {
    pub fn new() -> Attrs {
        Attrs::default()
    }

    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// One attribute with `payload` as its value.
    pub fn put(&mut self, ty: u16, payload: &[u8]) -> &mut Self {
        let start = self.header(ty);
        self.buf.extend_from_slice(payload);
        self.close(start);
        self
    }

    /// A big-endian u32, as nf_tables reads its integers.
    pub fn put_be32(&mut self, ty: u16, value: u32) -> &mut Self {
        self.put(ty, &value.to_be_bytes())
    }

    /// A NUL-terminated string.
    pub fn put_str(&mut self, ty: u16, s: &str) -> &mut Self {
        let start = self.header(ty);
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.push(0);
        self.close(start);
        self
    }

    /// A nested attribute whose contents `fill` writes.
    pub fn nest(&mut self, ty: u16, fill: impl FnOnce(&mut Attrs)) -> &mut Self {
        let start = self.header(ty | NLA_F_NESTED);
        fill(self);
        self.close(start);
        self
    }

    fn header(&mut self, ty: u16) -> usize {
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0, 0]);
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        start
    }

    /// Writes the length (header and value, without padding) and pads to 4 bytes.
    fn close(&mut self, start: usize) {
        let len = self.buf.len() - start;
        // Callers keep messages far below 64 KiB (names are at most 255 bytes, element
        // lists are split); a longer attribute would be a bug in this module.
        debug_assert!(
            len <= usize::from(u16::MAX),
            "netlink attribute of {len} bytes"
        );
        let len = u16::try_from(len).unwrap_or(u16::MAX);
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        self.buf.resize(self.buf.len().next_multiple_of(4), 0);
    }
}

/// The nlmsghdr type of an nf_tables message.
pub fn nft_type(msg: u16) -> u16 {
    (NFNL_SUBSYS_NFTABLES << 8) | msg
}

/// One message: nlmsghdr (native endian, port id 0: the kernel fills ours in), nfgenmsg
/// (family, version 0, resource id big endian), attributes.
pub fn message(ty: u16, flags: u16, seq: u32, family: u8, res_id: u16, attrs: &[u8]) -> Vec<u8> {
    let len = NLMSG_HDR_LEN + NFGENMSG_LEN + attrs.len();
    let mut m = Vec::with_capacity(len);
    m.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_ne_bytes());
    m.extend_from_slice(&ty.to_ne_bytes());
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&seq.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes());
    m.push(family);
    m.push(NFNETLINK_V0);
    m.extend_from_slice(&res_id.to_be_bytes());
    m.extend_from_slice(attrs);
    m
}

/// One request of a batch, before it gets its sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// NFT_MSG_*.
    pub msg: u16,
    /// NLM_F_* beyond REQUEST and ACK, which every request carries.
    pub flags: u16,
    pub family: u8,
    pub attrs: Vec<u8>,
}

/// A batch ready to send: its bytes and the sequence numbers of its parts.
#[derive(Debug, Clone)]
pub struct Batch {
    pub bytes: Vec<u8>,
    pub begin_seq: u32,
    /// One per request, in order; each request asks for an ACK.
    pub seqs: Vec<u32>,
    pub end_seq: u32,
}

/// Frames `requests` between BATCH_BEGIN and BATCH_END with consecutive sequence numbers
/// from `first_seq`. The kernel applies a batch as one transaction: all or nothing.
pub fn batch(first_seq: u32, requests: &[Request]) -> Batch {
    let mut seq = first_seq;
    let mut next = || {
        let s = seq;
        seq = seq.wrapping_add(1);
        s
    };
    // The batch header's resource id names the subsystem the batch is for.
    let begin_seq = next();
    let mut bytes = message(
        NFNL_MSG_BATCH_BEGIN,
        NLM_F_REQUEST,
        begin_seq,
        NFPROTO_UNSPEC,
        NFNL_SUBSYS_NFTABLES,
        &[],
    );
    let mut seqs = Vec::with_capacity(requests.len());
    for r in requests {
        let s = next();
        seqs.push(s);
        bytes.extend(message(
            nft_type(r.msg),
            NLM_F_REQUEST | NLM_F_ACK | r.flags,
            s,
            r.family,
            0,
            &r.attrs,
        ));
    }
    let end_seq = next();
    bytes.extend(message(
        NFNL_MSG_BATCH_END,
        NLM_F_REQUEST,
        end_seq,
        NFPROTO_UNSPEC,
        NFNL_SUBSYS_NFTABLES,
        &[],
    ));
    Batch {
        bytes,
        begin_seq,
        seqs,
        end_seq,
    }
}

/// What one reply message says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// NLMSG_ERROR: 0 is an ACK, otherwise a positive errno.
    Ack { seq: u32, errno: i32 },
    /// Any other message (a GET's answer, NLMSG_DONE...): its type and sequence.
    Other { seq: u32, ty: u16 },
}

/// The replies in one datagram. A message whose length runs past the datagram ends it,
/// except an NLMSG_ERROR whose error code and sequence arrived (the kernel copies the
/// whole request into an error reply, which a short buffer truncates).
pub fn parse_replies(datagram: &[u8]) -> Vec<Reply> {
    let mut out = Vec::new();
    let mut rest = datagram;
    while let Some(h) = rest.get(..NLMSG_HDR_LEN) {
        let len = u32::from_ne_bytes([h[0], h[1], h[2], h[3]]);
        let ty = u16::from_ne_bytes([h[4], h[5]]);
        let seq = u32::from_ne_bytes([h[8], h[9], h[10], h[11]]);
        let Ok(len) = usize::try_from(len) else { break };
        if len < NLMSG_HDR_LEN {
            break;
        }
        if ty == NLMSG_ERROR {
            let Some(code) = rest.get(NLMSG_HDR_LEN..NLMSG_HDR_LEN + 4) else {
                break;
            };
            let code = i32::from_ne_bytes([code[0], code[1], code[2], code[3]]);
            out.push(Reply::Ack {
                seq,
                errno: code.checked_neg().unwrap_or(i32::MAX),
            });
        } else if len <= rest.len() {
            out.push(Reply::Other { seq, ty });
        }
        if len > rest.len() {
            break;
        }
        rest = rest.get(len.next_multiple_of(4)..).unwrap_or(&[]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_padded_and_nests_flagged() {
        let mut a = Attrs::new();
        a.put_str(1, "in").put_be32(2, 0x0102_0304).nest(3, |n| {
            n.put(1, &[0xaa]);
        });
        let h = |len: u16, ty: u16| {
            let mut v = len.to_ne_bytes().to_vec();
            v.extend_from_slice(&ty.to_ne_bytes());
            v
        };
        let mut want = h(7, 1);
        want.extend_from_slice(b"in\0\0");
        want.extend(h(8, 2));
        want.extend_from_slice(&[1, 2, 3, 4]);
        want.extend(h(12, 3 | NLA_F_NESTED));
        want.extend(h(5, 1));
        want.extend_from_slice(&[0xaa, 0, 0, 0]);
        assert_eq!(a.bytes(), &want[..]);
    }

    #[test]
    fn batch_frames_requests_with_consecutive_sequences() {
        let r = Request {
            msg: NFT_MSG_DELTABLE,
            flags: 0,
            family: NFPROTO_IPV4,
            attrs: Attrs::new().put_str(NFTA_TABLE_NAME, "ka").bytes().to_vec(),
        };
        let b = batch(7, &[r]);
        assert_eq!((b.begin_seq, b.seqs.clone(), b.end_seq), (7, vec![8], 9));
        let ne16 = |v: u16| v.to_ne_bytes();
        let ne32 = |v: u32| v.to_ne_bytes();
        let mut want = Vec::new();
        // BATCH_BEGIN: 20 bytes, REQUEST, seq 7, nfgenmsg AF_UNSPEC v0 res_id 10 (be).
        want.extend(ne32(20));
        want.extend(ne16(16));
        want.extend(ne16(1));
        want.extend(ne32(7));
        want.extend(ne32(0));
        want.extend([0, 0, 0, 10]);
        // DELTABLE ip: type 0x0a02, REQUEST|ACK, seq 8, table name "ka".
        want.extend(ne32(28));
        want.extend(ne16(0x0a02));
        want.extend(ne16(5));
        want.extend(ne32(8));
        want.extend(ne32(0));
        want.extend([2, 0, 0, 0]);
        want.extend(ne16(7));
        want.extend(ne16(1));
        want.extend(*b"ka\0\0");
        // BATCH_END.
        want.extend(ne32(20));
        want.extend(ne16(17));
        want.extend(ne16(1));
        want.extend(ne32(9));
        want.extend(ne32(0));
        want.extend([0, 0, 0, 10]);
        assert_eq!(b.bytes, want);
    }

    fn error_reply(seq: u32, code: i32, echoed: &[u8]) -> Vec<u8> {
        let len = (NLMSG_HDR_LEN + 4 + echoed.len()) as u32;
        let mut m = len.to_ne_bytes().to_vec();
        m.extend(NLMSG_ERROR.to_ne_bytes());
        m.extend(0u16.to_ne_bytes());
        m.extend(seq.to_ne_bytes());
        m.extend(0u32.to_ne_bytes());
        m.extend(code.to_ne_bytes());
        m.extend_from_slice(echoed);
        m
    }

    #[test]
    fn acks_errors_and_other_replies_are_read() {
        let mut d = error_reply(5, 0, &[0; 16]);
        d.extend(error_reply(6, -1, &[0; 16]));
        d.extend(message(nft_type(NFT_MSG_NEWTABLE), 0, 7, 2, 0, &[]));
        assert_eq!(
            parse_replies(&d),
            vec![
                Reply::Ack { seq: 5, errno: 0 },
                Reply::Ack { seq: 6, errno: 1 },
                Reply::Other {
                    seq: 7,
                    ty: nft_type(NFT_MSG_NEWTABLE)
                },
            ]
        );
        // An error reply cut short by the buffer still gives its code.
        let long = error_reply(9, -17, &[0; 400]);
        assert_eq!(
            parse_replies(&long[..40]),
            vec![Reply::Ack { seq: 9, errno: 17 }]
        );
    }

    #[test]
    fn garbage_never_panics() {
        assert!(parse_replies(&[]).is_empty());
        assert!(parse_replies(&[1, 2, 3]).is_empty());
        let mut bad = error_reply(1, i32::MIN, &[]);
        assert_eq!(
            parse_replies(&bad),
            vec![Reply::Ack {
                seq: 1,
                errno: i32::MAX
            }]
        );
        bad[..4].copy_from_slice(&3u32.to_ne_bytes());
        assert!(parse_replies(&bad).is_empty());
        let mut noise = 0x9e37_79b9u32;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    noise = noise.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (noise >> 16) as u8
                })
                .collect();
            let _ = parse_replies(&bytes);
            let mut framed = error_reply(3, -2, &bytes);
            framed.extend(&bytes);
            let _ = parse_replies(&framed);
        }
    }
}
