// SPDX-License-Identifier: GPL-2.0

//! The hotness state: one byte per base page of every online slow-tier
//! memory section, nothing for top-tier memory.
//!
//! The arrays are allocated when slow-tier memory appears (module load, a
//! CXL region or memory block coming online, a node moving to a lower
//! tier) and freed when it goes away; the daemon reconciles them with the
//! online sections when the memory hotplug notifier or a topology change
//! says so.  Only the `kmmscand` thread touches them.  Addressing, update
//! and aging rules are in `policy::hotmap` and `policy::hotness`.

#![deny(unsafe_code)]

use kernel::prelude::*;

use crate::policy::{
    hotmap::{
        self,
        Change,
        HotMap,
        SectionRecords, //
    },
    hotness::{
        self,
        Aging, //
    },
    topology::NodeMask,
};
use crate::sys::{
    node::{
        self,
        NodeId, //
    },
    thread::ThreadCtx,
};

/// The records of one section.
pub(crate) struct Section {
    nr: u64,
    bytes: KVVec<u8>,
}

impl SectionRecords for Section {
    fn section(&self) -> u64 {
        self.nr
    }

    fn bytes(&mut self) -> &mut [u8] {
        &mut self.bytes
    }
}

/// What a reconcile did.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Reconciled {
    /// Sections whose records were allocated.
    pub(crate) added: u64,
    /// Sections whose records were freed.
    pub(crate) removed: u64,
    /// Sections left untracked for lack of memory.
    pub(crate) failed: u64,
}

/// The per-section hotness arrays, sorted by section number.
pub(crate) struct HotSections {
    sections: KVec<Section>,
    /// log2 of the pages in a section.
    shift: u32,
    /// When the records were last aged (daemon clock, ms).
    last_age_ms: u64,
}

impl HotSections {
    /// No sections yet.
    pub(crate) fn new() -> Self {
        HotSections {
            sections: KVec::new(),
            shift: node::section_shift(),
            last_age_ms: 0,
        }
    }

    /// The records, for reading and updating by PFN.
    pub(crate) fn map(&mut self) -> HotMap<'_, Section> {
        HotMap::new(&mut self.sections, self.shift)
    }

    /// Bytes of memory the state uses.
    pub(crate) fn bytes(&self) -> u64 {
        let per_section = 1u64 << self.shift;
        (self.sections.len() as u64) * (per_section + core::mem::size_of::<Section>() as u64)
    }

    /// Base pages of memory the state covers.
    pub(crate) fn pages(&self) -> u64 {
        (self.sections.len() as u64) << self.shift
    }

    /// Frees everything.
    pub(crate) fn clear(&mut self) {
        self.sections.clear();
    }

    /// Makes the tracked sections exactly the online sections of the nodes
    /// in `slow`: keeps the records of sections that stay, frees those of
    /// sections that went, allocates (zeroed) records for new ones.  A
    /// section whose records cannot be allocated stays untracked (its pages
    /// are never counted past a first sighting) and is tried again at the
    /// next reconcile.
    pub(crate) fn reconcile(&mut self, ctx: &ThreadCtx, slow: NodeMask) -> Result<Reconciled> {
        // The online sections of the slow nodes, sorted.  A section belongs
        // to one node, so there are no duplicates.
        let mut want: KVec<u64> = KVec::new();
        for nid in slow.iter() {
            let Some(node) = NodeId::new(nid) else {
                continue;
            };
            let (start, end) = node::node_pfn_span(node);
            if end <= start {
                continue;
            }
            for nr in (start >> self.shift)..=((end - 1) >> self.shift) {
                if node::section_node(nr) == Some(nid) {
                    want.push(nr, GFP_KERNEL | __GFP_NOWARN)?;
                }
            }
            ctx.cond_resched();
        }
        want.sort_unstable();

        let mut have: KVec<u64> =
            KVec::with_capacity(self.sections.len(), GFP_KERNEL | __GFP_NOWARN)?;
        for s in self.sections.iter() {
            have.push(s.nr, GFP_KERNEL | __GFP_NOWARN)?;
        }
        // Room for every insertion, so that applying the changes does not
        // allocate the list (only the arrays).
        self.sections
            .reserve(want.len(), GFP_KERNEL | __GFP_NOWARN)?;

        let mut done = Reconciled::default();
        let per_section = 1usize << self.shift;
        let sections = &mut self.sections;
        hotmap::reconcile(&have, &want, |change| match change {
            Change::Remove(i) => {
                if sections.remove(i).is_ok() {
                    done.removed += 1;
                }
            }
            Change::Insert(i, nr) => {
                let Ok(bytes) = KVVec::from_elem(0u8, per_section, GFP_KERNEL | __GFP_NOWARN)
                else {
                    done.failed += 1;
                    return;
                };
                // An earlier failed insertion shifts the later indices down.
                let at = (i - done.failed as usize).min(sections.len());
                if sections
                    .insert_within_capacity(at, Section { nr, bytes })
                    .is_ok()
                {
                    done.added += 1;
                } else {
                    done.failed += 1;
                }
            }
        });
        Ok(done)
    }

    /// When the next aging is due (daemon clock, ms): the thread wakes up
    /// for it whatever `scan_sleep_ms` is.
    pub(crate) fn next_age_ms(&self) -> u64 {
        self.last_age_ms.saturating_add(hotness::AGE_EVERY_MS)
    }

    /// Ages the records if it is due at `now_ms` (daemon clock), as
    /// [`hotness::aging_at`] says: between visits, and between the
    /// promotion rounds of a long visit.
    pub(crate) fn age_if_due(&mut self, ctx: &ThreadCtx, now_ms: u64) {
        match hotness::aging_at(now_ms, self.last_age_ms) {
            Aging::NotDue => return,
            Aging::Age => self.age(ctx, hotness::bucket_of(now_ms)),
            Aging::ForgetAll => self.forget_all(ctx),
        }
        self.last_age_ms = now_ms;
    }

    /// Clears every record; yields the CPU between sections.
    fn forget_all(&mut self, ctx: &ThreadCtx) {
        for s in self.sections.iter_mut() {
            s.bytes.fill(0);
            ctx.cond_resched();
        }
    }

    /// Clears the records too old to keep; yields the CPU between sections.
    fn age(&mut self, ctx: &ThreadCtx, now_bucket: u8) {
        for s in self.sections.iter_mut() {
            hotmap::age_bytes(&mut s.bytes, now_bucket);
            ctx.cond_resched();
        }
    }
}
