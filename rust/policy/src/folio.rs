// SPDX-License-Identifier: GPL-2.0

//! Which folios the walk tests, and which young ones migration would
//! refuse.  The shim reports facts about each folio it meets
//! ([`FolioFacts`]); these rules decide.
//!
//! - Not tested (their Accessed bit is left alone, their pages not counted
//!   as scanned): device memory (`ZONE_DEVICE`: not on an LRU, not
//!   migratable by `migrate_pages()`), KSM pages (shared by content between
//!   processes whose policies may differ), unevictable folios (mlocked:
//!   the application asked for them to stay), and folios maybe mapped by
//!   more than one process (another process's policy or cpuset might
//!   forbid the move; `folio_maybe_mapped_shared()`).
//! - Tested but not moved when young (counted as
//!   `kmmscand_promote_fail_unmovable`): DMA-pinned folios and dirty page
//!   cache on the file LRU, which `migrate_misplaced_folio_prepare()` also
//!   refuses (not every filesystem can move those in `MIGRATE_ASYNC`
//!   mode).  Shmem and `MAP_SHARED` anonymous folios are swap-backed, on
//!   the anon LRU: dirty or not, they move.
//!
//! [`UNTESTABLE`] is applied twice: by the walk, and again when a hot
//! folio is isolated ([`still_the_one`]: the walk dropped every lock since:
//! a folio that was private then may be shared now, by a fork, and is
//! dropped).

/// What the shim saw of a folio, as a bit set.  For a `ZONE_DEVICE` folio
/// no other fact is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FolioFacts(pub u32);

impl FolioFacts {
    /// `folio_is_zone_device()`.
    pub const ZONE_DEVICE: u32 = 1 << 0;
    /// `folio_test_ksm()`.
    pub const KSM: u32 = 1 << 1;
    /// `folio_test_unevictable()`.
    pub const UNEVICTABLE: u32 = 1 << 2;
    /// `folio_maybe_mapped_shared()`.
    pub const SHARED: u32 = 1 << 3;
    /// `folio_maybe_dma_pinned()` (read when a young folio is recorded
    /// and at isolation, not for every entry the walk meets).
    pub const PINNED: u32 = 1 << 4;
    /// `folio_is_file_lru()` (read as [`Self::PINNED`]).
    pub const FILE_LRU: u32 = 1 << 5;
    /// `folio_test_dirty()` (read as [`Self::PINNED`]).
    pub const DIRTY: u32 = 1 << 6;

    /// Whether any of `bits` is set.
    pub const fn any(self, bits: u32) -> bool {
        self.0 & bits != 0
    }
}

/// The facts that keep the walk from testing a folio (the mask the walk is
/// given: it tests a folio only when none of them holds).
pub const UNTESTABLE: u32 =
    FolioFacts::ZONE_DEVICE | FolioFacts::KSM | FolioFacts::UNEVICTABLE | FolioFacts::SHARED;

/// A dirty folio on the file LRU: migration refuses it (writeback first).
pub const DIRTY_FILE: u32 = FolioFacts::FILE_LRU | FolioFacts::DIRTY;

/// Whether the walk tests a folio with facts `f`.
pub const fn testable(f: FolioFacts) -> bool {
    !f.any(UNTESTABLE)
}

/// Whether a young folio with facts `f` may be moved.
pub const fn movable(f: FolioFacts) -> bool {
    !f.any(FolioFacts::PINNED) && f.0 & DIRTY_FILE != DIRTY_FILE
}

/// What identifies a folio: as the walk recorded it, or as it is read
/// again at its PFN before isolation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FolioId {
    /// PFN of its first page.
    pub pfn: u64,
    /// Base pages in it.
    pub nr_pages: u32,
    /// The node it is on.
    pub nid: i32,
    /// `folio->mapping` (the anon_vma or address space, with its flag bits).
    pub mapping: u64,
    /// `folio->index`.
    pub index: u64,
}

/// Whether the folio found at a recorded PFN just before isolation may be
/// isolated for the move the walk decided on: the same folio (same head
/// PFN, size and node, and the same identity: a PFN freed and reused since,
/// by another process perhaps under a policy that binds it to the slow
/// tier, has another mapping or index, and the policy the walk checked does
/// not apply to it), on an LRU, and still testable (a folio private then
/// may be shared now, by a fork).  The walk dropped every lock since it
/// recorded the folio.
pub fn still_the_one(recorded: &FolioId, now: &FolioId, on_lru: bool, facts: FolioFacts) -> bool {
    recorded == now && on_lru && testable(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_folio_is_isolated_only_if_nothing_about_it_changed() {
        let rec = FolioId {
            pfn: 0x12345,
            nr_pages: 1,
            nid: 1,
            mapping: 0xffff_8880_0000_1001,
            index: 42,
        };
        let private = FolioFacts::default();
        assert!(still_the_one(&rec, &rec, true, private));
        assert!(!still_the_one(&rec, &rec, false, private), "off the LRU");
        assert!(
            !still_the_one(&rec, &rec, true, FolioFacts(FolioFacts::SHARED)),
            "shared since"
        );
        let changed = [
            FolioId {
                pfn: rec.pfn - 1,
                ..rec
            },
            FolioId {
                nr_pages: 512,
                ..rec
            },
            FolioId { nid: 0, ..rec },
            FolioId {
                mapping: rec.mapping + 0x40,
                ..rec
            },
            FolioId { index: 43, ..rec },
        ];
        for now in changed {
            assert!(!still_the_one(&rec, &now, true, private), "{now:?}");
        }
    }

    #[test]
    fn private_anonymous_and_clean_file_folios_are_tested_and_moved() {
        let f = FolioFacts::default();
        assert!(testable(f) && movable(f));
    }

    #[test]
    fn device_ksm_mlocked_and_shared_folios_are_not_tested() {
        for bit in [
            FolioFacts::ZONE_DEVICE,
            FolioFacts::KSM,
            FolioFacts::UNEVICTABLE,
            FolioFacts::SHARED,
        ] {
            assert!(!testable(FolioFacts(bit)), "{bit:#x}");
        }
    }

    #[test]
    fn pinned_and_dirty_file_folios_are_tested_but_not_moved() {
        for bits in [FolioFacts::PINNED, DIRTY_FILE] {
            assert!(testable(FolioFacts(bits)), "{bits:#x}");
            assert!(!movable(FolioFacts(bits)), "{bits:#x}");
        }
    }

    #[test]
    fn dirty_anonymous_and_clean_file_folios_are_moved() {
        for bits in [FolioFacts::DIRTY, FolioFacts::FILE_LRU] {
            assert!(movable(FolioFacts(bits)), "{bits:#x}");
        }
    }
}
