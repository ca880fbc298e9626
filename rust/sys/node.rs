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

// Node sets are `u64` bitmaps ([`NodeMask`]), node-indexed arrays
// [`MAX_NODES`] long.
const _: () = assert!(
    bindings::MAX_NUMNODES as usize <= MAX_NODES,
    "kmmscand keeps node sets in u64 bitmaps: MAX_NUMNODES must be at most 64"
);

/// The node ids the kernel uses: `nr_node_ids`, set at boot (at most
/// `MAX_NUMNODES`, at most [`MAX_NODES`]).
fn nr_node_ids() -> usize {
    // SAFETY: Written once during boot, read-only afterwards.
    let nr = unsafe { bindings::nr_node_ids };
    (nr as usize).min(MAX_NODES)
}

/// Whether node `nid` (below [`nr_node_ids`]) is in the kernel's node set
/// `state` (`node_state()`; `N_MEMORY`: it has memory).
fn node_in(nid: usize, state: bindings::node_states) -> bool {
    // SAFETY: Reads one bit of the global `node_states[state]` bitmap,
    // `MAX_NUMNODES` bits long; `nid` is below `nr_node_ids` (callers).
    unsafe { c::kernel_api::node_state(nid as c_int, state) != 0 }
}

/// `NODE_DATA(nid)`, the node's `pglist_data`, NULL if it has none yet.
/// x86-64's `NODE_DATA()` is a macro that reads `node_data[nid]`, an array
/// of `MAX_NUMNODES` pointers the kernel exports.
///
/// # Safety
///
/// `nid` is below [`nr_node_ids`].
unsafe fn node_data(nid: usize) -> *mut bindings::pglist_data {
    let first = (&raw const bindings::node_data).cast::<*mut bindings::pglist_data>();
    // An entry is set when its node first comes online and never cleared,
    // as `NODE_DATA()` readers rely on.
    // SAFETY: `node_data` has `MAX_NUMNODES` entries; `nid` is below
    // `nr_node_ids` <= `MAX_NUMNODES` (function safety).
    unsafe { core::ptr::read_volatile(first.add(nid)) }
}

/// A node id for which the kernel has a `pglist_data`, so that node-indexed
/// operations (`NODE_DATA()`) are valid.
///
/// # Invariants
///
/// `self.0` is below `nr_node_ids`, a possible node, and `node_data()` is
/// not NULL for it.  A pgdat, once allocated, is never freed, so this stays
/// true while the module is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NodeId(u16);

impl NodeId {
    /// `nid` as a valid node id, if it is one.
    pub(crate) fn new(nid: usize) -> Option<NodeId> {
        if nid >= nr_node_ids() || !node_in(nid, bindings::node_states_N_POSSIBLE) {
            return None;
        }
        // SAFETY: `nid` is below `nr_node_ids` (checked above).
        let valid = !unsafe { node_data(nid) }.is_null();
        // INVARIANT: Checked just above.
        valid.then_some(NodeId(nid as u16))
    }

    /// The node's number.
    pub(crate) fn index(self) -> usize {
        usize::from(self.0)
    }

    /// The node's `pglist_data`.
    pub(super) fn pgdat(self) -> *mut bindings::pglist_data {
        // SAFETY: By the type invariants the index is below `nr_node_ids`
        // and its pgdat exists.
        unsafe { node_data(self.index()) }
    }
}

/// The nodes with memory (`N_MEMORY`).
fn memory_nodes() -> NodeMask {
    let mut memory = NodeMask::EMPTY;
    for n in (0..nr_node_ids()).filter(|&n| node_in(n, bindings::node_states_N_MEMORY)) {
        memory.0 |= 1 << n;
    }
    memory
}

/// Of `nodes`, the top-tier ones (`node_is_toptier()`).
fn toptier_of(nodes: NodeMask) -> NodeMask {
    let mut toptier = NodeMask::EMPTY;
    for n in nodes.iter() {
        // SAFETY: Any node id may be asked about.
        if unsafe { c::kernel_api::node_is_toptier(n as c_int) } {
            toptier.0 |= 1 << n;
        }
    }
    toptier
}

