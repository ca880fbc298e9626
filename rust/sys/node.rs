// SPDX-License-Identifier: GPL-2.0

//! NUMA nodes: which exist and are top tier, their free room, kswapd, and
//! the memory sections they hold.

use kernel::{
    bindings,
    prelude::*,
    sync::atomic::{
        AtomicFlag,
        Full,
        Release, //
    },
    types::Opaque,
};

use crate::policy::{
    room::ZoneMarks,
    topology::{
        NodeMask,
        Topology,
        MAX_NODES, //
    },
};

use super::c;

/// A node id for which the kernel has a `pglist_data`, so that node-indexed
/// operations (`NODE_DATA()`) are valid.
///
/// # Invariants
///
/// `kmmscand_node_valid(self.0)` returned true.  A pgdat, once allocated, is
/// never freed, so this stays true while the module is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NodeId(u16);

impl NodeId {
    /// `nid` as a valid node id, if it is one.
    pub(crate) fn new(nid: usize) -> Option<NodeId> {
        if nid >= MAX_NODES {
            return None;
        }
        // SAFETY: Any value may be asked about; the function checks bounds.
        let valid = unsafe { c::kmmscand_node_valid(nid as c_int) };
        // INVARIANT: Checked just above.
        valid.then_some(NodeId(nid as u16))
    }

    /// The node's number.
    pub(crate) fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// Reads the node topology into a [`Topology`], through a scratch buffer in
/// the C layout allocated once (both are 4 KiB: too large for the stack).
pub(crate) struct TopologyReader {
    raw: KBox<c::Topology>,
}

impl TopologyReader {
    /// Allocates the scratch buffer.
    pub(crate) fn new() -> Result<Self> {
        Ok(TopologyReader {
            raw: KBox::new(
                c::Topology {
                    memory: 0,
                    toptier: 0,
                    distance: [[0; c::MAX_NODES]; c::MAX_NODES],
                },
                GFP_KERNEL,
            )?,
        })
    }

    /// The current memory nodes, top tier and distances.
    pub(crate) fn read(&mut self, into: &mut Topology) {
        // SAFETY: `raw` is a valid, exclusive `struct kmmscand_topology`.
        unsafe { c::kmmscand_read_topology(&mut *self.raw) };
        into.memory = NodeMask(self.raw.memory);
        into.toptier = NodeMask(self.raw.toptier);
        into.distance = self.raw.distance;
    }

