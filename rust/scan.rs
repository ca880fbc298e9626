// SPDX-License-Identifier: GPL-2.0

//! Scanning one address space: VMAs from the mm's cursor, Accessed bits of
//! slow-tier folios, hotness, and the next scan's pace.
//!
//! One visit covers at most `scan_size` of address space and at most one
//! sweep (the cursor stops at the end of the address space and the next
//! visit starts a new sweep at 0).  The mmap lock is only try-locked and is
//! dropped whenever the young buffer fills, before any folio is isolated or
//! migrated: a visit never holds it across a migration.

use kernel::{
    mm::{
        Mm,
        MmWithUser, //
    },
    page::PAGE_SHIFT,
    prelude::*,
    sync::aref::ARef,
};

use crate::ffi::{
    self,
    ScanLock,
    TaskNodes,
    Walk,
    WalkEnd,
    Young, //
};
use crate::policy::{
    hotness::{
        HotRecord,
        HotnessTable, //
    },
    knobs::Tunables,
    pace::{
        next_pace,
        Pace,
        PaceBounds, //
    },
    ratelimit::TokenBucket,
    topology::{
        target_map,
        NodeMask,
        Topology,
        MAX_NODES, //
    },
};
use crate::stats::{
    count,
    VmEvent, //
};

// The kernel's formatting macros use their own `Display` trait; node sets
// print as in the policy crate (kernel node-list format).
impl kernel::fmt::Display for NodeMask {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

/// Records in the hotness history: 65536 x 24 bytes = 1.5 MiB, whatever
/// the size of RAM.  It remembers up to this many young folios between two
/// sweeps (256 MiB of base pages, 128 GiB of 2 MiB THPs).
const HISTORY_SLOTS: usize = 1 << 16;

/// Young folios recorded per walk before the mmap lock is dropped to
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
    /// Current scan period and size.
    pace: Pace,
    /// Useful (young slow-tier) pages found by the previous visit.
    prev_useful: u64,
    /// When the next visit is due (daemon clock, ms).
    next_scan_ms: u64,
    /// Pass of the daemon in which the mm was last found.
    pub(crate) last_seen_pass: u64,
    /// Mapped pages per node seen in the current sweep.
    node_pages: [u64; MAX_NODES],
    /// The same for the last complete sweep (target tie-break).
    node_pages_last: [u64; MAX_NODES],
}

impl MmState {
    /// State for an mm seen for the first time: scanned at once, with the
    /// shortest period and the initial scan size.
    pub(crate) fn new(mm: ARef<Mm>, t: &Tunables, now: u64) -> Self {
        MmState {
            _mm: mm,
            cursor: 0,
            sweep: 0,
            pace: Pace {
                period_ms: t.scan_period_min_ms,
                size_mb: t.scan_size_mb,
            },
            prev_useful: 0,
            next_scan_ms: now,
            last_seen_pass: 0,
            node_pages: [0; MAX_NODES],
            node_pages_last: [0; MAX_NODES],
        }
    }

    /// Whether the mm should be scanned now.  A scan scheduled further out
    /// than `scan_period_max_ms` (the knob was lowered) is due at once.
    pub(crate) fn is_due(&self, now: u64, t: &Tunables) -> bool {
        now >= self.next_scan_ms || self.next_scan_ms - now > u64::from(t.scan_period_max_ms)
    }

    /// Pages per node for choosing between equally near targets.
    fn tie_break_pages(&self) -> &[u64; MAX_NODES] {
        if self.sweep == 0 {
            &self.node_pages
        } else {
            &self.node_pages_last
        }
    }
}

/// Totals of one visit.
#[derive(Default)]
struct VisitTotals {
    slow_scanned: u64,
    young_pages: u64,
    tlb_flushes: u64,
}

