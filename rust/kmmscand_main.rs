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
//!   and the traits through which `sys` calls it back (`ThreadMain`,
//!   `Files`);
//! - [`knob_files`], the knobs and status files; [`daemon`], the thread
//!   loop, the process cursor and per-mm bookkeeping;
//! - [`scan`], one visit of an address space; [`promote`], batches, rate
//!   limit and room; [`hot_sections`], the per-page hotness arrays;
//!   [`cgroup_scope`], the cgroups promoted for and their counters;
//!   [`clock`];
//! - [`sys`], every call into C and the kernel crate (the only `unsafe`
//!   code besides the entry points here);
//! - [`policy`], the pure decisions, shared with the host tests.

use kernel::prelude::*;

// Kernel options the module cannot work without.  A kernel that lacks one
// stops the module's build here with the reason, instead of building a
// module that loads and misbehaves.
#[cfg(not(CONFIG_NUMA))]
compile_error!("kmmscand needs CONFIG_NUMA: it moves pages between NUMA nodes");
#[cfg(not(CONFIG_MIGRATION))]
compile_error!(
    "kmmscand needs CONFIG_MIGRATION (selected by CONFIG_NUMA_MIGRATION): it promotes with migrate_pages()"
);
#[cfg(not(CONFIG_NUMA_BALANCING))]
compile_error!(
    "kmmscand needs CONFIG_NUMA_BALANCING: the pgpromote_success counter it adds to exists only with it"
);
#[cfg(not(CONFIG_PAGE_IDLE_FLAG))]
compile_error!(
    "kmmscand needs CONFIG_PAGE_IDLE_FLAG (select CONFIG_IDLE_PAGE_TRACKING or CONFIG_DAMON_VADDR): without it folio_set_young() does nothing, and reclaim would take every page whose Accessed bit the scan cleared for unused"
);

mod cgroup_scope;
mod clock;
mod daemon;
mod hot_sections;
mod knob_files;
mod promote;
mod scan;
mod sys;

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
        ThreadCtx,
        ThreadMain, //
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
    _sysfs: AttrDir<Shared>,
    _memory: MemoryNotifier,
    /// Owned for the thread's and the directory's callbacks; dropped last.
    _shared: Pin<KBox<Shared>>,
}

impl kernel::Module for Kmmscand {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let shared = KBox::pin_init(Shared::new(Daemon::new()?), GFP_KERNEL)?;
        // SAFETY: `shared` is dropped after the directory (field order of
        // `Kmmscand`; on an error below, `sysfs` is dropped before `shared`,
        // in reverse order of creation).
        let sysfs = unsafe { AttrDir::create(&*shared, &knob_files::attrs())? };
        let memory = MemoryNotifier::register()?;
        // SAFETY: As above: the thread is stopped when `thread` drops,
        // before `shared`.
        let thread = unsafe { KThread::start(&*shared)? };
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
// What the thread and the sysfs files run.

impl ThreadMain for Shared {
    fn run(&self, ctx: &ThreadCtx) {
        daemon::thread_main(ctx, self);
    }
}

impl sys::sysfs::Files for Shared {
    fn show(&self, index: usize, out: &mut [u8]) -> Result<usize> {
        knob_files::show(self, index, out)
    }

    fn store(&self, index: usize, input: &[u8]) -> Result {
        knob_files::store(self, index, input)
    }
}
