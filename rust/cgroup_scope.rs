// SPDX-License-Identifier: GPL-2.0

//! The cgroups `cgroup_scope` names: which processes are promoted for, the
//! top-tier cap of `cgroup_toptier_max_mb`, and the per-cgroup counters of
//! `cgroup_stats`.
//!
//! A write names up to [`MAX_CGROUPS`] cgroup v2 paths; each is looked up
//! once, at the write, and held by a reference ([`MemCgroup`]) until the
//! next write or rmmod, so that no pointer can go stale.  A path that does
//! not exist, or whose memory controller is not enabled, refuses the write
//! (`-EINVAL`, a logged reason).  A named cgroup removed later selects no
//! process: the thread logs it once and `cgroup_stats` shows it `removed`;
//! a new cgroup at the same path is selected by writing the knob again.
//!
//! The thread judges a process each time it meets it: the first named
//! cgroup that holds the process's memory cgroup (itself or an ancestor) is
//! the one the process counts for.

#![deny(unsafe_code)]

use core::fmt::Write;

use kernel::{
    mm::MmWithUser,
    page::PAGE_SHIFT,
    prelude::*,
    str::Formatter, //
};

use crate::policy::{
    scope::{
        self,
        Mode,
        ScopeError,
        MAX_CGROUPS,
        MAX_PATH, //
    },
    topology::NodeMask,
};
use crate::sys::cgroup::{
    self,
    MemCgroup, //
};

/// Counters of one named cgroup, since it was named (`cgroup_stats`).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CgroupStats {
    /// Visits of its processes.
    pub(crate) visits: u64,
    /// Times one of its processes was met and passed over (`never`).
    pub(crate) skipped: u64,
    /// Pages found young in its processes.
    pub(crate) young: u64,
    /// Pages promoted for its processes.
    pub(crate) promoted: u64,
    /// Hot pages not promoted because it reached its top-tier cap.
    pub(crate) capped: u64,
}

/// A named cgroup's path (without NUL) and bookkeeping; the reference is
/// kept apart, in [`Scope::cgroups`], at the same index.
struct Named {
    path: KVec<u8>,
    stats: CgroupStats,
    /// Whether its removal was logged.
    removal_logged: bool,
}

/// The scope `cgroup_scope` sets.
pub(crate) struct Scope {
    mode: Mode,
    /// The named cgroups, referenced, in the order written.
    cgroups: KVec<MemCgroup>,
    /// Their paths and counters, index for index.
    named: KVec<Named>,
    /// Incremented by every accepted write: a judgement made before it is
    /// not counted after it.
    gen: u64,
}

/// Why a write to `cgroup_scope` was refused.
pub(crate) enum ScopeRejection {
    /// The text (see [`ScopeError`]).
    Text(ScopeError),
    /// Looking the path up failed with the error.
    Lookup(KVec<u8>, Error),
}

/// What the thread decided about a process it met.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Judged {
    /// Whether it is promoted for.
    pub(crate) admitted: bool,
    /// The named cgroup it counts for.
    named: Option<usize>,
    /// The scope's generation when judged.
    gen: u64,
}

impl Scope {
    /// Every process, nothing named (the default).
    pub(crate) fn all() -> Scope {
        Scope {
            mode: Mode::All,
            cgroups: KVec::new(),
            named: KVec::new(),
            gen: 0,
        }
    }

    /// The scope a write of `input` asks for, its cgroups looked up.
    pub(crate) fn parse(input: &[u8]) -> Result<Scope, ScopeRejection> {
        let text = scope::parse(input).map_err(ScopeRejection::Text)?;
        let nomem = |p: &[u8]| {
            let mut v = KVec::new();
            let _ = v.extend_from_slice(p, GFP_KERNEL);
            ScopeRejection::Lookup(v, ENOMEM)
        };
        let mut s = Scope::all();
        s.mode = text.mode;
        for &path in text.paths() {
            let mut buf = [0u8; MAX_PATH + 1];
            buf[..path.len()].copy_from_slice(path);
            let cpath = CStr::from_bytes_with_nul(&buf[..=path.len()]).map_err(|_| nomem(path))?;
            let cg = MemCgroup::from_path(cpath).map_err(|e| {
                let mut v = KVec::new();
                let _ = v.extend_from_slice(path, GFP_KERNEL);
                ScopeRejection::Lookup(v, e)
            })?;
            let mut p = KVec::new();
            p.extend_from_slice(path, GFP_KERNEL)
                .map_err(|_| nomem(path))?;
            s.cgroups.push(cg, GFP_KERNEL).map_err(|_| nomem(path))?;
            s.named
                .push(
                    Named {
                        path: p,
                        stats: CgroupStats::default(),
                        removal_logged: false,
                    },
                    GFP_KERNEL,
                )
                .map_err(|_| nomem(path))?;
        }
        Ok(s)
    }

