// SPDX-License-Identifier: GPL-2.0

//! The one place where kmmscand touches C.
//!
//! Every C operation the daemon needs is wrapped here once, behind a safe
//! function or type whose signature carries the rule the C side relies on
//! (a held lock, a buffer's lifetime, a reference count).  Nothing outside
//! this file uses `unsafe`.
//!
//! The C side is `shim/kmmscand_shim.c`; the structures below mirror
//! `shim/kmmscand_shim.h` field by field, and [`check_abi`] compares their
//! sizes with the C ones when the module loads.

use core::marker::PhantomData;
use core::ptr::NonNull;

use kernel::{
    bindings,
    error::to_result,
    mm::{
        virt::VmaRef,
        MmWithUser,
        MmapReadGuard, //
    },
    prelude::*,
    sync::aref::ARef,
};

use crate::daemon::Shared;
use crate::policy::topology::{
    NodeMask,
    Topology,
    MAX_NODES, //
};
use crate::stats::VmEvent;

/// One folio found young on a slow-tier node (C: `struct kmmscand_young`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Young {
    /// PFN of the folio's first page.
    pub(crate) pfn: u64,
    /// Base pages in the folio.
    pub(crate) nr_pages: u32,
    /// Node the folio was on when found.
    pub(crate) nid: i16,
    /// Node to promote it to.
    pub(crate) target: i16,
}

/// Nodes a task's cpuset and mempolicy allow (C: `struct kmmscand_task_nodes`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct TaskNodes {
    /// `task->mems_allowed`.
    pub(crate) cpuset: NodeMask,
    /// Nodes `task->mempolicy` allows; all when the task has none.
    pub(crate) policy: NodeMask,
}

/// Outcome of one promotion batch (C: `struct kmmscand_promote_result`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PromoteResult {
    /// Pages isolated from their LRU.
    pub(crate) isolated: u64,
    /// Pages that could not be isolated (gone, changed, not on an LRU).
    pub(crate) isolate_failed: u64,
    /// Pages moved to the target.
    pub(crate) migrated: u64,
    /// Isolated pages `migrate_pages()` could not move (put back).
    pub(crate) migrate_failed: u64,
    /// Large folios moved whole.
    pub(crate) thp_migrated: u64,
}

/// The C walk state (`struct kmmscand_walk`).
#[repr(C)]
struct WalkRaw {
    target_of: [i16; MAX_NODES],
    young: *mut Young,
    max_young: u32,
    nr_young: u32,
    next_addr: u64,
    slow_scanned: u64,
    young_pages: u64,
    flush_start: u64,
    flush_end: u64,
    tlb_flushes: u64,
    node_pages: [u64; MAX_NODES],
}

mod c {
    use super::*;

    // `mm_struct` and `vm_area_struct` contain `lockdep_map`, an empty struct
    // without CONFIG_LOCKDEP, which the lint flags; only pointers to them
    // cross this boundary, never values.
    #[expect(improper_ctypes)]
    extern "C" {
        pub(super) fn kmmscand_abi_size(which: c_uint) -> usize;
        pub(super) fn kmmscand_thread_start(ctx: *mut c_void) -> c_int;
        pub(super) fn kmmscand_thread_stop();
        pub(super) fn kmmscand_should_stop() -> bool;
        pub(super) fn kmmscand_sleep_ms(ms: c_uint);
        pub(super) fn kmmscand_wake();
        pub(super) fn kmmscand_cond_resched();
        pub(super) fn kmmscand_now_ms() -> u64;
        pub(super) fn kmmscand_sysfs_create(
            ctx: *mut c_void,
            names: *const *const c_char,
            nr: c_uint,
        ) -> c_int;
        pub(super) fn kmmscand_sysfs_remove();
        pub(super) fn kmmscand_warn_ratelimited(msg: *const c_char);
        pub(super) fn kmmscand_count_event(event: c_uint, delta: u64);
        pub(super) fn kmmscand_read_topology(topo: *mut Topology);
        pub(super) fn kmmscand_toptier_nodes() -> u64;
        pub(super) fn kmmscand_next_mm(
            pid: *mut c_int,
            mmp: *mut *mut bindings::mm_struct,
            nodes: *mut TaskNodes,
        ) -> c_int;
        pub(super) fn kmmscand_vma_scannable(vma: *mut bindings::vm_area_struct) -> bool;
        pub(super) fn kmmscand_vma_policy_nodes(
            vma: *mut bindings::vm_area_struct,
            nodes: *mut u64,
        ) -> bool;
        pub(super) fn kmmscand_walk_vma(
            vma: *mut bindings::vm_area_struct,
            start: c_ulong,
            end: c_ulong,
            walk: *mut WalkRaw,
        ) -> c_int;
        pub(super) fn kmmscand_walk_flush(mm: *mut bindings::mm_struct, walk: *mut WalkRaw);
        pub(super) fn kmmscand_node_room(nid: c_int) -> u64;
        pub(super) fn kmmscand_wake_kswapd(nid: c_int);
        pub(super) fn kmmscand_promote(
            folios: *const Young,
            nr: c_uint,
            target: c_int,
            res: *mut PromoteResult,
        );
        pub(super) fn kmmscand_trace_scan_mm_start(
            pid: c_int,
            start: c_ulong,
            period_ms: c_uint,
            size_mb: c_uint,
        );
        pub(super) fn kmmscand_trace_scan_mm_end(
            pid: c_int,
            start: c_ulong,
            end: c_ulong,
            scanned: u64,
            young: u64,
            period_ms: c_uint,
            size_mb: c_uint,
        );
    }
}

