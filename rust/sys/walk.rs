// SPDX-License-Identifier: GPL-2.0

//! The page-table walk: tests and clears the Accessed bits of slow-tier
//! folios and records the young ones.
//!
//! The kernel's `walk_page_range_vma()` calls [`pmd_entry`], installed by
//! the static `mm_walk_ops` [`WALK_OPS`], for each PMD of the range.  It
//! takes the page-table locks and tests and clears Accessed bits itself,
//! through the kernel's functions and the generated wrappers of its inline
//! ones; the shim (`c/kmmscand_shim.c`, "The page-table walk") only reads
//! a table's entries up to the next folio on a watched node (one with a
//! destination), counting the pages it passes, and a young folio's facts:
//! a table already on the top tier costs one call.  What to test, what to
//! skip and what to record is decided here, by the rules in
//! [`crate::policy::ptwalk`].
//!
//! Modelled on DAMON's young-bit walker (mm/damon/vaddr.c): a `pmd_entry`
//! only, which takes the PMD lock for a PMD-mapped THP and the PTE lock for
//! a page table, so the walk never splits a THP.  Nothing here sleeps or
//! takes a folio lock under a page-table lock: a young folio is only
//! recorded (PFN, size, node, identity); isolation happens later, after
//! the mmap lock is dropped.  A folio found young is marked young for
//! reclaim, as DAMON and page_idle do.

use kernel::{
    bindings,
    mm::virt::VmaRef,
    page::PAGE_SIZE,
    prelude::*, //
};

use crate::policy::{
    folio::FolioFacts,
    ptwalk::{
        self,
        FlushSpan, //
    },
    recheck::Recheck,
    topology::{
        NodeMask,
        TargetMap,
        MAX_NODES, //
    },
    visit::PMD_SIZE,
};

use super::{
    c,
    mm::YoungFolio,
    node::NodeId, //
};

/// Mapped pages seen per node by a walk.
pub(crate) type NodePages = [u64; MAX_NODES];

/// The state of the page-table walks of one address space: the targets,
/// the buffer of young folios and the counters.
///
/// # Invariants
///
/// `young` is allocated once, with its capacity, and never grows: the walk
/// stops when it is full.
pub(crate) struct Walk {
    /// Destination per source node (-1: do not test folios there).
    target_of: [i16; MAX_NODES],
    /// The nodes the walk stops at (`TargetMap::sources`).
    watched: NodeMask,
    /// Skip page tables whose PMD was not accessed since the last sweep.
    skip_idle_tables: bool,
    /// A probe ([`crate::policy::probe`]): an idle table's range is not
    /// flushed (the sweep that cleared its bit flushed it).
    probing: bool,
    /// Page tables skipped as idle since [`Walk::reset`].
    idle: Recheck,
    /// Page tables whose PMD was found accessed (and which were then
    /// walked) since [`Walk::reset`].
    woke: Recheck,
    /// Whether the CPU sets the Accessed bit of a PMD pointing to a table.
    hw_table_young: bool,
    /// Whether a secondary MMU may map the mm walked (`mm_has_notifiers()`),
    /// read when a walk starts: registering one takes the mmap lock for
    /// writing, which the walk holds for reading, and none is ever removed
    /// from a live mm.
    secondary_mmu: bool,
    /// Young folios recorded since [`Walk::clear_young`].
    young: KVec<Young>,
    /// Where to resume after a walk that stopped early.
    next_addr: usize,
    slow_scanned: u64,
    young_pages: u64,
    ptables_skipped: u64,
    ptables_read: u64,
    /// Where Accessed bits were cleared and not yet flushed; taken over by
    /// the lock hold after every walk ([`super::mm::ScanLock::walk`]).
    unflushed: FlushSpan,
    node_pages: NodePages,
    /// TLB flushes done for the walks since [`Walk::reset`].
    pub(super) tlb_flushes: u64,
}

