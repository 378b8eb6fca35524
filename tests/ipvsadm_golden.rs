//! Tier 1 (no VM, no root): every case recorded from the real ipvsadm 1.31 in
//! tests/data/ipvsadm/golden.txt is replayed through ha's ipvsadm personality (the real
//! argv parser, formatters and executor) over an in-memory IPVS table that answers as
//! the 6.1 kernel does (its errnos, its defaults, its destination order), with the
//! guest's /etc/hosts and /etc/services as the name tables. stdout, stderr, the exit
//! status and the table afterwards must match byte for byte.
//!
//! What the in-memory table cannot know is left out and said so: the kernel's hash order
//! of services (`--nosort` listings are compared as sets of service blocks), traffic
//! counters and real connections (the `traffic` fixture), and cases that need a shell
//! (redirections to files, `sed`). tests/ipvsadm_vm.rs runs all of them on a real kernel.

mod ipvsadm_shared;

use std::collections::BTreeMap;
use std::io::{self, BufRead, Cursor};
use std::net::IpAddr;

use ha::compat::ipvsadm::exec::{self, Host};
use ha::compat::ipvsadm::names::{Names, TableNames};
use ha::ipvs::{
    ApplyError, Dest, Family, Forward, Info, Ipvs, IpvsError, Op, Outcome, Protocol, Service,
    ServiceKey, Stats, SyncDaemon, SyncRole, Timeouts,
};
use ipvsadm_shared::{case_lines, data_dir, diff, parse_records, printf, tokens, Record, Tok};

const ENOENT: i32 = 2;
const ESRCH: i32 = 3;
const EEXIST: i32 = 17;
const ENODEV: i32 = 19;
const EINVAL: i32 = 22;
const ERANGE: i32 = 34;

/// /proc/net/ip_vs_conn of a kernel without connections.
const EMPTY_CONN_TABLE: &[u8] =
    b"Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n";

const SCHEDULERS: &[&str] = &[
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
];
const INTERFACES: &[&str] = &["lo"];

/// The kernel's IPVS tables, in memory.
#[derive(Clone)]
struct Sim {
    /// Services in the order they were added; destinations newest first (the kernel adds
    /// them at the head of the list).
    services: Vec<(Service, Vec<Dest>)>,
    timeouts: Timeouts,
    daemons: Vec<SyncDaemon>,
    /// Requests per datagram in `apply`.
    chunk: usize,
}

impl Sim {
    fn new(chunk: usize) -> Sim {
        Sim {
            chunk,
            services: Vec::new(),
            timeouts: Timeouts {
                tcp: 900,
                tcp_fin: 120,
                udp: 300,
            },
            daemons: Vec::new(),
        }
    }

    fn find(&self, key: &ServiceKey) -> Option<usize> {
        self.services.iter().position(|(s, _)| s.key == *key)
    }

    fn mixed_family(&self) -> bool {
        self.services
            .iter()
            .any(|(s, ds)| ds.iter().any(|d| Family::of(&d.addr) != s.key.family()))
    }

