// SPDX-License-Identifier: GPL-2.0

//! Migration: one batch of folios isolated and moved to a node with one
//! `migrate_pages()` call.

use kernel::{
    bindings,
    interop::list::CListHead,
    prelude::*,
    time::{
        Instant,
        Monotonic, //
    },
};

use crate::policy::{
    batch,
    folio::{
        self,
        FolioFacts,
        FolioId, //
    },
};

use super::{
    c,
    mm::YoungFolio,
    node::NodeId,
    thread::ThreadCtx,
    trace, //
};

/// The allocation mask of a destination base page: as
/// `alloc_misplaced_dst_folio()` builds it for NUMA balancing, on the target
/// node only, never reclaiming (no direct reclaim, no kswapd wake-up: the
/// promoter asks kswapd for room itself, within its own bounds), never
/// dipping into reserves, failing fast and quietly.  A background promotion
/// must not cost the system memory it would not give otherwise.
const GFP_SMALL: c::gfp_t = (c::KMMSCAND_GFP_HIGHUSER_MOVABLE
    | c::KMMSCAND_GFP_THISNODE
    | c::KMMSCAND_GFP_NOMEMALLOC
    | c::KMMSCAND_GFP_NORETRY
    | c::KMMSCAND_GFP_NOWARN)
    & !c::KMMSCAND_GFP_RECLAIM;

/// The allocation mask of a destination large folio (a THP): the kernel's
/// light THP mask (no reclaim, no compaction retries, no warning), on the
/// target node only, as `alloc_misplaced_dst_folio()`.
const GFP_LARGE: c::gfp_t = c::KMMSCAND_GFP_TRANSHUGE_LIGHT | c::KMMSCAND_GFP_THISNODE;

/// What one batch did, in base pages unless noted.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BatchResult {
    /// Pages isolated from their LRU.
    pub(crate) isolated: u64,
    /// Pages that could not be isolated (gone, changed, shared, not on an
    /// LRU).
    pub(crate) isolate_failed: u64,
    /// Pages moved.
    pub(crate) migrated: u64,
    /// Isolated pages that did not move (put back).
    pub(crate) migrate_failed: u64,
    /// Large folios moved whole (folios, not pages).
    pub(crate) thp_migrated: u64,
    /// Of `migrate_failed`: pages for which no destination page could be
    /// allocated (the target is at its watermarks).
    pub(crate) alloc_failed: u64,
}

/// Folios to move together.
pub(crate) struct Batch {
    items: KVec<c::Young>,
    /// The folios isolated for one migration: empty but during
    /// [`Batch::migrate`], which links them and hands them to the shim,
    /// which empties it.
    isolated: Pin<KBox<CListHead>>,
}

impl Batch {
    /// An empty batch with room for `capacity` folios (never reallocated).
    pub(crate) fn with_capacity(capacity: usize) -> Result<Batch> {
        Ok(Batch {
            items: KVec::with_capacity(capacity, GFP_KERNEL)?,
            isolated: KBox::pin_init(CListHead::new(), GFP_KERNEL)?,
        })
    }

    /// Adds `f`; false if the batch is at its capacity.
    pub(crate) fn push(&mut self, f: &YoungFolio) -> bool {
        let y = c::Young {
            pfn: f.pfn,
            nr_pages: f.nr_pages,
            // A node id that does not fit (none does: see `Walk::young`)
            // becomes -1, which matches no folio's node.
            nid: i16::try_from(f.nid).unwrap_or(-1),
            // A node id is below `MAX_NODES` (64).
            target: f.target.index() as i16,
            facts: 0,
            _pad: 0,
            addr: f.addr as u64,
            mapping: f.identity.0,
            index: f.identity.1,
        };
        self.items.push_within_capacity(y).is_ok()
    }

