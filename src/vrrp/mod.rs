//! The VRRP state machine of one instance, sans IO: no clock reads, sockets or threads.
//! The daemon feeds it time, received adverts, tracking results and faults, and carries
//! out the [`Action`]s it asks for (quinn-proto's `handle_*` / `poll_*` shape).
//!
//! It follows RFC 3768 (VRRPv2) and RFC 5798 (VRRPv3) as keepalived 2.2.7 implements
//! them, so that ha and keepalived peers elect, preempt and fail over alike. The
//! keepalived behaviours it reproduces (functions in keepalived/vrrp/vrrp.c unless said):
//!
//! - start (`vrrp_init_state`, vrrp_scheduler.c): only the address owner (priority 255
//!   and state MASTER) becomes MASTER at once; `state MASTER` below 255 starts BACKUP with
//!   a full master-down timer like any other instance; `vrrp_startup_delay` postpones the
//!   first timer (`vrrp_init_instance_sands`).
//! - Master_Down_Interval = `down_timer_adverts` x interval + skew, skew
//!   (256 - priority)/256 s (v2) or (256 - priority) x interval / 256 (v3), in integer
//!   microseconds (`VRRP_MS_DOWN_TIMER`, `VRRP_TIMER_SKEW`, include/vrrp.h).
//! - a v3 BACKUP times the master with the master's advertised interval
//!   (`vrrp_state_backup`, `update_master_adver_int`).
//! - BACKUP (`vrrp_state_backup`): priority 0 -> master down in skew time; priority >=
//!   ours (equal included: no address tie-break in BACKUP), `nopreempt`, or a running
//!   `preempt_delay` -> restart the timer; lower -> discard, so the timer runs out and we
//!   preempt. An ignored or dropped advert leaves the timer alone.
//! - `preempt_delay` starts at the first lower priority advert heard, and stops when an
//!   advert of priority >= ours arrives (`vrrp_state_backup`).
//! - MASTER (`vrrp_state_master_rx`): priority 0 -> answer with an advert at once; lower
//!   priority (or equal and lower address) -> answer at once (unless
//!   `lower_prio_no_advert`), `garp_lower_prio_repeat` ARPs now and after
//!   `garp_lower_prio_delay`, notify_master_rx_lower_pri; higher (or equal and higher
//!   address) -> BACKUP, after an advert of our own with `higher_prio_send_advert`;
//!   equal priority 255 from another address -> lower ourselves to 254.
//! - packet checks (`vrrp_check_packet`) in keepalived's order: TTL 255 (multicast only),
//!   version, v2 auth type and password (8 bytes), v2 interval equal to ours (dropped),
//!   address count, checksum, multicast vs unicast destination, every VIP present,
//!   unicast source among the peers and within its TTL bounds (`check_unicast_src`).
//! - `skip_check_adv_addr`: a BACKUP checks the address list (and unicast source) only
//!   on the first advert from a new master; a MASTER always checks.
//! - adverts are ignored in FAULT (`vrrp_dispatcher_read`).
//! - becoming MASTER (`vrrp_state_master_tx`, `vrrp_state_become_master`): advert
//!   first, then VIPs and eVIPs, then `garp_master_repeat` ARP rounds, again after
//!   `garp_master_delay`; `garp_master_refresh` checked when an advert goes out.
//! - FAULT (`down_instance`, `vrrp_state_leave_master`, vrrp_track.c): a MASTER sends
//!   priority 0 and removes its addresses; leaving FAULT (`try_up_instance`) goes BACKUP
//!   with a full timer (an owner that never ran goes MASTER), with unicast a gratuitous
//!   ARP for our own address.
//! - effective priority (`vrrp_set_effective_priority`, vrrp_track.c): configured plus
//!   tracking weights, kept within 1-254, never for the owner; a BACKUP's timer moves.
//! - stop (`restore_vrrp_interfaces`): a MASTER sends priority 0 and removes its
//!   addresses; others send nothing.
//!
//! `vrrp_strict` has no runtime effect of its own in keepalived: it only changes the
//! configuration (no authentication, no unicast, owner-only MASTER state, no
//! preempt_delay, three down adverts, no accept mode, no lower-priority GARPs or adverts),
//! which the configuration reader has already settled.
//!
//! - sync group members (`vrrp_sync_can_goto_master`): a member's master-down timer
//!   leaves it BACKUP and ready ([`Instance::sync_ready`]); the group moves it with
//!   [`Instance::sync_master`] / [`Instance::sync_backup`].
//!
//! Beside the machine, also sans IO: [`Tracking`] (tracked scripts, interfaces, files and
//! processes -> priority offsets, FAULT and start) and [`SyncGroups`] (members moving
//! together). Not here: IPsec AH.

mod action;
mod counters;
mod garp;
mod instance;
mod settings;
mod sync;
mod timers;
pub mod track;
mod validate;

#[cfg(test)]
mod tests;

pub use action::{Action, Announce, SendAdvert, State, Transition};
pub use counters::{Counters, Drop, Dropped, Rejected};
pub use instance::Instance;
pub use settings::{GarpSettings, Settings};
pub use sync::{SyncAction, SyncGroups};
pub use timers::{master_down, skew};
pub use track::{ScriptOutcome, Tracking, Update};
