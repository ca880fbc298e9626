// SPDX-License-Identifier: GPL-2.0

//! The promotion rate limit: a token bucket in pages.
//!
//! `promote_rate_limit_mbps` MiB/s of tokens flow in; a promotion of N
//! pages takes N tokens.  The bucket holds one second's worth, so an idle
//! period cannot be banked into a long burst, but never less than one
//! PMD-sized folio ([`LARGEST_FOLIO_BYTES`]): below 2 MiB/s a second's
//! worth is smaller than a THP, and a bucket that can never hold 512 pages
//! would refuse every THP forever.  A limit of 0 stops promotion (scanning
//! and the counters go on).
//!
//! Refills are exact: the part of a page earned by a short interval is
//! carried to the next refill, so over any interval the bucket admits the
//! configured rate to within one page, however often it is refilled.

/// Milliseconds per second, the refill's time unit.
const MS_PER_S: u64 = 1000;

/// A token bucket refilled from a millisecond clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBucket {
    /// Whole pages available.
    tokens: u64,
    /// Earned fraction of a page, in 1/1000 page (page-milliseconds per
    /// second); always below [`MS_PER_S`].
    partial: u64,
    /// Time of the last refill (ms).
    last_ms: u64,
}

/// The largest folio the module promotes: a PMD-mapped THP (2 MiB).
pub const LARGEST_FOLIO_BYTES: u64 = 2 << 20;

/// Pages of `1 << page_shift` bytes in `mb` MiB.
pub const fn mb_to_pages(mb: u64, page_shift: u32) -> u64 {
    (mb << 20) >> page_shift
}

/// Pages the bucket holds at most at `rate_mbps`: one second's worth, and
/// at least one largest folio unless the rate is 0.
pub const fn capacity(rate_mbps: u32, page_shift: u32) -> u64 {
    let per_second = mb_to_pages(rate_mbps as u64, page_shift);
    let folio = LARGEST_FOLIO_BYTES >> page_shift;
    if rate_mbps == 0 {
        0
    } else if per_second > folio {
        per_second
    } else {
        folio
    }
}

impl TokenBucket {
    /// A full bucket for `rate_mbps`, at time `now_ms`.
    pub const fn new(now_ms: u64, rate_mbps: u32, page_shift: u32) -> Self {
        TokenBucket {
            tokens: capacity(rate_mbps, page_shift),
            partial: 0,
            last_ms: now_ms,
        }
    }

    /// Adds the tokens earned since the last refill at `rate_mbps`, up to
    /// the [`capacity`].  A clock that goes backwards earns nothing.
    pub fn refill(&mut self, now_ms: u64, rate_mbps: u32, page_shift: u32) {
        let per_second = mb_to_pages(u64::from(rate_mbps), page_shift);
        let elapsed = now_ms.saturating_sub(self.last_ms);
        self.last_ms = self.last_ms.max(now_ms);
        let cap = capacity(rate_mbps, page_shift);
        // per_second < 2^40 and elapsed is capped at what fills an empty
        // bucket (a second, or the time one largest folio takes at a low
        // rate, at most 2 s since the rate is at least 1 MiB/s): no overflow.
        let elapsed = elapsed.min(2 * MS_PER_S);
        let earned = per_second * elapsed + self.partial;
        self.tokens = self.tokens.saturating_add(earned / MS_PER_S);
        self.partial = earned % MS_PER_S;
        if self.tokens >= cap {
            self.tokens = cap;
            self.partial = 0;
        }
    }

    /// Pages that may be promoted now.
    pub const fn available(&self) -> u64 {
        self.tokens
    }

