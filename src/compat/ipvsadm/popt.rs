//! The part of popt 1.19's `poptGetNextOpt` that ipvsadm exercises: options and their
//! arguments come out one at a time in argv order, non-options are kept as leftovers (read
//! back with [`Popt::take_leftover`]), and an error names the argv element popt's
//! `poptBadOption` would (the last one consumed).
//!
//! Unlike GNU getopt there is no permutation and no abbreviation of long options; `--` ends
//! the options, `POSIXLY_CORRECT` ends them at the first non-option, a required argument is
//! the next element even when it starts with `-`, an optional one only when it does not,
//! and the alias expansion `!#:+` inside an argument is replaced by the next non-option
//! element, which is then skipped.

/// How an option takes its argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    None,
    Required,
    /// Attached (`-p300`, `--persistent=300`) or the next element unless it starts with `-`.
    Optional,
}

/// One row of the option table (popt's `struct poptOption`).
#[derive(Debug, Clone, Copy)]
pub struct OptSpec {
    pub long: Option<&'static str>,
    pub short: Option<char>,
    pub arg: ArgKind,
    /// What `next_opt` returns for it.
    pub val: u32,
}

/// popt's error codes that `poptGetNextOpt` can return for ipvsadm's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoptError {
    NoArg,
    BadOpt,
    UnwantedArg,
}

impl PoptError {
    /// `poptStrerror`.
    pub fn message(self) -> &'static str {
        match self {
            PoptError::NoArg => "missing argument",
            PoptError::BadOpt => "unknown option",
            PoptError::UnwantedArg => "option does not take an argument",
        }
    }
}

/// A popt context over one argv (argv[0] included, and skipped).
pub struct Popt<'a> {
    argv: &'a [String],
    table: &'a [OptSpec],
    next: usize,
    /// Rest of a short-option cluster: (argv index, byte offset).
    cluster: Option<(usize, usize)>,
    rest_leftover: bool,
    posix: bool,
    /// Elements taken by `!#:+` expansion, skipped when their turn comes.
    deleted: Vec<bool>,
    leftovers: Vec<String>,
    next_leftover: usize,
}

