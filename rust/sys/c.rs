// SPDX-License-Identifier: GPL-2.0

//! The C shim's structures and functions (`c/kmmscand_shim.h`).
//!
//! The structures mirror the C ones field by field; [`super::abi::check`]
//! compares every field's offset and every size with the C compiler's when
//! the module loads.  Nothing outside `sys` sees these declarations.

use kernel::{
    bindings,
    prelude::*, //
};

/// Node sets are `u64` bitmaps (`KMMSCAND_MAX_NODES`).
pub(super) const MAX_NODES: usize = 64;

/// Zones per node reported by `kmmscand_node_zone_marks()` at most.
pub(super) const MAX_ZONES: usize = 8;

/// `struct kmmscand_topology`.
#[repr(C)]
pub(super) struct Topology {
    pub(super) memory: u64,
    pub(super) toptier: u64,
    pub(super) distance: [[u8; MAX_NODES]; MAX_NODES],
}

/// `struct kmmscand_mempolicy`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(super) struct MemPolicy {
    pub(super) nodes: u64,
    pub(super) mode: u16,
    pub(super) present: u16,
    pub(super) _pad: u32,
}

/// `struct kmmscand_thread_nodes`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(super) struct ThreadNodes {
    pub(super) policy: MemPolicy,
    pub(super) mems_allowed: u64,
}

/// `enum kmmscand_next`.
pub(super) const NEXT_FOUND: c_uint = 0;
pub(super) const NEXT_NONE_YET: c_uint = 1;
pub(super) const NEXT_END: c_uint = 2;

/// `KMM_YOUNG_UNMOVABLE`.
pub(super) const YOUNG_UNMOVABLE: u32 = 0x1;

/// `struct kmmscand_young`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(super) struct Young {
    pub(super) pfn: u64,
    pub(super) nr_pages: u32,
    pub(super) nid: i16,
    pub(super) target: i16,
    pub(super) flags: u32,
    pub(super) _pad: u32,
    pub(super) addr: u64,
    pub(super) mapping: u64,
    pub(super) index: u64,
}

/// `struct kmmscand_walk`.
#[repr(C)]
pub(super) struct WalkState {
    pub(super) target_of: [i16; MAX_NODES],
    pub(super) young: *mut Young,
    pub(super) max_young: u32,
    pub(super) skip_idle_tables: u32,
    pub(super) nr_young: u32,
    pub(super) _pad: u32,
    pub(super) next_addr: u64,
    pub(super) slow_scanned: u64,
    pub(super) young_pages: u64,
    pub(super) ptables_skipped: u64,
    pub(super) ptables_read: u64,
    pub(super) flush_start: u64,
    pub(super) flush_end: u64,
    pub(super) flush_tables: u64,
    pub(super) node_pages: [u64; MAX_NODES],
}

/// `enum kmmscand_walk_end`.
pub(super) const WALK_DONE: c_int = 0;
pub(super) const WALK_STOPPED: c_int = 1;

/// `struct kmmscand_promote_result`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(super) struct PromoteResult {
    pub(super) isolated: u64,
    pub(super) isolate_failed: u64,
    pub(super) migrated: u64,
    pub(super) migrate_failed: u64,
    pub(super) thp_migrated: u64,
    pub(super) alloc_failed: u64,
}

/// `struct kmmscand_vm_flag_bits`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(super) struct VmFlagBits {
    pub(super) hugetlb: u64,
    pub(super) pfnmap: u64,
    pub(super) mixedmap: u64,
    pub(super) io: u64,
    pub(super) locked: u64,
    pub(super) droppable: u64,
}

/// `struct kmmscand_zone_marks`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(super) struct ZoneMarks {
    pub(super) free: u64,
    pub(super) high: u64,
    pub(super) reserved: u64,
}

