//! The environment checks against a [`FakeHost`] (and once against this machine).

use super::*;
use crate::conf::diag::{Diagnostic, Diagnostics, Severity};
use crate::conf::parse_str;
use crate::conf::schema::Cx;

/// One finding of the environment pass.
struct F {
    sev: Severity,
    line: u32,
    col: u32,
    message: String,
    hint: String,
    related: Vec<(u32, String)>,
}

impl std::fmt::Debug for F {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} {}:{}: {} | {} {:?}",
            self.sev, self.line, self.col, self.message, self.hint, self.related
        )
    }
}

fn of(d: &Diagnostic) -> F {
    let span = d.span.expect("environment findings have a place");
    F {
        sev: d.severity,
        line: span.line,
        col: span.col,
        message: d.message.clone(),
        hint: d.hint.clone().unwrap_or_default(),
        related: d.related.iter().map(|(s, w)| (s.line, w.clone())).collect(),
    }
}

/// The findings of the environment pass alone on `text` (parsing findings are left out).
fn env_check(text: &str, host: &dyn Host) -> Vec<F> {
    let parsed = parse_str("keepalived.conf", text);
    let mut diags = Diagnostics::new();
    check(&parsed.config, host, &mut Cx::new(&mut diags));
    assert_eq!(
        diags.count(Severity::Error),
        0,
        "the environment pass makes no errors"
    );
    diags.iter().map(of).collect()
}

/// The one finding whose message contains `want`.
fn one<'a>(fs: &'a [F], want: &str) -> &'a F {
    let hits: Vec<&F> = fs.iter().filter(|f| f.message.contains(want)).collect();
    assert_eq!(hits.len(), 1, "want one `{want}` in {fs:#?}");
    hits[0]
}

fn none(fs: &[F], want: &str) {
    assert!(
        !fs.iter().any(|f| f.message.contains(want)),
        "no `{want}` expected in {fs:#?}"
    );
}

/// A host with eth0 and lo, /bin/sh and /bin/bash, the `keepalived_script` user (so the
/// default-user note stays out of the way) and a safe /etc/keepalived.
fn host() -> FakeHost {
    FakeHost::new()
        .interface("eth0")
        .interface("lo")
        .file_with("/bin/sh", 0o755, 0, 0, b"\x7fELF")
        .file_with("/bin/bash", 0o755, 0, 0, b"\x7fELF")
        .file_with("/usr/bin/killall", 0o755, 0, 0, b"\x7fELF")
        .dir("/etc/keepalived", 0o755, 0, 0)
        .user("keepalived_script", 990, 990)
}

const GLOBAL_SECURE: &str = "global_defs {\n enable_script_security\n}\n";

fn vrrp_script(cmd: &str) -> String {
    format!(
        "{GLOBAL_SECURE}vrrp_script chk {{\n script \"{cmd}\"\n}}\nvrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {{\n  10.0.0.10/24\n }}\n track_script {{\n  chk\n }}\n}}\n"
    )
}

// ---------------------------------------------------------------------------------------
// interfaces

#[test]
fn missing_instance_interface_is_a_warning_with_the_interfaces_here() {
    let text = "vrrp_instance VI_1 {\n interface ens33\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.10/24\n }\n}\n";
    let fs = env_check(text, &host());
    assert_eq!(fs.len(), 1, "{fs:#?}");
    let f = &fs[0];
    assert_eq!(f.sev, Severity::Warning);
    assert_eq!(f.message, "interface `ens33` does not exist on this host");
    assert_eq!((f.line, f.col), (2, 12));
    assert_eq!(
        f.hint,
        "it is the `interface` of vrrp_instance `VI_1`: keepalived drops the instance \
         (\"Unknown interface!\"); interfaces here: eth0, lo"
    );
}

#[test]
fn existing_interfaces_give_nothing() {
    let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n track_interface {\n  eth0\n }\n virtual_ipaddress {\n  10.0.0.10/24 dev eth0\n }\n}\n";
    assert!(env_check(text, &host()).is_empty());
}

