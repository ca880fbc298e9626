/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel headers whose functions and types the Rust module uses
 * directly but kernel::bindings lacks; read by bindgen (Kbuild:
 * KMMSCAND_KERNEL_FUNCTIONS, _INLINES and _STRUCTS name what is taken) and
 * included by the wrappers it generates for the inline functions.
 */
#include <linux/freezer.h>
#include <linux/memcontrol.h>
#include <linux/memory.h>
#include <linux/mempolicy.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/mmu_notifier.h>
#include <linux/pagewalk.h>
#include <linux/vmstat.h>

/*
 * vm_flags bits kernel::mm::virt::flags does not define (bindgen cannot
 * evaluate their INIT_VM_FLAG() macros itself).
 */
const vm_flags_t KMMSCAND_VM_LOCKED = VM_LOCKED;
const vm_flags_t KMMSCAND_VM_DROPPABLE = VM_DROPPABLE;

/* log2 of the pages in a memory section (a macro of <linux/mmzone.h>). */
const unsigned int KMMSCAND_PFN_SECTION_SHIFT = PFN_SECTION_SHIFT;
