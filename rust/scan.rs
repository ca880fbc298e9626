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
use crate::hot_sections::HotSections;
use crate::policy::{
    activity::{
        Activity,
        TestedSince, //
    },
    hotness::{
        self,
        PassNumber,
        Sighting,
        UseInterval, //
    },
    knobs::Tunables,
    mempolicy::ThreadPolicies,
    pace::{
        self as pacing,
        next_pace,
        Pace,
        PaceBounds,
        Schedule,
        Visit, //
    },
    probe,
    recheck::Recheck,
    topology::{
        target_map,
        NodeMask,
        Topology,
        MAX_NODES, //
    },
    turns::{
        self,
        Left,
        Turn, //
    },
    visit::{
        self,
        AddressSpace,
        Span,
        VisitEnd,
        WalkEnd, //
    },
    vma::{
        self as vma_rules,
        VmFlagBits, //
    },
};
use crate::promote::{
    Outcome,
    PingPong,
    Promoter, //
};
use crate::sys::{
    mm::{
        self,
        NodePages,
        ScanLock,
        YoungFolio, //
    },
    thread::ThreadCtx,
    trace,
    vmstat::{
        count,
        VmEvent, //
    },
    walk::Walk,
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
    /// Number of the current pass for hotness records
    /// ([`PassNumber`]): begins at the start of a visit that begins a new
    /// sweep or a recheck (once even if it does both), so that a recheck's
    /// sighting counts as a second one, and a visit never moves it by more
    /// than one: the records keep it mod 4, and an mm visited every half
    /// second whose pass advanced twice a visit would take a page young
    /// every other visit for the same pass.  A visit that goes on with a
    /// recheck whose turn ended ([`Left::RestOfRecheck`]) stays in its
    /// pass: advanced once per turn, it would come back to the tag of the
    /// sweep that found the regions after four turns, and the rest of the
    /// regions would look seen once.
    pass: PassNumber,
    /// Whether the last visit ended a sweep (the next one starts a pass).
    sweep_ended: bool,
    /// Whether the recheck in `recheck` was begun by an earlier visit
    /// whose turn ended in it (the next visit goes on with it).
    recheck_begun: bool,
    /// Regions where the sweep, or a recheck, found pages young for the
    /// first time, to walk again at the next visit.
    recheck: Recheck,
    /// Regions where a recheck that is not over yet found pages young for
    /// the first time (their record had gone stale while the recheck
    /// worked through the regions before them): walked again once that
    /// recheck is over, in a new pass.
    recheck_next: Recheck,
    /// Page tables the visits found idle and have not walked since: what
    /// a probe tests ([`probe`]).
    probe: Recheck,
    /// When it was last probed (daemon clock, ms).
    last_probe_ms: u64,
    /// Whether its last visit found hot pages and could promote none
    /// ([`pacing::futile`]): no probe until a visit promotes again.
    futile: bool,
    /// How often its sweeps see its pages used: sets the hotness window.
    use_interval: UseInterval,
    /// Young slow-tier pages found by the current sweep so far.
    sweep_young: u64,
    /// Slow-tier pages seen by the current sweep so far.
    sweep_slow: u64,
    /// Whether the current sweep passed over memory it did not read (idle
    /// page tables, VMAs skipped for their policy).
    sweep_unread: bool,
    /// Whether the current sweep, and the last complete one, passed over
    /// VMAs for their policy.
    sweep_policy_skipped: bool,
    last_sweep_policy_skipped: bool,
    /// Current scan period and size.
    pace: Pace,
    /// When the next visit is due (daemon clock, ms).
    next_visit_ms: u64,
    /// When the last visit ended (daemon clock, ms).
    last_visit_ms: u64,
    /// The mm's layout sequence ([`mm::layout_seq`]) and the kernel's
    /// demotion total when the last visit began.
    layout_seq: u64,
    demoted: u64,
    /// Pass of the daemon in which the mm was last found.
    pub(crate) last_seen_pass: u64,
    /// Mapped pages per node seen in the current sweep.
    node_pages: NodePages,
    /// The same for the last complete sweep (target tie-break).
    node_pages_last: NodePages,
    /// When pages of this mm were last promoted (daemon clock, ms).
    last_promotion_ms: Option<u64>,
    /// The process's runtime when the standing tests began.
    tested: TestedSince,
    /// Whether the cursor last found the process quiet ([`Self::quiet`]).
    pub(crate) quiet: bool,
}

