// SPDX-License-Identifier: GPL-2.0

//! Finding the address spaces of user processes: a cursor over thread-group
//! ids, under RCU, with no hook in fork or exit.

use core::ptr::NonNull;

use kernel::{
    bindings,
    mm::MmWithUser,
    prelude::*,
    sync::aref::ARef,
    task::Pid, //
};

use crate::policy::{
    activity::Activity,
    mempolicy::{
        MemPolicy,
        ThreadPolicies, //
    },
    pace,
    topology::NodeMask,
};

use super::c;

/// Distinct (task policy, cpuset) pairs read per process at most.
const MAX_THREAD_NODES: usize = 16;

/// A user process the cursor found.
pub(crate) struct Process {
    /// Its thread-group id.
    pub(crate) pid: Pid,
    /// Its address space, with an `mm_users` reference (dropped with it).
    pub(crate) mm: ARef<MmWithUser>,
    /// What its threads' task policies and cpusets allow; `None` when its
    /// threads have more distinct constraints than were read.
    pub(crate) threads: Option<ThreadPolicies>,
    /// Its threads' CPU activity when it was found.
    pub(crate) activity: Activity,
}

/// What one step of the cursor found.
pub(crate) enum NextMm {
    /// A user process.
    Found(Process),
    /// Nothing in this step; more pids remain.
    NoneYet,
    /// No pid at or after the cursor: the pass over all processes is done.
    End,
}

/// Converts the shim's policy record.
pub(super) fn mempolicy(raw: &c::MemPolicy) -> Option<MemPolicy> {
    (raw.present != 0).then_some(MemPolicy {
        mode: raw.mode,
        nodes: NodeMask(raw.nodes),
    })
}

/// Advances `cursor` (a thread-group id) to the next user process, if any.
pub(crate) fn next_mm(cursor: &mut Pid) -> NextMm {
    let mut mm: *mut bindings::mm_struct = core::ptr::null_mut();
    let mut raw = [c::ThreadNodes::default(); MAX_THREAD_NODES];
    let mut nr: c_uint = 0;
    let mut pid: c_int = *cursor;
    let mut runtime_ns: u64 = 0;
    let mut runnable = false;
    // SAFETY: All pointers are valid and exclusive for the call; `raw` has
    // room for the `max` entries passed.
    let ret = unsafe {
        c::kmmscand_next_mm(
            &mut pid,
            pace::PIDS_PER_STEP,
            &mut mm,
            raw.as_mut_ptr(),
            MAX_THREAD_NODES as c_uint,
            &mut nr,
            &mut runtime_ns,
            &mut runnable,
        )
    };
    *cursor = pid;
    match ret {
        c::NEXT_FOUND => {
            let Some(mm) = NonNull::new(mm.cast::<MmWithUser>()) else {
                return NextMm::NoneYet;
            };
            // SAFETY: `kmmscand_next_mm` found a process: it took an
            // `mm_users` reference on `mm` (`mmget_not_zero`) that we now
            // own; `MmWithUser` is a transparent wrapper of `mm_struct`.
            let mm = unsafe { ARef::from_raw(mm) };
            let nr = nr as usize;
            let threads = (nr <= MAX_THREAD_NODES).then(|| {
                let mut t = ThreadPolicies::new();
                for tn in &raw[..nr] {
                    t.add(mempolicy(&tn.policy), NodeMask(tn.mems_allowed));
                }
                t
            });
            NextMm::Found(Process {
                // The cursor is one past the process found.
                pid: pid - 1,
                mm,
                threads,
                activity: Activity {
                    runtime_ns,
                    runnable,
                },
            })
        }
        c::NEXT_NONE_YET => NextMm::NoneYet,
        // `NEXT_END`, and (never) an unknown value: wrap around.
        c::NEXT_END => NextMm::End,
        _ => NextMm::End,
    }
}
