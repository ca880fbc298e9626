// SPDX-License-Identifier: GPL-2.0

//! What one migration batch may take.
//!
//! A batch is bounded four ways: by `migrate_batch` pages, by what the
//! process's cgroup may still gain under `cgroup_toptier_max_mb`, by the
//! room the target node has above its high watermark (promotion must not
//! push it into reclaim), and by the rate-limit tokens.  Candidates are admitted in
//! order; a folio that does not fit is refused with the reason, which the
//! module counts (`kmmscand_promote_fail_target_full`, `..._rate_limited`)
//! and leaves in the hotness history so it is tried again on a later scan.

/// The key by which a batch's folios are ordered before they are handed to
/// `migrate_pages()`: base pages first, then larger folios, each size by
/// address.  `migrate_pages()` gives up on the rest of its list at the first
/// folio whose destination cannot be allocated (-ENOMEM), and a promotion
/// does not split a large folio to retry (`MR_NUMA_MISPLACED`).  On a target
/// nearly full, or with its free memory fragmented, a 2 MiB destination fails
/// long before a 4 KiB one, so a THP early in the list would leave the base
/// pages after it unmoved.
pub const fn migration_order(nr_pages: u32, addr: u64) -> (u32, u64) {
    (nr_pages, addr)
}

/// Pages of a folio that `migrate_pages()` frees rather than moves: a large
/// folio of more than two pages that is only partly mapped is split first
/// (`migrate_pages_batch()`), its mapped pages moved one by one and the
/// others, which nothing holds any more, freed, yet reported as moved.
/// Zero for any other folio.
pub fn unmapped_pages(nr_pages: u64, partially_mapped: bool, mapcount: u64) -> u64 {
    if nr_pages > 2 && partially_mapped {
        nr_pages - mapcount.min(nr_pages)
    } else {
        0
    }
}

/// Whether `migrate_pages()` moves a folio of `nr_pages` whole (a large
/// folio it does not split first: see [`unmapped_pages`]).
pub fn moves_whole_large(nr_pages: u64, partially_mapped: bool) -> bool {
    nr_pages > 1 && !(nr_pages > 2 && partially_mapped)
}

/// Pages one `migrate_pages()` call moved, of `pages` handed to it: the
/// number it reports as succeeded less the `freed` unmapped pages of the
/// folios it split and that moved ([`unmapped_pages`]), at most `pages`.
pub fn pages_moved(succeeded: u64, freed: u64, pages: u64) -> u64 {
    succeeded.saturating_sub(freed).min(pages)
}

/// Whether a folio may join the batch, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Taken: its pages are charged to the budget.
    Taken,
    /// The batch is full: migrate it, then start a new one.
    BatchFull,
    /// The target node has no room above its high watermark.
    TargetFull,
    /// The rate limit has no tokens left.
    RateLimited,
    /// The process's cgroup reached its top-tier cap
    /// (`cgroup_toptier_max_mb`).
    Capped,
}

/// The remaining budget of the batch being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchBudget {
    /// Pages the batch may still take (`migrate_batch` minus taken).
    pub batch_left: u64,
    /// Pages the target can still take above its high watermark.
    pub room_left: u64,
    /// Rate-limit tokens left.
    pub tokens_left: u64,
    /// Pages the process's cgroup may still gain under its top-tier cap
    /// (`u64::MAX` without a cap).
    pub cap_left: u64,
}

impl BatchBudget {
    /// Tries to add a folio of `nr_pages` pages to the batch.
    ///
    /// The cap, room and rate are checked before the batch size, so that a
    /// refusal for any of them is reported as such even for a folio larger
    /// than `migrate_batch`; the cap first, so that a capped cgroup does not
    /// ask for room on the target.  A folio larger than `migrate_batch`
    /// (a THP with a small batch) is taken alone into an empty batch rather
    /// than never.
    pub fn admit(&mut self, nr_pages: u64, batch_size: u64) -> Admission {
        if nr_pages > self.cap_left {
            return Admission::Capped;
        }
        if nr_pages > self.room_left {
            return Admission::TargetFull;
        }
        if nr_pages > self.tokens_left {
            return Admission::RateLimited;
        }
        let empty = self.batch_left == batch_size;
        if nr_pages > self.batch_left && !empty {
            return Admission::BatchFull;
        }
        self.batch_left = self.batch_left.saturating_sub(nr_pages);
        self.room_left -= nr_pages;
        self.tokens_left -= nr_pages;
        self.cap_left -= nr_pages;
        Admission::Taken
    }
}

/// When to drain the CPUs' LRU-add batches before a migration batch.
///
/// A folio a CPU has just added to an LRU may still sit in that CPU's
/// per-CPU batch, not on the LRU, and isolation fails for it until the
/// batch is drained: by the next additions on that CPU, or by a drain.  A
/// task pinned to a CPU where nothing else runs leaves its last few folios
/// there for as long as it runs.  After a batch in which isolation failed,
/// the next batch is preceded by a drain of all CPUs, at most once per
/// wake-up (it waits for work on every CPU that has folios batched), as
/// `move_pages()` drains before it migrates and khugepaged once per scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LruDrain {
    wanted: bool,
    done: bool,
}

impl LruDrain {
    /// A new wake-up: one drain is allowed again.
    pub fn new_wakeup(&mut self) {
        self.done = false;
    }

