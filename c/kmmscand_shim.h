/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmmscand C shim: the kernel operations the Rust module cannot reach
 * (macros and inline functions, migrate_pages()'s allocation callback,
 * the tracepoints).
 *
 * Each function does one kernel operation and reports what it saw; the
 * Rust side (rust/sys/) wraps each once behind a safe API and makes every
 * decision.  The Rust side sees this header only through bindgen (Kbuild
 * generates shim_bindings.rs from it at every build, with the kernel's own
 * C flags): no structure or prototype is copied by hand, and bindgen's
 * layout assertions fail the build if Rust and C ever disagree.
 */
#ifndef _KMMSCAND_SHIM_H
#define _KMMSCAND_SHIM_H

#include <linux/types.h>

struct folio;
struct mempolicy;
struct mm_struct;
struct pglist_data;
struct task_struct;
struct vm_area_struct;

/* Node sets are u64 bitmaps: the module supports MAX_NUMNODES <= 64. */
#define KMMSCAND_MAX_NODES	64

/*
 * Facts about a folio the walk meets; the Rust side decides which of them
 * keep it from being tested (rust/sys/walk.rs) and which make a
 * young one unmovable (rust/policy/src/folio.rs, where each bit is the
 * same).  For a ZONE_DEVICE folio no other fact is read.  The facts read
 * for young folios only (pinned, dirty file) are read in Rust.
 */
#define KMMSCAND_FOLIO_ZONE_DEVICE	0x01	/* folio_is_zone_device() */
#define KMMSCAND_FOLIO_KSM		0x02	/* folio_test_ksm() */
#define KMMSCAND_FOLIO_UNEVICTABLE	0x04	/* folio_test_unevictable() */
#define KMMSCAND_FOLIO_SHARED		0x08	/* folio_maybe_mapped_shared() */

/* One folio found young on a slow-tier node by the page-table walk. */
struct kmmscand_young {
	u64 pfn;	/* folio_pfn() */
	u32 nr_pages;	/* folio_nr_pages() */
	s16 nid;	/* node the folio was on */
	s16 target;	/* node to promote it to */
	u32 facts;	/* KMMSCAND_FOLIO_* when found young */
	u32 _pad;
	u64 addr;	/* where the walk found it mapped (first page found) */
	u64 mapping;	/* folio->mapping when found: with index, its identity */
	u64 index;	/* folio->index when found */
};

/* What the walk reads of a folio it meets (kmmscand_pte_folio()). */
struct kmmscand_folio {
	u64 pfn;	/* folio_pfn() */
	u64 mapping;	/* folio->mapping: with index, its identity */
	u64 index;	/* folio->index */
	u32 nr_pages;	/* folio_nr_pages() */
	s32 nid;	/* folio_nid() */
	u32 facts;	/* KMMSCAND_FOLIO_ZONE_DEVICE..SHARED */
	u32 _pad;
};

/*
 * One zone's free pages, high watermark and reserves, as the kernel keeps
 * them (rust/policy/src/room.rs decides what a promotion may use).
 */
struct kmmscand_zone_marks {
	u64 free;		/* NR_FREE_PAGES */
	u64 high;		/* high_wmark_pages() */
	s64 lowmem_reserve;	/* lowmem_reserve[ZONE_MOVABLE] */
	u64 highatomic;		/* nr_reserved_highatomic */
};

/* Zones per node reported by kmmscand_node_zone_marks(), at most. */
#define KMMSCAND_MAX_ZONES	8

/* Implemented by the shim, called from Rust (rust/sys/). */
void kmmscand_sleep_ms(unsigned int ms);
void kmmscand_wake(void);

void kmmscand_warn_ratelimited(const char *msg);



unsigned int kmmscand_node_zone_marks(struct pglist_data *pgdat,
				      struct kmmscand_zone_marks *marks,
				      unsigned int max);

struct task_struct *kmmscand_next_thread(struct task_struct *leader,
					 struct task_struct *t);

struct mempolicy *kmmscand_vma_policy(struct vm_area_struct *vma,
				      unsigned long addr, unsigned long *end);
u64 kmmscand_mm_layout_seq(struct mm_struct *mm);

/*
 * The page-table walk (rust/sys/walk.rs).  A page-table entry is passed as
 * a pointer to its pte_t or pmd_t (void * here: those types are not
 * declared in this header).
 */
struct folio *kmmscand_pmd_folio(struct vm_area_struct *vma, void *pmd,
				 unsigned long haddr,
				 struct kmmscand_folio *info);
bool kmmscand_pmd_test_clear_young(struct vm_area_struct *vma, void *pmd,
				   unsigned long haddr);
int kmmscand_table_test_clear_young(struct vm_area_struct *vma, void *pmd,
				    unsigned long start);
struct folio *kmmscand_pte_folio(struct vm_area_struct *vma, void *pte,
				 unsigned long addr,
				 struct kmmscand_folio *info);
bool kmmscand_pte_test_clear_young(struct vm_area_struct *vma, void *pte,
				   unsigned long addr);

struct folio *kmmscand_folio_get(u64 pfn, struct kmmscand_folio *info,
				 bool *lru);

/*
 * Exported to this module by kernel patch 0001, but x86's <asm/tlbflush.h>
 * declares it only when !MODULE: its prototype, copied from there so that
 * bindgen generates the Rust one.
 */
void flush_tlb_mm_range(struct mm_struct *mm, unsigned long start,
			unsigned long end, unsigned int stride_shift,
			bool freed_tables);


void kmmscand_trace_scan_mm_start(int pid, unsigned long start,
				  unsigned int period_ms, unsigned int size_mb);
void kmmscand_trace_migrate_batch(int target, unsigned int nr_folios,
				   u64 nr_pages, u64 migrated, u64 failed,
				   u64 us);
void kmmscand_trace_scan_mm_end(int pid, unsigned long start,
				unsigned long end, u64 scanned, u64 young,
				unsigned int period_ms, unsigned int size_mb);

#endif /* _KMMSCAND_SHIM_H */
