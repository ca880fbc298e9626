// SPDX-License-Identifier: GPL-2.0

//! The tunables under `/sys/kernel/mm/kmmscand/`: units, defaults, ranges
//! and the rules a write must satisfy.
//!
//! A write is parsed strictly ([`super::parse`]), checked against the knob's
//! range and against the other knobs (a minimum may not exceed its maximum;
//! the initial scan size lies between them; `target_node` names an online
//! top-tier node).  A refused write changes nothing: [`Tunables::with`]
//! returns a new value or the reason, never a clamped value.

use core::ffi::CStr;

use super::parse::{parse_i64, ParseError};
use super::topology::NodeMask;

/// One sysfs knob.  The discriminant is the knob's index in [`Knob::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Knob {
    /// `enabled`: 1 = scan and promote, 0 = the thread only sleeps.
    Enabled,
    /// `scan_sleep_ms`: sleep between two wake-ups of the thread (ms); none
    /// after a wake-up that left hot pages to promote at once, shorter when
    /// a recheck is due sooner ([`crate::pace::wake_at_ms`]).
    ScanSleepMs,
    /// `scan_period_min_ms`: shortest interval between scans of one mm (ms);
    /// also the interval a newly seen mm starts with.  A visit that left
    /// regions to recheck is followed after half of it.
    ScanPeriodMinMs,
    /// `scan_period_max_ms`: longest interval between scans of one mm (ms).
    ScanPeriodMaxMs,
    /// `scan_size_mb`: address space a newly seen mm is scanned per visit (MiB).
    ScanSizeMb,
    /// `scan_size_min_mb`: lower bound of the per-visit scan size (MiB).
    ScanSizeMinMb,
    /// `scan_size_max_mb`: upper bound of the per-visit scan size (MiB).
    ScanSizeMaxMb,
    /// `mms_to_scan`: address spaces the process cursor visits per wake-up
    /// at most (the queued turns of [`super::turns`] come on top).
    MmsToScan,
    /// `hot_threshold`: passes (sweeps or rechecks, each within the window
    /// of the previous sighting) a folio must be found young in.
    HotThreshold,
    /// `migrate_batch`: pages moved by one `migrate_pages()` call at most.
    MigrateBatch,
    /// `promote_rate_limit_mbps`: promotion throughput cap (MiB/s); 0 stops
    /// promotion while scanning goes on.
    PromoteRateLimitMbps,
    /// `target_node`: destination node, or -1 for the nearest top-tier node.
    TargetNode,
    /// `cgroup_toptier_max_mb`: top-tier memory (MiB) beyond which a
    /// process in a cgroup named by `cgroup_scope` is not promoted for
    /// (counted over the cgroup and its descendants); 0 = no cap.
    CgroupToptierMaxMb,
}

impl Knob {
    /// Every knob, in sysfs order.
    pub const ALL: [Knob; 13] = [
        Knob::Enabled,
        Knob::ScanSleepMs,
        Knob::ScanPeriodMinMs,
        Knob::ScanPeriodMaxMs,
        Knob::ScanSizeMb,
        Knob::ScanSizeMinMb,
        Knob::ScanSizeMaxMb,
        Knob::MmsToScan,
        Knob::HotThreshold,
        Knob::MigrateBatch,
        Knob::PromoteRateLimitMbps,
        Knob::TargetNode,
        Knob::CgroupToptierMaxMb,
    ];

    /// The knob with index `i` in [`Knob::ALL`].
    pub fn from_index(i: usize) -> Option<Knob> {
        Knob::ALL.get(i).copied()
    }

