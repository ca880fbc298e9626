// SPDX-License-Identifier: GPL-2.0

//! Promoting hot folios: batches sized to the target's room and the rate
//! limit, one `migrate_pages()` call per batch.
//!
//! Candidates are grouped by target node.  For each target the promoter
//! reads how many pages the node can take above its high watermark,
//! refills the token bucket, and admits candidates into batches of at most
//! `migrate_batch` pages ([`BatchBudget`]).  Folios migration would refuse
//! (DMA-pinned, dirty file folios) are counted and passed over before they
//! cost any budget.  Refused candidates are counted by reason and keep
//! their hotness, so they come back the next time they are found young.
//! When the target has no room, kswapd is asked to make some up to the
//! promotion watermark (kernel patch 0003), as NUMA balancing's tiering
//! mode gets it.

#![deny(unsafe_code)]

use kernel::{
    page::PAGE_SHIFT,
    prelude::*, //
};

use crate::hotmap::HotSections;
use crate::policy::{
    batch::{
        Admission,
        BatchBudget,
        LruDrain, //
    },
    knobs::Tunables,
    ratelimit::TokenBucket,
    room::{
        room_above_high,
        ZoneMarks, //
    },
    topology::MAX_NODES,
};
use crate::sys::{
    migrate::{
        self,
        Batch, //
    },
    mm::YoungFolio,
    node::{
        self,
        NodeId, //
    },
    thread::ThreadCtx,
    vmstat::{
        count,
        VmEvent, //
    },
};

/// What a promotion round did.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Outcome {
    /// Pages moved.
    pub(crate) promoted: u64,
    /// Hot pages refused, or whose migration failed, because the target
    /// had no room.
    pub(crate) target_full: u64,
    /// Hot pages refused because the process's cgroup reached its top-tier
    /// cap (`cgroup_toptier_max_mb`).
    pub(crate) capped: u64,
}

/// The promotion state: the batch being built and the rate limit.
pub(crate) struct Promoter {
    batch: Batch,
    bucket: TokenBucket,
    drain: LruDrain,
    /// Pages the current process's cgroup may still gain under its
    /// top-tier cap; `None` without a cap ([`Promoter::set_cap`]).
    cap_left: Option<u64>,
}

impl Promoter {
    /// A promoter whose batches hold up to `capacity` folios, with a full
    /// bucket at time `now_ms`.
    pub(crate) fn new(capacity: usize, now_ms: u64, t: &Tunables) -> Result<Self> {
        Ok(Promoter {
            batch: Batch::with_capacity(capacity)?,
            bucket: TokenBucket::new(now_ms, t.promote_rate_limit_mbps, PAGE_SHIFT as u32),
            drain: LruDrain::default(),
            cap_left: None,
        })
    }

    /// Sets what the cgroup cap allows the process now visited to gain
    /// (`None`: no cap); each page taken is subtracted from it.
    pub(crate) fn set_cap(&mut self, cap_left: Option<u64>) {
        self.cap_left = cap_left;
    }

    /// A new wake-up of the thread (see [`LruDrain`]).
    pub(crate) fn new_wakeup(&mut self) {
        self.drain.new_wakeup();
    }

    /// Promotes `candidates` (at most the batch capacity), within the
    /// cgroup cap ([`Promoter::set_cap`]).
    pub(crate) fn promote(
        &mut self,
        ctx: &ThreadCtx,
        now_ms: u64,
        candidates: &[YoungFolio],
        hot: &mut HotSections,
        t: &Tunables,
    ) -> Outcome {
        let mut targets = [None; MAX_NODES];
        for c in candidates {
            if let Some(t) = targets.get_mut(c.target.index()) {
                *t = Some(c.target);
            }
        }
        let mut out = Outcome::default();
        for &nid in targets.iter().flatten() {
            let o = self.promote_to(ctx, now_ms, nid, candidates, hot, t);
            out.promoted += o.promoted;
            out.target_full += o.target_full;
            out.capped += o.capped;
        }
        out
    }

