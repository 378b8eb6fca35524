//! The preprocessor: turns configuration files into logical lines, as keepalived 2.2.7's
//! `read_line` does (rules R1-R18 of the research note `lexer-spec.md`), with spans.
//!
//! Each logical line comes from the first source that has text: the residue of the previous
//! line's brace split, the innermost running `~SEQ`/`~LST`, the next line of a multiline
//! definition being expanded, or the next physical line of the current file. Then, in this
//! order: collection into a multiline definition, `@id` conditionals, `$NAME=` definitions,
//! `~SEQ`/`~LST`, `$` substitution (repeated while it changes the line), `include`, brace
//! splitting, tokenizing.
//!
//! Where keepalived's processes disagree (R33), ha reads the configuration as keepalived's VRRP
//! and checker processes do, since those set up VRRP and LVS, and warns. Where keepalived is
//! hazardous (cycles, runaway growth, crashes), ha reports an error instead. The common line
//! (printable ASCII without quotes, comments, escapes, `$`, `@` or `~`) takes a one-pass path
//! of its own (`plain.rs`) that gives the same result.

use std::collections::{HashMap, VecDeque};
use std::fs;
use std::path::PathBuf;
use std::rc::Rc;

mod plain;

use super::ast::{Item, Line, TreeBuilder};
use super::diag::{Diagnostic, Diagnostics, Severity};
use super::file_lines::{find_newline, FileLines, Line as FileLine, ReadError};
use super::lexer::{
    self, is_blank, is_name_char, is_name_start, Cols, Include, INCLUDE_B, INCLUDE_M, INCLUDE_R,
    INCLUDE_W, PROTECTED_CLOSE, PROTECTED_OPEN,
};
use super::loader::{self, GlobMatch, LoadOptions, MatchProblem};
use super::source::{FileId, Sources, Span};
use super::text::Text;

/// keepalived reads lines of at most this many bytes (R1).
pub const KEEPALIVED_LINE_MAX: usize = 1023;
/// ha's limit for one line, physical or after substitution.
pub const MAX_LINE: usize = 1 << 20;
/// Lines one line may generate through ~SEQ/~LST and multiline definitions.
pub const MAX_GENERATED_PER_LINE: usize = 100_000;
/// Bytes one line may generate that way.
const MAX_GENERATED_BYTES_PER_LINE: usize = 16 << 20;
/// Lines a whole configuration may generate that way.
pub const MAX_GENERATED_TOTAL: usize = 1_000_000;
/// Files open inside each other.
pub const MAX_INCLUDE_DEPTH: usize = 32;
/// Definitions expanded inside each other (one line, or multiline expansions).
pub const MAX_EXPANSION_DEPTH: usize = 64;
/// ~SEQ/~LST running inside each other.
pub const MAX_SEQ_NESTING: usize = 32;
/// Findings about references reported per line (the rest are counted in one note).
const MAX_LINE_FINDINGS: usize = 16;
/// Blocks open inside each other (keepalived's deepest is about 6).
pub const MAX_BLOCK_DEPTH: usize = 100;
/// Rounds of substitution on one line (each round must change it).
const MAX_ROUNDS: usize = 32;
/// Bytes of values inserted into one line, and substitutions made in it.
const MAX_SUBST_WORK: usize = 8 << 20;
const MAX_SUBSTITUTIONS: usize = 100_000;

/// A file the configuration starts with (keepalived's `-f`; several when it was a glob).
pub struct MainFile {
    pub file: FileId,
    pub dir: PathBuf,
    pub canonical: Option<PathBuf>,
    pub lossy: bool,
    /// The open file, when its text is not kept in `Sources` but read as a stream.
    pub stream: Option<FileLines>,
}

/// Logical lines are handed on in batches of this many, so a large configuration never
/// exists as one list of lines.
const BATCH: usize = 1024;

/// Runs the preprocessor over `mains` (already in `sources`) and their includes, and returns
/// every logical line.
pub fn run(
    sources: &mut Sources,
    diags: &mut Diagnostics,
    opts: &LoadOptions,
    mains: Vec<MainFile>,
) -> Vec<Line> {
    let mut pre = Pre::new(sources, diags, opts, mains, Output::Items(Vec::new()));
    pre.drive(&mut |_, _| {});
    match pre.output {
        Output::Items(items) => items.into_iter().map(Item::into_line).collect(),
        Output::Tree(_) => Vec::new(),
    }
}

/// [`run`], building `tree` as the lines are made; every so often (and at the end) `sink`
/// may take what is finished, and report findings of its own. Plain statements carry their
/// text only where a reader needs it (script keywords, see `plain.rs`). Included files are
/// read as streams (their text is not kept) when the main files are.
pub fn run_streaming(
    sources: &mut Sources,
    diags: &mut Diagnostics,
    opts: &LoadOptions,
    mains: Vec<MainFile>,
    tree: &mut TreeBuilder,
    sink: &mut dyn FnMut(&mut TreeBuilder, &mut Diagnostics),
) {
    Pre::new(sources, diags, opts, mains, Output::Tree(tree)).drive(sink);
}

/// Where the preprocessor's lines go.
enum Output<'a> {
    /// Kept as they are (tests, `preprocess_str`).
    Items(Vec<Item>),
    /// Into the tree at once.
    Tree(&'a mut TreeBuilder),
}

impl<'a> Pre<'a> {
    fn new(
        sources: &'a mut Sources,
        diags: &'a mut Diagnostics,
        opts: &LoadOptions,
        mains: Vec<MainFile>,
        output: Output<'a>,
    ) -> Self {
        let stream_files = mains.iter().any(|m| m.stream.is_some());
        let check = opts.initial_include_check();
        #[allow(unused_mut)]
        let mut pre = Pre {
            sources,
            diags,
            config_id: opts.effective_config_id(),
            include_check: check,
            initial_check: check,
            check_source: if opts.all_config {
                CheckSource::AllConfig
            } else {
                CheckSource::Keyword
            },
            mains: mains.into(),
            frames: Vec::new(),
            cur: Piece::empty(),
            residue: None,
            spare: String::new(),
            raw: String::new(),
            scratch: String::new(),
            scratch_removed: Vec::new(),
            seqs: Vec::new(),
            expansion: None,
            ml_stack: Vec::new(),
            ml_seq_depth: 0,
            collecting: None,
            defs: HashMap::new(),
            next_gen: 0,
            output,
            pending: 0,
            tree_diags: Diagnostics::new(),
            blocks: Vec::new(),
            dropped_opens: 0,
            last_is_global_defs: false,
            rng: seed(),
            generated_lines: 0,
            generated_bytes: 0,
            generated_total: 0,
            limit_per_line: MAX_GENERATED_PER_LINE,
            limit_total: MAX_GENERATED_TOTAL,
            undefined: Vec::new(),
            env_noted: false,
            muted: false,
            stream_files,
            words: Vec::new(),
        };
        #[cfg(test)]
        if let Some((per_line, total)) = tests::LIMITS.with(|l| l.get()) {
            pre.limit_per_line = per_line;
            pre.limit_total = total;
        }
        #[cfg(test)]
        if let Some(seed) = tests::SEED.with(|l| l.get()) {
            pre.rng = seed;
        }
        pre
    }

    fn drive(&mut self, sink: &mut dyn FnMut(&mut TreeBuilder, &mut Diagnostics)) {
        self.install_builtins();
        while self.fetch() {
            self.process();
            if self.pending >= BATCH {
                self.flush(sink);
            }
        }
        self.end_collect();
        self.flush(sink);
    }

    fn flush(&mut self, sink: &mut dyn FnMut(&mut TreeBuilder, &mut Diagnostics)) {
        self.pending = 0;
        // The tree's findings follow those of the lines handed on since the last flush, as
        // when the lines went to the tree in batches.
        let found = std::mem::take(&mut self.tree_diags);
        self.diags.extend(found.into_vec());
        if let Output::Tree(tree) = &mut self.output {
            sink(tree, self.diags);
        }
    }

    /// Hands on one piece of a logical line.
    fn push(&mut self, item: Item) {
        self.pending += 1;
        match &mut self.output {
            Output::Items(items) => items.push(item),
            Output::Tree(tree) => tree.item(item, &mut self.tree_diags),
        }
    }

    /// Hands on a statement without a block.
    fn push_statement(&mut self, node: super::ast::Node) {
        self.pending += 1;
        match &mut self.output {
            Output::Items(items) => items.push(Item::Statement(node)),
            Output::Tree(tree) => tree.statement(node),
        }
    }

    /// Whether plain statements keep their text (see `plain.rs`).
    fn all_text(&self) -> bool {
        matches!(self.output, Output::Items(_))
    }
}

fn seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (t ^ (u64::from(std::process::id()) << 32)) | 1
}

/// Where a piece of text was read: the physical line (its whole width is the span of
/// generated text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Origin {
    file: FileId,
    line: u32,
    width: u32,
}

impl Origin {
    fn whole(self) -> Span {
        Span::new(self.file, self.line, 1, self.width)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    File,
    Residue,
    Sequence,
    Expansion,
}

/// The text being processed, with where it came from.
struct Piece {
    text: String,
    at: Origin,
    /// Columns, while the text still stands where the source has it.
    cols: Option<Cols>,
    /// The multiline definitions this text comes from (innermost first).
    chain: Option<Rc<Chain>>,
    source: Source,
    /// The file line is itself an include line (keepalived's children never see it).
    raw_include: bool,
    /// A quote error was already reported for this line.
    quote_reported: bool,
}

impl Piece {
    fn empty() -> Self {
        Piece {
            text: String::new(),
            at: Origin {
                file: FileId(0),
                line: 0,
                width: 1,
            },
            cols: None,
            chain: None,
            source: Source::File,
            raw_include: false,
            quote_reported: false,
        }
    }
}

/// A list of (definition, generation) being expanded, for cycle detection.
struct Chain {
    name: Rc<str>,
    gen: u32,
    parent: Option<Rc<Chain>>,
    depth: usize,
}

fn chain_contains(chain: &Option<Rc<Chain>>, name: &str, gen: u32) -> bool {
    let mut at = chain.as_deref();
    while let Some(c) = at {
        if c.gen == gen && &*c.name == name {
            return true;
        }
        at = c.parent.as_deref();
    }
    false
}

fn chain_names(chain: &Option<Rc<Chain>>) -> Vec<String> {
    let mut v = Vec::new();
    let mut at = chain.as_deref();
    while let Some(c) = at {
        v.push(format!("${}", c.name));
        at = c.parent.as_deref();
    }
    v.reverse();
    v
}

#[derive(Debug, Clone)]
enum Value {
    Text(Rc<str>),
    Pwd,
    Instance,
    Random,
    Env,
}

#[derive(Debug, Clone)]
struct Def {
    name: Rc<str>,
    value: Value,
    multiline: bool,
    /// Changes at each (re)definition: a cycle is the same definition, not the same name.
    gen: u32,
}

struct Seq {
    vars: Vec<String>,
    kind: SeqKind,
    text: Rc<str>,
    at: Origin,
    chain: Option<Rc<Chain>>,
}

enum SeqKind {
    Range {
        next: i64,
        step: i64,
        last: i64,
        hex: bool,
    },
    List {
        sets: Vec<Vec<String>>,
        idx: usize,
    },
}

struct Expansion {
    value: Rc<str>,
    pos: usize,
    at: Origin,
    chain: Rc<Chain>,
}

struct Collect {
    name: String,
    value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CheckSource {
    AllConfig,
    Keyword,
}

struct IncludeCtx {
    span: Span,
    directive: &'static str,
    directive_flags: u8,
    /// include_check | directive flags.
    flags: u8,
    check_source: CheckSource,
    /// include_check when the include was read; restored after each of its files.
    saved_check: u8,
    base: PathBuf,
}

/// Where a file's lines come from.
enum Feed {
    /// Its text in `Sources`, from this byte on.
    Kept { pos: usize },
    /// The file itself; `lossy_at`: where the findings of the file start, until a line that
    /// is not UTF-8 is met (its warning goes there, as if the file were read first).
    Stream {
        lines: Box<FileLines>,
        lossy_at: Option<usize>,
    },
}

struct Frame {
    file: FileId,
    feed: Feed,
    line: u32,
    dir: PathBuf,
    canonical: Option<PathBuf>,
    pwd: Option<Rc<str>>,
    ctx: Option<Rc<IncludeCtx>>,
    rest: VecDeque<GlobMatch>,
    saved_check: u8,
}

struct Undefined {
    name: String,
    in_quotes: bool,
    braced: bool,
    span: Span,
}

struct Pre<'a> {
    sources: &'a mut Sources,
    diags: &'a mut Diagnostics,
    config_id: String,
    include_check: u8,
    initial_check: u8,
    check_source: CheckSource,
    mains: VecDeque<MainFile>,
    frames: Vec<Frame>,
    cur: Piece,
    residue: Option<Piece>,
    spare: String,
    raw: String,
    scratch: String,
    scratch_removed: Vec<u32>,
    seqs: Vec<Seq>,
    expansion: Option<Expansion>,
    ml_stack: Vec<(Expansion, usize)>,
    ml_seq_depth: usize,
    collecting: Option<Collect>,
    defs: HashMap<Box<str>, Def>,
    next_gen: u32,
    output: Output<'a>,
    /// Pieces handed on since the sink last ran, and the tree's findings about them.
    pending: usize,
    tree_diags: Diagnostics,
    /// For each open block: whether it is `global_defs` (for `include_check`).
    blocks: Vec<bool>,
    /// `{` dropped for nesting too deep, whose `}` are dropped too.
    dropped_opens: usize,
    last_is_global_defs: bool,
    rng: u64,
    generated_lines: usize,
    generated_bytes: usize,
    generated_total: usize,
    /// [`MAX_GENERATED_PER_LINE`] and [`MAX_GENERATED_TOTAL`] (smaller in some tests).
    limit_per_line: usize,
    limit_total: usize,
    undefined: Vec<Undefined>,
    env_noted: bool,
    /// Findings of the current substitution scan go to a throwaway list (over quota).
    muted: bool,
    /// Included files are read as streams, not kept.
    stream_files: bool,
    /// Scratch list of the plain path's words.
    words: Vec<(u32, u32)>,
}

/// What one round of substitution did.
struct Substituted {
    text: String,
    changed: bool,
    /// Bytes of `text` before this offset are where the source has them.
    exact_upto: usize,
}

/// A region of the line that came from a definition (cycle detection).
struct Region {
    base: usize,
    name: Rc<str>,
    gen: u32,
}

/// The state of one substitution scan: `out` is final, `rest` is what remains, reversed.
struct Scan {
    out: Vec<u8>,
    rest: Vec<u8>,
    /// Indices into `rest` (ascending) of braces that must not act as block delimiters.
    protect: Vec<usize>,
    regions: Vec<Region>,
    in_quotes: bool,
    changed: bool,
    exact_upto: usize,
    work: usize,
    count: usize,
    warned_long: bool,
    input_len: usize,
    /// (offset, characters before it, removed backslashes before it) of the last span.
    col_cache: (usize, usize, usize),
}

impl Scan {
    fn peek(&self, i: usize) -> Option<u8> {
        self.rest.len().checked_sub(i + 1).map(|j| self.rest[j])
    }

    /// Moves everything above index `stop` of `rest` to `out`.
    fn copy_down(&mut self, stop: usize) {
        for idx in (stop..self.rest.len()).rev() {
            let b = self.rest[idx];
            if self.protect.last() == Some(&idx) {
                self.protect.pop();
                let c = if b == b'{' {
                    PROTECTED_OPEN
                } else {
                    PROTECTED_CLOSE
                };
                if !self.changed {
                    self.exact_upto = self.exact_upto.min(self.out.len());
                }
                let mut buf = [0u8; 4];
                self.out
                    .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            } else {
                if b == b'"' {
                    self.in_quotes = !self.in_quotes;
                }
                self.out.push(b);
            }
        }
        self.rest.truncate(stop);
    }

    fn copy_one(&mut self) {
        let stop = self.rest.len().saturating_sub(1);
        self.copy_down(stop);
    }

    /// Keeps the brace at peek index `i` from acting as a block delimiter.
    fn protect(&mut self, i: usize) {
        let Some(idx) = self.rest.len().checked_sub(i + 1) else {
            return;
        };
        if !matches!(self.rest[idx], b'{' | b'}') {
            return;
        }
        match self.protect.binary_search(&idx) {
            Ok(_) => {}
            Err(pos) => self.protect.insert(pos, idx),
        }
    }

    /// Offset in the scanned input of the current position, while nothing was substituted.
    fn input_offset(&self) -> Option<usize> {
        (!self.changed).then(|| self.input_len - self.rest.len())
    }