    /// Replaces this scope with `new` (a write was accepted); returns the
    /// old one, to be dropped outside the lock.
    pub(crate) fn replace(&mut self, mut new: Scope) -> Scope {
        new.gen = self.gen.wrapping_add(1);
        core::mem::replace(self, new)
    }

    /// Formats the knob's value: the mode, then the paths.
    pub(crate) fn show(&self, f: &mut Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.mode.name())?;
        for (i, n) in self.named.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { "," })?;
            f.write_str(core::str::from_utf8(&n.path).unwrap_or("?"))?;
        }
        f.write_str("\n")
    }

    /// Formats `cgroup_stats`: a line per named cgroup.
    pub(crate) fn show_stats(&self, f: &mut Formatter<'_>) -> core::fmt::Result {
        for (n, cg) in self.named.iter().zip(self.cgroups.iter()) {
            let s = &n.stats;
            writeln!(
                f,
                "{} {} visits={} skipped={} young={} promoted={} capped={}",
                core::str::from_utf8(&n.path).unwrap_or("?"),
                if cg.is_removed() { "removed" } else { "live" },
                s.visits,
                s.skipped,
                s.young,
                s.promoted,
                s.capped
            )?;
        }
        Ok(())
    }

    /// Judges the process of `mm`: whether it is promoted for, and which
    /// named cgroup it counts for.  Counts it as skipped there when it is
    /// not promoted for; logs, once each, the named cgroups removed.
    pub(crate) fn judge(&mut self, mm: &MmWithUser) -> Judged {
        if self.cgroups.is_empty() {
            return Judged {
                admitted: true,
                named: None,
                gen: self.gen,
            };
        }
        for (n, cg) in self.named.iter_mut().zip(self.cgroups.iter()) {
            if !n.removal_logged && cg.is_removed() {
                n.removal_logged = true;
                pr_warn!(
                    "cgroup_scope: cgroup {} was removed; it selects no process until cgroup_scope is written again\n",
                    core::str::from_utf8(&n.path).unwrap_or("?")
                );
            }
        }
        let bits = cgroup::matches(mm, &self.cgroups);
        let named = (bits != 0).then(|| bits.trailing_zeros() as usize);
        let admitted = scope::admits(self.mode, named.is_some());
        if let (false, Some(i)) = (admitted, named) {
            if let Some(n) = self.named.get_mut(i) {
                n.stats.skipped += 1;
            }
        }
        Judged {
            admitted,
            named,
            gen: self.gen,
        }
    }

    /// Pages the process judged `j` may still gain by promotion under a
    /// cap of `cap_mb` MiB of memory on the nodes `toptier` for its named
    /// cgroup; `None` when it has no cap.
    pub(crate) fn cap_left(&self, j: &Judged, cap_mb: u32, toptier: NodeMask) -> Option<u64> {
        if cap_mb == 0 || j.gen != self.gen {
            return None;
        }
        let cg = self.cgroups.get(j.named?)?;
        scope::cap_allowance(cap_mb, cg.pages_on(toptier), PAGE_SHIFT as u32)
    }

    /// Adds what a visit (`visit`), or a probe, of the process judged `j`
    /// did to its named cgroup's counters (if the scope did not change
    /// meanwhile); a probe is not counted as a visit.
    pub(crate) fn count_visit(
        &mut self,
        j: &Judged,
        visit: bool,
        young: u64,
        promoted: u64,
        capped: u64,
    ) {
        if j.gen != self.gen {
            return;
        }
        if let Some(n) = j.named.and_then(|i| self.named.get_mut(i)) {
            n.stats.visits += u64::from(visit);
            n.stats.young += young;
            n.stats.promoted += promoted;
            n.stats.capped += capped;
        }
    }
}

// `MAX_CGROUPS` named cgroups fit in the bitmap `cgroup::matches` returns.
const _: () = assert!(MAX_CGROUPS <= cgroup::MAX_MATCH);
