//! `ha ipvs` as a user meets it on a host without IPVS (this one): help that teaches, bad
//! arguments refused before the kernel is asked, and the missing module named with its fix.
//! The commands against a real IPVS kernel are in tests/ipvs_front_vm.rs.

mod common;
mod vm;

use common::ha;

#[test]
fn help_lists_the_commands_with_examples() {
    let o = ha(&["ipvs", "--help"]);
    assert_eq!(o.code(), 0, "{}", o.show());
    for word in [
        "list",
        "stats",
        "add",
        "edit",
        "del",
        "clear",
        "apply",
        "Examples:",
        "Exit status:",
    ] {
        assert!(o.out().contains(word), "{word}: {}", o.show());
    }
    for sub in [
        &["ipvs", "list", "--help"][..],
        &["ipvs", "stats", "--help"],
        &["ipvs", "add", "service", "--help"],
        &["ipvs", "add", "dest", "--help"],
        &["ipvs", "edit", "service", "--help"],
        &["ipvs", "edit", "dest", "--help"],
        &["ipvs", "del", "service", "--help"],
        &["ipvs", "del", "dest", "--help"],
        &["ipvs", "clear", "--help"],
        &["ipvs", "apply", "--help"],
    ] {
        let o = ha(sub);
        assert_eq!(o.code(), 0, "{sub:?}: {}", o.show());
        assert!(o.out().contains("Usage: ha ipvs"), "{sub:?}: {}", o.show());
    }
    let o = ha(&["ipvs", "apply", "--help"]);
    assert!(
        o.out().contains("alpha") && o.out().contains("sorry"),
        "{}",
        o.show()
    );
    // The top-level help names the command too.
    assert!(ha(&["--help"]).out().contains("ipvs"));
}

#[test]
fn bad_arguments_are_usage_errors_before_the_kernel_is_asked() {
    for (args, says) in [
        (&["ipvs"][..], "Usage: ha ipvs"),
        (&["ipvs", "add"], "Usage: ha ipvs add"),
        (&["ipvs", "add", "service"], "--tcp"),
        (
            &[
                "ipvs",
                "add",
                "service",
                "--tcp",
                "10.0.0.1:80",
                "--udp",
                "10.0.0.1:80",
            ],
            "cannot be used with",
        ),
        (
            &["ipvs", "add", "service", "--tcp", "10.0.0.1:http"],
            "the port must be a number",
        ),
        (
            &[
                "ipvs",
                "add",
                "service",
                "--tcp",
                "10.0.0.1:80",
                "-s",
                "wrrr",
            ],
            "did you mean `wrr`",
        ),
        (
            &["ipvs", "add", "service", "--tcp", "10.0.0.1:80", "--ipv6"],
            "cannot be used with",
        ),
        (&["ipvs", "add", "service", "--fwmark", "0"], "--fwmark"),
        (&["ipvs", "add", "dest", "--tcp", "10.0.0.1:80"], "--real"),
        (
            &[
                "ipvs",
                "add",
                "dest",
                "--tcp",
                "10.0.0.1:80",
                "-r",
                "10.0.0.2",
                "--forward",
                "fast",
            ],
            "possible values: dr, nat, tun",
        ),
        (
            &[
                "ipvs",
                "add",
                "dest",
                "--tcp",
                "10.0.0.1:80",
                "-r",
                "10.0.0.2",
                "--weight=-3",
            ],
            "--weight",
        ),
        (&["ipvs", "stats", "--count", "2"], "--watch"),
    ] {
        let o = ha(args);
        assert_eq!(o.code(), 2, "{args:?}: {}", o.show());
        assert!(o.err().contains(says), "{args:?}: {}", o.show());
        assert!(o.out().is_empty(), "{args:?}: {}", o.show());
    }
    // Checks of our own, in ha's error format.
    for (args, says) in [
        (
            &["ipvs", "add", "service", "--tcp", "10.0.0.1"][..],
            "ha: ipvs add service: TCP 10.0.0.1:0 has no port: a service for every port needs --persistent\n",
        ),
        (
            &["ipvs", "add", "service", "--tcp", "10.0.0.1:80", "--sched-flags", "sh-port"],
            "ha: ipvs add service: --sched-flags sh-port is for the sh scheduler; this service uses wlc\n",
        ),
        (
            &["ipvs", "add", "dest", "--tcp", "10.0.0.1:80", "-r", "10.0.0.2", "--tun-type", "gue"],
            "ha: ipvs add dest: a gue tunnel needs --tun-port\n",
        ),
        (
            &["ipvs", "edit", "dest", "--tcp", "10.0.0.1:80", "-r", "10.0.0.2"],
            "ha: ipvs edit dest: nothing to change\n  hint: give --weight",
        ),
        // The kernel refuses a lower threshold above the upper one even when that is 0.
        (
            &["ipvs", "add", "dest", "--tcp", "10.0.0.1:80", "-r", "10.0.0.2", "--lower", "5"],
            "ha: ipvs add dest: the lower threshold (5) is above the upper one (0)\n",
        ),
    ] {
        let o = ha(args);
        assert_eq!(o.code(), 2, "{args:?}: {}", o.show());
        assert!(o.err().starts_with(says), "{args:?}: {}", o.show());
    }
}

