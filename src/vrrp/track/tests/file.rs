//! track_file: `process_track_file` reads the value (trackers/track_file.c),
//! `update_track_file_status` / `process_update_vrrp_track_file_status` apply it.

use super::*;
use crate::vrrp::track::parse_value;

fn value(s: &str) -> Result<i64, String> {
    parse_value(Some(s.as_bytes())).map_err(|e| e.to_string())
}

/// `process_track_file`: `strtol(buf, NULL, 0)` over the first 127 bytes.
#[test]
fn values_are_read_as_strtol_reads_them() {
    assert_eq!(value("5\n"), Ok(5));
    assert_eq!(
        value("  \n\t-12 apples\n7"),
        Ok(-12),
        "white space and lines skipped"
    );
    assert_eq!(value("+3"), Ok(3));
    assert_eq!(value("0x1f"), Ok(31), "hexadecimal");
    assert_eq!(value("-0X10"), Ok(-16));
    assert_eq!(value("010"), Ok(8), "a leading 0 is octal");
    assert_eq!(value("08"), Ok(0), "8 is not an octal digit");
    assert_eq!(value("0x"), Ok(0));
    assert_eq!(value("abc 5"), Ok(0), "no number is 0");
    assert_eq!(value(""), Ok(0));
    assert_eq!(parse_value(None), Ok(0), "a missing file is 0");
    assert_eq!(
        parse_value(Some(b"4\x005")),
        Ok(4),
        "the C string ends at NUL"
    );
    let far = format!("{}9", " ".repeat(127));
    assert_eq!(value(&far), Ok(0), "only 127 bytes are read");
    assert_eq!(
        value("2147483648"),
        Ok(2_147_483_648),
        "one past i32::MAX is accepted"
    );
    assert!(value("2147483649").is_err());
    assert!(value("-2147483649").is_err());
    assert!(value("99999999999999999999999").is_err());
}

/// `update_track_file_status` (weight non-zero): value x weight, x -1 with reverse,
/// at most 253; -254 or less is FAULT (`process_update_vrrp_track_file_status`). A
/// missing file reads as 0; a refused number leaves the value as it was.
#[test]
fn value_times_weight() {
    let text = "track_file tf {\n file /run/ha/tf\n weight 10\n}\n".to_string()
        + &inst("VI_1", 1, 100, " track_file {\n  tf\n }")
        + &inst("VI_2", 2, 100, " track_file {\n  tf weight -2 reverse\n }");
    let (mut t, _) = tracking(&text);
    assert_eq!(t.files().collect::<Vec<_>>(), [("tf", "/run/ha/tf")]);
    t.file_content("tf", Some(b"-3\n"));
    assert_eq!(
        effects(&mut t),
        [
            prio(
                "VI_1",
                -30,
                "track_file tf (/run/ha/tf) reads -3, weight 10"
            ),
            prio(
                "VI_2",
                -6,
                "track_file tf (/run/ha/tf) reads -3, weight -2 reverse"
            ),
        ]
    );
    t.file_content("tf", Some(b"40"));
    assert_eq!(
        effects(&mut t),
        [
            prio(
                "VI_1",
                253,
                "track_file tf (/run/ha/tf) reads 40, weight 10"
            ),
            prio(
                "VI_2",
                80,
                "track_file tf (/run/ha/tf) reads 40, weight -2 reverse"
            ),
        ]
    );
    t.file_content("tf", Some(b"99999999999"));
    let u = drain(&mut t);
    assert_eq!(u.len(), 1, "{u:?}");
    assert!(matches!(&u[0], Update::Tracker(s) if s.ends_with("the value stays 40")));
    t.file_content("tf", Some(b"-26"));
    assert_eq!(
        effects(&mut t),
        [
            prio("VI_1", 0, "track_file tf (/run/ha/tf) reads -26, weight 10"),
            fault(
                "VI_1",
                true,
                "track_file tf (/run/ha/tf) reads -26, weight 10"
            ),
            prio(
                "VI_2",
                -52,
                "track_file tf (/run/ha/tf) reads -26, weight -2 reverse"
            ),
        ]
    );
    t.file_content("tf", None);
    assert_eq!(
        effects(&mut t),
        [
            fault(
                "VI_1",
                false,
                "track_file tf (/run/ha/tf) reads 0, weight 10"
            ),
            prio(
                "VI_2",
                0,
                "track_file tf (/run/ha/tf) reads 0, weight -2 reverse"
            ),
        ]
    );
}

/// `update_track_file_status` (weight 0): a non-zero value is FAULT; with reverse a
/// zero one is.
#[test]
fn weight_0_means_non_zero_is_fault() {
    let text = "track_file tf {\n file /run/ha/tf\n weight 0\n}\n".to_string()
        + &inst("VI_1", 1, 100, " track_file {\n  tf\n }")
        + &inst("VI_2", 2, 100, " track_file {\n  tf weight 0 reverse\n }");
    let (mut t, _) = tracking(&text);
    t.file_content("tf", Some(b"0"));
    assert_eq!(
        effects(&mut t),
        [fault("VI_2", true, "track_file tf (/run/ha/tf) reads 0")]
    );
    t.file_content("tf", Some(b"1"));
    assert_eq!(
        effects(&mut t),
        [
            fault("VI_1", true, "track_file tf (/run/ha/tf) reads 1"),
            fault("VI_2", false, "track_file tf (/run/ha/tf) reads 1"),
        ]
    );
}