    /// The sysfs file name, NUL-terminated for the C sysfs table.
    pub const fn c_name(self) -> &'static CStr {
        match self {
            Knob::Enabled => c"enabled",
            Knob::ScanSleepMs => c"scan_sleep_ms",
            Knob::ScanPeriodMinMs => c"scan_period_min_ms",
            Knob::ScanPeriodMaxMs => c"scan_period_max_ms",
            Knob::ScanSizeMb => c"scan_size_mb",
            Knob::ScanSizeMinMb => c"scan_size_min_mb",
            Knob::ScanSizeMaxMb => c"scan_size_max_mb",
            Knob::MmsToScan => c"mms_to_scan",
            Knob::HotThreshold => c"hot_threshold",
            Knob::MigrateBatch => c"migrate_batch",
            Knob::PromoteRateLimitMbps => c"promote_rate_limit_mbps",
            Knob::TargetNode => c"target_node",
            Knob::CgroupToptierMaxMb => c"cgroup_toptier_max_mb",
        }
    }

    /// The sysfs file name.
    pub fn name(self) -> &'static str {
        // The names above are ASCII.
        self.c_name().to_str().unwrap_or("?")
    }

    /// The inclusive range of values the knob accepts on its own.
    pub const fn range(self) -> (i64, i64) {
        match self {
            Knob::Enabled => (0, 1),
            Knob::ScanSleepMs => (1, 60_000),
            Knob::ScanPeriodMinMs | Knob::ScanPeriodMaxMs => (10, 3_600_000),
            Knob::ScanSizeMb | Knob::ScanSizeMinMb | Knob::ScanSizeMaxMb => (1, 1 << 20),
            Knob::MmsToScan => (1, 65_536),
            Knob::HotThreshold => (1, HOT_THRESHOLD_MAX as i64),
            Knob::MigrateBatch => (1, 8192),
            Knob::PromoteRateLimitMbps => (0, 1 << 20),
            Knob::TargetNode => (-1, super::topology::MAX_NODES as i64 - 1),
            Knob::CgroupToptierMaxMb => (0, 1 << 30),
        }
    }
}

/// Largest `hot_threshold`: a hotness record counts up to this many sweeps.
pub const HOT_THRESHOLD_MAX: u32 = super::hotness::MAX_COUNT as u32;

/// Why a knob write was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The text is not an integer.
    Parse(ParseError),
    /// The integer is outside the knob's range.
    OutOfRange {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// The value contradicts another knob; the text says which.
    Inconsistent(&'static str),
}

/// The values of all knobs.  Units are in the field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tunables {
    /// See [`Knob::Enabled`].
    pub enabled: bool,
    /// See [`Knob::ScanSleepMs`].
    pub scan_sleep_ms: u32,
    /// See [`Knob::ScanPeriodMinMs`].
    pub scan_period_min_ms: u32,
    /// See [`Knob::ScanPeriodMaxMs`].
    pub scan_period_max_ms: u32,
    /// See [`Knob::ScanSizeMb`].
    pub scan_size_mb: u32,
    /// See [`Knob::ScanSizeMinMb`].
    pub scan_size_min_mb: u32,
    /// See [`Knob::ScanSizeMaxMb`].
    pub scan_size_max_mb: u32,
    /// See [`Knob::MmsToScan`].
    pub mms_to_scan: u32,
    /// See [`Knob::HotThreshold`].
    pub hot_threshold: u32,
    /// See [`Knob::MigrateBatch`].
    pub migrate_batch: u32,
    /// See [`Knob::PromoteRateLimitMbps`].
    pub promote_rate_limit_mbps: u32,
    /// See [`Knob::TargetNode`]; -1 = automatic.
    pub target_node: i32,
    /// See [`Knob::CgroupToptierMaxMb`]; 0 = no cap.
    pub cgroup_toptier_max_mb: u32,
}

impl Default for Tunables {
    /// The defaults: a scan period of 0.5-2 s (an idle mm is looked at every
    /// 2 s, so that memory turning hot is found within that), a scan size
    /// of 256 MiB-64 GiB starting at 1 GiB (grown until one visit covers a
    /// hot mm, so that its sweeps stay short), promotion on the second
    /// young sweep, batches of 512 pages and NUMA balancing's default rate
    /// limit, no cap on a cgroup's top-tier memory.
    fn default() -> Self {
        Tunables {
            enabled: true,
            scan_sleep_ms: 100,
            scan_period_min_ms: 500,
            scan_period_max_ms: 2000,
            scan_size_mb: 1024,
            scan_size_min_mb: 256,
            scan_size_max_mb: 65536,
            mms_to_scan: 64,
            hot_threshold: 2,
            migrate_batch: 512,
            promote_rate_limit_mbps: 65_536,
            target_node: -1,
            cgroup_toptier_max_mb: 0,
        }
    }
}

impl Tunables {
    /// The current value of `knob`, as sysfs shows it.
    pub fn get(&self, knob: Knob) -> i64 {
        match knob {
            Knob::Enabled => i64::from(self.enabled),
            Knob::ScanSleepMs => self.scan_sleep_ms.into(),
            Knob::ScanPeriodMinMs => self.scan_period_min_ms.into(),
            Knob::ScanPeriodMaxMs => self.scan_period_max_ms.into(),
            Knob::ScanSizeMb => self.scan_size_mb.into(),
            Knob::ScanSizeMinMb => self.scan_size_min_mb.into(),
            Knob::ScanSizeMaxMb => self.scan_size_max_mb.into(),
            Knob::MmsToScan => self.mms_to_scan.into(),
            Knob::HotThreshold => self.hot_threshold.into(),
            Knob::MigrateBatch => self.migrate_batch.into(),
            Knob::PromoteRateLimitMbps => self.promote_rate_limit_mbps.into(),
            Knob::TargetNode => self.target_node.into(),
            Knob::CgroupToptierMaxMb => self.cgroup_toptier_max_mb.into(),
        }
    }

