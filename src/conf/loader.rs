//! Reading configuration files: the options of a load (config id, `-e`), the main file
//! (keepalived's `-f`, which may be a glob), and what `include` needs from the file system:
//! glob patterns with `{a,b}` alternatives resolved against the including file's directory
//! (R7), and the checks each matched file must pass (R8). The preprocessor
//! (`preprocess.rs`) decides what the findings mean.

use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::ast::Line;
use super::diag::{Diagnostic, Diagnostics, Severity};
use super::file_lines::FileLines;
use super::lexer::{INCLUDE_ALL, INCLUDE_M, INCLUDE_R, INCLUDE_W};
use super::preprocess::{self, MainFile};
use super::source::Sources;

/// Files larger than this are not read (an error says so).
pub const MAX_FILE_SIZE: u64 = 64 << 20;
/// At most this many `{a,b}` alternatives per pattern.
const MAX_ALTERNATIVES: usize = 4096;
/// At most this many files per pattern.
const MAX_MATCHES: usize = 65536;

/// How to read a configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The id `@id` lines and `${_INSTANCE}` compare with (keepalived's `-i`); None: the
    /// host name up to its first dot.
    pub config_id: Option<String>,
    /// keepalived's `-e`/`--all-config`: every include check (read, match, wildcard_match,
    /// brace_match) starts enabled, so a missing or unreadable include file is an error.
    pub all_config: bool,
}

impl LoadOptions {
    /// The config id in force: the one given, or the host name up to its first dot.
    pub fn effective_config_id(&self) -> String {
        match &self.config_id {
            Some(id) => id.clone(),
            None => host_config_id(),
        }
    }

    pub(crate) fn initial_include_check(&self) -> u8 {
        if self.all_config {
            INCLUDE_ALL
        } else {
            0
        }
    }
}

/// keepalived's default config id: the node name (`uname -n`) up to its first `.`.
pub fn host_config_id() -> String {
    let name = fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    match name.split_once('.') {
        Some((short, _)) => short.to_string(),
        None => name,
    }
}

/// Preprocesses configuration text (no file behind it). `name` is shown in messages; its
/// directory (or the current directory when it has none) is where relative includes are
/// looked for.
pub fn preprocess_text(
    name: &str,
    text: &str,
    opts: &LoadOptions,
) -> (Sources, Vec<Line>, Diagnostics) {
    let (mut sources, mut diags, mains) = open_text(name, text);
    let lines = preprocess::run(&mut sources, &mut diags, opts, mains);
    (sources, lines, diags)
}

/// The sources, early findings and main file of configuration text, ready to preprocess.
pub(crate) fn open_text(name: &str, text: &str) -> (Sources, Diagnostics, Vec<MainFile>) {
    let mut sources = Sources::new();
    let diags = Diagnostics::new();
    let path = Path::new(name);
    let id = sources.add(path, text.to_string(), None);
    let main = MainFile {
        file: id,
        dir: parent_dir(path),
        canonical: None,
        lossy: false,
        stream: None,
    };
    (sources, diags, vec![main])
}

/// Reads the configuration at `path` (a file, or a glob matching several: all are read in
/// order, as keepalived does) with its includes, and preprocesses it.
pub fn preprocess_path(path: &Path, opts: &LoadOptions) -> (Sources, Vec<Line>, Diagnostics) {
    let (mut sources, mut diags, mains) = open_path(path, false);
    let lines = preprocess::run(&mut sources, &mut diags, opts, mains);
    (sources, lines, diags)
}