impl Walk {
    /// A walk state with room for `capacity` young folios per lock hold.
    pub(crate) fn new(capacity: usize) -> Result<Walk> {
        // SAFETY: No arguments; reads a CPU feature.
        let hw_table_young = unsafe { c::kernel_api::arch_has_hw_nonleaf_pmd_young() };
        // INVARIANT: allocated once with its capacity.
        Ok(Walk {
            target_of: [-1; MAX_NODES],
            watched: NodeMask::EMPTY,
            skip_idle_tables: false,
            probing: false,
            idle: Recheck::new(),
            woke: Recheck::new(),
            hw_table_young,
            secondary_mmu: true,
            young: KVec::with_capacity(capacity.max(1), GFP_KERNEL)?,
            next_addr: 0,
            slow_scanned: 0,
            young_pages: 0,
            ptables_skipped: 0,
            ptables_read: 0,
            unflushed: FlushSpan::default(),
            node_pages: [0; MAX_NODES],
            tlb_flushes: 0,
        })
    }

    /// Clears the counters and the young buffer (at the start of a visit).
    /// No span is left to flush: [`super::mm::ScanLock::walk`] takes it
    /// over after every walk.
    pub(crate) fn reset(&mut self) {
        self.young.clear();
        self.slow_scanned = 0;
        self.young_pages = 0;
        self.ptables_skipped = 0;
        self.ptables_read = 0;
        self.tlb_flushes = 0;
        self.node_pages = [0; MAX_NODES];
        self.idle.clear();
        self.woke.clear();
    }

    /// Takes the span the last walk cleared Accessed bits in and left
    /// unflushed, leaving none.
    pub(super) fn take_unflushed(&mut self) -> FlushSpan {
        core::mem::take(&mut self.unflushed)
    }

    /// Sets the destination of each source node for the VMA about to be
    /// walked (-1: do not test folios there).
    pub(crate) fn set_targets(&mut self, map: &TargetMap) {
        self.target_of = map.target;
        self.watched = map.sources();
    }

    /// Whether to skip page tables whose PMD was not accessed since the
    /// previous sweep.
    pub(crate) fn set_skip_idle_tables(&mut self, skip: bool) {
        self.skip_idle_tables = skip;
    }

    /// Whether the walks to come are a probe's: they leave the range of a
    /// table found idle unflushed.
    pub(crate) fn set_probing(&mut self, probing: bool) {
        self.probing = probing;
    }

    /// The page tables skipped as idle since [`Walk::reset`] (a bounded
    /// set: it may cover some that were not).
    pub(crate) fn idle_tables(&self) -> &Recheck {
        &self.idle
    }

    /// The page tables whose PMD was found accessed since [`Walk::reset`]
    /// (a bounded set: it may cover some that were not).
    pub(crate) fn woke_tables(&self) -> &Recheck {
        &self.woke
    }

