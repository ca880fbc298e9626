// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand C shim.
 *
 * The Rust module owns every decision: which mm to scan, how far, which
 * VMAs and nodes, what is hot, how much to promote and where.  This file
 * holds only what Rust cannot reach in this kernel:
 *
 *  - the kthread's freezable sleep and freeze point (macros and inlines);
 *  - the page-table walk (mm_walk_ops, the PTL, PTE/PMD macros);
 *  - process iteration under RCU, mempolicy and cpuset reads under
 *    task_lock();
 *  - migration (isolation, migrate_pages() with an allocation callback);
 *  - memory cgroup lookups and membership (css references and iterators);
 *  - vmstat events and tracepoints (macros and inline functions).
 *
 * Each function does one kernel operation and reports what it saw.
 */

#define pr_fmt(fmt) "kmmscand: " fmt

#include <linux/cgroup.h>
#include <linux/freezer.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/memory-tiers.h>
#include <linux/mempolicy.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/mmu_notifier.h>
#include <linux/nodemask.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>
#include <linux/vmstat.h>
#include <linux/wait.h>

#include "kmmscand_shim.h"

/*
 * Kernel options the module cannot work without.  A kernel that lacks one
 * stops the module's build here with the reason, instead of building a
 * module that loads and misbehaves.
 */
#ifndef CONFIG_NUMA
#error "kmmscand needs CONFIG_NUMA: it moves pages between NUMA nodes"
#endif
#ifndef CONFIG_MIGRATION
#error "kmmscand needs CONFIG_MIGRATION (selected by CONFIG_NUMA_MIGRATION): it promotes with migrate_pages()"
#endif
#ifndef CONFIG_NUMA_BALANCING
#error "kmmscand needs CONFIG_NUMA_BALANCING: the pgpromote_success counter it adds to exists only with it"
#endif
#ifndef CONFIG_PAGE_IDLE_FLAG
#error "kmmscand needs CONFIG_PAGE_IDLE_FLAG (select CONFIG_IDLE_PAGE_TRACKING or CONFIG_DAMON_VADDR): without it folio_set_young() does nothing, and reclaim would take every page whose Accessed bit the scan cleared for unused"
#endif

#define CREATE_TRACE_POINTS
#include "kmmscand_trace.h"

static_assert(MAX_NUMNODES <= KMMSCAND_MAX_NODES,
	      "kmmscand keeps node sets in u64 bitmaps");
static_assert(MAX_NR_ZONES <= KMMSCAND_MAX_ZONES);

/* ---------------------------------------------------------------------
 * The kthread's sleep (rust/sys/thread.rs creates and stops it).
 *
 * kmmscand_wait is where the thread sleeps between wake-ups; a knob write
 * or a memory hotplug event sets kmmscand_wake_pending and wakes it.
 */
static DECLARE_WAIT_QUEUE_HEAD(kmmscand_wait);
static bool kmmscand_wake_pending;

/*
 * Sleeps up to @ms, waking early for kthread_stop() or kmmscand_wake().
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

/* ---------------------------------------------------------------------
 * Logging (pr_warn_ratelimited() keeps its state in a static per call site).
 */
void kmmscand_warn_ratelimited(const char *msg)
{
	pr_warn_ratelimited("%s\n", msg);
}

/* ---------------------------------------------------------------------
 * Nodes.
 */
/*
 * Fills @marks with the free pages and high watermark of @pgdat's zones, and
 * the free pages a movable allocation may not use there: the zone's
 * lowmem_reserve against ZONE_MOVABLE allocations (a lower zone keeps it
 * for allocations that cannot go higher) and its high-atomic reserve, as
 * zone_watermark_ok() counts them.
 */
unsigned int kmmscand_node_zone_marks(struct pglist_data *pgdat,
				      struct kmmscand_zone_marks *marks,
				      unsigned int max)
{
	unsigned int n = 0;
	int z;

	for (z = 0; z < pgdat->nr_zones && n < max; z++) {
		struct zone *zone = &pgdat->node_zones[z];

		if (!managed_zone(zone))
			continue;
		marks[n].free = zone_page_state(zone, NR_FREE_PAGES);
		marks[n].high = high_wmark_pages(zone);
		marks[n].lowmem_reserve = zone->lowmem_reserve[ZONE_MOVABLE];
		marks[n].highatomic = READ_ONCE(zone->nr_reserved_highatomic);
		n++;
	}
	return n;
}

/* ---------------------------------------------------------------------
 * Processes.
 */
/*
 * The thread after @t in @leader's thread group, or its first when @t is
 * NULL (for_each_thread()'s order); NULL after the last.  The caller holds
 * rcu_read_lock().
 */
struct task_struct *kmmscand_next_thread(struct task_struct *leader,
					 struct task_struct *t)
{
	if (!t)
		return list_first_or_null_rcu(&leader->signal->thread_head,
					      struct task_struct, thread_node);
	return __next_thread(t);
}

