// SPDX-License-Identifier: GPL-2.0

//! Hotness: which folios were found young in separate passes.
//!
//! A folio becomes a promotion candidate when it is found young in
//! `hot_threshold` different *sweeps* of its address space, each within a
//! *window* of the previous sighting (2 by default: the RFC V3 "second
//! access" rule, and pghot's "two accesses within a time window"; 1
//! promotes on first sight).  A sweep is one pass of the mm's scan cursor
//! over the whole address space.
//!
//! What is counted is *passes*: the sweeps, and the rechecks in between
//! ([`crate::recheck`]), which walk again the regions where a sweep found
//! pages young for the first time.  Each advances the mm's pass number, so
//! a page young at a recheck is seen a second time without waiting for the
//! next sweep.  Below, "sweep" means such a pass.
//!
//! Not "consecutive sweeps": a hot process is swept every
//! `scan_period_min_ms`, and a page it uses every few seconds would then
//! never be young in two sweeps in a row.  The window (twice the interval
//! between the mm's sweeps that found young pages, [`UseInterval`], at
//! least [`MIN_WINDOW_BUCKETS`]) is what separates such a page from one
//! touched once.
//!
//! The state is one byte per slow-tier base page, indexed by PFN (see
//! [`crate::hotmap`]); a folio's byte is the one of its first page.  It
//! holds three fields:
//!
//! | bits | field  | meaning                                                   |
//! |------|--------|-----------------------------------------------------------|
//! | 0-1  | count  | sweeps found young, each within the window (0 = no record, max 3) |
//! | 2-3  | tag    | low two bits of the mm's sweep number at the last sighting |
//! | 4-7  | bucket | daemon clock at the last sighting, in [`BUCKET_MS`] units, mod 16 |
//!
//! A sighting in sweep `s` continues a record whose age is within the mm's
//! *window*: if its tag is `s` (mod 4) the folio was already counted in
//! this sweep and nothing changes, otherwise the count grows; a record
//! older than the window starts over at 1.  The window makes a record stale
//! once it is older than a few sweeps, so a page touched once is never
//! counted twice and a PFN that was freed and reused cannot continue
//! another folio's history beyond that window.
//! [`age`] clears records old enough that their 4-bit clock could wrap
//! around; the daemon runs it at least every [`AGE_INTERVAL_BUCKETS`], so
//! a record's bucket is never ambiguous.

/// Width of one clock bucket (ms).
pub const BUCKET_MS: u64 = 1000;

/// Number of distinct bucket values (the clock is kept mod this).
pub const BUCKETS: u8 = 16;

/// Records at least this many buckets old are cleared by [`age`].
pub const EXPIRE_BUCKETS: u8 = 12;

/// [`age`] must run at least this often (in buckets) so that a record is
/// cleared before its apparent age wraps: `EXPIRE_BUCKETS +
/// AGE_INTERVAL_BUCKETS <= BUCKETS`.
pub const AGE_INTERVAL_BUCKETS: u8 = BUCKETS - EXPIRE_BUCKETS;

/// Shortest window (buckets): two sightings up to this far apart make a
/// folio hot, however short its mm's sweeps are.
pub const MIN_WINDOW_BUCKETS: u8 = 4;

/// Longest window (buckets): below [`EXPIRE_BUCKETS`], so that no record
/// [`age`] keeps can look older than it is.
pub const MAX_WINDOW_BUCKETS: u8 = EXPIRE_BUCKETS - 1;

// No record that `age` keeps can look older than it is, and every window
// fits below the expiry age.
const _: () = assert!(EXPIRE_BUCKETS + AGE_INTERVAL_BUCKETS <= BUCKETS);
const _: () = assert!(MAX_WINDOW_BUCKETS < EXPIRE_BUCKETS);

/// Largest pass count a record holds.
pub const MAX_COUNT: u8 = 3;

