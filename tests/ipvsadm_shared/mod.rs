//! Shared by the ipvsadm tests: the case records of tests/data/ipvsadm/run-cases.sh, and a
//! small reader for the case command lines (words, quotes, `|`, `;`, `printf`).

#![allow(dead_code)]

use std::path::PathBuf;

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ipvsadm")
}

/// One run of one case by one implementation.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub n: usize,
    pub implementation: String,
    pub cmd: String,
    pub fixture: Option<String>,
    pub stdout: String,
    pub stderr: String,
    pub rc: i32,
    pub state: String,
}

/// Parses run-cases.sh output; lines outside records (console noise) are skipped.
pub fn parse_records(data: &[u8]) -> Result<Vec<Record>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut rec: Option<Record> = None;
    while pos < data.len() {
        let nl = data[pos..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(data.len(), |p| pos + p);
        let line = String::from_utf8_lossy(&data[pos..nl]).into_owned();
        pos = (nl + 1).min(data.len());
        let Some(rest) = line.strip_prefix("@@") else {
            continue;
        };
        let (tag, value) = rest.split_once(' ').unwrap_or((rest, ""));
        match tag {
            "case" => {
                let (n, implementation) = value.split_once(' ').ok_or("bad @@case")?;
                rec = Some(Record {
                    n: n.parse().map_err(|_| "bad case number")?,
                    implementation: implementation.to_string(),
                    ..Record::default()
                });
            }
            "cmd" => rec.as_mut().ok_or("@@cmd outside a case")?.cmd = value.to_string(),
            "rc" => {
                rec.as_mut().ok_or("@@rc outside a case")?.rc =
                    value.parse().map_err(|_| "bad rc")?
            }
            "end" => out.push(rec.take().ok_or("@@end outside a case")?),
            "stdout" | "stderr" | "state" | "fixture" => {
                let size: usize = value.parse().map_err(|_| format!("bad size in {line}"))?;
                let end = pos + size;
                if end > data.len() {
                    return Err(format!("record cut short in {line}"));
                }
                let text = String::from_utf8_lossy(&data[pos..end]).into_owned();
                pos = (end + 1).min(data.len());
                let r = rec.as_mut().ok_or("capture outside a case")?;
                match tag {
                    "stdout" => r.stdout = text,
                    "stderr" => r.stderr = text,
                    "state" => r.state = text,
                    _ => r.fixture = Some(text),
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Splits a case's fixture and command (`FIXTURE | command`); None for comments.
pub fn case_lines(cases: &str) -> Vec<(String, String)> {
    cases
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" | "))
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect()
}

/// A shell token: a word or an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Word(String),
    Op(String),
}

/// POSIX shell words for the case lines: single and double quotes, backslashes, and the
/// operators `|`, `;`, `&&`, `<`, `>`.
pub fn tokens(line: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => cur.push(x),
                        None => return Err("unterminated '".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(x @ ('"' | '\\' | '$' | '`')) => cur.push(x),
                            Some(x) => {
                                cur.push('\\');
                                cur.push(x)
                            }
                            None => return Err("unterminated \"".into()),
                        },
                        Some(x) => cur.push(x),
                        None => return Err("unterminated \"".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(x) = chars.next() {
                    cur.push(x);
                }
            }
            ' ' | '\t' => {
                if in_word {
                    out.push(Tok::Word(std::mem::take(&mut cur)));
                    in_word = false;
                }
            }
            '|' | ';' | '<' | '>' | '&' => {
                if in_word {
                    out.push(Tok::Word(std::mem::take(&mut cur)));
                    in_word = false;
                }
                let mut op = c.to_string();
                if c == '&' && chars.peek() == Some(&'&') {
                    chars.next();
                    op.push('&');
                }
                out.push(Tok::Op(op));
            }
            _ => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(Tok::Word(cur));
    }
    Ok(out)
}

/// The shell's printf builtin for the formats the cases use: `%s`, `%%`, `\n`, `\t`,
/// `\r`, `\\`; the format is reused while arguments remain.
pub fn printf(args: &[String]) -> Vec<u8> {
    let mut args = args;
    if args.first().map(String::as_str) == Some("--") {
        args = &args[1..];
    }
    let Some((format, mut rest)) = args.split_first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    loop {
        let mut consumed = false;
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => out.push(b'\n'),
                    Some('t') => out.push(b'\t'),
                    Some('r') => out.push(b'\r'),
                    Some('\\') => out.push(b'\\'),
                    Some(x) => {
                        out.push(b'\\');
                        out.extend_from_slice(x.to_string().as_bytes());
                    }
                    None => out.push(b'\\'),
                },
                '%' => match chars.next() {
                    Some('s') => {
                        consumed = true;
                        if let Some((a, r)) = rest.split_first() {
                            out.extend_from_slice(a.as_bytes());
                            rest = r;
                        }
                    }
                    Some('%') => out.push(b'%'),
                    Some(x) => {
                        out.push(b'%');
                        out.extend_from_slice(x.to_string().as_bytes());
                    }
                    None => out.push(b'%'),
                },
                _ => out.extend_from_slice(c.to_string().as_bytes()),
            }
        }
        if rest.is_empty() || !consumed {
            return out;
        }
    }
}

/// A line-by-line diff good enough to read a mismatch.
pub fn diff(expected: &str, got: &str) -> String {
    let e: Vec<&str> = expected.split_inclusive('\n').collect();
    let g: Vec<&str> = got.split_inclusive('\n').collect();
    let mut out = String::new();
    for i in 0..e.len().max(g.len()) {
        match (e.get(i), g.get(i)) {
            (Some(a), Some(b)) if a == b => {}
            (a, b) => {
                if let Some(a) = a {
                    out.push_str(&format!("  -{:?}\n", a));
                }
                if let Some(b) = b {
                    out.push_str(&format!("  +{:?}\n", b));
                }
            }
        }
    }
    out
}