    /// The online top-tier nodes with memory (what `target_node` may name).
    pub(crate) fn toptier(&mut self) -> NodeMask {
        // SAFETY: As in `read`.
        unsafe { c::kmmscand_read_topology(&mut *self.raw) };
        NodeMask(self.raw.toptier)
    }
}

/// The free pages, high watermark and reserves of each populated zone of
/// `nid`.
pub(crate) fn zone_marks(nid: NodeId, out: &mut [ZoneMarks; c::MAX_ZONES]) -> &[ZoneMarks] {
    let mut raw = [c::ZoneMarks::default(); c::MAX_ZONES];
    // SAFETY: `nid` is valid (type invariants of `NodeId`); `raw` has room
    // for `MAX_ZONES` entries, the `max` passed.
    let n = unsafe {
        c::kmmscand_node_zone_marks(
            nid.index() as c_int,
            raw.as_mut_ptr(),
            c::MAX_ZONES as c_uint,
        )
    };
    let n = (n as usize).min(c::MAX_ZONES);
    for (o, r) in out.iter_mut().zip(&raw[..n]) {
        *o = ZoneMarks {
            free: r.free,
            high: r.high,
            lowmem_reserve: r.lowmem_reserve,
            highatomic: r.highatomic,
        };
    }
    &out[..n]
}

/// Zones per node [`zone_marks`] reports at most.
pub(crate) const MAX_ZONES: usize = c::MAX_ZONES;

/// Asks kswapd of `nid` to reclaim or demote up to the promotion watermark
/// for the next two seconds (kernel patch 0003), and wakes it.
pub(crate) fn request_promotion_room(nid: NodeId) {
    // SAFETY: `nid` is valid (type invariants of `NodeId`).
    unsafe { bindings::kswapd_request_promotion_room(nid.index() as c_int) }
}

/// log2 of the pages in a memory section.
pub(crate) fn section_shift() -> u32 {
    c::kernel_api::KMMSCAND_PFN_SECTION_SHIFT
}

/// The PFN range `[start, end)` node `nid` spans.
pub(crate) fn node_pfn_span(nid: NodeId) -> (u64, u64) {
    let (mut start, mut end) = (0, 0);
    // SAFETY: `nid` is valid (type invariants of `NodeId`); both pointers
    // are valid for writes.
    unsafe { c::kmmscand_node_pfn_span(nid.index() as c_int, &mut start, &mut end) };
    (start, end)
}

/// The node of memory section `nr` if it is online.
pub(crate) fn section_node(nr: u64) -> Option<usize> {
    // SAFETY: Any section number may be asked about; the shim checks it.
    let nid = unsafe { c::kmmscand_section_nid(nr) };
    usize::try_from(nid).ok()
}

/// Whether memory came online or went offline since the thread last asked
/// ([`memory_changed`]).
static MEMORY_CHANGED: AtomicFlag = AtomicFlag::new(false);

/// The memory hotplug notifier's callback: records that memory came online
/// or went offline and wakes the thread, which reconciles its per-section
/// hotness arrays at its next wake-up.
///
/// # Safety
///
/// Called by the memory hotplug notifier chain (process context).
unsafe extern "C" fn memory_event(
    _nb: *mut bindings::notifier_block,
    action: c_ulong,
    _arg: *mut c_void,
) -> c_int {
    use c::kernel_api::{
        memory_block_state_MEM_CANCEL_OFFLINE as CANCEL_OFFLINE,
        memory_block_state_MEM_OFFLINE as OFFLINE,
        memory_block_state_MEM_ONLINE as ONLINE, //
    };
    if matches!(u32::try_from(action), Ok(ONLINE | OFFLINE | CANCEL_OFFLINE)) {
        MEMORY_CHANGED.store(true, Release);
        super::thread::wake();
    }
    bindings::NOTIFY_OK as c_int
}

/// Registration of the memory hotplug notifier, which wakes the thread when
/// memory comes online or goes offline.  Dropping it unregisters.
///
/// # Invariants
///
/// `nb` is registered with `register_memory_notifier()`; the kernel links it
/// into its chain, so it stays at its address (boxed) until unregistered.
pub(crate) struct MemoryNotifier {
    nb: KBox<Opaque<bindings::notifier_block>>,
}

// SAFETY: The block is only touched by the kernel's notifier chain, under
// its own lock, and by `drop`, which any task may run.
unsafe impl Send for MemoryNotifier {}
// SAFETY: No `&self` method.
unsafe impl Sync for MemoryNotifier {}

impl MemoryNotifier {
    /// Registers the notifier.
    pub(crate) fn register() -> Result<MemoryNotifier> {
        let nb = KBox::new(
            Opaque::new(bindings::notifier_block {
                notifier_call: Some(memory_event),
                ..Default::default()
            }),
            GFP_KERNEL,
        )?;
        MEMORY_CHANGED.store(false, Release);
        // SAFETY: `nb` is an initialized notifier block at a stable (heap)
        // address, not registered; it stays there until `drop` unregisters
        // it.
        kernel::error::to_result(unsafe { c::kernel_api::register_memory_notifier(nb.get()) })?;
        // INVARIANT: Registered just above.
        Ok(MemoryNotifier { nb })
    }
}

impl Drop for MemoryNotifier {
    fn drop(&mut self) {
        // SAFETY: Registered (type invariants), unregistered once here; this
        // waits for a callback in progress, after which the box may go.
        unsafe { c::kernel_api::unregister_memory_notifier(self.nb.get()) };
    }
}

/// Whether memory went online or offline since the last call.
pub(crate) fn memory_changed() -> bool {
    MEMORY_CHANGED.xchg(false, Full)
}