#[test]
fn unicast_instances_say_what_keepalived_does() {
    let peers = " unicast_peer {\n  10.0.0.2\n }\n";
    let text = format!(
        "vrrp_instance A {{\n interface ens33\n virtual_router_id 51\n{peers}}}\n\
         vrrp_instance B {{\n interface ens34\n virtual_router_id 52\n unicast_src_ip 10.0.0.1\n{peers}}}\n"
    );
    let fs = env_check(&text, &host());
    assert!(one(&fs, "`ens33`")
        .hint
        .contains("a unicast instance needs `unicast_src_ip` or an interface"));
    assert!(one(&fs, "`ens34`")
        .hint
        .contains("runs the instance without an interface"));
}

#[test]
fn a_near_miss_is_suggested_and_long_lists_are_not_spelt_out() {
    let text = "vrrp_instance VI_1 {\n interface eth1\n virtual_router_id 51\n}\n";
    let f = &env_check(text, &host())[0];
    assert!(
        f.hint
            .ends_with("did you mean `eth0`? interfaces here: eth0, lo"),
        "{f:?}"
    );
    let mut many = FakeHost::new();
    for i in 0..12 {
        many = many.interface(&format!("veth{i}"));
    }
    let f = &env_check("vrrp_instance VI_1 {\n interface ens33\n}\n", &many)[0];
    assert!(
        f.hint
            .ends_with("this host has 12 interfaces (see `ip link`)"),
        "{f:?}"
    );
}

#[test]
fn every_interface_keyword_is_checked() {
    let text = "\
global_defs {
 lvs_sync_daemon sync0
}
vrrp_instance VI_1 {
 interface eth0
 virtual_router_id 51
 track_interface {
  trk0
 }
 virtual_ipaddress {
  10.0.0.10/24 dev vip0
 }
 virtual_ipaddress_excluded {
  10.0.1.10/24 dev evip0
 }
 virtual_routes {
  10.9.0.0/16 via 10.0.0.1 dev rt0
  10.8.0.0/16 nexthop via 10.0.0.1 dev nh0
 }
 virtual_rules {
  from 10.0.0.0/8 table 100 iif rin0
 }
}
vrrp_sync_group G {
 group {
  VI_1
 }
 track_interface {
  sg0
 }
}
static_ipaddress {
 10.5.0.1/24 dev st0
}
static_routes {
 10.6.0.0/16 dev srt0
}
static_rules {
 to 10.7.0.0/16 table 7 oif srule0
}
garp_group {
 garp_interval 0.01
 interface garp0
}
virtual_server 10.0.0.10 80 {
 protocol TCP
 real_server 10.0.0.20 80 {
  TCP_CHECK {
   bind_if bind0
  }
 }
}
";
    let fs = env_check(text, &host());
    let want = [
        ("sync0", 2, "the interface of global `lvs_sync_daemon`"),
        (
            "trk0",
            8,
            "a `track_interface` line of vrrp_instance `VI_1`",
        ),
        (
            "vip0",
            11,
            "virtual_ipaddress 10.0.0.10/24 in vrrp_instance `VI_1`",
        ),
        ("evip0", 14, "virtual_ipaddress_excluded 10.0.1.10/24"),
        ("rt0", 17, "the `dev` of the route to 10.9.0.0/16"),
        ("nh0", 18, "a nexthop `dev` of the route to 10.8.0.0/16"),
        (
            "rin0",
            21,
            "the `iif` of a rule (virtual_rules in vrrp_instance `VI_1`)",
        ),
        ("sg0", 29, "a `track_interface` line of vrrp_sync_group `G`"),
        ("st0", 33, "the `dev` of static_ipaddress 10.5.0.1/24"),
        ("srt0", 36, "(static_routes)"),
        ("srule0", 39, "the `oif` of a rule (static_rules)"),
        ("garp0", 43, "an interface of a garp_group"),
        (
            "bind0",
            47,
            "the `bind_if` of a TCP_CHECK of real_server 10.0.0.20:80",
        ),
    ];
    assert_eq!(fs.len(), want.len(), "{fs:#?}");
    for (name, line, role) in want {
        let f = one(&fs, &format!("`{name}`"));
        assert_eq!(f.sev, Severity::Warning);
        assert!(
            f.line == line && f.hint.contains(role),
            "{name}: want line {line} and `{role}` in {f:?}"
        );
    }
}

