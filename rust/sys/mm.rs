// SPDX-License-Identifier: GPL-2.0

//! Address spaces: the mmap read lock, VMAs, and the TLB flush after the
//! page-table walks ([`super::walk`]) under it.

use core::cell::Cell;

use kernel::{
    bindings,
    mm::{
        virt::VmaRef,
        MmWithUser,
        MmapReadGuard, //
    },
    page::PAGE_SHIFT,
    prelude::*,
};

use crate::policy::{
    mempolicy::MemPolicy,
    ptwalk::FlushSpan,
    topology::NodeMask,
    visit::WalkEnd,
    vma::{
        VmFlagBits,
        VmaFacts, //
    },
};

use super::{
    c,
    node::NodeId,
    task::mempolicy,
    walk::{
        self,
        Walk, //
    },
};

pub(crate) use super::walk::NodePages;

/// The `vm_flags` bits the VMA filter reads, as this kernel defines them.
pub(crate) fn vm_flag_bits() -> VmFlagBits {
    use kernel::mm::virt::flags;
    VmFlagBits {
        hugetlb: flags::HUGETLB as u64,
        pfnmap: flags::PFNMAP as u64,
        mixedmap: flags::MIXEDMAP as u64,
        io: flags::IO as u64,
        locked: c::kernel_api::KMMSCAND_VM_LOCKED as u64,
        droppable: c::kernel_api::KMMSCAND_VM_DROPPABLE as u64,
    }
}

/// Whether a secondary MMU (KVM, a device) may access `mm`: its accesses
/// do not set the CPU's page-table Accessed bits.
pub(crate) fn has_secondary_mmu(mm: &MmWithUser) -> bool {
    // SAFETY: `mm` is live (`MmWithUser`); the check reads one field.
    unsafe { c::kernel_api::mm_has_notifiers(mm.as_raw()) != 0 }
}

/// A number that changes whenever `mm`'s mmap lock is taken for writing
/// (mmap, munmap, mprotect, mbind...): the sequence count the per-VMA locks
/// keep for speculative readers (`mmap_lock_speculate_try_begin()`, which
/// reads it whether or not a writer holds the lock, when it is odd).
/// Without `CONFIG_PER_VMA_LOCK` there is no such count: always 0, and the
/// daemon's pace alone decides when the mm is visited.
pub(crate) fn layout_seq(mm: &MmWithUser) -> u64 {
    let mut seq: c_uint = 0;
    // SAFETY: `mm` is live (`MmWithUser`); the call reads its sequence
    // count into `seq`, valid for writes.  Its result (whether no writer
    // holds the lock) is not needed: an odd count differs from any other.
    let _ = unsafe { c::kernel_api::mmap_lock_speculate_try_begin(mm.as_raw(), &mut seq) };
    u64::from(seq)
}

/// One folio the walk found young.
#[derive(Debug, Clone, Copy)]
pub(crate) struct YoungFolio {
    /// PFN of its first page.
    pub(crate) pfn: u64,
    /// Base pages in it.
    pub(crate) nr_pages: u32,
    /// The node it is on.
    pub(crate) nid: usize,
    /// The node to promote it to (from the walk's target map).
    pub(crate) target: NodeId,
    /// DMA-pinned, or a dirty file folio: migration would refuse it.
    pub(crate) unmovable: bool,
    /// The address the walk found it mapped at (its first page found).
    pub(crate) addr: usize,
    /// Its identity when found (`folio->mapping`, `folio->index`), checked
    /// again before isolation: a PFN reused by another folio is dropped.
    pub(crate) identity: (u64, u64),
}

/// The mmap read lock of one mm, held while walking it.
///
/// Holding it keeps every VMA found through it valid and lets the page
/// walk run (`walk_page_range_vma` asserts the lock).  The span where walks
/// under it cleared Accessed bits is flushed before the lock is dropped,
/// by [`ScanLock::unlock`] or else by `drop`: a cleared bit under a cached
/// translation would hide every later access, so no path lets go of the
/// lock with a span unflushed.
pub(crate) struct ScanLock<'a> {
    mm: &'a MmWithUser,
    /// Cleared by walks under this hold and not yet flushed.
    unflushed: Cell<FlushSpan>,
    // Dropped after `Drop::drop` has flushed `unflushed`.
    _guard: MmapReadGuard<'a>,
}

impl Drop for ScanLock<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

impl<'a> ScanLock<'a> {
    /// Takes the mmap read lock of `mm` if it is free; `None` if contended
    /// (the daemon never waits for an application's mmap lock).
    pub(crate) fn try_new(mm: &'a MmWithUser) -> Option<Self> {
        let guard = mm.mmap_read_trylock()?;
        Some(ScanLock {
            mm,
            unflushed: Cell::new(FlushSpan::default()),
            _guard: guard,
        })
    }

    /// Flushes the span cleared under this hold, if any; whether it did.
    fn flush(&self) -> bool {
        let span = self.unflushed.replace(FlushSpan::default());
        if span.is_empty() {
            return false;
        }
        // The flush IPIs other CPUs; only the kmmscand thread walks, in
        // process context with no spinlock held (`ThreadCtx` docs).
        // SAFETY: `self.mm` is live (we hold `mm_users`) and the span lies
        // in its user addresses, walked under the mmap lock `self` holds.
        unsafe {
            c::kernel_api::flush_tlb_mm_range(
                self.mm.as_raw(),
                span.start as c_ulong,
                span.end as c_ulong,
                PAGE_SHIFT as c_uint,
                span.tables,
            )
        };
        true
    }

