// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand C shim.
 *
 * The Rust module (rust/kmmscand_main.rs) owns every decision: which mm to
 * scan, how far, what is hot, how much to promote and where.  This file
 * holds only what Rust cannot reach or should not own in a Rust-for-Linux
 * tree of this version:
 *
 *  - the kthread and its freezable sleep (no kthread API in Rust 7.2);
 *  - the sysfs attribute table (kobj_attribute callbacks are C function
 *    pointers; keeping them in C avoids any kCFI question);
 *  - the page-table walk (mm_walk_ops, the PTL, PTE/PMD macros);
 *  - process iteration under RCU, mempolicy and cpuset reads under
 *    task_lock();
 *  - migration (isolation, migrate_pages() with an allocation callback);
 *  - vmstat events and tracepoints (macros).
 *
 * Each function does one kernel operation and reports plain numbers.
 */

#define pr_fmt(fmt) "kmmscand: " fmt

#include <linux/freezer.h>
#include <linux/gfp.h>
#include <linux/kobject.h>
#include <linux/kthread.h>
#include <linux/memory-tiers.h>
#include <linux/mempolicy.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/mmu_notifier.h>
#include <linux/nodemask.h>
#include <linux/pagewalk.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/vmstat.h>
#include <linux/wait.h>

#include "kmmscand_shim.h"

#define CREATE_TRACE_POINTS
#include "kmmscand_trace.h"

static_assert(MAX_NUMNODES <= KMMSCAND_MAX_NODES,
	      "kmmscand keeps node sets in u64 bitmaps");

size_t kmmscand_abi_size(unsigned int which)
{
	switch (which) {
	case KMM_ABI_TOPOLOGY:
		return sizeof(struct kmmscand_topology);
	case KMM_ABI_TASK_NODES:
		return sizeof(struct kmmscand_task_nodes);
	case KMM_ABI_YOUNG:
		return sizeof(struct kmmscand_young);
	case KMM_ABI_WALK:
		return sizeof(struct kmmscand_walk);
	case KMM_ABI_PROMOTE_RESULT:
		return sizeof(struct kmmscand_promote_result);
	case KMM_ABI_NR_EVENTS:
		return KMM_NR_EVENTS;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * The kthread.
 *
 * kmmscand_task holds a task reference from creation to kthread_stop_put(),
 * so stopping is safe even if the thread function returned early.
 * kmmscand_wait is where the thread sleeps between wake-ups; a knob write
 * sets kmmscand_wake_pending and wakes it so new settings apply at once.
 */
static struct task_struct *kmmscand_task;
static DECLARE_WAIT_QUEUE_HEAD(kmmscand_wait);
static bool kmmscand_wake_pending;

static int kmmscand_threadfn(void *ctx)
{
	set_freezable();
	/* Background work, like khugepaged: never compete with applications. */
	set_user_nice(current, MAX_NICE);
	return kmmscand_rs_thread(ctx);
}

int kmmscand_thread_start(void *ctx)
{
	struct task_struct *t;

	t = kthread_create(kmmscand_threadfn, ctx, "kmmscand");
	if (IS_ERR(t))
		return PTR_ERR(t);
	get_task_struct(t);
	kmmscand_task = t;
	wake_up_process(t);
	return 0;
}

void kmmscand_thread_stop(void)
{
	if (kmmscand_task) {
		kthread_stop_put(kmmscand_task);
		kmmscand_task = NULL;
	}
}

bool kmmscand_should_stop(void)
{
	return kthread_should_stop();
}

/*
 * Sleeps up to @ms, waking early for kthread_stop() or a knob write.
 * Freezable: the system can suspend while the thread sleeps here.
 */
void kmmscand_sleep_ms(unsigned int ms)
{
	wait_event_freezable_timeout(kmmscand_wait,
				     kthread_should_stop() ||
				     READ_ONCE(kmmscand_wake_pending),
				     msecs_to_jiffies(ms));
	WRITE_ONCE(kmmscand_wake_pending, false);
}

void kmmscand_wake(void)
{
	WRITE_ONCE(kmmscand_wake_pending, true);
	wake_up_interruptible(&kmmscand_wait);
}

void kmmscand_cond_resched(void)
{
	cond_resched();
}

u64 kmmscand_now_ms(void)
{
	return div_u64(ktime_get_ns(), NSEC_PER_MSEC);
}

/* ---------------------------------------------------------------------
 * sysfs: /sys/kernel/mm/kmmscand/<knob>.
 *
 * The knob names and their semantics live in Rust; this table only routes
 * show/store to kmmscand_rs_knob_{show,store}() with the knob's index.
 */
static struct kobject *kmmscand_kobj;
static struct kobj_attribute *kmmscand_attrs;
static struct attribute **kmmscand_attr_list;
static struct attribute_group kmmscand_group;
static void *kmmscand_sysfs_ctx;

static ssize_t kmmscand_attr_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return kmmscand_rs_knob_show(kmmscand_sysfs_ctx, attr - kmmscand_attrs,
				     buf);
}

static ssize_t kmmscand_attr_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t len)
{
	return kmmscand_rs_knob_store(kmmscand_sysfs_ctx,
				      attr - kmmscand_attrs, buf, len);
}

