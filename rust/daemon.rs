// SPDX-License-Identifier: GPL-2.0

//! The `kmmscand` thread: wake up, follow the topology, visit the address
//! spaces that are due, age the hotness state, sleep.
//!
//! Address spaces are found without any hook in fork or exit: a cursor over
//! thread-group ids (`sys::task::next_mm`, RCU only) visits every user
//! process in turn, at most `pace::examine_budget(mms_to_scan)` processes
//! a wake-up (the cursor resumes at the next), and the per-mm state ([`MmState`]) is created the first
//! time an mm is seen and dropped at the end of the first full pass that no
//! longer finds it, or as soon as the daemon is disabled or there is no
//! slow tier.  Nothing here takes a lock that fork, exit or page faults
//! would contend on; the only lock is the tunables mutex, shared with
//! sysfs, held only to copy or replace the values.

#![deny(unsafe_code)]

use kernel::{
    new_mutex,
    prelude::*,
    rbtree::{
        RBTree,
        RBTreeNode, //
    },
    sync::{
        aref::ARef,
        atomic::{
            Atomic,
            Relaxed, //
        },
        Mutex,
    },
    task::Pid,
};

use crate::clock::Clock;
use crate::hotmap::HotSections;
use crate::policy::{
    hotness,
    knobs::Tunables,
    pace,
    topology::{
        NodeMask,
        Topology,
        MAX_NODES, //
    },
    vma::VmFlagBits,
};
use crate::scan::{
    MmState,
    Scanner,
    VisitEnv, //
};
use crate::sys::{
    mm,
    node::{
        self,
        TopologyReader, //
    },
    task::{
        self,
        NextMm,
        Process, //
    },
    thread::{
        ThreadCtx,
        ThreadOwned, //
    },
    vmstat::{
        self,
        count,
        VmEvent, //
    },
};

/// How often the hotness state is aged (ms): half the longest interval the
/// aging rules allow, so that a late wake-up cannot exceed it.  The thread
/// wakes up for it whatever `scan_sleep_ms` is (up to 60 s).
const AGE_EVERY_MS: u64 = hotness::AGE_INTERVAL_BUCKETS as u64 * hotness::BUCKET_MS / 2;

/// Aging later than this after the previous one (the thread was frozen,
/// or starved of CPU) may find records whose 4-bit clock wrapped: they
/// are all cleared instead.
const AGE_LATE_MS: u64 = hotness::AGE_INTERVAL_BUCKETS as u64 * hotness::BUCKET_MS;

// The kernel's formatting macros use their own `Display` trait; node sets
// print as in the policy crate (kernel node-list format).
impl kernel::fmt::Display for NodeMask {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

/// State shared by the thread, the sysfs callbacks and the module.
#[pin_data]
pub(crate) struct Shared {
    /// The knob values.  Held only to read or replace them, never across a
    /// scan: the thread works on a copy taken at each wake-up.
    #[pin]
    tunables: Mutex<Tunables>,
    /// Incremented (under the mutex) by every accepted write: a visit in
    /// progress ends when it changes, so that a write applies at once.
    tunables_gen: Atomic<u64>,
    /// Bytes of memory the hotness state uses (read by sysfs).
    hotness_bytes: Atomic<u64>,
    /// Address spaces the daemon keeps state for (read by sysfs).
    tracked_mms: Atomic<u64>,
    /// The thread's working state, allocated at load time (so a lack of
    /// memory fails `insmod`, not the thread later).
    daemon: ThreadOwned<Daemon>,
}

impl Shared {
    /// Default tunables and a freshly allocated daemon state.
    pub(crate) fn new(daemon: Daemon) -> impl PinInit<Self> {
        pin_init!(Shared {
            tunables <- new_mutex!(Tunables::default(), "kmmscand_tunables"),
            tunables_gen: Atomic::new(0),
            hotness_bytes: Atomic::new(0),
            tracked_mms: Atomic::new(0),
            daemon: ThreadOwned::new(daemon),
        })
    }

