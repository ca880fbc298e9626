/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel headers whose functions and types the Rust module uses
 * directly but kernel::bindings lacks; read by bindgen only (Kbuild:
 * KMMSCAND_KERNEL_FUNCTIONS and KMMSCAND_KERNEL_STRUCTS name what is taken).
 */
#include <linux/memory.h>
#include <linux/pagewalk.h>