static void kmmscand_sysfs_free(void)
{
	kfree(kmmscand_attr_list);
	kfree(kmmscand_attrs);
	kmmscand_attr_list = NULL;
	kmmscand_attrs = NULL;
}

/* @names must stay valid until kmmscand_sysfs_remove(). */
int kmmscand_sysfs_create(void *ctx, const char *const *names,
			  unsigned int nr)
{
	unsigned int i;
	int err;

	kmmscand_attrs = kcalloc(nr, sizeof(*kmmscand_attrs), GFP_KERNEL);
	kmmscand_attr_list = kcalloc(nr + 1, sizeof(*kmmscand_attr_list),
				     GFP_KERNEL);
	if (!kmmscand_attrs || !kmmscand_attr_list) {
		kmmscand_sysfs_free();
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		struct kobj_attribute *a = &kmmscand_attrs[i];

		sysfs_attr_init(&a->attr);
		a->attr.name = names[i];
		a->attr.mode = 0644;
		a->show = kmmscand_attr_show;
		a->store = kmmscand_attr_store;
		kmmscand_attr_list[i] = &a->attr;
	}
	kmmscand_group.attrs = kmmscand_attr_list;
	kmmscand_sysfs_ctx = ctx;

	kmmscand_kobj = kobject_create_and_add("kmmscand", mm_kobj);
	if (!kmmscand_kobj) {
		kmmscand_sysfs_free();
		return -ENOMEM;
	}
	err = sysfs_create_group(kmmscand_kobj, &kmmscand_group);
	if (err) {
		kobject_put(kmmscand_kobj);
		kmmscand_kobj = NULL;
		kmmscand_sysfs_free();
	}
	return err;
}

void kmmscand_sysfs_remove(void)
{
	if (!kmmscand_kobj)
		return;
	/* Waits for running show/store callbacks: none runs after this. */
	sysfs_remove_group(kmmscand_kobj, &kmmscand_group);
	kobject_put(kmmscand_kobj);
	kmmscand_kobj = NULL;
	kmmscand_sysfs_free();
}

void kmmscand_warn_ratelimited(const char *msg)
{
	pr_warn_ratelimited("%s\n", msg);
}

/* ---------------------------------------------------------------------
 * /proc/vmstat events (patch 0002 adds the items).
 */
