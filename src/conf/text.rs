//! [`Text`]: an immutable string that keeps short values inline.
//!
//! A large configuration has millions of words and hundreds of thousands of statement lines,
//! nearly all shorter than 23 bytes (`real_server`, `10.150.0.7`, `connect_timeout 3`).
//! Keeping them inline saves one allocation and one free per word, which dominated the
//! reader's time.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

/// Longest value kept inline.
const INLINE: usize = 22;

#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Box<str>),
}

impl Text {
    pub const fn new() -> Self {
        Text(Repr::Inline {
            len: 0,
            buf: [0; INLINE],
        })
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, buf } => {
                let bytes = &buf[..usize::from(*len)];
                // SAFETY: the inline bytes are always a whole copy of a `&str` (see `From<&str>`),
                // so they are valid UTF-8.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            Repr::Heap(s) => s,
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::new()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        if s.len() <= INLINE {
            Text(Repr::Inline {
                len: s.len() as u8,
                buf: inline_copy(s.as_bytes()),
            })
        } else {
            Text(Repr::Heap(Box::from(s)))
        }
    }
}

/// `s` (at most [`INLINE`] bytes) at the start of a zeroed buffer. Two overlapping copies
/// of a fixed size instead of one of `s.len()`: short words are copied in a few moves, not
/// by a call to `memcpy` (a large configuration has millions of them).
#[inline]
fn inline_copy(s: &[u8]) -> [u8; INLINE] {
    fn two<const N: usize>(buf: &mut [u8; INLINE], s: &[u8]) {
        let n = s.len();
        buf[..N].copy_from_slice(&s[..N]);
        buf[n - N..n].copy_from_slice(&s[n - N..]);
    }
    let mut buf = [0; INLINE];
    match s.len() {
        0 => {}
        1 => buf[0] = s[0],
        2..=3 => two::<2>(&mut buf, s),
        4..=7 => two::<4>(&mut buf, s),
        8..=15 => two::<8>(&mut buf, s),
        16..=INLINE => two::<16>(&mut buf, s),
        _ => {}
    }
    buf
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        if s.len() <= INLINE {
            Text::from(s.as_str())
        } else {
            Text(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Text::from(s.as_str())
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        match t.0 {
            Repr::Heap(s) => s.into_string(),
            Repr::Inline { .. } => t.as_str().to_string(),
        }
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_values_read_back_the_same() {
        for s in [
            "",
            "a",
            "real_server",
            "connect_timeout 3",
            "é€x",
            &"x".repeat(22),
        ] {
            let t = Text::from(s);
            assert!(matches!(t.0, Repr::Inline { .. }), "{s}");
            assert_eq!(t.as_str(), s);
        }
        let long = "65078f5e997cf8af75ced0bfee208362";
        let t = Text::from(long.to_string());
        assert!(matches!(t.0, Repr::Heap(_)));
        assert_eq!(t, long);
        assert_eq!(String::from(t), long);
    }

    #[test]
    fn compares_and_prints_as_its_string() {
        let t = Text::from("vrrp_instance");
        assert!(t == "vrrp_instance");
        assert!("vrrp_instance" == t);
        assert_eq!(t.to_string(), "vrrp_instance");
        assert_eq!(format!("{t:?}"), "\"vrrp_instance\"");
        assert_eq!(t.len(), 13);
        assert_eq!(std::mem::size_of::<Text>(), 24);
    }

    #[test]
    fn every_short_length_is_copied_whole() {
        let long = "abcdefghijklmnopqrstuvwxyz";
        for n in 0..=INLINE {
            let t = Text::from(&long[..n]);
            assert_eq!(t.as_str(), &long[..n]);
            let Repr::Inline { buf, .. } = t.0 else {
                panic!("{n} bytes are kept inline");
            };
            assert!(buf[n..].iter().all(|&b| b == 0), "{n}");
        }
    }
}
