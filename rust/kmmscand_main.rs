// SPDX-License-Identifier: GPL-2.0

//! kmmscand: promote hot pages from a slow memory tier by scanning page
//! table Accessed bits.
//!
//! A kthread, `kmmscand`, visits the address spaces of user processes, tests
//! and clears the Accessed bit of every PTE or PMD that maps a folio on a
//! lower-tier (e.g. CXL) node, keeps one byte of hotness per slow-tier page,
//! and moves the folios found young in `hot_threshold` passes (sweeps or
//! rechecks, each within a window of the previous sighting) to the nearest
//! top-tier node with batched `migrate_pages()` calls, within the target's
//! free room and a rate limit, asking kswapd for room when the target is
//! full.  Knobs are in `/sys/kernel/mm/kmmscand/`, counters in
//! `/proc/vmstat` (`kmmscand_*`), tracepoints in `events/kmmscand/`.
//!
//! Layers, each depending only on those below it:
//!
//! - this file: the module (what it owns and in which order it lets go)
//!   and the entry points the C shim calls;
//! - [`sysfs`], the knobs and status files; [`daemon`], the thread loop,
//!   the process cursor and per-mm bookkeeping; [`scope`], the cgroups
//!   promoted for and their counters;
//! - [`scan`], one visit of an address space; [`promote`], batches, rate
//!   limit and room; [`hotmap`], the per-page hotness arrays; [`clock`];
//! - [`sys`], every call into C and the kernel crate (the only `unsafe`
//!   code besides the entry points here);
//! - [`policy`], the pure decisions, shared with the host tests.

use kernel::prelude::*;

mod clock;
mod daemon;
mod hotmap;
mod promote;
mod scan;
mod scope;
mod sys;
mod sysfs;

#[path = "policy/src/lib.rs"]
pub mod policy;

use daemon::{
    Daemon,
    Shared, //
};
use sys::{
    node::MemoryNotifier,
    sysfs::AttrDir,
    thread::{
        KThread,
        ThreadCtx, //
    },
};

module! {
    type: Kmmscand,
    name: "kmmscand",
    authors: ["kmmscand-rs developers"],
    description: "Promote hot pages from slow-tier NUMA nodes by PTE Accessed-bit scanning",
    license: "GPL",
}

/// The loaded module.
///
/// Fields are dropped in declaration order, which is the order in which
/// the module lets go: the thread first (it may be in the middle of a
/// visit), then the sysfs directory (removing it waits for reads and
/// writes in progress), then the memory hotplug notifier, and last the
/// shared state that all three pointed to.
struct Kmmscand {
    _thread: KThread,
    _sysfs: AttrDir,
    _memory: MemoryNotifier,
    /// Owned for the thread's and the directory's callbacks; dropped last.
    _shared: Pin<KBox<Shared>>,
}

impl Kmmscand {
    /// The pointer the shim hands back to the entry points below.
    fn ctx(shared: &Pin<KBox<Shared>>) -> *mut c_void {
        let s: &Shared = shared;
        core::ptr::from_ref(s).cast_mut().cast()
    }
}

impl kernel::Module for Kmmscand {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let shared = KBox::pin_init(Shared::new(Daemon::new()?), GFP_KERNEL)?;
        let ctx = Self::ctx(&shared);
        // SAFETY: `ctx` points to `shared`, which is dropped after the
        // directory (field order of `Kmmscand`; on an error below, `sysfs`
        // is dropped before `shared`, in reverse order of creation).
        let sysfs = unsafe { AttrDir::create(ctx, &sysfs::attrs())? };
        let memory = MemoryNotifier::register()?;
        // SAFETY: As above: the thread is stopped when `thread` drops,
        // before `shared`.
        let thread = unsafe { KThread::start(ctx)? };
        pr_info!("started\n");
        Ok(Kmmscand {
            _thread: thread,
            _sysfs: sysfs,
            _memory: memory,
            _shared: shared,
        })
    }
}

impl Drop for Kmmscand {
    fn drop(&mut self) {
        pr_info!("stopping\n");
    }
}

// ---------------------------------------------------------------------------
// Entry points called by the C shim.

/// Body of the `kmmscand` kthread.
///
/// # Safety
///
/// Called once, by the shim's thread function, on the thread
/// `KThread::start` created; `ctx` is the `Shared` given to it, which
/// outlives the thread.
#[no_mangle]
unsafe extern "C" fn kmmscand_rs_thread(ctx: *mut c_void) -> c_int {
    // SAFETY: By the function's safety requirements, `ctx` is a live
    // `Shared` for the whole run of the thread.
    let shared = unsafe { &*ctx.cast::<Shared>() };
    // SAFETY: We are the kmmscand kthread's entry, called once.
    let thread = unsafe { ThreadCtx::new() };
    daemon::thread_main(&thread, shared);
    0
}

/// `show` of the sysfs file with index `attr`.
///
/// # Safety
///
/// `ctx` is the `Shared` given to `AttrDir::create`, live until the
/// directory is removed (which waits for this callback); `buf` is the
/// `PAGE_SIZE` buffer sysfs owns for the call, valid for writes.
#[no_mangle]
unsafe extern "C" fn kmmscand_rs_attr_show(
    ctx: *mut c_void,
    attr: c_uint,
    buf: *mut c_char,
) -> isize {
    // SAFETY: By the function's safety requirements.
    let shared = unsafe { &*ctx.cast::<Shared>() };
    let buf = buf.cast::<u8>();
    // SAFETY: By the function's safety requirements, `buf` is valid for
    // writes of `PAGE_SIZE` bytes for the duration of the call.
    unsafe { core::ptr::write_bytes(buf, 0, kernel::page::PAGE_SIZE) };
    // Initialized just above, not relying on sysfs having zeroed it.
    // SAFETY: `buf` is valid for reads and writes of `PAGE_SIZE` bytes for
    // the call, initialized, and used by nothing else while `out` lives.
    let out = unsafe { core::slice::from_raw_parts_mut(buf, kernel::page::PAGE_SIZE) };
    match sysfs::show(shared, attr as usize, out) {
        Ok(len) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// `store` of the sysfs file with index `attr`.
///
/// # Safety
///
/// As for `kmmscand_rs_attr_show`; `buf` holds `len` readable bytes.
#[no_mangle]
unsafe extern "C" fn kmmscand_rs_attr_store(
    ctx: *mut c_void,
    attr: c_uint,
    buf: *const c_char,
    len: usize,
) -> isize {
    // SAFETY: By the function's safety requirements.
    let shared = unsafe { &*ctx.cast::<Shared>() };
    // SAFETY: By the function's safety requirements, `buf` holds `len`
    // readable bytes for the duration of the call.
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
    match sysfs::store(shared, attr as usize, input) {
        Ok(()) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}