const COUNT_MASK: u8 = 0b11;
const TAG_SHIFT: u32 = 2;
const TAG_MASK: u8 = 0b11;
const BUCKET_SHIFT: u32 = 4;

/// The clock bucket (mod [`BUCKETS`]) of daemon time `now_ms`.
pub const fn bucket_of(now_ms: u64) -> u8 {
    ((now_ms / BUCKET_MS) % BUCKETS as u64) as u8
}

/// Buckets from `then` to `now`, both mod [`BUCKETS`].
const fn age_buckets(now: u8, then: u8) -> u8 {
    now.wrapping_sub(then) % BUCKETS
}

/// The interval at which an mm's sweeps see its pages used: between the
/// ends of its last two sweeps that found young pages.  Its window
/// ([`window_buckets`]) follows it.
///
/// Not the duration of a sweep: a sweep skips the page tables whose PMD
/// was not accessed since the last one, so when the application comes
/// back to its pages less often than the mm is swept, most sweeps are
/// short and find nothing, and a window of twice their duration is
/// shorter than the interval between two sweeps that can see a page young.
/// Measured in test `53-freeze-while-promoting` (a 1 GiB hot set that
/// memtier goes round in about 5 s under TCG once the scan's TLB flushes
/// slow it down): sweeps every 0.5 s, young pages in one of about ten, so
/// every second sighting came 5 s after the first, outside the 4 s window,
/// and 70,000 hot pages stayed on the slow tier for a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UseInterval {
    /// When the last sweep that found young pages ended (ms).
    last_young_ms: Option<u64>,
    /// The interval (ms); 0 before two such sweeps.
    gap_ms: u64,
}

impl UseInterval {
    /// No sweep yet.
    pub const fn new() -> Self {
        UseInterval {
            last_young_ms: None,
            gap_ms: 0,
        }
    }

    /// A sweep ended at `now_ms`; `found_young` if it found young pages
    /// (more than noise: [`crate::pace::counts`]).
    pub fn sweep_ended(&mut self, now_ms: u64, found_young: bool) {
        if !found_young {
            return;
        }
        if let Some(t) = self.last_young_ms {
            self.gap_ms = now_ms.saturating_sub(t);
        }
        self.last_young_ms = Some(now_ms);
    }

    /// The mm's window (buckets).
    pub fn window(&self) -> u8 {
        window_buckets(self.gap_ms)
    }
}

/// An address space's pass number, the source of the records' tag: it
/// advances at the start of a pass (a sweep, or a recheck) only if the
/// pass before it may have recorded a sighting.
///
/// The records keep the tag mod 4.  If every pass used up a number, an
/// application that comes back to its pages every few seconds while its
/// address space is swept every half second (a young sweep, its recheck,
/// two sweeps that skip every page table as idle, and again) would advance
/// it by exactly 4 from one young sweep to the next: each second sighting
/// would carry the tag of the first and read as "already counted in this
/// pass".  A pass that recorded nothing leaves its number to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PassNumber {
    /// The current pass's number.
    n: u32,
    /// Whether the current pass found young pages (so may have recorded
    /// a sighting with `n`).
    used: bool,
}

impl PassNumber {
    /// The first pass.
    pub const fn new() -> Self {
        PassNumber { n: 0, used: false }
    }

    /// A new pass begins.
    pub fn begin(&mut self) {
        if self.used {
            self.n = self.n.wrapping_add(1);
            self.used = false;
        }
    }

    /// The current pass found young pages.
    pub fn found_young(&mut self) {
        self.used = true;
    }

    /// The current pass's number (what [`Sighting::sweep`] takes).
    pub const fn get(&self) -> u32 {
        self.n
    }
}

