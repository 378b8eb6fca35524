//! Shell syntax in script commands. keepalived (and ha) run a command with execve(2), no
//! shell: `&&`, `|`, `>`, `$(...)` and shell keywords are passed to the program as plain
//! arguments, or name a program that does not exist.

use crate::conf::schema::Script;

/// A finding about shell syntax: message and hint.
pub(super) struct Finding {
    pub message: String,
    pub hint: String,
}

/// Shell keywords: never programs.
const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do",
    "done", "in", "function", "time", "{", "}", "!", "[[", "]]", "((", "coproc",
];

/// Shell builtins. Some are also programs in PATH (`test`, `kill`, `echo`); a command naming
/// one that is not found as a program was meant for a shell.
const BUILTINS: &[&str] = &[
    ".",
    ":",
    "source",
    "exit",
    "return",
    "export",
    "readonly",
    "set",
    "unset",
    "shift",
    "trap",
    "eval",
    "exec",
    "break",
    "continue",
    "alias",
    "unalias",
    "cd",
    "declare",
    "typeset",
    "local",
    "let",
    "ulimit",
    "umask",
    "wait",
    "read",
    "shopt",
    "pushd",
    "popd",
    "dirs",
    "history",
    "jobs",
    "fg",
    "bg",
    "disown",
    "suspend",
    "enable",
    "builtin",
    "command",
    "type",
    "hash",
    "help",
    "logout",
    "mapfile",
    "readarray",
    "compgen",
    "complete",
    "caller",
    "bind",
    "getopts",
    "printf",
    "echo",
    "test",
    "[",
    "true",
    "false",
    "kill",
    "pwd",
    "times",
];

/// Shells whose `-c` takes the command string as its next argument.
const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox"];

/// argv[0] is a shell keyword or builtin. Call only when it was not found as a program.
pub(super) fn builtin(script: &Script) -> Option<Finding> {
    let name = script.argv.first()?;
    let what = if KEYWORDS.contains(&name.as_str()) {
        "keyword"
    } else if BUILTINS.contains(&name.as_str()) {
        "builtin"
    } else {
        return None;
    };
    Some(Finding {
        message: format!(
            "keepalived runs scripts without a shell: `{name}` is a shell {what}, not a program"
        ),
        hint: wrap_hint(script),
    })
}

