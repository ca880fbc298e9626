// SPDX-License-Identifier: GPL-2.0

//! How many pages a promotion may move to a node now.
//!
//! Promotion fills free memory above the high watermark of the target's
//! zones and never dips below it: below it, kswapd would only demote or
//! reclaim what was just promoted (the ping-pong the TPP field notes
//! describe).  When there is no room, the module asks kswapd to reclaim or
//! demote up to the promotion watermark (kernel patch 0003), which makes
//! room above the high watermark for the next round.

/// One zone's free pages and high watermark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZoneMarks {
    /// Free pages.
    pub free: u64,
    /// The high watermark (pages).
    pub high: u64,
}

/// Pages a node with these zones can take above their high watermarks.
pub fn room_above_high(zones: &[ZoneMarks]) -> u64 {
    zones.iter().map(|z| z.free.saturating_sub(z.high)).fold(0, u64::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn z(free: u64, high: u64) -> ZoneMarks {
        ZoneMarks { free, high }
    }

    #[test]
    fn sums_the_room_above_each_zones_high_watermark() {
        assert_eq!(room_above_high(&[]), 0);
        assert_eq!(room_above_high(&[z(1000, 200)]), 800);
        assert_eq!(room_above_high(&[z(1000, 200), z(50, 10)]), 840);
    }

    #[test]
    fn a_zone_below_its_watermark_adds_nothing_and_takes_nothing() {
        assert_eq!(room_above_high(&[z(100, 200), z(500, 100)]), 400);
        assert_eq!(room_above_high(&[z(0, 200)]), 0);
    }

    #[test]
    fn huge_values_saturate() {
        assert_eq!(room_above_high(&[z(u64::MAX, 0), z(u64::MAX, 0)]), u64::MAX);
    }
}
