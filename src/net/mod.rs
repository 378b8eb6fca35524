//! The network edges: rtnetlink, sysctl, the sockets of the VRRP daemon and of
//! `ha vrrp sniff`, and the privilege they need.

pub mod bpf;
mod cmsg;
pub mod iface;
pub mod link_watch;
pub mod nftables;
pub mod packet;
pub mod rtnl;
pub mod sock_error;
mod sockaddr;
mod sys;
pub mod sysctl;
pub mod vrrp_socket;

pub use cmsg::VlanTag;
pub use iface::{iface_facts, IfaceFacts, NetIf};
pub use link_watch::{LinkEvent, LinkWatch};
pub use packet::{Capture, CaptureFilter, Frame, FrameSender, PacketKind};
pub use sock_error::SockError;
pub use vrrp_socket::{Datagram, Family, VrrpReceiver, VrrpSender};

/// Linux capability number of CAP_NET_ADMIN.
pub const CAP_NET_ADMIN: u32 = 12;

/// Whether this process may change network configuration, and on what grounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetAdmin {
    /// CAP_NET_ADMIN is in the effective set (root normally has it).
    Capable,
    /// Root, but the capability is missing (a container that dropped it).
    RootWithoutCap,
    /// Neither root nor the capability.
    Unprivileged,
}

/// Checks CAP_NET_ADMIN in this process's effective set, before anything is changed, so
/// that a command fails cleanly instead of half-way. Falls back to "euid is 0" when
/// /proc/self/status cannot be read.
pub fn net_admin() -> NetAdmin {
    let root = nix::unistd::geteuid().is_root();
    let cap_eff = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| cap_eff_from_status(&s));
    classify(root, cap_eff)
}

fn classify(root: bool, cap_eff: Option<u64>) -> NetAdmin {
    match cap_eff {
        Some(bits) if bits & (1 << CAP_NET_ADMIN) != 0 => NetAdmin::Capable,
        Some(_) if root => NetAdmin::RootWithoutCap,
        None if root => NetAdmin::Capable,
        _ => NetAdmin::Unprivileged,
    }
}

/// The `CapEff:` mask from the text of /proc/<pid>/status.
pub fn cap_eff_from_status(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_eff_is_parsed_from_status_text() {
        let s = "Name:\tha\nCapInh:\t0000000000000000\nCapEff:\t0000000000001000\n";
        assert_eq!(cap_eff_from_status(s), Some(0x1000));
        assert_eq!(cap_eff_from_status("Name: x\n"), None);
        assert_eq!(cap_eff_from_status("CapEff:\tzz\n"), None);
    }

    #[test]
    fn capability_decides_not_uid() {
        assert_eq!(classify(false, Some(1 << 12)), NetAdmin::Capable);
        assert_eq!(classify(true, Some(0x1ff_ffff_ffff)), NetAdmin::Capable);
        assert_eq!(classify(true, Some(0)), NetAdmin::RootWithoutCap);
        assert_eq!(classify(false, Some(0)), NetAdmin::Unprivileged);
        assert_eq!(classify(true, None), NetAdmin::Capable);
        assert_eq!(classify(false, None), NetAdmin::Unprivileged);
    }
}
