// SPDX-License-Identifier: GPL-2.0

//! Per-mm scan pacing: how long until the next visit of an address space
//! and how much of it that visit covers.
//!
//! The kmmscand RFC adapts the period from the useful pages of the last two
//! *visits* (X, Y): 0,0: +15%; >0,>0: -15%; >0,0: x8; 0,>0: /8.  Two of its
//! rules go wrong for the way users run a promotion daemon:
//!
//! - "found, then none: x8" reacts to a process's allocation burst (every
//!   new page is young): a process that populates its memory, pauses and
//!   then turns hot is next looked at up to 8 periods later;
//! - a visit cut short (scan size reached, end of the address space, lock
//!   contention) is compared with a full one, so the verdict depends on
//!   where the cursor happened to stop.
//!
//! The rules here react to hot memory at once and back off only on the
//! evidence of a whole sweep (one pass of the cursor over the address
//! space):
//!
//! | after a visit that ...                              | period            | size     |
//! |-----------------------------------------------------|-------------------|----------|
//! | found hot candidates but promoted none: no room     | x2 (backs off)    | same     |
//! | found young slow-tier pages                         | minimum           | x2       |
//! | ended a sweep that found none                       | x2                | /2       |
//! | ... of an mm with pages promoted in the last minute  | x2, up to its read cost | /2 |
//! | ended a sweep that read all it passed and saw no slow-tier page | x2, up to 4x max | /2 |
//! | anything else (mid-sweep)                           | same              | same     |
//!
//! So an idle mm is looked at every `scan_period_max_ms` (2 s by default:
//! cheap, since page tables whose PMD was not accessed since the previous
//! sweep are skipped without reading them), an mm that turns hot is found
//! within that, and from then on it is revisited every
//! `scan_period_min_ms` with a scan size that grows until one visit covers
//! the mm.  "Young" totals below [`NOISE_FLOOR_PAGES`] count as none.
//!
//! The longer back-off (up to [`NO_SLOW_MEMORY_FACTOR`] times the maximum)
//! is only for an mm the sweep saw entirely, in DRAM: one whose page tables
//! were all read (an idle table skipped unread may map slow-tier pages) and
//! none of whose VMAs were passed over for a memory policy (a binding may
//! be lifted, and the memory under it is then promotable at once).  Such an
//! mm costs the most to scan (every table read) and has nothing to promote.
//!
//! An mm that had pages promoted in the last
//! [`WATCH_AFTER_PROMOTION_MS`] is an application at work whose hot set
//! may move: its idle sweeps back off only up to the period at which
//! re-reading what the last sweep read costs [`WATCH_READ_PAGES_PER_S`]
//! (at least `scan_period_min_ms`, at most `scan_period_max_ms`).  A
//! window that turns hot on the slow tier beside a 64 MiB hot set in DRAM
//! is then seen within `scan_period_min_ms`, not `scan_period_max_ms`
//! (NUMA balancing finds it at its first hint fault, within a second),
//! and a 1 GiB hot set, which costs 256 Ki entries a sweep, keeps the
//! 2 s maximum.  Every other mm backs off as before: an idle process
//! costs a visit, not its hot tables, and there may be thousands.
//!
//! [`is_due`] also lets a change cut a wait short: a write hold of the
//! mmap lock (mmap, munmap, mprotect, mbind...) or a demotion anywhere
//! since the last visit makes an mm due `scan_period_max_ms` after that
//! visit at the latest, and a write hold after `scan_period_min_ms` if its
//! sweeps passed over VMAs for their policy (an `mbind()` may just have
//! lifted a binding: a workload placed under `MPOL_BIND`, then let go, is
//! found at once).

use super::turns::Left;

/// Useful-page totals below this count as zero: a few young pages are
/// noise, not a sign that the mm has hot memory on the slow tier.
pub const NOISE_FLOOR_PAGES: u64 = 64;