/// The scanner's long-lived state and scratch buffers.
pub(crate) struct Scanner {
    /// Memory nodes, tiers and distances, refreshed at each wake-up.
    topo: KBox<Topology>,
    /// Storage of the hotness history.
    history: KVVec<HotRecord>,
    /// Young folios found by the current walk.
    young: KVec<Young>,
    /// Scratch for building one migration batch.
    pub(crate) batch: KVec<Young>,
    /// The promotion rate limit.
    pub(crate) bucket: TokenBucket,
    /// Slow and top-tier nodes last logged, to log changes only.
    logged_tiers: Option<(NodeMask, NodeMask)>,
}

impl Scanner {
    /// Allocates the history and buffers.
    pub(crate) fn new() -> Result<Self> {
        let t = Tunables::default();
        Ok(Scanner {
            topo: KBox::new(
                Topology {
                    memory: NodeMask::EMPTY,
                    toptier: NodeMask::EMPTY,
                    distance: [[0; MAX_NODES]; MAX_NODES],
                },
                GFP_KERNEL,
            )?,
            history: KVVec::from_elem(HotRecord::default(), HISTORY_SLOTS, GFP_KERNEL)?,
            young: KVec::from_elem(Young::default(), YOUNG_BATCH, GFP_KERNEL)?,
            batch: KVec::with_capacity(YOUNG_BATCH, GFP_KERNEL)?,
            bucket: TokenBucket::new(ffi::now_ms(), t.promote_rate_limit_mbps, PAGE_SHIFT as u32),
            logged_tiers: None,
        })
    }

    /// Re-reads the topology.  Returns whether there is anything to do: at
    /// least one slow-tier node and one top-tier node with memory.
    /// Logs when the set of source or destination nodes changes (at start,
    /// and when memory such as a CXL region comes or goes).
    pub(crate) fn refresh_topology(&mut self) -> bool {
        ffi::read_topology(&mut self.topo);
        let (slow, top) = (self.topo.slow(), self.topo.toptier);
        let active = !slow.is_empty() && !top.is_empty();
        if self.logged_tiers != Some((slow, top)) {
            self.logged_tiers = Some((slow, top));
            if active {
                pr_info!("promoting from lower-tier nodes {slow} to top-tier nodes {top}\n");
            } else {
                pr_info!("no lower-tier memory node (top tier: {top}): idle until one appears\n");
            }
        }
        active
    }

