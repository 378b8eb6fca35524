//! `ha ipvs save` and `ha ipvs restore`: the kernel's table in the rules format of
//! `ipvsadm -S` / `ipvsadm -R` (src/ipvs/saved.rs), so saved files move freely between ha
//! and ipvsadm.
//!
//! Unlike `ipvsadm -R`, restore reads and checks the whole input before it changes anything,
//! then sends every rule in batches (one round trip per batch, not per rule).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::ipvs::{apply_error, connect, ipvs_error, op_json, read_table};
use crate::compat::ipvsadm::names::SystemNames;
use crate::error::{CliError, Exit};
use crate::ipvs::diff::Step;
use crate::ipvs::saved;
use crate::ipvs::Op;

const SAVE_LONG: &str = "\
Print the kernel's IPVS table as rules: one `-A` line per service and one `-a` line per real
server, exactly as `ipvsadm -S -n` prints them, so `ipvsadm -R` or `ha ipvs restore` can
load them again. Addresses and ports stay numeric unless --names is given (then it is
`ipvsadm -S`'s output, with host and service names).";

/// Print the table as rules that `ha ipvs restore` and `ipvsadm -R` read
#[derive(Debug, Args)]
#[command(long_about = SAVE_LONG)]
pub struct SaveArgs {
    /// Host and service names instead of numbers, as `ipvsadm -S` without -n
    #[arg(long)]
    pub names: bool,
    /// Write to this file instead of standard output
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

const RESTORE_LONG: &str = "\
Load rules in the format of `ipvsadm -S` (what `ha ipvs save` prints) from FILE, or from
standard input: `-A`/`-a` lines add services and real servers, and every other ipvsadm
command line that changes the table works too (`-E`, `-e`, `-D`, `-d`, `-C`, `-Z`, `--set`).

The whole input is read and checked first; a line that is not a valid rule is reported as
FILE:LINE with ipvsadm's reason, and nothing is changed. With --clear the table is emptied
first, so the result is exactly the file.";

const RESTORE_EXAMPLES: &str = "\
Examples:
  ha ipvs save > /etc/ipvs.rules
  ha ipvs restore --clear /etc/ipvs.rules
  ipvsadm -S -n | ssh other-director ha ipvs restore --clear";

/// Load rules saved by `ha ipvs save` or `ipvsadm -S`
#[derive(Debug, Args)]
#[command(long_about = RESTORE_LONG, after_help = RESTORE_EXAMPLES)]
pub struct RestoreArgs {
    /// The rules (default: standard input)
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Remove every service first
    #[arg(long)]
    pub clear: bool,
    /// Only check the rules and print what they would do
    #[arg(long)]
    pub dry_run: bool,
    /// One JSON object per line: each change, then a summary
    #[arg(long)]
    pub json: bool,
}

pub fn save(a: &SaveArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "ipvs save";
    let mut ipvs = connect(WHAT)?;
    let table = read_table(ipvs.as_mut()).map_err(|e| ipvs_error(WHAT, &e, None))?;
    let services: Vec<_> = table.into_iter().map(|s| (s.service, s.dests)).collect();
    let text = saved::save(&services, !a.names, &SystemNames);
    let written = match &a.output {
        Some(path) => std::fs::write(path, &text)
            .map_err(|e| CliError::runtime(WHAT, format!("cannot write {}: {e}", path.display()))),
        None => io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| CliError::runtime(WHAT, e)),
    };
    written.map(|()| Exit::Ok)
}

/// One rule that failed to read, with where it came from.
#[derive(Debug, PartialEq, Eq)]
pub struct BadRule {
    pub line: usize,
    pub message: String,
}

/// Every rule of a saved stream as operations, or every line that is not a rule. Blank lines
/// are skipped; `#` is not a comment, as in ipvsadm -R.
pub fn read_rules(input: &mut dyn BufRead) -> Result<Vec<Op>, ReadRulesError> {
    let names = SystemNames;
    let mut ops = Vec::new();
    let mut bad = Vec::new();
    let mut line = 0;
    loop {
        let words = match saved::read_rule_line(input) {
            Ok(Some(words)) => words,
            Ok(None) => break,
            Err(e) => return Err(ReadRulesError::Io(e)),
        };
        line += 1;
        if words.is_empty() {
            continue;
        }
        match saved::parse_rule(&words, &names) {
            Ok(op) => ops.push(op),
            Err(e) => bad.push(BadRule { line, message: e.0 }),
        }
    }
    if bad.is_empty() {
        Ok(ops)
    } else {
        Err(ReadRulesError::Bad(bad))
    }
}

#[derive(Debug)]
pub enum ReadRulesError {
    Io(io::Error),
    Bad(Vec<BadRule>),
}

#[derive(Serialize)]
struct DoneJson<'a> {
    event: &'static str,
    source: &'a str,
    ops: usize,
    applied: bool,
    dry_run: bool,
}