/// An mm whose last sweep saw no slow-tier page at all is visited up to
/// this many times less often than `scan_period_max_ms`: it has nothing
/// to promote until the kernel demotes some of its memory.
pub const NO_SLOW_MEMORY_FACTOR: u32 = 4;

/// How long after its last promotion an mm is watched closely (ms): its
/// idle sweeps back off only as far as [`WATCH_READ_PAGES_PER_S`] allows.
pub const WATCH_AFTER_PROMOTION_MS: u64 = 60_000;

/// Mapped pages whose page-table entries a closely watched mm's idle
/// sweeps may read per second: 64 Ki (256 MiB of mappings), a few
/// milliseconds of one CPU.
pub const WATCH_READ_PAGES_PER_S: u64 = 65_536;

/// Processes one wake-up examines at most, per address space it may visit
/// (`mms_to_scan`): 8, so 512 by default.
///
/// Examining a process costs a `task_lock()` per thread and an
/// `mmget()`/`mmput()` of its mm whether or not it is due.  Without a bound,
/// a wake-up that finds fewer due address spaces than `mms_to_scan` walks
/// every process: 2,000 idle processes cost 20,000 examinations a second
/// at the default `scan_sleep_ms`.  With it, the cursor goes on where the
/// last wake-up stopped, a pass over N processes spans N / 512 wake-ups
/// (0.4 s for 2,000 at 100 ms), and a process that turns hot is still
/// found within a pass.
pub const EXAMINE_PER_MM: u32 = 8;

/// Pids one step of the process cursor looks at, at most, before it lets
/// go of the RCU read lock it looks at them under (kernel threads and
/// processes without an mm are passed over inside a step).  A step costs
/// one examination of [`examine_budget`]; 64 keeps an RCU section short
/// (a few microseconds) on a host with many kernel threads.
pub const PIDS_PER_STEP: u32 = 64;

/// The processes one wake-up examines at most ([`EXAMINE_PER_MM`] times
/// `mms_to_scan`).
pub const fn examine_budget(mms_to_scan: u32) -> u32 {
    mms_to_scan.saturating_mul(EXAMINE_PER_MM)
}

/// How often and how much of one address space is scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// Interval to the next visit of this mm (ms).
    pub period_ms: u32,
    /// Address space covered by one visit of this mm (MiB).
    pub size_mb: u32,
}

/// The bounds [`next_pace`] keeps a [`Pace`] within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceBounds {
    /// Shortest period (ms).
    pub period_min_ms: u32,
    /// Longest period of an mm with slow-tier memory (ms).
    pub period_max_ms: u32,
    /// Smallest scan size (MiB).
    pub size_min_mb: u32,
    /// Largest scan size (MiB).
    pub size_max_mb: u32,
}

impl PaceBounds {
    /// Longest period of any mm (ms): that of an mm without slow-tier
    /// memory.
    pub fn period_ceiling_ms(&self) -> u32 {
        self.period_max_ms.saturating_mul(NO_SLOW_MEMORY_FACTOR)
    }
}

/// What one visit of an mm found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Visit {
    /// Young slow-tier pages found by this visit.
    pub young_pages: u64,
    /// Pages promoted by this visit.
    pub promoted_pages: u64,
    /// Hot pages this visit could not promote for lack of room on the target.
    pub target_full_pages: u64,
    /// Hot pages this visit did not promote because the process's cgroup
    /// reached its top-tier cap (`cgroup_toptier_max_mb`).
    pub capped_pages: u64,
    /// Whether room-making was held during this visit (ping-pong, or
    /// requests that brought no room: [`crate::thrash::Governor`]): no
    /// room comes from kswapd soon.
    pub room_held: bool,
    /// Whether this visit ended a sweep (the cursor reached the end).
    pub sweep_done: bool,
    /// Young slow-tier pages found by the current sweep, this visit included.
    pub sweep_young_pages: u64,
    /// Slow-tier pages seen by the current sweep, this visit included.
    pub sweep_slow_pages: u64,
    /// Whether the current sweep passed over memory it did not read: page
    /// tables skipped as idle, or VMAs whose policy forbids promotion.
    pub sweep_unread: bool,
    /// Mapped pages, on any node, under the entries the current sweep read
    /// (this visit included): what a sweep of this mm costs.
    pub sweep_read_pages: u64,
    /// Time since pages of this mm were last promoted (ms); `None` if
    /// never.  Within [`WATCH_AFTER_PROMOTION_MS`] the mm is watched.
    pub since_promotion_ms: Option<u64>,
}