    fn check_service(s: &Service) -> Result<(), i32> {
        if !SCHEDULERS.contains(&s.scheduler.as_str()) {
            return Err(ENOENT);
        }
        if let Some(pe) = &s.pe_name {
            if pe != "sip" {
                return Err(ENOENT);
            }
        }
        if s.key.family() == Family::V6 && !(1..=128).contains(&s.netmask) {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// The checks ip_vs_genl_set_cmd makes before a destination command.
    fn check_dest_family(&self, svc: usize, d: &Dest) -> Result<(), i32> {
        let family = self.services[svc].0.key.family();
        if Family::of(&d.addr) != family
            && (!self.daemons.is_empty() || d.forward != Forward::Tunnel)
        {
            return Err(EINVAL);
        }
        Ok(())
    }

    fn check_dest_values(d: &Dest) -> Result<(), i32> {
        if d.weight < 0 || d.l_threshold > d.u_threshold {
            return Err(ERANGE);
        }
        Ok(())
    }

    fn unicast(addr: &IpAddr) -> bool {
        match addr {
            IpAddr::V4(a) => !(a.is_unspecified() || a.is_broadcast() || a.is_multicast()),
            IpAddr::V6(a) => !(a.is_unspecified() || a.is_multicast()),
        }
    }

    fn one(&mut self, op: &Op) -> Result<(), i32> {
        match op {
            Op::AddService(s) => {
                if self.find(&s.key).is_some() {
                    return Err(EEXIST);
                }
                Self::check_service(s)?;
                let mut s = s.clone();
                s.stats = Stats::default();
                self.services.push((s, Vec::new()));
            }
            Op::EditService(s) => {
                let i = self.find(&s.key).ok_or(ESRCH)?;
                Self::check_service(s)?;
                let cur = &mut self.services[i].0;
                cur.scheduler = s.scheduler.clone();
                cur.flags = s.flags;
                cur.timeout = s.timeout;
                cur.netmask = s.netmask;
                cur.pe_name = s.pe_name.clone();
            }
            Op::DelService(k) => {
                let i = self.find(k).ok_or(ESRCH)?;
                self.services.remove(i);
            }
            Op::Flush => self.services.clear(),
            Op::Zero(k) => {
                if let Some(k) = k {
                    self.find(k).ok_or(ESRCH)?;
                }
            }
            Op::AddDest(k, d) => {
                let i = self.find(k).ok_or(ESRCH)?;
                self.check_dest_family(i, d)?;
                Self::check_dest_values(d)?;
                let dests = &mut self.services[i].1;
                if dests.iter().any(|x| x.addr == d.addr && x.port == d.port) {
                    return Err(EEXIST);
                }
                if !Self::unicast(&d.addr) {
                    return Err(EINVAL);
                }
                let mut d = d.clone();
                d.stats = Stats::default();
                dests.insert(0, d);
            }
            Op::EditDest(k, d) => {
                let i = self.find(k).ok_or(ESRCH)?;
                self.check_dest_family(i, d)?;
                Self::check_dest_values(d)?;
                let cur = self.services[i]
                    .1
                    .iter_mut()
                    .find(|x| x.addr == d.addr && x.port == d.port)
                    .ok_or(ENOENT)?;
                cur.forward = d.forward;
                cur.weight = d.weight;
                cur.u_threshold = d.u_threshold;
                cur.l_threshold = d.l_threshold;
                cur.tunnel = d.tunnel;
            }
            Op::DelDest {
                service,
                addr,
                port,
            } => {
                let i = self.find(service).ok_or(ESRCH)?;
                let dests = &mut self.services[i].1;
                let j = dests
                    .iter()
                    .position(|x| x.addr == *addr && x.port == *port)
                    .ok_or(ENOENT)?;
                dests.remove(j);
            }
            Op::SetTimeouts(t) => {
                if t.tcp != 0 {
                    self.timeouts.tcp = t.tcp;
                }
                if t.tcp_fin != 0 {
                    self.timeouts.tcp_fin = t.tcp_fin;
                }
                if t.udp != 0 {
                    self.timeouts.udp = t.udp;
                }
            }
            Op::StartDaemon(d) => {
                if self.mixed_family() {
                    return Err(EINVAL);
                }
                if self.daemons.iter().any(|x| x.role == d.role) {
                    return Err(EEXIST);
                }
                if !INTERFACES.contains(&d.mcast_ifn.as_str()) {
                    return Err(ENODEV);
                }
                let mut d = d.clone();
                let v6 = matches!(d.mcast_group, Some(IpAddr::V6(_)));
                if d.mcast_group.is_none() {
                    d.mcast_group = Some(IpAddr::from([224, 0, 0, 81]));
                }
                if d.mcast_port == 0 {
                    d.mcast_port = 8848;
                }
                if d.mcast_ttl == 0 {
                    d.mcast_ttl = 1;
                }
                if d.sync_maxlen == 0 {
                    // 6.1: a master's default is for an MTU of 1500, a backup's for the
                    // interface MTU (lo's, clamped to 65535), less the IP and UDP headers.
                    let headers = if v6 { 48 } else { 28 };
                    let mtu = match d.role {
                        SyncRole::Master => 1500,
                        SyncRole::Backup => 65535,
                    };
                    d.sync_maxlen = mtu - headers;
                }
                match d.role {
                    SyncRole::Master => self.daemons.insert(0, d),
                    SyncRole::Backup => self.daemons.push(d),
                }
            }
            Op::StopDaemon(role) => {
                let i = self
                    .daemons
                    .iter()
                    .position(|x| x.role == *role)
                    .ok_or(ESRCH)?;
                self.daemons.remove(i);
            }
        }
        Ok(())
    }
}

impl Ipvs for Sim {
    fn info(&mut self) -> Result<Info, IpvsError> {
        Ok(Info {
            version: 0x010201,
            conn_tab_size: 4096,
        })
    }
    fn services(&mut self) -> Result<Vec<Service>, IpvsError> {
        Ok(self.services.iter().map(|(s, _)| s.clone()).collect())
    }
    fn service(&mut self, key: &ServiceKey) -> Result<Option<Service>, IpvsError> {
        Ok(self.find(key).map(|i| self.services[i].0.clone()))
    }
    fn dests(&mut self, key: &ServiceKey) -> Result<Vec<Dest>, IpvsError> {
        match self.find(key) {
            Some(i) => Ok(self.services[i].1.clone()),
            None => Err(IpvsError::Kernel { errno: ESRCH }),
        }
    }
    fn timeouts(&mut self) -> Result<Timeouts, IpvsError> {
        Ok(self.timeouts)
    }
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, IpvsError> {
        Ok(self.daemons.clone())
    }
    /// As the netlink client does: `chunk` requests per datagram, every request of a
    /// datagram run even after one failed, no datagram sent after a failure.
    fn apply(&mut self, ops: &[Op]) -> Result<(), ApplyError> {
        let kernel = |errno: i32| IpvsError::Kernel { errno };
        for (n, chunk) in ops.chunks(self.chunk).enumerate() {
            let results: Vec<Result<(), i32>> = chunk.iter().map(|op| self.one(op)).collect();
            let Some(first) = results.iter().position(Result::is_err) else {
                continue;
            };
            let error = kernel(results[first].err().unwrap_or(0));
            let after = results[first + 1..]
                .iter()
                .map(|r| match r {
                    Ok(()) => Outcome::Made,
                    Err(errno) => Outcome::Failed(kernel(*errno)),
                })
                .collect();
            return Err(ApplyError {
                index: n * self.chunk + first,
                error,
                after,
            });
        }
        Ok(())
    }
}

struct TestHost<'a> {
    names: &'a TableNames,
    out: String,
    err: String,
    stdin: Cursor<Vec<u8>>,
    conn: Option<Vec<u8>>,
    posix: bool,
}

impl Host for TestHost<'_> {
    fn names(&self) -> &dyn Names {
        self.names
    }
    fn out(&mut self, s: &str) {
        self.out.push_str(s);
    }
    fn err(&mut self, s: &str) {
        self.err.push_str(s);
    }
    fn stdin(&mut self) -> &mut dyn BufRead {
        &mut self.stdin
    }
    fn stdin_ready(&mut self) -> bool {
        true
    }
    fn conn_table(&mut self) -> io::Result<Vec<u8>> {
        self.conn
            .clone()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }
    fn posix(&self) -> bool {
        self.posix
    }
    fn modprobe_ip_vs(&mut self) -> bool {
        false
    }
}

