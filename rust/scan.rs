// SPDX-License-Identifier: GPL-2.0

//! Visiting one address space: VMAs from the mm's cursor, Accessed bits of
//! slow-tier folios, hotness, promotion, and the next visit's pace.
//!
//! The loop itself (cursor, budget, lock holds, wrap) is
//! `policy::visit::visit`; [`MmVisit`] is its [`AddressSpace`] over a real
//! mm.  The mmap lock is only try-locked and is dropped whenever the young
//! buffer fills, before any folio is isolated or migrated: a visit never
//! holds it across a migration.

#![deny(unsafe_code)]

use kernel::{
    mm::{
        Mm,
        MmWithUser, //
    },
    prelude::*,
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
    hotness::{
        self,
        Sighting, //
    },
    knobs::Tunables,
    mempolicy::ThreadPolicies,
    pace::{
        next_pace,
        Pace,
        PaceBounds,
        Visit, //
    },
    topology::{
        target_map,
        NodeMask,
        Topology,
        MAX_NODES, //
    },
    visit::{
        self,
        AddressSpace,
        Span,
        WalkEnd, //
    },
    vma::{
        self as vma_rules,
        VmFlagBits, //
    },
};
use crate::promote::{
    Outcome,
    Promoter, //
};
use crate::sys::{
    mm::{
        self,
        NodePages,
        ScanLock,
        Walk,
        YoungFolio, //
    },
    thread::ThreadCtx,
    trace,
    vmstat::{
        count,
        VmEvent, //
    },
};

/// Young folios recorded per hold of the mmap lock before it is dropped to
/// process them; also bounds the candidates of one promotion round.
pub(crate) const YOUNG_BATCH: usize = 1024;

/// What the daemon remembers about one address space.
pub(crate) struct MmState {
    /// Keeps the `mm_struct` (not its memory) alive: the map key stays unique.
    _mm: ARef<Mm>,
    /// Where the next visit starts.
    cursor: usize,
    /// Number of the current sweep (pass of the cursor over the mm).
    sweep: u32,
    /// When the current sweep started (daemon clock, ms).
    sweep_start_ms: u64,
    /// Duration of the last complete sweep (ms); 0 before the first.
    sweep_gap_ms: u64,
    /// Young slow-tier pages found by the current sweep so far.
    sweep_young: u64,
    /// Slow-tier pages seen by the current sweep so far.
    sweep_slow: u64,
    /// Current scan period and size.
    pace: Pace,
    /// When the next visit is due (daemon clock, ms).
    next_visit_ms: u64,
    /// Pass of the daemon in which the mm was last found.
    pub(crate) last_seen_pass: u64,
    /// Mapped pages per node seen in the current sweep.
    node_pages: NodePages,
    /// The same for the last complete sweep (target tie-break).
    node_pages_last: NodePages,
}

impl MmState {
    /// State for an mm seen for the first time: visited at once, with the
    /// shortest period and the initial scan size.
    pub(crate) fn new(mm: ARef<Mm>, t: &Tunables, now: u64) -> Self {
        MmState {
            _mm: mm,
            cursor: 0,
            sweep: 0,
            sweep_start_ms: now,
            sweep_gap_ms: 0,
            sweep_young: 0,
            sweep_slow: 0,
            pace: Pace {
                period_ms: t.scan_period_min_ms,
                size_mb: t.scan_size_mb,
            },
            next_visit_ms: now,
            last_seen_pass: 0,
            node_pages: [0; MAX_NODES],
            node_pages_last: [0; MAX_NODES],
        }
    }

    /// Whether the mm should be visited now.  A visit scheduled further
    /// out than the longest period allows (the knob was lowered) is due at
    /// once.
    pub(crate) fn is_due(&self, now: u64, t: &Tunables) -> bool {
        let ceiling = u64::from(bounds(t).period_ceiling_ms());
        now >= self.next_visit_ms || self.next_visit_ms - now > ceiling
    }

    /// Pages per node for choosing between equally near targets.
    fn tie_break_pages(&self) -> &NodePages {
        if self.sweep == 0 {
            &self.node_pages
        } else {
            &self.node_pages_last
        }
    }
}

impl VisitEnv<'_> {
    /// Whether a knob write was accepted since `t` was copied.
    fn knobs_changed(&self) -> bool {
        self.gen.load(Relaxed) != self.seen_gen
    }
}

/// The pace bounds the knobs set.
fn bounds(t: &Tunables) -> PaceBounds {
    PaceBounds {
        period_min_ms: t.scan_period_min_ms,
        period_max_ms: t.scan_period_max_ms,
        size_min_mb: t.scan_size_min_mb,
        size_max_mb: t.scan_size_max_mb,
    }
}