/* ---------------------------------------------------------------------
 * VMAs.  The caller holds the mmap lock.
 */
/*
 * The end of the range of file offsets, from @idx on, over which the shared
 * policy @sp gives one answer: the end of the policy range that holds @idx,
 * or where the next one begins (ULONG_MAX: none).  The ranges do not
 * overlap; this is sp_lookup() (mm/mempolicy.c), keeping the nearest range
 * start above @idx on the way down.
 */
static pgoff_t kmmscand_shared_policy_end(struct shared_policy *sp, pgoff_t idx)
{
	struct rb_node *n;
	pgoff_t end = ULONG_MAX;

	read_lock(&sp->lock);
	for (n = sp->root.rb_node; n;) {
		struct sp_node *p = rb_entry(n, struct sp_node, nd);

		if (idx >= p->end) {
			n = n->rb_right;
		} else if (idx < p->start) {
			end = p->start;
			n = n->rb_left;
		} else {
			end = p->end;
			break;
		}
	}
	read_unlock(&sp->lock);
	return end;
}

/*
 * The mempolicy of @vma at @addr (__get_vma_policy(), with a conditional
 * reference the caller drops with mpol_cond_put()), NULL when it has none
 * (the task's applies).  *@end is where that answer may change: the end of
 * @vma, or for shared memory (tmpfs, memfd, MAP_SHARED anonymous, SysV
 * shm: a shmem inode's mapping), whose policy is kept per range of file
 * offsets (mbind() through any mapping of the file sets it), where the
 * shared-policy range holding @addr's offset ends.
 */
struct mempolicy *kmmscand_vma_policy(struct vm_area_struct *vma,
				      unsigned long addr, unsigned long *end)
{
	pgoff_t ilx;

	*end = vma->vm_end;
	if (vma->vm_file && shmem_mapping(vma->vm_file->f_mapping)) {
		pgoff_t idx = linear_page_index(vma, addr);
		pgoff_t idx_end = kmmscand_shared_policy_end(
			&SHMEM_I(file_inode(vma->vm_file))->policy, idx);

		if (idx_end - idx < vma_pages(vma))
			*end = min(vma->vm_end, (addr & PAGE_MASK) +
						((idx_end - idx) << PAGE_SHIFT));
	}
	return __get_vma_policy(vma, addr, &ilx);
}

/*
 * A number that changes whenever @mm's mmap lock is taken for writing
 * (mmap, munmap, mprotect, mbind, ...): the sequence count the per-VMA
 * locks keep for speculative readers, odd while a writer holds the lock.
 * Without CONFIG_PER_VMA_LOCK there is no such count: always 0, and the
 * daemon's pace alone decides when the mm is visited.
 */
u64 kmmscand_mm_layout_seq(struct mm_struct *mm)
{
#ifdef CONFIG_PER_VMA_LOCK
	return raw_read_seqcount(&mm->mm_lock_seq);
#else
	return 0;
#endif
}

/* ---------------------------------------------------------------------
 * The page-table walk.  rust/sys/walk.rs is its pmd_entry callback: it
 * keeps the walk's state and decides which folios to test, which page
 * tables to skip and what to record (docs/design.rst, "The walk").  What
 * is here reads and clears page-table entries, each function one kernel
 * operation: the accessors are macros and inline functions, and the
 * callback table is a C structure.  Nothing here sleeps; the callers hold
 * the mmap read lock and, where stated, the page-table lock.
 */

/* What kind of folio @folio is (KMMSCAND_FOLIO_*, the cheap facts). */
static u32 kmmscand_folio_kind(struct folio *folio)
{
	u32 facts = 0;

	if (folio_is_zone_device(folio))
		return KMMSCAND_FOLIO_ZONE_DEVICE;
	if (folio_test_ksm(folio))
		facts |= KMMSCAND_FOLIO_KSM;
	if (folio_test_unevictable(folio))
		facts |= KMMSCAND_FOLIO_UNEVICTABLE;
	if (folio_maybe_mapped_shared(folio))
		facts |= KMMSCAND_FOLIO_SHARED;
	return facts;
}

static void kmmscand_folio_read(struct folio *folio,
				struct kmmscand_folio *info)
{
	info->pfn = folio_pfn(folio);
	info->nr_pages = folio_nr_pages(folio);
	info->nid = folio_nid(folio);
	info->facts = kmmscand_folio_kind(folio);
	info->mapping = (unsigned long)READ_ONCE(folio->mapping);
	info->index = folio->index;
}

/*
 * The folio @pmd maps at @haddr if it is present and normal
 * (vm_normal_folio_pmd()), with what it is in @info; NULL otherwise.
 * The caller holds the PMD lock.
 */