/// The window of an mm whose sweeps see its pages used every `sweep_gap_ms`
/// ([`UseInterval`]): twice that, plus one bucket for rounding, within [`MIN_WINDOW_BUCKETS`]..=[`MAX_WINDOW_BUCKETS`].
pub fn window_buckets(sweep_gap_ms: u64) -> u8 {
    let b = sweep_gap_ms
        .saturating_mul(2)
        .div_ceil(BUCKET_MS)
        .saturating_add(1);
    b.clamp(u64::from(MIN_WINDOW_BUCKETS), u64::from(MAX_WINDOW_BUCKETS)) as u8
}

/// How often the hotness records are aged (ms): half the longest interval
/// the aging rules allow, so that a late aging cannot exceed it.
pub const AGE_EVERY_MS: u64 = AGE_INTERVAL_BUCKETS as u64 * BUCKET_MS / 2;

/// Aging later than this after the previous one (the thread was frozen or
/// starved of CPU) may find records whose 4-bit clock wrapped: they are
/// all cleared instead.
pub const AGE_LATE_MS: u64 = AGE_INTERVAL_BUCKETS as u64 * BUCKET_MS;

/// What aging does at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aging {
    /// Nothing: the last aging is recent.
    NotDue,
    /// Clear the expired records ([`age`]).
    Age,
    /// Clear every record: the last aging is too old to tell a record's age.
    ForgetAll,
}

/// What aging at `now_ms` does, the last one having run at `last_ms`.  The
/// thread checks between visits and between the promotion rounds of one
/// visit: a visit of a GiB-sized process can take seconds, and an aging
/// that waited for its end found itself late and cleared every record,
/// the first sightings of that visit included.
pub fn aging_at(now_ms: u64, last_ms: u64) -> Aging {
    let since = now_ms.saturating_sub(last_ms);
    if since < AGE_EVERY_MS {
        Aging::NotDue
    } else if since > AGE_LATE_MS {
        Aging::ForgetAll
    } else {
        Aging::Age
    }
}

/// How long the thread sleeps at `now_ms` (ms) when its next scan is due
/// at `scan_at_ms` and the next aging at `age_at_ms`: until the earlier,
/// and 0 once the scan is due.  Aging never waits for the scan, so
/// records are aged within [`AGE_INTERVAL_BUCKETS`] whatever
/// `scan_sleep_ms` is.
pub fn next_sleep_ms(now_ms: u64, scan_at_ms: u64, age_at_ms: u64) -> u64 {
    if now_ms >= scan_at_ms {
        return 0;
    }
    scan_at_ms.min(age_at_ms.max(now_ms.saturating_add(1))) - now_ms
}

/// One decoded record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Consecutive sweeps found young, 0 (no record) to [`MAX_COUNT`].
    pub count: u8,
    /// Sweep number of the last sighting, mod 4.
    pub tag: u8,
    /// Clock bucket of the last sighting, mod [`BUCKETS`].
    pub bucket: u8,
}

impl Record {
    /// Decodes a state byte.
    pub const fn decode(byte: u8) -> Record {
        Record {
            count: byte & COUNT_MASK,
            tag: (byte >> TAG_SHIFT) & TAG_MASK,
            bucket: byte >> BUCKET_SHIFT,
        }
    }

    /// Encodes the record as a state byte.  Fields are truncated to their
    /// widths.
    pub const fn encode(self) -> u8 {
        (self.count & COUNT_MASK)
            | ((self.tag & TAG_MASK) << TAG_SHIFT)
            | ((self.bucket % BUCKETS) << BUCKET_SHIFT)
    }
}

/// Where a sighting happens: the mm's pass, the clock and the mm's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sighting {
    /// The mm's current pass number (advanced by every sweep and every
    /// recheck).
    pub sweep: u32,
    /// Current clock bucket ([`bucket_of`]).
    pub now_bucket: u8,
    /// The mm's window in buckets ([`window_buckets`]).
    pub window: u8,
}