/// Reads the current memory nodes, top tier and distances into `into`.
pub(crate) fn read_topology(into: &mut Topology) {
    into.memory = memory_nodes();
    into.toptier = toptier_of(into.memory);
    into.distance = [[0; MAX_NODES]; MAX_NODES];
    for a in into.memory.iter() {
        for b in into.memory.iter() {
            // SAFETY: `a` and `b` are node ids below `nr_node_ids`; the
            // distance table is read-only after boot.
            let d = unsafe { bindings::__node_distance(a as c_int, b as c_int) };
            into.distance[a][b] = d.clamp(0, 255) as u8;
        }
    }
}

/// The online top-tier nodes with memory (what `target_node` may name).
pub(crate) fn toptier_nodes() -> NodeMask {
    toptier_of(memory_nodes())
}

/// Whether node `nid` is online (`node_online()`).
pub(super) fn node_online(nid: NodeId) -> bool {
    node_in(nid.index(), bindings::node_states_N_ONLINE)
}

/// Whether node `nid` has memory (`node_state(nid, N_MEMORY)`).
pub(super) fn node_has_memory(nid: NodeId) -> bool {
    node_in(nid.index(), bindings::node_states_N_MEMORY)
}

/// The free pages and high watermark of each populated (managed) zone of
/// `nid`, and the free pages a movable allocation may not use there: the
/// zone's `lowmem_reserve` against `ZONE_MOVABLE` allocations (a lower zone
/// keeps it for allocations that cannot go higher) and its high-atomic
/// reserve, as `zone_watermark_ok()` counts them.  Read without locks, as
/// the kernel's own watermark checks read them.
pub(crate) fn zone_marks(nid: NodeId, out: &mut [ZoneMarks; MAX_ZONES]) -> &[ZoneMarks] {
    let pgdat = nid.pgdat();
    let mut n = 0;
    // SAFETY: `pgdat` is the node's, never freed (type invariants of
    // `NodeId`); `nr_zones` only grows, up to `MAX_NR_ZONES`.
    let nr_zones = unsafe { (*pgdat).nr_zones } as usize;
    for z in 0..nr_zones.min(MAX_ZONES) {
        // SAFETY: `z` is below `MAX_NR_ZONES`, the length of `node_zones`.
        let zone = unsafe { &raw mut (*pgdat).node_zones[z] };
        // SAFETY: `zone` is a zone of a live pgdat; each call reads its
        // counters, each field is read once (`READ_ONCE()` in C where the
        // kernel writes it concurrently).
        unsafe {
            if !c::kernel_api::managed_zone(zone) {
                continue;
            }
            out[n] = ZoneMarks {
                free: c::kernel_api::zone_page_state(zone, bindings::zone_stat_item_NR_FREE_PAGES)
                    as u64,
                high: c::kernel_api::high_wmark_pages(zone) as u64,
                lowmem_reserve: core::ptr::read_volatile(
                    &raw const (*zone).lowmem_reserve[bindings::zone_type_ZONE_MOVABLE as usize],
                ) as i64,
                highatomic: core::ptr::read_volatile(&raw const (*zone).nr_reserved_highatomic)
                    as u64,
            };
        }
        n += 1;
    }
    &out[..n]
}

/// Zones per node [`zone_marks`] reports at most (`MAX_NR_ZONES`).
pub(crate) const MAX_ZONES: usize = bindings::MAX_NR_ZONES as usize;

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

/// The PFN range `[start, end)` node `nid` spans (it may contain holes and
/// other nodes' memory).
pub(crate) fn node_pfn_span(nid: NodeId) -> (u64, u64) {
    let pgdat = nid.pgdat();
    // SAFETY: `pgdat` is the node's, never freed; its span changes only
    // under memory hotplug, which the thread learns of and reconciles.
    unsafe {
        (
            (*pgdat).node_start_pfn as u64,
            c::kernel_api::pgdat_end_pfn(pgdat) as u64,
        )
    }
}

/// The node of memory section `nr` if it is online.
pub(crate) fn section_node(nr: u64) -> Option<usize> {
    let nr = c_ulong::try_from(nr).ok()?;
    // SAFETY: Any section number may be asked about: one beyond the
    // section roots is not online.
    if unsafe { c::kernel_api::online_section_nr(nr) } == 0 {
        return None;
    }
    let pfn = nr.checked_shl(section_shift())?;
    // SAFETY: Any PFN may be asked about; NULL unless online memory.
    let page = unsafe { bindings::pfn_to_online_page(pfn) };
    // SAFETY: `page` is the struct page of online memory, whose node bits
    // are set once when it is initialised.
    (!page.is_null()).then(|| unsafe { bindings::page_to_nid(page) } as usize)
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
