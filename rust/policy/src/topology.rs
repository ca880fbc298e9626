// SPDX-License-Identifier: GPL-2.0

//! Node sets and the choice of the promotion target.
//!
//! The module takes a [`Topology`] snapshot (online memory nodes, which of
//! them are top tier, SLIT distances) and, for every VMA it scans, computes
//! a [`TargetMap`]: for each node that holds memory, the node its hot
//! folios go to, or none.  A top-tier node is never a source.  The target
//! of a slow node is the top-tier node nearest to it by distance among
//! those the VMA's mempolicy and the task's cpuset allow; ties go to the
//! node where the address space already has most pages.  When the
//! `target_node` knob is set, that node is the only candidate.

/// Largest number of NUMA nodes the module supports (`MAX_NUMNODES` must
/// not exceed it: `sys/node.rs` asserts this at build time).
pub const MAX_NODES: usize = 64;

/// A set of NUMA node ids below [`MAX_NODES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeMask(pub u64);

impl NodeMask {
    /// The empty set.
    pub const EMPTY: NodeMask = NodeMask(0);
    /// Every node.
    pub const ALL: NodeMask = NodeMask(u64::MAX);

    /// The set holding only `nid`; empty when `nid` is out of range.
    pub const fn single(nid: usize) -> NodeMask {
        if nid < MAX_NODES {
            NodeMask(1 << nid)
        } else {
            NodeMask(0)
        }
    }

    /// Whether `nid` is in the set.
    pub const fn contains(self, nid: usize) -> bool {
        nid < MAX_NODES && self.0 & (1 << nid) != 0
    }

    /// The nodes in both sets.
    pub const fn and(self, other: NodeMask) -> NodeMask {
        NodeMask(self.0 & other.0)
    }

    /// The nodes in `self` but not in `other`.
    pub const fn without(self, other: NodeMask) -> NodeMask {
        NodeMask(self.0 & !other.0)
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The node ids in the set, in increasing order.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..MAX_NODES).filter(move |&n| self.contains(n))
    }
}

impl core::fmt::Display for NodeMask {
    /// Formats the set as the kernel prints node lists: `0,2-3`, or
    /// `none` for the empty set.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let mut first = true;
        let mut n = 0;
        while n < MAX_NODES {
            if !self.contains(n) {
                n += 1;
                continue;
            }
            let start = n;
            while n + 1 < MAX_NODES && self.contains(n + 1) {
                n += 1;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if start == n {
                write!(f, "{start}")?;
            } else {
                write!(f, "{start}-{n}")?;
            }
            n += 1;
        }
        Ok(())
    }
}

/// What the module knows about the machine's nodes at one moment.
#[derive(Debug, Clone)]
pub struct Topology {
    /// Online nodes that have memory.
    pub memory: NodeMask,
    /// Of those, the top-tier nodes (`node_is_toptier()`).
    pub toptier: NodeMask,
    /// `node_distance(from, to)` for nodes in `memory` (10 = local).
    pub distance: [[u8; MAX_NODES]; MAX_NODES],
}

impl Topology {
    /// Nodes with memory below the top tier: the promotion sources.
    pub const fn slow(&self) -> NodeMask {
        self.memory.without(self.toptier)
    }
}

/// For each source node, the node its hot folios are promoted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetMap {
    /// `target[src]` is the destination node, or -1: do not scan folios on
    /// `src` (a top-tier node, or no allowed destination).
    pub target: [i16; MAX_NODES],
}

impl TargetMap {
    /// A map that promotes nothing.
    pub const NONE: TargetMap = TargetMap {
        target: [-1; MAX_NODES],
    };

    /// The nodes whose folios would be promoted (those with a
    /// destination): the ones the walk stops at.
    pub fn sources(&self) -> NodeMask {
        let mut sources = NodeMask::EMPTY;
        for (nid, _) in self.target.iter().enumerate().filter(|&(_, &t)| t >= 0) {
            sources.0 |= 1 << nid;
        }
        sources
    }

    /// Whether folios on at least one node would be promoted.
    pub fn promotes_anything(&self) -> bool {
        !self.sources().is_empty()
    }
}