#[test]
fn static_addresses_without_dev_check_default_interface() {
    let text = "global_defs {\n default_interface ens5\n}\nstatic_ipaddress {\n 10.5.0.1/24\n 10.5.0.2/24\n}\n";
    let fs = env_check(text, &host());
    assert_eq!(fs.len(), 1, "{fs:#?}");
    let f = &fs[0];
    assert_eq!(f.message, "interface `ens5` does not exist on this host");
    assert_eq!((f.line, f.col), (2, 20));
    assert!(f
        .hint
        .contains("global `default_interface`, where static_ipaddress 10.5.0.1/24 goes"));
    assert!(f.related.is_empty(), "same place, not repeated: {f:?}");
    // Without `default_interface` the default eth0 is used, and points at the address.
    let fs = env_check("static_ipaddress {\n 10.5.0.1/24\n}\n", &FakeHost::new());
    assert_eq!(one(&fs, "`eth0`").line, 2);
    assert!(env_check("static_ipaddress {\n 10.5.0.1/24\n}\n", &host()).is_empty());
}

#[test]
fn one_warning_per_missing_name_with_the_other_places() {
    let text = "vrrp_instance VI_1 {\n interface ens33\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.10/24 dev ens33\n }\n}\nvrrp_instance VI_2 {\n interface ens33\n virtual_router_id 52\n}\n";
    let fs = env_check(text, &host());
    assert_eq!(fs.len(), 1, "{fs:#?}");
    let rel = &fs[0].related;
    assert_eq!(rel.len(), 2, "{fs:#?}");
    assert_eq!(rel[0].0, 5);
    assert!(rel[0].1.starts_with("also the `dev` of virtual_ipaddress"));
    assert_eq!(rel[1].0, 9);
    assert!(rel[1]
        .1
        .contains("vrrp_instance `VI_2` (keepalived drops the instance"));
}

#[test]
fn system_host_finds_lo_and_not_a_made_up_interface() {
    let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n track_interface {\n  lo\n  ha-nosuch0\n }\n}\n";
    let fs = env_check(text, &SystemHost::new());
    let fs: Vec<&F> = fs
        .iter()
        .filter(|f| f.message.starts_with("interface `") && f.line > 2)
        .collect();
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(
        fs[0].message,
        "interface `ha-nosuch0` does not exist on this host"
    );
    assert_eq!(fs[0].line, 6);
}

// ---------------------------------------------------------------------------------------
// scripts: finding and executing the program

#[test]
fn a_missing_script_says_so_and_which_directory_is_missing() {
    let fs = env_check(&vrrp_script("/etc/keepalived/check_nginx.sh"), &host());
    assert_eq!(fs.len(), 1, "{fs:#?}");
    let f = &fs[0];
    assert_eq!(f.sev, Severity::Warning);
    assert_eq!(
        f.message,
        "script `/etc/keepalived/check_nginx.sh` does not exist here"
    );
    assert_eq!((f.line, f.col), (5, 9));
    assert_eq!(f.hint, "keepalived disables a script it cannot find");
    let fs = env_check(&vrrp_script("/etc/keepalived/bin/chk.sh"), &host());
    assert!(one(&fs, "does not exist here")
        .hint
        .starts_with("the directory `/etc/keepalived/bin` does not exist either"));
    let fs = env_check(&vrrp_script("bin/chk.sh"), &host());
    assert!(one(&fs, "`bin/chk.sh` does not exist here")
        .hint
        .starts_with("a relative path is taken from `/`"));
}