/// The guest's name tables: its /etc/hosts (localhost lines, then tests/data/ipvsadm/hosts)
/// and tests/data/ipvsadm/services.
fn guest_names() -> TableNames {
    let mut names = TableNames::default();
    let hosts = format!(
        "127.0.0.1 localhost\n::1 localhost\n{}",
        std::fs::read_to_string(data_dir().join("hosts")).expect("hosts")
    );
    for line in hosts.lines() {
        let mut w = line.split_whitespace();
        if let (Some(a), Some(n)) = (w.next(), w.next()) {
            if let Ok(addr) = a.parse::<IpAddr>() {
                names.hosts.push((addr, n.to_string()));
            }
        }
    }
    let services = std::fs::read_to_string(data_dir().join("services")).expect("services");
    for line in services.lines().filter(|l| !l.starts_with('#')) {
        let mut w = line.split_whitespace();
        let (Some(name), Some(pp)) = (w.next(), w.next()) else {
            continue;
        };
        let Some((port, proto)) = pp.split_once('/') else {
            continue;
        };
        let proto = match proto {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "sctp" => Protocol::Sctp,
            _ => continue,
        };
        if let Ok(port) = port.parse() {
            names.services.push((port, proto, name.to_string()));
            for alias in w.take_while(|a| !a.starts_with('#')) {
                names.services.push((port, proto, alias.to_string()));
            }
        }
    }
    names
}

