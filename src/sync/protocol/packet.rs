//! The NTPv4 packet (RFC 5905 section 7.3) and NTP timestamps, as pure code: no sockets, no
//! clock. Only the 48-byte header is read; extension fields and a MAC after it are ignored,
//! since an unauthenticated client cannot check them anyway.

use std::fmt;

/// Seconds from 1900-01-01 (the NTP prime epoch) to 1970-01-01 (the Unix epoch).
pub const UNIX_TO_NTP: i64 = 2_208_988_800;
/// Length of the NTP header: every valid packet has at least this many bytes.
pub const HEADER_LEN: usize = 48;

/// An NTP timestamp: 32 bits of seconds and 32 bits of fraction. The seconds wrap every 2^32
/// s (era 0 ends on 2036-02-07), so a timestamp alone does not name an instant: differences
/// are taken modulo 2^64 (valid when the two are within 68 years of each other, RFC 5905
/// section 6), and an absolute instant is the one nearest a reference time.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub struct Timestamp(pub u64);

impl Timestamp {
    pub const ZERO: Timestamp = Timestamp(0);

    /// The NTP timestamp of a Unix time in nanoseconds (any era: the seconds wrap).
    pub fn from_unix_nanos(ns: i64) -> Timestamp {
        let secs = ns.div_euclid(1_000_000_000);
        let sub = ns.rem_euclid(1_000_000_000) as u64;
        let ntp_secs = (secs + UNIX_TO_NTP) as u64 & 0xffff_ffff;
        // round to the nearest 2^-32 s so that a round trip through nanoseconds is exact
        let frac = ((sub << 32) + 500_000_000) / 1_000_000_000;
        Timestamp((ntp_secs << 32).wrapping_add(frac))
    }

    /// `self - earlier` in nanoseconds, taken modulo 2^64 as RFC 5905 prescribes, so that it
    /// is right across an era boundary as long as the two are less than 68 years apart.
    pub fn diff_nanos(self, earlier: Timestamp) -> i64 {
        let d = self.0.wrapping_sub(earlier.0) as i64 as i128;
        // 32.32 fixed point to nanoseconds, rounded to nearest
        ((d * 1_000_000_000 + (1 << 31)) >> 32) as i64
    }

    /// The Unix time (nanoseconds) this timestamp names in the era nearest to `near`, a Unix
    /// time in nanoseconds.
    pub fn to_unix_nanos(self, near: i64) -> i64 {
        near.saturating_add(self.diff_nanos(Timestamp::from_unix_nanos(near)))
    }
}

/// NTP short format (16.16 fixed point seconds) in nanoseconds.
fn short_nanos(v: u32) -> i64 {
    ((v as i64) * 1_000_000_000 + (1 << 15)) >> 16
}

fn nanos_short(ns: i64) -> u32 {
    let v = (((ns.max(0) as i128) << 16) + 500_000_000) / 1_000_000_000;
    v.min(u32::MAX as i128) as u32
}

/// The association mode (RFC 5905 figure 10).
pub const MODE_CLIENT: u8 = 3;
pub const MODE_SERVER: u8 = 4;
/// Leap indicator 3: the server's clock is not synchronized.
pub const LEAP_UNSYNC: u8 = 3;

/// The header fields of an NTP packet.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Packet {
    pub leap: u8,
    pub version: u8,
    pub mode: u8,
    pub stratum: u8,
    pub poll: i8,
    pub precision: i8,
    /// Round-trip delay to the server's reference, nanoseconds.
    pub root_delay: i64,
    /// Dispersion to the server's reference, nanoseconds.
    pub root_dispersion: i64,
    pub ref_id: [u8; 4],
    pub reference: Timestamp,
    pub origin: Timestamp,
    pub receive: Timestamp,
    pub transmit: Timestamp,
}