#[test]
fn not_executable_directories_and_other_files() {
    let h =
        host()
            .file("/etc/keepalived/chk.sh", 0o644, 0, 0)
            .dir("/etc/keepalived/dir", 0o755, 0, 0);
    let fs = env_check(&vrrp_script("/etc/keepalived/chk.sh"), &h);
    let f = one(&fs, "is not executable");
    assert_eq!(
        f.message,
        "script `/etc/keepalived/chk.sh` is not executable (mode 0644)"
    );
    assert!(f.hint.starts_with("chmod +x /etc/keepalived/chk.sh"));
    let fs = env_check(&vrrp_script("/etc/keepalived/dir"), &h);
    assert_eq!(
        one(&fs, "directory").message,
        "script `/etc/keepalived/dir` is a directory"
    );
}

#[test]
fn execute_permission_is_checked_for_the_script_user() {
    // Run as keepalived_script (the default here): 0750 root:root is not for them.
    let h = host().file("/etc/keepalived/chk.sh", 0o750, 0, 0);
    let fs = env_check(&vrrp_script("/etc/keepalived/chk.sh"), &h);
    let f = one(&fs, "is not executable by");
    assert_eq!(
        f.message,
        "script `/etc/keepalived/chk.sh` is not executable by user `keepalived_script`, who runs \
         it (mode 0750, owner `root`, group `root`)"
    );
    // The group's bit counts when the script's group matches.
    let h = host().file("/etc/keepalived/chk.sh", 0o750, 0, 990);
    let fs = env_check(&vrrp_script("/etc/keepalived/chk.sh"), &h);
    none(&fs, "executable");
}

#[test]
fn a_script_without_shebang() {
    let h = host().file_with("/etc/keepalived/chk.sh", 0o755, 0, 0, b"pid");
    let fs = env_check(&vrrp_script("/etc/keepalived/chk.sh"), &h);
    assert!(one(&fs, "does not start with `#!`")
        .hint
        .contains("add `#!/bin/sh`"));
}

#[test]
fn bare_names_are_searched_in_path() {
    let fs = env_check(&vrrp_script("killall -0 nginx"), &host());
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(fs[0].sev, Severity::Note);
    assert_eq!(
        fs[0].message,
        "`killall` is found by a PATH search: /usr/bin/killall"
    );
    let fs = env_check(&vrrp_script("check_nginx"), &host());
    let f = one(&fs, "does not exist here");
    assert_eq!(f.message, "script `check_nginx` does not exist here");
    assert!(f.hint.contains("(/usr/sbin:/usr/bin:/sbin:/bin)"), "{f:?}");
    let h = host().file("/usr/bin/chk", 0o644, 0, 0);
    let fs = env_check(&vrrp_script("chk"), &h);
    assert_eq!(
        one(&fs, "found in PATH").message,
        "script `chk` is found in PATH at /usr/bin/chk but is not executable (mode 0644)"
    );
}

// ---------------------------------------------------------------------------------------
// scripts: shell syntax

#[test]
fn shell_keywords_and_builtins_are_not_programs() {
    let fs = env_check(&vrrp_script("[[ -f /etc/keepalived/down ]]"), &host());
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(
        fs[0].message,
        "keepalived runs scripts without a shell: `[[` is a shell keyword, not a program"
    );
    assert_eq!(
        fs[0].hint,
        "wrap it: /bin/bash -c '[[ -f /etc/keepalived/down ]]'"
    );
    let fs = env_check(&vrrp_script("exit 0"), &host());
    assert_eq!(
        one(&fs, "builtin").message,
        "keepalived runs scripts without a shell: `exit` is a shell builtin, not a program"
    );
    // `test` is also a program: found in PATH, it is fine.
    let h = host().file_with("/usr/bin/test", 0o755, 0, 0, b"\x7fELF");
    let fs = env_check(&vrrp_script("test -f /etc/keepalived/down"), &h);
    none(&fs, "shell");
}