static const enum vm_event_item kmmscand_vm_events[KMM_NR_EVENTS] = {
	[KMM_EV_WAKEUP]			= KMMSCAND_WAKEUP,
	[KMM_EV_FULL_PASS]		= KMMSCAND_FULL_PASS,
	[KMM_EV_MM_SCAN]		= KMMSCAND_MM_SCAN,
	[KMM_EV_MM_BUSY]		= KMMSCAND_MM_BUSY,
	[KMM_EV_VMA_SCAN]		= KMMSCAND_VMA_SCAN,
	[KMM_EV_VMA_SKIP_POLICY]	= KMMSCAND_VMA_SKIP_POLICY,
	[KMM_EV_SLOWTIER_SCANNED]	= KMMSCAND_SLOWTIER_SCANNED,
	[KMM_EV_YOUNG]			= KMMSCAND_YOUNG,
	[KMM_EV_TLB_FLUSH]		= KMMSCAND_TLB_FLUSH,
	[KMM_EV_CANDIDATE]		= KMMSCAND_CANDIDATE,
	[KMM_EV_HISTORY_EVICT]		= KMMSCAND_HISTORY_EVICT,
	[KMM_EV_ISOLATED]		= KMMSCAND_ISOLATED,
	[KMM_EV_PROMOTED]		= KMMSCAND_PROMOTED,
	[KMM_EV_PROMOTED_THP]		= KMMSCAND_PROMOTED_THP,
	[KMM_EV_PROMOTE_FAIL_ISOLATE]	= KMMSCAND_PROMOTE_FAIL_ISOLATE,
	[KMM_EV_PROMOTE_FAIL_TARGET_FULL] = KMMSCAND_PROMOTE_FAIL_TARGET_FULL,
	[KMM_EV_PROMOTE_FAIL_MIGRATE]	= KMMSCAND_PROMOTE_FAIL_MIGRATE,
	[KMM_EV_PROMOTE_FAIL_RATE_LIMITED] = KMMSCAND_PROMOTE_FAIL_RATE_LIMITED,
};

void kmmscand_count_event(unsigned int event, u64 delta)
{
	if (WARN_ON_ONCE(event >= KMM_NR_EVENTS))
		return;
	count_vm_events(kmmscand_vm_events[event], delta);
}

/* ---------------------------------------------------------------------
 * Nodes, tasks and mempolicies.
 */
static u64 nodemask_to_u64(const nodemask_t *mask)
{
	return (u64)nodes_addr(*mask)[0];
}

/*
 * Nodes a mempolicy lets a VMA's memory move to.  Default and local
 * policies allow any node.  BIND and PREFERRED_MANY allow their nodes;
 * PREFERRED only its node (promoting elsewhere would fight the user's
 * preference).  INTERLEAVE and WEIGHTED_INTERLEAVE place pages on purpose:
 * nothing is promoted.
 */
static u64 mempolicy_allowed_nodes(const struct mempolicy *pol)
{
	switch (pol->mode) {
	case MPOL_DEFAULT:
	case MPOL_LOCAL:
		return U64_MAX;
	case MPOL_BIND:
	case MPOL_PREFERRED:
	case MPOL_PREFERRED_MANY:
		return nodemask_to_u64(&pol->nodes);
	default:
		return 0;
	}
}

void kmmscand_read_topology(struct kmmscand_topology *topo)
{
	int a, b;

	memset(topo, 0, sizeof(*topo));
	for_each_node_state(a, N_MEMORY) {
		topo->memory |= BIT_ULL(a);
		if (node_is_toptier(a))
			topo->toptier |= BIT_ULL(a);
		for_each_node_state(b, N_MEMORY)
			topo->distance[a][b] = min(node_distance(a, b), 255);
	}
}

/* Online top-tier nodes with memory: what target_node may name. */
u64 kmmscand_toptier_nodes(void)
{
	u64 mask = 0;
	int nid;

	for_each_node_state(nid, N_MEMORY)
		if (node_is_toptier(nid))
			mask |= BIT_ULL(nid);
	return mask;
}

/*
 * Finds the next user process whose thread-group id is >= *@pid and takes
 * a reference on its mm (mm_users).  Only thread-group leaders are looked
 * at, so an mm shared by threads is found once.  Kernel threads and
 * exiting tasks are skipped.
 *
 * Runs under rcu_read_lock() and takes no lock that fork or exit would
 * contend on (task_lock() of one task at a time, as get_task_mm() does).
 * Looks at no more than 64 pids per call so the RCU section stays short.
 *
 * Returns 1 with *@mmp and *@nodes set and *@pid past the process found;
 * 0 when this call found nothing but more pids remain (*@pid advanced);
 * -1 when there is no pid >= *@pid (the caller wraps around).
 */