impl<'a> Popt<'a> {
    /// `posix`: POSIXLY_CORRECT or POSIX_ME_HARDER is set in the environment.
    pub fn new(argv: &'a [String], table: &'a [OptSpec], posix: bool) -> Popt<'a> {
        Popt {
            argv,
            table,
            next: 1,
            cluster: None,
            rest_leftover: false,
            posix,
            deleted: vec![false; argv.len()],
            leftovers: Vec::new(),
            next_leftover: 0,
        }
    }

    /// The next option's value and argument; None when argv is used up.
    pub fn next_opt(&mut self) -> Option<Result<(u32, Option<String>), PoptError>> {
        loop {
            if self.cluster.is_none() && self.next >= self.argv.len() {
                return None;
            }
            let mut found: Option<&OptSpec> = None;
            let mut long_arg: Option<String> = None;
            if self.cluster.is_none() {
                if self.deleted.get(self.next).copied().unwrap_or(false) {
                    self.next += 1;
                    continue;
                }
                let index = self.next;
                let element = self.argv.get(index).map(String::as_str).unwrap_or("");
                self.next += 1;
                if self.rest_leftover || !element.starts_with('-') || element == "-" {
                    if self.posix {
                        self.rest_leftover = true;
                    }
                    self.leftovers.push(element.to_string());
                    continue;
                }
                if element == "--" {
                    self.rest_leftover = true;
                    continue;
                }
                let (body, one_dash) = match element.strip_prefix("--") {
                    Some(body) => (body, false),
                    None => (&element[1..], true),
                };
                let (name, attached) = match body.find('=') {
                    Some(at) => (&body[..at], Some(&body[at + 1..])),
                    None => (body, None),
                };
                // No option of ipvsadm's table accepts a single-dash long form.
                if !one_dash {
                    found = self.table.iter().find(|o| o.long == Some(name));
                    match found {
                        Some(_) => long_arg = attached.map(str::to_string),
                        None => return Some(Err(PoptError::BadOpt)),
                    }
                } else {
                    self.cluster = Some((index, 1));
                }
            }
            if let Some((index, offset)) = self.cluster.take() {
                let element = self.argv.get(index).map(String::as_str).unwrap_or("");
                let rest = element.get(offset..).unwrap_or("");
                let Some(c) = rest.chars().next() else {
                    return Some(Err(PoptError::BadOpt));
                };
                found = self.table.iter().find(|o| o.short == Some(c));
                if found.is_none() {
                    return Some(Err(PoptError::BadOpt));
                }
                let after = offset + c.len_utf8();
                if after < element.len() {
                    self.cluster = Some((index, after));
                }
            }
            let Some(opt) = found else {
                return Some(Err(PoptError::BadOpt));
            };
            let arg = match opt.arg {
                ArgKind::None => {
                    if long_arg.is_some() || self.cluster_rest().starts_with('=') {
                        return Some(Err(PoptError::UnwantedArg));
                    }
                    None
                }
                ArgKind::Required | ArgKind::Optional => {
                    if let Some(a) = long_arg {
                        Some(self.expand(&a))
                    } else if self.cluster.is_some() {
                        let rest = self.cluster_rest().to_string();
                        self.cluster = None;
                        Some(self.expand(rest.strip_prefix('=').unwrap_or(&rest)))
                    } else if self.next >= self.argv.len() {
                        if opt.arg == ArgKind::Required {
                            return Some(Err(PoptError::NoArg));
                        }
                        None
                    } else {
                        let element = self.argv.get(self.next).cloned().unwrap_or_default();
                        if opt.arg == ArgKind::Optional && element.starts_with('-') {
                            None
                        } else {
                            self.next += 1;
                            Some(self.expand(&element))
                        }
                    }
                }
            };
            return Some(Ok((opt.val, arg)));
        }
    }

    fn cluster_rest(&self) -> &str {
        match self.cluster {
            Some((index, offset)) => self
                .argv
                .get(index)
                .and_then(|e| e.get(offset..))
                .unwrap_or(""),
            None => "",
        }
    }

    /// popt's expandNextArg: each `!#:+` becomes the next unused non-option element, which
    /// is then skipped (one element serves every `!#:+` of the argument).
    fn expand(&mut self, s: &str) -> String {
        if !s.contains("!#:+") {
            return s.to_string();
        }
        let mut out = String::new();
        let mut substitute: Option<String> = None;
        let mut rest = s;
        while let Some(at) = rest.find("!#:+") {
            out.push_str(&rest[..at]);
            if substitute.is_none() {
                substitute = self.take_next_plain();
            }
            match &substitute {
                Some(a) => {
                    out.push_str(a);
                    rest = &rest[at + 4..];
                }
                None => {
                    out.push('!');
                    rest = &rest[at + 1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn take_next_plain(&mut self) -> Option<String> {
        for i in self.next..self.argv.len() {
            if self.deleted.get(i).copied().unwrap_or(true) {
                continue;
            }
            let element = self.argv.get(i)?;
            if element.starts_with('-') {
                continue;
            }
            if let Some(d) = self.deleted.get_mut(i) {
                *d = true;
            }
            return Some(element.clone());
        }
        None
    }

    /// `poptBadOption`: the argv element consumed last.
    pub fn bad_option(&self) -> &str {
        self.argv
            .get(self.next.saturating_sub(1))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// `poptGetArg`: the next leftover (non-option) element.
    pub fn take_leftover(&mut self) -> Option<String> {
        let l = self.leftovers.get(self.next_leftover).cloned();
        if l.is_some() {
            self.next_leftover += 1;
        }
        l
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[OptSpec] = &[
        OptSpec {
            long: Some("list"),
            short: Some('L'),
            arg: ArgKind::None,
            val: 'L' as u32,
        },
        OptSpec {
            long: Some("numeric"),
            short: Some('n'),
            arg: ArgKind::None,
            val: 'n' as u32,
        },
        OptSpec {
            long: Some("tcp-service"),
            short: Some('t'),
            arg: ArgKind::Required,
            val: 't' as u32,
        },
        OptSpec {
            long: Some("persistent"),
            short: Some('p'),
            arg: ArgKind::Optional,
            val: 'p' as u32,
        },
    ];

    fn argv(s: &[&str]) -> Vec<String> {
        std::iter::once("ipvsadm")
            .chain(s.iter().copied())
            .map(String::from)
            .collect()
    }

    type Scanned = (
        Vec<Result<(char, Option<String>), (PoptError, String)>>,
        Vec<String>,
    );

    fn all(args: &[&str]) -> Scanned {
        let v = argv(args);
        let mut p = Popt::new(&v, TABLE, false);
        let mut out = Vec::new();
        while let Some(r) = p.next_opt() {
            match r {
                Ok((val, arg)) => out.push(Ok((char::from_u32(val).unwrap_or('?'), arg))),
                Err(e) => {
                    out.push(Err((e, p.bad_option().to_string())));
                    break;
                }
            }
        }
        let mut left = Vec::new();
        while let Some(l) = p.take_leftover() {
            left.push(l);
        }
        (out, left)
    }

    #[test]
    fn clusters_attached_and_separate_arguments() {
        let (o, _) = all(&["-Lnt1.2.3.4:80", "-t", "-n", "--tcp-service=x", "-t=y"]);
        assert_eq!(
            o,
            vec![
                Ok(('L', None)),
                Ok(('n', None)),
                Ok(('t', Some("1.2.3.4:80".into()))),
                Ok(('t', Some("-n".into()))),
                Ok(('t', Some("x".into()))),
                Ok(('t', Some("y".into()))),
            ]
        );
    }

    #[test]
    fn optional_argument_only_when_not_an_option() {
        let (o, _) = all(&["-p", "-n", "-p", "30", "-p5", "--persistent", "-p"]);
        assert_eq!(
            o,
            vec![
                Ok(('p', None)),
                Ok(('n', None)),
                Ok(('p', Some("30".into()))),
                Ok(('p', Some("5".into()))),
                Ok(('p', None)),
                Ok(('p', None)),
            ]
        );
    }

    #[test]
    fn errors_name_the_element_consumed_last() {
        assert_eq!(
            all(&["-L", "-LQ"]).0.last(),
            Some(&Err((PoptError::BadOpt, "-LQ".into())))
        );
        assert_eq!(
            all(&["--li"]).0.last(),
            Some(&Err((PoptError::BadOpt, "--li".into())))
        );
        assert_eq!(
            all(&["-L", "-t"]).0.last(),
            Some(&Err((PoptError::NoArg, "-t".into())))
        );
        assert_eq!(
            all(&["--numeric=3"]).0.last(),
            Some(&Err((PoptError::UnwantedArg, "--numeric=3".into())))
        );
        assert_eq!(
            all(&["-n=3"]).0.last(),
            Some(&Err((PoptError::UnwantedArg, "-n=3".into())))
        );
    }

    #[test]
    fn leftovers_double_dash_and_alias_expansion() {
        let (o, l) = all(&["a", "-L", "-", "--", "-n", "b"]);
        assert_eq!(o, vec![Ok(('L', None))]);
        assert_eq!(l, vec!["a", "-", "-n", "b"]);
        let (o, l) = all(&["-t", "x!#:+y", "-n", "5", "6"]);
        assert_eq!(o, vec![Ok(('t', Some("x5y".into()))), Ok(('n', None))]);
        assert_eq!(l, vec!["6"]);
    }

    #[test]
    fn posix_mode_stops_at_the_first_non_option() {
        let v = argv(&["a", "-L"]);
        let mut p = Popt::new(&v, TABLE, true);
        assert!(p.next_opt().is_none());
        assert_eq!(p.take_leftover().as_deref(), Some("a"));
        assert_eq!(p.take_leftover().as_deref(), Some("-L"));
    }
}