/// What one ipvsadm run printed.
struct Output {
    out: String,
    err: String,
    rc: u8,
}

fn run_ipvsadm(
    sim: &mut Sim,
    names: &TableNames,
    args: &[String],
    stdin: Vec<u8>,
    conn: Option<Vec<u8>>,
    posix: bool,
) -> Output {
    let argv: Vec<String> = std::iter::once("ipvsadm".to_string())
        .chain(args.iter().cloned())
        .collect();
    let mut host = TestHost {
        names,
        out: String::new(),
        err: String::new(),
        stdin: Cursor::new(stdin),
        conn,
        posix,
    };
    let info = sim.info().expect("info");
    let rc = exec::run_on(&argv, sim, info, &mut host);
    Output {
        out: host.out,
        err: host.err,
        rc,
    }
}

/// ipvsadm where the kernel refuses every IPVS request (EPERM).
fn run_unprivileged(names: &TableNames, args: &[String]) -> Output {
    let argv: Vec<String> = std::iter::once("ipvsadm".to_string())
        .chain(args.iter().cloned())
        .collect();
    let mut host = TestHost {
        names,
        out: String::new(),
        err: String::new(),
        stdin: Cursor::new(Vec::new()),
        conn: None,
        posix: false,
    };
    let rc = exec::run(&argv, || Err::<Sim, _>(IpvsError::Permission), &mut host);
    Output {
        out: host.out,
        err: host.err,
        rc,
    }
}

/// A case command this replay understands: `[POSIXLY_CORRECT=1] [unshare -U]
/// [with_conns FILE] ipvsadm ARGS`, optionally fed by `printf ... |`, `ipvsadm ARGS |` or
/// `cat $DATA/FILE |`, and `;`-separated sequences of those.
struct Step {
    args: Vec<String>,
    feed: Feed,
    /// `with_conns FILE`: Some(Some(FILE)), or Some(None) for `none`.
    conn: Option<Option<String>>,
    posix: bool,
    /// `unshare -U`: no privilege over the kernel's IPVS.
    unprivileged: bool,
}

/// What a pipeline feeds the ipvsadm at its end.
enum Feed {
    Nothing,
    Bytes(Vec<u8>),
    /// The standard output of another ipvsadm run, on the same table.
    Ipvsadm(Vec<String>),
    /// `cat $DATA/PATH`: a file of tests/data/ipvsadm (PATH relative to it).
    File(String),
}

fn plan(cmd: &str) -> Option<Vec<Step>> {
    let toks = tokens(cmd).ok()?;
    let mut steps = Vec::new();
    for part in toks.split(|t| *t == Tok::Op(";".into())) {
        let pipeline: Vec<&[Tok]> = part.split(|t| *t == Tok::Op("|".into())).collect();
        let (feeder, last) = match pipeline.as_slice() {
            [one] => (None, *one),
            [feed, last] => (Some(*feed), *last),
            _ => return None,
        };
        let words = |ts: &[Tok]| -> Option<Vec<String>> {
            ts.iter()
                .map(|t| match t {
                    Tok::Word(w) => Some(w.clone()),
                    Tok::Op(_) => None,
                })
                .collect()
        };
        let feed = match feeder {
            None => Feed::Nothing,
            Some(f) => {
                let w = words(f)?;
                match w.first().map(String::as_str) {
                    Some("printf") => Feed::Bytes(printf(&w[1..])),
                    Some("ipvsadm") => Feed::Ipvsadm(w[1..].to_vec()),
                    Some("cat") if w.len() == 2 => {
                        Feed::File(w[1].strip_prefix("$DATA/")?.to_string())
                    }
                    _ => return None,
                }
            }
        };
        let mut w = words(last)?;
        let mut posix = false;
        if w.first().map(String::as_str) == Some("POSIXLY_CORRECT=1") {
            posix = true;
            w.remove(0);
        }
        let mut unprivileged = false;
        if w.len() > 1 && w[0] == "unshare" && w[1] == "-U" {
            unprivileged = true;
            w.drain(..2);
        }
        let mut conn = None;
        if w.first().map(String::as_str) == Some("with_conns") && w.len() > 1 {
            let file = w[1].clone();
            conn = Some((file != "none").then_some(file));
            w.drain(..2);
        }
        if w.first().map(String::as_str) != Some("ipvsadm") {
            return None;
        }
        steps.push(Step {
            args: w[1..].to_vec(),
            feed,
            conn,
            posix,
            unprivileged,
        });
    }
    Some(steps)
}