/// Whether a total of young pages counts.
pub const fn counts(useful_pages: u64) -> bool {
    useful_pages >= NOISE_FLOOR_PAGES
}

/// Whether visit `v` found hot pages and could promote none of them: the
/// target had no room, or the process's cgroup reached its top-tier cap.
/// Such a visit doubles the period ([`next_pace`]).
pub fn futile(v: &Visit) -> bool {
    (v.target_full_pages > 0 || v.capped_pages > 0) && v.promoted_pages == 0
}

/// What visit `v` leaves due before the mm's period, given what it left
/// (`left`).  A visit that promoted nothing because the process's cgroup is
/// at its top-tier cap leaves nothing: the cap moves only as the cgroup's
/// own memory does, so its regions to recheck and the rest of its sweep
/// wait for the period, and it gives up its turn.  A visit refused for lack
/// of room keeps `left`: it asked kswapd for room, which comes within
/// milliseconds to seconds, and a recheck soon promotes into it (waiting
/// the period there made 35-dram-full reach 90% in 48 s instead of 21-43);
/// unless room-making is held ([`crate::thrash`]): then nobody makes room, and
/// it waits as a capped one does.
pub fn left_after(left: Left, v: &Visit) -> Left {
    let refused = v.capped_pages > 0 || (v.room_held && v.target_full_pages > 0);
    if refused && v.promoted_pages == 0 {
        Left::Nothing
    } else {
        left
    }
}

/// The pace after visit `v`, the pace having been `cur`.
pub fn next_pace(cur: Pace, v: &Visit, b: &PaceBounds) -> Pace {
    let p = u64::from(cur.period_ms);
    let s = u64::from(cur.size_mb);
    let mut ceiling = u64::from(b.period_max_ms);
    let (period, size) = if futile(v) {
        (p.saturating_mul(2), s)
    } else if counts(v.young_pages) {
        (u64::from(b.period_min_ms), s.saturating_mul(2))
    } else if v.sweep_done && !counts(v.sweep_young_pages) {
        if v.sweep_slow_pages == 0 && !v.sweep_unread {
            ceiling = u64::from(b.period_ceiling_ms());
        } else if v
            .since_promotion_ms
            .is_some_and(|t| t <= WATCH_AFTER_PROMOTION_MS)
        {
            ceiling = watched_ceiling_ms(v.sweep_read_pages).min(ceiling);
        }
        (p.saturating_mul(2), s / 2)
    } else {
        (p, s)
    };
    let period = period.clamp(
        u64::from(b.period_min_ms),
        ceiling.max(u64::from(b.period_min_ms)),
    );
    let size = size.clamp(
        u64::from(b.size_min_mb),
        u64::from(b.size_max_mb).max(u64::from(b.size_min_mb)),
    );
    Pace {
        period_ms: period.min(u64::from(u32::MAX)) as u32,
        size_mb: size.min(u64::from(u32::MAX)) as u32,
    }
}

/// The longest idle period of a closely watched mm whose sweep reads
/// `read_pages` (ms): the period at which its sweeps read
/// [`WATCH_READ_PAGES_PER_S`].  [`next_pace`] keeps it within the bounds.
pub fn watched_ceiling_ms(read_pages: u64) -> u64 {
    read_pages.saturating_mul(1000) / WATCH_READ_PAGES_PER_S
}

