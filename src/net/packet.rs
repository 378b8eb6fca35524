//! AF_PACKET sockets: whole Ethernet frames sent out of an interface (gratuitous ARP and
//! unsolicited neighbour advertisements, built by the wire codecs), and the capture socket
//! of `ha vrrp sniff`.

use std::io;
use std::os::fd::AsFd;
use std::time::Instant;

use nix::libc;
use socket2::{Domain, Socket, Type};

use super::cmsg::{self, VlanTag};
use super::iface::NetIf;
use super::sock_error::SockError;
use super::{bpf, sockaddr, sys};

/// Destination, source, EtherType.
const ETHERNET_HEADER_LEN: usize = 14;
/// Room for PACKET_AUXDATA, with slack.
const CONTROL_LEN: usize = 64;

/// A packet socket opened with protocol 0: the kernel attaches it to no receive path until
/// it is bound with a protocol, so nothing is queued on it before its filter is in place
/// (and a send-only socket never queues anything).
fn packet_socket() -> io::Result<Socket> {
    Socket::new(Domain::PACKET, Type::RAW.nonblocking(), None)
}

/// Sends whole frames, on any interface (keepalived keeps one such socket for all its
/// gratuitous ARPs, and one for its neighbour advertisements).
#[derive(Debug)]
pub struct FrameSender {
    sock: Socket,
}

impl FrameSender {
    pub fn open() -> Result<FrameSender, SockError> {
        let sock = packet_socket().map_err(SockError::doing("open a packet socket"))?;
        Ok(FrameSender { sock })
    }

    /// Sends `frame` (destination MAC first, no FCS) out of `iface` as it is; the
    /// EtherType in the frame becomes the packet's protocol.
    pub fn send(&self, iface: &NetIf, frame: &[u8]) -> Result<(), SockError> {
        let doing = || format!("send a {}-byte frame on {}", frame.len(), iface.name);
        let Some(ethertype) = frame.get(12..14) else {
            return Err(SockError::new(
                doing(),
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("a frame needs at least {ETHERNET_HEADER_LEN} bytes"),
                ),
            ));
        };
        let ethertype = u16::from_be_bytes([ethertype[0], ethertype[1]]);
        let to = sockaddr::link_layer(iface.index, ethertype);
        let sent = sys::send_msg(self.sock.as_fd(), &to, frame, &[], 0)
            .map_err(|e| SockError::new(doing(), e))?;
        if sent != frame.len() {
            return Err(SockError::new(
                doing(),
                io::Error::new(io::ErrorKind::WriteZero, format!("sent {sent} bytes")),
            ));
        }
        Ok(())
    }
}

super::sys::socket_fd!(FrameSender);

/// What a capture socket lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureFilter {
    /// Every frame.
    All,
    /// VRRP over IPv4 (also behind IPsec AH) and IPv6, untagged or behind one VLAN tag:
    /// see [`bpf::VRRP_ONLY`].
    Vrrp,
}

/// Which way a captured frame went, as the kernel classifies it (`sll_pkttype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// To this host's MAC address.
    Host,
    Broadcast,
    Multicast,
    /// To another host's MAC address (seen in promiscuous mode).
    OtherHost,
    /// Sent by this host.
    Outgoing,
    Other(u8),
}

impl From<u8> for PacketKind {
    fn from(t: u8) -> PacketKind {
        match t {
            libc::PACKET_HOST => PacketKind::Host,
            libc::PACKET_BROADCAST => PacketKind::Broadcast,
            libc::PACKET_MULTICAST => PacketKind::Multicast,
            libc::PACKET_OTHERHOST => PacketKind::OtherHost,
            libc::PACKET_OUTGOING => PacketKind::Outgoing,
            n => PacketKind::Other(n),
        }
    }
}

/// One captured frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// Bytes in the buffer, from the destination MAC address on.
    pub len: usize,
    /// The frame did not fit the buffer; its tail is lost.
    pub truncated: bool,
    pub ifindex: u32,
    pub kind: PacketKind,
    /// The VLAN tag the kernel removed from the frame before the socket saw it, if any.
    pub vlan: Option<VlanTag>,
}

