//! The keepalived.conf reader on arbitrary input: `ha::conf::parse_str` (preprocessor, tree,
//! model) must not panic, hang or run out of memory, and every finding must render.
//!
//! Run: `cargo +nightly fuzz run conf_parse -- -dict=fuzz/conf_parse.dict`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Keep includes away from the real file system: without `/` there are no absolute
    // patterns, and the file's directory does not exist, so relative ones find nothing.
    let text = String::from_utf8_lossy(data).replace('/', "_");
    let parsed = ha::conf::parse_str("/nonexistent-ha-fuzz/fuzz.conf", &text);
    for d in parsed.diags.iter() {
        let _ = ha::conf::diag::render(d, &parsed.sources);
    }
});
