// SPDX-License-Identifier: GPL-2.0

//! Pure decisions of the kmmscand promotion daemon.
//!
//! Everything here is a function of plain numbers: no kernel API, no
//! allocation, no locking.  The kernel module includes these files as its
//! `policy` module (`#[path]`, built with `--cfg kmmscand_kernel`), and
//! `cargo test` tests them on the host.
//!
//! - [`activity`]: processes that did not run since their last sweep are
//!   not visited;
//! - [`parse`]: strict parsing of sysfs writes;
//! - [`knobs`]: the tunables, their units, defaults, ranges and consistency;
//! - [`pace`]: per-mm scan period and scan size adaptation;
//! - [`hotness`]: the per-page record that finds folios young in
//!   separate passes, each within a window of the previous sighting;
//! - [`hotmap`]: where each PFN's record lives, per memory section;
//! - [`mempolicy`]: which nodes a memory policy allows;
//! - [`ratelimit`]: the promotion token bucket;
//! - [`recheck`]: the regions a visit looks at again before the next sweep;
//! - [`batch`]: what one migration batch may take;
//! - [`folio`]: which folios are tested, and which young ones can move;
//! - [`ptwalk`]: what the page-table walk tests, skips and must flush;
//! - [`topology`]: node sets and the choice of the target node;
//! - [`turns`]: processes with hot memory to promote share the thread;
//! - [`room`]: how much a promotion may move to a node now;
//! - [`scope`]: which processes are promoted for, by memory cgroup;
//! - [`thrash`]: promotion/demotion ping-pong and the back-off from it;
//! - [`visit`]: one visit of an address space (cursor, budget, lock holds);
//! - [`vma`]: which VMAs the walk looks at.

#![cfg_attr(not(kmmscand_kernel), no_std)]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

pub mod activity;
pub mod batch;
pub mod folio;
pub mod hotmap;
pub mod hotness;
pub mod knobs;
pub mod mempolicy;
pub mod pace;
pub mod parse;
pub mod probe;
pub mod ptwalk;
pub mod ratelimit;
pub mod recheck;
pub mod room;
pub mod scope;
pub mod thrash;
pub mod topology;
pub mod turns;
pub mod visit;
pub mod vma;
