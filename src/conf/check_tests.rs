//! [`super::check`] (`ha run -t`: files streamed, virtual servers resolved as they are read)
//! against [`super::load`] followed by the host checks: the same findings, in the same
//! order, shown with the same lines, on the fixtures of tests/data, on texts made to stress
//! the early resolution, and on mutations of both.

use std::path::{Path, PathBuf};

use super::diag::render;
use super::env::{self, FakeHost, Host, SystemHost};
use super::schema::Cx;
use super::{check, load, LoadOptions, Parsed};

fn opts() -> LoadOptions {
    LoadOptions {
        config_id: Some("seedhost".into()),
        all_config: false,
    }
}

/// The findings in the order they were made, then as `ha run -t` prints them, and the
/// files read.
fn shown(p: &Parsed) -> String {
    let mut out = String::new();
    for d in p.diags.iter() {
        out.push_str(&format!("{d:?}\n"));
    }
    for d in p.diags.sorted() {
        out.push_str(&render(d, &p.sources));
    }
    for (_, f) in p.sources.files() {
        out.push_str(&format!("file {}\n", f.path.display()));
    }
    out
}

fn loaded(path: &Path, host: &dyn Host) -> String {
    let mut p = load(path, &opts());
    env::check(&p.config, host, &mut Cx::new(&mut p.diags));
    shown(&p)
}

fn checked(path: &Path, host: &dyn Host) -> String {
    shown(&check(path, &opts(), host))
}

fn same(path: &Path) {
    for host in [&SystemHost::new() as &dyn Host, &FakeHost::new()] {
        let want = loaded(path, host);
        let got = checked(path, host);
        assert!(
            want == got,
            "`ha run -t` differs on {}:\n--- load\n{want}\n--- check\n{got}\n--- text\n{}",
            path.display(),
            String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default())
        );
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ha-check-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seeds");
    let mut v = Vec::new();
    for dir in [root.clone(), root.join("context")] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            v.extend(
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "conf")),
            );
        }
    }
    v.sort();
    v
}

#[test]
fn fixtures_read_the_same() {
    let all = fixtures();
    assert!(all.len() > 20);
    for p in &all {
        same(p);
    }
}

const VS: &str = "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.1.0.1 80 {\n  TCP_CHECK {\n  }\n }\n}\n";

/// Texts where the order of findings or the end of the file matters.
fn cases() -> Vec<String> {
    vec![
        // Virtual servers before global_defs, one without protocol, one without real servers.
        format!(
            "{VS}virtual_server 10.0.0.2 80 {{\n real_server 10.1.0.2 80 {{\n }}\n}}\n\
             virtual_server 10.0.0.3 80 {{\n protocol UDP\n}}\n\
             global_defs {{\n smtp_alert\n checker_log_all_failures\n}}\n{VS}"
        ),
        // Groups defined after their users, an undefined group, duplicates across kept and
        // resolved virtual servers.
        format!(
            "virtual_server group G {{\n real_server 10.1.0.9 81 {{\n }}\n}}\n{VS}\
             virtual_server group NOPE {{\n real_server 10.1.0.9 80 {{\n }}\n}}\n{VS}\
             virtual_server_group G {{\n 10.0.0.1 80\n 10.0.0.5-7 82\n}}\n\
             virtual_server group G {{\n real_server 10.1.0.9 80 {{\n }}\n}}\n{VS}"
        ),
        // FILE_CHECK before its track_file, BFD_CHECK, MISC_CHECK, scripts, bind_if.
        format!(
            "virtual_server 10.0.0.8 80 {{\n protocol TCP\n quorum_up /bin/true\n real_server 10.1.0.8 80 {{\n  FILE_CHECK {{\n   track_file tf\n  }}\n  MISC_CHECK {{\n   misc_path \"/bin/sh -c true\"\n  }}\n  notify_up /nonexistent/up.sh\n  HTTP_GET {{\n   bind_if nonexistent0\n   url {{\n    path /\n   }}\n  }}\n }}\n}}\n\
             {VS}track_file tf {{\n file /tmp/x\n}}\nvirtual_server 10.0.0.9 80 {{\n real_server 10.1.0.9 80 {{\n  FILE_CHECK {{\n   track_file nope\n  }}\n  BFD_CHECK {{\n   name b\n  }}\n }}\n}}\n"
        ),
        // Whole virtual servers generated on one line share its span.
        "~SEQ(i,1,3) virtual_server 10.0.0.${i} 80 { real_server 10.1.0.${i} 80 { weight 2 } real_server 10.1.0.${i} 80 { } }\n\
         ~SEQ(i,1,3) virtual_server 10.0.0.1 80 { protocol TCP lvs_sched rr real_server 10.1.1.${i} 80 { weight ${i} } }\n\
         $V=virtual_server 10.0.0.1 81 { real_server 10.1.1.1 80 { } }\n$V\n$V\n"
            .to_string(),
        // Mistakes inside and around virtual servers.
        format!(
            "virtual_server 10.0.0.300 80 {{\n real_server 10.1.0.1 80 {{\n  bogus 1\n }}\n}}\n\
             virtual_server 10.0.0.1:80 {{\n}}\nvirtual_server fwmark 1 {{\n protocol TCP\n lvs_method DR\n real_server 10.1.0.1 80 {{\n  TCP_CHECK {{\n  }}\n }}\n}}\n\
             virtual_server 10.0.0.20 80 {{\n persistence_granularity 24\n lvs_method DR\n quorum 9\n hysteresis 9\n real_server 10.1.0.1 81 {{\n  lthreshold 5\n  uthreshold 4\n }}\n real_server 10.1.0.1 81 {{\n }}\n sorry_server 10.1.0.1 81\n}}\n\
             {VS}{VS}virtual_server 2001:db8::1 80 {{\n protocol TCP\n real_server 10.1.0.1 80 {{\n }}\n}}\nunknown_top {{\n}}\n"
        ),
        // The bench layout, small.
        bench(12, 2),
    ]
}

