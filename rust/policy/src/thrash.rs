// SPDX-License-Identifier: GPL-2.0

//! Ping-pong: pages promoted, demoted again, and found hot on the slow tier.
//!
//! When the target has no room, the promoter asks kswapd for some
//! ([`crate::room`]), and with demotion on kswapd demotes the coldest
//! memory of the top tier.  That pays while the coldest memory is cold.
//! When the hot set is larger than the top tier, what kswapd demotes is hot
//! too: pages promoted a moment ago return to the slow tier, are found
//! young again and are promoted again, and every round trip is two copies
//! the application pays for with nothing gained (NOMAD, OSDI '24, measured
//! TPP up to 6x slower than no migration in such runs).
//!
//! Detection: every page the promoter moved (in a batch that moved all its
//! folios) is remembered by its address, the address space and the virtual
//! page, in a two-generation Bloom filter ([`Recent`]) for
//! [`GENERATION_MS`] to twice that.  A candidate on the slow tier that the
//! filter remembers was promoted and has come back: a returned page.  A
//! page unmapped and mapped again at the same address looks the same; a
//! false match (about 2% with [`FILTER_WORDS`] words and 400,000 pages
//! promoted in one generation) counts a page as returned.  Neither refuses
//! a page anything: they only feed the governor.
//!
//! Room that does not come: kswapd demotes only what reclaim finds cold,
//! and when the top tier holds nothing else but hot pages (the hot set
//! promoted so far, memory that cannot be demoted), every request finds
//! nothing: in a run with a hot set 1.5 times the free DRAM the module
//! asked 537 times in 40 s and the kernel demoted 1,048 pages, while
//! the thread spent 41% of a CPU on rounds that could not promote.
//!
//! Back-off ([`Governor`]): over each [`WINDOW_MS`], if the returned pages
//! are at least [`RETURNED_SHARE_DIV`]th of the pages promoted (and at
//! least [`MIN_RETURNED_PAGES`]), or if the promoter asked for room at
//! least [`MIN_REQUESTS`] times and the kernel demoted fewer than
//! [`MIN_ROOM_PAGES`] pages meanwhile, making room is held: for
//! [`HOLD_MIN_MS`] the first time, twice as long each time it is needed
//! again right after a hold, up to [`HOLD_MAX_MS`], halving again after a
//! window without ping-pong.  While held the promoter still fills free
//! room above the high watermark, but asks kswapd for none, and a visit
//! that found its target full waits its period instead of rechecking soon;
//! while every top-tier node also has less than [`PARK_ROOM_PAGES`] of
//! room, the thread visits nothing at all ([`parked`]): every candidate a
//! visit found would be refused, and under TCG the sweeps of a 240 MiB hot
//! set that could not move still cost the thread 18% of a CPU.
//! Promotion then settles with the top tier full of the hot set's part
//! that got there, the rest on the slow tier, and no copies going round.

/// How long a generation of the filter lasts (ms): a promoted page is
/// remembered for this long to twice this long.
pub const GENERATION_MS: u64 = 10_000;

/// The filter's size in 64-bit words, both generations (1 MiB).
pub const FILTER_WORDS: usize = 1 << 17;

/// Bits set per remembered page.
const HASHES: u64 = 3;

/// The window over which returned and promoted pages are compared (ms).
pub const WINDOW_MS: u64 = 5_000;

/// Returned pages count as ping-pong from this share of the promoted ones
/// (1/4).
pub const RETURNED_SHARE_DIV: u64 = 4;

/// Fewer returned pages than this in a window never count (2 MiB).
pub const MIN_RETURNED_PAGES: u64 = 512;

/// Requests for room in a window from which fruitless ones count.
pub const MIN_REQUESTS: u64 = 2;

/// Fewer pages demoted than this in a window with requests for room means
/// the requests were fruitless (2 MiB).
pub const MIN_ROOM_PAGES: u64 = 512;

/// The first hold of room-making (ms).
pub const HOLD_MIN_MS: u64 = 10_000;

/// The longest hold (ms).
pub const HOLD_MAX_MS: u64 = 160_000;

/// Room on a top-tier node below which, with room-making held, visits
/// would promote nothing worth their cost (pages; 2 MiB).
pub const PARK_ROOM_PAGES: u64 = 512;

/// Whether the thread should visit nothing now: room-making is `held` and
/// every top-tier node has less than [`PARK_ROOM_PAGES`] of room
/// (`rooms`: pages each can take above its high watermark).
pub fn parked(held: bool, mut rooms: impl Iterator<Item = u64>) -> bool {
    held && rooms.all(|r| r < PARK_ROOM_PAGES)
}

