//! Consecutive operation lines of `ipvsadm -R`, sent to the kernel in batches with the
//! results one call per line would give.
//!
//! ipvsadm makes one round trip per line. Nothing it does between two operation lines
//! touches the kernel (libipvs's add/edit/delete calls send one request each, with no
//! lookup before it), and the kernel runs the requests of one datagram in order even after
//! one failed, so a batch leaves the same table as the lines one by one. What a batch
//! changes is how failures come back: [`Ipvs::apply`] names the first failing op, says
//! what became of the ops sent with it after it, and sends nothing later; [`apply_each`]
//! goes on from the first op not sent, so every op is tried exactly once, in order.

use crate::ipvs::{Ipvs, IpvsError, Op, Outcome};

/// The error of an op that was sent but whose answer never came (the reading of the
/// batch's answers failed first). The kernel ran it, as it runs every request of a
/// datagram it accepted, so it is not sent again; whether it took effect is unknown.
pub const UNANSWERED: &str = "no answer from the kernel (the change may or may not have been made)";

/// Applies `ops` in order as batches, as if each were applied alone: the result of each
/// op, in the order of `ops`.
pub fn apply_each(ipvs: &mut impl Ipvs, ops: &[Op]) -> Vec<Result<(), IpvsError>> {
    let mut results: Vec<Result<(), IpvsError>> = Vec::with_capacity(ops.len());
    while results.len() < ops.len() {
        let rest = ops.len() - results.len();
        let failure = match ipvs.apply(&ops[results.len()..]) {
            Ok(()) => {
                results.resize(ops.len(), Ok(()));
                break;
            }
            Err(failure) => failure,
        };
        // Every op before the failing one took effect. (An index past the ops would be
        // the implementation's bug; it is read as the last op, so the loop still ends.)
        let failed = failure.index.min(rest - 1);
        results.resize(results.len() + failed, Ok(()));
        results.push(Err(failure.error));
        let room = ops.len() - results.len();
        results.extend(failure.after.into_iter().take(room).map(|o| match o {
            Outcome::Made => Ok(()),
            Outcome::Failed(e) => Err(e),
            Outcome::Unknown => Err(IpvsError::Io(UNANSWERED.to_string())),
        }));
        // The ops after these were not sent: the next round starts with them.
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{
        ApplyError, Dest, Info, Protocol, Service, ServiceKey, SyncDaemon, Timeouts,
    };
    use std::net::{IpAddr, Ipv4Addr};

    const ESRCH: i32 = 3;
    const EEXIST: i32 = 17;

    /// The reading half of `Ipvs`, which batching never calls.
    macro_rules! no_reads {
        () => {
            fn info(&mut self) -> Result<Info, IpvsError> {
                unimplemented!()
            }
            fn services(&mut self) -> Result<Vec<Service>, IpvsError> {
                unimplemented!()
            }
            fn service(&mut self, _: &ServiceKey) -> Result<Option<Service>, IpvsError> {
                unimplemented!()
            }
            fn dests(&mut self, _: &ServiceKey) -> Result<Vec<Dest>, IpvsError> {
                unimplemented!()
            }
            fn timeouts(&mut self) -> Result<Timeouts, IpvsError> {
                unimplemented!()
            }
            fn daemons(&mut self) -> Result<Vec<SyncDaemon>, IpvsError> {
                unimplemented!()
            }
        };
    }

    fn key(n: u8) -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, n)),
            port: 80,
        }
    }

    fn add(n: u8) -> Op {
        Op::AddService(Service::new(key(n)))
    }

    fn del(n: u8) -> Op {
        Op::DelService(key(n))
    }

    /// A kernel with services only, taking `chunk` requests per datagram like the netlink
    /// client; answers from the `lost_from`-th request of a datagram on never come.
    struct Kernel {
        services: Vec<ServiceKey>,
        chunk: usize,
        lost_from: Option<usize>,
        calls: usize,
        sent: usize,
    }

    impl Kernel {
        fn new(chunk: usize) -> Kernel {
            Kernel {
                services: Vec::new(),
                chunk,
                lost_from: None,
                calls: 0,
                sent: 0,
            }
        }

        fn one(&mut self, op: &Op) -> Result<(), i32> {
            match op {
                Op::AddService(s) if self.services.contains(&s.key) => Err(EEXIST),
                Op::AddService(s) => {
                    self.services.push(s.key);
                    Ok(())
                }
                Op::DelService(k) => match self.services.iter().position(|x| x == k) {
                    Some(i) => {
                        self.services.remove(i);
                        Ok(())
                    }
                    None => Err(ESRCH),
                },
                _ => Ok(()),
            }
        }
    }

    impl Ipvs for Kernel {
        no_reads!();
        fn apply(&mut self, ops: &[Op]) -> Result<(), ApplyError> {
            self.calls += 1;
            for (start, chunk) in ops.chunks(self.chunk).enumerate() {
                let start = start * self.chunk;
                self.sent += chunk.len();
                let answers: Vec<Option<i32>> = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, op)| {
                        let errno = self.one(op).err().unwrap_or(0);
                        (self.lost_from.map_or(true, |l| i < l)).then_some(errno)
                    })
                    .collect();
                let Some(first) = answers.iter().position(|a| *a != Some(0)) else {
                    continue;
                };
                let error = match answers[first] {
                    Some(errno) => IpvsError::Kernel { errno },
                    None => IpvsError::Io("timed out".into()),
                };
                let after = answers[first + 1..]
                    .iter()
                    .map(|a| match a {
                        Some(0) => Outcome::Made,
                        Some(errno) => Outcome::Failed(IpvsError::Kernel { errno: *errno }),
                        None => Outcome::Unknown,
                    })
                    .collect();
                return Err(ApplyError {
                    index: start + first,
                    error,
                    after,
                });
            }
            Ok(())
        }
    }

    fn errno(e: i32) -> Result<(), IpvsError> {
        Err(IpvsError::Kernel { errno: e })
    }

    /// The same ops one call each: what the batched results must equal.
    fn one_by_one(ops: &[Op]) -> (Vec<Result<(), IpvsError>>, Vec<ServiceKey>) {
        let mut k = Kernel::new(1);
        let results = ops
            .iter()
            .map(|op| k.apply(std::slice::from_ref(op)).map_err(|e| e.error))
            .collect();
        (results, k.services)
    }

    #[test]
    fn without_failures_one_call_does_everything() {
        let ops: Vec<Op> = (1..=10).map(add).collect();
        let mut k = Kernel::new(4);
        assert_eq!(apply_each(&mut k, &ops), vec![Ok(()); 10]);
        assert_eq!((k.calls, k.sent), (1, 10));
    }

    #[test]
    fn failures_anywhere_give_the_results_and_table_of_one_call_per_op() {
        // Duplicates and missing services at chunk starts, ends and middles, in a row.
        let ops = vec![
            add(1),
            add(1),
            add(2),
            del(9),
            add(3),
            add(3),
            add(3),
            del(1),
            del(1),
            add(4),
            add(5),
            del(8),
        ];
        let (want, table) = one_by_one(&ops);
        for chunk in 1..=ops.len() + 1 {
            let mut k = Kernel::new(chunk);
            assert_eq!(apply_each(&mut k, &ops), want, "chunk {chunk}");
            assert_eq!(k.services, table, "chunk {chunk}");
            assert_eq!(k.sent, ops.len(), "chunk {chunk}: every op sent once");
        }
    }

    #[test]
    fn an_op_without_an_answer_is_not_sent_again() {
        let ops: Vec<Op> = vec![add(1), add(1), add(2), add(3), add(4), add(5)];
        let mut k = Kernel::new(4);
        k.lost_from = Some(3);
        let unanswered = Err(IpvsError::Io(UNANSWERED.into()));
        // Datagram 1: add(1) ok, add(1) EEXIST, add(2) ok, add(3) unanswered; datagram 2:
        // add(4) ok, add(5) ok.
        assert_eq!(
            apply_each(&mut k, &ops),
            vec![Ok(()), errno(EEXIST), Ok(()), unanswered, Ok(()), Ok(())]
        );
        assert_eq!(k.services, vec![key(1), key(2), key(3), key(4), key(5)]);
        assert_eq!(k.sent, ops.len());
    }

    #[test]
    fn a_failure_without_any_answer_names_the_op_it_stopped_at() {
        let ops: Vec<Op> = vec![add(1), add(2), add(3)];
        let mut k = Kernel::new(8);
        k.lost_from = Some(1);
        let unanswered = Err(IpvsError::Io(UNANSWERED.into()));
        assert_eq!(
            apply_each(&mut k, &ops),
            vec![Ok(()), Err(IpvsError::Io("timed out".into())), unanswered]
        );
    }

    /// An implementation whose error names an index past the ops it was given.
    struct Confused;

    impl Ipvs for Confused {
        no_reads!();
        fn apply(&mut self, _: &[Op]) -> Result<(), ApplyError> {
            Err(ApplyError {
                index: 7,
                error: IpvsError::Io("x".into()),
                after: vec![Outcome::Made; 9],
            })
        }
    }

    #[test]
    fn a_wrong_index_neither_panics_nor_loops() {
        let results = apply_each(&mut Confused, &[add(1), add(2)]);
        assert_eq!(results, vec![Ok(()), Err(IpvsError::Io("x".into()))]);
    }
}
