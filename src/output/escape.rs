//! JSON string bodies, written fast: most log text is printable ASCII with nothing to escape,
//! so eight bytes are tested at a time (SWAR) and clean runs are copied whole; UTF-8 is
//! validated only from the first byte above 0x7f on. Invalid UTF-8 becomes U+FFFD (as
//! `String::from_utf8_lossy` makes it), so the output is always valid JSON.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// The high bit of each byte of `v` that is zero, exactly (no carry between bytes).
#[inline(always)]
fn zero_bytes(v: u64) -> u64 {
    !(((v & LOW7) + LOW7) | v) & HI
}

/// The high bit of each byte of `x` that must be escaped: a control byte, `"`, `\` or DEL;
/// with `ascii_only`, also each byte above 0x7f (UTF-8 not yet validated).
#[inline(always)]
fn looks(x: u64, ascii_only: bool) -> u64 {
    // (x & 0x7f) + 0x60 reaches 0x80 exactly when the low seven bits are >= 0x20.
    let below_space = !(((x & LOW7) + LO * 0x60) | x) & HI;
    let special = below_space
        | zero_bytes(x ^ (LO * u64::from(b'"')))
        | zero_bytes(x ^ (LO * u64::from(b'\\')))
        | zero_bytes(x ^ (LO * 0x7f));
    special | if ascii_only { x & HI } else { 0 }
}

/// Append `s` as the body of a JSON string.
pub fn json_escape(buf: &mut Vec<u8>, s: &[u8]) {
    buf.reserve(s.len());
    let n = s.len();
    let (mut last, mut i) = (0, 0);
    // Until a non-ASCII byte is seen and the rest validated, such bytes need a look.
    let mut ascii_only = true;
    loop {
        // The next byte to look at: found eight at a time, then one at a time at the end.
        let j = loop {
            if i + 8 <= n {
                let m = looks(u64::from_le_bytes(s[i..i + 8].try_into().unwrap()), ascii_only);
                if m == 0 {
                    i += 8;
                    continue;
                }
                break i + (m.trailing_zeros() / 8) as usize;
            }
            match s[i..].iter().position(|&c| {
                c < 0x20 || c == b'"' || c == b'\\' || c == 0x7f || (ascii_only && c >= 0x80)
            }) {
                Some(k) => break i + k,
                None => {
                    buf.extend_from_slice(&s[last..]);
                    return;
                }
            }
        };
        let c = s[j];
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x80.. => {
                // Everything before `j` is ASCII: validate the rest once.
                if std::str::from_utf8(&s[j..]).is_err() {
                    buf.extend_from_slice(&s[last..j]);
                    lossy(buf, &s[j..]);
                    return;
                }
                ascii_only = false;
                i = j;
                continue;
            }
            _ => b"",
        };
        buf.extend_from_slice(&s[last..j]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            buf.extend_from_slice(b"\\u00");
            buf.push(HEX[(c >> 4) as usize]);
            buf.push(HEX[(c & 15) as usize]);
        } else {
            buf.extend_from_slice(esc);
        }
        i = j + 1;
        last = i;
    }
}

/// The slow path, for text that is not valid UTF-8.
#[cold]
fn lossy(buf: &mut Vec<u8>, s: &[u8]) {
    json_escape(buf, String::from_utf8_lossy(s).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn esc(s: &[u8]) -> String {
        let mut b = vec![];
        json_escape(&mut b, s);
        String::from_utf8(b).unwrap()
    }

    /// The plain byte-at-a-time escaping the fast one must equal.
    fn reference(s: &[u8]) -> String {
        let mut out = String::new();
        for ch in String::from_utf8_lossy(s).chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\0'..='\x1f' | '\x7f' => out.push_str(&format!("\\u{:04x}", ch as u32)),
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn json_escape_output_is_valid_json_for_any_bytes() {
        for s in [
            &b"plain"[..],
            b"q\"b\\s",
            b"\x00\x1b[2K\t",
            b"bad \xff\xfe utf8",
            "ünï".as_bytes(),
            b"eight ok then \x7f and \"quotes\" after a long clean run of text",
            "long ascii prefix before a multibyte char: é, then \x01".as_bytes(),
            b"long ascii prefix, then invalid \xc3\x28 and more text after it",
        ] {
            let j = format!("\"{}\"", esc(s));
            let back: String = serde_json::from_str(&j).unwrap();
            assert_eq!(back, String::from_utf8_lossy(s));
            assert_eq!(esc(s), reference(s));
        }
    }

    proptest! {
        #[test]
        fn fast_escape_equals_the_byte_at_a_time_one(
            s in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b'"'), Just(b'\\'), Just(b'\n'), Just(0x7f),
                            Just(0x01), Just(0xc3), Just(0xa9), Just(0xff), any::<u8>()],
                0..40)
        ) {
            prop_assert_eq!(esc(&s), reference(&s));
        }

        #[test]
        fn fast_escape_equals_the_reference_on_any_text(s in ".{0,64}") {
            prop_assert_eq!(esc(s.as_bytes()), reference(s.as_bytes()));
        }
    }
}
