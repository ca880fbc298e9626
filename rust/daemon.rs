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
            Acquire,
            Atomic,
            Relaxed,
            Release, //
        },
        Mutex,
    },
    task::Pid,
};

use crate::cgroup_scope::Scope;
use crate::clock::Clock;
use crate::hot_sections::HotSections;
use crate::policy::{
    hotness,
    knobs::Tunables,
    pace,
    room::{
        room_above_high,
        ZoneMarks, //
    },
    thrash,
    topology::{
        NodeMask,
        Topology,
        MAX_NODES, //
    },
    turns,
    vma::VmFlagBits,
};
use crate::promote::PingPong;
use crate::scan::{
    MmState,
    Scanner,
    VisitEnv, //
};
use crate::sys::{
    mm,
    node::{
        self,
        NodeId, //
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

/// What [`Daemon::visit`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visited {
    /// Nothing: the process was not due.
    No,
    /// A visit.
    Yes,
    /// A visit that had its turn with more to promote at once.
    TurnOver,
}

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
    /// The cgroups `cgroup_scope` names and their counters.  Held by the
    /// thread only to judge a process, read its cap or count a visit; by
    /// sysfs to show or replace it.
    #[pin]
    scope: Mutex<Scope>,
    /// Bytes of memory the hotness state uses (read by sysfs).
    hotness_bytes: Atomic<u64>,
    /// Address spaces the daemon keeps state for (read by sysfs).
    tracked_mms: Atomic<u64>,
    /// Of those, the ones found quiet in the last full pass (read by sysfs).
    quiet_mms: Atomic<u64>,
    /// Pages promoted, demoted and found hot again (read by sysfs).
    pingpong_pages: Atomic<u64>,
    /// Times room-making was held (read by sysfs).
    room_holds: Atomic<u64>,
    /// Probes done, and the page tables they found accessed (read by
    /// sysfs).
    probes: Atomic<u64>,
    probe_tables_woken: Atomic<u64>,
    /// When the current or last hold of room-making ends, on `clock`
    /// (ms; read by sysfs).
    room_hold_until_ms: Atomic<u64>,
    /// The daemon's clock (sysfs reads how much of a hold is left).
    clock: Clock,
    /// The thread's working state, allocated at load time (so a lack of
    /// memory fails `insmod`, not the thread later).
    daemon: ThreadOwned<Daemon>,
}