#[test]
fn shell_operators_are_arguments() {
    let fs = env_check(
        &vrrp_script("/usr/bin/killall -0 nginx && echo ok"),
        &host(),
    );
    let f = one(&fs, "without a shell");
    assert_eq!(
        f.message,
        "keepalived runs scripts without a shell: `&&` is passed to /usr/bin/killall as an argument"
    );
    assert_eq!(
        f.hint,
        "the operator does nothing there; wrap it: /bin/sh -c '/usr/bin/killall -0 nginx && echo ok'"
    );
    let fs = env_check(
        &vrrp_script("/usr/bin/killall -0 nginx >/dev/null"),
        &host(),
    );
    assert!(one(&fs, "`>/dev/null` is passed")
        .hint
        .starts_with("the redirection"));
    let fs = env_check(&vrrp_script("/bin/kill -0 $(cat /run/nginx.pid)"), &host());
    one(&fs, "`$(cat` is passed to /bin/kill");
    let fs = env_check(&vrrp_script("/bin/kill -0 $PID"), &host());
    one(&fs, "`$PID` is passed to /bin/kill as it is, not expanded");
    // Inside `sh -c` the string is the shell's: fine.
    let fs = env_check(&vrrp_script("/bin/sh -c 'pidof nginx && exit 0'"), &host());
    none(&fs, "shell");
}

/// The seed's mistake: `-c` gets the quoted test; `&& exit 7 || exit 0` go to bash as $0...
#[test]
fn seed_001_chk_down_explains_what_bash_gets() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/seeds/001-chk-down.conf"
    ))
    .unwrap();
    let fs = env_check(&text, &host());
    let f = one(&fs, "without a shell");
    assert_eq!(f.sev, Severity::Warning);
    assert_eq!((f.line, f.col), (2, 16));
    assert_eq!(
        f.message,
        "keepalived runs scripts without a shell: `&&` is passed to /bin/bash as an argument"
    );
    assert_eq!(
        f.hint,
        "bash runs only the string after `-c` (`[[ -f /etc/keepalived/down ]]`); \
         `&& exit 7 || exit 0` become its $0, $1, ... and are never run, so the status is that \
         of `[[ -f /etc/keepalived/down ]]` alone; put it all inside the -c string: \
         `/bin/bash -c '[[ -f /etc/keepalived/down ]] && exit 7 || exit 0'`"
    );
}

#[test]
fn file_tests_through_sh_are_left_alone() {
    let fs = env_check(&vrrp_script("</etc/keepalived/down"), &host());
    assert!(fs.is_empty(), "{fs:#?}");
}

// ---------------------------------------------------------------------------------------
// scripts: users and groups

#[test]
fn unknown_script_user_and_group() {
    let h = host().file("/etc/keepalived/n.sh", 0o755, 0, 0);
    let text = "global_defs {\n script_user nobody9\n enable_script_security\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n notify_master /etc/keepalived/n.sh\n}\n";
    let fs = env_check(text, &h);
    let f = one(&fs, "script_user");
    assert_eq!(f.message, "script_user `nobody9` does not exist here");
    assert_eq!((f.line, f.col), (2, 14));
    assert!(f
        .hint
        .starts_with("keepalived drops every script that has no user of its own (1 here)"));
    let text = "global_defs {\n script_user keepalived_script nogroup9\n}\n";
    let fs = env_check(
        &format!("{text}vrrp_instance VI_1 {{\n notify_master /etc/keepalived/n.sh\n}}\n"),
        &h,
    );
    assert_eq!(
        one(&fs, "group").message,
        "group `nogroup9` of `script_user` does not exist here"
    );
}

#[test]
fn unknown_per_script_users() {
    let h = host().file("/etc/keepalived/n.sh", 0o755, 0, 0);
    let text = "global_defs {\n enable_script_security\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n notify_master /etc/keepalived/n.sh bob9\n notify_backup /etc/keepalived/n.sh keepalived_script grp9\n}\nvrrp_script chk {\n script /etc/keepalived/n.sh\n user alice9\n}\n";
    let fs = env_check(text, &h);
    let f = one(&fs, "`bob9`");
    assert_eq!(f.message, "user `bob9` does not exist here");
    assert_eq!(
        f.hint,
        "keepalived drops a script whose user or group does not exist (\"Invalid user/group\")"
    );
    assert_eq!(
        one(&fs, "`grp9`").message,
        "group `grp9` does not exist here"
    );
    let f = one(&fs, "`alice9`");
    assert_eq!((f.line, f.col), (12, 7), "at the `user` word");
}

