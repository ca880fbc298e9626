// SPDX-License-Identifier: GPL-2.0

//! Migration: one batch of folios isolated and moved to a node with one
//! `migrate_pages()` call.

use kernel::{
    bindings,
    interop::list::CListHead,
    prelude::*,
    sync::rcu,
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
    node::{
        self,
        NodeId, //
    },
    thread::ThreadCtx,
    trace, //
};

/// The allocation mask of a destination base page: as
/// `alloc_misplaced_dst_folio()` builds it for NUMA balancing, on the target
/// node only, never reclaiming (no direct reclaim, no kswapd wake-up: the
/// promoter asks kswapd for room itself, within its own bounds), never
/// dipping into reserves, failing fast and quietly.  A background promotion
/// must not cost the system memory it would not give otherwise.
const GFP_SMALL: bindings::gfp_t = (c::kernel_api::KMMSCAND_GFP_HIGHUSER_MOVABLE
    | c::kernel_api::KMMSCAND_GFP_THISNODE
    | c::kernel_api::KMMSCAND_GFP_NOMEMALLOC
    | c::kernel_api::KMMSCAND_GFP_NORETRY
    | c::kernel_api::KMMSCAND_GFP_NOWARN)
    & !c::kernel_api::KMMSCAND_GFP_RECLAIM;

/// The allocation mask of a destination large folio (a THP): the kernel's
/// light THP mask (no reclaim, no compaction retries, no warning), on the
/// target node only, as `alloc_misplaced_dst_folio()`.
const GFP_LARGE: bindings::gfp_t =
    c::kernel_api::KMMSCAND_GFP_TRANSHUGE_LIGHT | c::kernel_api::KMMSCAND_GFP_THISNODE;

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
    items: KVec<YoungFolio>,
    /// The folios isolated for one migration: empty but during
    /// [`Batch::migrate`], which links them and empties it.
    isolated: Pin<KBox<CListHead>>,
    /// The isolated folios of one memory cgroup, moved with one
    /// `migrate_pages()` call: empty but during [`Batch::migrate`].
    group: Pin<KBox<CListHead>>,
}

impl Batch {
    /// An empty batch with room for `capacity` folios (never reallocated).
    pub(crate) fn with_capacity(capacity: usize) -> Result<Batch> {
        Ok(Batch {
            items: KVec::with_capacity(capacity, GFP_KERNEL)?,
            isolated: KBox::pin_init(CListHead::new(), GFP_KERNEL)?,
            group: KBox::pin_init(CListHead::new(), GFP_KERNEL)?,
        })
    }

    /// Adds `f`; false if the batch is at its capacity.
    pub(crate) fn push(&mut self, f: &YoungFolio) -> bool {
        self.items.push_within_capacity(*f).is_ok()
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
        self.items.iter().map(|y| y.addr as u64)
    }