    /// Flushes the span cleared under this hold (counted in `walk`) and
    /// drops the lock.
    pub(crate) fn unlock(self, walk: &mut Walk) {
        if self.flush() {
            walk.tlb_flushes += 1;
        }
    }

    /// Whether a writer waits for the lock.
    pub(crate) fn contended(&self) -> bool {
        // SAFETY: `self.mm` is live; the check reads the lock's state.
        unsafe { c::kernel_api::mmap_lock_is_contended(self.mm.as_raw()) != 0 }
    }

    /// The first VMA that ends above `addr`, if any.
    pub(crate) fn find_vma(&self, addr: usize) -> Option<&VmaRef> {
        // SAFETY: `self.mm` is a live mm (we hold `mm_users`) whose mmap
        // read lock `self` holds, as `find_vma` requires.
        let vma = unsafe { bindings::find_vma(self.mm.as_raw(), addr as c_ulong) };
        if vma.is_null() {
            None
        } else {
            // SAFETY: `vma` belongs to `self.mm`, whose mmap read lock is
            // held for the lifetime of `self`, which bounds the reference.
            Some(unsafe { VmaRef::from_raw(vma) })
        }
    }

    /// Whether `vma` belongs to the mm whose lock `self` holds: only then
    /// does the lock keep it valid.
    fn holds(&self, vma: &VmaRef) -> bool {
        core::ptr::eq(vma.mm(), self.mm)
    }

    /// What the VMA filter needs to know about `vma`; a VMA of another mm
    /// (which this lock does not protect) reads as not scannable.
    pub(crate) fn vma_facts(&self, vma: &VmaRef) -> VmaFacts {
        if !self.holds(vma) {
            return VmaFacts {
                flags: 0,
                accessible: false,
                migratable: false,
            };
        }
        // SAFETY: `vma` belongs to `self.mm` (checked above), whose mmap
        // read lock `self` holds: it stays valid for the call.
        let accessible = unsafe { c::kernel_api::vma_is_accessible(vma.as_ptr()) };
        // SAFETY: As above.
        let migratable = unsafe { c::kernel_api::vma_migratable(vma.as_ptr()) };
        VmaFacts {
            flags: vma.flags() as u64,
            accessible,
            migratable,
        }
    }

    /// `vma`'s own mempolicy at `addr` (the VMA's start if `addr` is
    /// below it), `None` when it has none (the task's applies), and the
    /// address up to which that answer holds: the VMA's end, or for shared
    /// memory, whose policy is kept per range of file offsets, the end of
    /// the range that holds `addr`.  A VMA of another mm (which this lock
    /// does not protect) gets a policy that allows no node.
    pub(crate) fn vma_policy(&self, vma: &VmaRef, addr: usize) -> (Option<MemPolicy>, usize) {
        if !self.holds(vma) {
            let none = MemPolicy {
                mode: u16::MAX,
                nodes: NodeMask::EMPTY,
            };
            return (Some(none), vma.end());
        }
        let addr = addr.clamp(vma.start(), vma.end() - 1);
        let mut end: c_ulong = 0;
        let (ptr, at) = (vma.as_ptr(), addr as c_ulong);
        // SAFETY: `ptr` is a VMA of `self.mm` (checked above), whose mmap
        // read lock `self` holds: it stays valid for the call; `at` lies in
        // it; `end` is valid for writes.
        let pol = unsafe { c::kmmscand_vma_policy(ptr, at, &mut end) };
        // SAFETY: `pol` is NULL or a policy the call returned with a
        // conditional reference, dropped only below.
        let policy = unsafe { mempolicy(pol) };
        // SAFETY: `pol` came from `__get_vma_policy()`, whose conditional
        // reference `mpol_cond_put()` drops (NULL is ignored).
        unsafe { c::kernel_api::mpol_cond_put(pol) };
        // The C side answers within the VMA; never let a bad answer stall
        // the walk (an end at or below `addr` would not advance it).
        let end = (end as usize).clamp(addr + 1, vma.end());
        (policy, end)
    }

    /// Walks `[start, end)` of `vma`, testing and clearing Accessed bits of
    /// folios on nodes `walk` has a target for.
    pub(crate) fn walk(
        &self,
        vma: &VmaRef,
        start: usize,
        end: usize,
        walk: &mut Walk,
    ) -> Result<WalkEnd> {
        if !self.holds(vma) || start < vma.start() || end > vma.end() || start >= end {
            return Err(EINVAL);
        }
        // SAFETY: `vma` is in the mm whose mmap read lock `self` holds
        // (checked above) and contains `[start, end)`.
        let ret = unsafe { walk::walk_vma(vma, start, end, walk) };
        // Whatever the outcome, the bits the walk cleared are this hold's to
        // flush.
        self.unflushed
            .set(self.unflushed.get().merge(walk.take_unflushed()));
        match ret {
            0 => Ok(WalkEnd::Done),
            1 => Ok(WalkEnd::Stopped(walk.next_addr())),
            e if e < 0 => Err(Error::from_errno(e)),
            _ => Err(EINVAL),
        }
    }
}