/// A 64-bit mix (splitmix64's finalizer).
const fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The key of the page mapped at `addr` in the address space identified
/// by `mm` (the `mm_struct`'s address, stable while the module tracks it).
pub const fn page_key(mm: u64, addr: u64, page_shift: u32) -> u64 {
    mix(mm ^ mix(addr >> page_shift))
}

/// A two-generation Bloom filter of promoted pages, over storage `S` (an
/// even number of words, half a generation each).
///
/// # Invariants
///
/// `bits.len()` is even and at least 2; `cur` is 0 or 1.
pub struct Recent<S> {
    bits: S,
    /// Which half is the current generation.
    cur: usize,
    /// When the current generation began (ms).
    began_ms: u64,
}

impl<S: core::ops::DerefMut<Target = [u64]>> Recent<S> {
    /// A filter over `bits` (zeroed here), its first generation beginning
    /// at `now_ms`; `None` if `bits` has fewer than 2 words or an odd number.
    pub fn new(mut bits: S, now_ms: u64) -> Option<Self> {
        if bits.len() < 2 || !bits.len().is_multiple_of(2) {
            return None;
        }
        bits.fill(0);
        // INVARIANT: checked above; `cur` starts at 0.
        Some(Recent {
            bits,
            cur: 0,
            began_ms: now_ms,
        })
    }

    fn half_words(&self) -> usize {
        self.bits.len() / 2
    }

    /// Starts new generations as time passes: the older one is forgotten.
    fn advance(&mut self, now_ms: u64) {
        let age = now_ms.saturating_sub(self.began_ms);
        if age < GENERATION_MS {
            return;
        }
        let half = self.half_words();
        if age >= 2 * GENERATION_MS {
            // Both generations are over.
            self.bits.fill(0);
        } else {
            let old = 1 - self.cur;
            if let Some(words) = self.bits.get_mut(old * half..(old + 1) * half) {
                words.fill(0);
            }
            // INVARIANT: `old` is 0 or 1.
            self.cur = old;
        }
        self.began_ms = now_ms;
    }

    /// The bit positions of `key` within one generation.
    fn positions(&self, key: u64) -> impl Iterator<Item = usize> {
        let nbits = (self.half_words() as u64) * 64;
        let h1 = key & 0xffff_ffff;
        let h2 = (key >> 32) | 1;
        (0..HASHES).map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) % nbits) as usize)
    }

    /// Remembers `key` at `now_ms`.
    pub fn insert(&mut self, key: u64, now_ms: u64) {
        self.advance(now_ms);
        let base = self.cur * self.half_words() * 64;
        let pos: [usize; HASHES as usize] = {
            let mut p = [0; HASHES as usize];
            for (slot, b) in p.iter_mut().zip(self.positions(key)) {
                *slot = base + b;
            }
            p
        };
        for b in pos {
            // In bounds: `b` is below the current half's end.
            if let Some(w) = self.bits.get_mut(b / 64) {
                *w |= 1u64 << (b % 64);
            }
        }
    }

    /// Whether `key` was remembered within the last one or two
    /// generations (false matches possible, misses not).
    pub fn contains(&mut self, key: u64, now_ms: u64) -> bool {
        self.advance(now_ms);
        let half = self.half_words() * 64;
        (0..2).any(|g| {
            self.positions(key).all(|b| {
                let b = g * half + b;
                self.bits
                    .get(b / 64)
                    .is_some_and(|w| w & (1u64 << (b % 64)) != 0)
            })
        })
    }
}

/// The back-off from ping-pong: whether the promoter may ask kswapd for
/// room, from what it promoted and what came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Governor {
    window_began_ms: u64,
    promoted: u64,
    returned: u64,
    /// Requests for room made in the window.
    requests: u64,
    /// The kernel's demotion total when the window began.
    demoted_at_start: u64,
    /// Room-making is held until then.
    hold_until_ms: u64,
    /// The length of the next hold.
    next_hold_ms: u64,
    /// Holds so far.
    holds: u64,
    /// Returned pages so far.
    returned_total: u64,
}

impl Governor {
    /// No hold, a window beginning at `now_ms`.
    pub const fn new(now_ms: u64) -> Self {
        Governor {
            window_began_ms: now_ms,
            promoted: 0,
            returned: 0,
            requests: 0,
            demoted_at_start: 0,
            hold_until_ms: 0,
            next_hold_ms: HOLD_MIN_MS,
            holds: 0,
            returned_total: 0,
        }
    }

