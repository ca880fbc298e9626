// SPDX-License-Identifier: GPL-2.0

//! The promotion rate limit: a token bucket in pages.
//!
//! `promote_rate_limit_mbps` MiB/s of tokens flow in; a promotion of N
//! pages takes N tokens.  The bucket holds at most one second's worth, so
//! an idle period cannot be banked into a long burst.  A limit of 0 stops
//! promotion (scanning and the counters go on).

/// A token bucket refilled from a millisecond clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBucket {
    tokens: u64,
    last_ms: u64,
}

/// Pages of `1 << page_shift` bytes in `mb` MiB.
pub const fn mb_to_pages(mb: u64, page_shift: u32) -> u64 {
    (mb << 20) >> page_shift
}

impl TokenBucket {
    /// A full bucket for `rate_mbps`, at time `now_ms`.
    pub const fn new(now_ms: u64, rate_mbps: u32, page_shift: u32) -> Self {
        TokenBucket {
            tokens: mb_to_pages(rate_mbps as u64, page_shift),
            last_ms: now_ms,
        }
    }

    /// Adds the tokens earned since the last refill, up to one second's worth.
    pub fn refill(&mut self, now_ms: u64, rate_mbps: u32, page_shift: u32) {
        let per_second = mb_to_pages(u64::from(rate_mbps), page_shift);
        let elapsed = now_ms.saturating_sub(self.last_ms);
        let earned = per_second.saturating_mul(elapsed) / 1000;
        // Keep the remainder of a partial page for the next refill: only
        // move the clock by the time that bought whole pages.
        if earned > 0 || per_second == 0 {
            self.last_ms = now_ms;
        }
        self.tokens = self.tokens.saturating_add(earned).min(per_second);
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

    #[test]
    fn starts_full_with_one_second_of_tokens() {
        assert_eq!(TokenBucket::new(0, 10, SHIFT).available(), 2560);
    }

    #[test]
    fn refills_at_the_configured_rate() {
        let mut b = TokenBucket::new(0, 10, SHIFT);
        b.consume(2560);
        assert_eq!(b.available(), 0);
        b.refill(500, 10, SHIFT);
        assert_eq!(b.available(), 1280);
        b.refill(1000, 10, SHIFT);
        assert_eq!(b.available(), 2560);
    }

    #[test]
    fn never_holds_more_than_one_second() {
        let mut b = TokenBucket::new(0, 10, SHIFT);
        b.refill(60_000, 10, SHIFT);
        assert_eq!(b.available(), 2560);
    }

    #[test]
    fn zero_rate_promotes_nothing() {
        let mut b = TokenBucket::new(0, 0, SHIFT);
        b.refill(10_000, 0, SHIFT);
        assert_eq!(b.available(), 0);
    }

    #[test]
    fn lowering_the_rate_caps_the_bucket_at_once() {
        let mut b = TokenBucket::new(0, 100, SHIFT);
        b.refill(1, 1, SHIFT);
        assert_eq!(b.available(), 256);
    }

    #[test]
    fn slow_rates_accumulate_over_short_refills() {
        // 1 MiB/s = 256 pages/s: one page every ~3.9 ms.  Refilling every
        // millisecond must still earn the full rate.
        let mut b = TokenBucket::new(0, 1, SHIFT);
        b.consume(256);
        for t in 1..=1000 {
            b.refill(t, 1, SHIFT);
        }
        assert!(b.available() >= 250, "{}", b.available());
    }

    #[test]
    fn consume_never_goes_negative() {
        let mut b = TokenBucket::new(0, 1, SHIFT);
        b.consume(1_000_000);
        assert_eq!(b.available(), 0);
    }
}
