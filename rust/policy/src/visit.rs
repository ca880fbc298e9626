// SPDX-License-Identifier: GPL-2.0

//! One visit of an address space: the cursor, the budget, the wrap at the
//! end of the address space, and the mmap lock's holds.
//!
//! DAMON splits its core loop from the operations that touch page tables;
//! this is the same split in miniature.  [`visit`] is the loop; the module
//! implements [`AddressSpace`] over a real mm (lock, VMA lookup, page walk,
//! TLB flush), and the tests here implement it over a fake one.
//!
//! The loop's rules:
//!
//! - the mmap lock is only try-locked; if it is taken when the visit
//!   starts, the visit is *busy* and does nothing;
//! - VMAs are walked from the cursor, each from the cursor (or its start) to
//!   its end or to where the budget runs out, rounded up to a PMD boundary
//!   so that a visit never ends inside a page table;
//! - VMAs the walk must not look at are passed over without counting
//!   against the budget, and 2 MiB the walk did not read a page table for
//!   (its PMD was not accessed since the last sweep, or maps nothing)
//!   count 1/[`IDLE_TABLE_COST`] of their size: the budget bounds the work
//!   of a visit, and such a range costs one PMD entry, not 512 PTEs.  So a
//!   sweep of a mostly idle or sparse address space, however large, takes
//!   one visit, and memory that turns hot anywhere in it is found at the
//!   next visit, not when the cursor comes round again;
//! - between VMAs, and inside the walk, the loop gives the lock up as soon
//!   as a writer waits for it, and yields the CPU;
//! - a walk stops when the young buffer is full: the loop drops the lock,
//!   lets the caller process the young folios (isolation and migration must
//!   not run under the mmap lock), then takes the lock again and resumes
//!   where the walk stopped;
//! - a visit that has had its turn ([`crate::turns::turn_over`]) ends
//!   after that round of promotion: the next visit resumes where it
//!   stopped;
//! - a hold of the lock that makes no progress ends the visit (a writer
//!   keeps wanting the lock): the next visit resumes at the cursor;
//! - reaching the end of the address space ends the visit and the sweep:
//!   the next visit starts at 0.

/// Address-space granule the budget is rounded to (2 MiB, one page table).
pub const PMD_SIZE: usize = 1 << 21;

/// 2 MiB for which the walk read no page table cost
/// `PMD_SIZE / IDLE_TABLE_COST` bytes of budget (one entry instead of 512).
pub const IDLE_TABLE_COST: usize = 64;

/// Budget bytes charged for walking `bytes` of address space in which
/// `tables_read` page tables were read (or PMD-mapped folios tested): those
/// at their full 2 MiB, the rest at 1/[`IDLE_TABLE_COST`].
pub const fn charge(bytes: usize, tables_read: usize) -> usize {
    let read = tables_read.saturating_mul(PMD_SIZE);
    let read = if read < bytes { read } else { bytes };
    read + (bytes - read) / IDLE_TABLE_COST
}

/// A VMA as the loop sees it: the whole VMA, or when one rule does not
/// cover all of it (shared memory's policy is kept per range of file
/// offsets), the VMA up to where the rule read at the address asked for
/// stops holding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First address.
    pub start: usize,
    /// One past the last address.
    pub end: usize,
    /// Whether the walk looks at it (false: passed over).
    pub walk: bool,
}

/// How one walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkEnd {
    /// The range was walked.
    Done,
    /// Stopped early at this address (young buffer full, thread stopping,
    /// or a writer waiting for the lock).
    Stopped(usize),
    /// The walk failed; the rest of the VMA is passed over.
    Failed,
}

/// The operations a visit needs from an address space.
pub trait AddressSpace {
    /// Takes the mmap read lock if it is free; false if contended.
    fn try_lock(&mut self) -> bool;
    /// Flushes what the walks need flushed and drops the lock.
    fn unlock(&mut self);
    /// Whether a writer waits for the mmap lock (lock held).
    fn contended(&self) -> bool;
    /// The first VMA that ends above `addr` (lock held), if any.
    fn vma_from(&mut self, addr: usize) -> Option<Span>;
    /// Walks `[start, end)`, which lies in the VMA last returned by
    /// [`AddressSpace::vma_from`] (lock held).
    fn walk(&mut self, start: usize, end: usize) -> WalkEnd;
    /// Page tables read (and PMD-mapped folios tested) by the walks so
    /// far: a running count.
    fn tables_read(&self) -> usize;
    /// Processes the young folios the walks recorded (lock dropped).
    fn process(&mut self);
    /// Whether the visit must end now: the thread is stopping, or the
    /// visit had its turn (see [`crate::turns::turn_over`]).
    fn should_stop(&self) -> bool;
    /// Gives the CPU to other tasks if they need it.
    fn yield_cpu(&mut self);
}