impl MmState {
    /// State for an mm seen for the first time: visited at once, with the
    /// shortest period and the initial scan size.
    pub(crate) fn new(mm: ARef<Mm>, t: &Tunables, now: u64) -> Self {
        MmState {
            _mm: mm,
            cursor: 0,
            sweep: 0,
            pass: PassNumber::new(),
            sweep_ended: false,
            recheck_begun: false,
            recheck: Recheck::new(),
            recheck_next: Recheck::new(),
            probe: Recheck::new(),
            last_probe_ms: now,
            futile: false,
            use_interval: UseInterval::new(),
            sweep_young: 0,
            sweep_slow: 0,
            sweep_unread: false,
            sweep_policy_skipped: false,
            last_sweep_policy_skipped: false,
            pace: Pace {
                period_ms: t.scan_period_min_ms,
                size_mb: t.scan_size_mb,
            },
            next_visit_ms: now,
            last_visit_ms: now,
            layout_seq: 0,
            demoted: 0,
            last_seen_pass: 0,
            node_pages: [0; MAX_NODES],
            node_pages_last: [0; MAX_NODES],
            last_promotion_ms: None,
            tested: TestedSince::new(),
            quiet: false,
        }
    }

    /// Whether the process, whose threads' activity is `a`, did not run
    /// since every part of its address space was last tested: a visit
    /// would find nothing young ([`TestedSince::quiet`]).  Remembered in
    /// [`Self::quiet`].
    pub(crate) fn quiet(&mut self, a: Activity) -> bool {
        self.quiet = self.tested.quiet(a);
        self.quiet
    }

    /// A visit is about to start, `a` read before it: if it starts a
    /// sweep, the sweep's tests begin after `a`.
    pub(crate) fn visit_starts(&mut self, a: Activity) {
        if self.cursor == 0 {
            self.tested.sweep_starts(a);
        }
    }

    /// When its next visit is due if that visit is a recheck (regions
    /// noted young wait [`pacing::recheck_wait_ms`]); `None` otherwise.
    pub(crate) fn recheck_due_ms(&self) -> Option<u64> {
        (!self.recheck.is_empty()).then_some(self.next_visit_ms)
    }

    /// Whether the mm is due for a probe at `now` ([`probe::due`]), its
    /// last visit not futile: a probe finds pages to promote, and brings
    /// their recheck forward, past the wait a futile visit set.
    pub(crate) fn probe_due(&self, now: u64) -> bool {
        !self.futile
            && probe::due(
                now,
                self.last_probe_ms,
                self.probe.granules(),
                self.last_promotion_ms.map(|t| now.saturating_sub(t)),
            )
    }

    /// Notes what a walk found: the tables it skipped as idle join the
    /// probe set, those it walked leave it.
    fn note_tables(&mut self, w: &Walk) {
        self.probe.merge(w.idle_tables());
        self.probe.cut_all(w.woke_tables());
    }

    /// Notes regions of first sightings found outside a visit's own
    /// recheck and sweep (by a probe), for the recheck to come: the one
    /// begun, if any, goes on first.
    fn note_first_seen(&mut self, noted: &Recheck) {
        if self.recheck_begun {
            self.recheck_next.merge(noted);
        } else {
            self.recheck.merge(noted);
        }
    }

