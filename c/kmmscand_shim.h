/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmmscand C shim: the kernel operations the Rust module cannot reach
 * (c/kmmscand_shim.c says which and why).
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
struct vm_area_struct;

/*
 * Facts about a folio: Rust decides which keep it from being tested and
 * which make a young one unmovable (rust/policy/src/folio.rs, same bits).
 * kmmscand_pte_find() reads the first four, kmmscand_folio_read() all; a
 * ZONE_DEVICE folio has no other.
 */
#define KMMSCAND_FOLIO_ZONE_DEVICE	0x01	/* folio_is_zone_device() */
#define KMMSCAND_FOLIO_KSM		0x02	/* folio_test_ksm() */
#define KMMSCAND_FOLIO_UNEVICTABLE	0x04	/* folio_test_unevictable() */
#define KMMSCAND_FOLIO_SHARED		0x08	/* folio_maybe_mapped_shared() */
#define KMMSCAND_FOLIO_PINNED		0x10	/* folio_maybe_dma_pinned() */
#define KMMSCAND_FOLIO_FILE_LRU		0x20	/* folio_is_file_lru() */
#define KMMSCAND_FOLIO_DIRTY		0x40	/* folio_test_dirty() */

/* What the walk records of a young folio (kmmscand_folio_read()). */
struct kmmscand_folio {
	u64 pfn;	/* folio_pfn() */
	u64 mapping;	/* folio->mapping: with index, its identity */
	u64 index;	/* folio->index */
	u32 nr_pages;	/* folio_nr_pages() */
	s32 nid;	/* folio_nid() */
	u32 facts;	/* KMMSCAND_FOLIO_* */
	u32 _pad;
};

/* Implemented by the shim, called from Rust (rust/sys/). */
void kmmscand_sleep_ms(unsigned int ms);
void kmmscand_wake(void);
void kmmscand_warn_ratelimited(const char *msg);

struct mempolicy *kmmscand_vma_policy(struct vm_area_struct *vma,
				      unsigned long addr, unsigned long *end);

/*
 * The page-table walk (rust/sys/walk.rs).  A page-table entry is passed as
 * a pointer to its pte_t (void * here: the type is not declared in this
 * header).
 */
void kmmscand_folio_read(struct folio *folio, struct kmmscand_folio *info);
struct folio *kmmscand_pte_find(struct vm_area_struct *vma, void *pte,
				unsigned long addr, unsigned long end,
				u64 nodes, u64 *node_pages,
				unsigned long *at, int *nid, u32 *facts);

/* The isolation check (rust/sys/migrate.rs). */
struct folio *kmmscand_folio_get(u64 pfn, struct kmmscand_folio *info,
				 bool *lru);

/* Tracepoints (rust/sys/trace.rs). */
void kmmscand_trace_scan_mm_start(int pid, unsigned long start,
				  unsigned int period_ms, unsigned int size_mb);
void kmmscand_trace_migrate_batch(int target, unsigned int nr_folios,
				   u64 nr_pages, u64 migrated, u64 failed,
				   u64 us);
void kmmscand_trace_scan_mm_end(int pid, unsigned long start,
				unsigned long end, u64 scanned, u64 young,
				unsigned int period_ms, unsigned int size_mb);

#endif /* _KMMSCAND_SHIM_H */