    /// Takes `pages` tokens (at most what is available).
    pub fn consume(&mut self, pages: u64) {
        self.tokens = self.tokens.saturating_sub(pages);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIFT: u32 = 12; // 4 KiB pages: 256 pages per MiB

    /// Drains the bucket every `step_ms` for at least `total_ms` and returns
    /// the pages it admitted after the initial second's worth was taken,
    /// and the time that took.
    fn admitted(rate_mbps: u32, step_ms: u64, total_ms: u64) -> (u64, u64) {
        let mut b = TokenBucket::new(0, rate_mbps, SHIFT);
        b.consume(u64::MAX);
        let mut taken = 0;
        let mut t = 0;
        while t < total_ms {
            t += step_ms;
            b.refill(t, rate_mbps, SHIFT);
            taken += b.available();
            b.consume(b.available());
        }
        (taken, t)
    }

    #[test]
    fn starts_full_with_one_second_of_tokens() {
        assert_eq!(TokenBucket::new(0, 10, SHIFT).available(), 2560);
    }

    #[test]
    fn admits_the_rate_exactly_whatever_the_refill_interval() {
        // 3 MiB/s = 768 pages/s: one page every 1.30 ms.  The old bucket
        // dropped the fraction and admitted about 500 pages/s when refilled
        // every millisecond.
        for step in [1, 3, 7, 10, 100, 333, 1000] {
            let (got, t) = admitted(3, step, 10_000);
            let exact = 768 * t / 1000;
            assert!(
                got <= exact && got + 1 >= exact,
                "step {step} ms: {got} pages in {t} ms, not {exact}"
            );
        }
        for (rate, pages_per_s) in [(1u32, 256u64), (7, 1792), (65_536, 16_777_216)] {
            let (got, t) = admitted(rate, 1, 1000);
            assert_eq!(t, 1000);
            assert!(
                got + 1 >= pages_per_s && got <= pages_per_s,
                "{rate} MiB/s: {got}"
            );
        }
    }

    #[test]
    fn within_one_page_over_any_interval() {
        // Refill at irregular times; compare the running total with the
        // exact rate at every step.
        let mut b = TokenBucket::new(0, 3, SHIFT);
        b.consume(u64::MAX);
        let (mut t, mut taken) = (0u64, 0u64);
        for i in 0..5000u64 {
            t += 1 + (i * 7919) % 13;
            b.refill(t, 3, SHIFT);
            taken += b.available();
            b.consume(b.available());
            let exact = 768 * t / 1000;
            assert!(
                taken <= exact && taken + 1 >= exact,
                "t={t}: {taken} vs {exact}"
            );
        }
    }

    #[test]
    fn never_holds_more_than_one_second() {
        let mut b = TokenBucket::new(0, 10, SHIFT);
        b.refill(60_000, 10, SHIFT);
        assert_eq!(b.available(), 2560);
        b.consume(1);
        b.refill(60_001, 10, SHIFT);
        assert_eq!(b.available(), 2560);
    }

    #[test]
    fn a_thp_fits_at_any_non_zero_rate() {
        // 1 MiB/s is 256 pages a second: the bucket still holds a 512-page
        // folio, which it admits every two seconds.
        let thp = LARGEST_FOLIO_BYTES >> SHIFT;
        assert_eq!(thp, 512);
        let mut b = TokenBucket::new(0, 1, SHIFT);
        assert_eq!(b.available(), thp, "starts with room for one THP");
        b.consume(thp);
        let mut admitted = 0;
        for t in (100..=20_000).step_by(100) {
            b.refill(t, 1, SHIFT);
            if b.available() >= thp {
                b.consume(thp);
                admitted += 1;
            }
        }
        assert_eq!(admitted, 10, "one THP per 2 s over 20 s at 1 MiB/s");
        // A long pause banks no more than one folio.
        b.refill(1_000_000, 1, SHIFT);
        assert_eq!(b.available(), thp);
    }

    #[test]
    fn capacity_is_a_second_or_one_thp() {
        assert_eq!(capacity(0, SHIFT), 0);
        assert_eq!(capacity(1, SHIFT), 512);
        assert_eq!(capacity(2, SHIFT), 512);
        assert_eq!(capacity(3, SHIFT), 768);
        assert_eq!(capacity(65_536, SHIFT), 16_777_216);
    }

    #[test]
    fn zero_rate_promotes_nothing() {
        let mut b = TokenBucket::new(0, 0, SHIFT);
        for t in [1, 10, 10_000, 1_000_000] {
            b.refill(t, 0, SHIFT);
            assert_eq!(b.available(), 0);
        }
    }

    #[test]
    fn lowering_the_rate_caps_the_bucket_at_once() {
        let mut b = TokenBucket::new(0, 100, SHIFT);
        b.refill(1, 3, SHIFT);
        assert_eq!(b.available(), 768);
    }

    #[test]
    fn a_clock_going_backwards_earns_nothing() {
        let mut b = TokenBucket::new(1000, 1, SHIFT);
        b.consume(u64::MAX);
        b.refill(500, 1, SHIFT);
        assert_eq!(b.available(), 0);
        b.refill(1000, 1, SHIFT);
        assert_eq!(
            b.available(),
            0,
            "time before the last refill is not earned twice"
        );
        b.refill(2000, 1, SHIFT);
        assert_eq!(b.available(), 256);
        b.refill(3000, 1, SHIFT);
        assert_eq!(b.available(), 512);
    }

    #[test]
    fn consume_never_goes_negative() {
        let mut b = TokenBucket::new(0, 1, SHIFT);
        b.consume(1_000_000);
        assert_eq!(b.available(), 0);
    }
}