/// Records that the folio whose state byte is `byte` was found young, and
/// returns the new byte and the folio's pass count.
pub fn record_young(byte: u8, s: Sighting) -> (u8, u8) {
    let old = Record::decode(byte);
    let tag = (s.sweep & u32::from(TAG_MASK)) as u8;
    let fresh = old.count > 0 && age_buckets(s.now_bucket, old.bucket) <= s.window;
    let count = if fresh && old.tag == tag {
        old.count // already seen in this sweep
    } else if fresh {
        (old.count + 1).min(MAX_COUNT)
    } else {
        1
    };
    let new = Record {
        count,
        tag,
        bucket: s.now_bucket,
    };
    (new.encode(), count)
}

/// The byte with its record cleared if it is [`EXPIRE_BUCKETS`] or more
/// old at clock bucket `now_bucket`.
pub const fn age(byte: u8, now_bucket: u8) -> u8 {
    let r = Record::decode(byte);
    if r.count > 0 && age_buckets(now_bucket, r.bucket) >= EXPIRE_BUCKETS {
        0
    } else {
        byte
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(sweep: u32, now_bucket: u8) -> Sighting {
        Sighting {
            sweep,
            now_bucket,
            window: 3,
        }
    }

    #[test]
    fn encode_decode_round_trip_every_byte() {
        for b in 0..=u8::MAX {
            assert_eq!(Record::decode(b).encode(), b);
        }
    }

    #[test]
    fn passes_count_up_and_saturate() {
        let (b, c) = record_young(0, at(7, 0));
        assert_eq!(c, 1);
        let (b, c) = record_young(b, at(8, 1));
        assert_eq!(c, 2);
        let (b, c) = record_young(b, at(9, 2));
        assert_eq!(c, 3);
        let (b, c) = record_young(b, at(10, 3));
        assert_eq!(c, MAX_COUNT, "saturates");
        assert_eq!(Record::decode(b).count, MAX_COUNT);
    }

    #[test]
    fn sweeps_need_not_be_consecutive_within_the_window() {
        // A page used every few seconds in an mm swept twice a second.
        let (b, _) = record_young(0, at(1, 0));
        let (_, c) = record_young(b, at(4, 3));
        assert_eq!(c, 2, "young again three sweeps and three buckets later");
    }

    #[test]
    fn a_sighting_after_the_window_restarts_the_count() {
        let (b, _) = record_young(0, at(1, 0));
        let (b, _) = record_young(b, at(2, 1));
        let (_, c) = record_young(b, at(3, 5));
        assert_eq!(c, 1, "four buckets after the last sighting, window 3");
    }

    #[test]
    fn seen_twice_in_one_sweep_counts_once() {
        let (b, _) = record_young(0, at(1, 0));
        let (b, c) = record_young(b, at(1, 0));
        assert_eq!(c, 1);
        let (b, c) = record_young(b, at(2, 1));
        assert_eq!(c, 2);
        let (_, c) = record_young(b, at(2, 1));
        assert_eq!(c, 2);
    }

    #[test]
    fn sweep_numbers_may_wrap() {
        let (b, _) = record_young(0, at(u32::MAX, 0));
        assert_eq!(record_young(b, at(0, 1)).1, 2);
    }

    #[test]
    fn a_record_older_than_the_window_is_stale() {
        // Window 3: sighting at bucket 0, the next sweep at bucket 4.
        let (b, _) = record_young(0, at(1, 0));
        assert_eq!(record_young(b, at(2, 3)).1, 2, "age 3 is inside the window");
        assert_eq!(record_young(b, at(2, 4)).1, 1, "age 4 is outside");
    }

    #[test]
    fn a_touched_once_page_is_never_counted_twice() {
        // Found young once (the first touch), then idle: later sweeps skip
        // it or find it not young; when it is next young, long after, it
        // starts over.
        let (b, _) = record_young(0, at(1, 0));
        let (_, c) = record_young(b, at(9, 12));
        assert_eq!(c, 1);
    }

    #[test]
    fn a_tag_equal_to_the_current_sweep_counts_once_even_four_sweeps_later() {
        // Sweep 5 has sweep 1's tag (mod 4): within the window the sighting
        // is taken as the same sweep's, which errs on the cold side.
        let (b, _) = record_young(0, at(1, 0));
        assert_eq!(record_young(b, at(5, 2)).1, 1);
    }

    #[test]
    fn the_clock_may_wrap() {
        let (b, _) = record_young(0, at(1, BUCKETS - 1));
        assert_eq!(
            record_young(b, at(2, 0)).1,
            2,
            "bucket 15 -> 0 is one bucket"
        );
        assert_eq!(record_young(b, at(2, 2)).1, 2, "bucket 15 -> 2 is three");
        assert_eq!(record_young(b, at(2, 3)).1, 1, "bucket 15 -> 3 is four");
    }

    #[test]
    fn age_clears_exactly_the_expired_records() {
        let (b, _) = record_young(0, at(1, 5));
        for now in 0..BUCKETS {
            let age_now = now.wrapping_sub(5) % BUCKETS;
            let kept = age(b, now);
            if age_now >= EXPIRE_BUCKETS {
                assert_eq!(kept, 0, "age {age_now} must be cleared");
            } else {
                assert_eq!(kept, b, "age {age_now} must stay");
            }
        }
        assert_eq!(age(0, 3), 0, "an empty record stays empty");
    }

    #[test]
    fn aging_at_least_every_interval_keeps_every_age_unambiguous() {
        // A record is written at bucket 0; the aging pass runs every
        // AGE_INTERVAL_BUCKETS from an arbitrary phase.  Until it is
        // cleared, its apparent age equals its true age.
        for phase in 0..AGE_INTERVAL_BUCKETS {
            let (mut b, _) = record_young(0, at(1, 0));
            for t in 1..(3 * BUCKETS as u32) {
                let now = (t % u32::from(BUCKETS)) as u8;
                if (t + u32::from(phase)) % u32::from(AGE_INTERVAL_BUCKETS) == 0 {
                    b = age(b, now);
                }
                if b != 0 {
                    assert!(t < u32::from(BUCKETS), "record alive at true age {t}");
                    assert_eq!(u32::from(age_buckets(now, Record::decode(b).bucket)), t);
                }
            }
            assert_eq!(b, 0, "phase {phase}: the record was never cleared");
        }
    }

    #[test]
    fn a_long_scan_sleep_is_cut_into_sleeps_that_age_in_time() {
        // scan_sleep_ms 60 s, aging every 2 s: the thread wakes for every
        // aging and never sleeps past the scan.
        let age_every = u64::from(AGE_INTERVAL_BUCKETS) * BUCKET_MS / 2;
        let (mut now, scan_at, mut last_age) = (0u64, 60_000u64, 0u64);
        let mut wakeups = 0;
        loop {
            let ms = next_sleep_ms(now, scan_at, last_age + age_every);
            if ms == 0 {
                break;
            }
            assert!(ms <= age_every, "slept {ms} ms without aging");
            now += ms;
            if now >= last_age + age_every {
                assert!(now - last_age <= u64::from(AGE_INTERVAL_BUCKETS) * BUCKET_MS);
                last_age = now;
            }
            wakeups += 1;
        }
        assert_eq!(now, scan_at);
        assert_eq!(wakeups, 30);
        // A short scan sleep is not cut.
        assert_eq!(next_sleep_ms(0, 100, 2000), 100);
        // An aging already overdue wakes at the next millisecond.
        assert_eq!(next_sleep_ms(5000, 6000, 4000), 1);
    }

    #[test]
    fn passes_that_found_nothing_do_not_alias_the_tag() {
        // The cycle of test 53: a young sweep, its recheck (which finds
        // nothing), two idle sweeps, a young sweep again.
        let mut p = PassNumber::new();
        let mut byte = 0;
        let mut count = 0;
        for cycle in 0..3u8 {
            p.begin();
            let s = Sighting {
                sweep: p.get(),
                now_bucket: cycle * 3,
                window: MAX_WINDOW_BUCKETS,
            };
            (byte, count) = record_young(byte, s);
            p.found_young();
            for _ in 0..3 {
                p.begin(); // the recheck, then two idle sweeps
            }
        }
        assert_eq!(count, MAX_COUNT, "each young sweep is a new sighting");
        // Without the rule (a number per pass) the same cycle never counts.
        let mut byte = 0;
        let mut count = 0;
        for cycle in 0..3u8 {
            let s = Sighting {
                sweep: u32::from(cycle) * 4,
                now_bucket: cycle * 3,
                window: MAX_WINDOW_BUCKETS,
            };
            (byte, count) = record_young(byte, s);
        }
        assert_eq!(count, 1);
    }

    #[test]
    fn a_pass_after_one_that_found_young_pages_has_a_new_number() {
        let mut p = PassNumber::new();
        p.begin();
        assert_eq!(p.get(), 0);
        p.found_young();
        p.begin();
        assert_eq!(p.get(), 1);
        p.begin();
        assert_eq!(p.get(), 1, "nothing recorded in pass 1");
        p.found_young();
        p.found_young();
        p.begin();
        assert_eq!(p.get(), 2, "one step however much was found");
    }

    #[test]
    fn the_window_follows_the_sweeps_that_found_young_pages() {
        let mut u = UseInterval::new();
        assert_eq!(u.window(), MIN_WINDOW_BUCKETS);
        u.sweep_ended(1000, true);
        assert_eq!(u.window(), MIN_WINDOW_BUCKETS, "one sweep: no interval yet");
        // Short sweeps that skip idle page tables find nothing for 5 s.
        for t in (1500..6000).step_by(500) {
            u.sweep_ended(t, false);
        }
        assert_eq!(u.window(), MIN_WINDOW_BUCKETS);
        u.sweep_ended(6000, true);
        assert_eq!(u.window(), 11, "a page seen 5 s apart is still within it");
        // A steadily hot mm swept every 0.5 s.
        u.sweep_ended(6500, true);
        assert_eq!(u.window(), MIN_WINDOW_BUCKETS);
        // After a long idle spell, no more than the longest window.
        u.sweep_ended(600_000, true);
        assert_eq!(u.window(), MAX_WINDOW_BUCKETS);
    }

    #[test]
    fn window_follows_the_sweep_gap() {
        assert_eq!(window_buckets(0), MIN_WINDOW_BUCKETS);
        assert_eq!(window_buckets(500), MIN_WINDOW_BUCKETS);
        assert_eq!(window_buckets(2000), 5);
        assert_eq!(window_buckets(4000), 9);
        assert_eq!(window_buckets(60_000), MAX_WINDOW_BUCKETS);
        assert_eq!(window_buckets(u64::MAX), MAX_WINDOW_BUCKETS);
    }

    #[test]
    fn bucket_of_wraps_every_sixteen_buckets() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(BUCKET_MS - 1), 0);
        assert_eq!(bucket_of(BUCKET_MS), 1);
        assert_eq!(bucket_of(16 * BUCKET_MS), 0);
        assert_eq!(bucket_of(u64::MAX), ((u64::MAX / BUCKET_MS) % 16) as u8);
    }

    #[test]
    fn aging_is_due_every_2_s_and_late_after_4_s() {
        assert_eq!(aging_at(1000, 0), Aging::NotDue);
        assert_eq!(aging_at(AGE_EVERY_MS - 1, 0), Aging::NotDue);
        assert_eq!(aging_at(AGE_EVERY_MS, 0), Aging::Age);
        assert_eq!(aging_at(AGE_LATE_MS, 0), Aging::Age);
        assert_eq!(aging_at(AGE_LATE_MS + 1, 0), Aging::ForgetAll);
        // A clock behind the last aging is no aging.
        assert_eq!(aging_at(0, 5000), Aging::NotDue);
    }
}
