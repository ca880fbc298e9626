// SPDX-License-Identifier: GPL-2.0

//! What the page-table walk tests, skips and must flush.
//!
//! The walk (`rust/sys/walk.rs`, the `pmd_entry` callback of the kernel's
//! `walk_page_range_vma()`) meets each present entry of a VMA; these rules
//! decide what it does with it.
//!
//! - A folio is tested (its Accessed bit read and cleared) only if its node
//!   has a destination in the walk's target map and none of the facts in
//!   [`crate::folio::UNTESTABLE`] holds for it.  The walk reads a page
//!   table's entries up to the next folio on such a node
//!   ([`crate::topology::TargetMap::sources`]) in one call into the kernel, and only counts the
//!   pages of the folios it passes (on the top tier, or on a node with no
//!   destination).
//! - A PMD-mapped folio is tested only by the walk that covers its first
//!   address: a visit that ends inside it and the next one that starts
//!   there must not both count it.
//! - A page table whose PMD was not accessed since the last sweep is
//!   skipped: the CPU sets the Accessed bit of a PMD that points to a page
//!   table whenever it walks through it, so a PMD found not young means no
//!   page it maps was accessed since the bit was cleared and the
//!   paging-structure caches flushed (MGLRU's rule under
//!   `CONFIG_ARCH_HAS_NONLEAF_PMD_YOUNG`).  Only where the CPU sets that
//!   bit, not for an mm with secondary MMUs (whose accesses do not set the
//!   CPU's bits), and only for a walk over the whole 2 MiB the table maps:
//!   two small VMAs can share one table, and a walk resumed in the middle
//!   of a table has already cleared its bit.
//! - Every range whose Accessed bits were read, young or not, and every
//!   skipped table's range, is flushed from the TLB before the mmap lock
//!   is dropped ([`FlushSpan`]).  x86 clears the bit without a flush and
//!   the CPU sets it again only on a page-table walk: a page whose
//!   translation stays cached would look idle however hot it is.  Flushing
//!   what was found *not* young matters too, because this walk is not the
//!   only one clearing Accessed bits without a flush: MGLRU's aging walk,
//!   `folio_referenced()` in reclaim and DAMON do too; after the flush the
//!   next access sets the bit again, so the next sweep sees it.

use super::folio::{self, FolioFacts};
use super::visit::PMD_SIZE;

/// Whether the walk tests a folio on a node whose destination is `target`
/// (negative: none) and with facts `facts`.
pub const fn tests_folio(target: i16, facts: FolioFacts) -> bool {
    target >= 0 && folio::testable(facts)
}

/// Whether the PMD-mapped folio met at `addr` is this walk's to test: only
/// if the walk covers its first address.
pub const fn tests_pmd_folio(addr: usize) -> bool {
    addr.is_multiple_of(PMD_SIZE)
}

/// Whether the walk may test the Accessed bit of the PMD pointing to the
/// page table it meets for `[addr, next)`, and skip the table if the bit
/// is clear: `skip_idle` (no secondary MMU), `hw_sets_bit` (the CPU sets
/// the bit of a non-leaf PMD), and the walk covers the table's whole
/// 2 MiB.
pub const fn may_skip_table(skip_idle: bool, hw_sets_bit: bool, addr: usize, next: usize) -> bool {
    skip_idle && hw_sets_bit && addr.is_multiple_of(PMD_SIZE) && next.wrapping_sub(addr) == PMD_SIZE
}

/// An address range whose Accessed bits were cleared and not yet flushed
/// from the TLB (`start >= end`: none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushSpan {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// A PMD's Accessed bit is in the span: flush the paging-structure
    /// caches too.
    pub tables: bool,
}

impl FlushSpan {
    /// Whether nothing is left to flush.
    pub const fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    /// Adds `[start, end)` (and, if `tables`, a PMD's bit) to the span:
    /// the smallest span covering both.
    pub fn add(&mut self, start: u64, end: u64, tables: bool) {
        *self = self.merge(FlushSpan { start, end, tables });
    }

    /// The smallest span covering `self` and `other`.
    pub const fn merge(self, other: FlushSpan) -> FlushSpan {
        if other.is_empty() {
            return self;
        }
        if self.is_empty() {
            return other;
        }
        FlushSpan {
            start: if self.start < other.start {
                self.start
            } else {
                other.start
            },
            end: if self.end > other.end {
                self.end
            } else {
                other.end
            },
            tables: self.tables || other.tables,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folio_is_tested_only_with_a_target_and_no_untestable_fact() {
        let private = FolioFacts::default();
        assert!(tests_folio(0, private));
        assert!(!tests_folio(-1, private));
        for bit in [
            FolioFacts::ZONE_DEVICE,
            FolioFacts::KSM,
            FolioFacts::UNEVICTABLE,
            FolioFacts::SHARED,
        ] {
            assert!(!tests_folio(0, FolioFacts(bit)), "fact {bit:#x}");
        }
        // Pinned and dirty file folios are tested (and refused at migration).
        assert!(tests_folio(
            1,
            FolioFacts(FolioFacts::PINNED | crate::folio::DIRTY_FILE)
        ));
    }

    #[test]
    fn a_pmd_mapped_folio_is_tested_by_the_walk_that_covers_its_start() {
        assert!(tests_pmd_folio(0));
        assert!(tests_pmd_folio(5 * PMD_SIZE));
        assert!(!tests_pmd_folio(5 * PMD_SIZE + 4096));
    }

    #[test]
    fn only_a_whole_table_may_be_skipped_and_only_where_the_bit_is_set() {
        let a = 3 * PMD_SIZE;
        assert!(may_skip_table(true, true, a, a + PMD_SIZE));
        assert!(
            !may_skip_table(false, true, a, a + PMD_SIZE),
            "secondary MMU"
        );
        assert!(
            !may_skip_table(true, false, a, a + PMD_SIZE),
            "no hardware bit"
        );
        assert!(
            !may_skip_table(true, true, a + 4096, a + PMD_SIZE),
            "resumed mid-table"
        );
        assert!(
            !may_skip_table(true, true, a, a + PMD_SIZE / 2),
            "a small VMA"
        );
        assert!(!may_skip_table(true, true, a + PMD_SIZE, a), "reversed");
    }

    #[test]
    fn a_flush_span_covers_every_range_added() {
        let mut s = FlushSpan::default();
        assert!(s.is_empty());
        s.add(0x5000, 0x6000, false);
        s.add(0x1000, 0x2000, false);
        assert_eq!((s.start, s.end, s.tables), (0x1000, 0x6000, false));
        s.add(0x200000, 0x400000, true);
        assert_eq!((s.start, s.end, s.tables), (0x1000, 0x400000, true));
        // An empty range changes nothing.
        s.add(0x9000, 0x9000, false);
        assert_eq!((s.start, s.end), (0x1000, 0x400000));
        assert_eq!(FlushSpan::default().merge(s), s);
    }
}