    /// A copy of the current tunables.
    pub(crate) fn tunables(&self) -> Tunables {
        *self.tunables.lock()
    }

    /// Replaces the tunables with `f(current)` if it returns `Ok`.
    pub(crate) fn update_tunables<E>(
        &self,
        f: impl FnOnce(&Tunables) -> Result<Tunables, E>,
    ) -> Result<(), E> {
        let mut t = self.tunables.lock();
        *t = f(&t)?;
        self.tunables_gen
            .store(self.tunables_gen.load(Relaxed).wrapping_add(1), Relaxed);
        Ok(())
    }

    /// A copy of the current tunables and their generation.
    fn tunables_and_gen(&self) -> (Tunables, u64) {
        let t = self.tunables.lock();
        (*t, self.tunables_gen.load(Relaxed))
    }

    /// Whether a write was accepted since generation `gen`.
    fn tunables_changed(&self, gen: u64) -> bool {
        self.tunables_gen.load(Relaxed) != gen
    }

    /// Bytes of memory the hotness state uses now.
    pub(crate) fn hotness_bytes(&self) -> u64 {
        self.hotness_bytes.load(Relaxed)
    }

    /// Address spaces the daemon keeps state for now.
    pub(crate) fn tracked_mms(&self) -> u64 {
        self.tracked_mms.load(Relaxed)
    }
}

/// Runs the daemon until the module is unloaded.
pub(crate) fn thread_main(ctx: &ThreadCtx, shared: &Shared) {
    match shared.daemon.claim(ctx) {
        Some(daemon) => daemon.run(ctx, shared),
        // Unreachable: the thread starts once per `Shared`.
        None => pr_err!("daemon state already in use\n"),
    }
}

/// The thread's working state.
pub(crate) struct Daemon {
    /// Per-mm state, keyed by the `mm_struct` address.  Each entry holds an
    /// `mm_count` reference (`ARef<Mm>`), so the address cannot be reused by
    /// another mm while the entry exists.
    mms: RBTree<usize, MmState>,
    /// Entries in `mms`.
    nr_mms: u64,
    /// Buffers of the scan and the promoter.
    scanner: Scanner,
    /// The hotness records of slow-tier memory.
    hot: HotSections,
    /// Memory nodes, tiers and distances, refreshed at each wake-up.
    topo: KBox<Topology>,
    reader: TopologyReader,
    /// The kernel's `vm_flags` bits.
    vm_bits: VmFlagBits,
    /// Milliseconds since load.
    clock: Clock,
    /// Next thread-group id to look at.
    pid_cursor: Pid,
    /// Number of the current pass over all processes.
    pass: u64,
    /// Slow and top-tier nodes last logged.
    logged: Option<(NodeMask, NodeMask)>,
    /// Whether the hotness state must be reconciled with the online
    /// slow-tier memory (at start, after memory hotplug or a tier change,
    /// after the daemon was disabled or a failed allocation).
    rebuild: bool,
    /// When the hotness state was last aged (daemon clock, ms).
    last_age_ms: u64,
    /// Pages the kernel had demoted to a lower tier at this wake-up.
    demoted: u64,
}

impl Daemon {
    /// Allocates the daemon's state.
    pub(crate) fn new() -> Result<Daemon> {
        let t = Tunables::default();
        let clock = Clock::new();
        Ok(Daemon {
            mms: RBTree::new(),
            nr_mms: 0,
            scanner: Scanner::new(clock.now_ms(), &t)?,
            hot: HotSections::new(),
            topo: KBox::new(
                Topology {
                    memory: NodeMask::EMPTY,
                    toptier: NodeMask::EMPTY,
                    distance: [[0; MAX_NODES]; MAX_NODES],
                },
                GFP_KERNEL,
            )?,
            reader: TopologyReader::new()?,
            vm_bits: mm::vm_flag_bits(),
            clock,
            pid_cursor: 0,
            pass: 0,
            logged: None,
            rebuild: true,
            last_age_ms: 0,
            demoted: 0,
        })
    }

