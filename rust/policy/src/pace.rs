// SPDX-License-Identifier: GPL-2.0

//! Per-mm scan pacing: how long until the next scan of an address space
//! and how much of it that scan covers.
//!
//! The rules are the kmmscand RFC's.  Let X be the useful pages (young
//! slow-tier pages) found by the previous scan of the mm and Y those found
//! by this one; totals under [`NOISE_FLOOR_PAGES`] count as zero.
//!
//! | X  | Y  | period      | size       |
//! |----|----|-------------|------------|
//! | 0  | 0  | +15%        | halves     |
//! | >0 | >0 | -15%        | doubles    |
//! | >0 | 0  | x8          | unchanged  |
//! | 0  | >0 | /8          | maximum    |
//!
//! Both results are kept within the `scan_period_{min,max}_ms` and
//! `scan_size_{min,max}_mb` knobs.

/// Useful-page totals below this count as zero: a few young pages are
/// noise, not a sign that the mm has hot memory on the slow tier.
pub const NOISE_FLOOR_PAGES: u64 = 64;

/// How often and how much of one address space is scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// Interval to the next scan of this mm (ms).
    pub period_ms: u32,
    /// Address space covered by one scan of this mm (MiB).
    pub size_mb: u32,
}

/// The bounds [`next_pace`] keeps a [`Pace`] within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceBounds {
    /// Shortest period (ms).
    pub period_min_ms: u32,
    /// Longest period (ms).
    pub period_max_ms: u32,
    /// Smallest scan size (MiB).
    pub size_min_mb: u32,
    /// Largest scan size (MiB).
    pub size_max_mb: u32,
}

impl PaceBounds {
    /// Keeps `pace` within the bounds.
    pub fn clamp(&self, pace: Pace) -> Pace {
        Pace {
            period_ms: pace.period_ms.clamp(self.period_min_ms, self.period_max_ms),
            size_mb: pace.size_mb.clamp(self.size_min_mb, self.size_max_mb),
        }
    }
}

/// Whether a scan found enough useful pages to count.
pub const fn counts(useful_pages: u64) -> bool {
    useful_pages >= NOISE_FLOOR_PAGES
}

/// The pace after a scan that found `now_useful` pages, the previous one
/// having found `prev_useful`.
pub fn next_pace(cur: Pace, prev_useful: u64, now_useful: u64, b: PaceBounds) -> Pace {
    let p = u64::from(cur.period_ms);
    let s = u64::from(cur.size_mb);
    let (period, size) = match (counts(prev_useful), counts(now_useful)) {
        (false, false) => (p + (p * 15 / 100).max(1), s / 2),
        (true, true) => (p - p * 15 / 100, s * 2),
        (true, false) => (p * 8, s),
        (false, true) => (p / 8, u64::from(b.size_max_mb)),
    };
    b.clamp(Pace {
        period_ms: period.min(u64::from(u32::MAX)) as u32,
        size_mb: size.min(u64::from(u32::MAX)) as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: PaceBounds = PaceBounds {
        period_min_ms: 500,
        period_max_ms: 5000,
        size_min_mb: 256,
        size_max_mb: 4096,
    };
    const MID: Pace = Pace {
        period_ms: 2000,
        size_mb: 1024,
    };
    const HOT: u64 = 1000;

    #[test]
    fn nothing_twice_slows_down_and_shrinks() {
        assert_eq!(next_pace(MID, 0, 0, B), Pace { period_ms: 2300, size_mb: 512 });
    }

    #[test]
    fn something_twice_speeds_up_and_grows() {
        assert_eq!(next_pace(MID, HOT, HOT, B), Pace { period_ms: 1700, size_mb: 2048 });
    }

    #[test]
    fn found_then_nothing_backs_off_eightfold() {
        let p = Pace { period_ms: 600, size_mb: 1024 };
        assert_eq!(next_pace(p, HOT, 0, B), Pace { period_ms: 4800, size_mb: 1024 });
    }

    #[test]
    fn nothing_then_found_rushes_in() {
        assert_eq!(next_pace(MID, 0, HOT, B), Pace { period_ms: 500, size_mb: 4096 });
        let slow = Pace { period_ms: 4800, size_mb: 256 };
        assert_eq!(next_pace(slow, 0, HOT, B), Pace { period_ms: 600, size_mb: 4096 });
    }

    #[test]
    fn totals_under_the_noise_floor_count_as_zero() {
        let below = NOISE_FLOOR_PAGES - 1;
        assert_eq!(next_pace(MID, below, below, B), next_pace(MID, 0, 0, B));
        assert_eq!(next_pace(MID, NOISE_FLOOR_PAGES, HOT, B), next_pace(MID, HOT, HOT, B));
    }

    #[test]
    fn period_is_clamped_to_max_and_min() {
        let p = Pace { period_ms: 4900, size_mb: 1024 };
        assert_eq!(next_pace(p, 0, 0, B).period_ms, 5000);
        assert_eq!(next_pace(p, HOT, 0, B).period_ms, 5000);
        let p = Pace { period_ms: 520, size_mb: 1024 };
        assert_eq!(next_pace(p, HOT, HOT, B).period_ms, 500);
    }

    #[test]
    fn size_is_clamped_to_max_and_min() {
        let p = Pace { period_ms: 2000, size_mb: 300 };
        assert_eq!(next_pace(p, 0, 0, B).size_mb, 256);
        let p = Pace { period_ms: 2000, size_mb: 3000 };
        assert_eq!(next_pace(p, HOT, HOT, B).size_mb, 4096);
    }

    #[test]
    fn small_periods_still_grow_when_idle() {
        let b = PaceBounds { period_min_ms: 10, ..B };
        let p = Pace { period_ms: 10, size_mb: 1024 };
        assert!(next_pace(p, 0, 0, b).period_ms > 10);
    }

    #[test]
    fn huge_values_saturate_instead_of_overflowing() {
        let b = PaceBounds {
            period_min_ms: 10,
            period_max_ms: u32::MAX,
            size_min_mb: 1,
            size_max_mb: u32::MAX,
        };
        let p = Pace { period_ms: u32::MAX, size_mb: u32::MAX };
        assert_eq!(next_pace(p, HOT, 0, b).period_ms, u32::MAX);
        assert_eq!(next_pace(p, HOT, HOT, b).size_mb, u32::MAX);
    }
}