    /// The young folios recorded since [`Walk::clear_young`].  The walk
    /// records only folios on a node with a target in its map, which holds
    /// online nodes with memory: a record whose target is not a valid node
    /// (none is) is left out.
    pub(crate) fn young(&self) -> impl Iterator<Item = YoungFolio> + '_ {
        self.young.iter().filter_map(|y| {
            Some(YoungFolio {
                pfn: y.pfn,
                nr_pages: y.nr_pages,
                // Were it not a valid node id, `usize::MAX` matches no node
                // (the isolation check drops the folio).
                nid: usize::try_from(y.nid).unwrap_or(usize::MAX),
                target: NodeId::new(usize::try_from(y.target).ok()?)?,
                unmovable: !crate::policy::folio::movable(FolioFacts(y.facts)),
                addr: y.addr as usize,
                identity: (y.mapping, y.index),
            })
        })
    }

    /// Empties the young buffer (after processing it).
    pub(crate) fn clear_young(&mut self) {
        self.young.clear();
    }

    /// Slow-tier pages tested.
    pub(crate) fn slow_scanned(&self) -> u64 {
        self.slow_scanned
    }

    /// Pages found young.
    pub(crate) fn young_pages(&self) -> u64 {
        self.young_pages
    }

    /// Page tables read, and PMD-mapped folios tested.
    pub(crate) fn ptables_read(&self) -> u64 {
        self.ptables_read
    }

    /// Page tables skipped because their PMD was not accessed.
    pub(crate) fn ptables_skipped(&self) -> u64 {
        self.ptables_skipped
    }

    /// TLB flushes done.
    pub(crate) fn tlb_flushes(&self) -> u64 {
        self.tlb_flushes
    }

    /// Mapped pages seen per node.
    pub(crate) fn node_pages(&self) -> &NodePages {
        &self.node_pages
    }

    /// Where a walk that stopped early resumes.
    pub(super) fn next_addr(&self) -> usize {
        self.next_addr
    }

    fn young_full(&self) -> bool {
        self.young.len() == self.young.capacity()
    }

    /// Accounts `nr` pages, mapped at `[start, end)`, of a folio on node
    /// `nid` with facts `facts`, and says whether to test their Accessed
    /// bit.  A tested range is flushed at the end of the hold, young or not.
    fn want_test(
        &mut self,
        nid: i32,
        facts: FolioFacts,
        nr: u32,
        start: usize,
        end: usize,
    ) -> bool {
        // A node id is below `MAX_NODES` (asserted in `sys/node.rs`); were
        // it not, the folio is left alone.
        let Some(nid) = node_index(nid) else {
            return false;
        };
        self.node_pages[nid] += u64::from(nr);
        if !ptwalk::tests_folio(self.target_of[nid], facts) {
            return false;
        }
        self.slow_scanned += u64::from(nr);
        self.unflushed.add(start as u64, end as u64, false);
        true
    }

    /// Records that `nr` pages of `folio` (read as `f`), mapped from
    /// `addr`, were young; a PTE-mapped large folio is recorded once per
    /// run of its PTEs.
    ///
    /// # Safety
    ///
    /// `folio` is the folio an entry maps, read under that entry's
    /// page-table lock, which the caller still holds.
    unsafe fn found_young(
        &mut self,
        folio: *mut bindings::folio,
        f: &c::Folio,
        addr: usize,
        nr: u32,
    ) {
        // SAFETY: `folio` is mapped by an entry whose page-table lock the
        // caller holds, so it cannot be freed during the call.
        unsafe { c::kernel_api::folio_set_young(folio) };
        self.young_pages += u64::from(nr);
        if self.young.last().is_some_and(|last| last.pfn == f.pfn) {
            return;
        }
        let Some(nid) = node_index(f.nid) else {
            return;
        };
        let y = Young {
            pfn: f.pfn,
            nr_pages: f.nr_pages,
            // Below `MAX_NODES` (64): fits.
            nid: nid as i16,
            target: self.target_of[nid],
            facts: f.facts,
            addr: addr as u64,
            mapping: f.mapping,
            index: f.index,
        };
        // The callback stops the walk before the buffer is full, so this
        // always fits.
        let _ = self.young.push_within_capacity(y);
    }
}

/// One folio found young on a slow-tier node, as the walk records it under
/// the page-table lock (compact, the target not yet checked:
/// [`Walk::young`] makes the [`YoungFolio`] of each).
#[derive(Debug, Clone, Copy)]
struct Young {
    /// Its head PFN (`folio_pfn()`).
    pfn: u64,
    /// Its pages (`folio_nr_pages()`).
    nr_pages: u32,
    /// The node it was on.
    nid: i16,
    /// The node to promote it to (`Walk::target_of`).
    target: i16,
    /// [`FolioFacts`] bits when found young.
    facts: u32,
    /// Where the walk found it mapped (the first page found).
    addr: u64,
    /// `folio->mapping` when found: with `index`, its identity.
    mapping: u64,
    /// `folio->index` when found.
    index: u64,
}

/// `nid` as an index into the per-node arrays, if it is a node id.
fn node_index(nid: i32) -> Option<usize> {
    usize::try_from(nid).ok().filter(|&n| n < MAX_NODES)
}

/// Walks `[start, end)` of `vma` with `walk_page_range_vma()`, the callback
/// [`pmd_entry`] updating `walk`: 0 when the range was walked,
/// 1 when the walk stopped early (`walk.next_addr()`: where), or a
/// negative errno.
///
/// # Safety
///
/// The caller holds the mmap read lock of `vma`'s mm, and `[start, end)`
/// lies within `vma`.
pub(super) unsafe fn walk_vma(vma: &VmaRef, start: usize, end: usize, walk: &mut Walk) -> c_int {
    // The mmap read lock the caller holds keeps the mm's notifier
    // subscriptions as they are for the walk.
    walk.secondary_mmu = super::mm::has_secondary_mmu(vma.mm());
    // `walk` stays borrowed mutably for the call; the callback, on this
    // thread, is the only user of `private` meanwhile.
    let private: *mut Walk = walk;
    // SAFETY: The caller holds the mmap read lock and `[start, end)` lies in `vma` (function
    // safety), as walk_page_range_vma() requires; `private` is the `Walk` the callback expects.
    unsafe {
        c::kernel_api::walk_page_range_vma(
            vma.as_ptr(),
            start as c_ulong,
            end as c_ulong,
            &WALK_OPS,
            private.cast(),
        )
    }
}