int kmmscand_next_mm(int *pid, struct mm_struct **mmp,
		     struct kmmscand_task_nodes *nodes)
{
	int tries, ret = 0;

	rcu_read_lock();
	for (tries = 0; tries < 64; tries++) {
		struct task_struct *task;
		struct mm_struct *mm;
		struct pid *p;

		p = find_ge_pid(*pid, &init_pid_ns);
		if (!p) {
			ret = -1;
			break;
		}
		*pid = pid_nr(p) + 1;
		task = pid_task(p, PIDTYPE_TGID);
		if (!task || (task->flags & (PF_KTHREAD | PF_EXITING)))
			continue;

		task_lock(task);
		mm = task->mm;
		if (mm && mmget_not_zero(mm)) {
			nodes->cpuset = nodemask_to_u64(&task->mems_allowed);
			nodes->policy = task->mempolicy ?
				mempolicy_allowed_nodes(task->mempolicy) :
				U64_MAX;
			task_unlock(task);
			*mmp = mm;
			ret = 1;
			break;
		}
		task_unlock(task);
	}
	rcu_read_unlock();
	return ret;
}

/*
 * Whether the walk may look at @vma at all: not hugetlb, not a raw
 * PFN/mixed/IO mapping, not mlocked (unevictable), migratable, and
 * accessible (a PROT_NONE VMA has no meaningful Accessed bits).
 * Caller holds the mmap lock.
 */
bool kmmscand_vma_scannable(struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_HUGETLB | VM_PFNMAP | VM_MIXEDMAP | VM_IO |
			     VM_LOCKED | VM_DROPPABLE))
		return false;
	if (!vma_is_accessible(vma))
		return false;
	return vma_migratable(vma);
}

/*
 * Stores in *@nodes the nodes @vma's own mempolicy allows and returns true;
 * returns false when the VMA has no policy of its own (the task's applies).
 * A shared (shmem) policy is read at the VMA's start.  Caller holds the
 * mmap lock.
 */
bool kmmscand_vma_policy_nodes(struct vm_area_struct *vma, u64 *nodes)
{
	struct mempolicy *pol;
	pgoff_t ilx;

	pol = __get_vma_policy(vma, vma->vm_start, &ilx);
	if (!pol)
		return false;
	*nodes = mempolicy_allowed_nodes(pol);
	mpol_cond_put(pol);
	return true;
}

/* ---------------------------------------------------------------------
 * The page-table walk: test and clear Accessed bits of slow-tier folios.
 *
 * x86 clears the Accessed bit without flushing the TLB, and the CPU sets it
 * again only on a page-table walk: a page whose translation stays cached
 * would look idle however hot it is (QEMU's software TLB keeps whole
 * working sets; a real STLB keeps a few MiB).  So the walk remembers the
 * span where it cleared young bits, across all the VMAs walked under one
 * hold of the mmap lock, and the caller flushes it once with
 * kmmscand_walk_flush() before dropping the lock: one flush per lock hold
 * (at most one per young-buffer's worth of folios), none when nothing was
 * young, never one per page or per VMA.
 *
 * Modelled on DAMON's young-bit walker (mm/damon/vaddr.c): a pmd_entry
 * only, which takes the PMD lock for a PMD-mapped THP and the PTE lock for
 * a page table, so the walk never splits a THP.  Nothing here sleeps or
 * takes a folio lock under the PTL: a young folio is only recorded (PFN,
 * size, node); isolation happens later, after the mmap lock is dropped.
 *
 * A folio is tested only if the walk's target_of[] has a destination for
 * its node (so top-tier folios and folios whose VMA policy forbids every
 * top-tier node are left alone), and only if it is not mapped by more than
 * one process (another mm's policy or cpuset might forbid the move).
 */
static bool kmmscand_folio_testable(struct folio *folio)
{
	return !folio_is_zone_device(folio) && !folio_test_ksm(folio) &&
	       !folio_test_unevictable(folio) &&
	       !folio_maybe_mapped_shared(folio);
}

