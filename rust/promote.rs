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
//! mode gets it, unless pages come back from demotion as fast as they are
//! promoted, or the requests bring no demotion: then room-making is held
//! ([`crate::policy::thrash`]).

#![deny(unsafe_code)]

use kernel::{
    page::PAGE_SHIFT,
    prelude::*, //
};

use crate::hot_sections::HotSections;
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
    thrash::{
        page_key,
        Governor,
        Recent,
        FILTER_WORDS, //
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
        self,
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
    /// Whether room-making was held for ping-pong.
    pub(crate) room_held: bool,
}

/// The ping-pong counters, for sysfs.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PingPong {
    /// Candidates found on the slow tier that the promoter had moved within
    /// the filter's memory (pages).
    pub(crate) returned_pages: u64,
    /// Times room-making was held.
    pub(crate) holds: u64,
    /// When the current or last hold ends (ms on the daemon's clock).
    pub(crate) hold_until_ms: u64,
}

/// The promotion state: the batch being built and the rate limit.
pub(crate) struct Promoter {
    batch: Batch,
    bucket: TokenBucket,
    drain: LruDrain,
    /// Pages the current process's cgroup may still gain under its
    /// top-tier cap; `None` without a cap ([`Promoter::begin_visit`]).
    cap_left: Option<u64>,
    /// The address space being visited (its `mm_struct`'s address).
    mm_key: u64,
    /// The pages promoted lately, by address.
    recent: Recent<KVVec<u64>>,
    /// The back-off from ping-pong.
    governor: Governor,
}

impl Promoter {
    /// A promoter whose batches hold up to `capacity` folios, with a full
    /// bucket at time `now_ms`.
    pub(crate) fn new(capacity: usize, now_ms: u64, t: &Tunables) -> Result<Self> {
        let words = KVVec::from_elem(0u64, FILTER_WORDS, GFP_KERNEL)?;
        Ok(Promoter {
            batch: Batch::with_capacity(capacity)?,
            bucket: TokenBucket::new(now_ms, t.promote_rate_limit_mbps, PAGE_SHIFT as u32),
            drain: LruDrain::default(),
            cap_left: None,
            mm_key: 0,
            // `FILTER_WORDS` is even and non-zero.
            recent: Recent::new(words, now_ms).ok_or(EINVAL)?,
            governor: Governor::new(now_ms),
        })
    }

    /// A visit of the address space `mm_key` begins: sets what the cgroup
    /// cap allows its process to gain (`None`: no cap); each page taken is
    /// subtracted from it.
    pub(crate) fn begin_visit(&mut self, mm_key: u64, cap_left: Option<u64>) {
        self.mm_key = mm_key;
        self.cap_left = cap_left;
    }

    /// Whether room-making is held at `now_ms`.
    pub(crate) fn room_held(&self, now_ms: u64) -> bool {
        self.governor.hold_left_ms(now_ms) > 0
    }

    /// The ping-pong counters.
    pub(crate) fn pingpong(&self) -> PingPong {
        PingPong {
            returned_pages: self.governor.returned_total(),
            holds: self.governor.holds(),
            hold_until_ms: self.governor.hold_until_ms(),
        }
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
            out.room_held |= o.room_held;
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
        let mut returned = 0u64;
        let mut out = Outcome::default();
        self.batch.clear();

        for c in candidates.iter().filter(|c| c.target == nid) {
            let pages = u64::from(c.nr_pages);
            if c.unmovable {
                unmovable += pages;
                continue;
            }
            if self.recent.contains(
                page_key(self.mm_key, c.addr as u64, PAGE_SHIFT as u32),
                now_ms,
            ) {
                returned += pages;
            }
            let mut admission = budget.admit(pages, batch_size);
            if admission == Admission::BatchFull {
                let (moved, no_room) = self.flush(ctx, now_ms, nid, hot);
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
        let (moved, no_room) = self.flush(ctx, now_ms, nid, hot);
        out.promoted += moved;
        out.target_full += no_room;
        let demoted = vmstat::pages_demoted();
        self.governor.note(now_ms, demoted, out.promoted, returned);

        count(VmEvent::PromoteFailUnmovable, unmovable);
        count(VmEvent::PromoteFailTargetFull, target_full);
        count(VmEvent::PromoteFailRateLimited, rate_limited);
        out.target_full += target_full;
        out.capped = capped;
        if let Some(left) = self.cap_left.as_mut() {
            *left = budget.cap_left;
        }
        // No room above the watermark, or the allocator found none: ask
        // kswapd to make some for the next round, unless what it demotes
        // comes back (ping-pong).
        if out.target_full > 0 {
            if self.governor.may_make_room(now_ms, demoted) {
                node::request_promotion_room(nid);
                count(VmEvent::KswapdRequest, 1);
            } else {
                out.room_held = true;
            }
        }
        out
    }

    /// Migrates the batch being built, accounts the outcome, remembers its
    /// pages by address if every folio moved, and restarts the hotness of
    /// every folio it tried.  Returns the pages moved and the pages that
    /// failed for lack of a destination page.
    fn flush(
        &mut self,
        ctx: &ThreadCtx,
        now_ms: u64,
        nid: NodeId,
        hot: &mut HotSections,
    ) -> (u64, u64) {
        if self.batch.is_empty() {
            return (0, 0);
        }
        if self.drain.take() {
            migrate::drain_lru_caches(ctx);
        }
        self.batch.order_for_migration();
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
        // Only a batch that moved every folio says which pages moved (a
        // page that stayed would later look returned).
        if res.isolate_failed == 0 && res.migrate_failed == 0 {
            for addr in self.batch.addrs() {
                self.recent
                    .insert(page_key(self.mm_key, addr, PAGE_SHIFT as u32), now_ms);
            }
        }
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
