//! An instance's adverts as the bytes that go out. A MASTER sends the same advert every
//! interval, so each destination keeps the packet last encoded for it: a later identical
//! advert only gets the next IPv4 identification written in, nothing is encoded or
//! allocated again (keepalived builds its packet once too and updates it in place).

use std::net::IpAddr;
use std::sync::Arc;

use crate::net::vrrp_socket::{Destination, VrrpSender};
use crate::vrrp::SendAdvert;
use crate::wire::vrrp::{self as wire, Advert, EncodeOptions, Ipv4Params};

/// Destinations kept at most: one for multicast, one per unicast peer. With more peers
/// than that, the packets are encoded again each round.
const MAX_KEPT: usize = 64;

#[derive(Default)]
pub struct Outbox {
    kept: Vec<Prepared>,
}

/// The packet last sent to one destination.
struct Prepared {
    to: Destination,
    packet: Packet,
}

/// Encoded bytes and what they were encoded from.
struct Packet {
    advert: Arc<Advert>,
    src: IpAddr,
    ttl: Option<u8>,
    opts: EncodeOptions,
    bytes: Vec<u8>,
}

impl Packet {
    /// `send` from `src`: IPv4 with its header (the socket has IP_HDRINCL), IPv6 the VRRP
    /// message alone. Only for a new advert (or destination), not at every one.
    #[cold]
    #[inline(never)]
    fn encode(
        send: &SendAdvert,
        src: IpAddr,
        ip_id: u16,
        opts: &EncodeOptions,
    ) -> Result<Packet, String> {
        let bytes = match (src, send.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let ip = Ipv4Params {
                    id: ip_id,
                    ttl: send.ttl.unwrap_or(255),
                };
                wire::encode_ipv4(&send.advert, s, d, &ip, opts)
            }
            (s, d) => wire::encode_vrrp(&send.advert, s, d, opts),
        }
        .map_err(|e| e.to_string())?;
        Ok(Packet {
            advert: Arc::clone(&send.advert),
            src,
            ttl: send.ttl,
            opts: *opts,
            bytes,
        })
    }

    fn encodes(&self, send: &SendAdvert, src: IpAddr, opts: &EncodeOptions) -> bool {
        (Arc::ptr_eq(&self.advert, &send.advert) || self.advert == send.advert)
            && self.src == src
            && self.ttl == send.ttl
            && self.opts == *opts
    }
}

impl Outbox {
    /// Sends `send` from `src` through `sender`; `ip_id` is the IPv4 identification (unused
    /// for IPv6). The error is the log line's reason.
    pub fn send(
        &mut self,
        sender: &VrrpSender,
        send: &SendAdvert,
        src: IpAddr,
        ip_id: u16,
        opts: &EncodeOptions,
    ) -> Result<(), String> {
        let (bytes, to) = self.prepare(sender, send, src, ip_id, opts)?;
        sender.send_to(bytes, to).map_err(|e| e.to_string())
    }

    /// The packet for `send` and where it goes: the kept one renumbered, or encoded now.
    #[inline]
    fn prepare(
        &mut self,
        sender: &VrrpSender,
        send: &SendAdvert,
        src: IpAddr,
        ip_id: u16,
        opts: &EncodeOptions,
    ) -> Result<(&[u8], &Destination), String> {
        let k = match self.kept.iter().position(|p| p.to.addr() == send.dst) {
            Some(k) => {
                let p = &mut self.kept[k].packet;
                if !p.encodes(send, src, opts) {
                    *p = Packet::encode(send, src, ip_id, opts)?;
                } else if src.is_ipv4() {
                    wire::set_ipv4_id(&mut p.bytes, ip_id);
                }
                k
            }
            None => self.keep(sender, send, src, ip_id, opts)?,
        };
        let p = &self.kept[k];
        Ok((&p.packet.bytes, &p.to))
    }

    /// A first advert to `send.dst`: encoded and kept; its index.
    #[cold]
    #[inline(never)]
    fn keep(
        &mut self,
        sender: &VrrpSender,
        send: &SendAdvert,
        src: IpAddr,
        ip_id: u16,
        opts: &EncodeOptions,
    ) -> Result<usize, String> {
        let packet = Packet::encode(send, src, ip_id, opts)?;
        let to = sender.destination(send.dst).map_err(|e| e.to_string())?;
        if self.kept.len() >= MAX_KEPT {
            self.kept.clear();
        }
        self.kept.push(Prepared { to, packet });
        Ok(self.kept.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::vrrp::{Auth, Version};

    fn advert(priority: u8) -> Arc<Advert> {
        Arc::new(Advert {
            version: Version::V3,
            vrid: 7,
            priority,
            interval_cs: 10,
            auth: Auth::None,
            addresses: vec!["10.0.0.100".parse().unwrap()],
        })
    }

    fn sender() -> Option<VrrpSender> {
        if !nix::unistd::geteuid().is_root() {
            println!("SKIP: needs root (raw socket)");
            return None;
        }
        Some(VrrpSender::unicast_v4(None).expect("raw socket"))
    }

    fn fresh(send: &SendAdvert, src: IpAddr, id: u16, opts: &EncodeOptions) -> Vec<u8> {
        Packet::encode(send, src, id, opts).unwrap().bytes
    }

    #[test]
    fn kept_packets_are_the_bytes_encoding_afresh_gives() {
        let Some(sender) = sender() else { return };
        let src: IpAddr = "10.0.0.1".parse().unwrap();
        let mut opts = EncodeOptions::default();
        let mut send = SendAdvert {
            src: Some(src),
            dst: "10.0.0.2".parse().unwrap(),
            ttl: Some(255),
            advert: advert(150),
        };
        let mut out = Outbox::default();
        let check = |out: &mut Outbox, send: &SendAdvert, id, opts: &EncodeOptions| {
            let (bytes, to) = out.prepare(&sender, send, src, id, opts).unwrap();
            assert_eq!(to.addr(), send.dst);
            assert_eq!(bytes, fresh(send, src, id, opts), "id {id}");
        };
        check(&mut out, &send, 1, &opts);
        check(&mut out, &send, 2, &opts);
        // A new advert of equal content, another priority, TTL, checksum or peer.
        send.advert = advert(150);
        check(&mut out, &send, 3, &opts);
        send.advert = advert(0);
        check(&mut out, &send, 4, &opts);
        send.ttl = Some(64);
        check(&mut out, &send, 5, &opts);
        opts.old_unicast_checksum = true;
        check(&mut out, &send, 6, &opts);
        let first = send.dst;
        send.dst = "10.0.0.3".parse().unwrap();
        check(&mut out, &send, 7, &opts);
        send.dst = first;
        check(&mut out, &send, 8, &opts);
        assert_eq!(out.kept.len(), 2);
    }

    #[test]
    fn another_family_is_refused() {
        let Some(sender) = sender() else { return };
        let send = SendAdvert {
            src: None,
            dst: "2001:db8::2".parse().unwrap(),
            ttl: None,
            advert: Arc::new(Advert {
                addresses: vec!["2001:db8::100".parse().unwrap()],
                ..(*advert(150)).clone()
            }),
        };
        let src = "2001:db8::1".parse().unwrap();
        let mut out = Outbox::default();
        let e = out
            .send(&sender, &send, src, 1, &EncodeOptions::default())
            .unwrap_err();
        assert!(e.contains("this socket sends IPv4"), "{e}");
        assert!(out.kept.is_empty());
    }
}