    /// Ends the window if it is over, holding room-making if it saw
    /// ping-pong or fruitless requests; `demoted` is the kernel's demotion
    /// total now.
    fn roll(&mut self, now_ms: u64, demoted: u64) {
        if now_ms.saturating_sub(self.window_began_ms) < WINDOW_MS {
            return;
        }
        let pingpong = self.returned >= MIN_RETURNED_PAGES
            && self.returned.saturating_mul(RETURNED_SHARE_DIV) >= self.promoted;
        let fruitless = self.requests >= MIN_REQUESTS
            && demoted.saturating_sub(self.demoted_at_start) < MIN_ROOM_PAGES;
        // A window that began during a hold saw little promotion: it may
        // show ping-pong, but its calm proves nothing.
        let overlapped = self.window_began_ms < self.hold_until_ms;
        if now_ms >= self.hold_until_ms {
            if pingpong || fruitless {
                self.hold_until_ms = now_ms.saturating_add(self.next_hold_ms);
                self.next_hold_ms = (self.next_hold_ms * 2).min(HOLD_MAX_MS);
                self.holds += 1;
            } else if !overlapped {
                self.next_hold_ms = (self.next_hold_ms / 2).max(HOLD_MIN_MS);
            }
        }
        self.window_began_ms = now_ms;
        self.promoted = 0;
        self.returned = 0;
        self.requests = 0;
        self.demoted_at_start = demoted;
    }

    /// Notes a promotion round at `now_ms`, the kernel's demotion total
    /// being `demoted`: `promoted` pages moved, `returned` of its
    /// candidates had come back.
    pub fn note(&mut self, now_ms: u64, demoted: u64, promoted: u64, returned: u64) {
        self.roll(now_ms, demoted);
        self.promoted = self.promoted.saturating_add(promoted);
        self.returned = self.returned.saturating_add(returned);
        self.returned_total = self.returned_total.saturating_add(returned);
    }

    /// Whether the promoter may ask kswapd for room at `now_ms`, the
    /// kernel's demotion total being `demoted`; if so, the request is
    /// counted.
    pub fn may_make_room(&mut self, now_ms: u64, demoted: u64) -> bool {
        self.roll(now_ms, demoted);
        let may = now_ms >= self.hold_until_ms;
        if may {
            self.requests += 1;
        }
        may
    }

    /// How much longer room-making is held (ms; 0: not held).
    pub const fn hold_left_ms(&self, now_ms: u64) -> u64 {
        self.hold_until_ms.saturating_sub(now_ms)
    }

    /// When the current or last hold ends (ms; 0: never held).
    pub const fn hold_until_ms(&self) -> u64 {
        self.hold_until_ms
    }

    /// Holds so far.
    pub const fn holds(&self) -> u64 {
        self.holds
    }

