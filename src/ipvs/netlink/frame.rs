//! Netlink framing as plain bytes: generic-netlink messages written back to back into one
//! buffer (a batch is one `sendmsg`), and replies read in place: messages, attributes and
//! their values are borrowed slices of the receive buffer, so decoding allocates nothing but
//! the model values. Pure: no sockets here.
//!
//! Everything is in host byte order except where the kernel says `be16`/`be32`; attributes
//! are padded to 4 bytes (NLA_ALIGN) and so are messages (NLMSG_ALIGN).

use super::uapi::*;
use crate::ipvs::IpvsError;

/// One message being appended to a buffer: [`MessageWriter::begin`] writes the netlink and
/// generic-netlink headers, the attribute methods append, [`MessageWriter::end`] writes the
/// length. Callers check their values before `begin`, so a message is never left half made.
pub struct MessageWriter<'a> {
    buf: &'a mut Vec<u8>,
    start: usize,
}

impl<'a> MessageWriter<'a> {
    /// Starts a message of netlink type `ty` (the family id) with generic-netlink `cmd`.
    /// The port id is 0: the kernel fills in ours.
    pub fn begin(
        buf: &'a mut Vec<u8>,
        ty: u16,
        flags: u16,
        seq: u32,
        cmd: u8,
        version: u8,
    ) -> MessageWriter<'a> {
        let start = buf.len();
        buf.extend_from_slice(&0u32.to_ne_bytes());
        buf.extend_from_slice(&ty.to_ne_bytes());
        buf.extend_from_slice(&flags.to_ne_bytes());
        buf.extend_from_slice(&seq.to_ne_bytes());
        buf.extend_from_slice(&0u32.to_ne_bytes());
        buf.extend_from_slice(&[cmd, version, 0, 0]);
        MessageWriter { buf, start }
    }

    /// Writes the message length into its header.
    pub fn end(self) {
        let len = self.buf.len() - self.start;
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        self.buf[self.start..self.start + 4].copy_from_slice(&len.to_ne_bytes());
    }

    pub fn bytes(&mut self, ty: u16, value: &[u8]) -> &mut Self {
        let start = self.attr_header(ty);
        self.buf.extend_from_slice(value);
        self.attr_end(start);
        self
    }

    pub fn u8(&mut self, ty: u16, value: u8) -> &mut Self {
        self.bytes(ty, &[value])
    }

    pub fn u16(&mut self, ty: u16, value: u16) -> &mut Self {
        self.bytes(ty, &value.to_ne_bytes())
    }

    /// A port or other network-order 16-bit value (the kernel's nla_get_be16).
    pub fn be16(&mut self, ty: u16, value: u16) -> &mut Self {
        self.bytes(ty, &value.to_be_bytes())
    }

    pub fn u32(&mut self, ty: u16, value: u32) -> &mut Self {
        self.bytes(ty, &value.to_ne_bytes())
    }

    /// A NUL-terminated string (NLA_NUL_STRING / NLA_STRING).
    pub fn string(&mut self, ty: u16, value: &str) -> &mut Self {
        let start = self.attr_header(ty);
        self.buf.extend_from_slice(value.as_bytes());
        self.buf.push(0);
        self.attr_end(start);
        self
    }

    /// A nested attribute whose contents `fill` writes. The type carries no NLA_F_NESTED
    /// flag, as the kernel's own replies and ipvsadm's requests (the IPVS policy parses
    /// either way).
    pub fn nest(&mut self, ty: u16, fill: impl FnOnce(&mut Self)) -> &mut Self {
        let start = self.attr_header(ty);
        fill(self);
        self.attr_end(start);
        self
    }

    fn attr_header(&mut self, ty: u16) -> usize {
        let start = self.buf.len();
        self.buf.extend_from_slice(&0u16.to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        start
    }

    /// Writes the attribute's length (header and value, without padding), then pads.
    fn attr_end(&mut self, start: usize) {
        let len = self.buf.len() - start;
        // Values are bounded by the encoders (names are checked, nests hold a few fixed
        // attributes), so no attribute comes near 64 KiB.
        debug_assert!(len <= usize::from(u16::MAX), "attribute of {len} bytes");
        let len = u16::try_from(len).unwrap_or(u16::MAX);
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        self.buf.resize(self.buf.len().next_multiple_of(4), 0);
    }
}

/// One received netlink message; `payload` follows the 16-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    pub ty: u16,
    pub flags: u16,
    pub seq: u32,
    pub payload: &'a [u8],
}

/// What a received message means to the request that has its sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply<'a> {
    /// A family message (generic-netlink header and attributes).
    Data(&'a [u8]),
    /// NLMSG_ERROR with error 0: the request succeeded.
    Ack,
    /// NLMSG_ERROR with this (positive) errno.
    Error(i32),
    /// NLMSG_DONE: the end of a dump, with the dump's errno (0: complete).
    Done(i32),
    /// NLMSG_OVERRUN: data was lost.
    Overrun,
    /// NLMSG_NOOP or another control type: nothing for the caller.
    Ignore,
}

/// Smallest type number of a protocol's own messages (NLMSG_MIN_TYPE).
const NLMSG_MIN_TYPE: u16 = 0x10;

