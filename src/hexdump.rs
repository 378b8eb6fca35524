//! The hex dump layout keepalived's genhash prints in verbose mode (offsets in decimal).

use std::fmt::Write;

/// Renders `buf` as lines of 16 bytes: `OOOO  xx xx .. xx - xx .. xx   ascii`.
/// The last line is padded so every line has the same width, as keepalived pads it.
pub fn dump(buf: &[u8]) -> String {
    let mut out = String::new();
    for (line_no, line) in buf.chunks(16).enumerate() {
        // keepalived masks the offset to 16 bits and prints it with at least 4 digits.
        let _ = write!(out, "{:04} ", (line_no * 16) & 0xffff);
        for i in 0..16 {
            match line.get(i) {
                Some(b) => {
                    let _ = write!(out, " {b:02x}");
                }
                None => out.push_str("   "),
            }
            if i == 7 {
                out.push_str(" -");
            }
        }
        out.push_str("   ");
        for i in 0..16 {
            out.push(match line.get(i) {
                Some(&b) if (0x20..=0x7e).contains(&b) => b as char,
                Some(_) => '.',
                None => ' ',
            });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_keepalived_layout_for_a_partial_line() {
        // From keepalived 2.2.7 genhash -v (reference/genhash/verbose-single-read.stdout).
        let body = b"hello from kalab\n";
        let expected = "0000  68 65 6c 6c 6f 20 66 72 - 6f 6d 20 6b 61 6c 61 62   hello from kalab\n\
                        0016  0a                      -                           .               \n";
        assert_eq!(dump(body), expected);
    }

    #[test]
    fn empty_buffer_prints_nothing() {
        assert_eq!(dump(b""), "");
    }

    #[test]
    fn offsets_are_decimal() {
        let out = dump(&[0u8; 48]);
        let offsets: Vec<&str> = out.lines().map(|l| &l[..4]).collect();
        assert_eq!(offsets, ["0000", "0016", "0032"]);
    }
}