#[test]
fn scripts_run_as_root_by_default_when_there_is_no_keepalived_script_user() {
    let h = FakeHost::new()
        .interface("eth0")
        .file("/etc/keepalived/chk.sh", 0o755, 0, 0);
    let text = vrrp_script("/etc/keepalived/chk.sh").replace(GLOBAL_SECURE, "");
    let fs = env_check(&text, &h);
    let f = one(&fs, "run as root");
    assert_eq!(f.sev, Severity::Note);
    assert_eq!(
        f.message,
        "scripts without a user of their own run as root here"
    );
    // With the user, or `script_user`, no note.
    let fs = env_check(&text, &h.clone().user("keepalived_script", 990, 990));
    none(&fs, "run as root");
    let text2 = format!("global_defs {{\n script_user root\n}}\n{text}");
    none(&env_check(&text2, &h), "run as root");
}

#[test]
fn script_security_without_a_default_user_drops_scripts() {
    let h = FakeHost::new()
        .interface("eth0")
        .file("/etc/keepalived/chk.sh", 0o755, 0, 0);
    let fs = env_check(&vrrp_script("/etc/keepalived/chk.sh"), &h);
    assert_eq!(fs.len(), 1, "{fs:#?}");
    let f = &fs[0];
    assert_eq!(
        f.message,
        "with `enable_script_security` and no `script_user`, keepalived runs scripts as the \
         `keepalived_script` user, which does not exist here"
    );
    assert!(f
        .hint
        .contains("`script_user root` if they must run as root"));
}

// ---------------------------------------------------------------------------------------
// scripts: enable_script_security

fn root_script(h: FakeHost, path: &str) -> Vec<F> {
    let text = format!("global_defs {{\n enable_script_security\n script_user root\n}}\nvrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n notify_master {path}\n notify_backup {path}\n}}\n");
    env_check(&text, &h)
}

#[test]
fn a_group_writable_directory_above_a_root_script() {
    let h = host()
        .group("ops", 1001)
        .dir("/etc/keepalived/scripts", 0o775, 0, 1001)
        .file("/etc/keepalived/scripts/n.sh", 0o755, 0, 0);
    let fs = root_script(h, "/etc/keepalived/scripts/n.sh");
    assert_eq!(fs.len(), 1, "{fs:#?}");
    let f = &fs[0];
    assert_eq!(f.sev, Severity::Warning);
    assert_eq!(
        f.message,
        "`/etc/keepalived/scripts` is writable by group `ops` (mode 0775): a non-root user could \
         replace a script run as root"
    );
    assert_eq!(f.line, 8);
    assert!(f.hint.starts_with(
        "keepalived disables `notify_master` of vrrp_instance `VI_1` under enable_script_security"
    ));
    assert!(f
        .hint
        .contains("fix it with `chmod g-w /etc/keepalived/scripts`"));
    assert_eq!(f.related.len(), 1, "the second script is listed: {f:?}");
    assert_eq!(f.related[0].0, 9);
}

#[test]
fn world_writable_owner_and_sticky_bit() {
    let h = host()
        .dir("/opt/s", 0o777, 0, 0)
        .file("/opt/s/n.sh", 0o755, 0, 0);
    let f = &root_script(h, "/opt/s/n.sh")[0];
    assert_eq!(
        f.message,
        "`/opt/s` is writable by everyone (mode 0777): any user could replace a script run as root"
    );
    assert!(f.hint.contains("chmod o-w /opt/s"));
    let h = host()
        .user("bob", 1000, 1000)
        .file("/etc/keepalived/n.sh", 0o755, 1000, 1000);
    let f = &root_script(h, "/etc/keepalived/n.sh")[0];
    assert_eq!(
        f.message,
        "`/etc/keepalived/n.sh` is owned by user `bob`: a non-root user could replace a script \
         run as root"
    );
    assert!(f.hint.contains("chown root /etc/keepalived/n.sh"));
    // A sticky directory (like /tmp) is accepted; a group-writable root group too.
    let h = host()
        .dir("/tmp", 0o1777, 0, 0)
        .file("/tmp/n.sh", 0o775, 0, 0);
    assert!(root_script(h, "/tmp/n.sh").is_empty());
}

