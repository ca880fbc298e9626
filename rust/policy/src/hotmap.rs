// SPDX-License-Identifier: GPL-2.0

//! Where the hotness byte of a PFN lives.
//!
//! Slow-tier memory comes and goes in memory sections (128 MiB on x86-64):
//! at boot, when a CXL region is onlined, when a memory block is offlined.
//! The module keeps one array of [`crate::hotness`] bytes per online
//! slow-tier section, one byte per base page, and nothing for top-tier
//! memory.  This file is the addressing and bookkeeping over those arrays,
//! independent of how they are allocated: the module owns a list of
//! [`SectionRecords`] sorted by section number, and
//!
//! - [`HotMap::record_young`], [`HotMap::forget`] and [`HotMap::age`] read
//!   and update bytes by PFN;
//! - [`reconcile`] says which sections to allocate and which to free when
//!   the set of online slow-tier sections changes.
//!
//! A PFN in no tracked section has no record: it is never counted past its
//! first sighting.

use super::hotness::{
    self,
    Sighting, //
};

/// The records of one memory section.
pub trait SectionRecords {
    /// The section number (`pfn >> section_shift`).
    fn section(&self) -> u64;
    /// One byte per page of the section.
    fn bytes(&mut self) -> &mut [u8];
}

/// The hotness bytes of all tracked sections.
pub struct HotMap<'a, S> {
    sections: &'a mut [S],
    /// log2 of the pages in a section.
    section_shift: u32,
    /// Index of the section used last (consecutive PFNs share one).
    last: usize,
}

impl<'a, S: SectionRecords> HotMap<'a, S> {
    /// A map over `sections`, which must be sorted by section number
    /// without duplicates, each with `1 << section_shift` bytes.
    pub fn new(sections: &'a mut [S], section_shift: u32) -> Self {
        HotMap {
            sections,
            section_shift,
            last: 0,
        }
    }

    /// The byte of `pfn`, if its section is tracked.
    fn byte(&mut self, pfn: u64) -> Option<&mut u8> {
        let nr = pfn >> self.section_shift;
        let idx = if self.sections.get(self.last).map(|s| s.section()) == Some(nr) {
            self.last
        } else {
            let idx = self
                .sections
                .binary_search_by_key(&nr, |s| s.section())
                .ok()?;
            self.last = idx;
            idx
        };
        let offset = (pfn & ((1u64 << self.section_shift) - 1)) as usize;
        self.sections[idx].bytes().get_mut(offset)
    }

    /// Records that the folio whose first page is `pfn` was found young and
    /// returns its pass count (see [`crate::hotness`]); `None` when the PFN is not
    /// tracked (it then counts as seen for the first time).
    pub fn record_young(&mut self, pfn: u64, s: Sighting) -> Option<u8> {
        let byte = self.byte(pfn)?;
        let (new, count) = hotness::record_young(*byte, s);
        *byte = new;
        Some(count)
    }

    /// Clears the record of `pfn` (after a promotion attempt, so that the
    /// PFN's next folio starts from nothing).
    pub fn forget(&mut self, pfn: u64) {
        if let Some(byte) = self.byte(pfn) {
            *byte = 0;
        }
    }

    /// The current record of `pfn` (tests only).
    #[cfg(test)]
    pub fn get(&mut self, pfn: u64) -> Option<u8> {
        self.byte(pfn).map(|b| *b)
    }

    /// Clears every record that is too old to keep (see
    /// [`hotness::age`]).  Returns the number of records cleared (tests
    /// only: the module ages section by section with [`age_bytes`]).
    #[cfg(test)]
    pub fn age(&mut self, now_bucket: u8) -> u64 {
        let mut cleared = 0;
        for s in self.sections.iter_mut() {
            cleared += age_bytes(s.bytes(), now_bucket);
        }
        cleared
    }
}

/// Ages the records in `bytes`; returns how many were cleared.
pub fn age_bytes(bytes: &mut [u8], now_bucket: u8) -> u64 {
    let mut cleared = 0;
    // Most bytes are zero (cold or untouched memory): skip them eight at a
    // time.
    let mut chunks = bytes.chunks_exact_mut(8);
    for chunk in &mut chunks {
        if chunk.iter().all(|&b| b == 0) {
            continue;
        }
        for b in chunk.iter_mut() {
            let aged = hotness::age(*b, now_bucket);
            cleared += u64::from(aged != *b);
            *b = aged;
        }
    }
    for b in chunks.into_remainder() {
        let aged = hotness::age(*b, now_bucket);
        cleared += u64::from(aged != *b);
        *b = aged;
    }
    cleared
}

