//! RFC 3339 text for instants: written for every output record, parsed for --since/--until.

use super::Nanos;

/// Append `t` as `YYYY-MM-DDTHH:MM:SS[.f]Z`, the fraction with as many digits as the instant
/// needs (trailing zeros dropped), at most 9.
pub fn write(buf: &mut Vec<u8>, t: Nanos) {
    let _ = (buf, t);
    unimplemented!()
}

/// Parse RFC 3339 text (any offset) to an instant.
pub fn parse(s: &str) -> Option<Nanos> {
    let _ = s;
    unimplemented!()
}
