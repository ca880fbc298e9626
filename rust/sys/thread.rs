// SPDX-License-Identifier: GPL-2.0

//! The `kmmscand` kthread: starting and stopping it ([`KThread`]), what only
//! the thread itself may do ([`ThreadCtx`]), and state that only the thread
//! touches ([`ThreadOwned`]).

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ptr::NonNull;

use kernel::{
    bindings,
    c_str,
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
/// for every Rust caller because the code of `sys` that takes one
/// (`task_lock()`, a page-table lock, an RCU read lock) drops it in the
/// same function and calls no `ThreadCtx` method meanwhile
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
        unsafe { c::kernel_api::try_to_freeze() }
    }

    /// Yields the CPU if another task needs it.
    pub(crate) fn cond_resched(&self) {
        // SAFETY: We are the kthread, in process context, and may sleep
        // (type invariants and documentation).
        unsafe { cond_resched() }
    }
}

/// `cond_resched()`: yields the CPU if another task needs it.  The kernel's
/// is a macro: the debug check `__might_resched()`, which does something
/// only with `CONFIG_DEBUG_ATOMIC_SLEEP` (here [`kernel::task::might_sleep`],
/// only then), then `_cond_resched()`, which follows the preemption model
/// chosen at boot.
///
/// # Safety
///
/// The caller runs in process context and may sleep (no spinlock or RCU
/// read lock held).
pub(super) unsafe fn cond_resched() {
    #[cfg(CONFIG_DEBUG_ATOMIC_SLEEP)]
    kernel::task::might_sleep();
    // SAFETY: By the function's safety requirements, the caller may sleep.
    unsafe { c::kernel_api::_cond_resched() };
}

/// Wakes the thread early (a knob changed, memory came or went).  Any
/// context.
pub(crate) fn wake() {
    // SAFETY: Sets a flag and wakes a static wait queue; safe from any
    // context, whether or not the thread runs.
    unsafe { c::kmmscand_wake() }
}

/// The body of the `kmmscand` kthread.
pub(crate) trait ThreadMain: Sync {
    /// Runs the thread until `ctx.should_stop()`.
    fn run(&self, ctx: &ThreadCtx);
}

/// The kthread's function: marks it freezable and runs `T::run`.
///
/// # Safety
///
/// Called once, by the kthread [`KThread::start`] created, with `data` the
/// `T` given to it, which outlives the thread.
unsafe extern "C" fn thread_fn<T: ThreadMain>(data: *mut c_void) -> c_int {
    // SAFETY: We are a kthread, in process context; the freezer may now
    // freeze us at our freeze points and freezable sleeps.
    unsafe { bindings::set_freezable() };
    // SAFETY: By the function's safety requirements, `data` is a live `T`
    // for the whole run of the thread.
    let main = unsafe { &*data.cast::<T>() };
    // SAFETY: We are the kmmscand kthread's entry, called once.
    let ctx = unsafe { ThreadCtx::new() };
    main.run(&ctx);
    0
}

/// The running `kmmscand` kthread.  Dropping it stops the thread and waits
/// until it has returned.
///
/// It runs at nice 0, like kdamond and kswapd.  At nice 19 (as khugepaged)
/// a machine whose CPUs are busy, the case where promotion matters most,
/// starves it: with 8 busy processes on 2 CPUs nothing was promoted in
/// 60 s.  Its cost is bounded by its pacing and rate-limit knobs instead.
///
/// # Invariants
///
/// `task` is a kthread made by `kthread_create_on_node()`, woken, on which
/// this value holds a reference, and not stopped yet.
pub(crate) struct KThread {
    task: NonNull<bindings::task_struct>,
}

// SAFETY: The task pointer is only used to stop the thread, which any task
// may do.
unsafe impl Send for KThread {}
// SAFETY: `KThread` has no `&self` methods that use the pointer.
unsafe impl Sync for KThread {}

impl KThread {
    /// Creates and starts the thread; it runs `main.run()`.
    ///
    /// # Safety
    ///
    /// `main` must stay valid until the returned value is dropped.
    pub(crate) unsafe fn start<T: ThreadMain>(main: &T) -> Result<KThread> {
        let data = core::ptr::from_ref(main).cast_mut().cast::<c_void>();
        // The thread is stopped before the drop of the returned value
        // returns, so `main` outlives it (the caller's guarantee).
        // SAFETY: `thread_fn::<T>` takes `data`, a `T` that outlives the
        // thread (above); the name is a static string with no conversion.
        let task = unsafe {
            bindings::kthread_create_on_node(
                Some(thread_fn::<T>),
                data,
                bindings::NUMA_NO_NODE,
                c_str!("kmmscand").as_char_ptr(),
            )
        };
        let task = NonNull::new(from_err_ptr(task)?).ok_or(ENOMEM)?;
        // SAFETY: `task` is the new kthread, not running yet: the reference
        // keeps it for `kthread_stop_put()` even if it returned; then it runs.
        unsafe {
            bindings::get_task_struct(task.as_ptr());
            bindings::wake_up_process(task.as_ptr());
        }
        // INVARIANT: Created, referenced and woken just above.
        Ok(KThread { task })
    }
}

impl Drop for KThread {
    fn drop(&mut self) {
        // SAFETY: By the type invariants the thread exists, referenced, and
        // was not stopped; this stops it, waits for it and drops the
        // reference, once.
        unsafe { bindings::kthread_stop_put(self.task.as_ptr()) };
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
