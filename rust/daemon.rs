// SPDX-License-Identifier: GPL-2.0

//! The `kmmscand` thread: wake up, visit the address spaces that are due,
//! sleep.
//!
//! Address spaces are found without any hook in fork or exit: a cursor over
//! thread-group ids (`ffi::next_mm`, RCU only) visits every user process in
//! turn, and the per-mm state ([`MmState`]) is created the first time an mm
//! is seen and dropped at the end of the first full pass that no longer
//! finds it.  Nothing here takes a lock that fork, exit or page faults would
//! contend on; the only lock is the tunables mutex, shared with sysfs.

use kernel::{
    mm::{
        Mm,
        MmWithUser, //
    },
    new_mutex,
    prelude::*,
    rbtree::{
        RBTree,
        RBTreeNode, //
    },
    sync::Mutex,
    sync::aref::ARef,
};

use crate::ffi::{
    self,
    NextMm,
    TaskNodes, //
};
use crate::policy::knobs::Tunables;
use crate::scan::{
    MmState,
    Scanner, //
};
use crate::stats::{
    count,
    VmEvent, //
};

/// State shared by the thread, the sysfs callbacks and the module.
#[pin_data]
pub(crate) struct Shared {
    /// The knob values.  Held only to read or replace them, never across
    /// a scan: the thread works on a copy taken at each wake-up.
    #[pin]
    tunables: Mutex<Tunables>,
    /// The thread's working state, allocated at load time (so a lack of
    /// memory fails `insmod`, not the thread later) and taken by the thread
    /// when it starts.
    #[pin]
    daemon: Mutex<Option<KBox<Daemon>>>,
}

impl Shared {
    /// Default tunables and a freshly allocated daemon state.
    pub(crate) fn new(daemon: KBox<Daemon>) -> impl PinInit<Self> {
        pin_init!(Shared {
            tunables <- new_mutex!(Tunables::default(), "kmmscand_tunables"),
            daemon <- new_mutex!(Some(daemon), "kmmscand_daemon"),
        })
    }

    /// A copy of the current tunables.
    pub(crate) fn tunables(&self) -> Tunables {
        *self.tunables.lock()
    }

    /// Replaces the tunables with `f(current)` if it returns `Ok`.
    pub(crate) fn update_tunables<E>(&self, f: impl FnOnce(&Tunables) -> Result<Tunables, E>) -> Result<(), E> {
        let mut t = self.tunables.lock();
        *t = f(&t)?;
        Ok(())
    }
}

/// Runs the daemon until the module is unloaded.
pub(crate) fn thread_main(shared: &Shared) {
    let daemon = shared.daemon.lock().take();
    let Some(mut daemon) = daemon else {
        // Unreachable: the thread starts once per `Shared`.
        return;
    };
    daemon.run(shared);
}

/// The thread's working state.
pub(crate) struct Daemon {
    /// Per-mm state, keyed by the `mm_struct` address.  Each entry holds an
    /// `mm_count` reference (`ARef<Mm>`), so the address cannot be reused by
    /// another mm while the entry exists.
    mms: RBTree<usize, MmState>,
    /// Scratch space and state of the scanner (topology, hotness history,
    /// buffers, rate limit).
    scanner: Scanner,
    /// Next thread-group id to look at.
    pid_cursor: i32,
    /// Number of the current pass over all processes.
    pass: u64,
}

impl Daemon {
    /// Allocates the daemon's state.
    pub(crate) fn new() -> Result<KBox<Daemon>> {
        Ok(KBox::new(
            Daemon {
                mms: RBTree::new(),
                scanner: Scanner::new()?,
                pid_cursor: 0,
                pass: 0,
            },
            GFP_KERNEL,
        )?)
    }

    fn run(&mut self, shared: &Shared) {
        while !ffi::should_stop() {
            let t = shared.tunables();
            if t.enabled {
                count(VmEvent::Wakeup, 1);
                self.scan_due_mms(&t);
                ffi::sleep_ms(t.scan_sleep_ms);
            } else {
                // Disabled: sleep until a knob write or rmmod wakes us.
                ffi::sleep_ms(u32::MAX);
            }
        }
    }

    /// Visits processes from the cursor on, scanning at most `mms_to_scan`
    /// address spaces that are due, or until the cursor wraps.
    fn scan_due_mms(&mut self, t: &Tunables) {
        if !self.scanner.refresh_topology() {
            return; // no slow-tier memory, or no top tier: nothing to promote
        }
        let mut scanned = 0;
        while scanned < t.mms_to_scan && !ffi::should_stop() {
            match ffi::next_mm(&mut self.pid_cursor) {
                NextMm::Found(pid, mm, nodes) => {
                    if self.visit(pid, &mm, nodes, t) {
                        scanned += 1;
                    }
                    // `mm` is dropped here: mmput() outside any lock.
                }
                NextMm::Continue => {}
                NextMm::End => {
                    self.end_pass();
                    break;
                }
            }
            ffi::cond_resched();
        }
    }

    /// Scans `mm` if it is due.  Returns whether it was scanned.
    fn visit(&mut self, pid: i32, mm: &MmWithUser, nodes: TaskNodes, t: &Tunables) -> bool {
        let key = mm.as_raw() as usize;
        let now = ffi::now_ms();
        if self.mms.get(&key).is_none() {
            let base: &Mm = mm;
            let state = MmState::new(ARef::from(base), t, now);
            match RBTreeNode::new(key, state, GFP_KERNEL) {
                Ok(node) => {
                    self.mms.insert(node);
                }
                Err(_) => return false, // try again on the next pass
            }
        }
        let Some(state) = self.mms.get_mut(&key) else {
            return false;
        };
        state.last_seen_pass = self.pass;
        if !state.is_due(now, t) {
            return false;
        }
        self.scanner.scan_mm(state, pid, mm, nodes, t);
        true
    }

    /// The cursor went past the last process: forget the mms that this
    /// pass did not find (their processes exited or exec'd).
    fn end_pass(&mut self) {
        count(VmEvent::FullPass, 1);
        let mut stale = KVec::new();
        for (key, state) in self.mms.iter() {
            if state.last_seen_pass != self.pass && stale.push(*key, GFP_KERNEL).is_err() {
                break; // the rest goes on the next pass
            }
        }
        for key in stale.iter() {
            // Dropping the state drops its `mm_count` reference.
            drop(self.mms.remove(key));
        }
        self.pass += 1;
        self.pid_cursor = 0;
    }
}
