/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmmscand C shim: the kernel operations the Rust module cannot reach
 * (macros, inline functions, function-pointer tables, the kthread).
 *
 * Every structure here is mirrored field by field in rust/ffi.rs with
 * #[repr(C)]; kmmscand_abi_size() lets the Rust side check the sizes at
 * load time, so a layout mismatch refuses to load instead of corrupting
 * memory.
 */
#ifndef _KMMSCAND_SHIM_H
#define _KMMSCAND_SHIM_H

#include <linux/types.h>

struct mm_struct;
struct vm_area_struct;

/* Node sets are u64 bitmaps: the module supports MAX_NUMNODES <= 64. */
#define KMMSCAND_MAX_NODES	64

/* A snapshot of the machine's memory nodes. */
struct kmmscand_topology {
	u64 memory;	/* online nodes with memory */
	u64 toptier;	/* of those, node_is_toptier() */
	u8 distance[KMMSCAND_MAX_NODES][KMMSCAND_MAX_NODES];
};

/* Nodes a task lets its memory live on (read under task_lock()). */
struct kmmscand_task_nodes {
	u64 cpuset;	/* task->mems_allowed */
	u64 policy;	/* allowed by task->mempolicy; all when none */
};

/* One folio found young on a slow-tier node by the page-table walk. */
struct kmmscand_young {
	u64 pfn;	/* folio_pfn() */
	u32 nr_pages;	/* folio_nr_pages() */
	s16 nid;	/* node the folio was on */
	s16 target;	/* node to promote it to */
};

/* In/out state of one page-table walk, owned by the caller. */
struct kmmscand_walk {
	/* in: destination per source node, -1 = do not test folios there */
	s16 target_of[KMMSCAND_MAX_NODES];
	/* in: where young folios are recorded */
	struct kmmscand_young *young;
	u32 max_young;
	/* out: records filled (the walk stops when young is full) */
	u32 nr_young;
	/* out: address to resume from (== end when the range was done) */
	u64 next_addr;
	/* out, accumulated: slow-tier pages tested, pages found young */
	u64 slow_scanned;
	u64 young_pages;
	/*
	 * accumulated: span where young bits were cleared and not yet
	 * flushed (start >= end: none); kmmscand_walk_flush() flushes it
	 */
	u64 flush_start;
	u64 flush_end;
	/* out, accumulated: TLB flushes done by kmmscand_walk_flush() */
	u64 tlb_flushes;
	/* out, accumulated: mapped pages seen per node (target tie-break) */
	u64 node_pages[KMMSCAND_MAX_NODES];
};

/* Outcome of one promotion batch, in base pages unless noted. */
struct kmmscand_promote_result {
	u64 isolated;
	u64 isolate_failed;
	u64 migrated;
	u64 migrate_failed;
	u64 thp_migrated;	/* large folios, not pages */
};

/* Events counted in /proc/vmstat; order matches enum VmEvent in Rust. */
enum kmmscand_event {
	KMM_EV_WAKEUP,
	KMM_EV_FULL_PASS,
	KMM_EV_MM_SCAN,
	KMM_EV_MM_BUSY,
	KMM_EV_VMA_SCAN,
	KMM_EV_VMA_SKIP_POLICY,
	KMM_EV_SLOWTIER_SCANNED,
	KMM_EV_YOUNG,
	KMM_EV_TLB_FLUSH,
	KMM_EV_CANDIDATE,
	KMM_EV_HISTORY_EVICT,
	KMM_EV_ISOLATED,
	KMM_EV_PROMOTED,
	KMM_EV_PROMOTED_THP,
	KMM_EV_PROMOTE_FAIL_ISOLATE,
	KMM_EV_PROMOTE_FAIL_TARGET_FULL,
	KMM_EV_PROMOTE_FAIL_MIGRATE,
	KMM_EV_PROMOTE_FAIL_RATE_LIMITED,
	KMM_NR_EVENTS,
};

/* Which structure kmmscand_abi_size() measures. */
enum kmmscand_abi {
	KMM_ABI_TOPOLOGY,
	KMM_ABI_TASK_NODES,
	KMM_ABI_YOUNG,
	KMM_ABI_WALK,
	KMM_ABI_PROMOTE_RESULT,
	KMM_ABI_NR_EVENTS,
};

/*
 * x86's <asm/tlbflush.h> hides its TLB API from modules; kernel patch 0001
 * exports flush_tlb_mm_range() to this module alone.  Its prototype, from
 * arch/x86/include/asm/tlbflush.h:
 */
void flush_tlb_mm_range(struct mm_struct *mm, unsigned long start,
			unsigned long end, unsigned int stride_shift,
			bool freed_tables);

/* Implemented in Rust (rust/ffi.rs), called by the shim. */
int kmmscand_rs_thread(void *ctx);
ssize_t kmmscand_rs_knob_show(void *ctx, unsigned int knob, char *buf);
ssize_t kmmscand_rs_knob_store(void *ctx, unsigned int knob, const char *buf,
			       size_t len);

/* Implemented by the shim, called from Rust. */
size_t kmmscand_abi_size(unsigned int which);

int kmmscand_thread_start(void *ctx);
void kmmscand_thread_stop(void);
bool kmmscand_should_stop(void);
void kmmscand_sleep_ms(unsigned int ms);
void kmmscand_wake(void);
void kmmscand_cond_resched(void);
u64 kmmscand_now_ms(void);

int kmmscand_sysfs_create(void *ctx, const char *const *names,
			  unsigned int nr);
void kmmscand_sysfs_remove(void);
void kmmscand_warn_ratelimited(const char *msg);

void kmmscand_count_event(unsigned int event, u64 delta);

void kmmscand_read_topology(struct kmmscand_topology *topo);
u64 kmmscand_toptier_nodes(void);
int kmmscand_next_mm(int *pid, struct mm_struct **mmp,
		     struct kmmscand_task_nodes *nodes);

bool kmmscand_vma_scannable(struct vm_area_struct *vma);
bool kmmscand_vma_policy_nodes(struct vm_area_struct *vma, u64 *nodes);
int kmmscand_walk_vma(struct vm_area_struct *vma, unsigned long start,
		      unsigned long end, struct kmmscand_walk *walk);
void kmmscand_walk_flush(struct mm_struct *mm, struct kmmscand_walk *walk);

u64 kmmscand_node_room(int nid);
void kmmscand_wake_kswapd(int nid);
void kmmscand_promote(const struct kmmscand_young *folios, unsigned int nr,
		      int target, struct kmmscand_promote_result *res);

void kmmscand_trace_scan_mm_start(int pid, unsigned long start,
				  unsigned int period_ms, unsigned int size_mb);
void kmmscand_trace_scan_mm_end(int pid, unsigned long start,
				unsigned long end, u64 scanned, u64 young,
				unsigned int period_ms, unsigned int size_mb);

#endif /* _KMMSCAND_SHIM_H */