    /// Promotes the candidates whose target is `nid`.
    fn promote_to(
        &mut self,
        ctx: &ThreadCtx,
        now_ms: u64,
        nid: NodeId,
        candidates: &[YoungFolio],
        hot: &mut HotSections,
        t: &Tunables,
    ) -> Outcome {
        let batch_size = u64::from(t.migrate_batch);
        self.bucket
            .refill(now_ms, t.promote_rate_limit_mbps, PAGE_SHIFT as u32);
        let mut marks = [ZoneMarks::default(); node::MAX_ZONES];
        let mut budget = BatchBudget {
            batch_left: batch_size,
            room_left: room_above_high(node::zone_marks(nid, &mut marks)),
            tokens_left: self.bucket.available(),
            cap_left: self.cap_left.unwrap_or(u64::MAX),
        };
        let (mut unmovable, mut target_full, mut rate_limited) = (0u64, 0u64, 0u64);
        let mut capped = 0u64;
        let mut out = Outcome::default();
        self.batch.clear();

        for c in candidates.iter().filter(|c| c.target == nid) {
            let pages = u64::from(c.nr_pages);
            if c.unmovable {
                unmovable += pages;
                continue;
            }
            let mut admission = budget.admit(pages, batch_size);
            if admission == Admission::BatchFull {
                let (moved, no_room) = self.flush(ctx, nid, hot);
                out.promoted += moved;
                out.target_full += no_room;
                budget.batch_left = batch_size;
                admission = budget.admit(pages, batch_size);
            }
            match admission {
                Admission::Taken => {
                    if !self.batch.push(c) {
                        // Cannot happen: the batch holds as many folios as
                        // one round has candidates.  Give the tokens back
                        // and account the pages.
                        budget.tokens_left += pages;
                        budget.cap_left = budget.cap_left.saturating_add(pages);
                        count(VmEvent::PromoteFailIsolate, pages);
                    }
                }
                Admission::TargetFull => target_full += pages,
                Admission::RateLimited => rate_limited += pages,
                Admission::Capped => capped += pages,
                Admission::BatchFull => {}
            }
        }
        let (moved, no_room) = self.flush(ctx, nid, hot);
        out.promoted += moved;
        out.target_full += no_room;

        count(VmEvent::PromoteFailUnmovable, unmovable);
        count(VmEvent::PromoteFailTargetFull, target_full);
        count(VmEvent::PromoteFailRateLimited, rate_limited);
        out.target_full += target_full;
        out.capped = capped;
        if let Some(left) = self.cap_left.as_mut() {
            *left = budget.cap_left;
        }
        // No room above the watermark, or the allocator found none: ask
        // kswapd to make some for the next round.
        if out.target_full > 0 {
            node::request_promotion_room(nid);
            count(VmEvent::KswapdRequest, 1);
        }
        out
    }

    /// Migrates the batch being built, accounts the outcome, and restarts
    /// the hotness of every folio it tried.  Returns the pages moved and
    /// the pages that failed for lack of a destination page.
    fn flush(&mut self, ctx: &ThreadCtx, nid: NodeId, hot: &mut HotSections) -> (u64, u64) {
        if self.batch.is_empty() {
            return (0, 0);
        }
        if self.drain.take() {
            migrate::drain_lru_caches(ctx);
        }
        let res = self.batch.migrate(ctx, nid);
        if res.isolate_failed > 0 {
            self.drain.isolation_failed();
        }
        self.bucket.consume(res.isolated);
        count(VmEvent::Isolated, res.isolated);
        count(VmEvent::PromoteFailIsolate, res.isolate_failed);
        count(VmEvent::Promoted, res.migrated);
        count(VmEvent::PromoteFailMigrate, res.migrate_failed);
        count(VmEvent::PromotedThp, res.thp_migrated);
        let mut map = hot.map();
        for pfn in self.batch.pfns() {
            map.forget(pfn);
        }
        self.batch.clear();
        // Between batches no lock is held (a visit processes what it found
        // after dropping the mmap lock): a suspend need not wait for the
        // rest of the candidates.
        ctx.freeze_point();
        (res.migrated, res.alloc_failed)
    }
}