/// A word the shell would have read as syntax, passed as an argument instead: what to call
/// it in a message, or None.
fn operator(word: &str) -> Option<&'static str> {
    const EXACT: &[&str] = &["&&", "||", "|", ";", ";;", "&", "|&"];
    let digits = word.trim_start_matches(|c: char| c.is_ascii_digit());
    if EXACT.contains(&word) || word.contains("&&") || word.contains("||") {
        Some("operator")
    } else if word.starts_with(['>', '<'])
        || word.starts_with("&>")
        || digits.starts_with(['>', '<'])
    {
        Some("redirection")
    } else if word.contains("$(") || word.contains('`') {
        Some("command substitution")
    } else if word.len() > 1 && word.ends_with(';') {
        Some("operator")
    } else if word
        .strip_prefix('$')
        .and_then(|r| r.chars().next())
        .is_some_and(|c| c == '{' || c == '_' || c.is_ascii_alphabetic())
    {
        Some("variable")
    } else {
        None
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Where `-c` is, for a shell: `sh -c`, `bash -ec`, `bash -x -c` (options before any
/// operand).
fn dash_c(argv: &[String]) -> Option<usize> {
    if !SHELLS.contains(&basename(argv.first()?)) {
        return None;
    }
    for (i, w) in argv.iter().enumerate().skip(1) {
        let flags = w.strip_prefix('-')?;
        if w == "--" || flags.is_empty() || flags.starts_with('-') {
            return None;
        }
        if flags.contains('c') && flags.chars().all(|c| c.is_ascii_alphabetic()) {
            return Some(i);
        }
    }
    None
}

/// Shell syntax among the arguments.
pub(super) fn operators(script: &Script) -> Option<Finding> {
    let argv = &script.argv;
    let prog = argv.first()?;
    if let Some(c) = dash_c(argv) {
        // `sh -c STRING ARG...`: the shell runs STRING; the ARGs become $0, $1, ...
        let text = argv.get(c + 1)?;
        let rest = &argv[c + 2..];
        let (word, _) = rest.iter().find_map(|w| operator(w).map(|k| (w, k)))?;
        let rest = rest.join(" ");
        let name = basename(prog);
        let fixed = format!("{text} {rest}");
        let fix = if quotable(&fixed) {
            format!(
                "put it all inside the -c string: `{} -c '{fixed}'`",
                argv[..c].join(" ")
            )
        } else {
            "put it all inside the -c string".to_string()
        };
        return Some(Finding {
            message: format!(
                "keepalived runs scripts without a shell: `{word}` is passed to {prog} as an argument"
            ),
            hint: format!(
                "{name} runs only the string after `-c` (`{text}`); `{rest}` become its $0, $1, ... \
                 and are never run, so the status is that of `{text}` alone; {fix}"
            ),
        });
    }
    let (word, kind) = argv[1..].iter().find_map(|w| operator(w).map(|k| (w, k)))?;
    let effect = match kind {
        "variable" => format!("`{word}` is passed to {prog} as it is, not expanded"),
        _ => format!("`{word}` is passed to {prog} as an argument"),
    };
    Some(Finding {
        message: format!("keepalived runs scripts without a shell: {effect}"),
        hint: format!("the {kind} does nothing there; {}", wrap_hint(script)),
    })
}

/// Text that can go between single quotes inside a keepalived `"..."` script string as is.
fn quotable(s: &str) -> bool {
    !s.contains(['\'', '"', '\\'])
}

/// "wrap it: /bin/sh -c '...'" with the command filled in when it can be.
fn wrap_hint(script: &Script) -> String {
    let shell = if script.argv.iter().any(|w| w.contains("[[")) {
        "/bin/bash"
    } else {
        "/bin/sh"
    };
    if quotable(&script.command) {
        format!("wrap it: {shell} -c '{}'", script.command)
    } else {
        format!("wrap it: {shell} -c '...', or move it into a script file")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(argv: &[&str]) -> Script {
        Script {
            command: argv.join(" "),
            argv: argv.iter().map(|s| s.to_string()).collect(),
            user: None,
            group: None,
            span: crate::conf::source::Span::new(crate::conf::source::FileId(0), 1, 1, 1),
        }
    }

    #[test]
    fn operators_are_recognised() {
        for w in [
            "&&",
            "||",
            "|",
            ";",
            "&",
            ">/dev/null",
            "2>&1",
            ">>",
            "<",
            "&>/dev/null",
            "$(cat",
            "`pidof",
            "nginx;",
            "$PID",
            "${X}",
        ] {
            assert!(operator(w).is_some(), "{w}");
        }
        for w in [
            "-0",
            "nginx",
            "!",
            "(",
            "-f",
            "a=b",
            "$",
            "$1",
            "10.0.0.1:80",
            "x|y",
        ] {
            assert!(operator(w).is_none(), "{w}");
        }
        assert_eq!(basename("/bin/bash"), "bash");
    }

    #[test]
    fn dash_c_finds_the_option() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(dash_c(&v(&["/bin/sh", "-c", "x"])), Some(1));
        assert_eq!(dash_c(&v(&["bash", "-ec", "x"])), Some(1));
        assert_eq!(dash_c(&v(&["bash", "-x", "-c", "x"])), Some(2));
        assert_eq!(dash_c(&v(&["bash", "script.sh", "-c"])), None);
        assert_eq!(dash_c(&v(&["/usr/bin/python3", "-c", "x"])), None);
    }

    #[test]
    fn plain_commands_pass() {
        assert!(operators(&script(&["/usr/bin/killall", "-0", "nginx"])).is_none());
        assert!(operators(&script(&["/bin/sh", "-c", "a && b | c > d"])).is_none());
        assert!(operators(&script(&["/bin/sh", "-c", "echo $1", "x", "y"])).is_none());
        assert!(builtin(&script(&["/bin/true"])).is_none());
    }
}
