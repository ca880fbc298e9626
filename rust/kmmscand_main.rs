// SPDX-License-Identifier: GPL-2.0

//! kmmscand: promote hot pages from a slow memory tier by scanning page
//! table Accessed bits.
//!
//! A kthread, `kmmscand`, visits the address spaces of user processes, tests
//! and clears the Accessed bit of every PTE or PMD that maps a folio on a
//! lower-tier (e.g. CXL) node, and moves the folios found young in
//! `hot_threshold` consecutive scans to the nearest top-tier node with
//! batched `migrate_pages()` calls, within the target's free room and a
//! rate limit.  Knobs are in `/sys/kernel/mm/kmmscand/`, counters in
//! `/proc/vmstat` (`kmmscand_*`), tracepoints in `events/kmmscand/`.
//!
//! The module is split by stage of the data flow:
//!
//! - [`daemon`], the thread loop, the process cursor, per-mm bookkeeping;
//! - [`scan`], one address space: VMAs, the page walk, hotness, pacing;
//! - [`promote`], batching, rate limit, capacity, migration;
//! - [`knobs`], sysfs;
//! - [`stats`], vmstat counters;
//! - [`ffi`], every call into C (the only `unsafe` code);
//! - [`policy`], the pure decisions, shared with the host tests.

use kernel::prelude::*;

mod daemon;
mod ffi;
mod knobs;
mod promote;
mod scan;
mod stats;

#[path = "policy/src/lib.rs"]
pub mod policy;

module! {
    type: Kmmscand,
    name: "kmmscand",
    authors: ["kmmscand-rs developers"],
    description: "Promote hot pages from slow-tier NUMA nodes by PTE Accessed-bit scanning",
    license: "GPL",
}

/// The loaded module.  Dropping it stops the thread, removes the sysfs
/// directory and frees everything, in that order (see `ffi::Running`).
struct Kmmscand {
    _running: ffi::Running,
}

impl kernel::Module for Kmmscand {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        ffi::check_abi()?;
        let daemon = daemon::Daemon::new()?;
        let shared = KBox::pin_init(daemon::Shared::new(daemon), GFP_KERNEL)?;
        let running = ffi::Running::start(shared, &knobs::names())?;
        pr_info!("started\n");
        Ok(Kmmscand { _running: running })
    }
}

impl Drop for Kmmscand {
    fn drop(&mut self) {
        pr_info!("stopping\n");
    }
}