/// Why bytes are not an NTP packet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DecodeError {
    /// Fewer than 48 bytes.
    Short(usize),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            DecodeError::Short(n) => {
                write!(f, "malformed reply: {n} bytes, an NTP packet has at least {HEADER_LEN}")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

impl Packet {
    /// A client request (mode 3, version 4). Its transmit timestamp is `cookie`, a random
    /// number rather than the clock: the server echoes it as the reply's origin, which is all
    /// the client needs of it (it keeps the real send time itself), and a random value cannot
    /// be guessed by an off-path attacker forging replies, nor does it reveal this clock.
    pub fn request(cookie: Timestamp) -> Packet {
        Packet { version: 4, mode: MODE_CLIENT, transmit: cookie, ..Packet::default() }
    }

    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0] = (self.leap & 3) << 6 | (self.version & 7) << 3 | (self.mode & 7);
        b[1] = self.stratum;
        b[2] = self.poll as u8;
        b[3] = self.precision as u8;
        b[4..8].copy_from_slice(&nanos_short(self.root_delay).to_be_bytes());
        b[8..12].copy_from_slice(&nanos_short(self.root_dispersion).to_be_bytes());
        b[12..16].copy_from_slice(&self.ref_id);
        b[16..24].copy_from_slice(&self.reference.0.to_be_bytes());
        b[24..32].copy_from_slice(&self.origin.0.to_be_bytes());
        b[32..40].copy_from_slice(&self.receive.0.to_be_bytes());
        b[40..48].copy_from_slice(&self.transmit.0.to_be_bytes());
        b
    }

    /// Reads the header of `bytes`; anything after it (extension fields, MAC) is ignored.
    pub fn decode(bytes: &[u8]) -> Result<Packet, DecodeError> {
        let Some(b) = bytes.get(..HEADER_LEN) else {
            return Err(DecodeError::Short(bytes.len()));
        };
        let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let ts_at = |i: usize| Timestamp(u64::from(u32_at(i)) << 32 | u64::from(u32_at(i + 4)));
        Ok(Packet {
            leap: b[0] >> 6,
            version: (b[0] >> 3) & 7,
            mode: b[0] & 7,
            stratum: b[1],
            poll: b[2] as i8,
            precision: b[3] as i8,
            root_delay: short_nanos(u32_at(4)),
            root_dispersion: short_nanos(u32_at(8)),
            ref_id: [b[12], b[13], b[14], b[15]],
            reference: ts_at(16),
            origin: ts_at(24),
            receive: ts_at(32),
            transmit: ts_at(40),
        })
    }

    /// The kiss code of a kiss-o'-death packet (stratum 0, RFC 5905 section 7.4).
    pub fn kiss_code(&self) -> Option<[u8; 4]> {
        (self.stratum == 0).then_some(self.ref_id)
    }

    /// The reference ID as people read it: four ASCII characters for stratum 0 and 1 (a kiss
    /// code or a reference clock such as `GPS`), else an IPv4 address (for an IPv6 reference
    /// it is the first four bytes of an MD5 hash, shown the same way, as chrony and ntpq do).
    pub fn ref_id_text(&self) -> String {
        ref_id_text(self.stratum, self.ref_id)
    }
}

