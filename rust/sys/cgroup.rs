// SPDX-License-Identifier: GPL-2.0

//! Memory cgroups named by path (`cgroup_scope`): a counted reference, the
//! membership of a process, the pages a cgroup keeps on a set of nodes.

use core::ptr::NonNull;

use kernel::{
    bindings,
    error::from_err_ptr,
    mm::MmWithUser,
    prelude::*, //
};

use crate::policy::topology::NodeMask;

use super::c;

/// A memory cgroup, held by a reference on its memory controller state.
///
/// # Invariants
///
/// `ptr` points to a `struct mem_cgroup` on which this value owns one
/// reference (taken by `kmmscand_memcg_get`), dropped with it.
pub(crate) struct MemCgroup {
    ptr: NonNull<bindings::mem_cgroup>,
}

// SAFETY: The reference is a css reference, which any task may drop
// (`css_put` is callable from any context); the cgroup is not mutated
// through this pointer.
unsafe impl Send for MemCgroup {}
// SAFETY: The `&self` methods only read the cgroup under the kernel's own
// synchronisation (RCU, atomic flags), from any task.
unsafe impl Sync for MemCgroup {}

impl MemCgroup {
    /// The memory cgroup at the cgroup v2 path `path` (from the root of the
    /// hierarchy).  `ENOENT`: no such cgroup; `EOPNOTSUPP`: the memory
    /// controller is not enabled for it; `ENODEV`: memory cgroups are
    /// disabled.
    pub(crate) fn from_path(path: &CStr) -> Result<MemCgroup> {
        // SAFETY: `path` is a NUL-terminated string valid for the call.
        let ptr = from_err_ptr(unsafe { c::kmmscand_memcg_get(path.as_char_ptr()) })?;
        // INVARIANT: A pointer that is not an error carries the reference
        // `kmmscand_memcg_get` took for us.
        Ok(MemCgroup {
            ptr: NonNull::new(ptr).ok_or(ENOENT)?,
        })
    }

    /// Whether the cgroup was removed since it was looked up.  A removed
    /// cgroup has no process and can get none: it selects nothing.
    pub(crate) fn is_removed(&self) -> bool {
        // SAFETY: By the type invariants `ptr` is a referenced memcg, whose
        // `css` is its controller state.
        unsafe { c::kernel_api::css_is_dying(&raw mut (*self.ptr.as_ptr()).css) }
    }

    /// Pages on the LRU lists of the cgroup and its descendants, on the
    /// nodes of `nodes`.
    pub(crate) fn pages_on(&self, nodes: NodeMask) -> u64 {
        // SAFETY: By the type invariants `ptr` is a referenced memcg.
        unsafe { c::kmmscand_memcg_node_pages(self.ptr.as_ptr(), nodes.0) }
    }
}

impl Drop for MemCgroup {
    fn drop(&mut self) {
        // SAFETY: By the type invariants we own one reference on `ptr`.
        unsafe { c::kernel_api::mem_cgroup_put(self.ptr.as_ptr()) }
    }
}

/// Most cgroups [`matches`] compares a process with.
pub(crate) const MAX_MATCH: usize = 32;

/// Which of `cgroups` hold the memory cgroup of `mm`'s owner (the root
/// cgroup when it has none): bit `i` is set when `cgroups[i]` is that cgroup
/// or one of its ancestors.  Only the first [`MAX_MATCH`] are compared.
pub(crate) fn matches(mm: &MmWithUser, cgroups: &[MemCgroup]) -> u32 {
    let mut ptrs = [core::ptr::null_mut(); MAX_MATCH];
    let nr = cgroups.len().min(MAX_MATCH);
    for (p, cg) in ptrs.iter_mut().zip(cgroups) {
        *p = cg.ptr.as_ptr();
    }
    // SAFETY: `mm` is a live mm (an `mm_users` reference is held through
    // `MmWithUser`); `ptrs[..nr]` are referenced memcgs (the type
    // invariants of `cgroups`, borrowed for the call).
    unsafe { c::kmmscand_mm_memcg_matches(mm.as_raw(), ptrs.as_ptr(), nr as c_uint) }
}