static void kmmscand_note_flush(struct kmmscand_walk *w, unsigned long start,
				unsigned long end)
{
	if (w->flush_start >= w->flush_end) {
		w->flush_start = start;
		w->flush_end = end;
		return;
	}
	w->flush_start = min_t(u64, w->flush_start, start);
	w->flush_end = max_t(u64, w->flush_end, end);
}

static void kmmscand_record_young(struct kmmscand_walk *w,
				  struct folio *folio, int nid)
{
	unsigned long pfn = folio_pfn(folio);
	struct kmmscand_young *last;

	/* A PTE-mapped large folio is recorded once per run of its PTEs. */
	if (w->nr_young) {
		last = &w->young[w->nr_young - 1];
		if (last->pfn == pfn)
			return;
	}
	last = &w->young[w->nr_young++];
	last->pfn = pfn;
	last->nr_pages = folio_nr_pages(folio);
	last->nid = nid;
	last->target = w->target_of[nid];
}

/*
 * Accounts @nr mapped pages of @folio and says whether to test their
 * Accessed bit: only when the folio's node has a destination and the folio
 * may be moved.
 */
static bool kmmscand_want_test(struct kmmscand_walk *w, struct folio *folio,
			       int nid, unsigned int nr)
{
	w->node_pages[nid] += nr;
	if (w->target_of[nid] < 0 || !kmmscand_folio_testable(folio))
		return false;
	w->slow_scanned += nr;
	return true;
}

/* Notes that @nr pages of @folio, mapped at [@start, @end), were young. */
static void kmmscand_found_young(struct kmmscand_walk *w, struct folio *folio,
				 int nid, unsigned long start,
				 unsigned long end, unsigned int nr)
{
	kmmscand_note_flush(w, start, end);
	w->young_pages += nr;
	kmmscand_record_young(w, folio, nid);
}

static void kmmscand_scan_pmd(pmd_t *pmd, unsigned long addr,
			      struct kmmscand_walk *w,
			      struct vm_area_struct *vma)
{
	unsigned long haddr = addr & HPAGE_PMD_MASK;
	unsigned long hend = haddr + HPAGE_PMD_SIZE;
	pmd_t pmde = pmdp_get(pmd);
	struct folio *folio;
	bool young;
	int nid;

	if (!pmd_present(pmde))
		return;
	folio = vm_normal_folio_pmd(vma, haddr, pmde);
	if (!folio)
		return;
	nid = folio_nid(folio);
	if (!kmmscand_want_test(w, folio, nid, folio_nr_pages(folio)))
		return;
	young = pmdp_test_and_clear_young(vma, haddr, pmd);
	young |= mmu_notifier_clear_young(vma->vm_mm, haddr, hend);
	if (young)
		kmmscand_found_young(w, folio, nid, haddr, hend,
				     folio_nr_pages(folio));
}

static void kmmscand_scan_pte(pte_t *pte, unsigned long addr,
			      struct kmmscand_walk *w,
			      struct vm_area_struct *vma)
{
	pte_t ptent = ptep_get(pte);
	struct folio *folio;
	bool young;
	int nid;

	if (!pte_present(ptent))
		return;
	folio = vm_normal_folio(vma, addr, ptent);
	if (!folio)
		return;
	nid = folio_nid(folio);
	if (!kmmscand_want_test(w, folio, nid, 1))
		return;
	young = ptep_test_and_clear_young(vma, addr, pte);
	young |= mmu_notifier_clear_young(vma->vm_mm, addr, addr + PAGE_SIZE);
	if (young)
		kmmscand_found_young(w, folio, nid, addr, addr + PAGE_SIZE, 1);
}