struct folio *kmmscand_pmd_folio(struct vm_area_struct *vma, void *pmd,
				 unsigned long haddr,
				 struct kmmscand_folio *info)
{
	pmd_t pmde = pmdp_get(pmd);
	struct folio *folio;

	if (!pmd_present(pmde))
		return NULL;
	folio = vm_normal_folio_pmd(vma, haddr, pmde);
	if (folio)
		kmmscand_folio_read(folio, info);
	return folio;
}

/*
 * Tests and clears the Accessed bit of @pmd, which maps a THP at @haddr,
 * and the secondary MMUs' (mmu_notifier_clear_young()): whether one was
 * set.  The caller holds the PMD lock.
 */
bool kmmscand_pmd_test_clear_young(struct vm_area_struct *vma, void *pmd,
				   unsigned long haddr)
{
	bool young = pmdp_test_and_clear_young(vma, haddr, pmd);

	young |= mmu_notifier_clear_young(vma->vm_mm, haddr,
					  haddr + HPAGE_PMD_SIZE);
	return young;
}

/*
 * Tests and clears, under the PMD lock as MGLRU does, the Accessed bit of
 * @pmd if it points to a page table (mapping from @start): 1 if it was
 * set, 0 if not, -1 if @pmd points to no page table.
 */
int kmmscand_table_test_clear_young(struct vm_area_struct *vma, void *pmd,
				    unsigned long start)
{
	spinlock_t *ptl = pmd_lock(vma->vm_mm, pmd);
	pmd_t val = pmdp_get(pmd);
	int ret = -1;

	if (pmd_present(val) && !pmd_leaf(val))
		ret = pmdp_test_and_clear_young(vma, start, pmd);
	spin_unlock(ptl);
	return ret;
}

/*
 * The folio @pte maps at @addr if it is present and normal
 * (vm_normal_folio()), with what it is in @info; NULL otherwise.  The
 * caller holds the PTE lock.
 */
struct folio *kmmscand_pte_folio(struct vm_area_struct *vma, void *pte,
				 unsigned long addr,
				 struct kmmscand_folio *info)
{
	pte_t ptent = ptep_get(pte);
	struct folio *folio;

	if (!pte_present(ptent))
		return NULL;
	folio = vm_normal_folio(vma, addr, ptent);
	if (folio)
		kmmscand_folio_read(folio, info);
	return folio;
}

/*
 * Tests and clears the Accessed bit of @pte, which maps @addr, and the
 * secondary MMUs': whether one was set.  The caller holds the PTE lock.
 */
bool kmmscand_pte_test_clear_young(struct vm_area_struct *vma, void *pte,
				   unsigned long addr)
{
	bool young = ptep_test_and_clear_young(vma, addr, pte);

	young |= mmu_notifier_clear_young(vma->vm_mm, addr, addr + PAGE_SIZE);
	return young;
}

/* ---------------------------------------------------------------------
 * Promotion (rust/sys/migrate.rs isolates and moves the folios).
 */

/*
 * The folio that holds @pfn, with a reference taken, read into @info, and
 * whether it is on an LRU (*@lru); NULL when @pfn is not online memory or
 * its folio is being freed or split.  The caller decides whether it is
 * the folio it recorded, then isolates it or drops it
 * (folio_put()).
 */
struct folio *kmmscand_folio_get(u64 pfn, struct kmmscand_folio *info,
				 bool *lru)
{
	struct page *page = pfn_to_online_page(pfn);
	struct folio *folio;

	if (!page)
		return NULL;
	folio = page_folio(page);
	if (!folio_try_get(folio))
		return NULL;
	/* Split or freed and reused between page_folio() and the get. */
	if (unlikely(page_folio(page) != folio)) {
		folio_put(folio);
		return NULL;
	}
	kmmscand_folio_read(folio, info);
	*lru = folio_test_lru(folio);
	return folio;
}

/* ---------------------------------------------------------------------
 * Tracepoints, called from Rust.
 */
void kmmscand_trace_scan_mm_start(int pid, unsigned long start,
				  unsigned int period_ms, unsigned int size_mb)
{
	trace_kmmscand_scan_mm_start(pid, start, 0, 0, 0, period_ms, size_mb);
}

void kmmscand_trace_migrate_batch(int target, unsigned int nr_folios,
				   u64 nr_pages, u64 migrated, u64 failed,
				   u64 us)
{
	trace_kmmscand_migrate_batch(target, nr_folios, nr_pages, migrated,
				     failed, us);
}

void kmmscand_trace_scan_mm_end(int pid, unsigned long start,
				unsigned long end, u64 scanned, u64 young,
				unsigned int period_ms, unsigned int size_mb)
{
	trace_kmmscand_scan_mm_end(pid, start, end, scanned, young, period_ms,
				   size_mb);
}