/// What every visit of one wake-up shares.
pub(crate) struct VisitEnv<'a> {
    /// The thread.
    pub(crate) ctx: &'a ThreadCtx,
    /// The knobs, as copied at the wake-up.
    pub(crate) t: &'a Tunables,
    /// The knobs as sysfs holds them now, and their generation (`seen_gen`
    /// when `t` was copied).  After an accepted write the visit ends at
    /// its next step and a promotion round still to run uses the new
    /// values: a write applies at once, not after the visit.
    pub(crate) live: &'a Mutex<Tunables>,
    pub(crate) gen: &'a Atomic<u64>,
    pub(crate) seen_gen: u64,
    /// The node topology.
    pub(crate) topo: &'a Topology,
    /// The kernel's `vm_flags` bits.
    pub(crate) vm_bits: &'a VmFlagBits,
    /// The daemon clock.
    pub(crate) clock: &'a Clock,
}

/// The scanner's long-lived buffers.
pub(crate) struct Scanner {
    walk: Walk,
    candidates: KVec<YoungFolio>,
    promoter: Promoter,
}

impl Scanner {
    /// Allocates the buffers.
    pub(crate) fn new(now_ms: u64, t: &Tunables) -> Result<Self> {
        Ok(Scanner {
            walk: Walk::new(YOUNG_BATCH)?,
            candidates: KVec::with_capacity(YOUNG_BATCH, GFP_KERNEL)?,
            promoter: Promoter::new(YOUNG_BATCH, now_ms, t)?,
        })
    }

    /// Visits `mm` (of process `pid`, whose threads allow `threads`) from
    /// its cursor and schedules its next visit.
    pub(crate) fn visit(
        &mut self,
        env: &VisitEnv<'_>,
        st: &mut MmState,
        pid: Pid,
        mm: &MmWithUser,
        threads: Option<ThreadPolicies>,
        hot: &mut HotSections,
    ) {
        let start = st.cursor;
        let budget = (st.pace.size_mb as usize).saturating_mul(1 << 20);
        // A process whose threads' constraints could not all be read is
        // treated as allowing nothing (never move memory a thread forbids).
        let (policy, cpuset) = match threads {
            Some(tp) => (tp.policy(), tp.cpuset()),
            None => (NodeMask::EMPTY, NodeMask::EMPTY),
        };
        self.walk.reset();
        self.walk.set_skip_idle_tables(!mm::has_secondary_mmu(mm));
        let mut v = MmVisit {
            env,
            mm,
            lock: None,
            walk: &mut self.walk,
            candidates: &mut self.candidates,
            promoter: &mut self.promoter,
            hot,
            task_policy: policy,
            cpuset,
            tie_break: *st.tie_break_pages(),
            sighting: Sighting {
                sweep: st.sweep,
                now_bucket: hotness::bucket_of(env.clock.now_ms()),
                window: hotness::window_buckets(st.sweep_gap_ms),
            },
            outcome: Outcome::default(),
            traced: false,
            pid,
            start,
            pace: st.pace,
        };
        let end = visit::visit(&mut v, start, budget);
        let outcome = v.outcome;
        drop(v);
        if end.busy {
            // Contended: leave the schedule as is and retry at the next
            // wake-up rather than wait for the application.
            count(VmEvent::MmBusy, 1);
            return;
        }

        let now = env.clock.now_ms();
        let w = &self.walk;
        count(VmEvent::MmScan, 1);
        count(VmEvent::SlowtierScanned, w.slow_scanned());
        count(VmEvent::Young, w.young_pages());
        count(VmEvent::TlbFlush, w.tlb_flushes());
        count(VmEvent::PtableSkip, w.ptables_skipped());
        for (acc, seen) in st.node_pages.iter_mut().zip(w.node_pages()) {
            *acc += seen;
        }
        st.sweep_young += w.young_pages();
        st.sweep_slow += w.slow_scanned();
        let report = Visit {
            young_pages: w.young_pages(),
            promoted_pages: outcome.promoted,
            target_full_pages: outcome.target_full,
            sweep_done: end.wrapped,
            sweep_young_pages: st.sweep_young,
            sweep_slow_pages: st.sweep_slow,
        };
        st.pace = next_pace(st.pace, &report, &bounds(env.t));
        st.cursor = end.cursor;
        if end.wrapped {
            count(VmEvent::Sweep, 1);
            st.sweep = st.sweep.wrapping_add(1);
            st.sweep_gap_ms = now.saturating_sub(st.sweep_start_ms);
            st.sweep_start_ms = now;
            st.sweep_young = 0;
            st.sweep_slow = 0;
            st.node_pages_last = st.node_pages;
            st.node_pages = [0; MAX_NODES];
        }
        st.next_visit_ms = now + u64::from(st.pace.period_ms);
        trace::scan_mm_end(&trace::ScanEnd {
            pid,
            start,
            end: if end.wrapped { usize::MAX } else { end.cursor },
            scanned: w.slow_scanned(),
            young: w.young_pages(),
            period_ms: st.pace.period_ms,
            size_mb: st.pace.size_mb,
        });
    }
}

