// SPDX-License-Identifier: GPL-2.0

//! Turns: address spaces with hot memory to promote share the thread.
//!
//! A visit ends once the pages it promoted reach [`TURN_PAGES`], at the end
//! of that round of promotion: its turn is over.  The address space is then
//! due again at once ([`Left::more_now`]; [`crate::pace::next_visit_wait_ms`])
//! and goes into the [`Queue`] of the processes to visit again.  A wake-up
//! first steps the process cursor as usual (visiting whatever is due,
//! queued processes included), then visits the queued processes in turn
//! for up to [`TURNS_SLICE_MS`]; if some still have more to promote, the
//! next wake-up starts at once instead of after `scan_sleep_ms`, and its
//! cursor step lets processes that became due meanwhile join.
//!
//! Without turns, one visit promoted everything its walk found hot before
//! the next process's visit began: eight processes whose hot sets reached
//! the slow tier together were promoted one after another, each waiting
//! for the whole hot sets of those before it, where NUMA balancing, which
//! migrates in each process's own hint faults, shares by construction.  The
//! queue keeps a process's turns coming when thousands of idle processes
//! make one step of the cursor long: it does not wait for the cursor to
//! come round.
//!
//! A turn is that short only when the thread is shared ([`Turn::Shared`]):
//! when another process had work for it (it promoted pages, or found some
//! young to recheck) within the last [`CONTEST_WINDOW_MS`] ([`Contenders`]).
//! A process alone promotes for at least [`TURN_ALONE_MS`] a turn
//! ([`Turn::Alone`]): ending its visit every 4 MiB cost one process that
//! promotes a GiB its lock, VMA lookups and accounting hundreds of times
//! (its hot set stayed on the slow tier 4.7 s against 4.2 s without
//! turns), and a process that turns hot meanwhile still waits at most that
//! long for the cursor to come to it.

/// Pages one visit promotes before its turn is over (4 MiB of base pages,
/// one young buffer's worth).
pub const TURN_PAGES: u64 = 1024;

/// How long one wake-up visits the queued processes again, at least one
/// visit (ms).  Under it, a process that became due meanwhile waits at most
/// about this long, plus a turn, to share.
pub const TURNS_SLICE_MS: u64 = 100;

/// Most processes the queue holds: more stay due and are visited when the
/// cursor comes to them.
pub const QUEUE_MAX: usize = 32;

/// How long a process alone with the thread promotes a turn, at least
/// (ms of its visit).
pub const TURN_ALONE_MS: u64 = 500;

/// How recently another process must have had work for the thread for a
/// visit's turn to be shared (ms): a process promoting in turns is visited
/// again within a wake-up or two, one with young pages to recheck within
/// `pace::RECHECK_WAIT_MS`; an idle one never counts.
pub const CONTEST_WINDOW_MS: u64 = 2000;

/// How long a visit's turn is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Other processes wait for the thread: [`TURN_PAGES`] promoted.
    Shared,
    /// No other process does: [`TURN_PAGES`] promoted and [`TURN_ALONE_MS`]
    /// spent.
    Alone,
}

/// Whether a visit with turn `turn` that promoted `promoted_pages` in
/// `visit_ms` has had its turn.
pub const fn turn_over(turn: Turn, promoted_pages: u64, visit_ms: u64) -> bool {
    promoted_pages >= TURN_PAGES
        && match turn {
            Turn::Shared => true,
            Turn::Alone => visit_ms >= TURN_ALONE_MS,
        }
}

/// The last two processes that had work for the thread, and when: enough
/// to tell whether any process other than a given one had some recently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Contenders {
    /// (thread-group id, ms), the most recent first; distinct pids.
    last: [Option<(i32, u64)>; 2],
}

impl Contenders {
    /// No process had work yet.
    pub const fn new() -> Self {
        Contenders { last: [None; 2] }
    }

    /// Notes that a visit of `pid` at `now_ms` found work: it promoted
    /// pages or noted young ones to recheck.
    pub fn note_work(&mut self, pid: i32, now_ms: u64) {
        match self.last[0] {
            Some((p, _)) if p == pid => {}
            _ => self.last[1] = self.last[0],
        }
        self.last[0] = Some((pid, now_ms));
    }

    /// The turn of a visit of `pid` at `now_ms`: shared if another process
    /// had work within [`CONTEST_WINDOW_MS`].
    pub fn turn_for(&self, pid: i32, now_ms: u64) -> Turn {
        // The most recent other process is one of the last two distinct.
        let other = self.last.iter().flatten().find(|&&(p, _)| p != pid);
        match other {
            Some(&(_, t)) if now_ms.saturating_sub(t) < CONTEST_WINDOW_MS => Turn::Shared,
            _ => Turn::Alone,
        }
    }

    /// Forgets every process.
    pub fn clear(&mut self) {
        self.last = [None; 2];
    }
}

/// What a visit left for the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Left {
    /// Nothing: the next visit goes on with the sweep.
    Nothing,
    /// Regions the sweep found young for the first time, to recheck.
    Regions,
    /// Its turn ended in the middle of a recheck: the rest of the regions.
    RestOfRecheck,
    /// Its turn ended in the sweep, with no new region to recheck.
    RestOfSweep,
}

impl Left {
    /// What a visit left: `turn_over` whether it had its turn
    /// ([`turn_over`]), `recheck_cut` whether it stopped in its recheck
    /// (the rest of the regions is then what is left to recheck),
    /// `to_recheck` whether regions are left to recheck.
    pub fn after(turn_over: bool, recheck_cut: bool, to_recheck: bool) -> Left {
        match (turn_over, recheck_cut, to_recheck) {
            (true, true, _) => Left::RestOfRecheck,
            (_, _, true) => Left::Regions,
            (true, false, false) => Left::RestOfSweep,
            (false, _, false) => Left::Nothing,
        }
    }