// `mm_struct`, `task_struct` and `vm_area_struct` contain `lockdep_map`, an
// empty struct without CONFIG_LOCKDEP, which the lint flags; only pointers
// to them cross this boundary, never values.
#[expect(improper_ctypes)]
extern "C" {
    pub(super) fn kmmscand_abi_offset(which: c_uint) -> c_long;

    pub(super) fn kmmscand_thread_create(ctx: *mut c_void) -> *mut bindings::task_struct;
    pub(super) fn kmmscand_thread_stop(task: *mut bindings::task_struct);
    pub(super) fn kmmscand_should_stop() -> bool;
    pub(super) fn kmmscand_sleep_ms(ms: c_uint);
    pub(super) fn kmmscand_wake();
    pub(super) fn kmmscand_cond_resched();
    pub(super) fn kmmscand_try_to_freeze() -> bool;

    pub(super) fn kmmscand_sysfs_create(
        ctx: *mut c_void,
        names: *const *const c_char,
        modes: *const u16,
        nr: c_uint,
    ) -> *mut bindings::kobject;
    pub(super) fn kmmscand_sysfs_remove(kobj: *mut bindings::kobject);
    pub(super) fn kmmscand_warn_ratelimited(msg: *const c_char);

    pub(super) fn kmmscand_count_event(item: c_uint, delta: u64);

    pub(super) fn kmmscand_memory_notifier_register() -> c_int;
    pub(super) fn kmmscand_memory_notifier_unregister();
    pub(super) fn kmmscand_memory_changed() -> bool;

    pub(super) fn kmmscand_read_topology(topo: *mut Topology);
    pub(super) fn kmmscand_node_valid(nid: c_int) -> bool;
    pub(super) fn kmmscand_node_zone_marks(
        nid: c_int,
        marks: *mut ZoneMarks,
        max: c_uint,
    ) -> c_uint;
    pub(super) fn kmmscand_request_promotion_room(nid: c_int);
    pub(super) fn kmmscand_section_shift() -> c_uint;
    pub(super) fn kmmscand_node_pfn_span(nid: c_int, start_pfn: *mut u64, end_pfn: *mut u64);
    pub(super) fn kmmscand_section_nid(section_nr: u64) -> c_int;

    pub(super) fn kmmscand_next_mm(
        pid: *mut c_int,
        mmp: *mut *mut bindings::mm_struct,
        threads: *mut ThreadNodes,
        max: c_uint,
        nr: *mut c_uint,
        runtime_ns: *mut u64,
        runnable: *mut bool,
    ) -> c_uint;

    pub(super) fn kmmscand_vm_flag_bits(bits: *mut VmFlagBits);
    pub(super) fn kmmscand_vma_accessible(vma: *mut bindings::vm_area_struct) -> bool;
    pub(super) fn kmmscand_vma_migratable(vma: *mut bindings::vm_area_struct) -> bool;
    pub(super) fn kmmscand_vma_policy(
        vma: *mut bindings::vm_area_struct,
        addr: c_ulong,
        pol: *mut MemPolicy,
        end: *mut c_ulong,
    ) -> bool;
    pub(super) fn kmmscand_mmap_contended(mm: *mut bindings::mm_struct) -> bool;
    pub(super) fn kmmscand_mm_has_notifiers(mm: *mut bindings::mm_struct) -> bool;
    pub(super) fn kmmscand_mm_layout_seq(mm: *mut bindings::mm_struct) -> u64;
    pub(super) fn kmmscand_pages_demoted() -> u64;
    pub(super) fn kmmscand_walk_vma(
        vma: *mut bindings::vm_area_struct,
        start: c_ulong,
        end: c_ulong,
        walk: *mut WalkState,
    ) -> c_int;

    /// x86's `<asm/tlbflush.h>` hides its TLB API from modules; kernel
    /// patch 0001 exports `flush_tlb_mm_range()` to this module alone.  Its
    /// prototype, from arch/x86/include/asm/tlbflush.h.
    pub(super) fn flush_tlb_mm_range(
        mm: *mut bindings::mm_struct,
        start: c_ulong,
        end: c_ulong,
        stride_shift: c_uint,
        freed_tables: bool,
    );

    pub(super) fn kmmscand_promote(
        folios: *const Young,
        nr: c_uint,
        target: c_int,
        res: *mut PromoteResult,
    );
    pub(super) fn kmmscand_lru_drain_all();

    pub(super) fn kmmscand_memcg_get(path: *const c_char) -> *mut bindings::mem_cgroup;
    pub(super) fn kmmscand_memcg_put(memcg: *mut bindings::mem_cgroup);
    pub(super) fn kmmscand_memcg_dying(memcg: *mut bindings::mem_cgroup) -> bool;
    pub(super) fn kmmscand_mm_memcg_matches(
        mm: *mut bindings::mm_struct,
        memcgs: *const *mut bindings::mem_cgroup,
        nr: c_uint,
    ) -> u32;
    pub(super) fn kmmscand_memcg_node_pages(memcg: *mut bindings::mem_cgroup, nodes: u64) -> u64;

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