/// The walk's callbacks: only `pmd_entry`, under the mmap read lock.
static WALK_OPS: c::kernel_api::mm_walk_ops = c::kernel_api::mm_walk_ops {
    pmd_entry: Some(pmd_entry),
    walk_lock: c::kernel_api::page_walk_lock_PGWALK_RDLOCK,
    // SAFETY: The other members are optional callbacks (`Option` of a
    // function pointer), for which all zeroes is `None`.
    ..unsafe { core::mem::zeroed() }
};

/// The walk's `pmd_entry` callback, for the PMD at `pmd` mapping
/// `[addr, next)`: tests the PMD-mapped folio, or skips the page table if
/// it was idle, or tests the folios its present PTEs map.  Returns 1 to
/// stop the walk (`Walk::next_addr`: where to resume) when the young
/// buffer is full, on rmmod, or when a writer waits for the mmap lock
/// (never stall the application's mmap/munmap for a background scan), else
/// 0.
///
/// # Safety
///
/// Called by `walk_page_range_vma()` from [`walk_vma`] only: `pmd` is a
/// PMD of the VMA being walked, under the mmap read lock, and the walk's
/// private pointer is the `Walk` that `walk_vma` was given.
unsafe extern "C" fn pmd_entry(
    pmd: *mut bindings::pmd_t,
    addr: usize,
    next: usize,
    mw: *mut c::kernel_api::mm_walk,
) -> c_int {
    // SAFETY: `mw` is the walk in progress (function safety).
    let (w, vma) = unsafe { ((*mw).private, (*mw).vma) };
    // SAFETY: The private pointer is the `Walk` `walk_vma` borrowed mutably
    // for the walk, used by nothing else meanwhile (function safety).
    let w = unsafe { &mut *w.cast::<Walk>() };
    let pmd: *mut c_void = pmd.cast();
    // SAFETY: `vma` is the VMA being walked, valid under the mmap read lock.
    let mm = unsafe { (*vma).vm_mm };

    // SAFETY: Only the mmap read lock is held here: the thread may sleep.
    unsafe { super::thread::cond_resched() };
    // SAFETY: The walk runs on the kmmscand kthread (`ScanLock` is only
    // used there), whose kthread data this reads.
    let stopping = unsafe { bindings::kthread_should_stop() };
    // SAFETY: `mm` is live: its mmap lock is held.
    if w.young_full() || stopping || unsafe { c::kernel_api::mmap_lock_is_contended(mm) } != 0 {
        w.next_addr = addr;
        return 1;
    }

    // SAFETY: `pmd` is a PMD of `vma` under the mmap read lock.  Returns the
    // PMD lock, taken, if `pmd` maps a THP, else NULL.
    let ptl = unsafe { c::kernel_api::pmd_trans_huge_lock(pmd.cast(), vma) };
    if !ptl.is_null() {
        if ptwalk::tests_pmd_folio(addr) {
            let mut f = c::Folio::default();
            let haddr = addr & !(PMD_SIZE - 1);
            // SAFETY: The PMD lock `ptl` is held.
            let folio = unsafe { pmd_folio(vma, pmd.cast(), haddr, &mut f) };
            if !folio.is_null()
                && w.want_test(
                    f.nid,
                    FolioFacts(f.facts),
                    f.nr_pages,
                    haddr,
                    haddr + PMD_SIZE,
                )
            {
                // SAFETY: The PMD lock is held; `pmd` maps a THP at `haddr`.
                if unsafe { pmd_test_clear_young(vma, pmd.cast(), haddr, w.secondary_mmu) } {
                    // SAFETY: `folio` is what `pmd` maps, under its lock.
                    unsafe { w.found_young(folio, &f, haddr, f.nr_pages) };
                }
            }
            w.ptables_read += 1;
        }
        // SAFETY: `ptl` was taken by `pmd_trans_huge_lock()` above.
        unsafe { bindings::spin_unlock(ptl) };
        return 0;
    }

    if ptwalk::may_skip_table(w.skip_idle_tables, w.hw_table_young, addr, next) {
        // SAFETY: `pmd` is a PMD of `vma`, under the mmap read lock.
        match unsafe { table_test_clear_young(vma, pmd.cast(), addr) } {
            // Not a page table (none, or it changed): the code below
            // handles it.
            None => {}
            Some(young) => {
                // The bit may have been cleared by MGLRU, which does not
                // flush, under a translation the CPU still caches: a sweep
                // flushes an idle table's range too.  A probe does not: the
                // sweep before it did, and a probe is only a look.
                if young || !w.probing {
                    w.unflushed.add(addr as u64, next as u64, true);
                }
                if !young {
                    w.idle.add(addr);
                    w.ptables_skipped += 1;
                    return 0;
                }
                w.woke.add(addr);
            }
        }
    }

    let mut ptl = core::ptr::null_mut();
    // SAFETY: `pmd` is a PMD of `vma` in `mm`, under the mmap read lock;
    // `ptl` is valid for writes.
    let first = unsafe { c::kernel_api::pte_offset_map_lock(mm, pmd.cast(), addr, &mut ptl) };
    if first.is_null() {
        // The PMD changed under us (e.g. collapsed to a THP): retry.
        // SAFETY: `mw` is the walk in progress.
        unsafe { (*mw).action = c::kernel_api::page_walk_action_ACTION_AGAIN };
        return 0;
    }
    w.ptables_read += 1;
    let mut ret = 0;
    let first_pte = first.cast::<bindings::pte_t>();
    let mut a = addr;
    while a < next {
        if w.young_full() {
            w.next_addr = a;
            ret = 1;
            break;
        }
        let (mut at, mut nid, mut facts) = (0, 0, 0);
        // SAFETY: `first_pte` is the entry for `addr` in the table mapped
        // and locked above, which maps all of `[addr, next)`, and
        // `addr <= a < next`: the result is the entry for `a`, in the table.
        let pte = unsafe { first_pte.add((a - addr) / PAGE_SIZE) };
        // SAFETY: `pte` is the entry for `a` under the PTE lock, `[a, next)`
        // in its table; `node_pages` has a slot per node id (`sys/node.rs`
        // asserts `MAX_NUMNODES <= MAX_NODES`); the rest are writable.
        let folio = unsafe {
            c::kmmscand_pte_find(
                vma,
                pte.cast(),
                a as c_ulong,
                next as c_ulong,
                w.watched.0,
                w.node_pages.as_mut_ptr(),
                &mut at,
                &mut nid,
                &mut facts,
            )
        };
        // The shim returns `at` in `[a, next)`; checked, since the entry
        // pointer below depends on it.
        if folio.is_null() || at < a || at >= next {
            break;
        }
        // SAFETY: As above, for `a <= at < next` (checked).
        let pte = unsafe { pte.add((at - a) / PAGE_SIZE) };
        // One page of the folio is mapped here, whatever its size.
        if w.want_test(nid, FolioFacts(facts), 1, at, at + PAGE_SIZE)
            // SAFETY: `pte` is the entry that maps `folio`, under the PTE
            // lock.
            && unsafe { pte_test_clear_young(vma, pte, at, w.secondary_mmu) }
        {
            let mut f = c::Folio::default();
            // SAFETY: `folio` is what `pte` maps, under its lock; `f` is
            // valid for writes.
            unsafe {
                c::kmmscand_folio_read(folio, &mut f);
                w.found_young(folio, &f, at, 1);
            }
        }
        a = at + PAGE_SIZE;
    }
    // SAFETY: `first` and `ptl` are what `pte_offset_map_lock()` returned:
    // the lock is released and the table unmapped, in the order of the
    // kernel's `pte_unmap_unlock()` macro.
    unsafe {
        bindings::spin_unlock(ptl);
        c::kernel_api::pte_unmap(first);
    }
    ret
}