impl Shared {
    /// Default tunables and a freshly allocated daemon state.
    pub(crate) fn new(daemon: Daemon) -> impl PinInit<Self> {
        let clock = daemon.clock;
        pin_init!(Shared {
            tunables <- new_mutex!(Tunables::default(), "kmmscand_tunables"),
            tunables_gen: Atomic::new(0),
            scope <- new_mutex!(Scope::all(), "kmmscand_scope"),
            hotness_bytes: Atomic::new(0),
            tracked_mms: Atomic::new(0),
            quiet_mms: Atomic::new(0),
            pingpong_pages: Atomic::new(0),
            room_holds: Atomic::new(0),
            probes: Atomic::new(0),
            probe_tables_woken: Atomic::new(0),
            room_hold_until_ms: Atomic::new(0),
            clock,
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

    /// The cgroup scope, locked.
    pub(crate) fn scope(&self) -> kernel::sync::MutexGuard<'_, Scope> {
        self.scope.lock()
    }

    /// Replaces the cgroup scope (an accepted `cgroup_scope` write) and
    /// ends a visit in progress, as a knob write does.
    pub(crate) fn replace_scope(&self, new: Scope) {
        let old = self.scope.lock().replace(new);
        // The old references are dropped outside the lock.
        drop(old);
        let _t = self.tunables.lock();
        self.tunables_gen
            .store(self.tunables_gen.load(Relaxed).wrapping_add(1), Relaxed);
    }

    /// Bytes of memory the hotness state uses now.
    pub(crate) fn hotness_bytes(&self) -> u64 {
        self.hotness_bytes.load(Relaxed)
    }

    /// Address spaces the daemon keeps state for now.
    pub(crate) fn tracked_mms(&self) -> u64 {
        self.tracked_mms.load(Relaxed)
    }

    /// Address spaces the last full pass found quiet.
    pub(crate) fn quiet_mms(&self) -> u64 {
        self.quiet_mms.load(Relaxed)
    }

    /// Pages found hot on the slow tier after the promoter had moved them
    /// (ping-pong), since load.
    pub(crate) fn pingpong_pages(&self) -> u64 {
        self.pingpong_pages.load(Relaxed)
    }

    /// Times room-making was held, since load.
    pub(crate) fn room_holds(&self) -> u64 {
        self.room_holds.load(Relaxed)
    }

    /// Probes of watched address spaces done since load
    /// ([`crate::policy::probe`]).
    pub(crate) fn probes(&self) -> u64 {
        self.probes.load(Relaxed)
    }

    /// Page tables the probes found accessed (and walked) since load.
    pub(crate) fn probe_tables_woken(&self) -> u64 {
        self.probe_tables_woken.load(Relaxed)
    }

    /// How much longer room-making is held now (ms; 0: not held).  A hold
    /// that begins during a visit shows when the visit ends; one that ends
    /// shows at once, so a reader that sees a hold with `room_holds`
    /// unchanged since an earlier reading saw the same hold throughout.
    pub(crate) fn room_hold_ms(&self) -> u64 {
        // Acquire: pairs with the Release in `publish_pingpong`, so that a
        // reader of `room_holds` after this sees the count of this hold.
        let until = self.room_hold_until_ms.load(Acquire);
        until.saturating_sub(self.clock.now_ms())
    }

    /// Publishes the ping-pong counters for sysfs.
    fn publish_pingpong(&self, pp: &PingPong) {
        self.pingpong_pages.store(pp.returned_pages, Relaxed);
        self.room_holds.store(pp.holds, Relaxed);
        self.room_hold_until_ms.store(pp.hold_until_ms, Release);
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
    /// Entries found quiet by the last look in the last full pass.
    nr_quiet: u64,
    /// Buffers of the scan and the promoter.
    scanner: Scanner,
    /// The hotness records of slow-tier memory.
    hot: HotSections,
    /// Memory nodes, tiers and distances, refreshed at each wake-up.
    topo: KBox<Topology>,
    /// The kernel's `vm_flags` bits.
    vm_bits: VmFlagBits,
    /// Milliseconds since load.
    clock: Clock,
    /// Next thread-group id to look at.
    pid_cursor: Pid,
    /// The processes whose turn ended with more to promote.
    turns: turns::Queue,
    /// The last processes that had work, for the length of a turn.
    contenders: turns::Contenders,
    /// Number of the current pass over all processes.
    pass: u64,
    /// Slow and top-tier nodes last logged.
    logged: Option<(NodeMask, NodeMask)>,
    /// Whether the hotness state must be reconciled with the online
    /// slow-tier memory (at start, after memory hotplug or a tier change,
    /// after the daemon was disabled or a failed allocation).
    rebuild: bool,
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
            nr_quiet: 0,
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
            vm_bits: mm::vm_flag_bits(),
            clock,
            pid_cursor: 0,
            turns: turns::Queue::new(),
            contenders: turns::Contenders::new(),
            pass: 0,
            logged: None,
            rebuild: true,
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
            self.scanner.new_wakeup();
            self.demoted = vmstat::pages_demoted();
            let mut more = false;
            if self.refresh_topology(ctx, shared) {
                // Room-making held and no room anywhere: every candidate
                // would be refused, so nothing is visited.
                if !self.parked() {
                    more = self.visit_due_mms(ctx, &t, shared, gen);
                }
                shared.tracked_mms.store(self.nr_mms, Relaxed);
                shared.quiet_mms.store(self.nr_quiet, Relaxed);
                shared.publish_pingpong(&self.scanner.pingpong());
                self.age_if_due(ctx);
            } else {
                self.let_go(shared);
            }
            if more {
                // Hot memory still to promote: wake up again at once.
                ctx.freeze_point();
                ctx.cond_resched();
            } else {
                self.sleep(ctx, shared, t.scan_sleep_ms, gen);
            }
        }
    }

    /// Whether to visit nothing this wake-up ([`thrash::parked`]; the
    /// zones are read only while room-making is held).
    fn parked(&self) -> bool {
        let mut marks = [ZoneMarks::default(); node::MAX_ZONES];
        thrash::parked(
            self.scanner.room_held(self.clock.now_ms()),
            self.topo
                .toptier
                .iter()
                .filter_map(NodeId::new)
                .map(|nid| room_above_high(node::zone_marks(nid, &mut marks))),
        )
    }

    /// Sleeps `scan_sleep_ms`, or until the first recheck still to come if
    /// that is sooner ([`pace::wake_at_ms`]; one pass over the tracked mms),
    /// waking up to age the hotness state whenever it is due in between;
    /// returns early on a knob write or rmmod.
    fn sleep(&mut self, ctx: &ThreadCtx, shared: &Shared, scan_sleep_ms: u32, gen: u64) {
        let rechecks = self.mms.values().filter_map(MmState::recheck_due_ms);
        let wake_at = pace::wake_at_ms(self.clock.now_ms(), scan_sleep_ms, rechecks);
        loop {
            let now = self.clock.now_ms();
            let ms = hotness::next_sleep_ms(now, wake_at, self.hot.next_age_ms());
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
        self.nr_quiet = 0;
        self.turns.clear();
        self.contenders.clear();
        self.hot.clear();
        self.rebuild = true;
        shared.hotness_bytes.store(0, Relaxed);
        shared.tracked_mms.store(0, Relaxed);
        shared.quiet_mms.store(0, Relaxed);
    }

    /// Re-reads the topology, rebuilds the hotness state when slow-tier
    /// memory changed, and says whether there is anything to do: at least
    /// one slow-tier node and one top-tier node with memory.  Logs changes
    /// of the source and destination nodes and of the memory the hotness
    /// state covers (at start, and when memory such as a CXL region comes
    /// or goes).
    fn refresh_topology(&mut self, ctx: &ThreadCtx, shared: &Shared) -> bool {
        node::read_topology(&mut self.topo);
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
    /// (generation `gen` of the tunables `t`) calls for a new wake-up; then
    /// the processes whose turn ended with more to promote
    /// ([`turns::Queue`]), in turn, for up to [`turns::TURNS_SLICE_MS`].
    /// Returns whether some still have more to promote at once.
    fn visit_due_mms(&mut self, ctx: &ThreadCtx, t: &Tunables, shared: &Shared, gen: u64) -> bool {
        let mut more = false;
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
                    let v = self.visit(ctx, &p, t, shared, gen);
                    if v != Visited::No {
                        visited += 1;
                        // A long visit (a large hot set being promoted) must
                        // not delay the aging past its deadline.
                        self.age_if_due(ctx);
                    }
                    if v == Visited::TurnOver && !self.turns.note(p.pid) {
                        // Due at once: the cursor visits it again.
                        more = true;
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
        self.visit_turns(ctx, t, shared, gen);
        more || !self.turns.is_empty()
    }

    /// Visits the queued processes in turn, each found again by its pid
    /// (one that exited is dropped), for up to [`turns::TURNS_SLICE_MS`]
    /// (at least one visit); those not reached stay first in the queue.
    fn visit_turns(&mut self, ctx: &ThreadCtx, t: &Tunables, shared: &Shared, gen: u64) {
        let start = self.clock.now_ms();
        let mut tried = 0;
        while !self.turns.is_empty() {
            let round = self.turns.take();
            for (i, &pid) in round.pids().iter().enumerate() {
                let slice_over =
                    tried > 0 && self.clock.now_ms().saturating_sub(start) >= turns::TURNS_SLICE_MS;
                if slice_over || ctx.should_stop() || shared.tunables_changed(gen) {
                    let mut next = turns::Queue::new();
                    for &p in Iterator::chain(round.pids()[i..].iter(), self.turns.pids()) {
                        next.note(p);
                    }
                    self.turns = next;
                    return;
                }
                tried += 1;
                let mut cursor = pid;
                if let NextMm::Found(p) = task::next_mm(&mut cursor) {
                    if p.pid == pid {
                        let v = self.visit(ctx, &p, t, shared, gen);
                        if v != Visited::No {
                            self.age_if_due(ctx);
                        }
                        if v == Visited::TurnOver {
                            self.turns.note(pid);
                        }
                    }
                }
                ctx.freeze_point();
                ctx.cond_resched();
            }
        }
    }

    /// Visits `p` if it is due.  Returns whether it was visited, and if
    /// its turn ended with more to do at once.
    fn visit(
        &mut self,
        ctx: &ThreadCtx,
        p: &Process,
        t: &Tunables,
        shared: &Shared,
        gen: u64,
    ) -> Visited {
        // Out of the cgroup scope: no state, no visit.
        let judged = shared.scope().judge(&p.mm);
        if !judged.admitted {
            return Visited::No;
        }
        let key = p.mm.as_raw() as usize;
        let now = self.clock.now_ms();
        if self.mms.get(&key).is_none() {
            let base: &kernel::mm::Mm = &p.mm;
            let state = MmState::new(ARef::from(base), t, now);
            match RBTreeNode::new(key, state, GFP_KERNEL | __GFP_NOWARN) {
                Ok(node) => {
                    self.mms.insert(node);
                    self.nr_mms += 1;
                }
                Err(_) => return Visited::No, // try again on the next pass
            }
        }
        let Some(state) = self.mms.get_mut(&key) else {
            return Visited::No;
        };
        state.last_seen_pass = self.pass;
        if state.quiet(p.activity) {
            // No thread ran since its last sweep began: nothing to find.
            return Visited::No;
        }
        let layout = mm::layout_seq(&p.mm);
        // Not due: a probe of the tables its sweeps found idle, if it is
        // watched and its last probe was long enough ago, unless
        // room-making is held (what a probe finds would be refused).
        let probing = !state.is_due(now, t, layout, self.demoted);
        if probing && (!state.probe_due(now) || self.scanner.room_held(now)) {
            return Visited::No;
        }
        if !probing {
            state.note_changes(layout, self.demoted);
            state.visit_starts(p.activity);
        }
        let cap_left = shared
            .scope()
            .cap_left(&judged, t.cgroup_toptier_max_mb, self.topo.toptier);
        let env = VisitEnv {
            ctx,
            t,
            live: &shared.tunables,
            gen: &shared.tunables_gen,
            seen_gen: gen,
            topo: &self.topo,
            vm_bits: &self.vm_bits,
            clock: &self.clock,
            turn: self.contenders.turn_for(p.pid, now),
            cap_left,
        };
        let done = if probing {
            let done = self
                .scanner
                .probe(&env, state, p.pid, &p.mm, p.threads, &mut self.hot);
            shared.probes.fetch_add(1, Relaxed);
            shared
                .probe_tables_woken
                .fetch_add(done.woken_tables, Relaxed);
            done
        } else {
            self.scanner
                .visit(&env, state, p.pid, &p.mm, p.threads, &mut self.hot)
        };
        shared
            .scope()
            .count_visit(&judged, !probing, done.young, done.promoted, done.capped);
        if done.had_work {
            self.contenders.note_work(p.pid, self.clock.now_ms());
        }
        if done.more_now {
            Visited::TurnOver
        } else {
            Visited::Yes
        }
    }

    /// The cursor went past the last process: forget the mms that this
    /// pass did not find (their processes exited or exec'd).
    fn end_pass(&mut self) {
        count(VmEvent::FullPass, 1);
        let mut stale = KVec::new();
        let mut quiet = 0;
        for (key, state) in self.mms.iter() {
            if state.last_seen_pass != self.pass {
                if stale.push(*key, GFP_KERNEL | __GFP_NOWARN).is_err() {
                    break; // the rest goes on the next pass
                }
            } else if state.quiet {
                quiet += 1;
            }
        }
        self.nr_quiet = quiet;
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
        self.hot.age_if_due(ctx, self.clock.now_ms());
    }
}
