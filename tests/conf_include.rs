//! keepalived.conf includes on a real file system (rules R7, R8, R22 and R33 of the lexer
//! research note; fixtures F31-F35, F46, F47): relative paths, globs with `{a,b}`, the
//! include check matrix, `include_check` and `-e`, cycles and depth, and the include chain
//! in messages. Each test works in its own temporary directory.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use ha::conf::ast::Line;
use ha::conf::diag::{render, Diagnostics, Severity};
use ha::conf::loader::preprocess_path;
use ha::conf::source::Sources;
use ha::conf::LoadOptions;

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ha-conf-include-{}-{}-{name}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn opts(all_config: bool) -> LoadOptions {
    LoadOptions {
        config_id: Some("vm".into()),
        all_config,
    }
}

struct Read {
    sources: Sources,
    lines: Vec<Line>,
    diags: Diagnostics,
}

impl Read {
    fn words(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|l| {
                l.tokens
                    .iter()
                    .map(|t| t.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// Findings as `error|warning|note: message`.
    fn findings(&self) -> Vec<String> {
        self.diags
            .iter()
            .map(|d| {
                let sev = match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                };
                format!("{sev}: {}", d.message)
            })
            .collect()
    }

    fn errors(&self) -> usize {
        self.diags.count(Severity::Error)
    }
}

fn read(path: &Path, all_config: bool) -> Read {
    let (sources, lines, diags) = preprocess_path(path, &opts(all_config));
    Read {
        sources,
        lines,
        diags,
    }
}

/// F31: relative includes (from the including file's directory), `${_PWD}`, comments after
/// the pattern, `include $INC`, and `@vm include` (read once, with a warning).
#[test]
fn f31_include_basics() {
    let d = TempDir::new("f31");
    d.write(
        "inc/sub/a.conf",
        "router_id in_a ${_PWD}\ninclude b.conf\nrouter_id in_a_after_b\n",
    );
    d.write("inc/sub/b.conf", "router_id in_b\n");
    let main = d.write(
        "inc/main.conf",
        "global_defs {\n  router_id main_before\ninclude sub/a.conf\n  router_id main_after_a ${_PWD}\n\
         include\tsub/b.conf\nincludex sub/b.conf\ninclude\ninclude    sub/b.conf   # comment\n\
         $INC=sub/b.conf\ninclude $INC\n@vm include sub/b.conf\n}\n",
    );
    let r = read(&main, false);
    let inc = fs::canonicalize(d.path("inc")).unwrap();
    assert_eq!(
        r.words(),
        [
            "global_defs".to_string(),
            "{".into(),
            "router_id main_before".into(),
            format!("router_id in_a {}", inc.join("sub").display()),
            "router_id in_b".into(),
            "router_id in_a_after_b".into(),
            format!("router_id main_after_a {}", inc.display()),
            "router_id in_b".into(),
            "includex sub/b.conf".into(),
            "include".into(),
            "router_id in_b".into(),
            "router_id in_b".into(),
            "router_id in_b".into(),
            "}".into(),
        ]
    );
    assert_eq!(
        r.findings(),
        ["warning: keepalived 2.2.7 reads this include twice in its VRRP and checker processes"]
    );
    // Every line knows its file and line.
    let b_line = &r.lines[4].tokens[0].span;
    assert_eq!(
        r.sources.path(b_line.file),
        d.path("inc/sub/b.conf").display().to_string()
    );
    assert_eq!(b_line.line, 1);
    let after = &r.lines[5].tokens[0].span;
    assert_eq!(after.line, 3);
    assert_eq!(r.sources.include_chain(b_line.file).len(), 2);
}

/// F32: every row of R8's verified matrix: the message, and whether it is an error
/// (keepalived exits 6) or a warning (keepalived only prints it), or nothing.
#[test]
fn f32_include_check_matrix() {
    let d = TempDir::new("f32");
    d.write("sub/b.conf", "router_id in_b\n");
    fs::create_dir_all(d.path("empty")).unwrap();
    let exe = d.write("exe.conf", "router_id exe\n");
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o755)).unwrap();
    nix::unistd::mkfifo(
        &d.path("fifo.conf"),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .unwrap();
    let rows: &[(&str, &str, Option<Severity>)] = &[
        (
            "include nonexist.conf",
            "no file found for `nonexist.conf`",
            Some(Severity::Warning),
        ),
        (
            "includer nonexist.conf",
            "no file found",
            Some(Severity::Warning),
        ),
        (
            "includem nonexist.conf",
            "no file found",
            Some(Severity::Error),
        ),
        (
            "includeb nonexist.conf",
            "no file found",
            Some(Severity::Warning),
        ),
        (
            "includew nonexist.conf",
            "no file found",
            Some(Severity::Error),
        ),
        (
            "includea nonexist.conf",
            "no file found",
            Some(Severity::Error),
        ),
        ("include empty/*.conf", "", None),
        ("includer empty/*.conf", "", None),
        ("includem empty/*.conf", "", None),
        ("includeb empty/*.conf", "", None),
        (
            "includew empty/*.conf",
            "no file matches `empty/*.conf`",
            Some(Severity::Error),
        ),
        (
            "includea empty/*.conf",
            "no file matches",
            Some(Severity::Error),
        ),
        (
            "include nodir/*.conf",
            "no file found for `nodir/*.conf`",
            Some(Severity::Warning),
        ),
        (
            "includer nodir/*.conf",
            "no file found",
            Some(Severity::Warning),
        ),
        (
            "includem nodir/*.conf",
            "no file found",
            Some(Severity::Error),
        ),
        (
            "includew nodir/*.conf",
            "no file found",
            Some(Severity::Error),
        ),
        (
            "include sub/{b,zz}.conf",
            "some files of `sub/{b,zz}.conf` are missing",
            Some(Severity::Warning),
        ),
        (
            "includer sub/{b,zz}.conf",
            "some files",
            Some(Severity::Warning),
        ),
        (
            "includem sub/{b,zz}.conf",
            "some files",
            Some(Severity::Warning),
        ),
        (
            "includeb sub/{b,zz}.conf",
            "some files",
            Some(Severity::Error),
        ),
        ("include sub", "is a directory", Some(Severity::Warning)),
        ("includer sub", "is a directory", Some(Severity::Error)),
        (
            "include exe.conf",
            "is not a regular non-executable file",
            Some(Severity::Warning),
        ),
        (
            "include fifo.conf",
            "is not a regular non-executable file",
            Some(Severity::Warning),
        ),
        (
            "includer fifo.conf",
            "is not a regular non-executable file",
            Some(Severity::Error),
        ),
    ];
    for (k, (line, msg, sev)) in rows.iter().enumerate() {
        let main = d.write(&format!("m{k}.conf"), &format!("{line}\n"));
        let r = read(&main, false);
        match sev {
            None => assert!(r.diags.is_empty(), "{line}: {:?}", r.findings()),
            Some(sev) => {
                assert_eq!(r.diags.len(), 1, "{line}: {:?}", r.findings());
                let f = r.diags.iter().next().unwrap();
                assert_eq!(f.severity, *sev, "{line}: {:?}", r.findings());
                assert!(f.message.contains(msg), "{line}: {:?}", r.findings());
                assert!(f.message.starts_with("include: "), "{line}");
                assert!(f.hint.is_some());
                assert_eq!(f.span.unwrap().line, 1);
            }
        }
        let included = r.words().contains(&"router_id in_b".to_string());
        let wants = line.contains("{b,zz}") && !line.starts_with("includeb");
        assert_eq!(included, wants, "{line}");
    }
}

/// `-e` (all_config) makes every check an error; `include_check` in global_defs sets the
/// checks for the includes after it (F47), and its effect ends with the file it is in.
#[test]
fn f47_include_check_and_all_config() {
    let d = TempDir::new("f47");
    let main = d.write("a.conf", "include nonexist.conf\n");
    assert_eq!(read(&main, true).errors(), 1);
    let hint = read(&main, true)
        .diags
        .iter()
        .next()
        .unwrap()
        .hint
        .clone()
        .unwrap();
    assert!(hint.contains("--all-config"), "{hint}");
    for (check, errors) in [
        ("include_check read", 1),
        ("include_check", 2),
        ("include_check +match", 1),
        ("include_check match read", 2),
        ("include_check -read", 0),
        ("include_check readable", 0),
        ("include_check bogus", 0),
        ("include_check brace_match", 1),
    ] {
        fs::create_dir_all(d.path("sub")).unwrap();
        let main = d.write(
            "c.conf",
            &format!("global_defs {{\n  {check}\n}}\ninclude nonexist.conf\ninclude sub\n"),
        );
        let r = read(&main, false);
        assert_eq!(r.errors(), errors, "{check}: {:?}", r.findings());
        assert_eq!(r.diags.len(), 2, "{check}: {:?}", r.findings());
    }
    // `-read` with -e: everything but read.
    let main = d.write(
        "e.conf",
        "global_defs {\ninclude_check -read\n}\ninclude sub\n",
    );
    assert_eq!(read(&main, true).errors(), 0);
    // Outside global_defs it has no effect.
    let main = d.write(
        "f.conf",
        "vrrp_instance x {\ninclude_check\n}\ninclude nonexist.conf\n",
    );
    assert_eq!(read(&main, false).errors(), 0);
    // A change inside an included file ends with that file.
    d.write(
        "g2.conf",
        "global_defs {\ninclude_check\n}\ninclude missing1.conf\n",
    );
    let main = d.write("g.conf", "include g2.conf\ninclude missing2.conf\n");
    let r = read(&main, false);
    assert_eq!(r.errors(), 1, "{:?}", r.findings());
    assert!(r.findings()[0].contains("missing1.conf"));
}

/// F33/F34: brace alternatives in order, literal quotes and `~`.
#[test]
fn f33_f34_glob_patterns() {
    let d = TempDir::new("f33");
    d.write("sub/a.conf", "a 1\ninclude b.conf\n");
    d.write("sub/b.conf", "b 1\n");
    d.write("sub/c.conf", "c 1\n");
    d.write("sub/.hidden.conf", "hidden 1\n");
    let main = d.write(
        "m.conf",
        "include sub/{a,zz}.conf\ninclude sub/{c,a}.conf\ninclude sub/*.conf\ninclude \"sub/b.conf\"\ninclude ~/x.conf\n",
    );
    let r = read(&main, false);
    assert_eq!(
        r.words(),
        ["a 1", "b 1", "c 1", "a 1", "b 1", "a 1", "b 1", "b 1", "c 1"]
    );
    let f = r.findings();
    assert_eq!(f.len(), 3, "{f:?}");
    assert!(f[0].contains("some files of `sub/{a,zz}.conf` are missing"));
    assert!(f[1].contains("no file found for `\"sub/b.conf\"`"));
    assert!(f[2].contains("no file found for `~/x.conf`"));
}

/// F35: a file that includes itself, a longer cycle, and includes 40 deep.
#[test]
fn f35_cycles_and_depth() {
    let d = TempDir::new("f35");
    let main = d.write("self.conf", "router_id self\ninclude self.conf\n");
    let r = read(&main, false);
    assert_eq!(r.words(), ["router_id self"]);
    assert_eq!(r.errors(), 1);
    assert!(
        r.findings()[0].contains("include cycle"),
        "{:?}",
        r.findings()
    );
    d.write("b.conf", "b 1\ninclude c.conf\n");
    d.write("c.conf", "c 1\ninclude b.conf\n");
    let main = d.write("a.conf", "a 1\ninclude b.conf\n");
    let r = read(&main, false);
    assert_eq!(r.words(), ["a 1", "b 1", "c 1"]);
    assert_eq!(r.errors(), 1);
    let cycle = r.diags.iter().next().unwrap();
    assert!(
        cycle.message.contains("b.conf` includes `"),
        "{}",
        cycle.message
    );
    assert_eq!(cycle.related.len(), 1);
    let text = render(cycle, &r.sources);
    assert!(text.contains("included from"), "{text}");
    for k in 0..40 {
        d.write(
            &format!("deep/{k}.conf"),
            &format!("d {k}\ninclude {}.conf\n", k + 1),
        );
    }
    let r = read(&d.path("deep/0.conf"), false);
    assert_eq!(r.words().len(), 32);
    assert_eq!(r.errors(), 1);
    assert!(r.findings()[0].contains("more than 32 files deep"));
}

/// F46: the main file may be a glob: all matches are read, with a warning; messages name
/// the file. A missing main file is an error.
#[test]
fn f46_main_file_glob_and_missing_main() {
    let d = TempDir::new("f46");
    d.write("g1.conf", "g 1\n");
    d.write("g2.conf", "g 2\n\"unclosed\n");
    let r = read(&d.path("g*.conf"), false);
    assert_eq!(r.words(), ["g 1", "g 2"]);
    let f = r.findings();
    assert!(
        f[0].starts_with("warning: several configuration files match"),
        "{f:?}"
    );
    let err = r
        .diags
        .iter()
        .find(|x| x.severity == Severity::Error)
        .unwrap();
    assert!(
        render(err, &r.sources).starts_with(&format!("{}:2:1: error", d.path("g2.conf").display()))
    );
    let r = read(&d.path("nope.conf"), false);
    assert_eq!(r.errors(), 1);
    assert!(r.findings()[0].contains("cannot find the configuration file"));
    assert!(r.lines.is_empty());
    // A directory or an executable main file is refused.
    let exe = d.write("x.conf", "x 1\n");
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o700)).unwrap();
    let r = read(&exe, false);
    assert_eq!(r.errors(), 1);
    assert!(r.lines.is_empty());
}