/// The folio `pmd` maps at `haddr` if it is present and normal
/// (`vm_normal_folio_pmd()`), with what it is in `info`; NULL otherwise.
///
/// # Safety
///
/// `pmd` is a PMD of `vma` that maps a THP at `haddr`, under the PMD lock
/// the caller holds.
unsafe fn pmd_folio(
    vma: *mut bindings::vm_area_struct,
    pmd: *mut bindings::pmd_t,
    haddr: usize,
    info: &mut c::Folio,
) -> *mut bindings::folio {
    // SAFETY: The entry is stable under the PMD lock (function safety);
    // the folio it maps stays mapped, so valid, while the lock is held.
    unsafe {
        let pmde = c::kernel_api::pmdp_get(pmd);
        if c::kernel_api::pmd_present(pmde) == 0 {
            return core::ptr::null_mut();
        }
        let folio = bindings::vm_normal_folio_pmd(vma, haddr as c_ulong, pmde);
        if !folio.is_null() {
            c::kmmscand_folio_read(folio, info);
        }
        folio
    }
}

/// Tests and clears the Accessed bit of `pmd`, which maps a THP at
/// `haddr`, and, when `secondary_mmu`, the secondary MMUs'
/// (`mmu_notifier_clear_young()`): whether one was set.
///
/// # Safety
///
/// `pmd` is a PMD of `vma` that maps a THP at `haddr`, under the PMD lock
/// the caller holds; `secondary_mmu` is `mm_has_notifiers()` of its mm.
unsafe fn pmd_test_clear_young(
    vma: *mut bindings::vm_area_struct,
    pmd: *mut bindings::pmd_t,
    haddr: usize,
    secondary_mmu: bool,
) -> bool {
    // SAFETY: By the function's safety requirements.
    let young = unsafe { bindings::pmdp_test_and_clear_young(vma, haddr as c_ulong, pmd) };
    // SAFETY: As above; `[haddr, haddr + PMD_SIZE)` is what `pmd` maps.
    young | unsafe { secondary_test_clear_young(vma, haddr, PMD_SIZE, secondary_mmu) }
}

