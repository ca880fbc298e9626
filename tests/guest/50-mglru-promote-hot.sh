#!/bin/sh
# 20-promote-hot again with MGLRU on.  Its aging walk clears the Accessed
# bits of PMDs that point to page tables (and of PTEs) without flushing the
# TLB: a page table under a hot set then looked idle to kmmscand, which
# skipped it and never flushed it, so the set was never tested again.
# Fails when the kernel has no MGLRU.
. /tests/lib/common.sh
with_mglru /tests/guest/20-promote-hot.sh
