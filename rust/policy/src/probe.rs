// SPDX-License-Identifier: GPL-2.0

//! Probes: between two sweeps of a watched address space, the page tables
//! its last sweep found idle are tested again, only at the PMD.
//!
//! A sweep skips a page table whose PMD's Accessed bit is clear
//! ([`crate::ptwalk`]): nothing it maps was used since the last look.
//! When the application turns to memory it had left alone (a hot set
//! that moves, a phase change), the first sign is that bit, set again by
//! the CPU's first access through the table.  Waiting for the next sweep
//! to notice costs up to `scan_period_min_ms` (500 ms by default) before
//! the first sighting, then the recheck ([`crate::recheck`]) and the
//! copy: 0.5 to 1 s in the `shift` benchmark, where NUMA balancing's
//! hint faults fire at the first access.
//!
//! So each sweep notes the tables it skipped as idle (a [`Recheck`] set,
//! bounded: merging may cover a table that was not idle), and between
//! sweeps a *probe* tests the PMD bit of each: a clear one costs the PMD
//! lock and a read, no Accessed bit of a page and no TLB flush (the sweep
//! flushed when it cleared the bit); a set one is walked as the sweep
//! walks a table (its pages' Accessed bits tested and cleared, the range
//! flushed, first sightings noted for a recheck) and leaves the set, so a
//! probe walks each table at most once between two sweeps, and probes
//! cost at most one more walk of what the sweep walks.
//!
//! Only an address space that promoted within
//! [`WATCH_AFTER_PROMOTION_MS`] is probed: one whose hot set lives on the
//! slow tier, where a region turning hot is worth finding at once.  A
//! probe comes at most every [`interval_ms`], which bounds the PMDs
//! tested to [`TABLES_PER_S`] a second per address space.
//!
//! The probe misses a table whose PMD bit someone else cleared without a
//! flush (MGLRU's aging walk): the CPU may keep using a cached
//! translation and never set it again; the next sweep flushes such a
//! table.
//!
//! [`Recheck`]: crate::recheck::Recheck

use super::pace::WATCH_AFTER_PROMOTION_MS;

/// Most PMDs the probes of one address space test per second (each a PMD
/// lock and a read): 128 GiB of idle address space a second.
pub const TABLES_PER_S: u64 = 65_536;

/// The shortest interval between two probes of an address space whose
/// probe set holds `tables` page tables (ms): 0 up to [`TABLES_PER_S`] /
/// 1000 tables (the thread's wake-up paces those), then in proportion.
pub const fn interval_ms(tables: u64) -> u64 {
    tables.saturating_mul(1000) / TABLES_PER_S
}

/// Whether an address space whose probe set holds `tables` page tables,
/// last probed at `last_probe_ms` and which last promoted
/// `since_promotion_ms` ago (`None`: never), is due for a probe at
/// `now_ms`.
pub fn due(now_ms: u64, last_probe_ms: u64, tables: u64, since_promotion_ms: Option<u64>) -> bool {
    let watched = since_promotion_ms.is_some_and(|t| t <= WATCH_AFTER_PROMOTION_MS);
    watched && tables > 0 && now_ms.saturating_sub(last_probe_ms) >= interval_ms(tables)
}

/// The wait before the recheck of the regions where a probe found pages
/// young for the first time (ms): one wake-up of the thread
/// (`scan_sleep_ms`), or `usual_ms` ([`crate::pace::recheck_wait_ms`]) if
/// that is shorter.  The pages were used since a sweep found their table
/// idle; the recheck asks whether they are used again, and the sooner it
/// comes, the sooner a page in use is promoted and the more often a page
/// must be used to pass it (once in that time).  A page used less often
/// keeps its first sighting, and the next sweep, within the hotness
/// window, sees it a second time.
pub fn recheck_wait_ms(scan_sleep_ms: u32, usual_ms: u32) -> u32 {
    scan_sleep_ms.min(usual_ms).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_watched_address_space_with_idle_tables_is_probed() {
        assert!(due(1000, 900, 48, Some(1000)));
        assert!(!due(1000, 900, 48, None), "never promoted");
        assert!(
            !due(1000, 900, 48, Some(WATCH_AFTER_PROMOTION_MS + 1)),
            "promoted too long ago"
        );
        assert!(due(1000, 900, 48, Some(WATCH_AFTER_PROMOTION_MS)));
        assert!(!due(1000, 900, 0, Some(10)), "no idle table");
    }

    #[test]
    fn what_a_probe_finds_is_rechecked_at_the_next_wakeup() {
        assert_eq!(recheck_wait_ms(100, 250), 100);
        assert_eq!(recheck_wait_ms(1000, 250), 250);
        assert_eq!(recheck_wait_ms(0, 250), 1);
    }

    #[test]
    fn a_large_probe_set_is_probed_less_often() {
        // Up to 65 tables: at every wake-up.
        assert_eq!(interval_ms(65), 0);
        assert!(due(1000, 1000, 65, Some(0)));
        // 100 GiB of idle tables (51,200): every 781 ms.
        assert_eq!(interval_ms(51_200), 781);
        assert!(!due(1780, 1000, 51_200, Some(0)));
        assert!(due(1781, 1000, 51_200, Some(0)));
        // No overflow, and a clock behind the last probe is not due.
        assert_eq!(interval_ms(u64::MAX), u64::MAX / TABLES_PER_S);
        assert!(!due(500, 1000, 65_536, Some(0)));
    }
}