    /// Returned pages so far.
    pub const fn returned_total(&self) -> u64 {
        self.returned_total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    fn filter(words: usize) -> Recent<Vec<u64>> {
        Recent::new(vec![u64::MAX; words], 0).unwrap()
    }

    #[test]
    fn parked_only_while_held_and_no_top_tier_node_has_room() {
        assert!(parked(true, [0, PARK_ROOM_PAGES - 1].into_iter()));
        assert!(!parked(false, [0, 0].into_iter()), "not held");
        assert!(
            !parked(true, [0, PARK_ROOM_PAGES].into_iter()),
            "one has room"
        );
    }

    #[test]
    fn storage_must_hold_two_generations() {
        assert!(Recent::new(Vec::<u64>::new(), 0).is_none());
        assert!(Recent::new(vec![0u64; 3], 0).is_none());
        assert!(Recent::new(vec![0u64; 2], 0).is_some());
    }

    #[test]
    fn a_promoted_page_is_remembered_for_one_to_two_generations() {
        let mut f = filter(1024);
        let k = page_key(0xffff_8880_1234_0000, 0x7f00_0000_1000, 12);
        assert!(!f.contains(k, 0), "new storage is zeroed");
        f.insert(k, 1000);
        assert!(f.contains(k, 1000));
        assert!(
            f.contains(k, GENERATION_MS + 500),
            "the next generation still has it"
        );
        assert!(
            !f.contains(k, 2 * GENERATION_MS + 500),
            "two generations later it is gone"
        );
        // After a long silence both generations are forgotten at once.
        f.insert(k, 3 * GENERATION_MS);
        assert!(!f.contains(k, 10 * GENERATION_MS));
    }

    #[test]
    fn pages_differ_by_address_and_address_space() {
        let a = page_key(1, 0x1000, 12);
        assert_eq!(a, page_key(1, 0x1fff, 12), "one key per page");
        assert_ne!(a, page_key(1, 0x2000, 12));
        assert_ne!(a, page_key(2, 0x1000, 12));
    }

    #[test]
    fn false_matches_stay_rare_at_the_stated_load() {
        // FILTER_WORDS with 400,000 pages in one generation: about 2%.
        let mut f = filter(FILTER_WORDS);
        for p in 0..400_000u64 {
            f.insert(page_key(7, p << 12, 12), 0);
        }
        for p in 0..400_000u64 {
            assert!(f.contains(page_key(7, p << 12, 12), 0), "no misses");
        }
        let false_hits = (0..100_000u64)
            .filter(|p| f.contains(page_key(8, p << 12, 12), 0))
            .count();
        assert!(false_hits < 3_000, "{false_hits} false matches of 100,000");
        assert!(false_hits > 0, "the load is meant to show some");
    }

    #[test]
    fn ping_pong_holds_room_making_and_the_hold_grows_while_it_lasts() {
        let mut g = Governor::new(0);
        assert!(g.may_make_room(0, 0));
        g.note(100, 0, 4096, 1024); // a quarter came back
        assert!(
            g.may_make_room(WINDOW_MS - 1, 0),
            "judged at the window's end"
        );
        assert!(!g.may_make_room(WINDOW_MS, 0), "held");
        assert_eq!(g.hold_left_ms(WINDOW_MS), HOLD_MIN_MS);
        assert_eq!(g.holds(), 1);
        let end = WINDOW_MS + HOLD_MIN_MS;
        assert!(g.may_make_room(end, 0));
        // Right after the hold it comes back: twice as long.
        g.note(end + 10, 0, 2048, 2048);
        assert!(!g.may_make_room(end + WINDOW_MS + 10, 0));
        assert_eq!(g.hold_left_ms(end + WINDOW_MS + 10), 2 * HOLD_MIN_MS);
        assert_eq!(g.holds(), 2);
        assert_eq!(g.returned_total(), 3072);
    }

    #[test]
    fn the_hold_is_bounded_and_shrinks_after_calm_windows() {
        let mut g = Governor::new(0);
        let mut now = 0;
        for _ in 0..20 {
            g.note(now, 0, 1024, 1024);
            now += WINDOW_MS;
            g.may_make_room(now, 0);
            now += g.hold_left_ms(now);
        }
        assert_eq!(g.next_hold_ms, HOLD_MAX_MS);
        for _ in 0..10 {
            g.note(now, 0, 100_000, 0);
            now += WINDOW_MS;
            assert!(g.may_make_room(now, 0));
        }
        assert_eq!(g.next_hold_ms, HOLD_MIN_MS);
    }

    #[test]
    fn few_or_a_small_share_of_returns_hold_nothing() {
        let mut g = Governor::new(0);
        g.note(0, 0, 1000, MIN_RETURNED_PAGES - 1); // too few
        assert!(g.may_make_room(WINDOW_MS, 0));
        g.note(WINDOW_MS, 0, 100_000, 10_000); // a tenth: demotion of cold memory
        assert!(g.may_make_room(2 * WINDOW_MS, 0));
        assert_eq!(g.holds(), 0);
        // Returned pages with nothing promoted (say the target stayed full)
        // still count.
        g.note(2 * WINDOW_MS, 0, 0, 600);
        assert!(!g.may_make_room(3 * WINDOW_MS, 0));
    }

    #[test]
    fn requests_for_room_that_bring_no_demotion_hold_room_making() {
        let mut g = Governor::new(0);
        // The first window's demotion total counts from boot: not fruitless.
        assert!(g.may_make_room(0, 1_000_000));
        assert!(g.may_make_room(100, 1_000_000));
        assert!(g.may_make_room(WINDOW_MS, 1_000_000));
        // Requests answered by demotion: room-making goes on.
        for t in 1..5 {
            assert!(g.may_make_room(WINDOW_MS + t * 100, 1_000_000 + t * 1000));
        }
        assert!(g.may_make_room(2 * WINDOW_MS, 1_004_000));
        assert_eq!(g.holds(), 0);
        // Many requests, 511 pages demoted in the window: held.
        for t in 1..50 {
            assert!(g.may_make_room(2 * WINDOW_MS + t * 10, 1_004_000 + t));
        }
        assert!(!g.may_make_room(3 * WINDOW_MS, 1_004_000 + 511));
        assert_eq!(g.holds(), 1);
        assert_eq!(g.hold_left_ms(3 * WINDOW_MS), HOLD_MIN_MS);
        // One request alone is not judged fruitless.
        let mut h = Governor::new(0);
        h.may_make_room(0, 0);
        h.may_make_room(WINDOW_MS, 0);
        assert!(h.may_make_room(2 * WINDOW_MS, 0));
        assert_eq!(h.holds(), 0);
    }
}