/// The sources, early findings and main files of the configuration at `path` (a file, or a
/// glob matching several), ready to preprocess. With `stream`, the files are only opened:
/// the preprocessor reads them in blocks and their text is not kept.
pub(crate) fn open_path(path: &Path, stream: bool) -> (Sources, Diagnostics, Vec<MainFile>) {
    let mut sources = Sources::new();
    let mut diags = Diagnostics::new();
    let mut mains = Vec::new();
    let display = path.display().to_string();
    // A file that exists under its literal name is used as is, even with glob characters.
    let candidates: Vec<PathBuf> = if fs::symlink_metadata(path).is_ok() {
        vec![path.to_path_buf()]
    } else {
        let g = glob(&path.as_os_str().to_string_lossy(), Path::new(""));
        if g.matches.len() > 1 {
            let names: Vec<String> = g
                .matches
                .iter()
                .map(|m| m.path.display().to_string())
                .collect();
            let mut d = Diagnostic::new(
                Severity::Warning,
                None,
                format!(
                    "several configuration files match `{display}`: all are read, in this order: {}",
                    names.join(", ")
                ),
            );
            d.hint("keepalived does the same (\"multiple configuration file matches\")");
            diags.push(d);
        }
        g.matches.into_iter().map(|m| m.path).collect()
    };
    if candidates.is_empty() {
        let why = match fs::symlink_metadata(path) {
            Err(e) => describe_io(&e),
            Ok(_) => "no such file".into(),
        };
        diags.push(Diagnostic::new(
            Severity::Error,
            None,
            format!("cannot find the configuration file `{display}`: {why}"),
        ));
    }
    for p in candidates {
        let read = if stream {
            open_match(&p).map(|(file, meta)| {
                let id = sources.add_unkept(&p, &meta, None);
                (id, false, Some(FileLines::new(file)))
            })
        } else {
            read_match(&p).map(|read| (sources.add(&p, read.text, None), read.lossy, None))
        };
        match read {
            Ok((id, lossy, stream)) => {
                mains.push(MainFile {
                    file: id,
                    dir: parent_dir(&p),
                    canonical: fs::canonicalize(&p).ok(),
                    lossy,
                    stream,
                });
            }
            Err(problem) => {
                let mut d = Diagnostic::new(
                    Severity::Error,
                    None,
                    format!(
                        "cannot read the configuration file `{}`: {}",
                        p.display(),
                        problem.describe()
                    ),
                );
                if let MatchProblem::Executable = problem {
                    d.hint("keepalived refuses configuration files with an execute bit: chmod a-x");
                }
                diags.push(d);
            }
        }
    }
    (sources, diags, mains)
}

/// The directory relative includes of `path` are resolved against: its parent, or the
/// current directory ("") when it has none.
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// One file a pattern matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobMatch {
    /// The path as found (the base directory joined with the matched name).
    pub path: PathBuf,
    /// A directory (glob's GLOB_MARK adds a `/` to it; it is then skipped with a message).
    pub is_dir: bool,
}

/// What a pattern matched, and what was missing on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlobResult {
    pub matches: Vec<GlobMatch>,
    /// Paths that did not exist: a literal name, or a directory a wildcard had to read.
    pub missing: Vec<PathBuf>,
    /// A wildcard made glob read a directory.
    pub read_dir: bool,
    /// The pattern could not be expanded (too many alternatives or matches).
    pub error: Option<String>,
}

/// Expands `pattern` like glibc's `glob()` with GLOB_BRACE | GLOB_MARK: `{a,b}` alternatives
/// (nested, in order, each alternative's matches sorted), `*`, `?`, `[...]` per path
/// component (a leading `.` only matched explicitly), `\` escapes. No `~`. A relative pattern
/// is resolved against `base`.
pub fn glob(pattern: &str, base: &Path) -> GlobResult {
    let mut res = GlobResult::default();
    let mut alts = Vec::new();
    if brace_expand(pattern, &mut alts).is_err() {
        res.error = Some(format!(
            "the pattern has more than {MAX_ALTERNATIVES} `{{...}}` alternatives, or more than 64 groups"
        ));
        return res;
    }
    for alt in alts {
        let first = res.matches.len();
        glob_one(&alt, base, &mut res);
        res.matches[first..].sort_by(|a, b| {
            a.path
                .as_os_str()
                .as_bytes()
                .cmp(b.path.as_os_str().as_bytes())
        });
        if res.matches.len() > MAX_MATCHES {
            res.error = Some(format!("the pattern matches more than {MAX_MATCHES} files"));
            res.matches.truncate(MAX_MATCHES);
            return res;
        }
    }
    res
}

