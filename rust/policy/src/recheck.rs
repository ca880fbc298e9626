// SPDX-License-Identifier: GPL-2.0

//! Where to look again soon: the 2 MiB regions of an address space in
//! which a sweep found slow-tier pages young for the first time.
//!
//! A page becomes hot on its second sighting.  Waiting for the next sweep
//! to see it again costs a whole sweep of the address space, seconds for a
//! GiB-sized process, and most of the dead time between a hot set landing
//! on the slow tier and its promotion.  Instead the visit that finds a
//! first sighting notes its PMD-sized region here, and the mm's next visit
//! (due after half of `scan_period_min_ms`: [`crate::pace::recheck_wait_ms`])
//! walks these regions again before it goes on with the sweep: a page used
//! again within that interval is seen a second time about a quarter of a
//! second after the first.  A page touched once
//! (at allocation, by a one-off pass) is not young at the recheck and stays
//! where it is.
//!
//! A recheck that promotes as it goes can take longer than the window of
//! [`crate::hotness`]: the records of the pages it reaches last have gone
//! stale, and a page found young there starts over at one sighting.  Those
//! regions are noted as well, in a second set that becomes the next
//! recheck once the current one is over, in a new pass: rechecks chain, but
//! only through regions where pages keep being used.
//!
//! The set is bounded: at most [`MAX_RANGES`] disjoint ranges, kept sorted.
//! A region next to or inside a range extends it; when the set is full the
//! two closest neighbouring ranges merge before the new region is added, so
//! the set covers every region noted, and perhaps some gaps between them,
//! but never loses one.

/// The region granule (2 MiB): one page table, the unit the walk skips.
pub const GRANULE: usize = 1 << 21;

/// Most disjoint ranges one set holds.
pub const MAX_RANGES: usize = 16;

/// A half-open address range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Range {
    /// First address.
    pub start: usize,
    /// One past the last address.
    pub end: usize,
}

/// The regions to recheck, sorted, disjoint and not adjacent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recheck {
    ranges: [Range; MAX_RANGES],
    len: usize,
}

impl Default for Recheck {
    fn default() -> Self {
        Self::new()
    }
}

impl Recheck {
    /// An empty set.
    pub const fn new() -> Self {
        Recheck {
            ranges: [Range { start: 0, end: 0 }; MAX_RANGES],
            len: 0,
        }
    }

    /// Whether nothing is to be rechecked.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every range.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// The ranges, in address order.
    pub fn ranges(&self) -> &[Range] {
        &self.ranges[..self.len]
    }

    /// Bytes of address space the ranges cover.
    pub fn bytes(&self) -> usize {
        self.ranges().iter().map(|r| r.end - r.start).sum()
    }

    /// Notes the region holding `addr`.
    pub fn add(&mut self, addr: usize) {
        let start = addr & !(GRANULE - 1);
        let end = start
            .checked_add(GRANULE)
            .unwrap_or(usize::MAX & !(GRANULE - 1));
        if end <= start {
            return; // the last granule of the address space: never mapped
        }
        self.add_range(Range { start, end });
    }

    /// Notes every region of `other` as well.
    pub fn merge(&mut self, other: &Recheck) {
        for r in other.ranges() {
            self.add_range(*r);
        }
    }

    /// Notes the non-empty range `new`.
    fn add_range(&mut self, new: Range) {
        let Range { start, end } = new;
        // Fast path: at or right after the last range (a walk goes up).
        if let Some(last) = self.len.checked_sub(1).map(|i| &mut self.ranges[i]) {
            if start >= last.start && start <= last.end {
                last.end = last.end.max(end);
                return;
            }
        }
        // The first range that ends at or after `start`.
        let i = self
            .ranges()
            .iter()
            .position(|r| r.end >= start)
            .unwrap_or(self.len);
        if i < self.len && self.ranges[i].start <= end {
            // Touches or overlaps range i: extend it, then absorb the next
            // ones while they touch.
            let r = &mut self.ranges[i];
            r.start = r.start.min(start);
            r.end = r.end.max(end);
            while i + 1 < self.len && self.ranges[i + 1].start <= self.ranges[i].end {
                self.ranges[i].end = self.ranges[i].end.max(self.ranges[i + 1].end);
                self.remove(i + 1);
            }
            return;
        }
        if self.len == MAX_RANGES {
            self.merge_closest_pair();
            // The merge may have made room next to the new range, or
            // covered it; add it again on the smaller set.
            self.add_range(new);
            return;
        }
        self.ranges.copy_within(i..self.len, i + 1);
        self.ranges[i] = new;
        self.len += 1;
    }

