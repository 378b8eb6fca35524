//! What is notified: the state words and the extra arguments of the generic `notify` script,
//! as keepalived 2.2.7 writes them (vrrp_notify.c notify_script_exec, notify_fifo).

use std::fmt;

use crate::vrrp::State;

/// Whose state changed: keepalived's first word of a generic notify or FIFO line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Instance,
    Group,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Instance => "INSTANCE",
            Kind::Group => "GROUP",
        }
    }

    /// How logs name the block: "vrrp_instance", "vrrp_sync_group".
    pub fn block(self) -> &'static str {
        match self {
            Kind::Instance => "vrrp_instance",
            Kind::Group => "vrrp_sync_group",
        }
    }
}

/// A state an instance or group is notified of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotifyState {
    Master,
    Backup,
    Fault,
    Stop,
    /// Removed at a reload (`notify_deleted`; without it keepalived reports FAULT).
    Deleted,
}

impl NotifyState {
    /// The word scripts, FIFO lines and mails get.
    pub fn word(self) -> &'static str {
        match self {
            NotifyState::Master => "MASTER",
            NotifyState::Backup => "BACKUP",
            NotifyState::Fault => "FAULT",
            NotifyState::Stop => "STOP",
            NotifyState::Deleted => "DELETED",
        }
    }

    /// The state a machine's transition notifies; INIT is never notified.
    pub fn from_vrrp(s: State) -> Option<NotifyState> {
        match s {
            State::Init => None,
            State::Backup => Some(NotifyState::Backup),
            State::Master => Some(NotifyState::Master),
            State::Fault => Some(NotifyState::Fault),
            State::Stopped => Some(NotifyState::Stop),
        }
    }
}

impl fmt::Display for NotifyState {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// The four arguments keepalived appends to the generic `notify` script:
/// `INSTANCE|GROUP NAME STATE PRIORITY`; a group's priority is always 0.
pub fn generic_args(kind: Kind, name: &str, state: NotifyState, priority: u8) -> Vec<String> {
    let priority = match kind {
        Kind::Instance => priority,
        Kind::Group => 0,
    };
    vec![
        kind.word().to_string(),
        name.to_string(),
        state.word().to_string(),
        priority.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_arguments_as_keepalived_appends_them() {
        assert_eq!(
            generic_args(Kind::Instance, "VI_1", NotifyState::Master, 100),
            ["INSTANCE", "VI_1", "MASTER", "100"]
        );
        // keepalived passes 0 as a group's priority, whatever its members have.
        assert_eq!(
            generic_args(Kind::Group, "G1", NotifyState::Fault, 150),
            ["GROUP", "G1", "FAULT", "0"]
        );
        assert_eq!(
            generic_args(Kind::Instance, "a b", NotifyState::Stop, 0),
            ["INSTANCE", "a b", "STOP", "0"]
        );
    }

    #[test]
    fn machine_states_map_to_notified_states() {
        assert_eq!(NotifyState::from_vrrp(State::Init), None);
        assert_eq!(
            NotifyState::from_vrrp(State::Stopped).map(|s| s.word()),
            Some("STOP")
        );
        assert_eq!(
            NotifyState::from_vrrp(State::Master),
            Some(NotifyState::Master)
        );
    }
}
