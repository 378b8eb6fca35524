//! The configurations of the tutorials the project started from (shared/seeds, extracted to
//! tests/data/seeds): valid ones read without errors, real mistakes are pointed at with a
//! message a newcomer understands, and every fixture's findings match its golden file
//! (tests/data/seeds/expected/; `HA_BLESS=1 cargo test --test seeds` rewrites them).
//! Findings that depend on this host (interfaces, scripts) are left out: they are tested
//! in src/conf/env with a fake host.

use std::path::{Path, PathBuf};

use ha::conf::diag::{render, Severity};
use ha::conf::{load, LoadOptions, Parsed};

const SEEDS: &str = "tests/data/seeds";

/// Configs the authors ran (MANIFEST.md: VALID).
const VALID: &[&str] = &[
    "000-global-defs-annotated",
    "000-vs1-master",
    "000-vs2-backup",
    "001-dual-master-node18",
    "001-dual-master-node28",
    "001-nopreempt-node18",
    "001-nopreempt-node28",
    "001-web-http-get",
    "002-vs-ssl-get",
    "004-nginx01-master",
    "004-nginx02-backup",
];

fn opts() -> LoadOptions {
    LoadOptions {
        config_id: Some("seedhost".into()),
        all_config: false,
    }
}

fn parse(path: &Path) -> Parsed {
    load(path, &opts())
}

fn rendered(p: &Parsed) -> String {
    p.diags
        .sorted()
        .into_iter()
        .map(|d| render(d, &p.sources))
        .collect()
}

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_fixture_matches_its_golden_findings() {
    let bless = std::env::var_os("HA_BLESS").is_some();
    let expected_dir = Path::new(SEEDS).join("expected");
    let mut mismatches = Vec::new();
    let mut all = fixtures(SEEDS);
    all.extend(fixtures(&format!("{SEEDS}/context")));
    for path in all {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let name = if path.parent().is_some_and(|d| d.ends_with("context")) {
            format!("context-{stem}.txt")
        } else {
            format!("{stem}.txt")
        };
        let got = rendered(&parse(&path));
        let golden = expected_dir.join(&name);
        if bless {
            std::fs::create_dir_all(&expected_dir).unwrap();
            std::fs::write(&golden, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_default();
        if want != got {
            mismatches.push(format!(
                "{}:\n--- expected\n{want}--- got\n{got}",
                path.display()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} fixture(s) differ from tests/data/seeds/expected (HA_BLESS=1 to accept):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn valid_configs_have_no_errors() {
    for name in VALID {
        let p = parse(&Path::new(SEEDS).join(format!("{name}.conf")));
        assert_eq!(
            p.diags.count(Severity::Error),
            0,
            "{name}:\n{}",
            rendered(&p)
        );
    }
}

/// The findings of a fixture as `LINE: severity: message | hint` lines.
fn findings(rel: &str) -> Vec<String> {
    let p = parse(&Path::new(SEEDS).join(rel));
    p.diags
        .sorted()
        .into_iter()
        .map(|d| {
            format!(
                "{}: {:?}: {} | {}",
                d.span.map(|s| s.line).unwrap_or(0),
                d.severity,
                d.message,
                d.hint.clone().unwrap_or_default()
            )
        })
        .collect()
}

fn assert_finding(rel: &str, want: &[&str]) {
    let got = findings(rel);
    assert!(
        got.iter().any(|g| want.iter().all(|w| g.contains(w))),
        "{rel}: no finding with {want:?} in:\n{}",
        got.join("\n")
    );
}

#[test]
fn track_interface_written_with_a_space() {
    // seed 000: `track interface {`
    assert_finding(
        "000-vrrp-instance-reference.conf",
        &[
            "17: Error",
            "unknown keyword `track`",
            "keywords have no spaces: did you mean `track_interface`?",
        ],
    );
}

#[test]
fn connect_ip_glued_to_its_address() {
    // seed 002: `connect_ip192.168.155.11`, placed in its virtual_server as the author meant.
    let got = findings("context/002-rs-smtp-check.conf");
    let glued: Vec<&String> = got.iter().filter(|g| g.contains("connect_ip")).collect();
    assert!(
        glued
            .iter()
            .any(|g| g.contains("Error") && g.contains("connect_ip 192.168.155.11")),
        "{}",
        got.join("\n")
    );
}

#[test]
fn misc_dynamic_eaten_by_a_comment() {
    // seed 002: `misc_path /usr/local/bin/script.sh!misc_dynamic`
    assert_finding(
        "context/002-rs-misc-dynamic.conf",
        &["Warning", "`!` starts a comment", "misc_dynamic"],
    );
}

#[test]
fn bracket_typed_for_a_brace_in_the_scanned_book() {
    // seed 003: `virtual_ipaddress(`
    assert_finding(
        "003-haproxy-ha-scanned.conf",
        &[
            "unknown keyword `virtual_ipaddress(`",
            "write `virtual_ipaddress {`",
        ],
    );
}

#[test]
fn nb_get_retry_in_tcp_check_names_retry() {
    assert_finding("context/002-tcp-check.conf", &["nb_get_retry", "retry"]);
}
