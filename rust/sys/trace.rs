// SPDX-License-Identifier: GPL-2.0

//! The `kmmscand_scan_mm_{start,end}` and `kmmscand_migrate_batch`
//! tracepoints (`events/kmmscand/`).

use kernel::{
    prelude::*,
    task::Pid, //
};

use super::{
    c,
    node::NodeId, //
};

/// A visit of `pid`'s address space begins at `start`.
pub(crate) fn scan_mm_start(pid: Pid, start: usize, period_ms: u32, size_mb: u32) {
    // SAFETY: Plain values only.
    unsafe { c::kmmscand_trace_scan_mm_start(pid, start as c_ulong, period_ms, size_mb) }
}

/// What a visit did, and the pace chosen for the next one.
pub(crate) struct ScanEnd {
    /// The process.
    pub(crate) pid: Pid,
    /// Where the visit started.
    pub(crate) start: usize,
    /// Where it stopped.
    pub(crate) end: usize,
    /// Slow-tier pages tested.
    pub(crate) scanned: u64,
    /// Of those, young.
    pub(crate) young: u64,
    /// Next period (ms).
    pub(crate) period_ms: u32,
    /// Next scan size (MiB).
    pub(crate) size_mb: u32,
}

/// A visit ended.
pub(crate) fn scan_mm_end(e: &ScanEnd) {
    // SAFETY: Plain values only.
    unsafe {
        c::kmmscand_trace_scan_mm_end(
            e.pid,
            e.start as c_ulong,
            e.end as c_ulong,
            e.scanned,
            e.young,
            e.period_ms,
            e.size_mb,
        )
    }
}

/// One migration batch: the folios and pages isolated for it, what moved,
/// and how long its isolation and migration took (µs).
pub(crate) fn migrate_batch(
    target: NodeId,
    nr_folios: u32,
    pages: u64,
    migrated: u64,
    failed: u64,
    us: u64,
) {
    // SAFETY: Plain values only.
    unsafe {
        c::kmmscand_trace_migrate_batch(
            target.index() as c_int,
            nr_folios,
            pages,
            migrated,
            failed,
            us,
        )
    }
}
