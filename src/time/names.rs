//! Month and weekday names, found by a perfect hash of their first three letters.

pub(super) const MONTHS: [&[u8; 3]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];
pub(super) const WEEKDAYS: [&[u8; 3]; 7] = [b"mon", b"tue", b"wed", b"thu", b"fri", b"sat", b"sun"];

pub(super) fn lower3(s: &[u8], i: usize) -> Option<[u8; 3]> {
    let t = s.get(i..i + 3)?;
    Some([t[0] | 0x20, t[1] | 0x20, t[2] | 0x20])
}

/// Name lookup by a perfect hash: a multiply, a shift and one compare instead of a scan of
/// the list. `mul` is one that gives every name its own slot (checked when the table is built).
pub(super) struct Names<const SLOTS: usize> {
    mul: u32,
    /// (name as `key`, 1-based index into the list); key 0 marks an empty slot.
    slots: [(u32, u8); SLOTS],
}

pub(super) const fn key(w: [u8; 3]) -> u32 {
    w[0] as u32 | (w[1] as u32) << 8 | (w[2] as u32) << 16
}

impl<const SLOTS: usize> Names<SLOTS> {
    const fn slot(mul: u32, k: u32) -> usize {
        (k.wrapping_mul(mul) >> (32 - SLOTS.trailing_zeros())) as usize
    }

    const fn new(names: &[&[u8; 3]], mul: u32) -> Self {
        let mut slots = [(0, 0); SLOTS];
        let mut i = 0;
        while i < names.len() {
            let k = key(*names[i]);
            let at = Self::slot(mul, k);
            assert!(slots[at].1 == 0, "two names in one slot: choose another `mul`");
            slots[at] = (k, i as u8 + 1);
            i += 1;
        }
        Names { mul, slots }
    }

    /// The 1-based index of a lowercase name (no key of [`lower3`] is 0, an empty slot's).
    #[inline]
    fn find(&self, w: [u8; 3]) -> Option<u8> {
        let k = key(w);
        let (name, idx) = self.slots[Self::slot(self.mul, k)];
        (name == k).then_some(idx)
    }
}

pub(super) static MONTH_NAMES: Names<16> = Names::new(&MONTHS, 26_596);
pub(super) static WEEKDAY_NAMES: Names<8> = Names::new(&WEEKDAYS, 2522);

/// A three-letter month name at `i` (any case): 1..=12.
pub(super) fn month3(s: &[u8], i: usize) -> Option<u8> {
    MONTH_NAMES.find(lower3(s, i)?)
}

pub(super) fn weekday3(s: &[u8], i: usize) -> bool {
    lower3(s, i).is_some_and(|w| WEEKDAY_NAMES.find(w).is_some())
}