/// The include chain of a finding in an included file, and what `conf::load` gives.
#[test]
fn messages_show_the_include_chain() {
    let d = TempDir::new("chain");
    d.write("conf.d/vrrp.conf", "router_id \"unclosed\n");
    d.write("conf.d/all.conf", "include vrrp.conf\n");
    let main = d.write(
        "keepalived.conf",
        "global_defs {\ninclude conf.d/all.conf\n}\n",
    );
    let parsed = ha::conf::load(&main, &opts(false));
    let err = parsed
        .diags
        .iter()
        .find(|x| x.message.contains("never closed"))
        .unwrap();
    let text = render(err, &parsed.sources);
    let vrrp = d.path("conf.d/vrrp.conf").display().to_string();
    let all = d.path("conf.d/all.conf").display().to_string();
    assert!(text.starts_with(&format!("{vrrp}:1:11: error")), "{text}");
    assert!(text.contains(&format!("included from {all}:1")), "{text}");
    assert!(
        text.contains(&format!("included from {}:2", main.display())),
        "{text}"
    );
}

/// Includes inside generated text: a ~SEQ of includes (keepalived reads the files in reverse:
/// each iteration opens its file before the previous one is read), and a brace residue.
#[test]
fn includes_from_generated_lines() {
    let d = TempDir::new("gen");
    for k in 1..=3 {
        d.write(&format!("p{k}.conf"), &format!("p {k}\n"));
    }
    let main = d.write(
        "m.conf",
        "~SEQ(k,1,2) include p${k}.conf\nglobal_defs { include p3.conf\n}\n",
    );
    let r = read(&main, false);
    assert_eq!(r.words(), ["p 2", "p 1", "global_defs", "{", "p 3", "}"]);
    assert_eq!(
        r.findings()
            .iter()
            .filter(|f| f.contains("reads this include twice"))
            .count(),
        3
    );
    // Lines of an included file carry its own line numbers.
    assert_eq!(r.lines[4].tokens[0].span.line, 1);
    assert_eq!(r.lines[5].tokens[0].span.line, 3);
}

