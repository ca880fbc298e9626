// SPDX-License-Identifier: GPL-2.0

//! Finding the address spaces of user processes: a cursor over thread-group
//! ids, under RCU, with no hook in fork or exit.

use core::ptr::NonNull;

use kernel::{
    bindings,
    mm::MmWithUser,
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

/// The mode and nodes of the memory policy `pol`; `None` for no policy
/// (NULL: the task's or the system default applies).
///
/// # Safety
///
/// `pol` is NULL or a `struct mempolicy` the caller keeps alive (a
/// reference, or the lock that protects the pointer it was read from).
pub(super) unsafe fn mempolicy(pol: *const c::kernel_api::mempolicy) -> Option<MemPolicy> {
    // SAFETY: By the function's safety requirements `pol` is NULL or live.
    let pol = unsafe { pol.as_ref() }?;
    Some(MemPolicy {
        mode: pol.mode,
        // Node sets are one word: `MAX_NUMNODES` <= 64, asserted in
        // `sys/node.rs`.
        nodes: NodeMask(pol.nodes.bits[0] as u64),
    })
}

/// Facts about `t` (`PF_KTHREAD`, `PF_EXITING`, `task_is_running()`, its
/// runtime so far), and the runtime of its group's exited threads
/// (`signal->sum_sched_runtime`, ns): read without locks, as
/// `thread_group_cputime()` reads them under RCU.
///
/// # Safety
///
/// `t` is a task the caller found under the RCU read lock it still holds.
unsafe fn task_facts(t: *mut bindings::task_struct) -> (TaskFacts, u64) {
    // SAFETY: `t` and its `signal` (freed with it, after a grace period)
    // are kept valid by the RCU read lock (function safety).  The fields
    // change under us; each is read once (`READ_ONCE()` in C).
    let (flags, state, runtime_ns, exited_ns) = unsafe {
        (
            (*t).flags,
            core::ptr::read_volatile(&raw const (*t).__state),
            core::ptr::read_volatile(&raw const (*t).se.sum_exec_runtime),
            core::ptr::read_volatile(&raw const (*(*t).signal).sum_sched_runtime),
        )
    };
    let facts = TaskFacts {
        kthread: flags & bindings::PF_KTHREAD != 0,
        exiting: flags & bindings::PF_EXITING != 0,
        running: state == bindings::TASK_RUNNING,
        runtime_ns,
    };
    (facts, exited_ns)
}

/// What [`thread_nodes`] found of one thread.
enum ThreadNodes {
    /// The thread has no mm (exiting).
    NoMm,
    /// Its mm is being torn down.
    MmGone,
    /// Its task policy and cpuset.
    Read(Option<MemPolicy>, NodeMask),
}

/// Under `task_lock(t)`, as `get_task_mm()` reads it: whether `t` has an
/// mm, its task policy and cpuset, and, when `*mm` is NULL, an `mm_users`
/// reference on its mm into `*mm`.
///
/// # Safety
///
/// `t` is a task the caller found under the RCU read lock it still holds;
/// `*mm` is NULL or an mm the caller holds an `mm_users` reference on.
unsafe fn thread_nodes(
    t: *mut bindings::task_struct,
    mm: &mut *mut bindings::mm_struct,
) -> ThreadNodes {
    // `task_lock()` keeps `t`'s `mm`, `mempolicy` and `mems_allowed` from
    // changing until `task_unlock()`, and its mm's memory alive while
    // `mm_users` may be raised (`mmget_not_zero()` fails once it is zero).
    // SAFETY: `t` is valid (RCU, function safety); see above.
    unsafe {
        c::kernel_api::task_lock(t);
        let tmm = (*t).mm;
        let ret = if tmm.is_null() {
            ThreadNodes::NoMm
        } else if mm.is_null() && !bindings::mmget_not_zero(tmm) {
            ThreadNodes::MmGone
        } else {
            if mm.is_null() {
                *mm = tmm;
            }
            ThreadNodes::Read(
                mempolicy((*t).mempolicy.cast()),
                NodeMask((*t).mems_allowed.bits[0] as u64),
            )
        };
        c::kernel_api::task_unlock(t);
        ret
    }
}

/// The thread after `t` in `leader`'s thread group, or its first when `t`
/// is NULL (`for_each_thread()`'s order); NULL after the last.
///
/// # Safety
///
/// The caller holds the RCU read lock, under which it found `leader` and
/// `t` (NULL, or a thread of `leader`'s group).
unsafe fn next_thread(
    leader: *mut bindings::task_struct,
    t: *mut bindings::task_struct,
) -> *mut bindings::task_struct {
    if !t.is_null() {
        // SAFETY: `t` is a thread found under the RCU read lock, still held.
        return unsafe { c::kernel_api::__next_thread(t) };
    }
    // `list_first_or_null_rcu(&leader->signal->thread_head, struct
    // task_struct, thread_node)`, a macro: the list's first entry, read
    // once, or NULL when the list is empty.
    // SAFETY: `leader` and its `signal` are valid under the RCU read lock
    // (function safety); the list is RCU-protected, so its first entry, if
    // any, is a task valid until the lock is dropped.
    unsafe {
        let head = &raw mut (*(*leader).signal).thread_head;
        let first = core::ptr::read_volatile(&raw const (*head).next);
        if first == head {
            return core::ptr::null_mut();
        }
        first
            .byte_sub(core::mem::offset_of!(bindings::task_struct, thread_node))
            .cast()
    }
}

/// The thread group whose id is the first pid at or after `nr` (init's
/// namespace): the pid found, and its leader, NULL when that pid is not a
/// thread group's (a thread's, or gone); `None` when no pid is at or after
/// `nr`.
///
/// # Safety
///
/// The caller holds the RCU read lock, which keeps the leader valid.
unsafe fn find_tgid(nr: Pid) -> Option<(Pid, *mut bindings::task_struct)> {
    // SAFETY: The RCU read lock is held (function safety), as
    // `find_ge_pid()` requires; `init_pid_ns` is static.
    let pid = unsafe { bindings::find_ge_pid(nr, &raw mut bindings::init_pid_ns) };
    if pid.is_null() {
        return None;
    }
    // SAFETY: `pid` was found under the RCU read lock, still held.
    let leader = unsafe { bindings::pid_task(pid, bindings::pid_type_PIDTYPE_TGID) };
    // SAFETY: As above.
    Some((unsafe { c::kernel_api::pid_nr(pid) }, leader))
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
        // SAFETY: The RCU read lock is held.
        let Some((found, leader)) = (unsafe { find_tgid(*cursor) }) else {
            return NextMm::End;
        };
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
            t = unsafe { next_thread(leader, t) };
            if t.is_null() {
                break;
            }
            // SAFETY: As above.
            let (tf, _) = unsafe { task_facts(t) };
            act.add(&tf);
            if !activity::reads_thread(&tf) {
                continue;
            }
            // SAFETY: As above; `mm` is null or an mm this loop took a
            // reference on.
            match unsafe { thread_nodes(t, &mut mm) } {
                ThreadNodes::Read(policy, mems_allowed) => threads.add(policy, mems_allowed),
                ThreadNodes::MmGone => break,
                ThreadNodes::NoMm => {}
            }
        }
        let Some(mm) = NonNull::new(mm.cast::<MmWithUser>()) else {
            continue;
        };
        // SAFETY: `thread_nodes` took an `mm_users` reference on
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