/// A capture socket bound to one interface.
#[derive(Debug)]
pub struct Capture {
    sock: Socket,
    iface: NetIf,
}

impl Capture {
    /// Opens the capture. `promiscuous` asks for frames to other hosts too; the kernel
    /// counts the request per socket and withdraws it when the socket closes, so a crash
    /// never leaves the interface promiscuous.
    pub fn open(
        iface: &NetIf,
        filter: CaptureFilter,
        promiscuous: bool,
    ) -> Result<Capture, SockError> {
        let label = format!("capture socket on {}", iface.name);
        let step = |what: &str| SockError::doing(format!("{label}: {what}"));
        let sock = packet_socket().map_err(step("open"))?;
        if filter == CaptureFilter::Vrrp {
            bpf::attach(&sock, &bpf::VRRP_ONLY).map_err(step("attach the VRRP filter"))?;
        }
        if promiscuous {
            let mreq = libc::packet_mreq {
                mr_ifindex: libc::c_int::try_from(iface.index).map_err(|_| {
                    step("join promiscuous mode")(io::Error::from(io::ErrorKind::InvalidInput))
                })?,
                mr_type: libc::PACKET_MR_PROMISC as libc::c_ushort,
                mr_alen: 0,
                mr_address: [0; 8],
            };
            sys::set_opt(
                sock.as_fd(),
                libc::SOL_PACKET,
                libc::PACKET_ADD_MEMBERSHIP,
                &mreq,
            )
            .map_err(step("join promiscuous mode"))?;
        }
        // The kernel takes VLAN tags off received frames; auxdata hands them back.
        sys::set_opt(
            sock.as_fd(),
            libc::SOL_PACKET,
            libc::PACKET_AUXDATA,
            &(1 as libc::c_int),
        )
        .map_err(step("set PACKET_AUXDATA"))?;
        // Binding with a protocol starts the capture, filter already in place.
        let all = libc::ETH_P_ALL as u16;
        sys::bind(sock.as_fd(), &sockaddr::link_layer(iface.index, all))
            .map_err(step("bind to the interface"))?;
        Ok(Capture {
            sock,
            iface: iface.clone(),
        })
    }

    /// One frame if one is queued, without waiting.
    pub fn try_recv(&self, buf: &mut [u8]) -> Result<Option<Frame>, SockError> {
        self.recv_queued(buf)
            .map_err(SockError::doing(format!("capture on {}", self.iface.name)))
    }

    /// One frame, waiting until `deadline` at the latest (then an error whose
    /// `is_timeout()` is true).
    pub fn recv(&self, buf: &mut [u8], deadline: Instant) -> Result<Frame, SockError> {
        sys::until(self.sock.as_fd(), deadline, || self.recv_queued(buf))
            .map_err(SockError::doing(format!("capture on {}", self.iface.name)))
    }

    fn recv_queued(&self, buf: &mut [u8]) -> io::Result<Option<Frame>> {
        let mut control = [0u8; CONTROL_LEN];
        loop {
            let Some(r) = sys::recv_msg(self.sock.as_fd(), buf, &mut control)? else {
                return Ok(None);
            };
            let Some(from) = sockaddr::parse_link_layer(r.name()) else {
                continue;
            };
            if from.ifindex != self.iface.index {
                continue;
            }
            return Ok(Some(Frame {
                len: r.len,
                truncated: r.truncated,
                ifindex: from.ifindex,
                kind: PacketKind::from(from.pkttype),
                vlan: cmsg::vlan_tag(control.get(..r.control_len).unwrap_or(&[])),
            }));
        }
    }
}

super::sys::socket_fd!(Capture);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_kinds() {
        assert_eq!(PacketKind::from(libc::PACKET_HOST), PacketKind::Host);
        assert_eq!(
            PacketKind::from(libc::PACKET_OUTGOING),
            PacketKind::Outgoing
        );
        assert_eq!(PacketKind::from(9), PacketKind::Other(9));
    }
}
