// SPDX-License-Identifier: GPL-2.0

//! The `kmmscand_*` counters in `/proc/vmstat` (kernel patch 0002).
//!
//! Counters of memory count base pages, like `pgmigrate_*`.
//! `docs/kmmscand.rst` documents each one.

use kernel::{
    bindings,
    prelude::*, //
};

use super::c;

/// One `kmmscand_*` vmstat event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VmEvent {
    /// `kmmscand_wakeups`.
    Wakeup,
    /// `kmmscand_full_passes`.
    FullPass,
    /// `kmmscand_mm_scans`.
    MmScan,
    /// `kmmscand_mm_busy`.
    MmBusy,
    /// `kmmscand_mm_early`.
    MmEarly,
    /// `kmmscand_sweeps`.
    Sweep,
    /// `kmmscand_vma_scans`.
    VmaScan,
    /// `kmmscand_vma_skipped_policy`.
    VmaSkipPolicy,
    /// `kmmscand_ptables_skipped`.
    PtableSkip,
    /// `kmmscand_slowtier_scanned`.
    SlowtierScanned,
    /// `kmmscand_young`.
    Young,
    /// `kmmscand_tlb_flushes`.
    TlbFlush,
    /// `kmmscand_rechecks`.
    Recheck,
    /// `kmmscand_recheck_scanned`.
    RecheckScanned,
    /// `kmmscand_candidates`.
    Candidate,
    /// `kmmscand_isolated`.
    Isolated,
    /// `kmmscand_promoted`.
    Promoted,
    /// `kmmscand_promoted_thp`.
    PromotedThp,
    /// `kmmscand_promote_fail_isolate`.
    PromoteFailIsolate,
    /// `kmmscand_promote_fail_unmovable`.
    PromoteFailUnmovable,
    /// `kmmscand_promote_fail_target_full`.
    PromoteFailTargetFull,
    /// `kmmscand_promote_fail_migrate`.
    PromoteFailMigrate,
    /// `kmmscand_promote_fail_rate_limited`.
    PromoteFailRateLimited,
    /// `kmmscand_kswapd_requests`.
    KswapdRequest,
}

impl VmEvent {
    /// The kernel's `enum vm_event_item` value.
    fn item(self) -> bindings::vm_event_item {
        match self {
            VmEvent::Wakeup => bindings::vm_event_item_KMMSCAND_WAKEUP,
            VmEvent::FullPass => bindings::vm_event_item_KMMSCAND_FULL_PASS,
            VmEvent::MmScan => bindings::vm_event_item_KMMSCAND_MM_SCAN,
            VmEvent::MmBusy => bindings::vm_event_item_KMMSCAND_MM_BUSY,
            VmEvent::MmEarly => bindings::vm_event_item_KMMSCAND_MM_EARLY,
            VmEvent::Sweep => bindings::vm_event_item_KMMSCAND_SWEEP,
            VmEvent::VmaScan => bindings::vm_event_item_KMMSCAND_VMA_SCAN,
            VmEvent::VmaSkipPolicy => bindings::vm_event_item_KMMSCAND_VMA_SKIP_POLICY,
            VmEvent::PtableSkip => bindings::vm_event_item_KMMSCAND_PTABLE_SKIP,
            VmEvent::SlowtierScanned => bindings::vm_event_item_KMMSCAND_SLOWTIER_SCANNED,
            VmEvent::Young => bindings::vm_event_item_KMMSCAND_YOUNG,
            VmEvent::TlbFlush => bindings::vm_event_item_KMMSCAND_TLB_FLUSH,
            VmEvent::Recheck => bindings::vm_event_item_KMMSCAND_RECHECK,
            VmEvent::RecheckScanned => bindings::vm_event_item_KMMSCAND_RECHECK_SCANNED,
            VmEvent::Candidate => bindings::vm_event_item_KMMSCAND_CANDIDATE,
            VmEvent::Isolated => bindings::vm_event_item_KMMSCAND_ISOLATED,
            VmEvent::Promoted => bindings::vm_event_item_KMMSCAND_PROMOTED,
            VmEvent::PromotedThp => bindings::vm_event_item_KMMSCAND_PROMOTED_THP,
            VmEvent::PromoteFailIsolate => bindings::vm_event_item_KMMSCAND_PROMOTE_FAIL_ISOLATE,
            VmEvent::PromoteFailUnmovable => {
                bindings::vm_event_item_KMMSCAND_PROMOTE_FAIL_UNMOVABLE
            }
            VmEvent::PromoteFailTargetFull => {
                bindings::vm_event_item_KMMSCAND_PROMOTE_FAIL_TARGET_FULL
            }
            VmEvent::PromoteFailMigrate => bindings::vm_event_item_KMMSCAND_PROMOTE_FAIL_MIGRATE,
            VmEvent::PromoteFailRateLimited => {
                bindings::vm_event_item_KMMSCAND_PROMOTE_FAIL_RATE_LIMITED
            }
            VmEvent::KswapdRequest => bindings::vm_event_item_KMMSCAND_KSWAPD_REQUEST,
        }
    }
}

/// Adds `delta` to `event`'s counter.
pub(crate) fn count(event: VmEvent, delta: u64) {
    if delta != 0 {
        let delta = c_long::try_from(delta).unwrap_or(c_long::MAX);
        // SAFETY: `item()` is one of the kmmscand vm_event items (kernel
        // patch 0002), valid indices of the per-CPU event array;
        // `count_vm_events()` works in any context.
        unsafe { c::kernel_api::count_vm_events(event.item(), delta) }
    }
}

/// Pages demoted to a lower tier since boot, by every path (the sum of the
/// `pgdemote_*` counters).
pub(crate) fn pages_demoted() -> u64 {
    [
        bindings::node_stat_item_PGDEMOTE_KSWAPD,
        bindings::node_stat_item_PGDEMOTE_DIRECT,
        bindings::node_stat_item_PGDEMOTE_KHUGEPAGED,
        bindings::node_stat_item_PGDEMOTE_PROACTIVE,
    ]
    .into_iter()
    // SAFETY: Each item is a node_stat_item, an index of the global node
    // counters, which the call only reads.
    .map(|item| unsafe { c::kernel_api::global_node_page_state(item) } as u64)
    .sum()
}