/// One visit of one mm, as the visit loop sees it.
struct MmVisit<'v, 'e> {
    env: &'v VisitEnv<'e>,
    mm: &'v MmWithUser,
    lock: Option<ScanLock<'v>>,
    walk: &'v mut Walk,
    candidates: &'v mut KVec<YoungFolio>,
    promoter: &'v mut Promoter,
    hot: &'v mut HotSections,
    /// Nodes all threads' task policies allow.
    task_policy: NodeMask,
    /// Nodes all threads' cpusets allow.
    cpuset: NodeMask,
    /// Pages of the mm per node (target tie-break).
    tie_break: NodePages,
    /// The mm's sweep, the clock and the window, for hotness records.
    sighting: Sighting,
    /// Promotion results of this visit.
    outcome: Outcome,
    /// Whether the start tracepoint fired (once the lock is first held).
    traced: bool,
    pid: Pid,
    start: usize,
    pace: Pace,
}

impl AddressSpace for MmVisit<'_, '_> {
    fn try_lock(&mut self) -> bool {
        self.lock = ScanLock::try_new(self.mm);
        if self.lock.is_some() && !self.traced {
            trace::scan_mm_start(self.pid, self.start, self.pace.period_ms, self.pace.size_mb);
            self.traced = true;
        }
        self.lock.is_some()
    }

    fn unlock(&mut self) {
        if let Some(lock) = self.lock.take() {
            lock.flush(self.walk);
        }
    }

    fn contended(&self) -> bool {
        self.lock.as_ref().is_some_and(|l| l.contended())
    }

    fn vma_from(&mut self, addr: usize) -> Option<Span> {
        let lock = self.lock.as_ref()?;
        let vma = lock.find_vma(addr)?;
        let span = |walk| Span {
            start: vma.start(),
            end: vma.end(),
            walk,
        };
        if !vma_rules::scannable(&lock.vma_facts(vma), self.env.vm_bits) {
            return Some(span(false));
        }
        let allowed = lock.vma_policy(vma).map_or(self.task_policy, |p| p.allowed()).and(self.cpuset);
        let map = target_map(self.env.topo, allowed, self.env.t.forced_target(), &self.tie_break);
        if !map.promotes_anything() {
            count(VmEvent::VmaSkipPolicy, 1);
            return Some(span(false));
        }
        self.walk.set_targets(&map);
        Some(span(true))
    }

    fn walk(&mut self, start: usize, end: usize) -> WalkEnd {
        let Some(lock) = self.lock.as_ref() else {
            return WalkEnd::Failed;
        };
        let Some(vma) = lock.find_vma(start) else {
            return WalkEnd::Failed;
        };
        count(VmEvent::VmaScan, 1);
        match lock.walk(vma, start, end, self.walk) {
            Ok(e) => e,
            Err(e) => {
                kernel::pr_warn_once!("page walk failed: {e:?}; skipping the VMA\n");
                WalkEnd::Failed
            }
        }
    }

    fn process(&mut self) {
        let fresh;
        let t = if self.env.knobs_changed() {
            fresh = *self.env.live.lock();
            &fresh
        } else {
            self.env.t
        };
        let mut hot_pages = 0u64;
        self.candidates.clear();
        {
            let mut map = self.hot.map();
            for y in self.walk.young() {
                let sweeps = if t.hot_threshold <= 1 {
                    1
                } else {
                    // An untracked PFN counts as seen once.
                    map.record_young(y.pfn, self.sighting).unwrap_or(1)
                };
                if u32::from(sweeps) >= t.hot_threshold && self.candidates.push_within_capacity(y).is_ok() {
                    hot_pages += u64::from(y.nr_pages);
                }
            }
        }
        self.walk.clear_young();
        count(VmEvent::Candidate, hot_pages);
        if !self.candidates.is_empty() {
            let now = self.env.clock.now_ms();
            let o = self.promoter.promote(self.env.ctx, now, self.candidates.as_slice(), self.hot, t);
            self.outcome.promoted += o.promoted;
            self.outcome.target_full += o.target_full;
        }
    }

    fn should_stop(&self) -> bool {
        self.env.ctx.should_stop() || self.env.knobs_changed()
    }

    fn yield_cpu(&mut self) {
        self.env.ctx.cond_resched();
    }
}
