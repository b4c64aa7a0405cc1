//! The JSON escape with AVX-512 (VBMI2) and BMI2, for CPUs that have them (Intel since Ice
//! Lake, AMD since Zen 4): 64 bytes a step, with no branch on what they hold when their only
//! escapes are quotes and backslashes (all of an access or JSON log's). Each half's bytes are
//! spread to their places by one expand instruction, whose mask of source slots comes from
//! the half's escape bits by a bit deposit and a bit extract; the slots between get the
//! backslashes. Blocks with other escapes (control bytes, DEL, bytes above 0x7f before UTF-8
//! is checked) go to the SSSE3 path a block at a time.
//!
//! Hand-written because no crate escapes JSON this way; `serde_json` escapes a byte at a
//! time.

use std::arch::x86_64::*;

/// Whether this CPU has what [`copy_escaped`] needs. PDEP and PEXT come with BMI2 on every
/// CPU that has VBMI2, and are fast there (on AMD before Zen 3 they were microcoded, but
/// those CPUs have no AVX-512).
#[inline(always)]
pub(super) fn available() -> bool {
    std::is_x86_feature_detected!("avx512vbmi2")
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vl")
        && std::is_x86_feature_detected!("bmi2")
        && std::is_x86_feature_detected!("popcnt")
        && super::shuffles()
}

/// As `copy_escaped` (see there). The caller checks [`available`].
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi2,bmi2,popcnt,ssse3")]
pub(super) unsafe fn copy_escaped(
    buf: &mut Vec<u8>,
    s: &[u8],
    mut i: usize,
    ascii_only: bool,
) -> Option<usize> {
    let n = s.len();
    // Room for the rest of `s` and one step's stores past it (up to 128 bytes); made again
    // after each step with an escape, and after a step handed to the SSSE3 path.
    let room = |i: usize| n - i + 128;
    buf.reserve(room(i));
    let mut len = buf.len();
    let mut dst = buf.as_mut_ptr();
    let quote = _mm512_set1_epi8(b'"' as i8);
    let bslash = _mm512_set1_epi8(b'\\' as i8);
    let del = _mm512_set1_epi8(0x7f);
    let ctl = _mm512_set1_epi8(0x1f);
    // SAFETY: the masked load reads only `s[i..i + took]` (masked-off bytes are not touched
    // and read as zero). At the start of each step `capacity - len >= room(i)`: the reserve
    // makes it so, and it is made again after any step that wrote more than it took; the
    // two 64-byte stores reach at most 32 + 32 + 64 = 128 bytes past `len`. `set_len`
    // covers only bytes written (a step's bytes past its own end are overwritten by the next
    // step or left out).
    // The CPU features are checked by the caller (`available`).
    unsafe {
        loop {
            let left = n - i;
            if left == 0 {
                buf.set_len(len);
                return None;
            }
            let took = left.min(64);
            let valid = if left >= 64 { u64::MAX } else { (1u64 << left) - 1 };
            let v = _mm512_maskz_loadu_epi8(valid, s.as_ptr().add(i) as *const i8);
            let q = (_mm512_cmpeq_epi8_mask(v, quote) | _mm512_cmpeq_epi8_mask(v, bslash)) & valid;
            let mut other = _mm512_cmple_epu8_mask(v, ctl) | _mm512_cmpeq_epi8_mask(v, del);
            if ascii_only {
                other |= _mm512_movepi8_mask(v);
            }
            if other & valid != 0 {
                // Rare in logs: this step's bytes by the SSSE3 path (which stops at a byte
                // above 0x7f, for the caller to check the UTF-8 from there).
                buf.set_len(len);
                if let Some(j) = super::copy_escaped_ssse3(buf, &s[..i + took], i, ascii_only) {
                    return Some(j);
                }
                i += took;
                buf.reserve(room(i));
                len = buf.len();
                dst = buf.as_mut_ptr();
                continue;
            }
            // Each half of 32 bytes: source byte k goes to output slot k + (escapes at or
            // before k); each escaped byte has a backslash slot just before it. Bit pairs
            // (escape bit, 1) per byte, the escape bits of clean bytes squeezed out, give the
            // slots in output order. The high half is stored after the low one's output
            // (past the end when the step took 32 bytes or fewer: left out or overwritten).
            const EVEN: u64 = 0x5555_5555_5555_5555;
            const ODD: u64 = 0xaaaa_aaaa_aaaa_aaaa;
            let half = |h: __m512i, q: u64, at: usize| {
                let sources = _pext_u64(ODD, _pdep_u64(q, EVEN) | ODD);
                let spread = _mm512_maskz_expand_epi8(sources, h);
                let out = _mm512_mask_mov_epi8(spread, !sources, bslash);
                _mm512_storeu_si512(dst.add(at) as *mut __m512i, out);
            };
            let (q0, q1) = (q & 0xffff_ffff, q >> 32);
            half(v, q0, len);
            let high = _mm512_zextsi256_si512(_mm512_extracti64x4_epi64::<1>(v));
            half(high, q1, len + 32 + q0.count_ones() as usize);
            len += took + q.count_ones() as usize;
            i += took;
            if q != 0 && buf.capacity() - len < room(i) {
                buf.set_len(len);
                buf.reserve(room(i));
                dst = buf.as_mut_ptr();
            }
        }
    }
}
