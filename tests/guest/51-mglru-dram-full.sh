#!/bin/sh
# 35-dram-full again with MGLRU on: node 0 full, so kswapd ages with MGLRU's
# page-table walk while kmmscand promotes, clearing PMD Accessed bits under
# the hot set without a TLB flush.  The hot set must still reach 90% and
# stay.  Fails when the kernel has no MGLRU.
. /tests/lib/common.sh
with_mglru /tests/guest/35-dram-full.sh
