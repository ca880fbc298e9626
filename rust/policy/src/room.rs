// SPDX-License-Identifier: GPL-2.0

//! How many pages a promotion may move to a node now.
//!
//! Promotion fills free memory above the high watermark of the target's
//! zones and never dips below it: below it, kswapd would only demote or
//! reclaim what was just promoted (the ping-pong the TPP field notes
//! describe).  When there is no room, the module asks kswapd to reclaim or
//! demote up to the promotion watermark (kernel patch 0003), which makes
//! room above the high watermark for the next round.

/// One zone's free pages, high watermark and reserves, as the kernel keeps
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZoneMarks {
    /// Free pages.
    pub free: u64,
    /// The high watermark (pages).
    pub high: u64,
    /// The zone's `lowmem_reserve[ZONE_MOVABLE]` (pages; a `long` in the
    /// kernel): what a lower zone such as ZONE_DMA keeps from movable
    /// allocations for allocations that cannot go elsewhere.
    pub lowmem_reserve: i64,
    /// The zone's high-atomic reserve (`nr_reserved_highatomic`, pages).
    pub highatomic: u64,
}

impl ZoneMarks {
    /// Free pages a movable allocation may not take: the lowmem reserve
    /// (never negative) and the high-atomic reserve.
    pub fn reserved(&self) -> u64 {
        u64::try_from(self.lowmem_reserve)
            .unwrap_or(0)
            .saturating_add(self.highatomic)
    }
}

/// Pages a node with these zones can take above their high watermarks,
/// counting only free memory a promotion's allocations may use (as
/// `zone_watermark_ok()` does for a movable allocation).
pub fn room_above_high(zones: &[ZoneMarks]) -> u64 {
    zones
        .iter()
        .map(|z| z.free.saturating_sub(z.high.saturating_add(z.reserved())))
        .fold(0, u64::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn z(free: u64, high: u64) -> ZoneMarks {
        ZoneMarks {
            free,
            high,
            ..ZoneMarks::default()
        }
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
    fn reserves_a_movable_allocation_cannot_use_are_no_room() {
        // ZONE_DMA with 3500 free pages, 1700 of them kept for allocations
        // that cannot go higher: only 3500 - 30 - 1700 are room.
        let dma = ZoneMarks {
            free: 3500,
            high: 30,
            lowmem_reserve: 1600,
            highatomic: 100,
        };
        assert_eq!(dma.reserved(), 1700);
        assert_eq!(room_above_high(&[dma]), 1770);
        let full = ZoneMarks {
            free: 1700,
            high: 30,
            lowmem_reserve: 1700,
            highatomic: 0,
        };
        assert_eq!(room_above_high(&[full, z(1000, 1000)]), 0);
        assert_eq!(
            room_above_high(&[ZoneMarks {
                free: 10,
                high: 5,
                lowmem_reserve: i64::MAX,
                highatomic: u64::MAX,
            }]),
            0
        );
        // A negative lowmem_reserve (the kernel's type is signed) reserves
        // nothing.
        let neg = ZoneMarks {
            free: 100,
            high: 10,
            lowmem_reserve: -5,
            highatomic: 0,
        };
        assert_eq!(neg.reserved(), 0);
        assert_eq!(room_above_high(&[neg]), 90);
    }

    #[test]
    fn huge_values_saturate() {
        assert_eq!(room_above_high(&[z(u64::MAX, 0), z(u64::MAX, 0)]), u64::MAX);
    }
}