    fn run(&mut self, ctx: &ThreadCtx, shared: &Shared) {
        while !ctx.should_stop() {
            let (t, gen) = shared.tunables_and_gen();
            if !t.enabled {
                // Disabled: let go of every mm and of the hotness state, and
                // sleep until a knob write or rmmod wakes us.
                self.let_go(shared);
                ctx.sleep_ms(u32::MAX);
                continue;
            }
            count(VmEvent::Wakeup, 1);
            self.demoted = vmstat::pages_demoted();
            if self.refresh_topology(ctx, shared) {
                self.visit_due_mms(ctx, &t, shared, gen);
                shared.tracked_mms.store(self.nr_mms, Relaxed);
                self.age_if_due(ctx);
            } else {
                self.let_go(shared);
            }
            self.sleep(ctx, shared, t.scan_sleep_ms, gen);
        }
    }

    /// Sleeps `scan_sleep_ms`, waking up to age the hotness state whenever
    /// it is due in between; returns early on a knob write or rmmod.
    fn sleep(&mut self, ctx: &ThreadCtx, shared: &Shared, scan_sleep_ms: u32, gen: u64) {
        let wake_at = self.clock.now_ms().saturating_add(u64::from(scan_sleep_ms));
        loop {
            let now = self.clock.now_ms();
            let ms =
                hotness::next_sleep_ms(now, wake_at, self.last_age_ms.saturating_add(AGE_EVERY_MS));
            if ms == 0 {
                return;
            }
            ctx.sleep_ms(ms.min(u64::from(u32::MAX)) as u32);
            if ctx.should_stop() || shared.tunables_changed(gen) {
                return;
            }
            self.age_if_due(ctx);
        }
    }

    /// Drops every per-mm state (and its `mm_count` reference) and the
    /// hotness state; both are rebuilt when there is work again.
    fn let_go(&mut self, shared: &Shared) {
        self.mms = RBTree::new();
        self.nr_mms = 0;
        self.hot.clear();
        self.rebuild = true;
        shared.hotness_bytes.store(0, Relaxed);
        shared.tracked_mms.store(0, Relaxed);
    }

    /// Re-reads the topology, rebuilds the hotness state when slow-tier
    /// memory changed, and says whether there is anything to do: at least
    /// one slow-tier node and one top-tier node with memory.  Logs changes
    /// of the source and destination nodes and of the memory the hotness
    /// state covers (at start, and when memory such as a CXL region comes
    /// or goes).
    fn refresh_topology(&mut self, ctx: &ThreadCtx, shared: &Shared) -> bool {
        self.reader.read(&mut self.topo);
        let (slow, top) = (self.topo.slow(), self.topo.toptier);
        let active = !slow.is_empty() && !top.is_empty();
        let nodes_changed = self.logged != Some((slow, top));
        if nodes_changed {
            self.logged = Some((slow, top));
            self.rebuild = true;
        }
        if node::memory_changed() {
            self.rebuild = true;
        }
        if !active {
            if nodes_changed {
                pr_info!("no lower-tier memory node (top tier: {top}): idle until one appears\n");
            }
            return false;
        }
        if !self.rebuild {
            return true;
        }
        let r = self.hot.reconcile(ctx, slow);
        shared.hotness_bytes.store(self.hot.bytes(), Relaxed);
        self.rebuild = match r {
            Ok(r) if r.failed > 0 => {
                kernel::pr_warn_once!(
                    "hotness state: no memory for {} sections; their pages are not tracked yet\n",
                    r.failed
                );
                true
            }
            Ok(r) => {
                if nodes_changed || r.added > 0 || r.removed > 0 {
                    pr_info!(
                        "promoting from lower-tier nodes {slow} to top-tier nodes {top}; hotness state {} KiB for {} MiB of lower-tier memory\n",
                        self.hot.bytes() >> 10,
                        (self.hot.pages() << kernel::page::PAGE_SHIFT) >> 20
                    );
                }
                false
            }
            Err(e) => {
                kernel::pr_warn_once!("hotness state: rebuilding failed ({e:?}); trying again\n");
                true
            }
        };
        true
    }

