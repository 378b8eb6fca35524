//! Tier 4 (root, the IPVS VM): every case of tests/data/ipvsadm/cases.txt run by the real
//! ipvsadm 1.31 and by ha invoked as `ipvsadm` (a symlink /opt/ha/ipvsadm -> ha, found
//! through PATH so that argv[0] is `ipvsadm`), each on the same kernel state; stdout,
//! stderr, exit status and the kernel state afterwards (as the real ipvsadm dumps it) must
//! be the same. The cases include save/restore round trips both ways (ha -S into the real
//! -R and back). The real results must also still be those in golden.txt, which the
//! offline test (tests/ipvsadm_golden.rs) replays.
//!
//! The cases are split over two VMs that run at the same time (about 6 minutes in all).

mod ipvsadm_shared;
mod vm;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipvsadm_shared::{case_lines, data_dir, diff, parse_records, Record};

const CHUNKS: usize = 2;
const CHUNK_TIMEOUT: Duration = Duration::from_secs(1800);

const GUEST_SCRIPT: &str = "\
mkdir -p /opt/ha && ln -s /usr/local/bin/ha /opt/ha/ipvsadm
sh /root/data/run-cases.sh /root/data /root/cases.txt real=/usr/sbin ha=/opt/ha
";

/// Where ha does not copy ipvsadm on purpose (docs/DECISIONS.md says why).
fn known_deviation(cmd: &str) -> Option<&'static str> {
    cmd.ends_with("-b ,")
        .then_some("ipvsadm 1.31 crashes (SIGSEGV) on a flag list without flags; ha refuses it")
}

/// Results that depend on more than the command: the kernel's hash order (a pointer is part
/// of the hash), client ports and timers of real connections.
fn varies_between_boots(fixture: &str, cmd: &str) -> bool {
    fixture == "traffic" || cmd.contains("--nosort")
}

fn compare(what: &str, expected: &str, got: &str, out: &mut String) {
    if expected != got {
        out.push_str(&format!(" {what}:\n{}", diff(expected, got)));
    }
}

struct ChunkRun {
    first: usize,
    records: Vec<Record>,
}

fn run_chunk(first: usize, lines: &[String], dir: &Path) -> ChunkRun {
    let path = dir.join(format!("cases-{first}.txt"));
    std::fs::write(&path, lines.join("\n") + "\n").expect("write the chunk's cases");
    let ha = PathBuf::from(env!("CARGO_BIN_EXE_ha"));
    let data = data_dir();
    let run = vm::run_with_timeout(
        GUEST_SCRIPT,
        &[
            (ha.as_path(), "/usr/local/bin/ha"),
            (data.as_path(), "/root/data"),
            (path.as_path(), "/root/cases.txt"),
        ],
        CHUNK_TIMEOUT,
    );
    assert_eq!(run.status, 0, "guest script failed:\n{}", run.stderr);
    let records = parse_records(run.stdout.as_bytes())
        .unwrap_or_else(|e| panic!("cannot read the guest's records ({e}):\n{}", run.stderr));
    ChunkRun { first, records }
}

#[test]
fn ha_as_ipvsadm_matches_the_real_ipvsadm_on_a_kernel() {
    if let Some(why) = vm::skip_reason() {
        println!("SKIP: {why}");
        return;
    }
    let cases_text = std::fs::read_to_string(data_dir().join("cases.txt")).expect("cases.txt");
    let cases = case_lines(&cases_text);
    let lines: Vec<String> = cases.iter().map(|(f, c)| format!("{f} | {c}")).collect();
    let dir = std::env::temp_dir().join(format!("ha-ipvsadm-vm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    let per_chunk = lines.len().div_ceil(CHUNKS);
    let runs: Vec<ChunkRun> = std::thread::scope(|s| {
        let handles: Vec<_> = lines
            .chunks(per_chunk)
            .enumerate()
            .map(|(i, chunk)| {
                let dir = &dir;
                s.spawn(move || run_chunk(i * per_chunk, chunk, dir))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a VM run panicked"))
            .collect()
    });
    let _ = std::fs::remove_dir_all(&dir);

    // Case number (1-based, over the whole file) -> implementation -> record.
    let mut by_case: BTreeMap<usize, BTreeMap<String, Record>> = BTreeMap::new();
    for run in runs {
        for mut r in run.records {
            r.n += run.first;
            by_case
                .entry(r.n)
                .or_default()
                .insert(r.implementation.clone(), r);
        }
    }
    let golden = parse_records(&std::fs::read(data_dir().join("golden.txt")).expect("golden.txt"))
        .expect("golden.txt parses");
    let golden: BTreeMap<usize, Record> = golden.into_iter().map(|r| (r.n, r)).collect();

    let mut failures = Vec::new();
    let mut stale = Vec::new();
    for (n, (fixture, cmd)) in cases.iter().enumerate().map(|(i, c)| (i + 1, c)) {
        let (Some(real), Some(ha)) = (
            by_case.get(&n).and_then(|m| m.get("real")),
            by_case.get(&n).and_then(|m| m.get("ha")),
        ) else {
            failures.push(format!("#{n} `{cmd}`: no record from the guest"));
            continue;
        };
        if let Some(fixture_out) = &real.fixture {
            failures.push(format!(
                "#{n}: fixture {fixture} did not load:\n{fixture_out}"
            ));
        }
        if let Some(why) = known_deviation(cmd) {
            println!("#{n} `{cmd}`: not compared: {why}");
            continue;
        }
        let mut problems = String::new();
        compare("stdout", &real.stdout, &ha.stdout, &mut problems);
        compare("stderr", &real.stderr, &ha.stderr, &mut problems);
        if real.rc != ha.rc {
            problems.push_str(&format!(" rc: ipvsadm {} ha {}\n", real.rc, ha.rc));
        }
        compare("state", &real.state, &ha.state, &mut problems);
        if !problems.is_empty() {
            failures.push(format!("#{n} `{cmd}`:{problems}"));
        }
        if !varies_between_boots(fixture, cmd) {
            match golden.get(&n) {
                Some(g)
                    if g.cmd == *cmd
                        && g.stdout == real.stdout
                        && g.stderr == real.stderr
                        && g.rc == real.rc
                        && g.state == real.state => {}
                _ => stale.push(n),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ between ipvsadm and ha:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(
        stale.is_empty(),
        "the real ipvsadm no longer gives golden.txt's results for cases {stale:?}: \
         run tests/data/ipvsadm/make-golden.sh"
    );
}