static int kmmscand_pmd_entry(pmd_t *pmd, unsigned long addr,
			      unsigned long next, struct mm_walk *walk)
{
	struct kmmscand_walk *w = walk->private;
	pte_t *start_pte, *pte;
	spinlock_t *ptl;
	int ret = 0;

	/* No lock but the mmap lock is held here: a good place to yield. */
	cond_resched();

	/*
	 * Stop here when the young buffer is full, on rmmod, or when a writer
	 * waits for the mmap lock (never stall the application's mmap/munmap
	 * for a background scan): the caller drops the lock and resumes here,
	 * or leaves the rest for its next visit if the lock is still taken.
	 */
	if (w->nr_young == w->max_young || kthread_should_stop() ||
	    mmap_lock_is_contended(walk->mm)) {
		w->next_addr = addr;
		return 1;
	}

	ptl = pmd_trans_huge_lock(pmd, walk->vma);
	if (ptl) {
		kmmscand_scan_pmd(pmd, addr, w, walk->vma);
		spin_unlock(ptl);
		return 0;
	}

	start_pte = pte = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);
	if (!pte) {
		/* The PMD changed under us (e.g. collapsed to a THP): retry. */
		walk->action = ACTION_AGAIN;
		return 0;
	}
	for (; addr < next; pte++, addr += PAGE_SIZE) {
		if (w->nr_young == w->max_young) {
			w->next_addr = addr;
			ret = 1;
			break;
		}
		kmmscand_scan_pte(pte, addr, w, walk->vma);
	}
	pte_unmap_unlock(start_pte, ptl);
	return ret;
}

static const struct mm_walk_ops kmmscand_walk_ops = {
	.pmd_entry	= kmmscand_pmd_entry,
	.walk_lock	= PGWALK_RDLOCK,
};

/*
 * Walks [@start, @end) of @vma, which the caller has checked with
 * kmmscand_vma_scannable() under the mmap read lock it still holds.
 * Returns 0 when the range was walked (w->next_addr = @end), 1 when it
 * stopped early (young buffer full, thread stopping, or a writer waiting
 * for the mmap lock; w->next_addr = where to resume), or a negative errno.
 */
int kmmscand_walk_vma(struct vm_area_struct *vma, unsigned long start,
		      unsigned long end, struct kmmscand_walk *w)
{
	int ret;

	ret = walk_page_range_vma(vma, start, end, &kmmscand_walk_ops, w);
	if (ret == 0)
		w->next_addr = end;
	return ret;
}

/*
 * Flushes the TLB over the span where the walks of @mm cleared young bits
 * since the last flush, if any.  The caller still holds the mmap lock.
 */
void kmmscand_walk_flush(struct mm_struct *mm, struct kmmscand_walk *w)
{
	if (w->flush_start >= w->flush_end)
		return;
	/* No page table was freed: lazy-TLB CPUs need no flush. */
	flush_tlb_mm_range(mm, w->flush_start, w->flush_end, PAGE_SHIFT,
			   false);
	w->flush_start = 0;
	w->flush_end = 0;
	w->tlb_flushes++;
}

/* ---------------------------------------------------------------------
 * Promotion.
 */

/*
 * Pages the node can take above the high watermark of its zones, summed.
 * Promotion that would dip below it only wakes kswapd to demote or reclaim
 * what was just promoted (the ping-pong the TPP field notes describe).
 */
u64 kmmscand_node_room(int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	u64 room = 0;
	int z;

	for (z = 0; z < pgdat->nr_zones; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		unsigned long free, high;

		if (!managed_zone(zone))
			continue;
		free = zone_page_state(zone, NR_FREE_PAGES);
		high = high_wmark_pages(zone);
		if (free > high)
			room += free - high;
	}
	return room;
}

/*
 * Asks kswapd of @nid for room, as NUMA balancing does when promotion finds
 * the node full (migrate_misplaced_folio_prepare()).
 */
void kmmscand_wake_kswapd(int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	int z;

	for (z = pgdat->nr_zones - 1; z >= 0; z--) {
		if (managed_zone(pgdat->node_zones + z)) {
			wakeup_kswapd(pgdat->node_zones + z, 0, 0,
				      ZONE_MOVABLE);
			return;
		}
	}
}

/*
 * Destination folios: as alloc_misplaced_dst_folio() for NUMA balancing,
 * never reclaim or dip into reserves on behalf of a background promotion.
 */
static struct folio *kmmscand_alloc_dst(struct folio *src, unsigned long data)
{
	int nid = (int)data;
	int order = folio_order(src);
	gfp_t gfp = __GFP_THISNODE;