    /// Puts the folios in the order `migrate_pages()` should see them
    /// ([`batch::migration_order`]: base pages first).
    pub(crate) fn order_for_migration(&mut self) {
        self.items
            .sort_unstable_by_key(|y| batch::migration_order(y.nr_pages, y.addr as u64));
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
                // A node id that does not fit (none does: see `Walk::young`)
                // becomes -1, which matches no folio's node.
                nid: i32::try_from(y.nid).unwrap_or(-1),
                mapping: y.identity.0,
                index: y.identity.1,
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
        // What cannot move is put back: the list is empty on return.
        // SAFETY: `list` holds only the folios isolated above; `group` is
        // the empty list head `self` owns, pinned; `_ctx`: we are the
        // kthread and may sleep (`ThreadCtx`).
        unsafe { migrate_isolated(list, self.group.as_raw(), target, &mut res) };
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

/// The offset of `lru` in `struct folio`: an isolated folio is linked into
/// a list through it (`list_for_each_entry(folio, list, lru)` in C).
const FOLIO_LRU: usize = core::mem::offset_of!(
    bindings::folio,
    __bindgen_anon_1.__bindgen_anon_1.__bindgen_anon_1.lru
);

/// The folio whose `lru` is `entry`.
fn lru_folio(entry: *mut bindings::list_head) -> *mut bindings::folio {
    entry.wrapping_byte_sub(FOLIO_LRU).cast()
}

/// Where `migrate_pages()` allocates destination folios (its `private`
/// argument): on `nid` only, with [`GFP_SMALL`] or [`GFP_LARGE`].
struct Destination {
    nid: NodeId,
    /// Pages for which no destination could be allocated.
    failed: u64,
}

/// `migrate_pages()`'s allocation callback (`new_folio_t`): a destination
/// folio of `src`'s order on the target node, or NULL.  A target whose
/// memory went offline since the topology was read gets no allocation (and
/// no warning from the allocator).
///
/// # Safety
///
/// Called by `migrate_pages()` from [`migrate_list`] only: `src` is an
/// isolated folio and `private` the address of that call's
/// [`Destination`], used by nothing else meanwhile.
unsafe extern "C" fn alloc_destination(
    src: *mut bindings::folio,
    private: c_ulong,
) -> *mut bindings::folio {
    // SAFETY: `private` is the `Destination` of the call (function safety).
    let dst = unsafe { &mut *(private as *mut Destination) };
    // SAFETY: `src` is isolated, so it stays valid and keeps its size.
    let (order, nr) = unsafe {
        (
            c::kernel_api::folio_order(src),
            c::kernel_api::folio_nr_pages(src),
        )
    };
    let folio = if node::node_online(dst.nid) && node::node_has_memory(dst.nid) {
        let gfp = if order == 0 { GFP_SMALL } else { GFP_LARGE };
        // SAFETY: `nid` is a node with memory; `gfp` asks for no reclaim and
        // no retry, as an allocation callback of migrate_pages() may.
        unsafe { c::kernel_api::__folio_alloc_node_noprof(gfp, order, dst.nid.index() as c_int) }
    } else {
        core::ptr::null_mut()
    };
    if folio.is_null() {
        dst.failed += nr as u64;
    }
    folio
}

/// The facts about an isolated `folio` the accounting of a migration
/// needs: its pages, whether it is partly mapped, its mapcount.
///
/// # Safety
///
/// `folio` is isolated (or otherwise referenced).
unsafe fn folio_shape(folio: *mut bindings::folio) -> (u64, bool, u64) {
    // SAFETY: `folio` is referenced (function safety); each call reads its
    // flags or counters.
    unsafe {
        let nr = c::kernel_api::folio_nr_pages(folio) as u64;
        let partial = nr > 1 && c::kernel_api::folio_test_partially_mapped(folio);
        let mapcount = c::kernel_api::folio_mapcount(folio).max(0) as u64;
        (nr, partial, mapcount)
    }
}

/// The pages, large folios moved whole if they move, and pages that would
/// be freed rather than moved, of the folios on `list`.
///
/// # Safety
///
/// `list` is a list of isolated folios linked by `lru`, which only the
/// caller changes.
unsafe fn list_shape(list: *mut bindings::list_head) -> (u64, u64, u64) {
    let (mut pages, mut large, mut unmapped) = (0, 0, 0);
    // SAFETY: The list is valid and unchanged while we walk it (function
    // safety); each entry is the `lru` of an isolated folio.
    unsafe {
        let mut pos = (*list).next;
        while pos != list {
            let (nr, partial, mapcount) = folio_shape(lru_folio(pos));
            pages += nr;
            large += u64::from(batch::moves_whole_large(nr, partial));
            unmapped += batch::unmapped_pages(nr, partial, mapcount);
            pos = (*pos).next;
        }
    }
    (pages, large, unmapped)
}

/// Moves the isolated folios of `list` to `dst` with one `migrate_pages()`
/// call and adds what moved to `res`.  `MR_NUMA_MISPLACED` is the reason
/// NUMA balancing uses for promotion; it also tells `migrate_pages()` not
/// to split a large folio that fails to move.  Folios that fail go back to
/// their LRU.  Moved pages are added to `pgpromote_success` of `lruvec`
/// (the target node's, of the folios' memory cgroup), as
/// `migrate_misplaced_folio()` adds NUMA balancing's.
///
/// # Safety
///
/// `list` holds isolated folios only, linked by `lru`; `lruvec` is valid;
/// the caller may sleep.
unsafe fn migrate_list(
    list: *mut bindings::list_head,
    lruvec: *mut bindings::lruvec,
    dst: &mut Destination,
    res: &mut BatchResult,
) {
    // SAFETY: By the function's safety requirements.
    let (pages, large, unmapped) = unsafe { list_shape(list) };
    let mut succeeded: c_uint = 0;
    // SAFETY: `list` holds isolated folios; `alloc_destination` is given
    // `dst`, which outlives the call; the caller may sleep.
    unsafe {
        c::kernel_api::migrate_pages(
            list,
            Some(alloc_destination),
            None,
            core::ptr::from_mut(dst) as c_ulong,
            bindings::migrate_mode_MIGRATE_ASYNC,
            bindings::migrate_reason_MR_NUMA_MISPLACED as c_int,
            &mut succeeded,
        )
    };
    // What is still on the list did not move.
    // SAFETY: The folios left on the list are still isolated.
    let (_, large_left, unmapped_left) = unsafe { list_shape(list) };
    // SAFETY: `list` is a valid list head (function safety).
    if unsafe { (*list).next } != list {
        // SAFETY: `list` holds isolated folios, which go back to their LRU.
        unsafe { c::kernel_api::putback_movable_pages(list) };
    }
    let moved = batch::pages_moved(
        u64::from(succeeded),
        unmapped.saturating_sub(unmapped_left),
        pages,
    );
    res.migrated += moved;
    res.migrate_failed += pages - moved;
    res.thp_migrated += large.saturating_sub(large_left);
    if moved > 0 {
        // SAFETY: `lruvec` is valid (function safety); the counter is a
        // node stat item.
        unsafe {
            bindings::mod_lruvec_state(
                lruvec,
                bindings::node_stat_item_PGPROMOTE_SUCCESS,
                c_int::try_from(moved).unwrap_or(c_int::MAX),
            )
        };
    }
}

/// Moves the folios isolated on `list` to `target`: one `migrate_pages()`
/// call per memory cgroup among them (the folios of one process are nearly
/// always in one cgroup), so that each cgroup's `memory.stat` counts its own
/// promotions.  The cgroup is held (`get_mem_cgroup_from_folio()`) until
/// its pages are counted: once moved, they may be freed at any time, and
/// with them the cgroup's last reference.  `list` is empty on return: what
/// did not move went back to its LRU.
///
/// # Safety
///
/// `list` holds isolated folios only, linked by `lru`, which only the
/// caller changes; `group` is an empty list head only the caller uses; the
/// caller may sleep.
unsafe fn migrate_isolated(
    list: *mut bindings::list_head,
    group: *mut bindings::list_head,
    target: NodeId,
    res: &mut BatchResult,
) {
    let mut dst = Destination {
        nid: target,
        failed: 0,
    };
    // SAFETY: By the function's safety requirements the lists and the
    // folios are valid; each folio is moved to `group`, which
    // `migrate_list()` empties, or left on `list`.
    unsafe {
        loop {
            if (*list).next == list {
                break;
            }
            let first = lru_folio((*list).next);
            let memcg = bindings::get_mem_cgroup_from_folio(first);
            {
                // The folios are isolated, so their cgroup binding is
                // stable; the cgroup is read through the folio's object
                // cgroup, under RCU (`folio_memcg()`).  The key is only
                // compared.
                let _rcu = rcu::read_lock();
                let key = c::kernel_api::folio_memcg(first);
                let mut pos = (*list).next;
                while pos != list {
                    let next = (*pos).next;
                    if c::kernel_api::folio_memcg(lru_folio(pos)) == key {
                        c::kernel_api::list_move_tail(pos, group);
                    }
                    pos = next;
                }
            }
            let lruvec = c::kernel_api::mem_cgroup_lruvec(memcg, target.pgdat());
            migrate_list(group, lruvec, &mut dst, res);
            c::kernel_api::mem_cgroup_put(memcg);
        }
    }
    res.alloc_failed = dst.failed.min(res.migrate_failed);
}

/// Drains every CPU's LRU-add batches, so that a folio still in one (not
/// yet on an LRU) can be isolated; may sleep, so only the thread calls it.
pub(crate) fn drain_lru_caches(_ctx: &ThreadCtx) {
    // SAFETY: no arguments; `_ctx`: we are the kthread, in process context
    // with no lock held, and may sleep as `lru_add_drain_all()` does.
    unsafe { bindings::lru_add_drain_all() };
}
