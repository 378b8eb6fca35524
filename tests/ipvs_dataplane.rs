//! Real traffic through kernel IPVS in the VM (tests/vm/dataplane.sh): a client namespace
//! fetches pages over HTTP from two busybox httpd real servers through a NAT (masq) and a DR
//! (route) service on the director; then the counters, as the real ipvsadm 1.31 reads them,
//! must show every connection where the scheduler put it, and DR replies bypassing the
//! director. Where ha has an ipvsadm personality, it must read the same tables identically.

mod vm;

use std::path::Path;

const SCRIPT: &str = include_str!("vm/dataplane.sh");
const NAT_VIP: &str = "10.0.9.10:80";
const DR_VIP: &str = "10.0.9.20:80";
const REAL_SERVERS: [&str; 2] = ["10.0.2.11:80", "10.0.2.12:80"];

/// One row of `ipvsadm -Ln --stats`: Conns, InPkts, OutPkts, InBytes, OutBytes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Counters {
    conns: u64,
    in_pkts: u64,
    out_pkts: u64,
    in_bytes: u64,
    out_bytes: u64,
}

/// A service line with its destination lines.
#[derive(Debug)]
struct ServiceStats {
    addr: String,
    totals: Counters,
    dests: Vec<(String, Counters)>,
}

fn parse_counters(fields: &[&str], line: &str) -> Counters {
    let n: Vec<u64> = fields
        .iter()
        .map(|f| {
            f.parse()
                .unwrap_or_else(|_| panic!("not a plain count {f:?} in {line:?}"))
        })
        .collect();
    match n[..] {
        [conns, in_pkts, out_pkts, in_bytes, out_bytes] => Counters {
            conns,
            in_pkts,
            out_pkts,
            in_bytes,
            out_bytes,
        },
        _ => panic!("expected 5 counters in {line:?}"),
    }
}

/// `ipvsadm -Ln --stats` output, after its three header lines.
fn parse_stats(text: &str) -> Vec<ServiceStats> {
    let mut services: Vec<ServiceStats> = Vec::new();
    for line in text.lines().skip(3) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["TCP" | "UDP" | "SCTP" | "FWM", addr, counts @ ..] => services.push(ServiceStats {
                addr: addr.to_string(),
                totals: parse_counters(counts, line),
                dests: Vec::new(),
            }),
            ["->", addr, counts @ ..] => {
                let counters = parse_counters(counts, line);
                services
                    .last_mut()
                    .unwrap_or_else(|| panic!("destination before any service: {line:?}"))
                    .dests
                    .push((addr.to_string(), counters));
            }
            _ => panic!("unexpected line in ipvsadm -Ln --stats: {line:?}"),
        }
    }
    services
}

/// The forwarding method column of each destination under `service` in `ipvsadm -Ln`.
fn forwarding(listing: &str, service: &str) -> Vec<(String, String)> {
    let mut in_service = false;
    let mut out = Vec::new();
    for line in listing.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["TCP" | "UDP" | "SCTP" | "FWM", addr, ..] => in_service = *addr == service,
            ["->", addr, method, ..] if in_service => {
                out.push((addr.to_string(), method.to_string()))
            }
            _ => {}
        }
    }
    out
}

#[test]
fn http_through_nat_and_dr_services_and_the_counters_ipvsadm_reads() {
    if let Some(why) = vm::skip_reason() {
        println!("SKIP: {why}");
        return;
    }
    let ha = Path::new(env!("CARGO_BIN_EXE_ha"));
    let run = vm::run(SCRIPT, &[(ha, "/usr/local/bin/ha")]);
    let context = format!("stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert_eq!(run.status, 0, "{context}");

    // Round robin over two real servers: two replies from each, through either service.
    for vip in ["10.0.9.10", "10.0.9.20"] {
        let mut replies: Vec<&str> = vm::section(&run.stdout, &format!("replies {vip}"))
            .lines()
            .collect();
        replies.sort_unstable();
        assert_eq!(
            replies,
            [
                "hello from rs1",
                "hello from rs1",
                "hello from rs2",
                "hello from rs2"
            ],
            "replies through {vip}\n{context}"
        );
    }

    let listing = vm::section(&run.stdout, "ipvsadm -Ln");
    for (vip, method) in [(NAT_VIP, "Masq"), (DR_VIP, "Route")] {
        let want: Vec<(String, String)> = REAL_SERVERS
            .iter()
            .map(|rs| (rs.to_string(), method.to_string()))
            .collect();
        assert_eq!(forwarding(listing, vip), want, "{vip} in:\n{listing}");
    }

    let stats = parse_stats(vm::section(&run.stdout, "ipvsadm -Ln --stats"));
    assert_eq!(stats.len(), 2, "{stats:#?}");
    for service in &stats {
        let dest_addrs: Vec<&str> = service.dests.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(dest_addrs, REAL_SERVERS, "{service:#?}");
        assert_eq!(service.totals.conns, 4, "{service:#?}");
        let mut sum = Counters::default();
        for (addr, c) in &service.dests {
            assert_eq!(c.conns, 2, "{addr} under {}: {service:#?}", service.addr);
            assert!(c.in_pkts > 0 && c.in_bytes > 0, "{addr}: {service:#?}");
            sum.conns += c.conns;
            sum.in_pkts += c.in_pkts;
            sum.out_pkts += c.out_pkts;
            sum.in_bytes += c.in_bytes;
            sum.out_bytes += c.out_bytes;
        }
        assert_eq!(
            sum, service.totals,
            "a service's counters are its destinations' sums"
        );
    }
    let nat = &stats[0];
    let dr = &stats[1];
    assert_eq!((nat.addr.as_str(), dr.addr.as_str()), (NAT_VIP, DR_VIP));
    // NAT replies pass back through the director; DR replies go around it.
    assert!(
        nat.totals.out_pkts > 0 && nat.totals.out_bytes > 0,
        "{nat:#?}"
    );
    assert_eq!((dr.totals.out_pkts, dr.totals.out_bytes), (0, 0), "{dr:#?}");

    compare_with_ha(&run.stdout);
}

/// ha as `ipvsadm` must print what the real one printed just before or just after it.
fn compare_with_ha(out: &str) {
    if vm::section(out, "ha").trim() == "absent" {
        println!("SKIP: (the ha part) this ha has no ipvsadm personality yet");
        return;
    }
    for args in ["-Ln", "-Ln --stats"] {
        let from_ha = vm::section(out, &format!("ha {args}"));
        let before = vm::section(out, &format!("ipvsadm {args}"));
        let after = vm::section(out, &format!("ipvsadm again {args}"));
        let (printed, rc) = from_ha
            .strip_suffix('\n')
            .and_then(|s| s.rsplit_once("rc="))
            .unwrap_or_else(|| panic!("no rc= line after ha {args}:\n{from_ha}"));
        assert_eq!(rc, "0", "ha's ipvsadm {args} failed:\n{printed}");
        assert!(
            printed == before || printed == after,
            "ha's ipvsadm {args} differs from the real ipvsadm's:\n--- ha\n{printed}--- ipvsadm\n{after}"
        );
    }
}
