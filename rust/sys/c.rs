// SPDX-License-Identifier: GPL-2.0

//! The C shim's structures and functions (`c/kmmscand_shim.h`), as bindgen
//! generates them at every build (Kbuild: `shim_bindings.rs`, with the
//! kernel's C flags).  Nothing here is written by hand: a field or a
//! prototype changed on the C side changes the Rust one, and bindgen's
//! layout assertions (size, alignment and every field's offset, checked by
//! the compiler) fail the build if they ever disagreed.  The names below
//! are short aliases for the rest of `sys`; nothing outside `sys` sees
//! these declarations.

#[allow(
    dead_code,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn,
    missing_docs,
    clippy::all,
    clippy::undocumented_unsafe_blocks,
    clippy::ptr_as_ptr,
    clippy::ref_as_ptr,
    clippy::cast_lossless,
    clippy::as_underscore
)]
mod generated {
    include!(env!("KMMSCAND_SHIM_BINDINGS"));
}

pub(super) use generated::*;

/// Node sets are `u64` bitmaps (`KMMSCAND_MAX_NODES`).
pub(super) const MAX_NODES: usize = KMMSCAND_MAX_NODES as usize;

/// Zones per node reported by `kmmscand_node_zone_marks()` at most.
pub(super) const MAX_ZONES: usize = KMMSCAND_MAX_ZONES as usize;

/// `struct kmmscand_topology`.
pub(super) type Topology = kmmscand_topology;
/// `struct kmmscand_mempolicy`.
pub(super) type MemPolicy = kmmscand_mempolicy;
/// `struct kmmscand_thread_nodes`.
pub(super) type ThreadNodes = kmmscand_thread_nodes;
/// `struct kmmscand_young`.
pub(super) type Young = kmmscand_young;
/// `struct kmmscand_folio`.
pub(super) type Folio = kmmscand_folio;
/// `struct kmmscand_migrate_result`.
pub(super) type MigrateResult = kmmscand_migrate_result;
/// `struct kmmscand_vm_flag_bits`.
pub(super) type VmFlagBits = kmmscand_vm_flag_bits;
/// `struct kmmscand_zone_marks`.
pub(super) type ZoneMarks = kmmscand_zone_marks;

/// `struct kmmscand_task`.
pub(super) type Task = kmmscand_task;

/// `enum kmmscand_thread`.
pub(super) const THREAD_MM: kmmscand_thread = kmmscand_thread_KMMSCAND_THREAD_MM;
pub(super) const THREAD_MM_GONE: kmmscand_thread = kmmscand_thread_KMMSCAND_THREAD_MM_GONE;

// The folio facts are one bit set on both sides: the shim's
// `KMMSCAND_FOLIO_*` and the policy crate's `FolioFacts`.
const _: () = {
    use crate::policy::folio::FolioFacts as F;
    assert!(F::ZONE_DEVICE == KMMSCAND_FOLIO_ZONE_DEVICE);
    assert!(F::KSM == KMMSCAND_FOLIO_KSM);
    assert!(F::UNEVICTABLE == KMMSCAND_FOLIO_UNEVICTABLE);
    assert!(F::SHARED == KMMSCAND_FOLIO_SHARED);
    assert!(F::PINNED == KMMSCAND_FOLIO_PINNED);
    assert!(F::DIRTY_FILE == KMMSCAND_FOLIO_DIRTY_FILE);
};