	if (order > 0) {
		gfp |= GFP_TRANSHUGE_LIGHT;
	} else {
		gfp |= GFP_HIGHUSER_MOVABLE | __GFP_NOMEMALLOC |
		       __GFP_NORETRY | __GFP_NOWARN;
		gfp &= ~__GFP_RECLAIM;
	}
	return __folio_alloc_node(gfp, order, nid);
}

/*
 * The folio recorded at @y->pfn, with a reference, if it is still the same
 * folio on the same node (the walk dropped all locks since): same head
 * PFN, same size, same node, on an LRU, still mapped by one process.
 */
static struct folio *kmmscand_get_folio(const struct kmmscand_young *y)
{
	struct page *page = pfn_to_online_page(y->pfn);
	struct folio *folio;

	if (!page)
		return NULL;
	folio = page_folio(page);
	if (!folio_try_get(folio))
		return NULL;
	if (unlikely(page_folio(page) != folio || folio_pfn(folio) != y->pfn ||
		     folio_nr_pages(folio) != y->nr_pages ||
		     folio_nid(folio) != y->nid || !folio_test_lru(folio) ||
		     folio_maybe_mapped_shared(folio))) {
		folio_put(folio);
		return NULL;
	}
	return folio;
}

/*
 * Isolates the @nr folios and moves them to @target with one
 * migrate_pages() call.  The caller sized the batch to the target's room
 * and the rate limit.  MR_NUMA_MISPLACED is the reason NUMA balancing uses
 * for promotion; it also tells migrate_pages() not to split a large folio
 * that fails to move.  Folios that fail go back to their LRU.
 */
void kmmscand_promote(const struct kmmscand_young *folios, unsigned int nr,
		      int target, struct kmmscand_promote_result *res)
{
	unsigned int i, nr_large = 0, nr_folios = 0;
	unsigned int succeeded = 0;
	struct folio *folio, *tmp;
	u64 pages = 0, failed = 0;
	LIST_HEAD(list);

	memset(res, 0, sizeof(*res));
	for (i = 0; i < nr; i++) {
		const struct kmmscand_young *y = &folios[i];

		folio = kmmscand_get_folio(y);
		if (!folio || !isolate_folio_to_list(folio, &list)) {
			res->isolate_failed += y->nr_pages;
		} else {
			res->isolated += y->nr_pages;
			nr_folios++;
			if (folio_test_large(folio))
				nr_large++;
		}
		if (folio)
			folio_put(folio);
	}
	if (list_empty(&list))
		return;

	pages = res->isolated;
	migrate_pages(&list, kmmscand_alloc_dst, NULL, target, MIGRATE_ASYNC,
		      MR_NUMA_MISPLACED, &succeeded);

	/* What is still on the list did not move. */
	list_for_each_entry_safe(folio, tmp, &list, lru) {
		failed += folio_nr_pages(folio);
		if (folio_test_large(folio))
			nr_large--;
	}
	if (!list_empty(&list))
		putback_movable_pages(&list);

	res->migrated = pages - failed;
	res->migrate_failed = failed;
	res->thp_migrated = nr_large;
	if (res->migrated)
		mod_node_page_state(NODE_DATA(target), PGPROMOTE_SUCCESS,
				    res->migrated);
	trace_kmmscand_migrate_batch(target, nr_folios, pages, res->migrated,
				     failed);
}

/* ---------------------------------------------------------------------
 * Tracepoints, called from Rust.
 */
void kmmscand_trace_scan_mm_start(int pid, unsigned long start,
				  unsigned int period_ms, unsigned int size_mb)
{
	trace_kmmscand_scan_mm_start(pid, start, 0, 0, 0, period_ms, size_mb);
}

void kmmscand_trace_scan_mm_end(int pid, unsigned long start,
				unsigned long end, u64 scanned, u64 young,
				unsigned int period_ms, unsigned int size_mb)
{
	trace_kmmscand_scan_mm_end(pid, start, end, scanned, young, period_ms,
				   size_mb);
}