fn fixture_rules(name: &str) -> Vec<u8> {
    let dir = data_dir().join("fixtures");
    let mut rules = std::fs::read(dir.join("reset.rules")).expect("reset.rules");
    rules.extend(std::fs::read(dir.join(format!("{name}.rules"))).expect("fixture rules"));
    rules
}

fn state(sim: &mut Sim, names: &TableNames) -> String {
    let script = b"-Sn\n-L --timeout\n-L --daemon\n-Ln --stats --exact\n".to_vec();
    let o = run_ipvsadm(sim, names, &["-R".to_string()], script, None, false);
    format!("{}{}rc={}\n", o.out, o.err, o.rc)
}

/// Service blocks (a service line and its destination lines) as a sorted list, for
/// listings in the kernel's hash order.
fn blocks(listing: &str) -> Vec<String> {
    let mut head = String::new();
    let mut out: Vec<String> = Vec::new();
    for line in listing.split_inclusive('\n') {
        if line.starts_with("  ->") && !out.is_empty() {
            if let Some(last) = out.last_mut() {
                last.push_str(line);
            }
        } else if out.is_empty()
            && (line.starts_with("IP Virtual")
                || line.starts_with("Prot")
                || line.starts_with("  -> RemoteAddress"))
        {
            head.push_str(line);
        } else {
            out.push(line.to_string());
        }
    }
    out.sort();
    out.insert(0, head);
    out
}

/// Cases the in-memory table cannot replay, and why.
fn skip_reason(fixture: &str, cmd: &str) -> Option<&'static str> {
    if fixture == "traffic" {
        return Some("counters and connections of real traffic");
    }
    if cmd.ends_with("-b ,") {
        return Some("ipvsadm 1.31 crashes here; ha refuses the flag (see DECISIONS.md)");
    }
    if cmd.contains('>') || cmd.contains(" < ") || cmd.contains("sed ") || cmd.contains("/usr/sbin")
    {
        return Some("needs a shell");
    }
    None
}

/// The netlink client's most requests per datagram.
const CLIENT_BATCH: usize = 256;

/// What a replay of the golden cases found.
struct Replay {
    cases: usize,
    skipped: usize,
    failures: Vec<String>,
}