    /// Whether the mm, whose layout sequence is now `layout_seq` and the
    /// kernel's demotion total `demoted`, should be visited now
    /// ([`pacing::is_due`]).  Counts a visit brought forward by a change.
    pub(crate) fn is_due(&self, now: u64, t: &Tunables, layout_seq: u64, demoted: u64) -> bool {
        let b = bounds(t);
        let s = Schedule {
            last_visit_ms: self.last_visit_ms,
            next_visit_ms: self.next_visit_ms,
            layout_changed: layout_seq != self.layout_seq,
            slow_tier_grew: demoted != self.demoted,
            policy_skipped: self.sweep_policy_skipped || self.last_sweep_policy_skipped,
        };
        if !pacing::is_due(&s, now, &b) {
            return false;
        }
        if !pacing::is_due(
            &Schedule {
                layout_changed: false,
                slow_tier_grew: false,
                ..s
            },
            now,
            &b,
        ) {
            count(VmEvent::MmEarly, 1);
        }
        true
    }

    /// Notes the layout sequence and demotion total a visit starts with.
    pub(crate) fn note_changes(&mut self, layout_seq: u64, demoted: u64) {
        self.layout_seq = layout_seq;
        self.demoted = demoted;
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
    /// How long the visit's turn is.
    pub(crate) turn: Turn,
    /// Pages the process's cgroup may still gain under its top-tier cap
    /// (`cgroup_toptier_max_mb`), or `None` without a cap.
    pub(crate) cap_left: Option<u64>,
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

    /// A new wake-up of the thread.
    pub(crate) fn new_wakeup(&mut self) {
        self.promoter.new_wakeup();
    }

    /// Whether room-making is held at `now_ms` ([`Promoter::room_held`]).
    pub(crate) fn room_held(&self, now_ms: u64) -> bool {
        self.promoter.room_held(now_ms)
    }

    /// The promoter's ping-pong counters.
    pub(crate) fn pingpong(&self) -> PingPong {
        self.promoter.pingpong()
    }

    /// Visits `mm` (of process `pid`, whose threads allow `threads`) for
    /// at most a turn (`env.turn`): first the regions its last visit found young
    /// for the first time, then the sweep from its cursor; schedules its
    /// next visit.
    pub(crate) fn visit(
        &mut self,
        env: &VisitEnv<'_>,
        st: &mut MmState,
        pid: Pid,
        mm: &MmWithUser,
        threads: ThreadPolicies,
        hot: &mut HotSections,
    ) -> VisitDone {
        let start = st.cursor;
        let started_ms = env.clock.now_ms();
        let budget = (st.pace.size_mb as usize).saturating_mul(1 << 20);
        let recheck = st.recheck;
        // First sightings of this visit, recheck and sweep alike.
        let mut noted = Recheck::new();
        if st.sweep_ended || (!recheck.is_empty() && !st.recheck_begun) {
            // A new pass for the hotness records: a page young again here
            // is seen a second time.
            st.pass.begin();
            st.sweep_ended = false;
        }
        let mut v = self.begin(
            env, st, pid, mm, threads, hot, &mut noted, start, started_ms,
        );
        let mut busy = false;
        // Where the recheck stopped early (its turn over, the thread
        // stopping, a knob write): the rest waits for the next visit.
        let mut recheck_stopped = None;
        if !recheck.is_empty() {
            let mut ranges = 0;
            for r in recheck.ranges() {
                let e = visit::visit_until(&mut v, r.start, r.end, budget);
                if e.busy {
                    busy = ranges == 0;
                    break;
                }
                ranges += 1;
                if v.should_stop() {
                    recheck_stopped = Some(if e.wrapped { r.end } else { e.cursor });
                    break;
                }
            }
            count(VmEvent::Recheck, ranges);
            count(VmEvent::RecheckScanned, v.walk.slow_scanned());
        }
        let end = if busy || recheck_stopped.is_some() {
            VisitEnd {
                cursor: start,
                wrapped: false,
                walked: 0,
                busy,
                holds: 0,
            }
        } else {
            // The sweep: first sightings are noted for the next visit.
            visit::visit(&mut v, start, budget)
        };
        let outcome = v.outcome;
        let policy_skipped = v.policy_skipped;
        drop(v);
        if self.walk.young_pages() > 0 {
            st.pass.found_young();
        }
        st.note_tables(&self.walk);
        if !busy {
            match recheck_stopped {
                Some(addr) => {
                    // The rest of this recheck first, in this pass; what it
                    // noted waits for a new pass.
                    st.recheck.keep_from(addr);
                    st.recheck_next.merge(&noted);
                    st.recheck_begun = !st.recheck.is_empty();
                }
                None => {
                    // The recheck, if any, is over: the next one walks what
                    // it and the sweep noted.
                    st.recheck = st.recheck_next;
                    st.recheck.merge(&noted);
                    st.recheck_next.clear();
                    st.recheck_begun = false;
                }
            }
        }
        if end.busy {
            // Contended: leave the schedule (and the regions to recheck) as
            // is and retry at the next wake-up rather than wait for the
            // application.
            count(VmEvent::MmBusy, 1);
            // Pages found young are counted only by a visit that was not
            // cut short (`kmmscand_young`); its promotions, when made.
            return VisitDone {
                promoted: outcome.promoted,
                capped: outcome.capped,
                ..VisitDone::default()
            };
        }
        let now = env.clock.now_ms();
        let left = Left::after(
            turns::turn_over(env.turn, outcome.promoted, now.saturating_sub(started_ms)),
            recheck_stopped.is_some(),
            !st.recheck.is_empty(),
        );

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
        st.sweep_unread |= policy_skipped || w.ptables_skipped() > 0;
        st.sweep_policy_skipped |= policy_skipped;
        if outcome.promoted > 0 {
            st.last_promotion_ms = Some(now);
        }
        let report = Visit {
            young_pages: w.young_pages(),
            promoted_pages: outcome.promoted,
            target_full_pages: outcome.target_full,
            capped_pages: outcome.capped,
            room_held: outcome.room_held,
            sweep_done: end.wrapped,
            sweep_young_pages: st.sweep_young,
            sweep_slow_pages: st.sweep_slow,
            sweep_unread: st.sweep_unread,
            sweep_read_pages: st.node_pages.iter().sum(),
            since_promotion_ms: st.last_promotion_ms.map(|t| now.saturating_sub(t)),
        };
        st.futile = pacing::futile(&report);
        let b = bounds(env.t);
        // A visit that promoted nothing for the cgroup cap waits its period.
        let left = pacing::left_after(left, &report);
        st.pace = next_pace(st.pace, &report, &b);
        st.cursor = end.cursor;
        if end.wrapped {
            count(VmEvent::Sweep, 1);
            st.sweep = st.sweep.wrapping_add(1);
            st.sweep_ended = true;
            st.tested.sweep_ended();
            st.use_interval
                .sweep_ended(now, pacing::counts(st.sweep_young));
            st.sweep_young = 0;
            st.sweep_slow = 0;
            st.sweep_unread = false;
            st.last_sweep_policy_skipped = st.sweep_policy_skipped;
            st.sweep_policy_skipped = false;
            st.node_pages_last = st.node_pages;
            st.node_pages = [0; MAX_NODES];
        }
        st.last_visit_ms = now;
        st.next_visit_ms = now + u64::from(pacing::next_visit_wait_ms(st.pace.period_ms, left, &b));
        trace::scan_mm_end(&trace::ScanEnd {
            pid,
            start,
            end: if end.wrapped { usize::MAX } else { end.cursor },
            scanned: w.slow_scanned(),
            young: w.young_pages(),
            period_ms: st.pace.period_ms,
            size_mb: st.pace.size_mb,
        });
        VisitDone {
            more_now: left.more_now(),
            had_work: outcome.promoted > 0 || !st.recheck.is_empty(),
            young: w.young_pages(),
            promoted: outcome.promoted,
            capped: outcome.capped,
            woken_tables: 0,
        }
    }
}

impl Scanner {
    /// Begins a visit of `mm`, whose state is `st`, at `start` and
    /// `started_ms`: the walk and the promoter reset, first sightings to
    /// be noted in `first_seen`.
    #[expect(clippy::too_many_arguments)]
    fn begin<'v, 'e>(
        &'v mut self,
        env: &'v VisitEnv<'e>,
        st: &MmState,
        pid: Pid,
        mm: &'v MmWithUser,
        threads: ThreadPolicies,
        hot: &'v mut HotSections,
        first_seen: &'v mut Recheck,
        start: usize,
        started_ms: u64,
    ) -> MmVisit<'v, 'e> {
        self.promoter
            .begin_visit(mm.as_raw() as usize as u64, env.cap_left);
        self.walk.reset();
        self.walk.set_skip_idle_tables(!mm::has_secondary_mmu(mm));
        self.walk.set_probing(false);
        MmVisit {
            env,
            mm,
            lock: None,
            walk: &mut self.walk,
            candidates: &mut self.candidates,
            promoter: &mut self.promoter,
            hot,
            task_policy: threads.policy(),
            cpuset: threads.cpuset(),
            tie_break: *st.tie_break_pages(),
            sighting: Sighting {
                sweep: st.pass.get(),
                now_bucket: hotness::bucket_of(env.clock.now_ms()),
                window: st.use_interval.window(),
            },
            first_seen: Some(first_seen),
            policy_skipped: false,
            outcome: Outcome::default(),
            traced: false,
            pid,
            start,
            pace: st.pace,
            started_ms,
        }
    }