/// How a visit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitEnd {
    /// Where the next visit starts (0 after a wrap).
    pub cursor: usize,
    /// Whether the visit reached the end of the address space.
    pub wrapped: bool,
    /// Budget bytes used: the address space walked, at a reduced cost
    /// where no page table was read ([`charge`]).
    pub walked: usize,
    /// The lock was taken when the visit began: nothing was done.
    pub busy: bool,
    /// Holds of the mmap lock.
    pub holds: u32,
}

/// `addr` rounded up to a PMD boundary (saturating).
const fn pmd_align_up(addr: usize) -> usize {
    match addr.checked_add(PMD_SIZE - 1) {
        Some(a) => a & !(PMD_SIZE - 1),
        None => usize::MAX & !(PMD_SIZE - 1),
    }
}

/// Visits `a` from `cursor`, walking at most about `budget` bytes.
pub fn visit<A: AddressSpace>(a: &mut A, cursor: usize, budget: usize) -> VisitEnd {
    visit_until(a, cursor, usize::MAX, budget)
}

/// Visits `[start, limit)` of `a`, walking at most about `budget` bytes,
/// with the rules of [`visit`]; reaching `limit` counts as reaching the
/// end (`wrapped`).  A recheck of a few regions is a visit of each.
pub fn visit_until<A: AddressSpace>(
    a: &mut A,
    cursor: usize,
    limit: usize,
    budget: usize,
) -> VisitEnd {
    let mut end = VisitEnd {
        cursor,
        wrapped: false,
        walked: 0,
        busy: false,
        holds: 0,
    };
    let mut addr = cursor;
    loop {
        if !a.try_lock() {
            end.busy = end.holds == 0;
            break;
        }
        end.holds += 1;
        let start_addr = addr;
        let mut stopped = false;
        while end.walked < budget {
            if a.should_stop() || a.contended() {
                stopped = true;
                break;
            }
            let vma = match a.vma_from(addr) {
                Some(vma) if addr < limit && vma.start < limit => vma,
                _ => {
                    end.wrapped = true;
                    break;
                }
            };
            let from = addr.max(vma.start);
            if !vma.walk || from >= vma.end {
                addr = vma.end;
                a.yield_cpu();
                continue;
            }
            let left = budget - end.walked;
            let to = vma
                .end
                .min(limit)
                .min(pmd_align_up(from.saturating_add(left)));
            let read_before = a.tables_read();
            let walk_end = a.walk(from, to);
            let read = a.tables_read().saturating_sub(read_before);
            match walk_end {
                WalkEnd::Done => {
                    end.walked += charge(to - from, read);
                    addr = to;
                }
                WalkEnd::Stopped(next) => {
                    let next = next.clamp(from, to);
                    end.walked += charge(next - from, read);
                    addr = next;
                    stopped = true;
                    break;
                }
                WalkEnd::Failed => addr = vma.end,
            }
        }
        a.unlock();
        a.process();
        // Done (budget, end of the address space), stopping, or no progress
        // under this hold: the next visit resumes at `addr`.
        if !stopped || addr == start_addr || a.should_stop() {
            break;
        }
        a.yield_cpu();
    }
    end.cursor = if end.wrapped { 0 } else { addr };
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    const MB: usize = 1 << 20;

    /// A fake address space: VMAs, a young buffer of `capacity` pages that
    /// fills one page per young page walked, lock contention on demand.
    struct Fake {
        vmas: Vec<Span>,
        /// Pages (4 KiB) that are young, by address.
        young: Vec<usize>,
        capacity: usize,
        buffered: usize,
        locked: bool,
        /// Lock attempts that fail, in order (true: fail).
        lock_fails: Vec<bool>,
        /// Contention reported at these `contended()` calls (by count).
        contended_at: Vec<usize>,
        contended_calls: usize,
        walks: Vec<(usize, usize)>,
        processed: Vec<usize>,
        stop: bool,
        last_vma: Option<Span>,
        /// Page tables (by 2 MiB-aligned address) that are idle: a walk over
        /// their whole 2 MiB skips them.  Every other table is read.
        idle: Vec<usize>,
        read: usize,
    }

    impl Fake {
        fn new(vmas: &[(usize, usize, bool)]) -> Self {
            Fake {
                vmas: vmas
                    .iter()
                    .map(|&(s, e, w)| Span {
                        start: s,
                        end: e,
                        walk: w,
                    })
                    .collect(),
                young: Vec::new(),
                capacity: usize::MAX,
                buffered: 0,
                locked: false,
                lock_fails: Vec::new(),
                contended_at: Vec::new(),
                contended_calls: 0,
                walks: Vec::new(),
                processed: Vec::new(),
                stop: false,
                last_vma: None,
                idle: Vec::new(),
                read: 0,
            }
        }
    }

    impl AddressSpace for Fake {
        fn try_lock(&mut self) -> bool {
            assert!(!self.locked, "lock taken twice");
            if !self.lock_fails.is_empty() && self.lock_fails.remove(0) {
                return false;
            }
            self.locked = true;
            true
        }
        fn unlock(&mut self) {
            assert!(self.locked, "unlock without lock");
            self.locked = false;
        }
        fn contended(&self) -> bool {
            assert!(self.locked);
            // `contended` takes &self: count through a cell-free trick.
            let calls = self.contended_calls;
            self.contended_at.contains(&calls)
        }
        fn vma_from(&mut self, addr: usize) -> Option<Span> {
            assert!(self.locked, "VMA lookup without the lock");
            self.contended_calls += 1;
            let v = self.vmas.iter().copied().find(|v| v.end > addr);
            self.last_vma = v;
            v
        }
        fn walk(&mut self, start: usize, end: usize) -> WalkEnd {
            assert!(self.locked, "walk without the lock");
            let v = self.last_vma.expect("walk before vma_from");
            assert!(
                v.walk && v.start <= start && start < end && end <= v.end,
                "bad range"
            );
            let mut addr = start;
            while addr < end {
                if addr.is_multiple_of(PMD_SIZE)
                    && addr + PMD_SIZE <= end
                    && self.idle.contains(&addr)
                {
                    addr += PMD_SIZE;
                    continue;
                }
                if addr == start || addr.is_multiple_of(PMD_SIZE) {
                    self.read += 1;
                }
                if self.young.contains(&addr) {
                    if self.buffered == self.capacity {
                        self.walks.push((start, addr));
                        return WalkEnd::Stopped(addr);
                    }
                    self.buffered += 1;
                }
                addr += 4096;
            }
            self.walks.push((start, end));
            WalkEnd::Done
        }
        fn tables_read(&self) -> usize {
            self.read
        }
        fn process(&mut self) {
            assert!(!self.locked, "processing under the mmap lock");
            self.processed.push(self.buffered);
            self.buffered = 0;
        }
        fn should_stop(&self) -> bool {
            self.stop
        }
        fn yield_cpu(&mut self) {}
    }

    #[test]
    fn walks_every_vma_and_wraps_at_the_end() {
        let mut f = Fake::new(&[(4 * MB, 8 * MB, true), (16 * MB, 20 * MB, true)]);
        let e = visit(&mut f, 0, 1 << 40);
        assert!(e.wrapped && !e.busy);
        assert_eq!(e.cursor, 0);
        assert_eq!(e.walked, 8 * MB);
        assert_eq!(f.walks, vec![(4 * MB, 8 * MB), (16 * MB, 20 * MB)]);
        assert_eq!(e.holds, 1);
    }

    #[test]
    fn the_budget_ends_on_a_pmd_boundary_and_the_next_visit_resumes_there() {
        let mut f = Fake::new(&[(0, 64 * MB, true)]);
        let e = visit(&mut f, 0, 3 * MB);
        assert!(!e.wrapped);
        assert_eq!(e.cursor, 4 * MB, "3 MiB rounded up to 4 MiB");
        let e = visit(&mut f, e.cursor, 3 * MB);
        assert_eq!(f.walks, vec![(0, 4 * MB), (4 * MB, 8 * MB)]);
        assert_eq!(e.cursor, 8 * MB);
    }

    #[test]
    fn a_visit_resumes_in_the_middle_of_a_vma() {
        let mut f = Fake::new(&[(2 * MB, 40 * MB, true)]);
        let e = visit(&mut f, 10 * MB, 1 << 40);
        assert_eq!(f.walks, vec![(10 * MB, 40 * MB)]);
        assert!(e.wrapped);
    }

    #[test]
    fn vmas_passed_over_cost_no_budget() {
        let mut f = Fake::new(&[(0, 100 * MB, false), (100 * MB, 104 * MB, true)]);
        let e = visit(&mut f, 0, 4 * MB);
        assert_eq!(f.walks, vec![(100 * MB, 104 * MB)]);
        assert_eq!(e.walked, 4 * MB);
    }

    #[test]
    fn a_vma_answered_in_parts_is_walked_part_by_part() {
        // One VMA [2, 10) MiB of shared memory whose file policy binds
        // [4, 7) MiB: each answer starts at the VMA's start and ends where
        // its rule stops holding.
        let mut f = Fake::new(&[
            (2 * MB, 4 * MB, true),
            (2 * MB, 7 * MB, false),
            (2 * MB, 10 * MB, true),
        ]);
        let e = visit(&mut f, 0, 1 << 40);
        assert!(e.wrapped);
        assert_eq!(f.walks, vec![(2 * MB, 4 * MB), (7 * MB, 10 * MB)]);
        assert_eq!(e.walked, 5 * MB);
    }

    #[test]
    fn a_full_young_buffer_drops_the_lock_processes_and_resumes() {
        let mut f = Fake::new(&[(0, 4 * MB, true)]);
        f.young = (0..10).map(|i| i * 4096 * 100).collect();
        f.capacity = 4;
        let e = visit(&mut f, 0, 1 << 40);
        assert!(e.wrapped);
        assert_eq!(
            f.processed,
            vec![4, 4, 2],
            "every young page processed once"
        );
        assert_eq!(e.holds, 3);
        assert_eq!(e.walked, 4 * MB);
        // The walks cover the VMA exactly once, in order.
        let mut at = 0;
        for &(s, t) in &f.walks {
            assert_eq!(s, at);
            at = t;
        }
        assert_eq!(at, 4 * MB);
    }

    #[test]
    fn a_busy_mm_is_left_alone() {
        let mut f = Fake::new(&[(0, 4 * MB, true)]);
        f.lock_fails = vec![true];
        let e = visit(&mut f, 6 * MB, 1 << 40);
        assert!(e.busy && !e.wrapped);
        assert_eq!(e.cursor, 6 * MB, "the cursor does not move");
        assert!(f.walks.is_empty() && f.processed.is_empty());
    }

    #[test]
    fn losing_the_lock_between_holds_ends_the_visit_where_it_was() {
        let mut f = Fake::new(&[(0, 4 * MB, true)]);
        f.young = vec![0, 4096, 8192];
        f.capacity = 1;
        f.lock_fails = vec![false, true];
        let e = visit(&mut f, 0, 1 << 40);
        assert!(!e.busy, "the first hold made progress");
        assert_eq!(e.cursor, 4096);
        assert_eq!(f.processed, vec![1]);
    }

    #[test]
    fn a_waiting_writer_ends_the_hold_between_vmas() {
        let mut f = Fake::new(&[(0, 2 * MB, true), (2 * MB, 4 * MB, true)]);
        // Contention reported after the first VMA lookup.
        f.contended_at = vec![1];
        let e = visit(&mut f, 0, 1 << 40);
        assert_eq!(f.walks, vec![(0, 2 * MB)]);
        assert_eq!(e.cursor, 2 * MB);
        assert!(!e.wrapped);
    }

    #[test]
    fn contention_before_any_progress_ends_the_visit() {
        let mut f = Fake::new(&[(0, 2 * MB, true)]);
        f.contended_at = vec![0];
        let e = visit(&mut f, 0, 1 << 40);
        assert!(f.walks.is_empty());
        assert_eq!(e.cursor, 0);
        assert_eq!(e.holds, 1);
    }

    #[test]
    fn stopping_ends_the_visit_at_once() {
        let mut f = Fake::new(&[(0, 4 * MB, true)]);
        f.stop = true;
        let e = visit(&mut f, 0, 1 << 40);
        assert!(f.walks.is_empty());
        assert_eq!(e.cursor, 0);
    }

    #[test]
    fn an_empty_address_space_wraps_at_once() {
        let mut f = Fake::new(&[]);
        let e = visit(&mut f, 123 * MB, 1 << 30);
        assert!(e.wrapped);
        assert_eq!(e.cursor, 0);
        assert_eq!(f.processed, vec![0]);
    }

    #[test]
    fn idle_tables_cost_a_fraction_of_their_span() {
        assert_eq!(charge(4 * MB, 2), 4 * MB);
        assert_eq!(charge(4 * MB, 1), 2 * MB + PMD_SIZE / IDLE_TABLE_COST);
        assert_eq!(charge(4 * MB, 0), 2 * PMD_SIZE / IDLE_TABLE_COST);
        assert_eq!(charge(MB, 5), MB, "never more than walked");
        assert_eq!(charge(usize::MAX, 0), usize::MAX / IDLE_TABLE_COST);
        assert_eq!(charge(usize::MAX, usize::MAX), usize::MAX);
    }

    #[test]
    fn a_mostly_idle_address_space_is_swept_in_one_visit() {
        // 1 GiB, all idle but the 2 MiB at 512 MiB, with a 64 MiB budget:
        // one visit reaches the end and walks the active table.
        let mut f = Fake::new(&[(0, 1024 * MB, true)]);
        f.idle = (0..512)
            .map(|i| i * PMD_SIZE)
            .filter(|&a| a != 512 * MB)
            .collect();
        f.young = vec![512 * MB];
        let e = visit(&mut f, 0, 64 * MB);
        assert!(e.wrapped, "one visit covers the idle GiB");
        assert_eq!(
            f.processed.iter().sum::<usize>(),
            1,
            "the active table was read"
        );
        assert_eq!(e.walked, 2 * MB + 511 * (PMD_SIZE / IDLE_TABLE_COST));
        // All active: the budget ends the visit after 64 MiB.
        let mut f = Fake::new(&[(0, 1024 * MB, true)]);
        let e = visit(&mut f, 0, 64 * MB);
        assert!(!e.wrapped);
        assert_eq!(e.cursor, 64 * MB);
    }

    #[test]
    fn a_range_visit_stops_at_its_limit_and_counts_as_wrapped() {
        let mut f = Fake::new(&[
            (0, 8 * MB, true),
            (10 * MB, 20 * MB, true),
            (30 * MB, 40 * MB, true),
        ]);
        let e = visit_until(&mut f, 4 * MB, 14 * MB, 1 << 40);
        assert!(e.wrapped);
        assert_eq!(f.walks, vec![(4 * MB, 8 * MB), (10 * MB, 14 * MB)]);
        assert_eq!(e.walked, 8 * MB);
        // A limit in a gap, or before the next VMA, walks nothing past it.
        let mut f = Fake::new(&[(0, 8 * MB, true), (30 * MB, 40 * MB, true)]);
        let e = visit_until(&mut f, 2 * MB, 20 * MB, 1 << 40);
        assert!(e.wrapped);
        assert_eq!(f.walks, vec![(2 * MB, 8 * MB)]);
    }

    #[test]
    fn a_range_visit_keeps_the_budget() {
        let mut f = Fake::new(&[(0, 64 * MB, true)]);
        let e = visit_until(&mut f, 0, 32 * MB, 4 * MB);
        assert!(!e.wrapped);
        assert_eq!(e.cursor, 4 * MB);
        assert_eq!(f.walks, vec![(0, 4 * MB)]);
    }

    #[test]
    fn addresses_near_the_top_do_not_overflow() {
        let top = usize::MAX & !(PMD_SIZE - 1);
        let mut f = Fake::new(&[(top - 4 * MB, top, true)]);
        let e = visit(&mut f, top - 4 * MB, usize::MAX);
        assert!(e.wrapped);
        assert_eq!(f.walks, vec![(top - 4 * MB, top)]);
    }
}