fn glob_one(alt: &str, base: &Path, res: &mut GlobResult) {
    let absolute = alt.starts_with('/');
    let comps: Vec<&str> = alt.split('/').filter(|c| !c.is_empty()).collect();
    let want_dir = alt.ends_with('/');
    let start = if absolute {
        PathBuf::from("/")
    } else {
        base.to_path_buf()
    };
    if comps.is_empty() {
        if absolute {
            res.matches.push(GlobMatch {
                path: start,
                is_dir: true,
            });
        } else {
            res.missing.push(start);
        }
        return;
    }
    let mut current = vec![start];
    for (k, comp) in comps.iter().enumerate() {
        let last = k + 1 == comps.len();
        let mut next = Vec::new();
        if has_magic(comp) {
            for dir in &current {
                res.read_dir = true;
                let read_at = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir.as_path()
                };
                let Ok(entries) = fs::read_dir(read_at) else {
                    res.missing.push(dir.clone());
                    continue;
                };
                let mut names: Vec<std::ffi::OsString> = entries
                    .filter_map(|e| e.ok().map(|e| e.file_name()))
                    .filter(|n| {
                        let n = n.as_bytes();
                        (n.first() != Some(&b'.') || comp.starts_with('.'))
                            && fnmatch(comp.as_bytes(), n)
                    })
                    .collect();
                names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
                for n in names {
                    let p = dir.join(&n);
                    if last || p.is_dir() {
                        next.push(p);
                    }
                    if next.len() > MAX_MATCHES {
                        break;
                    }
                }
            }
        } else {
            let lit = unescape(comp);
            for dir in &current {
                next.push(dir.join(OsStr::from_bytes(&lit)));
            }
        }
        current = next;
        if current.is_empty() {
            return;
        }
    }
    for p in current {
        let exists = fs::symlink_metadata(&p).is_ok();
        let is_dir = p.is_dir();
        if !exists || (want_dir && !is_dir) {
            res.missing.push(p);
            continue;
        }
        res.matches.push(GlobMatch { path: p, is_dir });
    }
}

/// keepalived's `have_brace`: an unescaped `{` (it makes a missing file a brace_match
/// failure rather than a match failure).
pub fn has_brace(pattern: &str) -> bool {
    let b = pattern.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'{' => return true,
            _ => i += 1,
        }
    }
    false
}

fn has_magic(comp: &str) -> bool {
    let b = comp.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'*' | b'?' => return true,
            b'[' if b[i + 1..].contains(&b']') => return true,
            _ => i += 1,
        }
    }
    false
}