    /// Probes `mm`, whose state is `st` ([`probe`]): tests the PMDs of the
    /// page tables in its probe set and walks those found accessed, as a
    /// sweep walks them; the regions where pages were young for the first
    /// time are rechecked [`probe::recheck_wait_ms`] later.  Leaves the
    /// sweep's cursor, pace and pass as they are.
    pub(crate) fn probe(
        &mut self,
        env: &VisitEnv<'_>,
        st: &mut MmState,
        pid: Pid,
        mm: &MmWithUser,
        threads: ThreadPolicies,
        hot: &mut HotSections,
    ) -> VisitDone {
        let started_ms = env.clock.now_ms();
        let budget = (st.pace.size_mb as usize).saturating_mul(1 << 20);
        let set = st.probe;
        let Some(first) = set.ranges().first() else {
            return VisitDone::default();
        };
        let mut noted = Recheck::new();
        let mut v = self.begin(
            env,
            st,
            pid,
            mm,
            threads,
            hot,
            &mut noted,
            first.start,
            started_ms,
        );
        v.walk.set_probing(true);
        // A probe is not a visit: no `scan_mm` tracepoint, no
        // `kmmscand_mm_scans` (the `probes` status file counts it).
        v.traced = true;
        for r in set.ranges() {
            let e = visit::visit_until(&mut v, r.start, r.end, budget);
            if e.busy || v.should_stop() {
                break;
            }
        }
        let outcome = v.outcome;
        drop(v);
        self.walk.set_probing(false);
        let now = env.clock.now_ms();
        st.last_probe_ms = now;
        st.note_tables(&self.walk);
        st.note_first_seen(&noted);
        if !noted.is_empty() {
            let usual = pacing::recheck_wait_ms(st.pace.period_ms, &bounds(env.t));
            let wait = probe::recheck_wait_ms(env.t.scan_sleep_ms, usual);
            st.next_visit_ms = st.next_visit_ms.min(now + u64::from(wait));
        }
        if outcome.promoted > 0 {
            st.last_promotion_ms = Some(now);
        }
        let w = &self.walk;
        count(VmEvent::SlowtierScanned, w.slow_scanned());
        count(VmEvent::Young, w.young_pages());
        count(VmEvent::TlbFlush, w.tlb_flushes());
        count(VmEvent::PtableSkip, w.ptables_skipped());
        VisitDone {
            more_now: false,
            had_work: outcome.promoted > 0 || !noted.is_empty(),
            young: w.young_pages(),
            promoted: outcome.promoted,
            capped: outcome.capped,
            woken_tables: w.woke_tables().granules(),
        }
    }
}

/// How a visit ended, for the thread's turns.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct VisitDone {
    /// It had its turn with more to do at once ([`Left::more_now`]): the
    /// caller lets the other due processes have theirs and then visits
    /// the mm again.
    pub(crate) more_now: bool,
    /// It promoted pages or left young pages to recheck: the process
    /// contends for the thread ([`turns::Contenders`]).
    pub(crate) had_work: bool,
    /// Pages found young.
    pub(crate) young: u64,
    /// Pages promoted.
    pub(crate) promoted: u64,
    /// Hot pages not promoted because of the cgroup cap.
    pub(crate) capped: u64,
    /// Page tables a probe found accessed (and walked); 0 for a visit.
    pub(crate) woken_tables: u64,
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
    /// The mm's pass, the clock and the window, for hotness records.
    sighting: Sighting,
    /// Where to note the regions of pages found young but not yet hot (the
    /// sweep), or nothing (a recheck: what it sees for the first time
    /// waits for the next sweep, so rechecks never chain).
    first_seen: Option<&'v mut Recheck>,
    /// Whether a VMA was passed over for its policy.
    policy_skipped: bool,
    /// Promotion results of this visit.
    outcome: Outcome,
    /// Whether the start tracepoint fired (once the lock is first held),
    /// or must not (a probe).
    traced: bool,
    pid: Pid,
    start: usize,
    pace: Pace,
    /// When the visit began (ms).
    started_ms: u64,
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
            lock.unlock(self.walk);
        }
    }

    fn contended(&self) -> bool {
        self.lock.as_ref().is_some_and(|l| l.contended())
    }

    fn vma_from(&mut self, addr: usize) -> Option<Span> {
        let lock = self.lock.as_ref()?;
        let vma = lock.find_vma(addr)?;
        let span = |end, walk| Span {
            start: vma.start(),
            end,
            walk,
        };
        if !vma_rules::scannable(&lock.vma_facts(vma), self.env.vm_bits) {
            return Some(span(vma.end(), false));
        }
        // Shared memory keeps its policy per range of file offsets: the
        // span ends where the policy read at `addr` stops holding, and the
        // rest of the VMA is judged by its own policy.
        let (policy, end) = lock.vma_policy(vma, addr);
        let allowed = policy
            .map_or(self.task_policy, |p| p.allowed())
            .and(self.cpuset);
        let map = target_map(
            self.env.topo,
            allowed,
            self.env.t.forced_target(),
            &self.tie_break,
        );
        if !map.promotes_anything() {
            count(VmEvent::VmaSkipPolicy, 1);
            self.policy_skipped = true;
            return Some(span(end, false));
        }
        self.walk.set_targets(&map);
        Some(span(end, true))
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

    fn tables_read(&self) -> usize {
        self.walk.ptables_read() as usize
    }

    fn process(&mut self) {
        // A visit of a GiB-sized process can take seconds: the aging due
        // meanwhile runs here, or the next one would find itself late and
        // clear every record, this visit's first sightings included.
        let now = self.env.clock.now_ms();
        self.hot.age_if_due(self.env.ctx, now);
        self.sighting.now_bucket = hotness::bucket_of(now);
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
                if u32::from(sweeps) < t.hot_threshold {
                    if let Some(r) = self.first_seen.as_deref_mut() {
                        r.add(y.addr);
                    }
                }
                if u32::from(sweeps) >= t.hot_threshold
                    && self.candidates.push_within_capacity(y).is_ok()
                {
                    hot_pages += u64::from(y.nr_pages);
                }
            }
        }
        self.walk.clear_young();
        count(VmEvent::Candidate, hot_pages);
        if !self.candidates.is_empty() {
            let now = self.env.clock.now_ms();
            let o =
                self.promoter
                    .promote(self.env.ctx, now, self.candidates.as_slice(), self.hot, t);
            self.outcome.promoted += o.promoted;
            self.outcome.target_full += o.target_full;
            self.outcome.capped += o.capped;
            self.outcome.room_held |= o.room_held;
        }
    }

    fn should_stop(&self) -> bool {
        self.env.ctx.should_stop()
            || self.env.knobs_changed()
            || turns::turn_over(
                self.env.turn,
                self.outcome.promoted,
                self.env.clock.now_ms().saturating_sub(self.started_ms),
            )
    }

    fn yield_cpu(&mut self) {
        self.env.ctx.cond_resched();
    }
}
