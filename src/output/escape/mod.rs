//! JSON string bodies, written fast: most log text is printable ASCII with nothing to escape,
//! so eight bytes are tested at a time (SWAR) and clean runs are copied whole; UTF-8 is
//! validated only from the first byte above 0x7f on. Invalid UTF-8 becomes U+FFFD (as
//! `String::from_utf8_lossy` makes it), so the output is always valid JSON.

#[cfg(target_arch = "x86_64")]
mod avx512;

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

/// Whether byte `c` needs a look (see [`looks`]).
#[inline(always)]
fn looks_byte(c: u8, ascii_only: bool) -> bool {
    c < 0x20 || c == b'"' || c == b'\\' || c == 0x7f || (ascii_only && c >= 0x80)
}

/// What each ASCII byte that needs a look is written as: its length, then its bytes (a
/// whole eight-byte row is stored, and only the length counts).
const ESC: [[u8; 8]; 128] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 8]; 128];
    let mut c = 0;
    while c < 128 {
        if c < 0x20 || c == 0x7f {
            t[c] = [6, b'\\', b'u', b'0', b'0', HEX[c >> 4], HEX[c & 15], 0];
        }
        c += 1;
    }
    t[b'\n' as usize] = [2, b'\\', b'n', 0, 0, 0, 0, 0];
    t[b'\r' as usize] = [2, b'\\', b'r', 0, 0, 0, 0, 0];
    t[b'\t' as usize] = [2, b'\\', b't', 0, 0, 0, 0, 0];
    t[b'"' as usize] = [2, b'\\', b'"', 0, 0, 0, 0, 0];
    t[b'\\' as usize] = [2, b'\\', b'\\', 0, 0, 0, 0, 0];
    t
};

/// Append `s[i..j]` to `buf`, escaped, where `j` is the first byte above 0x7f at or after
/// `i` if `ascii_only` (UTF-8 not yet validated); return `j`, or `None` when all of the rest
/// of `s` is appended.
/// On x86_64 sixteen bytes are tested at a time with SSE2 (always there) and stored to `buf`
/// whether or not they are clean: only the clean ones count; an escape is a table row stored
/// whole. That spares a `memcpy` call per clean run and a branch per kind of escape, which in
/// access logs (a quote every few dozen bytes) cost more than the test. Where the CPU has
/// AVX-512 VBMI2, 64 bytes a step instead (`avx512`).
#[inline(always)]
fn copy_escaped(buf: &mut Vec<u8>, s: &[u8], i: usize, ascii_only: bool) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        match simd() {
            // SAFETY: `simd` found what each path needs on this CPU.
            Simd::Avx512 => unsafe { avx512::copy_escaped(buf, s, i, ascii_only) },
            Simd::Ssse3 => unsafe { copy_escaped_ssse3(buf, s, i, ascii_only) },
            Simd::Sse2 => copy_escaped_x86::<false>(buf, s, i, ascii_only),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    copy_escaped_swar(buf, s, i, ascii_only)
}

/// The best escape path this CPU has.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
enum Simd {
    Sse2 = 1,
    Ssse3 = 2,
    Avx512 = 3,
}

/// [`Simd`], found once and kept: one load a call, where asking for each of the seven
/// features it takes is seven (a call per record's message).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn simd() -> Simd {
    use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
    static FOUND: AtomicU8 = AtomicU8::new(0);
    match FOUND.load(Relaxed) {
        1 => Simd::Sse2,
        2 => Simd::Ssse3,
        3 => Simd::Avx512,
        _ => {
            let found = if avx512::available() {
                Simd::Avx512
            } else if shuffles() {
                Simd::Ssse3
            } else {
                Simd::Sse2
            };
            FOUND.store(found as u8, Relaxed);
            found
        }
    }
}

/// Whether this CPU can expand a block of quotes with a byte shuffle (SSSE3) and count them
/// with POPCNT: every x86_64 CPU since 2008, but not part of the x86_64 baseline. The
/// answer is cached by the standard library (one load).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn shuffles() -> bool {
    std::is_x86_feature_detected!("ssse3") && std::is_x86_feature_detected!("popcnt")
}

/// [`copy_escaped_x86`] with the shuffle: compiled for SSSE3 and POPCNT.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "ssse3,popcnt")]
unsafe fn copy_escaped_ssse3(
    buf: &mut Vec<u8>,
    s: &[u8],
    i: usize,
    ascii_only: bool,
) -> Option<usize> {
    copy_escaped_x86::<true>(buf, s, i, ascii_only)
}