    /// Replaces the `len` bytes at the top of `rest` with `value` (scanned again next).
    fn replace(
        &mut self,
        len: usize,
        value: &[u8],
        name: &Rc<str>,
        gen: u32,
    ) -> Result<(), String> {
        let base = self.rest.len().saturating_sub(len);
        self.rest.truncate(base);
        while self.protect.last().is_some_and(|&p| p >= base) {
            self.protect.pop();
        }
        while self.regions.last().is_some_and(|r| r.base > base) {
            self.regions.pop();
        }
        if let Some(pos) = self
            .regions
            .iter()
            .position(|r| r.gen == gen && *r.name == **name)
        {
            let mut names: Vec<String> = self.regions[pos..]
                .iter()
                .map(|r| format!("${}", r.name))
                .collect();
            names.push(format!("${name}"));
            return Err(format!(
                "`${name}` expands to itself ({}): keepalived 2.2.7 never finishes reading this line",
                names.join(" -> ")
            ));
        }
        if self.regions.len() >= MAX_EXPANSION_DEPTH {
            return Err(format!(
                "definitions nest more than {MAX_EXPANSION_DEPTH} deep here (at `${name}`)"
            ));
        }
        self.work += value.len() + 1;
        self.count += 1;
        if self.work > MAX_SUBST_WORK || self.count > MAX_SUBSTITUTIONS {
            return Err(format!(
                "substituting `${name}` does not settle: more than {MAX_SUBSTITUTIONS} substitutions or {} MiB inserted on this line",
                MAX_SUBST_WORK >> 20
            ));
        }
        if self.out.len() + base + value.len() > MAX_LINE {
            return Err(format!(
                "substituting `${name}` makes the line longer than {} MiB",
                MAX_LINE >> 20
            ));
        }
        self.rest.extend(value.iter().rev());
        self.regions.push(Region {
            base,
            name: name.clone(),
            gen,
        });
        if !self.changed {
            self.changed = true;
            self.exact_upto = self.exact_upto.min(self.out.len());
        }
        Ok(())
    }
}

/// The syntax of a `$` reference at the top of a [`Scan`] (peek index 0 is the `$`).
enum Ref {
    /// `$NAME`; `boundary`: followed by space, tab, `,`, `)` or the end.
    Plain {
        name_end: usize,
        boundary: bool,
        at_end: bool,
    },
    /// `${NAME tail}` with a tail of blanks, letters, digits and `_`.
    Braced {
        name_end: usize,
        close: usize,
        at_end: bool,
    },
    /// `${` that does not form a reference; `close`: the next `}` (not far away).
    BadBrace {
        close: Option<usize>,
    },
    NotAReference,
}

fn parse_ref(s: &Scan) -> Ref {
    match s.peek(1) {
        Some(b'{') => {
            if !s.peek(2).is_some_and(is_name_start) {
                return bad_brace(s);
            }
            let mut n = 3;
            while s.peek(n).is_some_and(is_name_char) {
                n += 1;
            }
            let mut m = n;
            while s
                .peek(m)
                .is_some_and(|c| c == b' ' || c == b'\t' || is_name_char(c))
            {
                m += 1;
            }
            if s.peek(m) == Some(b'}') {
                Ref::Braced {
                    name_end: n,
                    close: m,
                    at_end: s.peek(m + 1).is_none(),
                }
            } else {
                bad_brace(s)
            }
        }
        Some(c) if is_name_start(c) => {
            let mut n = 2;
            while s.peek(n).is_some_and(is_name_char) {
                n += 1;
            }
            let next = s.peek(n);
            Ref::Plain {
                name_end: n,
                boundary: matches!(next, None | Some(b' ' | b'\t' | b',' | b')')),
                at_end: next.is_none(),
            }
        }
        _ => Ref::NotAReference,
    }
}

fn bad_brace(s: &Scan) -> Ref {
    let close = (2..258).find(|&i| matches!(s.peek(i), Some(b'}') | None));
    Ref::BadBrace {
        close: close.filter(|&i| s.peek(i).is_some()),
    }
}

fn name_at(s: &Scan, from: usize, to: usize) -> String {
    (from..to)
        .filter_map(|i| s.peek(i))
        .map(char::from)
        .collect()
}

fn skip_blanks(b: &[u8], mut p: usize) -> usize {
    while p < b.len() && is_blank(b[p]) {
        p += 1;
    }
    p
}

fn trim_end_blanks(b: &[u8], mut end: usize) -> usize {
    while end > 0 && is_blank(b[end - 1]) {
        end -= 1;
    }
    end
}

/// C's `strtol(s + from, &end, 0)`: blanks, sign, `0x` hex, `0` octal; no digits gives
/// 0 and `from`; overflow clamps.
fn strtol(s: &[u8], from: usize) -> (i64, usize) {
    let mut i = from;
    while i < s.len() && lexer::is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let (radix, start) = if s.get(i) == Some(&b'0')
        && matches!(s.get(i + 1), Some(b'x' | b'X'))
        && s.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit())
    {
        (16u32, i + 2)
    } else if s.get(i) == Some(&b'0') {
        (8, i)
    } else {
        (10, i)
    };
    let mut j = start;
    let mut v: i128 = 0;
    while let Some(d) = s.get(j).and_then(|&c| (c as char).to_digit(radix)) {
        v = (v * i128::from(radix) + i128::from(d)).min(i128::from(u64::MAX));
        j += 1;
    }
    if j == start {
        return (0, from);
    }
    let v = if neg { -v } else { v };
    (
        v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
        j,
    )
}

/// keepalived's ~SEQ/~LST failures: an extra message, or only "Invalid ~SEQ specification".
enum SeqError {
    Message(String),
    Reported,
}

