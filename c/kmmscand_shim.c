// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand C shim.
 *
 * The Rust module owns every decision; it calls the kernel's functions
 * itself, and its inline ones through wrappers bindgen generates
 * (Kbuild: KMMSCAND_KERNEL_INLINES).  This file holds only what neither
 * reaches, each function one kernel operation that reports what it saw:
 *
 *  - macros that take a condition or keep a static per call site: the
 *    kthread's freezable wait, pr_warn_ratelimited();
 *  - a shared-memory policy lookup (an rbtree under a rwlock, keyed by
 *    file offset, behind SHMEM_I());
 *  - the page-table walk's hot loop: a table's entries read up to the next
 *    folio on a node the caller watches, and a young folio's facts;
 *  - a folio looked up by PFN with a reference, for the isolation check;
 *  - the tracepoints (CREATE_TRACE_POINTS and their inline trace_*()).
 */

#define pr_fmt(fmt) "kmmscand: " fmt

#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/shmem_fs.h>
#include <linux/wait.h>

#include "kmmscand_shim.h"

#define CREATE_TRACE_POINTS
#include "kmmscand_trace.h"

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

/* ---------------------------------------------------------------------
 * The page-table walk.  rust/sys/walk.rs is its pmd_entry callback and
 * decides what to test, skip and record; what is here reads entries and
 * folios (macros and inline accessors).  Nothing here sleeps.
 */

/* What kind of folio @folio is (the first four KMMSCAND_FOLIO_* facts). */
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

/*
 * Reads into @info what the walk records of a young folio and the
 * isolation check reads again: its identity, size, node and every fact.
 */
void kmmscand_folio_read(struct folio *folio, struct kmmscand_folio *info)
{
	u32 facts = kmmscand_folio_kind(folio);

	if (!(facts & KMMSCAND_FOLIO_ZONE_DEVICE)) {
		if (folio_maybe_dma_pinned(folio))
			facts |= KMMSCAND_FOLIO_PINNED;
		if (folio_is_file_lru(folio))
			facts |= KMMSCAND_FOLIO_FILE_LRU;
		if (folio_test_dirty(folio))
			facts |= KMMSCAND_FOLIO_DIRTY;
	}
	info->pfn = folio_pfn(folio);
	info->nr_pages = folio_nr_pages(folio);
	info->nid = folio_nid(folio);
	info->facts = facts;
	info->mapping = (unsigned long)READ_ONCE(folio->mapping);
	info->index = folio->index;
}

/*
 * Reads one page table's entries from @pte, which maps @addr, up to @end,
 * and stops at the first whose normal folio (vm_normal_folio()) is on one
 * of @nodes (a bit per node id, the caller's choice): returns it, with
 * the address it is mapped at in *@at, its node in *@nid and its kind in
 * *@facts; NULL if none is.  Every other folio passed adds its mapped page
 * to @node_pages[its node].  The walk's hot loop: a table with no watched
 * folio costs one call.  The caller holds the PTE lock.
 */
struct folio *kmmscand_pte_find(struct vm_area_struct *vma, void *pte,
				unsigned long addr, unsigned long end,
				u64 nodes, u64 *node_pages,
				unsigned long *at, int *nid, u32 *facts)
{
	pte_t *p = pte;

	BUILD_BUG_ON(MAX_NUMNODES > 64);
	for (; addr < end; addr += PAGE_SIZE, p++) {
		pte_t ptent = ptep_get(p);
		struct folio *folio;
		int n;

		if (!pte_present(ptent))
			continue;
		folio = vm_normal_folio(vma, addr, ptent);
		if (!folio)
			continue;
		n = folio_nid(folio);
		if (nodes & BIT_ULL(n)) {
			*at = addr;
			*nid = n;
			*facts = kmmscand_folio_kind(folio);
			return folio;
		}
		node_pages[n]++;
	}
	return NULL;
}

/* ---------------------------------------------------------------------
 * Promotion (rust/sys/migrate.rs isolates and moves the folios).
 */

/*
 * The folio that holds @pfn, with a reference taken, read into @info, and
 * whether it is on an LRU (*@lru); NULL when @pfn is not online memory or
 * its folio is being freed or split.  The caller decides whether it is
 * the folio it recorded, then isolates it or drops it (folio_put()).
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
