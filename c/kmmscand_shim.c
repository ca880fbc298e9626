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
 * /proc/vmstat events (kernel patch 0002 adds the items).
 */
/* ---------------------------------------------------------------------
 * Nodes.
 */
static u64 nodemask_to_u64(const nodemask_t *mask)
{
	return (u64)nodes_addr(*mask)[0];
}

/* The one place the module reads which nodes have memory and are top tier. */
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

/*
 * Whether @nid names a node that has a pglist_data (NODE_DATA() is valid
 * for it).  A node's pgdat is allocated when it first comes online and is
 * never freed, so the answer stays true.
 */
bool kmmscand_node_valid(int nid)
{
	return nid >= 0 && nid < MAX_NUMNODES && node_possible(nid) &&
	       NODE_DATA(nid);
}

/*
 * Fills @marks with the free pages and high watermark of @nid's zones, and
 * the free pages a movable allocation may not use there: the zone's
 * lowmem_reserve against ZONE_MOVABLE allocations (a lower zone keeps it
 * for allocations that cannot go higher) and its high-atomic reserve, as
 * zone_watermark_ok() counts them.
 */
unsigned int kmmscand_node_zone_marks(int nid,
				      struct kmmscand_zone_marks *marks,
				      unsigned int max)
{
	pg_data_t *pgdat = NODE_DATA(nid);
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

/* The PFN range @nid spans (it may contain holes and other nodes' memory). */
void kmmscand_node_pfn_span(int nid, u64 *start_pfn, u64 *end_pfn)
{
	pg_data_t *pgdat = NODE_DATA(nid);

	*start_pfn = pgdat->node_start_pfn;
	*end_pfn = pgdat_end_pfn(pgdat);
}

/* The node of online memory section @section_nr, or -1 if it is not online. */
int kmmscand_section_nid(u64 section_nr)
{
	struct page *page;

	if (section_nr >= NR_MEM_SECTIONS || !online_section_nr(section_nr))
		return -1;
	page = pfn_to_online_page(section_nr_to_pfn(section_nr));
	return page ? page_to_nid(page) : -1;
}

/* ---------------------------------------------------------------------
 * Processes.
 */
static void kmmscand_read_policy(const struct mempolicy *pol,
				 struct kmmscand_mempolicy *out)
{
	memset(out, 0, sizeof(*out));
	if (!pol)
		return;
	out->present = 1;
	out->mode = pol->mode;
	out->nodes = nodemask_to_u64(&pol->nodes);
}

/*
 * The thread group whose id is the first pid >= @nr (init's namespace):
 * its leader (pid_task(PIDTYPE_TGID)), and *@found that pid; NULL when the
 * pid is not a thread group's (a thread's, or gone).  *@found is -1 when
 * no pid is at or after @nr.  The caller holds rcu_read_lock(), which
 * keeps the task valid.
 */
struct task_struct *kmmscand_find_tgid(int nr, int *found)
{
	struct pid *p = find_ge_pid(nr, &init_pid_ns);

	if (!p) {
		*found = -1;
		return NULL;
	}
	*found = pid_nr(p);
	return pid_task(p, PIDTYPE_TGID);
}

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

/*
 * Facts about @t, read without locks as thread_group_cputime() reads them
 * under RCU: PF_KTHREAD, PF_EXITING, task_is_running(), its runtime so far,
 * and that of its group's exited threads (signal->sum_sched_runtime).  The
 * caller holds rcu_read_lock().
 */
void kmmscand_task_read(struct task_struct *t, struct kmmscand_task *out)
{
	out->kthread = !!(t->flags & PF_KTHREAD);
	out->exiting = !!(t->flags & PF_EXITING);
	out->running = task_is_running(t);
	out->runtime_ns = READ_ONCE(t->se.sum_exec_runtime);
	out->exited_ns = READ_ONCE(t->signal->sum_sched_runtime);
}

/*
 * Under task_lock(@t), as get_task_mm() reads it: whether @t has an mm
 * (KMMSCAND_THREAD_NO_MM if not), its task policy and cpuset into @nodes,
 * and, when *@mmp is NULL, an mm_users reference on its mm into *@mmp
 * (KMMSCAND_THREAD_MM_GONE when the mm is being torn down).  The caller
 * holds rcu_read_lock().
 */
enum kmmscand_thread kmmscand_thread_nodes(struct task_struct *t,
					   struct mm_struct **mmp,
					   struct kmmscand_thread_nodes *nodes)
{
	enum kmmscand_thread ret = KMMSCAND_THREAD_MM;

	task_lock(t);
	if (!t->mm) {
		ret = KMMSCAND_THREAD_NO_MM;
	} else if (!*mmp && !mmget_not_zero(t->mm)) {
		ret = KMMSCAND_THREAD_MM_GONE;
	} else {
		if (!*mmp)
			*mmp = t->mm;
		kmmscand_read_policy(t->mempolicy, &nodes->policy);
		nodes->mems_allowed = nodemask_to_u64(&t->mems_allowed);
	}
	task_unlock(t);
	return ret;
}

/* ---------------------------------------------------------------------
 * VMAs.  The caller holds the mmap lock.
 */

/* Whether @vma's accesses are allowed at all (not PROT_NONE). */
/* Whether the kernel lets @vma's pages be migrated at all. */
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
 * Reads the mempolicy of @vma at @addr into @pol; false when it has none
 * (the task's applies).  *@end is where that answer may change: the end of
 * @vma, or for shared memory (tmpfs, memfd, MAP_SHARED anonymous, SysV
 * shm: a shmem inode's mapping), whose policy is kept per range of file
 * offsets (mbind() through any mapping of the file sets it), where the
 * shared-policy range holding @addr's offset ends.
 */
bool kmmscand_vma_policy(struct vm_area_struct *vma, unsigned long addr,
			 struct kmmscand_mempolicy *pol, unsigned long *end)
{
	struct mempolicy *mp;
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
	mp = __get_vma_policy(vma, addr, &ilx);
	if (!mp)
		return false;
	kmmscand_read_policy(mp, pol);
	mpol_cond_put(mp);
	return true;
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

/* Pages demoted to a lower tier since boot, by every path. */
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
 * Promotion.
 */

/*
 * Destination folios, allocated on @nid with the masks the Rust side
 * chose (rust/sys/migrate.rs): @gfp_small for a base page, @gfp_large for
 * a large folio.  A target whose memory went offline since the topology
 * was read gets no allocation (and no warning from the allocator).
 */
struct kmmscand_dst {
	int nid;
	gfp_t gfp_small;
	gfp_t gfp_large;
	u64 failed;	/* pages whose destination could not be allocated */
};

static struct folio *kmmscand_alloc_dst(struct folio *src, unsigned long data)
{
	struct kmmscand_dst *dst = (struct kmmscand_dst *)data;
	int nid = dst->nid;
	int order = folio_order(src);
	struct folio *folio;

	if (!node_online(nid) || !node_state(nid, N_MEMORY)) {
		dst->failed += folio_nr_pages(src);
		return NULL;
	}
	folio = __folio_alloc_node(order ? dst->gfp_large : dst->gfp_small,
				   order, nid);
	if (!folio)
		dst->failed += folio_nr_pages(src);
	return folio;
}

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

/* Drops the reference kmmscand_folio_get() took. */
/*
 * Whether migrate_pages() would move @folio as one large folio: one that
 * is only partly mapped is split first (migrate_pages_batch()), its mapped
 * pages moved one by one and the others freed.
 */
static bool kmmscand_split_first(struct folio *folio)
{
	return folio_test_large(folio) && folio_nr_pages(folio) > 2 &&
	       folio_test_partially_mapped(folio);
}

static bool kmmscand_moves_large(struct folio *folio)
{
	return folio_test_large(folio) && !kmmscand_split_first(folio);
}

/*
 * Pages of @folio that migrate_pages() will free rather than move: the
 * unmapped pages of a partly mapped large folio, which it splits first
 * (and counts as moved, since nothing holds them any more).
 */
static unsigned long kmmscand_unmapped_pages(struct folio *folio)
{
	long nr = folio_nr_pages(folio);

	if (!kmmscand_split_first(folio))
		return 0;
	return nr - min_t(long, folio_mapcount(folio), nr);
}

/*
 * Moves the isolated folios of @list to @target with one migrate_pages()
 * call and adds what moved to @res.  MR_NUMA_MISPLACED is the reason NUMA
 * balancing uses for promotion; it also tells migrate_pages() not to split
 * a large folio that fails to move.  Folios that fail go back to their LRU.
 * The pages moved are those migrate_pages() reports less the unmapped pages
 * of partly mapped large folios, which it splits and frees but reports as
 * moved.  Large folios count as moved whole only when they were not split.
 * Moved pages are added to pgpromote_success of @lruvec (the target node's,
 * of the folios' memory cgroup), as migrate_misplaced_folio() adds NUMA
 * balancing's.
 */
static void kmmscand_migrate_list(struct list_head *list, struct lruvec *lruvec,
				  struct kmmscand_dst *dst,
				  struct kmmscand_migrate_result *res)
{
	unsigned int nr_large = 0, succeeded = 0;
	u64 pages = 0, unmapped = 0, moved;
	struct folio *folio, *tmp;

	list_for_each_entry(folio, list, lru) {
		pages += folio_nr_pages(folio);
		if (kmmscand_moves_large(folio))
			nr_large++;
		unmapped += kmmscand_unmapped_pages(folio);
	}
	migrate_pages(list, kmmscand_alloc_dst, NULL, (unsigned long)dst,
		      MIGRATE_ASYNC, MR_NUMA_MISPLACED, &succeeded);

	/* What is still on the list did not move. */
	list_for_each_entry_safe(folio, tmp, list, lru) {
		if (kmmscand_moves_large(folio))
			nr_large--;
		unmapped -= min_t(u64, unmapped, kmmscand_unmapped_pages(folio));
	}
	if (!list_empty(list))
		putback_movable_pages(list);

	moved = min_t(u64, succeeded - min_t(u64, succeeded, unmapped), pages);
	res->migrated += moved;
	res->failed += pages - moved;
	res->thp_migrated += nr_large;
	if (moved)
		mod_lruvec_state(lruvec, PGPROMOTE_SUCCESS, moved);
}

/*
 * Moves the folios isolated on @list to @target: one migrate_pages() call
 * per memory cgroup among them (the folios of one process are nearly
 * always in one cgroup), so that each cgroup's memory.stat counts its own
 * promotions.  The cgroup is held (get_mem_cgroup_from_folio()) until its
 * pages are counted: once moved, they may be freed at any time, and with
 * them the cgroup's last reference.  @list is empty on return: what did
 * not move went back to its LRU.
 */
void kmmscand_migrate_isolated(struct list_head *list, int target,
			       gfp_t gfp_small, gfp_t gfp_large,
			       struct kmmscand_migrate_result *res)
{
	struct kmmscand_dst dst = {
		.nid = target,
		.gfp_small = gfp_small,
		.gfp_large = gfp_large,
	};
	struct folio *folio, *tmp;

	memset(res, 0, sizeof(*res));
	while (!list_empty(list)) {
		struct folio *first = list_first_entry(list, struct folio, lru);
		struct mem_cgroup *memcg = get_mem_cgroup_from_folio(first);
		struct mem_cgroup *key;
		LIST_HEAD(group);

		/*
		 * The folios are isolated, so their cgroup binding is stable;
		 * the cgroup is read through the folio's object cgroup, under
		 * RCU (folio_memcg()).  The key is only compared.
		 */
		rcu_read_lock();
		key = folio_memcg(first);
		list_for_each_entry_safe(folio, tmp, list, lru)
			if (folio_memcg(folio) == key)
				list_move_tail(&folio->lru, &group);
		rcu_read_unlock();
		kmmscand_migrate_list(&group, mem_cgroup_lruvec(memcg, NODE_DATA(target)),
				      &dst, res);
		mem_cgroup_put(memcg);
	}
	res->no_destination = dst.failed;
}

/* ---------------------------------------------------------------------
 * Memory cgroups named by cgroup_scope.  Each is held by a reference on its
 * memory controller state, taken when the knob is written and dropped when
 * it is written again or the module unloads: a cgroup removed meanwhile
 * stays valid memory (dying, without processes) until then.
 */

/*
 * Looks up the cgroup v2 path @path and returns its memory cgroup with a
 * reference, or an ERR_PTR: -ENOENT when there is no such cgroup,
 * -EOPNOTSUPP when the memory controller is not enabled for it (its memory
 * is then accounted to an ancestor, which is not the cgroup named), and
 * -ENODEV when memory cgroups are disabled.
 */
struct mem_cgroup *kmmscand_memcg_get(const char *path)
{
	struct cgroup_subsys_state *css;
	struct cgroup *cgrp;

	if (mem_cgroup_disabled())
		return ERR_PTR(-ENODEV);
	cgrp = cgroup_get_from_path(path);
	if (IS_ERR(cgrp))
		return ERR_CAST(cgrp);
	css = cgroup_get_e_css(cgrp, &memory_cgrp_subsys);
	if (css->cgroup != cgrp) {
		css_put(css);
		cgroup_put(cgrp);
		return ERR_PTR(-EOPNOTSUPP);
	}
	cgroup_put(cgrp);
	return mem_cgroup_from_css(css);
}

/* Drops a reference kmmscand_memcg_get() returned. */
/* Whether @memcg was removed (rmdir) since it was looked up. */
/*
 * Which of the @nr (at most 32) memory cgroups @memcgs hold @mm: bit i is
 * set when the memory cgroup of @mm's owner (get_mem_cgroup_from_mm(); the
 * root cgroup when it has none) is memcgs[i] or a descendant of it.
 */
u32 kmmscand_mm_memcg_matches(struct mm_struct *mm,
			      struct mem_cgroup *const *memcgs,
			      unsigned int nr)
{
	struct mem_cgroup *memcg = get_mem_cgroup_from_mm(mm);
	unsigned int i;
	u32 bits = 0;

	if (!memcg)
		return 0;
	for (i = 0; i < min(nr, 32u); i++)
		if (mem_cgroup_is_descendant(memcg, memcgs[i]))
			bits |= BIT(i);
	mem_cgroup_put(memcg);
	return bits;
}

/*
 * Pages on the LRU lists of @memcg and its descendants, on the online
 * nodes of @nodes (a u64 bitmap): the per-zone LRU sizes the kernel keeps
 * for each cgroup (mem_cgroup_get_zone_lru_size()), summed under RCU.
 */
u64 kmmscand_memcg_node_pages(struct mem_cgroup *memcg, u64 nodes)
{
	struct cgroup_subsys_state *css;
	u64 pages = 0;

	rcu_read_lock();
	css_for_each_descendant_pre(css, &memcg->css) {
		struct mem_cgroup *m = mem_cgroup_from_css(css);
		int nid;

		for (nid = 0; nid < min_t(int, nr_node_ids, KMMSCAND_MAX_NODES); nid++) {
			struct lruvec *lruvec;
			enum lru_list lru;
			int zid;

			if (!(nodes & BIT_ULL(nid)) || !node_online(nid))
				continue;
			lruvec = mem_cgroup_lruvec(m, NODE_DATA(nid));
			for_each_lru(lru)
				for (zid = 0; zid < MAX_NR_ZONES; zid++)
					pages += mem_cgroup_get_zone_lru_size(lruvec, lru, zid);
		}
	}
	rcu_read_unlock();
	return pages;
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