/// The wait before the next visit of an mm whose last visit left regions
/// to recheck (ms): half of `scan_period_min_ms`, or its period if that is
/// shorter.  The recheck walks only the 2 MiB regions where pages were
/// young for the first time, so it is cheap, and the sooner it comes, the
/// sooner a page used again is promoted (and the more often a page must
/// be used to count as hot: at least once in that interval).
pub fn recheck_wait_ms(period_ms: u32, b: &PaceBounds) -> u32 {
    period_ms.min((b.period_min_ms / 2).max(1))
}

/// When the thread wakes up next (ms), having gone to sleep at `now_ms`
/// for `scan_sleep_ms`, with rechecks due at `rechecks_due_ms` (ms, one per
/// mm that has regions to recheck): at the earliest of those still to
/// come if it comes before `scan_sleep_ms` is over, so that a recheck
/// comes [`recheck_wait_ms`] after its sweep and not up to `scan_sleep_ms`
/// later.  Only rechecks bring the wake-up forward: they exist only where
/// a visit just found young pages, so idle processes add no wake-ups.  A
/// recheck already due (the wake-up that just ended did not do it: it
/// visited nothing while room-making was held, or ran out of budget)
/// brings nothing forward, or the thread would wake up every millisecond
/// for it.
pub fn wake_at_ms(
    now_ms: u64,
    scan_sleep_ms: u32,
    rechecks_due_ms: impl IntoIterator<Item = u64>,
) -> u64 {
    let at = now_ms.saturating_add(u64::from(scan_sleep_ms));
    rechecks_due_ms
        .into_iter()
        .filter(|&r| r > now_ms)
        .fold(at, u64::min)
}

/// The wait before the next visit of an mm whose visit left `left`, its
/// period being `period_ms` (ms).  A visit whose turn ended
/// ([`crate::turns`]) goes on at once (after the other due processes had
/// theirs) unless it has just noted regions to recheck: those wait
/// [`recheck_wait_ms`], or a page used once would look hot.
pub fn next_visit_wait_ms(period_ms: u32, left: Left, b: &PaceBounds) -> u32 {
    match left {
        Left::Nothing => period_ms,
        Left::Regions => recheck_wait_ms(period_ms, b),
        Left::RestOfRecheck | Left::RestOfSweep => 0,
    }
}

/// When an mm is due, as [`is_due`] decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// When its last visit ended (ms).
    pub last_visit_ms: u64,
    /// When its next visit is due by its pace (ms).
    pub next_visit_ms: u64,
    /// Whether its address space changed (a write hold of the mmap lock)
    /// since the last visit.
    pub layout_changed: bool,
    /// Whether the kernel demoted pages to the slow tier since the last
    /// visit (some may be this mm's).
    pub slow_tier_grew: bool,
    /// Whether its last complete sweep passed over VMAs for their policy.
    pub policy_skipped: bool,
}