fn bench(vs: usize, rs: usize) -> String {
    let mut out = String::from("global_defs {\n    router_id BENCH\n}\n\n");
    for i in 0..vs {
        out.push_str(&format!(
            "virtual_server 10.100.0.{i} 80 {{\n    delay_loop 6\n    lvs_sched wrr\n    lvs_method DR\n    protocol TCP\n"
        ));
        for j in 0..rs {
            out.push_str(&format!(
                "    real_server 10.150.{i}.{j} 80 {{\n        HTTP_GET {{\n            url {{\n                path /health\n                digest 65078f5e997cf8af75ced0bfee208362\n                status_code 200\n            }}\n            connect_timeout 3\n            retry 3\n            delay_before_retry 3\n        }}\n    }}\n"
            ));
        }
        out.push_str("}\n");
    }
    out
}

#[test]
fn early_resolution_keeps_order_and_findings() {
    let dir = TempDir::new("cases");
    for (i, text) in cases().iter().enumerate() {
        let p = dir.write(&format!("case{i}.conf"), text.as_bytes());
        same(&p);
    }
}

#[test]
fn streamed_files_read_as_kept_ones() {
    let dir = TempDir::new("files");
    dir.write(
        "inc.conf",
        b"virtual_server 10.0.0.7 80 {\r\n real_server 10.1.0.7 80 {\r\n  bad\xff 1\r\n }\r\n}",
    );
    dir.write("inc2.conf", b"\xef\xbb\xbfbogus \xfe\n");
    let cases: Vec<&[u8]> = vec![
        b"include inc.conf\nglobal_defs {\n router_id \xc3\n}\ninclude inc2.conf\n",
        b"\xef\xbb\xbfglobal_defs { } include inc*.conf\n",
        b"bad\xff\nglobal_defs {\n}\n",
        b"global_defs {\n  router_id a\n}\r\n\r\nvirtual_server 10.0.0.1 80 {\n real_server 10.1.0.1 80 {\n }\n}",
        b"",
        b"\n\n\n",
    ];
    for (i, text) in cases.into_iter().enumerate() {
        let p = dir.write(&format!("main{i}.conf"), text);
        same(&p);
    }
    // A glob as the main file: every match is read.
    same(&dir.0.join("main[01].conf"));
}

#[test]
fn mutations_read_the_same() {
    let dir = TempDir::new("mutations");
    let mut texts: Vec<Vec<u8>> = fixtures()
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .collect();
    texts.extend(cases().into_iter().map(String::into_bytes));
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n.max(1) as u64) as usize
    };
    let pieces: &[&[u8]] = &[
        b"}",
        b"{",
        b"\n",
        b" virtual_server group G {",
        b" real_server 10.1.0.1 80 {",
        b" virtual_server 10.0.0.1 80 {",
        b" MISC_CHECK {",
        b" FILE_CHECK {",
        b" protocol TCP\n",
        b"\xff",
        b"$X",
        b"#",
        b"\"",
    ];
    for round in 0..150 {
        let mut t = texts[next(texts.len())].clone();
        for _ in 0..1 + next(4) {
            let at = next(t.len() + 1);
            match next(3) {
                0 => {
                    let p = pieces[next(pieces.len())];
                    t.splice(at..at, p.iter().copied());
                }
                1 => {
                    let end = (at + next(40)).min(t.len());
                    t.drain(at..end);
                }
                _ => {
                    let end = (at + next(200)).min(t.len());
                    let copy: Vec<u8> = t[at..end].to_vec();
                    let to = next(t.len() + 1);
                    t.splice(to..to, copy);
                }
            }
        }
        let p = dir.write(&format!("m{round}.conf"), &t);
        same(&p);
    }
}
