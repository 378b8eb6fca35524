//! GNU getopt_long as glibc runs it (argument permutation, clustered short options, unique
//! long-option prefixes, `--name=value`), so the compat personalities read a command line
//! exactly as the C tools did, down to which argument their error messages quote.

/// Whether an option takes an argument (getopt's no_argument, required_argument,
/// optional_argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HasArg {
    No,
    Required,
    /// Only attached: `-tFILE` or `--config-test=FILE`.
    Optional,
}

/// One long option: its name, whether it takes an argument, and the value reported for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongOpt {
    pub name: &'static str,
    pub has_arg: HasArg,
    pub val: char,
}

/// What one call of getopt_long returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A recognised option and its argument.
    Opt { val: char, arg: Option<String> },
    /// getopt's '?': unknown or ambiguous option, or an argument given to a flag.
    /// `optopt` is '\0' for long options that matched nothing.
    Unknown { optopt: char },
    /// getopt's ':' (the option string starts with ':'): a required argument is missing.
    Missing { optopt: char },
}

/// A parsed call: the item plus `argv[curind]`, the element the C code's messages quote
/// (the one `optind` pointed at before the call, after any permutation so far).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub item: Item,
    pub current: String,
}

/// The whole command line as getopt_long walks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub steps: Vec<Step>,
    /// Arguments that are not options, in the order getopt leaves them (argv[optind..]).
    pub operands: Vec<String>,
}

struct State<'a> {
    argv: Vec<String>,
    shorts: &'a str,
    longs: &'a [LongOpt],
    optind: usize,
    /// Position inside argv[optind] while walking a cluster of short options.
    nextchar: Option<usize>,
    first_nonopt: usize,
    last_nonopt: usize,
}

/// Runs getopt_long over `argv` (argv[0] included) until it returns -1.
/// `shorts` is the option string without its leading ':' (which is assumed).
pub fn parse(argv: &[String], shorts: &str, longs: &[LongOpt]) -> Parsed {
    let mut st = State {
        argv: argv.to_vec(),
        shorts,
        longs,
        optind: 1,
        nextchar: None,
        first_nonopt: 1,
        last_nonopt: 1,
    };
    let mut steps = Vec::new();
    loop {
        let curind = st.optind;
        let Some(item) = st.next() else { break };
        // The C code reads argv[curind] after the call; permutation may have moved it.
        let current = st.argv.get(curind).cloned().unwrap_or_default();
        steps.push(Step { item, current });
    }
    let operands = st.argv[st.optind.min(st.argv.len())..].to_vec();
    Parsed { steps, operands }
}

fn is_nonoption(arg: &str) -> bool {
    !arg.starts_with('-') || arg.len() == 1
}