impl Pre<'_> {
    fn install_builtins(&mut self) {
        let builtins = [
            ("_PWD", Value::Pwd),
            ("_INSTANCE", Value::Instance),
            ("_RANDOM", Value::Random),
            ("_ENV", Value::Env),
            ("_HASH", Value::Text(Rc::from("#"))),
            ("_BANG", Value::Text(Rc::from("!"))),
        ];
        for (name, value) in builtins {
            self.define(name, value, false);
        }
    }

    fn define(&mut self, name: &str, value: Value, multiline: bool) {
        let gen = self.next_gen;
        self.next_gen = self.next_gen.wrapping_add(1);
        let name: Rc<str> = Rc::from(name);
        self.defs.insert(
            Box::from(&*name),
            Def {
                name,
                value,
                multiline,
                gen,
            },
        );
    }

    // ---- sources -------------------------------------------------------------------

    /// Puts the next raw text into `cur`; false when everything has been read.
    fn fetch(&mut self) -> bool {
        if let Some(r) = self.residue.take() {
            let old = std::mem::replace(&mut self.cur, r);
            self.spare = old.text;
            return true;
        }
        if !self.seqs.is_empty()
            && (self.seqs.len() > self.ml_seq_depth || self.expansion.is_none())
        {
            self.next_from_seq();
            return true;
        }
        if self.expansion.is_some() {
            self.next_from_expansion();
            return true;
        }
        self.next_from_file()
    }

    fn generated(&mut self, bytes: usize) {
        self.generated_lines += 1;
        self.generated_bytes += bytes;
        self.generated_total += 1;
        let over = if self.generated_lines > self.limit_per_line {
            Some(format!(
                "this line generates more than {} lines (through ~SEQ, ~LST or multiline definitions)",
                self.limit_per_line
            ))
        } else if self.generated_bytes > MAX_GENERATED_BYTES_PER_LINE {
            Some(format!(
                "this line generates more than {} MiB of text (through ~SEQ, ~LST or multiline definitions)",
                MAX_GENERATED_BYTES_PER_LINE >> 20
            ))
        } else if self.generated_total > self.limit_total {
            Some(format!(
                "the configuration generates more than {} lines through ~SEQ, ~LST or multiline definitions",
                self.limit_total
            ))
        } else {
            None
        };
        if let Some(msg) = over {
            self.diags
                .error(self.cur.at.whole(), msg)
                .hint("the rest of what it generates is dropped");
            self.seqs.clear();
            self.expansion = None;
            self.ml_stack.clear();
            self.ml_seq_depth = 0;
            self.cur.text.clear();
            self.generated_lines = 0;
            self.generated_bytes = 0;
        }
    }

    fn next_from_seq(&mut self) {
        let n = self.seqs.len() - 1;
        let mut assignments: Vec<(String, String)> = Vec::new();
        let done = {
            let seq = &mut self.seqs[n];
            match &mut seq.kind {
                SeqKind::Range {
                    next,
                    step,
                    last,
                    hex,
                } => {
                    let v = *next;
                    let text = if *hex {
                        format!("{:x}", v as u64)
                    } else {
                        v.to_string()
                    };
                    assignments.push((seq.vars[0].clone(), text));
                    match v.checked_add(*step) {
                        Some(nx) => {
                            *next = nx;
                            (*step > 0 && nx > *last) || (*step < 0 && nx < *last)
                        }
                        None => true,
                    }
                }
                SeqKind::List { sets, idx } => {
                    if let Some(set) = sets.get(*idx) {
                        for (var, val) in seq.vars.iter().zip(set) {
                            assignments.push((var.clone(), val.clone()));
                        }
                    }
                    *idx += 1;
                    *idx >= sets.len()
                }
            }
        };
        for (var, val) in assignments {
            self.define(&var, Value::Text(Rc::from(val)), false);
        }
        let seq = &self.seqs[n];
        self.cur.text.clear();
        self.cur.text.push_str(&seq.text);
        self.cur.at = seq.at;
        self.cur.cols = None;
        self.cur.chain = seq.chain.clone();
        self.cur.source = Source::Sequence;
        self.cur.raw_include = false;
        self.cur.quote_reported = false;
        if done {
            self.seqs.pop();
        }
        let len = self.cur.text.len();
        self.generated(len);
    }

    fn next_from_expansion(&mut self) {
        let Some(exp) = self.expansion.as_mut() else {
            return;
        };
        let rest = &exp.value[exp.pos.min(exp.value.len())..];
        let last = match rest.find('\n') {
            Some(i) => {
                self.cur.text.clear();
                self.cur.text.push_str(&rest[..i]);
                exp.pos += i + 1;
                false
            }
            None => {
                self.cur.text.clear();
                self.cur.text.push_str(rest);
                true
            }
        };
        self.cur.at = exp.at;
        self.cur.chain = Some(exp.chain.clone());
        self.cur.cols = None;
        self.cur.source = Source::Expansion;
        self.cur.raw_include = false;
        self.cur.quote_reported = false;
        if last {
            match self.ml_stack.pop() {
                Some((e, depth)) => {
                    self.expansion = Some(e);
                    self.ml_seq_depth = depth;
                }
                None => {
                    self.expansion = None;
                    self.ml_seq_depth = 0;
                }
            }
        }
        let len = self.cur.text.len();
        self.generated(len);
    }

    fn start_main(&mut self, m: MainFile) {
        if m.lossy {
            self.lossy_warning(m.file);
        }
        let feed = match m.stream {
            Some(lines) => Feed::Stream {
                lines: Box::new(lines),
                lossy_at: Some(self.diags.len()),
            },
            None => Feed::Kept { pos: 0 },
        };
        self.frames.push(Frame {
            file: m.file,
            feed,
            line: 0,
            dir: m.dir,
            canonical: m.canonical,
            pwd: None,
            ctx: None,
            rest: VecDeque::new(),
            saved_check: self.initial_check,
        });
    }

    fn lossy_warning(&mut self, file: FileId) {
        let d = self.lossy_finding(file);
        self.diags.push(d);
    }

    fn lossy_finding(&self, file: FileId) -> Diagnostic {
        let path = self.sources.path(file);
        let mut d = Diagnostic::new(
            Severity::Warning,
            Some(Span::new(file, 1, 1, 1)),
            format!("`{path}` is not valid UTF-8: its invalid bytes are read as U+FFFD"),
        );
        d.hint("keepalived reads the bytes as they are; save the file as UTF-8");
        d
    }

    /// A streamed file could not be read to its end: what was read stands.
    fn read_failed(&mut self, file: FileId, ctx: Option<Rc<IncludeCtx>>, e: ReadError) {
        let why = match e {
            ReadError::Io(e) => loader::describe_io(&e),
            ReadError::TooLarge(n) => MatchProblem::TooLarge(n).describe(),
        };
        let path = self.sources.path(file);
        match ctx {
            Some(ctx) => self.include_finding(
                INCLUDE_R,
                &ctx,
                format!("cannot read `{path}` to its end: {why}; the rest of it is skipped"),
            ),
            None => self.diags.push(Diagnostic::new(
                Severity::Error,
                None,
                format!(
                    "cannot read the configuration file `{path}` to its end: {why}; the rest of it is skipped"
                ),
            )),
        }
    }

    fn end_frame(&mut self) {
        let Some(f) = self.frames.pop() else {
            return;
        };
        self.include_check = f.saved_check;
        if let Some(ctx) = f.ctx {
            if !f.rest.is_empty() {
                self.open_next(ctx, f.rest);
            }
        }
    }

    fn next_from_file(&mut self) -> bool {
        loop {
            let Some(frame) = self.frames.last_mut() else {
                match self.mains.pop_front() {
                    Some(m) => {
                        self.start_main(m);
                        continue;
                    }
                    None => return false,
                }
            };
            self.raw.clear();
            let mut lossy = false;
            match &mut frame.feed {
                Feed::Kept { pos } => {
                    let Some(src) = self.sources.file(frame.file) else {
                        self.end_frame();
                        continue;
                    };
                    let text = src.text.as_str();
                    let start = *pos;
                    if start >= text.len() {
                        self.end_frame();
                        continue;
                    }
                    let end =
                        find_newline(&text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
                    *pos = if end < text.len() { end + 1 } else { end };
                    self.raw.push_str(&text[start..end]);
                }
                Feed::Stream { lines, lossy_at } => match lines.next_line() {
                    Ok(Some(FileLine::Text(line))) => self.raw.push_str(line),
                    Ok(Some(FileLine::Bytes(bytes))) => match std::str::from_utf8(bytes) {
                        Ok(line) => self.raw.push_str(line),
                        Err(_) => {
                            self.raw.push_str(&String::from_utf8_lossy(bytes));
                            lossy = lossy_at.is_some();
                        }
                    },
                    Ok(None) => {
                        self.end_frame();
                        continue;
                    }
                    Err(e) => {
                        let (file, ctx) = (frame.file, frame.ctx.clone());
                        self.read_failed(file, ctx, e);
                        self.end_frame();
                        continue;
                    }
                },
            }
            frame.line += 1;
            let at_line = frame.line;
            let file = frame.file;
            let lossy_at = match &mut frame.feed {
                Feed::Stream { lossy_at, .. } if lossy => lossy_at.take(),
                _ => None,
            };
            if let Some(at) = lossy_at {
                let d = self.lossy_finding(file);
                self.diags.insert(at, d);
            }
            let kept = self.raw.trim_end_matches(['\r', '\n']).len();
            self.raw.truncate(kept);
            self.generated_lines = 0;
            self.generated_bytes = 0;
            if self.raw.is_empty() {
                // An empty line ends a multiline definition (R3, R12).
                self.end_collect();
                continue;
            }
            let raw = std::mem::take(&mut self.raw);
            // The common line takes a path of its own; it leaves `cur` empty.
            let plain = self.collecting.is_none();
            #[cfg(test)]
            let plain = plain && !tests::GENERAL_ONLY.with(|g| g.get());
            let ready = if plain && self.plain_line(&raw, file, at_line) {
                true
            } else {
                let width = if raw.is_ascii() {
                    raw.len()
                } else {
                    raw.chars().count()
                };
                let at = Origin {
                    file,
                    line: at_line,
                    width: u32::try_from(width).unwrap_or(u32::MAX),
                };
                self.file_line(&raw, at)
            };
            self.raw = raw;
            if ready {
                return true;
            }
        }
    }

    /// Decomments a physical line into `cur`; false when nothing is left of it.
    fn file_line(&mut self, raw: &str, at: Origin) -> bool {
        let whole = at.whole();
        if raw.len() > MAX_LINE {
            self.diags
                .error(
                    whole,
                    format!(
                        "this line is {} bytes long, more than the {} MiB ha reads; it is ignored",
                        raw.len(),
                        MAX_LINE >> 20
                    ),
                )
                .hint("keepalived would read it in pieces of 1023 bytes, each as a line");
            self.end_collect();
            return false;
        }
        if raw.len() > KEEPALIVED_LINE_MAX {
            self.diags
                .warning(
                    whole,
                    format!(
                        "this line is {} bytes long: keepalived 2.2.7 would split it",
                        raw.len()
                    ),
                )
                .hint("keepalived reads at most 1023 bytes as one line and the rest as the following line(s); ha reads the whole line");
        }
        let mut line = raw;
        if let Some(z) = line.find('\0') {
            self.diags
                .warning(
                    whole,
                    "a NUL byte: keepalived ignores the rest of this line, and so does ha",
                )
                .hint("remove the NUL byte");
            line = &line[..z];
        }
        let mut col0 = 1u32;
        if at.line == 1 && line.starts_with('\u{feff}') {
            self.diags
                .warning(Span::new(at.file, 1, 1, 1), "the file starts with a byte-order mark")
                .hint("keepalived 2.2.7 reads the mark as part of the first word (an unknown keyword); ha ignores it. Save the file without a BOM");
            line = &line[3..];
            col0 = 2;
        }
        let replaced;
        if !line.is_ascii() && line.contains([PROTECTED_OPEN, PROTECTED_CLOSE]) {
            self.diags.warning(
                whole,
                "the noncharacters U+FDD0/U+FDD1 are read as U+FFFD (ha uses them internally)",
            );
            replaced = line.replace([PROTECTED_OPEN, PROTECTED_CLOSE], "\u{fffd}");
            line = &replaced;
        }
        let protect = line.as_bytes().contains(&b'\'') && lexer::is_script_line(line);
        let mut removed = self.cur.cols.take().map(|c| c.removed).unwrap_or_default();
        let d = lexer::decomment(line, protect, &mut self.cur.text, &mut removed);
        col0 += d.lead as u32;
        let mut exact = true;
        if d.escapes
            && !self.cur.text.is_empty()
            && lexer::include_directive(&self.cur.text).is_none()
        {
            // keepalived's VRRP and checker processes read a copy of the decommented line
            // and decomment it again: `\#` and `\!` then start a comment.
            lexer::decomment(
                &self.cur.text,
                protect,
                &mut self.scratch,
                &mut self.scratch_removed,
            );
            if self.scratch != self.cur.text {
                let first = removed.first().copied().unwrap_or(0) as usize;
                let cols = Cols {
                    col0,
                    removed: removed.clone(),
                    exact_upto: usize::MAX,
                };
                let col = cols.col_at(&self.cur.text, first).saturating_sub(1).max(1);
                let ch = self.cur.text[first..].chars().next().unwrap_or('#');
                let span = Span::new(at.file, at.line, col, 2);
                let at_start = first == 0;
                let d = self.diags.warning(
                    span,
                    format!(
                        "keepalived 2.2.7's VRRP and checker processes read `\\{ch}` as the start of a comment"
                    ),
                );
                let mut hint = format!(
                    "keepalived's parent process reads a literal `{ch}` here, but the VRRP and checker processes, which set up VRRP and LVS, read the line again and cut it there; ha does the same. To keep the `{ch}`, put the word in double quotes"
                );
                if at_start && ch == '!' {
                    hint.push_str(" (a line starting with `\\!` crashes those processes)");
                } else if at_start {
                    hint.push_str(" (those processes drop a line starting with `\\#`)");
                }
                d.hint(hint);
                if !self.scratch_removed.is_empty() {
                    exact = false;
                }
                std::mem::swap(&mut self.cur.text, &mut self.scratch);
                let len = self.cur.text.len();
                removed.retain(|&r| (r as usize) < len);
            }
        }
        if let Some(g) = d.glued_comment {
            let mark = char::from(line.as_bytes()[g]);
            let after: String = line[g + 1..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            // Only a keyword-like word (`script.sh!misc_dynamic`) is worth a warning: a comment
            // glued to a value (`3#five`) is a comment as meant.
            if after.contains('_')
                && after
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
            {
                let col = col0 - d.lead as u32 + line[..g].chars().count() as u32;
                self.diags
                    .warning(
                        Span::new(at.file, at.line, col, 1 + after.chars().count() as u32),
                        format!("`{mark}` starts a comment, so `{after}` here is not read"),
                    )
                    .hint(format!("put `{after}` on a line of its own"));
            }
        }
        if d.kept_in_single_quotes {
            self.diags
                .warning(
                    whole,
                    "keepalived 2.2.7 reads `#` or `!` inside single quotes as the start of a comment",
                )
                .hint("ha keeps the quoted text of this command; keepalived cuts the line there and then drops the script (notify scripts) or crashes (`script`, `misc_path`). Use double quotes to be read the same by both");
        }
        if self.cur.text.is_empty() {
            if let Some(c) = &self.collecting {
                let name = c.name.clone();
                self.diags
                    .warning(
                        whole,
                        format!("this blank or comment line ends the multiline definition `${name}`"),
                    )
                    .hint("keepalived's parent process skips such lines inside a multiline definition, but its VRRP and checker processes end the definition here; ha does the same. Remove the line, or put a line with just `\\` instead");
                self.end_collect();
            }
            return false;
        }
        let include = lexer::include_directive(&self.cur.text).is_some();
        if include {
            if let Some(c) = &self.collecting {
                let name = c.name.clone();
                self.diags
                    .error(
                        whole,
                        format!("`include` inside the multiline definition `${name}`"),
                    )
                    .hint("keepalived's processes disagree on it (the parent includes the file where the definition is used, the VRRP and checker processes end the definition here); ha ends the definition and ignores this include");
                self.end_collect();
                return false;
            }
        }
        if let Some(q) = d.unterminated_quote {
            let col = col0 - d.lead as u32 + line.get(..q).map_or(q, |s| s.chars().count()) as u32;
            self.diags
                .error(
                    Span::new(at.file, at.line, col, 1),
                    "this `\"` is never closed",
                )
                .hint("add the closing `\"` on the same line (keepalived reports an unterminated quote and keeps the words before it)");
        }
        self.cur.at = at;
        self.cur.cols = exact.then_some(Cols {
            col0,
            removed,
            exact_upto: usize::MAX,
        });
        self.cur.chain = None;
        self.cur.source = Source::File;
        self.cur.raw_include = include;
        self.cur.quote_reported = d.unterminated_quote.is_some();
        true
    }

    // ---- one piece -------------------------------------------------------------------

    fn process(&mut self) {
        if self.collecting.is_some() {
            self.collect_piece();
            return;
        }
        if self.cur.text.is_empty() {
            return;
        }
        let mut len_tracked = self.cur.text.len();
        let mut substituted = false;
        let mut rounds = 0;
        loop {
            if self.cur.text.starts_with('@') && !self.conditional(substituted, &mut len_tracked) {
                self.report_undefined();
                return;
            }
            if self.cur.text.starts_with('$') && self.definition() {
                self.report_undefined();
                return;
            }
            if self.cur.text.starts_with("~SEQ") || self.cur.text.starts_with("~LST") {
                self.sequence();
                self.report_undefined();
                return;
            }
            if self.cur.text.starts_with('~') || !self.cur.text.contains('$') {
                break;
            }
            let text = std::mem::take(&mut self.cur.text);
            let known = self.undefined.len();
            let result = self.substitute(&text, true);
            if rounds > 0 {
                // References that only appear after a round (`$$A`) were not written as such.
                self.undefined.truncate(known);
            }
            self.cur.text = text;
            let Some(s) = result else {
                self.report_undefined();
                return;
            };
            if let Some(c) = &mut self.cur.cols {
                c.exact_upto = c.exact_upto.min(s.exact_upto);
            }
            self.cur.text = s.text;
            if !s.changed {
                break;
            }
            substituted = true;
            self.redecomment();
            rounds += 1;
            if !(self.cur.text.starts_with('@') || self.cur.text.contains('$')) {
                break;
            }
            if rounds >= MAX_ROUNDS {
                self.diags
                    .error(
                        self.cur.at.whole(),
                        format!(
                            "substitution on this line does not settle after {MAX_ROUNDS} rounds"
                        ),
                    )
                    .hint("each round's result produced new `$` references or `@` conditionals");
                self.report_undefined();
                return;
            }
        }
        self.report_undefined();
        if self.cur.text.is_empty() {
            return;
        }
        if let Some(inc) = lexer::include_directive(&self.cur.text) {
            self.include(inc);
            return;
        }
        self.split_and_emit();
    }

    /// R12: a line of a multiline definition being collected.
    fn collect_piece(&mut self) {
        let t = &self.cur.text;
        let Some(c) = self.collecting.as_mut() else {
            return;
        };
        if let Some(body) = t.strip_suffix('\\') {
            let body = body.trim_end_matches([' ', '\t']);
            if !body.is_empty() {
                c.value.push_str(body);
                c.value.push('\n');
            }
            if c.value.len() > MAX_LINE * 16 {
                self.diags.error(
                    self.cur.at.whole(),
                    format!(
                        "the multiline definition `${}` is longer than {} MiB",
                        c.name,
                        (MAX_LINE * 16) >> 20
                    ),
                );
                self.collecting = None;
            }
        } else {
            c.value.push_str(t);
            self.end_collect();
        }
    }

    fn end_collect(&mut self) {
        if let Some(c) = self.collecting.take() {
            let multiline = !c.value.is_empty();
            self.define(&c.name, Value::Text(Rc::from(c.value)), multiline);
        }
    }

    /// R9: `@id` / `@^id`; false when the line is dropped.
    fn conditional(&mut self, substituted: bool, len_tracked: &mut usize) -> bool {
        let t = self.cur.text.as_bytes();
        let (negated, ofs) = if t.get(1) == Some(&b'^') {
            (true, 2)
        } else {
            (false, 1)
        };
        let Some(blank) = t[ofs..].iter().position(|&c| is_blank(c)) else {
            self.cur.text.clear();
            return false;
        };
        let id = &t[ofs..ofs + blank];
        if (id == self.config_id.as_bytes()) == negated {
            self.cur.text.clear();
            return false;
        }
        let cut = skip_blanks(t, ofs + blank);
        if substituted && self.cur.text.len() > *len_tracked {
            self.diags
                .warning(
                    self.cur.at.whole(),
                    "keepalived 2.2.7 garbles this line: its `@id` conditional comes from a substitution that made the line longer",
                )
                .hint("keepalived removes the prefix using the line's length from before the substitution, so the end of the line is cut off and old text is left behind; ha reads the line as written. Put the `@id` itself at the start of the line");
        }
        *len_tracked = len_tracked.saturating_sub(cut);
        if let Some(c) = &mut self.cur.cols {
            c.advance(&self.cur.text, cut);
        }
        self.cur.text.drain(..cut);
        true
    }

    /// R10: `$NAME=value`; true when the line was a definition.
    fn definition(&mut self) -> bool {
        let b = self.cur.text.as_bytes();
        if b.len() < 2 || !is_name_start(b[1]) {
            return false;
        }
        let mut i = 2;
        while i < b.len() && is_name_char(b[i]) {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            return false;
        }
        let name = self.cur.text[1..i].to_string();
        let v = skip_blanks(b, i + 1);
        let value = &self.cur.text[v..];
        if let Some(body) = value.strip_suffix('\\') {
            let body = body.trim_end_matches([' ', '\t']);
            let mut value = String::new();
            if !body.is_empty() {
                value.push_str(body);
                value.push('\n');
            }
            self.collecting = Some(Collect { name, value });
        } else {
            let value = Value::Text(Rc::from(value));
            self.define(&name, value, false);
        }
        true
    }

    fn redecomment(&mut self) {
        let protect = self.cur.text.contains('\'') && lexer::is_script_line(&self.cur.text);
        let d = lexer::decomment(
            &self.cur.text,
            protect,
            &mut self.scratch,
            &mut self.scratch_removed,
        );
        if let Some(c) = &mut self.cur.cols {
            if d.lead > 0 || !self.scratch_removed.is_empty() {
                c.exact_upto = 0;
            } else {
                c.exact_upto = c.exact_upto.min(self.scratch.len());
            }
        }
        std::mem::swap(&mut self.cur.text, &mut self.scratch);
    }

    /// The span of bytes `start..end` of the current text.
    fn span_in_cur(&self, start: usize, end: usize) -> Span {
        match &self.cur.cols {
            Some(c) if end <= c.exact_upto && end <= self.cur.text.len() => {
                let a = c.col_at(&self.cur.text, start);
                let z = c.col_at(&self.cur.text, end);
                Span::new(self.cur.at.file, self.cur.at.line, a, z.saturating_sub(a))
            }
            _ => self.cur.at.whole(),
        }
    }

    // ---- substitution ----------------------------------------------------------------

    /// R11 on `text`: one scan, recursive at the same position. None when the line is
    /// dropped (an error was reported).
    fn substitute(&mut self, text: &str, allow_multiline: bool) -> Option<Substituted> {
        let base = self.diags.len();
        let undefined = self.undefined.len();
        let mut muted = Diagnostics::new();
        let result = self.substitute_scan(text, allow_multiline, base, &mut muted);
        if self.muted {
            // Put the real findings back; drop the ones past the quota.
            std::mem::swap(self.diags, &mut muted);
            self.muted = false;
            self.diags.note(
                self.cur.at.whole(),
                "further findings about references on this line are not shown",
            );
        }
        self.undefined.truncate(undefined + MAX_LINE_FINDINGS);
        result
    }

    fn substitute_scan(
        &mut self,
        text: &str,
        allow_multiline: bool,
        base: usize,
        muted: &mut Diagnostics,
    ) -> Option<Substituted> {
        let mut s = Scan {
            out: Vec::with_capacity(text.len() + 16),
            rest: text.bytes().rev().collect(),
            protect: Vec::new(),
            regions: Vec::new(),
            in_quotes: false,
            changed: false,
            exact_upto: usize::MAX,
            work: 0,
            count: 0,
            warned_long: false,
            input_len: text.len(),
            col_cache: (0, 0, 0),
        };
        let mut line_chain = self.cur.chain.clone();
        loop {
            let k = s.rest.iter().rposition(|&c| c == b'$');
            s.copy_down(k.map_or(0, |k| k + 1));
            if k.is_none() {
                break;
            }
            if s.rest.len() == 1 {
                s.copy_one();
                break;
            }
            if !self.muted && self.diags.len() >= base + MAX_LINE_FINDINGS {
                std::mem::swap(self.diags, muted);
                self.muted = true;
            }
            let span = self.ref_span(text, &mut s);
            let outcome = match parse_ref(&s) {
                Ref::NotAReference => {
                    s.copy_one();
                    continue;
                }
                Ref::BadBrace { close } => {
                    if !s.in_quotes {
                        self.diags
                            .error(span, "`${` that is not a variable reference")
                            .hint("a reference is `${NAME}` (letters, digits, `_`); keepalived leaves this text as it is and reads its braces as block delimiters. ha does not let them open or close a block");
                    }
                    s.protect(1);
                    if let Some(c) = close {
                        s.protect(c);
                    }
                    s.copy_one();
                    continue;
                }
                Ref::Plain {
                    name_end,
                    boundary,
                    at_end,
                } => {
                    let name = name_at(&s, 1, name_end);
                    self.plain_ref(
                        &mut s,
                        &name,
                        name_end,
                        boundary,
                        at_end,
                        span,
                        allow_multiline,
                    )
                }
                Ref::Braced {
                    name_end,
                    close,
                    at_end,
                } => {
                    let name = name_at(&s, 2, name_end);
                    let tail: Vec<u8> = (name_end..close).filter_map(|i| s.peek(i)).collect();
                    self.braced_ref(&mut s, &name, &tail, close, at_end, span, allow_multiline)
                }
            };
            match outcome {
                RefOutcome::Literal => s.copy_one(),
                RefOutcome::Value(def, value, len) => {
                    if let Err(e) = s.replace(len, value.as_bytes(), &def.name, def.gen) {
                        self.diags
                            .error(self.cur.at.whole(), e)
                            .hint("ha drops this line");
                        return None;
                    }
                    self.after_replace(&mut s);
                    if value.trim_start_matches([' ', '\t']).starts_with('~') {
                        // R11's stop rule: the rest is left for the ~SEQ/~LST.
                        s.copy_down(0);
                        break;
                    }
                }
                RefOutcome::Multiline(def, len) => {
                    if chain_contains(&line_chain, &def.name, def.gen) {
                        let mut names = chain_names(&line_chain);
                        names.push(format!("${}", def.name));
                        self.diags
                            .error(
                                span,
                                format!(
                                    "the multiline definition `${}` is used inside itself ({})",
                                    def.name,
                                    names.join(" -> ")
                                ),
                            )
                            .hint("keepalived 2.2.7 would expand it forever; ha leaves the reference as it is");
                        s.copy_one();
                        continue;
                    }
                    let depth = line_chain.as_ref().map_or(0, |c| c.depth) + 1;
                    if depth > MAX_EXPANSION_DEPTH || self.ml_stack.len() >= MAX_EXPANSION_DEPTH {
                        self.diags.error(
                            span,
                            format!(
                                "multiline definitions nest more than {MAX_EXPANSION_DEPTH} deep here (at `${}`)",
                                def.name
                            ),
                        );
                        return None;
                    }
                    let Value::Text(value) = &def.value else {
                        s.copy_one();
                        continue;
                    };
                    let value = value.clone();
                    let (first, remainder) = match value.find('\n') {
                        Some(i) => (&value[..i], Some(i + 1)),
                        None => (&value[..], None),
                    };
                    if let Err(e) = s.replace(len, first.as_bytes(), &def.name, def.gen) {
                        self.diags
                            .error(self.cur.at.whole(), e)
                            .hint("ha drops this line");
                        return None;
                    }
                    self.after_replace(&mut s);
                    let chain = Rc::new(Chain {
                        name: def.name.clone(),
                        gen: def.gen,
                        parent: line_chain.clone(),
                        depth,
                    });
                    line_chain = Some(chain.clone());
                    if let Some(pos) = remainder {
                        if let Some(e) = self.expansion.take() {
                            self.ml_stack.push((e, self.ml_seq_depth));
                        }
                        self.ml_seq_depth = self.seqs.len();
                        self.expansion = Some(Expansion {
                            value: value.clone(),
                            pos,
                            at: self.cur.at,
                            chain,
                        });
                    }
                }
            }
        }
        let text = String::from_utf8(s.out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Some(Substituted {
            text,
            changed: s.changed,
            exact_upto: s.exact_upto,
        })
    }

    fn after_replace(&mut self, s: &mut Scan) {
        if !s.warned_long && s.out.len() + s.rest.len() > KEEPALIVED_LINE_MAX {
            s.warned_long = true;
            self.diags
                .warning(
                    self.cur.at.whole(),
                    "keepalived 2.2.7 stops substituting when a line would reach 1024 characters",
                )
                .hint(
                    "keepalived then reads this line partly substituted; ha substitutes all of it",
                );
        }
    }

    /// The span of the reference at the top of the scan (exact while nothing changed).
    /// Offsets only grow during a scan, so the column is counted on from the last one.
    fn ref_span(&self, text: &str, s: &mut Scan) -> Span {
        match (s.input_offset(), &self.cur.cols) {
            (Some(off), Some(c)) if off < c.exact_upto && off < text.len() => {
                let b = text.as_bytes();
                let mut len = 1 + b[off + 1..]
                    .iter()
                    .take_while(|&&x| x == b'{' || is_name_char(x))
                    .count();
                if b.get(off + len) == Some(&b'}') {
                    len += 1;
                }
                let (at, chars, ri) = s.col_cache;
                let chars = chars + text.get(at..off).map_or(off - at, |t| t.chars().count());
                let mut ri = ri;
                while ri < c.removed.len() && c.removed[ri] as usize <= off {
                    ri += 1;
                }
                s.col_cache = (off, chars, ri);
                let col = c
                    .col0
                    .saturating_add(chars as u32)
                    .saturating_add(ri as u32);
                Span::new(self.cur.at.file, self.cur.at.line, col, len as u32)
            }
            _ => self.cur.at.whole(),
        }
    }

    fn note_undefined(&mut self, name: &str, in_quotes: bool, braced: bool, span: Span) {
        if self.undefined.iter().any(|u| u.name == name) {
            return;
        }
        self.undefined.push(Undefined {
            name: name.to_string(),
            in_quotes,
            braced,
            span,
        });
    }

    fn report_undefined(&mut self) {
        for u in std::mem::take(&mut self.undefined) {
            let name = &u.name;
            let written = if u.braced {
                format!("${{{name}}}")
            } else {
                format!("${name}")
            };
            if u.in_quotes {
                self.diags
                    .warning(u.span, format!("`{written}` is not defined: it is kept as written"))
                    .hint(format!(
                        "keepalived leaves undefined references as they are (no shell expands them later); define it with `${name}=...` before this line if it is meant as a definition"
                    ));
            } else {
                let d = self
                    .diags
                    .error(u.span, format!("undefined variable `{name}`"));
                if u.braced {
                    d.hint(format!(
                        "define it with `${name}=...` before this line. keepalived would keep `{written}` and read its braces as block delimiters; ha keeps the text but not the braces' effect"
                    ));
                } else {
                    d.hint(format!(
                        "define it with `${name}=...` before this line; keepalived keeps `{written}` as it is"
                    ));
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn plain_ref(
        &mut self,
        s: &mut Scan,
        name: &str,
        name_end: usize,
        boundary: bool,
        at_end: bool,
        span: Span,
        allow_multiline: bool,
    ) -> RefOutcome {
        let Some(def) = self.defs.get(name).cloned() else {
            if boundary {
                self.note_undefined(name, s.in_quotes, false, span);
            }
            return RefOutcome::Literal;
        };
        if !boundary {
            let next = s.peek(name_end).map(char::from).unwrap_or(' ');
            self.diags
                .warning(span, format!("`${name}` is not substituted here (it is followed by `{next}`)"))
                .hint(format!(
                    "keepalived substitutes `$NAME` only before a space, a tab, `,`, `)` or the end of the line; write `${{{name}}}`"
                ));
            return RefOutcome::Literal;
        }
        if def.multiline {
            return self.multiline_ref(s, def, name_end, at_end, span, allow_multiline);
        }
        if matches!(def.value, Value::Env) {
            if !s.in_quotes {
                self.diags
                    .error(span, "`$_ENV` needs the name of an environment variable")
                    .hint("write `${_ENV NAME}`");
            }
            return RefOutcome::Literal;
        }
        let value = self.value_of(&def, &[], span);
        RefOutcome::Value(def, value, name_end)
    }

    #[allow(clippy::too_many_arguments)]
    fn braced_ref(
        &mut self,
        s: &mut Scan,
        name: &str,
        tail: &[u8],
        close: usize,
        at_end: bool,
        span: Span,
        allow_multiline: bool,
    ) -> RefOutcome {
        let len = close + 1;
        let Some(def) = self.defs.get(name).cloned() else {
            self.note_undefined(name, s.in_quotes, true, span);
            s.protect(1);
            s.protect(close);
            return RefOutcome::Literal;
        };
        let written = format!("${{{name}{}}}", String::from_utf8_lossy(tail));
        let invalid = |pre: &mut Self, s: &mut Scan, msg: String, hint: &str| {
            if !s.in_quotes {
                pre.diags.error(span, msg).hint(hint.to_string());
            }
            s.protect(1);
            s.protect(close);
            RefOutcome::Literal
        };
        if def.multiline {
            if !tail.is_empty() {
                return invalid(
                    self,
                    s,
                    format!("`{written}`: a multiline definition takes no parameters"),
                    "keepalived leaves it as it is and reads its braces as block delimiters",
                );
            }
            return self.multiline_ref(s, def, len, at_end, span, allow_multiline);
        }
        let spaces_only = !tail.is_empty() && tail.iter().all(|&c| c == b' ');
        let stray_warning = |pre: &mut Self| {
            pre.diags
                .warning(span, format!("keepalived 2.2.7 misreads `{written}`"))
                .hint(format!(
                    "keepalived substitutes `{name}` but leaves the blanks and the `}}` after the value, and that `}}` closes the enclosing block; ha substitutes the whole reference. Write `${{{name}}}`"
                ));
        };
        match def.value {
            Value::Random => {
                if spaces_only {
                    stray_warning(self);
                }
                let params_ok = tail.iter().all(|&c| c == b' ' || c.is_ascii_digit())
                    && (spaces_only || !matches!(tail.last(), Some(c) if !c.is_ascii_digit()));
                if !params_ok {
                    return invalid(
                        self,
                        s,
                        format!("`{written}`: `_RANDOM` takes up to two numbers"),
                        "write `${_RANDOM}`, `${_RANDOM MIN}` or `${_RANDOM MIN MAX}`; keepalived leaves this text as it is and reads its braces as block delimiters",
                    );
                }
                if !spaces_only && !tail.is_empty() && !at_end {
                    self.diags
                        .warning(span, format!("keepalived 2.2.7 garbles the text after `{written}`"))
                        .hint("keepalived replaces a `${_RANDOM ...}` with parameters correctly only at the end of a line; ha substitutes it in place");
                }
                let value = self.value_of(&def, tail, span);
                if value.is_empty() {
                    s.protect(1);
                    s.protect(close);
                    return RefOutcome::Literal;
                }
                RefOutcome::Value(def, value, len)
            }
            Value::Env => {
                let t = std::str::from_utf8(tail).unwrap_or("");
                let word = t.trim_start_matches([' ', '\t']);
                let ok = t.len() > word.len() && !word.is_empty() && word.bytes().all(is_name_char);
                if !ok {
                    return invalid(
                        self,
                        s,
                        format!("`{written}`: `_ENV` takes the name of one environment variable"),
                        "write `${_ENV NAME}`; keepalived leaves this text as it is and reads its braces as block delimiters",
                    );
                }
                let value = self.value_of(&def, word.as_bytes(), span);
                RefOutcome::Value(def, value, len)
            }
            _ => {
                if spaces_only {
                    stray_warning(self);
                } else if !tail.is_empty() {
                    let msg = if tail.iter().all(|&c| c == b' ' || c.is_ascii_digit()) {
                        format!("`{written}`: `{name}` takes no parameters")
                    } else {
                        format!("`{written}` is not a valid reference")
                    };
                    return invalid(
                        self,
                        s,
                        msg,
                        "keepalived leaves it as it is and reads its braces as block delimiters",
                    );
                }
                let value = self.value_of(&def, &[], span);
                RefOutcome::Value(def, value, len)
            }
        }
    }

    fn multiline_ref(
        &mut self,
        s: &mut Scan,
        def: Def,
        len: usize,
        at_end: bool,
        span: Span,
        allow_multiline: bool,
    ) -> RefOutcome {
        if !allow_multiline {
            self.diags.error(
                span,
                format!(
                    "`${}` is a multiline definition: not allowed here",
                    def.name
                ),
            );
            return RefOutcome::Literal;
        }
        if !at_end {
            if !s.in_quotes {
                self.diags
                    .error(
                        span,
                        format!(
                            "`${}` is a multiline definition: it can only be used at the end of a line",
                            def.name
                        ),
                    )
                    .hint("keepalived leaves it as it is here");
            }
            if s.peek(1) == Some(b'{') {
                s.protect(1);
                s.protect(len - 1);
            }
            return RefOutcome::Literal;
        }
        RefOutcome::Multiline(def, len)
    }

    /// The text a (single-line) definition stands for.
    fn value_of(&mut self, def: &Def, params: &[u8], span: Span) -> String {
        match &def.value {
            Value::Text(t) => t.to_string(),
            Value::Instance => self.config_id.clone(),
            Value::Pwd => self.pwd(),
            Value::Random => {
                let nums: Vec<u64> = params
                    .split(|&c| c == b' ')
                    .filter(|w| !w.is_empty())
                    .map(|w| {
                        std::str::from_utf8(w)
                            .ok()
                            .and_then(|w| w.parse().ok())
                            .unwrap_or(u64::MAX)
                    })
                    .collect();
                if nums.len() > 2 {
                    self.diags
                        .warning(
                            span,
                            "`_RANDOM` takes at most two numbers: the others are ignored",
                        )
                        .hint("as keepalived does");
                }
                let min = nums.first().copied().unwrap_or(0);
                let max = nums.get(1).copied().unwrap_or(32767);
                if min > max {
                    self.diags
                        .error(span, format!("`_RANDOM`: the minimum {min} is above the maximum {max}"))
                        .hint("keepalived 2.2.7 then produces a number cut to the width of the maximum; ha leaves the reference as it is");
                    return String::new();
                }
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                let range = u128::from(max - min) + 1;
                let v = u128::from(min) + u128::from(self.rng) % range;
                v.to_string()
            }
            Value::Env => {
                let name = String::from_utf8_lossy(params).into_owned();
                if !self.env_noted {
                    self.env_noted = true;
                    self.diags
                        .note(span, "`${_ENV ...}` needs keepalived 2.4 or later")
                        .hint("keepalived 2.2.7 does not know it: it leaves the text as it is and reads its braces as block delimiters");
                }
                match std::env::var_os(&name) {
                    Some(v) => v.to_string_lossy().into_owned(),
                    None => {
                        self.diags
                            .warning(
                                span,
                                format!("the environment variable `{name}` is not set: `${{_ENV {name}}}` is replaced by nothing"),
                            );
                        String::new()
                    }
                }
            }
        }
    }

    /// `${_PWD}`: the directory of the file being read (symlinks resolved), or the current
    /// directory when the file was named without one.
    fn pwd(&mut self) -> String {
        let cwd = || std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let Some(f) = self.frames.last_mut() else {
            return cwd().display().to_string();
        };
        if let Some(p) = &f.pwd {
            return p.to_string();
        }
        let dir = if f.dir.as_os_str().is_empty() {
            cwd()
        } else {
            f.dir.clone()
        };
        let abs = fs::canonicalize(&dir).unwrap_or_else(|_| {
            if dir.is_absolute() {
                dir.clone()
            } else {
                cwd().join(&dir)
            }
        });
        let p: Rc<str> = Rc::from(abs.display().to_string());
        f.pwd = Some(p.clone());
        p.to_string()
    }

    // ---- ~SEQ and ~LST ----------------------------------------------------------------

    fn sequence(&mut self) {
        let is_seq = self.cur.text.as_bytes()[1] == b'S';
        let what = if is_seq { "~SEQ" } else { "~LST" };
        let parsed = if is_seq {
            self.parse_seq()
        } else {
            self.parse_lst()
        };
        let whole = self.cur.at.whole();
        let seq = match parsed {
            Ok(seq) => seq,
            Err(e) => {
                let msg = match e {
                    SeqError::Message(m) => m,
                    SeqError::Reported => return,
                };
                let d = self.diags.error(whole, format!("invalid {what}: {msg}"));
                if is_seq {
                    d.hint("the form is `~SEQ(VAR, [START, [STEP,]] END) text` (`~SEQx` for hex); keepalived drops the line");
                } else {
                    d.hint("the form is `~LST(VAR, v1, v2, ...) text` or `~LST({A, B}, {a1, b1}, {a2, b2}) text`; keepalived drops the line (and 2.2.7 may then also skip a later ~SEQ or ~LST)");
                }
                return;
            }
        };
        for v in &seq.vars {
            let b = v.as_bytes();
            if !b.first().is_some_and(|&c| is_name_start(c)) || !b.iter().all(|&c| is_name_char(c))
            {
                self.diags.warning(
                    whole,
                    format!("{what} variable `{v}` can never be referenced (names are letters, digits and `_`)"),
                );
            }
        }
        if self.seqs.len() >= MAX_SEQ_NESTING {
            self.diags
                .error(
                    whole,
                    format!("~SEQ and ~LST nest more than {MAX_SEQ_NESTING} deep here"),
                )
                .hint("the sequences of this line are dropped; a definition that contains a ~SEQ using itself never ends in keepalived");
            self.seqs.clear();
            return;
        }
        self.seqs.push(seq);
    }

    fn parse_seq(&mut self) -> Result<Seq, SeqError> {
        let text = self.cur.text.to_string();
        let b = text.as_bytes();
        let mut p = 4;
        let hex = b.get(p) == Some(&b'x');
        if hex {
            p += 1;
        }
        p = skip_blanks(b, p);
        if b.get(p) != Some(&b'(') {
            return Err(SeqError::Message(format!(
                "`(` expected after `{}`",
                &text[..p.min(text.len())]
            )));
        }
        p = skip_blanks(b, p + 1);
        let var_start = p;
        while p < b.len() && !matches!(b[p], b' ' | b'\t' | b',' | b')') {
            p += 1;
        }
        let var = text[var_start..p].to_string();
        p = skip_blanks(b, p);
        if p >= b.len() || b[p] == b')' || var.is_empty() {
            return Err(SeqError::Message(
                "a variable name followed by `,` and the numbers is expected".into(),
            ));
        }
        let sep = text[p..].chars().next().unwrap_or(',');
        if sep != ',' {
            if !sep.is_ascii() {
                return Err(SeqError::Message(format!("`,` expected, not `{sep}`")));
            }
            self.diags
                .warning(
                    self.cur.at.whole(),
                    format!("`~SEQ`: `{sep}` after the variable name is taken as the `,`"),
                )
                .hint("keepalived skips whatever character follows the name; write a `,`");
        }
        p = skip_blanks(b, p + sep.len_utf8());
        let Some(close) = text[p..].find(')') else {
            return Err(SeqError::Message("`)` is missing".into()));
        };
        let params = &text[p..=p + close];
        if params.len() > 63 {
            self.diags
                .warning(
                    self.cur.at.whole(),
                    "keepalived 2.2.7 rejects ~SEQ parameters longer than 63 characters",
                )
                .hint("ha reads them; shorten them for keepalived");
        }
        let params = match params.contains('$') {
            true => match self.substitute(params, false) {
                Some(s) => s.text,
                None => return Err(SeqError::Reported),
            },
            false => params.to_string(),
        };
        let s = params.as_bytes();
        let (one, q) = strtol(s, 0);
        let q = skip_blanks(s, q);
        let (start, step, end) = if s.get(q) == Some(&b')') {
            let end = one;
            (
                if end < 0 { -1 } else { 1 },
                if end < 1 { -1 } else { 1 },
                end,
            )
        } else {
            if s.get(q) != Some(&b',') {
                return Err(SeqError::Message(format!(
                    "`{params}` are not 1 to 3 numbers"
                )));
            }
            let (two, q) = strtol(s, q + 1);
            let q = skip_blanks(s, q);
            if s.get(q) == Some(&b')') {
                (one, if one <= two { 1 } else { -1 }, two)
            } else {
                if s.get(q) != Some(&b',') {
                    return Err(SeqError::Message(format!(
                        "`{params}` are not 1 to 3 numbers"
                    )));
                }
                let (three, q) = strtol(s, q + 1);
                let q = skip_blanks(s, q);
                if s.get(q) != Some(&b')') {
                    return Err(SeqError::Message(format!(
                        "`{params}` are not 1 to 3 numbers"
                    )));
                }
                if two == 0 || (one < three && two < 0) || (one > three && two > 0) {
                    return Err(SeqError::Message(format!(
                        "the step {two} does not lead from {one} to {three}"
                    )));
                }
                (one, two, three)
            }
        };
        if hex && (start < 0 || end < 0) {
            return Err(SeqError::Message(
                "~SEQx takes only positive numbers".into(),
            ));
        }
        let count = (i128::from(end) - i128::from(start)) / i128::from(step) + 1;
        if count > self.limit_per_line as i128 {
            return Err(SeqError::Message(format!(
                "it would generate {count} lines, more than the {} ha allows",
                self.limit_per_line
            )));
        }
        let t = skip_blanks(b, p + close + 1);
        Ok(Seq {
            vars: vec![var],
            kind: SeqKind::Range {
                next: start,
                step,
                last: end,
                hex,
            },
            text: Rc::from(&text[t..]),
            at: self.cur.at,
            chain: self.cur.chain.clone(),
        })
    }

    fn parse_lst(&mut self) -> Result<Seq, SeqError> {
        let text = self.cur.text.as_str();
        let b = text.as_bytes();
        let bad = || SeqError::Message("the variables and values do not follow the form".into());
        let mut p = skip_blanks(b, 4);
        if b.get(p) != Some(&b'(') {
            return Err(bad());
        }
        p = skip_blanks(b, p + 1);
        let end_char = if b.get(p) == Some(&b'{') {
            p = skip_blanks(b, p + 1);
            b'}'
        } else {
            b','
        };
        let mut vars = Vec::new();
        loop {
            let vs = p;
            while p < b.len() && !matches!(b[p], b' ' | b'\t' | b',' | b'}') {
                p += 1;
            }
            vars.push(text[vs..p].to_string());
            p = skip_blanks(b, p);
            if b.get(p) == Some(&end_char) {
                break;
            }
            if b.get(p) != Some(&b',') {
                return Err(bad());
            }
            p = skip_blanks(b, p + 1);
        }
        if b.get(p) == Some(&b'}') {
            p = skip_blanks(b, p + 1);
        }
        if b.get(p) != Some(&b',') {
            return Err(bad());
        }
        p = skip_blanks(b, p + 1);
        let mut sets = Vec::new();
        loop {
            let end_char = if b.get(p) == Some(&b'{') {
                p = skip_blanks(b, p + 1);
                b'}'
            } else {
                b','
            };
            let mut set = Vec::new();
            loop {
                let vs = p;
                while p < b.len() && !matches!(b[p], b' ' | b'\t' | b',' | b'}' | b')') {
                    p += 1;
                }
                set.push(text[vs..p].to_string());
                p = skip_blanks(b, p);
                if b.get(p) == Some(&end_char) || (b.get(p) == Some(&b')') && end_char == b',') {
                    break;
                }
                if b.get(p) != Some(&b',') {
                    return Err(bad());
                }
                p = skip_blanks(b, p + 1);
                if set.len() >= vars.len() {
                    return Err(SeqError::Message(format!(
                        "a set has more values than the {} variable(s)",
                        vars.len()
                    )));
                }
            }
            while set.len() < vars.len() {
                set.push(String::new());
            }
            sets.push(set);
            if sets.len() > self.limit_per_line {
                return Err(SeqError::Message(format!(
                    "more than {} sets of values",
                    self.limit_per_line
                )));
            }
            if b.get(p) == Some(&b'}') && end_char == b'}' {
                p = skip_blanks(b, p + 1);
            }
            if b.get(p) == Some(&b')') {
                break;
            }
            if b.get(p) != Some(&b',') {
                return Err(bad());
            }
            p = skip_blanks(b, p + 1);
        }
        let t = skip_blanks(b, p + 1);
        Ok(Seq {
            vars,
            kind: SeqKind::List { sets, idx: 0 },
            text: Rc::from(text.get(t..).unwrap_or("")),
            at: self.cur.at,
            chain: self.cur.chain.clone(),
        })
    }

    // ---- include ---------------------------------------------------------------------

    fn include(&mut self, inc: Include) {
        let span = self.span_in_cur(0, inc.directive.len());
        let pattern = self.cur.text[inc.pattern_at..].to_string();
        if !self.cur.raw_include {
            self.diags
                .warning(span, "keepalived 2.2.7 reads this include twice in its VRRP and checker processes")
                .hint("an include that is not at the start of its own line (after `@id` or `{`, or made by a variable or ~SEQ) is read by keepalived's parent process and again by its VRRP and checker processes; ha reads it once. Put `include` at the start of a line of its own");
        }
        if pattern.is_empty() {
            self.diags
                .error(span, format!("`{}` needs a file name", inc.directive));
            return;
        }
        let flags = self.include_check | inc.flags;
        let base = self
            .frames
            .last()
            .map(|f| f.dir.clone())
            .unwrap_or_default();
        let g = loader::glob(&pattern, &base);
        let ctx = Rc::new(IncludeCtx {
            span,
            directive: inc.directive,
            directive_flags: inc.flags,
            flags,
            check_source: self.check_source,
            saved_check: self.include_check,
            base,
        });
        if let Some(e) = &g.error {
            self.diags
                .error(span, format!("cannot expand `{pattern}`: {e}"));
            return;
        }
        let missing = |g: &loader::GlobResult| -> String {
            let mut names: Vec<String> = g
                .missing
                .iter()
                .take(3)
                .map(|p| format!("`{}`", p.display()))
                .collect();
            if g.missing.len() > 3 {
                names.push(format!("and {} more", g.missing.len() - 3));
            }
            names.join(", ")
        };
        if g.matches.is_empty() {
            if !g.missing.is_empty() {
                let flag = if loader::has_brace(&pattern) {
                    INCLUDE_B
                } else {
                    INCLUDE_M
                };
                self.include_finding(
                    flag,
                    &ctx,
                    format!("no file found for `{pattern}` ({} missing)", missing(&g)),
                );
            } else if g.read_dir && flags & INCLUDE_W != 0 {
                self.include_finding(
                    INCLUDE_W,
                    &ctx,
                    format!("no file matches `{pattern}` (in {})", where_(&ctx.base)),
                );
            }
            return;
        }
        if !g.missing.is_empty() {
            self.include_finding(
                INCLUDE_B,
                &ctx,
                format!("some files of `{pattern}` are missing: {}", missing(&g)),
            );
            if flags & INCLUDE_B != 0 {
                return;
            }
        }
        self.open_next(ctx, g.matches.into());
    }

    /// An include problem: an error when its check is in force, else a warning.
    fn include_finding(&mut self, flag: u8, ctx: &IncludeCtx, msg: String) {
        let what = match flag {
            INCLUDE_R => "every matched file to be a readable regular file",
            INCLUDE_M => "the file to exist",
            INCLUDE_W => "the pattern to match a file",
            _ => "every `{...}` alternative to exist",
        };
        let stricter = match flag {
            INCLUDE_R => "includer",
            INCLUDE_M => "includem",
            INCLUDE_W => "includew",
            _ => "includeb",
        };
        if ctx.flags & flag != 0 {
            let by = if ctx.directive_flags & flag != 0 {
                format!("`{}`", ctx.directive)
            } else if ctx.check_source == CheckSource::AllConfig {
                "`--all-config` (-e)".to_string()
            } else {
                format!("`include_check {}`", loader::flag_name(flag))
            };
            self.diags
                .error(ctx.span, format!("include: {msg}"))
                .hint(format!(
                    "{by} requires {what}; keepalived refuses to start with this configuration"
                ));
        } else {
            self.diags
                .warning(ctx.span, format!("include: {msg}"))
                .hint(format!(
                "keepalived only logs this; `{stricter}` or `include_check` would make it an error"
            ));
        }
    }

    /// Opens the next usable file of an include's matches.
    fn open_next(&mut self, ctx: Rc<IncludeCtx>, mut rest: VecDeque<GlobMatch>) {
        while let Some(m) = rest.pop_front() {
            let shown = m.path.display().to_string();
            if m.is_dir {
                self.include_finding(
                    INCLUDE_R,
                    &ctx,
                    format!("`{shown}/` is a directory; it is skipped"),
                );
                continue;
            }
            let canonical = fs::canonicalize(&m.path).ok();
            if let Some(c) = &canonical {
                if let Some(k) = self
                    .frames
                    .iter()
                    .position(|f| f.canonical.as_ref() == Some(c))
                {
                    let chain: Vec<String> = self.frames[k..]
                        .iter()
                        .map(|f| format!("`{}`", self.sources.path(f.file)))
                        .chain(std::iter::once(format!("`{shown}`")))
                        .collect();
                    let related: Vec<(Span, String)> = self.frames[k + 1..]
                        .iter()
                        .filter_map(|f| f.ctx.as_ref())
                        .map(|c| (c.span, "included here".to_string()))
                        .collect();
                    let d = self.diags.error(
                        ctx.span,
                        format!("include cycle: {}", chain.join(" includes ")),
                    );
                    d.hint("keepalived 2.2.7 would open the file again and again until it runs out of file descriptors; ha skips it");
                    for (s, w) in related {
                        d.related(s, w);
                    }
                    continue;
                }
            }
            if self.frames.len() >= MAX_INCLUDE_DEPTH {
                self.diags
                    .error(
                        ctx.span,
                        format!("includes nest more than {MAX_INCLUDE_DEPTH} files deep: `{shown}` is skipped"),
                    )
                    .hint("keepalived has no limit; look for files that include each other");
                return;
            }
            let read = if self.stream_files {
                loader::open_match(&m.path).map(|(file, meta)| (None, Some((file, meta))))
            } else {
                loader::read_match(&m.path).map(|read| (Some(read), None))
            };
            match read {
                Err(p) => {
                    let msg = match p {
                        MatchProblem::Directory => {
                            format!("`{shown}/` is a directory; it is skipped")
                        }
                        MatchProblem::NotRegular | MatchProblem::Executable => format!(
                            "`{shown}` is not a regular non-executable file ({}); it is skipped",
                            p.describe()
                        ),
                        _ => format!("cannot read `{shown}`: {}; it is skipped", p.describe()),
                    };
                    self.include_finding(INCLUDE_R, &ctx, msg);
                }
                Ok((kept, streamed)) => {
                    let (id, feed) = match (kept, streamed) {
                        (Some(read), _) => {
                            let id = self.sources.add(&m.path, read.text, Some(ctx.span));
                            if read.lossy {
                                self.lossy_warning(id);
                            }
                            (id, Feed::Kept { pos: 0 })
                        }
                        (None, Some((file, meta))) => {
                            let id = self.sources.add_unkept(&m.path, &meta, Some(ctx.span));
                            let lines = Box::new(FileLines::new(file));
                            let lossy_at = Some(self.diags.len());
                            (id, Feed::Stream { lines, lossy_at })
                        }
                        (None, None) => continue,
                    };
                    self.frames.push(Frame {
                        file: id,
                        feed,
                        line: 0,
                        dir: loader::parent_dir(&m.path),
                        canonical,
                        pwd: None,
                        saved_check: ctx.saved_check,
                        ctx: Some(ctx),
                        rest,
                    });
                    return;
                }
            }
        }
    }

    // ---- brace split and tokens --------------------------------------------------------

    /// R17: emits the line up to its first unquoted brace, the brace, and so on. A residue
    /// that needs the full processing again (it may hold a definition, a conditional, a
    /// sequence, an include or a reference) becomes the next piece; a plain one is split
    /// in place, so a line of many braces costs time in proportion to its length.
    fn split_and_emit(&mut self) {
        let has_quote = self.cur.text.contains('\'');
        let plain_residues = !self.cur.text.contains('$');
        let end = trim_end_blanks(self.cur.text.as_bytes(), self.cur.text.len());
        let mut pos = 0;
        let mut cols = self.cur.cols.clone();
        let mut warned = false;
        loop {
            let rest = &self.cur.text[pos..end];
            let protect = has_quote && lexer::is_script_line(rest);
            let (split, skipped) = lexer::brace_split(rest, protect);
            if skipped && !warned {
                warned = true;
                self.diags
                    .warning(self.cur.at.whole(), "keepalived 2.2.7 splits this command at its `{` or `}` inside single quotes")
                    .hint("keepalived's single quotes do not protect braces: it cuts the line there and the script is lost; ha keeps the quoted text. Use double quotes to be read the same by both");
            }
            let b = self.cur.text.as_bytes();
            let (line_end, next) = match split {
                None => (end, None),
                Some(0) => {
                    let r = skip_blanks(&b[..end], pos + 1);
                    (pos + 1, (r < end).then_some(r))
                }
                Some(p) => (trim_end_blanks(b, pos + p), Some(pos + p)),
            };
            self.emit(pos, line_end, cols.as_ref());
            let Some(r) = next else {
                return;
            };
            if let Some(c) = &mut cols {
                c.advance(&self.cur.text[pos..], r - pos);
            }
            let rest = &self.cur.text[r..end];
            if !plain_residues
                || rest.starts_with(['@', '~'])
                || lexer::include_directive(rest).is_some()
                || self.collecting.is_some()
            {
                self.make_residue(r, end, cols);
                return;
            }
            pos = r;
        }
    }

    fn make_residue(&mut self, start: usize, end: usize, cols: Option<Cols>) {
        let mut text = std::mem::take(&mut self.spare);
        text.clear();
        text.push_str(&self.cur.text[start..end]);
        self.residue = Some(Piece {
            text,
            at: self.cur.at,
            cols,
            chain: self.cur.chain.clone(),
            source: Source::Residue,
            raw_include: false,
            quote_reported: self.cur.quote_reported,
        });
    }

    /// Tokenizes `cur.text[start..end]` (whose columns are `cols`) into a line.
    fn emit(&mut self, start: usize, end: usize, cols: Option<&Cols>) {
        if end <= start {
            return;
        }
        let text = &self.cur.text[start..end];
        let tk = lexer::tokenize(text, cols, self.cur.at.whole());
        if let Some(q) = tk.unmatched_quote {
            if !self.cur.quote_reported {
                let span = match cols {
                    Some(c) if q < c.exact_upto => {
                        Span::new(self.cur.at.file, self.cur.at.line, c.col_at(text, q), 1)
                    }
                    _ => self.cur.at.whole(),
                };
                self.diags
                    .error(span, "this `\"` is never closed")
                    .hint("add the closing `\"`; keepalived keeps only the words before it (it has no escapes for `\"`)");
            }
        }
        let tokens = tk.tokens;
        let Some(first) = tokens.first() else {
            return;
        };
        if text.ends_with('\\') {
            if let Some(last) = tokens.last() {
                self.diags
                    .warning(last.span, format!("`{}` ends in `\\`: keepalived does not continue the line", last.text))
                    .hint("a final `\\` continues only `$NAME=` definitions; elsewhere keepalived keeps it as part of the last word, and so does ha");
            }
        }
        if !first.quoted && first.text.starts_with('@') {
            self.diags
                .warning(first.span, format!("`{}` is read as a keyword", first.text))
                .hint("keepalived honours one `@id` prefix per line");
        }
        for t in tokens
            .iter()
            .filter(|t| t.quoted && (t.text == "{" || t.text == "}"))
        {
            self.diags
                .warning(t.span, format!("a quoted `\"{}\"` is text, not a block brace", t.text))
                .hint("keepalived treats a quoted brace at the start or end of a line as a block brace in places; ha never does. Write the brace without quotes");
        }
        // Which blocks are open, for `include_check` in `global_defs`.
        if first.is("{") {
            if !self.track_open(first.span) {
                return;
            }
        } else if first.is("}") {
            if !self.track_close() {
                return;
            }
        } else {
            self.track_statement(&tokens[0], &tokens[1..]);
        }
        // The tree keeps the text of statements only; a brace line's text is never read, so
        // it is left empty (a large configuration has hundreds of thousands of them).
        let text = if tokens.len() == 1 && (tokens[0].is("{") || tokens[0].is("}")) {
            Text::new()
        } else {
            lexer::restore_braces(&self.cur.text[start..end])
        };
        self.push(Item::Line(Line { text, tokens }));
    }

    /// A `{` opens a block: false when it is dropped (nested too deep).
    fn track_open(&mut self, span: Span) -> bool {
        if self.blocks.len() >= MAX_BLOCK_DEPTH {
            if self.dropped_opens == 0 {
                self.diags
                    .error(
                        span,
                        format!("blocks nest more than {MAX_BLOCK_DEPTH} deep here"),
                    )
                    .hint("the deeper blocks are ignored; look for a missing `}`");
            }
            self.dropped_opens += 1;
            return false;
        }
        self.blocks.push(self.last_is_global_defs);
        true
    }

    /// A `}`: false when it closes a dropped `{` (and is dropped too).
    fn track_close(&mut self) -> bool {
        if self.dropped_opens > 0 {
            self.dropped_opens -= 1;
            return false;
        }
        self.blocks.pop();
        true
    }

    /// A statement: `include_check` in `global_defs` takes effect here.
    fn track_statement(&mut self, keyword: &super::ast::Token, args: &[super::ast::Token]) {
        if self.blocks.len() == 1 && self.blocks[0] && keyword.is("include_check") {
            self.include_check_keyword(args);
        }
        self.last_is_global_defs = keyword.text.starts_with('g') && keyword.is("global_defs");
    }

    /// R8: `include_check [[+|-]read|match|wildcard_match|brace_match ...]` takes effect for
    /// the includes after it. Its mistakes are reported by the `global_defs` reader.
    fn include_check_keyword(&mut self, args: &[super::ast::Token]) {
        self.check_source = CheckSource::Keyword;
        if args.is_empty() {
            self.include_check = INCLUDE_R | INCLUDE_M | INCLUDE_W | INCLUDE_B;
            return;
        }
        for (i, t) in args.iter().enumerate() {
            let w = t.text.as_str();
            let (mode, word) = if let Some(s) = w.strip_prefix('-') {
                (-1, s)
            } else if let Some(s) = w.strip_prefix('+') {
                (1, s)
            } else {
                (0, w)
            };
            if mode == 0 {
                if i > 0 {
                    continue;
                }
                self.include_check = 0;
            }
            let flag = match word {
                "read" => INCLUDE_R,
                "match" => INCLUDE_M,
                "wildcard_match" => INCLUDE_W,
                "brace_match" => INCLUDE_B,
                _ => 0,
            };
            if flag != 0 {
                match mode {
                    0 => self.include_check = INCLUDE_R | flag,
                    1 => self.include_check |= flag,
                    _ => self.include_check &= !flag,
                }
            }
        }
    }
}

enum RefOutcome {
    Literal,
    Value(Def, String, usize),
    Multiline(Def, usize),
}

fn where_(base: &std::path::Path) -> String {
    if base.as_os_str().is_empty() {
        "the current directory".to_string()
    } else {
        format!("`{}`", base.display())
    }
}

#[cfg(test)]
mod tests {
    //! One test (or more) per rule of the research note (R1-R33) and per fixture (F01-F47)
    //! that the preprocessor decides; file-system includes are in tests/conf_include.rs.
    use super::*;
    use crate::conf::diag::Severity;

    const FILE: &str = "/tmp/t/x.conf";

    thread_local! {
        /// Smaller generation limits for the tests of this thread.
        pub(super) static LIMITS: std::cell::Cell<Option<(usize, usize)>> =
            const { std::cell::Cell::new(None) };
        /// Every line takes the general path (the plain one is compared with it).
        pub(super) static GENERAL_ONLY: std::cell::Cell<bool> =
            const { std::cell::Cell::new(false) };
        /// A fixed seed for `${_RANDOM}`, so two readings of a text can be compared.
        pub(super) static SEED: std::cell::Cell<Option<u64>> =
            const { std::cell::Cell::new(None) };
    }

    fn opts(id: &str) -> LoadOptions {
        LoadOptions {
            config_id: Some(id.to_string()),
            all_config: false,
        }
    }

    fn run_text(text: &str, id: &str) -> (Vec<Line>, Diagnostics) {
        let (_, lines, diags) = loader::preprocess_text(FILE, text, &opts(id));
        (lines, diags)
    }

    /// The logical lines as token lists, and the findings as `severity: message`.
    fn pp_id(text: &str, id: &str) -> (Vec<Vec<String>>, Vec<String>) {
        let (lines, diags) = run_text(text, id);
        let toks = lines
            .iter()
            .map(|l| l.tokens.iter().map(|t| t.text.to_string()).collect())
            .collect();
        let msgs = diags
            .iter()
            .map(|d| format!("{:?}: {}", d.severity, d.message))
            .collect();
        (toks, msgs)
    }

    fn pp(text: &str) -> (Vec<Vec<String>>, Vec<String>) {
        pp_id(text, "vm")
    }

    fn toks(text: &str) -> Vec<Vec<String>> {
        pp(text).0
    }

    fn expect(lines: &[&[&str]]) -> Vec<Vec<String>> {
        lines
            .iter()
            .map(|l| l.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    fn count(msgs: &[String], sev: &str, needle: &str) -> usize {
        msgs.iter()
            .filter(|m| m.starts_with(sev) && m.contains(needle))
            .count()
    }

    fn errors(msgs: &[String]) -> usize {
        msgs.iter().filter(|m| m.starts_with("Error")).count()
    }

    // ---- R1-R6 -----------------------------------------------------------------------

    #[test]
    fn f01_r4_comments() {
        let (t, m) = pp(
            "router_id a#b\nrouter_id a!b\nrouter_id a\\#b\nrouter_id a\\!b\n\
             router_id \"a#b\" c#d\nrouter_id \"a\\#b\"\nrouter_id 'a#b'\nrouter_id a\\\\#b\n\
             ! full comment\n  # indented comment\nrouter_id q \"a\" # \"b\n",
        );
        assert_eq!(
            t,
            expect(&[
                &["router_id", "a"],
                &["router_id", "a"],
                // keepalived's parent reads `a#b`, its VRRP/checker processes `a` (R33).
                &["router_id", "a"],
                &["router_id", "a"],
                &["router_id", "a#b", "c"],
                &["router_id", "a\\#b"],
                &["router_id", "'a"],
                &["router_id", "a\\\\"],
                &["router_id", "q", "a"],
            ])
        );
        assert_eq!(count(&m, "Warning", "`\\#` as the start of a comment"), 1);
        assert_eq!(count(&m, "Warning", "`\\!` as the start of a comment"), 1);
        assert_eq!(errors(&m), 0);
    }

    #[test]
    fn f02_r5_trailing_backslash_stays_in_the_word() {
        let (t, m) = pp("router_id z\\\nrouter_id x # comment \\\nrouter_id y \\\n");
        assert_eq!(
            t,
            expect(&[
                &["router_id", "z\\"],
                &["router_id", "x\\"],
                &["router_id", "y\\"]
            ])
        );
        assert_eq!(count(&m, "Warning", "does not continue the line"), 3);
    }

    #[test]
    fn f03_r4_unterminated_quote_reported_once() {
        let (t, m) = pp("router_id \"unterminated # x\n");
        assert_eq!(t, expect(&[&["router_id"]]));
        assert_eq!(m, ["Error: this `\"` is never closed"]);
        let (lines, diags) = run_text("router_id \"unterminated # x\n", "vm");
        assert_eq!(lines.len(), 1);
        assert_eq!(diags.iter().next().unwrap().span.unwrap().col, 11);
    }

    #[test]
    fn f04_r2_crlf_and_control_whitespace() {
        let t = toks("router_id a\r\nrouter_id b\r\r\nrouter_id c\rd\nrouter_id e\x0cf\x0bg\n\x0c router_id h\n");
        assert_eq!(
            t,
            expect(&[
                &["router_id", "a"],
                &["router_id", "b"],
                &["router_id", "c", "d"],
                &["router_id", "e", "f", "g"],
                &["router_id", "h"],
            ])
        );
    }

    #[test]
    fn f05_r1_long_lines_are_read_whole_with_a_warning() {
        let long = format!("  router_id {} tail\n", "x".repeat(1030));
        let (t, m) = pp(&long);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0][1].len(), 1030);
        assert_eq!(t[0][2], "tail");
        assert_eq!(count(&m, "Warning", "keepalived 2.2.7 would split it"), 1);
        // 1023 bytes are still one keepalived line; a trailing CR does not count.
        let fits = format!("{}\r\n", "y".repeat(1023));
        assert!(pp(&fits).1.is_empty());
        // Beyond 1 MiB: an error and the line is ignored.
        let huge = format!("router_id {}\nnext 1\n", "z".repeat(MAX_LINE + 1));
        let (t, m) = pp(&huge);
        assert_eq!(t, expect(&[&["next", "1"]]));
        assert_eq!(count(&m, "Error", "ha reads; it is ignored"), 1);
    }

    #[test]
    fn f06_r1_bom_nul_and_line_numbers() {
        let (lines, diags) = run_text("\u{feff}router_id bom\n", "vm");
        assert_eq!(lines[0].tokens[0].text, "router_id");
        assert_eq!(lines[0].tokens[0].span.col, 2);
        assert_eq!(diags.count(Severity::Warning), 1);
        // A NUL ends the line (as keepalived), the line numbers stay right.
        let (lines, diags) = run_text("a 1\nb\0us1 x\nc 3", "vm");
        let words: Vec<_> = lines.iter().map(|l| l.tokens[0].text.to_string()).collect();
        assert_eq!(words, ["a", "b", "c"]);
        assert_eq!(lines[1].tokens.len(), 1);
        assert_eq!(lines[2].tokens[0].span.line, 3);
        assert_eq!(diags.count(Severity::Warning), 1);
    }

    #[test]
    fn r6_case_and_bytes() {
        let t = toks("$a=lower\n$A=upper\nx $a $A\nGLOBAL_DEFS\nrouter_id é€\n");
        assert_eq!(
            t,
            expect(&[
                &["x", "lower", "upper"],
                &["GLOBAL_DEFS"],
                &["router_id", "é€"]
            ])
        );
    }

    #[test]
    fn exact_columns_for_unchanged_tokens() {
        let (lines, _) = run_text("\trouter_id  \"a b\" é x\\#y\nz { w }\n", "vm");
        let l = &lines[0];
        let cols: Vec<(u32, u32)> = l.tokens.iter().map(|t| (t.span.col, t.span.len)).collect();
        assert_eq!(cols, [(2, 9), (13, 5), (19, 1), (21, 1)]);
        let cols: Vec<(u32, u32)> = lines[1..]
            .iter()
            .map(|l| (l.tokens[0].span.col, l.tokens[0].span.len))
            .collect();
        assert_eq!(cols, [(1, 1), (3, 1), (5, 1), (7, 1)]);
    }

    #[test]
    fn exact_columns_after_conditionals_and_in_residues() {
        let (lines, _) = run_text("@vm  router_id x\nvrrp_instance v { state MASTER }\n", "vm");
        let cols: Vec<(u32, u32)> = lines
            .iter()
            .flat_map(|l| l.tokens.iter().map(|t| (t.span.line, t.span.col)))
            .collect();
        assert_eq!(
            cols,
            [
                (1, 6),
                (1, 16),
                (2, 1),
                (2, 15),
                (2, 17),
                (2, 19),
                (2, 25),
                (2, 32)
            ]
        );
    }

    #[test]
    fn generated_tokens_get_the_whole_originating_line() {
        let (lines, _) = run_text("$V=10\npriority $V\n~SEQ(i,1,2) p $i\n", "vm");
        let p = &lines[0];
        assert_eq!((p.tokens[0].span.col, p.tokens[0].span.len), (1, 8));
        assert_eq!(p.tokens[1].span, Span::new(FileId(0), 2, 1, 11));
        for l in &lines[1..] {
            assert_eq!(l.tokens[0].span, Span::new(FileId(0), 3, 1, 16));
        }
    }

    // ---- R7 (detection; files are in tests/conf_include.rs) -----------------------------

    #[test]
    fn r7_include_words_that_are_not_includes() {
        let (t, m) = pp("includex sub/b.conf\ninclude\nincluder\n");
        assert_eq!(
            t,
            expect(&[&["includex", "sub/b.conf"], &["include"], &["includer"]])
        );
        assert!(m.is_empty());
        let (t, m) = pp("include\x0c\n");
        assert!(t.is_empty());
        assert_eq!(count(&m, "Error", "needs a file name"), 1);
    }

    // ---- R9 --------------------------------------------------------------------------

    const F19: &str = "@myid router_id c1\n@^myid router_id c2\n@other router_id c3\n\
        @^other router_id c4\n@myid\n@ router_id c5\n@myid\trouter_id c6\n@myid @myid router_id c7\n\
        @myid $X=defx\nrouter_id $X\n@myid ~SEQ(i,1,2) router_id s${i}\n@MYID router_id c8\n\
        @myidx router_id c9\n@myid{ router_id c10\n@^ router_id c11\n";

    #[test]
    fn f19_r9_conditionals() {
        let (t, m) = pp_id(F19, "myid");
        assert_eq!(
            t,
            expect(&[
                &["router_id", "c1"],
                &["router_id", "c4"],
                &["router_id", "c6"],
                &["@myid", "router_id", "c7"],
                &["router_id", "defx"],
                &["router_id", "s1"],
                &["router_id", "s2"],
                &["router_id", "c11"],
            ])
        );
        assert_eq!(count(&m, "Warning", "`@myid` is read as a keyword"), 1);
        let (t, m) = pp_id(F19, "vm");
        assert_eq!(
            t,
            expect(&[
                &["router_id", "c2"],
                &["router_id", "c4"],
                &["router_id", "$X"],
                &["router_id", "c11"],
            ])
        );
        assert_eq!(count(&m, "Error", "undefined variable `X`"), 1);
    }

    #[test]
    fn f20_r9_empty_config_id() {
        let t = pp_id(
            "@ empty_id_line\n@^ neg_empty\n@vm vmline\nx ${_INSTANCE}\n",
            "",
        )
        .0;
        assert_eq!(t, expect(&[&["empty_id_line"], &["x"]]));
    }

    #[test]
    fn f21_r9_conditional_from_substitution() {
        let (t, m) = pp_id(
            "$IFM=@myid\n$IFM router_id cond\n$IFN=@other\n$IFN router_id cond2\n",
            "myid",
        );
        // keepalived 2.2.7 gives [router_id, condd, cond]; ha reads the line as meant.
        assert_eq!(t, expect(&[&["router_id", "cond"]]));
        assert_eq!(count(&m, "Warning", "garbles this line"), 1);
        // A substitution that does not lengthen the line: no warning.
        let (t, m) = pp_id("$LONGNAME=@myid\n$LONGNAME router_id c\n", "myid");
        assert_eq!(t, expect(&[&["router_id", "c"]]));
        assert!(m.is_empty());
    }

    #[test]
    fn r9_conditional_in_a_residue() {
        let t = toks("y {\n} @vm w1\n} @other w2\n");
        assert_eq!(t, expect(&[&["y"], &["{"], &["}"], &["w1"], &["}"]]));
    }

    // ---- R10, R11 --------------------------------------------------------------------

    #[test]
    fn f10_r10_r11_definitions() {
        let (t, m) = pp_id(
            "$A=alpha\n$B = beta\n$C=  gamma  delta\n$E=\n$1X=bad\n$a=lower\nrouter_id $A\n\
             router_id ${A}\nrouter_id $A.x\nrouter_id ${A}.x\nrouter_id x$A\nrouter_id $A,$A)\n\
             router_id $a $A\nrouter_id [$E]\nrouter_id [${E}]\nrouter_id $$A\nrouter_id \"$A\"\n\
             router_id $A#comment\nrouter_id ${_INSTANCE} ${_PWD}\nrouter_id $C\n",
            "myid",
        );
        assert_eq!(
            t,
            expect(&[
                &["$B", "=", "beta"],
                &["$1X=bad"],
                &["router_id", "alpha"],
                &["router_id", "alpha"],
                &["router_id", "$A.x"],
                &["router_id", "alpha.x"],
                &["router_id", "xalpha"],
                &["router_id", "alpha,alpha)"],
                &["router_id", "lower", "alpha"],
                &["router_id", "[$E]"],
                &["router_id", "[]"],
                &["router_id", "$alpha"],
                &["router_id", "$A"],
                &["router_id", "alpha"],
                &["router_id", "myid", "/tmp/t"],
                &["router_id", "gamma", "delta"],
            ])
        );
        assert_eq!(count(&m, "Error", "undefined variable `B`"), 1);
        assert_eq!(count(&m, "Warning", "`$A` is not substituted here"), 2);
        assert_eq!(count(&m, "Warning", "`$E` is not substituted here"), 1);
        assert_eq!(errors(&m), 1, "{m:?}");
    }

    #[test]
    fn f11_r11_undefined_references_keep_their_braces_inert() {
        let (t, m) = pp("vrrp_instance v {\nrouter_id $UNDEF ${UNDEF}\n}\n");
        assert_eq!(
            t,
            expect(&[
                &["vrrp_instance", "v"],
                &["{"],
                &["router_id", "$UNDEF", "${UNDEF}"],
                &["}"]
            ])
        );
        assert_eq!(m, ["Error: undefined variable `UNDEF`"]);
        let (lines, d) = run_text("x ${NOPE} y\n", "vm");
        assert_eq!(lines[0].text, "x ${NOPE} y");
        assert_eq!(d.iter().next().unwrap().span.unwrap().col, 3);
        // Inside double quotes keepalived keeps it as text: a warning only.
        let (t, m) = pp("script \"/bin/echo ${HOME} $USER x\"\n");
        assert_eq!(t, expect(&[&["script", "/bin/echo ${HOME} $USER x"]]));
        assert_eq!(count(&m, "Warning", "is not defined"), 2);
        assert_eq!(errors(&m), 0);
        // `${` that is no reference at all.
        let (t, m) = pp("x ${ A} ${1}\n");
        assert_eq!(t, expect(&[&["x", "${", "A}", "${1}"]]));
        assert_eq!(count(&m, "Error", "not a variable reference"), 2);
    }

    #[test]
    fn f12_r11_braced_with_blanks() {
        let (t, m) = pp("$A=alpha\nrouter_id ${A }\nrouter_id ${A  }\nrouter_id ${A 1}\n");
        assert_eq!(
            t,
            expect(&[
                &["router_id", "alpha"],
                &["router_id", "alpha"],
                &["router_id", "${A", "1}"]
            ])
        );
        assert_eq!(count(&m, "Warning", "misreads `${A }`"), 1);
        assert_eq!(count(&m, "Warning", "misreads `${A  }`"), 1);
        assert_eq!(count(&m, "Error", "`A` takes no parameters"), 1);
    }

    #[test]
    fn f13_r13_hash_and_bang() {
        let t = toks(
            "router_id ${_HASH}x ${_BANG}y\nrouter_id $_HASH x\nrouter_id \"${_HASH}x\"\n\
             router_id \"a $_HASH b\"\n",
        );
        assert_eq!(
            t,
            expect(&[
                &["router_id"],
                &["router_id"],
                &["router_id", "#x"],
                &["router_id", "a # b"]
            ])
        );
    }

    #[test]
    fn f14_r10_comment_characters_in_values() {
        let (t, m) = pp("$H=a\\#b\n$Q=\"x # y\"\nrouter_id $H\nrouter_id $Q\n");
        assert_eq!(t, expect(&[&["router_id", "a"], &["router_id", "x # y"]]));
        assert_eq!(count(&m, "Warning", "`\\#` as the start of a comment"), 1);
    }

    #[test]
    fn f15_r11_lazy_definitions() {
        let t = toks(
            "$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}\n$ADDRESS_BASE_SUB=0\n\
             router_id ${ADDRESS_BASE}.100/32\n$ADDRESS_BASE_SUB=10\nrouter_id ${ADDRESS_BASE}.100/32\n",
        );
        assert_eq!(
            t,
            expect(&[
                &["router_id", "10.2.0.100/32"],
                &["router_id", "10.2.10.100/32"]
            ])
        );
    }

    #[test]
    fn f16_f17_r11_cycles_are_errors() {
        let (t, m) = pp("$G=$G x\nrouter_id $G\nnext 1\n");
        assert_eq!(t, expect(&[&["next", "1"]]));
        assert_eq!(count(&m, "Error", "`$G` expands to itself ($G -> $G)"), 1);
        let (t, m) = pp("$A=$A\nrouter_id $A\n$X=$Y\n$Y=${X}\nr $X\n");
        assert!(t.is_empty());
        assert_eq!(count(&m, "Error", "`$A` expands to itself"), 1);
        assert_eq!(
            count(&m, "Error", "`$X` expands to itself ($X -> $Y -> $X)"),
            1
        );
        // Self-reference that is not a reference in context terminates normally.
        let (t, m) = pp("$P=${\nx ${P}P}y\n");
        assert_eq!(t, expect(&[&["x", "${y"]]));
        assert_eq!(count(&m, "Error", "not a variable reference"), 1);
    }

    #[test]
    fn r11_growth_bounds() {
        let (t, m) = pp("$D=${C}${C}${C}${C}${C}${C}${C}${C}\n$C=${B}${B}${B}${B}${B}${B}${B}${B}\n\
             $B=${A}${A}${A}${A}${A}${A}${A}${A}\n$A=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\
             $E=${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}${D}\n\
             $F=${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}\n\
             r ${F}\n");
        assert!(t.is_empty());
        assert_eq!(count(&m, "Error", "longer than 1 MiB"), 1);
        let (t, m) = pp("$A=0123456789012345678901234567890123456789\nr ${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}\n");
        assert_eq!(t[0][1].len(), 40 * 28);
        assert_eq!(count(&m, "Warning", "stops substituting"), 1);
    }

    #[test]
    fn r11_multiline_reference_not_at_end() {
        let (t, m) = pp("$M=\\\na\\\nb\n$M y\n${M} z\n");
        assert_eq!(t, expect(&[&["$M", "y"], &["${M}", "z"]]));
        assert_eq!(count(&m, "Error", "only be used at the end of a line"), 2);
    }

    #[test]
    fn r11_recheck_makes_definitions_and_conditionals() {
        let t = toks("$EMPTY=\n$EMPTY $B=beta\nx $B\n$AT=@vm\n$AT y 1\n");
        assert_eq!(t, expect(&[&["x", "beta"], &["y", "1"]]));
    }

    #[test]
    fn f18_r11_stop_rule() {
        let t = toks("$S=~SEQ(i,1,3)\n$S foo${i}\n");
        assert_eq!(t, expect(&[&["foo1"], &["foo2"], &["foo3"]]));
    }

    // ---- R12 -------------------------------------------------------------------------

    #[test]
    fn f22_r12_multiline_definitions() {
        let (t, m) = pp(
            "$M=\\\n  router_id m1 \\\n  router_id m2   \\\n  \\\n  router_id m3\n\
             $N=first \\\n  second\n$E=\\\n\n$F=only\\\n\n$M\nx $M\n$M y\n$N\n$E\n$F\n",
        );
        assert_eq!(
            t,
            expect(&[
                &["router_id", "m1"],
                &["router_id", "m2"],
                &["router_id", "m3"],
                &["x", "router_id", "m1"],
                &["router_id", "m2"],
                &["router_id", "m3"],
                &["$M", "y"],
                &["first"],
                &["second"],
                &["only"],
            ])
        );
        assert_eq!(errors(&m), 1);
    }

    #[test]
    fn f23_r12_r33_comment_line_ends_a_multiline_definition() {
        let (t, m) = pp("$G=g1 \\\n# comment line in middle\n  g2\nglobal_defs {\n$G\n}\n");
        // The VRRP and checker processes' reading (keepalived's parent gives g1, g2 inside).
        assert_eq!(
            t,
            expect(&[&["g2"], &["global_defs"], &["{"], &["g1"], &["}"]])
        );
        assert_eq!(
            count(&m, "Warning", "ends the multiline definition `$G`"),
            1
        );
        let (lines, _) = run_text("$G=g1 \\\n# c\n  g2\n", "vm");
        assert_eq!(lines[0].tokens[0].span.line, 3);
    }

    #[test]
    fn f24_r12_nested_multiline_and_sequences() {
        let t = toks(
            "$BLK=\\\nblk ${I}.${J} { \\\n  inner ${I} \\\n}\n~SEQ(I,1,2) ~SEQ(J,1,2) $BLK\n\
             $OUT=\\\no1 \\\n~SEQ(K,1,2) k ${K} \\\no2\n$OUT\n$NEST=\\\nn1 \\\n$BLK \\\nn2\n$I=9\n$J=9\n$NEST\n",
        );
        let mut want: Vec<Vec<String>> = Vec::new();
        for (i, j) in [(1, 1), (1, 2), (2, 1), (2, 2)] {
            want.push(vec!["blk".into(), format!("{i}.{j}")]);
            want.push(vec!["{".into()]);
            want.push(vec!["inner".into(), i.to_string()]);
            want.push(vec!["}".into()]);
        }
        want.extend(expect(&[
            &["o1"],
            &["k", "1"],
            &["k", "2"],
            &["o2"],
            &["n1"],
            &["blk", "9.9"],
            &["{"],
            &["inner", "9"],
            &["}"],
            &["n2"],
        ]));
        assert_eq!(t, want);
    }

    #[test]
    fn f25_r12_man_page_style() {
        let t = toks(
            "$RS=\\\nrs ${V}.${R} \\\nrs_end\n$VS=\\\nvs ${V} \\\n$R=1 \\\n$RS \\\n$R=2 \\\n$RS \\\n\
             vs_end\n$V=0\n$VS\n",
        );
        assert_eq!(
            t,
            expect(&[
                &["vs", "0"],
                &["rs", "0.1"],
                &["rs_end"],
                &["rs", "0.2"],
                &["rs_end"],
                &["vs_end"]
            ])
        );
    }

    #[test]
    fn r12_multiline_lines_carry_the_referencing_line() {
        let (lines, _) = run_text("$M=\\\na 1 \\\nb 2\nx\n$M\n", "vm");
        let at: Vec<u32> = lines.iter().map(|l| l.tokens[0].span.line).collect();
        assert_eq!(at, [4, 5, 5]);
    }

    #[test]
    fn r12_self_using_multiline_definitions_are_errors() {
        let (t, m) = pp("$M=\\\nx \\\n$M\n$M\nafter\n");
        assert_eq!(t, expect(&[&["x"], &["$M"], &["after"]]));
        assert_eq!(count(&m, "Error", "used inside itself ($M -> $M)"), 1);
        // Exponential expansion hits the per-line limit.
        let mut text = String::from("$L0=\\\na\\\na\\\na\\\na\\\na\\\na\\\na\\\na\\\na\\\na\n");
        for k in 1..7 {
            text.push_str(&format!("$L{k}=\\\n"));
            for _ in 0..9 {
                text.push_str(&format!("$L{} \\\n", k - 1));
            }
            text.push_str(&format!("$L{}\n", k - 1));
        }
        text.push_str("$L6\nend 1\n");
        let (t, m) = pp(&text);
        // The referencing line's own first line, the limit, and the next line.
        assert_eq!(t.len(), MAX_GENERATED_PER_LINE + 2);
        assert_eq!(t[t.len() - 1], ["end", "1"]);
        assert_eq!(count(&m, "Error", "generates more than 100000 lines"), 1);
    }

    #[test]
    fn r12_include_inside_a_multiline_definition_is_an_error() {
        let (t, m) = pp("$M=\\\na \\\ninclude x.conf\nb 1\n");
        assert_eq!(t, expect(&[&["b", "1"]]));
        assert_eq!(
            count(&m, "Error", "`include` inside the multiline definition"),
            1
        );
    }

    // ---- R13 -------------------------------------------------------------------------

    fn one_number(t: &[Vec<String>], line: usize, word: usize) -> u64 {
        t[line][word].parse().unwrap()
    }

    #[test]
    fn f30_r13_random() {
        let (t, m) = pp(
            "router_id ${_RANDOM 1 9}\nrouter_id ${_RANDOM  4}\nrouter_id ${_RANDOM 4 }\n\
             router_id ${_RANDOM x}\nrouter_id ${_RANDOM 9 1}\nrouter_id ${_RANDOM 1 9} tail text here\n\
             router_id ${_RANDOM} ${_RANDOM 5 7} ${_RANDOM 3}\nr ${_RANDOM 1 2 3}\n",
        );
        assert!((1..=9).contains(&one_number(&t, 0, 1)));
        assert!((4..=32767).contains(&one_number(&t, 1, 1)));
        assert_eq!(t[2], ["router_id", "${_RANDOM", "4", "}"]);
        assert_eq!(t[3], ["router_id", "${_RANDOM", "x}"]);
        assert_eq!(t[4], ["router_id", "${_RANDOM", "9", "1}"]);
        assert!((1..=9).contains(&one_number(&t, 5, 1)));
        assert_eq!(t[5][2..], ["tail", "text", "here"]);
        assert!(one_number(&t, 6, 1) <= 32767);
        assert!((5..=7).contains(&one_number(&t, 6, 2)));
        assert!((3..=32767).contains(&one_number(&t, 6, 3)));
        assert!((1..=2).contains(&one_number(&t, 7, 1)));
        assert_eq!(count(&m, "Error", "`_RANDOM` takes up to two numbers"), 2);
        assert_eq!(
            count(&m, "Error", "the minimum 9 is above the maximum 1"),
            1
        );
        assert_eq!(count(&m, "Warning", "garbles the text after"), 2);
        assert_eq!(count(&m, "Warning", "at most two numbers"), 1);
    }

    #[test]
    fn r13_env_pwd_instance_and_redefinition() {
        std::env::set_var("HA_LEXER_TEST_ENV", "from env");
        let (t, m) = pp(
            "x \"${_ENV HA_LEXER_TEST_ENV}\"\ny [${_ENV HA_LEXER_TEST_UNSET}]\nz ${_ENV}\n\
             $_HASH=plain\nw $_HASH ${_INSTANCE}\n",
        );
        assert_eq!(
            t,
            expect(&[
                &["x", "from env"],
                &["y", "[]"],
                &["z", "${_ENV}"],
                &["w", "plain", "vm"]
            ])
        );
        assert_eq!(count(&m, "Note", "keepalived 2.4"), 1);
        assert_eq!(count(&m, "Warning", "`HA_LEXER_TEST_UNSET` is not set"), 1);
        assert_eq!(count(&m, "Error", "`_ENV` takes the name"), 1);
        // _PWD of text without a directory is the current directory.
        let (_, lines, _) = loader::preprocess_text("x.conf", "p ${_PWD}\n", &opts("vm"));
        let cwd = fs::canonicalize(std::env::current_dir().unwrap()).unwrap();
        assert_eq!(lines[0].tokens[1].text, cwd.display().to_string());
    }

    // ---- R14, R15, R16 ---------------------------------------------------------------

    fn seq(text: &str) -> Vec<String> {
        toks(text).into_iter().map(|l| l.join(" ")).collect()
    }

    #[test]
    fn f26_r14_seq_table() {
        assert_eq!(
            seq("~SEQ(SUBNET, 0, 3) ip 10.0.${SUBNET}.1"),
            ["ip 10.0.0.1", "ip 10.0.1.1", "ip 10.0.2.1", "ip 10.0.3.1"]
        );
        assert_eq!(
            seq("~SEQx(S, 0x90, 0x10, 0xc0) ip fe80::${S}:1"),
            [
                "ip fe80::90:1",
                "ip fe80::a0:1",
                "ip fe80::b0:1",
                "ip fe80::c0:1"
            ]
        );
        assert_eq!(seq("~SEQ(A,3) a $A"), ["a 1", "a 2", "a 3"]);
        assert_eq!(seq("~SEQ(C, 5, 3) c $C"), ["c 5", "c 4", "c 3"]);
        assert_eq!(seq("~SEQ(D, 1, 2, 6) d $D"), ["d 1", "d 3", "d 5"]);
        assert_eq!(seq("~SEQ(E, 6, -2, 1) e $E"), ["e 6", "e 4", "e 2"]);
        assert_eq!(seq("~SEQ(O,010,0x0a) o $O"), ["o 8", "o 9", "o 10"]);
        assert_eq!(seq("~SEQ (J, 2) j $J"), ["j 1", "j 2"]);
        assert_eq!(seq("~SEQ( K , 1 , 2 ) k $K"), ["k 1", "k 2"]);
        assert_eq!(seq("~SEQ(L,1,2)l $L"), ["l 1", "l 2"]);
        assert_eq!(seq("~SEQx(W,9,11) w $W"), ["w 9", "w a", "w b"]);
        assert_eq!(seq("~SEQ(U, 1, 2) u ${U}:$U"), ["u 1:1", "u 2:2"]);
        assert_eq!(seq("~SEQ(B,-3) b $B"), ["b -1", "b -2", "b -3"]);
        assert_eq!(seq("~SEQ(F, 0) f $F"), ["f 1", "f 0"]);
        assert_eq!(seq("~SEQ(M 1 2) m"), ["m", "m"]);
        assert_eq!(
            seq("$LO=2\n~SEQ(R,1,$LO) r $R\n~SEQ(T,1,${LO}) t $T"),
            ["r 1", "r 2", "t 1", "t 2"]
        );
        assert_eq!(
            seq("~SEQ(P,1,2) ~SEQ(Q,1,2) pq $P $Q"),
            ["pq 1 1", "pq 1 2", "pq 2 1", "pq 2 2"]
        );
        assert_eq!(seq("~SEQ(V,1,2)\nafter"), ["after"]);
        assert_eq!(seq("~SEQ(Z,1,2) z\nz $Z"), ["z", "z", "z 2"]);
    }

    #[test]
    fn f26_r14_seq_errors() {
        for (line, msg) in [
            ("~SEQ(G, 1, 0, 3) g", "the step 0 does not lead from 1 to 3"),
            ("~SEQx(I,-1,2) i", "~SEQx takes only positive numbers"),
            ("~SEQ(N,1,2 m", "`)` is missing"),
            ("~SEQ(X,abc) x", "are not 1 to 3 numbers"),
            ("~SEQ(Y,1,2,3,4) y", "are not 1 to 3 numbers"),
            ("~SEQ", "`(` expected"),
            ("~SEQX(Z,1,2) z", "`(` expected"),
            ("~SEQ(,1) z", "a variable name"),
            ("~SEQ(a)", "a variable name"),
            ("~SEQ(i,1,1000000) x", "more than the 100000 ha allows"),
            (
                "~SEQ(i,-9223372036854775808,9223372036854775807) x",
                "ha allows",
            ),
        ] {
            let (t, m) = pp(line);
            assert!(t.is_empty(), "{line}");
            assert_eq!(m.len(), 1, "{line}: {m:?}");
            assert!(
                m[0].starts_with("Error: invalid ~SEQ") && m[0].contains(msg),
                "{line}: {m:?}"
            );
        }
        let (t, m) = pp("~SEQ(i,1,100000) x");
        assert_eq!(t.len(), 100_000);
        assert!(m.is_empty());
        let (t, m) = pp("~SEQ(i €1,2) x");
        assert!(t.is_empty());
        assert_eq!(errors(&m), 1);
        let (t, m) = pp("~SEQ(a-b,1,2) x");
        assert_eq!(t.len(), 2);
        assert_eq!(count(&m, "Warning", "can never be referenced"), 1);
    }

    #[test]
    fn r14_nesting_is_bounded() {
        let line = format!("{} x\n", "~SEQ(i,1,2) ".repeat(40));
        let (t, m) = pp(&line);
        assert!(t.is_empty());
        assert_eq!(count(&m, "Error", "nest more than 32 deep"), 1);
        // One iteration each: nothing stays open.
        let line = format!("{} x\n", "~SEQ(i,1,1) ".repeat(40));
        assert_eq!(toks(&line), expect(&[&["x"]]));
        // A definition that starts a ~SEQ using itself.
        let (t, m) = pp("$A=~SEQ(i,1,2) $A\n$A\n");
        assert!(t.is_empty());
        assert_eq!(count(&m, "Error", "nest more than 32 deep"), 1);
        // Nested sequences whose product is too large.
        let (t, m) = pp("~SEQ(i,1,1000) ~SEQ(j,1,1000) x\n");
        assert_eq!(t.len(), MAX_GENERATED_PER_LINE - 100);
        assert_eq!(count(&m, "Error", "generates more than"), 1);
    }

    #[test]
    fn f27_r15_lst_table() {
        assert_eq!(seq("~LST(V, a, b, c) v $V"), ["v a", "v b", "v c"]);
        assert_eq!(
            seq("~LST({IP, IP1}, {10,1},{20,4},{5,6}) 192.168.${IP}.${IP1}"),
            ["192.168.10.1", "192.168.20.4", "192.168.5.6"]
        );
        assert_eq!(
            seq("~LST(IP, 1, 2) ~LST(IP1, 5,6) 192.169.${IP}.${IP1}"),
            ["192.169.1.5", "192.169.1.6", "192.169.2.5", "192.169.2.6"]
        );
        assert_eq!(
            seq("~LST({X,Y,Z}, {1}, {1,2}, {1,2,3}) xyz [${X}] [${Y}] [${Z}]"),
            ["xyz [1] [] []", "xyz [1] [2] []", "xyz [1] [2] [3]"]
        );
        assert_eq!(
            seq("~LST({A, B}, 1, 2) ab [${A}] [${B}]"),
            ["ab [1] []", "ab [2] []"]
        );
        assert_eq!(seq("~LST(W,) w2 [${W}]"), ["w2 []"]);
        assert_eq!(seq("~LST( V2 , x , y ) v2 $V2"), ["v2 x", "v2 y"]);
        assert_eq!(
            seq("~LST(P, 1, 2) ~SEQ(Q,1,2) pq ${P}${Q}"),
            ["pq 11", "pq 12", "pq 21", "pq 22"]
        );
        assert_eq!(seq("~LST(V,a,b)\nnext"), ["next"]);
        for (line, msg) in [
            ("~LST({X,Y}, {1,2,3}) toomany", "more values"),
            ("~LST(Q, {1,2}) q $Q", "more values"),
            ("~LST(W) w $W", "do not follow"),
            ("~LST(V1, a b, c) v", "do not follow"),
            ("~LST(R, \"a b\", c) r", "do not follow"),
            ("~LST", "do not follow"),
            ("~LST(S, 1, 2", "do not follow"),
            ("~LST({T,U} {1,2}) tu", "do not follow"),
        ] {
            let (t, m) = pp(line);
            assert!(t.is_empty(), "{line}");
            assert_eq!(m.len(), 1, "{line}: {m:?}");
            assert!(
                m[0].starts_with("Error: invalid ~LST") && m[0].contains(msg),
                "{line}: {m:?}"
            );
        }
    }

    #[test]
    fn f28_r16_other_tilde_lines() {
        let (t, m) = pp("$A=alpha\n~foo $A\n~seq(i,1,2) x\n");
        assert_eq!(t, expect(&[&["~foo", "$A"], &["~seq(i,1,2)", "x"]]));
        assert!(m.is_empty());
    }

    // ---- R17, R18, R19 ---------------------------------------------------------------

    #[test]
    fn f08_r17_brace_splitting() {
        let t = toks(
            "global_defs { router_id one }\nglobal_defs\n{\nrouter_id two\n}\n\
             global_defs {router_id three}\nrouter_id a{b}c\nrouter_id x \"a { b\" }\n\
             router_id \"{\" x\nrouter_id '{' x\n",
        );
        assert_eq!(
            t,
            expect(&[
                &["global_defs"],
                &["{"],
                &["router_id", "one"],
                &["}"],
                &["global_defs"],
                &["{"],
                &["router_id", "two"],
                &["}"],
                &["global_defs"],
                &["{"],
                &["router_id", "three"],
                &["}"],
                &["router_id", "a"],
                &["{"],
                &["b"],
                &["}"],
                &["c"],
                &["router_id", "x", "a { b"],
                &["}"],
                &["router_id", "{", "x"],
                &["router_id", "'"],
                &["{"],
                &["'", "x"],
            ])
        );
    }

    #[test]
    fn f09_r18_extra_braces_pass_through() {
        let t = toks("global_defs {\n}}\n");
        assert_eq!(t, expect(&[&["global_defs"], &["{"], &["}"], &["}"]]));
    }

    #[test]
    fn f07_r19_tokens_and_quotes() {
        let (t, m) = pp(
            "router_id abc\"def\"ghi\nrouter_id \"a b\"c\nrouter_id \"\"\nrouter_id \"\" x\n\
             router_id \"a\\\"b\"\nrouter_id 'a b'\n",
        );
        assert_eq!(
            t,
            expect(&[
                &["router_id", "abc", "def", "ghi"],
                &["router_id", "a b", "c"],
                &["router_id", ""],
                &["router_id", "", "x"],
                &["router_id", "a\\", "b"],
                &["router_id", "'a", "b'"],
            ])
        );
        assert_eq!(m, ["Error: this `\"` is never closed"]);
    }

    #[test]
    fn f36_f38_f39_lines_for_the_tree() {
        let t =
            toks("vrrp_instance VI_1 {\n   state MASTER\n   blah { a b }\n   interface lo\n}\n}\n");
        assert_eq!(
            t,
            expect(&[
                &["vrrp_instance", "VI_1"],
                &["{"],
                &["state", "MASTER"],
                &["blah"],
                &["{"],
                &["a", "b"],
                &["}"],
                &["interface", "lo"],
                &["}"],
                &["}"],
            ])
        );
        let (lines, diags) = run_text("global_defs\n\"{\"\n  router_id y\n}\n", "vm");
        assert!(lines[1].tokens[0].quoted);
        assert_eq!(diags.count(Severity::Warning), 1);
        let (t, _) = pp("virtual_ipaddress \"{\" 1.1.1.1 \"}\"\n");
        assert_eq!(t, expect(&[&["virtual_ipaddress", "{", "1.1.1.1", "}"]]));
    }

    #[test]
    fn r17_script_lines_keep_single_quoted_braces_and_comments() {
        let (t, m) = pp("vrrp_script c {\n script '/bin/echo {braces} #x' }\n");
        assert_eq!(
            t,
            expect(&[
                &["vrrp_script", "c"],
                &["{"],
                &["script", "'/bin/echo", "{braces}", "#x'"],
                &["}"]
            ])
        );
        assert_eq!(count(&m, "Warning", "inside single quotes"), 2);
        let (lines, _) = run_text("script '/bin/echo #comment'\n", "vm");
        assert_eq!(lines[0].text, "script '/bin/echo #comment'");
    }

    // ---- R33 and hazards -------------------------------------------------------------

    #[test]
    fn f44_r33_escaped_comment_at_line_start() {
        let (t, m) = pp("global_defs {\n\\#x\n\\!y\n}\n");
        assert_eq!(t, expect(&[&["global_defs"], &["{"], &["}"]]));
        assert_eq!(count(&m, "Warning", "`\\#` as the start of a comment"), 1);
        assert_eq!(count(&m, "Warning", "`\\!` as the start of a comment"), 1);
        assert!(m.iter().any(|x| x.contains("VRRP")));
    }

    #[test]
    fn f45_r1_last_line_without_newline() {
        let (lines, _) = run_text("global_defs {\n}\nbogus1\nbogus2", "vm");
        let at: Vec<u32> = lines.iter().map(|l| l.tokens[0].span.line).collect();
        assert_eq!(at, [1, 1, 2, 3, 4]);
    }

    #[test]
    fn glued_comments_are_pointed_out() {
        let (lines, diags) = run_text(
            "auth_pass abc#123\nmisc_path /x.sh!misc_dynamic\nx a # b_c\ndelay_loop 3#five\n",
            "vm",
        );
        assert_eq!(lines[0].tokens[1].text, "abc");
        let w: Vec<(String, u32)> = diags
            .iter()
            .map(|d| (d.message.clone(), d.span.unwrap().col))
            .collect();
        assert_eq!(
            w,
            [(
                "`!` starts a comment, so `misc_dynamic` here is not read".to_string(),
                16
            )]
        );
    }

    // ---- robustness ------------------------------------------------------------------

    /// Pieces that exercise every rule; inputs are built from them and mutated.
    const VOCAB: &[&str] = &[
        "global_defs",
        "vrrp_instance",
        "virtual_server",
        "real_server",
        "script",
        "notify_master",
        "include",
        "includea",
        "includer",
        "include_check",
        "router_id",
        "{",
        "}",
        "\"",
        "'",
        "\\",
        "#",
        "!",
        "\\#",
        "\\!",
        "$",
        "${",
        "$A",
        "${A}",
        "${A }",
        "${_RANDOM 1 3}",
        "${_HASH}",
        "${_ENV HOME}",
        "$_PWD",
        "${_INSTANCE}",
        "$A=",
        "$A=x",
        "$A=$A",
        "$B=${A}${A}",
        "$M=\\",
        "$M",
        "@vm",
        "@^vm",
        "@",
        "~SEQ(i,1,3)",
        "~SEQx(j,9,11)",
        "~LST(V,a,b)",
        "~LST({X,Y},{1,2},{3})",
        "~SEQ(",
        "~LST(",
        "$i",
        "${i}",
        "x",
        "1",
        ",",
        ")",
        "(",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\u{feff}",
        "é",
        "\0",
        "*",
        "{a,b}",
        "*.conf",
        "..",
        "\u{fdd0}",
    ];

    const SEEDS: &[&str] = &[
        F19,
        "$BLK=\\\nblk ${I}.${J} { \\\n  inner ${I} \\\n}\n~SEQ(I,1,2) ~SEQ(J,1,2) $BLK\n",
        "$RS=\\\nrs ${V}.${R} \\\nrs_end\n$VS=\\\nvs ${V} \\\n$R=1 \\\n$RS \\\n$R=2 \\\n$RS \\\nvs_end\n$V=0\n$VS\n",
        "vrrp_script chk {\n script \"/bin/echo 'a b' c\\\"d\" user\n}\nvrrp_instance v {\n notify_master /x arg\n}\n",
        "global_defs {\n include_check -read\n router_id a\\#b\n}\ninclude sub/{a,b}.conf\n",
        "$A=alpha\n$EMPTY=\n$EMPTY $B=beta\nx $B ${A } ${UNDEF} $A.x\n~LST({X,Y,Z}, {1}, {1,2}) xyz [${X}]\n",
        "$G=g1 \\\n# c\n  g2\n$H=a\\#b\n$IFM=@vm\n$IFM r c\nr ${_RANDOM 9 1} ${_RANDOM 1 9} t\n",
    ];

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    fn random_input(rng: &mut Rng) -> Vec<u8> {
        let mut v = Vec::new();
        for _ in 0..rng.below(60) {
            v.extend_from_slice(VOCAB[rng.below(VOCAB.len())].as_bytes());
            if rng.below(3) == 0 {
                v.push(b' ');
            }
        }
        v
    }

    fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
        let mut v = input.to_vec();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(v.len() + 1);
            match rng.below(6) {
                0 if !v.is_empty() => {
                    let at = at.min(v.len() - 1);
                    v[at] = rng.next() as u8;
                }
                1 if !v.is_empty() => {
                    let end = (at + rng.below(16)).min(v.len());
                    v.drain(at.min(end)..end);
                }
                2 => {
                    let w = VOCAB[rng.below(VOCAB.len())].as_bytes().to_vec();
                    v.splice(at..at, w);
                }
                3 if !v.is_empty() => {
                    let start = rng.below(v.len());
                    let end = (start + rng.below(40)).min(v.len());
                    let piece = v[start..end].to_vec();
                    v.splice(at..at, piece);
                }
                4 => v.insert(at, b'\n'),
                _ => {
                    let other = SEEDS[rng.below(SEEDS.len())].as_bytes();
                    let cut = rng.below(other.len());
                    v.truncate(at.min(v.len()));
                    v.extend_from_slice(&other[cut..]);
                }
            }
        }
        v
    }

    /// What the fuzz target does, for any bytes: no panic, no hang, bounded output.
    pub(crate) fn parse_any(data: &[u8]) -> usize {
        // No absolute paths: includes stay inside a directory that does not exist.
        let text: String = String::from_utf8_lossy(data).replace('/', "_");
        let parsed =
            crate::conf::parse_str_with("/nonexistent-ha-robustness/x.conf", &text, &opts("vm"));
        for d in parsed.diags.iter() {
            let _ = crate::conf::diag::render(d, &parsed.sources);
        }
        parsed.diags.len()
    }

    /// Everything the reader makes of `text`: the logical lines with their spans, the tree's
    /// and model's findings, and the model.
    fn everything(text: &str) -> String {
        let o = opts("vm");
        let name = "/nonexistent-ha-robustness/x.conf";
        let (_, lines, diags) = loader::preprocess_text(name, text, &o);
        let parsed = crate::conf::parse_str_with(name, text, &o);
        format!(
            "{lines:?}\n{:?}\n{:?}\n{:?}",
            diags.iter().collect::<Vec<_>>(),
            parsed.diags.iter().collect::<Vec<_>>(),
            parsed.config
        )
    }

    /// Texts for comparisons: the seeds, their mutations, random texts, and the fixtures of
    /// tests/data with mutations of their own.
    fn corpus(rounds: usize) -> Vec<String> {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut out: Vec<String> = SEEDS.iter().map(|s| s.to_string()).collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seeds");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        let fixtures: Vec<String> = files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "conf"))
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .map(|t| t.replace('/', "_"))
            .collect();
        out.extend(fixtures.iter().cloned());
        for round in 0..rounds {
            let data = match round % 3 {
                0 => random_input(&mut rng),
                1 => {
                    let seed = SEEDS[rng.below(SEEDS.len())];
                    mutate(&mut rng, seed.as_bytes())
                }
                _ if fixtures.is_empty() => random_input(&mut rng),
                _ => {
                    let i = rng.below(fixtures.len());
                    mutate(&mut rng, fixtures[i].as_bytes())
                }
            };
            out.push(String::from_utf8_lossy(&data).replace('/', "_"));
        }
        out
    }

    #[test]
    fn plain_path_reads_as_the_general_one() {
        LIMITS.with(|l| l.set(Some((2_000, 20_000))));
        SEED.with(|s| s.set(Some(0x9e37_79b9_7f4a_7c15)));
        let inputs = corpus(1500);
        assert!(inputs.len() > 1500);
        for text in &inputs {
            let fast = everything(text);
            GENERAL_ONLY.with(|g| g.set(true));
            let general = everything(text);
            GENERAL_ONLY.with(|g| g.set(false));
            assert!(fast == general, "the plain path differs on:\n{text}");
        }
    }

    #[test]
    fn robustness_random_and_mutated_inputs() {
        LIMITS.with(|l| l.set(Some((2_000, 20_000))));
        let started = std::time::Instant::now();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut inputs = 0;
        for round in 0..2400 {
            let data = if round % 3 == 0 {
                random_input(&mut rng)
            } else {
                let seed = SEEDS[rng.below(SEEDS.len())].as_bytes();
                mutate(&mut rng, seed)
            };
            parse_any(&data);
            inputs += 1;
        }
        // Pathological inputs the limits are for.
        for data in [
            "$A=${A}${A}\nx $A\n".to_string(),
            format!("{}x\n", "~SEQ(i,1,2) ".repeat(50)),
            "$M=\\\n$M \\\n$M\n$M\n".to_string(),
            format!("r {}\n", "${_RANDOM 1 2}".repeat(2000)),
            format!("{}\n", "{".repeat(100_000)),
            format!("{}\n", "\"".repeat(10_001)),
            format!("x {}\n", "${ ".repeat(20_000)),
        ] {
            parse_any(data.as_bytes());
            inputs += 1;
        }
        assert!(inputs > 2400);
        assert!(
            started.elapsed().as_secs() < 60,
            "robustness inputs took {:?}",
            started.elapsed()
        );
    }
}