#[test]
fn links_are_followed_to_the_real_path() {
    let h = host()
        .group("ops", 1001)
        .dir("/srv/app", 0o775, 0, 1001)
        .file("/srv/app/n.sh", 0o755, 0, 0)
        .symlink("/etc/keepalived/n.sh", "/srv/app/n.sh");
    let fs = root_script(h, "/etc/keepalived/n.sh");
    one(&fs, "`/srv/app` is writable by group `ops`");
}

#[test]
fn only_scripts_run_as_root_are_checked() {
    let h = host()
        .group("ops", 1001)
        .dir("/etc/keepalived/scripts", 0o775, 0, 1001)
        .file("/etc/keepalived/scripts/n.sh", 0o755, 0, 0);
    let text = format!("{GLOBAL_SECURE}vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n notify_master /etc/keepalived/scripts/n.sh\n}}\n");
    assert!(env_check(&text, &h).is_empty());
    // Unless the file is setuid root.
    let h = h.file("/etc/keepalived/scripts/n.sh", 0o4755, 0, 0);
    one(&env_check(&text, &h), "writable by group `ops`");
}

#[test]
fn without_script_security_keepalived_reports_a_security_violation() {
    let h = host()
        .dir("/opt/s", 0o777, 0, 0)
        .file("/opt/s/n.sh", 0o755, 0, 0);
    let text = "global_defs {\n script_user root\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n notify_master /opt/s/n.sh\n notify_backup /opt/s/n.sh\n}\n";
    let fs = env_check(text, &h);
    assert_eq!(fs.len(), 2, "{fs:#?}");
    let f = one(&fs, "SECURITY VIOLATION");
    assert_eq!(f.sev, Severity::Warning);
    assert_eq!(
        f.message,
        "`enable_script_security` is not set: keepalived reports \"SECURITY VIOLATION - scripts \
         are being executed but script_security not enabled. There are insecure scripts.\" and \
         `keepalived -t` exits with status 6"
    );
    assert!(f
        .hint
        .starts_with("add `enable_script_security` to global_defs"));
    assert_eq!(f.related.len(), 1);
    let f = one(&fs, "writable by everyone");
    assert!(f
        .hint
        .starts_with("keepalived runs `notify_master` of vrrp_instance `VI_1` anyway"));
    // Scripts keepalived cannot find do not count.
    let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n notify_master /opt/none.sh\n}\n";
    none(&env_check(text, &h), "SECURITY VIOLATION");
    // Any script found counts, whoever runs it.
    let h = host().file("/etc/keepalived/n.sh", 0o755, 0, 0);
    let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n notify_master /etc/keepalived/n.sh\n}\n";
    let fs = env_check(text, &h);
    let f = one(&fs, "SECURITY VIOLATION");
    assert!(f
        .message
        .ends_with("not enabled.\" and `keepalived -t` exits with status 6"));
}

