//! A configuration file's lines, read in blocks: `ha run -t` checks files of any size
//! without holding their text (the findings re-read the few lines they show, see
//! [`super::source::Sources::recall`]).

use std::fs;
use std::io::{self, Read};

use super::loader::MAX_FILE_SIZE;

/// Bytes asked of the file at a time.
const BLOCK: usize = 64 << 10;

/// The lines of an open file, one at a time, without their `\n`.
pub struct FileLines {
    file: fs::File,
    buf: Vec<u8>,
    /// The unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// `buf[start..valid_upto]` is valid UTF-8 (checked a block at a time, not per line).
    valid_upto: usize,
    eof: bool,
    read: u64,
}

/// A line: text when it is valid UTF-8, else its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

/// Why a file could not be read to its end.
#[derive(Debug)]
pub enum ReadError {
    Io(io::Error),
    /// The file grew past [`MAX_FILE_SIZE`] while it was read.
    TooLarge(u64),
}

impl FileLines {
    pub fn new(file: fs::File) -> Self {
        FileLines {
            file,
            buf: Vec::new(),
            start: 0,
            end: 0,
            valid_upto: 0,
            eof: false,
            read: 0,
        }
    }

    /// The next line without its `\n` (a last line without one included); None at the end.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>, ReadError> {
        if self.valid_upto < self.start {
            // The line before was not valid UTF-8: check again from here.
            self.valid_upto = self.start;
            self.validate();
        }
        let mut searched = 0;
        let line = loop {
            let unread = &self.buf[self.start + searched..self.end];
            if let Some(i) = find_newline(unread) {
                let line = self.start..self.start + searched + i;
                self.start = line.end + 1;
                break line;
            }
            searched = self.end - self.start;
            if self.eof {
                if searched == 0 {
                    return Ok(None);
                }
                let line = self.start..self.end;
                self.start = self.end;
                break line;
            }
            self.fill()?;
        };
        let valid = line.end <= self.valid_upto;
        let bytes = &self.buf[line];
        if valid {
            // SAFETY: the unread bytes up to `valid_upto` were valid UTF-8 and this line is
            // a prefix of them: it starts where they did and ends at a `\n` or at
            // `valid_upto`, both character boundaries.
            return Ok(Some(Line::Text(unsafe {
                std::str::from_utf8_unchecked(bytes)
            })));
        }
        Ok(Some(Line::Bytes(bytes)))
    }

    /// Extends the checked part over the unread bytes, up to the end or the first invalid
    /// (or incomplete) sequence.
    fn validate(&mut self) {
        match std::str::from_utf8(&self.buf[self.valid_upto..self.end]) {
            Ok(_) => self.valid_upto = self.end,
            Err(e) => self.valid_upto += e.valid_up_to(),
        }
    }

    /// Reads the next block after the unread bytes (moved to the front; the buffer grows
    /// only for a line longer than it).
    fn fill(&mut self) -> Result<(), ReadError> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.valid_upto -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < BLOCK / 2 {
            let want = (self.buf.len() * 2).max(BLOCK);
            self.buf.resize(want, 0);
        }
        loop {
            match self.file.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    self.read += n as u64;
                    if self.read > MAX_FILE_SIZE {
                        return Err(ReadError::TooLarge(self.read));
                    }
                    self.validate();
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ReadError::Io(e)),
            }
        }
    }
}

/// The offset of the first `\n`, eight bytes at a time (lines are short, files long).
pub fn find_newline(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = ONES * b'\n' as u64;
    let mut chunks = b.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w) ^ NL;
        // A zero byte of `x` is a `\n` of the chunk (the classic has-zero-byte test; its
        // lowest set bit is exact).
        let found = x.wrapping_sub(ONES) & !x & HIGH;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c == b'\n')
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines_of(content: &[u8]) -> Vec<Vec<u8>> {
        let dir = std::env::temp_dir().join(format!("ha-file-lines-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.conf", content.len()));
        fs::File::create(&path).unwrap().write_all(content).unwrap();
        let mut r = FileLines::new(fs::File::open(&path).unwrap());
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            let bytes = match l {
                Line::Text(t) => t.as_bytes(),
                Line::Bytes(b) => {
                    assert!(std::str::from_utf8(b).is_err(), "{b:?} is text");
                    b
                }
            };
            out.push(bytes.to_vec());
        }
        let _ = fs::remove_file(&path);
        out
    }

    #[test]
    fn lines_as_the_text_splits_them() {
        let long = "x".repeat(3 * BLOCK + 17);
        for text in [
            "".to_string(),
            "a".to_string(),
            "a\n".to_string(),
            "a\n\nb\r\n".to_string(),
            "\n\n".to_string(),
            format!("one\n{long}\ntwo"),
            format!("{long}\n"),
            "é\u{feff}\nz".to_string(),
        ] {
            let want: Vec<Vec<u8>> = if text.is_empty() {
                Vec::new()
            } else {
                let body = text.strip_suffix('\n').unwrap_or(&text);
                body.split('\n').map(|l| l.as_bytes().to_vec()).collect()
            };
            assert_eq!(
                lines_of(text.as_bytes()),
                want,
                "{:?}",
                &text[..text.len().min(20)]
            );
        }
        // Invalid UTF-8 is handed on as bytes, and only the lines that have it.
        let mut bad = Vec::new();
        for i in 0..20_000 {
            bad.extend_from_slice(format!("line {i} é").as_bytes());
            if i % 7 == 0 {
                bad.push(0xff);
            }
            bad.push(b'\n');
        }
        bad.extend_from_slice(b"\xe2\x82");
        let got = lines_of(&bad);
        assert_eq!(got.len(), 20_001);
        assert_eq!(got[20_000], b"\xe2\x82");
        // Many short lines across block boundaries.
        let many: String = (0..40_000).map(|i| format!("line {i}\n")).collect();
        let got = lines_of(many.as_bytes());
        assert_eq!(got.len(), 40_000);
        assert_eq!(got[39_999], b"line 39999");
    }

    #[test]
    fn newline_search_finds_the_first() {
        for len in 0..40 {
            for at in 0..len {
                let mut b = vec![b'a'; len];
                b[at] = b'\n';
                if at + 3 < len {
                    b[at + 3] = b'\n';
                }
                assert_eq!(find_newline(&b), Some(at), "{len} {at}");
            }
            assert_eq!(find_newline(&vec![0x8a; len]), None);
            assert_eq!(find_newline(&vec![b'\x0b'; len]), None);
        }
    }
}