/// Computes the promotion targets for folios mapped by one VMA.
///
/// - `allowed`: nodes the VMA's mempolicy and the task's cpuset permit;
/// - `forced`: the `target_node` knob (`None` = automatic);
/// - `mm_pages[n]`: pages of the address space seen on node `n` (tie-break).
pub fn target_map(
    topo: &Topology,
    allowed: NodeMask,
    forced: Option<usize>,
    mm_pages: &[u64; MAX_NODES],
) -> TargetMap {
    let mut map = TargetMap::NONE;
    let destinations = match forced {
        Some(n) => NodeMask::single(n).and(topo.toptier).and(allowed),
        None => topo.toptier.and(allowed),
    };
    if destinations.is_empty() {
        return map;
    }
    for src in topo.slow().iter() {
        let mut best: Option<usize> = None;
        for dst in destinations.iter() {
            best = match best {
                None => Some(dst),
                Some(b) => {
                    let (db, dd) = (topo.distance[src][b], topo.distance[src][dst]);
                    if dd < db || (dd == db && mm_pages[dst] > mm_pages[b]) {
                        Some(dst)
                    } else {
                        Some(b)
                    }
                }
            };
        }
        if let Some(dst) = best {
            map.target[src] = dst as i16;
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nodes 0 and 1 top tier (distance 10/20 between them), 2 and 3 slow:
    /// 2 is near 0, 3 is equally far from 0 and 1.
    fn four_nodes() -> Topology {
        let mut distance = [[255u8; MAX_NODES]; MAX_NODES];
        let d = [
            [10, 20, 30, 40],
            [20, 10, 40, 40],
            [30, 40, 10, 50],
            [40, 40, 50, 10],
        ];
        for (i, row) in d.iter().enumerate() {
            distance[i][..4].copy_from_slice(row);
        }
        Topology {
            memory: NodeMask(0b1111),
            toptier: NodeMask(0b0011),
            distance,
        }
    }

    #[test]
    fn a_target_maps_sources_are_the_nodes_with_a_destination() {
        assert_eq!(TargetMap::NONE.sources(), NodeMask::EMPTY);
        assert!(!TargetMap::NONE.promotes_anything());
        let mut map = TargetMap::NONE;
        map.target[1] = 0;
        map.target[3] = 0;
        map.target[MAX_NODES - 1] = 2;
        assert_eq!(map.sources(), NodeMask(0b1010 | 1 << (MAX_NODES - 1)));
        assert!(map.promotes_anything());
    }

    #[test]
    fn node_mask_basics() {
        let m = NodeMask::single(3).and(NodeMask::ALL);
        assert!(m.contains(3) && !m.contains(2) && !m.contains(64));
        assert!(NodeMask::single(64).is_empty());
        assert_eq!(
            NodeMask(0b1010).iter().collect::<std::vec::Vec<_>>(),
            [1, 3]
        );
        assert_eq!(NodeMask(0b1110).without(NodeMask(0b0110)), NodeMask(0b1000));
    }

    #[test]
    fn node_mask_prints_as_a_kernel_node_list() {
        use std::string::ToString;
        assert_eq!(NodeMask::EMPTY.to_string(), "none");
        assert_eq!(NodeMask(0b1).to_string(), "0");
        assert_eq!(NodeMask(0b1101).to_string(), "0,2-3");
        assert_eq!(NodeMask(1 << 63 | 1 << 62 | 1).to_string(), "0,62-63");
        assert_eq!(NodeMask::ALL.to_string(), "0-63");
    }

    #[test]
    fn slow_node_goes_to_nearest_toptier_node() {
        let t = four_nodes();
        let map = target_map(&t, NodeMask::ALL, None, &[0; MAX_NODES]);
        assert_eq!(map.target[2], 0);
        assert_eq!(map.target[0], -1, "top-tier nodes are never sources");
        assert_eq!(map.target[1], -1);
    }

    #[test]
    fn distance_tie_goes_to_node_with_most_pages_of_the_mm() {
        let t = four_nodes();
        let mut pages = [0u64; MAX_NODES];
        assert_eq!(target_map(&t, NodeMask::ALL, None, &pages).target[3], 0);
        pages[1] = 100;
        pages[0] = 10;
        assert_eq!(target_map(&t, NodeMask::ALL, None, &pages).target[3], 1);
    }

    #[test]
    fn mempolicy_excluding_nearest_picks_next_allowed() {
        let t = four_nodes();
        let allowed = NodeMask(0b1110); // node 0 not allowed
        let map = target_map(&t, allowed, None, &[0; MAX_NODES]);
        assert_eq!(map.target[2], 1);
    }

    #[test]
    fn policy_bound_to_slow_node_promotes_nothing() {
        let t = four_nodes();
        let map = target_map(&t, NodeMask::single(2), None, &[0; MAX_NODES]);
        assert!(!map.promotes_anything());
    }

    #[test]
    fn forced_target_is_used_only_if_allowed_and_top_tier() {
        let t = four_nodes();
        let pages = [0; MAX_NODES];
        assert_eq!(target_map(&t, NodeMask::ALL, Some(1), &pages).target[2], 1);
        assert!(!target_map(&t, NodeMask(0b1101), Some(1), &pages).promotes_anything());
        assert!(!target_map(&t, NodeMask::ALL, Some(3), &pages).promotes_anything());
    }

    #[test]
    fn no_slow_nodes_means_nothing_to_do() {
        let mut t = four_nodes();
        t.memory = NodeMask(0b0011);
        assert!(!target_map(&t, NodeMask::ALL, None, &[0; MAX_NODES]).promotes_anything());
    }
}