impl<'a> Message<'a> {
    pub fn reply(&self) -> Result<Reply<'a>, IpvsError> {
        Ok(match self.ty {
            NLMSG_ERROR => match leading_i32(self.payload) {
                Some(0) => Reply::Ack,
                Some(e) => Reply::Error(e.saturating_neg()),
                None => return Err(malformed("error message shorter than its error code")),
            },
            // Very old kernels sent DONE without the error code: complete.
            NLMSG_DONE => Reply::Done(leading_i32(self.payload).map_or(0, i32::saturating_neg)),
            NLMSG_OVERRUN => Reply::Overrun,
            NLMSG_NOOP => Reply::Ignore,
            t if t < NLMSG_MIN_TYPE => Reply::Ignore,
            _ => Reply::Data(self.payload),
        })
    }
}

fn leading_i32(b: &[u8]) -> Option<i32> {
    b.get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(i32::from_ne_bytes)
}

/// The messages of one received datagram, in order. A message whose length does not fit
/// the datagram ends the walk with an error.
pub fn messages(datagram: &[u8]) -> Messages<'_> {
    Messages { rest: datagram }
}

pub struct Messages<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, IpvsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let rest = std::mem::take(&mut self.rest);
        let Some(header) = rest.get(..NLMSG_HDRLEN) else {
            return Some(Err(malformed("datagram ends inside a message header")));
        };
        let len = read_u32(header, 0) as usize;
        if len < NLMSG_HDRLEN || len > rest.len() {
            return Some(Err(malformed(format!(
                "message length {len} in a datagram of {} bytes",
                rest.len()
            ))));
        }
        let msg = Message {
            ty: read_u16(header, 4),
            flags: read_u16(header, 6),
            seq: read_u32(header, 8),
            payload: &rest[NLMSG_HDRLEN..len],
        };
        // The last message may lack its padding.
        self.rest = rest.get(len.next_multiple_of(4)..).unwrap_or(&[]);
        Some(Ok(msg))
    }
}

/// Splits a family message into its generic-netlink command and its attributes.
pub fn genl(payload: &[u8]) -> Result<(u8, Attrs<'_>), IpvsError> {
    match payload {
        [cmd, _version, _, _, attrs @ ..] => Ok((*cmd, Attrs::new(attrs))),
        _ => Err(malformed("message shorter than its generic-netlink header")),
    }
}

/// One attribute: its type (flags masked off) and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    pub ty: u16,
    pub value: &'a [u8],
}

impl<'a> Attr<'a> {
    fn fixed<const N: usize>(&self) -> Result<[u8; N], IpvsError> {
        <[u8; N]>::try_from(self.value).map_err(|_| {
            malformed(format!(
                "attribute {} has {} bytes where {N} were expected",
                self.ty,
                self.value.len()
            ))
        })
    }

    pub fn u8(&self) -> Result<u8, IpvsError> {
        self.fixed::<1>().map(|[b]| b)
    }

    pub fn u16(&self) -> Result<u16, IpvsError> {
        self.fixed().map(u16::from_ne_bytes)
    }

    pub fn be16(&self) -> Result<u16, IpvsError> {
        self.fixed().map(u16::from_be_bytes)
    }

    pub fn u32(&self) -> Result<u32, IpvsError> {
        self.fixed().map(u32::from_ne_bytes)
    }

    pub fn be32(&self) -> Result<u32, IpvsError> {
        self.fixed().map(u32::from_be_bytes)
    }

    /// A counter the kernel sends as u32 (IPVS_*_ATTR_STATS) or u64 (STATS64, bytes).
    pub fn uint(&self) -> Result<u64, IpvsError> {
        match self.value.len() {
            4 => self.u32().map(u64::from),
            _ => self.fixed().map(u64::from_ne_bytes),
        }
    }

    /// A string up to its NUL (or the end of the value).
    pub fn string(&self) -> String {
        let end = self
            .value
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.value.len());
        String::from_utf8_lossy(&self.value[..end]).into_owned()
    }

    pub fn nested(&self) -> Attrs<'a> {
        Attrs::new(self.value)
    }
}

/// The attributes of a message or nest, in order. Unknown types are the caller's to skip
/// (newer kernels add attributes); a length that overruns the data is an error.
#[derive(Debug, Clone)]
pub struct Attrs<'a> {
    rest: &'a [u8],
}

impl<'a> Attrs<'a> {
    pub fn new(data: &'a [u8]) -> Attrs<'a> {
        Attrs { rest: data }
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<Attr<'a>, IpvsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let rest = std::mem::take(&mut self.rest);
        if rest.len() < NLA_HDRLEN {
            return Some(Err(malformed("attribute data ends inside a header")));
        }
        let len = usize::from(read_u16(rest, 0));
        let ty = read_u16(rest, 2) & NLA_TYPE_MASK;
        if len < NLA_HDRLEN || len > rest.len() {
            return Some(Err(malformed(format!(
                "attribute {ty} of length {len} in {} bytes",
                rest.len()
            ))));
        }
        self.rest = rest.get(len.next_multiple_of(4)..).unwrap_or(&[]);
        Some(Ok(Attr {
            ty,
            value: &rest[NLA_HDRLEN..len],
        }))
    }
}

pub fn malformed(why: impl Into<String>) -> IpvsError {
    IpvsError::Malformed(why.into())
}

// Callers check the length first.
fn read_u16(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