    /// Whether the visit had its turn with more to do at once: the thread
    /// visits the address space again once the other due processes had
    /// theirs.
    pub const fn more_now(self) -> bool {
        matches!(self, Left::RestOfRecheck | Left::RestOfSweep)
    }
}

/// The processes (thread-group ids) to visit again, in order, each once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queue {
    pids: [i32; QUEUE_MAX],
    len: usize,
}

impl Default for Queue {
    fn default() -> Self {
        Self::new()
    }
}

impl Queue {
    /// An empty queue.
    pub const fn new() -> Self {
        Queue {
            pids: [0; QUEUE_MAX],
            len: 0,
        }
    }

    /// Whether no process is queued.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The queued processes, first to visit first.
    pub fn pids(&self) -> &[i32] {
        &self.pids[..self.len]
    }

    /// Queues `pid` at the end, unless it is queued already.  Returns false
    /// if the queue is full (the process stays due: the cursor visits it
    /// when it comes to it).
    pub fn note(&mut self, pid: i32) -> bool {
        if self.pids().contains(&pid) {
            return true;
        }
        if self.len == QUEUE_MAX {
            return false;
        }
        self.pids[self.len] = pid;
        self.len += 1;
        true
    }

    /// Takes the queued processes, leaving the queue empty.
    pub fn take(&mut self) -> Queue {
        core::mem::take(self)
    }

    /// Forgets every process.
    pub fn clear(&mut self) {
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_turn_is_over_at_turn_pages() {
        assert!(!turn_over(Turn::Shared, TURN_PAGES - 1, 0));
        assert!(turn_over(Turn::Shared, TURN_PAGES, 0));
        assert!(turn_over(Turn::Shared, u64::MAX, 0));
    }

    #[test]
    fn a_turn_alone_also_lasts_turn_alone_ms() {
        assert!(!turn_over(Turn::Alone, TURN_PAGES, TURN_ALONE_MS - 1));
        assert!(!turn_over(Turn::Alone, u64::MAX, 0));
        assert!(turn_over(Turn::Alone, TURN_PAGES, TURN_ALONE_MS));
        // Time alone is no turn: a visit that promotes little goes on with
        // its sweep (its scan budget ends it).
        assert!(!turn_over(Turn::Alone, TURN_PAGES - 1, u64::MAX));
    }

    #[test]
    fn a_turn_is_shared_while_another_process_had_work_recently() {
        let mut c = Contenders::new();
        assert_eq!(c.turn_for(1, 0), Turn::Alone);
        c.note_work(1, 100);
        c.note_work(1, 200);
        assert_eq!(c.turn_for(1, 300), Turn::Alone, "only itself");
        assert_eq!(c.turn_for(2, 300), Turn::Shared, "1 had work");
        assert_eq!(
            c.turn_for(2, 200 + CONTEST_WINDOW_MS),
            Turn::Alone,
            "long ago"
        );
        c.note_work(2, 400);
        assert_eq!(c.turn_for(1, 500), Turn::Shared);
        assert_eq!(c.turn_for(2, 500), Turn::Shared);
        // 1 goes on alone: 2's work ages out of the window.
        c.note_work(1, 1000);
        c.note_work(1, 1500);
        assert_eq!(c.turn_for(1, 400 + CONTEST_WINDOW_MS - 1), Turn::Shared);
        assert_eq!(c.turn_for(1, 400 + CONTEST_WINDOW_MS), Turn::Alone);
        // Three processes: the most recent other one counts.
        c.note_work(3, 1600);
        assert_eq!(c.turn_for(1, 1700), Turn::Shared);
        assert_eq!(c.turn_for(3, 1700), Turn::Shared);
        c.clear();
        assert_eq!(c.turn_for(3, 1700), Turn::Alone);
    }

    #[test]
    fn what_a_visit_left() {
        // A turn cut in the recheck goes on with it at once; one cut in the
        // sweep waits for the regions it noted, or goes on at once.
        assert_eq!(Left::after(true, true, true), Left::RestOfRecheck);
        assert_eq!(Left::after(true, true, false), Left::RestOfRecheck);
        assert_eq!(Left::after(true, false, true), Left::Regions);
        assert_eq!(Left::after(true, false, false), Left::RestOfSweep);
        // Not a turn over (stopped for a knob write): regions wait, else
        // the period.
        assert_eq!(Left::after(false, true, true), Left::Regions);
        assert_eq!(Left::after(false, false, true), Left::Regions);
        assert_eq!(Left::after(false, false, false), Left::Nothing);
        assert!(Left::RestOfRecheck.more_now() && Left::RestOfSweep.more_now());
        assert!(!Left::Regions.more_now() && !Left::Nothing.more_now());
    }

    #[test]
    fn the_queue_keeps_order_once_each_and_is_bounded() {
        let mut q = Queue::new();
        assert!(q.is_empty());
        assert!(q.note(7) && q.note(3) && q.note(7));
        assert_eq!(q.pids(), [7, 3]);
        let mut round = q.take();
        assert!(q.is_empty());
        assert_eq!(round.pids(), [7, 3]);
        round.clear();
        assert!(round.is_empty());
        for pid in 0..QUEUE_MAX as i32 {
            assert!(q.note(pid));
        }
        assert!(!q.note(1000), "full");
        assert!(q.note(5), "already queued");
        assert_eq!(q.pids().len(), QUEUE_MAX);
    }
}