    /// Scans one address space from its cursor and schedules its next visit.
    pub(crate) fn scan_mm(
        &mut self,
        st: &mut MmState,
        pid: i32,
        mm: &MmWithUser,
        task: TaskNodes,
        t: &Tunables,
    ) {
        let start = st.cursor;
        let budget = (st.pace.size_mb as usize) << 20;
        let mut addr = st.cursor;
        let mut walked = 0usize;
        let mut totals = VisitTotals::default();
        let mut wrapped = false;
        let mut locked_once = false;

        loop {
            let Some(lock) = ScanLock::try_new(mm) else {
                if !locked_once {
                    // Contended: leave the schedule as is and retry at the
                    // next wake-up rather than wait for the application.
                    count(VmEvent::MmBusy, 1);
                    return;
                }
                break;
            };
            if !locked_once {
                ffi::trace_scan_mm_start(pid, start, st.pace.period_ms, st.pace.size_mb);
                locked_once = true;
            }

            let young = &mut self.young[..];
            let mut walk = Walk::new(young);
            let mut full = false;
            let walked_before = walked;
            while walked < budget {
                let Some(vma) = lock.find_vma(addr) else {
                    wrapped = true;
                    break;
                };
                let from = addr.max(vma.start());
                if !lock.vma_scannable(vma) {
                    addr = vma.end();
                    continue;
                }
                let allowed = lock
                    .vma_policy_nodes(vma)
                    .unwrap_or(task.policy)
                    .and(task.cpuset);
                let map = target_map(&self.topo, allowed, t.forced_target(), st.tie_break_pages());
                if !map.promotes_anything() {
                    count(VmEvent::VmaSkipPolicy, 1);
                    addr = vma.end();
                    continue;
                }
                walk.set_targets(&map.target);
                let to = vma.end().min(from.saturating_add(budget - walked));
                count(VmEvent::VmaScan, 1);
                match lock.walk(vma, from, to, &mut walk) {
                    Ok(WalkEnd::Done) => {
                        walked += to - from;
                        addr = to;
                    }
                    Ok(WalkEnd::Stopped(next)) => {
                        walked += next - from;
                        addr = next;
                        full = true;
                        break;
                    }
                    Err(e) => {
                        kernel::pr_warn_once!("page walk failed: {e:?}; skipping the VMA\n");
                        addr = vma.end();
                    }
                }
            }
            lock.flush(&mut walk);
            drop(lock);

            for (acc, seen) in st.node_pages.iter_mut().zip(walk.node_pages()) {
                *acc += seen;
            }
            totals.slow_scanned += walk.slow_scanned();
            totals.young_pages += walk.young_pages();
            totals.tlb_flushes += walk.tlb_flushes();
            let nr_young = walk.nr_young();
            self.select_and_promote(nr_young, st.sweep, t);

            // Done, stopping, or no progress under this lock hold (a writer
            // keeps wanting the mmap lock): the next visit resumes at `addr`.
            if !full || walked == walked_before || ffi::should_stop() {
                break;
            }
            ffi::cond_resched();
        }

        count(VmEvent::MmScan, 1);
        count(VmEvent::SlowtierScanned, totals.slow_scanned);
        count(VmEvent::Young, totals.young_pages);
        count(VmEvent::TlbFlush, totals.tlb_flushes);
        if wrapped {
            st.cursor = 0;
            st.sweep = st.sweep.wrapping_add(1);
            st.node_pages_last = st.node_pages;
            st.node_pages = [0; MAX_NODES];
        } else {
            st.cursor = addr;
        }
        let bounds = PaceBounds {
            period_min_ms: t.scan_period_min_ms,
            period_max_ms: t.scan_period_max_ms,
            size_min_mb: t.scan_size_min_mb,
            size_max_mb: t.scan_size_max_mb,
        };
        st.pace = next_pace(st.pace, st.prev_useful, totals.young_pages, bounds);
        st.prev_useful = totals.young_pages;
        st.next_scan_ms = ffi::now_ms() + u64::from(st.pace.period_ms);
        ffi::trace_scan_mm_end(
            pid,
            start,
            addr,
            totals.slow_scanned,
            totals.young_pages,
            st.pace.period_ms,
            st.pace.size_mb,
        );
    }

    /// Feeds the first `nr` young records to the hotness history, keeps
    /// those that reached `hot_threshold` consecutive sweeps, and promotes
    /// them.
    fn select_and_promote(&mut self, nr: usize, sweep: u32, t: &Tunables) {
        let now = ffi::now_ms() as u32;
        let mut nr_hot = 0;
        let mut hot_pages = 0u64;
        let mut evictions = 0u64;
        {
            // `new` only fails for a size that is not a power of two.
            let Some(mut history) = HotnessTable::new(&mut self.history[..]) else {
                return;
            };
            for i in 0..nr {
                let y = self.young[i];
                let young_sweeps = if t.hot_threshold <= 1 {
                    1
                } else {
                    let u = history.record_young(y.pfn, sweep, now);
                    evictions += u64::from(u.evicted);
                    u.young_sweeps
                };
                if young_sweeps >= t.hot_threshold {
                    // Compact the candidates at the front of the buffer.
                    self.young[nr_hot] = y;
                    nr_hot += 1;
                    hot_pages += u64::from(y.nr_pages);
                }
            }
        }
        count(VmEvent::HistoryEvict, evictions);
        count(VmEvent::Candidate, hot_pages);
        if nr_hot > 0 {
            self.promote_candidates(nr_hot, t);
        }
    }

    /// The candidate records at the front of the young buffer.
    pub(crate) fn candidates(&self, nr: usize) -> &[Young] {
        &self.young[..nr]
    }

    /// Restarts the history of `pfn` (after a promotion attempt).
    pub(crate) fn forget(&mut self, pfn: u64) {
        if let Some(mut history) = HotnessTable::new(&mut self.history[..]) {
            history.forget(pfn);
        }
    }
}