    /// The tunables after writing `input` to `knob`, or why the write is
    /// refused.  `toptier` is the set of online top-tier nodes with memory
    /// (the only nodes `target_node` may name).
    pub fn with(&self, knob: Knob, input: &[u8], toptier: NodeMask) -> Result<Tunables, Rejection> {
        let value = parse_i64(input).map_err(Rejection::Parse)?;
        let (min, max) = knob.range();
        if value < min || value > max {
            return Err(Rejection::OutOfRange { min, max });
        }
        // In range, so it fits: every range lies within i32.
        let v32 = value as i32;
        let u = value as u32;
        let mut t = *self;
        match knob {
            Knob::Enabled => t.enabled = value == 1,
            Knob::ScanSleepMs => t.scan_sleep_ms = u,
            Knob::ScanPeriodMinMs => t.scan_period_min_ms = u,
            Knob::ScanPeriodMaxMs => t.scan_period_max_ms = u,
            Knob::ScanSizeMb => t.scan_size_mb = u,
            Knob::ScanSizeMinMb => t.scan_size_min_mb = u,
            Knob::ScanSizeMaxMb => t.scan_size_max_mb = u,
            Knob::MmsToScan => t.mms_to_scan = u,
            Knob::HotThreshold => t.hot_threshold = u,
            Knob::MigrateBatch => t.migrate_batch = u,
            Knob::PromoteRateLimitMbps => t.promote_rate_limit_mbps = u,
            Knob::CgroupToptierMaxMb => t.cgroup_toptier_max_mb = u,
            Knob::TargetNode => {
                if v32 >= 0 && !toptier.contains(v32 as usize) {
                    return Err(Rejection::Inconsistent(
                        "target_node must be -1 or an online top-tier node with memory",
                    ));
                }
                t.target_node = v32;
            }
        }
        t.check_consistent()?;
        Ok(t)
    }

    /// Checks the rules that tie knobs together.
    pub fn check_consistent(&self) -> Result<(), Rejection> {
        if self.scan_period_min_ms > self.scan_period_max_ms {
            return Err(Rejection::Inconsistent(
                "scan_period_min_ms must not exceed scan_period_max_ms",
            ));
        }
        if self.scan_size_min_mb > self.scan_size_max_mb {
            return Err(Rejection::Inconsistent(
                "scan_size_min_mb must not exceed scan_size_max_mb",
            ));
        }
        if self.scan_size_mb < self.scan_size_min_mb || self.scan_size_mb > self.scan_size_max_mb {
            return Err(Rejection::Inconsistent(
                "scan_size_mb must lie within [scan_size_min_mb, scan_size_max_mb]",
            ));
        }
        Ok(())
    }