    /// A batch had folios that could not be isolated.
    pub fn isolation_failed(&mut self) {
        self.wanted = true;
    }

    /// Whether to drain before the next batch (then counted as done).
    pub fn take(&mut self) -> bool {
        if self.wanted && !self.done {
            self.wanted = false;
            self.done = true;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_large_folios_count_only_their_mapped_pages() {
        // A 16-page folio with 4 pages mapped: 12 freed, not moved.
        assert_eq!(unmapped_pages(16, true, 4), 12);
        assert!(!moves_whole_large(16, true));
        // Fully mapped THP and base pages: nothing freed.
        assert_eq!(unmapped_pages(512, false, 512), 0);
        assert!(moves_whole_large(512, false));
        assert_eq!(unmapped_pages(1, false, 1), 0);
        assert!(!moves_whole_large(1, false));
        // An order-1 folio is never split first.
        assert_eq!(unmapped_pages(2, true, 1), 0);
        assert!(moves_whole_large(2, true));
        // A mapcount above the size (shared) frees nothing.
        assert_eq!(unmapped_pages(16, true, 40), 0);
        // migrate_pages() reported 20 pages: 12 of them freed, 8 moved.
        assert_eq!(pages_moved(20, 12, 20), 8);
        assert_eq!(pages_moved(5, 12, 20), 0);
        assert_eq!(pages_moved(30, 0, 20), 20);
    }

    fn budget(batch: u64, room: u64, tokens: u64) -> BatchBudget {
        BatchBudget {
            cap_left: u64::MAX,
            batch_left: batch,
            room_left: room,
            tokens_left: tokens,
        }
    }

    #[test]
    fn takes_until_the_batch_is_full() {
        let mut b = budget(4, 100, 100);
        for _ in 0..4 {
            assert_eq!(b.admit(1, 4), Admission::Taken);
        }
        assert_eq!(b.admit(1, 4), Admission::BatchFull);
    }

    #[test]
    fn room_on_the_target_limits_the_batch() {
        let mut b = budget(512, 2, 100);
        assert_eq!(b.admit(1, 512), Admission::Taken);
        assert_eq!(b.admit(1, 512), Admission::Taken);
        assert_eq!(b.admit(1, 512), Admission::TargetFull);
    }

    #[test]
    fn tokens_limit_the_batch() {
        let mut b = budget(512, 100, 1);
        assert_eq!(b.admit(1, 512), Admission::Taken);
        assert_eq!(b.admit(1, 512), Admission::RateLimited);
    }

    #[test]
    fn the_cgroup_cap_limits_the_batch_before_room_is_asked_for() {
        let mut b = budget(512, 0, 100);
        b.cap_left = 0;
        assert_eq!(
            b.admit(1, 512),
            Admission::Capped,
            "capped, not target full"
        );
        let mut b = budget(512, 100, 100);
        b.cap_left = 3;
        assert_eq!(b.admit(2, 512), Admission::Taken);
        assert_eq!(b.admit(2, 512), Admission::Capped);
        assert_eq!(b.admit(1, 512), Admission::Taken);
        assert_eq!(b.cap_left, 0);
        assert_eq!(b.admit(1, 512), Admission::Capped);
    }

    #[test]
    fn a_thp_that_does_not_fit_is_refused_but_small_folios_still_fit() {
        let mut b = budget(512, 600, 1000);
        assert_eq!(b.admit(512, 512), Admission::Taken);
        assert_eq!(b.admit(512, 512), Admission::TargetFull);
        assert_eq!(b.admit(1, 512), Admission::BatchFull);
    }

    #[test]
    fn a_thp_larger_than_the_batch_goes_alone() {
        let mut b = budget(16, 1000, 1000);
        assert_eq!(b.admit(512, 16), Admission::Taken);
        assert_eq!(b.admit(1, 16), Admission::BatchFull);
        let mut b = budget(16, 1000, 1000);
        assert_eq!(b.admit(1, 16), Admission::Taken);
        assert_eq!(b.admit(512, 16), Admission::BatchFull);
    }

    #[test]
    fn lru_drain_after_a_failure_once_per_wakeup() {
        let mut d = LruDrain::default();
        assert!(!d.take(), "nothing failed");
        d.isolation_failed();
        assert!(d.take());
        assert!(!d.take(), "once");
        d.isolation_failed();
        assert!(!d.take(), "at most once per wake-up");
        d.new_wakeup();
        assert!(d.take(), "the failure is remembered for the next wake-up");
        d.new_wakeup();
        assert!(!d.take(), "and forgotten once drained");
    }

    #[test]
    fn base_pages_go_before_large_folios_each_by_address() {
        // (nr_pages, addr) as a walk finds them: a THP between base pages.
        let mut found = [
            (1u32, 0x5000u64),
            (512, 0x20_0000),
            (1, 0x1000),
            (16, 0x4_0000),
            (1, 0x60_0000),
        ];
        found.sort_unstable_by_key(|&(n, a)| migration_order(n, a));
        assert_eq!(
            found,
            [
                (1, 0x1000),
                (1, 0x5000),
                (1, 0x60_0000),
                (16, 0x4_0000),
                (512, 0x20_0000)
            ]
        );
    }
}
