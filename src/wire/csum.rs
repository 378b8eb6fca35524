//! The Internet checksum (RFC 1071) as keepalived's `in_csum` and the kernel compute it.

/// The 16-bit one's complement of the one's complement sum of `parts`, read as one byte
/// string of big-endian 16-bit words (an odd final byte is padded with a zero byte).
///
/// Verifying: over data that includes a correct checksum field the result is 0. A computed
/// checksum is never 0xffff (the sum of data that is not all zero never folds to 0), which
/// is also what keepalived's incremental updates (RFC 1624) keep, so the bytes agree.
pub fn checksum(parts: &[&[u8]]) -> u16 {
    !fold(sum(parts))
}

/// The one's complement sum of `parts`, unfolded.
pub fn sum(parts: &[&[u8]]) -> u64 {
    let mut acc: u64 = 0;
    let mut odd = false;
    for part in parts {
        for &b in part.iter() {
            acc += if odd { u64::from(b) } else { u64::from(b) << 8 };
            odd = !odd;
        }
    }
    acc
}

/// Folds a sum to 16 bits with end-around carry.
pub fn fold(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(sum(&[&data])), 0xddf2);
        assert_eq!(checksum(&[&data]), !0xddf2);
    }

    #[test]
    fn parts_concatenate_even_across_odd_boundaries() {
        let data = [1u8, 2, 3, 4, 5, 6, 7];
        let whole = checksum(&[&data]);
        assert_eq!(checksum(&[&data[..3], &data[3..]]), whole);
        assert_eq!(checksum(&[&data[..1], &data[1..6], &data[6..]]), whole);
        // Odd tail padded with zero.
        assert_eq!(checksum(&[&[0xab]]), !0xab00);
    }

    #[test]
    fn verifying_gives_zero() {
        let mut data = vec![0x45, 0xc0, 0x00, 0x28, 0x00, 0x09, 0x00, 0x00, 0xff, 0x70];
        data.extend_from_slice(&[0, 0, 10, 99, 0, 1, 224, 0, 0, 18]);
        let c = checksum(&[&data]);
        data[10..12].copy_from_slice(&c.to_be_bytes());
        assert_eq!(checksum(&[&data]), 0);
        // The reference capture's IPv4 header checksum.
        assert_eq!(c, 0xd026);
    }
}
