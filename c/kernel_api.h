/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel headers whose functions and types the Rust module uses
 * directly but kernel::bindings lacks; read by bindgen (Kbuild:
 * KMMSCAND_KERNEL_FUNCTIONS, _INLINES and _STRUCTS name what is taken) and
 * included by the wrappers it generates for the inline functions.
 */
#include <asm/tlbflush.h>
#include <linux/cgroup.h>
#include <linux/freezer.h>
#include <linux/memcontrol.h>
#include <linux/memory.h>
#include <linux/memory-tiers.h>
#include <linux/mempolicy.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/mmu_notifier.h>
#include <linux/pagewalk.h>
#include <linux/pid.h>
#include <linux/sched/task.h>
#include <linux/vmstat.h>

/*
 * Constants bindgen evaluates from macros it cannot expand itself; seen by
 * bindgen only (the generated wrappers include this file too).
 */
#ifdef __BINDGEN__
/* vm_flags bits kernel::mm::virt::flags does not define (INIT_VM_FLAG()). */
const vm_flags_t KMMSCAND_VM_LOCKED = VM_LOCKED;
const vm_flags_t KMMSCAND_VM_DROPPABLE = VM_DROPPABLE;

/* log2 of the pages in a memory section (a macro of <linux/mmzone.h>). */
const unsigned int KMMSCAND_PFN_SECTION_SHIFT = PFN_SECTION_SHIFT;

/*
 * GFP flags the Rust side composes its allocation masks from
 * (kernel::bindings has only a few of them).
 */
const gfp_t KMMSCAND_GFP_THISNODE = __GFP_THISNODE;
const gfp_t KMMSCAND_GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER_MOVABLE;
const gfp_t KMMSCAND_GFP_TRANSHUGE_LIGHT = GFP_TRANSHUGE_LIGHT;
const gfp_t KMMSCAND_GFP_NOMEMALLOC = __GFP_NOMEMALLOC;
const gfp_t KMMSCAND_GFP_NORETRY = __GFP_NORETRY;
const gfp_t KMMSCAND_GFP_NOWARN = __GFP_NOWARN;
const gfp_t KMMSCAND_GFP_RECLAIM = __GFP_RECLAIM;
#endif
