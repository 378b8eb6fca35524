//! The `ha` command line as a whole: personalities chosen by argv[0], help that teaches,
//! usage errors.

mod common;

use common::{ha, ha_bin, run, WATCHDOG};

#[test]
fn ipvsadm_name_answers_as_the_real_ipvsadm() {
    // Where the real ipvsadm is installed, both must say the same here (on a build host
    // without IPVS: that IPVS cannot be initialised); tests/ipvsadm_vm.rs compares them on
    // a kernel with IPVS. Everywhere, ipvsadm's usage errors need no kernel to compare.
    let real = std::path::Path::new("/usr/sbin/ipvsadm");
    for args in [&["-Ln"][..], &["-h"], &[], &["-Q"]] {
        for name in ["ipvsadm", "/usr/sbin/ipvsadm"] {
            let o = run(&ha_bin(), Some(name), args, WATCHDOG);
            if real.exists() {
                let r = run(real, Some(name), args, WATCHDOG);
                assert_eq!(
                    (o.code(), o.out(), o.err()),
                    (r.code(), r.out(), r.err()),
                    "{}\nreal: {}",
                    o.show(),
                    r.show()
                );
            } else if !std::path::Path::new("/proc/net/ip_vs").exists() {
                assert_eq!(o.code(), 2, "{}", o.show());
                assert!(
                    o.err().starts_with("Can't initialize ipvs: "),
                    "{}",
                    o.show()
                );
            }
        }
    }
}

#[test]
fn keepalived_name_checks_configurations_and_says_what_it_cannot_do_yet() {
    let o = run(&ha_bin(), Some("keepalived"), &["-n", "-l", "-X"], WATCHDOG);
    assert_eq!(o.code(), 1, "{}", o.show());
    assert!(
        o.err().contains("option(s) -X not supported yet"),
        "{}",
        o.show()
    );
    // The daemon refuses a configuration it cannot read, before detaching.
    let o = run(
        &ha_bin(),
        Some("keepalived"),
        &["-n", "-l", "-f", "/nonexistent/keepalived.conf"],
        WATCHDOG,
    );
    assert_eq!(o.code(), 1, "{}", o.show());
    assert!(
        o.err().contains("/nonexistent/keepalived.conf"),
        "{}",
        o.show()
    );
    let o = run(
        &ha_bin(),
        Some("/usr/sbin/keepalived"),
        &["-t", "-f", "/nonexistent/keepalived.conf"],
        WATCHDOG,
    );
    assert_eq!(o.code(), 5, "{}", o.show());
    assert!(
        o.err().contains("/nonexistent/keepalived.conf"),
        "{}",
        o.show()
    );
}

#[test]
fn any_other_name_is_ha() {
    let o = run(&ha_bin(), Some("ha-0.1"), &["--version"], WATCHDOG);
    assert_eq!(o.code(), 0, "{}", o.show());
    assert!(o.out().starts_with("ha "), "{}", o.show());
}

#[test]
fn no_arguments_prints_help_and_is_a_usage_error() {
    let o = ha(&[]);
    assert_eq!(o.code(), 2, "{}", o.show());
    assert!(o.err().contains("Usage: ha <COMMAND>"), "{}", o.show());
}

#[test]
fn help_teaches_with_examples_and_exit_statuses() {
    let o = ha(&["--help"]);
    assert_eq!(o.code(), 0);
    assert!(o.out().contains("Examples:") && o.out().contains("Exit status:"));
    for sub in [
        &["genhash", "--help"][..],
        &["check", "http", "--help"],
        &["check", "smtp", "--help"],
        &["rs-arp", "start", "--help"],
    ] {
        let o = ha(sub);
        assert_eq!(o.code(), 0, "{}", o.show());
        assert!(o.out().contains("Examples:"), "{}", o.show());
    }
}

#[test]
fn unknown_options_and_bad_values_exit_2() {
    for args in [
        &["check", "tcp", "127.0.0.1", "--port", "80", "--bogus"][..],
        &["check", "tcp", "not-an-ip", "--port", "80"],
        &["check", "http", "127.0.0.1", "--timeout", "0"],
        &["genhash", "-s", "127.0.0.1", "-p", "70000", "-u", "/"],
        &["frobnicate"],
    ] {
        let o = ha(args);
        assert_eq!(o.code(), 2, "{}", o.show());
        assert!(o.out().is_empty(), "{}", o.show());
    }
}
