// SPDX-License-Identifier: GPL-2.0

//! The hotness history: which folios were found young in consecutive scans.
//!
//! A folio becomes a promotion candidate when it is found young in
//! `hot_threshold` consecutive scans of its address space (2 by default:
//! the RFC V3 "second access" rule; 1 promotes on first sight).  Scans are
//! numbered per mm by *sweep*: one sweep is one pass of the mm's scan
//! cursor over its whole address space.
//!
//! The history is a fixed-size open-addressing table keyed by the folio's
//! PFN, allocated once by the module.  Its memory does not depend on the
//! size of RAM; it holds only folios found young recently.  A record whose
//! folio is not found young in the next sweep is simply not continued (its
//! count restarts at 1), so no per-page state is kept for cold memory.
//! When the probe window is full the least recently updated record is
//! overwritten and [`Update::evicted`] says so (the `kmmscand_history_evictions`
//! counter): a steady rise means more folios are young than the table holds.

/// Slots probed from a key's home slot before a record is evicted.
pub const PROBE_WINDOW: usize = 8;

/// One record of the history.  Zeroed memory is an empty slot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C)]
pub struct HotRecord {
    /// PFN of the folio; 0 = empty slot (PFN 0 is never a slow-tier folio).
    pub pfn: u64,
    /// Sweep of the folio's mm in which it was last found young.
    pub sweep: u32,
    /// Daemon clock (ms, wrapping) of the last update; for eviction.
    pub stamp: u32,
    /// Consecutive sweeps the folio was found young in, ending at `sweep`.
    pub young_sweeps: u32,
    /// Padding; keeps the layout explicit.
    pub _reserved: u32,
}

/// The result of recording one young folio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Update {
    /// Consecutive sweeps the folio has now been found young in.
    pub young_sweeps: u32,
    /// Whether another folio's live record was overwritten to make room.
    pub evicted: bool,
}

/// The history table, over storage owned by the caller.
pub struct HotnessTable<'a> {
    slots: &'a mut [HotRecord],
    mask: usize,
}