fn unescape(comp: &str) -> Vec<u8> {
    let b = comp.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            i += 1;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Too many `{a,b}` alternatives (or groups) in a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyAlternatives;

/// csh-style `{a,b}` expansion as glibc's GLOB_BRACE: the first unescaped `{` with a
/// matching `}` is expanded (alternatives in order, nesting allowed), recursively; a `{`
/// without its `}` is literal.
pub fn brace_expand(pattern: &str, out: &mut Vec<String>) -> Result<(), TooManyAlternatives> {
    expand_braces(pattern, out, 0)
}

fn expand_braces(
    pattern: &str,
    out: &mut Vec<String>,
    depth: usize,
) -> Result<(), TooManyAlternatives> {
    if out.len() > MAX_ALTERNATIVES || depth > 64 {
        return Err(TooManyAlternatives);
    }
    let b = pattern.as_bytes();
    let mut i = 0;
    let open = loop {
        if i >= b.len() {
            out.push(pattern.to_string());
            return Ok(());
        }
        match b[i] {
            b'\\' => i += 2,
            b'{' => break i,
            _ => i += 1,
        }
    };
    let mut nest = 0usize;
    let mut commas = Vec::new();
    let mut j = open + 1;
    let close = loop {
        if j >= b.len() {
            // No closing brace: glibc drops brace processing for the whole pattern.
            out.push(pattern.to_string());
            return Ok(());
        }
        match b[j] {
            b'\\' => j += 1,
            b'{' => nest += 1,
            b'}' if nest == 0 => break j,
            b'}' => nest -= 1,
            b',' if nest == 0 => commas.push(j),
            _ => {}
        }
        j += 1;
    };
    let prefix = &pattern[..open];
    let suffix = &pattern[close + 1..];
    let mut start = open + 1;
    for end in commas.into_iter().chain(std::iter::once(close)) {
        let alt = &pattern[start..end];
        expand_braces(&format!("{prefix}{alt}{suffix}"), out, depth + 1)?;
        start = end + 1;
    }
    Ok(())
}

/// fnmatch(3) without flags, on bytes: `*`, `?`, `[...]` (`!`/`^` negation, ranges,
/// `[:class:]`), `\` escapes.
pub fn fnmatch(p: &[u8], n: &[u8]) -> bool {
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                b'?' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                b'[' => match bracket(p, pi, n[ni]) {
                    Some((true, next)) => {
                        pi = next;
                        ni += 1;
                        continue;
                    }
                    Some((false, _)) => {}
                    None => {
                        if n[ni] == b'[' {
                            pi += 1;
                            ni += 1;
                            continue;
                        }
                    }
                },
                b'\\' if pi + 1 < p.len() => {
                    if p[pi + 1] == n[ni] {
                        pi += 2;
                        ni += 1;
                        continue;
                    }
                }
                c => {
                    if c == n[ni] {
                        pi += 1;
                        ni += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// A bracket expression at `p[at]` (`[`): whether `c` matches, and where the expression
/// ends; None when it is not a valid expression (no closing `]`).
fn bracket(p: &[u8], at: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = at + 1;
    let negate = matches!(p.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &ch = p.get(i)?;
        if ch == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if ch == b'[' && p.get(i + 1) == Some(&b':') {
            let rest = &p[i + 2..];
            if let Some(end) = rest.windows(2).position(|w| w == b":]") {
                let class = &rest[..end];
                matched |= match class {
                    b"alpha" => c.is_ascii_alphabetic(),
                    b"digit" => c.is_ascii_digit(),
                    b"alnum" => c.is_ascii_alphanumeric(),
                    b"upper" => c.is_ascii_uppercase(),
                    b"lower" => c.is_ascii_lowercase(),
                    b"space" => c.is_ascii_whitespace() || c == 0x0b,
                    b"blank" => c == b' ' || c == b'\t',
                    b"punct" => c.is_ascii_punctuation(),
                    b"xdigit" => c.is_ascii_hexdigit(),
                    b"cntrl" => c.is_ascii_control(),
                    b"print" => (0x20..0x7f).contains(&c),
                    b"graph" => (0x21..0x7f).contains(&c),
                    _ => false,
                };
                i += 2 + end + 2;
                continue;
            }
        }
        let lo = if ch == b'\\' {
            i += 1;
            *p.get(i)?
        } else {
            ch
        };
        i += 1;
        if p.get(i) == Some(&b'-') && p.get(i + 1).is_some_and(|&e| e != b']') {
            let mut hi = p[i + 1];
            i += 2;
            if hi == b'\\' {
                hi = *p.get(i)?;
                i += 1;
            }
            matched |= lo <= c && c <= hi;
        } else {
            matched |= lo == c;
        }
    }
}

/// Why a matched file was not read (R8's per-match checks, and ha's size limit).
#[derive(Debug)]
pub enum MatchProblem {
    Directory,
    NotRegular,
    Executable,
    TooLarge(u64),
    Io(std::io::Error),
}

impl MatchProblem {
    pub fn describe(&self) -> String {
        match self {
            MatchProblem::Directory => "it is a directory".into(),
            MatchProblem::NotRegular => "it is not a regular file".into(),
            MatchProblem::Executable => "it has an execute bit set".into(),
            MatchProblem::TooLarge(n) => format!(
                "it is {n} bytes long, more than the {} MiB ha reads",
                MAX_FILE_SIZE >> 20
            ),
            MatchProblem::Io(e) => describe_io(e),
        }
    }
}

pub(crate) fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// A file's text; `lossy` when it was not valid UTF-8 (invalid bytes became U+FFFD).
pub struct ReadFile {
    pub text: String,
    pub lossy: bool,
}

/// R8's checks for one match (a regular file with no execute bit), and the file opened.
pub fn open_match(path: &Path) -> Result<(fs::File, fs::Metadata), MatchProblem> {
    let md = fs::metadata(path).map_err(MatchProblem::Io)?;
    if md.is_dir() {
        return Err(MatchProblem::Directory);
    }
    if !md.is_file() {
        return Err(MatchProblem::NotRegular);
    }
    if md.permissions().mode() & 0o111 != 0 {
        return Err(MatchProblem::Executable);
    }
    if md.len() > MAX_FILE_SIZE {
        return Err(MatchProblem::TooLarge(md.len()));
    }
    let file = fs::File::open(path).map_err(MatchProblem::Io)?;
    Ok((file, md))
}

/// R8's checks for one match and reading it whole.
pub fn read_match(path: &Path) -> Result<ReadFile, MatchProblem> {
    let (file, md) = open_match(path)?;
    let mut bytes = Vec::with_capacity(md.len() as usize);
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(MatchProblem::Io)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(MatchProblem::TooLarge(bytes.len() as u64));
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => ReadFile { text, lossy: false },
        Err(e) => ReadFile {
            text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            lossy: true,
        },
    })
}

/// Which check flags a finding falls under, for messages.
pub(crate) fn flag_name(flag: u8) -> &'static str {
    match flag {
        INCLUDE_R => "read",
        INCLUDE_M => "match",
        INCLUDE_W => "wildcard_match",
        _ => "brace_match",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(p: &str) -> Vec<String> {
        let mut v = Vec::new();
        brace_expand(p, &mut v).unwrap();
        v
    }

    #[test]
    fn braces_expand_in_order_and_nest() {
        assert_eq!(expand("sub/{a,zz}.conf"), ["sub/a.conf", "sub/zz.conf"]);
        assert_eq!(expand("{b,a}"), ["b", "a"]);
        assert_eq!(expand("x{a,{b,c}d}y"), ["xay", "xbdy", "xcdy"]);
        assert_eq!(expand("{a}"), ["a"]);
        assert_eq!(expand("a{b"), ["a{b"]);
        assert_eq!(expand("a\\{b,c}"), ["a\\{b,c}"]);
        assert_eq!(expand("{a,b}{c,d}"), ["ac", "ad", "bc", "bd"]);
        let mut v = Vec::new();
        assert!(brace_expand(&"{a,b}".repeat(20), &mut v).is_err());
        let mut v = Vec::new();
        assert!(brace_expand(&"{a}".repeat(10_000), &mut v).is_err());
        assert!(has_brace("a{b"));
        assert!(!has_brace("a\\{b"));
    }

    #[test]
    fn default_config_id_is_the_short_host_name() {
        let id = host_config_id();
        assert!(!id.contains('.'));
        assert_eq!(LoadOptions::default().effective_config_id(), id);
        let given = LoadOptions {
            config_id: Some(String::new()),
            all_config: true,
        };
        assert_eq!(given.effective_config_id(), "");
        assert_eq!(given.initial_include_check(), INCLUDE_ALL);
    }

    #[test]
    fn fnmatch_basics() {
        assert!(fnmatch(b"*.conf", b"a.conf"));
        assert!(!fnmatch(b"*.conf", b"a.confx"));
        assert!(fnmatch(b"a?c", b"abc"));
        assert!(fnmatch(b"[a-c]x", b"bx"));
        assert!(!fnmatch(b"[!a-c]x", b"bx"));
        assert!(fnmatch(b"[]]", b"]"));
        assert!(fnmatch(b"[[:digit:]]*", b"1abc"));
        assert!(fnmatch(b"\\*", b"*"));
        assert!(!fnmatch(b"\\*", b"a"));
        assert!(fnmatch(b"[ab", b"[ab"));
        assert!(fnmatch(b"*a*b*c", b"xxaxxbxxc"));
        assert!(!fnmatch(b"*a*b*c", b"xxaxxbxx"));
    }
}
