// SPDX-License-Identifier: GPL-2.0

//! The `kmmscand` kthread: starting and stopping it ([`KThread`]), what only
//! the thread itself may do ([`ThreadCtx`]), and state that only the thread
//! touches ([`ThreadOwned`]).

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ptr::NonNull;

use kernel::{
    bindings,
    error::from_err_ptr,
    prelude::*,
    sync::atomic::{
        AtomicFlag,
        Full, //
    }, //
};

use super::c;

/// Proof that the code runs on the `kmmscand` thread.
///
/// `kthread_should_stop()` dereferences the current task's kthread data
/// (NULL outside a kthread), and sleeping or rescheduling is only right in
/// the thread's own context, so these operations are methods of this token.
/// It is neither `Send` nor `Sync` and is made once, in the thread's entry
/// point.
///
/// It does not prove that no spinlock or RCU read lock is held; that holds
/// for every Rust caller because no Rust code of the module holds one
/// across a call: the shim takes and drops them within one call
/// (docs/design.rst, "Locks"), and the only lock Rust holds across calls,
/// the mmap read lock (`ScanLock`), is a sleeping lock.  So the thread may
/// sleep wherever it holds a `ThreadCtx`.
///
/// # Invariants
///
/// At most one `ThreadCtx` exists per loaded module, and it lives on the
/// stack of the `kmmscand` kthread, which may sleep.
pub(crate) struct ThreadCtx {
    _not_send: PhantomData<*mut ()>,
}

impl ThreadCtx {
    /// The token of the running thread.
    ///
    /// # Safety
    ///
    /// The caller is the entry function of the `kmmscand` kthread started
    /// by [`KThread::start`], runs in that thread, may sleep, and calls this
    /// once.
    pub(crate) unsafe fn new() -> Self {
        // INVARIANT: By the safety requirements, this is the kthread and the
        // only call.
        ThreadCtx {
            _not_send: PhantomData,
        }
    }

    /// Whether `rmmod` asked the thread to stop.
    pub(crate) fn should_stop(&self) -> bool {
        // SAFETY: By the type invariants we run on the kmmscand kthread, whose
        // kthread data `kthread_should_stop()` reads.
        unsafe { bindings::kthread_should_stop() }
    }

    /// Sleeps up to `ms`; [`wake`] and `rmmod` end the sleep early.  The
    /// system may freeze the thread while it sleeps here.
    pub(crate) fn sleep_ms(&self, ms: u32) {
        // SAFETY: We are the freezable kthread and may sleep (type
        // invariants and documentation).
        unsafe { c::kmmscand_sleep_ms(ms) }
    }

    /// Lets the system freeze the thread here if it is freezing (suspend,
    /// hibernation); returns whether it was frozen.  A wake-up can run
    /// many visits and migrations: without these points a freeze would
    /// wait for all of them.  Call it with no lock held (lockdep reports
    /// freezing with a lock held).
    pub(crate) fn freeze_point(&self) -> bool {
        // SAFETY: We are the freezable kthread and may sleep (type
        // invariants and documentation); it sleeps only during a freeze.
        unsafe { c::kmmscand_try_to_freeze() }
    }

    /// Yields the CPU if another task needs it.
    pub(crate) fn cond_resched(&self) {
        // SAFETY: We are the kthread, in process context, and may sleep
        // (type invariants and documentation).
        unsafe { c::kmmscand_cond_resched() }
    }
}

/// Wakes the thread early (a knob changed, memory came or went).  Any
/// context.
pub(crate) fn wake() {
    // SAFETY: Sets a flag and wakes a static wait queue; safe from any
    // context, whether or not the thread runs.
    unsafe { c::kmmscand_wake() }
}

/// The running `kmmscand` kthread.  Dropping it stops the thread and waits
/// until it has returned.
///
/// # Invariants
///
/// `task` is a referenced kthread created by `kmmscand_thread_create()`
/// and not stopped yet.
pub(crate) struct KThread {
    task: NonNull<bindings::task_struct>,
}

// SAFETY: The task pointer is only used to stop the thread, which any task
// may do.
unsafe impl Send for KThread {}
// SAFETY: `KThread` has no `&self` methods that use the pointer.
unsafe impl Sync for KThread {}

impl KThread {
    /// Creates and starts the thread; it runs the crate's
    /// `kmmscand_rs_thread(ctx)`.
    ///
    /// # Safety
    ///
    /// `ctx` must be valid for what `kmmscand_rs_thread` does with it until
    /// the returned value is dropped.
    pub(crate) unsafe fn start(ctx: *mut c_void) -> Result<KThread> {
        // SAFETY: The caller guarantees `ctx` for the thread's lifetime,
        // which ends before the drop of the returned value returns.
        let task = unsafe { c::kmmscand_thread_create(ctx) };
        let task = NonNull::new(from_err_ptr(task)?).ok_or(ENOMEM)?;
        // INVARIANT: A successful `kmmscand_thread_create` returns a
        // referenced, running kthread.
        Ok(KThread { task })
    }
}

impl Drop for KThread {
    fn drop(&mut self) {
        // SAFETY: By the type invariants the thread was created by the shim
        // and not stopped; this stops it, waits for it and drops the
        // reference, once.
        unsafe { c::kmmscand_thread_stop(self.task.as_ptr()) }
    }
}

/// A value only the `kmmscand` thread uses.
///
/// Module init creates it (before the thread starts) and module exit drops
/// it (after the thread has stopped); in between the thread claims it once
/// ([`ThreadOwned::claim`]) and is its only user.  It needs no lock, so the
/// thread may sleep and be frozen with its state in hand (lockdep forbids
/// freezing with a lock held).
///
/// # Invariants
///
/// `claimed` is set by the one successful `claim`; until then nothing
/// references `value` but the owner of the `ThreadOwned`.
pub(crate) struct ThreadOwned<T> {
    value: UnsafeCell<T>,
    claimed: AtomicFlag,
}

// SAFETY: The value is accessed by one thread at a time: through the one
// reference `claim` hands out (type invariants), or by the owner of the
// `ThreadOwned` when it has `&mut` or drops it.  Handing it to another
// thread needs `T: Send`.
unsafe impl<T: Send> Sync for ThreadOwned<T> {}

impl<T> ThreadOwned<T> {
    /// Wraps `value`.
    pub(crate) fn new(value: T) -> Self {
        // INVARIANT: Not claimed yet.
        ThreadOwned {
            value: UnsafeCell::new(value),
            claimed: AtomicFlag::new(false),
        }
    }

    /// The value, for the thread; `None` if it was claimed before.
    #[expect(
        clippy::mut_from_ref,
        reason = "a one-time claim: the flag makes the returned reference unique"
    )]
    pub(crate) fn claim<'a>(&'a self, _ctx: &'a ThreadCtx) -> Option<&'a mut T> {
        if self.claimed.xchg(true, Full) {
            return None;
        }
        // SAFETY: The first and only successful claim (the flag was clear, now set): no other reference to the
        // value exists (type invariants), and the owner cannot use it while `self` is borrowed for `'a`.
        Some(unsafe { &mut *self.value.get() })
    }
}