    /// Whether the batch is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The PFNs in the batch.
    pub(crate) fn pfns(&self) -> impl Iterator<Item = u64> + '_ {
        self.items.iter().map(|y| y.pfn)
    }

    /// The addresses the folios in the batch were found mapped at.
    pub(crate) fn addrs(&self) -> impl Iterator<Item = u64> + '_ {
        self.items.iter().map(|y| y.addr)
    }

    /// Puts the folios in the order `migrate_pages()` should see them
    /// ([`batch::migration_order`]: base pages first).
    pub(crate) fn order_for_migration(&mut self) {
        self.items
            .sort_unstable_by_key(|y| batch::migration_order(y.nr_pages, y.addr));
    }

    /// Empties the batch.
    pub(crate) fn clear(&mut self) {
        self.items.clear();
    }

    /// Isolates the folios and moves them to `target`, with one
    /// `migrate_pages()` call per memory cgroup among them; may sleep, so
    /// only the thread calls it.  Every PFN is read again, and its folio
    /// isolated only if it is still the one the walk recorded and may
    /// still be moved ([`folio::still_the_one`]): the walk dropped every
    /// lock since.  The batch is left as it was.
    pub(crate) fn migrate(&mut self, _ctx: &ThreadCtx, target: NodeId) -> BatchResult {
        let started = Instant::<Monotonic>::now();
        let mut res = BatchResult::default();
        let list = self.isolated.as_raw();
        let mut nr_folios = 0u32;
        for y in self.items.iter() {
            let mut now = c::Folio::default();
            let mut on_lru = false;
            // SAFETY: Any PFN may be passed; `now` and `on_lru` are valid
            // for writes.
            let f = unsafe { c::kmmscand_folio_get(y.pfn, &mut now, &mut on_lru) };
            let recorded = FolioId {
                pfn: y.pfn,
                nr_pages: y.nr_pages,
                nid: i32::from(y.nid),
                mapping: y.mapping,
                index: y.index,
            };
            let seen = FolioId {
                pfn: now.pfn,
                nr_pages: now.nr_pages,
                nid: now.nid,
                mapping: now.mapping,
                index: now.index,
            };
            let isolated = !f.is_null()
                && folio::still_the_one(&recorded, &seen, on_lru, FolioFacts(now.facts))
                // SAFETY: `f` is referenced (taken above); `list` is the
                // initialized list head `self` owns, pinned.
                && unsafe { c::kernel_api::isolate_folio_to_list(f, list) };
            if !f.is_null() {
                // SAFETY: Drops the reference `kmmscand_folio_get` took
                // (isolation took its own).
                unsafe { c::kernel_api::folio_put(f) };
            }
            if isolated {
                res.isolated += u64::from(y.nr_pages);
                nr_folios += 1;
            } else {
                res.isolate_failed += u64::from(y.nr_pages);
            }
        }
        if nr_folios == 0 {
            return res;
        }
        let mut m = c::MigrateResult::default();
        // The shim moves what it can and puts the rest back: the list is
        // empty on return.
        // SAFETY: `list` holds only the folios isolated above; `target` has a pgdat (`NodeId`
        // invariant); `m` is writable; `_ctx`: we are the kthread and may sleep (`ThreadCtx`).
        unsafe {
            c::kmmscand_migrate_isolated(
                list,
                target.index() as c_int,
                GFP_SMALL,
                GFP_LARGE,
                &mut m,
            )
        };
        res.migrated = m.migrated;
        res.migrate_failed = m.failed;
        res.thp_migrated = m.thp_migrated;
        res.alloc_failed = m.no_destination.min(m.failed);
        let us = u64::try_from(started.elapsed().as_micros_ceil()).unwrap_or(0);
        trace::migrate_batch(
            target,
            nr_folios,
            res.isolated,
            res.migrated,
            res.migrate_failed,
            us,
        );
        res
    }
}

/// Drains every CPU's LRU-add batches, so that a folio still in one (not
/// yet on an LRU) can be isolated; may sleep, so only the thread calls it.
pub(crate) fn drain_lru_caches(_ctx: &ThreadCtx) {
    // SAFETY: no arguments; `_ctx`: we are the kthread, in process context
    // with no lock held, and may sleep as `lru_add_drain_all()` does.
    unsafe { bindings::lru_add_drain_all() };
}
