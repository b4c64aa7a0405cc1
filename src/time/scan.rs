//! Reading timestamp text into a [`Stamp`]: a hand-written byte parser for the common layouts.
//! (Hand-written because it runs once per line on gigabytes: no regex, no allocation.)

use super::Stamp;

/// Parse a timestamp that starts at `s[0]`. Returns the stamp and how many bytes of `s` it
/// spans, so that `&s[..len]` is the timestamp text exactly as written.
pub fn leading(s: &[u8]) -> Option<(Stamp, usize)> {
    let _ = s;
    unimplemented!("time::scan::leading")
}

/// Parse the whole of `s` (a captured field) as a timestamp. Leading/trailing ASCII spaces
/// are allowed; anything else left over means `None`.
pub fn exact(s: &[u8]) -> Option<Stamp> {
    let _ = s;
    unimplemented!("time::scan::exact")
}