/// When `secondary_mmu`, tests and clears the secondary MMUs' Accessed bits
/// for `[start, start + size)` of `vma` (`mmu_notifier_clear_young()`, its
/// `mm_has_notifiers()` test read once per walk): whether one was set.
///
/// # Safety
///
/// `vma` is valid (the caller holds its mmap lock and the range's
/// page-table lock); `secondary_mmu` is `mm_has_notifiers()` of its mm.
unsafe fn secondary_test_clear_young(
    vma: *mut bindings::vm_area_struct,
    start: usize,
    size: usize,
    secondary_mmu: bool,
) -> bool {
    let end = (start + size) as c_ulong;
    // SAFETY: By the function's safety requirements.
    secondary_mmu
        && unsafe { bindings::__mmu_notifier_clear_young((*vma).vm_mm, start as c_ulong, end) }
}

/// Tests and clears, under the PMD lock as MGLRU does, the Accessed bit of
/// `pmd` if it points to a page table (mapping from `start`): whether it
/// was set, `None` if `pmd` points to no page table.
///
/// # Safety
///
/// `pmd` is a PMD of `vma`, under the mmap read lock, without its lock.
unsafe fn table_test_clear_young(
    vma: *mut bindings::vm_area_struct,
    pmd: *mut bindings::pmd_t,
    start: usize,
) -> Option<bool> {
    // SAFETY: `pmd` is a PMD of `vma`'s mm (function safety); `pmd_lock()`
    // takes its lock, under which the entry is read and its bit cleared,
    // and which is dropped before returning.
    unsafe {
        let ptl = c::kernel_api::pmd_lock((*vma).vm_mm, pmd);
        let val = c::kernel_api::pmdp_get(pmd);
        let ret = (c::kernel_api::pmd_present(val) != 0 && !c::kernel_api::pmd_leaf(val))
            .then(|| bindings::pmdp_test_and_clear_young(vma, start as c_ulong, pmd));
        bindings::spin_unlock(ptl);
        ret
    }
}

/// Tests and clears the Accessed bit of `pte`, which maps `addr`, and, when
/// `secondary_mmu`, the secondary MMUs': whether one was set.
///
/// # Safety
///
/// `pte` is the entry for `addr` in a page table of `vma`, mapped and
/// locked by the caller; `secondary_mmu` is `mm_has_notifiers()` of its mm.
unsafe fn pte_test_clear_young(
    vma: *mut bindings::vm_area_struct,
    pte: *mut bindings::pte_t,
    addr: usize,
    secondary_mmu: bool,
) -> bool {
    // SAFETY: By the function's safety requirements.
    let young = unsafe { bindings::ptep_test_and_clear_young(vma, addr as c_ulong, pte) };
    // SAFETY: As above; `[addr, addr + PAGE_SIZE)` is what `pte` maps.
    young | unsafe { secondary_test_clear_young(vma, addr, PAGE_SIZE, secondary_mmu) }
}