/// Replays every golden case over in-memory tables that take `chunk` requests per
/// datagram.
fn replay(chunk: usize) -> Replay {
    let dir = data_dir();
    let golden = std::fs::read(dir.join("golden.txt")).expect("golden.txt");
    let records: Vec<Record> = parse_records(&golden)
        .expect("golden.txt parses")
        .into_iter()
        .filter(|r| r.implementation == "real")
        .collect();
    let cases = case_lines(&std::fs::read_to_string(dir.join("cases.txt")).expect("cases"));
    assert_eq!(
        records.len(),
        cases.len(),
        "golden.txt is stale: run make-golden.sh"
    );
    let names = guest_names();
    let mut fixtures: BTreeMap<String, Sim> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut skipped = 0;
    for (rec, (fixture, cmd)) in records.iter().zip(&cases) {
        assert_eq!(&rec.cmd, cmd, "golden.txt is stale: run make-golden.sh");
        if let Some(_why) = skip_reason(fixture, cmd) {
            skipped += 1;
            continue;
        }
        let Some(steps) = plan(cmd) else {
            failures.push(format!("#{} `{cmd}`: not understood by the replay", rec.n));
            continue;
        };
        let base = fixtures
            .entry(fixture.clone())
            .or_insert_with(|| {
                let mut sim = Sim::new(chunk);
                let o = run_ipvsadm(
                    &mut sim,
                    &names,
                    &["-R".into()],
                    fixture_rules(fixture),
                    None,
                    false,
                );
                assert!(
                    o.err.lines().all(|l| l == "No daemon is running"),
                    "fixture {fixture}: {}",
                    o.err
                );
                sim
            })
            .clone();
        let mut sim = base;
        let (mut out, mut err, mut rc) = (String::new(), String::new(), 0u8);
        for step in steps {
            let Step {
                args,
                feed,
                conn,
                posix,
                unprivileged,
            } = step;
            let stdin = match feed {
                Feed::Nothing => Vec::new(),
                Feed::Bytes(b) => b,
                Feed::File(path) => std::fs::read(dir.join(&path))
                    .unwrap_or_else(|e| panic!("#{} reads {path}: {e}", rec.n)),
                Feed::Ipvsadm(feeder) => {
                    let o = run_ipvsadm(&mut sim, &names, &feeder, Vec::new(), None, false);
                    err.push_str(&o.err);
                    o.out.into_bytes()
                }
            };
            // Without `with_conns`, the kernel's table: no connections.
            let table = match conn {
                None => Some(EMPTY_CONN_TABLE.to_vec()),
                Some(f) => f.and_then(|f| std::fs::read(dir.join("conns").join(f)).ok()),
            };
            let o = if unprivileged {
                run_unprivileged(&names, &args)
            } else {
                run_ipvsadm(&mut sim, &names, &args, stdin, table, posix)
            };
            out.push_str(&o.out);
            err.push_str(&o.err);
            rc = o.rc;
        }
        let nosort = cmd.contains("--nosort") && !cmd.contains(" -c") && !cmd.contains("-Lnc");
        let out_matches = if nosort {
            blocks(&out) == blocks(&rec.stdout)
        } else {
            out == rec.stdout
        };
        let got_state = state(&mut sim, &names);
        let mut problems = String::new();
        if !out_matches {
            problems.push_str(&format!(" stdout:\n{}", diff(&rec.stdout, &out)));
        }
        if err != rec.stderr {
            problems.push_str(&format!(" stderr:\n{}", diff(&rec.stderr, &err)));
        }
        if i32::from(rc) != rec.rc {
            problems.push_str(&format!(" rc: expected {} got {rc}\n", rec.rc));
        }
        if got_state != rec.state {
            problems.push_str(&format!(" state:\n{}", diff(&rec.state, &got_state)));
        }
        if !problems.is_empty() {
            failures.push(format!("#{} `{cmd}`:{problems}", rec.n));
        }
    }
    Replay {
        cases: records.len(),
        skipped,
        failures,
    }
}

#[test]
fn every_golden_case_replays_byte_for_byte() {
    let r = replay(CLIENT_BATCH);
    println!(
        "{} golden cases replayed, {} left to the VM test",
        r.cases - r.skipped,
        r.skipped
    );
    assert!(
        r.failures.is_empty(),
        "{} of {} cases differ from ipvsadm 1.31:\n{}",
        r.failures.len(),
        r.cases,
        r.failures.join("\n")
    );
}

/// `-R` sends its operation lines in batches and goes on after a failure inside one; the
/// results must not depend on where the batches end (every case, the fixtures and the
/// state dumps included, with a failure at every position of a datagram).
#[test]
fn every_golden_case_replays_with_small_batches() {
    for chunk in [1, 2, 3, 5] {
        let r = replay(chunk);
        assert!(
            r.failures.is_empty(),
            "{chunk} requests per datagram: {} of {} cases differ from ipvsadm 1.31:\n{}",
            r.failures.len(),
            r.cases,
            r.failures.join("\n")
        );
    }
}
