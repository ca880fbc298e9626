// SPDX-License-Identifier: GPL-2.0

//! Promoting hot folios: batches sized to the target's room and the rate
//! limit, one `migrate_pages()` call per batch.
//!
//! Candidates are grouped by target node.  For each target the daemon reads
//! how many pages the node can take above its high watermark, refills the
//! token bucket, and admits candidates into a batch of at most
//! `migrate_batch` pages ([`BatchBudget`]).  Refused candidates are counted
//! by reason and keep their hotness history, so they come back as
//! candidates the next time they are found young.  When the target is
//! full, its kswapd is woken, as NUMA balancing does.

use kernel::page::PAGE_SHIFT;

use crate::ffi;
use crate::policy::{
    batch::{
        Admission,
        BatchBudget, //
    },
    knobs::Tunables,
    topology::MAX_NODES,
};
use crate::scan::Scanner;
use crate::stats::{
    count,
    VmEvent, //
};

impl Scanner {
    /// Promotes the `nr` candidates at the front of the young buffer.
    pub(crate) fn promote_candidates(&mut self, nr: usize, t: &Tunables) {
        let mut targets = [false; MAX_NODES];
        for c in self.candidates(nr) {
            if let Ok(tgt) = usize::try_from(c.target) {
                if tgt < MAX_NODES {
                    targets[tgt] = true;
                }
            }
        }
        for (target, _) in targets.iter().enumerate().filter(|(_, &used)| used) {
            self.promote_to(nr, target, t);
        }
    }

    /// Promotes the candidates whose target is `target`.
    fn promote_to(&mut self, nr: usize, target: usize, t: &Tunables) {
        let batch_size = u64::from(t.migrate_batch);
        self.bucket.refill(ffi::now_ms(), t.promote_rate_limit_mbps, PAGE_SHIFT as u32);
        let mut budget = BatchBudget {
            batch_left: batch_size,
            room_left: ffi::node_room(target),
            tokens_left: self.bucket.available(),
        };
        let mut target_full = 0u64;
        let mut rate_limited = 0u64;
        self.batch.clear();

        for i in 0..nr {
            let c = self.candidates(nr)[i];
            if c.target as usize != target {
                continue;
            }
            let pages = u64::from(c.nr_pages);
            let mut admission = budget.admit(pages, batch_size);
            if admission == Admission::BatchFull {
                self.flush_batch(target);
                budget.batch_left = batch_size;
                admission = budget.admit(pages, batch_size);
            }
            match admission {
                Admission::Taken => {
                    // Cannot fail: `batch` has room for every candidate.
                    let _ = self.batch.push_within_capacity(c);
                }
                Admission::TargetFull => target_full += pages,
                Admission::RateLimited => rate_limited += pages,
                Admission::BatchFull => {}
            }
        }
        self.flush_batch(target);

        count(VmEvent::PromoteFailTargetFull, target_full);
        count(VmEvent::PromoteFailRateLimited, rate_limited);
        if target_full > 0 {
            ffi::wake_kswapd(target);
        }
    }

    /// Migrates the batch being built, accounts the outcome, and restarts
    /// the history of every folio it tried.
    fn flush_batch(&mut self, target: usize) {
        if self.batch.is_empty() {
            return;
        }
        let res = ffi::promote(&self.batch, target);
        self.bucket.consume(res.isolated);
        count(VmEvent::Isolated, res.isolated);
        count(VmEvent::PromoteFailIsolate, res.isolate_failed);
        count(VmEvent::Promoted, res.migrated);
        count(VmEvent::PromoteFailMigrate, res.migrate_failed);
        count(VmEvent::PromotedThp, res.thp_migrated);
        for i in 0..self.batch.len() {
            let pfn = self.batch[i].pfn;
            self.forget(pfn);
        }
        self.batch.clear();
    }
}