/// Per set of eight bytes that need a backslash (one bit each), the shuffle that spreads
/// eight source bytes out to their escaped places: a backslash slot (and the padding after
/// the last byte) is 0x80, which the shuffle makes zero and the backslash fills in.
#[cfg(target_arch = "x86_64")]
static EXPAND: [[u8; 16]; 256] = {
    let mut t = [[0x80u8; 16]; 256];
    let mut k = 0;
    while k < 256 {
        let (mut o, mut b) = (0, 0);
        while b < 8 {
            if (k >> b) & 1 == 1 {
                o += 1; // the backslash's slot, left 0x80
            }
            t[k][o] = b as u8;
            o += 1;
            b += 1;
        }
        k += 1;
    }
    t
};

/// [`copy_escaped`] with SSE2, and with `SHUF` (SSSE3, POPCNT) a block whose only escapes
/// are quotes and backslashes (a JSON or access log line: one every few bytes) is escaped
/// whole in two shuffles, with no branch per escape (whose count per block is random, so
/// the loop over them mispredicts about once a block).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn copy_escaped_x86<const SHUF: bool>(
    buf: &mut Vec<u8>,
    s: &[u8],
    mut i: usize,
    ascii_only: bool,
) -> Option<usize> {
    {
        use std::arch::x86_64::*;
        let n = s.len();
        // Room for the rest of `s` and one block's worth of escapes and stores past it (at
        // most 16 escapes of 6 bytes, a row and a block after the last); made again after
        // each block with an escape.
        let room = |i: usize| n - i + 128;
        buf.reserve(room(i));
        let mut len = buf.len();
        // Kept in a local: the stores through it would otherwise make the compiler load the
        // vector's pointer again each block.
        let mut dst = buf.as_mut_ptr();
        // SAFETY: loads (`load16`) stay within `s`. At the
        // start of each block `capacity - len >= room(i)`: the reserve makes it so, a clean
        // block adds to `len` what it takes of `s`, and after a block with escapes it is
        // made again. Within a block, stores (a block of 16, a row of 7, 16 after a row)
        // reach at most 16 + 16 * 5 + 7 + 16 < 128 bytes past `len` at its start; the two
        // shuffled halves (`SHUF`) at most 16 + 16. `set_len` covers only bytes written.
        // SSE2 is part of x86_64; SSSE3 and POPCNT (`SHUF`) are checked by the caller.
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let bslash = _mm_set1_epi8(b'\\' as i8);
            let del = _mm_set1_epi8(0x7f);
            let ctl = _mm_set1_epi8(0x1f);
            loop {
                let left = n - i;
                if left == 0 {
                    buf.set_len(len);
                    return None;
                }
                let v = load16(s, i);
                let valid = if left >= 16 { u32::MAX } else { (1u32 << left) - 1 };
                _mm_storeu_si128(dst.add(len) as *mut __m128i, v);
                // v <= 0x1f unsigned: max(v, 0x1f) == 0x1f.
                let low = _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl);
                let hit = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                    _mm_or_si128(_mm_cmpeq_epi8(v, del), low),
                );
                let mut m = _mm_movemask_epi8(hit) as u32;
                if ascii_only {
                    m |= _mm_movemask_epi8(v) as u32;
                }
                m &= valid;
                if m == 0 {
                    let took = left.min(16);
                    len += took;
                    i += took;
                    continue;
                }
                if SHUF && left >= 16 {
                    let qb = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash));
                    if _mm_movemask_epi8(qb) as u32 == m {
                        // Each half: its eight bytes spread out by the shuffle, the
                        // backslashes put in the slots it left zero; 8 to 16 bytes out.
                        let marker = _mm_set1_epi8(0x80u8 as i8);
                        let mut half = |h: __m128i, k: u32| {
                            let t = _mm_loadu_si128(EXPAND[k as usize].as_ptr() as *const __m128i);
                            let slots = _mm_and_si128(_mm_cmpeq_epi8(t, marker), bslash);
                            let out = _mm_or_si128(_mm_shuffle_epi8(h, t), slots);
                            _mm_storeu_si128(dst.add(len) as *mut __m128i, out);
                            len += 8 + k.count_ones() as usize;
                        };
                        half(v, m & 0xff);
                        half(_mm_srli_si128::<8>(v), m >> 8);
                        i += 16;
                        if buf.capacity() - len < room(i) {
                            buf.set_len(len);
                            buf.reserve(room(i));
                            dst = buf.as_mut_ptr();
                        }
                        continue;
                    }
                }
                // Every byte that needs a look in this block, in one pass: after each escape
                // the sixteen source bytes after it are stored behind it, so the clean bytes up
                // to the next one are in place. (A pass per escape, reloading the block after
                // it, cost a mispredicted branch per quote of an access log.)
                let end = i + left.min(16);
                let mut p = i;
                loop {
                    let j = i + m.trailing_zeros() as usize;
                    len += j - p;
                    let c = s[j];
                    if c >= 0x80 {
                        buf.set_len(len);
                        return Some(j);
                    }
                    let row = &ESC[c as usize];
                    std::ptr::copy_nonoverlapping(row.as_ptr().add(1), dst.add(len), 7);
                    len += row[0] as usize;
                    p = j + 1;
                    _mm_storeu_si128(dst.add(len) as *mut __m128i, load16(s, p));
                    m &= m - 1;
                    if m == 0 {
                        break;
                    }
                }
                len += end - p;
                i = end;
                if buf.capacity() - len < room(i) {
                    buf.set_len(len);
                    buf.reserve(room(i));
                    dst = buf.as_mut_ptr();
                }
            }
        }
    }
}

