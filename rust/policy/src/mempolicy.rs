// SPDX-License-Identifier: GPL-2.0

//! Which nodes a memory policy lets promotion move memory to.
//!
//! The kernel hands over a policy as its mode (the `MPOL_*` values of
//! `<uapi/linux/mempolicy.h>`, a stable ABI) and its node mask.  Default
//! and local policies allow any node; `MPOL_BIND` and `MPOL_PREFERRED_MANY`
//! allow their nodes; `MPOL_PREFERRED` only its node (promoting elsewhere
//! would fight the user's preference); interleaving policies place pages on
//! purpose, so nothing is promoted; an unknown mode allows nothing.
//!
//! Task policies are per thread, and an A-bit scan cannot tell which thread
//! uses a page, so the policy of an address space without a VMA policy is
//! the *intersection* of what its threads allow ([`ThreadPolicies`]): a
//! thread bound to the slow tier keeps the whole process's memory there
//! unless the memory has a VMA policy (mbind()) of its own.  A cpuset's
//! `mems_allowed` is intersected the same way.

use super::topology::NodeMask;

/// `MPOL_DEFAULT`.
pub const MPOL_DEFAULT: u16 = 0;
/// `MPOL_PREFERRED`.
pub const MPOL_PREFERRED: u16 = 1;
/// `MPOL_BIND`.
pub const MPOL_BIND: u16 = 2;
/// `MPOL_INTERLEAVE`.
pub const MPOL_INTERLEAVE: u16 = 3;
/// `MPOL_LOCAL`.
pub const MPOL_LOCAL: u16 = 4;
/// `MPOL_PREFERRED_MANY`.
pub const MPOL_PREFERRED_MANY: u16 = 5;
/// `MPOL_WEIGHTED_INTERLEAVE`.
pub const MPOL_WEIGHTED_INTERLEAVE: u16 = 6;

/// A memory policy as the kernel holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemPolicy {
    /// `MPOL_*` mode.
    pub mode: u16,
    /// The policy's nodes (meaning depends on the mode).
    pub nodes: NodeMask,
}

impl MemPolicy {
    /// The nodes this policy lets promotion move memory to.
    pub const fn allowed(&self) -> NodeMask {
        match self.mode {
            MPOL_DEFAULT | MPOL_LOCAL => NodeMask::ALL,
            MPOL_BIND | MPOL_PREFERRED | MPOL_PREFERRED_MANY => self.nodes,
            // Interleaving places pages on purpose; unknown modes are
            // refused rather than guessed.
            _ => NodeMask::EMPTY,
        }
    }
}

/// The nodes every thread of a process allows, built thread by thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadPolicies {
    policy: NodeMask,
    cpuset: NodeMask,
    threads: u32,
}

impl Default for ThreadPolicies {
    fn default() -> Self {
        Self::new()
    }
}

impl ThreadPolicies {
    /// No thread seen yet: everything allowed.
    pub const fn new() -> Self {
        ThreadPolicies {
            policy: NodeMask::ALL,
            cpuset: NodeMask::ALL,
            threads: 0,
        }
    }

    /// Adds a thread with task policy `policy` (`None`: none set, the
    /// system default) and cpuset `mems_allowed`.
    pub fn add(&mut self, policy: Option<MemPolicy>, mems_allowed: NodeMask) {
        if let Some(p) = policy {
            self.policy = self.policy.and(p.allowed());
        }
        self.cpuset = self.cpuset.and(mems_allowed);
        self.threads += 1;
    }

    /// Nodes all threads' task policies allow.
    pub const fn policy(&self) -> NodeMask {
        self.policy
    }

    /// Nodes all threads' cpusets allow.
    pub const fn cpuset(&self) -> NodeMask {
        self.cpuset
    }

    /// Threads added.
    pub const fn threads(&self) -> u32 {
        self.threads
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pol(mode: u16, nodes: u64) -> MemPolicy {
        MemPolicy {
            mode,
            nodes: NodeMask(nodes),
        }
    }

    #[test]
    fn each_mode_allows_what_the_docs_say() {
        assert_eq!(pol(MPOL_DEFAULT, 0).allowed(), NodeMask::ALL);
        assert_eq!(pol(MPOL_LOCAL, 0).allowed(), NodeMask::ALL);
        assert_eq!(pol(MPOL_BIND, 0b10).allowed(), NodeMask(0b10));
        assert_eq!(pol(MPOL_PREFERRED, 0b100).allowed(), NodeMask(0b100));
        assert_eq!(pol(MPOL_PREFERRED_MANY, 0b101).allowed(), NodeMask(0b101));
        assert_eq!(pol(MPOL_INTERLEAVE, 0b11).allowed(), NodeMask::EMPTY);
        assert_eq!(
            pol(MPOL_WEIGHTED_INTERLEAVE, 0b11).allowed(),
            NodeMask::EMPTY
        );
        assert_eq!(
            pol(7, 0b11).allowed(),
            NodeMask::EMPTY,
            "unknown modes allow nothing"
        );
    }

    #[test]
    fn threads_intersect() {
        let mut t = ThreadPolicies::new();
        assert_eq!(t.policy(), NodeMask::ALL);
        t.add(None, NodeMask(0b111));
        t.add(Some(pol(MPOL_BIND, 0b011)), NodeMask(0b011));
        t.add(Some(pol(MPOL_PREFERRED_MANY, 0b110)), NodeMask::ALL);
        assert_eq!(t.policy(), NodeMask(0b010));
        assert_eq!(t.cpuset(), NodeMask(0b011));
        assert_eq!(t.threads(), 3);
    }

    #[test]
    fn one_thread_bound_to_the_slow_node_keeps_the_process_there() {
        let mut t = ThreadPolicies::new();
        t.add(None, NodeMask::ALL);
        t.add(Some(pol(MPOL_BIND, 0b10)), NodeMask::ALL);
        assert!(!t.policy().contains(0));
    }
}
