// SPDX-License-Identifier: GPL-2.0

//! Finding the address spaces of user processes: a cursor over thread-group
//! ids, under RCU, with no hook in fork or exit.

use core::ptr::NonNull;

use kernel::{
    bindings,
    mm::MmWithUser,
    prelude::*,
    sync::{
        aref::ARef,
        rcu, //
    },
    task::Pid, //
};

use crate::policy::{
    activity::{
        self,
        Activity,
        TaskFacts, //
    },
    mempolicy::{
        MemPolicy,
        ThreadPolicies, //
    },
    pace,
    topology::NodeMask,
};

use super::c;

/// A user process the cursor found.
pub(crate) struct Process {
    /// Its thread-group id.
    pub(crate) pid: Pid,
    /// Its address space, with an `mm_users` reference (dropped with it).
    pub(crate) mm: ARef<MmWithUser>,
    /// What its threads' task policies and cpusets allow.
    pub(crate) threads: ThreadPolicies,
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

/// What the shim read of `t`, and the runtime of its group's exited
/// threads (ns).
///
/// # Safety
///
/// `t` is a task the caller found under the RCU read lock it still holds.
unsafe fn task_facts(t: *mut bindings::task_struct) -> (TaskFacts, u64) {
    let mut raw = c::Task::default();
    // SAFETY: `t` is kept valid by the RCU read lock (function safety);
    // `raw` is valid for writes.
    unsafe { c::kmmscand_task_read(t, &mut raw) };
    let facts = TaskFacts {
        kthread: raw.kthread,
        exiting: raw.exiting,
        running: raw.running,
        runtime_ns: raw.runtime_ns,
    };
    (facts, raw.exited_ns)
}

/// Advances `cursor` (a thread-group id) to the next user process, if any,
/// looking at [`pace::PIDS_PER_STEP`] pids at most under one RCU read
/// lock.  A process is found with a reference on its mm (from the first of
/// its threads that has one: a process whose group leader exited, by
/// `pthread_exit()` in `main`, is still found), what all its threads'
/// task policies and cpusets allow, and its threads' activity.  No lock
/// that fork or exit contends on is taken but `task_lock()` of one thread
/// at a time, as `get_task_mm()` takes it.
pub(crate) fn next_mm(cursor: &mut Pid) -> NextMm {
    let _rcu = rcu::read_lock();
    for _ in 0..pace::PIDS_PER_STEP {
        let mut found: c_int = -1;
        // SAFETY: The RCU read lock is held; `found` is valid for writes.
        let leader = unsafe { c::kmmscand_find_tgid(*cursor, &mut found) };
        if found < 0 {
            return NextMm::End;
        }
        *cursor = found.saturating_add(1);
        if leader.is_null() {
            continue;
        }
        // SAFETY: `leader` was found under the RCU read lock, still held.
        let (facts, exited_ns) = unsafe { task_facts(leader) };
        if !activity::is_user_process(&facts) {
            continue;
        }
        let mut act = Activity::exited(exited_ns);
        let mut threads = ThreadPolicies::new();
        let mut mm: *mut bindings::mm_struct = core::ptr::null_mut();
        let mut t: *mut bindings::task_struct = core::ptr::null_mut();
        loop {
            // SAFETY: `leader` and `t` (null, or a thread of its group) were
            // found under the RCU read lock, still held.
            t = unsafe { c::kmmscand_next_thread(leader, t) };
            if t.is_null() {
                break;
            }
            // SAFETY: As above.
            let (tf, _) = unsafe { task_facts(t) };
            act.add(&tf);
            if !activity::reads_thread(&tf) {
                continue;
            }
            let mut nodes = c::ThreadNodes::default();
            // SAFETY: As above; `mm` is null or an mm this loop took a
            // reference on; `nodes` is valid for writes.
            match unsafe { c::kmmscand_thread_nodes(t, &mut mm, &mut nodes) } {
                c::THREAD_MM => threads.add(mempolicy(&nodes.policy), NodeMask(nodes.mems_allowed)),
                c::THREAD_MM_GONE => break,
                _ => {}
            }
        }
        let Some(mm) = NonNull::new(mm.cast::<MmWithUser>()) else {
            continue;
        };
        // SAFETY: `kmmscand_thread_nodes` took an `mm_users` reference on
        // `mm` (`mmget_not_zero`) that we now own; `MmWithUser` is a
        // transparent wrapper of `mm_struct`.
        let mm = unsafe { ARef::from_raw(mm) };
        return NextMm::Found(Process {
            pid: found,
            mm,
            threads,
            activity: act,
        });
    }
    NextMm::NoneYet
}