    /// Forgets what lies below `addr`: a recheck that stopped there (its
    /// turn over, or the thread stopping) resumes at `addr` next time.
    pub fn keep_from(&mut self, addr: usize) {
        let gone = self.ranges().iter().take_while(|r| r.end <= addr).count();
        self.ranges.copy_within(gone..self.len, 0);
        self.len -= gone;
        if let Some(first) = self.ranges[..self.len].first_mut() {
            first.start = first.start.max(addr);
        }
    }

    /// Removes `[start, end)` from the set.  Where that splits a range in
    /// two and the set is full, the smaller piece is dropped (the lower
    /// one if they are equal): unlike [`Recheck::add`], `cut` may lose
    /// regions, so it is for a set where a region lost only waits for
    /// the next sweep (the probe set, [`crate::probe`]).
    pub fn cut(&mut self, start: usize, end: usize) {
        if start >= end {
            return;
        }
        let mut i = 0;
        while i < self.len {
            let r = self.ranges[i];
            if r.end <= start || r.start >= end {
                i += 1;
                continue;
            }
            let left = Range {
                start: r.start,
                end: start,
            };
            let right = Range {
                start: end,
                end: r.end,
            };
            match (r.start < start, end < r.end) {
                (false, false) => {
                    self.remove(i);
                    continue;
                }
                (true, false) => self.ranges[i] = left,
                (false, true) => self.ranges[i] = right,
                (true, true) if self.len < MAX_RANGES => {
                    self.ranges.copy_within(i + 1..self.len, i + 2);
                    self.len += 1;
                    self.ranges[i] = left;
                    self.ranges[i + 1] = right;
                    i += 1;
                }
                (true, true) => {
                    self.ranges[i] = if left.end - left.start > right.end - right.start {
                        left
                    } else {
                        right
                    };
                }
            }
            i += 1;
        }
    }

    /// Removes every range of `other` from the set ([`Recheck::cut`]).
    pub fn cut_all(&mut self, other: &Recheck) {
        for r in other.ranges() {
            self.cut(r.start, r.end);
        }
    }

    /// Number of [`GRANULE`]s the ranges cover.
    pub fn granules(&self) -> u64 {
        (self.bytes() / GRANULE) as u64
    }

    fn remove(&mut self, i: usize) {
        self.ranges.copy_within(i + 1..self.len, i);
        self.len -= 1;
    }

