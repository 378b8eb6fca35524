//! `ha run -t` on configurations of thousands of virtual servers: each virtual server is
//! resolved and dropped as soon as it is read, so the model never holds them all. Only
//! what the final checks need is kept: its findings (merged in the file's order by
//! [`super::resolve::resolve_after`]) and its IPVS service, for the duplicate check.
//!
//! A virtual server stays in the model, to be resolved with the rest at the end, when its
//! resolution depends on blocks that may come after it (`virtual_server group NAME`,
//! FILE_CHECK's `track_file`, BFD_CHECK's `bfd_instance`), when the host checks read it
//! (scripts, `bind_if`), and the first one with real servers (the host checks ask whether
//! there is one). Inheritance from `global_defs` only sets values, never findings, so it
//! does not matter that global_defs may come later.

use super::checker::Checker;
use super::resolve::{no_real_servers, resolve_one, service_key, Early, GlobalDefaults, Outside};
use super::virtual_server::{Service, VirtualServer};
use crate::conf::model::Config;

/// The virtual servers read so far, and what remains of those already resolved.
#[derive(Default)]
pub struct Streamed {
    read: u32,
    early: Early,
    kept_one: bool,
}

impl Streamed {
    pub fn new() -> Self {
        Streamed {
            early: Early {
                streamed: true,
                ..Early::default()
            },
            ..Streamed::default()
        }
    }

    /// The virtual server just read (the last of the model's): resolved and dropped, or
    /// kept for the end.
    pub fn take_last(&mut self, config: &mut Config) {
        let number = self.read;
        self.read += 1;
        let Some(vs) = config.lvs.virtual_servers.last() else {
            return;
        };
        let first_with_real_servers = !self.kept_one && !vs.real_servers.is_empty();
        if first_with_real_servers || needs_the_end(vs) {
            self.kept_one |= !vs.real_servers.is_empty();
            self.early.kept.push(number);
            return;
        }
        let Some(mut vs) = config.lvs.virtual_servers.pop() else {
            return;
        };
        let found = resolve_one(
            &mut vs,
            &[],
            &GlobalDefaults::default(),
            &Outside::default(),
        );
        self.early
            .resolved
            .extend(found.into_iter().map(|d| (number, d)));
        match no_real_servers(&vs) {
            Some(d) => self.early.empty.push((number, d)),
            None => self
                .early
                .services
                .push((number, service_key(&vs), vs.span)),
        }
    }

    /// What [`super::resolve::resolve_after`] merges.
    pub(in crate::conf::model) fn into_early(self) -> Early {
        self.early
    }
}

/// Whether the virtual server must wait for the end of the file (see the module's notes).
fn needs_the_end(vs: &VirtualServer) -> bool {
    if matches!(vs.service, Service::Group { .. })
        || vs.quorum_up.is_some()
        || vs.quorum_down.is_some()
    {
        return true;
    }
    vs.real_servers.iter().any(|rs| {
        rs.notify_up.is_some()
            || rs.notify_down.is_some()
            || rs.checkers.iter().any(|c| match c {
                Checker::File(_) | Checker::Bfd(_) | Checker::Misc(_) => true,
                Checker::HttpGet(h) | Checker::SslGet(h) => h.conn.set.bind_if.is_some(),
                Checker::Tcp(t) => t.conn.set.bind_if.is_some(),
                Checker::Smtp(s) => s.conn.set.bind_if.is_some(),
                Checker::Dns(d) => d.conn.set.bind_if.is_some(),
                Checker::Udp(u) => u.conn.set.bind_if.is_some(),
                Checker::Ping(p) => p.conn.set.bind_if.is_some(),
            })
    })
}
