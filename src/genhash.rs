//! What genhash prints, shared by `ha genhash` and the `genhash` personality: keepalived's
//! verbose dump of the reply (header and body hex dumps, digest) and the digest line.

use crate::check::http::hex;
use crate::check::http_response::Fed;
use crate::hexdump;

macro_rules! banner {
    ($title:literal) => {
        concat!(
            "-----------------------[",
            $title,
            "]-----------------------\n"
        )
    };
}

pub const HTTP_HEADER_HEXA: &str = banner!("    HTTP Header Buffer    ");
pub const HTTP_HEADER_ASCII: &str = banner!(" HTTP Header Ascii Buffer ");
pub const HTML_HEADER_HEXA: &str = banner!("        HTML Buffer        ");
pub const HTML_HASH: &str = banner!("    HTML hash resulting    ");
pub const HTML_HASH_FINAL: &str = banner!(" HTML hash final resulting ");

/// The verbose lines for one chunk of the reply, as keepalived prints them while reading.
pub fn verbose_chunk(fed: &Fed) -> String {
    match fed {
        Fed::HeaderPending => HTTP_HEADER_HEXA.to_string(),
        Fed::HeaderDone { header, hashed } => {
            let mut out = String::from(HTTP_HEADER_HEXA);
            out.push_str(&hexdump::dump(header));
            out.push_str(HTTP_HEADER_ASCII);
            // keepalived prints the header with "%.*s": it stops at a NUL byte.
            let text = header.split(|&b| b == 0).next().unwrap_or_default();
            out.push_str(&String::from_utf8_lossy(text));
            out.push('\n');
            if !hashed.is_empty() {
                out.push_str(HTML_HEADER_HEXA);
                out.push_str(&hexdump::dump(hashed));
            }
            out
        }
        Fed::Body { hashed } => hexdump::dump(hashed),
    }
}

/// The verbose digest section printed when the server closed cleanly.
pub fn verbose_digest(digest: &[u8; 16]) -> String {
    format!("\n{HTML_HASH}{}{HTML_HASH_FINAL}", hexdump::dump(digest))
}

/// The line genhash is for.
pub fn digest_line(digest: &[u8; 16]) -> String {
    format!("{}\n", hex(digest))
}

/// keepalived's closing line in verbose mode.
pub fn timing_line(path: &str, usecs: u128) -> String {
    format!("\nGlobal response time for [{path}] = {usecs} usecs\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::http_response::{Dialect, ResponseParser};

    /// keepalived 2.2.7's `genhash -v` for a reply read in one go
    /// (shared/reference/genhash/verbose-single-read.stdout), timing line aside.
    #[test]
    fn verbose_output_matches_keepalived_for_a_single_read() {
        let reply: &[u8] =
            b"HTTP/1.1 200 OK\r\nContent-Length: 17\r\nContent-Type: text/plain\r\n\r\nhello from kalab\n";
        let mut p = ResponseParser::new(Dialect::Keepalived);
        let mut out = verbose_chunk(&p.feed(reply));
        let digest = p.finish().digest;
        out.push_str(&verbose_digest(&digest));
        out.push_str(&digest_line(&digest));
        let expected = include_str!("../tests/data/genhash/verbose-single-read.stdout");
        let expected = &expected[..expected.find("\nGlobal response time").unwrap()];
        assert_eq!(out, expected);
    }
}