    /// Merges the two neighbouring ranges with the smallest gap.
    fn merge_closest_pair(&mut self) {
        let Some(i) = (0..self.len.saturating_sub(1))
            .min_by_key(|&i| self.ranges[i + 1].start - self.ranges[i].end)
        else {
            return;
        };
        self.ranges[i].end = self.ranges[i + 1].end;
        self.remove(i + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    const G: usize = GRANULE;

    fn spans(r: &Recheck) -> Vec<(usize, usize)> {
        r.ranges().iter().map(|r| (r.start, r.end)).collect()
    }

    #[test]
    fn regions_in_walk_order_coalesce_into_one_range() {
        let mut r = Recheck::new();
        for page in 0..(64 * G / 4096) {
            r.add(10 * G + page * 4096);
        }
        assert_eq!(spans(&r), [(10 * G, 74 * G)]);
        assert_eq!(r.bytes(), 64 * G);
    }

    #[test]
    fn a_region_is_its_whole_granule() {
        let mut r = Recheck::new();
        r.add(3 * G + 12345);
        assert_eq!(spans(&r), [(3 * G, 4 * G)]);
    }

    #[test]
    fn out_of_order_regions_stay_sorted_and_merge_when_adjacent() {
        let mut r = Recheck::new();
        r.add(8 * G);
        r.add(2 * G);
        r.add(5 * G);
        assert_eq!(spans(&r), [(2 * G, 3 * G), (5 * G, 6 * G), (8 * G, 9 * G)]);
        r.add(4 * G); // touches 5..6
        assert_eq!(spans(&r), [(2 * G, 3 * G), (4 * G, 6 * G), (8 * G, 9 * G)]);
        r.add(6 * G);
        r.add(7 * G); // now touches 8..9 as well
        assert_eq!(spans(&r), [(2 * G, 3 * G), (4 * G, 9 * G)]);
        r.add(3 * G); // bridges the two
        assert_eq!(spans(&r), [(2 * G, 9 * G)]);
        r.add(5 * G); // inside: nothing changes
        assert_eq!(spans(&r), [(2 * G, 9 * G)]);
    }

    #[test]
    fn a_full_set_merges_the_closest_pair_and_loses_no_region() {
        let mut r = Recheck::new();
        let mut added = Vec::new();
        // Regions 10 granules apart, except one pair 2 apart.
        for k in 0..MAX_RANGES {
            let a = if k == 5 {
                10 * 4 * G + 2 * G
            } else {
                10 * k * G
            };
            r.add(a);
            added.push(a);
        }
        assert_eq!(r.ranges().len(), MAX_RANGES);
        r.add(1000 * G);
        added.push(1000 * G);
        assert_eq!(r.ranges().len(), MAX_RANGES);
        for a in added {
            assert!(
                r.ranges().iter().any(|x| x.start <= a && a < x.end),
                "{a:#x} lost"
            );
        }
        // The pair at 40 and 42 granules merged.
        assert!(
            r.ranges()
                .iter()
                .any(|x| x.start == 40 * G && x.end == 43 * G),
            "{:?}",
            spans(&r)
        );
        for w in r.ranges().windows(2) {
            assert!(w[0].end < w[1].start, "sorted, disjoint, not adjacent");
        }
    }

    #[test]
    fn many_scattered_regions_stay_bounded_and_covered() {
        let mut r = Recheck::new();
        let mut x: usize = 12345;
        let mut added = Vec::new();
        for _ in 0..1000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let a = (x >> 20) % (1 << 40);
            r.add(a);
            added.push(a);
            assert!(r.ranges().len() <= MAX_RANGES);
        }
        for a in added {
            assert!(r.ranges().iter().any(|x| x.start <= a && a < x.end));
        }
    }

    #[test]
    fn the_top_of_the_address_space_does_not_overflow() {
        let mut r = Recheck::new();
        r.add(usize::MAX);
        r.add(usize::MAX - G);
        for x in r.ranges() {
            assert!(x.start < x.end);
        }
    }

    #[test]
    fn keep_from_drops_what_was_rechecked_and_trims_the_range_in_progress() {
        let mut r = Recheck::new();
        r.add(2 * G);
        r.add(5 * G);
        r.add(6 * G);
        r.add(9 * G);
        assert_eq!(spans(&r), [(2 * G, 3 * G), (5 * G, 7 * G), (9 * G, 10 * G)]);
        r.keep_from(0);
        assert_eq!(spans(&r), [(2 * G, 3 * G), (5 * G, 7 * G), (9 * G, 10 * G)]);
        r.keep_from(5 * G + 4096); // stopped inside the second range
        assert_eq!(spans(&r), [(5 * G + 4096, 7 * G), (9 * G, 10 * G)]);
        r.keep_from(7 * G); // the second range done, the third not begun
        assert_eq!(spans(&r), [(9 * G, 10 * G)]);
        r.keep_from(10 * G);
        assert!(r.is_empty());
        r.keep_from(usize::MAX);
        assert!(r.is_empty());
    }

    #[test]
    fn merge_covers_both_sets_and_bridges_what_touches() {
        let mut a = Recheck::new();
        a.add(2 * G);
        a.add(10 * G);
        a.add(20 * G);
        let mut b = Recheck::new();
        b.add(3 * G); // touches 2..3
        b.add(6 * G);
        for g in 9..22 {
            b.add(g * G); // spans 10..11 and 20..21
        }
        a.merge(&b);
        assert_eq!(spans(&a), [(2 * G, 4 * G), (6 * G, 7 * G), (9 * G, 22 * G)]);
        let before = a;
        a.merge(&Recheck::new());
        assert_eq!(a, before);
    }

    #[test]
    fn merging_full_sets_stays_bounded_and_loses_no_region() {
        let mut a = Recheck::new();
        let mut b = Recheck::new();
        for k in 0..MAX_RANGES {
            a.add(4 * k * G);
            b.add((4 * k + 2) * G);
        }
        a.merge(&b);
        assert!(a.ranges().len() <= MAX_RANGES);
        for k in 0..MAX_RANGES {
            for g in [4 * k, 4 * k + 2] {
                assert!(
                    a.ranges()
                        .iter()
                        .any(|r| r.start <= g * G && g * G + G <= r.end),
                    "region {g} lost"
                );
            }
        }
    }

    #[test]
    fn cut_removes_a_range_splitting_what_it_falls_inside() {
        let mut r = Recheck::new();
        r.add_range(Range {
            start: 0,
            end: 10 * G,
        });
        r.add_range(Range {
            start: 20 * G,
            end: 30 * G,
        });
        r.cut(2 * G, 3 * G);
        assert_eq!(spans(&r), [(0, 2 * G), (3 * G, 10 * G), (20 * G, 30 * G)]);
        // Over a gap and into the next range: trims both sides.
        r.cut(8 * G, 22 * G);
        assert_eq!(spans(&r), [(0, 2 * G), (3 * G, 8 * G), (22 * G, 30 * G)]);
        // A whole range and an empty cut.
        r.cut(3 * G, 8 * G);
        r.cut(5 * G, 5 * G);
        assert_eq!(spans(&r), [(0, 2 * G), (22 * G, 30 * G)]);
        r.cut(0, usize::MAX);
        assert!(r.is_empty());
        assert_eq!(r.granules(), 0);
    }

    #[test]
    fn cut_in_a_full_set_keeps_the_larger_piece_and_stays_sorted() {
        let mut r = Recheck::new();
        for i in 0..MAX_RANGES {
            r.add_range(Range {
                start: i * 100 * G,
                end: i * 100 * G + 10 * G,
            });
        }
        assert_eq!(r.ranges().len(), MAX_RANGES);
        // Splits the first range 1 + 8: the upper piece stays.
        r.cut(G, 2 * G);
        assert_eq!(r.ranges().len(), MAX_RANGES);
        assert_eq!(spans(&r)[0], (2 * G, 10 * G));
        // Splits the second 7 + 2: the lower piece stays.
        r.cut(107 * G, 108 * G);
        assert_eq!(spans(&r)[1], (100 * G, 107 * G));
        assert_eq!(r.granules(), 8 + 7 + 14 * 10);
        let s = spans(&r);
        assert!(s.windows(2).all(|w| w[0].1 < w[1].0), "{s:?}");
    }

    #[test]
    fn cut_all_removes_every_range_of_the_other_set() {
        let mut r = Recheck::new();
        r.add_range(Range {
            start: 0,
            end: 16 * G,
        });
        let mut woke = Recheck::new();
        woke.add(3 * G);
        woke.add(9 * G);
        woke.add(10 * G);
        r.cut_all(&woke);
        assert_eq!(spans(&r), [(0, 3 * G), (4 * G, 9 * G), (11 * G, 16 * G)]);
        assert_eq!(r.granules(), 13);
    }

    #[test]
    fn clear_empties() {
        let mut r = Recheck::new();
        r.add(G);
        assert!(!r.is_empty());
        r.clear();
        assert!(r.is_empty());
        assert_eq!(r.bytes(), 0);
    }
}