/// What [`reconcile`] asks of the owner of the section list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Free the records of this section (index in the current list).
    Remove(usize),
    /// Allocate records for this section number and insert them at this
    /// index of the list as it is after the removals.
    Insert(usize, u64),
}

/// Compares the tracked sections (`have`, sorted) with the sections that
/// should be tracked (`want`, sorted, no duplicates) and calls `apply` with
/// each change, removals first, from the highest index down, then
/// insertions in increasing order; applying them in that order turns
/// `have` into `want` and keeps the list sorted.
pub fn reconcile(have: &[u64], want: &[u64], mut apply: impl FnMut(Change)) {
    // Removals: sections in `have` and not in `want`, highest index first.
    for (i, nr) in have.iter().enumerate().rev() {
        if want.binary_search(nr).is_err() {
            apply(Change::Remove(i));
        }
    }
    // Insertions: sections in `want` and not in `have`.  After the
    // removals the list holds exactly `have ∩ want`, in order; each
    // section of `want` lands at its own index in `want`.
    for (i, nr) in want.iter().enumerate() {
        if have.binary_search(nr).is_err() {
            apply(Change::Insert(i, *nr));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::hotness::{
        Record,
        BUCKETS,
        EXPIRE_BUCKETS, //
    };
    use super::*;
    use std::vec;
    use std::vec::Vec;

    const SHIFT: u32 = 4; // 16 pages per section keeps the tests small

    struct Sec {
        nr: u64,
        bytes: Vec<u8>,
    }

    impl SectionRecords for Sec {
        fn section(&self) -> u64 {
            self.nr
        }
        fn bytes(&mut self) -> &mut [u8] {
            &mut self.bytes
        }
    }

    fn secs(nrs: &[u64]) -> Vec<Sec> {
        nrs.iter()
            .map(|&nr| Sec {
                nr,
                bytes: vec![0; 1 << SHIFT],
            })
            .collect()
    }

    fn at(sweep: u32, now_bucket: u8) -> Sighting {
        Sighting {
            sweep,
            now_bucket,
            window: 3,
        }
    }

    #[test]
    fn pfns_map_to_their_own_byte() {
        let mut s = secs(&[2, 5]);
        let mut m = HotMap::new(&mut s, SHIFT);
        assert_eq!(m.record_young(2 << SHIFT, at(1, 0)), Some(1));
        assert_eq!(m.record_young((5 << SHIFT) + 15, at(1, 0)), Some(1));
        assert_eq!(m.record_young((5 << SHIFT) + 15, at(2, 1)), Some(2));
        assert_eq!(
            m.record_young((2 << SHIFT) + 1, at(2, 1)),
            Some(1),
            "a neighbour is separate"
        );
        let _ = m;
        assert_ne!(s[0].bytes[0], 0);
        assert_ne!(s[0].bytes[1], 0);
        assert_eq!(s[0].bytes[2..].iter().filter(|&&b| b != 0).count(), 0);
        assert_eq!(Record::decode(s[1].bytes[15]).count, 2);
    }

    #[test]
    fn untracked_pfns_have_no_record() {
        let mut s = secs(&[2, 5]);
        let mut m = HotMap::new(&mut s, SHIFT);
        for pfn in [0, (3 << SHIFT) + 4, 6 << SHIFT, u64::MAX] {
            assert_eq!(m.record_young(pfn, at(1, 0)), None);
            assert_eq!(m.get(pfn), None);
            m.forget(pfn); // no effect, no panic
        }
        let mut empty: Vec<Sec> = Vec::new();
        assert_eq!(
            HotMap::new(&mut empty, SHIFT).record_young(7, at(1, 0)),
            None
        );
    }

    #[test]
    fn a_thp_is_recorded_at_its_head_only() {
        // A 4-page "THP" at PFNs 36..40: the walker reports its head.
        let mut s = secs(&[2]);
        let mut m = HotMap::new(&mut s, SHIFT);
        let head = (2 << SHIFT) + 4;
        m.record_young(head, at(1, 0));
        assert_eq!(m.record_young(head, at(2, 1)), Some(2));
        for tail in head + 1..head + 4 {
            assert_eq!(m.get(tail), Some(0), "tail pages stay empty");
        }
        // After a split, a tail page starts its own history.
        assert_eq!(m.record_young(head + 1, at(3, 2)), Some(1));
    }

    #[test]
    fn forget_clears_one_record() {
        let mut s = secs(&[1]);
        let mut m = HotMap::new(&mut s, SHIFT);
        let pfn = (1 << SHIFT) + 3;
        m.record_young(pfn, at(1, 0));
        m.record_young(pfn + 1, at(1, 0));
        m.forget(pfn);
        assert_eq!(m.get(pfn), Some(0));
        assert_ne!(m.get(pfn + 1), Some(0));
        assert_eq!(
            m.record_young(pfn, at(2, 1)),
            Some(1),
            "a forgotten PFN starts over"
        );
    }

    #[test]
    fn age_clears_old_records_in_every_section() {
        let mut s = secs(&[1, 9]);
        let mut m = HotMap::new(&mut s, SHIFT);
        m.record_young(1 << SHIFT, at(1, 0));
        m.record_young((9 << SHIFT) + 7, at(1, 0));
        m.record_young((9 << SHIFT) + 8, at(1, 5));
        assert_eq!(m.age(EXPIRE_BUCKETS - 1), 0);
        assert_eq!(m.age(EXPIRE_BUCKETS), 2);
        assert_eq!(m.get(1 << SHIFT), Some(0));
        assert_eq!(m.get((9 << SHIFT) + 7), Some(0));
        assert_ne!(m.get((9 << SHIFT) + 8), Some(0));
        assert_eq!(m.age((5 + EXPIRE_BUCKETS) % BUCKETS), 1);
    }

    #[test]
    fn age_bytes_handles_odd_lengths() {
        let old = Record {
            count: 1,
            tag: 0,
            bucket: 0,
        }
        .encode();
        let mut bytes = vec![0u8; 13];
        bytes[12] = old;
        bytes[3] = old;
        assert_eq!(age_bytes(&mut bytes, EXPIRE_BUCKETS), 2);
        assert!(bytes.iter().all(|&b| b == 0));
    }

    fn apply_all(have: &[u64], want: &[u64]) -> Vec<u64> {
        let mut list: Vec<u64> = have.to_vec();
        let mut removed_ok = true;
        let mut last_removed = usize::MAX;
        let mut inserting = false;
        reconcile(have, want, |c| match c {
            Change::Remove(i) => {
                assert!(!inserting, "removals come first");
                assert!(i < last_removed, "removals go from the highest index down");
                last_removed = i;
                removed_ok &= i < list.len();
                list.remove(i);
            }
            Change::Insert(i, nr) => {
                inserting = true;
                list.insert(i, nr);
            }
        });
        assert!(removed_ok);
        list
    }

    #[test]
    fn reconcile_turns_have_into_want() {
        let cases: [(&[u64], &[u64]); 7] = [
            (&[], &[]),
            (&[], &[1, 2, 3]),
            (&[1, 2, 3], &[]),
            (&[1, 2, 3], &[1, 2, 3]),
            (&[1, 3, 5, 7], &[2, 3, 6, 7, 8]),
            (&[10, 20], &[5, 15, 25]),
            (&[4, 5, 6], &[5]),
        ];
        for (have, want) in cases {
            assert_eq!(apply_all(have, want), want, "{have:?} -> {want:?}");
        }
    }

    #[test]
    fn reconcile_keeps_the_records_of_sections_that_stay() {
        // Sections 3 and 7 stay: their arrays must not be reallocated.
        let mut changes = Vec::new();
        reconcile(&[1, 3, 5, 7], &[2, 3, 6, 7, 8], |c| changes.push(c));
        assert!(!changes
            .iter()
            .any(|c| matches!(c, Change::Insert(_, 3) | Change::Insert(_, 7))));
        assert!(!changes.contains(&Change::Remove(1)) && !changes.contains(&Change::Remove(3)));
    }
}
