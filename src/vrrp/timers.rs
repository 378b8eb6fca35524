//! The timer arithmetic, in keepalived's integer microseconds so that ha and keepalived
//! peers time out at the same instants (keepalived/include/vrrp.h: VRRP_TIMER_SKEW,
//! VRRP_MS_DOWN_TIMER).

use std::time::Duration;

use crate::wire::vrrp::Version;

/// Skew_Time. RFC 3768 6.1: `(256 - Priority) / 256` seconds; RFC 5798 6.1:
/// `((256 - Priority) * Master_Adver_Interval) / 256`. keepalived computes the VRRPv3 form
/// as `pri * centiseconds * 625 / 16` microseconds, truncated.
pub fn skew(version: Version, priority: u8, master_adver_int: Duration) -> Duration {
    let pri = 256 - u64::from(priority);
    let us = match version {
        Version::V2 => pri * 1_000_000 / 256,
        Version::V3 => pri * centis(master_adver_int) * 625 / 16,
    };
    Duration::from_micros(us)
}

/// Master_Down_Interval: `down_timer_adverts` (RFC: 3) times the master's advertisement
/// interval, plus Skew_Time.
pub fn master_down(
    version: Version,
    adverts: u32,
    priority: u8,
    master_adver_int: Duration,
) -> Duration {
    master_adver_int * adverts + skew(version, priority, master_adver_int)
}

/// Whole centiseconds of a duration (VRRPv3's interval unit).
pub fn centis(d: Duration) -> u64 {
    (d.as_micros() / 10_000) as u64
}

/// Seconds with two decimals, as in the transition reasons ("no advert for 3.61 s").
pub fn secs(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// RFC 3768 6.1 with keepalived's truncation: priority 100 gives 156/256 s.
    #[test]
    fn v2_skew_and_down_interval() {
        assert_eq!(
            skew(Version::V2, 100, ms(1000)),
            Duration::from_micros(609_375)
        );
        assert_eq!(
            skew(Version::V2, 255, ms(1000)),
            Duration::from_micros(3_906)
        );
        assert_eq!(
            skew(Version::V2, 1, ms(1000)),
            Duration::from_micros(996_093)
        );
        assert_eq!(
            master_down(Version::V2, 3, 100, ms(1000)),
            Duration::from_micros(3_609_375)
        );
        // The VRRPv2 skew does not scale with the interval.
        assert_eq!(
            master_down(Version::V2, 3, 100, ms(5000)),
            Duration::from_micros(15_609_375)
        );
    }

    /// RFC 5798 6.1: the skew scales with the master's interval.
    #[test]
    fn v3_skew_scales_with_interval() {
        assert_eq!(
            skew(Version::V3, 100, ms(1000)),
            Duration::from_micros(609_375)
        );
        // 156 * 5 * 625 / 16 = 30468.75 -> 30468 us.
        assert_eq!(
            skew(Version::V3, 100, ms(50)),
            Duration::from_micros(30_468)
        );
        // 156 * 1 * 625 / 16 = 6093.75 -> 6093 us.
        assert_eq!(skew(Version::V3, 100, ms(10)), Duration::from_micros(6_093));
        assert_eq!(
            master_down(Version::V3, 3, 100, ms(10)),
            Duration::from_micros(36_093)
        );
        assert_eq!(
            master_down(Version::V3, 1, 200, ms(100)),
            Duration::from_micros(100_000 + 56 * 10 * 625 / 16)
        );
    }

    #[test]
    fn formats() {
        assert_eq!(secs(Duration::from_micros(3_609_375)), "3.61");
        assert_eq!(centis(ms(50)), 5);
        assert_eq!(centis(ms(40_950)), 4095);
    }
}