    /// Visits processes from the cursor on, at most `mms_to_scan` due
    /// address spaces, or until the cursor wraps, or until a knob write
    /// (generation `gen` of the tunables `t`) calls for a new wake-up.
    fn visit_due_mms(&mut self, ctx: &ThreadCtx, t: &Tunables, shared: &Shared, gen: u64) {
        let mut visited = 0;
        // Idle processes cost an examination each: bounded per wake-up, the
        // cursor resumes at the next one.
        let mut examined = 0;
        let budget = pace::examine_budget(t.mms_to_scan);
        while visited < t.mms_to_scan
            && examined < budget
            && !ctx.should_stop()
            && !shared.tunables_changed(gen)
        {
            examined += 1;
            match task::next_mm(&mut self.pid_cursor) {
                NextMm::Found(p) => {
                    if self.visit(ctx, &p, t, shared, gen) {
                        visited += 1;
                        // A long visit (a large hot set being promoted) must
                        // not delay the aging past its deadline.
                        self.age_if_due(ctx);
                    }
                    // `p.mm` is dropped here: mmput() outside any lock.
                }
                NextMm::NoneYet => {}
                NextMm::End => {
                    self.end_pass();
                    break;
                }
            }
            // Between visits no lock is held: a suspend need not wait for
            // the rest of the wake-up.
            ctx.freeze_point();
            ctx.cond_resched();
        }
    }

    /// Visits `p` if it is due.  Returns whether it was visited.
    fn visit(
        &mut self,
        ctx: &ThreadCtx,
        p: &Process,
        t: &Tunables,
        shared: &Shared,
        gen: u64,
    ) -> bool {
        let key = p.mm.as_raw() as usize;
        let now = self.clock.now_ms();
        if self.mms.get(&key).is_none() {
            let base: &kernel::mm::Mm = &p.mm;
            let state = MmState::new(ARef::from(base), t, now);
            match RBTreeNode::new(key, state, GFP_KERNEL) {
                Ok(node) => {
                    self.mms.insert(node);
                    self.nr_mms += 1;
                }
                Err(_) => return false, // try again on the next pass
            }
        }
        let Some(state) = self.mms.get_mut(&key) else {
            return false;
        };
        state.last_seen_pass = self.pass;
        let layout = mm::layout_seq(&p.mm);
        if !state.is_due(now, t, layout, self.demoted) {
            return false;
        }
        state.note_changes(layout, self.demoted);
        let env = VisitEnv {
            ctx,
            t,
            live: &shared.tunables,
            gen: &shared.tunables_gen,
            seen_gen: gen,
            topo: &self.topo,
            vm_bits: &self.vm_bits,
            clock: &self.clock,
        };
        self.scanner
            .visit(&env, state, p.pid, &p.mm, p.threads, &mut self.hot);
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
            if self.mms.remove(key).is_some() {
                self.nr_mms -= 1;
            }
        }
        self.pass += 1;
        self.pid_cursor = 0;
    }

    /// Ages the hotness state if it is due.
    fn age_if_due(&mut self, ctx: &ThreadCtx) {
        let now = self.clock.now_ms();
        if now.saturating_sub(self.last_age_ms) < AGE_EVERY_MS {
            return;
        }
        let late = now.saturating_sub(self.last_age_ms) > AGE_LATE_MS;
        self.last_age_ms = now;
        if late {
            // The thread did not run for a while (frozen, starved): a
            // record's age can no longer be told from its clock.
            self.hot.forget_all(ctx);
        } else {
            self.hot.age(ctx, hotness::bucket_of(now));
        }
    }
}