#[test]
fn without_ipvs_every_command_says_how_to_get_it() {
    // Where the kernel has IPVS or could load it (as root, the first command would), the
    // "no IPVS" expectations do not hold.
    if let Some(why) = vm::host_may_have_ipvs() {
        println!("SKIP: {why}; the VM tests cover the commands");
        return;
    }
    for args in [
        &["ipvs", "list"][..],
        &["ipvs", "list", "--json"],
        &["ipvs", "stats"],
        &["ipvs", "clear"],
        &["ipvs", "add", "service", "--tcp", "10.0.0.1:80"],
        &[
            "ipvs",
            "del",
            "dest",
            "--tcp",
            "10.0.0.1:80",
            "-r",
            "10.0.0.2",
        ],
    ] {
        let o = ha(args);
        assert_eq!(o.code(), 5, "{args:?}: {}", o.show());
        assert!(o.out().is_empty(), "{args:?}: {}", o.show());
        let what = args[..2].join(" ");
        let what = if args.len() > 2 && !args[2].starts_with('-') {
            format!("{what} {}", args[2])
        } else {
            what
        };
        assert_eq!(
            o.err(),
            format!(
                "ha: {what}: this kernel has no IPVS (ip_vs module)\n  hint: load the ip_vs module (modprobe ip_vs)\n"
            ),
            "{args:?}"
        );
    }
}

#[test]
fn apply_refuses_a_configuration_with_errors_before_touching_the_kernel() {
    let dir = std::env::temp_dir().join(format!("ha-ipvs-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.conf");
    std::fs::write(
        &bad,
        "virtual_server 10.0.0.1 80 {\n    lvs_sched wrrr\n    real_server 10.0.0.2 80 {\n    }\n}\n",
    )
    .unwrap();
    let o = ha(&["ipvs", "apply", "-f", bad.to_str().unwrap(), "--dry-run"]);
    assert_eq!(o.code(), 1, "{}", o.show());
    assert!(o.err().contains("lvs_sched"), "{}", o.show());
    assert!(
        o.err()
            .contains("the configuration has errors (listed above); nothing was changed"),
        "{}",
        o.show()
    );
    let o = ha(&["ipvs", "apply", "-f", "/nonexistent/keepalived.conf"]);
    assert_eq!(o.code(), 1, "{}", o.show());
    assert!(
        o.err().contains("/nonexistent/keepalived.conf"),
        "{}",
        o.show()
    );
    // A good configuration gets as far as the kernel.
    if vm::host_may_have_ipvs().is_none() {
        let good = dir.join("good.conf");
        std::fs::write(
            &good,
            "virtual_server 10.0.0.1 80 {\n    protocol TCP\n    real_server 10.0.0.2 80 {\n    }\n}\n",
        )
        .unwrap();
        let o = ha(&["ipvs", "apply", "-f", good.to_str().unwrap(), "--dry-run"]);
        assert_eq!(o.code(), 5, "{}", o.show());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