    /// `target_node` as an option.
    pub fn forced_target(&self) -> Option<usize> {
        usize::try_from(self.target_node).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOP: NodeMask = NodeMask(0b1);

    #[test]
    fn defaults_are_consistent_and_in_range() {
        let t = Tunables::default();
        t.check_consistent().unwrap();
        for k in Knob::ALL {
            let (min, max) = k.range();
            let v = t.get(k);
            assert!(
                v >= min && v <= max,
                "{} default {} outside {}..={}",
                k.name(),
                v,
                min,
                max
            );
        }
    }

    /// The knob table of docs/kmmscand.rst is the user's copy of
    /// [`Knob::ALL`]: every knob has a row, with its default and range as
    /// here (a range of two values reads `a, b`), and every row of the table
    /// is a knob here or `cgroup_scope` (text, see `scope`).
    #[test]
    fn the_docs_table_has_every_knob_with_its_default_and_range() {
        let doc = include_str!("../../../docs/kmmscand.rst");
        let start = doc.find("\nknob ").expect("the knob table's header");
        let table: std::vec::Vec<&str> = doc[start + 1..]
            .lines()
            .skip(2)
            .take_while(|l| !l.starts_with("====="))
            .filter(|l| l.starts_with("``"))
            .collect();
        for k in Knob::ALL {
            let name = std::format!("``{}``", k.name());
            let row = table
                .iter()
                .find(|l| l.split_whitespace().next() == Some(name.as_str()))
                .unwrap_or_else(|| panic!("{} has no row in the docs table", k.name()));
            let (min, max) = k.range();
            let def = std::format!("{}", Tunables::default().get(k));
            let range = if max == min + 1 {
                std::format!("{min}, {max}")
            } else {
                std::format!("{min}..{max}")
            };
            let rest = row[name.len()..].trim_start();
            assert!(
                rest.starts_with(&def) && rest[def.len()..].trim_start().starts_with(&range),
                "docs row of {}: '{}', expected default {} and range {}",
                k.name(),
                row,
                def,
                range
            );
        }
        for row in &table {
            let name = row.split_whitespace().next().unwrap_or("");
            assert!(
                name == "``cgroup_scope``"
                    || Knob::ALL
                        .iter()
                        .any(|k| std::format!("``{}``", k.name()) == name),
                "docs table row {name} is not a knob"
            );
        }
        assert_eq!(table.len(), Knob::ALL.len() + 1, "rows: {table:?}");
    }

    #[test]
    fn index_and_names_round_trip() {
        for (i, k) in Knob::ALL.iter().enumerate() {
            assert_eq!(Knob::from_index(i), Some(*k));
            assert_eq!(*k as usize, i);
        }
        assert_eq!(Knob::from_index(Knob::ALL.len()), None);
    }

    #[test]
    fn every_knob_accepts_its_bounds_alone() {
        for k in Knob::ALL {
            if matches!(
                k,
                Knob::ScanPeriodMinMs
                    | Knob::ScanPeriodMaxMs
                    | Knob::ScanSizeMb
                    | Knob::ScanSizeMinMb
                    | Knob::ScanSizeMaxMb
                    | Knob::TargetNode
            ) {
                continue; // tied to other knobs, tested below
            }
            let (min, max) = k.range();
            for v in [min, max] {
                let text = std::format!("{}\n", v);
                let t = Tunables::default().with(k, text.as_bytes(), TOP).unwrap();
                assert_eq!(t.get(k), v, "{}", k.name());
            }
        }
    }

    #[test]
    fn every_knob_rejects_junk_negative_overflow_and_out_of_range() {
        let d = Tunables::default();
        for k in Knob::ALL {
            let (min, max) = k.range();
            for junk in [&b"junk"[..], b"", b"1x", b" 1", b"99999999999999999999999"] {
                assert!(
                    matches!(d.with(k, junk, TOP), Err(Rejection::Parse(_))),
                    "{}",
                    k.name()
                );
            }
            for v in [min - 1, max + 1, i64::from(i32::MIN), -2] {
                if v >= min && v <= max {
                    continue;
                }
                let text = std::format!("{}", v);
                assert_eq!(
                    d.with(k, text.as_bytes(), TOP),
                    Err(Rejection::OutOfRange { min, max }),
                    "{} = {}",
                    k.name(),
                    v
                );
            }
        }
    }

    #[test]
    fn period_min_above_max_is_refused_either_way() {
        let d = Tunables::default();
        assert!(matches!(
            d.with(Knob::ScanPeriodMinMs, b"6000", TOP),
            Err(Rejection::Inconsistent(_))
        ));
        assert!(matches!(
            d.with(Knob::ScanPeriodMaxMs, b"400", TOP),
            Err(Rejection::Inconsistent(_))
        ));
        let t = d.with(Knob::ScanPeriodMaxMs, b"500", TOP).unwrap();
        assert_eq!(t.scan_period_max_ms, 500);
    }

    #[test]
    fn scan_size_must_stay_between_its_bounds() {
        let d = Tunables::default();
        assert!(d.with(Knob::ScanSizeMb, b"128", TOP).is_err());
        assert!(d.with(Knob::ScanSizeMinMb, b"2048", TOP).is_err());
        assert!(d.with(Knob::ScanSizeMaxMb, b"512", TOP).is_err());
        assert_eq!(
            d.with(Knob::ScanSizeMb, b"256", TOP).unwrap().scan_size_mb,
            256
        );
    }

    #[test]
    fn target_node_must_be_auto_or_top_tier() {
        let d = Tunables::default();
        assert_eq!(
            d.with(Knob::TargetNode, b"0\n", TOP)
                .unwrap()
                .forced_target(),
            Some(0)
        );
        assert_eq!(
            d.with(Knob::TargetNode, b"-1", TOP)
                .unwrap()
                .forced_target(),
            None
        );
        assert!(matches!(
            d.with(Knob::TargetNode, b"1", TOP),
            Err(Rejection::Inconsistent(_))
        ));
        assert!(matches!(
            d.with(Knob::TargetNode, b"64", TOP),
            Err(Rejection::OutOfRange { .. })
        ));
    }
}