/// The sixteen bytes of `s` from `p`, or those left (zeros after them).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn load16(s: &[u8], p: usize) -> std::arch::x86_64::__m128i {
    use std::arch::x86_64::*;
    // SAFETY: the load reads `s[p..p + 16]`, within `s`; SSE2 is part of x86_64.
    unsafe {
        if p + 16 <= s.len() {
            _mm_loadu_si128(s.as_ptr().add(p) as *const __m128i)
        } else {
            let t = small_load(&s[p..]);
            _mm_set_epi64x((t >> 64) as i64, t as i64)
        }
    }
}

/// `s` (shorter than 16 bytes) as the low bytes of a number, the rest zero, from
/// overlapping word loads (the overlapping bytes are equal, so OR joins them). Built in
/// registers: bytes stored to a buffer and loaded again as one vector would stall the load
/// (no store-to-load forwarding), at the end of every string escaped.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn small_load(s: &[u8]) -> u128 {
    let n = s.len();
    let word = |at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap());
    let half = |at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap());
    if n >= 8 {
        u128::from(word(0)) | (u128::from(word(n - 8)) << ((n - 8) * 8))
    } else if n >= 4 {
        u128::from(half(0)) | (u128::from(half(n - 4)) << ((n - 4) * 8))
    } else {
        s.iter().rev().fold(0, |v, &c| (v << 8) | u128::from(c))
    }
}

/// [`copy_escaped`] eight bytes at a time, for other targets (tested on all).
#[cfg_attr(all(target_arch = "x86_64", not(test)), allow(dead_code))]
fn copy_escaped_swar(buf: &mut Vec<u8>, s: &[u8], mut i: usize, ascii_only: bool) -> Option<usize> {
    let n = s.len();
    buf.reserve(n - i);
    let mut last = i;
    loop {
        let mut j = None;
        while i + 8 <= n {
            let m = looks(u64::from_le_bytes(s[i..i + 8].try_into().unwrap()), ascii_only);
            if m != 0 {
                j = Some(i + (m.trailing_zeros() / 8) as usize);
                break;
            }
            i += 8;
        }
        if j.is_none() {
            j = s[i..].iter().position(|&c| looks_byte(c, ascii_only)).map(|k| i + k);
        }
        let Some(j) = j else {
            buf.extend_from_slice(&s[last..]);
            return None;
        };
        buf.extend_from_slice(&s[last..j]);
        let c = s[j];
        if c >= 0x80 {
            return Some(j);
        }
        let row = &ESC[c as usize];
        buf.extend_from_slice(&row[1..=row[0] as usize]);
        i = j + 1;
        last = i;
    }
}

/// Append `s` as the body of a JSON string.
#[inline]
pub fn json_escape(buf: &mut Vec<u8>, s: &[u8]) {
    // A record's host, stamp and level are short and nearly always clean: tested and
    // copied here, inline, they cost a few instructions instead of a call, a CPU feature
    // check and the loop's set-up (a third of all escaping time in JSONL output).
    #[cfg(target_arch = "x86_64")]
    if s.len() <= 32 && short_clean(buf, s) {
        return;
    }
    json_escape_long(buf, s);
}