#[test]
fn every_kind_of_script_is_checked() {
    let text = "\
global_defs {
 enable_script_security
 startup_script /s/startup
 shutdown_script /s/shutdown
 notify_fifo /run/f
 notify_fifo_script /s/fifo
 vrrp_notify_fifo /run/vf
 vrrp_notify_fifo_script /s/vfifo
 lvs_notify_fifo /run/lf
 lvs_notify_fifo_script /s/lfifo
}
vrrp_script chk {
 script /s/chk
}
vrrp_instance VI_1 {
 interface eth0
 virtual_router_id 51
 notify_master /s/i_master
 notify_backup /s/i_backup
 notify_fault /s/i_fault
 notify_stop /s/i_stop
 notify_deleted /s/i_deleted
 notify /s/i_notify
 notify_master_rx_lower_pri /s/i_lower
 track_script {
  chk
 }
}
vrrp_sync_group G {
 group {
  VI_1
 }
 notify_master /s/g_master
 notify_backup /s/g_backup
 notify_fault /s/g_fault
 notify_stop /s/g_stop
 notify /s/g_notify
}
virtual_server 10.0.0.10 80 {
 protocol TCP
 quorum_up /s/quorum_up
 quorum_down /s/quorum_down
 real_server 10.0.0.20 80 {
  notify_up /s/rs_up
  notify_down /s/rs_down
  MISC_CHECK {
   misc_path /s/misc
  }
 }
}
";
    let fs = env_check(text, &host());
    let missing: Vec<&str> = fs
        .iter()
        .filter_map(|f| f.message.strip_prefix("script `/s/"))
        .filter_map(|m| m.strip_suffix("` does not exist here"))
        .collect();
    assert_eq!(
        missing,
        [
            "startup",
            "shutdown",
            "fifo",
            "vfifo",
            "lfifo",
            "chk",
            "i_master",
            "i_backup",
            "i_fault",
            "i_stop",
            "i_deleted",
            "i_notify",
            "i_lower",
            "g_master",
            "g_backup",
            "g_fault",
            "g_stop",
            "g_notify",
            "quorum_up",
            "quorum_down",
            "rs_up",
            "rs_down",
            "misc"
        ],
        "{fs:#?}"
    );
    assert_eq!(fs.len(), missing.len(), "{fs:#?}");
}

#[test]
fn misc_check_user_is_the_scripts_user() {
    let text = "virtual_server 10.0.0.10 80 {\n protocol TCP\n real_server 10.0.0.20 80 {\n  MISC_CHECK {\n   misc_path /etc/keepalived/m.sh\n   user carol9\n  }\n }\n}\n";
    let h = host().file("/etc/keepalived/m.sh", 0o755, 0, 0);
    let fs = env_check(text, &h);
    let f = one(&fs, "`carol9`");
    assert_eq!(f.line, 5, "the model keeps no span for `user`: the command");
}

#[test]
fn the_same_finding_for_several_scripts_is_made_once() {
    let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n notify_master \"/etc/keepalived/notify.sh master\"\n notify_backup \"/etc/keepalived/notify.sh backup\"\n}\nvrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n notify_fault \"/etc/keepalived/notify.sh fault\"\n}\n";
    let fs = env_check(text, &host());
    assert_eq!(fs.len(), 1, "{fs:#?}");
    let f = &fs[0];
    assert_eq!(f.line, 4);
    assert_eq!(
        f.related,
        [
            (
                5,
                "also `notify_backup` of vrrp_instance `VI_1`".to_string()
            ),
            (
                10,
                "also `notify_fault` of vrrp_instance `VI_2`".to_string()
            )
        ]
    );
}

#[test]
fn each_keepalived_process_reports_its_own_violation() {
    let h = host().file("/etc/keepalived/n.sh", 0o755, 0, 0);
    let text = "\
global_defs {
 startup_script /etc/keepalived/n.sh
 notify_fifo /run/f
 notify_fifo_script /etc/keepalived/n.sh
}
vrrp_instance VI_1 {
 interface eth0
 virtual_router_id 51
}
virtual_server 10.0.0.10 80 {
 protocol TCP
 real_server 10.0.0.20 80 {
  notify_up /etc/keepalived/n.sh
 }
}
";
    let fs = env_check(text, &h);
    let v: Vec<(u32, &str)> = fs
        .iter()
        .filter_map(|f| {
            let m = f.message.split("SECURITY VIOLATION - ").nth(1)?;
            Some((f.line, m.split(" are being").next()?))
        })
        .collect();
    assert_eq!(
        v,
        [
            (2, "start/shutdown scripts"),
            (4, "scripts"),
            (4, "check scripts")
        ],
        "{fs:#?}"
    );
    // A vrrp_script without any vrrp_instance: keepalived's VRRP process checks nothing.
    let text = "vrrp_script chk {\n script /etc/keepalived/n.sh\n}\n";
    none(&env_check(text, &h), "SECURITY VIOLATION");
}
