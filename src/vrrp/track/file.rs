//! A `track_file`'s value, read as keepalived 2.2.7 reads it (`process_track_file`,
//! trackers/track_file.c): the first 127 bytes of the file, parsed by C's
//! `strtol(buf, NULL, 0)`. So leading white space (newlines included) is skipped, a sign
//! is allowed, `0x` means hexadecimal and a leading `0` octal (`010` is 8), parsing stops
//! at the first character that does not fit, and text without a number reads as 0. A
//! number beyond 64 bits, or outside -2^31 .. 2^31, is refused and the previous value
//! stays. A missing, unreadable or empty file reads as 0.

use std::fmt;

/// keepalived reads at most this many bytes (a 128-byte buffer, NUL terminated).
pub const READ_MAX: usize = 127;

/// A number keepalived refuses ("Invalid number ... - ignoring").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadNumber {
    /// The digits as they were in the file (cut short when very long).
    pub text: String,
}

impl fmt::Display for BadNumber {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "the number {} is out of range (-2147483648 to 2147483648)",
            self.text
        )
    }
}

impl std::error::Error for BadNumber {}

/// The value of a file's contents (`None`: missing or unreadable, which is 0).
pub fn parse_value(content: Option<&[u8]>) -> Result<i64, BadNumber> {
    let Some(bytes) = content else {
        return Ok(0);
    };
    let bytes = &bytes[..bytes.len().min(READ_MAX)];
    // The C string ends at the first NUL.
    let bytes = bytes.split(|b| *b == 0).next().unwrap_or_default();
    let mut i = 0;
    while bytes.get(i).is_some_and(|b| b" \t\n\x0b\x0c\r".contains(b)) {
        i += 1;
    }
    let from = i;
    let negative = match bytes.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let hex_digit = |k: usize| bytes.get(k).is_some_and(u8::is_ascii_hexdigit);
    let radix = if bytes.get(i) == Some(&b'0')
        && matches!(bytes.get(i + 1), Some(b'x' | b'X'))
        && hex_digit(i + 2)
    {
        i += 2;
        16
    } else if bytes.get(i) == Some(&b'0') {
        8
    } else {
        10
    };
    // Magnitude as u128 so that i64::MIN itself is representable before the sign.
    let mut magnitude: u128 = 0;
    let mut overflow = false;
    while let Some(d) = bytes.get(i).and_then(|b| char::from(*b).to_digit(radix)) {
        magnitude = magnitude * u128::from(radix) + u128::from(d);
        if magnitude > u128::from(i64::MAX as u64) + 1 {
            overflow = true;
            magnitude = u128::from(i64::MAX as u64) + 1;
        }
        i += 1;
    }
    let bad = || BadNumber {
        text: String::from_utf8_lossy(&bytes[from..i.min(from + 40)]).into_owned(),
    };
    let value: i128 = if negative {
        -(magnitude as i128)
    } else {
        magnitude as i128
    };
    if overflow || value > i128::from(i64::MAX) {
        return Err(bad());
    }
    // keepalived's own range check, one past i32::MAX included.
    if value < i128::from(i32::MIN) || value > i128::from(i32::MAX) + 1 {
        return Err(bad());
    }
    Ok(value as i64)
}