/// Append `s` (at most 32 bytes) if no byte of it needs a look; false (nothing appended)
/// otherwise.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn short_clean(buf: &mut Vec<u8>, s: &[u8]) -> bool {
    use std::arch::x86_64::*;
    let n = s.len();
    let dirty = |v: __m128i| {
        // SAFETY: SSE2 is part of x86_64.
        unsafe {
            let ctl = _mm_set1_epi8(0x1f);
            let low = _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl);
            let hit = _mm_or_si128(
                _mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)),
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8)),
                ),
                _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)), low),
            );
            // Bytes above 0x7f too: UTF-8 is checked on the long path.
            (_mm_movemask_epi8(hit) | _mm_movemask_epi8(v)) as u32
        }
    };
    buf.reserve(32);
    let len = buf.len();
    // SAFETY: the loads stay within `s` (`load16` of fewer than 16 bytes loads only those);
    // the stores reach at most `len + 32`, reserved above; `set_len` covers the `n` bytes of
    // `s` just stored. SSE2 is part of x86_64.
    unsafe {
        let dst = buf.as_mut_ptr().add(len);
        if n <= 16 {
            let v = load16(s, 0);
            // The zeros past `n` would read as control bytes.
            let valid = (1u32 << n) - 1;
            if dirty(v) & valid != 0 {
                return false;
            }
            _mm_storeu_si128(dst as *mut __m128i, v);
        } else {
            // Two blocks that overlap: the first 16 bytes and the last 16.
            let (a, b) = (load16(s, 0), load16(s, n - 16));
            if dirty(a) | dirty(b) != 0 {
                return false;
            }
            _mm_storeu_si128(dst as *mut __m128i, a);
            _mm_storeu_si128(dst.add(n - 16) as *mut __m128i, b);
        }
        buf.set_len(len + n);
    }
    true
}

/// [`json_escape`] of a string that may need escapes or UTF-8 checks.
fn json_escape_long(buf: &mut Vec<u8>, s: &[u8]) {
    let mut i = 0;
    // Until a non-ASCII byte is seen and the rest validated, such bytes need a look.
    let mut ascii_only = true;
    while let Some(j) = copy_escaped(buf, s, i, ascii_only) {
        // Everything before `j` is ASCII: validate the rest once.
        if std::str::from_utf8(&s[j..]).is_err() {
            lossy(buf, &s[j..]);
            return;
        }
        ascii_only = false;
        i = j;
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

    #[test]
    fn long_runs_of_escapes_grow_the_buffer_as_they_go() {
        for s in [vec![0x01u8; 1000], vec![b'"'; 1000], b"x\x01\\\"\xc3\xa9".repeat(300)] {
            assert_eq!(esc(&s), reference(&s));
            let mut b = Vec::new();
            copy_escaped_swar(&mut b, &s, 0, false);
            assert_eq!(String::from_utf8(b).unwrap(), reference(&s));
        }
    }

    proptest! {
        #[test]
        fn the_simd_and_swar_escapes_are_the_same(
            s in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b'"'), Just(0x1f), Just(0x20), Just(0x7f),
                            Just(0x80), Just(b'\\'), any::<u8>()],
                0..200),
            from in 0usize..200,
            ascii_only in any::<bool>(),
        ) {
            let from = from.min(s.len());
            let (mut a, mut b) = (b"head".to_vec(), b"head".to_vec());
            let ja = copy_escaped(&mut a, &s, from, ascii_only);
            let jb = copy_escaped_swar(&mut b, &s, from, ascii_only);
            prop_assert_eq!(ja, jb);
            prop_assert_eq!(&a, &b);
            // Each x86 path on its own (`copy_escaped` takes the best the CPU has).
            #[cfg(target_arch = "x86_64")]
            {
                let mut c = b"head".to_vec();
                prop_assert_eq!(copy_escaped_x86::<false>(&mut c, &s, from, ascii_only), jb);
                prop_assert_eq!(&c, &b);
                if shuffles() {
                    let mut c = b"head".to_vec();
                    // SAFETY: checked just now.
                    let jc = unsafe { copy_escaped_ssse3(&mut c, &s, from, ascii_only) };
                    prop_assert_eq!(jc, jb);
                    prop_assert_eq!(&c, &b);
                }
                if avx512::available() {
                    let mut c = b"head".to_vec();
                    // SAFETY: checked just now.
                    let jc = unsafe { avx512::copy_escaped(&mut c, &s, from, ascii_only) };
                    prop_assert_eq!(jc, jb);
                    prop_assert_eq!(&c, &b);
                }
            }
        }

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
        fn quote_dense_text_escapes_as_the_reference(
            s in proptest::collection::vec(
                prop_oneof![30 => Just(b'a'), 10 => Just(b'"'), 4 => Just(b'\\'),
                            1 => Just(b'\n'), 1 => Just(0xc3), 1 => Just(0xa9)],
                0..200)
        ) {
            prop_assert_eq!(esc(&s), reference(&s));
        }

        #[test]
        fn fast_escape_equals_the_reference_on_any_text(s in ".{0,64}") {
            prop_assert_eq!(esc(s.as_bytes()), reference(s.as_bytes()));
        }
    }
}
