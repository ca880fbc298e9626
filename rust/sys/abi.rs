// SPDX-License-Identifier: GPL-2.0

//! Load-time check that the Rust mirrors of the shim's structures have the
//! C layout: every size and every field offset, in the order of
//! `enum kmmscand_abi`.  A mismatch (a field added on one side only, two
//! fields swapped) refuses to load the module instead of corrupting memory.

use core::mem::{
    offset_of,
    size_of, //
};

use kernel::prelude::*;

use super::c::{
    self,
    MemPolicy,
    PromoteResult,
    ThreadNodes,
    Topology,
    VmFlagBits,
    WalkState,
    Young,
    ZoneMarks, //
};

/// The Rust side's sizes and offsets, indexed like `enum kmmscand_abi`.
const LAYOUT: [(&str, usize); 41] = [
    ("topology size", size_of::<Topology>()),
    ("topology.toptier", offset_of!(Topology, toptier)),
    ("topology.distance", offset_of!(Topology, distance)),
    ("mempolicy size", size_of::<MemPolicy>()),
    ("mempolicy.mode", offset_of!(MemPolicy, mode)),
    ("mempolicy.present", offset_of!(MemPolicy, present)),
    ("thread_nodes size", size_of::<ThreadNodes>()),
    (
        "thread_nodes.mems_allowed",
        offset_of!(ThreadNodes, mems_allowed),
    ),
    ("young size", size_of::<Young>()),
    ("young.nr_pages", offset_of!(Young, nr_pages)),
    ("young.nid", offset_of!(Young, nid)),
    ("young.target", offset_of!(Young, target)),
    ("young.flags", offset_of!(Young, flags)),
    ("young.addr", offset_of!(Young, addr)),
    ("walk size", size_of::<WalkState>()),
    ("walk.young", offset_of!(WalkState, young)),
    ("walk.max_young", offset_of!(WalkState, max_young)),
    (
        "walk.skip_idle_tables",
        offset_of!(WalkState, skip_idle_tables),
    ),
    ("walk.nr_young", offset_of!(WalkState, nr_young)),
    ("walk.next_addr", offset_of!(WalkState, next_addr)),
    ("walk.slow_scanned", offset_of!(WalkState, slow_scanned)),
    ("walk.young_pages", offset_of!(WalkState, young_pages)),
    (
        "walk.ptables_skipped",
        offset_of!(WalkState, ptables_skipped),
    ),
    ("walk.ptables_read", offset_of!(WalkState, ptables_read)),
    ("walk.flush_start", offset_of!(WalkState, flush_start)),
    ("walk.flush_end", offset_of!(WalkState, flush_end)),
    ("walk.flush_tables", offset_of!(WalkState, flush_tables)),
    ("walk.node_pages", offset_of!(WalkState, node_pages)),
    ("promote_result size", size_of::<PromoteResult>()),
    (
        "promote_result.isolate_failed",
        offset_of!(PromoteResult, isolate_failed),
    ),
    (
        "promote_result.migrated",
        offset_of!(PromoteResult, migrated),
    ),
    (
        "promote_result.migrate_failed",
        offset_of!(PromoteResult, migrate_failed),
    ),
    (
        "promote_result.thp_migrated",
        offset_of!(PromoteResult, thp_migrated),
    ),
    (
        "promote_result.alloc_failed",
        offset_of!(PromoteResult, alloc_failed),
    ),
    ("zone_marks size", size_of::<ZoneMarks>()),
    ("zone_marks.high", offset_of!(ZoneMarks, high)),
    ("zone_marks.reserved", offset_of!(ZoneMarks, reserved)),
    ("vm_flag_bits size", size_of::<VmFlagBits>()),
    ("vm_flag_bits.droppable", offset_of!(VmFlagBits, droppable)),
    ("young.mapping", offset_of!(Young, mapping)),
    ("young.index", offset_of!(Young, index)),
];

/// Compares [`LAYOUT`] with what the C compiler laid out.
pub(crate) fn check() -> Result {
    for (i, (what, rust)) in LAYOUT.iter().enumerate() {
        // SAFETY: `kmmscand_abi_offset` only reads its argument.
        let c = unsafe { c::kmmscand_abi_offset(i as c_uint) };
        if c < 0 || c as usize != *rust {
            pr_err!("C/Rust layout mismatch: {what}: C {c}, Rust {rust}\n");
            return Err(EINVAL);
        }
    }
    // SAFETY: As above.
    let past_end = unsafe { c::kmmscand_abi_offset(LAYOUT.len() as c_uint) };
    if past_end != -1 {
        pr_err!("C/Rust layout mismatch: C checks more fields than Rust\n");
        return Err(EINVAL);
    }
    Ok(())
}
