// SPDX-License-Identifier: GPL-2.0

//! Quiet processes: a process none of whose threads ran since every part
//! of its address space was last tested has no Accessed bit to find, so
//! its visit is skipped.
//!
//! The CPU sets a PTE's Accessed bit only when a thread running on that
//! page table touches the page.  The walk clears the bit of every slow-tier
//! page it tests; a sweep tests the whole address space.  So if no thread
//! of the process ran since the start of the last complete sweep, every
//! slow-tier PTE is still old and a visit would find nothing young (and
//! have nothing to promote: promotion needs a second young sighting).
//!
//! Whether a thread ran is read from the scheduler's per-task runtime
//! (`se.sum_exec_runtime`, updated whenever a task stops running and at
//! every tick while it runs), summed over the thread group with the
//! runtime of its exited threads, and from whether a thread is runnable
//! now.  NUMA balancing has the same scope by construction: it scans from
//! the task's own context, so a process that does not run is not scanned.
//! What neither sees: accesses through the page table that no thread of
//! the group makes (another process sharing the mm with `CLONE_VM`, a
//! kernel thread using it, a device with shared virtual addressing);
//! a process sharing its mm with another process is found twice by the
//! cursor with two different runtimes, so it never looks quiet.

/// The CPU activity of a process's threads, read when the cursor finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    /// Runtime of the thread group so far (ns): its live threads' plus
    /// its exited threads'.
    pub runtime_ns: u64,
    /// Whether a thread is running or runnable now (its runtime may not
    /// be up to date yet).
    pub runnable: bool,
}

/// What the process cursor reads of a task, without locks, under RCU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TaskFacts {
    /// `PF_KTHREAD`.
    pub kthread: bool,
    /// `PF_EXITING`.
    pub exiting: bool,
    /// Running or runnable now.
    pub running: bool,
    /// Its runtime so far (ns).
    pub runtime_ns: u64,
}

/// Whether the thread group led by a task with facts `leader` is a user
/// process the cursor takes: not a kernel thread (one that borrowed a
/// process's mm with `kthread_use_mm()` does not own it).
pub const fn is_user_process(leader: &TaskFacts) -> bool {
    !leader.kthread
}

/// Whether the cursor reads the mm, task policy and cpuset of a thread
/// with facts `t`: not while it exits (they are being torn down; its
/// runtime still counts in the group's [`Activity`]).
pub const fn reads_thread(t: &TaskFacts) -> bool {
    !t.exiting
}

impl Activity {
    /// A thread group's activity before its threads are added: the
    /// runtime of its exited threads, `exited_ns`.
    pub const fn exited(exited_ns: u64) -> Self {
        Activity {
            runtime_ns: exited_ns,
            runnable: false,
        }
    }

    /// Adds a live thread with facts `t`.
    pub fn add(&mut self, t: &TaskFacts) {
        self.runtime_ns = self.runtime_ns.wrapping_add(t.runtime_ns);
        self.runnable |= t.running;
    }
}

/// The runtimes at which the tests standing in one address space began.
///
/// # Invariants
///
/// `complete`, when set, is the runtime read before the first test of a
/// sweep that tested the whole address space, and every slow-tier PTE was
/// last tested (its Accessed bit cleared) at or after that read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TestedSince {
    /// Runtime read before the current sweep's first test.
    current: Option<u64>,
    /// The same for the last complete sweep.
    complete: Option<u64>,
}

impl TestedSince {
    /// Nothing tested yet.
    pub const fn new() -> Self {
        TestedSince {
            current: None,
            complete: None,
        }
    }

    /// A visit that starts at the beginning of the address space (the
    /// first tests of a sweep) is about to run; `a` was read before it.
    /// Called again by a later visit that starts there too (one that was
    /// cut before it tested anything), the later, larger, read is kept.
    pub fn sweep_starts(&mut self, a: Activity) {
        self.current = Some(a.runtime_ns);
    }

    /// The current sweep reached the end of the address space.
    pub fn sweep_ended(&mut self) {
        // INVARIANT: the sweep that began after `current` was read tested
        // the whole address space.
        if self.current.is_some() {
            self.complete = self.current;
        }
    }

    /// Whether a visit now would find no young page: no thread ran since
    /// the last complete sweep began and none is runnable.
    pub fn quiet(&self, a: Activity) -> bool {
        !a.runnable && self.complete == Some(a.runtime_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_threads_are_passed_over_and_exiting_threads_only_counted() {
        let user = TaskFacts::default();
        let kthread = TaskFacts {
            kthread: true,
            ..user
        };
        assert!(is_user_process(&user) && !is_user_process(&kthread));
        let exiting = TaskFacts {
            exiting: true,
            running: true,
            runtime_ns: 7,
            ..user
        };
        assert!(reads_thread(&user) && !reads_thread(&exiting));
        let mut a = Activity::exited(100);
        a.add(&TaskFacts {
            runtime_ns: 20,
            ..user
        });
        a.add(&exiting);
        assert_eq!(
            a,
            Activity {
                runtime_ns: 127,
                runnable: true
            }
        );
    }

    /// A state whose last complete sweep began at runtime `r`.
    fn swept_from(r: u64) -> TestedSince {
        let mut t = TestedSince::new();
        t.sweep_starts(idle(r));
        t.sweep_ended();
        t
    }

    fn idle(runtime_ns: u64) -> Activity {
        Activity {
            runtime_ns,
            runnable: false,
        }
    }

    #[test]
    fn never_quiet_before_a_complete_sweep() {
        let mut t = TestedSince::new();
        assert!(!t.quiet(idle(0)));
        t.sweep_starts(idle(5));
        assert!(
            !t.quiet(idle(5)),
            "a sweep begun but not ended tested only part"
        );
        t.sweep_ended();
        assert!(t.quiet(idle(5)));
    }

    #[test]
    fn running_since_the_sweep_began_is_not_quiet() {
        let t = swept_from(100);
        assert!(!t.quiet(idle(101)));
        assert!(t.quiet(idle(100)));
    }

    #[test]
    fn runnable_is_never_quiet() {
        let t = swept_from(7);
        let a = Activity {
            runtime_ns: 7,
            runnable: true,
        };
        assert!(!t.quiet(a), "a running thread's runtime may lag");
    }

    #[test]
    fn mid_sweep_the_previous_sweep_bounds_the_tests() {
        // Sweep 1 began at runtime 10 and ended; sweep 2 began at 20 and
        // tested part of the space: the rest was tested in sweep 1, after
        // 10, and the process ran between 10 and 20.
        let mut t = swept_from(10);
        t.sweep_starts(idle(20));
        assert!(!t.quiet(idle(20)), "ran after the untested part's test");
        assert!(!t.quiet(idle(30)));
        t.sweep_ended();
        assert!(t.quiet(idle(20)));
    }

    #[test]
    fn a_sweep_restarted_keeps_the_later_read() {
        let mut t = TestedSince::new();
        t.sweep_starts(idle(10));
        // The visit was cut before testing anything; the next one starts
        // at the beginning again, later.
        t.sweep_starts(idle(12));
        t.sweep_ended();
        assert!(!t.quiet(idle(10)));
        assert!(t.quiet(idle(12)));
    }

    #[test]
    fn ended_without_a_start_read_does_not_make_it_quiet() {
        let mut t = TestedSince::new();
        t.sweep_ended();
        assert!(!t.quiet(idle(0)));
    }
}
