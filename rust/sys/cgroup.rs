// SPDX-License-Identifier: GPL-2.0

//! Memory cgroups named by path (`cgroup_scope`): a counted reference, the
//! membership of a process, the pages a cgroup keeps on a set of nodes.

use core::ptr::NonNull;

use kernel::{
    bindings,
    error::from_err_ptr,
    mm::MmWithUser,
    prelude::*,
    sync::rcu, //
};

use crate::policy::topology::NodeMask;

use super::{
    c,
    node::{
        self,
        NodeId, //
    }, //
};

/// A memory cgroup, held by a reference on its memory controller state.
///
/// # Invariants
///
/// `ptr` points to a `struct mem_cgroup` on which this value owns one
/// reference (its css's, taken by `cgroup_get_e_css()`), dropped with it.
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
        // SAFETY: Reads a static key.
        if unsafe { c::kernel_api::mem_cgroup_disabled() } {
            return Err(ENODEV);
        }
        // SAFETY: `path` is a NUL-terminated string valid for the call.
        let cgrp = from_err_ptr(unsafe { bindings::cgroup_get_from_path(path.as_char_ptr()) })?;
        // The css of the memory controller that governs `cgrp` (its own, or
        // an ancestor's when the controller is not enabled for it), with a
        // reference.
        let subsys = &raw mut bindings::memory_cgrp_subsys;
        // SAFETY: We hold a reference on `cgrp`; the controller is static.
        let css = unsafe { bindings::cgroup_get_e_css(cgrp, subsys) };
        // SAFETY: `css` is referenced; its cgroup is fixed at creation.
        let own = unsafe { (*css).cgroup } == cgrp;
        // SAFETY: We hold the references dropped here: `css`'s if it is an
        // ancestor's (its memory is not the cgroup named), and `cgrp`'s
        // (the css keeps its cgroup alive).
        unsafe {
            if !own {
                c::kernel_api::css_put(css);
            }
            c::kernel_api::cgroup_put(cgrp);
        }
        if !own {
            return Err(Error::from_errno(-(bindings::EOPNOTSUPP as c_int)));
        }
        // SAFETY: `css` is the memory controller's state, embedded in its
        // `mem_cgroup`.
        let ptr = unsafe { c::kernel_api::mem_cgroup_from_css(css) };
        // INVARIANT: The css reference `cgroup_get_e_css()` took is now ours.
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
    ///
    /// These are the per-zone LRU sizes the kernel keeps for each cgroup
    /// (`mem_cgroup_get_zone_lru_size()`), summed under RCU over the
    /// cgroup's subtree (`css_for_each_descendant_pre()`).
    pub(crate) fn pages_on(&self, nodes: NodeMask) -> u64 {
        let _rcu = rcu::read_lock();
        let mut pages: u64 = 0;
        // SAFETY: By the type invariants `ptr` is a referenced memcg, whose
        // `css` is its controller state.
        let root = unsafe { &raw mut (*self.ptr.as_ptr()).css };
        let mut css = core::ptr::null_mut();
        loop {
            // SAFETY: `root` is referenced; `css` is NULL or the previous
            // descendant, which the RCU read lock held keeps valid, as
            // `css_next_descendant_pre()` requires.
            css = unsafe { bindings::css_next_descendant_pre(css, root) };
            if css.is_null() {
                return pages;
            }
            // SAFETY: `css` is a memory controller state (a descendant of a
            // memcg's), embedded in its `mem_cgroup`.
            let memcg = unsafe { c::kernel_api::mem_cgroup_from_css(css) };
            for nid in nodes
                .iter()
                .filter_map(NodeId::new)
                .filter(|&n| node::node_online(n))
            {
                // SAFETY: `memcg` is valid under RCU; the pgdat of a
                // `NodeId` exists.
                let lruvec = unsafe { c::kernel_api::mem_cgroup_lruvec(memcg, nid.pgdat()) };
                for lru in 0..bindings::lru_list_NR_LRU_LISTS {
                    for zid in 0..bindings::MAX_NR_ZONES as c_int {
                        // SAFETY: `lruvec` is `memcg`'s on the node (valid
                        // under RCU); `lru` and `zid` are in range.  The
                        // sizes are counters, read racily by design.
                        let n = unsafe {
                            c::kernel_api::mem_cgroup_get_zone_lru_size(lruvec, lru, zid)
                        };
                        pages = pages.saturating_add(n as u64);
                    }
                }
            }
        }
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
    // SAFETY: `mm` is a live mm (an `mm_users` reference is held through
    // `MmWithUser`).  Returns its owner's memcg with a reference (the root
    // cgroup's when it has none), NULL when memory cgroups are disabled.
    let memcg = unsafe { bindings::get_mem_cgroup_from_mm(mm.as_raw()) };
    if memcg.is_null() {
        return 0;
    }
    let mut bits = 0;
    for (i, cg) in cgroups.iter().take(MAX_MATCH).enumerate() {
        // SAFETY: Both are referenced memcgs (`cg` by its type invariants).
        if unsafe { c::kernel_api::mem_cgroup_is_descendant(memcg, cg.ptr.as_ptr()) } {
            bits |= 1 << i;
        }
    }
    // SAFETY: Drops the reference `get_mem_cgroup_from_mm()` took.
    unsafe { c::kernel_api::mem_cgroup_put(memcg) };
    bits
}