pub fn ref_id_text(stratum: u8, id: [u8; 4]) -> String {
    if stratum <= 1 {
        let s: String = id
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| if c.is_ascii_graphic() { c as char } else { '?' })
            .collect();
        if !s.is_empty() {
            return s;
        }
    }
    format!("{}.{}.{}.{}", id[0], id[1], id[2], id[3])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn unix_epoch_is_ntp_2208988800() {
        assert_eq!(Timestamp::from_unix_nanos(0), Timestamp((UNIX_TO_NTP as u64) << 32));
        assert_eq!(Timestamp::from_unix_nanos(S / 2).0 & 0xffff_ffff, 1 << 31);
    }

    #[test]
    fn era_1_starts_2036_02_07_06_28_16() {
        // 2036-02-07T06:28:16Z is Unix 2085978496: NTP seconds wrap to 0
        let t = Timestamp::from_unix_nanos(2_085_978_496 * S);
        assert_eq!(t.0, 0);
        let before = Timestamp::from_unix_nanos(2_085_978_495 * S);
        assert_eq!(t.diff_nanos(before), S);
        assert_eq!(before.diff_nanos(t), -S);
        // the absolute instant comes back in the era nearest the reference
        assert_eq!(t.to_unix_nanos(2_085_978_000 * S), 2_085_978_496 * S);
        assert_eq!(before.to_unix_nanos(2_085_979_000 * S), 2_085_978_495 * S);
    }

    #[test]
    fn packet_round_trips_through_bytes() {
        let p = Packet {
            leap: 1,
            version: 4,
            mode: MODE_SERVER,
            stratum: 1,
            poll: 6,
            precision: -20,
            root_delay: 15_258_789, // 1000/65536 s, exact in 16.16
            root_dispersion: 30_517_578,
            ref_id: *b"GPS\0",
            reference: Timestamp(1),
            origin: Timestamp(2),
            receive: Timestamp(3),
            transmit: Timestamp(u64::MAX),
        };
        let b = p.encode();
        assert_eq!(b[0], 0b01_100_100);
        let q = Packet::decode(&b).unwrap();
        assert_eq!(q.ref_id_text(), "GPS");
        assert_eq!(
            Packet { root_delay: 0, root_dispersion: 0, ..q },
            Packet { root_delay: 0, root_dispersion: 0, ..p }
        );
        assert!((q.root_delay - p.root_delay).abs() <= 1);
    }

    #[test]
    fn short_input_is_an_error_and_trailing_bytes_are_ignored() {
        assert_eq!(Packet::decode(&[0u8; 47]), Err(DecodeError::Short(47)));
        assert_eq!(Packet::decode(&[]), Err(DecodeError::Short(0)));
        let mut long = Packet::request(Timestamp(7)).encode().to_vec();
        long.extend_from_slice(&[0xff; 20]); // a MAC
        assert_eq!(Packet::decode(&long).unwrap().transmit, Timestamp(7));
    }

    #[test]
    fn ref_id_reads_as_text_or_address() {
        assert_eq!(ref_id_text(1, *b"PPS\0"), "PPS");
        assert_eq!(ref_id_text(0, *b"RATE"), "RATE");
        assert_eq!(ref_id_text(2, [10, 0, 0, 1]), "10.0.0.1");
        assert_eq!(ref_id_text(10, [127, 127, 1, 1]), "127.127.1.1");
        assert_eq!(ref_id_text(1, [0, 0, 0, 0]), "0.0.0.0");
    }

    proptest! {
        #[test]
        fn decode_never_panics_and_reencodes_the_same_header(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            match Packet::decode(&bytes) {
                Err(DecodeError::Short(n)) => prop_assert!(n < HEADER_LEN),
                Ok(p) => {
                    let again = p.encode();
                    // the 16.16 fields may differ by rounding through nanoseconds; the rest is exact
                    prop_assert_eq!(&again[..4], &bytes[..4]);
                    prop_assert_eq!(&again[12..48], &bytes[12..48]);
                    prop_assert_eq!(Packet::decode(&again).unwrap().ref_id, p.ref_id);
                }
            }
        }

        #[test]
        fn unix_nanos_round_trip_within_half_a_nanosecond(ns in -2_208_988_800i64 * S..4_000_000_000i64 * S) {
            let t = Timestamp::from_unix_nanos(ns);
            prop_assert!((t.to_unix_nanos(ns) - ns).abs() <= 1);
            // and from a reference up to 60 years away
            prop_assert!((t.to_unix_nanos(ns.saturating_add(60 * 365 * 86_400 * S)) - ns).abs() <= 1);
        }

        #[test]
        fn differences_are_exact_across_eras(a in 0i64..5_000_000_000i64 * S, d in -60i64 * 365 * 86_400 * S..60i64 * 365 * 86_400 * S) {
            let (ta, tb) = (Timestamp::from_unix_nanos(a), Timestamp::from_unix_nanos(a + d));
            prop_assert!((tb.diff_nanos(ta) - d).abs() <= 1);
        }
    }
}