pub fn restore(a: &RestoreArgs) -> Result<Exit, CliError> {
    const WHAT: &str = "ipvs restore";
    let source = a
        .file
        .as_ref()
        .map_or_else(|| "<stdin>".to_string(), |p| p.display().to_string());
    let read = match &a.file {
        Some(path) => {
            let file = File::open(path)
                .map_err(|e| CliError::runtime(WHAT, format!("cannot read {source}: {e}")))?;
            read_rules(&mut BufReader::new(file))
        }
        None => read_rules(&mut io::stdin().lock()),
    };
    let mut ops = match read {
        Ok(ops) => ops,
        Err(ReadRulesError::Io(e)) => {
            return Err(CliError::runtime(
                WHAT,
                format!("cannot read {source}: {e}"),
            ))
        }
        Err(ReadRulesError::Bad(bad)) => {
            let mut err = io::stderr().lock();
            for b in &bad {
                // Best effort: the exit status tells what happened if stderr is gone.
                let _ = writeln!(err, "{source}:{}: {}", b.line, b.message);
            }
            return Err(CliError::new(
                Exit::Down,
                WHAT,
                format!(
                    "{} line(s) of {source} are not rules; nothing was changed",
                    bad.len()
                ),
            ));
        }
    };
    if a.clear {
        ops.insert(0, Op::Flush);
    }
    let steps: Vec<Step> = ops
        .into_iter()
        .map(|op| Step {
            op,
            changes: Vec::new(),
        })
        .collect();
    let mut out = io::stdout().lock();
    let mut say = |text: String| writeln!(out, "{text}").map_err(|e| CliError::runtime(WHAT, e));
    if a.json {
        for step in &steps {
            say(serde_json::to_string(&op_json(step)).map_err(|e| CliError::runtime(WHAT, e))?)?;
        }
    } else if a.dry_run {
        for step in &steps {
            say(step.line())?;
        }
    }
    let applied = if a.dry_run || steps.is_empty() {
        false
    } else {
        let mut ipvs = connect(WHAT)?;
        let ops: Vec<Op> = steps.iter().map(|s| s.op.clone()).collect();
        ipvs.apply(&ops)
            .map_err(|e| apply_error(WHAT, &e, &steps))?;
        true
    };
    if a.json {
        let done = DoneJson {
            event: "done",
            source: &source,
            ops: steps.len(),
            applied,
            dry_run: a.dry_run,
        };
        say(serde_json::to_string(&done).map_err(|e| CliError::runtime(WHAT, e))?)?;
    } else if !a.dry_run {
        say(format!("{} rule(s) from {source} applied", steps.len()))?;
    }
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Result<Vec<Op>, ReadRulesError> {
        read_rules(&mut io::Cursor::new(text.as_bytes().to_vec()))
    }

    #[test]
    fn saved_rules_read_as_operations() {
        let ops = rules(
            "-A -t 10.0.0.1:80 -s wrr\n\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 2\n-A -f 7 -s sh -b sh-fallback,sh-port\n",
        )
        .unwrap();
        assert_eq!(ops.len(), 3);
        assert!(matches!(&ops[0], Op::AddService(s) if s.scheduler == "wrr"));
        assert!(matches!(&ops[1], Op::AddDest(_, d) if d.weight == 2));
    }

    #[test]
    fn every_bad_line_is_named_and_nothing_is_kept() {
        let Err(ReadRulesError::Bad(bad)) =
            rules("-A -t 10.0.0.1:80 -s rr\n-A -t 10.0.0.1:80 -w 3\n-Ln\n-a -t x -r\n")
        else {
            panic!("bad rules were accepted");
        };
        assert_eq!(
            bad.iter().map(|b| b.line).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        assert_eq!(
            bad[0].message,
            "Illegal 'weight' option with the 'add-service' command"
        );
    }
}