/// Files that are not UTF-8 are read with a warning; CRLF files read as LF files.
#[test]
fn encodings_and_line_endings() {
    let d = TempDir::new("enc");
    let p = d.path("latin1.conf");
    fs::write(&p, b"router_id caf\xe9\r\nnext 1\r\n").unwrap();
    let r = read(&p, false);
    assert_eq!(r.words(), ["router_id caf\u{fffd}", "next 1"]);
    assert_eq!(r.diags.count(Severity::Warning), 1);
}

/// The preprocessor's share of the benchmark (benches/conf.sh: 540,004 lines). Run with
/// `cargo test --release --test conf_include -- --ignored --nocapture`.
#[test]
#[ignore]
fn perf_preprocess_540k_lines() {
    let d = TempDir::new("perf");
    let mut text = String::from("global_defs {\n    router_id BENCH\n}\n\n");
    for i in 0..10_000u32 {
        text.push_str(&format!(
            "virtual_server 10.{}.{}.{} 80 {{\n    delay_loop 6\n    lvs_sched wrr\n    lvs_method DR\n    protocol TCP\n",
            100 + i / 65536,
            (i / 256) % 256,
            i % 256
        ));
        for j in 0..4 {
            let k = i * 4 + j;
            text.push_str(&format!(
                "    real_server 10.{}.{}.{} 80 {{\n        HTTP_GET {{\n            url {{\n                path /health\n                digest 65078f5e997cf8af75ced0bfee208362\n                status_code 200\n            }}\n            connect_timeout 3\n            retry 3\n            delay_before_retry 3\n        }}\n    }}\n",
                150 + k / 65536,
                (k / 256) % 256,
                k % 256
            ));
        }
        text.push_str("}\n");
    }
    let main = d.write("big.conf", &text);
    let mut best = f64::MAX;
    let mut lines = 0;
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let r = read(&main, false);
        best = best.min(t.elapsed().as_secs_f64());
        lines = r.lines.len();
        assert!(r.diags.is_empty());
    }
    let t = std::time::Instant::now();
    let parsed = ha::conf::load(&main, &opts(false));
    let full = t.elapsed().as_secs_f64();
    println!(
        "{} physical lines -> {lines} logical lines: preprocess best {:.1} ms; load (tree + model) {:.1} ms, {} findings",
        text.lines().count(),
        best * 1e3,
        full * 1e3,
        parsed.diags.len()
    );
}