impl State<'_> {
    /// Moves the skipped non-options [first_nonopt, last_nonopt) after the options that
    /// followed them [last_nonopt, optind).
    fn exchange(&mut self) {
        let (bottom, middle, top) = (self.first_nonopt, self.last_nonopt, self.optind);
        self.argv[bottom..top].rotate_left(middle - bottom);
        self.first_nonopt += top - middle;
        self.last_nonopt = top;
    }

    fn next(&mut self) -> Option<Item> {
        let argc = self.argv.len();
        if self.nextchar.is_none() {
            self.last_nonopt = self.last_nonopt.min(self.optind);
            self.first_nonopt = self.first_nonopt.min(self.optind);
            if self.first_nonopt != self.last_nonopt && self.last_nonopt != self.optind {
                self.exchange();
            } else if self.last_nonopt != self.optind {
                self.first_nonopt = self.optind;
            }
            while self.optind < argc && is_nonoption(&self.argv[self.optind]) {
                self.optind += 1;
            }
            self.last_nonopt = self.optind;
            if self.optind != argc && self.argv[self.optind] == "--" {
                self.optind += 1;
                if self.first_nonopt != self.last_nonopt && self.last_nonopt != self.optind {
                    self.exchange();
                } else if self.first_nonopt == self.last_nonopt {
                    self.first_nonopt = self.optind;
                }
                self.last_nonopt = argc;
                self.optind = argc;
            }
            if self.optind == argc {
                if self.first_nonopt != self.last_nonopt {
                    self.optind = self.first_nonopt;
                }
                return None;
            }
            if self.argv[self.optind].starts_with("--") {
                return Some(self.long_option());
            }
            self.nextchar = Some(1);
        }
        Some(self.short_option())
    }

    fn long_option(&mut self) -> Item {
        let arg = self.argv[self.optind][2..].to_string();
        let (name, value) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg, None),
        };
        self.optind += 1;
        let exact = self.longs.iter().find(|o| o.name == name);
        let found = exact.copied().or_else(|| {
            let mut matches = self.longs.iter().filter(|o| o.name.starts_with(&name));
            let first = *matches.next()?;
            let ambiguous = matches.any(|o| o.has_arg != first.has_arg || o.val != first.val);
            (!ambiguous).then_some(first)
        });
        let Some(opt) = found else {
            return Item::Unknown { optopt: '\0' };
        };
        match (value, opt.has_arg) {
            (Some(_), HasArg::No) => Item::Unknown { optopt: opt.val },
            (Some(v), _) => Item::Opt {
                val: opt.val,
                arg: Some(v),
            },
            (None, HasArg::No | HasArg::Optional) => Item::Opt {
                val: opt.val,
                arg: None,
            },
            (None, HasArg::Required) => match self.argv.get(self.optind) {
                Some(v) => {
                    let v = v.clone();
                    self.optind += 1;
                    Item::Opt {
                        val: opt.val,
                        arg: Some(v),
                    }
                }
                None => Item::Missing { optopt: opt.val },
            },
        }
    }

    fn short_option(&mut self) -> Item {
        let element: Vec<char> = self.argv[self.optind].chars().collect();
        let pos = self.nextchar.unwrap_or(1);
        let c = element[pos];
        let rest: String = element[pos + 1..].iter().collect();
        if rest.is_empty() {
            self.optind += 1;
            self.nextchar = None;
        } else {
            self.nextchar = Some(pos + 1);
        }
        let spec = self.shorts.find(c).filter(|_| c != ':');
        let Some(at) = spec else {
            return Item::Unknown { optopt: c };
        };
        let after = &self.shorts[at + c.len_utf8()..];
        let has_arg = if after.starts_with("::") {
            HasArg::Optional
        } else if after.starts_with(':') {
            HasArg::Required
        } else {
            HasArg::No
        };
        if has_arg == HasArg::No {
            return Item::Opt { val: c, arg: None };
        }
        self.nextchar = None;
        if !rest.is_empty() {
            self.optind += 1;
            return Item::Opt {
                val: c,
                arg: Some(rest),
            };
        }
        if has_arg == HasArg::Optional {
            return Item::Opt { val: c, arg: None };
        }
        match self.argv.get(self.optind) {
            Some(v) => {
                let v = v.clone();
                self.optind += 1;
                Item::Opt {
                    val: c,
                    arg: Some(v),
                }
            }
            None => Item::Missing { optopt: c },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONGS: &[LongOpt] = &[
        LongOpt {
            name: "verbose",
            has_arg: HasArg::No,
            val: 'v',
        },
        LongOpt {
            name: "use-ssl",
            has_arg: HasArg::No,
            val: 'S',
        },
        LongOpt {
            name: "use-virtualhost",
            has_arg: HasArg::Required,
            val: 'V',
        },
        LongOpt {
            name: "server",
            has_arg: HasArg::Required,
            val: 's',
        },
    ];

    fn run(args: &[&str]) -> Parsed {
        let argv: Vec<String> = std::iter::once("prog")
            .chain(args.iter().copied())
            .map(String::from)
            .collect();
        parse(&argv, "vSs:V:", LONGS)
    }

    fn opt(val: char, arg: Option<&str>) -> Item {
        Item::Opt {
            val,
            arg: arg.map(String::from),
        }
    }

    #[test]
    fn clusters_attached_and_separate_arguments() {
        let p = run(&["-vs1.2.3.4", "-S", "-s", "5.6.7.8"]);
        let items: Vec<Item> = p.steps.into_iter().map(|s| s.item).collect();
        assert_eq!(
            items,
            [
                opt('v', None),
                opt('s', Some("1.2.3.4")),
                opt('S', None),
                opt('s', Some("5.6.7.8"))
            ]
        );
    }

    #[test]
    fn long_prefixes_exact_and_ambiguous() {
        let p = run(&["--ver", "--server=x", "--use", "--use-s"]);
        let items: Vec<Item> = p.steps.into_iter().map(|s| s.item).collect();
        assert_eq!(
            items,
            [
                opt('v', None),
                opt('s', Some("x")),
                Item::Unknown { optopt: '\0' },
                opt('S', None)
            ]
        );
    }

    #[test]
    fn operands_are_permuted_to_the_end() {
        let p = run(&["a", "-v", "b", "-s", "x", "c"]);
        assert_eq!(p.operands, ["a", "b", "c"]);
    }

    #[test]
    fn double_dash_ends_options() {
        let p = run(&["-v", "--", "-s", "x"]);
        assert_eq!(p.steps.len(), 1);
        assert_eq!(p.operands, ["-s", "x"]);
    }

    #[test]
    fn error_quotes_the_element_glibc_leaves_at_curind() {
        // glibc has not yet moved "foo" when it reports --bar, so the C code quotes "foo".
        let p = run(&["foo", "--bar"]);
        assert_eq!(
            p.steps[0],
            Step {
                item: Item::Unknown { optopt: '\0' },
                current: "foo".into()
            }
        );
    }

    #[test]
    fn missing_arguments_and_flags_with_values() {
        let p = run(&["-s"]);
        assert_eq!(p.steps[0].item, Item::Missing { optopt: 's' });
        let p = run(&["--server"]);
        assert_eq!(p.steps[0].item, Item::Missing { optopt: 's' });
        let p = run(&["--verbose=1"]);
        assert_eq!(p.steps[0].item, Item::Unknown { optopt: 'v' });
        let p = run(&["-x", "-:"]);
        assert_eq!(p.steps[0].item, Item::Unknown { optopt: 'x' });
        assert_eq!(p.steps[1].item, Item::Unknown { optopt: ':' });
    }

    #[test]
    fn optional_arguments_only_when_attached() {
        const L: &[LongOpt] = &[LongOpt {
            name: "config-test",
            has_arg: HasArg::Optional,
            val: 't',
        }];
        let argv = |a: &[&str]| -> Vec<String> {
            std::iter::once("k")
                .chain(a.iter().copied())
                .map(String::from)
                .collect()
        };
        let p = parse(
            &argv(&["-t", "x", "-tlog", "--config-test", "--config-test=f"]),
            "t::",
            L,
        );
        let items: Vec<Item> = p.steps.into_iter().map(|s| s.item).collect();
        assert_eq!(
            items,
            [
                opt('t', None),
                opt('t', Some("log")),
                opt('t', None),
                opt('t', Some("f"))
            ]
        );
        assert_eq!(p.operands, ["x"]);
    }

    #[test]
    fn lone_dash_is_an_operand() {
        let p = run(&["-", "-v"]);
        assert_eq!(p.operands, ["-"]);
    }
}