/// Spreads PFNs over the table (Fibonacci hashing).
fn home_slot(pfn: u64, mask: usize) -> usize {
    (pfn.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
}

impl<'a> HotnessTable<'a> {
    /// Uses `slots` as the table.  Its length must be a power of two of at
    /// least [`PROBE_WINDOW`]; otherwise `None`.
    pub fn new(slots: &'a mut [HotRecord]) -> Option<Self> {
        let n = slots.len();
        if n < PROBE_WINDOW || !n.is_power_of_two() {
            return None;
        }
        Some(HotnessTable { slots, mask: n - 1 })
    }

    /// Records that the folio at `pfn` was found young in sweep `sweep` of
    /// its mm, at daemon time `now_ms`, and returns its consecutive count.
    pub fn record_young(&mut self, pfn: u64, sweep: u32, now_ms: u32) -> Update {
        let home = home_slot(pfn, self.mask);
        let mut free = None;
        let mut oldest = home;
        for i in 0..PROBE_WINDOW {
            let idx = (home + i) & self.mask;
            let r = &mut self.slots[idx];
            if r.pfn == pfn {
                r.young_sweeps = if r.sweep == sweep {
                    r.young_sweeps // seen again in the same sweep
                } else if r.sweep.wrapping_add(1) == sweep {
                    r.young_sweeps.saturating_add(1)
                } else {
                    1
                };
                r.sweep = sweep;
                r.stamp = now_ms;
                return Update {
                    young_sweeps: r.young_sweeps,
                    evicted: false,
                };
            }
            if r.pfn == 0 {
                free.get_or_insert(idx);
            } else if now_ms.wrapping_sub(r.stamp) > now_ms.wrapping_sub(self.slots[oldest].stamp)
                || self.slots[oldest].pfn == 0
            {
                oldest = idx;
            }
        }
        let (idx, evicted) = match free {
            Some(idx) => (idx, false),
            None => (oldest, true),
        };
        self.slots[idx] = HotRecord {
            pfn,
            sweep,
            stamp: now_ms,
            young_sweeps: 1,
            _reserved: 0,
        };
        Update {
            young_sweeps: 1,
            evicted,
        }
    }

    /// Drops the record of `pfn`, if any (after a promotion attempt, so a
    /// PFN reused by another folio starts from zero).
    pub fn forget(&mut self, pfn: u64) {
        let home = home_slot(pfn, self.mask);
        for i in 0..PROBE_WINDOW {
            let idx = (home + i) & self.mask;
            if self.slots[idx].pfn == pfn {
                self.slots[idx] = HotRecord::default();
                return;
            }
        }
    }

    /// Number of occupied slots (for tests and statistics).
    pub fn occupied(&self) -> usize {
        self.slots.iter().filter(|r| r.pfn != 0).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(storage: &mut [HotRecord]) -> HotnessTable<'_> {
        HotnessTable::new(storage).unwrap()
    }

    #[test]
    fn rejects_storage_that_is_not_a_power_of_two() {
        assert!(HotnessTable::new(&mut [HotRecord::default(); 12]).is_none());
        assert!(HotnessTable::new(&mut [HotRecord::default(); 4]).is_none());
        assert!(HotnessTable::new(&mut [HotRecord::default(); 16]).is_some());
    }

    #[test]
    fn consecutive_sweeps_accumulate() {
        let mut s = [HotRecord::default(); 64];
        let mut t = table(&mut s);
        assert_eq!(t.record_young(100, 7, 0).young_sweeps, 1);
        assert_eq!(t.record_young(100, 8, 10).young_sweeps, 2);
        assert_eq!(t.record_young(100, 9, 20).young_sweeps, 3);
    }

    #[test]
    fn a_missed_sweep_restarts_the_count() {
        let mut s = [HotRecord::default(); 64];
        let mut t = table(&mut s);
        t.record_young(100, 1, 0);
        t.record_young(100, 2, 0);
        // Not young in sweep 3 (touched once, then idle).
        assert_eq!(t.record_young(100, 4, 0).young_sweeps, 1);
    }

    #[test]
    fn seen_twice_in_one_sweep_counts_once() {
        let mut s = [HotRecord::default(); 64];
        let mut t = table(&mut s);
        t.record_young(100, 1, 0);
        assert_eq!(t.record_young(100, 1, 0).young_sweeps, 1);
        assert_eq!(t.record_young(100, 2, 0).young_sweeps, 2);
        assert_eq!(t.record_young(100, 2, 0).young_sweeps, 2);
    }

    #[test]
    fn sweep_numbers_may_wrap() {
        let mut s = [HotRecord::default(); 64];
        let mut t = table(&mut s);
        t.record_young(5, u32::MAX, 0);
        assert_eq!(t.record_young(5, 0, 0).young_sweeps, 2);
    }

    #[test]
    fn forget_restarts_a_folio() {
        let mut s = [HotRecord::default(); 64];
        let mut t = table(&mut s);
        t.record_young(100, 1, 0);
        t.forget(100);
        assert_eq!(t.occupied(), 0);
        assert_eq!(t.record_young(100, 2, 0).young_sweeps, 1);
        t.forget(12345); // absent: no effect
        assert_eq!(t.occupied(), 1);
    }

    #[test]
    fn full_table_evicts_the_least_recently_updated_record() {
        let mut s = [HotRecord::default(); PROBE_WINDOW];
        let mut t = table(&mut s);
        // With as many slots as the probe window, every key sees every slot.
        for pfn in 1..=PROBE_WINDOW as u64 {
            let u = t.record_young(pfn, 1, pfn as u32 * 10);
            assert!(!u.evicted);
        }
        let u = t.record_young(1000, 1, 1000);
        assert!(u.evicted);
        assert_eq!(t.occupied(), PROBE_WINDOW);
        // pfn 1 had the oldest stamp: it is gone, the others survive.
        assert_eq!(t.record_young(2, 2, 1001).young_sweeps, 2);
        assert_eq!(t.record_young(1, 2, 1002).young_sweeps, 1);
    }

    #[test]
    fn many_distinct_folios_fit_without_eviction_when_room_allows() {
        let mut s = [HotRecord::default(); 1 << 12];
        let mut t = table(&mut s);
        let mut evictions = 0;
        for pfn in 0x10_0000..0x10_0000 + 2048u64 {
            evictions += u32::from(t.record_young(pfn, 1, 0).evicted);
        }
        assert_eq!(evictions, 0, "a half-full table must not evict");
        for pfn in 0x10_0000..0x10_0000 + 2048u64 {
            assert_eq!(t.record_young(pfn, 2, 1).young_sweeps, 2);
        }
    }
}
