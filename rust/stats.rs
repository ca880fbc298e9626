// SPDX-License-Identifier: GPL-2.0

//! The `kmmscand_*` counters in `/proc/vmstat`.
//!
//! The order matches `enum kmmscand_event` in `shim/kmmscand_shim.h`, which
//! maps each to the `vm_event_item` added by kernel patch 0002.  Counters of
//! memory count base pages, like `pgmigrate_*`.  `docs/kmmscand.rst`
//! documents each one.

/// One `kmmscand_*` vmstat event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum VmEvent {
    /// `kmmscand_wakeups`: wake-ups of the thread.
    Wakeup,
    /// `kmmscand_full_passes`: walks over all processes completed.
    FullPass,
    /// `kmmscand_mm_scans`: address spaces scanned.
    MmScan,
    /// `kmmscand_mm_busy`: scans skipped because the mmap lock was taken.
    MmBusy,
    /// `kmmscand_vma_scans`: VMA ranges walked.
    VmaScan,
    /// `kmmscand_vma_skipped_policy`: VMAs whose mempolicy/cpuset allow no
    /// top-tier node.
    VmaSkipPolicy,
    /// `kmmscand_slowtier_scanned`: slow-tier pages whose A bit was tested.
    SlowtierScanned,
    /// `kmmscand_young`: of those, pages found accessed.
    Young,
    /// `kmmscand_tlb_flushes`: range TLB flushes after clearing A bits.
    TlbFlush,
    /// `kmmscand_candidates`: pages found young in `hot_threshold` sweeps.
    Candidate,
    /// `kmmscand_history_evictions`: hotness records overwritten.
    HistoryEvict,
    /// `kmmscand_isolated`: pages isolated for promotion.
    Isolated,
    /// `kmmscand_promoted`: pages promoted.
    Promoted,
    /// `kmmscand_promoted_thp`: large folios promoted whole.
    PromotedThp,
    /// `kmmscand_promote_fail_isolate`: candidate pages not isolated.
    PromoteFailIsolate,
    /// `kmmscand_promote_fail_target_full`: candidate pages refused because
    /// the target was at its high watermark.
    PromoteFailTargetFull,
    /// `kmmscand_promote_fail_migrate`: isolated pages that did not move.
    PromoteFailMigrate,
    /// `kmmscand_promote_fail_rate_limited`: candidate pages refused by the
    /// rate limit.
    PromoteFailRateLimited,
}

impl VmEvent {
    /// Number of events (must equal the C `KMM_NR_EVENTS`).
    pub(crate) const COUNT: usize = VmEvent::PromoteFailRateLimited as usize + 1;
}

/// Adds `delta` to `event`'s counter.
pub(crate) fn count(event: VmEvent, delta: u64) {
    crate::ffi::count_event(event, delta);
}