/// Whether an mm scheduled as `s` is due at `now_ms`.  A visit scheduled
/// further out than the longest period allows (the knob was lowered) is
/// due at once; a changed address space is due sooner (see the module
/// documentation).
pub fn is_due(s: &Schedule, now_ms: u64, b: &PaceBounds) -> bool {
    if now_ms >= s.next_visit_ms || s.next_visit_ms - now_ms > u64::from(b.period_ceiling_ms()) {
        return true;
    }
    if !s.layout_changed && !s.slow_tier_grew {
        return false;
    }
    let wait = if s.layout_changed && s.policy_skipped {
        b.period_min_ms
    } else {
        b.period_max_ms
    };
    now_ms >= s.last_visit_ms.saturating_add(u64::from(wait))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wakeup_examines_a_bounded_number_of_processes() {
        assert_eq!(examine_budget(64), 512);
        assert_eq!(examine_budget(1), 8);
        assert_eq!(examine_budget(u32::MAX), u32::MAX);
        // 2,000 idle processes take 4 wake-ups to pass over at the default.
        assert_eq!(2000u32.div_ceil(examine_budget(64)), 4);
    }

    const B: PaceBounds = PaceBounds {
        period_min_ms: 500,
        period_max_ms: 2000,
        size_min_mb: 256,
        size_max_mb: 65536,
    };
    const MID: Pace = Pace {
        period_ms: 1000,
        size_mb: 1024,
    };
    const HOT: u64 = 1000;

    fn visit(young: u64) -> Visit {
        Visit {
            young_pages: young,
            sweep_young_pages: young,
            sweep_slow_pages: young.max(1),
            ..Visit::default()
        }
    }

    fn sweep_end(young: u64, slow: u64) -> Visit {
        Visit {
            young_pages: young,
            sweep_done: true,
            sweep_young_pages: young,
            sweep_slow_pages: slow,
            ..Visit::default()
        }
    }

    #[test]
    fn young_pages_bring_the_period_to_the_minimum_and_grow_the_size() {
        let slow = Pace {
            period_ms: 2000,
            size_mb: 256,
        };
        assert_eq!(
            next_pace(slow, &visit(HOT), &B),
            Pace {
                period_ms: 500,
                size_mb: 512
            }
        );
        assert_eq!(
            next_pace(MID, &visit(HOT), &B),
            Pace {
                period_ms: 500,
                size_mb: 2048
            }
        );
    }

    #[test]
    fn an_idle_sweep_backs_off_twofold_up_to_the_maximum() {
        let mut p = Pace {
            period_ms: 500,
            size_mb: 4096,
        };
        let mut periods = std::vec::Vec::new();
        for _ in 0..4 {
            p = next_pace(p, &sweep_end(0, 1000), &B);
            periods.push(p.period_ms);
        }
        assert_eq!(periods, [1000, 2000, 2000, 2000]);
        assert_eq!(p.size_mb, 256);
    }

    #[test]
    fn allocation_burst_then_pause_does_not_stretch_the_period() {
        // The RFC's rule x8 would give 4 s here; the idle maximum is 2 s
        // whatever came before, so a process that turns hot after a pause
        // is found within scan_period_max_ms.
        let burst = next_pace(MID, &sweep_end(100_000, 100_000), &B);
        assert_eq!(burst.period_ms, 500);
        let pause = next_pace(burst, &sweep_end(0, 100_000), &B);
        assert_eq!(pause.period_ms, 1000);
        let mut p = pause;
        for _ in 0..10 {
            p = next_pace(p, &sweep_end(0, 100_000), &B);
            assert!(p.period_ms <= B.period_max_ms);
        }
    }

    #[test]
    fn a_partial_visit_without_young_pages_changes_nothing_mid_sweep() {
        // The hot part of the mm was found by the previous visit of this
        // sweep; this one covered cold memory only.
        let v = Visit {
            young_pages: 0,
            sweep_done: false,
            sweep_young_pages: 50_000,
            sweep_slow_pages: 100_000,
            ..Visit::default()
        };
        let hot = Pace {
            period_ms: 500,
            size_mb: 2048,
        };
        assert_eq!(next_pace(hot, &v, &B), hot);
        // Nor does the end of a sweep whose earlier visits found young pages.
        let end = Visit {
            sweep_done: true,
            ..v
        };
        assert_eq!(next_pace(hot, &end, &B), hot);
    }

    fn watched(read: u64) -> Visit {
        Visit {
            since_promotion_ms: Some(0),
            sweep_read_pages: read,
            sweep_unread: true,
            ..sweep_end(0, 0)
        }
    }

    #[test]
    fn a_pending_recheck_brings_the_wakeup_forward() {
        assert_eq!(wake_at_ms(1000, 100, []), 1100);
        assert_eq!(wake_at_ms(1000, 100, [1040]), 1040);
        assert_eq!(wake_at_ms(1000, 100, [1300, 1060, 1080]), 1060);
        // One later than the wake-up changes nothing.
        assert_eq!(wake_at_ms(1000, 100, [1300]), 1100);
        // One already due, left undone by the wake-up that just ended
        // (test 42-target-full: room-making held, nothing visited): the
        // thread sleeps its full time instead of waking every millisecond,
        // or until the next one still to come.
        assert_eq!(wake_at_ms(1000, 100, [900]), 1100);
        assert_eq!(wake_at_ms(1000, 100, [1000]), 1100);
        assert_eq!(wake_at_ms(1000, 100, [900, 1050]), 1050);
        assert_eq!(wake_at_ms(1000, 100, [1001]), 1001);
        assert_eq!(wake_at_ms(u64::MAX, 100, [5]), u64::MAX);
    }

    #[test]
    fn a_recheck_comes_after_half_the_minimum_period() {
        assert_eq!(recheck_wait_ms(500, &B), 250);
        assert_eq!(recheck_wait_ms(2000, &B), 250);
        // Never later than the period itself, never 0.
        assert_eq!(recheck_wait_ms(100, &B), 100);
        let b = PaceBounds {
            period_min_ms: 1,
            ..B
        };
        assert_eq!(recheck_wait_ms(500, &b), 1);
    }

    #[test]
    fn a_visit_whose_turn_ended_goes_on_at_once_unless_it_noted_regions() {
        assert_eq!(next_visit_wait_ms(2000, Left::Nothing, &B), 2000);
        assert_eq!(next_visit_wait_ms(500, Left::Regions, &B), 250);
        assert_eq!(next_visit_wait_ms(500, Left::RestOfRecheck, &B), 0);
        assert_eq!(next_visit_wait_ms(500, Left::RestOfSweep, &B), 0);
    }

    #[test]
    fn a_recently_promoted_mm_backs_off_only_as_far_as_its_reads_cost() {
        let hot = Pace {
            period_ms: 500,
            size_mb: 2048,
        };
        // shift: a 64 MiB hot set in DRAM, the next window idle on the
        // slow tier (its tables skipped): looked at every 0.5 s.
        let mut p = hot;
        for _ in 0..5 {
            p = next_pace(p, &watched(16_384), &B);
            assert_eq!(p.period_ms, B.period_min_ms);
        }
        // 256 MiB read a sweep: 1 s.
        let p = next_pace(next_pace(hot, &watched(65_536), &B), &watched(65_536), &B);
        assert_eq!(p.period_ms, 1000);
        // A 1 GiB hot set: the usual maximum, never more.
        let mut p = hot;
        for _ in 0..5 {
            p = next_pace(p, &watched(262_144), &B);
        }
        assert_eq!(p.period_ms, B.period_max_ms);
        // Not promoted from lately, or never: the usual back-off.
        for since in [Some(WATCH_AFTER_PROMOTION_MS + 1), None] {
            let v = Visit {
                since_promotion_ms: since,
                ..watched(16_384)
            };
            let p = next_pace(next_pace(hot, &v, &B), &v, &B);
            assert_eq!(p.period_ms, B.period_max_ms);
        }
    }

    #[test]
    fn watching_never_shortens_the_wait_of_an_mm_without_slow_tier_memory() {
        // All of it read, none on the slow tier: nothing to find, whether
        // or not it was promoted from.
        let v = Visit {
            sweep_unread: false,
            ..watched(16_384)
        };
        let mut p = MID;
        for _ in 0..5 {
            p = next_pace(p, &v, &B);
        }
        assert_eq!(p.period_ms, B.period_ceiling_ms());
        assert_eq!(
            watched_ceiling_ms(u64::MAX),
            u64::MAX / WATCH_READ_PAGES_PER_S
        );
    }

    #[test]
    fn an_mm_without_slow_tier_memory_backs_off_further() {
        let mut p = Pace {
            period_ms: 2000,
            size_mb: 1024,
        };
        for _ in 0..5 {
            p = next_pace(p, &sweep_end(0, 0), &B);
        }
        assert_eq!(p.period_ms, 2000 * NO_SLOW_MEMORY_FACTOR);
        // As soon as it has slow-tier memory again, it is back under the maximum.
        let p = next_pace(p, &sweep_end(0, 10), &B);
        assert_eq!(p.period_ms, 2000);
    }

    #[test]
    fn a_sweep_that_skipped_idle_tables_or_bound_vmas_stays_under_the_maximum() {
        // Idle tables may map slow-tier pages, bound VMAs may be let go:
        // either keeps the mm at scan_period_max_ms, not 4x.
        let unread = Visit {
            sweep_unread: true,
            ..sweep_end(0, 0)
        };
        let mut p = Pace {
            period_ms: 2000,
            size_mb: 1024,
        };
        for _ in 0..5 {
            p = next_pace(p, &unread, &B);
        }
        assert_eq!(p.period_ms, B.period_max_ms);
    }

    fn sched(last: u64, next: u64, changed: bool, bound: bool) -> Schedule {
        Schedule {
            last_visit_ms: last,
            next_visit_ms: next,
            layout_changed: changed,
            slow_tier_grew: false,
            policy_skipped: bound,
        }
    }

    #[test]
    fn a_demotion_brings_every_mm_back_to_the_maximum_period() {
        let s = Schedule {
            slow_tier_grew: true,
            ..sched(1000, 9000, false, true)
        };
        assert!(!is_due(&s, 2999, &B), "a demotion lifts no binding");
        assert!(is_due(&s, 3000, &B));
    }

    #[test]
    fn due_by_the_pace_or_when_the_ceiling_was_lowered() {
        assert!(!is_due(&sched(0, 8000, false, false), 7999, &B));
        assert!(is_due(&sched(0, 8000, false, false), 8000, &B));
        // Scheduled 100 s out, ceiling 8 s: due now.
        assert!(is_due(&sched(0, 100_000, false, false), 10, &B));
    }

    #[test]
    fn a_changed_address_space_is_due_at_the_maximum_period() {
        let s = sched(1000, 9000, true, false);
        assert!(!is_due(&s, 2999, &B));
        assert!(
            is_due(&s, 3000, &B),
            "scan_period_max_ms after the last visit"
        );
        let s = sched(1000, 9000, false, false);
        assert!(!is_due(&s, 3000, &B), "unchanged: waits its pace");
    }

    #[test]
    fn a_binding_that_may_be_lifted_is_looked_at_after_the_minimum_period() {
        // The bench's placement: MPOL_BIND while writing, then MPOL_DEFAULT
        // (an mbind(), a write hold of the mmap lock).
        let s = sched(1000, 9000, true, true);
        assert!(!is_due(&s, 1499, &B));
        assert!(is_due(&s, 1500, &B));
        let s = sched(1000, 9000, false, true);
        assert!(!is_due(&s, 1500, &B), "no change, no early visit");
    }

    #[test]
    fn a_capped_cgroup_backs_off_and_leaves_nothing_due_before_its_period() {
        let v = Visit {
            capped_pages: 6144,
            promoted_pages: 0,
            ..visit(HOT)
        };
        let cur = Pace {
            period_ms: 500,
            size_mb: 1024,
        };
        assert_eq!(next_pace(cur, &v, &B).period_ms, 1000);
        for left in [
            Left::Nothing,
            Left::Regions,
            Left::RestOfRecheck,
            Left::RestOfSweep,
        ] {
            assert_eq!(left_after(left, &v), Left::Nothing);
            let wait = next_visit_wait_ms(1000, left_after(left, &v), &B);
            assert_eq!(wait, 1000, "{left:?}");
        }
        // Some promoted (the cap not reached yet, or room made): as before.
        let some = Visit {
            promoted_pages: 1,
            ..v
        };
        assert!(!futile(&some));
        assert_eq!(left_after(Left::Regions, &some), Left::Regions);
        assert_eq!(next_pace(cur, &some, &B).period_ms, B.period_min_ms);
        // Nothing hot at all is not futile.
        assert!(!futile(&visit(HOT)));
        // Refused for lack of room: backs off, but rechecks as soon as it
        // would have (kswapd was asked for room).
        let full = Visit {
            target_full_pages: 512,
            promoted_pages: 0,
            ..visit(HOT)
        };
        assert!(futile(&full));
        assert_eq!(left_after(Left::Regions, &full), Left::Regions);
        assert_eq!(left_after(Left::RestOfSweep, &full), Left::RestOfSweep);
        // With room-making held for ping-pong, no room comes: it waits.
        let held = Visit {
            room_held: true,
            ..full
        };
        assert_eq!(left_after(Left::Regions, &held), Left::Nothing);
        assert_eq!(left_after(Left::RestOfSweep, &held), Left::Nothing);
    }

    #[test]
    fn no_room_on_the_target_backs_off_even_when_young() {
        let v = Visit {
            target_full_pages: 512,
            promoted_pages: 0,
            ..visit(HOT)
        };
        let p = next_pace(
            Pace {
                period_ms: 500,
                size_mb: 1024,
            },
            &v,
            &B,
        );
        assert_eq!(
            p,
            Pace {
                period_ms: 1000,
                size_mb: 1024
            }
        );
        // Some progress (kswapd made room for part of it): stay fast.
        let v = Visit {
            promoted_pages: 512,
            ..v
        };
        assert_eq!(
            next_pace(
                Pace {
                    period_ms: 500,
                    size_mb: 1024
                },
                &v,
                &B
            )
            .period_ms,
            500
        );
    }

    #[test]
    fn totals_under_the_noise_floor_count_as_none() {
        let below = NOISE_FLOOR_PAGES - 1;
        assert_eq!(next_pace(MID, &visit(below), &B), MID);
        assert_eq!(
            next_pace(MID, &sweep_end(below, 1000), &B),
            next_pace(MID, &sweep_end(0, 1000), &B)
        );
        assert_eq!(next_pace(MID, &visit(NOISE_FLOOR_PAGES), &B).period_ms, 500);
    }

    #[test]
    fn results_stay_within_the_bounds() {
        let tiny = Pace {
            period_ms: 1,
            size_mb: 1,
        };
        let huge = Pace {
            period_ms: u32::MAX,
            size_mb: u32::MAX,
        };
        for v in [
            visit(0),
            visit(HOT),
            sweep_end(0, 0),
            sweep_end(0, 5),
            sweep_end(HOT, HOT),
            watched(0),
            watched(u64::MAX),
        ] {
            for cur in [tiny, MID, huge] {
                let p = next_pace(cur, &v, &B);
                assert!(
                    p.period_ms >= B.period_min_ms && p.period_ms <= B.period_ceiling_ms(),
                    "{p:?}"
                );
                assert!(
                    p.size_mb >= B.size_min_mb && p.size_mb <= B.size_max_mb,
                    "{p:?}"
                );
            }
        }
    }

    #[test]
    fn extreme_bounds_saturate_instead_of_overflowing() {
        let b = PaceBounds {
            period_min_ms: 10,
            period_max_ms: u32::MAX,
            size_min_mb: 1,
            size_max_mb: u32::MAX,
        };
        let p = Pace {
            period_ms: u32::MAX,
            size_mb: u32::MAX,
        };
        assert_eq!(next_pace(p, &sweep_end(0, 0), &b).period_ms, u32::MAX);
        assert_eq!(next_pace(p, &visit(HOT), &b).size_mb, u32::MAX);
        assert_eq!(b.period_ceiling_ms(), u32::MAX);
    }
}