/// Checks that the shared structures have the same size in C and Rust.
pub(crate) fn check_abi() -> Result {
    let expected = [
        (0, size_of::<Topology>()),
        (1, size_of::<TaskNodes>()),
        (2, size_of::<Young>()),
        (3, size_of::<WalkRaw>()),
        (4, size_of::<PromoteResult>()),
        (5, VmEvent::COUNT),
    ];
    for (which, size) in expected {
        // SAFETY: `kmmscand_abi_size` only reads its argument.
        let c_size = unsafe { c::kmmscand_abi_size(which) };
        if c_size != size {
            pr_err!("C/Rust layout mismatch: item {which}: C {c_size}, Rust {size}\n");
            return Err(EINVAL);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Entry points called by the C shim.

/// Body of the `kmmscand` kthread.
#[no_mangle]
extern "C" fn kmmscand_rs_thread(ctx: *mut c_void) -> c_int {
    // SAFETY: `ctx` is the pinned `Shared` given by `Running::start`, which
    // stops this thread before dropping it: valid while this function runs.
    let shared = unsafe { &*ctx.cast::<Shared>() };
    crate::daemon::thread_main(shared);
    0
}

/// `show` of the knob with index `knob`.
#[no_mangle]
extern "C" fn kmmscand_rs_knob_show(ctx: *mut c_void, knob: c_uint, buf: *mut c_char) -> isize {
    // SAFETY: `ctx` is the `Shared` given to `kmmscand_sysfs_create`;
    // `Running` removes the sysfs group, which waits for running callbacks,
    // before dropping it.
    let shared = unsafe { &*ctx.cast::<Shared>() };
    // SAFETY: sysfs hands `show` a buffer of `PAGE_SIZE` bytes that the
    // callback owns for its duration.
    let out = unsafe { core::slice::from_raw_parts_mut(buf, kernel::page::PAGE_SIZE) };
    match crate::knobs::show(shared, knob as usize, out) {
        Ok(len) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// `store` of the knob with index `knob`.
#[no_mangle]
extern "C" fn kmmscand_rs_knob_store(
    ctx: *mut c_void,
    knob: c_uint,
    buf: *const c_char,
    len: usize,
) -> isize {
    // SAFETY: As in `kmmscand_rs_knob_show`.
    let shared = unsafe { &*ctx.cast::<Shared>() };
    // SAFETY: sysfs hands `store` `len` readable bytes at `buf`.
    let input = unsafe { core::slice::from_raw_parts(buf, len) };
    match crate::knobs::store(shared, knob as usize, input) {
        Ok(()) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}

// ---------------------------------------------------------------------------
// Module lifetime.

/// Thin pointers to the knob names, the form the C sysfs table takes.
///
/// # Invariants
///
/// Every pointer points to a `'static`, immutable, NUL-terminated string.
struct KnobNames(KVec<*const c_char>);

// SAFETY: The pointers refer to immutable `'static` data (type invariant),
// which any thread may read.
unsafe impl Send for KnobNames {}
// SAFETY: As for `Send`: shared access only ever reads immutable data.
unsafe impl Sync for KnobNames {}

/// The running daemon: the shared state, its sysfs directory and its thread.
///
/// # Invariants
///
/// While a value of this type exists, the kthread and the sysfs callbacks may
/// dereference the pointer to `shared` they were given; `Drop` stops both
/// before `shared` is freed.
pub(crate) struct Running {
    shared: Pin<KBox<Shared>>,
    /// The knob names, as C strings for the sysfs table (must outlive it).
    names: KnobNames,
    sysfs_created: bool,
    thread_started: bool,
}

impl Running {
    /// Publishes the knobs named `names` and starts the thread.
    pub(crate) fn start(shared: Pin<KBox<Shared>>, names: &[&'static CStr]) -> Result<Running> {
        let mut ptrs = KVec::with_capacity(names.len(), GFP_KERNEL)?;
        for name in names {
            ptrs.push(name.as_char_ptr(), GFP_KERNEL)?;
        }
        // INVARIANT: every pointer comes from a `&'static CStr`.
        let ptrs = KnobNames(ptrs);
        // INVARIANT: nothing has been given the pointer yet.
        let mut running = Running {
            shared,
            names: ptrs,
            sysfs_created: false,
            thread_started: false,
        };
        let ctx = running.ctx();
        // SAFETY: `ctx` stays valid until `drop` removes the group (type
        // invariant); `names` holds pointers to `'static` NUL-terminated
        // strings and lives in `running`, so it outlives the group too.
        to_result(unsafe {
            c::kmmscand_sysfs_create(ctx, running.names.0.as_ptr(), running.names.0.len() as c_uint)
        })?;
        running.sysfs_created = true;
        // SAFETY: `ctx` stays valid until `drop` stops the thread (type
        // invariant).  On error, `running` is dropped and cleans up sysfs.
        to_result(unsafe { c::kmmscand_thread_start(ctx) })?;
        running.thread_started = true;
        Ok(running)
    }

    fn ctx(&self) -> *mut c_void {
        let shared: &Shared = &self.shared;
        core::ptr::from_ref(shared).cast_mut().cast()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // The thread first: it may be in the middle of a scan.
        if self.thread_started {
            // SAFETY: The thread was started by `start` and not stopped yet.
            unsafe { c::kmmscand_thread_stop() };
        }
        if self.sysfs_created {
            // SAFETY: The group was created by `start`; removing it waits
            // for show/store callbacks in progress.
            unsafe { c::kmmscand_sysfs_remove() };
        }
        // `shared` is dropped after this: no one points at it any more.
    }
}

// ---------------------------------------------------------------------------
// Thread helpers.

/// Whether `rmmod` asked the thread to stop.
pub(crate) fn should_stop() -> bool {
    // SAFETY: Only reads the current task's kthread flags; called from the
    // kmmscand thread only.
    unsafe { c::kmmscand_should_stop() }
}

/// Sleeps up to `ms`; a knob write or `rmmod` wakes the thread early.
pub(crate) fn sleep_ms(ms: u32) {
    // SAFETY: Called from the kmmscand kthread, which may sleep.
    unsafe { c::kmmscand_sleep_ms(ms) }
}

/// Wakes the thread so that new settings apply at once.
pub(crate) fn wake_thread() {
    // SAFETY: Wakes a static wait queue; safe from any context.
    unsafe { c::kmmscand_wake() }
}

/// Yields the CPU if another task needs it.
pub(crate) fn cond_resched() {
    // SAFETY: Called from the kmmscand kthread without spinlocks held.
    unsafe { c::kmmscand_cond_resched() }
}

/// Monotonic time in milliseconds.
pub(crate) fn now_ms() -> u64 {
    // SAFETY: Reads the monotonic clock.
    unsafe { c::kmmscand_now_ms() }
}

/// Prints `msg` as a rate-limited warning.
pub(crate) fn warn_ratelimited(msg: &CStr) {
    // SAFETY: `msg` is a NUL-terminated string valid for the call.
    unsafe { c::kmmscand_warn_ratelimited(msg.as_char_ptr()) }
}

/// Adds `delta` to the `/proc/vmstat` counter of `event`.
pub(crate) fn count_event(event: VmEvent, delta: u64) {
    if delta != 0 {
        // SAFETY: `event` is below `KMM_NR_EVENTS` (checked by `check_abi`).
        unsafe { c::kmmscand_count_event(event as c_uint, delta) }
    }
}

// ---------------------------------------------------------------------------
// Nodes and processes.

/// Fills `topo` with the current memory nodes, tiers and distances.
pub(crate) fn read_topology(topo: &mut Topology) {
    // SAFETY: `topo` is a valid, exclusive `struct kmmscand_topology`.
    unsafe { c::kmmscand_read_topology(topo) }
}

/// Online top-tier nodes with memory.
pub(crate) fn toptier_nodes() -> NodeMask {
    // SAFETY: Reads node states and memory tiers.
    NodeMask(unsafe { c::kmmscand_toptier_nodes() })
}

/// Pages node `nid` can take above its zones' high watermarks.
pub(crate) fn node_room(nid: usize) -> u64 {
    // SAFETY: `nid` names an online memory node (a promotion target from
    // the topology snapshot); NODE_DATA() is valid for it.
    unsafe { c::kmmscand_node_room(nid as c_int) }
}

/// Wakes kswapd on node `nid` to make room for promotion.
pub(crate) fn wake_kswapd(nid: usize) {
    // SAFETY: As in `node_room`.
    unsafe { c::kmmscand_wake_kswapd(nid as c_int) }
}

/// What one step of the process cursor found.
pub(crate) enum NextMm {
    /// A user process: its thread-group id, its mm (with an `mm_users`
    /// reference, dropped with the value) and the nodes it allows.
    Found(i32, ARef<MmWithUser>, TaskNodes),
    /// Nothing in this step; more pids remain.
    Continue,
    /// No pid at or after the cursor: the walk over all processes is done.
    End,
}

/// Advances the process cursor `pid` to the next user process.
pub(crate) fn next_mm(pid: &mut i32) -> NextMm {
    let mut mm: *mut bindings::mm_struct = core::ptr::null_mut();
    let mut nodes = TaskNodes {
        cpuset: NodeMask::EMPTY,
        policy: NodeMask::EMPTY,
    };
    // SAFETY: All three pointers are valid and exclusive for the call.
    let ret = unsafe { c::kmmscand_next_mm(pid, &mut mm, &mut nodes) };
    match ret {
        1 => match NonNull::new(mm.cast::<MmWithUser>()) {
            // SAFETY: `kmmscand_next_mm` returned 1: it took an `mm_users`
            // reference on `mm` (`mmget_not_zero`) that we now own;
            // `MmWithUser` is a transparent wrapper of `mm_struct`.
            Some(mm) => NextMm::Found(*pid - 1, unsafe { ARef::from_raw(mm) }, nodes),
            None => NextMm::Continue,
        },
        0 => NextMm::Continue,
        _ => NextMm::End,
    }
}

// ---------------------------------------------------------------------------
// Address spaces.

/// The mmap read lock of one mm, held while scanning it.
///
/// Holding it keeps every VMA found through it valid and lets the page
/// walk run (`walk_page_range_vma` asserts the lock).
pub(crate) struct ScanLock<'a> {
    mm: &'a MmWithUser,
    _guard: MmapReadGuard<'a>,
}

impl<'a> ScanLock<'a> {
    /// Takes the mmap read lock of `mm` if it is free; `None` if contended
    /// (the daemon never waits for an application's mmap lock).
    pub(crate) fn try_new(mm: &'a MmWithUser) -> Option<Self> {
        let guard = mm.mmap_read_trylock()?;
        Some(ScanLock { mm, _guard: guard })
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

    /// Whether the walk may look at `vma` (not hugetlb, PFN/mixed/IO,
    /// mlocked, unmigratable or PROT_NONE).
    pub(crate) fn vma_scannable(&self, vma: &VmaRef) -> bool {
        // SAFETY: `vma` is valid under the mmap read lock held by `self`.
        unsafe { c::kmmscand_vma_scannable(vma.as_ptr()) }
    }

    /// Nodes `vma`'s own mempolicy allows; `None` when it has none.
    pub(crate) fn vma_policy_nodes(&self, vma: &VmaRef) -> Option<NodeMask> {
        let mut nodes = 0u64;
        // SAFETY: `vma` is valid under the mmap read lock held by `self`;
        // `nodes` is a valid out-pointer.
        let has = unsafe { c::kmmscand_vma_policy_nodes(vma.as_ptr(), &mut nodes) };
        has.then_some(NodeMask(nodes))
    }

    /// Walks `[start, end)` of `vma`, testing and clearing Accessed bits of
    /// folios on nodes `walk` has a target for.
    pub(crate) fn walk(&self, vma: &VmaRef, start: usize, end: usize, walk: &mut Walk<'_>) -> Result<WalkEnd> {
        if !core::ptr::eq(vma.mm(), self.mm) || start < vma.start() || end > vma.end() || start >= end {
            return Err(EINVAL);
        }
        // SAFETY: `vma` belongs to the mm whose mmap read lock `self` holds
        // and `[start, end)` lies inside it; `walk.raw` points to a buffer
        // of `max_young` records that `walk` borrows mutably.
        let ret = unsafe { c::kmmscand_walk_vma(vma.as_ptr(), start as c_ulong, end as c_ulong, &mut walk.raw) };
        match ret {
            0 => Ok(WalkEnd::Done),
            1 => Ok(WalkEnd::Stopped(walk.raw.next_addr as usize)),
            e => Err(Error::from_errno(e)),
        }
    }
}

impl ScanLock<'_> {
    /// Flushes the TLB over the span where `walk` cleared young bits since
    /// its last flush, so that those pages set their Accessed bit again when
    /// next used.  Called once before the lock is dropped.
    pub(crate) fn flush(&self, walk: &mut Walk<'_>) {
        // SAFETY: `self.mm` is live (we hold `mm_users`) and its mmap lock is
        // held; `walk.raw` is a valid, exclusive walk state.
        unsafe { c::kmmscand_walk_flush(self.mm.as_raw(), &mut walk.raw) }
    }
}

/// How a walk ended.
pub(crate) enum WalkEnd {
    /// The whole range was walked.
    Done,
    /// Stopped early (young buffer full, thread stopping, or a writer
    /// waiting for the mmap lock): drop the lock and resume at this address.
    Stopped(usize),
}

/// A page-table walk's input (targets) and output (young folios, counts),
/// over a buffer of young records borrowed for its lifetime.
pub(crate) struct Walk<'b> {
    raw: WalkRaw,
    _buf: PhantomData<&'b mut [Young]>,
}

impl<'b> Walk<'b> {
    /// A walk recording young folios into `buf`.
    pub(crate) fn new(buf: &'b mut [Young]) -> Self {
        Walk {
            raw: WalkRaw {
                target_of: [-1; MAX_NODES],
                young: buf.as_mut_ptr(),
                max_young: buf.len().min(u32::MAX as usize) as u32,
                nr_young: 0,
                next_addr: 0,
                slow_scanned: 0,
                young_pages: 0,
                flush_start: 0,
                flush_end: 0,
                tlb_flushes: 0,
                node_pages: [0; MAX_NODES],
            },
            _buf: PhantomData,
        }
    }

    /// Sets the destination of each source node (-1: do not test).
    pub(crate) fn set_targets(&mut self, target_of: &[i16; MAX_NODES]) {
        self.raw.target_of = *target_of;
    }

    /// Number of young records filled.
    pub(crate) fn nr_young(&self) -> usize {
        self.raw.nr_young as usize
    }

    /// Slow-tier pages tested so far.
    pub(crate) fn slow_scanned(&self) -> u64 {
        self.raw.slow_scanned
    }

    /// Pages found young so far.
    pub(crate) fn young_pages(&self) -> u64 {
        self.raw.young_pages
    }

    /// TLB range flushes done so far.
    pub(crate) fn tlb_flushes(&self) -> u64 {
        self.raw.tlb_flushes
    }

    /// Mapped pages seen per node so far.
    pub(crate) fn node_pages(&self) -> &[u64; MAX_NODES] {
        &self.raw.node_pages
    }
}

/// Isolates `folios` and migrates them to `target` in one batch.
pub(crate) fn promote(folios: &[Young], target: usize) -> PromoteResult {
    let mut res = PromoteResult::default();
    if !folios.is_empty() {
        // SAFETY: `folios` is a valid slice of records; the C side rechecks
        // every PFN (it may have been freed since the walk); `res` is a
        // valid out-pointer; the caller is the kthread, which may sleep.
        unsafe { c::kmmscand_promote(folios.as_ptr(), folios.len() as c_uint, target as c_int, &mut res) };
    }
    res
}

/// Emits the `kmmscand_scan_mm_start` tracepoint.
pub(crate) fn trace_scan_mm_start(pid: i32, start: usize, period_ms: u32, size_mb: u32) {
    // SAFETY: Plain values only.
    unsafe { c::kmmscand_trace_scan_mm_start(pid, start as c_ulong, period_ms, size_mb) }
}

/// Emits the `kmmscand_scan_mm_end` tracepoint.
pub(crate) fn trace_scan_mm_end(pid: i32, start: usize, end: usize, scanned: u64, young: u64, period_ms: u32, size_mb: u32) {
    // SAFETY: Plain values only.
    unsafe { c::kmmscand_trace_scan_mm_end(pid, start as c_ulong, end as c_ulong, scanned, young, period_ms, size_mb) }
}
